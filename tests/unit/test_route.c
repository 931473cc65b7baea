/* Unit tests: route tables (dp/route.c on rte_lpm): longest-prefix match,
 * connected vs gateway next hops, no route. rte_lpm needs EAL memory, so
 * this test starts a minimal EAL (no hugepages, no devices). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>

#include "dp/route.h"

static int eal_up(void **state)
{
	char prefix[64];
	char *argv[] = { "test_route", "--no-huge", "-m", "200", "--no-pci", prefix,
			 "--log-level=*:error", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=utroute%d", (int)getpid());
	return rte_eal_init(7, argv) < 0 ? -1 : 0;
}

static int eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_lpm(void **state)
{
	struct dp_route_spec r[] = {
		{ ip("10.0.0.0"), 24, 0, 0 },                 /* wan, connected */
		{ ip("10.1.0.0"), 24, 0, 1 },                 /* lan, connected */
		{ ip("0.0.0.0"), 0, ip("10.0.0.1"), 0 },      /* default */
		{ ip("192.168.0.0"), 16, ip("10.1.0.254"), 1 },
		{ ip("192.168.7.0"), 24, ip("10.0.0.254"), 0 },
	};
	struct dp_routes *rt;
	uint16_t port;
	uint32_t nh;

	(void)state;
	assert_int_equal(dp_routes_build("ut_rt1", r, 5, &rt), 0);
	assert_int_equal(dp_routes_lookup(rt, ip("10.0.0.77"), &port, &nh), 0);
	assert_int_equal(port, 0);
	assert_int_equal(nh, ip("10.0.0.77"));           /* on-link: itself */
	assert_int_equal(dp_routes_lookup(rt, ip("10.1.0.11"), &port, &nh), 0);
	assert_int_equal(port, 1);
	assert_int_equal(dp_routes_lookup(rt, ip("8.8.8.8"), &port, &nh), 0);
	assert_int_equal(nh, ip("10.0.0.1"));
	assert_int_equal(dp_routes_lookup(rt, ip("192.168.1.1"), &port, &nh), 0);
	assert_int_equal(nh, ip("10.1.0.254"));
	assert_int_equal(port, 1);
	assert_int_equal(dp_routes_lookup(rt, ip("192.168.7.9"), &port, &nh), 0);
	assert_int_equal(nh, ip("10.0.0.254"));           /* the longer prefix */
	assert_int_equal(port, 0);
	dp_routes_free(rt);

	/* without a default route */
	assert_int_equal(dp_routes_build("ut_rt2", r, 2, &rt), 0);
	assert_int_equal(dp_routes_lookup(rt, ip("8.8.8.8"), &port, &nh), -ENOENT);
	/* a second table under another name lives beside the first */
	{
		struct dp_routes *rt2;

		assert_int_equal(dp_routes_build("ut_rt3", r, 5, &rt2), 0);
		assert_int_equal(dp_routes_lookup(rt2, ip("8.8.8.8"), &port, &nh), 0);
		dp_routes_free(rt2);
	}
	dp_routes_free(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpm),
	};
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
