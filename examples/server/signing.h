// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Hashes and signatures for the server: SHA-256 of API key secrets, HMAC-SHA256 webhook
// signatures and their receiver-side check, constant-time comparison, random tokens. Thin
// wrappers over OpenSSL 3 (libcrypto) so the server never handles raw digests itself.
// Thread-safe: OpenSSL 3 needs no locking setup.
//
// The webhook signature follows the Stripe scheme receivers already know how to check:
//   X-Inventory-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// Signing the timestamp with the body lets a receiver refuse replays of an old delivery.
#ifndef INVENTORY_SERVER_SIGNING_H_
#define INVENTORY_SERVER_SIGNING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inventory::server {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Lower-case hex HMAC-SHA256 of `message` under `key` (64 characters). Any key length works,
// including empty.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The X-Inventory-Signature header value for `body` sent at `unix_seconds`:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string signature_header(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body);

// Receiver-side check (used by the tests; the README shows receivers the same steps). Parses
// `header` as comma-separated key=value elements (spaces around them ignored); it needs
// exactly one t (decimal unix seconds) and at least one v1 (several are allowed, so a sender
// rotating secrets can sign with both); other keys are ignored for forward compatibility.
// Refuses when t is more than `tolerance_seconds` before or after `now_seconds`; otherwise
// true when any v1 equals the expected HMAC, compared in constant time.
bool verify_signature(std::string_view header, std::string_view secret, std::string_view body,
                      std::int64_t now_seconds, std::int64_t tolerance_seconds = 300);

// a == b without a data-dependent early exit (CRYPTO_memcmp), so a timing probe learns only
// whether the lengths differ. Use it for every secret, hash or signature comparison.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// `bytes` random bytes from OpenSSL's CSPRNG (RAND_bytes) as 2 * bytes lower-case hex
// characters. Throws std::runtime_error when the generator fails or `bytes` is too large.
std::string random_hex(std::size_t bytes);

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_SIGNING_H_
