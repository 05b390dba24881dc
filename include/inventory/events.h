// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Events: the change feed. Every journal record, once durable, becomes one or more events, each
// with its own sequence number. Sequence numbers are gap-free and strictly increasing over the
// whole journal; the events of one atomic change (a multi-line reservation, a transfer, a batch)
// have consecutive numbers and share `change` (the sequence of the change's first event). Per
// item, events come in the order the changes took effect: each event's `before` is the previous
// event's `after` for that item.
//
// Derived events ("transitions") are numbered right after the event that caused them:
//   low_stock       available fell from above low_stock_threshold to at or below it
//   out_of_stock    available fell from above 0 to 0 or below
//   back_in_stock   available rose from 0 or below to above 0
//   unusual_adjustment  an adjustment or count moved on_hand by more than
//                   Options::unusual_adjustment (configured when the change was made)
// Each fires exactly once per crossing. oversell_rejected records a reservation refused with
// insufficient_stock (quantity in `delta`; `before` and `after` both hold the item's state read
// right after the refusal). A refusal changes nothing, so it is not part of the per-item chain:
// under concurrency its quantities need not equal the previous event's `after`.
//
// Thread safety: plain values.

#ifndef INVENTORY_EVENTS_H_
#define INVENTORY_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/export.h"
#include "inventory/types.h"

namespace inventory {

// Values are stable (they are part of the C API); new kinds are added at the end.
enum class EventType : std::uint8_t {
  stock_adjusted = 1,
  stock_set = 2,
  stock_transferred = 3,
  policy_changed = 4,
  reservation_reserved = 5,
  reservation_confirmed = 6,
  reservation_released = 7,
  reservation_expired = 8,
  reservation_extended = 9,
  product_upserted = 10,
  product_removed = 11,
  location_upserted = 12,
  location_removed = 13,
  item_upserted = 14,
  item_removed = 15,
  low_stock = 16,
  out_of_stock = 17,
  back_in_stock = 18,
  oversell_rejected = 19,
  unusual_adjustment = 20,
  // A request with an idempotency key that was refused (its stored error is in `reason`):
  // recorded so that a retry gets the same answer after a restart.
  request_refused = 21,
};
constexpr int kEventTypeMax = 21;

// "stock.adjusted", "reservation.reserved", "stock.low", ... (the REST API's names).
INVENTORY_EXPORT std::string_view to_string(EventType type) noexcept;
// The inverse of to_string; nullopt for an unknown name.
INVENTORY_EXPORT std::optional<EventType> event_type_from_string(std::string_view name) noexcept;

struct Quantities {
  Quantity on_hand;
  Quantity reserved;
  Quantity available;  // on_hand - reserved.
  friend bool operator==(const Quantities&, const Quantities&) = default;
};

struct Event {
  std::uint64_t sequence = 0;
  std::uint64_t change = 0;  // Sequence of the first event of the same atomic change.
  EventType type = EventType::stock_adjusted;
  ItemId item{};                // 0 for catalog events other than item_*.
  ReservationId reservation{};  // Reservation events: the reservation (0 when unknown).
  std::string product_id;       // Resolved from the catalog when the event is read; empty for
  std::string location_id;      // an item that no longer exists.
  Quantities before;            // Item events: the item before and after the change.
  Quantities after;
  std::int64_t delta = 0;  // Change of on_hand (stock events) or reserved (reservations).
  Version version{};       // The item's version after the change.
  std::string reason;
  std::string reference;
  std::string actor;
  std::string request_id;
  Timestamp occurred_at{};  // The caller's clock (WriteOptions::occurred_at), else recorded_at.
  Timestamp recorded_at{};  // The engine's clock when the change was made.
};

// Which events an observer or query wants. Empty vectors mean "all".
struct EventFilter {
  std::vector<EventType> types;
  std::vector<std::string> location_ids;  // Events of items at these locations (and catalog
                                          // events of these locations).
  bool matches(const Event& event) const noexcept;
};

// A page of the feed: events with sequence > `after`, in order.
struct ChangesPage {
  std::vector<Event> events;
  std::uint64_t next_after = 0;  // Pass as `after` to continue.
  std::uint64_t head = 0;        // Last durable sequence when the page was read.
  // Nonzero when the events after `after` were trimmed from the journal: the page is empty and
  // reading goes on after trimmed_through (next_after equals it).
  std::uint64_t trimmed_through = 0;
};

// Engine::history(): an item's audit trail, oldest first, within the retained journal.
struct HistoryRequest {
  ItemId item{};
  std::uint64_t after = 0;             // Sequences > after ...
  std::optional<std::uint64_t> until;  // ... and <= until (default: the head).
  std::optional<Timestamp> since;      // recorded_at >= since.
  std::uint32_t limit = 100;           // 1..limits.page_size_max.
};

// Engine::explain(): why available is what it is.
struct Hold {
  ReservationId reservation{};
  Quantity quantity;
  std::string reference;
  Timestamp created_at{};
  Timestamp expires_at{};
};
struct Explanation {
  StockLevel level;
  std::vector<Hold> holds;  // Active reservations holding this item, oldest first.
  Quantity held;            // Sum of holds (equals level.reserved).
  Quantity reservable;      // available - safety_stock + backorder_limit.
  std::string summary;      // One line a person can read.
};

}  // namespace inventory

#endif  // INVENTORY_EVENTS_H_
