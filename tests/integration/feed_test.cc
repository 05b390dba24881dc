// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the change feed (events.h, observer.h, Engine::subscribe / changes_since / history /
// explain / metrics) turns every durable change into the documented events, numbered without
// gaps, in per-item order, with transitions fired exactly once per crossing, and delivers them to
// observers that can neither slow the writers nor each other, that resume from durable cursors
// and that are told (on_gap) when the log they need was trimmed.
// Method: journaled engines on a ManualClock. Scripted operations are checked event by event
// against the state the engine reports before and after each one; seeded random runs are checked
// against a reference that recomputes the transitions from the items' available quantities;
// concurrent writers are checked through the per-item before/after chain and versions; observers
// record what they receive (and on which thread) for the checks that follow. Randomized cases
// print their seed (INVENTORY_SEED replays one) and a one-line summary.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/env.h"
#include "support/temp_dir.h"

namespace inventory {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = std::chrono::seconds(60);

std::uint64_t seed_for(std::uint64_t fallback) {
  return testing::env_or("INVENTORY_SEED", fallback);
}

const char* name_of(EventType type) { return to_string(type).data(); }

bool is_transition(EventType type) {
  return type == EventType::low_stock || type == EventType::out_of_stock ||
         type == EventType::back_in_stock || type == EventType::unusual_adjustment;
}

// Events that record a change of the item's slot (and so carry its new version). Not
// oversell_rejected: a refusal changes nothing, and its before/after is the state read after the
// refusal, which is not ordered against other threads' changes of the item.
bool is_item_change(const Event& e) {
  if (e.item == ItemId{}) return false;
  switch (e.type) {
    case EventType::stock_adjusted:
    case EventType::stock_set:
    case EventType::stock_transferred:
    case EventType::policy_changed:
    case EventType::reservation_reserved:
    case EventType::reservation_confirmed:
    case EventType::reservation_released:
    case EventType::reservation_expired:
      return true;
    default:
      return false;
  }
}

Quantities quantities_of(const StockLevel& level) {
  return Quantities{level.on_hand, level.reserved, level.available()};
}

// A journaled engine in a scratch directory, on a manual clock, without the expiry thread.
struct FeedDir {
  testing::TempDir dir{"feed"};
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  Options options;

  explicit FeedDir(Durability durability = Durability::sync) {
    options.durability = durability;
    options.clock = clock;
    options.expiry_interval = 0ms;
    options.limits.items_max = 256;
    options.limits.reservations_max = 8192;
  }
  std::unique_ptr<Engine> open() const {
    auto engine = Engine::open(options, dir.path());
    REQUIRE_MESSAGE(engine.ok(), engine.status().to_string());
    return std::move(engine).value();
  }
};

// The item of `product` at `location`, creating the three as needed.
ItemId add_item(Engine& e, const std::string& product, const std::string& location,
                ItemPolicy policy = {}) {
  if (!e.get_location({}, location).ok()) {
    REQUIRE(e.upsert_location({}, {.location = {.id = location, .name = location}}).ok());
  }
  if (!e.get_product({}, product).ok()) {
    REQUIRE(
        e.upsert_product({}, {.product = {.id = product, .sku = "sku-" + product, .name = product}})
            .ok());
  }
  auto info = e.upsert_item({}, {.product_id = product, .location_id = location, .policy = policy});
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  return info->level.item;
}

// For the retention tests: a journal that keeps 10 events of history beyond what cursors hold
// (at most feed_retention events), with old events read back from it rather than from memory.
void keep_little_history(FeedDir& d, std::uint64_t feed_retention) {
  d.options.checkpoint_records = 20;
  d.options.history_retention_events = 10;
  d.options.feed_retention_events = feed_retention;
  d.options.feed_buffer_events = 16;
}

// n adjustments of +1 to item.
void write_n(Engine& e, ItemId item, int n) {
  for (int i = 0; i < n; ++i) REQUIRE(e.adjust({}, {.item = item, .delta = Quantity{1}}).ok());
}

// The log behind the previous checkpoint goes at a checkpoint (down to the retention floor):
// three checkpoints with writes between.
void trim_log(Engine& e, ItemId item) {
  for (int i = 0; i < 3; ++i) {
    REQUIRE(e.checkpoint().ok());
    write_n(e, item, 1);
  }
}

StockLevel level(Engine& e, ItemId item) {
  auto got = e.get({}, item);
  REQUIRE_MESSAGE(got.ok(), got.status().to_string());
  return *got;
}

// Every durable event after `after` that matches `filter`, page by page.
std::vector<Event> read_all(Engine& e, std::uint64_t after = 0, const EventFilter& filter = {}) {
  std::vector<Event> out;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 1'000'000);
    auto page = e.changes_since(after, 1000, filter);
    REQUIRE_MESSAGE(page.ok(), page.status().to_string());
    REQUIRE(page->trimmed_through == 0);
    out.insert(out.end(), page->events.begin(), page->events.end());
    if (page->next_after >= page->head) break;
    REQUIRE(page->next_after > after);  // Progress.
    after = page->next_after;
  }
  return out;
}

// The events after *after (all of them, once durable), and moves *after past them.
std::vector<Event> next_events(Engine& e, std::uint64_t* after) {
  std::vector<Event> events = read_all(e, *after);
  if (!events.empty()) *after = events.back().sequence;
  return events;
}

template <typename Condition>
bool eventually(Condition&& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::uint64_t head_of(Engine& e) {
  auto page = e.changes_since(0, 1);
  REQUIRE_MESSAGE(page.ok(), page.status().to_string());
  return page->head;
}

// Waits until the subscription has acknowledged everything durable now.
void wait_caught_up(Engine& e, const Subscription& sub) {
  REQUIRE(e.sync().ok());
  const std::uint64_t head = head_of(e);
  REQUIRE_MESSAGE(eventually([&] { return sub.cursor() >= head; }), "subscription ", sub.name(),
                  " stuck at ", sub.cursor(), " of ", head);
}

// Records what it receives; never asserts (it runs on the subscription's thread).
class Collector : public Observer {
 public:
  void on_events(std::span<const Event> events) override {
    std::lock_guard lock(mutex_);
    events_.insert(events_.end(), events.begin(), events.end());
    batch_max_ = std::max(batch_max_, events.size());
    ++batches_;
    threads_.insert(std::this_thread::get_id());
  }
  void on_gap(std::uint64_t after, std::uint64_t last) override {
    std::lock_guard lock(mutex_);
    gaps_.emplace_back(after, last);
    gap_at_ = events_.size();
  }
  std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps() const {
    std::lock_guard lock(mutex_);
    return gaps_;
  }
  std::size_t gap_at() const {
    std::lock_guard lock(mutex_);
    return gap_at_;
  }
  std::size_t batch_max() const {
    std::lock_guard lock(mutex_);
    return batch_max_;
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps_;
  std::size_t gap_at_ = 0;
  std::size_t batch_max_ = 0;
  std::size_t batches_ = 0;
  std::set<std::thread::id> threads_;
};

// Whether `events` are exactly the sequences first..last, each once, in order.
bool contiguous(const std::vector<Event>& events, std::uint64_t first, std::uint64_t last) {
  if (events.size() != last - first + 1) return false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].sequence != first + i) return false;
  }
  return true;
}

// The same event (as far as delivery goes).
bool same_event(const Event& a, const Event& b) {
  return a.sequence == b.sequence && a.change == b.change && a.type == b.type && a.item == b.item &&
         a.before == b.before && a.after == b.after && a.delta == b.delta &&
         a.version == b.version && a.reservation == b.reservation;
}

// Checks one item event against the item's state before and after the operation.
void check_item_event(const Event& e, EventType type, ItemId item, const StockLevel& before,
                      const StockLevel& after, std::int64_t delta) {
  INFO("event ", e.sequence, " ", name_of(e.type));
  CHECK(e.type == type);
  CHECK(e.item == item);
  CHECK(e.before == quantities_of(before));
  CHECK(e.after == quantities_of(after));
  CHECK(e.delta == delta);
  CHECK(e.version == after.version);
}

std::vector<EventType> types_of(const std::vector<Event>& events) {
  std::vector<EventType> types;
  for (const Event& e : events) types.push_back(e.type);
  return types;
}

std::string describe(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) {
    out += std::to_string(e.sequence) + ":" + std::string(to_string(e.type)) + " ";
  }
  return out;
}

// One atomic change: consecutive sequences sharing `change`, which is the first one's.
void check_one_change(const std::vector<Event>& events) {
  REQUIRE(!events.empty());
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].change == events[0].sequence);
    CHECK(events[i].sequence == events[0].sequence + i);
  }
}

}  // namespace

TEST_SUITE("integration/feed") {
  // ---- 1. Events per operation ----

  TEST_CASE("each operation yields its documented events") {
    FeedDir d;
    d.options.unusual_adjustment = 50;
    auto e = d.open();
    std::uint64_t after = 0;
    const WriteOptions audited{.actor = "alice",
                               .request_id = "req-1",
                               .occurred_at = d.clock->now() - std::chrono::hours(1)};

    // Catalog.
    REQUIRE(e->upsert_location(audited, {.location = {.id = "wh", .name = "Warehouse"}}).ok());
    auto ev = next_events(*e, &after);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].sequence == 1);  // The feed starts at 1.
    CHECK(ev[0].change == 1);
    CHECK(ev[0].type == EventType::location_upserted);
    CHECK(ev[0].location_id == "wh");
    CHECK(ev[0].item == ItemId{});
    CHECK(ev[0].actor == "alice");
    CHECK(ev[0].request_id == "req-1");
    CHECK(ev[0].occurred_at == *audited.occurred_at);
    CHECK(ev[0].recorded_at == d.clock->now());
    REQUIRE(e->upsert_location({}, {.location = {.id = "st", .name = "Store"}}).ok());
    ev = next_events(*e, &after);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].type == EventType::location_upserted);
    CHECK(ev[0].location_id == "st");
    CHECK(ev[0].occurred_at == d.clock->now());  // Without occurred_at: the engine's clock.
    CHECK(ev[0].actor.empty());
    REQUIRE(e->upsert_product({}, {.product = {.id = "mug", .sku = "MUG", .name = "Mug"}}).ok());
    ev = next_events(*e, &after);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].type == EventType::product_upserted);
    CHECK(ev[0].product_id == "mug");
    REQUIRE(e->upsert_product({}, {.product = {.id = "cap", .sku = "CAP", .name = "Cap"}}).ok());
    ev = next_events(*e, &after);
    REQUIRE((types_of(ev) == std::vector{EventType::product_upserted}));

    auto a_info = e->upsert_item(
        {}, {.product_id = "mug", .location_id = "wh", .policy = {.low_stock_threshold = 5}});
    REQUIRE(a_info.ok());
    const ItemId a = a_info->level.item;
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::item_upserted, EventType::policy_changed}),
        describe(ev));
    check_one_change(ev);
    for (const Event& x : ev) {
      CHECK(x.item == a);
      CHECK(x.product_id == "mug");
      CHECK(x.location_id == "wh");
    }
    CHECK(ev[1].version == a_info->level.version);
    const ItemId b = add_item(*e, "mug", "st");
    const ItemId c = add_item(*e, "cap", "wh");
    after = head_of(*e);

    // A policy change of an existing item, through upsert_item.
    StockLevel before = level(*e, b);
    REQUIRE(
        e->upsert_item(
             {}, {.product_id = "mug", .location_id = "st", .policy = {.low_stock_threshold = 3}})
            .ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::policy_changed}), describe(ev));
    check_item_event(ev[0], EventType::policy_changed, b, before, level(*e, b), 0);

    // adjust: the audit trail, and back in stock.
    d.clock->advance(1s);
    before = level(*e, a);
    REQUIRE(e->adjust(audited,
                      {.item = a, .delta = Quantity{20}, .reason = "restock", .reference = "po-7"})
                .ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::stock_adjusted, EventType::back_in_stock}),
        describe(ev));
    check_one_change(ev);
    for (const Event& x : ev) {
      check_item_event(x, x.type, a, before, level(*e, a), 20);
      CHECK(x.reason == "restock");
      CHECK(x.reference == "po-7");
      CHECK(x.actor == "alice");
      CHECK(x.request_id == "req-1");
      CHECK(x.occurred_at == *audited.occurred_at);
      CHECK(x.recorded_at == d.clock->now());
      CHECK(x.product_id == "mug");
      CHECK(x.location_id == "wh");
      CHECK(x.reservation == ReservationId{});
    }
    REQUIRE(e->adjust({}, {.item = b, .delta = Quantity{8}}).ok());
    ev = next_events(*e, &after);
    CHECK((types_of(ev) == std::vector{EventType::stock_adjusted, EventType::back_in_stock}));
    // More than unusual_adjustment (50): flagged.
    before = level(*e, c);
    REQUIRE(e->adjust({}, {.item = c, .delta = Quantity{100}}).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::stock_adjusted, EventType::unusual_adjustment,
                                     EventType::back_in_stock}),
        describe(ev));
    check_item_event(ev[1], EventType::unusual_adjustment, c, before, level(*e, c), 100);

    // set_on_hand (a count): -70 is unusual too.
    before = level(*e, c);
    REQUIRE(e->set_on_hand({}, {.item = c, .on_hand = Quantity{30}, .reason = "cycle count"}).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::stock_set, EventType::unusual_adjustment}),
        describe(ev));
    check_item_event(ev[0], EventType::stock_set, c, before, level(*e, c), -70);
    CHECK(ev[0].reason == "cycle count");

    // set_policy: no transition, even where available is now at or below the new threshold
    // (available did not fall).
    before = level(*e, b);
    REQUIRE(e->set_policy({}, {.item = b, .policy = {.low_stock_threshold = 8}}).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::policy_changed}), describe(ev));
    check_item_event(ev[0], EventType::policy_changed, b, before, level(*e, b), 0);
    REQUIRE(e->set_policy({}, {.item = b, .policy = {.low_stock_threshold = 3}}).ok());
    after = head_of(*e);

    // reserve, one line.
    before = level(*e, a);
    auto r1 =
        e->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{2}, .reference = "cart-1"});
    REQUIRE(r1.ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_reserved}), describe(ev));
    check_item_event(ev[0], EventType::reservation_reserved, a, before, level(*e, a), 2);
    CHECK(ev[0].reservation == *r1);
    CHECK(ev[0].reference == "cart-1");

    // reserve, three lines: one change; b falls to 2, at or below its threshold 3.
    const StockLevel before_a = level(*e, a), before_b = level(*e, b), before_c = level(*e, c);
    const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{6}}, {c, Quantity{5}}};
    auto r2 = e->reserve({}, ReserveLinesRequest{.lines = lines, .reference = "cart-2"});
    REQUIRE(r2.ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(ev.size() == 4, describe(ev));
    check_one_change(ev);
    std::map<ItemId, std::vector<EventType>> per_item;
    for (const Event& x : ev) {
      per_item[x.item].push_back(x.type);
      CHECK(x.reservation == *r2);
      CHECK(x.reference == "cart-2");
      if (x.type != EventType::reservation_reserved) continue;
      if (x.item == a) check_item_event(x, x.type, a, before_a, level(*e, a), 1);
      if (x.item == b) check_item_event(x, x.type, b, before_b, level(*e, b), 6);
      if (x.item == c) check_item_event(x, x.type, c, before_c, level(*e, c), 5);
    }
    CHECK((per_item[a] == std::vector{EventType::reservation_reserved}));
    CHECK((per_item[b] == std::vector{EventType::reservation_reserved, EventType::low_stock}));
    CHECK((per_item[c] == std::vector{EventType::reservation_reserved}));

    // confirm, in full.
    before = level(*e, a);
    REQUIRE(e->confirm({}, *r1).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_confirmed}), describe(ev));
    check_item_event(ev[0], EventType::reservation_confirmed, a, before, level(*e, a), -2);
    CHECK(ev[0].reservation == *r1);

    // confirm, partly: a 1 of 1, b 2 of 6, c 0 of 5 (released).
    {
      const StockLevel ba = level(*e, a), bb = level(*e, b), bc = level(*e, c);
      const ReserveLine confirmed[] = {{a, Quantity{1}}, {b, Quantity{2}}};
      REQUIRE(e->confirm({}, ConfirmRequest{*r2, confirmed}).ok());
      ev = next_events(*e, &after);
      REQUIRE_MESSAGE(ev.size() == 3, describe(ev));
      check_one_change(ev);
      for (const Event& x : ev) {
        CHECK(x.reservation == *r2);
        if (x.item == a)
          check_item_event(x, EventType::reservation_confirmed, a, ba, level(*e, a), -1);
        if (x.item == b)
          check_item_event(x, EventType::reservation_confirmed, b, bb, level(*e, b), -2);
        if (x.item == c)
          check_item_event(x, EventType::reservation_confirmed, c, bc, level(*e, c), 0);
      }
    }

    // release.
    auto r3 = e->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{3}});
    REQUIRE(r3.ok());
    after = head_of(*e);
    before = level(*e, a);
    REQUIRE(e->release({}, *r3).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_released}), describe(ev));
    check_item_event(ev[0], EventType::reservation_released, a, before, level(*e, a), -3);
    CHECK(ev[0].reservation == *r3);

    // extend: a reservation event, no item changes.
    auto r4 = e->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}, .ttl = 10s});
    REQUIRE(r4.ok());
    after = head_of(*e);
    REQUIRE(e->extend({}, *r4, 60s).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_extended}), describe(ev));
    CHECK(ev[0].reservation == *r4);

    // expire, by the sweeper (journaled without waiting: sync to see it).
    auto r5 = e->reserve({}, ReserveRequest{.item = b, .quantity = Quantity{1}, .ttl = 5s});
    REQUIRE(r5.ok());
    after = head_of(*e);
    before = level(*e, b);
    d.clock->advance(6s);
    CHECK(e->expire_due() == 1);
    REQUIRE(e->sync().ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_expired}), describe(ev));
    check_item_event(ev[0], EventType::reservation_expired, b, before, level(*e, b), -1);
    CHECK(ev[0].reservation == *r5);

    // A confirm that comes too late expires the reservation: that is what the feed says.
    auto r6 = e->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}, .ttl = 2s});
    REQUIRE(r6.ok());
    after = head_of(*e);
    before = level(*e, a);
    d.clock->advance(3s);
    CHECK(e->confirm({}, *r6).code() == StatusCode::reservation_not_active);
    REQUIRE(e->sync().ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::reservation_expired}), describe(ev));
    check_item_event(ev[0], EventType::reservation_expired, a, before, level(*e, a), -1);
    CHECK(ev[0].reservation == *r6);

    // transfer: one change, both items; not an adjustment, so never unusual.
    REQUIRE(e->adjust({}, {.item = a, .delta = Quantity{50}}).ok());
    after = head_of(*e);
    const StockLevel from_before = level(*e, a), to_before = level(*e, b);
    REQUIRE(e->transfer({}, {.from = a,
                             .to = b,
                             .quantity = Quantity{60},
                             .reason = "rebalance",
                             .reference = "t-1"})
                .ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::stock_transferred, EventType::stock_transferred}),
        describe(ev));
    check_one_change(ev);
    check_item_event(ev[0], EventType::stock_transferred, a, from_before, level(*e, a), -60);
    check_item_event(ev[1], EventType::stock_transferred, b, to_before, level(*e, b), 60);
    CHECK(ev[1].location_id == "st");
    CHECK(ev[0].reason == "rebalance");
    CHECK(ev[1].reference == "t-1");

    // A refused reservation: oversell_rejected, with the state and the quantity asked for.
    before = level(*e, c);
    CHECK(e->reserve({}, ReserveRequest{.item = c, .quantity = Quantity{1000}}).status().code() ==
          StatusCode::insufficient_stock);
    REQUIRE(e->sync().ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::oversell_rejected}), describe(ev));
    check_item_event(ev[0], EventType::oversell_rejected, c, before, before, 1000);

    // An idempotent request refused for another reason is recorded as request_refused.
    CHECK(e->release({.idempotency_key = "k-2"}, ReservationId{0x7777'0000'0001}).code() ==
          StatusCode::not_found);
    REQUIRE(e->sync().ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::request_refused}), describe(ev));
    CHECK(ev[0].reason.starts_with("not_found"));

    // A batch, all or nothing: one change; each item event names its own reservation (none for
    // the adjustment).
    {
      const StockLevel ba = level(*e, a), bb = level(*e, b);
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{2}});
      batch.reserve(ReserveRequest{.item = b, .quantity = Quantity{1}});
      auto receipt = e->write({}, batch);
      REQUIRE(receipt.ok());
      ev = next_events(*e, &after);
      REQUIRE_MESSAGE(
          (types_of(ev) == std::vector{EventType::stock_adjusted, EventType::reservation_reserved}),
          describe(ev));
      check_one_change(ev);
      check_item_event(ev[0], EventType::stock_adjusted, a, ba, level(*e, a), 2);
      CHECK(ev[0].reservation == ReservationId{});
      check_item_event(ev[1], EventType::reservation_reserved, b, bb, level(*e, b), 1);
      CHECK(ev[1].reservation == receipt->results[1].reservation);
    }

    // Removals. An item removed with its stock: the removal, then the stock it took.
    before = level(*e, c);
    REQUIRE(e->remove_item({}, c, /*force=*/true).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::item_removed, EventType::stock_adjusted,
                                                 EventType::out_of_stock}),
                    describe(ev));
    check_one_change(ev);
    for (const Event& x : ev) CHECK(x.item == c);
    CHECK(ev[1].before == quantities_of(before));
    CHECK(ev[1].after == Quantities{});
    CHECK(ev[1].delta == -before.on_hand.value());
    // An empty item: only its removal.
    const ItemId empty = add_item(*e, "cap", "st");
    after = head_of(*e);
    REQUIRE(e->remove_item({}, empty, false).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::item_removed}), describe(ev));
    CHECK(ev[0].item == empty);
    REQUIRE(e->remove_product({}, "cap", false).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::product_removed}), describe(ev));
    CHECK(ev[0].product_id == "cap");
    REQUIRE(e->upsert_location({}, {.location = {.id = "tmp", .name = "Temporary"}}).ok());
    after = head_of(*e);
    REQUIRE(e->remove_location({}, "tmp", false).ok());
    ev = next_events(*e, &after);
    REQUIRE_MESSAGE((types_of(ev) == std::vector{EventType::location_removed}), describe(ev));
    CHECK(ev[0].location_id == "tmp");

    // The whole feed: 1..head, no gap, changes contiguous.
    const std::vector<Event> all = read_all(*e);
    REQUIRE(!all.empty());
    CHECK(contiguous(all, 1, head_of(*e)));
    for (std::size_t i = 1; i < all.size(); ++i) {
      if (all[i].change != all[i - 1].change) {
        CHECK(all[i].change == all[i].sequence);
      } else {
        CHECK(all[i].change < all[i].sequence);
      }
    }
    CHECK(e->metrics().durable_sequence == head_of(*e));
  }

  TEST_CASE("each operation of a per_operation batch is a change of its own") {
    FeedDir d;
    auto e = d.open();
    const ItemId a = add_item(*e, "p", "wh");
    const ItemId b = add_item(*e, "q", "wh");
    const ItemId c = add_item(*e, "r", "wh");
    std::uint64_t after = head_of(*e);
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}});
    batch.adjust({.item = b, .delta = Quantity{1}});
    batch.adjust({.item = c, .delta = Quantity{1}});
    REQUIRE(e->write({}, batch, BatchPolicy::per_operation).ok());
    std::vector<Event> ev = next_events(*e, &after);
    std::set<std::uint64_t> changes;
    for (const Event& x : ev) {
      if (x.type == EventType::stock_adjusted) changes.insert(x.change);
    }
    CHECK(changes.size() == 3);
  }

  // Acknowledged means durable (and, for the feed, published) for every operation of a
  // per_operation batch, also when its last operation fails and journals nothing.
  TEST_CASE("a per_operation batch whose last operation fails is acknowledged after all") {
    FeedDir d;
    auto e = d.open();
    const ItemId a = add_item(*e, "p", "wh");
    const ItemId b = add_item(*e, "q", "wh");
    for (int round = 0; round < 20; ++round) {
      std::uint64_t after = head_of(*e);
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{1}, .reason = "good"});
      batch.adjust({.item = b, .delta = Quantity{-1000}, .reason = "short"});  // insufficient
      auto receipt = e->write({}, batch, BatchPolicy::per_operation);
      REQUIRE(receipt.ok());
      REQUIRE(receipt->results[0].status.ok());
      REQUIRE(receipt->results[1].status.code() == StatusCode::insufficient_stock);
      // Read-your-writes: published before the caller is answered.
      auto page = e->changes_since(after, 100);
      REQUIRE(page.ok());
      bool seen = false;
      for (const Event& x : page->events) {
        seen = seen || (x.type == EventType::stock_adjusted && x.item == a);
      }
      CHECK_MESSAGE(seen, "round " << round << ": the applied operation was not yet durable");
    }
  }

  // A bulk count through a batch keeps its "why" in the audit trail.
  TEST_CASE("batch events carry the operations' reason and reference") {
    FeedDir d;
    auto e = d.open();
    const ItemId a = add_item(*e, "p", "wh");
    const ItemId b = add_item(*e, "q", "wh");
    std::uint64_t after = head_of(*e);
    WriteBatch same;
    same.adjust({.item = a, .delta = Quantity{2}, .reason = "cycle count", .reference = "c-1"});
    same.set_on_hand(
        {.item = b, .on_hand = Quantity{7}, .reason = "cycle count", .reference = "c-1"});
    REQUIRE(e->write({}, same).ok());
    for (const Event& x : next_events(*e, &after)) {
      if (x.type != EventType::stock_adjusted && x.type != EventType::stock_set) continue;
      CHECK(x.reason == "cycle count");
      CHECK(x.reference == "c-1");
    }
    WriteBatch each;
    each.adjust({.item = a, .delta = Quantity{1}, .reason = "damaged"});
    each.adjust({.item = b, .delta = Quantity{1}, .reason = "found"});
    REQUIRE(e->write({}, each, BatchPolicy::per_operation).ok());
    std::vector<std::string> reasons;
    for (const Event& x : next_events(*e, &after)) {
      if (x.type == EventType::stock_adjusted) reasons.push_back(x.reason);
    }
    REQUIRE(reasons.size() == 2);
    CHECK(reasons[0] == "damaged");  // Its own record.
    CHECK(reasons[1] == "");         // The batch's record: the operations disagree.
  }

  // ---- 2. Transitions ----

  TEST_CASE("transitions fire exactly once per crossing, right after their cause") {
    const std::uint64_t seed = seed_for(20260917);
    const int ops = static_cast<int>(testing::env_or("INVENTORY_FEED_OPS", 20'000));
    constexpr std::int64_t kUnusual = 40;
    std::mt19937_64 rng(seed);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    FeedDir d(Durability::buffered);
    d.options.unusual_adjustment = kUnusual;
    auto e = d.open();

    // 10 products at 2 locations (transfers move stock between the two items of a product).
    constexpr int kProducts = 10;
    std::vector<ItemId> items;
    std::map<std::pair<ItemId, std::uint64_t>, std::int64_t> threshold_at;  // (item, version).
    for (int p = 0; p < kProducts; ++p) {
      for (const char* location : {"wh", "st"}) {
        const ItemPolicy policy{.low_stock_threshold = pick(0, 10),
                                .backorder_limit = p % 3 == 0 ? 3 : 0};
        const ItemId item = add_item(*e, "p" + std::to_string(p), location, policy);
        threshold_at[{item, static_cast<std::uint64_t>(level(*e, item).version)}] =
            policy.low_stock_threshold;
        items.push_back(item);
      }
    }
    struct Hold {
      ReservationId id;
      std::vector<ReserveLine> lines;
    };
    std::vector<Hold> holds;
    std::vector<std::pair<ItemId, std::int64_t>> refusals;  // Expected oversell_rejected.
    int ok_ops = 0;
    auto any_item = [&] { return items[static_cast<std::size_t>(pick(0, 19))]; };
    auto drop_hold = [&](std::size_t i) {
      holds[i] = holds.back();
      holds.pop_back();
    };
    for (int op = 0; op < ops; ++op) {
      const int kind = static_cast<int>(pick(0, 99));
      if (kind < 22) {
        const std::int64_t delta = pick(1, 60) * (pick(0, 2) == 0 ? -1 : 1);
        auto r =
            e->adjust({}, {.item = any_item(), .delta = Quantity{delta}, .force = pick(0, 9) == 0});
        ok_ops += r.ok();
      } else if (kind < 30) {
        auto r = e->set_on_hand({}, {.item = any_item(), .on_hand = Quantity{pick(0, 90)}});
        ok_ops += r.ok();
      } else if (kind < 50) {
        const ItemId item = any_item();
        const std::int64_t quantity = pick(1, 12);
        const auto ttl = pick(0, 4) == 0 ? 1s : 3600s;
        auto r = e->reserve(
            {}, ReserveRequest{.item = item, .quantity = Quantity{quantity}, .ttl = ttl});
        if (r.ok()) {
          holds.push_back({*r, {{item, Quantity{quantity}}}});
          ++ok_ops;
        } else if (r.status().code() == StatusCode::insufficient_stock) {
          refusals.emplace_back(item, quantity);
        }
      } else if (kind < 58) {
        std::vector<ReserveLine> lines;
        std::set<ItemId> used;
        const int n = static_cast<int>(pick(2, 3));
        while (static_cast<int>(lines.size()) < n) {
          const ItemId item = any_item();
          if (used.insert(item).second) lines.push_back({item, Quantity{pick(1, 8)}});
        }
        auto r = e->reserve({}, ReserveLinesRequest{.lines = lines, .ttl = 3600s});
        if (r.ok()) {
          holds.push_back({*r, lines});
          ++ok_ops;
        } else if (r.status().code() == StatusCode::insufficient_stock) {
          const auto index = static_cast<std::size_t>(std::max(0, r.status().index()));
          refusals.emplace_back(lines[index].item, lines[index].quantity.value());
        }
      } else if (kind < 70 && !holds.empty()) {
        const auto i =
            static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(holds.size()) - 1));
        std::vector<ReserveLine> part;
        if (pick(0, 1) == 0) {
          for (const ReserveLine& line : holds[i].lines) {
            part.push_back({line.item, Quantity{pick(0, line.quantity.value())}});
          }
        }
        const Status s = e->confirm({}, ConfirmRequest{holds[i].id, part});
        ok_ops += s.ok();
        drop_hold(i);
      } else if (kind < 80 && !holds.empty()) {
        const auto i =
            static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(holds.size()) - 1));
        ok_ops += e->release({}, holds[i].id).ok();
        drop_hold(i);
      } else if (kind < 88) {
        const int p = static_cast<int>(pick(0, kProducts - 1));
        const bool forward = pick(0, 1) == 0;
        const ItemId from = items[static_cast<std::size_t>(2 * p + (forward ? 0 : 1))];
        const ItemId to = items[static_cast<std::size_t>(2 * p + (forward ? 1 : 0))];
        ok_ops += e->transfer({}, {.from = from, .to = to, .quantity = Quantity{pick(1, 30)}}).ok();
      } else if (kind < 92) {
        const ItemId item = any_item();
        StockLevel now = level(*e, item);
        ItemPolicy policy = now.policy;
        policy.low_stock_threshold = pick(0, 12);
        auto r = e->set_policy({}, {.item = item, .policy = policy});
        if (r.ok()) {
          threshold_at[{item, static_cast<std::uint64_t>(r->version)}] = policy.low_stock_threshold;
          ++ok_ops;
        }
      } else if (kind < 96) {
        // A batch of an adjustment and a reservation on two other items.
        const ItemId x = any_item();
        ItemId y = any_item();
        while (y == x) y = any_item();
        const std::int64_t quantity = pick(1, 5);
        WriteBatch batch;
        batch.adjust({.item = x, .delta = Quantity{pick(-20, 45) | 1}});
        batch.reserve(ReserveRequest{.item = y, .quantity = Quantity{quantity}, .ttl = 3600s});
        auto r = e->write({}, batch);
        if (r.ok()) {
          holds.push_back({r->results[1].reservation, {{y, Quantity{quantity}}}});
          ++ok_ops;
        }
      } else {
        d.clock->advance(2s);
        ok_ops += static_cast<int>(e->expire_due() > 0);
      }
    }
    REQUIRE(e->sync().ok());
    const std::vector<Event> all = read_all(*e);
    REQUIRE(contiguous(all, 1, head_of(*e)));

    // The reference: per item, available after each event that changed it, and the threshold in
    // force (set by this test, looked up by the version the change installed).
    std::map<ItemId, std::int64_t> available;
    std::map<ItemId, std::int64_t> threshold;
    std::map<EventType, int> fired;
    int mismatches = 0, chain_breaks = 0, stray = 0;
    std::size_t refusal = 0;
    std::size_t i = 0;
    while (i < all.size()) {
      const Event& x = all[i];
      if (x.type == EventType::oversell_rejected) {
        const bool expected_one = refusal < refusals.size() && refusals[refusal].first == x.item &&
                                  refusals[refusal].second == x.delta;
        if (!expected_one) ++mismatches;
        if (x.before != x.after || available.count(x.item) == 0 ||
            x.before.available.value() != available[x.item]) {
          ++mismatches;
        }
        ++refusal;
        ++fired[x.type];
        ++i;
        continue;
      }
      if (is_transition(x.type)) {  // Not right after a cause.
        ++stray;
        ++i;
        continue;
      }
      if (!is_item_change(x)) {
        ++i;
        continue;
      }
      auto known = threshold_at.find({x.item, static_cast<std::uint64_t>(x.version)});
      if (known != threshold_at.end()) threshold[x.item] = known->second;
      const std::int64_t before = x.before.available.value();
      const std::int64_t after = x.after.available.value();
      if (available.count(x.item) != 0 && available[x.item] != before) ++chain_breaks;
      available[x.item] = after;
      std::vector<EventType> expected;
      const std::int64_t moved = x.after.on_hand.value() - x.before.on_hand.value();
      const bool adjustment = x.type == EventType::stock_adjusted || x.type == EventType::stock_set;
      if (adjustment && (moved > kUnusual || -moved > kUnusual)) {
        expected.push_back(EventType::unusual_adjustment);
      }
      const std::int64_t low = threshold[x.item];
      if (low > 0 && before > low && after <= low) expected.push_back(EventType::low_stock);
      if (before > 0 && after <= 0) expected.push_back(EventType::out_of_stock);
      if (before <= 0 && after > 0) expected.push_back(EventType::back_in_stock);
      std::vector<EventType> emitted;
      std::size_t j = i + 1;
      for (; j < all.size() && is_transition(all[j].type) && all[j].item == x.item &&
             all[j].change == x.change;
           ++j) {
        emitted.push_back(all[j].type);
        if (all[j].before != x.before || all[j].after != x.after || all[j].version != x.version) {
          ++mismatches;
        }
      }
      if (emitted != expected) {
        ++mismatches;
        if (mismatches <= 5) {
          MESSAGE("after event ", x.sequence, " (", name_of(x.type), " ", before, " -> ", after,
                  ", threshold ", low, "): expected ", expected.size(), " transitions, got ",
                  emitted.size());
        }
      }
      for (EventType t : emitted) ++fired[t];
      i = j;
    }
    if (refusal != refusals.size()) ++mismatches;
    CHECK(mismatches == 0);
    CHECK(chain_breaks == 0);
    CHECK(stray == 0);
    CHECK(e->metrics().oversell_rejected == refusals.size());
    // The run must have exercised every kind of transition.
    CHECK(fired[EventType::low_stock] > 0);
    CHECK(fired[EventType::out_of_stock] > 0);
    CHECK(fired[EventType::back_in_stock] > 0);
    CHECK(fired[EventType::unusual_adjustment] > 0);
    CHECK(fired[EventType::oversell_rejected] > 0);
    std::printf(
        "feed transitions: seed %llu, %d ops (%d ok), %zu events, %d low_stock, %d out_of_stock, "
        "%d back_in_stock, %d unusual, %d oversell_rejected, %d mismatches, %d stray\n",
        static_cast<unsigned long long>(seed), ops, ok_ops, all.size(), fired[EventType::low_stock],
        fired[EventType::out_of_stock], fired[EventType::back_in_stock],
        fired[EventType::unusual_adjustment], fired[EventType::oversell_rejected], mismatches,
        stray);
  }

  TEST_CASE("a refused reservation yields one oversell_rejected event and is counted") {
    FeedDir d;
    auto e = d.open();
    const ItemId a = add_item(*e, "p", "wh");
    const ItemId b = add_item(*e, "q", "wh");
    REQUIRE(e->adjust({}, {.item = a, .delta = Quantity{5}}).ok());
    REQUIRE(e->adjust({}, {.item = b, .delta = Quantity{5}}).ok());
    std::uint64_t after = head_of(*e);
    const StockLevel before_a = level(*e, a), before_b = level(*e, b);
    CHECK(e->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{6}}).status().code() ==
          StatusCode::insufficient_stock);
    // Several lines, the second one short: nothing held, one event naming the short line.
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{9}}};
    auto refused = e->reserve({}, ReserveLinesRequest{.lines = lines});
    CHECK(refused.status().code() == StatusCode::insufficient_stock);
    CHECK(refused.status().index() == 1);
    REQUIRE(e->sync().ok());
    const std::vector<Event> ev = next_events(*e, &after);
    REQUIRE_MESSAGE(
        (types_of(ev) == std::vector{EventType::oversell_rejected, EventType::oversell_rejected}),
        describe(ev));
    check_item_event(ev[0], EventType::oversell_rejected, a, before_a, before_a, 6);
    check_item_event(ev[1], EventType::oversell_rejected, b, before_b, before_b, 9);
    CHECK(level(*e, a) == before_a);
    CHECK(level(*e, b) == before_b);
    CHECK(e->metrics().oversell_rejected == 2);
  }

  // ---- 3. Order under concurrent writers ----

  TEST_CASE("the feed is gap-free and in per-item order under 4 concurrent writers") {
    for (const Durability durability : {Durability::sync, Durability::buffered}) {
      const bool sync = durability == Durability::sync;
      const std::uint64_t seed = seed_for(777) + (sync ? 0 : 1);
      CAPTURE(seed);
      constexpr int kWriters = 4;
      const int per_writer = static_cast<int>(testing::env_or("INVENTORY_FEED_OPS", 20'000) / 8);
      FeedDir d(durability);
      d.options.unusual_adjustment = 20;
      auto e = d.open();
      std::vector<ItemId> items;
      for (int p = 0; p < 4; ++p) {
        for (const char* location : {"wh", "st"}) {
          const ItemId item =
              add_item(*e, "p" + std::to_string(p), location, {.low_stock_threshold = 5});
          REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{30}}).ok());
          items.push_back(item);
        }
      }
      auto observer = std::make_shared<Collector>();
      auto sub = e->subscribe(observer, {.after = 0, .max_batch = 256});
      REQUIRE(sub.ok());

      std::vector<std::thread> writers;
      for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
          std::mt19937_64 rng(seed * 31 + static_cast<std::uint64_t>(w));
          auto pick = [&](std::int64_t lo, std::int64_t hi) {
            return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
          };
          std::vector<ReservationId> mine;
          for (int op = 0; op < per_writer; ++op) {
            const ItemId item = items[static_cast<std::size_t>(pick(0, 7))];
            const int kind = static_cast<int>(pick(0, 9));
            if (kind < 3) {
              (void)e->adjust({}, {.item = item, .delta = Quantity{pick(-10, 25) | 1}});
            } else if (kind < 6) {
              auto r =
                  e->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{pick(1, 6)}});
              if (r.ok()) mine.push_back(*r);
            } else if (kind < 8 && !mine.empty()) {
              const auto i =
                  static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(mine.size()) - 1));
              (void)(pick(0, 1) == 0 ? e->confirm({}, mine[i]) : e->release({}, mine[i]));
              mine[i] = mine.back();
              mine.pop_back();
            } else {
              const auto p = static_cast<std::size_t>(pick(0, 3));
              const bool forward = pick(0, 1) == 0;
              (void)e->transfer({}, {.from = items[2 * p + (forward ? 0 : 1)],
                                     .to = items[2 * p + (forward ? 1 : 0)],
                                     .quantity = Quantity{pick(1, 8)}});
            }
          }
        });
      }
      for (auto& t : writers) t.join();
      REQUIRE(e->sync().ok());
      const std::uint64_t head = head_of(*e);
      const std::vector<Event> all = read_all(*e);

      int gaps = 0, duplicates = 0, reorders = 0, derived_mismatch = 0;
      for (std::size_t i = 0; i < all.size(); ++i) {
        const std::uint64_t expected = i == 0 ? 1 : all[i - 1].sequence + 1;
        if (all[i].sequence > expected) ++gaps;
        if (all[i].sequence < expected) ++duplicates;
      }
      if (!all.empty() && all.back().sequence != head) ++gaps;
      struct Last {
        Quantities after;
        Version version;
      };
      std::map<ItemId, Last> last;
      const Event* cause = nullptr;
      for (const Event& x : all) {
        if (is_transition(x.type)) {
          if (cause == nullptr || cause->item != x.item || cause->change != x.change ||
              cause->after != x.after || cause->version != x.version) {
            ++derived_mismatch;
          }
          continue;
        }
        cause = nullptr;
        if (!is_item_change(x)) continue;
        cause = &x;
        auto it = last.find(x.item);
        if (it != last.end()) {
          if (x.before != it->second.after) ++reorders;
          if (static_cast<std::uint64_t>(x.version) !=
              static_cast<std::uint64_t>(it->second.version) + 1) {
            ++reorders;
          }
        }
        last[x.item] = {x.after, x.version};
      }
      for (ItemId item : items) {
        const StockLevel now = level(*e, item);
        REQUIRE(last.count(item) == 1);
        CHECK(last[item].after == quantities_of(now));
        CHECK(last[item].version == now.version);
      }
      CHECK(gaps == 0);
      CHECK(duplicates == 0);
      CHECK(reorders == 0);
      CHECK(derived_mismatch == 0);

      // The observer subscribed from 0 got exactly the same sequence.
      wait_caught_up(*e, **sub);
      const std::vector<Event> delivered = observer->events();
      int differ = delivered.size() == all.size() ? 0 : 1;
      for (std::size_t i = 0; i < std::min(delivered.size(), all.size()); ++i) {
        differ += !same_event(delivered[i], all[i]);
      }
      CHECK(differ == 0);
      std::printf(
          "feed order: seed %llu, %s, %d writers, %zu events, %d gaps, %d duplicates, %d "
          "reorders, observer %zu events (%d differ)\n",
          static_cast<unsigned long long>(seed), sync ? "sync" : "buffered", kWriters, all.size(),
          gaps, duplicates, reorders, delivered.size(), differ);
    }
  }

  // ---- 4. Observers ----

  TEST_CASE(
      "subscriptions filter by type and location, respect max_batch, and run off the "
      "writer's thread") {
    FeedDir d;
    auto e = d.open();
    const ItemId wh = add_item(*e, "p", "wh");
    const ItemId st = add_item(*e, "p", "st");
    auto adjusted = std::make_shared<Collector>();
    auto at_store = std::make_shared<Collector>();
    auto small = std::make_shared<Collector>();
    const EventFilter by_type{.types = {EventType::stock_adjusted}};
    const EventFilter by_location{.location_ids = {"st"}};
    auto s1 = e->subscribe(adjusted, {.after = 0, .filter = by_type});
    auto s2 = e->subscribe(at_store, {.after = 0, .filter = by_location});
    auto s3 = e->subscribe(small, {.after = 0, .max_batch = 3});
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    REQUIRE(s3.ok());
    for (int i = 0; i < 40; ++i) {
      const ItemId item = i % 2 == 0 ? wh : st;
      REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{3}}).ok());
      auto r = e->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}});
      REQUIRE(r.ok());
      if (i % 3 == 0) REQUIRE(e->release({}, *r).ok());
    }
    wait_caught_up(*e, **s1);
    wait_caught_up(*e, **s2);
    wait_caught_up(*e, **s3);
    const std::vector<Event> all = read_all(*e);
    std::vector<Event> want_adjusted, want_store;
    for (const Event& x : all) {
      if (x.type == EventType::stock_adjusted) want_adjusted.push_back(x);
      if (x.location_id == "st") want_store.push_back(x);
    }
    auto same = [](const std::vector<Event>& a, const std::vector<Event>& b) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_event(a[i], b[i])) return false;
      }
      return true;
    };
    CHECK(want_adjusted.size() == 40);
    CHECK(want_store.size() > 40);
    CHECK(same(adjusted->events(), want_adjusted));
    CHECK(same(at_store->events(), want_store));
    CHECK(same(small->events(), all));
    CHECK(small->batch_max() <= 3);
    CHECK(small->batch_max() == 3);
    // The polling form filters the same way.
    CHECK(same(read_all(*e, 0, by_type), want_adjusted));
    CHECK(same(read_all(*e, 0, by_location), want_store));
    // Never the writer's (this) thread, and one thread per subscription.
    for (const auto& c : {adjusted, at_store, small}) {
      CHECK(c->threads().size() == 1);
      CHECK(c->threads().count(std::this_thread::get_id()) == 0);
    }
    CHECK(*adjusted->threads().begin() != *small->threads().begin());
  }

  TEST_CASE("a durable cursor resumes after a restart where it stopped") {
    FeedDir d;
    std::uint64_t acknowledged = 0, head_before_close = 0;
    std::vector<Event> first;
    ItemId item{};
    {
      auto e = d.open();
      item = add_item(*e, "p", "wh");
      auto observer = std::make_shared<Collector>();
      auto sub = e->subscribe(observer, {.after = 0, .cursor = "c1", .max_batch = 7});
      REQUIRE(sub.ok());
      CHECK((*sub)->name() == "c1");
      for (int i = 0; i < 50; ++i)
        REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{1}}).ok());
      wait_caught_up(*e, **sub);
      (*sub)->cancel();
      acknowledged = (*sub)->cursor();
      first = observer->events();
      // Written while nobody listens, then the engine closes.
      for (int i = 0; i < 50; ++i)
        REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{1}}).ok());
      head_before_close = head_of(*e);
    }
    REQUIRE(contiguous(first, 1, acknowledged));
    auto e = d.open();
    CHECK(head_of(*e) == head_before_close);
    auto observer = std::make_shared<Collector>();
    auto sub = e->subscribe(observer, {.cursor = "c1", .max_batch = 7});
    REQUIRE(sub.ok());
    for (int i = 0; i < 10; ++i) REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{1}}).ok());
    wait_caught_up(*e, **sub);
    const std::vector<Event> second = observer->events();
    REQUIRE(!second.empty());
    // Nothing lost; duplicates only at the boundary (at most one batch).
    CHECK(second.front().sequence <= acknowledged + 1);
    CHECK(second.front().sequence + 7 > acknowledged);
    CHECK(contiguous(second, second.front().sequence, head_of(*e)));
    std::printf("feed cursor: acknowledged %llu before the restart, resumed at %llu, head %llu\n",
                static_cast<unsigned long long>(acknowledged),
                static_cast<unsigned long long>(second.front().sequence),
                static_cast<unsigned long long>(head_of(*e)));
  }

  TEST_CASE("subscribe rejects bad options and a cursor in use") {
    FeedDir d;
    auto e = d.open();
    const ItemId item = add_item(*e, "p", "wh");
    auto observer = std::make_shared<Collector>();

    auto first = e->subscribe(observer, {.cursor = "dup"});
    REQUIRE(first.ok());
    CHECK(e->subscribe(observer, {.cursor = "dup"}).status().code() == StatusCode::already_exists);
    (*first)->cancel();
    first->reset();
    CHECK(e->subscribe(observer, {.cursor = "dup"}).ok());  // Free again (and released at once).

    // Names of anonymous subscriptions do not take cursor names.
    auto anonymous = e->subscribe(observer, {});
    REQUIRE(anonymous.ok());
    auto named = e->subscribe(observer, {.cursor = (*anonymous)->name()});
    CHECK_MESSAGE(named.ok(), named.status().to_string());

    for (const std::string& bad :
         {std::string("has space"), std::string("a/b"), std::string(65, 'x'),
          std::string("caf\xc3\xa9"), std::string("tab\t")}) {
      CAPTURE(bad);
      CHECK(e->subscribe(observer, {.cursor = bad}).status().code() ==
            StatusCode::invalid_argument);
    }
    CHECK(e->subscribe(observer, {.cursor = std::string(64, 'x')}).ok());
    CHECK(e->subscribe(observer, {.max_batch = 0}).status().code() == StatusCode::invalid_argument);
    CHECK(e->subscribe(observer, {.max_batch = 100'001}).status().code() ==
          StatusCode::invalid_argument);
    CHECK(e->subscribe(observer, {.max_batch = 100'000}).ok());
    const std::uint64_t head = head_of(*e);
    CHECK(e->subscribe(observer, {.after = head + 1}).status().code() ==
          StatusCode::invalid_argument);
    CHECK(e->subscribe(observer, {.after = head}).ok());
    CHECK(e->subscribe(nullptr, {}).status().code() == StatusCode::invalid_argument);
    CHECK(e->changes_since(0, 0).status().code() == StatusCode::invalid_argument);
    CHECK(e->changes_since(0, d.options.limits.page_size_max + 1).status().code() ==
          StatusCode::invalid_argument);
    CHECK(e->history({.item = item, .limit = 0}).status().code() == StatusCode::invalid_argument);
    CHECK(e->history({.item = item, .after = 5, .until = 4}).status().code() ==
          StatusCode::invalid_argument);
    // changes_since beyond the head: an empty page, nothing to wait for.
    auto beyond = e->changes_since(head + 10, 10);
    REQUIRE(beyond.ok());
    CHECK(beyond->events.empty());
    CHECK(beyond->next_after == head + 10);
  }

  TEST_CASE("a dropped cursor no longer holds the log, survives a restart and can start afresh") {
    FeedDir d;
    keep_little_history(d, 1000);
    std::uint64_t stored = 0;
    {
      auto e = d.open();
      const ItemId item = add_item(*e, "p", "wh");
      auto write = [&](int n) { write_n(*e, item, n); };
      auto checkpoints = [&] { trim_log(*e, item); };
      auto observer = std::make_shared<Collector>();
      auto sub = e->subscribe(observer, {.after = 0, .cursor = "gone"});
      REQUIRE(sub.ok());
      wait_caught_up(*e, **sub);
      stored = (*sub)->cursor();
      CHECK(e->drop_cursor("gone").code() == StatusCode::failed_precondition);  // Live.
      (*sub)->cancel();
      // Held: the log behind the cursor stays although history keeps only 10 events.
      write(100);
      checkpoints();
      // (Each check reads a position not read before: groups read back from the journal are
      // cached, and a cached group is served after the log behind it is trimmed.)
      auto held = e->changes_since(stored + 10, 10);
      REQUIRE(held.ok());
      CHECK(held->trimmed_through == 0);
      REQUIRE(!held->events.empty());
      CHECK(held->events.front().sequence == stored + 11);

      REQUIRE(e->drop_cursor("gone").ok());
      CHECK(e->drop_cursor("gone").code() == StatusCode::not_found);
      CHECK(e->drop_cursor("never").code() == StatusCode::not_found);
      CHECK(e->drop_cursor("").code() == StatusCode::invalid_argument);
      CHECK(e->drop_cursor("a/b").code() == StatusCode::invalid_argument);
      CHECK(e->drop_cursor(std::string(65, 'x')).code() == StatusCode::invalid_argument);
      write(5);
      checkpoints();
      auto released = e->changes_since(stored + 30, 10);
      REQUIRE(released.ok());
      CHECK(released->trimmed_through > stored + 50);
      std::printf("drop cursor: held at %llu, after the drop the log starts at %llu, head %llu\n",
                  static_cast<unsigned long long>(stored),
                  static_cast<unsigned long long>(released->trimmed_through + 1),
                  static_cast<unsigned long long>(head_of(*e)));
    }
    // After a restart the name is free: it starts at the head, not at the old position.
    auto e = d.open();
    const std::uint64_t head = head_of(*e);
    auto observer = std::make_shared<Collector>();
    auto sub = e->subscribe(observer, {.cursor = "gone"});
    REQUIRE(sub.ok());
    CHECK((*sub)->cursor() == head);
    CHECK(e->drop_cursor("gone").code() == StatusCode::failed_precondition);
    (*sub)->cancel();
    CHECK(e->drop_cursor("gone").ok());
  }

  TEST_CASE("a subscription cancelled from its own callback touches nothing once it returns") {
    // The callback cancels its subscription (its thread is then detached and nothing waits for
    // it), the engine is closed and destroyed while the callback still runs, then it returns.
    // Storing the batch's cursor at that point was a use-after-free of the feed (ASan reports
    // it in CI). The batch is not acknowledged: the same cursor gets it again.
    struct SelfCancel : Observer {
      std::mutex mutex;
      std::condition_variable changed;
      Subscription* subscription = nullptr;
      bool cancelled = false, closed = false;
      std::uint64_t first = 0;
      void on_events(std::span<const Event> events) override {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return subscription != nullptr; });
        if (cancelled) return;
        first = events.front().sequence;
        subscription->cancel();
        cancelled = true;
        changed.notify_all();
        changed.wait_for(lock, 10s, [&] { return closed; });
      }
    };
    FeedDir d;
    auto observer = std::make_shared<SelfCancel>();
    {
      auto e = d.open();
      write_n(*e, add_item(*e, "p", "wh"), 5);
      auto sub = e->subscribe(observer, {.after = 0, .cursor = "self"});
      REQUIRE(sub.ok());
      std::unique_lock lock(observer->mutex);
      observer->subscription = sub->get();
      observer->changed.notify_all();
      REQUIRE(observer->changed.wait_for(lock, 10s, [&] { return observer->cancelled; }));
      lock.unlock();
      e.reset();  // The callback is still running.
      lock.lock();
      observer->closed = true;
      observer->changed.notify_all();
    }
    // The detached thread returns from the callback and ends; it cannot be joined.
    std::this_thread::sleep_for(200ms);
    CHECK(observer->first == 1);
    auto e = d.open();
    auto again = std::make_shared<Collector>();
    auto sub = e->subscribe(again, {.cursor = "self"});
    REQUIRE(sub.ok());
    wait_caught_up(*e, **sub);
    REQUIRE(!again->events().empty());
    CHECK(again->events().front().sequence == 1);  // Redelivered: never acknowledged.
  }

  TEST_CASE("an in-memory engine has no feed") {
    Options options;
    options.durability = Durability::none;
    options.expiry_interval = 0ms;
    options.limits.items_max = 16;
    options.limits.reservations_max = 16;
    auto e = Engine::open(options, "");
    REQUIRE(e.ok());
    const ItemId item = add_item(**e, "p", "wh");
    CHECK((*e)->subscribe(std::make_shared<Collector>(), {}).status().code() ==
          StatusCode::not_supported);
    CHECK((*e)->changes_since(0, 10).status().code() == StatusCode::not_supported);
    CHECK((*e)->history({.item = item}).status().code() == StatusCode::not_supported);
    CHECK((*e)->drop_cursor("c").code() == StatusCode::not_supported);
    CHECK((*e)->explain(item).ok());
    CHECK((*e)->metrics().observers.empty());
  }

  // ---- 5. Isolation ----

  TEST_CASE("slow, throwing and blocking observers neither slow writers nor lose events") {
    constexpr int kThrows = 4;
    // Sync durability: buffered writers are CPU-bound, and on 2 cores any thread that runs
    // takes its time from them, observer or not.
    const auto run_for = std::chrono::milliseconds(testing::env_or("INVENTORY_FEED_RUN_MS", 200));

    // While the writers run, sleeps 10 ms per batch of at most 10 (1,000 events/s at most, less
    // than the writers make even under a sanitizer): it falls out of the ring and reads the
    // journal. Then it catches up at full speed.
    class Slow : public Collector {
     public:
      void on_events(std::span<const Event> events) override {
        if (slow.load()) std::this_thread::sleep_for(10ms);
        Collector::on_events(events);
      }
      std::atomic<bool> slow{true};
    };
    // Throws kThrows times, then accepts everything.
    class Throwing : public Collector {
     public:
      void on_events(std::span<const Event> events) override {
        if (throws_.fetch_add(1) < kThrows) throw std::runtime_error("observer failure");
        Collector::on_events(events);
      }

     private:
      std::atomic<int> throws_{0};
    };
    // Blocks in its first callback until released.
    class Blocking : public Collector {
     public:
      void on_events(std::span<const Event> events) override {
        std::unique_lock lock(mutex_);
        entered_ = true;
        released_.wait(lock, [&] { return open_; });
        lock.unlock();
        Collector::on_events(events);
      }
      void release() {
        {
          std::lock_guard lock(mutex_);
          open_ = true;
        }
        released_.notify_all();
      }
      bool entered() {
        std::lock_guard lock(mutex_);
        return entered_;
      }

     private:
      std::mutex mutex_;
      std::condition_variable released_;
      bool open_ = false;
      bool entered_ = false;
    };

    // One run on a fresh engine: 2 writers adjusting their own items for run_for; appends their
    // operations per second in each 25 ms window to *windows. With `check`, then waits for every
    // observer and checks delivery.
    // mode 0: no observer; 1: the fast one only; 2: slow, throwing, blocking and fast.
    auto run = [&](int mode, bool check, std::vector<double>* windows) {
      FeedDir d(Durability::sync);
      d.options.feed_buffer_events = 1024;
      auto e = d.open();
      std::vector<ItemId> items;
      for (int i = 0; i < 8; ++i) items.push_back(add_item(*e, "p" + std::to_string(i), "wh"));
      auto slow = std::make_shared<Slow>();
      auto throwing = std::make_shared<Throwing>();
      auto blocking = std::make_shared<Blocking>();
      auto fast = std::make_shared<Collector>();
      std::vector<std::unique_ptr<Subscription>> subs;
      if (mode == 2) {
        for (auto [observer, max_batch] :
             {std::pair<std::shared_ptr<Observer>, std::uint32_t>{slow, 10},
              {throwing, 1000},
              {blocking, 1000},
              {fast, 1000}}) {
          auto sub = e->subscribe(observer, {.after = 0, .max_batch = max_batch});
          REQUIRE(sub.ok());
          subs.push_back(std::move(sub).value());
        }
      } else if (mode == 1) {
        subs.push_back(e->subscribe(fast, {.after = 0}).value());
      }
      std::atomic<bool> stop{false};
      std::atomic<std::uint64_t> done{0};
      std::vector<std::thread> writers;
      for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&, w] {
          std::uint64_t n = 0;
          while (!stop.load(std::memory_order_relaxed)) {
            // +2 then -1 on each item in turn: never short.
            const ItemId item = items[static_cast<std::size_t>(w * 4) + (n / 2) % 4];
            if (!e->adjust({}, {.item = item, .delta = Quantity{n % 2 == 0 ? 2 : -1}}).ok()) break;
            ++n;
            done.fetch_add(1, std::memory_order_relaxed);
          }
        });
      }
      const auto end = std::chrono::steady_clock::now() + run_for;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      auto at = std::chrono::steady_clock::now();
      std::uint64_t count = done.load();
      // The slow observer's lag behind the head (past feed_buffer_events: out of the ring).
      auto slow_lag = [&]() -> std::uint64_t {
        for (const ObserverMetrics& m : e->metrics().observers) {
          if (m.name == subs[0]->name()) return m.lag_events;
        }
        return 0;
      };
      // A checked run goes on until the slow observer has been out of the ring (on a slow machine
      // the writers may need longer than run_for to outrun it). The most it fell behind is what
      // counts: it keeps reading while the writers stop, so a lag read later can be back inside.
      std::uint64_t max_lag = 0;
      while (at < end || (check && max_lag <= d.options.feed_buffer_events && at < deadline)) {
        std::this_thread::sleep_for(25ms);
        if (check) max_lag = std::max(max_lag, slow_lag());
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t n = done.load();
        windows->push_back(static_cast<double>(n - count) /
                           std::chrono::duration<double>(now - at).count());
        at = now;
        count = n;
      }
      stop.store(true);
      for (auto& t : writers) t.join();
      if (mode == 2 && !check) {
        blocking->release();  // Before cancelling: cancel waits for a running callback.
        subs.clear();
      }
      if (check) {
        REQUIRE(e->sync().ok());
        const std::uint64_t head = head_of(*e);
        // The slow one fell further behind than the ring holds: it read the journal.
        CHECK(max_lag > d.options.feed_buffer_events);
        CHECK(blocking->entered());
        CHECK(blocking->events().empty());
        blocking->release();
        slow->slow.store(false);
        for (const auto& sub : subs) {
          REQUIRE_MESSAGE(eventually([&] { return sub->cursor() >= head; }), sub->name(),
                          " stuck at ", sub->cursor(), " of ", head);
        }
        CHECK(contiguous(fast->events(), 1, head));
        CHECK(contiguous(slow->events(), 1, head));
        CHECK(contiguous(throwing->events(), 1, head));  // Redelivered, nothing skipped.
        CHECK(contiguous(blocking->events(), 1, head));
        std::uint64_t failures = 0;
        for (const ObserverMetrics& m : e->metrics().observers) {
          if (m.name == subs[1]->name()) failures = m.failures;
        }
        CHECK(failures == kThrows);
        std::printf(
            "feed isolation: %llu events, slow observer up to %llu behind during the writes "
            "(ring %llu), throwing observer failed %llu times; all 4 got every event\n",
            static_cast<unsigned long long>(head), static_cast<unsigned long long>(max_lag),
            static_cast<unsigned long long>(d.options.feed_buffer_events),
            static_cast<unsigned long long>(failures));
      }
    };

    // A/B/A/B... on a shared machine: other processes' bursts only ever lower a window, so
    // compare a high quantile (the 90th percentile) of each side's windows, pooled over the runs:
    // at least 3 pairs, more (up to 8) only while the two are over 10% apart.
    //
    // What is measured: what the misbehaving observers (slow, throwing, blocking) cost the
    // writers beyond one healthy observer (the design bound is 10%; what is asserted is below).
    // The cost of consuming at all (decoding and delivering every event) is CPU the writers lose
    // on a 2-core machine whatever the observer does; it is reported, not asserted.
    std::vector<double> plain, healthy, observed;
    auto p90 = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.empty() ? 0.0 : v[v.size() * 9 / 10];
    };
    int rounds = 0;
    while (rounds < 8) {
      run(0, false, &plain);
      run(1, false, &healthy);
      run(2, rounds == 0, &observed);
      ++rounds;
      if (rounds >= 3 && p90(observed) >= 0.9 * p90(healthy)) break;
    }
    const double a = p90(plain), f = p90(healthy), b = p90(observed);
    std::printf(
        "feed isolation: 2 writers, sync, %d runs each, 90th percentile of 25 ms windows: %.0f "
        "ops/s without observers, %.0f with one fast observer, %.0f with slow+throwing+blocking+"
        "fast observers (%.1f%% of the one-observer run, %.1f%% of the run without)\n",
        rounds, a, f, b, 100.0 * b / f, 100.0 * b / a);
#ifdef NDEBUG
    // The design bound is 10% (the loop above stops early once it is met, and the figure is
    // printed). What CI asserts is isolation itself: a writer that waited for an observer would
    // fall to a small fraction (the blocking observer never returns). The cost of the three
    // extra dispatcher threads is CPU: on a 2-core VM it has measured 92-101% when the writers
    // wait for fsync, and 78-85% when fsync is cheap and the writers are CPU-bound.
    CHECK(b >= 0.5 * f);
#else
    // Unoptimized (debug, sanitizer) builds time the decoding more than the design: report only.
    WARN(b >= 0.9 * f);
#endif
  }

  // ---- 6. Gap notice ----

  TEST_CASE("a cursor behind the trimmed log gets on_gap, then the rest") {
    FeedDir d;
    keep_little_history(d, 100);
    auto e = d.open();
    const ItemId item = add_item(*e, "p", "wh");
    auto write = [&](int n) { write_n(*e, item, n); };
    auto checkpoints = [&] { trim_log(*e, item); };
    write(5);
    std::uint64_t stored = 0;
    {
      auto observer = std::make_shared<Collector>();
      auto sub = e->subscribe(observer, {.after = 0, .cursor = "laggard"});
      REQUIRE(sub.ok());
      wait_caught_up(*e, **sub);
      stored = (*sub)->cursor();
    }
    // Within feed_retention_events the cursor holds the log, though history keeps only 10.
    write(60);
    checkpoints();
    {
      auto observer = std::make_shared<Collector>();
      auto sub = e->subscribe(observer, {.cursor = "laggard"});
      REQUIRE(sub.ok());
      wait_caught_up(*e, **sub);
      CHECK(observer->gaps().empty());
      const std::vector<Event> got = observer->events();
      REQUIRE(!got.empty());
      CHECK(got.front().sequence == stored + 1);
      CHECK(contiguous(got, stored + 1, head_of(*e)));
      stored = (*sub)->cursor();
    }
    // Further behind than feed_retention_events: trimmed.
    write(400);
    checkpoints();
    const std::uint64_t head = head_of(*e);
    auto page = e->changes_since(stored, 100);
    REQUIRE(page.ok());
    CHECK(page->events.empty());
    CHECK(page->trimmed_through > stored);
    CHECK(page->next_after == page->trimmed_through);
    CHECK(page->trimmed_through + d.options.feed_retention_events >= head - 10);
    auto old = e->changes_since(0, 100);
    REQUIRE(old.ok());
    CHECK(old->trimmed_through > 0);
    auto resumed = e->changes_since(page->trimmed_through, 100);
    REQUIRE(resumed.ok());
    REQUIRE(!resumed->events.empty());
    CHECK(resumed->events.front().sequence == page->trimmed_through + 1);

    auto observer = std::make_shared<Collector>();
    auto sub = e->subscribe(observer, {.cursor = "laggard"});
    REQUIRE(sub.ok());
    write(3);
    wait_caught_up(*e, **sub);
    const auto gaps = observer->gaps();
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0].first == stored);
    CHECK(gaps[0].second == page->trimmed_through);
    CHECK(observer->gap_at() == 0);  // Told before any event.
    const std::vector<Event> got = observer->events();
    REQUIRE(!got.empty());
    CHECK(contiguous(got, gaps[0].second + 1, head_of(*e)));
    std::uint64_t counted = 0;
    for (const ObserverMetrics& m : e->metrics().observers) {
      if (m.name == "laggard") counted = m.gaps;
    }
    CHECK(counted == 1);
    std::printf("feed gap: cursor at %llu, log trimmed through %llu, head %llu, %zu events after\n",
                static_cast<unsigned long long>(stored),
                static_cast<unsigned long long>(gaps[0].second),
                static_cast<unsigned long long>(head), got.size());
  }

  // ---- 7. History and explain ----

  TEST_CASE("history is one item's audit trail; explain lists its holds") {
    FeedDir d;
    auto e = d.open();
    const ItemId a = add_item(*e, "p", "wh", {.safety_stock = 1, .backorder_limit = 2});
    const ItemId b = add_item(*e, "q", "wh");
    REQUIRE(e->adjust({.actor = "alice"}, {.item = a, .delta = Quantity{10}, .reason = "po"}).ok());
    REQUIRE(e->adjust({.actor = "bob"}, {.item = b, .delta = Quantity{10}, .reason = "po"}).ok());
    d.clock->advance(10s);
    const Timestamp later = d.clock->now();
    auto r1 = e->reserve(
        {.actor = "carol"},
        ReserveRequest{.item = a, .quantity = Quantity{2}, .ttl = 60s, .reference = "cart-1"});
    REQUIRE(r1.ok());
    d.clock->advance(1s);
    const ReserveLine lines[] = {{a, Quantity{3}}, {b, Quantity{1}}};
    auto r2 = e->reserve({.actor = "dave"},
                         ReserveLinesRequest{.lines = lines, .ttl = 120s, .reference = "cart-2"});
    REQUIRE(r2.ok());
    REQUIRE(
        e->adjust({.actor = "erin"}, {.item = a, .delta = Quantity{-1}, .reason = "damaged"}).ok());
    REQUIRE(e->adjust({}, {.item = b, .delta = Quantity{1}}).ok());

    std::vector<Event> want;
    for (const Event& x : read_all(*e)) {
      if (x.item == a) want.push_back(x);
    }
    auto h = e->history({.item = a});
    REQUIRE(h.ok());
    REQUIRE(h->size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(same_event((*h)[i], want[i]));
    std::vector<std::pair<EventType, std::string>> trail;
    for (const Event& x : *h) {
      if (is_item_change(x) && x.type != EventType::policy_changed)
        trail.emplace_back(x.type, x.actor);
    }
    const std::vector<std::pair<EventType, std::string>> expected_trail = {
        {EventType::stock_adjusted, "alice"},
        {EventType::reservation_reserved, "carol"},
        {EventType::reservation_reserved, "dave"},
        {EventType::stock_adjusted, "erin"}};
    CHECK(trail == expected_trail);
    CHECK(h->back().reason == "damaged");

    auto limited = e->history({.item = a, .limit = 2});
    REQUIRE(limited.ok());
    REQUIRE(limited->size() == 2);
    CHECK(same_event((*limited)[1], want[1]));
    auto rest = e->history({.item = a, .after = (*limited)[1].sequence});
    REQUIRE(rest.ok());
    CHECK(rest->size() == want.size() - 2);
    auto since = e->history({.item = a, .since = later});
    REQUIRE(since.ok());
    REQUIRE(!since->empty());
    for (const Event& x : *since) CHECK(x.recorded_at >= later);
    CHECK(since->front().type == EventType::reservation_reserved);
    CHECK(since->size() == 3);
    auto until = e->history({.item = a, .until = (*limited)[1].sequence});
    REQUIRE(until.ok());
    CHECK(until->size() == 2);
    auto unknown = e->history({.item = ItemId{0xdead'0000'0001}});
    REQUIRE(unknown.ok());
    CHECK(unknown->empty());

    auto why = e->explain(a);
    REQUIRE(why.ok());
    const StockLevel now = level(*e, a);
    CHECK(why->level == now);
    REQUIRE(why->holds.size() == 2);
    CHECK(why->holds[0].reservation == *r1);
    CHECK(why->holds[0].quantity == Quantity{2});
    CHECK(why->holds[0].reference == "cart-1");
    CHECK(why->holds[0].expires_at == why->holds[0].created_at + 60s);
    CHECK(why->holds[1].reservation == *r2);
    CHECK(why->holds[1].quantity == Quantity{3});
    CHECK(why->holds[1].reference == "cart-2");
    CHECK(why->holds[1].expires_at == why->holds[1].created_at + 120s);
    CHECK(why->held == now.reserved);
    CHECK(why->held == Quantity{5});
    CHECK(why->reservable == now.reservable());
    CHECK(!why->summary.empty());
    REQUIRE(e->confirm({}, *r1).ok());
    CHECK(e->explain(a)->holds.size() == 1);
    CHECK(e->explain(ItemId{0xdead'0000'0001}).status().code() == StatusCode::not_found);
  }

  // ---- 8. Metrics ----

  TEST_CASE("metrics count operations, time syncs and list observers") {
    FeedDir d;
    auto e = d.open();
    const ItemId item = add_item(*e, "p", "wh");
    REQUIRE(e->adjust({}, {.item = item, .delta = Quantity{5}}).ok());
    for (int i = 0; i < 3; ++i) {
      REQUIRE(e->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{1}}).ok());
    }
    CHECK(e->reserve({}, ReserveRequest{.item = item, .quantity = Quantity{5}}).status().code() ==
          StatusCode::insufficient_stock);
    CHECK(e->release({}, ReservationId{0x5555'0000'0001}).code() == StatusCode::not_found);
    auto named = e->subscribe(std::make_shared<Collector>(), {.after = 0, .cursor = "m1"});
    auto anonymous = e->subscribe(std::make_shared<Collector>(), {.after = 0});
    REQUIRE(named.ok());
    REQUIRE(anonymous.ok());
    wait_caught_up(*e, **named);
    wait_caught_up(*e, **anonymous);
    const Metrics m = e->metrics();
    auto count = [&](const std::string& operation, const std::string& outcome) -> std::uint64_t {
      for (const OperationCount& c : m.operations) {
        if (c.operation == operation && c.outcome == outcome) return c.count;
      }
      return 0;
    };
    CHECK(count("reserve", "ok") == 3);
    CHECK(count("reserve", "insufficient_stock") == 1);
    CHECK(count("adjust", "ok") == 1);
    CHECK(count("release", "not_found") == 1);
    CHECK(count("item_upsert", "ok") == 1);
    CHECK(count("confirm", "ok") == 0);
    CHECK(m.oversell_rejected == 1);
    CHECK(m.journal_sync.count > 0);
    CHECK(m.journal_sync.sum_seconds > 0);
    CHECK(m.durable_sequence == head_of(*e));
    CHECK(m.journal_sequence >= m.durable_sequence);
    REQUIRE(m.observers.size() == 2);
    std::set<std::string> names;
    for (const ObserverMetrics& o : m.observers) {
      names.insert(o.name);
      CHECK(o.cursor == m.durable_sequence);
      CHECK(o.lag_events == 0);
      CHECK(o.delivered == m.durable_sequence);
      CHECK(o.failures == 0);
    }
    CHECK(names.count("m1") == 1);
    CHECK(names.count((*anonymous)->name()) == 1);
    CHECK((*anonymous)->name().starts_with("observer-"));
    const std::string text = to_prometheus(m);
    CHECK(text.find("inventory_operations_total{operation=\"reserve\",outcome=\"ok\"} 3") !=
          std::string::npos);
    CHECK(text.find("inventory_observer_cursor{observer=\"m1\"}") != std::string::npos);
    CHECK(text.find("inventory_journal_sync_seconds_count") != std::string::npos);
    (*named)->cancel();
    CHECK(e->metrics().observers.size() == 1);
  }
}

}  // namespace inventory
