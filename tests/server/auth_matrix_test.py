#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Authorization matrix of inventory-server: every route x every kind of caller.

Goal: for each route the server serves, the status class depends only on the caller's key as
docs/api.md says: role none routes never answer 401/403; no key, an unknown key or a revoked key
gets 401; a key whose role is too low gets 403; an operator key limited to another location gets
404 on routes that address an object of a location it cannot see (as if absent); every other
caller is allowed and, since each request is valid, gets a 2xx (101 for the WebSocket).

Method: the route list comes from `$INVENTORY_SERVER --print-routes`, so a new route cannot slip
through untested: a printed route without an entry in ROUTES below fails the run, as does a route
of docs/api.md's endpoint table the server does not print or prints with another role, and a
route whose printed `scoped` flag disagrees with the README's scoping rules. The test starts its
own server (harness.Server, --webhook-allow-private, rate limiting off) so keys can be created and
revoked freely, then creates with the bootstrap admin key: locations A and B, a product with stock
at A and B, a reservation at A, a webhook subscription to http://127.0.0.1:9/hook (never
delivered to anything but the loopback discard port), and keys: viewer, operator, admin, a
revoked admin key, and an operator key limited to B ("other_location"). Mutating routes get
fresh objects per call (a new reservation per confirm, a new product per delete, ...). A few
extra checks confirm that lists and the change feed filter out location A for the B key.

Scale: 35 routes x 7 keys = 245 cases plus about 150 setup requests; a few seconds. Prints
"auth matrix: R routes x 7 keys = N cases, F failures" and exits 1 on any failure, listing them.
"""

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DOCS_API = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "api.md")
KEYS = ["none", "bad", "revoked", "viewer", "operator", "admin", "other_location"]
RANK = {"none": 0, "viewer": 1, "operator": 2, "admin": 3}
LOC_A, LOC_B = "loc-a", "loc-b"
PRODUCT = "prod-1"
HOOK = "http://127.0.0.1:9/hook"  # The discard port on loopback: nothing is ever delivered.


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Case:
    """One request: path (params filled), JSON body, transport kind."""

    def __init__(self, path, body=None, kind="http", method=None):
        self.path = path
        self.body = body
        self.kind = kind  # http | sse | ws
        self.method = method


class World:
    """The objects the cases act on, created with the bootstrap admin key."""

    def __init__(self, server):
        self.server = server
        self.admin = server.client()
        self.failures = []
        self.keys = {}
        self.key_ids = {}

    def must(self, resp, status, what):
        if resp.status != status:
            raise RuntimeError(f"setup: {what}: expected {status}, got {resp.status} "
                               f"{resp.body[:300]!r}")
        return resp.json()

    def build(self):
        a = self.admin
        for loc, type_ in ((LOC_A, "warehouse"), (LOC_B, "store")):
            self.must(a.post("/v1/locations", {"locationId": loc, "name": loc, "type": type_}),
                      201, f"create location {loc}")
        self.must(a.post("/v1/products", {"productId": PRODUCT, "sku": "SKU-1", "name": "P"}),
                  201, "create product")
        item_a = self.must(a.post("/v1/inventory", {"productId": PRODUCT, "locationId": LOC_A,
                                                    "adjustment": 100000, "reason": "seed"}),
                           200, "stock at A")
        self.must(a.post("/v1/inventory", {"productId": PRODUCT, "locationId": LOC_B,
                                           "adjustment": 10, "reason": "seed"}), 200, "stock at B")
        self.item_a = item_a["inventoryId"]
        self.reservation = self.new_reservation()
        self.subscription = self.new_subscription()
        for role in ("viewer", "operator", "admin"):
            k = self.must(a.post("/v1/api-keys", {"role": role, "name": f"matrix {role}"}), 201,
                          f"create {role} key")
            self.keys[role] = k["key"]
            self.key_ids[role] = k["keyId"]
        k = self.must(a.post("/v1/api-keys", {"role": "admin", "name": "to revoke"}), 201,
                      "create the key to revoke")
        self.must(server_get(self.server, k["key"], "/v1/products"), 200,
                  "the key to revoke works before revocation")
        r = a.delete(f"/v1/api-keys/{k['keyId']}")
        if r.status not in (200, 204):
            raise RuntimeError(f"setup: revoke key: got {r.status} {r.body[:200]!r}")
        self.keys["revoked"] = k["key"]
        k = self.must(a.post("/v1/api-keys", {"role": "operator", "locations": [LOC_B],
                                              "name": "B only"}), 201, "create the B key")
        self.keys["other_location"] = k["key"]
        self.keys["none"] = ""
        self.keys["bad"] = "ik_nope.nope"

    # Fresh objects for the calls that consume them.
    def new_reservation(self):
        r = self.admin.post("/v1/reservations", {
            "lines": [{"productId": PRODUCT, "locationId": LOC_A, "quantity": 1}],
            "ttlSeconds": 3600, "reference": "matrix"})
        return self.must(r, 201, "create reservation")["reservationId"]

    def new_subscription(self):
        r = self.admin.post("/v1/subscriptions/inventory", {"url": HOOK,
                                                            "events": ["stock.adjusted"]})
        return self.must(r, 201, "create subscription")["subscriptionId"]

    def new_product(self):
        pid = unique("prod")
        self.must(self.admin.post("/v1/products", {"productId": pid, "sku": pid.upper(),
                                                   "name": "fresh"}), 201, "create product")
        return pid

    def new_location(self):
        lid = unique("loc")
        self.must(self.admin.post("/v1/locations", {"locationId": lid, "name": "fresh",
                                                    "type": "transit"}), 201, "create location")
        return lid

    def new_key(self):
        r = self.admin.post("/v1/api-keys", {"role": "viewer", "name": "fresh"})
        return self.must(r, 201, "create key")["keyId"]


def server_get(server, key, path):
    c = harness.Client(server.url, key)
    try:
        return c.get(path)
    finally:
        c.close()


# Every route the server may print: (method, path) -> (builder(world) -> Case, scoped per the
# README: the request addresses an object at a location, so a key limited to other locations
# gets 404). Builders that mutate get fresh objects where a call consumes its target.
ROUTES = {
    ("GET", "/v1/products"): (lambda w: Case("/v1/products?limit=5"), False),
    ("POST", "/v1/products"): (lambda w: Case("/v1/products", {
        "productId": (p := unique("prod")), "sku": p.upper(), "name": "new",
        "price": {"amount": 100, "currency": "USD"}}), False),
    ("GET", "/v1/products/{productId}"): (lambda w: Case(f"/v1/products/{PRODUCT}"), False),
    ("PUT", "/v1/products/{productId}"): (lambda w: Case(f"/v1/products/{PRODUCT}", {
        "sku": "SKU-1", "name": "renamed"}), False),
    ("DELETE", "/v1/products/{productId}"): (
        lambda w: Case(f"/v1/products/{w.new_product()}"), False),
    ("GET", "/v1/locations"): (lambda w: Case("/v1/locations"), False),
    ("POST", "/v1/locations"): (lambda w: Case("/v1/locations", {
        "locationId": unique("loc"), "name": "new", "type": "store"}), False),
    ("GET", "/v1/locations/{locationId}"): (lambda w: Case(f"/v1/locations/{LOC_A}"), True),
    ("PUT", "/v1/locations/{locationId}"): (lambda w: Case(f"/v1/locations/{LOC_A}", {
        "name": "A renamed", "type": "warehouse"}), True),
    ("DELETE", "/v1/locations/{locationId}"): (
        lambda w: Case(f"/v1/locations/{w.new_location()}"), True),
    ("GET", "/v1/inventory"): (lambda w: Case("/v1/inventory?limit=10"), False),
    ("POST", "/v1/inventory"): (lambda w: Case("/v1/inventory", {
        "productId": PRODUCT, "locationId": LOC_A, "adjustment": 1, "reason": "matrix"}), True),
    ("POST", "/v1/inventory/bulk-update"): (lambda w: Case("/v1/inventory/bulk-update", {
        "atomic": True, "operations": [{"productId": PRODUCT, "locationId": LOC_A,
                                        "adjustment": 1}]}), True),
    ("GET", "/v1/inventory/{inventoryId}"): (lambda w: Case(f"/v1/inventory/{w.item_a}"), True),
    ("PATCH", "/v1/inventory/{inventoryId}"): (lambda w: Case(f"/v1/inventory/{w.item_a}", {
        "lowStockThreshold": 1}), True),
    ("GET", "/v1/inventory/{inventoryId}/history"): (
        lambda w: Case(f"/v1/inventory/{w.item_a}/history?limit=5"), True),
    ("POST", "/v1/reservations"): (lambda w: Case("/v1/reservations", {
        "lines": [{"productId": PRODUCT, "locationId": LOC_A, "quantity": 1}],
        "ttlSeconds": 600, "reference": "matrix"}), True),
    ("GET", "/v1/reservations/{reservationId}"): (
        lambda w: Case(f"/v1/reservations/{w.reservation}"), True),
    ("POST", "/v1/reservations/{reservationId}/confirm"): (
        lambda w: Case(f"/v1/reservations/{w.new_reservation()}/confirm"), True),
    ("POST", "/v1/reservations/{reservationId}/release"): (
        lambda w: Case(f"/v1/reservations/{w.new_reservation()}/release"), True),
    ("POST", "/v1/reservations/{reservationId}/extend"): (
        lambda w: Case(f"/v1/reservations/{w.reservation}/extend", {"ttlSeconds": 3600}), True),
    ("POST", "/v1/transfers"): (lambda w: Case("/v1/transfers", {
        "productId": PRODUCT, "fromLocationId": LOC_A, "toLocationId": LOC_B,
        "quantity": 1}), True),
    ("GET", "/v1/changes"): (lambda w: Case("/v1/changes?after=0&limit=10"), False),
    ("GET", "/v1/stream"): (lambda w: Case("/v1/stream?after=0", kind="sse"), False),
    ("GET", "/v1/ws"): (lambda w: Case("/v1/ws?after=0", kind="ws"), False),
    ("POST", "/v1/subscriptions/inventory"): (lambda w: Case("/v1/subscriptions/inventory", {
        "url": HOOK}), False),
    ("GET", "/v1/subscriptions/inventory/{subscriptionId}"): (
        lambda w: Case(f"/v1/subscriptions/inventory/{w.subscription}"), False),
    ("DELETE", "/v1/subscriptions/inventory/{subscriptionId}"): (
        lambda w: Case(f"/v1/subscriptions/inventory/{w.new_subscription()}"), False),
    ("POST", "/v1/api-keys"): (lambda w: Case("/v1/api-keys", {"role": "viewer"}), False),
    ("DELETE", "/v1/api-keys/{keyId}"): (lambda w: Case(f"/v1/api-keys/{w.new_key()}"), False),
    ("GET", "/healthz"): (lambda w: Case("/healthz"), False),
    ("GET", "/readyz"): (lambda w: Case("/readyz"), False),
    ("GET", "/metrics"): (lambda w: Case("/metrics"), False),
    ("GET", "/openapi.json"): (lambda w: Case("/openapi.json"), False),
    ("GET", "/"): (lambda w: Case("/"), False),
}


def documented_routes():
    """{(method, path): role} from docs/api.md's endpoint table."""
    out = {}
    with open(DOCS_API) as f:
        table = f.read().split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[1].startswith("/"):
            continue
        methods = [m.strip() for m in cells[0].split(",")]
        roles = [r.strip() for r in cells[2].split(",")]
        if len(roles) == 1:
            roles = roles * len(methods)
        for path in (p.strip() for p in cells[1].split(",")):
            for method, role in zip(methods, roles):
                out[(method, path)] = role
    return out


def expected(route, key):
    """'allowed', 401, 403 or 404."""
    if route["role"] == "none":
        return "allowed"
    if key in ("none", "bad", "revoked"):
        return 401
    key_role = "operator" if key == "other_location" else key
    if RANK[key_role] < RANK[route["role"]]:
        return 403
    if key == "other_location" and route["scoped"]:
        return 404
    return "allowed"


def send(server, key, method, case):
    """Returns (status, body bytes, headers)."""
    host, port = "127.0.0.1", server.port
    headers = {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if case.kind == "sse":
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request("GET", case.path, headers=dict(headers, Accept="text/event-stream"))
            r = conn.getresponse()
            body = r.read() if r.status != 200 else b""  # 200: a stream; do not wait on it.
            return r.status, body, {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()
    if case.kind == "ws":
        sock = socket.create_connection((host, port), timeout=10)
        try:
            lines = [f"GET {case.path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                     "Connection: Upgrade",
                     "Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode(),
                     "Sec-WebSocket-Version: 13"] + [f"{k}: {v}" for k, v in headers.items()]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            hl = head.decode("latin-1").split("\r\n")
            status = int(hl[0].split()[1]) if hl and len(hl[0].split()) > 1 else -1
            hdrs = {}
            for ln in hl[1:]:
                k, _, v = ln.partition(":")
                hdrs[k.strip().lower()] = v.strip()
            length = int(hdrs.get("content-length", "0") or 0)
            while status != 101 and len(rest) < length:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
            return status, rest if status != 101 else b"", hdrs
        finally:
            sock.close()
    c = harness.Client(server.url, key)
    try:
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers_extra = {"Idempotency-Key": uuid.uuid4().hex}
        else:
            headers_extra = None
        r = c.request(method, case.path, body=case.body, headers=headers_extra)
        return r.status, r.body, r.headers
    finally:
        c.close()


def judge(route, key, want, status, body, headers):
    """None if the answer is right, else why not."""
    def error_code():
        try:
            return (json.loads(body).get("error") or {}).get("code")
        except (ValueError, AttributeError):
            return None
    if not headers.get("x-request-id"):
        return "no X-Request-Id header"
    if want == "allowed":
        good = status == 101 if route["path"] == "/v1/ws" else 200 <= status < 300
        if not good:
            return f"expected allowed (2xx{', 101' if route['path'] == '/v1/ws' else ''})"
        return None
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
    if status != want:
        return f"expected {want} {codes[want]}"
    if error_code() != codes[want]:
        return f"expected error.code {codes[want]}, got {error_code()!r}"
    return None


def main():
    binary = harness.server_binary()
    out = subprocess.run([binary, "--print-routes"], capture_output=True, text=True, timeout=30)
    failures = []
    try:
        routes = json.loads(out.stdout)
    except ValueError:
        print(f"auth matrix: --print-routes printed no JSON (exit {out.returncode}): "
              f"{out.stdout[:200]!r} {out.stderr[:200]!r}")
        return 1
    for r in routes:
        if not (set(r) >= {"method", "path", "role", "scoped"} and r["role"] in RANK and
                isinstance(r["scoped"], bool)):
            failures.append(f"--print-routes entry malformed: {r}")
    routes = [r for r in routes if set(r) >= {"method", "path", "role", "scoped"}]
    printed = {(r["method"], r["path"]): r for r in routes}
    untested = [f"{m} {p}" for (m, p) in printed if (m, p) not in ROUTES]
    if untested:
        failures.append(f"routes printed by --print-routes without an entry in ROUTES "
                        f"(add one to auth_matrix_test.py): {untested}")
    for (m, p), role in documented_routes().items():
        if (m, p) not in printed:
            failures.append(f"docs/api.md route {m} {p} is not in --print-routes")
        elif printed[(m, p)]["role"] != role:
            failures.append(f"{m} {p}: --print-routes says role {printed[(m, p)]['role']}, "
                            f"docs/api.md says {role}")
    for (m, p), r in printed.items():
        if (m, p) in ROUTES and ROUTES[(m, p)][1] != r["scoped"]:
            failures.append(f"{m} {p}: --print-routes says scoped={r['scoped']}, the README's "
                            f"scoping rules say {ROUTES[(m, p)][1]}")

    cases = 0
    started = time.time()
    with harness.Server(args=["--webhook-allow-private", "--rate-limit", "0"]) as server:
        world = World(server)
        world.build()
        # Deleting routes last, so the shared objects stay for every other route.
        order = sorted((r for r in routes if (r["method"], r["path"]) in ROUTES),
                       key=lambda r: r["method"] == "DELETE")
        for route in order:
            builder, _ = ROUTES[(route["method"], route["path"])]
            for key in KEYS:
                case = builder(world)
                want = expected(route, key)
                try:
                    status, body, headers = send(server, world.keys[key], route["method"], case)
                except (OSError, http.client.HTTPException) as error:
                    status, body, headers = -1, repr(error).encode(), {}
                cases += 1
                why = judge(route, key, want, status, body, headers)
                if why:
                    failures.append(f"{route['method']} {route['path']} as {key} "
                                    f"[{route['method']} {case.path} "
                                    f"{json.dumps(case.body) if case.body else ''}]: {why}; "
                                    f"got {status} {body[:200]!r}")

        # Scope filtering on the unscoped reads: the B key never sees location A.
        b = harness.Client(server.url, world.keys["other_location"])
        checks = [
            ("/v1/inventory?limit=1000", "items", "locationId"),
            (f"/v1/inventory?locationId={LOC_A}", "items", "locationId"),
            ("/v1/changes?after=0&limit=1000", "events", "locationId"),
            ("/v1/locations?limit=1000", "items", "locationId"),
        ]
        for path, field, loc_field in checks:
            r = b.get(path)
            cases += 1
            try:
                listed = r.json().get(field) or []
            except (ValueError, AttributeError):
                listed = None
            if r.status != 200 or listed is None:
                failures.append(f"GET {path} as other_location: expected 200, got {r.status} "
                                f"{r.body[:200]!r}")
            elif any(x.get(loc_field) == LOC_A for x in listed):
                failures.append(f"GET {path} as other_location: lists objects of location A")
            elif path.startswith("/v1/inventory?limit") and not any(
                    x.get(loc_field) == LOC_B for x in listed):
                failures.append(f"GET {path} as other_location: does not list its own "
                                f"location B")
        b.close()
        world.admin.close()

    for f in failures:
        print("FAIL", f)
    print(f"auth matrix: {len(order)} routes x {len(KEYS)} keys = {len(order) * len(KEYS)} "
          f"cases (+{cases - len(order) * len(KEYS)} scope filter checks), {len(failures)} "
          f"failures ({time.time() - started:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
