#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""End-to-end test of inventory-server over TLS (--tls-cert/--tls-key).

Goal: with a certificate the server speaks HTTPS only, with TLS 1.2 or newer: /healthz answers
over HTTPS, the certificate it presents is the one configured (verified against it as the only
trust anchor, host name checked), authentication works as over HTTP (admin key 200, no key 401),
a plain-HTTP request to the TLS port gets no HTTP 200 and does not break the server, and a
client limited to TLS 1.1 cannot connect.

Method: a self-signed RSA-2048 certificate for localhost/127.0.0.1 made with the openssl CLI in
a temporary directory; harness.Server(tls=(cert, key)); requests with http.client/ssl. The
TLS 1.1 check first proves that the local ssl module can still speak TLS 1.1 (a loopback
handshake against a Python TLS 1.1 server); where it cannot (OpenSSL built without it), the
sub-check is skipped with a message.

Scale: one server, a dozen connections; runtime 2..5 s.
"""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings

# TLS 1.1 is deprecated in the ssl module; this test uses it on purpose.
warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*TLSv1_1.*")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

from harness import FAILURES, check  # noqa: E402



def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def https_get(port, path, context, server_hostname="localhost", headers=None):
    """One request on a fresh TLS connection: (status, body, negotiated version)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    tls = context.wrap_socket(raw, server_hostname=server_hostname)
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: localhost:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body, tls.version()
    finally:
        tls.close()


def tls11_possible_locally(cert, key):
    """True if this Python/OpenSSL can complete a TLS 1.1 handshake with itself."""
    try:
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        server_ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        server_ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        server_ctx.load_cert_chain(cert, key)
        client_ctx = tls11_client_context()
    except (ValueError, ssl.SSLError, AttributeError) as e:
        print(f"note: cannot configure TLS 1.1 locally: {e}")
        return False
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    result = {}

    def serve():
        try:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as s:
                result["server"] = s.version()
        except (OSError, ssl.SSLError) as e:
            result["server_error"] = e

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=5) as raw:
            with client_ctx.wrap_socket(raw, server_hostname="localhost") as s:
                result["client"] = s.version()
    except (OSError, ssl.SSLError) as e:
        result["client_error"] = e
    t.join(5)
    listener.close()
    ok = result.get("client") == "TLSv1.1"
    if not ok:
        print(f"note: the local ssl module cannot speak TLS 1.1 with itself: {result}")
    return ok


def tls11_client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def main():
    started = time.time()
    if shutil.which("openssl") is None:
        print("server tls: SKIPPED: no openssl command to make a certificate")
        return
    tls11 = "not checked"
    with tempfile.TemporaryDirectory(prefix="inventory-tls-") as tmp:
        cert, key = make_certificate(tmp)
        with harness.Server(tls=(cert, key), args=["--rate-limit", "0"]) as srv:
            check(srv.url.startswith("https://"), f"url {srv.url}")
            check(any("https://" in line for line in srv.stdout_lines),
                  f"start-up line does not name an https URL: {srv.stdout_lines}")
            verified = ssl.create_default_context(cafile=cert)  # check_hostname, CERT_REQUIRED
            try:
                status, body, version = https_get(srv.port, "/healthz", verified)
                check(status == 200, f"https GET /healthz (verified): {status} {body[:200]!r}")
                check(version in ("TLSv1.2", "TLSv1.3"), f"negotiated {version}")
                status, _, _ = https_get(srv.port, "/healthz", verified,
                                         server_hostname="127.0.0.1")
                check(status == 200, f"https GET /healthz by IP: {status}")
            except ssl.SSLError as e:
                check(False, f"https GET /healthz with the configured cert as trust anchor: {e}")
            # Harness client (keep-alive HTTPS): authenticated and unauthenticated.
            admin = srv.client()
            r = admin.get("/healthz")
            check(r.status == 200, f"GET /healthz: {r}")
            r = admin.post("/v1/locations", {"locationId": "tls-wh", "name": "TLS",
                                              "type": "warehouse"})
            check(r.status in (200, 201), f"POST /v1/locations as admin over TLS: {r}")
            r = admin.get("/v1/locations/tls-wh")
            check(r.status == 200 and r.json().get("locationId") == "tls-wh",
                  f"GET /v1/locations/tls-wh over TLS: {r}")
            r = admin.get("/v1/products")
            check(r.status == 200, f"GET /v1/products as admin over TLS: {r}")
            admin.close()
            anonymous = harness.Client(srv.url, None)
            r = anonymous.get("/v1/products")
            check(r.status == 401, f"GET /v1/products without a key over TLS: {r.status}")
            anonymous.close()
            # TLS 1.2 exactly is accepted.
            ctx12 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx12.check_hostname = False
            ctx12.verify_mode = ssl.CERT_NONE
            ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
            try:
                status, _, version = https_get(srv.port, "/healthz", ctx12)
                check(status == 200 and version == "TLSv1.2",
                      f"TLS 1.2 client: {status} {version}")
            except ssl.SSLError as e:
                check(False, f"a TLS 1.2 client cannot connect: {e}")
            # Plain HTTP to the TLS port: never an HTTP 200.
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as plain:
                plain.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                              f"Connection: close\r\n\r\n".encode())
                answer = b""
                try:
                    while True:
                        chunk = plain.recv(65536)
                        if not chunk:
                            break
                        answer += chunk
                except (socket.timeout, ConnectionResetError):
                    pass
            check(not answer.startswith(b"HTTP/1.1 200") and not answer.startswith(b"HTTP/1.0 200"),
                  f"plain HTTP to the TLS port got {answer[:100]!r}")
            # TLS 1.1 only: refused.
            if tls11_possible_locally(cert, key):
                try:
                    status, _, version = https_get(srv.port, "/healthz", tls11_client_context())
                    check(False, f"a TLS 1.1 client connected ({version}) and got {status}")
                    tls11 = "ACCEPTED"
                except (ssl.SSLError, ConnectionResetError, OSError) as e:
                    tls11 = f"refused ({type(e).__name__})"
            else:
                tls11 = "skipped (local ssl cannot force TLS 1.1)"
                print("note: TLS 1.1 sub-check skipped: the local ssl module cannot speak it")
            # The server still works after all that.
            status, _, _ = https_get(srv.port, "/healthz", verified)
            check(status == 200, f"https GET /healthz at the end: {status}")
            code = srv.stop()
            check(code == 0, f"SIGTERM: exit code {code}, expected 0")
    elapsed = time.time() - started
    status = "ok" if not FAILURES else f"{len(FAILURES)} FAILURES"
    print(f"server tls: {status}: HTTPS /healthz with the configured cert verified, admin 200 / "
          f"anonymous 401, TLS 1.2 accepted, plain HTTP refused, TLS 1.1 {tls11}, "
          f"{elapsed:.1f} s")
    if FAILURES:
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        sys.exit(1)
