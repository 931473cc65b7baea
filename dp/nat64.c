/* dp/nat64.c — NAT64: FULLNAT with an IPv6 client side (client → v6 VIP)
 * and IPv4 towards the server (v4 local IP → v4 server).
 *
 * The session is an IPv6 one whose reverse tuple is IPv4 (dp/sess.h: its
 * v6 half holds the server and local IP IPv4-mapped). Each packet is
 * translated whole into a fresh mbuf (dp/xlat64.c, RFC 7915: the header
 * of the other family, TCP/UDP checksums for the new pseudo-header), then
 * given the session's ports and one less hop like any FULLNAT packet, and
 * sent. The original goes back to the pool. The TCP MSS needs no clamp
 * on equal MTUs: each end derives its MSS from its own family's headers,
 * so the client's segments (MTU − 60) and the server's (the client's
 * MSS, MTU − 60 again) fit the other side with 20 bytes to spare. */
#include <errno.h>
#include <string.h>

#include "dp/dp_int.h"
#include "dp/icmp.h"
#include "dp/rewrite.h"
#include "dp/xlat64.h"

/* The client side's MTU as NAT64 assumes it. A server's packet longer
 * once translated is cut into two IPv6 fragments when IPv4 lets it be
 * fragmented, and answered with "fragmentation needed" (this less the 20
 * bytes IPv6's header adds) when it has DF set. */
#define NAT64_MTU 1500

/* A fresh mbuf with room for a frame of up to cap bytes after Ethernet;
 * *out at its IP header. */
static struct rte_mbuf *fresh(struct dp_lcore *lc, uint8_t **out, uint32_t *cap)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(lc->dp->pool);

	if (!r) {
		lc->stats.drops[DP_DROP_NO_MBUF]++;
		return NULL;
	}
	*cap = rte_pktmbuf_tailroom(r);
	*out = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)*cap);
	*cap -= DP_ETH_HLEN;
	return r;
}

static void set_len(struct rte_mbuf *r, uint32_t n)
{
	r->data_len = (uint16_t)n;
	r->pkt_len = n;
}

/* A client's IPv6 packet (in m, at l3_off) translated to IPv4 from src to
 * dst into a fresh mbuf: its length (the frame at *outp, parsed into *p4),
 * or -1 with m and the new mbuf gone (dropped, counted). m is freed either
 * way. ident: the IPv4 identification when the packet has no fragment
 * header. */
static int x6to4_mbuf(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t l3_off, uint32_t src,
		      uint32_t dst, uint16_t ident, struct dp_pkt *p4, struct rte_mbuf **rp,
		      uint8_t **outp)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;
	struct dp_pkt6 p6;
	enum dp_drop why;
	uint8_t *out;
	uint32_t cap;
	int n;

	if (dp_pkt_parse_ipv6(f, rte_pktmbuf_data_len(m), l3_off, &p6, &why) < 0) {
		dp_drop(lc, m, why);
		return -1;
	}
	r = fresh(lc, &out, &cap);
	if (!r) {
		rte_pktmbuf_free(m);
		return -1;
	}
	n = dp_x64_6to4(f, &p6, src, dst, ident, out + DP_ETH_HLEN, cap);
	rte_pktmbuf_free(m);
	if (n < 0 || dp_pkt_parse_ipv4(out, DP_ETH_HLEN + (uint32_t)n, DP_ETH_HLEN, false, p4,
				       &why) < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return -1;
	}
	out[12] = DP_ETH_P_IPV4 >> 8;
	out[13] = DP_ETH_P_IPV4 & 0xff;
	set_len(r, DP_ETH_HLEN + (uint32_t)n);
	*rp = r;
	*outp = out;
	return n;
}

/* The client's IPv6 packet p of NAT64 session s, to its IPv4 server. */
void dp_nat64_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		 struct dp_sess *s)
{
	struct rte_mbuf *r;
	struct dp_pkt p4;
	uint8_t *out;

	if (x6to4_mbuf(lc, m, p->l3_off, s->lip, s->rip, lc->x64_ident++, &p4, &r, &out) < 0)
		return;
	/* the addresses are the session's already: the ports and the TTL */
	dp_rw_forward(out, &p4, s->lip, s->lport, s->rip, s->rport);
	dp_xmit_sess(lc, r, s, DP_DIR_IN, s->rip);
}

/* A server's IPv4 packet p (in m) translated to IPv6 from src6 to dst6
 * into a fresh mbuf, *out at its frame: its length, or -1 with m and the
 * new mbuf gone (dropped, counted; or, a DF packet too big for the client
 * side, answered with "fragmentation needed"). m is freed either way. A
 * packet over NAT64_MTU comes back with a fragment header for
 * too_big_split() to cut. */
static int x4to6_mbuf(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		      const uint8_t *src6, const uint8_t *dst6, struct rte_mbuf **rp,
		      uint8_t **outp)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;
	struct dp_pkt pf;
	uint8_t *out;
	uint32_t cap;
	int n;

	r = fresh(lc, &out, &cap);
	if (!r) {
		rte_pktmbuf_free(m);
		return -1;
	}
	n = dp_x64_4to6(f, p, src6, dst6, out + DP_ETH_HLEN, cap);
	if (n > NAT64_MTU && p->frag == DP_FRAG_NONE) {
		if (f[p->l3_off + 6] & 0x40) {   /* DF: the server is to send less */
			rte_pktmbuf_free(r);
			lc->stats.nat64_too_big++;
			dp_reply_too_big(lc, m, p, NAT64_MTU - (DP_IP6_HLEN - 20));
			return -1;
		}
		/* translated as a first fragment: with the header to cut by */
		pf = *p;
		pf.frag = DP_FRAG_FIRST;
		n = dp_x64_4to6(f, &pf, src6, dst6, out + DP_ETH_HLEN, cap);
	}
	rte_pktmbuf_free(m);
	if (n < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return -1;
	}
	out[12] = DP_ETH_P_IPV6 >> 8;
	out[13] = DP_ETH_P_IPV6 & 0xff;
	set_len(r, DP_ETH_HLEN + (uint32_t)n);
	*rp = r;
	*outp = out;
	return n;
}

/* r's IPv6 packet (n bytes) over the client side's MTU: cut in two, the
 * second part in a fresh mbuf returned. NULL (r dropped) when it can't be. */
static struct rte_mbuf *too_big_split(struct dp_lcore *lc, struct rte_mbuf *r, uint8_t *out,
				      uint32_t n)
{
	struct rte_mbuf *r2;
	uint32_t cap2, n1;
	uint8_t *o2;
	int n2;

	r2 = fresh(lc, &o2, &cap2);
	n2 = r2 ? dp_x64_split6(out + DP_ETH_HLEN, n, NAT64_MTU, o2 + DP_ETH_HLEN, cap2, &n1)
		: -ENOMEM;
	if (n2 < 0) {
		if (r2)
			rte_pktmbuf_free(r2);
		dp_drop(lc, r, DP_DROP_NAT64);
		return NULL;
	}
	memcpy(o2, out, DP_ETH_HLEN);
	set_len(r, DP_ETH_HLEN + n1);
	set_len(r2, DP_ETH_HLEN + (uint32_t)n2);
	lc->stats.nat64_fragmented++;
	return r2;
}

/* The IPv4 server's packet p of NAT64 session s, back to the client. */
void dp_nat64_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		  struct dp_sess *s)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);
	struct rte_mbuf *r, *r2 = NULL;
	struct dp_pkt6 p6;
	struct dp_pkt q;
	enum dp_drop why;
	uint8_t *out;
	int n;

	n = x4to6_mbuf(lc, m, p, a->v, a->c, &r, &out);
	if (n < 0)
		return;
	if (dp_pkt_parse_ipv6(out, DP_ETH_HLEN + (uint32_t)n, DP_ETH_HLEN, &p6, &why) < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return;
	}
	/* the ports (in the first part) before a cut */
	dp_pkt_from6(out, &p6, &q);
	dp_rw_forward6(out, &q, a->v, s->vport, a->c, s->cport);
	if ((uint32_t)n > NAT64_MTU && !(r2 = too_big_split(lc, r, out, (uint32_t)n)))
		return;
	dp_xmit_sess6(lc, r, s, DP_DIR_OUT, a->c);
	if (r2)
		dp_xmit_sess6(lc, r2, s, DP_DIR_OUT, a->c);
}

/* An ICMPv4 error about our packet LIP:lport → server of NAT64 session s,
 * to the client: translated (its quote too) to ICMPv6 from the VIP, the
 * quote then given the client's ports. */
void dp_nat64_icmp_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		       struct dp_sess *s)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);
	struct dp_icmp6_quote q;
	struct rte_mbuf *r;
	struct dp_pkt6 p6;
	enum dp_drop why;
	uint8_t *out;
	int n;

	n = x4to6_mbuf(lc, m, p, a->v, a->c, &r, &out);
	if (n < 0)
		return;
	/* an ICMPv6 error fits the minimum MTU (RFC 4443 2.4 (c)) */
	if (n > DP_X64_MIN_MTU6 ||
	    dp_pkt_parse_ipv6(out, DP_ETH_HLEN + (uint32_t)n, DP_ETH_HLEN, &p6, &why) < 0 ||
	    dp_icmp6_parse_error(out, &p6, &q, &why) < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return;
	}
	if (p6.hop_limit <= 1) {
		dp_drop(lc, r, DP_DROP_TTL);
		return;
	}
	dp_icmp6_xlate(out, &p6, &q, a->v, a->c, a->c, s->cport, a->v, s->vport);
	lc->stats.icmp_xlated++;
	dp_xmit_sess6(lc, r, s, DP_DIR_OUT, a->c);
}

/* An ICMPv6 error from the client's side about our packet VIP:vport →
 * client of NAT64 session s, to the IPv4 server: translated to ICMPv4
 * from the local IP, the quote given the server's side ports. */
void dp_nat64_icmp_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt6 *p,
		      struct dp_sess *s)
{
	struct dp_icmp_quote q;
	struct rte_mbuf *r;
	struct dp_pkt p4;
	enum dp_drop why;
	uint8_t *out;

	if (x6to4_mbuf(lc, m, p->l3_off, s->lip, s->rip, lc->x64_ident++, &p4, &r, &out) < 0)
		return;
	if (dp_icmp_parse_error(out, &p4, &q, &why) < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return;
	}
	dp_icmp_xlate(out, &p4, &q, s->lip, s->rip, s->rip, s->rport, s->lip, s->lport);
	lc->stats.icmp_xlated++;
	dp_xmit_ip(lc, r, s->rip);
}

/* A later fragment of a NAT64 client's datagram: translated like its
 * first (the IPv4 identification from the fragment header's low 16 bits,
 * the same for every fragment), nothing of L4 to touch. */
void dp_nat64_later_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		       uint32_t src, uint32_t dst)
{
	struct rte_mbuf *r;
	struct dp_pkt p4;
	uint8_t *out;

	if (x6to4_mbuf(lc, m, p->l3_off, src, dst, 0, &p4, &r, &out) < 0)
		return;
	dp_xmit_ip(lc, r, dst);   /* (which takes the TTL's one off) */
}

/* A later fragment of a NAT64 server's datagram, to the client. */
void dp_nat64_later_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
			const uint8_t *src6, const uint8_t *dst6)
{
	struct rte_mbuf *r, *r2 = NULL;
	uint8_t *out;
	int n;

	n = x4to6_mbuf(lc, m, p, src6, dst6, &r, &out);
	if (n < 0)
		return;
	if (out[DP_ETH_HLEN + 7] <= 1) {
		dp_drop(lc, r, DP_DROP_TTL);
		return;
	}
	out[DP_ETH_HLEN + 7]--;
	if ((uint32_t)n > NAT64_MTU && !(r2 = too_big_split(lc, r, out, (uint32_t)n)))
		return;
	dp_xmit_ip6(lc, r, dst6);
	if (r2)
		dp_xmit_ip6(lc, r2, dst6);
}
