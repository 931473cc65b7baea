#!/usr/bin/env python3
"""Concurrent HTTP through the VIP, every body checked against a sha256.

  loadcheck.py long VIP N SECONDS SHA   N keep-alive connections at once, each
                                        asking /mid again and again for SECONDS
  loadcheck.py short VIP N THREADS SHA  N new connections (one request each)
                                        over THREADS threads
  loadcheck.py hold VIP N SECONDS       open N connections, hold them SECONDS

Prints one JSON line: {"ok": .., "fail": .., "errors": {...}}."""
import hashlib
import json
import socket
import sys
import threading
import time

mode, vip, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = threading.Lock()
res = {"ok": 0, "fail": 0, "errors": {}}


def note(ok, why=None):
    with lock:
        if ok:
            res["ok"] += 1
        else:
            res["fail"] += 1
            res["errors"][why] = res["errors"].get(why, 0) + 1


def get(s, want):
    s.sendall(b"GET /mid HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        c = s.recv(65536)
        if not c:
            raise OSError("closed")
        data += c
    head, body = data.split(b"\r\n\r\n", 1)
    size = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(body) < size:
        c = s.recv(65536)
        if not c:
            raise OSError("short body")
        body += c
    if hashlib.sha256(body[:size]).hexdigest() != want:
        raise OSError("bad data")


def long_worker(secs, want, barrier):
    try:
        s = socket.create_connection((vip, 80), timeout=10)
    except OSError as e:
        note(False, "connect:" + type(e).__name__)
        barrier.wait()
        return
    barrier.wait()   # all N open at once
    end = time.time() + secs
    while time.time() < end:
        try:
            get(s, want)
            note(True)
        except OSError as e:
            note(False, str(e) or type(e).__name__)
            with lock:
                res.setdefault("failed_ports", []).append(s.getsockname()[1])  # for a capture
            break
    s.close()


def short_worker(count, want):
    for _ in range(count):
        try:
            s = socket.create_connection((vip, 80), timeout=10)
            get(s, want)
            s.close()
            note(True)
        except OSError as e:
            note(False, str(e) or type(e).__name__)


def hold_worker(secs):
    try:
        s = socket.create_connection((vip, 80), timeout=3)
        note(True)
        time.sleep(secs)
        s.close()
    except OSError as e:
        note(False, type(e).__name__)


threads = []
if mode == "long":
    secs, want = float(sys.argv[4]), sys.argv[5]
    barrier = threading.Barrier(n)
    threads = [threading.Thread(target=long_worker, args=(secs, want, barrier)) for _ in range(n)]
elif mode == "short":
    nt, want = int(sys.argv[4]), sys.argv[5]
    threads = [threading.Thread(target=short_worker, args=(n // nt, want)) for _ in range(nt)]
else:
    secs = float(sys.argv[4])
    threads = [threading.Thread(target=hold_worker, args=(secs,)) for _ in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(res))
