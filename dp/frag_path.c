/* dp/frag_path.c — fragments on the session paths (see dp/frag.h).
 *
 * Fragments of one datagram share (src, dst, IP id, protocol), which is
 * all RSS and af_packet's fanout hash them by, so they reach one lcore.
 * There the first fragment goes through the session path and leaves a
 * record (fullnat.c, fwd.c, or where it is handed to the owner of its LIP
 * or NAT session);
 * the later ones find the record here. Later fragments that come before
 * their first wait in the lcore's hold list and are fed back through
 * dp_input() when the record appears.
 *
 * Note: af_packet ports reassemble before mgw sees anything (the PMD joins
 * its fanout group with PACKET_FANOUT_FLAG_DEFRAG) and truncate what does
 * not fit a frame, so fragments are seen as such only on other PMDs
 * (af_xdp, NICs). */
#include <string.h>

#include "dp/dp_int.h"
#include "dp/rewrite.h"

static inline void key_of(const struct dp_pkt *p, struct dp_frag_key *k)
{
	k->src = p->src;
	k->dst = p->dst;
	k->id = p->a6 ? p->frag_id6 : p->ip_id;
	k->proto = p->proto;
	k->v6 = p->a6 != NULL;
	k->pad = 0;
}

void dp_frag_later(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected)
{
	struct dp_frag_key k;
	struct dp_frag_rec *r;

	key_of(p, &k);
	r = dp_frag_find(&lc->frag, &k, lc->now_ms);
	if (!r) {
		if (dp_frag_hold(&lc->frag, m, &k, in_port, redirected, lc->now_ms) < 0) {
			dp_drop(lc, m, DP_DROP_FRAG_HOLD_FULL);
			return;
		}
		lc->stats.frag_held++;
		return;
	}
	if (r->kind == DP_FRAG_OWNER) {
		/* Handed over already once: never bounce between lcores. */
		if (redirected || r->owner == lc->idx) {
			dp_drop(lc, m, DP_DROP_FRAG);
			return;
		}
		dp_redirect(lc, m, in_port, r->owner);
		return;
	}
	if (r->dir == DP_DIR_IN) {
		lc->rs[r->rs_id].pkts_in++;
		lc->rs[r->rs_id].bytes_in += p->ip_len;
		lc->svc[r->svc_id].pkts_in++;
		lc->svc[r->svc_id].bytes_in += p->ip_len;
	} else {
		lc->rs[r->rs_id].pkts_out++;
		lc->rs[r->rs_id].bytes_out += p->ip_len;
		lc->svc[r->svc_id].pkts_out++;
		lc->svc[r->svc_id].bytes_out += p->ip_len;
	}
	lc->stats.frag_forwarded++;
	if (unlikely(r->fwd == DP_FWD_DR || r->fwd == DP_FWD_TUNNEL)) {
		dp_fwd_later(lc, m, p, r->fwd, r->dst, r->xl == DP_FRAG_XL_V6 ? r->dst6 : NULL);
		return;
	}
	switch (r->xl) {
	case DP_FRAG_XL_V6:
		if (dp_fwd_ttl_expired(lc, m, p))
			return;
		dp_rw_forward6(rte_pktmbuf_mtod(m, uint8_t *), p, r->src6, 0, r->dst6, 0);
		dp_xmit_ip6(lc, m, r->dst6);
		return;
	case DP_FRAG_XL_64:
		dp_nat64_later_in(lc, m, p, r->src, r->dst);
		return;
	case DP_FRAG_XL_46:
		dp_nat64_later_out(lc, m, p, r->src6, r->dst6);
		return;
	default:
		dp_rw_addrs(rte_pktmbuf_mtod(m, uint8_t *), p, r->src, 0, r->dst, 0);
		dp_xmit_ip(lc, m, r->dst);
	}
}

/* Feed the fragments that waited for key back in, now that it has a
 * record. They are later fragments: they end in dp_frag_later(), which
 * takes nothing from the hold list, so this does not recurse further. */
static void resume(struct dp_lcore *lc, const struct dp_frag_key *k)
{
	struct dp_frag_held h[DP_FRAG_HOLD];
	unsigned n;

	if (!lc->frag.n_held)
		return;
	n = dp_frag_take(&lc->frag, k, h, DP_FRAG_HOLD);
	for (unsigned i = 0; i < n; i++)
		dp_input(lc, h[i].pkt, h[i].port, h[i].redirected);
}

/* An IPv6 session's record: the v6 addresses its later fragments get,
 * or, NAT64, the family they are translated to (dir IN: the client's v6
 * fragments to the IPv4 server from the IPv4 local IP, which src and dst
 * hold already; OUT: the server's to the client, from the VIP, v4 ones
 * translated when p is IPv4). */
static void track6(struct dp_lcore *lc, struct dp_frag_rec *r, const struct dp_pkt *p,
		   const struct dp_sess *s, unsigned dir)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);

	if (dir == DP_DIR_IN) {
		if (dp_ip6_mapped(a->r)) {
			r->xl = DP_FRAG_XL_64;
			return;
		}
		memcpy(r->src6, a->l, 16);
		memcpy(r->dst6, a->r, 16);
		r->xl = DP_FRAG_XL_V6;
		return;
	}
	memcpy(r->src6, a->v, 16);
	memcpy(r->dst6, a->c, 16);
	r->xl = p->a6 ? DP_FRAG_XL_V6 : DP_FRAG_XL_46;
}

void dp_frag_track(struct dp_lcore *lc, const struct dp_pkt *p, const struct dp_sess *s,
		   unsigned dir)
{
	struct dp_frag_key k;
	struct dp_frag_rec *r;

	key_of(p, &k);
	r = dp_frag_add(&lc->frag, &k, lc->now_ms);
	r->kind = DP_FRAG_LOCAL;
	r->dir = (uint8_t)dir;
	r->fwd = s->fwd;
	/* lip is the LIP (FULLNAT) or the client (NAT: the source stays;
	 * DR, TUNNEL: unused, dst is the server the fragments go to) */
	r->src = dir == DP_DIR_IN ? s->lip : s->vip;
	r->dst = dir == DP_DIR_IN ? s->rip : s->cip;
	r->rs_id = s->rs_id;
	r->svc_id = s->svc_id;
	r->xl = DP_FRAG_XL_V4;
	if (s->flags & DP_SESS_F_V6)
		track6(lc, r, p, s, dir);
	lc->stats.frag_tracked++;
	resume(lc, &k);
}

void dp_frag_track_owner(struct dp_lcore *lc, const struct dp_pkt *p, unsigned owner)
{
	struct dp_frag_key k;
	struct dp_frag_rec *r;

	key_of(p, &k);
	r = dp_frag_add(&lc->frag, &k, lc->now_ms);
	r->kind = DP_FRAG_OWNER;
	r->owner = (uint16_t)owner;
	lc->stats.frag_tracked++;
	resume(lc, &k);
}

static void drop_expired(struct dp_lcore *lc, int flush)
{
	struct dp_frag_held h[DP_FRAG_HOLD];
	unsigned n = dp_frag_take_expired(&lc->frag, lc->now_ms, flush, h, DP_FRAG_HOLD);

	for (unsigned i = 0; i < n; i++)
		dp_drop(lc, h[i].pkt, DP_DROP_FRAG_TIMEOUT);
}

void dp_frag_tick(struct dp_lcore *lc)
{
	drop_expired(lc, 0);
}

void dp_frag_flush(struct dp_lcore *lc)
{
	drop_expired(lc, 1);
}
