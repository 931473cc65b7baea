/* dp/sync_ev.h — the data plane's side of session sync: what a data lcore
 * tells the sync thread about its sessions, and what the sync thread asks
 * of it (docs/design.md "Cluster").
 *
 * Each data lcore has two single-producer single-consumer rings of fixed
 * 128-byte records (struct dp_sync_rec): a first cache line with the
 * session as the tables key it (an IPv6 address as its handle,
 * dp/addr6.h), a second with an IPv6 session's full addresses. One size
 * for both families: a v6 session's record is never split in two ring
 * slots that a full ring or a burst boundary could part.
 * - ev: lcore → sync thread. A record when a session is made (at the SYN,
 *   once LIP:lport and server are chosen), on each TCP state change, when
 *   it ends, as a refresh lease on the first packet after lease_ms[state]
 *   since the last record, when its translation state changes, and for
 *   each persistence template; a bulk walk of the table for a peer that
 *   asked, ended by its count and digest; a marker every second (count and
 *   hash of what the lcore owns); answers to the sync thread's checks.
 *   A full ring loses live records (counted: sync_lost); the marker
 *   comparison at the peers finds the difference and resyncs the slice.
 *   Bulk walks wait for room instead.
 * - in: sync thread → lcore. Peers' sessions to install (marked foreign,
 *   in the table of the lcore that owns their LIP:lport by this node's own
 *   owner()), deletions, templates, bulk requests, checks and sweeps.
 *
 * The sync thread speaks the wire (sync/); nothing here knows of it. The
 * identity hash (dp_sync_ident) is one function for the whole cluster —
 * not the per-start keyed hash of the session table — so that a peer can
 * compare digests. */
#ifndef MGW_DP_SYNC_EV_H
#define MGW_DP_SYNC_EV_H

#include <stdint.h>

#include "dp/sess.h"

#define DP_SYNC_MAX_PEERS 16   /* peer slots (the config's sync.peers order) */
#define DP_SYNC_NO_PEER   0xff

enum dp_sync_kind {
	DP_SYNC_NONE = 0,
	/* sessions (both rings) */
	DP_SYNC_UPSERT,        /* a session as it is now (s) */
	DP_SYNC_DELETE,        /* it ended (s: the tuple) */
	DP_SYNC_TEMPLATE,      /* a persistence template (t) */
	/* ev ring only */
	DP_SYNC_BULK_END,      /* a bulk walk for dest is done (m: count, hash) */
	DP_SYNC_MARKER,        /* every second: what this lcore owns (m) */
	DP_SYNC_CHECK_REPLY,   /* answer to CHECK: foreign sessions of (peer, origin) (m) */
	DP_SYNC_SWEPT,         /* a sweep is done (m.count: sessions removed) */
	/* in ring only */
	DP_SYNC_BULK_REQ,      /* walk the table for peer dest (bulk_id) */
	DP_SYNC_CHECK,         /* report fcount/fhash of (peer, origin) */
	DP_SYNC_SWEEP_BEGIN,   /* a resync of (peer, origin or all) starts: new generation */
	DP_SYNC_SWEEP_END,     /* ... is done: remove what the resync did not refresh */
	/* failover (in ring; each answered by a WALKED on the ev ring) */
	DP_SYNC_ADOPT,         /* become the owner: FULLNAT sessions on s.lip, or with
	                        * DP_SYNC_R_NODE the other modes' sessions of peer */
	DP_SYNC_HANDBACK,      /* FULLNAT sessions of ours on s.lip are peer's again */
	DP_SYNC_WALKED,        /* ev: an ADOPT/HANDBACK is done (m.count: sessions moved) */
	/* both rings: a TIME-WAIT guard (s.lip, lport, rip, rport; s.expire_ms left),
	 * from a bulk walk (flags BULK, dest) or to be marked */
	DP_SYNC_GUARD,
	DP_SYNC_KIND_MAX
};

/* rec flags */
#define DP_SYNC_R_BULK    0x01   /* part of bulk bulk_id for dest (not for the others) */
#define DP_SYNC_R_ALL     0x02   /* CHECK/SWEEP: every origin lcore of the peer */
#define DP_SYNC_R_FOREIGN 0x04   /* UPSERT (ev): the lcore holds it for another node (adopted ones are not) */
#define DP_SYNC_R_NODE    0x08   /* ADOPT: by the peer that owned them, not by LIP */
#define DP_SYNC_R_V6      0x10   /* UPSERT/DELETE: an IPv6 session: s's addresses are
				  * handles, a6 the addresses (NAT64: r, l IPv4-mapped,
				  * s.rip, s.lip the IPv4 ones); GUARD: s.lip, s.rip are
				  * a v6 local IP's and server's handles */

struct dp_sync_sess {
	uint32_t cip, vip, lip, rip;       /* network order (v6: handles) */
	uint16_t cport, vport, lport, rport;
	uint32_t expire_ms;                /* from now */
	int32_t seq_in, seq_out, ts_delta; /* struct dp_sess_x */
	uint16_t xflags;
	uint8_t wscale;
	uint8_t sflags;                    /* DP_SESS_F_XLATE, ONEWAY as the owner has them */
	uint32_t isn;
};

struct dp_sync_tmpl {
	uint32_t cip, vip, rip;            /* network order; cip masked */
	uint16_t vport, rport;
	uint32_t expire_ms;                /* from now */
};

struct dp_sync_mark {
	uint64_t count;
	uint64_t hash;
	uint32_t seq;                      /* MARKER: the lcore's marker number; CHECK: echoed */
};

struct dp_sync_rec {
	uint8_t kind;                      /* enum dp_sync_kind */
	uint8_t proto, state, fwd;
	uint8_t flags;                     /* DP_SYNC_R_* */
	uint8_t dest;                      /* BULK: the peer slot it is for */
	uint8_t lcore;                     /* ev: the sending lcore; in: the origin lcore at the peer */
	uint8_t peer;                      /* in: the peer slot it came from */
	uint16_t bulk_id;
	uint16_t tcpwin;                   /* UPSERT: dp_tcpwin_scales() of the session */
	uint32_t owner;                    /* node id that owns the session (0: the sender) */
	union {
		struct dp_sync_sess s;
		struct dp_sync_tmpl t;
		struct dp_sync_mark m;
	};
	/* DP_SYNC_R_V6: the session's v6 half as dp/sess.h has it */
	struct dp_sess6 a6;
};

_Static_assert(sizeof(struct dp_sync_rec) == 128, "two cache lines: keys, then v6 addresses");

/* The cluster-wide identity of a session (its two tuples and protocol),
 * summed (mod 2^64) into digests: additive, so per-lcore sums add up and an
 * ended session is taken off again. Unseeded on purpose (see above). An
 * IPv6 session's identity is that of its handles, which every node
 * computes alike (dp/addr6.h). */
static inline uint64_t dp_sync_ident(uint8_t proto, uint32_t cip, uint32_t vip, uint16_t cport,
				     uint16_t vport, uint32_t lip, uint32_t rip, uint16_t lport,
				     uint16_t rport)
{
	uint64_t h = (uint64_t)cip << 32 | vip;

	h ^= ((uint64_t)cport << 48 | (uint64_t)vport << 32 | (uint64_t)proto << 24) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	h ^= ((uint64_t)lip << 32 | rip) + 0x94d049bb133111ebull;
	h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
	h ^= ((uint64_t)lport << 16 | rport) * 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return h | 1;   /* never 0: a digest of n sessions is not that of none */
}

struct dp;
struct dp_lcore;
struct dp_sess;

/* For the sync thread (one thread: the rings are single-producer). */
/* Up to n records from lcore idx's ev ring. */
unsigned dp_sync_poll(struct dp *dp, unsigned idx, struct dp_sync_rec *out, unsigned n);
/* Queue records for lcore idx; returns how many fitted. */
unsigned dp_sync_push(struct dp *dp, unsigned idx, const struct dp_sync_rec *r, unsigned n);
/* Room left in lcore idx's in ring. */
unsigned dp_sync_room(struct dp *dp, unsigned idx);
/* The lcore that owns a session of these tuples on this node (its
 * LIP:lport's owner for FULLNAT, the client's hash for the other modes). */
unsigned dp_sync_owner(struct dp *dp, uint8_t fwd, uint32_t cip, uint16_t cport, uint32_t lip,
		       uint16_t lport);

/* Fault injection: lcore idx loses its next n live records as if its ring
 * were full (the markers must find and repair it). */
void dp_sync_fault_lose(struct dp *dp, unsigned idx, uint32_t n);

/* Sessions this node owns, and peers' sessions it holds (racy sums). */
void dp_sync_totals(const struct dp *dp, uint64_t *own, uint64_t *foreign);

/* For the data path (dp/ files): a session's translation state changed —
 * tell the peers now, not at the next lease. */
void dp_sync_note(struct dp_lcore *lc, struct dp_sess *s);

#endif
