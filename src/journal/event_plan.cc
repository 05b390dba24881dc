// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "journal/event_plan.h"

#include "journal/record_format.h"

namespace inventory::journal {

namespace {

// Whether the record finishes a reservation as expired (the sweeper, or a confirm, release or
// extend that came too late and expired it on the spot).
bool expires_reservation(const core::Changes& changes) noexcept {
  for (const core::ReservationChange& r : changes.reservations) {
    if (r.kind == core::ReservationChange::Kind::finish && r.state == core::ResStatus::expired) {
      return true;
    }
  }
  return false;
}

}  // namespace

EventType item_event_type(Operation operation, const core::Changes& changes,
                          const core::ItemChange& change) noexcept {
  if (retires_item(change)) return EventType::stock_adjusted;
  switch (operation) {
    case Operation::adjust:
      return EventType::stock_adjusted;
    case Operation::set_on_hand:
      return EventType::stock_set;
    case Operation::set_policy:
    case Operation::item_upsert:
      return EventType::policy_changed;
    case Operation::reserve:
      return EventType::reservation_reserved;
    case Operation::confirm:
      return expires_reservation(changes) ? EventType::reservation_expired
                                          : EventType::reservation_confirmed;
    case Operation::release:
      return expires_reservation(changes) ? EventType::reservation_expired
                                          : EventType::reservation_released;
    case Operation::expire:
      return EventType::reservation_expired;
    case Operation::extend:
      return expires_reservation(changes) ? EventType::reservation_expired
                                          : EventType::reservation_extended;
    case Operation::transfer:
      return EventType::stock_transferred;
    default:
      break;
  }
  // A batch (or a forced removal): name the change by its shape.
  const std::int64_t on_hand = change.after.on_hand - change.before.on_hand;
  const std::int64_t reserved = change.after.reserved - change.before.reserved;
  if (reserved > 0) return EventType::reservation_reserved;
  if (reserved < 0 && on_hand < 0) return EventType::reservation_confirmed;
  if (reserved < 0) return EventType::reservation_released;
  if (on_hand != 0) return EventType::stock_adjusted;
  return EventType::policy_changed;
}

EventType catalog_event_type(core::CatalogChange::Kind kind) noexcept {
  using Kind = core::CatalogChange::Kind;
  switch (kind) {
    case Kind::product_upsert:
      return EventType::product_upserted;
    case Kind::product_remove:
      return EventType::product_removed;
    case Kind::location_upsert:
      return EventType::location_upserted;
    case Kind::location_remove:
      return EventType::location_removed;
    case Kind::item_create:
      return EventType::item_upserted;
    case Kind::item_remove:
      return EventType::item_removed;
  }
  return EventType::item_upserted;
}

EventType reservation_event_type(const core::ReservationChange& change) noexcept {
  using Kind = core::ReservationChange::Kind;
  if (change.kind == Kind::create) return EventType::reservation_reserved;
  if (change.kind == Kind::extend) return EventType::reservation_extended;
  switch (change.state) {
    case core::ResStatus::confirmed:
      return EventType::reservation_confirmed;
    case core::ResStatus::expired:
      return EventType::reservation_expired;
    default:
      return EventType::reservation_released;
  }
}

}  // namespace inventory::journal
