// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: no oversell and no leaked hold under flash-sale contention, with more threads than
// cores so that threads are preempted inside CAS loops and lock-bit sections.
// Method: (1) flash sale: 100 rounds, 1,000 units of one hot SKU, 8 threads reserving 1-3
// units (single and as carts with a second item) until sold out, then confirming: exactly the
// stock is sold, never more. (2) mixed: 4 threads run random operations on 1,024 items with a
// Zipf-like skew; at quiescence reserved equals the sum of active holds (check_invariants) and
// on_hand is conserved (initial + adjustments - confirmed units). (3) compare-and-set: 4
// threads race set_on_hand on one version; exactly one wins each version. (4) expiry race:
// threads confirm exactly at the deadline while another thread runs the sweeper; every
// reservation ends in exactly one of confirmed or expired, and stock adds up.
//
// Scale: INVENTORY_STRESS_OPS (default 2,000,000; a tenth under ThreadSanitizer); seed from
// INVENTORY_SEED (printed).

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/atomic128.h"
#include "support/engine_fixture.h"
#include "support/env.h"

namespace inventory {
namespace {

using testing::env_or;

#if defined(INVENTORY_TSAN)
constexpr std::uint64_t kScale = 10;
#else
constexpr std::uint64_t kScale = 1;
#endif

template <typename F>
void run_threads(int count, F&& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < count; ++t) threads.emplace_back([&, t] { body(t); });
  for (auto& thread : threads) thread.join();
}

}  // namespace

TEST_SUITE("stress") {
  TEST_CASE("a flash sale sells exactly its stock, round after round") {
    constexpr int kRounds = 100;
    constexpr std::int64_t kStock = 1000;
    constexpr int kThreads = 8;
    testing::TestEngine t;
    const ItemId hot = t.item("hot", "wh", 0);
    const ItemId side = t.item("side", "wh", 0);
    std::int64_t sold_total = 0;
    std::int64_t rejected_total = 0;
    std::int64_t oversold_total = 0;
    for (int round = 0; round < kRounds; ++round) {
      REQUIRE(t->set_on_hand({}, {.item = hot, .on_hand = Quantity{kStock}}).ok());
      REQUIRE(t->set_on_hand({}, {.item = side, .on_hand = Quantity{kStock * 10}}).ok());
      std::atomic<std::int64_t> sold{0};
      std::atomic<std::int64_t> rejected{0};
      run_threads(kThreads, [&](int thread) {
        std::mt19937 rng(static_cast<unsigned>(round * 131 + thread));
        for (;;) {
          const std::int64_t want = std::uniform_int_distribution<int>(1, 3)(rng);
          Result<ReservationId> hold = ReservationId{};
          if (rng() % 4 == 0) {
            const ReserveLine cart[] = {{hot, Quantity{want}}, {side, Quantity{1}}};
            hold = t->reserve({}, ReserveLinesRequest{.lines = cart});
          } else {
            hold = t->reserve({}, ReserveRequest{.item = hot, .quantity = Quantity{want}});
          }
          if (!hold.ok()) {
            REQUIRE(hold.status().code() == StatusCode::insufficient_stock);
            rejected.fetch_add(1, std::memory_order_relaxed);
            // Sold out once nothing is left even for one unit.
            if (t.level(hot).available() == Quantity{0}) return;
            continue;
          }
          REQUIRE(t->confirm({}, *hold).ok());
          sold.fetch_add(want, std::memory_order_relaxed);
        }
      });
      const StockLevel after = t.level(hot);
      const std::int64_t oversold = sold.load() - kStock;
      CHECK(sold.load() == kStock);
      CHECK(after.on_hand == Quantity{0});
      CHECK(after.reserved == Quantity{0});
      sold_total += sold.load();
      rejected_total += rejected.load();
      oversold_total += oversold > 0 ? oversold : 0;
    }
    REQUIRE(t->check_invariants().ok());
    std::printf(
        "flash sale: %d rounds x %lld units, %d threads: sold %lld, rejected %lld, "
        "oversold %lld\n",
        kRounds, static_cast<long long>(kStock), kThreads, static_cast<long long>(sold_total),
        static_cast<long long>(rejected_total), static_cast<long long>(oversold_total));
    CHECK(sold_total == kRounds * kStock);
    CHECK(oversold_total == 0);
  }

  TEST_CASE("random mixed operations keep every invariant at quiescence") {
    const std::uint64_t seed = env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t total = env_or("INVENTORY_STRESS_OPS", 2'000'000) / kScale;
    constexpr int kThreads = 4;
    constexpr int kProducts = 256;
    constexpr int kLocations = 4;
    Limits limits;
    limits.items_max = kProducts * kLocations;
    limits.reservations_max = 1 << 16;
    testing::TestEngine t(limits);
    std::vector<ItemId> items;
    std::int64_t initial = 0;
    for (int p = 0; p < kProducts; ++p) {
      for (int l = 0; l < kLocations; ++l) {
        items.push_back(t.item("p" + std::to_string(p), "l" + std::to_string(l), 50));
        initial += 50;
      }
    }
    std::atomic<std::int64_t> adjusted{0};   // Sum of applied adjustments and set deltas.
    std::atomic<std::int64_t> confirmed{0};  // Units confirmed out of on_hand.
    std::atomic<std::uint64_t> done{0};
    run_threads(kThreads, [&](int thread) {
      std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(thread));
      auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
      // Skewed picks: half the traffic on 16 items.
      auto random_item = [&] {
        return items[static_cast<std::size_t>(
            pick(0, 1) == 0 ? pick(0, 15) : pick(0, kProducts * kLocations - 1))];
      };
      struct Held {
        ReservationId id;
        std::vector<ReserveLine> lines;
      };
      std::vector<Held> holds;
      for (std::uint64_t n = 0; n < total / kThreads; ++n) {
        const int dice = pick(0, 99);
        if (dice < 35 || holds.empty()) {
          std::vector<ReserveLine> lines;
          const int count = pick(0, 4) == 0 ? pick(2, 3) : 1;
          while (static_cast<int>(lines.size()) < count) {
            const ItemId item = random_item();
            bool duplicate = false;
            for (const auto& l : lines) duplicate |= l.item == item;
            if (!duplicate) lines.push_back({item, Quantity{pick(1, 3)}});
          }
          auto r = t->reserve({}, ReserveLinesRequest{.lines = lines});
          if (r.ok()) holds.push_back({*r, lines});
        } else if (dice < 60) {
          const std::size_t k =
              static_cast<std::size_t>(pick(0, static_cast<int>(holds.size()) - 1));
          Held held = holds[k];
          holds.erase(holds.begin() + static_cast<std::ptrdiff_t>(k));
          if (pick(0, 1) == 0) {
            REQUIRE(t->release({}, held.id).ok());
          } else if (pick(0, 2) == 0) {
            // Partial: confirm one unit of the first line, release the rest.
            const ReserveLine part[] = {{held.lines[0].item, Quantity{1}}};
            REQUIRE(t->confirm({}, ConfirmRequest{held.id, part}).ok());
            confirmed.fetch_add(1);
          } else {
            REQUIRE(t->confirm({}, held.id).ok());
            std::int64_t units = 0;
            for (const auto& l : held.lines) units += l.quantity.value();
            confirmed.fetch_add(units);
          }
        } else if (dice < 85) {
          const std::int64_t delta = pick(0, 2) == 0 ? -pick(1, 4) : pick(1, 6);
          if (t->adjust({}, {.item = random_item(), .delta = Quantity{delta}}).ok()) {
            adjusted.fetch_add(delta);
          }
        } else if (dice < 92) {
          const ItemId item = random_item();
          auto seen = t->get({}, item);
          REQUIRE(seen.ok());
          CHECK(seen->available().value() >= 0);  // Never oversold (no backorder here).
          const std::int64_t target = seen->on_hand.value() + pick(-3, 5);
          auto set = t->set_on_hand(
              {}, {.item = item, .on_hand = Quantity{target}, .expected_version = seen->version});
          if (set.ok()) adjusted.fetch_add(target - seen->on_hand.value());
        } else {
          const int product = pick(0, kProducts - 1);
          const int a = pick(0, kLocations - 1);
          const int b = (a + pick(1, kLocations - 1)) % kLocations;
          auto moved =
              t->transfer({}, {.from = items[static_cast<std::size_t>(product * kLocations + a)],
                               .to = items[static_cast<std::size_t>(product * kLocations + b)],
                               .quantity = Quantity{pick(1, 3)}});
          if (!moved.ok()) REQUIRE(moved.status().code() == StatusCode::insufficient_stock);
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
      for (const Held& held : holds) REQUIRE(t->release({}, held.id).ok());
    });
    const Status invariants = t->check_invariants();
    CHECK_MESSAGE(invariants.ok(), invariants.to_string());
    std::int64_t on_hand = 0;
    std::int64_t reserved = 0;
    std::int64_t negative = 0;
    for (ItemId item : items) {
      const StockLevel level = t.level(item);
      on_hand += level.on_hand.value();
      reserved += level.reserved.value();
      negative += level.available().value() < 0;
    }
    std::printf(
        "mixed stress: seed %llu, %d threads, %zu items, %llu ops; on_hand %lld == "
        "%lld + %lld - %lld; reserved %lld; oversold items %lld\n",
        static_cast<unsigned long long>(seed), kThreads, items.size(),
        static_cast<unsigned long long>(done.load()), static_cast<long long>(on_hand),
        static_cast<long long>(initial), static_cast<long long>(adjusted.load()),
        static_cast<long long>(confirmed.load()), static_cast<long long>(reserved),
        static_cast<long long>(negative));
    CHECK(on_hand == initial + adjusted.load() - confirmed.load());
    CHECK(reserved == 0);
    CHECK(negative == 0);
  }

  TEST_CASE("racing compare-and-set has exactly one winner per version") {
    constexpr int kThreads = 4;
    const int rounds = static_cast<int>(20'000 / kScale);
    testing::TestEngine t;
    const ItemId item = t.item("cas", "wh", 10);
    std::atomic<int> winners_total{0};
    for (int round = 0; round < rounds; ++round) {
      const Version version = t.level(item).version;
      std::atomic<int> winners{0};
      run_threads(kThreads, [&](int thread) {
        auto r = t->set_on_hand(
            {}, {.item = item, .on_hand = Quantity{10 + thread}, .expected_version = version});
        if (r.ok()) {
          winners.fetch_add(1);
        } else {
          CHECK(r.status().code() == StatusCode::version_conflict);
        }
      });
      CHECK(winners.load() == 1);
      winners_total += winners.load();
    }
    std::printf("compare-and-set: %d rounds x %d threads, %d winners\n", rounds, kThreads,
                winners_total.load());
    CHECK(winners_total.load() == rounds);
  }

  TEST_CASE("confirming at the deadline while the sweeper runs leaks nothing") {
    constexpr int kConfirmers = 3;
    const int per_round = 2'000;
    const int rounds = static_cast<int>(100 / kScale);  // 200,000 races.
    Limits limits;
    limits.reservations_max = 1 << 14;
    testing::TestEngine t(limits);
    const ItemId item = t.item("deadline", "wh", 0);
    std::int64_t confirmed_total = 0;
    std::int64_t expired_total = 0;
    for (int round = 0; round < rounds; ++round) {
      REQUIRE(t->adjust({}, {.item = item, .delta = Quantity{per_round}}).ok());
      std::vector<ReservationId> holds;
      for (int i = 0; i < per_round; ++i) {
        auto r = t->reserve(
            {},
            ReserveRequest{.item = item, .quantity = Quantity{1}, .ttl = std::chrono::seconds(1)});
        REQUIRE(r.ok());
        holds.push_back(*r);
      }
      // Odd rounds stop one tick before the deadline (every confirm must win, the sweeper must
      // expire nothing); even rounds stop exactly at it (every hold is due, no confirm may win).
      const bool due = round % 2 == 0;
      t.clock->advance(due ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(999));
      std::atomic<std::int64_t> confirmed{0};
      std::atomic<std::int64_t> expired_by_confirm{0};
      std::atomic<std::size_t> swept{0};
      run_threads(kConfirmers + 1, [&](int thread) {
        if (thread == kConfirmers) {
          swept += t->expire_due();
          return;
        }
        for (std::size_t i = static_cast<std::size_t>(thread); i < holds.size(); i += kConfirmers) {
          const Status s = t->confirm({}, holds[i]);
          if (s.ok()) {
            confirmed += 1;
          } else {
            REQUIRE(s.code() == StatusCode::reservation_not_active);
            expired_by_confirm += 1;
          }
        }
      });
      if (due) {
        CHECK(confirmed.load() == 0);
        CHECK(static_cast<std::int64_t>(swept.load()) + expired_by_confirm.load() >= per_round);
        expired_total += per_round;
      } else {
        CHECK(confirmed.load() == per_round);
        CHECK(swept.load() == 0);
        t.clock->advance(std::chrono::milliseconds(1));
      }
      const StockLevel level = t.level(item);
      CHECK(level.reserved == Quantity{0});
      CHECK(level.on_hand == Quantity{per_round - confirmed.load()});
      confirmed_total += confirmed.load();
      REQUIRE(t->set_on_hand({}, {.item = item, .on_hand = Quantity{0}}).ok());
    }
    REQUIRE(t->check_invariants().ok());
    std::printf("deadline race: %d races, %lld confirmed, %lld expired, 0 leaked\n",
                rounds * per_round, static_cast<long long>(confirmed_total),
                static_cast<long long>(expired_total));
  }
}

}  // namespace inventory
