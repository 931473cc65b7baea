/* dp/icmp6_path.c — ICMPv6 errors that reach a v6 VIP or local IP: the
 * IPv6 form of icmp_path.c, with the same routes through the lcores.
 *
 *   error at a v6 LIP  → quotes LIP:lport → server: on the lcore owning
 *                        LIP:lport; sent on to the client, quoting
 *                        client:cport → VIP:vport, from the VIP
 *   error at a v6 VIP  → quotes VIP:vport → client: round the lcores
 *                        until one has the session; sent on to the server
 *                        quoting server:rport → LIP:lport, from the LIP —
 *                        or, NAT64, translated to ICMPv4 (dp/nat64.c);
 *                        DR, TUNNEL: to the server as it is (tunnelled);
 *                        NAT: quoting server:rport → client:cport
 *                        (dp_fwd_icmp6_in)
 *   anything else      → dropped and counted, as for IPv4
 *
 * A Packet Too Big keeps its MTU (FULLNAT adds no header): the client
 * and the server learn each other's path MTU as if mgw were a router.
 * The session's state is left alone (RFC 5927). */
#include <string.h>

#include "dp/dp_int.h"
#include "dp/icmp.h"

/* The 32 bytes a v6 lookup compares: source, then destination. */
static const uint8_t *pair(uint8_t out[32], const uint8_t *src, const uint8_t *dst)
{
	memcpy(out, src, 16);
	memcpy(out + 16, dst, 16);
	return out;
}

static bool hop_ok(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt6 *p)
{
	if (p->hop_limit > 1)
		return true;
	dp_drop(lc, m, DP_DROP_TTL);
	return false;
}

/* An error a server (or a router on its side) sent about our packet
 * LIP:lport → server:rport. */
static void from_server_side(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p,
			     const struct dp_icmp6_quote *q, uint16_t in_port, bool redirected)
{
	uint32_t lip = dp_ip6_handle(q->src);
	const struct dp_sess6 *a;
	struct dp_sess *s;
	uint8_t key[32];
	unsigned owner, dir;

	if (DP_ADDR_KIND(dp_snap_addr6(lc->snap, q->src)) != DP_ADDR_LIP) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	owner = dp_laddr_owner(&lc->snap->laddr, lip, q->sport);
	if (!redirected && owner != lc->idx) {
		dp_redirect(lc, m, in_port, owner);
		return;
	}
	s = dp_sess_lookup6(&lc->sess, dp_ip6_handle(q->dst), lip, q->dport, q->sport, q->proto,
			    pair(key, q->dst, q->src), &dir);
	if (!s || dir != DP_DIR_OUT) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	if (!hop_ok(lc, m, p))
		return;
	a = dp_sess6(&lc->sess, s);
	dp_icmp6_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, q, a->v, a->c, a->c, s->cport, a->v,
		       s->vport);
	lc->stats.icmp_xlated++;
	dp_xmit_sess6(lc, m, s, DP_DIR_OUT, a->c);
}

/* An error a router on the client's side sent about our packet
 * VIP:vport → client:cport. */
static void from_client_side(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p,
			     const struct dp_icmp6_quote *q, uint16_t in_port, bool redirected)
{
	const struct dp_sess6 *a;
	struct dp_sess *s;
	uint8_t key[32];
	unsigned dir;

	s = dp_sess_lookup6(&lc->sess, dp_ip6_handle(q->dst), dp_ip6_handle(q->src), q->dport,
			    q->sport, q->proto, pair(key, q->dst, q->src), &dir);
	if (!s || dir != DP_DIR_IN) {
		if (!dp_miss_pass(lc, m, in_port, redirected))
			dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	a = dp_sess6(&lc->sess, s);
	if (dp_ip6_mapped(a->r)) {
		dp_nat64_icmp_in(lc, m, p, s);
		return;
	}
	if (!hop_ok(lc, m, p))
		return;
	if (s->fwd != DP_FWD_FULLNAT) {
		dp_fwd_icmp6_in(lc, m, p, q, s);
		return;
	}
	dp_icmp6_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, q, a->l, a->r, a->r, s->rport, a->l,
		       s->lport);
	lc->stats.icmp_xlated++;
	dp_xmit_sess6(lc, m, s, DP_DIR_IN, a->r);
}

void dp_icmp6_input(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p, uint32_t v,
		    uint16_t in_port, bool redirected)
{
	struct dp_icmp6_quote q;
	enum dp_drop why;

	if (dp_icmp6_parse_error(rte_pktmbuf_mtod(m, uint8_t *), p, &q, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	if (DP_ADDR_KIND(v) == DP_ADDR_LIP)
		from_server_side(lc, m, p, &q, in_port, redirected);
	else
		from_client_side(lc, m, p, &q, in_port, redirected);
}
