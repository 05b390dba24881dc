// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: a process killed with SIGKILL at any moment loses no acknowledged change, leaves a
// state that is a prefix of what it issued, and keeps its idempotency records consistent.
// Method: each cycle starts this binary as a child (--crash-child) on the same data directory;
// the child runs the crash workload with sync durability and reports every operation to the
// parent over a pipe before it starts and after it returns. The parent kills it at a random
// moment, reopens the directory, and checks the recovered state against the model
// (check_prefix). If the operation cut off by the kill carried an idempotency key, the parent
// retries it with the same key: it must be applied exactly once in all.
//
// Scale: INVENTORY_KILL_CYCLES (default 300); seed from INVENTORY_SEED.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "crash/child_process.h"
#include "crash/crash_check.h"
#include "support/env.h"
#include "support/temp_dir.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace inventory {
namespace {

using testing::CrashCatalog;
using testing::ModelInventory;
using testing::WorkOp;

Options kill_options() {
  // Must match crash_child() in main.cc.
  Options options;
  options.durability = Durability::sync;
  options.expiry_interval = std::chrono::milliseconds(0);
  options.clock = std::make_shared<ManualClock>();
  options.checkpoint_records = 500;
  options.limits.items_max = 64;
  options.limits.reservations_max = 4096;
  return options;
}

using testing::Child;

Child spawn(const std::string& dir, std::uint64_t seed, const std::string& active_file) {
  return testing::spawn_self({"--crash-child", dir, std::to_string(seed), active_file});
}

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("kill -9 at random moments never loses an acknowledged change") {
    const std::uint64_t seed = testing::env_or("INVENTORY_SEED", std::random_device{}());
    const std::uint64_t cycles = testing::env_or("INVENTORY_KILL_CYCLES", 300);
    std::mt19937_64 rng(seed);
    testing::TempDir dir("kill");
    const std::string active_file = dir.sub("active.txt");
    const std::string data = dir.sub("data");
    const Options options = kill_options();
    ModelInventory model;
    CrashCatalog catalog;
    {
      auto engine = Engine::open(options, data);
      REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
      catalog = CrashCatalog::create(**engine, &model);
    }
    std::uint64_t issued_total = 0, acknowledged_total = 0, cut = 0, retried = 0, lost = 0;
    for (std::uint64_t cycle = 0; cycle < cycles; ++cycle) {
      {
        std::ofstream active(active_file, std::ios::trunc);
        for (const auto& [id, r] : model.reservations) {
          if (static_cast<std::uint64_t>(id) < (std::uint64_t{1} << 62)) {
            active << static_cast<std::uint64_t>(id) << "\n";
          }
        }
      }
      Child child = spawn(data, rng(), active_file);
      // Read everything the child says, on a thread, so that it never blocks on a full pipe.
      std::string output;
      std::atomic<bool> ready{false};
      std::thread reader([&] {
        char buffer[1 << 16];
        for (ssize_t n; (n = ::read(child.out, buffer, sizeof(buffer))) > 0;) {
          output.append(buffer, static_cast<std::size_t>(n));
          if (!ready.load() && output.find("R\n") != std::string::npos) ready.store(true);
        }
        ready.store(true);  // EOF: it died on its own (checked below).
      });
      // Let it open the engine (it prints "R" then), then run for a random while.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!ready.load() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 100)(rng)));
      ::kill(child.pid, SIGKILL);
      int status = 0;
      ::waitpid(child.pid, &status, 0);
      REQUIRE_MESSAGE(
          (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
          "the child ended on its own (status " << status << "): " << output.substr(0, 500));
      reader.join();
      ::close(child.out);

      std::vector<WorkOp> issued;
      std::size_t start = 0;
      for (std::size_t end; (end = output.find('\n', start)) != std::string::npos;
           start = end + 1) {
        const std::string line = output.substr(start, end - start);
        if (line.size() < 2 || (line[0] != 'I' && line[0] != 'A')) {
          REQUIRE_MESSAGE(line[0] != 'E', "child: " << line);
          continue;
        }
        WorkOp op;
        REQUIRE(WorkOp::decode(line.substr(2), &op));
        if (line[0] == 'I') {
          issued.push_back(op);
        } else {
          REQUIRE(!issued.empty());
          issued.back() = op;
          if (op.sync && op.code == StatusCode::ok) ++acknowledged_total;
        }
      }
      issued_total += issued.size();
      const bool was_cut = !issued.empty() && !issued.back().returned;
      cut += was_cut ? 1 : 0;

      auto engine = Engine::open(options, data);
      REQUIRE_MESSAGE(engine.ok(), "cycle " << cycle << ": " << engine.status().to_string());
      const testing::PrefixCheck check = testing::check_prefix(**engine, model, catalog, issued);
      if (!check.ok) {
        ++lost;
        FAIL_CHECK("cycle " << cycle << ": " << check.detail);
        break;
      }
      REQUIRE((*engine)->check_invariants().ok());
      // Retry the operation the kill cut off, with its idempotency key: exactly once in all.
      if (was_cut && !issued.back().key.empty()) {
        ++retried;
        WorkOp retry = issued.back();
        testing::Workload(0, catalog).run(**engine, retry);
        const bool had_it = check.prefix == issued.size();
        if (!had_it) testing::apply(model, catalog, retry, retry.reserved);
        std::string why;
        CHECK_MESSAGE(testing::same_state(**engine, model, &why),
                      "cycle " << cycle << ": retry of " << retry.encode()
                               << " (applied before: " << had_it << "): " << why);
      }
    }
    std::printf(
        "kill -9: seed %llu, %llu cycles, %llu operations issued, %llu acknowledged and "
        "checked, %llu cut mid-call, %llu idempotent retries, %llu lost\n",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(cycles),
        static_cast<unsigned long long>(issued_total),
        static_cast<unsigned long long>(acknowledged_total), static_cast<unsigned long long>(cut),
        static_cast<unsigned long long>(retried), static_cast<unsigned long long>(lost));
    CHECK(lost == 0);
  }
}

}  // namespace inventory
