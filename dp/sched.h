/* dp/sched.h — picking a real server for a new connection.
 *
 * The schedulers' tables (mh, sh, and wrr's cycle of turns) are built by the
 * control plane into the snapshot as pure functions of the server set
 * (cp/maglev.c); the data lcore only indexes them. What changes per pick —
 * rr/wrr cursors, open-connection counts, overload flags — is the lcore's own state,
 * so a pick takes no lock. The pick functions below take that state as
 * arrays indexed by server id, so the unit tests drive them without an lcore.
 *
 * lc/wlc count only the lcore's own connections: with flows spread evenly
 * over n lcores each sees about 1/n of every server's load, so the choice
 * matches a global one up to the imbalance of the spread (a few connections
 * per server at the scale of a test, under 1 % at production counts). */
#ifndef MGW_DP_SCHED_H
#define MGW_DP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/dp.h"
#include "dp/snap.h"

#define DP_SCHED_NONE       UINT32_MAX
#define DP_SCHED_SEED_SLOT  0x6d67772d736c6f74ull   /* "mgw-slot" */
#define DP_SCHED_PICK_WALK  32u

struct dp_lcore;

/* murmur3's 64-bit finaliser; callers xor in a seed. */
static inline uint64_t dp_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Table slot of a client (host-order address and port): a fixed seed, so
 * every node maps a client to the same slot; multiply-high, no division. */
static inline uint32_t dp_sched_slot(uint32_t src_ip, uint16_t src_port, bool use_port,
				     uint32_t M)
{
	uint64_t key = (uint64_t)src_ip << 16;

	if (use_port)
		key |= src_port;
	key = dp_mix64(key ^ DP_SCHED_SEED_SLOT);
	return (uint32_t)(((key >> 32) * (uint64_t)M) >> 32);
}

/* Next usable index after `from` in a bitmap of n servers, or NONE. */
uint32_t dp_sched_scan(const uint64_t *usable, uint32_t n, uint32_t from);

/* The server for `slot`, or the first usable one in the following slots
 * (neighbouring slots belong to unrelated servers, so a dead server's flows
 * spread over the survivors); after DP_SCHED_PICK_WALK slots a bitmap scan
 * bounds the cost. NONE only when no server is usable. */
static inline uint32_t dp_sched_table_pick(const uint32_t *table, uint32_t M, uint32_t slot,
					   const uint64_t *usable, uint32_t n)
{
	uint32_t s = slot < M ? slot : 0;

	for (uint32_t k = 0; k < DP_SCHED_PICK_WALK; k++) {
		uint32_t idx = table[s];

		if (idx >= n)   /* an empty table */
			return DP_SCHED_NONE;
		if (usable[idx >> 6] >> (idx & 63) & 1)
			return idx;
		if (++s == M)
			s = 0;
	}
	return dp_sched_scan(usable, n, table[slot < M ? slot : 0]);
}

/* Per-lcore overload state (ipvsadm -x/-y), by server id: 1 = overloaded. */
static inline bool dp_sched_usable(const struct dp_server *s, const uint8_t *ovl)
{
	/* A flag left from thresholds since removed means nothing. */
	return dp_server_usable(s) && !(ovl && s->u_thr && ovl[s->id]);
}

/* The pure pickers: index into svc->servers, or -1. */
int dp_sched_rr(const struct dp_service *svc, uint32_t *cursor, const uint8_t *ovl);
/* wrr: the next usable turn of svc->table (the cycle the control plane
 * dealt, cp_wrr_build) from *cursor on, which it advances. */
int dp_sched_wrr(const struct dp_service *svc, uint32_t *cursor, const uint8_t *ovl);
int dp_sched_lc(const struct dp_service *svc, const struct dp_rs_stats *rs, bool weighted,
		const uint8_t *ovl);
int dp_sched_hash(const struct dp_service *svc, uint32_t cip_host, uint16_t cport_host,
		  const uint8_t *ovl);

/* Bring a server's overload flag up to date with its open count: set at
 * u_thr, cleared below l_thr (hysteresis, as LVS does). */
static inline void dp_sched_overload(const struct dp_server *s, int64_t open, uint8_t *ovl)
{
	if (!s->u_thr)
		return;
	if (open >= (int64_t)s->u_thr)
		ovl[s->id] = 1;
	else if (open < (int64_t)s->l_thr)
		ovl[s->id] = 0;
}

/* Pick for a new connection from cip:cport (network order). */
int dp_sched_pick(struct dp_lcore *lc, const struct dp_service *svc, uint32_t cip,
		  uint16_t cport);

#endif
