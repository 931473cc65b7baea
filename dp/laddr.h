/* dp/laddr.h — local addresses (LIP:lport) for FULLNAT, per lcore, and the
 * one function that says which lcore owns a LIP:lport.
 *
 * A reply from a server comes back to LIP:lport and must reach the lcore
 * that holds the session. Two ways to get it there (docs/design.md
 * "FULLNAT and reply steering"):
 * - software (af_packet, af_xdp, tap, virtio: no rte_flow): the lport
 *   encodes its owner, lport % n_lcores; an lcore that receives a reply it
 *   does not own hands it over a ring;
 * - flow (NICs with rte_flow): each LIP belongs to one lcore and a flow rule
 *   "dst == LIP → queue of that lcore" steers its replies in hardware.
 * Both are answered by dp_laddr_owner(); the allocator only ever hands out
 * LIP:lport pairs its own lcore owns.
 *
 * Each lcore keeps one FIFO of free ports per LIP, so a released port is
 * reused as late as possible (the server may still hold its TIME_WAIT). */
#ifndef MGW_DP_LADDR_H
#define MGW_DP_LADDR_H

#include <stddef.h>
#include <stdint.h>

#define DP_MAX_LIPS   64
#define DP_LPORT_MIN  1024u
#define DP_LPORT_END  65536u

enum dp_laddr_mode {
	DP_LADDR_SOFT = 0,   /* owner = lport % n_lcores */
	DP_LADDR_FLOW,       /* owner = the LIP's lcore (lip_owner) */
};

struct dp_laddr_map {
	uint8_t mode;
	uint16_t n_lcores;
	uint32_t n_lips;
	uint32_t lip[DP_MAX_LIPS];        /* network order */
	uint16_t lip_owner[DP_MAX_LIPS];  /* flow mode: lcore of each LIP */
};

static inline int dp_laddr_lip_index(const struct dp_laddr_map *m, uint32_t lip)
{
	for (uint32_t i = 0; i < m->n_lips; i++)
		if (m->lip[i] == lip)
			return (int)i;
	return -1;
}

/* The lcore (0..n_lcores-1) that owns LIP:lport (lport network order). */
static inline unsigned dp_laddr_owner(const struct dp_laddr_map *m, uint32_t lip, uint16_t lport)
{
	if (m->mode == DP_LADDR_FLOW) {
		int i = dp_laddr_lip_index(m, lip);

		return i < 0 ? 0 : m->lip_owner[i];
	}
	/* every reply asks this: no division for one lcore */
	if (m->n_lcores <= 1)
		return 0;
	return (unsigned)__builtin_bswap16(lport) % m->n_lcores;
}

struct dp_lpool {
	uint32_t lip;              /* network order; 0 = unused pool */
	uint32_t head, count;
	uint16_t *ring;            /* cap ports, FIFO */
};

#define DP_LADDR_HASH 256       /* power of two, > DP_MAX_LIPS */

struct dp_laddr {
	uint16_t me;               /* this lcore's index */
	uint32_t cap;              /* ports per pool */
	uint32_t rr;               /* next pool to try */
	uint64_t exhausted;
	struct dp_lpool pool[DP_MAX_LIPS];
	/* LIP → pool, open addressing (index + 1, 0 = empty): a port comes
	 * back at every session's end, and a walk over 64 pools to find its
	 * LIP was most of that cost. Rebuilt by dp_laddr_sync. */
	uint8_t by_lip[DP_LADDR_HASH];
	/* The pools in use, so that taking a port with one LIP does not walk
	 * 63 empty pools. */
	uint32_t n_active;
	uint8_t active[DP_MAX_LIPS];
};

/* Bytes of port rings an lcore needs (one ring per possible LIP). */
size_t dp_laddr_memsize(void);
void dp_laddr_init(struct dp_laddr *a, void *mem, uint16_t me);

/* Bring the pools in line with the LIPs of a new config: pools of LIPs that
 * stay keep their state; new LIPs get a pool with every port this lcore owns;
 * pools of removed LIPs are dropped (ports still in use are simply not
 * returned). */
void dp_laddr_sync(struct dp_laddr *a, const struct dp_laddr_map *m);

/* Take a free LIP:lport (network order) owned by this lcore. Round-robin
 * over the LIPs. 0, or -EADDRNOTAVAIL when every pool is empty. */
int dp_laddr_get(struct dp_laddr *a, uint32_t *lip, uint16_t *lport);

/* Give it back (ignored when its LIP has gone). */
void dp_laddr_put(struct dp_laddr *a, uint32_t lip, uint16_t lport);

/* Free ports left in all pools (for stats). */
uint64_t dp_laddr_free_ports(const struct dp_laddr *a);

#endif
