/* dp/pkt.c — bounds-checked frame parsing (see pkt.h). */
#include <errno.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/pkt.h"

#define DROP(reason)                 \
	do {                         \
		*why = DP_DROP_##reason; \
		return -EBADMSG;     \
	} while (0)

/* The L4 header, for both families: `icmp` is the ICMP of the family
 * (1 or 58; their echo types differ), `whole`: not a first fragment (a UDP
 * length then covers more than the packet holds), `quote`: the packet an
 * ICMP error quotes, of which 8 bytes of L4 are all that is promised. */
static int parse_l4(const uint8_t *l4, uint32_t l4_len, uint8_t proto, uint8_t icmp, bool whole,
		    bool quote, struct dp_l4 *o, enum dp_drop *why)
{
	if (quote && (proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP)) {
		if (l4_len < 8)
			DROP(L4_TRUNC);
		memcpy(&o->sport, l4, 2);
		memcpy(&o->dport, l4 + 2, 2);
		if (proto == DP_IPPROTO_TCP && l4_len >= 14)
			o->tcp_flags = l4[13] & 0x3f;
		return 0;
	}
	switch (proto) {
	case DP_IPPROTO_TCP: {
		uint32_t doff;

		if (l4_len < 20)
			DROP(L4_TRUNC);
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4_len)
			DROP(TCP_DOFF);
		memcpy(&o->sport, l4, 2);
		memcpy(&o->dport, l4 + 2, 2);
		o->tcp_flags = l4[13] & 0x3f;
		break;
	}
	case DP_IPPROTO_UDP: {
		uint32_t ulen;

		if (l4_len < 8)
			DROP(L4_TRUNC);
		ulen = dp_get_u16(l4 + 4);
		if (ulen < 8 || (whole && ulen > l4_len))
			DROP(UDP_LEN);
		memcpy(&o->sport, l4, 2);
		memcpy(&o->dport, l4 + 2, 2);
		break;
	}
	case DP_IPPROTO_ICMP:
	case DP_IPPROTO_ICMPV6:
		if (proto != icmp)
			break;   /* ICMPv4 in IPv6 or the reverse: not ICMP here */
		if (l4_len < 8)
			DROP(L4_TRUNC);
		o->icmp_type = l4[0];
		o->icmp_code = l4[1];
		if (icmp == DP_IPPROTO_ICMP ? o->icmp_type == 8 || o->icmp_type == 0
					    : o->icmp_type == 128 || o->icmp_type == 129) {
			/* echo: the identifier plays the port's part */
			memcpy(&o->sport, l4 + 4, 2);
			memcpy(&o->dport, l4 + 4, 2);
		}
		break;
	default:
		break;   /* the caller decides what other protocols get */
	}
	return 0;
}

static int parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t l3_off, bool verify_csum,
		      bool quote, struct dp_pkt *p, enum dp_drop *why)
{
	const uint8_t *ip;
	uint32_t avail, ihl, tot, l4_len, frag_off;

	if (len < l3_off || len - l3_off < 20)
		DROP(IP_TRUNC);
	ip = frame + l3_off;
	avail = len - l3_off;
	if ((ip[0] >> 4) != 4)
		DROP(IP_VERSION);
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > avail)
		DROP(IP_IHL);
	tot = dp_get_u16(ip + 2);
	/* Padding after the datagram is fine; a datagram longer than the
	 * frame, or shorter than its own header, is not. */
	if (tot < ihl || (tot > avail && !quote))
		DROP(IP_LEN);
	if (verify_csum && dp_csum_fold(ihl == 20 ? dp_csum_partial20(ip)
						  : dp_csum_partial(ip, ihl, 0)) != 0xffff)
		DROP(IP_CSUM);

	memset(p, 0, sizeof(*p));
	p->l3_off = (uint16_t)l3_off;
	p->ihl = (uint8_t)ihl;
	p->ip_len = (uint16_t)tot;
	p->proto = ip[9];
	p->ip_id = dp_get_u16(ip + 4);
	memcpy(&p->src, ip + 12, 4);
	memcpy(&p->dst, ip + 16, 4);

	frag_off = dp_get_u16(ip + 6);
	if (frag_off & 0x1fff)
		p->frag = DP_FRAG_LATER;
	else if (frag_off & 0x2000)
		p->frag = DP_FRAG_FIRST;
	else
		p->frag = DP_FRAG_NONE;

	p->l4_off = (uint16_t)(l3_off + ihl);
	l4_len = (tot < avail ? tot : avail) - ihl;
	p->l4_len = (uint16_t)l4_len;
	if (p->frag == DP_FRAG_LATER)
		return 0;   /* no L4 header in this packet */

	return parse_l4(ip + ihl, l4_len, p->proto, DP_IPPROTO_ICMP, p->frag == DP_FRAG_NONE, quote,
			&p->l4, why);
}

int dp_pkt_parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t l3_off, bool verify_csum,
		      struct dp_pkt *p, enum dp_drop *why)
{
	return parse_ipv4(frame, len, l3_off, verify_csum, false, p, why);
}

int dp_pkt_parse_quote4(const uint8_t *q, uint32_t len, struct dp_pkt *p, enum dp_drop *why)
{
	return parse_ipv4(q, len, 0, false, true, p, why);
}

/* Extension headers the walk goes through (RFC 8200 4.1's order is not
 * enforced beyond hop-by-hop first: receivers must accept any order). */
static bool ip6_ext(uint8_t nh)
{
	return nh == DP_IPPROTO_HOPOPTS || nh == DP_IPPROTO_ROUTING || nh == DP_IPPROTO_FRAGMENT ||
	       nh == DP_IPPROTO_DSTOPTS || nh == DP_IPPROTO_AH;
}

static int parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t l3_off, bool quote,
		      struct dp_pkt6 *p, enum dp_drop *why)
{
	const uint8_t *ip;
	uint32_t plen, off, end;
	uint8_t nh;

	if (len < l3_off || len - l3_off < DP_IP6_HLEN)
		DROP(IP_TRUNC);
	ip = frame + l3_off;
	if ((ip[0] >> 4) != 6)
		DROP(IP_VERSION);
	plen = dp_get_u16(ip + 4);
	/* 0 is a jumbogram's (RFC 2675): never on the links mgw serves */
	if (plen == 0 || (plen > len - l3_off - DP_IP6_HLEN && !quote))
		DROP(IP6_LEN);

	memset(p, 0, sizeof(*p));
	p->l3_off = (uint16_t)l3_off;
	p->payload_len = (uint16_t)plen;
	p->hop_limit = ip[7];
	memcpy(p->src, ip + 8, 16);
	memcpy(p->dst, ip + 24, 16);

	off = l3_off + DP_IP6_HLEN;
	end = off + plen;
	if (end > len)
		end = len;   /* a quote: what is there */
	nh = ip[6];
	for (unsigned n = 0; ip6_ext(nh); n++) {
		const uint8_t *h = frame + off;
		uint32_t hlen;

		/* a bounded walk: a chain of tiny headers costs no more than this */
		if (n == DP_IP6_MAX_EXT)
			DROP(IP6_EXT);
		if (nh == DP_IPPROTO_HOPOPTS && n != 0)
			DROP(IP6_EXT);   /* hop-by-hop only right after the header */
		if (end - off < 8)
			DROP(IP6_EXT);
		if (nh == DP_IPPROTO_FRAGMENT)
			hlen = 8;
		else if (nh == DP_IPPROTO_AH)
			hlen = ((uint32_t)h[1] + 2) * 4;
		else
			hlen = ((uint32_t)h[1] + 1) * 8;
		if (hlen > end - off)
			DROP(IP6_EXT);
		if (nh == DP_IPPROTO_ROUTING && h[3] != 0)
			DROP(IP6_EXT);   /* segments left: a hop for a router, not the VIP's */
		if (nh == DP_IPPROTO_FRAGMENT) {
			uint16_t fo = dp_get_u16(h + 2);

			if (p->frag_off)
				DROP(IP6_EXT);   /* two fragment headers */
			p->frag_off = (uint16_t)(off - l3_off);
			memcpy(&p->frag_id, h + 4, 4);
			if (fo & 0xfff8)
				p->frag = DP_FRAG_LATER;
			else if (fo & 1)
				p->frag = DP_FRAG_FIRST;
			/* offset 0 and no more: an atomic fragment (RFC 6946), whole */
		}
		nh = h[0];
		off += hlen;
		if (p->frag == DP_FRAG_LATER)
			break;   /* what follows is the middle of a datagram */
	}
	p->proto = nh;
	p->l4_off = (uint16_t)off;
	p->l4_len = (uint16_t)(end - off);
	if (p->frag == DP_FRAG_LATER)
		return 0;
	return parse_l4(frame + off, end - off, nh, DP_IPPROTO_ICMPV6, p->frag == DP_FRAG_NONE, quote,
			&p->l4, why);
}

int dp_pkt_parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t l3_off, struct dp_pkt6 *p,
		      enum dp_drop *why)
{
	return parse_ipv6(frame, len, l3_off, false, p, why);
}

int dp_pkt_parse_quote6(const uint8_t *q, uint32_t len, struct dp_pkt6 *p, enum dp_drop *why)
{
	return parse_ipv6(q, len, 0, true, p, why);
}
