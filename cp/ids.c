/* cp/ids.c — stable id allocation (see ids.h). A table indexed by id holds
 * each id's key and state; an open-addressing index (linear probing with
 * backward-shift deletion) finds an id by key. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/ids.h"

enum { ID_FREE = 0, ID_LIVE, ID_RETIRED };

struct id_ent {
	uint64_t k1, k2;
	uint8_t state;
	bool fresh;         /* allocated, not yet popped by cp_ids_pop_fresh */
};

struct cp_ids {
	uint32_t cap;
	uint32_t used;
	uint32_t n_free;
	uint32_t *free;     /* stack of free ids */
	uint32_t n_fresh;
	uint32_t *fresh;    /* stack of newly allocated ids */
	struct id_ent *ent; /* by id */
	uint32_t mask;
	uint32_t *index;    /* slot → id + 1 (0 = empty) */
};

static uint32_t key_hash(uint64_t k1, uint64_t k2)
{
	uint64_t h = (k1 ^ (k2 * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;

	h ^= h >> 31;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h >> 32);
}

int cp_ids_create(uint32_t cap, struct cp_ids **out)
{
	struct cp_ids *ids = calloc(1, sizeof(*ids));
	uint32_t size = 16;

	if (!ids)
		return -ENOMEM;
	while (size < 2 * (uint64_t)cap)
		size <<= 1;
	ids->cap = cap;
	ids->mask = size - 1;
	ids->free = malloc(cap * sizeof(uint32_t));
	ids->fresh = malloc(cap * sizeof(uint32_t));
	ids->ent = calloc(cap, sizeof(struct id_ent));
	ids->index = calloc(size, sizeof(uint32_t));
	if (!ids->free || !ids->fresh || !ids->ent || !ids->index) {
		cp_ids_destroy(ids);
		return -ENOMEM;
	}
	/* Low ids first. */
	for (uint32_t i = 0; i < cap; i++)
		ids->free[i] = cap - 1 - i;
	ids->n_free = cap;
	*out = ids;
	return 0;
}

void cp_ids_destroy(struct cp_ids *ids)
{
	if (!ids)
		return;
	free(ids->free);
	free(ids->fresh);
	free(ids->ent);
	free(ids->index);
	free(ids);
}

static uint32_t *slot_of(const struct cp_ids *ids, uint64_t k1, uint64_t k2)
{
	uint32_t i = key_hash(k1, k2) & ids->mask;

	for (;;) {
		uint32_t *s = &ids->index[i];

		if (*s == 0)
			return s;
		if (ids->ent[*s - 1].k1 == k1 && ids->ent[*s - 1].k2 == k2)
			return s;
		i = (i + 1) & ids->mask;
	}
}

int cp_ids_find(const struct cp_ids *ids, uint64_t k1, uint64_t k2, uint32_t *id)
{
	uint32_t *s = slot_of(ids, k1, k2);

	if (*s == 0)
		return -ENOENT;
	*id = *s - 1;
	return 0;
}

int cp_ids_get(struct cp_ids *ids, uint64_t k1, uint64_t k2, uint32_t *id)
{
	uint32_t *s = slot_of(ids, k1, k2);
	struct id_ent *e;
	int changed;

	if (*s == 0) {
		if (ids->n_free == 0)
			return -ENOSPC;
		*s = ids->free[--ids->n_free] + 1;
		e = &ids->ent[*s - 1];
		e->k1 = k1;
		e->k2 = k2;
		if (!e->fresh && ids->n_fresh < ids->cap)
			ids->fresh[ids->n_fresh++] = *s - 1;
		e->fresh = true;
		ids->used++;
	}
	e = &ids->ent[*s - 1];
	changed = e->state != ID_LIVE;
	e->state = ID_LIVE;
	*id = *s - 1;
	return changed;
}

void cp_ids_retire(struct cp_ids *ids, uint32_t id)
{
	if (id < ids->cap && ids->ent[id].state == ID_LIVE)
		ids->ent[id].state = ID_RETIRED;
}

/* Backward-shift deletion keeps probe chains unbroken without tombstones. */
static void index_delete(struct cp_ids *ids, uint32_t *s)
{
	uint32_t i = (uint32_t)(s - ids->index), j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & ids->mask;
		if (ids->index[j] == 0)
			break;
		home = key_hash(ids->ent[ids->index[j] - 1].k1, ids->ent[ids->index[j] - 1].k2) &
		       ids->mask;
		/* Move j back to i if its home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ids->index[i] = ids->index[j];
			i = j;
		}
	}
	ids->index[i] = 0;
}

unsigned cp_ids_reap(struct cp_ids *ids, bool (*in_use)(void *arg, uint32_t id), void *arg)
{
	unsigned n = 0;

	for (uint32_t id = 0; id < ids->cap; id++) {
		struct id_ent *e = &ids->ent[id];

		if (e->state != ID_RETIRED || in_use(arg, id))
			continue;
		index_delete(ids, slot_of(ids, e->k1, e->k2));
		e->state = ID_FREE;
		ids->free[ids->n_free++] = id;
		ids->used--;
		n++;
	}
	return n;
}

int cp_ids_pop_fresh(struct cp_ids *ids, uint32_t *id)
{
	if (ids->n_fresh == 0)
		return -ENOENT;
	*id = ids->fresh[--ids->n_fresh];
	ids->ent[*id].fresh = false;
	return 0;
}

uint32_t cp_ids_count(const struct cp_ids *ids)
{
	return ids->used;
}

bool cp_ids_is_live(const struct cp_ids *ids, uint32_t id)
{
	return id < ids->cap && ids->ent[id].state == ID_LIVE;
}
