// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// recovery_bench: how fast a crashed engine opens again. A child process creates --items items,
// takes a checkpoint, then journals --records adjustments (buffered, from 2 threads), syncs and
// waits; the parent kills it with SIGKILL (no final checkpoint) and times Engine::open, which
// loads the checkpoint and replays every record after it. Reports records replayed per second.
//
// Expected: replay is decode + CRC + one slot install per item change, about 0.3 us a record on
// one core, so several million records/s; loading the checkpoint is about 1 s per few million
// items. A second, clean open of the same state (checkpoint only) separates the two costs.
//
//   recovery_bench [--items N] [--records N] [--dir DIR]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "inventory/engine.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace inventory;
using SteadyClock = std::chrono::steady_clock;

Options bench_options(std::uint32_t items) {
  Options options;
  options.durability = Durability::buffered;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.checkpoint_records = 0;
  options.checkpoint_interval = std::chrono::hours(24);
  options.limits.items_max = items + 16;
  options.limits.products_max = items + 16;
  return options;
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

[[noreturn]] void child(const std::string& dir, std::uint32_t items, std::uint64_t records,
                        int ready_fd) {
  auto opened = Engine::open(bench_options(items), dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "child open: %s\n", opened.status().to_string().c_str());
    std::_Exit(1);
  }
  Engine& engine = **opened;
  auto start = SteadyClock::now();
  (void)engine.upsert_location({}, {.location = {.id = "wh", .name = "Warehouse"}});
  std::vector<ItemId> ids(items);
  for (std::uint32_t i = 0; i < items; ++i) {
    const std::string id = "p" + std::to_string(i);
    (void)engine.upsert_product({}, {.product = {.id = id, .sku = id, .name = id}});
    ids[i] = engine.upsert_item({}, {.product_id = id, .location_id = "wh"})->level.item;
  }
  if (!engine.checkpoint().ok()) std::_Exit(2);
  std::fprintf(stderr, "child: %u items created and checkpointed in %.1f s\n", items,
               seconds_since(start));
  start = SteadyClock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      std::minstd_rand rng(static_cast<unsigned>(t) + 1);
      for (std::uint64_t n = 0; n < records / 2; ++n) {
        (void)engine.adjust({}, {.item = ids[rng() % items], .delta = Quantity{1}});
      }
    });
  }
  for (auto& w : writers) w.join();
  if (!engine.sync().ok()) std::_Exit(3);
  std::fprintf(stderr, "child: %llu records journaled in %.1f s\n",
               static_cast<unsigned long long>(records), seconds_since(start));
  const char ok = 'R';
  (void)::write(ready_fd, &ok, 1);
  for (;;) ::pause();  // Until killed.
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t items = 1'000'000;
  std::uint64_t records = 10'000'000;
  std::string dir = "/tmp/inventory-recovery-bench";
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? argv[++i] : ""; };
    if (!std::strcmp(argv[i], "--items")) {
      items = static_cast<std::uint32_t>(std::atoll(next()));
    } else if (!std::strcmp(argv[i], "--records")) {
      records = std::strtoull(next(), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--dir")) {
      dir = next();
    } else {
      std::fprintf(stderr, "usage: recovery_bench [--items N] [--records N] [--dir DIR]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    child(dir, items, records, fds[1]);
  }
  ::close(fds[1]);
  char ready = 0;
  if (::read(fds[0], &ready, 1) != 1 || ready != 'R') {
    std::fprintf(stderr, "the child failed\n");
    return 1;
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);

  const auto start = SteadyClock::now();
  auto verified = Engine::verify(bench_options(items), dir);  // Read-only: the same recovery.
  const double verify_seconds = seconds_since(start);
  if (!verified.ok()) {
    std::fprintf(stderr, "verify: %s\n", verified.status().to_string().c_str());
    return 1;
  }
  const auto open_start = SteadyClock::now();
  auto opened = Engine::open(bench_options(items), dir);
  const double open_seconds = seconds_since(open_start);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  opened->reset();  // A clean close: takes a checkpoint of everything.
  // The same state with nothing to replay: what loading the checkpoint alone costs, so that
  // the replay rate can be told apart from it.
  const auto again_start = SteadyClock::now();
  auto again = Engine::open(bench_options(items), dir);
  const double checkpoint_seconds = seconds_since(again_start);
  if (!again.ok()) {
    std::fprintf(stderr, "reopen: %s\n", again.status().to_string().c_str());
    return 1;
  }
  again->reset();
  const double replay_seconds = std::max(open_seconds - checkpoint_seconds, 1e-9);
  const auto replayed = static_cast<double>(verified->records_replayed);
  std::printf(
      "recovery: %u items, %llu records replayed after the checkpoint at sequence %llu: open "
      "%.2f s (verify %.2f s); the same state from a checkpoint alone opens in %.2f s, so "
      "replay took %.2f s: %.2f M records/s replayed (%.2f M/s over the whole open)\n",
      items, static_cast<unsigned long long>(verified->records_replayed),
      static_cast<unsigned long long>(verified->checkpoint_sequence), open_seconds, verify_seconds,
      checkpoint_seconds, replay_seconds, replayed / replay_seconds / 1e6,
      replayed / open_seconds / 1e6);
  std::printf(
      "{\"items\": %u, \"records_replayed\": %llu, \"open_seconds\": %.3f, "
      "\"checkpoint_open_seconds\": %.3f, \"replay_records_per_sec\": %.0f}\n",
      items, static_cast<unsigned long long>(verified->records_replayed), open_seconds,
      checkpoint_seconds, replayed / replay_seconds);
  std::filesystem::remove_all(dir);
  return 0;
}
