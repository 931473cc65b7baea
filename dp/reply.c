/* dp/reply.c — resets and ICMP errors that mgw originates (see reply.h). */
#include <stdbool.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/icmp.h"
#include "dp/reply.h"

static void put_ipv4(uint8_t *ip, uint16_t tot, uint8_t proto, uint8_t ttl, uint32_t src,
		     uint32_t dst, bool df)
{
	uint16_t c;

	ip[0] = 0x45;
	ip[1] = 0;
	dp_put_u16(ip + 2, tot);
	dp_put_u16(ip + 4, 0);
	dp_put_u16(ip + 6, df ? 0x4000 : 0);
	ip[8] = ttl;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
}

/* A reset's TCP header at t (20 bytes, no payload), its checksum started
 * from the pseudo-header's sum: the same for both families. */
static void put_tcp(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags, uint32_t pseudo)
{
	uint16_t c;

	memset(t, 0, 20);
	memcpy(t, &sport, 2);
	memcpy(t + 2, &dport, 2);
	dp_put_u32(t + 4, seq);
	dp_put_u32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	/* window, checksum, urgent pointer: zero */
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, 20, pseudo));
	memcpy(t + 16, &c, 2);
}

uint32_t dp_reply_tcp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		      uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl)
{
	uint8_t *ip = out + DP_ETH_HLEN;
	uint8_t ph[12];

	memset(out, 0, DP_ETH_HLEN);
	dp_put_u16(out + 12, DP_ETH_P_IPV4);
	put_ipv4(ip, 40, DP_IPPROTO_TCP, ttl, src, dst, true);
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = DP_IPPROTO_TCP;
	dp_put_u16(ph + 10, 20);
	put_tcp(ip + 20, sport, dport, seq, ack, flags, dp_csum_partial(ph, 12, 0));
	return DP_REPLY_RST_LEN;
}

uint32_t dp_reply_tcp6(uint8_t *out, const uint8_t *src, uint16_t sport, const uint8_t *dst,
		       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint8_t hop)
{
	uint8_t *ip = out + DP_ETH_HLEN;

	memset(out, 0, DP_ETH_HLEN);
	dp_put_u16(out + 12, DP_ETH_P_IPV6);
	dp_put_ip6(ip, 0, 20, DP_IPPROTO_TCP, hop, src, dst);
	put_tcp(ip + DP_IP6_HLEN, sport, dport, seq, ack, flags,
		dp_csum_pseudo6(src, dst, 20, DP_IPPROTO_TCP));
	return DP_REPLY_RST6_LEN;
}

/* The same reset, to an IPv4 or (a6) an IPv6 pair of addresses. */
static uint32_t reset(uint8_t *out, const void *src, uint16_t sport, const void *dst,
		      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl, bool v6)
{
	uint32_t s4, d4;

	if (v6)
		return dp_reply_tcp6(out, src, sport, dst, dport, seq, ack, flags, ttl);
	memcpy(&s4, src, 4);
	memcpy(&d4, dst, 4);
	return dp_reply_tcp(out, s4, sport, d4, dport, seq, ack, flags, ttl);
}

uint32_t dp_reply_rst_back(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint8_t ttl)
{
	const uint8_t *t = frame + p->l4_off;
	const void *src = p->a6 ? (const void *)(p->a6 + 16) : &p->dst;
	const void *dst = p->a6 ? (const void *)p->a6 : &p->src;
	uint32_t seq = dp_get_u32(t + 4), ack = dp_get_u32(t + 8);
	uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
	uint32_t seglen;

	if (t[13] & DP_TCP_ACK)
		return reset(out, src, p->dport, dst, p->sport, ack, 0, DP_TCP_RST, ttl,
			     p->a6 != NULL);
	seglen = (p->l4_len > doff ? p->l4_len - doff : 0) + !!(t[13] & DP_TCP_SYN) +
		 !!(t[13] & DP_TCP_FIN);
	return reset(out, src, p->dport, dst, p->sport, 0, seq + seglen,
		     DP_TCP_RST | DP_TCP_ACK, ttl, p->a6 != NULL);
}

static uint32_t rst_on(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
		       const void *src, uint16_t sport, const void *dst, uint16_t dport,
		       uint8_t ttl, bool v6)
{
	const uint8_t *t = frame + p->l4_off;
	bool has_ack = t[13] & DP_TCP_ACK;

	return reset(out, src, sport, dst, dport, dp_get_u32(t + 4),
		     has_ack ? dp_get_u32(t + 8) : 0,
		     (uint8_t)(DP_TCP_RST | (has_ack ? DP_TCP_ACK : 0)), ttl, v6);
}

uint32_t dp_reply_rst_on(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			 uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t ttl)
{
	return rst_on(out, frame, p, &src, sport, &dst, dport, ttl, false);
}

uint32_t dp_reply_rst_on6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			  const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
			  uint8_t hop)
{
	return rst_on(out, frame, p, src, sport, dst, dport, hop, true);
}

uint32_t dp_reply_unreach(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			  uint8_t code, uint32_t src, uint8_t ttl)
{
	uint32_t q = p->ip_len < DP_REPLY_QUOTE_MAX ? p->ip_len : DP_REPLY_QUOTE_MAX;
	uint8_t *ip = out + DP_ETH_HLEN, *icmp = ip + 20;
	uint16_t c;

	memset(out, 0, DP_ETH_HLEN);
	dp_put_u16(out + 12, DP_ETH_P_IPV4);
	put_ipv4(ip, (uint16_t)(20 + DP_ICMP_HLEN + q), DP_IPPROTO_ICMP, ttl, src, p->src, false);
	memset(icmp, 0, DP_ICMP_HLEN);
	icmp[0] = DP_ICMP_UNREACH;
	icmp[1] = code;
	memcpy(icmp + DP_ICMP_HLEN, frame + p->l3_off, q);
	c = dp_csum(icmp, DP_ICMP_HLEN + q);
	memcpy(icmp + 2, &c, 2);
	return DP_ETH_HLEN + 20 + DP_ICMP_HLEN + q;
}

/* An ICMPv6 error (type, code, the 32 bits after the checksum) from IPv6
 * p's destination to its sender, quoting up to DP_REPLY_QUOTE6_MAX bytes
 * of it. */
static uint32_t icmp6_error(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			    uint8_t type, uint8_t code, uint32_t word, uint8_t hop)
{
	uint32_t q = p->ip_len < DP_REPLY_QUOTE6_MAX ? p->ip_len : DP_REPLY_QUOTE6_MAX;
	uint8_t *ip = out + DP_ETH_HLEN, *icmp = ip + DP_IP6_HLEN;
	const uint8_t *src = p->a6 + 16, *dst = p->a6;
	uint16_t c;

	memset(out, 0, DP_ETH_HLEN);
	dp_put_u16(out + 12, DP_ETH_P_IPV6);
	dp_put_ip6(ip, 0, (uint16_t)(DP_ICMP_HLEN + q), DP_IPPROTO_ICMPV6, hop, src, dst);
	icmp[0] = type;
	icmp[1] = code;
	icmp[2] = icmp[3] = 0;
	dp_put_u32(icmp + 4, word);
	memcpy(icmp + DP_ICMP_HLEN, frame + p->l3_off, q);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(icmp, DP_ICMP_HLEN + q,
						    dp_csum_pseudo6(src, dst, DP_ICMP_HLEN + q,
								    DP_IPPROTO_ICMPV6)));
	memcpy(icmp + 2, &c, 2);
	return DP_ETH_HLEN + DP_IP6_HLEN + DP_ICMP_HLEN + q;
}

uint32_t dp_reply_unreach6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint8_t code, uint8_t hop)
{
	return icmp6_error(out, frame, p, DP_ICMP6_UNREACH, code, 0, hop);
}

uint32_t dp_reply_too_big6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint32_t mtu, uint8_t hop)
{
	return icmp6_error(out, frame, p, DP_ICMP6_TOO_BIG, 0, mtu, hop);
}

uint32_t dp_reply_frag_needed(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			      uint16_t mtu, uint32_t src, uint8_t ttl)
{
	uint32_t len = dp_reply_unreach(out, frame, p, DP_ICMP_FRAG_NEEDED, src, ttl);
	uint8_t *icmp = out + DP_ETH_HLEN + 20;
	uint16_t c, m;

	/* bytes 6-7 of the header were zero: the checksum gains the MTU */
	dp_put_u16(icmp + 6, mtu);
	memcpy(&m, icmp + 6, 2);
	memcpy(&c, icmp + 2, 2);
	c = dp_csum_update16(c, 0, m);
	memcpy(icmp + 2, &c, 2);
	return len;
}
