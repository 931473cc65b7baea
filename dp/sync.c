/* dp/sync.c — a data lcore's side of session sync (see dp/sync_ev.h).
 *
 * What the lcore owns it reports; what peers own it keeps, marked foreign,
 * in its own table. Everything here runs on the lcore, but for the four
 * ring calls at the end, which the sync thread makes. No lock, no malloc:
 * the rings are single-producer single-consumer, the walks go a chunk a
 * loop. */
#include <string.h>

#include <rte_ring.h>

#include "dp/dp_int.h"
#include "dp/nat.h"
#include "dp/tcp.h"

#define IN_BURST    64     /* in-ring records a loop */
#define WALK_CHUNK  512    /* table slots a loop, per walk */
#define EV_RESERVE  64     /* ev-ring room a bulk walk leaves for live records */
#define MARKER_MS   1000

static uint64_t sess_ident(const struct dp_sess *s)
{
	return dp_sync_ident(s->proto, s->cip, s->vip, s->cport, s->vport, s->lip, s->rip, s->lport,
			     s->rport);
}

static bool ev_put(struct dp_lcore *lc, const struct dp_sync_rec *r)
{
	if (unlikely(lc->sync.lose) && r->kind != DP_SYNC_MARKER) {
		__atomic_fetch_sub(&lc->sync.lose, 1, __ATOMIC_RELAXED);
		lc->stats.sync_lost++;
		return false;
	}
	if (rte_ring_sp_enqueue_elem(lc->sync.ev, (void *)(uintptr_t)r, sizeof(*r)) == 0) {
		lc->stats.sync_records++;
		return true;
	}
	lc->stats.sync_lost++;
	return false;
}

static void fill_sess(struct dp_lcore *lc, const struct dp_sess *s, uint8_t kind,
		      struct dp_sync_rec *r)
{
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	int32_t left = dp_wheel_cmp(s->tl.expire, lc->now_ms);

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->proto = s->proto;
	r->state = s->state;
	r->fwd = s->fwd;
	r->lcore = (uint8_t)lc->idx;
	r->dest = DP_SYNC_NO_PEER;
	r->s.cip = s->cip;
	r->s.vip = s->vip;
	r->s.lip = s->lip;
	r->s.rip = s->rip;
	r->s.cport = s->cport;
	r->s.vport = s->vport;
	r->s.lport = s->lport;
	r->s.rport = s->rport;
	r->s.expire_ms = left > 0 ? (uint32_t)left : 0;
	r->s.seq_in = x->seq_in;
	r->s.seq_out = x->seq_out;
	r->s.ts_delta = x->ts_delta;
	r->s.xflags = x->xflags;
	r->s.wscale = x->wscale;
	r->s.isn = x->isn;
	r->s.sflags = s->flags & (DP_SESS_F_ONEWAY | DP_SESS_F_XLATE);
	r->tcpwin = s->proto == DP_IPPROTO_TCP ? dp_tcpwin_scales(x->td) : 0;
	if (unlikely(s->flags & DP_SESS_F_V6)) {
		r->flags |= DP_SYNC_R_V6;
		r->a6 = *dp_sess6(&lc->sess, s);
	}
}

static void emit(struct dp_lcore *lc, struct dp_sess *s, uint8_t kind)
{
	struct dp_sync_rec r;

	fill_sess(lc, s, kind, &r);
	ev_put(lc, &r);
	s->lease = lc->now_ms;
}

/* Sessions of both families alike: an IPv6 one's record carries its v6
 * half besides (fill_sess), its identity is its handles'. */
void dp_sync_made(struct dp_lcore *lc, struct dp_sess *s)
{
	lc->sync.own_count++;
	lc->sync.own_hash += sess_ident(s);
	s->lease = lc->now_ms;
	if (unlikely(lc->snap->sync_on))
		emit(lc, s, DP_SYNC_UPSERT);
}

void dp_sync_changed(struct dp_lcore *lc, struct dp_sess *s)
{
	emit(lc, s, DP_SYNC_UPSERT);
}

void dp_sync_note(struct dp_lcore *lc, struct dp_sess *s)
{
	if (lc->snap->sync_on && !(s->flags & DP_SESS_F_FOREIGN))
		emit(lc, s, DP_SYNC_UPSERT);
}

/* A foreign session enters or leaves the (peer, origin) slice. */
static void slice_add(struct dp_lcore *lc, const struct dp_sess *s, int sign)
{
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint64_t id = sess_ident(s);

	if (x->peer >= DP_SYNC_MAX_PEERS || x->origin >= DP_MAX_LCORES)
		return;
	if (sign > 0) {
		lc->sync.fcount[x->peer][x->origin]++;
		lc->sync.fhash[x->peer][x->origin] += id;
		lc->sync.fused[x->peer]++;
	} else {
		lc->sync.fcount[x->peer][x->origin]--;
		lc->sync.fhash[x->peer][x->origin] -= id;
		lc->sync.fused[x->peer]--;
	}
}

void dp_sync_gone(struct dp_lcore *lc, struct dp_sess *s)
{
	if (s->flags & DP_SESS_F_FOREIGN) {
		slice_add(lc, s, -1);
		return;
	}
	lc->sync.own_count--;
	lc->sync.own_hash -= sess_ident(s);
	if (unlikely(lc->snap->sync_on)) {
		struct dp_sync_rec r;

		fill_sess(lc, s, DP_SYNC_DELETE, &r);
		ev_put(lc, &r);
	}
}

void dp_sync_template(struct dp_lcore *lc, const struct dp_persist_ent *t)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_TEMPLATE;
	r.lcore = (uint8_t)lc->idx;
	r.dest = DP_SYNC_NO_PEER;
	r.t.cip = t->cip;
	r.t.vip = t->vip;
	r.t.vport = t->vport;
	r.t.rip = t->rip;
	r.t.rport = t->rport;
	r.t.expire_ms = t->expire - lc->now_ms;
	ev_put(lc, &r);
}

/* ---- installing what the peers own ---- */

/* A record's session by its forward tuple (client → VIP), of the record's
 * family: a v6 record's addresses decide, not only its handles. */
static struct dp_sess *find_in(const struct dp_lcore *lc, const struct dp_sync_rec *r,
			       unsigned *dir)
{
	const uint8_t *a6 = (r->flags & DP_SYNC_R_V6) ? r->a6.c : NULL;

	return dp_sess_lookup6(&lc->sess, r->s.cip, r->s.vip, r->s.cport, r->s.vport, r->proto, a6,
			       dir);
}

/* ... by its reverse tuple (server → local IP), IPv4 for NAT64. */
static struct dp_sess *find_out(const struct dp_lcore *lc, const struct dp_sync_rec *r,
				unsigned *dir)
{
	const uint8_t *a6 = (r->flags & DP_SYNC_R_V6) && !dp_ip6_mapped(r->a6.r) ? r->a6.r : NULL;

	return dp_sess_lookup6(&lc->sess, r->s.rip, r->s.lip, r->s.rport, r->s.lport, r->proto, a6,
			       dir);
}

/* Has s (found by the record's forward tuple, so of its family) the
 * record's reverse tuple? */
static bool same_out(const struct dp_lcore *lc, const struct dp_sess *s,
		     const struct dp_sync_rec *r)
{
	if (s->lip != r->s.lip || s->lport != r->s.lport || s->rip != r->s.rip ||
	    s->rport != r->s.rport)
		return false;
	return !(s->flags & DP_SESS_F_V6) || !memcmp(dp_sess6(&lc->sess, s)->r, r->a6.r, 32);
}

/* A v6 address whose handle is one of ours but which is not that address
 * of ours: a session on it would sit on our address's keys (its local
 * ports, guards, replies). */
static bool handle_taken(const struct dp_snap *sn, uint32_t h, const uint8_t a[16])
{
	uint32_t v = dp_snap_addr(sn, h);

	return v && dp_snap_addr6(sn, a) != v;
}

static bool collides(const struct dp_lcore *lc, const struct dp_sync_rec *r)
{
	const struct dp_sess6 *a = &r->a6;

	if (!(r->flags & DP_SYNC_R_V6))
		return false;
	if (handle_taken(lc->snap, r->s.cip, a->c) || handle_taken(lc->snap, r->s.vip, a->v))
		return true;
	return !dp_ip6_mapped(a->r) &&
	       (handle_taken(lc->snap, r->s.rip, a->r) || handle_taken(lc->snap, r->s.lip, a->l));
}

/* The server at the record's rip:rport: a v6 service's by its address. */
static int find_server(const struct dp_service *svc, const struct dp_sync_rec *r)
{
	if (!svc->rs_v6)
		return dp_snap_find_server(svc, r->s.rip, r->s.rport);
	for (uint32_t k = 0; k < svc->n_servers; k++)
		if (svc->servers[k].port == r->s.rport && !memcmp(svc->servers[k].ip6, r->a6.r, 16))
			return (int)k;
	return -1;
}

/* The record's family is the service's: its VIP's (the full address),
 * and for a v6 VIP its servers' (v6, or v4 for NAT64). */
static bool svc_family_ok(const struct dp_service *svc, const struct dp_sync_rec *r)
{
	if (!(r->flags & DP_SYNC_R_V6))
		return !svc->vip_v6;
	return svc->vip_v6 && !memcmp(svc->vip6, r->a6.v, 16) &&
	       svc->rs_v6 == !dp_ip6_mapped(r->a6.r);
}

/* The service and server a peer's session refers to, in our snapshot. */
static int resolve(struct dp_lcore *lc, const struct dp_sync_rec *r, uint32_t *svc_id,
		   uint32_t *rs_id)
{
	const struct dp_service *svc = dp_snap_service(lc->snap, r->proto, r->s.vip, r->s.vport);
	int i;

	if (!svc || svc->fwd != r->fwd || !svc_family_ok(svc, r)) {
		lc->stats.sync_refused_service++;
		return -1;
	}
	i = find_server(svc, r);
	*svc_id = svc->id;
	if (i >= 0) {
		*rs_id = svc->servers[i].id;
		return 0;
	}
	if (svc->has_sorry && svc->sorry.ip == r->s.rip && svc->sorry.port == r->s.rport &&
	    (!svc->rs_v6 || !memcmp(svc->sorry.ip6, r->a6.r, 16))) {
		*rs_id = svc->sorry.id;
		return 0;
	}
	lc->stats.sync_refused_server++;
	return -1;
}

static void set_from_rec(struct dp_lcore *lc, struct dp_sess *s, const struct dp_sync_rec *r)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint32_t st = r->state < DP_TIMEOUT_MAX ? r->state : DP_TCP_CLOSE;

	s->state = (uint8_t)st;
	s->flags = (uint8_t)((s->flags & ~(DP_SESS_F_XLATE)) | (r->s.sflags & DP_SESS_F_XLATE));
	x->seq_in = r->s.seq_in;
	x->seq_out = r->s.seq_out;
	x->ts_delta = r->s.ts_delta;
	x->xflags = r->s.xflags;
	x->wscale = r->s.wscale;
	x->isn = r->s.isn;
	/* Window tracking: liberal until this node sees each side itself
	 * (a taken-over flow's next segments are its first here). */
	if (r->proto == DP_IPPROTO_TCP)
		dp_tcpwin_from_scales(x->td, r->tcpwin);
	/* The owner's timer, and a lease more: never gone before the owner's. */
	dp_wheel_touch(&lc->wheel, dp_sess_index(&lc->sess, s),
		       lc->now_ms + r->s.expire_ms + lc->snap->sync_lease[st]);
}

static void install(struct dp_lcore *lc, const struct dp_sync_rec *r)
{
	uint8_t peer = r->peer, origin = r->lcore;
	uint32_t svc_id, rs_id;
	struct dp_sess *s;
	unsigned dir;

	if (peer >= DP_SYNC_MAX_PEERS || origin >= DP_MAX_LCORES) {
		lc->stats.sync_refused_bad++;
		return;
	}
	if (collides(lc, r)) {
		lc->stats.sync_refused_collision++;
		return;
	}
	/* A closing connection on a tuple of ours (a restarted node's last
	 * life's, in its bulk): those end in the order they began, and the
	 * cursors carry on after the newest (dp/laddr.h). */
	if (r->proto == DP_IPPROTO_TCP && r->state >= DP_TCP_FIN_WAIT && lc->laddr.guard_ms)
		dp_laddr_follow(&lc->laddr, r->s.lip, r->s.lport, r->s.rip, r->s.rport,
				lc->now_ms + r->s.expire_ms + lc->laddr.guard_ms);
	s = find_in(lc, r, &dir);
	if (s && dir == DP_DIR_IN && !(s->flags & DP_SESS_F_FOREIGN)) {
		/* Ours too. A closed one of ours gives way to the peer's new
		 * connection on the same client port; a live one stays. */
		if (s->state != DP_TCP_TIME_WAIT && s->state != DP_TCP_CLOSE) {
			lc->stats.sync_conflicts++;
			return;
		}
		dp_sess_kill(lc, s);
		s = NULL;
	}
	if (s && dir != DP_DIR_IN) {
		lc->stats.sync_conflicts++;
		return;
	}
	if (s) {
		struct dp_sess_x *x = dp_sess_x(&lc->sess, s);

		if (!same_out(lc, s, r)) {
			/* The same client connection, another one's tuple: the
			 * old copy is stale. */
			dp_sess_kill(lc, s);
			s = NULL;
		} else {
			if (x->peer != peer || x->origin != origin) {
				slice_add(lc, s, -1);
				x->peer = peer;
				x->origin = origin;
				slice_add(lc, s, +1);
			}
			x->gen = lc->sync.gen[peer][origin];
			set_from_rec(lc, s, r);
			lc->stats.sync_updated++;
			return;
		}
	}
	if (lc->sync.fused[peer] >= lc->snap->sync_quota) {
		lc->stats.sync_refused_quota++;
		return;
	}
	if (resolve(lc, r, &svc_id, &rs_id) < 0)
		return;
	if (!(r->s.sflags & DP_SESS_F_ONEWAY) && find_out(lc, r, &dir)) {
		lc->stats.sync_conflicts++;   /* its server-side tuple is someone else's */
		return;
	}
	if (r->flags & DP_SYNC_R_V6) {
		/* the first cap6 slots only have a v6 half (dp/sess.h) */
		s = dp_sess_alloc6(&lc->sess);
		if (!s) {
			lc->stats.sync_refused_full6++;
			return;
		}
		*dp_sess6(&lc->sess, s) = r->a6;
	} else {
		s = dp_sess_alloc(&lc->sess);
		if (!s) {
			lc->stats.sync_refused_full++;
			return;
		}
	}
	s->cip = r->s.cip;
	s->vip = r->s.vip;
	s->cport = r->s.cport;
	s->vport = r->s.vport;
	s->rip = r->s.rip;
	s->rport = r->s.rport;
	s->lip = r->s.lip;
	s->lport = r->s.lport;
	s->proto = r->proto;
	s->fwd = r->fwd;
	s->svc_id = svc_id;
	s->rs_id = rs_id;
	s->nh_epoch = 0;
	s->lease = lc->now_ms;
	s->flags |= DP_SESS_F_FOREIGN | (r->s.sflags & DP_SESS_F_ONEWAY);
	if (dp_sess_insert(&lc->sess, s) < 0) {
		dp_sess_free(&lc->sess, s);
		lc->stats.sync_refused_full++;
		return;
	}
	{
		struct dp_sess_x *x = dp_sess_x(&lc->sess, s);

		x->peer = peer;
		x->origin = origin;
		x->gen = lc->sync.gen[peer][origin];
	}
	dp_wheel_add(&lc->wheel, dp_sess_index(&lc->sess, s), lc->now_ms);
	set_from_rec(lc, s, r);
	slice_add(lc, s, +1);
	lc->stats.sync_installed++;
}

static void uninstall(struct dp_lcore *lc, const struct dp_sync_rec *r)
{
	struct dp_sess *s;
	unsigned dir;

	s = find_in(lc, r, &dir);
	if (!s || dir != DP_DIR_IN || !(s->flags & DP_SESS_F_FOREIGN) ||
	    dp_sess_x(&lc->sess, s)->peer != r->peer || !same_out(lc, s, r))
		return;
	dp_wheel_del(&lc->wheel, dp_sess_index(&lc->sess, s));
	/* the owner guards its tuple; so do we, for the LIP's sake */
	s->state = r->state < DP_TIMEOUT_MAX ? r->state : s->state;
	dp_sess_tw_guard(lc, s);
	dp_sync_gone(lc, s);
	dp_sess_free(&lc->sess, s);
	lc->stats.sync_deleted++;
}

static void reply_check(struct dp_lcore *lc, const struct dp_sync_rec *q)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_CHECK_REPLY;
	r.lcore = (uint8_t)lc->idx;
	r.peer = q->peer;
	r.dest = q->lcore;       /* the origin lcore asked about */
	r.flags = q->flags & DP_SYNC_R_ALL;
	r.m.seq = q->m.seq;
	if (q->peer < DP_SYNC_MAX_PEERS) {
		for (unsigned k = 0; k < DP_MAX_LCORES; k++) {
			if (!(q->flags & DP_SYNC_R_ALL) && k != q->lcore)
				continue;
			r.m.count += lc->sync.fcount[q->peer][k];
			r.m.hash += lc->sync.fhash[q->peer][k];
		}
	}
	/* An answer the thread waits for: it is not a live record to lose
	 * under load, so it waits for room like the walks do (the thread
	 * sends no more checks until it has it). */
	if (rte_ring_sp_enqueue_elem(lc->sync.ev, &r, sizeof(r)) != 0)
		lc->stats.sync_lost++;
}

static void gen_bump(struct dp_lcore *lc, const struct dp_sync_rec *q)
{
	if (q->peer >= DP_SYNC_MAX_PEERS)
		return;
	for (unsigned k = 0; k < DP_MAX_LCORES; k++)
		if ((q->flags & DP_SYNC_R_ALL) || k == q->lcore)
			lc->sync.gen[q->peer][k]++;
}

static void bulk_next(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;

	if (y->bulk_on || !y->n_bulk_q)
		return;
	y->bulk_on = 1;
	y->bulk_dest = y->bulk_q[0].dest;
	y->bulk_id = y->bulk_q[0].id;
	y->bulk_cursor = 0;
	y->bulk_guards = 0;
	y->bulk_count = 0;
	y->bulk_hash = 0;
	memmove(&y->bulk_q[0], &y->bulk_q[1], (size_t)(y->n_bulk_q - 1) * sizeof(y->bulk_q[0]));
	y->n_bulk_q--;
}

static void sweep_next(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;

	if (y->sweep_on || !y->n_sweep_q)
		return;
	y->sweep_on = 1;
	y->sweep_peer = y->sweep_q[0].peer;
	y->sweep_origin = y->sweep_q[0].origin;
	y->sweep_all = y->sweep_q[0].all;
	y->sweep_cursor = 0;
	y->sweep_removed = 0;
	memmove(&y->sweep_q[0], &y->sweep_q[1], (size_t)(y->n_sweep_q - 1) * sizeof(y->sweep_q[0]));
	y->n_sweep_q--;
}

static void own_next(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;

	if (y->own_on || !y->n_own_q)
		return;
	y->own_on = 1;
	y->own_cur = y->own_q[0];
	y->own_cursor = 0;
	y->own_moved = 0;
	memmove(&y->own_q[0], &y->own_q[1], (size_t)(y->n_own_q - 1) * sizeof(y->own_q[0]));
	y->n_own_q--;
}

static void take(struct dp_lcore *lc, const struct dp_sync_rec *r)
{
	struct dp_lcore_sync *y = &lc->sync;

	switch (r->kind) {
	case DP_SYNC_UPSERT:
		install(lc, r);
		break;
	case DP_SYNC_DELETE:
		uninstall(lc, r);
		break;
	case DP_SYNC_TEMPLATE: {
		struct dp_persist_ent t = {
			.cip = r->t.cip, .vip = r->t.vip, .vport = r->t.vport, .rip = r->t.rip,
			.rport = r->t.rport, .expire = lc->now_ms + r->t.expire_ms,
		};

		if (t.vip)
			dp_persist_put(&lc->persist, &t, lc->now_ms);
		break;
	}
	case DP_SYNC_GUARD:
		/* a peer's guard (its bulk): the server may still hold the
		 * tuple in TIME-WAIT, whoever makes the next connection */
		if (lc->laddr.guard_ms && r->s.expire_ms && r->s.expire_ms <= lc->laddr.guard_ms)
			dp_laddr_mark(&lc->laddr, r->s.lip, r->s.lport, r->s.rip, r->s.rport,
				      lc->now_ms + r->s.expire_ms, lc->now_ms);
		break;
	case DP_SYNC_BULK_REQ:
		if (y->n_bulk_q < RTE_DIM(y->bulk_q)) {
			y->bulk_q[y->n_bulk_q].dest = r->dest;
			y->bulk_q[y->n_bulk_q].id = r->bulk_id;
			y->n_bulk_q++;
		} else {
			lc->stats.sync_refused_bad++;
		}
		bulk_next(lc);
		break;
	case DP_SYNC_CHECK:
		reply_check(lc, r);
		break;
	case DP_SYNC_SWEEP_BEGIN:
		gen_bump(lc, r);
		break;
	case DP_SYNC_SWEEP_END:
		/* One walk at a time, the others queued (one per peer at most:
		 * the thread pulls from a peer one bulk at a time). */
		if (y->n_sweep_q < RTE_DIM(y->sweep_q)) {
			y->sweep_q[y->n_sweep_q].peer = r->peer;
			y->sweep_q[y->n_sweep_q].origin = r->lcore;
			y->sweep_q[y->n_sweep_q].all = !!(r->flags & DP_SYNC_R_ALL);
			y->n_sweep_q++;
		} else {
			lc->stats.sync_refused_bad++;
		}
		sweep_next(lc);
		break;
	case DP_SYNC_ADOPT:
	case DP_SYNC_HANDBACK:
		if (y->n_own_q < RTE_DIM(y->own_q) && r->peer < DP_SYNC_MAX_PEERS) {
			struct dp_sync_own *o = &y->own_q[y->n_own_q++];

			o->kind = r->kind;
			o->peer = r->peer;
			o->node = r->kind == DP_SYNC_ADOPT && (r->flags & DP_SYNC_R_NODE);
			o->lip = r->s.lip;
		} else {
			lc->stats.sync_refused_bad++;
		}
		own_next(lc);
		break;
	default:
		lc->stats.sync_refused_bad++;
		break;
	}
}

struct guard_emit {
	struct dp_lcore *lc;
};

static void guard_emit(void *arg, const struct dp_lguard *g)
{
	struct dp_lcore *lc = ((struct guard_emit *)arg)->lc;
	struct dp_lcore_sync *y = &lc->sync;
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_GUARD;
	r.proto = DP_IPPROTO_TCP;
	r.fwd = DP_FWD_FULLNAT;
	r.lcore = (uint8_t)lc->idx;
	/* a v6 local IP's guard: by handles, as dp/laddr.h keeps it */
	r.flags = DP_SYNC_R_BULK | (dp_is_ip6_handle(g->lip) ? DP_SYNC_R_V6 : 0);
	r.dest = y->bulk_dest;
	r.bulk_id = y->bulk_id;
	r.s.lip = g->lip;
	r.s.lport = g->lport;
	r.s.rip = g->rip;
	r.s.rport = g->rport;
	r.s.expire_ms = g->until == DP_LADDR_IN_USE ? 0 : g->until - lc->now_ms;
	if (r.s.expire_ms && rte_ring_sp_enqueue_elem(y->ev, &r, sizeof(r)) == 0)
		lc->stats.sync_bulk_guards++;
}

/* After a bulk's sessions, the TIME-WAIT guards (of every LIP: the peer
 * keeps them for whichever it may own): a chunk of slots a loop while the
 * ring has room for all it may emit. True once done. */
static bool bulk_guards(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;
	struct guard_emit ge = { lc };

	if (!dp_laddr_guard_slots(&lc->laddr))
		return true;
	if (rte_ring_free_count(y->ev) < WALK_CHUNK + EV_RESERVE)
		return false;
	y->bulk_gcursor = dp_laddr_guards_walk(&lc->laddr, 0, y->bulk_gcursor, WALK_CHUNK,
					       lc->now_ms, guard_emit, &ge);
	return y->bulk_gcursor == 0;
}

static void bulk_walk(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;
	uint32_t end = y->bulk_cursor + WALK_CHUNK;
	struct dp_sync_rec r;

	if (end > lc->sess.capacity)
		end = lc->sess.capacity;
	for (; y->bulk_cursor < end; y->bulk_cursor++) {
		struct dp_sess *s = &lc->sess.sess[y->bulk_cursor];

		if (!(s->flags & DP_SESS_F_HASHED) || (s->flags & DP_SESS_F_FOREIGN))
			continue;
		if (rte_ring_free_count(y->ev) < EV_RESERVE)
			return;   /* on next loop, from here */
		fill_sess(lc, s, DP_SYNC_UPSERT, &r);
		r.flags |= DP_SYNC_R_BULK;
		r.dest = y->bulk_dest;
		r.bulk_id = y->bulk_id;
		if (rte_ring_sp_enqueue_elem(y->ev, &r, sizeof(r)) != 0)
			return;
		y->bulk_count++;
		y->bulk_hash += sess_ident(s);
		lc->stats.sync_bulk_records++;
	}
	if (y->bulk_cursor < lc->sess.capacity)
		return;
	if (!y->bulk_guards) {
		y->bulk_guards = 1;
		y->bulk_gcursor = 0;
	}
	if (!bulk_guards(lc))
		return;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_BULK_END;
	r.lcore = (uint8_t)lc->idx;
	r.flags = DP_SYNC_R_BULK;
	r.dest = y->bulk_dest;
	r.bulk_id = y->bulk_id;
	r.m.count = y->bulk_count;
	r.m.hash = y->bulk_hash;
	if (rte_ring_sp_enqueue_elem(y->ev, &r, sizeof(r)) != 0)
		return;   /* again next loop */
	y->bulk_on = 0;
	bulk_next(lc);
}

static void sweep_walk(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;
	uint32_t end = y->sweep_cursor + WALK_CHUNK;
	struct dp_sync_rec r;

	if (end > lc->sess.capacity)
		end = lc->sess.capacity;
	for (; y->sweep_cursor < end; y->sweep_cursor++) {
		struct dp_sess *s = &lc->sess.sess[y->sweep_cursor];
		const struct dp_sess_x *x;

		if (!(s->flags & DP_SESS_F_HASHED) || !(s->flags & DP_SESS_F_FOREIGN))
			continue;
		x = dp_sess_x(&lc->sess, s);
		if (x->peer != y->sweep_peer || (!y->sweep_all && x->origin != y->sweep_origin) ||
		    x->origin >= DP_MAX_LCORES || x->gen == y->gen[x->peer][x->origin])
			continue;
		dp_wheel_del(&lc->wheel, dp_sess_index(&lc->sess, s));
		dp_sync_gone(lc, s);
		dp_sess_free(&lc->sess, s);
		y->sweep_removed++;
		lc->stats.sync_swept++;
	}
	if (y->sweep_cursor < lc->sess.capacity)
		return;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_SWEPT;
	r.lcore = (uint8_t)lc->idx;
	r.peer = y->sweep_peer;
	r.m.count = y->sweep_removed;
	if (rte_ring_sp_enqueue_elem(y->ev, &r, sizeof(r)) != 0)
		return;
	y->sweep_on = 0;
	sweep_next(lc);
}

/* Ours now: counted like a session made here (lc/wlc see it, the markers
 * include it), and the other peers told who owns it. */
static void adopt(struct dp_lcore *lc, struct dp_sess *s)
{
	struct dp_rs_stats *rs = &lc->rs[s->rs_id];

	slice_add(lc, s, -1);
	s->flags &= (uint8_t)~DP_SESS_F_FOREIGN;
	lc->sync.own_count++;
	lc->sync.own_hash += sess_ident(s);
	rs->sessions++;
	if (s->state == DP_UDP_STATE || dp_tcp_state_open(s->state))
		rs->open++;
	lc->svc[s->svc_id].established += dp_tcp_state_conn(s->state);   /* max_conns */
	emit(lc, s, DP_SYNC_UPSERT);
	lc->stats.sync_adopted++;
}

/* The owner's again: it took the LIP back and tells everyone it owns
 * these (its records update this copy); until then it is held like any
 * foreign session, a lease past the owner's timer. */
static void hand_back(struct dp_lcore *lc, struct dp_sess *s, uint8_t peer)
{
	struct dp_rs_stats *rs = &lc->rs[s->rs_id];
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);

	lc->sync.own_count--;
	lc->sync.own_hash -= sess_ident(s);
	rs->sessions--;
	if (s->state == DP_UDP_STATE || dp_tcp_state_open(s->state))
		rs->open--;
	lc->svc[s->svc_id].established -= dp_tcp_state_conn(s->state);
	s->flags |= DP_SESS_F_FOREIGN;
	x->peer = peer;
	x->origin = (uint8_t)lc->idx;   /* the owner's lcore of it: the same owner() */
	x->gen = lc->sync.gen[peer][x->origin];
	slice_add(lc, s, +1);
	dp_wheel_touch(&lc->wheel, dp_sess_index(&lc->sess, s),
		       lc->now_ms + lc->snap->timeout[s->state < DP_TIMEOUT_MAX ? s->state : 0] +
		       lc->snap->sync_lease[s->state < DP_TIMEOUT_MAX ? s->state : 0]);
	lc->stats.sync_handed_back++;
}

static void own_walk(struct dp_lcore *lc)
{
	struct dp_lcore_sync *y = &lc->sync;
	const struct dp_sync_own *o = &y->own_cur;
	uint32_t end = y->own_cursor + WALK_CHUNK;
	struct dp_sync_rec r;

	if (end > lc->sess.capacity)
		end = lc->sess.capacity;
	for (; y->own_cursor < end; y->own_cursor++) {
		struct dp_sess *s = &lc->sess.sess[y->own_cursor];
		bool foreign = s->flags & DP_SESS_F_FOREIGN;

		if (!(s->flags & DP_SESS_F_HASHED))
			continue;
		if (o->kind == DP_SYNC_HANDBACK) {
			if (!foreign && s->fwd == DP_FWD_FULLNAT && s->lip == o->lip) {
				hand_back(lc, s, o->peer);
				y->own_moved++;
			}
			continue;
		}
		if (!foreign)
			continue;
		if (o->node ? (s->fwd == DP_FWD_FULLNAT || dp_sess_x(&lc->sess, s)->peer != o->peer)
			    : (s->fwd != DP_FWD_FULLNAT || s->lip != o->lip))
			continue;
		if (rte_ring_free_count(y->ev) < EV_RESERVE)
			return;   /* its record must not be lost: next loop, from here */
		adopt(lc, s);
		y->own_moved++;
	}
	if (y->own_cursor < lc->sess.capacity)
		return;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_WALKED;
	r.lcore = (uint8_t)lc->idx;
	r.peer = o->peer;
	r.flags = o->node ? DP_SYNC_R_NODE : 0;
	r.dest = o->kind;
	r.s.lip = o->lip;
	r.m.count = y->own_moved;
	if (rte_ring_sp_enqueue_elem(y->ev, &r, sizeof(r)) != 0)
		return;
	y->own_on = 0;
	own_next(lc);
}

void dp_sync_run(struct dp_lcore *lc)
{
	struct dp_sync_rec in[IN_BURST];
	unsigned n;

	n = rte_ring_sc_dequeue_burst_elem(lc->sync.in, in, sizeof(in[0]), IN_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		take(lc, &in[i]);
	if (lc->sync.bulk_on)
		bulk_walk(lc);
	if (lc->sync.sweep_on)
		sweep_walk(lc);
	if (lc->sync.own_on)
		own_walk(lc);
}

void dp_sync_tick(struct dp_lcore *lc)
{
	struct dp_sync_rec r;

	if (dp_wheel_cmp(lc->now_ms, lc->sync.marker_ms) < 0)
		return;
	lc->sync.marker_ms = lc->now_ms + MARKER_MS;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_MARKER;
	r.lcore = (uint8_t)lc->idx;
	r.dest = DP_SYNC_NO_PEER;
	r.m.count = lc->sync.own_count;
	r.m.hash = lc->sync.own_hash;
	r.m.seq = ++lc->sync.marker_seq;
	ev_put(lc, &r);
}

/* ---- for the sync thread ---- */

unsigned dp_sync_poll(struct dp *dp, unsigned idx, struct dp_sync_rec *out, unsigned n)
{
	struct rte_ring *r = idx < dp->n_lcores ? dp->lc[idx]->sync.ev : NULL;

	return r ? rte_ring_sc_dequeue_burst_elem(r, out, sizeof(*out), n, NULL) : 0;
}

unsigned dp_sync_push(struct dp *dp, unsigned idx, const struct dp_sync_rec *rec, unsigned n)
{
	struct rte_ring *r = idx < dp->n_lcores ? dp->lc[idx]->sync.in : NULL;

	return r ? rte_ring_sp_enqueue_burst_elem(r, rec, sizeof(*rec), n, NULL) : 0;
}

unsigned dp_sync_room(struct dp *dp, unsigned idx)
{
	struct rte_ring *r = idx < dp->n_lcores ? dp->lc[idx]->sync.in : NULL;

	return r ? rte_ring_free_count(r) : 0;
}

void dp_sync_fault_lose(struct dp *dp, unsigned idx, uint32_t n)
{
	if (idx < dp->n_lcores)
		__atomic_store_n(&dp->lc[idx]->sync.lose, n, __ATOMIC_RELAXED);
}

void dp_sync_totals(const struct dp *dp, uint64_t *own, uint64_t *foreign)
{
	*own = *foreign = 0;
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		const struct dp_lcore_sync *y = &dp->lc[i]->sync;

		*own += y->own_count;
		for (unsigned p = 0; p < DP_SYNC_MAX_PEERS; p++)
			*foreign += y->fused[p];
	}
}

unsigned dp_sync_owner(struct dp *dp, uint8_t fwd, uint32_t cip, uint16_t cport, uint32_t lip,
		       uint16_t lport)
{
	if (dp->n_lcores <= 1)
		return 0;
	if (fwd == DP_FWD_FULLNAT) {
		unsigned owner;
		uint32_t seq;

		/* dp_publish's copy of the map, read between two equal even
		 * sequence numbers (it is written by one thread, rarely). */
		do {
			seq = __atomic_load_n(&dp->laddr_seq, __ATOMIC_ACQUIRE);
			owner = dp_laddr_owner(&dp->laddr_copy, lip, lport);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while ((seq & 1) || seq != __atomic_load_n(&dp->laddr_seq, __ATOMIC_ACQUIRE));
		return owner < dp->n_lcores ? owner : 0;
	}
	return dp_nat_owner(cip, cport, dp->n_lcores);
}
