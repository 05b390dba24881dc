#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""ctest fixture for the end-to-end tests: `fixture.py start FILE` starts inventory-server on a
free loopback port with a fresh data directory and writes {"url","adminKey","pid","data"} to
FILE; `fixture.py stop FILE` sends SIGTERM and checks that the server exits 0 (graceful
shutdown), then removes the data directory."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def start(path):
    data = tempfile.mkdtemp(prefix="inventory-e2e-")
    port = harness.free_port()
    log = open(data + ".log", "wb")
    proc = subprocess.Popen(
        [harness.server_binary(), "--data", data, "--listen", f"127.0.0.1:{port}",
         "--bootstrap-admin-key", harness.ADMIN_KEY, "--webhook-allow-private",
         "--rate-limit", "0"],
        stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True,
        start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "listening on" in line:
            break
        if not line and proc.poll() is not None:
            sys.exit(f"inventory-server exited with {proc.returncode}; see {data}.log")
    else:
        proc.kill()
        sys.exit("inventory-server did not start within 30 s")
    # Keep draining stdout in a detached child so the server never blocks on a full pipe.
    # (Its stderr must not be ctest's pipe either, or ctest waits for it.)
    subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    with open(path, "w") as f:
        json.dump({"url": f"http://127.0.0.1:{port}", "adminKey": harness.ADMIN_KEY,
                   "pid": proc.pid, "data": data}, f)
    print(f"fixture: inventory-server pid {proc.pid} on port {port}, data {data}")


def stop(path):
    with open(path) as f:
        info = json.load(f)
    pid = info["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        sys.exit("fixture: the server was no longer running")
    # Not our child (fixture start exited): poll /proc for its exit.
    deadline = time.time() + 30
    while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split()[2] == "Z":
                break
        time.sleep(0.05)
    if os.path.exists(f"/proc/{pid}") and time.time() >= deadline:
        os.kill(pid, signal.SIGKILL)
        sys.exit("fixture: the server did not stop within 30 s of SIGTERM")
    log = info["data"] + ".log"
    problem = harness.sanitizer_report(log)
    stopped = False
    try:
        with open(log, errors="replace") as f:
            stopped = '"msg":"stopped"' in f.read()
    except OSError:
        pass
    shutil.rmtree(info["data"], ignore_errors=True)
    os.remove(path)
    if problem:
        sys.exit(f"fixture: the server reported a sanitizer error (log {log}):\n{problem}")
    if not stopped:
        sys.exit(f"fixture: the server did not finish its graceful shutdown (log {log})")
    print("fixture: stopped cleanly")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: fixture.py start|stop FILE")
    start(sys.argv[2]) if sys.argv[1] == "start" else stop(sys.argv[2])
