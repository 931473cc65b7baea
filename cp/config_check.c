/* cp/config_check.c — checks across fields of a whole config: uniqueness,
 * addresses that must not collide, references by name, what this build of
 * the data plane can do. The first problem found is reported. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/config_read.h"
#include "dp/addr6.h"
#include "cp/keyfile.h"
#include "cp/maglev.h"

static uint32_t mask_of(uint8_t plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

static int port_of_addr(const struct cp_config *c, uint32_t ip)
{
	struct cp_ip a = cp_ip4(ip);

	return cp_config_port_of(c, &a);
}

static bool is_port_ip(const struct cp_config *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (c->ports[i].ip == ip)
			return true;
	return false;
}

static bool is_lip(const struct cp_config *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_lips; i++)
		if (c->lips[i] == ip)
			return true;
	return false;
}

static bool usable_host(uint32_t ip)
{
	uint8_t a = (uint8_t)(ip >> 24);

	return ip != 0 && ip != 0xffffffff && a != 127 && a < 224;
}

/* The first plen bits of a and b alike. */
/* An address a port may have: no multicast (ff00::/8), link-local
 * (fe80::/10: each port's own, derived, not configured), loopback,
 * unspecified or v4-mapped (::ffff:0:0/96). */
static bool usable_host6(const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return false;
	return memcmp(a, mapped, 12) != 0;
}

static int check_ports(const struct cp_config *c, struct cp_err *err)
{
	char p[32];

	if (c->n_ports == 0)
		return cp_rd_fail(err, NULL, "ports", "needs at least one port");
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct cp_port_conf *a = &c->ports[i];

		cp_rd_index(p, sizeof(p), NULL, "ports", i);
		if (!usable_host(a->ip))
			return cp_rd_fail(err, p, "ip", "must be a unicast host address");
		if ((a->ip & ~mask_of(a->plen)) == 0 || (a->ip | mask_of(a->plen)) == 0xffffffff)
			return cp_rd_fail(err, p, "ip", "is its subnet's network or broadcast address");
		for (unsigned k = 0; k < i; k++) {
			const struct cp_port_conf *b = &c->ports[k];
			uint32_t m = mask_of(a->plen < b->plen ? a->plen : b->plen);

			if (strcmp(a->name, b->name) == 0)
				return cp_rd_fail(err, p, "name", "duplicates ports[%u].name", k);
			if (strcmp(a->dev, b->dev) == 0)
				return cp_rd_fail(err, p, "dev", "duplicates ports[%u].dev", k);
			if (((a->ip ^ b->ip) & m) == 0)
				return cp_rd_fail(err, p, "ip", "overlaps the subnet of ports[%u]", k);
			if (a->plen6 && b->plen6 &&
			    dp_ip6_in_prefix(a->ip6, b->ip6, a->plen6 < b->plen6 ? a->plen6 : b->plen6))
				return cp_rd_fail(err, p, "ip6", "overlaps the subnet of ports[%u]", k);
		}
		if (a->plen6 && !usable_host6(a->ip6))
			return cp_rd_fail(err, p, "ip6",
					  "must be a global or unique-local unicast address (not multicast, link-local, loopback, unspecified or v4-mapped)");
		if (a->plen6 && a->mtu < 1280)
			return cp_rd_fail(err, p, "mtu",
					  "must be at least 1280 on a port with an ip6 (IPv6's minimum, RFC 8200)");
	}
	return 0;
}

/* The port whose IPv6 subnet holds a, -1 when none. */
static int port_of_addr6(const struct cp_config *c, const uint8_t *a)
{
	struct cp_ip ip = cp_ip6(a);

	return cp_config_port_of(c, &ip);
}

static bool is_port_ip6(const struct cp_config *c, const uint8_t *a)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (c->ports[i].plen6 && memcmp(c->ports[i].ip6, a, 16) == 0)
			return true;
	return false;
}

/* An IPv6 route (routes[i], at path p); n6: the IPv6 routes before it. */
static int check_route6(const struct cp_config *c, unsigned i, unsigned n6, const char *p,
			struct cp_err *err)
{
	const struct cp_route_conf *r = &c->routes[i];
	uint8_t net[16] = { 0 };
	char a[INET6_ADDRSTRLEN];

	if (n6 == CP_MAX_ROUTES6)
		return cp_rd_fail(err, p, "prefix",
				  "is IPv6 route number %u: the data path holds at most %u", n6 + 1,
				  CP_MAX_ROUTES6);
	memcpy(net, r->prefix6, r->plen / 8);
	if (r->plen % 8)
		net[r->plen / 8] = r->prefix6[r->plen / 8] & (uint8_t)(0xff00u >> (r->plen % 8));
	if (memcmp(net, r->prefix6, 16))
		return cp_rd_fail(err, p, "prefix", "has host bits set (did you mean %s/%u?)",
				  cp_ipv6_str(net, a), r->plen);
	if (port_of_addr6(c, r->via6) < 0)
		return cp_rd_fail(err, p, "via", "is not in the IPv6 subnet of any port (ports[].ip6)");
	if (is_port_ip6(c, r->via6))
		return cp_rd_fail(err, p, "via", "is one of our own port addresses");
	for (unsigned k = 0; k < i; k++)
		if (c->routes[k].v6 && c->routes[k].plen == r->plen &&
		    !memcmp(c->routes[k].prefix6, r->prefix6, 16))
			return cp_rd_fail(err, p, "prefix", "duplicates routes[%u]", k);
	return 0;
}

static int check_routes(const struct cp_config *c, struct cp_err *err)
{
	unsigned n6 = 0;
	char p[32];

	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct cp_route_conf *r = &c->routes[i];

		cp_rd_index(p, sizeof(p), NULL, "routes", i);
		if (r->v6 != r->via_v6)
			return cp_rd_fail(err, p, "via",
					  "is IPv%c where prefix is IPv%c: a route's prefix and via "
					  "are of one family", r->via_v6 ? '6' : '4', r->v6 ? '6' : '4');
		if (r->v6) {
			if (check_route6(c, i, n6++, p, err) < 0)
				return -EINVAL;
			continue;
		}
		if (r->prefix & ~mask_of(r->plen)) {
			char a[16];

			return cp_rd_fail(err, p, "prefix", "has host bits set (did you mean %s/%u?)",
					  cp_ipv4_str(r->prefix & mask_of(r->plen), a), r->plen);
		}
		if (port_of_addr(c, r->via) < 0)
			return cp_rd_fail(err, p, "via", "is not in the subnet of any port");
		if (is_port_ip(c, r->via))
			return cp_rd_fail(err, p, "via", "is one of our own port addresses");
		for (unsigned k = 0; k < i; k++)
			if (!c->routes[k].v6 && c->routes[k].prefix == r->prefix &&
			    c->routes[k].plen == r->plen)
				return cp_rd_fail(err, p, "prefix", "duplicates routes[%u]", k);
	}
	return 0;
}

static int check_lips(const struct cp_config *c, struct cp_err *err)
{
	char p[32];

	for (unsigned i = 0; i < c->n_lips; i++) {
		cp_rd_index(p, sizeof(p), NULL, "localips", i);
		if (!usable_host(c->lips[i]))
			return cp_rd_fail(err, p, NULL, "must be a unicast host address");
		if (is_port_ip(c, c->lips[i]))
			return cp_rd_fail(err, p, NULL, "is a port's own address");
		for (unsigned k = 0; k < i; k++)
			if (c->lips[k] == c->lips[i])
				return cp_rd_fail(err, p, NULL, "duplicates localips[%u]", k);
	}
	return 0;
}

static const uint8_t zero16[16];

/* An IPv6 address of this node: a port's ip6 or a local IP. */
static bool is_own6(const struct cp_config *c, const uint8_t *a)
{
	if (is_port_ip6(c, a))
		return true;
	for (unsigned i = 0; i < c->n_lips6; i++)
		if (memcmp(c->lips6[i], a, 16) == 0)
			return true;
	return false;
}

/* The IPv6 local IPs are named by their place in GET /config's
 * "localips": after the IPv4 ones. */
static int check_lips6(const struct cp_config *c, struct cp_err *err)
{
	char p[32], b[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < c->n_lips6; i++) {
		const uint8_t *a = c->lips6[i];

		cp_rd_index(p, sizeof(p), NULL, "localips", c->n_lips + i);
		if (!usable_host6(a))
			return cp_rd_fail(err, p, NULL,
					  "%s must be a global or unique-local unicast address",
					  cp_ipv6_str(a, b));
		for (unsigned k = 0; k < c->n_ports; k++)
			if (c->ports[k].plen6 && memcmp(c->ports[k].ip6, a, 16) == 0)
				return cp_rd_fail(err, p, NULL, "%s is ports[%u].ip6",
						  cp_ipv6_str(a, b), k);
		for (unsigned k = 0; k < i; k++)
			if (memcmp(c->lips6[k], a, 16) == 0)
				return cp_rd_fail(err, p, NULL, "%s duplicates localips[%u]",
						  cp_ipv6_str(a, b), c->n_lips + k);
	}
	return 0;
}

/* An entry of a list sorted to find duplicates in O(n log n): a service
 * of 10,000 servers is checked on every API call, and a body of 100,000
 * must be answered in milliseconds. */
struct ent_idx {
	const void *p;    /* the server or service */
	uint32_t idx;     /* position in the operator's list */
};

static int cmp_rs_idx(const void *a, const void *b)
{
	const struct ent_idx *x = a, *y = b;
	int d = cp_server_cmp(x->p, y->p);

	return d ? d : (x->idx > y->idx) - (x->idx < y->idx);
}

/* (proto, family, VIP, port) */
static int cmp_svc(const struct cp_service_conf *x, const struct cp_service_conf *y)
{
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->v6 != y->v6)
		return x->v6 ? 1 : -1;
	if (x->v6 && memcmp(x->vip6, y->vip6, 16))
		return memcmp(x->vip6, y->vip6, 16);
	if (!x->v6 && x->vip != y->vip)
		return x->vip < y->vip ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

static int cmp_svc_idx(const void *a, const void *b)
{
	const struct ent_idx *x = a, *y = b;
	int d = cmp_svc(x->p, y->p);

	return d ? d : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The first entry (in list order) whose key an earlier one has: -1 if
 * none, else its index and *first the earlier one's. eq: same key. */
static int first_dup(struct ent_idx *k, unsigned n, int (*cmp)(const void *, const void *),
		     bool (*eq)(const void *, const void *), unsigned *first)
{
	int dup = -1;

	qsort(k, n, sizeof(*k), cmp);
	/* Within a run of equal keys the indices ascend: its first is the
	 * earliest, its second the first duplicate of that key. */
	for (unsigned i = 1; i < n; i++) {
		bool second = eq(k[i].p, k[i - 1].p) && (i == 1 || !eq(k[i - 2].p, k[i].p));

		if (second && (dup < 0 || k[i].idx < (unsigned)dup)) {
			dup = (int)k[i].idx;
			*first = k[i - 1].idx;
		}
	}
	return dup;
}

static bool eq_rs(const void *a, const void *b)
{
	return cp_server_cmp(a, b) == 0;
}

static bool eq_svc(const void *a, const void *b)
{
	return cmp_svc(a, b) == 0;
}

/* The first server (in list order) whose address and port an earlier one
 * has: -1 if none, else its index and *first the earlier one's. */
static int first_duplicate(const struct cp_service_conf *s, unsigned *first)
{
	struct ent_idx *k;
	int dup;

	if (s->n_servers < 2 || cp_service_sorted(s))
		return -1;   /* strictly increasing: no two alike */
	k = malloc(s->n_servers * sizeof(*k));
	if (!k)
		return -1;
	for (unsigned i = 0; i < s->n_servers; i++)
		k[i] = (struct ent_idx){ &s->servers[i], i };
	dup = first_dup(k, s->n_servers, cmp_rs_idx, eq_rs, first);
	free(k);
	return dup;
}

static bool contiguous_mask(uint32_t m)
{
	return (m | (m - 1)) == 0xffffffff || m == 0;
}

/* This node's own addresses (ports' and local IPs), sorted: servers are
 * checked against them by binary search, thousands per API call. */
struct own_addrs {
	unsigned n;
	uint32_t a[CP_MAX_PORTS + CP_MAX_LIPS];
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void own_addrs(const struct cp_config *c, struct own_addrs *o)
{
	o->n = 0;
	for (unsigned i = 0; i < c->n_ports; i++)
		o->a[o->n++] = c->ports[i].ip;
	for (unsigned i = 0; i < c->n_lips; i++)
		o->a[o->n++] = c->lips[i];
	qsort(o->a, o->n, sizeof(o->a[0]), cmp_u32);
}

static bool is_own(const struct own_addrs *o, uint32_t ip)
{
	return bsearch(&ip, o->a, o->n, sizeof(o->a[0]), cmp_u32) != NULL;
}

/* How this node reaches ip: on-link (in a port's subnet, no static route
 * more specific), routed (*route: the static route that takes it), or not
 * at all. */
enum reach { REACH_NONE, REACH_LINK, REACH_ROUTED };

/* Is a in the ip6 subnet of one of the ports? */
static bool on_link6(const struct cp_config *c, const uint8_t *a)
{
	for (unsigned k = 0; k < c->n_ports; k++)
		if (c->ports[k].plen6 && dp_ip6_in_prefix(a, c->ports[k].ip6, c->ports[k].plen6))
			return true;
	return false;
}

/* How ip is reached, as the data path will: IPv4 by the longest of the
 * ports' subnets and the routes; IPv6 on a port's subnet first, else by
 * the longest IPv6 route (dp/xmit.c). *route: the route's index. */
static enum reach reach_of(const struct cp_config *c, const struct cp_ip *ip, unsigned *route)
{
	int port = ip->v6 ? (on_link6(c, ip->v6a) ? 0 : -1) : port_of_addr(c, ip->v4);
	int best = port >= 0 && !ip->v6 ? c->ports[port].plen : -1;
	enum reach r = port >= 0 ? REACH_LINK : REACH_NONE;

	if (ip->v6 && port >= 0)
		return r;
	for (unsigned k = 0; k < c->n_routes; k++) {
		const struct cp_route_conf *rt = &c->routes[k];
		bool in = rt->v6 == ip->v6 &&
			  (ip->v6 ? dp_ip6_in_prefix(ip->v6a, rt->prefix6, rt->plen)
				  : ((ip->v4 ^ rt->prefix) & mask_of(rt->plen)) == 0);

		if (in && (int)rt->plen > best) {
			best = rt->plen;
			r = REACH_ROUTED;
			*route = k;
		}
	}
	return r;
}

/* What a mode needs of a server (or the sorry server) at ip:port, checked
 * under path (its "ip" and "port" fields):
 * - dr: on-link (the packet goes to its MAC) and the service's port (the
 *   packet is not changed);
 * - tunnel: the service's port, and a route to it;
 * - nat: a route to it (on-link or routed; its replies must come back
 *   through mgw: the server's default route, docs/config.md).
 * FULLNAT servers are reached like any destination. */
static int check_fwd_target(const struct cp_config *c, const struct cp_service_conf *s,
			    const char *path, const char *ip_field, const char *port_field,
			    const struct cp_ip *ip, uint16_t port, struct cp_err *err)
{
	const char *mode = cp_fwd_names[s->fwd];
	unsigned route = 0;
	enum reach r;

	if (s->fwd == CP_FWD_FULLNAT)
		return 0;
	if ((s->fwd == CP_FWD_DR || s->fwd == CP_FWD_TUNNEL) && port != s->port)
		return cp_rd_fail(err, path, port_field,
				  "must be the service's port (%u): %s forwards the client's packet "
				  "unchanged", s->port, mode);
	r = reach_of(c, ip, &route);
	if (s->fwd == CP_FWD_DR && r == REACH_NONE)
		return cp_rd_fail(err, path, ip_field,
				  "is not in the subnet of any port: dr sends to the server's MAC, so "
				  "it must be on-link (use tunnel for a routed server)");
	if (s->fwd == CP_FWD_DR && r == REACH_ROUTED)
		return cp_rd_fail(err, path, ip_field,
				  "is reached through routes[%u]: dr needs the server on-link (use "
				  "tunnel for a routed server)", route);
	if (r == REACH_NONE)
		return cp_rd_fail(err, path, ip_field,
				  "is neither in the subnet of a port nor behind a route: %s needs a "
				  "way to the server", mode);
	return 0;
}

static int check_vip4(const struct cp_config *c, const struct cp_service_conf *s,
		      const char *p, struct cp_err *err)
{
	if (!usable_host(s->vip))
		return cp_rd_fail(err, p, "vip", "must be a unicast host address");
	if (is_port_ip(c, s->vip))
		return cp_rd_fail(err, p, "vip", "is a port's own address");
	if (is_lip(c, s->vip))
		return cp_rd_fail(err, p, "vip", "is a local IP (localips)");
	if (s->rs_v6) {
		if (s->n_servers) {
			char sp[64];

			cp_rd_index(sp, sizeof(sp), p, "servers", 0);
			return cp_rd_fail(err, sp, "ip", "an IPv4 VIP cannot front IPv6 servers");
		}
		return cp_rd_fail(err, p, "sorry_server.ip",
				  "an IPv4 VIP cannot front IPv6 servers");
	}
	return 0;
}

/* The port's ip6 rule (global or unique-local unicast) for a VIP too. */
static int check_vip6(const struct cp_config *c, const struct cp_service_conf *s,
		      const char *p, struct cp_err *err)
{
	if (!usable_host6(s->vip6))
		return cp_rd_fail(err, p, "vip", "must be a global or unique-local unicast address "
				  "(not multicast, link-local, loopback, unspecified or v4-mapped)");
	for (unsigned k = 0; k < c->n_ports; k++)
		if (c->ports[k].plen6 && memcmp(c->ports[k].ip6, s->vip6, 16) == 0)
			return cp_rd_fail(err, p, "vip", "is ports[%u].ip6", k);
	for (unsigned k = 0; k < c->n_lips6; k++)
		if (memcmp(c->lips6[k], s->vip6, 16) == 0)
			return cp_rd_fail(err, p, "vip", "is a local IP (localips[%u])",
					  c->n_lips + k);
	return 0;
}

/* What the data path does not do with IPv6 yet (docs/config.md). */
static int check_v6_limits(const struct cp_service_conf *s, const char *p, struct cp_err *err)
{
	if (!s->rs_v6 && s->fwd != CP_FWD_FULLNAT)
		return cp_rd_fail(err, p, "forward",
				  "forward %s needs IPv6 servers: an IPv6 VIP in front of IPv4 ones is "
				  "NAT64, which is fullnat only", cp_fwd_names[s->fwd]);
	if (s->persistence_mask != 0xffffffff)
		return cp_rd_fail(err, p, "persistence_mask",
				  "is an IPv4 netmask: leave it 255.255.255.255 on IPv6 services");
	if (s->n_allow || s->n_deny)
		return cp_rd_fail(err, p, s->n_allow ? "acl.allow" : "acl.deny",
				  "is not supported for IPv6 services yet (leave acl empty)");
	return 0;
}

static int check_service(const struct cp_config *c, const struct own_addrs *own, unsigned i,
			 struct cp_err *err)
{
	const struct cp_service_conf *s = &c->services[i];
	struct cp_ip sorry = s->rs_v6 ? cp_ip6(s->sorry_ip6) : cp_ip4(s->sorry_ip);
	char p[32], sp[64];

	cp_rd_index(p, sizeof(p), NULL, "services", i);
	if (s->v6 ? check_vip6(c, s, p, err) < 0 : check_vip4(c, s, p, err) < 0)
		return -EINVAL;
	if (s->fwd == CP_FWD_FULLNAT && !s->rs_v6 && c->n_lips == 0)
		return cp_rd_fail(err, NULL, "localips",
				  s->v6 ? "NAT64 services (an IPv6 VIP, IPv4 servers) need at least "
					  "one IPv4 local IP"
					: "FULLNAT services need at least one local IP");
	if (s->fwd == CP_FWD_FULLNAT && s->rs_v6 && c->n_lips6 == 0)
		return cp_rd_fail(err, NULL, "localips",
				  "FULLNAT services to IPv6 servers need at least one IPv6 local IP");
	if ((s->v6 || s->rs_v6) && check_v6_limits(s, p, err) < 0)
		return -EINVAL;
	if (!contiguous_mask(s->persistence_mask))
		return cp_rd_fail(err, p, "persistence_mask", "must be a contiguous netmask");
	if (!cp_mh_size_ok(s->mh_table_size)) {
		char sizes[96];

		return cp_rd_fail(err, p, "mh_table_size", "must be one of %s",
				  cp_mh_sizes_str(sizes, sizeof(sizes)));
	}
	if (s->client_address != CP_CADDR_NONE && s->fwd != CP_FWD_FULLNAT)
		return cp_rd_fail(err, p, "client_address",
				  "needs forward fullnat (the server sees the client itself in %s)",
				  cp_fwd_names[s->fwd]);
	if (s->proto == IPPROTO_UDP &&
	    (s->client_address == CP_CADDR_PROXY_V1 || s->client_address == CP_CADDR_TOA))
		return cp_rd_fail(err, p, "client_address",
				  "%s is TCP only (UDP services take none or proxy_v2)",
				  cp_caddr_names[s->client_address]);
	if (s->proxy_send && s->client_address != CP_CADDR_PROXY_V1 &&
	    s->client_address != CP_CADDR_PROXY_V2)
		return cp_rd_fail(err, p, "proxy_send", "needs client_address proxy_v1 or proxy_v2");
	if (s->proxy_send && s->proto != IPPROTO_TCP)
		return cp_rd_fail(err, p, "proxy_send", "is for TCP services");
	if (s->synproxy && (s->fwd != CP_FWD_FULLNAT || s->proto != IPPROTO_TCP))
		return cp_rd_fail(err, p, "synproxy", "needs a TCP service with forward fullnat");
	if (s->has_sorry && s->rs_v6 &&
	    (!usable_host6(s->sorry_ip6) || (s->v6 && !memcmp(s->sorry_ip6, s->vip6, 16))))
		return cp_rd_fail(err, p, "sorry_server.ip", "must be a unicast address, not the VIP");
	if (s->has_sorry && s->rs_v6 &&
	    check_fwd_target(c, s, p, "sorry_server.ip", "sorry_server.port", &sorry,
			     s->sorry_port, err) < 0)
		return -EINVAL;
	/* an IPv6 sorry server left behind when IPv4 servers came in */
	if (s->has_sorry && !s->rs_v6 && !s->sorry_ip && memcmp(s->sorry_ip6, zero16, 16))
		return cp_rd_fail(err, p, "sorry_server.ip", "must be of the servers' family (IPv4)");
	if (s->has_sorry && !s->rs_v6 && (!usable_host(s->sorry_ip) || s->sorry_ip == s->vip))
		return cp_rd_fail(err, p, "sorry_server.ip", "must be a unicast address, not the VIP");
	if (s->has_sorry && !s->rs_v6 &&
	    check_fwd_target(c, s, p, "sorry_server.ip", "sorry_server.port", &sorry,
			     s->sorry_port, err) < 0)
		return -EINVAL;
	for (unsigned r = 0; r < s->n_servers; r++) {
		const struct cp_server_conf *rs = &s->servers[r];
		struct cp_ip ip = cp_server_ip(rs);

		if (rs->v6 != s->rs_v6) {
			cp_rd_index(sp, sizeof(sp), p, "servers", r);
			return cp_rd_fail(err, sp, "ip",
					  "is IPv%c where servers[0] is IPv%c: the servers of a "
					  "service are all of one family", rs->v6 ? '6' : '4',
					  s->rs_v6 ? '6' : '4');
		}
		if (rs->v6) {
			cp_rd_index(sp, sizeof(sp), p, "servers", r);
			if (usable_host6(rs->ip6) && !is_own6(c, rs->ip6) &&
			    !(s->v6 && !memcmp(rs->ip6, s->vip6, 16))) {
				if (check_fwd_target(c, s, sp, "ip", "port", &ip, rs->port, err) < 0)
					return -EINVAL;
				continue;
			}
			if (!usable_host6(rs->ip6))
				return cp_rd_fail(err, sp, "ip",
						  "must be a global or unique-local unicast address");
			return cp_rd_fail(err, sp, "ip", "is one of this node's own addresses");
		}
		if (usable_host(rs->ip) && rs->ip != s->vip && !is_own(own, rs->ip)) {
			/* the path is made only for the message */
			if (s->fwd == CP_FWD_FULLNAT ||
			    check_fwd_target(c, s, NULL, "ip", "port", &ip, rs->port, NULL) == 0)
				continue;
			cp_rd_index(sp, sizeof(sp), p, "servers", r);
			return check_fwd_target(c, s, sp, "ip", "port", &ip, rs->port, err);
		}
		cp_rd_index(sp, sizeof(sp), p, "servers", r);
		if (!usable_host(rs->ip))
			return cp_rd_fail(err, sp, "ip", "must be a unicast host address");
		return cp_rd_fail(err, sp, "ip", "is one of this node's own addresses");
	}
	{
		unsigned first = 0;
		int r = first_duplicate(s, &first);

		if (r >= 0) {
			cp_rd_index(sp, sizeof(sp), p, "servers", (size_t)r);
			return cp_rd_fail(err, sp, NULL, "duplicates servers[%u]", first);
		}
	}
	return 0;
}

/* A key file must be there and hold a key of 1..max bytes when the config
 * is checked, not first when the speaker starts. */
static int check_routing_key(const char *path, const char *file, size_t max, const char *what,
			     struct cp_err *err)
{
	uint8_t key[CP_KEY_MAX];
	size_t len = 0;
	int rc = cp_key_read(file, key, max, &len);

	memset(key, 0, sizeof(key));
	if (rc == -E2BIG)
		return cp_rd_fail(err, path, "key_file", "%s holds more than %zu bytes: %s keys are 1..%zu bytes",
				  file, max, what, max);
	if (rc < 0)
		return cp_rd_fail(err, path, "key_file", "%s %s", file, cp_key_strerror(rc));
	return 0;
}

int cp_config_check_keys(const struct cp_config *c, struct cp_err *err)
{
	char p[64], ap[80];

	for (unsigned i = 0; c->ospf.enabled && i < c->ospf.n_ifaces; i++) {
		uint8_t t = c->ospf.ifaces[i].auth;

		if (t == CP_OSPF_AUTH_NONE || t >= CP_OSPF_AUTH_MAX)
			continue;
		cp_rd_index(p, sizeof(p), "routing.ospf", "interfaces", i);
		cp_rd_path(ap, sizeof(ap), p, "auth");
		if (check_routing_key(ap, c->ospf.ifaces[i].key_file, cp_ospf_auth_key_max[t],
				   cp_ospf_auth_names[t], err) < 0)
			return -EINVAL;
	}
	for (unsigned i = 0; c->bgp.enabled && i < c->bgp.n_peers; i++) {
		if (c->bgp.peers[i].auth != CP_BGP_AUTH_TCP_MD5)
			continue;
		cp_rd_index(p, sizeof(p), "routing.bgp", "peers", i);
		cp_rd_path(ap, sizeof(ap), p, "auth");
		if (check_routing_key(ap, c->bgp.peers[i].key_file, CP_KEY_MAX, "tcp-md5", err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int check_routing(const struct cp_config *c, struct cp_err *err)
{
	for (unsigned i = 0; c->ospf.enabled && i < c->ospf.n_ifaces; i++) {
		unsigned k;
		char p[64];

		cp_rd_index(p, sizeof(p), "routing.ospf", "interfaces", i);
		for (k = 0; k < c->n_ports; k++)
			if (strcmp(c->ports[k].name, c->ospf.ifaces[i].port) == 0)
				break;
		if (k == c->n_ports)
			return cp_rd_fail(err, p, "port", "names no port");
		for (k = 0; k < i; k++)
			if (strcmp(c->ospf.ifaces[k].port, c->ospf.ifaces[i].port) == 0)
				return cp_rd_fail(err, p, "port", "duplicates interfaces[%u]", k);
	}
	for (unsigned i = 0; c->bgp.enabled && i < c->bgp.n_peers; i++) {
		char p[64];

		cp_rd_index(p, sizeof(p), "routing.bgp", "peers", i);
		if (port_of_addr(c, c->bgp.peers[i].ip) < 0)
			return cp_rd_fail(err, p, "ip", "is not in the subnet of any port");
		for (unsigned k = 0; k < i; k++)
			if (c->bgp.peers[k].ip == c->bgp.peers[i].ip)
				return cp_rd_fail(err, p, "ip", "duplicates peers[%u]", k);
	}
	return 0;
}

/* Two services with one proto, VIP (of one family) and port: sorted, as
 * for servers. */
static int check_service_dups(const struct cp_config *c, struct cp_err *err)
{
	struct ent_idx *k;
	unsigned first = 0;
	int dup;
	char p[32], b[INET6_ADDRSTRLEN];
	struct cp_ip vip;

	if (c->n_services < 2)
		return 0;
	k = malloc(c->n_services * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_services; i++)
		k[i] = (struct ent_idx){ &c->services[i], i };
	dup = first_dup(k, c->n_services, cmp_svc_idx, eq_svc, &first);
	free(k);
	if (dup < 0)
		return 0;
	cp_rd_index(p, sizeof(p), NULL, "services", (size_t)dup);
	vip = cp_service_vip(&c->services[dup]);
	return cp_rd_fail(err, p, NULL, vip.v6 ? "duplicates services[%u] (%s [%s]:%u)"
					       : "duplicates services[%u] (%s %s:%u)", first,
			  cp_proto_name(c->services[dup].proto), cp_ip_str(&vip, b),
			  c->services[dup].port);
}

/* Every local IPv6 address (the VIPs, the local IPs) rides the data
 * path's tables as its handle, which must be its own (dp/addr6.h): sorted
 * by handle, neighbours sharing one with another address are refused. */
struct handle_ent {
	uint32_t h;
	const uint8_t *a;
	unsigned order;           /* localips first, then services */
	char field[48];
};

static int cmp_handle(const void *x, const void *y)
{
	const struct handle_ent *a = x, *b = y;
	int d;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	d = memcmp(a->a, b->a, 16);
	return d ? d : (a->order > b->order) - (a->order < b->order);
}

static int check_handles6(const struct cp_config *c, struct cp_err *err)
{
	struct handle_ent *e;
	unsigned n = 0;
	int rc = 0;

	e = malloc((c->n_lips6 + c->n_services + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_lips6; i++, n++) {
		e[n] = (struct handle_ent){ dp_ip6_handle(c->lips6[i]), c->lips6[i], n, "" };
		cp_rd_index(e[n].field, sizeof(e[n].field), NULL, "localips", c->n_lips + i);
	}
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *s = &c->services[i];

		if (!s->v6)
			continue;
		e[n] = (struct handle_ent){ dp_ip6_handle(s->vip6), s->vip6, n, "" };
		cp_rd_index(e[n].field, sizeof(e[n].field), NULL, "services", i);
		snprintf(e[n].field + strlen(e[n].field), sizeof(e[n].field) - strlen(e[n].field),
			 ".vip");
		n++;
	}
	qsort(e, n, sizeof(*e), cmp_handle);
	for (unsigned i = 1; i < n && rc == 0; i++) {
		/* the same address (services sharing a VIP) is one key */
		if (e[i].h == e[i - 1].h && memcmp(e[i].a, e[i - 1].a, 16)) {
			const struct handle_ent *x = &e[i - 1], *y = &e[i];
			char bx[INET6_ADDRSTRLEN], by[INET6_ADDRSTRLEN];

			if (x->order > y->order) {
				x = &e[i];
				y = &e[i - 1];
			}
			rc = cp_rd_fail(err, x->field, NULL,
					"%s and %s %s share a table key (dp/addr6.h); use another address",
					cp_ipv6_str(x->a, bx), y->field, cp_ipv6_str(y->a, by));
		}
	}
	free(e);
	return rc;
}

/* The API's own safety: a listener others can reach needs a token. */
static int check_api(const struct cp_config *c, struct cp_err *err)
{
	if ((c->api_addr >> 24) != 127 && !c->api_token[0])
		return cp_rd_fail(err, "api", "token",
				  "is required when api.listen is not a loopback address (anyone "
				  "who reaches it could change the config)");
	if (c->metrics_port && c->metrics_port == c->api_port &&
	    (c->metrics_addr == c->api_addr || !c->metrics_addr || !c->api_addr))
		return cp_rd_fail(err, "metrics", "listen", "must differ from api.listen");
	return 0;
}

/* A key file the sync thread will read at start: there, readable, long
 * enough (its bytes, trailing whitespace dropped, are the HMAC key). */
static int check_key_file(const char *path, struct cp_err *err)
{
	unsigned char buf[512];
	size_t n;
	FILE *f;

	if (!path[0])
		return cp_rd_fail(err, "sync", "key_file", "is required when sync has peers");
	f = fopen(path, "rb");
	if (!f)
		return cp_rd_fail(err, "sync", "key_file", "cannot be read: %s: %s", path,
				  strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '\t'))
		n--;
	if (n < 16)
		return cp_rd_fail(err, "sync", "key_file", "%s holds %zu bytes: a key needs at least 16",
				  path, n);
	return 0;
}


/* A peer's IPv6 local IP: a usable address, none of ours, and its handle
 * (dp/addr6.h) none of our v6 addresses' nor another peer's local IP's:
 * a node that takes it over keys its sessions by that handle. */
static int check_peer_lip6(const struct cp_config *c, unsigned i, unsigned l, const char *pp,
			   struct cp_err *err)
{
	const uint8_t *a = c->sync.peers[i].lips6[l];
	uint32_t h = dp_ip6_handle(a);
	char lp[96], b[INET6_ADDRSTRLEN];

	cp_rd_index(lp, sizeof(lp), pp, "localips", c->sync.peers[i].n_lips + l);
	if (!usable_host6(a))
		return cp_rd_fail(err, lp, NULL, "%s must be a global or unique-local unicast address",
				  cp_ipv6_str(a, b));
	if (is_own6(c, a))
		return cp_rd_fail(err, lp, NULL, "is an address of this node: every node has local "
				  "IPs of its own");
	for (unsigned k = 0; k < c->n_lips6; k++)
		if (dp_ip6_handle(c->lips6[k]) == h)
			return cp_rd_fail(err, lp, NULL, "%s has the handle of localips[%u] (dp/addr6.h)",
					  cp_ipv6_str(a, b), c->n_lips + k);
	for (unsigned k = 0; k < c->n_services; k++)
		if (c->services[k].v6 && dp_ip6_handle(c->services[k].vip6) == h)
			return cp_rd_fail(err, lp, NULL, "%s has the handle of services[%u]'s vip",
					  cp_ipv6_str(a, b), k);
	for (unsigned k = 0; k <= i; k++)
		for (unsigned m = 0; m < c->sync.peers[k].n_lips6 && (k < i || m < l); m++)
			if (dp_ip6_handle(c->sync.peers[k].lips6[m]) == h)
				return cp_rd_fail(err, lp, NULL, "%s is also (or has the handle of) "
						  "peers[%u].localips[%u]", cp_ipv6_str(a, b), k,
						  c->sync.peers[k].n_lips + m);
	return 0;
}

static int check_sync(const struct cp_config *c, struct cp_err *err)
{
	const struct cp_sync_conf *y = &c->sync;
	int port = -1;

	if (!y->enabled)
		return 0;
	for (unsigned k = 0; k < c->n_ports; k++)
		if (strcmp(c->ports[k].name, y->port) == 0)
			port = (int)k;
	if (port < 0)
		return cp_rd_fail(err, "sync", "port", "names no port");
	for (unsigned i = 0; i < y->n_peers; i++) {
		const struct cp_sync_peer_conf *p = &y->peers[i];
		char pp[64];

		cp_rd_index(pp, sizeof(pp), "sync", "peers", i);
		if (p->id == c->node_id)
			return cp_rd_fail(err, pp, "id", "is this node's own node.id (%u)", c->node_id);
		if (is_port_ip(c, p->ip) || is_lip(c, p->ip))
			return cp_rd_fail(err, pp, "ip", "is an address of this node");
		if (!usable_host(p->ip))
			return cp_rd_fail(err, pp, "ip", "is not a usable host address");
		for (unsigned k = 0; k < i; k++) {
			if (y->peers[k].id == p->id)
				return cp_rd_fail(err, pp, "id", "duplicates peers[%u]", k);
			if (y->peers[k].ip == p->ip)
				return cp_rd_fail(err, pp, "ip", "duplicates peers[%u]", k);
		}
		for (unsigned l = 0; l < p->n_lips; l++) {
			char lp[96];

			cp_rd_index(lp, sizeof(lp), pp, "localips", l);
			if (!usable_host(p->lips[l]))
				return cp_rd_fail(err, lp, NULL, "is not a usable host address");
			if (is_lip(c, p->lips[l]) || is_port_ip(c, p->lips[l]))
				return cp_rd_fail(err, lp, NULL, "is an address of this node: every node "
						  "has local IPs of its own");
			for (unsigned k = 0; k <= i; k++)
				for (unsigned m = 0; m < y->peers[k].n_lips; m++)
					if ((k < i || m < l) && y->peers[k].lips[m] == p->lips[l])
						return cp_rd_fail(err, lp, NULL,
								  "is also peers[%u].localips[%u]", k, m);
		}
		for (unsigned l = 0; l < p->n_lips6; l++) {
			int rc = check_peer_lip6(c, i, l, pp, err);

			if (rc < 0)
				return rc;
		}
	}
	return check_key_file(y->key_file, err);
}

int cp_config_validate(const struct cp_config *c, struct cp_err *err)
{
	struct own_addrs own;
	uint64_t n_servers = 0;
	int rc;

	/* Counts first: a body far over the limits is refused before any
	 * work that grows with its size. */
	if (c->n_services > c->max_services)
		return cp_rd_fail(err, NULL, "services", "has %u services, limits.services is %u",
				  c->n_services, c->max_services);
	for (unsigned i = 0; i < c->n_services; i++)
		n_servers += c->services[i].n_servers;
	if (n_servers > c->max_servers)
		return cp_rd_fail(err, NULL, "services",
				  "have %llu servers in all, limits.servers is %u",
				  (unsigned long long)n_servers, c->max_servers);
	if ((rc = check_api(c, err)) < 0 || (rc = check_ports(c, err)) < 0 ||
	    (rc = check_routes(c, err)) < 0 || (rc = check_lips(c, err)) < 0 ||
	    (rc = check_lips6(c, err)) < 0)
		return rc;
	own_addrs(c, &own);
	for (unsigned i = 0; i < c->n_services; i++)
		if ((rc = check_service(c, &own, i, err)) < 0)
			return rc;
	if ((rc = check_service_dups(c, err)) < 0 || (rc = check_handles6(c, err)) < 0 ||
	    (rc = check_routing(c, err)) < 0)
		return rc;
	return check_sync(c, err);
}
