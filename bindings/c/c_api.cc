// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The C API (inventory/c.h) over the C++ API. Thin wrappers only: each function checks its
// pointers, converts the C structs to the C++ requests, calls the Engine and converts the answer
// back. No logic of the engine lives here.
//
// Exceptions never cross into C: every function that can allocate runs inside guard(), which
// turns std::bad_alloc into limit_exceeded ("out of memory") and anything else into io_error.
// Results that carry strings are "holders": a C view struct as the first member of a
// standard-layout struct, next to a pointer to the C++ storage its strings point into, so that
// the caller's pointer to the view converts back to the holder in its _destroy function.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "inventory/c.h"
#include "inventory/engine.h"
#include "inventory/metrics.h"
#include "inventory/version.h"

struct inv_engine {
  std::unique_ptr<inventory::Engine> engine;
};

struct inv_batch {
  inventory::WriteBatch batch;
};

namespace {

using inventory::Status;
using inventory::StatusCode;

// The C constants are the C++ enum values (c.h promises it); a renumbering fails here.
static_assert(INV_OK == static_cast<int>(StatusCode::ok));
static_assert(INV_INVALID_ARGUMENT == static_cast<int>(StatusCode::invalid_argument));
static_assert(INV_NOT_FOUND == static_cast<int>(StatusCode::not_found));
static_assert(INV_ALREADY_EXISTS == static_cast<int>(StatusCode::already_exists));
static_assert(INV_INSUFFICIENT_STOCK == static_cast<int>(StatusCode::insufficient_stock));
static_assert(INV_VERSION_CONFLICT == static_cast<int>(StatusCode::version_conflict));
static_assert(INV_RESERVATION_NOT_ACTIVE == static_cast<int>(StatusCode::reservation_not_active));
static_assert(INV_IDEMPOTENCY_MISMATCH == static_cast<int>(StatusCode::idempotency_mismatch));
static_assert(INV_LIMIT_EXCEEDED == static_cast<int>(StatusCode::limit_exceeded));
static_assert(INV_NOT_SUPPORTED == static_cast<int>(StatusCode::not_supported));
static_assert(INV_BUSY == static_cast<int>(StatusCode::busy));
static_assert(INV_IO_ERROR == static_cast<int>(StatusCode::io_error));
static_assert(INV_CORRUPTION == static_cast<int>(StatusCode::corruption));
static_assert(INV_FAILED_PRECONDITION == static_cast<int>(StatusCode::failed_precondition));
static_assert(INV_DURABILITY_SYNC == static_cast<int>(inventory::Durability::sync));
static_assert(INV_DURABILITY_BUFFERED == static_cast<int>(inventory::Durability::buffered));
static_assert(INV_DURABILITY_NONE == static_cast<int>(inventory::Durability::none));
static_assert(INV_LOCATION_TRANSIT == static_cast<int>(inventory::LocationType::transit));
static_assert(INV_UPSERT_REPLACE_ONLY == static_cast<int>(inventory::UpsertMode::replace_only));
static_assert(INV_RESERVATION_ACTIVE == static_cast<int>(inventory::ReservationState::active));
static_assert(INV_RESERVATION_EXPIRED == static_cast<int>(inventory::ReservationState::expired));
static_assert(INV_BATCH_PER_OPERATION == static_cast<int>(inventory::BatchPolicy::per_operation));
static_assert(INV_EVENT_STOCK_ADJUSTED == static_cast<int>(inventory::EventType::stock_adjusted));
static_assert(INV_EVENT_REQUEST_REFUSED == static_cast<int>(inventory::EventType::request_refused));
static_assert(INV_EVENT_REQUEST_REFUSED == inventory::kEventTypeMax,
              "a new EventType needs its INV_EVENT_* constant in c.h");

// ---- Status and messages ----

// A malloc()ed copy of `text`, or nullptr when out of memory. Never throws.
char* dup_string(std::string_view text) noexcept {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) return nullptr;
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

// Reports an error without allocating anything but the message. Never throws.
int32_t fail_raw(char** errptr, StatusCode code, const char* message) noexcept {
  if (errptr != nullptr) {
    const char* name = inventory::to_string(code).data();  // Static, NUL-terminated literals.
    const std::size_t size = std::strlen(name) + 2 + std::strlen(message) + 1;
    *errptr = static_cast<char*>(std::malloc(size));
    if (*errptr != nullptr) std::snprintf(*errptr, size, "%s: %s", name, message);
  }
  return static_cast<int32_t>(code);
}

int32_t fail(char** errptr, const Status& status) noexcept {
  if (errptr != nullptr) {
    try {
      *errptr = dup_string(status.to_string());
    } catch (...) {  // Why: to_string() allocates; the code still reaches the caller.
      *errptr = nullptr;
    }
  }
  return static_cast<int32_t>(status.code());
}

int32_t succeed(char** errptr) noexcept {
  if (errptr != nullptr) *errptr = nullptr;
  return INV_OK;
}

int32_t null_argument(char** errptr, const char* name) {
  return fail(errptr, Status(StatusCode::invalid_argument, "must not be NULL", name));
}

int32_t invalid(char** errptr, const char* field, const char* message) {
  return fail(errptr, Status(StatusCode::invalid_argument, message, field));
}

// Runs `body` (which returns an int32_t code and reports its own errors) and turns any exception
// into a status code, so that none crosses into C.
template <typename Body>
int32_t guard(char** errptr, Body&& body) noexcept {
  if (errptr != nullptr) *errptr = nullptr;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail_raw(errptr, StatusCode::limit_exceeded, "out of memory");
  } catch (const std::exception& e) {
    return fail_raw(errptr, StatusCode::io_error, e.what());
  } catch (...) {
    return fail_raw(errptr, StatusCode::io_error, "unknown exception in the C API");
  }
}

// Returns null_argument(...) from the enclosing lambda when `arg` is NULL.
#define INVENTORY_C_REQUIRE(arg) \
  if ((arg) == nullptr) return null_argument(errptr, #arg)

// ---- Conversions in ----

std::string_view view(const char* text) { return text == nullptr ? std::string_view() : text; }
inventory::ItemId item_id(uint64_t id) { return inventory::ItemId{id}; }
inventory::ReservationId reservation_id(uint64_t id) { return inventory::ReservationId{id}; }
inventory::Timestamp timestamp(int64_t ms) {
  return inventory::Timestamp(std::chrono::milliseconds(ms));
}
int64_t millis(inventory::Timestamp t) { return t.time_since_epoch().count(); }
std::optional<inventory::Version> version_of(const uint64_t* version) {
  if (version == nullptr) return std::nullopt;
  return inventory::Version{*version};
}

bool valid_durability(int32_t durability) {
  return durability >= INV_DURABILITY_SYNC && durability <= INV_DURABILITY_NONE;
}

Status convert(const inv_write_options* in, inventory::WriteOptions* out) {
  if (in == nullptr) return Status();
  if (in->durability != INV_DURABILITY_DEFAULT) {
    if (!valid_durability(in->durability)) {
      return Status::invalid_argument("options.durability", "not an INV_DURABILITY_* value");
    }
    out->durability = static_cast<inventory::Durability>(in->durability);
  }
  out->idempotency_key = view(in->idempotency_key);
  out->actor = view(in->actor);
  out->request_id = view(in->request_id);
  if (in->has_occurred_at) out->occurred_at = timestamp(in->occurred_at_ms);
  return Status();
}

// A Clock that asks a C function.
class CClock final : public inventory::Clock {
 public:
  CClock(inv_clock_fn now_ms, void* state) : now_ms_(now_ms), state_(state) {}
  inventory::Timestamp now() const noexcept override { return timestamp(now_ms_(state_)); }

 private:
  inv_clock_fn now_ms_;
  void* state_;
};

Status convert(const inv_options* in, inventory::Options* out) {
  if (in == nullptr) return Status();
  if (!valid_durability(in->durability)) {
    return Status::invalid_argument("options.durability", "not an INV_DURABILITY_* value");
  }
  out->create_if_missing = in->create_if_missing;
  out->error_if_exists = in->error_if_exists;
  out->durability = static_cast<inventory::Durability>(in->durability);
  out->expiry_interval = std::chrono::milliseconds(in->expiry_interval_ms);
  out->flush_interval = std::chrono::milliseconds(in->flush_interval_ms);
  out->checkpoint_records = in->checkpoint_records;
  out->checkpoint_interval = std::chrono::milliseconds(in->checkpoint_interval_ms);
  out->unusual_adjustment = in->unusual_adjustment;
  out->feed_buffer_events = in->feed_buffer_events;
  out->feed_retention_events = in->feed_retention_events;
  out->history_retention_events = in->history_retention_events;
  if (in->clock_now_ms != nullptr) {
    out->clock = std::make_shared<CClock>(in->clock_now_ms, in->clock_state);
  }
  const inv_limits& l = in->limits;
  inventory::Limits& o = out->limits;
  o.items_max = l.items_max;
  o.reservations_max = l.reservations_max;
  o.reservation_lines_max = l.reservation_lines_max;
  o.reservation_overflow_lines_max = l.reservation_overflow_lines_max;
  o.batch_operations_max = l.batch_operations_max;
  o.adjustment_max = l.adjustment_max;
  o.ttl_min = std::chrono::milliseconds(l.ttl_min_ms);
  o.ttl_max = std::chrono::milliseconds(l.ttl_max_ms);
  o.ttl_default = std::chrono::milliseconds(l.ttl_default_ms);
  o.idempotency_window = std::chrono::milliseconds(l.idempotency_window_ms);
  o.idempotency_keys_max = l.idempotency_keys_max;
  o.key_length_max = l.key_length_max;
  o.reference_length_max = l.reference_length_max;
  o.reason_length_max = l.reason_length_max;
  o.id_length_max = l.id_length_max;
  o.name_length_max = l.name_length_max;
  o.description_length_max = l.description_length_max;
  o.attributes_max = l.attributes_max;
  o.attribute_length_max = l.attribute_length_max;
  o.products_max = l.products_max;
  o.locations_max = l.locations_max;
  o.page_size_max = l.page_size_max;
  return Status();
}

Status convert(const inv_attribute* attributes, std::size_t count, std::string_view field,
               inventory::Attributes* out) {
  if (count > 0 && attributes == nullptr) {
    return Status(StatusCode::invalid_argument, "must not be NULL when attribute_count > 0", field);
  }
  for (std::size_t i = 0; i < count; ++i) {
    (*out)[std::string(view(attributes[i].key))] = std::string(view(attributes[i].value));
  }
  return Status();
}

Status convert(const inv_product& in, inventory::Product* out) {
  out->id = view(in.id);
  out->sku = view(in.sku);
  out->name = view(in.name);
  out->description = view(in.description);
  out->price.amount_minor = in.price_amount_minor;
  out->price.currency = view(in.price_currency);
  return convert(in.attributes, in.attribute_count, "product.attributes", &out->attributes);
}

Status convert(const inv_location& in, inventory::Location* out) {
  if (in.type < INV_LOCATION_WAREHOUSE || in.type > INV_LOCATION_TRANSIT) {
    return Status::invalid_argument("location.type", "not an INV_LOCATION_* value");
  }
  out->id = view(in.id);
  out->name = view(in.name);
  out->type = static_cast<inventory::LocationType>(in.type);
  return convert(in.attributes, in.attribute_count, "location.attributes", &out->attributes);
}

Status convert_mode(int32_t mode, inventory::UpsertMode* out) {
  if (mode < INV_UPSERT_CREATE_OR_REPLACE || mode > INV_UPSERT_REPLACE_ONLY) {
    return Status::invalid_argument("mode", "not an INV_UPSERT_* value");
  }
  *out = static_cast<inventory::UpsertMode>(mode);
  return Status();
}

inventory::ItemPolicy convert(const inv_item_policy* in) {
  if (in == nullptr) return {};
  return {.safety_stock = in->safety_stock,
          .low_stock_threshold = in->low_stock_threshold,
          .backorder_limit = in->backorder_limit};
}

inventory::AdjustRequest convert(const inv_adjust_request& in) {
  return {.item = item_id(in.item),
          .delta = inventory::Quantity{in.delta},
          .reason = view(in.reason),
          .reference = view(in.reference),
          .force = in.force};
}

inventory::SetOnHandRequest convert(const inv_set_on_hand_request& in) {
  inventory::SetOnHandRequest out{.item = item_id(in.item),
                                  .on_hand = inventory::Quantity{in.on_hand},
                                  .reason = view(in.reason),
                                  .reference = view(in.reference),
                                  .force = in.force};
  if (in.has_expected_version) out.expected_version = inventory::Version{in.expected_version};
  return out;
}

inventory::ReserveRequest convert(const inv_reserve_request& in) {
  return {.item = item_id(in.item),
          .quantity = inventory::Quantity{in.quantity},
          .ttl = std::chrono::milliseconds(in.ttl_ms),
          .reference = view(in.reference)};
}

inventory::TransferRequest convert(const inv_transfer_request& in) {
  return {.from = item_id(in.from),
          .to = item_id(in.to),
          .quantity = inventory::Quantity{in.quantity},
          .reason = view(in.reason),
          .reference = view(in.reference)};
}

// C lines to C++ lines; `field` names the array in the error.
Status convert(const inv_reserve_line* lines, std::size_t count, const char* field,
               std::vector<inventory::ReserveLine>* out) {
  if (count > 0 && lines == nullptr) {
    return Status(StatusCode::invalid_argument, "must not be NULL when its count > 0", field);
  }
  out->reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    out->push_back(
        {.item = item_id(lines[i].item), .quantity = inventory::Quantity{lines[i].quantity}});
  }
  return Status();
}

Status convert(const inv_event_filter* in, std::string_view prefix, inventory::EventFilter* out) {
  if (in == nullptr) return Status();
  if (in->type_count > 0 && in->types == nullptr) {
    return Status(StatusCode::invalid_argument, "must not be NULL when type_count > 0",
                  std::string(prefix) + "types");
  }
  if (in->location_id_count > 0 && in->location_ids == nullptr) {
    return Status(StatusCode::invalid_argument, "must not be NULL when location_id_count > 0",
                  std::string(prefix) + "location_ids");
  }
  for (std::size_t i = 0; i < in->type_count; ++i) {
    if (in->types[i] < 1 || in->types[i] > inventory::kEventTypeMax) {
      return Status(StatusCode::invalid_argument, "not an INV_EVENT_* value",
                    std::string(prefix) + "types[" + std::to_string(i) + "]");
    }
    out->types.push_back(static_cast<inventory::EventType>(in->types[i]));
  }
  for (std::size_t i = 0; i < in->location_id_count; ++i) {
    out->location_ids.emplace_back(view(in->location_ids[i]));
  }
  return Status();
}

// ---- Conversions out ----

inv_stock_level to_c(const inventory::StockLevel& in) {
  return {.item = static_cast<uint64_t>(in.item),
          .on_hand = in.on_hand.value(),
          .reserved = in.reserved.value(),
          .available = in.available().value(),
          .policy = {.safety_stock = in.policy.safety_stock,
                     .low_stock_threshold = in.policy.low_stock_threshold,
                     .backorder_limit = in.policy.backorder_limit},
          .version = static_cast<uint64_t>(in.version),
          .updated_at_ms = millis(in.updated_at)};
}

inv_quantities to_c(const inventory::Quantities& in) {
  return {.on_hand = in.on_hand.value(),
          .reserved = in.reserved.value(),
          .available = in.available.value()};
}

// A view of `in`; its strings point into `in`.
inv_event to_c(const inventory::Event& in) {
  return {.sequence = in.sequence,
          .change = in.change,
          .type = static_cast<int32_t>(in.type),
          .item = static_cast<uint64_t>(in.item),
          .reservation = static_cast<uint64_t>(in.reservation),
          .product_id = in.product_id.c_str(),
          .location_id = in.location_id.c_str(),
          .before = to_c(in.before),
          .after = to_c(in.after),
          .delta = in.delta,
          .version = static_cast<uint64_t>(in.version),
          .reason = in.reason.c_str(),
          .reference = in.reference.c_str(),
          .actor = in.actor.c_str(),
          .request_id = in.request_id.c_str(),
          .occurred_at_ms = millis(in.occurred_at),
          .recorded_at_ms = millis(in.recorded_at)};
}

// ---- Holders ----

template <typename View, typename Storage>
struct Holder {
  View view;  // First member: a View* converts back to the Holder*.
  Storage* storage;
};

template <typename View, typename Storage>
View* hold(const View& view, std::unique_ptr<Storage> storage) {
  static_assert(std::is_standard_layout_v<Holder<View, Storage>>);
  auto* holder = new Holder<View, Storage>{view, nullptr};
  holder->storage = storage.release();
  return &holder->view;
}

template <typename View, typename Storage>
void destroy_holder(View* view) {
  if (view == nullptr) return;
  auto* holder = reinterpret_cast<Holder<View, Storage>*>(view);
  delete holder->storage;
  delete holder;
}

const char* cursor_or_null(const std::optional<std::string>& cursor) {
  return cursor.has_value() ? cursor->c_str() : nullptr;
}

std::vector<inv_attribute> to_c(const inventory::Attributes& attributes) {
  std::vector<inv_attribute> out;
  out.reserve(attributes.size());
  for (const auto& [key, value] : attributes) out.push_back({key.c_str(), value.c_str()});
  return out;
}

struct ProductListStorage {
  std::vector<inventory::Product> products;
  std::vector<std::vector<inv_attribute>> attributes;
  std::vector<inv_product> views;
  std::optional<std::string> next_cursor;
};

inv_product_list* make_product_list(std::vector<inventory::Product> products,
                                    std::optional<std::string> next_cursor) {
  auto storage = std::make_unique<ProductListStorage>();
  storage->products = std::move(products);
  storage->next_cursor = std::move(next_cursor);
  for (const inventory::Product& p : storage->products) {
    storage->attributes.push_back(to_c(p.attributes));
    const std::vector<inv_attribute>& attributes = storage->attributes.back();
    storage->views.push_back({.id = p.id.c_str(),
                              .sku = p.sku.c_str(),
                              .name = p.name.c_str(),
                              .description = p.description.c_str(),
                              .price_amount_minor = p.price.amount_minor,
                              .price_currency = p.price.currency.c_str(),
                              .attributes = attributes.data(),
                              .attribute_count = attributes.size(),
                              .created_at_ms = millis(p.created_at),
                              .updated_at_ms = millis(p.updated_at),
                              .version = static_cast<uint64_t>(p.version)});
  }
  const inv_product_list list{storage->views.data(), storage->views.size(),
                              cursor_or_null(storage->next_cursor)};
  return hold(list, std::move(storage));
}

struct LocationListStorage {
  std::vector<inventory::Location> locations;
  std::vector<std::vector<inv_attribute>> attributes;
  std::vector<inv_location> views;
  std::optional<std::string> next_cursor;
};

inv_location_list* make_location_list(std::vector<inventory::Location> locations,
                                      std::optional<std::string> next_cursor) {
  auto storage = std::make_unique<LocationListStorage>();
  storage->locations = std::move(locations);
  storage->next_cursor = std::move(next_cursor);
  for (const inventory::Location& l : storage->locations) {
    storage->attributes.push_back(to_c(l.attributes));
    const std::vector<inv_attribute>& attributes = storage->attributes.back();
    storage->views.push_back({.id = l.id.c_str(),
                              .name = l.name.c_str(),
                              .type = static_cast<int32_t>(l.type),
                              .attributes = attributes.data(),
                              .attribute_count = attributes.size(),
                              .created_at_ms = millis(l.created_at),
                              .updated_at_ms = millis(l.updated_at),
                              .version = static_cast<uint64_t>(l.version)});
  }
  const inv_location_list list{storage->views.data(), storage->views.size(),
                               cursor_or_null(storage->next_cursor)};
  return hold(list, std::move(storage));
}

struct ItemListStorage {
  std::vector<inventory::ItemInfo> items;
  std::vector<inv_item_info> views;
  std::optional<std::string> next_cursor;
};

inv_item_list* make_item_list(std::vector<inventory::ItemInfo> items,
                              std::optional<std::string> next_cursor) {
  auto storage = std::make_unique<ItemListStorage>();
  storage->items = std::move(items);
  storage->next_cursor = std::move(next_cursor);
  for (const inventory::ItemInfo& i : storage->items) {
    storage->views.push_back({to_c(i.level), i.product_id.c_str(), i.location_id.c_str()});
  }
  const inv_item_list list{storage->views.data(), storage->views.size(),
                           cursor_or_null(storage->next_cursor)};
  return hold(list, std::move(storage));
}

struct EventPageStorage {
  std::vector<inventory::Event> events;
  std::vector<inv_event> views;
};

inv_event_page* make_event_page(std::vector<inventory::Event> events, uint64_t next_after,
                                uint64_t head, uint64_t trimmed_through) {
  auto storage = std::make_unique<EventPageStorage>();
  storage->events = std::move(events);
  storage->views.reserve(storage->events.size());
  for (const inventory::Event& e : storage->events) storage->views.push_back(to_c(e));
  const inv_event_page page{storage->views.data(), storage->views.size(), next_after, head,
                            trimmed_through};
  return hold(page, std::move(storage));
}

struct ReservationStorage {
  inventory::ReservationInfo info;
  std::vector<inv_reserve_line> lines;
};

struct ExplanationStorage {
  inventory::Explanation explanation;
  std::vector<inv_hold> holds;
};

struct BatchResultStorage {
  inventory::BatchReceipt receipt;
  std::vector<std::string> messages;
  std::vector<std::vector<inv_stock_level>> levels;
  std::vector<inv_operation_result> views;
};

inv_batch_result* make_batch_result(inventory::BatchReceipt receipt) {
  auto storage = std::make_unique<BatchResultStorage>();
  storage->receipt = std::move(receipt);
  const std::size_t count = storage->receipt.results.size();
  storage->messages.reserve(count);
  storage->levels.reserve(count);
  for (const inventory::OperationResult& r : storage->receipt.results) {
    storage->messages.push_back(r.status.to_string());
    std::vector<inv_stock_level>& levels = storage->levels.emplace_back();
    for (const inventory::StockLevel& level : r.levels) levels.push_back(to_c(level));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const inventory::OperationResult& r = storage->receipt.results[i];
    storage->views.push_back({.code = static_cast<int32_t>(r.status.code()),
                              .message = storage->messages[i].c_str(),
                              .levels = storage->levels[i].data(),
                              .level_count = storage->levels[i].size(),
                              .reservation = static_cast<uint64_t>(r.reservation),
                              .expires_at_ms = millis(r.expires_at)});
  }
  const inv_batch_result result{storage->views.data(), storage->views.size()};
  return hold(result, std::move(storage));
}

// Returns the level of a Result<StockLevel> into level_out (may be NULL).
int32_t finish_level(const inventory::Result<inventory::StockLevel>& level,
                     inv_stock_level* level_out, char** errptr) {
  if (!level.ok()) return fail(errptr, level.status());
  if (level_out != nullptr) *level_out = to_c(*level);
  return succeed(errptr);
}

// ---- Observer ----

class CObserver final : public inventory::Observer {
 public:
  explicit CObserver(const inv_observer& vtable) : vtable_(vtable) {}
  ~CObserver() override {
    if (armed_.load(std::memory_order_acquire) && vtable_.destroy != nullptr)
      vtable_.destroy(vtable_.state);
  }
  CObserver(const CObserver&) = delete;
  CObserver& operator=(const CObserver&) = delete;

  void on_events(std::span<const inventory::Event> events) override {
    // Allocates per batch; an exception here makes the dispatcher redeliver the batch.
    std::vector<inv_event> views;
    views.reserve(events.size());
    for (const inventory::Event& e : events) views.push_back(to_c(e));
    vtable_.on_events(vtable_.state, views.data(), views.size());
  }
  void on_gap(std::uint64_t after, std::uint64_t last) override {
    if (vtable_.on_gap != nullptr) vtable_.on_gap(vtable_.state, after, last);
  }
  // The subscription failed: the caller keeps the state, so destroy must not be called.
  void disarm() noexcept { armed_.store(false, std::memory_order_release); }

 private:
  const inv_observer vtable_;
  // Cleared only when subscribe fails; read by whichever thread drops the last reference.
  std::atomic<bool> armed_{true};
};

}  // namespace

struct inv_subscription {
  std::unique_ptr<inventory::Subscription> subscription;
};

// ---- Library ----

extern "C" {

const char* inv_status_name(int32_t code) {
  if (code < 0 || code > static_cast<int32_t>(StatusCode::failed_precondition)) return "unknown";
  return inventory::to_string(static_cast<StatusCode>(code)).data();  // Static literals.
}

void inv_free(void* pointer) { std::free(pointer); }

const char* inv_version(void) { return INVENTORY_VERSION_STRING; }

const char* inv_event_type_name(int32_t type) {
  if (type < 1 || type > inventory::kEventTypeMax) return "unknown";
  return inventory::to_string(static_cast<inventory::EventType>(type)).data();
}

const char* inv_reservation_state_name(int32_t state) {
  if (state < INV_RESERVATION_ACTIVE || state > INV_RESERVATION_EXPIRED) return "unknown";
  return inventory::to_string(static_cast<inventory::ReservationState>(state)).data();
}

void inv_options_init(inv_options* options) {
  if (options == nullptr) return;
  const inventory::Options d;
  const inventory::Limits& l = d.limits;
  *options =
      inv_options{.create_if_missing = d.create_if_missing,
                  .error_if_exists = d.error_if_exists,
                  .durability = static_cast<int32_t>(d.durability),
                  .expiry_interval_ms = d.expiry_interval.count(),
                  .flush_interval_ms = d.flush_interval.count(),
                  .checkpoint_records = d.checkpoint_records,
                  .checkpoint_interval_ms = d.checkpoint_interval.count(),
                  .unusual_adjustment = d.unusual_adjustment,
                  .feed_buffer_events = d.feed_buffer_events,
                  .feed_retention_events = d.feed_retention_events,
                  .history_retention_events = d.history_retention_events,
                  .clock_now_ms = nullptr,
                  .clock_state = nullptr,
                  .limits = {.items_max = l.items_max,
                             .reservations_max = l.reservations_max,
                             .reservation_lines_max = l.reservation_lines_max,
                             .reservation_overflow_lines_max = l.reservation_overflow_lines_max,
                             .batch_operations_max = l.batch_operations_max,
                             .adjustment_max = l.adjustment_max,
                             .ttl_min_ms = l.ttl_min.count(),
                             .ttl_max_ms = l.ttl_max.count(),
                             .ttl_default_ms = l.ttl_default.count(),
                             .idempotency_window_ms = l.idempotency_window.count(),
                             .idempotency_keys_max = l.idempotency_keys_max,
                             .key_length_max = l.key_length_max,
                             .reference_length_max = l.reference_length_max,
                             .reason_length_max = l.reason_length_max,
                             .id_length_max = l.id_length_max,
                             .name_length_max = l.name_length_max,
                             .description_length_max = l.description_length_max,
                             .attributes_max = l.attributes_max,
                             .attribute_length_max = l.attribute_length_max,
                             .products_max = l.products_max,
                             .locations_max = l.locations_max,
                             .page_size_max = l.page_size_max}};
}

void inv_write_options_init(inv_write_options* options) {
  if (options == nullptr) return;
  *options = inv_write_options{.durability = INV_DURABILITY_DEFAULT,
                               .idempotency_key = nullptr,
                               .actor = nullptr,
                               .request_id = nullptr,
                               .has_occurred_at = false,
                               .occurred_at_ms = 0};
}

int32_t inv_open(const inv_options* options, const char* path, inv_engine** engine_out,
                 char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(path);
    INVENTORY_C_REQUIRE(engine_out);
    inventory::Options cpp_options;
    if (Status s = convert(options, &cpp_options); !s.ok()) return fail(errptr, s);
    auto opened = inventory::Engine::open(cpp_options, path);
    if (!opened.ok()) return fail(errptr, opened.status());
    auto handle = std::make_unique<inv_engine>();
    handle->engine = std::move(opened).value();
    *engine_out = handle.release();
    return succeed(errptr);
  });
}

void inv_close(inv_engine* engine) { delete engine; }

int32_t inv_verify(const inv_options* options, const char* path, inv_verify_report* report_out,
                   char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(path);
    INVENTORY_C_REQUIRE(report_out);
    inventory::Options cpp_options;
    if (Status s = convert(options, &cpp_options); !s.ok()) return fail(errptr, s);
    auto report = inventory::Engine::verify(cpp_options, path);
    if (!report.ok()) return fail(errptr, report.status());
    inv_verify_report out{};
    out.checkpoint_sequence = report->checkpoint_sequence;
    out.records_replayed = report->records_replayed;
    out.last_sequence = report->last_sequence;
    out.high_water_mark = report->high_water_mark;
    out.used_previous_checkpoint = report->used_previous_checkpoint;
    std::snprintf(out.chain_head, sizeof(out.chain_head), "%s", report->chain_head.c_str());
    out.items = report->items;
    out.reservations_active = report->reservations_active;
    *report_out = out;
    return succeed(errptr);
  });
}

// ---- Catalog ----

int32_t inv_upsert_product(inv_engine* engine, const inv_write_options* options,
                           const inv_product* product, int32_t mode,
                           const uint64_t* expected_version, uint64_t* version_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(product);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    inventory::UpsertProductRequest request{.expected_version = version_of(expected_version)};
    if (Status s = convert_mode(mode, &request.mode); !s.ok()) return fail(errptr, s);
    if (Status s = convert(*product, &request.product); !s.ok()) return fail(errptr, s);
    auto stored = engine->engine->upsert_product(wo, request);
    if (!stored.ok()) return fail(errptr, stored.status());
    if (version_out != nullptr) *version_out = static_cast<uint64_t>(stored->version);
    return succeed(errptr);
  });
}

int32_t inv_remove_product(inv_engine* engine, const inv_write_options* options,
                           const char* product_id, bool force, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(product_id);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    if (Status s = engine->engine->remove_product(wo, product_id, force); !s.ok()) {
      return fail(errptr, s);
    }
    return succeed(errptr);
  });
}

int32_t inv_get_product(inv_engine* engine, const char* product_id, inv_product_list** product_out,
                        char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(product_id);
    INVENTORY_C_REQUIRE(product_out);
    auto product = engine->engine->get_product({}, product_id);
    if (!product.ok()) return fail(errptr, product.status());
    std::vector<inventory::Product> one;
    one.push_back(std::move(product).value());
    *product_out = make_product_list(std::move(one), std::nullopt);
    return succeed(errptr);
  });
}

int32_t inv_find_product_by_sku(inv_engine* engine, const char* sku, inv_product_list** product_out,
                                char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(sku);
    INVENTORY_C_REQUIRE(product_out);
    auto product = engine->engine->find_product_by_sku({}, sku);
    if (!product.ok()) return fail(errptr, product.status());
    std::vector<inventory::Product> one;
    one.push_back(std::move(product).value());
    *product_out = make_product_list(std::move(one), std::nullopt);
    return succeed(errptr);
  });
}

int32_t inv_list_products(inv_engine* engine, const char* cursor, uint32_t limit,
                          inv_product_list** page_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(page_out);
    auto page =
        engine->engine->list_products({}, {.cursor = std::string(view(cursor)), .limit = limit});
    if (!page.ok()) return fail(errptr, page.status());
    *page_out = make_product_list(std::move(page->items), std::move(page->next_cursor));
    return succeed(errptr);
  });
}

void inv_product_list_destroy(inv_product_list* list) {
  destroy_holder<inv_product_list, ProductListStorage>(list);
}

int32_t inv_upsert_location(inv_engine* engine, const inv_write_options* options,
                            const inv_location* location, int32_t mode,
                            const uint64_t* expected_version, uint64_t* version_out,
                            char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(location);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    inventory::UpsertLocationRequest request{.expected_version = version_of(expected_version)};
    if (Status s = convert_mode(mode, &request.mode); !s.ok()) return fail(errptr, s);
    if (Status s = convert(*location, &request.location); !s.ok()) return fail(errptr, s);
    auto stored = engine->engine->upsert_location(wo, request);
    if (!stored.ok()) return fail(errptr, stored.status());
    if (version_out != nullptr) *version_out = static_cast<uint64_t>(stored->version);
    return succeed(errptr);
  });
}

int32_t inv_remove_location(inv_engine* engine, const inv_write_options* options,
                            const char* location_id, bool force, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(location_id);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    if (Status s = engine->engine->remove_location(wo, location_id, force); !s.ok()) {
      return fail(errptr, s);
    }
    return succeed(errptr);
  });
}

int32_t inv_get_location(inv_engine* engine, const char* location_id,
                         inv_location_list** location_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(location_id);
    INVENTORY_C_REQUIRE(location_out);
    auto location = engine->engine->get_location({}, location_id);
    if (!location.ok()) return fail(errptr, location.status());
    std::vector<inventory::Location> one;
    one.push_back(std::move(location).value());
    *location_out = make_location_list(std::move(one), std::nullopt);
    return succeed(errptr);
  });
}

int32_t inv_list_locations(inv_engine* engine, const char* cursor, uint32_t limit,
                           inv_location_list** page_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(page_out);
    auto page =
        engine->engine->list_locations({}, {.cursor = std::string(view(cursor)), .limit = limit});
    if (!page.ok()) return fail(errptr, page.status());
    *page_out = make_location_list(std::move(page->items), std::move(page->next_cursor));
    return succeed(errptr);
  });
}

void inv_location_list_destroy(inv_location_list* list) {
  destroy_holder<inv_location_list, LocationListStorage>(list);
}

int32_t inv_upsert_item(inv_engine* engine, const inv_write_options* options,
                        const char* product_id, const char* location_id,
                        const inv_item_policy* policy, const uint64_t* expected_version,
                        inv_stock_level* level_out, char** errptr) {
  return inv_upsert_item_v2(engine, options, product_id, location_id, policy,
                            INV_UPSERT_CREATE_OR_REPLACE, expected_version, level_out, errptr);
}

int32_t inv_upsert_item_v2(inv_engine* engine, const inv_write_options* options,
                           const char* product_id, const char* location_id,
                           const inv_item_policy* policy, int32_t mode,
                           const uint64_t* expected_version, inv_stock_level* level_out,
                           char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(product_id);
    INVENTORY_C_REQUIRE(location_id);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    inventory::UpsertItemRequest request{.product_id = product_id,
                                         .location_id = location_id,
                                         .policy = convert(policy),
                                         .expected_version = version_of(expected_version)};
    if (Status s = convert_mode(mode, &request.mode); !s.ok()) return fail(errptr, s);
    auto info = engine->engine->upsert_item(wo, request);
    if (!info.ok()) return fail(errptr, info.status());
    if (level_out != nullptr) *level_out = to_c(info->level);
    return succeed(errptr);
  });
}

int32_t inv_remove_item(inv_engine* engine, const inv_write_options* options, uint64_t item,
                        bool force, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    if (Status s = engine->engine->remove_item(wo, item_id(item), force); !s.ok()) {
      return fail(errptr, s);
    }
    return succeed(errptr);
  });
}

int32_t inv_find_item(inv_engine* engine, const char* product_id, const char* location_id,
                      uint64_t* item_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(product_id);
    INVENTORY_C_REQUIRE(location_id);
    INVENTORY_C_REQUIRE(item_out);
    auto item = engine->engine->find_item({}, product_id, location_id);
    if (!item.ok()) return fail(errptr, item.status());
    *item_out = static_cast<uint64_t>(*item);
    return succeed(errptr);
  });
}

int32_t inv_get_item(inv_engine* engine, uint64_t item, inv_item_list** item_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(item_out);
    auto info = engine->engine->get_item({}, item_id(item));
    if (!info.ok()) return fail(errptr, info.status());
    std::vector<inventory::ItemInfo> one;
    one.push_back(std::move(info).value());
    *item_out = make_item_list(std::move(one), std::nullopt);
    return succeed(errptr);
  });
}

int32_t inv_list_items(inv_engine* engine, const inv_item_filter* filter, const char* cursor,
                       uint32_t limit, inv_item_list** page_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(page_out);
    inventory::ItemFilter cpp_filter;
    if (filter != nullptr) {
      if (filter->product_id != nullptr) cpp_filter.product_id = filter->product_id;
      if (filter->location_id != nullptr) cpp_filter.location_id = filter->location_id;
      if (filter->has_updated_after) cpp_filter.updated_after = timestamp(filter->updated_after_ms);
      cpp_filter.low_stock_only = filter->low_stock_only;
    }
    auto page = engine->engine->list_items({}, cpp_filter,
                                           {.cursor = std::string(view(cursor)), .limit = limit});
    if (!page.ok()) return fail(errptr, page.status());
    *page_out = make_item_list(std::move(page->items), std::move(page->next_cursor));
    return succeed(errptr);
  });
}

void inv_item_list_destroy(inv_item_list* list) {
  destroy_holder<inv_item_list, ItemListStorage>(list);
}

// ---- Stock ----

int32_t inv_get(inv_engine* engine, uint64_t item, inv_stock_level* level_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(level_out);
    auto level = engine->engine->get({}, item_id(item));
    if (!level.ok()) return fail(errptr, level.status());
    *level_out = to_c(*level);
    return succeed(errptr);
  });
}

int32_t inv_adjust(inv_engine* engine, const inv_write_options* options,
                   const inv_adjust_request* request, inv_stock_level* level_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    return finish_level(engine->engine->adjust(wo, convert(*request)), level_out, errptr);
  });
}

int32_t inv_set_on_hand(inv_engine* engine, const inv_write_options* options,
                        const inv_set_on_hand_request* request, inv_stock_level* level_out,
                        char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    return finish_level(engine->engine->set_on_hand(wo, convert(*request)), level_out, errptr);
  });
}

int32_t inv_set_policy(inv_engine* engine, const inv_write_options* options, uint64_t item,
                       const inv_item_policy* policy, const uint64_t* expected_version,
                       inv_stock_level* level_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(policy);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    return finish_level(
        engine->engine->set_policy(wo, {.item = item_id(item),
                                        .policy = convert(policy),
                                        .expected_version = version_of(expected_version)}),
        level_out, errptr);
  });
}

int32_t inv_reserve(inv_engine* engine, const inv_write_options* options,
                    const inv_reserve_request* request, uint64_t* reservation_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    INVENTORY_C_REQUIRE(reservation_out);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    auto id = engine->engine->reserve(wo, convert(*request));
    if (!id.ok()) return fail(errptr, id.status());
    *reservation_out = static_cast<uint64_t>(*id);
    return succeed(errptr);
  });
}

int32_t inv_reserve_lines(inv_engine* engine, const inv_write_options* options,
                          const inv_reserve_lines_request* request, uint64_t* reservation_out,
                          char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    INVENTORY_C_REQUIRE(reservation_out);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    std::vector<inventory::ReserveLine> lines;
    if (Status s = convert(request->lines, request->line_count, "lines", &lines); !s.ok()) {
      return fail(errptr, s);
    }
    auto id = engine->engine->reserve(
        wo, inventory::ReserveLinesRequest{.lines = lines,
                                           .ttl = std::chrono::milliseconds(request->ttl_ms),
                                           .reference = view(request->reference)});
    if (!id.ok()) return fail(errptr, id.status());
    *reservation_out = static_cast<uint64_t>(*id);
    return succeed(errptr);
  });
}

int32_t inv_confirm(inv_engine* engine, const inv_write_options* options, uint64_t reservation,
                    char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    if (Status s = engine->engine->confirm(wo, reservation_id(reservation)); !s.ok()) {
      return fail(errptr, s);
    }
    return succeed(errptr);
  });
}

int32_t inv_confirm_partial(inv_engine* engine, const inv_write_options* options,
                            uint64_t reservation, const inv_reserve_line* quantities,
                            size_t quantity_count, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(quantities);
    if (quantity_count == 0) {
      return invalid(errptr, "quantity_count", "must be at least 1 (use inv_confirm)");
    }
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    std::vector<inventory::ReserveLine> lines;
    if (Status s = convert(quantities, quantity_count, "quantities", &lines); !s.ok()) {
      return fail(errptr, s);
    }
    Status s = engine->engine->confirm(
        wo,
        inventory::ConfirmRequest{.reservation = reservation_id(reservation), .quantities = lines});
    if (!s.ok()) return fail(errptr, s);
    return succeed(errptr);
  });
}

int32_t inv_release(inv_engine* engine, const inv_write_options* options, uint64_t reservation,
                    char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    if (Status s = engine->engine->release(wo, reservation_id(reservation)); !s.ok()) {
      return fail(errptr, s);
    }
    return succeed(errptr);
  });
}

int32_t inv_extend(inv_engine* engine, const inv_write_options* options, uint64_t reservation,
                   int64_t ttl_ms, int64_t* expires_at_ms_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    auto expires =
        engine->engine->extend(wo, reservation_id(reservation), std::chrono::milliseconds(ttl_ms));
    if (!expires.ok()) return fail(errptr, expires.status());
    if (expires_at_ms_out != nullptr) *expires_at_ms_out = millis(*expires);
    return succeed(errptr);
  });
}

int32_t inv_get_reservation(inv_engine* engine, uint64_t reservation,
                            inv_reservation** reservation_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(reservation_out);
    auto info = engine->engine->get_reservation({}, reservation_id(reservation));
    if (!info.ok()) return fail(errptr, info.status());
    auto storage = std::make_unique<ReservationStorage>();
    storage->info = std::move(info).value();
    for (const inventory::ReserveLine& line : storage->info.lines) {
      storage->lines.push_back({static_cast<uint64_t>(line.item), line.quantity.value()});
    }
    const inventory::ReservationInfo& i = storage->info;
    const inv_reservation out{.id = static_cast<uint64_t>(i.id),
                              .state = static_cast<int32_t>(i.state),
                              .lines = storage->lines.data(),
                              .line_count = storage->lines.size(),
                              .reference = i.reference.c_str(),
                              .created_at_ms = millis(i.created_at),
                              .expires_at_ms = millis(i.expires_at)};
    *reservation_out = hold(out, std::move(storage));
    return succeed(errptr);
  });
}

void inv_reservation_destroy(inv_reservation* reservation) {
  destroy_holder<inv_reservation, ReservationStorage>(reservation);
}

int32_t inv_transfer(inv_engine* engine, const inv_write_options* options,
                     const inv_transfer_request* request, inv_stock_level* from_out,
                     inv_stock_level* to_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    auto receipt = engine->engine->transfer(wo, convert(*request));
    if (!receipt.ok()) return fail(errptr, receipt.status());
    if (from_out != nullptr) *from_out = to_c(receipt->from);
    if (to_out != nullptr) *to_out = to_c(receipt->to);
    return succeed(errptr);
  });
}

int32_t inv_expire_due(inv_engine* engine, uint64_t* expired_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    const std::size_t expired = engine->engine->expire_due();
    if (expired_out != nullptr) *expired_out = expired;
    return succeed(errptr);
  });
}

int32_t inv_check_invariants(inv_engine* engine, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    if (Status s = engine->engine->check_invariants(); !s.ok()) return fail(errptr, s);
    return succeed(errptr);
  });
}

int32_t inv_sync(inv_engine* engine, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    if (Status s = engine->engine->sync(); !s.ok()) return fail(errptr, s);
    return succeed(errptr);
  });
}

int32_t inv_checkpoint(inv_engine* engine, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    if (Status s = engine->engine->checkpoint(); !s.ok()) return fail(errptr, s);
    return succeed(errptr);
  });
}

// ---- Batches ----

int32_t inv_batch_create(inv_batch** batch_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch_out);
    *batch_out = new inv_batch();
    return succeed(errptr);
  });
}

void inv_batch_destroy(inv_batch* batch) { delete batch; }

size_t inv_batch_size(const inv_batch* batch) { return batch == nullptr ? 0 : batch->batch.size(); }

int32_t inv_batch_clear(inv_batch* batch, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    batch->batch.clear();
    return succeed(errptr);
  });
}

int32_t inv_batch_adjust(inv_batch* batch, const inv_adjust_request* request, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(request);
    batch->batch.adjust(convert(*request));
    return succeed(errptr);
  });
}

int32_t inv_batch_set_on_hand(inv_batch* batch, const inv_set_on_hand_request* request,
                              char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(request);
    batch->batch.set_on_hand(convert(*request));
    return succeed(errptr);
  });
}

int32_t inv_batch_set_policy(inv_batch* batch, uint64_t item, const inv_item_policy* policy,
                             const uint64_t* expected_version, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(policy);
    batch->batch.set_policy({.item = item_id(item),
                             .policy = convert(policy),
                             .expected_version = version_of(expected_version)});
    return succeed(errptr);
  });
}

int32_t inv_batch_reserve(inv_batch* batch, const inv_reserve_request* request, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(request);
    batch->batch.reserve(convert(*request));
    return succeed(errptr);
  });
}

int32_t inv_batch_reserve_lines(inv_batch* batch, const inv_reserve_lines_request* request,
                                char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(request);
    std::vector<inventory::ReserveLine> lines;
    if (Status s = convert(request->lines, request->line_count, "lines", &lines); !s.ok()) {
      return fail(errptr, s);
    }
    batch->batch.reserve(
        inventory::ReserveLinesRequest{.lines = lines,
                                       .ttl = std::chrono::milliseconds(request->ttl_ms),
                                       .reference = view(request->reference)});
    return succeed(errptr);
  });
}

int32_t inv_batch_confirm(inv_batch* batch, uint64_t reservation, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    batch->batch.confirm(reservation_id(reservation));
    return succeed(errptr);
  });
}

int32_t inv_batch_confirm_partial(inv_batch* batch, uint64_t reservation,
                                  const inv_reserve_line* quantities, size_t quantity_count,
                                  char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    std::vector<inventory::ReserveLine> lines;
    if (Status s = convert(quantities, quantity_count, "quantities", &lines); !s.ok()) {
      return fail(errptr, s);
    }
    batch->batch.confirm(
        inventory::ConfirmRequest{.reservation = reservation_id(reservation), .quantities = lines});
    return succeed(errptr);
  });
}

int32_t inv_batch_release(inv_batch* batch, uint64_t reservation, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    batch->batch.release(reservation_id(reservation));
    return succeed(errptr);
  });
}

int32_t inv_batch_extend(inv_batch* batch, uint64_t reservation, int64_t ttl_ms, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    batch->batch.extend(reservation_id(reservation), std::chrono::milliseconds(ttl_ms));
    return succeed(errptr);
  });
}

int32_t inv_batch_transfer(inv_batch* batch, const inv_transfer_request* request, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(batch);
    INVENTORY_C_REQUIRE(request);
    batch->batch.transfer(convert(*request));
    return succeed(errptr);
  });
}

int32_t inv_batch_apply(inv_engine* engine, const inv_write_options* options,
                        const inv_batch* batch, int32_t policy, inv_batch_result** result_out,
                        int32_t* failed_index_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(batch);
    if (policy != INV_BATCH_ALL_OR_NOTHING && policy != INV_BATCH_PER_OPERATION) {
      return invalid(errptr, "policy", "not an INV_BATCH_* value");
    }
    inventory::WriteOptions wo;
    if (Status s = convert(options, &wo); !s.ok()) return fail(errptr, s);
    auto receipt =
        engine->engine->write(wo, batch->batch, static_cast<inventory::BatchPolicy>(policy));
    if (!receipt.ok()) {
      if (failed_index_out != nullptr) *failed_index_out = receipt.status().index();
      return fail(errptr, receipt.status());
    }
    if (result_out != nullptr) *result_out = make_batch_result(std::move(receipt).value());
    return succeed(errptr);
  });
}

void inv_batch_result_destroy(inv_batch_result* result) {
  destroy_holder<inv_batch_result, BatchResultStorage>(result);
}

// ---- Change feed, audit and metrics ----

int32_t inv_changes_since(inv_engine* engine, uint64_t after, uint32_t limit,
                          const inv_event_filter* filter, inv_event_page** page_out,
                          char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(page_out);
    inventory::EventFilter cpp_filter;
    if (Status s = convert(filter, "filter.", &cpp_filter); !s.ok()) return fail(errptr, s);
    auto page = engine->engine->changes_since(after, limit, cpp_filter);
    if (!page.ok()) return fail(errptr, page.status());
    *page_out = make_event_page(std::move(page->events), page->next_after, page->head,
                                page->trimmed_through);
    return succeed(errptr);
  });
}

void inv_history_request_init(inv_history_request* request) {
  if (request == nullptr) return;
  *request = inv_history_request{.item = 0,
                                 .after = 0,
                                 .has_until = false,
                                 .until = 0,
                                 .has_since = false,
                                 .since_ms = 0,
                                 .limit = inventory::HistoryRequest{}.limit};
}

int32_t inv_history(inv_engine* engine, const inv_history_request* request,
                    inv_event_page** page_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(request);
    INVENTORY_C_REQUIRE(page_out);
    inventory::HistoryRequest cpp{
        .item = item_id(request->item), .after = request->after, .limit = request->limit};
    if (request->has_until) cpp.until = request->until;
    if (request->has_since) cpp.since = timestamp(request->since_ms);
    auto events = engine->engine->history(cpp);
    if (!events.ok()) return fail(errptr, events.status());
    const uint64_t last = events->empty() ? request->after : events->back().sequence;
    *page_out = make_event_page(std::move(events).value(), last, 0, 0);
    return succeed(errptr);
  });
}

void inv_event_page_destroy(inv_event_page* page) {
  destroy_holder<inv_event_page, EventPageStorage>(page);
}

int32_t inv_explain(inv_engine* engine, uint64_t item, inv_explanation** explanation_out,
                    char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(explanation_out);
    auto explanation = engine->engine->explain(item_id(item));
    if (!explanation.ok()) return fail(errptr, explanation.status());
    auto storage = std::make_unique<ExplanationStorage>();
    storage->explanation = std::move(explanation).value();
    const inventory::Explanation& e = storage->explanation;
    for (const inventory::Hold& h : e.holds) {
      storage->holds.push_back({.reservation = static_cast<uint64_t>(h.reservation),
                                .quantity = h.quantity.value(),
                                .reference = h.reference.c_str(),
                                .created_at_ms = millis(h.created_at),
                                .expires_at_ms = millis(h.expires_at)});
    }
    const inv_explanation out{.level = to_c(e.level),
                              .holds = storage->holds.data(),
                              .hold_count = storage->holds.size(),
                              .held = e.held.value(),
                              .reservable = e.reservable.value(),
                              .summary = e.summary.c_str()};
    *explanation_out = hold(out, std::move(storage));
    return succeed(errptr);
  });
}

void inv_explanation_destroy(inv_explanation* explanation) {
  destroy_holder<inv_explanation, ExplanationStorage>(explanation);
}

int32_t inv_metrics_prometheus(inv_engine* engine, char** text_out, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(text_out);
    char* text = dup_string(inventory::to_prometheus(engine->engine->metrics()));
    if (text == nullptr) throw std::bad_alloc();
    *text_out = text;
    return succeed(errptr);
  });
}

// ---- Observers ----

void inv_subscribe_options_init(inv_subscribe_options* options) {
  if (options == nullptr) return;
  *options = inv_subscribe_options{.has_after = false,
                                   .after = 0,
                                   .cursor = nullptr,
                                   .filter = {.types = nullptr,
                                              .type_count = 0,
                                              .location_ids = nullptr,
                                              .location_id_count = 0},
                                   .max_batch = inventory::SubscribeOptions{}.max_batch};
}

int32_t inv_subscribe(inv_engine* engine, const inv_observer* observer,
                      const inv_subscribe_options* options, inv_subscription** subscription_out,
                      char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(observer);
    INVENTORY_C_REQUIRE(subscription_out);
    if (observer->on_events == nullptr) {
      return invalid(errptr, "observer.on_events", "must not be NULL");
    }
    inventory::SubscribeOptions cpp;
    if (options != nullptr) {
      if (options->has_after) cpp.after = options->after;
      cpp.cursor = view(options->cursor);
      cpp.max_batch = options->max_batch;
      if (Status s = convert(&options->filter, "options.filter.", &cpp.filter); !s.ok()) {
        return fail(errptr, s);
      }
    }
    auto handle = std::make_unique<inv_subscription>();
    auto c_observer = std::make_shared<CObserver>(*observer);
    auto subscription = [&] {
      try {
        return engine->engine->subscribe(c_observer, cpp);
      } catch (...) {
        c_observer->disarm();  // The caller keeps the state (see inv_observer).
        throw;
      }
    }();
    if (!subscription.ok()) {
      c_observer->disarm();  // The caller keeps the state (see inv_observer).
      return fail(errptr, subscription.status());
    }
    handle->subscription = std::move(subscription).value();
    *subscription_out = handle.release();
    return succeed(errptr);
  });
}

void inv_subscription_destroy(inv_subscription* subscription) { delete subscription; }

uint64_t inv_subscription_cursor(const inv_subscription* subscription) {
  return subscription == nullptr ? 0 : subscription->subscription->cursor();
}

int32_t inv_drop_cursor(inv_engine* engine, const char* name, char** errptr) {
  return guard(errptr, [&]() -> int32_t {
    INVENTORY_C_REQUIRE(engine);
    INVENTORY_C_REQUIRE(name);
    if (Status s = engine->engine->drop_cursor(name); !s.ok()) return fail(errptr, s);
    return succeed(errptr);
  });
}

}  // extern "C"
