// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// feed_bench: the change feed's delivery rate and latency.
//
//   1. delivery: one writer adjusts stock as fast as it can (buffered durability) for --seconds
//      while 0, 1 or 8 observers consume from the moment they subscribed; reports the writer's
//      changes/s and the events/s each observer received until it caught up with the head.
//   2. backlog: one observer subscribed at sequence 0 reads everything written in (1) from the
//      journal (the in-memory ring holds only the newest --buffer events).
//   3. lag: a paced writer issues --rate changes/s with sync durability through the completion
//      form; each change carries its number in request_id, its acknowledgement time is noted in
//      the completion callback, and the observer measures acknowledgement -> on_events (p50,
//      p99, p999).
//
//   feed_bench [--seconds S] [--rate N] [--dir DIR] [--buffer N]

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "inventory/engine.h"

namespace {

using namespace inventory;
using SteadyClock = std::chrono::steady_clock;

struct Args {
  double seconds = 2.0;
  std::uint64_t rate = 100'000;
  std::uint64_t buffer = 65536;
  std::string dir = "/tmp/inventory-feed-bench";
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

struct Counting : Observer {
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> last{0};
  std::atomic<std::int64_t> caught_up_ns{0};
  std::uint64_t checksum = 0;
  void on_events(std::span<const Event> batch) override {
    for (const Event& e : batch) checksum += e.after.on_hand.value() + e.sequence;
    events.fetch_add(batch.size(), std::memory_order_relaxed);
    last.store(batch.back().sequence, std::memory_order_release);
    caught_up_ns.store(now_ns(), std::memory_order_release);
  }
};

std::unique_ptr<Engine> open_engine(const Args& args, const std::string& name,
                                    std::vector<ItemId>* items, std::uint32_t item_count) {
  const std::string dir = args.dir + "/" + name;
  std::filesystem::remove_all(dir);
  Options options;
  options.durability = Durability::buffered;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.feed_buffer_events = args.buffer;
  options.checkpoint_records = 0;
  auto engine = Engine::open(options, dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), engine.status().to_string().c_str());
    std::exit(1);
  }
  Engine& e = **engine;
  (void)e.upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}});
  for (std::uint32_t i = 0; i < item_count; ++i) {
    const std::string id = "p" + std::to_string(i);
    (void)e.upsert_product({}, {.product = {.id = id, .sku = id, .name = id}});
    items->push_back(e.upsert_item({}, {.product_id = id, .location_id = "wh"})->level.item);
    (void)e.adjust({}, {.item = items->back(), .delta = Quantity{1'000'000}});
  }
  (void)e.sync();
  return std::move(engine).value();
}

void wait_for(const std::vector<std::shared_ptr<Counting>>& observers, std::uint64_t head) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  for (const auto& o : observers) {
    while (o->last.load(std::memory_order_acquire) < head && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

void delivery(const Args& args, int observer_count) {
  std::vector<ItemId> items;
  auto engine = open_engine(args, "delivery-" + std::to_string(observer_count), &items, 1000);
  std::vector<std::shared_ptr<Counting>> observers;
  std::vector<std::unique_ptr<Subscription>> subscriptions;
  for (int i = 0; i < observer_count; ++i) {
    observers.push_back(std::make_shared<Counting>());
    subscriptions.push_back(engine->subscribe(observers.back()).value());
  }
  const std::uint64_t first = engine->metrics().durable_sequence;
  const std::int64_t start = now_ns();
  const auto end = SteadyClock::now() + std::chrono::duration<double>(args.seconds);
  std::uint64_t changes = 0;
  for (std::uint64_t i = 0; SteadyClock::now() < end; ++i) {
    for (int k = 0; k < 64; ++k, ++changes) {
      const ItemId item = items[(i * 64 + static_cast<std::uint64_t>(k)) % items.size()];
      (void)engine->adjust({}, {.item = item, .delta = Quantity{(k & 1) != 0 ? 1 : -1}});
    }
  }
  const double write_s = static_cast<double>(now_ns() - start) / 1e9;
  (void)engine->sync();
  const std::uint64_t head = engine->metrics().durable_sequence;
  wait_for(observers, head);
  double slowest = 0;
  for (const auto& o : observers) {
    slowest = std::max(slowest, static_cast<double>(o->caught_up_ns.load() - start) / 1e9);
  }
  const double events = static_cast<double>(head - first);
  std::printf(
      "delivery: %d observers, %.0f changes/s written (buffered), %.0f events; each observer "
      "received them at %.0f events/s (all %d: %.0f events/s), caught up %.3f s after the "
      "writer stopped\n",
      observer_count, static_cast<double>(changes) / write_s, events,
      observer_count > 0 ? events / slowest : 0.0, observer_count,
      observer_count > 0 ? events * observer_count / slowest : 0.0,
      observer_count > 0 ? slowest - write_s : 0.0);
  if (observer_count == 1) {
    // The backlog: everything from sequence 0, mostly from the journal.
    auto backlog = std::make_shared<Counting>();
    const std::int64_t t0 = now_ns();
    auto sub = engine->subscribe(backlog, {.after = 0, .max_batch = 1000}).value();
    wait_for({backlog}, head);
    const double s = static_cast<double>(backlog->caught_up_ns.load() - t0) / 1e9;
    std::printf("backlog: %llu events read from sequence 0 (ring holds %llu) at %.0f events/s\n",
                static_cast<unsigned long long>(head), static_cast<unsigned long long>(args.buffer),
                static_cast<double>(head) / s);
  }
}

struct Ack : WriteCallback {
  std::atomic<std::int64_t>* slot = nullptr;
  void on_durable(const Status& status) noexcept override {
    if (status.ok()) slot->store(now_ns(), std::memory_order_release);
  }
};

struct LagObserver : Observer {
  std::vector<std::atomic<std::int64_t>>* acks = nullptr;
  std::vector<double> lags_us;
  std::atomic<std::uint64_t> seen{0};
  std::uint64_t early = 0;  // Events delivered before their acknowledgement was noted.
  void on_events(std::span<const Event> batch) override {
    const std::int64_t now = now_ns();
    for (const Event& e : batch) {
      std::uint64_t n = 0;
      const auto* b = e.request_id.data();
      if (std::from_chars(b, b + e.request_id.size(), n).ec != std::errc() || n >= acks->size()) {
        continue;
      }
      const std::int64_t acked = (*acks)[n].load(std::memory_order_acquire);
      if (acked == 0) {
        // Published before the caller's completion ran (the feed is updated first, so that a
        // caller reading the feed after its call returns sees its change): no lag.
        ++early;
        lags_us.push_back(0);
        continue;
      }
      lags_us.push_back(static_cast<double>(now - acked) / 1e3);
    }
    seen.fetch_add(batch.size(), std::memory_order_release);
  }
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void lag(const Args& args) {
  std::vector<ItemId> items;
  auto engine = open_engine(args, "lag", &items, 1000);
  const auto total = static_cast<std::size_t>(static_cast<double>(args.rate) * args.seconds);
  std::vector<std::atomic<std::int64_t>> acks(total);
  std::vector<Ack> callbacks(total);
  auto observer = std::make_shared<LagObserver>();
  observer->acks = &acks;
  observer->lags_us.reserve(total);
  auto sub = engine->subscribe(observer).value();
  const std::uint64_t first = engine->metrics().durable_sequence;
  const std::int64_t start = now_ns();
  char id[24];
  for (std::size_t i = 0; i < total; ++i) {
    // Pace: change i is due at start + i / rate.
    const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 /
                                                       static_cast<double>(args.rate));
    while (now_ns() < due) {
    }
    callbacks[i].slot = &acks[i];
    const auto len = std::to_chars(id, id + sizeof(id), i).ptr - id;
    WriteOptions wo{.durability = Durability::sync,
                    .request_id = std::string_view(id, static_cast<std::size_t>(len)),
                    .on_durable = &callbacks[i]};
    (void)engine->adjust(wo, {.item = items[i % items.size()], .delta = Quantity{1}});
  }
  const double issue_s = static_cast<double>(now_ns() - start) / 1e9;
  (void)engine->sync();
  const std::uint64_t head = engine->metrics().durable_sequence;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (observer->seen.load() < head - first && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const Metrics m = engine->metrics();  // Before cancel: the observer is listed while live.
  sub->cancel();
  std::vector<double>& v = observer->lags_us;
  double published_p50 = 0, published_p99 = 0;
  if (!m.observers.empty()) {
    published_p50 = m.observers[0].lag.quantile(0.5) * 1e6;
    published_p99 = m.observers[0].lag.quantile(0.99) * 1e6;
  }
  const double sync_p50 = m.journal_sync.quantile(0.5) * 1e6;
  std::printf(
      "lag: %.0f changes/s issued (sync, completion form, target %llu/s), %zu measured: "
      "acknowledgement -> on_events p50 %.0f us, p99 %.0f us, p999 %.0f us, max %.0f us "
      "(%llu delivered before their ack was noted, counted as 0; journal group write+fsync p50 "
      "%.0f us; published -> on_events per batch, engine metrics: p50 %.0f us, p99 %.0f us)\n",
      static_cast<double>(total) / issue_s, static_cast<unsigned long long>(args.rate), v.size(),
      percentile(v, 0.5), percentile(v, 0.99), percentile(v, 0.999),
      v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()),
      static_cast<unsigned long long>(observer->early), sync_p50, published_p50, published_p99);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seconds") {
      args.seconds = std::atof(next().c_str());
    } else if (a == "--rate") {
      args.rate = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--dir") {
      args.dir = next();
    } else if (a == "--buffer") {
      args.buffer = std::strtoull(next().c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: feed_bench [--seconds S] [--rate N] [--dir DIR] [--buffer N]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(args.dir);
  for (int observers : {0, 1, 8}) delivery(args, observers);
  lag(args);
  std::filesystem::remove_all(args.dir);
  return 0;
}
