/* Unit tests: ICMP echo replies and error translation (dp/icmp.c), and the
 * resets and "port unreachable" mgw originates (dp/reply.c). Every checksum
 * is verified by a full recompute over the bytes produced; malformed and
 * truncated errors are rejected without reading past their end. */
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
#include "dp/icmp.h"
#include "dp/pkt.h"
#include "sum6_test.h"
#include "dp/reply.h"

#define CIP   0x0b000001u   /* client */
#define VIP   0x0a00000au
#define LIP   0x0a010064u
#define RIP   0x0a01000bu
#define CPORT 40000
#define VPORT 80
#define LPORT 5001
#define RPORT 8080

static uint32_t rnd(void)
{
	return (uint32_t)random();
}

/* IPv4 + TCP/UDP packet (no Ethernet) with correct checksums. */
static uint32_t build_ip(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
			 uint16_t dport, uint32_t payload, int udp_zero_csum)
{
	uint32_t l4h = proto == DP_IPPROTO_TCP ? 20 : 8, tot = 20 + l4h + payload;
	uint8_t *l4 = ip + 20, ph[12];
	uint16_t c;

	memset(ip, 0, tot);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)tot);
	dp_put_u16(ip + 4, (uint16_t)rnd());
	dp_put_u16(ip + 6, 0x4000);
	ip[8] = 63;
	ip[9] = proto;
	dp_put_u32(ip + 12, src);
	dp_put_u32(ip + 16, dst);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, rnd());
		dp_put_u32(l4 + 8, rnd());
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_ACK | DP_TCP_PSH;
		dp_put_u16(l4 + 14, 65535);
	} else {
		dp_put_u16(l4 + 4, (uint16_t)(8 + payload));
	}
	for (uint32_t i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)rnd();
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, (uint16_t)(l4h + payload));
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, l4h + payload, dp_csum_partial(ph, 12, 0)));
	if (proto == DP_IPPROTO_UDP && udp_zero_csum)
		c = 0;
	else if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), &c, 2);
	return tot;
}

/* An ICMP error (type, code, rest-of-header word) from src to dst quoting
 * the first `quote` bytes of the packet at q. Returns the frame length. */
static uint32_t build_error(uint8_t *f, uint8_t type, uint8_t code, uint32_t word, uint32_t src,
			    uint32_t dst, const uint8_t *q, uint32_t quote)
{
	uint8_t *ip = f + DP_ETH_HLEN, *icmp = ip + 20;
	uint32_t tot = 20 + 8 + quote;
	uint16_t c;

	memset(f, 0, DP_ETH_HLEN + tot);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = DP_IPPROTO_ICMP;
	dp_put_u32(ip + 12, src);
	dp_put_u32(ip + 16, dst);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	icmp[0] = type;
	icmp[1] = code;
	dp_put_u32(icmp + 4, word);
	memcpy(icmp + 8, q, quote);
	c = dp_csum(icmp, 8 + quote);
	memcpy(icmp + 2, &c, 2);
	return DP_ETH_HLEN + tot;
}

static int csum_ok(const uint8_t *b, uint32_t len)
{
	return dp_csum_fold(dp_csum_partial(b, len, 0)) == 0xffff;
}

/* Is the TCP/UDP checksum of a whole IPv4 packet right? */
static int l4_csum_ok(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0xf) * 4u, tot = dp_get_u16(ip + 2), l4len = tot - ihl;
	uint8_t ph[12];

	if (ip[9] == DP_IPPROTO_UDP && dp_get_u16(ip + ihl + 6) == 0)
		return 1;
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	dp_put_u16(ph + 10, (uint16_t)l4len);
	return dp_csum_fold(dp_csum_partial(ip + ihl, l4len, dp_csum_partial(ph, 12, 0))) == 0xffff;
}

static int parse(const uint8_t *f, uint32_t len, struct dp_pkt *p)
{
	enum dp_drop why;

	return dp_pkt_parse_ipv4(f, len, DP_ETH_HLEN, true, p, &why);
}

static void test_echo_reply(void **state)
{
	uint8_t f[200];
	uint8_t *ip = f + DP_ETH_HLEN, *icmp = ip + 20;
	struct dp_pkt p;
	uint16_t c;

	(void)state;
	memset(f, 0, sizeof(f));
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, 20 + 8 + 56);
	ip[8] = 7;
	ip[9] = DP_IPPROTO_ICMP;
	dp_put_u32(ip + 12, CIP);
	dp_put_u32(ip + 16, VIP);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	icmp[0] = DP_ICMP_ECHO;
	dp_put_u16(icmp + 4, 0x1234);
	dp_put_u16(icmp + 6, 7);
	for (int i = 0; i < 56; i++)
		icmp[8 + i] = (uint8_t)i;
	c = dp_csum(icmp, 64);
	memcpy(icmp + 2, &c, 2);

	assert_int_equal(parse(f, DP_ETH_HLEN + 84, &p), 0);
	dp_icmp_echo_reply(f, &p, 65);
	assert_int_equal(icmp[0], DP_ICMP_ECHO_REPLY);
	assert_int_equal(dp_get_u32(ip + 12), VIP);
	assert_int_equal(dp_get_u32(ip + 16), CIP);
	assert_int_equal(ip[8], 65);
	assert_int_equal(dp_get_u16(icmp + 4), 0x1234);
	assert_int_equal(dp_get_u16(icmp + 6), 7);
	assert_true(csum_ok(ip, 20));
	assert_true(csum_ok(icmp, 64));
	assert_int_equal(p.dst, htonl(CIP));
	assert_int_equal(p.src, htonl(VIP));
}

/* A server's "fragmentation needed" about LIP:lport → RIP:rport, quoting
 * `quote` bytes (0 = all of it), translated for the client. */
static void server_error_case(uint8_t proto, uint32_t payload, uint32_t quote, int udp_zero)
{
	uint8_t sent[1600], orig[1600], f[1700];
	uint32_t n = build_ip(sent, proto, LIP, RIP, LPORT, RPORT, payload, udp_zero);
	uint32_t len, cs_off = proto == DP_IPPROTO_TCP ? 16 : 6;
	uint8_t *ip = f + DP_ETH_HLEN, *icmp = ip + 20, *qip = icmp + 8;
	struct dp_icmp_quote q;
	struct dp_pkt p;
	enum dp_drop why;

	/* What the client sent before the rewrite: same bytes but for the
	 * tuple, with its own correct checksums. */
	memcpy(orig, sent, n);
	{
		uint8_t *l4 = orig + 20, ph[12];
		uint16_t c;

		dp_put_u32(orig + 12, CIP);
		dp_put_u32(orig + 16, VIP);
		orig[10] = orig[11] = 0;
		c = dp_csum(orig, 20);
		memcpy(orig + 10, &c, 2);
		dp_put_u16(l4, CPORT);
		dp_put_u16(l4 + 2, VPORT);
		if (!(proto == DP_IPPROTO_UDP && udp_zero)) {
			l4[cs_off] = l4[cs_off + 1] = 0;
			memcpy(ph, orig + 12, 8);
			ph[8] = 0;
			ph[9] = proto;
			dp_put_u16(ph + 10, (uint16_t)(n - 20));
			c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, n - 20,
								    dp_csum_partial(ph, 12, 0)));
			if (proto == DP_IPPROTO_UDP && c == 0)
				c = 0xffff;
			memcpy(l4 + cs_off, &c, 2);
		}
	}
	if (!quote || quote > n)
		quote = n;
	len = build_error(f, DP_ICMP_UNREACH, DP_ICMP_FRAG_NEEDED, 1400, RIP, LIP, sent, quote);
	assert_int_equal(parse(f, len, &p), 0);
	assert_int_equal(dp_icmp_parse_error(f, &p, &q, &why), 0);
	assert_int_equal(q.proto, proto);
	assert_int_equal(q.src, htonl(LIP));
	assert_int_equal(q.dst, htonl(RIP));
	assert_int_equal(q.sport, htons(LPORT));
	assert_int_equal(q.dport, htons(RPORT));
	assert_int_equal(q.l4_len, quote - 20);

	dp_icmp_xlate(f, &p, &q, htonl(VIP), htonl(CIP), htonl(CIP), htons(CPORT), htonl(VIP),
		      htons(VPORT));
	/* outer: from the VIP to the client, checksum right */
	assert_int_equal(dp_get_u32(ip + 12), VIP);
	assert_int_equal(dp_get_u32(ip + 16), CIP);
	assert_true(csum_ok(ip, 20));
	/* ICMP: type, code and MTU kept; checksum over the message right */
	assert_int_equal(icmp[0], DP_ICMP_UNREACH);
	assert_int_equal(icmp[1], DP_ICMP_FRAG_NEEDED);
	assert_int_equal(dp_get_u32(icmp + 4), 1400);
	assert_true(csum_ok(icmp, 8 + quote));
	/* the quote: what the client sent, byte for byte where quoted, bar
	 * the TTL the quoting hop saw */
	assert_true(csum_ok(qip, 20));
	assert_memory_equal(qip + 12, orig + 12, 8);
	assert_memory_equal(qip + 20, orig + 20, 4);
	if (quote >= 20 + cs_off + 2)
		assert_memory_equal(qip + 20 + cs_off, orig + 20 + cs_off, 2);
	if (quote == n)
		assert_true(l4_csum_ok(qip));
	assert_memory_equal(qip + 20 + 4, orig + 20 + 4, quote - 24 < cs_off - 4 ? quote - 24
										  : cs_off - 4);
}

/* The IPv6 form: addresses swapped, type 129, hop limit, the checksum
 * (checked the slow way) right; a wrong one stays wrong. */
static void test_echo6_reply(void **state)
{
	static const uint8_t c6[16] = { 0xfd, 0, 0, 1, [15] = 2 }, v6[16] = { 0xfd, 0, 0, 1, [15] = 0x10 };
	uint8_t f[200];
	uint8_t *ip = f + DP_ETH_HLEN, *icmp = ip + DP_IP6_HLEN;
	struct dp_pkt6 p;
	enum dp_drop why;
	uint16_t c;

	(void)state;
	for (int bad = 0; bad < 2; bad++) {
		memset(f, 0, sizeof(f));
		dp_put_u16(f + 12, DP_ETH_P_IPV6);
		dp_put_u32(ip, 6u << 28);
		dp_put_u16(ip + 4, 8 + 56);
		ip[6] = DP_IPPROTO_ICMPV6;
		ip[7] = 9;
		memcpy(ip + 8, c6, 16);
		memcpy(ip + 24, v6, 16);
		icmp[0] = DP_ICMP6_ECHO;
		dp_put_u16(icmp + 4, 0x4321);
		dp_put_u16(icmp + 6, 3);
		for (int i = 0; i < 56; i++)
			icmp[8 + i] = (uint8_t)(i * 7);
		c = (uint16_t)~sum6_slow(ip);
		dp_put_u16(icmp + 2, (uint16_t)(c ^ bad));
		assert_int_equal(dp_pkt_parse_ipv6(f, DP_ETH_HLEN + 40 + 64, DP_ETH_HLEN, &p, &why), 0);
		dp_icmp6_echo_reply(f, &p, 64);
		assert_int_equal(icmp[0], DP_ICMP6_ECHO_REPLY);
		assert_memory_equal(ip + 8, v6, 16);
		assert_memory_equal(ip + 24, c6, 16);
		assert_memory_equal(p.src, v6, 16);
		assert_memory_equal(p.dst, c6, 16);
		assert_int_equal(ip[7], 64);
		assert_int_equal(dp_get_u16(icmp + 4), 0x4321);
		assert_int_equal(sum6_slow(ip) == 0xffff, !bad);
	}
}

static void test_xlate_server_error(void **state)
{
	(void)state;
	srandom(1);
	server_error_case(DP_IPPROTO_TCP, 1000, 0, 0);      /* whole packet quoted */
	server_error_case(DP_IPPROTO_TCP, 1000, 28, 0);     /* RFC 792 minimum */
	server_error_case(DP_IPPROTO_TCP, 1000, 37, 0);     /* checksum cut in half */
	server_error_case(DP_IPPROTO_TCP, 1000, 38, 0);     /* checksum just in */
	server_error_case(DP_IPPROTO_TCP, 1000, 548, 0);    /* what Linux quotes */
	server_error_case(DP_IPPROTO_UDP, 301, 0, 0);
	server_error_case(DP_IPPROTO_UDP, 301, 28, 0);
	server_error_case(DP_IPPROTO_UDP, 301, 0, 1);       /* no UDP checksum: stays 0 */
	for (int i = 0; i < 2000; i++)
		server_error_case(rnd() & 1 ? DP_IPPROTO_TCP : DP_IPPROTO_UDP, rnd() % 1400,
				  28 + rnd() % 1400, (rnd() & 7) == 0);
}

/* A router's "time exceeded" about our reply VIP:vport → client, for the
 * server: from the LIP, quoting RIP:rport → LIP:lport. */
static void test_xlate_client_error(void **state)
{
	uint8_t sent[200], f[300];
	uint32_t n = build_ip(sent, DP_IPPROTO_UDP, VIP, CIP, VPORT, CPORT, 100, 0);
	uint8_t *ip = f + DP_ETH_HLEN, *icmp = ip + 20, *qip = icmp + 8;
	uint32_t len = build_error(f, DP_ICMP_TIME_EXCEEDED, 0, 0, 0x0b0000feu, VIP, sent, n);
	struct dp_icmp_quote q;
	struct dp_pkt p;
	enum dp_drop why;

	(void)state;
	assert_int_equal(parse(f, len, &p), 0);
	assert_int_equal(dp_icmp_parse_error(f, &p, &q, &why), 0);
	dp_icmp_xlate(f, &p, &q, htonl(LIP), htonl(RIP), htonl(RIP), htons(RPORT), htonl(LIP),
		      htons(LPORT));
	assert_int_equal(dp_get_u32(ip + 12), LIP);
	assert_int_equal(dp_get_u32(ip + 16), RIP);
	assert_int_equal(icmp[0], DP_ICMP_TIME_EXCEEDED);
	assert_true(csum_ok(ip, 20));
	assert_true(csum_ok(icmp, 8 + n));
	assert_true(csum_ok(qip, 20));
	assert_int_equal(dp_get_u32(qip + 12), RIP);
	assert_int_equal(dp_get_u32(qip + 16), LIP);
	assert_int_equal(dp_get_u16(qip + 20), RPORT);
	assert_int_equal(dp_get_u16(qip + 22), LPORT);
	assert_true(l4_csum_ok(qip));
	/* the parse result follows the rewrite */
	assert_int_equal(p.src, htonl(LIP));
	assert_int_equal(p.dst, htonl(RIP));
}

static void expect_reject(uint8_t *f, uint32_t len, enum dp_drop want)
{
	struct dp_icmp_quote q;
	struct dp_pkt p;
	enum dp_drop why = DP_DROP_MAX;

	assert_int_equal(parse(f, len, &p), 0);
	assert_int_equal(dp_icmp_parse_error(f, &p, &q, &why), -EBADMSG);
	assert_int_equal(why, want);
}

/* Fix the ICMP checksum after a test changed the quote. */
static void refix(uint8_t *f, uint32_t len)
{
	uint8_t *icmp = f + DP_ETH_HLEN + 20;
	uint16_t c;

	icmp[2] = icmp[3] = 0;
	c = dp_csum(icmp, len - DP_ETH_HLEN - 20);
	memcpy(icmp + 2, &c, 2);
}

static void test_malformed_errors(void **state)
{
	uint8_t sent[200], f[400];
	uint32_t n = build_ip(sent, DP_IPPROTO_TCP, LIP, RIP, LPORT, RPORT, 40, 0);
	uint8_t *qip = f + DP_ETH_HLEN + 28;
	uint32_t len;

	(void)state;
	/* quotes shorter than header + 8 bytes */
	for (uint32_t k = 0; k < 28; k++) {
		len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, k);
		expect_reject(f, len, DP_DROP_ICMP_BAD);
	}
	/* a wrong ICMP checksum */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	f[DP_ETH_HLEN + 20 + 2] ^= 0x40;
	expect_reject(f, len, DP_DROP_ICMP_CSUM);
	/* not IPv4 inside */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	qip[0] = 0x65;
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP_BAD);
	/* quoted header length below 20, or beyond the quote */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	qip[0] = 0x44;
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP_BAD);
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, 30);
	qip[0] = 0x46;   /* 24-byte header + 8 would need 32 */
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP_BAD);
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, 60);
	qip[0] = 0x4f;   /* 60 + 8 > 60 */
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP_BAD);
	/* neither TCP nor UDP inside */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	qip[9] = DP_IPPROTO_ICMP;
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP_TYPE);
	/* a later fragment inside: no ports */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	dp_put_u16(qip + 6, 0x2000 | 185);
	refix(f, len);
	expect_reject(f, len, DP_DROP_ICMP);
	/* the first fragment is fine */
	len = build_error(f, DP_ICMP_UNREACH, 1, 0, RIP, LIP, sent, n);
	dp_put_u16(qip + 6, 0x2000);
	refix(f, len);
	{
		struct dp_icmp_quote q;
		struct dp_pkt p;
		enum dp_drop why;

		assert_int_equal(parse(f, len, &p), 0);
		assert_int_equal(dp_icmp_parse_error(f, &p, &q, &why), 0);
	}
}

/* Every truncation and random corruption of an error, in a buffer that
 * ends exactly where the frame does: accepted or rejected, never read past
 * (valgrind/ASan see to that when run under them). */
static void test_fuzz_errors(void **state)
{
	uint8_t sent[200], f[400];
	uint32_t n = build_ip(sent, DP_IPPROTO_UDP, LIP, RIP, LPORT, RPORT, 60, 0);
	uint32_t len = build_error(f, DP_ICMP_UNREACH, 3, 0, RIP, LIP, sent, n);

	(void)state;
	srandom(7);
	for (uint32_t cut = 0; cut <= len; cut++) {
		uint8_t *g = malloc(cut ? cut : 1);
		struct dp_icmp_quote q;
		struct dp_pkt p;
		enum dp_drop why;

		memcpy(g, f, cut);
		if (cut >= DP_ETH_HLEN + 4) {   /* keep the IP length honest */
			dp_put_u16(g + DP_ETH_HLEN + 2, (uint16_t)(cut - DP_ETH_HLEN));
			if (cut >= DP_ETH_HLEN + 20) {
				uint16_t c;

				g[DP_ETH_HLEN + 10] = g[DP_ETH_HLEN + 11] = 0;
				c = dp_csum(g + DP_ETH_HLEN, 20);
				memcpy(g + DP_ETH_HLEN + 10, &c, 2);
			}
		}
		if (dp_pkt_parse_ipv4(g, cut, DP_ETH_HLEN, true, &p, &why) == 0 &&
		    p.proto == DP_IPPROTO_ICMP && dp_icmp_parse_error(g, &p, &q, &why) == 0) {
			assert_true(q.l4_off + 8u <= cut);
			dp_icmp_xlate(g, &p, &q, 1, 2, 3, 4, 5, 6);
		}
		free(g);
	}
	for (int i = 0; i < 20000; i++) {
		uint8_t *g = malloc(len);
		struct dp_icmp_quote q;
		struct dp_pkt p;
		enum dp_drop why;

		memcpy(g, f, len);
		for (int k = 0; k < 3; k++)
			g[DP_ETH_HLEN + 20 + rnd() % (len - DP_ETH_HLEN - 20)] = (uint8_t)rnd();
		refix(g, len);
		if (dp_pkt_parse_ipv4(g, len, DP_ETH_HLEN, true, &p, &why) == 0 &&
		    dp_icmp_parse_error(g, &p, &q, &why) == 0) {
			assert_true(q.l4_off + 8u <= len);
			assert_true(q.proto == DP_IPPROTO_TCP || q.proto == DP_IPPROTO_UDP);
			dp_icmp_xlate(g, &p, &q, 1, 2, 3, 4, 5, 6);
			assert_true(csum_ok(g + DP_ETH_HLEN + 20, len - DP_ETH_HLEN - 20));
		}
		free(g);
	}
}

static uint32_t tcp_frame(uint8_t *f, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t payload)
{
	uint8_t *ip = f + DP_ETH_HLEN, *l4 = ip + 20, ph[12];
	uint32_t n = build_ip(ip, DP_IPPROTO_TCP, CIP, VIP, CPORT, VPORT, payload, 0);
	uint16_t c;

	memset(f, 0, DP_ETH_HLEN);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	dp_put_u32(l4 + 4, seq);
	dp_put_u32(l4 + 8, ack);
	l4[13] = flags;
	l4[16] = l4[17] = 0;
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = DP_IPPROTO_TCP;
	dp_put_u16(ph + 10, (uint16_t)(n - 20));
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, n - 20, dp_csum_partial(ph, 12, 0)));
	memcpy(l4 + 16, &c, 2);
	return DP_ETH_HLEN + n;
}

static void check_rst(const uint8_t *o, uint32_t n, uint32_t src, uint16_t sport, uint32_t dst,
		      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	const uint8_t *ip = o + DP_ETH_HLEN, *t = ip + 20;
	struct dp_pkt p;

	assert_int_equal(n, DP_REPLY_RST_LEN);
	assert_int_equal(parse(o, n, &p), 0);
	assert_int_equal(p.proto, DP_IPPROTO_TCP);
	assert_int_equal(dp_get_u32(ip + 12), src);
	assert_int_equal(dp_get_u32(ip + 16), dst);
	assert_int_equal(dp_get_u16(t), sport);
	assert_int_equal(dp_get_u16(t + 2), dport);
	assert_int_equal(dp_get_u32(t + 4), seq);
	assert_int_equal(dp_get_u32(t + 8), ack);
	assert_int_equal(t[13], flags);
	assert_true(csum_ok(ip, 20));
	assert_true(l4_csum_ok(ip));
}

static void test_rst(void **state)
{
	uint8_t f[200], o[DP_REPLY_MAX];
	struct dp_pkt p;
	uint32_t len;

	(void)state;
	/* a SYN refused: RST|ACK, seq 0, ack ISN + 1 (RFC 793 3.4) */
	len = tcp_frame(f, DP_TCP_SYN, 1000, 0, 0);
	assert_int_equal(parse(f, len, &p), 0);
	check_rst(o, dp_reply_rst_back(o, f, &p, 64), VIP, VPORT, CIP, CPORT, 0, 1001,
		  DP_TCP_RST | DP_TCP_ACK);
	/* with data and FIN, all of it acknowledged */
	len = tcp_frame(f, DP_TCP_SYN | DP_TCP_FIN, 0xfffffff0u, 0, 20);
	assert_int_equal(parse(f, len, &p), 0);
	check_rst(o, dp_reply_rst_back(o, f, &p, 64), VIP, VPORT, CIP, CPORT, 0, 0x6,
		  DP_TCP_RST | DP_TCP_ACK);
	/* a segment with ACK: the reset takes its seq from the ACK */
	len = tcp_frame(f, DP_TCP_ACK | DP_TCP_PSH, 5000, 777, 100);
	assert_int_equal(parse(f, len, &p), 0);
	check_rst(o, dp_reply_rst_back(o, f, &p, 64), VIP, VPORT, CIP, CPORT, 777, 0, DP_TCP_RST);
	/* passed on to the server as if the client had reset: its seq */
	check_rst(o, dp_reply_rst_on(o, f, &p, htonl(LIP), htons(LPORT), htonl(RIP), htons(RPORT),
				     64),
		  LIP, LPORT, RIP, RPORT, 5000, 777, DP_TCP_RST | DP_TCP_ACK);
	assert_int_equal(o[DP_ETH_HLEN + 8], 64);
}

static void test_unreach(void **state)
{
	uint8_t f[1600], o[DP_REPLY_MAX];
	uint8_t *ip = o + DP_ETH_HLEN, *icmp = ip + 20;
	uint32_t sizes[] = { 20, 60, 548, 549, 1400 };
	struct dp_pkt p, r;

	(void)state;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = build_ip(f + DP_ETH_HLEN, DP_IPPROTO_UDP, CIP, VIP, CPORT, 53,
				      sizes[i], 0), q = n < 548 ? n : 548, len;

		memset(f, 0, DP_ETH_HLEN);
		dp_put_u16(f + 12, DP_ETH_P_IPV4);
		assert_int_equal(parse(f, DP_ETH_HLEN + n, &p), 0);
		len = dp_reply_unreach(o, f, &p, DP_ICMP_PORT_UNREACH, p.dst, 64);
		assert_int_equal(len, DP_ETH_HLEN + 28 + q);
		assert_true(len - DP_ETH_HLEN <= 576);
		assert_int_equal(parse(o, len, &r), 0);
		assert_int_equal(r.proto, DP_IPPROTO_ICMP);
		assert_int_equal(dp_get_u32(ip + 12), VIP);
		assert_int_equal(dp_get_u32(ip + 16), CIP);
		assert_int_equal(icmp[0], DP_ICMP_UNREACH);
		assert_int_equal(icmp[1], DP_ICMP_PORT_UNREACH);
		assert_true(csum_ok(ip, 20));
		assert_true(csum_ok(icmp, 8 + q));
		assert_memory_equal(icmp + 8, f + DP_ETH_HLEN, q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_reply),
		cmocka_unit_test(test_echo6_reply),
		cmocka_unit_test(test_xlate_server_error),
		cmocka_unit_test(test_xlate_client_error),
		cmocka_unit_test(test_malformed_errors),
		cmocka_unit_test(test_fuzz_errors),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_unreach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
