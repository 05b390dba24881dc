// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// crash_tests: doctest, plus a child mode the kill -9 test runs in a separate process:
//   crash_tests --crash-child DIR SEED ACTIVE_FILE
// The child opens the engine on DIR and runs the workload forever, printing each operation to
// stdout before it starts ("I ...") and after it returns ("A ..."), until it is killed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <doctest/doctest.h>

#include "crash/workload.h"

namespace inventory::testing {

int crash_child(const char* dir, std::uint64_t seed, const char* active_file) {
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 500;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  auto opened = Engine::open(options, dir);
  if (!opened.ok()) {
    std::printf("E %s\n", opened.status().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  const std::optional<CrashCatalog> found = CrashCatalog::find(engine);
  if (!found) {
    std::printf("E the catalog is missing\n");
    return 1;
  }
  const CrashCatalog& catalog = *found;
  std::vector<std::uint64_t> active;
  std::ifstream in(active_file);
  for (std::uint64_t id; in >> id;) active.push_back(id);
  Workload workload(seed, catalog);
  std::printf("R\n");
  std::fflush(stdout);
  for (;;) {
    WorkOp op = workload.next(active);
    std::printf("I %s\n", op.encode().c_str());
    std::fflush(stdout);
    workload.run(engine, op);
    std::printf("A %s\n", op.encode().c_str());
    std::fflush(stdout);
    if (op.code != StatusCode::ok) continue;
    if (op.kind == WorkOp::reserve1 || op.kind == WorkOp::reserve2) active.push_back(op.reserved);
    if (op.kind == WorkOp::confirm || op.kind == WorkOp::release) {
      std::erase(active, op.reservation);
    }
  }
}

}  // namespace inventory::testing

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--crash-child") == 0) {
    return inventory::testing::crash_child(argv[2], std::strtoull(argv[3], nullptr, 10), argv[4]);
  }
  doctest::Context context(argc, argv);
  return context.run();
}
