// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the metrics recorders count exactly under concurrency, their histogram buckets keep the
// promised relative error, quantiles land within a bucket of the truth, and to_prometheus emits
// valid text exposition format 0.0.4. Method: drive OperationCounters and LatencyRecorder
// directly (threads for the counters, known distributions for the histogram), then parse the
// rendered text line by line and check its grammar, cumulative buckets and label escaping.
#include "inventory/metrics.h"

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "metrics/metrics.h"

namespace inventory {

namespace {

using metrics::LatencyRecorder;
using metrics::OperationCounters;
using std::chrono::microseconds;
using std::chrono::nanoseconds;

constexpr std::string_view kOperations[] = {"reserve", "confirm", "release"};
constexpr std::string_view kOutcomes[] = {"ok", "insufficient_stock"};

std::uint64_t find_count(const std::vector<OperationCount>& counts, std::string_view operation,
                         std::string_view outcome) {
  for (const OperationCount& c : counts) {
    if (c.operation == operation && c.outcome == outcome) return c.count;
  }
  return 0;
}

// One sample line of the text format: name{labels} value.
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // In order, unescaped.
  double value = 0;

  std::optional<std::string> label(std::string_view key) const {
    for (const auto& [k, v] : labels) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
  // The labels other than le, as the identity of a histogram series.
  std::string series_key() const {
    std::string key = name;
    for (const auto& [k, v] : labels) {
      if (k != "le") key += "|" + k + "=" + v;
    }
    return key;
  }
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

std::optional<double> parse_value(std::string_view text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return NAN;
  if (text.empty()) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return value;
}

// Parses one sample line strictly; nullopt if it breaks the grammar.
std::optional<Sample> parse_sample(std::string_view line) {
  Sample sample;
  std::size_t i = 0;
  if (i >= line.size() || !is_name_start(line[i])) return std::nullopt;
  while (i < line.size() && is_name_char(line[i])) sample.name.push_back(line[i++]);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      std::string key;
      if (i >= line.size() || !is_name_start(line[i])) return std::nullopt;
      while (i < line.size() && is_name_char(line[i])) key.push_back(line[i++]);
      if (line.substr(i, 2) != "=\"") return std::nullopt;
      i += 2;
      std::string value;
      while (true) {
        if (i >= line.size()) return std::nullopt;
        const char c = line[i++];
        if (c == '"') break;
        if (c == '\n') return std::nullopt;
        if (c != '\\') {
          value.push_back(c);
          continue;
        }
        if (i >= line.size()) return std::nullopt;
        const char escaped = line[i++];
        if (escaped == '\\') {
          value.push_back('\\');
        } else if (escaped == '"') {
          value.push_back('"');
        } else if (escaped == 'n') {
          value.push_back('\n');
        } else {
          return std::nullopt;
        }
      }
      sample.labels.emplace_back(key, value);
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return std::nullopt;
    }
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  const std::optional<double> value = parse_value(line.substr(i + 1));
  if (!value) return std::nullopt;
  sample.value = *value;
  return sample;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    REQUIRE(end != std::string_view::npos);  // Every line, the last too, ends in a newline.
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      const auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

// Checks the whole exposition and returns its samples: each comment is a HELP or TYPE line,
// each sample belongs to a family typed before it, counters end in _total, and each histogram
// series has ascending le bounds, non-decreasing cumulative counts, a final +Inf bucket equal
// to its _count, and a _sum.
std::vector<Sample> check_exposition(std::string_view text) {
  std::map<std::string, std::string> types;
  std::set<std::string> helps;
  std::vector<Sample> samples;
  for (const std::string_view line : split_lines(text)) {
    CAPTURE(line);
    if (line.starts_with("#")) {
      const bool help = line.starts_with("# HELP ");
      const bool type = line.starts_with("# TYPE ");
      REQUIRE((help || type));
      const std::string_view rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      REQUIRE(space != std::string_view::npos);
      const std::string name(rest.substr(0, space));
      const std::string_view value = rest.substr(space + 1);
      if (help) {
        CHECK(helps.insert(name).second);
        CHECK_FALSE(value.empty());
      } else {
        CHECK((value == "counter" || value == "gauge" || value == "histogram"));
        CHECK(types.emplace(name, std::string(value)).second);
        CHECK(helps.count(name) == 1);  // HELP comes first.
        if (value == "counter") CHECK(name.ends_with("_total"));
      }
      continue;
    }
    const std::optional<Sample> sample = parse_sample(line);
    REQUIRE(sample.has_value());
    CHECK(types.count(family_of(sample->name, types)) == 1);
    samples.push_back(*sample);
  }

  struct Series {
    std::vector<double> bounds;
    std::vector<double> cumulative;
    std::optional<double> sum;
    std::optional<double> count;
  };
  std::map<std::string, Series> histograms;
  for (const Sample& s : samples) {
    const std::string family = family_of(s.name, types);
    if (types[family] != "histogram") {
      CHECK_FALSE(s.label("le").has_value());
      continue;
    }
    Series& series = histograms[family + s.series_key().substr(s.name.size())];
    if (s.name.ends_with("_bucket")) {
      const std::optional<std::string> le = s.label("le");
      REQUIRE(le.has_value());
      REQUIRE(s.labels.back().first == "le");
      const std::optional<double> bound = parse_value(*le);
      REQUIRE(bound.has_value());
      series.bounds.push_back(*bound);
      series.cumulative.push_back(s.value);
    } else if (s.name.ends_with("_sum")) {
      series.sum = s.value;
    } else {
      series.count = s.value;
    }
  }
  for (const auto& entry : histograms) {
    const std::string& key = entry.first;
    const Series& series = entry.second;
    CAPTURE(key);
    REQUIRE_FALSE(series.bounds.empty());
    CHECK(std::isinf(series.bounds.back()));
    for (std::size_t i = 1; i < series.bounds.size(); ++i) {
      CHECK(series.bounds[i - 1] < series.bounds[i]);
      CHECK(series.cumulative[i - 1] <= series.cumulative[i]);
    }
    REQUIRE(series.count.has_value());
    CHECK(series.sum.has_value());
    CHECK(series.cumulative.back() == *series.count);
  }
  return samples;
}

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("OperationCounters from 4 threads sum exactly") {
    OperationCounters counters(kOperations, kOutcomes);
    constexpr int kThreads = 4;
    constexpr std::uint64_t kPerThread = 50'000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&counters, t] {
        for (std::uint64_t i = 0; i < kPerThread; ++i) {
          counters.add(0, 0);                                // Every thread, every time.
          counters.add(static_cast<std::size_t>(t % 3), 1);  // Per thread.
        }
      });
    }
    for (std::thread& thread : threads) thread.join();

    std::vector<OperationCount> counts;
    counters.snapshot(&counts);
    CHECK(find_count(counts, "reserve", "ok") == kThreads * kPerThread);
    CHECK(find_count(counts, "reserve", "insufficient_stock") == 2 * kPerThread);  // t = 0, 3.
    CHECK(find_count(counts, "confirm", "insufficient_stock") == kPerThread);
    CHECK(find_count(counts, "release", "insufficient_stock") == kPerThread);
    CHECK(counts.size() == 4);  // Only non-zero pairs.
  }

  TEST_CASE("OperationCounters ignore out-of-range indices and snapshot appends in order") {
    OperationCounters counters(kOperations, kOutcomes);
    counters.add(3, 0);  // One past the last operation.
    counters.add(0, 2);  // One past the last outcome.
    counters.add(static_cast<std::size_t>(-1), static_cast<std::size_t>(-1));
    std::vector<OperationCount> counts;
    counters.snapshot(&counts);
    CHECK(counts.empty());

    counters.add(2, 1);  // The last valid pair.
    counters.add(2, 1);
    counters.add(0, 1);
    counts.push_back({"kept", "as is", 7});
    counters.snapshot(&counts);
    REQUIRE(counts.size() == 3);
    CHECK(counts[0].operation == "kept");
    CHECK(counts[1].operation == "reserve");
    CHECK(counts[1].outcome == "insufficient_stock");
    CHECK(counts[1].count == 1);
    CHECK(counts[2].operation == "release");
    CHECK(counts[2].outcome == "insufficient_stock");
    CHECK(counts[2].count == 2);
  }

  TEST_CASE("OperationCounters with no names count nothing") {
    OperationCounters counters({}, {});
    counters.add(0, 0);
    std::vector<OperationCount> counts;
    counters.snapshot(&counts);
    CHECK(counts.empty());
  }

  TEST_CASE("LatencyRecorder buckets span 1 us to about 67 s with at most 25% width") {
    CHECK(LatencyRecorder::upper_bound_ns(0) == 1000);
    CHECK(LatencyRecorder::upper_bound_ns(1) == 1250);
    CHECK(LatencyRecorder::upper_bound_ns(4) == 2000);
    CHECK(LatencyRecorder::upper_bound_ns(LatencyRecorder::kFiniteBuckets - 1) == 67'108'864'000);
    for (std::size_t i = 0; i < LatencyRecorder::kFiniteBuckets; ++i) {
      CAPTURE(i);
      const std::uint64_t upper = LatencyRecorder::upper_bound_ns(i);
      // Bounds are inclusive: the bound itself is in the bucket, one more is in the next.
      CHECK(LatencyRecorder::bucket_index(upper) == i);
      CHECK(LatencyRecorder::bucket_index(upper + 1) == i + 1);
      if (i > 0) {
        const std::uint64_t lower = LatencyRecorder::upper_bound_ns(i - 1);
        CHECK(lower < upper);
        CHECK(static_cast<double>(upper) <= 1.25 * static_cast<double>(lower));
      }
    }
    CHECK(LatencyRecorder::bucket_index(0) == 0);
    CHECK(LatencyRecorder::bucket_index(999) == 0);
    CHECK(LatencyRecorder::bucket_index(UINT64_MAX) == LatencyRecorder::kFiniteBuckets);
  }

  TEST_CASE("LatencyRecorder snapshot holds counts, sum and bounds in seconds") {
    LatencyRecorder recorder;
    recorder.record(nanoseconds(-5));  // Counts as 0.
    recorder.record(nanoseconds(0));
    recorder.record(microseconds(1));
    recorder.record(microseconds(3));
    recorder.record(std::chrono::minutes(5));  // +Inf.
    const LatencyHistogram h = recorder.snapshot();
    REQUIRE(h.upper_bounds_seconds.size() == LatencyRecorder::kFiniteBuckets);
    REQUIRE(h.counts.size() == h.upper_bounds_seconds.size() + 1);
    CHECK(h.upper_bounds_seconds.front() == 1e-6);
    CHECK(h.count == 5);
    CHECK(h.counts[0] == 3);
    CHECK(h.counts[LatencyRecorder::bucket_index(3000)] == 1);
    CHECK(h.counts.back() == 1);
    CHECK(h.sum_seconds == doctest::Approx(300.000004));
    // The +Inf bucket reports the last finite bound.
    CHECK(h.quantile(1.0) == h.upper_bounds_seconds.back());
  }

  TEST_CASE("quantiles of 1..1000 us uniform are within the bucket error") {
    LatencyRecorder recorder;
    for (int us = 1; us <= 1000; ++us) recorder.record(microseconds(us));
    const LatencyHistogram h = recorder.snapshot();
    CHECK(h.count == 1000);
    CHECK(h.sum_seconds == doctest::Approx(0.5005));
    for (const double q : {0.01, 0.1, 0.5, 0.9, 0.99, 1.0}) {
      CAPTURE(q);
      const double truth = q * 1000e-6;
      CHECK(h.quantile(q) == doctest::Approx(truth).epsilon(0.2));
    }
    CHECK(h.quantile(0.5) == doctest::Approx(500e-6).epsilon(0.2));
    // Out-of-range q is clamped.
    CHECK(h.quantile(2.0) == h.quantile(1.0));
    CHECK(h.quantile(-1.0) == h.quantile(0.0));
    CHECK(h.quantile(NAN) == h.quantile(0.0));
  }

  TEST_CASE("quantiles of a log-uniform spread from 2 us to 20 s are within 20%") {
    LatencyRecorder recorder;
    std::vector<double> values;
    for (int i = 0; i <= 7000; ++i) {
      const double ns = 2000.0 * std::pow(10.0, i / 1000.0);
      values.push_back(ns * 1e-9);
      recorder.record(nanoseconds(static_cast<std::int64_t>(ns)));
    }
    const LatencyHistogram h = recorder.snapshot();
    for (const double q : {0.05, 0.25, 0.5, 0.75, 0.95, 0.999}) {
      CAPTURE(q);
      const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
      CHECK(h.quantile(q) == doctest::Approx(values[rank - 1]).epsilon(0.2));
    }
  }

  TEST_CASE("an empty histogram's quantiles are 0") {
    CHECK(LatencyHistogram{}.quantile(0.5) == 0);
    LatencyRecorder recorder;
    const LatencyHistogram h = recorder.snapshot();
    CHECK(h.count == 0);
    CHECK(h.quantile(0.5) == 0);
    CHECK(h.quantile(1.0) == 0);
  }

  TEST_CASE("a hand-made histogram's quantile interpolates within its bucket") {
    LatencyHistogram h{.upper_bounds_seconds = {1, 2, 4}, .counts = {0, 10, 10, 0}, .count = 20};
    CHECK(h.quantile(0.25) == doctest::Approx(1.5));
    CHECK(h.quantile(0.5) == doctest::Approx(2.0));
    CHECK(h.quantile(0.75) == doctest::Approx(3.0));
    CHECK(h.quantile(1.0) == doctest::Approx(4.0));
  }

  TEST_CASE("to_prometheus output parses, with cumulative buckets and +Inf equal to _count") {
    LatencyRecorder sync;
    LatencyRecorder lag;
    for (int i = 1; i <= 300; ++i) {
      sync.record(microseconds(i * 37));
      lag.record(microseconds(i * i));
    }
    sync.record(std::chrono::hours(1));  // +Inf.
    Metrics m;
    m.operations = {{"reserve", "ok", 10}, {"confirm", "insufficient_stock", 2}};
    m.oversell_rejected = 3;
    m.journal_sequence = 42;
    m.durable_sequence = 41;
    m.journal_sync = sync.snapshot();
    m.observers.push_back(
        {.name = "audit", .cursor = 40, .lag_events = 1, .delivered = 40, .lag = lag.snapshot()});
    m.observers.push_back({.name = "observer-1", .cursor = 41, .failures = 2, .gaps = 1});

    const std::string text = to_prometheus(m);
    const std::vector<Sample> samples = check_exposition(text);

    std::map<std::string, double> values;
    for (const Sample& s : samples) {
      if (!s.label("le")) values[s.series_key()] = s.value;
    }
    CHECK(values["inventory_operations_total|operation=reserve|outcome=ok"] == 10);
    CHECK(values["inventory_operations_total|operation=confirm|outcome=insufficient_stock"] == 2);
    CHECK(values["inventory_oversell_rejected_total"] == 3);
    CHECK(values["inventory_journal_sequence"] == 42);
    CHECK(values["inventory_durable_sequence"] == 41);
    CHECK(values["inventory_journal_sync_seconds_count"] == 301);
    CHECK(values["inventory_journal_sync_seconds_sum"] ==
          doctest::Approx(m.journal_sync.sum_seconds));
    CHECK(values["inventory_observer_cursor|observer=audit"] == 40);
    CHECK(values["inventory_observer_lag_events|observer=audit"] == 1);
    CHECK(values["inventory_observer_delivered_total|observer=audit"] == 40);
    CHECK(values["inventory_observer_cursor|observer=observer-1"] == 41);
    CHECK(values["inventory_observer_failures_total|observer=observer-1"] == 2);
    CHECK(values["inventory_observer_gaps_total|observer=observer-1"] == 1);
    CHECK(values["inventory_observer_lag_seconds_count|observer=audit"] == 300);
    CHECK(values["inventory_observer_lag_seconds_count|observer=observer-1"] == 0);
    // Every bound of the recorder appears, plus +Inf, for each histogram series.
    std::size_t sync_buckets = 0;
    for (const Sample& s : samples) {
      if (s.name == "inventory_journal_sync_seconds_bucket") ++sync_buckets;
    }
    CHECK(sync_buckets == LatencyRecorder::kBuckets);
  }

  TEST_CASE("to_prometheus escapes backslash, double quote and newline in label values") {
    const std::string name = "a\"b\\c\nd";
    Metrics m;
    m.observers.push_back({.name = name, .cursor = 7});
    m.operations = {{"op\\", "\"out\"", 1}};
    const std::string text = to_prometheus(m);
    CHECK(text.find("inventory_observer_cursor{observer=\"a\\\"b\\\\c\\nd\"} 7\n") !=
          std::string::npos);
    CHECK(
        text.find("inventory_operations_total{operation=\"op\\\\\",outcome=\"\\\"out\\\"\"} 1\n") !=
        std::string::npos);
    bool found = false;
    for (const Sample& s : check_exposition(text)) {
      if (s.name == "inventory_observer_cursor") {
        CHECK(s.label("observer") == name);  // Round trip through the escaping.
        found = true;
      }
    }
    CHECK(found);
  }

  TEST_CASE("to_prometheus renders a small snapshot exactly") {
    Metrics m;
    m.operations = {{"reserve", "ok", 5}};
    m.oversell_rejected = 1;
    m.journal_sequence = 9;
    m.durable_sequence = 8;
    m.journal_sync = {
        .upper_bounds_seconds = {0.001, 0.01}, .counts = {1, 2, 3}, .count = 6, .sum_seconds = 0.5};
    m.observers.push_back({.name = "o",
                           .cursor = 8,
                           .lag_events = 0,
                           .delivered = 8,
                           .lag = {.upper_bounds_seconds = {1e-06},
                                   .counts = {2, 0},
                                   .count = 2,
                                   .sum_seconds = 1.5e-06}});
    const std::string expected =
        "# HELP inventory_operations_total Operations completed, by operation and outcome.\n"
        "# TYPE inventory_operations_total counter\n"
        "inventory_operations_total{operation=\"reserve\",outcome=\"ok\"} 5\n"
        "# HELP inventory_oversell_rejected_total Operations rejected because they would have "
        "oversold stock.\n"
        "# TYPE inventory_oversell_rejected_total counter\n"
        "inventory_oversell_rejected_total 1\n"
        "# HELP inventory_journal_sequence Last sequence written.\n"
        "# TYPE inventory_journal_sequence gauge\n"
        "inventory_journal_sequence 9\n"
        "# HELP inventory_durable_sequence Last sequence published to observers.\n"
        "# TYPE inventory_durable_sequence gauge\n"
        "inventory_durable_sequence 8\n"
        "# HELP inventory_journal_sync_seconds Duration of each journal group write and sync.\n"
        "# TYPE inventory_journal_sync_seconds histogram\n"
        "inventory_journal_sync_seconds_bucket{le=\"0.001\"} 1\n"
        "inventory_journal_sync_seconds_bucket{le=\"0.01\"} 3\n"
        "inventory_journal_sync_seconds_bucket{le=\"+Inf\"} 6\n"
        "inventory_journal_sync_seconds_sum 0.5\n"
        "inventory_journal_sync_seconds_count 6\n"
        "# HELP inventory_observer_cursor Last sequence delivered to and acknowledged by the "
        "observer.\n"
        "# TYPE inventory_observer_cursor gauge\n"
        "inventory_observer_cursor{observer=\"o\"} 8\n"
        "# HELP inventory_observer_lag_events Durable events not yet delivered to the observer.\n"
        "# TYPE inventory_observer_lag_events gauge\n"
        "inventory_observer_lag_events{observer=\"o\"} 0\n"
        "# HELP inventory_observer_delivered_total Events delivered to the observer.\n"
        "# TYPE inventory_observer_delivered_total counter\n"
        "inventory_observer_delivered_total{observer=\"o\"} 8\n"
        "# HELP inventory_observer_failures_total Failed deliveries to the observer.\n"
        "# TYPE inventory_observer_failures_total counter\n"
        "inventory_observer_failures_total{observer=\"o\"} 0\n"
        "# HELP inventory_observer_gaps_total Gaps in the sequence of events the observer "
        "received.\n"
        "# TYPE inventory_observer_gaps_total counter\n"
        "inventory_observer_gaps_total{observer=\"o\"} 0\n"
        "# HELP inventory_observer_lag_seconds Time from a change being durable to the "
        "observer's callback.\n"
        "# TYPE inventory_observer_lag_seconds histogram\n"
        "inventory_observer_lag_seconds_bucket{observer=\"o\",le=\"1e-06\"} 2\n"
        "inventory_observer_lag_seconds_bucket{observer=\"o\",le=\"+Inf\"} 2\n"
        "inventory_observer_lag_seconds_sum{observer=\"o\"} 1.5e-06\n"
        "inventory_observer_lag_seconds_count{observer=\"o\"} 2\n";
    CHECK(to_prometheus(m) == expected);
    check_exposition(expected);
  }

  TEST_CASE("to_prometheus of an empty snapshot still declares every family") {
    const std::string text = to_prometheus(Metrics{});
    check_exposition(text);
    CHECK(text.find("inventory_journal_sync_seconds_bucket{le=\"+Inf\"} 0\n") != std::string::npos);
    CHECK(text.find("inventory_journal_sync_seconds_count 0\n") != std::string::npos);
    CHECK(text.find("# TYPE inventory_observer_lag_seconds histogram\n") != std::string::npos);
  }
}

}  // namespace inventory
