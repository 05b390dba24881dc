// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Engine: the front door. Open one per data directory, keep it for the life of the process,
// and call it from as many threads as you like.
//
//   inventory::Options options;
//   options.durability = inventory::Durability::none;
//   auto engine = inventory::Engine::open(options, "").value();
//   engine->upsert_location({}, {.location = {.id = "wh-1", .name = "Main warehouse"}});
//   engine->upsert_product({}, {.product = {.id = "p-1", .sku = "MUG-RED", .name = "Red mug"}});
//   auto item = engine->upsert_item({}, {.product_id = "p-1", .location_id = "wh-1"})->level.item;
//   engine->adjust({}, {.item = item, .delta = inventory::Quantity{10}, .reason = "restock"});
//   auto hold = engine->reserve({}, {.item = item, .quantity = inventory::Quantity{2}});
//   if (hold.ok()) engine->confirm({}, *hold);
//
// Every mutation validates its input first: a bad request returns invalid_argument naming the
// field and changes nothing. Each method lists its errors in order of precedence, so exactly one
// answer is right for a given request and state.
//
// Durability: open with a path and every mutation is journaled (RocksDB) before it is
// acknowledged, per WriteOptions::durability (Options::durability by default); reopen recovers
// every acknowledged change. Without a path the engine lives in memory only (Durability::none).
// Each mutation blocks until acknowledged, or, with WriteOptions::on_durable, returns at once
// and reports acknowledgement through the callback. A failed journal write turns the engine
// read-only: mutations return io_error, reads keep working (and may show changes that were
// applied but never acknowledged).
//
// Thread safety: an Engine is safe for concurrent use from multiple threads without any external
// synchronization. Single-item reserve, release (of a one-line reservation), confirm and adjust
// are lock-free compare-and-swap loops that do not allocate. Multi-item operations (multi-line
// reserve, transfer, all_or_nothing batches, policy changes) take per-item lock bits in item
// order for a bounded, allocation-free and I/O-free critical section; a single-item operation
// that meets such a bit waits for it (spinning, then yielding). Catalog calls take a mutex that
// the stock calls never wait on.

#ifndef INVENTORY_ENGINE_H_
#define INVENTORY_ENGINE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/catalog.h"
#include "inventory/clock.h"
#include "inventory/events.h"
#include "inventory/export.h"
#include "inventory/metrics.h"
#include "inventory/observer.h"
#include "inventory/options.h"
#include "inventory/status.h"
#include "inventory/types.h"
#include "inventory/write_batch.h"

namespace inventory {

// What Engine::verify() found.
struct VerifyReport {
  std::uint64_t checkpoint_sequence = 0;  // 0: no checkpoint, the whole journal was replayed.
  std::uint64_t records_replayed = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t high_water_mark = 0;      // Highest sequence ever acknowledged after a sync.
  bool used_previous_checkpoint = false;  // The newest checkpoint was damaged.
  // The hash chain over the journal's groups (tamper evidence), as hex: the last group's.
  std::string chain_head;
  std::uint64_t items = 0;
  std::uint64_t reservations_active = 0;
};

class INVENTORY_EXPORT Engine {
 public:
  // Opens the engine on the data directory `path` (created if options.create_if_missing),
  // recovering its state: the newest checkpoint, then the journal after it. An empty path opens
  // an in-memory engine, which needs options.durability == Durability::none. Everything sized by
  // options.limits is reserved here; stock calls do not allocate afterwards.
  // Errors: invalid_argument (an option out of range, or a durability that needs a path, named),
  // already_exists (options.error_if_exists), not_found (no journal and !create_if_missing),
  // corruption (damaged journal: the message names the sequence where the damage is in a journal
  // record, else the file RocksDB found damaged; nothing was changed), io_error.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> open(const Options& options,
                                                            std::string_view path);

  // Checks a closed data directory without changing it: recovers it in memory and checks the
  // invariants. Errors: as open().
  [[nodiscard]] static Result<VerifyReport> verify(const Options& options, std::string_view path);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Stops the expiry thread. Not thread-safe with calls still running on other threads.
  virtual ~Engine();

  // ---- Catalog (control plane) ----

  // Creates or replaces a product. Errors: invalid_argument, not_found (replace_only),
  // already_exists (create_only, or the SKU belongs to another product), version_conflict,
  // limit_exceeded (limits.products_max).
  [[nodiscard]] virtual Result<Product> upsert_product(const WriteOptions& options,
                                                       const UpsertProductRequest& request) = 0;
  // Removes a product and its items. Errors: invalid_argument, not_found, failed_precondition
  // (an item still has on_hand or reserved units and force is false). With force, items are
  // dropped with their stock, and reservations keep their other lines.
  [[nodiscard]] virtual Status remove_product(const WriteOptions& options,
                                              std::string_view product_id, bool force) = 0;
  [[nodiscard]] virtual Result<Product> get_product(const ReadOptions& options,
                                                    std::string_view product_id) const = 0;
  [[nodiscard]] virtual Result<Product> find_product_by_sku(const ReadOptions& options,
                                                            std::string_view sku) const = 0;
  // Products ordered by id. Errors: invalid_argument (cursor or limit).
  [[nodiscard]] virtual Result<Page<Product>> list_products(const ReadOptions& options,
                                                            const PageRequest& page) const = 0;

  // As for products; a location's items are removed with it.
  [[nodiscard]] virtual Result<Location> upsert_location(const WriteOptions& options,
                                                         const UpsertLocationRequest& request) = 0;
  [[nodiscard]] virtual Status remove_location(const WriteOptions& options,
                                               std::string_view location_id, bool force) = 0;
  [[nodiscard]] virtual Result<Location> get_location(const ReadOptions& options,
                                                      std::string_view location_id) const = 0;
  [[nodiscard]] virtual Result<Page<Location>> list_locations(const ReadOptions& options,
                                                              const PageRequest& page) const = 0;

  // Creates the item (product at location) if needed and sets its policy. Errors:
  // invalid_argument, not_found (product or location), version_conflict, failed_precondition
  // (policy below the current state, see SetPolicyRequest), limit_exceeded (limits.items_max).
  [[nodiscard]] virtual Result<ItemInfo> upsert_item(const WriteOptions& options,
                                                     const UpsertItemRequest& request) = 0;
  // Errors: not_found, failed_precondition (stock or holds and force is false).
  [[nodiscard]] virtual Status remove_item(const WriteOptions& options, ItemId item,
                                           bool force) = 0;
  // Errors: not_found.
  [[nodiscard]] virtual Result<ItemId> find_item(const ReadOptions& options,
                                                 std::string_view product_id,
                                                 std::string_view location_id) const = 0;
  [[nodiscard]] virtual Result<ItemInfo> get_item(const ReadOptions& options,
                                                  ItemId item) const = 0;
  // Items ordered by ItemId, filtered. Errors: invalid_argument.
  [[nodiscard]] virtual Result<Page<ItemInfo>> list_items(const ReadOptions& options,
                                                          const ItemFilter& filter,
                                                          const PageRequest& page) const = 0;

  // ---- Stock (data plane) ----

  // A consistent snapshot of one item. Errors: not_found. Lock-free. Does not allocate.
  [[nodiscard]] virtual Result<StockLevel> get(const ReadOptions& options, ItemId item) const = 0;

  // Errors: invalid_argument, not_found, insufficient_stock (on_hand would fall below
  // reserved - backorder_limit and force is false), limit_exceeded (result beyond
  // kQuantityMax). Lock-free. Does not allocate (without an idempotency key).
  [[nodiscard]] virtual Result<StockLevel> adjust(const WriteOptions& options,
                                                  const AdjustRequest& request) = 0;
  // Errors: invalid_argument, not_found, version_conflict, insufficient_stock (as adjust).
  [[nodiscard]] virtual Result<StockLevel> set_on_hand(const WriteOptions& options,
                                                       const SetOnHandRequest& request) = 0;
  // Errors: invalid_argument, not_found, version_conflict, failed_precondition.
  [[nodiscard]] virtual Result<StockLevel> set_policy(const WriteOptions& options,
                                                      const SetPolicyRequest& request) = 0;

  // Holds request.quantity of request.item until confirmed, released or expired.
  // Errors: invalid_argument, not_found, limit_exceeded (limits.reservations_max),
  // insufficient_stock. Lock-free. Does not allocate (without an idempotency key).
  [[nodiscard]] virtual Result<ReservationId> reserve(const WriteOptions& options,
                                                      const ReserveRequest& request) = 0;
  // Holds every line or none. insufficient_stock names the short lines in its message, and its
  // index() is the first short line.
  [[nodiscard]] virtual Result<ReservationId> reserve(const WriteOptions& options,
                                                      const ReserveLinesRequest& request) = 0;
  // Errors: invalid_argument, not_found (unknown id), reservation_not_active (the message says
  // confirmed, released or expired; a reservation past its expiry is expired by this call).
  [[nodiscard]] virtual Status confirm(const WriteOptions& options,
                                       const ConfirmRequest& request) = 0;
  [[nodiscard]] Status confirm(const WriteOptions& options, ReservationId reservation) {
    return confirm(options, ConfirmRequest{reservation, {}});
  }
  // Errors: invalid_argument, not_found, reservation_not_active.
  [[nodiscard]] virtual Status release(const WriteOptions& options, ReservationId reservation) = 0;
  // Moves the expiry to now + ttl (0: limits.ttl_default) and returns it.
  // Errors: invalid_argument, not_found, reservation_not_active.
  [[nodiscard]] virtual Result<Timestamp> extend(const WriteOptions& options,
                                                 ReservationId reservation,
                                                 std::chrono::milliseconds ttl) = 0;
  // The reservation while its record is kept: active ones always; finished ones until the
  // record is reused. Errors: not_found.
  [[nodiscard]] virtual Result<ReservationInfo> get_reservation(
      const ReadOptions& options, ReservationId reservation) const = 0;

  // Errors: invalid_argument (including items of different products), not_found,
  // insufficient_stock (from would fall below reserved - backorder_limit), limit_exceeded.
  [[nodiscard]] virtual Result<TransferReceipt> transfer(const WriteOptions& options,
                                                         const TransferRequest& request) = 0;

  // Applies a batch (see write_batch.h). Errors (all_or_nothing): the first failing operation's
  // Status with index() set; limit_exceeded (limits.batch_operations_max); invalid_argument
  // (empty batch). With per_operation the call succeeds and each result carries its Status.
  [[nodiscard]] virtual Result<BatchReceipt> write(
      const WriteOptions& options, const WriteBatch& batch,
      BatchPolicy policy = BatchPolicy::all_or_nothing) = 0;

  // Expires every reservation whose expiry is at or before the clock's now; returns how many.
  // The expiry thread (Options::expiry_interval) calls this; hosts without it call it
  // themselves.
  virtual std::size_t expire_due() = 0;

  // Checks the invariants of every item against the reservations: reserved equals the sum of
  // active holds, available >= -backorder_limit (unless a forced change made it lower). Only
  // meaningful when no mutation is running. Errors: corruption, naming the first bad item.
  [[nodiscard]] virtual Status check_invariants() const = 0;

  // The clock the engine reads.
  virtual const Clock& clock() const noexcept = 0;

  // Makes everything applied so far durable (also changes made with buffered or none).
  // Errors: io_error. Without a journal: ok at once.
  [[nodiscard]] virtual Status sync() = 0;
  // Takes a checkpoint now, bounding the next recovery. Errors: io_error.
  [[nodiscard]] virtual Status checkpoint() = 0;

  // ---- Change feed, audit and metrics ----

  // Starts delivering events to `observer` on its own dispatcher thread (see observer.h).
  // Errors: invalid_argument (named), already_exists (the cursor name is in use by a live
  // subscription), not_supported (an engine without a data directory has no feed).
  [[nodiscard]] virtual Result<std::unique_ptr<Subscription>> subscribe(
      std::shared_ptr<Observer> observer, const SubscribeOptions& options = {}) = 0;
  // Forgets the durable cursor `name` (SubscribeOptions::cursor) of a consumer that is gone
  // for good, so that it no longer holds the journal's retained log (a stored cursor keeps up
  // to Options::feed_retention_events behind the head). A later subscribe with the name starts
  // afresh. Cancel the subscription first. The delete is synced (it survives a power loss);
  // it waits for cursor stores in progress, which themselves may wait for a journal write.
  // Errors: invalid_argument (cursor), not_found (no such stored cursor), failed_precondition
  // (a live subscription uses it), not_supported (no data directory), io_error.
  [[nodiscard]] virtual Status drop_cursor(std::string_view name) = 0;
  // The polling form of the feed: up to `limit` durable events with sequence > after that match
  // `filter`. Scans at most 100 x limit events per call (next_after says how far it got).
  // Errors: invalid_argument (limit: 1..limits.page_size_max), not_supported (no data
  // directory), corruption, io_error.
  [[nodiscard]] virtual Result<ChangesPage> changes_since(std::uint64_t after, std::uint32_t limit,
                                                          const EventFilter& filter = {}) = 0;
  // An item's audit trail (who, why, when) within the retained journal
  // (Options::history_retention_events), oldest first. Scans the journal from request.after.
  // Errors: invalid_argument (limit, range), not_supported, corruption, io_error.
  [[nodiscard]] virtual Result<std::vector<Event>> history(const HistoryRequest& request) = 0;
  // Why available is what it is: on hand, each active hold (expiry, reference) and the
  // policy. Reads every reservation slot: O(limits.reservations_max). Errors: not_found.
  [[nodiscard]] virtual Result<Explanation> explain(ItemId item) const = 0;
  // Counters and latency histograms; render with to_prometheus(). Cheap to call.
  virtual Metrics metrics() const = 0;

 protected:
  Engine() = default;
};

}  // namespace inventory

#endif  // INVENTORY_ENGINE_H_
