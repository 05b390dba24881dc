// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Strong value types shared by the whole API: ids, quantities, versions, timestamps, and the
// plain structs the engine returns (StockLevel, ReservationInfo).
//
// Thread safety: all types here are values; const methods may be called concurrently.

#ifndef INVENTORY_TYPES_H_
#define INVENTORY_TYPES_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/export.h"

namespace inventory {

// One product at one location: the unit of stock. Assigned by the engine when the item is
// created and never reused for another item (it carries a generation), so a stale id after a
// removal yields not_found instead of touching the wrong item. 0 is never a valid id.
enum class ItemId : std::uint64_t {};

// A hold on one or more items. Assigned by the engine; opaque; 0 is never a valid id. Like
// ItemId it carries a generation, so an id of a finished reservation never aliases a new one.
enum class ReservationId : std::uint64_t {};

// Bumps on every change of an item (stock, holds or policy); an all_or_nothing batch bumps each
// item it changes once. Compare for equality only: it is 38 bits wide on the item and wraps
// after 2^38 (about 2.7e11) changes of one item (WART: see docs/design.md).
enum class Version : std::uint64_t {};

// Wall-clock time in milliseconds since the Unix epoch, from the engine's Clock.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// A signed count of units. Quantities of an item are limited to +/- kQuantityMax (about 8.8
// trillion units), the range the lock-free slot can hold; the engine rejects anything larger.
class Quantity {
 public:
  static constexpr std::int64_t kMax = (std::int64_t{1} << 43) - 1;

  constexpr Quantity() noexcept = default;
  constexpr explicit Quantity(std::int64_t units) noexcept : units_(units) {}

  constexpr std::int64_t value() const noexcept { return units_; }

  friend constexpr auto operator<=>(Quantity, Quantity) noexcept = default;
  friend constexpr Quantity operator+(Quantity a, Quantity b) noexcept {
    return Quantity(a.units_ + b.units_);
  }
  friend constexpr Quantity operator-(Quantity a, Quantity b) noexcept {
    return Quantity(a.units_ - b.units_);
  }
  constexpr Quantity operator-() const noexcept { return Quantity(-units_); }

 private:
  std::int64_t units_ = 0;
};

constexpr std::int64_t kQuantityMax = Quantity::kMax;

// The state of a reservation. `active` is the only non-terminal state.
enum class ReservationState : std::uint8_t {
  active = 1,
  confirmed = 2,
  released = 3,
  expired = 4,
};

// "active", "confirmed", "released", "expired".
INVENTORY_EXPORT std::string_view to_string(ReservationState state) noexcept;

// Per-item policy.
struct ItemPolicy {
  // Units never offered to reservations: reserve needs available - safety_stock - quantity >=
  // -backorder_limit. Default: 0. REQUIRES: 0 <= safety_stock <= kQuantityMax.
  std::int64_t safety_stock = 0;
  // available at or below this is "low stock" (list filter; a feed event in a later release).
  // Default: 0. REQUIRES: 0 <= low_stock_threshold <= kQuantityMax.
  std::int64_t low_stock_threshold = 0;
  // How far available may go below zero (0 = never oversell). Default: 0.
  // REQUIRES: 0 <= backorder_limit <= kQuantityMax.
  std::int64_t backorder_limit = 0;

  friend bool operator==(const ItemPolicy&, const ItemPolicy&) = default;
};

// A consistent snapshot of one item. `available` is derived: on_hand - reserved.
struct StockLevel {
  ItemId item{};
  Quantity on_hand;
  Quantity reserved;
  ItemPolicy policy;
  Version version{};
  Timestamp updated_at{};

  constexpr Quantity available() const noexcept { return on_hand - reserved; }
  // What a new reservation may still take: available - safety_stock + backorder_limit.
  constexpr Quantity reservable() const noexcept {
    return available() - Quantity(policy.safety_stock) + Quantity(policy.backorder_limit);
  }
  constexpr bool low_stock() const noexcept {
    return available().value() <= policy.low_stock_threshold;
  }

  friend bool operator==(const StockLevel&, const StockLevel&) = default;
};

// One line of a reservation.
struct ReserveLine {
  ItemId item{};
  Quantity quantity;
};

// A reservation as stored by the engine.
struct ReservationInfo {
  ReservationId id{};
  ReservationState state = ReservationState::active;
  std::vector<ReserveLine> lines;
  std::string reference;
  Timestamp created_at{};
  Timestamp expires_at{};
};

// --- Requests. Strings and spans are borrowed for the duration of the call. ---

// Changes on_hand by `delta`: restock (+), shrinkage, sale without a hold or damage (-), return.
struct AdjustRequest {
  ItemId item{};
  Quantity delta;  // REQUIRES: delta != 0 and |delta| <= limits.adjustment_max.
  std::string_view reason;
  std::string_view reference;
  // Apply even if the result leaves available below -backorder_limit (the stock is physically
  // gone; the item is then oversold until restocked). Default: false.
  bool force = false;
};

// Sets on_hand to an absolute count (cycle count). With expected_version it is a compare-and-set.
struct SetOnHandRequest {
  ItemId item{};
  Quantity on_hand;  // REQUIRES: |on_hand| <= kQuantityMax.
  std::optional<Version> expected_version;
  std::string_view reason;
  std::string_view reference;
  bool force = false;  // As in AdjustRequest.
};

// Holds `quantity` of one item. ttl 0 means limits.ttl_default.
struct ReserveRequest {
  ItemId item{};
  Quantity quantity;  // REQUIRES: 1 <= quantity <= limits.adjustment_max.
  std::chrono::milliseconds ttl{0};
  std::string_view reference;
};

// Holds every line or none (a cart). Items must be distinct.
struct ReserveLinesRequest {
  std::span<const ReserveLine> lines;  // REQUIRES: 1..limits.reservation_lines_max lines.
  std::chrono::milliseconds ttl{0};
  std::string_view reference;
};

// Confirms a reservation: takes the units out of on_hand and reserved together. With
// `quantities` empty every line is confirmed in full; otherwise each listed item is confirmed
// for the given quantity (0..held) and everything not confirmed is released.
struct ConfirmRequest {
  ReservationId reservation{};
  std::span<const ReserveLine> quantities;
};

// Moves `quantity` units of on_hand from one item to another item of the same product, as one
// atomic change. For a two-phase transfer, move into an item at a `transit` location first.
struct TransferRequest {
  ItemId from{};
  ItemId to{};
  Quantity quantity;  // REQUIRES: 1 <= quantity <= limits.adjustment_max.
  std::string_view reason;
  std::string_view reference;
};

// Replaces an item's policy. Lowering it below the current state is refused with
// failed_precondition (e.g. a backorder_limit smaller than the current shortfall).
struct SetPolicyRequest {
  ItemId item{};
  ItemPolicy policy;
  std::optional<Version> expected_version;
};

// Both items after a transfer.
struct TransferReceipt {
  StockLevel from;
  StockLevel to;
};

}  // namespace inventory

#endif  // INVENTORY_TYPES_H_
