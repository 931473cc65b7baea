/* dp/dp.h — the data plane: ports, data lcores, and what the control plane
 * may ask of them.
 *
 * Threads: dp_create() and everything but the lcore loop run on control
 * threads. Data lcores own their sessions, pools, timers and counters
 * (docs/design.md "Who owns what"); the control plane reads counters (torn reads
 * are fine) and changes the configuration only by publishing a new
 * snapshot. */
#ifndef MGW_DP_DP_H
#define MGW_DP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/neigh.h"
#include "dp/snap.h"
#include "dp/stats.h"

#define DP_MAX_LCORES 16
/* af_packet ring frames per queue unless the dev string says: the PMD's
 * default 512 overflow silently in the kernel whenever an lcore is late by
 * a millisecond or two at line rate (8 MB per queue rides that out). */
#define DP_AFP_FRAMES 4096

struct dp;

struct dp_port_conf {
	char name[16];        /* "wan"; the TAP is "mgw-<name>" */
	char devname[64];     /* ethdev name: vdev name ("net_af_packet0") or PCI address */
	char kiface[16];      /* else a kernel interface: dp opens it with af_xdp, or with
			       * af_packet where XDP can't serve it, and fills devname */
	char tapname[64];     /* ethdev name of its exception-path TAP ("net_tap0") */
	uint16_t mtu;
};

struct dp_conf {
	unsigned n_ports;
	struct dp_port_conf port[DP_MAX_PORTS];
	uint32_t sessions_per_lcore;
	uint32_t sessions6_per_lcore;  /* of them, may be IPv6 (0: an eighth; dp/sess.h) */
	uint32_t max_services;     /* stable service ids are < this */
	uint32_t max_servers;      /* stable server ids are < this */
	uint32_t mbufs;            /* 0 = computed */
	uint32_t idle_sleep_us;    /* longest sleep of an idle lcore; 0 = busy-poll */
	uint32_t tap_poll_us;      /* the TAPs are polled this often (0: every turn) */
	uint32_t neigh_hold_ms;    /* how long a packet waits for ARP */
	uint32_t sync_ring;        /* entries of each lcore's sync rings (0: no sync) */
	uint32_t lport_guards;     /* TIME-WAIT guard slots per lcore (0: sessions_per_lcore) */
};

/* Per server (stable id), summed over lcores by dp_server_stats(). */
struct dp_rs_stats {
	uint64_t conns;            /* sessions created */
	int64_t sessions;          /* sessions now (any state) */
	int64_t open;              /* sessions now in an open state */
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
	uint64_t pad;
};

/* A service's counters of the client address (PROXY protocol, TOA) and
 * the SYN proxy, one list: it makes the fields, the sums over lcores, the
 * JSON names (/stats: services[].xlate) and the Prometheus families
 * (mgw_service_<prom>_total).
 *   X(field, json and Prometheus name, help) */
#define DP_SVC_XLATE_COUNTERS(X)                                                                  \
	X(proxy_headers,       "proxy_headers_sent",       "PROXY protocol headers sent to servers (first segments and their retransmissions, UDP datagrams).") \
	X(proxy_split,         "proxy_segments_split",     "First segments sent as two: the PROXY header did not fit in front of the data (MTU, headroom).") \
	X(proxy_refused_nombuf, "proxy_refused_no_mbuf",   "Segments that needed the PROXY header in a segment of its own, without an mbuf for it (dropped; the client retransmits).") \
	X(proxy_refused_frag,  "proxy_refused_fragment",   "Fragmented segments or datagrams that needed a PROXY header (dropped).") \
	X(proxy_refused_big,   "proxy_refused_too_big",    "UDP datagrams too big for the MTU with the PROXY header (dropped).") \
	X(toa_added,           "toa_added",                "TOA options added (SYN, handshake ACK, first data segment).") \
	X(toa_no_room,         "toa_no_option_room",       "Segments that should carry TOA without room in their 40 option bytes.") \
	X(toa_no_mtu,          "toa_no_mtu_room",          "Segments that should carry TOA without room under the MTU or in the mbuf, or fragments.") \
	X(sp_cookies_sent,     "synproxy_cookies_sent",    "SYN proxy: SYN-ACKs with a cookie sent.") \
	X(sp_cookies_ok,       "synproxy_cookies_validated", "SYN proxy: ACKs whose cookie proved a client (sessions made).") \
	X(sp_cookies_bad,      "synproxy_cookies_failed",  "SYN proxy: ACKs without a session whose cookie failed (forged, expired, another secret), dropped.") \
	X(sp_replayed,         "synproxy_replays_refused", "SYN proxy: cookie ACKs refused as replays of one that made a session already.") \
	X(sp_held,             "synproxy_held",            "SYN proxy: client segments held until the server's SYN-ACK.") \
	X(sp_hold_full,        "synproxy_hold_full",       "SYN proxy: client segments dropped, the hold being full (the client retransmits).") \
	X(sp_server_rst,       "synproxy_server_resets",   "SYN proxy: servers' RSTs to the proxy's SYN, passed to the client.") \
	X(sp_timeouts,         "synproxy_server_timeouts", "SYN proxy: servers that never answered the proxy's SYN; the client got a RST.") \
	X(sp_dropped,          "synproxy_dropped",         "SYN proxy: segments dropped (a SYN on a live proxied session, a server segment before its SYN-ACK, duplicate ACKs while waiting).")

#define DP_SVC_XCOUNT(f, name, help) +1
enum { DP_SVC_XLATE_MAX = 0 DP_SVC_XLATE_COUNTERS(DP_SVC_XCOUNT) };
#undef DP_SVC_XCOUNT

/* A service's counters of refused and evicted flows, one list: it makes
 * the fields, the sums over lcores, the JSON names (/stats) and the
 * Prometheus reasons (mgw_service_refused_total{reason=...}).
 *   X(field, name, help) */
#define DP_SVC_COUNTERS(X)                                                                  \
	X(refused_acl,         "acl",               "New flows refused by the service's ACL.") \
	X(refused_max_conns,   "max_conns",         "New flows refused: max_conns reached.") \
	X(refused_rate,        "new_conns_per_s",   "New flows refused: new_conns_per_s exceeded.") \
	X(refused_client_rate, "per_client_new_conns_per_s", "New flows refused: the client exceeded per_client_new_conns_per_s.") \
	X(evicted,             "evicted",           "Sessions evicted under table pressure.")

/* Per service (stable id). */
struct dp_svc_stats {
	uint64_t conns;
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
	uint64_t no_server;        /* new flows refused: no usable server */
	int64_t established;       /* its connections now: established TCP (not yet
				    * closed) and UDP sessions — what max_conns counts */
#define DP_SVC_FIELD(f, name, help) uint64_t f;
	DP_SVC_COUNTERS(DP_SVC_FIELD)
#undef DP_SVC_FIELD
#define DP_SVC_XFIELD(f, name, help) uint64_t f;
	DP_SVC_XLATE_COUNTERS(DP_SVC_XFIELD)
#undef DP_SVC_XFIELD
	uint64_t pad[3];
};

/* One entry of that list, for code that walks it. */
struct dp_svc_counter {
	const char *name, *help;
	size_t offset;             /* in struct dp_svc_stats */
};

extern const struct dp_svc_counter dp_svc_xlate_counters[];
extern const unsigned dp_n_svc_xlate_counters;

static inline uint64_t *dp_svc_counter_at(struct dp_svc_stats *s, unsigned i)
{
	return (uint64_t *)(void *)((char *)s + dp_svc_xlate_counters[i].offset);
}

struct dp_port_info {
	char name[16];
	uint16_t eth_id, tap_id;
	uint8_t mac[6];
	bool link_up;
	uint64_t imissed, ierrors, oerrors;
	char driver[32];      /* "net_af_xdp", "net_af_packet", "mlx5_pci", ... */
};

/* After rte_eal_init(): set up the mbuf pool, ports, TAPs, per-lcore state,
 * rings and RCU. The data lcores are EAL's worker lcores. */
int dp_create(const struct dp_conf *conf, struct dp **out);

/* Publish a snapshot (before dp_start: the first one). Returns the one it
 * replaces; free that only after dp_synchronize(). */
struct dp_snap *dp_publish(struct dp *dp, struct dp_snap *snap);

/* Wait until every data lcore has passed a quiescent point since the last
 * dp_publish(): afterwards nobody reads the old snapshot. */
void dp_synchronize(struct dp *dp);

/* The same, for a caller that must not wait for ever on a stalled lcore:
 * dp_grace_start() begins a grace period, dp_grace_wait() waits for it at
 * most timeout_ms (0: only looks). 0 once every data lcore has passed a
 * quiescent point since the start, -ETIMEDOUT before that. */
uint64_t dp_grace_start(struct dp *dp);
int dp_grace_wait(struct dp *dp, uint64_t token, unsigned timeout_ms);

/* Launch the data lcores (a snapshot must have been published). */
int dp_start(struct dp *dp);

/* Stop the lcores and wait for them; then stop the ports. */
void dp_stop(struct dp *dp);
void dp_destroy(struct dp *dp);

unsigned dp_n_lcores(const struct dp *dp);
unsigned dp_lcore_id(const struct dp *dp, unsigned idx);
unsigned dp_n_ports(const struct dp *dp);
int dp_port_info(struct dp *dp, unsigned port, struct dp_port_info *out);
struct dp_neigh *dp_neigh_table(struct dp *dp);

/* The SYN proxy's master key (dp/cookie.h), the same on every node of a
 * cluster: the cookie secret of each rotation epoch is derived from it.
 * Also takes the wall clock's offset anew (cookies' slots and timestamps
 * are the cluster's time). A control thread; waits for an RCU grace
 * period. 0 or -ENOMEM. */
int dp_synproxy_set_secret(struct dp *dp, const uint8_t key[32]);

/* The secrets of the epoch the wall clock is in, when it has moved on
 * (called every second by a control thread): 1 rotated, 0 nothing to do,
 * -ENOMEM (the old ring stays). */
int dp_synproxy_rotate(struct dp *dp);

/* Copies of counters (racy reads by design). */
void dp_lcore_stats(const struct dp *dp, unsigned idx, struct dp_lcore_stats *out);
void dp_server_stats(const struct dp *dp, uint32_t rs_id, struct dp_rs_stats *out);
void dp_service_stats(const struct dp *dp, uint32_t svc_id, struct dp_svc_stats *out);
uint64_t dp_sessions(const struct dp *dp, unsigned idx);
uint64_t dp_tsc_hz(const struct dp *dp);

/* What the control plane may ask every data lcore to do (docs/design.md: "control
 * asks lcore N to change anything by a message"). One command at a time;
 * dp_command() waits until every lcore has done it. */
enum dp_cmd_kind {
	DP_CMD_NONE = 0,
	DP_CMD_FLUSH,          /* drop sessions: all, of a VIP, or of a server id */
};

struct dp_cmd {
	uint8_t kind;
	uint32_t vip;          /* network order; 0 = any */
	uint32_t rs_id;        /* UINT32_MAX = any */
};

/* 0, or -ETIMEDOUT when an lcore did not finish in timeout_ms (it goes on;
 * a later command waits for it). */
int dp_command(struct dp *dp, const struct dp_cmd *cmd, unsigned timeout_ms);

/* A session as the control plane sees it (a racy copy). */
struct dp_sess_view {
	uint8_t proto, state;
	uint8_t fwd;                      /* enum dp_fwd */
	uint16_t lcore;
	uint32_t cip, vip, lip, rip;      /* network order */
	uint16_t cport, vport, lport, rport;
	uint32_t expires_ms;              /* from now */
	uint8_t foreign;                  /* a peer's (sync) */
	uint8_t peer;                     /* then its peer slot (sync.peers index) */
	/* a translated session (PROXY header, TOA, SYN proxy; dp/seq.h) */
	uint8_t xlate;
	int32_t proxy_delta;              /* bytes the PROXY header adds (seq_in) */
	int32_t seq_delta;                /* SYN proxy: client-space minus server-space seq */
	/* IPv6 (the addresses above are then handles): client, VIP, local
	 * IP, server; NAT64's local IP and server are IPv4-mapped */
	uint8_t v6;
	uint8_t a6[4][16];
};

/* Call fn for up to `limit` live sessions (of vip if non-zero). Returns
 * how many were visited. */
uint64_t dp_sessions_foreach(struct dp *dp, uint32_t vip, uint64_t limit,
			     void (*fn)(void *arg, const struct dp_sess_view *v), void *arg);

#endif
