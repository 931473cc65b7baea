#!/usr/bin/env python3
"""Checks for the icmp scenario, on captures and with crafted errors.

  check.py fragneeded PCAP VIP CLIENT MTU       translated frag-needed seen by the client
  check.py towards-server PCAP LIP RS RPORT     translated error seen by the backend
  check.py send-error VIP CLIENT SPORT DPORT KIND   craft an error from the client side
Prints what it found; exits non-zero when a check fails."""
import struct
import sys

from scapy.all import ICMP, IP, UDP, Raw, conf, rdpcap, send

conf.verb = 0


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ok(b):
    return csum(bytes(b)) == 0xFFFF


def l4_ok(ip):
    """Full checksum of a whole quoted TCP/UDP packet."""
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    l4 = ip[ihl:tot]
    if len(l4) < tot - ihl:
        return None            # not quoted whole
    if ip[9] == 17 and l4[6:8] == b"\0\0":
        return True
    ph = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
    return csum(ph + l4) == 0xFFFF


def errors(pcap, typ=None, code=None):
    out = []
    for p in rdpcap(pcap):
        if IP in p and p[IP].proto == 1:
            raw = bytes(p[IP])
            ihl = (raw[0] & 15) * 4
            icmp = raw[ihl:struct.unpack("!H", raw[2:4])[0]]
            if icmp[0] in (3, 11, 12) and (typ is None or icmp[0] == typ) and \
               (code is None or icmp[1] == code):
                out.append((raw, ihl, icmp))
    return out


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def fragneeded(pcap, vip, client, mtu):
    found = errors(pcap, 3, 4)
    if not found:
        fail("no fragmentation-needed reached the client")
    raw, ihl, icmp = found[0]
    q = icmp[8:]
    qihl = (q[0] & 15) * 4
    checks = {
        "outer from the VIP": IP(raw).src == vip,
        "outer to the client": IP(raw).dst == client,
        "outer IP checksum": ok(raw[:ihl]),
        "ICMP checksum": ok(icmp),
        "MTU kept": struct.unpack("!H", icmp[6:8])[0] == mtu,
        "quote from the client": IP(q).src == client if len(q) >= 20 else False,
        "quote to the VIP": IP(q).dst == vip if len(q) >= 20 else False,
        "quote to port 80": struct.unpack("!H", q[qihl + 2:qihl + 4])[0] == 80,
        "quote IP checksum": ok(q[:qihl]),
    }
    full = l4_ok(q)
    if full is not None:
        checks["quote TCP checksum"] = full
    print(len(found), "frag-needed;", ", ".join("%s: %s" % kv for kv in checks.items()))
    if not all(checks.values()):
        fail("translated frag-needed is wrong")


def towards_server(pcap, lip, rs, rport):
    found = errors(pcap)
    if not found:
        fail("no ICMP error reached the backend")
    raw, ihl, icmp = found[-1]
    q = icmp[8:]
    qihl = (q[0] & 15) * 4
    checks = {
        "outer from the LIP": IP(raw).src == lip,
        "outer to the server": IP(raw).dst == rs,
        "outer IP checksum": ok(raw[:ihl]),
        "ICMP checksum": ok(icmp),
        "type kept": icmp[0] == 11,
        "quote from the server": IP(q).src == rs,
        "quote to the LIP": IP(q).dst == lip,
        "quote from the server's port": struct.unpack("!H", q[qihl:qihl + 2])[0] == rport,
        "quote IP checksum": ok(q[:qihl]),
        "quote UDP checksum": l4_ok(q) is True,
    }
    print("lport", struct.unpack("!H", q[qihl + 2:qihl + 4])[0], ";",
          ", ".join("%s: %s" % kv for kv in checks.items()))
    if not all(checks.values()):
        fail("translated error is wrong")


def send_error(vip, client, sport, dport, kind):
    quoted = IP(src=vip, dst=client, ttl=1) / UDP(sport=sport, dport=dport) / Raw(b"b1:hi")
    if kind == "time-exceeded":
        msg = ICMP(type=11, code=0) / quoted
    elif kind == "truncated":
        msg = ICMP(type=3, code=3) / Raw(bytes(quoted)[:20])
    else:
        fail("unknown kind " + kind)
    send(IP(src=client, dst=vip) / msg)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "fragneeded":
        fragneeded(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "towards-server":
        towards_server(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "send-error":
        send_error(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        fail("unknown command")
