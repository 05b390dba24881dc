// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: a failed write or fsync puts the engine into read-only mode (mutations return io_error,
// reads keep working), is reported to the observers once, and the failing call is not
// acknowledged; a failure while recovering makes open fail with io_error, and a later healthy
// open recovers everything.
// Method: for the Nth write or sync from now (N = 1..40), failing once or for good, open a copy
// of a stocked data directory on a FaultFs with an Observer that records background errors, arm
// the failure, and run sync operations of the crash workload until one returns io_error. Then
// check: later mutations of several kinds return io_error, sync() and checkpoint() too; get,
// get_product and list_items still answer; the observer was called exactly once, with io_error.
// Close, reopen on the real file system, and check (check_prefix) that the state is a prefix of
// what was issued holding every acknowledged operation; when the failure was for good, check it
// again after dropping every byte that was never synced (the machine lost power). Recovery: a
// directory left by a crash (WAL not flushed) is opened with the Nth create, write, sync or rename
// failing (N = 1..8, once and for good): open either succeeds with the right state or fails with
// io_error (a failed first create or write must fail it), and a healthy open afterwards
// recovers the right state. The "teeth" case switches the journal to acknowledge before it
// writes and expects the check to fail.
//
// Scale: INVENTORY_IO_ERROR_MAX_N (default 40); seed from INVENTORY_SEED.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

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

namespace fs = std::filesystem;
using testing::CrashCatalog;
using testing::FaultFs;
using testing::ModelInventory;
using testing::WorkOp;

// As the power-loss test's, with a checkpoint every 8 records so that failures also hit
// checkpoints.
Options io_options() {
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 8;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  return options;
}

class RecordingObserver final : public Observer {
 public:
  void on_background_error(const Status& status) noexcept override {
    std::lock_guard lock(mutex_);
    calls_.push_back(status);
  }
  std::vector<Status> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // Waits up to `limit` for at least one call (it comes from the journal's thread).
  std::vector<Status> wait_for_call(std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      std::vector<Status> now = calls();
      if (!now.empty() || std::chrono::steady_clock::now() >= deadline) return now;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Status> calls_;
};

std::vector<std::uint64_t> active_reservations(const ModelInventory& model) {
  std::vector<std::uint64_t> active;
  for (const auto& [id, r] : model.reservations) {
    if (static_cast<std::uint64_t>(id) < (std::uint64_t{1} << 62)) {
      active.push_back(static_cast<std::uint64_t>(id));
    }
  }
  return active;
}

void copy_dir(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

// A stocked data directory (the crash catalog, closed cleanly) and its model.
struct Template {
  testing::TempDir dir{"ioerr-template"};
  ModelInventory model;
  CrashCatalog catalog;

  Template() {
    auto engine = Engine::open(io_options(), dir.path());
    REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
    catalog = CrashCatalog::create(**engine, &model);
  }
};

struct Tally {
  std::uint64_t cases = 0;
  std::uint64_t io_errors = 0;       // Operations that returned io_error (one per case).
  std::uint64_t observer_calls = 0;  // Over all cases.
  std::uint64_t operations = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t power_losses = 0;      // Reopens after dropping the unsynced bytes.
  std::uint64_t recovered_beyond = 0;  // Reopens that found more than was acknowledged.
  std::uint64_t violations = 0;
  std::string first_violation;

  void violation(const std::string& what) {
    ++violations;
    if (first_violation.empty()) first_violation = what;
  }
};

const char* op_name(FaultFs::Op op) {
  switch (op) {
    case FaultFs::Op::write:
      return "write";
    case FaultFs::Op::sync:
      return "sync";
    case FaultFs::Op::rename:
      return "rename";
    case FaultFs::Op::create:
      return "create";
  }
  return "?";
}

// One case: the `n`th `op` from now fails (once, or for good).
void failing_write_case(const Template& base, const std::string& dir, FaultFs::Op op,
                        std::uint64_t n, bool persistent, std::uint64_t seed, Tally& tally) {
  const std::string name =
      std::string(op_name(op)) + " " + std::to_string(n) + (persistent ? " for good" : " once");
  ++tally.cases;
  copy_dir(base.dir.path(), dir);
  auto fault = std::make_shared<FaultFs>();
  auto observer = std::make_shared<RecordingObserver>();
  Options options = io_options();
  options.observers = {observer};
  auto opened = detail::open_engine(options, dir, fault);
  REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
  Engine& engine = **opened;
  const CrashCatalog& catalog = base.catalog;
  ModelInventory model = base.model;
  std::string why;
  REQUIRE_MESSAGE(testing::same_state(engine, model, &why), why);

  fault->fail_after(op, n, persistent);
  testing::Workload workload(seed, catalog);
  ModelInventory ahead = model;
  std::vector<WorkOp> issued;
  bool failed = false;
  for (int i = 0; i < 200 && !failed; ++i) {
    WorkOp work = workload.next(active_reservations(ahead));
    work.sync = true;
    workload.run(engine, work);
    issued.push_back(work);
    ++tally.operations;
    if (work.code == StatusCode::io_error) {
      failed = true;
      ++tally.io_errors;
      break;
    }
    const StatusCode expected = testing::apply(ahead, catalog, work, work.reserved);
    if (work.code != expected) {
      tally.violation(name + ": operation " + std::to_string(i) + " (" + work.encode() +
                      ") answered " + std::string(to_string(work.code)) + ", the model expects " +
                      std::string(to_string(expected)));
    }
    if (work.code == StatusCode::ok) ++tally.acknowledged;
  }
  if (!failed) {
    tally.violation(name + ": no operation of " + std::to_string(issued.size()) +
                    " returned io_error (" + std::to_string(fault->failures()) +
                    " injected failures)");
  } else {
    // Read-only from now on: every mutation is refused, whatever its kind.
    const ItemId item = catalog.items[0];
    auto expect_io_error = [&](const char* call, const Status& status) {
      if (status.code() != StatusCode::io_error) {
        tally.violation(name + ": " + call + " after the failure returned " + status.to_string() +
                        ", not io_error");
      }
    };
    expect_io_error("adjust", engine.adjust({}, {.item = item, .delta = Quantity{1}}).status());
    expect_io_error(
        "reserve",
        engine.reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}}).status());
    expect_io_error(
        "upsert_product",
        engine.upsert_product({}, {.product = {.id = "p-new", .sku = "s-new", .name = "N"}})
            .status());
    expect_io_error(
        "set_on_hand",
        engine.set_on_hand({}, {.item = catalog.items[1], .on_hand = Quantity{7}}).status());
    expect_io_error(
        "buffered adjust",
        engine.adjust({.durability = Durability::buffered}, {.item = item, .delta = Quantity{2}})
            .status());
    expect_io_error("sync", engine.sync());
    expect_io_error("checkpoint", engine.checkpoint());
    // Reads keep answering.
    auto level = engine.get({}, item);
    if (!level.ok()) tally.violation(name + ": get failed: " + level.status().to_string());
    auto product = engine.get_product({}, "p0");
    if (!product.ok()) {
      tally.violation(name + ": get_product failed: " + product.status().to_string());
    }
    auto page = engine.list_items({}, {}, {});
    if (!page.ok()) {
      tally.violation(name + ": list_items failed: " + page.status().to_string());
    } else if (page->items.size() != catalog.items.size()) {
      tally.violation(name + ": list_items lists " + std::to_string(page->items.size()) + " items");
    }
    // Reported to the observer once, as io_error.
    observer->wait_for_call(std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // A second call would show.
    const std::vector<Status> calls = observer->calls();
    tally.observer_calls += calls.size();
    if (calls.size() != 1) {
      tally.violation(name + ": the observer was called " + std::to_string(calls.size()) +
                      " times");
    } else if (calls[0].code() != StatusCode::io_error) {
      tally.violation(name + ": the observer was told " + calls[0].to_string());
    }
  }
  opened->reset();  // Close on the failing file system.
  const std::uint64_t calls_after_close = observer->calls().size();
  if (failed && calls_after_close != 1) {
    tally.violation(name + ": the observer was called " + std::to_string(calls_after_close) +
                    " times by the close");
  }

  // The files as the failure left them, then, when the disk is gone for good, as a power loss
  // right after it would leave them (every unsynced byte dropped): nothing unsynced was
  // acknowledged, so both must hold every acknowledged operation.
  auto reopen_and_check = [&](const std::string& path, const std::string& label) {
    auto reopened = Engine::open(io_options(), path);
    if (!reopened.ok()) {
      tally.violation(name + ", " + label + ": reopen failed: " + reopened.status().to_string());
      return;
    }
    ModelInventory recovered = model;
    const testing::PrefixCheck check =
        testing::check_prefix(**reopened, recovered, catalog, issued);
    if (!check.ok) {
      tally.violation(name + ", " + label + ": " + check.detail);
      return;
    }
    tally.recovered_beyond += check.prefix > check.acknowledged;
    const Status invariants = (*reopened)->check_invariants();
    if (!invariants.ok()) tally.violation(name + ", " + label + ": " + invariants.to_string());
  };
  if (persistent) {
    const std::string as_left = dir + "-as-left";
    copy_dir(dir, as_left);
    reopen_and_check(as_left, "as left");
    fs::remove_all(as_left);
    fault->drop_unsynced_data();
    ++tally.power_losses;
    reopen_and_check(dir, "after a power loss");
  } else {
    reopen_and_check(dir, "as left");
  }
}

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("a failed write or sync turns the engine read-only and acknowledges nothing") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t max_n = testing::env_or("INVENTORY_IO_ERROR_MAX_N", 40);
    const Template base;
    testing::TempDir scratch("ioerr");
    Tally tally;
    std::uint64_t case_seed = seed;
    for (FaultFs::Op op : {FaultFs::Op::write, FaultFs::Op::sync}) {
      for (bool persistent : {false, true}) {
        for (std::uint64_t n = 1; n <= max_n; ++n) {
          failing_write_case(base, scratch.sub("db"), op, n, persistent, case_seed++, tally);
        }
      }
    }
    std::printf(
        "io errors: seed %llu, %llu cases, %llu operations, %llu acknowledged, %llu io_errors "
        "seen, %llu observer calls, %llu reopens after a power loss, %llu reopens found "
        "unacknowledged changes, %llu violations\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(tally.cases),
        static_cast<unsigned long long>(tally.operations),
        static_cast<unsigned long long>(tally.acknowledged),
        static_cast<unsigned long long>(tally.io_errors),
        static_cast<unsigned long long>(tally.observer_calls),
        static_cast<unsigned long long>(tally.power_losses),
        static_cast<unsigned long long>(tally.recovered_beyond),
        static_cast<unsigned long long>(tally.violations));
    CHECK_MESSAGE(tally.violations == 0, tally.first_violation);
    CHECK(tally.io_errors == tally.cases);
    CHECK(tally.observer_calls == tally.cases);
  }

  TEST_CASE("the io-error test fails when acknowledgements come before the write") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const Template base;
    testing::TempDir scratch("ioerr-teeth");
    Tally tally;
    journal::Journal::set_ack_before_sync_for_testing(true);
    for (std::uint64_t n = 1; n <= 10; ++n) {
      failing_write_case(base, scratch.sub("db"), FaultFs::Op::write, n, n % 2 == 0, seed + n,
                         tally);
    }
    journal::Journal::set_ack_before_sync_for_testing(false);
    std::printf("io errors teeth: %llu cases, %llu violations: %s\n",
                static_cast<unsigned long long>(tally.cases),
                static_cast<unsigned long long>(tally.violations), tally.first_violation.c_str());
    CHECK(tally.violations > 0);
  }

  TEST_CASE("a failure during recovery makes open fail with io_error, and a later open works") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const Template base;
    testing::TempDir scratch("ioerr-recovery");
    // A directory left by a crash: the WAL holds the last operations, not yet flushed.
    const std::string crashed = scratch.sub("crashed");
    copy_dir(base.dir.path(), crashed);
    ModelInventory model = base.model;
    {
      auto fault = std::make_shared<FaultFs>();
      Options options = io_options();
      options.checkpoint_records = 0;
      auto engine = detail::open_engine(options, crashed, fault);
      REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
      testing::Workload workload(seed, base.catalog);
      for (int i = 0; i < 40; ++i) {
        WorkOp op = workload.next(active_reservations(model));
        op.sync = true;
        workload.run(**engine, op);
        REQUIRE(op.code == testing::apply(model, base.catalog, op, op.reserved));
      }
      fault->set_active(false);
      engine->reset();
    }

    std::uint64_t cases = 0, opened = 0, refused = 0, violations = 0;
    std::string first_violation;
    auto violation = [&](const std::string& what) {
      if (violations++ == 0) first_violation = what;
    };
    const std::string dir = scratch.sub("db");
    for (FaultFs::Op op :
         {FaultFs::Op::create, FaultFs::Op::write, FaultFs::Op::sync, FaultFs::Op::rename}) {
      for (bool persistent : {false, true}) {
        for (std::uint64_t n = 1; n <= 8; ++n) {
          const std::string name = std::string(op_name(op)) + " " + std::to_string(n) +
                                   (persistent ? " for good" : " once");
          ++cases;
          copy_dir(crashed, dir);
          auto fault = std::make_shared<FaultFs>();
          fault->fail_after(op, n, persistent);
          {
            auto engine = detail::open_engine(io_options(), dir, fault);
            if (engine.ok()) {
              ++opened;
              std::string why;
              if (!testing::same_state(**engine, model, &why)) {
                violation(name + ": opened with another state: " + why);
              }
            } else {
              ++refused;
              if (engine.status().code() != StatusCode::io_error) {
                violation(name + ": open failed with " + engine.status().to_string());
              }
            }
            if (op == FaultFs::Op::create || op == FaultFs::Op::write) {
              if (n == 1 && engine.ok()) {
                violation(name + ": open succeeded although its first " + op_name(op) + " failed");
              }
            }
          }
          auto healthy = Engine::open(io_options(), dir);
          if (!healthy.ok()) {
            violation(name + ": the healthy open after it failed: " + healthy.status().to_string());
            continue;
          }
          std::string why;
          if (!testing::same_state(**healthy, model, &why)) {
            violation(name + ": the healthy open recovered another state: " + why);
          }
          if (!(*healthy)->check_invariants().ok()) violation(name + ": invariants");
        }
      }
    }
    std::printf(
        "io errors in recovery: seed %llu, %llu cases, %llu opened, %llu refused with io_error, "
        "%llu violations\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(cases),
        static_cast<unsigned long long>(opened), static_cast<unsigned long long>(refused),
        static_cast<unsigned long long>(violations));
    CHECK_MESSAGE(violations == 0, first_violation);
  }
}

}  // namespace inventory
