// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// One WriteBatch across several SKUs: restock one item, move stock between two stores and hold
// a cart, all or nothing. The second batch fails on its last operation and changes nothing.
#include <cstdio>

#include "inventory/engine.h"

int main() {
  using namespace inventory;
  Options options;
  options.durability = Durability::none;
  auto engine = Engine::open(options, "").value();
  for (const char* store : {"store-a", "store-b"}) {
    (void)engine->upsert_location(
        {}, {.location = {.id = store, .name = store, .type = LocationType::store}});
  }
  (void)engine->upsert_product({}, {.product = {.id = "tee", .sku = "TEE-M", .name = "T-shirt"}});
  (void)engine->upsert_product({}, {.product = {.id = "cap", .sku = "CAP-1", .name = "Cap"}});
  auto item = [&](const char* product, const char* store) {
    return engine->upsert_item({}, {.product_id = product, .location_id = store})->level.item;
  };
  const ItemId tee_a = item("tee", "store-a");
  const ItemId tee_b = item("tee", "store-b");
  const ItemId cap_b = item("cap", "store-b");

  WriteBatch restock_and_hold;
  restock_and_hold.adjust({.item = tee_a, .delta = Quantity{20}, .reason = "delivery"})
      .adjust({.item = cap_b, .delta = Quantity{5}, .reason = "delivery"})
      .transfer({.from = tee_a, .to = tee_b, .quantity = Quantity{6}, .reason = "rebalance"});
  const ReserveLine cart[] = {{tee_b, Quantity{2}}, {cap_b, Quantity{1}}};
  restock_and_hold.reserve(ReserveLinesRequest{.lines = cart, .reference = "order-7"});
  auto receipt = engine->write({}, restock_and_hold);
  if (!receipt.ok()) {
    std::fprintf(stderr, "batch: %s\n", receipt.status().to_string().c_str());
    return 1;
  }
  std::printf("batch applied: %zu operations, hold %llu\n", receipt->results.size(),
              static_cast<unsigned long long>(receipt->results.back().reservation));

  WriteBatch too_much;
  too_much.adjust({.item = cap_b, .delta = Quantity{1}})
      .reserve(ReserveRequest{.item = cap_b, .quantity = Quantity{100}});
  auto refused = engine->write({}, too_much);
  std::printf("second batch: %s\n", refused.status().to_string().c_str());
  // Nothing of the refused batch was applied: cap_b still has 5 on hand.
  return engine->get({}, cap_b)->on_hand == Quantity{5} && !refused.ok() ? 0 : 1;
}
