#!/usr/bin/env python3
"""A TCP or UDP server behind mgw that reads the PROXY protocol (v1 or v2).

  tcp ADDR PORT sink     : per connection, read the header, then the whole
                           stream; answer "<src>:<sport> <sha256 of the data>"
  tcp ADDR PORT banner   : per connection, send "220 banner\\r\\n" first
                           (server speaks first), then read the header and
                           one line; answer "<src>:<sport> <line>"
  udp ADDR PORT          : per datagram, parse the v2 header in front of
                           it; answer "<src>:<sport> <payload>" (plain)
A connection or datagram without a valid header is answered "NOHDR".
ADDR of either family; a header of either family (TCP4/TCP6, AF_INET and
AF_INET6 in v2), the source shown in its canonical text."""
import hashlib
import socket
import struct
import sys
import threading

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def parse(buf):
    """(src, sport, header length) or None; raises ValueError on junk."""
    if buf.startswith(SIG):
        if len(buf) < 16:
            return None
        ver_cmd, fam, ln = buf[12], buf[13], struct.unpack("!H", buf[14:16])[0]
        if ver_cmd != 0x21:
            raise ValueError("v2 version/command %x" % ver_cmd)
        if len(buf) < 16 + ln:
            return None
        if fam in (0x11, 0x12) and ln >= 12:
            src = socket.inet_ntoa(buf[16:20])
            sport = struct.unpack("!H", buf[24:26])[0]
        elif fam in (0x21, 0x22) and ln >= 36:
            src = socket.inet_ntop(socket.AF_INET6, buf[16:32])
            sport = struct.unpack("!H", buf[48:50])[0]
        else:
            raise ValueError("family %x" % fam)
        return src, sport, 16 + ln
    if buf.startswith(b"PROXY "):
        i = buf.find(b"\r\n")
        if i < 0:
            if len(buf) > 107:
                raise ValueError("v1 too long")
            return None
        f = buf[:i].decode().split(" ")
        if f[1] not in ("TCP4", "TCP6") or len(f) != 6:
            raise ValueError("v1 " + f[1])
        fam = socket.AF_INET if f[1] == "TCP4" else socket.AF_INET6
        return socket.inet_ntop(fam, socket.inet_pton(fam, f[2])), int(f[4]), i + 2
    if len(buf) >= 16 or not (SIG.startswith(buf[:12]) or b"PROXY ".startswith(buf[:6])):
        raise ValueError("no header")
    return None


def tcp_conn(c, mode):
    try:
        if mode == "banner":
            c.sendall(b"220 banner\r\n")
        buf = b""
        while True:
            d = c.recv(65536)
            if not d:
                c.sendall(b"NOHDR\n")
                return
            buf += d
            try:
                h = parse(buf)
            except ValueError:
                c.sendall(b"NOHDR\n")
                return
            if h:
                break
        src, sport, hl = h
        rest = buf[hl:]
        if mode == "banner":
            while b"\n" not in rest:
                d = c.recv(4096)
                if not d:
                    break
                rest += d
            c.sendall(("%s:%d %s\n" % (src, sport, rest.decode().strip())).encode())
            return
        sha = hashlib.sha256(rest)
        n = len(rest)
        while True:
            d = c.recv(262144)
            if not d:
                break
            sha.update(d)
            n += len(d)
        c.sendall(("%s:%d %s %d\n" % (src, sport, sha.hexdigest(), n)).encode())
    finally:
        c.close()


def main():
    kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    if kind == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
        while True:
            d, peer = s.recvfrom(65536)
            try:
                h = parse(d)
                if not h or not d.startswith(SIG):
                    raise ValueError("v2 only")
                out = "%s:%d %s" % (h[0], h[1], d[h[2]:].decode(errors="replace"))
            except ValueError:
                out = "NOHDR"
            s.sendto(out.encode(), peer)
    mode = sys.argv[4]
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c, mode), daemon=True).start()


if __name__ == "__main__":
    main()
