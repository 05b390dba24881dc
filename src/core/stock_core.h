// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// StockCore: the stock state machine. Decides every stock operation on the item slots and
// reservation records; does no I/O, takes no mutex, and allocates only on the multi-item and
// error-reporting paths (never on single-item reserve, release, confirm or adjust when they
// succeed or fail with a fixed message).
//
// Inputs are validated by the engine first (field ranges, lengths, limits); the core checks
// only what depends on the state: existence, stock guards, versions, reservation states.
//
// Thread safety
//   Safe for concurrent use. See item_table.h and reservation_table.h for the protocols:
//   single-item operations are CAS loops; multi-item operations lock reservations (in index
//   order) and then item slots (in index order), so lock acquisition never cycles.
//
// Linearizability
//   - An item's state changes only at a successful CAS (or unlock store) of its slot word.
//   - A reservation's state changes only at a successful CAS of its word. For confirm, release
//     and expire, the lines are applied to the items after that CAS by the thread that won it;
//     so per item, the hold disappears at the item's own CAS, and at quiescence every item's
//     reserved equals the sum of its active holds (invariant 2).
//   - A multi-line reserve, a transfer and an all_or_nothing batch hold the lock bits of every
//     item they touch while they decide and while they install the new words, so no reader sees
//     part of them on those items.

#ifndef INVENTORY_CORE_STOCK_CORE_H_
#define INVENTORY_CORE_STOCK_CORE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "inventory/options.h"
#include "inventory/status.h"
#include "inventory/types.h"
#include "inventory/write_batch.h"

#include "core/changes.h"
#include "core/item_table.h"
#include "core/reservation_table.h"
#include "write_batch_internal.h"

namespace inventory::core {

class StockCore {
 public:
  explicit StockCore(const Limits& limits);

  ItemTable& items() noexcept { return items_; }
  const ItemTable& items() const noexcept { return items_; }
  ReservationTable& reservations() noexcept { return reservations_; }
  const ReservationTable& reservations() const noexcept { return reservations_; }

  // A consistent snapshot. Errors: not_found. Lock-free. Does not allocate.
  Result<StockLevel> get(ItemId item) const noexcept;

  // Every mutation takes an optional Changes and appends to it what took effect (for the
  // journal). It appends even when the call fails, if the call changed something on the way
  // (a confirm that finds its reservation overdue expires it).
  Result<StockLevel> adjust(ItemId item, std::int64_t delta, bool force, std::int64_t now_ms,
                            Changes* changes = nullptr);
  Result<StockLevel> set_on_hand(ItemId item, std::int64_t on_hand,
                                 const std::optional<Version>& expected_version, bool force,
                                 std::int64_t now_ms, Changes* changes = nullptr);
  Result<StockLevel> set_policy(ItemId item, const ItemPolicy& policy,
                                const std::optional<Version>& expected_version, std::int64_t now_ms,
                                Changes* changes = nullptr);

  Result<ReservationId> reserve(ItemId item, std::int64_t quantity, std::int64_t expires_ms,
                                std::string_view reference, std::int64_t now_ms,
                                Changes* changes = nullptr);
  // REQUIRES: lines.size() >= 1; items distinct (the engine checks).
  Result<ReservationId> reserve_lines(std::span<const ReserveLine> lines, std::int64_t expires_ms,
                                      std::string_view reference, std::int64_t now_ms,
                                      Changes* changes = nullptr);
  Status confirm(ReservationId reservation, std::span<const ReserveLine> quantities,
                 std::int64_t now_ms, Changes* changes = nullptr);
  Status release(ReservationId reservation, std::int64_t now_ms, Changes* changes = nullptr);
  Result<Timestamp> extend(ReservationId reservation, std::int64_t expires_ms, std::int64_t now_ms,
                           Changes* changes = nullptr);
  Result<ReservationInfo> get_reservation(ReservationId reservation) const;

  Result<TransferReceipt> transfer(ItemId from, ItemId to, std::int64_t quantity,
                                   std::int64_t now_ms, Changes* changes = nullptr);

  // Applies one batch operation on its own (BatchPolicy::per_operation). `expires_ms` is the
  // expiry for reserve/extend, resolved by the engine from the ttl.
  OperationResult apply_one(const WriteBatch::Operation& op, std::int64_t expires_ms,
                            std::int64_t now_ms, Changes* changes = nullptr);
  // Applies every operation or none. `expires_ms[i]` as for apply_one.
  Result<BatchReceipt> apply_all(std::span<const WriteBatch::Operation> ops,
                                 std::span<const std::int64_t> expires_ms, std::int64_t now_ms,
                                 Changes* changes = nullptr);

  // Expires every active reservation with expires_at <= now. Returns how many. Each expiry is
  // an operation of its own: its changes go to on_expired(Changes&) before the next one.
  std::size_t expire_due(std::int64_t now_ms);
  template <typename OnExpired>
  std::size_t expire_due(std::int64_t now_ms, OnExpired&& on_expired);

  // Removes live items, all or none: failed_precondition if one has stock or holds and force is
  // false; not_found if one is not live. REQUIRES: the caller serialises catalog changes.
  Status retire_items(std::span<const ItemId> items, bool force, Changes* changes = nullptr);
  // Makes a free slot live with zero stock (ItemTable::allocate) and notes the item change.
  // Returns ItemId{} when limits.items_max slots are live. Same REQUIRES as retire_items.
  ItemId allocate_item(const ItemPolicy& policy, std::uint32_t product_key,
                       std::uint32_t location_key, std::int64_t now_ms, Changes* changes);

  // Invariants 1 and 2 over the whole table; meaningful at quiescence. Errors: corruption.
  Status check_invariants() const;

  // Whether reservation `index` looks due at `now` (a cheap pre-check for expire_one).
  bool due(std::uint32_t index, std::int64_t now_ms) const noexcept {
    const ResWord word = ResWord::decode(reservations_.word(index).load());
    return word.state == ResStatus::active && word.expires_ms <= now_ms;
  }
  // Expires reservation `index` if it is active, unlocked and due; returns whether it did.
  bool expire_one(std::uint32_t index, std::int64_t now_ms, Changes* changes);

 private:
  struct BatchState;
  enum class Finish : std::uint8_t { confirm, release, expire };

  StockLevel level_of(const ItemSlot& slot, ItemId id, const SlotWord& word,
                      std::int64_t updated_ms) const noexcept;
  Status finish(ReservationId reservation, Finish kind, std::span<const ReserveLine> quantities,
                std::int64_t now_ms, Changes* changes);
  // Decides one all_or_nothing operation on the batch's private copies.
  Status apply_held(BatchState& state, const WriteBatch::Operation& op, std::size_t op_index,
                    std::int64_t expires_ms, std::int64_t now_ms, OperationResult* result);
  // Applies a finished reservation's lines to its items, then clears the lock bit of
  // `finishing` (the locked final word the caller installed) and frees the record.
  void apply_finished(std::uint32_t index, ResWord finishing, Finish kind,
                      std::span<const ReserveLine> quantities, std::int64_t now_ms,
                      Changes* changes);

  Limits limits_;
  ItemTable items_;
  ReservationTable reservations_;
};

template <typename OnExpired>
std::size_t StockCore::expire_due(std::int64_t now_ms, OnExpired&& on_expired) {
  std::size_t expired = 0;
  Changes changes;
  for (std::uint32_t index = 0; index < reservations_.capacity(); ++index) {
    changes.clear();
    if (expire_one(index, now_ms, &changes)) {
      ++expired;
      on_expired(changes);
    }
  }
  return expired;
}

// The Status for a reservation that is not active. Does not allocate.
Status reservation_inactive(ResStatus state) noexcept;

}  // namespace inventory::core

#endif  // INVENTORY_CORE_STOCK_CORE_H_
