/* dp/neigh.h — the neighbour (ARP and ND) table: one writer, lock-free
 * readers.
 *
 * The control plane's neighbour thread is the only writer (it learns from
 * the ARP packets the data lcores punt to the kernel and probes entries
 * before they expire). Data lcores read without locks: each entry carries a
 * sequence count that is odd while the writer changes it, and a reader that
 * sees it change retries. The table is set-associative (4 ways per bucket)
 * so a lookup touches one or two cache lines and never chases pointers.
 *
 * IPv6 neighbours share it: keyed by their handle (dp/addr6.h), with the
 * full address beside it, which a lookup compares (two neighbours whose
 * handles collide are two entries, never one). */
#ifndef MGW_DP_NEIGH_H
#define MGW_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include "dp/addr6.h"

#define DP_NEIGH_WAYS 4

struct dp_neigh_entry {
	uint32_t seq;       /* odd while being written */
	uint32_t ip;        /* network order; 0 = empty; an IPv6 neighbour's handle */
	uint8_t mac[6];
	uint16_t port;      /* where it was learnt */
	/* writer-only bookkeeping */
	uint64_t expire_ms;
	uint32_t probes;    /* probes sent since last confirmation */
	uint32_t v6;        /* ip6 is the address */
	uint8_t ip6[16];
};

struct dp_neigh {
	uint32_t mask;      /* buckets - 1 */
	uint32_t count;     /* entries in use (writer) */
	uint32_t gen;       /* moves on each change of an entry (readers' caches) */
	struct dp_neigh_entry e[];
};

/* Table with room for at least `entries` neighbours. */
int dp_neigh_create(uint32_t entries, struct dp_neigh **out);
void dp_neigh_destroy(struct dp_neigh *n);

static inline uint32_t dp_neigh_bucket(const struct dp_neigh *n, uint32_t ip)
{
	/* The address is in network order: its last byte, the one that
	 * differs between hosts of a subnet, is the top byte of the word. A
	 * 32-bit product shifted right would drop it (every host of a /24 in
	 * one 4-way bucket); the high half of a 64-bit product keeps it. */
	return (uint32_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ull) >> 32) & n->mask;
}

/* Reader (any lcore): the MAC for ip (ip6: an IPv6 neighbour, ip its
 * handle; NULL for IPv4), or -ENOENT. */
static inline int dp_neigh_lookup_key(const struct dp_neigh *n, uint32_t ip, const uint8_t *ip6,
				      uint8_t mac[6], uint16_t *port)
{
	const struct dp_neigh_entry *e = &n->e[dp_neigh_bucket(n, ip) * DP_NEIGH_WAYS];

	for (unsigned i = 0; i < DP_NEIGH_WAYS; i++, e++) {
		uint32_t s1, s2, eip;
		uint16_t p;
		bool same6;

		do {
			s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			eip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
			memcpy(mac, e->mac, 6);
			p = __atomic_load_n(&e->port, __ATOMIC_RELAXED);
			same6 = ip6 ? e->v6 && !memcmp(e->ip6, ip6, 16) : !e->v6;
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		} while ((s1 & 1) || s1 != s2);
		if (eip == ip && same6) {
			if (port)
				*port = p;
			return 0;
		}
	}
	return -ENOENT;
}

static inline int dp_neigh_lookup(const struct dp_neigh *n, uint32_t ip, uint8_t mac[6],
				  uint16_t *port)
{
	return dp_neigh_lookup_key(n, ip, NULL, mac, port);
}

static inline int dp_neigh_lookup6(const struct dp_neigh *n, const uint8_t ip6[16], uint8_t mac[6],
				   uint16_t *port)
{
	return dp_neigh_lookup_key(n, dp_ip6_handle(ip6), ip6, mac, port);
}

/* Writer: insert or refresh ip → mac (learnt on port), valid until
 * now_ms + reachable_ms. When the bucket is full the entry that expires
 * first is replaced. Returns 1 when the entry is new or its MAC changed. */
int dp_neigh_learn(struct dp_neigh *n, uint32_t ip, const uint8_t mac[6], uint16_t port,
		   uint64_t now_ms, uint64_t reachable_ms);
/* The same for an IPv6 neighbour. */
int dp_neigh_learn6(struct dp_neigh *n, const uint8_t ip6[16], const uint8_t mac[6], uint16_t port,
		    uint64_t now_ms, uint64_t reachable_ms);

/* Writer: does the table hold ip? (no seq dance: the writer owns it) */
bool dp_neigh_has(const struct dp_neigh *n, uint32_t ip);

/* Writer: age the table. Entries past their expiry are removed; entries
 * within probe_ms of it get probe(arg, e) called, at most once per call
 * and max_probes times in all. Returns the number removed. */
unsigned dp_neigh_age(struct dp_neigh *n, uint64_t now_ms, uint64_t probe_ms,
		      uint32_t max_probes,
		      void (*probe)(void *arg, const struct dp_neigh_entry *e), void *arg);

/* Writer: remove every entry learnt on port (link down). */
void dp_neigh_flush_port(struct dp_neigh *n, uint16_t port);

/* Any thread: call fn for each entry (a consistent copy of it). */
void dp_neigh_foreach(const struct dp_neigh *n,
		      void (*fn)(void *arg, const struct dp_neigh_entry *e), void *arg);

#endif
