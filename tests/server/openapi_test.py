#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""The OpenAPI document (examples/server/openapi.json) against the server it describes.

Goal: the document served at GET /openapi.json describes exactly the routes the server answers,
with the right roles, and its schemas match what the server accepts and returns.

Method:
  1. Structure: OpenAPI 3.0.3, every $ref resolves, every {param} of a path is declared, unique
     operationIds, x-role on every operation (security: [] exactly when x-role is "none"),
     request bodies closed (additionalProperties: false, as the server refuses unknown fields),
     and the file fits the binary's embedding (under 64 KiB, no `)inventory_embed`).
  2. Routes: `$INVENTORY_SERVER --print-routes` (JSON [{"method","path","role","scoped"}]) and
     the document's operations are the same set of (method, path), with x-role == role.
  3. Served: GET /openapi.json from a started server parses to the same JSON as the file.
  4. Conformance: one request per operation with a request body or a JSON answer (about 40
     requests on a fresh server): each request body validates against the documented schema,
     the answer's status is documented for the operation and its body validates against the
     documented response schema; each body operation refuses an unknown field with 400; the
     head of GET /v1/stream (200 text/event-stream, 401) and GET /v1/ws without an upgrade (426).
Scale: one server, a few dozen requests; a few seconds.

Prints one summary line: "openapi: N operations, N routes, N responses validated, N passed, N failed".
"""

import http.client
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DOCUMENT = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "server", "openapi.json"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ROLES = ("none", "viewer", "operator", "admin")

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)
        print("FAIL:", message)
    return condition


# ---- A small validator for the JSON Schema subset OpenAPI 3.0 uses here ----------------------

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def resolve(document, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref}")
        target = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[part]
        node = target
        seen += 1
        if seen > 50:
            raise ValueError(f"$ref loop at {ref}")
    return node


def validate(document, schema, value, where="$"):
    """Returns a list of "where: problem" strings (empty when valid)."""
    schema = resolve(document, schema)
    errors = []
    if value is None:
        if schema.get("nullable"):
            return errors
        if "type" in schema or "properties" in schema:
            return [f"{where}: null is not allowed"]
        return errors
    kind = schema.get("type")
    type_ok = {
        None: True,
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }[kind]
    if not type_ok:
        return [f"{where}: expected {kind}, got {type(value).__name__} {json.dumps(value)[:60]}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date-time" and not RFC3339.match(value):
            errors.append(f"{where}: {value!r} is not an RFC 3339 time")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += validate(document, schema["items"], item, f"{where}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: required field {name} is missing")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                errors += validate(document, properties[name], item, f"{where}.{name}")
            elif extra is False:
                errors.append(f"{where}: field {name} is not documented")
            elif isinstance(extra, dict):
                errors += validate(document, extra, item, f"{where}.{name}")
    return errors


# ---- 1. Structure -------------------------------------------------------------------------------

def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def check_refs(document, node, where):
    if isinstance(node, dict):
        if "$ref" in node:
            try:
                resolve(document, node)
            except (KeyError, ValueError, TypeError) as error:
                check(False, f"{where}: $ref {node['$ref']} does not resolve ({error})")
        for key, value in node.items():
            check_refs(document, value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_refs(document, value, f"{where}/{i}")


def check_closed(document, schema, where, seen):
    """Request schemas: every object schema must refuse unknown fields (the server does)."""
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = resolve(document, schema)
    if schema.get("type") == "object":
        if schema.get("properties") is not None and schema.get("additionalProperties") is not False:
            check(False, f"{where}: request object schema lacks additionalProperties: false")
        for name, sub in schema.get("properties", {}).items():
            check_closed(document, sub, f"{where}.{name}", seen)
    if schema.get("type") == "array" and "items" in schema:
        check_closed(document, schema["items"], f"{where}[]", seen)


def check_structure(text, document):
    check(document.get("openapi") == "3.0.3", "openapi is not 3.0.3")
    check("title" in document.get("info", {}) and "version" in document.get("info", {}),
          "info.title / info.version missing")
    check(len(text.encode()) < 65536,
          f"openapi.json is {len(text.encode())} bytes; a C++ string literal over 65536 bytes "
          "breaks -Wpedantic -Werror builds with Clang")
    check(")inventory_embed" not in text, "openapi.json contains the embedding delimiter")
    schemes = document.get("components", {}).get("securitySchemes", {})
    check(any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values()),
          "no bearer security scheme")
    check_refs(document, document, "#")
    operation_ids = set()
    for path, method, operation in operations(document):
        name = f"{method.upper()} {path}"
        operation_id = operation.get("operationId")
        check(operation_id and operation_id not in operation_ids,
              f"{name}: operationId missing or not unique")
        operation_ids.add(operation_id)
        role = operation.get("x-role")
        check(role in ROLES, f"{name}: x-role {role!r} is not one of {ROLES}")
        check((operation.get("security") == []) == (role == "none"),
              f"{name}: security must be [] exactly when x-role is none")
        check(bool(operation.get("responses")), f"{name}: no responses")
        declared = {}
        for parameter in operation.get("parameters", []):
            parameter = resolve(document, parameter)
            declared[(parameter["in"], parameter["name"])] = parameter
        for template in re.findall(r"{([^}]+)}", path):
            parameter = declared.get(("path", template))
            check(parameter is not None and parameter.get("required") is True,
                  f"{name}: path parameter {template} is not declared (required)")
        for (where, parameter_name) in declared:
            if where == "path":
                check("{" + parameter_name + "}" in path,
                      f"{name}: declares path parameter {parameter_name} not in the path")
        body = operation.get("requestBody")
        if body:
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if check(schema is not None, f"{name}: requestBody without an application/json schema"):
                check_closed(document, schema, f"{name} body", frozenset())
        if role != "none":
            for status in ("401", "403"):
                check(status in operation["responses"], f"{name}: {status} not documented")
    return len(operation_ids)


# ---- 2. Routes ----------------------------------------------------------------------------------

def check_routes(document):
    out = subprocess.run([harness.server_binary(), "--print-routes"], capture_output=True,
                         text=True, timeout=30)
    if not check(out.returncode == 0, f"--print-routes exited {out.returncode}: {out.stderr[:300]}"):
        return 0
    try:
        routes = json.loads(out.stdout)
    except ValueError as error:
        check(False, f"--print-routes is not JSON ({error}): {out.stdout[:300]!r}")
        return 0
    served = {}
    for route in routes:
        served[(route["method"].upper(), route["path"])] = route["role"]
    documented = {(method.upper(), path): operation.get("x-role")
                  for path, method, operation in operations(document)}
    for key in sorted(set(served) - set(documented)):
        check(False, f"route {key[0]} {key[1]} has no operation in openapi.json")
    for key in sorted(set(documented) - set(served)):
        check(False, f"openapi.json documents {key[0]} {key[1]}, which is not a route")
    for key in sorted(set(served) & set(documented)):
        check(served[key] == documented[key],
              f"{key[0]} {key[1]}: route role {served[key]!r}, x-role {documented[key]!r}")
    check(len(routes) == len(served), "--print-routes lists a (method, path) twice")
    return len(routes)


# ---- 3 and 4. Served document and conformance ----------------------------------------------------

class Conformance:
    def __init__(self, document, client):
        self.document = document
        self.client = client
        self.validated = 0

    def operation(self, method, template):
        item = self.document["paths"].get(template)
        if not check(item is not None and method.lower() in item,
                     f"{method} {template}: not documented"):
            return None
        return item[method.lower()]

    def call(self, method, template, params=None, body=None, query="", expect=None,
             headers=None, invalid_body=False):
        """Sends the request, validates body (unless invalid_body: a deliberately bad one) and
        answer against the document; returns the Response."""
        operation = self.operation(method, template)
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", value)
        name = f"{method} {template}"
        if operation is not None and body is not None and not invalid_body:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            for problem in validate(self.document, schema, body, "body"):
                check(False, f"{name}: the test's request body is not valid per the document: "
                             f"{problem}")
        response = self.client.request(method, path + query, body=body, headers=headers)
        if expect is not None:
            check(response.status == expect,
                  f"{name}{query}: expected {expect}, got {response.status} {response.body[:300]!r}")
        if operation is None:
            return response
        documented = operation["responses"].get(str(response.status)) or \
            operation["responses"].get("default")
        if not check(documented is not None,
                     f"{name}{query}: answered {response.status}, which is not documented "
                     f"({sorted(operation['responses'])}): {response.body[:200]!r}"):
            return response
        documented = resolve(self.document, documented)
        content = documented.get("content", {})
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if "application/json" in content and response.body:
            check(media == "application/json",
                  f"{name}: answered Content-Type {media!r}, documented application/json")
            try:
                value = json.loads(response.body)
            except ValueError:
                check(False, f"{name}: the answer is not JSON: {response.body[:200]!r}")
                return response
            problems = validate(self.document, content["application/json"]["schema"], value,
                                "response")
            for problem in problems:
                check(False, f"{name} -> {response.status}: {problem}")
            self.validated += 1
        elif content:
            check(media in content, f"{name}: answered Content-Type {media!r}, documented "
                                    f"{sorted(content)}")
            self.validated += 1
        else:
            check(not response.body, f"{name} -> {response.status}: documented without a body, "
                                     f"got {response.body[:100]!r}")
            self.validated += 1
        return response

    def refuses_unknown_field(self, method, template, params, body):
        """The server refuses an undocumented field, as additionalProperties: false says."""
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", value)
        response = self.client.request(method, path, body=dict(body, unexpectedField=1))
        ok = response.status == 400
        if ok:
            field = (response.json() or {}).get("error", {}).get("field")
            ok = field == "unexpectedField"
        check(ok, f"{method} {template} with an unknown field: expected 400 naming "
                  f"unexpectedField, got {response.status} {response.body[:200]!r}")


def check_stream_head(document, server):
    """GET /v1/stream: the status line and Content-Type are as documented (the body never ends,
    so only the head is read)."""
    operation = document["paths"]["/v1/stream"]["get"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", f"/v1/stream?access_token={harness.ADMIN_KEY}",
                     headers={"Accept": "text/event-stream"})
        response = conn.getresponse()
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        documented = resolve(document, operation["responses"].get(str(response.status), {}))
        check(str(response.status) in operation["responses"] and
              media in documented.get("content", {}),
              f"GET /v1/stream: {response.status} {media!r}, documented "
              f"{ {k: sorted(resolve(document, v).get('content', {})) for k, v in operation['responses'].items()} }")
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/v1/stream?access_token=wrong-key-0123456789")
        response = conn.getresponse()
        check(response.status == 401 and "401" in operation["responses"],
              f"GET /v1/stream with a wrong key: {response.status}, expected documented 401")
    finally:
        conn.close()


def exercise(document, server):
    admin = server.client()
    c = Conformance(document, admin)
    loc_a = {"locationId": "wh-1", "name": "Warehouse 1", "type": "warehouse",
             "attributes": {"region": "eu"}}
    loc_b = {"locationId": "st-1", "name": "Store 1", "type": "store"}
    product = {"productId": "p-1", "sku": "SKU-1", "name": "Foundation", "description": "30ml",
               "price": {"amount": 4999, "currency": "USD"}, "attributes": {"shade": "beige"}}

    c.refuses_unknown_field("POST", "/v1/locations", None, loc_a)
    c.call("POST", "/v1/locations", body=loc_a, expect=201)
    c.call("POST", "/v1/locations", body=loc_b, expect=201)
    c.call("POST", "/v1/locations", body=loc_b, expect=409)
    c.call("GET", "/v1/locations", query="?limit=1", expect=200)
    c.call("GET", "/v1/locations/{locationId}", {"locationId": "wh-1"}, expect=200)
    c.call("GET", "/v1/locations/{locationId}", {"locationId": "nowhere"}, expect=404)
    c.refuses_unknown_field("PUT", "/v1/locations/{locationId}", {"locationId": "st-1"},
                            {"name": "Store One"})
    c.call("PUT", "/v1/locations/{locationId}", {"locationId": "st-1"},
           body={"name": "Store One", "type": "store", "version": 1})

    c.refuses_unknown_field("POST", "/v1/products", None, product)
    c.call("POST", "/v1/products", body=product, expect=201)
    c.call("GET", "/v1/products", expect=200)
    c.call("GET", "/v1/products", query="?sku=SKU-1", expect=200)
    c.call("GET", "/v1/products/{productId}", {"productId": "p-1"}, expect=200)
    c.refuses_unknown_field("PUT", "/v1/products/{productId}", {"productId": "p-1"},
                            {"name": "Foundation 2"})
    c.call("PUT", "/v1/products/{productId}", {"productId": "p-1"},
           body={"name": "Foundation 2", "attributes": {"shade": "ivory"}}, expect=200)

    adjust = {"productId": "p-1", "locationId": "wh-1", "adjustment": 10, "reason": "receipt",
              "reference": "PO-1"}
    c.refuses_unknown_field("POST", "/v1/inventory", None, adjust)
    item = c.call("POST", "/v1/inventory", body=adjust, expect=200).json() or {}
    inventory_id = str(item.get("inventoryId", "0"))
    c.call("POST", "/v1/inventory", body={"productId": "p-1", "locationId": "wh-1",
                                          "adjustment": "ten", "reason": "x"}, expect=400,
           invalid_body=True)
    c.call("POST", "/v1/inventory", body=dict(adjust, adjustment=1),
           headers={"Idempotency-Key": "conformance-1"}, expect=200)
    c.call("POST", "/v1/inventory", body=dict(adjust, adjustment=2),
           headers={"Idempotency-Key": "conformance-1"}, expect=422)
    c.call("POST", "/v1/products", body=dict(product, productId="p-big", sku="SKU-big",
                                             description="x" * 4000,
                                             attributes={f"a{i}": "y" * 60 for i in range(1200)}),
           expect=413)
    c.call("GET", "/v1/inventory", query="?limit=10", expect=200)
    c.call("GET", "/v1/inventory", query="?lowStock=true&productId=p-1", expect=200)
    c.call("GET", "/v1/inventory/{inventoryId}", {"inventoryId": inventory_id}, expect=200)
    c.refuses_unknown_field("PATCH", "/v1/inventory/{inventoryId}", {"inventoryId": inventory_id},
                            {"lowStockThreshold": 2})
    c.call("PATCH", "/v1/inventory/{inventoryId}", {"inventoryId": inventory_id},
           body={"lowStockThreshold": 2, "safetyStock": 0}, expect=200)
    bulk = {"atomic": True, "operations": [
        {"productId": "p-1", "locationId": "wh-1", "adjustment": 5, "reason": "bulk"},
        {"productId": "p-1", "locationId": "st-1", "stockLevel": 3}]}
    c.refuses_unknown_field("POST", "/v1/inventory/bulk-update", None, bulk)
    c.call("POST", "/v1/inventory/bulk-update", body=bulk, expect=200)
    c.call("POST", "/v1/inventory/bulk-update", body={"atomic": True, "operations": [
        {"productId": "p-1", "locationId": "wh-1", "adjustment": -1000}]}, expect=409)
    c.call("POST", "/v1/inventory/bulk-update", body={"atomic": False, "operations": [
        {"productId": "p-1", "locationId": "wh-1", "adjustment": -1000},
        {"productId": "p-1", "locationId": "wh-1", "adjustment": 1}]}, expect=200)
    c.call("GET", "/v1/inventory/{inventoryId}/history", {"inventoryId": inventory_id},
           query="?limit=2", expect=200)

    reserve = {"lines": [{"productId": "p-1", "locationId": "wh-1", "quantity": 2}],
               "ttlSeconds": 600, "reference": "order-1"}
    c.refuses_unknown_field("POST", "/v1/reservations", None, reserve)
    reservation = c.call("POST", "/v1/reservations", body=reserve, expect=201).json() or {}
    rid = str(reservation.get("reservationId", "0"))
    c.call("POST", "/v1/reservations", body={"lines": [
        {"productId": "p-1", "locationId": "wh-1", "quantity": 100000}]}, expect=409)
    c.call("GET", "/v1/reservations/{reservationId}", {"reservationId": rid}, expect=200)
    c.refuses_unknown_field("POST", "/v1/reservations/{reservationId}/extend",
                            {"reservationId": rid}, {"ttlSeconds": 900})
    c.call("POST", "/v1/reservations/{reservationId}/extend", {"reservationId": rid},
           body={"ttlSeconds": 900}, expect=200)
    confirm = {"lines": [{"productId": "p-1", "locationId": "wh-1", "quantity": 1}]}
    c.refuses_unknown_field("POST", "/v1/reservations/{reservationId}/confirm",
                            {"reservationId": rid}, confirm)
    c.call("POST", "/v1/reservations/{reservationId}/confirm", {"reservationId": rid},
           body=confirm, expect=200)
    c.call("POST", "/v1/reservations/{reservationId}/release", {"reservationId": rid},
           body={}, expect=409)
    second = c.call("POST", "/v1/reservations", body=reserve, expect=201).json() or {}
    c.refuses_unknown_field("POST", "/v1/reservations/{reservationId}/release",
                            {"reservationId": str(second.get("reservationId", "0"))}, {})
    c.call("POST", "/v1/reservations/{reservationId}/release",
           {"reservationId": str(second.get("reservationId", "0"))}, expect=200)

    transfer = {"productId": "p-1", "fromLocationId": "wh-1", "toLocationId": "st-1",
                "quantity": 2, "reason": "rebalance"}
    c.refuses_unknown_field("POST", "/v1/transfers", None, transfer)
    c.call("POST", "/v1/transfers", body=transfer, expect=200)
    c.call("GET", "/v1/changes", query="?after=0&limit=5", expect=200)
    c.call("GET", "/v1/changes", query="?types=stock.adjusted&locationId=wh-1", expect=200)
    c.call("GET", "/v1/changes", query="?after=x", expect=400)
    c.call("GET", "/v1/ws", expect=426)  # Not an upgrade request.
    check_stream_head(document, server)

    subscription = {"url": "http://127.0.0.1:9/hook", "events": ["stock.adjusted"],
                    "secret": "0123456789abcdef0123"}
    c.refuses_unknown_field("POST", "/v1/subscriptions/inventory", None, subscription)
    created = c.call("POST", "/v1/subscriptions/inventory", body=subscription, expect=201).json()
    sid = str((created or {}).get("subscriptionId", "none"))
    c.call("GET", "/v1/subscriptions/inventory/{subscriptionId}", {"subscriptionId": sid},
           expect=200)
    c.call("DELETE", "/v1/subscriptions/inventory/{subscriptionId}", {"subscriptionId": sid},
           expect=204)

    key_body = {"role": "viewer", "locations": ["wh-1"], "name": "dashboard"}
    c.refuses_unknown_field("POST", "/v1/api-keys", None, key_body)
    key = c.call("POST", "/v1/api-keys", body=key_body, expect=201).json() or {}
    viewer = Conformance(document, server.client(key.get("key", "")))
    viewer.call("GET", "/v1/inventory", expect=200)
    viewer.call("POST", "/v1/inventory", body=adjust, expect=403)
    viewer.call("GET", "/v1/locations/{locationId}", {"locationId": "st-1"}, expect=404)
    c.validated += viewer.validated
    c.call("DELETE", "/v1/api-keys/{keyId}", {"keyId": str(key.get("keyId", "none"))}, expect=204)
    c.call("DELETE", "/v1/api-keys/{keyId}", {"keyId": "bootstrap"}, expect=400)
    anonymous = Conformance(document, server.client(""))
    anonymous.call("GET", "/v1/inventory", expect=401)
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/"):
        anonymous.call("GET", path, expect=200)
    c.validated += anonymous.validated

    c.call("DELETE", "/v1/products/{productId}", {"productId": "p-1"}, expect=409)
    c.call("DELETE", "/v1/products/{productId}", {"productId": "p-1"}, query="?force=true",
           expect=204)
    c.call("DELETE", "/v1/locations/{locationId}", {"locationId": "st-1"}, query="?force=true",
           expect=204)
    return c.validated


def main():
    with open(DOCUMENT, encoding="utf-8") as f:
        text = f.read()
    try:
        document = json.loads(text)
    except ValueError as error:
        print(f"openapi: {DOCUMENT} is not JSON: {error}")
        return 1
    operation_count = check_structure(text, document)
    route_count = check_routes(document)
    validated = 0
    with harness.Server(args=["--webhook-allow-private", "--rate-limit", "0",
                              "--max-body-bytes", "65536"]) as server:
        served = server.client("").get("/openapi.json")
        check(served.status == 200, f"GET /openapi.json: {served.status}")
        try:
            check(served.json() == document,
                  "GET /openapi.json differs from examples/server/openapi.json "
                  "(rebuild inventory-server: the document is compiled in)")
        except ValueError as error:
            check(False, f"GET /openapi.json is not JSON: {error}")
        validated = exercise(document, server)
    print(f"openapi: {operation_count} operations, {route_count} routes, {validated} responses "
          f"validated, {checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
