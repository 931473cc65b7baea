/* dp/icmp_path.c — ICMP that reaches a VIP or a LIP.
 *
 *   echo request        → answered here (any lcore may: no state)
 *   error at a LIP      → quotes LIP:lport → server: the lcore that owns
 *                         LIP:lport holds the session (handed over like a
 *                         reply); sent on to the client, quoting
 *                         client:cport → VIP:vport, from the VIP
 *   error at a VIP      → quotes VIP:vport → client: the session is on the
 *                         lcore the client's packets hash to, which nothing
 *                         here can compute (the NIC's or kernel's RSS);
 *                         the error goes round the lcores until one has it
 *                         (at most n_lcores - 1 hand-overs, counted in the
 *                         mbuf); sent on to the server, quoting
 *                         server:rport → LIP:lport, from the LIP (NAT:
 *                         server:rport → client:cport; DR and TUNNEL: the
 *                         error as it is, to the server's MAC or tunnelled:
 *                         the server sent the quoted packet itself)
 *   (a NAT server's errors go to the client's address, not ours: fwd.c)
 *   anything else       → dropped and counted
 *
 * The session's state and timers are left alone: an error about one
 * packet says nothing certain about the connection (RFC 5927). */
#include "dp/dp_int.h"
#include "dp/icmp.h"

static void echo(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p)
{
	dp_icmp_echo_reply(rte_pktmbuf_mtod(m, uint8_t *), p, DP_ORIGIN_TTL);
	lc->stats.icmp_echo_replies++;
	dp_xmit_ip(lc, m, p->dst);
}

/* An error a server (or a router on its side) sent about our packet
 * LIP:lport → server:rport. */
static void from_server_side(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			     const struct dp_icmp_quote *q, uint16_t in_port, bool redirected)
{
	const struct dp_snap *snap = lc->snap;
	struct dp_sess *s;
	unsigned owner, dir;

	if (DP_ADDR_KIND(dp_snap_addr(snap, q->src)) != DP_ADDR_LIP) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	owner = dp_laddr_owner(&snap->laddr, q->src, q->sport);
	if (!redirected && owner != lc->idx) {
		dp_redirect(lc, m, in_port, owner);
		return;
	}
	s = dp_sess_lookup(&lc->sess, q->dst, q->src, q->dport, q->sport, q->proto, &dir);
	if (!s || dir != DP_DIR_OUT) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	if (s->flags & DP_SESS_F_V6) {
		dp_nat64_icmp_out(lc, m, p, s);   /* a NAT64 session's v4 side */
		return;
	}
	dp_icmp_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, q, s->vip, s->cip, s->cip, s->cport,
		      s->vip, s->vport);
	lc->stats.icmp_xlated++;
	dp_xmit_ip(lc, m, s->cip);
}

/* An error a router on the client's side sent about our packet
 * VIP:vport → client:cport (NAT: ours too; DR, TUNNEL: the server's, which
 * gets the error as it is). */
static void from_client_side(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			     const struct dp_icmp_quote *q, uint16_t in_port, bool redirected)
{
	struct dp_sess *s;
	unsigned dir;

	s = dp_sess_lookup(&lc->sess, q->dst, q->src, q->dport, q->sport, q->proto, &dir);
	if (!s || dir != DP_DIR_IN) {
		if (!dp_miss_pass(lc, m, in_port, redirected))
			dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	if (s->fwd != DP_FWD_FULLNAT) {
		dp_fwd_icmp_in(lc, m, p, q, s);
		return;
	}
	dp_icmp_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, q, s->lip, s->rip, s->rip, s->rport,
		      s->lip, s->lport);
	lc->stats.icmp_xlated++;
	dp_xmit_ip(lc, m, s->rip);
}

void dp_icmp_input(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected)
{
	struct dp_icmp_quote q;
	enum dp_drop why;

	/* Fragmented ICMP (a large ping) would need reassembly. */
	if (p->frag != DP_FRAG_NONE) {
		dp_drop(lc, m, DP_DROP_ICMP_TYPE);
		return;
	}
	if (p->icmp_type == DP_ICMP_ECHO) {
		echo(lc, m, p);
		return;
	}
	if (!dp_icmp_is_error(p->icmp_type)) {
		dp_drop(lc, m, DP_DROP_ICMP_TYPE);
		return;
	}
	if (dp_icmp_parse_error(rte_pktmbuf_mtod(m, uint8_t *), p, &q, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	if (DP_ADDR_KIND(dp_snap_addr(lc->snap, p->dst)) == DP_ADDR_LIP)
		from_server_side(lc, m, p, &q, in_port, redirected);
	else
		from_client_side(lc, m, p, &q, in_port, redirected);
}
