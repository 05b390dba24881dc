// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: idempotency keys behave as options.h and DESIGN.md section 3 promise: same key and same
// request return the stored result (errors included) and apply once; same key and a different
// request is idempotency_mismatch; keys live for limits.idempotency_window; at most
// limits.idempotency_keys_max keys are kept. Method: repeat calls with a key on a ManualClock
// engine and check both the returned values and that the stock changed exactly once.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TestEngine;

WriteOptions key(std::string_view k) { return WriteOptions{.idempotency_key = k}; }

// A clock that parks one chosen thread on its n-th reading until released, so that a call can
// be held in flight at a known point while another thread acts.
class GateClock final : public Clock {
 public:
  Timestamp now() const noexcept override {
    if (armed_.load() && std::this_thread::get_id() == target_ && ++calls_ == park_at_) {
      std::unique_lock lock(mutex_);
      parked_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    return base_.now();
  }
  void arm(std::thread::id target, int park_at) {
    target_ = target;
    park_at_ = park_at;
    calls_ = 0;
    armed_.store(true);
  }
  // False if nothing parked within a few seconds (the engine read the clock differently).
  bool wait_parked() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return parked_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  ManualClock base_;
  std::atomic<bool> armed_{false};
  std::thread::id target_;
  int park_at_ = 0;
  mutable std::atomic<int> calls_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable bool parked_ = false;
  bool released_ = false;
};

Limits windowed(std::chrono::milliseconds window, std::uint32_t keys_max = 1'000'000) {
  Limits limits = TestEngine::small_limits();
  limits.idempotency_window = window;
  limits.idempotency_keys_max = keys_max;
  return limits;
}
}  // namespace

TEST_SUITE("idempotency/replay") {
  TEST_CASE("an adjust retried with the same key returns the first result and applies once") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    auto first = t->adjust(key("k1"), {.item = item, .delta = Quantity{5}, .reason = "restock"});
    REQUIRE(first.ok());
    t.clock->advance(seconds(1));
    auto second = t->adjust(key("k1"), {.item = item, .delta = Quantity{5}, .reason = "restock"});
    REQUIRE(second.ok());
    CHECK(*second == *first);
    CHECK(t.level(item).on_hand == Quantity{5});
    CHECK(t.level(item).version == first->version);
    // A different key is a different request.
    REQUIRE(t->adjust(key("k2"), {.item = item, .delta = Quantity{5}, .reason = "restock"}).ok());
    CHECK(t.level(item).on_hand == Quantity{10});
  }

  TEST_CASE("a reserve retried with the same key returns the same reservation and holds once") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const ReserveRequest request{.item = item, .quantity = Quantity{3}, .reference = "cart-1"};
    auto first = t->reserve(key("r"), request);
    auto second = t->reserve(key("r"), request);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(*first == *second);
    CHECK(t.level(item).reserved == Quantity{3});
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a multi-line reserve retried with the same key holds once") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{2}}};
    auto first = t->reserve(key("cart"), ReserveLinesRequest{.lines = lines});
    auto second = t->reserve(key("cart"), ReserveLinesRequest{.lines = lines});
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(*first == *second);
    CHECK(t.level(a).reserved == Quantity{1});
    CHECK(t.level(b).reserved == Quantity{2});
  }

  TEST_CASE("a confirm retried with the same key gets the first answer, not not_active") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    CHECK(t->confirm(key("c"), *hold).ok());
    CHECK(t->confirm(key("c"), *hold).ok());
    CHECK(t.level(item).on_hand == Quantity{8});
    // Without the key the retry is a new call and learns the state.
    CHECK(t->confirm({}, *hold).code() == StatusCode::reservation_not_active);
  }

  TEST_CASE("release and extend retried with the same key return their first answers") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto a = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{2}});
    auto b = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{3}});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(t->release(key("rel"), *a).ok());
    CHECK(t->release(key("rel"), *a).ok());
    auto until = t->extend(key("ext"), *b, minutes(5));
    REQUIRE(until.ok());
    t.clock->advance(minutes(1));
    auto again = t->extend(key("ext"), *b, minutes(5));
    REQUIRE(again.ok());
    CHECK(*again == *until);  // The stored answer, not now + 5 min.
    CHECK(t->get_reservation({}, *b)->expires_at == *until);
  }

  TEST_CASE("set_on_hand, set_policy and transfer retried with the same key apply once") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 0);
    auto set1 = t->set_on_hand(key("s"), {.item = a, .on_hand = Quantity{20}});
    REQUIRE(set1.ok());
    auto set2 = t->set_on_hand(key("s"), {.item = a, .on_hand = Quantity{20}});
    REQUIRE(set2.ok());
    CHECK(*set1 == *set2);
    auto pol1 = t->set_policy(key("p"), {.item = a, .policy = {.safety_stock = 1}});
    auto pol2 = t->set_policy(key("p"), {.item = a, .policy = {.safety_stock = 1}});
    REQUIRE(pol1.ok());
    REQUIRE(pol2.ok());
    CHECK(*pol1 == *pol2);
    const TransferRequest move{.from = a, .to = b, .quantity = Quantity{4}};
    auto tr1 = t->transfer(key("t"), move);
    auto tr2 = t->transfer(key("t"), move);
    REQUIRE(tr1.ok());
    REQUIRE(tr2.ok());
    CHECK(tr1->from == tr2->from);
    CHECK(tr1->to == tr2->to);
    CHECK(t.level(a).on_hand == Quantity{16});
    CHECK(t.level(b).on_hand == Quantity{4});
    CHECK(t.level(a).version == tr1->from.version);
  }

  TEST_CASE("a batch retried with the same key is applied once") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{4}})
        .reserve(ReserveRequest{.item = a, .quantity = Quantity{1}});
    auto first = t->write(key("b"), batch);
    auto second = t->write(key("b"), batch);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->results[1].reservation == second->results[1].reservation);
    CHECK(t.level(a).on_hand == Quantity{4});
    CHECK(t.level(a).reserved == Quantity{1});
    // The policy is part of the request.
    auto other_policy = t->write(key("b"), batch, BatchPolicy::per_operation);
    CHECK(other_policy.status().code() == StatusCode::idempotency_mismatch);
  }

  TEST_CASE("catalog calls retried with the same key apply once") {
    TestEngine t;
    const UpsertProductRequest create{.product = {.id = "p", .sku = "s", .name = "P"},
                                      .mode = UpsertMode::create_only};
    auto p1 = t->upsert_product(key("up"), create);
    auto p2 = t->upsert_product(key("up"), create);
    REQUIRE(p1.ok());
    REQUIRE(p2.ok());  // Not already_exists: the stored answer.
    CHECK(*p1 == *p2);
    CHECK(t->get_product({}, "p")->version == Version{1});
    const UpsertLocationRequest loc{.location = {.id = "w", .name = "W"}};
    auto l1 = t->upsert_location(key("ul"), loc);
    auto l2 = t->upsert_location(key("ul"), loc);
    REQUIRE(l1.ok());
    REQUIRE(l2.ok());
    CHECK(t->get_location({}, "w")->version == Version{1});
    auto i1 = t->upsert_item(key("ui"), {.product_id = "p", .location_id = "w"});
    auto i2 = t->upsert_item(key("ui"), {.product_id = "p", .location_id = "w"});
    REQUIRE(i1.ok());
    REQUIRE(i2.ok());
    CHECK(*i1 == *i2);
    CHECK(t.level(i1->level.item).version == i1->level.version);
    CHECK(t->remove_item(key("ri"), i1->level.item, false).ok());
    CHECK(t->remove_item(key("ri"), i1->level.item, false).ok());
    CHECK(t->remove_product(key("rp"), "p", false).ok());
    CHECK(t->remove_product(key("rp"), "p", false).ok());
    CHECK(t->remove_location(key("rl"), "w", false).ok());
    CHECK(t->remove_location(key("rl"), "w", false).ok());
    CHECK(t->get_product({}, "p").status().code() == StatusCode::not_found);
  }

  TEST_CASE("a stored error is replayed even after the state would allow the request") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    auto first = t->adjust(key("sale"), {.item = item, .delta = Quantity{-5}});
    CHECK(first.status().code() == StatusCode::insufficient_stock);
    REQUIRE(t->adjust({}, {.item = item, .delta = Quantity{10}}).ok());
    auto retry = t->adjust(key("sale"), {.item = item, .delta = Quantity{-5}});
    CHECK(retry.status().code() == StatusCode::insufficient_stock);
    CHECK(retry.status() == first.status());
    CHECK(t.level(item).on_hand == Quantity{10});
    CHECK(t->adjust(key("sale-2"), {.item = item, .delta = Quantity{-5}}).ok());
    CHECK(t.level(item).on_hand == Quantity{5});
  }

  TEST_CASE("a stored reservation_not_active is replayed for a retried confirm") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    REQUIRE(t->release({}, *hold).ok());
    const Status first = t->confirm(key("c"), *hold);
    CHECK(first.code() == StatusCode::reservation_not_active);
    CHECK(t->confirm(key("c"), *hold) == first);
  }

  TEST_CASE("invalid requests are not stored: the key still works for a valid request") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    auto bad = t->adjust(key("k"), {.item = item, .delta = Quantity{0}});
    CHECK(bad.status().code() == StatusCode::invalid_argument);
    auto good = t->adjust(key("k"), {.item = item, .delta = Quantity{3}});
    REQUIRE(good.ok());
    CHECK(t.level(item).on_hand == Quantity{3});
  }

  TEST_CASE("a call refused for its durability is not stored under the key") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    WriteOptions sync = key("d");
    sync.durability = Durability::sync;
    auto refused = t->adjust(sync, {.item = item, .delta = Quantity{3}});
    CHECK(refused.status().code() == StatusCode::not_supported);
    auto applied = t->adjust(key("d"), {.item = item, .delta = Quantity{3}});
    REQUIRE(applied.ok());
    CHECK(t.level(item).on_hand == Quantity{3});
  }
}

TEST_SUITE("idempotency/in_flight") {
  TEST_CASE("a retry while the first call with the key is still running is busy, then replays") {
    auto clock = std::make_shared<GateClock>();
    Options options;
    options.durability = Durability::none;
    options.clock = clock;
    options.expiry_interval = milliseconds(0);
    options.limits = TestEngine::small_limits();
    auto opened = Engine::open(options, "");
    REQUIRE(opened.ok());
    Engine& engine = **opened;
    REQUIRE(engine.upsert_product({}, {.product = {.id = "p", .sku = "s", .name = "P"}}).ok());
    REQUIRE(engine.upsert_location({}, {.location = {.id = "w", .name = "W"}}).ok());
    const ItemId item = engine.upsert_item({}, {.product_id = "p", .location_id = "w"})->level.item;

    Result<StockLevel> first = Status::from_static(StatusCode::corruption, "not run");
    std::thread runner([&] {
      // The first reading starts the key; the second is the adjust itself: park there.
      clock->arm(std::this_thread::get_id(), 2);
      first = engine.adjust(key("k"), {.item = item, .delta = Quantity{5}});
    });
    if (!clock->wait_parked()) {
      clock->release();
      runner.join();
      FAIL("the first call never reached the adjust's clock reading");
    }
    auto retry = engine.adjust(key("k"), {.item = item, .delta = Quantity{5}});
    CHECK(retry.status().code() == StatusCode::busy);
    CHECK(retry.status().field() == "idempotency_key");
    auto other = engine.adjust(key("k"), {.item = item, .delta = Quantity{6}});
    CHECK(other.status().code() == StatusCode::idempotency_mismatch);
    CHECK(engine.get({}, item)->on_hand == Quantity{0});
    clock->release();
    runner.join();
    REQUIRE(first.ok());
    CHECK(first->on_hand == Quantity{5});
    auto replay = engine.adjust(key("k"), {.item = item, .delta = Quantity{5}});
    REQUIRE(replay.ok());
    CHECK(*replay == *first);
    CHECK(engine.get({}, item)->on_hand == Quantity{5});
  }
}

TEST_SUITE("idempotency/mismatch") {
  TEST_CASE("the same key with a different request is idempotency_mismatch and applies nothing") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{5}}).ok());
    const StockLevel before = t.level(item);
    SUBCASE("different quantity") {
      auto r = t->adjust(key("k"), {.item = item, .delta = Quantity{6}});
      CHECK(r.status().code() == StatusCode::idempotency_mismatch);
      CHECK(r.status().field() == "idempotency_key");
    }
    SUBCASE("different reason") {
      auto r = t->adjust(key("k"), {.item = item, .delta = Quantity{5}, .reason = "other"});
      CHECK(r.status().code() == StatusCode::idempotency_mismatch);
    }
    SUBCASE("different force") {
      auto r = t->adjust(key("k"), {.item = item, .delta = Quantity{5}, .force = true});
      CHECK(r.status().code() == StatusCode::idempotency_mismatch);
    }
    SUBCASE("different operation") {
      auto r = t->set_on_hand(key("k"), {.item = item, .on_hand = Quantity{5}});
      CHECK(r.status().code() == StatusCode::idempotency_mismatch);
      auto hold = t->reserve(key("k"), ReserveRequest{.item = item, .quantity = Quantity{1}});
      CHECK(hold.status().code() == StatusCode::idempotency_mismatch);
      CHECK(t->remove_item(key("k"), item, true).code() == StatusCode::idempotency_mismatch);
    }
    CHECK(t.level(item) == before);
    // The original request still replays.
    CHECK(t->adjust(key("k"), {.item = item, .delta = Quantity{5}}).ok());
    CHECK(t.level(item) == before);
  }

  TEST_CASE("a stored error does not make a different request under its key acceptable") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    CHECK(t->adjust(key("k"), {.item = item, .delta = Quantity{-1}}).status().code() ==
          StatusCode::insufficient_stock);
    CHECK(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).status().code() ==
          StatusCode::idempotency_mismatch);
    CHECK(t.level(item).on_hand == Quantity{0});
  }

  TEST_CASE("a reserve with a different ttl or reference under the same key is a mismatch") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    REQUIRE(t->reserve(key("r"), ReserveRequest{.item = item, .quantity = Quantity{1}}).ok());
    CHECK(t->reserve(key("r"),
                     ReserveRequest{.item = item, .quantity = Quantity{1}, .ttl = seconds(30)})
              .status()
              .code() == StatusCode::idempotency_mismatch);
    CHECK(t->reserve(key("r"),
                     ReserveRequest{.item = item, .quantity = Quantity{1}, .reference = "x"})
              .status()
              .code() == StatusCode::idempotency_mismatch);
    CHECK(t.level(item).reserved == Quantity{1});
  }
}

TEST_SUITE("idempotency/window") {
  TEST_CASE("a key reused within the window replays; after the window it is a new request") {
    TestEngine t(windowed(minutes(10)));
    const ItemId item = t.item("p", "w", 0);
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).ok());
    t.clock->advance(minutes(10) - milliseconds(1));
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t.level(item).on_hand == Quantity{1});
    t.clock->advance(milliseconds(1));
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t.level(item).on_hand == Quantity{2});
    // The new use starts a new window.
    t.clock->advance(minutes(5));
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t.level(item).on_hand == Quantity{2});
  }

  TEST_CASE("after the window a key may carry a different request") {
    TestEngine t(windowed(seconds(1)));
    const ItemId item = t.item("p", "w", 0);
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t->adjust(key("k"), {.item = item, .delta = Quantity{7}}).status().code() ==
          StatusCode::idempotency_mismatch);
    t.clock->advance(seconds(1));
    REQUIRE(t->adjust(key("k"), {.item = item, .delta = Quantity{7}}).ok());
    CHECK(t.level(item).on_hand == Quantity{8});
  }
}

TEST_SUITE("idempotency/limit") {
  TEST_CASE("idempotency_keys_max refuses a new key beyond it, still replays the kept ones") {
    TestEngine t(windowed(minutes(1), 2));
    const ItemId item = t.item("p", "w", 0);
    REQUIRE(t->adjust(key("a"), {.item = item, .delta = Quantity{1}}).ok());
    REQUIRE(t->adjust(key("b"), {.item = item, .delta = Quantity{1}}).ok());
    auto third = t->adjust(key("c"), {.item = item, .delta = Quantity{1}});
    CHECK(third.status().code() == StatusCode::limit_exceeded);
    CHECK(third.status().field() == "idempotency_key");
    CHECK(t.level(item).on_hand == Quantity{2});
    CHECK(t->adjust(key("a"), {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t->adjust({}, {.item = item, .delta = Quantity{1}}).ok());
    CHECK(t.level(item).on_hand == Quantity{3});
  }

  TEST_CASE("keys past their window no longer count against idempotency_keys_max") {
    // Regression (fixed; the test guards it): options.h says a new key beyond idempotency_keys_max
    // is refused only "after expired keys are dropped", but the table drops expired keys only from
    // the one shard (of 16) that the new key hashes to. When the expired keys live in other shards
    // the new key is refused with limit_exceeded although every kept key is past its window.
    int refused = 0;
    for (int i = 0; i < 16; ++i) {
      const std::string fresh = "fresh-key-" + std::to_string(i);
      CAPTURE(fresh);
      TestEngine t(windowed(minutes(1), 2));
      const ItemId item = t.item("p", "w", 0);
      REQUIRE(t->adjust(key("old-a"), {.item = item, .delta = Quantity{1}}).ok());
      REQUIRE(t->adjust(key("old-b"), {.item = item, .delta = Quantity{1}}).ok());
      t.clock->advance(minutes(2));
      auto r = t->adjust(key(fresh), {.item = item, .delta = Quantity{1}});
      CHECK_MESSAGE(r.ok(), r.status().to_string());
      if (!r.ok()) ++refused;
      CHECK(t.level(item).on_hand == Quantity{r.ok() ? 3 : 2});
    }
    CHECK(refused == 0);
  }
}

}  // namespace inventory
