// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Options (with nested Limits) for Engine::open, and the per-call WriteOptions / ReadOptions.
// Plain structs with in-class defaults: set what you need with designated initializers.
//
// Thread safety: values; const methods may be called concurrently.

#ifndef INVENTORY_OPTIONS_H_
#define INVENTORY_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "inventory/clock.h"
#include "inventory/status.h"
#include "inventory/types.h"

namespace inventory {

// When a mutation is acknowledged.
enum class Durability : std::uint8_t {
  // Acknowledge after the journal group holding the change is synced to disk (fsync) and its
  // high-water mark recorded. Survives kill -9 and power loss.
  sync = 0,
  // Acknowledge at once; the change is journaled and on disk within Options::flush_interval.
  // Survives kill -9 of the process once written (within microseconds); a power loss may
  // take the last flush_interval of changes.
  buffered = 1,
  // Acknowledge at once. An engine opened without a path keeps everything in memory only;
  // an engine with a journal still journals the change (so that replay stays consistent) but
  // never waits for it, as with buffered.
  none = 2,
};

class Observer;

// A mutation's completion, for callers that must not block (a server's I/O thread): set
// WriteOptions::on_durable and the call returns as soon as the change is applied in memory,
// with its result; on_durable is then called exactly once, from the journal's thread (or before
// the call returns, when there is nothing to wait for): with ok once the change is acknowledged
// per its durability, or with io_error if it never will be. Until then, treat the result as
// not acknowledged. Keep on_durable short; it runs on the thread that acknowledges everyone.
class WriteCallback {
 public:
  virtual ~WriteCallback() = default;
  virtual void on_durable(const Status& status) noexcept = 0;
};

// Bounds checked on every call and used to size memory at open. Every limit is enforced: going
// over returns limit_exceeded (capacity) or invalid_argument (size of one field), never a crash.
struct Limits {
  // Items (product x location) the engine can hold. Each takes one 64-byte slot, allocated
  // lazily from one reservation of address space made at open. Default: 1,048,576 (64 MiB).
  // REQUIRES: 1 <= items_max <= 2^31.
  std::uint32_t items_max = 1u << 20;
  // Reservations that can be active at once. Each takes a 16-byte state word (allocated at open)
  // and a 192-byte record (touched on first use). Default: 262,144.
  // REQUIRES: 1 <= reservations_max <= 2^31.
  std::uint32_t reservations_max = 1u << 18;
  // Lines in one reservation. Default: 100. REQUIRES: 1 <= reservation_lines_max <= 1000.
  std::uint32_t reservation_lines_max = 100;
  // Lines beyond the first 6 of each reservation, summed over all active reservations. The
  // first 6 lines live in the reservation's record; further lines take 11-line chunks (192
  // bytes each, touched on first use) from a pool of reservation_overflow_lines_max / 11
  // chunks, which always fits at least one reservation of reservation_lines_max lines.
  // Default: 1,048,576 (e.g. 11,000 reservations of 100 lines). REQUIRES: <= 2^31.
  std::uint32_t reservation_overflow_lines_max = 1u << 20;
  // Operations in one WriteBatch. Default: 1,000. REQUIRES: 1 <= batch_operations_max <= 100,000.
  std::uint32_t batch_operations_max = 1000;
  // Largest magnitude of one adjustment, reservation line, confirm line or transfer.
  // Default: 1,000,000,000. REQUIRES: 1 <= adjustment_max <= kQuantityMax.
  std::int64_t adjustment_max = 1'000'000'000;
  // Bounds of a reservation's time to live. Default: 1 s .. 7 days.
  std::chrono::milliseconds ttl_min{std::chrono::seconds(1)};
  std::chrono::milliseconds ttl_max{std::chrono::hours(24 * 7)};
  // TTL used when a request leaves it at zero. Default: 15 min. REQUIRES: within the bounds.
  std::chrono::milliseconds ttl_default{std::chrono::minutes(15)};
  // How long an idempotency key and its stored result are kept. Default: 24 h.
  std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
  // Idempotency keys kept at once; a new key beyond it returns limit_exceeded (after expired keys
  // are dropped). Default: 1,000,000.
  std::uint32_t idempotency_keys_max = 1'000'000;
  // Longest idempotency key, actor and request id, in bytes. Default: 128. Fixed maximum: 255.
  std::uint32_t key_length_max = 128;
  // Longest reservation reference and adjustment reference, in bytes. Default: 64. Fixed
  // maximum: 64 (the reservation record stores it inline).
  std::uint32_t reference_length_max = 64;
  // Longest reason, in bytes. Default: 256.
  std::uint32_t reason_length_max = 256;
  // Catalog text bounds, in bytes: ids and SKUs, names, descriptions, and the attributes map
  // (count, and key/value length). Defaults: 64, 256, 4096, 64 and 256.
  std::uint32_t id_length_max = 64;
  std::uint32_t name_length_max = 256;
  std::uint32_t description_length_max = 4096;
  std::uint32_t attributes_max = 64;
  std::uint32_t attribute_length_max = 256;
  // Products and locations the catalog may hold. Defaults: 1,000,000 and 100,000.
  std::uint32_t products_max = 1'000'000;
  std::uint32_t locations_max = 100'000;
  // Largest page a list call returns. Default: 1,000.
  std::uint32_t page_size_max = 1000;
};

struct Options {
  // Create the data directory if it does not exist. Default: true.
  bool create_if_missing = true;
  // Fail with already_exists if the data directory exists. Default: false.
  bool error_if_exists = false;
  // Default durability of mutations; WriteOptions::durability overrides it per call.
  // Default: sync. An engine without a data directory supports only Durability::none.
  Durability durability = Durability::sync;
  // Time source for expiry and timestamps. Default (nullptr): system_clock().
  std::shared_ptr<Clock> clock;
  // How often the engine's expiry thread expires overdue reservations. Zero starts no thread:
  // the host calls Engine::expire_due() itself (firmware, deterministic tests). Whatever the
  // interval, a reservation past its expiry can never be confirmed or extended: those calls
  // expire it on the spot. Default: 1 s.
  std::chrono::milliseconds expiry_interval{std::chrono::seconds(1)};
  // With Durability::buffered, the longest a change stays in memory before it is on disk.
  // Default: 10 ms.
  std::chrono::milliseconds flush_interval{10};
  // A checkpoint (a copy of the whole state, which bounds recovery time) is taken after this
  // many journal records, or after checkpoint_interval with at least one record, and at close.
  // Taking one pauses new mutations while the state is copied (about 1 ms per 30,000 items).
  // Default: 1,000,000 records, 5 minutes. 0 records: only by time and at close.
  std::uint64_t checkpoint_records = 1'000'000;
  std::chrono::milliseconds checkpoint_interval{std::chrono::minutes(5)};
  // Told about background failures (a journal write or sync that failed: the engine is then
  // read-only). For the change feed, use Engine::subscribe. Default: none.
  std::vector<std::shared_ptr<Observer>> observers;
  // An adjustment or count that moves on_hand by more than this emits an unusual_adjustment
  // event. Default: 0 (off). REQUIRES: 0 <= unusual_adjustment <= kQuantityMax.
  std::int64_t unusual_adjustment = 0;
  // Recent events kept decoded in memory for observers that keep up. Default: 65,536.
  // REQUIRES: >= 1.
  std::uint64_t feed_buffer_events = 65536;
  // How far behind the newest event the journal keeps the log for the slowest durable cursor;
  // an observer further behind loses the oldest events (Observer::on_gap). Default:
  // 10,000,000 events.
  std::uint64_t feed_retention_events = 10'000'000;
  // The log kept for changes_since and history regardless of cursors. Default: 1,000,000
  // events. (Older log behind the previous checkpoint is trimmed.)
  std::uint64_t history_retention_events = 1'000'000;
  Limits limits;
};

// Per-call context for every mutation: durability, idempotency and the audit trail.
// Strings are borrowed for the duration of the call.
struct WriteOptions {
  // Overrides Options::durability for this call. Default: unset (use Options::durability).
  std::optional<Durability> durability;
  // Same key and same request: the stored result is returned and nothing is applied again.
  // Same key and a different request: idempotency_mismatch. While the first call with the key
  // is still running: busy. Keys live for Limits::idempotency_window. Empty: no idempotency.
  std::string_view idempotency_key;
  // Who made the change (user, API key, device) and the caller's request id, for audit.
  std::string_view actor;
  std::string_view request_id;
  // When the change happened in the caller's world (e.g. a POS sale made offline). Default:
  // unset, meaning the engine's clock at the time of the call.
  std::optional<Timestamp> occurred_at;
  // Completion form (see WriteCallback). Not owned; must live until it is called. Default:
  // unset, the call blocks until the change is acknowledged.
  WriteCallback* on_durable = nullptr;
};

// Per-call options for reads. Reads see the latest in-memory state, including changes that are
// applied but not yet durable (with Durability::buffered or a sync still in flight).
struct ReadOptions {};

}  // namespace inventory

#endif  // INVENTORY_OPTIONS_H_
