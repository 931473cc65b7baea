/* Timer heap (ordering under push/update/remove against a brute-force
 * model) and the periodic schedule with a fake clock: starts stay on
 * first + k * interval however late the loop runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp/hc_int.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

#define N 500

static void check_heap(const struct cp_hc_heap *hp, struct cp_hc_tnode *nodes, unsigned n)
{
	uint64_t min = UINT64_MAX;
	unsigned i, queued = 0;

	for (i = 0; i < hp->n; i++) {
		assert_int_equal(hp->v[i]->pos, i);
		if (i > 0)
			assert_true(hp->v[(i - 1) / 2]->due <= hp->v[i]->due);
	}
	for (i = 0; i < n; i++) {
		if (nodes[i].pos == CP_HC_HEAP_NONE)
			continue;
		queued++;
		assert_ptr_equal(hp->v[nodes[i].pos], &nodes[i]);
		if (nodes[i].due < min)
			min = nodes[i].due;
	}
	assert_int_equal(queued, hp->n);
	if (queued)
		assert_int_equal(cp_hc_heap_top(hp)->due, min);
	else
		assert_null(cp_hc_heap_top(hp));
}

static void test_heap_random_ops(void **state)
{
	struct cp_hc_tnode nodes[N];
	struct cp_hc_heap hp = { 0 };
	unsigned i, op;

	(void)state;
	for (i = 0; i < N; i++)
		nodes[i].pos = CP_HC_HEAP_NONE;
	assert_int_equal(cp_hc_heap_reserve(&hp, N), 0);
	for (op = 0; op < 20000; op++) {
		struct cp_hc_tnode *x = &nodes[rnd() % N];

		switch (rnd() % 4) {
		case 0:
		case 1:
			cp_hc_heap_update(&hp, x, rnd() % 1000);
			break;
		case 2:
			cp_hc_heap_remove(&hp, x);
			assert_int_equal(x->pos, CP_HC_HEAP_NONE);
			break;
		case 3:
			if (hp.n) { /* pop */
				struct cp_hc_tnode *t = cp_hc_heap_top(&hp);

				cp_hc_heap_remove(&hp, t);
			}
			break;
		}
		if (op % 97 == 0)
			check_heap(&hp, nodes, N);
	}
	check_heap(&hp, nodes, N);
	/* drains in order */
	{
		uint64_t last = 0;

		while (hp.n) {
			struct cp_hc_tnode *t = cp_hc_heap_top(&hp);

			assert_true(t->due >= last);
			last = t->due;
			cp_hc_heap_remove(&hp, t);
		}
	}
	cp_hc_heap_free(&hp);
}

static void test_next_start(void **state)
{
	uint64_t sk;

	(void)state;
	assert_int_equal(cp_hc_next_start(1000, 100, 1000, &sk), 1100);
	assert_int_equal(sk, 0);
	assert_int_equal(cp_hc_next_start(1000, 100, 1099, &sk), 1100);
	assert_int_equal(sk, 0);
	assert_int_equal(cp_hc_next_start(1000, 100, 1100, &sk), 1100);
	assert_int_equal(sk, 0);
	assert_int_equal(cp_hc_next_start(1000, 100, 1101, &sk), 1200);
	assert_int_equal(sk, 1);
	assert_int_equal(cp_hc_next_start(1000, 100, 1350, &sk), 1400);
	assert_int_equal(sk, 3);
	assert_int_equal(cp_hc_next_start(1000, 100, 1400, &sk), 1400);
	assert_int_equal(sk, 3);
}

/*
 * The engine's loop with a fake clock: pop what is due, start it late by a
 * random amount (now and then a long stall), schedule its next start with
 * cp_hc_next_start. Every start must lie on its target's grid (first +
 * k*interval), in order, never before its time, and be late only by what
 * the fake loop added.
 */
struct sim {
	struct cp_hc_tnode tn;
	uint64_t first, interval, last, starts, skipped;
};

static void test_fake_clock_no_drift(void **state)
{
	static struct sim s[N];
	struct cp_hc_heap hp = { 0 };
	uint64_t now = 0, end = 60ull * 1000000000ull, max_lag = 0, popped_last = 0;
	unsigned i;

	(void)state;
	assert_int_equal(cp_hc_heap_reserve(&hp, N), 0);
	for (i = 0; i < N; i++) {
		s[i].tn.pos = CP_HC_HEAP_NONE;
		s[i].interval = (100 + rnd() % 1900) * 1000000ull;
		s[i].first = rnd() % s[i].interval;
		s[i].last = UINT64_MAX;
		cp_hc_heap_update(&hp, &s[i].tn, s[i].first);
	}
	while (now < end) {
		struct cp_hc_tnode *top = cp_hc_heap_top(&hp);
		struct sim *x = (struct sim *)top;
		uint64_t sched = top->due, sk;

		assert_true(sched >= popped_last); /* never out of order */
		popped_last = sched;
		if (now < sched)
			now = sched;                   /* sleep until due */
		now += rnd() % 20000;                  /* up to 20 us of work */
		if (now - sched < 1000000 && rnd() % 5000 == 0)
			now += 3000000000ull;          /* a 3 s stall, not while catching up */
		assert_true(now >= sched);
		assert_int_equal((sched - x->first) % x->interval, 0);
		if (x->last != UINT64_MAX)
			assert_true(sched > x->last);
		x->last = sched;
		x->starts++;
		if (now - sched > max_lag)
			max_lag = now - sched;
		cp_hc_heap_update(&hp, top, cp_hc_next_start(sched, x->interval, now, &sk));
		x->skipped += sk;
	}
	/* Over 60 s each target ran about 60 s / interval times, less skips. */
	for (i = 0; i < N; i++) {
		uint64_t periods = (s[i].last - s[i].first) / s[i].interval + 1;

		assert_int_equal(periods, s[i].starts + s[i].skipped);
	}
	/* late by a stall and the catching up after it, not more */
	assert_true(max_lag >= 3000000000ull && max_lag < 3100000000ull);
	cp_hc_heap_free(&hp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_random_ops),
		cmocka_unit_test(test_next_start),
		cmocka_unit_test(test_fake_clock_no_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
