// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The check both crash tests make after a restart: the recovered engine must equal the model
// after some prefix of the operations issued since the last check, and that prefix must hold
// every acknowledged change: every sync operation that returned ok (and so everything the
// thread did before it). A sync call that failed without changing anything (insufficient
// stock, say) acknowledges nothing: nothing was journaled for it.

#ifndef INVENTORY_TESTS_CRASH_CRASH_CHECK_H_
#define INVENTORY_TESTS_CRASH_CRASH_CHECK_H_

#include <string>
#include <vector>

#include "crash/workload.h"

namespace inventory::testing {

struct PrefixCheck {
  bool ok = false;
  std::size_t prefix = 0;        // How many of the issued operations the engine holds.
  std::size_t acknowledged = 0;  // How many had to be there (last acknowledged + 1).
  std::string detail;
};

// `issued` in order; the last one may not have returned (cut off by the crash). On success the
// model becomes the matching prefix's state.
inline PrefixCheck check_prefix(Engine& engine, ModelInventory& model, const CrashCatalog& catalog,
                                const std::vector<WorkOp>& issued) {
  PrefixCheck check;
  for (std::size_t i = 0; i < issued.size(); ++i) {
    const WorkOp& op = issued[i];
    if (op.returned && op.sync && op.code == StatusCode::ok) check.acknowledged = i + 1;
  }
  // Candidate states, shortest first; the engine must equal one at or past the acknowledged.
  ModelInventory candidate = model;
  std::string why;
  for (std::size_t j = 0;; ++j) {
    if (j >= check.acknowledged && same_state(engine, candidate, &why)) {
      check.ok = true;
      check.prefix = j;
      model = std::move(candidate);
      return check;
    }
    if (j == issued.size()) break;
    const WorkOp& op = issued[j];
    const StatusCode expected = apply(candidate, catalog, op, op.reserved);
    if (op.returned && op.code != StatusCode::io_error && op.code != expected) {
      check.detail = "operation " + std::to_string(j) + " (" + op.encode() + ") answered " +
                     std::string(to_string(op.code)) + ", the model expects " +
                     std::string(to_string(expected));
      return check;
    }
  }
  check.detail = "no prefix of the " + std::to_string(issued.size()) +
                 " operations matches the recovered state with at least " +
                 std::to_string(check.acknowledged) + " acknowledged (last difference: " + why +
                 ")";
  return check;
}

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_CRASH_CRASH_CHECK_H_
