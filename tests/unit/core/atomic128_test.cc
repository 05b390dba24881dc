// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: Atomic128 is one atomic 16-byte word on every path (inline cmpxchg16b on x86-64, the
// LDAXP/STLXP loop on aarch64, libatomic under TSan): no lost update and no torn value, from a
// load or from a failed compare_exchange, under contention. Method: 4 threads increment a
// counter kept in the low half whose complement is kept in the high half, with a CAS loop that
// checks every value it sees; 4 x 200,000 increments must end at 800,000 with 0 torn values.
// CI runs it natively, under TSan and (firmware job) on aarch64 under qemu.
#include "core/atomic128.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace inventory::core {
namespace {

u128 pack(std::uint64_t n) { return (static_cast<u128>(~n) << 64) | n; }
bool whole(u128 v) { return static_cast<std::uint64_t>(v >> 64) == ~static_cast<std::uint64_t>(v); }

}  // namespace

TEST_SUITE("core/atomic128") {
  TEST_CASE("Atomic128 loses no update and tears no value under contention") {
    constexpr int kThreads = 4;
    constexpr std::uint64_t kIncrements = 200'000;
    Atomic128 word(pack(0));
    std::atomic<std::uint64_t> torn{0};
    std::atomic<std::uint64_t> retries{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (std::uint64_t i = 0; i < kIncrements; ++i) {
          u128 seen = word.load();
          for (;;) {
            if (!whole(seen)) torn.fetch_add(1, std::memory_order_relaxed);
            if (word.compare_exchange(seen, pack(static_cast<std::uint64_t>(seen) + 1))) break;
            retries.fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    const u128 end = word.load();
    std::printf("atomic128: %d threads x %llu increments, %llu failed compares, %llu torn\n",
                kThreads, static_cast<unsigned long long>(kIncrements),
                static_cast<unsigned long long>(retries.load()),
                static_cast<unsigned long long>(torn.load()));
    CHECK(whole(end));
    CHECK(static_cast<std::uint64_t>(end) == kThreads * kIncrements);
    CHECK(torn.load() == 0);

    // store_exclusive, with no writer racing it, then a failed compare returns the value.
    word.store_exclusive(pack(7));
    u128 expected = pack(8);
    CHECK_FALSE(word.compare_exchange(expected, pack(9)));
    CHECK(expected == pack(7));
    CHECK(word.load() == pack(7));
  }
}

}  // namespace inventory::core
