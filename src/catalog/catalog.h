// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Catalog: products, locations and the map (product, location) <-> ItemId, on
// Boost.MultiIndex. Control plane: every call takes the catalog mutex (shared for reads,
// exclusive for changes). The stock hot path never calls into the catalog; it works on ItemIds.
//
// Thread safety: safe for concurrent use. Item slots are allocated and retired only here, under
// the exclusive lock, which is the serialisation ItemTable's control-plane calls require.
//
// Inputs are validated by the engine (validate.h) before they reach the catalog.

#ifndef INVENTORY_CATALOG_CATALOG_H_
#define INVENTORY_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string_view>

#include "inventory/catalog.h"
#include "inventory/options.h"
#include "inventory/status.h"

#include "core/stock_core.h"
#include "util/coding.h"

namespace inventory::catalog {

class Catalog {
 public:
  Catalog(const Limits& limits, core::StockCore& core);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  Result<Product> upsert_product(const UpsertProductRequest& request, Timestamp now,
                                 core::Changes* changes = nullptr);
  Status remove_product(std::string_view product_id, bool force, core::Changes* changes = nullptr);
  Result<Product> get_product(std::string_view product_id) const;
  Result<Product> find_product_by_sku(std::string_view sku) const;
  Result<Page<Product>> list_products(const PageRequest& page) const;

  Result<Location> upsert_location(const UpsertLocationRequest& request, Timestamp now,
                                   core::Changes* changes = nullptr);
  Status remove_location(std::string_view location_id, bool force,
                         core::Changes* changes = nullptr);
  Result<Location> get_location(std::string_view location_id) const;
  Result<Page<Location>> list_locations(const PageRequest& page) const;

  Result<ItemInfo> upsert_item(const UpsertItemRequest& request, Timestamp now,
                               core::Changes* changes = nullptr);
  Status remove_item(ItemId item, bool force, core::Changes* changes = nullptr);
  Result<ItemId> find_item(std::string_view product_id, std::string_view location_id) const;
  Result<ItemInfo> get_item(ItemId item) const;
  // The product and location ids of an item, without reading its stock. False if unknown.
  bool item_ids(ItemId item, std::string* product_id, std::string* location_id) const;
  Result<Page<ItemInfo>> list_items(const ItemFilter& filter, const PageRequest& page) const;

  // --- Journal support ---
  std::uint64_t version() const;
  // Appends the whole catalog (for a checkpoint). REQUIRES: no concurrent change.
  void snapshot(coding::Writer& w) const;
  // Replaces the (empty) catalog with a snapshot, and sets the item slots' catalog keys.
  bool restore(coding::Reader& r);
  // Re-applies one journaled change. Errors: corruption.
  Status replay(const core::CatalogChange& change);

 private:
  struct Tables;  // The Boost.MultiIndex containers; defined in catalog.cc.

  const Limits limits_;
  core::StockCore& core_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<Tables> tables_;  // GUARDED_BY(mutex_)
  // Bumps on every catalog change; journal records carry it so that replay applies catalog
  // changes in the order they were made.
  std::uint64_t version_ = 0;  // GUARDED_BY(mutex_)

  // Appends a catalog change numbered by version_ (REQUIRES: mutex_ held exclusively).
  core::CatalogChange* note(core::Changes* changes, core::CatalogChange::Kind kind);
};

}  // namespace inventory::catalog

#endif  // INVENTORY_CATALOG_CATALOG_H_
