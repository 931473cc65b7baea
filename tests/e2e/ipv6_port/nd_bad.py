#!/usr/bin/env python3
"""Neighbour solicitations mgw must not answer, sent on IFACE towards
the MAC DST: for ADDR with hop limit 254 (forwarded: RFC 4861 says drop),
for ADDR with a bad checksum, and a well-formed one for OTHER (not ours);
a UDP datagram to ADDR (IPv6 beyond ND and echo: not served); and an
unsolicited NA claiming ADDR for this host (a duplicate address)."""
import sys

from scapy.all import (UDP, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6, conf, in6_getnsma, in6_getnsmac, inet_pton,
                       sendp, socket)

conf.verb = 0
iface, dst_mac, src, addr, other = sys.argv[1:6]
mac = open(f"/sys/class/net/{iface}/address").read().strip()


def ns(target, hlim=255, cksum=None):
    sn = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    icmp = ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    if cksum is not None:
        icmp.cksum = cksum
    return (Ether(src=mac, dst=in6_getnsmac(inet_pton(socket.AF_INET6, sn))) /
            IPv6(src=src, dst=sn, hlim=hlim) / icmp)


sendp([ns(addr, hlim=254), ns(addr, cksum=0x1234), ns(other),
       Ether(src=mac, dst=dst_mac) / IPv6(src=src, dst=addr) / UDP(sport=5000, dport=53) / b"x",
       Ether(src=mac, dst="33:33:00:00:00:01") / IPv6(src=src, dst="ff02::1", hlim=255) /
       ICMPv6ND_NA(tgt=addr, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac)],
      iface=iface)
