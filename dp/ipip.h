/* dp/ipip.h — IPv4-in-IPv4 encapsulation (RFC 2003) for TUNNEL services:
 * the client's packet, unchanged, inside an outer header from mgw's port
 * address to the server (protocol 4). IPv6 services: IPv6-in-IPv6 (RFC
 * 2473), the outer header's next header 41, from the port's ip6.
 *
 * Outer header: DF copied from the inner header (RFC 2003 3.1), TTL and
 * IP id as the caller says. A packet that does not fit the egress MTU with
 * the 20 bytes added is either refused (DF: the caller sends "fragmentation
 * needed" with dp_ipip_mtu()) or, without DF, the outer datagram is
 * fragmented (RFC 2003 5.1): dp_ipip_fragment() writes each piece; the
 * server's kernel reassembles before it decapsulates.
 *
 * Pure functions over byte buffers: no mbuf, no EAL. */
#ifndef MGW_DP_IPIP_H
#define MGW_DP_IPIP_H

#include <stdbool.h>
#include <stdint.h>

#define DP_IPPROTO_IPIP  4
#define DP_IPIP_HLEN     20
#define DP_IPIP_TTL      64

/* The largest inner packet a tunnel over a link of this MTU carries whole. */
static inline uint16_t dp_ipip_mtu(uint16_t link_mtu)
{
	return (uint16_t)(link_mtu - DP_IPIP_HLEN);
}

/* Inner bytes per outer fragment (a multiple of 8, RFC 791). */
static inline uint16_t dp_ipip_chunk(uint16_t link_mtu)
{
	return (uint16_t)(dp_ipip_mtu(link_mtu) & ~7u);
}

/* Write an outer header at ip: from src to dst (network order), carrying
 * payload_len bytes, frag = the flags/offset field as it goes on the wire
 * (host order: 0x4000 DF, 0x2000 MF, offset in 8-byte units). */
void dp_ipip_header(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t payload_len,
		    uint16_t id, uint16_t frag, uint8_t ttl);

/* Encapsulate in place. frame: an Ethernet frame whose IPv4 packet starts
 * at frame + 14 + 20, the 20 bytes before it free (prepended); writes the
 * ethertype and the outer header (DF as the inner packet's). The inner
 * packet's total length is read from its header: the caller has checked
 * it (dp/pkt.h). */
void dp_ipip_encap(uint8_t *frame, uint32_t src, uint32_t dst, uint16_t id, uint8_t ttl);

/* One fragment of the outer datagram carrying inner[off, off + n), with
 * n = min(chunk, inner_len - off), into out (room for 14 + 20 + chunk):
 * ethertype, outer header (MF unless it is the last), the bytes. off is a
 * multiple of 8. Returns the frame length (0 when off ≥ inner_len). */
uint32_t dp_ipip_fragment(uint8_t *out, const uint8_t *inner, uint16_t inner_len, uint16_t off,
			  uint16_t chunk, uint32_t src, uint32_t dst, uint16_t id, uint8_t ttl);

/* ---- IPv6 in IPv6 (RFC 2473) ----
 *
 * The outer header: traffic class copied from the inner packet (RFC 2473
 * 6.5 leaves it to the entry point; copying keeps the client's marking),
 * flow label 0, payload length the whole inner packet, next header 41,
 * hop limit as the caller says (RFC 2473 6.3: the inner packet lost one
 * already). No tunnel encapsulation limit option (4.1.1: may be left
 * out). IPv6 routers never fragment: an inner packet that does not fit
 * the egress MTU with the 40 bytes added is refused, the caller sending
 * ICMPv6 Packet Too Big with dp_ipip_mtu6() (7.1); outer fragments are
 * not made (the inner MTU stays ≥ 1280 on links of 1320 or more). */
#define DP_IPPROTO_IPV6  41
#define DP_IPIP6_HLEN    40

static inline uint16_t dp_ipip_mtu6(uint16_t link_mtu)
{
	return (uint16_t)(link_mtu - DP_IPIP6_HLEN);
}

/* Encapsulate in place. frame: an Ethernet frame whose IPv6 packet starts
 * at frame + 14 + 40, the 40 bytes before it free (prepended); writes the
 * ethertype and the outer header from src to dst (16 bytes each). The
 * inner packet's payload length is read from its header: the caller has
 * checked it (dp/pkt.h). */
void dp_ipip_encap6(uint8_t *frame, const uint8_t *src, const uint8_t *dst, uint8_t hop);

/* Does the inner IPv4 header at ip forbid fragmentation? */
static inline bool dp_ipip_df(const uint8_t *ip)
{
	return ip[6] & 0x40;
}

#endif
