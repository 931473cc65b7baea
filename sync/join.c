/* sync/join.c — bulks and checks: a joining node asks every live peer for
 * its whole table and goes online only when each peer's FINISH (count and
 * digest) matches what arrived — never "pretend ok"; a peer's lcore whose
 * marker disagrees with what we hold of it twice in a row is resynced (that
 * slice alone); and the other way round, the bulks this node walks for its
 * peers.
 *
 * A resync of (peer, slice) is a mark and sweep in the lcores: SWEEP_BEGIN
 * moves the slice to a new generation, every record of the peer installed
 * after it carries that generation, and SWEEP_END (once the FINISH matched)
 * removes what the bulk did not refresh: the copies the peer no longer has. */
#include <string.h>

#include "cp/cp.h"
#include "sync/sync_int.h"

static uint64_t rec_ident(const struct dp_sync_rec *r)
{
	return dp_sync_ident(r->proto, r->s.cip, r->s.vip, r->s.cport, r->s.vport, r->s.lip,
			     r->s.rip, r->s.lport, r->s.rport);
}

static uint16_t new_bulk_id(struct sync *s)
{
	if (++s->next_bulk_id == 0)
		s->next_bulk_id = 1;
	return s->next_bulk_id;
}

static void sweep_cmd(struct sync *s, struct sync_peer *p, uint8_t kind, int32_t lcore)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.peer = (uint8_t)p->slot;
	r.lcore = lcore < 0 ? 0 : (uint8_t)lcore;
	r.flags = lcore < 0 ? DP_SYNC_R_ALL : 0;
	sync_to_all_lcores(s, &r);
}

void sync_pull_start(struct sync *s, struct sync_peer *p, int32_t lcore, uint64_t now)
{
	struct sync_pull *b = &p->pull;

	memset(b, 0, sizeof(*b));
	b->active = true;
	b->id = new_bulk_id(s);
	b->lcore = lcore;
	b->start_ms = now;
	p->resyncs++;
	sweep_cmd(s, p, DP_SYNC_SWEEP_BEGIN, lcore);
	/* ask now, not at the next heartbeat */
	sync_peer_control(s, p, now);
}

void sync_pull_record(struct sync *s, struct sync_peer *p, const struct dp_sync_rec *r)
{
	(void)s;
	p->pull.count++;
	p->pull.digest += rec_ident(r);
}

static const char *slice_name(int32_t lcore, char *buf, size_t n)
{
	if (lcore < 0)
		snprintf(buf, n, "every session");
	else
		snprintf(buf, n, "the sessions of its lcore %d", lcore);
	return buf;
}

void sync_pull_finish(struct sync *s, struct sync_peer *p, const struct sync_finish *f,
		      uint64_t now)
{
	struct sync_pull *b = &p->pull;
	char what[48];

	if (!b->active || b->sweeping || f->bulk_id != b->id)
		return;   /* an older request's */
	if (f->count != b->count || f->digest != b->digest) {
		SYNC_LOG(WARNING, "%s: bulk %u of %s does not add up (%llu records, digest %016llx; "
			 "it says %llu, %016llx): again", p->name, b->id,
			 slice_name(b->lcore, what, sizeof(what)), (unsigned long long)b->count,
			 (unsigned long long)b->digest, (unsigned long long)f->count,
			 (unsigned long long)f->digest);
		p->last_bulk_result = "mismatch";
		sync_pull_start(s, p, b->lcore, now);
		return;
	}
	b->sweeping = true;
	b->swept = 0;
	sweep_cmd(s, p, DP_SYNC_SWEEP_END, b->lcore);
}

void sync_pull_swept(struct sync *s, const struct dp_sync_rec *r, uint64_t now)
{
	struct sync_peer *p;
	struct sync_pull *b;
	char what[48];

	if (r->peer >= s->n_peers)
		return;
	p = &s->peer[r->peer];
	b = &p->pull;
	if (!b->active || !b->sweeping)
		return;
	b->removed += r->m.count;
	if (++b->swept < s->n_lcores)
		return;
	b->active = false;
	p->last_bulk_records = b->count;
	p->last_bulk_ms = now - b->start_ms;
	p->last_bulk_result = "ok";
	if (b->lcore < 0)
		p->synced = true;
	SYNC_LOG(NOTICE, "%s: %s in %llu records, %llu ms (%llu stale copies removed)", p->name,
		 slice_name(b->lcore, what, sizeof(what)), (unsigned long long)b->count,
		 (unsigned long long)p->last_bulk_ms, (unsigned long long)b->removed);
}

void sync_push_request(struct sync *s, struct sync_peer *p, const struct sync_bulkreq *q)
{
	struct sync_push *b = &p->push;
	struct dp_sync_rec r;

	if (b->id == q->bulk_id)
		return;   /* under way or done: its FINISH is in the stream */
	if (q->lcore >= (int32_t)s->n_lcores) {
		p->refused[SYNC_REFUSE_LIMIT]++;
		return;
	}
	memset(b, 0, sizeof(*b));
	b->active = true;
	b->id = (uint16_t)q->bulk_id;
	b->lcore = q->lcore;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_BULK_REQ;
	r.dest = (uint8_t)p->slot;
	r.bulk_id = b->id;
	if (q->lcore < 0)
		sync_to_all_lcores(s, &r);
	else
		sync_to_lcore(s, (unsigned)q->lcore, &r);
}

void sync_push_end(struct sync *s, const struct dp_sync_rec *r)
{
	struct sync_push *b;
	struct sync_item it;

	if (r->dest >= s->n_peers)
		return;
	b = &s->peer[r->dest].push;
	if (!b->active || r->bulk_id != b->id)
		return;
	b->count += r->m.count;
	b->digest += r->m.hash;
	if (++b->ends < (b->lcore < 0 ? s->n_lcores : 1))
		return;
	b->active = false;
	memset(&it, 0, sizeof(it));
	it.kind = SYNC_ITEM_FINISH;
	it.fin.bulk_id = b->id;
	it.fin.lcore = b->lcore;
	it.fin.count = b->count;
	it.fin.digest = b->digest;
	sync_peer_queue(s, &s->peer[r->dest], &it);
}

void sync_ae_marker(struct sync *s, struct sync_peer *p, const struct dp_sync_rec *m,
		    uint64_t now)
{
	struct sync_ae *a;
	struct dp_sync_rec r;

	(void)now;
	if (!p->synced || p->pull.active || m->lcore >= DP_MAX_LCORES)
		return;
	a = &p->ae[m->lcore];
	if (a->pending)
		return;   /* the last one's answers are still coming */
	a->pending = true;
	a->seq = m->m.seq;
	a->want_count = m->m.count;
	a->want_hash = m->m.hash;
	a->replies = 0;
	a->count = a->hash = 0;
	p->ae_checks++;
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_CHECK;
	r.peer = (uint8_t)p->slot;
	r.lcore = m->lcore;
	r.m.seq = m->m.seq;
	sync_to_all_lcores(s, &r);
}

void sync_ae_reply(struct sync *s, const struct dp_sync_rec *r, uint64_t now)
{
	struct sync_peer *p;
	struct sync_ae *a;

	if (r->peer >= s->n_peers || r->dest >= DP_MAX_LCORES)
		return;
	p = &s->peer[r->peer];
	a = &p->ae[r->dest];
	if (!a->pending || r->m.seq != a->seq)
		return;
	a->count += r->m.count;
	a->hash += r->m.hash;
	if (++a->replies < s->n_lcores)
		return;
	a->pending = false;
	if (a->count == a->want_count && a->hash == a->want_hash) {
		a->mismatches = 0;
		a->backoff_ms = 2000;
		return;
	}
	p->ae_mismatches++;
	if (++a->mismatches < 2 || now < a->not_before_ms || p->pull.active)
		return;
	SYNC_LOG(WARNING, "%s: its lcore %u holds %llu sessions (digest %016llx), we hold %llu "
		 "(%016llx), twice in a row: resyncing that slice", p->name, r->dest,
		 (unsigned long long)a->want_count, (unsigned long long)a->want_hash,
		 (unsigned long long)a->count, (unsigned long long)a->hash);
	a->mismatches = 0;
	a->not_before_ms = now + a->backoff_ms;
	if (a->backoff_ms < 60000)
		a->backoff_ms *= 2;
	sync_pull_start(s, p, r->dest, now);
}

/* A bulk whose FINISH does not come (its request went in heartbeats, which
 * may be lost; the peer may have restarted) is asked for again. */
static void pull_timeouts(struct sync *s, uint64_t now)
{
	for (unsigned i = 0; i < s->n_peers; i++) {
		struct sync_peer *p = &s->peer[i];

		if (!p->pull.active || p->state == SYNC_PEER_DOWN ||
		    now - p->pull.start_ms <= s->conf.bulk_timeout_ms)
			continue;
		SYNC_LOG(WARNING, "%s: bulk %u not finished within %u ms: asking again", p->name,
			 p->pull.id, s->conf.bulk_timeout_ms);
		p->last_bulk_result = "timeout";
		sync_pull_start(s, p, p->pull.lcore, now);
	}
}

void sync_join_tick(struct sync *s, uint64_t now)
{
	int st = cp_state(s->cp);
	unsigned synced = 0, down = 0;
	bool ready = true;

	pull_timeouts(s, now);

	if (!s->joining) {
		if (st != CP_STATE_PRE_ONLINE)
			return;
		/* back to pre-online (a recovery): join again */
		s->joining = true;
		s->join_start_ms = now;
		s->force_online = false;
		for (unsigned i = 0; i < s->n_peers; i++)
			s->peer[i].synced = false;
		SYNC_LOG(NOTICE, "pre-online: joining the cluster again");
	}
	if (st != CP_STATE_PRE_ONLINE) {
		s->joining = false;
		return;
	}
	for (unsigned i = 0; i < s->n_peers; i++) {
		struct sync_peer *p = &s->peer[i];

		if (p->state == SYNC_PEER_DOWN) {
			/* Not waited for, once it had its chance to be heard. */
			down++;
			if (now - s->join_start_ms < s->conf.dead_after_ms)
				ready = false;
			continue;
		}
		if (p->synced) {
			synced++;
			continue;
		}
		ready = false;
		if (!p->pull.active || p->pull.lcore >= 0)
			sync_pull_start(s, p, -1, now);
	}
	if (s->force_online) {
		char why[160];

		snprintf(why, sizeof(why), "forced online by %s (%u of %u peers synced)", s->force_who,
			 synced, s->n_peers);
		SYNC_LOG(WARNING, "%s", why);
		if (cp_set_state_if(s->cp, CP_STATE_PRE_ONLINE, CP_STATE_ONLINE, why))
			s->joining = false;
		s->force_online = false;
		return;
	}
	if (ready) {
		char why[160];

		snprintf(why, sizeof(why), "joined: the sessions of %u peers (%u down)", synced, down);
		if (cp_set_state_if(s->cp, CP_STATE_PRE_ONLINE, CP_STATE_ONLINE, why))
			SYNC_LOG(NOTICE, "%s", why);
		s->joining = false;
	}
}
