// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "engine_impl.h"

#include <utility>
#include <vector>

#include "validate.h"
#include "write_batch_internal.h"

namespace inventory {

namespace {

const Status kDurabilityUnavailable = Status::from_static(
    StatusCode::not_supported,
    "this release keeps state in memory only: durability sync and buffered need the journal, "
    "which is not available yet; use Durability::none",
    "durability");

void add_lines(Fingerprint& f, std::span<const ReserveLine> lines) {
  f.add(static_cast<std::uint64_t>(lines.size()));
  for (const ReserveLine& line : lines) {
    f.add(static_cast<std::uint64_t>(line.item)).add(line.quantity.value());
  }
}

void add_policy(Fingerprint& f, const ItemPolicy& p) {
  f.add(p.safety_stock).add(p.low_stock_threshold).add(p.backorder_limit);
}

void add_version(Fingerprint& f, const std::optional<Version>& v) {
  f.add(v.has_value()).add(static_cast<std::uint64_t>(v.value_or(Version{})));
}

void add_attributes(Fingerprint& f, const Attributes& attributes) {
  f.add(static_cast<std::uint64_t>(attributes.size()));
  for (const auto& [key, value] : attributes) f.add(key).add(value);
}

void add_operation(Fingerprint& f, const WriteBatch::Operation& op) {
  f.add(static_cast<std::uint64_t>(op.kind))
      .add(static_cast<std::uint64_t>(op.item))
      .add(static_cast<std::uint64_t>(op.item2))
      .add(op.quantity.value())
      .add(op.force)
      .add(static_cast<std::uint64_t>(op.reservation))
      .add(static_cast<std::int64_t>(op.ttl.count()))
      .add(op.reason)
      .add(op.reference);
  add_version(f, op.expected_version);
  add_policy(f, op.policy);
  add_lines(f, op.lines);
}

// Status of a Result<T> or a Status.
template <typename R>
const Status& status_of(const R& r) {
  if constexpr (std::is_same_v<R, Status>) {
    return r;
  } else {
    return r.status();
  }
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(const Options& options, std::string_view path) {
  (void)path;  // Durability::none keeps nothing on disk; the journal will use it.
  INVENTORY_RETURN_IF_ERROR(validate::options(options));
  if (options.durability != Durability::none) return kDurabilityUnavailable;
  try {
    return std::unique_ptr<Engine>(new EngineImpl(options));
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::limit_exceeded,
                  "not enough memory for the tables sized by Options::limits", "limits");
  }
}

Engine::~Engine() = default;

EngineImpl::EngineImpl(const Options& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : system_clock()),
      core_(options.limits),
      catalog_(options.limits, core_),
      idempotency_(options.limits.idempotency_keys_max, options.limits.idempotency_window) {
  if (options_.expiry_interval.count() > 0) {
    expiry_thread_ = std::thread([this] { expiry_loop(); });
  }
}

EngineImpl::~EngineImpl() {
  {
    std::lock_guard lock(expiry_mutex_);
    stopping_ = true;
  }
  expiry_wake_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
}

void EngineImpl::expiry_loop() {
  std::unique_lock lock(expiry_mutex_);
  while (!stopping_) {
    expiry_wake_.wait_for(lock, options_.expiry_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    core_.expire_due(now_ms());
    lock.lock();
  }
}

Status EngineImpl::check_write(const WriteOptions& options) const {
  // The common call passes no options at all: answer it without the general checks.
  if (options.idempotency_key.empty() && options.actor.empty() && options.request_id.empty() &&
      !options.durability.has_value()) {
    return options_.durability == Durability::none ? Status() : kDurabilityUnavailable;
  }
  INVENTORY_RETURN_IF_ERROR(validate::write_options(options, options_.limits));
  if (options.durability.value_or(options_.durability) != Durability::none) {
    return kDurabilityUnavailable;
  }
  return Status();
}

template <typename T, typename Apply>
Result<T> EngineImpl::once(const WriteOptions& options, const Fingerprint& fingerprint,
                           Apply&& apply) {
  if (options.idempotency_key.empty()) return apply();
  std::shared_ptr<const StoredResult> stored;
  switch (idempotency_.begin(options.idempotency_key, fingerprint.value(), now_ms(), &stored)) {
    case IdempotencyTable::Outcome::replay:
      if (!stored->status.ok()) return stored->status;
      return std::get<T>(stored->value);
    case IdempotencyTable::Outcome::mismatch:
      return Status::from_static(StatusCode::idempotency_mismatch,
                                 "the idempotency key was used with a different request",
                                 "idempotency_key");
    case IdempotencyTable::Outcome::in_flight:
      return Status::from_static(StatusCode::busy,
                                 "a request with this idempotency key is still running; retry",
                                 "idempotency_key");
    case IdempotencyTable::Outcome::full:
      return Status::from_static(StatusCode::limit_exceeded, "limits.idempotency_keys_max reached",
                                 "idempotency_key");
    case IdempotencyTable::Outcome::fresh:
      break;
  }
  Result<T> result = apply();
  const StatusCode code = result.status().code();
  if (code == StatusCode::busy || code == StatusCode::io_error) {
    // Nothing was applied; a retry must run again.
    idempotency_.abandon(options.idempotency_key);
  } else {
    auto record = std::make_shared<StoredResult>();
    record->status = result.status();
    if (result.ok()) record->value = *result;
    idempotency_.finish(options.idempotency_key, std::move(record), now_ms());
  }
  return result;
}

template <typename Apply>
Status EngineImpl::once_status(const WriteOptions& options, const Fingerprint& fingerprint,
                               Apply&& apply) {
  Result<std::monostate> result = once<std::monostate>(options, fingerprint, [&] {
    Status status = apply();
    return status.ok() ? Result<std::monostate>(std::monostate{})
                       : Result<std::monostate>(std::move(status));
  });
  return result.ok() ? Status() : result.status();
}

// ---- Catalog ----

Result<Product> EngineImpl::upsert_product(const WriteOptions& options,
                                           const UpsertProductRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::product(request.product, options_.limits));
  const Product& p = request.product;
  Fingerprint f("upsert_product");
  f.add(p.id).add(p.sku).add(p.name).add(p.description).add(p.price.amount_minor);
  f.add(p.price.currency).add(static_cast<std::uint64_t>(request.mode));
  add_attributes(f, p.attributes);
  add_version(f, request.expected_version);
  return once<Product>(options, f, [&] { return catalog_.upsert_product(request, clock_->now()); });
}

Status EngineImpl::remove_product(const WriteOptions& options, std::string_view product_id,
                                  bool force) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("product_id", product_id, options_.limits));
  Fingerprint f("remove_product");
  f.add(product_id).add(force);
  return once_status(options, f, [&] { return catalog_.remove_product(product_id, force); });
}

Result<Product> EngineImpl::get_product(const ReadOptions&, std::string_view product_id) const {
  return catalog_.get_product(product_id);
}

Result<Product> EngineImpl::find_product_by_sku(const ReadOptions&, std::string_view sku) const {
  return catalog_.find_product_by_sku(sku);
}

Result<Page<Product>> EngineImpl::list_products(const ReadOptions&, const PageRequest& page) const {
  return catalog_.list_products(page);
}

Result<Location> EngineImpl::upsert_location(const WriteOptions& options,
                                             const UpsertLocationRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::location(request.location, options_.limits));
  const Location& l = request.location;
  Fingerprint f("upsert_location");
  f.add(l.id).add(l.name).add(static_cast<std::uint64_t>(l.type));
  f.add(static_cast<std::uint64_t>(request.mode));
  add_attributes(f, l.attributes);
  add_version(f, request.expected_version);
  return once<Location>(options, f,
                        [&] { return catalog_.upsert_location(request, clock_->now()); });
}

Status EngineImpl::remove_location(const WriteOptions& options, std::string_view location_id,
                                   bool force) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("location_id", location_id, options_.limits));
  Fingerprint f("remove_location");
  f.add(location_id).add(force);
  return once_status(options, f, [&] { return catalog_.remove_location(location_id, force); });
}

Result<Location> EngineImpl::get_location(const ReadOptions&, std::string_view location_id) const {
  return catalog_.get_location(location_id);
}

Result<Page<Location>> EngineImpl::list_locations(const ReadOptions&,
                                                  const PageRequest& page) const {
  return catalog_.list_locations(page);
}

Result<ItemInfo> EngineImpl::upsert_item(const WriteOptions& options,
                                         const UpsertItemRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("product_id", request.product_id, options_.limits));
  INVENTORY_RETURN_IF_ERROR(validate::id("location_id", request.location_id, options_.limits));
  INVENTORY_RETURN_IF_ERROR(validate::policy("policy.", request.policy));
  Fingerprint f("upsert_item");
  f.add(request.product_id).add(request.location_id);
  add_policy(f, request.policy);
  add_version(f, request.expected_version);
  return once<ItemInfo>(options, f, [&] { return catalog_.upsert_item(request, clock_->now()); });
}

Status EngineImpl::remove_item(const WriteOptions& options, ItemId item, bool force) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  if (item == ItemId{}) return Status::invalid_argument("item", "is required");
  Fingerprint f("remove_item");
  f.add(static_cast<std::uint64_t>(item)).add(force);
  return once_status(options, f, [&] { return catalog_.remove_item(item, force); });
}

Result<ItemId> EngineImpl::find_item(const ReadOptions&, std::string_view product_id,
                                     std::string_view location_id) const {
  return catalog_.find_item(product_id, location_id);
}

Result<ItemInfo> EngineImpl::get_item(const ReadOptions&, ItemId item) const {
  return catalog_.get_item(item);
}

Result<Page<ItemInfo>> EngineImpl::list_items(const ReadOptions&, const ItemFilter& filter,
                                              const PageRequest& page) const {
  return catalog_.list_items(filter, page);
}

// ---- Stock ----

Result<StockLevel> EngineImpl::get(const ReadOptions&, ItemId item) const {
  return core_.get(item);
}

Result<StockLevel> EngineImpl::adjust(const WriteOptions& options, const AdjustRequest& request) {
  core_.items().prefetch(request.item);  // As in reserve().
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::adjust(request, options_.limits));
  auto apply = [&] {
    return core_.adjust(request.item, request.delta.value(), request.force, now_ms());
  };
  if (options.idempotency_key.empty()) return apply();
  Fingerprint f("adjust");
  f.add(static_cast<std::uint64_t>(request.item)).add(request.delta.value()).add(request.force);
  f.add(request.reason).add(request.reference);
  return once<StockLevel>(options, f, apply);
}

Result<StockLevel> EngineImpl::set_on_hand(const WriteOptions& options,
                                           const SetOnHandRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::set_on_hand(request, options_.limits));
  Fingerprint f("set_on_hand");
  f.add(static_cast<std::uint64_t>(request.item)).add(request.on_hand.value()).add(request.force);
  f.add(request.reason).add(request.reference);
  add_version(f, request.expected_version);
  return once<StockLevel>(options, f, [&] {
    return core_.set_on_hand(request.item, request.on_hand.value(), request.expected_version,
                             request.force, now_ms());
  });
}

Result<StockLevel> EngineImpl::set_policy(const WriteOptions& options,
                                          const SetPolicyRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::set_policy(request));
  Fingerprint f("set_policy");
  f.add(static_cast<std::uint64_t>(request.item));
  add_policy(f, request.policy);
  add_version(f, request.expected_version);
  return once<StockLevel>(options, f, [&] {
    return core_.set_policy(request.item, request.policy, request.expected_version, now_ms());
  });
}

Result<ReservationId> EngineImpl::reserve(const WriteOptions& options,
                                          const ReserveRequest& request) {
  // The item's slot is most likely not in cache (a spread catalog): start the miss now so it
  // overlaps validation, the clock read and taking a reservation record.
  core_.items().prefetch(request.item);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reserve(request, options_.limits));
  auto apply = [&] {
    const std::int64_t now = now_ms();
    return core_.reserve(request.item, request.quantity.value(), expires_ms(now, request.ttl),
                         request.reference, now);
  };
  if (options.idempotency_key.empty()) return apply();
  Fingerprint f("reserve");
  const ReserveLine line{request.item, request.quantity};
  add_lines(f, std::span<const ReserveLine>(&line, 1));
  f.add(static_cast<std::int64_t>(request.ttl.count())).add(request.reference);
  return once<ReservationId>(options, f, apply);
}

Result<ReservationId> EngineImpl::reserve(const WriteOptions& options,
                                          const ReserveLinesRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(
      validate::reserve_lines(request.lines, request.ttl, request.reference, options_.limits));
  Fingerprint f("reserve");
  add_lines(f, request.lines);
  f.add(static_cast<std::int64_t>(request.ttl.count())).add(request.reference);
  return once<ReservationId>(options, f, [&] {
    const std::int64_t now = now_ms();
    return core_.reserve_lines(request.lines, expires_ms(now, request.ttl), request.reference, now);
  });
}

Status EngineImpl::confirm(const WriteOptions& options, const ConfirmRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::confirm(request, options_.limits));
  auto apply = [&] { return core_.confirm(request.reservation, request.quantities, now_ms()); };
  if (options.idempotency_key.empty()) return apply();
  Fingerprint f("confirm");
  f.add(static_cast<std::uint64_t>(request.reservation));
  add_lines(f, request.quantities);
  return once_status(options, f, apply);
}

Status EngineImpl::release(const WriteOptions& options, ReservationId reservation) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reservation_id(reservation));
  auto apply = [&] { return core_.release(reservation, now_ms()); };
  if (options.idempotency_key.empty()) return apply();
  Fingerprint f("release");
  f.add(static_cast<std::uint64_t>(reservation));
  return once_status(options, f, apply);
}

Result<Timestamp> EngineImpl::extend(const WriteOptions& options, ReservationId reservation,
                                     std::chrono::milliseconds ttl) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reservation_id(reservation));
  INVENTORY_RETURN_IF_ERROR(validate::ttl(ttl, options_.limits));
  Fingerprint f("extend");
  f.add(static_cast<std::uint64_t>(reservation)).add(static_cast<std::int64_t>(ttl.count()));
  return once<Timestamp>(options, f, [&] {
    const std::int64_t now = now_ms();
    return core_.extend(reservation, expires_ms(now, ttl), now);
  });
}

Result<ReservationInfo> EngineImpl::get_reservation(const ReadOptions&,
                                                    ReservationId reservation) const {
  return core_.get_reservation(reservation);
}

Result<TransferReceipt> EngineImpl::transfer(const WriteOptions& options,
                                             const TransferRequest& request) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::transfer(request, options_.limits));
  Fingerprint f("transfer");
  f.add(static_cast<std::uint64_t>(request.from)).add(static_cast<std::uint64_t>(request.to));
  f.add(request.quantity.value()).add(request.reason).add(request.reference);
  return once<TransferReceipt>(options, f, [&] {
    return core_.transfer(request.from, request.to, request.quantity.value(), now_ms());
  });
}

Result<BatchReceipt> EngineImpl::write(const WriteOptions& options, const WriteBatch& batch,
                                       BatchPolicy policy) {
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  const auto& ops = WriteBatchInternal::operations(batch);
  if (policy != BatchPolicy::all_or_nothing && policy != BatchPolicy::per_operation) {
    return Status::invalid_argument("policy", "is not a BatchPolicy value");
  }
  if (policy == BatchPolicy::all_or_nothing) {
    INVENTORY_RETURN_IF_ERROR(validate::batch(batch, options_.limits));
  } else if (ops.empty() || ops.size() > options_.limits.batch_operations_max) {
    // Per operation, a bad operation fails alone; only the batch's size fails the call.
    INVENTORY_RETURN_IF_ERROR(validate::batch(batch, options_.limits));
  }
  Fingerprint f("write");
  f.add(static_cast<std::uint64_t>(policy));
  for (const auto& op : ops) add_operation(f, op);
  return once<BatchReceipt>(options, f, [&]() -> Result<BatchReceipt> {
    const std::int64_t now = now_ms();
    std::vector<std::int64_t> expires(ops.size(), 0);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].kind == WriteBatch::Kind::reserve || ops[i].kind == WriteBatch::Kind::extend) {
        expires[i] = expires_ms(now, ops[i].ttl);
      }
    }
    if (policy == BatchPolicy::all_or_nothing) return core_.apply_all(ops, expires, now);
    BatchReceipt receipt;
    receipt.results.reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      Status invalid =
          validate::operation(ops[i], options_.limits, "operations[" + std::to_string(i) + "].");
      if (!invalid.ok()) {
        receipt.results.push_back(
            OperationResult{.status = invalid.with_index(static_cast<std::int32_t>(i))});
        continue;
      }
      receipt.results.push_back(core_.apply_one(ops[i], expires[i], now));
    }
    return receipt;
  });
}

std::size_t EngineImpl::expire_due() { return core_.expire_due(now_ms()); }

Status EngineImpl::check_invariants() const { return core_.check_invariants(); }

}  // namespace inventory
