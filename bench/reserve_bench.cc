// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Core operation costs, in memory (Durability::none), through the public Engine API.
//
// Expected, on one core of a ~2.5 GHz x86-64 (our 2-core CI machine), and why:
//   reserve_release_spread/1 thread   >= 10 M pairs/s: per pair two 16-byte CAS on the item
//     (~5 ns each), a free-list pop and push (~2 ns each), two reservation-word CAS, validation
//     and two clock reads; the slot and record stay hot in L1/L2 for a 100,000-item catalog.
//   reserve_release_hot/2 threads     >= 5 M reserves/s: both cores CAS one cache line; a
//     contended CAS tops out near 23 M/s on these machines, each reserve+release pair needs 2.
//   reserve_cart_3_lines              >= 1 M/s: three lock bits taken in slot order, three
//     unlocks, one record with three lines; the release takes the locks again.
//   confirm                           about the cost of a release plus the on_hand update.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "inventory/engine.h"

namespace {

using namespace inventory;

constexpr std::uint32_t kCatalog = 100'000;

struct Shop {
  std::unique_ptr<Engine> engine;
  ItemId hot{};
  std::vector<ItemId> items;

  Shop() {
    Options options;
    options.durability = Durability::none;
    options.expiry_interval = std::chrono::milliseconds(0);
    options.limits.items_max = kCatalog + 16;
    options.limits.reservations_max = 1u << 20;
    engine = Engine::open(options, "").value();
    (void)engine->upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}});
    hot = add("hot", 0);
    (void)engine->set_on_hand({}, {.item = hot, .on_hand = Quantity{Quantity::kMax / 2}});
    items.reserve(kCatalog);
    for (std::uint32_t i = 0; i < kCatalog; ++i)
      items.push_back(add("p" + std::to_string(i), 1'000'000));
  }

  ItemId add(const std::string& product, std::int64_t on_hand) {
    (void)engine->upsert_product({}, {.product = {.id = product, .sku = product, .name = product}});
    const ItemId id =
        engine->upsert_item({}, {.product_id = product, .location_id = "wh"})->level.item;
    (void)engine->adjust({}, {.item = id, .delta = Quantity{on_hand}, .force = true});
    return id;
  }
};

Shop& shop() {
  static Shop instance;  // Built once, before any timed region (thread-safe static).
  return instance;
}

void report_error(benchmark::State& state, const Status& status) {
  state.SkipWithError(status.to_string().c_str());
}

void reserve_release_hot(benchmark::State& state) {
  Engine& e = *shop().engine;
  const ItemId hot = shop().hot;
  for (auto _ : state) {
    auto hold = e.reserve({}, ReserveRequest{.item = hot, .quantity = Quantity{1}});
    if (!hold.ok()) return report_error(state, hold.status());
    if (Status s = e.release({}, *hold); !s.ok()) return report_error(state, s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("reserve+release pairs");
}
BENCHMARK(reserve_release_hot)->Threads(1)->Threads(2)->UseRealTime();

void reserve_release_spread(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 1);
  for (auto _ : state) {
    const ItemId item = items[rng() % kCatalog];
    auto hold = e.reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}});
    if (!hold.ok()) return report_error(state, hold.status());
    if (Status s = e.release({}, *hold); !s.ok()) return report_error(state, s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("reserve+release pairs, 100k items");
}
BENCHMARK(reserve_release_spread)->Threads(1)->Threads(2)->UseRealTime();

// Item indexes drawn from Zipf(0.99) over the catalog (a few items take most of the traffic,
// as in a real shop), precomputed so the sampling cost stays out of the timed loop.
const std::vector<std::uint32_t>& zipf_sequence() {
  static const std::vector<std::uint32_t> sequence = [] {
    std::vector<double> cdf(kCatalog);
    double sum = 0;
    for (std::uint32_t i = 0; i < kCatalog; ++i) cdf[i] = sum += 1.0 / std::pow(i + 1.0, 0.99);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0, sum);
    std::vector<std::uint32_t> out(1u << 20);
    for (auto& x : out) {
      x = static_cast<std::uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) -
                                     cdf.begin());
    }
    // Spread the hot ranks over the catalog, so hot items are not neighbours in memory.
    for (auto& x : out) x = static_cast<std::uint32_t>((std::uint64_t{x} * 7919) % kCatalog);
    return out;
  }();
  return sequence;
}

void reserve_release_zipf(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  const std::vector<std::uint32_t>& picks = zipf_sequence();
  std::size_t next = static_cast<std::size_t>(state.thread_index()) * 4099;
  for (auto _ : state) {
    const ItemId item = items[picks[next++ & (picks.size() - 1)]];
    auto hold = e.reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}});
    if (!hold.ok()) return report_error(state, hold.status());
    if (Status s = e.release({}, *hold); !s.ok()) return report_error(state, s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("reserve+release pairs, 100k items, Zipf 0.99");
}
BENCHMARK(reserve_release_zipf)->Threads(1)->Threads(2)->UseRealTime();

void reserve_cart_3_lines(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 7);
  for (auto _ : state) {
    const std::size_t at = rng() % (kCatalog - 3);
    const ReserveLine cart[] = {
        {items[at], Quantity{1}}, {items[at + 1], Quantity{2}}, {items[at + 2], Quantity{1}}};
    auto hold = e.reserve({}, ReserveLinesRequest{.lines = cart});
    if (!hold.ok()) return report_error(state, hold.status());
    if (Status s = e.release({}, *hold); !s.ok()) return report_error(state, s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("3-line cart reserve+release");
}
BENCHMARK(reserve_cart_3_lines)->Threads(1)->Threads(2)->UseRealTime();

// Confirm alone: each iteration holds 1,000 units (untimed), then times their confirms.
void confirm(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 11);
  std::vector<ReservationId> holds(1000);
  std::vector<ItemId> restock(1000);
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < holds.size(); ++i) {
      restock[i] = items[rng() % kCatalog];
      holds[i] = e.reserve({}, ReserveRequest{.item = restock[i], .quantity = Quantity{1}}).value();
    }
    state.ResumeTiming();
    for (ReservationId hold : holds) {
      if (Status s = e.confirm({}, hold); !s.ok()) return report_error(state, s);
    }
    state.PauseTiming();
    for (ItemId item : restock) (void)e.adjust({}, {.item = item, .delta = Quantity{1}});
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(holds.size()));
  state.SetLabel("confirms");
}
BENCHMARK(confirm)->UseRealTime();

void reserve_confirm_spread(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 13);
  for (auto _ : state) {
    const ItemId item = items[rng() % kCatalog];
    auto hold = e.reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}});
    if (!hold.ok()) return report_error(state, hold.status());
    if (Status s = e.confirm({}, *hold); !s.ok()) return report_error(state, s);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("reserve+confirm pairs");
}
BENCHMARK(reserve_confirm_spread)->Threads(1)->Threads(2)->UseRealTime();

void adjust_spread(benchmark::State& state) {
  Engine& e = *shop().engine;
  const std::vector<ItemId>& items = shop().items;
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 17);
  for (auto _ : state) {
    auto level = e.adjust({}, {.item = items[rng() % kCatalog], .delta = Quantity{1}});
    benchmark::DoNotOptimize(level);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(adjust_spread)->Threads(1)->Threads(2)->UseRealTime();

void get_hot(benchmark::State& state) {
  Engine& e = *shop().engine;
  for (auto _ : state) {
    auto level = e.get({}, shop().hot);
    benchmark::DoNotOptimize(level);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(get_hot)->Threads(1)->Threads(2)->UseRealTime();

// The machine, not the engine: a dependent random walk over `range(0)` MiB, one 64-byte line
// per step. It shows how much of the catalog's slot array (64 bytes per item) can stay in
// cache: the spread benchmarks above touch 6.4 MiB of slots.
void machine_pointer_chase(benchmark::State& state) {
  const std::size_t lines = static_cast<std::size_t>(state.range(0)) * (1u << 20) / 64;
  std::vector<std::uint64_t> memory(lines * 8);
  std::vector<std::uint32_t> order(lines);
  for (std::uint32_t i = 0; i < lines; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(1));
  for (std::size_t i = 0; i < lines; ++i) memory[order[i] * 8] = order[(i + 1) % lines];
  std::uint64_t at = order[0];
  for (auto _ : state) {
    at = memory[at * 8];
    benchmark::DoNotOptimize(at);
  }
  state.SetLabel("ns per dependent load");
}
BENCHMARK(machine_pointer_chase)->Arg(1)->Arg(4)->Arg(8)->Arg(64);

}  // namespace

BENCHMARK_MAIN();
