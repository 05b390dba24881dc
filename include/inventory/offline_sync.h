// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Offline sync for POS tills: a till keeps selling while disconnected, records what it did, and
// later sends the record to the central engine, which applies every change exactly once and
// reports the changes it refused (conflicts). Built only on the public Engine API, so it works
// with any Engine.
//
//   Till side                                    Central side
//   ChangeRecorder till(*till_engine, "till-1");  OfflineSyncCentral central(*central_engine);
//   till.record_sale({"p-1", "store-1"}, 2, t);
//   ChangeBatch batch = till.export_changes(0);  -> auto report = central.apply(batch, policy);
//   till.acknowledge(*report);                   <- (conflicts: compensated on the till)
//   cursor = till.catch_up(*central_engine, cursor).value();
//
// Merge rules (central side):
//   * Sales and adjustments are deltas; deltas commute, so they apply in any order.
//   * A count is a physical snapshot at its occurred_at (Square's rule): central on_hand becomes
//     count + the on_hand changes of the item whose occurred_at is later than the count's (read
//     from Engine::history: offline deltas, central restocks, confirmed reservations, ...).
//   * A delta whose occurred_at is at or before the latest applied count of its item is
//     absorbed: the count already saw its effect, so it is recorded as applied but changes
//     nothing.
//   * Counts of one item from several devices: the latest occurred_at wins; an older count that
//     arrives after a newer one is absorbed the same way (on a tie, the count applied first).
//   * A sale that would oversell central stock: with OversellPolicy::reject it is refused when
//     the item's own backorder_limit does not cover it; with OversellPolicy::backorder it is
//     applied (forced) while available stays >= -max(item backorder_limit,
//     ApplyPolicy::backorder_limit), else refused. Adjustments and counts are physical facts
//     and are always applied (forced).
//   * A refused change is a Conflict: reported in ApplyReport::conflicts exactly once, however
//     often the batch is delivered; a redelivered refused change comes back as `duplicate` with
//     its Conflict attached, so a till that lost the first report can still compensate.
//
// Exactly once: each change is written with WriteOptions{.idempotency_key = change's key,
// .actor = device_id, .occurred_at = change's occurred_at} and reference = its key, so the
// engine itself replays the stored result of a change it has seen (within
// Limits::idempotency_window). OfflineSyncCentral also keeps, per device, the highest contiguous
// applied local_sequence and the applied sequences above it, so duplicates are recognized after
// the window too and batches may arrive reordered. Persist that state with save()/load() beside
// the central data directory, after each apply() (a crash before the save is covered by the
// engine's keys, within the window).
//
// Requirements: the central engine needs a data directory (counts read Engine::history).
// Tills may run in memory. Both sides must know the items (product at location) the changes
// name; a change of an item central does not know is a conflict (not_found).
//
// A count whose item changed after it but whose history since then has left the journal
// (Options::history_retention_events) cannot be merged: it is a conflict (failed_precondition).
//
// WART: a forced backorder sale checks the limit and then adjusts; a reservation made centrally
// between the two may leave available a few units below the policy's limit.
// WART: only offline counts are counts here; central's own set_on_hand is taken as an on_hand
// change at its occurred_at (it does not absorb older offline deltas).
// WART: OfflineSyncCentral keeps every conflict (to answer redeliveries) and every item's latest
// count time; neither is pruned.
//
// Thread safety: ChangeRecorder and OfflineSyncCentral are safe for concurrent use without
// external synchronization (each serializes its own calls); other threads may use the engines
// at the same time.

#ifndef INVENTORY_OFFLINE_SYNC_H_
#define INVENTORY_OFFLINE_SYNC_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/engine.h"
#include "inventory/export.h"
#include "inventory/status.h"
#include "inventory/types.h"

namespace inventory {

// An item by its catalog ids (the same on the till and centrally; ItemIds differ).
struct ItemKey {
  std::string product_id;
  std::string location_id;
  friend auto operator<=>(const ItemKey&, const ItemKey&) = default;
};

enum class OfflineChangeKind : std::uint8_t { sale = 1, adjustment = 2, count = 3 };
// "sale", "adjustment", "count".
INVENTORY_EXPORT std::string_view to_string(OfflineChangeKind kind) noexcept;

// One change a till made (offline or not), in the till's order.
struct OfflineChange {
  std::string device_id;
  std::uint64_t local_sequence = 0;  // 1, 2, 3, ... per device.
  Timestamp occurred_at{};           // The till's clock.
  OfflineChangeKind kind = OfflineChangeKind::sale;
  ItemKey item;
  // sale: units sold (> 0); adjustment: the change of on_hand (!= 0); count: the on_hand counted.
  std::int64_t quantity = 0;
  std::string reason;
  std::string idempotency_key;  // device_id + ":" + local_sequence.
};

// Changes of one device, ordered by local_sequence.
struct ChangeBatch {
  std::string device_id;
  std::vector<OfflineChange> changes;
};

enum class OversellPolicy : std::uint8_t { backorder = 1, reject = 2 };

struct ApplyPolicy {
  OversellPolicy oversell = OversellPolicy::reject;
  // With backorder: how far a sale may take available below zero. Default: 0.
  std::int64_t backorder_limit = 0;
};

// A change central refused; the till compensates it (ChangeRecorder::acknowledge).
struct Conflict {
  std::string idempotency_key;
  std::string device_id;
  std::uint64_t local_sequence = 0;
  OfflineChangeKind kind = OfflineChangeKind::sale;
  ItemKey item;
  std::int64_t quantity = 0;  // As in OfflineChange.
  StatusCode code = StatusCode::insufficient_stock;
  std::string message;
};

enum class ChangeStatus : std::uint8_t {
  applied = 1,    // Applied now (absorbed by a later count included: message says so).
  duplicate = 2,  // Seen before: nothing applied again.
  conflict = 3,   // Refused now: see conflict.
};
// "applied", "duplicate", "conflict".
INVENTORY_EXPORT std::string_view to_string(ChangeStatus status) noexcept;

struct ChangeResult {
  std::string idempotency_key;
  std::uint64_t local_sequence = 0;
  ChangeStatus status = ChangeStatus::applied;
  std::optional<StockLevel> level;  // Central's level after the change (when read).
  std::string message;
  // Set for a conflict, and for a duplicate of a change that was refused.
  std::optional<Conflict> conflict;
};

struct ApplyReport {
  std::vector<ChangeResult> results;  // One per change of the batch, in batch order.
  std::vector<Conflict> conflicts;    // Refused by this call (never again on a redelivery).
  std::uint64_t applied = 0;
  std::uint64_t duplicates = 0;
};

// Till side: applies each change to the till's engine and keeps it in a log for export.
class INVENTORY_EXPORT ChangeRecorder {
 public:
  // `till` must outlive the recorder. Local sequences continue after next_sequence - 1 (pass
  // the last sequence the till used + 1 after a restart).
  // The log lives in memory only. REQUIRES: device_id of 1..40 bytes, unique per till (its
  // keys, device_id:sequence, are also the changes' references, which hold at most 64 bytes).
  ChangeRecorder(Engine& till, std::string device_id, std::uint64_t next_sequence = 1);
  // The log also lives in the file `log_path` (created if missing; one file per device): each
  // change is appended and synced (fsync) before it is applied to the till, and
  // acknowledgements and compensations after they happen, so a restarted till resumes its
  // sequence, its unsent changes and what central answered. On open, a change that is the last
  // record of the file is applied to the till again under its idempotency key (a crash may have
  // come between the log and the till; a journaled till replays the stored result instead of
  // applying it twice); an error there is ignored (the next catch_up resets that item's level). A
  // torn last record (power loss during an append) is dropped. Errors: io_error, corruption (not
  // such a log, or another device's).
  static Result<std::unique_ptr<ChangeRecorder>> open(Engine& till, std::string device_id,
                                                      std::string log_path);
  ~ChangeRecorder();
  ChangeRecorder(const ChangeRecorder&) = delete;
  ChangeRecorder& operator=(const ChangeRecorder&) = delete;

  // Each applies the change to the till (forced: it already happened physically) and logs it.
  // Errors: invalid_argument (quantity), not_found (item unknown to the till), io_error (the
  // log file), the engine's errors. On error nothing is logged and the sequence is not used.
  Result<StockLevel> record_sale(const ItemKey& item, std::int64_t quantity, Timestamp occurred_at);
  Result<StockLevel> record_adjustment(const ItemKey& item, std::int64_t delta,
                                       std::string_view reason, Timestamp occurred_at);
  Result<StockLevel> record_count(const ItemKey& item, std::int64_t on_hand, Timestamp occurred_at);

  // The logged changes with local_sequence > since_local_sequence, in order.
  ChangeBatch export_changes(std::uint64_t since_local_sequence) const;
  // The changes central has not acknowledged yet (see acknowledge), in order.
  ChangeBatch pending_changes() const;

  // Takes central's answer: marks its changes acknowledged and applies, once per conflict, a
  // compensating adjustment on the till (+units for a refused sale, reason "offline sale
  // rejected by central"). Errors: the till engine's.
  Status acknowledge(const ApplyReport& report);

  // Brings the till's levels to central's: for every item named by central events after
  // `after` (Engine::changes_since), and every item of changes acknowledged since the last
  // catch-up, sets the till's on_hand to central's plus the effect of the till's
  // unacknowledged changes. Items the till does not know are skipped. Returns the new cursor.
  // Errors: central's changes_since errors, the till engine's errors.
  Result<std::uint64_t> catch_up(Engine& central, std::uint64_t after);

  const std::string& device_id() const noexcept { return device_id_; }
  std::uint64_t last_sequence() const;
  // Conflicts compensated so far (one per refused change).
  std::uint64_t compensated() const;

 private:
  Result<StockLevel> record(OfflineChangeKind kind, const ItemKey& item, std::int64_t quantity,
                            std::string_view reason, Timestamp occurred_at);
  bool acknowledged_locked(std::uint64_t sequence) const;
  void acknowledge_locked(std::uint64_t sequence);
  Status append_locked(const std::string& record);  // To the log file, synced; ok without one.
  std::string till_key_locked(std::uint64_t sequence) const;

  Engine& till_;
  const std::string device_id_;
  mutable std::mutex mutex_;
  std::uint64_t next_sequence_;                 // Guarded by mutex_.
  std::vector<OfflineChange> log_;              // Guarded by mutex_.
  std::uint64_t acknowledged_through_ = 0;      // Guarded by mutex_.
  std::set<std::uint64_t> acknowledged_above_;  // Guarded by mutex_.
  std::set<std::string> compensated_;           // Guarded by mutex_.
  std::set<ItemKey> dirty_;                     // Guarded by mutex_.
  int log_fd_ = -1;                             // The log file; -1 without one.
  // Failed attempts at next_sequence_ (the till engine keeps each attempt's key).
  std::uint64_t attempts_ = 0;  // Guarded by mutex_.
};

// Central side: applies batches from any number of devices to `central`, exactly once.
class INVENTORY_EXPORT OfflineSyncCentral {
 public:
  // `central` must outlive this object and have a data directory.
  explicit OfflineSyncCentral(Engine& central);

  // Applies the batch's changes in batch order under the merge rules above. Changes already
  // applied (or refused) come back as duplicate. Errors (the changes before the failing one
  // stay applied, so redeliver the batch): invalid_argument (a change whose device_id, sequence
  // or idempotency key does not match the batch), busy, io_error, not_supported (no history),
  // and the engine's other unexpected errors.
  Result<ApplyReport> apply(const ChangeBatch& batch, const ApplyPolicy& policy);

  // The highest local_sequence of `device_id` below which everything was applied or refused.
  std::uint64_t applied_through(std::string_view device_id) const;
  // Every conflict so far, by idempotency key.
  std::vector<Conflict> conflicts() const;

  // The sync state (per-device watermarks, latest counts, conflicts) as an opaque string, and
  // back. load() replaces the state. Errors: corruption (not a saved state).
  std::string save() const;
  Status load(std::string_view saved);

 private:
  struct Device {
    std::uint64_t applied_through = 0;
    std::set<std::uint64_t> applied_above;
  };
  Result<ChangeResult> apply_one(const OfflineChange& change, const ApplyPolicy& policy);
  Result<ChangeResult> apply_delta(const OfflineChange& change, ItemId item,
                                   const ApplyPolicy& policy);
  Result<ChangeResult> apply_count(const OfflineChange& change, ItemId item);
  void mark_applied(const OfflineChange& change);
  bool seen(const OfflineChange& change) const;

  Engine& central_;
  mutable std::mutex mutex_;
  std::map<std::string, Device, std::less<>> devices_;  // Guarded by mutex_.
  std::map<ItemKey, Timestamp> latest_count_;           // Guarded by mutex_.
  std::map<std::string, Conflict> conflicts_;           // Guarded by mutex_.
};

}  // namespace inventory

#endif  // INVENTORY_OFFLINE_SYNC_H_
