/* dp/map.c — building immutable maps (see map.h). */
#include <errno.h>
#include <stdlib.h>

#include "dp/map.h"

int dp_map_create(uint32_t n, struct dp_map **out)
{
	uint32_t size = 8;
	struct dp_map *m;

	while (size < 2 * (uint64_t)n)
		size <<= 1;
	m = malloc(sizeof(*m) + size * sizeof(m->slot[0]));
	if (!m)
		return -ENOMEM;
	m->mask = size - 1;
	m->count = 0;
	for (uint32_t i = 0; i < size; i++) {
		m->slot[i].key = 0;
		m->slot[i].val = DP_MAP_NONE;
		m->slot[i].pad = 0;
	}
	*out = m;
	return 0;
}

void dp_map_free(struct dp_map *m)
{
	free(m);
}

int dp_map_put(struct dp_map *m, uint64_t key, uint32_t val)
{
	uint32_t i = dp_map_hash(key) & m->mask;

	if (val == DP_MAP_NONE)
		return -EINVAL;
	/* Keep one slot empty so that lookups of absent keys terminate. */
	if (m->count + 1 > m->mask)
		return -ENOSPC;
	while (m->slot[i].val != DP_MAP_NONE) {
		if (m->slot[i].key == key)
			return -EEXIST;
		i = (i + 1) & m->mask;
	}
	m->slot[i].key = key;
	m->slot[i].val = val;
	m->count++;
	return 0;
}
