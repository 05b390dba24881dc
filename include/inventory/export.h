// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// INVENTORY_EXPORT marks the symbols of the public API. The library is built with hidden
// visibility, so everything else stays internal to the shared object.

#ifndef INVENTORY_EXPORT_H_
#define INVENTORY_EXPORT_H_

#if defined(INVENTORY_STATIC_DEFINE)
#define INVENTORY_EXPORT
#elif defined(_WIN32)
#if defined(INVENTORY_BUILDING_LIBRARY)
#define INVENTORY_EXPORT __declspec(dllexport)
#else
#define INVENTORY_EXPORT __declspec(dllimport)
#endif
#else
#define INVENTORY_EXPORT __attribute__((visibility("default")))
#endif

#endif  // INVENTORY_EXPORT_H_
