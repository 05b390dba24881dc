// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Test knobs from the environment (INVENTORY_SEED, INVENTORY_MODEL_OPS, INVENTORY_STRESS_OPS).

#ifndef INVENTORY_TESTS_SUPPORT_ENV_H_
#define INVENTORY_TESTS_SUPPORT_ENV_H_

#include <cstdint>
#include <cstdlib>

namespace inventory::testing {

// The unsigned value of environment variable `name`, or `fallback` when it is not set.
inline std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_SUPPORT_ENV_H_
