/* Unit tests: frame parsing (dp/pkt.c) — good packets and every kind of
 * truncated or malformed one, and incremental checksum updates (dp/nat.c,
 * dp/csum.h) against a full recompute on thousands of random packets. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/csum.h"
#include "dp/rewrite.h"
#include "dp/pkt.h"

/* Build Ethernet + IPv4 + L4 into buf; returns the frame length. */
static uint32_t build(uint8_t *buf, uint8_t proto, uint32_t payload, uint8_t ihl_words)
{
	uint32_t ihl = ihl_words * 4u, l4h = proto == DP_IPPROTO_TCP ? 20 : 8;
	uint32_t tot = ihl + l4h + payload;
	uint8_t *ip = buf + 14, *l4 = ip + ihl;

	memset(buf, 0, 14 + tot);
	dp_put_u16(buf + 12, DP_ETH_P_IPV4);
	ip[0] = (uint8_t)(0x40 | ihl_words);
	dp_put_u16(ip + 2, (uint16_t)tot);
	dp_put_u16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	dp_put_u32(ip + 12, 0x0a000001);
	dp_put_u32(ip + 16, 0x0a00000a);
	for (uint32_t i = 20; i < ihl; i++)
		ip[i] = 1;   /* NOP options */
	dp_put_u16(l4, 40000);
	dp_put_u16(l4 + 2, 80);
	if (proto == DP_IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_SYN;
	} else if (proto == DP_IPPROTO_UDP) {
		dp_put_u16(l4 + 4, (uint16_t)(8 + payload));
	} else {
		l4[0] = 8;
	}
	for (uint32_t i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)(i * 7);
	{
		uint16_t c = dp_csum(ip, ihl);
		memcpy(ip + 10, &c, 2);
	}
	return 14 + tot;
}

static int parse(const uint8_t *f, uint32_t len, struct dp_pkt *p, enum dp_drop *why)
{
	return dp_pkt_parse_ipv4(f, len, 14, true, p, why);
}

static void test_good_tcp_udp_icmp(void **state)
{
	uint8_t f[1600];
	struct dp_pkt p;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = build(f, DP_IPPROTO_TCP, 100, 5);
	assert_int_equal(parse(f, len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_TCP);
	assert_int_equal(p.ihl, 20);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.l4_len, 120);
	assert_int_equal(p.sport, htons(40000));
	assert_int_equal(p.dport, htons(80));
	assert_int_equal(p.tcp_flags, DP_TCP_SYN);
	assert_int_equal(p.frag, DP_FRAG_NONE);

	len = build(f, DP_IPPROTO_UDP, 10, 6);   /* with one word of options */
	assert_int_equal(parse(f, len, &p, &why), 0);
	assert_int_equal(p.l4_off, 38);
	/* Ethernet padding after the datagram is fine. */
	assert_int_equal(parse(f, len + 20, &p, &why), 0);

	len = build(f, DP_IPPROTO_ICMP, 20, 5);
	assert_int_equal(parse(f, len, &p, &why), 0);
	assert_int_equal(p.icmp_type, 8);
}

/* Every prefix of a good frame shorter than its headers is refused, with a
 * reason, and never read past its end (run under valgrind/ASan to see). */
static void test_every_truncation(void **state)
{
	const uint8_t protos[] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP, DP_IPPROTO_ICMP };

	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		uint8_t f[200];
		uint32_t len = build(f, protos[k], 0, 5);

		for (uint32_t cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);
			struct dp_pkt p;
			enum dp_drop why = DP_DROP_MAX;

			memcpy(copy, f, cut);
			if (cut < 14) {
				assert_true(dp_pkt_ethertype(copy, cut, &why) < 0);
				assert_int_equal(why, DP_DROP_RUNT);
			}
			assert_int_equal(parse(copy, cut, &p, &why), -EBADMSG);
			assert_true(why < DP_DROP_MAX);
			free(copy);
		}
	}
}

static void expect_drop(uint8_t *f, uint32_t len, enum dp_drop want)
{
	struct dp_pkt p;
	enum dp_drop why = DP_DROP_MAX;

	assert_int_equal(parse(f, len, &p, &why), -EBADMSG);
	assert_int_equal(why, want);
}

static void fix_ip_csum(uint8_t *f)
{
	uint16_t c;

	memset(f + 24, 0, 2);
	c = dp_csum(f + 14, (size_t)(f[14] & 0xf) * 4);
	memcpy(f + 24, &c, 2);
}

static void test_bad_fields(void **state)
{
	uint8_t f[200];
	uint32_t len;

	(void)state;
	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[14] = 0x65;                       /* version 6 */
	expect_drop(f, len, DP_DROP_IP_VERSION);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[14] = 0x44;                       /* IHL 4 */
	expect_drop(f, len, DP_DROP_IP_IHL);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[14] = 0x4f;                       /* IHL 15 = 60 bytes, frame has 40 */
	expect_drop(f, len, DP_DROP_IP_IHL);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	dp_put_u16(f + 16, 1400);           /* longer than the frame */
	fix_ip_csum(f);
	expect_drop(f, len, DP_DROP_IP_LEN);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	dp_put_u16(f + 16, 12);             /* shorter than its header */
	fix_ip_csum(f);
	expect_drop(f, len, DP_DROP_IP_LEN);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[24] ^= 0xff;                      /* checksum */
	expect_drop(f, len, DP_DROP_IP_CSUM);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[34 + 12] = 2 << 4;                /* data offset 8 bytes */
	expect_drop(f, len, DP_DROP_TCP_DOFF);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	f[34 + 12] = 15 << 4;               /* data offset 60 > 20 present */
	expect_drop(f, len, DP_DROP_TCP_DOFF);

	len = build(f, DP_IPPROTO_UDP, 4, 5);
	dp_put_u16(f + 34 + 4, 100);        /* UDP length > datagram */
	expect_drop(f, len, DP_DROP_UDP_LEN);

	len = build(f, DP_IPPROTO_UDP, 4, 5);
	dp_put_u16(f + 34 + 4, 7);          /* UDP length < header */
	expect_drop(f, len, DP_DROP_UDP_LEN);

	len = build(f, DP_IPPROTO_TCP, 0, 5);
	dp_put_u16(f + 16, 30);             /* IP says 10 bytes of TCP */
	fix_ip_csum(f);
	expect_drop(f, len, DP_DROP_L4_TRUNC);
}

static void test_fragments(void **state)
{
	uint8_t f[200];
	struct dp_pkt p;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = build(f, DP_IPPROTO_UDP, 40, 5);
	dp_put_u16(f + 20, 0x2000);         /* MF, offset 0 */
	fix_ip_csum(f);
	assert_int_equal(parse(f, len, &p, &why), 0);
	assert_int_equal(p.frag, DP_FRAG_FIRST);
	assert_int_equal(p.sport, htons(40000));

	len = build(f, DP_IPPROTO_UDP, 40, 5);
	dp_put_u16(f + 20, 0x0003);         /* offset 24 bytes: no L4 header */
	fix_ip_csum(f);
	assert_int_equal(parse(f, len, &p, &why), 0);
	assert_int_equal(p.frag, DP_FRAG_LATER);
	assert_int_equal(p.sport, 0);
	/* a later fragment may be shorter than any L4 header */
	len = 14 + 20 + 3;
	dp_put_u16(f + 16, 23);
	fix_ip_csum(f);
	assert_int_equal(parse(f, len, &p, &why), 0);
}

/* L4 checksum over the pseudo-header, computed from scratch. */
static uint16_t l4_csum_full(const uint8_t *ip)
{
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4, tot = dp_get_u16(ip + 2), sum;
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	dp_put_u16(ph + 10, (uint16_t)(tot - ihl));
	sum = dp_csum_partial(ph, 12, 0);
	sum = dp_csum_partial(ip + ihl, tot - ihl, sum);
	return (uint16_t)~dp_csum_fold(sum);
}

static void set_l4_csum(uint8_t *ip)
{
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;
	uint8_t *c = ip + ihl + (ip[9] == DP_IPPROTO_TCP ? 16 : 6);
	uint16_t v;

	memset(c, 0, 2);
	v = l4_csum_full(ip);
	if (ip[9] == DP_IPPROTO_UDP && v == 0)
		v = 0xffff;
	memcpy(c, &v, 2);
}

/* A packet whose checksums verify sums to all ones (0 after ~). */
static int verifies(const uint8_t *ip)
{
	return dp_csum(ip, (size_t)(ip[0] & 0xf) * 4) == 0 && l4_csum_full(ip) == 0;
}

static void test_nat_checksums_random(void **state)
{
	uint8_t f[1600];
	unsigned seed = 12345;

	(void)state;
	for (int n = 0; n < 5000; n++) {
		uint8_t proto = (rand_r(&seed) & 1) ? DP_IPPROTO_TCP : DP_IPPROTO_UDP;
		uint32_t len = build(f, proto, (uint32_t)rand_r(&seed) % 1400, 5 + rand_r(&seed) % 3);
		struct dp_pkt p;
		enum dp_drop why;
		uint32_t ns = (uint32_t)rand_r(&seed), nd = (uint32_t)rand_r(&seed);
		uint16_t nsp = (uint16_t)rand_r(&seed), ndp = (uint16_t)rand_r(&seed);
		uint8_t *ip = f + 14;

		/* random addresses, payload and TTL too */
		for (int i = 0; i < 8; i++)
			ip[12 + i] = (uint8_t)rand_r(&seed);
		ip[8] = (uint8_t)(2 + rand_r(&seed) % 250);
		for (uint32_t i = 14 + (uint32_t)(ip[0] & 0xf) * 4 + 8 + (proto == 6 ? 12 : 0); i < len; i++)
			f[i] = (uint8_t)rand_r(&seed);
		fix_ip_csum(f);
		set_l4_csum(ip);
		assert_true(verifies(ip));

		assert_int_equal(parse(f, len, &p, &why), 0);
		{
			/* forward = rewrite + TTL decrement, byte for byte */
			uint8_t g[1600];
			struct dp_pkt q = p;

			memcpy(g, f, len);
			dp_rw_forward(g, &q, ns, nsp, nd, ndp);
			dp_rw_addrs(f, &p, ns, nsp, nd, ndp);
			dp_rw_ttl_dec(ip);
			assert_memory_equal(f, g, len);
		}
		assert_true(verifies(ip));
		assert_memory_equal(ip + 12, &ns, 4);
		assert_memory_equal(ip + 16, &nd, 4);
		assert_memory_equal(ip + (ip[0] & 0xf) * 4, &nsp, 2);
		assert_memory_equal(ip + (ip[0] & 0xf) * 4 + 2, &ndp, 2);
	}
}

static void test_udp_zero_checksum_stays_zero(void **state)
{
	uint8_t f[200];
	struct dp_pkt p;
	enum dp_drop why;
	uint32_t len = build(f, DP_IPPROTO_UDP, 10, 5);

	(void)state;
	memset(f + 34 + 6, 0, 2);   /* no checksum */
	assert_int_equal(parse(f, len, &p, &why), 0);
	dp_rw_addrs(f, &p, 0x01020304, 1111, 0x05060708, 2222);
	assert_int_equal(f[34 + 6] | f[34 + 7], 0);
	assert_int_equal(dp_csum(f + 14, 20), 0);
}

static void test_csum_update_matches_recompute(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int n = 0; n < 10000; n++) {
		uint8_t b[20];
		uint16_t c, w;
		uint32_t a, na;

		for (int i = 0; i < 20; i++)
			b[i] = (uint8_t)rand_r(&seed);
		memset(b + 10, 0, 2);
		c = dp_csum(b, 20);
		memcpy(&a, b + 12, 4);
		na = (uint32_t)rand_r(&seed);
		memcpy(b + 12, &na, 4);
		c = dp_csum_update32(c, a, na);
		memcpy(&w, b + 4, 2);
		b[4] ^= 0x5a;
		{
			uint16_t nw;
			memcpy(&nw, b + 4, 2);
			c = dp_csum_update16(c, w, nw);
		}
		memcpy(b + 10, &c, 2);
		assert_int_equal(dp_csum(b, 20), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tcp_udp_icmp),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_nat_checksums_random),
		cmocka_unit_test(test_udp_zero_checksum_stays_zero),
		cmocka_unit_test(test_csum_update_matches_recompute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
