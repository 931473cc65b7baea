#!/usr/bin/python3
"""Seeds for tests/fuzz/fuzz_dp.c: writes tests/fuzz/corpus/dp/*.

Each seed is one byte of flags, then records [ctl:1][len:2][frame] (see
fuzz_dp.c): ctl bit 0 lcore, bit 1 port (0 wan, 1 lan), bit 2 repair the
headers, bits 3-4 time passes first (0, 20 ms, 1.1 s, 40 s), bit 5 end of
burst. The addresses are those of fuzz_dp.c's config. Run from the
repository root: /usr/bin/python3 tests/fuzz/seeds/dp_seeds.py
"""
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig,
                       IPOption_RR, IPOption_Timestamp, IPv6, IPv6ExtHdrFragment, Raw, fragment,
                       fragment6, raw)

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/dp"
PMAC = "02:00:00:00:00:aa"       # repaired to the port's MAC anyway
CMAC, RMAC = "02:00:00:00:00:01", "02:00:00:00:00:fe"
CLIENT, ROUTER, VIP, VIP2 = "10.0.0.1", "10.0.0.254", "10.0.0.10", "10.0.0.11"
B1, B2, LIP = "10.1.0.11", "10.1.0.12", "10.1.0.100"
REPAIR, BURST = 4, 0x20


def rec(frame, port=0, lcore=0, t=0, fix=True, burst=True):
    b = raw(frame) if not isinstance(frame, bytes) else frame
    ctl = lcore | port << 1 | (REPAIR if fix else 0) | t << 3 | (BURST if burst else 0)
    return struct.pack(">BH", ctl, len(b)) + b


def wan(pkt, src_mac=CMAC):
    return Ether(src=src_mac, dst=PMAC) / pkt


def lan(pkt, src_mac="02:00:00:00:01:0b"):
    return Ether(src=src_mac, dst=PMAC) / pkt


def syn(dport, sport=40000, dst=VIP, opts=None, flags="S", seq=1000, ack=0, data=b""):
    ip = IP(src=CLIENT, dst=dst, ttl=64, options=opts or [])
    return wan(ip / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / data)


seeds = {}
# a whole TCP life through FULLNAT, and the server's side of it
seeds["tcp_life"] = [
    rec(syn(80)), rec(syn(80, flags="A", seq=1001, ack=1), t=1),
    rec(syn(80, flags="PA", seq=1001, ack=1, data=b"GET / HTTP/1.0\r\n\r\n")),
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024, flags="SA", seq=5, ack=1)), port=1),
    rec(lan(IP(src=B2, dst=LIP) / TCP(sport=8080, dport=1025, flags="SA", seq=5, ack=1)), port=1, lcore=1),
    rec(syn(80, flags="FA", seq=1019, ack=1), t=1), rec(syn(80, flags="R", seq=1020), t=2),
]
seeds["tcp_two_lcores"] = [rec(syn(80, sport=40000 + i), lcore=i & 1) for i in range(8)] + [
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024 + i, flags="SA")), port=1, lcore=(i + 1) & 1)
    for i in range(8)]
seeds["udp_mh"] = [rec(wan(IP(src=CLIENT, dst=VIP) / UDP(sport=5000 + i, dport=53) / b"q")) for i in range(4)] + [
    rec(lan(IP(src="10.1.0.11", dst=LIP) / UDP(sport=5353, dport=1024) / b"a")), ]
seeds["icmp_echo"] = [
    rec(wan(IP(src=CLIENT, dst=VIP) / ICMP(type=8, id=7, seq=1) / b"ping")),
    rec(wan(IP(src=CLIENT, dst="10.0.0.2") / ICMP(type=8, id=7, seq=2) / b"ping")),
    rec(lan(IP(src=B1, dst=LIP) / ICMP(type=8, id=9, seq=1)), port=1),
]
quote_c = IP(src=VIP, dst=CLIENT) / TCP(sport=80, dport=40000, flags="SA")
quote_s = IP(src=LIP, dst=B1) / TCP(sport=1024, dport=8080, flags="S")
seeds["icmp_errors"] = [
    rec(syn(80)),
    rec(wan(IP(src=ROUTER, dst=VIP) / ICMP(type=3, code=4, nexthopmtu=1000) / raw(quote_c)[:28], src_mac=RMAC)),
    rec(wan(IP(src=ROUTER, dst=VIP) / ICMP(type=11, code=0) / raw(quote_c), src_mac=RMAC)),
    rec(lan(IP(src=B1, dst=LIP) / ICMP(type=3, code=3) / raw(quote_s)[:28]), port=1),
    rec(lan(IP(src="10.1.0.254", dst=LIP) / ICMP(type=3, code=1) / raw(quote_s)), port=1, lcore=1),
]
big = IP(src=CLIENT, dst=VIP, id=4242) / UDP(sport=6000, dport=53) / (b"x" * 3000)
frs = fragment(big, fragsize=1000)
seeds["fragments"] = [rec(wan(f)) for f in reversed(frs)] + [rec(wan(frs[0]), lcore=1)]
seeds["fragments_reply"] = [rec(syn(80))] + [
    rec(lan(f), port=1, lcore=1) for f in
    reversed(fragment(IP(src=B1, dst=LIP, id=7) / TCP(sport=8080, dport=1024, flags="A") / (b"y" * 2500), fragsize=1200))]
seeds["ip_options"] = [
    rec(syn(80, opts=[IPOption_RR(routers=["0.0.0.0"] * 3)])),
    rec(syn(80, opts=[IPOption_Timestamp(flg=0, timestamp=[0, 0])])),
    rec(wan(IP(src=CLIENT, dst=VIP, options=[IPOption_RR()]) / UDP(sport=7, dport=53) / b"o")),
]
seeds["arp"] = [
    rec(Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CMAC, psrc=CLIENT, pdst="10.0.0.2")),
    rec(Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CMAC, psrc=CLIENT, pdst=VIP)),
    rec(lan(ARP(op=2, hwsrc="02:00:00:00:01:0c", psrc=B2, hwdst=PMAC, pdst="10.1.0.2")), port=1),
    rec(Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CMAC, psrc=CLIENT, pdst=CLIENT)),
]
seeds["nat_dr_tunnel"] = [
    rec(syn(81)), rec(lan(IP(src=B1, dst=CLIENT) / TCP(sport=81, dport=40000, flags="SA")), port=1),
    rec(lan(IP(src=B1, dst="10.0.0.77") / UDP(sport=1, dport=2)), port=1),
    rec(syn(82)), rec(syn(82, flags="A", seq=1001)),
    rec(wan(IP(src=CLIENT, dst=VIP2) / UDP(sport=9000, dport=83) / b"t")),
    rec(wan(IP(src=CLIENT, dst=VIP2, flags="DF") / UDP(sport=9001, dport=83) / (b"T" * 1470))),
]
seeds["down_and_sorry"] = [
    rec(syn(84, sport=41000 + i, dst=VIP2)) for i in range(4)] + [
    rec(syn(84, sport=41000, dst=VIP2, flags="A", seq=1001), t=1),
    rec(syn(85, dst=VIP2)), rec(wan(IP(src=CLIENT, dst=VIP2) / UDP(sport=1, dport=99))),
    rec(syn(99)), rec(wan(IP(src=CLIENT, dst=VIP, ttl=1) / TCP(sport=1, dport=80, flags="S"))),
]
seeds["malformed"] = [
    rec(b"\x00" * 10, fix=False),
    rec(raw(wan(IP(src=CLIENT, dst=VIP) / TCP(dport=80)))[:30], fix=False),
    rec(raw(wan(IP(src=CLIENT, dst=VIP, ihl=15) / TCP(dport=80))), fix=False),
    rec(raw(wan(IP(src=CLIENT, dst=VIP, len=20) / UDP(dport=53) / b"zz")), fix=False),
    rec(raw(wan(IP(src=CLIENT, dst=VIP) / TCP(dport=80, dataofs=15))), fix=True),
    rec(raw(Ether(src=CMAC, dst=PMAC, type=0x86dd) / (b"\x60" + b"\0" * 39)), fix=False),
]

# IPv6 to the wan port's fd00:1::2 (ND and echo answered; the rest counted)
A6, C6 = "fd00:1::2", "fd00:1::1"
seeds["ipv6"] = [
    rec(Ether(src=CMAC, dst="33:33:ff:00:00:02") / IPv6(src=C6, dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=A6) / ICMPv6NDOptSrcLLAddr(lladdr=CMAC), fix=False),
    rec(Ether(src=CMAC, dst="33:33:ff:00:00:02") / IPv6(src="::", dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=A6), fix=False),
    rec(wan(IPv6(src=C6, dst=A6) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping")), fix=False),
    rec(wan(IPv6(src=C6, dst=A6) / UDP(sport=5000, dport=53) / b"q"), fix=False),
    rec(Ether(src=CMAC, dst="33:33:00:00:00:02") / IPv6(src=C6, dst="ff02::2", hlim=255) /
        ICMPv6ND_RS(), fix=False),
]

# IPv6 services: FULLNAT v6 and NAT64, the server's side, fragments and
# ICMPv6 errors both ways (the local port a session gets is the fuzzer's to
# find: the seeds use the first ones)
VIP6, LIP6, S6, RT6 = "fd00:1::10", "fd00:2::100", "fd00:2::11", "fd00:1::fe"


def syn6(dport, sport=40000, flags="S", seq=1000, ack=0, data=b""):
    return wan(IPv6(src=C6, dst=VIP6) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / data)


seeds["ipv6_life"] = [
    rec(syn6(80)), rec(syn6(80, flags="A", seq=1001, ack=1), t=1),
    rec(syn6(80, flags="PA", seq=1001, ack=1, data=b"GET / HTTP/1.0\r\n\r\n")),
    rec(lan(IPv6(src=S6, dst=LIP6) / TCP(sport=8080, dport=1024, flags="SA", seq=5, ack=1)), port=1),
    rec(syn6(81)), rec(syn6(81, flags="PA", seq=1001, ack=1, data=b"hello")),
    rec(lan(IPv6(src=S6, dst=LIP6) / TCP(sport=81, dport=1025, flags="A", seq=6, ack=1030)), port=1),
    rec(syn6(82)), rec(syn6(80, flags="FA", seq=1019, ack=1), t=1), rec(syn6(80, flags="R", seq=1020), t=2),
]
seeds["ipv6_nat64"] = [
    rec(syn6(8064)), rec(syn6(8064, flags="PA", seq=1001, ack=1, data=b"x" * 100)),
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024, flags="SA", seq=5, ack=1001)), port=1),
    rec(lan(IP(src=B1, dst=LIP, flags="DF") / TCP(sport=8080, dport=1024, flags="A") / (b"y" * 1460)), port=1),
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024, flags="A") / (b"z" * 1460)), port=1),
    rec(wan(IPv6(src=C6, dst=VIP6) / UDP(sport=5000, dport=5364) / b"q")),
    rec(lan(IP(src=B1, dst=LIP) / UDP(sport=5353, dport=1024) / b"a"), port=1),
    rec(lan(IP(src="10.1.0.254", dst=LIP) / ICMP(type=3, code=4, nexthopmtu=1280) /
            IP(src=LIP, dst=B1) / TCP(sport=1024, dport=8080, flags="A")), port=1),
]
seeds["ipv6_modes"] = [
    rec(syn6(83)), rec(syn6(83, flags="A", seq=1001, ack=1), t=1),
    rec(syn6(84)), rec(lan(IPv6(src="fd00:2::13", dst=C6) / TCP(sport=8084, dport=40000, flags="SA", seq=5,
                                                           ack=1001)), port=1),
    rec(lan(IPv6(src="fd00:2::13", dst="fd00:9::1") / UDP(sport=1, dport=53) / b"own"), port=1),
    rec(wan(IPv6(src=C6, dst=VIP6) / UDP(sport=5003, dport=85) / (b"t" * 1480))),
    rec(wan(IPv6(src=RT6, dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) /
            IPv6(src=VIP6, dst=C6) / TCP(sport=84, dport=40000, flags="A"))),
]
seeds["synproxy"] = [
    rec(syn(86, dst=VIP2)), rec(syn(86, dst=VIP2, flags="A", seq=1001, ack=12345)),
    rec(syn6(86)), rec(syn6(86, flags="A", seq=1001, ack=12345)),
    rec(syn6(86, flags="PA", seq=1001, ack=12345, data=b"GET /")),
    rec(lan(IPv6(src=S6, dst=LIP6) / TCP(sport=86, dport=1024, flags="SA", seq=77, ack=1001)), port=1),
    rec(syn6(8066)), rec(syn6(8066, flags="A", seq=1001, ack=12345)),
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024, flags="SA", seq=77, ack=1001)), port=1),
    rec(lan(IP(src=B1, dst=LIP) / TCP(sport=8080, dport=1024, flags="R", seq=78)), port=1, t=2),
]
frags6 = fragment6(IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(id=77) / UDP(sport=5001, dport=53) /
                   Raw(b"f" * 3000), 1280)
seeds["ipv6_frag"] = [rec(wan(f)) for f in frags6] + [
    rec(wan(f)) for f in reversed(fragment6(IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(id=78) /
                                                      UDP(sport=5002, dport=5364) / Raw(b"g" * 3000), 1280))]
seeds["ipv6_icmp"] = [
    rec(syn6(80)), rec(syn6(53)),
    rec(lan(IPv6(src="fd00:2::fe", dst=LIP6) / ICMPv6PacketTooBig(mtu=1280) /
            IPv6(src=LIP6, dst=S6) / TCP(sport=1024, dport=8080, flags="A")), port=1),
    rec(wan(IPv6(src=RT6, dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) /
            IPv6(src=VIP6, dst=C6) / TCP(sport=80, dport=40000, flags="A"))),
    rec(wan(IPv6(src=RT6, dst=VIP6) / ICMPv6DestUnreach(code=4) /
            IPv6(src=VIP6, dst=C6) / UDP(sport=8064, dport=40000))),
    rec(wan(IPv6(src=C6, dst=VIP6) / UDP(sport=5000, dport=99) / b"q")),
]

os.makedirs(OUT, exist_ok=True)
for name, recs in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b"\x00" + b"".join(recs))
print(f"{len(seeds)} seeds in {OUT}")
