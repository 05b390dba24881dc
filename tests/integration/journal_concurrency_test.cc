// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the journal keeps up with concurrent writers without losing or misordering anything:
// after many threads mutate a journaled engine through every durability and both call forms,
// with checkpoints taken while they run, a reopened engine holds exactly the same state.
// Method: 4 threads (more than the 2 cores) run mixed operations (single and multi-line
// reserves, confirms, releases, adjusts, transfers, batches) with sync, buffered and the
// completion form, on an engine that checkpoints every 1,000 records. Then every item's level
// and every active reservation are recorded, the engine is closed, reopened and compared; and
// the journal is replayed once more from scratch by Engine::verify.
//
// Scale: INVENTORY_STRESS_OPS (default 200,000; a tenth under ThreadSanitizer).

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "core/atomic128.h"
#include "support/env.h"
#include "support/temp_dir.h"

namespace inventory {
namespace {

#if defined(INVENTORY_TSAN)
constexpr std::uint64_t kScale = 10;
#else
constexpr std::uint64_t kScale = 1;
#endif

class Counter final : public WriteCallback {
 public:
  void on_durable(const Status& status) noexcept override {
    if (status.ok()) {
      ok.fetch_add(1);
    } else {
      failed.fetch_add(1);
    }
  }
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> failed{0};
};

}  // namespace

TEST_SUITE("integration/journal") {
  TEST_CASE("concurrent writers with checkpoints reopen to exactly the same state") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t total = testing::env_or("INVENTORY_STRESS_OPS", 200'000) / kScale;
    constexpr int kThreads = 4;
    constexpr int kProducts = 64;
    constexpr int kLocations = 4;
    testing::TempDir dir("journal-stress");
    Options options;
    options.durability = Durability::sync;
    options.expiry_interval = std::chrono::milliseconds(0);
    options.checkpoint_records = 1000;
    options.limits.items_max = kProducts * kLocations + 16;
    options.limits.reservations_max = 1 << 16;
    std::vector<ItemId> items;
    std::map<std::uint64_t, StockLevel> levels;
    std::set<std::uint64_t> active;
    Counter callbacks;
    std::uint64_t completions_issued = 0;
    {
      auto opened = Engine::open(options, dir.path());
      REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
      Engine& e = **opened;
      for (int l = 0; l < kLocations; ++l) {
        REQUIRE(
            e.upsert_location({}, {.location = {.id = "l" + std::to_string(l), .name = "L"}}).ok());
      }
      for (int p = 0; p < kProducts; ++p) {
        const std::string id = "p" + std::to_string(p);
        REQUIRE(e.upsert_product({}, {.product = {.id = id, .sku = id, .name = id}}).ok());
        for (int l = 0; l < kLocations; ++l) {
          auto info = e.upsert_item({}, {.product_id = id, .location_id = "l" + std::to_string(l)});
          REQUIRE(info.ok());
          REQUIRE(e.adjust({}, {.item = info->level.item, .delta = Quantity{100}}).ok());
          items.push_back(info->level.item);
        }
      }
      std::mutex active_mutex;
      std::atomic<std::uint64_t> issued{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          std::mt19937_64 rng(seed * 31 + static_cast<std::uint64_t>(t));
          auto pick = [&](int lo, int hi) {
            return std::uniform_int_distribution<int>(lo, hi)(rng);
          };
          std::vector<ReservationId> mine;
          for (std::uint64_t n = 0; n < total / kThreads; ++n) {
            WriteOptions o;
            const int mode = pick(0, 9);
            o.durability = mode < 5 ? Durability::sync : Durability::buffered;
            if (mode == 9) {
              o.on_durable = &callbacks;
              issued.fetch_add(1);
            }
            const ItemId a =
                items[static_cast<std::size_t>(pick(0, static_cast<int>(items.size()) - 1))];
            const int dice = pick(0, 99);
            if (dice < 35 || mine.empty()) {
              const ItemId b =
                  items[static_cast<std::size_t>(pick(0, static_cast<int>(items.size()) - 1))];
              Result<ReservationId> r = ReservationId{};
              if (b != a && pick(0, 2) == 0) {
                const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{2}}};
                r = e.reserve(o, ReserveLinesRequest{.lines = lines});
              } else {
                r = e.reserve(o, ReserveRequest{.item = a, .quantity = Quantity{pick(1, 3)}});
              }
              if (r.ok()) mine.push_back(*r);
            } else if (dice < 65) {
              const std::size_t k =
                  static_cast<std::size_t>(pick(0, static_cast<int>(mine.size()) - 1));
              const ReservationId id = mine[k];
              mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(k));
              const Status s = pick(0, 1) == 0 ? e.confirm(o, id) : e.release(o, id);
              CHECK_MESSAGE(s.ok(), s.to_string());
            } else if (dice < 85) {
              (void)e.adjust(
                  o, {.item = a, .delta = Quantity{pick(0, 2) == 0 ? -pick(1, 3) : pick(1, 5)}});
            } else if (dice < 95) {
              const std::size_t index =
                  static_cast<std::size_t>(pick(0, static_cast<int>(items.size()) - 1));
              const std::size_t base = index / kLocations * kLocations;
              const std::size_t other =
                  base + (index % kLocations + static_cast<std::size_t>(pick(1, kLocations - 1))) %
                             kLocations;
              (void)e.transfer(o,
                               {.from = items[index], .to = items[other], .quantity = Quantity{1}});
            } else {
              WriteBatch batch;
              batch.adjust({.item = a, .delta = Quantity{2}});
              batch.reserve(ReserveRequest{.item = a, .quantity = Quantity{1}});
              auto receipt = e.write(o, batch);
              if (receipt.ok()) mine.push_back(receipt->results[1].reservation);
            }
          }
          std::lock_guard lock(active_mutex);
          for (ReservationId id : mine) active.insert(static_cast<std::uint64_t>(id));
        });
      }
      for (auto& t : threads) t.join();
      completions_issued = issued.load();
      REQUIRE(e.sync().ok());
      REQUIRE(e.check_invariants().ok());
      for (ItemId item : items) levels[static_cast<std::uint64_t>(item)] = *e.get({}, item);
    }
    // Every completion ran exactly once, all ok.
    CHECK(callbacks.ok.load() == completions_issued);
    CHECK(callbacks.failed.load() == 0);

    auto verified = Engine::verify(options, dir.path());
    REQUIRE_MESSAGE(verified.ok(), verified.status().to_string());
    auto reopened = Engine::open(options, dir.path());
    REQUIRE_MESSAGE(reopened.ok(), reopened.status().to_string());
    Engine& e = **reopened;
    for (ItemId item : items) {
      auto level = e.get({}, item);
      REQUIRE(level.ok());
      CHECK(*level == levels[static_cast<std::uint64_t>(item)]);
    }
    for (std::uint64_t id : active) {
      auto info = e.get_reservation({}, ReservationId{id});
      REQUIRE(info.ok());
      CHECK(info->state == ReservationState::active);
    }
    CHECK(e.check_invariants().ok());
    MESSAGE("journal stress: " << total << " operations on " << kThreads << " threads, "
                               << completions_issued << " through the completion form, "
                               << verified->last_sequence << " records, reopened identical");
  }
}

TEST_SUITE("integration/journal") {
  // A server passes on_durable on every call and answers its client from the callback: a call
  // refused before anything is applied must still call it, exactly once.
  TEST_CASE("the completion form calls on_durable exactly once, also for refused requests") {
    testing::TempDir dir("journal-completion");
    Options options;
    options.expiry_interval = std::chrono::milliseconds(0);
    auto engine = Engine::open(options, dir.path()).value();
    REQUIRE(engine->upsert_location({}, {.location = {.id = "l", .name = "L"}}).ok());
    REQUIRE(engine->upsert_product({}, {.product = {.id = "p", .sku = "P", .name = "P"}}).ok());
    const ItemId item =
        engine->upsert_item({}, {.product_id = "p", .location_id = "l"})->level.item;
    Counter counter;
    const WriteOptions with{.on_durable = &counter};
    const WriteOptions bad_key{.idempotency_key = std::string(300, 'k'), .on_durable = &counter};
    CHECK(engine->adjust(with, {.item = item, .delta = Quantity{5}}).ok());      // applied
    CHECK(!engine->adjust(with, {.item = item, .delta = Quantity{0}}).ok());     // invalid
    CHECK(!engine->adjust(bad_key, {.item = item, .delta = Quantity{1}}).ok());  // bad options
    CHECK(!engine->reserve(with, {.item = item, .quantity = Quantity{0}}).ok());
    CHECK(!engine->reserve(with, {.item = ItemId{999}, .quantity = Quantity{1}}).ok());
    CHECK(!engine->release(with, ReservationId{12345}).ok());
    CHECK(!engine->upsert_product(with, {.product = {.id = "", .sku = "X"}}).ok());
    WriteBatch empty;
    CHECK(!engine->write(with, empty).ok());
    REQUIRE(engine->sync().ok());
    for (int i = 0; i < 200 && counter.ok.load() + counter.failed.load() < 8; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(counter.ok.load() == 8);
    CHECK(counter.failed.load() == 0);
  }
}

}  // namespace inventory
