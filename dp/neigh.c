/* dp/neigh.c — neighbour table writer side (see neigh.h). */
#include <errno.h>
#include <stdlib.h>

#include "dp/neigh.h"

int dp_neigh_create(uint32_t entries, struct dp_neigh **out)
{
	uint32_t buckets = 1;
	struct dp_neigh *n;
	size_t size;

	while (buckets * DP_NEIGH_WAYS < entries)
		buckets <<= 1;
	/* C11 wants the size a multiple of the alignment (ASan enforces it). */
	size = sizeof(*n) + (size_t)buckets * DP_NEIGH_WAYS * sizeof(n->e[0]);
	size = (size + 63) & ~(size_t)63;
	n = aligned_alloc(64, size);
	if (!n)
		return -ENOMEM;
	memset(n, 0, size);
	n->mask = buckets - 1;
	*out = n;
	return 0;
}

void dp_neigh_destroy(struct dp_neigh *n)
{
	free(n);
}

static void write_begin(struct dp_neigh_entry *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Tell readers that cache what they looked up (the lcores' next hops) to
 * look again: after the entry is written, so a reader that sees the new
 * generation finds the new entry. */
static void write_end(struct dp_neigh *n, struct dp_neigh_entry *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&n->gen, n->gen + 1, __ATOMIC_RELEASE);
}

static bool same_key(const struct dp_neigh_entry *e, uint32_t ip, const uint8_t *ip6)
{
	return e->ip == ip && (ip6 ? e->v6 && !memcmp(e->ip6, ip6, 16) : !e->v6);
}

static int learn(struct dp_neigh *n, uint32_t ip, const uint8_t *ip6, const uint8_t mac[6],
		 uint16_t port, uint64_t now_ms, uint64_t reachable_ms)
{
	struct dp_neigh_entry *b = &n->e[dp_neigh_bucket(n, ip) * DP_NEIGH_WAYS];
	struct dp_neigh_entry *e = NULL, *victim = b;
	int changed = 1;

	for (unsigned i = 0; i < DP_NEIGH_WAYS; i++) {
		if (same_key(&b[i], ip, ip6)) {
			e = &b[i];
			break;
		}
		if (!e && b[i].ip == 0)
			e = &b[i];
		if (b[i].expire_ms < victim->expire_ms)
			victim = &b[i];
	}
	if (!e)
		e = victim;
	if (same_key(e, ip, ip6) && e->port == port && memcmp(e->mac, mac, 6) == 0) {
		changed = 0;   /* a refresh: readers need not notice */
	} else {
		if (e->ip == 0)
			n->count++;
		write_begin(e);
		__atomic_store_n(&e->ip, ip, __ATOMIC_RELAXED);
		e->v6 = ip6 != NULL;
		if (ip6)
			memcpy(e->ip6, ip6, 16);
		memcpy(e->mac, mac, 6);
		__atomic_store_n(&e->port, port, __ATOMIC_RELAXED);
		write_end(n, e);
	}
	e->expire_ms = now_ms + reachable_ms;
	e->probes = 0;
	return changed;
}

int dp_neigh_learn(struct dp_neigh *n, uint32_t ip, const uint8_t mac[6], uint16_t port,
		   uint64_t now_ms, uint64_t reachable_ms)
{
	return learn(n, ip, NULL, mac, port, now_ms, reachable_ms);
}

int dp_neigh_learn6(struct dp_neigh *n, const uint8_t ip6[16], const uint8_t mac[6], uint16_t port,
		    uint64_t now_ms, uint64_t reachable_ms)
{
	return learn(n, dp_ip6_handle(ip6), ip6, mac, port, now_ms, reachable_ms);
}

bool dp_neigh_has(const struct dp_neigh *n, uint32_t ip)
{
	const struct dp_neigh_entry *b = &n->e[dp_neigh_bucket(n, ip) * DP_NEIGH_WAYS];

	for (unsigned i = 0; i < DP_NEIGH_WAYS; i++)
		if (same_key(&b[i], ip, NULL))
			return true;
	return false;
}

static void remove_entry(struct dp_neigh *n, struct dp_neigh_entry *e)
{
	write_begin(e);
	__atomic_store_n(&e->ip, 0, __ATOMIC_RELAXED);
	write_end(n, e);
	e->expire_ms = 0;
	e->probes = 0;
	n->count--;
}

unsigned dp_neigh_age(struct dp_neigh *n, uint64_t now_ms, uint64_t probe_ms,
		      uint32_t max_probes,
		      void (*probe)(void *arg, const struct dp_neigh_entry *e), void *arg)
{
	uint32_t total = (n->mask + 1) * DP_NEIGH_WAYS;
	unsigned removed = 0;

	for (uint32_t i = 0; i < total; i++) {
		struct dp_neigh_entry *e = &n->e[i];

		if (e->ip == 0)
			continue;
		if (now_ms >= e->expire_ms) {
			remove_entry(n, e);
			removed++;
		} else if (probe && now_ms + probe_ms >= e->expire_ms && e->probes < max_probes) {
			e->probes++;
			probe(arg, e);
		}
	}
	return removed;
}

void dp_neigh_flush_port(struct dp_neigh *n, uint16_t port)
{
	uint32_t total = (n->mask + 1) * DP_NEIGH_WAYS;

	for (uint32_t i = 0; i < total; i++)
		if (n->e[i].ip != 0 && n->e[i].port == port)
			remove_entry(n, &n->e[i]);
}

void dp_neigh_foreach(const struct dp_neigh *n,
		      void (*fn)(void *arg, const struct dp_neigh_entry *e), void *arg)
{
	uint32_t total = (n->mask + 1) * DP_NEIGH_WAYS;

	for (uint32_t i = 0; i < total; i++) {
		struct dp_neigh_entry copy;
		uint32_t s1, s2;

		do {
			s1 = __atomic_load_n(&n->e[i].seq, __ATOMIC_ACQUIRE);
			memcpy(&copy, &n->e[i], sizeof(copy));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&n->e[i].seq, __ATOMIC_RELAXED);
		} while ((s1 & 1) || s1 != s2);
		if (copy.ip)
			fn(arg, &copy);
	}
}
