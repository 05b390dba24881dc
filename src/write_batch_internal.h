// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The stored form of a WriteBatch operation, shared by write_batch.cc, the engine (validation)
// and the core (application). Owns its strings and lines.

#ifndef INVENTORY_WRITE_BATCH_INTERNAL_H_
#define INVENTORY_WRITE_BATCH_INTERNAL_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "inventory/write_batch.h"

namespace inventory {

struct WriteBatch::Operation {
  Kind kind = Kind::adjust;
  ItemId item{};      // adjust, set_on_hand, set_policy; transfer: from.
  ItemId item2{};     // transfer: to.
  Quantity quantity;  // adjust: delta; set_on_hand: on_hand; transfer: quantity.
  std::optional<Version> expected_version;
  bool force = false;
  ItemPolicy policy;
  ReservationId reservation{};       // confirm, release, extend.
  std::chrono::milliseconds ttl{0};  // reserve, extend.
  std::vector<ReserveLine> lines;    // reserve: lines; confirm: quantities.
  std::string reason;
  std::string reference;
};

class WriteBatchInternal {
 public:
  static const std::vector<WriteBatch::Operation>& operations(const WriteBatch& batch) {
    return batch.ops_;
  }
};

}  // namespace inventory

#endif  // INVENTORY_WRITE_BATCH_INTERNAL_H_
