// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// A point-in-time snapshot of the engine's metrics, as plain values, and its rendering in the
// Prometheus text exposition format. The snapshot is a copy: it does not change after it is
// taken and may be kept, copied and read from any thread.
//
// Thread safety: the structs are plain values (const methods may be called concurrently; others
// need external synchronization); to_prometheus is a pure function of its argument.

#ifndef INVENTORY_METRICS_H_
#define INVENTORY_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "inventory/export.h"

namespace inventory {

// Latency distribution with fixed log-scale buckets.
struct LatencyHistogram {
  // Ascending bucket upper bounds (the last bucket, +Inf, is implicit).
  std::vector<double> upper_bounds_seconds;
  // Per bucket, NOT cumulative; size = upper_bounds_seconds.size() + 1.
  std::vector<std::uint64_t> counts;
  std::uint64_t count = 0;  // The sum of counts.
  double sum_seconds = 0;

  // The q-quantile (0 < q <= 1) in seconds, interpolated within its bucket; 0 when empty.
  // A quantile that falls in the +Inf bucket is the last finite upper bound (as Prometheus's
  // histogram_quantile does). q is clamped to [0, 1]; the rank is taken over the sum of counts.
  INVENTORY_EXPORT double quantile(double q) const noexcept;
};

struct OperationCount {
  std::string operation;
  std::string outcome;
  std::uint64_t count = 0;
};

struct ObserverMetrics {
  std::string name;          // The cursor name, or "observer-<n>".
  std::uint64_t cursor = 0;  // Last sequence delivered and acknowledged.
  std::uint64_t lag_events = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failures = 0;
  std::uint64_t gaps = 0;
  LatencyHistogram lag;  // From the change being durable to the observer's callback.
};

struct Metrics {
  std::vector<OperationCount> operations;  // Only non-zero entries.
  std::uint64_t oversell_rejected = 0;
  std::uint64_t journal_sequence = 0;  // Last sequence written.
  std::uint64_t durable_sequence = 0;  // Last sequence published to observers.
  LatencyHistogram journal_sync;       // Duration of each journal group write+fsync.
  std::vector<ObserverMetrics> observers;
};

// Renders `metrics` in the Prometheus text exposition format (version 0.0.4): HELP/TYPE lines,
// counters with _total, histograms with cumulative _bucket{le=...}, _sum, _count; label values
// escaped (backslash, double quote, newline). Metric names: inventory_operations_total{operation,
// outcome}, inventory_oversell_rejected_total, inventory_journal_sequence,
// inventory_durable_sequence, inventory_journal_sync_seconds (histogram),
// inventory_observer_cursor{observer}, inventory_observer_lag_events{observer},
// inventory_observer_delivered_total{observer}, inventory_observer_failures_total{observer},
// inventory_observer_gaps_total{observer}, inventory_observer_lag_seconds{observer} (histogram).
// Every family gets its HELP and TYPE lines, even with no samples. A histogram's +Inf bucket and
// _count are the sum of its counts (or `count` where counts is empty).
INVENTORY_EXPORT std::string to_prometheus(const Metrics& metrics);

}  // namespace inventory

#endif  // INVENTORY_METRICS_H_
