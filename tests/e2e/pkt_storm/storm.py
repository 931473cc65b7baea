#!/usr/bin/env python3
"""A storm of malformed frames at mgw's port.

  storm.py IFACE DST_MAC COUNT SECONDS SEED TARGET...

scapy's fuzz() makes templates — IP (with random options), TCP, UDP, ICMP
(with random quoted headers), ARP and IP fragments (random ids, offsets,
flags) — addressed to each TARGET (the VIP, a port address, a local IP)
from random sources; fuzz() randomises every field that has a default and
leaves lengths and checksums computed, so most templates pass the first
checks and reach the code behind them. COUNT frames go out at an even pace
over SECONDS, each a template sent as it is, with a few bytes past the
Ethernet header flipped (a checksum, a length, a flag turned wrong), or
cut short. Prints a JSON line: frames sent, by kind.
"""
import json
import random
import socket
import sys
import time

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, IPOption_EOL, IPOption_LSRR,
                       IPOption_NOP, IPOption_Router_Alert, IPOption_RR, IPOption_Security,
                       IPOption_SSRR, IPOption_Stream_Id, IPOption_Timestamp, Raw,
                       fragment, fuzz, raw)

OPTIONS = [IPOption_EOL, IPOption_LSRR, IPOption_NOP, IPOption_Router_Alert, IPOption_RR,
           IPOption_Security, IPOption_SSRR, IPOption_Stream_Id, IPOption_Timestamp]

iface, dmac, count, secs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    float(sys.argv[4]), int(sys.argv[5])
targets = sys.argv[6:]
rnd = random.Random(seed)
random.seed(seed)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
smac = s.getsockname()[4]
eth = Ether(dst=dmac, src=smac)


def src():
    # Random, but never one of the testbed's own addresses (the live flows
    # are 10.0.0.1's; their tuples stay theirs).
    return "198.%d.%d.%d" % (rnd.randrange(18, 20), rnd.randrange(256), rnd.randrange(1, 255))


def ip(dst):
    p = fuzz(IP(src=src(), dst=dst, version=4, ihl=None))
    p.src, p.dst, p.version = src(), dst, 4
    return p


def make(kind, dst):
    if kind == "tcp":
        return eth / ip(dst) / fuzz(TCP(dport=rnd.choice([80, 53, 22, rnd.randrange(65536)])))
    if kind == "udp":
        return eth / ip(dst) / fuzz(UDP(dport=rnd.choice([53, 80, 8848, rnd.randrange(65536)])))
    if kind == "icmp":
        # an error quoting a fuzzed header, or a fuzzed echo
        inner = IP(src=dst, dst=src()) / fuzz(rnd.choice([TCP(), UDP()]))
        return eth / ip(dst) / fuzz(ICMP()) / raw(inner)[:rnd.randrange(8, 60)]
    if kind == "ipopt":
        opts = [fuzz(rnd.choice(OPTIONS)()) for _ in range(rnd.randrange(1, 4))]
        return eth / IP(src=src(), dst=dst, options=opts, ttl=rnd.randrange(256)) / \
            fuzz(rnd.choice([TCP(dport=80), UDP(dport=53)]))
    if kind == "arp":
        a = fuzz(ARP())
        a.pdst, a.psrc, a.ptype, a.hwlen, a.plen = dst, src(), 0x0800, 6, 4
        if rnd.random() < 0.3:
            a.ptype, a.hwlen, a.plen = rnd.randrange(65536), rnd.randrange(256), rnd.randrange(256)
        return Ether(dst=rnd.choice([dmac, "ff:ff:ff:ff:ff:ff"]), src=smac) / a
    # fragments of a fuzzed datagram; some overlapping, some lost
    body = IP(src=src(), dst=dst, id=rnd.randrange(65536)) / \
        fuzz(rnd.choice([UDP(dport=53), TCP(dport=80)])) / Raw(bytes(rnd.randrange(300, 2500)))
    frags = fragment(body, fragsize=rnd.choice([64, 256, 504, 1400]))
    if rnd.random() < 0.3:
        frags[0].frag = rnd.randrange(8192)
    if rnd.random() < 0.3:
        frags[0].flags = rnd.randrange(8)
    return [eth / f for f in frags]


kinds = ["tcp", "udp", "icmp", "ipopt", "arp", "frag"]
templates = []
unbuildable = 0
for i in range(1200):
    kind = kinds[i % len(kinds)]
    try:
        made = make(kind, targets[i % len(targets)])
        frames = [raw(f) for f in (made if isinstance(made, list) else [made])]
    except Exception:
        unbuildable += 1      # a random value scapy itself cannot encode
        continue
    templates += [(kind, f) for f in frames]

sent = {k: 0 for k in kinds}
t0 = time.time()
for n in range(count):
    kind, b = templates[n % len(templates)]
    r = rnd.random()
    if r < 0.4:
        b = bytearray(b)
        for _ in range(rnd.randrange(1, 4)):
            b[rnd.randrange(14, len(b))] = rnd.randrange(256)
        b = bytes(b)
    elif r < 0.5:
        b = b[:rnd.randrange(14, len(b) + 1)]
    try:
        s.send(b)
        sent[kind] += 1
    except OSError:
        pass          # a frame the kernel refuses (over the MTU): not sent
    if n % 256 == 255:
        ahead = t0 + secs * (n + 1) / count - time.time()
        if ahead > 0:
            time.sleep(ahead)
print(json.dumps({"sent": sum(sent.values()), "by_kind": sent,
                  "templates": len(templates), "unbuildable": unbuildable, "seconds": round(time.time() - t0, 1)}))
