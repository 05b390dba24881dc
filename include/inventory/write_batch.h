// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// WriteBatch: an ordered list of stock operations applied by Engine::write, either all or none
// (BatchPolicy::all_or_nothing, the default) or each on its own (BatchPolicy::per_operation).
// Within an all_or_nothing batch, each operation sees the effects of the ones before it, and no
// reader ever observes a partly applied batch on any item it touches.
//
// WriteBatch copies everything it is given, so request strings may be freed after the call.
// Thread safety: const methods may be called concurrently; others need external
// synchronization.
//
//   WriteBatch batch;
//   batch.reserve({.item = sku_a, .quantity = Quantity{2}, .ttl = std::chrono::minutes{15}});
//   batch.release(previous_hold);
//   auto receipt = engine->write(WriteOptions{}, batch);

#ifndef INVENTORY_WRITE_BATCH_H_
#define INVENTORY_WRITE_BATCH_H_

#include <chrono>
#include <cstddef>
#include <vector>

#include "inventory/export.h"
#include "inventory/status.h"
#include "inventory/types.h"

namespace inventory {

enum class BatchPolicy : std::uint8_t {
  // Every operation or none; on failure the Status index() names the first failing operation.
  all_or_nothing = 0,
  // Each operation on its own, in order; BatchReceipt holds one result per operation.
  per_operation = 1,
};

// The outcome of one batch operation.
struct OperationResult {
  Status status;
  // For adjust, set_on_hand, set_policy and transfer: the items after the change, in the order
  // the operation names them (transfer: from, then to). Empty on failure and for the
  // reservation operations (reserve, confirm, release, extend); read those items with get().
  std::vector<StockLevel> levels;
  ReservationId reservation{};  // For reserve: the new reservation.
  Timestamp expires_at{};       // For reserve and extend: the expiry.
};

struct BatchReceipt {
  std::vector<OperationResult> results;  // One per operation, in batch order.
};

class INVENTORY_EXPORT WriteBatch {
 public:
  enum class Kind : std::uint8_t {
    adjust = 0,
    set_on_hand = 1,
    reserve = 2,
    confirm = 3,
    release = 4,
    extend = 5,
    transfer = 6,
    set_policy = 7,
  };

  WriteBatch();
  WriteBatch(const WriteBatch&);
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(const WriteBatch&);
  WriteBatch& operator=(WriteBatch&&) noexcept;
  ~WriteBatch();

  WriteBatch& adjust(const AdjustRequest& request);
  WriteBatch& set_on_hand(const SetOnHandRequest& request);
  WriteBatch& reserve(const ReserveRequest& request);
  WriteBatch& reserve(const ReserveLinesRequest& request);
  WriteBatch& confirm(const ConfirmRequest& request);
  WriteBatch& confirm(ReservationId reservation) {
    return confirm(ConfirmRequest{reservation, {}});
  }
  WriteBatch& release(ReservationId reservation);
  // Moves the expiry to now + ttl (0: limits.ttl_default).
  WriteBatch& extend(ReservationId reservation, std::chrono::milliseconds ttl);
  WriteBatch& transfer(const TransferRequest& request);
  WriteBatch& set_policy(const SetPolicyRequest& request);

  // Appends the operations of `other`.
  WriteBatch& append(const WriteBatch& other);
  void clear() noexcept;
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  // REQUIRES: index < size().
  Kind kind(std::size_t index) const;

  // Visits the operations in order; the first non-ok Status stops the walk and is returned.
  // Strings and spans passed to the handler point into the batch and are valid while it is.
  class INVENTORY_EXPORT Handler {
   public:
    virtual ~Handler();
    virtual Status on_adjust(const AdjustRequest& request) = 0;
    virtual Status on_set_on_hand(const SetOnHandRequest& request) = 0;
    virtual Status on_reserve(const ReserveLinesRequest& request) = 0;
    virtual Status on_confirm(const ConfirmRequest& request) = 0;
    virtual Status on_release(ReservationId reservation) = 0;
    virtual Status on_extend(ReservationId reservation, std::chrono::milliseconds ttl) = 0;
    virtual Status on_transfer(const TransferRequest& request) = 0;
    virtual Status on_set_policy(const SetPolicyRequest& request) = 0;
  };
  Status iterate(Handler& handler) const;

  // The stored form of one operation; opaque to users (defined inside the library).
  struct Operation;

 private:
  friend class WriteBatchInternal;
  std::vector<Operation> ops_;
};

}  // namespace inventory

#endif  // INVENTORY_WRITE_BATCH_H_
