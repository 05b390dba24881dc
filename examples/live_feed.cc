// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Live feed: wire an observer to the change feed (the README's snippet), make a few changes,
// and watch them arrive on the subscription's own thread, in order, with the low-stock and
// out-of-stock transitions they cause. Run it twice: the durable cursor "printer" resumes where
// the first run stopped, so nothing is printed twice.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "inventory/engine.h"

using namespace inventory;

struct Printer : Observer {  // Called on the subscription's thread, in sequence order.
  std::atomic<std::uint64_t> last{0};
  void on_events(std::span<const Event> events) override {
    for (const Event& e : events) {
      std::printf("#%llu %-22s %s@%s available %lld -> %lld\n",
                  static_cast<unsigned long long>(e.sequence),
                  std::string(to_string(e.type)).c_str(), e.product_id.c_str(),
                  e.location_id.c_str(), static_cast<long long>(e.before.available.value()),
                  static_cast<long long>(e.after.available.value()));
    }
    last = events.back().sequence;  // Returning acknowledges: the cursor moves past them.
  }
};

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "live-feed-data";
  Options options;
  options.durability = Durability::sync;
  auto engine = Engine::open(options, dir).value();
  auto printer = std::make_shared<Printer>();
  auto subscription = engine->subscribe(printer, {.after = 0, .cursor = "printer"}).value();

  (void)engine->upsert_location({}, {.location = {.id = "wh-1", .name = "Main warehouse"}});
  (void)engine->upsert_product({}, {.product = {.id = "p-1", .sku = "MUG-RED", .name = "Red mug"}});
  const ItemId mug = engine
                         ->upsert_item({}, {.product_id = "p-1",
                                            .location_id = "wh-1",
                                            .policy = ItemPolicy{.low_stock_threshold = 3}})
                         ->level.item;
  (void)engine->adjust({}, {.item = mug, .delta = Quantity{5}, .reason = "restock"});
  for (int i = 0; i < 3; ++i) {
    auto hold = engine->reserve({}, {.item = mug, .quantity = Quantity{2}});
    if (hold.ok()) (void)engine->confirm({}, *hold);  // The third one is refused: oversell.
  }
  (void)engine->sync();  // The refused reservation's event is journaled without a waiter.
  const std::uint64_t head = engine->metrics().durable_sequence;
  for (int i = 0; i < 2000 && printer->last < head; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::printf("head %llu, delivered through %llu\n", static_cast<unsigned long long>(head),
              static_cast<unsigned long long>(printer->last.load()));
  return printer->last >= head ? 0 : 1;
}
