/* dp/stats.h — data-plane counters: what each lcore counts, drops by reason.
 *
 * Every counter block belongs to one lcore, which alone writes it with plain
 * stores; the control plane reads them (a torn or slightly stale read is
 * fine). Nothing here is shared for writing. */
#ifndef MGW_DP_STATS_H
#define MGW_DP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Drop reasons, one counter each. Keep dp_drop_names[] in step. */
#define DP_DROP_LIST(X)                                                        \
	X(RUNT,            "runt")             /* frame shorter than Ethernet */   \
	X(L2_TYPE,         "l2_type")          /* neither IPv4, IPv6 nor ARP */    \
	X(IP_TRUNC,        "ip_truncated")     /* shorter than an IP header */     \
	X(IP_VERSION,      "ip_version")                                           \
	X(IP_IHL,          "ip_bad_ihl")                                           \
	X(IP_LEN,          "ip_bad_total_length")                                  \
	X(IP_CSUM,         "ip_bad_checksum")                                      \
	X(IP6_LEN,         "ipv6_bad_payload_length") /* beyond the frame; jumbo */ \
	X(IP6_EXT,         "ipv6_bad_extension") /* chain too long, bad, misplaced */ \
	X(IP6_UNSERVED,    "ipv6_not_served")  /* v6 to a VIP or local IP that is not served */ \
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
	X(ND_BAD,          "nd_malformed")     /* NS/NA failing RFC 4861's checks */ \
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
	X(NAT64,           "nat64_untranslatable") /* no counterpart in the other family, or too big */ \
	X(NAT_CONFLICT,    "nat_tuple_in_use") /* server side of a new NAT session taken */ \
	X(NAT_NO_SESSION,  "nat_no_session")   /* routed through us, no NAT session */ \
	X(SYNPROXY,        "synproxy")         /* cookie failed or replayed, hold full (per service: why) */ \
	X(XLATE,           "xlate_refused")    /* no room for the PROXY header (per service: why) */ \
	X(TCP_WINDOW,      "tcp_out_of_window") /* RST/FIN outside the window (dp/tcpwin.h) */ \
	X(MARTIAN,         "martian_source")   /* 0/8, 127/8, multicast, class E, ours */ \
	X(ACL,             "acl_denied")       /* the service's ACL refused the source */ \
	X(MAX_CONNS,       "max_conns")        /* the service is at max_conns */ \
	X(RATE,            "new_conns_rate")   /* the service's new_conns_per_s */ \
	X(CLIENT_RATE,     "client_conns_rate") /* the client's per_client_new_conns_per_s */ \
	X(PUNT_ROUTING,    "punt_policed_routing") /* exception path, per class (dp/punt.h) */ \
	X(PUNT_HEALTH,     "punt_policed_health") \
	X(PUNT_OTHER,      "punt_policed_other")

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

/* One lcore's counters, one list: it makes the struct's fields, the sums
 * over lcores (dp_lcore_stats_add), and the names the API's JSON and the
 * Prometheus text use (cp/views.c, cp/ops.c walk it). Every entry is a
 * counter that only grows.
 *   X(field, json name, Prometheus name (mgw_lcore_<name>_total), help) */
#define DP_LCORE_COUNTERS(X)                                                              \
	X(rx_pkts,            "rx_pkts",                "rx_packets",            "Packets received from the data ports.") \
	X(rx_bytes,           "rx_bytes",               "rx_bytes",              "Bytes received from the data ports.") \
	X(tx_pkts,            "tx_pkts",                "tx_packets",            "Packets sent on the data ports.") \
	X(punted,             "punted",                 "punted",                "Packets handed to the kernel through the TAP.") \
	X(from_kernel,        "from_kernel",            "from_kernel",           "Packets from the TAP sent out of the data ports.") \
	X(redirect_out,       "redirect_out",           "redirect_out",          "Packets handed to the lcore that owns their session.") \
	X(redirect_in,        "redirect_in",            "redirect_in",           "Packets received from another lcore.") \
	X(miss_passed,        "misses_passed",          "misses_passed",         "Packets without a session here, asked of the next lcore.") \
	X(arp_replies,        "arp_replies",            "arp_replies",           "ARP replies sent for our addresses.") \
	X(arp_requests,       "arp_requests",           "arp_requests",          "ARP requests sent for next hops.") \
	X(icmp_echo_replies,  "icmp_echo_replies",      "icmp_echo_replies",     "ICMP echo replies sent for VIPs and local IPs.") \
	X(icmp6_echo_replies, "icmp6_echo_replies",     "icmp6_echo_replies",    "ICMPv6 echo replies sent for the ports' IPv6 addresses.") \
	X(nd_replies,         "nd_replies",             "nd_replies",            "Neighbour advertisements sent for the ports' IPv6 addresses.") \
	X(nd_requests,        "nd_requests",            "nd_requests",           "Neighbour solicitations the data lcores sent for IPv6 next hops without a MAC.") \
	X(nd_conflicts,       "nd_conflicts",           "nd_conflicts",          "Neighbour advertisements from another host for a port's IPv6 address: a duplicate address.") \
	X(sess_created,       "sessions_created",       "sessions_created",      "Sessions made.") \
	X(sess_expired,       "sessions_expired",       "sessions_expired",      "Sessions ended by their timeout.") \
	X(sess_killed,        "sessions_flushed",       "sessions_flushed",      "Sessions ended by the operator.") \
	X(sess_reused,        "sessions_reused",        "sessions_reused",       "Closed sessions whose tuple a new SYN took.") \
	X(sess_reset,         "sessions_reset",         "sessions_reset",        "Sessions reset because their server went down.") \
	X(lport_guard_skips,  "lport_guard_skips",      "lport_guard_skips",     "Local ports passed over for a new connection: the tuple is in its TIME-WAIT guard.") \
	X(lport_busy_skips,   "lport_busy_skips",       "lport_busy_skips",      "Local ports passed over for a new connection: a session holds the tuple.") \
	X(lport_guard_cut,    "lport_guard_cut",        "lport_guard_cut",       "TIME-WAIT guards cut short: the guard table had no free slot (limits.lport_guards_per_lcore).") \
	X(loops,              "loops",                  "loops",                 "Turns of the lcore loop (the watchdog's heartbeat).") \
	X(busy_polls,         "busy_polls",             "busy_polls",            "Loop turns that found packets.") \
	X(busy_cycles,        "busy_cycles",            "busy_cycles",           "TSC cycles spent in loop turns that found packets.") \
	X(busy_pkts,          "busy_pkts",              "busy_packets",          "Packets handled in busy loop turns.") \
	X(idle_sleeps,        "idle_sleeps",            "idle_sleeps",           "Sleeps of an idle lcore.") \
	X(persist_hits,       "persistence_hits",       "persistence_hits",      "New connections sent to their persistence template's server.") \
	X(persist_shared,     "persistence_shared",     "persistence_shared",    "Persistence templates handed to the other lcores.") \
	X(persist_share_lost, "persistence_share_lost", "persistence_share_lost", "Persistence templates not handed over (ring full).") \
	X(icmp_xlated,        "icmp_errors_translated", "icmp_errors_translated", "ICMP errors translated to the other side of a session.") \
	X(frag_tracked,       "fragments_tracked",      "fragments_tracked",     "First fragments recorded.") \
	X(frag_forwarded,     "fragments_forwarded",    "fragments_forwarded",   "Later fragments sent the first one's way.") \
	X(nat64_fragmented,   "nat64_fragmented",       "nat64_fragmented",      "NAT64: IPv4 packets too big for the client side once translated, sent as two IPv6 fragments.") \
	X(nat64_too_big,      "nat64_frag_needed_sent", "nat64_frag_needed_sent", "NAT64: fragmentation needed sent to a server for a DF packet too big once translated.") \
	X(frag_held,          "fragments_held",         "fragments_held",        "Later fragments that waited for their first.") \
	X(refused_rst,        "refused_rst",            "refused_rst",           "New TCP flows without a usable server: RST sent.") \
	X(refused_unreach,    "refused_unreach",        "refused_unreach",       "New UDP flows without a usable server: ICMP port unreachable sent.") \
	X(refused_quiet,      "refused_quiet",          "refused_quiet",         "Refused flows answered with nothing (rate limit, no mbuf).") \
	X(frag_needed,        "tunnel_frag_needed_sent", "tunnel_frag_needed_sent", "TUNNEL: fragmentation needed (IPv6: Packet Too Big) sent to a client.") \
	X(tunnel_fragmented,  "tunnel_fragmented",      "tunnel_fragmented",     "TUNNEL: datagrams sent as outer fragments.") \
	X(tcp_rst_unconfirmed, "tcp_rst_unconfirmed",   "tcp_rst_unconfirmed",   "RSTs in the window but not at the next sequence number: passed on, session kept.") \
	X(tcp_seq_unconfirmed, "tcp_seq_unconfirmed",   "tcp_seq_unconfirmed",   "Segments passed on without a state change (out of window; an ACK that does not acknowledge the server's SYN).") \
	X(tcp_reopened,       "tcp_reopened",           "tcp_reopened",          "New connections on an old session's tuple (a client port come round again) that the server accepted: the session's sequence tracking started afresh.") \
	X(evicted_embryonic,  "sessions_evicted_embryonic", "sessions_evicted_embryonic", "Embryonic TCP sessions evicted for new flows (table pressure).") \
	X(evicted_udp,        "sessions_evicted_udp",   "sessions_evicted_udp",  "Idle UDP sessions evicted for new flows (table pressure).") \
	X(refused_policy,     "refused_policy",         "refused_policy",        "New flows refused by an ACL or a limit (the drop reasons say which).") \
	X(refused_policy_rst, "refused_policy_rst",     "refused_policy_rst",    "Of those, answered with a RST or an ICMP port unreachable (refuse: rst).") \
	X(punt_routing,       "punt_routing",           "punt_routing",          "Routing packets (OSPF, BGP from peers, ARP) handed to the kernel.") \
	X(punt_health,        "punt_health",            "punt_health",           "Health-check replies handed to the kernel.") \
	X(punt_other,         "punt_other",             "punt_other",            "Other packets handed to the kernel.") \
	X(rx_bursts,          "rx_bursts",              "rx_bursts",             "Receive bursts that brought packets.") \
	X(rx_full_bursts,     "rx_full_bursts",         "rx_full_bursts",        "Receive bursts that came back full (the queue was backed up).") \
	X(rx_turns,           "rx_turns",               "rx_turns",              "Loop turns whose port polls brought packets.") \
	X(rx_backlog_turns,   "rx_backlog_turns",       "rx_backlog_turns",      "Of those, turns in which some rx queue came back full (nearly all of them: the lcore at its capacity).") \
	X(sync_records,       "sync_records",           "sync_records",          "Sync: records about own sessions handed to the sync thread.") \
	X(sync_lost,          "sync_lost",              "sync_lost",             "Sync: records lost (ring full; the markers repair it).") \
	X(sync_bulk_records,  "sync_bulk_records",      "sync_bulk_records",     "Sync: records sent in bulk walks for joining peers.") \
	X(sync_installed,     "sync_installed",         "sync_installed",        "Sync: peers' sessions installed.") \
	X(sync_updated,       "sync_updated",           "sync_updated",          "Sync: peers' sessions updated.") \
	X(sync_deleted,       "sync_deleted",           "sync_deleted",          "Sync: peers' sessions ended by their owner.") \
	X(sync_swept,         "sync_swept",             "sync_swept",            "Sync: peers' sessions removed after a resync did not refresh them.") \
	X(sync_bulk_guards,   "sync_bulk_guards",       "sync_bulk_guards",      "Sync: TIME-WAIT guards of local ports sent in bulks (they travel with the local IP).") \
	X(sync_adopted,       "sync_adopted",           "sync_adopted",          "Failover: peers' sessions this node became the owner of (it holds their local IP).") \
	X(sync_handed_back,   "sync_handed_back",       "sync_handed_back",      "Failover: adopted sessions handed back to their local IP's owner.") \
	X(sync_conflicts,     "sync_conflicts",         "sync_conflicts",        "Sync: peers' sessions refused: a tuple in use here.") \
	X(sync_refused_quota, "sync_refused_quota",     "sync_refused_quota",    "Sync: peers' sessions refused: the peer's quota is full.") \
	X(sync_refused_full,  "sync_refused_full",      "sync_refused_full",     "Sync: peers' sessions refused: the table is full.") \
	X(sync_refused_service, "sync_refused_service", "sync_refused_service",  "Sync: peers' sessions refused: no such service here (config mismatch).") \
	X(sync_refused_server, "sync_refused_server",   "sync_refused_server",   "Sync: peers' sessions refused: no such server here (config mismatch).") \
	X(sync_refused_full6, "sync_refused_full6",     "sync_refused_full6",    "Sync: peers' IPv6 sessions refused: the table's IPv6 share is full.") \
	X(sync_refused_collision, "sync_refused_collision", "sync_refused_collision", "Sync: peers' IPv6 sessions refused: an address's handle is one of this node's addresses but the address is not.") \
	X(sync_refused_bad,   "sync_refused_bad",       "sync_refused_bad",      "Sync: records refused as malformed.")

struct dp_lcore_stats {
#define DP_LCORE_FIELD(f, json, prom, help) uint64_t f;
	DP_LCORE_COUNTERS(DP_LCORE_FIELD)
#undef DP_LCORE_FIELD
	uint64_t drops[DP_DROP_MAX];
	struct dp_port_stats port[DP_MAX_PORTS];
};

/* One entry of the list, for code that walks it: the counter is at
 * offset in struct dp_lcore_stats. */
struct dp_lcore_counter {
	const char *json, *prom, *help;
	size_t offset;
};

extern const struct dp_lcore_counter dp_lcore_counters[];
extern const unsigned dp_n_lcore_counters;

static inline uint64_t dp_lcore_counter_get(const struct dp_lcore_stats *s, unsigned i)
{
	return *(const uint64_t *)(const void *)((const char *)s + dp_lcore_counters[i].offset);
}

/* t += s, every counter, drop and port counter. */
void dp_lcore_stats_add(struct dp_lcore_stats *t, const struct dp_lcore_stats *s);

#endif
