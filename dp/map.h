/* dp/map.h — an immutable open-addressing map from 64-bit keys to 32-bit
 * values, built once by the control plane and read by the data lcores
 * without locks (it never changes after publication). Pure; no EAL. */
#ifndef MGW_DP_MAP_H
#define MGW_DP_MAP_H

#include <stdint.h>

#define DP_MAP_NONE UINT32_MAX

struct dp_map_slot {
	uint64_t key;
	uint32_t val;       /* DP_MAP_NONE = empty slot */
	uint32_t pad;
};

struct dp_map {
	uint32_t mask;
	uint32_t count;
	struct dp_map_slot slot[];
};

static inline uint32_t dp_map_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (uint32_t)k;
}

/* A map with room for n keys (load ≤ 1/2). */
int dp_map_create(uint32_t n, struct dp_map **out);
void dp_map_free(struct dp_map *m);
/* Insert during building; -EEXIST for a duplicate key, -ENOSPC when full. */
int dp_map_put(struct dp_map *m, uint64_t key, uint32_t val);

static inline uint32_t dp_map_get(const struct dp_map *m, uint64_t key)
{
	uint32_t i = dp_map_hash(key) & m->mask;

	for (;;) {
		const struct dp_map_slot *s = &m->slot[i];

		if (s->val == DP_MAP_NONE)
			return DP_MAP_NONE;
		if (s->key == key)
			return s->val;
		i = (i + 1) & m->mask;
	}
}

#endif
