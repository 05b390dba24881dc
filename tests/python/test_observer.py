# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Goal: subscriptions deliver durable events to Python callbacks on the engine's dispatcher
thread, in order, again after a raising callback, and never deadlock with the GIL: not while the
main thread waits in an engine call, not on cancel or close (also from inside the callback), and
not at interpreter exit. Method: a journaled engine in tmp_path; callbacks record what they get
and on which thread; every wait has a timeout, and calls that could deadlock run on a watchdog
thread (run_with_timeout)."""

import os
import subprocess
import sys
import threading
import time

import pytest

import inventory
from conftest import run_with_timeout, stock_one_item, wait_until


class Recorder:
    """A callback that records each batch and the thread that delivered it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.batches = []
        self.threads = set()

    def __call__(self, events):
        with self.lock:
            self.batches.append(list(events))
            self.threads.add(threading.get_ident())

    @property
    def events(self):
        with self.lock:
            return [e for batch in self.batches for e in batch]

    def sequences(self):
        return [e.sequence for e in self.events]


def test_callback_runs_on_the_dispatcher_thread_in_order(journaled):
    engine, _ = journaled
    recorder = Recorder()
    subscription = engine.subscribe(recorder, after=0)
    item = stock_one_item(engine, on_hand=10)
    for _ in range(20):
        engine.adjust(item, 1)
    engine.sync()
    head = engine.changes_since(0, limit=1000)[-1].sequence

    assert wait_until(lambda: recorder.sequences()[-1:] == [head]), recorder.sequences()
    assert recorder.sequences() == list(range(1, head + 1))  # In order, gap-free, once each.
    assert threading.get_ident() not in recorder.threads
    assert len(recorder.threads) == 1
    adjusted = [e for e in recorder.events if e.type == "stock.adjusted"]
    assert [e.after.on_hand for e in adjusted] == list(range(10, 31))
    assert all(e.product_id == "p-1" and e.location_id == "wh-1" for e in adjusted)
    assert wait_until(lambda: subscription.cursor == head)
    subscription.cancel()
    assert not subscription.active


def test_filters_by_type_and_location(journaled):
    engine, _ = journaled
    item = stock_one_item(engine, on_hand=0)
    engine.upsert_item("p-1", "wh-1", low_stock_threshold=3)
    recorder = Recorder()
    with engine.subscribe(recorder, types=["stock.low", "stock.out"], locations=["wh-1"]):
        engine.adjust(item, 5)
        engine.adjust(item, -3)  # available 2 <= 3: stock.low
        engine.adjust(item, -2)  # available 0: stock.out
        assert wait_until(lambda: len(recorder.events) == 2)
    assert [e.type for e in recorder.events] == ["stock.low", "stock.out"]
    with pytest.raises(inventory.InvalidArgument) as info:
        engine.subscribe(recorder, types=["stock.sideways"])
    assert info.value.field == "types[0]"


def test_raising_callback_gets_the_same_events_again(journaled, monkeypatch):
    engine, _ = journaled
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: reported.append(unraisable))
    calls = []

    def flaky(events):
        calls.append([e.sequence for e in events])
        if len(calls) == 1:
            raise RuntimeError("downstream unavailable")

    with engine.subscribe(flaky, after=0):
        stock_one_item(engine, on_hand=10)
        engine.sync()
        head = engine.changes_since(0, limit=1000)[-1].sequence
        assert wait_until(lambda: len(calls) >= 2 and calls[-1][-1:] == [head], timeout=15), calls
    assert len(calls) >= 2
    redelivered = [s for batch in calls[1:] for s in batch]
    assert calls[0] == redelivered[:len(calls[0])]  # The failed batch comes back first, whole.
    assert redelivered == list(range(1, head + 1))
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, RuntimeError)
    assert str(reported[0].exc_value) == "downstream unavailable"


def test_durable_cursor_resumes_after_the_last_acknowledged_batch(journaled):
    engine, _ = journaled
    item = stock_one_item(engine, on_hand=1)
    first = Recorder()
    subscription = engine.subscribe(first, after=0, cursor="printer")
    engine.sync()
    head = engine.changes_since(0, limit=1000)[-1].sequence
    assert wait_until(lambda: first.sequences()[-1:] == [head])
    assert subscription.name == "printer"
    with pytest.raises(inventory.AlreadyExists):
        engine.subscribe(Recorder(), cursor="printer")
    subscription.cancel()

    engine.adjust(item, 1)
    second = Recorder()
    with engine.subscribe(second, after=0, cursor="printer"):
        assert wait_until(lambda: second.events)
        time.sleep(0.05)
    assert second.sequences()[0] == head + 1


def test_a_dropped_cursor_starts_afresh(journaled):
    engine, _ = journaled
    item = stock_one_item(engine, on_hand=1)
    first = Recorder()
    subscription = engine.subscribe(first, after=0, cursor="gone")
    with pytest.raises(inventory.FailedPrecondition):
        engine.drop_cursor("gone")  # Live.
    subscription.cancel()
    engine.drop_cursor("gone")
    with pytest.raises(inventory.NotFound):
        engine.drop_cursor("gone")
    with pytest.raises(inventory.InvalidArgument, match="cursor"):
        engine.drop_cursor("a/b")

    # Without the stored cursor (at most the head before this adjust), after= counts again.
    engine.adjust(item, 1)
    engine.sync()
    head = engine.changes_since(0, limit=1000)[-1].sequence
    second = Recorder()
    with engine.subscribe(second, after=head, cursor="gone"):
        engine.adjust(item, 1)
        assert wait_until(lambda: second.events)
    assert second.sequences()[0] == head + 1


def test_callback_may_call_the_engine(journaled):
    engine, _ = journaled
    item = stock_one_item(engine, on_hand=0)
    seen = []

    def reader(events):
        for e in events:
            if e.type == "stock.adjusted":
                seen.append(engine.get(e.item).on_hand)

    with engine.subscribe(reader):
        engine.adjust(item, 4)
        assert wait_until(lambda: seen == [4])


def test_events_arrive_while_the_main_thread_waits_in_sync_calls(tmp_path):
    # Durability "sync": every adjust waits for an fsync with the GIL released, so the
    # dispatcher can deliver meanwhile. A callback that needs the GIL must not stall writers.
    with inventory.open(tmp_path / "data") as engine:
        item = stock_one_item(engine, on_hand=1)
        recorder = Recorder()
        with engine.subscribe(recorder):
            run_with_timeout(lambda: [engine.adjust(item, 1) for _ in range(30)])
            assert wait_until(lambda: sum(e.type == "stock.adjusted" for e in recorder.events)
                              == 30)


def test_close_with_a_busy_callback_does_not_deadlock(tmp_path):
    engine = inventory.open(tmp_path / "data", durability="buffered")
    item = stock_one_item(engine)
    started = threading.Event()

    def slow(events):
        started.set()
        time.sleep(0.3)  # Holds the dispatcher; close() must release the GIL while it waits.

    subscription = engine.subscribe(slow)
    engine.adjust(item, 1)
    assert started.wait(10)
    run_with_timeout(engine.close)
    assert engine.closed and not subscription.active


def test_cancel_from_inside_the_callback(journaled):
    engine, _ = journaled
    item = stock_one_item(engine)
    holder = {}
    calls = []

    def once(events):
        calls.append(len(events))
        holder["subscription"].cancel()

    holder["subscription"] = engine.subscribe(once)
    engine.adjust(item, 1)
    assert wait_until(lambda: calls)
    assert wait_until(lambda: not holder["subscription"].active)
    engine.adjust(item, 1)
    engine.sync()
    time.sleep(0.1)
    assert len(calls) == 1


def test_close_from_inside_the_callback(tmp_path):
    engine = inventory.open(tmp_path / "data", durability="buffered")
    item = stock_one_item(engine)
    closed = threading.Event()

    def closer(events):
        engine.close()
        closed.set()

    engine.subscribe(closer)
    engine.adjust(item, 1)
    assert closed.wait(10)
    assert engine.closed
    with pytest.raises(inventory.EngineClosed):
        engine.get(item)
    # The data directory is released once the engine has shut down in the background.
    reopened = wait_until(lambda: _try_open(tmp_path / "data"), timeout=10)
    assert reopened
    reopened.close()


def _try_open(path):
    try:
        return inventory.open(path, durability="buffered")
    except inventory.Error:
        return None


def test_subscribe_needs_a_journal_and_a_callable(engine, journaled):
    with pytest.raises(inventory.NotSupported):
        engine.subscribe(Recorder())
    with pytest.raises(TypeError):
        journaled[0].subscribe("not callable")


@pytest.mark.parametrize("busy", [False, True])
def test_interpreter_exit_with_a_live_subscription(tmp_path, busy):
    # busy: at exit the callback is still running and calling the engine (it references the
    # engine, a cycle the garbage collector cannot see, so only the module's atexit hook closes
    # it), and a daemon thread is writing. Without that hook this aborts ("FATAL: exception not
    # rethrown") when the interpreter finalizes under the dispatcher thread.
    script = f"""
import sys, threading, time, inventory
engine = inventory.open(sys.argv[1], durability="buffered")
got = threading.Event()
def callback(events):
    got.set()
    deadline = time.monotonic() + (5 if {busy} else 0)
    try:
        while time.monotonic() < deadline:
            engine.metrics_text()
            time.sleep(0.001)
    except inventory.EngineClosed:
        pass
def writer():
    try:
        while True:
            engine.upsert_location("wh-2", "Second")
    except inventory.EngineClosed:
        pass
engine.subscribe(callback)
engine.upsert_location("wh-1", "Main")
assert got.wait(10)
if {busy}:
    threading.Thread(target=writer, daemon=True).start()
print("exiting", flush=True)
# No close(), no cancel(): the module's atexit hook must stop the dispatcher cleanly.
"""
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "exiting"
    assert result.stderr == ""
    with inventory.open(tmp_path / "data", durability="buffered") as engine:
        assert engine.get_location("wh-1").name == "Main"
