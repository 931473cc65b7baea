/* dp/pkt.h — bounds-checked parsing of Ethernet/IPv4/TCP/UDP/ICMP frames.
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

#include "dp/bytes.h"
#include "dp/stats.h"

#define DP_ETH_HLEN    14
#define DP_ETH_P_IPV4  0x0800
#define DP_ETH_P_ARP   0x0806

#define DP_IPPROTO_ICMP 1
#define DP_IPPROTO_TCP  6
#define DP_IPPROTO_UDP  17

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
	uint8_t tcp_flags;  /* TCP only */
	uint32_t src, dst;
	uint16_t sport, dport;  /* TCP/UDP ports; ICMP echo: id in both; else 0 */
	uint16_t ip_id;
	uint8_t icmp_type, icmp_code;
};

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

#endif
