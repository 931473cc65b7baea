/* Unit tests: the schedulers' pickers (dp/sched.c) — rr, smooth wrr, lc/wlc
 * pick rules, table picks with fallback and overload thresholds — and the
 * persistence templates (dp/persist.c). No EAL. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cp/maglev.h"
#include "dp/persist.h"
#include "dp/sched.h"

#define MAXS 64

struct fixture {
	struct dp_service svc;
	struct dp_server rs[MAXS];
	uint64_t usable[MAXS / 64 + 1];
	struct dp_rs_stats st[MAXS];
	uint32_t cursor;
	uint32_t *table;
	uint8_t ovl[MAXS];
};

/* The wrr cycle, dealt by the control plane's builder as cp/snap.c does. */
static void wrr_table(struct fixture *f)
{
	struct cp_mh_server ms[MAXS];
	uint32_t n = f->svc.n_servers, size;

	for (uint32_t i = 0; i < n; i++)
		ms[i] = (struct cp_mh_server){ .ip = ntohl(f->rs[i].ip),
					       .port = ntohs(f->rs[i].port),
					       .weight = f->rs[i].weight };
	size = cp_wrr_size(ms, n);
	assert_true(size > 0);
	free(f->table);
	f->table = malloc(size * sizeof(uint32_t));
	assert_non_null(f->table);
	assert_int_equal(cp_wrr_build(ms, n, f->table, size), 0);
	f->svc.table = f->table;
	f->svc.table_size = size;
}

static void setup(struct fixture *f, const uint32_t *weights, unsigned n, uint8_t sched)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < n; i++) {
		f->rs[i].ip = htonl(0x0a010000 + i);
		f->rs[i].port = htons(80);
		f->rs[i].weight = weights[i];
		f->rs[i].id = i;
		if (dp_server_usable(&f->rs[i]))
			f->usable[i / 64] |= 1ull << (i % 64);
	}
	f->svc.servers = f->rs;
	f->svc.n_servers = n;
	f->svc.sched = sched;
	f->svc.usable = f->usable;
}

static void test_rr_skips_unusable(void **state)
{
	const uint32_t w[4] = { 1, 0, 1, 1 };
	struct fixture f;
	uint32_t cur = 0;
	int seq[6];

	(void)state;
	setup(&f, w, 4, DP_SCHED_RR);
	f.rs[2].flags = DP_RS_DOWN;
	for (int i = 0; i < 6; i++)
		seq[i] = dp_sched_rr(&f.svc, &cur, f.ovl);
	/* 1 is quiescent (weight 0), 2 is down */
	assert_int_equal(seq[0], 0);
	assert_int_equal(seq[1], 3);
	assert_int_equal(seq[2], 0);
	assert_int_equal(seq[3], 3);
	f.rs[0].flags = DP_RS_DRAIN;
	f.rs[3].flags = DP_RS_DOWN;
	assert_int_equal(dp_sched_rr(&f.svc, &cur, f.ovl), -1);
}

/* Smooth wrr: exact shares over every cycle of sum(weights) picks, and no
 * run of one server longer than the weight ratio (heaviest / lightest),
 * rounded up — where plain LVS wrr gives the heaviest a run of its weight. */
static void test_wrr_smooth(void **state)
{
	static const uint32_t sets[][5] = {
		{ 5, 1, 1, 0, 0 }, { 3, 1, 0, 0, 0 }, { 100, 50, 25, 25, 0 },
		{ 7, 3, 2, 1, 1 }, { 1, 1, 1, 1, 1 }, { 9, 1, 0, 0, 0 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		struct fixture f;
		unsigned n = 0, count[5] = { 0 }, run = 0, longest = 0, total = 0, wmin = ~0u;
		int last = -1;

		while (n < 5 && sets[k][n]) {
			wmin = sets[k][n] < wmin ? sets[k][n] : wmin;
			total += sets[k][n++];
		}
		setup(&f, sets[k], n, DP_SCHED_WRR);
		wrr_table(&f);
		for (unsigned i = 0; i < 3 * total; i++) {
			int p = dp_sched_wrr(&f.svc, &f.cursor, f.ovl);

			assert_true(p >= 0);
			count[p]++;
			run = p == last ? run + 1 : 1;
			last = p;
			if (run > longest)
				longest = run;
		}
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(count[i], 3 * sets[k][i]);
		{
			unsigned bound = (sets[k][0] + wmin - 1) / wmin;

			print_message("   weights %u..%u: cycle %u, longest run %u, bound %u\n",
				      sets[k][0], wmin, f.svc.table_size, longest, bound);
			assert_true(longest <= bound);
		}
		free(f.table);
	}
}

/* The cycle is a function of the set (ip, port, weight): any order of the
 * same servers deals the same addresses in the same order; weights that
 * sum past CP_WRR_SIZE_MAX are scaled, shares stay within 0.1 %. */
static void test_wrr_table(void **state)
{
	struct cp_mh_server a[40], b[40];
	uint32_t *ta, *tb, size, n = 40;
	uint64_t sum = 0;

	(void)state;
	for (uint32_t i = 0; i < n; i++) {
		a[i] = (struct cp_mh_server){ .ip = 0x0a010000 + i * 7, .port = 80,
					      .weight = 20000 + i * 977 };
		b[n - 1 - i] = a[i];
		sum += a[i].weight;
	}
	size = cp_wrr_size(a, n);
	print_message("   40 servers, weights summing to %llu: a cycle of %u turns\n",
		      (unsigned long long)sum, size);
	assert_true(size <= CP_WRR_SIZE_MAX + n && size >= CP_WRR_SIZE_MAX - n);
	assert_int_equal(cp_wrr_size(b, n), size);
	ta = malloc(size * sizeof(*ta));
	tb = malloc(size * sizeof(*tb));
	assert_non_null(ta);
	assert_non_null(tb);
	assert_int_equal(cp_wrr_build(a, n, ta, size), 0);
	assert_int_equal(cp_wrr_build(b, n, tb, size), 0);
	assert_int_equal(cp_wrr_build(a, n, ta, size + 1), -EINVAL);
	for (uint32_t i = 0; i < size; i++)
		assert_int_equal(a[ta[i]].ip, b[tb[i]].ip);
	for (uint32_t s = 0; s < n; s++) {
		uint32_t c = 0;
		double want = (double)a[s].weight / (double)sum, got;

		for (uint32_t i = 0; i < size; i++)
			c += ta[i] == s;
		got = (double)c / size;
		assert_true(got > want * 0.999 && got < want * 1.001);
	}
	/* weight 0 is no turn; none at all is no table */
	a[3].weight = 0;
	size = cp_wrr_size(a, n);
	assert_int_equal(cp_wrr_build(a, n, ta, size), 0);
	for (uint32_t i = 0; i < size; i++)
		assert_int_not_equal(ta[i], 3);
	for (uint32_t i = 0; i < n; i++)
		a[i].weight = 0;
	assert_int_equal(cp_wrr_size(a, n), 0);
	free(ta);
	free(tb);
}

/* A down server's turns fall to the others, whose shares stay as their
 * weights say to within a few percent; nothing usable gives -1. */
static void test_wrr_unusable(void **state)
{
	const uint32_t w[4] = { 4, 3, 2, 1 };
	struct fixture f;
	unsigned count[4] = { 0 };

	(void)state;
	setup(&f, w, 4, DP_SCHED_WRR);
	wrr_table(&f);
	f.rs[0].flags = DP_RS_DOWN;
	f.usable[0] &= ~1ull;
	for (unsigned i = 0; i < 6000; i++) {
		int p = dp_sched_wrr(&f.svc, &f.cursor, f.ovl);

		assert_true(p > 0);
		count[p]++;
	}
	print_message("   weights 4 3 2 1, the 4 down: %u %u %u of 6000 (3000 2000 1000 ideal)\n",
		      count[1], count[2], count[3]);
	assert_true(count[1] > 2700 && count[1] < 3300);
	assert_true(count[2] > 1800 && count[2] < 2200);
	assert_true(count[3] > 900 && count[3] < 1100);
	for (unsigned i = 1; i < 4; i++)
		f.rs[i].flags = DP_RS_DRAIN;
	f.usable[0] = 0;
	assert_int_equal(dp_sched_wrr(&f.svc, &f.cursor, f.ovl), -1);
	/* usable by the bitmap but overloaded (-x) on this lcore: one lap */
	f.rs[1].flags = 0;
	f.usable[0] = 2;
	f.rs[1].u_thr = 1;
	f.ovl[f.rs[1].id] = 1;
	assert_int_equal(dp_sched_wrr(&f.svc, &f.cursor, f.ovl), -1);
	free(f.table);
}

static void test_lc_wlc_rules(void **state)
{
	const uint32_t w[4] = { 1, 1, 4, 1 };
	struct fixture f;

	(void)state;
	setup(&f, w, 4, DP_SCHED_LC);
	f.st[0].open = f.st[0].sessions = 3;
	f.st[1].open = f.st[1].sessions = 1;
	f.st[2].open = f.st[2].sessions = 2;
	f.st[3].open = f.st[3].sessions = 5;
	assert_int_equal(dp_sched_lc(&f.svc, f.st, false, f.ovl), 1);      /* fewest */
	/* wlc: 2 open at weight 4 is the least load per weight */
	assert_int_equal(dp_sched_lc(&f.svc, f.st, true, f.ovl), 2);
	/* closing (TIME_WAIT) sessions weigh 1, open ones 256 (LVS) */
	f.st[1].sessions = 1 + 200;
	assert_int_equal(dp_sched_lc(&f.svc, f.st, false, f.ovl), 1);      /* 256+200 < 512 */
	f.st[1].sessions = 1 + 300;
	assert_int_equal(dp_sched_lc(&f.svc, f.st, false, f.ovl), 2);      /* 556 > 512 */
	/* ties go to the first in address order */
	memset(f.st, 0, sizeof(f.st));
	assert_int_equal(dp_sched_lc(&f.svc, f.st, false, f.ovl), 0);
	assert_int_equal(dp_sched_lc(&f.svc, f.st, true, f.ovl), 0);
	/* unusable and overloaded are skipped */
	f.rs[0].flags = DP_RS_DRAIN;
	f.rs[1].weight = 0;
	f.rs[2].u_thr = 10;
	f.ovl[2] = 1;
	assert_int_equal(dp_sched_lc(&f.svc, f.st, true, f.ovl), 3);
	/* a flag left from thresholds since removed means nothing */
	f.rs[2].u_thr = 0;
	assert_int_equal(dp_sched_lc(&f.svc, f.st, true, f.ovl), 2);
}

static void test_overload_hysteresis(void **state)
{
	struct dp_server s = { .id = 3, .u_thr = 10, .l_thr = 7, .weight = 1 };
	uint8_t ovl[8] = { 0 };

	(void)state;
	dp_sched_overload(&s, 9, ovl);
	assert_int_equal(ovl[3], 0);
	dp_sched_overload(&s, 10, ovl);
	assert_int_equal(ovl[3], 1);
	dp_sched_overload(&s, 8, ovl);      /* between: stays overloaded */
	assert_int_equal(ovl[3], 1);
	dp_sched_overload(&s, 6, ovl);
	assert_int_equal(ovl[3], 0);
}

/* mh through the data plane's pick: stable per client, falls back past a
 * down server to others (spread), returns -1 with none usable. */
static void test_hash_pick(void **state)
{
	const uint32_t w[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct cp_mh_server ms[8];
	static uint32_t table[65537];
	struct fixture f;
	unsigned moved_to[8] = { 0 };

	(void)state;
	setup(&f, w, 8, DP_SCHED_MH);
	for (int i = 0; i < 8; i++) {
		ms[i].ip = ntohl(f.rs[i].ip);
		ms[i].port = 80;
		ms[i].weight = 1;
	}
	assert_int_equal(cp_mh_build(ms, 8, table, 65537), 0);
	f.svc.table = table;
	f.svc.table_size = 65537;
	for (uint32_t c = 0; c < 2000; c++) {
		int a = dp_sched_hash(&f.svc, 0x0b000000 + c, 1000, f.ovl);

		assert_true(a >= 0);
		assert_int_equal(dp_sched_hash(&f.svc, 0x0b000000 + c, 2000, f.ovl), a); /* ip only */
	}
	/* server 5 down: its clients go elsewhere, spread; others stay */
	{
		int before[2000];

		for (uint32_t c = 0; c < 2000; c++)
			before[c] = dp_sched_hash(&f.svc, 0x0b000000 + c, 0, f.ovl);
		f.rs[5].flags = DP_RS_DOWN;
		f.usable[0] &= ~(1ull << 5);
		for (uint32_t c = 0; c < 2000; c++) {
			int a = dp_sched_hash(&f.svc, 0x0b000000 + c, 0, f.ovl);

			assert_true(a >= 0 && a != 5);
			if (before[c] != 5)
				assert_int_equal(a, before[c]);
			else
				moved_to[a]++;
		}
		for (int i = 0, used = 0; i < 8; i++) {
			used += moved_to[i] > 0;
			if (i == 7)
				assert_true(used >= 5);   /* not all on one survivor */
		}
	}
	/* overloaded on this lcore: walks on */
	f.rs[0].u_thr = 1;
	f.ovl[0] = 1;
	for (uint32_t c = 0; c < 500; c++)
		assert_int_not_equal(dp_sched_hash(&f.svc, 0x0b000000 + c, 0, f.ovl), 0);
	/* none usable */
	f.usable[0] = 0;
	assert_int_equal(dp_sched_hash(&f.svc, 0x0b000001, 0, f.ovl), -1);
}

static void test_persist_templates(void **state)
{
	void *mem = malloc(dp_persist_memsize(64));
	struct dp_persist p;
	struct dp_persist_ent t = { .cip = htonl(0x0b000000), .vip = htonl(0x0a00000a),
				    .vport = htons(80), .rip = htonl(0x0a010001),
				    .rport = htons(8080), .expire = 5000 };
	const struct dp_persist_ent *g;

	(void)state;
	dp_persist_init(&p, mem, 64);
	assert_null(dp_persist_get(&p, t.cip, t.vip, t.vport, 1000));
	dp_persist_put(&p, &t, 1000);
	g = dp_persist_get(&p, t.cip, t.vip, t.vport, 1000);
	assert_non_null(g);
	assert_int_equal(g->rip, t.rip);
	assert_null(dp_persist_get(&p, t.cip, t.vip, htons(81), 1000));   /* other port */
	assert_null(dp_persist_get(&p, t.cip, t.vip, t.vport, 5000));     /* expired */
	/* refresh moves the expiry */
	t.expire = 9000;
	dp_persist_put(&p, &t, 4000);
	assert_non_null(dp_persist_get(&p, t.cip, t.vip, t.vport, 8000));
	/* a masked 0.0.0.0 client (mask 0) is a valid key */
	t.cip = 0;
	dp_persist_put(&p, &t, 4000);
	assert_non_null(dp_persist_get(&p, 0, t.vip, t.vport, 4000));
	/* a full bucket replaces the entry that expires first, never fails */
	for (uint32_t i = 1; i < 1000; i++) {
		struct dp_persist_ent u = t;

		u.cip = htonl(0x0c000000 + i);
		u.expire = 10000 + i;
		dp_persist_put(&p, &u, 4000);
	}
	assert_non_null(dp_persist_get(&p, htonl(0x0c000000 + 999), t.vip, t.vport, 4000));
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_skips_unusable),
		cmocka_unit_test(test_wrr_smooth),
		cmocka_unit_test(test_wrr_table),
		cmocka_unit_test(test_wrr_unusable),
		cmocka_unit_test(test_lc_wlc_rules),
		cmocka_unit_test(test_overload_hysteresis),
		cmocka_unit_test(test_hash_pick),
		cmocka_unit_test(test_persist_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
