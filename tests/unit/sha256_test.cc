// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: sha256 computes FIPS 180-4 SHA-256 however the input is split across update() calls,
// and the portable and SHA-extension compression functions agree. Method: the FIPS 180-2
// known answers, every split point of a 200-byte message, the padding edge lengths fed byte by
// byte, and random messages hashed by both compression functions.
#include "util/sha256.h"

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

namespace inventory::sha256 {

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

Digest byte_by_byte(std::string_view bytes) {
  Hasher hasher;
  for (const char c : bytes) hasher.update(&c, 1);
  return hasher.finish();
}

}  // namespace

TEST_SUITE("sha256") {
  TEST_CASE("FIPS 180-2 known answers") {
    CHECK(to_hex(hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(hash("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(to_hex(hash(std::string(1'000'000, 'a'))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    CHECK(to_hex(detail::hash_portable("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(detail::hash_accelerated("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  TEST_CASE("one million 'a' fed in uneven pieces") {
    Hasher hasher;
    const std::string piece(997, 'a');
    std::size_t left = 1'000'000;
    while (left > 0) {
      const std::size_t n = left < piece.size() ? left : piece.size();
      hasher.update(piece.data(), n);
      left -= n;
    }
    CHECK(to_hex(hasher.finish()) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  TEST_CASE("empty updates change nothing") {
    Hasher hasher;
    hasher.update(nullptr, 0);
    hasher.update("ab");
    hasher.update(std::string_view());
    hasher.update("c");
    hasher.update(nullptr, 0);
    CHECK(hasher.finish() == hash("abc"));
  }

  TEST_CASE("a split at every offset equals the one-shot hash") {
    const std::string message = pattern(200);
    const Digest expected = hash(message);
    for (std::size_t split = 0; split <= message.size(); ++split) {
      CAPTURE(split);
      Hasher hasher;
      hasher.update(std::string_view(message).substr(0, split));
      hasher.update(std::string_view(message).substr(split));
      CHECK(hasher.finish() == expected);
    }
  }

  TEST_CASE("padding edges: one-shot equals byte by byte") {
    constexpr std::size_t kLengths[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129};
    for (const std::size_t n : kLengths) {
      CAPTURE(n);
      const std::string message = pattern(n);
      CHECK(byte_by_byte(message) == hash(message));
      CHECK(detail::hash_portable(message) == hash(message));
    }
  }

  TEST_CASE("padding edges: known answers") {
    // Lengths around the 55/56-byte boundary, where the length field spills into a second block.
    CHECK(to_hex(hash(std::string(55, 'a'))) ==
          "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(to_hex(hash(std::string(56, 'a'))) ==
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(to_hex(hash(std::string(64, 'a'))) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  }

  TEST_CASE("to_hex") {
    Digest d{};
    d[0] = 0x01;
    d[1] = 0xab;
    d[31] = 0xf0;
    CHECK(to_hex(d) == "01ab0000000000000000000000000000000000000000000000000000000000f0");
  }

  TEST_CASE("portable and accelerated compressions agree") {
    if (!detail::accelerated_available()) {
      MESSAGE("no SHA extensions on this CPU: only the portable compression is tested");
    }
    std::mt19937_64 rng(20260101);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 1000);
    for (int i = 0; i < 500; ++i) {
      const std::size_t n = i < 200 ? static_cast<std::size_t>(i) : length(rng);
      std::string message(n, '\0');
      for (char& c : message) c = static_cast<char>(byte(rng));
      CAPTURE(n);
      const Digest portable = detail::hash_portable(message);
      CHECK(detail::hash_accelerated(message) == portable);
      CHECK(hash(message) == portable);
    }
    // Many blocks in one compression call.
    std::string big(1 << 20, '\0');
    for (char& c : big) c = static_cast<char>(byte(rng));
    CHECK(detail::hash_accelerated(big) == detail::hash_portable(big));
  }
}

}  // namespace inventory::sha256
