#!/usr/bin/env python3
"""A TUNNEL backend's IPv6-in-IPv6 end (RFC 2473), in user space, for
kernels without the ip6_tunnel module (this test box has none): what
`ip -6 tunnel add NAME mode ip6ip6` would do for the decapsulation side.

    ip6ip6_decap.py NAME VIP6

Makes a TUN interface NAME holding VIP6/128 (up, no DAD), reads every IPv6
packet of next header 41 addressed to this host from a raw socket (an IPv6
raw socket hands over the payload alone: the inner packet) and writes it
into NAME, where the kernel receives it as if it had arrived there: the
server answers the client from the VIP through its normal routes, not
through the tunnel. A raw socket taking protocol 41 also keeps the kernel
from answering it with a parameter problem. Prints "ready" when set up,
then counts to stderr on SIGTERM."""
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

name, vip = sys.argv[1], sys.argv[2]
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
for cmd in (["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=0" % name],
            ["ip", "link", "set", name, "up"],
            ["ip", "-6", "addr", "add", vip + "/128", "dev", name, "nodad"]):
    subprocess.run(cmd, check=True)
raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 41)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
count = {"in": 0, "bad": 0}


def done(*_):
    print("decapsulated %(in)d, malformed %(bad)d" % count, file=sys.stderr, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, done)
print("ready", flush=True)
while True:
    inner = raw.recv(65535)
    if len(inner) < 40 or inner[0] >> 4 != 6:
        count["bad"] += 1
        continue
    os.write(tun, inner)
    count["in"] += 1
