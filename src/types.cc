// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Names of the public enums, the library version, and the CPU feature probe of atomic128.h.

#include "inventory/types.h"

#include "inventory/catalog.h"
#include "inventory/version.h"

#include "core/atomic128.h"

namespace inventory {

std::string_view to_string(ReservationState state) noexcept {
  switch (state) {
    case ReservationState::active:
      return "active";
    case ReservationState::confirmed:
      return "confirmed";
    case ReservationState::released:
      return "released";
    case ReservationState::expired:
      return "expired";
  }
  return "unknown";
}

std::string_view to_string(LocationType type) noexcept {
  switch (type) {
    case LocationType::warehouse:
      return "warehouse";
    case LocationType::store:
      return "store";
    case LocationType::marketplace:
      return "marketplace";
    case LocationType::transit:
      return "transit";
  }
  return "unknown";
}

std::string_view version() noexcept { return INVENTORY_VERSION_STRING; }

#if defined(INVENTORY_X86_CMPXCHG16B)
namespace core {
bool vector_load_is_atomic() noexcept { return __builtin_cpu_supports("avx"); }
}  // namespace core
#endif

}  // namespace inventory
