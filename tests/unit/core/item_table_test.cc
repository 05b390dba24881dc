// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the item slot word stores every representable state exactly, and the slot table hands
// out, finds, locks and retires slots as item_table.h promises. Method: encode/decode round
// trips at the extremes of every field, then drive an ItemTable directly.
#include "core/item_table.h"

#include <cstdint>
#include <initializer_list>

#include <doctest/doctest.h>

namespace inventory::core {

namespace {
// Reads a live slot's word through the table's own lock and unlock (this test links the
// library's 16-byte CAS rather than inlining it, which needs -mcx16).
SlotWord read_word(ItemTable& table, ItemSlot& slot, ItemId id) {
  SlotWord word;
  REQUIRE(table.lock(slot, item_generation(id), &word));
  ItemTable::unlock(slot, word);
  return word;
}

void check_round_trip(const SlotWord& w) {
  const SlotWord back = SlotWord::decode(w.encode());
  CHECK(back.on_hand == w.on_hand);
  CHECK(back.reserved == w.reserved);
  CHECK(back.version == w.version);
  CHECK(back.deficit == w.deficit);
  CHECK(back.locked == w.locked);
}
}  // namespace

TEST_SUITE("core/item_table") {
  TEST_CASE("SlotWord round-trips on_hand at +/-(2^43 - 1) and zero") {
    for (const std::int64_t on_hand :
         {kQuantityMax, -kQuantityMax, std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}}) {
      CAPTURE(on_hand);
      check_round_trip(SlotWord{.on_hand = on_hand});
    }
  }

  TEST_CASE("SlotWord round-trips reserved from zero to its 44-bit maximum") {
    CHECK(SlotWord::kReservedMax == (std::int64_t{1} << 44) - 1);
    for (const std::int64_t reserved : {std::int64_t{0}, std::int64_t{1}, kQuantityMax,
                                        2 * kQuantityMax, SlotWord::kReservedMax}) {
      CAPTURE(reserved);
      check_round_trip(SlotWord{.on_hand = -kQuantityMax, .reserved = reserved});
    }
  }

  TEST_CASE("SlotWord keeps every field independent when all are at their extremes") {
    check_round_trip(SlotWord{.on_hand = -kQuantityMax,
                              .reserved = SlotWord::kReservedMax,
                              .version = SlotWord::kVersionMask,
                              .deficit = true,
                              .locked = true});
    check_round_trip(SlotWord{
        .on_hand = kQuantityMax, .reserved = 0, .version = 0, .deficit = false, .locked = true});
    check_round_trip(SlotWord{.on_hand = kQuantityMax,
                              .reserved = kQuantityMax,
                              .version = 12345,
                              .deficit = true,
                              .locked = false});
  }

  TEST_CASE("SlotWord masks the version to 38 bits and puts the lock in the top bit") {
    CHECK(SlotWord::kVersionMask == (std::uint64_t{1} << 38) - 1);
    const SlotWord w{.version = SlotWord::kVersionMask + 5};
    CHECK(SlotWord::decode(w.encode()).version == 4);
    const u128 locked = SlotWord{.locked = true}.encode();
    CHECK((locked & SlotWord::kLockBit) != 0);
    CHECK((SlotWord{}.encode() & SlotWord::kLockBit) == 0);
    CHECK(SlotWord{}.encode() == 0);
  }

  TEST_CASE("SlotWord available is on_hand minus reserved even far below zero") {
    const SlotWord w{.on_hand = -kQuantityMax, .reserved = 2 * kQuantityMax};
    CHECK(w.available() == -3 * kQuantityMax);
  }

  TEST_CASE("ItemId packs the slot index plus one and the generation") {
    const ItemId id = make_item_id(6, 3);
    CHECK(static_cast<std::uint64_t>(id) == ((std::uint64_t{3} << 32) | 7));
    CHECK(item_index(id) == 6);
    CHECK(item_generation(id) == 3);
  }

  TEST_CASE("an ItemTable allocates live slots with zero stock until it is full") {
    ItemTable table(2);
    CHECK(table.capacity() == 2);
    CHECK(table.high_water() == 0);
    const ItemId a = table.allocate(ItemPolicy{.safety_stock = 2}, 1, 1, 1000);
    const ItemId b = table.allocate(ItemPolicy{}, 1, 2, 1000);
    REQUIRE(a != ItemId{});
    REQUIRE(b != ItemId{});
    CHECK(a != b);
    CHECK(item_generation(a) % 2 == 1);
    CHECK(table.live_count() == 2);
    CHECK(table.high_water() == 2);
    CHECK(table.allocate(ItemPolicy{}, 1, 3, 1000) == ItemId{});
    ItemSlot* slot = table.find(a);
    REQUIRE(slot != nullptr);
    CHECK(slot->policy().safety_stock == 2);
    const SlotWord w = read_word(table, *slot, a);
    CHECK(w.on_hand == 0);
    CHECK(w.reserved == 0);
    CHECK_FALSE(w.locked);
    CHECK(table.id_of(*slot) == a);
  }

  TEST_CASE("find rejects zero, unknown, even-generation and stale ids") {
    ItemTable table(4);
    const ItemId a = table.allocate(ItemPolicy{}, 1, 1, 0);
    CHECK(table.find(ItemId{}) == nullptr);
    CHECK(table.find(make_item_id(3, 1)) == nullptr);  // Beyond the high-water mark.
    CHECK(table.find(make_item_id(item_index(a), item_generation(a) + 1)) == nullptr);
    CHECK(table.find(make_item_id(item_index(a), item_generation(a) + 2)) == nullptr);
    CHECK(table.find(a) != nullptr);
  }

  TEST_CASE("a retired slot is reused with a new generation and the old id stays dead") {
    ItemTable table(1);
    const ItemId a = table.allocate(ItemPolicy{}, 1, 1, 0);
    ItemSlot* slot = table.find(a);
    REQUIRE(slot != nullptr);
    SlotWord locked;
    REQUIRE(table.lock(*slot, item_generation(a), &locked));
    const std::uint64_t version_before = locked.version;
    table.retire_locked(*slot, locked);
    CHECK(table.live_count() == 0);
    CHECK(table.find(a) == nullptr);
    const ItemId b = table.allocate(ItemPolicy{}, 2, 2, 0);
    REQUIRE(b != ItemId{});
    CHECK(item_index(b) == item_index(a));
    CHECK(item_generation(b) == item_generation(a) + 2);
    CHECK(table.find(a) == nullptr);
    CHECK(table.find(b) != nullptr);
    // The version never resets: retire and re-allocate each bumped it.
    CHECK(read_word(table, *slot, b).version == version_before + 2);
  }

  TEST_CASE("lock refuses a slot of another generation and unlock stores the new word") {
    ItemTable table(1);
    const ItemId a = table.allocate(ItemPolicy{}, 1, 1, 0);
    ItemSlot* slot = table.find(a);
    SlotWord locked;
    CHECK_FALSE(table.lock(*slot, item_generation(a) + 2, &locked));
    REQUIRE(table.lock(*slot, item_generation(a), &locked));
    SlotWord next = locked;
    next.on_hand = 17;
    next.locked = true;  // unlock clears it.
    ItemTable::unlock(*slot, next);
    const SlotWord after = read_word(table, *slot, a);
    CHECK(after.on_hand == 17);
    CHECK_FALSE(after.locked);
  }
}

}  // namespace inventory::core
