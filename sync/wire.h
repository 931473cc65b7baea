/* sync/wire.h — session sync's datagrams: framing, authentication and the
 * payload codec. Pure (no EAL, no sockets): the unit tests and the fuzzer
 * drive it alone.
 *
 *   0        4   5    6       8          12        20        24        32
 *   | "MGWS" | v | ty | flags | sender   | epoch    | stream  | seq      |
 *   | payload (protobuf-c, sync/sync.proto: Batch or Control) ...        |
 *   | HMAC-SHA256 over everything before it (32 bytes)                   |
 *
 * All integers big-endian. A receiver checks the length, magic, version,
 * type and MAC before it decodes a byte of the payload; then the sender
 * against its allowlist and the replay window (sync.c); only then the
 * payload, with a bounded allocator. */
#ifndef MGW_SYNC_WIRE_H
#define MGW_SYNC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/sync_ev.h"

#define SYNC_MAGIC      0x4d475753u   /* "MGWS" */
#define SYNC_VERSION    1
#define SYNC_HDR_LEN    32
#define SYNC_MAC_LEN    32
#define SYNC_MAX_DGRAM  1400          /* fits a 1500-byte MTU with IP/UDP and room */
#define SYNC_MAX_PAYLOAD (SYNC_MAX_DGRAM - SYNC_HDR_LEN - SYNC_MAC_LEN)
#define SYNC_KEY_MAX    256
#define SYNC_MAX_ITEMS  256           /* records of any kind in one payload */

enum sync_type {
	SYNC_T_STREAM = 1,    /* reliable: a Batch, in order per (epoch, stream) */
	SYNC_T_CONTROL = 2,   /* heartbeat and acknowledgements */
};

/* Why a datagram was refused; each is counted (GET /cluster). */
#define SYNC_REFUSE_LIST(X)                                                  \
	X(SHORT,     "short")          /* shorter than header and MAC */     \
	X(OVERSIZE,  "oversize")                                             \
	X(MAGIC,     "bad_magic")                                            \
	X(VERSION,   "bad_version")                                          \
	X(TYPE,      "bad_type")                                             \
	X(MAC,       "bad_mac")        /* wrong key or altered */            \
	X(PEER,      "unknown_peer")   /* sender id or source not allowed */ \
	X(REPLAY,    "replayed")       /* old epoch, stream or sequence */   \
	X(DECODE,    "undecodable")    /* authentic but not a valid payload */ \
	X(LIMIT,     "over_limits")    /* too many items, bad field values */ \
	X(NOT_OWN,   "not_own_lip")    /* a session on a local IP the peer does not hold */ \
	X(WINDOW,    "out_of_window")  /* too far ahead of the stream */

enum sync_refuse {
#define SYNC_REFUSE_ENUM(n, s) SYNC_REFUSE_##n,
	SYNC_REFUSE_LIST(SYNC_REFUSE_ENUM)
#undef SYNC_REFUSE_ENUM
	SYNC_REFUSE_MAX
};

extern const char *const sync_refuse_names[SYNC_REFUSE_MAX];

struct sync_hdr {
	uint8_t type;
	uint16_t flags;
	uint32_t sender;      /* node id */
	uint64_t epoch;       /* the sender's boot epoch */
	uint32_t stream;      /* STREAM: the stream's generation; CONTROL: 0 */
	uint64_t seq;         /* STREAM: in the stream; CONTROL: its own counter */
};

struct sync_key {
	size_t len;
	uint8_t k[SYNC_KEY_MAX];
};

/* The key in a file: its bytes, trailing whitespace dropped (>= 16). */
int sync_key_load(const char *path, struct sync_key *out);

/* Header + payload + MAC into out (cap >= SYNC_HDR_LEN + plen + MAC).
 * Returns the datagram's length, or -EMSGSIZE. */
int sync_wire_seal(const struct sync_key *key, const struct sync_hdr *h, const uint8_t *payload,
		   size_t plen, uint8_t *out, size_t cap);

/* Check a received datagram: 0 with *h and the payload span set, or
 * -(SYNC_REFUSE_x + 1). Nothing of the payload is read. */
int sync_wire_open(const struct sync_key *key, const uint8_t *d, size_t len, struct sync_hdr *h,
		   const uint8_t **payload, size_t *plen);

/* ---- payloads ---- */

enum sync_item_kind {
	SYNC_ITEM_SESSION = 1,   /* rec: UPSERT or DELETE (kind says) */
	SYNC_ITEM_TEMPLATE,      /* rec: TEMPLATE */
	SYNC_ITEM_MARKER,        /* rec: MARKER (lcore, m) */
	SYNC_ITEM_FINISH,        /* fin */
	SYNC_ITEM_GUARD,         /* rec: GUARD (s.lip, lport, rip, rport; s.expire_ms left) */
};

struct sync_finish {
	uint32_t bulk_id;
	int32_t lcore;           /* -1: a whole bulk; else a slice */
	uint64_t count;
	uint64_t digest;
};

/* One item of a Batch, as the data plane's record (addresses IPv4 for now;
 * the wire carries them as bytes). */
struct sync_item {
	uint8_t kind;            /* enum sync_item_kind */
	struct dp_sync_rec rec;
	struct sync_finish fin;
};

/* Scratch memory for the codec (~200 kB: the decoder's bounded arena);
 * one per thread that encodes or decodes. */
struct sync_scratch;
struct sync_scratch *sync_scratch_create(void);
void sync_scratch_free(struct sync_scratch *sc);

/* Encode items[0..n) into at most cap bytes: returns how many items went
 * in (the rest for the next datagram) and *len the payload's length. */
unsigned sync_wire_batch_encode(struct sync_scratch *sc, const struct sync_item *items, unsigned n,
				uint8_t *out, size_t cap, size_t *len);
/* The encoded size of one item alone (for packing). */
size_t sync_wire_item_size(const struct sync_item *it);

/* Decode a Batch payload into items (at most max): returns how many, or
 * -(SYNC_REFUSE_x + 1) (DECODE, LIMIT). Fields out of range are refused
 * whole: a datagram is applied entirely or not at all. */
int sync_wire_batch_decode(struct sync_scratch *sc, const uint8_t *p, size_t len,
			   struct sync_item *items, unsigned max);

#define SYNC_MAX_NACKS 16
#define SYNC_MAX_BULKREQ 4
#define SYNC_MAX_LIPHOLD 64

struct sync_nack {
	uint64_t first, last;
};

struct sync_bulkreq {
	uint32_t bulk_id;
	int32_t lcore;
};

struct sync_liphold {
	uint32_t ip;             /* network order; IPv6: ip6's handle */
	bool v6;
	uint8_t ip6[16];
	uint32_t owner, holder;  /* node ids */
};

struct sync_control {
	uint32_t state;
	uint64_t config_digest;
	uint32_t lcores;
	uint32_t stream;
	uint64_t next_seq;
	uint32_t ack_stream;
	uint64_t ack_cum;
	unsigned n_nacks;
	struct sync_nack nacks[SYNC_MAX_NACKS];
	unsigned n_bulk;
	struct sync_bulkreq bulk[SYNC_MAX_BULKREQ];
	unsigned n_lips;
	struct sync_liphold lips[SYNC_MAX_LIPHOLD];
	uint64_t handback_seq;
	bool joined;
};

int sync_wire_control_encode(const struct sync_control *c, uint8_t *out, size_t cap, size_t *len);
int sync_wire_control_decode(struct sync_scratch *sc, const uint8_t *p, size_t len,
			     struct sync_control *c);

#endif
