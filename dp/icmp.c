/* dp/icmp.c — ICMP echo replies and error translation (see icmp.h). */
#include <errno.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/icmp.h"

#define DROP(reason)                     \
	do {                             \
		*why = DP_DROP_##reason; \
		return -EBADMSG;         \
	} while (0)

int dp_icmp_parse_error(const uint8_t *frame, const struct dp_pkt *p, struct dp_icmp_quote *q,
			enum dp_drop *why)
{
	const uint8_t *icmp = frame + p->l4_off;
	uint32_t len = p->l4_len, ihl;
	const uint8_t *ip;

	/* RFC 792: the quoted header and 8 bytes of what followed it: the
	 * ports of TCP and UDP, all this needs. */
	if (len < DP_ICMP_HLEN + 20 + 8)
		DROP(ICMP_BAD);
	if (dp_csum_fold(dp_csum_partial(icmp, len, 0)) != 0xffff)
		DROP(ICMP_CSUM);
	ip = icmp + DP_ICMP_HLEN;
	if ((ip[0] >> 4) != 4)
		DROP(ICMP_BAD);
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || DP_ICMP_HLEN + ihl + 8 > len)
		DROP(ICMP_BAD);
	q->proto = ip[9];
	if (q->proto != DP_IPPROTO_TCP && q->proto != DP_IPPROTO_UDP)
		DROP(ICMP_TYPE);
	/* A later fragment carries no ports: nothing to match it with. */
	if (dp_get_u16(ip + 6) & 0x1fff)
		DROP(ICMP);
	q->ip_off = (uint16_t)(p->l4_off + DP_ICMP_HLEN);
	q->l4_off = (uint16_t)(q->ip_off + ihl);
	q->l4_len = (uint16_t)(len - DP_ICMP_HLEN - ihl);
	memcpy(&q->src, ip + 12, 4);
	memcpy(&q->dst, ip + 16, 4);
	memcpy(&q->sport, ip + ihl, 2);
	memcpy(&q->dport, ip + ihl + 2, 2);
	return 0;
}

void dp_icmp_xlate(uint8_t *frame, struct dp_pkt *p, const struct dp_icmp_quote *q,
		   uint32_t src, uint32_t dst, uint32_t q_src, uint16_t q_sport, uint32_t q_dst,
		   uint16_t q_dport)
{
	uint8_t *ip = frame + p->l3_off, *icmp = frame + p->l4_off;
	uint8_t *qip = frame + q->ip_off, *ql4 = frame + q->l4_off;
	uint32_t cs_off = q->proto == DP_IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	/* The quoted header's checksum covers only the header: incremental. */
	memcpy(&c, qip + 10, 2);
	c = dp_csum_update32(c, q->src, q_src);
	c = dp_csum_update32(c, q->dst, q_dst);
	memcpy(qip + 10, &c, 2);
	memcpy(qip + 12, &q_src, 4);
	memcpy(qip + 16, &q_dst, 4);

	/* The quoted L4 checksum covers the whole original packet, which the
	 * quote may not hold: only an incremental update keeps it right. */
	if (q->l4_len >= cs_off + 2) {
		memcpy(&c, ql4 + cs_off, 2);
		if (q->proto == DP_IPPROTO_TCP || c != 0) {
			c = dp_csum_update32(c, q->src, q_src);
			c = dp_csum_update32(c, q->dst, q_dst);
			c = dp_csum_update16(c, q->sport, q_sport);
			c = dp_csum_update16(c, q->dport, q_dport);
			if (q->proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(ql4 + cs_off, &c, 2);
		}
	}
	memcpy(ql4, &q_sport, 2);
	memcpy(ql4 + 2, &q_dport, 2);

	memcpy(&c, ip + 10, 2);
	c = dp_csum_update32(c, p->src, src);
	c = dp_csum_update32(c, p->dst, dst);
	memcpy(ip + 10, &c, 2);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	p->src = src;
	p->dst = dst;

	/* The message was verified on the way in, so a recompute launders
	 * nothing; it is a few hundred bytes on a rare path. */
	icmp[2] = icmp[3] = 0;
	c = dp_csum(icmp, p->l4_len);
	memcpy(icmp + 2, &c, 2);
}

/* An ICMP message's type changed, its checksum with it (RFC 1624). */
static void set_type(uint8_t *icmp, uint8_t type)
{
	uint16_t c, old, new_;

	memcpy(&old, icmp, 2);
	icmp[0] = type;
	memcpy(&new_, icmp, 2);
	memcpy(&c, icmp + 2, 2);
	c = dp_csum_update16(c, old, new_);
	memcpy(icmp + 2, &c, 2);
}

void dp_icmp_echo_reply(uint8_t *frame, struct dp_pkt *p, uint8_t ttl)
{
	uint8_t *ip = frame + p->l3_off, *icmp = frame + p->l4_off;
	uint32_t a = p->src;
	uint16_t c;

	memcpy(ip + 12, &p->dst, 4);
	memcpy(ip + 16, &a, 4);
	ip[8] = ttl;
	ip[10] = ip[11] = 0;
	c = dp_csum(ip, p->ihl);
	memcpy(ip + 10, &c, 2);

	set_type(icmp, DP_ICMP_ECHO_REPLY);

	p->src = p->dst;
	p->dst = a;
	p->icmp_type = DP_ICMP_ECHO_REPLY;
}

void dp_icmp6_echo_reply(uint8_t *frame, struct dp_pkt6 *p, uint8_t hop)
{
	uint8_t *ip = frame + p->l3_off, *icmp = frame + p->l4_off;

	memcpy(ip + 8, p->dst, 16);
	memcpy(ip + 24, p->src, 16);
	ip[7] = hop;
	set_type(icmp, DP_ICMP6_ECHO_REPLY);
	memcpy(p->dst, p->src, 16);
	memcpy(p->src, ip + 8, 16);
	p->hop_limit = hop;
	p->icmp_type = DP_ICMP6_ECHO_REPLY;
}

int dp_icmp6_parse_error(const uint8_t *frame, const struct dp_pkt6 *p,
			 struct dp_icmp6_quote *q, enum dp_drop *why)
{
	const uint8_t *icmp = frame + p->l4_off;
	uint32_t len = p->l4_len;
	struct dp_pkt6 qp;
	enum dp_drop qwhy;

	if (len < DP_ICMP_HLEN + DP_IP6_HLEN + 8)
		DROP(ICMP_BAD);
	if (dp_csum_fold(dp_csum_partial(icmp, len, dp_csum_pseudo6(p->src, p->dst, len,
								     DP_IPPROTO_ICMPV6))) != 0xffff)
		DROP(ICMP_CSUM);
	if (dp_pkt_parse_quote6(icmp + DP_ICMP_HLEN, len - DP_ICMP_HLEN, &qp, &qwhy) < 0)
		DROP(ICMP_BAD);
	if (qp.frag == DP_FRAG_LATER)
		DROP(ICMP);
	if (qp.proto != DP_IPPROTO_TCP && qp.proto != DP_IPPROTO_UDP)
		DROP(ICMP_TYPE);
	if (qp.l4_len < 4)
		DROP(ICMP_BAD);
	q->ip_off = (uint16_t)(p->l4_off + DP_ICMP_HLEN);
	q->l4_off = (uint16_t)(q->ip_off + qp.l4_off);
	q->l4_len = qp.l4_len;
	q->proto = qp.proto;
	memcpy(q->src, qp.src, 16);
	memcpy(q->dst, qp.dst, 16);
	memcpy(&q->sport, frame + q->l4_off, 2);
	memcpy(&q->dport, frame + q->l4_off + 2, 2);
	return 0;
}

/* A checksum's update for a 16-byte field's change (RFC 1624, word by word). */
static uint16_t update128(uint16_t c, const uint8_t *old, const uint8_t *new_)
{
	for (unsigned i = 0; i < 16; i += 2) {
		uint16_t o, n;

		memcpy(&o, old + i, 2);
		memcpy(&n, new_ + i, 2);
		c = dp_csum_update16(c, o, n);
	}
	return c;
}

void dp_icmp6_xlate(uint8_t *frame, struct dp_pkt6 *p, const struct dp_icmp6_quote *q,
		    const uint8_t *src, const uint8_t *dst, const uint8_t *q_src,
		    uint16_t q_sport, const uint8_t *q_dst, uint16_t q_dport)
{
	uint8_t *ip = frame + p->l3_off, *icmp = frame + p->l4_off;
	uint8_t *qip = frame + q->ip_off, *ql4 = frame + q->l4_off;
	uint32_t cs_off = q->proto == DP_IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	/* the quoted L4 checksum by its pseudo-header's and ports' change:
	 * incremental, as the quote may not hold the whole packet */
	if (q->l4_len >= cs_off + 2) {
		memcpy(&c, ql4 + cs_off, 2);
		if (q->proto == DP_IPPROTO_TCP || c != 0) {
			c = update128(c, qip + 8, q_src);
			c = update128(c, qip + 24, q_dst);
			c = dp_csum_update16(c, q->sport, q_sport);
			c = dp_csum_update16(c, q->dport, q_dport);
			if (q->proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(ql4 + cs_off, &c, 2);
		}
	}
	memcpy(qip + 8, q_src, 16);
	memcpy(qip + 24, q_dst, 16);
	memcpy(ql4, &q_sport, 2);
	memcpy(ql4 + 2, &q_dport, 2);

	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	ip[7]--;
	memcpy(p->src, src, 16);
	memcpy(p->dst, dst, 16);
	p->hop_limit = ip[7];

	icmp[2] = icmp[3] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(icmp, p->l4_len,
						    dp_csum_pseudo6(src, dst, p->l4_len,
								    DP_IPPROTO_ICMPV6)));
	memcpy(icmp + 2, &c, 2);
}
