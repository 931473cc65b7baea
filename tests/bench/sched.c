/* tests/bench/sched.c — what picking a server costs per new connection for
 * each scheduler, and how long the control plane takes to build a Maglev
 * table (cp/maglev.c; tests/tools/maglev_bench has more cases). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "cp/maglev.h"
#include "dp/sched.h"
#include "tests/bench/bench.h"

static const char *const sched_name[BENCH_N_SVC] = { "rr", "wrr", "lc", "wlc", "sh", "mh" };

/* n picks from random clients; each pick counts a connection on its server
 * (as sess_new does), so lc/wlc see the counts move. Returns cycles. With
 * svc NULL: the same loop without the pick, to subtract. */
static uint64_t picks(struct dp_lcore *lc, const struct dp_service *ref,
		      const struct dp_service *svc, uint32_t n, uint64_t *sink)
{
	uint64_t seed = 0x2545f4914f6cdd1dull, t0 = rte_rdtsc();

	for (uint32_t i = 0; i < n; i++) {
		uint64_t r = bench_rand(&seed);
		int k = svc ? dp_sched_pick(lc, svc, (uint32_t)r, (uint16_t)(r >> 32))
			    : (int)((r >> 40) % BENCH_SERVERS);
		struct dp_rs_stats *st;

		if (k < 0)
			return 0;
		st = &lc->rs[ref->servers[k].id];
		st->open++;
		st->sessions++;
		*sink += (uint64_t)k;
	}
	return rte_rdtsc() - t0;
}

int bench_sched(struct bench *b)
{
	uint32_t n = b->quick ? 20000 : 400000;
	struct dp_lcore *lc = b->lc;
	double base_ns[BENCH_ROUNDS];
	uint64_t sink = 0;

	printf("\n== scheduling: one pick per new connection, %u servers (weights 10..19), "
	       "random clients\n", BENCH_SERVERS);
	if (!lc) {
		int rc = bench_lcore_new(b, 100000);

		if (rc < 0)
			return rc;
		lc = b->lc;
	}
	for (unsigned i = 0; i < BENCH_N_SVC; i++) {
		const struct dp_service *svc = &b->snap->svc[i];
		double r[BENCH_ROUNDS];
		char key[32];
		double ns;

		if (svc->sched != i)
			return -EINVAL;
		/* start every scheduler from no connections */
		for (unsigned k = 0; k < svc->n_servers; k++)
			memset(&lc->rs[svc->servers[k].id], 0, sizeof(struct dp_rs_stats));
		/* rounds of the picks and of the same loop without them, in
		 * turn; the median of the differences */
		for (unsigned k = 0; k < BENCH_ROUNDS; k++) {
			struct bench_round rd = { 0 };
			uint64_t base, c;

			do {
				bench_round_begin(&rd);
				base = picks(lc, &b->snap->svc[0], NULL, n, &sink);
				c = picks(lc, svc, svc, n, &sink);
			} while (!bench_round_done(b, &rd));
			if (!c)
				return -EPROTO;
			r[k] = ((double)c - (double)base) * b->ns_per_cycle / n;
			if (i == 0)
				base_ns[k] = (double)base * b->ns_per_cycle / n;
		}
		ns = bench_median(r, BENCH_ROUNDS);
		printf("  %-4s %7.2f ns per pick\n", sched_name[i], ns);
		snprintf(key, sizeof(key), "sched_ns_%s", sched_name[i]);
		bench_result(b, key, ns);
	}
	printf("  (a loop making the same random clients and counts without picking, %.2f ns, "
	       "is subtracted; sink %" PRIu64 ")\n", bench_median(base_ns, BENCH_ROUNDS), sink & 1);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Median build time in ms of an mh (or sh) table over n servers. */
static int build_ms(bool mh, uint32_t n, uint32_t M, unsigned runs, double *out)
{
	struct cp_mh_server *s = calloc(n, sizeof(*s));
	uint32_t *t = malloc(sizeof(*t) * M);
	double *ms = calloc(runs, sizeof(*ms));
	int rc = -ENOMEM;

	if (!s || !t || !ms)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		s[i].ip = 0x0a000000u + i * 3 + 1;
		s[i].port = 8080;
		s[i].weight = 100;
	}
	for (unsigned i = 0; i < runs; i++) {
		double t0 = now_ms();

		rc = mh ? cp_mh_build(s, n, t, M) : cp_sh_build(s, n, t, M);
		ms[i] = now_ms() - t0;
		if (rc < 0)
			goto out;
	}
	*out = bench_median(ms, runs);
out:
	free(ms);
	free(t);
	free(s);
	return rc;
}

int bench_maglev(struct bench *b)
{
	static const struct { bool mh; uint32_t M; unsigned runs; const char *key; double target; }
	cases[] = {
		{ true, 65537, 21, "mh_build_ms_65537", 1.5 },
		{ true, 655373, 5, "mh_build_ms_655373", 20 },
		{ false, CP_SH_SIZE_DEFAULT, 11, "sh_build_ms_65536", 0 },
	};

	printf("\n== scheduler tables built by the control plane: 1,000 servers, equal weights, "
	       "median of runs\n");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double ms;
		int rc = build_ms(cases[i].mh, 1000, cases[i].M, b->quick ? 1 : cases[i].runs, &ms);

		if (rc < 0)
			return rc;
		printf("  %s M=%-7u %8.3f ms", cases[i].mh ? "mh" : "sh", cases[i].M, ms);
		if (cases[i].target > 0)
			printf("   target <= %g ms (Maglev paper: %s)", cases[i].target,
			       cases[i].M == 65537 ? "1.8 ms" : "22.9 ms");
		printf("\n");
		bench_result(b, cases[i].key, ms);
	}
	return 0;
}
