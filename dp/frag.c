/* dp/frag.c — per-lcore fragment records and held fragments (see frag.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dp/frag.h"

static inline bool key_eq(const struct dp_frag_key *a, const struct dp_frag_key *b)
{
	return a->src == b->src && a->dst == b->dst && a->id == b->id && a->proto == b->proto &&
	       a->v6 == b->v6;
}

/* ms timestamps wrap: compare by difference. */
static inline bool reached(uint32_t now, uint32_t t)
{
	return (int32_t)(now - t) >= 0;
}

static inline uint32_t set_of(const struct dp_frag_tab *t, const struct dp_frag_key *k)
{
	uint64_t h = ((uint64_t)k->src << 32 | k->dst) ^ t->seed ^
		     ((uint64_t)k->id << 16 | (uint64_t)k->v6 << 8 | k->proto) * 0x9e3779b97f4a7c15ULL;

	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return (uint32_t)h & (DP_FRAG_SETS - 1);
}

struct dp_frag_rec *dp_frag_find(struct dp_frag_tab *t, const struct dp_frag_key *k,
				 uint32_t now_ms)
{
	struct dp_frag_rec *set = t->rec[set_of(t, k)];

	for (unsigned i = 0; i < DP_FRAG_WAYS; i++) {
		struct dp_frag_rec *r = &set[i];

		if (r->kind == DP_FRAG_FREE || !key_eq(&r->key, k))
			continue;
		if (reached(now_ms, r->expire)) {
			r->kind = DP_FRAG_FREE;
			return NULL;
		}
		r->expire = now_ms + DP_FRAG_TTL_MS;
		return r;
	}
	return NULL;
}

struct dp_frag_rec *dp_frag_add(struct dp_frag_tab *t, const struct dp_frag_key *k,
				uint32_t now_ms)
{
	struct dp_frag_rec *set = t->rec[set_of(t, k)], *r = NULL;

	for (unsigned i = 0; i < DP_FRAG_WAYS && !r; i++)
		if (set[i].kind != DP_FRAG_FREE && key_eq(&set[i].key, k))
			r = &set[i];
	for (unsigned i = 0; i < DP_FRAG_WAYS && !r; i++)
		if (set[i].kind == DP_FRAG_FREE || reached(now_ms, set[i].expire))
			r = &set[i];
	if (!r) {
		r = &set[0];
		for (unsigned i = 1; i < DP_FRAG_WAYS; i++)
			if ((int32_t)(set[i].expire - r->expire) < 0)
				r = &set[i];
		t->evicted++;
	}
	memset(r, 0, sizeof(*r));
	r->key = *k;
	r->expire = now_ms + DP_FRAG_TTL_MS;
	return r;
}

int dp_frag_hold(struct dp_frag_tab *t, void *pkt, const struct dp_frag_key *k, uint16_t port,
		 uint8_t redirected, uint32_t now_ms)
{
	struct dp_frag_held *h;

	if (t->n_held == DP_FRAG_HOLD)
		return -ENOSPC;
	h = &t->held[t->n_held++];
	h->pkt = pkt;
	h->key = *k;
	h->port = port;
	h->redirected = redirected;
	h->deadline = now_ms + DP_FRAG_HOLD_MS;
	return 0;
}

/* Move the held entries that match out, keeping the others in order. */
static unsigned take(struct dp_frag_tab *t, bool (*match)(const struct dp_frag_held *h,
							  const void *arg),
		     const void *arg, struct dp_frag_held *out, unsigned max)
{
	unsigned n = 0, keep = 0;

	for (unsigned i = 0; i < t->n_held; i++) {
		if (n < max && match(&t->held[i], arg))
			out[n++] = t->held[i];
		else
			t->held[keep++] = t->held[i];
	}
	t->n_held = keep;
	return n;
}

static bool match_key(const struct dp_frag_held *h, const void *arg)
{
	return key_eq(&h->key, arg);
}

unsigned dp_frag_take(struct dp_frag_tab *t, const struct dp_frag_key *k,
		      struct dp_frag_held *out, unsigned max)
{
	return take(t, match_key, k, out, max);
}

struct expiry {
	uint32_t now;
	int flush;
};

static bool match_expired(const struct dp_frag_held *h, const void *arg)
{
	const struct expiry *e = arg;

	return e->flush || reached(e->now, h->deadline);
}

unsigned dp_frag_take_expired(struct dp_frag_tab *t, uint32_t now_ms, int flush,
			      struct dp_frag_held *out, unsigned max)
{
	struct expiry e = { now_ms, flush };

	return take(t, match_expired, &e, out, max);
}
