// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: offline sync (offline_sync.h) applies every change a till made offline exactly once,
// merges them by the documented rules (deltas commute; a count is a snapshot at its occurred_at
// with later deltas on top; the latest count wins; oversold sales follow the policy), reports
// every refused change exactly once however often its batch is delivered, and brings the tills
// back to central's levels.
// Method: small scripted cases, one per rule; then a seeded simulation (INVENTORY_SEED replays
// one; INVENTORY_OFFLINE_ROUNDS scales it, 40 rounds by default): 3 tills and a journaled
// central engine, 20 items, tills going offline at random and selling, adjusting and counting
// meanwhile (one till restarting from its log file), batches delivered duplicated, reordered and
// late while a thread reserves, confirms and restocks centrally. At the end every engine must
// agree with a reference model of the merge rules computed from what central reported,
// central's journal must hold exactly one stock change per stock-changing offline change, and
// each conflict must have been reported once and compensated once.

#include "inventory/offline_sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/env.h"
#include "support/temp_dir.h"

namespace inventory {
namespace {

using namespace std::chrono_literals;

constexpr char kStore[] = "store-1";

ItemKey key_of(int i) { return ItemKey{"p-" + std::to_string(i), kStore}; }

// A catalog of `items` products at one store; stock is added by the caller.
std::unique_ptr<Engine> open_engine(const std::string& path, int items) {
  Options options;
  options.durability = path.empty() ? Durability::none : Durability::sync;
  auto engine = Engine::open(options, path);
  REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
  REQUIRE((*engine)->upsert_location({}, {.location = {.id = kStore, .name = "Store"}}).ok());
  for (int i = 0; i < items; ++i) {
    const ItemKey key = key_of(i);
    REQUIRE((*engine)
                ->upsert_product({}, {.product = {.id = key.product_id,
                                                  .sku = "SKU-" + std::to_string(i),
                                                  .name = "Product"}})
                .ok());
    REQUIRE((*engine)->upsert_item({}, {.product_id = key.product_id, .location_id = kStore}).ok());
  }
  return std::move(*engine);
}

ItemId id_of(Engine& engine, const ItemKey& key) {
  return engine.find_item({}, key.product_id, key.location_id).value();
}

std::int64_t on_hand(Engine& engine, const ItemKey& key) {
  return engine.get({}, id_of(engine, key))->on_hand.value();
}

void stock(Engine& engine, const ItemKey& key, std::int64_t units, Timestamp at) {
  REQUIRE(engine
              .adjust({.occurred_at = at},
                      {.item = id_of(engine, key), .delta = Quantity{units}, .reason = "restock"})
              .ok());
}

Timestamp base_time() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) - 10h;
}

ApplyReport apply(OfflineSyncCentral& sync, const ChangeBatch& batch, ApplyPolicy policy = {}) {
  auto report = sync.apply(batch, policy);
  REQUIRE_MESSAGE(report.ok(), report.status().to_string());
  return std::move(*report);
}

// One central engine (journaled) and one till (in memory) with `items` items, `initial` each.
struct Pair {
  testing::TempDir dir{"offline-sync"};
  std::unique_ptr<Engine> central;
  std::unique_ptr<Engine> till_engine;
  Timestamp t0 = base_time();
  Pair(int items, std::int64_t initial) {
    central = open_engine(dir.sub("central"), items);
    till_engine = open_engine("", items);
    for (int i = 0; i < items; ++i) {
      stock(*central, key_of(i), initial, t0 - 1h);
      stock(*till_engine, key_of(i), initial, t0 - 1h);
    }
  }
  Timestamp at(int minutes) const { return t0 + std::chrono::minutes(minutes); }
};

TEST_SUITE("integration/offline_sync") {
  TEST_CASE("offline sync: offline deltas apply once, and a redelivered batch applies nothing") {
    Pair p(1, 10);
    ChangeRecorder till(*p.till_engine, "till-1");
    REQUIRE(till.record_sale(key_of(0), 2, p.at(1)).ok());
    REQUIRE(till.record_adjustment(key_of(0), -1, "broken", p.at(2)).ok());
    REQUIRE(till.record_adjustment(key_of(0), 5, "delivery", p.at(3)).ok());
    CHECK(on_hand(*p.till_engine, key_of(0)) == 12);
    OfflineSyncCentral sync(*p.central);
    const ChangeBatch batch = till.export_changes(0);
    REQUIRE(batch.changes.size() == 3);
    CHECK(batch.changes[2].idempotency_key == "till-1:3");
    const ApplyReport first = apply(sync, batch);
    CHECK(first.applied == 3);
    CHECK(on_hand(*p.central, key_of(0)) == 12);
    const ApplyReport again = apply(sync, batch);
    CHECK(again.applied == 0);
    CHECK(again.duplicates == 3);
    CHECK(on_hand(*p.central, key_of(0)) == 12);
    CHECK(sync.applied_through("till-1") == 3);
    CHECK(till.export_changes(2).changes.size() == 1);

    // A change that does not belong to its batch (or whose key was edited) is refused whole.
    ChangeBatch forged = till.export_changes(0);
    forged.changes[1].idempotency_key = "till-1:99";
    auto refused = sync.apply(forged, {});
    CHECK(refused.status().code() == StatusCode::invalid_argument);
    CHECK(refused.status().index() == 1);
    forged = till.export_changes(0);
    forged.device_id = "till-2";
    CHECK(sync.apply(forged, {}).status().code() == StatusCode::invalid_argument);
    CHECK(sync.apply(till.export_changes(0),
                     {.oversell = OversellPolicy::backorder, .backorder_limit = -1})
              .status()
              .code() == StatusCode::invalid_argument);
    CHECK(on_hand(*p.central, key_of(0)) == 12);

    // A fresh central object (state lost) still applies nothing twice within the engine's
    // idempotency window: the engine replays each key's stored result.
    OfflineSyncCentral amnesiac(*p.central);
    (void)apply(amnesiac, batch);
    CHECK(on_hand(*p.central, key_of(0)) == 12);
  }

  TEST_CASE(
      "offline sync: a count sets the baseline at its occurred_at and later deltas apply on top") {
    Pair p(1, 10);
    ChangeRecorder till(*p.till_engine, "till-1");
    REQUIRE(till.record_count(key_of(0), 6, p.at(20)).ok());  // seq 1
    REQUIRE(till.record_sale(key_of(0), 2, p.at(30)).ok());   // seq 2: after the count
    OfflineSyncCentral sync(*p.central);
    SUBCASE("count first") { apply(sync, till.export_changes(0)); }
    SUBCASE("sale first (reordered)") {
      ChangeBatch sale = till.export_changes(1);
      ChangeBatch count = till.export_changes(0);
      count.changes.pop_back();
      apply(sync, sale);
      CHECK(on_hand(*p.central, key_of(0)) == 8);
      apply(sync, count);
    }
    CHECK(on_hand(*p.central, key_of(0)) == 4);  // 6 counted, then 2 sold.
    CHECK(on_hand(*p.till_engine, key_of(0)) == 4);
  }

  TEST_CASE("offline sync: a delta from before the count's occurred_at is absorbed by the count") {
    Pair p(1, 10);
    ChangeRecorder till_a(*p.till_engine, "till-a");
    auto till_b_engine = open_engine("", 1);
    stock(*till_b_engine, key_of(0), 10, p.t0 - 1h);
    ChangeRecorder till_b(*till_b_engine, "till-b");
    REQUIRE(till_a.record_count(key_of(0), 7, p.at(20)).ok());  // Saw till b's sale already.
    REQUIRE(till_b.record_sale(key_of(0), 3, p.at(10)).ok());
    OfflineSyncCentral sync(*p.central);
    SUBCASE("count arrives first") {
      apply(sync, till_a.export_changes(0));
      const ApplyReport report = apply(sync, till_b.export_changes(0));
      CHECK(report.results[0].status == ChangeStatus::applied);
      CHECK(report.results[0].message == "absorbed by a later count");
    }
    SUBCASE("sale arrives first") {
      apply(sync, till_b.export_changes(0));
      CHECK(on_hand(*p.central, key_of(0)) == 7);
      apply(sync, till_a.export_changes(0));
    }
    CHECK(on_hand(*p.central, key_of(0)) == 7);
  }

  TEST_CASE("offline sync: counts of one item from two devices: the latest occurred_at wins") {
    Pair p(1, 10);
    auto other = open_engine("", 1);
    ChangeRecorder till_a(*p.till_engine, "till-a");
    ChangeRecorder till_b(*other, "till-b");
    REQUIRE(till_a.record_count(key_of(0), 7, p.at(20)).ok());
    REQUIRE(till_b.record_count(key_of(0), 4, p.at(30)).ok());
    REQUIRE(till_a.record_sale(key_of(0), 1, p.at(40)).ok());
    OfflineSyncCentral sync(*p.central);
    SUBCASE("older count first") {
      apply(sync, till_a.export_changes(0));
      apply(sync, till_b.export_changes(0));
    }
    SUBCASE("newer count first") {
      apply(sync, till_b.export_changes(0));
      const ApplyReport report = apply(sync, till_a.export_changes(0));
      CHECK(report.results[0].message == "superseded by a later count");
    }
    CHECK(on_hand(*p.central, key_of(0)) == 3);
  }

  TEST_CASE("offline sync: central changes after the count stay on top of it") {
    Pair p(1, 10);
    const ItemId item = id_of(*p.central, key_of(0));
    auto hold = p.central->reserve({}, {.item = item, .quantity = Quantity{2}});
    REQUIRE(hold.ok());
    REQUIRE(p.central->confirm({}, *hold).ok());  // Now: after the till's count.
    ChangeRecorder till(*p.till_engine, "till-1");
    REQUIRE(till.record_count(key_of(0), 9, p.at(20)).ok());
    OfflineSyncCentral sync(*p.central);
    apply(sync, till.export_changes(0));
    CHECK(on_hand(*p.central, key_of(0)) == 7);
  }

  TEST_CASE(
      "offline sync: an oversold sale: reject refuses it, backorder takes it within the limit") {
    Pair p(1, 1);
    ChangeRecorder till(*p.till_engine, "till-1");
    REQUIRE(till.record_sale(key_of(0), 3, p.at(1)).ok());
    OfflineSyncCentral sync(*p.central);
    const ChangeBatch batch = till.export_changes(0);
    SUBCASE("reject") {
      const ApplyReport report = apply(sync, batch, {.oversell = OversellPolicy::reject});
      REQUIRE(report.conflicts.size() == 1);
      CHECK(report.conflicts[0].idempotency_key == "till-1:1");
      CHECK(report.conflicts[0].code == StatusCode::insufficient_stock);
      CHECK(on_hand(*p.central, key_of(0)) == 1);
      REQUIRE(till.acknowledge(report).ok());
      CHECK(till.compensated() == 1);
      CHECK(on_hand(*p.till_engine, key_of(0)) == 1);  // -2 + 3 put back.
      // Redelivered: reported as a duplicate carrying the conflict, never as a new conflict, and
      // the till does not put the units back twice.
      const ApplyReport again =
          apply(sync, batch, {.oversell = OversellPolicy::backorder, .backorder_limit = 100});
      CHECK(again.conflicts.empty());
      CHECK(again.results[0].status == ChangeStatus::duplicate);
      CHECK(again.results[0].conflict.has_value());
      REQUIRE(till.acknowledge(again).ok());
      CHECK(till.compensated() == 1);
      CHECK(on_hand(*p.till_engine, key_of(0)) == 1);
      CHECK(sync.conflicts().size() == 1);
    }
    SUBCASE("backorder within the limit") {
      const ApplyReport report =
          apply(sync, batch, {.oversell = OversellPolicy::backorder, .backorder_limit = 2});
      CHECK(report.conflicts.empty());
      CHECK(report.results[0].message == "backordered");
      CHECK(on_hand(*p.central, key_of(0)) == -2);
      CHECK(apply(sync, batch, {.oversell = OversellPolicy::backorder, .backorder_limit = 2})
                .duplicates == 1);
      CHECK(on_hand(*p.central, key_of(0)) == -2);
    }
    SUBCASE("backorder beyond the limit") {
      const ApplyReport report =
          apply(sync, batch, {.oversell = OversellPolicy::backorder, .backorder_limit = 1});
      CHECK(report.conflicts.size() == 1);
      CHECK(on_hand(*p.central, key_of(0)) == 1);
    }
  }

  TEST_CASE("offline sync: the sync state survives save and load, past the idempotency window") {
    // Central's keys live 1 minute here; the sync state keeps redeliveries harmless after that.
    testing::TempDir dir("offline-window");
    auto clock = std::make_shared<ManualClock>(
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    Options options;
    options.durability = Durability::sync;
    options.clock = clock;
    options.limits.idempotency_window = std::chrono::minutes(1);
    auto opened = Engine::open(options, dir.sub("central"));
    REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
    std::unique_ptr<Engine> central = std::move(*opened);
    REQUIRE(central->upsert_location({}, {.location = {.id = kStore, .name = "Store"}}).ok());
    REQUIRE(central->upsert_product({}, {.product = {.id = "p-0", .sku = "S0", .name = "P"}}).ok());
    REQUIRE(central->upsert_item({}, {.product_id = "p-0", .location_id = kStore}).ok());
    const Timestamp t0 = base_time();
    stock(*central, key_of(0), 10, t0 - 1h);
    auto till_engine = open_engine("", 1);
    stock(*till_engine, key_of(0), 10, t0 - 1h);
    ChangeRecorder till(*till_engine, "till-1");
    REQUIRE(till.record_sale(key_of(0), 1, t0 + 1min).ok());
    REQUIRE(till.record_sale(key_of(0), 20, t0 + 2min).ok());  // Refused.
    REQUIRE(till.record_sale(key_of(0), 1, t0 + 3min).ok());

    OfflineSyncCentral sync(*central);
    apply(sync, till.export_changes(2));  // Sequence 3 before 1 and 2.
    CHECK(sync.applied_through("till-1") == 0);
    const ApplyReport report = apply(sync, till.export_changes(0));
    CHECK(report.conflicts.size() == 1);
    CHECK(sync.applied_through("till-1") == 3);
    CHECK(on_hand(*central, key_of(0)) == 8);

    clock->advance(std::chrono::minutes(2));  // The engine forgets the keys.
    OfflineSyncCentral restored(*central);
    REQUIRE(restored.load(sync.save()).ok());
    CHECK(restored.save() == sync.save());
    CHECK(restored.applied_through("till-1") == 3);
    const ApplyReport again = apply(restored, till.export_changes(0));
    CHECK(again.duplicates == 3);
    CHECK(again.conflicts.empty());
    CHECK(again.results[1].conflict.has_value());
    CHECK(on_hand(*central, key_of(0)) == 8);

    SUBCASE("without the state, the keys alone no longer protect") {
      OfflineSyncCentral amnesiac(*central);
      const ApplyReport replayed = apply(amnesiac, till.export_changes(0));
      CHECK(replayed.applied == 2);
      CHECK(on_hand(*central, key_of(0)) == 6);
    }
    CHECK(restored.load("nonsense").code() == StatusCode::corruption);
    CHECK(restored.applied_through("till-1") == 3);  // A failed load changes nothing.
  }

  TEST_CASE("offline sync: a till's log file keeps its sequence, unsent changes and answers") {
    Pair p(2, 10);
    const std::string log = p.dir.sub("till-1.log");
    OfflineSyncCentral sync(*p.central);
    {
      auto till = ChangeRecorder::open(*p.till_engine, "till-1", log);
      REQUIRE_MESSAGE(till.ok(), till.status().to_string());
      REQUIRE((*till)->record_sale(key_of(0), 1, p.at(1)).ok());
      REQUIRE((*till)->record_sale(key_of(1), 50, p.at(2)).ok());  // Refused centrally.
      // Fails on the till after it was logged: voided, and its sequence is used again.
      CHECK((*till)->record_adjustment(key_of(0), 2'000'000'000, "typo", p.at(3)).status().code() ==
            StatusCode::invalid_argument);
      CHECK((*till)->record_sale({"p-9", kStore}, 1, p.at(3)).status().code() ==
            StatusCode::not_found);
      REQUIRE((*till)->record_adjustment(key_of(0), 4, "delivery", p.at(4)).ok());
      CHECK((*till)->last_sequence() == 3);
      const ApplyReport report = apply(sync, (*till)->export_changes(0));
      REQUIRE(report.conflicts.size() == 1);
      ApplyReport first_two = report;
      first_two.results.pop_back();
      REQUIRE((*till)->acknowledge(first_two).ok());
      CHECK((*till)->compensated() == 1);
    }
    CHECK(on_hand(*p.till_engine, key_of(0)) == 13);
    CHECK(on_hand(*p.till_engine, key_of(1)) == 10);
    {
      // Reopened on the same (living) till engine: everything comes back, nothing is applied.
      auto till = ChangeRecorder::open(*p.till_engine, "till-1", log);
      REQUIRE_MESSAGE(till.ok(), till.status().to_string());
      CHECK((*till)->last_sequence() == 3);
      CHECK((*till)->compensated() == 1);
      const ChangeBatch pending = (*till)->pending_changes();
      REQUIRE(pending.changes.size() == 1);
      CHECK(pending.changes[0].local_sequence == 3);
      CHECK(pending.changes[0].quantity == 4);
      CHECK(pending.changes[0].reason == "delivery");
      CHECK(on_hand(*p.till_engine, key_of(0)) == 13);
      REQUIRE((*till)->record_sale(key_of(0), 1, p.at(5)).ok());
      CHECK((*till)->export_changes(3).changes.at(0).idempotency_key == "till-1:4");
      const ApplyReport report = apply(sync, (*till)->export_changes(0));
      CHECK(report.applied == 1);
      CHECK(report.duplicates == 3);
      REQUIRE((*till)->acknowledge(report).ok());
      CHECK((*till)->compensated() == 1);
      CHECK((*till)->pending_changes().changes.empty());
    }
    {
      // A torn last record (power loss during an append) is dropped.
      std::FILE* f = std::fopen(log.c_str(), "ab");
      REQUIRE(f != nullptr);
      std::fputs("71:1:C1:5", f);
      std::fclose(f);
      auto till = ChangeRecorder::open(*p.till_engine, "till-1", log);
      REQUIRE_MESSAGE(till.ok(), till.status().to_string());
      CHECK((*till)->last_sequence() == 4);
      REQUIRE((*till)->record_sale(key_of(1), 1, p.at(6)).ok());
    }
    {
      auto till = ChangeRecorder::open(*p.till_engine, "till-1", log);
      REQUIRE_MESSAGE(till.ok(), till.status().to_string());
      CHECK((*till)->last_sequence() == 5);
      CHECK((*till)->pending_changes().changes.size() == 1);
    }
    {
      // A crash between the log and the till: the logged change is the file's last record. The
      // reopened recorder applies it to the till (once: again is a replay of its key).
      auto field = [](const std::string& v) { return std::to_string(v.size()) + ":" + v; };
      const std::string fields = field("C") + field("6") +
                                 field(std::to_string(p.at(7).time_since_epoch().count())) +
                                 field("1") + field("p-0") + field(kStore) + field("2") +
                                 field("offline sale") + field("0");
      std::FILE* f = std::fopen(log.c_str(), "ab");
      REQUIRE(f != nullptr);
      std::fputs((field(fields) + "\n").c_str(), f);
      std::fclose(f);
      const std::int64_t before = on_hand(*p.till_engine, key_of(0));
      for (int reopen = 0; reopen < 2; ++reopen) {
        auto till = ChangeRecorder::open(*p.till_engine, "till-1", log);
        REQUIRE_MESSAGE(till.ok(), till.status().to_string());
        CHECK((*till)->last_sequence() == 6);
        CHECK(on_hand(*p.till_engine, key_of(0)) == before - 2);
        CHECK((*till)->pending_changes().changes.size() == 2);
      }
    }
    CHECK(ChangeRecorder::open(*p.till_engine, "till-2", log).status().code() ==
          StatusCode::corruption);
    CHECK(on_hand(*p.central, key_of(0)) == 12);  // 10 - 1 + 4 - 1
    CHECK(on_hand(*p.central, key_of(1)) == 10);
  }

  // ---- The simulation ----

  struct Delivery {
    int device = 0;
    ChangeBatch batch;
  };

  // What central decided for each offline change, from the first report that named it.
  struct Decision {
    ChangeStatus status = ChangeStatus::applied;
    std::string message;
  };

  TEST_CASE("offline sync: simulation of tills, reordered and duplicated batches, central load") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", 20261127);
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
    auto uniform = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    constexpr int kItems = 20;
    constexpr int kTills = 3;
    const int rounds = static_cast<int>(testing::env_or("INVENTORY_OFFLINE_ROUNDS", 40));

    testing::TempDir dir("offline-sim");
    auto central = open_engine(dir.sub("central"), kItems);
    const Timestamp t0 = base_time();
    std::vector<std::int64_t> initial(kItems);
    for (int i = 0; i < kItems; ++i) {
      initial[i] = uniform(8, 30);
      stock(*central, key_of(i), initial[i], t0 - 1h);
    }
    std::vector<std::unique_ptr<Engine>> till_engines;
    std::vector<std::unique_ptr<ChangeRecorder>> tills;
    std::vector<std::uint64_t> cursors(kTills, 0), exported(kTills, 0);
    std::vector<bool> online(kTills, true);
    for (int d = 0; d < kTills; ++d) {
      till_engines.push_back(open_engine("", kItems));
      if (d == 0) {  // Till 0 keeps its log in a file and restarts now and then.
        auto till = ChangeRecorder::open(*till_engines[d], "till-0", dir.sub("till-0.log"));
        REQUIRE_MESSAGE(till.ok(), till.status().to_string());
        tills.push_back(std::move(*till));
      } else {
        tills.push_back(
            std::make_unique<ChangeRecorder>(*till_engines[d], "till-" + std::to_string(d)));
      }
      auto cursor = tills[d]->catch_up(*central, 0);
      REQUIRE_MESSAGE(cursor.ok(), cursor.status().to_string());
      cursors[d] = *cursor;
    }
    for (int i = 0; i < kItems; ++i) CHECK(on_hand(*till_engines[0], key_of(i)) == initial[i]);

    // Central load: reserve 1 unit and confirm or release it; restock now and then.
    std::atomic<bool> stop{false};
    std::mutex central_mutex;
    std::vector<std::int64_t> central_deltas(kItems, 0);  // Guarded by central_mutex.
    std::atomic<int> central_ops{0};
    std::atomic<int> central_failures{0};
    std::thread shop_thread([&] {
      std::mt19937_64 r(seed + 1);
      while (!stop.load(std::memory_order_relaxed)) {
        const int i = static_cast<int>(r() % kItems);
        const ItemId item = id_of(*central, key_of(i));
        if (r() % 10 == 0) {
          if (central->adjust({}, {.item = item, .delta = Quantity{5}, .reason = "restock"}).ok()) {
            const std::lock_guard lock(central_mutex);
            central_deltas[i] += 5;
          }
        } else if (auto hold = central->reserve({}, {.item = item, .quantity = Quantity{1}});
                   hold.ok()) {
          if (r() % 3 != 0) {
            if (!central->confirm({}, *hold).ok()) {
              central_failures.fetch_add(1);
            } else {
              const std::lock_guard lock(central_mutex);
              central_deltas[i] -= 1;
            }
          } else if (!central->release({}, *hold).ok()) {
            central_failures.fetch_add(1);
          }
        }
        central_ops.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::yield();
      }
    });
    struct Joiner {  // Stops the load thread also when a REQUIRE throws.
      std::atomic<bool>& stop;
      std::thread& thread;
      ~Joiner() {
        stop = true;
        if (thread.joinable()) thread.join();
      }
    } joiner{stop, shop_thread};

    OfflineSyncCentral sync(*central);
    std::vector<std::vector<ChangeBatch>> queued(kTills);  // Exported, not delivered yet.
    std::vector<Delivery> delivered;                       // For late redeliveries.
    std::map<std::string, Decision> decisions;
    std::map<std::string, int> conflicts_reported;
    int deliveries = 0, duplicates = 0, reordered = 0, absorbed = 0;
    std::int64_t tick = 0;

    auto deliver = [&](int d, const ChangeBatch& batch) {
      const ApplyPolicy policy =
          chance(0.7) ? ApplyPolicy{.oversell = OversellPolicy::reject}
                      : ApplyPolicy{.oversell = OversellPolicy::backorder, .backorder_limit = 3};
      const ApplyReport report = apply(sync, batch, policy);
      ++deliveries;
      REQUIRE(report.results.size() == batch.changes.size());
      for (const ChangeResult& r : report.results) {
        if (r.status == ChangeStatus::duplicate) {
          ++duplicates;
          REQUIRE_MESSAGE(decisions.contains(r.idempotency_key), r.idempotency_key);
          continue;
        }
        REQUIRE_MESSAGE(!decisions.contains(r.idempotency_key),
                        "decided twice: ", r.idempotency_key);
        decisions[r.idempotency_key] = {r.status, r.message};
        if (r.message.find("absorbed") != std::string::npos ||
            r.message.find("superseded") != std::string::npos) {
          ++absorbed;
        }
      }
      for (const Conflict& c : report.conflicts) ++conflicts_reported[c.idempotency_key];
      REQUIRE(tills[d]->acknowledge(report).ok());
      delivered.push_back({d, batch});
    };
    auto flush = [&](int d) {
      std::vector<ChangeBatch>& q = queued[d];
      for (std::size_t k = 0; k < q.size(); ++k) {
        if (k + 1 < q.size() && chance(0.3)) {  // Batch k+1 overtakes batch k.
          std::swap(q[k], q[k + 1]);
          ++reordered;
        }
        deliver(d, q[k]);
        if (chance(0.2)) deliver(d, q[k]);  // Delivered twice.
      }
      q.clear();
      if (!delivered.empty() && chance(0.3)) {  // A stale batch shows up much later.
        const Delivery& old = delivered[static_cast<std::size_t>(
            uniform(0, static_cast<std::int64_t>(delivered.size()) - 1))];
        const Delivery copy = old;
        deliver(copy.device, copy.batch);
      }
      auto cursor = tills[d]->catch_up(*central, cursors[d]);
      REQUIRE_MESSAGE(cursor.ok(), cursor.status().to_string());
      cursors[d] = *cursor;
    };

    int recorded = 0, restarts = 0;
    for (int round = 0; round < rounds; ++round) {
      if (chance(0.2)) {  // Till 0's process restarts: its recorder comes back from the file.
        tills[0].reset();
        auto till = ChangeRecorder::open(*till_engines[0], "till-0", dir.sub("till-0.log"));
        REQUIRE_MESSAGE(till.ok(), till.status().to_string());
        tills[0] = std::move(*till);
        ++restarts;
      }
      for (int d = 0; d < kTills; ++d) {
        if (chance(0.3)) online[d] = !online[d];
        ChangeRecorder& till = *tills[d];
        const int actions = static_cast<int>(uniform(1, 5));
        for (int a = 0; a < actions; ++a) {
          const ItemKey key = key_of(static_cast<int>(uniform(0, kItems - 1)));
          // Times are distinct across devices, so no two counts tie.
          const Timestamp at = t0 + std::chrono::milliseconds(++tick * 10 + d);
          const int what = static_cast<int>(uniform(0, 19));
          Result<StockLevel> result = Status::from_static(StatusCode::not_found, "unset");
          if (what < 15) {
            result = till.record_sale(key, uniform(1, 3), at);
          } else if (what < 18) {
            std::int64_t delta = uniform(-3, 6);
            if (delta == 0) delta = 1;
            result = till.record_adjustment(key, delta, delta > 0 ? "delivery" : "damaged", at);
          } else {
            const std::int64_t local = on_hand(*till_engines[d], key);
            result = till.record_count(key, std::max<std::int64_t>(0, local + uniform(-2, 2)), at);
          }
          REQUIRE_MESSAGE(result.ok(), result.status().to_string());
          ++recorded;
        }
        // Cut what was recorded into a batch, to be delivered once the till is online.
        ChangeBatch batch = till.export_changes(exported[d]);
        if (!batch.changes.empty()) {
          exported[d] = batch.changes.back().local_sequence;
          queued[d].push_back(std::move(batch));
        }
        if (online[d]) flush(d);
      }
      // Keep central's load running alongside: at least 5 central operations per round.
      for (int wait = 0; wait < 2000 && central_ops.load() < 5 * (round + 1); ++wait) {
        std::this_thread::sleep_for(1ms);
      }
    }
    // Everyone reconnects.
    for (int d = 0; d < kTills; ++d) flush(d);
    stop = true;
    shop_thread.join();
    CHECK(central_failures.load() == 0);
    for (int d = 0; d < kTills; ++d) {
      // Everything was delivered and acknowledged: nothing is pending; one more catch-up sees the
      // central load that ran after the till's last one.
      CHECK(tills[d]->pending_changes().changes.empty());
      CHECK(sync.applied_through(tills[d]->device_id()) == tills[d]->last_sequence());
      auto cursor = tills[d]->catch_up(*central, cursors[d]);
      REQUIRE(cursor.ok());
    }

    // The reference model: per item, the latest applied count (else the initial stock), plus the
    // applied offline deltas after it, plus central's own changes (all later than any till's).
    std::vector<std::optional<std::pair<Timestamp, std::int64_t>>> latest_count(kItems);
    std::vector<std::vector<std::pair<Timestamp, std::int64_t>>> deltas(kItems);
    std::map<int, int> sale_conflicts_by_device;
    std::set<std::string> stock_changing_keys;
    for (int d = 0; d < kTills; ++d) {
      for (const OfflineChange& c : tills[d]->export_changes(0).changes) {
        REQUIRE_MESSAGE(decisions.contains(c.idempotency_key), c.idempotency_key);
        const Decision& decision = decisions[c.idempotency_key];
        const int i = std::stoi(c.item.product_id.substr(2));
        if (decision.status == ChangeStatus::conflict) {
          CHECK(c.kind == OfflineChangeKind::sale);
          ++sale_conflicts_by_device[d];
          continue;
        }
        REQUIRE(decision.status == ChangeStatus::applied);
        if (c.kind == OfflineChangeKind::count) {
          if (!latest_count[i] || latest_count[i]->first < c.occurred_at) {
            latest_count[i] = std::pair{c.occurred_at, c.quantity};
          }
        } else {
          deltas[i].emplace_back(c.occurred_at,
                                 c.kind == OfflineChangeKind::sale ? -c.quantity : c.quantity);
        }
        if (decision.message.find("absorbed") == std::string::npos &&
            decision.message.find("superseded") == std::string::npos &&
            decision.message != "count matches") {
          stock_changing_keys.insert(c.idempotency_key);
        }
      }
    }
    for (int i = 0; i < kItems; ++i) {
      std::int64_t expected = latest_count[i] ? latest_count[i]->second : initial[i];
      for (const auto& [at, delta] : deltas[i]) {
        if (!latest_count[i] || at > latest_count[i]->first) expected += delta;
      }
      expected += central_deltas[i];
      CAPTURE(i);
      const StockLevel level = central->get({}, id_of(*central, key_of(i))).value();
      CHECK(level.on_hand.value() == expected);
      CHECK(level.reserved.value() == 0);
      for (int d = 0; d < kTills; ++d) CHECK(on_hand(*till_engines[d], key_of(i)) == expected);
    }
    REQUIRE(central->check_invariants().ok());

    // Nothing applied twice: central's journal holds one stock change per stock-changing key.
    std::map<std::string, int> changes_by_key;
    for (std::uint64_t after = 0;;) {
      auto page = central->changes_since(after, 1000);
      REQUIRE_MESSAGE(page.ok(), page.status().to_string());
      for (const Event& e : page->events) {
        if (e.type == EventType::stock_adjusted && e.reference.starts_with("till-")) {
          ++changes_by_key[e.reference];
        }
      }
      if (page->next_after == after || page->next_after >= page->head) break;
      after = page->next_after;
    }
    int applied_twice = 0;
    for (const auto& [key, n] : changes_by_key) {
      if (n != 1) ++applied_twice;
      CHECK_MESSAGE(stock_changing_keys.contains(key), key);
    }
    CHECK(applied_twice == 0);
    CHECK(changes_by_key.size() == stock_changing_keys.size());

    // Every conflict reported exactly once, and compensated once on its till.
    int total_conflicts = 0;
    for (const auto& [key, n] : conflicts_reported) {
      CHECK_MESSAGE(n == 1, key);
      ++total_conflicts;
    }
    CHECK(sync.conflicts().size() == conflicts_reported.size());
    for (int d = 0; d < kTills; ++d) {
      CHECK(tills[d]->compensated() == static_cast<std::uint64_t>(sale_conflicts_by_device[d]));
    }

    std::printf(
        "offline sync: seed %llu, %d tills, %d items, %d rounds, %d changes recorded, %d till "
        "restarts, %d deliveries (%d duplicate results, %d reorders), %zu stock changes, %d "
        "absorbed by counts, %d conflicts, %d central ops, applied twice: %d\n",
        static_cast<unsigned long long>(seed), kTills, kItems, rounds, recorded, restarts,
        deliveries, duplicates, reordered, changes_by_key.size(), absorbed, total_conflicts,
        central_ops.load(), applied_twice);
  }
}

}  // namespace
}  // namespace inventory
