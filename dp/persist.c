/* dp/persist.c — per-lcore persistence templates (see persist.h). */
#include <string.h>

#include "dp/persist.h"
#include "dp/wheel.h"

static uint32_t buckets(uint32_t entries)
{
	uint32_t b = 1;

	while (b * DP_PERSIST_WAYS < entries)
		b <<= 1;
	return b;
}

size_t dp_persist_memsize(uint32_t entries)
{
	return (size_t)buckets(entries) * DP_PERSIST_WAYS * sizeof(struct dp_persist_ent);
}

void dp_persist_init(struct dp_persist *p, void *mem, uint32_t entries)
{
	p->mask = buckets(entries) - 1;
	p->e = mem;
	memset(mem, 0, dp_persist_memsize(entries));
}

static struct dp_persist_ent *bucket(const struct dp_persist *p, uint32_t cip, uint32_t vip,
				     uint16_t vport)
{
	uint64_t h = (((uint64_t)cip << 32 | vip) ^ p->seed) * 0x9e3779b97f4a7c15ULL ^ vport;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return &p->e[((h >> 32) & p->mask) * DP_PERSIST_WAYS];
}

const struct dp_persist_ent *dp_persist_get(const struct dp_persist *p, uint32_t cip,
					    uint32_t vip, uint16_t vport, uint32_t now)
{
	const struct dp_persist_ent *b = bucket(p, cip, vip, vport);

	for (unsigned i = 0; i < DP_PERSIST_WAYS; i++)
		if (b[i].cip == cip && b[i].vip == vip && b[i].vport == vport &&
		    dp_wheel_cmp(b[i].expire, now) > 0)
			return &b[i];
	return NULL;
}

void dp_persist_put(struct dp_persist *p, const struct dp_persist_ent *t, uint32_t now)
{
	struct dp_persist_ent *b = bucket(p, t->cip, t->vip, t->vport), *victim = &b[0];

	for (unsigned i = 0; i < DP_PERSIST_WAYS; i++) {
		if (b[i].cip == t->cip && b[i].vip == t->vip && b[i].vport == t->vport) {
			b[i] = *t;
			return;
		}
	}
	/* A free or expired way, else the one that expires first. */
	for (unsigned i = 0; i < DP_PERSIST_WAYS; i++) {
		if (b[i].vip == 0 || dp_wheel_cmp(b[i].expire, now) <= 0) {
			victim = &b[i];
			break;
		}
		if (dp_wheel_cmp(b[i].expire, victim->expire) < 0)
			victim = &b[i];
	}
	*victim = *t;
}
