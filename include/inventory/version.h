// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Version of the headers (macros) and of the linked library (version()). They differ only when
// an application is built against one release and runs with another.

#ifndef INVENTORY_VERSION_H_
#define INVENTORY_VERSION_H_

#include <string_view>

#include "inventory/export.h"

#define INVENTORY_VERSION_MAJOR 0
#define INVENTORY_VERSION_MINOR 1
#define INVENTORY_VERSION_PATCH 0
#define INVENTORY_VERSION_STRING "0.1.0"

namespace inventory {

// The version of the linked library, e.g. "0.1.0".
INVENTORY_EXPORT std::string_view version() noexcept;

}  // namespace inventory

#endif  // INVENTORY_VERSION_H_
