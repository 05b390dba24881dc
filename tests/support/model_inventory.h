// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// ModelInventory: the obviously-correct, single-threaded reference the checkers compare the
// engine with. Plain maps, no atomics, no cleverness: each operation is written from the rules
// of DESIGN.md section 3 and the contracts in include/inventory, not from the engine's code.
//
// Used by the model test (lock-step against the engine) and the linearizability checker (as the
// sequential specification).

#ifndef INVENTORY_TESTS_SUPPORT_MODEL_INVENTORY_H_
#define INVENTORY_TESTS_SUPPORT_MODEL_INVENTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "inventory/status.h"
#include "inventory/types.h"

namespace inventory::testing {

struct ModelItem {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  ItemPolicy policy;
  std::uint64_t version = 0;
  bool deficit = false;  // Below -backorder_limit because of a forced change.
  int product = 0;

  std::int64_t available() const { return on_hand - reserved; }
};

// An active reservation. Finished ones move to ModelInventory::finished.
struct ModelReservation {
  std::vector<ReserveLine> lines;
  std::int64_t expires_ms = 0;
};

// The outcome of one model operation: a status code and, on success, what the engine returns.
struct ModelOutcome {
  StatusCode code = StatusCode::ok;
  std::vector<std::pair<ItemId, ModelItem>> levels;  // Items after the change, as returned.
  std::int64_t expires_ms = 0;

  bool ok() const { return code == StatusCode::ok; }
};

class ModelInventory {
 public:
  static constexpr std::int64_t kMax = kQuantityMax;

  std::map<ItemId, ModelItem> items;
  std::map<ReservationId, ModelReservation> reservations;  // Active ones.
  std::map<ReservationId, ReservationState> finished;
  std::uint32_t reservations_max = 1u << 30;

  std::size_t active_count() const { return reservations.size(); }

  ModelItem* item(ItemId id) {
    auto it = items.find(id);
    return it == items.end() ? nullptr : &it->second;
  }

  // Every item stays within |on_hand| <= max, reserved <= max, available >= -max.
  static bool out_of_range(const ModelItem& m) {
    return m.on_hand > kMax || m.on_hand < -kMax || m.reserved > kMax || m.available() < -kMax;
  }

  static void settle_deficit(const ModelItem& before, ModelItem& after, bool forced) {
    after.deficit = after.available() < -after.policy.backorder_limit && (forced || before.deficit);
  }

  // ---- The rules. Each returns the outcome and changes the model only on success. ----

  ModelOutcome adjust(ItemId id, std::int64_t delta, bool force) {
    ModelItem* it = item(id);
    if (it == nullptr) return {StatusCode::not_found};
    ModelItem next = *it;
    next.on_hand += delta;
    if (delta < 0 && !force && next.available() < -next.policy.backorder_limit) {
      return {StatusCode::insufficient_stock};
    }
    if (out_of_range(next)) return {StatusCode::limit_exceeded};
    return commit(id, *it, next, force);
  }

  ModelOutcome set_on_hand(ItemId id, std::int64_t on_hand, std::optional<std::uint64_t> expected,
                           bool force) {
    ModelItem* it = item(id);
    if (it == nullptr) return {StatusCode::not_found};
    if (expected && *expected != it->version) return {StatusCode::version_conflict};
    ModelItem next = *it;
    next.on_hand = on_hand;
    if (on_hand < it->on_hand && !force && next.available() < -next.policy.backorder_limit) {
      return {StatusCode::insufficient_stock};
    }
    if (out_of_range(next)) return {StatusCode::limit_exceeded};
    return commit(id, *it, next, force);
  }

  ModelOutcome set_policy(ItemId id, const ItemPolicy& policy,
                          std::optional<std::uint64_t> expected) {
    ModelItem* it = item(id);
    if (it == nullptr) return {StatusCode::not_found};
    if (expected && *expected != it->version) return {StatusCode::version_conflict};
    if (!it->deficit && it->available() < -policy.backorder_limit) {
      return {StatusCode::failed_precondition};
    }
    ModelItem next = *it;
    next.policy = policy;
    next.deficit = it->deficit && it->available() < -policy.backorder_limit;
    next.version = it->version + 1;
    *it = next;
    return {StatusCode::ok, {{id, next}}};
  }

  // Checks that every line can be held; returns the code (ok, not_found, limit_exceeded,
  // insufficient_stock) in the engine's order of precedence.
  StatusCode check_reserve(const std::vector<ReserveLine>& lines, std::size_t extra_records = 0) {
    for (const ReserveLine& line : lines) {
      if (item(line.item) == nullptr) return StatusCode::not_found;
    }
    if (active_count() + extra_records >= reservations_max) return StatusCode::limit_exceeded;
    bool out_of_range_line = false;
    for (const ReserveLine& line : lines) {
      const ModelItem& it = *item(line.item);
      if (line.quantity.value() >
          it.available() - it.policy.safety_stock + it.policy.backorder_limit) {
        return StatusCode::insufficient_stock;
      }
      out_of_range_line |= it.reserved + line.quantity.value() > kMax;
    }
    return out_of_range_line ? StatusCode::limit_exceeded : StatusCode::ok;
  }

  // Holds the lines under `id` (the engine assigns ids; the model records them).
  void apply_reserve(ReservationId id, const std::vector<ReserveLine>& lines,
                     std::int64_t expires_ms) {
    for (const ReserveLine& line : lines) {
      ModelItem& it = *item(line.item);
      ModelItem next = it;
      next.reserved += line.quantity.value();
      settle_deficit(it, next, false);
      next.version = it.version + 1;
      it = next;
    }
    reservations[id] = ModelReservation{lines, expires_ms};
  }

  // confirm / release / expire of an active reservation. `quantities` as ConfirmRequest.
  void finish(ReservationId id, ReservationState final_state,
              const std::vector<ReserveLine>& quantities) {
    const ModelReservation r = reservations.at(id);
    for (const ReserveLine& line : r.lines) {
      ModelItem* it = item(line.item);
      if (it == nullptr) continue;  // Removed with force.
      std::int64_t confirmed = 0;
      if (final_state == ReservationState::confirmed) {
        confirmed = line.quantity.value();
        if (!quantities.empty()) {
          confirmed = 0;
          for (const ReserveLine& q : quantities) {
            if (q.item == line.item) confirmed = q.quantity.value();
          }
        }
      }
      ModelItem next = *it;
      next.on_hand -= confirmed;
      next.reserved -= line.quantity.value();
      settle_deficit(*it, next, false);
      next.version = it->version + 1;
      *it = next;
    }
    reservations.erase(id);
    finished[id] = final_state;
  }

  // Where a confirm/release/extend on `id` at `now` stands before any change: ok (active and
  // not overdue), not_found, inactive (finished), or overdue (the call must expire it).
  enum class Liveness { ok, not_found, inactive, overdue };
  Liveness liveness(ReservationId id, std::int64_t now_ms) const {
    auto it = reservations.find(id);
    if (it == reservations.end()) {
      return finished.count(id) != 0 ? Liveness::inactive : Liveness::not_found;
    }
    if (now_ms >= it->second.expires_ms) return Liveness::overdue;
    return Liveness::ok;
  }

  // Every listed item is a line, confirmed for at most what it holds.
  bool valid_quantities(ReservationId id, const std::vector<ReserveLine>& quantities) const {
    const ModelReservation& r = reservations.at(id);
    for (const ReserveLine& q : quantities) {
      bool found = false;
      for (const ReserveLine& line : r.lines) {
        if (line.item == q.item) {
          found = true;
          if (q.quantity > line.quantity) return false;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  ModelOutcome transfer(ItemId from, ItemId to, std::int64_t quantity) {
    ModelItem* source = item(from);
    if (source == nullptr) return {StatusCode::not_found};
    ModelItem* target = item(to);
    if (target == nullptr) return {StatusCode::not_found};
    if (source->product != target->product) return {StatusCode::invalid_argument};
    ModelItem source_next = *source;
    source_next.on_hand -= quantity;
    if (source_next.available() < -source_next.policy.backorder_limit) {
      return {StatusCode::insufficient_stock};
    }
    if (target->on_hand + quantity > kMax) return {StatusCode::limit_exceeded};
    ModelItem target_next = *target;
    target_next.on_hand += quantity;
    settle_deficit(*source, source_next, false);
    settle_deficit(*target, target_next, false);
    source_next.version = source->version + 1;
    target_next.version = target->version + 1;
    *source = source_next;
    *target = target_next;
    return {StatusCode::ok, {{from, source_next}, {to, target_next}}};
  }

  std::size_t expire_due(std::int64_t now_ms) {
    std::vector<ReservationId> due;
    for (const auto& [id, r] : reservations) {
      if (r.expires_ms <= now_ms) due.push_back(id);
    }
    for (ReservationId id : due) finish(id, ReservationState::expired, {});
    return due.size();
  }

  // Invariants 1 and 2 of DESIGN.md section 4 over the whole model.
  std::string check_invariants() const {
    std::map<ItemId, std::int64_t> held;
    for (const auto& [id, r] : reservations) {
      for (const ReserveLine& line : r.lines) {
        if (items.count(line.item) != 0) held[line.item] += line.quantity.value();
      }
    }
    for (const auto& [id, it] : items) {
      if (it.reserved != held[id]) return "reserved != sum of active holds";
      if (it.available() < -it.policy.backorder_limit && !it.deficit) return "oversold";
      if (it.reserved < 0) return "negative reserved";
    }
    return {};
  }

 private:
  ModelOutcome commit(ItemId id, const ModelItem& before, ModelItem next, bool forced) {
    settle_deficit(before, next, forced);
    next.version = before.version + 1;
    items[id] = next;
    return {StatusCode::ok, {{id, next}}};
  }
};

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_MODEL_INVENTORY_H_
