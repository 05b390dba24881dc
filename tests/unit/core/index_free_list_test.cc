// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the free list hands out every index exactly once and takes them back. Method: drain
// lists of several sizes and shard counts (including more shards than indexes), then push back
// and drain again.
#include "core/index_free_list.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

namespace inventory::core {

namespace {
std::vector<std::uint32_t> drain(IndexFreeList& list) {
  std::vector<std::uint32_t> out;
  for (;;) {
    const std::uint32_t index = list.pop();
    if (index == IndexFreeList::kNone) break;
    out.push_back(index);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint32_t> iota(std::uint32_t count) {
  std::vector<std::uint32_t> out(count);
  for (std::uint32_t i = 0; i < count; ++i) out[i] = i;
  return out;
}
}  // namespace

TEST_SUITE("core/index_free_list") {
  TEST_CASE("every index is popped exactly once, then pop returns kNone") {
    for (const std::uint32_t count : {1u, 2u, 3u, 10u, 64u, 1000u}) {
      for (const std::uint32_t shards : {1u, 2u, 4u, 7u, 64u}) {
        CAPTURE(count);
        CAPTURE(shards);
        IndexFreeList list(count, shards);
        CHECK(drain(list) == iota(count));
        CHECK(list.pop() == IndexFreeList::kNone);
      }
    }
  }

  TEST_CASE("an empty list pops kNone and a zero shard count still works") {
    IndexFreeList empty(0, 4);
    CHECK(empty.pop() == IndexFreeList::kNone);
    IndexFreeList one_shard(3, 0);
    CHECK(drain(one_shard) == iota(3));
  }

  TEST_CASE("pushed indexes come back, the most recent first") {
    IndexFreeList list(5, 2);
    CHECK(drain(list).size() == 5);
    list.push(3);
    list.push(1);
    CHECK(list.pop() == 1);
    CHECK(list.pop() == 3);
    CHECK(list.pop() == IndexFreeList::kNone);
    for (std::uint32_t i = 0; i < 5; ++i) list.push(i);
    CHECK(drain(list) == iota(5));
  }

  TEST_CASE("repeated pop and push cycles never duplicate or lose an index") {
    IndexFreeList list(8, 3);
    std::vector<std::uint32_t> held;
    for (int round = 0; round < 50; ++round) {
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t index = list.pop();
        if (index != IndexFreeList::kNone) held.push_back(index);
      }
      if (!held.empty()) {
        list.push(held.front());
        held.erase(held.begin());
      }
    }
    std::vector<std::uint32_t> all = drain(list);
    all.insert(all.end(), held.begin(), held.end());
    std::sort(all.begin(), all.end());
    CHECK(all == iota(8));
  }
}

}  // namespace inventory::core
