// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: Atomic128 is one atomic 16-byte word on every path (inline cmpxchg16b on x86-64, the
// LDAXP/STLXP loop on aarch64, libatomic under TSan): no lost update and no torn value, from a
// load or from a failed compare_exchange, under contention. Method: 4 threads increment a
// counter kept in the low half whose complement is kept in the high half, with a CAS loop that
// checks every value it sees; 4 x 200,000 increments must end at 800,000 with 0 torn values.
// CI runs it natively, under ASan and (firmware job) on aarch64 under qemu; the firmware-armhf
// preset runs it on 32-bit ARM, where the word is libatomic's locked 16 bytes.
//
// U128Pair, the two-word u128 of targets without __int128, must compute what unsigned __int128
// does for every operation the packing code uses: checked here against the built-in type
// over random operands and every shift count.
#include "core/atomic128.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>
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

#if defined(__SIZEOF_INT128__)
  TEST_CASE("U128Pair computes what unsigned __int128 does") {
    __extension__ typedef unsigned __int128 Native;
    // The same value in both representations, compared through the two 64-bit halves.
    auto same = [](U128Pair p, Native n) {
      return static_cast<std::uint64_t>(p) == static_cast<std::uint64_t>(n) &&
             static_cast<std::uint64_t>(p >> 64) == static_cast<std::uint64_t>(n >> 64);
    };
    std::mt19937_64 rng(20261127);
    std::uint64_t checks = 0, mismatches = 0;
    auto expect = [&](bool ok) {
      ++checks;
      if (!ok) ++mismatches;
    };
    for (int round = 0; round < 20'000; ++round) {
      const std::uint64_t a_lo = rng(), a_hi = rng(), b_lo = rng(), b_hi = rng();
      // Small operands too: the packing code shifts single bits and 44-bit fields.
      const int width = static_cast<int>(rng() % 128) + 1;
      const Native a = ((Native{a_hi} << 64) | a_lo) >> (128 - width);
      const Native b = (Native{b_hi} << 64) | b_lo;
      const U128Pair pa = (U128Pair(a_hi) << 64 | U128Pair(a_lo)) >> (128 - width);
      const U128Pair pb = U128Pair(b_hi) << 64 | U128Pair(b_lo);
      expect(same(pa, a));
      for (int n = 0; n < 128; n += 1 + static_cast<int>(rng() % 3)) {
        expect(same(pa << n, a << n));
        expect(same(pa >> n, a >> n));
      }
      expect(same(pa & pb, a & b));
      expect(same(pa | pb, a | b));
      expect(same(pa - pb, a - b));
      expect(same(pb - pa, b - a));
      U128Pair acc = pa;
      acc |= pb;
      expect(same(acc, a | b));
      acc &= pa;
      expect(same(acc, (a | b) & a));
      expect((pa == pb) == (a == b) && pa == pa && !(pa != pa));
      expect(static_cast<bool>(pa) == static_cast<bool>(a));
      expect(static_cast<std::int64_t>(pa) == static_cast<std::int64_t>(a));
      expect(static_cast<std::uint32_t>(pb) == static_cast<std::uint32_t>(b));
      // Signed values sign-extend; the item word stores on_hand this way.
      const auto s = static_cast<std::int64_t>(rng());
      expect(same(U128Pair(s), static_cast<Native>(s)));
      const auto i = static_cast<int>(rng());
      expect(same(U128Pair(i), static_cast<Native>(i)));
      expect(
          same(U128Pair(static_cast<unsigned>(i)), static_cast<Native>(static_cast<unsigned>(i))));
    }
    // The edges the word layouts use.
    expect(same((U128Pair(1) << 127) >> 127, Native{1}));
    expect(same((U128Pair(1) << 44) - 1, (Native{1} << 44) - 1));
    expect(same(U128Pair(0) - 1, ~Native{0}));
    std::printf("u128 pair: %llu checks against unsigned __int128, %llu mismatches\n",
                static_cast<unsigned long long>(checks),
                static_cast<unsigned long long>(mismatches));
    CHECK(mismatches == 0);
  }
#endif
}

}  // namespace inventory::core
