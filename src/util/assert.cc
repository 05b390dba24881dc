// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "util/assert.h"

#include <cstdio>
#include <cstdlib>

namespace inventory::detail {

void assert_fail(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "inventory: assertion failed: %s (%s:%d)\n", expr, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace inventory::detail
