/*
 * Scheduler tables: Maglev (mh), LVS-style source hash (sh), and the cycle
 * of weighted round robin (wrr) at the end.
 *
 * The control plane builds a flat table, a pure function of the SET of
 * servers, and publishes it in an immutable snapshot; the data plane only
 * indexes it:
 *
 *     slot = cp_mh_slot(src_ip, src_port, use_port, M);
 *     idx  = cp_mh_pick(table, M, slot, usable_bitmap, n);  // or CP_MH_NONE
 *
 * Determinism contract (what lets two nodes agree without talking):
 *  - The builders sort a private index array by (ip, port); each server's
 *    place in the table depends only on its own (ip, port, weight) and on
 *    which other (ip, port, weight) are present, never on array order,
 *    addresses or history. Hashes use fixed seeds.
 *  - The slot -> (ip, port) mapping is therefore identical on every node
 *    holding the same set, whatever order the servers were given in.
 *  - Table entries are indices into the caller's array, so the raw bytes are
 *    identical across nodes only when callers pass servers sorted by
 *    (ip, port) (cp does). cp_mh_digest() hashes the mapping, not the bytes,
 *    so it agrees either way.
 *
 * Nothing here needs EAL, allocates on the lookup path or keeps state.
 */
#ifndef MGW_CP_MAGLEV_H
#define MGW_CP_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/sched.h"

/* Host byte order throughout. weight 0 keeps a server out of the table. */
struct cp_mh_server {
	uint32_t ip;
	uint16_t port;
	uint32_t weight;
};

#define CP_MH_NONE		UINT32_MAX
#define CP_MH_MAX_SERVERS	65536u
#define CP_MH_SIZE_DEFAULT	65537u
/* Linear probes cp_mh_pick() makes before it scans the bitmap instead. */
#define CP_MH_PICK_WALK		32u

/*
 * Table sizes accepted by cp_mh_build(): primes (each permutation must visit
 * every slot), all above CP_MH_MAX_SERVERS. Bigger M = less disruption on
 * change and finer weights, at 4 bytes per slot.
 */
#define CP_MH_SIZES { 65537u, 131071u, 262147u, 524287u, 655373u, 1048573u }
bool cp_mh_size_ok(uint32_t M);
/* Writes "65537, 131071, ...": the sizes as the validator's message lists
 * them. Returns buf. */
char *cp_mh_sizes_str(char *buf, size_t len);

/*
 * Fill table[0..M-1] with indices into s[0..n-1] (Maglev, NSDI'16 §3.4, with
 * weights). Each server with weight > 0 gets at least one slot and otherwise
 * a share proportional to its weight; with no such server every slot is
 * CP_MH_NONE. Allocates scratch memory (about 60 bytes per server plus
 * M / 8 bytes) and frees it before returning.
 *
 * The table is fully defined by:
 *  - rank: servers with weight > 0 sorted by (ip, port);
 *  - preference list of a server: key = ip << 16 | port,
 *      ho = cp_mh_mix64(key ^ CP_MH_SEED_OFFSET) >> 32,
 *      hs = cp_mh_mix64(key ^ CP_MH_SEED_SKIP) >> 32,
 *      offset = (ho * M) >> 32, skip = ((hs * (M - 1)) >> 32) + 1,
 *    then slots offset, offset + skip, offset + 2 skip, ... (mod M);
 *  - turns: the k-th turn (k = 0, 1, ...) of a server of weight w is at
 *    time k / w; equal times go to the heavier server, then the lower rank;
 *  - at its turn a server takes the first still-empty slot of its list,
 *    until all M slots are taken.
 * Removing a server therefore moves its own slots plus the few that the
 * changed claim order shifts (measured: under 0.8% of the others' slots
 * for 10 to 30,000 servers), and adding it back restores the table.
 *
 * Returns 0, -EINVAL (NULL pointers with n > 0, n > CP_MH_MAX_SERVERS, M not
 * an allowed size), -EEXIST (two servers with the same ip and port) or
 * -ENOMEM. On error table is left untouched.
 */
#define CP_MH_SEED_OFFSET	0x6d67772d6f666673ull	/* "mgw-offs" */
#define CP_MH_SEED_SKIP		0x6d67772d736b6970ull	/* "mgw-skip" */
#define CP_MH_SEED_SLOT		DP_SCHED_SEED_SLOT
int cp_mh_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table,
		uint32_t M);

/*
 * 64-bit FNV-1a over: M as 4 bytes big-endian, then for every slot the
 * server's ip (4 bytes, big-endian) and port (2 bytes, big-endian), or six
 * 0xff bytes for CP_MH_NONE. A stable, documented byte string, so operators
 * can recompute it from a table dump. Works for sh tables too.
 * table must come from cp_mh_build()/cp_sh_build() over the same s.
 */
uint64_t cp_mh_digest(const uint32_t *table, uint32_t M,
		      const struct cp_mh_server *s);

/* 64-bit finaliser; callers xor in a seed. (The data plane's, so that both
 * sides hash alike.) */
static inline uint64_t cp_mh_mix64(uint64_t x)
{
	return dp_mix64(x);
}

/*
 * Slot for a new connection, and the server for a slot with fallback over
 * unusable servers: these run on the data lcores, so they live in
 * dp/sched.h (dp_sched_slot, dp_sched_table_pick: read their comments);
 * the names below are the same functions for the control plane's callers.
 */
static inline uint32_t cp_mh_slot(uint32_t src_ip, uint16_t src_port,
				  bool use_port, uint32_t M)
{
	return dp_sched_slot(src_ip, src_port, use_port, M);
}

static inline uint32_t cp_mh_pick(const uint32_t *table, uint32_t M,
				  uint32_t slot, const uint64_t *usable,
				  uint32_t n)
{
	return dp_sched_table_pick(table, M, slot, usable, n);
}

static inline uint32_t cp_mh_pick_scan(const uint64_t *usable, uint32_t n, uint32_t from)
{
	return dp_sched_scan(usable, n, from);
}

/*
 * Source hash (LVS "sh"): buckets dealt to servers in proportion to weight
 * (each weight > 0 gets at least one), then spread over the table by a
 * fixed-seed shuffle so that neighbouring buckets belong to unrelated
 * servers. Same order independence as mh; not consistent on change (any
 * change of the set may move most buckets), which is what sh promises.
 * size: CP_SH_SIZE_MIN..CP_SH_SIZE_MAX, any value.
 * Returns 0, -EINVAL, -EEXIST, -ENOSPC (more servers with weight > 0 than
 * buckets) or -ENOMEM.
 */
#define CP_SH_SIZE_MIN		256u
#define CP_SH_SIZE_DEFAULT	65536u
#define CP_SH_SIZE_MAX		(1u << 22)
int cp_sh_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table,
		uint32_t size);

static inline uint32_t cp_sh_slot(uint32_t src_ip, uint16_t src_port,
				  bool use_port, uint32_t size)
{
	return cp_mh_slot(src_ip, src_port, use_port, size);
}

static inline uint32_t cp_sh_pick(const uint32_t *table, uint32_t size,
				  uint32_t slot, const uint64_t *usable,
				  uint32_t n)
{
	return cp_mh_pick(table, size, slot, usable, n);
}

static inline uint64_t cp_sh_digest(const uint32_t *table, uint32_t size,
				    const struct cp_mh_server *s)
{
	return cp_mh_digest(table, size, s);
}

/*
 * Weighted round robin (LVS "wrr", smooth): the cycle of turns, one entry
 * each, that the data lcores walk with a cursor of their own. A server of
 * weight w takes its k-th turn at time k / w (the builders' turn order
 * above), so its turns are spread evenly and no server gets a run longer
 * than heaviest / lightest weight, rounded up. The cycle holds w / g turns
 * of each server (g: the weights' gcd): shares are exact. Where that would
 * exceed CP_WRR_SIZE_MAX entries the weights are first scaled to sum to
 * about CP_WRR_SIZE_MAX (each at least 1): shares then within 0.5 / turns.
 * cp_wrr_size() gives the size the table must have (0: no server has a
 * weight; no table then); cp_wrr_build() fills it, or returns -EINVAL (a
 * size other than that), -EEXIST or -ENOMEM.
 */
#define CP_WRR_SIZE_MAX		65536u
uint32_t cp_wrr_size(const struct cp_mh_server *s, uint32_t n);
int cp_wrr_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table, uint32_t size);

#endif /* MGW_CP_MAGLEV_H */
