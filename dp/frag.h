/* dp/frag.h — one lcore's IP fragment tracking.
 *
 * Only the first fragment of a datagram carries the ports that find its
 * session; the later ones carry the same (src, dst, IP id, protocol). The
 * lcore that handles a first fragment records, under that key, what the
 * later ones must get:
 * - LOCAL: the session is here: the rewritten addresses (the L4 checksum is
 *   in the first fragment, so later ones change addresses only), or for DR
 *   and TUNNEL the server they go to, and the ids to count them under;
 * - OWNER: a reply to a LIP (or a NAT packet) whose session another lcore
 *   owns: later fragments carry no port to compute the owner from, so they
 *   follow the first to that lcore.
 * The first fragment's server is thus the server of every fragment.
 *
 * A later fragment that arrives before its first (reordering) is held, a
 * few per lcore for DP_FRAG_HOLD_MS, and goes on when the first fragment
 * makes its record; one whose first never comes is dropped and counted.
 * Records live DP_FRAG_TTL_MS after the last fragment that used them, in a
 * set-associative table; a full set gives up its record closest to expiry.
 *
 * Plain data, owned by one lcore: no locks. A zeroed table is empty, so it
 * can sit in a zeroed lcore structure. No EAL: held packets are opaque
 * pointers the caller gives and gets back. */
#ifndef MGW_DP_FRAG_H
#define MGW_DP_FRAG_H

#include <stdint.h>

#define DP_FRAG_SETS     256       /* power of two */
#define DP_FRAG_WAYS     4
#define DP_FRAG_HOLD     64
#define DP_FRAG_TTL_MS   2000
#define DP_FRAG_HOLD_MS  100

enum dp_frag_kind {
	DP_FRAG_FREE = 0,
	DP_FRAG_LOCAL,
	DP_FRAG_OWNER,
};

/* Addresses in network order, as in the fragments; an IPv6 datagram's
 * by their handles (dp/addr6.h), its 32-bit identification in id. */
struct dp_frag_key {
	uint32_t src, dst;
	uint32_t id;
	uint8_t proto;
	uint8_t v6;
	uint16_t pad;
};

/* How a LOCAL record's later fragments are rewritten. */
enum dp_frag_xl {
	DP_FRAG_XL_V4 = 0,   /* IPv4 addresses: src, dst */
	DP_FRAG_XL_V6,       /* IPv6 addresses: src6, dst6 */
	DP_FRAG_XL_64,       /* NAT64, IPv6 → IPv4: translated, from src to dst */
	DP_FRAG_XL_46,       /* NAT64, IPv4 → IPv6: translated, from src6 to dst6 */
};

struct dp_frag_rec {
	struct dp_frag_key key;
	uint8_t kind;             /* enum dp_frag_kind */
	uint8_t dir;              /* LOCAL: enum dp_dir of the datagram */
	uint8_t fwd;              /* LOCAL: the session's enum dp_fwd */
	uint16_t owner;           /* OWNER: lcore index */
	/* LOCAL: FULLNAT and NAT: the addresses after translation; DR and
	 * TUNNEL (nothing translated): src unused, dst the server it goes to */
	uint32_t src, dst;
	uint32_t rs_id, svc_id;   /* LOCAL: whose counters */
	uint32_t expire;          /* ms */
	uint8_t xl;               /* LOCAL: enum dp_frag_xl */
	uint8_t src6[16], dst6[16];   /* LOCAL, XL_V6 and XL_46 */
};

struct dp_frag_held {
	void *pkt;
	struct dp_frag_key key;
	uint16_t port;            /* what the caller needs to resume it */
	uint8_t redirected;
	uint8_t pad;
	uint32_t deadline;        /* ms */
};

struct dp_frag_tab {
	struct dp_frag_rec rec[DP_FRAG_SETS][DP_FRAG_WAYS];
	uint32_t n_held;
	struct dp_frag_held held[DP_FRAG_HOLD];
	uint64_t evicted;         /* live records given up for a new one */
	uint64_t seed;            /* of the set hash: random per start */
};

/* The live record of a key, its lifetime renewed; NULL if none. */
struct dp_frag_rec *dp_frag_find(struct dp_frag_tab *t, const struct dp_frag_key *k,
				 uint32_t now_ms);

/* A record for key (the old one of the same key if any), live until
 * now_ms + DP_FRAG_TTL_MS; the caller fills kind and what goes with it. */
struct dp_frag_rec *dp_frag_add(struct dp_frag_tab *t, const struct dp_frag_key *k,
				uint32_t now_ms);

/* Hold a fragment until its first arrives. 0, or -ENOSPC when full. */
int dp_frag_hold(struct dp_frag_tab *t, void *pkt, const struct dp_frag_key *k, uint16_t port,
		 uint8_t redirected, uint32_t now_ms);

/* Take the held fragments of key out (in arrival order) into out (room for
 * max); returns how many. */
unsigned dp_frag_take(struct dp_frag_tab *t, const struct dp_frag_key *k,
		      struct dp_frag_held *out, unsigned max);

/* Take the held fragments whose time is up (all of them with flush). */
unsigned dp_frag_take_expired(struct dp_frag_tab *t, uint32_t now_ms, int flush,
			      struct dp_frag_held *out, unsigned max);

#endif
