/* dp/nat.c — address/port rewriting (see nat.h). */
#include <string.h>

#include "dp/nat.h"

void dp_nat_rewrite(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport)
{
	uint8_t *ip = frame + p->l3_off;
	uint8_t *l4 = frame + p->l4_off;
	uint16_t hc;

	memcpy(&hc, ip + 10, 2);
	hc = dp_csum_update32(hc, p->src, src);
	hc = dp_csum_update32(hc, p->dst, dst);
	memcpy(ip + 10, &hc, 2);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);

	if (p->frag != DP_FRAG_LATER &&
	    (p->proto == DP_IPPROTO_TCP || p->proto == DP_IPPROTO_UDP)) {
		uint8_t *cs = l4 + (p->proto == DP_IPPROTO_TCP ? 16 : 6);
		uint16_t c;

		memcpy(&c, cs, 2);
		if (p->proto == DP_IPPROTO_TCP || c != 0) {
			c = dp_csum_update32(c, p->src, src);
			c = dp_csum_update32(c, p->dst, dst);
			c = dp_csum_update16(c, p->sport, sport);
			c = dp_csum_update16(c, p->dport, dport);
			/* In UDP an all-zero checksum means "none": a real
			 * zero is sent as all ones (RFC 768). */
			if (p->proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(cs, &c, 2);
		}
		memcpy(l4, &sport, 2);
		memcpy(l4 + 2, &dport, 2);
		p->sport = sport;
		p->dport = dport;
	}
	p->src = src;
	p->dst = dst;
}
