/* dp/snap.h — the configuration as the data plane reads it: an immutable
 * snapshot.
 *
 * The control plane builds a snapshot from the config (cp/snap.c), publishes
 * it with one atomic pointer store and frees the previous one after an RCU
 * grace period (every data lcore reports quiescence once per loop). A data
 * lcore loads the pointer once at the top of each loop and reads it without
 * locks; nothing in a snapshot changes after publication. The data plane
 * defines this shape and never builds one itself (dp/ knows nothing of the
 * modules above it). */
#ifndef MGW_DP_SNAP_H
#define MGW_DP_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/acl.h"
#include "dp/addr6.h"
#include "dp/laddr.h"
#include "dp/map.h"
#include "dp/route.h"
#include "dp/stats.h"
#include "dp/tcp.h"

enum dp_sched {
	DP_SCHED_RR = 0,
	DP_SCHED_WRR,
	DP_SCHED_LC,
	DP_SCHED_WLC,
	DP_SCHED_SH,
	DP_SCHED_MH,
	DP_SCHED_MAX
};

/* How a service forwards (the config's "forward", same order):
 * FULLNAT  client → VIP becomes LIP:lport → server; replies come back to
 *          the LIP (fullnat.c);
 * NAT      only the destination becomes the server; its replies come back
 *          through mgw (its default route) to the client and get the VIP
 *          as source (fwd.c);
 * DR       the packet goes unchanged to the server's MAC (it has the VIP
 *          on a loopback and answers the client itself);
 * TUNNEL   the packet goes unchanged inside IPv4 (IPIP) to the server,
 *          which answers the client itself. */
enum dp_fwd {
	DP_FWD_FULLNAT = 0,
	DP_FWD_NAT,
	DP_FWD_DR,
	DP_FWD_TUNNEL,
	DP_FWD_MAX
};

/* What happens to the sessions of a server that goes down. */
enum dp_on_down {
	DP_ON_DOWN_KEEP = 0,  /* they live on */
	DP_ON_DOWN_RESET,     /* reset on their next packet (IPVS expire_nodest_conn) */
};

/* server flags */
#define DP_RS_DOWN   0x01   /* failed its health check */
#define DP_RS_DRAIN  0x02   /* no new sessions, old ones live on */

struct dp_server {
	uint32_t ip;          /* network order */
	uint16_t port;        /* network order */
	uint16_t flags;
	uint32_t weight;      /* 0 = quiescent */
	uint32_t id;          /* stable id: counters, sessions */
	uint32_t u_thr;       /* per lcore: overloaded at this many open (0 = never) */
	uint32_t l_thr;       /* per lcore: usable again below this */
	uint8_t ip6[16];      /* an IPv6 server (its service's rs_v6): ip is its handle */
};

static inline int dp_server_usable(const struct dp_server *s)
{
	return s->weight > 0 && !(s->flags & (DP_RS_DOWN | DP_RS_DRAIN));
}

struct dp_service {
	uint32_t id;          /* stable id */
	uint32_t vip;         /* network order */
	uint16_t port;        /* network order */
	uint8_t proto;
	uint8_t sched;        /* enum dp_sched */
	uint8_t fwd;          /* enum dp_fwd */
	uint8_t on_down;      /* enum dp_on_down */
	uint8_t hash_port;    /* mh/sh: hash the source port too */
	uint8_t has_thr;      /* a server has connection thresholds */
	uint32_t n_servers;
	struct dp_server *servers;
	uint64_t *usable;     /* bitmap over servers: usable when the snapshot was made */
	uint32_t *table;      /* mh/sh: slot → server index; wrr: the cycle of turns */
	uint32_t table_size;
	uint64_t digest;      /* of the table's slot → address mapping */
	uint32_t persist_ms;  /* 0 = no persistence */
	uint32_t persist_mask;/* network order */
	uint32_t has_sorry;   /* new flows go to `sorry` when no server is usable */
	struct dp_server sorry;
	/* FULLNAT only: how the server learns the client's address
	 * (dp/xlate.c), and the SYN proxy (dp/synproxy.c). xlate: new
	 * sessions of the service translate (either is on). */
	uint8_t caddr;        /* enum dp_caddr */
	uint8_t proxy_on_connect;   /* the PROXY header right after the handshake */
	uint8_t synproxy;
	uint8_t xlate;
	/* What new flows must pass (conn.c): the source ACL (NULL: any
	 * source), the number of sessions (per lcore: its share), the rates
	 * of new connections for the node (dp/limit.h: each lcore its share),
	 * and what a refused flow gets. */
	const struct dp_acl *acl;
	uint32_t max_conns;   /* per lcore; 0 = none */
	uint32_t new_rate;    /* new connections a second; 0 = none */
	uint32_t client_rate; /* per source address; 0 = none */
	uint8_t refuse;       /* enum dp_refuse */
	/* IPv6 (dp/addr6.h): vip_v6, the VIP is vip6 and vip its handle;
	 * rs_v6, the servers (and the sorry server) are IPv6, each ip its
	 * handle. A v6 VIP with v4 servers is NAT64 (FULLNAT with v4 local
	 * IPs). */
	uint8_t vip_v6, rs_v6;
	uint8_t vip6[16];
};

/* What a flow an ACL or a limit refuses gets. */
enum dp_refuse {
	DP_REFUSE_RST = 0,    /* TCP: a RST; UDP: ICMP port unreachable (rate-limited) */
	DP_REFUSE_DROP,       /* nothing */
};

/* Classes of what goes to the kernel (dp/punt.h). */
enum dp_punt_class {
	DP_PUNT_ROUTING = 0,  /* OSPF, BGP from a configured peer, ARP */
	DP_PUNT_HEALTH,       /* replies to health checks from servers' addresses */
	DP_PUNT_OTHER,
	DP_PUNT_MAX
};

/* A service's "client_address". */
enum dp_caddr {
	DP_CADDR_NONE = 0,
	DP_CADDR_PROXY_V1,    /* PROXY protocol v1 (text), TCP */
	DP_CADDR_PROXY_V2,    /* PROXY protocol v2 (binary), TCP and UDP */
	DP_CADDR_TOA,         /* the TOA TCP option */
	DP_CADDR_MAX
};

/* What a local address is (value of the address map: kind << 24 | index). */
enum dp_addr_kind {
	DP_ADDR_PORT = 1,     /* a port's own IP: for the kernel */
	DP_ADDR_VIP = 2,
	DP_ADDR_LIP = 3,
};

#define DP_ADDR_KIND(v)  ((v) >> 24)
#define DP_ADDR_INDEX(v) ((v) & 0x7fffff)
/* A local IP this node receives for but does not answer ARP for: its own
 * while a peer still holds it, or a peer's it has just handed back (the
 * servers' ARP caches move over a few seconds). sync/failover.c decides. */
#define DP_ADDR_NOARP    0x800000u

struct dp_snap_port {
	uint32_t ip;          /* network order */
	uint32_t mask;        /* network order */
	bool has_ip6;
	uint8_t plen6;        /* its subnet: on-link IPv6 next hops (dp/xmit.c) */
	uint8_t ip6[16];      /* answered for: ND, echo (dp/input6.c) */
};

/* One of our IPv6 addresses (a VIP's or a local IP's) and its value in
 * addrs: the full address a handle found is checked against. */
struct dp_snap_addr6 {
	uint8_t a[16];
	uint32_t val;              /* DP_ADDR_* << 24 | index, as in addrs */
};

/* An IPv6 route: prefix/plen via next hop `via` (on a port's subnet) out
 * of `port`. */
struct dp_snap_route6 {
	uint8_t prefix[16];
	uint8_t plen;
	uint16_t port;
	uint8_t via[16];
};

#define DP_MAX_ROUTES6 64

struct dp_snap {
	uint64_t gen;
	struct dp_map *addrs;      /* ip → DP_ADDR_* << 24 | index; v6 VIPs and
				    * local IPs by handle (dp/addr6.h) */
	/* v6 VIPs and local IPs: handle → index in addr6[] */
	struct dp_map *addrs6;
	uint32_t n_addr6;
	struct dp_snap_addr6 *addr6;
	struct dp_map *svcs;       /* dp_snap_svc_key → index in svc[] */
	uint32_t n_svc;
	struct dp_service *svc;
	struct dp_laddr_map laddr; /* LIPs and who owns their ports */
	struct dp_routes *routes;  /* shared between snapshots */
	uint32_t n_ports;
	struct dp_snap_port port[DP_MAX_PORTS];
	/* IPv6 routes, longest prefix first (a destination on a port's IPv6
	 * subnet needs none: it is its own next hop) */
	uint32_t n_routes6;
	struct dp_snap_route6 route6[DP_MAX_ROUTES6];
	uint32_t timeout[DP_TIMEOUT_MAX];   /* per TCP state (and UDP), in ms */
	/* Per server id below n_rs_reset: 1 = down in an on_down: reset
	 * service, its sessions are reset. NULL when there is none. */
	uint32_t n_rs_reset;
	uint8_t *rs_reset;
	/* A NAT service exists: packets to addresses not ours may be its
	 * servers' replies (to the client), looked up before they are
	 * dropped as not for us. */
	uint8_t has_nat;
	/* Table pressure (dp/evict.h): free sessions per lcore under which a
	 * new flow evicts an embryonic or idle UDP session first. */
	uint32_t evict_low_water;
	/* The exception path (dp/punt.h): packets a second per class for the
	 * node (0 = unlimited); BGP peers (ip → 1); health-check targets
	 * (ip << 16 | port, network order; port 0 = the address, for ICMP). */
	uint32_t punt_pps[DP_PUNT_MAX];
	struct dp_map *bgp_peers;
	/* Session sync's peers (ip → 1) and its UDP port (network order):
	 * their datagrams are control traffic, in the routing class. */
	struct dp_map *sync_peers;
	uint16_t sync_port;
	struct dp_map *hc_targets;
	/* Session sync (dp/sync_ev.h): on when the node has peers. A session
	 * this node owns sends a lease record on its first packet after
	 * sync_lease[state] ms since the last record; a peer's copy lives
	 * sync_lease[state] ms longer than its timeout, so it never expires
	 * before the owner's. sync_quota: sessions one peer may hold in an
	 * lcore's table. */
	uint8_t sync_on;
	uint32_t sync_lease[DP_TIMEOUT_MAX];
	uint32_t sync_quota;
};

static inline int dp_snap_rs_reset(const struct dp_snap *s, uint32_t rs_id)
{
	return s->rs_reset && rs_id < s->n_rs_reset && s->rs_reset[rs_id];
}

static inline uint64_t dp_snap_svc_key(uint8_t proto, uint32_t vip, uint16_t port)
{
	return (uint64_t)proto << 48 | (uint64_t)port << 32 | vip;
}

static inline const struct dp_service *dp_snap_service(const struct dp_snap *s, uint8_t proto,
							uint32_t vip, uint16_t port)
{
	uint32_t i = dp_map_get(s->svcs, dp_snap_svc_key(proto, vip, port));

	return i == DP_MAP_NONE ? NULL : &s->svc[i];
}

/* The server at ip:port (network order) in a service, by binary search over
 * the address-sorted list; port 0 = the first at that address. -1 if none.
 * An IPv6 service's servers are in the order of their 16 bytes, not of
 * their handles: looked for one by one. */
static inline int dp_snap_find_server(const struct dp_service *svc, uint32_t ip, uint16_t port)
{
	if (svc->rs_v6) {
		for (uint32_t k = 0; k < svc->n_servers; k++)
			if (svc->servers[k].ip == ip && (port == 0 || svc->servers[k].port == port))
				return (int)k;
		return -1;
	}
	uint64_t key = (uint64_t)__builtin_bswap32(ip) << 16 | __builtin_bswap16(port);
	uint32_t lo = 0, hi = svc->n_servers;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct dp_server *s = &svc->servers[mid];
		uint64_t k = (uint64_t)__builtin_bswap32(s->ip) << 16 | __builtin_bswap16(s->port);

		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < svc->n_servers && svc->servers[lo].ip == ip &&
	    (port == 0 || svc->servers[lo].port == port))
		return (int)lo;
	return -1;
}

static inline uint32_t dp_snap_addr(const struct dp_snap *s, uint32_t ip)
{
	uint32_t v = dp_map_get(s->addrs, ip);

	return v == DP_MAP_NONE ? 0 : v;
}

/* What one of our IPv6 addresses is (DP_ADDR_* << 24 | index), 0 if it is
 * not a VIP or local IP of ours. */
static inline uint32_t dp_snap_addr6(const struct dp_snap *s, const uint8_t a[16])
{
	uint32_t i;

	if (!s->addrs6)
		return 0;
	i = dp_map_get(s->addrs6, dp_ip6_handle(a));
	return i == DP_MAP_NONE || memcmp(s->addr6[i].a, a, 16) ? 0 : s->addr6[i].val;
}

#endif
