/* Unit tests: table pressure's lists and victim choice (dp/evict.h):
 * oldest embryonic first, the UDP session idle longest, busy UDP sessions
 * get a second chance, unlinking from the middle keeps the order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/evict.h"

#define N 64

struct ctx {
	uint32_t now;
	uint32_t born[N];     /* embryonic: creation time */
	uint32_t used[N];     /* UDP: last packet */
};

static uint32_t age(void *c, uint32_t i)
{
	struct ctx *x = c;

	return x->now - x->born[i];
}

static uint32_t idle(void *c, uint32_t i)
{
	struct ctx *x = c;

	return x->now - x->used[i];
}

static void test_lists(void **state)
{
	struct dp_evict e;
	struct dp_evict_link mem[N];

	(void)state;
	dp_evict_init(&e, mem, N);
	assert_int_equal(dp_evict_head(&e, DP_EVICT_EMBRYO), DP_EVICT_NIL);
	for (uint32_t i = 0; i < 10; i++)
		dp_evict_push(&e, DP_EVICT_EMBRYO, i);
	dp_evict_unlink(&e, DP_EVICT_EMBRYO, 0);   /* head */
	dp_evict_unlink(&e, DP_EVICT_EMBRYO, 5);   /* middle */
	dp_evict_unlink(&e, DP_EVICT_EMBRYO, 9);   /* tail */
	assert_int_equal(e.list[DP_EVICT_EMBRYO].n, 7);
	{
		uint32_t want[] = { 1, 2, 3, 4, 6, 7, 8 }, k = 0;

		for (uint32_t i = dp_evict_head(&e, 0); i != DP_EVICT_NIL; i = mem[i].next)
			assert_int_equal(i, want[k++]);
		assert_int_equal(k, 7);
	}
	dp_evict_rotate(&e, DP_EVICT_EMBRYO);
	assert_int_equal(dp_evict_head(&e, 0), 2);
	assert_int_equal(e.list[0].tail, 1);
	while (dp_evict_head(&e, 0) != DP_EVICT_NIL)
		dp_evict_unlink(&e, 0, dp_evict_head(&e, 0));
	assert_int_equal(e.list[0].tail, DP_EVICT_NIL);
	assert_int_equal(e.list[0].n, 0);
}

static void test_victims(void **state)
{
	struct dp_evict e;
	struct dp_evict_link mem[N];
	struct ctx x = { .now = 100000 };
	unsigned list;
	uint32_t v;

	(void)state;
	dp_evict_init(&e, mem, N);
	assert_int_equal(dp_evict_victim(&e, &x, age, idle, &list), DP_EVICT_NIL);
	/* a SYN flood: embryonic sessions 0..9, made 1 ms apart */
	for (uint32_t i = 0; i < 10; i++) {
		x.born[i] = 90000 + i;
		dp_evict_push(&e, DP_EVICT_EMBRYO, i);
	}
	/* UDP sessions 20..29: 20, 21 busy (used 10 ms ago), the rest idle
	 * for 20 s, 22 the longest (made first of those) */
	for (uint32_t i = 20; i < 30; i++) {
		x.used[i] = i < 22 ? 99990 : 80000 + i;
		dp_evict_push(&e, DP_EVICT_UDP, i);
	}
	/* embryonic 0 lived 10 s; UDP 22 idle 20 s: the UDP one goes, after
	 * the busy 20 and 21 were sent to the tail */
	v = dp_evict_victim(&e, &x, age, idle, &list);
	assert_int_equal(v, 22);
	assert_int_equal(list, DP_EVICT_UDP);
	assert_int_equal(e.list[DP_EVICT_UDP].tail, 21);
	dp_evict_unlink(&e, list, v);
	/* every idle UDP session younger than the embryonic ones: those go,
	 * oldest first */
	for (uint32_t i = 23; i < 30; i++)
		x.used[i] = 95000;
	for (uint32_t k = 0; k < 10; k++) {
		v = dp_evict_victim(&e, &x, age, idle, &list);
		assert_int_equal(list, DP_EVICT_EMBRYO);
		assert_int_equal(v, k);
		dp_evict_unlink(&e, list, v);
	}
	/* only busy UDP sessions left: the one looked at last goes (a full
	 * table never refuses while something can go) */
	for (uint32_t i = 20; i < 30; i++)
		x.used[i] = 99999;
	v = dp_evict_victim(&e, &x, age, idle, &list);
	assert_int_equal(list, DP_EVICT_UDP);
	assert_true(v >= 20 && v < 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_victims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
