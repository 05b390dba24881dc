// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Helpers shared by the tests: an in-memory engine on a ManualClock, and one-call setup of a
// product, a location and a stocked item.

#ifndef INVENTORY_TESTS_SUPPORT_ENGINE_FIXTURE_H_
#define INVENTORY_TESTS_SUPPORT_ENGINE_FIXTURE_H_

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "inventory/engine.h"

namespace inventory::testing {

struct TestEngine {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::unique_ptr<Engine> engine;

  explicit TestEngine(Limits limits = small_limits()) {
    Options options;
    options.durability = Durability::none;
    options.clock = clock;
    options.expiry_interval = std::chrono::milliseconds(0);  // Tests call expire_due().
    options.limits = limits;
    auto opened = Engine::open(options, "");
    REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
    engine = std::move(opened).value();
  }

  static Limits small_limits() {
    Limits limits;
    limits.items_max = 1024;
    limits.reservations_max = 4096;
    return limits;
  }

  Engine* operator->() { return engine.get(); }

  // Creates product `product` (SKU "sku-<product>") and location `location` if needed, and the
  // item, then adjusts it to `on_hand` (if non-zero). Returns the item.
  ItemId item(const std::string& product, const std::string& location, std::int64_t on_hand = 0,
              ItemPolicy policy = {}) {
    if (!engine->get_product({}, product).ok()) {
      auto p = engine->upsert_product(
          {}, {.product = {.id = product, .sku = "sku-" + product, .name = "Product " + product}});
      REQUIRE_MESSAGE(p.ok(), p.status().to_string());
    }
    if (!engine->get_location({}, location).ok()) {
      auto l = engine->upsert_location({}, {.location = {.id = location, .name = location}});
      REQUIRE_MESSAGE(l.ok(), l.status().to_string());
    }
    auto info =
        engine->upsert_item({}, {.product_id = product, .location_id = location, .policy = policy});
    REQUIRE_MESSAGE(info.ok(), info.status().to_string());
    if (on_hand != 0) {
      auto level = engine->adjust(
          {}, {.item = info->level.item, .delta = Quantity{on_hand}, .reason = "setup"});
      REQUIRE_MESSAGE(level.ok(), level.status().to_string());
    }
    return info->level.item;
  }

  StockLevel level(ItemId item) {
    auto level = engine->get({}, item);
    REQUIRE_MESSAGE(level.ok(), level.status().to_string());
    return *level;
  }
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_ENGINE_FIXTURE_H_
