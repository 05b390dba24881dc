// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: Status and Result<T> behave as status.h documents (codes, messages, fields, indexes,
// to_string, equality), and the enum names of types.h / catalog.h are the documented strings.
// Method: build statuses and results directly and compare exact strings and values.
#include "inventory/status.h"

#include <string>

#include <doctest/doctest.h>

#include "inventory/catalog.h"
#include "inventory/types.h"
#include "inventory/version.h"

namespace inventory {

TEST_SUITE("status") {
  TEST_CASE("a default Status is ok with an empty message and field and index -1") {
    const Status s;
    CHECK(s.ok());
    CHECK(s.code() == StatusCode::ok);
    CHECK(s.message().empty());
    CHECK(s.field().empty());
    CHECK(s.index() == -1);
    CHECK(s.to_string() == "ok");
  }

  TEST_CASE("an owned Status keeps its code, message, field and index") {
    const Status s(StatusCode::insufficient_stock, "not enough", "lines[1].quantity", 1);
    CHECK_FALSE(s.ok());
    CHECK(s.code() == StatusCode::insufficient_stock);
    CHECK(s.message() == "not enough");
    CHECK(s.field() == "lines[1].quantity");
    CHECK(s.index() == 1);
  }

  TEST_CASE("an owned Status copies its message so the source may go away") {
    Status s;
    {
      std::string message = "temporary message";
      std::string field = "temporary.field";
      s = Status(StatusCode::not_found, message, field);
      message.assign("overwritten!!!!!!");
      field.assign("overwritten.....");
    }
    CHECK(s.message() == "temporary message");
    CHECK(s.field() == "temporary.field");
  }

  TEST_CASE("from_static keeps the literal pointers, field and index") {
    const Status s = Status::from_static(StatusCode::busy, "retry later", "idempotency_key", 3);
    CHECK(s.code() == StatusCode::busy);
    CHECK(s.message() == "retry later");
    CHECK(s.field() == "idempotency_key");
    CHECK(s.index() == 3);
    const Status plain = Status::from_static(StatusCode::corruption, "bad");
    CHECK(plain.field().empty());
    CHECK(plain.index() == -1);
  }

  TEST_CASE("the invalid_argument and not_found helpers set code, field and message") {
    const Status bad = Status::invalid_argument("delta", "must not be zero");
    CHECK(bad.code() == StatusCode::invalid_argument);
    CHECK(bad.field() == "delta");
    CHECK(bad.message() == "must not be zero");
    const Status missing = Status::not_found("item not found");
    CHECK(missing.code() == StatusCode::not_found);
    CHECK(missing.message() == "item not found");
    CHECK(missing.field().empty());
  }

  TEST_CASE("to_string shows the code, the message, the field and the index") {
    CHECK(Status(StatusCode::insufficient_stock, "short", "lines[1].quantity", 1).to_string() ==
          "insufficient_stock: short (field: lines[1].quantity, index: 1)");
    CHECK(Status(StatusCode::not_found, "gone", "item").to_string() ==
          "not_found: gone (field: item)");
    CHECK(Status(StatusCode::limit_exceeded, "full", "", 4).to_string() ==
          "limit_exceeded: full (index: 4)");
    CHECK(Status(StatusCode::corruption, "broken").to_string() == "corruption: broken");
    CHECK(Status::from_static(StatusCode::busy, "retry", "key").to_string() ==
          "busy: retry (field: key)");
  }

  TEST_CASE("with_index returns a copy with the index set and leaves the original alone") {
    const Status s = Status::from_static(StatusCode::not_found, "item not found", "item");
    const Status indexed = s.with_index(7);
    CHECK(indexed.index() == 7);
    CHECK(indexed.code() == StatusCode::not_found);
    CHECK(indexed.message() == "item not found");
    CHECK(indexed.field() == "item");
    CHECK(s.index() == -1);
  }

  TEST_CASE("statuses compare equal by code, index, message and field, whatever their storage") {
    const Status a = Status::from_static(StatusCode::not_found, "item not found", "item");
    const Status b(StatusCode::not_found, "item not found", "item");
    CHECK(a == b);
    CHECK_FALSE(a == b.with_index(0));
    CHECK_FALSE(a == Status(StatusCode::not_found, "item not found", "other"));
    CHECK_FALSE(a == Status(StatusCode::not_found, "other message", "item"));
    CHECK_FALSE(a == Status(StatusCode::invalid_argument, "item not found", "item"));
    CHECK(Status() == Status());
  }

  TEST_CASE("copies of an owned Status share the same text") {
    const Status a(StatusCode::version_conflict, "changed", "expected_version");
    const Status b = a;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(b == a);
    CHECK(b.message().data() == a.message().data());
  }

  TEST_CASE("every StatusCode has its snake_case name and other values are unknown") {
    CHECK(to_string(StatusCode::ok) == "ok");
    CHECK(to_string(StatusCode::invalid_argument) == "invalid_argument");
    CHECK(to_string(StatusCode::not_found) == "not_found");
    CHECK(to_string(StatusCode::already_exists) == "already_exists");
    CHECK(to_string(StatusCode::insufficient_stock) == "insufficient_stock");
    CHECK(to_string(StatusCode::version_conflict) == "version_conflict");
    CHECK(to_string(StatusCode::reservation_not_active) == "reservation_not_active");
    CHECK(to_string(StatusCode::idempotency_mismatch) == "idempotency_mismatch");
    CHECK(to_string(StatusCode::limit_exceeded) == "limit_exceeded");
    CHECK(to_string(StatusCode::not_supported) == "not_supported");
    CHECK(to_string(StatusCode::busy) == "busy");
    CHECK(to_string(StatusCode::io_error) == "io_error");
    CHECK(to_string(StatusCode::corruption) == "corruption");
    CHECK(to_string(StatusCode::failed_precondition) == "failed_precondition");
    CHECK(to_string(static_cast<StatusCode>(200)) == "unknown");
  }

  TEST_CASE("status code values are the stable numbers of the wire formats") {
    CHECK(static_cast<int>(StatusCode::ok) == 0);
    CHECK(static_cast<int>(StatusCode::invalid_argument) == 1);
    CHECK(static_cast<int>(StatusCode::not_found) == 2);
    CHECK(static_cast<int>(StatusCode::already_exists) == 3);
    CHECK(static_cast<int>(StatusCode::insufficient_stock) == 4);
    CHECK(static_cast<int>(StatusCode::version_conflict) == 5);
    CHECK(static_cast<int>(StatusCode::reservation_not_active) == 6);
    CHECK(static_cast<int>(StatusCode::idempotency_mismatch) == 7);
    CHECK(static_cast<int>(StatusCode::limit_exceeded) == 8);
    CHECK(static_cast<int>(StatusCode::not_supported) == 9);
    CHECK(static_cast<int>(StatusCode::busy) == 10);
    CHECK(static_cast<int>(StatusCode::io_error) == 11);
    CHECK(static_cast<int>(StatusCode::corruption) == 12);
    CHECK(static_cast<int>(StatusCode::failed_precondition) == 13);
  }
}

namespace {
Status fails_with(StatusCode code) { return Status(code, "failed", "field"); }

Status forwards(StatusCode code, bool* reached_end) {
  INVENTORY_RETURN_IF_ERROR(code == StatusCode::ok ? Status() : fails_with(code));
  *reached_end = true;
  return Status();
}

Result<int> number(bool ok) {
  if (!ok) return Status(StatusCode::not_found, "no number", "n");
  return 41;
}

Result<int> plus_one(bool ok) {
  INVENTORY_ASSIGN_OR_RETURN(const int n, number(ok));
  return n + 1;
}
}  // namespace

TEST_SUITE("status/result") {
  TEST_CASE("a Result built from a value is ok and holds the value") {
    Result<int> r = 5;
    CHECK(r.ok());
    CHECK(r.status().ok());
    CHECK(r.value() == 5);
    CHECK(*r == 5);
    *r = 6;
    CHECK(r.value() == 6);
    CHECK(r.value_or(9) == 6);
  }

  TEST_CASE("a Result built from an error holds the Status and value_or gives the fallback") {
    const Result<std::string> r = Status(StatusCode::not_found, "nope", "id");
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::not_found);
    CHECK(r.status().field() == "id");
    CHECK(r.value_or("fallback") == "fallback");
  }

  TEST_CASE("operator-> reaches the members of the value and rvalue value() moves it out") {
    Result<std::string> r = std::string("hello");
    CHECK(r->size() == 5);
    const std::string moved = std::move(r).value();
    CHECK(moved == "hello");
  }

  TEST_CASE("INVENTORY_RETURN_IF_ERROR returns the first error and passes on ok") {
    bool reached = false;
    CHECK(forwards(StatusCode::ok, &reached).ok());
    CHECK(reached);
    reached = false;
    const Status s = forwards(StatusCode::version_conflict, &reached);
    CHECK(s.code() == StatusCode::version_conflict);
    CHECK_FALSE(reached);
  }

  TEST_CASE("INVENTORY_ASSIGN_OR_RETURN assigns the value or returns the Status") {
    const Result<int> good = plus_one(true);
    REQUIRE(good.ok());
    CHECK(*good == 42);
    const Result<int> bad = plus_one(false);
    CHECK(bad.status().code() == StatusCode::not_found);
    CHECK(bad.status().field() == "n");
  }
}

TEST_SUITE("types/names") {
  TEST_CASE("reservation states have their documented names and values") {
    CHECK(to_string(ReservationState::active) == "active");
    CHECK(to_string(ReservationState::confirmed) == "confirmed");
    CHECK(to_string(ReservationState::released) == "released");
    CHECK(to_string(ReservationState::expired) == "expired");
    CHECK(to_string(static_cast<ReservationState>(0)) == "unknown");
    CHECK(static_cast<int>(ReservationState::active) == 1);
    CHECK(static_cast<int>(ReservationState::expired) == 4);
  }

  TEST_CASE("location types have their documented names") {
    CHECK(to_string(LocationType::warehouse) == "warehouse");
    CHECK(to_string(LocationType::store) == "store");
    CHECK(to_string(LocationType::marketplace) == "marketplace");
    CHECK(to_string(LocationType::transit) == "transit");
    CHECK(to_string(static_cast<LocationType>(9)) == "unknown");
  }

  TEST_CASE("the library version matches the header macros") {
    CHECK(version() == INVENTORY_VERSION_STRING);
    CHECK(version() == "0.1.0");
  }

  TEST_CASE("Quantity arithmetic and StockLevel derived values follow the definitions") {
    CHECK(Quantity::kMax == (std::int64_t{1} << 43) - 1);
    CHECK(kQuantityMax == 8'796'093'022'207);
    CHECK((Quantity{5} + Quantity{3}).value() == 8);
    CHECK((Quantity{5} - Quantity{8}).value() == -3);
    CHECK((-Quantity{4}).value() == -4);
    CHECK(Quantity{2} < Quantity{3});
    StockLevel level;
    level.on_hand = Quantity{10};
    level.reserved = Quantity{4};
    level.policy = ItemPolicy{.safety_stock = 2, .low_stock_threshold = 6, .backorder_limit = 3};
    CHECK(level.available() == Quantity{6});
    CHECK(level.reservable() == Quantity{7});
    CHECK(level.low_stock());
    level.policy.low_stock_threshold = 5;
    CHECK_FALSE(level.low_stock());
  }
}

}  // namespace inventory
