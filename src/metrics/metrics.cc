// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>

#include "inventory/metrics.h"

namespace inventory {

namespace {

// Appends a floating-point sample value: the shortest text that reads back as `value`, or one of
// the spellings the exposition format gives the special values.
void append_double(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    // Why: 32 characters hold the shortest round-trip form of any finite double.
    if (ec != std::errc()) return;
    out->append(buffer, end);
  }
}

void append_uint(std::string* out, std::uint64_t value) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return;  // Why: 20 digits hold any uint64_t.
  out->append(buffer, end);
}

// Appends `value` as the inside of a quoted label value: backslash, double quote and newline
// are escaped, as the text format requires.
void append_label_value(std::string* out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

void append_family(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// One label, name="value". An empty name means no label.
struct Label {
  std::string_view name;
  std::string_view value;
};

// Appends `name{label[,extra]}` (braces only when there is a label).
void append_series(std::string* out, std::string_view name, Label label, Label extra = {}) {
  out->append(name);
  if (label.name.empty() && extra.name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (const Label& l : {label, extra}) {
    if (l.name.empty()) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(l.name).append("=\"");
    append_label_value(out, l.value);
    out->push_back('"');
  }
  out->push_back('}');
}

void append_uint_sample(std::string* out, std::string_view name, Label label, std::uint64_t value) {
  append_series(out, name, label);
  out->push_back(' ');
  append_uint(out, value);
  out->push_back('\n');
}

// Appends the _bucket, _sum and _count samples of one histogram series.
void append_histogram(std::string* out, std::string_view name, Label label,
                      const LatencyHistogram& histogram) {
  const std::string bucket_name = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < histogram.upper_bounds_seconds.size(); ++i) {
    if (i < histogram.counts.size()) cumulative += histogram.counts[i];
    le.clear();
    append_double(&le, histogram.upper_bounds_seconds[i]);
    append_series(out, bucket_name, label, {"le", le});
    out->push_back(' ');
    append_uint(out, cumulative);
    out->push_back('\n');
  }
  for (std::size_t i = histogram.upper_bounds_seconds.size(); i < histogram.counts.size(); ++i) {
    cumulative += histogram.counts[i];
  }
  // Why: +Inf must equal _count; a histogram without counts only knows its count.
  const std::uint64_t total = histogram.counts.empty() ? histogram.count : cumulative;
  append_series(out, bucket_name, label, {"le", "+Inf"});
  out->push_back(' ');
  append_uint(out, total);
  out->push_back('\n');
  append_series(out, std::string(name) + "_sum", label);
  out->push_back(' ');
  append_double(out, histogram.sum_seconds);
  out->push_back('\n');
  append_uint_sample(out, std::string(name) + "_count", label, total);
}

// Appends one family with one sample per observer, read by `field`.
template <typename Field>
void append_observer_family(std::string* out, const Metrics& metrics, std::string_view name,
                            std::string_view type, std::string_view help, Field field) {
  append_family(out, name, type, help);
  for (const ObserverMetrics& observer : metrics.observers) {
    append_uint_sample(out, name, {"observer", observer.name}, field(observer));
  }
}

}  // namespace

double LatencyHistogram::quantile(double q) const noexcept {
  // Why the counts and not `count`: the rank must fall within them (they agree in a snapshot).
  std::uint64_t total = 0;
  for (const std::uint64_t c : counts) total += c;
  if (total == 0) return 0;
  if (!(q > 0)) q = 0;  // Also NaN.
  if (q > 1) q = 1;
  const double rank = q * static_cast<double>(total);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    const std::uint64_t next = cumulative + counts[i];
    if (static_cast<double>(next) >= rank || next == total) {
      if (i >= upper_bounds_seconds.size()) {
        // The +Inf bucket has no upper bound to interpolate towards.
        return upper_bounds_seconds.empty() ? 0 : upper_bounds_seconds.back();
      }
      const double lower = i == 0 ? 0 : upper_bounds_seconds[i - 1];
      const double upper = upper_bounds_seconds[i];
      const double fraction = std::clamp(
          (rank - static_cast<double>(cumulative)) / static_cast<double>(counts[i]), 0.0, 1.0);
      return lower + (upper - lower) * fraction;
    }
    cumulative = next;
  }
  return 0;  // Unreachable: the last non-empty bucket ends at total.
}

std::string to_prometheus(const Metrics& metrics) {
  std::string out;
  out.reserve(4096 + 8192 * (1 + metrics.observers.size()));

  append_family(&out, "inventory_operations_total", "counter",
                "Operations completed, by operation and outcome.");
  for (const OperationCount& op : metrics.operations) {
    append_series(&out, "inventory_operations_total", {"operation", op.operation},
                  {"outcome", op.outcome});
    out.push_back(' ');
    append_uint(&out, op.count);
    out.push_back('\n');
  }

  append_family(&out, "inventory_oversell_rejected_total", "counter",
                "Operations rejected because they would have oversold stock.");
  append_uint_sample(&out, "inventory_oversell_rejected_total", {}, metrics.oversell_rejected);
  append_family(&out, "inventory_journal_sequence", "gauge", "Last sequence written.");
  append_uint_sample(&out, "inventory_journal_sequence", {}, metrics.journal_sequence);
  append_family(&out, "inventory_durable_sequence", "gauge",
                "Last sequence published to observers.");
  append_uint_sample(&out, "inventory_durable_sequence", {}, metrics.durable_sequence);
  append_family(&out, "inventory_journal_sync_seconds", "histogram",
                "Duration of each journal group write and sync.");
  append_histogram(&out, "inventory_journal_sync_seconds", {}, metrics.journal_sync);

  append_observer_family(&out, metrics, "inventory_observer_cursor", "gauge",
                         "Last sequence delivered to and acknowledged by the observer.",
                         [](const ObserverMetrics& o) { return o.cursor; });
  append_observer_family(&out, metrics, "inventory_observer_lag_events", "gauge",
                         "Durable events not yet delivered to the observer.",
                         [](const ObserverMetrics& o) { return o.lag_events; });
  append_observer_family(&out, metrics, "inventory_observer_delivered_total", "counter",
                         "Events delivered to the observer.",
                         [](const ObserverMetrics& o) { return o.delivered; });
  append_observer_family(&out, metrics, "inventory_observer_failures_total", "counter",
                         "Failed deliveries to the observer.",
                         [](const ObserverMetrics& o) { return o.failures; });
  append_observer_family(&out, metrics, "inventory_observer_gaps_total", "counter",
                         "Gaps in the sequence of events the observer received.",
                         [](const ObserverMetrics& o) { return o.gaps; });
  append_family(&out, "inventory_observer_lag_seconds", "histogram",
                "Time from a change being durable to the observer's callback.");
  for (const ObserverMetrics& observer : metrics.observers) {
    append_histogram(&out, "inventory_observer_lag_seconds", {"observer", observer.name},
                     observer.lag);
  }
  return out;
}

namespace metrics {

OperationCounters::OperationCounters(std::span<const std::string_view> operations,
                                     std::span<const std::string_view> outcomes)
    : operations_(operations.begin(), operations.end()),
      outcomes_(outcomes.begin(), outcomes.end()) {
  const std::size_t cells = operations_.size() * outcomes_.size();
  shard_stride_ = (cells + kCellsPerLine - 1) / kCellsPerLine * kCellsPerLine;
  // Value-initialized: every cell starts at 0.
  lines_ = std::make_unique<Line[]>(kShards * shard_stride_ / kCellsPerLine);
}

OperationCounters::~OperationCounters() = default;

std::size_t OperationCounters::shard_index() noexcept {
  // Relaxed: the counter only spreads threads over shards; any value is correct.
  static std::atomic<std::size_t> next_shard{0};
  thread_local const std::size_t shard =
      next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

void OperationCounters::snapshot(std::vector<OperationCount>* out) const {
  for (std::size_t operation = 0; operation < operations_.size(); ++operation) {
    for (std::size_t outcome = 0; outcome < outcomes_.size(); ++outcome) {
      std::uint64_t sum = 0;
      for (std::size_t shard = 0; shard < kShards; ++shard) {
        const std::size_t cell = shard * shard_stride_ + operation * outcomes_.size() + outcome;
        // Relaxed: see the Invariants in metrics.h.
        sum += lines_[cell / kCellsPerLine].cells[cell % kCellsPerLine].load(
            std::memory_order_relaxed);
      }
      if (sum != 0) out->push_back({operations_[operation], outcomes_[outcome], sum});
    }
  }
}

std::uint64_t LatencyRecorder::upper_bound_ns(std::size_t index) noexcept {
  if (index == 0) return kFirstBoundNs;
  const std::size_t octave = (index - 1) / kSubBuckets;
  const std::size_t sub = (index - 1) % kSubBuckets;
  // Octave k spans (1 us * 2^k, 1 us * 2^(k+1)] in kSubBuckets steps of kQuantumNs * 2^k.
  return (kQuantumNs << octave) * (kSubBuckets + 1 + sub);
}

LatencyHistogram LatencyRecorder::snapshot() const {
  LatencyHistogram histogram;
  histogram.upper_bounds_seconds.reserve(kFiniteBuckets);
  for (std::size_t i = 0; i < kFiniteBuckets; ++i) {
    histogram.upper_bounds_seconds.push_back(static_cast<double>(upper_bound_ns(i)) / 1e9);
  }
  histogram.counts.reserve(kBuckets);
  for (const std::atomic<std::uint64_t>& bucket : buckets_) {
    // Relaxed: see the Invariants in metrics.h.
    histogram.counts.push_back(bucket.load(std::memory_order_relaxed));
    histogram.count += histogram.counts.back();
  }
  histogram.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return histogram;
}

}  // namespace metrics

}  // namespace inventory
