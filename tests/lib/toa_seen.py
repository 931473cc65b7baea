#!/usr/bin/env python3
"""The TOA options (kind 254) in a capture, IPv4's form (length 8) and
IPv6's (length 20), in the segments to DPORT: one word per distinct
(IP version of the segment, S for a SYN / D with data / A otherwise,
the client address:port the option carries), sorted, on one line.

usage: toa_seen.py PCAP DPORT"""
import socket
import struct
import sys

from scapy.all import IP, TCP, rdpcap


def options(raw):
    opts = raw[20:(raw[12] >> 4) * 4]
    i = 0
    while i < len(opts):
        k = opts[i]
        if k == 0:
            return
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(opts):
            return
        ln = opts[i + 1]
        yield k, opts[i:i + ln]
        i += max(ln, 2)


def main():
    seen = set()
    for p in rdpcap(sys.argv[1]):
        if TCP not in p or p[TCP].dport != int(sys.argv[2]):
            continue
        for k, o in options(bytes(p[TCP])):
            if k != 254 or len(o) not in (8, 20):
                continue
            addr = socket.inet_ntop(socket.AF_INET if len(o) == 8 else socket.AF_INET6, o[4:])
            fl = p[TCP].flags
            kind = "S" if fl & 2 else ("D" if len(p[TCP].payload) else "A")
            seen.add("%s%s %s:%d" % ("4" if IP in p else "6", kind, addr,
                                     struct.unpack("!H", o[2:4])[0]))
    print(" ".join(sorted(seen)))


main()
