#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""The operator dashboard (GET /) in a real browser: a stock change made through the API shows up
in the open page within 2 seconds.

Method: start inventory-server (harness.Server), create two locations, a product and an item
with stock 10 through the API, open headless Chromium on http://127.0.0.1:<port>/#key=<admin key>
and drive it over the DevTools protocol (a minimal WebSocket client from the standard library;
Runtime.evaluate reads the DOM; --remote-debugging-port=0 and DevToolsActivePort give a free
port without a race). Steps:
  1. GET / (no key) is text/html, byte for byte examples/server/dashboard.html, and names no
     external resource.
  2. The item's row shows stockLevel 10, the key is gone from the address bar, the stream
     status is "live".
  3. POST /v1/inventory adjustment +5; poll the row every 50 ms until it shows 15 (reserved 0,
     available 15); must happen within 2 s. Prints "dashboard: change visible after N ms".
  4. A new item (the product at the second location) appears as a new row within 2 s.
  5. body[data-last-event-sequence] reaches the journal's head, the event and item counters
     are right, and the page threw no uncaught exception.
Scale: one page, three stock changes; about 2 s plus the browser's start.

Chromium runs with its background services off, a dead proxy on loopback for anything that is
not loopback, and a host resolver that resolves no name, so it reaches no other address. It is
killed (its whole process group) at the end, also on failure.

Environment: INVENTORY_SERVER (the binary), CHROMIUM (default /usr/bin/chromium).
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DASHBOARD = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "server", "dashboard.html"))
VISIBLE_WITHIN_S = 2.0


class Failure(Exception):
    pass


# ---- A minimal WebSocket client (RFC 6455), enough for the DevTools protocol ---------------------

class WebSocket:
    def __init__(self, url, timeout=10):
        if not url.startswith("ws://"):
            raise Failure(f"unexpected DevTools URL {url}")
        rest = url[len("ws://"):]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        if host not in ("127.0.0.1", "localhost"):
            raise Failure(f"refusing a non-loopback DevTools address {host}")
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("DevTools closed the WebSocket handshake")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise Failure(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise Failure("DevTools closed the WebSocket")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self.send_frame(0x1, text.encode())

    def receive_text(self):
        message = b""
        while True:
            first, second = self._read(2)
            opcode = first & 0x0F
            n = second & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise Failure("DevTools closed the WebSocket")
            if opcode == 0x9:
                self.send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self):
        try:
            self.send_frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class DevTools:
    """One page target: send(method, params) waits for that command's answer; uncaught page
    exceptions (Runtime.exceptionThrown) are collected in `exceptions`."""

    def __init__(self, url):
        self.ws = WebSocket(url)
        self.next_id = 0
        self.exceptions = []

    def send(self, method, params=None, timeout=10):
        self.next_id += 1
        command_id = self.next_id
        self.ws.send_text(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        self.ws.sock.settimeout(timeout)
        while True:
            message = json.loads(self.ws.receive_text())
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description")
                                       or details.get("text"))
            if message.get("id") == command_id:
                if "error" in message:
                    raise Failure(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise Failure(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")


# ---- Chromium ----------------------------------------------------------------------------------

def chromium_binary():
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        if not found:
            return None
        path = found
    return path


class Chromium:
    def __init__(self, binary):
        self.binary = binary
        self.profile = tempfile.mkdtemp(prefix="inventory-dashboard-chromium-")
        self.proc = None
        self.log = None

    def start(self, timeout=60):
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        args = [
            self.binary, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self.profile}",
            # Nothing but loopback: no background services, a dead proxy on loopback for any
            # other address, and no name resolution.
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-extensions", "--disable-domain-reliability", "--disable-breakpad",
            "--disable-client-side-phishing-detection", "--disable-crash-reporter",
            "--metrics-recording-only", "--safebrowsing-disable-auto-update",
            "--no-pings", "--password-store=basic", "--use-mock-keychain",
            "--disable-features=OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,"
            "AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
            "InterestFeedContentSuggestions,NetworkTimeServiceQuerying,"
            "SafeBrowsingBetterTelemetryAcrossReports",
            "--proxy-server=http://127.0.0.1:9",  # Loopback itself bypasses proxies.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            "--disable-dev-shm-usage", "--window-size=1280,800",
            "about:blank",
        ]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"chromium exited with {self.proc.returncode}: {self.log_tail()}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    lines = f.read().split()
                if lines:
                    return int(lines[0])
            time.sleep(0.05)
        raise Failure(f"chromium did not open its DevTools port in {timeout} s: {self.log_tail()}")

    def log_tail(self):
        try:
            with open(os.path.join(self.profile, "chromium.log"), "rb") as f:
                return f.read()[-1500:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self, devtools=None):
        """Closes the browser: Browser.close first (it ends and reaps its own helper processes),
        then SIGTERM and SIGKILL to its process group (our own: it runs in a new session)."""
        if self.proc is not None and self.proc.poll() is None and devtools is not None:
            try:
                devtools.ws.send_text(json.dumps({"id": 0, "method": "Browser.close"}))
                self.proc.wait(timeout=10)
            except (OSError, Failure, subprocess.TimeoutExpired):
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def page_target(port):
    deadline = time.time() + 20
    while time.time() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/json/list")
            targets = json.loads(conn.getresponse().read())
        except (OSError, ValueError):
            targets = []
        finally:
            conn.close()
        for target in targets:
            if target.get("type") == "page" and target.get("webSocketDebuggerUrl"):
                return target["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise Failure("chromium lists no page target")


# ---- The test ----------------------------------------------------------------------------------

def row_values(devtools, inventory_id):
    expression = f"""(() => {{
      const row = document.querySelector('tr[data-inventory-id="{inventory_id}"]');
      if (!row) return null;
      const cell = (f) => {{ const c = row.querySelector('[data-field="' + f + '"]');
                             return c ? c.textContent : null; }};
      return {{stockLevel: cell('stockLevel'), reservedStock: cell('reservedStock'),
              availableStock: cell('availableStock')}};
    }})()"""
    return devtools.evaluate(expression)


def text_of(devtools, selector, attribute=None):
    """The text (or an attribute) of the first element matching selector; None if absent."""
    read = f".getAttribute({json.dumps(attribute)})" if attribute else ".textContent"
    return devtools.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                             f" return e ? e{read} : null; }})()")


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() >= deadline:
            return None
        time.sleep(interval)


def expect(condition, message):
    if not condition:
        raise Failure(message)


def run(server, browser_binary):
    api = server.client()
    for body, path in (({"locationId": "wh-1", "name": "Warehouse 1", "type": "warehouse"},
                        "/v1/locations"),
                       ({"locationId": "st-1", "name": "Store 1", "type": "store"},
                        "/v1/locations"),
                       ({"productId": "p-1", "sku": "SKU-1", "name": "Foundation"},
                        "/v1/products")):
        r = api.post(path, body)
        expect(r.status == 201, f"POST {path}: {r}")
    r = api.post("/v1/inventory", {"productId": "p-1", "locationId": "wh-1", "adjustment": 10,
                                   "reason": "test"})
    expect(r.status == 200, f"POST /v1/inventory (+10): {r}")
    inventory_id = str(r.json()["inventoryId"])

    # 1. The page itself.
    page = server.client("").get("/")
    expect(page.status == 200, f"GET /: {page}")
    expect(page.headers.get("content-type", "").startswith("text/html"),
           f"GET / Content-Type {page.headers.get('content-type')!r}")
    with open(DASHBOARD, "rb") as f:
        expect(page.body == f.read(),
               "GET / is not examples/server/dashboard.html (rebuild inventory-server: the page "
               "is compiled in)")
    external = re.search(rb"""(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//"""
                         rb"""|@import|https?://(?!www\.w3\.org)""", page.body)
    expect(external is None, f"the page names an external resource: {external and external.group(0)!r}")

    browser = Chromium(browser_binary)
    devtools = None
    try:
        port = browser.start()
        devtools = DevTools(page_target(port))
        devtools.send("Runtime.enable")
        devtools.send("Page.enable")
        devtools.send("Page.navigate", {"url": f"{server.url}/#key={harness.ADMIN_KEY}"})

        # 2. The row shows the stock and the stream is live.
        shown = wait_for(lambda: (row_values(devtools, inventory_id) or {}).get("stockLevel") == "10",
                         15)
        expect(shown, f"the row never showed stockLevel 10: {row_values(devtools, inventory_id)}; "
                      f"page state {text_of(devtools, 'body', 'data-state')!r}, error "
                      f"{text_of(devtools, '#board-error')!r}, login error "
                      f"{text_of(devtools, '#login-error')!r}")
        expect(devtools.evaluate("location.hash") == "",
               "the key was left in the URL fragment")
        live = wait_for(lambda: text_of(devtools, "body", "data-stream-status") == "live", 10)
        expect(live, f"the stream status never became live: {text_of(devtools, '#status')!r}")

        # 3. A change through the API shows up.
        started = time.monotonic()
        r = api.post("/v1/inventory", {"productId": "p-1", "locationId": "wh-1", "adjustment": 5,
                                       "reason": "test"})
        expect(r.status == 200, f"POST /v1/inventory (+5): {r}")
        expected = {"stockLevel": "15", "reservedStock": "0", "availableStock": "15"}
        seen = wait_for(lambda: row_values(devtools, inventory_id) == expected, VISIBLE_WITHIN_S)
        elapsed_ms = (time.monotonic() - started) * 1000
        expect(seen, f"the row did not show {expected} within {VISIBLE_WITHIN_S} s: "
                     f"{row_values(devtools, inventory_id)}")
        print(f"dashboard: change visible after {elapsed_ms:.0f} ms")

        # 4. A new item appears as a new row.
        started = time.monotonic()
        r = api.post("/v1/inventory", {"productId": "p-1", "locationId": "st-1", "adjustment": 7,
                                       "reason": "test"})
        expect(r.status == 200, f"POST /v1/inventory (new item): {r}")
        new_id = str(r.json()["inventoryId"])
        seen = wait_for(lambda: (row_values(devtools, new_id) or {}).get("stockLevel") == "7",
                        VISIBLE_WITHIN_S)
        expect(seen, f"the new item {new_id} did not appear within {VISIBLE_WITHIN_S} s")
        new_row_ms = (time.monotonic() - started) * 1000

        # 5. The sequence hook and the counters.
        head = api.get("/v1/changes?limit=1").json()["head"]
        sequence = wait_for(
            lambda: text_of(devtools, "body", "data-last-event-sequence") == str(head), 2)
        expect(sequence, f"body[data-last-event-sequence] is "
                         f"{text_of(devtools, 'body', 'data-last-event-sequence')!r}, "
                         f"the journal's head is {head}")
        counted = wait_for(lambda: int(text_of(devtools, "#event-count") or 0) >= 2, 2)
        expect(counted, f"the event counter shows {text_of(devtools, '#event-count')!r}")
        items = text_of(devtools, "#item-count")
        expect(items == "2", f"item counter shows {items!r}, expected 2")
        expect(not devtools.exceptions, f"the page threw: {devtools.exceptions}")
        return elapsed_ms, new_row_ms
    finally:
        browser.stop(devtools)
        if devtools is not None:
            devtools.ws.close()


def main():
    binary = chromium_binary()
    if binary is None:
        print("dashboard: FAILED: chromium is not installed (apt-get install chromium); "
              "this test needs a headless browser")
        return 1
    try:
        with harness.Server(args=["--rate-limit", "0"]) as server:
            elapsed_ms, new_row_ms = run(server, binary)
    except (Failure, OSError) as failure:
        print(f"dashboard: FAILED: {type(failure).__name__}: {failure}")
        print("dashboard: 0 passed, 1 failed")
        return 1
    print(f"dashboard: new row visible after {new_row_ms:.0f} ms")
    print("dashboard: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
