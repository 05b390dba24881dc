// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// CRC32C (Castagnoli), the checksum of every journal record and checkpoint chunk. Uses the
// SSE4.2 crc32 instruction when the CPU has it, a table otherwise; both give the same values.
// masked()/unmasked() follow LevelDB: a CRC stored next to the data it covers is masked so that
// a CRC of bytes that embed CRCs is not trivially related to them.

#ifndef INVENTORY_UTIL_CRC32C_H_
#define INVENTORY_UTIL_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace inventory::crc32c {

// The CRC32C of `data[0, n)` continuing from `crc` (0 for a fresh CRC).
std::uint32_t extend(std::uint32_t crc, const void* data, std::size_t n) noexcept;
inline std::uint32_t value(const void* data, std::size_t n) noexcept { return extend(0, data, n); }

inline std::uint32_t masked(std::uint32_t crc) noexcept {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline std::uint32_t unmasked(std::uint32_t masked_crc) noexcept {
  const std::uint32_t rot = masked_crc - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace inventory::crc32c

#endif  // INVENTORY_UTIL_CRC32C_H_
