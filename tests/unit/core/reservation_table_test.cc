// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: reservation records keep their reference, line count and state word exactly, and
// records and overflow chunks are recycled without leaking. Method: drive a ReservationTable
// and its ResWord encoding directly, at the boundaries of each field. (The lines themselves,
// inline and in overflow chunks, are read back through Engine::get_reservation in
// reservation_test.cc: for_each_line inlines the 16-byte CAS, which this target is not built
// for.)
#include "core/reservation_table.h"

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace inventory::core {

namespace {
std::vector<ReserveLine> make_lines(std::uint32_t count) {
  std::vector<ReserveLine> lines;
  for (std::uint32_t i = 0; i < count; ++i) {
    lines.push_back(ReserveLine{ItemId{1000 + i}, Quantity{std::int64_t{i} + 1}});
  }
  return lines;
}

}  // namespace

TEST_SUITE("core/reservation_table") {
  TEST_CASE("ResWord round-trips every field at its extremes") {
    const ResWord w{.expires_ms = ResWord::kExpiresMax,
                    .generation = 0xffffffffu,
                    .version = ResWord::kVersionMask,
                    .state = ResStatus::expired,
                    .prev_state = ResStatus::released,
                    .locked = true};
    const ResWord back = ResWord::decode(w.encode());
    CHECK(back.expires_ms == ResWord::kExpiresMax);
    CHECK(back.generation == 0xffffffffu);
    CHECK(back.version == ResWord::kVersionMask);
    CHECK(back.state == ResStatus::expired);
    CHECK(back.prev_state == ResStatus::released);
    CHECK(back.locked);
    CHECK(back.terminal());
    const ResWord zero = ResWord::decode(ResWord{}.encode());
    CHECK(zero.expires_ms == 0);
    CHECK(zero.generation == 0);
    CHECK(zero.state == ResStatus::none);
    CHECK_FALSE(zero.locked);
    CHECK_FALSE(zero.terminal());
  }

  TEST_CASE("ResWord has room for expiries of realistic timestamps") {
    // 2^44 ms is year 2527; a clock in 2026 plus the largest ttl (one year) fits.
    CHECK(ResWord::kExpiresMax > 1'700'000'000'000 + 366LL * 24 * 3600 * 1000);
  }

  TEST_CASE("ReservationId packs the record index plus one and the generation") {
    const ReservationId id = make_reservation_id(9, 4);
    CHECK(static_cast<std::uint64_t>(id) == ((std::uint64_t{4} << 32) | 10));
    CHECK(reservation_index(id) == 9);
    CHECK(reservation_generation(id) == 4);
  }

  TEST_CASE("a published record reads back its inline lines, reference and creation time") {
    ReservationTable table(4, 4);
    const std::uint32_t index = table.claim(3);
    REQUIRE(index != IndexFreeList::kNone);
    const auto lines = make_lines(3);
    table.write(index, lines, "cart-42", 1234);
    const ReservationId id = table.publish(index, 99'000);
    CHECK(table.index_of(id) == index);
    CHECK(reservation_index(id) == index);
    CHECK(table.line_count(index) == 3);
    CHECK(table.created_ms(index) == 1234);
    CHECK(table.reference(index) == "cart-42");
  }

  TEST_CASE("references of 0, 7, 8, 9 and 64 bytes read back exactly") {
    ReservationTable table(1, 0);
    for (const std::size_t length : {0, 7, 8, 9, 63, 64}) {
      CAPTURE(length);
      std::string reference;
      for (std::size_t i = 0; i < length; ++i) reference.push_back(static_cast<char>('a' + i % 26));
      const std::uint32_t index = table.claim(1);
      REQUIRE(index != IndexFreeList::kNone);
      const auto lines = make_lines(1);
      table.write(index, lines, reference, 0);
      CHECK(table.reference(index) == reference);
      table.abandon(index);  // Back to the free list unpublished.
    }
  }

  TEST_CASE("claim fails without leaking when the overflow chunks run out") {
    ReservationTable table(4, 2);  // Two chunks: 6 + 22 lines at most.
    CHECK(table.claim(29) == IndexFreeList::kNone);
    const std::uint32_t big = table.claim(28);
    REQUIRE(big != IndexFreeList::kNone);
    CHECK(table.claim(7) == IndexFreeList::kNone);  // No chunk left.
    const std::uint32_t small = table.claim(6);     // Inline lines need no chunk.
    CHECK(small != IndexFreeList::kNone);
    table.abandon(big);
    const std::uint32_t again = table.claim(28);  // Both chunks came back.
    CHECK(again != IndexFreeList::kNone);
  }

  TEST_CASE("claim fails once every record is taken and succeeds after one is released") {
    ReservationTable table(3, 0);
    std::vector<std::uint32_t> taken;
    for (int i = 0; i < 3; ++i) {
      const std::uint32_t index = table.claim(1);
      REQUIRE(index != IndexFreeList::kNone);
      taken.push_back(index);
    }
    CHECK(taken[0] != taken[1]);
    CHECK(taken[1] != taken[2]);
    CHECK(taken[0] != taken[2]);
    CHECK(table.claim(1) == IndexFreeList::kNone);
    table.abandon(taken[1]);
    CHECK(table.claim(1) == taken[1]);
  }

  TEST_CASE("each claim bumps the record's generation, so ids never repeat") {
    ReservationTable table(1, 0);  // One record: every claim reuses it.
    const auto lines = make_lines(1);
    std::uint32_t index = table.claim(1);
    REQUIRE(index != IndexFreeList::kNone);
    table.abandon(index);  // Generation 1 is never published.
    index = table.claim(1);
    REQUIRE(index != IndexFreeList::kNone);
    table.write(index, lines, "", 0);
    const ReservationId id = table.publish(index, 10);
    CHECK(reservation_index(id) == index);
    CHECK(reservation_generation(id) == 2);
  }

  TEST_CASE("index_of rejects the zero id and ids beyond the capacity") {
    ReservationTable table(2, 0);
    CHECK(table.index_of(ReservationId{}) == IndexFreeList::kNone);
    CHECK(table.index_of(make_reservation_id(2, 1)) == IndexFreeList::kNone);
    CHECK(table.index_of(make_reservation_id(1, 1)) == 1);
  }
}

}  // namespace inventory::core
