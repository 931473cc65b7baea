/* sync/peer.c — what goes to each peer and what comes from it: the queues
 * and the stream out, authentication, the replay checks and the stream in,
 * heartbeats, acknowledgements and retransmission, and liveness. */
#include <errno.h>
#include <string.h>

#include "cp/cp.h"
#include "dp/snap.h"
#include "sync/sync_int.h"

static struct sync_peer *peer_by_id(struct sync *s, uint32_t id)
{
	for (unsigned i = 0; i < s->n_peers; i++)
		if (s->peer[i].id == id)
			return &s->peer[i];
	return NULL;
}

static struct sync_peer *peer_by_ip(struct sync *s, uint32_t ip)
{
	for (unsigned i = 0; i < s->n_peers; i++)
		if (s->peer[i].ip == ip)
			return &s->peer[i];
	return NULL;
}

static void refuse(struct sync *s, struct sync_peer *p, int reason)
{
	if (reason < 0 || reason >= SYNC_REFUSE_MAX)
		return;
	if (p)
		p->refused[reason]++;
	else
		s->refused_unknown[reason]++;
}

/* ---- out ---- */

bool sync_peer_queue_room(const struct sync *s)
{
	unsigned need = 512u * s->n_lcores;

	for (unsigned i = 0; i < s->n_peers; i++)
		if (s->peer[i].state != SYNC_PEER_DOWN && s->peer[i].q_n + need > SYNC_QUEUE)
			return false;
	return true;
}

void sync_peer_queue(struct sync *s, struct sync_peer *p, const struct sync_item *it)
{
	(void)s;
	if (p->state == SYNC_PEER_DOWN)
		return;   /* it resyncs when it is back */
	if (p->q_n == SYNC_QUEUE) {
		p->queue_lost++;
		return;
	}
	p->q[(p->q_head + p->q_n) % SYNC_QUEUE] = *it;
	p->q_n++;
}

static void queue_all(struct sync *s, const struct sync_item *it)
{
	for (unsigned i = 0; i < s->n_peers; i++)
		sync_peer_queue(s, &s->peer[i], it);
}

void sync_peer_from_lcore(struct sync *s, const struct dp_sync_rec *r, uint64_t now)
{
	struct sync_item it;

	switch (r->kind) {
	case DP_SYNC_UPSERT:
	case DP_SYNC_DELETE:
	case DP_SYNC_TEMPLATE:
	case DP_SYNC_MARKER:
		memset(&it, 0, sizeof(it));
		it.kind = r->kind == DP_SYNC_TEMPLATE ? SYNC_ITEM_TEMPLATE
			  : r->kind == DP_SYNC_MARKER ? SYNC_ITEM_MARKER : SYNC_ITEM_SESSION;
		it.rec = *r;
		if (r->flags & DP_SYNC_R_BULK) {
			if (r->dest < s->n_peers)
				sync_peer_queue(s, &s->peer[r->dest], &it);
		} else {
			queue_all(s, &it);
		}
		break;
	case DP_SYNC_BULK_END:
		sync_push_end(s, r);
		break;
	case DP_SYNC_CHECK_REPLY:
		sync_ae_reply(s, r, now);
		break;
	case DP_SYNC_SWEPT:
		sync_pull_swept(s, r, now);
		break;
	case DP_SYNC_WALKED:
		sync_fo_walked(s, r);
		break;
	default:
		break;
	}
}

static void send_stream(struct sync *s, struct sync_peer *p, uint64_t seq, const uint8_t *pl,
			size_t plen)
{
	struct sync_hdr h = { .type = SYNC_T_STREAM, .sender = s->node_id, .epoch = s->epoch,
			      .stream = p->tx.gen, .seq = seq };
	uint8_t d[SYNC_MAX_DGRAM];
	int n = sync_wire_seal(&s->key, &h, pl, plen, d, sizeof(d));

	if (n > 0)
		sync_send(s, p, d, (size_t)n);
}

static void resend(struct sync *s, struct sync_peer *p, const uint64_t *seqs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct sync_tx_slot *t = sync_tx_get(&p->tx, seqs[i]);

		if (t)
			send_stream(s, p, t->seq, t->data, t->len);
	}
}

void sync_peer_flush(struct sync *s, struct sync_peer *p, uint64_t now)
{
	struct sync_item batch[SYNC_MAX_ITEMS];
	uint8_t pl[SYNC_MAX_PAYLOAD];

	if (p->state == SYNC_PEER_DOWN) {
		p->q_n = 0;
		return;
	}
	for (unsigned sent = 0; p->q_n && sent < 256 && !sync_tx_full(&p->tx); sent++) {
		unsigned n = 0, k, sessions = 0;
		size_t plen = 0;
		uint64_t seq;

		while (n < SYNC_MAX_ITEMS && n < p->q_n) {
			batch[n] = p->q[(p->q_head + n) % SYNC_QUEUE];
			n++;
		}
		k = sync_wire_batch_encode(s->sc, batch, n, pl, sizeof(pl), &plen);
		if (k == 0)
			k = 1;   /* cannot be: every item fits alone; drop it rather than spin */
		for (unsigned i = 0; i < k; i++)
			sessions += batch[i].kind == SYNC_ITEM_SESSION;
		seq = sync_tx_push(&p->tx, pl, plen, now);
		send_stream(s, p, seq, pl, plen);
		p->q_head = (p->q_head + k) % SYNC_QUEUE;
		p->q_n -= k;
		p->records_sent += sessions;
	}
}

void sync_peer_control(struct sync *s, struct sync_peer *p, uint64_t now)
{
	struct sync_control c;
	struct sync_hdr h = { .type = SYNC_T_CONTROL, .sender = s->node_id, .epoch = s->epoch };
	uint8_t pl[SYNC_MAX_PAYLOAD], d[SYNC_MAX_DGRAM];
	size_t plen;
	int n;

	memset(&c, 0, sizeof(c));
	c.state = (uint32_t)cp_state(s->cp);
	c.config_digest = s->config_digest;
	c.lcores = s->n_lcores;
	c.stream = p->tx.gen;
	c.next_seq = p->tx.next;
	c.ack_stream = p->rx.started ? p->rx.gen : 0;
	c.ack_cum = p->rx.cum;
	if (p->rx.started)
		c.n_nacks = sync_rx_nacks(&p->rx, p->peer_next_seq, c.nacks, SYNC_MAX_NACKS);
	c.n_lips = sync_fo_holds(s, c.lips, SYNC_MAX_LIPHOLD);
	if (p->pull.active && !p->pull.sweeping) {
		c.bulk[0].bulk_id = p->pull.id;
		c.bulk[0].lcore = p->pull.lcore;
		c.n_bulk = 1;
	}
	if (sync_wire_control_encode(&c, pl, sizeof(pl), &plen) < 0)
		return;
	h.seq = ++s->ctl_seq;
	n = sync_wire_seal(&s->key, &h, pl, plen, d, sizeof(d));
	if (n > 0)
		sync_send(s, p, d, (size_t)n);
	p->last_ctl_ms = now;
	p->last_ack_ms = now;
	p->ack_due = false;
}

/* ---- in ---- */

static void apply_batch(struct sync *s, struct sync_peer *p, const uint8_t *pl, size_t plen,
			uint64_t now)
{
	struct sync_item it[SYNC_MAX_ITEMS];
	int n = sync_wire_batch_decode(s->sc, pl, plen, it, SYNC_MAX_ITEMS);

	if (n < 0) {
		refuse(s, p, -n - 1);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct dp_sync_rec *r = &it[i].rec;

		switch (it[i].kind) {
		case SYNC_ITEM_SESSION:
			/* A peer makes sessions on its own local IPs only,
			 * and owns those of the addresses it holds. */
			if (r->fwd == DP_FWD_FULLNAT && !sync_fo_lip_allowed(s, p, r->s.lip)) {
				refuse(s, p, SYNC_REFUSE_NOT_OWN);
				continue;
			}
			r->peer = (uint8_t)p->slot;
			p->records_received++;
			if (r->bulk_id && p->pull.active && r->bulk_id == p->pull.id)
				sync_pull_record(s, p, r);
			sync_to_lcore(s, dp_sync_owner(s->dp, r->fwd, r->s.cip, r->s.cport, r->s.lip,
						       r->s.lport), r);
			break;
		case SYNC_ITEM_TEMPLATE:
			r->peer = (uint8_t)p->slot;
			sync_to_all_lcores(s, r);
			break;
		case SYNC_ITEM_MARKER:
			sync_ae_marker(s, p, r, now);
			break;
		case SYNC_ITEM_FINISH:
			sync_pull_finish(s, p, &it[i].fin, now);
			break;
		default:
			break;
		}
	}
}

void sync_peer_went_down(struct sync *s, struct sync_peer *p, const char *why)
{
	(void)s;
	SYNC_LOG(WARNING, "%s down: %s", p->name, why);
	p->state = SYNC_PEER_DOWN;
	p->heard = false;
	p->down_since_ms = sync_now_ms();
	/* What it missed is gone: a new stream when it is back, and it
	 * resyncs from us; what we pulled from it starts again too. */
	sync_tx_reset(&p->tx);
	p->resets_sent++;
	p->q_n = 0;
	p->pull.active = false;
	p->push.active = false;
	p->synced = false;
	for (unsigned k = 0; k < DP_MAX_LCORES; k++)
		p->ae[k].pending = false;
}

/* It came back, or restarted: who it is now. */
static void heard(struct sync *s, struct sync_peer *p, uint64_t now)
{
	(void)s;
	p->last_heard_ms = now;
	if (p->state == SYNC_PEER_DOWN) {
		p->state = SYNC_PEER_JOINING;
		p->heard = true;
		SYNC_LOG(NOTICE, "%s up (epoch %llu)", p->name, (unsigned long long)p->epoch);
	}
}

static void new_epoch(struct sync_peer *p, uint64_t epoch)
{
	if (p->epoch)
		SYNC_LOG(NOTICE, "%s restarted (epoch %llu -> %llu)", p->name,
			 (unsigned long long)p->epoch, (unsigned long long)epoch);
	p->epoch = epoch;
	p->ctl_seq = 0;
	p->synced = false;
	p->pull.active = false;
	p->push.active = false;
	for (unsigned k = 0; k < DP_MAX_LCORES; k++)
		p->ae[k].pending = false;
	/* It lost our stream: start a new one. */
	sync_tx_reset(&p->tx);
	p->resets_sent++;
	p->q_n = 0;
}

/* Its stream to us started over: what we hold of it may be stale. */
static void stream_restarted(struct sync *s, struct sync_peer *p, uint64_t now)
{
	if (p->pull.active && p->pull.lcore < 0 && !p->pull.sweeping)
		return;   /* a whole bulk is on its way already... */
	sync_pull_start(s, p, -1, now);   /* ...else ask for one */
}

static void on_control(struct sync *s, struct sync_peer *p, const struct sync_control *c,
		       uint64_t now)
{
	uint64_t again[64];
	unsigned n;

	p->node_state = c->state;
	p->lcores = c->lcores;
	sync_fo_heard_holds(p, c->lips, c->n_lips);
	if (c->config_digest != s->config_digest && p->config_digest != c->config_digest)
		SYNC_LOG(WARNING, "%s has other services than this node (digest %016llx, ours "
			 "%016llx): sessions of services it lacks are refused on both sides",
			 p->name, (unsigned long long)c->config_digest,
			 (unsigned long long)s->config_digest);
	if (c->config_digest != s->config_digest && p->config_digest != c->config_digest)
		p->digest_mismatches++;
	p->config_digest = c->config_digest;
	/* Its stream to us: a newer generation than we follow means it
	 * started over (its buffer overflowed, or it had us down). */
	if (c->stream && sync_rx_is_new(&p->rx, p->epoch, c->stream)) {
		sync_rx_restart(&p->rx, p->epoch, c->stream);
		stream_restarted(s, p, now);
	}
	if (p->rx.started && c->stream == p->rx.gen && p->rx.epoch == p->epoch)
		p->peer_next_seq = c->next_seq;
	/* Our stream to it. */
	n = sync_tx_ack(&p->tx, c->ack_stream, c->ack_cum, c->nacks, c->n_nacks, now,
			SYNC_RESEND_GAP_MS, again, 64);
	resend(s, p, again, n);
	for (unsigned i = 0; i < c->n_bulk; i++)
		sync_push_request(s, p, &c->bulk[i]);
}

void sync_peer_rx(struct sync *s, const uint8_t *d, size_t len, uint32_t src_ip, uint64_t now)
{
	struct sync_peer *p;
	struct sync_hdr h;
	const uint8_t *pl;
	size_t plen;
	int rc;

	/* Authenticate before anything is believed or decoded. */
	rc = sync_wire_open(&s->key, d, len, &h, &pl, &plen);
	if (rc < 0) {
		refuse(s, peer_by_ip(s, src_ip), -rc - 1);
		return;
	}
	p = peer_by_id(s, h.sender);
	if (!p || p->ip != src_ip) {
		refuse(s, peer_by_ip(s, src_ip), SYNC_REFUSE_PEER);
		return;
	}
	if (h.epoch < p->epoch) {
		refuse(s, p, SYNC_REFUSE_REPLAY);
		return;
	}
	if (h.type == SYNC_T_CONTROL && h.epoch == p->epoch && h.seq <= p->ctl_seq) {
		refuse(s, p, SYNC_REFUSE_REPLAY);
		return;
	}
	if (h.epoch > p->epoch)
		new_epoch(p, h.epoch);
	p->datagrams_received++;
	if (h.type == SYNC_T_CONTROL) {
		struct sync_control c;

		rc = sync_wire_control_decode(s->sc, pl, plen, &c);
		if (rc < 0) {
			refuse(s, p, -rc - 1);
			return;
		}
		p->ctl_seq = h.seq;
		heard(s, p, now);
		on_control(s, p, &c, now);
		return;
	}
	switch (sync_rx_accept(&p->rx, h.epoch, h.stream, h.seq, pl, plen)) {
	case SYNC_RX_OLD:
		refuse(s, p, SYNC_REFUSE_REPLAY);
		return;
	case SYNC_RX_WINDOW:
		refuse(s, p, SYNC_REFUSE_WINDOW);
		p->ack_due = true;
		return;
	case SYNC_RX_NEW:
		heard(s, p, now);
		stream_restarted(s, p, now);
		break;
	default:
		heard(s, p, now);
		break;
	}
	p->ack_due = true;
	for (const struct sync_rx_slot *q; (q = sync_rx_next(&p->rx));)
		apply_batch(s, p, q->data, q->len, now);
}

void sync_peer_timers(struct sync *s, uint64_t now)
{
	for (unsigned i = 0; i < s->n_peers; i++) {
		struct sync_peer *p = &s->peer[i];
		uint64_t again[16];
		unsigned n;
		/* (heard() may have stamped a later time than this turn's now) */
		uint64_t silent = now > p->last_heard_ms ? now - p->last_heard_ms : 0;

		if (p->state != SYNC_PEER_DOWN && silent > s->conf.dead_after_ms) {
			char why[64];

			snprintf(why, sizeof(why), "silent for %llu ms", (unsigned long long)silent);
			sync_peer_went_down(s, p, why);
		}
		if (p->state != SYNC_PEER_DOWN)
			p->state = p->synced && p->node_state == CP_STATE_ONLINE ? SYNC_PEER_UP
									       : SYNC_PEER_JOINING;
		if (now - p->last_ctl_ms >= s->conf.heartbeat_ms ||
		    (p->ack_due && now - p->last_ack_ms >= SYNC_ACK_MS))
			sync_peer_control(s, p, now);
		if (p->state == SYNC_PEER_DOWN)
			continue;
		n = sync_tx_timeouts(&p->tx, now, SYNC_RTO_MS, again, 16);
		resend(s, p, again, n);
	}
}
