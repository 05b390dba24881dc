// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// IdempotencyTable: idempotency key -> (fingerprint of the request, stored result), kept for
// Limits::idempotency_window and bounded by Limits::idempotency_keys_max.
//
// A call with a key first begin()s: a new key is recorded as in flight and the call runs, then
// finish()es with its result (or abandon()s when nothing was applied and a retry should run
// again: busy, io_error). A retry of a finished key gets the stored result; a different request
// under the key gets `mismatch`; a retry while the first is in flight gets `in_flight`.
//
// Thread safety: safe for concurrent use; 16 shards, each a mutex over a hash map and a FIFO of
// expiries (the window is the same for every key, so insertion order is expiry order).
// Kept in memory here; the journal makes it durable.

#ifndef INVENTORY_IDEMPOTENCY_H_
#define INVENTORY_IDEMPOTENCY_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "inventory/catalog.h"
#include "inventory/status.h"
#include "inventory/types.h"
#include "inventory/write_batch.h"

namespace inventory {

// FNV-1a over a canonical encoding of a request: the operation name, then every field.
class Fingerprint {
 public:
  explicit Fingerprint(std::string_view operation) { add(operation); }
  Fingerprint& add(std::string_view text) {
    add(static_cast<std::uint64_t>(text.size()));
    for (char c : text) mix(static_cast<unsigned char>(c));
    return *this;
  }
  Fingerprint& add(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(value >> (8 * i)));
    return *this;
  }
  Fingerprint& add(std::int64_t value) { return add(static_cast<std::uint64_t>(value)); }
  Fingerprint& add(bool value) { return add(std::uint64_t{value ? 1u : 0u}); }
  std::uint64_t value() const { return hash_; }

 private:
  void mix(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ull;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

// What a finished call returned.
struct StoredResult {
  using Value = std::variant<std::monostate, StockLevel, ReservationId, Timestamp, TransferReceipt,
                             BatchReceipt, Product, Location, ItemInfo>;
  Status status;
  Value value;
};

class IdempotencyTable {
 public:
  enum class Outcome : std::uint8_t { fresh, replay, mismatch, in_flight, full };

  IdempotencyTable(std::uint32_t capacity, std::chrono::milliseconds window);

  // On `replay`, *stored receives the first call's result.
  Outcome begin(std::string_view key, std::uint64_t fingerprint, std::int64_t now_ms,
                std::shared_ptr<const StoredResult>* stored);
  void finish(std::string_view key, std::shared_ptr<const StoredResult> result,
              std::int64_t now_ms);
  void abandon(std::string_view key);

  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

  // --- Journal support ---
  // Calls f(key, fingerprint, expires_ms, result) for every finished, unexpired entry.
  template <typename F>
  void for_each(std::int64_t now_ms, F&& f);
  // Adds a finished entry (recovery), unless it has expired or the table is full.
  void install(std::string_view key, std::uint64_t fingerprint, std::int64_t expires_ms,
               std::shared_ptr<const StoredResult> result, std::int64_t now_ms);

 private:
  struct Entry {
    std::uint64_t fingerprint = 0;
    std::int64_t expires_ms = 0;                 // Set by finish(); 0 while in flight.
    std::shared_ptr<const StoredResult> result;  // Null while in flight.
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;         // GUARDED_BY(mutex)
    std::deque<std::pair<std::int64_t, std::string>> fifo;  // GUARDED_BY(mutex)
  };
  Shard& shard_for(std::string_view key);
  void purge(Shard& shard, std::int64_t now_ms);  // REQUIRES: shard.mutex held.

  const std::uint32_t capacity_;
  const std::int64_t window_ms_;
  std::atomic<std::size_t> size_{0};
  std::array<Shard, 16> shards_;
};

template <typename F>
void IdempotencyTable::for_each(std::int64_t now_ms, F&& f) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, entry] : shard.entries) {
      if (entry.result != nullptr && entry.expires_ms > now_ms) {
        f(key, entry.fingerprint, entry.expires_ms, *entry.result);
      }
    }
  }
}

}  // namespace inventory

#endif  // INVENTORY_IDEMPOTENCY_H_
