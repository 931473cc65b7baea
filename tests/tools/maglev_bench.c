/*
 * Build and lookup timings of cp/maglev. Prints, asserts nothing.
 *
 *   build/tools/maglev_bench [runs]      (default 20 runs per case)
 *
 * The box is shared, so it also times a textbook Maglev fill (the paper's
 * pseudo-code: % on every probe, occupancy in the table, no tail solver)
 * in the same run: the ratio survives a noisy neighbour better than the
 * absolute numbers do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp/maglev.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct cp_mh_server *servers(uint32_t n, int weighted)
{
	struct cp_mh_server *s = calloc(n, sizeof(*s));
	uint32_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[i].ip = 0x0a000000u + i * 3 + 1;
		s[i].port = 8080;
		s[i].weight = weighted ? 1 + i % 10 : 100;
	}
	return s;
}

enum kind { MH, SH, TEXTBOOK };

/* Equal weights only; same preference lists as cp_mh_build(). */
static int textbook_build(const struct cp_mh_server *s, uint32_t n,
			  uint32_t *t, uint32_t M)
{
	uint64_t *off = malloc(sizeof(*off) * n), *skip = malloc(8 * n);
	uint64_t *next = calloc(n, sizeof(*next));
	uint32_t i, filled = 0;
	int rc = -ENOMEM;

	if (off == NULL || skip == NULL || next == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t key = (uint64_t)s[i].ip << 16 | s[i].port;

		off[i] = cp_mh_mix64(key ^ CP_MH_SEED_OFFSET) % M;
		skip[i] = cp_mh_mix64(key ^ CP_MH_SEED_SKIP) % (M - 1) + 1;
	}
	for (i = 0; i < M; i++)
		t[i] = CP_MH_NONE;
	for (;;) {
		for (i = 0; i < n; i++) {
			uint64_t c = (off[i] + next[i] * skip[i]) % M;

			while (t[c] != CP_MH_NONE) {
				next[i]++;
				c = (off[i] + next[i] * skip[i]) % M;
			}
			t[c] = i;
			next[i]++;
			if (++filled == M) {
				rc = 0;
				goto out;
			}
		}
	}
out:
	free(next);
	free(skip);
	free(off);
	return rc;
}

static const char *const kind_name[] = { "mh", "sh", "textbook" };

static int bench_build(enum kind k, uint32_t n, uint32_t M, int weighted,
		       int runs)
{
	struct cp_mh_server *s = servers(n, weighted);
	uint32_t *t = malloc(sizeof(*t) * M);
	double *ms = calloc(runs, sizeof(*ms));
	double d0, d1;
	int i, rc = -ENOMEM;

	if (s == NULL || t == NULL || ms == NULL)
		goto out;
	for (i = 0; i < runs; i++) {
		double t0 = now_ns();

		rc = k == MH ? cp_mh_build(s, n, t, M) :
		     k == SH ? cp_sh_build(s, n, t, M) :
		     textbook_build(s, n, t, M);
		ms[i] = (now_ns() - t0) / 1e6;
		if (rc < 0)
			goto out;
	}
	qsort(ms, runs, sizeof(*ms), dbl_cmp);
	d0 = now_ns();
	(void)cp_mh_digest(t, M, s);
	d1 = now_ns();
	printf("%-8s build n=%-6u M=%-8u %-8s min %7.3f ms  median %7.3f ms"
	       "  (digest %.3f ms)\n", kind_name[k], n, M,
	       weighted ? "w=1..10" : "equal", ms[0], ms[runs / 2],
	       (d1 - d0) / 1e6);
out:
	free(ms);
	free(t);
	free(s);
	return rc;
}

/* slot hash + pick per simulated new connection, with `down` servers off. */
static int bench_lookup(uint32_t n, uint32_t M, uint32_t down)
{
	struct cp_mh_server *s = servers(n, 0);
	uint32_t *t = malloc(sizeof(*t) * M);
	uint64_t *usable = calloc((n + 63) / 64, sizeof(uint64_t));
	const uint32_t iters = 10u * 1000 * 1000;
	uint32_t i, ip = 0xc0a80000u, sink = 0;
	double t0, t1;
	int rc = -ENOMEM;

	if (s == NULL || t == NULL || usable == NULL)
		goto out;
	rc = cp_mh_build(s, n, t, M);
	if (rc < 0)
		goto out;
	for (i = down; i < n; i++)
		usable[i / 64] |= 1ull << (i % 64);
	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		uint32_t slot = cp_mh_slot(ip + i * 2654435761u, (uint16_t)i,
					   true, M);

		sink += cp_mh_pick(t, M, slot, usable, n);
	}
	t1 = now_ns();
	printf("lookup n=%-6u M=%-8u down=%-4u %.2f ns per slot+pick (sink %u)\n",
	       n, M, down, (t1 - t0) / iters, sink & 1);
out:
	free(usable);
	free(t);
	free(s);
	return rc;
}

int main(int argc, char **argv)
{
	static const uint32_t ns[] = { 100, 1000, 10000 };
	static const uint32_t Ms[] = { 65537, 655373 };
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	size_t i, j;
	int rc = 0;

	if (runs < 1)
		runs = 1;
	printf("maglev_bench: %d runs per case\n", runs);
	for (j = 0; j < 2 && rc == 0; j++)
		for (i = 0; i < 3 && rc == 0; i++)
			rc = bench_build(MH, ns[i], Ms[j], 0, runs);
	for (j = 0; j < 2 && rc == 0; j++)
		rc = bench_build(TEXTBOOK, 1000, Ms[j], 0, runs);
	if (rc == 0)
		rc = bench_build(MH, CP_MH_MAX_SERVERS, Ms[0], 0, runs);
	for (j = 0; j < 2 && rc == 0; j++)
		rc = bench_build(MH, 1000, Ms[j], 1, runs);
	if (rc == 0)
		rc = bench_build(SH, 1000, CP_SH_SIZE_DEFAULT, 0, runs);
	if (rc == 0)
		rc = bench_build(SH, 1000, CP_SH_SIZE_DEFAULT, 1, runs);
	if (rc == 0)
		rc = bench_lookup(1000, 65537, 0);
	if (rc == 0)
		rc = bench_lookup(1000, 655373, 0);
	if (rc == 0)
		rc = bench_lookup(1000, 65537, 100);
	if (rc == 0)
		rc = bench_lookup(1000, 65537, 900);
	if (rc < 0)
		fprintf(stderr, "maglev_bench: %s\n", strerror(-rc));
	return rc < 0 ? 1 : 0;
}
