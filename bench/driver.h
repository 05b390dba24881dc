// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// What both backends of inventory-bench share: the run's settings, the per-thread state, the
// stop rule, the thread start, and the two entry points.
//
// Thread safety: RunConfig is a value; a ThreadState belongs to one thread until it is joined.

#ifndef INVENTORY_BENCH_DRIVER_H_
#define INVENTORY_BENCH_DRIVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "workload.h"

namespace inventory_bench {

using SteadyClock = std::chrono::steady_clock;

struct RunConfig {
  int threads = 2;
  int in_flight = 1;
  DurabilityKind durability = DurabilityKind::sync;
  double seconds = 2.0;
  std::uint64_t ops = 0;  // > 0: stop after this many operations in all (instead of seconds).
  std::uint64_t seed = 1;
  std::string dir;  // Data directory; the backend makes and removes its own subdirectory.
};

struct ThreadState {
  ThreadState(const RunConfig& config, int thread);
  Tally tally;
  Histogram histogram;
  std::vector<Slot> slots;
  Rng rng;
  std::uint64_t issued = 0;
  std::uint64_t budget = 0;  // Operations this thread may issue (with RunConfig::ops).
  SteadyClock::time_point deadline;

  // Whether the thread should stop issuing at `now`: time is up or its share of the operations
  // is spent. (The caller passes the clock reading it takes anyway for the latency.)
  bool stop(SteadyClock::time_point now) const {
    return budget > 0 ? issued >= budget : now >= deadline;
  }
  // Units the thread's slots hold at the end of the run.
  std::int64_t held_units() const;
};

inline std::uint64_t elapsed_ns(SteadyClock::time_point from, SteadyClock::time_point to) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
  return ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
}

// Runs body(state) on config.threads threads that start together (after every thread has made
// its state), and returns the seconds from the start to the last thread's end.
template <typename Body>
double run_threads(const RunConfig& config, std::vector<ThreadState>& states, Body&& body) {
  states.clear();
  for (int t = 0; t < config.threads; ++t) states.emplace_back(config, t);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < config.threads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1, std::memory_order_acq_rel);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      body(states[static_cast<std::size_t>(t)]);
    });
  }
  while (ready.load(std::memory_order_acquire) < config.threads) std::this_thread::yield();
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(config.seconds));
  for (auto& state : states) state.deadline = deadline;
  go.store(true, std::memory_order_release);  // Publishes the deadlines (pairs with the load).
  for (auto& thread : threads) thread.join();
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Sums the threads' figures into `result` and runs the shared checks.
void finish_run(const Workload& workload, const std::vector<ThreadState>& states, double seconds,
                const FinalState& state, RunResult* result);

// A background thread that calls `sweep` every 100 ms until stopped (expiry of abandoned carts).
class Sweeper {
 public:
  template <typename Sweep>
  explicit Sweeper(bool enabled, Sweep sweep) {
    if (!enabled) return;
    thread_ = std::thread([this, sweep]() mutable {
      while (!stop_.load(std::memory_order_acquire)) {
        sweep();
        for (int i = 0; i < 10 && !stop_.load(std::memory_order_acquire); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }
  ~Sweeper() { stop(); }
  void stop() {
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

RunResult run_inventory(const RunConfig& config, const Workload& workload);
RunResult run_sqlite(const RunConfig& config, const Workload& workload);

}  // namespace inventory_bench

#endif  // INVENTORY_BENCH_DRIVER_H_
