/* Unit tests: NAT64 header translation (dp/xlat64.c) against RFC 7915's
 * rules — header fields, fragments, ICMP types and codes, "too big" MTUs,
 * parameter-problem pointers, quoted packets — and every checksum against a
 * full recompute on thousands of random packets both ways. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/csum.h"
#include "dp/xlat64.h"

static const uint8_t C6[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t V6[16] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };

static uint32_t ip4(uint32_t a)
{
	uint8_t b[4];
	uint32_t v;

	dp_put_u32(b, a);
	memcpy(&v, b, 4);
	return v;
}

/* full checksums, from scratch */
static uint16_t l4sum4(const uint8_t *ip)
{
	uint32_t ihl = (uint32_t)(ip[0] & 15) * 4, len = dp_get_u16(ip + 2) - ihl;
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	dp_put_u16(ph + 10, (uint16_t)len);
	if (ip[9] == DP_IPPROTO_ICMP)
		return dp_csum_fold(dp_csum_partial(ip + ihl, len, 0));
	return dp_csum_fold(dp_csum_partial(ip + ihl, len, dp_csum_partial(ph, 12, 0)));
}

static uint16_t l4sum6(const uint8_t *ip, uint32_t off, uint8_t nh)
{
	uint32_t len = dp_get_u16(ip + 4) - (off - DP_IP6_HLEN);
	uint8_t ph[40];

	memcpy(ph, ip + 8, 32);
	dp_put_u32(ph + 32, len);
	dp_put_u32(ph + 36, nh);
	return dp_csum_fold(dp_csum_partial(ip + off, len, dp_csum_partial(ph, 40, 0)));
}

/* Ethernet + IPv6 + L4 with a correct checksum; returns the frame length */
/* Random L4 bytes (n of them) made a valid header: TCP's offset, UDP's
 * length, ICMP an echo request (type echo); the checksum at `at` zeroed
 * for the caller to compute. */
static void fill_l4(uint8_t *l4, uint8_t proto, uint32_t n, uint8_t echo, int at)
{
	for (uint32_t i = 0; i < n; i++)
		l4[i] = (uint8_t)rand();
	if (proto == DP_IPPROTO_TCP)
		l4[12] = 5 << 4;
	else if (proto == DP_IPPROTO_UDP)
		dp_put_u16(l4 + 4, (uint16_t)n);
	else {
		l4[0] = echo;
		l4[1] = 0;
	}
	memset(l4 + at, 0, 2);
}

static uint32_t mk6(uint8_t *f, uint8_t proto, uint32_t payload, const uint8_t *src,
		    const uint8_t *dst, bool frag_hdr)
{
	uint8_t *ip = f + 14, *l4;
	uint32_t hl = proto == DP_IPPROTO_TCP ? 20 : 8, off = DP_IP6_HLEN + (frag_hdr ? 8 : 0);
	uint16_t c;
	int at = proto == DP_IPPROTO_TCP ? 16 : proto == DP_IPPROTO_UDP ? 6 : 2;

	memset(f, 0, 14 + off + hl + payload);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	dp_put_u32(ip, 6u << 28 | 0x2au << 20 | 0x12345);
	dp_put_u16(ip + 4, (uint16_t)(off - DP_IP6_HLEN + hl + payload));
	ip[6] = frag_hdr ? DP_IPPROTO_FRAGMENT : proto;
	ip[7] = 61;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	if (frag_hdr) {
		ip[40] = proto;
		dp_put_u16(ip + 42, 1);   /* offset 0, more */
		dp_put_u32(ip + 44, 0x12345678);
	}
	l4 = ip + off;
	fill_l4(l4, proto, hl + payload, 128, at);
	c = (uint16_t)~l4sum6(ip, off, proto);
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + at, &c, 2);
	return 14 + off + hl + payload;
}

static uint32_t mk4(uint8_t *f, uint8_t proto, uint32_t payload, uint32_t src, uint32_t dst,
		    uint16_t frag, bool udp_nocsum)
{
	uint8_t *ip = f + 14, *l4 = ip + 20;
	uint32_t hl = proto == DP_IPPROTO_TCP ? 20 : 8;
	uint16_t c;
	int at = proto == DP_IPPROTO_TCP ? 16 : proto == DP_IPPROTO_UDP ? 6 : 2;

	memset(f, 0, 14 + 20 + hl + payload);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip[0] = 0x45;
	ip[1] = 0xb8;
	dp_put_u16(ip + 2, (uint16_t)(20 + hl + payload));
	dp_put_u16(ip + 4, 0xbeef);
	dp_put_u16(ip + 6, frag);
	ip[8] = 33;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	fill_l4(l4, proto, hl + payload, 8, at);
	if (!(proto == DP_IPPROTO_UDP && udp_nocsum)) {
		c = (uint16_t)~l4sum4(ip);
		if (proto == DP_IPPROTO_UDP && c == 0)
			c = 0xffff;
		memcpy(l4 + at, &c, 2);
	}
	return 14 + 20 + hl + payload;
}

static void parse6(const uint8_t *f, uint32_t len, struct dp_pkt6 *p)
{
	enum dp_drop why;

	assert_int_equal(dp_pkt_parse_ipv6(f, len, 14, p, &why), 0);
}

static void parse4(const uint8_t *f, uint32_t len, struct dp_pkt *p)
{
	enum dp_drop why;

	assert_int_equal(dp_pkt_parse_ipv4(f, len, 14, true, p, &why), 0);
}

static const uint8_t protos[3] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP, DP_IPPROTO_ICMPV6 };

/* 5,000 random IPv6 packets to IPv4: fields per RFC 7915 5.1, checksums
 * by a full recompute, the payload untouched. */
static void test_random_6to4(void **state)
{
	static uint8_t f[2048], o[2048];
	struct dp_pkt6 p;

	(void)state;
	srand(64);
	for (int i = 0; i < 5000; i++) {
		uint8_t proto = protos[i % 3], src[16], dst[16];
		uint32_t pay = (uint32_t)rand() % 1400, s4 = (uint32_t)rand(), d4 = (uint32_t)rand();
		uint32_t len;
		int n;

		for (int k = 0; k < 16; k++) {
			src[k] = (uint8_t)rand();
			dst[k] = (uint8_t)rand();
		}
		len = mk6(f, proto, pay, src, dst, false);
		parse6(f, len, &p);
		n = dp_x64_6to4(f, &p, s4, d4, 0x4321, o, sizeof(o));
		assert_int_equal(n, len - 14 - DP_IP6_HLEN + 20);
		assert_int_equal(o[0], 0x45);
		assert_int_equal(o[1], 0x2a);                         /* traffic class */
		assert_int_equal(dp_get_u16(o + 2), n);
		assert_int_equal(dp_get_u16(o + 4), 0x4321);
		assert_int_equal(dp_get_u16(o + 6), n > DP_X64_DF_OVER ? 0x4000 : 0);
		assert_int_equal(o[8], 61);                           /* hop limit */
		assert_int_equal(o[9], proto == DP_IPPROTO_ICMPV6 ? DP_IPPROTO_ICMP : proto);
		assert_memory_equal(o + 12, &s4, 4);
		assert_memory_equal(o + 16, &d4, 4);
		assert_int_equal(dp_csum_fold(dp_csum_partial(o, 20, 0)), 0xffff);
		assert_int_equal(l4sum4(o), 0xffff);
		if (proto == DP_IPPROTO_ICMPV6) {
			assert_int_equal(o[20], 8);                   /* echo request */
			assert_memory_equal(o + 24, f + 14 + DP_IP6_HLEN + 4, (size_t)n - 24);
		} else {
			/* ports and payload as they were (all but the checksum) */
			uint32_t ck = proto == DP_IPPROTO_TCP ? 16 : 6;

			assert_memory_equal(o + 20, f + 14 + DP_IP6_HLEN, ck);
			assert_memory_equal(o + 20 + ck + 2, f + 14 + DP_IP6_HLEN + ck + 2,
					    (size_t)n - 20 - ck - 2);
		}
	}
}

/* 5,000 random IPv4 packets to IPv6 (RFC 7915 4.1), some UDP without a
 * checksum (given one), and back to IPv4: the same L4 bytes. */
static void test_random_4to6(void **state)
{
	static uint8_t f[2048], o[2048], f2[2048], back[2048];
	struct dp_pkt p;
	struct dp_pkt6 p6;

	(void)state;
	srand(46);
	for (int i = 0; i < 5000; i++) {
		uint8_t proto = i % 3 == 2 ? DP_IPPROTO_ICMP : protos[i % 3], src[16], dst[16];
		uint32_t pay = (uint32_t)rand() % 1400, s4 = (uint32_t)rand(), d4 = (uint32_t)rand();
		bool nocsum = proto == DP_IPPROTO_UDP && i % 4 == 1;
		uint32_t len;
		int n, m;

		for (int k = 0; k < 16; k++) {
			src[k] = (uint8_t)rand();
			dst[k] = (uint8_t)rand();
		}
		len = mk4(f, proto, pay, s4, d4, 0x4000, nocsum);
		parse4(f, len, &p);
		n = dp_x64_4to6(f, &p, src, dst, o, sizeof(o));
		assert_int_equal(n, len - 14 - 20 + DP_IP6_HLEN);
		assert_int_equal(dp_get_u32(o) >> 28, 6);
		assert_int_equal((dp_get_u32(o) >> 20) & 0xff, 0xb8);
		assert_int_equal(dp_get_u32(o) & 0xfffff, 0);         /* flow label */
		assert_int_equal(dp_get_u16(o + 4), n - DP_IP6_HLEN);
		assert_int_equal(o[6], proto == DP_IPPROTO_ICMP ? DP_IPPROTO_ICMPV6 : proto);
		assert_int_equal(o[7], 33);
		assert_memory_equal(o + 8, src, 16);
		assert_memory_equal(o + 24, dst, 16);
		assert_int_equal(l4sum6(o, DP_IP6_HLEN, o[6]), 0xffff);
		if (proto == DP_IPPROTO_ICMP)
			assert_int_equal(o[DP_IP6_HLEN], 128);
		/* and back */
		memset(f2, 0, 14);
		memcpy(f2 + 14, o, (size_t)n);
		parse6(f2, 14 + (uint32_t)n, &p6);
		m = dp_x64_6to4(f2, &p6, s4, d4, 0xbeef, back, sizeof(back));
		assert_int_equal(m, len - 14);
		if (!nocsum)
			assert_memory_equal(back + 20, f + 14 + 20, len - 14 - 20);
		assert_int_equal(l4sum4(back), 0xffff);
	}
}

/* Fragments: the fragment header from an IPv4 fragment and back
 * (identification, offset, more-fragments). */
static void test_fragments(void **state)
{
	static uint8_t f[2048], o[2048];
	struct dp_pkt p;
	struct dp_pkt6 p6;
	int n;

	(void)state;
	/* a later IPv4 fragment (offset 100 x 8, more follow) */
	mk4(f, DP_IPPROTO_UDP, 200, ip4(0x0a000001), ip4(0x0a000002), 0x2000 | 100, false);
	parse4(f, 14 + 20 + 208, &p);
	assert_int_equal(p.frag, DP_FRAG_LATER);
	n = dp_x64_4to6(f, &p, C6, V6, o, sizeof(o));
	assert_int_equal(n, DP_IP6_HLEN + 8 + 208);
	assert_int_equal(o[6], DP_IPPROTO_FRAGMENT);
	assert_int_equal(dp_get_u16(o + 4), 8 + 208);
	assert_int_equal(o[40], DP_IPPROTO_UDP);
	assert_int_equal(dp_get_u16(o + 42), 100 << 3 | 1);
	assert_int_equal(dp_get_u32(o + 44), 0xbeef);
	assert_memory_equal(o + 48, f + 34, 208);   /* untouched: no L4 header here */

	/* an IPv4 UDP fragment without a checksum can't be given one */
	mk4(f, DP_IPPROTO_UDP, 200, ip4(0x0a000001), ip4(0x0a000002), 0x2000, true);
	parse4(f, 14 + 20 + 208, &p);
	assert_int_equal(dp_x64_4to6(f, &p, C6, V6, o, sizeof(o)), -EINVAL);

	/* an IPv6 first fragment to IPv4: id's low 16 bits, MF, no DF */
	{
		uint32_t len = mk6(f, DP_IPPROTO_TCP, 1300, C6, V6, true);

		parse6(f, len, &p6);
		n = dp_x64_6to4(f, &p6, ip4(0x0a010064), ip4(0x0a01000b), 7, o, sizeof(o));
		assert_int_equal(n, 20 + 20 + 1300);
		assert_int_equal(dp_get_u16(o + 4), 0x5678);
		assert_int_equal(dp_get_u16(o + 6), 0x2000);
		/* the checksum of a first fragment covers the whole datagram:
		 * here the datagram is this one (more: set by hand) */
		assert_int_equal(l4sum4(o), 0xffff);
	}

	/* an ICMP fragment is refused (its checksum can't be redone) */
	{
		uint32_t len = mk6(f, DP_IPPROTO_ICMPV6, 100, C6, V6, true);

		parse6(f, len, &p6);
		assert_int_equal(dp_x64_6to4(f, &p6, 1, 2, 0, o, sizeof(o)), -EPROTONOSUPPORT);
	}
}

/* An ICMPv6 message of type t code c with 4 bytes of parameter, quoting
 * a UDP packet (V6 -> C6, the reverse of the error's way). */
static uint32_t mk_err6(uint8_t *f, uint8_t t, uint8_t c, uint32_t param, uint32_t quoted)
{
	static uint8_t q[2048];
	uint32_t qlen = mk6(q, DP_IPPROTO_UDP, quoted, V6, C6, false) - 14;
	uint32_t clen = 8 + qlen;
	uint8_t *ip = f + 14, *ic = ip + DP_IP6_HLEN;
	uint16_t ck;

	if (clen > DP_X64_MIN_MTU6 - DP_IP6_HLEN)
		clen = DP_X64_MIN_MTU6 - DP_IP6_HLEN;   /* a quote cut short */
	memset(f, 0, 14 + DP_IP6_HLEN + clen);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	dp_put_ip6(ip, 0, (uint16_t)clen, DP_IPPROTO_ICMPV6, 64, C6, V6);
	ic[0] = t;
	ic[1] = c;
	dp_put_u32(ic + 4, param);
	memcpy(ic + 8, q + 14, clen - 8);
	ck = (uint16_t)~l4sum6(ip, DP_IP6_HLEN, DP_IPPROTO_ICMPV6);
	memcpy(ic + 2, &ck, 2);
	return 14 + DP_IP6_HLEN + clen;
}

static int err6to4(uint8_t t, uint8_t c, uint32_t param, uint8_t *o)
{
	static uint8_t f[2048];
	struct dp_pkt6 p;
	uint32_t len = mk_err6(f, t, c, param, 40);

	parse6(f, len, &p);
	return dp_x64_6to4(f, &p, ip4(0x0a000002), ip4(0x0a01000b), 1, o, 2048);
}

/* RFC 7915 5.2: ICMPv6 errors to ICMPv4, every type and code. */
static void test_icmp6to4_map(void **state)
{
	static const struct { uint8_t t, c, t4, c4; } ok[] = {
		{ 1, 0, 3, 1 }, { 1, 1, 3, 10 }, { 1, 2, 3, 1 }, { 1, 3, 3, 1 }, { 1, 4, 3, 3 },
		{ 2, 0, 3, 4 }, { 3, 0, 11, 0 }, { 3, 1, 11, 1 }, { 4, 0, 12, 0 }, { 4, 1, 3, 2 },
	};
	static const struct { uint8_t t, c; } refused[] = {
		{ 1, 5 }, { 1, 6 }, { 3, 2 }, { 4, 2 }, { 133, 0 }, { 134, 0 }, { 135, 0 },
		{ 136, 0 }, { 137, 0 }, { 130, 0 }, { 143, 0 }, { 100, 0 }, { 200, 0 },
	};
	static uint8_t o[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = err6to4(ok[i].t, ok[i].c, ok[i].t == 2 ? 1500 : 0, o);

		assert_true(n > 20 + 8 + 20 + 8);
		assert_int_equal(o[20], ok[i].t4);
		assert_int_equal(o[21], ok[i].c4);
		assert_int_equal(l4sum4(o), 0xffff);   /* ICMPv4: no pseudo-header */
		/* the quote: the v4 packet that was sent, LIP<-server's reverse */
		assert_int_equal(o[28], 0x45);
		assert_int_equal(o[28 + 9], DP_IPPROTO_UDP);
		assert_int_equal(dp_get_u16(o + 28 + 2), 20 + 8 + 40);
		assert_int_equal(dp_get_u32(o + 28 + 12), 0x0a01000b);
		assert_int_equal(dp_get_u32(o + 28 + 16), 0x0a000002);
		assert_int_equal(l4sum4(o + 28), 0xffff);   /* its UDP checksum too */
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(err6to4(refused[i].t, refused[i].c, 0, o), -EPROTONOSUPPORT);

	/* too big: the MTU 20 smaller */
	assert_true(err6to4(2, 0, 1500, o) > 0);
	assert_int_equal(dp_get_u16(o + 26), 1480);
	assert_true(err6to4(2, 0, 1280, o) > 0);
	assert_int_equal(dp_get_u16(o + 26), 1260);
	/* parameter problem: pointers into the header mapped, others refused */
	{
		static const struct { uint32_t p6; int p4; } ptr[] = {
			{ 0, 0 }, { 1, 1 }, { 4, 2 }, { 5, 2 }, { 6, 9 }, { 7, 8 },
			{ 8, 12 }, { 23, 12 }, { 24, 16 }, { 39, 16 }, { 2, -1 }, { 3, -1 }, { 40, -1 },
		};

		for (size_t i = 0; i < sizeof(ptr) / sizeof(ptr[0]); i++) {
			int n = err6to4(4, 0, ptr[i].p6, o);

			if (ptr[i].p4 < 0) {
				assert_int_equal(n, -EPROTONOSUPPORT);
			} else {
				assert_true(n > 0);
				assert_int_equal(o[24], ptr[i].p4);
			}
		}
	}
}

/* An ICMPv4 error quoting a UDP packet LIP -> server (s4 -> d4). */
static uint32_t mk_err4(uint8_t *f, uint8_t t, uint8_t c, uint32_t param, uint32_t quoted)
{
	static uint8_t q[2048];
	uint32_t qlen = mk4(q, DP_IPPROTO_UDP, quoted, ip4(0x0a000002), ip4(0x0a01000b), 0x4000,
			    false) - 14;
	uint8_t *ip = f + 14, *ic = ip + 20;
	uint16_t ck;

	if (qlen > 548)
		qlen = 548;   /* a router quotes what fits 576 */
	memset(f, 0, 14 + 20 + 8 + qlen);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)(20 + 8 + qlen));
	ip[8] = 64;
	ip[9] = DP_IPPROTO_ICMP;
	dp_put_u32(ip + 12, 0x0a01000b);
	dp_put_u32(ip + 16, 0x0a000002);
	ck = dp_csum(ip, 20);
	memcpy(ip + 10, &ck, 2);
	ic[0] = t;
	ic[1] = c;
	dp_put_u32(ic + 4, param);
	memcpy(ic + 8, q + 14, qlen);
	ck = dp_csum(ic, 8 + qlen);
	memcpy(ic + 2, &ck, 2);
	return 14 + 20 + 8 + qlen;
}

static int err4to6(uint8_t t, uint8_t c, uint32_t param, uint32_t quoted, uint8_t *o)
{
	static uint8_t f[2048];
	struct dp_pkt p;
	uint32_t len = mk_err4(f, t, c, param, quoted);

	parse4(f, len, &p);
	return dp_x64_4to6(f, &p, V6, C6, o, 2048);
}

/* RFC 7915 4.2: ICMPv4 errors to ICMPv6. */
static void test_icmp4to6_map(void **state)
{
	static const struct { uint8_t t, c, t6, c6; } ok[] = {
		{ 3, 0, 1, 0 },  { 3, 1, 1, 0 },  { 3, 2, 4, 1 },  { 3, 3, 1, 4 },  { 3, 4, 2, 0 },
		{ 3, 5, 1, 0 },  { 3, 6, 1, 0 },  { 3, 7, 1, 0 },  { 3, 8, 1, 0 },  { 3, 9, 1, 1 },
		{ 3, 10, 1, 1 }, { 3, 11, 1, 0 }, { 3, 12, 1, 0 }, { 3, 13, 1, 1 }, { 3, 15, 1, 1 },
		{ 11, 0, 3, 0 }, { 11, 1, 3, 1 }, { 12, 0, 4, 0 }, { 12, 2, 4, 0 },
	};
	static const struct { uint8_t t, c; } refused[] = {
		{ 3, 14 }, { 4, 0 }, { 5, 0 }, { 5, 1 }, { 13, 0 }, { 14, 0 }, { 15, 0 },
		{ 16, 0 }, { 17, 0 }, { 18, 0 }, { 12, 1 }, { 11, 2 }, { 9, 0 }, { 10, 0 },
	};
	static uint8_t o[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = err4to6(ok[i].t, ok[i].c, ok[i].t == 3 && ok[i].c == 4 ? 1400 : 0, 40, o);

		assert_true(n > DP_IP6_HLEN + 8 + DP_IP6_HLEN + 8);
		assert_int_equal(o[DP_IP6_HLEN], ok[i].t6);
		assert_int_equal(o[DP_IP6_HLEN + 1], ok[i].c6);
		assert_int_equal(l4sum6(o, DP_IP6_HLEN, DP_IPPROTO_ICMPV6), 0xffff);
		/* the quote: the client's packet as it sent it (C6 -> V6) */
		{
			const uint8_t *q = o + DP_IP6_HLEN + 8;

			assert_int_equal(dp_get_u32(q) >> 28, 6);
			assert_int_equal(q[6], DP_IPPROTO_UDP);
			assert_int_equal(dp_get_u16(q + 4), 8 + 40);
			assert_memory_equal(q + 8, C6, 16);
			assert_memory_equal(q + 24, V6, 16);
			assert_int_equal(l4sum6(q, DP_IP6_HLEN, DP_IPPROTO_UDP), 0xffff);
		}
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(err4to6(refused[i].t, refused[i].c, 0, 40, o), -EPROTONOSUPPORT);

	/* fragmentation needed: the MTU 20 larger, never under 1280 */
	assert_true(err4to6(3, 4, 1400, 40, o) > 0);
	assert_int_equal(dp_get_u32(o + DP_IP6_HLEN + 4), 1420);
	assert_true(err4to6(3, 4, 576, 40, o) > 0);
	assert_int_equal(dp_get_u32(o + DP_IP6_HLEN + 4), DP_X64_MIN_MTU6);
	assert_true(err4to6(3, 4, 0, 40, o) > 0);   /* a pre-RFC 1191 router */
	assert_int_equal(dp_get_u32(o + DP_IP6_HLEN + 4), DP_X64_MIN_MTU6);
	/* protocol unreachable: a parameter problem at next header */
	assert_true(err4to6(3, 2, 0, 40, o) > 0);
	assert_int_equal(dp_get_u32(o + DP_IP6_HLEN + 4), 6);
	/* parameter problem pointers */
	{
		static const struct { uint8_t p4; int p6; } ptr[] = {
			{ 0, 0 }, { 1, 1 }, { 2, 4 }, { 3, 4 }, { 8, 7 }, { 9, 6 }, { 12, 8 },
			{ 15, 8 }, { 16, 24 }, { 19, 24 }, { 4, -1 }, { 6, -1 }, { 10, -1 }, { 20, -1 },
		};

		for (size_t i = 0; i < sizeof(ptr) / sizeof(ptr[0]); i++) {
			int n = err4to6(12, 0, (uint32_t)ptr[i].p4 << 24, 40, o);

			if (ptr[i].p6 < 0) {
				assert_int_equal(n, -EPROTONOSUPPORT);
			} else {
				assert_true(n > 0);
				assert_int_equal(dp_get_u32(o + DP_IP6_HLEN + 4), ptr[i].p6);
			}
		}
	}
	/* a long quote: the translated error fits IPv6's minimum MTU, and the
	 * quoted header still says the length that was sent */
	{
		int n = err4to6(3, 3, 0, 1400, o);

		assert_true(n > 0 && n <= DP_X64_MIN_MTU6);
		assert_int_equal(dp_get_u16(o + DP_IP6_HLEN + 8 + 4), 8 + 1400);
		assert_int_equal(l4sum6(o, DP_IP6_HLEN, DP_IPPROTO_ICMPV6), 0xffff);
	}
}

static void test_refusals(void **state)
{
	static uint8_t f[2048], o[2048];
	struct dp_pkt p;
	struct dp_pkt6 p6;
	uint32_t len;

	(void)state;
	/* no room */
	len = mk4(f, DP_IPPROTO_TCP, 100, 1, 2, 0, false);
	parse4(f, len, &p);
	assert_int_equal(dp_x64_4to6(f, &p, C6, V6, o, DP_IP6_HLEN + 100), -EMSGSIZE);
	len = mk6(f, DP_IPPROTO_UDP, 100, C6, V6, false);
	parse6(f, len, &p6);
	assert_int_equal(dp_x64_6to4(f, &p6, 1, 2, 0, o, 20 + 50), -EMSGSIZE);
	/* an error quoting too little to translate */
	{
		uint8_t *ic;

		len = mk_err4(f, 3, 3, 0, 40);
		ic = f + 14 + 20;
		dp_put_u16(f + 14 + 2, 20 + 8 + 20);   /* only the quoted IP header */
		len = 14 + 20 + 8 + 20;
		memset(ic + 2, 0, 2);
		{
			uint16_t ck = dp_csum(ic, 28);

			memcpy(ic + 2, &ck, 2);
		}
		memset(f + 14 + 10, 0, 2);
		{
			uint16_t ck = dp_csum(f + 14, 20);

			memcpy(f + 14 + 10, &ck, 2);
		}
		parse4(f, len, &p);
		assert_int_equal(dp_x64_4to6(f, &p, V6, C6, o, sizeof(o)), -EBADMSG);
	}
	/* ICMP of the other family (the fuzzer's first find: ICMPv4 in IPv6
	 * went through as an IPv4 ICMP message nobody checksummed) */
	len = mk6(f, DP_IPPROTO_ICMP, 20, C6, V6, false);
	parse6(f, len, &p6);
	assert_int_equal(dp_x64_6to4(f, &p6, 1, 2, 0, o, sizeof(o)), -EPROTONOSUPPORT);
	len = mk4(f, DP_IPPROTO_ICMPV6, 20, 1, 2, 0, false);
	parse4(f, len, &p);
	assert_int_equal(dp_x64_4to6(f, &p, C6, V6, o, sizeof(o)), -EPROTONOSUPPORT);
	/* an IPv4 protocol that is an IPv6 extension header's number (its
	 * second find: proto 0 would be read as hop-by-hop options) */
	len = mk4(f, DP_IPPROTO_TCP, 20, 1, 2, 0, false);
	f[14 + 9] = 0;
	memset(f + 14 + 10, 0, 2);
	{
		uint16_t ck = dp_csum(f + 14, 20);

		memcpy(f + 14 + 10, &ck, 2);
	}
	parse4(f, len, &p);
	assert_int_equal(dp_x64_4to6(f, &p, C6, V6, o, sizeof(o)), -EPROTONOSUPPORT);
}

/* dp_x64_split6: an over-long IPv6 fragment (or whole packet with an
 * atomic fragment header) cut in two that fit, the payload intact in
 * order, offsets and M flags right; what it can't cut is refused. */
static void test_split6(void **state)
{
	uint8_t pkt[2048], orig[2048], two[2048], joined[4096];
	uint32_t n1;

	(void)state;
	for (int t = 0; t < 200; t++) {
		uint32_t pay = 1460 + (uint32_t)rand() % 400, n = 48 + pay;
		uint16_t off8 = (uint16_t)(rand() % 3 * 185);
		int more = rand() & 1, n2;
		uint32_t mtu = 1280 + (uint32_t)rand() % 221;

		if (n <= mtu)
			continue;
		memset(pkt, 0, 48);
		dp_put_u32(pkt, 6u << 28);
		dp_put_u16(pkt + 4, (uint16_t)(8 + pay));
		pkt[6] = DP_IPPROTO_FRAGMENT;
		pkt[7] = 63;
		for (int i = 8; i < 40; i++)
			pkt[i] = (uint8_t)rand();
		pkt[40] = DP_IPPROTO_UDP;
		dp_put_u16(pkt + 42, (uint16_t)(off8 << 3 | more));
		dp_put_u32(pkt + 44, 0x1234abcdu);
		for (uint32_t i = 0; i < pay; i++)
			pkt[48 + i] = (uint8_t)rand();
		memcpy(orig, pkt, n);
		n2 = dp_x64_split6(pkt, n, mtu, two, sizeof(two), &n1);
		if (48 + pay - (mtu - 48) / 8 * 8 > mtu) {
			assert_int_equal(n2, -EMSGSIZE);
			continue;
		}
		assert_true(n2 > 0);
		assert_true(n1 <= mtu && (uint32_t)n2 <= mtu);
		assert_int_equal((n1 - 48) % 8, 0);
		assert_int_equal(n1 + (uint32_t)n2 - 48, n);
		/* headers: the same but for length and offset/M */
		assert_memory_equal(pkt + 6, orig + 6, 34);
		assert_memory_equal(two + 6, orig + 6, 34);
		assert_memory_equal(two + 44, orig + 44, 4);
		assert_int_equal(dp_get_u16(pkt + 4), n1 - 40);
		assert_int_equal(dp_get_u16(two + 4), (uint32_t)n2 - 40);
		assert_int_equal(dp_get_u16(pkt + 42), off8 << 3 | 1);
		assert_int_equal(dp_get_u16(two + 42), (off8 + (n1 - 48) / 8) << 3 | more);
		memcpy(joined, pkt + 48, n1 - 48);
		memcpy(joined + n1 - 48, two + 48, (uint32_t)n2 - 48);
		assert_memory_equal(joined, orig + 48, pay);
	}
	/* refused: fits already, no fragment header, a length that lies,
	 * a second part too big for out2 */
	memcpy(pkt, orig, 48);
	dp_put_u16(pkt + 4, 8 + 1600);
	assert_int_equal(dp_x64_split6(pkt, 1648, 1700, two, sizeof(two), &n1), -EINVAL);
	pkt[6] = DP_IPPROTO_UDP;
	assert_int_equal(dp_x64_split6(pkt, 1648, 1500, two, sizeof(two), &n1), -EINVAL);
	pkt[6] = DP_IPPROTO_FRAGMENT;
	assert_int_equal(dp_x64_split6(pkt, 1600, 1500, two, sizeof(two), &n1), -EINVAL);
	assert_int_equal(dp_x64_split6(pkt, 1648, 1500, two, 100, &n1), -EMSGSIZE);
	assert_int_equal(dp_x64_split6(pkt, 1648, 1500, two, sizeof(two), &n1), 48 + 1600 - 1448);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_6to4),
		cmocka_unit_test(test_random_4to6),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_icmp6to4_map),
		cmocka_unit_test(test_icmp4to6_map),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_split6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
