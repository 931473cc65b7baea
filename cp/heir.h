/* cp/heir.h — who inherits a local IP when its node is gone.
 *
 * Rendezvous (highest random weight) hashing of (node id, key): every node
 * computes the same heir from the same set of candidates, one survivor
 * per key, and a node leaving or joining the set moves only the keys it
 * wins. The key is a local IP (network order), or a node id for the
 * sessions of modes without local IPs. Pure: unit-tested alone. */
#ifndef MGW_CP_HEIR_H
#define MGW_CP_HEIR_H

#include <stdint.h>

static inline uint64_t cp_heir_score(uint32_t node_id, uint32_t key)
{
	uint64_t h = ((uint64_t)node_id << 32 | key) ^ 0x6a09e667f3bcc909ull;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/* The heir of key among ids[0..n) (0 when n is 0); ties to the lower id. */
static inline uint32_t cp_heir(const uint32_t *ids, unsigned n, uint32_t key)
{
	uint32_t best = 0;
	uint64_t best_score = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t sc = cp_heir_score(ids[i], key);

		if (!best || sc > best_score || (sc == best_score && ids[i] < best)) {
			best = ids[i];
			best_score = sc;
		}
	}
	return best;
}

/* Rank of id among ids for key: 0 for the heir, 1 for the next... (n when
 * id is not a candidate). The cost of a peer's local IP in the routes a
 * node announces grows with it, so the routers prefer the heir. */
static inline unsigned cp_heir_rank(const uint32_t *ids, unsigned n, uint32_t id, uint32_t key)
{
	uint64_t mine = cp_heir_score(id, key);
	unsigned rank = 0;
	int found = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t sc = cp_heir_score(ids[i], key);

		if (ids[i] == id)
			found = 1;
		else if (sc > mine || (sc == mine && ids[i] < id))
			rank++;
	}
	return found ? rank : n;
}

#endif
