// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "idempotency.h"

namespace inventory {

IdempotencyTable::IdempotencyTable(std::uint32_t capacity, std::chrono::milliseconds window)
    : capacity_(capacity), window_ms_(window.count()) {}

IdempotencyTable::Shard& IdempotencyTable::shard_for(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void IdempotencyTable::purge(Shard& shard, std::int64_t now_ms) {
  while (!shard.fifo.empty() && shard.fifo.front().first <= now_ms) {
    auto it = shard.entries.find(shard.fifo.front().second);
    // The FIFO may name a key that was re-begun after its window; only drop a finished entry
    // whose own expiry has passed.
    if (it != shard.entries.end() && it->second.result != nullptr &&
        it->second.expires_ms <= now_ms) {
      shard.entries.erase(it);
      size_.fetch_sub(1, std::memory_order_relaxed);
    }
    shard.fifo.pop_front();
  }
}

IdempotencyTable::Outcome IdempotencyTable::begin(std::string_view key, std::uint64_t fingerprint,
                                                  std::int64_t now_ms,
                                                  std::shared_ptr<const StoredResult>* stored) {
  Shard& shard = shard_for(key);
  std::unique_lock lock(shard.mutex);
  purge(shard, now_ms);
  auto it = shard.entries.find(std::string(key));
  if (it != shard.entries.end()) {
    Entry& entry = it->second;
    if (entry.result == nullptr) {
      return entry.fingerprint == fingerprint ? Outcome::in_flight : Outcome::mismatch;
    }
    if (entry.expires_ms > now_ms) {
      if (entry.fingerprint != fingerprint) return Outcome::mismatch;
      *stored = entry.result;
      return Outcome::replay;
    }
    // Past the window: the key is new again.
    entry = Entry{fingerprint, 0, nullptr};
    return Outcome::fresh;
  }
  if (size_.load(std::memory_order_relaxed) >= capacity_) {
    // Full: drop what has expired in every shard, then look again. The other shards are purged
    // without this shard's mutex held, so two threads doing this never wait on each other.
    lock.unlock();
    for (Shard& other : shards_) {
      if (&other == &shard) continue;
      std::lock_guard other_lock(other.mutex);
      purge(other, now_ms);
    }
    lock.lock();
    purge(shard, now_ms);
    if (shard.entries.count(std::string(key)) != 0) {
      // Another thread began this key meanwhile; decide again from the top.
      lock.unlock();
      return begin(key, fingerprint, now_ms, stored);
    }
    if (size_.load(std::memory_order_relaxed) >= capacity_) return Outcome::full;
  }
  shard.entries.emplace(std::string(key), Entry{fingerprint, 0, nullptr});
  size_.fetch_add(1, std::memory_order_relaxed);
  return Outcome::fresh;
}

void IdempotencyTable::finish(std::string_view key, std::shared_ptr<const StoredResult> result,
                              std::int64_t now_ms) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(std::string(key));
  if (it == shard.entries.end()) return;
  // The window starts when the result is stored, so an in-flight entry is never purged and the
  // FIFO stays in expiry order.
  it->second.result = std::move(result);
  it->second.expires_ms = now_ms + window_ms_;
  shard.fifo.emplace_back(it->second.expires_ms, std::string(key));
}

void IdempotencyTable::install(std::string_view key, std::uint64_t fingerprint,
                               std::int64_t expires_ms, std::shared_ptr<const StoredResult> result,
                               std::int64_t now_ms) {
  if (expires_ms <= now_ms) return;
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.entries.try_emplace(std::string(key));
  if (inserted) {
    if (size_.load(std::memory_order_relaxed) >= capacity_) {
      shard.entries.erase(it);
      return;
    }
    size_.fetch_add(1, std::memory_order_relaxed);
  }
  it->second = Entry{fingerprint, expires_ms, std::move(result)};
  shard.fifo.emplace_back(expires_ms, std::string(key));
}

void IdempotencyTable::abandon(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(std::string(key));
  if (it != shard.entries.end() && it->second.result == nullptr) {
    shard.entries.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace inventory
