/* mgw OSPF — internals shared by the ospf_*.c files and the unit tests.
 *
 * The protocol is a pure engine (struct ospf_eng): it is fed the time in
 * milliseconds and received packets, and hands the packets it wants sent
 * to a callback. ospf_io.c is only the socket and thread shell around it.
 */
#ifndef MGW_OSPF_INT_H
#define MGW_OSPF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_log.h>

#include "dp/bytes.h"
#include "ospf/ospf.h"

extern int mgw_logtype_ospf;
#define OSPF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_ospf, "ospf: " fmt "\n", ##__VA_ARGS__)
/* For anything a peer's packets can trigger: bounded per second. */
#define OSPF_RLOG(e, now, level, fmt, ...) do { \
	if (ospf_log_ok((e), (now))) \
		OSPF_LOG(level, fmt, ##__VA_ARGS__); \
} while (0)

/* ---- protocol constants (RFC 2328 appendix B, A.3) ---- */
#define OSPF_VERSION        2
#define OSPF_T_HELLO        1
#define OSPF_T_DBD          2
#define OSPF_T_LSR          3
#define OSPF_T_LSU          4
#define OSPF_T_LSACK        5
#define OSPF_T_MAX          5

#define OSPF_HDR_LEN        24
#define OSPF_LSA_HDR_LEN    20
#define OSPF_HELLO_LEN      20   /* fixed part after the header */
#define OSPF_DBD_LEN        8
#define OSPF_LSR_ENT_LEN    12
#define OSPF_IP_HDR_LEN     20   /* what we count for our own packets */

#define OSPF_ALL_SPF        0xE0000005u
#define OSPF_ALL_DR         0xE0000006u

#define OSPF_MAX_AGE        3600
#define OSPF_MAX_AGE_DIFF   900
#define OSPF_LS_REFRESH     1800
#define OSPF_INF_TRANS_DELAY 1
#define OSPF_MIN_LS_INTERVAL_MS 5000
#define OSPF_MIN_LS_ARRIVAL_MS  1000
#define OSPF_INITIAL_SEQ    0x80000001u
#define OSPF_MAX_SEQ        0x7fffffffu
#define OSPF_RESERVED_SEQ   0x80000000u

#define OSPF_OPT_E          0x02
#define OSPF_DBD_I          0x04
#define OSPF_DBD_M          0x02
#define OSPF_DBD_MS         0x01

#define OSPF_LSA_ROUTER     1
#define OSPF_LSA_NETWORK    2
#define OSPF_LSA_SUM_NET    3
#define OSPF_LSA_SUM_ASBR   4
#define OSPF_LSA_EXTERNAL   5

#define OSPF_LINK_PTP       1
#define OSPF_LINK_TRANSIT   2
#define OSPF_LINK_STUB      3
#define OSPF_LINK_VLINK     4

/* ---- limits that bound what a peer can make us hold ---- */
#define OSPF_MAX_NBRS       32     /* per interface */
#define OSPF_LSDB_MAX_LSAS  20000
#define OSPF_LSDB_MAX_BYTES (32u << 20)
#define OSPF_MAX_PREFIXES   512
#define OSPF_DELAYED_ACK_MS 200
#define OSPF_MAX_PKT        65535

/* ---- drop reasons: every dropped packet (or LSA) is counted by one ---- */
#define OSPF_DROPS(X) \
	X(IP_SHORT,     "ip_short")      /* shorter than an IPv4 header */ \
	X(IP_HDR,       "ip_header")     /* bad version, IHL or total length */ \
	X(IP_PROTO,     "ip_proto")      /* not protocol 89 */ \
	X(IP_FRAG,      "ip_fragment") \
	X(SHORT,        "short")         /* shorter than the OSPF header */ \
	X(VERSION,      "version") \
	X(LENGTH,       "length")        /* length field vs bytes received */ \
	X(CHECKSUM,     "checksum") \
	X(AREA,         "area") \
	X(TTL,          "ttl_security")  /* RFC 5082: a TTL below 255 */ \
	X(AUTH_TYPE,    "auth_type")     /* AuType other than the interface's */ \
	X(AUTH_KEY_ID,  "auth_key_id")   /* a Key ID we do not hold */ \
	X(AUTH_LEN,     "auth_length")   /* Auth Data Len, or no room for it */ \
	X(AUTH_DIGEST,  "auth_digest")   /* the digest does not match */ \
	X(AUTH_SEQ,     "auth_sequence") /* below the neighbour's last: a replay */ \
	X(TYPE,         "type") \
	X(OWN,          "own_router_id") \
	X(DST,          "destination") \
	X(SRC,          "source") \
	X(IFACE_DOWN,   "iface_down") \
	X(HELLO_LEN,    "hello_length") \
	X(HELLO_MASK,   "hello_mask") \
	X(HELLO_TIMERS, "hello_timers") \
	X(HELLO_OPTS,   "hello_options") \
	X(NBR_LIMIT,    "neighbour_limit") \
	X(NBR_UNKNOWN,  "neighbour_unknown") \
	X(NBR_STATE,    "neighbour_state") \
	X(DBD_LEN,      "dbd_length") \
	X(DBD_MTU,      "dbd_mtu") \
	X(DBD_IGNORED,  "dbd_ignored") \
	X(DBD_DUP,      "dbd_duplicate") \
	X(LSR_LEN,      "lsr_length") \
	X(LSU_LEN,      "lsu_length") \
	X(LSA_TRUNC,    "lsa_truncated") \
	X(LSA_LEN,      "lsa_length") \
	X(LSA_CSUM,     "lsa_checksum") \
	X(LSA_TYPE,     "lsa_type") \
	X(LSA_SEQ,      "lsa_sequence") \
	X(LSA_BODY,     "lsa_body") \
	X(LSA_ARRIVAL,  "lsa_min_arrival") \
	X(LSA_OLDER,    "lsa_older") \
	X(LSDB_FULL,    "lsdb_full") \
	X(LSACK_LEN,    "lsack_length") \
	X(NOMEM,        "no_memory")

enum ospf_drop {
#define OSPF_DROP_ENUM(n, s) OSPF_DROP_##n,
	OSPF_DROPS(OSPF_DROP_ENUM)
#undef OSPF_DROP_ENUM
	OSPF_DROP_MAX
};
extern const char *const ospf_drop_names[OSPF_DROP_MAX];

/* ---- codec (ospf_pkt.c): bounds-checked readers, writers, decoders ---- */

/* A write buffer: every put is bounds-checked; an overflow sets err and
 * later puts do nothing, so a caller checks once at the end. */
struct ospf_wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

void ospf_wbuf_init(struct ospf_wbuf *w, uint8_t *buf, size_t cap);
void ospf_put_u8(struct ospf_wbuf *w, uint8_t v);
void ospf_put_u16(struct ospf_wbuf *w, uint16_t v);
void ospf_put_u32(struct ospf_wbuf *w, uint32_t v);
void ospf_put_bytes(struct ospf_wbuf *w, const void *src, size_t n);

struct ospf_hdr {
	uint8_t version, type;
	uint16_t len;
	uint32_t rid, area;
	uint16_t csum, autype;
	uint8_t auth[8];
};

struct ospf_lsa_key {
	uint8_t type;
	uint32_t id, adv;
};

struct ospf_lsa_hdr {
	uint16_t age;
	uint8_t options, type;
	uint32_t id, adv, seq;
	uint16_t csum, len;
};

struct ospf_hello {
	uint32_t mask;
	uint16_t hello_s;
	uint8_t options, prio;
	uint32_t dead_s, dr, bdr;
	unsigned n_nbrs;
	const uint8_t *nbrs;     /* n_nbrs router IDs, 4 bytes each */
};

struct ospf_dbd {
	uint16_t mtu;
	uint8_t options, flags;
	uint32_t seq;
	unsigned n_hdrs;
	const uint8_t *hdrs;     /* n_hdrs LSA headers */
};

struct ospf_lsr {
	unsigned n;
	const uint8_t *ents;     /* n entries of 12 bytes */
};

struct ospf_lsu {
	uint32_t count;
	const uint8_t *lsas;     /* count LSAs, each length-checked */
	size_t len;
};

struct ospf_lsack {
	unsigned n;
	const uint8_t *hdrs;
};

struct ospf_pkt {
	struct ospf_hdr h;
	const uint8_t *raw;      /* the whole OSPF packet */
	union {
		struct ospf_hello hello;
		struct ospf_dbd dbd;
		struct ospf_lsr lsr;
		struct ospf_lsu lsu;
		struct ospf_lsack lsack;
	} u;
};

struct ospf_ip {
	uint32_t src, dst;
	uint8_t ttl, tos;
	const uint8_t *payload;
	size_t len;
};

/* Every decoder returns 0, or -EBADMSG with *why set. */
int ospf_ip_decode(const uint8_t *buf, size_t len, struct ospf_ip *ip,
		   enum ospf_drop *why);
int ospf_pkt_decode(const uint8_t *buf, size_t len, struct ospf_pkt *p,
		    enum ospf_drop *why);
uint16_t ospf_pkt_csum(const uint8_t *pkt, size_t len);

void ospf_lsa_hdr_get(const uint8_t *p, struct ospf_lsa_hdr *h);
void ospf_lsa_hdr_put(struct ospf_wbuf *w, const struct ospf_lsa_hdr *h);
uint32_t ospf_hello_nbr(const struct ospf_hello *h, unsigned i);
void ospf_dbd_hdr(const struct ospf_dbd *d, unsigned i, struct ospf_lsa_hdr *h);
void ospf_lsr_ent(const struct ospf_lsr *r, unsigned i, struct ospf_lsa_key *k);
void ospf_lsack_hdr(const struct ospf_lsack *a, unsigned i, struct ospf_lsa_hdr *h);
/* Steps through an LSU's LSAs (already length-checked by the decoder). */
bool ospf_lsu_next(const struct ospf_lsu *u, size_t *off,
		   const uint8_t **lsa, size_t *lsa_len);

void ospf_pkt_begin(struct ospf_wbuf *w, uint8_t type, uint32_t rid,
		    uint32_t area);
/* Fills in length and checksum; 0 or -EMSGSIZE. */
int ospf_pkt_end(struct ospf_wbuf *w);
void ospf_hello_put(struct ospf_wbuf *w, const struct ospf_hello *h,
		    const uint32_t *nbrs, unsigned n);
void ospf_dbd_put(struct ospf_wbuf *w, uint16_t mtu, uint8_t options,
		  uint8_t flags, uint32_t seq);
void ospf_lsr_put(struct ospf_wbuf *w, const struct ospf_lsa_key *k);

/* LSA bodies we understand. TOS metrics are skipped on decode. */
struct ospf_rtr_link {
	uint32_t id, data;
	uint8_t type;
	uint16_t metric;
};
int ospf_rtr_body_decode(const uint8_t *body, size_t len, uint8_t *flags,
			 struct ospf_rtr_link *links, unsigned max,
			 unsigned *n);
void ospf_rtr_body_put(struct ospf_wbuf *w, uint8_t flags,
		       const struct ospf_rtr_link *links, unsigned n);
int ospf_lsa_body_check(const uint8_t *lsa, size_t len);

/* Re-encodes a decoded packet field by field (LSA bodies of type 1 and 2
 * from their parsed form): the codec's round-trip test and a fuzz oracle. */
int ospf_pkt_reencode(const struct ospf_pkt *p, struct ospf_wbuf *w);

/* ---- authentication (ospf_auth.c) ---- */
#define OSPF_AUTYPE_NONE    0
#define OSPF_AUTYPE_SIMPLE  1
#define OSPF_AUTYPE_CRYPT   2
#define OSPF_AUTH_MAX_DIGEST 64
#define OSPF_TTL_SECURITY   255

/* Digest length of an OSPF_AUTH_* type, 0 for none or an unknown type. */
size_t ospf_auth_len(uint8_t type);
const char *ospf_auth_name(uint8_t type);
/* The digest that follows an OSPF packet of len bytes whose header already
 * holds AuType 2, Key ID, Auth Data Len and sequence number: keyed MD5
 * (RFC 2328 D.4.3: MD5 over the packet and the key padded to 16 bytes) or
 * HMAC-SHA (RFC 5709 3.3: over the packet and Apad, L bytes of 0x878FE1F3).
 * out gets ospf_auth_len(type) bytes. 0, -EINVAL (bad type or key), -EIO. */
int ospf_auth_digest(uint8_t type, const uint8_t *key, size_t key_len,
		     const uint8_t *pkt, size_t len, uint8_t *out);

struct ospf_iface;
struct ospf_eng;
/* Fills in the authentication of a finished packet pkt[0..len) (which
 * ospf_pkt_end() checksummed as AuType 0) for the interface, into out
 * (cap bytes): the same packet, or with AuType 2, no checksum, the next
 * sequence number and the digest after it. Returns the length to send,
 * or 0 when it does not fit or the digest fails. */
size_t ospf_auth_sign(struct ospf_eng *e, const struct ospf_iface *ifa,
		      const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);
/* Checks a decoded packet against its interface's authentication: the
 * AuType, and for AuType 2 the Key ID, the length and the digest (in
 * buf[p->h.len..len)). *seq gets the packet's cryptographic sequence
 * number; the caller checks it against the neighbour (D.5.2). 0, or
 * -EBADMSG with *why. */
int ospf_auth_check(const struct ospf_iface *ifa, const uint8_t *buf, size_t len,
		    const struct ospf_pkt *p, uint32_t *seq, enum ospf_drop *why);
/* The sequence number the next packet carries (non-decreasing). */
uint32_t ospf_auth_next_seq(struct ospf_eng *e);

/* ---- LSAs (ospf_lsa.c) ---- */
uint16_t ospf_fletcher(const uint8_t *lsa, size_t len);  /* value to store */
bool ospf_lsa_csum_ok(const uint8_t *lsa, size_t len);
void ospf_lsa_csum_set(uint8_t *lsa, size_t len);
/* RFC 2328 13.1: >0 if a is the more recent instance, <0 if b, 0 same. */
int ospf_lsa_cmp(const struct ospf_lsa_hdr *a, const struct ospf_lsa_hdr *b);
static inline bool ospf_key_eq(const struct ospf_lsa_key *a,
			       const struct ospf_lsa_key *b)
{
	return a->type == b->type && a->id == b->id && a->adv == b->adv;
}

/* ---- LSDB (ospf_lsdb.c) ---- */
struct ospf_lsa {
	struct ospf_lsa *next;   /* hash chain */
	struct ospf_lsa_hdr h;   /* h.age is the age at install_ms */
	uint64_t install_ms;
	uint64_t sent_ms;        /* last sent to a neighbour (13 (8)) */
	bool has_sent;
	uint64_t lsr_sent_ms;    /* last sent to answer a request */
	bool lsr_sent;
	bool flushed;            /* MaxAge and already flooded as such */
	uint8_t *data;           /* the whole LSA, header included */
	size_t len;
};

struct ospf_lsdb {
	struct ospf_lsa **b;
	unsigned nb, count;
	size_t bytes;
};

int ospf_lsdb_init(struct ospf_lsdb *db);
void ospf_lsdb_free(struct ospf_lsdb *db);
struct ospf_lsa *ospf_lsdb_find(const struct ospf_lsdb *db,
				const struct ospf_lsa_key *k);
/* Installs a copy of the LSA bytes, replacing any instance with the same
 * key. -ENOSPC when the database limits are reached, -ENOMEM. */
int ospf_lsdb_install(struct ospf_lsdb *db, const uint8_t *lsa, size_t len,
		      uint64_t now, struct ospf_lsa **out);
void ospf_lsdb_remove(struct ospf_lsdb *db, struct ospf_lsa *l);
uint16_t ospf_lsa_age(const struct ospf_lsa *l, uint64_t now);
/* The header with the current age. */
void ospf_lsa_cur_hdr(const struct ospf_lsa *l, uint64_t now,
		      struct ospf_lsa_hdr *h);
static inline void ospf_lsa_key_of(const struct ospf_lsa_hdr *h,
				   struct ospf_lsa_key *k)
{
	k->type = h->type;
	k->id = h->id;
	k->adv = h->adv;
}
#define OSPF_LSDB_FOREACH(db, i, l) \
	for (unsigned i = 0; i < (db)->nb; i++) \
		for (struct ospf_lsa *l = (db)->b[i]; l; l = l->next)

/* A neighbour's list of LSA instances (summary, request, retransmission). */
struct ospf_kent {
	struct ospf_lsa_hdr h;
	bool sent;               /* request list: in the LSR in flight */
};

struct ospf_klist {
	struct ospf_kent *v;
	unsigned n, cap;
};

int ospf_klist_add(struct ospf_klist *l, const struct ospf_lsa_hdr *h);
int ospf_klist_find(const struct ospf_klist *l, const struct ospf_lsa_key *k);
void ospf_klist_del(struct ospf_klist *l, unsigned i);
void ospf_klist_clear(struct ospf_klist *l);
void ospf_klist_free(struct ospf_klist *l);

/* ---- neighbours (ospf_nbr.c) ---- */
enum ospf_nbr_state {
	OSPF_NS_DOWN,
	OSPF_NS_INIT,
	OSPF_NS_2WAY,
	OSPF_NS_EXSTART,
	OSPF_NS_EXCHANGE,
	OSPF_NS_LOADING,
	OSPF_NS_FULL,
	OSPF_NS_MAX
};

enum ospf_nbr_event {
	OSPF_NE_HELLO_RX,
	OSPF_NE_2WAY_RX,
	OSPF_NE_NEG_DONE,
	OSPF_NE_EXCH_DONE,
	OSPF_NE_BAD_LSREQ,
	OSPF_NE_LOAD_DONE,
	OSPF_NE_ADJ_OK,
	OSPF_NE_SEQ_MISMATCH,
	OSPF_NE_1WAY_RX,
	OSPF_NE_KILL,
	OSPF_NE_INACTIVITY,
	OSPF_NE_LL_DOWN,
	OSPF_NE_MAX
};

struct ospf_iface;

struct ospf_nbr {
	struct ospf_iface *ifa;
	uint32_t rid, addr;
	uint8_t prio, options;
	uint32_t dr, bdr;           /* as the neighbour declares them */
	enum ospf_nbr_state state;
	uint64_t since_ms;
	uint64_t dead_at;

	/* database exchange (10.6, 10.8) */
	bool master;                /* true: we are master */
	uint32_t dd_seq;
	bool have_last_rx;
	uint8_t last_rx_flags, last_rx_options;
	uint32_t last_rx_seq;
	uint8_t *dbd_last;          /* our last DBD, for retransmission */
	size_t dbd_last_len;
	bool dbd_more;              /* M bit of our last DBD */
	uint64_t dbd_rxmt_at;       /* master: resend dbd_last */
	uint64_t dbd_sent_ms;
	uint64_t dbd_hold_until;    /* slave: keep dbd_last until then */

	struct ospf_klist summary, request, retrans;
	uint64_t lsr_rxmt_at, lsu_rxmt_at;

	/* D.5.2: the highest cryptographic sequence number accepted */
	bool has_auth_seq;
	uint32_t auth_seq;
};

const char *ospf_nbr_state_name(enum ospf_nbr_state s);
const char *ospf_nbr_event_name(enum ospf_nbr_event ev);
struct ospf_nbr *ospf_nbr_new(struct ospf_iface *ifa, uint32_t rid,
			      uint32_t addr, uint64_t now);
void ospf_nbr_free(struct ospf_nbr *n);
/* Runs one event through the table; the neighbour is not freed here (one
 * in Down is reaped by ospf_iface_reap). */
void ospf_nbr_event(struct ospf_nbr *n, uint64_t now, enum ospf_nbr_event ev);
bool ospf_nbr_want_adj(const struct ospf_nbr *n);

/* ---- interfaces (ospf_iface.c) ---- */
enum ospf_if_state {
	OSPF_IS_DOWN,
	OSPF_IS_PTP,
	OSPF_IS_DROTHER,
	OSPF_IS_MAX
};

enum ospf_if_event {
	OSPF_IE_UP,
	OSPF_IE_NBR_CHANGE,
	OSPF_IE_DOWN,
	OSPF_IE_MAX
};

struct ospf_eng;

struct ospf_iface {
	struct ospf_eng *e;
	unsigned idx;
	struct ospf_iface_conf c;
	uint32_t mask;
	uint64_t rxmt_ms;
	enum ospf_if_state state;
	uint64_t since_ms;
	uint64_t hello_at;
	struct ospf_nbr *nbrs[OSPF_MAX_NBRS];
	unsigned n_nbrs;
	uint32_t dr, bdr;           /* elected, interface addresses (bcast) */
	bool nbr_change;            /* NeighborChange to run (9.2) */
	uint64_t quick_hello_ms;    /* last unscheduled Hello */
	struct ospf_lsa_hdr *acks;  /* delayed acknowledgements */
	unsigned n_acks, cap_acks;
	uint64_t ack_at;
};

const char *ospf_iface_state_name(enum ospf_if_state s);
void ospf_iface_event(struct ospf_iface *ifa, uint64_t now,
		      enum ospf_if_event ev);
struct ospf_nbr *ospf_iface_find_nbr(struct ospf_iface *ifa, uint32_t rid,
				     uint32_t src);
void ospf_iface_reap(struct ospf_iface *ifa);
void ospf_iface_tick(struct ospf_iface *ifa, uint64_t now);
uint64_t ospf_iface_next(const struct ospf_iface *ifa);
/* Largest OSPF packet (no IP header) that fits the interface MTU. */
size_t ospf_iface_max_pkt(const struct ospf_iface *ifa);
/* Sends a finished packet; dst 0 means "the flooding address" (AllSPF on
 * p2p and for a DR, AllDRouters for a DROther). */
void ospf_iface_send(struct ospf_iface *ifa, uint32_t dst, uint8_t type,
		     const uint8_t *pkt, size_t len);
uint32_t ospf_iface_flood_dst(const struct ospf_iface *ifa);
uint32_t ospf_nbr_dst(const struct ospf_nbr *n);

/* ---- per-packet handlers ---- */
void ospf_hello_send(struct ospf_iface *ifa, uint64_t now, bool goodbye);
void ospf_hello_rx(struct ospf_iface *ifa, uint64_t now, uint32_t src,
		   const struct ospf_pkt *p);

void ospf_dbd_start(struct ospf_nbr *n, uint64_t now);   /* enter ExStart */
void ospf_dbd_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p);
void ospf_dbd_tick(struct ospf_nbr *n, uint64_t now);

void ospf_lsr_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p);
void ospf_lsr_send(struct ospf_nbr *n, uint64_t now);
void ospf_lsr_next(struct ospf_nbr *n, uint64_t now);
void ospf_lsr_tick(struct ospf_nbr *n, uint64_t now);

void ospf_lsu_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p);
/* Floods a database copy to every adjacency (13.3); from is the
 * neighbour it came from, or NULL for our own. Returns whether it went
 * back out the interface it arrived on. */
bool ospf_flood(struct ospf_eng *e, uint64_t now, struct ospf_lsa *l,
		struct ospf_nbr *from);
/* Sends the listed database copies to one neighbour in as few LSUs as fit. */
void ospf_lsu_send_list(struct ospf_nbr *n, uint64_t now,
			struct ospf_lsa **ls, unsigned cnt);
void ospf_lsu_tick(struct ospf_nbr *n, uint64_t now);
void ospf_retrans_remove_all(struct ospf_eng *e, const struct ospf_lsa_key *k);

void ospf_lsack_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p);
void ospf_ack_delayed(struct ospf_iface *ifa, uint64_t now,
		      const struct ospf_lsa_hdr *h);
void ospf_ack_direct(struct ospf_nbr *n, uint64_t now,
		     const struct ospf_lsa_hdr *h);
void ospf_ack_flush(struct ospf_iface *ifa, uint64_t now);

/* ---- own router-LSA (ospf_lsa.c) ---- */
/* Builds the router-LSA body we would originate now. */
int ospf_rtr_build(struct ospf_eng *e, struct ospf_rtr_link *links,
		   unsigned max, unsigned *n);
void ospf_orig_schedule(struct ospf_eng *e, uint64_t now, bool force);
void ospf_orig_run(struct ospf_eng *e, uint64_t now);
/* A newer instance of an LSA we originate arrived (13.4). */
void ospf_orig_self_rx(struct ospf_eng *e, uint64_t now, struct ospf_lsa *l);
bool ospf_lsa_is_self(const struct ospf_eng *e, const struct ospf_lsa_hdr *h);
/* Premature aging of our router-LSA (14.1); true if there was one. */
bool ospf_orig_flush(struct ospf_eng *e, uint64_t now);
void ospf_lsdb_age_tick(struct ospf_eng *e, uint64_t now);

/* ---- the engine (ospf_eng.c) ---- */
typedef void (*ospf_send_fn)(void *arg, unsigned ifi, uint32_t dst,
			     const uint8_t *pkt, size_t len);

struct ospf_counters {
	uint64_t rx[OSPF_T_MAX + 1], tx[OSPF_T_MAX + 1];
	uint64_t drops[OSPF_DROP_MAX];
	uint64_t originations, flushes, rxmt, nbr_changes;
	uint64_t auth_tx_errors;    /* packets not sent: no digest */
};

struct ospf_eng {
	uint32_t rid, area;
	unsigned n_ifaces;
	struct ospf_iface ifaces[OSPF_MAX_IFACES];
	ospf_send_fn send;
	void *send_arg;
	struct ospf_lsdb db;
	struct ospf_prefix pfx[OSPF_MAX_PREFIXES];
	unsigned n_pfx;

	/* our router-LSA */
	bool orig_pending;          /* content may have changed */
	bool orig_force;            /* originate even if unchanged */
	bool orig_bump;             /* 13.4: now, MinLSInterval or not */
	uint32_t next_seq;          /* at least this sequence number next */
	bool have_orig;
	uint64_t last_orig_ms;
	uint64_t orig_at;           /* earliest time for the pending one */
	bool stopping;
	uint64_t age_at;            /* next LSDB aging pass */

	/* cryptographic sequence numbers (ospf_auth.c): auth_seq0 plus the
	 * seconds since start_ms, never below the last one sent */
	uint32_t auth_seq0, auth_seq_last;
	uint64_t start_ms;
	uint64_t now_ms;            /* of the entry point being run */
	uint8_t auth_tx[OSPF_MAX_PKT + OSPF_AUTH_MAX_DIGEST];

	struct ospf_counters cnt;
	uint32_t rng;
	uint64_t log_window;
	unsigned log_budget;
	uint64_t log_suppressed;
};

/* Validates; errmsg gets a human-readable reason. -EINVAL on error. */
int ospf_conf_check(const struct ospf_conf *c, char *errmsg, size_t errlen);
int ospf_eng_create(const struct ospf_conf *c, ospf_send_fn send, void *arg,
		    uint32_t seed, struct ospf_eng **out);
void ospf_eng_destroy(struct ospf_eng *e);
/* The interface's real MTU, before ospf_eng_start. */
void ospf_eng_set_mtu(struct ospf_eng *e, unsigned ifi, uint16_t mtu);
void ospf_eng_start(struct ospf_eng *e, uint64_t now);
/* buf is the OSPF packet (IP header removed); src/dst from the IP header. */
void ospf_eng_input(struct ospf_eng *e, uint64_t now, unsigned ifi,
		    uint32_t src, uint32_t dst, const uint8_t *buf, size_t len);
/* Same with the IPv4 header still on (as a raw socket delivers it). */
void ospf_eng_input_ip(struct ospf_eng *e, uint64_t now, unsigned ifi,
		       const uint8_t *buf, size_t len);
void ospf_eng_tick(struct ospf_eng *e, uint64_t now);
/* Absolute time of the next timer, UINT64_MAX if none. */
uint64_t ospf_eng_next(const struct ospf_eng *e);
int ospf_eng_announce(struct ospf_eng *e, uint64_t now,
		      const struct ospf_prefix *p, unsigned n);
/* Begins stopping: flushes our LSA; true while acks are still awaited. */
void ospf_eng_flush(struct ospf_eng *e, uint64_t now);
bool ospf_eng_flush_pending(const struct ospf_eng *e);
/* Last words: Hellos listing no neighbour, so peers drop us at once. */
void ospf_eng_goodbye(struct ospf_eng *e, uint64_t now);
int ospf_eng_status_json(struct ospf_eng *e, uint64_t now, json_t **out);

void ospf_drop(struct ospf_eng *e, uint64_t now, enum ospf_drop why,
	       uint32_t src);
bool ospf_log_ok(struct ospf_eng *e, uint64_t now);
struct ospf_lsa *ospf_self_lsa(struct ospf_eng *e);
uint32_t ospf_eng_rand(struct ospf_eng *e);
/* The engine's work after any input or timer: pending origination,
 * requests, delayed acks, neighbours to delete. */
void ospf_eng_settle(struct ospf_eng *e, uint64_t now);
/* Calls the send callback and counts. */
void ospf_eng_send(struct ospf_eng *e, unsigned ifi, uint32_t dst,
		   uint8_t type, const uint8_t *pkt, size_t len);

static inline uint64_t ospf_min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Dotted quad of a host-order address into a caller's buffer. */
const char *ospf_ntoa(uint32_t a, char buf[16]);

#endif
