/* dp/icmp.h — ICMP on the FULLNAT path: echo replies for our addresses, and
 * ICMP errors about a session's packets translated for the other side.
 *
 * FULLNAT hides each side from the other, so an ICMP error about a packet
 * is useless where it arrives: a server's "fragmentation needed" quotes
 * LIP:lport → server, which the client never sent. The error is rewritten
 * as the other side would have seen it (outer header from mgw's address on
 * that side, quoted packet client:cport → VIP:vport) and sent on. FULLNAT
 * adds no header, so the MTU a "fragmentation needed" carries is passed on
 * unchanged.
 *
 * Pure functions over a frame already parsed by dp/pkt.h: no mbuf, no EAL.
 * The quoted packet is untrusted: every offset is checked against the ICMP
 * message's own length, and nothing past it is read. */
#ifndef MGW_DP_ICMP_H
#define MGW_DP_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/pkt.h"

#define DP_ICMP_ECHO_REPLY     0
#define DP_ICMP_UNREACH        3
#define DP_ICMP_ECHO           8
#define DP_ICMP_TIME_EXCEEDED  11
#define DP_ICMP_PARAM_PROBLEM  12

/* codes of DP_ICMP_UNREACH */
#define DP_ICMP_PORT_UNREACH   3
#define DP_ICMP_FRAG_NEEDED    4

#define DP_ICMP_HLEN           8

/* The packet an ICMP error quotes (RFC 792: its IPv4 header and at least
 * the first 8 bytes of its payload; RFC 1812 routers send more). Offsets
 * are into the frame; addresses and ports in network order, as quoted. */
struct dp_icmp_quote {
	uint16_t ip_off;      /* quoted IPv4 header */
	uint16_t l4_off;      /* quoted TCP/UDP header */
	uint16_t l4_len;      /* quoted L4 bytes: often less than the packet had */
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
};

/* The ICMP types that report a problem with a packet we forwarded. */
static inline bool dp_icmp_is_error(uint8_t type)
{
	return type == DP_ICMP_UNREACH || type == DP_ICMP_TIME_EXCEEDED ||
	       type == DP_ICMP_PARAM_PROBLEM;
}

/* Check an ICMP error (p: its parse, a whole datagram of protocol ICMP) and
 * find the packet it quotes. 0; or -EBADMSG with *why: ICMP_BAD (quote too
 * short, not IPv4, bad quoted header length), ICMP_CSUM (the ICMP checksum
 * is wrong), ICMP_TYPE (the quote is neither TCP nor UDP), ICMP (the quote
 * is a later fragment: no ports to match). */
int dp_icmp_parse_error(const uint8_t *frame, const struct dp_pkt *p, struct dp_icmp_quote *q,
			enum dp_drop *why);

/* Translate an ICMP error in place: the outer header goes from src to dst;
 * the quoted packet becomes q_src:q_sport → q_dst:q_dport. The quoted IPv4
 * checksum and, where the quote holds it, the quoted TCP/UDP checksum are
 * updated incrementally (they cover bytes the quote does not have); the
 * ICMP checksum is recomputed over the message. Everything else (type,
 * code, the MTU of "fragmentation needed", the rest of the quote) stays. */
void dp_icmp_xlate(uint8_t *frame, struct dp_pkt *p, const struct dp_icmp_quote *q,
		   uint32_t src, uint32_t dst, uint32_t q_src, uint16_t q_sport, uint32_t q_dst,
		   uint16_t q_dport);

/* Turn an echo request into its reply in place: addresses swapped, type 0,
 * TTL set to ttl, checksums fixed. */
void dp_icmp_echo_reply(uint8_t *frame, struct dp_pkt *p, uint8_t ttl);

#define DP_ICMP6_ECHO          128
#define DP_ICMP6_ECHO_REPLY    129

/* The same for ICMPv6 (p: a whole datagram, proto ICMPv6, type 128): the
 * hop limit set to hop. Swapping the addresses leaves the pseudo-header's
 * sum as it was, so only the type's change goes into the checksum: a
 * request with a bad checksum gets a reply with a bad one, for its sender
 * to drop, as the IPv4 form does. */
void dp_icmp6_echo_reply(uint8_t *frame, struct dp_pkt6 *p, uint8_t hop);

/* ICMPv6 errors (RFC 4443 3): the same translation as IPv4's. FULLNAT
 * adds no header, so a Packet Too Big's MTU is passed on unchanged (NAT64's
 * cross-family errors are dp/xlat64.c's). */
#define DP_ICMP6_UNREACH        1
#define DP_ICMP6_TOO_BIG        2
#define DP_ICMP6_TIME_EXCEEDED  3
#define DP_ICMP6_PARAM_PROBLEM  4

static inline bool dp_icmp6_is_error(uint8_t type)
{
	return type >= DP_ICMP6_UNREACH && type <= DP_ICMP6_PARAM_PROBLEM;
}

/* The packet an ICMPv6 error quotes (as much of it as fits 1280 bytes):
 * its IPv6 header, the extension headers walked as for any packet. */
struct dp_icmp6_quote {
	uint16_t ip_off;      /* quoted IPv6 header, in the frame */
	uint16_t l4_off;      /* quoted TCP/UDP header */
	uint16_t l4_len;      /* quoted L4 bytes */
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* Check an ICMPv6 error (p: its parse, a whole datagram) and find what it
 * quotes. 0, or -EBADMSG with *why as dp_icmp_parse_error's (ICMP_BAD:
 * quote shorter than a header and 8 bytes, not IPv6, a broken extension
 * chain; ICMP_CSUM; ICMP_TYPE: not TCP or UDP; ICMP: a later fragment). */
int dp_icmp6_parse_error(const uint8_t *frame, const struct dp_pkt6 *p,
			 struct dp_icmp6_quote *q, enum dp_drop *why);

/* dp_icmp_xlate's IPv6 form: the outer header from src to dst, the quote
 * q_src:q_sport → q_dst:q_dport (its L4 checksum updated where the quote
 * holds it), the hop limit less one, the ICMPv6 checksum recomputed over
 * the message and its new pseudo-header. Addresses 16 bytes. */
void dp_icmp6_xlate(uint8_t *frame, struct dp_pkt6 *p, const struct dp_icmp6_quote *q,
		    const uint8_t *src, const uint8_t *dst, const uint8_t *q_src,
		    uint16_t q_sport, const uint8_t *q_dst, uint16_t q_dport);

#endif
