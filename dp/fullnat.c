/* dp/fullnat.c — FULLNAT: a client's connection to a VIP becomes
 * LIP:lport → server, and the server's replies become VIP → client.
 *
 * The session was found or made by dp_vip_in() (conn.c); this file moves
 * its packets. Runs on the lcore that owns the LIP:lport (input.c hands
 * replies over). dp_sess_reply() serves NAT's replies too: both rewrite a
 * server's packet back to VIP → client. */
#include "dp/dp_int.h"
#include "dp/rewrite.h"
#include "dp/tcp.h"

void dp_fullnat_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	/* The window is judged in the sender's own sequence space, before
	 * translated sessions (PROXY header, TOA, SYN proxy: one flag test
	 * for all the others) are rewritten. */
	if (!dp_sess_track(lc, s, m, p, DP_DIR_IN))
		return;
	if (unlikely(s->flags & DP_SESS_F_XLATE) && dp_xlate_in(lc, m, p, s))
		return;
	if (unlikely(p->frag == DP_FRAG_FIRST))
		dp_frag_track(lc, p, s, DP_DIR_IN);
	dp_count_in(lc, s, p);
	if (dp_fwd_ttl_expired(lc, m, p))
		return;
	dp_fullnat_fwd_in(lc, m, p, s);
}

void dp_fullnat_fwd_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		       struct dp_sess *s)
{
	if (unlikely(s->flags & DP_SESS_F_V6)) {
		const struct dp_sess6 *a = dp_sess6(&lc->sess, s);

		if (dp_ip6_mapped(a->r)) {
			dp_nat64_in(lc, m, p, s);
			return;
		}
		dp_rw_forward6(rte_pktmbuf_mtod(m, uint8_t *), p, a->l, s->lport, a->r, s->rport);
		dp_xmit_sess6(lc, m, s, DP_DIR_IN, a->r);
		return;
	}
	dp_rw_forward(rte_pktmbuf_mtod(m, uint8_t *), p, s->lip, s->lport, s->rip, s->rport);
	dp_xmit_sess(lc, m, s, DP_DIR_IN, s->rip);
}

void dp_fullnat_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, bool redirected)
{
	struct dp_sess *s;
	unsigned dir;

	(void)redirected;
	if (p->proto != DP_IPPROTO_TCP && p->proto != DP_IPPROTO_UDP) {
		dp_drop(lc, m, p->proto == DP_IPPROTO_ICMP ? DP_DROP_ICMP : DP_DROP_PROTO);
		return;
	}
	if (p->frag == DP_FRAG_LATER) {
		dp_drop(lc, m, DP_DROP_FRAG);
		return;
	}
	s = dp_sess_find(lc, p, &dir);
	if (!s || dir != DP_DIR_OUT) {
		dp_drop(lc, m, DP_DROP_NO_SESSION);
		return;
	}
	dp_sess_reply(lc, m, p, s);
}

/* A server's packet of session s, back to the client as from the VIP:
 * FULLNAT's and NAT's replies alike. */
void dp_sess_reply(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	if (unlikely(dp_snap_rs_reset(lc->snap, s->rs_id))) {
		dp_reply_reset(lc, m, p, s, DP_DIR_OUT);
		return;
	}
	if (!dp_sess_track(lc, s, m, p, DP_DIR_OUT))
		return;
	if (unlikely(s->flags & DP_SESS_F_XLATE) && dp_xlate_out(lc, m, p, s))
		return;
	if (unlikely(p->frag == DP_FRAG_FIRST))
		dp_frag_track(lc, p, s, DP_DIR_OUT);
	dp_count_out(lc, s, p);
	if (dp_fwd_ttl_expired(lc, m, p))
		return;
	if (unlikely(s->flags & DP_SESS_F_V6)) {
		const struct dp_sess6 *a = dp_sess6(&lc->sess, s);

		if (dp_ip6_mapped(a->r)) {
			dp_nat64_out(lc, m, p, s);
			return;
		}
		dp_rw_forward6(rte_pktmbuf_mtod(m, uint8_t *), p, a->v, s->vport, a->c, s->cport);
		dp_xmit_sess6(lc, m, s, DP_DIR_OUT, a->c);
		return;
	}
	dp_rw_forward(rte_pktmbuf_mtod(m, uint8_t *), p, s->vip, s->vport, s->cip, s->cport);
	dp_xmit_sess(lc, m, s, DP_DIR_OUT, s->cip);
}
