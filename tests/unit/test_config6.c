/* Unit tests: IPv6 in the config (issue 18) — a dual-stack config with a
 * v6 FULLNAT service and a NAT64 one loads, shows every address in RFC
 * 5952's text and round-trips; the family rules refuse what cannot work,
 * naming the field; two v6 addresses of this node whose handles collide
 * are refused; the API's address helpers take both families. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "cp/config.h"
#include "cp/snap.h"
#include "dp/addr6.h"
#include "dp/snap.h"
#include "addr6_test.h"
#include "config_test.h"

#define PORTS6                                                                            \
	"\"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", "     \
	"\"ip6\": \"fd00:1::2/64\" }, { \"name\": \"lan\", \"dev\": \"y\", "              \
	"\"ip\": \"10.1.0.2/24\", \"ip6\": \"fd00:2::2/64\" } ]"
#define HEAD6 "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\", \"FD00:2:0::100\" ], "
/* IPv6 routes (x: the entries) */
#define ROUTES6(x) HEAD6 "\"routes\": [ " x " ] }"
/* one v6 service with more fields */
#define SVC6(x) HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", " \
		"\"port\": 80, " x " } ] }"

static const char *str_at(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_good_dual_stack(void **state)
{
	json_t *j = load(HEAD6 "\"services\": [ "
		"{ \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, "
		"  \"servers\": [ { \"ip\": \"10.1.0.11\" } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"FD00:1:0:0::10\", \"port\": 80, \"scheduler\": \"mh\", "
		"  \"sorry_server\": { \"ip\": \"fd00:2::99\" }, "
		"  \"servers\": [ { \"ip\": \"fd00:2:0::12\", \"port\": 8080 }, "
		"  { \"ip\": \"[fd00:2::11]\", \"port\": 8080 } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 8064, "
		"  \"health\": { \"type\": \"tcp\" }, "
		"  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ] }");
	struct cp_config *c, *c2;
	struct cp_err err = { "", "" };
	json_t *out, *out2, *svcs, *s6, *lips;

	(void)state;
	if (cp_config_from_json(j, &c, &err) != 0)
		fail_msg("%s: %s", err.field, err.msg);
	assert_int_equal(c->n_lips, 1);
	assert_int_equal(c->n_lips6, 1);
	assert_false(c->services[0].v6);
	assert_true(c->services[1].v6);
	assert_true(c->services[1].rs_v6);
	assert_true(c->services[2].v6);          /* NAT64: v6 VIP, v4 servers */
	assert_false(c->services[2].rs_v6);
	assert_true(cp_service_sorted(&c->services[1]));
	out = cp_config_to_json(c);
	svcs = json_object_get(out, "services");
	s6 = json_array_get(svcs, 1);
	assert_string_equal(str_at(s6, "vip"), "fd00:1::10");
	/* sorted, canonical: the servers in address order */
	assert_string_equal(str_at(json_array_get(json_object_get(s6, "servers"), 0), "ip"),
			    "fd00:2::11");
	assert_string_equal(str_at(json_array_get(json_object_get(s6, "servers"), 1), "ip"),
			    "fd00:2::12");
	assert_string_equal(str_at(json_object_get(s6, "sorry_server"), "ip"), "fd00:2::99");
	lips = json_object_get(out, "localips");
	assert_int_equal(json_array_size(lips), 2);
	assert_string_equal(json_string_value(json_array_get(lips, 0)), "10.1.0.100");
	assert_string_equal(json_string_value(json_array_get(lips, 1)), "fd00:2::100");
	assert_int_equal(cp_config_from_json(out, &c2, &err), 0);
	out2 = cp_config_to_json(c2);
	assert_true(json_equal(out, out2));
	{
		/* the lookups the API uses, by either family */
		struct cp_ip v6, r6, v4 = cp_ip4(0x0a00000a);

		assert_int_equal(cp_parse_ip_any("fd00:1::10", &v6), 0);
		assert_int_equal(cp_config_find_service_ip(c, IPPROTO_TCP, &v6, 80), 1);
		assert_int_equal(cp_config_find_service_ip(c, IPPROTO_TCP, &v6, 8064), 2);
		assert_int_equal(cp_config_find_service_ip(c, IPPROTO_TCP, &v4, 80), 0);
		assert_int_equal(cp_config_find_service_ip(c, IPPROTO_UDP, &v6, 80), -ENOENT);
		assert_int_equal(cp_parse_ip_any("[fd00:2::12]", &r6), 0);
		assert_int_equal(cp_service_find_server_ip(&c->services[1], &r6, 8080), 1);
		assert_int_equal(cp_service_find_server_ip(&c->services[1], &r6, 80), -ENOENT);
		assert_int_equal(cp_service_find_server_ip(&c->services[2], &r6, 8080), -ENOENT);
	}
	cp_config_free(c);
	cp_config_free(c2);
	json_decref(j);
	json_decref(out);
	json_decref(out2);
}

static const struct bad bad6[] = {
	/* one family among a service's servers */
	{ SVC6("\"servers\": [ { \"ip\": \"fd00:2::11\" }, { \"ip\": \"10.1.0.11\" } ]"),
	  "services[0].servers[1].ip",
	  "is IPv4 where servers[0] is IPv6: the servers of a service are all of one family" },
	/* an IPv4 VIP cannot front IPv6 servers (the reverse is NAT64) */
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, "
	  "\"servers\": [ { \"ip\": \"fd00:2::11\" } ] } ] }",
	  "services[0].servers[0].ip", "an IPv4 VIP cannot front IPv6 servers" },
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, "
	  "\"sorry_server\": { \"ip\": \"fd00:2::99\" } } ] }",
	  "services[0].sorry_server.ip", "an IPv4 VIP cannot front IPv6 servers" },
	{ SVC6("\"sorry_server\": { \"ip\": \"10.1.0.99\" }, "
	       "\"servers\": [ { \"ip\": \"fd00:2::11\" } ]"),
	  "services[0].sorry_server.ip", "must be of the servers' family (IPv6)" },
	/* NAT, DR and TUNNEL to IPv6 servers, by IPv4's rules in IPv6's form;
	 * an IPv6 VIP in front of IPv4 servers is NAT64, FULLNAT only */
	{ SVC6("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"10.1.0.11\" } ]"),
	  "services[0].forward",
	  "forward dr needs IPv6 servers: an IPv6 VIP in front of IPv4 ones is NAT64, which is "
	  "fullnat only" },
	{ SVC6("\"forward\": \"nat\", \"servers\": [ { \"ip\": \"10.1.0.11\" } ]"),
	  "services[0].forward",
	  "forward nat needs IPv6 servers: an IPv6 VIP in front of IPv4 ones is NAT64, which is "
	  "fullnat only" },
	{ SVC6("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"fd00:3::11\" } ]"),
	  "services[0].servers[0].ip",
	  "is not in the subnet of any port: dr sends to the server's MAC, so it must be "
	  "on-link (use tunnel for a routed server)" },
	{ SVC6("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 8080 } ]"),
	  "services[0].servers[0].port",
	  "must be the service's port (80): dr forwards the client's packet unchanged" },
	{ SVC6("\"forward\": \"tunnel\", \"servers\": [ { \"ip\": \"fd00:3::11\", "
	       "\"port\": 81 } ]"),
	  "services[0].servers[0].port",
	  "must be the service's port (80): tunnel forwards the client's packet unchanged" },
	{ SVC6("\"forward\": \"nat\", \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 8080 }, "
	       "{ \"ip\": \"fd00:3::12\", \"port\": 8080 } ]"),
	  "services[0].servers[1].ip",
	  "is neither in the subnet of a port nor behind a route: nat needs a way to the server" },
	{ SVC6("\"forward\": \"dr\", \"sorry_server\": { \"ip\": \"fd00:3::99\" }, "
	       "\"servers\": [ { \"ip\": \"fd00:2::11\" } ]"),
	  "services[0].sorry_server.ip",
	  "is not in the subnet of any port: dr sends to the server's MAC, so it must be "
	  "on-link (use tunnel for a routed server)" },
	/* what the IPv6 data path does not do yet */
	{ "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\", \"FD00:2:0::100\" ], \"services\": [ "
	  "{ \"proto\": \"udp\", \"vip\": \"fd00:1::10\", \"port\": 53, \"client_address\": \"toa\", "
	  "\"servers\": [ { \"ip\": \"fd00:2::11\" } ] } ] }",
	  "services[0].client_address", "toa is TCP only (UDP services take none or proxy_v2)" },
	{ SVC6("\"synproxy\": true, \"forward\": \"nat\", "
	       "\"servers\": [ { \"ip\": \"fd00:2::11\" } ]"),
	  "services[0].synproxy", "needs a TCP service with forward fullnat" },
	{ SVC6("\"persistence_s\": 60, \"persistence_mask\": \"255.255.255.0\", "
	       "\"servers\": [ { \"ip\": \"fd00:2::11\" } ]"),
	  "services[0].persistence_mask",
	  "is an IPv4 netmask: leave it 255.255.255.255 on IPv6 services" },
	{ SVC6("\"acl\": { \"allow\": [ \"10.0.0.0/8\" ] }, "
	       "\"servers\": [ { \"ip\": \"fd00:2::11\" } ]"),
	  "services[0].acl.allow", "is not supported for IPv6 services yet (leave acl empty)" },
	{ "{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", "
	  "\"ip6\": \"fd00:1::2/64\", \"mtu\": 1000 } ] }", "ports[0].mtu",
	  "must be at least 1280 on a port with an ip6 (IPv6's minimum, RFC 8200)" },
	/* static IPv6 routes */
	{ ROUTES6("{ \"prefix\": \"fd00:3::/64\", \"via\": \"10.1.0.1\" }"), "routes[0].via",
	  "is IPv4 where prefix is IPv6: a route's prefix and via are of one family" },
	{ ROUTES6("{ \"prefix\": \"10.9.0.0/16\", \"via\": \"fd00:2::1\" }"), "routes[0].via",
	  "is IPv6 where prefix is IPv4: a route's prefix and via are of one family" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::/64\", \"via\": \"fd00:9::1\" }"), "routes[0].via",
	  "is not in the IPv6 subnet of any port (ports[].ip6)" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::/64\", \"via\": \"fd00:2::2\" }"), "routes[0].via",
	  "is one of our own port addresses" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::1/64\", \"via\": \"fd00:2::1\" }"),
	  "routes[0].prefix", "has host bits set (did you mean fd00:3::/64?)" },
	{ ROUTES6("{ \"prefix\": \"fd00:3:0:1:8000::/65\", \"via\": \"fd00:2::1\" }, "
		  "{ \"prefix\": \"fd00:3:0:1:c000::/65\", \"via\": \"fd00:2::1\" }"),
	  "routes[1].prefix", "has host bits set (did you mean fd00:3:0:1:8000::/65?)" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::/64\", \"via\": \"fd00:2::1\" }, "
		  "{ \"prefix\": \"10.9.0.0/16\", \"via\": \"10.1.0.1\" }, "
		  "{ \"prefix\": \"FD00:3:0::/64\", \"via\": \"fd00:1::1\" }"),
	  "routes[2].prefix", "duplicates routes[0]" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::/129\", \"via\": \"fd00:2::1\" }"),
	  "routes[0].prefix", "must be an IPv6 prefix like fd00:3::/64" },
	{ ROUTES6("{ \"prefix\": \"fd00:3::/64\", \"via\": \"fd00:2::1/64\" }"),
	  "routes[0].via", "must be an IPv6 address like fd00::1" },
	/* addresses */
	{ SVC6("\"servers\": [ { \"ip\": \"ff02::1\" } ]"), "services[0].servers[0].ip",
	  "must be a global or unique-local unicast address" },
	{ SVC6("\"servers\": [ { \"ip\": \"fd00:2::2\" } ]"), "services[0].servers[0].ip",
	  "is one of this node's own addresses" },
	{ SVC6("\"servers\": [ { \"ip\": \"fd00:2::100\" } ]"), "services[0].servers[0].ip",
	  "is one of this node's own addresses" },
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"fe80::10\", \"port\": 80 } ] }",
	  "services[0].vip",
	  "must be a global or unique-local unicast address (not multicast, link-local, "
	  "loopback, unspecified or v4-mapped)" },
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"::ffff:10.0.0.10\", \"port\": 80 } ] }",
	  "services[0].vip",
	  "must be a global or unique-local unicast address (not multicast, link-local, "
	  "loopback, unspecified or v4-mapped)" },
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"fd00:1::2\", \"port\": 80 } ] }",
	  "services[0].vip", "is ports[0].ip6" },
	{ HEAD6 "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"fd00:2::100\", \"port\": 80 } ] }",
	  "services[0].vip", "is a local IP (localips[1])" },
	{ "{ " PORTS6 ", \"localips\": [ \"fd00:2::100\", \"fd00:2::100\" ] }", "localips[1]",
	  "fd00:2::100 duplicates localips[0]" },
	{ "{ " PORTS6 ", \"localips\": [ \"fd00:2::2\" ] }", "localips[0]",
	  "fd00:2::2 is ports[1].ip6" },
	{ "{ " PORTS6 ", \"localips\": [ \"fe80::1\" ] }", "localips[0]",
	  "fe80::1 must be a global or unique-local unicast address" },
	/* a local IP of each family a FULLNAT service needs */
	{ "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\" ], \"services\": [ { \"proto\": \"tcp\", "
	  "\"vip\": \"fd00:1::10\", \"port\": 80, \"servers\": [ { \"ip\": \"fd00:2::11\" } ] } ] }",
	  "localips", "FULLNAT services to IPv6 servers need at least one IPv6 local IP" },
	{ "{ " PORTS6 ", \"localips\": [ \"fd00:2::100\" ], \"services\": [ { \"proto\": \"tcp\", "
	  "\"vip\": \"fd00:1::10\", \"port\": 80, \"servers\": [ { \"ip\": \"10.1.0.11\" } ] } ] }",
	  "localips",
	  "NAT64 services (an IPv6 VIP, IPv4 servers) need at least one IPv4 local IP" },
	/* OSPF is OSPFv2 (OSPFv3 is not built): no IPv6 under routing.ospf;
	 * it has no prefix field, and its IDs are dotted quads */
	{ "{ " PORTS6 ", \"routing\": { \"ospf\": { \"router_id\": \"fd00:1::2\", "
	  "\"interfaces\": [ { \"port\": \"wan\" } ] } } }",
	  "routing.ospf.router_id", "must be an IPv4 address like 10.0.0.1" },
	{ "{ " PORTS6 ", \"routing\": { \"ospf\": { \"area\": \"::1\", "
	  "\"interfaces\": [ { \"port\": \"wan\" } ] } } }",
	  "routing.ospf.area", "must be an IPv4 address like 10.0.0.1" },
	/* BGP sessions run over IPv4 (v6 routes ride in them) */
	{ "{ " PORTS6 ", \"routing\": { \"bgp\": { \"local_as\": 65001, "
	  "\"peers\": [ { \"ip\": \"fd00:1::1\", \"as\": 65000 } ] } } }",
	  "routing.bgp.peers[0].ip", "must be an IPv4 address like 10.0.0.1" },
};

static void test_bad_v6(void **state)
{
	(void)state;
	check_bad(bad6, sizeof(bad6) / sizeof(bad6[0]));
}

/* IPv6 routes load, round-trip canonical, reach the snapshot longest
 * first out of their gateway's port, stay out of the IPv4 table (but in
 * its hash), and take an IPv6 server the health checker then reaches from
 * the right port; a v6 service may have a health check. */
static void test_routes6(void **state)
{
	json_t *j = load(HEAD6 "\"routes\": [ "
		"{ \"prefix\": \"fd00:3::/48\", \"via\": \"fd00:2::1\" }, "
		"{ \"prefix\": \"0.0.0.0/0\", \"via\": \"10.0.0.1\" }, "
		"{ \"prefix\": \"::/0\", \"via\": \"fd00:1::1\" }, "
		"{ \"prefix\": \"FD00:3:0:7::/64\", \"via\": \"fd00:2::3\" }, "
		"{ \"prefix\": \"fd00:4::/48\", \"via\": \"fd00:2::4\" } ], "
		"\"services\": [ { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 80, "
		"  \"health\": { \"type\": \"http\", \"path\": \"/\" }, "
		"  \"servers\": [ { \"ip\": \"fd00:3:0:7::11\", \"port\": 8080 }, "
		"  { \"ip\": \"fd00:2::12\", \"port\": 8080 } ] } ] }");
	static const struct { const char *prefix, *via; uint8_t plen; uint16_t port; } want[] = {
		{ "fd00:3:0:7::", "fd00:2::3", 64, 1 },
		{ "fd00:3::", "fd00:2::1", 48, 1 },    /* equal lengths: config order */
		{ "fd00:4::", "fd00:2::4", 48, 1 },
		{ "::", "fd00:1::1", 0, 0 },
	};
	struct dp_snap_route6 r6[DP_MAX_ROUTES6];
	struct cp_config *c, *c2;
	struct cp_err err = { "", "" };
	struct dp_route_spec *spec;
	struct cp_ip a, nh;
	uint64_t h1, h2;
	unsigned n;
	json_t *out, *out2, *routes;
	char b[INET6_ADDRSTRLEN];

	(void)state;
	if (cp_config_from_json(j, &c, &err) != 0)
		fail_msg("%s: %s", err.field, err.msg);
	assert_int_equal(c->n_routes, 5);
	assert_true(c->routes[0].v6);
	assert_false(c->routes[1].v6);
	out = cp_config_to_json(c);
	routes = json_object_get(out, "routes");
	assert_string_equal(str_at(json_array_get(routes, 2), "prefix"), "::/0");
	assert_string_equal(str_at(json_array_get(routes, 3), "prefix"), "fd00:3:0:7::/64");
	assert_string_equal(str_at(json_array_get(routes, 3), "via"), "fd00:2::3");
	assert_string_equal(str_at(json_array_get(routes, 1), "via"), "10.0.0.1");
	assert_int_equal(cp_config_from_json(out, &c2, &err), 0);
	out2 = cp_config_to_json(c2);
	assert_true(json_equal(out, out2));

	assert_int_equal(cp_snap_routes6(c, r6), 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_string_equal(inet_ntop(AF_INET6, r6[i].prefix, b, sizeof(b)), want[i].prefix);
		assert_string_equal(inet_ntop(AF_INET6, r6[i].via, b, sizeof(b)), want[i].via);
		assert_int_equal(r6[i].plen, want[i].plen);
		assert_int_equal(r6[i].port, want[i].port);
	}
	/* the IPv4 table: the two subnets and the one IPv4 route */
	spec = cp_snap_routes(c, &n, &h1);
	assert_int_equal(n, 3);
	assert_int_equal(spec[2].gw, htonl(0x0a000001));
	free(spec);
	/* an IPv6 route changed: a new hash, so a new table and fresh next hops */
	c2->routes[0].via6[15] = 9;
	spec = cp_snap_routes(c2, &n, &h2);
	assert_int_equal(n, 3);
	assert_int_not_equal(h1, h2);
	free(spec);

	/* where the checks go from: the routed server's gateway, the
	 * on-link one itself; an IPv6 address behind no route: none */
	a = cp_server_ip(&c->services[0].servers[0]);
	assert_string_equal(cp_ip_str(&a, b), "fd00:2::12");
	assert_int_equal(cp_config_route_to(c, &a, &nh), 1);
	assert_true(cp_ip_eq(&a, &nh));
	a = cp_server_ip(&c->services[0].servers[1]);
	assert_string_equal(cp_ip_str(&a, b), "fd00:3:0:7::11");
	assert_int_equal(cp_config_route_to(c, &a, &nh), 1);   /* the /64, not the /48 */
	assert_string_equal(cp_ip_str(&nh, b), "fd00:2::3");
	assert_int_equal(cp_parse_ip_any("fd00:3:0:8::11", &a), 0);
	assert_int_equal(cp_config_route_to(c, &a, &nh), 1);
	assert_string_equal(cp_ip_str(&nh, b), "fd00:2::1");
	assert_int_equal(cp_parse_ip_any("2001:db8::1", &a), 0);   /* the default route */
	assert_int_equal(cp_config_route_to(c, &a, &nh), 0);
	assert_string_equal(cp_ip_str(&nh, b), "fd00:1::1");
	a = cp_ip4(0x0b000001);
	assert_int_equal(cp_config_route_to(c, &a, &nh), 0);
	assert_false(nh.v6);
	assert_int_equal(nh.v4, 0x0a000001);
	c->n_routes = 0;
	assert_int_equal(cp_parse_ip_any("2001:db8::1", &a), 0);
	assert_int_equal(cp_config_route_to(c, &a, &nh), -1);
	cp_config_free(c);
	cp_config_free(c2);
	json_decref(j);
	json_decref(out);
	json_decref(out2);
}

/* More IPv6 routes than the data path holds: the first one too many is
 * named; as many as it holds load. */
static void test_routes6_limit(void **state)
{
	size_t cap = 64 + 90 * (CP_MAX_ROUTES6 + 1);
	char *js = malloc(cap);
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };
	size_t o;
	json_t *j;

	(void)state;
	assert_non_null(js);
	for (unsigned total = CP_MAX_ROUTES6; total <= CP_MAX_ROUTES6 + 1; total++) {
		o = (size_t)snprintf(js, cap, "%s", HEAD6 "\"routes\": [ ");
		/* an IPv4 route first: only the IPv6 ones count */
		o += (size_t)snprintf(js + o, cap - o,
				      "{ \"prefix\": \"0.0.0.0/0\", \"via\": \"10.0.0.1\" }");
		for (unsigned i = 0; i < total; i++)
			o += (size_t)snprintf(js + o, cap - o,
					      ", { \"prefix\": \"fd00:%x::/32\", \"via\": \"fd00:2::1\" }",
					      0x100 + i);
		snprintf(js + o, cap - o, " ] }");
		j = load(js);
		if (total == CP_MAX_ROUTES6) {
			if (cp_config_from_json(j, &c, &err) != 0)
				fail_msg("%s: %s", err.field, err.msg);
			cp_config_free(c);
		} else {
			assert_int_equal(cp_config_from_json(j, &c, &err), -EINVAL);
			assert_string_equal(err.field, "routes[65].prefix");
			assert_string_equal(err.msg,
					    "is IPv6 route number 65: the data path holds at most 64");
		}
		json_decref(j);
	}
	free(js);
}

/* NAT, DR and TUNNEL v6 services by the rules (a tunnel server may be
 * off-link) pass, with the forwarding mode kept; so do the SYN proxy and
 * TOA on v6 FULLNAT and NAT64. */
static void test_good_fwd_modes6(void **state)
{
	json_t *j = load(HEAD6 "\"routes\": [ { \"prefix\": \"fd00:3::/64\", \"via\": \"fd00:2::1\" } ], "
		"\"services\": [ "
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 80, \"forward\": \"dr\", "
		"  \"servers\": [ { \"ip\": \"fd00:2::11\" }, { \"ip\": \"fd00:2::12\", \"port\": 80 } ] }, "
		"{ \"proto\": \"udp\", \"vip\": \"fd00:1::11\", \"port\": 53, \"forward\": \"tunnel\", "
		"  \"servers\": [ { \"ip\": \"fd00:2::13\" }, { \"ip\": \"fd00:3::14\" } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::12\", \"port\": 80, \"forward\": \"nat\", "
		"  \"sorry_server\": { \"ip\": \"fd00:2::99\", \"port\": 8081 }, "
		"  \"servers\": [ { \"ip\": \"fd00:2::15\", \"port\": 8080 } ] }, "
		/* the SYN proxy to v6 servers and (NAT64) v4 ones; TOA's v6 form */
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::13\", \"port\": 80, \"synproxy\": true, "
		"  \"client_address\": \"proxy_v2\", \"servers\": [ { \"ip\": \"fd00:2::11\" } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::14\", \"port\": 80, \"synproxy\": true, "
		"  \"client_address\": \"toa\", \"servers\": [ { \"ip\": \"10.1.0.11\" } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"fd00:1::15\", \"port\": 80, \"client_address\": \"toa\", "
		"  \"servers\": [ { \"ip\": \"fd00:2::11\" } ] } ] }");
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };

	(void)state;
	if (cp_config_from_json(j, &c, &err) != 0)
		fail_msg("refused: %s: %s", err.field, err.msg);
	assert_int_equal(c->n_services, 6);
	assert_int_equal(c->services[0].fwd, CP_FWD_DR);
	assert_int_equal(c->services[1].fwd, CP_FWD_TUNNEL);
	assert_int_equal(c->services[2].fwd, CP_FWD_NAT);
	for (unsigned i = 0; i < 3; i++)
		assert_true(c->services[i].v6 && c->services[i].rs_v6);
	assert_true(c->services[3].synproxy && c->services[3].rs_v6);
	assert_true(c->services[4].synproxy && c->services[4].v6 && !c->services[4].rs_v6);
	assert_int_equal(c->services[4].client_address, CP_CADDR_TOA);
	assert_int_equal(c->services[5].client_address, CP_CADDR_TOA);
	cp_config_free(c);
	json_decref(j);
}

static void test_handle_collision(void **state)
{
	uint8_t a[16], b[16];
	char ta[INET6_ADDRSTRLEN], tb[INET6_ADDRSTRLEN], js[1024], want[256];
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };
	json_t *j;

	(void)state;
	assert_true(addr6_colliding_pair(a, b));
	assert_int_equal(dp_ip6_handle(a), dp_ip6_handle(b));
	assert_memory_not_equal(a, b, 16);
	assert_true(dp_is_ip6_handle(dp_ip6_handle(a)));
	inet_ntop(AF_INET6, a, ta, sizeof(ta));
	inet_ntop(AF_INET6, b, tb, sizeof(tb));
	/* a local IP and a VIP */
	snprintf(js, sizeof(js),
		 "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\", \"%s\" ], \"services\": [ "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 80, "
		 "\"servers\": [ { \"ip\": \"fd00:2::11\" } ] } ] }", ta, tb);
	j = load(js);
	assert_int_equal(cp_config_from_json(j, &c, &err), -EINVAL);
	assert_null(c);
	snprintf(want, sizeof(want), "%s and services[0].vip %s share a table key (dp/addr6.h); "
		 "use another address", ta, tb);
	assert_string_equal(err.field, "localips[1]");
	assert_string_equal(err.msg, want);
	json_decref(j);
	/* two VIPs; the same VIP twice (two ports) is one address, fine */
	snprintf(js, sizeof(js),
		 "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\", \"fd00:2::100\" ], \"services\": [ "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 80 }, "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 81 }, "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 80 } ] }", ta, ta, tb);
	j = load(js);
	assert_int_equal(cp_config_from_json(j, &c, &err), -EINVAL);
	/* services[0] and [1] are one key: the pair found is [1] and [2] */
	assert_string_equal(err.field, "services[1].vip");
	json_decref(j);
	snprintf(js, sizeof(js),
		 "{ " PORTS6 ", \"localips\": [ \"10.1.0.100\", \"fd00:2::100\" ], \"services\": [ "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 80 }, "
		 "{ \"proto\": \"tcp\", \"vip\": \"%s\", \"port\": 81 } ] }", ta, ta);
	j = load(js);
	assert_int_equal(cp_config_from_json(j, &c, &err), 0);
	cp_config_free(c);
	json_decref(j);
}

static void test_ip_text(void **state)
{
	struct cp_ip ip;
	uint16_t port;
	char b[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(cp_parse_ip_port("[FD00::0:10]:8080", &ip, &port), 0);
	assert_true(ip.v6);
	assert_int_equal(port, 8080);
	assert_string_equal(cp_ip_str(&ip, b), "fd00::10");
	assert_int_equal(cp_parse_ip_port("10.0.0.1:80", &ip, &port), 0);
	assert_false(ip.v6);
	assert_string_equal(cp_ip_str(&ip, b), "10.0.0.1");
	assert_int_equal(cp_parse_ip_port("fd00::10:80", &ip, &port), -EINVAL);   /* brackets */
	assert_int_equal(cp_parse_ip_port("[fd00::10]", &ip, &port), -EINVAL);
	assert_int_equal(cp_parse_ip_port("[fd00::10]:65536", &ip, &port), -EINVAL);
	assert_int_equal(cp_parse_ip_port("[10.0.0.1]:80", &ip, &port), -EINVAL);
	assert_int_equal(cp_parse_ip_any("fd00::10", &ip), 0);
	assert_int_equal(cp_parse_ip_any("[fd00::10]", &ip), 0);
	assert_int_equal(cp_parse_ip_any("[fd00::10", &ip), -EINVAL);
	assert_int_equal(cp_parse_ip_any("fd00:::10", &ip), -EINVAL);
	assert_int_equal(cp_parse_ip_any("10.1", &ip), -EINVAL);
	assert_int_equal(cp_parse_ip_any("", &ip), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_dual_stack),
		cmocka_unit_test(test_bad_v6),
		cmocka_unit_test(test_good_fwd_modes6),
		cmocka_unit_test(test_handle_collision),
		cmocka_unit_test(test_routes6),
		cmocka_unit_test(test_routes6_limit),
		cmocka_unit_test(test_ip_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
