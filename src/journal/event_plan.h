// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Which events a journal record produces, in which order. One function serves both sides: the
// encoder counts the events to size the record's sequence span, and the feed walks the same
// plan to build them. Everything it looks at is stored in the record (the words before and
// after, the policy, the unusual-adjustment limit in force), so a record read back years later
// yields exactly the events it was numbered for.
//
// Order within a record: catalog changes; then per item change its event followed by its
// transitions (unusual adjustment, low stock, out of stock / back in stock); an item removed
// while empty has no item event (its catalog event says it all); then refused
// reservations; then, when nothing above applied, one event per reservation change (an
// extension); and when the record has no event at all (an idempotency key's stored refusal),
// one request_refused event, so that every sequence number is an event.

#ifndef INVENTORY_JOURNAL_EVENT_PLAN_H_
#define INVENTORY_JOURNAL_EVENT_PLAN_H_

#include <cstdint>
#include <span>

#include "inventory/events.h"

#include "core/changes.h"

namespace inventory::journal {

enum class Operation : std::uint8_t;

// A reservation refused for insufficient stock (journaled for the oversell_rejected event).
struct Rejection {
  ItemId item{};
  std::int64_t quantity = 0;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::uint64_t version = 0;
};

// Where a planned event comes from.
enum class EventSource : std::uint8_t { catalog, item, rejection, reservation, none };

// An item change that removed the item (its slot's generation after the change is even: free).
inline bool retires_item(const core::ItemChange& change) noexcept {
  return (change.generation & 1) == 0;
}

// The primary event of an item change, from the operation (or, inside a batch, the shape of
// the change). A confirm, release or extend that found its reservation overdue expired it
// instead: its item changes are reservation_expired. The stock an item held when it was removed
// (with force) is a stock_adjusted.
EventType item_event_type(Operation operation, const core::Changes& changes,
                          const core::ItemChange& change) noexcept;
EventType catalog_event_type(core::CatalogChange::Kind kind) noexcept;
EventType reservation_event_type(const core::ReservationChange& change) noexcept;

// Calls emit(EventType, EventSource, std::size_t index) for each event, in order.
template <typename Emit>
void plan_events(Operation operation, const core::Changes& changes,
                 std::span<const Rejection> rejections, std::int64_t unusual_limit, Emit&& emit) {
  std::size_t n = 0;
  auto put = [&](EventType type, EventSource source, std::size_t index) {
    ++n;
    emit(type, source, index);
  };
  for (std::size_t i = 0; i < changes.catalog.size(); ++i) {
    put(catalog_event_type(changes.catalog[i].kind), EventSource::catalog, i);
  }
  for (std::size_t i = 0; i < changes.items.size(); ++i) {
    const core::ItemChange& c = changes.items[i];
    if (retires_item(c) && c.before.on_hand == 0 && c.before.reserved == 0) continue;
    const EventType type = item_event_type(operation, changes, c);
    put(type, EventSource::item, i);
    const std::int64_t moved = c.after.on_hand - c.before.on_hand;
    // "An adjustment or count" (events.h): a transfer or a confirm moves stock it accounts for.
    const bool adjustment = type == EventType::stock_adjusted || type == EventType::stock_set;
    if (adjustment && unusual_limit > 0 && (moved > unusual_limit || -moved > unusual_limit)) {
      put(EventType::unusual_adjustment, EventSource::item, i);
    }
    const std::int64_t before = c.before.available();
    const std::int64_t after = c.after.available();
    const std::int64_t low = c.policy.low_stock_threshold;
    if (low > 0 && before > low && after <= low) put(EventType::low_stock, EventSource::item, i);
    if (before > 0 && after <= 0) put(EventType::out_of_stock, EventSource::item, i);
    if (before <= 0 && after > 0) put(EventType::back_in_stock, EventSource::item, i);
  }
  for (std::size_t i = 0; i < rejections.size(); ++i) {
    put(EventType::oversell_rejected, EventSource::rejection, i);
  }
  if (n == 0) {
    for (std::size_t i = 0; i < changes.reservations.size(); ++i) {
      put(reservation_event_type(changes.reservations[i]), EventSource::reservation, i);
    }
  }
  if (n == 0) put(EventType::request_refused, EventSource::none, 0);
}

inline std::uint32_t count_events(Operation operation, const core::Changes& changes,
                                  std::span<const Rejection> rejections,
                                  std::int64_t unusual_limit) {
  std::uint32_t n = 0;
  plan_events(operation, changes, rejections, unusual_limit,
              [&](EventType, EventSource, std::size_t) { ++n; });
  return n;
}

}  // namespace inventory::journal

#endif  // INVENTORY_JOURNAL_EVENT_PLAN_H_
