// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Large zero-filled arrays whose pages are committed on first touch (anonymous mmap), so that
// Limits can be generous without costing resident memory up front.
//
// The tables placed in this memory hold only lock-free std::atomic integers (and 16-byte words
// accessed through Atomic128), for which GCC and Clang use the plain integer representation:
// all-zero bytes are the value 0, which is the state every slot and record starts in.

#ifndef INVENTORY_UTIL_ZEROED_MEMORY_H_
#define INVENTORY_UTIL_ZEROED_MEMORY_H_

#include <cstddef>

namespace inventory::detail {

// Returns `bytes` of zeroed memory aligned to at least 64 bytes, or nullptr on failure.
void* map_zeroed(std::size_t bytes) noexcept;
void unmap_zeroed(void* memory, std::size_t bytes) noexcept;

}  // namespace inventory::detail

#endif  // INVENTORY_UTIL_ZEROED_MEMORY_H_
