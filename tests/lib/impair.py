#!/usr/bin/env python3
"""A user-space netem for one kind of traffic between two bridge ports (this
kernel has neither netem nor NFQUEUE). The bridge drops the matching frames
(an nft rule the caller adds); this relay sees them on the ports' ingress
with AF_PACKET and writes them onto the other port itself, dropping LOSS %,
swapping RE % with the next one (reordering) and sending DUP % twice.
Matches IPv4 UDP to or from PORT. Prints its counts as JSON when STOP exists.
Usage: impair.py IF_A IF_B PORT LOSS RE DUP STOP SEED"""
import json
import os
import random
import select
import socket
import struct
import sys
import time

ifa, ifb, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
loss, re_, dup = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
stop, rnd = sys.argv[7], random.Random(int(sys.argv[8]))
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4

socks = {}
for name in (ifa, ifb):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    socks[name] = s
other = {ifa: socks[ifb], ifb: socks[ifa]}
held = {ifa: None, ifb: None}
n = {"seen": 0, "sent": 0, "dropped": 0, "reordered": 0, "duplicated": 0}


def matches(f):
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return False
    ihl = (f[14] & 15) * 4
    sport, dport = struct.unpack("!HH", f[14 + ihl:18 + ihl])
    return port in (sport, dport)


def out(name, f):
    other[name].send(f)
    n["sent"] += 1


last_flush = time.time()
while not os.path.exists(stop):
    r, _, _ = select.select(list(socks.values()), [], [], 0.05)
    for s in r:
        name = ifa if s is socks[ifa] else ifb
        f, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or not matches(f):
            continue
        n["seen"] += 1
        x = rnd.random() * 100
        if x < loss:
            n["dropped"] += 1
            continue
        if held[name] is None and x < loss + re_:
            held[name] = f   # goes out after the next one
            n["reordered"] += 1
            continue
        out(name, f)
        if rnd.random() * 100 < dup:
            out(name, f)
            n["duplicated"] += 1
        if held[name] is not None:
            out(name, held[name])
            held[name] = None
    # a held frame does not wait for ever (50 ms at most)
    if time.time() - last_flush > 0.05:
        for name in (ifa, ifb):
            if held[name] is not None:
                out(name, held[name])
                held[name] = None
        last_flush = time.time()
print(json.dumps(n), flush=True)
