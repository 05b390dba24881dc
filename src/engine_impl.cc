// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "engine_impl.h"

#include <optional>
#include <utility>
#include <vector>

#if INVENTORY_WITH_ROCKSDB  // Else journal.h's declaration suffices (the firmware profile).
#include <rocksdb/file_system.h>
#endif

#include "util/sha256.h"
#include "validate.h"
#include "write_batch_internal.h"

namespace inventory {

namespace {

using journal::Operation;

const Status kNoJournal = Status::from_static(
    StatusCode::not_supported,
    "this engine has no journal (it was opened without a path): only Durability::none",
    "durability");
const Status kNoFeed = Status::from_static(
    StatusCode::not_supported,
    "this engine has no journal (it was opened without a path), so it has no change feed", "path");

// Metric labels: operations by journal::Operation value, outcomes by StatusCode value.
constexpr std::string_view kOperationNamesArray[] = {
    "unknown",     "adjust",         "set_on_hand",    "set_policy",      "reserve",
    "confirm",     "release",        "extend",         "expire",          "transfer",
    "batch",       "product_upsert", "product_remove", "location_upsert", "location_remove",
    "item_upsert", "item_remove"};
constexpr std::span<const std::string_view> kOperationNames(kOperationNamesArray);
constexpr std::string_view kOutcomeNamesArray[] = {"ok",
                                                   "invalid_argument",
                                                   "not_found",
                                                   "already_exists",
                                                   "insufficient_stock",
                                                   "version_conflict",
                                                   "reservation_not_active",
                                                   "idempotency_mismatch",
                                                   "limit_exceeded",
                                                   "not_supported",
                                                   "busy",
                                                   "io_error",
                                                   "corruption",
                                                   "failed_precondition"};
constexpr std::span<const std::string_view> kOutcomeNames(kOutcomeNamesArray);

// Each thread's scratch Changes, reused so that journaling does not allocate per call.
thread_local core::Changes t_changes;
// The session of the mutation running on this thread (per-operation batches append several
// records in it).
thread_local journal::Journal::Session* t_session = nullptr;
// One operation's changes in a per_operation batch, before they join the batch's pending ones.
thread_local core::Changes t_operation_changes;

// Keeps the completion form's promise (on_durable is called exactly once) for calls refused
// before mutate() takes the callback over: an invalid request has nothing to wait for.
thread_local bool t_completion_taken = false;
class CompletionGuard {
 public:
  explicit CompletionGuard(const WriteOptions& options) : callback_(options.on_durable) {
    t_completion_taken = false;
  }
  CompletionGuard(const CompletionGuard&) = delete;
  CompletionGuard& operator=(const CompletionGuard&) = delete;
  ~CompletionGuard() {
    if (callback_ != nullptr && !t_completion_taken) callback_->on_durable(Status());
  }

 private:
  WriteCallback* callback_;
};

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

// Results that mean nothing was applied are not stored: a retry must run again.
bool storable(StatusCode code) { return code != StatusCode::busy && code != StatusCode::io_error; }

template <typename T>
std::shared_ptr<StoredResult> store(const Result<T>& result) {
  auto stored = std::make_shared<StoredResult>();
  stored->status = result.status();
  if constexpr (!std::is_same_v<T, std::monostate>) {
    if (result.ok()) stored->value = *result;
  }
  return stored;
}

// For the completion form with an idempotency key: stores the result once the change is
// acknowledged (or drops the key if it never will be), then tells the caller.
class IdempotentCompletion final : public WriteCallback {
 public:
  IdempotentCompletion(IdempotencyTable& table, std::string key,
                       std::shared_ptr<const StoredResult> result, const Clock& clock,
                       WriteCallback* caller)
      : table_(table),
        key_(std::move(key)),
        result_(std::move(result)),
        clock_(clock),
        caller_(caller) {}

  void on_durable(const Status& status) noexcept override {
    if (status.ok() && result_ != nullptr) {
      table_.finish(key_, result_, clock_.now().time_since_epoch().count());
    } else {
      table_.abandon(key_);
    }
    if (caller_ != nullptr) caller_->on_durable(status);
    delete this;
  }

 private:
  IdempotencyTable& table_;
  std::string key_;
  std::shared_ptr<const StoredResult> result_;
  const Clock& clock_;
  WriteCallback* caller_;
};

}  // namespace

// ---- Opening ----

namespace detail {

// Opens an engine whose journal goes through `file_system` (tests inject faults this way).
Result<std::unique_ptr<Engine>> open_engine(const Options& options, std::string_view path,
                                            std::shared_ptr<rocksdb::FileSystem> file_system);
Result<VerifyReport> verify_engine(const Options& options, std::string_view path,
                                   std::shared_ptr<rocksdb::FileSystem> file_system);

namespace {
journal::JournalOptions journal_options(const Options& options, std::string_view path,
                                        std::shared_ptr<rocksdb::FileSystem> file_system) {
  journal::JournalOptions j;
  j.path = std::string(path);
  j.create_if_missing = options.create_if_missing;
  j.error_if_exists = options.error_if_exists;
  j.flush_interval = options.flush_interval;
  j.checkpoint_records = options.checkpoint_records;
  j.checkpoint_interval = options.checkpoint_interval;
  j.items_max = options.limits.items_max;
  j.reservations_max = options.limits.reservations_max;
  j.lines_max = options.limits.reservation_lines_max;
  j.file_system = std::move(file_system);
  return j;
}
}  // namespace

Result<std::unique_ptr<Engine>> open_engine(const Options& options, std::string_view path,
                                            std::shared_ptr<rocksdb::FileSystem> file_system) {
  INVENTORY_RETURN_IF_ERROR(validate::options(options));
  if (path.empty() && options.durability != Durability::none) {
    return Status::invalid_argument(
        "path",
        "Durability::sync and ::buffered need a data directory: pass a path, or open "
        "in memory with Durability::none");
  }
  std::unique_ptr<EngineImpl> engine;
  try {
    engine = std::make_unique<EngineImpl>(options);
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::limit_exceeded,
                  "not enough memory for the tables sized by Options::limits", "limits");
  }
  if (!path.empty()) {
    journal::JournalOptions j = journal_options(options, path, std::move(file_system));
    INVENTORY_RETURN_IF_ERROR(engine->open_journal(path, std::move(j)));
  }
  engine->start();
  return std::unique_ptr<Engine>(std::move(engine));
}

Result<VerifyReport> verify_engine(const Options& options, std::string_view path,
                                   std::shared_ptr<rocksdb::FileSystem> file_system) {
  INVENTORY_RETURN_IF_ERROR(validate::options(options));
  if (path.empty()) return Status::invalid_argument("path", "is required");
  EngineImpl scratch(options);
  journal::JournalOptions j = journal_options(options, path, std::move(file_system));
  j.read_only = true;
  journal::RecoveryStats stats;
  INVENTORY_RETURN_IF_ERROR(scratch.verify_journal(j, &stats));
  VerifyReport report;
  report.checkpoint_sequence = stats.checkpoint_sequence;
  report.records_replayed = stats.records_replayed;
  report.last_sequence = stats.last_sequence;
  report.high_water_mark = stats.high_water_mark;
  report.used_previous_checkpoint = stats.used_previous_checkpoint;
  report.chain_head = sha256::to_hex(stats.chain_head);
  report.items = scratch.live_items();
  report.reservations_active = scratch.active_reservations();
  return report;
}

}  // namespace detail

Result<std::unique_ptr<Engine>> Engine::open(const Options& options, std::string_view path) {
  return detail::open_engine(options, path, nullptr);
}

Result<VerifyReport> Engine::verify(const Options& options, std::string_view path) {
  return detail::verify_engine(options, path, nullptr);
}

Engine::~Engine() = default;

EngineImpl::EngineImpl(const Options& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : system_clock()),
      core_(options.limits),
      catalog_(options.limits, core_),
      idempotency_(options.limits.idempotency_keys_max, options.limits.idempotency_window),
      state_(options_.limits, *clock_, core_, catalog_, idempotency_),
      operations_(kOperationNames, kOutcomeNames) {}

EngineImpl::~EngineImpl() {
  {
    std::lock_guard lock(expiry_mutex_);
    stopping_ = true;
  }
  expiry_wake_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  if (feed_ != nullptr) feed_->stop();  // No callback runs from here on.
  journal_.reset();  // Writes what is left, takes a final checkpoint, closes RocksDB.
  feed_for_journal_.store(nullptr);
}

Status EngineImpl::open_journal(std::string_view path, journal::JournalOptions options) {
  (void)path;
  options.on_background_error = [this](const Status& status) { report_background_error(status); };
  options.retention_floor = [this]() -> std::uint64_t {
    feed::Feed* feed = feed_for_journal_.load(std::memory_order_acquire);
    return feed != nullptr ? feed->retention_floor() : 0;
  };
  options.on_durable_group = [this](std::shared_ptr<journal::DurableGroup> group) {
    feed::Feed* feed = feed_for_journal_.load(std::memory_order_acquire);
    if (feed != nullptr) feed->publish(std::move(group));
  };
  options.on_sync_latency = [this](std::chrono::nanoseconds d) { sync_latency_.record(d); };
  Result<std::unique_ptr<journal::Journal>> opened =
      journal::Journal::open(options, &state_, &recovery_);
  if (!opened.ok()) return opened.status();
  journal_ = std::move(opened).value();
  feed::FeedOptions feed_options;
  feed_options.buffer_events = options_.feed_buffer_events;
  feed_options.cursor_retention = options_.feed_retention_events;
  feed_options.history_retention = options_.history_retention_events;
  feed_ = std::make_unique<feed::Feed>(
      journal_.get(),
      [this](ItemId item, std::string* product_id, std::string* location_id) {
        catalog_.item_ids(item, product_id, location_id);
      },
      feed_options);
  feed_for_journal_.store(feed_.get(), std::memory_order_release);
  return Status();
}

Status EngineImpl::verify_journal(const journal::JournalOptions& options,
                                  journal::RecoveryStats* stats) {
  return journal::verify(options, &state_, stats);
}

void EngineImpl::start() {
  if (options_.expiry_interval.count() > 0) {
    expiry_thread_ = std::thread([this] { expiry_loop(); });
  }
}

std::uint64_t EngineImpl::active_reservations() const {
  std::uint64_t n = 0;
  const core::ReservationTable& table = core_.reservations();
  for (std::uint32_t i = 0; i < table.capacity(); ++i) {
    n += core::ResWord::decode(table.word(i).load()).state == core::ResStatus::active;
  }
  return n;
}

void EngineImpl::report_background_error(const Status& status) {
  for (const auto& observer : options_.observers) {
    if (observer != nullptr) observer->on_background_error(status);
  }
}

void EngineImpl::expiry_loop() {
  std::unique_lock lock(expiry_mutex_);
  while (!stopping_) {
    expiry_wake_.wait_for(lock, options_.expiry_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    expire_due();
    lock.lock();
  }
}

// ---- The mutation path ----

Status EngineImpl::check_write(const WriteOptions& options) const {
  // The common call passes no options at all: answer it without the general checks.
  if (options.idempotency_key.empty() && options.actor.empty() && options.request_id.empty() &&
      !options.durability.has_value()) {
    return Status();
  }
  INVENTORY_RETURN_IF_ERROR(validate::write_options(options, options_.limits));
  if (journal_ == nullptr && options.durability.value_or(Durability::none) != Durability::none) {
    return kNoJournal;
  }
  return Status();
}

journal::Ticket EngineImpl::append(journal::Journal::Session& session, const WriteOptions& options,
                                   const Audit& audit, const core::Changes& changes,
                                   const journal::IdempotencyEntry* idempotency,
                                   WriteCallback* completion,
                                   std::span<const journal::Rejection> rejections) {
  const std::int64_t now = now_ms();
  journal::Audit record{
      .operation = audit.operation,
      .recorded_ms = now,
      .occurred_ms = options.occurred_at ? options.occurred_at->time_since_epoch().count() : now,
      .reason = audit.reason,
      .reference = audit.reference,
      .actor = options.actor,
      .request_id = options.request_id,
      .unusual_limit = options_.unusual_adjustment,
      .rejections = rejections};
  return session.append(record, changes, idempotency, sync_durability(options), completion);
}

template <typename T, typename Apply>
Result<T> EngineImpl::mutate(const WriteOptions& options, const Audit& audit,
                             const Fingerprint& fingerprint, Apply&& apply) {
  t_completion_taken = true;
  const bool keyed = !options.idempotency_key.empty();
  auto nothing_to_wait_for = [&] {
    if (options.on_durable != nullptr) options.on_durable->on_durable(Status());
  };
  if (journal_ != nullptr && journal_->failed()) {
    const Status failure = journal_->health();
    if (options.on_durable != nullptr) options.on_durable->on_durable(failure);
    return failure;
  }
  if (keyed) {
    std::shared_ptr<const StoredResult> stored;
    switch (idempotency_.begin(options.idempotency_key, fingerprint.value(), now_ms(), &stored)) {
      case IdempotencyTable::Outcome::replay:
        nothing_to_wait_for();
        if (!stored->status.ok()) return stored->status;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return std::monostate{};
        } else {
          return std::get<T>(stored->value);
        }
      case IdempotencyTable::Outcome::mismatch:
        nothing_to_wait_for();
        return Status::from_static(StatusCode::idempotency_mismatch,
                                   "the idempotency key was used with a different request",
                                   "idempotency_key");
      case IdempotencyTable::Outcome::in_flight:
        nothing_to_wait_for();
        return Status::from_static(StatusCode::busy,
                                   "a request with this idempotency key is still running; retry",
                                   "idempotency_key");
      case IdempotencyTable::Outcome::full:
        nothing_to_wait_for();
        return Status::from_static(StatusCode::limit_exceeded,
                                   "limits.idempotency_keys_max reached", "idempotency_key");
      case IdempotencyTable::Outcome::fresh:
        break;
    }
  }

  if (journal_ == nullptr) {
    Result<T> result = apply(static_cast<core::Changes*>(nullptr));
    count(audit, result.status(), nullptr);
    if (keyed) {
      if (storable(result.status().code())) {
        idempotency_.finish(options.idempotency_key, store(result), now_ms());
      } else {
        idempotency_.abandon(options.idempotency_key);
      }
    }
    nothing_to_wait_for();
    return result;
  }

  std::optional<Result<T>> result;
  std::shared_ptr<StoredResult> stored;
  journal::Ticket ticket;
  {
    journal::Journal::Session session(*journal_);
    core::Changes& changes = t_changes;
    changes.clear();
    t_session = &session;
    result.emplace(apply(&changes));
    t_session = nullptr;
    journal::Rejection rejection;
    count(audit, result->status(), &rejection);
    const bool refused = rejection.quantity != 0;
    std::optional<journal::IdempotencyEntry> entry;
    if (keyed && storable(result->status().code())) {
      stored = store(*result);
      entry.emplace(journal::IdempotencyEntry{
          std::string(options.idempotency_key), fingerprint.value(),
          now_ms() + options_.limits.idempotency_window.count(), *stored});
    }
    WriteCallback* completion = options.on_durable;
    if (keyed && completion != nullptr) {
      completion = new IdempotentCompletion(idempotency_, std::string(options.idempotency_key),
                                            stored, *clock_, options.on_durable);
    }
    ticket = append(session, options, audit, changes, entry ? &*entry : nullptr, completion,
                    refused ? std::span<const journal::Rejection>(&rejection, 1)
                            : std::span<const journal::Rejection>());
    // A refusal is journaled for the feed; the caller need not wait for it (a keyed one waits:
    // its stored answer must survive a restart).
    if (refused && !keyed && changes.empty()) ticket = journal::Ticket{};
  }
  if (options.on_durable != nullptr) return std::move(*result);
  const Status durable = journal_->wait(ticket);
  if (!durable.ok()) {
    if (keyed) idempotency_.abandon(options.idempotency_key);
    return durable;  // Not acknowledged: the change may or may not survive a restart.
  }
  if (keyed) {
    if (stored != nullptr) {
      idempotency_.finish(options.idempotency_key, stored, now_ms());
    } else {
      idempotency_.abandon(options.idempotency_key);
    }
  }
  return std::move(*result);
}

template <typename Apply>
Status EngineImpl::mutate_status(const WriteOptions& options, const Audit& audit,
                                 const Fingerprint& fingerprint, Apply&& apply) {
  Result<std::monostate> result =
      mutate<std::monostate>(options, audit, fingerprint, [&](core::Changes* changes) {
        Status status = apply(changes);
        return status.ok() ? Result<std::monostate>(std::monostate{})
                           : Result<std::monostate>(std::move(status));
      });
  return result.ok() ? Status() : result.status();
}

// ---- Catalog ----

Result<Product> EngineImpl::upsert_product(const WriteOptions& options,
                                           const UpsertProductRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::product(request.product, options_.limits));
  const Product& p = request.product;
  Fingerprint f("upsert_product");
  f.add(p.id).add(p.sku).add(p.name).add(p.description).add(p.price.amount_minor);
  f.add(p.price.currency).add(static_cast<std::uint64_t>(request.mode));
  add_attributes(f, p.attributes);
  add_version(f, request.expected_version);
  return mutate<Product>(options, {Operation::product_upsert, {}, {}}, f,
                         [&](core::Changes* changes) {
                           return catalog_.upsert_product(request, clock_->now(), changes);
                         });
}

Status EngineImpl::remove_product(const WriteOptions& options, std::string_view product_id,
                                  bool force) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("product_id", product_id, options_.limits));
  Fingerprint f("remove_product");
  f.add(product_id).add(force);
  return mutate_status(
      options, {Operation::product_remove, {}, {}}, f,
      [&](core::Changes* changes) { return catalog_.remove_product(product_id, force, changes); });
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
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::location(request.location, options_.limits));
  const Location& l = request.location;
  Fingerprint f("upsert_location");
  f.add(l.id).add(l.name).add(static_cast<std::uint64_t>(l.type));
  f.add(static_cast<std::uint64_t>(request.mode));
  add_attributes(f, l.attributes);
  add_version(f, request.expected_version);
  return mutate<Location>(options, {Operation::location_upsert, {}, {}}, f,
                          [&](core::Changes* changes) {
                            return catalog_.upsert_location(request, clock_->now(), changes);
                          });
}

Status EngineImpl::remove_location(const WriteOptions& options, std::string_view location_id,
                                   bool force) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("location_id", location_id, options_.limits));
  Fingerprint f("remove_location");
  f.add(location_id).add(force);
  return mutate_status(options, {Operation::location_remove, {}, {}}, f,
                       [&](core::Changes* changes) {
                         return catalog_.remove_location(location_id, force, changes);
                       });
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
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::id("product_id", request.product_id, options_.limits));
  INVENTORY_RETURN_IF_ERROR(validate::id("location_id", request.location_id, options_.limits));
  INVENTORY_RETURN_IF_ERROR(validate::policy("policy.", request.policy));
  Fingerprint f("upsert_item");
  f.add(request.product_id).add(request.location_id);
  add_policy(f, request.policy);
  // Only when set: an item upsert keyed before `mode` existed replays after an upgrade.
  if (request.mode != UpsertMode::create_or_replace)
    f.add(static_cast<std::uint64_t>(request.mode));
  add_version(f, request.expected_version);
  return mutate<ItemInfo>(options, {Operation::item_upsert, {}, {}}, f,
                          [&](core::Changes* changes) {
                            return catalog_.upsert_item(request, clock_->now(), changes);
                          });
}

Status EngineImpl::remove_item(const WriteOptions& options, ItemId item, bool force) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  if (item == ItemId{}) return Status::invalid_argument("item", "is required");
  Fingerprint f("remove_item");
  f.add(static_cast<std::uint64_t>(item)).add(force);
  return mutate_status(options, {Operation::item_remove, {}, {}}, f, [&](core::Changes* changes) {
    return catalog_.remove_item(item, force, changes);
  });
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
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::adjust(request, options_.limits));
  Fingerprint f("adjust");
  if (!options.idempotency_key.empty()) {
    f.add(static_cast<std::uint64_t>(request.item)).add(request.delta.value()).add(request.force);
    f.add(request.reason).add(request.reference);
  }
  return mutate<StockLevel>(options, {Operation::adjust, request.reason, request.reference}, f,
                            [&](core::Changes* changes) {
                              return core_.adjust(request.item, request.delta.value(),
                                                  request.force, now_ms(), changes);
                            });
}

Result<StockLevel> EngineImpl::set_on_hand(const WriteOptions& options,
                                           const SetOnHandRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::set_on_hand(request, options_.limits));
  Fingerprint f("set_on_hand");
  f.add(static_cast<std::uint64_t>(request.item)).add(request.on_hand.value()).add(request.force);
  f.add(request.reason).add(request.reference);
  add_version(f, request.expected_version);
  return mutate<StockLevel>(options, {Operation::set_on_hand, request.reason, request.reference}, f,
                            [&](core::Changes* changes) {
                              return core_.set_on_hand(request.item, request.on_hand.value(),
                                                       request.expected_version, request.force,
                                                       now_ms(), changes);
                            });
}

Result<StockLevel> EngineImpl::set_policy(const WriteOptions& options,
                                          const SetPolicyRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::set_policy(request));
  Fingerprint f("set_policy");
  f.add(static_cast<std::uint64_t>(request.item));
  add_policy(f, request.policy);
  add_version(f, request.expected_version);
  return mutate<StockLevel>(options, {Operation::set_policy, {}, {}}, f,
                            [&](core::Changes* changes) {
                              return core_.set_policy(request.item, request.policy,
                                                      request.expected_version, now_ms(), changes);
                            });
}

Result<ReservationId> EngineImpl::reserve(const WriteOptions& options,
                                          const ReserveRequest& request) {
  // The item's slot is most likely not in cache (a spread catalog): start the miss now so it
  // overlaps validation, the clock read and taking a reservation record.
  core_.items().prefetch(request.item);
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reserve(request, options_.limits));
  Fingerprint f("reserve");
  if (!options.idempotency_key.empty()) {
    const ReserveLine line{request.item, request.quantity};
    add_lines(f, std::span<const ReserveLine>(&line, 1));
    f.add(static_cast<std::int64_t>(request.ttl.count())).add(request.reference);
  }
  const ReserveLine line{request.item, request.quantity};
  return mutate<ReservationId>(
      options, {Operation::reserve, {}, request.reference, std::span<const ReserveLine>(&line, 1)},
      f, [&](core::Changes* changes) {
        const std::int64_t now = now_ms();
        return core_.reserve(request.item, request.quantity.value(), expires_ms(now, request.ttl),
                             request.reference, now, changes);
      });
}

Result<ReservationId> EngineImpl::reserve(const WriteOptions& options,
                                          const ReserveLinesRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(
      validate::reserve_lines(request.lines, request.ttl, request.reference, options_.limits));
  Fingerprint f("reserve");
  add_lines(f, request.lines);
  f.add(static_cast<std::int64_t>(request.ttl.count())).add(request.reference);
  return mutate<ReservationId>(options, {Operation::reserve, {}, request.reference, request.lines},
                               f, [&](core::Changes* changes) {
                                 const std::int64_t now = now_ms();
                                 return core_.reserve_lines(request.lines,
                                                            expires_ms(now, request.ttl),
                                                            request.reference, now, changes);
                               });
}

Status EngineImpl::confirm(const WriteOptions& options, const ConfirmRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::confirm(request, options_.limits));
  Fingerprint f("confirm");
  if (!options.idempotency_key.empty()) {
    f.add(static_cast<std::uint64_t>(request.reservation));
    add_lines(f, request.quantities);
  }
  return mutate_status(options, {Operation::confirm, {}, {}}, f, [&](core::Changes* changes) {
    return core_.confirm(request.reservation, request.quantities, now_ms(), changes);
  });
}

Status EngineImpl::release(const WriteOptions& options, ReservationId reservation) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reservation_id(reservation));
  Fingerprint f("release");
  if (!options.idempotency_key.empty()) f.add(static_cast<std::uint64_t>(reservation));
  return mutate_status(options, {Operation::release, {}, {}}, f, [&](core::Changes* changes) {
    return core_.release(reservation, now_ms(), changes);
  });
}

Result<Timestamp> EngineImpl::extend(const WriteOptions& options, ReservationId reservation,
                                     std::chrono::milliseconds ttl) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::reservation_id(reservation));
  INVENTORY_RETURN_IF_ERROR(validate::ttl(ttl, options_.limits));
  Fingerprint f("extend");
  f.add(static_cast<std::uint64_t>(reservation)).add(static_cast<std::int64_t>(ttl.count()));
  return mutate<Timestamp>(options, {Operation::extend, {}, {}}, f, [&](core::Changes* changes) {
    const std::int64_t now = now_ms();
    return core_.extend(reservation, expires_ms(now, ttl), now, changes);
  });
}

Result<ReservationInfo> EngineImpl::get_reservation(const ReadOptions&,
                                                    ReservationId reservation) const {
  return core_.get_reservation(reservation);
}

Result<TransferReceipt> EngineImpl::transfer(const WriteOptions& options,
                                             const TransferRequest& request) {
  const CompletionGuard completion_guard(options);
  INVENTORY_RETURN_IF_ERROR(check_write(options));
  INVENTORY_RETURN_IF_ERROR(validate::transfer(request, options_.limits));
  Fingerprint f("transfer");
  f.add(static_cast<std::uint64_t>(request.from)).add(static_cast<std::uint64_t>(request.to));
  f.add(request.quantity.value()).add(request.reason).add(request.reference);
  return mutate<TransferReceipt>(options, {Operation::transfer, request.reason, request.reference},
                                 f, [&](core::Changes* changes) {
                                   return core_.transfer(request.from, request.to,
                                                         request.quantity.value(), now_ms(),
                                                         changes);
                                 });
}

Result<BatchReceipt> EngineImpl::write(const WriteOptions& options, const WriteBatch& batch,
                                       BatchPolicy policy) {
  const CompletionGuard completion_guard(options);
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
  const std::int64_t now = now_ms();
  std::vector<std::int64_t> expires(ops.size(), 0);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == WriteBatch::Kind::reserve || ops[i].kind == WriteBatch::Kind::extend) {
      expires[i] = expires_ms(now, ops[i].ttl);
    }
  }
  // The record's reason and reference (the audit trail's "why"): the operations' own when they
  // agree, as in a bulk count with one reason; empty when they differ.
  std::string_view reason = ops.empty() ? std::string_view() : ops.front().reason;
  std::string_view reference = ops.empty() ? std::string_view() : ops.front().reference;
  for (const auto& op : ops) {
    if (op.reason != reason) reason = {};
    if (op.reference != reference) reference = {};
  }
  const Audit audit{Operation::batch, reason, reference};
  if (policy == BatchPolicy::all_or_nothing) {
    return mutate<BatchReceipt>(options, audit, f, [&](core::Changes* changes) {
      return core_.apply_all(ops, expires, now, changes);
    });
  }
  // Each operation is its own change, so each gets its own journal record (one record with
  // several independent changes of one item could not be ordered against other threads).
  return mutate<BatchReceipt>(
      options, audit, f, [&](core::Changes* changes) -> Result<BatchReceipt> {
        BatchReceipt receipt;
        receipt.results.reserve(ops.size());
        std::size_t previous = 0;  // The operation whose changes are pending.
        for (std::size_t i = 0; i < ops.size(); ++i) {
          Status invalid = validate::operation(ops[i], options_.limits,
                                               "operations[" + std::to_string(i) + "].");
          if (!invalid.ok()) {
            receipt.results.push_back(
                OperationResult{.status = invalid.with_index(static_cast<std::int32_t>(i))});
            continue;
          }
          if (changes == nullptr) {
            receipt.results.push_back(core_.apply_one(ops[i], expires[i], now, nullptr));
            continue;
          }
          // Each operation's changes are staged on their own. When one changes something,
          // the previous changing operation's are journaled as a record of their own; the last
          // changing operation's go with the batch's record (and its idempotent result), so
          // waiting for that record covers every operation, even when later ones fail.
          core::Changes& staged = t_operation_changes;
          staged.clear();
          receipt.results.push_back(core_.apply_one(ops[i], expires[i], now, &staged));
          if (staged.empty()) continue;
          if (!changes->empty()) per_operation_flush(options, *changes, ops[previous]);
          std::swap(*changes, staged);
          previous = i;
        }
        return receipt;
      });
}

void EngineImpl::per_operation_flush(const WriteOptions& options, core::Changes& changes,
                                     const WriteBatch::Operation& operation) {
  // Called inside mutate()'s session. The thread's tickets are acknowledged in order, so
  // waiting for the batch's last record covers this one too.
  INVENTORY_ASSERT(t_session != nullptr);
  (void)append(*t_session, options, {Operation::batch, operation.reason, operation.reference},
               changes, nullptr, nullptr);
  changes.clear();
}

std::size_t EngineImpl::expire_due() {
  const std::int64_t now = now_ms();
  if (journal_ == nullptr) return core_.expire_due(now);
  if (journal_->failed()) return 0;
  std::size_t expired = 0;
  const WriteOptions buffered{.durability = Durability::buffered};
  core::Changes& changes = t_changes;
  for (std::uint32_t index = 0; index < core_.reservations().capacity(); ++index) {
    if (!core_.due(index, now)) continue;
    // Each expiry is an operation of its own, applied and journaled in one session.
    journal::Journal::Session session(*journal_);
    changes.clear();
    if (core_.expire_one(index, now, &changes)) {
      ++expired;
      append(session, buffered, {Operation::expire, {}, {}}, changes, nullptr, nullptr);
    }
  }
  return expired;
}

Status EngineImpl::check_invariants() const { return core_.check_invariants(); }

Status EngineImpl::sync() { return journal_ != nullptr ? journal_->sync() : Status(); }

Status EngineImpl::checkpoint() { return journal_ != nullptr ? journal_->checkpoint() : Status(); }

// ---- Change feed, audit and metrics ----

void EngineImpl::count(const Audit& audit, const Status& status, journal::Rejection* rejection) {
  operations_.add(static_cast<std::size_t>(audit.operation),
                  static_cast<std::size_t>(status.code()));
  if (status.code() != StatusCode::insufficient_stock || audit.lines.empty()) return;
  oversell_rejected_.fetch_add(1, std::memory_order_relaxed);
  if (rejection == nullptr) return;
  const std::size_t line =
      status.index() >= 0 && static_cast<std::size_t>(status.index()) < audit.lines.size()
          ? static_cast<std::size_t>(status.index())
          : 0;
  const ReserveLine& short_line = audit.lines[line];
  Result<StockLevel> level = core_.get(short_line.item);
  if (!level.ok()) return;
  rejection->item = short_line.item;
  rejection->quantity = short_line.quantity.value();
  rejection->on_hand = level->on_hand.value();
  rejection->reserved = level->reserved.value();
  rejection->version = static_cast<std::uint64_t>(level->version);
}

Result<std::unique_ptr<Subscription>> EngineImpl::subscribe(std::shared_ptr<Observer> observer,
                                                            const SubscribeOptions& options) {
  if (feed_ == nullptr) return kNoFeed;
  return feed_->subscribe(std::move(observer), options);
}

Status EngineImpl::drop_cursor(std::string_view name) {
  if (feed_ == nullptr) return kNoFeed;
  return feed_->drop_cursor(name);
}

Result<ChangesPage> EngineImpl::changes_since(std::uint64_t after, std::uint32_t limit,
                                              const EventFilter& filter) {
  if (limit < 1 || limit > options_.limits.page_size_max) {
    return Status::invalid_argument("limit", "must be between 1 and limits.page_size_max");
  }
  if (feed_ == nullptr) return kNoFeed;
  ChangesPage page;
  page.head = feed_->head();
  if (after >= page.head) {
    page.next_after = after;
    return page;
  }
  std::uint64_t gap = 0;
  INVENTORY_RETURN_IF_ERROR(feed_->read(
      after, limit, 100ull * limit, [&](const Event& e) { return filter.matches(e); }, &page.events,
      &page.next_after, &gap));
  if (gap != 0) {
    page.trimmed_through = gap;
    page.next_after = gap;
  }
  return page;
}

Result<std::vector<Event>> EngineImpl::history(const HistoryRequest& request) {
  if (request.limit < 1 || request.limit > options_.limits.page_size_max) {
    return Status::invalid_argument("limit", "must be between 1 and limits.page_size_max");
  }
  if (request.until.has_value() && *request.until < request.after) {
    return Status::invalid_argument("until", "must not be below after");
  }
  if (feed_ == nullptr) return kNoFeed;
  std::vector<Event> events;
  const std::uint64_t until = request.until.value_or(feed_->head());
  const auto keep = [&](const Event& e) {
    return e.item == request.item && e.sequence <= until &&
           (!request.since.has_value() || e.recorded_at >= *request.since);
  };
  std::uint64_t after = request.after;
  while (after < until && events.size() < request.limit) {
    std::uint64_t next = after;
    std::uint64_t gap = 0;
    INVENTORY_RETURN_IF_ERROR(
        feed_->read(after, request.limit - events.size(), 1u << 20, keep, &events, &next, &gap));
    if (gap != 0) next = gap;
    if (next == after) break;
    after = next;
  }
  return events;
}

Result<Explanation> EngineImpl::explain(ItemId item) const {
  Result<StockLevel> level = core_.get(item);
  if (!level.ok()) return level.status();
  Explanation out;
  out.level = *level;
  const core::ReservationTable& table = core_.reservations();
  for (std::uint32_t i = 0; i < table.capacity(); ++i) {
    const core::ResWord word = core::ResWord::decode(table.word(i).load());
    if (word.state != core::ResStatus::active) continue;
    Result<ReservationInfo> info =
        core_.get_reservation(core::make_reservation_id(i, word.generation));
    if (!info.ok() || info->state != ReservationState::active) continue;
    for (const ReserveLine& line : info->lines) {
      if (line.item != item) continue;
      out.holds.push_back(
          Hold{info->id, line.quantity, info->reference, info->created_at, info->expires_at});
      out.held = out.held + line.quantity;
    }
  }
  std::sort(out.holds.begin(), out.holds.end(), [](const Hold& a, const Hold& b) {
    return a.created_at < b.created_at ||
           (a.created_at == b.created_at && a.reservation < b.reservation);
  });
  out.reservable = level->reservable();
  const StockLevel& l = *level;
  out.summary = "available " + std::to_string(l.available().value()) + " = on hand " +
                std::to_string(l.on_hand.value()) + " - reserved " +
                std::to_string(l.reserved.value()) + " (" + std::to_string(out.holds.size()) +
                " active holds of " + std::to_string(out.held.value()) + "); reservable " +
                std::to_string(out.reservable.value()) + " = available - safety stock " +
                std::to_string(l.policy.safety_stock) + " + backorder limit " +
                std::to_string(l.policy.backorder_limit);
  if (out.held != l.reserved) {
    out.summary += "; holds changed while this was read (reserved moved), ask again";
  }
  return out;
}

Metrics EngineImpl::metrics() const {
  Metrics m;
  operations_.snapshot(&m.operations);
  m.oversell_rejected = oversell_rejected_.load(std::memory_order_relaxed);
  m.journal_sync = sync_latency_.snapshot();
  if (journal_ != nullptr) {
    m.journal_sequence = journal_->last_sequence();
    m.durable_sequence = journal_->durable_sequence();
  }
  if (feed_ != nullptr) feed_->observer_metrics(&m.observers);
  return m;
}

}  // namespace inventory
