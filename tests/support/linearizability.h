// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// A linearizability checker for recorded concurrent histories of stock operations.
//
// Method: Wing & Gong's search (WG 1993, with Lowe's memoisation, 2017) over one partition of
// the history at a time (P-compositionality, Horn & Kroening 2015): every operation touches the
// items of one group of at most kGroupSize items, so groups are independent objects and each is
// checked on its own. Within a partition, the operations of one thread are sequential, so the
// set of operations linearized so far is a prefix of each thread's operations and is fully
// described by one position per thread. The search linearizes, at each step, one thread's next
// operation among those invoked before the earliest pending return ("minimal" operations), if
// the sequential specification (a small model of the group, written from DESIGN.md section 3)
// produces exactly the recorded result. A memo of visited (positions, model state) pairs keeps
// the search polynomial for bounded concurrency.
//
// Invoke and return times come from one global atomic counter, so they respect real time.

#ifndef INVENTORY_TESTS_SUPPORT_LINEARIZABILITY_H_
#define INVENTORY_TESTS_SUPPORT_LINEARIZABILITY_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "inventory/status.h"

namespace inventory::testing {

constexpr int kGroupSize = 4;

enum class HistoryKind : std::uint8_t {
  get,
  adjust,
  set_on_hand,
  reserve,
  confirm,
  release,
  transfer
};

// One completed operation. Items are indexes 0..kGroupSize-1 within the group.
struct HistoryOp {
  std::uint64_t invoke = 0;
  std::uint64_t ret = 0;
  std::uint32_t thread = 0;
  std::uint32_t group = 0;
  HistoryKind kind = HistoryKind::get;
  std::uint8_t line_count = 0;                      // reserve: lines; transfer: 2 (from, to).
  std::array<std::uint8_t, kGroupSize> item{};      // get/adjust/set: item[0].
  std::array<std::int64_t, kGroupSize> quantity{};  // reserve lines; transfer: quantity[0].
  std::int64_t value = 0;                           // adjust: delta; set_on_hand: on_hand.
  bool has_expected = false;
  std::uint64_t expected_version = 0;
  std::uint64_t reservation = 0;  // confirm/release: argument; reserve: result.
  // Result.
  StatusCode code = StatusCode::ok;
  std::uint8_t level_count = 0;  // Levels returned (get/adjust/set: 1, transfer: 2).
  std::array<std::int64_t, 2> on_hand{};
  std::array<std::int64_t, 2> reserved{};
  std::array<std::uint64_t, 2> version{};
};

// The sequential specification of one group.
struct GroupModel {
  struct Hold {
    std::uint64_t id;
    std::uint8_t line_count;
    std::array<std::uint8_t, kGroupSize> item;
    std::array<std::int64_t, kGroupSize> quantity;
  };
  std::array<std::int64_t, kGroupSize> on_hand{};
  std::array<std::int64_t, kGroupSize> reserved{};
  std::array<std::uint64_t, kGroupSize> version{};
  std::vector<Hold> active;  // Sorted by id.

  std::uint64_t hash() const {
    std::uint64_t h = 0x9e3779b97f4a7c15ull;
    auto mix = [&h](std::uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
    for (int i = 0; i < kGroupSize; ++i) {
      mix(static_cast<std::uint64_t>(on_hand[i]));
      mix(static_cast<std::uint64_t>(reserved[i]));
      mix(version[i]);
    }
    for (const Hold& hold : active) mix(hold.id);
    return h;
  }

  bool level_matches(const HistoryOp& op, int slot, int item) const {
    return op.on_hand[slot] == on_hand[item] && op.reserved[slot] == reserved[item] &&
           op.version[slot] == version[item];
  }

  // Applies `op` if the recorded result is what the specification produces; returns false (and
  // leaves the model unspecified) otherwise. Rules as in DESIGN.md section 3 with
  // backorder_limit = safety_stock = 0 (the stress test uses no policies). `was_reserved(id)`
  // tells whether the reserve that created `id` is already linearized.
  template <typename WasReserved>
  bool step(const HistoryOp& op, WasReserved&& was_reserved) {
    switch (op.kind) {
      case HistoryKind::get:
        return op.code == StatusCode::ok && level_matches(op, 0, op.item[0]);
      case HistoryKind::adjust: {
        const int i = op.item[0];
        const std::int64_t next = on_hand[i] + op.value;
        const bool allowed = op.value > 0 || next - reserved[i] >= 0;
        if (!allowed) return op.code == StatusCode::insufficient_stock;
        if (op.code != StatusCode::ok) return false;
        on_hand[i] = next;
        ++version[i];
        return level_matches(op, 0, i);
      }
      case HistoryKind::set_on_hand: {
        const int i = op.item[0];
        if (op.has_expected && op.expected_version != version[i]) {
          return op.code == StatusCode::version_conflict;
        }
        if (op.value < on_hand[i] && op.value - reserved[i] < 0) {
          return op.code == StatusCode::insufficient_stock;
        }
        if (op.code != StatusCode::ok) return false;
        on_hand[i] = op.value;
        ++version[i];
        return level_matches(op, 0, i);
      }
      case HistoryKind::reserve: {
        bool enough = true;
        for (int k = 0; k < op.line_count; ++k) {
          enough &= op.quantity[k] <= on_hand[op.item[k]] - reserved[op.item[k]];
        }
        if (!enough) return op.code == StatusCode::insufficient_stock;
        if (op.code != StatusCode::ok) return false;
        for (int k = 0; k < op.line_count; ++k) {
          reserved[op.item[k]] += op.quantity[k];
          ++version[op.item[k]];
        }
        Hold hold{op.reservation, op.line_count, op.item, op.quantity};
        active.insert(std::upper_bound(active.begin(), active.end(), hold,
                                       [](const Hold& a, const Hold& b) { return a.id < b.id; }),
                      hold);
        return true;
      }
      case HistoryKind::confirm:
      case HistoryKind::release: {
        auto it = std::lower_bound(active.begin(), active.end(), op.reservation,
                                   [](const Hold& a, std::uint64_t id) { return a.id < id; });
        if (it == active.end() || it->id != op.reservation) {
          // Not active: it must have been reserved and then finished already.
          return op.code == StatusCode::reservation_not_active && was_reserved(op.reservation);
        }
        if (op.code != StatusCode::ok) return false;
        for (int k = 0; k < it->line_count; ++k) {
          const int i = it->item[k];
          reserved[i] -= it->quantity[k];
          if (op.kind == HistoryKind::confirm) on_hand[i] -= it->quantity[k];
          ++version[i];
        }
        active.erase(it);
        return true;
      }
      case HistoryKind::transfer: {
        const int from = op.item[0];
        const int to = op.item[1];
        const std::int64_t q = op.quantity[0];
        if (on_hand[from] - q - reserved[from] < 0) {
          return op.code == StatusCode::insufficient_stock;
        }
        if (op.code != StatusCode::ok) return false;
        on_hand[from] -= q;
        on_hand[to] += q;
        ++version[from];
        ++version[to];
        return level_matches(op, 0, from) && level_matches(op, 1, to);
      }
    }
    return false;
  }
};

struct CheckResult {
  bool linearizable = true;
  std::uint64_t operations = 0;
  std::uint64_t states_visited = 0;
  std::string detail;  // For a failure: the group and the deepest position reached.
};

// Checks one partition: `ops` are the operations of one group (any order), `initial` its state.
inline CheckResult check_partition(std::vector<HistoryOp> ops, const GroupModel& initial,
                                   std::uint32_t thread_count,
                                   std::uint64_t max_states = 50'000'000) {
  CheckResult result;
  result.operations = ops.size();
  // Per thread, in program order (invoke time).
  std::vector<std::vector<HistoryOp>> by_thread(thread_count);
  std::sort(ops.begin(), ops.end(),
            [](const HistoryOp& a, const HistoryOp& b) { return a.invoke < b.invoke; });
  for (const HistoryOp& op : ops) by_thread.at(op.thread).push_back(op);
  // Where each reservation was created: (thread, index) of its successful reserve.
  std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> reserve_site;
  for (std::uint32_t t = 0; t < thread_count; ++t) {
    for (std::uint32_t i = 0; i < by_thread[t].size(); ++i) {
      const HistoryOp& op = by_thread[t][i];
      if (op.kind == HistoryKind::reserve && op.code == StatusCode::ok) {
        reserve_site[op.reservation] = {t, i};
      }
    }
  }

  struct Frame {
    std::vector<std::uint32_t> position;
    GroupModel model;
    std::uint32_t next_thread = 0;  // Next candidate thread to try from this frame.
  };
  auto key_of = [](const std::vector<std::uint32_t>& position, const GroupModel& model) {
    std::uint64_t h = model.hash();
    for (std::uint32_t p : position) h = h * 1'000'003u ^ p;
    return h;
  };
  std::unordered_set<std::uint64_t> visited;
  std::vector<Frame> stack;
  stack.push_back({std::vector<std::uint32_t>(thread_count, 0), initial, 0});
  visited.insert(key_of(stack.back().position, initial));
  std::uint64_t deepest = 0;
  Frame deepest_frame;
  // Depth-first search; each frame tries its candidates in thread order.
  while (!stack.empty()) {
    Frame& frame = stack.back();
    std::uint64_t done = 0;
    std::uint64_t earliest_return = UINT64_MAX;
    for (std::uint32_t t = 0; t < thread_count; ++t) {
      done += frame.position[t];
      if (frame.position[t] < by_thread[t].size()) {
        earliest_return = std::min(earliest_return, by_thread[t][frame.position[t]].ret);
      }
    }
    if (done > deepest) {
      deepest = done;
      deepest_frame = frame;
    }
    if (done == ops.size()) {
      result.states_visited = visited.size();
      return result;
    }
    bool pushed = false;
    // `frame` is invalidated by push_back, so test `pushed` first.
    while (!pushed && frame.next_thread < thread_count) {
      const std::uint32_t t = frame.next_thread++;
      if (frame.position[t] >= by_thread[t].size()) continue;
      const HistoryOp& op = by_thread[t][frame.position[t]];
      if (op.invoke > earliest_return) continue;  // Not minimal: someone returned before it.
      GroupModel next = frame.model;
      const auto& position_now = frame.position;
      auto was_reserved = [&](std::uint64_t id) {
        auto site = reserve_site.find(id);
        return site != reserve_site.end() && position_now[site->second.first] > site->second.second;
      };
      if (!next.step(op, was_reserved)) continue;
      std::vector<std::uint32_t> position = frame.position;
      ++position[t];
      if (!visited.insert(key_of(position, next)).second) continue;
      if (visited.size() > max_states) {
        result.linearizable = false;
        result.detail = "search exceeded " + std::to_string(max_states) + " states";
        return result;
      }
      stack.push_back({std::move(position), std::move(next), 0});
      pushed = true;
    }
    if (!pushed) stack.pop_back();
  }
  result.linearizable = false;
  result.states_visited = visited.size();
  result.detail = "no linearization; deepest prefix " + std::to_string(deepest) + " of " +
                  std::to_string(ops.size()) + " operations";
  // Describe where the search got stuck: the state and the next operation of each thread.
  const GroupModel& m = deepest_frame.model;
  for (int i = 0; i < kGroupSize; ++i) {
    result.detail += "\n  item " + std::to_string(i) + ": on_hand " + std::to_string(m.on_hand[i]) +
                     " reserved " + std::to_string(m.reserved[i]) + " version " +
                     std::to_string(m.version[i]);
  }
  result.detail += "\n  active holds: " + std::to_string(m.active.size());
  for (std::uint32_t t = 0; t < thread_count; ++t) {
    const std::uint32_t p = deepest_frame.position[t];
    for (std::uint32_t k = p; k < by_thread[t].size() && k < p + 2; ++k) {
      const HistoryOp& op = by_thread[t][k];
      result.detail +=
          "\n  thread " + std::to_string(t) + " op " + std::to_string(k) + ": kind " +
          std::to_string(static_cast<int>(op.kind)) + " [" + std::to_string(op.invoke) + "," +
          std::to_string(op.ret) + "] item " + std::to_string(op.item[0]) + "/" +
          std::to_string(op.item[1]) + " q " + std::to_string(op.quantity[0]) + "/" +
          std::to_string(op.quantity[1]) + " lines " + std::to_string(op.line_count) + " value " +
          std::to_string(op.value) + " expected " +
          (op.has_expected ? std::to_string(op.expected_version) : "-") + " res " +
          std::to_string(op.reservation) + " -> " + std::string(to_string(op.code)) + " levels " +
          std::to_string(op.level_count) + " (" + std::to_string(op.on_hand[0]) + "," +
          std::to_string(op.reserved[0]) + ",v" + std::to_string(op.version[0]) + ")";
    }
  }
  return result;
}

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_LINEARIZABILITY_H_
