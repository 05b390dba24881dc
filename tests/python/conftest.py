# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Shared fixtures for the Python binding tests (tests/python).

ctest runs these with PYTHONPATH set to the build directory that holds the `inventory` module
(bindings/python/CMakeLists.txt); by hand:

    PYTHONPATH=build/release/bindings/python /usr/bin/python3 -m pytest -q tests/python
"""

import os
import threading
import time

import pytest

try:
    import inventory  # noqa: F401
except ImportError as error:  # pragma: no cover - a setup problem, not a test result
    raise ImportError(
        "cannot import the `inventory` module: build it with -DINVENTORY_BUILD_PYTHON=ON and set "
        "PYTHONPATH to <build>/bindings/python") from error

SOURCE_DIR = os.environ.get(
    "INVENTORY_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def wait_until(predicate, timeout=10.0, interval=0.005):
    """Polls predicate() until it is true; returns its last value (false on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def run_with_timeout(function, timeout=20.0):
    """Runs function() on a daemon thread; fails the test if it does not return in time (a
    deadlock), instead of hanging the whole suite. Returns its result or re-raises."""
    outcome = {}

    def body():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised on the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{function} did not return within {timeout} s (deadlock?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def stock_one_item(engine, on_hand=10):
    """The quickstart's catalog: location wh-1, product p-1 (MUG-RED), one item with on_hand."""
    engine.upsert_location("wh-1", "Main warehouse")
    engine.upsert_product("p-1", "MUG-RED", "Red mug", price=(1299, "EUR"))
    item = engine.upsert_item("p-1", "wh-1")
    if on_hand:
        engine.adjust(item, on_hand, reason="restock")
    return item


@pytest.fixture
def engine():
    """An in-memory engine, closed after the test."""
    with inventory.open() as e:
        yield e


@pytest.fixture
def journaled(tmp_path):
    """An engine on a data directory in tmp_path (buffered: fast, and every change is still
    journaled and delivered to observers once flushed). Returns (engine, path)."""
    path = tmp_path / "data"
    e = inventory.open(path, durability="buffered")
    yield e, path
    e.close()

