// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// inventory-bench: workloads run on the inventory engine and, in the same binary, on embedded
// SQLite, with side-by-side ratios (--compare) and a thread sweep (--sweep).
//
//   flash_sale   one hot SKU with --stock units; every slot reserves 1 and confirms it, until
//                the SKU is sold out (or time is up)
//   catalog      --items items, Zipf(0.99) picks: reserve 1-3 units then confirm (70 %) or
//                release (30 %); 15 % of the steps without a hold are a restock adjust of 1-10
//   cart         3-line reservations (distinct Zipf items): 80 % confirmed, 10 % released,
//                10 % abandoned with a 1 s time to live (a sweeper expires them every 100 ms)
//   restock      uniform picks, reserve 1-2 then confirm, and every 100th operation of a slot
//                is a batch of 1,000 adjustments (1,000 consecutive items, all or nothing)
//   read_mostly  95 % get of a Zipf item, 5 % reserve / confirm (80 %) or release (20 %)
//
// An operation is one call (or, for SQLite, the statements of one call); a restock batch counts
// once. Latency is from issue to acknowledgement. At the end of every run the bench reads every
// item back and checks, for both engines: on_hand conserved (start + adjustments - confirmed),
// reserved equal to what the shoppers still hold (plus abandoned carts not yet expired), no item
// with reserved > on_hand, for flash_sale sold + held == stock once sold out, and the engine's
// own invariants (Engine::check_invariants, or SQL: reserved == sum of active holds and
// on_hand - reserved >= 0 per item). Any unexpected error also counts as a violation.
//
// Expected on our 2-core VM (an fdatasync is 0.1-0.15 ms; see docs/performance.md, "Workload
// harness"): sync closed loop, a few thousand ops/s for both engines, SQLite ahead (one fsync
// per commit against the journal's two per group); sync with 1,000 in flight, the engine groups
// everything outstanding into each fsync and is bound by its CPU (0.3-1 M ops/s), SQLite by one
// writer at a time running 1,000 statements per commit (0.1-0.5 M ops/s); none, the engine at
// memory speed (millions of ops/s, half of it this harness's own timing and picking), SQLite at
// 1-10 us per operation.
//
//   inventory-bench [--workload NAME|all] [--engine inventory|sqlite] [--compare] [--sweep]
//                   [--threads N] [--in-flight N[,N]] [--durability none|buffered|sync[,...]]
//                   [--seconds S | --ops N] [--items N] [--stock N] [--seed N] [--dir DIR]
//                   [--json]

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "driver.h"
#include <unistd.h>

namespace {

using namespace inventory_bench;

// --compare's operations per fsync for the grouped runs: per thread, outstanding for the
// engine and per transaction for SQLite.
constexpr int kCompareGroup = 1000;

struct Config {
  DurabilityKind durability;
  int in_flight;
};

struct Args {
  std::vector<WorkloadKind> workloads;
  std::vector<std::string> engines{"inventory"};
  std::vector<DurabilityKind> durabilities;
  std::vector<int> in_flights;
  bool compare = false;
  bool sweep = false;
  bool json = false;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double seconds = 2.0;
  std::uint64_t ops = 0;
  std::uint32_t items = 100'000;
  std::int64_t stock = 1'000'000;
  std::uint64_t seed = 1;
  std::string dir;
};

constexpr const char* kUsage =
    "usage: inventory-bench [--workload flash_sale|catalog|cart|restock|read_mostly|all]\n"
    "                       [--engine inventory|sqlite] [--compare] [--sweep]\n"
    "                       [--threads N] [--in-flight N[,N...]]\n"
    "                       [--durability none|buffered|sync[,...]]\n"
    "                       [--seconds S | --ops N] [--items N] [--stock N] [--seed N]\n"
    "                       [--dir DIR] [--json]\n";

std::vector<std::string_view> split(std::string_view list) {
  std::vector<std::string_view> parts;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    parts.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return parts;
}

bool parse(int argc, char** argv, Args* args) {
  std::string_view workload = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) return {};
      return argv[++i];
    };
    if (flag == "--workload") {
      workload = value();
    } else if (flag == "--engine") {
      const std::string_view engine = value();
      if (engine != "inventory" && engine != "sqlite") return false;
      args->engines = {std::string(engine)};
    } else if (flag == "--compare") {
      args->compare = true;
    } else if (flag == "--sweep") {
      args->sweep = true;
    } else if (flag == "--json") {
      args->json = true;
    } else if (flag == "--threads") {
      args->threads = std::atoi(std::string(value()).c_str());
    } else if (flag == "--in-flight") {
      for (std::string_view part : split(value())) {
        args->in_flights.push_back(std::atoi(std::string(part).c_str()));
      }
    } else if (flag == "--durability") {
      for (std::string_view part : split(value())) {
        DurabilityKind kind;
        if (!parse_durability(part, &kind)) return false;
        args->durabilities.push_back(kind);
      }
    } else if (flag == "--seconds") {
      args->seconds = std::atof(std::string(value()).c_str());
    } else if (flag == "--ops") {
      args->ops = std::strtoull(std::string(value()).c_str(), nullptr, 10);
    } else if (flag == "--items") {
      args->items = static_cast<std::uint32_t>(std::atoll(std::string(value()).c_str()));
    } else if (flag == "--stock") {
      args->stock = std::atoll(std::string(value()).c_str());
    } else if (flag == "--seed") {
      args->seed = std::strtoull(std::string(value()).c_str(), nullptr, 10);
    } else if (flag == "--dir") {
      args->dir = value();
    } else {
      return false;
    }
  }
  if (workload == "all") {
    args->workloads = {WorkloadKind::flash_sale, WorkloadKind::catalog, WorkloadKind::cart,
                       WorkloadKind::restock, WorkloadKind::read_mostly};
  } else {
    for (std::string_view part : split(workload)) {
      WorkloadKind kind;
      if (!parse_workload(part, &kind)) return false;
      args->workloads.push_back(kind);
    }
  }
  if (args->sweep) {  // The sweep covers catalog and flash_sale.
    std::erase_if(args->workloads, [](WorkloadKind k) {
      return k != WorkloadKind::catalog && k != WorkloadKind::flash_sale;
    });
  }
  if (args->compare) args->engines = {"inventory", "sqlite"};
  for (int n : args->in_flights) {
    if (n < 1 || n > 100'000) return false;
  }
  if (args->threads < 1 || args->threads > 1024 || args->seconds <= 0 || args->stock < 1 ||
      args->stock > 1'000'000'000 || args->items < kRestockBatchItems || args->items > (1u << 24) ||
      args->workloads.empty()) {
    std::fprintf(stderr,
                 "inventory-bench: --items must be 1000..16777216; --threads, "
                 "--seconds and --stock positive\n");
    return false;
  }
  if (args->dir.empty()) {
    // Not /dev/shm: an fsync there costs nothing, which would flatter both engines.
    args->dir = "/tmp/inventory-bench-" + std::to_string(::getpid());
  }
  return true;
}

// The (durability, in-flight) pairs to run: the cross product of the flags, or, for --compare
// without them, the pairs the report needs.
std::vector<Config> configs(const Args& args) {
  std::vector<Config> result;
  if (args.compare && args.durabilities.empty() && args.in_flights.empty()) {
    return {{DurabilityKind::sync, 1},
            {DurabilityKind::sync, kCompareGroup},
            {DurabilityKind::buffered, 1},
            {DurabilityKind::none, 1}};
  }
  std::vector<DurabilityKind> durabilities = args.durabilities;
  if (durabilities.empty()) durabilities = {DurabilityKind::sync};
  std::vector<int> in_flights = args.in_flights;
  if (in_flights.empty()) in_flights = {1};
  for (DurabilityKind d : durabilities) {
    for (int n : in_flights) result.push_back({d, n});
  }
  return result;
}

std::vector<int> thread_counts(const Args& args) {
  if (!args.sweep) return {args.threads};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> counts;
  for (int t = 1; t < cores; t *= 2) counts.push_back(t);
  counts.push_back(cores);
  return counts;
}

void print(const Args& args, const RunResult& r) {
  std::printf("%s\n", args.json ? to_json(r).c_str() : to_line(r).c_str());
  std::fflush(stdout);
}

// Ratios go to stdout as text, or to stderr with --json (stdout then holds only run objects).
void print_ratio(const Args& args, const std::string& what, const RunResult& ours,
                 const RunResult& theirs) {
  std::FILE* out = args.json ? stderr : stdout;
  std::fprintf(out, "ratio %-11s %-8s threads %d  %s: inventory %.0f / sqlite %.0f ops/s = %.1fx\n",
               std::string(to_string(ours.workload)).c_str(),
               std::string(to_string(ours.durability)).c_str(), ours.threads, what.c_str(),
               ours.ops_per_sec, theirs.ops_per_sec,
               theirs.ops_per_sec > 0 ? ours.ops_per_sec / theirs.ops_per_sec : 0.0);
  std::fflush(out);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse(argc, argv, &args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::filesystem::create_directories(args.dir);
  bool all_good = true;
  for (WorkloadKind kind : args.workloads) {
    const Workload workload({.kind = kind, .items = args.items, .stock = args.stock});
    // (durability, in_flight, threads, engine) -> result, for the ratios.
    std::map<std::tuple<DurabilityKind, int, int, std::string>, RunResult> done;
    for (const Config& config : configs(args)) {
      for (int threads : thread_counts(args)) {
        const RunConfig run{.threads = threads,
                            .in_flight = config.in_flight,
                            .durability = config.durability,
                            .seconds = args.seconds,
                            .ops = args.ops,
                            .seed = args.seed,
                            .dir = args.dir};
        for (const std::string& engine : args.engines) {
          const RunResult r =
              engine == "inventory" ? run_inventory(run, workload) : run_sqlite(run, workload);
          print(args, r);
          all_good = all_good && r.oversold == 0 && r.invariant_violations == 0;
          done[{config.durability, config.in_flight, threads, engine}] = r;
        }
        if (args.compare) {
          print_ratio(args, "in_flight " + std::to_string(config.in_flight) + " both",
                      done[{config.durability, config.in_flight, threads, "inventory"}],
                      done[{config.durability, config.in_flight, threads, "sqlite"}]);
        }
      }
    }
    // The engine grouping through its completion form against SQLite committing each operation.
    if (args.compare) {
      for (const auto& [key, ours] : done) {
        const auto& [durability, in_flight, threads, engine] = key;
        const auto single = done.find({durability, 1, threads, "sqlite"});
        if (engine != "inventory" || in_flight == 1 || single == done.end()) continue;
        print_ratio(
            args,
            "inventory in_flight " + std::to_string(in_flight) + " vs sqlite per-operation commits",
            ours, single->second);
      }
    }
  }
  std::filesystem::remove_all(args.dir);
  return all_good ? 0 : 1;
}
