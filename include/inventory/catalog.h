// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The catalog: products, locations, and the items (product x location) that hold stock.
// Products and locations are identified by the caller's own string ids; items by the ItemId the
// engine assigns (look one up with Engine::find_item and keep it: the stock calls take ItemIds
// so the hot path never hashes strings).
//
// Thread safety: values; const methods may be called concurrently.

#ifndef INVENTORY_CATALOG_H_
#define INVENTORY_CATALOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inventory/export.h"
#include "inventory/types.h"

namespace inventory {

// Free-form attributes (shade, size, ...), ordered by key.
using Attributes = std::map<std::string, std::string>;

// A price in minor units (cents) of an ISO 4217 currency ("USD").
struct Price {
  std::int64_t amount_minor = 0;
  std::string currency;

  friend bool operator==(const Price&, const Price&) = default;
};

struct Product {
  std::string id;   // The caller's id. REQUIRES: 1..limits.id_length_max bytes, printable.
  std::string sku;  // Unique across products. Same bounds as id.
  std::string name;
  std::string description;
  Price price;
  Attributes attributes;
  // Set by the engine; ignored in requests.
  Timestamp created_at{};
  Timestamp updated_at{};
  Version version{};

  friend bool operator==(const Product&, const Product&) = default;
};

enum class LocationType : std::uint8_t { warehouse = 0, store = 1, marketplace = 2, transit = 3 };

// "warehouse", "store", "marketplace", "transit".
INVENTORY_EXPORT std::string_view to_string(LocationType type) noexcept;

struct Location {
  std::string id;  // The caller's id. REQUIRES: 1..limits.id_length_max bytes, printable.
  std::string name;
  LocationType type = LocationType::warehouse;
  Attributes attributes;
  // Set by the engine; ignored in requests.
  Timestamp created_at{};
  Timestamp updated_at{};
  Version version{};

  friend bool operator==(const Location&, const Location&) = default;
};

// How an upsert treats an existing object.
enum class UpsertMode : std::uint8_t {
  create_or_replace = 0,  // Create it, or replace every field of the existing one.
  create_only = 1,        // already_exists if the id (or, for products, the SKU) is taken.
  replace_only = 2,       // not_found if it does not exist.
};

struct UpsertProductRequest {
  Product product;
  UpsertMode mode = UpsertMode::create_or_replace;
  // When set, replacing requires the stored version to equal it (else version_conflict).
  std::optional<Version> expected_version;
};

struct UpsertLocationRequest {
  Location location;
  UpsertMode mode = UpsertMode::create_or_replace;
  std::optional<Version> expected_version;
};

// Creates the item (product at location) if it does not exist and sets its policy.
struct UpsertItemRequest {
  std::string_view product_id;
  std::string_view location_id;
  ItemPolicy policy;
  // create_only: already_exists if the item exists (its policy is left alone), so that a
  // caller creating an item on first use cannot reset a policy another caller just set.
  // replace_only: not_found if it does not exist.
  UpsertMode mode = UpsertMode::create_or_replace;
  // When set and the item exists, its version must equal it (else version_conflict).
  std::optional<Version> expected_version;
};

// An item with the catalog ids it belongs to.
struct ItemInfo {
  StockLevel level;
  std::string product_id;
  std::string location_id;

  friend bool operator==(const ItemInfo&, const ItemInfo&) = default;
};

// Keyset paging: pass the previous page's next_cursor to continue. Cursors are opaque strings.
struct PageRequest {
  std::string cursor;         // Empty: from the start.
  std::uint32_t limit = 100;  // REQUIRES: 1 <= limit <= limits.page_size_max.
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // Unset on the last page.
};

// Filters for Engine::list_items; unset fields match everything.
struct ItemFilter {
  std::optional<std::string> product_id;
  std::optional<std::string> location_id;
  std::optional<Timestamp> updated_after;  // Items whose updated_at is strictly later.
  bool low_stock_only = false;             // available <= low_stock_threshold.
};

}  // namespace inventory

#endif  // INVENTORY_CATALOG_H_
