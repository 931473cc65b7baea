/* Unit tests: the local-address allocator (dp/laddr.c) — ports per
 * destination, owner(), the port range, the TIME-WAIT guards and the marks
 * session sync makes. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/laddr.h"

#define LIP1 htonl(0x0a010064)
#define LIP2 htonl(0x0a010065)
#define RIP1 htonl(0x0a01000b)
#define RIP2 htonl(0x0a01000c)
#define RPORT htons(8080)

struct fx {
	struct dp_laddr a;
	void *mem;
};

static void fx_init(struct fx *f, uint32_t slots, uint32_t dests, uint16_t me)
{
	f->mem = aligned_alloc(64, (dp_laddr_memsize(slots, dests) + 63) & ~(size_t)63);
	assert_non_null(f->mem);
	dp_laddr_init(&f->a, f->mem, slots, dests, me, 12345);
}

/* lcore 1 of 3: ports ≡ 1 (mod 3) of both LIPs, each tuple once a cycle,
 * the LIPs taken in turn; owner() agrees. */
static void test_soft_cycle(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 3, .n_lips = 2,
				  .lip = { LIP1, LIP2 } };
	uint8_t *seen = calloc(2 * 65536, 1);
	struct fx f;
	uint32_t lip = 0, pos = 0, prev_lip = 0;
	uint16_t port = 0;

	(void)state;
	fx_init(&f, 64, 4, 1);
	dp_laddr_sync(&f.a, &m);
	/* 1024..65535: 64512 ports, a third each */
	assert_int_equal(dp_laddr_space(&f.a), 2 * 21504);
	for (uint32_t n = 0; n < 2 * 21504; n++) {
		assert_int_equal(dp_laddr_next(&f.a, 2, &lip, &port, &pos), 0);
		assert_true(lip == LIP1 || lip == LIP2);
		assert_true(lip != prev_lip);
		prev_lip = lip;
		assert_int_equal(ntohs(port) % 3, 1);
		assert_true(ntohs(port) >= 1024);
		assert_int_equal(dp_laddr_owner(&m, lip, port), 1);
		assert_int_equal(seen[(lip == LIP2) * 65536 + ntohs(port)]++, 0);
	}
	/* the next cycle starts where this one did */
	{
		uint32_t lip2 = 0;
		uint16_t port2 = 0;

		dp_laddr_next(&f.a, 2, &lip, &port, &pos);
		assert_int_equal(seen[(lip == LIP2) * 65536 + ntohs(port)], 1);
		/* rewind: the same candidate again */
		dp_laddr_rewind(&f.a, 2, pos);
		dp_laddr_next(&f.a, 2, &lip2, &port2, &pos);
		assert_int_equal(lip2, lip);
		assert_int_equal(port2, port);
	}
	/* a destination beyond the cursors, and no LIP: refused */
	assert_int_equal(dp_laddr_next(&f.a, 4, &lip, &port, &pos), -EADDRNOTAVAIL);
	m.n_lips = 0;
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_next(&f.a, 0, &lip, &port, &pos), -EADDRNOTAVAIL);
	free(seen);
	free(f.mem);
}

/* Destinations have cursors of their own: one LIP:lport serves several
 * servers at once, and a server's cycle is not shortened by another's. */
static void test_per_destination(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .lport_min = 2000, .lport_max = 2009 };
	struct fx f;
	uint32_t lip = 0, pos = 0;
	uint16_t a[10] = { 0 }, b[10] = { 0 };

	(void)state;
	fx_init(&f, 64, 2, 0);
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_space(&f.a), 10);
	for (int i = 0; i < 10; i++) {
		dp_laddr_next(&f.a, 0, &lip, &a[i], &pos);
		assert_true(ntohs(a[i]) >= 2000 && ntohs(a[i]) <= 2009);
	}
	/* destination 1 after destination 0 took all ten: still ten to take */
	for (int i = 0; i < 10; i++)
		dp_laddr_next(&f.a, 1, &lip, &b[i], &pos);
	for (int i = 0; i < 10; i++) {
		int hits = 0;

		for (int k = 0; k < 10; k++)
			hits += a[k] == b[i];
		assert_int_equal(hits, 1);   /* the same ten ports, each once */
	}
	free(f.mem);
}

/* Two services in front of one backend ip:port are one destination: their
 * connections take one cursor, so the second never walks into the tuples
 * the first holds; other addresses spread over the cursors. */
static void test_dest_by_address(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .lport_min = 2000, .lport_max = 2099 };
	struct fx f;
	uint32_t lip = 0, pos = 0, d, used[64] = { 0 };
	uint16_t a[100], b;
	unsigned spread = 0;

	(void)state;
	fx_init(&f, 64, 64, 0);
	dp_laddr_sync(&f.a, &m);
	d = dp_laddr_dest(&f.a, RIP1, RPORT);
	assert_true(d < 64);
	assert_int_equal(d, dp_laddr_dest(&f.a, RIP1, RPORT));
	/* "service 1" takes 60 tuples towards RIP1:8080 ... */
	for (int i = 0; i < 60; i++)
		dp_laddr_next(&f.a, dp_laddr_dest(&f.a, RIP1, RPORT), &lip, &a[i], &pos);
	/* ... "service 2" to the same address gets the 40 others, none of the 60 */
	for (int i = 60; i < 100; i++) {
		dp_laddr_next(&f.a, dp_laddr_dest(&f.a, RIP1, RPORT), &lip, &b, &pos);
		for (int k = 0; k < 60; k++)
			assert_int_not_equal(a[k], b);
		a[i] = b;
	}
	/* 1000 servers' addresses land on most of the 64 cursors */
	for (uint32_t i = 0; i < 1000; i++)
		used[dp_laddr_dest(&f.a, htonl(0x0a010000 + i), htons((uint16_t)(8000 + i % 3)))] = 1;
	for (int i = 0; i < 64; i++)
		spread += used[i];
	assert_true(spread >= 60);
	free(f.mem);
}

/* Flow mode: only the LIPs this lcore owns, every port of the range. */
static void test_flow_mode(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_FLOW, .n_lcores = 2, .n_lips = 2,
				  .lip = { LIP1, LIP2 }, .lip_owner = { 1, 0 },
				  .lport_min = 5000, .lport_max = 5099 };
	struct fx f;
	uint32_t lip = 0, pos = 0;
	uint16_t port = 0;

	(void)state;
	fx_init(&f, 64, 1, 0);
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_space(&f.a), 100);
	for (int i = 0; i < 100; i++) {
		dp_laddr_next(&f.a, 0, &lip, &port, &pos);
		assert_int_equal(lip, LIP2);
		assert_int_equal(dp_laddr_owner(&m, lip, port), 0);
	}
	assert_int_equal(dp_laddr_owner(&m, LIP1, htons(5001)), 1);
	/* a range with no port of ours (soft mode, 3 lcores, one port) */
	m.mode = DP_LADDR_SOFT;
	m.n_lcores = 3;
	m.lport_min = m.lport_max = 5002;   /* 5002 % 3 == 2: lcore 2's */
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_space(&f.a), 0);
	free(f.mem);
}

/* A session's end guards its tuple for guard_ms and no longer; another
 * server, port or LIP is not affected; a LIP not ours is not guarded. */
static void test_guard(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .guard_ms = 60000 };
	struct fx f;
	uint32_t now = 0xfffff000u;   /* the lcore clock wraps during the guard */
	uint64_t h;

	(void)state;
	fx_init(&f, 1024, 1, 0);
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(3000), RIP1, RPORT, now), 0);
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(3000), RIP1, RPORT);
	assert_true(dp_laddr_guarded(&f.a, h, LIP1, htons(3000), RIP1, RPORT, now));
	assert_true(dp_laddr_guarded(&f.a, h, LIP1, htons(3000), RIP1, RPORT, now + 59999));
	assert_false(dp_laddr_guarded(&f.a, h, LIP1, htons(3000), RIP1, RPORT, now + 60000));
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(3000), RIP2, RPORT);
	assert_false(dp_laddr_guarded(&f.a, h, LIP1, htons(3000), RIP2, RPORT, now));
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(3001), RIP1, RPORT);
	assert_false(dp_laddr_guarded(&f.a, h, LIP1, htons(3001), RIP1, RPORT, now));
	assert_int_equal(dp_laddr_put(&f.a, LIP2, htons(3000), RIP1, RPORT, now), -ENOENT);
	h = dp_laddr_guard_hash(&f.a, LIP2, htons(3000), RIP1, RPORT);
	assert_false(dp_laddr_guarded(&f.a, h, LIP2, htons(3000), RIP1, RPORT, now));
	/* the same tuple again restarts its guard (one entry, not two) */
	assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(3000), RIP1, RPORT, now + 30000), 0);
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(3000), RIP1, RPORT);
	assert_true(dp_laddr_guarded(&f.a, h, LIP1, htons(3000), RIP1, RPORT, now + 89999));
	/* guard 0: off */
	m.guard_ms = 0;
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(3002), RIP1, RPORT, now), -ENOENT);
	free(f.mem);
}

static void count_guard(void *arg, const struct dp_lguard *g)
{
	(void)g;
	(*(unsigned *)arg)++;
}

/* Marks from session sync: in use until unmarked, a guard of any length,
 * on a LIP that is not ours yet; the walk finds them by LIP. */
static void test_mark_and_walk(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .guard_ms = 1000 };
	struct fx f;
	unsigned n = 0;
	uint64_t h;
	uint32_t from = 0;

	(void)state;
	fx_init(&f, 1024, 1, 0);
	dp_laddr_sync(&f.a, &m);
	h = dp_laddr_guard_hash(&f.a, LIP2, htons(4000), RIP1, RPORT);
	assert_int_equal(dp_laddr_mark(&f.a, LIP2, htons(4000), RIP1, RPORT, DP_LADDR_IN_USE, 5), 0);
	assert_true(dp_laddr_guarded(&f.a, h, LIP2, htons(4000), RIP1, RPORT, 5));
	assert_true(dp_laddr_guarded(&f.a, h, LIP2, htons(4000), RIP1, RPORT, 0x7fffffff));
	/* in use → guarded until 2000 → ended */
	assert_int_equal(dp_laddr_mark(&f.a, LIP2, htons(4000), RIP1, RPORT, 2000, 10), 0);
	assert_true(dp_laddr_guarded(&f.a, h, LIP2, htons(4000), RIP1, RPORT, 1999));
	assert_false(dp_laddr_guarded(&f.a, h, LIP2, htons(4000), RIP1, RPORT, 2000));
	dp_laddr_mark(&f.a, LIP2, htons(4000), RIP1, RPORT, 3000, 10);
	dp_laddr_mark(&f.a, LIP2, htons(4000), RIP1, RPORT, 20, 20);
	assert_false(dp_laddr_guarded(&f.a, h, LIP2, htons(4000), RIP1, RPORT, 20));
	/* walk: three guards of LIP2, one of LIP1, in chunks of 100 slots */
	dp_laddr_mark(&f.a, LIP2, htons(4001), RIP1, RPORT, 500, 20);
	dp_laddr_mark(&f.a, LIP2, htons(4002), RIP1, RPORT, 500, 20);
	dp_laddr_mark(&f.a, LIP2, htons(4003), RIP2, RPORT, DP_LADDR_IN_USE, 20);
	dp_laddr_put(&f.a, LIP1, htons(4001), RIP1, RPORT, 20);
	do
		from = dp_laddr_guards_walk(&f.a, LIP2, from, 100, 30, count_guard, &n);
	while (from);
	assert_int_equal(n, 3);
	n = 0;
	dp_laddr_guards_walk(&f.a, 0, 0, UINT32_MAX, 30, count_guard, &n);
	assert_int_equal(n, 4);
	n = 0;
	dp_laddr_guards_walk(&f.a, LIP2, 0, UINT32_MAX, 600, count_guard, &n);
	assert_int_equal(n, 1);   /* the in-use mark outlives the guards */
	free(f.mem);
}

/* A full table: the guard nearest its end makes room (counted by the
 * caller), an in-use mark never does. */
static void test_guard_full(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .guard_ms = 60000 };
	struct fx f;
	unsigned cut = 0, refused = 0;
	uint64_t h;

	(void)state;
	fx_init(&f, 8, 1, 0);   /* two buckets: every tuple may take all 8 slots */
	dp_laddr_sync(&f.a, &m);
	assert_int_equal(dp_laddr_guard_slots(&f.a), 8);
	for (uint16_t i = 0; i < 8; i++)
		assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(6000 + i), RIP1, RPORT, 100 + i), 0);
	/* the ninth takes the slot of the first (it ends soonest) */
	assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(6100), RIP1, RPORT, 200), 1);
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(6000), RIP1, RPORT);
	assert_false(dp_laddr_guarded(&f.a, h, LIP1, htons(6000), RIP1, RPORT, 200));
	h = dp_laddr_guard_hash(&f.a, LIP1, htons(6001), RIP1, RPORT);
	assert_true(dp_laddr_guarded(&f.a, h, LIP1, htons(6001), RIP1, RPORT, 200));
	/* once they have ended, their slots are free again */
	for (uint16_t i = 0; i < 8; i++)
		assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(7000 + i), RIP1, RPORT, 70000), 0);
	/* in-use marks fill it: nothing more fits, and none is cut */
	for (uint16_t i = 0; i < 12; i++) {
		int rc = dp_laddr_mark(&f.a, LIP1, htons(8000 + i), RIP1, RPORT, DP_LADDR_IN_USE,
				       80000);

		cut += rc == 1;
		refused += rc == -ENOSPC;
	}
	assert_int_equal(cut, 8);
	assert_int_equal(refused, 4);
	free(f.mem);
}

/* One new connection's search as dp/conn.c makes it (guards only, no
 * sessions): true with the tuple's port when a candidate is free. */
static bool pick(struct dp_laddr *a, uint32_t now, uint64_t rnd, uint16_t *port)
{
	uint32_t pos = 0, rewind = UINT32_MAX, soonest = UINT32_MAX, lip = 0;

	for (int t = 0; t < DP_LADDR_TRIES; t++) {
		uint32_t left;

		assert_int_equal(dp_laddr_next(a, 0, &lip, port, &pos), 0);
		left = dp_laddr_guard_left(a, dp_laddr_guard_hash(a, lip, *port, RIP1, RPORT), lip,
					   *port, RIP1, RPORT, now);
		if (!left)
			return true;
		if (left < soonest) {
			soonest = left;
			rewind = pos;
		}
	}
	dp_laddr_missed(a, 0, rewind, soonest, rnd);
	return false;
}

/* Put destination 0's cursor at port (host order) of the one LIP. */
static void cursor_at(struct dp_laddr *a, unsigned port)
{
	uint32_t pos = 0, lip = 0;
	uint16_t p = 0;

	do
		dp_laddr_next(a, 0, &lip, &p, &pos);
	while (ntohs(p) != port);
	dp_laddr_rewind(a, 0, pos);
}

/* New connections until one finds a free port (*port): fewer than 30
 * misses, each with the next random number. */
static void pick_until_free(struct dp_laddr *a, uint32_t now, uint64_t *rnd, uint16_t *port)
{
	unsigned misses = 0;

	while (!pick(a, now, *rnd, port)) {
		misses++;
		*rnd = *rnd * 6364136223846793005ull + 1442695040888963407ull;
		assert_true(misses < 30);
	}
}

/* A cursor inside a band of guards far from their end (a restarted node's
 * random start among the guards its last life left; tuples sync marks in
 * use) gets out in a few misses instead of asking the same eight again
 * until the band ends; a cursor at guards about to end waits for them. */
static void test_cursor_band(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .guard_ms = 60000 };
	uint32_t now = 1000, pos = 0, lip = 0;
	uint64_t rnd = 0x123456789abcdefull;
	uint16_t port, want;
	struct fx f;

	(void)state;
	fx_init(&f, 200000, 1, 0);
	dp_laddr_sync(&f.a, &m);
	/* ports 1024..40999 guarded for a minute, the first 1000 in use */
	for (unsigned p = 1024; p < 41000; p++) {
		if (p < 2024)
			assert_true(dp_laddr_mark(&f.a, LIP1, htons((uint16_t)p), RIP1, RPORT,
						  DP_LADDR_IN_USE, now) >= 0);
		else
			assert_int_equal(dp_laddr_put(&f.a, LIP1, htons((uint16_t)p), RIP1, RPORT,
						      now), 0);
	}
	/* the cursor at port 1500, in the in-use part */
	cursor_at(&f.a, 1500);
	pick_until_free(&f.a, now, &rnd, &port);
	assert_true(ntohs(port) >= 41000);
	/* and the same at a cursor among guards with 59 s to go */
	now += 1000;
	cursor_at(&f.a, 20000);
	pick_until_free(&f.a, now, &rnd, &port);
	assert_true(ntohs(port) >= 41000);
	/* 500 ms before the band's end the cursor, put at its oldest guards,
	 * stays there: the next search starts at the guard that ends first */
	now += 58500;
	cursor_at(&f.a, 2024);
	assert_false(pick(&f.a, now, rnd, &port));
	dp_laddr_next(&f.a, 0, &lip, &want, &pos);
	assert_int_equal(ntohs(want), 2024);
	/* ... which is free once it has ended */
	dp_laddr_rewind(&f.a, 0, pos);
	assert_true(pick(&f.a, now + 500, rnd, &port));
	assert_int_equal(ntohs(port), 2024);
	free(f.mem);
}

/* A restarted node's cursors carry on its last life's walk: the guards
 * coming back by sync put each destination's cursor after the newest of
 * them — not for another LIP's, an older one's, or its own. */
static void test_cursor_follows_marks(void **state)
{
	struct dp_laddr_map m = { .mode = DP_LADDR_SOFT, .n_lcores = 1, .n_lips = 1,
				  .lip = { LIP1 }, .guard_ms = 60000 };
	uint32_t now = 5000, pos = 0, lip = 0;
	uint16_t port = 0;
	struct fx f;

	(void)state;
	fx_init(&f, 100000, 1, 0);
	dp_laddr_sync(&f.a, &m);
	/* the last life's guards, oldest first, arriving in any order */
	for (unsigned p = 1024; p <= 30000; p++) {
		unsigned q = p % 2 ? p : 31024 - p;

		assert_true(dp_laddr_mark(&f.a, LIP1, htons((uint16_t)q), RIP1, RPORT,
					  now + 30000 + q - 1024, now) >= 0);
	}
	dp_laddr_next(&f.a, 0, &lip, &port, &pos);
	assert_int_equal(lip, LIP1);
	assert_int_equal(ntohs(port), 30001);
	/* an older guard, another LIP's, an in-use mark: the cursor stays */
	dp_laddr_rewind(&f.a, 0, pos);
	dp_laddr_mark(&f.a, LIP1, htons(9000), RIP1, RPORT, now + 100, now);
	dp_laddr_mark(&f.a, LIP2, htons(9001), RIP1, RPORT, now + 60000, now);
	dp_laddr_mark(&f.a, LIP1, htons(9002), RIP1, RPORT, DP_LADDR_IN_USE, now);
	dp_laddr_next(&f.a, 0, &lip, &port, &pos);
	assert_int_equal(ntohs(port), 30001);
	/* at the end of the range the next candidate is its start */
	dp_laddr_rewind(&f.a, 0, pos);
	dp_laddr_mark(&f.a, LIP1, htons(65535), RIP1, RPORT, now + 70000, now);
	dp_laddr_next(&f.a, 0, &lip, &port, &pos);
	assert_int_equal(ntohs(port), 1024);
	/* once a session of this life has ended (its own guard), no peer's
	 * mark moves the cursor, older or newer (an echo of one of our
	 * closing sessions would put it among our live tuples) */
	assert_int_equal(dp_laddr_put(&f.a, LIP1, htons(1024), RIP1, RPORT, now + 2000), 0);
	dp_laddr_mark(&f.a, LIP1, htons(12000), RIP1, RPORT, now + 61000, now);
	dp_laddr_mark(&f.a, LIP1, htons(13000), RIP1, RPORT, now + 90000, now);
	dp_laddr_next(&f.a, 0, &lip, &port, &pos);
	assert_int_equal(ntohs(port), 1025);
	free(f.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soft_cycle),
		cmocka_unit_test(test_per_destination),
		cmocka_unit_test(test_dest_by_address),
		cmocka_unit_test(test_flow_mode),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_mark_and_walk),
		cmocka_unit_test(test_guard_full),
		cmocka_unit_test(test_cursor_band),
		cmocka_unit_test(test_cursor_follows_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
