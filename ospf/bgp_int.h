/* BGP speaker internals, shared by ospf/bgp_*.c and their unit tests.
 *
 * Layers, bottom up:
 *   bgp_msg.c    codec: bytes <-> structs, with RFC 4271 §6 error codes
 *   bgp_fsm.c    the §8 state machine as a table, timers, transitions
 *   bgp_peer.c   the engine: stream reassembly, message dispatch,
 *                connections and collisions (§6.8)
 *   bgp_rib.c    the announced set and the UPDATEs that carry its changes
 *   bgp_status.c JSON status
 *   bgp_io.c     sockets, epoll and the thread (the only file with I/O)
 *
 * The engine (struct bgp_eng) is pure: it takes the time in ms and the
 * bytes received on each connection, and asks for bytes to be sent and
 * connections to be opened or closed through struct bgp_eng_ops.
 */
#ifndef MGW_BGP_INT_H
#define MGW_BGP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <rte_log.h>

#include "dp/bytes.h"
#include "ospf/bgp.h"

extern int mgw_logtype_bgp;
#define BGP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_bgp, "BGP: " fmt "\n", ##__VA_ARGS__)

/* ---- wire format (RFC 4271 §4) ---------------------------------------- */

#define BGP_HDR_LEN        19
#define BGP_MAX_MSG        4096
#define BGP_MIN_OPEN       29
#define BGP_MIN_UPDATE     23
#define BGP_MIN_NOTIF      21
#define BGP_RR_LEN         23		/* ROUTE-REFRESH, RFC 2918 */
#define BGP_VERSION        4
#define BGP_AS_TRANS       23456	/* RFC 6793 */
#define BGP_MAX_ERR_DATA   (BGP_MAX_MSG - BGP_MIN_NOTIF)

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
	BGP_MSG_TYPES
};

/* NOTIFICATION error codes (§4.5) and subcodes (§6, RFC 4486, 5492, 6608) */
enum {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
};
enum {
	BGP_HDR_NOT_SYNC = 1, BGP_HDR_BAD_LEN = 2, BGP_HDR_BAD_TYPE = 3,
};
enum {
	BGP_OPEN_UNSPEC = 0, BGP_OPEN_BAD_VERSION = 1, BGP_OPEN_BAD_AS = 2,
	BGP_OPEN_BAD_ID = 3, BGP_OPEN_BAD_PARAM = 4, BGP_OPEN_BAD_HOLD = 6,
	BGP_OPEN_BAD_CAP = 7,
};
enum {
	BGP_UPD_MALFORMED_LIST = 1, BGP_UPD_UNKNOWN_WELLKNOWN = 2,
	BGP_UPD_MISSING_WELLKNOWN = 3, BGP_UPD_FLAGS = 4, BGP_UPD_LENGTH = 5,
	BGP_UPD_ORIGIN = 6, BGP_UPD_NEXT_HOP = 8, BGP_UPD_OPTIONAL = 9,
	BGP_UPD_NETWORK = 10, BGP_UPD_AS_PATH = 11,
};
enum {
	BGP_FSM_UNSPEC = 0, BGP_FSM_IN_OPENSENT = 1, BGP_FSM_IN_OPENCONFIRM = 2,
	BGP_FSM_IN_ESTABLISHED = 3,
};
enum {
	BGP_CEASE_MAX_PREFIX = 1, BGP_CEASE_SHUTDOWN = 2, BGP_CEASE_DECONF = 3,
	BGP_CEASE_RESET = 4, BGP_CEASE_REJECTED = 5, BGP_CEASE_CONFIG = 6,
	BGP_CEASE_COLLISION = 7, BGP_CEASE_RESOURCES = 8,
};

/* path attribute type codes and flags (§4.3, RFC 4760, 6793) */
enum {
	BGP_ATTR_ORIGIN = 1, BGP_ATTR_AS_PATH = 2, BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4, BGP_ATTR_LOCAL_PREF = 5, BGP_ATTR_ATOMIC_AGGR = 6,
	BGP_ATTR_AGGREGATOR = 7, BGP_ATTR_COMMUNITIES = 8, BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10, BGP_ATTR_MP_REACH = 14, BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16, BGP_ATTR_AS4_PATH = 17, BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};
#define BGP_AF_OPTIONAL    0x80
#define BGP_AF_TRANSITIVE  0x40
#define BGP_AF_PARTIAL     0x20
#define BGP_AF_EXTLEN      0x10

/* address families (RFC 4760 §2; IANA AFI, SAFI) */
#define BGP_AFI_IPV4       1
#define BGP_AFI_IPV6       2
#define BGP_SAFI_UNICAST   1
/* RFC 2545 §3: a global address, or a global then a link-local one */
#define BGP_NH6_LEN        16
#define BGP_NH6_LL_LEN     32

#define BGP_ORIGIN_IGP     0
#define BGP_AS_SET         1
#define BGP_AS_SEQUENCE    2

/* capability codes (RFC 5492) */
enum { BGP_CAP_MP = 1, BGP_CAP_AS4 = 65 };
#define BGP_OPT_CAPS       2	/* optional parameter type: capabilities */

/* What to put in a NOTIFICATION. data holds a copy because the message it
 * quotes may be gone by the time the NOTIFICATION is written. */
struct bgp_err {
	uint8_t code;
	uint8_t sub;
	uint16_t len;
	uint8_t data[BGP_MAX_ERR_DATA];
};

struct bgp_hdr {
	uint16_t len;
	uint8_t type;
};

#define BGP_MAX_CAPS 32
struct bgp_cap {
	uint8_t code;
	uint8_t len;
	const uint8_t *val;	/* points into the decoded message */
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as;		/* the 2-octet field */
	uint16_t hold_s;
	uint32_t id;
	unsigned n_caps;	/* stored in caps[] (the rest are skipped) */
	struct bgp_cap caps[BGP_MAX_CAPS];
	bool has_caps;		/* a Capabilities parameter was present */
	bool as4;		/* 4-octet AS capability */
	uint32_t as4_val;
	bool mp_any;		/* any multiprotocol capability */
	bool mp_ipv4;		/* ... for IPv4 unicast */
	bool mp_ipv6;		/* ... for IPv6 unicast */
};

/* RFC 7606: what a malformed attribute costs, weakest first. A session
 * reset is the decoder's -EBADMSG; these leave the session up. */
enum bgp_upd_verdict {
	BGP_UPD_OK,
	BGP_UPD_ATTR_DISCARD,		/* §2: the attribute is dropped, the routes stay */
	BGP_UPD_TREAT_AS_WITHDRAW,	/* §2: the UPDATE's NLRI count as withdrawn */
};

/* Why, one bit each in bgp_update.reasons; counted per peer. */
#define BGP_7606_REASONS(X) \
	X(ATTR_LIST,   "attribute_list")     /* an attribute overruns the field (§4) */ \
	X(DUPLICATE,   "duplicate")          /* a second one of a type: discarded (§3) */ \
	X(FLAGS,       "flags")              /* Optional/Transitive bits wrong (§3) */ \
	X(MISSING,     "missing_well_known") /* ORIGIN, AS_PATH or NEXT_HOP absent (§3) */ \
	X(ORIGIN,      "origin")             /* §7.1 */ \
	X(AS_PATH,     "as_path")            /* §7.2 */ \
	X(NEXT_HOP,    "next_hop")           /* §7.3 */ \
	X(MED,         "med")                /* §7.4 */ \
	X(LOCAL_PREF,  "local_pref")         /* §7.5 */ \
	X(ATOMIC_AGGR, "atomic_aggregate")   /* §7.6: discarded */ \
	X(AGGREGATOR,  "aggregator")         /* §7.7: discarded */ \
	X(COMMUNITIES, "communities")        /* §7.8, 7.14, RFC 8092 §6 */ \
	X(RR,          "route_reflection")   /* ORIGINATOR_ID, CLUSTER_LIST: §7.9, 7.10 */ \
	X(AS4,         "as4_path")           /* AS4_PATH, AS4_AGGREGATOR: RFC 6793 §6, discarded */ \
	X(MP_NEXT_HOP, "mp_next_hop")        /* MP_REACH's next hop not a unicast address (§7.11) */

enum bgp_7606_reason {
#define BGP_7606_ENUM(n, s) BGP_7606_##n,
	BGP_7606_REASONS(BGP_7606_ENUM)
#undef BGP_7606_ENUM
	BGP_7606_MAX
};
extern const char *const bgp_7606_names[BGP_7606_MAX];

/* bgp_msg_update_decode() options */
#define BGP_UPD_AS4  0x1	/* 4-octet AS numbers were negotiated */
#define BGP_UPD_EBGP 0x2	/* from an external peer (LOCAL_PREF is discarded) */

/* One MP_REACH_NLRI or MP_UNREACH_NLRI attribute (RFC 4760 §3, §4),
 * validated. The prefixes are read (bgp_msg_prefix_next) only for the
 * unicast families; of any other, the framing alone is checked. */
struct bgp_mp {
	bool present;
	uint16_t afi;
	uint8_t safi;
	uint8_t nh_len;		/* MP_REACH: 16 or 32 for IPv6 unicast */
	const uint8_t *nh;
	const uint8_t *nlri;	/* the NLRI / withdrawn routes field */
	uint16_t nlri_len;
	unsigned n;		/* prefixes in it (unicast families) */
};

static inline bool bgp_mp_is(const struct bgp_mp *m, uint16_t afi)
{
	return m->present && m->afi == afi && m->safi == BGP_SAFI_UNICAST;
}

#define BGP_MAX_PATH 16
struct bgp_update {
	const uint8_t *wd;	/* withdrawn routes field, validated */
	uint16_t wd_len;
	unsigned n_wd;
	const uint8_t *nlri;	/* NLRI field, validated */
	uint16_t nlri_len;
	unsigned n_nlri;
	uint16_t attrs_len;
	uint8_t seen[32];	/* bitmap of attribute type codes present */
	uint8_t origin;
	uint32_t next_hop;
	uint32_t med;
	uint32_t local_pref;
	unsigned path_total;	/* ASes in AS_PATH (an AS_SET counts its members) */
	unsigned path_len;	/* leading AS_SEQUENCE members kept in path[] */
	uint32_t path[BGP_MAX_PATH];
	unsigned n_unknown;	/* optional attributes we ignored */
	struct bgp_mp reach, unreach;
	bool eor;		/* End-of-RIB for IPv4 unicast (RFC 4724) */
	bool eor6;		/* ... for IPv6 unicast: an empty MP_UNREACH alone */
	/* RFC 7606 */
	uint8_t verdict;	/* enum bgp_upd_verdict: the strongest one */
	uint32_t reasons;	/* 1 << enum bgp_7606_reason, each that occurred */
	unsigned n_discarded;	/* attributes dropped by attribute discard */
	uint8_t first_type;	/* the first malformed attribute's type (0: none) */
};

struct bgp_notif {
	uint8_t code;
	uint8_t sub;
	uint16_t len;
	const uint8_t *data;
};

/* What bgp_msg_update_encode() puts in front of the NLRI. */
struct bgp_attrs_out {
	uint8_t origin;
	bool as4;		/* 4-octet AS numbers in AS_PATH */
	unsigned path_len;	/* one AS_SEQUENCE; 0 = empty AS_PATH */
	uint32_t path[BGP_MAX_PATH];
	uint32_t next_hop;
	uint8_t next_hop6[16];	/* IPv6 unicast: MP_REACH's next hop */
	bool has_med;
	uint32_t med;
	bool has_local_pref;
	uint32_t local_pref;
};

static inline bool bgp_update_has(const struct bgp_update *u, uint8_t type)
{
	return u->seen[type >> 3] & (1u << (type & 7));
}

/* Decoders take a whole message (header included) of len bytes; they
 * return 0, or -EBADMSG with err filled as §6 says. */
int bgp_msg_hdr_decode(const uint8_t *msg, size_t len, struct bgp_hdr *h,
		       struct bgp_err *err);
int bgp_msg_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o,
			struct bgp_err *err);
/* An UPDATE with RFC 7606's error handling: -EBADMSG (err filled) only
 * where the session must be reset (framing of the message, withdrawn routes
 * or NLRI, MP_REACH/MP_UNREACH, an unknown well-known attribute); for a
 * malformed attribute, 0 with u->verdict saying what became of it. opts:
 * BGP_UPD_*. */
int bgp_msg_update_decode(const uint8_t *msg, size_t len, unsigned opts,
			  struct bgp_update *u, struct bgp_err *err);
int bgp_msg_notif_decode(const uint8_t *msg, size_t len, struct bgp_notif *n);
/* Next prefix of a validated withdrawn-routes or NLRI field (IPv6
 * unicast when v6: an MP attribute's); 1 if one was read, 0 at the end. */
int bgp_msg_prefix_next(const uint8_t *field, size_t len, bool v6, size_t *off,
			struct bgp_prefix *out);

/* Encoders return the message length, or -ENOSPC. */
int bgp_msg_open_encode(uint8_t *buf, size_t cap, const struct bgp_open *o);
int bgp_msg_keepalive_encode(uint8_t *buf, size_t cap);
int bgp_msg_notif_encode(uint8_t *buf, size_t cap, uint8_t code, uint8_t sub,
			 const uint8_t *data, size_t len);
/* One UPDATE with as many of wd[] then nlri[] as fit in BGP_MAX_MSG;
 * *wd_done / *nlri_done say how many went in. a may be NULL when there is
 * no NLRI. With nothing at all it is an End-of-RIB. When !a->as4 and an AS
 * does not fit 2 octets, AS_PATH carries AS_TRANS and AS4_PATH follows.
 * v6: the prefixes are IPv6 unicast and go in MP_UNREACH_NLRI (then that
 * alone: an UPDATE that withdraws announces nothing) or MP_REACH_NLRI
 * with a->next_hop6; the End-of-RIB is an empty MP_UNREACH_NLRI. A prefix
 * of the other family ends the list. */
int bgp_msg_update_encode(uint8_t *buf, size_t cap, bool v6, const struct bgp_attrs_out *a,
			  const struct bgp_prefix *wd, unsigned n_wd,
			  const struct bgp_prefix *nlri, unsigned n_nlri,
			  unsigned *wd_done, unsigned *nlri_done);
const char *bgp_msg_type_name(unsigned type);
const char *bgp_msg_err_name(uint8_t code, uint8_t sub);

/* ---- the engine --------------------------------------------------------- */

enum bgp_state {
	BGP_ST_IDLE,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
	BGP_ST_MAX
};

/* The §8.1 events this speaker uses (RFC numbers in the names' comments). */
enum bgp_event {
	BGP_EV_START,		/* 1  ManualStart */
	BGP_EV_STOP,		/* 2  ManualStop */
	BGP_EV_IDLE_HOLD_EXP,	/* 13 IdleHoldTimer_Expires (automatic restart) */
	BGP_EV_RETRY_EXP,	/* 9  ConnectRetryTimer_Expires */
	BGP_EV_HOLD_EXP,	/* 10 HoldTimer_Expires */
	BGP_EV_KEEPALIVE_EXP,	/* 11 KeepaliveTimer_Expires */
	BGP_EV_TCP_UP,		/* 16/17 Tcp_CR_Acked, TcpConnectionConfirmed */
	BGP_EV_TCP_FAILS,	/* 18 TcpConnectionFails */
	BGP_EV_OPEN,		/* 19 BGPOpen */
	BGP_EV_HDR_ERR,		/* 21 BGPHeaderErr */
	BGP_EV_OPEN_ERR,	/* 22 BGPOpenMsgErr */
	BGP_EV_NOTIF,		/* 24/25 NotifMsgVerErr, NotifMsg */
	BGP_EV_KEEPALIVE,	/* 26 KeepAliveMsg */
	BGP_EV_UPDATE,		/* 27 UpdateMsg */
	BGP_EV_UPDATE_ERR,	/* 28 UpdateMsgErr */
	BGP_EV_REFRESH,		/* ROUTE-REFRESH received (RFC 2918) */
	BGP_EV_MAX
};

/* Timers, in ms. */
#define BGP_CONNECT_TIMEOUT_MS  5000	/* Connect: give up a TCP attempt */
#define BGP_BACKOFF_MIN_MS      1000	/* first wait after a failure ... */
#define BGP_BACKOFF_MAX_MS      30000	/* ... doubling up to this */
#define BGP_STABLE_MS           30000	/* Established this long resets it */
#define BGP_OPEN_HOLD_MS        240000	/* §8.2.2: "large value" in OpenSent */
#define BGP_DEFAULT_LOCAL_PREF  100

/* Operations the engine asks of its shell. Every cid the engine has been
 * given (by connect() or bgp_eng_accept()) is released by exactly one
 * close(); none of these may call back into the engine. */
struct bgp_eng_ops {
	/* Starts a non-blocking connection; returns a cid >= 0 whose outcome
	 * comes back as bgp_eng_connected() or bgp_eng_closed(), or -errno. */
	int (*connect)(void *ctx, unsigned peer, uint32_t addr, uint16_t port);
	/* Queues bytes; 0 or -errno (the connection is then treated as lost). */
	int (*send)(void *ctx, int cid, const uint8_t *buf, size_t len);
	/* Flushes what is queued (best effort) and closes. */
	void (*close)(void *ctx, int cid);
};

enum bgp_drop {
	BGP_DROP_ACCEPT_UNKNOWN,	/* connection from an unconfigured address */
	BGP_DROP_ACCEPT_STATE,		/* refused in Idle, Established, or busy */
	BGP_DROP_SEND_FAILED,
	BGP_DROP_MAX
};

/* At most BGP_LOG_BURST messages per second for what a peer controls. */
#define BGP_LOG_BURST 10
struct bgp_ratelim {
	uint64_t window_ms;
	unsigned count;
	uint64_t suppressed;
};

struct bgp_conn {
	int cid;		/* -1: none */
	bool outgoing;		/* we initiated it */
	bool up;		/* TCP established (not only an attempt) */
	bool failed;		/* a send failed: TcpConnectionFails pending */
	uint32_t local_addr;
	uint64_t hold_at;	/* collision candidate only: its hold timer */
	uint16_t rx_len;	/* reassembly of one message */
	uint8_t rx[BGP_MAX_MSG];
};

struct bgp_peer {
	struct bgp_eng *eng;
	unsigned idx;
	struct bgp_peer_conf conf;
	char name[16];		/* dotted quad, for logs and JSON */
	enum bgp_state state;
	uint64_t since_ms;	/* last state change */
	uint64_t up_ms;		/* entered Established */
	bool admin_up;		/* started and not stopped */
	bool send_caps;		/* cleared when the peer refuses them */
	bool fast_retry;	/* next automatic start without back-off */

	struct bgp_conn conn;	/* the connection the FSM runs on */
	struct bgp_conn cand;	/* an incoming one that collides (§6.8) */

	uint64_t t_retry, t_hold, t_keepalive, t_idle_hold;	/* 0 = off */
	uint32_t backoff_ms;

	/* negotiated in OpenConfirm */
	uint32_t hold_ms, keepalive_ms;
	bool as4, ipv4;
	bool ipv6;		/* IPv6 unicast: both offered it (never without a next hop) */
	bool nh6_warned;	/* logged once that v6 routes cannot go to it */
	uint32_t remote_id, remote_as;
	uint16_t remote_hold_s;

	/* the message behind the event being handled */
	const struct bgp_open *rx_open;
	const struct bgp_notif *rx_notif;
	struct bgp_err err;	/* what the next NOTIFICATION carries */

	/* Adj-RIB-Out: what this peer holds from us, sorted */
	struct bgp_prefix *adv;
	unsigned n_adv, cap_adv;

	struct {
		uint8_t code, sub;
		bool sent;	/* by us, or received */
		uint64_t at_ms;
	} last_err;
	bool has_err;

	uint64_t msgs_in[BGP_MSG_TYPES], msgs_out[BGP_MSG_TYPES];
	uint64_t prefixes_rx, withdrawn_rx, eor_rx, unknown_attrs_rx;
	uint64_t prefixes6_rx, withdrawn6_rx, eor6_rx;	/* IPv6 unicast, in MP attributes */
	/* RFC 7606: UPDATEs treated as withdraw and their NLRI, attributes
	 * discarded, UPDATEs by reason */
	uint64_t rfc7606_withdraw_updates, rfc7606_withdrawn, rfc7606_discarded;
	uint64_t rfc7606_reasons[BGP_7606_MAX];
	uint64_t established_count, transitions;
	uint64_t notif_sent[BGP_ERR_CEASE + 1], notif_rx[BGP_ERR_CEASE + 1];	/* by code */
	uint64_t drops[BGP_DROP_MAX];
	struct bgp_ratelim log_lim;
};

struct bgp_eng {
	struct bgp_conf conf;
	const struct bgp_eng_ops *ops;
	void *ctx;
	uint64_t now;
	struct bgp_peer peers[BGP_MAX_PEERS];
	struct bgp_prefix *rib;	/* the set to announce, sorted, unique */
	unsigned n_rib;
	uint64_t announce_calls;
	uint64_t drops[BGP_DROP_MAX];
	struct bgp_ratelim log_lim;
	uint8_t tx[BGP_MAX_MSG];
};

/* bgp_peer.c: the engine's entry points */
int bgp_eng_create(const struct bgp_conf *c, const struct bgp_eng_ops *ops,
		   void *ctx, struct bgp_eng **out);
void bgp_eng_destroy(struct bgp_eng *e);
void bgp_eng_start(struct bgp_eng *e, uint64_t now);
void bgp_eng_stop(struct bgp_eng *e, uint64_t now);
/* An incoming connection; the engine takes cid in every case (it closes it
 * itself when refusing). Returns 0 or -ECONNREFUSED. */
int bgp_eng_accept(struct bgp_eng *e, int cid, uint32_t remote, uint32_t local,
		   uint64_t now);
void bgp_eng_connected(struct bgp_eng *e, int cid, uint32_t local, uint64_t now);
/* The connection failed or the peer closed it; the engine still calls
 * close(cid) to release it. */
void bgp_eng_closed(struct bgp_eng *e, int cid, uint64_t now);
void bgp_eng_input(struct bgp_eng *e, int cid, const uint8_t *buf, size_t len,
		   uint64_t now);
/* Runs the timers that are due; returns the next deadline (UINT64_MAX if
 * none). */
uint64_t bgp_eng_tick(struct bgp_eng *e, uint64_t now);
int bgp_eng_announce(struct bgp_eng *e, const struct bgp_prefix *p, unsigned n,
		     uint64_t now);
int bgp_eng_status_json(struct bgp_eng *e, uint64_t now, json_t **out);

/* internal to the engine's files */
void bgp_peer_send(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *buf,
		   size_t len);
void bgp_peer_send_open(struct bgp_peer *p, struct bgp_conn *c);
/* IPv6 unicast is in our OPEN to p: capabilities and a next hop */
bool bgp_peer_offers_ipv6(const struct bgp_peer *p);
bool bgp_peer_has_nh6(const struct bgp_peer *p);	/* conf.next_hop6 is set */
void bgp_peer_send_notif(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
			 uint8_t sub, const uint8_t *data, size_t len);
void bgp_peer_conn_release(struct bgp_peer *p, struct bgp_conn *c);
int bgp_peer_connect(struct bgp_peer *p);
bool bgp_ratelim_ok(struct bgp_ratelim *r, uint64_t now);

/* bgp_fsm.c */
void bgp_fsm_event(struct bgp_peer *p, enum bgp_event ev);
void bgp_fsm_chstate(struct bgp_peer *p, enum bgp_state to, const char *why,
		     const char *rfc);
uint64_t bgp_fsm_timers(struct bgp_peer *p, uint64_t now);
const char *bgp_fsm_state_name(enum bgp_state s);
const char *bgp_fsm_event_name(enum bgp_event ev);

/* bgp_rib.c */
int bgp_rib_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b);
int bgp_rib_set(struct bgp_eng *e, const struct bgp_prefix *p, unsigned n);
void bgp_rib_sync(struct bgp_peer *p);		/* send the difference */
void bgp_rib_withdraw_all(struct bgp_peer *p);
void bgp_rib_forget(struct bgp_peer *p);	/* session gone: peer holds nothing */
void bgp_rib_attrs(const struct bgp_peer *p, uint32_t med, struct bgp_attrs_out *a);

#endif
