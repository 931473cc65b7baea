/* dp/laddr.c — per-lcore LIP:lport pools (see laddr.h). */
#include <errno.h>
#include <string.h>

#include "dp/laddr.h"

size_t dp_laddr_memsize(void)
{
	return (size_t)DP_MAX_LIPS * (DP_LPORT_END - DP_LPORT_MIN) * sizeof(uint16_t);
}

void dp_laddr_init(struct dp_laddr *a, void *mem, uint16_t me)
{
	uint16_t *p = mem;

	memset(a, 0, sizeof(*a));
	a->me = me;
	a->cap = DP_LPORT_END - DP_LPORT_MIN;
	for (unsigned i = 0; i < DP_MAX_LIPS; i++)
		a->pool[i].ring = p + (size_t)i * a->cap;
}

static void pool_fill(struct dp_lpool *p, uint32_t lip, const struct dp_laddr_map *m,
		      uint16_t me)
{
	p->lip = lip;
	p->head = 0;
	p->count = 0;
	for (uint32_t port = DP_LPORT_MIN; port < DP_LPORT_END; port++) {
		uint16_t n = __builtin_bswap16((uint16_t)port);

		if (dp_laddr_owner(m, lip, n) == me)
			p->ring[p->count++] = n;
	}
}

static uint32_t lip_hash(uint32_t lip)
{
	return (uint32_t)(((uint64_t)lip * 0x9e3779b97f4a7c15ull) >> 32);
}

static void index_pools(struct dp_laddr *a)
{
	memset(a->by_lip, 0, sizeof(a->by_lip));
	a->n_active = 0;
	for (unsigned i = 0; i < DP_MAX_LIPS; i++) {
		uint32_t h = lip_hash(a->pool[i].lip);

		if (!a->pool[i].lip)
			continue;
		a->active[a->n_active++] = (uint8_t)i;
		while (a->by_lip[h & (DP_LADDR_HASH - 1)])
			h++;
		a->by_lip[h & (DP_LADDR_HASH - 1)] = (uint8_t)(i + 1);
	}
}

void dp_laddr_sync(struct dp_laddr *a, const struct dp_laddr_map *m)
{
	/* Drop pools whose LIP is gone. */
	for (unsigned i = 0; i < DP_MAX_LIPS; i++)
		if (a->pool[i].lip && dp_laddr_lip_index(m, a->pool[i].lip) < 0)
			a->pool[i].lip = 0;
	/* Give each new LIP a free pool slot. */
	for (uint32_t l = 0; l < m->n_lips && l < DP_MAX_LIPS; l++) {
		unsigned i, free_slot = DP_MAX_LIPS;

		for (i = 0; i < DP_MAX_LIPS; i++) {
			if (a->pool[i].lip == m->lip[l])
				break;
			if (!a->pool[i].lip && free_slot == DP_MAX_LIPS)
				free_slot = i;
		}
		if (i == DP_MAX_LIPS && free_slot < DP_MAX_LIPS)
			pool_fill(&a->pool[free_slot], m->lip[l], m, a->me);
	}
	index_pools(a);
}

int dp_laddr_get(struct dp_laddr *a, uint32_t *lip, uint16_t *lport)
{
	for (unsigned n = 0; n < a->n_active; n++) {
		struct dp_lpool *p;

		if (a->rr >= a->n_active)
			a->rr = 0;
		p = &a->pool[a->active[a->rr++]];
		if (p->count == 0)
			continue;
		*lip = p->lip;
		*lport = p->ring[p->head];
		p->head = p->head + 1 == a->cap ? 0 : p->head + 1;
		p->count--;
		return 0;
	}
	a->exhausted++;
	return -EADDRNOTAVAIL;
}

void dp_laddr_put(struct dp_laddr *a, uint32_t lip, uint16_t lport)
{
	for (uint32_t h = lip_hash(lip);; h++) {
		unsigned k = a->by_lip[h & (DP_LADDR_HASH - 1)];
		struct dp_lpool *p;

		if (!k)
			return;   /* its LIP has gone */
		p = &a->pool[k - 1];
		if (p->lip != lip)
			continue;
		if (p->count < a->cap) {
			uint32_t at = p->head + p->count;

			p->ring[at >= a->cap ? at - a->cap : at] = lport;
			p->count++;
		}
		return;
	}
}

uint64_t dp_laddr_free_ports(const struct dp_laddr *a)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < DP_MAX_LIPS; i++)
		if (a->pool[i].lip)
			n += a->pool[i].count;
	return n;
}
