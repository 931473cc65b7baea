/* Unit tests: IPv6 parsing (dp/pkt.c) — the fixed header, extension-header
 * chains (every kind the walk knows, in and out of order, too long, too
 * short, misplaced), fragments, every truncation of a good frame, and
 * random mutations that must never make the parser read past the frame. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/csum.h"
#include "dp/pkt.h"
#include "dp/rewrite.h"
#include "sum6_test.h"

/* A frame under construction: Ethernet + IPv6, then headers appended. */
struct frame {
	uint8_t b[2048];
	uint32_t len;
	uint32_t nh_at;   /* where the next-header byte to fill sits */
};

static void f_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	dp_put_u16(f->b + 12, DP_ETH_P_IPV6);
	f->b[14] = 0x60;
	f->b[14 + 7] = 64;
	for (int i = 0; i < 16; i++) {
		f->b[14 + 8 + i] = (uint8_t)(0xf0 + i);    /* src */
		f->b[14 + 24 + i] = (uint8_t)(0x10 + i);   /* dst */
	}
	f->nh_at = 14 + 6;
	f->len = 14 + DP_IP6_HLEN;
}

/* An extension header of `nh` type and `bytes` length (a multiple of 8, or
 * of 4 for AH). */
static uint8_t *f_ext(struct frame *f, uint8_t nh, uint32_t bytes)
{
	uint8_t *h = f->b + f->len;

	f->b[f->nh_at] = nh;
	memset(h, 0, bytes);
	if (nh == DP_IPPROTO_AH)
		h[1] = (uint8_t)(bytes / 4 - 2);
	else if (nh != DP_IPPROTO_FRAGMENT)
		h[1] = (uint8_t)(bytes / 8 - 1);
	f->nh_at = f->len;
	f->len += bytes;
	return h;
}

static void f_frag(struct frame *f, uint16_t offset8, bool more, uint32_t id)
{
	uint8_t *h = f_ext(f, DP_IPPROTO_FRAGMENT, 8);

	dp_put_u16(h + 2, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	dp_put_u32(h + 4, id);
}

/* The upper layer, then the payload length set. */
static void f_l4(struct frame *f, uint8_t proto, uint32_t payload)
{
	uint8_t *l4 = f->b + f->len;
	uint32_t hl = proto == DP_IPPROTO_TCP ? 20 : 8;

	f->b[f->nh_at] = proto;
	memset(l4, 0, hl + payload);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u16(l4, 40000);
		dp_put_u16(l4 + 2, 80);
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_SYN | DP_TCP_ACK;
	} else if (proto == DP_IPPROTO_UDP) {
		dp_put_u16(l4, 5353);
		dp_put_u16(l4 + 2, 53);
		dp_put_u16(l4 + 4, (uint16_t)(8 + payload));
	} else if (proto == DP_IPPROTO_ICMPV6) {
		l4[0] = 128;   /* echo request */
		dp_put_u16(l4 + 4, 0x4242);
	}
	for (uint32_t i = 0; i < payload; i++)
		l4[hl + i] = (uint8_t)(i * 13);
	f->len += hl + payload;
	dp_put_u16(f->b + 14 + 4, (uint16_t)(f->len - 14 - DP_IP6_HLEN));
}

/* Parse from an exact-size copy, so that a read past the end is one past
 * a heap block (ASan's and valgrind's to see). */
static int parse(const struct frame *f, uint32_t len, struct dp_pkt6 *p, enum dp_drop *why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, f->b, len);
	rc = dp_pkt_parse_ipv6(copy, len, 14, p, why);
	free(copy);
	return rc;
}

static void expect_drop(const struct frame *f, enum dp_drop want)
{
	struct dp_pkt6 p;
	enum dp_drop why = DP_DROP_RUNT;

	assert_int_equal(parse(f, f->len, &p, &why), -EBADMSG);
	assert_int_equal(why, want);
}

static void test_plain(void **state)
{
	struct frame f;
	struct dp_pkt6 p;
	enum dp_drop why;

	(void)state;
	f_init(&f);
	f_l4(&f, DP_IPPROTO_TCP, 100);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_TCP);
	assert_int_equal(p.l4_off, 14 + DP_IP6_HLEN);
	assert_int_equal(p.l4_len, 120);
	assert_int_equal(p.payload_len, 120);
	assert_int_equal(p.frag, DP_FRAG_NONE);
	assert_int_equal(p.hop_limit, 64);
	assert_int_equal(p.src[0], 0xf0);
	assert_int_equal(p.dst[15], 0x1f);
	assert_int_equal(dp_get_u16((const uint8_t *)&p.sport), 40000);
	assert_int_equal(dp_get_u16((const uint8_t *)&p.l4.dport), 80);
	assert_int_equal(p.tcp_flags, DP_TCP_SYN | DP_TCP_ACK);

	f_init(&f);
	f_l4(&f, DP_IPPROTO_UDP, 30);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(dp_get_u16((const uint8_t *)&p.dport), 53);

	/* ICMPv6 echo: the identifier in both ports */
	f_init(&f);
	f_l4(&f, DP_IPPROTO_ICMPV6, 16);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(dp_get_u16((const uint8_t *)&p.sport), 0x4242);
	assert_int_equal(p.sport, p.dport);

	/* an ICMPv4 header inside IPv6 is no ICMP here */
	f_init(&f);
	f_l4(&f, DP_IPPROTO_ICMP, 8);
	f.b[14 + DP_IP6_HLEN] = 8;
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_ICMP);
	assert_int_equal(p.icmp_type, 0);
	assert_int_equal(p.sport, 0);

	/* Ethernet padding after the datagram is fine */
	f_init(&f);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	assert_int_equal(parse(&f, f.len + 6, &p, &why), 0);
	assert_int_equal(p.l4_len, 20);
}

static void test_fixed_header_refusals(void **state)
{
	struct frame f;

	(void)state;
	f_init(&f);
	f_l4(&f, DP_IPPROTO_TCP, 10);
	f.b[14] = 0x45;
	expect_drop(&f, DP_DROP_IP_VERSION);

	f_init(&f);
	f_l4(&f, DP_IPPROTO_TCP, 10);
	dp_put_u16(f.b + 18, 0);   /* a jumbogram's payload length */
	expect_drop(&f, DP_DROP_IP6_LEN);
	dp_put_u16(f.b + 18, (uint16_t)(f.len - 14 - DP_IP6_HLEN + 1));
	expect_drop(&f, DP_DROP_IP6_LEN);

	f_init(&f);
	f_l4(&f, DP_IPPROTO_TCP, 10);
	f.b[14 + DP_IP6_HLEN + 12] = 4 << 4;
	expect_drop(&f, DP_DROP_TCP_DOFF);

	f_init(&f);
	f_l4(&f, DP_IPPROTO_UDP, 10);
	dp_put_u16(f.b + 14 + DP_IP6_HLEN + 4, 19);
	expect_drop(&f, DP_DROP_UDP_LEN);
}

static void test_chain(void **state)
{
	struct frame f;
	struct dp_pkt6 p;
	enum dp_drop why;
	uint8_t *rh;

	(void)state;
	f_init(&f);
	f_ext(&f, DP_IPPROTO_HOPOPTS, 8);
	f_ext(&f, DP_IPPROTO_DSTOPTS, 24);
	rh = f_ext(&f, DP_IPPROTO_ROUTING, 8);
	rh[2] = 4;   /* segment routing, segments left 0: we are the end */
	f_ext(&f, DP_IPPROTO_AH, 24);
	f_frag(&f, 0, true, 0xdeadbeef);
	f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f, DP_IPPROTO_TCP, 40);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_TCP);
	assert_int_equal(p.l4_off, 14 + DP_IP6_HLEN + 8 + 24 + 8 + 24 + 8 + 8);
	assert_int_equal(p.l4_len, 60);
	assert_int_equal(p.frag, DP_FRAG_FIRST);
	assert_int_equal(p.frag_off, DP_IP6_HLEN + 8 + 24 + 8 + 24);
	assert_int_equal(dp_get_u32((const uint8_t *)&p.frag_id), 0xdeadbeef);
	assert_int_equal(dp_get_u16((const uint8_t *)&p.sport), 40000);

	/* exactly DP_IP6_MAX_EXT headers pass, one more does not */
	f_init(&f);
	for (int i = 0; i < DP_IP6_MAX_EXT; i++)
		f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f, DP_IPPROTO_UDP, 4);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_UDP);
	f_init(&f);
	for (int i = 0; i <= DP_IP6_MAX_EXT; i++)
		f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f, DP_IPPROTO_UDP, 4);
	expect_drop(&f, DP_DROP_IP6_EXT);

	/* "no next header", ESP: the walk ends, the caller decides */
	f_init(&f);
	f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f.b[f.nh_at] = DP_IPPROTO_NONE;
	dp_put_u16(f.b + 18, 8);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.proto, DP_IPPROTO_NONE);
	assert_int_equal(p.l4_len, 0);
}

static void test_chain_refusals(void **state)
{
	struct frame f;
	uint8_t *h;

	(void)state;
	/* hop-by-hop anywhere but first */
	f_init(&f);
	f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_ext(&f, DP_IPPROTO_HOPOPTS, 8);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	expect_drop(&f, DP_DROP_IP6_EXT);

	/* a routing header with segments left: a waypoint, not the VIP */
	f_init(&f);
	h = f_ext(&f, DP_IPPROTO_ROUTING, 24);
	h[3] = 1;
	f_l4(&f, DP_IPPROTO_TCP, 0);
	expect_drop(&f, DP_DROP_IP6_EXT);

	/* two fragment headers */
	f_init(&f);
	f_frag(&f, 0, true, 1);
	f_frag(&f, 0, true, 2);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	expect_drop(&f, DP_DROP_IP6_EXT);

	/* a header's length past the payload */
	f_init(&f);
	h = f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	h[1] = 3;   /* says 32 bytes; 8 + 20 are there */
	expect_drop(&f, DP_DROP_IP6_EXT);

	/* a header cut by the payload length (less than 8 bytes left) */
	f_init(&f);
	f_ext(&f, DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	dp_put_u16(f.b + 18, 4);
	expect_drop(&f, DP_DROP_IP6_EXT);
}

static void test_fragments(void **state)
{
	struct frame f;
	struct dp_pkt6 p;
	enum dp_drop why;

	(void)state;
	/* a later fragment: no L4 header, the walk stops at it */
	f_init(&f);
	f_frag(&f, 185, true, 77);
	f_l4(&f, DP_IPPROTO_UDP, 100);
	dp_put_u16(f.b + 14 + DP_IP6_HLEN + 8 + 4, 1);   /* not a UDP header */
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.frag, DP_FRAG_LATER);
	assert_int_equal(p.proto, DP_IPPROTO_UDP);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.l4_off, 14 + DP_IP6_HLEN + 8);
	assert_int_equal(dp_get_u32((const uint8_t *)&p.frag_id), 77);

	/* a first fragment's UDP length covers the whole datagram */
	f_init(&f);
	f_frag(&f, 0, true, 78);
	f_l4(&f, DP_IPPROTO_UDP, 100);
	dp_put_u16(f.b + 14 + DP_IP6_HLEN + 8 + 4, 3000);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.frag, DP_FRAG_FIRST);

	/* an atomic fragment (offset 0, no more): a whole datagram */
	f_init(&f);
	f_frag(&f, 0, false, 79);
	f_l4(&f, DP_IPPROTO_TCP, 0);
	assert_int_equal(parse(&f, f.len, &p, &why), 0);
	assert_int_equal(p.frag, DP_FRAG_NONE);
	assert_int_equal(p.frag_off, DP_IP6_HLEN);
}

/* Every truncation of good frames is refused with a reason (the payload
 * length then points past the frame), never read past. */
static void test_truncations(void **state)
{
	struct frame f[3];
	struct dp_pkt6 p;
	enum dp_drop why;

	(void)state;
	f_init(&f[0]);
	f_l4(&f[0], DP_IPPROTO_TCP, 0);
	f_init(&f[1]);
	f_ext(&f[1], DP_IPPROTO_HOPOPTS, 16);
	f_frag(&f[1], 0, true, 5);
	f_l4(&f[1], DP_IPPROTO_UDP, 0);
	f_init(&f[2]);
	f_ext(&f[2], DP_IPPROTO_DSTOPTS, 8);
	f_l4(&f[2], DP_IPPROTO_ICMPV6, 0);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(parse(&f[k], f[k].len, &p, &why), 0);
		for (uint32_t len = 0; len < f[k].len; len++) {
			why = DP_DROP_RUNT;
			assert_int_equal(parse(&f[k], len, &p, &why), -EBADMSG);
			assert_true(why == DP_DROP_IP_TRUNC || why == DP_DROP_IP6_LEN);
		}
		/* and the payload length cut instead of the frame: the walk's
		 * and L4's own bounds */
		for (uint32_t pl = 1; pl < f[k].len - 14 - DP_IP6_HLEN; pl++) {
			struct frame g = f[k];

			dp_put_u16(g.b + 18, (uint16_t)pl);
			why = DP_DROP_RUNT;
			assert_int_equal(parse(&g, g.len, &p, &why), -EBADMSG);
			assert_true(why == DP_DROP_IP6_EXT || why == DP_DROP_L4_TRUNC);
		}
	}
}

/* Random mutations of a long chain: whatever the parser accepts lies
 * inside the frame (ASan/valgrind catch a read outside it). */
static void test_random(void **state)
{
	struct frame base, f;
	struct dp_pkt6 p;
	enum dp_drop why;
	unsigned ok = 0;

	(void)state;
	srand(6);
	f_init(&base);
	f_ext(&base, DP_IPPROTO_HOPOPTS, 8);
	f_ext(&base, DP_IPPROTO_ROUTING, 8);
	f_frag(&base, 0, true, 9);
	f_ext(&base, DP_IPPROTO_AH, 16);
	f_ext(&base, DP_IPPROTO_DSTOPTS, 16);
	f_l4(&base, DP_IPPROTO_TCP, 32);
	for (int i = 0; i < 200000; i++) {
		uint32_t len;

		f = base;
		for (int m = rand() % 4; m >= 0; m--) {
			uint32_t at = 14 + (uint32_t)rand() % (base.len - 14);

			f.b[at] = (uint8_t)rand();
		}
		len = 14 + (uint32_t)rand() % (base.len - 14 + 8);
		if (parse(&f, len, &p, &why) == 0) {
			ok++;
			assert_true(p.l4_off + p.l4_len <= len);
			assert_true(p.l4_off >= 14 + DP_IP6_HLEN);
			assert_int_equal(p.l4_off + p.l4_len, 14 + DP_IP6_HLEN + p.payload_len);
		}
	}
	assert_true(ok > 1000);   /* the mutations leave many frames good */
}

/* FULLNAT's IPv6 rewrite on 5,000 random TCP and UDP packets: new
 * addresses and ports, the hop limit one less, and the L4 checksum what a
 * full recompute over the pseudo-header makes it; a UDP packet without a
 * checksum keeps none. */
static void test_rewrite6_random(void **state)
{
	(void)state;
	srand(6);
	for (int n = 0; n < 5000; n++) {
		uint8_t proto = n & 1 ? DP_IPPROTO_UDP : DP_IPPROTO_TCP;
		uint32_t payload = (uint32_t)rand() % 600;
		uint8_t *ip, *l4, src[16], dst[16];
		uint16_t sport = (uint16_t)rand(), dport = (uint16_t)rand();
		bool nosum = proto == DP_IPPROTO_UDP && n % 10 == 1;
		struct frame f;
		struct dp_pkt6 p6;
		struct dp_pkt p;
		enum dp_drop why;
		uint16_t c;

		f_init(&f);
		f_l4(&f, proto, payload);
		ip = f.b + DP_ETH_HLEN;
		for (int i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)rand();
		l4 = ip + DP_IP6_HLEN;
		for (uint32_t i = 8; i < f.len - DP_ETH_HLEN - DP_IP6_HLEN; i++)
			if (proto == DP_IPPROTO_UDP || i >= 20)
				l4[i] = (uint8_t)rand();
		l4[proto == DP_IPPROTO_TCP ? 16 : 6] = 0;
		l4[proto == DP_IPPROTO_TCP ? 17 : 7] = 0;
		if (!nosum) {
			c = (uint16_t)~sum6_slow_nh(ip, proto);
			if (proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			dp_put_u16(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), c);
			assert_int_equal(sum6_slow_nh(ip, proto), 0xffff);
		}
		assert_int_equal(parse(&f, f.len, &p6, &why), 0);
		dp_pkt_from6(f.b, &p6, &p);
		assert_ptr_equal(p.a6, ip + 8);
		assert_int_equal(p.src, dp_ip6_handle(ip + 8));
		assert_int_equal(p.l4_off, DP_ETH_HLEN + DP_IP6_HLEN);
		for (int i = 0; i < 16; i++) {
			src[i] = (uint8_t)rand();
			dst[i] = (uint8_t)rand();
		}
		ip[7] = (uint8_t)(2 + rand() % 250);
		uint8_t hop = ip[7];
		dp_rw_forward6(f.b, &p, src, sport, dst, dport);
		assert_memory_equal(ip + 8, src, 16);
		assert_memory_equal(ip + 24, dst, 16);
		assert_int_equal(p.src, dp_ip6_handle(src));
		assert_int_equal(p.dst, dp_ip6_handle(dst));
		assert_int_equal(ip[7], hop - 1);
		assert_int_equal(dp_get_u16((uint8_t *)&sport), dp_get_u16(l4));
		assert_int_equal(p.sport, sport);
		assert_int_equal(p.dport, dport);
		if (nosum)
			assert_int_equal(dp_get_u16(l4 + 6), 0);
		else
			assert_int_equal(sum6_slow_nh(ip, proto), 0xffff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_fixed_header_refusals),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_refusals),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_rewrite6_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
