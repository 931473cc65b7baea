/* Unit tests: a service's source ACL (cp/acl.c builds, dp/acl.h looks up)
 * against a naive longest-prefix scan: hand-made cases (nesting, deny
 * winning a tie, the default with and without an allow list), random
 * prefix sets small and dense, and 100,000 prefixes (memory and build time
 * printed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cp/acl.h"

static uint64_t rnd_state = 88172645463325252ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)rnd_state;
}

static struct cp_prefix pfx(uint32_t a, uint8_t plen)
{
	struct cp_prefix p = { plen ? a & 0xffffffffu << (32 - plen) : 0, plen };

	return p;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void check_against_naive(const struct cp_prefix *al, unsigned na, const struct cp_prefix *de,
				unsigned nd, unsigned probes)
{
	struct dp_acl *t;

	assert_int_equal(cp_acl_build(al, na, de, nd, &t), 0);
	for (unsigned i = 0; i < probes; i++) {
		uint32_t a;

		/* random addresses, and ones at the edges of the prefixes */
		if (i % 3 || na + nd == 0) {
			a = rnd();
		} else {
			const struct cp_prefix *p = (i / 3) % (na + nd) < na ? &al[(i / 3) % (na + nd)]
									    : &de[(i / 3) % (na + nd) - na];
			uint64_t size = 1ull << (32 - p->plen);

			a = (uint32_t)(p->addr + (i % 2 ? 0 : size - 1) + (i % 5 == 0 ? size : 0));
		}
		if (dp_acl_denied(t, a) != cp_acl_naive_denied(al, na, de, nd, a))
			fail_msg("address %08x: table %d, naive %d", a, dp_acl_denied(t, a),
				 cp_acl_naive_denied(al, na, de, nd, a));
	}
	cp_acl_free(t);
}

static void test_cases(void **state)
{
	struct cp_prefix al[] = { pfx(0, 0), pfx(IP(10, 1, 2, 0), 24), pfx(IP(192, 0, 2, 7), 32) };
	struct cp_prefix de[] = { pfx(IP(10, 0, 0, 0), 8), pfx(IP(192, 0, 2, 7), 32),
				  pfx(IP(255, 255, 255, 255), 32) };
	struct dp_acl *t;

	(void)state;
	assert_int_equal(cp_acl_build(al, 3, de, 3, &t), 0);
	assert_false(dp_acl_denied(t, IP(8, 8, 8, 8)));       /* allow 0/0 */
	assert_true(dp_acl_denied(t, IP(10, 9, 9, 9)));       /* deny 10/8 */
	assert_false(dp_acl_denied(t, IP(10, 1, 2, 200)));    /* allow 10.1.2/24 inside it */
	assert_true(dp_acl_denied(t, IP(192, 0, 2, 7)));      /* both: deny wins */
	assert_false(dp_acl_denied(t, IP(192, 0, 2, 8)));
	assert_true(dp_acl_denied(t, 0xffffffffu));           /* the last address */
	assert_false(dp_acl_denied(t, 0));
	cp_acl_free(t);
	/* only a deny list: the rest allowed; only an allow list: the rest
	 * refused; neither: all allowed */
	check_against_naive(NULL, 0, de, 3, 3000);
	check_against_naive(al + 1, 2, NULL, 0, 3000);
	check_against_naive(NULL, 0, NULL, 0, 300);
}

static void random_set(struct cp_prefix *p, unsigned n, uint32_t base, uint8_t min_len, uint8_t spread)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t plen = (uint8_t)(min_len + rnd() % (33u - min_len));

		p[i] = pfx(base ? base | (rnd() & ((1u << spread) - 1)) : rnd(), plen);
	}
}

static void test_random(void **state)
{
	struct cp_prefix al[400], de[400];

	(void)state;
	for (int round = 0; round < 30; round++) {
		unsigned na = rnd() % 400, nd = rnd() % 400;

		random_set(al, na, 0, 1 + round % 24, 0);
		random_set(de, nd, 0, 1 + round % 24, 0);
		check_against_naive(al, na, de, nd, 20000);
	}
	/* dense: everything in one /16 and one /24 (the second index level
	 * and the worst case search) */
	for (int round = 0; round < 10; round++) {
		unsigned na = 200 + rnd() % 200, nd = 200 + rnd() % 200;

		random_set(al, na, IP(172, 16, 0, 0), 16, round < 5 ? 16 : 8);
		random_set(de, nd, IP(172, 16, 0, 0), 16, round < 5 ? 16 : 8);
		check_against_naive(al, na, de, nd, 20000);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_100k(void **state)
{
	unsigned n = 100000, nd = 50000;
	struct cp_prefix *p = malloc(n * sizeof(*p));
	struct dp_acl *t;
	double t0, t1, t2;
	unsigned denied = 0, probes = 10000000;

	(void)state;
	assert_non_null(p);
	/* a block list's shape: /16../32, mostly /24 and /32 */
	for (unsigned i = 0; i < n; i++) {
		uint32_t r = rnd() % 10;
		uint8_t plen = r < 4 ? 32 : r < 8 ? 24 : (uint8_t)(16 + rnd() % 17);

		p[i] = pfx(rnd(), plen);
	}
	t0 = now_s();
	assert_int_equal(cp_acl_build(p, n - nd, p + (n - nd), nd, &t), 0);
	t1 = now_s();
	for (unsigned i = 0; i < probes; i++)
		denied += dp_acl_denied(t, rnd());
	t2 = now_s();
	printf("   acl of %u prefixes: %u segments, %u second-level nodes, %.2f MB, built in %.1f ms; "
	       "lookup %.1f ns (%u of %u random sources refused)\n",
	       n, t->n_seg, t->n_nodes, cp_acl_memsize(t) / 1e6, (t1 - t0) * 1e3,
	       (t2 - t1) * 1e9 / probes, denied, probes);
	for (unsigned i = 0; i < 2000; i++) {
		uint32_t a = i % 2 ? rnd() : p[rnd() % n].addr + (rnd() & 0xff);

		assert_int_equal(dp_acl_denied(t, a), cp_acl_naive_denied(p, n - nd, p + (n - nd), nd, a));
	}
	cp_acl_free(t);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
