// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// IndexFreeList: the free indexes of a fixed-size pool (reservation records, line chunks).
//
// Thread safety
//   pop() and push() may be called concurrently from any thread. Lock-free. Do not allocate.
//   The list is a set of Treiber stacks (one per shard) whose heads carry a 32-bit tag bumped
//   on every change, so a head that was popped and pushed back between a load and a CAS (ABA)
//   fails the CAS. Each thread starts at its own shard, which keeps the heads of different
//   threads on different cache lines; an empty shard steals from the others.
//
// Invariants
//   Every index is either in exactly one shard or owned by exactly one caller. Reuse is LIFO
//   per shard, so recently freed (cache-hot) records are handed out first.

#ifndef INVENTORY_CORE_INDEX_FREE_LIST_H_
#define INVENTORY_CORE_INDEX_FREE_LIST_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace inventory::core {

class IndexFreeList {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  // All of [0, count) start free, split into contiguous runs across the shards.
  IndexFreeList(std::uint32_t count, std::uint32_t shard_count);

  // Takes a free index, or returns kNone when none is left.
  std::uint32_t pop() noexcept;
  // Gives back an index taken with pop().
  void push(std::uint32_t index) noexcept;
  // Makes exactly `free` (each index once) the free set, split across the shards. For recovery:
  // REQUIRES no concurrent pop() or push().
  void reset(const std::vector<std::uint32_t>& free);

 private:
  struct alignas(64) Shard {
    // (tag << 32) | (index + 1); index + 1 == 0 means empty. Acquire/release pairs: a push
    // publishes next_[index] before the head that points at it (pairs with the pop's load).
    std::atomic<std::uint64_t> head{0};
  };
  static std::uint32_t thread_shard() noexcept;
  std::uint32_t pop_from(Shard& shard) noexcept;

  std::uint32_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> next_;  // Index + 1 of the next free, 0 = end.
};

}  // namespace inventory::core

#endif  // INVENTORY_CORE_INDEX_FREE_LIST_H_
