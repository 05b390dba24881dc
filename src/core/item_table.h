// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// ItemTable: a dense array of cache-line item slots, sized once from Limits::items_max.
//
// Thread safety
//   The stock state of a slot is one 16-byte atomic word (SlotWord). Single-item operations are
//   CAS loops on that word: lock-free among themselves, no allocation, no I/O. Multi-item
//   operations set the word's lock bit on every slot they touch, in slot order, compute on the
//   locked values, and unlock by storing the new words; a CAS loop that finds the lock bit set
//   waits (SpinWait) until it clears. A slot's policy fields are written only under the lock bit
//   and read after an acquire load of the word, so a CAS that succeeds saw a policy consistent
//   with the word it replaced. Slot allocation and retirement belong to the catalog, which
//   serialises them with its own mutex.
//
// Invariants
//   - version (38 bits) increases by one on every change of a slot and never resets, not even
//     when the slot is retired and reused; a CAS therefore never succeeds on a stale word.
//   - generation is odd while the slot holds a live item and even while it is free; an ItemId
//     carries the generation it was issued with, so stale and forged ids never match.
//   - 0 <= reserved and |on_hand| <= kQuantityMax.
//   - deficit is set only while available < -backorder_limit, and only after a forced change.
//
// Linearizability: every successful CAS (or unlock store) of a slot word is the linearization
// point of the operation's effect on that item.

#ifndef INVENTORY_CORE_ITEM_TABLE_H_
#define INVENTORY_CORE_ITEM_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "inventory/types.h"

#include "core/atomic128.h"
#include "core/spin_wait.h"
#include "util/assert.h"

namespace inventory::core {

// The decoded hot state of a slot.
struct SlotWord {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::uint64_t version = 0;
  bool deficit = false;  // available < -backorder_limit after a forced change.
  bool locked = false;   // Held by a multi-item operation.

  std::int64_t available() const noexcept { return on_hand - reserved; }

  // Bit layout: on_hand 0..43 (two's complement), reserved 44..87, version 88..125,
  // deficit 126, lock 127.
  static constexpr int kQuantityBits = 44;
  static constexpr int kVersionBits = 38;
  static constexpr std::uint64_t kVersionMask = (std::uint64_t{1} << kVersionBits) - 1;
  static constexpr std::int64_t kReservedMax = (std::int64_t{1} << kQuantityBits) - 1;

  static SlotWord decode(u128 raw) noexcept {
    constexpr u128 kQMask = (u128{1} << kQuantityBits) - 1;
    SlotWord w;
    const auto on_hand_bits = static_cast<std::uint64_t>(raw & kQMask);
    // Sign-extend the 44-bit field.
    w.on_hand =
        static_cast<std::int64_t>(on_hand_bits << (64 - kQuantityBits)) >> (64 - kQuantityBits);
    w.reserved = static_cast<std::int64_t>((raw >> kQuantityBits) & kQMask);
    w.version = static_cast<std::uint64_t>(raw >> (2 * kQuantityBits)) & kVersionMask;
    w.deficit = ((raw >> 126) & 1) != 0;
    w.locked = ((raw >> 127) & 1) != 0;
    return w;
  }

  u128 encode() const noexcept {
    INVENTORY_DASSERT(on_hand >= -kQuantityMax - 1);
    INVENTORY_DASSERT(on_hand <= kQuantityMax);
    INVENTORY_DASSERT(reserved >= 0);
    INVENTORY_DASSERT(reserved <= kReservedMax);
    constexpr u128 kQMask = (u128{1} << kQuantityBits) - 1;
    u128 raw = static_cast<u128>(static_cast<std::uint64_t>(on_hand)) & kQMask;
    raw |= (static_cast<u128>(static_cast<std::uint64_t>(reserved)) & kQMask) << kQuantityBits;
    raw |= static_cast<u128>(version & kVersionMask) << (2 * kQuantityBits);
    raw |= static_cast<u128>(deficit ? 1 : 0) << 126;
    raw |= static_cast<u128>(locked ? 1 : 0) << 127;
    return raw;
  }

  static constexpr u128 kLockBit = u128{1} << 127;
};

struct alignas(64) ItemSlot {
  Atomic128 word;
  // Policy: written only while the slot is locked (see the file comment).
  std::atomic<std::int64_t> safety_stock{0};
  std::atomic<std::int64_t> low_stock_threshold{0};
  std::atomic<std::int64_t> backorder_limit{0};
  // Time of the last change; written after the change, so only approximately ordered with it.
  std::atomic<std::int64_t> updated_at_ms{0};
  // Odd while live, even while free (see Invariants).
  std::atomic<std::uint32_t> generation{0};
  // The catalog's dense keys of the item's product and location; set when the slot is
  // allocated, so that a transfer can check "same product" without the catalog.
  std::atomic<std::uint32_t> product_key{0};
  std::atomic<std::uint32_t> location_key{0};

  ItemPolicy policy() const noexcept {
    return ItemPolicy{safety_stock.load(std::memory_order_relaxed),
                      low_stock_threshold.load(std::memory_order_relaxed),
                      backorder_limit.load(std::memory_order_relaxed)};
  }
  void set_policy(const ItemPolicy& p) noexcept {
    safety_stock.store(p.safety_stock, std::memory_order_relaxed);
    low_stock_threshold.store(p.low_stock_threshold, std::memory_order_relaxed);
    backorder_limit.store(p.backorder_limit, std::memory_order_relaxed);
  }
};
static_assert(sizeof(ItemSlot) == 64, "one slot per cache line");

// ItemId = generation << 32 | (slot index + 1).
inline ItemId make_item_id(std::uint32_t index, std::uint32_t generation) noexcept {
  return ItemId{(std::uint64_t{generation} << 32) | (std::uint64_t{index} + 1)};
}
inline std::uint32_t item_index(ItemId id) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) & 0xffffffffu) - 1;
}
inline std::uint32_t item_generation(ItemId id) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) >> 32);
}

class ItemTable {
 public:
  // Reserves address space for `capacity` slots; pages are touched as slots are first used.
  explicit ItemTable(std::uint32_t capacity);
  ~ItemTable();
  ItemTable(const ItemTable&) = delete;
  ItemTable& operator=(const ItemTable&) = delete;

  std::uint32_t capacity() const noexcept { return capacity_; }
  // Slots ever allocated; slots at or beyond it are untouched.
  std::uint32_t high_water() const noexcept { return high_water_.load(std::memory_order_acquire); }

  // The slot of a live item, or nullptr for a malformed, stale or unknown id.
  // Thread-safe. Lock-free. Does not allocate.
  ItemSlot* find(ItemId id) noexcept {
    const std::uint64_t raw = static_cast<std::uint64_t>(id);
    const std::uint32_t generation = item_generation(id);
    if ((raw & 0xffffffffu) == 0 || (generation & 1) == 0) return nullptr;
    const std::uint32_t index = item_index(id);
    if (index >= high_water()) return nullptr;
    ItemSlot& slot = slots_[index];
    if (slot.generation.load(std::memory_order_acquire) != generation) return nullptr;
    return &slot;
  }
  const ItemSlot* find(ItemId id) const noexcept { return const_cast<ItemTable*>(this)->find(id); }

  // Starts loading the slot of `id` into the cache, so that a miss overlaps the work done
  // before the slot is used. Any id is safe (an invalid one prefetches nothing useful).
  void prefetch(ItemId id) const noexcept {
    const std::uint32_t index = item_index(id);
    if (index < capacity_) __builtin_prefetch(&slots_[index], /*rw=*/1, /*locality=*/3);
  }

  ItemSlot& slot(std::uint32_t index) noexcept {
    INVENTORY_DASSERT(index < high_water());
    return slots_[index];
  }
  const ItemSlot& slot(std::uint32_t index) const noexcept { return slots_[index]; }
  std::uint32_t index_of(const ItemSlot& slot) const noexcept {
    return static_cast<std::uint32_t>(&slot - slots_);
  }
  ItemId id_of(const ItemSlot& slot) const noexcept {
    return make_item_id(index_of(slot), slot.generation.load(std::memory_order_acquire));
  }

  // --- Control plane. REQUIRES: the caller serialises these (the catalog mutex). ---

  // Makes a free slot live with the given policy and zero stock. Returns ItemId{} when all
  // `capacity` slots are live.
  // *before/*after (if not null) receive the slot word replaced and installed.
  ItemId allocate(const ItemPolicy& policy, std::uint32_t product_key, std::uint32_t location_key,
                  std::int64_t now_ms, SlotWord* before = nullptr, SlotWord* after = nullptr);
  // Makes a live slot free. REQUIRES: the caller holds the slot's lock bit; the slot's stock is
  // reset and the lock released here, with a version bump so that no stale CAS succeeds.
  SlotWord retire_locked(ItemSlot& slot, const SlotWord& locked_word);  // Returns the new word.
  std::size_t live_count() const noexcept { return live_count_; }

  // --- Recovery. REQUIRES: single-threaded, before the engine is used. ---

  // Sets slot `index` exactly (live when `generation` is odd).
  void install(std::uint32_t index, std::uint32_t generation, const SlotWord& word,
               const ItemPolicy& policy, std::int64_t updated_ms, std::uint32_t product_key,
               std::uint32_t location_key);
  // Rebuilds the free list and counts from the installed slots.
  void finish_install();

  // --- Lock bits, for multi-item operations. ---

  // Sets the lock bit of a live slot of generation `generation`; waits while another holder has
  // it. Returns the locked word, or false if the slot is not (or no longer) that item.
  // Thread-safe. Blocks only on another holder of the same bit.
  bool lock(ItemSlot& slot, std::uint32_t generation, SlotWord* locked) noexcept;
  // Stores `next` (unlocked) into a slot whose lock bit the caller holds.
  static void unlock(ItemSlot& slot, const SlotWord& next) noexcept;

 private:
  ItemSlot* slots_ = nullptr;
  std::size_t mapped_bytes_ = 0;
  std::uint32_t capacity_ = 0;
  std::atomic<std::uint32_t> high_water_{0};
  // Free slots below high_water_, reused LIFO. Guarded by the caller of allocate/retire.
  std::uint32_t* free_ = nullptr;
  std::uint32_t free_count_ = 0;
  std::size_t live_count_ = 0;
};

// Runs one single-slot CAS loop. `decide(const SlotWord& current, SlotWord& next)` returns a
// Status-like outcome: ok to install `next` (version and lock are handled here), anything else
// to stop and return it. On success, `*before`/`*after` receive the replaced and installed
// words. Thread-safe. Lock-free with respect to other single-slot updates; waits while a
// multi-item operation holds the slot. Does not allocate.
template <typename Outcome, typename Decide>
Outcome update_slot(ItemSlot& slot, std::uint32_t generation, const Outcome& not_found,
                    Decide&& decide, SlotWord* before, SlotWord* after) noexcept {
  SpinWait wait;
  u128 raw = slot.word.load();
  // Each failed CAS reloads `raw`; the loop retries only when another writer's CAS succeeded,
  // so the system as a whole always makes progress.
  for (;;) {
    if (raw & SlotWord::kLockBit) {
      wait.once();
      raw = slot.word.load();
      continue;
    }
    // Checked after loading the word: a retirement bumps the version, so if the generation is
    // stale the CAS below fails anyway, and if it matches the item is live at `raw`.
    if (slot.generation.load(std::memory_order_acquire) != generation) return not_found;
    const SlotWord current = SlotWord::decode(raw);
    SlotWord next = current;
    Outcome outcome = decide(current, next);
    if (!outcome.ok()) return outcome;
    next.version = (current.version + 1) & SlotWord::kVersionMask;
    next.locked = false;
    if (slot.word.compare_exchange(raw, next.encode())) {
      *before = current;
      *after = next;
      return outcome;
    }
  }
}

}  // namespace inventory::core

#endif  // INVENTORY_CORE_ITEM_TABLE_H_
