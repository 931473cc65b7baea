/* dp/pkt.h — bounds-checked parsing of Ethernet/IPv4/IPv6/TCP/UDP/ICMP frames.
 *
 * Pure functions over a byte buffer and its length: no mbuf, no EAL, so the
 * unit tests throw every kind of truncated and malformed frame at them. The
 * parser never reads past `len`; a frame it accepts has every offset it
 * reports inside the buffer. */
#ifndef MGW_DP_PKT_H
#define MGW_DP_PKT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp/addr6.h"
#include "dp/bytes.h"
#include "dp/stats.h"

#define DP_ETH_HLEN    14
#define DP_ETH_P_IPV4  0x0800
#define DP_ETH_P_ARP   0x0806
#define DP_ETH_P_IPV6  0x86dd

#define DP_IP6_HLEN    40
/* extension headers walked at most (a longer chain is refused, counted) */
#define DP_IP6_MAX_EXT 8

#define DP_IPPROTO_ICMP 1
#define DP_IPPROTO_TCP  6
#define DP_IPPROTO_UDP  17
#define DP_IPPROTO_HOPOPTS  0
#define DP_IPPROTO_ROUTING  43
#define DP_IPPROTO_FRAGMENT 44
#define DP_IPPROTO_AH       51
#define DP_IPPROTO_ICMPV6   58
#define DP_IPPROTO_NONE     59
#define DP_IPPROTO_DSTOPTS  60

#define DP_TCP_FIN 0x01
#define DP_TCP_SYN 0x02
#define DP_TCP_RST 0x04
#define DP_TCP_PSH 0x08
#define DP_TCP_ACK 0x10

enum dp_frag {
	DP_FRAG_NONE = 0,   /* a whole datagram */
	DP_FRAG_FIRST,      /* offset 0, more fragments follow: has the L4 header */
	DP_FRAG_LATER,      /* offset > 0: no L4 header */
};

/* The L4 part of what the parser learnt, the same for both families:
 * TCP/UDP ports; ICMP echo: the identifier in both; else 0. */
#define DP_L4_FIELDS                 \
	uint16_t sport, dport;       \
	uint8_t tcp_flags;           \
	uint8_t icmp_type, icmp_code
struct dp_l4 {
	DP_L4_FIELDS;
};

/* What the parser learnt. Addresses and ports stay in network byte order,
 * as they sit in the packet, so the fast path never swaps them. */
struct dp_pkt {
	uint16_t l3_off;    /* IPv4 header offset in the frame */
	uint16_t l4_off;    /* L4 header offset (meaningless for DP_FRAG_LATER) */
	uint16_t ip_len;    /* IPv4 total length */
	uint16_t l4_len;    /* L4 bytes in this packet (header + payload) */
	uint8_t ihl;        /* IPv4 header length in bytes */
	uint8_t proto;
	uint8_t frag;       /* enum dp_frag */
	uint32_t src, dst;  /* an IPv6 packet's: their handles (dp/addr6.h) */
	uint16_t ip_id;
	uint32_t frag_id6;  /* an IPv6 fragment's identification, as in its header */
	/* An IPv6 packet in the shape of an IPv4 one (dp/input6.c), for the
	 * session code both share: its two addresses as they sit in the
	 * header (32 bytes, source then destination). NULL for IPv4. */
	const uint8_t *a6;
	union {             /* p->sport or p->l4.sport: one storage */
		struct dp_l4 l4;
		struct {
			DP_L4_FIELDS;
		};
	};
};

/* The same for IPv6: the walk over extension headers gives where L4 is. */
struct dp_pkt6 {
	uint16_t l3_off;      /* IPv6 header offset in the frame */
	uint16_t l4_off;      /* after the extension headers (meaningless for DP_FRAG_LATER) */
	uint16_t payload_len; /* IPv6 payload length (extension headers included) */
	uint16_t l4_len;      /* L4 bytes in this packet */
	uint16_t frag_off;    /* the fragment header's offset from l3_off, 0 if none */
	uint8_t proto;        /* the last next-header: the upper layer */
	uint8_t frag;         /* enum dp_frag */
	uint8_t hop_limit;
	uint8_t src[16], dst[16];
	uint32_t frag_id;     /* network order, as in the fragment header */
	union {
		struct dp_l4 l4;
		struct {
			DP_L4_FIELDS;
		};
	};
};

/* Write a fixed IPv6 header (no flow label) at o. */
static inline void dp_put_ip6(uint8_t *o, uint8_t tc, uint16_t plen, uint8_t nh, uint8_t hop,
			      const uint8_t *src, const uint8_t *dst)
{
	dp_put_u32(o, 6u << 28 | (uint32_t)tc << 20);
	dp_put_u16(o + 4, plen);
	o[6] = nh;
	o[7] = hop;
	__builtin_memcpy(o + 8, src, 16);
	__builtin_memcpy(o + 24, dst, 16);
}

/* An IPv6 packet (parsed into p6, in frame) in the shape the session
 * code takes (struct dp_pkt): offsets, protocol, fragment state and L4
 * fields as parsed, the addresses as their handles, a6 at the header's
 * addresses (ihl 0: no IPv4 header to speak of). */
static inline void dp_pkt_from6(const uint8_t *frame, const struct dp_pkt6 *p6,
				struct dp_pkt *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->l3_off = p6->l3_off;
	p->l4_off = p6->l4_off;
	p->ip_len = (uint16_t)(DP_IP6_HLEN + p6->payload_len);
	p->l4_len = p6->l4_len;
	p->proto = p6->proto;
	p->frag = p6->frag;
	p->frag_id6 = p6->frag_id;
	p->src = dp_ip6_handle(p6->src);
	p->dst = dp_ip6_handle(p6->dst);
	p->a6 = frame + p6->l3_off + 8;
	p->l4 = p6->l4;
}

/* Ethertype of a frame, or -EBADMSG (*why set) when it is too short. */
static inline int dp_pkt_ethertype(const uint8_t *frame, uint32_t len, enum dp_drop *why)
{
	if (len < DP_ETH_HLEN) {
		*why = DP_DROP_RUNT;
		return -EBADMSG;
	}
	return (int)((uint32_t)frame[12] << 8 | frame[13]);
}

/* Parse the IPv4 packet starting at frame[l3_off]. `len` is the frame's
 * length; trailing bytes beyond the IP total length (Ethernet padding) are
 * allowed. verify_csum: check the IPv4 header checksum in software (skip it
 * when the NIC already did). Returns 0, or -EBADMSG with *why the reason. */
int dp_pkt_parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t l3_off,
		      bool verify_csum, struct dp_pkt *p, enum dp_drop *why);

/* Parse the IPv6 packet starting at frame[l3_off]: the fixed header, then
 * a bounded walk (DP_IP6_MAX_EXT) over hop-by-hop (first only), routing
 * (segments left 0 only: a VIP is no waypoint), fragment (one), destination
 * options and AH, each inside the payload length; a later fragment stops the
 * walk. ESP, "no next header" and unknown protocols end it with proto set:
 * the caller decides. Returns 0, or -EBADMSG with *why the reason. */
int dp_pkt_parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t l3_off, struct dp_pkt6 *p,
		      enum dp_drop *why);

/* The packet an ICMP error quotes (at q[0], `len` bytes quoted): its
 * header's length may promise more than is there (ip_len/payload_len keep
 * the promise, l4_len says what is there), 8 bytes of L4 are enough, and a
 * UDP length or TCP offset past the quote is no error. No IPv4 checksum
 * check (the caller decides). */
int dp_pkt_parse_quote4(const uint8_t *q, uint32_t len, struct dp_pkt *p, enum dp_drop *why);
int dp_pkt_parse_quote6(const uint8_t *q, uint32_t len, struct dp_pkt6 *p, enum dp_drop *why);

#endif
