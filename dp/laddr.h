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
 * What must be unique is the tuple a server sees, LIP:lport → server:port
 * (TCP; UDP alike, but without the guard below). So a local port is in use
 * per destination: the same LIP:lport serves every server at once, and one
 * LIP carries ports × servers connections, not ports.
 *
 * Each destination walks the LIP × port space with a cursor of its own, so
 * a tuple comes back to the same server as late as possible. A destination
 * is the server's ip:port (dp_laddr_dest), not its server id: two services
 * in front of the same backend are two server ids for one address, and
 * with a cursor each, one service's cursor would walk into the run of
 * tuples the other holds (a SYN flood at one service left a band of live
 * embryonic sessions that made the other's new connections fail).
 * A candidate is refused when
 * - its reverse tuple is in the session table (a live session, our own or
 *   a peer's on one of our LIPs after a restart): the caller's lookup
 *   (dp/conn.c), since the table is the one truth about what is in use;
 * - it is guarded: a TCP tuple whose session ended less than guard_ms ago
 *   (the server may hold it in TIME-WAIT, 60 s on Linux: a new SYN on it
 *   would meet a stale socket — RFC 6191 lets the server take it only when
 *   the SYN's timestamp is newer, and another client's clock is not), or
 *   one sync marked (dp_laddr_mark).
 * Guards live in a hash of 16-byte entries that expire by themselves (an
 * entry past its time is a free slot); when every slot a tuple may take is
 * held, the one nearest its end is cut short and the caller counts it.
 * One LIP therefore sustains at most ports × servers / guard new
 * connections a second; past that, new connections are refused and counted
 * (lport_exhausted), never stalled in silence.
 *
 * All of it is owned by one lcore: no locks, no allocation after init, and
 * O(1) per connection (a cursor step, one guard bucket pair, the caller's
 * session lookup; at most DP_LADDR_TRIES candidates, twice when the first
 * ones sat in a band of guards far from their end: dp_laddr_missed). */
#ifndef MGW_DP_LADDR_H
#define MGW_DP_LADDR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/addr6.h"

#define DP_MAX_LIPS   64
#define DP_LPORT_MIN  1024u      /* default range of local ports, inclusive */
#define DP_LPORT_MAX  65535u
#define DP_LADDR_TRIES 8         /* candidates one new connection may look at */
#define DP_LADDR_IN_USE UINT32_MAX   /* dp_laddr_mark: until unmarked */
/* A new connection that found no free tuple puts its cursor back on the
 * guarded candidate nearest its end if that end is this close (ms), else
 * sends it elsewhere (dp_laddr_missed). */
#define DP_LADDR_REWIND_MS 1000

enum dp_laddr_mode {
	DP_LADDR_SOFT = 0,   /* owner = lport % n_lcores */
	DP_LADDR_FLOW,       /* owner = the LIP's lcore (lip_owner) */
};

struct dp_laddr_map {
	uint8_t mode;
	uint16_t n_lcores;
	uint16_t lport_min, lport_max;    /* host order, inclusive; 0, 0 = the defaults */
	uint32_t guard_ms;                /* TIME-WAIT guard of a TCP tuple after its session */
	uint32_t n_lips;
	uint32_t lip[DP_MAX_LIPS];        /* network order; a v6 LIP's handle (dp/addr6.h) */
	uint16_t lip_owner[DP_MAX_LIPS];  /* flow mode: lcore of each LIP */
	/* The IPv4 LIPs come first (lip[0..n_lips4-1]), then the IPv6 ones,
	 * whose addresses are lip6[i]. */
	uint32_t n_lips4;
	uint8_t lip6[DP_MAX_LIPS][16];
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

/* A guarded tuple (network order); until is in the lcore's ms clock, 0 =
 * an empty slot. */
struct dp_lguard {
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint32_t until;
};

#define DP_LGUARD_WAYS 4

struct dp_lguard_bkt {
	struct dp_lguard e[DP_LGUARD_WAYS];
} __attribute__((aligned(64)));

#define DP_LADDR_HASH 256       /* power of two, > DP_MAX_LIPS */

struct dp_laddr {
	uint16_t me;               /* this lcore's index */
	uint16_t first, step;      /* our ports: first + k * step (host order), k < per_lip */
	uint32_t per_lip;
	uint32_t n_lips;           /* LIPs whose ports we hand out */
	uint32_t guard_ms;
	/* The IPv4 ones first (lip[0..n_lips4-1]), then the IPv6 ones:
	 * their handles in lip[], their addresses in lip6[]. A destination
	 * walks the LIPs of its own family. */
	uint32_t n_lips4;
	uint32_t lip[DP_MAX_LIPS];
	uint8_t lip6[DP_MAX_LIPS][16];
	/* LIP → index + 1 (0 = empty), open addressing: is a LIP one of ours
	 * when a session ends. Rebuilt by dp_laddr_sync. */
	uint8_t by_lip[DP_LADDR_HASH];
	uint32_t n_dests;
	uint32_t *cur;             /* per destination: port index << 8 | LIP index */
	uint32_t *newest;          /* per destination: the newest synced guard's end on our tuples
				    * (0 none), | 1 once this life ended one (laddr.c follow) */
	uint32_t g_n;              /* guard buckets */
	struct dp_lguard_bkt *g;
	uint64_t seed;
};

/* Bytes for guard_slots guards (rounded up to buckets of four) and n_dests
 * destination cursors. */
size_t dp_laddr_memsize(uint32_t guard_slots, uint32_t n_dests);

/* Lay it out in mem (dp_laddr_memsize bytes, 64-byte aligned). Cursors
 * start at random places (seed), so that a restarted node does not begin
 * with the tuples its last life used first; the guards of that life,
 * coming back by sync (dp_laddr_mark), then put each cursor after the
 * newest of them. */
void dp_laddr_init(struct dp_laddr *a, void *mem, uint32_t guard_slots, uint32_t n_dests,
		   uint16_t me, uint64_t seed);

/* Take the LIPs, port range and guard of a new config. Guards stay; the
 * cursors carry on (brought into the new range on their next use). */
void dp_laddr_sync(struct dp_laddr *a, const struct dp_laddr_map *m);

/* Tuples one destination may use: LIPs × our ports in the range. */
static inline uint64_t dp_laddr_space(const struct dp_laddr *a)
{
	return (uint64_t)a->n_lips * a->per_lip;
}

/* The cursor of the destination rip:rport (network order): a hash onto
 * the n_dests cursors — two addresses that meet on one cursor just share
 * it (each still walks the whole space). */
static inline uint32_t dp_laddr_dest(const struct dp_laddr *a, uint32_t rip, uint16_t rport)
{
	uint64_t h = ((uint64_t)rip << 16 | rport) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(((h >> 32) * a->n_dests) >> 32);
}

/* The next candidate LIP:lport (network order) for destination dest (a
 * dp_laddr_dest, < n_dests): the cursor moves on. *pos gets where it was, for
 * dp_laddr_rewind. -EADDRNOTAVAIL: no LIP. */
static inline int dp_laddr_next_fam(struct dp_laddr *a, uint32_t dest, bool v6, uint32_t *lip,
				    uint16_t *lport, uint32_t *pos)
{
	uint32_t c, li, k, base = v6 ? a->n_lips4 : 0;
	uint32_t n = v6 ? a->n_lips - a->n_lips4 : a->n_lips4;

	if (!n || dest >= a->n_dests)
		return -EADDRNOTAVAIL;
	c = a->cur[dest];
	li = c & 0xff;
	k = c >> 8;
	if (li >= n || k >= a->per_lip) {   /* first use, or the config changed */
		li %= n;
		k %= a->per_lip;
	}
	*pos = k << 8 | li;
	*lip = a->lip[base + li];
	*lport = __builtin_bswap16((uint16_t)(a->first + k * a->step));
	/* LIP-minor order: successive connections to a server rotate the LIPs */
	if (++li == n) {
		li = 0;
		if (++k == a->per_lip)
			k = 0;
	}
	a->cur[dest] = k << 8 | li;
	return 0;
}

static inline int dp_laddr_next(struct dp_laddr *a, uint32_t dest, uint32_t *lip,
				uint16_t *lport, uint32_t *pos)
{
	return dp_laddr_next_fam(a, dest, false, lip, lport, pos);
}

/* The IPv6 address of the LIP a v6 destination's pos (from
 * dp_laddr_next_fam) names. */
static inline const uint8_t *dp_laddr_lip6(const struct dp_laddr *a, uint32_t pos)
{
	return a->lip6[a->n_lips4 + (pos & 0xff)];
}

/* Put dest's cursor back to pos (from dp_laddr_next). */
static inline void dp_laddr_rewind(struct dp_laddr *a, uint32_t dest, uint32_t pos)
{
	a->cur[dest] = pos;
}

/* A tuple's guard hash: its two buckets are two independent halves of it. */
static inline uint64_t dp_laddr_guard_hash(const struct dp_laddr *a, uint32_t lip, uint16_t lport,
					   uint32_t rip, uint16_t rport)
{
	uint64_t h = ((uint64_t)lip << 32 | rip) ^ a->seed;

	h ^= ((uint64_t)lport << 16 | rport) * 0x9e3779b97f4a7c15ull;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h;
}

/* Bucket i (0, 1) of a tuple: the two places its guard may be, so two
 * lines to prefetch before dp_laddr_guarded. (Two independent choices, the
 * emptier taken, keep the buckets even: a table half full has no tuple
 * without room.) */
static inline const struct dp_lguard_bkt *dp_laddr_guard_bkt(const struct dp_laddr *a, uint64_t h,
							     unsigned i)
{
	/* a multiply, not a mask: the table is sized as asked, not to a
	 * power of two */
	uint32_t b1 = (uint32_t)(((h & 0xffffffffu) * a->g_n) >> 32);
	uint32_t b2 = (uint32_t)(((h >> 32) * a->g_n) >> 32);

	if (i == 0)
		return &a->g[b1];
	return &a->g[b2 != b1 ? b2 : b1 + 1 < a->g_n ? b1 + 1 : 0];
}

static inline bool dp_lguard_live(const struct dp_lguard *e, uint32_t now)
{
	return e->until == DP_LADDR_IN_USE || (int32_t)(e->until - now) > 0;
}

/* How long LIP:lport → rip:rport (network order) stays guarded from lcore
 * time now, in ms: 0 = not guarded, DP_LADDR_IN_USE while sync marks it
 * in use. h from dp_laddr_guard_hash. */
static inline uint32_t dp_laddr_guard_left(const struct dp_laddr *a, uint64_t h, uint32_t lip,
					   uint16_t lport, uint32_t rip, uint16_t rport,
					   uint32_t now)
{
	for (unsigned b = 0; b < 2; b++) {
		const struct dp_lguard_bkt *k = dp_laddr_guard_bkt(a, h, b);

		for (unsigned i = 0; i < DP_LGUARD_WAYS; i++) {
			const struct dp_lguard *e = &k->e[i];

			if (e->lip == lip && e->lport == lport && e->rip == rip && e->rport == rport &&
			    e->until && dp_lguard_live(e, now))
				return e->until == DP_LADDR_IN_USE ? DP_LADDR_IN_USE
								   : e->until - now;
		}
	}
	return 0;
}

static inline bool dp_laddr_guarded(const struct dp_laddr *a, uint64_t h, uint32_t lip,
				    uint16_t lport, uint32_t rip, uint16_t rport, uint32_t now)
{
	return dp_laddr_guard_left(a, h, lip, lport, rip, rport, now) != 0;
}

/* A new connection to dest found no free tuple in its DP_LADDR_TRIES
 * candidates; the guarded one nearest its end was at pos (UINT32_MAX:
 * none was guarded), left ms from it. Walking on in order is right when
 * the cursor is at the oldest guards (they end in the order they began):
 * then pos is the one to ask again, and it is put back there. But the
 * cursor may sit in a band of guards that end much later — a restarted
 * node's, whose random start fell among the guards its last life left
 * (synced back to it), or tuples sync marks in use: put back there, every
 * SYN would ask the same eight again until the band's guards end (a
 * minute; seen as every new connection through a restarted node refused
 * for 12 s and more). So unless pos ends within DP_LADDR_REWIND_MS, the
 * cursor goes to a place picked by rnd (true: the caller may look there
 * at once, a second round of candidates). */
static inline bool dp_laddr_missed(struct dp_laddr *a, uint32_t dest, uint32_t pos,
				   uint32_t left, uint64_t rnd)
{
	if (pos != UINT32_MAX && left <= DP_LADDR_REWIND_MS) {
		a->cur[dest] = pos;
		return false;
	}
	if (a->per_lip && a->n_lips)
		a->cur[dest] = (uint32_t)(((rnd >> 32) * a->per_lip) >> 32) << 8 |
			       (uint32_t)(rnd % a->n_lips);
	return true;
}

/* A TCP session on LIP:lport → rip:rport ended at lcore time now: guard
 * the tuple for guard_ms. 0; 1 when a live guard was cut short to make
 * room (the caller counts it); -ENOENT when the LIP is not one of ours
 * (nothing to guard) or the guard is 0. */
int dp_laddr_put(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		 uint32_t now);

/* For session sync, called on the lcore that owns LIP:lport (its
 * dp_laddr_owner): mark LIP:lport → rip:rport (network order, TCP) as
 * guarded until lcore time `until` (lc->now_ms + what is left of the
 * guard), or as in use with DP_LADDR_IN_USE until a later mark replaces it
 * (a mark with until = now ends it). A tuple has one guard: a mark sets
 * it, longer or shorter. The LIP need not be one of ours yet (a LIP coming
 * back at hand-back). A guard on one of our tuples newer than every other
 * to its destination moves that destination's cursor to the candidate
 * after it (laddr.c: follow). 0; 1 when a live guard was cut short to make
 * room; -ENOSPC when every slot the tuple may take holds an in-use mark. */
int dp_laddr_mark(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		  uint32_t until, uint32_t now);

/* A peer's closing session on LIP:lport → rip:rport (network order; sync
 * installs it) will leave its guard until `until` (lcore time): the
 * cursor follows it as it follows a mark's. */
void dp_laddr_follow(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip,
		     uint16_t rport, uint32_t until);

/* Call fn for each live guard of lip (0: of every LIP) in guard slots
 * [from, from + n), for a walk in chunks (the sync thread's "guards travel
 * with the LIP"). Returns the slot to go on from, 0 once the table is
 * covered. */
uint32_t dp_laddr_guards_walk(const struct dp_laddr *a, uint32_t lip, uint32_t from, uint32_t n,
			      uint32_t now, void (*fn)(void *arg, const struct dp_lguard *g),
			      void *arg);

/* Guard slots in the table. */
static inline uint64_t dp_laddr_guard_slots(const struct dp_laddr *a)
{
	return (uint64_t)a->g_n * DP_LGUARD_WAYS;
}

#endif
