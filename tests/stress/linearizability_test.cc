// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: every concurrent history the engine produces is linearizable: reserve, confirm,
// release, adjust, set_on_hand (compare-and-set), get and transfer behave as if each took
// effect at one instant between its call and its return.
// Method: 4 threads (more than the 2 cores, so threads are preempted inside CAS loops and
// lock-bit sections) run random operations on 1,024 items in 256 groups of 4 (one product at 4
// locations). Multi-item operations stay inside a group, so groups are independent and each is
// checked on its own with the Wing & Gong search (support/linearizability.h). Reservations are
// shared through a per-group pool, so threads race to confirm or release the same hold. Every
// operation is recorded and checked: 100 % of the history.
//
// Scale: INVENTORY_STRESS_OPS (default 2,000,000; 200,000 under ThreadSanitizer), seed from
// INVENTORY_SEED (printed).

#include "support/linearizability.h"

#include <atomic>
#include <chrono>
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

using testing::GroupModel;
using testing::HistoryKind;
using testing::HistoryOp;
using testing::kGroupSize;

#if defined(INVENTORY_TSAN)
constexpr std::uint64_t kDefaultOps = 200'000;
#else
constexpr std::uint64_t kDefaultOps = 2'000'000;
#endif

struct Pool {
  // Recently created reservations of one group; threads take or peek at them.
  std::array<std::atomic<std::uint64_t>, 8> slots{};
};

struct Fixture {
  static constexpr int kGroups = 256;
  static constexpr int kThreads = 4;
  static constexpr std::int64_t kInitialStock = 20;

  testing::TestEngine engine{limits()};
  std::vector<std::array<ItemId, kGroupSize>> items;
  std::vector<GroupModel> initial;
  std::vector<Pool> pools{kGroups};
  std::atomic<std::uint64_t> clock{1};

  static Limits limits() {
    Limits l;
    l.items_max = kGroups * kGroupSize;
    l.reservations_max = 1 << 16;
    return l;
  }

  Fixture() {
    for (int l = 0; l < kGroupSize; ++l) {
      REQUIRE(
          engine->upsert_location({}, {.location = {.id = "l" + std::to_string(l), .name = "L"}})
              .ok());
    }
    for (int g = 0; g < kGroups; ++g) {
      std::array<ItemId, kGroupSize> group{};
      GroupModel model;
      for (int l = 0; l < kGroupSize; ++l) {
        group[l] = engine.item("p" + std::to_string(g), "l" + std::to_string(l), kInitialStock);
        const StockLevel level = engine.level(group[l]);
        model.on_hand[l] = level.on_hand.value();
        model.version[l] = static_cast<std::uint64_t>(level.version);
      }
      items.push_back(group);
      initial.push_back(model);
    }
  }

  static void record_level(HistoryOp& op, int slot, const StockLevel& level) {
    op.on_hand[slot] = level.on_hand.value();
    op.reserved[slot] = level.reserved.value();
    op.version[slot] = static_cast<std::uint64_t>(level.version);
    op.level_count = static_cast<std::uint8_t>(slot + 1);
  }

  void finish(std::uint32_t thread, std::uint32_t group, HistoryKind kind, std::uint64_t id,
              std::vector<HistoryOp>& history) {
    HistoryOp op;
    op.thread = thread;
    op.group = group;
    op.kind = kind;
    op.reservation = id;
    op.invoke = clock.fetch_add(1);
    const Status s = kind == HistoryKind::confirm ? engine->confirm({}, ReservationId{id})
                                                  : engine->release({}, ReservationId{id});
    op.ret = clock.fetch_add(1);
    op.code = s.code();
    history.push_back(op);
  }

  void run_thread(std::uint32_t thread, std::uint64_t ops, std::uint64_t seed,
                  std::vector<HistoryOp>& history) {
    std::mt19937_64 rng(seed * 1'000'003 + thread);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Engine& e = *engine.engine;
    history.reserve(ops + ops / 4);
    while (history.size() < ops) {
      HistoryOp op;
      op.thread = thread;
      // A few hot groups take a third of the traffic.
      op.group = static_cast<std::uint32_t>(pick(0, 2) == 0 ? pick(0, 3) : pick(0, kGroups - 1));
      const auto& group = items[op.group];
      Pool& pool = pools[op.group];
      const int dice = pick(0, 99);
      if (dice < 30) {
        op.kind = HistoryKind::reserve;
        op.line_count = static_cast<std::uint8_t>(pick(0, 3) == 0 ? pick(2, 3) : 1);
        const int first = pick(0, kGroupSize - 1);
        for (int k = 0; k < op.line_count; ++k) {
          op.item[k] = static_cast<std::uint8_t>((first + k) % kGroupSize);
          op.quantity[k] = pick(1, 3);
        }
        ReserveLine lines[kGroupSize];
        for (int k = 0; k < op.line_count; ++k) {
          lines[k] = {group[op.item[k]], Quantity{op.quantity[k]}};
        }
        op.invoke = clock.fetch_add(1);
        Result<ReservationId> r =
            op.line_count == 1
                ? e.reserve({},
                            ReserveRequest{.item = lines[0].item, .quantity = lines[0].quantity})
                : e.reserve({}, ReserveLinesRequest{.lines = {lines, op.line_count}});
        op.ret = clock.fetch_add(1);
        op.code = r.status().code();
        if (r.ok()) {
          op.reservation = static_cast<std::uint64_t>(*r);
          // Publish it; a hold pushed out of the pool is released, so none is forgotten.
          const std::uint64_t old =
              pool.slots[pick(0, 7)].exchange(op.reservation, std::memory_order_acq_rel);
          history.push_back(op);
          if (old != 0) finish(thread, op.group, HistoryKind::release, old, history);
          continue;
        }
      } else if (dice < 55) {
        auto& slot = pool.slots[pick(0, 7)];
        // Mostly take the hold; sometimes only peek, so two threads race on one reservation.
        const std::uint64_t id = pick(0, 3) == 0 ? slot.load(std::memory_order_acquire)
                                                 : slot.exchange(0, std::memory_order_acq_rel);
        if (id != 0) {
          finish(thread, op.group, pick(0, 1) == 0 ? HistoryKind::confirm : HistoryKind::release,
                 id, history);
        }
        continue;
      } else if (dice < 75) {
        op.kind = HistoryKind::adjust;
        op.item[0] = static_cast<std::uint8_t>(pick(0, kGroupSize - 1));
        op.value = pick(0, 2) == 0 ? -pick(1, 3) : pick(1, 5);
        op.invoke = clock.fetch_add(1);
        auto r = e.adjust({}, {.item = group[op.item[0]], .delta = Quantity{op.value}});
        op.ret = clock.fetch_add(1);
        op.code = r.status().code();
        if (r.ok()) record_level(op, 0, *r);
      } else if (dice < 85) {
        op.kind = HistoryKind::get;
        op.item[0] = static_cast<std::uint8_t>(pick(0, kGroupSize - 1));
        op.invoke = clock.fetch_add(1);
        auto r = e.get({}, group[op.item[0]]);
        op.ret = clock.fetch_add(1);
        op.code = r.status().code();
        if (r.ok()) record_level(op, 0, *r);
      } else if (dice < 93) {
        // Cycle count: read, then compare-and-set on the version read (often stale by then).
        op.kind = HistoryKind::set_on_hand;
        op.item[0] = static_cast<std::uint8_t>(pick(0, kGroupSize - 1));
        auto seen = e.get({}, group[op.item[0]]);
        REQUIRE(seen.ok());
        op.has_expected = pick(0, 3) != 0;
        op.expected_version = static_cast<std::uint64_t>(seen->version);
        op.value = seen->on_hand.value() + pick(-2, 6);
        const std::optional<Version> expected =
            op.has_expected ? std::optional<Version>(seen->version) : std::nullopt;
        op.invoke = clock.fetch_add(1);
        auto r = e.set_on_hand({}, {.item = group[op.item[0]],
                                    .on_hand = Quantity{op.value},
                                    .expected_version = expected});
        op.ret = clock.fetch_add(1);
        op.code = r.status().code();
        if (r.ok()) record_level(op, 0, *r);
      } else {
        op.kind = HistoryKind::transfer;
        const int from = pick(0, kGroupSize - 1);
        op.item[0] = static_cast<std::uint8_t>(from);
        op.item[1] = static_cast<std::uint8_t>((from + pick(1, kGroupSize - 1)) % kGroupSize);
        op.quantity[0] = pick(1, 4);
        op.line_count = 2;
        op.invoke = clock.fetch_add(1);
        auto r = e.transfer({}, {.from = group[op.item[0]],
                                 .to = group[op.item[1]],
                                 .quantity = Quantity{op.quantity[0]}});
        op.ret = clock.fetch_add(1);
        op.code = r.status().code();
        if (r.ok()) {
          record_level(op, 0, r->from);
          record_level(op, 1, r->to);
        }
      }
      history.push_back(op);
    }
  }
};

}  // namespace

TEST_SUITE("stress") {
  TEST_CASE("concurrent histories of every stock operation are linearizable") {
    const std::uint64_t seed = env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t total = env_or("INVENTORY_STRESS_OPS", kDefaultOps);
    Fixture f;
    const std::uint64_t per_thread = total / Fixture::kThreads;
    std::vector<std::vector<HistoryOp>> histories(Fixture::kThreads);
    const auto start = std::chrono::steady_clock::now();
    {
      std::vector<std::thread> threads;
      for (std::uint32_t t = 0; t < Fixture::kThreads; ++t) {
        threads.emplace_back([&, t] { f.run_thread(t, per_thread, seed, histories[t]); });
      }
      for (auto& t : threads) t.join();
    }
    const double run_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(f.engine->check_invariants().ok());

    // Partition by group and check each.
    std::vector<std::vector<HistoryOp>> partitions(Fixture::kGroups);
    std::uint64_t recorded = 0;
    for (const auto& h : histories) {
      for (const HistoryOp& op : h) partitions[op.group].push_back(op);
      recorded += h.size();
    }
    const auto check_start = std::chrono::steady_clock::now();
    std::uint64_t checked = 0;
    std::uint64_t states = 0;
    std::uint64_t violations = 0;
    for (int g = 0; g < Fixture::kGroups; ++g) {
      const testing::CheckResult r =
          testing::check_partition(partitions[g], f.initial[g], Fixture::kThreads);
      checked += r.operations;
      states += r.states_visited;
      if (!r.linearizable) {
        ++violations;
        FAIL_CHECK("group " << g << " is not linearizable: " << r.detail);
      }
    }
    const double check_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - check_start).count();
    std::printf(
        "linearizability: seed %llu, %d threads, %d items in %d partitions, %llu ops recorded, "
        "%llu ops checked (100%%), %llu states, %llu violations; run %.1f s, check %.1f s\n",
        static_cast<unsigned long long>(seed), Fixture::kThreads, Fixture::kGroups * kGroupSize,
        Fixture::kGroups, static_cast<unsigned long long>(recorded),
        static_cast<unsigned long long>(checked), static_cast<unsigned long long>(states),
        static_cast<unsigned long long>(violations), run_seconds, check_seconds);
    CHECK(checked == recorded);
    CHECK(violations == 0);
  }
}

}  // namespace inventory
