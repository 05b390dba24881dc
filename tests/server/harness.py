# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Shared helpers for the inventory-server tests: start a real server process on a loopback
port with a temporary data directory, and talk to it over HTTP(S) with the standard library.

Environment:
  INVENTORY_SERVER   path to the inventory-server binary (set by ctest)
  INVENTORY_SERVER_FIXTURE  a JSON file written by fixture.py start: {"url", "adminKey", "pid",
                     "data"} of the server shared by the end-to-end tests
"""

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import traceback
import urllib.parse

ADMIN_KEY = "test-admin-key-0123456789abcdef"


def server_binary():
    path = os.environ.get("INVENTORY_SERVER")
    if not path:
        raise RuntimeError("INVENTORY_SERVER is not set (path to inventory-server)")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One inventory-server process. Use as a context manager, or call start()/stop()."""

    def __init__(self, data=None, args=(), admin_key=ADMIN_KEY, port=None, tls=None):
        self._tmp = None
        if data is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="inventory-server-")
            data = self._tmp.name
        self.data = data
        self.admin_key = admin_key
        self.port = port or free_port()
        self.args = list(args)
        self.tls = tls  # (cert, key) paths or None
        self.proc = None
        self.stderr_path = os.path.join(self.data, "..", os.path.basename(self.data) + ".log")
        self.stdout_lines = []

    @property
    def url(self):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        cmd = [server_binary(), "--data", self.data, "--listen", f"127.0.0.1:{self.port}",
               "--bootstrap-admin-key", self.admin_key] + self.args
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL, text=True)
        deadline = time.time() + timeout
        # The server prints "listening on <url>" on stdout once it accepts connections.
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"inventory-server exited with {self.proc.returncode}; "
                                       f"see {self.stderr_path}")
                continue
            self.stdout_lines.append(line)
            if "listening on" in line:
                return self
        raise RuntimeError("inventory-server did not start in time")

    def kill(self):
        """SIGKILL: no shutdown at all (crash tests)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code (0). Raises AssertionError when the server
        did not stop cleanly: a non-zero exit, a hang, or a sanitizer report in its log (a
        sanitized build exits non-zero on a leak or error, and its report says where)."""
        if self.proc is None:
            return None
        killed = self.proc.returncode == -signal.SIGKILL
        hung = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                hung = True
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        self.proc = None
        problem = sanitizer_report(self.stderr_path)
        if problem:
            raise AssertionError(f"inventory-server reported a sanitizer error "
                                 f"(log {self.stderr_path}):\n{problem}")
        if hung:
            raise AssertionError(f"inventory-server did not stop within {timeout} s of SIGTERM")
        if code != 0 and not killed:
            raise AssertionError(f"inventory-server exited with {code} after SIGTERM "
                                 f"(log {self.stderr_path})")
        return code

    def cleanup(self):
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    def client(self, key=None):
        return Client(self.url, key if key is not None else self.admin_key)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body        # bytes

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    """A small keep-alive HTTP client. key=None or "" sends no Authorization header."""

    def __init__(self, url, key=None, timeout=30):
        parsed = urllib.parse.urlparse(url)
        self.https = parsed.scheme == "https"
        self.host = parsed.hostname
        self.port = parsed.port
        self.key = key
        self.timeout = timeout
        self._conn = None

    def _connection(self):
        if self._conn is None:
            if self.https:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                self._conn = http.client.HTTPSConnection(self.host, self.port, context=ctx,
                                                         timeout=self.timeout)
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def request(self, method, path, body=None, headers=None, raw=None):
        """body: a JSON value (encoded here); raw: bytes sent as is."""
        h = {}
        if self.key:
            h["Authorization"] = f"Bearer {self.key}"
        data = None
        if raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=h)
                r = conn.getresponse()
                payload = r.read()
                resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload)
                if resp.headers.get("connection", "").lower() == "close":
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer")


def sanitizer_report(path):
    """The first sanitizer report in a server log (with some context), or ""."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    for marker in SANITIZER_MARKERS:
        at = text.find(marker)
        if at >= 0:
            return text[max(0, at - 200):at + 3000]
    return ""


def fixture():
    """The shared server started by fixture.py (ctest FIXTURES_SETUP): (url, admin_key)."""
    path = os.environ.get("INVENTORY_SERVER_FIXTURE")
    if not path or not os.path.exists(path):
        raise RuntimeError("INVENTORY_SERVER_FIXTURE is not set or missing; run fixture.py start")
    with open(path) as f:
        info = json.load(f)
    return info["url"], info["adminKey"]


# ---- Checks shared by the end-to-end scripts ----

FAILURES = []  # What failed so far in this process; a script exits 1 when it is not empty.


def check(cond, what):
    """Records a failure (and goes on) when cond is false; returns cond."""
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", flush=True)
    return cond


def section(name, fn, *args):
    """Runs one part of a test; an exception is a failure of that part only."""
    print(f"-- {name}", flush=True)
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - report and go on with the next part
        traceback.print_exc()
        FAILURES.append(f"{name}: {type(e).__name__}: {e}")
        return None


def expect(resp, statuses, what):
    """The JSON body of resp, which must have one of `statuses`."""
    if isinstance(statuses, int):
        statuses = (statuses,)
    if resp.status not in statuses:
        raise AssertionError(f"{what}: expected {statuses}, got {resp.status} {resp.body[:300]!r}")
    return resp.json()


def changes_after(client, after):
    """All events with sequence > after, from GET /v1/changes (paged)."""
    events = []
    while True:
        page = expect(client.get(f"/v1/changes?after={after}&limit=1000"), 200,
                      f"GET /v1/changes?after={after}")
        if not page["events"]:
            return events
        events += page["events"]
        after = page["nextAfter"]


def head_sequence(client):
    events = changes_after(client, 0)
    return events[-1]["sequence"] if events else 0
