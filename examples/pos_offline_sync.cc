// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// POS offline sync: a till loses its link, keeps selling from its own in-memory engine, then
// reconnects and sends what it did to the central engine (offline_sync.h). The central web shop
// sold the last mugs meanwhile, so one offline sale is refused: the conflict is printed, the
// till puts the units back, and a redelivery of the same batch applies nothing twice.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "inventory/engine.h"
#include "inventory/offline_sync.h"

using namespace inventory;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<Engine> open_engine(const std::string& dir) {
  Options options;
  options.durability = dir.empty() ? Durability::none : Durability::sync;
  auto engine = Engine::open(options, dir).value();
  (void)engine->upsert_location({}, {.location = {.id = "store-1", .name = "High Street"}});
  (void)engine->upsert_product({}, {.product = {.id = "p-1", .sku = "MUG-RED", .name = "Red mug"}});
  (void)engine->upsert_product({}, {.product = {.id = "p-2", .sku = "TEA-1", .name = "Tea"}});
  (void)engine->upsert_item({}, {.product_id = "p-1", .location_id = "store-1"});
  (void)engine->upsert_item({}, {.product_id = "p-2", .location_id = "store-1"});
  return engine;
}

std::int64_t on_hand(Engine& engine, const ItemKey& key) {
  return engine.get({}, engine.find_item({}, key.product_id, key.location_id).value())
      ->on_hand.value();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "pos-central-data";
  std::filesystem::remove_all(dir);    // A scratch directory: the example starts from nothing.
  auto central = open_engine(dir);     // Journaled: the merge of counts reads its history.
  auto till_engine = open_engine("");  // The till: in memory.
  const ItemKey mug{"p-1", "store-1"}, tea{"p-2", "store-1"};
  const auto start = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - 1h);

  // Both start with 3 mugs and 10 teas.
  for (Engine* e : {central.get(), till_engine.get()}) {
    (void)e->adjust({.occurred_at = start}, {.item = e->find_item({}, "p-1", "store-1").value(),
                                             .delta = Quantity{3},
                                             .reason = "restock"});
    (void)e->adjust({.occurred_at = start}, {.item = e->find_item({}, "p-2", "store-1").value(),
                                             .delta = Quantity{10},
                                             .reason = "restock"});
  }
  std::uint64_t cursor = central->changes_since(0, 1)->head;

  // Offline: the till sells 2 mugs and 1 tea, and counts the tea shelf (8 found: 1 broken).
  ChangeRecorder till(*till_engine, "till-1");
  (void)till.record_sale(mug, 2, start + 10min);
  (void)till.record_sale(tea, 1, start + 11min);
  (void)till.record_count(tea, 8, start + 20min);
  // Meanwhile the web shop sells 2 mugs centrally (now: after everything the till did).
  auto hold = central->reserve(
      {}, {.item = central->find_item({}, "p-1", "store-1").value(), .quantity = Quantity{2}});
  (void)central->confirm({}, *hold);

  // Back online: send everything, then send it again (the link dropped the answer).
  OfflineSyncCentral sync(*central);
  const ChangeBatch batch = till.export_changes(0);
  for (int delivery = 1; delivery <= 2; ++delivery) {
    const ApplyReport report = sync.apply(batch, {.oversell = OversellPolicy::reject}).value();
    std::printf("delivery %d: %llu applied, %llu duplicates, %zu new conflicts\n", delivery,
                static_cast<unsigned long long>(report.applied),
                static_cast<unsigned long long>(report.duplicates), report.conflicts.size());
    for (const ChangeResult& r : report.results) {
      std::printf("  %-8s %-9s %s\n", r.idempotency_key.c_str(),
                  std::string(to_string(r.status)).c_str(), r.message.c_str());
    }
    for (const Conflict& c : report.conflicts) {
      std::printf("  conflict: %s %s of %lld x %s refused (%s): %s\n", c.idempotency_key.c_str(),
                  std::string(to_string(c.kind)).c_str(), static_cast<long long>(c.quantity),
                  c.item.product_id.c_str(), std::string(to_string(c.code)).c_str(),
                  c.message.c_str());
    }
    if (!till.acknowledge(report).ok()) return 1;
  }
  cursor = till.catch_up(*central, cursor).value();

  std::printf("central: mugs %lld, teas %lld; till: mugs %lld, teas %lld\n",
              static_cast<long long>(on_hand(*central, mug)),
              static_cast<long long>(on_hand(*central, tea)),
              static_cast<long long>(on_hand(*till_engine, mug)),
              static_cast<long long>(on_hand(*till_engine, tea)));
  const bool agree = on_hand(*central, mug) == on_hand(*till_engine, mug) &&
                     on_hand(*central, tea) == on_hand(*till_engine, tea);
  return agree && on_hand(*central, mug) == 1 && on_hand(*central, tea) == 8 ? 0 : 1;
}
