/* dp/stats.h — data-plane counters: what each lcore counts, drops by reason.
 *
 * Every counter block belongs to one lcore, which alone writes it with plain
 * stores; the control plane reads them (a torn or slightly stale read is
 * fine). Nothing here is shared for writing. */
#ifndef MGW_DP_STATS_H
#define MGW_DP_STATS_H

#include <stdint.h>

/* Drop reasons, one counter each. Keep dp_drop_names[] in step. */
#define DP_DROP_LIST(X)                                                        \
	X(RUNT,            "runt")             /* frame shorter than Ethernet */   \
	X(L2_TYPE,         "l2_type")          /* neither IPv4 nor ARP */          \
	X(IP_TRUNC,        "ip_truncated")     /* shorter than an IPv4 header */   \
	X(IP_VERSION,      "ip_version")                                           \
	X(IP_IHL,          "ip_bad_ihl")                                           \
	X(IP_LEN,          "ip_bad_total_length")                                  \
	X(IP_CSUM,         "ip_bad_checksum")                                      \
	X(L4_TRUNC,        "l4_truncated")                                         \
	X(TCP_DOFF,        "tcp_bad_offset")                                       \
	X(UDP_LEN,         "udp_bad_length")                                       \
	X(TTL,             "ttl_exceeded")                                         \
	X(NOT_LOCAL,       "not_for_us")       /* dst is no VIP/LIP/port IP */     \
	X(PROTO,           "unsupported_proto")                                    \
	X(NO_SERVICE,      "no_service")       /* VIP, but not that port/proto */  \
	X(NO_SERVER,       "no_server")        /* service without usable server */ \
	X(NO_SESSION,      "no_session")       /* mid-flow packet, no session */   \
	X(SESS_FULL,       "session_table_full")                                   \
	X(LPORT_EXHAUSTED, "lport_exhausted")                                      \
	X(NO_ROUTE,        "no_route")                                             \
	X(NEIGH_HOLD_FULL, "neigh_hold_full")                                      \
	X(NEIGH_TIMEOUT,   "neigh_timeout")    /* next hop never resolved */       \
	X(ARP_BAD,         "arp_malformed")                                        \
	X(TX_FULL,         "tx_queue_full")                                        \
	X(PUNT_FULL,       "punt_queue_full")                                      \
	X(REDIRECT_FULL,   "redirect_ring_full")                                   \
	X(NO_MBUF,         "no_mbuf")                                              \
	X(FRAG,            "fragment_unmatched")                                   \
	X(ICMP,            "icmp_unmatched")                                       \
	X(FRAG_TIMEOUT,    "fragment_timeout") /* held; its first never came */    \
	X(FRAG_HOLD_FULL,  "fragment_hold_full")                                   \
	X(ICMP_BAD,        "icmp_malformed")   /* quote too short, not IPv4 */     \
	X(ICMP_CSUM,       "icmp_bad_checksum")                                    \
	X(ICMP_TYPE,       "icmp_unsupported") /* type, quoted proto, fragment */  \
	X(SERVER_DOWN,     "server_down_reset") /* on_down: reset */               \
	X(TOO_BIG,         "tunnel_too_big")   /* DF, too big for the tunnel */    \
	X(NAT_CONFLICT,    "nat_tuple_in_use") /* server side of a new NAT session taken */ \
	X(NAT_NO_SESSION,  "nat_no_session")   /* routed through us, no NAT session */

enum dp_drop {
#define DP_DROP_ENUM(name, str) DP_DROP_##name,
	DP_DROP_LIST(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP_MAX
};

extern const char *const dp_drop_names[DP_DROP_MAX];

#define DP_MAX_PORTS 8

/* Per port, per lcore. */
struct dp_port_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
};

/* One lcore's counters. Cache-aligned by its container. */
struct dp_lcore_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t punted;          /* to the kernel through the TAP */
	uint64_t from_kernel;     /* from the TAP out to the wire */
	uint64_t redirect_out;    /* handed to the owning lcore */
	uint64_t redirect_in;     /* received from another lcore */
	uint64_t miss_passed;     /* no session here: asked the next lcore */
	uint64_t arp_replies, arp_requests, icmp_echo_replies;
	uint64_t sess_created, sess_expired, sess_active;
	uint64_t sess_killed;     /* flushed by the operator */
	uint64_t sess_reused;     /* a closed one's tuple taken by a new SYN */
	uint64_t polls, busy_polls, busy_cycles, busy_pkts;
	uint64_t idle_sleeps;
	uint64_t persist_hits, persist_shared, persist_share_lost;
	uint64_t loops;           /* heartbeat: moves every loop iteration */
	uint64_t icmp_xlated;     /* ICMP errors translated to the other side */
	uint64_t frag_tracked;    /* first fragments recorded */
	uint64_t frag_forwarded;  /* later fragments sent the first one's way */
	uint64_t frag_held;       /* later fragments that waited for their first */
	uint64_t refused_rst;     /* new TCP flows without a server: RST sent */
	uint64_t refused_unreach; /* new UDP flows without a server: ICMP sent */
	uint64_t refused_quiet;   /* ... ICMP not sent (rate limit, no mbuf) */
	uint64_t sess_reset;      /* sessions ended because their server is down */
	uint64_t frag_needed;     /* TUNNEL: "fragmentation needed" sent to a client */
	uint64_t tunnel_fragmented; /* TUNNEL: datagrams sent as outer fragments */
	uint64_t drops[DP_DROP_MAX];
	struct dp_port_stats port[DP_MAX_PORTS];
};

#endif
