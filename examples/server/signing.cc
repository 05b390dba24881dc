// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
#include "signing.h"

#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace inventory::server {

namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[data[i] >> 4];
    hex[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return hex;
}

// OpenSSL wants a non-null pointer even for zero bytes; an empty string_view may carry null.
const unsigned char* bytes_of(std::string_view text) {
  static constexpr unsigned char kEmpty = 0;
  return text.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(text.data());
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes_of(data), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest, size);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  if (key.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("HMAC key too long");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // The one-shot HMAC() is not deprecated in OpenSSL 3 (only the HMAC_CTX calls are).
  if (HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(message),
           message.size(), mac, &size) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return to_hex(mac, size);
}

std::string signature_header(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + body.size());
  signed_payload.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, signed_payload);
}

bool verify_signature(std::string_view header, std::string_view secret, std::string_view body,
                      std::int64_t now_seconds, std::int64_t tolerance_seconds) {
  std::string_view t_text;
  int t_count = 0;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view element = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t equals = element.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view key = element.substr(0, equals);
    const std::string_view value = element.substr(equals + 1);
    if (key == "t") {
      t_text = value;
      ++t_count;
    } else if (key == "v1") {
      signatures.push_back(value);
    }
  }
  if (t_count != 1 || signatures.empty() || tolerance_seconds < 0) return false;

  // Digits only, because from_chars would also take a '-'. The HMAC below covers t exactly as
  // the sender wrote it, so no normalisation is needed.
  if (t_text.empty() || t_text.size() > 18) return false;
  for (const char c : t_text) {
    if (c < '0' || c > '9') return false;
  }
  std::int64_t t = 0;
  const auto [end, error] = std::from_chars(t_text.data(), t_text.data() + t_text.size(), t);
  if (error != std::errc() || end != t_text.data() + t_text.size()) return false;

  // |now - t| in unsigned arithmetic: the true difference fits in 64 bits, the signed one may
  // not.
  const std::uint64_t skew =
      t >= now_seconds ? static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(now_seconds)
                       : static_cast<std::uint64_t>(now_seconds) - static_cast<std::uint64_t>(t);
  if (skew > static_cast<std::uint64_t>(tolerance_seconds)) return false;

  std::string signed_payload;
  signed_payload.reserve(t_text.size() + 1 + body.size());
  signed_payload.append(t_text).append(".").append(body);
  const std::string expected = hmac_sha256_hex(secret, signed_payload);
  bool match = false;
  // Every candidate is compared, so the time taken does not reveal which one matched.
  for (const std::string_view candidate : signatures) {
    match = constant_time_equal(expected, candidate) || match;
  }
  return match;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("random_hex: too many bytes");
  if (bytes == 0) return {};
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return to_hex(buffer.data(), buffer.size());
}

}  // namespace inventory::server
