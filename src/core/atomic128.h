// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// A 16-byte atomic word: the hot state of an item slot and of a reservation.
//
// Thread safety
//   load() and compare_exchange() may be called concurrently from any thread.
//   load() has acquire semantics; a successful compare_exchange() has acquire-release semantics
//   and a failed one acquire semantics, as std::atomic with memory_order_acq_rel would.
//
// Implementation
//   x86-64 (not under ThreadSanitizer): compare_exchange is an inline `lock cmpxchg16b`
//   (needs -mcx16). load() is a single aligned 16-byte SSE load on CPUs with AVX, where Intel
//   and AMD guarantee it is atomic (Intel SDM vol. 3A 9.1.1; AMD APM vol. 1 3.9.1.3), and a
//   `lock cmpxchg16b` otherwise. Both are lock-free; neither allocates.
//   aarch64 (not under ThreadSanitizer): an inline LDAXP/STLXP loop that writes back the value
//   it read when the comparison fails, because only a successful store-exclusive makes the
//   pair single-copy atomic. A load is a compare-exchange of 0 with 0 (LDP is single-copy
//   atomic only from Armv8.4 LSE2). Lock-free. Not the compiler's builtins, with Debian 12's
//   GCC 12: the __atomic ones go to libatomic, whose 16-byte code for aarch64 takes a striped
//   lock; the 16-byte __sync one goes to libgcc's `__aarch64_cas16_sync`, whose LL/SC
//   fallback (CPUs without LSE) returns on a failed compare without that store (so the value
//   it returns may be torn), and with -march=armv8.1-a it crashes the compiler (internal
//   compiler error in extract_insn). See docs/firmware.md. LSE's CASPAL would be faster under
//   heavy contention on large servers; it is not used yet.
//   Elsewhere, and under ThreadSanitizer so that it can model them: the __atomic builtins
//   (libatomic). 32-bit targets (arm-linux-gnueabihf) have no 16-byte CAS and no unsigned
//   __int128: u128 is then U128Pair, a two-word class with the operators the packing code
//   uses, and the word goes through libatomic's generic __atomic_load/__atomic_compare_exchange,
//   which take a lock striped by address. Correct, not lock-free: the hot path there pays a
//   spin lock.

#ifndef INVENTORY_CORE_ATOMIC128_H_
#define INVENTORY_CORE_ATOMIC128_H_

#include <cstdint>
#include <type_traits>

#if defined(__SANITIZE_THREAD__)
#define INVENTORY_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INVENTORY_TSAN 1
#endif
#endif

#if defined(__x86_64__) && !defined(INVENTORY_TSAN)
#define INVENTORY_X86_CMPXCHG16B 1
#define INVENTORY_SYNC_CAS16 1
#include <emmintrin.h>
#elif defined(__aarch64__) && !defined(INVENTORY_TSAN)
#define INVENTORY_AARCH64_LLSC 1
#endif

namespace inventory::core {

// An unsigned 128-bit integer as two words, for targets without __int128 (u128 below), with
// the semantics of unsigned __int128 for what the item and reservation words use: conversion
// from and to the integer types (signed values sign-extend, as the built-in type does), shifts
// by 0..127, &, |, -, ==. Compiled everywhere, so that the host's unit tests compare it with
// the built-in type.
class U128Pair {
 public:
  constexpr U128Pair() noexcept = default;
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  constexpr U128Pair(T value) noexcept  // NOLINT(google-explicit-constructor): an integer type.
      : lo_(static_cast<std::uint64_t>(value)), hi_(sign_word(value)) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  constexpr explicit operator T() const noexcept {
    if constexpr (std::is_same_v<T, bool>) {
      return (lo_ | hi_) != 0;
    } else {
      return static_cast<T>(lo_);
    }
  }

  friend constexpr U128Pair operator<<(U128Pair v, int n) noexcept {
    if (n == 0) return v;
    if (n >= 64) return from(0, v.lo_ << (n - 64));
    return from(v.lo_ << n, (v.hi_ << n) | (v.lo_ >> (64 - n)));
  }
  friend constexpr U128Pair operator>>(U128Pair v, int n) noexcept {
    if (n == 0) return v;
    if (n >= 64) return from(v.hi_ >> (n - 64), 0);
    return from((v.lo_ >> n) | (v.hi_ << (64 - n)), v.hi_ >> n);
  }
  friend constexpr U128Pair operator&(U128Pair a, U128Pair b) noexcept {
    return from(a.lo_ & b.lo_, a.hi_ & b.hi_);
  }
  friend constexpr U128Pair operator|(U128Pair a, U128Pair b) noexcept {
    return from(a.lo_ | b.lo_, a.hi_ | b.hi_);
  }
  friend constexpr U128Pair operator-(U128Pair a, U128Pair b) noexcept {
    return from(a.lo_ - b.lo_, a.hi_ - b.hi_ - (a.lo_ < b.lo_ ? 1 : 0));
  }
  constexpr U128Pair& operator|=(U128Pair b) noexcept { return *this = *this | b; }
  constexpr U128Pair& operator&=(U128Pair b) noexcept { return *this = *this & b; }
  friend constexpr bool operator==(U128Pair a, U128Pair b) noexcept {
    return a.lo_ == b.lo_ && a.hi_ == b.hi_;
  }

 private:
  template <typename T>
  static constexpr std::uint64_t sign_word(T value) noexcept {
    if constexpr (std::is_signed_v<T>) {
      return value < 0 ? ~std::uint64_t{0} : 0;
    } else {
      return 0;
    }
  }
  static constexpr U128Pair from(std::uint64_t lo, std::uint64_t hi) noexcept {
    U128Pair v;
    v.lo_ = lo;
    v.hi_ = hi;
    return v;
  }
  std::uint64_t lo_ = 0;
  std::uint64_t hi_ = 0;
};
static_assert(sizeof(U128Pair) == 16 && std::is_trivially_copyable_v<U128Pair>);

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;  // __extension__: -Wpedantic.
#else
using u128 = U128Pair;
#endif

#if defined(INVENTORY_X86_CMPXCHG16B)
// True when aligned 16-byte vector loads are architecturally atomic (AVX present).
bool vector_load_is_atomic() noexcept;
#endif

#if defined(INVENTORY_SYNC_CAS16) || defined(INVENTORY_AARCH64_LLSC)
#define INVENTORY_CAS16 1
// Compares *word with expected and stores desired if equal, as one single-copy atomic access;
// returns the value read. At least acquire-release (the __sync builtin is a full barrier; the
// loop is LDAXP, then STLXP of desired or of the value read, until the store succeeds).
inline u128 compare_and_swap16(u128* word, u128 expected, u128 desired) noexcept {
#if defined(INVENTORY_SYNC_CAS16)
  return __sync_val_compare_and_swap(word, expected, desired);
#else
  const auto expected_lo = static_cast<std::uint64_t>(expected);
  const auto expected_hi = static_cast<std::uint64_t>(expected >> 64);
  const auto desired_lo = static_cast<std::uint64_t>(desired);
  const auto desired_hi = static_cast<std::uint64_t>(desired >> 64);
  std::uint64_t lo, hi;
  std::uint32_t failed;
  asm volatile(
      "1: ldaxp %[lo], %[hi], %[word]\n"
      "   cmp %[lo], %[elo]\n"
      "   ccmp %[hi], %[ehi], #0, eq\n"
      "   b.ne 2f\n"
      "   stlxp %w[failed], %[dlo], %[dhi], %[word]\n"
      "   cbnz %w[failed], 1b\n"
      "   b 3f\n"
      "2: stlxp %w[failed], %[lo], %[hi], %[word]\n"
      "   cbnz %w[failed], 1b\n"
      "3:\n"
      : [lo] "=&r"(lo), [hi] "=&r"(hi), [failed] "=&r"(failed), [word] "+Q"(*word)
      : [elo] "r"(expected_lo), [ehi] "r"(expected_hi), [dlo] "r"(desired_lo), [dhi] "r"(desired_hi)
      : "cc", "memory");
  return (static_cast<u128>(hi) << 64) | lo;
#endif
}
#endif

class alignas(16) Atomic128 {
 public:
  Atomic128() noexcept = default;
  explicit Atomic128(u128 value) noexcept : value_(value) {}
  Atomic128(const Atomic128&) = delete;
  Atomic128& operator=(const Atomic128&) = delete;

  // Acquire load. Lock-free. Does not allocate.
  u128 load() const noexcept {
#if defined(INVENTORY_X86_CMPXCHG16B)
    if (__builtin_expect(kVectorLoadAtomic, 1)) {
      __m128i v;
      // The asm is volatile with a memory clobber, so the compiler orders it as an acquire;
      // x86-TSO orders the load itself before every later load and store.
      asm volatile("movdqa %1, %0" : "=x"(v) : "m"(value_) : "memory");
      u128 out;
      __builtin_memcpy(&out, &v, sizeof(out));
      return out;
    }
#endif
#if defined(INVENTORY_CAS16)
    // The word is never const memory.
    return compare_and_swap16(const_cast<u128*>(&value_), u128{0}, u128{0});
#else
    u128 out;
    __atomic_load(&value_, &out, __ATOMIC_ACQUIRE);
    return out;
#endif
  }

  // Replaces the value with `desired` if it equals `expected`; otherwise stores the current
  // value in `expected`. Returns true on success. Lock-free. Does not allocate.
  bool compare_exchange(u128& expected, u128 desired) noexcept {
#if defined(INVENTORY_CAS16)
    const u128 previous = compare_and_swap16(&value_, expected, desired);
    if (previous == expected) return true;
    expected = previous;
    return false;
#else
    return __atomic_compare_exchange(&value_, &expected, &desired, /*weak=*/false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE);
#endif
  }

  // Release store. REQUIRES: no other thread writes the word concurrently: the caller holds
  // its lock bit, or the word is in a state every other writer leaves alone (a free record, a
  // free slot). Lock-free. Does not allocate.
  void store_exclusive(u128 desired) noexcept {
#if defined(INVENTORY_X86_CMPXCHG16B)
    if (__builtin_expect(kVectorLoadAtomic, 1)) {
      // An aligned 16-byte vector store is atomic on the same CPUs as the load above, and
      // x86-TSO gives it release semantics; the memory clobber keeps the compiler from moving
      // earlier stores after it.
      __m128i v;
      __builtin_memcpy(&v, &desired, sizeof(desired));
      asm volatile("movdqa %1, %0" : "=m"(value_) : "x"(v) : "memory");
      return;
    }
#endif
#if defined(INVENTORY_CAS16)
    u128 expected = load();
    while (!compare_exchange(expected, desired)) {
    }
#else
    __atomic_store(&value_, &desired, __ATOMIC_RELEASE);
#endif
  }

 private:
#if defined(INVENTORY_X86_CMPXCHG16B)
  static inline const bool kVectorLoadAtomic = vector_load_is_atomic();
#endif
  u128 value_ = 0;
};

static_assert(sizeof(Atomic128) == 16);
static_assert(alignof(Atomic128) == 16);

}  // namespace inventory::core

#endif  // INVENTORY_CORE_ATOMIC128_H_
