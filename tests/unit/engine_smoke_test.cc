// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the quickstart path works end to end. Method: stock an item, reserve, confirm.
#include <doctest/doctest.h>

#include "support/engine_fixture.h"

namespace inventory {

TEST_SUITE("engine") {
  TEST_CASE("reserve then confirm takes units out of on_hand and reserved together") {
    testing::TestEngine t;
    const ItemId item = t.item("p1", "wh", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{3}});
    REQUIRE(hold.ok());
    CHECK(t.level(item).reserved == Quantity{3});
    CHECK(t.level(item).available() == Quantity{7});
    REQUIRE(t->confirm({}, *hold).ok());
    CHECK(t.level(item).on_hand == Quantity{7});
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t->check_invariants().ok());
  }
}

}  // namespace inventory
