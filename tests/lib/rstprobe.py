#!/usr/bin/env python3
"""Blind and exact RSTs at a live connection through a VIP (scapy).

Opens an HTTP keep-alive connection to VIP:PORT, learns its initial
sequence number from the SYN seen on IFACE (later numbers follow from the
bytes sent, whatever the sniffer's delay), then sends spoofed RSTs
as the client: FAR ones (off by ±2^30 and more), NEAR ones (in the window,
not at the next number), checking after each batch that the connection
still answers; then one RST at exactly the next number, after which the
connection must be gone. Prints "far N", "near N", "alive-after-blind",
"exact-sent", then "dead-after-exact" or "ALIVE-after-exact".
Usage: rstprobe.py IFACE VIP PORT"""
import socket
import sys
import time

from scapy.all import IP, TCP, AsyncSniffer, conf, send

conf.verb = 0
iface, vip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def ask(s):
    s.sendall(REQ)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        body += chunk
    return body


def connect():
    """A connection whose SYN the sniffer saw: its ISN gives every later
    sequence number (the bytes sent are counted here), so nothing depends on
    how soon the sniffer delivers later segments on a busy box."""
    for _ in range(5):
        s = socket.create_connection((vip, port), timeout=3)
        me, cport = s.getsockname()
        t = time.time() + 5
        while time.time() < t:
            for p in list(seen):
                if (p.haslayer(TCP) and p[IP].src == me and p[TCP].sport == cport
                        and p[TCP].flags.S):
                    return s, me, cport, p[TCP].seq
            time.sleep(0.05)
        s.close()
    sys.exit("the sniffer saw none of 5 SYNs")


seen = []
ready = []
sn = AsyncSniffer(iface=iface, filter=f"tcp and host {vip} and port {port}", store=False,
                  prn=seen.append, started_callback=lambda: ready.append(1))
sn.start()
t = time.time() + 10
while not ready and time.time() < t:
    time.sleep(0.05)
time.sleep(0.2)
s, me, cport, isn = connect()
sent = 0


def next_seq():
    global sent
    ask(s)
    sent += len(REQ)
    return isn + 1 + sent


def rst(seq):
    send(IP(src=me, dst=vip) / TCP(sport=cport, dport=port, flags="R", seq=seq & 0xffffffff))


nxt = next_seq()
far = [1 << 30, -(1 << 30), 1 << 31, 3_000_000_000, -500_000_000, 123_456_789 * 7]
for off in far:
    rst(nxt + off)
print("far", len(far), flush=True)
time.sleep(0.3)
next_seq()
near = [20000, 40000, -3000]
for off in near:
    rst(nxt + off)
print("near", len(near), flush=True)
time.sleep(0.3)
for _ in range(3):
    next_seq()
print("alive-after-blind", flush=True)
nxt = next_seq()
time.sleep(0.2)
rst(nxt)
print("exact-sent", flush=True)
time.sleep(0.5)
try:
    s.settimeout(2)
    ask(s)
    print("ALIVE-after-exact", flush=True)
except OSError:
    print("dead-after-exact", flush=True)
sn.stop()
