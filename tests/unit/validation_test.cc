// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: every malformed input is refused with invalid_argument naming the offending field
// (Status::field()), nothing invalid changes state, Engine::open names the bad option as
// "limits.<field>", and durabilities this release cannot give are not_supported both at open
// and per call. Method: one valid baseline request per operation, broken one field at a time,
// with the step between valid and invalid probed at each bound; the stock snapshot and the
// catalog are compared before and after.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "inventory/engine.h"

#include "support/engine_fixture.h"

namespace inventory {

namespace {
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TestEngine;

void check_invalid(const Status& status, std::string_view field) {
  CHECK_MESSAGE(status.code() == StatusCode::invalid_argument, status.to_string());
  CHECK(status.field() == field);
}

template <typename T>
void check_invalid(const Result<T>& result, std::string_view field) {
  check_invalid(result.status(), field);
}

Options valid_options() {
  Options options;
  options.durability = Durability::none;
  options.expiry_interval = milliseconds(0);
  options.limits = TestEngine::small_limits();
  return options;
}

Status open_status(const Options& options) {
  auto engine = Engine::open(options, "");
  return engine.ok() ? Status() : engine.status();
}

struct LimitCase {
  const char* field;
  std::function<void(Limits&)> change;
};
}  // namespace

TEST_SUITE("validation/open") {
  TEST_CASE("the test options open, and the boundary values of the limits are accepted") {
    CHECK(open_status(valid_options()).ok());
    Options options = valid_options();
    options.limits.reservation_lines_max = 1000;
    options.limits.batch_operations_max = 100'000;
    options.limits.adjustment_max = kQuantityMax;
    options.limits.ttl_min = milliseconds(1);
    options.limits.ttl_max = hours(24 * 366);
    options.limits.ttl_default = milliseconds(1);
    options.limits.idempotency_window = milliseconds(1);
    options.limits.key_length_max = 255;
    options.limits.reference_length_max = 64;
    options.limits.reason_length_max = 0;
    options.limits.id_length_max = 1;
    options.limits.attributes_max = 0;
    options.limits.products_max = 1;
    options.limits.locations_max = 1;
    options.limits.page_size_max = 1;
    options.limits.items_max = 1;
    options.limits.reservations_max = 1;
    const Status s = open_status(options);
    CHECK_MESSAGE(s.ok(), s.to_string());
  }

  TEST_CASE("each out-of-range limit is invalid_argument naming limits.<field>") {
    const std::vector<LimitCase> cases = {
        {"limits.items_max", [](Limits& l) { l.items_max = 0; }},
        {"limits.items_max", [](Limits& l) { l.items_max = (1u << 31) + 1; }},
        {"limits.reservations_max", [](Limits& l) { l.reservations_max = 0; }},
        {"limits.reservations_max", [](Limits& l) { l.reservations_max = (1u << 31) + 1; }},
        {"limits.reservation_lines_max", [](Limits& l) { l.reservation_lines_max = 0; }},
        {"limits.reservation_lines_max", [](Limits& l) { l.reservation_lines_max = 1001; }},
        {"limits.batch_operations_max", [](Limits& l) { l.batch_operations_max = 0; }},
        {"limits.batch_operations_max", [](Limits& l) { l.batch_operations_max = 100'001; }},
        {"limits.adjustment_max", [](Limits& l) { l.adjustment_max = 0; }},
        {"limits.adjustment_max", [](Limits& l) { l.adjustment_max = -5; }},
        {"limits.adjustment_max", [](Limits& l) { l.adjustment_max = kQuantityMax + 1; }},
        {"limits.ttl_min", [](Limits& l) { l.ttl_min = milliseconds(0); }},
        {"limits.ttl_min", [](Limits& l) { l.ttl_min = milliseconds(-1); }},
        {"limits.ttl_min",
         [](Limits& l) {
           l.ttl_min = hours(2);
           l.ttl_max = hours(1);
         }},
        {"limits.ttl_max", [](Limits& l) { l.ttl_max = hours(24 * 366) + milliseconds(1); }},
        {"limits.ttl_default", [](Limits& l) { l.ttl_default = l.ttl_min - milliseconds(1); }},
        {"limits.ttl_default", [](Limits& l) { l.ttl_default = l.ttl_max + milliseconds(1); }},
        {"limits.idempotency_window", [](Limits& l) { l.idempotency_window = milliseconds(0); }},
        {"limits.idempotency_keys_max", [](Limits& l) { l.idempotency_keys_max = 0; }},
        {"limits.key_length_max", [](Limits& l) { l.key_length_max = 0; }},
        {"limits.key_length_max", [](Limits& l) { l.key_length_max = 256; }},
        {"limits.reference_length_max", [](Limits& l) { l.reference_length_max = 65; }},
        {"limits.reason_length_max", [](Limits& l) { l.reason_length_max = 65'537; }},
        {"limits.id_length_max", [](Limits& l) { l.id_length_max = 0; }},
        {"limits.name_length_max", [](Limits& l) { l.name_length_max = 0; }},
        {"limits.description_length_max",
         [](Limits& l) { l.description_length_max = (1u << 20) + 1; }},
        {"limits.attributes_max", [](Limits& l) { l.attributes_max = 4097; }},
        {"limits.attribute_length_max", [](Limits& l) { l.attribute_length_max = 0; }},
        {"limits.products_max", [](Limits& l) { l.products_max = 0; }},
        {"limits.locations_max", [](Limits& l) { l.locations_max = 0; }},
        {"limits.page_size_max", [](Limits& l) { l.page_size_max = 0; }},
    };
    for (const LimitCase& c : cases) {
      Options options = valid_options();
      c.change(options.limits);
      CAPTURE(c.field);
      check_invalid(open_status(options), c.field);
    }
  }

  TEST_CASE("a negative expiry_interval or a zero flush_interval is invalid_argument") {
    Options options = valid_options();
    options.expiry_interval = milliseconds(-1);
    check_invalid(open_status(options), "expiry_interval");
    options = valid_options();
    options.flush_interval = milliseconds(0);
    check_invalid(open_status(options), "flush_interval");
  }

  TEST_CASE("Durability sync and buffered need a path; a bad value is invalid") {
    for (const Durability durability : {Durability::sync, Durability::buffered}) {
      Options options = valid_options();
      options.durability = durability;
      const Status s = open_status(options);  // Opens in memory (no path).
      CHECK(s.code() == StatusCode::invalid_argument);
      CHECK(s.field() == "path");
    }
    Options options = valid_options();
    options.durability = static_cast<Durability>(9);
    check_invalid(open_status(options), "durability");
  }

  TEST_CASE("the default Options ask for sync durability, which needs a data directory") {
    const Status s = open_status(Options{});
    CHECK(s.code() == StatusCode::invalid_argument);
    CHECK(s.field() == "path");
  }

  TEST_CASE("an engine opened without a clock reads the system clock") {
    Options options = valid_options();
    auto engine = Engine::open(options, "");
    REQUIRE(engine.ok());
    const auto now = std::chrono::system_clock::now();
    const auto delta = (*engine)->clock().now() - now;
    CHECK(std::chrono::abs(delta) < minutes(1));
  }

  TEST_CASE("an engine with an expiry thread expires reservations on its own and closes cleanly") {
    Options options = valid_options();
    options.expiry_interval = milliseconds(1);
    auto clock = std::make_shared<ManualClock>();
    options.clock = clock;
    auto opened = Engine::open(options, "");
    REQUIRE(opened.ok());
    Engine& engine = **opened;
    REQUIRE(engine.upsert_product({}, {.product = {.id = "p", .sku = "s", .name = "P"}}).ok());
    REQUIRE(engine.upsert_location({}, {.location = {.id = "w", .name = "W"}}).ok());
    const ItemId item = engine.upsert_item({}, {.product_id = "p", .location_id = "w"})->level.item;
    REQUIRE(engine.adjust({}, {.item = item, .delta = Quantity{5}}).ok());
    auto hold = engine.reserve(
        {}, ReserveRequest{.item = item, .quantity = Quantity{5}, .ttl = seconds(1)});
    REQUIRE(hold.ok());
    clock->advance(seconds(1));
    bool expired = false;
    for (int i = 0; i < 2000 && !expired; ++i) {
      expired = engine.get_reservation({}, *hold)->state == ReservationState::expired;
      if (!expired) std::this_thread::sleep_for(milliseconds(1));
    }
    CHECK(expired);
    CHECK(engine.get({}, item)->reserved == Quantity{0});
  }
}

TEST_SUITE("validation/write_options") {
  TEST_CASE("every mutation refuses Durability sync and buffered per call and changes nothing") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}});
    REQUIRE(hold.ok());
    const StockLevel a0 = t.level(a), b0 = t.level(b);
    const ReserveLine lines[] = {{a, Quantity{1}}, {b, Quantity{1}}};
    WriteBatch batch;
    batch.adjust({.item = a, .delta = Quantity{1}});
    for (const Durability durability : {Durability::sync, Durability::buffered}) {
      CAPTURE(static_cast<int>(durability));
      const WriteOptions o{.durability = durability};
      std::vector<Status> results = {
          t->adjust(o, {.item = a, .delta = Quantity{1}}).status(),
          t->set_on_hand(o, {.item = a, .on_hand = Quantity{1}}).status(),
          t->set_policy(o, {.item = a}).status(),
          t->reserve(o, ReserveRequest{.item = a, .quantity = Quantity{1}}).status(),
          t->reserve(o, ReserveLinesRequest{.lines = lines}).status(),
          t->confirm(o, *hold),
          t->release(o, *hold),
          t->extend(o, *hold, seconds(10)).status(),
          t->transfer(o, {.from = a, .to = b, .quantity = Quantity{1}}).status(),
          t->write(o, batch).status(),
          t->write(o, batch, BatchPolicy::per_operation).status(),
          t->upsert_product(o, {.product = {.id = "n", .sku = "n", .name = "N"}}).status(),
          t->remove_product(o, "p", true),
          t->upsert_location(o, {.location = {.id = "n", .name = "N"}}).status(),
          t->remove_location(o, "w1", true),
          t->upsert_item(o, {.product_id = "p", .location_id = "w1"}).status(),
          t->remove_item(o, a, true),
      };
      for (std::size_t i = 0; i < results.size(); ++i) {
        CAPTURE(i);
        CHECK(results[i].code() == StatusCode::not_supported);
        CHECK(results[i].field() == "durability");
      }
    }
    CHECK(t.level(a) == a0);
    CHECK(t.level(b) == b0);
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
    CHECK(t->get_product({}, "n").status().code() == StatusCode::not_found);
    CHECK(t->get_location({}, "n").status().code() == StatusCode::not_found);
    CHECK(t->get_product({}, "p").ok());
  }

  TEST_CASE("an explicit Durability::none per call is accepted") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    auto r = t->adjust({.durability = Durability::none}, {.item = a, .delta = Quantity{1}});
    CHECK(r.ok());
  }

  TEST_CASE("a Durability value outside the enum per call is invalid_argument") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    auto r =
        t->adjust({.durability = static_cast<Durability>(5)}, {.item = a, .delta = Quantity{1}});
    check_invalid(r, "durability");
    CHECK(t.level(a).on_hand == Quantity{0});
  }

  TEST_CASE("idempotency_key, actor and request_id are bounded by key_length_max") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    const std::string at_max(128, 'k');
    const std::string over(129, 'k');
    CHECK(t->adjust({.idempotency_key = at_max, .actor = at_max, .request_id = at_max},
                    {.item = a, .delta = Quantity{1}})
              .ok());
    check_invalid(t->adjust({.idempotency_key = over}, {.item = a, .delta = Quantity{1}}),
                  "idempotency_key");
    check_invalid(t->adjust({.actor = over}, {.item = a, .delta = Quantity{1}}), "actor");
    check_invalid(t->adjust({.request_id = over}, {.item = a, .delta = Quantity{1}}), "request_id");
    CHECK(t.level(a).on_hand == Quantity{1});
  }

  TEST_CASE("an idempotency key with control characters is invalid_argument") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    for (const std::string& k : {std::string("a\nb"), std::string("tab\t"), std::string("\x7f"),
                                 std::string("nul\0x", 5)}) {
      check_invalid(t->adjust({.idempotency_key = k}, {.item = a, .delta = Quantity{1}}),
                    "idempotency_key");
    }
    CHECK(t.level(a).on_hand == Quantity{0});
  }
}

TEST_SUITE("validation/stock") {
  TEST_CASE("adjust: item, delta, reason and reference are validated at their bounds") {
    Limits limits = TestEngine::small_limits();
    limits.adjustment_max = 100;
    limits.reason_length_max = 8;
    limits.reference_length_max = 4;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w", 0);
    check_invalid(t->adjust({}, {.item = ItemId{}, .delta = Quantity{1}}), "item");
    check_invalid(t->adjust({}, {.item = a, .delta = Quantity{0}}), "delta");
    check_invalid(t->adjust({}, {.item = a, .delta = Quantity{101}}), "delta");
    check_invalid(t->adjust({}, {.item = a, .delta = Quantity{-101}, .force = true}), "delta");
    check_invalid(t->adjust({}, {.item = a, .delta = Quantity{1}, .reason = "123456789"}),
                  "reason");
    check_invalid(t->adjust({}, {.item = a, .delta = Quantity{1}, .reference = "12345"}),
                  "reference");
    CHECK(t.level(a).on_hand == Quantity{0});
    CHECK(t->adjust({},
                    {.item = a, .delta = Quantity{100}, .reason = "12345678", .reference = "1234"})
              .ok());
    CHECK(t->adjust({}, {.item = a, .delta = Quantity{-100}}).ok());
  }

  TEST_CASE("invalid input is reported before not_found for an unknown item") {
    TestEngine t;
    const ItemId unknown{0x100000007};
    check_invalid(t->adjust({}, {.item = unknown, .delta = Quantity{0}}), "delta");
    check_invalid(t->reserve({}, ReserveRequest{.item = unknown, .quantity = Quantity{0}}),
                  "quantity");
  }

  TEST_CASE("set_on_hand: item, reason and reference are validated") {
    Limits limits = TestEngine::small_limits();
    limits.reason_length_max = 5;  // The fixture's "setup" fits exactly.
    TestEngine t(limits);
    const ItemId a = t.item("p", "w", 5);
    const StockLevel before = t.level(a);
    check_invalid(t->set_on_hand({}, {.item = ItemId{}, .on_hand = Quantity{1}}), "item");
    check_invalid(t->set_on_hand({}, {.item = a, .on_hand = Quantity{1}, .reason = "abcdef"}),
                  "reason");
    check_invalid(
        t->set_on_hand({}, {.item = a, .on_hand = Quantity{1}, .reference = std::string(65, 'r')}),
        "reference");
    check_invalid(t->set_on_hand({}, {.item = a, .on_hand = Quantity{kQuantityMax + 1}}),
                  "on_hand");
    CHECK(t.level(a) == before);
  }

  TEST_CASE("set_policy and upsert_item: each policy field must be within 0..2^43 - 1") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 5);
    const StockLevel before = t.level(a);
    check_invalid(t->set_policy({}, {.item = ItemId{}}), "item");
    check_invalid(t->set_policy({}, {.item = a, .policy = {.safety_stock = -1}}),
                  "policy.safety_stock");
    check_invalid(t->set_policy({}, {.item = a, .policy = {.low_stock_threshold = -1}}),
                  "policy.low_stock_threshold");
    check_invalid(t->set_policy({}, {.item = a, .policy = {.backorder_limit = -1}}),
                  "policy.backorder_limit");
    check_invalid(t->set_policy({}, {.item = a, .policy = {.safety_stock = kQuantityMax + 1}}),
                  "policy.safety_stock");
    check_invalid(
        t->upsert_item({},
                       {.product_id = "p", .location_id = "w", .policy = {.backorder_limit = -1}}),
        "policy.backorder_limit");
    check_invalid(t->upsert_item({}, {.product_id = "p",
                                      .location_id = "w",
                                      .policy = {.low_stock_threshold = kQuantityMax + 1}}),
                  "policy.low_stock_threshold");
    CHECK(t.level(a) == before);
    const ItemPolicy top{.safety_stock = kQuantityMax,
                         .low_stock_threshold = kQuantityMax,
                         .backorder_limit = kQuantityMax};
    auto r = t->set_policy({}, {.item = a, .policy = top});
    REQUIRE(r.ok());
    CHECK(r->policy == top);
  }

  TEST_CASE("transfer: from, to, quantity, reason and reference are validated") {
    Limits limits = TestEngine::small_limits();
    limits.adjustment_max = 50;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w1", 50);
    REQUIRE(t->adjust({}, {.item = a, .delta = Quantity{10}}).ok());
    const ItemId b = t.item("p", "w2", 0);
    check_invalid(t->transfer({}, {.from = ItemId{}, .to = b, .quantity = Quantity{1}}), "from");
    check_invalid(t->transfer({}, {.from = a, .to = ItemId{}, .quantity = Quantity{1}}), "to");
    check_invalid(t->transfer({}, {.from = a, .to = a, .quantity = Quantity{1}}), "to");
    check_invalid(t->transfer({}, {.from = a, .to = b, .quantity = Quantity{0}}), "quantity");
    check_invalid(t->transfer({}, {.from = a, .to = b, .quantity = Quantity{-1}}), "quantity");
    check_invalid(t->transfer({}, {.from = a, .to = b, .quantity = Quantity{51}}), "quantity");
    check_invalid(
        t->transfer({},
                    {.from = a, .to = b, .quantity = Quantity{1}, .reason = std::string(257, 'x')}),
        "reason");
    check_invalid(
        t->transfer(
            {}, {.from = a, .to = b, .quantity = Quantity{1}, .reference = std::string(65, 'x')}),
        "reference");
    CHECK(t.level(a).on_hand == Quantity{60});
    CHECK(t.level(b).on_hand == Quantity{0});
    CHECK(t->transfer({}, {.from = a, .to = b, .quantity = Quantity{50}}).ok());
  }
}

TEST_SUITE("validation/reservations") {
  TEST_CASE("reserve: item, quantity, ttl and reference are validated at their bounds") {
    Limits limits = TestEngine::small_limits();
    limits.adjustment_max = 10;
    limits.ttl_min = seconds(1);
    limits.ttl_max = hours(1);
    limits.reference_length_max = 8;
    TestEngine t(limits);
    const ItemId a = t.item("p", "w", 10);
    REQUIRE(t->adjust({}, {.item = a, .delta = Quantity{10}}).ok());
    check_invalid(t->reserve({}, ReserveRequest{.item = ItemId{}, .quantity = Quantity{1}}),
                  "item");
    for (const std::int64_t q : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{11}}) {
      CAPTURE(q);
      check_invalid(t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{q}}), "quantity");
    }
    for (const milliseconds ttl : {milliseconds(999), milliseconds(-1), milliseconds(-1000),
                                   milliseconds(hours(1)) + milliseconds(1)}) {
      CAPTURE(ttl.count());
      check_invalid(t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}, .ttl = ttl}),
                    "ttl");
    }
    check_invalid(
        t->reserve({},
                   ReserveRequest{.item = a, .quantity = Quantity{1}, .reference = "123456789"}),
        "reference");
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t->reserve(
               {},
               ReserveRequest{
                   .item = a, .quantity = Quantity{10}, .ttl = seconds(1), .reference = "12345678"})
              .ok());
    CHECK(t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}, .ttl = hours(1)}).ok());
  }

  TEST_CASE("reserve lines: empty, zero item, bad quantity, ttl and reference name the field") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    auto empty = t->reserve({}, ReserveLinesRequest{});
    check_invalid(empty, "lines");
    const ReserveLine zero_item[] = {{a, Quantity{1}}, {ItemId{}, Quantity{1}}};
    auto r1 = t->reserve({}, ReserveLinesRequest{.lines = zero_item});
    check_invalid(r1, "lines[1].item");
    CHECK(r1.status().index() == 1);
    const ReserveLine zero_quantity[] = {{a, Quantity{1}}, {b, Quantity{0}}};
    auto r2 = t->reserve({}, ReserveLinesRequest{.lines = zero_quantity});
    check_invalid(r2, "lines[1].quantity");
    CHECK(r2.status().index() == 1);
    const ReserveLine negative[] = {{a, Quantity{-3}}, {b, Quantity{1}}};
    auto r3 = t->reserve({}, ReserveLinesRequest{.lines = negative});
    check_invalid(r3, "lines[0].quantity");
    CHECK(r3.status().index() == 0);
    const ReserveLine ok_lines[] = {{a, Quantity{1}}, {b, Quantity{1}}};
    check_invalid(t->reserve({}, ReserveLinesRequest{.lines = ok_lines, .ttl = milliseconds(5)}),
                  "ttl");
    check_invalid(
        t->reserve({}, ReserveLinesRequest{.lines = ok_lines, .reference = std::string(65, 'x')}),
        "reference");
    CHECK(t.level(a).reserved == Quantity{0});
    CHECK(t.level(b).reserved == Quantity{0});
  }

  TEST_CASE("confirm: reservation and quantities are validated") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    const ReserveLine lines[] = {{a, Quantity{2}}, {b, Quantity{2}}};
    auto hold = t->reserve({}, ReserveLinesRequest{.lines = lines});
    REQUIRE(hold.ok());
    check_invalid(t->confirm({}, ReservationId{}), "reservation");
    const ReserveLine zero_item[] = {{ItemId{}, Quantity{1}}};
    check_invalid(t->confirm({}, ConfirmRequest{*hold, zero_item}), "quantities[0].item");
    const ReserveLine negative[] = {{a, Quantity{1}}, {b, Quantity{-1}}};
    check_invalid(t->confirm({}, ConfirmRequest{*hold, negative}), "quantities[1].quantity");
    const ReserveLine repeated[] = {{a, Quantity{1}}, {a, Quantity{1}}};
    check_invalid(t->confirm({}, ConfirmRequest{*hold, repeated}), "quantities[1].item");
    std::vector<ReserveLine> too_many;
    for (int i = 0; i < 101; ++i) {
      too_many.push_back({ItemId{static_cast<std::uint64_t>(i + 1)}, Quantity{0}});
    }
    check_invalid(t->confirm({}, ConfirmRequest{*hold, too_many}), "quantities");
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
    CHECK(t.level(a).reserved == Quantity{2});
  }

  TEST_CASE("release and extend: the reservation and the ttl are validated") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}});
    REQUIRE(hold.ok());
    const Timestamp expires = t->get_reservation({}, *hold)->expires_at;
    check_invalid(t->release({}, ReservationId{}), "reservation");
    check_invalid(t->extend({}, ReservationId{}, seconds(5)), "reservation");
    check_invalid(t->extend({}, *hold, milliseconds(999)), "ttl");
    check_invalid(t->extend({}, *hold, milliseconds(-5)), "ttl");
    check_invalid(t->extend({}, *hold, hours(24 * 7) + milliseconds(1)), "ttl");
    CHECK(t->get_reservation({}, *hold)->expires_at == expires);
    CHECK(t->extend({}, *hold, hours(24 * 7)).ok());
  }
}

TEST_SUITE("validation/catalog") {
  TEST_CASE("product ids and SKUs must be 1..id_length_max bytes without control characters") {
    TestEngine t;
    const std::string max_id(64, 'i');
    const std::string long_id(65, 'i');
    auto base = [](std::string id, std::string sku) {
      return UpsertProductRequest{
          .product = {.id = std::move(id), .sku = std::move(sku), .name = "N"}};
    };
    check_invalid(t->upsert_product({}, base("", "s")), "product.id");
    check_invalid(t->upsert_product({}, base(long_id, "s")), "product.id");
    check_invalid(t->upsert_product({}, base("a\tb", "s")), "product.id");
    check_invalid(t->upsert_product({}, base("p", "")), "product.sku");
    check_invalid(t->upsert_product({}, base("p", long_id)), "product.sku");
    check_invalid(t->upsert_product({}, base("p", "s\n")), "product.sku");
    auto listed = t->list_products({}, {});
    REQUIRE(listed.ok());
    CHECK(listed->items.empty());
    CHECK(t->upsert_product({}, base(max_id, max_id)).ok());
    CHECK(t->upsert_product({}, base("with space", "ü-sku")).ok());
  }

  TEST_CASE("product name, description, price and attributes are validated") {
    Limits limits = TestEngine::small_limits();
    limits.name_length_max = 5;
    limits.description_length_max = 6;
    limits.attributes_max = 2;
    limits.attribute_length_max = 3;
    TestEngine t(limits);
    auto with = [](auto change) {
      UpsertProductRequest r{.product = {.id = "p", .sku = "s", .name = "Name"}};
      change(r.product);
      return r;
    };
    check_invalid(t->upsert_product({}, with([](Product& p) { p.name = ""; })), "product.name");
    check_invalid(t->upsert_product({}, with([](Product& p) { p.name = "123456"; })),
                  "product.name");
    check_invalid(t->upsert_product({}, with([](Product& p) { p.description = "1234567"; })),
                  "product.description");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.price = {-1, "USD"};
                                    })),
                  "product.price.amount_minor");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.price = {100, "usd"};
                                    })),
                  "product.price.currency");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.price = {100, "US"};
                                    })),
                  "product.price.currency");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.price = {100, ""};
                                    })),
                  "product.price.currency");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.price = {0, "USDX"};
                                    })),
                  "product.price.currency");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.attributes = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
                                    })),
                  "product.attributes");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.attributes = {{"", "1"}};
                                    })),
                  "product.attributes[]");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.attributes = {{"abcd", "1"}};
                                    })),
                  "product.attributes[abcd]");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.attributes = {{"k\n", "1"}};
                                    })),
                  "product.attributes[k\n]");
    check_invalid(t->upsert_product({}, with([](Product& p) {
                                      p.attributes = {{"k", "1234"}};
                                    })),
                  "product.attributes[k]");
    CHECK(t->get_product({}, "p").status().code() == StatusCode::not_found);
    auto ok = t->upsert_product({}, with([](Product& p) {
                                  p.name = "12345";
                                  p.description = "123456";
                                  p.price = {0, ""};
                                  p.attributes = {{"abc", "123"}, {"b", ""}};
                                }));
    CHECK_MESSAGE(ok.ok(), ok.status().to_string());
    CHECK(t->upsert_product({}, with([](Product& p) { p.price = {0, "NOK"}; })).ok());
  }

  TEST_CASE("location id, name, type and attributes are validated") {
    TestEngine t;
    auto with = [](auto change) {
      UpsertLocationRequest r{.location = {.id = "w", .name = "W"}};
      change(r.location);
      return r;
    };
    check_invalid(t->upsert_location({}, with([](Location& l) { l.id = ""; })), "location.id");
    check_invalid(t->upsert_location({}, with([](Location& l) { l.id = std::string(65, 'x'); })),
                  "location.id");
    check_invalid(t->upsert_location({}, with([](Location& l) { l.id = "a\x01"; })), "location.id");
    check_invalid(t->upsert_location({}, with([](Location& l) { l.name = ""; })), "location.name");
    check_invalid(t->upsert_location({}, with([](Location& l) { l.name = std::string(257, 'n'); })),
                  "location.name");
    check_invalid(
        t->upsert_location({}, with([](Location& l) { l.type = static_cast<LocationType>(4); })),
        "location.type");
    check_invalid(t->upsert_location({}, with([](Location& l) {
                                       l.attributes = {{"", "v"}};
                                     })),
                  "location.attributes[]");
    CHECK(t->get_location({}, "w").status().code() == StatusCode::not_found);
    CHECK(
        t->upsert_location({}, with([](Location& l) { l.type = LocationType::marketplace; })).ok());
  }

  TEST_CASE("upsert_item and the remove calls validate their ids") {
    TestEngine t;
    const ItemId a = t.item("p", "w", 0);
    check_invalid(t->upsert_item({}, {.product_id = "", .location_id = "w"}), "product_id");
    check_invalid(t->upsert_item({}, {.product_id = "p", .location_id = ""}), "location_id");
    check_invalid(t->upsert_item({}, {.product_id = std::string(65, 'p'), .location_id = "w"}),
                  "product_id");
    check_invalid(t->remove_product({}, "", true), "product_id");
    check_invalid(t->remove_product({}, "p\n", true), "product_id");
    check_invalid(t->remove_location({}, "", true), "location_id");
    check_invalid(t->remove_item({}, ItemId{}, true), "item");
    CHECK(t->get({}, a).ok());
    CHECK(t->get_product({}, "p").ok());
    CHECK(t->get_location({}, "w").ok());
  }
}

TEST_SUITE("validation/batch") {
  TEST_CASE("each operation kind in a batch is validated with an operations[i]. prefix") {
    TestEngine t;
    const ItemId a = t.item("p", "w1", 10);
    const ItemId b = t.item("p", "w2", 10);
    auto hold = t->reserve({}, ReserveRequest{.item = a, .quantity = Quantity{1}});
    REQUIRE(hold.ok());
    const StockLevel a0 = t.level(a);
    struct Case {
      const char* field;
      std::function<void(WriteBatch&)> add;
    };
    const ReserveLine bad_line[] = {{a, Quantity{1}}, {b, Quantity{0}}};
    const ReserveLine bad_confirm[] = {{a, Quantity{-1}}};
    const std::vector<Case> cases = {
        {"operations[1].delta",
         [&](WriteBatch& w) { w.adjust({.item = a, .delta = Quantity{0}}); }},
        {"operations[1].item",
         [&](WriteBatch& w) { w.adjust({.item = ItemId{}, .delta = Quantity{1}}); }},
        {"operations[1].on_hand",
         [&](WriteBatch& w) { w.set_on_hand({.item = a, .on_hand = Quantity{kQuantityMax + 1}}); }},
        {"operations[1].lines[1].quantity",
         [&](WriteBatch& w) { w.reserve(ReserveLinesRequest{.lines = bad_line}); }},
        {"operations[1].lines", [&](WriteBatch& w) { w.reserve(ReserveLinesRequest{}); }},
        {"operations[1].quantities[0].quantity",
         [&](WriteBatch& w) {
           w.confirm(ConfirmRequest{*hold, bad_confirm});
         }},
        {"operations[1].reservation", [&](WriteBatch& w) { w.release(ReservationId{}); }},
        {"operations[1].ttl", [&](WriteBatch& w) { w.extend(*hold, milliseconds(3)); }},
        {"operations[1].to",
         [&](WriteBatch& w) { w.transfer({.from = a, .to = a, .quantity = Quantity{1}}); }},
        {"operations[1].policy.safety_stock",
         [&](WriteBatch& w) { w.set_policy({.item = a, .policy = {.safety_stock = -1}}); }},
    };
    for (const Case& c : cases) {
      CAPTURE(c.field);
      WriteBatch batch;
      batch.adjust({.item = a, .delta = Quantity{1}});
      c.add(batch);
      auto all = t->write({}, batch);
      check_invalid(all, c.field);
      CHECK(all.status().index() == 1);
      auto each = t->write({}, batch, BatchPolicy::per_operation);
      REQUIRE(each.ok());
      CHECK(each->results[0].status.ok());
      check_invalid(each->results[1].status, c.field);
      CHECK(each->results[1].status.index() == 1);
    }
    // Only the per_operation adjusts applied, one per case.
    CHECK(t.level(a).on_hand == a0.on_hand + Quantity{static_cast<std::int64_t>(cases.size())});
    CHECK(t->get_reservation({}, *hold)->state == ReservationState::active);
  }
}

}  // namespace inventory
