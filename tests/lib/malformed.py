#!/usr/bin/env python3
"""Send malformed IPv4 frames at a VIP: truncated IP/TCP/UDP headers, bad
IHL, bad total length, bad checksum, wrong version. Each kind goes out
`count` times. Usage: malformed.py IFACE DST_MAC SRC_IP VIP COUNT"""
import sys

from scapy.all import Ether, IP, TCP, UDP, Raw, sendp, raw  # noqa: E402

iface, dmac, src, vip, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
eth = Ether(dst=dmac, type=0x0800)
good_tcp = raw(IP(src=src, dst=vip) / TCP(sport=40000, dport=80, flags="S"))
good_udp = raw(IP(src=src, dst=vip) / UDP(sport=40000, dport=53) / Raw(b"x" * 8))


def with_ihl_len(pkt, ihl=None, tot=None, csum_fix=True, version=4):
    b = bytearray(pkt)
    b[0] = (version << 4) | (ihl if ihl is not None else (b[0] & 0x0F))
    if tot is not None:
        b[2:4] = tot.to_bytes(2, "big")
    if csum_fix:
        b[10:12] = b"\0\0"
        s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, (b[0] & 0xF) * 4, 2))
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        b[10:12] = (~s & 0xFFFF).to_bytes(2, "big")
    return bytes(b)


kinds = {
    "ip_truncated": good_tcp[:12],                       # not even an IP header
    "ip_bad_ihl_small": with_ihl_len(good_tcp, ihl=4),   # IHL < 5
    "ip_bad_ihl_big": with_ihl_len(good_tcp[:24], ihl=15, tot=24),
    "ip_bad_total_length_big": with_ihl_len(good_tcp, tot=1400),
    "ip_bad_total_length_small": with_ihl_len(good_tcp, tot=10),
    "ip_version": with_ihl_len(good_tcp, version=6),
    "ip_bad_checksum": good_tcp[:10] + b"\xde\xad" + good_tcp[12:],
    "l4_truncated_tcp": with_ihl_len(good_tcp[:30], tot=30),
    "tcp_bad_offset": with_ihl_len(good_tcp[:32] + bytes([0x20]) + good_tcp[33:]),
    "udp_bad_length": with_ihl_len(good_udp[:24] + (200).to_bytes(2, "big") + good_udp[26:]),
}
frames = []
for name, payload in kinds.items():
    frames += [eth / Raw(payload)] * count
sendp(frames, iface=iface, verbose=False)
print(len(frames))
