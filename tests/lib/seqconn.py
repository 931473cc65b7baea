#!/usr/bin/env python3
"""New HTTP connections one after another for SECONDS; one line each:
"<start_ms> <end_ms> ok|fail <why>@<stage> <local port>" (wall clock ms;
stage: connect, or answer once connected).
Usage: seqconn.py VIP SECONDS [RATE]   (RATE: at most that many connections
a second; 0 or none: one after another as fast as they go)"""
import socket
import sys
import time

vip, secs = sys.argv[1], float(sys.argv[2])
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0
start = time.time()
end = start + secs
k = 0
while time.time() < end:
    if rate > 0:
        k += 1
        wait = start + k / rate - time.time()
        if wait > 0:
            time.sleep(wait)
    t0 = int(time.time() * 1000)
    res = "ok -"
    s = socket.socket()
    s.settimeout(2)
    lport = 0
    stage = "connect"
    try:
        try:
            s.connect((vip, 80))
        finally:
            lport = s.getsockname()[1]
        stage = "answer"
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            data += c
        s.close()
        if not data.endswith(b"\n") or b"200 OK" not in data:
            res = "fail short-answer"
    except OSError as e:
        res = "fail " + type(e).__name__ + "@" + stage
        s.close()
    print(t0, int(time.time() * 1000), res, lport, flush=True)
