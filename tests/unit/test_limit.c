/* Unit tests: token buckets of new connections (dp/limit.h): the rate over
 * time, a second's burst, small rates over many lcores, clock wrap; the
 * per-client table: each client its own bucket, bounded memory under a
 * spoofed flood of sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/limit.h"

/* Connections admitted by bucket b offered one every `every_ms` for ms. */
static unsigned run(struct dp_tb *b, uint32_t start, uint32_t ms, uint32_t every_ms, uint32_t rate,
		    uint32_t n)
{
	unsigned ok = 0;

	for (uint32_t t = 0; t < ms; t += every_ms)
		ok += dp_tb_take(b, start + t, rate, n);
	return ok;
}

static void test_bucket(void **state)
{
	struct dp_tb b;
	unsigned ok;

	(void)state;
	/* 100/s on one lcore, offered 1000/s for 10 s: a second's burst then
	 * the rate */
	memset(&b, 0, sizeof(b));
	ok = run(&b, 5, 10000, 1, 100, 1);
	assert_true(ok >= 1090 && ok <= 1101);
	/* its share on 4 lcores: 25/s each */
	memset(&b, 0, sizeof(b));
	ok = run(&b, 5, 10000, 1, 100, 4);
	assert_true(ok >= 270 && ok <= 276);
	/* a rate below the lcore count: 1/s over 16 lcores = one each 16 s */
	memset(&b, 0, sizeof(b));
	ok = run(&b, 5, 64000, 10, 1, 16);
	assert_true(ok >= 4 && ok <= 5);
	/* offered below the rate: all pass */
	memset(&b, 0, sizeof(b));
	assert_int_equal(run(&b, 5, 10000, 20, 100, 1), 500);
	/* the lcore clock wraps */
	memset(&b, 0, sizeof(b));
	ok = run(&b, UINT32_MAX - 5000, 10000, 1, 100, 1);
	assert_true(ok >= 1090 && ok <= 1101);
}

static void test_clients(void **state)
{
	struct dp_client_tab *t = calloc(1, sizeof(*t));
	unsigned a = 0, b = 0, flood = 0;

	(void)state;
	assert_non_null(t);
	t->seed = 0x1234;
	/* two clients at 50/s each, limited to 10/s, for 5 s; and a flood of
	 * a million spoofed sources, one connection each */
	for (uint32_t ms = 1; ms <= 5000; ms++) {
		if (ms % 20 == 0) {
			a += dp_client_take(t, 0x0a000001, 3, ms, 10, 1);
			b += dp_client_take(t, 0x0a000002, 3, ms, 10, 1);
		}
		for (int k = 0; k < 200; k++)
			flood += dp_client_take(t, 0x50000000u + (uint32_t)rand(), 3, ms, 10, 1);
	}
	/* each a second's burst and 10/s: ~50; pushed out by the flood at
	 * times, a client comes back with a full bucket: bounded by the
	 * offered 250 */
	assert_true(a >= 49 && a <= 250);
	assert_true(b >= 49 && b <= 250);
	assert_true(flood > 990000);   /* fresh sources have full buckets */
	/* without a flood the limit is exact */
	memset(t->e, 0, sizeof(t->e));
	a = 0;
	for (uint32_t ms = 1; ms <= 5000; ms++)
		if (ms % 20 == 0) {
			a += dp_client_take(t, 0x0a000001, 3, ms, 10, 1);
			b = dp_client_take(t, 0x0a000001, 4, ms, 1000, 1);   /* another service */
			assert_true(b);
		}
	assert_true(a >= 58 && a <= 61);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
