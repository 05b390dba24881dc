// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the catalog (products, locations, items) follows engine.h and catalog.h: upsert modes,
// expected versions, SKU uniqueness, keyset paging, item filters, removal with and without
// force, and the capacity limits. Method: an in-memory engine on a ManualClock; every refusal
// is checked for its exact code and field and for leaving the stored objects unchanged.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::milliseconds;
using testing::TestEngine;

Product product(const std::string& id, const std::string& sku, const std::string& name = "Mug") {
  return Product{.id = id, .sku = sku, .name = name};
}

Location location(const std::string& id, const std::string& name = "Warehouse") {
  return Location{.id = id, .name = name};
}

std::vector<std::string> product_ids(const Page<Product>& page) {
  std::vector<std::string> ids;
  for (const Product& p : page.items) ids.push_back(p.id);
  return ids;
}

std::vector<std::string> location_ids(const Page<Location>& page) {
  std::vector<std::string> ids;
  for (const Location& l : page.items) ids.push_back(l.id);
  return ids;
}

std::vector<ItemId> item_ids(const Page<ItemInfo>& page) {
  std::vector<ItemId> ids;
  for (const ItemInfo& info : page.items) ids.push_back(info.level.item);
  return ids;
}

// Every item matching `filter`, following cursors with pages of `limit`.
std::vector<ItemId> all_items(TestEngine& t, const ItemFilter& filter, std::uint32_t limit) {
  std::vector<ItemId> ids;
  PageRequest page{.limit = limit};
  for (int guard = 0; guard < 1000; ++guard) {
    auto result = t->list_items({}, filter, page);
    REQUIRE_MESSAGE(result.ok(), result.status().to_string());
    CHECK(result->items.size() <= limit);
    for (const ItemInfo& info : result->items) ids.push_back(info.level.item);
    if (!result->next_cursor) break;
    CHECK(result->items.size() == limit);
    page.cursor = *result->next_cursor;
  }
  return ids;
}
}  // namespace

TEST_SUITE("catalog/products") {
  TEST_CASE("creating a product stores every field with version 1 and the clock's time") {
    TestEngine t;
    Product in = product("p-1", "MUG-RED", "Red mug");
    in.description = "A red mug";
    in.price = Price{.amount_minor = 1299, .currency = "EUR"};
    in.attributes = {{"color", "red"}, {"size", "L"}};
    auto created = t->upsert_product({}, {.product = in});
    REQUIRE(created.ok());
    CHECK(created->id == "p-1");
    CHECK(created->sku == "MUG-RED");
    CHECK(created->name == "Red mug");
    CHECK(created->description == "A red mug");
    CHECK(created->price == Price{.amount_minor = 1299, .currency = "EUR"});
    CHECK(created->attributes == in.attributes);
    CHECK(created->version == Version{1});
    CHECK(created->created_at == t.clock->now());
    CHECK(created->updated_at == t.clock->now());
    auto got = t->get_product({}, "p-1");
    REQUIRE(got.ok());
    CHECK(*got == *created);
  }

  TEST_CASE("engine-set fields in a request are ignored") {
    TestEngine t;
    Product in = product("p-1", "S1");
    in.version = Version{77};
    in.created_at = Timestamp(milliseconds(5));
    in.updated_at = Timestamp(milliseconds(6));
    auto created = t->upsert_product({}, {.product = in});
    REQUIRE(created.ok());
    CHECK(created->version == Version{1});
    CHECK(created->created_at == t.clock->now());
  }

  TEST_CASE("create_or_replace replaces every field, bumps the version and keeps created_at") {
    TestEngine t;
    Product first = product("p-1", "S1", "First");
    first.attributes = {{"a", "1"}};
    first.description = "old";
    auto created = t->upsert_product({}, {.product = first});
    REQUIRE(created.ok());
    const Timestamp created_at = t.clock->now();
    t.clock->advance(milliseconds(500));
    auto replaced = t->upsert_product({}, {.product = product("p-1", "S1", "Second")});
    REQUIRE(replaced.ok());
    CHECK(replaced->name == "Second");
    CHECK(replaced->description.empty());
    CHECK(replaced->attributes.empty());
    CHECK(replaced->version == Version{2});
    CHECK(replaced->created_at == created_at);
    CHECK(replaced->updated_at == created_at + milliseconds(500));
    CHECK(*t->get_product({}, "p-1") == *replaced);
  }

  TEST_CASE("create_only refuses an existing id with already_exists and changes nothing") {
    TestEngine t;
    auto created = t->upsert_product({}, {.product = product("p-1", "S1", "Original")});
    REQUIRE(created.ok());
    auto again = t->upsert_product(
        {}, {.product = product("p-1", "S2", "Other"), .mode = UpsertMode::create_only});
    CHECK(again.status().code() == StatusCode::already_exists);
    CHECK(again.status().field() == "product.id");
    CHECK(*t->get_product({}, "p-1") == *created);
    CHECK(t->find_product_by_sku({}, "S2").status().code() == StatusCode::not_found);
  }

  TEST_CASE("create_only creates a product that does not exist yet") {
    TestEngine t;
    auto created =
        t->upsert_product({}, {.product = product("p-1", "S1"), .mode = UpsertMode::create_only});
    REQUIRE(created.ok());
    CHECK(created->version == Version{1});
  }

  TEST_CASE("replace_only refuses a missing product with not_found and creates nothing") {
    TestEngine t;
    auto missing =
        t->upsert_product({}, {.product = product("p-1", "S1"), .mode = UpsertMode::replace_only});
    CHECK(missing.status().code() == StatusCode::not_found);
    CHECK(missing.status().field() == "product.id");
    CHECK(t->get_product({}, "p-1").status().code() == StatusCode::not_found);
    CHECK(t->find_product_by_sku({}, "S1").status().code() == StatusCode::not_found);
  }

  TEST_CASE("replace_only replaces an existing product") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "S1", "A")}).ok());
    auto replaced = t->upsert_product(
        {}, {.product = product("p-1", "S1", "B"), .mode = UpsertMode::replace_only});
    REQUIRE(replaced.ok());
    CHECK(replaced->name == "B");
    CHECK(replaced->version == Version{2});
  }

  TEST_CASE("a matching expected_version replaces; a stale one is a version_conflict") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "S1", "A")}).ok());
    auto v2 = t->upsert_product(
        {}, {.product = product("p-1", "S1", "B"), .expected_version = Version{1}});
    REQUIRE(v2.ok());
    CHECK(v2->version == Version{2});
    auto stale = t->upsert_product(
        {}, {.product = product("p-1", "S1", "C"), .expected_version = Version{1}});
    CHECK(stale.status().code() == StatusCode::version_conflict);
    CHECK(stale.status().field() == "expected_version");
    CHECK(*t->get_product({}, "p-1") == *v2);
  }

  TEST_CASE("a SKU conflict is reported before a stale expected_version") {
    // Regression (fixed; the test guards it): engine.h lists upsert_product's errors in order of
    // precedence ("invalid_argument, not_found (replace_only), already_exists (create_only, or the
    // SKU belongs to another product), version_conflict, limit_exceeded"), but the catalog checks
    // expected_version before the SKU, so a request failing both answers version_conflict.
    TestEngine t;
    auto p1 = t->upsert_product({}, {.product = product("p-1", "A")});
    REQUIRE(t->upsert_product({}, {.product = product("p-2", "X")}).ok());
    auto r =
        t->upsert_product({}, {.product = product("p-1", "X"), .expected_version = Version{5}});
    CHECK(r.status().code() == StatusCode::already_exists);
    CHECK(r.status().field() == "product.sku");
    CHECK(*t->get_product({}, "p-1") == *p1);
  }

  TEST_CASE("an expected_version for a product that does not exist is not_found") {
    TestEngine t;
    auto r =
        t->upsert_product({}, {.product = product("p-1", "S1"), .expected_version = Version{1}});
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(t->get_product({}, "p-1").status().code() == StatusCode::not_found);
  }

  TEST_CASE("a SKU taken by another product is already_exists, in every mode") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "SKU")}).ok());
    REQUIRE(t->upsert_product({}, {.product = product("p-2", "OTHER")}).ok());
    for (const UpsertMode mode :
         {UpsertMode::create_or_replace, UpsertMode::create_only, UpsertMode::replace_only}) {
      CAPTURE(static_cast<int>(mode));
      const std::string id = mode == UpsertMode::replace_only ? "p-2" : "p-3";
      auto r = t->upsert_product({}, {.product = product(id, "SKU"), .mode = mode});
      CHECK(r.status().code() == StatusCode::already_exists);
      CHECK(r.status().field() == "product.sku");
    }
    CHECK(t->get_product({}, "p-3").status().code() == StatusCode::not_found);
    CHECK(t->get_product({}, "p-2")->sku == "OTHER");
    CHECK(t->find_product_by_sku({}, "SKU")->id == "p-1");
  }

  TEST_CASE("a product may keep its own SKU and may change it, freeing the old one") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "OLD")}).ok());
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "OLD", "Renamed")}).ok());
    REQUIRE(t->upsert_product({}, {.product = product("p-1", "NEW")}).ok());
    CHECK(t->find_product_by_sku({}, "OLD").status().code() == StatusCode::not_found);
    CHECK(t->find_product_by_sku({}, "NEW")->id == "p-1");
    auto other = t->upsert_product({}, {.product = product("p-2", "OLD")});
    REQUIRE(other.ok());
    CHECK(t->find_product_by_sku({}, "OLD")->id == "p-2");
  }

  TEST_CASE("find_product_by_sku returns the product or not_found naming the sku") {
    TestEngine t;
    auto created = t->upsert_product({}, {.product = product("p-1", "MUG-RED")});
    REQUIRE(created.ok());
    auto found = t->find_product_by_sku({}, "MUG-RED");
    REQUIRE(found.ok());
    CHECK(*found == *created);
    auto missing = t->find_product_by_sku({}, "mug-red");  // SKUs are case-sensitive.
    CHECK(missing.status().code() == StatusCode::not_found);
    CHECK(missing.status().field() == "sku");
  }

  TEST_CASE("get_product of an unknown id is not_found naming product_id") {
    TestEngine t;
    auto r = t->get_product({}, "nope");
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(r.status().field() == "product_id");
  }

  TEST_CASE("list_products pages through products ordered by id with cursors") {
    TestEngine t;
    for (const char* id : {"d", "b", "e", "a", "c"}) {
      REQUIRE(t->upsert_product({}, {.product = product(id, std::string("sku-") + id)}).ok());
    }
    auto first = t->list_products({}, {.limit = 2});
    REQUIRE(first.ok());
    CHECK(product_ids(*first) == std::vector<std::string>{"a", "b"});
    REQUIRE(first->next_cursor.has_value());
    auto second = t->list_products({}, {.cursor = *first->next_cursor, .limit = 2});
    REQUIRE(second.ok());
    CHECK(product_ids(*second) == std::vector<std::string>{"c", "d"});
    REQUIRE(second->next_cursor.has_value());
    auto third = t->list_products({}, {.cursor = *second->next_cursor, .limit = 2});
    REQUIRE(third.ok());
    CHECK(product_ids(*third) == std::vector<std::string>{"e"});
    CHECK_FALSE(third->next_cursor.has_value());
  }

  TEST_CASE("a page that ends exactly at the last product has no next cursor") {
    TestEngine t;
    for (const char* id : {"a", "b", "c"}) {
      REQUIRE(t->upsert_product({}, {.product = product(id, id)}).ok());
    }
    auto all = t->list_products({}, {.limit = 3});
    REQUIRE(all.ok());
    CHECK(all->items.size() == 3);
    CHECK_FALSE(all->next_cursor.has_value());
    auto big = t->list_products({}, {});
    REQUIRE(big.ok());
    CHECK(big->items.size() == 3);
    CHECK_FALSE(big->next_cursor.has_value());
  }

  TEST_CASE("an empty catalog lists an empty page without a cursor") {
    TestEngine t;
    auto page = t->list_products({}, {.limit = 1});
    REQUIRE(page.ok());
    CHECK(page->items.empty());
    CHECK_FALSE(page->next_cursor.has_value());
  }

  TEST_CASE("list_products refuses a limit of 0 or above page_size_max, accepts the bounds") {
    Limits limits = TestEngine::small_limits();
    limits.page_size_max = 3;
    TestEngine t(limits);
    REQUIRE(t->upsert_product({}, {.product = product("a", "a")}).ok());
    auto zero = t->list_products({}, {.limit = 0});
    CHECK(zero.status().code() == StatusCode::invalid_argument);
    CHECK(zero.status().field() == "limit");
    auto over = t->list_products({}, {.limit = 4});
    CHECK(over.status().code() == StatusCode::invalid_argument);
    CHECK(over.status().field() == "limit");
    CHECK(t->list_products({}, {.limit = 1}).ok());
    CHECK(t->list_products({}, {.limit = 3}).ok());
  }

  TEST_CASE("products_max limits new products but not replacements") {
    Limits limits = TestEngine::small_limits();
    limits.products_max = 2;
    TestEngine t(limits);
    REQUIRE(t->upsert_product({}, {.product = product("a", "a")}).ok());
    REQUIRE(t->upsert_product({}, {.product = product("b", "b")}).ok());
    auto third = t->upsert_product({}, {.product = product("c", "c")});
    CHECK(third.status().code() == StatusCode::limit_exceeded);
    CHECK(t->get_product({}, "c").status().code() == StatusCode::not_found);
    CHECK(t->upsert_product({}, {.product = product("b", "b", "Renamed")}).ok());
    REQUIRE(t->remove_product({}, "a", false).ok());
    CHECK(t->upsert_product({}, {.product = product("c", "c")}).ok());
  }
}

TEST_SUITE("catalog/locations") {
  TEST_CASE("creating a location stores its name, type and attributes with version 1") {
    TestEngine t;
    Location in = location("store-1", "Downtown");
    in.type = LocationType::store;
    in.attributes = {{"city", "Oslo"}};
    auto created = t->upsert_location({}, {.location = in});
    REQUIRE(created.ok());
    CHECK(created->id == "store-1");
    CHECK(created->name == "Downtown");
    CHECK(created->type == LocationType::store);
    CHECK(created->attributes == in.attributes);
    CHECK(created->version == Version{1});
    CHECK(created->created_at == t.clock->now());
    CHECK(*t->get_location({}, "store-1") == *created);
  }

  TEST_CASE("replacing a location bumps its version and keeps created_at") {
    TestEngine t;
    REQUIRE(t->upsert_location({}, {.location = location("w", "Old")}).ok());
    const Timestamp created_at = t.clock->now();
    t.clock->advance(milliseconds(10));
    Location next = location("w", "New");
    next.type = LocationType::transit;
    auto replaced = t->upsert_location({}, {.location = next});
    REQUIRE(replaced.ok());
    CHECK(replaced->name == "New");
    CHECK(replaced->type == LocationType::transit);
    CHECK(replaced->version == Version{2});
    CHECK(replaced->created_at == created_at);
    CHECK(replaced->updated_at == created_at + milliseconds(10));
  }

  TEST_CASE("location upsert modes: create_only, replace_only and expected_version") {
    TestEngine t;
    auto created = t->upsert_location({}, {.location = location("w", "A")});
    REQUIRE(created.ok());
    auto dup =
        t->upsert_location({}, {.location = location("w", "B"), .mode = UpsertMode::create_only});
    CHECK(dup.status().code() == StatusCode::already_exists);
    CHECK(dup.status().field() == "location.id");
    auto missing =
        t->upsert_location({}, {.location = location("x", "B"), .mode = UpsertMode::replace_only});
    CHECK(missing.status().code() == StatusCode::not_found);
    CHECK(missing.status().field() == "location.id");
    CHECK(t->get_location({}, "x").status().code() == StatusCode::not_found);
    auto stale =
        t->upsert_location({}, {.location = location("w", "C"), .expected_version = Version{2}});
    CHECK(stale.status().code() == StatusCode::version_conflict);
    CHECK(stale.status().field() == "expected_version");
    CHECK(*t->get_location({}, "w") == *created);
    auto ok = t->upsert_location({}, {.location = location("w", "D"),
                                      .mode = UpsertMode::replace_only,
                                      .expected_version = Version{1}});
    REQUIRE(ok.ok());
    CHECK(ok->name == "D");
    CHECK(ok->version == Version{2});
  }

  TEST_CASE("get_location of an unknown id is not_found naming location_id") {
    TestEngine t;
    auto r = t->get_location({}, "nope");
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(r.status().field() == "location_id");
  }

  TEST_CASE("list_locations pages through locations ordered by id") {
    TestEngine t;
    for (const char* id : {"w3", "w1", "w2"})
      REQUIRE(t->upsert_location({}, {.location = location(id)}).ok());
    auto first = t->list_locations({}, {.limit = 2});
    REQUIRE(first.ok());
    CHECK(location_ids(*first) == std::vector<std::string>{"w1", "w2"});
    REQUIRE(first->next_cursor.has_value());
    auto second = t->list_locations({}, {.cursor = *first->next_cursor, .limit = 2});
    REQUIRE(second.ok());
    CHECK(location_ids(*second) == std::vector<std::string>{"w3"});
    CHECK_FALSE(second->next_cursor.has_value());
    CHECK(t->list_locations({}, {.limit = 0}).status().field() == "limit");
  }

  TEST_CASE("locations_max limits new locations") {
    Limits limits = TestEngine::small_limits();
    limits.locations_max = 1;
    TestEngine t(limits);
    REQUIRE(t->upsert_location({}, {.location = location("a")}).ok());
    auto second = t->upsert_location({}, {.location = location("b")});
    CHECK(second.status().code() == StatusCode::limit_exceeded);
    CHECK(t->get_location({}, "b").status().code() == StatusCode::not_found);
    CHECK(t->upsert_location({}, {.location = location("a", "Renamed")}).ok());
    REQUIRE(t->remove_location({}, "a", false).ok());
    CHECK(t->upsert_location({}, {.location = location("b")}).ok());
  }
}

TEST_SUITE("catalog/items") {
  TEST_CASE("upsert_item creates an item with zero stock, the policy and the catalog ids") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p", "s")}).ok());
    REQUIRE(t->upsert_location({}, {.location = location("w")}).ok());
    const ItemPolicy policy{.safety_stock = 1, .low_stock_threshold = 2, .backorder_limit = 3};
    auto info = t->upsert_item({}, {.product_id = "p", .location_id = "w", .policy = policy});
    REQUIRE(info.ok());
    CHECK(info->product_id == "p");
    CHECK(info->location_id == "w");
    CHECK(info->level.item != ItemId{});
    CHECK(info->level.on_hand == Quantity{0});
    CHECK(info->level.reserved == Quantity{0});
    CHECK(info->level.policy == policy);
    CHECK(info->level.updated_at == t.clock->now());
    auto got = t->get_item({}, info->level.item);
    REQUIRE(got.ok());
    CHECK(*got == *info);
    CHECK(*t->find_item({}, "p", "w") == info->level.item);
  }

  TEST_CASE(
      "upsert_item of an existing pair keeps the ItemId, sets the policy, bumps the version") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const StockLevel before = t.level(item);
    t.clock->advance(milliseconds(3));
    const ItemPolicy policy{.safety_stock = 4, .low_stock_threshold = 5, .backorder_limit = 6};
    auto info = t->upsert_item({}, {.product_id = "p", .location_id = "w", .policy = policy});
    REQUIRE(info.ok());
    CHECK(info->level.item == item);
    CHECK(info->level.on_hand == Quantity{10});
    CHECK(info->level.policy == policy);
    CHECK(static_cast<std::uint64_t>(info->level.version) ==
          static_cast<std::uint64_t>(before.version) + 1);
    CHECK(info->level.updated_at == t.clock->now());
    CHECK(t.level(item) == info->level);
  }

  TEST_CASE("upsert_item with a stale expected_version is a version_conflict and changes nothing") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10);
    const StockLevel before = t.level(item);
    const Version stale{static_cast<std::uint64_t>(before.version) + 5};
    auto r = t->upsert_item({}, {.product_id = "p",
                                 .location_id = "w",
                                 .policy = {.safety_stock = 9},
                                 .expected_version = stale});
    CHECK(r.status().code() == StatusCode::version_conflict);
    CHECK(r.status().field() == "expected_version");
    CHECK(t.level(item) == before);
    auto ok = t->upsert_item({}, {.product_id = "p",
                                  .location_id = "w",
                                  .policy = {.safety_stock = 9},
                                  .expected_version = before.version});
    REQUIRE(ok.ok());
    CHECK(ok->level.policy.safety_stock == 9);
  }

  TEST_CASE(
      "item upsert modes: create_only leaves an existing item alone, replace_only creates "
      "nothing") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 10, {.safety_stock = 4});
    const StockLevel before = t.level(item);
    auto again = t->upsert_item(
        {}, {.product_id = "p", .location_id = "w", .mode = UpsertMode::create_only});
    CHECK(again.status().code() == StatusCode::already_exists);
    CHECK(again.status().field() == "location_id");
    CHECK(t.level(item) == before);  // The policy was not reset to the request's (zero) one.

    REQUIRE(t->upsert_location({}, {.location = {.id = "w2", .name = "w2"}}).ok());
    auto missing = t->upsert_item(
        {}, {.product_id = "p", .location_id = "w2", .mode = UpsertMode::replace_only});
    CHECK(missing.status().code() == StatusCode::not_found);
    CHECK(t->find_item({}, "p", "w2").status().code() == StatusCode::not_found);
    auto created = t->upsert_item(
        {}, {.product_id = "p", .location_id = "w2", .mode = UpsertMode::create_only});
    REQUIRE(created.ok());
    CHECK(created->level.on_hand == Quantity{0});
    auto replaced = t->upsert_item({}, {.product_id = "p",
                                        .location_id = "w2",
                                        .policy = {.safety_stock = 2},
                                        .mode = UpsertMode::replace_only});
    REQUIRE(replaced.ok());
    CHECK(replaced->level.item == created->level.item);
    CHECK(replaced->level.policy.safety_stock == 2);
  }

  TEST_CASE("upsert_item refuses a policy below the current shortfall with failed_precondition") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0, {.backorder_limit = 5});
    REQUIRE(t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{4}}).ok());
    const StockLevel before = t.level(item);  // available -4
    auto r = t->upsert_item(
        {}, {.product_id = "p", .location_id = "w", .policy = {.backorder_limit = 3}});
    CHECK(r.status().code() == StatusCode::failed_precondition);
    CHECK(r.status().field() == "policy.backorder_limit");
    CHECK(t.level(item) == before);
    CHECK(t->upsert_item({},
                         {.product_id = "p", .location_id = "w", .policy = {.backorder_limit = 4}})
              .ok());
  }

  TEST_CASE("upsert_item of an unknown product or location is not_found naming it") {
    TestEngine t;
    REQUIRE(t->upsert_product({}, {.product = product("p", "s")}).ok());
    REQUIRE(t->upsert_location({}, {.location = location("w")}).ok());
    auto no_product = t->upsert_item({}, {.product_id = "x", .location_id = "w"});
    CHECK(no_product.status().code() == StatusCode::not_found);
    CHECK(no_product.status().field() == "product_id");
    auto no_location = t->upsert_item({}, {.product_id = "p", .location_id = "x"});
    CHECK(no_location.status().code() == StatusCode::not_found);
    CHECK(no_location.status().field() == "location_id");
    CHECK(t->find_item({}, "p", "w").status().code() == StatusCode::not_found);
  }

  TEST_CASE("find_item is not_found for an unknown product, location, or pair without an item") {
    TestEngine t;
    t.item("p", "w");
    REQUIRE(t->upsert_location({}, {.location = location("w2")}).ok());
    CHECK(t->find_item({}, "x", "w").status().field() == "product_id");
    CHECK(t->find_item({}, "p", "x").status().field() == "location_id");
    auto none = t->find_item({}, "p", "w2");
    CHECK(none.status().code() == StatusCode::not_found);
    CHECK(none.status().field() == "item");
  }

  TEST_CASE("get_item and get of an unknown or zero ItemId are not_found") {
    TestEngine t;
    const ItemId item = t.item("p", "w");
    const ItemId forged{static_cast<std::uint64_t>(item) + 1};
    for (const ItemId id : {ItemId{}, forged, ItemId{~std::uint64_t{0}}}) {
      CAPTURE(static_cast<std::uint64_t>(id));
      CHECK(t->get_item({}, id).status().code() == StatusCode::not_found);
      CHECK(t->get({}, id).status().code() == StatusCode::not_found);
    }
  }

  TEST_CASE("items_max limits new items; a removed item frees its slot") {
    Limits limits = TestEngine::small_limits();
    limits.items_max = 2;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w1");
    t.item("p", "w2");
    REQUIRE(t->upsert_location({}, {.location = location("w3")}).ok());
    auto third = t->upsert_item({}, {.product_id = "p", .location_id = "w3"});
    CHECK(third.status().code() == StatusCode::limit_exceeded);
    CHECK(t->find_item({}, "p", "w3").status().code() == StatusCode::not_found);
    // Updating an existing item is not a new item.
    CHECK(
        t->upsert_item({}, {.product_id = "p", .location_id = "w1", .policy = {.safety_stock = 1}})
            .ok());
    REQUIRE(t->remove_item({}, a, false).ok());
    auto again = t->upsert_item({}, {.product_id = "p", .location_id = "w3"});
    REQUIRE(again.ok());
    CHECK(again->level.item != a);
    CHECK(t->get({}, a).status().code() == StatusCode::not_found);
  }
}

TEST_SUITE("catalog/list_items") {
  TEST_CASE("list_items without filters returns every item in ItemId order") {
    TestEngine t;
    std::vector<ItemId> created;
    for (const char* p : {"p1", "p2"}) {
      for (const char* w : {"w1", "w2", "w3"}) created.push_back(t.item(p, w));
    }
    std::vector<ItemId> sorted = created;
    std::sort(sorted.begin(), sorted.end());
    auto page = t->list_items({}, {}, {});
    REQUIRE(page.ok());
    CHECK(item_ids(*page) == sorted);
    CHECK_FALSE(page->next_cursor.has_value());
    CHECK(page->items[0].product_id == "p1");
    CHECK(page->items[0].location_id == "w1");
  }

  TEST_CASE("list_items pages with cursors and limits and visits each item once") {
    TestEngine t;
    std::vector<ItemId> created;
    for (int i = 0; i < 7; ++i) created.push_back(t.item("p", "w" + std::to_string(i)));
    std::sort(created.begin(), created.end());
    for (const std::uint32_t limit : {1u, 2u, 3u, 7u, 8u}) {
      CAPTURE(limit);
      CHECK(all_items(t, {}, limit) == created);
    }
  }

  TEST_CASE("list_items filters by product, by location, and by both") {
    TestEngine t;
    const ItemId p1w1 = t.item("p1", "w1");
    const ItemId p1w2 = t.item("p1", "w2");
    const ItemId p2w1 = t.item("p2", "w1");
    const ItemId p2w2 = t.item("p2", "w2");
    auto by_product = t->list_items({}, {.product_id = "p1"}, {});
    REQUIRE(by_product.ok());
    CHECK(item_ids(*by_product) == std::vector<ItemId>{p1w1, p1w2});
    auto by_location = t->list_items({}, {.location_id = "w1"}, {});
    REQUIRE(by_location.ok());
    CHECK(item_ids(*by_location) == std::vector<ItemId>{p1w1, p2w1});
    auto both = t->list_items({}, {.product_id = "p2", .location_id = "w2"}, {});
    REQUIRE(both.ok());
    CHECK(item_ids(*both) == std::vector<ItemId>{p2w2});
    CHECK(all_items(t, {.product_id = "p2"}, 1) == std::vector<ItemId>{p2w1, p2w2});
    CHECK(all_items(t, {.location_id = "w2"}, 1) == std::vector<ItemId>{p1w2, p2w2});
  }

  TEST_CASE("list_items with an unknown product or location returns an empty page") {
    TestEngine t;
    t.item("p", "w");
    auto unknown_product = t->list_items({}, {.product_id = "nope"}, {});
    REQUIRE(unknown_product.ok());
    CHECK(unknown_product->items.empty());
    CHECK_FALSE(unknown_product->next_cursor.has_value());
    auto unknown_location = t->list_items({}, {.product_id = "p", .location_id = "nope"}, {});
    REQUIRE(unknown_location.ok());
    CHECK(unknown_location->items.empty());
  }

  TEST_CASE("updated_after keeps only items changed strictly later than the given time") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 5);
    const Timestamp t0 = t.clock->now();
    t.clock->advance(milliseconds(10));
    const ItemId b = t.item("p", "w2", 5);
    const Timestamp t1 = t.clock->now();
    t.clock->advance(milliseconds(10));
    REQUIRE(t->adjust({}, {.item = a, .delta = Quantity{1}}).ok());
    const Timestamp t2 = t.clock->now();
    CHECK(all_items(t, {.updated_after = t0 - milliseconds(1)}, 10) == std::vector<ItemId>{a, b});
    CHECK(all_items(t, {.updated_after = t0}, 10) == std::vector<ItemId>{a, b});
    CHECK(all_items(t, {.updated_after = t1}, 10) == std::vector<ItemId>{a});
    CHECK(all_items(t, {.updated_after = t2}, 10).empty());
    CHECK(all_items(t, {.product_id = "p", .updated_after = t1 - milliseconds(1)}, 1) ==
          std::vector<ItemId>{a, b});
  }

  TEST_CASE("low_stock_only keeps items whose available is at or below the threshold") {
    TestEngine t;
    const ItemId at = t.item("p", "w1", 5, {.low_stock_threshold = 5});
    const ItemId above = t.item("p", "w2", 6, {.low_stock_threshold = 5});
    const ItemId empty = t.item("p", "w3", 0);  // threshold 0, available 0
    const ItemId reserved_down = t.item("p", "w4", 10, {.low_stock_threshold = 5});
    REQUIRE(t->reserve({}, ReserveRequest{.item = reserved_down, .quantity = Quantity{5}}).ok());
    CHECK(all_items(t, {.low_stock_only = true}, 10) ==
          std::vector<ItemId>{at, empty, reserved_down});
    CHECK(all_items(t, {.low_stock_only = true}, 1) ==
          std::vector<ItemId>{at, empty, reserved_down});
    (void)above;
  }

  TEST_CASE("list_items refuses a malformed cursor and a bad limit") {
    TestEngine t;
    t.item("p", "w");
    for (const char* cursor : {"abc", "12x", "-1", " 1"}) {
      CAPTURE(cursor);
      auto r = t->list_items({}, {}, {.cursor = cursor});
      CHECK(r.status().code() == StatusCode::invalid_argument);
      CHECK(r.status().field() == "cursor");
    }
    auto zero = t->list_items({}, {}, {.limit = 0});
    CHECK(zero.status().code() == StatusCode::invalid_argument);
    CHECK(zero.status().field() == "limit");
    auto over = t->list_items({}, {}, {.limit = 1001});
    CHECK(over.status().field() == "limit");
  }

  TEST_CASE("a cursor past the last item gives an empty page") {
    TestEngine t;
    t.item("p", "w");
    auto r = t->list_items({}, {}, {.cursor = "18446744073709551615"});
    REQUIRE(r.ok());
    CHECK(r->items.empty());
    CHECK_FALSE(r->next_cursor.has_value());
  }
}

TEST_SUITE("catalog/remove") {
  TEST_CASE("removing an empty item makes its id not_found everywhere") {
    TestEngine t;
    const ItemId item = t.item("p", "w");
    REQUIRE(t->remove_item({}, item, false).ok());
    CHECK(t->get({}, item).status().code() == StatusCode::not_found);
    CHECK(t->get_item({}, item).status().code() == StatusCode::not_found);
    CHECK(t->find_item({}, "p", "w").status().code() == StatusCode::not_found);
    auto adjust = t->adjust({}, {.item = item, .delta = Quantity{1}});
    CHECK(adjust.status().code() == StatusCode::not_found);
    CHECK(adjust.status().field() == "item");
    auto reserve = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}});
    CHECK(reserve.status().code() == StatusCode::not_found);
    CHECK(t->set_on_hand({}, {.item = item, .on_hand = Quantity{1}}).status().code() ==
          StatusCode::not_found);
    CHECK(t->set_policy({}, {.item = item}).status().code() == StatusCode::not_found);
    auto again = t->remove_item({}, item, false);
    CHECK(again.code() == StatusCode::not_found);
    CHECK(again.field() == "item");
    auto listed = t->list_items({}, {}, {});
    REQUIRE(listed.ok());
    CHECK(listed->items.empty());
    // The product and the location remain.
    CHECK(t->get_product({}, "p").ok());
    CHECK(t->get_location({}, "w").ok());
  }

  TEST_CASE("a re-created item gets a new id and the old id stays not_found") {
    TestEngine t;
    const ItemId old_id = t.item("p", "w", 0);
    REQUIRE(t->remove_item({}, old_id, false).ok());
    const ItemId new_id = t.item("p", "w", 3);
    CHECK(new_id != old_id);
    CHECK(t->get({}, old_id).status().code() == StatusCode::not_found);
    CHECK(t->adjust({}, {.item = old_id, .delta = Quantity{1}}).status().code() ==
          StatusCode::not_found);
    CHECK(t.level(new_id).on_hand == Quantity{3});
  }

  TEST_CASE("removing an item with stock needs force; without it nothing changes") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 5);
    const StockLevel before = t.level(item);
    const Status refused = t->remove_item({}, item, false);
    CHECK(refused.code() == StatusCode::failed_precondition);
    CHECK(refused.field() == "force");
    CHECK(t.level(item) == before);
    CHECK(t->find_item({}, "p", "w").ok());
    REQUIRE(t->remove_item({}, item, true).ok());
    CHECK(t->get({}, item).status().code() == StatusCode::not_found);
    CHECK(t->get_item({}, item).status().code() == StatusCode::not_found);
  }

  TEST_CASE("removing an item with holds but no on_hand needs force") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0, {.backorder_limit = 5});
    REQUIRE(t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{3}}).ok());
    CHECK(t.level(item).on_hand == Quantity{0});
    const Status refused = t->remove_item({}, item, false);
    CHECK(refused.code() == StatusCode::failed_precondition);
    CHECK(t.level(item).reserved == Quantity{3});
  }

  TEST_CASE("removing an item with negative on_hand needs force") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 0);
    REQUIRE(t->adjust({}, {.item = item, .delta = Quantity{-2}, .force = true}).ok());
    CHECK(t->remove_item({}, item, false).code() == StatusCode::failed_precondition);
    CHECK(t->remove_item({}, item, true).ok());
  }

  TEST_CASE("force-removing an item keeps the other lines of its reservations working") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{3}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    REQUIRE(t->remove_item({}, a, true).ok());
    CHECK(t->check_invariants().ok());
    auto info = t->get_reservation({}, *hold);
    REQUIRE(info.ok());
    CHECK(info->state == ReservationState::active);
    REQUIRE(t->confirm({}, *hold).ok());
    CHECK(t.level(b).on_hand == Quantity{7});
    CHECK(t.level(b).reserved == Quantity{0});
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("removing a product removes all of its items, all or none") {
    TestEngine t;
    const ItemId empty = t.item("p", "w1");
    const ItemId stocked = t.item("p", "w2", 4);
    const ItemId other = t.item("q", "w1", 4);
    const Status refused = t->remove_product({}, "p", false);
    CHECK(refused.code() == StatusCode::failed_precondition);
    CHECK(refused.field() == "force");
    CHECK(t->get({}, empty).ok());
    CHECK(t->get({}, stocked).ok());
    CHECK(t->get_product({}, "p").ok());
    REQUIRE(t->remove_product({}, "p", true).ok());
    CHECK(t->get_product({}, "p").status().code() == StatusCode::not_found);
    CHECK(t->find_product_by_sku({}, "sku-p").status().code() == StatusCode::not_found);
    CHECK(t->get({}, empty).status().code() == StatusCode::not_found);
    CHECK(t->get({}, stocked).status().code() == StatusCode::not_found);
    CHECK(t->get_item({}, stocked).status().code() == StatusCode::not_found);
    CHECK(t.level(other).on_hand == Quantity{4});
    auto listed = t->list_items({}, {}, {});
    REQUIRE(listed.ok());
    CHECK(item_ids(*listed) == std::vector<ItemId>{other});
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("a product without stock is removed without force and its SKU is free again") {
    TestEngine t;
    const ItemId item = t.item("p", "w");
    REQUIRE(t->remove_product({}, "p", false).ok());
    CHECK(t->get({}, item).status().code() == StatusCode::not_found);
    CHECK(t->upsert_product({}, {.product = product("p2", "sku-p")}).ok());
    // Re-creating the product id gives fresh items.
    REQUIRE(t->upsert_product({}, {.product = product("p", "sku-p-again")}).ok());
    CHECK(t->find_item({}, "p", "w").status().code() == StatusCode::not_found);
  }

  TEST_CASE("removing an unknown product or location is not_found") {
    TestEngine t;
    const Status p = t->remove_product({}, "nope", true);
    CHECK(p.code() == StatusCode::not_found);
    CHECK(p.field() == "product_id");
    const Status l = t->remove_location({}, "nope", true);
    CHECK(l.code() == StatusCode::not_found);
    CHECK(l.field() == "location_id");
  }

  TEST_CASE("removing a location removes its items and needs force when one has stock") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 1);
    const ItemId b = t.item("q", "w");
    const ItemId elsewhere = t.item("p", "w2", 2);
    CHECK(t->remove_location({}, "w", false).code() == StatusCode::failed_precondition);
    CHECK(t->get({}, a).ok());
    CHECK(t->get({}, b).ok());
    CHECK(t->get_location({}, "w").ok());
    REQUIRE(t->remove_location({}, "w", true).ok());
    CHECK(t->get_location({}, "w").status().code() == StatusCode::not_found);
    CHECK(t->get({}, a).status().code() == StatusCode::not_found);
    CHECK(t->get({}, b).status().code() == StatusCode::not_found);
    CHECK(t.level(elsewhere).on_hand == Quantity{2});
    CHECK(t->find_item({}, "p", "w").status().code() == StatusCode::not_found);
    CHECK(t->check_invariants().ok());
  }

  TEST_CASE("removing an item with holds by force keeps invariants and releases nothing twice") {
    TestEngine t;
    const ItemId item = t.item("p", "w", 5);
    auto hold = t->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{5}});
    REQUIRE(hold.ok());
    REQUIRE(t->remove_item({}, item, true).ok());
    // The slot is reused by a new item; the old hold must not touch it.
    const ItemId fresh = t.item("p", "w", 2);
    REQUIRE(t->release({}, *hold).ok());
    CHECK(t.level(fresh).on_hand == Quantity{2});
    CHECK(t.level(fresh).reserved == Quantity{0});
    CHECK(t->check_invariants().ok());
  }
}

}  // namespace inventory
