// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the reservation life cycle of DESIGN.md section 2 (reserve -> confirm | release |
// expire, each terminal state final, partial confirm, extend) holds exactly, for one line, for
// many lines (inline and overflow storage) and at the limits. Method: items with known stock on
// a ManualClock; expiry is driven by advancing the clock and calling expire_due(); every refusal
// is checked for its code, field, index and message, and for leaving the stock unchanged.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TestEngine;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

Result<ReservationId> reserve_one(TestEngine& t, ItemId item, std::int64_t quantity,
                                  milliseconds ttl = milliseconds(0)) {
  return t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{quantity}, .ttl = ttl});
}

// `count` items of product "p" at locations l0..l<count-1>, each with `on_hand`.
std::vector<ItemId> stocked_items(TestEngine& t, int count, std::int64_t on_hand) {
  std::vector<ItemId> items;
  for (int i = 0; i < count; ++i) items.push_back(t.item("p", "l" + std::to_string(i), on_hand));
  return items;
}

std::vector<ReserveLine> lines_for(const std::vector<ItemId>& items) {
  std::vector<ReserveLine> lines;
  for (std::size_t i = 0; i < items.size(); ++i) {
    lines.push_back({items[i], Quantity{static_cast<std::int64_t>(i % 3) + 1}});
  }
  return lines;
}
}  // namespace

TEST_SUITE("reservation/reserve") {
  TEST_CASE("a reserve holds units: reserved rises, available falls, on_hand stays") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const StockLevel before = t.level(item);
    auto hold = reserve_one(t, item, 3);
    REQUIRE(hold.ok());
    CHECK(*hold != ReservationId{});
    const StockLevel after = t.level(item);
    CHECK(after.on_hand == Quantity{10});
    CHECK(after.reserved == Quantity{3});
    CHECK(after.available() == Quantity{7});
    CHECK(static_cast<std::uint64_t>(after.version) ==
          static_cast<std::uint64_t>(before.version) + 1);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("get_reservation shows lines, reference, creation time and default expiry") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const Timestamp now = t.clock->now();
    auto hold = t->reserve(
        {}, ReserveRequest{.item = item, .quantity = Quantity{2}, .reference = "order-17"});
    REQUIRE(hold.ok());
    auto info = t->get_reservation({}, *hold);
    REQUIRE(info.ok());
    CHECK(info->id == *hold);
    CHECK(info->state == ReservationState::active);
    REQUIRE(info->lines.size() == 1);
    CHECK(info->lines[0].item == item);
    CHECK(info->lines[0].quantity == Quantity{2});
    CHECK(info->reference == "order-17");
    CHECK(info->created_at == now);
    CHECK(info->expires_at == now + minutes(15));  // limits.ttl_default
  }

  TEST_CASE("an explicit ttl sets expires_at to now + ttl") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 1, seconds(90));
    REQUIRE(hold.ok());
    CHECK(t->get_reservation({}, *hold)->expires_at == t.clock->now() + seconds(90));
  }

  TEST_CASE("a reserve may take available exactly to zero and not one unit more") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 5);
    SUBCASE("exact fit") { CHECK(reserve_one(t, item, 5).ok()); }
    SUBCASE("one over") {
      const StockLevel before = t.level(item);
      auto r = reserve_one(t, item, 6);
      CHECK(r.status().code() == StatusCode::insufficient_stock);
      CHECK(r.status().field() == "quantity");
      CHECK(t.level(item) == before);
    }
    SUBCASE("one more after the exact fit") {
      REQUIRE(reserve_one(t, item, 5).ok());
      CHECK(reserve_one(t, item, 1).status().code() == StatusCode::insufficient_stock);
    }
  }

  TEST_CASE("a reserve with backorder_limit may take available down to -backorder_limit") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0, {.backorder_limit = 3});
    REQUIRE(reserve_one(t, item, 3).ok());
    CHECK(t.level(item).available() == Quantity{-3});
    CHECK(reserve_one(t, item, 1).status().code() == StatusCode::insufficient_stock);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a reserve on an unknown item is not_found") {
    TestEngine t;
    auto r = reserve_one(t, ItemId{0x100000003}, 1);
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(r.status().field() == "item");
  }

  TEST_CASE("a multi-line reserve holds every line") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("q", "w1", 10);
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{10}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines, .reference = "cart"});
    REQUIRE(hold.ok());
    CHECK(t.level(a).reserved == Quantity{2});
    CHECK(t.level(b).reserved == Quantity{10});
    auto info = t->get_reservation({}, *hold);
    REQUIRE(info.ok());
    REQUIRE(info->lines.size() == 2);
    CHECK(info->lines[0].item == a);
    CHECK(info->lines[1].item == b);
    CHECK(info->lines[1].quantity == Quantity{10});
    CHECK(info->reference == "cart");
  }

  TEST_CASE("a multi-line reserve with one short line holds nothing and names that line") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 3);
    const ItemId c = t.item("p", "w3", 10);
    const StockLevel a0 = t.level(a), b0 = t.level(b), c0 = t.level(c);
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{5}}, {c, Quantity{1}}};
    auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::insufficient_stock);
    CHECK(r.status().index() == 1);
    CHECK(r.status().field() == "lines[1].quantity");
    CHECK(contains(r.status().message(), "lines[1] wants 5, reservable 3"));
    CHECK_FALSE(contains(r.status().message(), "lines[0]"));
    CHECK_FALSE(contains(r.status().message(), "lines[2]"));
    CHECK(t.level(a) == a0);
    CHECK(t.level(b) == b0);
    CHECK(t.level(c) == c0);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a multi-line reserve names every short line and indexes the first one") {
    TestEngine t;
    // Created in this order, the later line's item has the lower slot.
    const ItemId low_slot = t.item("p", "w1", 1);
    const ItemId high_slot = t.item("p", "w2", 0);
    const ItemId fine = t.item("p", "w3", 9);
    const ReserveLine lines[] = {
        {fine, Quantity{1}}, {high_slot, Quantity{2}}, {low_slot, Quantity{4}}};
    auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(r.status().code() == StatusCode::insufficient_stock);
    CHECK(r.status().index() == 1);
    CHECK(r.status().field() == "lines[1].quantity");
    CHECK(contains(r.status().message(), "lines[1] wants 2, reservable 0"));
    CHECK(contains(r.status().message(), "lines[2] wants 4, reservable 1"));
    CHECK(t.level(fine).reserved == Quantity{0});
  }

  TEST_CASE("a one-line reserve through ReserveLinesRequest reports its short line like a cart") {
    // Regression (fixed; the test guards it): engine.h promises that a ReserveLinesRequest's
    // insufficient_stock "names the short lines in its message, and its index() is the first short
    // line". With exactly one line the engine takes the single-item fast path and returns its fixed
    // status instead: field "quantity", index -1, and a message that names no line.
    TestEngine t;
    const ItemId item = t.item("p", "w", 3);
    const ReserveLine lines[] = {{item, Quantity{5}}};
    auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(r.status().code() == StatusCode::insufficient_stock);
    CHECK(r.status().index() == 0);
    CHECK(r.status().field() == "lines[0].quantity");
    CHECK(contains(r.status().message(), "lines[0] wants 5, reservable 3"));
    CHECK(t.level(item).reserved == Quantity{0});
  }

  TEST_CASE("a multi-line reserve naming an unknown item is not_found with its line index") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId gone = t.item("p", "w2", 0);
    REQUIRE(t->remove_item({}, gone, false).ok());
    const ReserveLine lines[] = {{a, Quantity{1}}, {gone, Quantity{1}}};
    auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(r.status().field() == "lines[1].item");
    CHECK(r.status().index() == 1);
    CHECK(t.level(a).reserved == Quantity{0});
  }

  TEST_CASE("a multi-line reserve with the same item twice is invalid_argument on the repeat") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{1}}, {a, Quantity{2}}};
    auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().field() == "lines[2].item");
    CHECK(r.status().index() == 2);
    CHECK(contains(r.status().message(), "lines[0]"));
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t.level(b).reserved == Quantity{0});
  }

  TEST_CASE("reservations with more than six lines use overflow storage and read back exactly") {
    for (const int count : {6, 7, 17, 18, 29, 100}) {
      CAPTURE(count);
      TestEngine t;
      const auto items = stocked_items(t, count, 5);
      const auto lines = lines_for(items);
      auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines, .reference = "big"});
      REQUIRE_MESSAGE(hold.ok(), hold.status().to_string());
      auto info = t->get_reservation({}, *hold);
      REQUIRE(info.ok());
      REQUIRE(info->lines.size() == lines.size());
      for (std::size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(i);
        CHECK(info->lines[i].item == lines[i].item);
        CHECK(info->lines[i].quantity == lines[i].quantity);
        CHECK(t.level(lines[i].item).reserved == lines[i].quantity);
      }
      CHECK(t->check_invariants().ok());
      REQUIRE(t->confirm({}, *hold).ok());
      for (std::size_t i = 0; i < lines.size(); ++i) {
        CHECK(t.level(lines[i].item).on_hand == Quantity{5} - lines[i].quantity);
        CHECK(t.level(lines[i].item).reserved == Quantity{0});
      }
      CHECK(t->check_invariants().ok());
    }
  }

  TEST_CASE("a reservation of exactly reservation_lines_max lines works; one more is refused") {
    Limits limits = TestEngine::small_limits();
    limits.reservation_lines_max = 20;
    TestEngine t(limits);
    const auto items = stocked_items(t, 21, 5);
    auto lines = lines_for(items);
    auto over = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(over.status().code() == StatusCode::limit_exceeded);
    CHECK(over.status().field() == "lines");
    CHECK(t.level(items[0]).reserved == Quantity{0});
    lines.pop_back();
    auto fits = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE_MESSAGE(fits.ok(), fits.status().to_string());
    CHECK(t->get_reservation({}, *fits)->lines.size() == 20);
  }

  TEST_CASE("lines beyond the first 6 are bounded by reservation_overflow_lines_max") {
    // options.h: lines 7.. of every reservation take 11-line chunks from a pool of
    // reservation_overflow_lines_max / 11 chunks; a 100-line reservation takes 9 (94 lines).
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 4;
    limits.reservation_lines_max = 100;
    SUBCASE("room for four") {
      limits.reservation_overflow_lines_max = 4 * 9 * 11;
      TestEngine t(limits);
      const auto lines = lines_for(stocked_items(t, 100, 100));
      for (int i = 0; i < 4; ++i) {
        CAPTURE(i);
        auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
        CHECK_MESSAGE(hold.ok(), hold.status().to_string());
      }
      CHECK(t->check_invariants().ok());
    }
    SUBCASE("room for three: the fourth is refused, naming the limit, and changes nothing") {
      limits.reservation_overflow_lines_max = 3 * 9 * 11;
      TestEngine t(limits);
      const auto items = stocked_items(t, 100, 100);
      const auto lines = lines_for(items);
      for (int i = 0; i < 3; ++i) REQUIRE(t->reserve({}, ReserveLinesRequest{.lines = lines}).ok());
      const StockLevel before = t.level(items[0]);
      auto fourth = t->reserve({}, ReserveLinesRequest{.lines = lines});
      CHECK(fourth.status().code() == StatusCode::limit_exceeded);
      CHECK(fourth.status().message().find("reservation_overflow_lines_max") !=
            std::string_view::npos);
      CHECK(t.level(items[0]) == before);
      // A short reservation still fits: it needs no overflow storage.
      CHECK(t->reserve({}, ReserveRequest{.item = items[0], .quantity = Quantity{1}}).ok());
    }
  }

  TEST_CASE("large reservations reuse overflow storage across many rounds without leaking") {
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 4;  // Few records, so chunks are reused quickly.
    TestEngine t(limits);
    const auto items = stocked_items(t, 100, 1000);
    const auto lines = lines_for(items);
    for (int round = 0; round < 30; ++round) {
      CAPTURE(round);
      auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
      REQUIRE_MESSAGE(hold.ok(), hold.status().to_string());
      if (round % 3 == 0) {
        REQUIRE(t->release({}, *hold).ok());
      } else if (round % 3 == 1) {
        REQUIRE(t->confirm({}, *hold).ok());
      } else {
        t.clock->advance(minutes(16));
        CHECK(t->expire_due() == 1);
      }
    }
    CHECK(t->check_invariants().ok());
    CHECK(t.level(items[0]).reserved == Quantity{0});
    CHECK(t.level(items[0]).on_hand == Quantity{1000 - 10 * 1});
  }

  TEST_CASE("reservations_max refuses one reservation too many until one finishes") {
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 3;
    TestEngine t(limits);
    const ItemId item = t.item("p", "w", 100);
    const ItemId other = t.item("p", "w2", 100);
    std::vector<ReservationId> holds;
    for (int i = 0; i < 3; ++i) {
      auto hold = reserve_one(t, item, 1);
      REQUIRE(hold.ok());
      holds.push_back(*hold);
    }
    const StockLevel before = t.level(item);
    auto fourth = reserve_one(t, item, 1);
    CHECK(fourth.status().code() == StatusCode::limit_exceeded);
    CHECK(contains(fourth.status().message(), "reservations_max"));
    CHECK(t.level(item) == before);
    const ReserveLine lines[] = {{item, Quantity{1}}, {other, Quantity{1}}};
    auto cart = t->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(cart.status().code() == StatusCode::limit_exceeded);
    CHECK(t.level(other).reserved == Quantity{0});
    REQUIRE(t->release({}, holds[1]).ok());
    CHECK(reserve_one(t, item, 1).ok());
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a reference of 64 bytes is stored whole") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 5);
    const std::string reference(64, 'r');
    auto hold = t->reserve(
        {}, ReserveRequest{.item = item, .quantity = Quantity{1}, .reference = reference});
    REQUIRE(hold.ok());
    CHECK(t->get_reservation({}, *hold)->reference == reference);
  }
}

TEST_SUITE("reservation/confirm") {
  TEST_CASE("a full confirm takes the units out of on_hand and reserved together") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{3}}, {b, Quantity{4}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    REQUIRE(t->confirm({}, *hold).ok());
    CHECK(t.level(a).on_hand == Quantity{7});
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t.level(b).on_hand == Quantity{6});
    CHECK(t.level(b).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::confirmed);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a partial confirm confirms the listed quantities and releases the rest") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ItemId c = t.item("p", "w3", 10);
    const ReserveLine lines[] = {{a, Quantity{5}}, {b, Quantity{4}}, {c, Quantity{3}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    const ReserveLine confirm[] = {{a, Quantity{2}}, {b, Quantity{0}}};
    REQUIRE(t->confirm({}, ConfirmRequest{.reservation = *hold, .quantities = confirm}).ok());
    CHECK(t.level(a).on_hand == Quantity{8});   // 2 confirmed, 3 released
    CHECK(t.level(b).on_hand == Quantity{10});  // 0 confirmed
    CHECK(t.level(c).on_hand == Quantity{10});  // unlisted: released
    for (const ItemId item : {a, b, c}) CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::confirmed);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a partial confirm of a single-line reservation releases the remainder") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 6);
    REQUIRE(hold.ok());
    const ReserveLine confirm[] = {{item, Quantity{6}}};
    SUBCASE("all of it") {
      REQUIRE(t->confirm({}, ConfirmRequest{*hold, confirm}).ok());
      CHECK(t.level(item).on_hand == Quantity{4});
    }
    SUBCASE("part of it") {
      const ReserveLine part[] = {{item, Quantity{1}}};
      REQUIRE(t->confirm({}, ConfirmRequest{*hold, part}).ok());
      CHECK(t.level(item).on_hand == Quantity{9});
      CHECK(t.level(item).reserved == Quantity{0});
    }
  }

  TEST_CASE("a partial confirm reaches lines stored in the overflow chunks") {
    TestEngine t;
    const auto items = stocked_items(t, 20, 10);
    std::vector<ReserveLine> lines;
    for (const ItemId item : items) lines.push_back({item, Quantity{3}});
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    const ReserveLine too_many[] = {{items[17], Quantity{4}}};
    const Status over = t->confirm({}, ConfirmRequest{*hold, too_many});
    CHECK(over.code() == StatusCode::invalid_argument);
    CHECK(over.field() == "quantities[0].quantity");
    const ReserveLine part[] = {
        {items[2], Quantity{1}}, {items[17], Quantity{3}}, {items[19], Quantity{2}}};
    REQUIRE(t->confirm({}, ConfirmRequest{*hold, part}).ok());
    for (std::size_t i = 0; i < items.size(); ++i) {
      CAPTURE(i);
      const std::int64_t confirmed = i == 2 ? 1 : i == 17 ? 3 : i == 19 ? 2 : 0;
      CHECK(t.level(items[i]).on_hand == Quantity{10 - confirmed});
      CHECK(t.level(items[i]).reserved == Quantity{0});
    }
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("confirming more than held or an item that is not a line is invalid_argument") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId stranger = t.item("p", "w2", 10);
    auto hold = reserve_one(t, a, 3);
    REQUIRE(hold.ok());
    const StockLevel before = t.level(a);
    const ReserveLine too_many[] = {{a, Quantity{4}}};
    const Status over = t->confirm({}, ConfirmRequest{*hold, too_many});
    CHECK(over.code() == StatusCode::invalid_argument);
    CHECK(over.field() == "quantities[0].quantity");
    const ReserveLine not_a_line[] = {{a, Quantity{1}}, {stranger, Quantity{1}}};
    const Status foreign = t->confirm({}, ConfirmRequest{*hold, not_a_line});
    CHECK(foreign.code() == StatusCode::invalid_argument);
    CHECK(foreign.field() == "quantities[1].item");
    CHECK(t.level(a) == before);
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
    CHECK(t->confirm({}, *hold).ok());
  }

  TEST_CASE("confirm of an unknown reservation is not_found") {
    TestEngine t;
    t.item("p", "w", 1);
    for (const ReservationId id : {ReservationId{0x100000001}, ReservationId{0x7fffffff}}) {
      const Status s = t->confirm({}, id);
      CHECK(s.code() == StatusCode::not_found);
      CHECK(s.field() == "reservation");
      CHECK(t->release({}, id).code() == StatusCode::not_found);
      CHECK(t->extend({}, id, seconds(10)).status().code() == StatusCode::not_found);
      CHECK(t->get_reservation({}, id).status().code() == StatusCode::not_found);
    }
  }
}

TEST_SUITE("reservation/release") {
  TEST_CASE("release returns the units to available and leaves on_hand alone") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 4);
    REQUIRE(hold.ok());
    REQUIRE(t->release({}, *hold).ok());
    CHECK(t.level(item).on_hand == Quantity{10});
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::released);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a multi-line release returns every line") {
    TestEngine t;
    const auto items = stocked_items(t, 8, 10);
    const auto lines = lines_for(items);
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    REQUIRE(t->release({}, *hold).ok());
    for (const ItemId item : items) {
      CHECK(t.level(item).reserved == Quantity{0});
      CHECK(t.level(item).on_hand == Quantity{10});
    }
  }
}

TEST_SUITE("reservation/terminal") {
  TEST_CASE("a second confirm says the reservation was confirmed and changes nothing") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 2);
    REQUIRE(hold.ok());
    REQUIRE(t->confirm({}, *hold).ok());
    const StockLevel before = t.level(item);
    const Status again = t->confirm({}, *hold);
    CHECK(again.code() == StatusCode::reservation_not_active);
    CHECK(contains(again.message(), "confirmed"));
    CHECK(again.field() == "reservation");
    const Status release = t->release({}, *hold);
    CHECK(release.code() == StatusCode::reservation_not_active);
    CHECK(contains(release.message(), "confirmed"));
    auto extend = t->extend({}, *hold, seconds(30));
    CHECK(extend.status().code() == StatusCode::reservation_not_active);
    CHECK(contains(extend.status().message(), "confirmed"));
    CHECK(t.level(item) == before);
  }

  TEST_CASE("confirm, release and extend after a release say it was released") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 2);
    REQUIRE(hold.ok());
    REQUIRE(t->release({}, *hold).ok());
    const StockLevel before = t.level(item);
    const Status confirm = t->confirm({}, *hold);
    CHECK(confirm.code() == StatusCode::reservation_not_active);
    CHECK(contains(confirm.message(), "released"));
    CHECK(contains(t->release({}, *hold).message(), "released"));
    CHECK(contains(t->extend({}, *hold, seconds(30)).status().message(), "released"));
    CHECK(t.level(item) == before);
  }

  TEST_CASE("a finished reservation still reports its state after its record is reused") {
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 1;  // The next reservation must reuse the record.
    TestEngine t(limits);
    const ItemId item = t.item("p", "w", 10);
    auto first = reserve_one(t, item, 2);
    REQUIRE(first.ok());
    REQUIRE(t->confirm({}, *first).ok());
    auto second = reserve_one(t, item, 3);
    REQUIRE(second.ok());
    CHECK(*second != *first);
    const Status stale = t->confirm({}, *first);
    CHECK(stale.code() == StatusCode::reservation_not_active);
    CHECK(contains(stale.message(), "confirmed"));
    CHECK(t->release({}, *first).code() == StatusCode::reservation_not_active);
    // The new reservation was not touched by the stale calls.
    CHECK(t->get_reservation({}, *second)->state == ReservationState::active);
    CHECK(t.level(item).reserved == Quantity{3});
    CHECK(t.level(item).on_hand == Quantity{8});
  }
}

TEST_SUITE("reservation/extend") {
  TEST_CASE("extend moves expires_at to now + ttl and returns it") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 1, minutes(1));
    REQUIRE(hold.ok());
    t.clock->advance(seconds(30));
    auto until = t->extend({}, *hold, minutes(10));
    REQUIRE(until.ok());
    CHECK(*until == t.clock->now() + minutes(10));
    CHECK(t->get_reservation({}, *hold)->expires_at == *until);
    // Past the old expiry but before the new one: still active.
    t.clock->advance(minutes(2));
    CHECK(t->expire_due() == 0);
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
    CHECK(t.level(item).reserved == Quantity{1});
  }

  TEST_CASE("extend with ttl 0 uses limits.ttl_default") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 1, seconds(5));
    REQUIRE(hold.ok());
    auto until = t->extend({}, *hold, milliseconds(0));
    REQUIRE(until.ok());
    CHECK(*until == t.clock->now() + minutes(15));
  }

  TEST_CASE("extend may also shorten the expiry") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 1, minutes(10));
    REQUIRE(hold.ok());
    REQUIRE(t->extend({}, *hold, seconds(1)).ok());
    t.clock->advance(seconds(1));
    CHECK(t->expire_due() == 1);
    CHECK(t.level(item).reserved == Quantity{0});
  }
}

TEST_SUITE("reservation/expiry") {
  TEST_CASE("expire_due expires a reservation at its deadline, not one millisecond before") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 4, seconds(10));
    REQUIRE(hold.ok());
    t.clock->advance(seconds(10) - milliseconds(1));
    CHECK(t->expire_due() == 0);
    CHECK(t.level(item).reserved == Quantity{4});
    t.clock->advance(milliseconds(1));
    CHECK(t->expire_due() == 1);
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t.level(item).on_hand == Quantity{10});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::expired);
    CHECK(t->expire_due() == 0);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("expire_due expires only the reservations that are due and counts them") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 100);
    REQUIRE(reserve_one(t, item, 1, seconds(5)).ok());
    REQUIRE(reserve_one(t, item, 2, seconds(5)).ok());
    auto later = reserve_one(t, item, 4, seconds(50));
    REQUIRE(later.ok());
    auto confirmed = reserve_one(t, item, 8, seconds(5));
    REQUIRE(confirmed.ok());
    REQUIRE(t->confirm({}, *confirmed).ok());
    t.clock->advance(seconds(5));
    CHECK(t->expire_due() == 2);
    CHECK(t.level(item).reserved == Quantity{4});
    CHECK(t.level(item).on_hand == Quantity{92});
    t.clock->advance(seconds(45));
    CHECK(t->expire_due() == 1);
    CHECK(t.level(item).reserved == Quantity{0});
  }

  TEST_CASE("confirm after the deadline expires the reservation and says expired") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 4, seconds(10));
    REQUIRE(hold.ok());
    t.clock->advance(seconds(10));
    const Status s = t->confirm({}, *hold);
    CHECK(s.code() == StatusCode::reservation_not_active);
    CHECK(contains(s.message(), "expired"));
    CHECK(t.level(item).on_hand == Quantity{10});
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::expired);
    CHECK(t->expire_due() == 0);
    CHECK(contains(t->confirm({}, *hold).message(), "expired"));
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a partial confirm after the deadline is also refused as expired") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 4, seconds(10));
    REQUIRE(hold.ok());
    t.clock->advance(seconds(11));
    const ReserveLine part[] = {{item, Quantity{1}}};
    const Status s = t->confirm({}, ConfirmRequest{*hold, part});
    CHECK(s.code() == StatusCode::reservation_not_active);
    CHECK(contains(s.message(), "expired"));
    CHECK(t.level(item).on_hand == Quantity{10});
    CHECK(t.level(item).reserved == Quantity{0});
  }

  TEST_CASE("extend after the deadline expires the reservation and says expired") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = reserve_one(t, item, 4, seconds(10));
    REQUIRE(hold.ok());
    t.clock->advance(minutes(1));
    auto r = t->extend({}, *hold, minutes(10));
    CHECK(r.status().code() == StatusCode::reservation_not_active);
    CHECK(contains(r.status().message(), "expired"));
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::expired);
  }

  TEST_CASE("release after the deadline expires the reservation and says expired") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const ItemId other = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{item, Quantity{4}}, {other, Quantity{2}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines, .ttl = seconds(10)});
    REQUIRE(hold.ok());
    t.clock->advance(seconds(10));
    const Status s = t->release({}, *hold);
    CHECK(s.code() == StatusCode::reservation_not_active);
    CHECK(contains(s.message(), "expired"));
    CHECK(t.level(item).reserved == Quantity{0});
    CHECK(t.level(other).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::expired);
  }

  TEST_CASE("expired units can be reserved again") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 3);
    REQUIRE(reserve_one(t, item, 3, seconds(1)).ok());
    CHECK(reserve_one(t, item, 1).status().code() == StatusCode::insufficient_stock);
    t.clock->advance(seconds(1));
    CHECK(t->expire_due() == 1);
    CHECK(reserve_one(t, item, 3).ok());
  }
}

}  // namespace inventory
