/* dp/persist.h — persistence templates (ipvsadm -p/-M): a client, masked,
 * keeps the server it was first given for persistence_s, across its
 * connections to the service (and to services of other protocols on the
 * same VIP:port, when they have a server at the same address).
 *
 * Each lcore keeps its own table (no locks). A client's connections may be
 * spread over lcores by RSS, so an lcore that makes or refreshes a template
 * hands a copy to every other lcore over a ring; they apply it on their next
 * loop, well before the client's next connection in practice. */
#ifndef MGW_DP_PERSIST_H
#define MGW_DP_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#define DP_PERSIST_WAYS 4

struct dp_persist_ent {
	uint32_t cip;      /* masked client address, network order */
	uint32_t vip;      /* 0 = empty */
	uint16_t vport;
	uint16_t rport;
	uint32_t rip;
	uint32_t expire;   /* lcore ms tick */
};

struct dp_persist {
	uint32_t mask;     /* buckets - 1 */
	uint64_t seed;     /* of the bucket hash: random per start */
	struct dp_persist_ent *e;
};

size_t dp_persist_memsize(uint32_t entries);
void dp_persist_init(struct dp_persist *p, void *mem, uint32_t entries);

/* The live template of (cip, vip, vport), or NULL. */
const struct dp_persist_ent *dp_persist_get(const struct dp_persist *p, uint32_t cip,
					    uint32_t vip, uint16_t vport, uint32_t now);

/* Insert or refresh (replacing an expired entry or the bucket's oldest). */
void dp_persist_put(struct dp_persist *p, const struct dp_persist_ent *t, uint32_t now);

#endif
