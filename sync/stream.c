/* sync/stream.c — the reliable stream's two ends (see stream.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync/stream.h"

static bool pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

int sync_tx_init(struct sync_tx *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	if (!pow2(cap))
		return -EINVAL;
	t->slot = calloc(cap, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->cap = cap;
	t->gen = 1;
	t->next = 1;
	return 0;
}

void sync_tx_free(struct sync_tx *t)
{
	free(t->slot);
	t->slot = NULL;
}

bool sync_tx_full(const struct sync_tx *t)
{
	return t->next - t->acked - 1 >= t->cap;
}

uint64_t sync_tx_push(struct sync_tx *t, const uint8_t *data, size_t len, uint64_t now_ms)
{
	struct sync_tx_slot *s = &t->slot[t->next & (t->cap - 1)];

	if (len > sizeof(s->data))
		len = sizeof(s->data);
	s->seq = t->next;
	s->sent_ms = now_ms;
	s->len = (uint16_t)len;
	memcpy(s->data, data, len);
	t->sent++;
	return t->next++;
}

const struct sync_tx_slot *sync_tx_get(const struct sync_tx *t, uint64_t seq)
{
	const struct sync_tx_slot *s;

	if (seq <= t->acked || seq >= t->next)
		return NULL;
	s = &t->slot[seq & (t->cap - 1)];
	return s->seq == seq ? s : NULL;
}

void sync_tx_reset(struct sync_tx *t)
{
	t->gen++;
	t->next = 1;
	t->acked = 0;
	for (uint32_t i = 0; i < t->cap; i++)
		t->slot[i].seq = 0;
	t->resets++;
}

static unsigned add_resend(struct sync_tx *t, uint64_t seq, uint64_t now_ms, uint64_t gap_ms,
			   uint64_t *resend, unsigned n, unsigned max)
{
	struct sync_tx_slot *s = &t->slot[seq & (t->cap - 1)];

	if (n >= max || s->seq != seq || now_ms - s->sent_ms < gap_ms)
		return n;
	s->sent_ms = now_ms;
	t->retransmits++;
	resend[n] = seq;
	return n + 1;
}

unsigned sync_tx_ack(struct sync_tx *t, uint32_t gen, uint64_t cum, const struct sync_nack *nacks,
		     unsigned n_nacks, uint64_t now_ms, uint64_t gap_ms, uint64_t *resend,
		     unsigned max)
{
	unsigned n = 0;

	if (gen != t->gen)
		return 0;
	if (cum >= t->next)
		cum = t->next - 1;   /* acknowledges what was never sent: ignore the excess */
	if (cum > t->acked)
		t->acked = cum;
	for (unsigned i = 0; i < n_nacks; i++) {
		uint64_t a = nacks[i].first, b = nacks[i].last;

		if (a <= t->acked)
			a = t->acked + 1;
		if (b >= t->next)
			b = t->next - 1;
		for (uint64_t q = a; q <= b && n < max; q++)
			n = add_resend(t, q, now_ms, gap_ms, resend, n, max);
	}
	return n;
}

unsigned sync_tx_timeouts(struct sync_tx *t, uint64_t now_ms, uint64_t rto_ms, uint64_t *resend,
			  unsigned max)
{
	uint64_t q = t->acked + 1;
	unsigned n = 0;

	/* The oldest few that are due: a lost tail is usually short. */
	for (; q < t->next && n < max && q <= t->acked + 8; q++)
		n = add_resend(t, q, now_ms, rto_ms, resend, n, max);
	return n;
}

int sync_rx_init(struct sync_rx *r, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	if (!pow2(cap))
		return -EINVAL;
	r->slot = calloc(cap, sizeof(*r->slot));
	if (!r->slot)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void sync_rx_free(struct sync_rx *r)
{
	free(r->slot);
	r->slot = NULL;
}

bool sync_rx_is_new(const struct sync_rx *r, uint64_t epoch, uint32_t gen)
{
	return !r->started || epoch > r->epoch || (epoch == r->epoch && gen > r->gen);
}

void sync_rx_restart(struct sync_rx *r, uint64_t epoch, uint32_t gen)
{
	r->started = true;
	r->epoch = epoch;
	r->gen = gen;
	r->cum = 0;
	r->high = 0;
	for (uint32_t i = 0; i < r->cap; i++)
		r->slot[i].seq = 0;
	r->restarts++;
}

enum sync_rx_result sync_rx_accept(struct sync_rx *r, uint64_t epoch, uint32_t gen, uint64_t seq,
				   const uint8_t *data, size_t len)
{
	enum sync_rx_result res = SYNC_RX_OK;
	struct sync_rx_slot *s;

	if (sync_rx_is_new(r, epoch, gen)) {
		sync_rx_restart(r, epoch, gen);
		res = SYNC_RX_NEW;
	} else if (epoch != r->epoch || gen != r->gen) {
		return SYNC_RX_OLD;
	}
	if (seq == 0)
		return SYNC_RX_OLD;
	if (seq <= r->cum) {
		r->dups++;
		return res == SYNC_RX_NEW ? res : SYNC_RX_DUP;
	}
	if (seq > r->cum + r->cap) {
		r->out_of_window++;
		return res == SYNC_RX_NEW ? res : SYNC_RX_WINDOW;
	}
	s = &r->slot[seq & (r->cap - 1)];
	if (s->seq == seq) {
		r->dups++;
		return res == SYNC_RX_NEW ? res : SYNC_RX_DUP;
	}
	if (len > sizeof(s->data))
		len = sizeof(s->data);
	s->seq = seq;
	s->len = (uint16_t)len;
	memcpy(s->data, data, len);
	if (seq > r->high)
		r->high = seq;
	r->received++;
	return res;
}

const struct sync_rx_slot *sync_rx_next(struct sync_rx *r)
{
	struct sync_rx_slot *s = &r->slot[(r->cum + 1) & (r->cap - 1)];

	if (!r->started || s->seq != r->cum + 1)
		return NULL;
	r->cum++;
	s->seq = 0;   /* the caller reads it before its next call */
	r->delivered++;
	return s;
}

unsigned sync_rx_nacks(const struct sync_rx *r, uint64_t next_seq, struct sync_nack *out,
		       unsigned max)
{
	uint64_t top = r->high, q;
	unsigned n = 0;

	if (next_seq && next_seq - 1 > top)
		top = next_seq - 1;
	if (top > r->cum + r->cap)
		top = r->cum + r->cap;
	for (q = r->cum + 1; q <= top && n < max; q++) {
		if (r->slot[q & (r->cap - 1)].seq == q)
			continue;
		out[n].first = q;
		while (q + 1 <= top && r->slot[(q + 1) & (r->cap - 1)].seq != q + 1)
			q++;
		out[n++].last = q;
	}
	return n;
}
