#!/usr/bin/env python3
"""A BGP peer that sends one malformed UPDATE (RFC 7606 test).

    bgp_malformed.py LOCAL_IP MY_AS

Listens on LOCAL_IP:179 for the speaker under test, opens the session
(hold 9 s, 4-octet AS and IPv4 unicast capabilities), then sends:
  1. an UPDATE whose ORIGIN has the undefined value 7, NLRI 10.9.9.0/24
     (RFC 7606 7.1: treat-as-withdraw; RFC 4271 alone would reset),
  2. a well-formed UPDATE, NLRI 10.9.8.0/24,
and keeps the session alive with KEEPALIVEs, printing what it receives,
until it is killed or the peer closes.
"""
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(t, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), t) + body


def open_msg(my_as, ident):
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + struct.pack("!I", my_as)
    opt = bytes([2, len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, my_as if my_as < 65536 else 23456, 9,
                              socket.inet_aton(ident), len(opt)) + opt)


def update(origin, as_path_as, nlri):
    attrs = bytes([0x40, 1, 1, origin])
    attrs += bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", as_path_as)
    attrs += bytes([0x40, 3, 4]) + socket.inet_aton(sys.argv[1])
    net, plen = nlri.split("/")
    plen = int(plen)
    n = bytes([plen]) + socket.inet_aton(net)[: (plen + 7) // 8]
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + n)


def read_msgs(s, buf):
    out = []
    try:
        data = s.recv(65536)
    except BlockingIOError:
        return out, buf, True
    if not data:
        return out, buf, False
    buf += data
    while len(buf) >= 19:
        ln = struct.unpack("!H", buf[16:18])[0]
        if len(buf) < ln:
            break
        out.append(buf[:ln])
        buf = buf[ln:]
    return out, buf, True


def main():
    local, my_as = sys.argv[1], int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((local, 179))
    ls.listen(1)
    s, addr = ls.accept()
    print("connection from %s" % addr[0], flush=True)
    s.sendall(open_msg(my_as, local))
    s.setblocking(False)
    buf, sent, last_ka = b"", False, 0.0
    while True:
        msgs, buf, alive = read_msgs(s, buf)
        if not alive:
            print("closed by the peer", flush=True)
            return
        for m in msgs:
            t = m[18]
            print("received type %d (%d bytes)%s" % (t, len(m),
                  " code %d/%d" % (m[19], m[20]) if t == 3 else ""), flush=True)
            if t == 1:
                s.sendall(msg(4))
            if t == 4 and not sent:
                s.sendall(update(7, my_as, "10.9.9.0/24"))
                s.sendall(update(0, my_as, "10.9.8.0/24"))
                sent = True
                print("sent the malformed UPDATE and a good one", flush=True)
        if time.time() - last_ka >= 1:
            s.sendall(msg(4))
            last_ka = time.time()
        time.sleep(0.05)


if __name__ == "__main__":
    main()
