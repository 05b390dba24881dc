// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "core/index_free_list.h"

#include "util/assert.h"

namespace inventory::core {

IndexFreeList::IndexFreeList(std::uint32_t count, std::uint32_t shard_count)
    : shard_count_(shard_count == 0 ? 1 : shard_count),
      shards_(new Shard[shard_count_]),
      next_(new std::atomic<std::uint32_t>[count]) {
  // Shard s gets the run [s * count / n, (s + 1) * count / n), linked in ascending order.
  for (std::uint32_t s = 0; s < shard_count_; ++s) {
    const auto begin = static_cast<std::uint32_t>(std::uint64_t{count} * s / shard_count_);
    const auto end = static_cast<std::uint32_t>(std::uint64_t{count} * (s + 1) / shard_count_);
    for (std::uint32_t i = begin; i < end; ++i) {
      next_[i].store(i + 1 < end ? i + 2 : 0, std::memory_order_relaxed);
    }
    shards_[s].head.store(begin < end ? begin + 1 : 0, std::memory_order_release);
  }
}

void IndexFreeList::reset(const std::vector<std::uint32_t>& free) {
  const std::size_t count = free.size();
  for (std::uint32_t s = 0; s < shard_count_; ++s) {
    const std::size_t begin = count * s / shard_count_;
    const std::size_t end = count * (s + 1) / shard_count_;
    for (std::size_t i = begin; i < end; ++i) {
      next_[free[i]].store(i + 1 < end ? free[i + 1] + 1 : 0, std::memory_order_relaxed);
    }
    shards_[s].head.store(begin < end ? free[begin] + 1 : 0, std::memory_order_release);
  }
}

std::uint32_t IndexFreeList::thread_shard() noexcept {
  static std::atomic<std::uint32_t> next_thread{0};
  thread_local const std::uint32_t mine = next_thread.fetch_add(1, std::memory_order_relaxed);
  return mine;
}

std::uint32_t IndexFreeList::pop_from(Shard& shard) noexcept {
  std::uint64_t head = shard.head.load(std::memory_order_acquire);  // Pairs with push (P1).
  // A failed CAS means another thread changed the head: the system made progress.
  for (;;) {
    const auto top = static_cast<std::uint32_t>(head);
    if (top == 0) return kNone;
    const std::uint32_t next = next_[top - 1].load(std::memory_order_relaxed);
    const std::uint64_t tag = (head >> 32) + 1;
    if (shard.head.compare_exchange_weak(head, (tag << 32) | next, std::memory_order_acquire,
                                         std::memory_order_acquire)) {
      return top - 1;
    }
  }
}

std::uint32_t IndexFreeList::pop() noexcept {
  const std::uint32_t first = thread_shard() % shard_count_;
  for (std::uint32_t k = 0; k < shard_count_; ++k) {
    const std::uint32_t index = pop_from(shards_[(first + k) % shard_count_]);
    if (index != kNone) return index;
  }
  return kNone;
}

void IndexFreeList::push(std::uint32_t index) noexcept {
  Shard& shard = shards_[thread_shard() % shard_count_];
  std::uint64_t head = shard.head.load(std::memory_order_relaxed);
  for (;;) {
    next_[index].store(static_cast<std::uint32_t>(head), std::memory_order_relaxed);
    const std::uint64_t tag = (head >> 32) + 1;
    // Publishes next_[index] with the new head (P1, pairs with pop_from's acquire).
    if (shard.head.compare_exchange_weak(head, (tag << 32) | (std::uint64_t{index} + 1),
                                         std::memory_order_release, std::memory_order_relaxed)) {
      return;
    }
  }
}

}  // namespace inventory::core
