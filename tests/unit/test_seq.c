/* Unit tests: a session's TCP sequence-space translation (dp/seq.c) —
 * seq/ack by the PROXY header's length and the SYN proxy's offsets, SACK
 * blocks and timestamps, windows, across wrap-around and for
 * retransmissions; bytes inserted in front of the payload and among the
 * options (TOA), with a full option space; every checksum recomputed
 * whole to check the incremental update. */
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
#include "dp/pkt.h"
#include "dp/seq.h"
#include "dp/toa.h"
#include "sum6_test.h"

#define HEAD 128   /* room in front of a frame, like an mbuf's headroom */

struct frame {
	uint8_t buf[HEAD + 2048];
	uint8_t *f;
	uint32_t len;
	struct dp_pkt p;
};

/* A TCP segment with options opt (olen bytes, a multiple of 4) and
 * payload bytes. */
static void build_tcp(struct frame *fr, uint32_t seq, uint32_t ack, uint8_t flags,
		      const uint8_t *opt, uint32_t olen, uint32_t payload, unsigned *seed)
{
	uint8_t *f = fr->buf + HEAD, *ip = f + 14, *t = ip + 20;
	uint32_t tot = 20 + 20 + olen + payload;
	enum dp_drop why;
	uint16_t c;

	memset(fr->buf, 0xee, sizeof(fr->buf));
	memset(f, 0, 14 + tot);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = DP_IPPROTO_TCP;
	dp_put_u32(ip + 12, 0xc0a80001);
	dp_put_u32(ip + 16, 0x0a00000a);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	dp_put_u16(t, 40000);
	dp_put_u16(t + 2, 80);
	dp_put_u32(t + 4, seq);
	dp_put_u32(t + 8, ack);
	t[12] = (uint8_t)((20 + olen) / 4 << 4);
	t[13] = flags;
	dp_put_u16(t + 14, 1000);
	if (olen)
		memcpy(t + 20, opt, olen);
	for (uint32_t i = 0; i < payload; i++)
		t[20 + olen + i] = seed ? (uint8_t)rand_r(seed) : (uint8_t)(i * 13 + 1);
	{
		uint8_t ph[12];

		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = DP_IPPROTO_TCP;
		dp_put_u16(ph + 10, (uint16_t)(tot - 20));
		c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, tot - 20, dp_csum_partial(ph, 12, 0)));
		memcpy(t + 16, &c, 2);
	}
	fr->f = f;
	fr->len = 14 + tot;
	assert_int_equal(dp_pkt_parse_ipv4(f, fr->len, 14, true, &fr->p, &why), 0);
}

/* The whole L4 checksum, recomputed: 0xffff when it is right. */
static uint16_t l4_sum(const uint8_t *f, const struct dp_pkt *p)
{
	const uint8_t *ip = f + p->l3_off;
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = p->proto;
	dp_put_u16(ph + 10, p->l4_len);
	return dp_csum_fold(dp_csum_partial(f + p->l4_off, p->l4_len, dp_csum_partial(ph, 12, 0)));
}

static bool ip_ok(const uint8_t *f, const struct dp_pkt *p)
{
	return dp_csum(f + p->l3_off, 20) == 0 && dp_get_u16(f + p->l3_off + 2) == p->ip_len;
}

static uint8_t *tcp_of(struct frame *fr)
{
	return fr->f + fr->p.l4_off;
}

static uint32_t hlen_of(struct frame *fr)
{
	return (uint32_t)(tcp_of(fr)[12] >> 4) * 4;
}

static void x_hdr(struct dp_sess_x *x, uint32_t a, int32_t l, uint16_t more)
{
	memset(x, 0, sizeof(*x));
	x->isn = a;
	x->seq_in = l;
	x->xflags = (uint16_t)(DP_SEQ_X_HDR | more);
}

/* NOP NOP TS(val, ecr) */
static uint32_t opt_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = o[1] = DP_TCPOPT_NOP;
	o[2] = DP_TCPOPT_TS;
	o[3] = 10;
	dp_put_u32(o + 4, val);
	dp_put_u32(o + 8, ecr);
	return 12;
}

static void test_seq_in_shift_and_wrap(void **state)
{
	struct dp_sess_x x;
	struct frame fr;
	uint32_t a = 0xfffffff0u;

	(void)state;
	x_hdr(&x, a, 28, 0);
	/* past A, across 2^32 */
	build_tcp(&fr, a + 100, 5000, DP_TCP_ACK, NULL, 0, 200, NULL);
	dp_seq_in(tcp_of(&fr), 20, &x, DP_SEQ_HDR_RULES);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), (uint32_t)(a + 128));
	assert_true(dp_get_u32(tcp_of(&fr) + 4) < 0x100);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), 5000);   /* the server's space is not shifted */
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* the handshake's ACK at A (first_data): the header has not gone */
	build_tcp(&fr, a, 5000, DP_TCP_ACK, NULL, 0, 0, NULL);
	assert_false(dp_seq_hdr_here(&x, a, 0, DP_TCP_ACK));
	dp_seq_in(tcp_of(&fr), 20, &x, DP_SEQ_HDR_RULES);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), a);
	/* the SYN (A - 1) never moves */
	build_tcp(&fr, a - 1, 0, DP_TCP_SYN, NULL, 0, 0, NULL);
	dp_seq_in(tcp_of(&fr), 20, &x, DP_SEQ_HDR_RULES);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), a - 1);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
}

static void test_hdr_here_and_retransmissions(void **state)
{
	struct dp_sess_x x;
	uint32_t a = 1000;

	(void)state;
	x_hdr(&x, a, 47, 0);
	/* the first data segment, and its retransmission, take the header */
	assert_true(dp_seq_hdr_here(&x, a, 100, DP_TCP_ACK | DP_TCP_PSH));
	assert_true(dp_seq_hdr_here(&x, a, 300, DP_TCP_ACK));
	/* a FIN without data at A: the server still gets the header first */
	assert_true(dp_seq_hdr_here(&x, a, 0, DP_TCP_ACK | DP_TCP_FIN));
	assert_false(dp_seq_hdr_here(&x, a, 0, DP_TCP_RST));
	assert_false(dp_seq_hdr_here(&x, a + 100, 100, DP_TCP_ACK));
	/* on_connect: the handshake's ACK carries it */
	x.xflags |= DP_SEQ_X_ON_CONNECT;
	assert_true(dp_seq_hdr_here(&x, a, 0, DP_TCP_ACK));
	/* once the server acknowledged it, a retransmission at A is shifted */
	x.xflags |= DP_SEQ_X_HDR_ACKED;
	assert_false(dp_seq_hdr_here(&x, a, 100, DP_TCP_ACK));
	{
		struct frame fr;

		build_tcp(&fr, a, 1, DP_TCP_ACK, NULL, 0, 100, NULL);
		dp_seq_in(tcp_of(&fr), 20, &x, DP_SEQ_HDR_RULES);
		assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), a + 47);
		assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	}
	/* no header configured: never */
	memset(&x, 0, sizeof(x));
	x.isn = a;
	assert_false(dp_seq_hdr_here(&x, a, 100, DP_TCP_ACK));
}

static void test_seq_out_ack_clamp_and_acked(void **state)
{
	struct dp_sess_x x;
	struct frame fr;
	uint32_t a = 0xffffffe0u;
	const uint32_t l = 56;

	(void)state;
	x_hdr(&x, a, (int32_t)l, 0);
	/* the SYN-ACK acks A: unchanged */
	build_tcp(&fr, 7, a, DP_TCP_SYN | DP_TCP_ACK, NULL, 0, 0, NULL);
	assert_false(dp_seq_out(tcp_of(&fr), 20, &x));
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), a);
	/* part of the header: none of the client's bytes */
	build_tcp(&fr, 8, a + 20, DP_TCP_ACK, NULL, 0, 0, NULL);
	assert_false(dp_seq_out(tcp_of(&fr), 20, &x));
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), a);
	assert_false(x.xflags & DP_SEQ_X_HDR_ACKED);
	/* the header and 10 bytes, across 2^32 */
	build_tcp(&fr, 8, a + l + 10, DP_TCP_ACK, NULL, 0, 50, NULL);
	assert_true(dp_seq_out(tcp_of(&fr), 20, &x));
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), a + 10);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), 8);
	assert_true(x.xflags & DP_SEQ_X_HDR_ACKED);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* once set it is no change */
	build_tcp(&fr, 58, a + l + 20, DP_TCP_ACK, NULL, 0, 0, NULL);
	assert_false(dp_seq_out(tcp_of(&fr), 20, &x));
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), a + 20);
	/* a RST without ACK: its ack field is not a number to move */
	build_tcp(&fr, 58, 12345, DP_TCP_RST, NULL, 0, 0, NULL);
	dp_seq_out(tcp_of(&fr), 20, &x);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), 12345);
}

/* SACK blocks at an odd offset (one NOP before them) and aligned. */
static void test_sack_both_ways(void **state)
{
	uint8_t o[40];
	struct dp_sess_x x;
	struct frame fr;
	uint32_t a = 0xfffff000u, l = 28;

	(void)state;
	for (int odd = 0; odd < 2; odd++) {
		uint32_t n = 0;

		memset(o, 0, sizeof(o));
		if (odd)
			o[n++] = DP_TCPOPT_NOP;
		else
			o[n++] = DP_TCPOPT_NOP, o[n++] = DP_TCPOPT_NOP;
		o[n++] = DP_TCPOPT_SACK;
		o[n++] = 2 + 3 * 8;
		for (int b = 0; b < 3; b++) {
			dp_put_u32(o + n, a + l + 1000u * (uint32_t)(b + 1));
			dp_put_u32(o + n + 4, a + l + 1000u * (uint32_t)(b + 1) + 500);
			n += 8;
		}
		while (n % 4)
			o[n++] = DP_TCPOPT_EOL;
		/* server → client: client-space edges are − L */
		x_hdr(&x, a, (int32_t)l, DP_SEQ_X_HDR_ACKED);
		build_tcp(&fr, 1, a + l, DP_TCP_ACK, o, n, 0, NULL);
		{
			struct dp_tcp_opts so;

			assert_int_equal(dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so), 0);
			assert_int_equal(so.sack, odd ? 21 : 22);
			assert_int_equal(so.sack_n, 3);
			dp_seq_out(tcp_of(&fr), hlen_of(&fr), &x);
			for (int b = 0; b < 3; b++) {
				const uint8_t *e = tcp_of(&fr) + so.sack + 2 + 8 * b;

				assert_int_equal(dp_get_u32(e), a + 1000u * (uint32_t)(b + 1));
				assert_int_equal(dp_get_u32(e + 4), a + 1000u * (uint32_t)(b + 1) + 500);
			}
		}
		assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);

		/* client → server under a SYN proxy: the server's space is −
		 * seq_out */
		memset(&x, 0, sizeof(x));
		x.xflags = DP_SEQ_X_SP;
		x.seq_out = (int32_t)0x80000123;
		build_tcp(&fr, 1, 77, DP_TCP_ACK, o, n, 0, NULL);
		{
			struct dp_tcp_opts so;
			uint32_t before[6];

			dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so);
			for (int b = 0; b < 6; b++)
				before[b] = dp_get_u32(tcp_of(&fr) + so.sack + 2 + 4 * b);
			dp_seq_in(tcp_of(&fr), hlen_of(&fr), &x, DP_SEQ_HDR_RULES);
			for (int b = 0; b < 6; b++)
				assert_int_equal(dp_get_u32(tcp_of(&fr) + so.sack + 2 + 4 * b),
						 before[b] - 0x80000123u);
			assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), 77u - 0x80000123u);
		}
		assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	}
}

static void test_timestamps_and_windows(void **state)
{
	uint8_t o[12];
	struct dp_sess_x x;
	struct frame fr;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.xflags = DP_SEQ_X_SP | DP_SEQ_X_TS | DP_SEQ_X_WIN | DP_SEQ_X_WIN_IN;
	x.xflags = DP_SEQ_X_SET_INSHIFT(x.xflags, 2);
	x.seq_out = 1000;
	x.ts_delta = (int32_t)0xfffffff0;   /* wraps */
	x.wscale = DP_SEQ_WS(7, 9);         /* server scales by 7, the client reads by 9 */
	/* server → client: TSval + delta, TSecr as it is, seq + seq_out */
	build_tcp(&fr, 0xfffffff0u, 5, DP_TCP_ACK, o, opt_ts(o, 100, 200), 10, NULL);
	dp_seq_out(tcp_of(&fr), hlen_of(&fr), &x);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), 0xfffffff0u + 1000u);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 20 + 4), 100u + 0xfffffff0u);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 20 + 8), 200);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 14), (1000u << 7) >> 9);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* client → server: TSecr − delta, window << 2 */
	build_tcp(&fr, 1, 2000, DP_TCP_ACK, o, opt_ts(o, 300, 100u + 0xfffffff0u), 0, NULL);
	dp_seq_in(tcp_of(&fr), hlen_of(&fr), &x, DP_SEQ_HDR_RULES);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 20 + 4), 300);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 20 + 8), 100);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), 1000);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 14), 4000);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* a window that rounds to nothing stays open; a big one is capped */
	x.wscale = DP_SEQ_WS(0, 14);
	build_tcp(&fr, 1, 2, DP_TCP_ACK, NULL, 0, 0, NULL);
	dp_seq_out(tcp_of(&fr), 20, &x);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 14), 1);
	x.wscale = DP_SEQ_WS(14, 0);
	build_tcp(&fr, 1, 2, DP_TCP_ACK, NULL, 0, 0, NULL);
	dp_seq_out(tcp_of(&fr), 20, &x);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 14), 0xffff);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* waiting for the server's SYN-ACK: nothing translates yet */
	x.xflags |= DP_SEQ_X_SP_WAIT;
	build_tcp(&fr, 1, 2000, DP_TCP_ACK, o, opt_ts(o, 300, 400), 0, NULL);
	dp_seq_in(tcp_of(&fr), hlen_of(&fr), &x, DP_SEQ_HDR_RULES);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), 2000);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + 28), 400);
}

/* Random segments, random translations: the checksum always checks out
 * and every field went where the rules say. */
static void test_random_against_recompute(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int it = 0; it < 20000; it++) {
		uint8_t o[40];
		uint32_t n = 0, ts_at = 0, sack_at = 0;
		struct dp_sess_x x;
		struct frame fr;
		uint32_t seq = (uint32_t)rand_r(&seed) * 2654435761u, ack = (uint32_t)rand_r(&seed) << 7;
		uint8_t flags = (uint8_t)(DP_TCP_ACK | (rand_r(&seed) & DP_TCP_PSH));
		bool in = rand_r(&seed) & 1;
		uint32_t pay = (uint32_t)rand_r(&seed) % 1400;

		/* random NOP padding: fields at odd offsets too */
		while (rand_r(&seed) % 3 == 0 && n < 4)
			o[n++] = DP_TCPOPT_NOP;
		if (rand_r(&seed) & 1) {
			ts_at = 20 + n;
			o[n] = DP_TCPOPT_TS;
			o[n + 1] = 10;
			dp_put_u32(o + n + 2, (uint32_t)rand_r(&seed));
			dp_put_u32(o + n + 6, (uint32_t)rand_r(&seed));
			n += 10;
		}
		if (rand_r(&seed) & 1) {
			sack_at = 20 + n;
			o[n] = DP_TCPOPT_SACK;
			o[n + 1] = 2 + 8 * 2;
			for (int b = 0; b < 4; b++)
				dp_put_u32(o + n + 2 + 4 * b, (uint32_t)rand_r(&seed));
			n += 18;
		}
		while (n % 4)
			o[n++] = DP_TCPOPT_NOP;
		build_tcp(&fr, seq, ack, flags, o, n, pay, &seed);
		memset(&x, 0, sizeof(x));
		x.isn = seq - (uint32_t)(rand_r(&seed) % 3);
		x.seq_in = (int32_t)(rand_r(&seed) % 108);
		x.seq_out = (int32_t)((uint32_t)rand_r(&seed) << 1);
		x.ts_delta = (int32_t)((uint32_t)rand_r(&seed) << 3);
		x.xflags = (uint16_t)(DP_SEQ_X_HDR | DP_SEQ_X_SP | DP_SEQ_X_TS |
				      (rand_r(&seed) & 1 ? DP_SEQ_X_HDR_ACKED : 0));
		{
			uint32_t tsv = ts_at ? dp_get_u32(tcp_of(&fr) + ts_at + 2) : 0;
			uint32_t tse = ts_at ? dp_get_u32(tcp_of(&fr) + ts_at + 6) : 0;
			uint32_t s0 = sack_at ? dp_get_u32(tcp_of(&fr) + sack_at + 2) : 0;

			if (in) {
				bool shift = dp_seq_lt(x.isn, seq) ||
					     (seq == x.isn && (x.xflags & DP_SEQ_X_HDR_ACKED));

				dp_seq_in(tcp_of(&fr), hlen_of(&fr), &x, DP_SEQ_HDR_RULES);
				assert_int_equal(dp_get_u32(tcp_of(&fr) + 4),
						 shift ? seq + (uint32_t)x.seq_in : seq);
				assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), ack - (uint32_t)x.seq_out);
				if (ts_at) {
					assert_int_equal(dp_get_u32(tcp_of(&fr) + ts_at + 2), tsv);
					assert_int_equal(dp_get_u32(tcp_of(&fr) + ts_at + 6),
							 tse - (uint32_t)x.ts_delta);
				}
				if (sack_at)
					assert_int_equal(dp_get_u32(tcp_of(&fr) + sack_at + 2),
							 s0 - (uint32_t)x.seq_out);
			} else {
				struct dp_sess_x x0 = x;

				dp_seq_out(tcp_of(&fr), hlen_of(&fr), &x);
				assert_int_equal(dp_get_u32(tcp_of(&fr) + 4), seq + (uint32_t)x.seq_out);
				assert_int_equal(dp_get_u32(tcp_of(&fr) + 8), dp_seq_hdr_back(&x0, ack));
				if (ts_at)
					assert_int_equal(dp_get_u32(tcp_of(&fr) + ts_at + 2),
							 tsv + (uint32_t)x.ts_delta);
				if (sack_at)
					assert_int_equal(dp_get_u32(tcp_of(&fr) + sack_at + 2),
							 dp_seq_hdr_back(&x0, s0));
			}
		}
		assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	}
}

/* A PROXY header in front of the payload: odd and even lengths, the
 * payload never read (a corrupt segment stays corrupt). */
static void test_grow_payload(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int it = 0; it < 4000; it++) {
		uint8_t o[12], ins[108], before[2048];
		struct frame fr;
		uint32_t pay = (uint32_t)rand_r(&seed) % 1460, n = 1 + (uint32_t)rand_r(&seed) % 107;
		uint32_t olen = (rand_r(&seed) & 1) ? opt_ts(o, 1, 2) : 0;
		uint32_t hl;
		bool corrupt = rand_r(&seed) % 8 == 0;

		build_tcp(&fr, 1000, 2000, DP_TCP_ACK | DP_TCP_PSH, o, olen, pay, &seed);
		if (corrupt && pay)
			tcp_of(&fr)[20 + olen] ^= 0x40;
		for (uint32_t i = 0; i < n; i++)
			ins[i] = (uint8_t)rand_r(&seed);
		hl = hlen_of(&fr);
		memcpy(before, fr.f, fr.len);
		assert_int_equal(dp_seq_grow(fr.f - n, &fr.p, hl, ins, n, false), 0);
		fr.f -= n;
		fr.len += n;
		assert_true(ip_ok(fr.f, &fr.p));
		assert_int_equal(fr.p.l4_len, 20 + olen + n + pay);
		/* the headers moved as they were (but for lengths and sums) */
		assert_memory_equal(fr.f, before, 14);
		assert_memory_equal(tcp_of(&fr), before + 34, 16);
		assert_memory_equal(tcp_of(&fr) + 20, before + 34 + 20, hl - 20);
		assert_memory_equal(tcp_of(&fr) + hl, ins, n);
		assert_memory_equal(tcp_of(&fr) + hl + n, before + 34 + hl, pay);
		if (corrupt && pay)
			assert_int_not_equal(l4_sum(fr.f, &fr.p), 0xffff);
		else
			assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	}
}

/* IPv6's TOA (kind 254, length 20: the port, the 16-byte address) after
 * the timestamps, found again by the option walk; no room beside 24 bytes
 * of options. */
static void test_grow_option_toa6(void **state)
{
	static const uint8_t a6[16] = { 0xfd, 0, 0, 1, [14] = 0xbe, [15] = 0xef };
	uint8_t o[40], toa[DP_TOA6_LEN];
	struct frame fr;
	struct dp_tcp_opts so;

	(void)state;
	assert_int_equal(dp_toa_opt(toa, 0, a6, htons(40000)), DP_TOA6_LEN);
	assert_int_equal(toa[0], 254);
	assert_int_equal(toa[1], 20);
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, opt_ts(o, 5, 6), 700, NULL);
	dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so);
	assert_int_equal(dp_seq_grow(fr.f - 20, &fr.p, so.end, toa, 20, true), 0);
	fr.f -= 20;
	assert_int_equal(hlen_of(&fr), 52);
	assert_int_equal(dp_seq_opts(tcp_of(&fr), 52, &so), 0);
	assert_int_equal(so.toa, 32);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + so.toa + 2), 40000);
	assert_memory_equal(tcp_of(&fr) + so.toa + 4, a6, 16);
	assert_true(ip_ok(fr.f, &fr.p));
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	/* 24 bytes of options: 44 would not fit */
	memset(o, DP_TCPOPT_NOP, sizeof(o));
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, 24, 10, NULL);
	assert_int_equal(dp_seq_grow(fr.f - 20, &fr.p, 44, toa, 20, true), -EINVAL);
}

/* TOA among the options: after the timestamps; before an EOL; refused
 * when the 40 bytes are full. */
static void test_grow_option_toa(void **state)
{
	uint8_t o[40], toa[8];
	struct frame fr;
	struct dp_tcp_opts so;

	(void)state;
	assert_int_equal(dp_toa_opt(toa, htonl(0xc0a80001), NULL, htons(40000)), 8);
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, opt_ts(o, 5, 6), 700, NULL);
	dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so);
	assert_int_equal(dp_seq_grow(fr.f - 8, &fr.p, so.end, toa, 8, true), 0);
	fr.f -= 8;
	assert_int_equal(hlen_of(&fr), 40);
	assert_int_equal(dp_seq_opts(tcp_of(&fr), 40, &so), 0);
	assert_int_equal(so.toa, 32);
	assert_int_equal(so.ts, 22);
	assert_int_equal(dp_get_u16(tcp_of(&fr) + so.toa + 2), 40000);
	assert_int_equal(dp_get_u32(tcp_of(&fr) + so.toa + 4), 0xc0a80001);
	assert_true(ip_ok(fr.f, &fr.p));
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	assert_int_equal(tcp_of(&fr)[40], 1);   /* the payload's first byte, untouched */

	/* MSS, NOP, EOL...: TOA goes before the EOL (at an odd offset) */
	memset(o, 0, sizeof(o));
	o[0] = DP_TCPOPT_MSS; o[1] = 4; dp_put_u16(o + 2, 1460);
	o[4] = DP_TCPOPT_NOP;
	o[5] = DP_TCPOPT_EOL;
	build_tcp(&fr, 1, 0, DP_TCP_SYN, o, 8, 0, NULL);
	dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so);
	assert_int_equal(so.end, 25);
	assert_int_equal(dp_seq_grow(fr.f - 8, &fr.p, so.end, toa, 8, true), 0);
	fr.f -= 8;
	assert_int_equal(dp_seq_opts(tcp_of(&fr), hlen_of(&fr), &so), 0);
	assert_int_equal(so.toa, 25);
	assert_int_equal(so.mss, 20);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);

	/* a full option space (40 bytes): no room, the segment unchanged */
	memset(o, DP_TCPOPT_NOP, sizeof(o));
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, 40, 10, NULL);
	{
		uint8_t copy[200];

		memcpy(copy, fr.f, fr.len);
		assert_int_equal(dp_seq_grow(fr.f - 8, &fr.p, 60, toa, 8, true), -EINVAL);
		assert_memory_equal(copy, fr.f, fr.len);
	}
	/* 36 bytes: 44 would not fit either */
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, 36, 10, NULL);
	assert_int_equal(dp_seq_grow(fr.f - 8, &fr.p, 56, toa, 8, true), -EINVAL);
	/* 32: fits exactly */
	build_tcp(&fr, 1, 2, DP_TCP_ACK, o, 32, 10, NULL);
	assert_int_equal(dp_seq_grow(fr.f - 8, &fr.p, 52, toa, 8, true), 0);
	fr.f -= 8;
	assert_int_equal(hlen_of(&fr), 60);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
}

static void test_grow_udp(void **state)
{
	uint8_t f0[HEAD + 600], ins[28];
	struct dp_pkt p;
	enum dp_drop why;

	(void)state;
	for (int zero = 0; zero < 2; zero++) {
		uint8_t *f = f0 + HEAD, *ip = f + 14, *u = ip + 20;
		uint16_t c;

		memset(f0, 0, sizeof(f0));
		dp_put_u16(f + 12, DP_ETH_P_IPV4);
		ip[0] = 0x45;
		dp_put_u16(ip + 2, 20 + 8 + 101);
		ip[8] = 64;
		ip[9] = DP_IPPROTO_UDP;
		dp_put_u32(ip + 12, 0x01020304);
		dp_put_u32(ip + 16, 0x05060708);
		c = dp_csum(ip, 20);
		memcpy(ip + 10, &c, 2);
		dp_put_u16(u, 5353);
		dp_put_u16(u + 2, 53);
		dp_put_u16(u + 4, 8 + 101);
		for (int i = 0; i < 101; i++)
			u[8 + i] = (uint8_t)(i * 3);
		assert_int_equal(dp_pkt_parse_ipv4(f, 14 + 129, 14, true, &p, &why), 0);
		if (!zero) {
			uint8_t ph[12];

			memcpy(ph, ip + 12, 8);
			ph[8] = 0;
			ph[9] = DP_IPPROTO_UDP;
			dp_put_u16(ph + 10, 109);
			c = (uint16_t)~dp_csum_fold(dp_csum_partial(u, 109, dp_csum_partial(ph, 12, 0)));
			memcpy(u + 6, &c, 2);
		}
		for (int i = 0; i < 28; i++)
			ins[i] = (uint8_t)(0xa0 + i);
		assert_int_equal(dp_seq_grow(f - 28, &p, 8, ins, 28, false), 0);
		f -= 28;
		u = f + p.l4_off;
		assert_int_equal(dp_get_u16(u + 4), 8 + 28 + 101);
		assert_true(ip_ok(f, &p));
		if (zero)
			assert_int_equal(dp_get_u16(u + 6), 0);   /* no checksum stays none */
		else
			assert_int_equal(l4_sum(f, &p), 0xffff);
		assert_memory_equal(u + 8, ins, 28);
		assert_int_equal(u[8 + 28 + 100], (uint8_t)300);
	}
}

static void test_mss_sub(void **state)
{
	uint8_t o[8] = { DP_TCPOPT_MSS, 4, 0x05, 0xb4, DP_TCPOPT_NOP, DP_TCPOPT_WS, 3, 7 };
	struct frame fr;

	(void)state;
	build_tcp(&fr, 1, 2, DP_TCP_SYN | DP_TCP_ACK, o, 8, 0, NULL);
	assert_true(dp_seq_mss_sub(tcp_of(&fr), hlen_of(&fr), 56));
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 22), 1460 - 56);
	assert_int_equal(l4_sum(fr.f, &fr.p), 0xffff);
	o[2] = 0x02;
	o[3] = 0x20;   /* 544 */
	build_tcp(&fr, 1, 2, DP_TCP_SYN | DP_TCP_ACK, o, 8, 0, NULL);
	assert_true(dp_seq_mss_sub(tcp_of(&fr), hlen_of(&fr), 56));
	assert_int_equal(dp_get_u16(tcp_of(&fr) + 22), 536);
	build_tcp(&fr, 1, 2, DP_TCP_SYN | DP_TCP_ACK, NULL, 0, 0, NULL);
	assert_false(dp_seq_mss_sub(tcp_of(&fr), 20, 56));
}

static void test_opts_malformed(void **state)
{
	uint8_t t[60];
	struct dp_tcp_opts o;

	(void)state;
	memset(t, 0, sizeof(t));
	t[20] = DP_TCPOPT_TS;
	t[21] = 10;
	t[30] = 99;
	t[31] = 0;   /* length 0: stop */
	assert_int_equal(dp_seq_opts(t, 40, &o), -EBADMSG);
	assert_int_equal(o.ts, 20);
	t[31] = 20;  /* past the header */
	assert_int_equal(dp_seq_opts(t, 40, &o), -EBADMSG);
	t[30] = DP_TCPOPT_NOP;   /* the last byte a kind without room for its length */
	memset(t + 30, DP_TCPOPT_NOP, 9);
	t[39] = DP_TCPOPT_MSS;
	assert_int_equal(dp_seq_opts(t, 40, &o), -EBADMSG);
	assert_int_equal(dp_seq_opts(t, 61, &o), -EBADMSG);
}

/* The same over IPv6 (FULLNAT v6, NAT64: the PROXY header of a v6
 * client): the payload length grows, there is no header checksum, and the
 * TCP checksum over the new pseudo-header holds to a full recompute. */
static void test_grow6(void **state)
{
	unsigned seed = 11;

	(void)state;
	for (int it = 0; it < 2000; it++) {
		uint8_t buf[2300], *f = buf + 200, *ip = f + 14, *t = ip + 40, ins[108];
		uint32_t pay = (uint32_t)rand_r(&seed) % 1400, n = 1 + (uint32_t)rand_r(&seed) % 107;
		uint32_t l4n = 20 + pay;
		struct dp_pkt6 p6;
		struct dp_pkt p;
		enum dp_drop why;
		uint16_t c;

		memset(f, 0, 14 + 40 + 20);
		dp_put_u16(f + 12, DP_ETH_P_IPV6);
		dp_put_u32(ip, 6u << 28);
		dp_put_u16(ip + 4, (uint16_t)l4n);
		ip[6] = DP_IPPROTO_TCP;
		ip[7] = 64;
		for (int i = 8; i < 40; i++)
			ip[i] = (uint8_t)rand_r(&seed);
		dp_put_u16(t, 40000);
		dp_put_u16(t + 2, 80);
		dp_put_u32(t + 4, (uint32_t)rand_r(&seed));
		t[12] = 5 << 4;
		t[13] = DP_TCP_ACK | DP_TCP_PSH;
		for (uint32_t i = 0; i < pay; i++)
			t[20 + i] = (uint8_t)rand_r(&seed);
		c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, l4n, dp_csum_pseudo6(ip + 8, ip + 24, l4n,
								       DP_IPPROTO_TCP)));
		memcpy(t + 16, &c, 2);
		for (uint32_t i = 0; i < n; i++)
			ins[i] = (uint8_t)rand_r(&seed);
		assert_int_equal(dp_pkt_parse_ipv6(f, 14 + 40 + l4n, 14, &p6, &why), 0);
		dp_pkt_from6(f, &p6, &p);
		assert_int_equal(dp_seq_grow(f - n, &p, 20, ins, n, false), 0);
		f -= n;
		ip = f + 14;
		assert_ptr_equal(p.a6, ip + 8);
		assert_int_equal(dp_get_u16(ip + 4), l4n + n);
		assert_int_equal(p.l4_len, l4n + n);
		assert_memory_equal(ip + 40 + 20, ins, n);
		assert_int_equal(sum6_slow_nh(ip, DP_IPPROTO_TCP), 0xffff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_in_shift_and_wrap),
		cmocka_unit_test(test_hdr_here_and_retransmissions),
		cmocka_unit_test(test_seq_out_ack_clamp_and_acked),
		cmocka_unit_test(test_sack_both_ways),
		cmocka_unit_test(test_timestamps_and_windows),
		cmocka_unit_test(test_random_against_recompute),
		cmocka_unit_test(test_grow_payload),
		cmocka_unit_test(test_grow6),
		cmocka_unit_test(test_grow_option_toa),
		cmocka_unit_test(test_grow_option_toa6),
		cmocka_unit_test(test_grow_udp),
		cmocka_unit_test(test_mss_sub),
		cmocka_unit_test(test_opts_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
