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

int dp_pkt_parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t l3_off,
		      bool verify_csum, struct dp_pkt *p, enum dp_drop *why)
{
	const uint8_t *ip, *l4;
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
	if (tot < ihl || tot > avail)
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
	l4_len = tot - ihl;
	p->l4_len = (uint16_t)l4_len;
	if (p->frag == DP_FRAG_LATER)
		return 0;   /* no L4 header in this packet */

	l4 = ip + ihl;
	switch (p->proto) {
	case DP_IPPROTO_TCP: {
		uint32_t doff;

		if (l4_len < 20)
			DROP(L4_TRUNC);
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4_len)
			DROP(TCP_DOFF);
		memcpy(&p->sport, l4, 2);
		memcpy(&p->dport, l4 + 2, 2);
		p->tcp_flags = l4[13] & 0x3f;
		break;
	}
	case DP_IPPROTO_UDP: {
		uint32_t ulen;

		if (l4_len < 8)
			DROP(L4_TRUNC);
		ulen = dp_get_u16(l4 + 4);
		/* A first fragment carries only part of the datagram; the UDP
		 * length then covers more than this packet holds. */
		if (ulen < 8 || (p->frag == DP_FRAG_NONE && ulen > l4_len))
			DROP(UDP_LEN);
		memcpy(&p->sport, l4, 2);
		memcpy(&p->dport, l4 + 2, 2);
		break;
	}
	case DP_IPPROTO_ICMP:
		if (l4_len < 8)
			DROP(L4_TRUNC);
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		if (p->icmp_type == 8 || p->icmp_type == 0) {
			/* echo: the identifier plays the port's part */
			memcpy(&p->sport, l4 + 4, 2);
			memcpy(&p->dport, l4 + 4, 2);
		}
		break;
	default:
		break;   /* the caller decides what other protocols get */
	}
	return 0;
}
