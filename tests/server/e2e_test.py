#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""End-to-end route tests of inventory-server against the REST contract (docs/api.md) and the
server's documented choices (examples/server/README.md).

Goal: every route of docs/api.md answers its happy path and its documented errors with the
documented status codes, JSON shapes (exact field names), error object and headers, and a
refused request changes nothing.

Method: runs against the shared ctest fixture server (harness.fixture(); fixture.py starts it with
--webhook-allow-private --rate-limit 0) with the bootstrap admin key, so every id it creates
carries a per-run uuid and every check reads only its own objects. Sections (products,
locations, inventory, bulk, history, reservations, transfers, changes, streams, subscriptions,
api keys, strict validation, idempotency, request ids, meta endpoints) run one after another;
a failing check is recorded with its request, expectation and answer, and the run goes on. At
the end every route of docs/api.md's endpoint table must have been called at least once.
Nothing connects beyond 127.0.0.1 (the one webhook URL registered is http://127.0.0.1:9/hook,
the discard port, and it is deleted again at once).

Scale: about 430 requests and 2,000 checks, one 1.1 MiB body, 15 rounds of two concurrent keyed
requests, one 1.2 s wait for a reservation to expire; about 3 s on two cores. Prints
"e2e: R of R documented routes, C checks, Q requests, F failures (...)" and exits 1 on any
failure. Section names given as arguments (e.g. `e2e_test.py bulk history`) run only those.
"""

import base64
import hashlib
import json
import os
import re
import select
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RUN = uuid.uuid4().hex[:10]
DOCS_API = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "api.md")

PRODUCT_FIELDS = {"productId", "sku", "name", "description", "price", "attributes", "createdAt",
                  "updatedAt", "version"}
LOCATION_FIELDS = {"locationId", "name", "type", "attributes"}
ITEM_FIELDS = {"inventoryId", "productId", "locationId", "stockLevel", "reservedStock",
               "availableStock", "safetyStock", "lowStockThreshold", "backorderLimit",
               "lastUpdated", "version"}
RESERVATION_FIELDS = {"reservationId", "state", "lines", "reference", "expiresAt", "createdAt"}
LINE_FIELDS = {"productId", "locationId", "quantity"}
EVENT_FIELDS = {"sequence", "type", "inventoryId", "productId", "locationId", "before", "after",
                "delta", "reason", "reference", "actor", "requestId", "occurredAt", "recordedAt"}
KEY_FIELDS = {"keyId", "key", "role", "locations", "name", "createdAt"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text):
    """Seconds since the epoch of an RFC 3339 UTC time (as the server writes them)."""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$", text or "")
    if not m:
        return None
    import calendar
    fields = [int(x) for x in m.groups()[:6]]
    frac = float(m.group(7)) if m.group(7) else 0.0
    return calendar.timegm((fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
                            0, 0, 0)) + frac


def new_key():
    return "e2e-" + uuid.uuid4().hex


# --------------------------------------------------------------------------------------------
# Route table of docs/api.md, for coverage.

def documented_routes():
    """[(method, path)] from the endpoint table of docs/api.md."""
    routes = []
    with open(DOCS_API) as f:
        text = f.read()
    table = text.split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[1].startswith("/"):
            continue
        methods = [m.strip() for m in cells[0].split(",")]
        for path in (p.strip() for p in cells[1].split(",")):
            for method in methods:
                routes.append((method, path))
    return routes


def route_regex(path):
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")


# --------------------------------------------------------------------------------------------
# Bookkeeping: checks, failures, requests, route coverage.

class Suite:
    def __init__(self, url, admin_key):
        self.url = url
        self.admin_key = admin_key
        self.checks = 0
        self.failures = []
        self.requests = 0
        self.section = ""
        self.last = None  # (method, path, body excerpt)
        self.routes = documented_routes()
        self.route_res = [(m, p, route_regex(p)) for m, p in self.routes]
        self.covered = set()
        self.lock = threading.Lock()

    def client(self, key=None):
        return TracingClient(self, self.url, self.admin_key if key is None else key)

    def note(self, method, path, body, raw, resp):
        with self.lock:
            self.requests += 1
            if raw is not None:
                excerpt = raw[:120].decode("latin-1") + (f"...({len(raw)} bytes)"
                                                         if len(raw) > 120 else "")
            elif body is not None:
                excerpt = json.dumps(body)
                if len(excerpt) > 300:
                    excerpt = excerpt[:300] + "..."
            else:
                excerpt = ""
            self.last = (method, path, excerpt)
            bare = path.split("?", 1)[0]
            for m, p, rx in self.route_res:
                if m == method and rx.match(bare):
                    self.covered.add((m, p))
                    break

    def cover(self, method, path):
        with self.lock:
            self.covered.add((method, path))

    def check(self, condition, what, resp=None):
        with self.lock:
            self.checks += 1
            if condition:
                return True
            where = ""
            if self.last:
                m, p, b = self.last
                where = f" [request: {m} {p} {b}]"
            got = f" [got: {resp.status} {resp.body[:400]!r}]" if resp is not None else ""
            self.failures.append(f"{self.section}: {what}{where}{got}")
            return False

    # ---- expectations on responses ----

    def ok(self, resp, statuses, what):
        """Checks a success status; returns the JSON body (or None)."""
        if isinstance(statuses, int):
            statuses = (statuses,)
        if not self.check(resp.status in statuses, f"{what}: expected {statuses}", resp):
            try:
                return resp.json()
            except ValueError:
                return None
        self.request_id_present(resp, what)
        try:
            return resp.json()
        except ValueError:
            self.check(False, f"{what}: body is not JSON", resp)
            return None

    def request_id_present(self, resp, what):
        self.check(bool(resp.headers.get("x-request-id")), f"{what}: X-Request-Id header missing",
                   resp)

    def error(self, resp, status, code=None, field=None, what="", extra_ok=()):
        """Checks docs/api.md's error object; code and field may be tuples of alternatives or
        (field) a callable."""
        statuses = status if isinstance(status, tuple) else (status,)
        self.check(resp.status in statuses, f"{what}: expected status {status}", resp)
        rid = resp.headers.get("x-request-id")
        self.check(bool(rid), f"{what}: X-Request-Id header missing on an error", resp)
        try:
            body = resp.json()
        except ValueError:
            body = None
        err = body.get("error") if isinstance(body, dict) else None
        if not self.check(isinstance(err, dict), f"{what}: no error object", resp):
            return {}
        self.check(isinstance(err.get("code"), str) and re.match(r"^[a-z][a-z0-9_]*$",
                                                                  err.get("code", "")),
                   f"{what}: error.code is not snake_case", resp)
        self.check(isinstance(err.get("message"), str), f"{what}: error.message missing", resp)
        self.check(err.get("requestId") == rid,
                   f"{what}: error.requestId {err.get('requestId')!r} != X-Request-Id {rid!r}",
                   resp)
        extra = set(err) - {"code", "message", "field", "requestId"} - set(extra_ok)
        self.check(not extra, f"{what}: unexpected error fields {sorted(extra)}", resp)
        if code is not None:
            codes = code if isinstance(code, tuple) else (code,)
            self.check(err.get("code") in codes, f"{what}: expected error.code {code}", resp)
        if field is not None:
            if callable(field):
                good = field(err.get("field"))
            else:
                fields = field if isinstance(field, tuple) else (field,)
                good = err.get("field") in fields
            self.check(good, f"{what}: expected error.field {field!r}, got {err.get('field')!r}",
                       resp)
        return err

    def fields(self, obj, expected, what, resp=None):
        if not self.check(isinstance(obj, dict), f"{what}: not a JSON object", resp):
            return False
        missing = expected - set(obj)
        return self.check(not missing, f"{what}: missing fields {sorted(missing)} "
                          f"(has {sorted(obj)})", resp)


class TracingClient(harness.Client):
    def __init__(self, suite, url, key):
        super().__init__(url, key)
        self.suite = suite

    def request(self, method, path, body=None, headers=None, raw=None):
        resp = super().request(method, path, body=body, headers=headers, raw=raw)
        self.suite.note(method, path, body, raw, resp)
        return resp


# --------------------------------------------------------------------------------------------
# The sections.

class E2E:
    def __init__(self, suite):
        self.s = suite
        self.admin = suite.client()
        self.l1 = f"e2e-{RUN}-wh"
        self.l2 = f"e2e-{RUN}-st"

    # ---- helpers ----

    def product_body(self, tag, **over):
        body = {"productId": f"e2e-{RUN}-{tag}", "sku": f"E2E-{RUN}-{tag}".upper(),
                "name": f"Product {tag}", "description": "made by e2e_test.py",
                "price": {"amount": 4999, "currency": "USD"},
                "attributes": {"shade": "beige", "size": "30ml"}}
        body.update(over)
        return body

    def make_product(self, tag, **over):
        body = self.product_body(tag, **over)
        r = self.admin.post("/v1/products", body, headers={"Idempotency-Key": new_key()})
        self.s.ok(r, 201, f"create product {tag}")
        return body["productId"]

    def make_location(self, location_id, type_="warehouse"):
        r = self.admin.post("/v1/locations", {"locationId": location_id, "name": location_id,
                                              "type": type_, "attributes": {"city": "Paris"}})
        self.s.ok(r, 201, f"create location {location_id}")
        return location_id

    def adjust(self, product, location, delta, reason="e2e", client=None, headers=None, **extra):
        body = {"productId": product, "locationId": location, "adjustment": delta,
                "reason": reason}
        body.update(extra)
        return (client or self.admin).post("/v1/inventory", body, headers=headers)

    def stock(self, product, location, delta, what="seed stock"):
        item = self.s.ok(self.adjust(product, location, delta, reason="restock"), 200, what)
        return item or {}

    def item(self, inventory_id):
        r = self.admin.get(f"/v1/inventory/{inventory_id}")
        return self.s.ok(r, 200, "get item") or {}

    def find_item(self, product, location):
        r = self.admin.get("/v1/inventory?" + urllib.parse.urlencode(
            {"productId": product, "locationId": location}))
        body = self.s.ok(r, 200, "list inventory by product and location") or {}
        items = body.get("items") or []
        return items[0] if items else None

    def reserve(self, lines, ttl=900, reference="order-1", headers=None, client=None):
        return (client or self.admin).post(
            "/v1/reservations", {"lines": lines, "ttlSeconds": ttl, "reference": reference},
            headers=headers)

    def walk(self, path, limit, max_pages=200, key="items"):
        """Follows nextCursor; returns (items, pages)."""
        items, cursor, pages = [], None, 0
        sep = "&" if "?" in path else "?"
        while pages < max_pages:
            q = f"{path}{sep}limit={limit}"
            if cursor:
                q += "&cursor=" + urllib.parse.quote(cursor, safe="")
            r = self.admin.get(q)
            body = self.s.ok(r, 200, f"page {pages} of {path}") or {}
            pages += 1
            if not self.s.check("nextCursor" in body, f"{path}: nextCursor missing", r):
                break
            got = body.get(key) or []
            self.s.check(len(got) <= limit, f"{path}: page longer than limit {limit}", r)
            items += got
            cursor = body.get("nextCursor")
            if cursor is None:
                break
            self.s.check(isinstance(cursor, str) and cursor, f"{path}: nextCursor not a string",
                         r)
        return items, pages

    def setup(self):
        self.make_location(self.l1)
        self.make_location(self.l2, "store")

    # ---- meta ----

    def test_meta(self):
        c = self.s.client("")
        for path in ("/healthz", "/readyz"):
            r = c.get(path)
            self.s.check(r.status == 200, f"GET {path} without a key: 200", r)
            self.s.request_id_present(r, path)
        r = c.get("/openapi.json")
        self.s.check(r.status == 200, "GET /openapi.json: 200", r)
        try:
            spec = r.json()
        except ValueError:
            spec = None
        if self.s.check(isinstance(spec, dict) and str(spec.get("openapi", "")).startswith("3."),
                        "openapi.json is JSON with openapi 3.x", r):
            paths = spec.get("paths") or {}
            norm = {re.sub(r"\{[^}]*\}", "{}", p): {k.upper() for k in v}
                    for p, v in paths.items() if isinstance(v, dict)}
            missing = [f"{m} {p}" for m, p in self.s.routes
                       if m.upper() not in norm.get(re.sub(r"\{[^}]*\}", "{}", p), set())]
            self.s.check(not missing, f"openapi.json describes every documented route; "
                         f"missing {len(missing)}: {missing}")
        # Some traffic first, so the per-route series exist.
        self.admin.get("/v1/products?limit=1")
        r = c.get("/metrics")
        self.s.check(r.status == 200, "GET /metrics: 200", r)
        self.s.check(r.headers.get("content-type", "").startswith("text/plain"),
                     "metrics content type text/plain", r)
        text = r.body.decode("utf-8", "replace")
        names = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)", text, re.M))
        types = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
        http_counters = [n for n in names if "http" in n and "request" in n]
        self.s.check(http_counters, "metrics: an HTTP request counter (name with http, request)",
                     r)
        http_hist = [n for n, t in types.items() if t == "histogram" and "http" in n]
        self.s.check(http_hist, "metrics: an HTTP latency histogram", r)
        self.s.check(re.search(r'^\S*http\S*\{[^}]*route="', text, re.M),
                     "metrics: HTTP series labelled per route", r)
        for engine_metric in ("inventory_operations_total", "inventory_oversell_rejected_total",
                              "inventory_journal_sync_seconds_bucket"):
            self.s.check(engine_metric in names, f"metrics: engine metric {engine_metric}", r)

    # ---- request ids ----

    def test_request_ids(self):
        rid = f"e2e-rid-{uuid.uuid4().hex}"
        r = self.admin.get("/v1/products?limit=1", headers={"X-Request-Id": rid})
        self.s.check(r.headers.get("x-request-id") == rid, "X-Request-Id echoed on 200", r)
        r1 = self.admin.get("/v1/products?limit=1")
        r2 = self.admin.get("/v1/products?limit=1")
        g1, g2 = r1.headers.get("x-request-id"), r2.headers.get("x-request-id")
        self.s.check(g1 and g2 and g1 != g2, "X-Request-Id generated, distinct per request", r2)
        rid = f"e2e-rid-{uuid.uuid4().hex}"
        r = self.admin.get(f"/v1/products/e2e-{RUN}-missing", headers={"X-Request-Id": rid})
        err = self.s.error(r, 404, "not_found", what="missing product")
        self.s.check(r.headers.get("x-request-id") == rid and err.get("requestId") == rid,
                     "X-Request-Id echoed on an error and in error.requestId", r)
        r = self.s.client("").get("/v1/products", headers={"X-Request-Id": rid})
        self.s.error(r, 401, "unauthenticated", what="no key")
        self.s.check(r.headers.get("x-request-id") == rid, "X-Request-Id echoed on 401", r)
        r = self.s.client("").get("/v1/products")
        self.s.error(r, 401, "unauthenticated", what="no key, no request id")
        r = self.s.client("ik_nope.nope").get("/v1/products")
        self.s.error(r, 401, "unauthenticated", what="bad key")
        r = self.admin.get(f"/v1/nothing-here-{RUN}")
        self.s.error(r, 404, what="unknown path")

    # ---- products ----

    def test_products(self):
        s, a = self.s, self.admin
        body = self.product_body("p1")
        r = a.post("/v1/products", body)
        p = s.ok(r, 201, "create product")
        if s.fields(p, PRODUCT_FIELDS, "product", r):
            for k in ("productId", "sku", "name", "description", "price", "attributes"):
                s.check(p[k] == body[k], f"product.{k} as sent", r)
            s.check(RFC3339.match(str(p["createdAt"])) and RFC3339.match(str(p["updatedAt"])),
                    "product times are RFC 3339", r)
        r = a.get(f"/v1/products/{body['productId']}")
        got = s.ok(r, 200, "get product")
        s.check(got == p, "GET returns what POST returned", r)

        # Duplicates: same productId, same sku.
        r = a.post("/v1/products", dict(body, sku=body["sku"] + "-2"))
        s.error(r, 409, "already_exists", what="duplicate productId")
        r = a.post("/v1/products", dict(body, productId=body["productId"] + "-2"))
        s.error(r, 409, "already_exists", what="duplicate sku")
        r = a.get(f"/v1/products/{body['productId']}-2")
        s.error(r, 404, "not_found", what="refused duplicate was not created")
        r = a.get(f"/v1/products/{body['productId']}")
        s.check(r.status == 200 and r.json() == p, "refused duplicates left the product as is", r)

        # Lookup by sku.
        r = a.get("/v1/products?sku=" + urllib.parse.quote(body["sku"]))
        lst = s.ok(r, 200, "list by sku") or {}
        s.check([x.get("productId") for x in lst.get("items", [])] == [body["productId"]],
                "?sku= finds exactly the product", r)
        s.check("nextCursor" in lst and lst.get("nextCursor") is None,
                "?sku= nextCursor null", r)
        r = a.get("/v1/products?sku=" + urllib.parse.quote(f"E2E-{RUN}-NONE"))
        lst = s.ok(r, 200, "list by unknown sku") or {}
        s.check(lst.get("items") == [] and lst.get("nextCursor") is None,
                "unknown sku: empty page", r)

        # PUT: replace with the current version, then with a stale one.
        put = {k: body[k] for k in ("sku", "description", "price", "attributes")}
        put.update(name="Product p1 v2", version=p.get("version"))
        r = a.put(f"/v1/products/{body['productId']}", put)
        p2 = s.ok(r, 200, "PUT product with current version") or {}
        s.check(p2.get("name") == "Product p1 v2" and p2.get("version") != p.get("version"),
                "PUT replaced the name and bumped the version", r)
        s.fields(p2, PRODUCT_FIELDS, "PUT product", r)
        r = a.put(f"/v1/products/{body['productId']}", dict(put, name="stale"))
        s.error(r, 409, "version_conflict", what="PUT with a stale version")
        r = a.get(f"/v1/products/{body['productId']}")
        s.check(r.status == 200 and r.json().get("name") == "Product p1 v2",
                "stale PUT changed nothing", r)
        r = a.put(f"/v1/products/{body['productId']}",
                  {k: v for k, v in dict(put, name="Product p1 v3").items() if k != "version"})
        s.check(r.status == 200 and (r.json() or {}).get("name") == "Product p1 v3",
                "PUT without version replaces", r)
        other = self.make_product("p1-other")
        r = a.put(f"/v1/products/{other}", {"sku": body["sku"], "name": "steals the sku"})
        s.error(r, 409, "already_exists", what="PUT taking another product's sku")
        r = a.get(f"/v1/products/{other}")
        s.check(r.status == 200 and
                (r.json() or {}).get("sku") == f"E2E-{RUN}-P1-OTHER".upper(),
                "refused PUT kept the sku", r)
        r = a.put(f"/v1/products/{body['productId']}", dict(put, bogus=1, version=None))
        s.error(r, 400, "invalid_argument", "bogus", what="PUT unknown field")

        # Paging over the whole catalog, and a short page.
        tags = ["pa", "pb", "pc"]
        for t in tags:
            self.make_product(t)
        items, pages = self.walk("/v1/products", 1000)
        ids = [x.get("productId") for x in items]
        s.check(len(ids) == len(set(ids)), "products paging: no duplicates")
        s.check(all(f"e2e-{RUN}-{t}" in ids for t in tags + ["p1"]),
                "products paging: every product found")
        r = a.get("/v1/products?limit=2")
        first = s.ok(r, 200, "products limit=2") or {}
        s.check(len(first.get("items", [])) == 2 and first.get("nextCursor"),
                "limit=2: two products and a cursor", r)
        if first.get("nextCursor"):
            r = a.get("/v1/products?limit=2&cursor=" +
                      urllib.parse.quote(first["nextCursor"], safe=""))
            second = s.ok(r, 200, "products second page") or {}
            overlap = ({x.get("productId") for x in first.get("items", [])} &
                       {x.get("productId") for x in second.get("items", [])})
            s.check(not overlap, "second page does not repeat the first", r)

        # DELETE: refused while stock is held, then forced; a product without stock.
        pd = self.make_product("pdel")
        item = self.stock(pd, self.l1, 5)
        r = a.delete(f"/v1/products/{pd}")
        s.check(r.status == 409, "DELETE product with stock: 409 (any code)", r)
        if r.status == 409:
            s.error(r, 409, what="DELETE product with stock")
        r = a.get(f"/v1/products/{pd}")
        s.check(r.status == 200, "refused DELETE kept the product", r)
        r = a.delete(f"/v1/products/{pd}?force=true")
        s.check(r.status in (200, 204), "DELETE ?force=true: 2xx", r)
        r = a.get(f"/v1/products/{pd}")
        s.error(r, 404, "not_found", what="forced DELETE removed the product")
        if item.get("inventoryId"):
            r = a.get(f"/v1/inventory/{item['inventoryId']}")
            s.error(r, 404, "not_found", what="forced DELETE removed its items")
        pe = self.make_product("pempty")
        r = a.delete(f"/v1/products/{pe}")
        s.check(r.status in (200, 204), "DELETE product without stock: 2xx", r)
        r = a.delete(f"/v1/products/{pe}")
        s.error(r, 404, "not_found", what="DELETE a deleted product")

    # ---- locations ----

    def test_locations(self):
        s, a = self.s, self.admin
        r = a.get(f"/v1/locations/{self.l1}")
        loc = s.ok(r, 200, "get location") or {}
        s.fields(loc, LOCATION_FIELDS, "location", r)
        s.check(loc.get("type") == "warehouse" and loc.get("attributes") == {"city": "Paris"},
                "location as created", r)
        r = a.post("/v1/locations", {"locationId": self.l1, "name": "again", "type": "store"})
        s.error(r, 409, "already_exists", what="duplicate location")
        items, _ = self.walk("/v1/locations", 1000)
        ids = [x.get("locationId") for x in items]
        s.check(self.l1 in ids and self.l2 in ids and len(ids) == len(set(ids)),
                "locations list has both, once")
        r = a.put(f"/v1/locations/{self.l2}", {"name": "Store two", "type": "store",
                                                "attributes": {"city": "Lyon"}})
        got = s.ok(r, 200, "PUT location") or {}
        s.check(got.get("name") == "Store two" and got.get("attributes") == {"city": "Lyon"},
                "PUT location replaced name and attributes", r)
        r = a.get(f"/v1/locations/{self.l2}")
        s.check(r.status == 200 and (r.json() or {}).get("name") == "Store two",
                "PUT location is visible", r)
        r = a.post("/v1/locations", {"locationId": f"e2e-{RUN}-moon", "name": "x", "type": "moon"})
        s.error(r, 400, "invalid_argument", "type", what="location type not in the enum")
        r = a.get(f"/v1/locations/e2e-{RUN}-moon")
        s.error(r, 404, "not_found", what="refused location was not created")
        l4 = self.make_location(f"e2e-{RUN}-stocked", "store")
        it = self.stock(self.make_product("locdel"), l4, 3)
        r = a.delete(f"/v1/locations/{l4}")
        s.check(r.status == 409, "DELETE location with stock: 409 (any code)", r)
        r = a.get(f"/v1/inventory/{it.get('inventoryId')}")
        s.check(r.status == 200 and (r.json() or {}).get("stockLevel") == 3,
                "refused location DELETE kept its items", r)
        r = a.delete(f"/v1/locations/{l4}?force=true")
        s.check(r.status in (200, 204), "DELETE location ?force=true: 2xx", r)
        r = a.get(f"/v1/inventory/{it.get('inventoryId')}")
        s.error(r, 404, "not_found", what="forced location DELETE removed its items")
        l3 = self.make_location(f"e2e-{RUN}-tmp", "transit")
        r = a.delete(f"/v1/locations/{l3}")
        s.check(r.status in (200, 204), "DELETE location: 2xx", r)
        r = a.get(f"/v1/locations/{l3}")
        s.error(r, 404, "not_found", what="deleted location")
        r = a.delete(f"/v1/locations/{l3}")
        s.error(r, 404, "not_found", what="DELETE a deleted location")

    # ---- inventory ----

    def test_inventory(self):
        s, a = self.s, self.admin
        p = self.make_product("inv")
        r = self.adjust(p, self.l1, 10, reason="receive", reference="po-1")
        it = s.ok(r, 200, "first positive adjustment creates the item") or {}
        if s.fields(it, ITEM_FIELDS, "inventory item", r):
            s.check(isinstance(it["inventoryId"], str), "inventoryId is a string", r)
            s.check((it["stockLevel"], it["reservedStock"], it["availableStock"]) == (10, 0, 10),
                    "stock 10/0/10 after +10", r)
            s.check(it["productId"] == p and it["locationId"] == self.l1, "item ids", r)
            s.check(RFC3339.match(str(it["lastUpdated"])), "lastUpdated RFC 3339", r)
        iid = it.get("inventoryId")
        r = self.adjust(p, self.l1, -3, reason="damage")
        it2 = s.ok(r, 200, "negative adjustment") or {}
        s.check(it2.get("stockLevel") == 7 and it2.get("availableStock") == 7,
                "stock 7 after -3", r)
        s.check(it2.get("version") != it.get("version"), "version bumped", r)
        r = self.adjust(p, self.l1, -100, reason="oops")
        s.error(r, 409, "insufficient_stock", what="negative beyond stock")
        got = self.item(iid)
        s.check(got.get("stockLevel") == 7 and got.get("version") == it2.get("version"),
                "refused adjustment changed nothing")
        s.fields(got, ITEM_FIELDS, "GET item")

        # First negative adjustment of an item that does not exist: refused, nothing created.
        p_none = self.make_product("inv-none")
        r = self.adjust(p_none, self.l1, -1)
        s.check(r.status in (404, 409), "first adjustment negative: 404 or 409", r)
        s.check(self.find_item(p_none, self.l1) is None, "negative first adjustment created "
                "nothing")
        r = self.adjust(f"e2e-{RUN}-nope", self.l1, 1)
        s.error(r, 404, "not_found", what="adjust unknown product")
        r = self.adjust(p, f"e2e-{RUN}-nowhere", 1)
        s.error(r, 404, "not_found", what="adjust unknown location")
        r = a.get(f"/v1/inventory/{iid}999999")
        s.check(r.status in (400, 404), "GET unknown inventoryId: 404 (or 400)", r)
        r = a.get("/v1/inventory/not-a-number")
        s.check(r.status in (400, 404), "GET malformed inventoryId: 400 or 404", r)

        # PATCH: stockLevel with version, stale version, If-Match.
        r = a.get(f"/v1/inventory/{iid}")
        cur = r.json() or {}
        etag = r.headers.get("etag")
        r = a.patch(f"/v1/inventory/{iid}", {"stockLevel": 20, "version": cur.get("version")})
        pt = s.ok(r, 200, "PATCH stockLevel with current version") or {}
        s.check(pt.get("stockLevel") == 20 and pt.get("availableStock") == 20,
                "PATCH set stockLevel 20", r)
        r = a.patch(f"/v1/inventory/{iid}", {"stockLevel": 25, "version": cur.get("version")})
        s.error(r, 409, "version_conflict", what="PATCH with a stale version")
        stale_match = etag if etag else str(cur.get("version"))
        r = a.patch(f"/v1/inventory/{iid}", {"stockLevel": 26}, headers={"If-Match": stale_match})
        s.error(r, 409, "version_conflict", what="PATCH with a stale If-Match")
        r = a.get(f"/v1/inventory/{iid}")
        now = r.json() or {}
        s.check(now.get("stockLevel") == 20, "stale PATCHes changed nothing", r)
        match = r.headers.get("etag") or str(now.get("version"))
        r = a.patch(f"/v1/inventory/{iid}", {"stockLevel": 21}, headers={"If-Match": match})
        s.check(r.status == 200 and (r.json() or {}).get("stockLevel") == 21,
                "PATCH with the current If-Match", r)
        r = a.patch(f"/v1/inventory/{iid}", {"safetyStock": 2, "lowStockThreshold": 5,
                                             "backorderLimit": 1})
        pol = s.ok(r, 200, "PATCH policy") or {}
        s.check((pol.get("safetyStock"), pol.get("lowStockThreshold"),
                 pol.get("backorderLimit"), pol.get("stockLevel")) == (2, 5, 1, 21),
                "PATCH policy set all three and kept stock", r)
        r = a.patch(f"/v1/inventory/{iid}", {"safetyStock": 0, "lowStockThreshold": 0,
                                             "backorderLimit": 0})
        s.ok(r, 200, "PATCH policy back to 0")
        r = a.patch(f"/v1/inventory/{iid}", {})
        s.check(r.status in (200, 400), "PATCH with an empty body: 200 (no-op) or 400", r)

        # Filters and paging.
        q = self.make_product("filt")
        a1 = self.stock(q, self.l1, 4)
        time.sleep(0.02)
        a2 = self.stock(q, self.l2, 50)
        items, _ = self.walk(f"/v1/inventory?productId={q}", 1)
        s.check(sorted(x.get("locationId") for x in items) == sorted([self.l1, self.l2]),
                "productId filter with limit=1 paging finds both items once")
        r = a.get(f"/v1/inventory?productId={q}&locationId={self.l2}")
        lst = s.ok(r, 200, "productId+locationId filter") or {}
        s.check([x.get("inventoryId") for x in lst.get("items", [])] == [a2.get("inventoryId")],
                "productId+locationId filter finds one", r)
        items, _ = self.walk(f"/v1/inventory?locationId={self.l2}", 1000)
        s.check(all(x.get("locationId") == self.l2 for x in items) and
                a2.get("inventoryId") in [x.get("inventoryId") for x in items],
                "locationId filter")
        r = a.get(f"/v1/inventory?productId={q}&updatedAfter=" +
                  urllib.parse.quote(a1.get("lastUpdated", "")))
        lst = s.ok(r, 200, "updatedAfter filter") or {}
        s.check([x.get("inventoryId") for x in lst.get("items", [])] == [a2.get("inventoryId")],
                "updatedAfter=<first item's time> returns only the later item", r)
        r = a.get(f"/v1/inventory?productId={q}&updatedAfter=2999-01-01T00:00:00Z")
        s.check(r.status == 200 and (r.json() or {}).get("items") == [],
                "updatedAfter in the future: no items", r)
        r = a.get(f"/v1/inventory?productId={q}&updatedAfter=yesterday")
        s.error(r, 400, "invalid_argument", "updatedAfter", what="malformed updatedAfter")
        r = a.patch(f"/v1/inventory/{a1.get('inventoryId')}", {"lowStockThreshold": 10})
        s.ok(r, 200, "PATCH lowStockThreshold 10 (item with 4)")
        r = a.get(f"/v1/inventory?productId={q}&lowStock=true")
        lst = s.ok(r, 200, "lowStock filter") or {}
        s.check([x.get("inventoryId") for x in lst.get("items", [])] == [a1.get("inventoryId")],
                "lowStock=true returns only the low item", r)
        r = a.get(f"/v1/inventory?productId={q}&lowStock=maybe")
        s.error(r, 400, "invalid_argument", "lowStock", what="lowStock=maybe")
        for path in ("/v1/inventory", "/v1/products", "/v1/locations",
                     f"/v1/inventory/{iid}/history"):
            for bad in ("0", "1001", "-1", "abc"):
                r = a.get(f"{path}?limit={bad}")
                s.error(r, 400, ("invalid_argument", "limit_exceeded"), "limit",
                        what=f"{path}?limit={bad}")
            r = a.get(f"{path}?limit=1000")
            s.check(r.status == 200, f"{path}?limit=1000 accepted", r)
            r = a.get(f"{path}?cursor=not-a-cursor")
            if path.startswith("/v1/inventory"):
                # Item cursors are numbers; product and location cursors are ids (any text).
                s.error(r, 400, "invalid_argument", "cursor", what=f"{path} malformed cursor")
            else:
                s.check(r.status in (200, 400), f"{path} foreign cursor: 200 or 400", r)

    # ---- history ----

    def test_history(self):
        s, a = self.s, self.admin
        p = self.make_product("hist")
        it = self.stock(p, self.l1, 10)
        iid = it.get("inventoryId")
        s.ok(self.adjust(p, self.l1, -1, reason="damage"), 200, "adjust -1")
        s.ok(self.adjust(p, self.l1, -2, reason="shrink", reference="audit-7"), 200, "adjust -2")
        r = a.patch(f"/v1/inventory/{iid}", {"stockLevel": 20})
        s.ok(r, 200, "PATCH stockLevel 20")
        r = a.get(f"/v1/inventory/{iid}/history")
        h = s.ok(r, 200, "history") or {}
        evs = h.get("items", [])
        s.check("nextCursor" in h, "history is a page {items,nextCursor}", r)
        stock = [e for e in evs if e.get("type") in ("stock.adjusted", "stock.set")]
        s.check([(e.get("type"), e.get("delta")) for e in stock] ==
                [("stock.set", 13), ("stock.adjusted", -2), ("stock.adjusted", -1),
                 ("stock.adjusted", 10)],
                f"history newest first: set(+13), -2, -1, +10; got "
                f"{[(e.get('type'), e.get('delta')) for e in stock]}", r)
        seqs = [e.get("sequence") for e in evs]
        s.check(all(isinstance(x, int) for x in seqs) and
                all(x > y for x, y in zip(seqs, seqs[1:])), "history sequences decrease", r)
        if len(stock) >= 2:
            e = stock[1]
            s.fields(e, EVENT_FIELDS, "history event", r)
            s.check(e.get("reason") == "shrink" and e.get("reference") == "audit-7" and
                    e.get("productId") == p and e.get("locationId") == self.l1 and
                    e.get("inventoryId") == iid, "history event fields as sent", r)
            s.check(isinstance(e.get("before"), dict) and isinstance(e.get("after"), dict),
                    "before/after are objects", r)
        paged, pages = self.walk(f"/v1/inventory/{iid}/history", 2)
        s.check([e.get("sequence") for e in paged] == seqs,
                f"history paged by 2 ({pages} pages) equals the full history")

    # ---- bulk update ----

    def test_bulk(self):
        s, a = self.s, self.admin
        p1, p2 = self.make_product("bulk1"), self.make_product("bulk2")
        i1 = self.stock(p1, self.l1, 10)
        i2 = self.stock(p2, self.l1, 3)
        ops = [{"productId": p1, "locationId": self.l1, "adjustment": 5, "reason": "bulk"},
               {"productId": p2, "locationId": self.l1, "adjustment": -100, "reason": "bulk"}]
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": ops})
        s.check(r.status in (200, 409), "atomic bulk with a bad op: 200 or 409", r)
        if r.status == 409:
            s.error(r, 409, "insufficient_stock", "operations[1].adjustment",
                    what="atomic bulk refused", extra_ok=("index",))
        body = r.json() if r.body else {}
        results = (body or {}).get("results")
        if s.check(isinstance(results, list) and len(results) == 2,
                   "atomic bulk: one result per operation", r):
            s.check(all({"index", "status"} <= set(x) for x in results),
                    "results have index and status", r)
            s.check([x.get("index") for x in results] == [0, 1], "results indexed 0, 1", r)
            bad = results[1]
            s.check("error" in bad and isinstance(bad["error"], dict) and
                    bad["error"].get("code") == "insufficient_stock" and
                    bad["error"].get("field") in (None, "operations[1].adjustment"),
                    "atomic bulk: result 1 carries the insufficient_stock error (field "
                    "operations[1].adjustment, as the non-atomic answer names it)", r)
            s.check("item" not in results[0] or results[0].get("item") is None or
                    results[0]["item"].get("stockLevel") == 10,
                    "atomic bulk: result 0 does not claim an applied change", r)
        s.check(self.item(i1.get("inventoryId")).get("stockLevel") == 10 and
                self.item(i2.get("inventoryId")).get("stockLevel") == 3,
                "atomic bulk with a bad op applied nothing")

        r = a.post("/v1/inventory/bulk-update", {"atomic": False, "operations": ops})
        body = s.ok(r, 200, "non-atomic bulk") or {}
        results = body.get("results") or []
        if s.check(len(results) == 2, "non-atomic bulk: two results", r):
            s.check(results[0].get("index") == 0 and
                    (results[0].get("item") or {}).get("stockLevel") == 15 and
                    "error" not in results[0], "non-atomic: op 0 applied, item returned", r)
            s.check(results[1].get("index") == 1 and
                    (results[1].get("error") or {}).get("code") == "insufficient_stock" and
                    (results[1].get("error") or {}).get("field") == "operations[1].adjustment",
                    "non-atomic: op 1 refused with insufficient_stock, field "
                    "operations[1].adjustment", r)
        s.check(self.item(i1.get("inventoryId")).get("stockLevel") == 15 and
                self.item(i2.get("inventoryId")).get("stockLevel") == 3,
                "non-atomic bulk applied the good op only")

        # The audit trail keeps each operation's reason (the route accepts one per operation).
        path = f"/v1/inventory/{i1.get('inventoryId')}/history?limit=5"
        deadline, event = time.time() + 3, None
        while event is None and time.time() < deadline:
            items = (a.get(path).json() or {}).get("items") or []
            event = next((e for e in items if e.get("delta") == 5), None)
            time.sleep(0 if event else 0.05)
        s.check(event is not None and event.get("reason") == "bulk",
                "history of a bulk adjustment carries the operation's reason 'bulk' (got "
                f"{None if event is None else (event.get('type'), event.get('reason'))})")
        ops = [{"productId": p1, "locationId": self.l1, "stockLevel": 40},
               {"productId": p2, "locationId": self.l1, "adjustment": 2, "reason": "bulk"}]
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": ops})
        body = s.ok(r, 200, "atomic bulk, all good") or {}
        results = body.get("results") or []
        s.check([(x.get("item") or {}).get("stockLevel") for x in results] == [40, 5],
                "atomic bulk applied stockLevel 40 and +2", r)
        # Acknowledged means durable, again and again: the window is a journal sync, so one try
        # can miss it.
        stale = 0
        for n in range(8):
            g, b = self.make_product(f"bulkd{n}g"), self.make_product(f"bulkd{n}b")
            ig = self.stock(g, self.l1, 10).get("inventoryId")
            self.stock(b, self.l1, 1)
            r = a.post("/v1/inventory/bulk-update", {"atomic": False, "operations": [
                {"productId": g, "locationId": self.l1, "adjustment": 5},
                {"productId": b, "locationId": self.l1, "adjustment": -100}]})
            items = (a.get(f"/v1/inventory/{ig}/history?limit=1").json() or {}).get("items")
            stale += r.status == 200 and (items or [{}])[0].get("delta") != 5
        s.check(stale == 0, f"non-atomic bulk whose last operation fails: the applied operation "
                f"was missing from the journal right after the 200 in {stale} of 8 tries "
                f"(acknowledged before durable)")
        many = [{"productId": p1, "locationId": self.l1, "adjustment": 1}] * 1001
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": many})
        s.error(r, 400, ("limit_exceeded", "invalid_argument"), "operations",
                what="1001 operations")
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": []})
        s.error(r, 400, ("invalid_argument", "limit_exceeded"), "operations",
                what="no operations")
        r = a.post("/v1/inventory/bulk-update",
                   {"atomic": True, "operations": [{"productId": p1, "locationId": self.l1,
                                                    "adjustment": 1, "stockLevel": 3}]})
        s.error(r, 400, "invalid_argument", what="op with both adjustment and stockLevel")
        s.check(self.item(i1.get("inventoryId")).get("stockLevel") == 40,
                "refused bulk requests changed nothing")
        # A refused atomic request leaves no item behind for a product-location pair it would
        # have created: neither when a later operation is malformed nor when the batch fails.
        fresh = self.make_product("bulknew")
        for what, bad in (("malformed", {"productId": p1, "locationId": self.l1,
                                         "adjustment": "many"}),
                          ("insufficient", {"productId": p2, "locationId": self.l1,
                                            "adjustment": -1000})):
            r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": [
                {"productId": fresh, "locationId": self.l1, "adjustment": 5}, bad]})
            s.check(r.status in (400, 409), f"atomic bulk, new item + {what} op: refused", r)
            listed = (a.get(f"/v1/inventory?productId={fresh}").json() or {}).get("items")
            s.check(listed == [], f"atomic bulk, new item + {what} op: no item left behind "
                    f"(got {listed})")
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": [
            {"productId": fresh, "locationId": self.l1, "adjustment": 5}]})
        body = s.ok(r, 200, "atomic bulk creating an item") or {}
        s.check([(x.get("item") or {}).get("stockLevel") for x in body.get("results") or []] ==
                [5], "atomic bulk creates the item and stocks it", r)
        # An unknown product is refused before anything is created.
        fresh2 = self.make_product("bulknew2")
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": [
            {"productId": fresh2, "locationId": self.l1, "adjustment": 5},
            {"productId": "no-such-product", "locationId": self.l1, "adjustment": 5}]})
        s.error(r, 404, "not_found", "operations[1].productId", what="atomic bulk, unknown product",
                extra_ok=("index",))
        listed = (a.get(f"/v1/inventory?productId={fresh2}").json() or {}).get("items")
        s.check(listed == [], f"atomic bulk with an unknown product created nothing (got {listed})")
        # A later operation may take from an item an earlier one of the same request creates.
        r = a.post("/v1/inventory/bulk-update", {"atomic": True, "operations": [
            {"productId": fresh2, "locationId": self.l1, "adjustment": 5},
            {"productId": fresh2, "locationId": self.l1, "adjustment": -2}]})
        body = s.ok(r, 200, "atomic bulk: create, stock and take from a new item") or {}
        s.check([(x.get("item") or {}).get("stockLevel") for x in body.get("results") or []] ==
                [5, 3], "atomic bulk: +5 then -2 on a new item gives 5 then 3", r)

    # ---- reservations ----

    def test_reservations(self):
        s, a = self.s, self.admin
        p1, p2 = self.make_product("res1"), self.make_product("res2")
        i1 = self.stock(p1, self.l1, 20).get("inventoryId")
        i2 = self.stock(p2, self.l1, 5).get("inventoryId")
        lines = [{"productId": p1, "locationId": self.l1, "quantity": 2},
                 {"productId": p2, "locationId": self.l1, "quantity": 1}]
        t0 = time.time()
        r = self.reserve(lines, ttl=900, reference="order-42")
        res = s.ok(r, 201, "create reservation") or {}
        if s.fields(res, RESERVATION_FIELDS, "reservation", r):
            s.check(isinstance(res["reservationId"], str), "reservationId is a string", r)
            s.check(res["state"] == "active", "state active", r)
            s.check(res["reference"] == "order-42", "reference as sent", r)
            s.check([{k: x.get(k) for k in LINE_FIELDS} for x in res["lines"]] == lines,
                    "lines as sent", r)
            exp = parse_rfc3339(res["expiresAt"])
            s.check(exp is not None and t0 + 880 <= exp <= time.time() + 920,
                    f"expiresAt about now + 900 s (got {res['expiresAt']})", r)
        rid = res.get("reservationId")
        it1 = self.item(i1)
        s.check((it1.get("stockLevel"), it1.get("reservedStock"), it1.get("availableStock")) ==
                (20, 2, 18), "reservation holds 2 of p1")
        r = a.get(f"/v1/reservations/{rid}")
        got = s.ok(r, 200, "get reservation") or {}
        s.check(got == res, "GET reservation equals the created one", r)

        # Insufficient stock names the short line; nothing is held.
        short = [{"productId": p1, "locationId": self.l1, "quantity": 1},
                 {"productId": p2, "locationId": self.l1, "quantity": 1000}]
        r = self.reserve(short)
        err = s.error(r, 409, "insufficient_stock", what="reservation beyond stock")
        names_line = ((err.get("field") or "").startswith("lines[1]") or
                      "lines[1]" in (err.get("message") or "") or
                      p2 in (err.get("message") or ""))
        s.check(names_line, "insufficient_stock names the short line (lines[1] or its product)",
                r)
        s.check(self.item(i1).get("reservedStock") == 2 and self.item(i2).get("reservedStock")
                == 1, "refused reservation held nothing")

        # Confirm in full.
        r = a.post(f"/v1/reservations/{rid}/confirm")
        s.check(r.status == 200, "confirm: 200", r)
        r = a.get(f"/v1/reservations/{rid}")
        s.check(r.status == 200 and (r.json() or {}).get("state") == "confirmed",
                "state confirmed", r)
        it1 = self.item(i1)
        s.check((it1.get("stockLevel"), it1.get("reservedStock")) == (18, 0),
                "confirm took 2 out of stock and reserved")
        r = a.post(f"/v1/reservations/{rid}/confirm")
        s.error(r, 409, "reservation_not_active", what="confirm twice")
        r = a.post(f"/v1/reservations/{rid}/release")
        s.error(r, 409, "reservation_not_active", what="release after confirm")

        # Partial confirm: 1 of 3, the rest is released.
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 3}])
        rid2 = (s.ok(r, 201, "reserve 3") or {}).get("reservationId")
        r = a.post(f"/v1/reservations/{rid2}/confirm",
                   {"lines": [{"productId": p1, "locationId": self.l1, "quantity": 1}]})
        s.check(r.status == 200, "partial confirm: 200", r)
        it1 = self.item(i1)
        s.check((it1.get("stockLevel"), it1.get("reservedStock")) == (17, 0),
                "partial confirm took 1 and released 2")

        # Release, then confirm/extend/release after release.
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 4}], ttl=60)
        r3 = s.ok(r, 201, "reserve 4") or {}
        rid3 = r3.get("reservationId")
        r = a.post(f"/v1/reservations/{rid3}/extend", {"ttlSeconds": 1800})
        ext = s.ok(r, 200, "extend") or {}
        new_exp = parse_rfc3339(ext.get("expiresAt", "")) if isinstance(ext, dict) else None
        if new_exp is None:
            new_exp = parse_rfc3339((a.get(f"/v1/reservations/{rid3}").json() or {})
                                    .get("expiresAt", ""))
        s.check(new_exp is not None and new_exp >= time.time() + 1700,
                "extend moved expiresAt to about now + 1800 s", r)
        r = a.post(f"/v1/reservations/{rid3}/extend", {"ttlSeconds": -5})
        s.error(r, 400, "invalid_argument", "ttlSeconds", what="extend negative ttl")
        r = a.post(f"/v1/reservations/{rid3}/release")
        s.check(r.status == 200, "release: 200", r)
        r = a.get(f"/v1/reservations/{rid3}")
        s.check(r.status == 200 and (r.json() or {}).get("state") == "released",
                "state released", r)
        s.check(self.item(i1).get("reservedStock") == 0, "release returned the hold")
        r = a.post(f"/v1/reservations/{rid3}/confirm")
        s.error(r, 409, "reservation_not_active", what="confirm after release")
        r = a.post(f"/v1/reservations/{rid3}/extend", {"ttlSeconds": 600})
        s.error(r, 409, "reservation_not_active", what="extend after release")
        r = a.post(f"/v1/reservations/{rid3}/release")
        s.error(r, 409, "reservation_not_active", what="release twice")
        s.check(self.item(i1).get("stockLevel") == 17, "refused confirms changed nothing")

        # Expiry: a 1 s hold is expired afterwards (by the sweeper or by the late confirm).
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 2}], ttl=1)
        rid4 = (s.ok(r, 201, "reserve with ttlSeconds 1") or {}).get("reservationId")
        time.sleep(1.2)
        r = a.post(f"/v1/reservations/{rid4}/confirm")
        s.error(r, 409, "reservation_not_active", what="confirm after expiry")
        r = a.get(f"/v1/reservations/{rid4}")
        s.check(r.status == 200 and (r.json() or {}).get("state") == "expired",
                "state expired after the ttl", r)
        it1 = self.item(i1)
        s.check((it1.get("stockLevel"), it1.get("reservedStock")) == (17, 0),
                "expiry returned the hold and took nothing")

        r = a.get(f"/v1/inventory/{i1}/history?limit=100")
        types = {e.get("type") for e in (s.ok(r, 200, "history of a reserved item") or {})
                 .get("items", [])}
        want = {"stock.adjusted", "reservation.reserved", "reservation.confirmed",
                "reservation.released", "reservation.expired"}
        s.check(want <= types, f"history names the reservation events "
                f"(missing {sorted(want - types)})", r)

        # Unknown ids and bad bodies.
        r = a.get("/v1/reservations/999999999999")
        s.error(r, 404, "not_found", what="unknown reservation")
        r = a.post("/v1/reservations/999999999999/confirm")
        s.error(r, 404, "not_found", what="confirm unknown reservation")
        r = a.get("/v1/reservations/not-a-number")
        s.check(r.status in (400, 404), "malformed reservation id: 400 or 404", r)
        r = self.reserve([])
        s.error(r, 400, ("invalid_argument", "limit_exceeded"), "lines", what="no lines")
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 1}] * 2)
        s.error(r, 400, "invalid_argument", what="the same item on two lines")
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 0}])
        s.error(r, 400, "invalid_argument", "lines[0].quantity", what="quantity 0")
        r = self.reserve([{"productId": p1, "locationId": self.l1, "quantity": 1}], ttl=-1)
        s.error(r, 400, "invalid_argument", "ttlSeconds", what="negative ttl")
        r = self.reserve([{"productId": f"e2e-{RUN}-ghost", "locationId": self.l1,
                           "quantity": 1}])
        s.error(r, 404, "not_found", what="reserve unknown product")
        it1 = self.item(i1)
        s.check((it1.get("stockLevel"), it1.get("reservedStock")) == (17, 0),
                "refused reservations changed nothing")

    # ---- transfers ----

    def test_transfers(self):
        s, a = self.s, self.admin
        p = self.make_product("xfer")
        src = self.stock(p, self.l1, 10).get("inventoryId")
        dst = self.stock(p, self.l2, 1).get("inventoryId")
        body = {"productId": p, "fromLocationId": self.l1, "toLocationId": self.l2,
                "quantity": 4}
        r = a.post("/v1/transfers", body)
        s.check(r.status in (200, 201), "transfer: 2xx", r)
        s.check((self.item(src).get("stockLevel"), self.item(dst).get("stockLevel")) == (6, 5),
                "transfer moved 4 units")
        moved = s.ok(r, (200, 201), "transfer body") or {}
        s.check((moved.get("from") or {}).get("stockLevel") == 6 and
                (moved.get("to") or {}).get("stockLevel") == 5
                if "from" in moved else True, "transfer answer shows both items", r)
        r = a.get(f"/v1/inventory/{src}/history?limit=1")
        top = ((s.ok(r, 200, "history after transfer") or {}).get("items") or [{}])[0]
        s.check(top.get("type") == "stock.transferred" and top.get("delta") == -4,
                "the source's history shows stock.transferred -4", r)
        r = a.post("/v1/transfers", dict(body, quantity=7))
        s.error(r, 409, "insufficient_stock", what="transfer beyond stock")
        r = a.post("/v1/transfers", dict(body, toLocationId=self.l1))
        s.error(r, 400, "invalid_argument", what="transfer to the same location")
        r = a.post("/v1/transfers", dict(body, quantity=0))
        s.error(r, 400, "invalid_argument", "quantity", what="transfer quantity 0")
        r = a.post("/v1/transfers", dict(body, quantity=-2))
        s.error(r, 400, "invalid_argument", "quantity", what="transfer negative quantity")
        r = a.post("/v1/transfers", dict(body, toLocationId=f"e2e-{RUN}-nowhere"))
        s.error(r, 404, "not_found", what="transfer to an unknown location")
        s.check((self.item(src).get("stockLevel"), self.item(dst).get("stockLevel")) == (6, 5),
                "refused transfers changed nothing")

    # ---- changes and streams ----

    def test_changes_and_streams(self):
        s, a = self.s, self.admin
        p = self.make_product("feed")
        rid = f"e2e-feed-{uuid.uuid4().hex}"
        r = self.adjust(p, self.l1, 9, reason="feed-check", reference="ref-9",
                        headers={"X-Request-Id": rid}, timestamp="2025-06-01T12:00:00Z")
        iid = (s.ok(r, 200, "adjust for the feed") or {}).get("inventoryId")
        h = (a.get(f"/v1/inventory/{iid}/history").json() or {}).get("items", [])
        adj = [e for e in h if e.get("type") == "stock.adjusted"]
        if not s.check(adj, "history has the adjustment"):
            return
        seq = adj[0].get("sequence")
        found = None
        deadline = time.time() + 10
        while time.time() < deadline and found is None:
            r = a.get(f"/v1/changes?after={seq - 1}&limit=10")
            page = s.ok(r, 200, "changes") or {}
            if not s.check(set(page) >= {"events", "nextAfter"}, "changes shape", r):
                return
            evs = page["events"]
            s.check(all(e.get("sequence", 0) > seq - 1 for e in evs), "events after `after`", r)
            s.check([e.get("sequence") for e in evs] == sorted(e.get("sequence") for e in evs),
                    "events ascending", r)
            s.check(isinstance(page["nextAfter"], int) and
                    (not evs or page["nextAfter"] >= evs[-1]["sequence"]),
                    "nextAfter covers the page", r)
            found = next((e for e in evs if e.get("sequence") == seq), None)
            if found is None:
                time.sleep(0.1)
        if s.check(found is not None, f"event {seq} in /v1/changes"):
            s.fields(found, EVENT_FIELDS, "changes event")
            s.check(found.get("type") == "stock.adjusted" and found.get("delta") == 9 and
                    found.get("reason") == "feed-check" and found.get("reference") == "ref-9",
                    "changes event content")
            s.check(found.get("requestId") == rid, "event requestId is the request's "
                    f"X-Request-Id (got {found.get('requestId')!r})")
            s.check(bool(found.get("actor")), "event has an actor")
            s.check(parse_rfc3339(found.get("occurredAt")) == parse_rfc3339("2025-06-01T12:00:00Z")
                    and abs(parse_rfc3339(found.get("recordedAt")) - time.time()) < 600,
                    f"occurredAt is the request's timestamp, recordedAt is now (got "
                    f"{found.get('occurredAt')}, {found.get('recordedAt')})")
            s.check(found == adj[0], "the same event in history and in changes")
        r = a.get(f"/v1/changes?after={seq - 1}&limit=1")
        page = s.ok(r, 200, "changes limit=1") or {}
        s.check(len(page.get("events", [])) <= 1, "changes limit=1", r)
        r = a.get("/v1/changes?after=0&limit=0")
        s.error(r, 400, ("invalid_argument", "limit_exceeded"), "limit", what="changes limit=0")
        r = a.get("/v1/changes?after=0&limit=1001")
        s.error(r, 400, ("invalid_argument", "limit_exceeded"), "limit",
                what="changes limit=1001")
        r = a.get("/v1/changes?after=abc")
        s.error(r, 400, "invalid_argument", "after", what="changes after=abc")

        # SSE: key as ?access_token= and as a header; without a key 401.
        token = urllib.parse.quote(self.s.admin_key, safe="")
        for how, path, headers in (
                ("access_token", f"/v1/stream?after={seq - 1}&access_token={token}", {}),
                ("header", f"/v1/stream?after={seq - 1}",
                 {"Authorization": f"Bearer {self.s.admin_key}"}),
                ("Last-Event-ID", "/v1/stream",
                 {"Authorization": f"Bearer {self.s.admin_key}", "Last-Event-ID": str(seq - 1)})):
            ev, status, ctype = read_sse_event(s.url, path, headers, want=seq)
            s.cover("GET", "/v1/stream")
            s.check(status == 200 and ctype.startswith("text/event-stream"),
                    f"SSE ({how}): 200 text/event-stream (got {status} {ctype!r})")
            s.check(ev is not None and ev.get("id") == str(seq) and
                    ev.get("event") == "stock.adjusted" and
                    (ev.get("data") or {}).get("sequence") == seq,
                    f"SSE ({how}): event {seq} with id, event and data (got {ev})")
        ev, status, _ = read_sse_event(s.url, f"/v1/stream?after={seq - 1}", {}, want=seq)
        s.check(status == 401, f"SSE without a key: 401 (got {status})")

        # WebSocket.
        status, accept_ok, frame = read_ws_event(s.url, f"/v1/ws?after={seq - 1}&access_token="
                                                 f"{token}", want=seq)
        s.cover("GET", "/v1/ws")
        s.check(status == 101 and accept_ok, f"WebSocket upgrade: 101 with a valid "
                f"Sec-WebSocket-Accept (got {status}, accept ok {accept_ok})")
        s.check(isinstance(frame, dict) and frame.get("sequence") == seq and
                frame.get("type") == "stock.adjusted",
                f"WebSocket: event {seq} as a JSON text frame (got {str(frame)[:200]})")
        status, _, _ = read_ws_event(s.url, f"/v1/ws?after={seq - 1}", want=seq)
        s.check(status == 401, f"WebSocket without a key: 401 (got {status})")

    # ---- subscriptions ----

    def test_subscriptions(self):
        s, a = self.s, self.admin
        r = a.post("/v1/subscriptions/inventory", {"url": "http://127.0.0.1:9/hook",
                                                   "events": ["stock.adjusted"]})
        sub = s.ok(r, 201, "create subscription") or {}
        s.check(isinstance(sub.get("subscriptionId"), str) and sub.get("secret"),
                "subscription has subscriptionId and secret", r)
        s.check(sub.get("url") == "http://127.0.0.1:9/hook", "subscription url", r)
        sid = sub.get("subscriptionId")
        r = a.get(f"/v1/subscriptions/inventory/{sid}")
        got = s.ok(r, 200, "get subscription") or {}
        s.check(got.get("subscriptionId") == sid and got.get("url") == sub.get("url") and
                got.get("events") == ["stock.adjusted"], "GET subscription", r)
        r = a.delete(f"/v1/subscriptions/inventory/{sid}")
        s.check(r.status in (200, 204), "DELETE subscription: 2xx", r)
        r = a.get(f"/v1/subscriptions/inventory/{sid}")
        s.error(r, 404, "not_found", what="deleted subscription")
        r = a.delete(f"/v1/subscriptions/inventory/{sid}")
        s.error(r, 404, "not_found", what="DELETE a deleted subscription")
        r = a.post("/v1/subscriptions/inventory", {"url": "ftp://127.0.0.1/hook"})
        s.error(r, 400, "invalid_argument", "url", what="subscription with an ftp url")
        r = a.post("/v1/subscriptions/inventory", {"url": "not a url"})
        s.error(r, 400, "invalid_argument", "url", what="subscription with a malformed url")
        r = a.post("/v1/subscriptions/inventory", {"url": "http://127.0.0.1:9/hook",
                                                   "events": ["stock.nonsense"]})
        s.error(r, 400, "invalid_argument", lambda f: (f or "").startswith("events"),
                what="subscription with an unknown event type")
        r = a.post("/v1/subscriptions/inventory", {"url": "http://127.0.0.1:9/hook",
                                                   "secret": "s3cr3t-for-e2e-0123456"})
        sub = s.ok(r, 201, "subscription with a given secret") or {}
        s.check(sub.get("secret") == "s3cr3t-for-e2e-0123456", "the given secret is kept", r)
        if sub.get("subscriptionId"):
            a.delete(f"/v1/subscriptions/inventory/{sub['subscriptionId']}")

    # ---- api keys ----

    def test_api_keys(self):
        s, a = self.s, self.admin
        r = a.post("/v1/api-keys", {"role": "viewer", "name": f"e2e-{RUN}"})
        k = s.ok(r, 201, "create viewer key") or {}
        s.fields(k, KEY_FIELDS, "api key", r)
        s.check(str(k.get("key", "")).startswith(f"ik_{k.get('keyId')}."),
                "key looks like ik_<keyId>.<secret>", r)
        s.check(k.get("role") == "viewer" and k.get("locations") in ([], None),
                "key role and locations", r)
        viewer = s.client(k.get("key", "x"))
        r = viewer.get("/v1/products?limit=1")
        s.check(r.status == 200, "new viewer key reads", r)
        r = viewer.post("/v1/products", self.product_body("by-viewer"))
        s.error(r, 403, "forbidden", what="viewer creates a product")
        r = a.delete(f"/v1/api-keys/{k.get('keyId')}")
        s.check(r.status in (200, 204), "DELETE api key: 2xx", r)
        r = viewer.get("/v1/products?limit=1")
        s.error(r, 401, "unauthenticated", what="revoked key, at once")
        r = a.delete(f"/v1/api-keys/{k.get('keyId')}")
        s.error(r, 404, "not_found", what="DELETE a revoked key")
        r = a.post("/v1/api-keys", {"role": "superuser"})
        s.error(r, 400, "invalid_argument", "role", what="unknown role")
        r = a.post("/v1/api-keys", {})
        s.error(r, 400, "invalid_argument", "role", what="key without role")
        r = a.post("/v1/api-keys", {"role": "operator", "locations": [self.l2]})
        k = s.ok(r, 201, "location-limited key") or {}
        s.check(k.get("locations") == [self.l2], "key locations as sent", r)
        scoped = s.client(k.get("key", "x"))
        p = self.make_product("scope")
        it = self.stock(p, self.l1, 3)
        r = scoped.get(f"/v1/inventory/{it.get('inventoryId')}")
        s.error(r, 404, "not_found", what="item outside the key's locations")
        r = scoped.post("/v1/inventory", {"productId": p, "locationId": self.l1,
                                          "adjustment": 1, "reason": "x"})
        s.error(r, 404, "not_found", what="adjust outside the key's locations")
        s.check(self.item(it.get("inventoryId")).get("stockLevel") == 3,
                "refused scoped adjust changed nothing")
        r = scoped.post("/v1/inventory", {"productId": p, "locationId": self.l2,
                                          "adjustment": 1, "reason": "x"})
        s.ok(r, 200, "adjust inside the key's locations")
        a.delete(f"/v1/api-keys/{k.get('keyId')}")

    # ---- strict validation ----

    def test_validation(self):
        s, a = self.s, self.admin
        p = self.make_product("val")
        it = self.stock(p, self.l1, 10)
        iid = it.get("inventoryId")
        r = self.reserve([{"productId": p, "locationId": self.l1, "quantity": 1}])
        rid = (s.ok(r, 201, "reserve for validation") or {}).get("reservationId")
        before = self.item(iid)

        def unchanged(what):
            now = self.item(iid)
            s.check((now.get("stockLevel"), now.get("reservedStock"), now.get("version")) ==
                    (before.get("stockLevel"), before.get("reservedStock"),
                     before.get("version")), f"{what}: state unchanged")

        adj = {"productId": p, "locationId": self.l1, "adjustment": 1, "reason": "v"}
        line = {"productId": p, "locationId": self.l1, "quantity": 1}
        unknown = [
            ("POST", "/v1/products", dict(self.product_body("val2"), bogus=1), "bogus"),
            ("POST", "/v1/locations", {"locationId": f"e2e-{RUN}-vl", "name": "x",
                                       "type": "store", "bogus": 1}, "bogus"),
            ("PUT", f"/v1/locations/{self.l1}", {"name": "x", "type": "store", "bogus": 1},
             "bogus"),
            ("POST", "/v1/inventory", dict(adj, bogus=1), "bogus"),
            ("POST", "/v1/inventory", dict(adj, stockLevel=5), "stockLevel"),
            ("PATCH", f"/v1/inventory/{iid}", {"stockLevel": 3, "bogus": 1}, "bogus"),
            ("PATCH", f"/v1/inventory/{iid}", {"reservedStock": 3}, "reservedStock"),
            ("POST", "/v1/inventory/bulk-update", {"atomic": True, "operations": [adj],
                                                   "bogus": 1}, "bogus"),
            ("POST", "/v1/inventory/bulk-update",
             {"atomic": True, "operations": [dict(adj, bogus=1)]}, "operations[0].bogus"),
            ("POST", "/v1/reservations", {"lines": [dict(line, bogus=1)]}, "lines[0].bogus"),
            ("POST", "/v1/reservations", {"lines": [line], "state": "confirmed"}, "state"),
            ("POST", f"/v1/reservations/{rid}/confirm", {"bogus": 1}, "bogus"),
            ("POST", f"/v1/reservations/{rid}/extend", {"ttlSeconds": 60, "bogus": 1}, "bogus"),
            ("POST", f"/v1/reservations/{rid}/release", {"bogus": 1}, "bogus"),
            ("POST", "/v1/transfers", {"productId": p, "fromLocationId": self.l1,
                                       "toLocationId": self.l2, "quantity": 1, "bogus": 1},
             "bogus"),
            ("POST", "/v1/subscriptions/inventory", {"url": "http://127.0.0.1:9/hook",
                                                     "bogus": 1}, "bogus"),
            ("POST", "/v1/api-keys", {"role": "viewer", "bogus": 1}, "bogus"),
            ("POST", "/v1/api-keys", {"role": "viewer", "keyId": "mine"}, "keyId"),
        ]
        for method, path, body, field in unknown:
            r = a.request(method, path, body=body)
            s.error(r, 400, "invalid_argument", field, what=f"{method} {path} unknown field")
        unchanged("unknown fields")
        r = a.get(f"/v1/products/e2e-{RUN}-val2")
        s.error(r, 404, "not_found", what="product with an unknown field was not created")
        r = a.get(f"/v1/locations/e2e-{RUN}-vl")
        s.error(r, 404, "not_found", what="location with an unknown field was not created")
        r = a.get(f"/v1/reservations/{rid}")
        s.check(r.status == 200 and (r.json() or {}).get("state") == "active",
                "refused confirm/release left the reservation active", r)

        wrong = [
            ("POST", "/v1/inventory", dict(adj, adjustment="3"), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=3.5), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=True), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=None), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, productId=5), "productId"),
            ("POST", "/v1/inventory", dict(adj, reason=["x"]), "reason"),
            ("POST", "/v1/inventory", dict(adj, adjustment=0), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=10 ** 12), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=-10 ** 12), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=2 ** 64), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, adjustment=1e300), "adjustment"),
            ("POST", "/v1/inventory", dict(adj, timestamp="noon"), "timestamp"),
            ("POST", "/v1/inventory", dict(adj, reference="r" * 1000), "reference"),
            ("PATCH", f"/v1/inventory/{iid}", {"stockLevel": "9"}, "stockLevel"),
            ("PATCH", f"/v1/inventory/{iid}", {"stockLevel": 2 ** 50}, "stockLevel"),
            ("PATCH", f"/v1/inventory/{iid}", {"safetyStock": -1}, "safetyStock"),
            ("PATCH", f"/v1/inventory/{iid}", {"lowStockThreshold": 1.5}, "lowStockThreshold"),
            ("PATCH", f"/v1/inventory/{iid}", {"stockLevel": 3, "version": "x"}, "version"),
            ("POST", "/v1/inventory/bulk-update", {"atomic": "yes", "operations": [adj]},
             "atomic"),
            ("POST", "/v1/inventory/bulk-update", {"atomic": True, "operations": {}},
             "operations"),
            ("POST", "/v1/reservations", {"lines": "all"}, "lines"),
            ("POST", "/v1/reservations", {"lines": [dict(line, quantity=-5)]},
             "lines[0].quantity"),
            ("POST", "/v1/reservations", {"lines": [dict(line, quantity=10 ** 15)]},
             "lines[0].quantity"),
            ("POST", "/v1/reservations", {"lines": [line], "ttlSeconds": "900"}, "ttlSeconds"),
            ("POST", "/v1/reservations", {"lines": [line], "ttlSeconds": 10 ** 10},
             "ttlSeconds"),
            ("POST", f"/v1/reservations/{rid}/extend", {"ttlSeconds": "x"}, "ttlSeconds"),
            ("POST", "/v1/transfers", {"productId": p, "fromLocationId": self.l1,
                                       "toLocationId": self.l2, "quantity": "1"}, "quantity"),
            ("POST", "/v1/products", dict(self.product_body("val3"),
                                          price={"amount": "x", "currency": "USD"}),
             "price.amount"),
            ("POST", "/v1/products", dict(self.product_body("val3"),
                                          price={"amount": 1, "currency": "usd"}),
             "price.currency"),
            ("POST", "/v1/products", dict(self.product_body("val3"),
                                          price={"amount": 1, "currency": "USD", "tax": 1}),
             "price.tax"),
            ("POST", "/v1/products", dict(self.product_body("val3"), attributes={"a": 1}),
             "attributes.a"),
            ("POST", "/v1/products", dict(self.product_body("val3"), name=5), "name"),
            ("POST", "/v1/products", dict(self.product_body("val3"), productId=""),
             "productId"),
            ("POST", "/v1/products", {k: v for k, v in self.product_body("val3").items()
                                      if k != "sku"}, "sku"),
            ("POST", "/v1/api-keys", {"role": "viewer", "locations": "all"}, "locations"),
        ]
        for method, path, body, field in wrong:
            r = a.request(method, path, body=body)
            s.error(r, 400, ("invalid_argument", "limit_exceeded"), field,
                    what=f"{method} {path} bad value for {field}")
        unchanged("wrong types and out-of-range numbers")
        r = a.get(f"/v1/products/e2e-{RUN}-val3")
        s.error(r, 404, "not_found", what="invalid products were not created")

        # Malformed bodies.
        for what, raw in (("invalid JSON", b'{"productId": '),
                          ("not JSON", b"hello"),
                          ("trailing garbage", json.dumps(adj).encode() + b"}"),
                          ("an array body", b"[]"),
                          ("a string body", b'"adjust"'),
                          ("10000 nested arrays", b"[" * 10000),
                          ("10000 nested objects", b'{"a":' * 10000),
                          ("nested arrays closed", b"[" * 5000 + b"]" * 5000),
                          ("invalid UTF-8 in a string", b'{"productId":"\xff\xfe","locationId":'
                                                        b'"x","adjustment":1,"reason":"r"}')):
            r = a.post("/v1/inventory", raw=raw)
            s.error(r, 400, "invalid_argument", what=f"POST /v1/inventory with {what}")
        r = self.s.client("").get("/healthz")
        s.check(r.status == 200, "server alive after the nested bodies", r)
        unchanged("malformed bodies")

        # A body over 1 MiB: 413 and nothing applied; the server stays up.
        big = dict(adj, reason="x" * 100, reference="y")
        raw = json.dumps(big).encode()
        raw = raw[:-1] + b', "pad": "' + b"z" * (1100 * 1024) + b'"}'
        rid = f"e2e-big-{uuid.uuid4().hex}"
        status, headers, body = post_raw(s.url, "/v1/inventory", raw, s.admin_key, rid)
        s.requests += 1
        s.check(status == 413, f"body of {len(raw)} bytes: 413 (got {status} {body[:200]!r})")
        s.check(headers.get("x-request-id") == rid, f"413 echoes the X-Request-Id sent (sent "
                f"{rid!r}, got {headers.get('x-request-id')!r})")
        try:
            err = json.loads(body).get("error") if body else None
        except ValueError:
            err = None
        s.check(isinstance(err, dict) and err.get("requestId") == headers.get("x-request-id"),
                f"413 body is the error object (got {body[:200]!r})")
        r = self.s.client("").get("/healthz")
        s.check(r.status == 200, "server alive after the big body", r)
        unchanged("413")

    # ---- idempotency ----

    def test_idempotency(self):
        s, a = self.s, self.admin
        p = self.make_product("idem")
        iid = self.stock(p, self.l1, 100).get("inventoryId")
        key = new_key()
        body = {"productId": p, "locationId": self.l1, "adjustment": 1, "reason": "idem"}
        r1 = a.post("/v1/inventory", body, headers={"Idempotency-Key": key})
        r2 = a.post("/v1/inventory", body, headers={"Idempotency-Key": key})
        s.check(r1.status == 200 and r2.status == r1.status and r2.body == r1.body,
                f"same key and body: the first response again (got {r1.status}/{r2.status}, "
                f"bodies equal {r1.body == r2.body})", r2)
        s.check(self.item(iid).get("stockLevel") == 101, "keyed retry applied once")
        r = a.post("/v1/inventory", dict(body, adjustment=2), headers={"Idempotency-Key": key})
        s.error(r, 422, "idempotency_mismatch", what="same key, different body")
        s.check(self.item(iid).get("stockLevel") == 101, "mismatched retry applied nothing")
        # Another route with the same key string is a different body: mismatch or own entry,
        # never a replay of the adjustment.
        key = new_key()
        res = {"lines": [{"productId": p, "locationId": self.l1, "quantity": 2}],
               "ttlSeconds": 600, "reference": "idem"}
        r1 = a.post("/v1/reservations", res, headers={"Idempotency-Key": key})
        r2 = a.post("/v1/reservations", res, headers={"Idempotency-Key": key})
        s.check(r1.status == 201 and r2.status == 201 and r1.body == r2.body,
                "reservation retried with the same key: same 201 and body", r2)
        s.check(self.item(iid).get("reservedStock") == 2, "keyed reservation held once")
        key = new_key()
        pb = self.product_body("idem-prod")
        r1 = a.post("/v1/products", pb, headers={"Idempotency-Key": key})
        r2 = a.post("/v1/products", pb, headers={"Idempotency-Key": key})
        s.check(r1.status == 201 and r2.status == 201 and r1.body == r2.body,
                "product created with the same key twice: same 201, not 409", r2)
        key = new_key()
        bad = dict(body, adjustment=-100000)
        r1 = a.post("/v1/inventory", bad, headers={"Idempotency-Key": key})
        r2 = a.post("/v1/inventory", bad, headers={"Idempotency-Key": key})
        s.check(r1.status == 409 and r2.status == 409, "a refused keyed request retried: the "
                "same status", r2)

        # Idempotency keys belong to the API key: another key may use the same text.
        r = a.post("/v1/api-keys", {"role": "operator", "name": f"e2e-{RUN}-idem"})
        other = s.ok(r, 201, "second key for idempotency") or {}
        key = new_key()
        r1 = a.post("/v1/inventory", dict(body, reason="idem-a"), headers={"Idempotency-Key": key})
        r2 = s.client(other.get("key", "x")).post("/v1/inventory", dict(body, reason="idem-b"),
                                                    headers={"Idempotency-Key": key})
        s.check(r1.status == 200 and r2.status == 200 and r1.body != r2.body,
                "the same Idempotency-Key under two API keys: two separate requests", r2)
        if other.get("keyId"):
            a.delete(f"/v1/api-keys/{other['keyId']}")

        # Concurrent identical keyed requests: each answer is the first response or 409; the
        # effect happens once per key.
        rounds, in_flight_seen, failures_before = 15, 0, len(s.failures)
        start = self.item(iid).get("stockLevel")
        for i in range(rounds):
            key = new_key()
            answers = [None, None]
            barrier = threading.Barrier(2)

            def fire(slot):
                c = s.client()
                try:
                    barrier.wait(timeout=10)
                    answers[slot] = c.post("/v1/inventory", dict(body, reason=f"race-{i}"),
                                           headers={"Idempotency-Key": key})
                finally:
                    c.close()
            threads = [threading.Thread(target=fire, args=(k,)) for k in (0, 1)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            if not s.check(all(answers), f"round {i}: both requests answered"):
                continue
            oks = [x for x in answers if x.status == 200]
            conflicts = [x for x in answers if x.status == 409]
            in_flight_seen += len(conflicts)
            s.check(len(oks) + len(conflicts) == 2 and oks,
                    f"round {i}: answers are 200 or 409 and at least one 200 "
                    f"(got {[x.status for x in answers]})", answers[1])
            if len(oks) == 2:
                s.check(oks[0].body == oks[1].body, f"round {i}: both 200 bodies identical",
                        oks[1])
            for x in conflicts:
                s.error(x, 409, what=f"round {i}: in-flight duplicate")
            r = a.post("/v1/inventory", dict(body, reason=f"race-{i}"),
                       headers={"Idempotency-Key": key})
            if oks:
                s.check(r.status == 200 and r.body == oks[0].body,
                        f"round {i}: a later retry answers the first response", r)
        s.check(self.item(iid).get("stockLevel") == start + rounds,
                f"{rounds} keyed rounds applied exactly {rounds} units")
        self.idempotency_note = (f"{rounds} concurrent rounds, {in_flight_seen} in-flight 409s"
                                 if len(s.failures) == failures_before else "")


# --------------------------------------------------------------------------------------------
# Raw transports: streams, WebSocket and an oversized body.

def _host_port(url):
    u = urllib.parse.urlparse(url)
    return u.hostname, u.port


def read_sse_event(url, path, headers, want, timeout=10):
    """Opens an SSE stream; returns ({"id","event","data"} of the event with id `want`, status,
    content type). Reads at most `timeout` seconds."""
    import http.client
    host, port = _host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict({"Accept": "text/event-stream"}, **headers))
        r = conn.getresponse()
        ctype = r.getheader("content-type", "")
        if r.status != 200:
            r.read()
            return None, r.status, ctype
        deadline = time.time() + timeout
        ev = {}
        while time.time() < deadline:
            line = r.readline()
            if not line:
                break
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            if line == "":
                if "data" in ev and ev.get("id") == str(want):
                    return ev, 200, ctype
                ev = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                try:
                    ev["data"] = json.loads(value)
                except ValueError:
                    ev["data"] = value
            else:
                ev[name] = value
        return None, 200, ctype
    except (OSError, socket.timeout):
        return None, -1, ""
    finally:
        conn.close()


def read_ws_event(url, path, want, timeout=10):
    """WebSocket handshake and frames until the event with sequence `want`; returns (status,
    accept header valid, event JSON or None)."""
    host, port = _host_port(url)
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            return -1, False, None
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        expect = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        accept_ok = hdrs.get("sec-websocket-accept") == expect
        if status != 101:
            return status, accept_ok, None
        buf = rest
        deadline = time.time() + timeout

        def need(n):
            nonlocal buf
            while len(buf) < n:
                if time.time() > deadline:
                    raise socket.timeout()
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            out, buf = buf[:n], buf[n:]
            return out
        try:
            while time.time() < deadline:
                b0, b1 = need(2)
                opcode, length = b0 & 0x0F, b1 & 0x7F
                if length == 126:
                    length = int.from_bytes(need(2), "big")
                elif length == 127:
                    length = int.from_bytes(need(8), "big")
                mask = need(4) if b1 & 0x80 else None
                payload = need(length)
                if mask:
                    payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
                if opcode == 1:
                    try:
                        ev = json.loads(payload)
                    except ValueError:
                        continue
                    if isinstance(ev, dict) and ev.get("sequence") == want:
                        # Close politely (masked close frame, code 1000).
                        m = os.urandom(4)
                        data = (1000).to_bytes(2, "big")
                        sock.sendall(bytes([0x88, 0x80 | 2]) + m +
                                     bytes(c ^ m[i % 4] for i, c in enumerate(data)))
                        return status, accept_ok, ev
                elif opcode == 8:
                    return status, accept_ok, None
        except (OSError, ConnectionError):
            pass
        return status, accept_ok, None
    finally:
        sock.close()


def post_raw(url, path, body, key, request_id, timeout=30):
    """POSTs a large body in chunks, stopping when the server answers early (a 413 may come
    before the body is read). Returns (status, headers, body); status -1 if no answer came."""
    host, port = _host_port(url)
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer "
                      f"{key}\r\nContent-Type: application/json\r\nX-Request-Id: {request_id}\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n").encode())
        sent = 0
        try:
            while sent < len(body):
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sent += sock.send(body[sent:sent + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            return -1, {}, buf
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        length = int(hdrs.get("content-length", "0") or 0)
        try:
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return status, hdrs, rest[:length] if length else rest
    finally:
        sock.close()


def main():
    url, admin_key = harness.fixture()
    suite = Suite(url, admin_key)
    e2e = E2E(suite)
    sections = [
        ("setup", e2e.setup), ("meta", e2e.test_meta), ("request ids", e2e.test_request_ids),
        ("products", e2e.test_products), ("locations", e2e.test_locations),
        ("inventory", e2e.test_inventory), ("history", e2e.test_history),
        ("bulk", e2e.test_bulk), ("reservations", e2e.test_reservations),
        ("transfers", e2e.test_transfers), ("changes and streams", e2e.test_changes_and_streams),
        ("subscriptions", e2e.test_subscriptions), ("api keys", e2e.test_api_keys),
        ("validation", e2e.test_validation), ("idempotency", e2e.test_idempotency),
    ]
    only = set(sys.argv[1:])
    started = time.time()
    for name, fn in sections:
        if only and name not in only and name != "setup":
            continue
        suite.section = name
        try:
            fn()
        except Exception:  # noqa: BLE001 - a broken section is one failure; go on.
            suite.failures.append(f"{name}: aborted: {traceback.format_exc(limit=3)}")
    suite.section = "coverage"
    if not only:
        missing = [f"{m} {p}" for m, p in suite.routes if (m, p) not in suite.covered]
        suite.check(not missing, f"documented routes never called: {missing}")
    for f in suite.failures:
        print("FAIL", f)
    print(f"e2e: {len(suite.covered)} of {len(suite.routes)} documented routes, "
          f"{suite.checks} checks, {suite.requests} requests, {len(suite.failures)} failures "
          f"({time.time() - started:.1f} s"
          f"{', ' + e2e.idempotency_note if getattr(e2e, 'idempotency_note', '') else ''})")
    return 1 if suite.failures else 0


if __name__ == "__main__":
    sys.exit(main())
