// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the clocks of clock.h never run backwards: ManualClock moves only forward when told,
// SystemClock follows the wall clock without decreasing, and the engine reads the injected
// clock. Method: drive the clocks directly and through an engine's timestamps.
#include "inventory/clock.h"

#include <chrono>
#include <memory>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::milliseconds;
}  // namespace

TEST_SUITE("clock") {
  TEST_CASE("a ManualClock starts at its start time and advances only forward") {
    ManualClock clock(Timestamp(milliseconds(1000)));
    CHECK(clock.now() == Timestamp(milliseconds(1000)));
    clock.advance(milliseconds(250));
    CHECK(clock.now() == Timestamp(milliseconds(1250)));
    clock.advance(milliseconds(-100));  // Ignored: time never decreases.
    CHECK(clock.now() == Timestamp(milliseconds(1250)));
    clock.advance(milliseconds(0));
    CHECK(clock.now() == Timestamp(milliseconds(1250)));
  }

  TEST_CASE("ManualClock::set moves forward to a later time and ignores an earlier one") {
    ManualClock clock(Timestamp(milliseconds(5000)));
    clock.set(Timestamp(milliseconds(4000)));
    CHECK(clock.now() == Timestamp(milliseconds(5000)));
    clock.set(Timestamp(milliseconds(9000)));
    CHECK(clock.now() == Timestamp(milliseconds(9000)));
  }

  TEST_CASE("the default ManualClock starts at 1,700,000,000,000 ms") {
    const ManualClock clock;
    CHECK(clock.now().time_since_epoch().count() == 1'700'000'000'000);
  }

  TEST_CASE("the system clock is shared, close to the wall clock, and never decreases") {
    const std::shared_ptr<Clock> a = system_clock();
    CHECK(a == system_clock());
    const auto wall = std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    const Timestamp first = a->now();
    CHECK(std::chrono::abs(first - wall) < std::chrono::seconds(5));
    Timestamp previous = first;
    for (int i = 0; i < 1000; ++i) {
      const Timestamp now = a->now();
      CHECK(now >= previous);
      previous = now;
    }
  }

  TEST_CASE("the engine stamps changes with its injected clock") {
    testing::TestEngine t;
    CHECK(&t->clock() == t.clock.get());
    const ItemId item = t.item("p", "w", 1);
    t.clock->advance(milliseconds(1234));
    auto level = t->adjust({}, {.item = item, .delta = Quantity{1}});
    REQUIRE(level.ok());
    CHECK(level->updated_at == Timestamp(milliseconds(1'700'000'001'234)));
  }
}

}  // namespace inventory
