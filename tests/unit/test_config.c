/* Unit tests: config validation (cp/config_*.c) — good configs load and
 * round-trip through JSON; each bad config is refused with the exact field
 * path and message an operator would see. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sys/stat.h>

#include "cp/config.h"
#include "cp/keyfile.h"
#include "config_test.h"

#define BASE_HEAD                                                                        \
	"{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"net_af_packet0,iface=wan\", "     \
	"\"ip\": \"10.0.0.2/24\" }, { \"name\": \"lan\", \"dev\": \"0000:03:00.0\", "     \
	"\"ip\": \"10.1.0.2/24\", \"mtu\": 9000 } ], "                                    \
	"\"localips\": [ \"10.1.0.100\", \"10.1.0.101\" ], "                              \
	"\"routes\": [ { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.0.0.1\" } ], "

static void test_good_minimal_and_defaults(void **state)
{
	json_t *j = load(BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", "
				   "\"port\": 80, \"servers\": [ { \"ip\": \"10.1.0.11\" } ] } ] }");
	struct cp_config *c;
	struct cp_err err = { "", "" };

	(void)state;
	assert_int_equal(cp_config_from_json(j, &c, &err), 0);
	assert_int_equal(c->n_ports, 2);
	assert_int_equal(c->ports[1].mtu, 9000);
	assert_int_equal(c->ports[0].mtu, 1500);
	assert_int_equal(c->router_id, 0x0a000002);   /* first port's address */
	assert_int_equal(c->api_addr, 0x7f000001);
	assert_int_equal(c->api_port, 8080);
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->services[0].sched, CP_SCHED_WLC);   /* ipvsadm's default */
	assert_int_equal(c->services[0].fwd, CP_FWD_FULLNAT);
	assert_int_equal(c->services[0].servers[0].port, 80);  /* the service's port */
	assert_int_equal(c->services[0].servers[0].weight, 1);
	assert_int_equal(c->services[0].mh_table_size, 65537);
	assert_int_equal(c->to_tcp_est, 900);
	cp_config_free(c);
	json_decref(j);
}

/* Saved and loaded again: the same JSON. */
static void test_round_trip(void **state)
{
	json_t *j = load(BASE_HEAD
		"\"node\": { \"id\": 7, \"drain_s\": 5 }, "
		"\"api\": { \"listen\": \"127.0.0.1:9090\", \"token\": \"s3cret\" }, "
		"\"dpdk\": { \"lcores\": \"0@0,(1,2)@1\", \"args\": [ \"--no-huge\" ] }, "
		"\"timeouts\": { \"tcp_established_s\": 120, \"udp_s\": 30 }, "
		"\"routing\": { \"ospf\": { \"area\": \"0.0.0.1\", \"interfaces\": [ { \"port\": "
		"\"wan\", \"hello_s\": 1, \"dead_s\": 3 } ] }, \"bgp\": { \"local_as\": 65001, "
		"\"peers\": [ { \"ip\": \"10.0.0.1\", \"as\": 65000 } ] } }, "
		"\"services\": [ { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53, "
		"\"scheduler\": \"rr\", \"persistence_s\": 300, \"persistence_mask\": "
		"\"255.255.255.0\", \"health\": { \"type\": \"udp\", \"payload\": \"ping\" }, "
		"\"sorry_server\": { \"ip\": \"10.1.0.99\" }, "
		"\"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 5353, \"weight\": 0, "
		"\"drain\": true } ] } ] }");
	struct cp_config *c, *c2;
	struct cp_err err = { "", "" };
	json_t *out, *out2;

	(void)state;
	assert_int_equal(cp_config_from_json(j, &c, &err), 0);
	out = cp_config_to_json(c);
	assert_int_equal(cp_config_from_json(out, &c2, &err), 0);
	out2 = cp_config_to_json(c2);
	assert_true(json_equal(out, out2));
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "api"),
							      "token")), "s3cret");
	assert_int_equal(c2->ospf.area, 1);
	assert_int_equal(c2->services[0].sorry_port, 53);
	cp_config_free(c);
	cp_config_free(c2);
	json_decref(j);
	json_decref(out);
	json_decref(out2);
}

/* A node with no static route: only its ports' subnets are reachable. */
#define NOROUTE_SVC(x) "{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", " \
		"\"ip\": \"10.0.0.2/24\" }, { \"name\": \"lan\", \"dev\": \"y\", " \
		"\"ip\": \"10.1.0.2/24\" } ], \"services\": [ { \"proto\": \"tcp\", " \
		"\"vip\": \"10.0.0.10\", \"port\": 80, " x " } ] }"

#define SVC(x) BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", " \
		"\"port\": 80, " x " } ] }"

/* One OSPF interface or one BGP peer with more fields. */
#define OSPF_IF(x) "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", " \
		"\"ip\": \"10.0.0.2/24\" } ], \"routing\": { \"ospf\": { \"interfaces\": " \
		"[ { \"port\": \"a\", " x " } ] } } }"
#define BGP_PEER(x) "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", " \
		"\"ip\": \"10.0.0.2/24\" } ], \"routing\": { \"bgp\": { \"local_as\": 65001, " \
		"\"peers\": [ { \"ip\": \"10.0.0.1\", \"as\": 65000, " x " } ] } } }"

static const struct bad bad[] = {
	{ "[]", "", "must be an object, not an array" },
	{ "{ \"bogus\": 1 }", "bogus", "unknown field" },
	{ "{ \"services\": [] }", "ports", "needs at least one port" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"sctp\" } ] }", "services[0].proto",
	  "must be one of tcp, udp" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"port\": 80 } ] }", "services[0].vip",
	  "is required" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\", \"weight\": 65536 } ]"),
	  "services[0].servers[0].weight", "must be 0..65535" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\", \"weight\": -1 } ]"),
	  "services[0].servers[0].weight", "must be 0..65535" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\", \"weight\": 1.5 } ]"),
	  "services[0].servers[0].weight",
	  "must be an integer 0..65535, not a number with a fraction" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\", \"weight\": \"7\" } ]"),
	  "services[0].servers[0].weight", "must be an integer 0..65535, not a string" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.256\" } ]"), "services[0].servers[0].ip",
	  "must be an IPv4 address like 10.0.0.1" },
	/* the client's address and the SYN proxy */
	{ SVC("\"forward\": \"nat\", \"client_address\": \"proxy_v2\""), "services[0].client_address",
	  "needs forward fullnat (the server sees the client itself in nat)" },
	{ SVC("\"client_address\": \"proxy_v3\""), "services[0].client_address",
	  "must be one of none, proxy_v1, proxy_v2, toa" },
	{ SVC("\"proxy_send\": \"on_connect\""), "services[0].proxy_send",
	  "needs client_address proxy_v1 or proxy_v2" },
	{ SVC("\"forward\": \"dr\", \"synproxy\": true"), "services[0].synproxy",
	  "needs a TCP service with forward fullnat" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53, "
	  "\"client_address\": \"toa\" } ] }", "services[0].client_address",
	  "toa is TCP only (UDP services take none or proxy_v2)" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53, "
	  "\"synproxy\": true } ] }", "services[0].synproxy", "needs a TCP service with forward fullnat" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\", \"colour\": \"red\" } ]"),
	  "services[0].servers[0].colour", "unknown field" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.11\" }, { \"ip\": \"10.1.0.11\" } ]"),
	  "services[0].servers[1]", "duplicates servers[0]" },
	{ SVC("\"servers\": [ { \"ip\": \"10.1.0.100\" } ]"), "services[0].servers[0].ip",
	  "is one of this node's own addresses" },
	{ SVC("\"scheduler\": \"fastest\""), "services[0].scheduler",
	  "must be one of rr, wrr, lc, wlc, sh, mh" },
	{ SVC("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ]"),
	  "services[0].servers[0].port",
	  "must be the service's port (80): dr forwards the client's packet unchanged" },
	{ SVC("\"forward\": \"tunnel\", \"sorry_server\": { \"ip\": \"10.1.0.99\", \"port\": 81 }"),
	  "services[0].sorry_server.port",
	  "must be the service's port (80): tunnel forwards the client's packet unchanged" },
	{ SVC("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"10.1.0.11\" }, { \"ip\": \"10.7.0.11\" } ]"),
	  "services[0].servers[1].ip",
	  "is reached through routes[0]: dr needs the server on-link (use tunnel for a routed "
	  "server)" },
	{ NOROUTE_SVC("\"forward\": \"dr\", \"servers\": [ { \"ip\": \"10.7.0.11\" } ]"),
	  "services[0].servers[0].ip",
	  "is not in the subnet of any port: dr sends to the server's MAC, so it must be on-link "
	  "(use tunnel for a routed server)" },
	{ NOROUTE_SVC("\"forward\": \"tunnel\", \"servers\": [ { \"ip\": \"10.7.0.11\" } ]"),
	  "services[0].servers[0].ip",
	  "is neither in the subnet of a port nor behind a route: tunnel needs a way to the server" },
	{ NOROUTE_SVC("\"forward\": \"nat\", \"sorry_server\": { \"ip\": \"10.7.0.1\" }"),
	  "services[0].sorry_server.ip",
	  "is neither in the subnet of a port nor behind a route: nat needs a way to the server" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, "
	  "\"forward\": \"dr\" }, { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81 } ] }",
	  "localips", "FULLNAT services need at least one local IP" },
	{ SVC("\"mh_table_size\": 1000"), "services[0].mh_table_size",
	  "must be one of 65537, 131071, 262147, 524287, 655373, 1048573" },
	{ SVC("\"persistence_mask\": \"255.0.255.0\""), "services[0].persistence_mask",
	  "must be a contiguous netmask" },
	{ SVC("\"health\": { \"type\": \"tcp\", \"interval_ms\": 500, \"timeout_ms\": 500 }"),
	  "services[0].health.timeout_ms", "must be less than interval_ms (500)" },
	{ SVC("\"health\": { \"type\": \"http\", \"path\": \"index.html\" }"),
	  "services[0].health.path", "must start with '/'" },
	{ SVC("\"health\": { \"kind\": \"tcp\" }"), "services[0].health.kind", "unknown field" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.2\", \"port\": 80 } ] }",
	  "services[0].vip", "is a port's own address" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80 }, "
		    "{ \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80 } ] }",
	  "services[1]", "duplicates services[0] (tcp 10.0.0.10:80)" },
	{ BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 0 } ] }",
	  "services[0].port", "must be 1..65535" },
	{ "{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2\" } ] }",
	  "ports[0].ip", "must be an IPv4 prefix like 10.0.0.0/24" },
	{ "{ \"ports\": [ { \"name\": \"a-very-long-name\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ] }",
	  "ports[0].name", "is too long (at most 11 bytes)" },
	{ "{ \"ports\": [ { \"name\": \"W A N\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ] }",
	  "ports[0].name", "may hold only a-z, 0-9, '-' and '_'" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" }, "
	  "{ \"name\": \"b\", \"dev\": \"y\", \"ip\": \"10.0.0.3/16\" } ] }",
	  "ports[1].ip", "overlaps the subnet of ports[0]" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"mtu\": 100 } ] }",
	  "ports[0].mtu", "must be 576..9000" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"fd00::2\" } ] }",
	  "ports[0].ip6", "must be an IPv6 prefix like fd00:1::2/64" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"10.0.0.2/24\" } ] }",
	  "ports[0].ip6", "must be an IPv6 prefix like fd00:1::2/64" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": 64 } ] }",
	  "ports[0].ip6", "must be an IPv6 prefix like fd00:1::2/64" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"fd00::2/128\" } ] }",
	  "ports[0].ip6", "prefix length must be 1..127" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"fd00::2/0\" } ] }",
	  "ports[0].ip6", "prefix length must be 1..127" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"fe80::2/64\" } ] }",
	  "ports[0].ip6", "must be a global or unique-local unicast address (not multicast, link-local, loopback, unspecified or v4-mapped)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"ff05::2/64\" } ] }",
	  "ports[0].ip6", "must be a global or unique-local unicast address (not multicast, link-local, loopback, unspecified or v4-mapped)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"::ffff:10.0.0.2/64\" } ] }",
	  "ports[0].ip6", "must be a global or unique-local unicast address (not multicast, link-local, loopback, unspecified or v4-mapped)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"::1/64\" } ] }",
	  "ports[0].ip6", "must be a global or unique-local unicast address (not multicast, link-local, loopback, unspecified or v4-mapped)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\", \"ip6\": \"fd00:1::2/64\" }, "
	  "{ \"name\": \"b\", \"dev\": \"y\", \"ip\": \"10.1.0.2/24\", \"ip6\": \"fd00:1:0:0:8000::2/65\" } ] }",
	  "ports[1].ip6", "overlaps the subnet of ports[0]" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"routes\": [ { \"prefix\": \"10.9.0.1/16\", \"via\": \"10.0.0.1\" } ] }",
	  "routes[0].prefix", "has host bits set (did you mean 10.9.0.0/16?)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"routes\": [ { \"prefix\": \"10.9.0.0/16\", \"via\": \"10.5.0.1\" } ] }",
	  "routes[0].via", "is not in the subnet of any port" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80 } ] }",
	  "localips", "FULLNAT services need at least one local IP" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"localips\": [ \"10.0.0.5\", \"10.0.0.5\" ] }",
	  "localips[1]", "duplicates localips[0]" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"api\": { \"listen\": \"localhost\" } }",
	  "api.listen", "must be IPv4:port like 127.0.0.1:8080" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"timeouts\": { \"udp_s\": 0 } }",
	  "timeouts.udp_s", "must be 1..604800" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"routing\": { \"ospf\": { \"interfaces\": [ { \"port\": \"b\" } ] } } }",
	  "routing.ospf.interfaces[0].port", "names no port" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"routing\": { \"bgp\": { \"local_as\": 65001, \"hold_s\": 2, \"peers\": [] } } }",
	  "routing.bgp.hold_s", "must be 0 or at least 3 (RFC 4271 4.2)" },
	{ OSPF_IF("\"auth\": { \"type\": \"sha256\", \"key_file\": \"/k\" }"),
	  "routing.ospf.interfaces[0].auth.type",
	  "must be one of none, md5, hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512" },
	{ OSPF_IF("\"auth\": { \"key_file\": \"/k\" }"),
	  "routing.ospf.interfaces[0].auth.type",
	  "is required (none, md5, hmac-sha1, hmac-sha256, hmac-sha384 or hmac-sha512)" },
	{ OSPF_IF("\"auth\": { \"type\": \"md5\" }"),
	  "routing.ospf.interfaces[0].auth.key_file", "is required" },
	{ OSPF_IF("\"auth\": { \"type\": \"md5\", \"key_file\": \"ospf.key\" }"),
	  "routing.ospf.interfaces[0].auth.key_file", "must be an absolute path" },
	{ OSPF_IF("\"auth\": { \"type\": \"md5\", \"key_id\": 256, \"key_file\": \"/k\" }"),
	  "routing.ospf.interfaces[0].auth.key_id", "must be 0..255" },
	{ OSPF_IF("\"auth\": { \"type\": \"none\", \"key_file\": \"/k\" }"),
	  "routing.ospf.interfaces[0].auth.key_file", "is not used with type none" },
	{ OSPF_IF("\"auth\": { \"type\": \"md5\", \"key\": \"secret\" }"),
	  "routing.ospf.interfaces[0].auth.key", "unknown field" },
	{ OSPF_IF("\"type\": \"broadcast\", \"ttl_security\": true"),
	  "routing.ospf.interfaces[0].ttl_security",
	  "is for ptp interfaces (RFC 5082 on point-to-point links)" },
	{ OSPF_IF("\"ttl_security\": 1"),
	  "routing.ospf.interfaces[0].ttl_security", "must be true or false, not an integer" },
	{ BGP_PEER("\"auth\": { \"type\": \"md5\", \"key_file\": \"/k\" }"),
	  "routing.bgp.peers[0].auth.type", "must be one of none, tcp-md5" },
	{ BGP_PEER("\"auth\": { \"type\": \"tcp-md5\" }"),
	  "routing.bgp.peers[0].auth.key_file", "is required" },
	{ BGP_PEER("\"auth\": \"tcp-md5\""),
	  "routing.bgp.peers[0].auth", "must be an object, not a string" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"limits\": { \"sessions_per_lcore\": 10 } }",
	  "limits.sessions_per_lcore", "must be 1024..1073741824" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"selfcheck\": { \"recover\": \"sometimes\" } }",
	  "selfcheck.recover", "must be one of manual, auto" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"dpdk\": { \"args\": [ 5 ] } }",
	  "dpdk.args[0]", "must be a string" },
	/* issue 16: 31 days of persistence passed the parser and expired at
	 * once in the data path (its clock compares 2^31 ms at most). */
	{ BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", "
	  "\"port\": 80, \"persistence_s\": 2678400 } ] }",
	  "services[0].persistence_s", "must be 0..2147483" },
	/* a listener others can reach needs a token */
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"api\": { \"listen\": \"0.0.0.0:8080\" } }",
	  "api.token", "is required when api.listen is not a loopback address (anyone who "
	  "reaches it could change the config)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"api\": { \"listen\": \"10.0.0.2:8080\", \"token\": null } }",
	  "api.token", "is required when api.listen is not a loopback address (anyone who "
	  "reaches it could change the config)" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"metrics\": { \"listen\": \"127.0.0.1:8080\" } }",
	  "metrics.listen", "must differ from api.listen" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"metrics\": { \"listen\": \"everywhere\" } }",
	  "metrics.listen", "must be IPv4:port like 127.0.0.1:9110, or null" },
	{ "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
	  "\"api\": { \"max_body_bytes\": 1048576, \"max_buffered_bytes\": 65536 } }",
	  "api.max_buffered_bytes", "must be at least max_body_bytes (1048576)" },
};

/* Each forwarding mode with what it needs: DR servers on-link, TUNNEL and
 * NAT servers on-link or routed, none of them needing a local IP. */
static void test_good_modes(void **state)
{
	json_t *j = load("{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", "
		"\"ip\": \"10.0.0.2/24\" }, { \"name\": \"lan\", \"dev\": \"y\", "
		"\"ip\": \"10.1.0.2/24\" } ], "
		"\"routes\": [ { \"prefix\": \"10.7.0.0/16\", \"via\": \"10.1.0.1\" } ], "
		"\"services\": [ "
		"{ \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"forward\": \"dr\", "
		"  \"sorry_server\": { \"ip\": \"10.1.0.99\" }, "
		"  \"servers\": [ { \"ip\": \"10.1.0.11\" }, { \"ip\": \"10.1.0.12\", \"port\": 80 } ] }, "
		"{ \"proto\": \"udp\", \"vip\": \"10.0.0.11\", \"port\": 53, \"forward\": \"tunnel\", "
		"  \"servers\": [ { \"ip\": \"10.1.0.11\" }, { \"ip\": \"10.7.3.4\" } ] }, "
		"{ \"proto\": \"tcp\", \"vip\": \"10.0.0.12\", \"port\": 80, \"forward\": \"nat\", "
		"  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 }, "
		"  { \"ip\": \"10.7.3.4\", \"port\": 8081 } ] } ] }");
	struct cp_config *c;
	struct cp_err err = { "", "" };
	json_t *out;

	(void)state;
	assert_int_equal(cp_config_from_json(j, &c, &err), 0);
	assert_int_equal(c->n_lips, 0);
	assert_int_equal(c->services[0].fwd, CP_FWD_DR);
	assert_int_equal(c->services[1].fwd, CP_FWD_TUNNEL);
	assert_int_equal(c->services[2].fwd, CP_FWD_NAT);
	out = cp_config_to_json(c);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(out, "services"), 1), "forward")), "tunnel");
	json_decref(out);
	cp_config_free(c);
	json_decref(j);
}

static void test_bad_configs(void **state)
{
	(void)state;
	check_bad(bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_text_helpers(void **state)
{
	uint32_t ip;
	uint16_t port;
	uint8_t plen;
	char b[16];

	(void)state;
	assert_int_equal(cp_parse_ipv4("10.1.2.3", &ip), 0);
	assert_int_equal(ip, 0x0a010203);
	assert_int_equal(cp_parse_ipv4("10.1.2", &ip), -EINVAL);
	assert_int_equal(cp_parse_ipv4("010.1.2.3", &ip), -EINVAL);
	assert_int_equal(cp_parse_ipv4(" 10.1.2.3", &ip), -EINVAL);
	assert_int_equal(cp_parse_prefix("10.0.0.0/8", &ip, &plen), 0);
	assert_int_equal(plen, 8);
	assert_int_equal(cp_parse_prefix("10.0.0.0/33", &ip, &plen), -EINVAL);
	assert_int_equal(cp_parse_prefix("10.0.0.0/", &ip, &plen), -EINVAL);
	assert_int_equal(cp_parse_prefix("10.0.0.0/-1", &ip, &plen), -EINVAL);
	assert_int_equal(cp_parse_addr_port("1.2.3.4:65535", &ip, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(cp_parse_addr_port("1.2.3.4:65536", &ip, &port), -EINVAL);
	assert_int_equal(cp_parse_addr_port("1.2.3.4", &ip, &port), -EINVAL);
	assert_string_equal(cp_ipv4_str(0xc0a80001, b), "192.168.0.1");
	{
		uint8_t a6[16];
		static const uint8_t want[16] = { 0xfd, 0, 0, 1, [15] = 2 };

		assert_int_equal(cp_parse_prefix6("fd00:1::2/64", a6, &plen), 0);
		assert_memory_equal(a6, want, 16);
		assert_int_equal(plen, 64);
		assert_int_equal(cp_parse_prefix6("FD00:1:0:0:0:0:0:2/128", a6, &plen), 0);
		assert_memory_equal(a6, want, 16);
		assert_int_equal(cp_parse_prefix6("fd00::1/129", a6, &plen), -EINVAL);
		assert_int_equal(cp_parse_prefix6("fd00::1/1000", a6, &plen), -EINVAL);
		assert_int_equal(cp_parse_prefix6("fd00::1", a6, &plen), -EINVAL);
		assert_int_equal(cp_parse_prefix6("fd00::1/", a6, &plen), -EINVAL);
		assert_int_equal(cp_parse_prefix6("10.0.0.1/24", a6, &plen), -EINVAL);
		assert_int_equal(cp_parse_prefix6("fd00:::1/64", a6, &plen), -EINVAL);
	}
}

/* A port's ip6 in any spelling comes out canonical (RFC 5952) and
 * round-trips; a port without one shows none. */
static void test_port_ip6(void **state)
{
	json_t *j = load("{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", "
			 "\"ip\": \"10.0.0.2/24\", \"ip6\": \"FD00:1:0:0::2/64\" }, "
			 "{ \"name\": \"b\", \"dev\": \"y\", \"ip\": \"10.1.0.2/24\" } ] }");
	struct cp_config *c, *c2;
	struct cp_err err = { "", "" };
	json_t *out, *out2, *ports;

	(void)state;
	assert_int_equal(cp_config_from_json(j, &c, &err), 0);
	assert_int_equal(c->ports[0].plen6, 64);
	assert_int_equal(c->ports[1].plen6, 0);
	out = cp_config_to_json(c);
	ports = json_object_get(out, "ports");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ports, 0), "ip6")),
			    "fd00:1::2/64");
	assert_null(json_object_get(json_array_get(ports, 1), "ip6"));
	assert_int_equal(cp_config_from_json(out, &c2, &err), 0);
	out2 = cp_config_to_json(c2);
	assert_true(json_equal(out, out2));
	cp_config_free(c);
	cp_config_free(c2);
	json_decref(j);
	json_decref(out);
	json_decref(out2);
}

static void test_load_file_errors(void **state)
{
	char path[] = "/tmp/mgw-ut-config-XXXXXX";
	int fd = mkstemp(path);
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{ \"ports\": [ }\n", 15), 15);
	close(fd);
	assert_int_equal(cp_config_load(path, &c, &err), -EINVAL);
	assert_string_equal(err.field, path);
	assert_non_null(strstr(err.msg, "line 1 column"));
	unlink(path);
	assert_int_equal(cp_config_load("/nonexistent/mgw.json", &c, &err), -EINVAL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A config of n servers in one service, the last a copy of the first. */
static json_t *many_servers(unsigned n, unsigned limit)
{
	json_t *j = load(BASE_HEAD "\"services\": [ { \"proto\": \"tcp\", \"vip\": "
			 "\"10.0.0.10\", \"port\": 80 } ] }");
	json_t *servers = json_array();

	for (unsigned i = 0; i < n; i++) {
		unsigned k = i + 1 == n ? 0 : i;

		json_array_append_new(servers, json_pack("{s:s%, s:i}", "ip", "10.1.0.11", (size_t)9,
							 "port", (int)(1 + k % 60000)));
		/* spread over addresses so that ip:port differ */
		json_object_set_new(json_array_get(servers, i), "ip",
				    json_sprintf("10.%u.%u.%u", 2 + k / 60000 / 250, (k / 60000) % 250,
						 1 + k % 200));
	}
	json_object_set_new(json_array_get(json_object_get(j, "services"), 0), "servers", servers);
	json_object_set_new(j, "limits", json_pack("{s:i}", "servers", (int)limit));
	return j;
}

/* issue 16: validation is linear (n log n) and the limits come first. A
 * service of 100,000 servers used to be compared pair by pair (5e9
 * comparisons, seconds) before limits.servers refused it. */
static void test_big_bodies_fast(void **state)
{
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };
	json_t *j = many_servers(100000, 4096);
	double t0, t1, t2;

	(void)state;
	t0 = now_s();
	assert_int_equal(cp_config_from_json(j, &c, &err), -EINVAL);
	t1 = now_s();
	assert_string_equal(err.field, "services");
	assert_string_equal(err.msg, "have 100000 servers in all, limits.servers is 4096");
	json_decref(j);
	/* within the limits, the duplicate at the end is found as fast */
	j = many_servers(100000, 1 << 20);
	t1 = now_s();
	assert_int_equal(cp_config_from_json(j, &c, &err), -EINVAL);
	t2 = now_s();
	assert_string_equal(err.field, "services[0].servers[99999]");
	assert_string_equal(err.msg, "duplicates servers[0]");
	json_decref(j);
	print_message("100k servers: over the limit refused in %.1f ms, duplicate found in %.1f ms\n",
		      (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	/* loose bounds for a shared box: quadratic took seconds */
	assert_true(t2 - t1 < 1.0);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The key file reader: a trailing newline is not part of the key, an
 * empty, missing or oversized key or a non-file is refused (a FIFO without
 * blocking). */
static void test_key_files(void **state)
{
	char dir[] = "/tmp/mgw-ut-keys-XXXXXX", p[128];
	uint8_t key[CP_KEY_MAX];
	size_t len = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/k", dir);
	write_file(p, "secret\n", 7);
	assert_int_equal(cp_key_read(p, key, 16, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(key, "secret", 6);
	write_file(p, "secret\r\n", 8);
	assert_int_equal(cp_key_read(p, key, 16, &len), 0);
	assert_int_equal(len, 6);
	write_file(p, "se cret\n\n", 9);        /* one newline only is dropped */
	assert_int_equal(cp_key_read(p, key, 16, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(key, "se cret\n", 8);
	write_file(p, "0123456789abcdef", 16);   /* exactly cap */
	assert_int_equal(cp_key_read(p, key, 16, &len), 0);
	assert_int_equal(len, 16);
	write_file(p, "0123456789abcdefX", 17);
	assert_int_equal(cp_key_read(p, key, 16, &len), -E2BIG);
	write_file(p, "0123456789abcdef\n", 17);   /* cap bytes and a newline */
	assert_int_equal(cp_key_read(p, key, 16, &len), 0);
	assert_int_equal(len, 16);
	write_file(p, "\n", 1);
	assert_int_equal(cp_key_read(p, key, 16, &len), -ENODATA);
	assert_string_equal(cp_key_strerror(-ENODATA), "is empty");
	assert_int_equal(cp_key_read(dir, key, 16, &len), -EINVAL);
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_int_equal(cp_key_read(p, key, 16, &len), -ENOENT);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(cp_key_read(p, key, 16, &len), -EINVAL);
	unlink(p);
	snprintf(p, sizeof(p), "%s/k", dir);
	unlink(p);
	rmdir(dir);
}

/* Auth and GTSM in a config file: loaded and shown (the key file's path,
 * never the key), and a key file that is missing or holds a key too long
 * for its type refused with the field named. */
static void test_routing_auth(void **state)
{
	char dir[] = "/tmp/mgw-ut-auth-XXXXXX", key[128], cfg[128], buf[2048];
	struct cp_config *c = NULL;
	struct cp_err err = { "", "" };
	json_t *out, *ifa, *peer;
	char *dump;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/ospf.key", dir);
	snprintf(cfg, sizeof(cfg), "%s/mgw.json", dir);
	write_file(key, "0123456789abcdef0123456789abcdef\n", 33);   /* 32 bytes */
	snprintf(buf, sizeof(buf),
		 "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
		 "\"routing\": { \"ospf\": { \"interfaces\": [ { \"port\": \"a\", \"ttl_security\": true, "
		 "\"auth\": { \"type\": \"%s\", \"key_id\": 7, \"key_file\": \"%s\" } } ] }, "
		 "\"bgp\": { \"local_as\": 65001, \"peers\": [ { \"ip\": \"10.0.0.1\", \"as\": 65000, "
		 "\"ttl_security\": true, \"auth\": { \"type\": \"tcp-md5\", \"key_file\": \"%s\" } } ] } } }",
		 "hmac-sha256", key, key);
	write_file(cfg, buf, strlen(buf));
	assert_int_equal(cp_config_load(cfg, &c, &err), 0);
	assert_int_equal(c->ospf.ifaces[0].auth, CP_OSPF_AUTH_HMAC_SHA256);
	assert_int_equal(c->ospf.ifaces[0].key_id, 7);
	assert_true(c->ospf.ifaces[0].ttl_security);
	assert_int_equal(c->bgp.peers[0].auth, CP_BGP_AUTH_TCP_MD5);
	assert_true(c->bgp.peers[0].ttl_security);
	out = cp_config_to_json(c);
	ifa = json_array_get(json_object_get(json_object_get(json_object_get(out, "routing"),
							     "ospf"), "interfaces"), 0);
	peer = json_array_get(json_object_get(json_object_get(json_object_get(out, "routing"),
							      "bgp"), "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ifa, "auth"),
							      "key_file")), key);
	assert_true(json_is_true(json_object_get(peer, "ttl_security")));
	dump = json_dumps(out, 0);
	assert_null(strstr(dump, "0123456789abcdef"));     /* never the key */
	free(dump);
	json_decref(out);
	cp_config_free(c);
	c = NULL;

	/* 32 bytes are too many for hmac-sha1 (its digest is 20) */
	snprintf(buf, sizeof(buf),
		 "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
		 "\"routing\": { \"ospf\": { \"interfaces\": [ { \"port\": \"a\", "
		 "\"auth\": { \"type\": \"hmac-sha1\", \"key_file\": \"%s\" } } ] } } }", key);
	write_file(cfg, buf, strlen(buf));
	assert_int_equal(cp_config_load(cfg, &c, &err), -EINVAL);
	assert_null(c);
	assert_string_equal(err.field, "routing.ospf.interfaces[0].auth.key_file");
	assert_non_null(strstr(err.msg, "holds more than 20 bytes: hmac-sha1 keys are 1..20 bytes"));

	/* a key file that is not there */
	unlink(key);
	snprintf(buf, sizeof(buf),
		 "{ \"ports\": [ { \"name\": \"a\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" } ], "
		 "\"routing\": { \"bgp\": { \"local_as\": 65001, \"peers\": [ { \"ip\": \"10.0.0.1\", "
		 "\"as\": 65000, \"auth\": { \"type\": \"tcp-md5\", \"key_file\": \"%s\" } } ] } } }", key);
	write_file(cfg, buf, strlen(buf));
	assert_int_equal(cp_config_load(cfg, &c, &err), -EINVAL);
	assert_string_equal(err.field, "routing.bgp.peers[0].auth.key_file");
	assert_non_null(strstr(err.msg, "No such file or directory"));
	unlink(cfg);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_minimal_and_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_good_modes),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_text_helpers),
		cmocka_unit_test(test_port_ip6),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_big_bodies_fast),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_routing_auth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
