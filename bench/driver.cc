// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "driver.h"

namespace inventory_bench {

ThreadState::ThreadState(const RunConfig& config, int thread)
    : slots(static_cast<std::size_t>(config.in_flight)),
      rng(config.seed * 0x100000001B3ull + static_cast<std::uint64_t>(thread) + 1) {
  if (config.ops > 0) {
    const auto threads = static_cast<std::uint64_t>(config.threads);
    budget = config.ops / threads + (static_cast<std::uint64_t>(thread) < config.ops % threads);
    budget = budget > 0 ? budget : 1;
  }
  // Restocks of different slots start at different places in the catalog.
  for (Slot& slot : slots) slot.restock_next = rng.below(1u << 20);
}

std::int64_t ThreadState::held_units() const {
  std::int64_t units = 0;
  for (const Slot& slot : slots) {
    if (slot.hold.active) units += static_cast<std::int64_t>(slot.hold.lines) * slot.hold.quantity;
  }
  return units;
}

void finish_run(const Workload& workload, const std::vector<ThreadState>& states, double seconds,
                const FinalState& state, RunResult* result) {
  Tally tally;
  Histogram histogram;
  std::int64_t held = 0;
  for (const ThreadState& s : states) {
    tally.add(s.tally);
    histogram.merge(s.histogram);
    held += s.held_units();
  }
  result->workload = workload.kind();
  result->ops = tally.ops;
  result->seconds = seconds;
  result->ops_per_sec = seconds > 0 ? static_cast<double>(tally.ops) / seconds : 0;
  result->p50_us = histogram.percentile_us(0.50);
  result->p99_us = histogram.percentile_us(0.99);
  result->p999_us = histogram.percentile_us(0.999);
  check_run(workload, tally, held, state, result);
}

}  // namespace inventory_bench
