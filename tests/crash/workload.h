// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The crash tests' workload: a seeded stream of mixed operations (reserve of one and two lines,
// confirm, release, adjust, set with and without an expected version, transfer, all_or_nothing
// batches, idempotent requests), run on one thread so that the order operations take effect is
// the order they are issued. Each operation is recorded with what the engine answered, so a
// checker can rebuild every prefix of the stream on ModelInventory and find the one the
// recovered engine equals.

#ifndef INVENTORY_TESTS_CRASH_WORKLOAD_H_
#define INVENTORY_TESTS_CRASH_WORKLOAD_H_

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "inventory/engine.h"

#include "support/model_inventory.h"

namespace inventory::testing {

// A catalog of kProducts products at kLocations locations; item k = product k / kLocations.
struct CrashCatalog {
  static constexpr int kProducts = 4;
  static constexpr int kLocations = 3;
  std::vector<ItemId> items;

  // Creates it (first run) and stocks every item.
  static CrashCatalog create(Engine& engine, ModelInventory* model);
  // Finds it in a reopened engine (no doctest macros: the kill test's child uses it).
  static std::optional<CrashCatalog> find(Engine& engine);
  int product_of(std::size_t i) const { return static_cast<int>(i) / kLocations; }
};

struct WorkOp {
  enum Kind : int {
    adjust = 0,
    set_on_hand = 1,
    reserve1 = 2,
    reserve2 = 3,
    confirm = 4,
    release = 5,
    transfer = 6,
    batch = 7,
  };
  Kind kind = adjust;
  std::size_t a = 0, b = 0;  // Item indexes.
  std::int64_t q = 0, q2 = 0;
  bool has_expected = false;
  std::uint64_t expected = 0;
  std::uint64_t reservation = 0;
  std::string key;  // Idempotency key, may be empty.
  bool sync = true;
  // Outcome.
  bool returned = false;
  StatusCode code = StatusCode::ok;
  std::uint64_t reserved = 0;  // The new reservation's id.

  std::string encode() const;
  static bool decode(const std::string& line, WorkOp* op);
};

class Workload {
 public:
  Workload(std::uint64_t seed, const CrashCatalog& catalog) : rng_(seed), catalog_(catalog) {}

  // The next operation, given the reservations the caller believes are active.
  WorkOp next(const std::vector<std::uint64_t>& active);
  // Runs it on the engine and records the answer.
  void run(Engine& engine, WorkOp& op) const;

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::mt19937_64 rng_;
  const CrashCatalog& catalog_;
  std::uint64_t key_counter_ = 0;
};

// Applies `op` to `model` as the engine must have, and returns the code the model expects.
// `reserved` is the id the engine gave a new reservation (0 when unknown: the model then keeps
// it under a placeholder id, still holding its units).
StatusCode apply(ModelInventory& model, const CrashCatalog& catalog, const WorkOp& op,
                 std::uint64_t reserved);

// Whether the engine's state equals the model's (items and active reservations). `why` says
// what differs.
bool same_state(Engine& engine, const ModelInventory& model, std::string* why);

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_CRASH_WORKLOAD_H_
