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
#include <string.h>

#include "dp/dp_int.h"
#include "dp/rewrite.h"
#include "dp/xlat64.h"

/* The client side's MTU as NAT64 assumes it: a translated packet longer
 * is dropped and counted (no Packet Too Big goes back to the server yet). */
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

/* The client's IPv6 packet p of NAT64 session s, to its IPv4 server. */
void dp_nat64_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		 struct dp_sess *s)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;
	struct dp_pkt6 p6;
	struct dp_pkt p4;
	enum dp_drop why;
	uint8_t *out;
	uint32_t cap;
	int n;

	if (dp_pkt_parse_ipv6(f, rte_pktmbuf_data_len(m), p->l3_off, &p6, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	r = fresh(lc, &out, &cap);
	if (!r) {
		rte_pktmbuf_free(m);
		return;
	}
	n = dp_x64_6to4(f, &p6, s->lip, s->rip, lc->x64_ident++, out + DP_ETH_HLEN, cap);
	rte_pktmbuf_free(m);
	if (n < 0 || dp_pkt_parse_ipv4(out, DP_ETH_HLEN + (uint32_t)n, DP_ETH_HLEN, false, &p4,
				       &why) < 0) {
		dp_drop(lc, r, DP_DROP_NAT64);
		return;
	}
	out[12] = DP_ETH_P_IPV4 >> 8;
	out[13] = DP_ETH_P_IPV4 & 0xff;
	set_len(r, DP_ETH_HLEN + (uint32_t)n);
	/* the addresses are the session's already: the ports and the TTL */
	dp_rw_forward(out, &p4, s->lip, s->lport, s->rip, s->rport);
	dp_xmit_sess(lc, r, s, DP_DIR_IN, s->rip);
}

/* The IPv4 server's packet p of NAT64 session s, back to the client. */
void dp_nat64_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		  struct dp_sess *s)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;
	struct dp_pkt6 p6;
	struct dp_pkt q;
	enum dp_drop why;
	uint8_t *out;
	uint32_t cap;
	int n;

	r = fresh(lc, &out, &cap);
	if (!r) {
		rte_pktmbuf_free(m);
		return;
	}
	n = dp_x64_4to6(f, p, a->v, a->c, out + DP_ETH_HLEN, cap);
	rte_pktmbuf_free(m);
	if (n < 0 || (uint32_t)n > NAT64_MTU ||
	    dp_pkt_parse_ipv6(out, DP_ETH_HLEN + (uint32_t)n, DP_ETH_HLEN, &p6, &why) < 0) {
		/* (too big for the client's side: no Packet Too Big is sent
		 * back to the server yet) */
		dp_drop(lc, r, DP_DROP_NAT64);
		return;
	}
	out[12] = DP_ETH_P_IPV6 >> 8;
	out[13] = DP_ETH_P_IPV6 & 0xff;
	set_len(r, DP_ETH_HLEN + (uint32_t)n);
	dp_pkt_from6(out, &p6, &q);
	dp_rw_forward6(out, &q, a->v, s->vport, a->c, s->cport);
	dp_xmit_sess6(lc, r, s, DP_DIR_OUT, a->c);
}
