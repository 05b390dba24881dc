// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// SHA-256 (FIPS 180-4), the hash of the journal's tamper-evident hash chain. Standard library
// only. On x86-64 with GCC or Clang the compression function uses the SHA extensions when the CPU
// has them (checked once at run time), a portable unrolled implementation otherwise; both give
// the same digests.

#ifndef INVENTORY_UTIL_SHA256_H_
#define INVENTORY_UTIL_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inventory::sha256 {

using Digest = std::array<std::uint8_t, 32>;

// Test hooks: the same hash computed with one compression function or the other.
namespace detail {
Digest hash_portable(std::string_view bytes) noexcept;
// True when the CPU has the SHA extensions and this build can use them.
bool accelerated_available() noexcept;
// The hash computed with the SHA extensions; hash_portable() where they are not available.
Digest hash_accelerated(std::string_view bytes) noexcept;
}  // namespace detail

// Incremental: update() any number of times, then finish() once. A Hasher is not thread-safe;
// after finish() it must not be used again.
class Hasher {
 public:
  Hasher() noexcept;
  void update(const void* data, std::size_t size) noexcept;
  void update(std::string_view bytes) noexcept { update(bytes.data(), bytes.size()); }
  Digest finish() noexcept;

 private:
  // Compresses `count` consecutive 64-byte blocks into `state`.
  using Compress = void (*)(std::uint32_t* state, const std::uint8_t* blocks,
                            std::size_t count) noexcept;

  explicit Hasher(Compress compress) noexcept;
  friend Digest detail::hash_portable(std::string_view bytes) noexcept;
  friend Digest detail::hash_accelerated(std::string_view bytes) noexcept;

  Compress compress_;
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_;  // The partial block, buffered_ bytes of it.
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // Bytes hashed so far.
};

// The digest of `bytes` in one call.
Digest hash(std::string_view bytes) noexcept;

// 64 lowercase hexadecimal digits.
std::string to_hex(const Digest& d);

}  // namespace inventory::sha256

#endif  // INVENTORY_UTIL_SHA256_H_
