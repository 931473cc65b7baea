/* dp/route.h — IPv4 routes: longest-prefix match (rte_lpm) to a next hop.
 *
 * A route table is immutable once built. The control plane builds one when
 * the routes (static or connected) change and shares it between config
 * snapshots until they change again: an rte_lpm costs 64 MB of tbl24, too
 * much to rebuild for every server added. */
#ifndef MGW_DP_ROUTE_H
#define MGW_DP_ROUTE_H

#include <stdint.h>

#include <rte_lpm.h>

struct dp_nexthop {
	uint32_t gw;      /* network order; 0 = the destination is on-link */
	uint16_t port;
};

struct dp_route_spec {
	uint32_t prefix;  /* network order */
	uint8_t plen;
	uint32_t gw;      /* network order; 0 = connected */
	uint16_t port;
};

struct dp_routes {
	struct rte_lpm *lpm;
	int32_t default_nh;     /* rte_lpm has no /0: the default route, or -1 */
	uint32_t n_routes;
	uint32_t n_nh;
	struct dp_nexthop nh[];
};

/* Build a table from routes (n ≤ 65535). `name` must be unique among live
 * tables (rte_lpm names are global). 0 or -errno. */
int dp_routes_build(const char *name, const struct dp_route_spec *r, unsigned n,
		    struct dp_routes **out);
void dp_routes_free(struct dp_routes *rt);

/* Where does dst (network order) go: egress port and next-hop address (the
 * gateway, or dst itself when on-link). 0 or -ENOENT. */
static inline int dp_routes_lookup(const struct dp_routes *rt, uint32_t dst, uint16_t *port,
				   uint32_t *nh_ip)
{
	uint32_t idx;

	if (rte_lpm_lookup(rt->lpm, __builtin_bswap32(dst), &idx) != 0) {
		if (rt->default_nh < 0)
			return -ENOENT;
		idx = (uint32_t)rt->default_nh;
	}
	*port = rt->nh[idx].port;
	*nh_ip = rt->nh[idx].gw ? rt->nh[idx].gw : dst;
	return 0;
}

#endif
