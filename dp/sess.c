/* dp/sess.c — per-lcore session pool and two-way cuckoo hash (see sess.h). */
#include <errno.h>
#include <string.h>

#include "dp/sess.h"

#define MAX_KICKS 48

static uint32_t buckets_for(uint32_t capacity)
{
	/* Two entries per session; aim at ≤ 95 % load before rounding up to
	 * a power of two, which cuckoo hashing with 8-way buckets sustains. */
	uint64_t need = ((uint64_t)capacity * 2 * 100 / 95 + DP_SESS_BUCKET - 1) / DP_SESS_BUCKET;
	uint32_t b = 1;

	while (b < need)
		b <<= 1;
	return b;
}

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static uint32_t cap6_for(uint32_t capacity, uint32_t cap6)
{
	if (!cap6)
		return (capacity + DP_SESS6_SHARE - 1) / DP_SESS6_SHARE;
	return cap6 < capacity ? cap6 : capacity;
}

size_t dp_sess_tab_memsize(uint32_t capacity, uint32_t cap6)
{
	cap6 = cap6_for(capacity, cap6);

	return align64((size_t)capacity * sizeof(struct dp_sess)) +
	       align64((size_t)capacity * sizeof(struct dp_sess_x)) +
	       align64((size_t)capacity * sizeof(uint32_t)) +
	       align64((size_t)cap6 * sizeof(struct dp_sess6)) +
	       (size_t)buckets_for(capacity) * sizeof(struct dp_sess_bucket);
}

void dp_sess_tab_init(struct dp_sess_tab *t, void *mem, uint32_t capacity, uint32_t cap6)
{
	uint8_t *p = mem;
	uint32_t nb = buckets_for(capacity);

	memset(t, 0, sizeof(*t));
	t->capacity = capacity;
	t->mask = nb - 1;
	t->sess = (struct dp_sess *)p;
	p += align64((size_t)capacity * sizeof(struct dp_sess));
	t->x = (struct dp_sess_x *)p;
	p += align64((size_t)capacity * sizeof(struct dp_sess_x));
	t->free = (uint32_t *)p;
	p += align64((size_t)capacity * sizeof(uint32_t));
	t->cap6 = cap6_for(capacity, cap6);
	t->a6 = (struct dp_sess6 *)p;
	p += align64((size_t)t->cap6 * sizeof(struct dp_sess6));
	t->bkt = (struct dp_sess_bucket *)p;

	memset(t->sess, 0, (size_t)capacity * sizeof(struct dp_sess));
	/* Hand out low indices first: they share cache lines and pages.
	 * One array holds both stacks: the v4-only indices (cap6 and up)
	 * from the bottom, the v6-capable ones above them. */
	for (uint32_t i = t->cap6; i < capacity; i++)
		t->free[i - t->cap6] = capacity - 1 - (i - t->cap6);
	t->free6 = t->free + (capacity - t->cap6);
	for (uint32_t i = 0; i < t->cap6; i++)
		t->free6[i] = t->cap6 - 1 - i;
	t->n_free6 = t->cap6;
	t->n_free = capacity;
	memset(t->bkt, 0xff, (size_t)nb * sizeof(struct dp_sess_bucket));
}

static struct dp_sess *take(struct dp_sess_tab *t, uint32_t idx, uint8_t flags)
{
	struct dp_sess *s = &t->sess[idx];

	t->n_free--;
	s->flags = flags;
	memset(dp_sess_x(t, s), 0, sizeof(struct dp_sess_x));
	return s;
}

struct dp_sess *dp_sess_alloc(struct dp_sess_tab *t)
{
	uint32_t n4 = t->n_free - t->n_free6;

	if (n4)
		return take(t, t->free[n4 - 1], DP_SESS_F_USED);
	if (t->n_free6)
		return take(t, t->free6[--t->n_free6], DP_SESS_F_USED);
	return NULL;
}

struct dp_sess *dp_sess_alloc6(struct dp_sess_tab *t)
{
	if (!t->n_free6)
		return NULL;
	return take(t, t->free6[--t->n_free6], DP_SESS_F_USED | DP_SESS_F_V6);
}

static uint32_t tuple_hash(const struct dp_sess_tab *t, const struct dp_sess *s, unsigned dir)
{
	if (dir == 0)
		return dp_sess_hash(t->seed, s->cip, s->vip, s->cport, s->vport, s->proto);
	return dp_sess_hash(t->seed, s->rip, s->lip, s->rport, s->lport, s->proto);
}

static int bucket_free_slot(const struct dp_sess_bucket *bk)
{
	for (int i = 0; i < DP_SESS_BUCKET; i++)
		if (bk->ref[i] == DP_SESS_NONE)
			return i;
	return -1;
}

/* Place one entry, displacing others along a cuckoo path if both of its
 * buckets are full. On failure every displacement is undone. */
static int place(struct dp_sess_tab *t, uint32_t sig, uint32_t ref)
{
	struct { uint32_t b; int slot; } path[MAX_KICKS];
	uint32_t b = sig & t->mask, cur_sig = sig, cur_ref = ref;
	int k, slot;

	for (k = 0; k < MAX_KICKS; k++) {
		uint32_t alt = dp_sess_alt(b, cur_sig, t->mask);

		if ((slot = bucket_free_slot(&t->bkt[b])) < 0 &&
		    (slot = bucket_free_slot(&t->bkt[alt])) >= 0)
			b = alt;
		if (slot >= 0) {
			t->bkt[b].sig[slot] = cur_sig;
			t->bkt[b].ref[slot] = cur_ref;
			t->kicks += (uint64_t)k;
			return 0;
		}
		/* Evict a victim from b (varying the slot so walks differ)
		 * and carry it to its other bucket. */
		slot = (int)((t->kicks + (uint64_t)k + cur_sig) % DP_SESS_BUCKET);
		path[k].b = b;
		path[k].slot = slot;
		uint32_t vs = t->bkt[b].sig[slot], vr = t->bkt[b].ref[slot];
		t->bkt[b].sig[slot] = cur_sig;
		t->bkt[b].ref[slot] = cur_ref;
		cur_sig = vs;
		cur_ref = vr;
		b = dp_sess_alt(b, cur_sig, t->mask);
	}
	/* Give up: walk back, restoring each displaced entry. */
	while (k-- > 0) {
		struct dp_sess_bucket *bk = &t->bkt[path[k].b];
		uint32_t vs = bk->sig[path[k].slot], vr = bk->ref[path[k].slot];

		bk->sig[path[k].slot] = cur_sig;
		bk->ref[path[k].slot] = cur_ref;
		cur_sig = vs;
		cur_ref = vr;
	}
	t->insert_fail++;
	return -ENOSPC;
}

static void unplace(struct dp_sess_tab *t, uint32_t sig, uint32_t ref)
{
	uint32_t b = sig & t->mask;

	for (int pass = 0; pass < 2; pass++) {
		struct dp_sess_bucket *bk = &t->bkt[b];

		for (int i = 0; i < DP_SESS_BUCKET; i++) {
			if (bk->ref[i] == ref) {
				bk->ref[i] = DP_SESS_NONE;
				bk->sig[i] = DP_SESS_NONE;
				return;
			}
		}
		b = dp_sess_alt(b, sig, t->mask);
	}
}

int dp_sess_insert(struct dp_sess_tab *t, struct dp_sess *s)
{
	uint32_t idx = dp_sess_index(t, s);
	uint32_t h0 = tuple_hash(t, s, 0), h1 = tuple_hash(t, s, 1);
	int rc;

	rc = place(t, h0, idx << 1);
	if (rc < 0)
		return rc;
	if (s->flags & DP_SESS_F_ONEWAY)
		goto placed;
	rc = place(t, h1, idx << 1 | 1);
	if (rc < 0) {
		unplace(t, h0, idx << 1);
		return rc;
	}
placed:
	s->flags |= DP_SESS_F_HASHED;
	t->n_used++;
	return 0;
}

void dp_sess_free(struct dp_sess_tab *t, struct dp_sess *s)
{
	uint32_t idx = dp_sess_index(t, s);

	if (!(s->flags & DP_SESS_F_USED))
		return;
	if (s->flags & DP_SESS_F_HASHED) {
		uint32_t h0 = tuple_hash(t, s, 0), h1;

		if (s->flags & DP_SESS_F_ONEWAY) {
			unplace(t, h0, idx << 1);
		} else {
			h1 = tuple_hash(t, s, 1);
			/* the two buckets' misses overlap rather than follow */
			dp_sess_prefetch(t, h0);
			dp_sess_prefetch(t, h1);
			unplace(t, h0, idx << 1);
			unplace(t, h1, idx << 1 | 1);
		}
		t->n_used--;
	}
	s->flags = 0;
	if (idx < t->cap6)
		t->free6[t->n_free6++] = idx;
	else
		t->free[t->n_free - t->n_free6] = idx;
	t->n_free++;
}
