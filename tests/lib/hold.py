#!/usr/bin/env python3
"""Long-lived connections from chosen source ports: open one keep-alive HTTP
connection per port, ask once ("1 <port> <answer>"), wait until the file GO
exists, ask again on each ("2 <port> <answer>"), close. Usage:
hold.py VIP VPORT FIRST-LAST GO"""
import os
import socket
import sys
import time

vip, vport, spec, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
a, _, b = spec.partition("-")


def ask(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(body) < n:
        body += s.recv(4096)
    return body[:n].decode().strip()


conns = {}
for p in range(int(a), int(b) + 1):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(5)
    s.bind(("0.0.0.0", p))
    s.connect((vip, vport))
    conns[p] = s
    print(1, p, ask(s), flush=True)
while not os.path.exists(go):
    time.sleep(0.1)
for p, s in conns.items():
    try:
        print(2, p, ask(s), flush=True)
    except OSError as e:
        print(2, p, "error:" + type(e).__name__, flush=True)
    s.close()
