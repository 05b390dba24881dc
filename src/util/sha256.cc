// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Written from FIPS 180-4, sections 4.1.2 (functions), 4.2.2 (constants), 5.1.1 (padding),
// 5.3.3 (initial hash value) and 6.2.2 (computation).

#include "util/sha256.h"

#include <bit>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define INVENTORY_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define INVENTORY_SHA256_X86 0
#endif

namespace inventory::sha256 {

namespace {

using CompressFn = void (*)(std::uint32_t* state, const std::uint8_t* blocks,
                            std::size_t count) noexcept;

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
alignas(16) constexpr std::uint32_t kRound[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u,
};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr std::array<std::uint32_t, 8> kInitial = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// FIPS 180-4 (4.2)-(4.7).
inline std::uint32_t ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) noexcept {
  return (x & y) ^ (~x & z);
}
inline std::uint32_t maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) noexcept {
  return (x & y) ^ (x & z) ^ (y & z);
}
inline std::uint32_t big_sigma0(std::uint32_t x) noexcept {
  return std::rotr(x, 2) ^ std::rotr(x, 13) ^ std::rotr(x, 22);
}
inline std::uint32_t big_sigma1(std::uint32_t x) noexcept {
  return std::rotr(x, 6) ^ std::rotr(x, 11) ^ std::rotr(x, 25);
}
inline std::uint32_t small_sigma0(std::uint32_t x) noexcept {
  return std::rotr(x, 7) ^ std::rotr(x, 18) ^ (x >> 3);
}
inline std::uint32_t small_sigma1(std::uint32_t x) noexcept {
  return std::rotr(x, 17) ^ std::rotr(x, 19) ^ (x >> 10);
}

// One round, with the working variables renamed instead of shifted: only d and h change (d
// becomes the new e, h the new a), and the caller rotates the names for the next round.
inline void one_round(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t& d,
                      std::uint32_t e, std::uint32_t f, std::uint32_t g, std::uint32_t& h,
                      std::uint32_t k_plus_w) noexcept {
  const std::uint32_t t1 = h + big_sigma1(e) + ch(e, f, g) + k_plus_w;
  const std::uint32_t t2 = big_sigma0(a) + maj(a, b, c);
  d += t1;
  h = t1 + t2;
}

// Sixteen rounds t = base .. base+15, with w[j] = W(base + j).
inline void sixteen_rounds(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c, std::uint32_t& d,
                           std::uint32_t& e, std::uint32_t& f, std::uint32_t& g, std::uint32_t& h,
                           const std::uint32_t* w, const std::uint32_t* k) noexcept {
  one_round(a, b, c, d, e, f, g, h, k[0] + w[0]);
  one_round(h, a, b, c, d, e, f, g, k[1] + w[1]);
  one_round(g, h, a, b, c, d, e, f, k[2] + w[2]);
  one_round(f, g, h, a, b, c, d, e, k[3] + w[3]);
  one_round(e, f, g, h, a, b, c, d, k[4] + w[4]);
  one_round(d, e, f, g, h, a, b, c, k[5] + w[5]);
  one_round(c, d, e, f, g, h, a, b, k[6] + w[6]);
  one_round(b, c, d, e, f, g, h, a, k[7] + w[7]);
  one_round(a, b, c, d, e, f, g, h, k[8] + w[8]);
  one_round(h, a, b, c, d, e, f, g, k[9] + w[9]);
  one_round(g, h, a, b, c, d, e, f, k[10] + w[10]);
  one_round(f, g, h, a, b, c, d, e, k[11] + w[11]);
  one_round(e, f, g, h, a, b, c, d, k[12] + w[12]);
  one_round(d, e, f, g, h, a, b, c, k[13] + w[13]);
  one_round(c, d, e, f, g, h, a, b, k[14] + w[14]);
  one_round(b, c, d, e, f, g, h, a, k[15] + w[15]);
}

// The message schedule's next sixteen words, in place: w[j] = W(t - 16) becomes W(t). Entries
// before j already hold the new words, entries after j still the old ones, which is what
// W(t-2), W(t-7) and W(t-15) need.
inline void next_schedule(std::uint32_t* w) noexcept {
  for (int j = 0; j < 16; ++j) {
    w[j] += small_sigma1(w[(j + 14) & 15]) + w[(j + 9) & 15] + small_sigma0(w[(j + 1) & 15]);
  }
}

void compress_portable(std::uint32_t* state, const std::uint8_t* blocks,
                       std::size_t count) noexcept {
  for (; count > 0; --count, blocks += 64) {
    std::uint32_t w[16];
    for (int j = 0; j < 16; ++j) w[j] = load_be32(blocks + 4 * j);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    sixteen_rounds(a, b, c, d, e, f, g, h, w, kRound);
    for (int t = 16; t < 64; t += 16) {
      next_schedule(w);
      sixteen_rounds(a, b, c, d, e, f, g, h, w, kRound + t);
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

#if INVENTORY_SHA256_X86

#define INVENTORY_SHA_TARGET __attribute__((target("sha,sse4.1")))

// Four rounds. The SHA extensions keep the state as abef = {a, b, e, f} and cdgh = {c, d, g, h}
// (first letter in the highest lane); sha256rnds2 does two rounds with the low two lanes of its
// third operand and returns the new abef, the old abef being the new cdgh.
INVENTORY_SHA_TARGET inline __m128i load128(const void* p) noexcept {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

INVENTORY_SHA_TARGET inline void store128(void* p, __m128i v) noexcept {
  _mm_storeu_si128(static_cast<__m128i*>(p), v);
}

INVENTORY_SHA_TARGET inline void four_rounds(__m128i& abef, __m128i& cdgh, __m128i w,
                                             const std::uint32_t* k) noexcept {
  const __m128i kw = _mm_add_epi32(w, load128(k));
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, kw);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(kw, 0x0e));
}

// W(t .. t+3) from w0 = W(t-16 ..), w1 = W(t-12 ..), w2 = W(t-8 ..), w3 = W(t-4 ..).
INVENTORY_SHA_TARGET inline __m128i schedule(__m128i w0, __m128i w1, __m128i w2,
                                             __m128i w3) noexcept {
  __m128i x = _mm_sha256msg1_epu32(w0, w1);          // W(t-16 ..) + sigma0(W(t-15 ..))
  x = _mm_add_epi32(x, _mm_alignr_epi8(w3, w2, 4));  // + W(t-7 ..)
  return _mm_sha256msg2_epu32(x, w3);                // + sigma1(W(t-2 ..))
}

INVENTORY_SHA_TARGET void compress_sha_ni(std::uint32_t* state, const std::uint8_t* blocks,
                                          std::size_t count) noexcept {
  // Byte-swaps each 32-bit lane: the message words are big-endian.
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

  // {a, b, c, d}, {e, f, g, h} (a in the lowest lane) to abef, cdgh.
  const __m128i badc = _mm_shuffle_epi32(load128(state), 0xb1);
  const __m128i hgfe = _mm_shuffle_epi32(load128(state + 4), 0x1b);
  __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
  __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0);

  for (; count > 0; --count, blocks += 64) {
    const __m128i abef_in = abef;
    const __m128i cdgh_in = cdgh;
    __m128i w0 = _mm_shuffle_epi8(load128(blocks), swap);
    __m128i w1 = _mm_shuffle_epi8(load128(blocks + 16), swap);
    __m128i w2 = _mm_shuffle_epi8(load128(blocks + 32), swap);
    __m128i w3 = _mm_shuffle_epi8(load128(blocks + 48), swap);
    four_rounds(abef, cdgh, w0, kRound + 0);
    four_rounds(abef, cdgh, w1, kRound + 4);
    four_rounds(abef, cdgh, w2, kRound + 8);
    four_rounds(abef, cdgh, w3, kRound + 12);
    for (int t = 16; t < 64; t += 16) {
      w0 = schedule(w0, w1, w2, w3);
      four_rounds(abef, cdgh, w0, kRound + t);
      w1 = schedule(w1, w2, w3, w0);
      four_rounds(abef, cdgh, w1, kRound + t + 4);
      w2 = schedule(w2, w3, w0, w1);
      four_rounds(abef, cdgh, w2, kRound + t + 8);
      w3 = schedule(w3, w0, w1, w2);
      four_rounds(abef, cdgh, w3, kRound + t + 12);
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }

  // Back to {a, b, c, d}, {e, f, g, h}.
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);  // {a, b, e, f} from the lowest lane.
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);  // {g, h, c, d} from the lowest lane.
  store128(state, _mm_blend_epi16(feba, dchg, 0xf0));
  store128(state + 4, _mm_alignr_epi8(dchg, feba, 8));
}

#undef INVENTORY_SHA_TARGET

bool cpu_has_sha_ni() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  if ((ecx & bit_SSSE3) == 0 || (ecx & bit_SSE4_1) == 0) return false;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  return (ebx & bit_SHA) != 0;
}

#endif  // INVENTORY_SHA256_X86

bool have_accelerated() noexcept {
#if INVENTORY_SHA256_X86
  static const bool have = cpu_has_sha_ni();
  return have;
#else
  return false;
#endif
}

CompressFn best_compress() noexcept {
#if INVENTORY_SHA256_X86
  if (have_accelerated()) return compress_sha_ni;
#endif
  return compress_portable;
}

}  // namespace

Hasher::Hasher() noexcept : Hasher(best_compress()) {}

Hasher::Hasher(Compress compress) noexcept : compress_(compress), state_(kInitial), buffer_() {}

void Hasher::update(const void* data, std::size_t size) noexcept {
  if (size == 0) return;
  const auto* p = static_cast<const std::uint8_t*>(data);
  length_ += size;
  if (buffered_ > 0) {
    const std::size_t take = size < 64 - buffered_ ? size : 64 - buffered_;
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ < 64) return;
    compress_(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  const std::size_t blocks = size / 64;
  if (blocks > 0) {
    compress_(state_.data(), p, blocks);
    p += blocks * 64;
    size -= blocks * 64;
  }
  if (size > 0) {
    std::memcpy(buffer_.data(), p, size);
    buffered_ = size;
  }
}

Digest Hasher::finish() noexcept {
  // 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits as 64 big-endian bits.
  const std::uint64_t bits = length_ * 8;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    std::memset(buffer_.data() + buffered_, 0, 64 - buffered_);
    compress_(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  std::memset(buffer_.data() + buffered_, 0, 56 - buffered_);
  store_be32(buffer_.data() + 56, static_cast<std::uint32_t>(bits >> 32));
  store_be32(buffer_.data() + 60, static_cast<std::uint32_t>(bits));
  compress_(state_.data(), buffer_.data(), 1);
  buffered_ = 0;

  Digest digest;
  for (int i = 0; i < 8; ++i) store_be32(digest.data() + 4 * i, state_[i]);
  return digest;
}

Digest hash(std::string_view bytes) noexcept {
  Hasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

std::string to_hex(const Digest& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * d.size(), '\0');
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 0x0f];
  }
  return out;
}

namespace detail {

Digest hash_portable(std::string_view bytes) noexcept {
  Hasher hasher(compress_portable);
  hasher.update(bytes);
  return hasher.finish();
}

bool accelerated_available() noexcept { return have_accelerated(); }

Digest hash_accelerated(std::string_view bytes) noexcept {
#if INVENTORY_SHA256_X86
  if (have_accelerated()) {
    Hasher hasher(compress_sha_ni);
    hasher.update(bytes);
    return hasher.finish();
  }
#endif
  return hash_portable(bytes);
}

}  // namespace detail

}  // namespace inventory::sha256
