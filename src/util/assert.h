// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// INVENTORY_ASSERT stays on in release builds (control plane, boundaries, invariants that would
// otherwise corrupt stock silently). INVENTORY_DASSERT is for hot loops and compiles away in
// release builds. Write ASSERT(a); ASSERT(b); rather than ASSERT(a && b).

#ifndef INVENTORY_UTIL_ASSERT_H_
#define INVENTORY_UTIL_ASSERT_H_

namespace inventory::detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line) noexcept;
}  // namespace inventory::detail

#define INVENTORY_ASSERT(expr)                                                                     \
  do {                                                                                             \
    if (__builtin_expect(!(expr), 0)) ::inventory::detail::assert_fail(#expr, __FILE__, __LINE__); \
  } while (false)

#ifdef NDEBUG
#define INVENTORY_DASSERT(expr) \
  do {                          \
  } while (false && (expr))
#else
#define INVENTORY_DASSERT(expr) INVENTORY_ASSERT(expr)
#endif

#endif  // INVENTORY_UTIL_ASSERT_H_
