#!/usr/bin/env python3
"""A TUNNEL backend's IPIP end, in user space, for kernels without the ipip
module (this test box has none): what `ip link add NAME type ipip` would do
for the decapsulation side.

    ipip_decap.py NAME VIP

Makes a TUN interface NAME holding VIP/32 (up, rp_filter off), reads every
IPv4 packet of protocol 4 (IPIP) addressed to this host from a raw socket
(the kernel has reassembled outer fragments by then) and writes the inner
packet into NAME, where the kernel receives it as if it had arrived there:
the server answers the client from the VIP through its normal routes, not
through the tunnel. Prints "ready" when set up, then counts to stderr on
SIGTERM."""
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
for cmd in (["ip", "addr", "add", vip + "/32", "dev", name],
            ["ip", "link", "set", name, "up"],
            ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0"],
            ["sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=0" % name]):
    subprocess.run(cmd, check=True)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
count = {"in": 0, "bad": 0}


def done(*_):
    print("decapsulated %(in)d, malformed %(bad)d" % count, file=sys.stderr, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, done)
print("ready", flush=True)
while True:
    pkt = raw.recv(65535)
    if len(pkt) < 40 or pkt[0] >> 4 != 4:
        count["bad"] += 1
        continue
    ihl = (pkt[0] & 0xF) * 4
    inner = pkt[ihl:]
    if len(inner) < 20 or inner[0] >> 4 != 4:
        count["bad"] += 1
        continue
    os.write(tun, inner)
    count["in"] += 1
