// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The route handlers: validate the body strictly, check the key's locations, call the engine
// (mutations in the completion form), render the result as docs/api.md's JSON.

#include <algorithm>
#include <charconv>
#include <deque>
#include <set>

#include <boost/url.hpp>

#include "api.h"
#include "api_context.h"
#include "api_util.h"
#include "net_filter.h"
#include "signing.h"
#include "state_store.h"
#include "webhooks.h"

namespace inventory::server {
namespace json = boost::json;

namespace server_embed {}  // namespace server_embed
extern const std::string_view kDashboardPage;
extern const std::string_view kOpenApi;

namespace {

constexpr std::int64_t kIdMax = 64;

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string id_string(std::uint64_t id) { return std::to_string(id); }

json::object quantities_json(const Quantities& q) {
  return {{"stockLevel", q.on_hand.value()},
          {"reservedStock", q.reserved.value()},
          {"availableStock", q.available.value()}};
}

json::object attributes_json(const Attributes& attributes) {
  json::object out;
  for (const auto& [k, v] : attributes) out[k] = v;
  return out;
}

json::object product_json(const Product& p) {
  return {{"productId", p.id},
          {"sku", p.sku},
          {"name", p.name},
          {"description", p.description},
          {"price", json::object{{"amount", p.price.amount_minor}, {"currency", p.price.currency}}},
          {"attributes", attributes_json(p.attributes)},
          {"createdAt", rfc3339(p.created_at)},
          {"updatedAt", rfc3339(p.updated_at)},
          {"version", static_cast<std::uint64_t>(p.version)}};
}

json::object location_json(const Location& l) {
  return {{"locationId", l.id},
          {"name", l.name},
          {"type", to_string(l.type)},
          {"attributes", attributes_json(l.attributes)},
          {"createdAt", rfc3339(l.created_at)},
          {"updatedAt", rfc3339(l.updated_at)},
          {"version", static_cast<std::uint64_t>(l.version)}};
}

std::optional<LocationType> location_type(std::string_view name) {
  if (name == "warehouse") return LocationType::warehouse;
  if (name == "store") return LocationType::store;
  if (name == "marketplace") return LocationType::marketplace;
  if (name == "transit") return LocationType::transit;
  return std::nullopt;
}

PageRequest page_request(const Api::Context& c) {
  PageRequest page;
  if (const auto limit = c.q("limit")) {
    const auto n = parse_u64(*limit);
    if (!n || *n < 1 || *n > 1000) throw_invalid("limit", "must be an integer from 1 to 1000");
    page.limit = static_cast<std::uint32_t>(*n);
  }
  if (const auto cursor = c.q("cursor")) page.cursor = *cursor;
  return page;
}

bool flag(const Api::Context& c, std::string_view name) {
  const auto v = c.q(name);
  if (!v) return false;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  throw_invalid(std::string(name), "must be true or false");
}

template <typename T>
T& value_or_throw(Result<T>& result, std::string_view prefix = {}) {
  if (!result.ok()) throw_status(result.status(), prefix);
  return *result;
}

void ok_or_throw(const Status& status, std::string_view prefix = {}) {
  if (!status.ok()) throw_status(status, prefix);
}

ApiError not_found(std::string what) {
  return ApiError{404, "not_found", std::move(what), {}, std::nullopt};
}

std::chrono::milliseconds ttl_from(Fields& f, const Limits& limits) {
  const auto seconds =
      f.integer("ttlSeconds", false, 1,
                std::chrono::duration_cast<std::chrono::seconds>(limits.ttl_max).count());
  return seconds ? std::chrono::milliseconds(*seconds * 1000) : std::chrono::milliseconds(0);
}

// The JSON text of a request parsed once per handler.
json::value body_of(const Api::Context& c) { return parse_body(c.request.body); }

}  // namespace

// ---- Plumbing ----

WriteOptions Api::write_options(const Context& c, bool keyed, WriteCallback* callback) const {
  WriteOptions options;
  options.durability = config_.durability;
  if (keyed) options.idempotency_key = c.engine_key;
  options.actor = c.principal.key_id;
  options.request_id = c.request.request_id;
  options.on_durable = callback;
  return options;
}

// Runs one engine mutation in the completion form. call(WriteOptions) returns the engine's
// Result or Status; build(result) renders the reply (or throws ApiError) once it is durable.
template <typename Call, typename Build>
void Api::mutate(Context& c, bool keyed, Call&& call, Build&& build) {
  auto* completion = new Completion(c.shared_from_this(), post_);
  const WriteOptions options = write_options(c, keyed, completion);
  using R = std::decay_t<decltype(call(options))>;
  auto result = std::make_shared<R>(call(options));
  completion->returned(
      [result, build = std::forward<Build>(build)]() mutable { return build(*result); });
}

// A preliminary mutation (creating an item before adjusting it): applied in memory now; its
// durability is implied by the main mutation's, which the journal acknowledges after it.
namespace {
class Unwaited final : public WriteCallback {
 public:
  void on_durable(const Status&) noexcept override {}
};
Unwaited g_unwaited;
}  // namespace

ItemInfo Api::item_in_scope(const Context& c, const std::string& inventory_id) const {
  const auto id = parse_u64(inventory_id);
  if (!id) throw not_found("no inventory item " + inventory_id);
  auto info = engine_.get_item({}, ItemId{*id});
  if (!info.ok() || !c.principal.may_see(info->location_id)) {
    throw not_found("no inventory item " + inventory_id);
  }
  return std::move(*info);
}

ItemId Api::item_for(const Context& c, const std::string& product_id,
                     const std::string& location_id, std::string_view field) const {
  if (!c.principal.may_see(location_id)) {
    throw ApiError{404, "not_found", "no location " + location_id, std::string(field),
                   std::nullopt};
  }
  auto item = engine_.find_item({}, product_id, location_id);
  if (!item.ok()) {
    throw ApiError{404, "not_found",
                   "no inventory of product " + product_id + " at location " + location_id,
                   std::string(field), std::nullopt};
  }
  return *item;
}

ReservationInfo Api::reservation_in_scope(const Context& c, const std::string& id) const {
  const auto n = parse_u64(id);
  if (!n) throw not_found("no reservation " + id);
  auto info = engine_.get_reservation({}, ReservationId{*n});
  if (!info.ok()) throw not_found("no reservation " + id);
  if (!c.principal.locations.empty()) {
    for (const ReserveLine& line : info->lines) {
      auto item = engine_.get_item({}, line.item);
      if (!item.ok() || !c.principal.may_see(item->location_id)) {
        throw not_found("no reservation " + id);
      }
    }
  }
  return std::move(*info);
}

json::object Api::item_json(const StockLevel& level, std::string_view product_id,
                            std::string_view location_id) const {
  return {{"inventoryId", id_string(static_cast<std::uint64_t>(level.item))},
          {"productId", product_id},
          {"locationId", location_id},
          {"stockLevel", level.on_hand.value()},
          {"reservedStock", level.reserved.value()},
          {"availableStock", level.available().value()},
          {"safetyStock", level.policy.safety_stock},
          {"lowStockThreshold", level.policy.low_stock_threshold},
          {"backorderLimit", level.policy.backorder_limit},
          {"lowStock", level.low_stock()},
          {"lastUpdated", rfc3339(level.updated_at)},
          {"version", static_cast<std::uint64_t>(level.version)}};
}

json::object Api::item_json(ItemId item) const {
  auto info = engine_.get_item({}, item);
  if (!info.ok()) throw_status(info.status());
  return item_json(info->level, info->product_id, info->location_id);
}

json::object Api::reservation_json(const ReservationInfo& info) const {
  json::array lines;
  for (const ReserveLine& line : info.lines) {
    auto item = engine_.get_item({}, line.item);
    lines.push_back(json::object{{"productId", item.ok() ? item->product_id : std::string()},
                                 {"locationId", item.ok() ? item->location_id : std::string()},
                                 {"inventoryId", id_string(static_cast<std::uint64_t>(line.item))},
                                 {"quantity", line.quantity.value()}});
  }
  return {{"reservationId", id_string(static_cast<std::uint64_t>(info.id))},
          {"state", to_string(info.state)},
          {"lines", std::move(lines)},
          {"reference", info.reference},
          {"expiresAt", rfc3339(info.expires_at)},
          {"createdAt", rfc3339(info.created_at)}};
}

std::string Api::event_json(const Event& e) {
  json::object out{
      {"sequence", e.sequence}, {"change", e.change}, {"type", inventory::to_string(e.type)}};
  out["inventoryId"] = e.item == ItemId{}
                           ? json::value(nullptr)
                           : json::value(id_string(static_cast<std::uint64_t>(e.item)));
  out["reservationId"] = e.reservation == ReservationId{}
                             ? json::value(nullptr)
                             : json::value(id_string(static_cast<std::uint64_t>(e.reservation)));
  out["productId"] = e.product_id.empty() ? json::value(nullptr) : json::value(e.product_id);
  out["locationId"] = e.location_id.empty() ? json::value(nullptr) : json::value(e.location_id);
  if (e.item != ItemId{}) {
    out["before"] = quantities_json(e.before);
    out["after"] = quantities_json(e.after);
    out["version"] = static_cast<std::uint64_t>(e.version);
  }
  out["delta"] = e.delta;
  out["reason"] = e.reason;
  out["reference"] = e.reference;
  out["actor"] = e.actor;
  out["requestId"] = e.request_id;
  out["occurredAt"] = rfc3339(e.occurred_at);
  out["recordedAt"] = rfc3339(e.recorded_at);
  return json::serialize(out);
}

// ---- Dispatch ----

void Api::dispatch(Context& c, std::size_t route, const std::vector<std::string>& p) {
  switch (route) {
    case 0:
      return list_products(c);
    case 1:
      return create_product(c);
    case 2:
      return get_product(c, p[0]);
    case 3:
      return put_product(c, p[0]);
    case 4:
      return delete_product(c, p[0]);
    case 5:
      return list_locations(c);
    case 6:
      return create_location(c);
    case 7:
      return get_location(c, p[0]);
    case 8:
      return put_location(c, p[0]);
    case 9:
      return delete_location(c, p[0]);
    case 10:
      return list_inventory(c);
    case 11:
      return adjust_inventory(c);
    case 12:
      return bulk_update(c);
    case 13:
      return get_inventory(c, p[0]);
    case 14:
      return patch_inventory(c, p[0]);
    case 15:
      return history(c, p[0]);
    case 16:
      return create_reservation(c);
    case 17:
      return get_reservation(c, p[0]);
    case 18:
      return confirm_reservation(c, p[0]);
    case 19:
      return release_reservation(c, p[0]);
    case 20:
      return extend_reservation(c, p[0]);
    case 21:
      return transfer(c);
    case 22:
      return changes(c);
    case 23:
    case 24:
      // The transport takes live streams over before they get here (server.cc).
      throw ApiError{426,
                     "upgrade_required",
                     route == 23 ? "send Accept: text/event-stream" : "send a WebSocket upgrade",
                     {},
                     std::nullopt};
    case 25:
      return create_subscription(c);
    case 26:
      return get_subscription(c, p[0]);
    case 27:
      return delete_subscription(c, p[0]);
    case 28:
      return create_key(c);
    case 29:
      return delete_key(c, p[0]);
    case 30:
      return c.reply(200, json::object{{"status", "ok"}});
    case 31:
      if (!ready()) {
        throw ApiError{503,
                       "unavailable",
                       shutting_down_.load() ? "shutting down" : "the journal failed; read-only",
                       {},
                       std::nullopt};
      }
      return c.reply(200, json::object{{"status", "ready"}});
    case 32:
      return metrics(c);
    case 33:
      return c.reply(Reply{.status = 200, .body = std::string(kOpenApi)});
    case 34:
      return c.reply(Reply{.status = 200,
                           .body = std::string(kDashboardPage),
                           .content_type = "text/html; charset=utf-8"});
    default:
      throw not_found("no route");
  }
}

// ---- Products ----

void Api::list_products(Context& c) {
  if (const auto sku = c.q("sku")) {
    auto product = engine_.find_product_by_sku({}, *sku);
    json::array items;
    if (product.ok()) items.push_back(product_json(*product));
    return c.reply(200, json::object{{"items", std::move(items)}, {"nextCursor", nullptr}});
  }
  auto page = engine_.list_products({}, page_request(c));
  auto& products = value_or_throw(page);
  json::array items;
  for (const Product& p : products.items) items.push_back(product_json(p));
  c.reply(200, json::object{{"items", std::move(items)},
                            {"nextCursor", products.next_cursor ? json::value(*products.next_cursor)
                                                                : json::value(nullptr)}});
}

void Api::get_product(Context& c, const std::string& id) {
  auto product = engine_.get_product({}, id);
  if (!product.ok()) throw not_found("no product " + id);
  c.reply(200, product_json(*product));
}

namespace {

// Reads a product body; `current` (PUT) supplies the fields the body leaves out.
UpsertProductRequest product_request(const json::value& body, const std::optional<Product>& current,
                                     std::string id) {
  Fields f(body, "");
  UpsertProductRequest request;
  Product& p = request.product;
  if (current) p = *current;
  if (auto body_id = f.text("productId", false, kIdMax)) {
    if (!id.empty() && *body_id != id) throw_invalid("productId", "does not match the path");
    id = *body_id;
  }
  if (id.empty()) id = "prod_" + random_hex(8);
  p.id = id;
  if (auto sku = f.text("sku", !current, kIdMax)) p.sku = *sku;
  if (auto name = f.text("name", !current, 256)) p.name = *name;
  if (auto description = f.text("description", false, 4096, true)) p.description = *description;
  if (const json::value* price = f.value("price", false)) {
    Fields pf(*price, "price.");
    p.price.amount_minor = *pf.integer("amount", true, 0, std::int64_t{1} << 53);
    p.price.currency = *pf.text("currency", true, 3);
    if (p.price.currency.size() != 3 ||
        !std::all_of(p.price.currency.begin(), p.price.currency.end(),
                     [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      throw_invalid("price.currency", "must be an ISO 4217 code such as USD");
    }
    pf.finish();
  }
  if (auto attributes = f.attributes("attributes")) p.attributes = std::move(*attributes);
  if (auto version = f.integer("version", false, 0, INT64_MAX)) {
    request.expected_version = Version{static_cast<std::uint64_t>(*version)};
  }
  f.finish();
  return request;
}

}  // namespace

void Api::create_product(Context& c) {
  auto request = product_request(body_of(c), std::nullopt, {});
  if (request.expected_version) throw_invalid("version", "is not allowed when creating");
  request.mode = UpsertMode::create_only;
  mutate(
      c, true, [&, request](const WriteOptions& o) { return engine_.upsert_product(o, request); },
      [](Result<Product>& r) {
        return Reply{.status = 201, .body = json::serialize(product_json(value_or_throw(r)))};
      });
}

void Api::put_product(Context& c, const std::string& id) {
  auto current = engine_.get_product({}, id);
  if (!current.ok()) throw not_found("no product " + id);
  auto request = product_request(body_of(c), *current, id);
  request.mode = UpsertMode::replace_only;
  mutate(
      c, true, [&, request](const WriteOptions& o) { return engine_.upsert_product(o, request); },
      [](Result<Product>& r) {
        return Reply{.status = 200, .body = json::serialize(product_json(value_or_throw(r)))};
      });
}

void Api::delete_product(Context& c, const std::string& id) {
  const bool force = flag(c, "force");
  if (!c.request.body.empty()) Fields(body_of(c), "").finish();
  mutate(
      c, true,
      [&, id, force](const WriteOptions& o) { return engine_.remove_product(o, id, force); },
      [id](Status& s) {
        if (s.code() == StatusCode::not_found) throw not_found("no product " + id);
        ok_or_throw(s);
        return Reply{.status = 204, .body = {}, .content_type = {}};
      });
}

// ---- Locations ----

void Api::list_locations(Context& c) {
  auto page = engine_.list_locations({}, page_request(c));
  auto& locations = value_or_throw(page);
  json::array items;
  for (const Location& l : locations.items) {
    if (c.principal.may_see(l.id)) items.push_back(location_json(l));
  }
  c.reply(200,
          json::object{{"items", std::move(items)},
                       {"nextCursor", locations.next_cursor ? json::value(*locations.next_cursor)
                                                            : json::value(nullptr)}});
}

void Api::get_location(Context& c, const std::string& id) {
  auto location = engine_.get_location({}, id);
  if (!location.ok() || !c.principal.may_see(id)) throw not_found("no location " + id);
  c.reply(200, location_json(*location));
}

namespace {

UpsertLocationRequest location_request(const json::value& body,
                                       const std::optional<Location>& current, std::string id) {
  Fields f(body, "");
  UpsertLocationRequest request;
  Location& l = request.location;
  if (current) l = *current;
  if (auto body_id = f.text("locationId", false, kIdMax)) {
    if (!id.empty() && *body_id != id) throw_invalid("locationId", "does not match the path");
    id = *body_id;
  }
  if (id.empty()) id = "loc_" + random_hex(8);
  l.id = id;
  if (auto name = f.text("name", !current, 256)) l.name = *name;
  if (auto type = f.text("type", false, 16)) {
    const auto t = location_type(*type);
    if (!t) throw_invalid("type", "must be warehouse, store, marketplace or transit");
    l.type = *t;
  }
  if (auto attributes = f.attributes("attributes")) l.attributes = std::move(*attributes);
  if (auto version = f.integer("version", false, 0, INT64_MAX)) {
    request.expected_version = Version{static_cast<std::uint64_t>(*version)};
  }
  f.finish();
  return request;
}

}  // namespace

void Api::create_location(Context& c) {
  auto request = location_request(body_of(c), std::nullopt, {});
  if (request.expected_version) throw_invalid("version", "is not allowed when creating");
  request.mode = UpsertMode::create_only;
  mutate(
      c, true, [&, request](const WriteOptions& o) { return engine_.upsert_location(o, request); },
      [](Result<Location>& r) {
        return Reply{.status = 201, .body = json::serialize(location_json(value_or_throw(r)))};
      });
}

void Api::put_location(Context& c, const std::string& id) {
  auto current = engine_.get_location({}, id);
  if (!current.ok() || !c.principal.may_see(id)) throw not_found("no location " + id);
  auto request = location_request(body_of(c), *current, id);
  request.mode = UpsertMode::replace_only;
  mutate(
      c, true, [&, request](const WriteOptions& o) { return engine_.upsert_location(o, request); },
      [](Result<Location>& r) {
        return Reply{.status = 200, .body = json::serialize(location_json(value_or_throw(r)))};
      });
}

void Api::delete_location(Context& c, const std::string& id) {
  if (!c.principal.may_see(id)) throw not_found("no location " + id);
  const bool force = flag(c, "force");
  if (!c.request.body.empty()) Fields(body_of(c), "").finish();
  mutate(
      c, true,
      [&, id, force](const WriteOptions& o) { return engine_.remove_location(o, id, force); },
      [id](Status& s) {
        if (s.code() == StatusCode::not_found) throw not_found("no location " + id);
        ok_or_throw(s);
        return Reply{.status = 204, .body = {}, .content_type = {}};
      });
}

// ---- Inventory ----

void Api::list_inventory(Context& c) {
  ItemFilter filter;
  if (auto product = c.q("productId")) filter.product_id = *product;
  if (auto location = c.q("locationId")) {
    if (!c.principal.may_see(*location)) {
      return c.reply(200, json::object{{"items", json::array()}, {"nextCursor", nullptr}});
    }
    filter.location_id = *location;
  } else if (c.principal.locations.size() == 1) {
    filter.location_id = c.principal.locations.front();
  }
  if (auto after = c.q("updatedAfter")) {
    const auto t = parse_rfc3339(*after);
    if (!t) throw_invalid("updatedAfter", "must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
    filter.updated_after = *t;
  }
  filter.low_stock_only = flag(c, "lowStock");
  auto page = engine_.list_items({}, filter, page_request(c));
  auto& items = value_or_throw(page);
  json::array out;
  for (const ItemInfo& info : items.items) {
    if (!c.principal.may_see(info.location_id)) continue;
    out.push_back(item_json(info.level, info.product_id, info.location_id));
  }
  c.reply(200, json::object{{"items", std::move(out)},
                            {"nextCursor", items.next_cursor ? json::value(*items.next_cursor)
                                                             : json::value(nullptr)}});
}

void Api::get_inventory(Context& c, const std::string& id) {
  const ItemInfo info = item_in_scope(c, id);
  c.reply(200, item_json(info.level, info.product_id, info.location_id));
}

void Api::adjust_inventory(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  const std::string product_id = *f.text("productId", true, kIdMax);
  const std::string location_id = *f.text("locationId", true, kIdMax);
  const Limits limits;
  const std::int64_t adjustment =
      *f.integer("adjustment", true, -limits.adjustment_max, limits.adjustment_max);
  if (adjustment == 0) throw_invalid("adjustment", "must not be 0");
  const std::string reason = *f.text("reason", true, 256);
  const std::string reference = f.text("reference", false, 64, true).value_or("");
  std::optional<Timestamp> occurred;
  if (auto timestamp = f.text("timestamp", false, 64)) {
    occurred = parse_rfc3339(*timestamp);
    if (!occurred) throw_invalid("timestamp", "must be an RFC 3339 time");
  }
  f.finish();
  if (!c.principal.may_see(location_id)) {
    throw ApiError{404, "not_found", "no location " + location_id, "locationId", std::nullopt};
  }
  auto item = engine_.find_item({}, product_id, location_id);
  if (!item.ok()) {
    if (adjustment < 0) {
      throw ApiError{404, "not_found",
                     "no inventory of product " + product_id + " at location " + location_id,
                     "productId", std::nullopt};
    }
    // First positive adjustment: create the item (applied now; durable with the adjustment).
    WriteOptions create = write_options(c, false, &g_unwaited);
    auto created = engine_.upsert_item(
        create,
        {.product_id = product_id, .location_id = location_id, .mode = UpsertMode::create_only});
    if (!created.ok()) {
      if (created.status().code() == StatusCode::already_exists ||
          created.status().code() == StatusCode::version_conflict) {
        item = engine_.find_item({}, product_id, location_id);
      } else {
        throw_status(created.status());
      }
    } else {
      item = created->level.item;
    }
    if (!item.ok()) throw_status(item.status());
  }
  const ItemId id = *item;
  auto write = [&, id, reason, reference, occurred, adjustment](WriteOptions o) {
    o.occurred_at = occurred;
    return engine_.adjust(
        o, {.item = id, .delta = Quantity{adjustment}, .reason = reason, .reference = reference});
  };
  mutate(c, true, write, [this, product_id, location_id](Result<StockLevel>& r) {
    return Reply{.status = 200,
                 .body = json::serialize(item_json(value_or_throw(r), product_id, location_id))};
  });
}

void Api::patch_inventory(Context& c, const std::string& id) {
  const ItemInfo info = item_in_scope(c, id);
  const json::value body = body_of(c);
  Fields f(body, "");
  const auto stock = f.integer("stockLevel", false, 0, kQuantityMax);
  ItemPolicy policy = info.level.policy;
  bool policy_changed = false;
  if (auto v = f.integer("safetyStock", false, 0, kQuantityMax)) {
    policy.safety_stock = *v;
    policy_changed = true;
  }
  if (auto v = f.integer("lowStockThreshold", false, 0, kQuantityMax)) {
    policy.low_stock_threshold = *v;
    policy_changed = true;
  }
  if (auto v = f.integer("backorderLimit", false, 0, kQuantityMax)) {
    policy.backorder_limit = *v;
    policy_changed = true;
  }
  std::optional<Version> expected;
  if (auto v = f.integer("version", false, 0, INT64_MAX)) {
    expected = Version{static_cast<std::uint64_t>(*v)};
  }
  const std::string reason = f.text("reason", false, 256, true).value_or("count");
  f.finish();
  if (!c.request.if_match.empty()) {
    std::string_view tag = c.request.if_match;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
      tag = tag.substr(1, tag.size() - 2);
    const auto v = parse_u64(tag);
    if (!v) throw_invalid("If-Match", "must be the item's version");
    if (expected && *expected != Version{*v}) throw_invalid("If-Match", "differs from version");
    expected = Version{*v};
  }
  if (!stock && !policy_changed) {
    throw_invalid("body",
                  "set at least one of stockLevel, safetyStock, lowStockThreshold, "
                  "backorderLimit");
  }
  auto reason_text = std::make_shared<std::string>(reason);
  const ItemId item = info.level.item;
  auto render = [this, info](const StockLevel& level) {
    return Reply{.status = 200,
                 .body = json::serialize(item_json(level, info.product_id, info.location_id))};
  };
  // One field group: the engine's own call, so the event says what happened (stock.set).
  if (stock && !policy_changed) {
    return mutate(
        c, true,
        [&, item, expected, reason_text, stock](const WriteOptions& o) {
          return engine_.set_on_hand(o, {.item = item,
                                         .on_hand = Quantity{*stock},
                                         .expected_version = expected,
                                         .reason = *reason_text});
        },
        [render](Result<StockLevel>& r) { return render(value_or_throw(r)); });
  }
  if (!stock) {
    return mutate(
        c, true,
        [&, item, policy, expected](const WriteOptions& o) {
          return engine_.set_policy(o,
                                    {.item = item, .policy = policy, .expected_version = expected});
        },
        [render](Result<StockLevel>& r) { return render(value_or_throw(r)); });
  }
  // Both: one atomic batch.
  auto batch = std::make_shared<WriteBatch>();
  if (stock) {
    batch->set_on_hand({.item = item,
                        .on_hand = Quantity{*stock},
                        .expected_version = expected,
                        .reason = *reason_text});
    expected.reset();  // The policy change follows the count inside the same atomic batch.
  }
  if (policy_changed) {
    batch->set_policy({.item = item, .policy = policy, .expected_version = expected});
  }
  mutate(
      c, true,
      [&, batch, reason_text](const WriteOptions& o) {
        return engine_.write(o, *batch, BatchPolicy::all_or_nothing);
      },
      [render](Result<BatchReceipt>& r) {
        auto& receipt = value_or_throw(r);
        return render(receipt.results.back().levels.back());
      });
}

void Api::bulk_update(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  const bool atomic = f.boolean("atomic").value_or(true);
  const json::array& operations = *f.array("operations", true, 1000);
  f.finish();
  if (operations.empty()) throw_invalid("operations", "must not be empty");
  const Limits limits;

  struct Op {
    std::string product_id, location_id, reason, reference;
    std::optional<std::int64_t> adjustment, stock;
    std::optional<ApiError> error;  // Refused before the engine (non-atomic only).
    ItemId item{};
  };
  auto ops = std::make_shared<std::vector<Op>>(operations.size());
  auto refuse = [&](std::size_t i, ApiError& error) {
    if (atomic) {
      error.message += " (operation " + std::to_string(i) + "; nothing was applied)";
      throw error;
    }
    ops->at(i).error = std::move(error);
  };
  // First every operation is checked, so that an atomic request with a bad one changes nothing.
  std::vector<std::size_t> to_create;
  std::set<std::pair<std::string, std::string>> creates;  // Pairs an operation stocks first.
  for (std::size_t i = 0; i < operations.size(); ++i) {
    Op& op = (*ops)[i];
    const std::string prefix = "operations[" + std::to_string(i) + "].";
    try {
      Fields of(operations[i], prefix);
      op.product_id = *of.text("productId", true, kIdMax);
      op.location_id = *of.text("locationId", true, kIdMax);
      op.adjustment =
          of.integer("adjustment", false, -limits.adjustment_max, limits.adjustment_max);
      op.stock = of.integer("stockLevel", false, 0, kQuantityMax);
      op.reason = of.text("reason", false, 256, true).value_or("bulk update");
      op.reference = of.text("reference", false, 64, true).value_or("");
      of.finish();
      if (op.adjustment.has_value() == op.stock.has_value()) {
        throw_invalid(prefix + "adjustment", "set exactly one of adjustment and stockLevel");
      }
      if (op.adjustment && *op.adjustment == 0)
        throw_invalid(prefix + "adjustment", "must not be 0");
      if (!c.principal.may_see(op.location_id)) {
        throw ApiError{404, "not_found", "no location " + op.location_id, prefix + "locationId",
                       std::nullopt};
      }
      if (auto item = engine_.find_item({}, op.product_id, op.location_id); item.ok()) {
        op.item = *item;
      } else if (!engine_.get_product({}, op.product_id).ok()) {
        throw ApiError{404, "not_found", "no product " + op.product_id, prefix + "productId",
                       std::nullopt};
      } else if (!engine_.get_location({}, op.location_id).ok()) {
        throw ApiError{404, "not_found", "no location " + op.location_id, prefix + "locationId",
                       std::nullopt};
      } else if (op.adjustment && *op.adjustment < 0 &&
                 !creates.contains({op.product_id, op.location_id})) {
        // (An earlier operation of this request that creates the item may stock it.)
        throw ApiError{
            404, "not_found",
            "no inventory of product " + op.product_id + " at location " + op.location_id,
            prefix + "productId", std::nullopt};
      } else {
        to_create.push_back(i);
        if (!op.adjustment || *op.adjustment > 0) creates.emplace(op.product_id, op.location_id);
      }
    } catch (ApiError& error) {
      refuse(i, error);
    }
  }
  // Then the items that do not exist yet are created (empty; the stock change itself is in the
  // batch). If an atomic batch fails, the items it created are removed again (while still
  // empty: one that another request stocked meanwhile stays).
  auto created = std::make_shared<std::vector<ItemId>>();
  auto remove_created = [this, created] {
    for (ItemId item : *created) {
      WriteOptions o;
      o.durability = config_.durability;
      o.on_durable = &g_unwaited;
      engine_.remove_item(o, item, false).ignore_error();
    }
  };
  for (std::size_t i : to_create) {
    Op& op = (*ops)[i];
    const std::string prefix = "operations[" + std::to_string(i) + "].";
    if (auto item = engine_.find_item({}, op.product_id, op.location_id); item.ok()) {
      op.item = *item;  // An earlier operation of this request, or another request, made it.
      continue;
    }
    auto made = engine_.upsert_item(write_options(c, false, &g_unwaited),
                                    {.product_id = op.product_id,
                                     .location_id = op.location_id,
                                     .mode = UpsertMode::create_only});
    if (made.ok()) {
      op.item = made->level.item;
      created->push_back(op.item);
      continue;
    }
    if (auto item = engine_.find_item({}, op.product_id, op.location_id); item.ok()) {
      op.item = *item;
      continue;
    }
    try {
      throw_status(made.status(), prefix);
    } catch (ApiError& error) {
      if (atomic) remove_created();
      refuse(i, error);
    }
  }
  auto batch = std::make_shared<WriteBatch>();
  std::vector<std::size_t> in_batch;  // Batch index -> operation index.
  for (std::size_t i = 0; i < ops->size(); ++i) {
    const Op& op = (*ops)[i];
    if (op.error) continue;
    if (op.adjustment) {
      batch->adjust({.item = op.item,
                     .delta = Quantity{*op.adjustment},
                     .reason = op.reason,
                     .reference = op.reference});
    } else {
      batch->set_on_hand({.item = op.item,
                          .on_hand = Quantity{*op.stock},
                          .reason = op.reason,
                          .reference = op.reference});
    }
    in_batch.push_back(i);
  }
  auto render = [this, ops, in_batch, atomic, remove_created,
                 request_id = c.request.request_id](Result<BatchReceipt>& r) {
    json::array results(ops->size());
    auto error_json = [](const ApiError& e) {
      json::object o{{"code", e.code}, {"message", e.message}};
      if (!e.field.empty()) o["field"] = e.field;
      return o;
    };
    for (std::size_t i = 0; i < ops->size(); ++i) {
      if ((*ops)[i].error) {
        results[i] = json::object{
            {"index", i}, {"status", "failed"}, {"error", error_json(*(*ops)[i].error)}};
      }
    }
    if (!r.ok()) {
      // All or nothing: the failing operation's error; the others were not applied.
      if (atomic) remove_created();
      const std::int32_t failed = r.status().index();
      const std::size_t op_index =
          failed >= 0 && static_cast<std::size_t>(failed) < in_batch.size() ? in_batch[failed] : 0;
      ApiError error = to_api_error(r.status());
      for (std::size_t b = 0; b < in_batch.size(); ++b) {
        const bool is_failed = static_cast<std::int32_t>(b) == failed;
        json::object o{{"index", in_batch[b]}, {"status", is_failed ? "failed" : "not_applied"}};
        if (is_failed) o["error"] = error_json(error);
        results[in_batch[b]] = std::move(o);
      }
      error.message += " (operation " + std::to_string(op_index) + "; nothing was applied)";
      json::object e{{"code", error.code}, {"message", error.message}, {"index", op_index}};
      if (!error.field.empty()) e["field"] = error.field;
      e["requestId"] = request_id;
      return Reply{.status = error.status,
                   .body = json::serialize(json::object{{"error", e}, {"results", results}})};
    }
    for (std::size_t b = 0; b < in_batch.size(); ++b) {
      const OperationResult& result = r->results[b];
      const Op& op = (*ops)[in_batch[b]];
      if (result.status.ok()) {
        results[in_batch[b]] =
            json::object{{"index", in_batch[b]},
                         {"status", "ok"},
                         {"item", item_json(result.levels.back(), op.product_id, op.location_id)}};
      } else {
        results[in_batch[b]] = json::object{
            {"index", in_batch[b]},
            {"status", "failed"},
            {"error", error_json(to_api_error(
                          result.status, result.status.field().find('[') == std::string_view::npos
                                             ? "operations[" + std::to_string(in_batch[b]) + "]."
                                             : std::string()))}};
      }
    }
    (void)atomic;
    return Reply{.status = 200, .body = json::serialize(json::object{{"results", results}})};
  };
  if (in_batch.empty()) {
    // Every operation was refused up front (per operation): nothing to write.
    Result<BatchReceipt> empty{BatchReceipt{}};
    return c.reply(render(empty));
  }
  mutate(
      c, true,
      [&, batch, atomic](const WriteOptions& o) {
        return engine_.write(o, *batch,
                             atomic ? BatchPolicy::all_or_nothing : BatchPolicy::per_operation);
      },
      render);
}

void Api::history(Context& c, const std::string& id) {
  const ItemInfo info = item_in_scope(c, id);
  const PageRequest page = page_request(c);
  std::optional<std::uint64_t> until;
  if (!page.cursor.empty()) {
    const auto before = parse_u64(page.cursor);
    if (!before || *before == 0) throw_invalid("cursor", "is not a cursor this route returned");
    until = *before - 1;
  }
  // The engine reads history oldest first; keep the newest `limit` (plus one, to know whether
  // there is an older page) at or before `until`.
  std::deque<Event> newest;
  std::uint64_t after = 0;
  for (;;) {
    HistoryRequest request{.item = info.level.item, .after = after, .until = until, .limit = 1000};
    auto events = engine_.history(request);
    if (!events.ok()) throw_status(events.status());
    for (Event& e : *events) {
      newest.push_back(std::move(e));
      if (newest.size() > page.limit + 1) newest.pop_front();
    }
    if (events->size() < 1000) break;
    after = events->back().sequence;
  }
  const bool more = newest.size() > page.limit;
  if (more) newest.pop_front();
  json::array items;
  for (auto it = newest.rbegin(); it != newest.rend(); ++it) {
    items.push_back(json::parse(event_json(*it)));
  }
  c.reply(200,
          json::object{{"items", std::move(items)},
                       {"nextCursor", more ? json::value(std::to_string(newest.front().sequence))
                                           : json::value(nullptr)}});
}

// ---- Reservations and transfers ----

void Api::create_reservation(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  const Limits limits;
  const json::array& lines_json = *f.array("lines", true, limits.reservation_lines_max);
  const auto ttl = ttl_from(f, limits);
  const std::string reference = f.text("reference", false, 64, true).value_or("");
  f.finish();
  if (lines_json.empty()) throw_invalid("lines", "must not be empty");
  auto lines = std::make_shared<std::vector<ReserveLine>>();
  for (std::size_t i = 0; i < lines_json.size(); ++i) {
    const std::string prefix = "lines[" + std::to_string(i) + "].";
    Fields lf(lines_json[i], prefix);
    const std::string product_id = *lf.text("productId", true, kIdMax);
    const std::string location_id = *lf.text("locationId", true, kIdMax);
    const std::int64_t quantity = *lf.integer("quantity", true, 1, limits.adjustment_max);
    lf.finish();
    lines->push_back(
        {item_for(c, product_id, location_id, prefix + "productId"), Quantity{quantity}});
  }
  mutate(
      c, true,
      [&, lines, ttl, reference](const WriteOptions& o) {
        return engine_.reserve(
            o, ReserveLinesRequest{.lines = *lines, .ttl = ttl, .reference = reference});
      },
      [this](Result<ReservationId>& r) {
        if (!r.ok()) {
          ApiError error = to_api_error(r.status());
          if (r.status().index() >= 0) {
            error.field =
                "lines[" + std::to_string(r.status().index()) + "]" +
                (error.field.empty() || error.field.starts_with("lines") ? std::string()
                                                                         : "." + error.field);
          }
          throw error;
        }
        auto info = engine_.get_reservation({}, *r);
        return Reply{.status = 201,
                     .body = json::serialize(reservation_json(value_or_throw(info)))};
      });
}

void Api::get_reservation(Context& c, const std::string& id) {
  c.reply(200, reservation_json(reservation_in_scope(c, id)));
}

void Api::confirm_reservation(Context& c, const std::string& id) {
  const ReservationInfo info = reservation_in_scope(c, id);
  const json::value body = body_of(c);
  Fields f(body, "");
  auto quantities = std::make_shared<std::vector<ReserveLine>>();
  if (const json::array* lines = f.array("lines", false, 1000)) {
    for (std::size_t i = 0; i < lines->size(); ++i) {
      const std::string prefix = "lines[" + std::to_string(i) + "].";
      Fields lf((*lines)[i], prefix);
      const std::string product_id = *lf.text("productId", true, kIdMax);
      const std::string location_id = *lf.text("locationId", true, kIdMax);
      const std::int64_t quantity = *lf.integer("quantity", true, 0, kQuantityMax);
      lf.finish();
      quantities->push_back(
          {item_for(c, product_id, location_id, prefix + "productId"), Quantity{quantity}});
    }
  }
  f.finish();
  const ReservationId rid = info.id;
  mutate(
      c, true,
      [&, quantities, rid](const WriteOptions& o) {
        return engine_.confirm(o, ConfirmRequest{rid, *quantities});
      },
      [this, rid](Status& s) {
        ok_or_throw(s);
        auto after = engine_.get_reservation({}, rid);
        return Reply{.status = 200,
                     .body = json::serialize(reservation_json(value_or_throw(after)))};
      });
}

void Api::release_reservation(Context& c, const std::string& id) {
  const ReservationInfo info = reservation_in_scope(c, id);
  if (!c.request.body.empty()) Fields(body_of(c), "").finish();
  const ReservationId rid = info.id;
  mutate(
      c, true, [&, rid](const WriteOptions& o) { return engine_.release(o, rid); },
      [this, rid](Status& s) {
        ok_or_throw(s);
        auto after = engine_.get_reservation({}, rid);
        return Reply{.status = 200,
                     .body = json::serialize(reservation_json(value_or_throw(after)))};
      });
}

void Api::extend_reservation(Context& c, const std::string& id) {
  const ReservationInfo info = reservation_in_scope(c, id);
  const json::value body = body_of(c);
  Fields f(body, "");
  const Limits limits;
  const auto ttl = ttl_from(f, limits);
  f.finish();
  const ReservationId rid = info.id;
  mutate(
      c, true, [&, rid, ttl](const WriteOptions& o) { return engine_.extend(o, rid, ttl); },
      [this, rid](Result<Timestamp>& r) {
        value_or_throw(r);
        auto after = engine_.get_reservation({}, rid);
        return Reply{.status = 200,
                     .body = json::serialize(reservation_json(value_or_throw(after)))};
      });
}

void Api::transfer(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  const Limits limits;
  const std::string product_id = *f.text("productId", true, kIdMax);
  const std::string from = *f.text("fromLocationId", true, kIdMax);
  const std::string to = *f.text("toLocationId", true, kIdMax);
  const std::int64_t quantity = *f.integer("quantity", true, 1, limits.adjustment_max);
  const std::string reason = f.text("reason", false, 256, true).value_or("transfer");
  const std::string reference = f.text("reference", false, 64, true).value_or("");
  f.finish();
  if (from == to) throw_invalid("toLocationId", "must differ from fromLocationId");
  const ItemId from_item = item_for(c, product_id, from, "fromLocationId");
  if (!c.principal.may_see(to)) {
    throw ApiError{404, "not_found", "no location " + to, "toLocationId", std::nullopt};
  }
  auto to_item = engine_.find_item({}, product_id, to);
  if (!to_item.ok()) {
    auto created = engine_.upsert_item(
        write_options(c, false, &g_unwaited),
        {.product_id = product_id, .location_id = to, .mode = UpsertMode::create_only});
    if (!created.ok()) {
      to_item = engine_.find_item({}, product_id, to);
      if (!to_item.ok()) {
        ApiError error = to_api_error(created.status());
        error.field = "toLocationId";
        throw error;
      }
    } else {
      to_item = created->level.item;
    }
  }
  const ItemId target = *to_item;
  mutate(
      c, true,
      [&, from_item, target, quantity, reason, reference](const WriteOptions& o) {
        return engine_.transfer(o, {.from = from_item,
                                    .to = target,
                                    .quantity = Quantity{quantity},
                                    .reason = reason,
                                    .reference = reference});
      },
      [this, product_id, from, to](Result<TransferReceipt>& r) {
        auto& receipt = value_or_throw(r);
        return Reply{.status = 200,
                     .body = json::serialize(
                         json::object{{"from", item_json(receipt.from, product_id, from)},
                                      {"to", item_json(receipt.to, product_id, to)}})};
      });
}

// ---- Changes ----

namespace {

EventFilter event_filter(const Api::Context& c) {
  EventFilter filter;
  if (auto types = c.q("types")) {
    std::string_view rest = *types;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      const auto type = inventory::event_type_from_string(name);
      if (!type) throw_invalid("types", "unknown event type " + std::string(name));
      filter.types.push_back(*type);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (auto location = c.q("locationId")) {
    if (!c.principal.may_see(*location)) throw not_found("no location " + *location);
    filter.location_ids.push_back(*location);
  } else {
    filter.location_ids = c.principal.locations;
  }
  return filter;
}

}  // namespace

void Api::changes(Context& c) {
  std::uint64_t after = 0;
  if (auto a = c.q("after")) {
    const auto n = parse_u64(*a);
    if (!n) throw_invalid("after", "must be a sequence number");
    after = *n;
  }
  const PageRequest page = page_request(c);
  auto result = engine_.changes_since(after, page.limit, event_filter(c));
  auto& changes = value_or_throw(result);
  json::array events;
  for (const Event& e : changes.events) events.push_back(json::parse(event_json(e)));
  c.reply(200, json::object{{"events", std::move(events)},
                            {"nextAfter", changes.next_after},
                            {"head", changes.head}});
}

bool Api::key_active(const Principal& principal) const {
  return store_.key_active(principal.key_id);
}

std::variant<StreamRequest, Reply> Api::open_stream(const Request& request) {
  auto c = std::make_shared<Context>();
  c->api = this;
  c->request = request;
  try {
    const auto parsed = boost::urls::parse_origin_form(request.target);
    if (!parsed) throw_invalid("target", "is not a valid request target");
    for (auto param : parsed->params()) c->query[param.key] = param.value;
    c->principal = authenticate(request, c->q("access_token").value_or(""));
    check_rate(c->principal);
    StreamRequest stream{.principal = c->principal, .subscribe = {}};
    std::string_view resume = request.last_event_id;
    const auto after = c->q("after");
    if (resume.empty() && after) resume = *after;
    if (!resume.empty()) {
      const auto n = parse_u64(resume);
      if (!n)
        throw_invalid(request.last_event_id.empty() ? "after" : "Last-Event-ID",
                      "must be a sequence number");
      stream.subscribe.after = *n;
    }
    stream.subscribe.filter = event_filter(*c);
    stream.subscribe.max_batch = 256;
    return stream;
  } catch (const ApiError& error) {
    return error_reply(error, request.request_id);
  }
}

// ---- Webhook subscriptions ----

void Api::create_subscription(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  WebhookSubscription s;
  s.url = *f.text("url", true, 2048);
  if (const json::array* events = f.array("events", false, kEventTypeMax)) {
    for (std::size_t i = 0; i < events->size(); ++i) {
      const json::string* name = (*events)[i].if_string();
      if (name == nullptr || !inventory::event_type_from_string(*name)) {
        throw_invalid("events[" + std::to_string(i) + "]", "is not an event type");
      }
      s.events.emplace_back(*name);
    }
  }
  s.secret = f.text("secret", false, 256).value_or("");
  f.finish();
  if (!s.secret.empty() && s.secret.size() < 16) throw_invalid("secret", "needs 16 or more bytes");
  if (s.secret.empty()) s.secret = "whsec_" + random_hex(24);
  const auto parsed = parse_webhook_url(s.url, config_.webhook_allow_private);
  if (const auto* message = std::get_if<std::string>(&parsed)) throw_invalid("url", *message);
  s.id = "sub_" + random_hex(8);
  s.created_at = rfc3339_now();
  auto self = c.shared_from_this();
  blocking_([this, self, s] {
    Reply reply;
    try {
      store_.put_subscription(s);
      const Status started = webhooks_.start(s);
      if (!started.ok()) {
        store_.remove_subscription(s.id);
        throw_status(started);
      }
      json::array events;
      for (const auto& e : s.events) events.emplace_back(e);
      reply = Reply{.status = 201,
                    .body = json::serialize(json::object{{"subscriptionId", s.id},
                                                         {"url", s.url},
                                                         {"events", std::move(events)},
                                                         {"secret", s.secret},
                                                         {"createdAt", s.created_at}})};
    } catch (const ApiError& error) {
      reply = error_reply(error, self->request.request_id);
    } catch (const std::exception& error) {
      reply = error_reply(ApiError{503, "unavailable", error.what(), {}, std::nullopt},
                          self->request.request_id);
    }
    finish(self, std::move(reply));
  });
}

void Api::get_subscription(Context& c, const std::string& id) {
  const auto s = store_.subscription(id);
  if (!s) throw not_found("no subscription " + id);
  json::array events;
  for (const auto& e : s->events) events.emplace_back(e);
  json::object out{{"subscriptionId", s->id},
                   {"url", s->url},
                   {"events", std::move(events)},
                   {"createdAt", s->created_at}};
  if (const auto stats = webhooks_.stats(id)) {
    out["deliveredThrough"] = stats->cursor;
    out["delivered"] = stats->delivered;
    out["failedAttempts"] = stats->failures;
    out["lastError"] =
        stats->last_error.empty() ? json::value(nullptr) : json::value(stats->last_error);
  }
  c.reply(200, out);
}

void Api::delete_subscription(Context& c, const std::string& id) {
  if (!store_.subscription(id)) throw not_found("no subscription " + id);
  auto self = c.shared_from_this();
  blocking_([this, self, id] {
    Reply reply;
    try {
      // Stop, delete, then forget the cursor: if the delete fails, delivery resumes from the
      // cursor (a subscription that stays must not lose events). One delete at a time: a
      // second delete of the id must not interleave with the first one's restart on failure
      // (delivery would go on for a deleted subscription, its cursor kept).
      std::lock_guard serial(subscription_delete_mutex_);
      webhooks_.stop(id);
      bool removed = false;
      try {
        removed = store_.remove_subscription(id);
      } catch (...) {
        if (const auto kept = store_.subscription(id)) webhooks_.start(*kept).ignore_error();
        throw;
      }
      if (!removed) throw not_found("no subscription " + id);
      webhooks_.forget_cursor(id);
      reply = Reply{.status = 204, .body = {}, .content_type = {}};
    } catch (const ApiError& error) {
      reply = error_reply(error, self->request.request_id);
    } catch (const std::exception& error) {
      reply = error_reply(ApiError{503, "unavailable", error.what(), {}, std::nullopt},
                          self->request.request_id);
    }
    finish(self, std::move(reply));
  });
}

// ---- API keys ----

void Api::create_key(Context& c) {
  const json::value body = body_of(c);
  Fields f(body, "");
  const std::string role_name = *f.text("role", true, 16);
  const auto role = role_from_string(role_name);
  if (!role) throw_invalid("role", "must be viewer, operator or admin");
  std::vector<std::string> locations;
  if (const json::array* list = f.array("locations", false, 1000)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json::string* id = (*list)[i].if_string();
      const std::string field = "locations[" + std::to_string(i) + "]";
      if (id == nullptr || id->empty()) throw_invalid(field, "must be a location id");
      if (!engine_.get_location({}, *id).ok()) {
        throw ApiError{400, "invalid_argument", "no location " + std::string(*id), field,
                       std::nullopt};
      }
      locations.emplace_back(*id);
    }
  }
  const std::string name = f.text("name", false, 256, true).value_or("");
  f.finish();
  if (!c.principal.locations.empty()) {
    // A location-limited admin cannot mint keys wider than itself.
    if (locations.empty()) throw_invalid("locations", "must be within this key's locations");
    for (const auto& l : locations) {
      if (!c.principal.may_see(l))
        throw_invalid("locations", "must be within this key's locations");
    }
  }
  auto self = c.shared_from_this();
  blocking_([this, self, role, locations, name] {
    Reply reply;
    try {
      const auto created_at = rfc3339_now();
      auto [key, text] = store_.create_key(*role, locations, name, created_at);
      json::array list;
      for (const auto& l : key.locations) list.emplace_back(l);
      reply = Reply{.status = 201,
                    .body = json::serialize(json::object{{"keyId", key.id},
                                                         {"key", text},
                                                         {"role", to_string(key.role)},
                                                         {"locations", std::move(list)},
                                                         {"name", key.name},
                                                         {"createdAt", key.created_at}})};
    } catch (const std::exception& error) {
      reply = error_reply(ApiError{503, "unavailable", error.what(), {}, std::nullopt},
                          self->request.request_id);
    }
    finish(self, std::move(reply));
  });
}

void Api::delete_key(Context& c, const std::string& id) {
  if (id == "bootstrap") {
    throw_invalid("keyId", "the bootstrap key is set by --bootstrap-admin-key; restart without it");
  }
  auto self = c.shared_from_this();
  blocking_([this, self, id] {
    Reply reply;
    try {
      if (!store_.revoke_key(id)) throw not_found("no API key " + id);
      if (on_key_revoked_) on_key_revoked_(id);
      reply = Reply{.status = 204, .body = {}, .content_type = {}};
    } catch (const ApiError& error) {
      reply = error_reply(error, self->request.request_id);
    } catch (const std::exception& error) {
      reply = error_reply(ApiError{503, "unavailable", error.what(), {}, std::nullopt},
                          self->request.request_id);
    }
    finish(self, std::move(reply));
  });
}

}  // namespace inventory::server
