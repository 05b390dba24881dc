// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "workload.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

namespace inventory_bench {

namespace {

// Shopper fates, decided when the reservation is made.
constexpr std::uint8_t kConfirm = 0;
constexpr std::uint8_t kRelease = 1;
constexpr std::uint8_t kAbandon = 2;  // Cart only: left to expire.

constexpr std::uint32_t kRestockEvery = 100;  // One restock batch per 100 operations of a slot.

// Units a restock batch starting at `first` adds: item i gets 1 + i % 3.
std::int64_t restock_units(std::uint32_t first) {
  std::int64_t units = 0;
  for (std::uint32_t i = first; i < first + kRestockBatchItems; ++i) units += 1 + i % 3;
  return units;
}

std::uint8_t fate(Rng& rng, std::uint32_t confirm_percent, std::uint32_t release_percent) {
  const std::uint32_t r = rng.below(100);
  if (r < confirm_percent) return kConfirm;
  if (r < confirm_percent + release_percent) return kRelease;
  return kAbandon;
}

Op hold_op(const Hold& hold) {
  Op op;
  op.kind = hold.fate == kConfirm ? OpKind::confirm : OpKind::release;
  op.lines = hold.lines;
  op.items = hold.items;
  op.quantity = hold.quantity;
  op.handles = hold.handles;
  return op;
}

}  // namespace

std::string_view to_string(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::flash_sale:
      return "flash_sale";
    case WorkloadKind::catalog:
      return "catalog";
    case WorkloadKind::cart:
      return "cart";
    case WorkloadKind::restock:
      return "restock";
    case WorkloadKind::read_mostly:
      return "read_mostly";
  }
  return "?";
}

std::string_view to_string(DurabilityKind kind) {
  switch (kind) {
    case DurabilityKind::none:
      return "none";
    case DurabilityKind::buffered:
      return "buffered";
    case DurabilityKind::sync:
      return "sync";
  }
  return "?";
}

bool parse_workload(std::string_view name, WorkloadKind* kind) {
  for (WorkloadKind k : {WorkloadKind::flash_sale, WorkloadKind::catalog, WorkloadKind::cart,
                         WorkloadKind::restock, WorkloadKind::read_mostly}) {
    if (name == to_string(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

bool parse_durability(std::string_view name, DurabilityKind* kind) {
  for (DurabilityKind k : {DurabilityKind::none, DurabilityKind::buffered, DurabilityKind::sync}) {
    if (name == to_string(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Zipf::Zipf(std::uint32_t n, double theta) : n_(std::max<std::uint32_t>(n, 2)) {
  double zetan = 0;
  for (std::uint32_t i = 1; i <= n_; ++i) zetan += 1.0 / std::pow(static_cast<double>(i), theta);
  const double zeta2 = 1.0 + 1.0 / std::pow(2.0, theta);
  zetan_ = zetan;
  alpha_ = 1.0 / (1.0 - theta);
  eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n_), 1.0 - theta)) / (1.0 - zeta2 / zetan);
  half_pow_theta_ = std::pow(0.5, theta);
}

std::uint32_t Zipf::pick(Rng& rng) const {
  const double u = rng.uniform();
  const double uz = u * zetan_;
  std::uint64_t rank;
  if (uz < 1.0) {
    rank = 0;
  } else if (uz < 1.0 + half_pow_theta_) {
    rank = 1;
  } else {
    rank = static_cast<std::uint64_t>(static_cast<double>(n_) *
                                      std::pow(eta_ * u - eta_ + 1.0, alpha_));
    rank = std::min<std::uint64_t>(rank, n_ - 1);
  }
  // A multiplication by a prime is a bijection modulo n (the prime does not divide n): the hot
  // ranks land far apart, as hot products do in a real catalog.
  return static_cast<std::uint32_t>(rank * 2654435761ull % n_);
}

void Tally::add(const Tally& other) {
  ops += other.ops;
  rejected += other.rejected;
  errors += other.errors;
  confirmed_units += other.confirmed_units;
  adjusted_units += other.adjusted_units;
  abandoned_units += other.abandoned_units;
  sold_out = sold_out || other.sold_out;
}

std::size_t Histogram::bucket(std::uint64_t ns) {
  if (ns < 64) return static_cast<std::size_t>(ns);
  const int msb = std::bit_width(ns) - 1;  // >= 6
  const int shift = msb - 6;
  const std::size_t sub = static_cast<std::size_t>(ns >> shift) - 64;
  return std::min<std::size_t>(64 + static_cast<std::size_t>(shift) * 64 + sub, kBuckets - 1);
}

double Histogram::value_ns(std::size_t b) {
  if (b < 64) return static_cast<double>(b);
  const std::size_t shift = (b - 64) / 64;
  const std::size_t sub = (b - 64) % 64;
  const double low = std::ldexp(static_cast<double>(64 + sub), static_cast<int>(shift));
  return low + std::ldexp(0.5, static_cast<int>(shift));  // The middle of the bucket.
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
}

std::uint64_t Histogram::count() const {
  std::uint64_t total = 0;
  for (std::uint64_t b : buckets_) total += b;
  return total;
}

double Histogram::percentile_us(double p) const {
  const std::uint64_t total = count();
  if (total == 0) return 0;
  const auto target = static_cast<std::uint64_t>(p * static_cast<double>(total));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen > target) return value_ns(i) / 1000.0;
  }
  return value_ns(buckets_.size() - 1) / 1000.0;
}

Workload::Workload(const WorkloadConfig& config)
    : config_(config),
      zipf_(config.kind == WorkloadKind::flash_sale ? 2 : config.items, /*theta=*/0.99) {}

std::uint32_t Workload::items() const {
  return config_.kind == WorkloadKind::flash_sale ? 1 : config_.items;
}

std::int64_t Workload::initial_on_hand() const {
  return config_.kind == WorkloadKind::flash_sale ? config_.stock : kInitialOnHand;
}

Op Workload::reserve_op(Rng& rng, std::uint32_t lines, std::int64_t quantity, bool zipf) const {
  Op op;
  op.kind = OpKind::reserve;
  op.lines = lines;
  op.quantity = quantity;
  for (std::uint32_t line = 0; line < lines; ++line) {
    // A cart's items are distinct; redraw on a repeat (bounded: items >= 3 is checked at start,
    // and a Zipf draw repeats a given item with probability under 10 %).
    for (int tries = 0;; ++tries) {
      const std::uint32_t item = zipf ? zipf_.pick(rng) : rng.below(config_.items);
      bool repeat = false;
      for (std::uint32_t j = 0; j < line; ++j) repeat = repeat || op.items[j] == item;
      if (!repeat || tries > 1000) {
        op.items[line] = repeat ? (op.items[line - 1] + 1) % config_.items : item;
        break;
      }
    }
  }
  return op;
}

Op Workload::next(Slot& slot, Rng& rng) const {
  ++slot.counter;
  switch (config_.kind) {
    case WorkloadKind::flash_sale: {
      if (slot.hold.active) return hold_op(slot.hold);
      Op op;
      op.kind = OpKind::reserve;
      op.items[0] = 0;
      op.quantity = 1;
      return op;
    }
    case WorkloadKind::catalog: {
      if (slot.hold.active) return hold_op(slot.hold);
      if (rng.below(100) < 85) {
        Op op = reserve_op(rng, 1, 1 + rng.below(3), /*zipf=*/true);
        op.fate = fate(rng, 70, 30);
        return op;
      }
      Op op;
      op.kind = OpKind::adjust;
      op.items[0] = zipf_.pick(rng);
      op.quantity = 1 + rng.below(10);
      return op;
    }
    case WorkloadKind::cart: {
      if (slot.hold.active) return hold_op(slot.hold);
      Op op = reserve_op(rng, 3, 1, /*zipf=*/true);
      op.fate = fate(rng, 80, 10);
      if (op.fate == kAbandon) op.ttl = kAbandonedCartTtl;
      return op;
    }
    case WorkloadKind::restock: {
      if (slot.counter % kRestockEvery == 0) {
        Op op;
        op.kind = OpKind::restock;
        const std::uint32_t batches =
            std::max<std::uint32_t>(1, config_.items / kRestockBatchItems);
        op.items[0] = slot.restock_next++ % batches * kRestockBatchItems;
        return op;
      }
      if (slot.hold.active) return hold_op(slot.hold);
      return reserve_op(rng, 1, 1 + rng.below(2), /*zipf=*/false);  // Then confirmed.
    }
    case WorkloadKind::read_mostly: {
      if (rng.below(100) < 95) {
        Op op;
        op.kind = OpKind::get;
        op.items[0] = zipf_.pick(rng);
        return op;
      }
      if (slot.hold.active) return hold_op(slot.hold);
      Op op = reserve_op(rng, 1, 1, /*zipf=*/true);
      op.fate = fate(rng, 80, 20);
      return op;
    }
  }
  return Op{};
}

void Workload::done(Slot& slot, const Op& op, Outcome outcome, const Hold& hold,
                    Tally& tally) const {
  ++tally.ops;
  if (outcome == Outcome::error) {
    ++tally.errors;
    if (op.kind == OpKind::confirm || op.kind == OpKind::release) slot.hold.active = false;
    return;
  }
  if (outcome == Outcome::insufficient_stock) {
    ++tally.rejected;
    if (config_.kind == WorkloadKind::flash_sale && op.kind == OpKind::reserve) {
      slot.finished = true;  // Sold out: all holds are confirmed, never released.
      tally.sold_out = true;
    }
    return;
  }
  const std::int64_t units = static_cast<std::int64_t>(op.lines) * op.quantity;
  switch (op.kind) {
    case OpKind::get:
      return;
    case OpKind::reserve: {
      if (op.fate == kAbandon) {
        tally.abandoned_units += units;
        return;
      }
      slot.hold = hold;
      slot.hold.active = true;
      slot.hold.lines = op.lines;
      slot.hold.items = op.items;
      slot.hold.quantity = op.quantity;
      slot.hold.fate = op.fate;
      return;
    }
    case OpKind::confirm:
      tally.confirmed_units += units;
      slot.hold.active = false;
      return;
    case OpKind::release:
      slot.hold.active = false;
      return;
    case OpKind::adjust:
      tally.adjusted_units += op.quantity;
      return;
    case OpKind::restock:
      tally.adjusted_units += restock_units(op.items[0]);
      return;
  }
}

std::string to_json(const RunResult& r) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "{\"engine\": \"%s\", \"workload\": \"%s\", \"threads\": %d, \"in_flight\": %d, "
                "\"durability\": \"%s\", \"ops\": %llu, \"seconds\": %.3f, \"ops_per_sec\": %.0f, "
                "\"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, \"oversold\": %lld, "
                "\"invariant_violations\": %lld}",
                r.engine.c_str(), std::string(to_string(r.workload)).c_str(), r.threads,
                r.in_flight, std::string(to_string(r.durability)).c_str(),
                static_cast<unsigned long long>(r.ops), r.seconds, r.ops_per_sec, r.p50_us,
                r.p99_us, r.p999_us, static_cast<long long>(r.oversold),
                static_cast<long long>(r.invariant_violations));
  return buffer;
}

std::string to_line(const RunResult& r) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer),
                "%-9s %-11s %-8s threads %2d  in_flight %4d  %10llu ops %7.2f s %12.0f ops/s  "
                "p50 %9.2f us  p99 %9.2f us  p999 %9.2f us  oversold %lld  violations %lld",
                r.engine.c_str(), std::string(to_string(r.workload)).c_str(),
                std::string(to_string(r.durability)).c_str(), r.threads, r.in_flight,
                static_cast<unsigned long long>(r.ops), r.seconds, r.ops_per_sec, r.p50_us,
                r.p99_us, r.p999_us, static_cast<long long>(r.oversold),
                static_cast<long long>(r.invariant_violations));
  return buffer;
}

void check_run(const Workload& workload, const Tally& tally, std::int64_t held_units,
               const FinalState& state, RunResult* result) {
  std::int64_t oversold = state.short_units;
  std::int64_t violations = state.backend_violations + static_cast<std::int64_t>(tally.errors);
  auto violation = [&](const char* what, long long expected, long long actual) {
    std::fprintf(stderr, "%s %s: %s: expected %lld, found %lld\n", result->engine.c_str(),
                 std::string(to_string(workload.kind())).c_str(), what, expected, actual);
    ++violations;
  };
  // Every unit is accounted for: what was there, plus what was added, minus what was sold.
  const std::int64_t expected_on_hand =
      static_cast<std::int64_t>(workload.items()) * workload.initial_on_hand() +
      tally.adjusted_units - tally.confirmed_units;
  if (state.on_hand_total != expected_on_hand) {
    violation("on_hand conservation", expected_on_hand, state.on_hand_total);
  }
  // Reserved is what the shoppers still hold, plus abandoned carts not yet expired.
  if (state.reserved_total < held_units ||
      state.reserved_total > held_units + tally.abandoned_units) {
    violation("reserved vs holds", held_units, state.reserved_total);
  }
  if (workload.kind() == WorkloadKind::flash_sale) {
    const std::int64_t stock = workload.initial_on_hand();
    oversold += std::max<std::int64_t>(0, tally.confirmed_units + held_units - stock);
    if (tally.sold_out && tally.confirmed_units + held_units != stock) {
      violation("sold out: sold + held", stock, tally.confirmed_units + held_units);
    }
  }
  if (tally.errors > 0) {
    std::fprintf(stderr, "%s %s: %llu operations failed unexpectedly\n", result->engine.c_str(),
                 std::string(to_string(workload.kind())).c_str(),
                 static_cast<unsigned long long>(tally.errors));
  }
  result->oversold = oversold;
  result->invariant_violations = violations;
}

}  // namespace inventory_bench
