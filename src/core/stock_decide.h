// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The stock guards of every operation, as pure functions of the current slot word, and the
// fixed errors of the hot paths. Shared by the single-item paths and the batch simulation so
// that both decide exactly alike. Internal to src/core.

#ifndef INVENTORY_CORE_STOCK_DECIDE_H_
#define INVENTORY_CORE_STOCK_DECIDE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "inventory/status.h"
#include "inventory/types.h"

#include "core/item_table.h"
#include "core/reservation_table.h"

namespace inventory::core {

Status reservation_inactive(ResStatus state) noexcept;

// Fixed errors of the hot paths: built from literals, so they never allocate.
inline const Status kItemNotFound =
    Status::from_static(StatusCode::not_found, "item not found", "item");
inline const Status kReservationNotFound =
    Status::from_static(StatusCode::not_found, "reservation not found", "reservation");
inline const Status kNoReservationRecord = Status::from_static(
    StatusCode::limit_exceeded, "limits.reservations_max reached: no free reservation record", "");
inline const Status kNoOverflowLines = Status::from_static(
    StatusCode::limit_exceeded,
    "limits.reservation_overflow_lines_max reached: no room for lines beyond the first 6", "");
inline const Status kReserveShort = Status::from_static(
    StatusCode::insufficient_stock,
    "insufficient stock: available - safety_stock + backorder_limit is less than the quantity",
    "quantity");
inline const Status kAdjustShort = Status::from_static(
    StatusCode::insufficient_stock,
    "insufficient stock: on_hand would fall below reserved - backorder_limit (pass force to "
    "record a physical loss anyway)",
    "delta");
inline const Status kSetShort = Status::from_static(
    StatusCode::insufficient_stock,
    "insufficient stock: on_hand would fall below reserved - backorder_limit (pass force to "
    "record the count anyway)",
    "on_hand");
inline const Status kTransferShort = Status::from_static(
    StatusCode::insufficient_stock,
    "insufficient stock: the source item's on_hand would fall below reserved - backorder_limit",
    "quantity");
inline const Status kRangeDelta =
    Status::from_static(StatusCode::limit_exceeded,
                        "on_hand or on_hand - reserved would leave the quantity range "
                        "(+/- 2^43 - 1)",
                        "delta");
inline const Status kRangeSet = Status::from_static(
    StatusCode::limit_exceeded, "on_hand - reserved would leave the quantity range (+/- 2^43 - 1)",
    "on_hand");
inline const Status kRangeReserve = Status::from_static(
    StatusCode::limit_exceeded, "reserved would leave the quantity range (2^43 - 1)", "quantity");
inline const Status kRangeTransfer = Status::from_static(
    StatusCode::limit_exceeded,
    "the destination's on_hand would leave the quantity range (+/- 2^43 - 1)", "quantity");
inline const Status kVersionConflict = Status::from_static(
    StatusCode::version_conflict, "version_conflict: the item changed since expected_version",
    "expected_version");
inline const Status kPolicyShort =
    Status::from_static(StatusCode::failed_precondition,
                        "backorder_limit is smaller than the item's current shortfall (available < "
                        "-backorder_limit); restock or release first",
                        "policy.backorder_limit");
inline const Status kDifferentProduct = Status::from_static(
    StatusCode::invalid_argument, "the items of a transfer must be of the same product", "to");
// Internal: a record payload changed under a reader; the reader retries.
inline const Status kRetry = Status::from_static(StatusCode::busy, "retry", "");

// The quantity range every slot stays in: |on_hand| <= kQuantityMax, reserved <= kQuantityMax
// and available >= -kQuantityMax. The last one keeps a confirm (on_hand -= confirmed, at most
// reserved) inside the range without a check of its own, since a confirm cannot fail.
inline bool out_of_range(const SlotWord& w) {
  return w.on_hand > kQuantityMax || w.on_hand < -kQuantityMax || w.reserved > kQuantityMax ||
         w.available() < -kQuantityMax;
}

// The deficit bit after a change: set while available < -backorder_limit, and only entered by
// a forced change (every unforced path refuses to go there).
inline void add_deficit(const SlotWord& current, SlotWord& next, std::int64_t backorder_limit,
                        bool forced) {
  next.deficit = next.available() < -backorder_limit && (forced || current.deficit);
}

// The guards, shared by the single-item paths and the batch simulation. Each reads `current`,
// writes the candidate `next` (quantities and deficit only) and returns ok or the refusal.
inline Status decide_adjust(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                            std::int64_t delta, bool force) {
  next.on_hand = current.on_hand + delta;
  if (delta < 0 && !force && next.available() < -policy.backorder_limit) return kAdjustShort;
  if (out_of_range(next)) return kRangeDelta;
  add_deficit(current, next, policy.backorder_limit, force);
  return Status();
}

inline Status decide_set(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                         std::int64_t on_hand, const std::optional<Version>& expected, bool force) {
  if (expected && static_cast<std::uint64_t>(*expected) != current.version) {
    return kVersionConflict;
  }
  next.on_hand = on_hand;
  if (on_hand < current.on_hand && !force && next.available() < -policy.backorder_limit) {
    return kSetShort;
  }
  if (out_of_range(next)) return kRangeSet;
  add_deficit(current, next, policy.backorder_limit, force);
  return Status();
}

inline Status decide_reserve(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                             std::int64_t quantity) {
  const std::int64_t reservable =
      current.available() - policy.safety_stock + policy.backorder_limit;
  if (quantity > reservable) return kReserveShort;
  next.reserved = current.reserved + quantity;
  if (out_of_range(next)) return kRangeReserve;
  add_deficit(current, next, policy.backorder_limit, false);
  return Status();
}

// Confirm `confirmed` of a hold of `held` (confirmed <= held); the rest is released.
inline void decide_finish_line(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                               std::int64_t held, std::int64_t confirmed) {
  INVENTORY_DASSERT(current.reserved >= held);
  next.on_hand = current.on_hand - confirmed;
  next.reserved = current.reserved - held;
  add_deficit(current, next, policy.backorder_limit, false);
}

inline Status decide_transfer_from(const SlotWord& current, SlotWord& next,
                                   const ItemPolicy& policy, std::int64_t quantity) {
  next.on_hand = current.on_hand - quantity;
  if (next.available() < -policy.backorder_limit) return kTransferShort;
  add_deficit(current, next, policy.backorder_limit, false);
  return Status();
}

inline Status decide_transfer_to(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                                 std::int64_t quantity) {
  if (current.on_hand + quantity > kQuantityMax) return kRangeTransfer;
  next.on_hand = current.on_hand + quantity;
  add_deficit(current, next, policy.backorder_limit, false);
  return Status();
}

inline Status decide_policy(const SlotWord& current, SlotWord& next, const ItemPolicy& policy,
                            const std::optional<Version>& expected) {
  if (expected && static_cast<std::uint64_t>(*expected) != current.version) {
    return kVersionConflict;
  }
  if (!current.deficit && current.available() < -policy.backorder_limit) return kPolicyShort;
  next.deficit = current.deficit && current.available() < -policy.backorder_limit;
  return Status();
}

// The held quantity to confirm for `item` under `quantities` (empty: all of it).
inline std::int64_t confirmed_quantity(std::span<const ReserveLine> quantities, ItemId item,
                                       std::int64_t held) {
  if (quantities.empty()) return held;
  for (const ReserveLine& q : quantities) {
    if (q.item == item) return q.quantity.value();
  }
  return 0;
}

// ok if the word is the active reservation of `generation`; otherwise why not. A locked word
// is reported ok; callers check the lock bit themselves.
inline Status check_res_word(const ResWord& w, std::uint32_t generation) noexcept {
  const auto ahead = static_cast<std::int32_t>(w.generation - generation);
  if (ahead == 0) {
    if (w.state == ResStatus::active) return Status();
    if (w.state == ResStatus::none) return kReservationNotFound;
    return reservation_inactive(w.state);
  }
  if (ahead == 1 && w.prev_state != ResStatus::none && w.prev_state != ResStatus::active) {
    return reservation_inactive(w.prev_state);
  }
  if (ahead >= 1) return reservation_inactive(ResStatus::none);
  return kReservationNotFound;
}

// Collects the short lines of a multi-line reserve into one insufficient_stock Status that
// names every short line, with the first one as field and index.
class Shortages {
 public:
  void add(std::size_t line, std::int64_t quantity, const SlotWord& word,
           const ItemPolicy& policy) {
    const std::int64_t reservable = word.available() - policy.safety_stock + policy.backorder_limit;
    if (first_ < 0 || static_cast<std::int32_t>(line) < first_) {
      first_ = static_cast<std::int32_t>(line);
    }
    text_ += (text_.empty() ? "" : "; ") + std::string("lines[") + std::to_string(line) +
             "] wants " + std::to_string(quantity) + ", reservable " +
             std::to_string(reservable < 0 ? 0 : reservable);
  }
  bool empty() const { return first_ < 0; }
  Status status() const {
    return Status(StatusCode::insufficient_stock, "insufficient stock: " + text_,
                  "lines[" + std::to_string(first_) + "].quantity", first_);
  }

 private:
  std::string text_;
  std::int32_t first_ = -1;
};

}  // namespace inventory::core

#endif  // INVENTORY_CORE_STOCK_DECIDE_H_
