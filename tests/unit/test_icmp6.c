/* Unit tests: ICMPv6 errors on the FULLNAT path (dp/icmp.c) — an error
 * quoting a TCP or UDP packet (with extension headers, whole or cut) is
 * found and translated for the other side: outer and quoted addresses and
 * ports, the hop limit, the MTU of a Packet Too Big kept; the ICMPv6
 * checksum and, where the quote holds the whole packet, the quoted L4
 * checksum held to a full recompute on 5,000 random errors; every
 * truncation, a bad checksum and quotes that can't be matched refused
 * with their reason; the resets and port unreachables mgw answers IPv6
 * flows with (dp/reply.c) held to RFC 793 and RFC 4443 and a full
 * checksum recompute. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/csum.h"
#include "dp/icmp.h"
#include "dp/pkt.h"
#include "dp/reply.h"
#include "sum6_test.h"

static uint32_t seed = 12345;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static void rnd_addr(uint8_t a[16])
{
	a[0] = 0xfd;
	for (int i = 1; i < 16; i++)
		a[i] = (uint8_t)rnd();
}

/* An IPv6 packet at ip: [dest options of ext bytes], TCP or UDP with
 * payload bytes, checksummed. Returns its length. */
static uint32_t build_pkt(uint8_t *ip, uint8_t proto, const uint8_t *src, const uint8_t *dst,
			  uint16_t sport, uint16_t dport, uint32_t ext, uint32_t payload,
			  int udp_zero)
{
	uint32_t hl = proto == DP_IPPROTO_TCP ? 20 : 8, l4n = hl + payload;
	uint8_t *l4 = ip + DP_IP6_HLEN + ext;
	uint16_t c;

	memset(ip, 0, DP_IP6_HLEN + ext + l4n);
	dp_put_u32(ip, 6u << 28);
	dp_put_u16(ip + 4, (uint16_t)(ext + l4n));
	ip[6] = ext ? DP_IPPROTO_DSTOPTS : proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	if (ext) {
		ip[40] = proto;
		ip[41] = (uint8_t)(ext / 8 - 1);
		ip[42] = 1;                      /* PadN over the rest */
		ip[43] = (uint8_t)(ext - 4);
	}
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, rnd());
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_ACK;
		dp_put_u16(l4 + 14, 65535);
	} else {
		dp_put_u16(l4 + 4, (uint16_t)l4n);
	}
	for (uint32_t i = 0; i < payload; i++)
		l4[hl + i] = (uint8_t)rnd();
	if (proto == DP_IPPROTO_UDP && udp_zero)
		return DP_IP6_HLEN + ext + l4n;
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, l4n, dp_csum_pseudo6(src, dst, l4n, proto)));
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), &c, 2);
	return DP_IP6_HLEN + ext + l4n;
}

/* Ethernet + IPv6 (from → to) + ICMPv6 error type/code/word quoting the
 * first `quote` bytes of the packet qp of qlen bytes. Returns the frame's
 * length. */
static uint32_t build_error(uint8_t *f, uint8_t type, uint8_t code, uint32_t word,
			    const uint8_t *from, const uint8_t *to, const uint8_t *qp,
			    uint32_t qlen, uint32_t quote)
{
	uint8_t *ip = f + 14, *ic = ip + DP_IP6_HLEN;
	uint32_t n = 8 + (quote < qlen ? quote : qlen);
	uint16_t c;

	memset(f, 0, 14);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	memset(ip, 0, DP_IP6_HLEN);
	dp_put_u32(ip, 6u << 28);
	dp_put_u16(ip + 4, (uint16_t)n);
	ip[6] = DP_IPPROTO_ICMPV6;
	ip[7] = 64;
	memcpy(ip + 8, from, 16);
	memcpy(ip + 24, to, 16);
	ic[0] = type;
	ic[1] = code;
	ic[2] = ic[3] = 0;
	dp_put_u32(ic + 4, word);
	memcpy(ic + 8, qp, n - 8);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(ic, n, dp_csum_pseudo6(from, to, n,
									     DP_IPPROTO_ICMPV6)));
	memcpy(ic + 2, &c, 2);
	return 14 + DP_IP6_HLEN + n;
}

static int parse(const uint8_t *f, uint32_t len, struct dp_pkt6 *p)
{
	enum dp_drop why;

	return dp_pkt_parse_ipv6(f, len, 14, p, &why);
}

/* One error: a router (rt) tells the LIP about LIP:lport → server, and it
 * goes on as VIP → client quoting client:cport → VIP:vport. */
static void one_case(uint8_t proto, uint32_t ext, uint32_t payload, uint32_t quote, int udp_zero,
		     uint8_t type)
{
	uint8_t lip[16], srv[16], rt[16], vip[16], cli[16];
	uint8_t pkt[2048], f[2048];
	uint16_t lport = (uint16_t)(1024 + rnd() % 60000), rport = (uint16_t)(1 + rnd() % 65535);
	uint16_t cport = (uint16_t)(1024 + rnd() % 60000), vport = (uint16_t)(1 + rnd() % 65535);
	struct dp_icmp6_quote q;
	struct dp_pkt6 p;
	enum dp_drop why;
	uint32_t plen, flen, mtu = 1280 + rnd() % 200;
	uint16_t be;

	rnd_addr(lip);
	rnd_addr(srv);
	rnd_addr(rt);
	rnd_addr(vip);
	rnd_addr(cli);
	plen = build_pkt(pkt, proto, lip, srv, lport, rport, ext, payload, udp_zero);
	flen = build_error(f, type, 0, type == DP_ICMP6_TOO_BIG ? mtu : 0, rt, lip, pkt, plen, quote);
	assert_int_equal(parse(f, flen, &p), 0);
	assert_true(dp_icmp6_is_error(p.icmp_type));
	assert_int_equal(dp_icmp6_parse_error(f, &p, &q, &why), 0);
	assert_int_equal(q.proto, proto);
	assert_memory_equal(q.src, lip, 16);
	assert_memory_equal(q.dst, srv, 16);
	assert_int_equal(dp_get_u16((const uint8_t *)&q.sport), lport);
	assert_int_equal(dp_get_u16((const uint8_t *)&q.dport), rport);

	{
		uint16_t cp_be, vp_be;

		dp_put_u16((uint8_t *)&cp_be, cport);
		dp_put_u16((uint8_t *)&vp_be, vport);
		dp_icmp6_xlate(f, &p, &q, vip, cli, cli, cp_be, vip, vp_be);
	}
	/* outer */
	assert_memory_equal(f + 14 + 8, vip, 16);
	assert_memory_equal(f + 14 + 24, cli, 16);
	assert_int_equal(f[14 + 7], 63);
	assert_int_equal(sum6_slow(f + 14), 0xffff);
	if (type == DP_ICMP6_TOO_BIG)
		assert_int_equal(dp_get_u32(f + 14 + 40 + 4), mtu);
	/* quote */
	{
		uint8_t *qip = f + 14 + 48, *ql4 = qip + DP_IP6_HLEN + ext;

		assert_memory_equal(qip + 8, cli, 16);
		assert_memory_equal(qip + 24, vip, 16);
		assert_int_equal(dp_get_u16(ql4), cport);
		assert_int_equal(dp_get_u16(ql4 + 2), vport);
		memcpy(&be, ql4 + (proto == DP_IPPROTO_TCP ? 16 : 6), 2);
		if (proto == DP_IPPROTO_UDP && udp_zero && quote >= plen)
			assert_int_equal(be, 0);
		else if (quote >= plen && !ext)
			assert_int_equal(sum6_slow_nh(qip, proto), 0xffff);
		else if (quote >= plen) {
			uint32_t l4n = plen - DP_IP6_HLEN - ext;

			assert_int_equal(dp_csum_fold(dp_csum_partial(
				ql4, l4n, dp_csum_pseudo6(cli, vip, l4n, proto))), 0xffff);
		}
	}
}

static void test_translate(void **state)
{
	(void)state;
	one_case(DP_IPPROTO_TCP, 0, 1000, 2000, 0, DP_ICMP6_TOO_BIG);
	one_case(DP_IPPROTO_UDP, 0, 1200, 2000, 0, DP_ICMP6_TOO_BIG);
	one_case(DP_IPPROTO_UDP, 0, 100, 2000, 1, DP_ICMP6_UNREACH);
	one_case(DP_IPPROTO_TCP, 16, 50, 2000, 0, DP_ICMP6_TIME_EXCEEDED);
	one_case(DP_IPPROTO_TCP, 0, 1000, 48, 0, DP_ICMP6_TOO_BIG);   /* ports only */
	one_case(DP_IPPROTO_TCP, 0, 1000, 60, 0, DP_ICMP6_PARAM_PROBLEM);
}

/* 5,000 random errors against the full recompute (one_case asserts it). */
static void test_random(void **state)
{
	static const uint8_t types[] = { DP_ICMP6_UNREACH, DP_ICMP6_TOO_BIG,
					 DP_ICMP6_TIME_EXCEEDED, DP_ICMP6_PARAM_PROBLEM };

	(void)state;
	for (int i = 0; i < 5000; i++) {
		uint8_t proto = rnd() & 1 ? DP_IPPROTO_TCP : DP_IPPROTO_UDP;
		uint32_t ext = rnd() % 3 * 8, payload = rnd() % 1100;
		uint32_t quote = rnd() & 1 ? 2000 : 48 + ext + rnd() % 1100;

		one_case(proto, ext, payload, quote, proto == DP_IPPROTO_UDP && rnd() % 8 == 0,
			 types[rnd() % 4]);
	}
}

static void expect_reject(const uint8_t *f, uint32_t len, enum dp_drop want)
{
	struct dp_icmp6_quote q;
	struct dp_pkt6 p;
	enum dp_drop why = DP_DROP_MAX;

	assert_int_equal(parse(f, len, &p), 0);
	assert_int_equal(dp_icmp6_parse_error(f, &p, &q, &why), -EBADMSG);
	assert_int_equal(why, want);
}

/* The ICMPv6 checksum made right again after a test changed the message. */
static void refix(uint8_t *f, uint32_t len)
{
	uint8_t *ip = f + 14, *ic = ip + DP_IP6_HLEN;
	uint32_t n = len - 14 - DP_IP6_HLEN;
	uint16_t c;

	ic[2] = ic[3] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(ic, n, dp_csum_pseudo6(ip + 8, ip + 24, n,
									     DP_IPPROTO_ICMPV6)));
	memcpy(ic + 2, &c, 2);
}

static void test_refused(void **state)
{
	uint8_t a[16], b[16], rt[16], pkt[2048], f[2048], g[2048];
	uint32_t plen, flen;

	(void)state;
	rnd_addr(a);
	rnd_addr(b);
	rnd_addr(rt);
	plen = build_pkt(pkt, DP_IPPROTO_TCP, a, b, 40000, 80, 8, 200, 0);
	flen = build_error(f, DP_ICMP6_TOO_BIG, 0, 1280, rt, a, pkt, plen, 2000);

	/* every cut of the quote: refused below a header and 8 bytes (or
	 * the ports, behind the extension header), found from there on */
	for (uint32_t k = 0; k < plen; k++) {
		uint32_t n = build_error(g, DP_ICMP6_TOO_BIG, 0, 1280, rt, a, pkt, plen, k);
		struct dp_icmp6_quote q;
		struct dp_pkt6 p;
		enum dp_drop why;
		int rc;

		assert_int_equal(parse(g, n, &p), 0);
		rc = dp_icmp6_parse_error(g, &p, &q, &why);
		if (k < DP_IP6_HLEN + 8 + 8)
			assert_int_equal(rc, -EBADMSG);
		if (rc == 0)
			assert_int_equal(dp_get_u16((const uint8_t *)&q.dport), 80);
		else
			assert_int_equal(why, DP_DROP_ICMP_BAD);
	}
	/* a bad checksum */
	memcpy(g, f, flen);
	g[flen - 1] ^= 1;
	expect_reject(g, flen, DP_DROP_ICMP_CSUM);
	/* not IPv6 inside */
	memcpy(g, f, flen);
	g[14 + 48] = 0x45;
	refix(g, flen);
	expect_reject(g, flen, DP_DROP_ICMP_BAD);
	/* a quoted ICMPv6 packet: nothing a session matches */
	memcpy(g, f, flen);
	g[14 + 48 + 40] = DP_IPPROTO_ICMPV6;
	refix(g, flen);
	expect_reject(g, flen, DP_DROP_ICMP_TYPE);
	/* a quoted later fragment: no ports */
	{
		uint8_t fr[2048];
		uint32_t n;

		memcpy(fr, pkt, 40);
		fr[6] = DP_IPPROTO_FRAGMENT;
		memset(fr + 40, 0, 8);
		fr[40] = DP_IPPROTO_TCP;
		dp_put_u16(fr + 42, 185 << 3);
		memcpy(fr + 48, pkt + 48, 100);
		dp_put_u16(fr + 4, 108);
		n = build_error(g, DP_ICMP6_TOO_BIG, 0, 1280, rt, a, fr, 148, 2000);
		expect_reject(g, n, DP_DROP_ICMP);
	}
	/* an extension chain broken inside the quote */
	memcpy(g, f, flen);
	g[14 + 48 + 41] = 200;   /* the destination options say 1608 bytes */
	refix(g, flen);
	expect_reject(g, flen, DP_DROP_ICMP_BAD);
}

/* A client's IPv6 TCP segment (flags, payload bytes) as dp_pkt. */
static uint32_t seg6(uint8_t *f, const uint8_t *cli, const uint8_t *vip, uint8_t flags,
		     uint32_t payload, struct dp_pkt *p, struct dp_pkt6 *p6)
{
	uint32_t n = build_pkt(f + 14, DP_IPPROTO_TCP, cli, vip, 40000, 80, 0, payload, 0);
	uint8_t *t = f + 14 + 40;
	uint16_t c;

	memset(f, 0, 14);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	t[13] = flags;
	dp_put_u32(t + 4, 1000);
	dp_put_u32(t + 8, 777);
	t[16] = t[17] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, 20 + payload,
			dp_csum_pseudo6(cli, vip, 20 + payload, DP_IPPROTO_TCP)));
	memcpy(t + 16, &c, 2);
	assert_int_equal(parse(f, 14 + n, p6), 0);
	dp_pkt_from6(f, p6, p);
	return 14 + n;
}

static void test_rst6(void **state)
{
	uint8_t cli[16], vip[16], srv[16], lip[16], f[2048], out[DP_REPLY_MAX];
	struct dp_pkt p;
	struct dp_pkt6 p6;
	const uint8_t *ip = out + 14, *t = ip + 40;

	(void)state;
	rnd_addr(cli);
	rnd_addr(vip);
	rnd_addr(srv);
	rnd_addr(lip);
	/* a SYN with 10 bytes: RST|ACK of seq + 11, seq 0 (RFC 793 3.4) */
	seg6(f, cli, vip, DP_TCP_SYN, 10, &p, &p6);
	assert_int_equal(dp_reply_rst_back(out, f, &p, 64), DP_REPLY_RST6_LEN);
	assert_int_equal(dp_get_u16(out + 12), DP_ETH_P_IPV6);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(ip[6], DP_IPPROTO_TCP);
	assert_int_equal(ip[7], 64);
	assert_int_equal(dp_get_u16(ip + 4), 20);
	assert_memory_equal(ip + 8, vip, 16);
	assert_memory_equal(ip + 24, cli, 16);
	assert_int_equal(dp_get_u16(t), 80);
	assert_int_equal(dp_get_u16(t + 2), 40000);
	assert_int_equal(dp_get_u32(t + 4), 0);
	assert_int_equal(dp_get_u32(t + 8), 1011);
	assert_int_equal(t[13], DP_TCP_RST | DP_TCP_ACK);
	assert_int_equal(sum6_slow_nh(ip, DP_IPPROTO_TCP), 0xffff);
	/* an ACK: RST with the segment's ack as seq */
	seg6(f, cli, vip, DP_TCP_ACK, 0, &p, &p6);
	dp_reply_rst_back(out, f, &p, 64);
	assert_int_equal(dp_get_u32(t + 4), 777);
	assert_int_equal(t[13], DP_TCP_RST);
	assert_int_equal(sum6_slow_nh(ip, DP_IPPROTO_TCP), 0xffff);
	/* on to the other end: the segment's own seq and ack */
	{
		uint16_t lp, rp;

		dp_put_u16((uint8_t *)&lp, 5555);
		dp_put_u16((uint8_t *)&rp, 8080);
		assert_int_equal(dp_reply_rst_on6(out, f, &p, lip, lp, srv, rp, 64),
				 DP_REPLY_RST6_LEN);
	}
	assert_memory_equal(ip + 8, lip, 16);
	assert_memory_equal(ip + 24, srv, 16);
	assert_int_equal(dp_get_u16(t), 5555);
	assert_int_equal(dp_get_u16(t + 2), 8080);
	assert_int_equal(dp_get_u32(t + 4), 1000);
	assert_int_equal(dp_get_u32(t + 8), 777);
	assert_int_equal(t[13], DP_TCP_RST | DP_TCP_ACK);
	assert_int_equal(sum6_slow_nh(ip, DP_IPPROTO_TCP), 0xffff);
}

static void test_unreach6(void **state)
{
	uint8_t cli[16], vip[16], f[2048], out[DP_REPLY_MAX];
	const uint8_t *ip = out + 14, *ic = ip + 40;
	struct dp_pkt p;
	struct dp_pkt6 p6;
	uint32_t n, len;

	(void)state;
	rnd_addr(cli);
	rnd_addr(vip);
	for (uint32_t payload = 0; payload < 1400; payload += 97) {
		n = build_pkt(f + 14, DP_IPPROTO_UDP, cli, vip, 40000, 53, 0, payload, 0);
		memset(f, 0, 14);
		dp_put_u16(f + 12, DP_ETH_P_IPV6);
		assert_int_equal(parse(f, 14 + n, &p6), 0);
		dp_pkt_from6(f, &p6, &p);
		len = dp_reply_unreach6(out, f, &p, 4, 64);
		assert_true(len <= DP_REPLY_MAX);
		assert_int_equal(len, 14 + 40 + 8 + (n < DP_REPLY_QUOTE6_MAX ? n : DP_REPLY_QUOTE6_MAX));
		assert_int_equal(ip[6], DP_IPPROTO_ICMPV6);
		assert_memory_equal(ip + 8, vip, 16);
		assert_memory_equal(ip + 24, cli, 16);
		assert_int_equal(ic[0], DP_ICMP6_UNREACH);
		assert_int_equal(ic[1], 4);
		assert_int_equal(dp_get_u32(ic + 4), 0);
		assert_memory_equal(ic + 8, f + 14, len - 14 - 48);
		assert_int_equal(sum6_slow(ip), 0xffff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rst6),
		cmocka_unit_test(test_unreach6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
