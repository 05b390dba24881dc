// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: Engine::write applies a WriteBatch as write_batch.h promises: all_or_nothing batches
// see their own earlier operations, apply nothing on failure and name the failing operation in
// Status::index(), bump each touched item's version once; per_operation batches report one
// result per operation; the size bounds hold. Method: small batches over a few items on a
// ManualClock, comparing whole StockLevel snapshots before and after each refused batch.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"
#include "inventory/write_batch.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TestEngine;

std::uint64_t v(const StockLevel& level) { return static_cast<std::uint64_t>(level.version); }

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Records the kinds the batch's iterate() visits.
class KindRecorder final : public WriteBatch::Handler {
 public:
  std::vector<std::string> seen;
  int stop_at = -1;

  Status visit(const char* what) {
    seen.push_back(what);
    if (static_cast<int>(seen.size()) - 1 == stop_at) {
      return Status::from_static(StatusCode::busy, "stop");
    }
    return Status();
  }
  Status on_adjust(const AdjustRequest& r) override {
    last_delta = r.delta.value();
    last_reason = std::string(r.reason);
    return visit("adjust");
  }
  Status on_set_on_hand(const SetOnHandRequest&) override { return visit("set_on_hand"); }
  Status on_reserve(const ReserveLinesRequest& r) override {
    last_lines = r.lines.size();
    return visit("reserve");
  }
  Status on_confirm(const ConfirmRequest&) override { return visit("confirm"); }
  Status on_release(ReservationId) override { return visit("release"); }
  Status on_extend(ReservationId, std::chrono::milliseconds ttl) override {
    last_ttl = ttl;
    return visit("extend");
  }
  Status on_transfer(const TransferRequest&) override { return visit("transfer"); }
  Status on_set_policy(const SetPolicyRequest&) override { return visit("set_policy"); }

  std::int64_t last_delta = 0;
  std::string last_reason;
  std::size_t last_lines = 0;
  std::chrono::milliseconds last_ttl{0};
};
}  // namespace

TEST_SUITE("batch/write_batch") {
  TEST_CASE("a WriteBatch records its operations in order, copies, appends and clears") {
    WriteBatch batch;
    CHECK(batch.empty());
    std::string reason = "restock";
    batch.adjust({.item = ItemId{1}, .delta = Quantity{5}, .reason = reason})
        .set_on_hand({.item = ItemId{1}, .on_hand = Quantity{3}})
        .reserve(ReserveRequest{.item = ItemId{1}, .quantity = Quantity{1}})
        .confirm(ReservationId{7})
        .release(ReservationId{8})
        .extend(ReservationId{9}, seconds(3))
        .transfer({.from = ItemId{1}, .to = ItemId{2}, .quantity = Quantity{1}})
        .set_policy({.item = ItemId{1}});
    reason = "overwritten";  // The batch copied the string.
    REQUIRE(batch.size() == 8);
    CHECK(batch.kind(0) == WriteBatch::Kind::adjust);
    CHECK(batch.kind(1) == WriteBatch::Kind::set_on_hand);
    CHECK(batch.kind(2) == WriteBatch::Kind::reserve);
    CHECK(batch.kind(3) == WriteBatch::Kind::confirm);
    CHECK(batch.kind(4) == WriteBatch::Kind::release);
    CHECK(batch.kind(5) == WriteBatch::Kind::extend);
    CHECK(batch.kind(6) == WriteBatch::Kind::transfer);
    CHECK(batch.kind(7) == WriteBatch::Kind::set_policy);
    KindRecorder recorder;
    CHECK(batch.iterate(recorder).ok());
    CHECK(recorder.seen == std::vector<std::string>{"adjust", "set_on_hand", "reserve", "confirm",
                                                    "release", "extend", "transfer", "set_policy"});
    CHECK(recorder.last_delta == 5);
    CHECK(recorder.last_reason == "restock");
    CHECK(recorder.last_lines == 1);
    CHECK(recorder.last_ttl == seconds(3));

    WriteBatch copy = batch;
    copy.append(batch);
    CHECK(copy.size() == 16);
    CHECK(batch.size() == 8);
    copy.clear();
    CHECK(copy.empty());
  }

  TEST_CASE("iterate stops at the first non-ok status and returns it") {
    WriteBatch batch;
    batch.release(ReservationId{1}).release(ReservationId{2}).release(ReservationId{3});
    KindRecorder recorder;
    recorder.stop_at = 1;
    const Status s = batch.iterate(recorder);
    CHECK(s.code() == StatusCode::busy);
    CHECK(recorder.seen.size() == 2);
  }
}

TEST_SUITE("batch/all_or_nothing") {
  TEST_CASE("each operation sees the effects of the ones before it") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    WriteBatch batch;
    batch.adjust({.item = item, .delta = Quantity{5}})
        .reserve(ReserveRequest{.item = item, .quantity = Quantity{5}, .ttl = minutes(1)})
        .adjust({.item = item, .delta = Quantity{2}});
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    REQUIRE(receipt->results.size() == 3);
    for (const auto& result : receipt->results) CHECK(result.status.ok());
    REQUIRE(receipt->results[0].levels.size() == 1);
    CHECK(receipt->results[0].levels[0].on_hand == Quantity{5});
    const ReservationId hold = receipt->results[1].reservation;
    CHECK(hold != ReservationId{});
    CHECK(receipt->results[1].expires_at == t.clock->now() + minutes(1));
    CHECK(receipt->results[2].levels[0].on_hand == Quantity{7});
    CHECK(receipt->results[2].levels[0].reserved == Quantity{5});
    const StockLevel level = t.level(item);
    CHECK(level.on_hand == Quantity{7});
    CHECK(level.reserved == Quantity{5});
    auto info = t->get_reservation({}, hold);
    REQUIRE(info.ok());
    CHECK(info->state == ReservationState::active);
    CHECK(info->expires_at == t.clock->now() + minutes(1));
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a policy set earlier in the batch guards a later reserve in the same batch") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    WriteBatch batch;
    batch.set_policy({.item = item, .policy = {.safety_stock = 4}})
        .reserve(ReserveRequest{.item = item, .quantity = Quantity{7}});
    auto refused = t->write({}, batch);
    CHECK(refused.status().code() == StatusCode::insufficient_stock);
    CHECK(refused.status().index() == 1);
    CHECK(t.level(item).policy.safety_stock == 0);
    WriteBatch fits;
    fits.set_policy({.item = item, .policy = {.safety_stock = 4}})
        .reserve(ReserveRequest{.item = item, .quantity = Quantity{6}});
    auto ok = t->write({}, fits);
    REQUIRE_MESSAGE(ok.ok(), ok.status().to_string());
    CHECK(t.level(item).reservable() == Quantity{0});
  }

  TEST_CASE("a failing operation applies nothing and its index is in the Status") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 1);
    const StockLevel a0 = t.level(a), b0 = t.level(b);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{5}})
        .reserve(ReserveRequest{.item = a, .quantity = Quantity{3}})
        .adjust({.item = b, .delta = Quantity{-2}})  // b has 1: refused.
        .adjust({.item = a, .delta = Quantity{1}});
    auto receipt = t->write({}, batch);
    REQUIRE_FALSE(receipt.ok());
    CHECK(receipt.status().code() == StatusCode::insufficient_stock);
    CHECK(receipt.status().index() == 2);
    CHECK(receipt.status().field() == "operations[2].delta");
    CHECK(t.level(a) == a0);
    CHECK(t.level(b) == b0);
    CHECK(t->check_invariants().ok());
    // No reservation was published: nothing comes due after the default ttl.
    t.clock->advance(minutes(16));
    CHECK(t->expire_due() == 0);
    CHECK(t.level(a) == a0);
  }

  TEST_CASE("a failed batch returns its claimed reservation records") {
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 1;
    TestEngine t(limits);
    const ItemId item = t.item("p", "w", 10);
    WriteBatch batch;
    batch.reserve(ReserveRequest{.item = item, .quantity = Quantity{1}})
        .adjust({.item = item, .delta = Quantity{-100}});
    for (int i = 0; i < 3; ++i) {
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::insufficient_stock);
      CHECK(receipt.status().index() == 1);
    }
    CHECK(t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}}).ok());
  }

  TEST_CASE("an all_or_nothing batch bumps each item it changes exactly once") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ItemId untouched = t.item("p", "w3", 10);
    const StockLevel a0 = t.level(a), b0 = t.level(b), u0 = t.level(untouched);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}})
        .adjust({.item = a, .delta = Quantity{1}})
        .set_policy({.item = a, .policy = {.low_stock_threshold = 2}})
        .transfer({.from = a, .to = b, .quantity = Quantity{2}})
        .set_on_hand({.item = b, .on_hand = Quantity{20}});
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    CHECK(v(t.level(a)) == v(a0) + 1);
    CHECK(v(t.level(b)) == v(b0) + 1);
    CHECK(t.level(untouched) == u0);
    CHECK(t.level(a).on_hand == Quantity{10});
    CHECK(t.level(a).policy.low_stock_threshold == 2);
    CHECK(t.level(b).on_hand == Quantity{20});
    REQUIRE(receipt->results[3].levels.size() == 2);
    CHECK(receipt->results[3].levels[0].item == a);
    CHECK(receipt->results[3].levels[0].on_hand == Quantity{10});
    CHECK(receipt->results[3].levels[1].item == b);
    CHECK(receipt->results[3].levels[1].on_hand == Quantity{12});
    CHECK(receipt->results[4].levels[0] == t.level(b));
  }

  TEST_CASE("a batch reserving several lines needs all of them and reports the short one") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const ItemId b = t.item("p", "w2", 1);
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{2}}};
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}}).reserve(ReserveLinesRequest{.lines = lines});
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::insufficient_stock);
    CHECK(receipt.status().index() == 1);
    CHECK(receipt.status().field() == "operations[1].lines[1].quantity");
    CHECK(contains(receipt.status().message(), "lines[1] wants 2, reservable 1"));
    CHECK(t.level(a).on_hand == Quantity{5});
    CHECK(t.level(a).reserved == Quantity{0});
  }

  TEST_CASE("confirm, release and extend work inside an all_or_nothing batch") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    auto to_confirm = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{3}});
    auto to_release = t->reserve({}, ReserveRequest{.item = b, .quantity = Quantity{4}});
    auto to_extend =
        t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}, .ttl = seconds(10)});
    REQUIRE(to_confirm.ok());
    REQUIRE(to_release.ok());
    REQUIRE(to_extend.ok());
    const StockLevel b0 = t.level(b);
    WriteBatch batch;
    batch.confirm(*to_confirm).release(*to_release).extend(*to_extend, minutes(30));
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    CHECK(receipt->results[2].expires_at == t.clock->now() + minutes(30));
    CHECK(receipt->results[1].levels.empty());
    CHECK(receipt->results[2].levels.empty());
    CHECK(t.level(a).on_hand == Quantity{7});
    CHECK(t.level(a).reserved == Quantity{1});
    CHECK(t.level(b).reserved == Quantity{0});
    CHECK(t.level(b).on_hand == Quantity{10});
    CHECK(v(t.level(b)) == v(b0) + 1);
    CHECK(t->get_reservation({}, *to_confirm)->state == ReservationState::confirmed);
    CHECK(t->get_reservation({}, *to_release)->state == ReservationState::released);
    CHECK(t->get_reservation({}, *to_extend)->expires_at == t.clock->now() + minutes(30));
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a partial confirm inside a batch confirms the listed quantity and releases the rest") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{4}}, {b, Quantity{4}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    const ReserveLine part[] = {{a, Quantity{1}}};
    WriteBatch batch;
    batch.confirm(ConfirmRequest{*hold, part});
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    CHECK(t.level(a).on_hand == Quantity{9});
    CHECK(t.level(b).on_hand == Quantity{10});
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t.level(b).reserved == Quantity{0});
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a batch confirms part of a reservation whose lines overflow into chunks") {
    TestEngine t;
    std::vector<ItemId> items;
    std::vector<ReserveLine> lines;
    for (int i = 0; i < 15; ++i) {
      items.push_back(t.item("p", "w" + std::to_string(i), 5));
      lines.push_back({items.back(), Quantity{2}});
    }
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines, .reference = "big"});
    REQUIRE(hold.ok());
    const ReserveLine part[] = {{items[12], Quantity{2}}};
    WriteBatch batch;
    batch.confirm(ConfirmRequest{*hold, part}).adjust({.item = items[0], .delta = Quantity{1}});
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    for (int i = 0; i < 15; ++i) {
      CAPTURE(i);
      CHECK(t.level(items[i]).reserved == Quantity{0});
      CHECK(t.level(items[i]).on_hand == Quantity{i == 12 ? 3 : i == 0 ? 6 : 5});
    }
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a reservation made by a batch keeps its lines, reference and times") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const ItemId b = t.item("p", "w2", 5);
    const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{2}}};
    WriteBatch batch;
    batch.reserve(ReserveLinesRequest{.lines = lines, .ttl = seconds(30), .reference = "cart-9"});
    auto receipt = t->write({}, batch);
    REQUIRE(receipt.ok());
    auto info = t->get_reservation({}, receipt->results[0].reservation);
    REQUIRE(info.ok());
    CHECK(info->state == ReservationState::active);
    CHECK(info->reference == "cart-9");
    CHECK(info->created_at == t.clock->now());
    CHECK(info->expires_at == t.clock->now() + seconds(30));
    REQUIRE(info->lines.size() == 2);
    CHECK(info->lines[1].item == b);
    CHECK(info->lines[1].quantity == Quantity{2});
  }

  TEST_CASE("a batch reserve reports its reservation and expiry, and no levels") {
    // write_batch.h: levels are filled for adjust, set_on_hand, set_policy and transfer only;
    // a reservation operation's items are read with get().
    for (const BatchPolicy policy : {BatchPolicy::all_or_nothing, BatchPolicy::per_operation}) {
      CAPTURE(static_cast<int>(policy));
      TestEngine t;
      const ItemId a = t.item("p", "w1", 5);
      const ItemId b = t.item("p", "w2", 5);
      const ReserveLine lines[] = {{b, Quantity{2}}, {a, Quantity{1}}};
      WriteBatch batch;
      batch.reserve(ReserveLinesRequest{.lines = lines});
      auto receipt = t->write({}, batch, policy);
      REQUIRE(receipt.ok());
      REQUIRE(receipt->results[0].status.ok());
      CHECK(receipt->results[0].levels.empty());
      CHECK(receipt->results[0].reservation != ReservationId{});
      CHECK(receipt->results[0].expires_at > t.clock->now());
      CHECK(t.level(b).reserved == Quantity{2});
      CHECK(t.level(a).reserved == Quantity{1});
    }
  }

  TEST_CASE("a batch that confirms more than held fails and leaves the reservation active") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    const ReserveLine too_many[] = {{a, Quantity{3}}};
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}}).confirm(ConfirmRequest{*hold, too_many});
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::invalid_argument);
    CHECK(receipt.status().index() == 1);
    CHECK(receipt.status().field() == "operations[1].quantities[0].quantity");
    CHECK(t.level(a).on_hand == Quantity{10});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
    CHECK(t->confirm({}, *hold).ok());
  }

  TEST_CASE("releasing one reservation twice in a batch fails on the second and applies nothing") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    const StockLevel before = t.level(a);
    WriteBatch batch;
    batch.release(*hold).release(*hold);
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::reservation_not_active);
    CHECK(receipt.status().index() == 1);
    CHECK(contains(receipt.status().message(), "released"));
    CHECK(t.level(a) == before);
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
  }

  TEST_CASE("a batch naming an already finished reservation reports its state") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    REQUIRE(t->confirm({}, *hold).ok());
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}}).extend(*hold, minutes(1));
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::reservation_not_active);
    CHECK(receipt.status().index() == 1);
    CHECK(contains(receipt.status().message(), "confirmed"));
    CHECK(t.level(a).on_hand == Quantity{8});
  }

  TEST_CASE("a batch confirming a reservation past its deadline fails with expired") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto hold =
        t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}, .ttl = seconds(5)});
    REQUIRE(hold.ok());
    t.clock->advance(seconds(5));
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}}).confirm(*hold);
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::reservation_not_active);
    CHECK(receipt.status().index() == 1);
    CHECK(contains(receipt.status().message(), "expired"));
    CHECK(t.level(a).on_hand == Quantity{10});
    // However the batch treated the overdue hold, the units are free after the sweep.
    t->expire_due();
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::expired);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a batch naming an unknown reservation or item is not_found at that index") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId gone = t.item("p", "w2", 0);
    REQUIRE(t->remove_item({}, gone, false).ok());
    SUBCASE("reservation") {
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{1}}).release(ReservationId{0x100000001});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::not_found);
      CHECK(receipt.status().index() == 1);
      CHECK(receipt.status().field() == "operations[1].reservation");
    }
    SUBCASE("item") {
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{1}}).adjust({.item = gone, .delta = Quantity{1}});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::not_found);
      CHECK(receipt.status().index() == 1);
      CHECK(receipt.status().field() == "operations[1].item");
    }
    SUBCASE("transfer target") {
      WriteBatch batch;
      batch.transfer({.from = a, .to = gone, .quantity = Quantity{1}});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::not_found);
      CHECK(receipt.status().index() == 0);
      CHECK(receipt.status().field() == "operations[0].to");
    }
    CHECK(t.level(a).on_hand == Quantity{10});
  }

  TEST_CASE("transfer and set_policy inside a batch follow their single-call guards") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 2, {.backorder_limit = 5});
    const ItemId b = t.item("p", "w2", 0);
    const ItemId other_product = t.item("q", "w1", 0);
    SUBCASE("transfer into oversell then a policy below the shortfall fails") {
      WriteBatch batch;
      batch.transfer({.from = a, .to = b, .quantity = Quantity{5}})
          .set_policy({.item = a, .policy = {.backorder_limit = 2}});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::failed_precondition);
      CHECK(receipt.status().index() == 1);
      CHECK(t.level(a).on_hand == Quantity{2});
      CHECK(t.level(b).on_hand == Quantity{0});
    }
    SUBCASE("transfer into oversell then an exact policy passes") {
      WriteBatch batch;
      batch.transfer({.from = a, .to = b, .quantity = Quantity{5}})
          .set_policy({.item = a, .policy = {.backorder_limit = 3}});
      auto receipt = t->write({}, batch);
      REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
      CHECK(t.level(a).on_hand == Quantity{-3});
      CHECK(t.level(a).policy.backorder_limit == 3);
      CHECK(t.level(b).on_hand == Quantity{5});
      CHECK(t->check_invariants().ok());
    }
    SUBCASE("a transfer to another product fails") {
      WriteBatch batch;
      batch.transfer({.from = a, .to = other_product, .quantity = Quantity{1}});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::invalid_argument);
      CHECK(receipt.status().field() == "operations[0].to");
      CHECK(receipt.status().index() == 0);
    }
    SUBCASE("a transfer beyond the source's backorder fails") {
      WriteBatch batch;
      batch.transfer({.from = a, .to = b, .quantity = Quantity{8}});
      auto receipt = t->write({}, batch);
      CHECK(receipt.status().code() == StatusCode::insufficient_stock);
      CHECK(receipt.status().index() == 0);
    }
  }

  TEST_CASE("set_on_hand with expected_version inside a batch sees the batch's own version") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const StockLevel before = t.level(a);
    WriteBatch batch;
    batch.set_on_hand({.item = a, .on_hand = Quantity{9}, .expected_version = before.version});
    auto receipt = t->write({}, batch);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    CHECK(t.level(a).on_hand == Quantity{9});
    WriteBatch stale;
    stale.set_on_hand({.item = a, .on_hand = Quantity{1}, .expected_version = before.version});
    auto refused = t->write({}, stale);
    CHECK(refused.status().code() == StatusCode::version_conflict);
    CHECK(refused.status().index() == 0);
    CHECK(t.level(a).on_hand == Quantity{9});
  }

  TEST_CASE("an invalid operation fails validation with its index and field, applying nothing") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const StockLevel before = t.level(a);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}}).adjust({.item = a, .delta = Quantity{0}});
    auto receipt = t->write({}, batch);
    CHECK(receipt.status().code() == StatusCode::invalid_argument);
    CHECK(receipt.status().index() == 1);
    CHECK(receipt.status().field() == "operations[1].delta");
    CHECK(t.level(a) == before);
  }
}

TEST_SUITE("batch/per_operation") {
  TEST_CASE("per_operation applies each operation on its own and reports each result") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const ItemId b = t.item("p", "w2", 1);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}})
        .adjust({.item = b, .delta = Quantity{-2}})  // refused
        .adjust({.item = a, .delta = Quantity{0}})   // invalid
        .reserve(ReserveRequest{.item = a, .quantity = Quantity{2}})
        .transfer({.from = a, .to = b, .quantity = Quantity{1}});
    auto receipt = t->write({}, batch, BatchPolicy::per_operation);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    REQUIRE(receipt->results.size() == 5);
    CHECK(receipt->results[0].status.ok());
    CHECK(receipt->results[0].levels.at(0).on_hand == Quantity{6});
    CHECK(receipt->results[1].status.code() == StatusCode::insufficient_stock);
    CHECK(receipt->results[1].levels.empty());
    CHECK(receipt->results[2].status.code() == StatusCode::invalid_argument);
    CHECK(receipt->results[2].status.field() == "operations[2].delta");
    CHECK(receipt->results[2].status.index() == 2);
    CHECK(receipt->results[3].status.ok());
    CHECK(receipt->results[3].reservation != ReservationId{});
    CHECK(receipt->results[3].expires_at == t.clock->now() + minutes(15));
    CHECK(receipt->results[4].status.ok());
    REQUIRE(receipt->results[4].levels.size() == 2);
    CHECK(receipt->results[4].levels[0].on_hand == Quantity{5});
    CHECK(receipt->results[4].levels[1].on_hand == Quantity{2});
    CHECK(t.level(a).on_hand == Quantity{5});
    CHECK(t.level(a).reserved == Quantity{2});
    CHECK(t.level(b).on_hand == Quantity{2});
    CHECK(t->get_reservation({}, receipt->results[3].reservation)->state ==
          ReservationState::active);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("per_operation runs confirm, release, extend and set_policy through their paths") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto c = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}});
    auto r = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}});
    auto e = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{3}, .ttl = seconds(5)});
    REQUIRE(c.ok());
    REQUIRE(r.ok());
    REQUIRE(e.ok());
    WriteBatch batch;
    batch.confirm(*c)
        .release(*r)
        .extend(*e, minutes(2))
        .release(*r)
        .set_policy({.item = a, .policy = {.safety_stock = 1}});
    auto receipt = t->write({}, batch, BatchPolicy::per_operation);
    REQUIRE(receipt.ok());
    CHECK(receipt->results[0].status.ok());
    CHECK(receipt->results[1].status.ok());
    CHECK(receipt->results[2].status.ok());
    CHECK(receipt->results[2].expires_at == t.clock->now() + minutes(2));
    CHECK(receipt->results[3].status.code() == StatusCode::reservation_not_active);
    CHECK(contains(receipt->results[3].status.message(), "released"));
    CHECK(receipt->results[4].status.ok());
    CHECK(receipt->results[4].levels.at(0).policy.safety_stock == 1);
    CHECK(t.level(a).on_hand == Quantity{9});
    CHECK(t.level(a).reserved == Quantity{3});
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("per_operation expires a reservation past its deadline like a single call") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    auto hold =
        t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}, .ttl = seconds(1)});
    REQUIRE(hold.ok());
    t.clock->advance(seconds(2));
    WriteBatch batch;
    batch.confirm(*hold);
    auto receipt = t->write({}, batch, BatchPolicy::per_operation);
    REQUIRE(receipt.ok());
    CHECK(receipt->results[0].status.code() == StatusCode::reservation_not_active);
    CHECK(contains(receipt->results[0].status.message(), "expired"));
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t.level(a).on_hand == Quantity{10});
  }
}

TEST_SUITE("batch/bounds") {
  TEST_CASE("an empty batch is invalid_argument under either policy") {
    TestEngine t;
    const WriteBatch empty;
    for (const BatchPolicy policy : {BatchPolicy::all_or_nothing, BatchPolicy::per_operation}) {
      auto r = t->write({}, empty, policy);
      CHECK(r.status().code() == StatusCode::invalid_argument);
      CHECK(r.status().field() == "batch");
    }
  }

  TEST_CASE("a batch of batch_operations_max operations runs; one more is limit_exceeded") {
    Limits limits = TestEngine::small_limits();
    limits.batch_operations_max = 5;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w", 0);
    WriteBatch batch;
    for (int i = 0; i < 5; ++i) batch.adjust({.item = a, .delta = Quantity{1}});
    auto fits = t->write({}, batch);
    REQUIRE(fits.ok());
    CHECK(t.level(a).on_hand == Quantity{5});
    batch.adjust({.item = a, .delta = Quantity{1}});
    for (const BatchPolicy policy : {BatchPolicy::all_or_nothing, BatchPolicy::per_operation}) {
      auto over = t->write({}, batch, policy);
      CHECK(over.status().code() == StatusCode::limit_exceeded);
      CHECK(over.status().field() == "batch");
    }
    CHECK(t.level(a).on_hand == Quantity{5});
  }

  TEST_CASE("a policy value outside BatchPolicy is invalid_argument") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}});
    auto r = t->write({}, batch, static_cast<BatchPolicy>(7));
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().field() == "policy");
    CHECK(t.level(a).on_hand == Quantity{0});
  }

  TEST_CASE("a batch reserve beyond reservations_max is limit_exceeded and applies nothing") {
    Limits limits = TestEngine::small_limits();
    limits.reservations_max = 2;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w", 10);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}});
    for (int i = 0; i < 3; ++i) batch.reserve(ReserveRequest{.item = a, .quantity = Quantity{1}});
    auto r = t->write({}, batch);
    CHECK(r.status().code() == StatusCode::limit_exceeded);
    CHECK(r.status().index() == 3);
    CHECK(t.level(a).on_hand == Quantity{10});
    CHECK(t.level(a).reserved == Quantity{0});
    // Both records came back.
    CHECK(t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}}).ok());
    CHECK(t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}}).ok());
  }
}

}  // namespace inventory
