#!/usr/bin/env python3
"""Maglev as a second net (tests/e2e/failover_mh).

udp VIP N FIRST: one datagram to VIP:53 from each of the N client
addresses FIRST, FIRST+1, ... (port 41000; mh hashes the source address);
prints "<address> <server name>" per answer (none: "-").

tcp VIP GO OUT: one HTTP/1.1 keep-alive connection to VIP:80: the first
request and its answer, then "first ok" on OUT; waits for the file GO,
sends the second request on the same connection and waits up to 20 s for
its answer: "second ok", "second reset" (an RST came), or "second <why>"."""
import ipaddress
import os
import socket
import sys
import time


def udp(vip, n, first):
    base = int(ipaddress.IPv4Address(first))
    for i in range(n):
        addr = str(ipaddress.IPv4Address(base + i))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 41000))
        s.settimeout(1)
        name = "-"
        for _ in range(3):
            try:
                s.sendto(b"mh" + addr.encode(), (vip, 53))
                data = s.recv(2048)
                name = data.split(b":", 1)[0].decode()
                break
            except OSError:
                continue
        s.close()
        print(addr, name, flush=True)


REQ = b"GET / HTTP/1.1\r\nHost: mh\r\nConnection: keep-alive\r\n\r\n"


def answer(s, deadline):
    """One HTTP answer (Content-Length framed) before the deadline."""
    data = b""
    while time.time() < deadline:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            c = s.recv(65536)
        except socket.timeout:
            break
        if not c:
            return "closed"
        data += c
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if len(body) >= n:
                return "ok" if b" 200 " in head.split(b"\r\n")[0] + b" " else "bad"
    return "timeout"


def tcp(vip, go, out):
    s = socket.create_connection((vip, 80), timeout=5)
    s.sendall(REQ)
    with open(out, "a") as f:
        f.write("first %s\n" % answer(s, time.time() + 5))
    while not os.path.exists(go):
        time.sleep(0.05)
    s.sendall(REQ)
    try:
        why = answer(s, time.time() + 20)
    except ConnectionResetError:
        why = "reset"
    with open(out, "a") as f:
        f.write("second %s\n" % why)


if sys.argv[1] == "udp":
    udp(sys.argv[2], int(sys.argv[3]), sys.argv[4])
else:
    tcp(sys.argv[2], sys.argv[3], sys.argv[4])
