#!/usr/bin/env python3
"""Opens a TCP connection with a chosen TTL (and a TCP-MD5 key) and says
whether the other side closed it at once (GTSM test).

    ttl_connect.py SRC DST PORT TTL [KEY_FILE]

Prints "closed" when the peer closes or resets the connection within 3 s
without sending a byte, "open" when it is still up then, "refused" when the
connection could not be made; exit status 0 in every case.
"""
import select
import socket
import struct
import sys

TCP_MD5SIG = 14


def md5sig(addr, key):
    sa = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 0) + socket.inet_aton(addr)
    sa = sa.ljust(128, b"\0")
    return sa + struct.pack("=BBHI", 0, 0, len(key), 0) + key.ljust(80, b"\0")


def main():
    src, dst, port, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    if len(sys.argv) > 5:
        key = open(sys.argv[5], "rb").read().rstrip(b"\r\n")
        s.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig(dst, key))
    s.bind((src, 0))
    s.settimeout(3)
    try:
        s.connect((dst, port))
    except OSError:
        print("refused")
        return
    r, _, _ = select.select([s], [], [], 3)
    if not r:
        print("open")
        return
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    print("closed" if not data else "open")


if __name__ == "__main__":
    main()
