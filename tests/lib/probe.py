#!/usr/bin/env python3
"""HTTP GETs from chosen source ports: prints "<port> <answer>" per try.

Each connection binds its source port (SO_REUSEADDR) and ends with a RST
(SO_LINGER 0), so the same port can be used again at once (no TIME_WAIT).
Usage: probe.py VIP VPORT PORTSPEC [REPEAT]
PORTSPEC: "40000" or "40000-40199"."""
import socket
import struct
import sys

vip, vport, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
a, _, b = spec.partition("-")
ports = range(int(a), int(b or a) + 1)
for _ in range(repeat):
    for p in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.settimeout(3)
        ans = "error"
        try:
            s.bind(("0.0.0.0", p))
            s.connect((vip, vport))
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            ans = data.split(b"\r\n\r\n", 1)[1].decode().strip() if b"\r\n\r\n" in data else "bad"
        except OSError as e:
            ans = "error:" + type(e).__name__
        finally:
            s.close()
        print(p, ans, flush=True)
