// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Observer: told about what happens in the engine. Register in Options::observers. Override only
// what you need; the defaults do nothing.
//
// [Threading]  Called on the engine's background threads, never under an engine lock.
// [Exceptions] Callbacks are noexcept.

#ifndef INVENTORY_OBSERVER_H_
#define INVENTORY_OBSERVER_H_

#include "inventory/export.h"
#include "inventory/status.h"

namespace inventory {

class INVENTORY_EXPORT Observer {
 public:
  virtual ~Observer();
  // A journal write or sync failed: the engine is read-only (mutations return io_error) until it
  // is reopened. Called once.
  virtual void on_background_error(const Status& /*status*/) noexcept {}
};

}  // namespace inventory

#endif  // INVENTORY_OBSERVER_H_
