/* dp/cookie.h — SYN cookies: the SYN proxy's answer to a SYN carries all
 * it must remember in its own ISN, so a SYN costs no memory and only the
 * client's ACK, proving the cookie, makes a session.
 *
 * The cookie (32 bits) is, before whitening, 2 bits of time slot, 9 bits
 * of what the client's SYN offered (MSS class 3, window scale 4 — 15 for
 * none — SACK-permitted 1, timestamps 1) and a 21-bit MAC: SipHash-2-4
 * under the secret of (client, VIP, ports, the client's ISN, the slot, the
 * offer, and the TSval our SYN-ACK carried when timestamps are on). The
 * addresses are the full 16 bytes of either family (IPv4 as ::ffff:a.b.c.d),
 * never IPv6's 24-bit handles (dp/addr6.h): two clients whose handles
 * collide still have different cookies. A
 * keyed hash of the tuple and ISN is added on top, so the ISN looks random
 * from outside (RFC 6528). A slot is 64 s of the cluster's wall clock: a
 * cookie is good in its slot and the next (and, on a node whose clock is
 * up to DP_COOKIE_TS_SKEW_MS behind the minting one's, already in the slot
 * before its own); with timestamps the echoed
 * TSval must also be younger than DP_COOKIE_TS_AGE_MS, and the MAC covers
 * it, so a captured ACK replays only within that time — and not at all on
 * the lcore that took it first (the seen filter below).
 *
 * The secret is the cluster's (the same on every node, so a cookie ACK may
 * land on any of them) and changes every DP_COOKIE_ROTATE_MS of the wall
 * clock: each epoch's secret is derived from a master key (the cluster's,
 * or the node's own when alone), so every node rotates at the same instant
 * without a word between them, and a key learnt from one epoch's cookies
 * (brute force on the 21-bit MACs) is worth nothing in the next. The key
 * ring keeps the previous epoch's secret good for the two slots its last
 * cookies live, and takes the next epoch's near its start from a node
 * whose clock is a little ahead.
 *
 * Pure functions, no EAL. */
#ifndef MGW_DP_COOKIE_H
#define MGW_DP_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define DP_COOKIE_SLOT_MS   64000u
#define DP_COOKIE_TS_AGE_MS 16000u
#define DP_COOKIE_TS_SKEW_MS 2000u   /* a TSval from a node whose clock is ahead */
#define DP_COOKIE_ROTATE_MS (16u * DP_COOKIE_SLOT_MS)   /* ~17 min */
#define DP_COOKIE_NO_WS     15
#define DP_COOKIE_N_MSS     8

struct dp_cookie_secret {
	uint64_t kw[2];      /* whitening key */
	uint64_t km[2];      /* MAC key */
};

/* What the client's SYN offered, as the cookie keeps it. */
struct dp_cookie_opts {
	uint16_t mss;        /* one of dp_cookie_mss[] */
	uint8_t ws;          /* 0..14, or DP_COOKIE_NO_WS */
	uint8_t sackok;
	uint8_t ts;
};

/* The client's side of the connection (network order, as in the packet)
 * and its ISN. The addresses: IPv6 as they are, IPv4 mapped (RFC 4291's
 * ::ffff:a.b.c.d, dp_ip6_map4), so one function serves both families
 * and a v4 flow never equals a v6 one. */
struct dp_cookie_flow {
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t isn;
};

extern const uint16_t dp_cookie_mss[DP_COOKIE_N_MSS];

/* The secret from 32 bytes of key material. */
void dp_cookie_secret_init(struct dp_cookie_secret *s, const uint8_t key[32]);

/* The MSS the cookie keeps for a client that offered mss (0: none): the
 * largest class not above it (536 at least, RFC 879). */
uint16_t dp_cookie_mss_round(uint16_t mss);

/* The cookie for a SYN at wall-clock time now_ms. o->mss must be a class
 * (dp_cookie_mss_round); tsval: what our SYN-ACK's TSval will be (used
 * when o->ts). */
uint32_t dp_cookie_make(const struct dp_cookie_secret *s, uint64_t now_ms,
			const struct dp_cookie_flow *f, const struct dp_cookie_opts *o,
			uint32_t tsval);

/* Is `cookie` (the client's ACK number − 1) one of ours for this flow (f
 * with isn = the ACK's seq − 1)? has_ts/tsecr: the ACK's timestamp echo.
 * 0 with *o filled, or -EBADMSG (forged, from another secret, expired, or
 * a timestamp echo that does not match or is too old). */
int dp_cookie_check(const struct dp_cookie_secret *s, uint64_t now_ms,
		    const struct dp_cookie_flow *f, uint32_t cookie, bool has_ts, uint32_t tsecr,
		    struct dp_cookie_opts *o);

/* The secrets of the epoch now is in (cur: mints), the one before (its
 * cookies still live) and the one after (a peer's clock ahead). */
struct dp_cookie_ring {
	struct dp_cookie_secret cur, prev, next;
	uint64_t epoch;
};

uint64_t dp_cookie_epoch(uint64_t now_ms);

/* The ring of the epoch of now_ms under a 32-byte master key. */
void dp_cookie_ring_init(struct dp_cookie_ring *r, const uint8_t master[32], uint64_t now_ms);

/* dp_cookie_check against the ring's secrets that may have minted a cookie
 * at now_ms: cur, prev in the first two slots of the epoch, next within
 * DP_COOKIE_TS_SKEW_MS of its start. */
int dp_cookie_ring_check(const struct dp_cookie_ring *r, uint64_t now_ms,
			 const struct dp_cookie_flow *f, uint32_t cookie, bool has_ts,
			 uint32_t tsecr, struct dp_cookie_opts *o);

/* SipHash-2-4 of n 64-bit words (exposed for its test vectors). */
uint64_t dp_cookie_siphash(const uint64_t k[2], const uint64_t *m, unsigned n);

/* The cookies an lcore has turned into sessions lately, so the same ACK
 * replayed after its session ended makes no second one: a table of
 * signatures with their slot in buckets of four (a full bucket forgets one
 * of its cookies; with fewer handshakes a slot than a quarter of the
 * entries, hardly any is forgotten). mask + 1: a power of two, >= 4. */
struct dp_cookie_seen {
	uint64_t *ent;       /* sig << 32 | slot */
	uint32_t mask;
};

/* True when this cookie was taken already (in its slot or the one
 * before); otherwise records it. */
bool dp_cookie_seen_check(struct dp_cookie_seen *t, const struct dp_cookie_flow *f,
			  uint32_t cookie, uint64_t now_ms);

#endif
