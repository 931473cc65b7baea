/* Target sets: validation, whole-set replacement keeping the state of
 * unchanged targets, removal (no callback once cp_hc_set returns), the
 * callback's rules. Runs the engine on loopback in a private namespace. */
#include "hc_test_net.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cp/hc.h"

struct rec {
	struct cp_hc *h;
	unsigned calls;           /* atomic */
	unsigned calls_key[64];   /* atomic, by key < 64 */
	int set_rc;               /* what cp_hc_set returned inside the callback */
	int get_rc;
	bool try_reenter;
};

static void on_change(void *arg, uint64_t key, bool up, const char *reason)
{
	struct rec *r = arg;
	struct cp_hc_status st;

	(void)up;
	assert_non_null(reason);
	__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
	if (key < 64)
		__atomic_add_fetch(&r->calls_key[key], 1, __ATOMIC_RELAXED);
	if (r->try_reenter) {
		r->set_rc = cp_hc_set(r->h, NULL, 0);
		r->get_rc = cp_hc_get(r->h, key, &st);
		r->try_reenter = false;
	}
}

static struct cp_hc_target tcp_target(uint64_t key, uint16_t port, uint32_t interval_ms)
{
	struct cp_hc_target t;

	memset(&t, 0, sizeof(t));
	t.key = key;
	t.type = CP_HC_TCP;
	t.dst_ip = LOOP;
	t.dst_port = port;
	t.interval_ms = interval_ms;
	t.timeout_ms = interval_ms / 2;
	t.rise = 1;
	t.fall = 1;
	return t;
}

static unsigned calls_of(struct rec *r, uint64_t key)
{
	return __atomic_load_n(&r->calls_key[key], __ATOMIC_RELAXED);
}

/* Polls until key's status satisfies want (up, checks >= min_checks). */
static bool wait_for(struct cp_hc *h, uint64_t key, bool up, uint64_t min_checks, unsigned ms)
{
	struct cp_hc_status st;

	for (; ms > 0; ms -= 5) {
		if (cp_hc_get(h, key, &st) == 0 && st.up == up && st.checks >= min_checks)
			return true;
		test_sleep_ms(5);
	}
	return false;
}

static void test_validate(void **state)
{
	struct cp_hc_target t = tcp_target(1, 80, 1000), b;
	char msg[128];

	(void)state;
	assert_int_equal(cp_hc_target_validate(&t, msg, sizeof(msg)), 0);
#define BAD(field_expr, word)                                                      \
	do {                                                                       \
		b = t;                                                             \
		field_expr;                                                        \
		msg[0] = 0;                                                        \
		assert_int_equal(cp_hc_target_validate(&b, msg, sizeof(msg)), -EINVAL); \
		assert_non_null(strstr(msg, word));                                \
	} while (0)
	BAD(b.type = (enum cp_hc_type)7, "type");
	BAD(b.dst_ip = 0, "address");
	BAD(b.dst_port = 0, "port");
	BAD(b.interval_ms = 5, "interval_ms");
	BAD(b.interval_ms = CP_HC_INTERVAL_MAX + 1, "interval_ms");
	BAD(b.timeout_ms = 0, "timeout_ms");
	BAD(b.rise = 0, "rise");
	BAD(b.fall = 0, "fall");
	t.type = CP_HC_HTTP;
	t.http_status = 200;
	strcpy(t.path, "/ok");
	assert_int_equal(cp_hc_target_validate(&t, msg, sizeof(msg)), 0);
	BAD(strcpy(b.path, "ok"), "path");
	BAD(strcpy(b.path, "/a b"), "path");
	BAD(strcpy(b.path, "/a\r\nX: y"), "path");
	BAD(memset(b.path, 'a', sizeof(b.path)), "path");
	BAD(strcpy(b.host, "a\nb"), "host");
	BAD(memset(b.host, 'a', sizeof(b.host)), "host");
	BAD(b.http_status = 99, "status");
	BAD(b.http_status = 1000, "status");
	t.type = CP_HC_UDP;
	BAD(b.payload_len = CP_HC_PAYLOAD_MAX + 1, "payload");
	/* none needs nothing else */
	memset(&b, 0, sizeof(b));
	b.type = CP_HC_NONE;
	assert_int_equal(cp_hc_target_validate(&b, msg, sizeof(msg)), 0);
#undef BAD
}

static void test_type_names(void **state)
{
	enum cp_hc_type ty;

	(void)state;
	assert_int_equal(cp_hc_type_parse("http", &ty), 0);
	assert_int_equal(ty, CP_HC_HTTP);
	assert_int_equal(cp_hc_type_parse("icmp", &ty), -EINVAL);
	assert_string_equal(cp_hc_type_name(CP_HC_UDP), "udp");
	assert_string_equal(cp_hc_type_name((enum cp_hc_type)9), "?");
}

static void test_refused_set_changes_nothing(void **state)
{
	struct cp_hc *h;
	struct cp_hc_target t[3] = { tcp_target(1, 80, 1000), tcp_target(2, 81, 1000),
				     tcp_target(1, 82, 1000) };
	struct cp_hc_status st;

	(void)state;
	assert_int_equal(cp_hc_create(NULL, NULL, &h), 0);
	assert_int_equal(cp_hc_get(h, 1, &st), -ENOENT);
	assert_int_equal(cp_hc_set(h, t, 2), 0);
	assert_int_equal(cp_hc_set(h, t, 3), -EINVAL); /* key 1 twice */
	t[1].interval_ms = 0;
	assert_int_equal(cp_hc_set(h, t, 2), -EINVAL);
	assert_int_equal(cp_hc_get(h, 1, &st), 0);
	assert_int_equal(cp_hc_get(h, 2, &st), 0);
	assert_true(st.up);
	assert_int_equal(st.checks, 0);
	assert_int_equal(cp_hc_set(h, NULL, 0), 0);
	assert_int_equal(cp_hc_get(h, 1, &st), -ENOENT);
	cp_hc_destroy(h);
}

static void test_replace_keeps_state(void **state)
{
	struct rec r = { 0 };
	struct cp_hc *h;
	struct cp_hc_status st, st2;
	uint16_t lport = 0;
	int lfd = test_sock(SOCK_STREAM, &lport);
	uint16_t dead = test_closed_port(SOCK_STREAM);
	struct cp_hc_target t[4];

	(void)state;
	assert_true(lfd >= 0);
	t[0] = tcp_target(1, dead, 20);            /* refused: goes down */
	t[1] = tcp_target(2, lport, 20);           /* starts down, comes up */
	t[1].start_down = true;
	memset(&t[2], 0, sizeof(t[2]));            /* none: always up */
	t[2].key = 3;
	t[2].start_down = true;
	assert_int_equal(cp_hc_create(on_change, &r, &h), 0);
	r.h = h;
	assert_int_equal(cp_hc_set(h, t, 3), 0);
	assert_int_equal(cp_hc_get(h, 2, &st), 0);
	assert_false(st.up);
	assert_int_equal(cp_hc_start(h), 0);
	assert_int_equal(cp_hc_start(h), -EALREADY);
	assert_true(wait_for(h, 1, false, 3, 3000));
	assert_true(wait_for(h, 2, true, 3, 3000));
	assert_int_equal(cp_hc_get(h, 3, &st), 0);
	assert_true(st.up);
	assert_int_equal(st.checks, 0);
	assert_int_equal(calls_of(&r, 1), 1);
	assert_int_equal(calls_of(&r, 2), 1);
	assert_int_equal(calls_of(&r, 3), 0);
	assert_int_equal(cp_hc_get(h, 1, &st), 0);
	assert_string_equal(st.last_error, "connect: Connection refused");
	assert_false(st.last_ok);
	assert_int_equal(st.transitions, 1);
	assert_true(st.fall_count >= 3);
	assert_int_equal(st.rise_count, 0);
	assert_true(st.last_check_ms > 1600000000000ull);

	/* Same targets in another order, plus a new one: state carries over. */
	t[3] = t[0];
	t[0] = tcp_target(4, lport, 20);
	assert_int_equal(cp_hc_set(h, t, 4), 0);
	assert_int_equal(cp_hc_get(h, 1, &st2), 0);
	assert_false(st2.up);
	assert_true(st2.checks >= st.checks);
	assert_int_equal(st2.transitions, 1);
	assert_int_equal(cp_hc_get(h, 2, &st2), 0);
	assert_true(st2.up);
	assert_int_equal(st2.transitions, 1);
	assert_true(wait_for(h, 4, true, 2, 3000));
	test_sleep_ms(100);
	assert_int_equal(calls_of(&r, 1), 1);
	assert_int_equal(calls_of(&r, 2), 1);
	assert_int_equal(calls_of(&r, 4), 0);

	/* Key 1 with a changed parameter starts fresh: up (not start_down),
	 * counters at zero; with a 10 s interval no check has run yet. */
	t[3].interval_ms = 10000;
	t[3].timeout_ms = 100;
	t[3].fall = 3;
	assert_int_equal(cp_hc_set(h, t, 4), 0);
	assert_int_equal(cp_hc_get(h, 1, &st2), 0);
	assert_true(st2.up);
	assert_int_equal(st2.transitions, 0);
	assert_true(st2.checks <= 1);

	/* timeout above the interval acts as the interval: same as given equal */
	cp_hc_stop(h);
	cp_hc_destroy(h);
	close(lfd);
}

static void test_removed_get_no_callback(void **state)
{
	struct rec r = { 0 };
	struct cp_hc *h;
	struct cp_hc_target t[40];
	struct cp_hc_status st;
	uint16_t dead = test_closed_port(SOCK_STREAM);
	unsigned i, after;

	(void)state;
	for (i = 0; i < 40; i++)
		t[i] = tcp_target(i, dead, 10);
	assert_int_equal(cp_hc_create(on_change, &r, &h), 0);
	r.h = h;
	assert_int_equal(cp_hc_set(h, t, 40), 0);
	assert_int_equal(cp_hc_start(h), 0);
	/* Half way through the first round: some have flipped, some not yet. */
	test_sleep_ms(5);
	assert_int_equal(cp_hc_set(h, t, 20), 0);
	after = __atomic_load_n(&r.calls, __ATOMIC_RELAXED);
	for (i = 20; i < 40; i++)
		assert_int_equal(cp_hc_get(h, i, &st), -ENOENT);
	test_sleep_ms(100);
	for (i = 20; i < 40; i++)
		assert_true(calls_of(&r, i) <= 1);
	/* only the 20 kept ones may still report */
	assert_true(__atomic_load_n(&r.calls, __ATOMIC_RELAXED) <= after + 20);
	{
		unsigned late = 0;

		for (i = 20; i < 40; i++)
			late += calls_of(&r, i);
		/* what the removed ones reported, they reported before set returned */
		assert_true(late <= after);
	}
	for (i = 0; i < 20; i++)
		assert_true(wait_for(h, i, false, 1, 3000));
	/* emptied: nothing is checked any more */
	assert_int_equal(cp_hc_set(h, NULL, 0), 0);
	after = __atomic_load_n(&r.calls, __ATOMIC_RELAXED);
	test_sleep_ms(50);
	assert_int_equal(__atomic_load_n(&r.calls, __ATOMIC_RELAXED), after);
	cp_hc_destroy(h); /* stops the thread itself */
}

static void test_callback_reentry(void **state)
{
	struct rec r = { 0 };
	struct cp_hc *h;
	struct cp_hc_target t = tcp_target(7, test_closed_port(SOCK_STREAM), 20);
	struct cp_hc_stats s;
	uint64_t hb;

	(void)state;
	assert_int_equal(cp_hc_create(on_change, &r, &h), 0);
	r.h = h;
	r.try_reenter = true;
	r.set_rc = 1;
	assert_int_equal(cp_hc_set(h, &t, 1), 0);
	assert_int_equal(cp_hc_start(h), 0);
	assert_true(wait_for(h, 7, false, 1, 3000));
	test_sleep_ms(20);
	assert_int_equal(r.set_rc, -EDEADLK);
	assert_int_equal(r.get_rc, 0);
	hb = cp_hc_heartbeat(h);
	test_sleep_ms(300);
	assert_true(cp_hc_heartbeat(h) > hb);
	cp_hc_stats(h, &s);
	assert_int_equal(s.targets, 1);
	assert_true(s.checks_started >= 1);
	/* stop, then start again: state kept, checks go on */
	cp_hc_stop(h);
	cp_hc_stop(h);
	assert_int_equal(cp_hc_start(h), 0);
	assert_true(wait_for(h, 7, false, 3, 3000));
	cp_hc_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_refused_set_changes_nothing),
		cmocka_unit_test(test_replace_keeps_state),
		cmocka_unit_test(test_removed_get_no_callback),
		cmocka_unit_test(test_callback_reentry),
	};

	test_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
