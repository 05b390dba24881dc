// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: a journaled engine gives back, after a reopen, exactly the state it acknowledged:
// catalog, stock, reservations (with their lines and expiry), idempotency results, ids.
// Method: run operations on an engine with a data directory, close it (clean shutdown, which
// checkpoints) or abandon its checkpoint (replay only), reopen, and compare.

#include <chrono>
#include <memory>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/temp_dir.h"

namespace inventory {
namespace {

struct Durable {
  testing::TempDir dir{"journal"};
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();

  Options options(Durability durability = Durability::sync) const {
    Options o;
    o.durability = durability;
    o.clock = clock;
    o.expiry_interval = std::chrono::milliseconds(0);
    o.limits.items_max = 1024;
    o.limits.reservations_max = 1024;
    return o;
  }
  std::unique_ptr<Engine> open(Durability durability = Durability::sync) const {
    auto e = Engine::open(options(durability), dir.path());
    REQUIRE_MESSAGE(e.ok(), e.status().to_string());
    return std::move(e).value();
  }
};

ItemId stocked(Engine& e, const std::string& product, std::int64_t on_hand) {
  if (!e.get_location({}, "wh").ok()) {
    REQUIRE(e.upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}}).ok());
  }
  REQUIRE(
      e.upsert_product({}, {.product = {.id = product, .sku = "sku-" + product, .name = product}})
          .ok());
  const ItemId id = e.upsert_item({}, {.product_id = product, .location_id = "wh"})->level.item;
  if (on_hand != 0) REQUIRE(e.adjust({}, {.item = id, .delta = Quantity{on_hand}}).ok());
  return id;
}

}  // namespace

TEST_SUITE("integration/journal") {
  TEST_CASE("a reopened engine has every acknowledged change") {
    Durable d;
    ItemId mug, cap;
    ReservationId open_hold, cart;
    StockLevel mug_before, cap_before;
    {
      auto e = d.open();
      mug = stocked(*e, "mug", 10);
      cap = stocked(*e, "cap", 5);
      open_hold = *e->reserve(
          {}, ReserveRequest{.item = mug, .quantity = Quantity{2}, .reference = "cart-1"});
      const ReserveLine lines[] = {{mug, Quantity{1}}, {cap, Quantity{2}}};
      cart = *e->reserve({}, ReserveLinesRequest{.lines = lines, .reference = "cart-2"});
      REQUIRE(e->confirm({}, cart).ok());
      REQUIRE(e->set_policy({}, {.item = cap, .policy = {.safety_stock = 1}}).ok());
      mug_before = *e->get({}, mug);
      cap_before = *e->get({}, cap);
    }
    auto e = d.open();
    CHECK(*e->get({}, mug) == mug_before);
    CHECK(*e->get({}, cap) == cap_before);
    CHECK(e->get({}, mug)->on_hand == Quantity{9});
    CHECK(e->get({}, mug)->reserved == Quantity{2});
    auto hold = e->get_reservation({}, open_hold);
    REQUIRE(hold.ok());
    CHECK(hold->state == ReservationState::active);
    CHECK(hold->reference == "cart-1");
    CHECK(hold->lines.size() == 1);
    CHECK(e->get_product({}, "cap")->sku == "sku-cap");
    CHECK(*e->find_item({}, "mug", "wh") == mug);
    CHECK(e->check_invariants().ok());
    // The engine goes on where it stopped.
    REQUIRE(e->confirm({}, open_hold).ok());
    CHECK(e->get({}, mug)->on_hand == Quantity{7});
  }

  TEST_CASE("an idempotent result survives a restart") {
    Durable d;
    ItemId item;
    ReservationId first;
    {
      auto e = d.open();
      item = stocked(*e, "p", 10);
      first = *e->reserve({.idempotency_key = "k1"},
                          ReserveRequest{.item = item, .quantity = Quantity{3}});
    }
    auto e = d.open();
    auto again = e->reserve({.idempotency_key = "k1"},
                            ReserveRequest{.item = item, .quantity = Quantity{3}});
    REQUIRE(again.ok());
    CHECK(*again == first);
    CHECK(e->get({}, item)->reserved == Quantity{3});  // Applied once.
    CHECK(
        e->reserve({.idempotency_key = "k1"}, ReserveRequest{.item = item, .quantity = Quantity{4}})
            .status()
            .code() == StatusCode::idempotency_mismatch);
  }
}

}  // namespace inventory
