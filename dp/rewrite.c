/* dp/rewrite.c — address/port rewriting (see rewrite.h). */
#include <string.h>

#include "dp/rewrite.h"

/* ~old + new for a 32-bit word: congruent, modulo 0xffff, to the same
 * for its two 16-bit halves (RFC 1624 eqn. 3 works on any word size). */
static inline uint64_t delta32(uint32_t old, uint32_t new_)
{
	return (uint64_t)(uint32_t)~old + new_;
}

static inline uint16_t apply(uint16_t hc, uint64_t delta)
{
	uint64_t s = (uint16_t)~hc + delta;

	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void rewrite(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
			   uint32_t dst, uint16_t dport, bool ttl)
{
	uint8_t *ip = frame + p->l3_off;
	uint8_t *l4 = frame + p->l4_off;
	/* One sum of the changes (RFC 1624 eqn. 3 for several fields at
	 * once): the addresses for both checksums, the ports (one 32-bit
	 * word in the header) for L4's, the TTL for the header's. */
	uint64_t addrs = delta32(p->src, src) + delta32(p->dst, dst);
	uint16_t hc;

	memcpy(&hc, ip + 10, 2);
	if (ttl) {
		uint8_t w[2] = { ip[8], ip[9] };   /* TTL and protocol share a word */
		uint16_t old, new_;

		memcpy(&old, w, 2);
		w[0]--;
		memcpy(&new_, w, 2);
		ip[8] = w[0];
		hc = apply(hc, addrs + (uint16_t)~old + new_);
	} else {
		hc = apply(hc, addrs);
	}
	memcpy(ip + 10, &hc, 2);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);

	if (p->frag != DP_FRAG_LATER &&
	    (p->proto == DP_IPPROTO_TCP || p->proto == DP_IPPROTO_UDP)) {
		uint8_t *cs = l4 + (p->proto == DP_IPPROTO_TCP ? 16 : 6);
		uint32_t old_ports, new_ports;
		uint16_t c;

		memcpy(&old_ports, l4, 4);
		memcpy(&new_ports, &sport, 2);
		memcpy((uint8_t *)&new_ports + 2, &dport, 2);
		memcpy(&c, cs, 2);
		if (p->proto == DP_IPPROTO_TCP || c != 0) {
			c = apply(c, addrs + delta32(old_ports, new_ports));
			/* In UDP an all-zero checksum means "none": a real
			 * zero is sent as all ones (RFC 768). */
			if (p->proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(cs, &c, 2);
		}
		memcpy(l4, &new_ports, 4);
		p->sport = sport;
		p->dport = dport;
	}
	p->src = src;
	p->dst = dst;
}

void dp_rw_addrs(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport)
{
	rewrite(frame, p, src, sport, dst, dport, false);
}

void dp_rw_forward(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport)
{
	rewrite(frame, p, src, sport, dst, dport, true);
}
