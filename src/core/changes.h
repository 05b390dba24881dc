// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Changes: what one operation did to the state, as the core saw it at its linearization points.
// The engine turns it into one journal record (and, later, events). Every entry carries the
// version it replaced and the version it installed, so the journal can order records of
// different threads the way they took effect, and replay can check that nothing is missing.
//
// A Changes object belongs to one thread and one operation at a time; it keeps its capacity
// between operations, so filling it does not allocate on the hot path.

#ifndef INVENTORY_CORE_CHANGES_H_
#define INVENTORY_CORE_CHANGES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "inventory/catalog.h"
#include "inventory/types.h"

#include "core/item_table.h"
#include "core/reservation_table.h"

namespace inventory::core {

struct ItemChange {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  SlotWord before;    // Unlocked value replaced.
  SlotWord after;     // Unlocked value installed.
  ItemPolicy policy;  // After the change.
  std::int64_t updated_ms = 0;
};

struct ReservationChange {
  enum class Kind : std::uint8_t { create = 0, finish = 1, extend = 2 };
  Kind kind = Kind::create;
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  std::uint64_t version_before = 0;
  std::uint64_t version_after = 0;
  ResStatus state = ResStatus::active;  // Active for create/extend; the final state for finish.
  std::int64_t expires_ms = 0;
  std::int64_t created_ms = 0;                           // create only.
  boost::container::small_vector<ReserveLine, 4> lines;  // create only.
  std::string reference;                                 // create only.
};

// Catalog changes: applied in order under the catalog mutex, numbered by the catalog version.
struct CatalogChange {
  enum class Kind : std::uint8_t {
    product_upsert = 0,
    product_remove = 1,
    location_upsert = 2,
    location_remove = 3,
    item_create = 4,
    item_remove = 5,
  };
  Kind kind = Kind::product_upsert;
  std::uint64_t catalog_version_before = 0;
  std::uint64_t catalog_version_after = 0;
  std::optional<Product> product;    // product_upsert.
  std::optional<Location> location;  // location_upsert.
  std::uint32_t key = 0;             // The product's or location's dense key.
  std::string id;                    // product_remove / location_remove: the id.
  ItemId item{};                     // item_create / item_remove.
  std::uint32_t product_key = 0;     // item_create.
  std::uint32_t location_key = 0;    // item_create.
};

struct Changes {
  boost::container::small_vector<ItemChange, 4> items;
  boost::container::small_vector<ReservationChange, 1> reservations;
  boost::container::small_vector<CatalogChange, 1> catalog;

  void clear() {
    items.clear();
    reservations.clear();
    catalog.clear();
  }
  bool empty() const { return items.empty() && reservations.empty() && catalog.empty(); }
};

// Helpers that append to a Changes; each is a no-op when `changes` is null.
inline void note_item(Changes* changes, std::uint32_t index, std::uint32_t generation,
                      const SlotWord& before, const SlotWord& after, const ItemPolicy& policy,
                      std::int64_t now_ms) {
  if (changes == nullptr) return;
  ItemChange& c = changes->items.emplace_back();
  c.index = index;
  c.generation = generation;
  c.before = before;
  c.before.locked = false;
  c.after = after;
  c.after.locked = false;
  c.policy = policy;
  c.updated_ms = now_ms;
}

inline ReservationChange* note_reservation(Changes* changes, ReservationChange::Kind kind,
                                           std::uint32_t index, const ResWord& after) {
  if (changes == nullptr) return nullptr;
  ReservationChange& c = changes->reservations.emplace_back();
  c.kind = kind;
  c.index = index;
  c.generation = after.generation;
  c.version_after = after.version;
  c.version_before = (after.version - 1) & ResWord::kVersionMask;
  c.state = after.state;
  c.expires_ms = after.expires_ms;
  return &c;
}

inline void note_create(Changes* changes, std::uint32_t index, const ResWord& published,
                        std::span<const ReserveLine> lines, std::string_view reference,
                        std::int64_t now_ms) {
  ReservationChange* c =
      note_reservation(changes, ReservationChange::Kind::create, index, published);
  if (c == nullptr) return;
  c->created_ms = now_ms;
  c->lines.assign(lines.begin(), lines.end());
  c->reference.assign(reference);
}
}  // namespace inventory::core

#endif  // INVENTORY_CORE_CHANGES_H_
