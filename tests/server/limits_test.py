#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""The server's protective limits hold against a real process.

Goal: a client cannot take more than its share: the token bucket per key answers 429 with
Retry-After (and other keys are not affected), a connection that never finishes its header is
closed after --header-timeout-ms, connections beyond --max-connections are refused at accept,
bodies over --max-body-bytes get 413, and none of this stops the server from serving others.
Method: one server with small limits (rate 5/s burst 5, header timeout 500 ms, 8 connections,
64 KiB bodies); raw sockets for the slow and surplus connections.
Scale: about 50 requests; under 10 s.
"""

import json
import socket
import sys
import time

import harness

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def raw_connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def closed_within(sock, seconds):
    """True when the server closes `sock` (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def main():
    args = ["--rate-limit", "5", "--rate-burst", "5", "--header-timeout-ms", "500",
            "--max-connections", "8", "--max-body-bytes", "65536", "--threads", "2"]
    with harness.Server(args=args) as server:
        admin = server.client()
        # A second key, to show that one key's bucket does not limit another.
        created = admin.post("/v1/api-keys", {"role": "viewer"})
        check(created.status == 201, f"create viewer key: {created}")
        viewer = server.client(created.json()["key"])

        # Rate limit: burst 5, then 429 with Retry-After, per key.
        statuses = [admin.get("/v1/products") for _ in range(12)]
        limited = [r for r in statuses if r.status == 429]
        check(len(limited) >= 5, f"expected >= 5 of 12 rapid requests limited, got {len(limited)}")
        if limited:
            r = limited[0]
            check(r.headers.get("retry-after", "").isdigit(), f"429 without Retry-After: {r.headers}")
            check(r.json()["error"]["code"] == "rate_limited", f"429 code: {r}")
        check(viewer.get("/v1/products").status == 200, "another key was limited too")
        check(admin.get("/healthz").status == 200, "/healthz (no key) was rate limited")
        time.sleep(1.2)
        check(admin.get("/v1/products").status == 200, "the bucket did not refill")

        # Header read timeout: half a request line, then silence.
        slow = raw_connect(server.port)
        slow.sendall(b"GET /v1/products HTTP/1.1\r\nHost: x\r\n")
        start = time.time()
        check(closed_within(slow, 5), "a connection with an unfinished header stayed open")
        elapsed = time.time() - start
        check(elapsed < 3, f"header timeout took {elapsed:.1f} s (limit 0.5 s)")
        slow.close()

        # Connection limit: hold 8 idle connections; the 9th is closed at once, and once they
        # go, the server serves again.
        time.sleep(1.2)  # refill the admin bucket
        admin.close()
        held = [raw_connect(server.port) for _ in range(8)]
        time.sleep(0.2)
        extra = raw_connect(server.port)
        check(closed_within(extra, 2), "a connection beyond --max-connections was kept")
        extra.close()
        for s in held:
            s.close()
        time.sleep(0.3)
        check(viewer.get("/v1/products").status == 200, "server did not recover after the limit")

        # Body size: 413 with the error object; the server keeps serving.
        time.sleep(1.2)
        big = json.dumps({"productId": "big", "sku": "BIG", "name": "x" * 70000}).encode()
        r = server.client().request("POST", "/v1/products", raw=big)
        check(r.status == 413, f"oversized body: expected 413, got {r}")
        check(r.status != 413 or r.json()["error"]["requestId"], "413 without requestId")
        time.sleep(0.3)
        check(server.client().get("/v1/products/big").status == 404, "oversized body changed state")
        check(viewer.get("/healthz").status == 200, "server stopped serving after 413")

    summary = (f"server limits: rate limit, header timeout, connection limit, body size; "
               f"{len(failures)} failures")
    print(summary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
