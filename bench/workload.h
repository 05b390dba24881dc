// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The workloads of inventory-bench, independent of the engine that runs them.
//
// A run has `threads` issuing threads; each thread drives `in_flight` slots. A slot is a small
// state machine (a shopper): Workload::next() says what it does next from its state, and
// Workload::done() moves it on once the operation is acknowledged. Both backends (the inventory
// engine and SQLite) run the same slots over the same random streams, so they see the same
// mix of operations; only how the operations reach the disk differs.
//
// Items are named by their index 0..items-1; each backend maps indexes to its own ids.
//
// Thread safety: a Workload is immutable once made and may be shared by all threads; a Slot and
// a Tally belong to one thread.

#ifndef INVENTORY_BENCH_WORKLOAD_H_
#define INVENTORY_BENCH_WORKLOAD_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace inventory_bench {

enum class WorkloadKind : std::uint8_t { flash_sale, catalog, cart, restock, read_mostly };
enum class DurabilityKind : std::uint8_t { none, buffered, sync };

std::string_view to_string(WorkloadKind kind);
std::string_view to_string(DurabilityKind kind);
bool parse_workload(std::string_view name, WorkloadKind* kind);
bool parse_durability(std::string_view name, DurabilityKind* kind);

// A restock batch adjusts this many consecutive items.
inline constexpr std::uint32_t kRestockBatchItems = 1000;
// Units each catalog item starts with: enough that Zipf-hot items do not run dry in a run.
inline constexpr std::int64_t kInitialOnHand = 10'000'000;
// Time to live of a cart that its shopper abandons (it then expires).
inline constexpr std::chrono::milliseconds kAbandonedCartTtl{1000};

// splitmix64: small, fast and good enough to pick items.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>((next() >> 32) * n >> 32);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// Zipf-distributed picks over n items with exponent theta (YCSB's generator: O(1) per pick
// after an O(n) setup), scrambled so that the hot items are spread over the index space.
class Zipf {
 public:
  Zipf(std::uint32_t n, double theta);
  std::uint32_t pick(Rng& rng) const;

 private:
  std::uint32_t n_;
  double alpha_, zetan_, eta_, half_pow_theta_;
};

enum class OpKind : std::uint8_t { get, reserve, confirm, release, adjust, restock };

// One operation, as a workload asks for it. `lines` items of `quantity` units each for reserve
// (1, or 3 for a cart) and for the confirm or release of that hold; the item and the delta for
// adjust; the first of kRestockBatchItems consecutive items for restock (each gets delta
// 1 + index % 3).
struct Op {
  OpKind kind = OpKind::get;
  std::uint32_t lines = 1;
  std::array<std::uint32_t, 3> items{};
  std::int64_t quantity = 0;
  std::chrono::milliseconds ttl{0};        // 0: the default (long enough never to expire in a run).
  std::uint8_t fate = 0;                   // reserve: what the shopper will do with the hold.
  std::array<std::uint64_t, 3> handles{};  // confirm and release: the hold's handles.
};

// What came back for an operation.
enum class Outcome : std::uint8_t {
  ok,
  insufficient_stock,  // A refused reserve (or adjust): a correct answer, counted as an op.
  error,               // Anything else: reported, and counted as an invariant violation.
};

// A hold a slot has: the backend's handle(s) (the engine's ReservationId; SQLite's row ids, one
// per line) and what it holds.
struct Hold {
  bool active = false;
  std::array<std::uint64_t, 3> handles{};
  std::uint32_t lines = 0;
  std::array<std::uint32_t, 3> items{};
  std::int64_t quantity = 0;  // Per line.
  std::uint8_t fate = 0;      // What the shopper will do with it (Workload's business).
};

struct Slot {
  Hold hold;
  std::uint32_t counter = 0;       // Operations this slot issued (restock cadence).
  std::uint32_t restock_next = 0;  // Restock: the next batch (modulo items / 1000).
  bool finished = false;           // flash_sale: sold out.
};

// Per-thread counts; summed after the run for the checks.
struct Tally {
  std::uint64_t ops = 0;
  std::uint64_t rejected = 0;
  std::uint64_t errors = 0;
  std::int64_t confirmed_units = 0;  // Left on_hand through confirm.
  std::int64_t adjusted_units = 0;   // Added to on_hand through adjust and restock.
  std::int64_t abandoned_units = 0;  // Held by abandoned carts: held until they expire.
  bool sold_out = false;
  void add(const Tally& other);
};

// Log-linear latency histogram in nanoseconds: 64 buckets per power of two (1.6 % wide).
class Histogram {
 public:
  Histogram() : buckets_(kBuckets, 0) {}
  void add(std::uint64_t ns) { ++buckets_[bucket(ns)]; }
  void merge(const Histogram& other);
  std::uint64_t count() const;
  double percentile_us(double p) const;

 private:
  static constexpr std::size_t kBuckets = 64 + 58 * 64;
  static std::size_t bucket(std::uint64_t ns);
  static double value_ns(std::size_t bucket);
  std::vector<std::uint64_t> buckets_;
};

struct WorkloadConfig {
  WorkloadKind kind = WorkloadKind::catalog;
  std::uint32_t items = 100'000;   // Ignored by flash_sale (one SKU).
  std::int64_t stock = 1'000'000;  // flash_sale's stock.
};

class Workload {
 public:
  explicit Workload(const WorkloadConfig& config);

  WorkloadKind kind() const { return config_.kind; }
  // Items the backend creates, and each one's starting on_hand.
  std::uint32_t items() const;
  std::int64_t initial_on_hand() const;
  // The next operation of `slot`. REQUIRES: !slot.finished.
  Op next(Slot& slot, Rng& rng) const;
  // Moves `slot` on after `op` was acknowledged with `outcome`; `hold` is the new hold of a
  // successful reserve.
  void done(Slot& slot, const Op& op, Outcome outcome, const Hold& hold, Tally& tally) const;
  // Whether slots should expire abandoned carts (the cart workload).
  bool expires() const { return config_.kind == WorkloadKind::cart; }

 private:
  Op reserve_op(Rng& rng, std::uint32_t lines, std::int64_t quantity, bool zipf) const;
  WorkloadConfig config_;
  Zipf zipf_;
};

// One run's figures, printed as a line or a JSON object.
struct RunResult {
  std::string engine;
  WorkloadKind workload = WorkloadKind::catalog;
  int threads = 0;
  int in_flight = 0;
  DurabilityKind durability = DurabilityKind::sync;
  std::uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  std::int64_t oversold = 0;
  std::int64_t invariant_violations = 0;
};

std::string to_json(const RunResult& result);
std::string to_line(const RunResult& result);

// The end-of-run checks both backends share, given what the backend read back: the sum of
// on_hand and of reserved over all items, the units short (sum of max(0, reserved - on_hand)),
// and the backend's own violations (engine invariants or SQL checks).
struct FinalState {
  std::int64_t on_hand_total = 0;
  std::int64_t reserved_total = 0;
  std::int64_t short_units = 0;
  std::int64_t backend_violations = 0;
};
void check_run(const Workload& workload, const Tally& tally, std::int64_t held_units,
               const FinalState& state, RunResult* result);

}  // namespace inventory_bench

#endif  // INVENTORY_BENCH_WORKLOAD_H_
