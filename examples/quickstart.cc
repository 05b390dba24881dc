// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Quickstart: open an engine, stock one item, hold two units for a cart, confirm the sale.
#include <cstdio>

#include "inventory/engine.h"

int main() {
  using namespace inventory;
  Options options;
  options.durability = Durability::none;  // In memory; the journal arrives in a later release.
  auto engine = Engine::open(options, "").value();

  (void)engine->upsert_location({}, {.location = {.id = "wh-1", .name = "Main warehouse"}});
  (void)engine->upsert_product({},
                               {.product = {.id = "p-1",
                                            .sku = "MUG-RED",
                                            .name = "Red mug",
                                            .price = {.amount_minor = 1299, .currency = "EUR"}}});
  const ItemId mug =
      engine->upsert_item({}, {.product_id = "p-1", .location_id = "wh-1"})->level.item;
  (void)engine->adjust({}, {.item = mug, .delta = Quantity{10}, .reason = "restock"});

  auto hold = engine->reserve({}, ReserveRequest{.item = mug,
                                                 .quantity = Quantity{2},
                                                 .ttl = std::chrono::minutes(15),
                                                 .reference = "cart-42"});
  if (!hold.ok()) {
    std::fprintf(stderr, "reserve: %s\n", hold.status().to_string().c_str());
    return 1;
  }
  if (Status s = engine->confirm({}, *hold); !s.ok()) {
    std::fprintf(stderr, "confirm: %s\n", s.to_string().c_str());
    return 1;
  }
  const StockLevel level = *engine->get({}, mug);
  std::printf("on_hand %lld, reserved %lld, available %lld\n",
              static_cast<long long>(level.on_hand.value()),
              static_cast<long long>(level.reserved.value()),
              static_cast<long long>(level.available().value()));
  return level.on_hand == Quantity{8} ? 0 : 1;
}
