#!/usr/bin/env python3
"""Hold long-lived HTTP keep-alive connections to a VIP and keep talking.

Opens connections until N of them are answered by backend NAME (the others
are closed), then sends a request on each every 200 ms. Prints one line per
event to stdout: "ready", "fail <i> <why>", "closed <i>". A connection is
closed when the file STOPDIR/<i> appears; all are closed when STOPDIR/all
does; exits when all are closed. Usage: longconn.py VIP NAME N STOPDIR"""
import os
import socket
import sys
import time

vip, name, n, stopdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def ask(s):
    s.sendall(REQ)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"\n") and len(data) < 4096:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed by peer")
        data += chunk
        if data.count(b"\n") >= 1 and b"\r\n\r\n" in data:
            head, body = data.split(b"\r\n\r\n", 1)
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    want = int(line.split(b":")[1])
                    if len(body) >= want:
                        return body[:want].decode().strip()
    raise OSError("bad answer")


conns = []
tries = 0
while len(conns) < n and tries < 200:
    tries += 1
    s = socket.create_connection((vip, 80), timeout=3)
    if ask(s) == name:
        conns.append(s)
    else:
        s.close()
if len(conns) < n:
    print(f"fail setup only {len(conns)} of {n}", flush=True)
    sys.exit(1)
print("ready", flush=True)
open_ = set(range(n))
while open_:
    for i in sorted(open_):
        if os.path.exists(os.path.join(stopdir, str(i))) or \
           os.path.exists(os.path.join(stopdir, "all")):
            conns[i].close()
            open_.discard(i)
            print(f"closed {i}", flush=True)
            continue
        try:
            got = ask(conns[i])
            if got != name:
                print(f"fail {i} answered by {got}", flush=True)
        except OSError as e:
            print(f"fail {i} {e}", flush=True)
            open_.discard(i)
    time.sleep(0.2)
