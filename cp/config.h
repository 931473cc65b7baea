/* cp/config.h — the configuration model: what the JSON config file holds
 * and what the API reads and changes (docs/config.md: the file is what
 * GET /api/v1/config returns).
 *
 * One schema, one validator: the file loader and every API request go
 * through cp_config_from_json() (or its parts for one service or server)
 * and cp_config_validate(); nothing is applied before all of it is valid.
 * IPv4 addresses are host byte order here; IPv6 ones are 16 bytes in
 * network order, beside the IPv4 field they replace (which is then 0). */
#ifndef MGW_CP_CONFIG_H
#define MGW_CP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <jansson.h>

#include "cp/acl.h"

#define CP_MAX_PORTS      8
#define CP_MAX_LIPS       64
#define CP_MAX_ROUTES     1024
#define CP_MAX_ROUTES6    64     /* of them IPv6 (the data path walks them: DP_MAX_ROUTES6) */
#define CP_PORT_NAME_MAX  11      /* "mgw-" + name fits IFNAMSIZ */
#define CP_OSPF_MAX_IFACES 8
#define CP_BGP_MAX_PEERS  8
/* The data path's clock is a 32-bit millisecond tick compared by signed
 * difference: a persistence template may last at most 2^31 - 1 ms. */
#define CP_PERSIST_MAX_S  (0x7fffffffu / 1000)
#define CP_SYNC_MAX_PEERS 15      /* a cluster of 16 nodes */

/* One validation error: the JSON path of the field and why. */
struct cp_err {
	char field[160];
	char msg[256];
};

enum cp_sched { CP_SCHED_RR, CP_SCHED_WRR, CP_SCHED_LC, CP_SCHED_WLC, CP_SCHED_SH, CP_SCHED_MH };
enum cp_fwd { CP_FWD_FULLNAT, CP_FWD_NAT, CP_FWD_DR, CP_FWD_TUNNEL };
/* A service's "client_address": how a FULLNAT server learns the client. */
enum cp_caddr { CP_CADDR_NONE, CP_CADDR_PROXY_V1, CP_CADDR_PROXY_V2, CP_CADDR_TOA };
enum cp_hc_kind { CP_HEALTH_NONE, CP_HEALTH_TCP, CP_HEALTH_UDP, CP_HEALTH_HTTP };
enum cp_on_down { CP_ON_DOWN_KEEP, CP_ON_DOWN_RESET };
enum cp_recover { CP_RECOVER_MANUAL, CP_RECOVER_AUTO };
/* routing.ospf.interfaces[].auth.type: none, RFC 2328 D.4.3 keyed MD5,
 * RFC 5709 HMAC-SHA */
enum cp_ospf_auth {
	CP_OSPF_AUTH_NONE, CP_OSPF_AUTH_MD5, CP_OSPF_AUTH_HMAC_SHA1, CP_OSPF_AUTH_HMAC_SHA256,
	CP_OSPF_AUTH_HMAC_SHA384, CP_OSPF_AUTH_HMAC_SHA512, CP_OSPF_AUTH_MAX
};
/* routing.bgp.peers[].auth.type: none, RFC 2385 TCP-MD5 */
enum cp_bgp_auth { CP_BGP_AUTH_NONE, CP_BGP_AUTH_TCP_MD5, CP_BGP_AUTH_MAX };

extern const char *const cp_sched_names[];
extern const char *const cp_fwd_names[];
extern const char *const cp_caddr_names[];   /* none, proxy_v1, proxy_v2, toa */
extern const char *const cp_proxy_send_names[];   /* first_data, on_connect */
extern const char *const cp_health_names[];
extern const char *const cp_ospf_auth_names[];
extern const char *const cp_bgp_auth_names[];
/* The longest key each OSPF type takes: the digest's length L. RFC 5709
 * 3.3 would hash a longer HMAC key to L bytes where RFC 2104 (and so BIRD)
 * keeps it up to the hash's block size: keys of at most L bytes mean the
 * same to both. MD5 keys are 16 bytes (RFC 2328 D.3). */
extern const uint8_t cp_ospf_auth_key_max[];

#define CP_KEY_PATH_MAX 256

struct cp_health_conf {
	uint8_t type;             /* enum cp_hc_kind */
	uint32_t interval_ms, timeout_ms;
	uint16_t rise, fall;
	uint16_t port;            /* 0 = the server's port */
	char path[256];
	uint16_t status;
	char host[256];
	char payload[512];
	bool require_reply;
};

struct cp_server_conf {
	uint32_t ip;              /* 0 when v6 */
	bool v6;
	uint8_t ip6[16];
	uint16_t port;
	uint32_t weight;          /* 0..65535 */
	bool drain;
	uint32_t u_threshold;     /* ipvsadm -x: no new sessions at this many open (0 = none) */
	uint32_t l_threshold;     /* ipvsadm -y: back in service below this (0 = 3/4 of -x) */
};

struct cp_service_conf {
	uint8_t proto;            /* IPPROTO_TCP / IPPROTO_UDP */
	uint32_t vip;             /* 0 when v6 */
	bool v6;                  /* the VIP is IPv6: vip6 */
	uint8_t vip6[16];
	/* Its servers and sorry server are IPv6 (set at parse time from the
	 * servers, all of one family; v6 when there are none). A v6 VIP over
	 * v4 servers is NAT64 (fullnat only); a v4 VIP over v6 ones is
	 * refused. */
	bool rs_v6;
	uint16_t port;
	uint8_t sched, fwd, on_down;
	uint32_t persistence_s;
	uint32_t persistence_mask;
	bool has_sorry;
	uint32_t sorry_ip;
	uint8_t sorry_ip6[16];    /* when has_sorry and rs_v6 */
	uint16_t sorry_port;
	bool mh_port;
	uint32_t mh_table_size;
	uint8_t client_address;   /* enum cp_caddr (FULLNAT only, but none) */
	uint8_t proxy_send;       /* 0 first_data, 1 on_connect */
	bool synproxy;            /* FULLNAT TCP only */
	struct cp_health_conf health;
	unsigned n_servers;
	struct cp_server_conf *servers;
	/* What new flows must pass (docs/config.md "acl and limits"). */
	unsigned n_allow, n_deny;
	struct cp_prefix *allow, *deny;   /* acl.allow / acl.deny (heap) */
	uint32_t max_conns;               /* 0 = none */
	uint32_t new_conns_per_s;         /* 0 = none */
	uint32_t per_client_new_conns_per_s;
	uint8_t refuse;                   /* 0 rst, 1 drop */
};

#define CP_ACL_MAX (1u << 20)         /* prefixes per list */

struct cp_port_conf {
	char name[CP_PORT_NAME_MAX + 1];
	char dev[256];
	uint32_t ip;
	uint8_t plen;
	uint16_t mtu;
	/* "ip6": the port's IPv6 address (ND and echo are answered for it);
	 * plen6 0: none */
	uint8_t ip6[16];
	uint8_t plen6;
};

/* A port's dev naming a kernel interface alone ("iface=eth1": the driver
 * is mgw's choice, af_xdp or af_packet, dp/port.c): the interface's name,
 * else NULL. */
static inline const char *cp_port_kiface(const char *dev)
{
	return strncmp(dev, "iface=", 6) == 0 ? dev + 6 : NULL;
}

/* A static route: prefix/plen via a gateway on a port's subnet. v6: an
 * IPv6 route (prefix6, via6); via_v6: the family "via" was written in
 * (the validator refuses a route whose two fields differ). */
struct cp_route_conf {
	bool v6, via_v6;
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;
	uint8_t prefix6[16];
	uint8_t via6[16];
};

struct cp_ospf_iface_conf {
	char port[CP_PORT_NAME_MAX + 1];
	uint8_t type;             /* 0 ptp, 1 broadcast */
	uint16_t hello_s, dead_s, cost;
	uint8_t auth;             /* enum cp_ospf_auth */
	uint8_t key_id;
	char key_file[CP_KEY_PATH_MAX];   /* read at start (cp/keyfile.h) */
	bool ttl_security;        /* RFC 5082: send TTL 255, accept only 255 */
};

struct cp_ospf_conf {
	bool enabled;
	uint32_t router_id, area;
	unsigned n_ifaces;
	struct cp_ospf_iface_conf ifaces[CP_OSPF_MAX_IFACES];
	uint16_t vip_cost, lip_cost;
};

struct cp_bgp_peer_conf {
	uint32_t ip, as;
	uint16_t port;
	uint8_t auth;             /* enum cp_bgp_auth */
	char key_file[CP_KEY_PATH_MAX];
	bool ttl_security;        /* RFC 5082 */
};

struct cp_bgp_conf {
	bool enabled;
	uint32_t local_as, router_id;
	uint16_t hold_s;
	uint32_t vip_med, lip_med;
	unsigned n_peers;
	struct cp_bgp_peer_conf peers[CP_BGP_MAX_PEERS];
};

/* Session sync (sync/): the other nodes of the cluster. */
struct cp_sync_peer_conf {
	uint32_t id;              /* its node.id */
	uint32_t ip;              /* its address on the sync port */
	unsigned n_lips;
	uint32_t lips[CP_MAX_LIPS];   /* its local IPs */
	/* "localips" takes both families: the IPv6 ones here, written after
	 * the IPv4 ones (n_lips + n_lips6 <= CP_MAX_LIPS) */
	unsigned n_lips6;
	uint8_t lips6[CP_MAX_LIPS][16];
};

struct cp_sync_conf {
	bool enabled;             /* a "sync" section with peers */
	char port[CP_PORT_NAME_MAX + 1];
	uint16_t udp_port;
	char key_file[256];
	uint32_t heartbeat_ms, dead_after_ms;
	uint32_t peer_quota_pct;  /* of an lcore's table, per peer; 0 = automatic */
	uint32_t bulk_timeout_ms;
	unsigned n_peers;
	struct cp_sync_peer_conf peers[CP_SYNC_MAX_PEERS];
};

struct cp_config {
	/* node */
	uint32_t node_id, router_id;
	uint32_t drain_s;
	/* api */
	uint32_t api_addr;
	uint16_t api_port;
	char api_token[256];      /* "" = none */
	uint32_t api_max_body;
	uint32_t api_max_buffered;     /* bytes of request bodies held at once, all clients */
	uint32_t api_conns_per_client; /* open connections from one address */
	uint32_t api_request_timeout_s;/* a whole request, headers to answer */
	/* metrics: a second, read-only listener for GET /metrics (port 0 = none) */
	uint32_t metrics_addr;
	uint16_t metrics_port;
	/* dpdk */
	char lcores[128];
	unsigned n_args;
	char **args;
	uint32_t idle_sleep_us;
	uint32_t tap_poll_us;
	/* network */
	unsigned n_ports;
	struct cp_port_conf ports[CP_MAX_PORTS];
	unsigned n_routes;
	struct cp_route_conf *routes;
	unsigned n_lips;
	uint32_t lips[CP_MAX_LIPS];
	/* "localips" takes both families: the IPv6 ones here (n_lips +
	 * n_lips6 <= CP_MAX_LIPS), written after the IPv4 ones */
	unsigned n_lips6;
	uint8_t lips6[CP_MAX_LIPS][16];
	/* timeouts, seconds */
	uint32_t to_tcp_est, to_tcp_syn, to_tcp_fin, to_tcp_time_wait, to_tcp_close, to_udp;
	uint32_t lport_guard_s;     /* a TCP tuple rests this long after its session */
	/* services */
	unsigned n_services;
	struct cp_service_conf *services;
	/* routing */
	struct cp_ospf_conf ospf;
	struct cp_bgp_conf bgp;
	/* session sync */
	struct cp_sync_conf sync;
	/* limits */
	uint32_t sessions_per_lcore, max_services, max_servers, mbufs;
	uint32_t lport_min, lport_max;   /* local ports FULLNAT uses, inclusive */
	uint32_t lport_guards;           /* guard slots per lcore; 0 = sessions_per_lcore */
	/* selfcheck */
	uint32_t selfcheck_ms;
	uint8_t recover;
	uint32_t recover_after;
	uint32_t mbuf_min_free_pct;   /* mbuf headroom under this: faulty */
	uint32_t max_loss_pct;        /* sustained rx loss / ring overflow over this: overloaded (0 off) */
	/* table pressure and the exception path */
	uint32_t evict_low_water_pct; /* free sessions under this share: new flows evict first */
	uint32_t punt_pps[3];         /* exception_path: routing, health, other (0 = unlimited) */
	/* debug */
	bool fault_injection;
};

/* A config holding every default (no ports, no services). */
int cp_config_new(struct cp_config **out);
void cp_config_free(struct cp_config *c);
int cp_config_copy(const struct cp_config *src, struct cp_config **out);

/* Parse and validate a whole config. 0, or -EINVAL with *err filled. */
int cp_config_from_json(const json_t *j, struct cp_config **out, struct cp_err *err);
/* Parse a file (JSON syntax errors name line and column). */
int cp_config_load(const char *path, struct cp_config **out, struct cp_err *err);

/* The config in the file's shape (every field, defaults included). */
json_t *cp_config_to_json(const struct cp_config *c);
json_t *cp_service_to_json(const struct cp_service_conf *s);
json_t *cp_server_to_json(const struct cp_server_conf *s);

/* Parse one service / server object, as found at `path` ("services[3]").
 * defaults: for a server, the service port to use when "port" is absent. */
int cp_service_from_json(const json_t *j, const char *path, struct cp_service_conf *out,
			 struct cp_err *err);
int cp_server_from_json(const json_t *j, const char *path, uint16_t default_port,
			struct cp_server_conf *out, struct cp_err *err);
/* A PATCH of a service: cur as JSON with patch's fields over it ("health"
 * merged field by field, any other field replaced), to be parsed with
 * cp_service_from_json. A new object, or NULL when out of memory. */
json_t *cp_service_patch_merge(const struct cp_service_conf *cur, const json_t *patch);
/* Apply a partial server object (PATCH) over an existing one. */
int cp_server_patch_json(const json_t *j, const char *path, struct cp_server_conf *s,
			 struct cp_err *err);
/* Set rs_v6 from the servers (the first one's family: the validator
 * refuses a mix), else from the sorry server (sorry_v6, when has_sorry),
 * else the VIP's. Run whenever the servers change. */
void cp_service_set_rs_family(struct cp_service_conf *s, bool sorry_v6);
void cp_service_free(struct cp_service_conf *s);
int cp_service_copy(const struct cp_service_conf *src, struct cp_service_conf *dst);

/* Cross-field checks over a whole config (uniqueness, subnets, references).
 * cp_config_from_json() runs it; API changes run it on the changed copy. */
int cp_config_validate(const struct cp_config *c, struct cp_err *err);

/* The key files the routing section names are there and hold keys of the
 * right size (cp/keyfile.h). Run on a file being loaded (start, --check),
 * not on API changes: routing is restart-only, so an API change cannot
 * name another key, and a weight change must not fail on a key file. */
int cp_config_check_keys(const struct cp_config *c, struct cp_err *err);

/* An address of either family, as the API's paths and lookups name one. */
struct cp_ip {
	bool v6;
	uint32_t v4;              /* host order, when !v6 */
	uint8_t v6a[16];          /* network order, when v6 */
};

static inline struct cp_ip cp_ip4(uint32_t v4)
{
	return (struct cp_ip){ .v4 = v4 };
}

static inline struct cp_ip cp_ip6(const uint8_t a[16])
{
	struct cp_ip ip = { .v6 = true };

	memcpy(ip.v6a, a, 16);
	return ip;
}

static inline struct cp_ip cp_service_vip(const struct cp_service_conf *s)
{
	return s->v6 ? cp_ip6(s->vip6) : cp_ip4(s->vip);
}

static inline struct cp_ip cp_server_ip(const struct cp_server_conf *r)
{
	return r->v6 ? cp_ip6(r->ip6) : cp_ip4(r->ip);
}

static inline bool cp_ip_eq(const struct cp_ip *a, const struct cp_ip *b)
{
	return a->v6 == b->v6 && (a->v6 ? memcmp(a->v6a, b->v6a, 16) == 0 : a->v4 == b->v4);
}

static inline struct cp_ip cp_route_via(const struct cp_route_conf *r)
{
	return r->via_v6 ? cp_ip6(r->via6) : cp_ip4(r->via);
}

/* The port whose subnet of a's family (ip/plen, or ip6/plen6) holds a;
 * -1 when none does. */
int cp_config_port_of(const struct cp_config *c, const struct cp_ip *a);
/* The port a is reached through and its next hop (*nh): on a port's
 * subnet, a itself; else the gateway of the longest static route of a's
 * family that holds it (dp/xmit.c's order for IPv6). -1 when none. */
int cp_config_route_to(const struct cp_config *c, const struct cp_ip *a, struct cp_ip *nh);

/* Servers are kept in address order (ip, then port; an IPv6 one by its
 * 16 bytes, then port): the order every node sees the same set in, which
 * schedulers' tables and ipvsadm -S rely on, and which keeps checks of
 * big services linear. Cheap when sorted. */
void cp_service_sort_servers(struct cp_service_conf *s);
bool cp_service_sorted(const struct cp_service_conf *s);
/* Order of two servers' (address, port): <0, 0, >0. IPv4 before IPv6
 * (one service holds one family; this only makes the order total). */
int cp_server_cmp(const struct cp_server_conf *a, const struct cp_server_conf *b);
/* Where ip:port is or would go in a sorted list. */
unsigned cp_service_server_pos(const struct cp_service_conf *s, uint32_t ip, uint16_t port);
unsigned cp_service_server_pos_ip(const struct cp_service_conf *s, const struct cp_ip *ip,
				  uint16_t port);

/* Lookups. */
int cp_config_find_service(const struct cp_config *c, uint8_t proto, uint32_t vip,
			   uint16_t port);
int cp_config_find_service_ip(const struct cp_config *c, uint8_t proto, const struct cp_ip *vip,
			      uint16_t port);
/* In a sorted list (binary search). */
int cp_service_find_server(const struct cp_service_conf *s, uint32_t ip, uint16_t port);
int cp_service_find_server_ip(const struct cp_service_conf *s, const struct cp_ip *ip,
			      uint16_t port);

/* Text helpers shared with the API. */
int cp_parse_ipv4(const char *s, uint32_t *out);
/* An IPv6 address in any form inet_pton takes, bare or in brackets
 * ("[fd00::1]"), into 16 network-order bytes. 0, or -EINVAL. */
int cp_parse_ipv6(const char *s, uint8_t out[16]);
/* Either family: a dotted quad into *v4 (*is_v6 false), else an IPv6
 * address (bare or bracketed) into v6 (*is_v6 true). */
int cp_parse_ip(const char *s, uint32_t *v4, uint8_t v6[16], bool *is_v6);
int cp_parse_ip_any(const char *s, struct cp_ip *out);
/* RFC 5952's canonical text (inet_ntop: lowercase, "::" compressed). */
const char *cp_ipv6_str(const uint8_t a[16], char buf[INET6_ADDRSTRLEN]);
/* Either family's text (an IPv6 one without brackets). */
const char *cp_ip_str(const struct cp_ip *ip, char buf[INET6_ADDRSTRLEN]);
int cp_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen);
/* "fd00:1::2/64": an IPv6 address (any form inet_pton takes) and a length
 * 0..128. 0, or -EINVAL. */
int cp_parse_prefix6(const char *s, uint8_t addr[16], uint8_t *plen);
/* "10.0.0.1:80" (IPv4 only: every listen address and peer is). */
int cp_parse_addr_port(const char *s, uint32_t *ip, uint16_t *port);
/* "10.0.0.1:80" or "[fd00::1]:80". */
int cp_parse_ip_port(const char *s, struct cp_ip *ip, uint16_t *port);
const char *cp_ipv4_str(uint32_t ip, char buf[16]);
int cp_parse_proto(const char *s, uint8_t *out);
const char *cp_proto_name(uint8_t proto);

#endif
