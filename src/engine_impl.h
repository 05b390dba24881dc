// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// EngineImpl composes the layers. Every mutation runs: validate (validate.h) -> check the
// durability this build can give -> idempotency (idempotency.h) -> apply (core / catalog).
// The journal (append, sync) and the feed (events) slot in after "apply" in later releases.
//
// Thread safety: safe for concurrent use, as Engine promises.

#ifndef INVENTORY_ENGINE_IMPL_H_
#define INVENTORY_ENGINE_IMPL_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "inventory/engine.h"

#include "catalog/catalog.h"
#include "core/stock_core.h"
#include "idempotency.h"

namespace inventory {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const Options& options);
  ~EngineImpl() override;

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

 private:
  // Validation of the per-call options and the durability this build can provide.
  Status check_write(const WriteOptions& options) const;
  std::int64_t now_ms() const noexcept { return clock_->now().time_since_epoch().count(); }
  std::int64_t expires_ms(std::int64_t now_ms, std::chrono::milliseconds ttl) const noexcept {
    return now_ms + (ttl.count() == 0 ? options_.limits.ttl_default : ttl).count();
  }
  // Runs `apply` at most once per idempotency key (see idempotency.h). `apply` returns a
  // Result<T> (or a Status when T is std::monostate).
  template <typename T, typename Apply>
  Result<T> once(const WriteOptions& options, const Fingerprint& fingerprint, Apply&& apply);
  template <typename Apply>
  Status once_status(const WriteOptions& options, const Fingerprint& fingerprint, Apply&& apply);
  void expiry_loop();

  const Options options_;
  const std::shared_ptr<Clock> clock_;
  core::StockCore core_;
  catalog::Catalog catalog_;
  IdempotencyTable idempotency_;

  std::mutex expiry_mutex_;
  std::condition_variable expiry_wake_;
  bool stopping_ = false;  // GUARDED_BY(expiry_mutex_)
  std::thread expiry_thread_;
};

}  // namespace inventory

#endif  // INVENTORY_ENGINE_IMPL_H_
