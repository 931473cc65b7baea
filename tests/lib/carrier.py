#!/usr/bin/python3
"""Measure how long interfaces in other network namespaces take to lose (or
regain) their carrier after a trigger.

  carrier.py [--up] [--timeout S] [--kill PID SIG | --run CMD...] NS:IF [NS:IF ...]

Opens one socket per namespace first (setns), then fires the trigger (a
signal to PID, or a command started with the rest of the line after --run),
then polls each interface's flags with RTM_GETLINK every 0.5 ms. A carrier is
lost when the interface is not IFF_LOWER_UP ("NO-CARRIER" in ip link; the
16-bit SIOCGIFFLAGS cannot show that flag).
Prints one line per interface: "NS:IF <ms>" (ms from the trigger), or
"NS:IF timeout"; exits 0 when every interface changed, 1 otherwise.
"""
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import time

SIOCGIFINDEX = 0x8933
IFF_UP, IFF_LOWER_UP = 0x1, 0x10000
CLONE_NEWNET = 0x40000000
RTM_NEWLINK, RTM_GETLINK, NLM_F_REQUEST = 16, 18, 1


class Link:
    """One interface, through sockets opened in its namespace."""

    def __init__(self, ifname):
        ip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        res = fcntl.ioctl(ip.fileno(), SIOCGIFINDEX, struct.pack("16si12x", ifname.encode(), 0))
        self.index = struct.unpack("16si12x", res)[1]
        ip.close()
        self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.seq = 0

    def flags(self):
        self.seq += 1
        msg = struct.pack("=IHHII", 32, RTM_GETLINK, NLM_F_REQUEST, self.seq, 0) + \
            struct.pack("=BxHiII", socket.AF_UNSPEC, 0, self.index, 0, 0)
        self.nl.send(msg)
        while True:
            r = self.nl.recv(65536)
            _, typ, _, seq, _ = struct.unpack_from("=IHHII", r)
            if seq != self.seq:
                continue
            if typ != RTM_NEWLINK:
                return 0   # an error: gone, no carrier either
            return struct.unpack_from("=BxHiII", r, 16)[3]


def main(argv):
    up, timeout, kill, run, targets = False, 2.0, None, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--up":
            up = True
        elif a == "--timeout":
            timeout = float(argv[i + 1]); i += 1
        elif a == "--kill":
            kill = (int(argv[i + 1]), getattr(signal, "SIG" + argv[i + 2].removeprefix("SIG")))
            i += 2
        elif a == "--run":
            run = argv[i + 1:]
            break
        else:
            targets.append(a)
        i += 1
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    links = {}
    for t in targets:
        ns, ifname = t.split(":", 1)
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            sys.exit(f"setns {ns}: errno {ctypes.get_errno()}")
        os.close(fd)
        links[t] = Link(ifname)
    libc.setns(home, CLONE_NEWNET)
    want = (lambda f: (f & IFF_UP) and (f & IFF_LOWER_UP)) if up else \
           (lambda f: not (f & IFF_LOWER_UP))
    done = {}
    proc = None
    t0 = time.monotonic()
    if kill:
        os.kill(*kill)
    elif run:
        proc = subprocess.Popen(run, stdout=subprocess.DEVNULL)
    while len(done) < len(targets) and time.monotonic() - t0 < timeout:
        for t in targets:
            if t in done:
                continue
            if want(links[t].flags()):
                done[t] = (time.monotonic() - t0) * 1000
        time.sleep(0.0005)
    for t in targets:
        print(f"{t} {done[t]:.1f}" if t in done else f"{t} timeout")
    if proc:
        proc.wait()
    return 0 if len(done) == len(targets) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
