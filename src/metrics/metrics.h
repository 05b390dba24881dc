// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Recorders for the hot paths: OperationCounters (operation x outcome counts) and
// LatencyRecorder (a fixed log-linear latency histogram). Both record with relaxed atomic
// increments only and are read by snapshots that copy them into the plain structs of
// inventory/metrics.h.
//
// Thread safety
//   add() and record() may be called concurrently from any number of threads, and concurrently
//   with snapshot(). Lock-free, no allocation after construction.
//
// Invariants
//   - Every cell only ever increases (relaxed fetch_add); nothing is ever reset.
//   - A snapshot is not atomic across cells: taken while writers run, it may include some of the
//     increments that happen during it and miss others, but never counts one twice, and every
//     increment that happened before snapshot() started is included.

#ifndef INVENTORY_METRICS_METRICS_H_
#define INVENTORY_METRICS_METRICS_H_

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/metrics.h"

namespace inventory::metrics {

// Counts per (operation, outcome) pair, sharded so that threads do not share cache lines: each
// thread picks one of kShards shards once (round robin) and only increments that shard's cells.
class OperationCounters {
 public:
  static constexpr std::size_t kShards = 32;

  // Names are copied. operations.size() * outcomes.size() cells per shard.
  OperationCounters(std::span<const std::string_view> operations,
                    std::span<const std::string_view> outcomes);
  OperationCounters(const OperationCounters&) = delete;
  OperationCounters& operator=(const OperationCounters&) = delete;
  ~OperationCounters();

  // Counts one `operation` with `outcome` (indices into the constructor's spans); an index out
  // of range is ignored. Thread-safe. Lock-free. Does not allocate.
  void add(std::size_t operation, std::size_t outcome) noexcept {
    if (operation >= operations_.size() || outcome >= outcomes_.size()) return;
    const std::size_t cell = shard_index() * shard_stride_ + operation * outcomes_.size() + outcome;
    // Relaxed: a counter orders nothing; snapshot() only needs each increment once.
    lines_[cell / kCellsPerLine].cells[cell % kCellsPerLine].fetch_add(1,
                                                                       std::memory_order_relaxed);
  }

  // Appends one entry per pair with a non-zero count, in (operation, outcome) order.
  // Thread-safe; allocates.
  void snapshot(std::vector<OperationCount>* out) const;

 private:
  static constexpr std::size_t kCellsPerLine = 8;
  struct alignas(64) Line {
    std::array<std::atomic<std::uint64_t>, kCellsPerLine> cells;
  };
  static_assert(sizeof(Line) == 64);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

  // This thread's shard, in [0, kShards); chosen on the thread's first call.
  static std::size_t shard_index() noexcept;

  std::vector<std::string> operations_;
  std::vector<std::string> outcomes_;
  std::size_t shard_stride_;  // Cells per shard, a multiple of kCellsPerLine.
  std::unique_ptr<Line[]> lines_;
};

// A latency histogram with fixed buckets: bucket 0 holds values <= 1 us; from 1 us to 2^26 us
// (about 67 s) each power of two is split into 4 linear buckets (log-linear, as HdrHistogram
// with 2 bits of precision), so a bucket's upper bound is at most 25% above its lower bound; the
// last bucket holds values above 2^26 us (+Inf). Buckets are (lower, upper], as Prometheus's le.
class LatencyRecorder {
 public:
  static constexpr std::size_t kSubBuckets = 4;  // Per power of two.
  static constexpr std::size_t kOctaves = 26;    // 1 us * 2^26 = 67.1 s.
  static constexpr std::size_t kFiniteBuckets = 1 + kOctaves * kSubBuckets;
  static constexpr std::size_t kBuckets = kFiniteBuckets + 1;  // With +Inf.

  LatencyRecorder() = default;
  LatencyRecorder(const LatencyRecorder&) = delete;
  LatencyRecorder& operator=(const LatencyRecorder&) = delete;

  // Records one duration; a negative one counts as 0. Thread-safe. Lock-free. Does not allocate.
  void record(std::chrono::nanoseconds d) noexcept {
    const std::uint64_t ns = d.count() < 0 ? 0 : static_cast<std::uint64_t>(d.count());
    // Relaxed: see the Invariants above; nothing else is published through these counters.
    buckets_[bucket_index(ns)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  // A copy of the distribution; count is the sum of the copied counts. Thread-safe; allocates.
  LatencyHistogram snapshot() const;

  // The bucket of a value of `ns` nanoseconds, in [0, kBuckets).
  static std::size_t bucket_index(std::uint64_t ns) noexcept {
    if (ns <= kFirstBoundNs) return 0;
    // Bounds are multiples of kQuantumNs (250 ns = 1 us / kSubBuckets), and bucket (L, U] holds
    // exactly the values whose (ns - 1) / kQuantumNs lies in [L / kQuantumNs, U / kQuantumNs).
    const std::uint64_t quanta = (ns - 1) / kQuantumNs;                     // >= 4, as ns > 1000.
    const auto msb = static_cast<std::size_t>(std::bit_width(quanta)) - 1;  // >= 2.
    const std::size_t octave = msb - 2;
    if (octave >= kOctaves) return kFiniteBuckets;  // +Inf.
    const std::size_t sub = static_cast<std::size_t>(quanta >> octave) & (kSubBuckets - 1);
    return 1 + octave * kSubBuckets + sub;
  }
  // The inclusive upper bound of bucket `index` in nanoseconds. REQUIRES: index < kFiniteBuckets.
  static std::uint64_t upper_bound_ns(std::size_t index) noexcept;

 private:
  static constexpr std::uint64_t kFirstBoundNs = 1000;
  static constexpr std::uint64_t kQuantumNs = kFirstBoundNs / kSubBuckets;

  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace inventory::metrics

#endif  // INVENTORY_METRICS_METRICS_H_
