/* Unit tests: the pure parts of the IPv6 forwarding modes beside FULLNAT —
 * IPv6-in-IPv6 encapsulation (dp/ipip.c, RFC 2473), the ICMPv6 Packet Too
 * Big a packet too big for the tunnel gets (dp/reply.c, RFC 4443 3.2) and
 * NAT's rewrite of both directions (dp_rw_forward6); checksums checked by
 * full recompute (sum6_test.h). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/csum.h"
#include "dp/icmp.h"
#include "dp/ipip.h"
#include "dp/pkt.h"
#include "dp/reply.h"
#include "dp/rewrite.h"
#include "sum6_test.h"

static void a6(uint8_t out[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* An Ethernet frame at f with an IPv6 TCP or UDP packet (traffic class tc,
 * hop limit hop, payload bytes of data), its L4 checksum right. Returns
 * the frame length. */
static uint32_t mk6(uint8_t *f, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		    uint16_t dport, uint32_t payload, uint8_t tc, uint8_t hop)
{
	uint32_t hl = proto == DP_IPPROTO_TCP ? 20 : 8, l4len = hl + payload;
	uint8_t *ip = f + DP_ETH_HLEN, *l4 = ip + DP_IP6_HLEN, s[16], d[16];
	uint16_t c;

	a6(s, src);
	a6(d, dst);
	memset(f, 0, DP_ETH_HLEN);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	dp_put_ip6(ip, tc, (uint16_t)l4len, proto, hop, s, d);
	ip[1] |= 0x0a;   /* a flow label the tunnel does not copy */
	ip[3] = 0x5a;
	memset(l4, 0, hl);
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, 1000);
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_ACK;
	} else {
		dp_put_u16(l4 + 4, (uint16_t)l4len);
	}
	for (uint32_t i = 0; i < payload; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 3);
	c = (uint16_t)~sum6_slow_nh(ip, proto);
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	dp_put_u16(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), c);
	assert_int_equal(sum6_slow_nh(ip, proto), 0xffff);
	return DP_ETH_HLEN + DP_IP6_HLEN + l4len;
}

static void parse6(const uint8_t *f, uint32_t len, struct dp_pkt *p)
{
	struct dp_pkt6 p6;
	enum dp_drop why;

	assert_int_equal(dp_pkt_parse_ipv6(f, len, DP_ETH_HLEN, &p6, &why), 0);
	dp_pkt_from6(f, &p6, p);
}

/* ---- IPv6 in IPv6 ---- */

static void test_ip6ip6_encap(void **state)
{
	static const uint8_t protos[] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP };
	uint8_t f[2048], orig[2048], src[16], dst[16];

	(void)state;
	a6(src, "fd00:2::2");
	a6(dst, "fd00:3::14");
	for (unsigned k = 0; k < 2; k++) {
		for (uint32_t payload = 0; payload < 1400; payload += 331) {
			uint32_t n = mk6(orig, protos[k], "fd00:1::1", 40001, "fd00:1::11", 80, payload,
					 0xb8, 63);
			uint32_t inner_len = n - DP_ETH_HLEN;
			const uint8_t *o = f + DP_ETH_HLEN, *in = o + DP_IPIP6_HLEN;

			/* the frame as mgw has it after the prepend: 40 free
			 * bytes between the Ethernet header and the packet */
			memset(f, 0xee, sizeof(f));
			memcpy(f, orig, DP_ETH_HLEN);
			memcpy(f + DP_ETH_HLEN + DP_IPIP6_HLEN, orig + DP_ETH_HLEN, inner_len);
			dp_ipip_encap6(f, src, dst, DP_IPIP_TTL);
			assert_int_equal(dp_get_u16(f + 12), DP_ETH_P_IPV6);
			assert_int_equal(o[0] >> 4, 6);
			/* traffic class copied, flow label 0 */
			assert_int_equal((uint8_t)(o[0] << 4 | o[1] >> 4), 0xb8);
			assert_int_equal(dp_get_u32(o) & 0xfffff, 0);
			/* the whole inner packet is the payload */
			assert_int_equal(dp_get_u16(o + 4), inner_len);
			assert_int_equal(o[6], DP_IPPROTO_IPV6);
			assert_int_equal(o[6], 41);
			assert_int_equal(o[7], DP_IPIP_TTL);
			assert_memory_equal(o + 8, src, 16);
			assert_memory_equal(o + 24, dst, 16);
			/* the inner packet untouched, its checksum right */
			assert_memory_equal(in, orig + DP_ETH_HLEN, inner_len);
			assert_int_equal(sum6_slow_nh(in, protos[k]), 0xffff);
		}
	}
	assert_int_equal(DP_IPIP6_HLEN, 40);
	assert_int_equal(dp_ipip_mtu6(1500), 1460);
	assert_int_equal(dp_ipip_mtu6(9000), 8960);
}

/* ---- Packet Too Big ---- */

static void test_too_big6(void **state)
{
	uint8_t f[2048], out[DP_REPLY_MAX], cli[16], vip[16];
	const uint8_t *ip = out + DP_ETH_HLEN, *ic = ip + DP_IP6_HLEN;
	struct dp_pkt p;
	uint32_t n, len;

	(void)state;
	a6(cli, "fd00:1::1");
	a6(vip, "fd00:1::11");
	/* a full-size segment: 1500 bytes, 40 too many for the tunnel */
	n = mk6(f, DP_IPPROTO_TCP, "fd00:1::1", 40001, "fd00:1::11", 9000, 1440, 0, 63);
	assert_int_equal(n - DP_ETH_HLEN, 1500);
	parse6(f, n, &p);
	len = dp_reply_too_big6(out, f, &p, dp_ipip_mtu6(1500), 64);
	assert_int_equal(len, DP_ETH_HLEN + DP_IP6_HLEN + 8 + DP_REPLY_QUOTE6_MAX);
	assert_true(len <= DP_REPLY_MAX);
	/* RFC 4443 2.4 (c): the error fits the minimum MTU */
	assert_true(len - DP_ETH_HLEN <= 1280);
	assert_int_equal(dp_get_u16(out + 12), DP_ETH_P_IPV6);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(dp_get_u16(ip + 4), len - DP_ETH_HLEN - DP_IP6_HLEN);
	assert_int_equal(ip[6], DP_IPPROTO_ICMPV6);
	assert_int_equal(ip[7], 64);
	assert_memory_equal(ip + 8, vip, 16);    /* from the VIP ... */
	assert_memory_equal(ip + 24, cli, 16);   /* ... to the client */
	assert_int_equal(ic[0], DP_ICMP6_TOO_BIG);
	assert_int_equal(ic[0], 2);
	assert_int_equal(ic[1], 0);
	assert_int_equal(dp_get_u32(ic + 4), 1460);
	/* the quote: as much of the offending packet as fits, from its header */
	assert_memory_equal(ic + 8, f + DP_ETH_HLEN, DP_REPLY_QUOTE6_MAX);
	assert_int_equal(sum6_slow(ip), 0xffff);

	/* a short packet is quoted whole */
	n = mk6(f, DP_IPPROTO_UDP, "fd00:1::1", 5000, "fd00:1::11", 53, 100, 0, 63);
	parse6(f, n, &p);
	len = dp_reply_too_big6(out, f, &p, 1280, 64);
	assert_int_equal(len, DP_ETH_HLEN + DP_IP6_HLEN + 8 + (n - DP_ETH_HLEN));
	assert_int_equal(dp_get_u32(ic + 4), 1280);
	assert_memory_equal(ic + 8, f + DP_ETH_HLEN, n - DP_ETH_HLEN);
	assert_int_equal(sum6_slow(ip), 0xffff);
}

/* ---- NAT: only the destination, then only the source ---- */

static void test_nat6_both_directions(void **state)
{
	static const uint8_t protos[] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP };
	uint8_t f[2048], cli[16], vip[16], rip[16];
	struct dp_pkt p;

	(void)state;
	a6(cli, "fd00:1::1");
	a6(vip, "fd00:1::12");
	a6(rip, "fd00:2::15");
	for (unsigned k = 0; k < 2; k++) {
		for (uint32_t payload = 0; payload < 60; payload += 13) {
			const uint8_t *ip = f + DP_ETH_HLEN, *l4 = ip + DP_IP6_HLEN;
			uint32_t n;

			/* client → VIP:80 becomes client → server:8080 */
			n = mk6(f, protos[k], "fd00:1::1", 40001, "fd00:1::12", 80, payload, 0, 64);
			parse6(f, n, &p);
			dp_rw_forward6(f, &p, cli, p.sport, rip, htons(8080));
			assert_memory_equal(ip + 8, cli, 16);
			assert_memory_equal(ip + 24, rip, 16);
			assert_int_equal(dp_get_u16(l4), 40001);
			assert_int_equal(dp_get_u16(l4 + 2), 8080);
			assert_int_equal(ip[7], 63);
			assert_int_equal(sum6_slow_nh(ip, protos[k]), 0xffff);

			/* server:8080 → client becomes VIP:80 → client */
			n = mk6(f, protos[k], "fd00:2::15", 8080, "fd00:1::1", 40001, payload, 0, 64);
			parse6(f, n, &p);
			dp_rw_forward6(f, &p, vip, htons(80), cli, p.dport);
			assert_memory_equal(ip + 8, vip, 16);
			assert_memory_equal(ip + 24, cli, 16);
			assert_int_equal(dp_get_u16(l4), 80);
			assert_int_equal(dp_get_u16(l4 + 2), 40001);
			assert_int_equal(ip[7], 63);
			assert_int_equal(sum6_slow_nh(ip, protos[k]), 0xffff);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip6ip6_encap),
		cmocka_unit_test(test_too_big6),
		cmocka_unit_test(test_nat6_both_directions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
