/* cp/snap.h — turning a config into the data plane's snapshot. Pure apart
 * from the route table (rte_lpm needs EAL): the same config and ids give the
 * same snapshot. */
#ifndef MGW_CP_SNAP_H
#define MGW_CP_SNAP_H

#include <stdint.h>

#include "cp/config.h"
#include "cp/ids.h"
#include "dp/snap.h"

/* A growing list of ids. */
struct cp_id_list {
	uint32_t *v;
	uint32_t n, cap;
};

struct cp_lip_hold;

struct cp_snap_in {
	const struct cp_config *cfg;
	const struct dp_snap *prev;   /* tables of unchanged services are shared */
	struct cp_ids *svc_ids, *rs_ids;
	const uint8_t *rs_down;       /* per server id: failed its health check */
	uint64_t gen;
	uint16_t n_lcores;
	struct dp_routes *routes;     /* route table to use (built by the caller) */
	const struct cp_lip_hold *lip_hold;   /* cp_lips_set's list (sync on) */
	unsigned n_lip_hold;
	/* out: ids this build made live (give them back if it is not
	 * published) and ids the previous snapshot used that it does not
	 * (retire them once it is). Freed by cp_snap_in_done(). */
	struct cp_id_list got_svc, got_rs, gone_svc, gone_rs;
};

void cp_snap_in_done(struct cp_snap_in *in);

/* The keys of the stable ids: a service's (the first half of its
 * servers' too) and a server's in its service (IPv4: ip << 16 | port;
 * IPv6: a hash of address and port, tagged apart), and the sorry
 * server's (apart from the servers'). An id is cp_ids_find(svc_ids,
 * service key, 0) or cp_ids_find(rs_ids, service key, server key). */
uint64_t cp_snap_svc_key(const struct cp_service_conf *s);
uint64_t cp_snap_server_key(const struct cp_server_conf *r);
uint64_t cp_snap_sorry_key(const struct cp_service_conf *s);
/* The same keys from an address the API names. */
uint64_t cp_snap_svc_key_ip(uint8_t proto, const struct cp_ip *vip, uint16_t port);
uint64_t cp_snap_server_key_ip(const struct cp_ip *ip, uint16_t port);
/* An address as the data plane's tables key it (network order): IPv4
 * itself, IPv6 by its handle (dp/addr6.h). */
uint32_t cp_snap_addr(const struct cp_ip *ip);

int cp_snap_build(struct cp_snap_in *in, struct dp_snap **out, struct cp_err *err);

/* The scheduler table of a service (mh/sh) comes with its own refcount so
 * that snapshots share it while the service's servers and weights stay. */
/* Frees everything but the shared route table. */
void cp_snap_free(struct dp_snap *s);

/* Route specs (connected subnets, then static IPv4 routes) of a config.
 * *n set; the caller frees the array. A stable hash of them tells whether
 * a route table can be shared with the previous snapshot; it covers the
 * IPv6 routes too, so that a change of those makes a new table as well,
 * which is what tells the lcores to forget their cached next hops. */
struct dp_route_spec *cp_snap_routes(const struct cp_config *c, unsigned *n, uint64_t *hash);

/* The config's IPv6 routes as the data path walks them (dp/xmit.c
 * route6): longest prefix first (equal lengths in config order), each out
 * of the port whose ip6 subnet holds its gateway. Up to DP_MAX_ROUTES6
 * (the validator refuses more); returns how many. */
uint32_t cp_snap_routes6(const struct cp_config *c, struct dp_snap_route6 *out);

#endif
