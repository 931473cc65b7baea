#!/usr/bin/env python3
"""Long-lived flows through a VIP, each talking at a fixed interval, and a
verdict on every one of them: the client side of the sync and failover
scenarios.

  flows.py VIP --tcp N [--udp M] [--udp-port 53] [--interval 0.2]
           [--open-rate R] [--idle-after S --idle-for T] [--stall-limit 15]
           --ports FILE --stop FILE --result FILE

TCP: N keep-alive HTTP connections to VIP:80 (opened at --open-rate per
second); each sends "GET /" every interval and must get its answer. UDP: M
sockets, each sending a datagram every interval to VIP:udp-port and
expecting the echo. A TCP connection is broken when it is reset, closed, or
has waited --stall-limit seconds for an answer; a UDP flow is broken when it
has had no reply for --stall-limit seconds. --idle-after S --idle-for T:
every flow goes silent for T seconds after S seconds (the refresh-lease
test). Writes "proto localport time_connected" lines to --ports as flows
open, runs until --stop exists, then writes a JSON verdict to --result:
counts, broken flows with why, the longest stall (the longest time a flow
waited for an answer) and its p99.
"""
import argparse
import json
import os
import selectors
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("vip")
ap.add_argument("--tcp", type=int, default=0)
ap.add_argument("--udp", type=int, default=0)
ap.add_argument("--udp-port", type=int, default=53)
ap.add_argument("--interval", type=float, default=0.2)
ap.add_argument("--open-rate", type=float, default=200.0)
ap.add_argument("--idle-after", type=float, default=0)
ap.add_argument("--idle-for", type=float, default=0)
ap.add_argument("--stall-limit", type=float, default=15.0)
ap.add_argument("--ports", required=True)
ap.add_argument("--stop", required=True)
ap.add_argument("--result", required=True)
a = ap.parse_args()

REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
sel = selectors.DefaultSelector()
portlog = open(a.ports, "w", buffering=1)
t_start = time.time()


class Flow:
    def __init__(self, proto, i):
        self.proto, self.i = proto, i
        self.sock = None
        self.broken = None
        self.waiting_since = None   # a request in flight since
        self.next_send = 0.0
        self.buf = b""
        self.answers = 0
        self.max_wait = 0.0
        self.last_reply = None


flows = []


def broken(f, why):
    if f.broken:
        return
    f.broken = f"{why} after {f.answers} answers"
    try:
        sel.unregister(f.sock)
    except Exception:
        pass
    f.sock.close()


def open_tcp(i):
    f = Flow("tcp", i)
    try:
        s = socket.create_connection((a.vip, 80), timeout=5)
    except OSError as e:
        f.broken = f"connect: {e}"
        f.sock = socket.socket()
        return f
    s.setblocking(False)
    f.sock = s
    portlog.write(f"tcp {s.getsockname()[1]} {time.time():.6f}\n")
    sel.register(s, selectors.EVENT_READ, f)
    return f


def open_udp(i):
    f = Flow("udp", i)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.vip, a.udp_port))
    s.setblocking(False)
    f.sock = s
    portlog.write(f"udp {s.getsockname()[1]} {time.time():.6f}\n")
    sel.register(s, selectors.EVENT_READ, f)
    return f


def quiet(now):
    return a.idle_for and t_start + a.idle_after <= now < t_start + a.idle_after + a.idle_for


def send(f, now):
    try:
        if f.proto == "tcp":
            f.sock.send(REQ)
        else:
            f.sock.send(b"%d" % f.answers)
    except BlockingIOError:
        return
    except OSError as e:
        if f.proto == "tcp":
            broken(f, f"send: {e}")
        return
    if f.waiting_since is None:
        f.waiting_since = now
    f.next_send = now + a.interval


def readable(f, now):
    try:
        data = f.sock.recv(65536)
    except BlockingIOError:
        return
    except OSError as e:
        if f.proto == "tcp":
            broken(f, f"recv: {e}")
        return   # UDP: an ICMP error; the stall decides
    if f.proto == "tcp":
        if not data:
            broken(f, "closed by peer")
            return
        f.buf += data
        while b"\r\n\r\n" in f.buf:
            head, rest = f.buf.split(b"\r\n\r\n", 1)
            want = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    want = int(line.split(b":")[1])
            if len(rest) < want:
                return
            f.buf = rest[want:]
            answered(f, now)
    else:
        answered(f, now)


def answered(f, now):
    if f.waiting_since is not None:
        f.max_wait = max(f.max_wait, now - f.waiting_since)
    f.waiting_since = None
    f.answers += 1
    f.last_reply = now


# Open the flows at the given rate, serving the open ones meanwhile.
todo = [("tcp", i) for i in range(a.tcp)] + [("udp", i) for i in range(a.udp)]
next_open = time.time()
while True:
    now = time.time()
    if os.path.exists(a.stop) and not todo:
        break
    while todo and now >= next_open:
        proto, i = todo.pop(0)
        flows.append(open_tcp(i) if proto == "tcp" else open_udp(i))
        next_open += 1.0 / a.open_rate
        now = time.time()
    timeout = 0.05
    for key, _ in sel.select(timeout):
        readable(key.data, time.time())
    now = time.time()
    for f in flows:
        if f.broken:
            continue
        if f.waiting_since is not None and now - f.waiting_since > a.stall_limit:
            if f.proto == "tcp":
                broken(f, f"no answer for {a.stall_limit:.0f} s")
            else:
                f.broken = f"no reply for {a.stall_limit:.0f} s after {f.answers} replies"
            continue
        if quiet(now):
            continue
        # TCP: one request at a time; UDP: a datagram every interval
        # whatever came back (a lost one is the network's, not a break).
        if now >= f.next_send and (f.proto == "udp" or f.waiting_since is None):
            send(f, now)

res = {"tcp": a.tcp, "udp": a.udp, "tcp_broken": 0, "udp_broken": 0, "broken": [],
       "answers": sum(f.answers for f in flows)}
waits = sorted(f.max_wait for f in flows)
for f in flows:
    if f.broken:
        res[f"{f.proto}_broken"] += 1
        if len(res["broken"]) < 20:
            res["broken"].append(f"{f.proto} {f.i}: {f.broken}")
    elif f.answers == 0:
        res[f"{f.proto}_broken"] += 1
        res["broken"].append(f"{f.proto} {f.i}: never answered")
res["max_stall_ms"] = round(1000 * waits[-1]) if waits else 0
res["p99_stall_ms"] = round(1000 * waits[int(0.99 * (len(waits) - 1))]) if waits else 0
res["silent_at_end"] = sum(1 for f in flows if not f.broken and f.last_reply and
                           time.time() - f.last_reply > 3 * a.interval + 2)
with open(a.result, "w") as out:
    json.dump(res, out)
print(json.dumps(res))
