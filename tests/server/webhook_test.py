#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""End-to-end test of inventory-server's webhooks and of its SSRF guard.

Goal: each subscribed event reaches the receiver as a signed POST (X-Inventory-Signature
t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, X-Inventory-Event-Id = the event's sequence,
X-Inventory-Subscription = the subscription id), in order per subscription; a failed delivery
(5xx, 3xx) is retried with backoff while later events wait; redirects are not followed;
deliveries survive a SIGKILL of the server (durable cursor: after a restart on the same data
directory the remaining events arrive, duplicates allowed, none lost, order kept); after DELETE a
subscription gets nothing more. Without --webhook-allow-private, registration refuses loopback,
private and link-local targets in every spelling (decimal, hex, octal, IPv6, IPv4-mapped) and
non-http(s) schemes with 400 error.field "url", and never contacts them.

Method: a receiver (http.server.ThreadingHTTPServer on 127.0.0.1 in a thread) records every
request per path and answers by a per-path plan (200, 500 for the first attempts of one event,
302 once, slow answers). The signature verifier is checked against a known-answer vector
(computed independently with `openssl dgst -sha256 -hmac`) and must reject a tampered body, a
stale timestamp and a wrong secret. Server A runs with --webhook-allow-private
--webhook-retry-base-ms 50; it is SIGKILLed and restarted on the same data directory and port.
Server B runs with the default (private targets refused). No traffic leaves loopback: every
accepted URL points at the local receiver, and refused URLs are only registered.

Scale: 5 subscriptions, about 45 stock events, one SIGKILL; runtime 10..25 s.
"""

import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

LOCATION = "hook-wh"
PRODUCT = "hook-p1"
SERVER_ARGS = ["--webhook-allow-private", "--webhook-retry-base-ms", "50", "--rate-limit", "0"]
SIGNATURE_TOLERANCE_S = 300

from harness import FAILURES, check, expect, changes_after, head_sequence, section  # noqa: E402





# ---------------------------------------------------------------------------------------------
# Signature verification (what a receiver does)


def verify_signature(secret, header, body, now, tolerance=SIGNATURE_TOLERANCE_S):
    """True if header is "t=<unix>,v1=<hex>" with a fresh t and v1 = HMAC-SHA256(secret,
    "<t>.<body>"). Any v1 may match (a server may send several while rotating secrets)."""
    if not header:
        return False
    t = None
    signatures = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                t = int(value)
            except ValueError:
                return False
        elif name == "v1":
            signatures.append(value)
    if t is None or not signatures or abs(now - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


def check_verifier():
    # Known answer: printf '%s' '1700000000.{"sequence":1}' | openssl dgst -sha256 -hmac whsec_test
    secret, t, body = "whsec_test", 1700000000, b'{"sequence":1}'
    known = "506b0af5c21bf33a1429cd4e619e008b729a2a89f256c29a1a834a3dfac6ae79"
    header = f"t={t},v1={known}"
    check(verify_signature(secret, header, body, now=t + 10),
          "verifier: rejects the known-answer vector")
    check(not verify_signature(secret, header, b'{"sequence":2}', now=t),
          "verifier: accepts a tampered body")
    check(not verify_signature(secret, header, body, now=t + 3600),
          "verifier: accepts a stale timestamp")
    check(not verify_signature("whsec_other", header, body, now=t),
          "verifier: accepts a wrong secret")
    check(not verify_signature(secret, f"t={t + 1},v1={known}", body, now=t),
          "verifier: accepts a changed timestamp")


# ---------------------------------------------------------------------------------------------
# The receiver


class Receiver:
    """Records every request per path; answers according to plans[path](delivery, earlier)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.requests = []  # dicts: path, method, headers, body, received_at, status
        self.plans = {}     # path -> function(record, earlier records of the path) -> status
        self.delays = {}    # path -> seconds to wait before answering
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(length) if length else b""
                path = self.path
                record = {"path": path, "method": self.command,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body, "received_at": time.time(), "status": None}
                with receiver.lock:
                    earlier = [r for r in receiver.requests if r["path"] == path]
                    plan = receiver.plans.get(path)
                    status, extra = (plan(record, earlier) if plan else (200, {}))
                    record["status"] = status
                    receiver.requests.append(record)
                    receiver.changed.notify_all()
                    delay = receiver.delays.get(path, 0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET = do_PUT = do_HEAD = _handle

            def log_message(self, *args):
                pass

        class QuietServer(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the sender was killed while we answered: expected in the crash part

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def count(self):
        with self.lock:
            return len(self.requests)

    def wait_for(self, predicate, timeout):
        """Waits until predicate() (called under the lock) is true; returns it."""
        deadline = time.time() + timeout
        with self.lock:
            while not predicate():
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.2))
            return True

    def acked_ids(self, path):
        """Event ids acknowledged (2xx) at path (from a snapshot: safe with or without the lock)."""
        return {int(r["headers"].get("x-inventory-event-id", -1)) for r in list(self.requests)
                if r["path"] == path and 200 <= r["status"] < 300}

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------
# REST helpers


def setup_catalog(admin):
    expect(admin.post("/v1/locations", {"locationId": LOCATION, "name": "Webhook warehouse",
                                        "type": "warehouse"}), (200, 201), "POST /v1/locations")
    expect(admin.post("/v1/products", {"productId": PRODUCT, "sku": f"SKU-{PRODUCT}",
                                       "name": "Webhook product",
                                       "price": {"amount": 500, "currency": "USD"}}),
           201, "POST /v1/products")
    adjust(admin, 100)


def adjust(client, adjustment, reason="webhook test"):
    return expect(client.post("/v1/inventory", {"productId": PRODUCT, "locationId": LOCATION,
                                                "adjustment": adjustment, "reason": reason}),
                  200, f"POST /v1/inventory {adjustment:+d}")


def bulk_adjust(client, count, reason):
    ops = [{"productId": PRODUCT, "locationId": LOCATION, "adjustment": 1, "reason": reason}]
    # Not atomic: an atomic batch merges its changes to one item into one event.
    expect(client.post("/v1/inventory/bulk-update", {"atomic": False, "operations": ops * count}),
           200, "POST /v1/inventory/bulk-update")




def subscribe(admin, url, events, secret=None):
    body = {"url": url, "events": events}
    if secret is not None:
        body["secret"] = secret
    sub = expect(admin.post("/v1/subscriptions/inventory", body), 201,
                 f"POST /v1/subscriptions/inventory {url}")
    check(isinstance(sub.get("subscriptionId"), str) and sub["subscriptionId"],
          f"subscription: no subscriptionId in {sub}")
    check(isinstance(sub.get("secret"), str) and len(sub["secret"]) >= 16,
          f"subscription: no usable secret in {sub}")
    if secret is not None:
        check(sub.get("secret") == secret,
              f"subscription: secret {sub.get('secret')!r}, expected the one given")
    return sub


# ---------------------------------------------------------------------------------------------
# Checks on what a path received


def check_deliveries(records, sub, events_by_seq, what, after=0):
    """Every request at the path is a correctly signed POST of one of the subscription's events."""
    for r in records:
        headers = r["headers"]
        event_id = headers.get("x-inventory-event-id")
        check(r["method"] == "POST", f"{what}: method {r['method']}")
        try:
            body = json.loads(r["body"])
        except ValueError:
            check(False, f"{what}: body is not JSON: {r['body'][:200]!r}")
            continue
        if not check(isinstance(body, dict), f"{what}: body is not one Event object: "
                                             f"{r['body'][:200]!r}"):
            continue
        check(event_id is not None and event_id.isdigit() and int(event_id) == body.get("sequence"),
              f"{what}: X-Inventory-Event-Id {event_id!r} but body.sequence {body.get('sequence')}")
        check(headers.get("x-inventory-subscription") == sub["subscriptionId"],
              f"{what}: X-Inventory-Subscription {headers.get('x-inventory-subscription')!r}, "
              f"expected {sub['subscriptionId']!r}")
        check(headers.get("content-type", "").startswith("application/json"),
              f"{what}: Content-Type {headers.get('content-type')!r}")
        check(verify_signature(sub["secret"], headers.get("x-inventory-signature"), r["body"],
                               now=int(r["received_at"])),
              f"{what}: signature {headers.get('x-inventory-signature')!r} does not verify for "
              f"event {event_id} (secret {sub['secret'][:8]}...)")
        seq = body.get("sequence", 0)
        if seq > after:
            want = events_by_seq.get(seq)
            if check(want is not None, f"{what}: delivered event {seq} ({body.get('type')}) is "
                                       f"not one of the subscribed events"):
                check(all(body.get(k) == want.get(k) for k in
                          ("type", "inventoryId", "productId", "locationId", "before", "after",
                           "delta")),
                      f"{what}: delivered {body} differs from /v1/changes {want}")


def delivered_ids(records):
    out = []
    for r in records:
        try:
            out.append(int(r["headers"].get("x-inventory-event-id", "-1")))
        except ValueError:
            out.append(-1)
    return out


def check_in_order(records, expected_ids, what):
    """At-least-once in order: a delivery of X comes only after every expected id below X was
    delivered (acknowledged) before it. Retries and post-restart repeats are allowed."""
    expected = sorted(expected_ids)
    acked = set()
    for r in records:
        x = int(r["headers"].get("x-inventory-event-id", "-1"))
        missing = [e for e in expected if e < x and e not in acked]
        if not check(not missing, f"{what}: event {x} delivered before {missing[:5]} were "
                                  f"acknowledged"):
            return False
        if 200 <= r["status"] < 300:
            acked.add(x)
    return True


# ---------------------------------------------------------------------------------------------
# Parts


class Context:
    pass


def part_deliveries(ctx):
    """Own and generated secrets, signatures, headers, order, retries, redirects."""
    admin, rx = ctx.admin, ctx.rx
    ctx.base = head_sequence(admin)
    ctx.sub_own = subscribe(admin, rx.url("/hook/own"), ["stock.adjusted"],
                            secret="whsec_own_secret_0123456789")
    ctx.sub_gen = subscribe(admin, rx.url("/hook/gen"), ["stock.adjusted"])
    ctx.sub_retry = subscribe(admin, rx.url("/hook/retry"), ["stock.adjusted"])

    # /hook/retry: the 2nd event gets one 302 (to a path that must never be asked), the 3rd
    # gets 500 three times; every other attempt 200.
    def retry_plan(record, earlier):
        event_id = record["headers"].get("x-inventory-event-id")
        distinct = []
        for r in earlier:
            e = r["headers"].get("x-inventory-event-id")
            if e not in distinct:
                distinct.append(e)
        if event_id not in distinct:
            distinct.append(event_id)
        ordinal = distinct.index(event_id) + 1
        attempts = sum(1 for r in earlier if r["headers"].get("x-inventory-event-id") == event_id)
        if ordinal == 2 and attempts < 1:
            return 302, {"Location": rx.url("/hook/redirected")}
        if ordinal == 3 and attempts < 3:
            return 500, {}
        return 200, {}

    rx.plans["/hook/retry"] = retry_plan
    for i in range(8):
        adjust(admin, 1 + i % 3, reason=f"delivery {i}")
    events = [e for e in changes_after(admin, ctx.base) if e["type"] == "stock.adjusted"]
    check(len(events) == 8, f"expected 8 stock.adjusted events, /v1/changes has {len(events)}")
    ctx.events_by_seq = {e["sequence"]: e for e in events}
    ids = sorted(ctx.events_by_seq)
    for path in ("/hook/own", "/hook/gen", "/hook/retry"):
        ok = rx.wait_for(lambda p=path: set(ids) <= rx.acked_ids(p), 20)
        check(ok, f"{path}: acknowledged {sorted(rx.acked_ids(path))} of {ids} within 20 s")
    for path, sub in (("/hook/own", ctx.sub_own), ("/hook/gen", ctx.sub_gen),
                      ("/hook/retry", ctx.sub_retry)):
        records = rx.at(path)
        check_deliveries(records, sub, ctx.events_by_seq, path, after=ctx.base)
        early = [x for x in delivered_ids(records) if x <= ctx.base]
        if early:
            print(f"note: {path} also got events from before the subscription: {early[:10]}")
        got = [x for x in delivered_ids(records) if x > ctx.base]
        check(all(a <= b for a, b in zip(got, got[1:])),
              f"{path}: deliveries out of order: {got}")
        check_in_order([r for r in records if int(r['headers'].get('x-inventory-event-id', 0))
                        > ctx.base], ids, path)
        if path != "/hook/retry":
            check(got == ids, f"{path}: delivered {got}, expected each of {ids} once")
    # Retries.
    records = [r for r in rx.at("/hook/retry")
               if int(r["headers"].get("x-inventory-event-id", 0)) > ctx.base]
    got = delivered_ids(records)
    second, third = ids[1], ids[2]
    check(got.count(second) == 2, f"/hook/retry: event {second} (302 once) delivered "
                                  f"{got.count(second)} times, expected 2")
    check(got.count(third) == 4, f"/hook/retry: event {third} (500 x3) delivered "
                                 f"{got.count(third)} times, expected 4")
    check(rx.at("/hook/redirected") == [], "/hook/retry: the server followed a 302 redirect")
    attempts = [r for r in records if int(r["headers"]["x-inventory-event-id"]) == third]
    if len(attempts) == 4:
        success_at = attempts[-1]["received_at"]
        later = [r for r in records if int(r["headers"]["x-inventory-event-id"]) > third]
        check(all(r["received_at"] >= success_at for r in later),
              "/hook/retry: a later event was delivered while an earlier one was failing")
        span = attempts[-1]["received_at"] - attempts[0]["received_at"]
        check(span < 10, f"/hook/retry: three retries took {span:.1f} s with a 50 ms base")
        ctx.retry_span = span
        stamps = [r["headers"].get("x-inventory-signature") for r in attempts]
        check(all(verify_signature(ctx.sub_retry["secret"], s, a["body"], int(a["received_at"]))
                  for s, a in zip(stamps, attempts)), "/hook/retry: a retry is not signed")
    ctx.deliveries_checked = sum(len(rx.at(p)) for p in ("/hook/own", "/hook/gen", "/hook/retry"))


def part_get_delete(ctx):
    admin, rx = ctx.admin, ctx.rx
    sub_id = ctx.sub_gen["subscriptionId"]
    got = expect(admin.get(f"/v1/subscriptions/inventory/{sub_id}"), 200,
                 f"GET /v1/subscriptions/inventory/{sub_id}")
    check(got.get("subscriptionId") == sub_id, f"GET subscription: {got}")
    check(got.get("url") == rx.url("/hook/gen"), f"GET subscription: url {got.get('url')!r}")
    check(got.get("events") == ["stock.adjusted"], f"GET subscription: events {got.get('events')}")
    r = admin.get("/v1/subscriptions/inventory/no-such-subscription")
    check(r.status == 404, f"GET /v1/subscriptions/inventory/no-such-subscription: {r.status}")
    viewer_key = expect(admin.post("/v1/api-keys", {"role": "viewer"}), 201,
                        "POST /v1/api-keys viewer")["key"]
    viewer = harness.Client(ctx.srv.url, viewer_key)
    r = viewer.get(f"/v1/subscriptions/inventory/{sub_id}")
    check(r.status == 403, f"GET subscription as viewer: {r.status}, expected 403")
    r = viewer.post("/v1/subscriptions/inventory", {"url": rx.url("/hook/viewer")})
    check(r.status == 403, f"POST subscription as viewer: {r.status}, expected 403")
    viewer.close()

    r = admin.delete(f"/v1/subscriptions/inventory/{sub_id}")
    check(r.status in (200, 204), f"DELETE /v1/subscriptions/inventory/{sub_id}: {r.status}")
    deleted_at = time.time()
    r = admin.get(f"/v1/subscriptions/inventory/{sub_id}")
    check(r.status == 404, f"GET after DELETE: {r.status}, expected 404")
    r = admin.delete(f"/v1/subscriptions/inventory/{sub_id}")
    check(r.status == 404, f"second DELETE: {r.status}, expected 404")
    with rx.lock:
        before = rx.acked_ids("/hook/own")
    for i in range(3):
        adjust(admin, 1, reason=f"after delete {i}")
    new = [e["sequence"] for e in changes_after(admin, max(before))
           if e["type"] == "stock.adjusted"]
    ok = rx.wait_for(lambda: set(new) <= rx.acked_ids("/hook/own"), 15)
    check(ok, "/hook/own: events after the DELETE of another subscription did not arrive")
    time.sleep(0.5)
    late = [r for r in rx.at("/hook/gen") if r["received_at"] >= deleted_at]
    check(not late, f"/hook/gen: {len(late)} deliveries after DELETE (ids "
                    f"{delivered_ids(late)})")


def part_kill_resume(ctx):
    """SIGKILL while deliveries are in progress; a restart on the same data resumes them."""
    admin, rx = ctx.admin, ctx.rx
    start = head_sequence(admin)
    sub = subscribe(admin, rx.url("/hook/resume"), ["stock.adjusted"])
    rx.delays["/hook/resume"] = 0.1
    count = 30
    bulk_adjust(admin, count, "before kill")
    expected = [e["sequence"] for e in changes_after(admin, start)
                if e["type"] == "stock.adjusted"]
    check(len(expected) == count, f"kill part: {len(expected)} events, expected {count}")
    ok = rx.wait_for(lambda: len([r for r in rx.requests if r["path"] == "/hook/resume"]) >= 6, 15)
    check(ok, "/hook/resume: fewer than 6 deliveries within 15 s")
    ctx.srv.kill()
    killed_at = time.time()
    before_kill = len(rx.at("/hook/resume"))
    ctx.srv.stop()
    rx.delays["/hook/resume"] = 0
    time.sleep(0.3)  # a delivery answered after the kill has nobody to read it
    ctx.srv = harness.Server(data=ctx.srv.data, port=ctx.srv.port, args=SERVER_ARGS)
    ctx.srv.start()
    ctx.restarts += 1
    ctx.admin.close()
    ctx.admin = admin = ctx.srv.client()
    r = admin.get(f"/v1/subscriptions/inventory/{sub['subscriptionId']}")
    check(r.status == 200, f"GET subscription after restart: {r.status}, expected 200")
    ok = rx.wait_for(lambda: set(expected) <= rx.acked_ids("/hook/resume"), 30)
    acked = rx.acked_ids("/hook/resume")
    check(ok, f"/hook/resume: after the restart {len(set(expected) - acked)} of {count} events "
              f"never arrived (missing {sorted(set(expected) - acked)[:10]})")
    records = rx.at("/hook/resume")
    check_deliveries(records, sub, {e["sequence"]: e for e in changes_after(admin, start)},
                     "/hook/resume", after=start)
    check_in_order(records, expected, "/hook/resume")
    ids = delivered_ids(records)
    ctx.resume = (before_kill, len(ids) - len(set(ids)), count)
    # The older subscription's cursor is durable too: it also gets all of these.
    ok = rx.wait_for(lambda: set(expected) <= rx.acked_ids("/hook/own"), 20)
    check(ok, "/hook/own: events made before the kill were not delivered after the restart")
    check_in_order([r for r in rx.at("/hook/own")
                    if int(r["headers"].get("x-inventory-event-id", 0)) > start],
                   expected, "/hook/own across the restart")
    print(f"kill: {before_kill} deliveries before SIGKILL at {killed_at:.1f}, "
          f"{len(ids)} in all, {len(ids) - len(set(ids))} duplicates")


SSRF_URLS = [
    "http://127.0.0.1:8080/x",
    "http://localhost/x",
    "http://[::1]/x",
    "http://2130706433/x",
    "http://0x7f.1/x",
    "http://0177.0.0.1/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://169.254.169.254/latest",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "ftp://example.com/",
]


def part_ssrf(ctx):
    """A server without --webhook-allow-private refuses private targets and contacts none."""
    rx = Receiver()
    refused = 0
    try:
        with harness.Server(args=["--webhook-retry-base-ms", "50", "--rate-limit", "0"]) as srv:
            admin = srv.client()
            # Registered on an empty journal: were one accepted by mistake, there would be no
            # event for it to deliver before it is deleted again below.
            urls = SSRF_URLS + [rx.url("/ssrf/ip"), f"http://localhost:{rx.port}/ssrf/name",
                                f"http://[::ffff:7f00:1]:{rx.port}/ssrf/mapped-hex",
                                f"http://127.1:{rx.port}/ssrf/short"]
            for url in urls:
                r = admin.post("/v1/subscriptions/inventory", {"url": url,
                                                                "events": ["stock.adjusted"]})
                body = r.json() if r.body else {}
                error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                ok = check(r.status == 400 and error.get("field") == "url",
                           f"SSRF: POST /v1/subscriptions/inventory {{\"url\": \"{url}\"}}: "
                           f"expected 400 with error.field \"url\", got {r.status} "
                           f"{r.body[:200]!r}")
                if ok:
                    refused += 1
                    check(error.get("code") == "invalid_argument",
                          f"SSRF: {url}: error.code {error.get('code')!r}")
                elif r.status == 201:
                    # Accepted by mistake: remove it again so that it cannot deliver anywhere.
                    admin.delete(f"/v1/subscriptions/inventory/{body.get('subscriptionId')}")
            setup_catalog(admin)
            adjust(admin, 1, reason="ssrf")
            time.sleep(1.0)
            check(rx.count() == 0, f"SSRF: the loopback receiver got {rx.count()} requests: "
                                   f"{[r['path'] for r in rx.requests]}")
    finally:
        rx.close()
    ctx.ssrf_refused = (refused, len(SSRF_URLS) + 4)


def main():
    started = time.time()
    ctx = Context()
    ctx.restarts = 0
    ctx.deliveries_checked = 0
    ctx.resume = None
    ctx.retry_span = None
    ctx.ssrf_refused = None
    section("signature verifier", check_verifier)
    ctx.rx = Receiver()
    ctx.srv = harness.Server(args=SERVER_ARGS)
    data_owner = ctx.srv
    try:
        ctx.srv.start()
        ctx.admin = ctx.srv.client()
        setup_catalog(ctx.admin)
        section("deliveries, signatures, retries", part_deliveries, ctx)
        section("GET/DELETE subscription", part_get_delete, ctx)
        section("SIGKILL and resume", part_kill_resume, ctx)
    finally:
        ctx.srv.stop()
        data_owner.cleanup()
        ctx.rx.close()
    section("SSRF", part_ssrf, ctx)
    elapsed = time.time() - started
    status = "ok" if not FAILURES else f"{len(FAILURES)} FAILURES"
    resume = (f"SIGKILL after {ctx.resume[0]} deliveries, all {ctx.resume[2]} events after "
              f"restart ({ctx.resume[1]} duplicates)" if ctx.resume else "kill/resume not checked")
    retry = f"500x3 retried in {ctx.retry_span:.2f} s" if ctx.retry_span is not None else "retry ?"
    ssrf = (f"SSRF {ctx.ssrf_refused[0]}/{ctx.ssrf_refused[1]} URLs refused"
            if ctx.ssrf_refused else "SSRF not checked")
    print(f"server webhooks: {status}: {ctx.deliveries_checked} deliveries signed and in order, "
          f"{retry}, 302 not followed, {resume}, {ssrf}, {elapsed:.1f} s")
    if FAILURES:
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
