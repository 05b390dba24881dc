// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: a power loss at any instant loses no acknowledged change and leaves a state that is a
// prefix of what was issued (invariant 4); the harness can see a lost acknowledgement.
// Method: each cycle opens the engine on a FaultFs, checks the state recovered from the
// previous cycle against the model (check_prefix), runs 1-120 operations of the crash workload
// (70 % sync, 30 % buffered, some with idempotency keys, checkpoints every 50 records), makes
// a random later write or sync fail for good (the power goes), closes what it can, drops every
// byte and directory entry that was not synced, and starts over. The "teeth" case switches the
// journal to acknowledge before its fsync and expects the check to fail within 50 cycles.
//
// Scale: INVENTORY_POWER_CYCLES (default 1,000); seed from INVENTORY_SEED.

#include <cstdio>
#include <cstdlib>
#include <random>

#include <doctest/doctest.h>

#include "crash/crash_check.h"
#include "journal/journal.h"
#include "support/env.h"
#include "support/fault_fs.h"
#include "support/temp_dir.h"

namespace inventory {
namespace detail {
Result<std::unique_ptr<Engine>> open_engine(const Options& options, std::string_view path,
                                            std::shared_ptr<rocksdb::FileSystem> file_system);
}

namespace {

using testing::CrashCatalog;
using testing::FaultFs;
using testing::ModelInventory;
using testing::WorkOp;

Options crash_options() {
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 50;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  return options;
}

struct PowerLossRun {
  std::uint64_t cycles = 0;
  std::uint64_t operations = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t dropped = 0;  // Issued, not acknowledged, and not recovered.
  std::uint64_t violations = 0;
  std::string first_violation;
};

PowerLossRun power_loss(std::uint64_t seed, std::uint64_t cycles, std::uint64_t stop_after) {
  testing::TempDir dir("power");
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const Options options = crash_options();
  ModelInventory model;
  CrashCatalog catalog;
  {
    auto engine = detail::open_engine(options, dir.path(), std::make_shared<FaultFs>());
    REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
    catalog = CrashCatalog::create(**engine, &model);
  }
  PowerLossRun run;
  std::vector<WorkOp> issued;
  for (run.cycles = 0; run.cycles < cycles; ++run.cycles) {
    auto fs = std::make_shared<FaultFs>();
    auto opened = detail::open_engine(options, dir.path(), fs);
    if (!opened.ok()) {
      ++run.violations;
      run.first_violation = "reopen failed: " + opened.status().to_string();
      break;
    }
    Engine& engine = **opened;
    const testing::PrefixCheck check = testing::check_prefix(engine, model, catalog, issued);
    if (!check.ok) {
      ++run.violations;
      if (run.first_violation.empty()) {
        run.first_violation = "cycle " + std::to_string(run.cycles) + ": " + check.detail;
      }
      if (run.violations >= stop_after) break;
      // Continue from what the engine has.
      REQUIRE(engine.check_invariants().ok());
      break;
    }
    run.dropped += issued.size() - check.prefix;
    REQUIRE(engine.check_invariants().ok());
    issued.clear();

    // The power goes out at a random write or sync from now on.
    fs->fail_after(pick(0, 1) == 0 ? FaultFs::Op::write : FaultFs::Op::sync,
                   static_cast<std::uint64_t>(pick(1, 80)), /*persistent=*/true);
    testing::Workload workload(rng(), catalog);
    ModelInventory ahead = model;  // For choosing reservations that are active.
    const int count = pick(1, 120);
    for (int i = 0; i < count; ++i) {
      std::vector<std::uint64_t> active;
      for (const auto& [id, r] : ahead.reservations) {
        if (static_cast<std::uint64_t>(id) < (std::uint64_t{1} << 62)) {
          active.push_back(static_cast<std::uint64_t>(id));
        }
      }
      WorkOp op = workload.next(active);
      workload.run(engine, op);
      issued.push_back(op);
      ++run.operations;
      if (op.code == StatusCode::io_error) break;  // Read-only now.
      testing::apply(ahead, catalog, op, op.reserved);
      if (op.sync && op.code == StatusCode::ok) ++run.acknowledged;
    }
    if (std::getenv("INVENTORY_CRASH_VERBOSE") != nullptr) {
      std::string why;
      if (!issued.empty() && issued.back().code != StatusCode::io_error &&
          !testing::same_state(engine, ahead, &why)) {
        std::printf("cycle %llu: live state already differs from the model: %s\n",
                    static_cast<unsigned long long>(run.cycles), why.c_str());
      }
    }
    fs->set_active(false);
    opened->reset();  // Close: whatever it still tries to write fails.
    fs->drop_unsynced_data();
    if (std::getenv("INVENTORY_CRASH_VERBOSE") != nullptr) {
      auto report = Engine::verify(options, dir.path());
      std::printf("cycle %llu: %zu ops:", static_cast<unsigned long long>(run.cycles),
                  issued.size());
      for (const WorkOp& op : issued) std::printf(" [%s]", op.encode().c_str());
      if (report.ok()) {
        std::printf("\n  verify: checkpoint %llu replayed %llu last %llu hwm %llu\n",
                    static_cast<unsigned long long>(report->checkpoint_sequence),
                    static_cast<unsigned long long>(report->records_replayed),
                    static_cast<unsigned long long>(report->last_sequence),
                    static_cast<unsigned long long>(report->high_water_mark));
      } else {
        std::printf("\n  verify: %s\n", report.status().to_string().c_str());
      }
    }
  }
  return run;
}

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("power loss at random points never loses an acknowledged change") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t cycles = testing::env_or("INVENTORY_POWER_CYCLES", 1000);
    const PowerLossRun run = power_loss(seed, cycles, 1);
    std::printf(
        "power loss: seed %llu, %llu cycles, %llu operations, %llu acknowledged, "
        "%llu unacknowledged dropped, %llu lost, %llu prefix violations\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run.cycles),
        static_cast<unsigned long long>(run.operations),
        static_cast<unsigned long long>(run.acknowledged),
        static_cast<unsigned long long>(run.dropped),
        static_cast<unsigned long long>(run.violations),
        static_cast<unsigned long long>(run.violations));
    CHECK_MESSAGE(run.violations == 0, run.first_violation);
    CHECK(run.cycles == cycles);
  }

  TEST_CASE("the power-loss test fails when acknowledgements come before the sync") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    journal::Journal::set_ack_before_sync_for_testing(true);
    const PowerLossRun run = power_loss(seed, 50, 1);
    journal::Journal::set_ack_before_sync_for_testing(false);
    std::printf("teeth: acknowledging before the sync was caught after %llu cycles: %s\n",
                static_cast<unsigned long long>(run.cycles), run.first_violation.c_str());
    CHECK(run.violations > 0);
  }
}

}  // namespace inventory
