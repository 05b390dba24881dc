// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// EngineImpl composes the layers. Every mutation runs:
//   validate (validate.h) -> idempotency (idempotency.h) -> [journal session] apply to the core
//   or catalog, collecting its Changes -> append the record -> [session ends] -> wait for the
//   acknowledgement (or hand it to WriteOptions::on_durable) -> store the idempotent result.
// The journal session is what lets a checkpoint see a state that matches a journal prefix: a
// change is applied and appended inside one session, and checkpoints wait for sessions to end.
//
// Thread safety: safe for concurrent use, as Engine promises.

#ifndef INVENTORY_ENGINE_IMPL_H_
#define INVENTORY_ENGINE_IMPL_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "inventory/engine.h"

#include "catalog/catalog.h"
#include "core/stock_core.h"
#include "engine_state.h"
#include "feed/feed.h"
#include "idempotency.h"
#include "journal/journal.h"
#include "metrics/metrics.h"

namespace inventory {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const Options& options);
  ~EngineImpl() override;

  // Opens the journal at `path` and recovers into this engine. Called once, before start().
  Status open_journal(std::string_view path, journal::JournalOptions options);
  // Recovers a closed journal into this (scratch) engine without writing (Engine::verify).
  Status verify_journal(const journal::JournalOptions& options, journal::RecoveryStats* stats);
  // Starts the expiry thread (when Options::expiry_interval > 0).
  void start();

  Result<Product> upsert_product(const WriteOptions& options,
                                 const UpsertProductRequest& request) override;
  Status remove_product(const WriteOptions& options, std::string_view product_id,
                        bool force) override;
  Result<Product> get_product(const ReadOptions& options,
                              std::string_view product_id) const override;
  Result<Product> find_product_by_sku(const ReadOptions& options,
                                      std::string_view sku) const override;
  Result<Page<Product>> list_products(const ReadOptions& options,
                                      const PageRequest& page) const override;

  Result<Location> upsert_location(const WriteOptions& options,
                                   const UpsertLocationRequest& request) override;
  Status remove_location(const WriteOptions& options, std::string_view location_id,
                         bool force) override;
  Result<Location> get_location(const ReadOptions& options,
                                std::string_view location_id) const override;
  Result<Page<Location>> list_locations(const ReadOptions& options,
                                        const PageRequest& page) const override;

  Result<ItemInfo> upsert_item(const WriteOptions& options,
                               const UpsertItemRequest& request) override;
  Status remove_item(const WriteOptions& options, ItemId item, bool force) override;
  Result<ItemId> find_item(const ReadOptions& options, std::string_view product_id,
                           std::string_view location_id) const override;
  Result<ItemInfo> get_item(const ReadOptions& options, ItemId item) const override;
  Result<Page<ItemInfo>> list_items(const ReadOptions& options, const ItemFilter& filter,
                                    const PageRequest& page) const override;

  Result<StockLevel> get(const ReadOptions& options, ItemId item) const override;
  Result<StockLevel> adjust(const WriteOptions& options, const AdjustRequest& request) override;
  Result<StockLevel> set_on_hand(const WriteOptions& options,
                                 const SetOnHandRequest& request) override;
  Result<StockLevel> set_policy(const WriteOptions& options,
                                const SetPolicyRequest& request) override;
  Result<ReservationId> reserve(const WriteOptions& options,
                                const ReserveRequest& request) override;
  Result<ReservationId> reserve(const WriteOptions& options,
                                const ReserveLinesRequest& request) override;
  using Engine::confirm;
  Status confirm(const WriteOptions& options, const ConfirmRequest& request) override;
  Status release(const WriteOptions& options, ReservationId reservation) override;
  Result<Timestamp> extend(const WriteOptions& options, ReservationId reservation,
                           std::chrono::milliseconds ttl) override;
  Result<ReservationInfo> get_reservation(const ReadOptions& options,
                                          ReservationId reservation) const override;
  Result<TransferReceipt> transfer(const WriteOptions& options,
                                   const TransferRequest& request) override;
  Result<BatchReceipt> write(const WriteOptions& options, const WriteBatch& batch,
                             BatchPolicy policy) override;
  std::size_t expire_due() override;
  Status check_invariants() const override;
  const Clock& clock() const noexcept override { return *clock_; }
  Status sync() override;
  Status checkpoint() override;
  Status drop_cursor(std::string_view name) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::shared_ptr<Observer> observer,
                                                  const SubscribeOptions& options) override;
  Result<ChangesPage> changes_since(std::uint64_t after, std::uint32_t limit,
                                    const EventFilter& filter) override;
  Result<std::vector<Event>> history(const HistoryRequest& request) override;
  Result<Explanation> explain(ItemId item) const override;
  Metrics metrics() const override;

  // What recovery found (Engine::verify reports it).
  const journal::RecoveryStats& recovery_stats() const { return recovery_; }
  std::uint64_t live_items() const { return core_.items().live_count(); }
  std::uint64_t active_reservations() const;

 private:
  // What a mutation records for audit, besides the request itself.
  struct Audit {
    journal::Operation operation;
    std::string_view reason;
    std::string_view reference;
    // Reservations: the requested lines, to journal an oversell attempt that was refused.
    std::span<const ReserveLine> lines = {};
  };

  // Validation of the per-call options and the durability this engine can provide.
  Status check_write(const WriteOptions& options) const;
  std::int64_t now_ms() const noexcept { return clock_->now().time_since_epoch().count(); }
  std::int64_t expires_ms(std::int64_t now_ms, std::chrono::milliseconds ttl) const noexcept {
    return now_ms + (ttl.count() == 0 ? options_.limits.ttl_default : ttl).count();
  }
  bool sync_durability(const WriteOptions& options) const {
    return options.durability.value_or(options_.durability) == Durability::sync;
  }
  // Runs one mutation: `apply(core::Changes*)` returns Result<T> (Status when T is
  // std::monostate) and changes the state; see the file comment for the steps.
  template <typename T, typename Apply>
  Result<T> mutate(const WriteOptions& options, const Audit& audit, const Fingerprint& fingerprint,
                   Apply&& apply);
  template <typename Apply>
  Status mutate_status(const WriteOptions& options, const Audit& audit,
                       const Fingerprint& fingerprint, Apply&& apply);
  // Journals one operation's changes inside the current session; returns the ticket.
  journal::Ticket append(journal::Journal::Session& session, const WriteOptions& options,
                         const Audit& audit, const core::Changes& changes,
                         const journal::IdempotencyEntry* idempotency, WriteCallback* completion,
                         std::span<const journal::Rejection> rejections = {});
  // Counts one call's outcome (and a refused reservation); fills *rejection when the refusal
  // should be journaled.
  void count(const Audit& audit, const Status& status, journal::Rejection* rejection);
  // Per-operation batches: journals the previous operation's changes as a record of its own,
  // inside the session mutate() holds, and clears them.
  void per_operation_flush(const WriteOptions& options, core::Changes& changes,
                           const WriteBatch::Operation& operation);
  void expiry_loop();
  void report_background_error(const Status& status);

  const Options options_;
  const std::shared_ptr<Clock> clock_;
  core::StockCore core_;
  catalog::Catalog catalog_;
  IdempotencyTable idempotency_;
  EngineState state_;
  metrics::OperationCounters operations_;
  std::atomic<std::uint64_t> oversell_rejected_{0};
  metrics::LatencyRecorder sync_latency_;
  std::unique_ptr<feed::Feed> feed_;  // Null: in memory only.
  std::atomic<feed::Feed*> feed_for_journal_{nullptr};
  std::unique_ptr<journal::Journal> journal_;  // Null: in memory only.
  journal::RecoveryStats recovery_;

  std::mutex expiry_mutex_;
  std::condition_variable expiry_wake_;
  bool stopping_ = false;  // GUARDED_BY(expiry_mutex_)
  std::thread expiry_thread_;
};

}  // namespace inventory

#endif  // INVENTORY_ENGINE_IMPL_H_
