/* Unit tests: the pure parts of the forwarding modes beside FULLNAT —
 * the input-only TCP table of DR/TUNNEL sessions (dp/tcp.c), IPIP
 * encapsulation and outer fragments (dp/ipip.c), "fragmentation needed"
 * (dp/reply.c), NAT's rewrite of both directions (dp/nat.c, checksums
 * checked by full recompute) and NAT's session owner (dp/nat.h). */
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
#include "dp/nat.h"
#include "dp/rewrite.h"
#include "dp/pkt.h"
#include "dp/reply.h"
#include "dp/tcp.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ---- the input-only TCP table ---- */

static uint8_t run(uint8_t st, const uint8_t *flags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st = dp_tcp_next_oneway(st, dp_tcp_event(flags[i]));
	return st;
}

static void test_oneway_lifecycle(void **state)
{
	const uint8_t syn = DP_TCP_SYN, ack = DP_TCP_ACK, fin = DP_TCP_FIN | DP_TCP_ACK;
	const uint8_t rst = DP_TCP_RST, psh = DP_TCP_PSH | DP_TCP_ACK;
	uint8_t st;

	(void)state;
	/* SYN, retransmitted SYN: waiting for the client's ACK */
	st = dp_tcp_next_oneway(DP_TCP_NONE, dp_tcp_event(syn));
	assert_int_equal(st, DP_TCP_SYN_RECV);
	assert_int_equal(dp_tcp_next_oneway(st, dp_tcp_event(syn)), DP_TCP_SYN_RECV);
	/* the client's ACK (of the server's SYN+ACK we never saw) establishes */
	st = dp_tcp_next_oneway(st, dp_tcp_event(ack));
	assert_int_equal(st, DP_TCP_ESTABLISHED);
	assert_int_equal(dp_tcp_next_oneway(st, dp_tcp_event(psh)), DP_TCP_ESTABLISHED);
	/* its FIN: closing, still open; its next ACK: the server's FIN acked */
	st = dp_tcp_next_oneway(st, dp_tcp_event(fin));
	assert_int_equal(st, DP_TCP_FIN_WAIT);
	assert_true(dp_tcp_state_open(st));
	assert_int_equal(dp_tcp_next_oneway(st, dp_tcp_event(fin)), DP_TCP_FIN_WAIT);
	st = dp_tcp_next_oneway(st, dp_tcp_event(ack));
	assert_int_equal(st, DP_TCP_TIME_WAIT);
	assert_false(dp_tcp_state_open(st));
	/* stray ACKs keep it there; nothing revives it */
	assert_int_equal(dp_tcp_next_oneway(st, dp_tcp_event(ack)), DP_TCP_TIME_WAIT);
	assert_int_equal(dp_tcp_next_oneway(st, dp_tcp_event(syn)), DP_TCP_TIME_WAIT);

	/* a RST closes from anywhere */
	for (uint8_t s = 0; s < DP_TCP_STATE_MAX; s++)
		assert_int_equal(dp_tcp_next_oneway(s, dp_tcp_event(rst)), DP_TCP_CLOSE);
	/* a half-open flood never leaves SYN_RECV */
	{
		const uint8_t seq[] = { syn, syn, syn };

		assert_int_equal(run(DP_TCP_NONE, seq, 3), DP_TCP_SYN_RECV);
	}
	/* a first packet that is no SYN closes (never made: the lcore wants a SYN) */
	assert_int_equal(dp_tcp_next_oneway(DP_TCP_NONE, dp_tcp_event(ack)), DP_TCP_CLOSE);
	/* out of range */
	assert_int_equal(dp_tcp_next_oneway(DP_TCP_STATE_MAX, DP_TCP_EV_ACK), DP_TCP_CLOSE);
	assert_int_equal(dp_tcp_next_oneway(DP_TCP_NONE, DP_TCP_EV_MAX), DP_TCP_CLOSE);
	/* every entry is a state */
	for (int e = 0; e < DP_TCP_EV_MAX; e++)
		for (int s = 0; s < DP_TCP_STATE_MAX; s++)
			assert_true(dp_tcp_oneway_table[e][s] < DP_TCP_STATE_MAX);
}

/* ---- frames ---- */

/* Checksums by full recompute: the IPv4 header's, and TCP's/UDP's over
 * the pseudo-header (a UDP checksum of 0 means none). */
static void assert_csums(const uint8_t *ip4)
{
	unsigned ihl = (ip4[0] & 0xf) * 4u;
	uint16_t tot = dp_get_u16(ip4 + 2);
	uint8_t ph[12];
	uint32_t sum;

	assert_int_equal(dp_csum(ip4, ihl), 0);
	if (ip4[9] != DP_IPPROTO_TCP && ip4[9] != DP_IPPROTO_UDP)
		return;
	if (ip4[9] == DP_IPPROTO_UDP && dp_get_u16(ip4 + ihl + 6) == 0)
		return;
	memcpy(ph, ip4 + 12, 8);
	ph[8] = 0;
	ph[9] = ip4[9];
	dp_put_u16(ph + 10, (uint16_t)(tot - ihl));
	sum = dp_csum_partial(ph, 12, 0);
	sum = dp_csum_partial(ip4 + ihl, tot - ihl, sum);
	assert_int_equal((uint16_t)~dp_csum_fold(sum), 0);
}

/* An Ethernet frame with IPv4 and TCP (or UDP) from src:sport to
 * dst:dport, `len` bytes of payload, checksums right. Returns its length. */
static uint32_t mk(uint8_t *f, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		   uint16_t dport, uint16_t len, bool df)
{
	uint8_t *ip4 = f + DP_ETH_HLEN, *l4 = ip4 + 20, ph[12];
	uint16_t l4len = (uint16_t)((proto == DP_IPPROTO_TCP ? 20 : 8) + len), c;
	uint32_t a = ip(src), b = ip(dst), sum;

	memset(f, 0, DP_ETH_HLEN + 20 + l4len);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip4[0] = 0x45;
	dp_put_u16(ip4 + 2, (uint16_t)(20 + l4len));
	dp_put_u16(ip4 + 4, 0x1234);
	dp_put_u16(ip4 + 6, df ? 0x4000 : 0);
	ip4[8] = 64;
	ip4[9] = proto;
	memcpy(ip4 + 12, &a, 4);
	memcpy(ip4 + 16, &b, 4);
	c = dp_csum(ip4, 20);
	memcpy(ip4 + 10, &c, 2);
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, 1000);
		dp_put_u32(l4 + 8, 2000);
		l4[12] = 5 << 4;
		l4[13] = DP_TCP_ACK | DP_TCP_PSH;
		dp_put_u16(l4 + 14, 65535);
	} else {
		dp_put_u16(l4 + 4, l4len);
	}
	for (uint16_t i = 0; i < len; i++)
		l4[(proto == DP_IPPROTO_TCP ? 20 : 8) + i] = (uint8_t)(i * 7 + 3);
	memcpy(ph, &a, 4);
	memcpy(ph + 4, &b, 4);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, l4len);
	sum = dp_csum_partial(l4, l4len, dp_csum_partial(ph, 12, 0));
	c = (uint16_t)~dp_csum_fold(sum);
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), &c, 2);
	assert_csums(ip4);
	return DP_ETH_HLEN + 20 + l4len;
}

static void parse(const uint8_t *f, uint32_t len, struct dp_pkt *p)
{
	enum dp_drop why;

	assert_int_equal(dp_pkt_parse_ipv4(f, len, DP_ETH_HLEN, true, p, &why), 0);
}

/* ---- NAT: only the destination, then only the source ---- */

static void test_nat_both_directions(void **state)
{
	static const uint8_t protos[] = { DP_IPPROTO_TCP, DP_IPPROTO_UDP };

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		for (uint16_t len = 0; len < 40; len += 13) {
			uint8_t f[256];
			uint32_t n;
			struct dp_pkt p;
			uint32_t cip = ip("192.0.2.7"), vip = ip("10.0.0.12"), rip = ip("10.1.0.15");

			/* client → VIP:80 becomes client → server:8080 */
			n = mk(f, protos[k], "192.0.2.7", 40001, "10.0.0.12", 80, len, true);
			parse(f, n, &p);
			dp_rw_forward(f, &p, p.src, p.sport, rip, htons(8080));
			assert_csums(f + DP_ETH_HLEN);
			assert_memory_equal(f + DP_ETH_HLEN + 12, &cip, 4);
			assert_memory_equal(f + DP_ETH_HLEN + 16, &rip, 4);
			assert_int_equal(dp_get_u16(f + DP_ETH_HLEN + 20), 40001);
			assert_int_equal(dp_get_u16(f + DP_ETH_HLEN + 22), 8080);
			assert_int_equal(f[DP_ETH_HLEN + 8], 63);
			assert_true(dp_ipip_df(f + DP_ETH_HLEN));
			(void)vip;

			/* server:8080 → client becomes VIP:80 → client */
			n = mk(f, protos[k], "10.1.0.15", 8080, "192.0.2.7", 40001, len, false);
			parse(f, n, &p);
			dp_rw_forward(f, &p, vip, htons(80), p.dst, p.dport);
			assert_csums(f + DP_ETH_HLEN);
			assert_memory_equal(f + DP_ETH_HLEN + 12, &vip, 4);
			assert_memory_equal(f + DP_ETH_HLEN + 16, &cip, 4);
			assert_int_equal(dp_get_u16(f + DP_ETH_HLEN + 20), 80);
			assert_int_equal(dp_get_u16(f + DP_ETH_HLEN + 22), 40001);
			assert_int_equal(p.sport, htons(80));
			assert_int_equal(p.src, vip);
		}
	}
}

static void test_nat_owner(void **state)
{
	unsigned count[4] = { 0 };

	(void)state;
	/* the client's packet (source) and the server's reply (destination)
	 * name the same owner: it depends on client:cport alone */
	for (uint32_t i = 0; i < 4000; i++) {
		uint32_t cip = htonl(0xc0000200 + i % 200);
		uint16_t cport = htons((uint16_t)(1024 + i * 7));
		unsigned o = dp_nat_owner(cip, cport, 4);

		assert_true(o < 4);
		assert_int_equal(o, dp_nat_owner(cip, cport, 4));
		assert_int_equal(dp_nat_owner(cip, cport, 1), 0);
		count[o]++;
	}
	/* and spreads clients over the lcores */
	for (unsigned o = 0; o < 4; o++)
		assert_true(count[o] > 700 && count[o] < 1300);
}

/* ---- IPIP ---- */

static void test_ipip_encap(void **state)
{
	uint32_t src = ip("10.1.0.2"), dst = ip("10.7.0.5");
	uint8_t f[256], orig[256];
	uint32_t n;

	(void)state;
	for (int df = 0; df < 2; df++) {
		/* the frame as mgw has it after the prepend: 20 free bytes
		 * between the Ethernet header and the packet */
		n = mk(orig, DP_IPPROTO_TCP, "192.0.2.7", 40001, "10.0.0.11", 80, 33, df);
		memset(f, 0xee, sizeof(f));
		memcpy(f + DP_IPIP_HLEN + DP_ETH_HLEN, orig + DP_ETH_HLEN, n - DP_ETH_HLEN);
		dp_ipip_encap(f, src, dst, 77, DP_IPIP_TTL);
		{
			const uint8_t *o = f + DP_ETH_HLEN, *in = o + DP_IPIP_HLEN;

			assert_int_equal(dp_get_u16(f + 12), DP_ETH_P_IPV4);
			assert_int_equal(o[0], 0x45);
			assert_int_equal(o[9], DP_IPPROTO_IPIP);
			assert_int_equal(o[8], DP_IPIP_TTL);
			assert_int_equal(dp_get_u16(o + 2), n - DP_ETH_HLEN + DP_IPIP_HLEN);
			assert_int_equal(dp_get_u16(o + 4), 77);
			assert_int_equal(dp_get_u16(o + 6), df ? 0x4000 : 0);   /* DF copied */
			assert_memory_equal(o + 12, &src, 4);
			assert_memory_equal(o + 16, &dst, 4);
			assert_int_equal(dp_csum(o, 20), 0);
			/* the inner packet untouched, checksums and all */
			assert_memory_equal(in, orig + DP_ETH_HLEN, n - DP_ETH_HLEN);
			assert_csums(in);
		}
	}
	assert_int_equal(dp_ipip_mtu(1500), 1480);
	assert_int_equal(dp_ipip_chunk(1500), 1480);
	assert_int_equal(dp_ipip_chunk(1499), 1472);
}

/* A packet too big for the link, without DF: outer fragments that put
 * together give the inner packet back. */
static void test_ipip_fragments(void **state)
{
	uint32_t src = ip("10.1.0.2"), dst = ip("10.7.0.5");
	uint8_t *orig = malloc(4000), *got = calloc(1, 4000), *fr = malloc(2000);
	uint16_t mtu = 1500, chunk = dp_ipip_chunk(mtu), inner_len;
	uint32_t n, total = 0, pieces = 0;
	bool last_seen = false;

	(void)state;
	assert_non_null(orig);
	assert_non_null(got);
	assert_non_null(fr);
	n = mk(orig, DP_IPPROTO_UDP, "192.0.2.7", 5000, "10.0.0.11", 53, 3000, false);
	inner_len = (uint16_t)(n - DP_ETH_HLEN);
	for (uint16_t off = 0; off < inner_len; off = (uint16_t)(off + chunk)) {
		uint32_t fl = dp_ipip_fragment(fr, orig + DP_ETH_HLEN, inner_len, off, chunk, src, dst,
					       4242, DP_IPIP_TTL);
		const uint8_t *o = fr + DP_ETH_HLEN;
		uint16_t field = dp_get_u16(o + 6), plen = (uint16_t)(dp_get_u16(o + 2) - 20);

		assert_true(fl > 0);
		assert_true(dp_get_u16(o + 2) <= mtu);
		assert_int_equal(fl, DP_ETH_HLEN + dp_get_u16(o + 2));
		assert_int_equal(dp_csum(o, 20), 0);
		assert_int_equal(o[9], DP_IPPROTO_IPIP);
		assert_int_equal(dp_get_u16(o + 4), 4242);
		assert_int_equal((field & 0x1fff) * 8, off);
		assert_false(last_seen);
		if (!(field & 0x2000))
			last_seen = true;
		else
			assert_int_equal(plen % 8, 0);
		memcpy(got + off, o + 20, plen);
		total += plen;
		pieces++;
	}
	assert_true(last_seen);
	assert_int_equal(pieces, 3);
	assert_int_equal(total, inner_len);
	assert_memory_equal(got, orig + DP_ETH_HLEN, inner_len);
	assert_int_equal(dp_ipip_fragment(fr, orig + DP_ETH_HLEN, inner_len, inner_len, chunk, src,
					  dst, 1, 64), 0);
	free(orig);
	free(got);
	free(fr);
}

/* ---- "fragmentation needed" ---- */

static void test_frag_needed(void **state)
{
	uint8_t f[1600], out[DP_REPLY_MAX];
	uint32_t n, len;
	struct dp_pkt p;
	const uint8_t *ip4 = out + DP_ETH_HLEN, *icmp = ip4 + 20;

	(void)state;
	n = mk(f, DP_IPPROTO_TCP, "192.0.2.7", 40001, "10.0.0.11", 80, 1460, true);
	parse(f, n, &p);
	len = dp_reply_frag_needed(out, f, &p, 1480, p.dst, 65);
	assert_int_equal(len, DP_ETH_HLEN + 20 + 8 + DP_REPLY_QUOTE_MAX);
	assert_int_equal(ip4[9], DP_IPPROTO_ICMP);
	assert_memory_equal(ip4 + 12, f + DP_ETH_HLEN + 16, 4);   /* from the VIP */
	assert_memory_equal(ip4 + 16, f + DP_ETH_HLEN + 12, 4);   /* to the client */
	assert_int_equal(dp_csum(ip4, 20), 0);
	assert_int_equal(icmp[0], DP_ICMP_UNREACH);
	assert_int_equal(icmp[1], DP_ICMP_FRAG_NEEDED);
	assert_int_equal(dp_get_u16(icmp + 6), 1480);
	assert_int_equal(dp_csum(icmp, len - DP_ETH_HLEN - 20), 0);
	/* the quote starts with the offending header */
	assert_memory_equal(icmp + 8, f + DP_ETH_HLEN, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oneway_lifecycle),
		cmocka_unit_test(test_nat_both_directions),
		cmocka_unit_test(test_nat_owner),
		cmocka_unit_test(test_ipip_encap),
		cmocka_unit_test(test_ipip_fragments),
		cmocka_unit_test(test_frag_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
