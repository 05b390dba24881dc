#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""End-to-end test of inventory-server's live streams: Server-Sent Events (GET /v1/stream) and
WebSocket (GET /v1/ws).

Goal: every change reaches a live client as one frame, in sequence order, with nothing skipped;
a client resumes exactly after the sequence it names (Last-Event-ID header, ?after=); browsers
can authenticate with ?access_token=; a missing or wrong key is 401; a client that stops reading
is disconnected (slow_consumer) without holding back the other clients or the API.

Method: own inventory-server processes (harness.Server) on loopback. Streams are read with a
hand-written HTTP/1.1 client over a raw socket (chunked or close-delimited bodies) and a minimal
RFC 6455 WebSocket client (handshake with base64 + SHA-1, masked client frames, fragmented and
control frames, close handshake), both standard library only. What a stream delivers is compared
with GET /v1/changes, the polling view of the same feed.

Scale: about 20 changes for the resume checks; the slow-consumer check starts a second server with
--stream-queue-bytes 65536, opens an SSE stream and a WebSocket with 4 KiB socket receive buffers
that are never read, and makes 20,000 adjustments (400 non-atomic bulk updates of 50, each sent
once a second, reading SSE stream has the previous one's events) while a third thread times
GET /v1/inventory/{id} (each must answer in < 1 s). Runtime: 3..30 s on two cores.
"""

import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

LOCATION = "live-wh"
PRODUCT = "live-p1"
OTHER_PRODUCT = "live-p2"

from harness import FAILURES, check, expect, changes_after, head_sequence, section  # noqa: E402




# ---------------------------------------------------------------------------------------------
# REST helpers



def setup_catalog(admin, products, location):
    expect(admin.post("/v1/locations", {"locationId": location, "name": "Live test warehouse",
                                        "type": "warehouse"}), (200, 201),
           f"POST /v1/locations {location}")
    for product in products:
        expect(admin.post("/v1/products", {"productId": product, "sku": f"SKU-{product}",
                                           "name": f"Product {product}",
                                           "price": {"amount": 1000, "currency": "USD"}}),
               201, f"POST /v1/products {product}")


def adjust(client, product, location, adjustment, reason="live test"):
    return expect(client.post("/v1/inventory", {"productId": product, "locationId": location,
                                                "adjustment": adjustment, "reason": reason}),
                  200, f"POST /v1/inventory {product} {adjustment:+d}")




SAME_KEYS = ("sequence", "type", "inventoryId", "productId", "locationId", "before", "after",
             "delta")


def same_event(a, b):
    return all(a.get(k) == b.get(k) for k in SAME_KEYS)


# ---------------------------------------------------------------------------------------------
# A raw HTTP/1.1 connection: request, response head, then the body as it arrives.


class RawHttp:
    def __init__(self, port, path, headers=None, rcvbuf=None, timeout=10.0, extra_head=""):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # Before connect, so that the window advertised in the handshake is already small.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n" + extra_head + "\r\n").encode())
        self._raw = b""      # received, not yet decoded (chunked framing)
        self.body = b""      # decoded body bytes, not yet consumed
        self.status = None
        self.headers = {}
        self.eof = False
        self.chunked = False
        self.reset = False

    def read_head(self):
        while b"\r\n\r\n" not in self._raw:
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError(f"connection closed before the response head: {self._raw!r}")
            self._raw += data
        head, self._raw = self._raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self._decode()
        return self.status

    def read_fixed_body(self):
        """For a response with Content-Length (an error), the whole body."""
        if self.chunked:
            while self.fill():
                pass
            return self.body
        length = int(self.headers.get("content-length", "0"))
        while len(self.body) < length and not self.eof:
            self.fill()
        return self.body[:length]

    def _append(self, data):
        self.body += data

    def _decode(self):
        if not self.chunked:
            self._append(self._raw)
            self._raw = b""
            return
        while True:
            crlf = self._raw.find(b"\r\n")
            if crlf < 0:
                return
            size = int(self._raw[:crlf].split(b";")[0], 16)
            if size == 0:
                self.eof = True
                self._raw = b""
                return
            if len(self._raw) < crlf + 2 + size + 2:
                return
            self._append(self._raw[crlf + 2:crlf + 2 + size])
            self._raw = self._raw[crlf + 2 + size + 2:]

    def fill(self):
        """Receives once; returns False at the end of the stream."""
        if self.eof:
            return False
        try:
            data = self.sock.recv(262144)
        except ConnectionResetError:
            self.reset = True
            data = b""
        if not data:
            self.eof = True
            return False
        self._raw += data
        self._decode()
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SseStream(RawHttp):
    """GET /v1/stream. next_frame() returns {"id","event","data","comments"} or None at the end."""

    def __init__(self, port, path, headers=None, **kw):
        h = {"Accept": "text/event-stream"}
        h.update(headers or {})
        super().__init__(port, path, h, **kw)
        self._pos = 0  # start of the unparsed part of self.body

    def _append(self, data):
        if self._pos > 1 << 20:
            self.body, self._pos = self.body[self._pos:], 0
        self.body += data.replace(b"\r\n", b"\n")

    def next_frame(self, deadline=None):
        """The next frame with an id, event or data (comment-only frames, such as the
        keep-alives, are skipped); None at the end of the stream; socket.timeout after
        `deadline` (time.time()) or when the socket's own timeout expires."""
        while True:
            if deadline is not None and time.time() > deadline:
                raise socket.timeout("deadline passed")
            end = self.body.find(b"\n\n", self._pos)
            if end >= 0:
                block, self._pos = self.body[self._pos:end], end + 2
                frame = {"id": None, "event": None, "data": None, "comments": []}
                data_lines = []
                for line in block.decode().split("\n"):
                    line = line.rstrip("\r")
                    if line.startswith(":"):
                        frame["comments"].append(line[1:])
                        continue
                    name, _, value = line.partition(":")
                    if value.startswith(" "):
                        value = value[1:]
                    if name == "data":
                        data_lines.append(value)
                    elif name in ("id", "event"):
                        frame[name] = value
                if data_lines:
                    frame["data"] = "\n".join(data_lines)
                if frame["data"] is None and frame["event"] is None and frame["id"] is None:
                    continue  # keep-alive comment or retry: line
                return frame
            if not self.fill():
                return None

    def events_until(self, last_sequence, deadline_s=15.0):
        """Frames until one with sequence >= last_sequence; returns (frames, ended_early)."""
        frames = []
        deadline = time.time() + deadline_s
        try:
            while True:
                frame = self.next_frame(deadline)
                if frame is None:
                    return frames, True
                frames.append(frame)
                if frame["id"] is not None and int(frame["id"]) >= last_sequence:
                    return frames, False
        except socket.timeout:
            pass
        raise AssertionError(f"stream did not reach sequence {last_sequence} in {deadline_s} s "
                             f"({len(frames)} frames)")


def check_sse_frames(frames, expected, what):
    """The frames are exactly the expected events, in order, id == data.sequence."""
    ids = [int(f["id"]) if f["id"] is not None else None for f in frames]
    want = [e["sequence"] for e in expected]
    if not check(ids == want, f"{what}: ids {ids[:8]}..{ids[-3:]} ({len(ids)}), expected "
                              f"{want[:8]}..{want[-3:]} ({len(want)})"):
        return
    for frame, event in zip(frames, expected):
        data = json.loads(frame["data"])
        if not check(data.get("sequence") == int(frame["id"]),
                     f"{what}: frame id {frame['id']} but data.sequence {data.get('sequence')}"):
            return
        if not check(frame["event"] == data.get("type"),
                     f"{what}: event: {frame['event']!r} but data.type {data.get('type')!r}"):
            return
        if not check(same_event(data, event),
                     f"{what}: stream event {data} differs from /v1/changes {event}"):
            return


# ---------------------------------------------------------------------------------------------
# A minimal RFC 6455 WebSocket client.

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket(RawHttp):
    def __init__(self, port, path, headers=None, timeout=10.0, rcvbuf=None):
        self.key = base64.b64encode(os.urandom(16)).decode()
        h = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": self.key,
             "Sec-WebSocket-Version": "13"}
        h.update(headers or {})
        super().__init__(port, path, h, timeout=timeout, rcvbuf=rcvbuf)
        self.close_code = None
        self.close_reason = None
        self.sent_close = False

    def handshake(self):
        """Reads the response head; True if upgraded with a correct Sec-WebSocket-Accept."""
        self.chunked = False
        self.read_head()
        if self.status != 101:
            return False
        accept = base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode()).digest()).decode()
        check(self.headers.get("sec-websocket-accept") == accept,
              f"ws: Sec-WebSocket-Accept {self.headers.get('sec-websocket-accept')!r}, "
              f"expected {accept!r}")
        check(self.headers.get("upgrade", "").lower() == "websocket",
              f"ws: Upgrade header {self.headers.get('upgrade')!r}")
        return True

    def _need(self, n):
        while len(self.body) < n:
            if not self.fill():
                raise EOFError("connection closed inside a frame")
        out, self.body = self.body[:n], self.body[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._need(2)
        fin, opcode = bool(b0 & 0x80), b0 & 0x0F
        check(not (b1 & 0x80), "ws: the server masked a frame (RFC 6455 5.1 forbids it)")
        length = b1 & 0x7F
        if length == 126:
            length = int.from_bytes(self._need(2), "big")
        elif length == 127:
            length = int.from_bytes(self._need(8), "big")
        if b1 & 0x80:
            mask = self._need(4)
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(self._need(length)))
        else:
            payload = self._need(length)
        return fin, opcode, payload

    def send_frame(self, opcode, payload=b""):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_message(self):
        """The next text message (str), or None after a close frame (code in close_code)."""
        parts = []
        while True:
            fin, opcode, payload = self.recv_frame()
            if opcode == 0x9:  # ping
                self.send_frame(0xA, payload)
                continue
            if opcode == 0xA:  # pong
                continue
            if opcode == 0x8:  # close
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self.close_reason = payload[2:].decode(errors="replace")
                if not self.sent_close:
                    self.send_frame(0x8, payload[:2])
                    self.sent_close = True
                return None
            if opcode in (0x1, 0x0):
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode()
                continue
            raise AssertionError(f"ws: unexpected opcode {opcode}")

    def close_handshake(self, code=1000):
        """Sends close; returns the code of the server's close frame (None if none came)."""
        self.send_frame(0x8, code.to_bytes(2, "big") + b"bye")
        self.sent_close = True
        try:
            while self.recv_message() is not None:
                pass
        except (EOFError, socket.timeout, ConnectionResetError):
            return None
        return self.close_code


def ws_events_until(ws, last_sequence, deadline_s=15.0):
    out = []
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        msg = ws.recv_message()
        if msg is None:
            raise AssertionError(f"ws closed ({ws.close_code} {ws.close_reason!r}) before "
                                 f"sequence {last_sequence}")
        event = json.loads(msg)
        out.append(event)
        if event.get("sequence", 0) >= last_sequence:
            return out
    raise AssertionError(f"ws did not reach sequence {last_sequence} in {deadline_s} s")


# ---------------------------------------------------------------------------------------------
# Parts of the test


class Context:
    pass


def part_sse_basic(ctx):
    """after=0 with the Authorization header: the whole feed, then live changes as they happen."""
    srv, admin = ctx.srv, ctx.admin
    expected = changes_after(admin, 0)
    head = expected[-1]["sequence"]
    s = SseStream(srv.port, "/v1/stream?after=0", {"Authorization": f"Bearer {srv.admin_key}"})
    try:
        check(s.read_head() == 200, f"GET /v1/stream?after=0: status {s.status}")
        check(s.headers.get("content-type", "").startswith("text/event-stream"),
              f"GET /v1/stream: Content-Type {s.headers.get('content-type')!r}")
        frames, ended = s.events_until(head)
        check(not ended, "GET /v1/stream?after=0: the stream ended while catching up")
        check_sse_frames(frames, expected, "SSE after=0")
        # Live: changes made while the stream is open arrive without reconnecting.
        for i in range(3):
            adjust(admin, OTHER_PRODUCT, LOCATION, 1 + i, reason=f"live {i}")
        live = changes_after(admin, head)
        frames, ended = s.events_until(live[-1]["sequence"])
        check(not ended, "SSE: the stream ended while waiting for live changes")
        check_sse_frames(frames, live, "SSE live changes")
        ctx.sse_checked = len(expected) + len(live)
    finally:
        s.close()


def part_sse_live_only(ctx):
    """Without after= or Last-Event-ID a stream starts with the next change, not the backlog."""
    srv, admin = ctx.srv, ctx.admin
    head = head_sequence(admin)
    s = SseStream(srv.port, "/v1/stream", {"Authorization": f"Bearer {srv.admin_key}"})
    try:
        check(s.read_head() == 200, f"GET /v1/stream (no after): status {s.status}")
        adjust(admin, PRODUCT, LOCATION, 1, reason="live only")
        new = changes_after(admin, head)
        frames, ended = s.events_until(new[-1]["sequence"])
        check(not ended, "GET /v1/stream (no after): the stream ended")
        check_sse_frames(frames, new, "SSE without after= (live only)")
    finally:
        s.close()


def part_sse_resume(ctx):
    srv, admin = ctx.srv, ctx.admin
    all_events = changes_after(admin, 0)
    head = all_events[-1]["sequence"]
    mid = all_events[len(all_events) // 2]["sequence"]
    after_mid = [e for e in all_events if e["sequence"] > mid]
    auth = {"Authorization": f"Bearer {srv.admin_key}"}
    variants = [
        ("Last-Event-ID", "/v1/stream", dict(auth, **{"Last-Event-ID": str(mid)})),
        ("?after=", f"/v1/stream?after={mid}", auth),
        ("?access_token=", f"/v1/stream?after={mid}&access_token={srv.admin_key}", {}),
    ]
    for name, path, headers in variants:
        s = SseStream(srv.port, path, headers)
        try:
            status = s.read_head()
            if not check(status == 200, f"SSE resume with {name}: GET {path} -> {status}"):
                continue
            frames, ended = s.events_until(head)
            check(not ended, f"SSE resume with {name}: the stream ended early")
            check_sse_frames(frames, after_mid, f"SSE resume with {name} {mid}")
        finally:
            s.close()
    ctx.resumed_from = mid


def part_sse_filter(ctx):
    """?types= narrows the stream to those types."""
    srv, admin = ctx.srv, ctx.admin
    wanted = [e for e in changes_after(admin, 0) if e["type"] == "stock.adjusted"]
    s = SseStream(srv.port, f"/v1/stream?after=0&types=stock.adjusted&access_token={srv.admin_key}")
    try:
        check(s.read_head() == 200, f"SSE ?types=stock.adjusted: status {s.status}")
        frames, _ = s.events_until(wanted[-1]["sequence"])
        check_sse_frames(frames, wanted, "SSE ?types=stock.adjusted")
    finally:
        s.close()


def part_sse_auth(ctx):
    srv = ctx.srv
    cases = [
        ("no key", "/v1/stream?after=0", {}),
        ("wrong bearer key", "/v1/stream?after=0", {"Authorization": "Bearer ik_nokey.wrong"}),
        ("wrong access_token", "/v1/stream?after=0&access_token=ik_nokey.wrong", {}),
        ("ws without key", "/v1/ws?after=0", None),
    ]
    for name, path, headers in cases:
        if headers is None:
            conn = WebSocket(srv.port, path)
            upgraded = conn.handshake()
            status = conn.status
            check(not upgraded, f"GET {path} ({name}): upgraded without a key")
        else:
            conn = SseStream(srv.port, path, headers)
            status = conn.read_head()
        try:
            if check(status == 401, f"GET {path} ({name}): expected 401, got {status}"):
                body = conn.read_fixed_body()
                try:
                    code = json.loads(body)["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = None
                check(code == "unauthenticated",
                      f"GET {path} ({name}): 401 body {body[:200]!r}, expected error.code "
                      f"unauthenticated")
        finally:
            conn.close()


def part_websocket(ctx):
    srv, admin = ctx.srv, ctx.admin
    all_events = changes_after(admin, 0)
    mid = all_events[len(all_events) // 3]["sequence"]
    after_mid = [e for e in all_events if e["sequence"] > mid]
    ws = WebSocket(srv.port, f"/v1/ws?after={mid}&access_token={srv.admin_key}")
    try:
        if not check(ws.handshake(), f"GET /v1/ws?after={mid}: status {ws.status}, expected 101"):
            return
        got = ws_events_until(ws, after_mid[-1]["sequence"])
        check([e.get("sequence") for e in got] == [e["sequence"] for e in after_mid],
              f"ws after={mid}: sequences {[e.get('sequence') for e in got]}, expected "
              f"{[e['sequence'] for e in after_mid]}")
        check(all(same_event(a, b) for a, b in zip(got, after_mid)),
              "ws: an event differs from /v1/changes")
        # A ping from the client is answered with a pong carrying the same payload.
        ws.send_frame(0x9, b"ping-1")
        # Live: a change made now arrives as the next text frame.
        before = after_mid[-1]["sequence"]
        adjust(admin, PRODUCT, LOCATION, 2, reason="ws live")
        live = changes_after(admin, before)
        deadline = time.time() + 10
        pong = None
        received = []
        while time.time() < deadline and (len(received) < len(live) or pong is None):
            fin, opcode, payload = ws.recv_frame()
            if opcode == 0xA:
                pong = payload
            elif opcode == 0x9:
                ws.send_frame(0xA, payload)
            elif opcode == 0x1:
                received.append(json.loads(payload))
            elif opcode == 0x8:
                raise AssertionError(f"ws closed by the server: {payload!r}")
        check(pong == b"ping-1", f"ws: pong payload {pong!r}, expected b'ping-1'")
        check([e.get("sequence") for e in received] == [e["sequence"] for e in live],
              f"ws live: {[e.get('sequence') for e in received]}, expected "
              f"{[e['sequence'] for e in live]}")
        code = ws.close_handshake(1000)
        check(code == 1000, f"ws: close handshake answered with code {code}, expected 1000")
        ctx.ws_checked = len(got) + len(received)
    finally:
        ws.close()


def part_revoked_key(ctx):
    """Revoking a key closes the streams it opened at once: SSE with an unauthenticated error
    event, WebSocket with 1008 "key revoked"; a stream of another key stays open."""
    srv, admin = ctx.srv, ctx.admin
    created = expect(admin.post("/v1/api-keys", {"role": "viewer", "name": "stream key"}), 201,
                     "create a viewer key")
    key, key_id = created["key"], created["keyId"]
    sse = SseStream(srv.port, "/v1/stream", {"Authorization": f"Bearer {key}"})
    ws = WebSocket(srv.port, f"/v1/ws?access_token={key}")
    other = SseStream(srv.port, "/v1/stream", {"Authorization": f"Bearer {srv.admin_key}"})
    try:
        if not check(sse.read_head() == 200, f"SSE with the new key: status {sse.status}"):
            return
        if not check(ws.handshake(), f"WebSocket with the new key: status {ws.status}"):
            return
        if not check(other.read_head() == 200, f"SSE with the admin key: status {other.status}"):
            return
        # Each stream is live (subscribed) once it carries an event made now.
        before = head_sequence(admin)
        adjust(admin, PRODUCT, LOCATION, 1, reason="before revocation")
        last = head_sequence(admin)
        sse.events_until(last)
        ws_events_until(ws, last)
        other.events_until(last)
        revoked_at = time.time()
        expect(admin.delete(f"/v1/api-keys/{key_id}"), 204, "revoke the stream key")
        frame = None
        try:
            frame = sse.next_frame(time.time() + 10)
            while frame is not None and frame["event"] != "error":
                frame = sse.next_frame(time.time() + 10)
        except socket.timeout:
            pass
        code = json.loads(frame["data"]).get("code") if frame else None
        if check(code == "unauthenticated", f"SSE after its key was revoked: error frame "
                 f"{frame}, expected code unauthenticated within 10 s"):
            try:
                ended = sse.next_frame(time.time() + 10) is None
            except socket.timeout:
                ended = False
            check(ended, "SSE still open 10 s after the error frame")
        while ws.recv_message() is not None:
            pass
        check(ws.close_code == 1008 and ws.close_reason == "key revoked",
              f"WebSocket after its key was revoked: close {ws.close_code} {ws.close_reason!r}, "
              f"expected 1008 'key revoked'")
        ctx.revoked_closed_s = time.time() - revoked_at
        check(ctx.revoked_closed_s < 10, f"streams closed {ctx.revoked_closed_s:.1f} s after")
        # The admin's stream is untouched: it gets the next change.
        adjust(admin, PRODUCT, LOCATION, 1, reason="after revocation")
        frames, ended = other.events_until(head_sequence(admin))
        check(not ended and frames, "the admin's stream ended with the viewer key's revocation")
        check(before < last, "no event before the revocation")
    finally:
        sse.close()
        ws.close()
        other.close()


def metric_value(client, name):
    """The value of an unlabelled gauge in GET /metrics, or None."""
    r = client.get("/metrics")
    for line in (r.body or b"").decode(errors="replace").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def part_slow_consumer(ctx):
    """A stream that is never read is closed; a reading stream and the API go on."""
    total_events = 20_000
    # 50 events (about 25 KB of SSE) per call, and the next call only once the reading stream
    # has them all: the reading client is never more than one call behind, well inside the
    # 64 KiB queue, even when the CPUs are busy with other work.
    per_call = 50
    with harness.Server(args=["--stream-queue-bytes", "65536", "--rate-limit", "0"]) as srv:
        admin = srv.client()
        setup_catalog(admin, [PRODUCT], LOCATION)
        item = adjust(admin, PRODUCT, LOCATION, 10, reason="slow setup")
        start = head_sequence(admin)
        # Both streams start one event back, so their response heads come at once.
        slow = SseStream(srv.port, f"/v1/stream?after={start - 1}&access_token={srv.admin_key}",
                         rcvbuf=4096, timeout=15)
        check(slow.read_head() == 200, f"slow stream: status {slow.status}")
        fast = SseStream(srv.port, f"/v1/stream?after={start - 1}&access_token={srv.admin_key}",
                         timeout=15)
        check(fast.read_head() == 200, f"fast stream: status {fast.status}")
        slow_ws = WebSocket(srv.port, f"/v1/ws?after={start - 1}&access_token={srv.admin_key}",
                            timeout=15, rcvbuf=4096)
        check(slow_ws.handshake(), f"slow WebSocket: status {slow_ws.status}")
        # A client that stops reading for good: never read again after its head.
        dead = SseStream(srv.port, f"/v1/stream?after={start - 1}&access_token={srv.admin_key}",
                         rcvbuf=4096, timeout=15)
        check(dead.read_head() == 200, f"dead stream: status {dead.status}")

        fast_state = {"ids": [], "error": None, "ended": False, "error_frame": None}
        done_generating = threading.Event()
        target = {"last": None}

        def read_fast():
            fast.sock.settimeout(0.5)  # wakes up to see whether the target is known and reached
            quiet_since = time.time()
            try:
                while True:
                    try:
                        frame = fast.next_frame()
                    except socket.timeout:
                        ids = fast_state["ids"]
                        if target["last"] is not None and ids and ids[-1] >= target["last"]:
                            return
                        if time.time() - quiet_since > 30:
                            raise
                        continue
                    quiet_since = time.time()
                    if frame is None:
                        fast_state["ended"] = True
                        return
                    if frame["event"] == "error":
                        fast_state["error_frame"] = frame
                        continue
                    fast_state["ids"].append(int(frame["id"]))
                    if target["last"] is not None and fast_state["ids"][-1] >= target["last"]:
                        return
            except Exception as e:  # noqa: BLE001
                fast_state["error"] = repr(e)

        latencies = []

        def probe():
            probe_client = harness.Client(srv.url, srv.admin_key, timeout=10)
            while not done_generating.is_set():
                t0 = time.monotonic()
                r = probe_client.get(f"/v1/inventory/{item['inventoryId']}")
                latencies.append((time.monotonic() - t0, r.status))
                time.sleep(0.05)
            probe_client.close()

        reader = threading.Thread(target=read_fast, daemon=True)
        prober = threading.Thread(target=probe, daemon=True)
        reader.start()
        prober.start()
        t0 = time.monotonic()
        ops = [{"productId": PRODUCT, "locationId": LOCATION, "adjustment": 1,
                "reason": "slow consumer load"}] * per_call
        try:
            for call in range(1, total_events // per_call + 1):
                # Not atomic: an atomic batch merges its changes to one item into one event.
                r = admin.post("/v1/inventory/bulk-update", {"atomic": False, "operations": ops})
                expect(r, 200, "POST /v1/inventory/bulk-update")
                want = start + call * per_call
                wait_until = time.monotonic() + 10
                while (reader.is_alive() and time.monotonic() < wait_until
                       and not (fast_state["ids"] and fast_state["ids"][-1] >= want)):
                    time.sleep(0.001)
        finally:
            generate_s = time.monotonic() - t0
            # A few more probes while the slow stream is still stuck, then stop probing.
            time.sleep(0.3)
            done_generating.set()
            prober.join(15)
        last = head_sequence(admin)
        check(last - start >= total_events,
              f"slow consumer: the feed grew by {last - start}, expected >= {total_events}")
        target["last"] = last
        reader.join(60)
        fast_ids = fast_state["ids"]
        check(not reader.is_alive(), f"fast stream: still reading after 60 s "
                                     f"({len(fast_ids)} events, last {fast_ids[-1:]})")
        check(fast_state["error"] is None, f"fast stream: {fast_state['error']}")
        check(fast_state["error_frame"] is None,
              f"fast stream: got an error frame {fast_state['error_frame']}")
        check(not fast_state["ended"] or (fast_ids and fast_ids[-1] >= last),
              f"fast stream: closed by the server after {len(fast_ids)} events (a reading "
              f"client must not be dropped)")
        check(fast_ids == list(range(start, start + len(fast_ids))),
              "fast stream: sequences are not consecutive from the start")
        check(fast_ids and fast_ids[-1] >= last,
              f"fast stream: reached {fast_ids[-1:]} of {last}")
        fast.close()

        worst = max((x[0] for x in latencies), default=None)
        check(latencies and all(status == 200 for _, status in latencies),
              f"probe GET /v1/inventory/{{id}}: statuses {sorted({s for _, s in latencies})}")
        check(worst is not None and worst < 1.0,
              f"probe GET /v1/inventory/{{id}}: slowest answer {worst} s (limit 1 s)")

        # Now read the slow stream: it must end (closed by the server) before the last event.
        slow_ids = []
        error_frame = None
        deadline = time.time() + 60
        ended = False
        while True:
            try:
                frame = slow.next_frame(deadline)
            except socket.timeout:
                break
            if frame is None:
                ended = True
                break
            if frame["event"] == "error":
                error_frame = frame
                continue
            if frame["id"] is not None:
                slow_ids.append(int(frame["id"]))
        slow.close()
        check(ended, f"slow stream: not closed by the server (read {len(slow_ids)} events, "
                     f"last {slow_ids[-1:]}, head {last})")
        check(not slow_ids or slow_ids[-1] < last,
              f"slow stream: received every event up to {last}; it was never disconnected")
        check(slow_ids == list(range(start, start + len(slow_ids))),
              "slow stream: the events it did get are not consecutive (a gap instead of a close)")
        if error_frame is not None:
            check("slow_consumer" in (error_frame["data"] or ""),
                  f"slow stream: error frame {error_frame} does not name slow_consumer")
        # The WebSocket that was never read: closed with 1008 (or cut) before the last event.
        ws_ids = []
        ws_end = None
        deadline = time.time() + 60
        try:
            while time.time() < deadline:
                fin, opcode, payload = slow_ws.recv_frame()
                if opcode == 0x8:
                    slow_ws.close_code = (int.from_bytes(payload[:2], "big")
                                          if len(payload) >= 2 else None)
                    slow_ws.close_reason = payload[2:].decode(errors="replace")
                    ws_end = f"close {slow_ws.close_code} {slow_ws.close_reason!r}"
                    break
                if opcode == 0x1 and fin:
                    ws_ids.append(json.loads(payload).get("sequence"))
        except (EOFError, ConnectionResetError):
            ws_end = "connection closed without a close frame"
        except socket.timeout:
            pass
        slow_ws.close()
        check(ws_end is not None, f"slow WebSocket: not closed by the server (read "
                                  f"{len(ws_ids)} events, last {ws_ids[-1:]}, head {last})")
        check(not ws_ids or ws_ids[-1] < last,
              f"slow WebSocket: received every event up to {last}; it was never disconnected")
        check(ws_ids == list(range(start, start + len(ws_ids))),
              "slow WebSocket: the events it did get are not consecutive")
        if ws_end and ws_end.startswith("close"):
            check(slow_ws.close_code == 1008,
                  f"slow WebSocket: {ws_end}, expected close code 1008 (slow consumer)")
        ctx.slow_ws = (len(ws_ids), ws_end)
        ctx.slow = (len(slow_ids), error_frame is not None, len(fast_ids), worst, generate_s)

        # The dead client never reads: its slow_consumer frame cannot be written and a write
        # stays pending. The server must still let go of the connection and session (after
        # the stream close grace, 10 s) rather than hold them for ever.
        released_s, streams = None, None
        t_release = time.monotonic()
        while time.monotonic() - t_release < 30:
            streams = metric_value(admin, "inventory_http_streams")
            if streams == 0:
                released_s = time.monotonic() - t_release + generate_s
                break
            time.sleep(0.2)
        check(released_s is not None,
              f"dead stream: the server still holds {streams} live streams although the client "
              f"stopped reading {time.monotonic() - t_release + generate_s:.0f} s ago")
        ctx.slow_released = released_s
        dead.close()


def main():
    ctx = Context()
    ctx.sse_checked = ctx.ws_checked = 0
    ctx.slow = None
    started = time.time()
    with harness.Server(args=["--rate-limit", "0"]) as srv:
        ctx.srv = srv
        ctx.admin = admin = srv.client()
        section("setup", setup_catalog, admin, [PRODUCT, OTHER_PRODUCT], LOCATION)
        for i in range(6):
            adjust(admin, PRODUCT, LOCATION, 5 + i, reason=f"setup {i}")
        adjust(admin, OTHER_PRODUCT, LOCATION, 7)
        adjust(admin, PRODUCT, LOCATION, -2, reason="damaged")
        section("SSE after=0 and live", part_sse_basic, ctx)
        section("SSE live only", part_sse_live_only, ctx)
        section("SSE resume", part_sse_resume, ctx)
        section("SSE ?types=", part_sse_filter, ctx)
        section("SSE/WS 401", part_sse_auth, ctx)
        section("WebSocket", part_websocket, ctx)
        section("revoked key closes its streams", part_revoked_key, ctx)
    section("slow consumer", part_slow_consumer, ctx)
    elapsed = time.time() - started
    if ctx.slow:
        slow_n, slow_err, fast_n, worst, gen_s = ctx.slow
        slow_text = (f"slow consumer closed after {slow_n} events"
                     f"{' with slow_consumer error' if slow_err else ''}, reader got {fast_n} in "
                     f"{gen_s:.1f} s, slowest GET {worst * 1000:.0f} ms")
        if getattr(ctx, "slow_ws", None):
            slow_text += f", slow WebSocket ended after {ctx.slow_ws[0]} events ({ctx.slow_ws[1]})"
        if getattr(ctx, "slow_released", None) is not None:
            slow_text += (f", a client that never read again released within "
                          f"{ctx.slow_released:.0f} s of the load")
    else:
        slow_text = "slow consumer not checked"
    status = "ok" if not FAILURES else f"{len(FAILURES)} FAILURES"
    print(f"server live streams: {status}: SSE {ctx.sse_checked} events in order, resume after "
          f"{getattr(ctx, 'resumed_from', '?')} via Last-Event-ID/?after=/?access_token=, "
          f"WebSocket {ctx.ws_checked} events, streams of a revoked key closed in "
          f"{getattr(ctx, 'revoked_closed_s', float('nan')) * 1000:.0f} ms, {slow_text}, "
          f"{elapsed:.1f} s")
    if FAILURES:
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
