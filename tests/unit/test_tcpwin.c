/* Unit tests: TCP window tracking (dp/tcpwin.h) — the handshake's ACK,
 * RSTs and FINs in and out of the window, retransmissions and loss
 * upstream, sequence wrap-around, liberal (synced) and one-way sessions,
 * a peer taking a flow over from a sync record (anywhere in the stream),
 * and reading a header with its options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/tcpwin.h"

#define SR 1   /* DP_TCP_SYN_RECV */
#define ES 3   /* DP_TCP_ESTABLISHED */

static struct dp_tcpwin_seg seg(uint32_t seq, uint32_t ack, uint32_t len, uint8_t flags,
				uint16_t win)
{
	struct dp_tcpwin_seg g = { seq, ack, len, win, flags, -1 };

	return g;
}

/* client ISN c, server ISN s, both with window scale 7 */
static void handshake(uint32_t td[2], uint32_t c, uint32_t s)
{
	struct dp_tcpwin_seg g = seg(c, 0, 0, 0x02, 64240);

	memset(td, 0, 2 * sizeof(td[0]));
	g.wscale = 7;
	assert_int_equal(dp_tcpwin_check(td, 0, 0, false, &g), DP_TCPWIN_OK);
	g = seg(s, c + 1, 0, 0x12, 65160);
	g.wscale = 7;
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_OK);
	g = seg(c + 1, s + 1, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_OK);
}

static void test_handshake_ack(void **state)
{
	uint32_t td[2] = { 0, 0 };
	struct dp_tcpwin_seg g = seg(1000, 0, 0, 0x02, 64240);

	(void)state;
	g.wscale = 7;
	dp_tcpwin_check(td, 0, 0, false, &g);
	/* an ACK before the server's SYN-ACK (a blind one): no handshake */
	g = seg(1001, 12345, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_KEEP);
	g = seg(777000, 1001, 0, 0x12, 65160);
	g.wscale = 7;
	dp_tcpwin_check(td, 1, SR, false, &g);
	/* one that guesses the server's ISN wrong */
	g = seg(1001, 777000 + 1 + 70000, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_KEEP);
	/* the real one */
	g = seg(1001, 777001, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_OK);
	/* a server RST in SYN_RECV must acknowledge the client's SYN */
	handshake(td, 5000, 9000);
	g = seg(9001, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_DROP);
	g = seg(9001, 5001 + 100000, 0, 0x14, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_DROP);
	g = seg(9001, 5001, 0, 0x14, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_OK);
	/* one-way (DR): the client's ACK is all there is */
	memset(td, 0, sizeof(td));
	g = seg(1000, 0, 0, 0x02, 64240);
	dp_tcpwin_check(td, 0, 0, true, &g);
	g = seg(1001, 424242, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, true, &g), DP_TCPWIN_OK);
}

static void test_rst_fin_window(void **state)
{
	uint32_t td[2], c = 100, s = 200000;
	struct dp_tcpwin_seg g;

	(void)state;
	handshake(td, c, s);
	/* the server's window: 60000 << 7 ≈ 7.3 MiB */
	g = seg(s + 1, c + 1, 0, 0x10, 60000);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	for (uint32_t i = 0; i < 100; i++) {
		g = seg(c + 1 + i * 1448, s + 1, 1448, 0x18, 502);
		assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	}
	c += 1 + 100 * 1448;   /* the client's next sequence number */
	g = seg(c + 3000000000u, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
	g = seg(c - 200000000u, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
	g = seg(c + 20000000u, 0, 0, 0x01, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
	/* in the window, not at the next number: passed on, session kept */
	g = seg(c + 100000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_KEEP);
	g = seg(c - 60000, 0, 0, 0x14, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_KEEP);
	/* at it: the end */
	g = seg(c, s + 1, 0, 0x14, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	/* a data segment far away is forwarded, not learnt from */
	g = seg(c + 2000000000u, 0, 100, 0x18, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_KEEP);
	g = seg(c, s + 1, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	/* the server's RST: its own space */
	g = seg(s + 1, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s + 1 + 900000000u, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_DROP);
	/* a FIN in order, and its retransmission */
	g = seg(c, s + 1, 0, 0x11, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
}

/* A sender whose segments are lost before mgw 5 % of the time and
 * retransmitted later, some reordered: nothing legitimate is ever dropped
 * and the final FIN and RST count. */
static void test_loss_and_retransmissions(void **state)
{
	uint32_t td[2], c = 0xfff00000u, s = 0x12345678u, next = c + 1, una = c + 1;
	struct dp_tcpwin_seg g;
	unsigned lost = 0, sent = 0;

	(void)state;
	srand(7);
	handshake(td, c, s);
	for (int i = 0; i < 20000; i++) {
		uint32_t len = 1 + (uint32_t)rand() % 1448;
		int r = rand() % 100;

		if (r < 5) {
			lost++;   /* never reaches mgw; sent again from una below */
		} else {
			g = seg(next, s + 1, len, 0x10, 502);
			assert_int_not_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
			sent++;
		}
		next += len;
		if (rand() % 50 == 0) {
			/* a retransmission from the oldest unacknowledged byte */
			g = seg(una, s + 1, (next - una) > 1448 ? 1448 : next - una, 0x10, 502);
			assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
			una = next - (uint32_t)(rand() % 30000);
			if ((int32_t)(una - (c + 1)) < 0)
				una = c + 1;
		}
		/* the server's ACKs (a window of 60000 << 7 ≈ 7.3 MiB) */
		g = seg(s + 1, una, 0, 0x10, 60000);
		assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	}
	assert_true(lost > 500 && sent > 15000);
	/* the sequence space wrapped (ISN near 2^32): the end is found */
	assert_true(next < c);
	g = seg(next - 1, s + 1, 0, 0x10, 502);   /* keepalive: one below */
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(next, s + 1, 0, 0x11, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(next + 1, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(next + 1 + 0x80000000u, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
}

static void test_liberal_and_oneway(void **state)
{
	uint32_t td[2], c = 4000, s = 8000;
	struct dp_tcpwin_seg g;

	(void)state;
	handshake(td, c, s);
	dp_tcpwin_liberal(td);
	/* a synced copy: anything goes until each side is seen again */
	g = seg(c + 1 + 1500000000u, 0, 0, 0x01, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s + 1, 0, 10, 0x10, 509);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	g = seg(c + 1, s + 11, 10, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	/* both seen: strict again, the scales kept (509 << 7 ≈ 64 KiB) */
	g = seg(c + 11 + 900000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
	/* one-way: the server is never seen; a window of 1 MiB instead */
	memset(td, 0, sizeof(td));
	g = seg(c, 0, 0, 0x02, 64240);
	dp_tcpwin_check(td, 0, 0, true, &g);
	g = seg(c + 1, 1, 500, 0x18, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, true, &g), DP_TCPWIN_OK);
	g = seg(c + 501 + 3000000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, true, &g), DP_TCPWIN_DROP);
	g = seg(c + 501 + 300000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, true, &g), DP_TCPWIN_KEEP);
	g = seg(c + 501, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, true, &g), DP_TCPWIN_OK);
	/* no window scaling when the server leaves it out: 65535 at most */
	memset(td, 0, sizeof(td));
	g = seg(c, 0, 0, 0x02, 64240);
	g.wscale = 9;
	dp_tcpwin_check(td, 0, 0, false, &g);
	g = seg(s, c + 1, 0, 0x12, 65535);
	dp_tcpwin_check(td, 1, SR, false, &g);
	assert_int_equal(dp_tcpwin_shift(td[0]), 0);
	g = seg(c + 1 + 200000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
}

/* A peer takes a flow over from a sync record: only the scales travel
 * (dp_tcpwin_scales); its copy is liberal until it sees each side, so the
 * flow's next segments — wherever the owner had got to, retransmissions
 * and reordering included — are never dropped; once both sides are seen
 * a blind RST is dropped again. */
static void test_takeover(void **state)
{
	uint32_t own[2], td[2], c = 0xfffff000u, s = 7000;
	struct dp_tcpwin_seg g;
	uint16_t v;

	(void)state;
	handshake(own, c, s);
	v = dp_tcpwin_scales(own);
	assert_int_equal(v, 0x8888);   /* both seen, shift 7 (nibble 8) */
	memset(td, 0, sizeof(td));
	dp_tcpwin_from_scales(td, v);
	assert_true(dp_tcpwin_is_liberal(td[0]) && dp_tcpwin_is_liberal(td[1]));
	assert_int_equal(dp_tcpwin_shift(td[0]), 7);
	/* the owner went on for 5 MB and 3 MB after its last record (the
	 * sequence numbers wrap): a server retransmission first, then the
	 * client's data out of order, then what was lost */
	g = seg(s + 1 + 3000000 - 20000, c + 1 + 5000000, 1448, 0x10, 509);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	g = seg(c + 1 + 5000000 + 2896, s + 1 + 3000000, 1448, 0x18, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(c + 1 + 5000000, s + 1 + 3000000, 1448, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s + 1 + 3000000, c + 1 + 5000000 + 4344, 1448, 0x10, 509);
	assert_int_equal(dp_tcpwin_check(td, 1, ES, false, &g), DP_TCPWIN_OK);
	/* both sides seen: a blind RST is dropped, the real next one is not */
	g = seg(c + 1 + 5000000 + 4344 + 0x40000000u, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_DROP);
	/* a record arriving later does not undo what this copy learnt */
	dp_tcpwin_from_scales(td, 0x8181);
	assert_int_equal(dp_tcpwin_shift(td[0]), 7);
	g = seg(c + 1 + 5000000 + 4344, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check(td, 0, ES, false, &g), DP_TCPWIN_OK);

	/* taken over mid-handshake (the owner saw SYN and SYN-ACK): the
	 * client's ACK completes it here, and a server RST is not dropped */
	memset(own, 0, sizeof(own));
	g = seg(c, 0, 0, 0x02, 64240);
	g.wscale = 7;
	dp_tcpwin_check(own, 0, 0, false, &g);
	g = seg(s, c + 1, 0, 0x12, 65160);
	g.wscale = 7;
	dp_tcpwin_check(own, 1, SR, false, &g);
	memset(td, 0, sizeof(td));
	dp_tcpwin_from_scales(td, dp_tcpwin_scales(own));
	g = seg(c + 1, s + 1, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_OK);
	memset(td, 0, sizeof(td));
	dp_tcpwin_from_scales(td, dp_tcpwin_scales(own));
	g = seg(s + 1, c + 1, 0, 0x14, 0);
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_OK);
	/* the owner never saw the server (no SYN-ACK yet): that side is
	 * unknown here too, and its SYN-ACK starts it as on the owner */
	memset(own, 0, sizeof(own));
	g = seg(c, 0, 0, 0x02, 64240);
	dp_tcpwin_check(own, 0, 0, false, &g);
	v = dp_tcpwin_scales(own);
	assert_int_equal(v & 0xff00, 0);
	memset(td, 0, sizeof(td));
	dp_tcpwin_from_scales(td, v);
	assert_int_equal(td[1], 0);
	g = seg(s, c + 1, 0, 0x12, 65160);
	assert_int_equal(dp_tcpwin_check(td, 1, SR, false, &g), DP_TCPWIN_OK);
	g = seg(c + 1, s + 1, 0, 0x10, 502);
	assert_int_equal(dp_tcpwin_check(td, 0, SR, false, &g), DP_TCPWIN_OK);
}

/* Takeover at every point of a long bulk transfer with 5 % loss and
 * retransmission upstream: no segment of the real flow is ever dropped
 * by the copy, whatever point it starts from. */
static void test_takeover_anywhere(void **state)
{
	uint32_t own[2], c = 0x7ffff000u, s = 0xfff00000u;
	uint32_t cnext = c + 1, snext = s + 1;
	uint64_t rnd = 88172645463325252ull;
	unsigned dropped = 0, checked = 0;

	(void)state;
	handshake(own, c, s);
	for (unsigned i = 0; i < 4000; i++) {
		uint32_t td[2] = { 0, 0 };
		uint32_t cn = cnext, sn = snext;

		dp_tcpwin_from_scales(td, dp_tcpwin_scales(own));
		for (unsigned k = 0; k < 40; k++) {
			struct dp_tcpwin_seg g;

			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			if (rnd % 100 < 5)
				continue;   /* lost before mgw */
			if (rnd % 7 == 0) {
				/* a retransmission of up to 20 segments back */
				g = seg(cn - 1448 * (uint32_t)(rnd % 20), sn, 1448, 0x10, 502);
			} else {
				g = seg(cn, sn, 1448, 0x18, 502);
				cn += 1448;
			}
			dropped += dp_tcpwin_check(td, 0, ES, false, &g) == DP_TCPWIN_DROP;
			g = seg(sn, cn, 0, 0x10, 509);
			dropped += dp_tcpwin_check(td, 1, ES, false, &g) == DP_TCPWIN_DROP;
			checked += 2;
		}
		{
			struct dp_tcpwin_seg g = seg(cn, sn, 0, 0x11, 502);

			dropped += dp_tcpwin_check(td, 0, ES, false, &g) == DP_TCPWIN_DROP;
			checked++;
		}
		cnext += 100000 + (uint32_t)(rnd % 1000000);
		snext += 1 + (uint32_t)(rnd % 4096);
	}
	assert_true(checked > 100000);
	assert_int_equal(dropped, 0);
}

/* The window's exponent by clz against the plain loop it replaced. */
static void test_exp_of(void **state)
{
	(void)state;
	for (uint64_t w = 0; w < (1ull << 32); w = w * 3 / 2 + 1) {
		for (int k = -1; k <= 1; k++) {
			uint64_t v = (uint64_t)((int64_t)w + k);
			unsigned e = 0;

			while (e < 14 && (1ull << (16 + e)) < v)
				e++;
			assert_int_equal(dp_tcpwin_exp_of(v), e);
		}
	}
	assert_int_equal(dp_tcpwin_exp_of(65535ull << 14), 14);
	assert_int_equal(dp_tcpwin_exp_of(1ull << 17), 1);
	assert_int_equal(dp_tcpwin_exp_of((1ull << 17) + 1), 2);
}

static void test_read_header(void **state)
{
	uint8_t h[40] = { 0 };
	struct dp_tcpwin_seg g;

	(void)state;
	dp_put_u32(h + 4, 0xdeadbeef);
	dp_put_u32(h + 8, 0x01020304);
	h[12] = 10 << 4;      /* 40 bytes of header */
	h[13] = 0x02;
	dp_put_u16(h + 14, 64240);
	/* MSS, SACK-permitted, NOP, window scale 7, then a malformed option */
	memcpy(h + 20, "\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07\x08\x0a", 12);
	dp_tcpwin_read(h, 40 + 100, &g);
	assert_int_equal(g.seq, 0xdeadbeef);
	assert_int_equal(g.ack, 0x01020304);
	assert_int_equal(g.len, 100);
	assert_int_equal(g.win, 64240);
	assert_int_equal(g.wscale, 7);
	/* a scale over 14 counts as 14; an option running past the header
	 * is not read */
	h[29] = 30;
	dp_tcpwin_read(h, 40, &g);
	assert_int_equal(g.wscale, 14);
	h[27] = 1; h[28] = 3; h[29] = 40;
	dp_tcpwin_read(h, 40, &g);
	assert_int_equal(g.wscale, -1);
}

/* A new connection on an old session's tuple (the client's port come
 * round, the old close never seen here): its server's FIN is not dropped
 * as out of the old connection's window; a spoofed SYN changes nothing
 * until the server accepts it. */
static void test_reopen(void **state)
{
	uint32_t td[2], c = 100000, sv = 3000000000u, c2 = 2000000000u, s2 = 12345678;
	uint16_t ro = 0;
	struct dp_tcpwin_seg g;

	(void)state;
	handshake(td, c, sv);
	g = seg(c + 1, sv + 1, 18, 0x18, 502);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, ES, false, &g), DP_TCPWIN_OK);
	/* the old connection's tuple, a SYN from another sequence space */
	g = seg(c2, 0, 0, 0x02, 64240);
	g.wscale = 10;
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, ES, false, &g), DP_TCPWIN_KEEP);
	assert_int_equal(ro, (uint16_t)(c2 + 1));
	/* the old tracking would drop the new server's FIN */
	{
		uint32_t old[2] = { td[0], td[1] };

		g = seg(s2 + 160, c2 + 19, 0, 0x11, 64);
		assert_int_equal(dp_tcpwin_check(old, 1, ES, false, &g), DP_TCPWIN_DROP);
	}
	/* a SYN-ACK for another ISN (spoofed, or the old one's): no reopen */
	g = seg(s2, c2 + 2, 0, 0x12, 65160);
	assert_int_not_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_REOPEN);
	/* the server takes the new connection */
	g = seg(s2, c2 + 1, 0, 0x12, 65160);
	g.wscale = 10;
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_REOPEN);
	assert_int_equal(ro, 0);
	/* the handshake's ACK, the request, the answer and the FIN: all in */
	g = seg(c2 + 1, s2 + 1, 0, 0x10, 63);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, SR, false, &g), DP_TCPWIN_OK);
	g = seg(c2 + 1, s2 + 1, 18, 0x18, 63);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s2 + 1, c2 + 19, 159, 0x18, 64);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s2 + 160, c2 + 19, 0, 0x11, 64);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_OK);
	/* a RST far from the new connection's numbers is still refused */
	g = seg(s2 + 5000000, 0, 0, 0x04, 0);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_DROP);
	/* a peer's copy whose server side this node saw, not its client
	 * side: the client's new SYN starts that side, and the server's
	 * SYN-ACK for it starts the other */
	handshake(td, c, sv);
	dp_tcpwin_liberal(td);
	g = seg(sv + 1, c + 1, 100, 0x18, 64);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_OK);
	ro = 0;
	g = seg(c2, 0, 0, 0x02, 64240);
	g.wscale = 10;
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, ES, false, &g), DP_TCPWIN_OK);
	g = seg(s2, c2 + 1, 0, 0x12, 65160);
	g.wscale = 10;
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_REOPEN);
	g = seg(s2 + 160, c2 + 19, 0, 0x11, 64);
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 1, ES, false, &g), DP_TCPWIN_OK);
	/* a SYN in the window (the first SYN again) is no new connection */
	handshake(td, c, sv);
	ro = 0;
	g = seg(c, 0, 0, 0x02, 64240);
	g.wscale = 7;
	assert_int_equal(dp_tcpwin_check_reopen(td, &ro, 0, SR, false, &g), DP_TCPWIN_OK);
	assert_int_equal(ro, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_ack),
		cmocka_unit_test(test_rst_fin_window),
		cmocka_unit_test(test_loss_and_retransmissions),
		cmocka_unit_test(test_liberal_and_oneway),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_exp_of),
		cmocka_unit_test(test_takeover_anywhere),
		cmocka_unit_test(test_read_header),
		cmocka_unit_test(test_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
