# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Goal: the Python module exposes the engine faithfully: results, errors (class, code, field,
index), idempotency, all-or-nothing reservations and batches, durability across a reopen, and
closing. Method: drive an in-memory or tmp_path engine through the public API only and compare
every answer with what the C++ contract promises."""

import datetime
import os
import re
import subprocess
import sys

import pytest

import inventory
from conftest import SOURCE_DIR, stock_one_item


# ---- Quickstart (examples/quickstart.cc) ----

def test_quickstart_holds_two_units_and_confirms_the_sale(engine):
    engine.upsert_location("wh-1", "Main warehouse")
    product = engine.upsert_product("p-1", "MUG-RED", "Red mug", price=(1299, "EUR"))
    assert (product.id, product.sku, product.name, product.price) == (
        "p-1", "MUG-RED", "Red mug", (1299, "EUR"))
    mug = engine.upsert_item("p-1", "wh-1")
    assert isinstance(mug, int) and mug != 0
    assert engine.find_item("p-1", "wh-1") == mug
    with pytest.raises(inventory.AlreadyExists):
        engine.upsert_item("p-1", "wh-1", safety_stock=3, mode="create_only")
    assert engine.get(mug).safety_stock == 0

    level = engine.adjust(mug, 10, reason="restock")
    assert (level.on_hand, level.reserved, level.available) == (10, 0, 10)

    hold = engine.reserve(mug, 2, ttl_seconds=15 * 60, reference="cart-42")
    held = engine.get(mug)
    assert (held.on_hand, held.reserved, held.available) == (10, 2, 8)
    reservation = engine.get_reservation(hold)
    assert reservation.state == "active" and reservation.active
    assert reservation.lines == [(mug, 2)]
    assert reservation.reference == "cart-42"
    assert reservation.expires_at - reservation.created_at == datetime.timedelta(minutes=15)

    engine.confirm(hold)
    level = engine.get(mug)
    assert (level.on_hand, level.reserved, level.available) == (8, 0, 8)
    assert engine.get_reservation(hold).state == "confirmed"
    engine.check_invariants()


def test_python_quickstart_example_runs():
    example = os.path.join(SOURCE_DIR, "examples", "python_quickstart.py")
    result = subprocess.run([sys.executable, example], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "on_hand 8, reserved 0, available 8"


def test_readme_python_example_runs():
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as readme:
        match = re.search(r"## From Python\n\n```python\n(.*?)```", readme.read(), re.DOTALL)
    assert match, "README.md has no ```python block under '## From Python'"
    result = subprocess.run([sys.executable, "-c", match.group(1)], capture_output=True,
                            text=True, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert "on_hand=8, reserved=0, available=8" in result.stdout


# ---- Values ----

def test_stock_level_exposes_policy_and_derived_values(engine):
    stock_one_item(engine, on_hand=0)
    item = engine.upsert_item("p-1", "wh-1", safety_stock=2, low_stock_threshold=5,
                              backorder_limit=3)
    level = engine.adjust(item, 4)
    assert (level.safety_stock, level.low_stock_threshold, level.backorder_limit) == (2, 5, 3)
    assert level.reservable == 4 - 2 + 3
    assert level.low_stock
    assert level.item == item
    assert isinstance(level.updated_at, datetime.datetime)
    assert level.updated_at.tzinfo is not None
    assert engine.get(item) == level
    assert "on_hand=4" in repr(level)


def test_catalog_round_trips_attributes_types_and_pages(engine):
    engine.upsert_location("st-1", "Store", type="store", attributes={"city": "Lyon"})
    location = engine.get_location("st-1")
    assert (location.type, location.attributes) == ("store", {"city": "Lyon"})
    for n in range(5):
        engine.upsert_product(f"p-{n}", f"SKU-{n}", f"Product {n}", description="d",
                              attributes={"n": str(n)})
        engine.upsert_item(f"p-{n}", "st-1")
    assert engine.find_product_by_sku("SKU-3").id == "p-3"
    assert engine.get_product("p-2").attributes == {"n": "2"}
    assert engine.get_product("p-0").price is None

    first = engine.list_products(limit=2)
    assert [p.id for p in first] == ["p-0", "p-1"] and len(first) == 2
    assert first.next_cursor is not None
    second = engine.list_products(cursor=first.next_cursor, limit=2)
    assert [p.id for p in second] == ["p-2", "p-3"]
    assert [p.id for p in engine.iter_products(page_size=2)] == [f"p-{n}" for n in range(5)]
    assert [i.product_id for i in engine.iter_items(location_id="st-1", page_size=3)] == [
        f"p-{n}" for n in range(5)]
    assert [i.product_id for i in engine.iter_items(product_id="p-4")] == ["p-4"]
    assert [location.id for location in engine.iter_locations()] == ["st-1"]
    item = engine.list_items(product_id="p-1")[0]
    assert engine.get_item(item.id) == item


def test_transfer_moves_stock_between_locations(engine):
    source = stock_one_item(engine, on_hand=10)
    engine.upsert_location("wh-2", "Second warehouse")
    target = engine.upsert_item("p-1", "wh-2")
    moved_from, moved_to = engine.transfer(source, target, 4, reason="rebalance")
    assert (moved_from.on_hand, moved_to.on_hand) == (6, 4)
    with pytest.raises(inventory.InsufficientStock):
        engine.transfer(source, target, 7)
    assert (engine.get(source).on_hand, engine.get(target).on_hand) == (6, 4)


def test_set_on_hand_is_a_compare_and_set(engine):
    item = stock_one_item(engine, on_hand=10)
    version = engine.get(item).version
    assert engine.set_on_hand(item, 7, reason="count", expected_version=version).on_hand == 7
    with pytest.raises(inventory.VersionConflict) as error:
        engine.set_on_hand(item, 5, expected_version=version)
    assert error.value.field == "expected_version"
    assert engine.get(item).on_hand == 7


def test_manual_clock_drives_expiry():
    clock = inventory.ManualClock()
    with inventory.open(clock=clock, expiry_interval=0) as engine:
        item = stock_one_item(engine, on_hand=5)
        hold = engine.reserve(item, 3, ttl_seconds=60)
        assert engine.get(item).available == 2
        clock.advance(59)
        assert engine.expire_due() == 0
        clock.advance(datetime.timedelta(seconds=2))
        assert engine.expire_due() == 1
        assert engine.get_reservation(hold).state == "expired"
        assert engine.get(item).available == 5
        with pytest.raises(inventory.ReservationNotActive):
            engine.confirm(hold)


def test_extend_moves_the_expiry():
    clock = inventory.ManualClock()
    with inventory.open(clock=clock, expiry_interval=0) as engine:
        item = stock_one_item(engine)
        hold = engine.reserve(item, 1, ttl_seconds=60)
        expires_at = engine.extend(hold, ttl_seconds=datetime.timedelta(minutes=10))
        assert expires_at == clock.now() + datetime.timedelta(minutes=10)
        assert engine.get_reservation(hold).expires_at == expires_at


def test_explain_lists_the_holds(engine):
    item = stock_one_item(engine, on_hand=10)
    hold = engine.reserve(item, 3, reference="cart-7")
    explanation = engine.explain(item)
    assert explanation.held == 3 and explanation.reservable == 7
    assert [(h.reservation, h.quantity, h.reference) for h in explanation.holds] == [
        (hold, 3, "cart-7")]
    assert "available 7" in str(explanation)


def test_metrics_text_is_prometheus(engine):
    item = stock_one_item(engine)
    engine.reserve(item, 1)
    text = engine.metrics_text()
    assert "# TYPE inventory_operations_total counter" in text
    assert 'inventory_operations_total{operation="reserve",outcome="ok"} 1' in text


# ---- Errors ----

def expect_error(cls, code, field, function, index=None):
    with pytest.raises(cls) as info:
        function()
    error = info.value
    assert isinstance(error, inventory.Error)
    assert type(error) is cls, f"{type(error).__name__} is not {cls.__name__}"
    assert error.code == code
    assert error.field == field
    assert error.index == index
    assert code in str(error)
    return error


def test_errors_map_each_status_code_to_its_class_with_the_field():
    with inventory.open(items_max=1) as engine:
        item = stock_one_item(engine, on_hand=5)
        engine.upsert_location("wh-2", "Second")

        expect_error(inventory.InvalidArgument, "invalid_argument", "delta",
                     lambda: engine.adjust(item, 0))
        expect_error(inventory.NotFound, "not_found", "item", lambda: engine.get(item + 1))
        expect_error(inventory.AlreadyExists, "already_exists", "location.id",
                     lambda: engine.upsert_location("wh-1", "Again", mode="create_only"))
        expect_error(inventory.InsufficientStock, "insufficient_stock", "quantity",
                     lambda: engine.reserve(item, 6))
        version = engine.get(item).version
        expect_error(inventory.VersionConflict, "version_conflict", "expected_version",
                     lambda: engine.set_on_hand(item, 1, expected_version=version + 1))
        hold = engine.reserve(item, 1)
        engine.release(hold)
        error = expect_error(inventory.ReservationNotActive, "reservation_not_active",
                             "reservation", lambda: engine.confirm(hold))
        assert "released" in error.message
        engine.adjust(item, 1, idempotency_key="restock-1")
        expect_error(inventory.IdempotencyMismatch, "idempotency_mismatch", "idempotency_key",
                     lambda: engine.adjust(item, 2, idempotency_key="restock-1"))
        error = expect_error(inventory.LimitExceeded, "limit_exceeded", "",
                             lambda: engine.upsert_item("p-1", "wh-2"))
        assert "items_max" in error.message
        expect_error(inventory.FailedPrecondition, "failed_precondition", "force",
                     lambda: engine.remove_product("p-1"))
        expect_error(inventory.NotSupported, "not_supported", "path",
                     lambda: engine.changes_since(0))
    expect_error(inventory.InvalidArgument, "invalid_argument", "limits.items_max",
                 lambda: inventory.open(items_max=0))


def test_error_classes_are_also_builtin_exceptions():
    assert issubclass(inventory.InvalidArgument, ValueError)
    assert issubclass(inventory.NotFound, LookupError)
    assert issubclass(inventory.IoError, OSError)
    assert issubclass(inventory.EngineClosed, inventory.FailedPrecondition)
    codes = {
        inventory.InvalidArgument: "invalid_argument", inventory.NotFound: "not_found",
        inventory.AlreadyExists: "already_exists",
        inventory.InsufficientStock: "insufficient_stock",
        inventory.VersionConflict: "version_conflict",
        inventory.ReservationNotActive: "reservation_not_active",
        inventory.IdempotencyMismatch: "idempotency_mismatch",
        inventory.LimitExceeded: "limit_exceeded", inventory.NotSupported: "not_supported",
        inventory.Busy: "busy", inventory.IoError: "io_error",
        inventory.Corruption: "corruption", inventory.FailedPrecondition: "failed_precondition",
    }
    for cls, code in codes.items():
        assert issubclass(cls, inventory.Error) and cls.code == code


def test_bad_python_arguments_are_invalid_argument_or_type_error(engine):
    item = stock_one_item(engine)
    expect_error(inventory.InvalidArgument, "invalid_argument", "ttl_seconds",
                 lambda: engine.reserve(item, 1, ttl_seconds="soon"))
    expect_error(inventory.InvalidArgument, "invalid_argument", "location.type",
                 lambda: engine.upsert_location("x", "X", type="moon"))
    expect_error(inventory.InvalidArgument, "invalid_argument", "durability",
                 lambda: engine.adjust(item, 1, durability="eventually"))
    expect_error(inventory.InvalidArgument, "invalid_argument", "product.price",
                 lambda: engine.upsert_product("p-9", "S9", "N", price=12.99))
    with pytest.raises(TypeError):
        inventory.open(no_such_option=1)
    with pytest.raises(TypeError):
        engine.adjust(item, "ten")


# ---- Idempotency ----

def test_idempotent_retry_returns_the_first_answer_and_applies_once(engine):
    item = stock_one_item(engine, on_hand=10)
    first = engine.adjust(item, 5, reason="delivery", idempotency_key="delivery-17")
    retry = engine.adjust(item, 5, reason="delivery", idempotency_key="delivery-17")
    assert retry == first
    assert engine.get(item).on_hand == 15

    hold = engine.reserve(item, 2, idempotency_key="cart-1")
    assert engine.reserve(item, 2, idempotency_key="cart-1") == hold
    assert engine.get(item).reserved == 2
    with pytest.raises(inventory.IdempotencyMismatch):
        engine.reserve(item, 3, idempotency_key="cart-1")


# ---- Reservations and batches ----

def test_multi_line_reservation_is_all_or_nothing(engine):
    engine.upsert_location("wh-1", "Main")
    items = []
    for n, on_hand in enumerate([5, 1, 5]):
        engine.upsert_product(f"p-{n}", f"SKU-{n}", f"Product {n}")
        items.append(engine.upsert_item(f"p-{n}", "wh-1"))
        engine.adjust(items[-1], on_hand)

    error = expect_error(inventory.InsufficientStock, "insufficient_stock", "lines[1].quantity",
                         lambda: engine.reserve_lines([(items[0], 2), (items[1], 3),
                                                       (items[2], 1)]),
                         index=1)
    assert "lines[1]" in error.message
    assert [engine.get(i).reserved for i in items] == [0, 0, 0]

    hold = engine.reserve_lines({items[0]: 2, items[1]: 1, items[2]: 1}, reference="cart-9")
    assert [engine.get(i).reserved for i in items] == [2, 1, 1]
    assert sorted(engine.get_reservation(hold).lines) == sorted(
        [(items[0], 2), (items[1], 1), (items[2], 1)])

    # Confirms 1 unit of the first line; everything not confirmed is released.
    engine.confirm(hold, quantities={items[0]: 1})
    assert [engine.get(i).on_hand for i in items] == [4, 1, 5]
    assert [engine.get(i).reserved for i in items] == [0, 0, 0]
    engine.check_invariants()


def test_batch_of_dicts_is_atomic_and_names_the_failing_operation(engine):
    item = stock_one_item(engine, on_hand=3)
    error = expect_error(inventory.InsufficientStock, "insufficient_stock", "operations[1].delta",
                         lambda: engine.write([{"op": "adjust", "item": item, "delta": 10},
                                               {"op": "adjust", "item": item, "delta": -20}]),
                         index=1)
    assert error.index == 1
    assert engine.get(item).on_hand == 3

    results = engine.write([{"op": "adjust", "item": item, "delta": 2, "reason": "found"},
                            {"op": "reserve", "item": item, "quantity": 4, "ttl_seconds": 60}])
    assert [r.ok for r in results] == [True, True]
    assert results[0].levels[0].on_hand == 5
    hold = results[1].reservation
    assert engine.get_reservation(hold).lines == [(item, 4)]
    assert results[1].expires_at is not None

    results = engine.write(inventory.Batch().release(hold).adjust(item, -1))
    assert len(results) == 2 and engine.get(item).available == 4


def test_batch_per_operation_reports_each_result(engine):
    item = stock_one_item(engine, on_hand=3)
    results = engine.write(inventory.Batch().adjust(item, 1).adjust(item, -100).adjust(item, 1),
                           atomic=False)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, inventory.InsufficientStock)
    assert results[0].error is None
    assert engine.get(item).on_hand == 5


def test_batch_dict_errors_name_the_operation(engine):
    item = stock_one_item(engine)
    expect_error(inventory.InvalidArgument, "invalid_argument", "operations[1].op",
                 lambda: engine.write([{"op": "adjust", "item": item, "delta": 1},
                                       {"op": "explode"}]))
    expect_error(inventory.InvalidArgument, "invalid_argument", "operations[0]",
                 lambda: engine.write([{"op": "adjust", "item": item, "colour": "red"}]),
                 index=0)
    assert engine.get(item).on_hand == 10


# ---- Durability and closing ----

def test_journaled_engine_reopens_with_its_state(tmp_path):
    path = tmp_path / "data"
    with inventory.open(path) as engine:  # durability "sync" by default with a path
        item = stock_one_item(engine, on_hand=10)
        hold = engine.reserve(item, 3, ttl_seconds=3600, reference="cart-1")
        engine.adjust(item, -2, reason="damaged", idempotency_key="damage-1")
        sold = engine.reserve(item, 1)
        engine.confirm(sold)
        before = engine.get(item)
        head = engine.changes_since(0, limit=1000)[-1].sequence

    with inventory.open(path) as engine:
        assert engine.find_item("p-1", "wh-1") == item
        assert engine.get(item) == before
        assert (before.on_hand, before.reserved) == (7, 3)
        reservation = engine.get_reservation(hold)
        assert reservation.state == "active" and reservation.reference == "cart-1"
        assert engine.get_product("p-1").price == (1299, "EUR")
        # The idempotency key survives the restart: the retry changes nothing.
        assert engine.adjust(item, -2, reason="damaged", idempotency_key="damage-1").on_hand == 8
        assert engine.get(item).on_hand == 7
        events = engine.changes_since(0, limit=1000)
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert events[-1].sequence >= head
        engine.check_invariants()
        history = engine.history(item)
        assert [e.type for e in history if e.type == "stock.adjusted"] == ["stock.adjusted"] * 2
        assert any(e.reason == "damaged" for e in history)

    report = inventory.verify(path)
    assert report["items"] == 1 and report["reservations_active"] == 1


def test_context_manager_closes_and_later_calls_raise(tmp_path):
    with inventory.open(tmp_path / "data", durability="buffered") as engine:
        item = stock_one_item(engine)
        assert not engine.closed
    assert engine.closed
    assert "closed" in repr(engine)
    with pytest.raises(inventory.EngineClosed) as info:
        engine.get(item)
    assert info.value.code == "failed_precondition"
    with pytest.raises(inventory.FailedPrecondition):
        engine.adjust(item, 1)
    engine.close()  # Idempotent.


def test_open_refuses_a_durability_that_needs_a_path():
    expect_error(inventory.InvalidArgument, "invalid_argument", "path",
                 lambda: inventory.open(durability="sync"))


def test_engine_open_and_module_open_are_the_same(tmp_path):
    engine = inventory.Engine.open(tmp_path / "d", "buffered", items_max=16, ttl_default=30)
    try:
        assert engine.path == str(tmp_path / "d")
        item = stock_one_item(engine)
        hold = engine.reserve(item, 1)
        reservation = engine.get_reservation(hold)
        assert reservation.expires_at - reservation.created_at == datetime.timedelta(seconds=30)
    finally:
        engine.close()
    with pytest.raises(inventory.AlreadyExists):
        inventory.open(tmp_path / "d", durability="buffered", error_if_exists=True)


def test_write_options_reach_the_audit_trail(journaled):
    engine, _ = journaled
    item = stock_one_item(engine, on_hand=0)
    sold_at = datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)
    engine.adjust(item, -1, reason="pos sale", reference="receipt-9", force=True, actor="till-4",
                  request_id="req-77", occurred_at=sold_at, durability="sync")
    event = [e for e in engine.history(item) if e.type == "stock.adjusted"][-1]
    assert (event.reason, event.reference, event.actor, event.request_id) == (
        "pos sale", "receipt-9", "till-4", "req-77")
    assert event.occurred_at == sold_at
    assert event.recorded_at > sold_at
    assert (event.before.on_hand, event.after.on_hand, event.delta) == (0, -1, -1)
    assert event.after.available == -1 and event.product_id == "p-1"
