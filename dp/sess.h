/* dp/sess.h — one lcore's session table: a pool of sessions and a cuckoo
 * hash keyed in both directions.
 *
 * A session is one connection: for FULLNAT client:cport → VIP:vport on the
 * way in, rewritten to LIP:lport → server:rport; the reply server:rport →
 * LIP:lport is rewritten back to VIP:vport → client:cport. The table holds
 * two entries per session, one per direction, so a packet's own 5-tuple
 * finds its session whichever way it travels (one entry for the one-way
 * DR and TUNNEL sessions).
 *
 * The table belongs to one lcore and is touched by that lcore alone: no
 * locks, no atomics. Its memory is sized once, from the configured
 * capacity: a full table refuses new sessions and never evicts one.
 *
 * Layout for memory per session (the bench reports it): 64 B per session
 * (the hot half, one cache line), 32 B of its cold half (struct
 * dp_sess_x), 4 B of free list, and 8 B per direction entry in 64 B
 * buckets of 8 entries at ≤ 50..100 % load (buckets are a power of two). */
#ifndef MGW_DP_SESS_H
#define MGW_DP_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "dp/addr6.h"
#include "dp/wheel.h"

#define unlikely_sess(x) __builtin_expect(!!(x), 0)

#define DP_SESS_BUCKET 8
#define DP_SESS_NONE UINT32_MAX

/* flags */
#define DP_SESS_F_USED    0x01   /* allocated */
#define DP_SESS_F_HASHED  0x02   /* both tuples are in the hash */
#define DP_SESS_F_ACTIVE  0x04   /* counted as an open connection of its server */
#define DP_SESS_F_ONEWAY  0x08   /* only the forward tuple is hashed (DR, TUNNEL) */
#define DP_SESS_F_FOREIGN 0x10   /* learned from a peer (sync): its owner is x.peer */
#define DP_SESS_F_XLATE   0x20   /* x holds a TCP translation (seq/ack deltas, options) */
#define DP_SESS_F_EVICT   0x40   /* on an eviction list (dp/evict.h): embryonic TCP or UDP */
#define DP_SESS_F_V6      0x80   /* IPv6: the addresses are handles (dp/addr6.h), t->a6 has them */

struct dp_sess {
	/* forward tuple: client → VIP (network order) */
	uint32_t cip, vip;
	uint16_t cport, vport;
	/* reverse tuple: what the server sends, server → local IP (network
	 * order): FULLNAT's LIP:lport; NAT's client:cport (the server answers
	 * the client itself, through mgw). DR and TUNNEL sessions keep
	 * client:cport here too but are one-way: the server answers the
	 * client directly, and only the forward tuple is in the hash. */
	uint32_t rip, lip;
	uint16_t rport, lport;
	uint8_t proto;
	uint8_t state;           /* enum dp_tcp_state, or DP_UDP_STATE */
	uint8_t flags;
	uint8_t fwd;             /* forwarding mode */
	uint32_t svc_id;         /* stable service id */
	uint32_t rs_id;          /* stable server id */
	struct dp_wheel_link tl; /* expiry */
	uint32_t lease;          /* lcore ms of the last sync record about it (dp/sync_ev.h) */
	/* The next hop of each direction as the lcore resolved it (an index
	 * into its next-hop cache, 0 = none), valid while nh_epoch is the
	 * lcore's: packets of the session then skip the route and neighbour
	 * lookups (dp/xmit.c). */
	uint32_t nh_epoch;
	uint16_t nh[2];
};

_Static_assert(sizeof(struct dp_sess) == 64, "the hot half is one cache line");

/* The cold half of a session, in a parallel array (t->x[index]): what
 * only some sessions need and what the per-packet path reads only when a
 * flag of the hot half says so. Every field here is part of the session
 * and travels in its sync record (sync/sync.proto), so a peer that takes
 * the flow over translates it the same way.
 *
 * TCP translation (DP_SESS_F_XLATE): a PROXY protocol header inserted
 * before the client's first byte, or a SYN proxy's own ISN towards the
 * client, shift the sequence space of one side; the deltas say by how
 * much, for the life of the session. */
struct dp_sess_x {
	int32_t seq_in;          /* added to client→server seq, taken off server→client ack */
	int32_t seq_out;         /* added to server→client seq, taken off client→server ack */
	int32_t ts_delta;        /* SYN proxy: added to the server's TSval (client-side ECR: taken off) */
	uint16_t xflags;         /* what the translation still has to do (dp/seq.h) */
	uint8_t wscale;          /* SYN proxy: the client's window scale, as the cookie said */
	uint8_t peer;            /* DP_SESS_F_FOREIGN: the owner's peer slot (sync) */
	uint8_t origin;          /* DP_SESS_F_FOREIGN: the owner's lcore that sent it */
	uint8_t gen;             /* DP_SESS_F_FOREIGN: resync generation (dp/sync.c) */
	uint16_t reopen;         /* a new connection's SYN on this tuple (dp_tcpwin_check_reopen) */
	uint32_t isn;            /* translation anchor (client ISN + 1 where a header went in) */
	/* TCP window tracking (dp/tcpwin.h), per direction in its sender's
	 * own sequence space (before any translation): end, scale, window.
	 * Its window scales travel in the sync record (dp_tcpwin_scales); a
	 * peer installs it liberal (dp_tcpwin_from_scales). */
	uint32_t td[2];
};

_Static_assert(sizeof(struct dp_sess_x) == 32, "the cold half is half a cache line");

/* The IPv6 addresses of an IPv6 session (DP_SESS_F_V6), in a third
 * parallel array: its hot half holds their handles (dp/addr6.h), which
 * find the session; these decide it and are what the packets get. The
 * array covers only the first cap6 sessions (by default capacity /
 * DP_SESS6_SHARE: one in eight may be IPv6, and an IPv4-only node pays 8
 * bytes a session for it, not 64), which have a free list of their own
 * (dp_sess_alloc6). */
#define DP_SESS6_SHARE 8

struct dp_sess6 {
	uint8_t c[16], v[16];    /* client, VIP: the forward tuple's */
	uint8_t r[16], l[16];    /* server, local IP: the reverse tuple's; NAT64
				  * (IPv4 server and local IP): IPv4-mapped
				  * (::ffff:a.b.c.d), the hot half's rip and
				  * lip being the real addresses */
};

/* Is a (16 bytes) an IPv4-mapped address (::ffff:0:0/96)? */
struct dp_sess_bucket {
	uint32_t sig[DP_SESS_BUCKET];
	uint32_t ref[DP_SESS_BUCKET];   /* session index << 1 | direction */
};

struct dp_sess_tab {
	uint32_t capacity;
	uint32_t mask;           /* buckets - 1 */
	uint32_t n_used;
	uint32_t n_free;
	struct dp_sess *sess;    /* capacity */
	struct dp_sess_x *x;     /* capacity: each session's cold half */
	uint32_t *free;          /* stack of free indices */
	/* Sessions below cap6 may be IPv6 (a6[index]); their free indices
	 * are a stack of their own, free6. n_free counts both stacks. */
	uint32_t cap6, n_free6;
	uint32_t *free6;
	struct dp_sess6 *a6;
	struct dp_sess_bucket *bkt;
	uint64_t seed;           /* of dp_sess_hash: random, set once before use */
	uint64_t kicks;          /* cuckoo displacements done */
	uint64_t insert_fail;    /* both buckets full after displacement */
};

/* Memory needed for a table of `capacity` sessions, cap6 of which may be
 * IPv6 (0: capacity / DP_SESS6_SHARE; at most capacity), in one block. */
size_t dp_sess_tab_memsize(uint32_t capacity, uint32_t cap6);

/* Lay a table out in `mem` (dp_sess_tab_memsize bytes, 64-byte aligned,
 * need not be zeroed). */
void dp_sess_tab_init(struct dp_sess_tab *t, void *mem, uint32_t capacity, uint32_t cap6);

/* A tuple's hash in a table keyed by seed (random per start and lcore, so
 * that nobody outside can aim tuples at one bucket). */
static inline uint32_t dp_sess_hash(uint64_t seed, uint32_t saddr, uint32_t daddr, uint16_t sport,
				    uint16_t dport, uint8_t proto)
{
	uint64_t a = ((uint64_t)saddr << 32 | daddr) ^ seed;
	uint64_t b = (uint64_t)sport << 24 | (uint64_t)dport << 8 | proto;
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;

	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h >> 29);
}

static inline uint32_t dp_sess_alt(uint32_t bucket, uint32_t sig, uint32_t mask)
{
	return (bucket ^ (((sig * 0x9e3779b1u) >> 16) | 1)) & mask;
}

/* Does IPv6 session s have, in direction dir, the packet's source and
 * destination a (32 bytes: an IPv6 header's addresses)? */
static inline bool dp_sess_match6(const struct dp_sess_tab *t, const struct dp_sess *s,
				  unsigned dir, const uint8_t *a)
{
	const struct dp_sess6 *x = &t->a6[s - t->sess];

	if (dir == 0)
		return !__builtin_memcmp(x->c, a, 16) && !__builtin_memcmp(x->v, a + 16, 16);
	return !__builtin_memcmp(x->r, a, 16) && !__builtin_memcmp(x->l, a + 16, 16);
}

/* May a packet of this family (a6: an IPv6 one's addresses, NULL for
 * IPv4), which matched s's handles or addresses in direction dir, be of
 * s? An IPv6 session's tuples are IPv6, but for NAT64's reverse one,
 * which is IPv4. */
static inline bool dp_sess_family_ok(const struct dp_sess_tab *t, const struct dp_sess *s,
				     unsigned dir, const uint8_t *a6)
{
	bool mapped;

	if (!(s->flags & DP_SESS_F_V6))
		return false;   /* (called for IPv6 packets or sessions only) */
	mapped = dp_ip6_mapped(t->a6[s - t->sess].r);
	if (!a6)
		return dir == 1 && mapped;
	return !(dir == 1 && mapped) && dp_sess_match6(t, s, dir, a6);
}

/* Does session s match the tuple in direction dir? */
static inline bool dp_sess_match(const struct dp_sess *s, unsigned dir, uint32_t saddr,
				 uint32_t daddr, uint16_t sport, uint16_t dport, uint8_t proto)
{
	if (s->proto != proto)
		return false;
	if (dir == 0)
		return s->cip == saddr && s->vip == daddr && s->cport == sport &&
		       s->vport == dport;
	return s->rip == saddr && s->lip == daddr && s->rport == sport && s->lport == dport;
}

/* Bit i set: the bucket's signature i equals sig (all eight compared at
 * once where SSE2 is there, which is every x86-64). */
static inline unsigned dp_sess_sig_mask(const struct dp_sess_bucket *bk, uint32_t sig)
{
#ifdef __SSE2__
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i a = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)bk->sig), s);
	__m128i b = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(bk->sig + 4)), s);

	return (unsigned)_mm_movemask_ps(_mm_castsi128_ps(a)) |
	       (unsigned)_mm_movemask_ps(_mm_castsi128_ps(b)) << 4;
#else
	unsigned m = 0;

	for (unsigned i = 0; i < DP_SESS_BUCKET; i++)
		m |= (unsigned)(bk->sig[i] == sig) << i;
	return m;
#endif
}

/* a6: an IPv6 packet's addresses (saddr and daddr their handles), NULL
 * for IPv4: a session of the other family never matches. */
static inline __attribute__((always_inline)) struct dp_sess *dp_sess_bucket_find(const struct dp_sess_tab *t, uint32_t b,
						  uint32_t sig, uint32_t saddr, uint32_t daddr,
						  uint16_t sport, uint16_t dport, uint8_t proto,
						  const uint8_t *a6, unsigned *dir)
{
	const struct dp_sess_bucket *bk = &t->bkt[b];

	for (unsigned m = dp_sess_sig_mask(bk, sig); m; m &= m - 1) {
		uint32_t ref = bk->ref[__builtin_ctz(m)];
		struct dp_sess *s;

		if (ref == DP_SESS_NONE)
			continue;
		s = &t->sess[ref >> 1];
		if (dp_sess_match(s, ref & 1, saddr, daddr, sport, dport, proto)) {
			if (unlikely_sess(a6 != NULL || (s->flags & DP_SESS_F_V6)) &&
			    !dp_sess_family_ok(t, s, ref & 1, a6))
				continue;   /* a handle's namesake, or the other family */
			*dir = ref & 1;
			return s;
		}
	}
	return NULL;
}

/* Find the session of a packet's tuple; *dir gets 0 (IN) or 1 (OUT).
 * a6: as for dp_sess_bucket_find. */
static inline __attribute__((always_inline)) struct dp_sess *dp_sess_lookup_h6(const struct dp_sess_tab *t, uint32_t h,
					       uint32_t saddr, uint32_t daddr, uint16_t sport,
					       uint16_t dport, uint8_t proto, const uint8_t *a6,
					       unsigned *dir)
{
	uint32_t b1 = h & t->mask;
	struct dp_sess *s = dp_sess_bucket_find(t, b1, h, saddr, daddr, sport, dport, proto, a6,
						dir);

	if (s)
		return s;
	return dp_sess_bucket_find(t, dp_sess_alt(b1, h, t->mask), h, saddr, daddr, sport,
				   dport, proto, a6, dir);
}

static inline __attribute__((always_inline)) struct dp_sess *dp_sess_lookup_h(const struct dp_sess_tab *t, uint32_t h,
					       uint32_t saddr, uint32_t daddr, uint16_t sport,
					       uint16_t dport, uint8_t proto, unsigned *dir)
{
	return dp_sess_lookup_h6(t, h, saddr, daddr, sport, dport, proto, NULL, dir);
}

static inline __attribute__((always_inline)) struct dp_sess *dp_sess_lookup6(const struct dp_sess_tab *t, uint32_t saddr,
					     uint32_t daddr, uint16_t sport, uint16_t dport,
					     uint8_t proto, const uint8_t *a6, unsigned *dir)
{
	return dp_sess_lookup_h6(t, dp_sess_hash(t->seed, saddr, daddr, sport, dport, proto),
				 saddr, daddr, sport, dport, proto, a6, dir);
}

static inline __attribute__((always_inline)) struct dp_sess *dp_sess_lookup(const struct dp_sess_tab *t, uint32_t saddr,
					     uint32_t daddr, uint16_t sport, uint16_t dport,
					     uint8_t proto, unsigned *dir)
{
	return dp_sess_lookup_h(t, dp_sess_hash(t->seed, saddr, daddr, sport, dport, proto), saddr,
				daddr, sport, dport, proto, dir);
}

/* A prefetch the compiler keeps: GCC 12 drops __builtin_prefetch when
 * the loop around it does nothing else (as in dp_sess_prefetch2). */
static inline void dp_sess_prefetch_line(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const volatile char *)p));
#else
	__builtin_prefetch(p);
#endif
}

/* Prefetch hints for a burst (results never depend on them): first the
 * primary bucket of a hash; later, once that has arrived, the session a
 * signature there points at, or else the other bucket. */
static inline void dp_sess_prefetch(const struct dp_sess_tab *t, uint32_t h)
{
	dp_sess_prefetch_line(&t->bkt[h & t->mask]);
}

/* Returns that session as a candidate for the tuple (*dir its direction;
 * unverified: the caller checks it with dp_sess_match once it is in the
 * cache), or NULL. */
static inline struct dp_sess *dp_sess_prefetch2(const struct dp_sess_tab *t, uint32_t h,
						unsigned *dir)
{
	const struct dp_sess_bucket *bk = &t->bkt[h & t->mask];

	for (unsigned m = dp_sess_sig_mask(bk, h); m; m &= m - 1) {
		uint32_t ref = bk->ref[__builtin_ctz(m)];

		if (ref != DP_SESS_NONE) {
			dp_sess_prefetch_line(&t->sess[ref >> 1]);
			/* and its cold half: every TCP segment's window check
			 * (dp/tcpwin.h) reads x.td */
			dp_sess_prefetch_line(&t->x[ref >> 1]);
			*dir = ref & 1;
			return &t->sess[ref >> 1];
		}
	}
	dp_sess_prefetch_line(&t->bkt[dp_sess_alt(h & t->mask, h, t->mask)]);
	return NULL;
}

static inline uint32_t dp_sess_index(const struct dp_sess_tab *t, const struct dp_sess *s)
{
	return (uint32_t)(s - t->sess);
}

static inline struct dp_sess_x *dp_sess_x(const struct dp_sess_tab *t, const struct dp_sess *s)
{
	return &t->x[s - t->sess];
}

static inline struct dp_sess6 *dp_sess6(const struct dp_sess_tab *t, const struct dp_sess *s)
{
	return &t->a6[s - t->sess];
}

/* A free session (fields to be filled by the caller), or NULL when full.
 * IPv4 sessions take the indices without a v6 half first. */
struct dp_sess *dp_sess_alloc(struct dp_sess_tab *t);
/* A free session with a v6 half (DP_SESS_F_V6 set; the caller fills
 * dp_sess6 and the handles), or NULL when none is left. */
struct dp_sess *dp_sess_alloc6(struct dp_sess_tab *t);

/* Enter a filled session's two tuples. -ENOSPC (table too crowded: the
 * session is not entered; the caller frees it). */
int dp_sess_insert(struct dp_sess_tab *t, struct dp_sess *s);

/* Remove its tuples (if entered) and return the session to the pool. */
void dp_sess_free(struct dp_sess_tab *t, struct dp_sess *s);

#endif
