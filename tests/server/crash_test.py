#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Crash test of inventory-server under load: SIGKILL mid-load loses no acknowledged
reservation and oversells nothing.

Goal: with the default --durability sync, a 201 for POST /v1/reservations means the hold is
durable. After a SIGKILL at an arbitrary point of a concurrent reservation load and a restart on
the same data directory, every reservation that was acknowledged is there and active, every
item's reservedStock covers at least the acknowledged holds, stockLevel is unchanged and
availableStock = stockLevel - reservedStock >= 0 (no oversell), and reservedStock equals the
number of reservation.reserved events the feed (/v1/changes) holds for the item, so state and
journal agree after recovery.

Method: one server on a temporary data directory (harness.Server with --rate-limit 0). Three hot
items with limited stock; four client threads, each with its own keep-alive Client, POST
reservations of quantity 1 for a random hot item and record every reservationId answered 201.
After 2..3.5 s of load the server is SIGKILLed while requests are in flight; it is restarted on
the same data directory and port and everything above is checked, then the next cycle starts
(the load goes on against the restarted server).

Every request carries an Idempotency-Key. A request without an answer (cut by the kill) may or
may not have been applied; after the restart each one is sent again with the same key and body,
as a client must, and has to come back 201 (the reservation the first attempt made, or a new
one) or 409 insufficient_stock. The engine keeps idempotency keys in the journal, with the
change, so the server's in-memory response cache being gone does not matter. Once the retries
are answered, every request has been applied exactly once: each item's reservedStock must equal
its number of acknowledged holds, not merely cover it. A retry whose 201 added no
reservation.reserved event to the feed was deduplicated (its first attempt had been applied);
their count is printed.

After each restart every reservation acknowledged since the previous restart is looked up, plus a
random sample of 300 older ones (all were checked once already).

Scale: 3 kill cycles, 3 items x 5,000 units (on a fast machine the stock runs out in the last
cycle, so refusals are part of the load too), 4 threads; runtime 15..60 s (limit 120 s).
"""

import http.client
import os
import random
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

LOCATION = "crash-wh"
PRODUCTS = ["crash-hot-1", "crash-hot-2", "crash-hot-3"]
STOCK = 5000  # per item: lasts through the first kills on a fast machine, runs out later
THREADS = 4
OLD_SAMPLE = 300  # reservations of earlier cycles re-checked after each restart
KILLS = 3
SERVER_ARGS = ["--rate-limit", "0"]  # default durability: sync

from harness import FAILURES, check, expect  # noqa: E402




def setup(admin):
    expect(admin.post("/v1/locations", {"locationId": LOCATION, "name": "Crash warehouse",
                                        "type": "warehouse"}), (200, 201), "POST /v1/locations")
    items = {}
    for product in PRODUCTS:
        expect(admin.post("/v1/products", {"productId": product, "sku": f"SKU-{product}",
                                           "name": f"Hot {product}",
                                           "price": {"amount": 2500, "currency": "USD"}}),
               201, f"POST /v1/products {product}")
        item = expect(admin.post("/v1/inventory", {"productId": product, "locationId": LOCATION,
                                                   "adjustment": STOCK, "reason": "receive"}),
                      200, f"POST /v1/inventory {product}")
        items[product] = item["inventoryId"]
    return items


CUT = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


class Load:
    """Four threads reserving until stop(); acknowledged reservations go into `acked`."""

    def __init__(self, url, key, acked, cycle):
        self.url, self.key, self.acked, self.cycle = url, key, acked, cycle
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.counts = {"201": 0, "409": 0, "cut": 0}
        self.cut = []  # (Idempotency-Key, body, product) of requests without an answer
        self.unexpected = []
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True)
                        for n in range(THREADS)]

    def start(self):
        for t in self.threads:
            t.start()

    def run(self, n):
        client = harness.Client(self.url, self.key, timeout=10)
        rng = random.Random(self.cycle * 100 + n)
        i = 0
        try:
            while not self.stopping.is_set():
                product = rng.choice(PRODUCTS)
                key = f"crash-{self.cycle}-{n}-{i}"  # also the reservation's reference
                body = {"lines": [{"productId": product, "locationId": LOCATION, "quantity": 1}],
                        "ttlSeconds": 3600, "reference": key}
                i += 1
                try:
                    r = client.post("/v1/reservations", body, headers={"Idempotency-Key": key})
                except CUT:
                    with self.lock:
                        self.counts["cut"] += 1
                        self.cut.append((key, body, product))
                    if self.stopping.is_set():
                        return
                    # The server is being killed right now (stop() comes just after), or broke.
                    time.sleep(0.05)
                    continue
                with self.lock:
                    if r.status == 201:
                        self.counts["201"] += 1
                        self.acked[r.json()["reservationId"]] = product
                    elif r.status == 409:
                        self.counts["409"] += 1
                        code = (r.json() or {}).get("error", {}).get("code")
                        if code != "insufficient_stock":
                            self.unexpected.append(f"409 {r.body[:200]!r}")
                    else:
                        self.unexpected.append(f"{r.status} {r.body[:200]!r}")
        finally:
            client.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(15)
        return not any(t.is_alive() for t in self.threads)


def retry_cut(srv, load, acked, items, cycle):
    """Sends every request of `load` that the kill cut again, with the same Idempotency-Key.
    Returns (retried, deduplicated): how many came back 201, and how many of those added no
    reservation.reserved event (their first attempt had been applied before the kill)."""
    client = srv.client()
    before = sum(reserved_events_per_item(client, items).values())
    retried = 0
    for key, body, product in load.cut:
        r = client.post("/v1/reservations", body, headers={"Idempotency-Key": key})
        if r.status == 201:
            retried += 1
            acked[r.json()["reservationId"]] = product
        elif r.status != 409 or (r.json() or {}).get("error", {}).get("code") != \
                "insufficient_stock":
            check(False, f"cycle {cycle}: retry of {key} after the restart: {r.status} "
                         f"{r.body[:200]!r}")
    after = sum(reserved_events_per_item(client, items).values())
    client.close()
    return retried, retried - (after - before)


def reserved_events_per_item(client, items):
    """Count of reservation.reserved events per inventoryId in the whole feed."""
    wanted = {str(v): k for k, v in items.items()}
    counts = {k: 0 for k in items}
    after = 0
    while True:
        page = expect(client.get(f"/v1/changes?after={after}&limit=1000"), 200,
                      f"GET /v1/changes?after={after}")
        if not page["events"]:
            return counts
        for e in page["events"]:
            if e.get("type") == "reservation.reserved" and str(e.get("inventoryId")) in wanted:
                counts[wanted[str(e["inventoryId"])]] += 1
        after = page["nextAfter"]


def lookup(url, key, reservations):
    """GETs each (reservationId, product); returns the list of problems."""
    client = harness.Client(url, key)
    problems = []
    for reservation_id, product in reservations:
        r = client.get(f"/v1/reservations/{reservation_id}")
        body = r.json() if r.status == 200 else None
        ok = (r.status == 200 and body.get("state") == "active"
              and [(ln.get("productId"), ln.get("locationId"), ln.get("quantity"))
                   for ln in body.get("lines", [])] == [(product, LOCATION, 1)])
        if not ok:
            problems.append(f"acknowledged reservation {reservation_id} ({product}) after "
                            f"restart: GET -> {r.status} {r.body[:200]!r}")
    client.close()
    return problems


def verify(srv, items, acked, checked, cycle):
    """After a restart: every reservation acknowledged since the last check, and a sample of
    older ones, is there and active; the items are consistent. Returns (lost, oversold)."""
    client = srv.client()
    new = [(rid, p) for rid, p in acked.items() if rid not in checked]
    old = [(rid, p) for rid, p in acked.items() if rid in checked]
    todo = new + random.sample(old, min(OLD_SAMPLE, len(old)))
    parts = [todo[i::THREADS] for i in range(THREADS)]
    results = [None] * THREADS

    def work(i):
        results[i] = lookup(srv.url, srv.admin_key, parts[i])

    workers = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    problems = [p for r in results for p in (r if r is not None else ["a lookup thread failed"])]
    checked.update(rid for rid, _ in new)
    lost = len(problems)
    for p in problems[:10]:
        check(False, f"cycle {cycle}: {p}")
    if lost > 10:
        check(False, f"cycle {cycle}: {lost} acknowledged reservations lost in all")
    per_product = {p: 0 for p in PRODUCTS}
    for product in acked.values():
        per_product[product] += 1
    journal = reserved_events_per_item(client, items)
    oversold = 0
    for product, inventory_id in items.items():
        item = expect(client.get(f"/v1/inventory/{inventory_id}"), 200,
                      f"GET /v1/inventory/{inventory_id}")
        level, reserved, available = (item.get("stockLevel"), item.get("reservedStock"),
                                      item.get("availableStock"))
        bad = []
        if level != STOCK:
            bad.append(f"stockLevel {level} != {STOCK}")
        if reserved != per_product[product]:
            # Every request was answered or retried with its key: exactly once, no more.
            bad.append(f"reservedStock {reserved} != {per_product[product]} acknowledged holds")
        if available is None or available < 0 or reserved is None or reserved > level:
            bad.append(f"oversold: availableStock {available}, reservedStock {reserved}")
        if available != level - reserved:
            bad.append(f"availableStock {available} != stockLevel - reservedStock")
        if journal[product] != reserved:
            bad.append(f"reservedStock {reserved} but the feed has {journal[product]} "
                       f"reservation.reserved events")
        if bad:
            oversold += 1 if any(b.startswith("oversold") or b.startswith("stockLevel")
                                 for b in bad) else 0
            check(False, f"cycle {cycle}: item {product} ({inventory_id}) after restart: "
                         f"{'; '.join(bad)}; item {item}")
    client.close()
    return lost, oversold


def main():
    started = time.time()
    acked = {}
    checked = set()
    total_lost = total_oversold = kills = total_retried = total_deduplicated = 0
    loads = []
    with tempfile.TemporaryDirectory(prefix="inventory-crash-") as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data)  # the harness puts the server's log next to it ("data/../data.log")
        srv = harness.Server(data=data, args=SERVER_ARGS)
        srv.start()
        try:
            admin = srv.client()
            items = setup(admin)
            admin.close()
            for cycle in range(1, KILLS + 1):
                load = Load(srv.url, srv.admin_key, acked, cycle)
                load.start()
                time.sleep(random.uniform(2.0, 3.5))
                srv.kill()  # mid-load: the threads are sending
                kills += 1
                check(load.stop(), f"cycle {cycle}: a load thread hung after the kill")
                srv.stop()
                loads.append(dict(load.counts))
                for u in load.unexpected[:5]:
                    check(False, f"cycle {cycle}: unexpected answer to POST /v1/reservations: {u}")
                print(f"cycle {cycle}: {load.counts}, {len(acked)} acknowledged so far",
                      flush=True)
                srv = harness.Server(data=data, port=srv.port, args=SERVER_ARGS)
                t0 = time.time()
                srv.start()
                restart_s = time.time() - t0
                retried, deduplicated = retry_cut(srv, load, acked, items, cycle)
                total_retried += retried
                total_deduplicated += deduplicated
                lost, oversold = verify(srv, items, acked, checked, cycle)
                total_lost += lost
                total_oversold += oversold
                print(f"cycle {cycle}: restart {restart_s:.1f} s, {len(load.cut)} cut requests "
                      f"retried ({retried} 201, {deduplicated} of them already applied), "
                      f"{len(acked)} checked, {lost} lost, {oversold} oversold", flush=True)
        finally:
            code = srv.stop()
        check(code == 0, f"SIGTERM after the last restart: exit code {code}, expected 0")
    elapsed = time.time() - started
    refused = sum(c["409"] for c in loads)
    print(f"server crash: {kills} kills, {len(acked)} acknowledged reservations checked, "
          f"{total_lost} lost, {total_oversold} oversold; {total_retried} cut requests retried "
          f"with their Idempotency-Key, {total_deduplicated} already applied, each item's holds "
          f"exactly once ({refused} refused insufficient_stock, {elapsed:.1f} s)")
    if FAILURES:
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
