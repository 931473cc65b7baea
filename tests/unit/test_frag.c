/* Unit tests: per-lcore fragment tracking (dp/frag.c) — records found,
 * renewed and expired by time (across the 32-bit ms wrap), full sets
 * giving up the record closest to expiry, held fragments released in
 * arrival order by key, timed out, flushed, and a full hold list; IPv6
 * keys apart from IPv4's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/frag.h"

static struct dp_frag_key key(uint32_t src, uint16_t id)
{
	struct dp_frag_key k = { .src = src, .dst = 0x0a00000a, .id = id, .proto = 17 };

	return k;
}

static struct dp_frag_tab *table(void)
{
	struct dp_frag_tab *t = calloc(1, sizeof(*t));   /* zeroed = empty */

	assert_non_null(t);
	return t;
}

static void test_record_lifetime(void **state)
{
	struct dp_frag_tab *t = table();
	struct dp_frag_key k = key(1, 7), other = key(1, 8);
	uint32_t now = 0xffffff00u;   /* wraps during the test */
	struct dp_frag_rec *r;

	(void)state;
	assert_null(dp_frag_find(t, &k, now));
	r = dp_frag_add(t, &k, now);
	r->kind = DP_FRAG_LOCAL;
	r->dst = 42;
	assert_ptr_equal(dp_frag_find(t, &k, now + 10), r);
	assert_null(dp_frag_find(t, &other, now + 10));
	/* the same key with another protocol or destination is another datagram */
	other = k;
	other.proto = 6;
	assert_null(dp_frag_find(t, &other, now + 10));
	other = k;
	other.dst++;
	assert_null(dp_frag_find(t, &other, now + 10));
	/* an IPv6 datagram's key (handles, a 32-bit id) is apart from an
	 * IPv4 one of the same numbers, and all 32 bits of its id count */
	other = k;
	other.v6 = 1;
	assert_null(dp_frag_find(t, &other, now + 10));
	other = k;
	other.id |= 0x10000;
	assert_null(dp_frag_find(t, &other, now + 10));
	/* each hit renews it: alive long after the first TTL */
	for (uint32_t ms = 0; ms < 3 * DP_FRAG_TTL_MS; ms += DP_FRAG_TTL_MS / 2)
		assert_ptr_equal(dp_frag_find(t, &k, now + ms), r);
	now += 3 * DP_FRAG_TTL_MS;
	/* idle for a TTL: gone */
	assert_ptr_equal(dp_frag_find(t, &k, now), r);
	assert_null(dp_frag_find(t, &k, now + DP_FRAG_TTL_MS));
	/* added again: a fresh record */
	r = dp_frag_add(t, &k, now);
	assert_int_equal(r->kind, DP_FRAG_FREE);
	assert_int_equal(r->dst, 0);
	free(t);
}

static void test_add_same_key_reuses(void **state)
{
	struct dp_frag_tab *t = table();
	struct dp_frag_key k = key(9, 9);
	struct dp_frag_rec *a, *b;

	(void)state;
	a = dp_frag_add(t, &k, 100);
	a->kind = DP_FRAG_OWNER;
	a->owner = 3;
	b = dp_frag_add(t, &k, 200);
	assert_ptr_equal(a, b);
	assert_int_equal(b->kind, DP_FRAG_FREE);   /* the caller fills it anew */
	assert_int_equal(t->evicted, 0);
	free(t);
}

static void test_full_set_evicts_soonest(void **state)
{
	struct dp_frag_tab *t = table();
	struct dp_frag_key keys[4096];
	unsigned n = 0, live = 0;

	(void)state;
	/* Far more datagrams than records, all live: the table holds what
	 * fits and counts what it gave up; the newest is always there. */
	for (uint32_t i = 0; i < 4096; i++) {
		struct dp_frag_rec *r;

		keys[n] = key(0x0b000000 + i, (uint16_t)i);
		r = dp_frag_add(t, &keys[n], 1000);
		r->kind = DP_FRAG_LOCAL;
		assert_non_null(dp_frag_find(t, &keys[n], 1000));
		n++;
	}
	for (unsigned i = 0; i < n; i++)
		live += dp_frag_find(t, &keys[i], 1000) != NULL;
	assert_true(live <= DP_FRAG_SETS * DP_FRAG_WAYS);
	assert_true(live > DP_FRAG_SETS * DP_FRAG_WAYS / 2);
	assert_int_equal(t->evicted, 4096 - live);
	/* a set's expired records are taken before a live one is evicted */
	{
		uint64_t ev = t->evicted;
		uint32_t later = 1000 + DP_FRAG_TTL_MS;
		struct dp_frag_key k = key(77, 77);

		dp_frag_add(t, &k, later)->kind = DP_FRAG_LOCAL;
		assert_int_equal(t->evicted, ev);
	}
	free(t);
}

static void test_hold_and_take(void **state)
{
	struct dp_frag_tab *t = table();
	struct dp_frag_key a = key(1, 1), b = key(2, 2);
	struct dp_frag_held out[DP_FRAG_HOLD];
	int tag[8];

	(void)state;
	assert_int_equal(dp_frag_hold(t, &tag[0], &a, 0, 0, 10), 0);
	assert_int_equal(dp_frag_hold(t, &tag[1], &b, 1, 1, 11), 0);
	assert_int_equal(dp_frag_hold(t, &tag[2], &a, 2, 0, 12), 0);
	assert_int_equal(dp_frag_hold(t, &tag[3], &b, 3, 0, 13), 0);
	assert_int_equal(t->n_held, 4);
	/* a's, in arrival order, with what was held with them */
	assert_int_equal(dp_frag_take(t, &a, out, DP_FRAG_HOLD), 2);
	assert_ptr_equal(out[0].pkt, &tag[0]);
	assert_ptr_equal(out[1].pkt, &tag[2]);
	assert_int_equal(out[1].port, 2);
	assert_int_equal(t->n_held, 2);
	assert_int_equal(dp_frag_take(t, &a, out, DP_FRAG_HOLD), 0);
	/* b's remain in order */
	assert_ptr_equal(t->held[0].pkt, &tag[1]);
	assert_int_equal(t->held[0].redirected, 1);
	assert_ptr_equal(t->held[1].pkt, &tag[3]);
	/* a limited take leaves the rest */
	assert_int_equal(dp_frag_take(t, &b, out, 1), 1);
	assert_ptr_equal(out[0].pkt, &tag[1]);
	assert_int_equal(t->n_held, 1);
	free(t);
}

static void test_hold_expiry_and_full(void **state)
{
	struct dp_frag_tab *t = table();
	struct dp_frag_held out[DP_FRAG_HOLD];
	struct dp_frag_key k = key(5, 5);
	uint32_t t0 = 0xfffffff0u;   /* deadlines wrap */
	int tag;

	(void)state;
	for (unsigned i = 0; i < DP_FRAG_HOLD; i++)
		assert_int_equal(dp_frag_hold(t, &tag, &k, 0, 0, t0 + i), 0);
	assert_int_equal(dp_frag_hold(t, &tag, &k, 0, 0, t0), -ENOSPC);
	assert_int_equal(dp_frag_take_expired(t, t0 + DP_FRAG_HOLD_MS - 1, 0, out, DP_FRAG_HOLD), 0);
	assert_int_equal(dp_frag_take_expired(t, t0 + DP_FRAG_HOLD_MS, 0, out, DP_FRAG_HOLD), 1);
	assert_int_equal(dp_frag_take_expired(t, t0 + DP_FRAG_HOLD_MS + 9, 0, out, DP_FRAG_HOLD), 9);
	assert_int_equal(t->n_held, DP_FRAG_HOLD - 10);
	assert_int_equal(dp_frag_take_expired(t, t0, 1, out, DP_FRAG_HOLD), DP_FRAG_HOLD - 10);
	assert_int_equal(t->n_held, 0);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_lifetime),
		cmocka_unit_test(test_add_same_key_reuses),
		cmocka_unit_test(test_full_set_evicts_soonest),
		cmocka_unit_test(test_hold_and_take),
		cmocka_unit_test(test_hold_expiry_and_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
