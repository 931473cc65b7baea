/* dp/conn.c — sessions of every forwarding mode: made, found, ended.
 *
 * Every mode's client side comes through dp_vip_in(): find the session or
 * make one (scheduler, persistence, sorry server, on_down are the same for
 * all), then forward by the session's mode — FULLNAT in fullnat.c, the
 * others in fwd.c. The mode is looked at in that one place.
 *
 * Runs on the lcore that owns the session (input.c hands replies over; a
 * NAT session's owner is dp_nat_owner()). */
#include "dp/acl.h"
#include "dp/dp_int.h"
#include "dp/limit.h"
#include "dp/nat.h"
#include "dp/sched.h"
#include "dp/tcp.h"

/* Release everything a session holds. The wheel link is already undone. */
static void sess_release(struct dp_lcore *lc, struct dp_sess *s)
{
	struct dp_rs_stats *rs = &lc->rs[s->rs_id];

	dp_sync_gone(lc, s);
	if (unlikely(s->flags & DP_SESS_F_XLATE) && lc->sp.n_hold)
		dp_synproxy_gone(lc, s, false);
	/* A connection that got as far as established leaves its tuple
	 * guarded (the server may hold it in TIME-WAIT); a peer's session on
	 * one of our LIPs too (after a restart: ours not to reuse). */
	if (dp_sess_tw_guard(lc, s) > 0)
		lc->stats.lport_guard_cut++;
	/* A peer's session is not counted (lc/wlc, active connections,
	 * max_conns) and is on no eviction list. */
	if (!(s->flags & DP_SESS_F_FOREIGN)) {
		rs->sessions--;
		lc->svc[s->svc_id].established -= dp_tcp_state_conn(s->state);
		if (s->state == DP_UDP_STATE || dp_tcp_state_open(s->state))
			rs->open--;
		if (s->flags & DP_SESS_F_EVICT)
			dp_evict_unlink(&lc->evict,
					s->proto == DP_IPPROTO_UDP ? DP_EVICT_UDP : DP_EVICT_EMBRYO,
					dp_sess_index(&lc->sess, s));
	}
	dp_sess_free(&lc->sess, s);
}

void dp_sess_kill(struct dp_lcore *lc, struct dp_sess *s)
{
	dp_wheel_del(&lc->wheel, dp_sess_index(&lc->sess, s));
	sess_release(lc, s);
	lc->stats.sess_killed++;
}

void dp_sess_expired(void *arg, uint32_t idx)
{
	struct dp_lcore *lc = arg;

	if (unlikely(lc->sess.sess[idx].flags & DP_SESS_F_XLATE))
		dp_synproxy_gone(lc, &lc->sess.sess[idx], true);
	sess_release(lc, &lc->sess.sess[idx]);
	lc->stats.sess_expired++;
}

/* States a TCP session may be evicted in: it never got established. */
static bool embryonic(uint8_t st)
{
	return st == DP_TCP_NONE || st == DP_TCP_SYN_RECV || st == DP_TCP_SYN_SENT ||
	       st == DP_TCP_CLOSE;
}

void dp_evict_state(struct dp_lcore *lc, struct dp_sess *s, uint8_t new_state)
{
	if (s->proto == DP_IPPROTO_TCP && !embryonic(new_state)) {
		dp_evict_unlink(&lc->evict, DP_EVICT_EMBRYO, dp_sess_index(&lc->sess, s));
		s->flags &= (uint8_t)~DP_SESS_F_EVICT;
	}
}

/* How long a UDP session has been idle: its timer was last set to now +
 * the UDP timeout (a longer horizon parks it, dp/wheel.h: expire holds). */
static uint32_t udp_idle(void *ctx, uint32_t idx)
{
	const struct dp_lcore *lc = ctx;
	const struct dp_wheel_link *l = dp_wheel_link(&lc->wheel, idx);
	uint32_t touched = l->expire - lc->snap->timeout[DP_UDP_STATE];

	return (int32_t)(lc->now_ms - touched) > 0 ? lc->now_ms - touched : 0;
}

/* How long ago an embryonic session was made: its lease is set when it is
 * made (dp_sync_made) and moves only with a sync record about it, which an
 * embryonic session gets at most once per sync lease — close enough to
 * compare with the UDP list's idle times. */
static uint32_t embryo_age(void *ctx, uint32_t idx)
{
	const struct dp_lcore *lc = ctx;

	return lc->now_ms - lc->sess.sess[idx].lease;
}

/* Evict one session for a new flow (dp/evict.h). False when there is
 * none to evict. */
static bool evict_one(struct dp_lcore *lc)
{
	unsigned list;
	uint32_t i = dp_evict_victim(&lc->evict, lc, embryo_age, udp_idle, &list);
	struct dp_sess *v;

	if (i == DP_EVICT_NIL)
		return false;
	v = &lc->sess.sess[i];
	if (list == DP_EVICT_EMBRYO)
		lc->stats.evicted_embryonic++;
	else
		lc->stats.evicted_udp++;
	lc->svc[v->svc_id].evicted++;
	dp_wheel_del(&lc->wheel, i);
	sess_release(lc, v);
	return true;
}

/* The service's gate for a new flow (before a server is picked): source
 * ACL, max_conns, the client's rate, the service's rate. 0 = pass, else
 * the drop reason. */
static enum dp_drop gate(struct dp_lcore *lc, const struct dp_service *svc, const struct dp_pkt *p)
{
	uint32_t n = lc->snap->laddr.n_lcores ? lc->snap->laddr.n_lcores : 1;
	struct dp_svc_stats *st = &lc->svc[svc->id];

	if (svc->acl && dp_acl_denied(svc->acl, rte_be_to_cpu_32(p->src))) {
		st->refused_acl++;
		return DP_DROP_ACL;
	}
	if (svc->max_conns && st->established >= (int64_t)svc->max_conns) {
		st->refused_max_conns++;
		return DP_DROP_MAX_CONNS;
	}
	if (svc->client_rate &&
	    !dp_client_take(lc->clients, p->src, svc->id, lc->now_ms, svc->client_rate, n)) {
		st->refused_client_rate++;
		return DP_DROP_CLIENT_RATE;
	}
	if (svc->new_rate && !dp_tb_take(&lc->svc_tb[svc->id], lc->now_ms, svc->new_rate, n)) {
		st->refused_rate++;
		return DP_DROP_RATE;
	}
	return (enum dp_drop)0;
}

/* May a NAT session of this client be made to server rs? Its reverse tuple
 * (server → client) must be free: the same client:cport on another VIP of
 * the same server would be the same connection to the server, and the
 * client must not be one of our addresses, whose packets are no reply. */
static bool nat_tuple_free(struct dp_lcore *lc, const struct dp_server *rs, const struct dp_pkt *p)
{
	uint8_t a[32];
	unsigned dir;

	/* (an IPv6 client that is one of our addresses is refused already) */
	if (!p->a6)
		return !dp_snap_addr(lc->snap, p->src) &&
		       !dp_sess_lookup(&lc->sess, rs->ip, p->src, rs->port, p->sport, p->proto, &dir);
	memcpy(a, rs->ip6, 16);
	memcpy(a + 16, p->a6, 16);
	return !dp_sess_lookup6(&lc->sess, rs->ip, p->src, rs->port, p->sport, p->proto, a, &dir);
}

/* The guarded candidate nearest its end a port search met (pos, from
 * dp_laddr_next; UINT32_MAX: none) and how long it has left. */
struct lport_miss {
	uint32_t pos, left;
};

/* One round of at most DP_LADDR_TRIES candidates from dest's cursor
 * towards rs: true with *lip:*lport free of sessions and guards. v6: rs
 * is an IPv6 server, the LIP one of the IPv6 ones (*lip6 its address). */
static bool lport_round(struct dp_lcore *lc, const struct dp_server *rs, uint8_t proto, bool v6,
			uint32_t dest, uint32_t *lip, uint16_t *lport, const uint8_t **lip6,
			struct lport_miss *ms)
{
	for (int tries = 0; tries < DP_LADDR_TRIES; tries++) {
		uint32_t pos, left = 0, h;
		struct dp_sess *busy;
		unsigned dir;
		uint64_t g;

		if (dp_laddr_next_fam(&lc->laddr, dest, v6, lip, lport, &pos) < 0)
			return false;
		if (v6)
			*lip6 = dp_laddr_lip6(&lc->laddr, pos);
		/* The tuple's session buckets and its guard buckets, fetched
		 * together (the insert uses the former). */
		h = dp_sess_hash(lc->sess.seed, rs->ip, *lip, rs->port, *lport, proto);
		g = dp_laddr_guard_hash(&lc->laddr, *lip, *lport, rs->ip, rs->port);
		dp_sess_prefetch(&lc->sess, h);
		dp_sess_prefetch_line(&lc->sess.bkt[dp_sess_alt(h & lc->sess.mask, h, lc->sess.mask)]);
		dp_sess_prefetch_line(dp_laddr_guard_bkt(&lc->laddr, g, 0));
		dp_sess_prefetch_line(dp_laddr_guard_bkt(&lc->laddr, g, 1));
		if (proto == DP_IPPROTO_TCP)
			left = dp_laddr_guard_left(&lc->laddr, g, *lip, *lport, rs->ip, rs->port,
						   lc->now_ms);
		if (left) {
			lc->stats.lport_guard_skips++;
			if (left < ms->left) {
				ms->left = left;
				ms->pos = pos;
			}
			continue;
		}
		if (v6) {
			uint8_t a[32];

			memcpy(a, rs->ip6, 16);
			memcpy(a + 16, *lip6, 16);
			busy = dp_sess_lookup_h6(&lc->sess, h, rs->ip, *lip, rs->port, *lport, proto,
						 a, &dir);
		} else {
			busy = dp_sess_lookup_h(&lc->sess, h, rs->ip, *lip, rs->port, *lport, proto,
						&dir);
		}
		if (!busy)
			return true;
		lc->stats.lport_busy_skips++;
	}
	return false;
}

struct dp_sess *dp_sess_open(struct dp_lcore *lc, const struct dp_service *svc,
			     const uint8_t *frame, const struct dp_pkt *p,
			     const struct dp_sp_open *sp, enum dp_drop *why)
{
	const struct dp_server *rs;
	const uint8_t *lip6 = NULL;
	struct dp_sess *s;
	uint32_t lip;
	uint16_t lport;
	int i;

	/* a source that is one of our own addresses starts nothing */
	if (unlikely(p->a6 ? dp_snap_addr6(lc->snap, p->a6) : dp_snap_addr(lc->snap, p->src))) {
		*why = DP_DROP_MARTIAN;
		return NULL;
	}
	if (unlikely(svc->acl || svc->max_conns || svc->new_rate || svc->client_rate)) {
		*why = gate(lc, svc, p);
		if (*why)
			return NULL;
	}
	i = -1;
	if (svc->persist_ms) {
		const struct dp_persist_ent *t = dp_persist_get(&lc->persist,
								p->src & svc->persist_mask, p->dst,
								p->dport, lc->now_ms);
		/* The template's server, if it may still take connections (a
		 * quiescent one may, as in LVS; a down or draining one not).
		 * A service of another protocol on the same VIP:port goes to
		 * the same address. */
		if (t) {
			i = dp_snap_find_server(svc, t->rip, t->rport);
			if (i < 0)
				i = dp_snap_find_server(svc, t->rip, 0);
			if (i >= 0 && (svc->servers[i].flags & (DP_RS_DOWN | DP_RS_DRAIN)))
				i = -1;
			if (i >= 0)
				lc->stats.persist_hits++;
		}
	}
	if (i < 0)
		i = dp_sched_pick(lc, svc, p->src, p->sport);
	if (i >= 0) {
		rs = &svc->servers[i];
	} else if (svc->has_sorry) {
		rs = &svc->sorry;   /* FULLNAT like any server; never remembered */
	} else {
		lc->svc[svc->id].no_server++;
		*why = DP_DROP_NO_SERVER;
		return NULL;
	}
	if (svc->persist_ms && i >= 0) {
		struct dp_persist_ent t = {
			.cip = p->src & svc->persist_mask, .vip = p->dst, .vport = p->dport,
			.rip = rs->ip, .rport = rs->port, .expire = lc->now_ms + svc->persist_ms,
		};

		dp_persist_put(&lc->persist, &t, lc->now_ms);
		if (lc->dp->n_lcores > 1)
			dp_persist_share(lc, &t);
		if (unlikely(lc->snap->sync_on))
			dp_sync_template(lc, &t);
	}
	/* Table pressure: under the low-water mark, room is made first
	 * (two evictions at most, so the free count climbs back). */
	for (int k = 0; k < 2 && lc->sess.n_free < lc->snap->evict_low_water; k++)
		if (!evict_one(lc))
			break;
	/* IPv6 to IPv4 servers is NAT64, FULLNAT alone (the snapshot holds
	 * no other such service) */
	if (unlikely(p->a6) && !svc->rs_v6 && svc->fwd != DP_FWD_FULLNAT) {
		*why = DP_DROP_NO_SERVICE;
		return NULL;
	}
	s = unlikely(p->a6) ? dp_sess_alloc6(&lc->sess) : dp_sess_alloc(&lc->sess);
	if (!s) {
		*why = DP_DROP_SESS_FULL;
		return NULL;
	}
	if (unlikely(svc->fwd != DP_FWD_FULLNAT)) {
		/* The server sees the client itself (NAT, DR, TUNNEL). */
		lip = p->src;
		lport = p->sport;
		lip6 = p->a6;
		if (svc->fwd != DP_FWD_NAT) {
			s->flags |= DP_SESS_F_ONEWAY;
		} else if (!nat_tuple_free(lc, rs, p)) {
			dp_sess_free(&lc->sess, s);
			*why = DP_DROP_NAT_CONFLICT;
			return NULL;
		}
		goto fill;
	}
	/* The next LIP:lport of this server address's cursor that no session
	 * holds (our own or a peer's: the reverse tuple is looked up) and no
	 * guard keeps (dp/laddr.h); a second round elsewhere when the first
	 * met only guards far from their end (dp_laddr_missed). */
	{
		struct lport_miss ms = { UINT32_MAX, UINT32_MAX };
		uint32_t dest = dp_laddr_dest(&lc->laddr, rs->ip, rs->port);
		bool found = false;

		for (int round = 0; !found && round < 2; round++) {
			found = lport_round(lc, rs, p->proto, svc->rs_v6, dest, &lip, &lport, &lip6,
					    &ms);
			if (!found &&
			    !dp_laddr_missed(&lc->laddr, dest, ms.pos, ms.left,
					     dp_sess_hash(lc->sess.seed, (uint32_t)lc->now_tsc, p->src,
							  p->sport, (uint16_t)(dest + round),
							  p->proto) * 0x9e3779b97f4a7c15ull))
				break;
		}
		if (!found) {
			dp_sess_free(&lc->sess, s);
			*why = DP_DROP_LPORT_EXHAUSTED;
			return NULL;
		}
	}
fill:
	if (unlikely(p->a6)) {
		struct dp_sess6 *a = dp_sess6(&lc->sess, s);

		memcpy(a->c, p->a6, 16);
		memcpy(a->v, p->a6 + 16, 16);
		if (svc->rs_v6) {
			memcpy(a->r, rs->ip6, 16);
			memcpy(a->l, lip6, 16);
		} else {
			/* NAT64: the reverse tuple is IPv4 (dp/sess.h) */
			dp_ip6_map4(a->r, rs->ip);
			dp_ip6_map4(a->l, lip);
		}
	}
	s->cip = p->src;
	s->vip = p->dst;
	s->cport = p->sport;
	s->vport = p->dport;
	s->rip = rs->ip;
	s->rport = rs->port;
	s->lip = lip;
	s->lport = lport;
	s->proto = p->proto;
	s->state = p->proto == DP_IPPROTO_TCP ? DP_TCP_NONE : DP_UDP_STATE;
	s->fwd = svc->fwd;
	s->svc_id = svc->id;
	s->rs_id = rs->id;
	s->nh_epoch = 0;
	if (unlikely(svc->xlate) && s->fwd == DP_FWD_FULLNAT)
		dp_xlate_init(lc, svc, s, frame, p, sp);
	if (dp_sess_insert(&lc->sess, s) < 0) {
		dp_sess_free(&lc->sess, s);
		*why = DP_DROP_SESS_FULL;
		return NULL;
	}
	dp_wheel_add(&lc->wheel, dp_sess_index(&lc->sess, s),
		     lc->now_ms + lc->snap->timeout[s->state]);
	/* every new session may be evicted until it proves itself (TCP:
	 * established); UDP sessions for their whole life */
	s->flags |= DP_SESS_F_EVICT;
	dp_evict_push(&lc->evict, s->proto == DP_IPPROTO_UDP ? DP_EVICT_UDP : DP_EVICT_EMBRYO,
		      dp_sess_index(&lc->sess, s));
	lc->svc[svc->id].established += dp_tcp_state_conn(s->state);
	lc->rs[rs->id].conns++;
	lc->rs[rs->id].sessions++;
	if (s->state == DP_UDP_STATE)
		lc->rs[rs->id].open++;
	lc->svc[svc->id].conns++;
	lc->stats.sess_created++;
	dp_sync_made(lc, s);
	return s;
}

void dp_vip_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, bool redirected)
{
	const struct dp_service *svc;
	struct dp_sess *s;
	enum dp_drop why;
	unsigned dir;

	if (p->proto != DP_IPPROTO_TCP && p->proto != DP_IPPROTO_UDP) {
		dp_drop(lc, m, DP_DROP_PROTO);
		return;
	}
	if (p->frag == DP_FRAG_LATER) {
		dp_drop(lc, m, DP_DROP_FRAG);
		return;
	}
	s = dp_sess_find(lc, p, &dir);
	if (s && dir != DP_DIR_IN) {
		dp_drop(lc, m, DP_DROP_NO_SESSION);
		return;
	}
	/* A new SYN on a closed connection's tuple is a new connection on a
	 * reused client port: retire the old session, schedule afresh. */
	if (s && p->proto == DP_IPPROTO_TCP &&
	    dp_tcp_event(p->tcp_flags) == DP_TCP_EV_SYN &&
	    (s->state == DP_TCP_TIME_WAIT || s->state == DP_TCP_CLOSE)) {
		dp_wheel_del(&lc->wheel, dp_sess_index(&lc->sess, s));
		sess_release(lc, s);
		lc->stats.sess_reused++;
		s = NULL;
	}
	if (s && unlikely(dp_snap_rs_reset(lc->snap, s->rs_id))) {
		if (dp_reply_reset(lc, m, p, s, DP_DIR_IN))
			return;
		s = NULL;   /* ended: the packet starts a new session */
	}
	if (!s) {
		svc = dp_snap_service(lc->snap, p->proto, p->dst, p->dport);
		if (!svc) {
			dp_drop(lc, m, DP_DROP_NO_SERVICE);
			return;
		}
		if (unlikely(svc->fwd == DP_FWD_NAT) && !redirected && lc->dp->n_lcores > 1) {
			unsigned owner = dp_nat_owner(p->src, p->sport, lc->dp->n_lcores);

			if (owner != lc->idx) {
				dp_redirect(lc, m, m->port, owner);
				if (unlikely(p->frag == DP_FRAG_FIRST))
					dp_frag_track_owner(lc, p, owner);
				return;
			}
		}
		if (unlikely(svc->synproxy) && p->proto == DP_IPPROTO_TCP &&
		    dp_synproxy_in(lc, m, p, svc, redirected))
			return;
		if (p->proto == DP_IPPROTO_TCP && dp_tcp_event(p->tcp_flags) != DP_TCP_EV_SYN) {
			if (!dp_miss_pass(lc, m, m->port, redirected))
				dp_drop(lc, m, DP_DROP_NO_SESSION);
			return;
		}
		s = dp_sess_open(lc, svc, rte_pktmbuf_mtod(m, const uint8_t *), p, NULL, &why);
		if (!s) {
			if (why == DP_DROP_NO_SERVER)
				dp_reply_refuse(lc, m, p);
			else if (why == DP_DROP_ACL || why == DP_DROP_MAX_CONNS ||
				 why == DP_DROP_RATE || why == DP_DROP_CLIENT_RATE)
				dp_reply_policy(lc, m, p, why, svc->refuse == DP_REFUSE_RST);
			else
				dp_drop(lc, m, why);
			return;
		}
	}
	if (likely(s->fwd == DP_FWD_FULLNAT))
		dp_fullnat_in(lc, m, p, s);
	else
		dp_fwd_in(lc, m, p, s);
}

