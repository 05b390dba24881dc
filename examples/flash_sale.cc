// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// flash_sale: N threads race for stock, the way a flash sale hits a shop.
//
//   1. Hot SKU: one product with --stock units; every thread reserves 1-2 units (sometimes as a
//      cart with a second product) and confirms, until it is sold out.
//   2. Spread catalog: --items items; every thread reserves 1-3 units of random items (a fifth
//      as 3-line carts) for --seconds, confirming 80 % and releasing 20 %.
//
// It then checks what must hold: sold == stock, oversold == 0, on_hand conserved, and the
// engine's invariants (reserved == sum of active holds, available >= -backorder_limit), and
// prints throughput. Exit status 0 only if every check passed.
//
//   flash_sale [--threads N] [--stock N] [--items N] [--seconds S]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "inventory/engine.h"

namespace {

using namespace inventory;
using SteadyClock = std::chrono::steady_clock;

struct Args {
  int threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency() * 2));
  std::int64_t stock = 1'000'000;
  std::uint32_t items = 100'000;
  double seconds = 2.0;
};

bool parse(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    auto value = [&](const char* name) -> const char* {
      if (std::strcmp(argv[i], name) != 0 || i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    if (const char* v = value("--threads")) {
      args->threads = std::atoi(v);
    } else if (const char* v2 = value("--stock")) {
      args->stock = std::atoll(v2);
    } else if (const char* v3 = value("--items")) {
      args->items = static_cast<std::uint32_t>(std::atoll(v3));
    } else if (const char* v4 = value("--seconds")) {
      args->seconds = std::atof(v4);
    } else {
      std::fprintf(stderr,
                   "usage: flash_sale [--threads N] [--stock N] [--items N] [--seconds S]\n");
      return false;
    }
  }
  if (args->threads < 1 || args->stock < 1 || args->items < 3 || args->seconds <= 0) {
    std::fprintf(stderr,
                 "flash_sale: --threads, --stock, --seconds must be positive, --items >= 3\n");
    return false;
  }
  return true;
}

template <typename F>
double run_threads(int count, F&& body) {
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < count; ++t) threads.emplace_back([&, t] { body(t); });
  for (auto& thread : threads) thread.join();
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

ItemId make_item(Engine& engine, const std::string& product, std::int64_t on_hand) {
  const Status p =
      engine
          .upsert_product({},
                          {.product = {.id = product, .sku = "SKU-" + product, .name = product}})
          .status();
  if (!p.ok()) std::fprintf(stderr, "%s\n", p.to_string().c_str());
  auto item = engine.upsert_item({}, {.product_id = product, .location_id = "wh"});
  if (on_hand > 0) (void)engine.adjust({}, {.item = item->level.item, .delta = Quantity{on_hand}});
  return item->level.item;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, &args)) return 2;
  Options options;
  options.durability = Durability::none;
  options.limits.items_max = args.items + 16;
  options.limits.reservations_max = 1u << 20;
  auto opened = Engine::open(options, "");
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  (void)engine.upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}});
  bool all_good = true;

  // ---- 1. Hot SKU ----
  const ItemId hot = make_item(engine, "hot", args.stock);
  const ItemId gift = make_item(engine, "gift", args.stock * 2);
  std::atomic<std::int64_t> sold{0};
  std::atomic<std::int64_t> rejected{0};
  std::atomic<std::int64_t> attempts{0};
  const double hot_seconds = run_threads(args.threads, [&](int thread) {
    std::minstd_rand rng(static_cast<unsigned>(thread) + 1);
    std::int64_t my_attempts = 0;
    for (;;) {
      const std::int64_t want = 1 + static_cast<std::int64_t>(rng() % 2);
      ++my_attempts;
      Result<ReservationId> hold = ReservationId{};
      if (rng() % 8 == 0) {
        const ReserveLine cart[] = {{hot, Quantity{want}}, {gift, Quantity{1}}};
        hold = engine.reserve({}, ReserveLinesRequest{.lines = cart, .reference = "cart"});
      } else {
        hold = engine.reserve({}, ReserveRequest{.item = hot, .quantity = Quantity{want}});
      }
      if (hold.ok()) {
        if (engine.confirm({}, *hold).ok()) sold.fetch_add(want, std::memory_order_relaxed);
        continue;
      }
      rejected.fetch_add(1, std::memory_order_relaxed);
      if (engine.get({}, hot)->available() == Quantity{0}) break;
    }
    attempts.fetch_add(my_attempts, std::memory_order_relaxed);
  });
  const StockLevel hot_after = *engine.get({}, hot);
  const std::int64_t oversold_hot = std::max<std::int64_t>(0, sold.load() - args.stock);
  std::printf(
      "hot SKU: %d threads, stock %lld: sold %lld, rejected %lld, oversold %lld, "
      "on_hand %lld; %.0f reserve+confirm attempts/s\n",
      args.threads, static_cast<long long>(args.stock), static_cast<long long>(sold.load()),
      static_cast<long long>(rejected.load()), static_cast<long long>(oversold_hot),
      static_cast<long long>(hot_after.on_hand.value()),
      static_cast<double>(attempts.load()) / hot_seconds);
  all_good &= sold.load() == args.stock && hot_after.on_hand == Quantity{0} && oversold_hot == 0;

  // ---- 2. Spread catalog ----
  std::vector<ItemId> items;
  items.reserve(args.items);
  constexpr std::int64_t kPerItem = 1000;
  for (std::uint32_t i = 0; i < args.items; ++i) {
    items.push_back(make_item(engine, "p" + std::to_string(i), kPerItem));
  }
  std::atomic<std::int64_t> ops{0};
  std::atomic<std::int64_t> confirmed_units{0};
  std::atomic<std::int64_t> short_of_stock{0};
  const auto deadline = SteadyClock::now() + std::chrono::duration<double>(args.seconds);
  const double spread_seconds = run_threads(args.threads, [&](int thread) {
    std::minstd_rand rng(static_cast<unsigned>(thread) * 7919 + 3);
    std::int64_t my_ops = 0;
    std::int64_t my_units = 0;
    while (SteadyClock::now() < deadline) {
      ReserveLine lines[3];
      const std::size_t count = rng() % 5 == 0 ? 3 : 1;
      for (std::size_t k = 0; k < count; ++k) {
        // Distinct items: consecutive indexes from a random start.
        const std::size_t at = (rng() % (items.size() - 2)) + k;
        lines[k] = {items[at], Quantity{1 + static_cast<std::int64_t>(rng() % 3)}};
      }
      auto hold = engine.reserve({}, ReserveLinesRequest{.lines = {lines, count}});
      ++my_ops;
      if (!hold.ok()) {
        short_of_stock.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (rng() % 5 != 0) {
        if (engine.confirm({}, *hold).ok()) {
          for (std::size_t k = 0; k < count; ++k) my_units += lines[k].quantity.value();
        }
      } else {
        (void)engine.release({}, *hold);
      }
      ++my_ops;
    }
    ops.fetch_add(my_ops, std::memory_order_relaxed);
    confirmed_units.fetch_add(my_units, std::memory_order_relaxed);
  });
  std::int64_t on_hand = 0;
  std::int64_t oversold_items = 0;
  for (ItemId item : items) {
    const StockLevel level = *engine.get({}, item);
    on_hand += level.on_hand.value();
    oversold_items += level.available() < Quantity{0};
  }
  const std::int64_t expected_on_hand =
      kPerItem * static_cast<std::int64_t>(items.size()) - confirmed_units.load();
  std::printf(
      "spread catalog: %d threads, %zu items, %.1f s: %.0f ops/s (reserve, confirm, "
      "release), %lld units sold, %lld short of stock, oversold items %lld, on_hand "
      "%s\n",
      args.threads, items.size(), spread_seconds, static_cast<double>(ops.load()) / spread_seconds,
      static_cast<long long>(confirmed_units.load()), static_cast<long long>(short_of_stock.load()),
      static_cast<long long>(oversold_items),
      on_hand == expected_on_hand ? "conserved" : "NOT CONSERVED");
  all_good &= oversold_items == 0 && on_hand == expected_on_hand;

  const Status invariants = engine.check_invariants();
  std::printf("invariant checks: %s\n",
              invariants.ok() ? "passed" : invariants.to_string().c_str());
  all_good &= invariants.ok();
  std::printf("oversold: %lld\n", static_cast<long long>(oversold_hot + oversold_items));
  std::printf("result: %s\n", all_good ? "ok" : "FAILED");
  return all_good ? 0 : 1;
}
