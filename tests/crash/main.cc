// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// crash_tests: doctest, plus the child modes the kill -9 tests run in a separate process:
//   crash_tests --crash-child DIR SEED ACTIVE_FILE
// The child opens the engine on DIR and runs the workload forever, printing each operation to
// stdout before it starts ("I ...") and after it returns ("A ..."), until it is killed.
//   crash_tests --feed-child DIR SEED LOGFILE RESTART RATE CURSOR_BEFORE_WRITE
// The feed kill test's child (feed_kill_test.cc): opens the engine on DIR, creates its catalog
// on the first run, appends a restart marker to LOGFILE, subscribes the logging consumer
// (feed_log.h) with the durable cursor, prints "R", and runs writers on two threads forever,
// making at most about RATE operations per second (0: as fast as the consumer keeps up).
#define DOCTEST_CONFIG_IMPLEMENT
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "crash/feed_log.h"
#include "crash/workload.h"
#include <fcntl.h>

namespace inventory::testing {

int crash_child(const char* dir, std::uint64_t seed, const char* active_file) {
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 500;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  auto opened = Engine::open(options, dir);
  if (!opened.ok()) {
    std::printf("E %s\n", opened.status().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  const std::optional<CrashCatalog> found = CrashCatalog::find(engine);
  if (!found) {
    std::printf("E the catalog is missing\n");
    return 1;
  }
  const CrashCatalog& catalog = *found;
  std::vector<std::uint64_t> active;
  std::ifstream in(active_file);
  for (std::uint64_t id; in >> id;) active.push_back(id);
  Workload workload(seed, catalog);
  std::printf("R\n");
  std::fflush(stdout);
  for (;;) {
    WorkOp op = workload.next(active);
    std::printf("I %s\n", op.encode().c_str());
    std::fflush(stdout);
    workload.run(engine, op);
    std::printf("A %s\n", op.encode().c_str());
    std::fflush(stdout);
    if (op.code != StatusCode::ok) continue;
    if (op.kind == WorkOp::reserve1 || op.kind == WorkOp::reserve2) active.push_back(op.reserved);
    if (op.kind == WorkOp::confirm || op.kind == WorkOp::release) {
      std::erase(active, op.reservation);
    }
  }
}

// ---- The feed kill test's child ----

namespace {

constexpr int kFeedProducts = 32;
constexpr int kFeedLocations = 2;

// The 64 items (product-major: item k is product k / 2 at location k % 2), created and stocked
// when missing. Safe to repeat after a kill part-way through: upserts replace.
std::optional<std::vector<ItemId>> feed_catalog(Engine& engine) {
  std::vector<ItemId> items;
  auto product = [](int p) { return "fp" + std::to_string(p); };
  auto location = [](int l) { return "fl" + std::to_string(l); };
  for (int p = 0; p < kFeedProducts; ++p) {
    for (int l = 0; l < kFeedLocations; ++l) {
      auto id = engine.find_item({}, product(p), location(l));
      if (!id.ok()) break;
      items.push_back(*id);
    }
  }
  if (items.size() == kFeedProducts * kFeedLocations) return items;
  items.clear();
  for (int l = 0; l < kFeedLocations; ++l) {
    if (!engine.upsert_location({}, {.location = {.id = location(l), .name = "L"}}).ok()) {
      return std::nullopt;
    }
  }
  for (int p = 0; p < kFeedProducts; ++p) {
    const auto upserted = engine.upsert_product(
        {}, {.product = {.id = product(p), .sku = "fsku" + std::to_string(p), .name = "P"}});
    if (!upserted.ok()) return std::nullopt;
    for (int l = 0; l < kFeedLocations; ++l) {
      const bool existed = engine.find_item({}, product(p), location(l)).ok();
      auto info = engine.upsert_item({}, {.product_id = product(p),
                                          .location_id = location(l),
                                          .policy = {.low_stock_threshold = 5}});
      if (!info.ok()) return std::nullopt;
      if (!existed && !engine.adjust({}, {.item = info->level.item, .delta = Quantity{40}}).ok()) {
        return std::nullopt;
      }
      items.push_back(info->level.item);
    }
  }
  return items;
}

// One writer: random adjust / reserve / multi-line reserve / confirm / release / transfer,
// forever. Waits while the consumer is more than kMaxLag events behind (so that the kills land
// while it is delivering, and the final catch-up stays short) and while the writers are ahead of
// `rate` operations per second (about as many events: so that the log stays a size the parent
// can check; the head itself moves only every flush_interval, too late to pace by).
struct FeedPace {
  std::chrono::steady_clock::time_point start;
  std::uint64_t rate = 0;  // Operations per second; 0: no limit.
  std::atomic<std::uint64_t> operations{0};
  bool ahead() const {
    if (rate == 0) return false;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return static_cast<double>(operations.load(std::memory_order_relaxed)) >
           1000.0 + seconds * static_cast<double>(rate);
  }
};

[[noreturn]] void feed_writer(Engine& engine, const Subscription& subscription,
                              const std::vector<ItemId>& items, std::uint64_t seed,
                              std::vector<ReservationId> active, FeedPace& pace) {
  constexpr std::uint64_t kMaxLag = 20'000;
  std::mt19937_64 rng(seed);
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int n = static_cast<int>(items.size());
  for (std::uint64_t op = 0;; ++op) {
    if (op % 16 == 0) {
      pace.operations.fetch_add(16, std::memory_order_relaxed);
      for (;;) {
        auto page = engine.changes_since(std::numeric_limits<std::uint64_t>::max(), 1);
        if (!page.ok()) break;
        if (page->head <= subscription.cursor() + kMaxLag && !pace.ahead()) break;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    }
    int dice = pick(0, 99);
    if (active.size() > 400 && dice < 55) dice = 55 + pick(0, 34);  // Finish some.
    if (active.empty() && dice >= 55 && dice < 90) dice = pick(0, 54);
    const std::size_t a = static_cast<std::size_t>(pick(0, n - 1));
    if (dice < 22) {
      int delta = pick(-3, 8);
      if (delta == 0) delta = 1;
      (void)engine.adjust({}, {.item = items[a], .delta = Quantity{delta}});
    } else if (dice < 45) {
      auto r =
          engine.reserve({}, ReserveRequest{.item = items[a], .quantity = Quantity{pick(1, 3)}});
      if (r.ok()) active.push_back(*r);
    } else if (dice < 55) {
      std::vector<ReserveLine> lines{{items[a], Quantity{pick(1, 2)}}};
      const int count = pick(2, 3);
      for (int k = 1; k < count; ++k) {
        const ItemId b = items[(a + static_cast<std::size_t>(k * pick(1, n / 3))) % items.size()];
        if (std::none_of(lines.begin(), lines.end(), [&](const auto& l) { return l.item == b; })) {
          lines.push_back({b, Quantity{pick(1, 2)}});
        }
      }
      auto r = engine.reserve({}, ReserveLinesRequest{.lines = lines});
      if (r.ok()) active.push_back(*r);
    } else if (dice < 90) {
      const std::size_t k = static_cast<std::size_t>(pick(0, static_cast<int>(active.size()) - 1));
      const ReservationId id = active[k];
      active[k] = active.back();
      active.pop_back();
      if (dice < 72) {
        (void)engine.confirm({}, id);
      } else {
        (void)engine.release({}, id);
      }
    } else {
      const std::size_t b = a ^ 1;  // The same product at the other location.
      (void)engine.transfer({},
                            {.from = items[a], .to = items[b], .quantity = Quantity{pick(1, 3)}});
    }
  }
}

}  // namespace

int feed_child(const char* dir, std::uint64_t seed, const char* log_file, std::uint64_t restart,
               std::uint64_t rate, bool cursor_before_write) {
  auto opened = Engine::open(feed_kill_options(), dir);
  if (!opened.ok()) {
    std::printf("E %s\n", opened.status().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  const std::optional<std::vector<ItemId>> items = feed_catalog(engine);
  if (!items) {
    std::printf("E cannot create the catalog\n");
    return 1;
  }
  // Reservations left active by earlier runs: finish them too, or they pile up.
  std::set<std::uint64_t> left;
  for (ItemId item : *items) {
    auto explanation = engine.explain(item);
    if (!explanation.ok()) continue;
    for (const Hold& hold : explanation->holds)
      left.insert(static_cast<std::uint64_t>(hold.reservation));
  }
  std::vector<ReservationId> active[2];
  for (std::uint64_t id : left) active[id % 2].push_back(ReservationId{id});

  const int fd = ::open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::printf("E cannot open %s\n", log_file);
    return 1;
  }
  const FeedRecord marker = FeedRecord::marker(restart);
  feed_write_all(fd, &marker, sizeof(marker));
  feed_sync(fd);
  auto observer =
      std::make_shared<FeedLogObserver>(fd, cursor_before_write, std::chrono::milliseconds(3));
  // after = 0: the first run gets every event from the start; later runs resume after the
  // stored cursor, which takes precedence.
  auto subscription =
      engine.subscribe(observer, {.after = 0, .cursor = kFeedCursor, .max_batch = kFeedMaxBatch});
  if (!subscription.ok()) {
    std::printf("E subscribe: %s\n", subscription.status().to_string().c_str());
    return 1;
  }
  FeedPace pace;
  pace.start = std::chrono::steady_clock::now();
  pace.rate = rate;
  std::printf("R\n");
  std::fflush(stdout);
  std::thread second(
      [&] { feed_writer(engine, **subscription, *items, seed + 1, active[1], pace); });
  feed_writer(engine, **subscription, *items, seed, active[0], pace);
}

}  // namespace inventory::testing

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--crash-child") == 0) {
    return inventory::testing::crash_child(argv[2], std::strtoull(argv[3], nullptr, 10), argv[4]);
  }
  if (argc == 8 && std::strcmp(argv[1], "--feed-child") == 0) {
    return inventory::testing::feed_child(
        argv[2], std::strtoull(argv[3], nullptr, 10), argv[4], std::strtoull(argv[5], nullptr, 10),
        std::strtoull(argv[6], nullptr, 10), std::strcmp(argv[7], "1") == 0);
  }
  doctest::Context context(argc, argv);
  return context.run();
}
