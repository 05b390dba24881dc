// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "util/zeroed_memory.h"

#include <sys/mman.h>

namespace inventory::detail {

void* map_zeroed(std::size_t bytes) noexcept {
  if (bytes == 0) return nullptr;
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        /*fd=*/-1, /*offset=*/0);
  return memory == MAP_FAILED ? nullptr : memory;
}

void unmap_zeroed(void* memory, std::size_t bytes) noexcept {
  if (memory != nullptr) ::munmap(memory, bytes);
}

}  // namespace inventory::detail
