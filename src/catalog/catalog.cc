// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "catalog/catalog.h"

#include <charconv>
#include <limits>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <boost/multi_index/composite_key.hpp>
#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/mem_fun.hpp>
#include <boost/multi_index/member.hpp>
#include <boost/multi_index/ordered_index.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>

#include "journal/record_format.h"

namespace inventory::catalog {

namespace bmi = boost::multi_index;

namespace {

struct ById {};
struct BySku {};
struct ByKey {};
struct ByPair {};
struct ByLocation {};
struct ByProduct {};

struct ProductEntry {
  Product product;
  std::uint32_t key = 0;  // Dense, never reused; stored in item slots (see item_table.h).
  const std::string& id() const { return product.id; }
  const std::string& sku() const { return product.sku; }
};

struct LocationEntry {
  Location location;
  std::uint32_t key = 0;
  const std::string& id() const { return location.id; }
};

struct ItemEntry {
  std::uint64_t id = 0;  // ItemId.
  std::uint32_t product_key = 0;
  std::uint32_t location_key = 0;
};

using ProductTable = bmi::multi_index_container<
    ProductEntry,
    bmi::indexed_by<
        bmi::ordered_unique<bmi::tag<ById>, bmi::const_mem_fun<ProductEntry, const std::string&,
                                                               &ProductEntry::id>>,
        bmi::hashed_unique<bmi::tag<BySku>, bmi::const_mem_fun<ProductEntry, const std::string&,
                                                               &ProductEntry::sku>>,
        bmi::hashed_unique<bmi::tag<ByKey>,
                           bmi::member<ProductEntry, std::uint32_t, &ProductEntry::key>>>>;

using LocationTable = bmi::multi_index_container<
    LocationEntry,
    bmi::indexed_by<
        bmi::ordered_unique<bmi::tag<ById>, bmi::const_mem_fun<LocationEntry, const std::string&,
                                                               &LocationEntry::id>>,
        bmi::hashed_unique<bmi::tag<ByKey>,
                           bmi::member<LocationEntry, std::uint32_t, &LocationEntry::key>>>>;

using ItemTable = bmi::multi_index_container<
    ItemEntry,
    bmi::indexed_by<
        bmi::ordered_unique<bmi::tag<ById>, bmi::member<ItemEntry, std::uint64_t, &ItemEntry::id>>,
        bmi::hashed_unique<
            bmi::tag<ByPair>,
            bmi::composite_key<ItemEntry,
                               bmi::member<ItemEntry, std::uint32_t, &ItemEntry::product_key>,
                               bmi::member<ItemEntry, std::uint32_t, &ItemEntry::location_key>>>,
        bmi::ordered_unique<
            bmi::tag<ByLocation>,
            bmi::composite_key<ItemEntry,
                               bmi::member<ItemEntry, std::uint32_t, &ItemEntry::location_key>,
                               bmi::member<ItemEntry, std::uint64_t, &ItemEntry::id>>>,
        bmi::ordered_unique<
            bmi::tag<ByProduct>,
            bmi::composite_key<ItemEntry,
                               bmi::member<ItemEntry, std::uint32_t, &ItemEntry::product_key>,
                               bmi::member<ItemEntry, std::uint64_t, &ItemEntry::id>>>>>;

Status check_page(const PageRequest& page, const Limits& limits) {
  if (page.limit < 1 || page.limit > limits.page_size_max) {
    return Status::invalid_argument("limit", "must be between 1 and limits.page_size_max (" +
                                                 std::to_string(limits.page_size_max) + ")");
  }
  return Status();
}

Result<std::uint64_t> parse_item_cursor(const std::string& cursor) {
  if (cursor.empty()) return std::uint64_t{0};
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), value);
  if (ec != std::errc() || end != cursor.data() + cursor.size()) {
    return Status::invalid_argument("cursor", "not a cursor returned by a previous page");
  }
  return value;
}

}  // namespace

struct Catalog::Tables {
  ProductTable products;
  LocationTable locations;
  ItemTable items;
  std::uint32_t next_product_key = 1;
  std::uint32_t next_location_key = 1;

  const ProductEntry* product(std::string_view id) const {
    auto& index = products.get<ById>();
    auto it = index.find(std::string(id));
    return it == index.end() ? nullptr : &*it;
  }
  const LocationEntry* location(std::string_view id) const {
    auto& index = locations.get<ById>();
    auto it = index.find(std::string(id));
    return it == index.end() ? nullptr : &*it;
  }
  const std::string& product_id(std::uint32_t key) const {
    return products.get<ByKey>().find(key)->product.id;
  }
  const std::string& location_id(std::uint32_t key) const {
    return locations.get<ByKey>().find(key)->location.id;
  }
};

Catalog::Catalog(const Limits& limits, core::StockCore& core)
    : limits_(limits), core_(core), tables_(std::make_unique<Tables>()) {}

Catalog::~Catalog() = default;

core::CatalogChange* Catalog::note(core::Changes* changes, core::CatalogChange::Kind kind) {
  const std::uint64_t before = version_++;
  if (changes == nullptr) return nullptr;
  core::CatalogChange& c = changes->catalog.emplace_back();
  c.kind = kind;
  c.catalog_version_before = before;
  c.catalog_version_after = version_;
  return &c;
}

// ---- Products ----

Result<Product> Catalog::upsert_product(const UpsertProductRequest& request, Timestamp now,
                                        core::Changes* changes) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  const Product& in = request.product;
  const ProductEntry* existing = t.product(in.id);
  if (existing != nullptr && request.mode == UpsertMode::create_only) {
    return Status(StatusCode::already_exists, "a product with this id exists", "product.id");
  }
  if (existing == nullptr &&
      (request.mode == UpsertMode::replace_only || request.expected_version.has_value())) {
    return Status(StatusCode::not_found, "product not found", "product.id");
  }
  auto& by_sku = t.products.get<BySku>();
  if (auto it = by_sku.find(in.sku); it != by_sku.end() && it->product.id != in.id) {
    return Status(StatusCode::already_exists, "another product has this SKU", "product.sku");
  }
  if (existing != nullptr && request.expected_version &&
      *request.expected_version != existing->product.version) {
    return Status(StatusCode::version_conflict,
                  "the product changed since expected_version (now " +
                      std::to_string(static_cast<std::uint64_t>(existing->product.version)) + ")",
                  "expected_version");
  }
  if (existing == nullptr && t.products.size() >= limits_.products_max) {
    return Status(StatusCode::limit_exceeded, "limits.products_max reached", "");
  }
  ProductEntry entry{in, existing != nullptr ? existing->key : t.next_product_key};
  entry.product.created_at = existing != nullptr ? existing->product.created_at : now;
  entry.product.updated_at = now;
  entry.product.version =
      Version{existing != nullptr ? static_cast<std::uint64_t>(existing->product.version) + 1 : 1};
  if (existing != nullptr) {
    auto& by_id = t.products.get<ById>();
    const bool replaced = by_id.replace(by_id.iterator_to(*existing), entry);
    INVENTORY_ASSERT(replaced);  // Id and key are unchanged, and the SKU was checked above.
  } else {
    const bool inserted = t.products.insert(entry).second;
    INVENTORY_ASSERT(inserted);
    ++t.next_product_key;
  }
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::product_upsert)) {
    c->product = entry.product;
    c->key = entry.key;
  }
  return entry.product;
}

Status Catalog::remove_product(std::string_view product_id, bool force, core::Changes* changes) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  const ProductEntry* entry = t.product(product_id);
  if (entry == nullptr) return Status(StatusCode::not_found, "product not found", "product_id");
  auto& by_product = t.items.get<ByProduct>();
  auto range = by_product.equal_range(std::make_tuple(entry->key));
  std::vector<ItemId> ids;
  for (auto it = range.first; it != range.second; ++it) ids.push_back(ItemId{it->id});
  INVENTORY_RETURN_IF_ERROR(core_.retire_items(ids, force, changes));
  for (ItemId id : ids) {
    if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::item_remove)) {
      c->item = id;
    }
  }
  by_product.erase(range.first, range.second);
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::product_remove)) {
    c->id = entry->product.id;
    c->key = entry->key;
  }
  t.products.get<ById>().erase(t.products.get<ById>().iterator_to(*entry));
  return Status();
}

Result<Product> Catalog::get_product(std::string_view product_id) const {
  std::shared_lock lock(mutex_);
  const ProductEntry* entry = tables_->product(product_id);
  if (entry == nullptr) return Status(StatusCode::not_found, "product not found", "product_id");
  return entry->product;
}

Result<Product> Catalog::find_product_by_sku(std::string_view sku) const {
  std::shared_lock lock(mutex_);
  const auto& by_sku = tables_->products.get<BySku>();
  auto it = by_sku.find(std::string(sku));
  if (it == by_sku.end()) return Status(StatusCode::not_found, "no product has this SKU", "sku");
  return it->product;
}

Result<Page<Product>> Catalog::list_products(const PageRequest& page) const {
  INVENTORY_RETURN_IF_ERROR(check_page(page, limits_));
  std::shared_lock lock(mutex_);
  const auto& by_id = tables_->products.get<ById>();
  auto it = page.cursor.empty() ? by_id.begin() : by_id.upper_bound(page.cursor);
  Page<Product> out;
  for (; it != by_id.end() && out.items.size() < page.limit; ++it) out.items.push_back(it->product);
  if (it != by_id.end()) out.next_cursor = out.items.back().id;
  return out;
}

// ---- Locations ----

Result<Location> Catalog::upsert_location(const UpsertLocationRequest& request, Timestamp now,
                                          core::Changes* changes) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  const Location& in = request.location;
  const LocationEntry* existing = t.location(in.id);
  if (existing != nullptr && request.mode == UpsertMode::create_only) {
    return Status(StatusCode::already_exists, "a location with this id exists", "location.id");
  }
  if (existing == nullptr &&
      (request.mode == UpsertMode::replace_only || request.expected_version.has_value())) {
    return Status(StatusCode::not_found, "location not found", "location.id");
  }
  if (existing != nullptr && request.expected_version &&
      *request.expected_version != existing->location.version) {
    return Status(StatusCode::version_conflict,
                  "the location changed since expected_version (now " +
                      std::to_string(static_cast<std::uint64_t>(existing->location.version)) + ")",
                  "expected_version");
  }
  if (existing == nullptr && t.locations.size() >= limits_.locations_max) {
    return Status(StatusCode::limit_exceeded, "limits.locations_max reached", "");
  }
  LocationEntry entry{in, existing != nullptr ? existing->key : t.next_location_key};
  entry.location.created_at = existing != nullptr ? existing->location.created_at : now;
  entry.location.updated_at = now;
  entry.location.version =
      Version{existing != nullptr ? static_cast<std::uint64_t>(existing->location.version) + 1 : 1};
  if (existing != nullptr) {
    auto& by_id = t.locations.get<ById>();
    const bool replaced = by_id.replace(by_id.iterator_to(*existing), entry);
    INVENTORY_ASSERT(replaced);
  } else {
    const bool inserted = t.locations.insert(entry).second;
    INVENTORY_ASSERT(inserted);
    ++t.next_location_key;
  }
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::location_upsert)) {
    c->location = entry.location;
    c->key = entry.key;
  }
  return entry.location;
}

Status Catalog::remove_location(std::string_view location_id, bool force, core::Changes* changes) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  const LocationEntry* entry = t.location(location_id);
  if (entry == nullptr) return Status(StatusCode::not_found, "location not found", "location_id");
  auto& by_location = t.items.get<ByLocation>();
  auto range = by_location.equal_range(std::make_tuple(entry->key));
  std::vector<ItemId> ids;
  for (auto it = range.first; it != range.second; ++it) ids.push_back(ItemId{it->id});
  INVENTORY_RETURN_IF_ERROR(core_.retire_items(ids, force, changes));
  for (ItemId id : ids) {
    if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::item_remove)) {
      c->item = id;
    }
  }
  by_location.erase(range.first, range.second);
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::location_remove)) {
    c->id = entry->location.id;
    c->key = entry->key;
  }
  t.locations.get<ById>().erase(t.locations.get<ById>().iterator_to(*entry));
  return Status();
}

Result<Location> Catalog::get_location(std::string_view location_id) const {
  std::shared_lock lock(mutex_);
  const LocationEntry* entry = tables_->location(location_id);
  if (entry == nullptr) return Status(StatusCode::not_found, "location not found", "location_id");
  return entry->location;
}

Result<Page<Location>> Catalog::list_locations(const PageRequest& page) const {
  INVENTORY_RETURN_IF_ERROR(check_page(page, limits_));
  std::shared_lock lock(mutex_);
  const auto& by_id = tables_->locations.get<ById>();
  auto it = page.cursor.empty() ? by_id.begin() : by_id.upper_bound(page.cursor);
  Page<Location> out;
  for (; it != by_id.end() && out.items.size() < page.limit; ++it) {
    out.items.push_back(it->location);
  }
  if (it != by_id.end()) out.next_cursor = out.items.back().id;
  return out;
}

// ---- Items ----

Result<ItemInfo> Catalog::upsert_item(const UpsertItemRequest& request, Timestamp now,
                                      core::Changes* changes) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  const ProductEntry* product = t.product(request.product_id);
  if (product == nullptr) return Status(StatusCode::not_found, "product not found", "product_id");
  const LocationEntry* location = t.location(request.location_id);
  if (location == nullptr) {
    return Status(StatusCode::not_found, "location not found", "location_id");
  }
  const std::int64_t now_ms = now.time_since_epoch().count();
  const auto& by_pair = t.items.get<ByPair>();
  auto it = by_pair.find(std::make_tuple(product->key, location->key));
  ItemId id;
  if (it != by_pair.end() && request.mode == UpsertMode::create_only) {
    return Status(StatusCode::already_exists, "the item exists", "location_id");
  }
  if (it == by_pair.end() && request.mode == UpsertMode::replace_only) {
    return Status(StatusCode::not_found, "the item does not exist", "location_id");
  }
  if (it != by_pair.end()) {
    id = ItemId{it->id};
    Result<StockLevel> level =
        core_.set_policy(id, request.policy, request.expected_version, now_ms, changes);
    if (!level.ok()) return level.status();
    return ItemInfo{*level, product->product.id, location->location.id};
  }
  if (request.expected_version) {
    // As for products and locations: a version can only be expected of something that exists.
    return Status(StatusCode::not_found, "the item does not exist", "expected_version");
  }
  id = core_.allocate_item(request.policy, product->key, location->key, now_ms, changes);
  if (id == ItemId{}) {
    return Status(StatusCode::limit_exceeded, "limits.items_max reached", "");
  }
  t.items.insert(ItemEntry{static_cast<std::uint64_t>(id), product->key, location->key});
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::item_create)) {
    c->item = id;
    c->product_key = product->key;
    c->location_key = location->key;
  }
  Result<StockLevel> level = core_.get(id);
  INVENTORY_ASSERT(level.ok());
  return ItemInfo{*level, product->product.id, location->location.id};
}

Status Catalog::remove_item(ItemId item, bool force, core::Changes* changes) {
  std::unique_lock lock(mutex_);
  auto& by_id = tables_->items.get<ById>();
  auto it = by_id.find(static_cast<std::uint64_t>(item));
  if (it == by_id.end()) return Status(StatusCode::not_found, "item not found", "item");
  const ItemId ids[] = {item};
  INVENTORY_RETURN_IF_ERROR(core_.retire_items(ids, force, changes));
  by_id.erase(it);
  if (core::CatalogChange* c = note(changes, core::CatalogChange::Kind::item_remove))
    c->item = item;
  return Status();
}

Result<ItemId> Catalog::find_item(std::string_view product_id, std::string_view location_id) const {
  std::shared_lock lock(mutex_);
  const Tables& t = *tables_;
  const ProductEntry* product = t.product(product_id);
  if (product == nullptr) return Status(StatusCode::not_found, "product not found", "product_id");
  const LocationEntry* location = t.location(location_id);
  if (location == nullptr) {
    return Status(StatusCode::not_found, "location not found", "location_id");
  }
  const auto& by_pair = t.items.get<ByPair>();
  auto it = by_pair.find(std::make_tuple(product->key, location->key));
  if (it == by_pair.end()) {
    return Status(StatusCode::not_found, "the product has no item at this location", "item");
  }
  return ItemId{it->id};
}

Result<ItemInfo> Catalog::get_item(ItemId item) const {
  std::shared_lock lock(mutex_);
  const Tables& t = *tables_;
  const auto& by_id = t.items.get<ById>();
  auto it = by_id.find(static_cast<std::uint64_t>(item));
  if (it == by_id.end()) return Status(StatusCode::not_found, "item not found", "item");
  Result<StockLevel> level = core_.get(item);
  if (!level.ok()) return level.status();
  return ItemInfo{*level, t.product_id(it->product_key), t.location_id(it->location_key)};
}

bool Catalog::item_ids(ItemId item, std::string* product_id, std::string* location_id) const {
  std::shared_lock lock(mutex_);
  const Tables& t = *tables_;
  const auto& by_id = t.items.get<ById>();
  auto it = by_id.find(static_cast<std::uint64_t>(item));
  if (it == by_id.end()) return false;
  *product_id = t.product_id(it->product_key);
  *location_id = t.location_id(it->location_key);
  return true;
}

Result<Page<ItemInfo>> Catalog::list_items(const ItemFilter& filter,
                                           const PageRequest& page) const {
  INVENTORY_RETURN_IF_ERROR(check_page(page, limits_));
  Result<std::uint64_t> after = parse_item_cursor(page.cursor);
  if (!after.ok()) return after.status();
  std::shared_lock lock(mutex_);
  const Tables& t = *tables_;
  Page<ItemInfo> out;
  // Adds the entry if it matches; returns false once the page is full and one more match
  // exists (so next_cursor is set only when there is a next page).
  auto visit = [&](const ItemEntry& entry) {
    Result<StockLevel> level = core_.get(ItemId{entry.id});
    if (!level.ok()) return true;  // Retired concurrently; skip.
    if (filter.updated_after && !(level->updated_at > *filter.updated_after)) return true;
    if (filter.low_stock_only && !level->low_stock()) return true;
    if (out.items.size() == page.limit) {
      out.next_cursor = std::to_string(static_cast<std::uint64_t>(out.items.back().level.item));
      return false;
    }
    out.items.push_back(
        ItemInfo{*level, t.product_id(entry.product_key), t.location_id(entry.location_key)});
    return true;
  };
  const std::uint64_t start =
      *after == std::numeric_limits<std::uint64_t>::max() ? *after : *after + 1;
  if (filter.product_id || filter.location_id) {
    // Pick the narrower index; check the other filter per entry.
    const ProductEntry* product = filter.product_id ? t.product(*filter.product_id) : nullptr;
    const LocationEntry* location = filter.location_id ? t.location(*filter.location_id) : nullptr;
    if ((filter.product_id && product == nullptr) || (filter.location_id && location == nullptr)) {
      return out;  // Nothing matches an unknown product or location.
    }
    if (product != nullptr) {
      const auto& index = t.items.get<ByProduct>();
      for (auto it = index.lower_bound(std::make_tuple(product->key, start));
           it != index.end() && it->product_key == product->key; ++it) {
        if (location != nullptr && it->location_key != location->key) continue;
        if (!visit(*it)) break;
      }
    } else {
      const auto& index = t.items.get<ByLocation>();
      for (auto it = index.lower_bound(std::make_tuple(location->key, start));
           it != index.end() && it->location_key == location->key; ++it) {
        if (!visit(*it)) break;
      }
    }
    return out;
  }
  const auto& by_id = t.items.get<ById>();
  for (auto it = by_id.lower_bound(start); it != by_id.end(); ++it) {
    if (!visit(*it)) break;
  }
  return out;
}

// ---- Journal support ----

std::uint64_t Catalog::version() const {
  std::shared_lock lock(mutex_);
  return version_;
}

void Catalog::snapshot(coding::Writer& w) const {
  std::shared_lock lock(mutex_);
  const Tables& t = *tables_;
  w.varint(version_);
  w.varint(t.next_product_key);
  w.varint(t.next_location_key);
  w.varint(t.products.size());
  for (const ProductEntry& e : t.products) {
    w.varint(e.key);
    ::inventory::journal::encode_product(w, e.product);
  }
  w.varint(t.locations.size());
  for (const LocationEntry& e : t.locations) {
    w.varint(e.key);
    ::inventory::journal::encode_location(w, e.location);
  }
  w.varint(t.items.size());
  for (const ItemEntry& e : t.items) {
    w.fixed64(e.id);
    w.varint(e.product_key);
    w.varint(e.location_key);
  }
}

bool Catalog::restore(coding::Reader& r) {
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  version_ = r.varint();
  t.next_product_key = static_cast<std::uint32_t>(r.varint());
  t.next_location_key = static_cast<std::uint32_t>(r.varint());
  const std::uint64_t products = r.count(limits_.products_max, 4);
  for (std::uint64_t i = 0; i < products && r.ok(); ++i) {
    ProductEntry e;
    e.key = static_cast<std::uint32_t>(r.varint());
    if (!::inventory::journal::decode_product(r, &e.product) ||
        !t.products.insert(std::move(e)).second) {
      return false;
    }
  }
  const std::uint64_t locations = r.count(limits_.locations_max, 4);
  for (std::uint64_t i = 0; i < locations && r.ok(); ++i) {
    LocationEntry e;
    e.key = static_cast<std::uint32_t>(r.varint());
    if (!::inventory::journal::decode_location(r, &e.location) ||
        !t.locations.insert(std::move(e)).second) {
      return false;
    }
  }
  const std::uint64_t items = r.count(limits_.items_max, 10);
  for (std::uint64_t i = 0; i < items && r.ok(); ++i) {
    ItemEntry e;
    e.id = r.fixed64();
    e.product_key = static_cast<std::uint32_t>(r.varint());
    e.location_key = static_cast<std::uint32_t>(r.varint());
    if (!r.ok() || !t.items.insert(e).second) return false;
  }
  return r.ok();
}

Status Catalog::replay(const core::CatalogChange& c) {
  using Kind = core::CatalogChange::Kind;
  std::unique_lock lock(mutex_);
  Tables& t = *tables_;
  auto bad = [](const std::string& what) {
    return Status(StatusCode::corruption, "catalog: " + what, "journal");
  };
  if (c.catalog_version_before != version_) {
    return bad("expected catalog version " + std::to_string(version_) + ", the record has " +
               std::to_string(c.catalog_version_before));
  }
  switch (c.kind) {
    case Kind::product_upsert: {
      auto& by_id = t.products.get<ById>();
      auto it = by_id.find(c.product->id);
      ProductEntry entry{*c.product, c.key};
      if (it != by_id.end()) {
        if (!by_id.replace(it, entry)) return bad("product upsert conflicts: " + c.product->id);
      } else if (!t.products.insert(entry).second) {
        return bad("product upsert conflicts: " + c.product->id);
      }
      t.next_product_key = std::max(t.next_product_key, c.key + 1);
      break;
    }
    case Kind::product_remove: {
      auto& by_id = t.products.get<ById>();
      auto it = by_id.find(c.id);
      if (it == by_id.end()) return bad("removed product does not exist: " + c.id);
      by_id.erase(it);
      break;
    }
    case Kind::location_upsert: {
      auto& by_id = t.locations.get<ById>();
      auto it = by_id.find(c.location->id);
      LocationEntry entry{*c.location, c.key};
      if (it != by_id.end()) {
        if (!by_id.replace(it, entry)) return bad("location upsert conflicts: " + c.location->id);
      } else if (!t.locations.insert(entry).second) {
        return bad("location upsert conflicts: " + c.location->id);
      }
      t.next_location_key = std::max(t.next_location_key, c.key + 1);
      break;
    }
    case Kind::location_remove: {
      auto& by_id = t.locations.get<ById>();
      auto it = by_id.find(c.id);
      if (it == by_id.end()) return bad("removed location does not exist: " + c.id);
      by_id.erase(it);
      break;
    }
    case Kind::item_create: {
      if (!t.items
               .insert(ItemEntry{static_cast<std::uint64_t>(c.item), c.product_key, c.location_key})
               .second) {
        return bad("created item exists");
      }
      core::ItemSlot& slot = core_.items().slot(core::item_index(c.item));
      slot.product_key.store(c.product_key, std::memory_order_relaxed);
      slot.location_key.store(c.location_key, std::memory_order_relaxed);
      break;
    }
    case Kind::item_remove: {
      auto& by_id = t.items.get<ById>();
      auto it = by_id.find(static_cast<std::uint64_t>(c.item));
      if (it == by_id.end()) return bad("removed item does not exist");
      by_id.erase(it);
      break;
    }
  }
  version_ = c.catalog_version_after;
  return Status();
}

}  // namespace inventory::catalog
