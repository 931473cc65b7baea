/* Unit tests: IPv6 neighbour discovery (dp/nd.c): what we build parses and
 * checks out against a checksum computed here from first principles, the
 * answers go where RFC 4861 says, every validity check refuses what it
 * should, every truncation and random mutations are refused or parsed
 * without a read past the frame; what comes to a port's IPv6 address goes
 * to the kernel in the exception path's classes (dp/punt.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "dp/bytes.h"
#include "dp/nd.h"
#include "dp/pkt.h"
#include "dp/punt.h"
#include "sum6_test.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
static const uint8_t ip_a[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56 };
static const uint8_t ip_b[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0xef };
static const uint8_t zero[16];

static int parse(const uint8_t *f, uint32_t len, struct dp_nd *nd, enum dp_drop *why)
{
	struct dp_pkt6 p;
	int rc = dp_pkt_parse_ipv6(f, len, DP_ETH_HLEN, &p, why);

	return rc < 0 ? rc : dp_nd_parse(f, len, &p, nd, why);
}

/* Redo the checksum after a test changed the message. */
static void resum(uint8_t *f)
{
	uint8_t *ip = f + DP_ETH_HLEN;
	uint32_t s;

	ip[40 + 2] = ip[40 + 3] = 0;
	s = (uint16_t)~sum6_slow(ip);
	ip[40 + 2] = (uint8_t)(s >> 8);
	ip[40 + 3] = (uint8_t)s;
}

static void test_addresses(void **state)
{
	uint8_t sn[16], mac[6];
	static const uint8_t want[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x34, 0x56 };

	(void)state;
	dp_nd_solicited_node(ip_a, sn);
	assert_memory_equal(sn, want, 13);
	assert_int_equal(sn[15], 0x56);
	dp_nd_mcast_mac(sn, mac);
	assert_memory_equal(mac, ((uint8_t[6]){ 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 }), 6);
}

/* A asks for B; B answers; the answer reaches A as a solicited NA. */
static void test_solicit_answer(void **state)
{
	uint8_t f[DP_ND_FRAME_LEN], r[DP_ND_FRAME_LEN], sn[16];
	struct dp_nd ns, na;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = dp_nd_build_solicit(f, mac_a, ip_a, ip_b);
	assert_int_equal(len, DP_ND_FRAME_LEN);
	assert_int_equal(sum6_slow(f + DP_ETH_HLEN), 0xffff);
	assert_int_equal(parse(f, len, &ns, &why), 0);
	assert_int_equal(ns.type, DP_ICMP6_NS);
	assert_memory_equal(ns.target, ip_b, 16);
	assert_memory_equal(ns.src, ip_a, 16);
	dp_nd_solicited_node(ip_b, sn);
	assert_memory_equal(ns.dst, sn, 16);
	assert_memory_equal(f, ((uint8_t[6]){ 0x33, 0x33, 0xff, 0xab, 0xcd, 0xef }), 6);
	assert_true(ns.has_lladdr);
	assert_memory_equal(ns.lladdr, mac_a, 6);
	assert_int_equal(f[DP_ETH_HLEN + 7], 255);

	len = dp_nd_build_reply(r, &ns, mac_b);
	assert_int_equal(len, DP_ND_FRAME_LEN);
	assert_int_equal(sum6_slow(r + DP_ETH_HLEN), 0xffff);
	assert_int_equal(parse(r, len, &na, &why), 0);
	assert_int_equal(na.type, DP_ICMP6_NA);
	assert_int_equal(na.flags, DP_ND_NA_SOLICITED | DP_ND_NA_OVERRIDE);
	assert_memory_equal(na.src, ip_b, 16);
	assert_memory_equal(na.dst, ip_a, 16);
	assert_memory_equal(na.target, ip_b, 16);
	assert_true(na.has_lladdr);
	assert_memory_equal(na.lladdr, mac_b, 6);
	assert_memory_equal(r, mac_a, 6);        /* unicast to the asker */
	assert_memory_equal(r + 6, mac_b, 6);
	assert_memory_equal(na.eth_src, mac_b, 6);

	/* no source link-layer option: back to the Ethernet source */
	ns.has_lladdr = false;
	memcpy(ns.eth_src, mac_b, 6);
	dp_nd_build_reply(r, &ns, mac_a);
	assert_memory_equal(r, mac_b, 6);
}

/* DAD: a probe from :: with no option; the answer to one goes to all nodes,
 * unsolicited. The announce is an unsolicited override NA to all nodes. */
static void test_dad_and_announce(void **state)
{
	uint8_t f[DP_ND_FRAME_LEN], r[DP_ND_FRAME_LEN];
	static const uint8_t all[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct dp_nd ns, na;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = dp_nd_build_solicit(f, mac_a, zero, ip_b);
	assert_int_equal(len, DP_ND_FRAME_LEN - 8);
	assert_int_equal(sum6_slow(f + DP_ETH_HLEN), 0xffff);
	assert_int_equal(parse(f, len, &ns, &why), 0);
	assert_false(ns.has_lladdr);
	assert_memory_equal(ns.src, zero, 16);

	len = dp_nd_build_reply(r, &ns, mac_b);
	assert_int_equal(parse(r, len, &na, &why), 0);
	assert_memory_equal(na.dst, all, 16);
	assert_int_equal(na.flags, DP_ND_NA_OVERRIDE);
	assert_memory_equal(r, ((uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }), 6);

	len = dp_nd_build_announce(r, mac_a, ip_a);
	assert_int_equal(sum6_slow(r + DP_ETH_HLEN), 0xffff);
	assert_int_equal(parse(r, len, &na, &why), 0);
	assert_int_equal(na.type, DP_ICMP6_NA);
	assert_int_equal(na.flags, DP_ND_NA_OVERRIDE);
	assert_memory_equal(na.src, ip_a, 16);
	assert_memory_equal(na.dst, all, 16);
	assert_memory_equal(na.target, ip_a, 16);
	assert_memory_equal(na.lladdr, mac_a, 6);
}

static void expect_bad(uint8_t *f, uint32_t len, enum dp_drop want)
{
	struct dp_nd nd;
	enum dp_drop why = DP_DROP_MAX;

	assert_int_equal(parse(f, len, &nd, &why), -EBADMSG);
	assert_int_equal(why, want);
}

/* Each of RFC 4861's checks, one at a time, on an otherwise good NS. */
static void test_validity(void **state)
{
	uint8_t f[DP_ND_FRAME_LEN + 16], g[sizeof(f)];
	uint8_t *ip = f + DP_ETH_HLEN, *m = ip + DP_IP6_HLEN;
	struct dp_nd nd;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = dp_nd_build_solicit(g, mac_a, ip_a, ip_b);
#define FRESH() memcpy(f, g, len)

	FRESH();
	ip[7] = 254;   /* forwarded by a router */
	expect_bad(f, len, DP_DROP_ND_BAD);
	FRESH();
	m[2] ^= 1;
	expect_bad(f, len, DP_DROP_ICMP_CSUM);
	FRESH();
	m[1] = 1;
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	FRESH();
	m[8] = 0xff;   /* a multicast target */
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	FRESH();
	m[25] = 0;     /* an option of length 0 */
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	FRESH();
	m[25] = 2;     /* an option past the message */
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	/* too short: 20 bytes of message */
	FRESH();
	dp_put_u16(ip + 4, 20);
	resum(f);
	expect_bad(f, DP_ETH_HLEN + DP_IP6_HLEN + 20, DP_DROP_ND_BAD);
	FRESH();
	ip[8] = 0xff;  /* a multicast source (the fuzzer's find: answered to a group) */
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	/* from :: with a source link-layer option */
	FRESH();
	memset(ip + 8, 0, 16);
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	/* from :: to a unicast address */
	len = dp_nd_build_solicit(g, mac_a, zero, ip_b);
	FRESH();
	memcpy(ip + 24, ip_b, 16);
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	/* a solicited NA to a multicast address */
	len = dp_nd_build_announce(g, mac_a, ip_a);
	FRESH();
	dp_put_u32(m + 4, DP_ND_NA_SOLICITED);
	resum(f);
	expect_bad(f, len, DP_DROP_ND_BAD);
	/* an unknown option is skipped: 8 more bytes, type 99 */
	len = dp_nd_build_solicit(g, mac_a, ip_a, ip_b);
	FRESH();
	memset(m + 32, 0, 8);
	m[32] = 99;
	m[33] = 1;
	dp_put_u16(ip + 4, 40);
	resum(f);
	assert_int_equal(parse(f, len + 8, &nd, &why), 0);
	assert_true(nd.has_lladdr);
	/* a fragment: never ND (RFC 6980) */
	{
		uint8_t h[sizeof(f) + 8];

		memcpy(h, g, DP_ETH_HLEN + DP_IP6_HLEN);
		memcpy(h + DP_ETH_HLEN + DP_IP6_HLEN + 8, g + DP_ETH_HLEN + DP_IP6_HLEN,
		       len - DP_ETH_HLEN - DP_IP6_HLEN);
		h[DP_ETH_HLEN + 6] = DP_IPPROTO_FRAGMENT;
		dp_put_u16(h + DP_ETH_HLEN + 4, (uint16_t)(len - DP_ETH_HLEN - DP_IP6_HLEN + 8));
		memset(h + DP_ETH_HLEN + DP_IP6_HLEN, 0, 8);
		h[DP_ETH_HLEN + DP_IP6_HLEN] = DP_IPPROTO_ICMPV6;
		dp_put_u16(h + DP_ETH_HLEN + DP_IP6_HLEN + 2, 1);   /* offset 0, more */
		expect_bad(h, len + 8, DP_DROP_ND_BAD);
	}
#undef FRESH
}

/* RS, RA and redirects: recognised, left alone. Echo too. */
static void test_other_types(void **state)
{
	uint8_t f[DP_ND_FRAME_LEN];
	static const uint8_t t[] = { DP_ICMP6_RS, DP_ICMP6_RA, DP_ICMP6_REDIRECT, 128 };
	struct dp_nd nd;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	for (unsigned i = 0; i < sizeof(t); i++) {
		len = dp_nd_build_solicit(f, mac_a, ip_a, ip_b);
		f[DP_ETH_HLEN + DP_IP6_HLEN] = t[i];
		resum(f);
		assert_int_equal(parse(f, len, &nd, &why), -ENOMSG);
	}
}

/* Every truncation, then random mutations: a verdict, never a read past
 * the frame (heap copies of exact size: ASan's `make unit SAN=1`). */
static void test_truncation_and_mutation(void **state)
{
	uint8_t g[DP_ND_FRAME_LEN];
	struct dp_nd nd;
	enum dp_drop why;
	uint32_t len = dp_nd_build_solicit(g, mac_a, ip_a, ip_b);
	unsigned ok = 0;

	(void)state;
	for (uint32_t l = 0; l < len; l++) {
		uint8_t *h = malloc(l ? l : 1);

		memcpy(h, g, l);
		assert_true(parse(h, l, &nd, &why) < 0);
		free(h);
	}
	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint8_t *h = malloc(len);
		int rc;

		memcpy(h, g, len);
		for (int k = 0, n = 1 + rand() % 4; k < n; k++)
			h[DP_ETH_HLEN + rand() % (len - DP_ETH_HLEN)] = (uint8_t)rand();
		if (rand() % 2 && dp_get_u16(h + DP_ETH_HLEN + 4) == len - DP_ETH_HLEN - DP_IP6_HLEN)
			resum(h);   /* (only when the length still fits) */
		rc = parse(h, len, &nd, &why);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -ENOMSG);
		ok += rc == 0;
		free(h);
	}
	/* some mutations leave it valid (an address, an option's bytes) */
	assert_true(ok > 1000);
}

/* A frame from src to dst of proto (TCP: ports sport, dport; ICMPv6: type
 * in its first byte), parsed; frag_later: behind a fragment header at
 * offset 8. */
static void mk6(uint8_t *f, struct dp_pkt6 *p, const uint8_t *src, const uint8_t *dst,
		uint8_t proto, uint16_t sport, uint16_t dport, uint8_t type, bool frag_later)
{
	uint8_t *ip = f + DP_ETH_HLEN, *l4 = ip + DP_IP6_HLEN;
	enum dp_drop why;

	memset(f, 0, 256);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	if (frag_later) {
		dp_put_ip6(ip, 0, 8 + 20, DP_IPPROTO_FRAGMENT, 64, src, dst);
		l4[0] = proto;
		dp_put_u16(l4 + 2, 8 << 3);   /* offset 8 (64 bytes), no more */
		l4 += 8;
	} else {
		dp_put_ip6(ip, 0, 20, proto, 64, src, dst);
	}
	if (proto == DP_IPPROTO_ICMPV6) {
		l4[0] = type;
	} else {
		dp_put_u16(l4, sport);
		dp_put_u16(l4 + 2, dport);
		l4[12] = 5 << 4;
	}
	assert_int_equal(dp_pkt_parse_ipv6(f, DP_ETH_HLEN + DP_IP6_HLEN + 20 + (frag_later ? 8 : 0),
					   DP_ETH_HLEN, p, &why), 0);
}

/* What dp/input6.c hands the kernel of what comes to a port's ip6, and in
 * which class (dp/punt.h): the same classes and maps as IPv4's, v6
 * sources by handle. */
static void test_punt6(void **state)
{
	static struct dp_snap s;
	static const uint8_t router[16] = { 0xfd, 0, 0, 1, [15] = 1 };
	struct dp_map *hc, *bgp;
	struct dp_pkt6 p;
	struct dp_pkt p4 = { .proto = DP_IPPROTO_TCP, .src = 0x0b01010a, .sport = 0x901f };
	uint8_t f[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.n_ports = 2;
	s.port[1].has_ip6 = true;
	s.port[1].plen6 = 64;
	memcpy(s.port[1].ip6, ip_a, 16);
	assert_int_equal(dp_map_create(8, &hc), 0);
	assert_int_equal(dp_map_create(8, &bgp), 0);
	/* ip_b:8080 is checked; 10.1.1.11:8080 too; ip_b is a BGP peer */
	assert_int_equal(dp_map_put(hc, dp_punt_key(dp_ip6_handle(ip_b), htons(8080)), 1), 0);
	assert_int_equal(dp_map_put(hc, dp_punt_key(dp_ip6_handle(ip_b), 0), 1), 0);
	assert_int_equal(dp_map_put(hc, dp_punt_key(0x0b01010a, 0x901f), 1), 0);
	assert_int_equal(dp_map_put(bgp, dp_ip6_handle(ip_b), 1), 0);
	s.hc_targets = hc;

	/* a check's reply: the kernel's, health class */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_TCP, 8080, 40000, 0, false);
	assert_true(dp_punt6_is_kernels(&s, &p, 1));
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_HEALTH);
	/* from a port not checked: other */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_TCP, 8081, 40000, 0, false);
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_OTHER);
	/* BGP from the peer (no map: other; the map: routing) */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_TCP, 179, 40000, 0, false);
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_OTHER);
	s.bgp_peers = bgp;
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_ROUTING);
	mk6(f, &p, router, ip_a, DP_IPPROTO_TCP, 179, 40000, 0, false);
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_OTHER);
	/* only on the port that has the address, only for it */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_TCP, 8080, 40000, 0, false);
	assert_false(dp_punt6_is_kernels(&s, &p, 0));
	assert_false(dp_punt6_is_kernels(&s, &p, 2));
	mk6(f, &p, ip_a, ip_b, DP_IPPROTO_TCP, 40000, 8080, 0, false);
	assert_false(dp_punt6_is_kernels(&s, &p, 1));
	/* echo requests are answered by the lcores; replies and errors are
	 * the kernel's (an error from a router: other; a checked server's
	 * ICMPv6: health) */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_ICMPV6, 0, 0, 128, false);
	assert_false(dp_punt6_is_kernels(&s, &p, 1));
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_ICMPV6, 0, 0, 129, false);
	assert_true(dp_punt6_is_kernels(&s, &p, 1));
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_HEALTH);
	mk6(f, &p, router, ip_a, DP_IPPROTO_ICMPV6, 0, 0, 1, false);
	assert_true(dp_punt6_is_kernels(&s, &p, 1));
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_OTHER);
	/* a later fragment: the kernel's to reassemble, other (no ports) */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_TCP, 0, 0, 0, true);
	assert_int_equal(p.frag, DP_FRAG_LATER);
	assert_true(dp_punt6_is_kernels(&s, &p, 1));
	assert_int_equal(dp_punt_classify6(&s, &p), DP_PUNT_OTHER);
	/* a fragmented echo request is not answered: the kernel's */
	mk6(f, &p, ip_b, ip_a, DP_IPPROTO_ICMPV6, 0, 0, 128, true);
	assert_true(dp_punt6_is_kernels(&s, &p, 1));
	/* IPv4 through the same rules */
	assert_int_equal(dp_punt_classify(&s, &p4), DP_PUNT_HEALTH);
	p4.sport = 0x911f;
	assert_int_equal(dp_punt_classify(&s, &p4), DP_PUNT_OTHER);
	dp_map_free(hc);
	dp_map_free(bgp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_solicit_answer),
		cmocka_unit_test(test_dad_and_announce),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_truncation_and_mutation),
		cmocka_unit_test(test_punt6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
