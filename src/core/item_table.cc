// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "core/item_table.h"

#include <new>

#include "util/zeroed_memory.h"

namespace inventory::core {

static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

ItemTable::ItemTable(std::uint32_t capacity) : capacity_(capacity) {
  mapped_bytes_ = sizeof(ItemSlot) * std::size_t{capacity};
  slots_ = static_cast<ItemSlot*>(detail::map_zeroed(mapped_bytes_));
  free_ = new std::uint32_t[capacity];
  if (slots_ == nullptr) throw std::bad_alloc();
}

ItemTable::~ItemTable() {
  detail::unmap_zeroed(slots_, mapped_bytes_);
  delete[] free_;
}

ItemId ItemTable::allocate(const ItemPolicy& policy, std::uint32_t product_key,
                           std::uint32_t location_key, std::int64_t now_ms, SlotWord* before,
                           SlotWord* after) {
  std::uint32_t index;
  bool fresh = false;
  if (free_count_ > 0) {
    index = free_[--free_count_];
  } else {
    index = high_water_.load(std::memory_order_relaxed);
    if (index >= capacity_) return ItemId{};
    fresh = true;
  }
  ItemSlot& slot = slots_[index];
  const std::uint32_t generation = slot.generation.load(std::memory_order_relaxed);
  INVENTORY_ASSERT((generation & 1) == 0);  // Free.
  slot.set_policy(policy);
  slot.product_key.store(product_key, std::memory_order_relaxed);
  slot.location_key.store(location_key, std::memory_order_relaxed);
  slot.updated_at_ms.store(now_ms, std::memory_order_relaxed);
  SlotWord word = SlotWord::decode(slot.word.load());
  INVENTORY_ASSERT(!word.locked);
  if (before != nullptr) *before = word;
  word = SlotWord{.on_hand = 0,
                  .reserved = 0,
                  .version = (word.version + 1) & SlotWord::kVersionMask,
                  .deficit = false,
                  .locked = false};
  slot.word.store_exclusive(word.encode());
  if (after != nullptr) *after = word;
  // Makes the slot live (pairs with the acquire in find()).
  slot.generation.store(generation + 1, std::memory_order_release);
  if (fresh) high_water_.store(index + 1, std::memory_order_release);
  ++live_count_;
  return make_item_id(index, generation + 1);
}

SlotWord ItemTable::retire_locked(ItemSlot& slot, const SlotWord& locked_word) {
  const std::uint32_t generation = slot.generation.load(std::memory_order_relaxed);
  INVENTORY_ASSERT((generation & 1) == 1);  // Live.
  // Stale ids stop matching before the slot is unlocked (pairs with update_slot's acquire).
  slot.generation.store(generation + 1, std::memory_order_release);
  SlotWord next{.on_hand = 0,
                .reserved = 0,
                .version = (locked_word.version + 1) & SlotWord::kVersionMask,
                .deficit = false,
                .locked = false};
  unlock(slot, next);
  free_[free_count_++] = index_of(slot);
  --live_count_;
  return next;
}

void ItemTable::install(std::uint32_t index, std::uint32_t generation, const SlotWord& word,
                        const ItemPolicy& policy, std::int64_t updated_ms,
                        std::uint32_t product_key, std::uint32_t location_key) {
  INVENTORY_ASSERT(index < capacity_);
  ItemSlot& slot = slots_[index];
  slot.set_policy(policy);
  slot.updated_at_ms.store(updated_ms, std::memory_order_relaxed);
  slot.product_key.store(product_key, std::memory_order_relaxed);
  slot.location_key.store(location_key, std::memory_order_relaxed);
  SlotWord clean = word;
  clean.locked = false;
  slot.word.store_exclusive(clean.encode());
  slot.generation.store(generation, std::memory_order_release);
  if (index >= high_water_.load(std::memory_order_relaxed)) {
    high_water_.store(index + 1, std::memory_order_release);
  }
}

void ItemTable::finish_install() {
  free_count_ = 0;
  live_count_ = 0;
  const std::uint32_t high_water = high_water_.load(std::memory_order_relaxed);
  // Reused LIFO: push in descending order so the lowest free index comes out first.
  for (std::uint32_t i = high_water; i-- > 0;) {
    if ((slots_[i].generation.load(std::memory_order_relaxed) & 1) == 0) {
      free_[free_count_++] = i;
    } else {
      ++live_count_;
    }
  }
}

bool ItemTable::lock(ItemSlot& slot, std::uint32_t generation, SlotWord* locked) noexcept {
  SpinWait wait;
  u128 raw = slot.word.load();
  for (;;) {
    if (raw & SlotWord::kLockBit) {
      wait.once();
      raw = slot.word.load();
      continue;
    }
    if (slot.generation.load(std::memory_order_acquire) != generation) return false;
    if (slot.word.compare_exchange(raw, raw | SlotWord::kLockBit)) {
      *locked = SlotWord::decode(raw);
      return true;
    }
  }
}

void ItemTable::unlock(ItemSlot& slot, const SlotWord& next) noexcept {
  SlotWord unlocked = next;
  unlocked.locked = false;
  // Only the holder of the lock bit writes the word.
  slot.word.store_exclusive(unlocked.encode());
}

}  // namespace inventory::core
