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

/* The L4 half of a rewrite, the same for both families: the ports, and
 * the TCP/UDP checksum by the addresses' change (addrs, a sum of deltas)
 * and the ports'. Only a packet that carries the L4 header. */
static inline void ports(uint8_t *l4, uint8_t proto, uint8_t frag, uint64_t addrs, uint16_t sport,
			 uint16_t dport, struct dp_l4 *p)
{
	uint8_t *cs = l4 + (proto == DP_IPPROTO_TCP ? 16 : 6);
	uint32_t old_ports, new_ports;
	uint16_t c;

	if (frag == DP_FRAG_LATER || (proto != DP_IPPROTO_TCP && proto != DP_IPPROTO_UDP))
		return;
	memcpy(&old_ports, l4, 4);
	memcpy(&new_ports, &sport, 2);
	memcpy((uint8_t *)&new_ports + 2, &dport, 2);
	memcpy(&c, cs, 2);
	if (proto == DP_IPPROTO_TCP || c != 0) {
		c = apply(c, addrs + delta32(old_ports, new_ports));
		/* In UDP an all-zero checksum means "none": a real zero
		 * is sent as all ones (RFC 768, RFC 8200 8.1). */
		if (proto == DP_IPPROTO_UDP && c == 0)
			c = 0xffff;
		memcpy(cs, &c, 2);
	}
	memcpy(l4, &new_ports, 4);
	p->sport = sport;
	p->dport = dport;
}

static inline void rewrite(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
			   uint32_t dst, uint16_t dport, bool ttl)
{
	uint8_t *ip = frame + p->l3_off;
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

	ports(frame + p->l4_off, p->proto, p->frag, addrs, sport, dport, &p->l4);
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

/* The sum of deltas of a 16-byte address (four words). */
static inline uint64_t delta128(const uint8_t *old, const uint8_t *new_)
{
	uint64_t d = 0;

	for (unsigned i = 0; i < 16; i += 4) {
		uint32_t o, n;

		memcpy(&o, old + i, 4);
		memcpy(&n, new_ + i, 4);
		d += delta32(o, n);
	}
	return d;
}

void dp_rw_forward6(uint8_t *frame, struct dp_pkt *p, const uint8_t *src, uint16_t sport,
		    const uint8_t *dst, uint16_t dport)
{
	uint8_t *ip = frame + p->l3_off;
	/* IPv6 has no header checksum: the addresses count in L4's alone
	 * (its pseudo-header) */
	uint64_t addrs = delta128(ip + 8, src) + delta128(ip + 24, dst);

	ip[7]--;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	p->src = dp_ip6_handle(src);
	p->dst = dp_ip6_handle(dst);
	ports(frame + p->l4_off, p->proto, p->frag, addrs, sport, dport, &p->l4);
}
