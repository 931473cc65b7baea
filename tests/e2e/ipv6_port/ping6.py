#!/usr/bin/env python3
"""ICMPv6 echo of ADDR, COUNT times, from the kernel's own stack (it
resolves ADDR by neighbour discovery first, as any host would): prints
how many replies came back, each checked for the id, sequence and payload
sent (the kernel verifies the checksum of what a raw ICMPv6 socket gets)."""
import os
import socket
import struct
import sys
import time

addr, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(2.0)
ident = os.getpid() & 0xFFFF
got = 0
for seq in range(count):
    payload = os.urandom(56)
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload, (addr, 0))
    deadline = time.time() + 2.0
    while time.time() < deadline:
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            break
        if len(data) < 8 or data[0] != 129:
            continue
        i, q = struct.unpack("!HH", data[4:8])
        if i == ident and q == seq and data[8:] == payload and src[0] == addr:
            got += 1
            break
    time.sleep(0.1)
print(got)
