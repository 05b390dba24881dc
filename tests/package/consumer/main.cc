// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Package consumer: the quickstart path (open, location, product, item, adjust, reserve,
// confirm), built against an installed or vendored inventory. Exits 0 on success.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>

#include "inventory/engine.h"
#include "inventory/version.h"

namespace {

int fail(const char* step, const inventory::Status& status) {
  std::fprintf(stderr, "consumer: %s failed: %s\n", step, status.to_string().c_str());
  return EXIT_FAILURE;
}

}  // namespace

int main() {
  inventory::Options options;
  options.durability = inventory::Durability::none;
  options.expiry_interval = std::chrono::milliseconds(100);  // Runs the expiry thread too.
  auto opened = inventory::Engine::open(options, "");
  if (!opened.ok()) return fail("open", opened.status());
  std::unique_ptr<inventory::Engine> engine = std::move(opened).value();

  auto location =
      engine->upsert_location({}, {.location = {.id = "wh-1", .name = "Main warehouse"}});
  if (!location.ok()) return fail("upsert_location", location.status());
  auto product =
      engine->upsert_product({}, {.product = {.id = "p-1", .sku = "MUG-RED", .name = "Red mug"}});
  if (!product.ok()) return fail("upsert_product", product.status());
  auto info = engine->upsert_item({}, {.product_id = "p-1", .location_id = "wh-1"});
  if (!info.ok()) return fail("upsert_item", info.status());
  const inventory::ItemId item = info->level.item;

  auto adjusted =
      engine->adjust({}, {.item = item, .delta = inventory::Quantity{10}, .reason = "restock"});
  if (!adjusted.ok()) return fail("adjust", adjusted.status());
  auto hold = engine->reserve({}, {.item = item, .quantity = inventory::Quantity{2}});
  if (!hold.ok()) return fail("reserve", hold.status());
  if (auto confirmed = engine->confirm({}, *hold); !confirmed.ok()) {
    return fail("confirm", confirmed);
  }

  auto level = engine->get({}, item);
  if (!level.ok()) return fail("get", level.status());
  if (level->on_hand != inventory::Quantity{8} || level->reserved != inventory::Quantity{0}) {
    std::fprintf(stderr, "consumer: expected on_hand 8 reserved 0, got %lld and %lld\n",
                 static_cast<long long>(level->on_hand.value()),
                 static_cast<long long>(level->reserved.value()));
    return EXIT_FAILURE;
  }
  if (auto checked = engine->check_invariants(); !checked.ok()) {
    return fail("check_invariants", checked);
  }

  const std::string_view version = inventory::version();
  if (version != INVENTORY_VERSION_STRING) {
    std::fprintf(stderr, "consumer: library %.*s, headers %s\n", static_cast<int>(version.size()),
                 version.data(), INVENTORY_VERSION_STRING);
    return EXIT_FAILURE;
  }
  std::printf("consumer: inventory %.*s ok (on_hand 8, reserved 0)\n",
              static_cast<int>(version.size()), version.data());
  return EXIT_SUCCESS;
}
