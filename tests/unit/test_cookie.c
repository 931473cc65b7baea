/* Unit tests: SYN cookies (dp/cookie.c) — SipHash-2-4 against its paper's
 * vectors; every MSS class, window scale, SACK and timestamp choice round
 * trips; the time slots and a secret's rotation; the key ring across
 * epochs and clock skew between nodes; forged, altered, expired and
 * replayed ACKs refused; IPv6 flows, whose MAC covers the full addresses
 * (two clients whose 24-bit handles collide get different cookies). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/addr6.h"
#include "dp/cookie.h"
#include "addr6_test.h"

static void secret(struct dp_cookie_secret *s, uint8_t seed)
{
	uint8_t k[32];

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(seed * 31 + i * 7);
	dp_cookie_secret_init(s, k);
}

/* An IPv4 flow, its addresses mapped as the SYN proxy gives them. */
static void flow4(struct dp_cookie_flow *f, uint32_t saddr, uint32_t daddr, uint16_t sport,
		  uint16_t dport, uint32_t isn)
{
	dp_ip6_map4(f->saddr, saddr);
	dp_ip6_map4(f->daddr, daddr);
	f->sport = sport;
	f->dport = dport;
	f->isn = isn;
}

static struct dp_cookie_flow flow(void)
{
	struct dp_cookie_flow f;

	flow4(&f, 0x0100000a, 0x0a00000a, 0x3412, 0x5000, 0xdeadbeef);
	return f;
}

static void test_siphash_vectors(void **state)
{
	/* key 00..0f; message 00..07 and 00..0f (the reference's vectors
	 * for 8 and 16 bytes, read as little-endian words) */
	uint64_t k[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint64_t m[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

	(void)state;
	assert_int_equal(dp_cookie_siphash(k, m, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(dp_cookie_siphash(k, m, 1), 0x93f5f5799a932462ull);
	assert_int_equal(dp_cookie_siphash(k, m, 2), 0x3f2acc7f57c29bdbull);
}

static void test_every_option_round_trips(void **state)
{
	struct dp_cookie_secret s;
	struct dp_cookie_flow f = flow();
	uint64_t now = 1700000000123ull;

	(void)state;
	secret(&s, 1);
	for (unsigned m = 0; m < DP_COOKIE_N_MSS; m++)
		for (unsigned ws = 0; ws <= 15; ws++)
			for (unsigned fl = 0; fl < 4; fl++) {
				struct dp_cookie_opts o = { .mss = dp_cookie_mss[m],
							    .ws = (uint8_t)(ws == 15 ? DP_COOKIE_NO_WS : ws),
							    .sackok = fl & 1, .ts = fl >> 1 }, r;
				uint32_t tsv = (uint32_t)now;
				uint32_t c = dp_cookie_make(&s, now, &f, &o, tsv);

				memset(&r, 0xff, sizeof(r));
				assert_int_equal(dp_cookie_check(&s, now + 300, &f, c, o.ts, tsv, &r), 0);
				assert_int_equal(r.mss, o.mss);
				assert_int_equal(r.ws, o.ws);
				assert_int_equal(r.sackok, o.sackok);
				assert_int_equal(r.ts, o.ts);
			}
	/* what a client offers is rounded down to a class */
	assert_int_equal(dp_cookie_mss_round(0), 536);
	assert_int_equal(dp_cookie_mss_round(500), 536);
	assert_int_equal(dp_cookie_mss_round(1459), 1452);
	assert_int_equal(dp_cookie_mss_round(1460), 1460);
	assert_int_equal(dp_cookie_mss_round(9000), 1460);
	assert_int_equal(dp_cookie_mss_round(1399), 1360);
}

static void test_slots_and_rotation(void **state)
{
	struct dp_cookie_secret s, s2;
	struct dp_cookie_flow f = flow();
	struct dp_cookie_opts o = { .mss = 1460, .ws = 7, .sackok = 1, .ts = 0 }, r;
	uint64_t t0 = 64000ull * 1000 + 63999;   /* the last ms of a slot */
	uint32_t c;

	(void)state;
	secret(&s, 1);
	secret(&s2, 2);
	c = dp_cookie_make(&s, t0, &f, &o, 0);
	/* good in its slot and the next */
	assert_int_equal(dp_cookie_check(&s, t0, &f, c, false, 0, &r), 0);
	assert_int_equal(dp_cookie_check(&s, t0 + 1, &f, c, false, 0, &r), 0);
	assert_int_equal(dp_cookie_check(&s, t0 + 64000, &f, c, false, 0, &r), 0);
	/* not two slots later, nor three, four (the slot bits wrap) */
	assert_int_equal(dp_cookie_check(&s, t0 + 64001, &f, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, t0 + 2 * 64000 + 1, &f, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, t0 + 4 * 64000, &f, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, t0 + 5 * 64000, &f, c, false, 0, &r), -EBADMSG);
	/* a new secret does not take the old one's cookies (the data plane
	 * keeps the previous secret for them), nor the reverse */
	assert_int_equal(dp_cookie_check(&s2, t0, &f, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, t0, &f, dp_cookie_make(&s2, t0, &f, &o, 0), false, 0,
					 &r), -EBADMSG);
	/* from a node whose clock is ahead, already in the next slot: good
	 * here within the skew, not beyond */
	c = dp_cookie_make(&s, t0 + 1 + 500, &f, &o, 0);
	assert_int_equal(dp_cookie_check(&s, t0 + 1 + 500 - 1500, &f, c, false, 0, &r), 0);
	assert_int_equal(dp_cookie_check(&s, t0 + 1 - DP_COOKIE_TS_SKEW_MS, &f, c, false, 0, &r), 0);
	assert_int_equal(dp_cookie_check(&s, t0 - DP_COOKIE_TS_SKEW_MS, &f, c, false, 0, &r),
			 -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, t0 + 1 - 64000, &f, c, false, 0, &r), -EBADMSG);
	c = dp_cookie_make(&s, t0, &f, &o, 0);
	/* consecutive slots make different cookies for the same SYN */
	assert_int_not_equal(c, dp_cookie_make(&s, t0 + 1, &f, &o, 0));
}

static void master(uint8_t m[32], uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		m[i] = (uint8_t)(seed * 17 + i * 5);
}

/* A node mints at t_mint with its ring (built at t_mint + skew_mint: its
 * clock is off by that much) and another checks at t_check with its own. */
static int mint_check(const uint8_t m[32], uint64_t t_mint, int64_t skew_mint,
		      uint64_t t_check, int64_t skew_check)
{
	struct dp_cookie_ring a, b;
	struct dp_cookie_flow f = flow();
	struct dp_cookie_opts o = { .mss = 1460, .ws = 7, .sackok = 1, .ts = 0 }, r;
	uint64_t ta = t_mint + (uint64_t)skew_mint, tb = t_check + (uint64_t)skew_check;
	uint32_t c;

	dp_cookie_ring_init(&a, m, ta);
	c = dp_cookie_make(&a.cur, ta, &f, &o, 0);
	dp_cookie_ring_init(&b, m, tb);
	return dp_cookie_ring_check(&b, tb, &f, c, false, 0, &r);
}

static void test_ring_rotation(void **state)
{
	const uint64_t E = DP_COOKIE_ROTATE_MS, S = DP_COOKIE_SLOT_MS;
	const uint64_t start = 1700000000000ull / E * E + E;   /* an epoch's first ms */
	struct dp_cookie_ring r1, r2, r3;
	uint8_t m[32], m2[32];

	(void)state;
	master(m, 1);
	master(m2, 2);
	/* the same master and time: the same ring on every node */
	dp_cookie_ring_init(&r1, m, start + 5);
	dp_cookie_ring_init(&r2, m, start + E - 1);
	assert_memory_equal(&r1, &r2, sizeof(r1));
	/* a new epoch: a new secret, and its prev is the old cur */
	dp_cookie_ring_init(&r3, m, start + E);
	assert_int_equal(r3.epoch, r1.epoch + 1);
	assert_memory_not_equal(&r3.cur, &r1.cur, sizeof(r1.cur));
	assert_memory_equal(&r3.prev, &r1.cur, sizeof(r1.cur));
	assert_memory_equal(&r1.next, &r3.cur, sizeof(r1.cur));
	/* epochs' secrets are not the master's, and another master's differ */
	dp_cookie_ring_init(&r2, m2, start + 5);
	assert_memory_not_equal(&r2.cur, &r1.cur, sizeof(r1.cur));

	/* within an epoch: as a single secret */
	assert_int_equal(mint_check(m, start + 1000, 0, start + 1000 + S, 0), 0);
	/* minted at an epoch's last ms, checked in the next epoch's first slot */
	assert_int_equal(mint_check(m, start + E - 1, 0, start + E + 1, 0), 0);
	assert_int_equal(mint_check(m, start + E - 1, 0, start + E + S - 1, 0), 0);
	/* but not once the cookie's slots are over */
	assert_int_equal(mint_check(m, start + E - 1, 0, start + E + S + 1, 0), -EBADMSG);
	/* nor the epoch before's in the middle of an epoch (an old key's) */
	assert_int_equal(mint_check(m, start + E - 1, 0, start + E + 8 * S, 0), -EBADMSG);
	/* a minting node 1.5 s ahead, already in the next epoch; the checker
	 * still in the old one */
	assert_int_equal(mint_check(m, start + E - 1000, 1500, start + E - 900, 0), 0);
	/* a minting node 1.5 s behind, still in the old epoch; the checker
	 * in the new one */
	assert_int_equal(mint_check(m, start + E + 200, -1500, start + E + 300, 0), 0);
	/* another master's cookies: never */
	{
		struct dp_cookie_ring a, b;
		struct dp_cookie_flow f = flow();
		struct dp_cookie_opts o = { .mss = 536, .ws = DP_COOKIE_NO_WS }, r;

		for (uint64_t t = start - 3 * S; t < start + 3 * S; t += S / 2) {
			dp_cookie_ring_init(&a, m2, t);
			dp_cookie_ring_init(&b, m, t);
			assert_int_equal(dp_cookie_ring_check(&b, t, &f,
							      dp_cookie_make(&a.cur, t, &f, &o, 0),
							      false, 0, &r), -EBADMSG);
			assert_int_equal(dp_cookie_ring_check(&a, t, &f,
							      dp_cookie_make(&a.cur, t, &f, &o, 0),
							      false, 0, &r), 0);
		}
	}
}

static void test_forged_and_altered(void **state)
{
	struct dp_cookie_secret s;
	struct dp_cookie_flow f = flow(), g;
	struct dp_cookie_opts o = { .mss = 1440, .ws = 9, .sackok = 1, .ts = 1 }, r;
	uint64_t now = 1700000000000ull;
	uint32_t tsv = (uint32_t)now, c;
	unsigned seed = 99, ok = 0;

	(void)state;
	secret(&s, 3);
	c = dp_cookie_make(&s, now, &f, &o, tsv);
	assert_int_equal(dp_cookie_check(&s, now, &f, c, true, tsv, &r), 0);
	/* every single bit flipped */
	for (int b = 0; b < 32; b++)
		assert_int_equal(dp_cookie_check(&s, now, &f, c ^ (1u << b), true, tsv, &r), -EBADMSG);
	/* another tuple, another ISN */
	g = f; g.saddr[15] ^= 1;
	assert_int_equal(dp_cookie_check(&s, now, &g, c, true, tsv, &r), -EBADMSG);
	g = f; g.sport ^= 0x100;
	assert_int_equal(dp_cookie_check(&s, now, &g, c, true, tsv, &r), -EBADMSG);
	g = f; g.isn++;
	assert_int_equal(dp_cookie_check(&s, now, &g, c, true, tsv, &r), -EBADMSG);
	/* timestamps: the echo must be ours, present, and young */
	assert_int_equal(dp_cookie_check(&s, now, &f, c, true, tsv + 1, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, now, &f, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, now + DP_COOKIE_TS_AGE_MS, &f, c, true, tsv, &r), 0);
	assert_int_equal(dp_cookie_check(&s, now + DP_COOKIE_TS_AGE_MS + 1, &f, c, true, tsv, &r),
			 -EBADMSG);
	/* blind guesses: 2^-21 each, at most a handful in a million */
	for (int i = 0; i < 1000000; i++)
		ok += dp_cookie_check(&s, now, &f, (uint32_t)rand_r(&seed) << 1 ^ (uint32_t)rand_r(&seed),
				      true, tsv, &r) == 0;
	assert_true(ok <= 5);
}

static void test_replay_refused(void **state)
{
	static uint64_t ent[1024];
	struct dp_cookie_seen t = { ent, 1023 };
	struct dp_cookie_flow f = flow(), g;
	uint64_t now = 5ull * 64000;

	(void)state;
	memset(ent, 0, sizeof(ent));
	assert_false(dp_cookie_seen_check(&t, &f, 0x12345678, now));
	/* the same cookie ACK again: a replay, in its slot and the next */
	assert_true(dp_cookie_seen_check(&t, &f, 0x12345678, now + 10));
	assert_true(dp_cookie_seen_check(&t, &f, 0x12345678, now + 64000));
	/* another cookie or another client is not */
	assert_false(dp_cookie_seen_check(&t, &f, 0x12345679, now));
	g = f;
	g.sport++;
	assert_false(dp_cookie_seen_check(&t, &g, 0x12345678, now));
	/* below the table's size, none is forgotten */
	for (uint32_t i = 0; i < 200; i++) {
		g = f;
		memcpy(g.saddr + 12, &i, 4);
		assert_false(dp_cookie_seen_check(&t, &g, i * 77, now));
	}
	{
		unsigned caught = 0;

		for (uint32_t i = 0; i < 200; i++) {
			g = f;
			memcpy(g.saddr + 12, &i, 4);
			caught += dp_cookie_seen_check(&t, &g, i * 77, now);
		}
		assert_true(caught >= 196);   /* four ways: hardly any bucket overflows */
	}
}

static void test_v6_full_address(void **state)
{
	static const uint8_t vip[16] = { 0xfd, 0, 0, 1, [15] = 0x10 };
	struct dp_cookie_secret s;
	struct dp_cookie_flow f, g, h4;
	struct dp_cookie_opts o = { .mss = 1440, .ws = 7, .sackok = 1, .ts = 0 }, r;
	uint64_t now = 1700000000000ull;
	uint8_t a[16], b[16];
	uint32_t c;

	(void)state;
	secret(&s, 5);
	assert_true(addr6_colliding_pair(a, b));
	assert_int_equal(dp_ip6_handle(a), dp_ip6_handle(b));
	assert_memory_not_equal(a, b, 16);
	memcpy(f.saddr, a, 16);
	memcpy(f.daddr, vip, 16);
	f.sport = 0x3412;
	f.dport = 0x5000;
	f.isn = 0x01020304;
	c = dp_cookie_make(&s, now, &f, &o, 0);
	assert_int_equal(dp_cookie_check(&s, now, &f, c, false, 0, &r), 0);
	assert_int_equal(r.mss, 1440);
	assert_int_equal(r.ws, 7);
	/* the spoofed source with the same handle: refused */
	g = f;
	memcpy(g.saddr, b, 16);
	assert_int_equal(dp_cookie_check(&s, now, &g, c, false, 0, &r), -EBADMSG);
	/* another VIP byte anywhere in the 16: refused */
	for (int i = 0; i < 16; i++) {
		g = f;
		g.daddr[i] ^= 0x40;
		assert_int_equal(dp_cookie_check(&s, now, &g, c, false, 0, &r), -EBADMSG);
	}
	/* an IPv4 flow whose address is the v6 one's last four bytes: its own */
	{
		uint32_t s4, d4;

		memcpy(&s4, a + 12, 4);
		memcpy(&d4, vip + 12, 4);
		flow4(&h4, s4, d4, f.sport, f.dport, f.isn);
	}
	assert_int_equal(dp_cookie_check(&s, now, &h4, c, false, 0, &r), -EBADMSG);
	assert_int_equal(dp_cookie_check(&s, now, &h4, dp_cookie_make(&s, now, &h4, &o, 0), false,
					 0, &r), 0);
	/* the seen filter tells the two colliding clients apart too */
	{
		static uint64_t ent[64];
		struct dp_cookie_seen t = { ent, 63 };

		g = f;
		memcpy(g.saddr, b, 16);
		assert_false(dp_cookie_seen_check(&t, &f, c, now));
		assert_false(dp_cookie_seen_check(&t, &g, c, now));
		assert_true(dp_cookie_seen_check(&t, &f, c, now));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_every_option_round_trips),
		cmocka_unit_test(test_slots_and_rotation),
		cmocka_unit_test(test_ring_rotation),
		cmocka_unit_test(test_forged_and_altered),
		cmocka_unit_test(test_replay_refused),
		cmocka_unit_test(test_v6_full_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
