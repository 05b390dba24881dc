// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// inventory-bench on the inventory engine. In-flight 1 blocks on each call (a closed loop);
// in-flight N keeps N operations outstanding per thread through the completion form
// (WriteOptions::on_durable), each slot issuing its next operation once the previous one is
// acknowledged, as a server would. Reads (get) are synchronous in both forms.
//
// Durability none is the in-memory engine (no data directory); sync and buffered open a fresh
// data directory under RunConfig::dir. Expiry (the cart workload) runs on a sweeper thread that
// calls Engine::expire_due() every 100 ms, like the engine's own expiry thread, so that the run
// can stop it before the final checks (check_invariants needs no mutation running).

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "inventory/engine.h"

#include "driver.h"
#include "ready_queue.h"

namespace inventory_bench {

namespace {

using inventory::Durability;
using inventory::Engine;
using inventory::ItemId;
using inventory::Quantity;
using inventory::ReservationId;
using inventory::Status;
using inventory::StatusCode;
using inventory::WriteOptions;

Durability to_engine(DurabilityKind kind) {
  switch (kind) {
    case DurabilityKind::none:
      return Durability::none;
    case DurabilityKind::buffered:
      return Durability::buffered;
    case DurabilityKind::sync:
      return Durability::sync;
  }
  return Durability::sync;
}

[[noreturn]] void die(const char* what, const Status& status) {
  std::fprintf(stderr, "inventory-bench: %s: %s\n", what, status.to_string().c_str());
  std::exit(1);
}

Outcome outcome_of(const Status& status) {
  if (status.ok()) return Outcome::ok;
  if (status.code() == StatusCode::insufficient_stock) return Outcome::insufficient_stock;
  static std::once_flag once;
  std::call_once(once, [&] {
    std::fprintf(stderr, "inventory-bench: unexpected: %s\n", status.to_string().c_str());
  });
  return Outcome::error;
}

struct Catalog {
  std::unique_ptr<Engine> engine;
  std::vector<ItemId> items;
  std::string path;
};

Catalog open_catalog(const RunConfig& config, const Workload& workload) {
  Catalog catalog;
  inventory::Options options;
  options.durability = to_engine(config.durability);
  options.expiry_interval = std::chrono::milliseconds(0);  // The Sweeper expires; see above.
  options.limits.items_max = workload.items() + 16;
  options.limits.products_max = workload.items() + 16;
  options.limits.reservations_max = 1u << 20;
  if (config.durability != DurabilityKind::none) {
    catalog.path = config.dir + "/inventory";
    std::filesystem::remove_all(catalog.path);
  }
  auto opened = Engine::open(options, catalog.path);
  if (!opened.ok()) die("open", opened.status());
  catalog.engine = std::move(opened).value();
  Engine& engine = *catalog.engine;
  // Setup is not timed: buffered, then one sync.
  const WriteOptions fast{.durability = config.durability == DurabilityKind::none
                                            ? Durability::none
                                            : Durability::buffered};
  if (auto s = engine.upsert_location(fast, {.location = {.id = "wh", .name = "Warehouse"}});
      !s.ok()) {
    die("upsert_location", s.status());
  }
  catalog.items.reserve(workload.items());
  for (std::uint32_t i = 0; i < workload.items(); ++i) {
    const std::string id = "p" + std::to_string(i);
    if (auto p = engine.upsert_product(fast, {.product = {.id = id, .sku = id, .name = id}});
        !p.ok()) {
      die("upsert_product", p.status());
    }
    auto item = engine.upsert_item(fast, {.product_id = id, .location_id = "wh"});
    if (!item.ok()) die("upsert_item", item.status());
    const ItemId item_id = item->level.item;
    auto adjusted =
        engine.adjust(fast, {.item = item_id, .delta = Quantity{workload.initial_on_hand()}});
    if (!adjusted.ok()) die("adjust", adjusted.status());
    catalog.items.push_back(item_id);
  }
  if (Status s = engine.sync(); !s.ok()) die("sync", s);
  return catalog;
}

// Issues `op`; the immediate answer, and the new hold of a successful reserve in *hold.
// `batch` is the caller's scratch batch for restock.
Outcome issue(Engine& engine, const WriteOptions& options, const std::vector<ItemId>& items,
              const Op& op, Hold* hold, inventory::WriteBatch* batch) {
  switch (op.kind) {
    case OpKind::get: {
      auto level = engine.get({}, items[op.items[0]]);
      return outcome_of(level.status());
    }
    case OpKind::reserve: {
      inventory::Result<ReservationId> id = ReservationId{};
      if (op.lines == 1) {
        id = engine.reserve(options, inventory::ReserveRequest{.item = items[op.items[0]],
                                                               .quantity = Quantity{op.quantity},
                                                               .ttl = op.ttl});
      } else {
        inventory::ReserveLine lines[3];
        for (std::uint32_t i = 0; i < op.lines; ++i) {
          lines[i] = {items[op.items[i]], Quantity{op.quantity}};
        }
        id = engine.reserve(
            options, inventory::ReserveLinesRequest{.lines = {lines, op.lines}, .ttl = op.ttl});
      }
      if (id.ok()) hold->handles[0] = static_cast<std::uint64_t>(*id);
      return outcome_of(id.status());
    }
    case OpKind::confirm:
      return outcome_of(engine.confirm(options, static_cast<ReservationId>(op.handles[0])));
    case OpKind::release:
      return outcome_of(engine.release(options, static_cast<ReservationId>(op.handles[0])));
    case OpKind::adjust:
      return outcome_of(
          engine.adjust(options, {.item = items[op.items[0]], .delta = Quantity{op.quantity}})
              .status());
    case OpKind::restock: {
      batch->clear();
      for (std::uint32_t i = op.items[0]; i < op.items[0] + kRestockBatchItems; ++i) {
        batch->adjust({.item = items[i], .delta = Quantity{1 + i % 3}});
      }
      return outcome_of(engine.write(options, *batch).status());
    }
  }
  return Outcome::error;
}

// Closed loop: one slot, each call blocks until acknowledged.
void run_closed(Engine& engine, const std::vector<ItemId>& items, const Workload& workload,
                ThreadState& state) {
  Slot& slot = state.slots[0];
  inventory::WriteBatch batch;
  const WriteOptions options{};
  while (!slot.finished) {
    const Op op = workload.next(slot, state.rng);
    const auto t0 = SteadyClock::now();
    if (state.stop(t0)) break;
    ++state.issued;
    Hold hold;
    const Outcome outcome = issue(engine, options, items, op, &hold, &batch);
    state.histogram.add(elapsed_ns(t0, SteadyClock::now()));
    workload.done(slot, op, outcome, hold, state.tally);
  }
}

// One outstanding operation of the completion form.
class Pending final : public inventory::WriteCallback {
 public:
  Pending(int index, ReadyQueue& queue) : index_(index), queue_(queue) {}
  void on_durable(const Status& status) noexcept override {
    acked = SteadyClock::now();
    durable = status;
    queue_.push(index_);
  }
  Op op;
  Hold hold;
  Outcome outcome = Outcome::ok;
  SteadyClock::time_point issued, acked;
  Status durable;

 private:
  int index_;
  ReadyQueue& queue_;
};

// Completion form: in_flight slots per thread, each with one operation outstanding.
void run_open(Engine& engine, const std::vector<ItemId>& items, const Workload& workload,
              ThreadState& state) {
  ReadyQueue queue;
  inventory::WriteBatch batch;
  std::vector<std::unique_ptr<Pending>> pending;
  for (std::size_t i = 0; i < state.slots.size(); ++i) {
    pending.push_back(std::make_unique<Pending>(static_cast<int>(i), queue));
  }
  // Runs slot i's reads, then issues its next write; false when the slot is done.
  auto start_next = [&](std::size_t i) {
    Slot& slot = state.slots[i];
    Pending& p = *pending[i];
    while (!slot.finished) {
      p.op = workload.next(slot, state.rng);
      p.issued = SteadyClock::now();
      if (state.stop(p.issued)) break;
      ++state.issued;
      p.hold = Hold{};
      if (p.op.kind == OpKind::get) {
        const Outcome outcome = issue(engine, WriteOptions{}, items, p.op, &p.hold, &batch);
        state.histogram.add(elapsed_ns(p.issued, SteadyClock::now()));
        workload.done(slot, p.op, outcome, p.hold, state.tally);
        continue;
      }
      const WriteOptions options{.on_durable = &p};
      p.outcome = issue(engine, options, items, p.op, &p.hold, &batch);
      return true;
    }
    return false;
  };
  std::size_t outstanding = 0;
  for (std::size_t i = 0; i < state.slots.size(); ++i) outstanding += start_next(i) ? 1 : 0;
  std::vector<int> ready;
  while (outstanding > 0) {
    queue.take(&ready);
    for (int index : ready) {
      const auto i = static_cast<std::size_t>(index);
      Pending& p = *pending[i];
      --outstanding;
      state.histogram.add(elapsed_ns(p.issued, p.acked));
      const Outcome outcome = p.durable.ok() ? p.outcome : outcome_of(p.durable);
      workload.done(state.slots[i], p.op, outcome, p.hold, state.tally);
      outstanding += start_next(i) ? 1 : 0;
    }
  }
}

FinalState read_back(Engine& engine, const std::vector<ItemId>& items) {
  FinalState state;
  if (Status s = engine.check_invariants(); !s.ok()) {
    std::fprintf(stderr, "inventory-bench: check_invariants: %s\n", s.to_string().c_str());
    ++state.backend_violations;
  }
  for (ItemId item : items) {
    auto level = engine.get({}, item);
    if (!level.ok()) {
      ++state.backend_violations;
      continue;
    }
    state.on_hand_total += level->on_hand.value();
    state.reserved_total += level->reserved.value();
    const std::int64_t short_units = level->reserved.value() - level->on_hand.value();
    if (short_units > 0) state.short_units += short_units;
  }
  return state;
}

}  // namespace

RunResult run_inventory(const RunConfig& config, const Workload& workload) {
  Catalog catalog = open_catalog(config, workload);
  Engine& engine = *catalog.engine;
  std::vector<ThreadState> states;
  Sweeper sweeper(workload.expires(), [&engine] { (void)engine.expire_due(); });
  const double seconds = run_threads(config, states, [&](ThreadState& state) {
    if (config.in_flight == 1) {
      run_closed(engine, catalog.items, workload, state);
    } else {
      run_open(engine, catalog.items, workload, state);
    }
  });
  sweeper.stop();
  RunResult result;
  result.engine = "inventory";
  result.threads = config.threads;
  result.in_flight = config.in_flight;
  result.durability = config.durability;
  finish_run(workload, states, seconds, read_back(engine, catalog.items), &result);
  catalog.engine.reset();
  if (!catalog.path.empty()) std::filesystem::remove_all(catalog.path);
  return result;
}

}  // namespace inventory_bench
