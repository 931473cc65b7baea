/*
 * cp/maglev: Maglev (mh) and source-hash (sh) tables. No EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "cp/maglev.h"

#define M_DEF CP_MH_SIZE_DEFAULT

/* ---- helpers ------------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->s >> 33);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd(r) << 1 >> 1) % n);
}

/* Distinct addresses spread over a /16, ports varied too. */
static void mk_servers(struct cp_mh_server *s, uint32_t n, uint32_t weight)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		s[i].ip = 0x0a010000u + i * 37u + 1;
		s[i].port = (uint16_t)(80 + (i % 3) * 1000);
		s[i].weight = weight;
	}
}

static uint32_t *tab_new(uint32_t M)
{
	uint32_t *t = malloc(sizeof(*t) * M);

	assert_non_null(t);
	return t;
}

static void count_shares(const uint32_t *t, uint32_t M, uint32_t n,
			 uint32_t *cnt)
{
	uint32_t i;

	memset(cnt, 0, sizeof(*cnt) * n);
	for (i = 0; i < M; i++) {
		assert_true(t[i] < n);
		cnt[t[i]]++;
	}
}

static uint64_t addr_of(const struct cp_mh_server *s, uint32_t idx)
{
	return idx == CP_MH_NONE ? UINT64_MAX :
	       (uint64_t)s[idx].ip << 16 | s[idx].port;
}

static int srv_cmp(const void *a, const void *b)
{
	const struct cp_mh_server *x = a, *y = b;
	uint64_t kx = (uint64_t)x->ip << 16 | x->port;
	uint64_t ky = (uint64_t)y->ip << 16 | y->port;

	return (kx > ky) - (kx < ky);
}

static void shuffle(struct cp_mh_server *s, uint32_t n, struct rng *r)
{
	uint32_t i;

	for (i = n; i > 1; i--) {
		uint32_t j = rnd_below(r, i);
		struct cp_mh_server t = s[i - 1];

		s[i - 1] = s[j];
		s[j] = t;
	}
}

static bool is_prime(uint32_t v)
{
	uint32_t d;

	if (v < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= v; d++)
		if (v % d == 0)
			return false;
	return true;
}

/*
 * Textbook Maglev as maglev.h defines it: linear search for the next turn,
 * % on every probe, no tail solver. The builder must match it exactly.
 */
static void ref_build(const struct cp_mh_server *s, uint32_t n, uint32_t *t,
		      uint32_t M)
{
	uint32_t *rank = calloc(n + 1, sizeof(*rank));
	uint64_t *off = calloc(n + 1, sizeof(*off)), *skip = calloc(n + 1, 8);
	uint64_t *next = calloc(n + 1, 8), *k = calloc(n + 1, 8);
	uint32_t na = 0, i, j, filled;

	assert_true(rank && off && skip && next && k);
	for (i = 0; i < n; i++)
		if (s[i].weight > 0)
			rank[na++] = i;
	for (i = 1; i < na; i++)	/* insertion sort by (ip, port) */
		for (j = i; j > 0 && srv_cmp(&s[rank[j - 1]], &s[rank[j]]) > 0;
		     j--) {
			uint32_t x = rank[j];

			rank[j] = rank[j - 1];
			rank[j - 1] = x;
		}
	for (i = 0; i < M; i++)
		t[i] = CP_MH_NONE;
	for (i = 0; i < na; i++) {
		const struct cp_mh_server *v = &s[rank[i]];
		uint64_t key = (uint64_t)v->ip << 16 | v->port;

		off[i] = (cp_mh_mix64(key ^ CP_MH_SEED_OFFSET) >> 32) * M >> 32;
		skip[i] = ((cp_mh_mix64(key ^ CP_MH_SEED_SKIP) >> 32) * (M - 1) >>
			   32) + 1;
	}
	for (filled = 0; na > 0 && filled < M; filled++) {
		uint32_t b = 0, c;

		for (i = 1; i < na; i++) {
			uint64_t wi = s[rank[i]].weight, wb = s[rank[b]].weight;
			uint64_t ti = k[i] * wb, tb = k[b] * wi;

			if (ti < tb || (ti == tb && wi > wb))
				b = i;
		}
		k[b]++;
		for (;;) {
			c = (uint32_t)((off[b] + next[b] * skip[b]) % M);
			next[b]++;
			if (t[c] == CP_MH_NONE)
				break;
		}
		t[c] = rank[b];
	}
	free(k);
	free(next);
	free(skip);
	free(off);
	free(rank);
}

/* Independent FNV-1a 64 over the byte string maglev.h documents. */
static uint64_t ref_digest(const uint32_t *t, uint32_t M,
			   const struct cp_mh_server *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t b[6];
	uint32_t i, j;

	b[0] = M >> 24;
	b[1] = M >> 16;
	b[2] = M >> 8;
	b[3] = M;
	for (j = 0; j < 4; j++)
		h = (h ^ b[j]) * 0x100000001b3ull;
	for (i = 0; i < M; i++) {
		if (t[i] == CP_MH_NONE) {
			memset(b, 0xff, 6);
		} else {
			b[0] = s[t[i]].ip >> 24;
			b[1] = s[t[i]].ip >> 16;
			b[2] = s[t[i]].ip >> 8;
			b[3] = s[t[i]].ip;
			b[4] = s[t[i]].port >> 8;
			b[5] = s[t[i]].port;
		}
		for (j = 0; j < 6; j++)
			h = (h ^ b[j]) * 0x100000001b3ull;
	}
	return h;
}

/* ---- sizes and arguments ------------------------------------------------ */

static void test_sizes(void **state)
{
	static const uint32_t sizes[] = CP_MH_SIZES;
	static const uint32_t bad[] = { 0, 1, 2, 65536, 65539, 655371,
					1048576, UINT32_MAX };
	struct cp_mh_server s[3];
	uint32_t *t = tab_new(1048573);
	size_t i;
	bool big = false;

	(void)state;
	mk_servers(s, 3, 1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_true(is_prime(sizes[i]));
		assert_true(sizes[i] > CP_MH_MAX_SERVERS);
		assert_true(cp_mh_size_ok(sizes[i]));
		assert_int_equal(cp_mh_build(s, 3, t, sizes[i]), 0);
		big = big || sizes[i] >= 655373;
	}
	assert_true(big);
	assert_true(cp_mh_size_ok(M_DEF));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(cp_mh_size_ok(bad[i]));
		t[0] = 12345;
		if (bad[i] <= 1048573)
			assert_int_equal(cp_mh_build(s, 3, t, bad[i]), -EINVAL);
		assert_int_equal(t[0], 12345);	/* untouched on error */
	}
	free(t);
}

static void test_bad_args(void **state)
{
	struct cp_mh_server s[4];
	uint32_t *t = tab_new(M_DEF);

	(void)state;
	mk_servers(s, 4, 1);
	assert_int_equal(cp_mh_build(NULL, 4, t, M_DEF), -EINVAL);
	assert_int_equal(cp_mh_build(s, 4, NULL, M_DEF), -EINVAL);
	assert_int_equal(cp_mh_build(s, CP_MH_MAX_SERVERS + 1, t, M_DEF),
			 -EINVAL);
	assert_int_equal(cp_sh_build(NULL, 4, t, 4096), -EINVAL);
	assert_int_equal(cp_sh_build(s, 4, NULL, 4096), -EINVAL);
	assert_int_equal(cp_sh_build(s, 4, t, CP_SH_SIZE_MIN - 1), -EINVAL);
	assert_int_equal(cp_sh_build(s, 4, t, CP_SH_SIZE_MAX + 1), -EINVAL);
	assert_int_equal(cp_sh_build(s, CP_MH_MAX_SERVERS + 1, t, 4096),
			 -EINVAL);
	/* Same (ip, port) twice is ambiguous: rejected, even at weight 0. */
	s[3].ip = s[1].ip;
	s[3].port = s[1].port;
	s[3].weight = 0;
	t[0] = 7;
	assert_int_equal(cp_mh_build(s, 4, t, M_DEF), -EEXIST);
	assert_int_equal(cp_sh_build(s, 4, t, 4096), -EEXIST);
	assert_int_equal(t[0], 7);
	/* Same ip, other port: fine. */
	s[3].port++;
	assert_int_equal(cp_mh_build(s, 4, t, M_DEF), 0);
	free(t);
}

static void test_empty_and_weight0(void **state)
{
	struct cp_mh_server s[50];
	uint64_t usable[1] = { ~0ull };
	uint32_t *t = tab_new(M_DEF), cnt[50], i;

	(void)state;
	assert_int_equal(cp_mh_build(NULL, 0, t, M_DEF), 0);
	for (i = 0; i < M_DEF; i++)
		assert_int_equal(t[i], CP_MH_NONE);
	assert_int_equal(cp_mh_pick(t, M_DEF, 5, usable, 0), CP_MH_NONE);
	assert_int_equal(cp_mh_digest(t, M_DEF, NULL),
			 ref_digest(t, M_DEF, NULL));

	mk_servers(s, 50, 0);
	assert_int_equal(cp_mh_build(s, 50, t, M_DEF), 0);
	for (i = 0; i < M_DEF; i++)
		assert_int_equal(t[i], CP_MH_NONE);
	assert_int_equal(cp_mh_pick(t, M_DEF, 77, usable, 50), CP_MH_NONE);

	/* Every third server at weight 0: never in the table. */
	for (i = 0; i < 50; i++)
		s[i].weight = i % 3 ? 5 : 0;
	assert_int_equal(cp_mh_build(s, 50, t, M_DEF), 0);
	count_shares(t, M_DEF, 50, cnt);
	for (i = 0; i < 50; i++)
		if (i % 3)
			assert_true(cnt[i] > 0);
		else
			assert_int_equal(cnt[i], 0);
	free(t);
}

static void test_single(void **state)
{
	struct cp_mh_server s[3];
	uint32_t *t = tab_new(655373), i;

	(void)state;
	mk_servers(s, 3, 0);
	s[1].weight = 9;
	assert_int_equal(cp_mh_build(s, 1, t, M_DEF), 0);	/* weight 0 */
	assert_int_equal(t[0], CP_MH_NONE);
	assert_int_equal(cp_mh_build(s, 3, t, 655373), 0);
	for (i = 0; i < 655373; i++)
		assert_int_equal(t[i], 1);
	assert_int_equal(cp_mh_build(&s[1], 1, t, M_DEF), 0);
	for (i = 0; i < M_DEF; i++)
		assert_int_equal(t[i], 0);
	free(t);
}

/* The largest set: every index is representable and gets its slot. */
static void test_max_servers(void **state)
{
	uint32_t n = CP_MH_MAX_SERVERS, i, *cnt = calloc(n, sizeof(*cnt));
	struct cp_mh_server *s = calloc(n, sizeof(*s));
	uint32_t *t = tab_new(M_DEF);

	(void)state;
	assert_true(cnt && s);
	for (i = 0; i < n; i++) {
		s[i].ip = 0xc0000000u + (n - i) * 11u;	/* reverse order */
		s[i].port = 443;
		s[i].weight = 1;
	}
	assert_int_equal(cp_mh_build(s, n, t, M_DEF), 0);
	count_shares(t, M_DEF, n, cnt);
	for (i = 0; i < n; i++)
		assert_true(cnt[i] == 1 || cnt[i] == 2);
	assert_int_equal(cp_sh_build(s, n, t, CP_SH_SIZE_DEFAULT), 0);
	count_shares(t, CP_SH_SIZE_DEFAULT, n, cnt);
	for (i = 0; i < n; i++)
		assert_int_equal(cnt[i], 1);
	free(t);
	free(s);
	free(cnt);
}

/* ---- the table itself -------------------------------------------------- */

static void check_ref(struct cp_mh_server *s, uint32_t n, uint32_t M)
{
	uint32_t *t = tab_new(M), *r = tab_new(M);

	assert_int_equal(cp_mh_build(s, n, t, M), 0);
	ref_build(s, n, r, M);
	assert_memory_equal(t, r, sizeof(*t) * M);
	free(r);
	free(t);
}

static void test_matches_reference(void **state)
{
	static struct cp_mh_server s[1000];
	struct rng r = { 42 };
	uint32_t i;

	(void)state;
	mk_servers(s, 2, 1);
	check_ref(s, 2, M_DEF);
	mk_servers(s, 7, 3);
	check_ref(s, 7, 131071);
	mk_servers(s, 1000, 1);
	shuffle(s, 1000, &r);
	check_ref(s, 1000, M_DEF);
	mk_servers(s, 40, 1);
	for (i = 0; i < 40; i++)
		s[i].weight = i % 7 == 0 ? 0 : 1 + rnd_below(&r, 20);
	check_ref(s, 40, M_DEF);
	check_ref(s, 40, 262147);
	for (i = 0; i < 40; i++)	/* huge, lopsided weights */
		s[i].weight = i == 5 ? UINT32_MAX : 1 + rnd_below(&r, 3);
	check_ref(s, 40, M_DEF);
}

static void balance_equal(uint32_t n, uint32_t M)
{
	struct cp_mh_server *s = calloc(n, sizeof(*s));
	uint32_t *t = tab_new(M), *cnt = calloc(n, sizeof(*cnt));
	uint32_t i, mx = 0, mn = UINT32_MAX;
	double ideal = (double)M / n;

	assert_true(s && cnt);
	mk_servers(s, n, 10);
	assert_int_equal(cp_mh_build(s, n, t, M), 0);
	count_shares(t, M, n, cnt);
	for (i = 0; i < n; i++) {
		mx = cnt[i] > mx ? cnt[i] : mx;
		mn = cnt[i] < mn ? cnt[i] : mn;
	}
	print_message("mh balance n=%u M=%u: max %u min %u slots (ideal %.1f,"
		      " %+.3f%% / %+.3f%%)\n", n, M, mx, mn, ideal,
		      100 * (mx - ideal) / ideal, 100 * (mn - ideal) / ideal);
	assert_true(mx <= ideal * 1.01);
	assert_true(mn >= ideal * 0.99);
	free(cnt);
	free(t);
	free(s);
}

static void test_balance(void **state)
{
	(void)state;
	balance_equal(100, M_DEF);
	balance_equal(1000, 655373);
	balance_equal(7, 1048573);
}

static void check_weighted(struct cp_mh_server *s, uint32_t n, uint32_t M,
			   double tol)
{
	uint32_t *t = tab_new(M), *cnt = calloc(n, sizeof(*cnt)), i;
	double W = 0, worst = 0;

	assert_non_null(cnt);
	for (i = 0; i < n; i++)
		W += s[i].weight;
	assert_int_equal(cp_mh_build(s, n, t, M), 0);
	count_shares(t, M, n, cnt);
	for (i = 0; i < n; i++) {
		double ideal = M * (s[i].weight / W);
		double err = (cnt[i] - ideal) / ideal;

		worst = fabs(err) > worst ? fabs(err) : worst;
		assert_true(err <= tol && err >= -tol);
	}
	print_message("mh weighted n=%u M=%u: worst share error %.3f%%\n", n, M,
		      100 * worst);
	free(cnt);
	free(t);
}

static void test_weighted(void **state)
{
	struct cp_mh_server s[30];
	uint32_t *a = tab_new(M_DEF), *b = tab_new(M_DEF), i;

	(void)state;
	mk_servers(s, 10, 0);
	for (i = 0; i < 10; i++)
		s[i].weight = i + 1;
	check_weighted(s, 10, M_DEF, 0.02);
	check_weighted(s, 10, 655373, 0.02);

	mk_servers(s, 3, 0);
	s[0].weight = 100;
	s[1].weight = 200;
	s[2].weight = 300;
	check_weighted(s, 3, M_DEF, 0.02);

	mk_servers(s, 30, 0);
	for (i = 0; i < 30; i++)
		s[i].weight = 100 * (1 + i % 3);
	check_weighted(s, 30, M_DEF, 0.02);

	/* Only ratios matter: scaling every weight changes nothing. */
	assert_int_equal(cp_mh_build(s, 30, a, M_DEF), 0);
	for (i = 0; i < 30; i++)
		s[i].weight *= 7;
	assert_int_equal(cp_mh_build(s, 30, b, M_DEF), 0);
	assert_memory_equal(a, b, sizeof(*a) * M_DEF);

	/* A tiny weight next to huge ones still gets a slot. */
	s[4].weight = 1;
	for (i = 0; i < 30; i++)
		if (i != 4)
			s[i].weight = 1u << 30;
	assert_int_equal(cp_mh_build(s, 30, a, M_DEF), 0);
	for (i = 0; i < M_DEF && a[i] != 4; i++)
		;
	assert_true(i < M_DEF);
	free(b);
	free(a);
}

/*
 * Remove server `gone` from s: count slots of the others that move (by
 * address), then add it back at a random place and expect the same mapping.
 */
static double disruption(struct cp_mh_server *s, uint32_t n, uint32_t M,
			 uint32_t gone, struct rng *r)
{
	struct cp_mh_server *s2 = calloc(n, sizeof(*s2));
	uint32_t *t1 = tab_new(M), *t2 = tab_new(M), *t3 = tab_new(M);
	uint32_t i, j, others = 0, moved = 0;

	assert_non_null(s2);
	assert_int_equal(cp_mh_build(s, n, t1, M), 0);
	for (i = 0, j = 0; i < n; i++)
		if (i != gone)
			s2[j++] = s[i];
	shuffle(s2, n - 1, r);
	assert_int_equal(cp_mh_build(s2, n - 1, t2, M), 0);
	for (i = 0; i < M; i++) {
		if (t1[i] == gone) {
			assert_true(addr_of(s2, t2[i]) != addr_of(s, gone));
			continue;
		}
		others++;
		moved += addr_of(s, t1[i]) != addr_of(s2, t2[i]);
	}
	/* Back again, anywhere in the array: the mapping is restored. */
	s2[n - 1] = s[gone];
	shuffle(s2, n, r);
	assert_int_equal(cp_mh_build(s2, n, t3, M), 0);
	for (i = 0; i < M; i++)
		assert_true(addr_of(s, t1[i]) == addr_of(s2, t3[i]));
	assert_int_equal(cp_mh_digest(t1, M, s), cp_mh_digest(t3, M, s2));
	free(t3);
	free(t2);
	free(t1);
	free(s2);
	return (double)moved / others;
}

static void test_disruption(void **state)
{
	static const struct {
		uint32_t n, M;
		bool weighted;
	} cases[] = {
		{ 10, M_DEF, false }, { 100, M_DEF, false },
		{ 1000, M_DEF, false }, { 100, M_DEF, true },
		{ 1000, 655373, false },
	};
	static struct cp_mh_server s[1000];
	struct rng r = { 7 };
	size_t c;
	uint32_t k;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double worst = 0;

		mk_servers(s, cases[c].n, 4);
		for (k = 0; cases[c].weighted && k < cases[c].n; k++)
			s[k].weight = 1 + k % 5;
		for (k = 0; k < 4; k++) {
			double d = disruption(s, cases[c].n, cases[c].M,
					      rnd_below(&r, cases[c].n), &r);

			worst = d > worst ? d : worst;
		}
		print_message("mh disruption n=%u M=%u%s: worst %.3f%% of the "
			      "other servers' slots moved\n", cases[c].n,
			      cases[c].M, cases[c].weighted ? " weighted" : "",
			      100 * worst);
		assert_true(worst <= 0.01);
	}
}

/*
 * 1,000 histories of adds, removes and weight changes over a universe of
 * servers, all ending at the same set: same mapping, same digest, and the
 * same raw bytes once the array is sorted the way cp sorts it.
 */
static void test_order_independence(void **state)
{
	enum { U = 48, SEQ = 1000 };
	struct cp_mh_server uni[U], target[U], cur[U], sorted[U];
	uint32_t *ref = tab_new(M_DEF), *ref_sorted = tab_new(M_DEF);
	uint32_t *t = tab_new(M_DEF);
	struct rng r = { 2024 };
	uint32_t nt = 0, seq, i, j;
	uint64_t dig;

	(void)state;
	mk_servers(uni, U, 0);
	for (i = 0; i < U; i++) {
		uni[i].weight = 1 + rnd_below(&r, 4);
		if (i % 3 != 2) {
			target[nt] = uni[i];
			target[nt].weight = i % 11 == 0 ? 0 : uni[i].weight;
			nt++;
		}
	}
	assert_int_equal(cp_mh_build(target, nt, ref, M_DEF), 0);
	dig = cp_mh_digest(ref, M_DEF, target);
	memcpy(sorted, target, sizeof(target));
	qsort(sorted, nt, sizeof(sorted[0]), srv_cmp);
	assert_int_equal(cp_mh_build(sorted, nt, ref_sorted, M_DEF), 0);

	for (seq = 0; seq < SEQ; seq++) {
		uint32_t nc = 0, steps = rnd_below(&r, 60);

		/* A random history... */
		for (i = 0; i < steps; i++) {
			uint32_t op = rnd_below(&r, 3);

			if (op == 0 && nc < U) {
				struct cp_mh_server v = uni[rnd_below(&r, U)];
				uint32_t at = rnd_below(&r, nc + 1);

				for (j = 0; j < nc && srv_cmp(&cur[j], &v); j++)
					;
				if (j < nc)
					continue;	/* already there */
				memmove(&cur[at + 1], &cur[at],
					sizeof(cur[0]) * (nc - at));
				cur[at] = v;
				nc++;
			} else if (op == 1 && nc > 0) {
				j = rnd_below(&r, nc);
				cur[j] = cur[--nc];
			} else if (nc > 0) {
				cur[rnd_below(&r, nc)].weight = rnd_below(&r, 9);
			}
		}
		/* ...then converge on the target set. */
		for (i = 0; i < nc;) {
			for (j = 0; j < nt && srv_cmp(&target[j], &cur[i]); j++)
				;
			if (j == nt)
				cur[i] = cur[--nc];
			else
				cur[i++].weight = target[j].weight;
		}
		for (j = 0; j < nt; j++) {
			for (i = 0; i < nc && srv_cmp(&target[j], &cur[i]); i++)
				;
			if (i == nc)
				cur[nc++] = target[j];
		}
		assert_int_equal(nc, nt);
		shuffle(cur, nc, &r);

		assert_int_equal(cp_mh_build(cur, nc, t, M_DEF), 0);
		for (i = 0; i < M_DEF; i++)
			if (addr_of(cur, t[i]) != addr_of(target, ref[i]))
				fail_msg("seq %u: slot %u differs", seq, i);
		assert_true(cp_mh_digest(t, M_DEF, cur) == dig);
		if (seq % 10 == 0) {
			/* cp sorts by (ip, port): then the bytes agree too. */
			qsort(cur, nc, sizeof(cur[0]), srv_cmp);
			assert_int_equal(cp_mh_build(cur, nc, t, M_DEF), 0);
			assert_memory_equal(t, ref_sorted, sizeof(*t) * M_DEF);
		}
	}
	free(t);
	free(ref_sorted);
	free(ref);
}

/*
 * Random sets from a small address space, so duplicates happen, with zero,
 * small and huge weights: either -EEXIST or a table whose every slot names
 * a server of weight > 0, each of which has a slot.
 */
static void test_random_sets(void **state)
{
	static struct cp_mh_server s[300];
	uint32_t *t = tab_new(M_DEF), cnt[300];
	struct rng r = { 31337 };
	uint32_t iter, i, j, dup_seen = 0;

	(void)state;
	for (iter = 0; iter < 300; iter++) {
		uint32_t n = rnd_below(&r, 300), active = 0;
		uint32_t size = iter % 2 ? M_DEF : CP_SH_SIZE_DEFAULT;
		bool dup = false;
		int rc;

		for (i = 0; i < n; i++) {
			static const uint32_t wv[] = { 0, 1, 2, 3, 1000,
						       UINT32_MAX };

			s[i].ip = 0x0a000000u + rnd_below(&r, 20000);
			s[i].port = (uint16_t)rnd_below(&r, 3);
			s[i].weight = wv[rnd_below(&r, 6)];
			active += s[i].weight > 0;
			for (j = 0; j < i && !dup; j++)
				dup = !srv_cmp(&s[i], &s[j]);
		}
		rc = iter % 2 ? cp_mh_build(s, n, t, size) :
				cp_sh_build(s, n, t, size);
		if (dup) {
			assert_int_equal(rc, -EEXIST);
			dup_seen++;
			continue;
		}
		assert_int_equal(rc, 0);
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < size; i++) {
			if (active == 0) {
				assert_int_equal(t[i], CP_MH_NONE);
				continue;
			}
			assert_true(t[i] < n && s[t[i]].weight > 0);
			cnt[t[i]]++;
		}
		for (i = 0; i < n; i++)
			assert_true((cnt[i] > 0) == (s[i].weight > 0));
	}
	assert_true(dup_seen > 10 && dup_seen < 290);
	free(t);
}

/* ---- data-plane helpers ------------------------------------------------ */

static void set_bit(uint64_t *b, uint32_t i, bool on)
{
	if (on)
		b[i / 64] |= 1ull << (i % 64);
	else
		b[i / 64] &= ~(1ull << (i % 64));
}

static bool get_bit(const uint64_t *b, uint32_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* Fallback walk on a table of n servers (built by either builder). */
static void check_pick(const uint32_t *t, uint32_t M, uint32_t n)
{
	uint64_t usable[2] = { 0, 0 };
	uint32_t *hits = calloc(n, sizeof(*hits));
	uint32_t i, x = 3, only = n - 1, spread = 0, xslots = 0, pick;
	double expect;

	assert_true(n <= 128);
	assert_non_null(hits);
	for (i = 0; i < n; i++)
		set_bit(usable, i, true);
	for (i = 0; i < M; i++)
		assert_int_equal(cp_mh_pick(t, M, i, usable, n), t[i]);

	/* One server down: its slots go to the next usable slot's owner. */
	set_bit(usable, x, false);
	for (i = 0; i < M; i++) {
		pick = cp_mh_pick(t, M, i, usable, n);
		assert_true(pick < n && pick != x);
		if (t[i] != x) {
			assert_int_equal(pick, t[i]);
			continue;
		}
		uint32_t s = i;

		while (t[s] == x)
			s = s + 1 == M ? 0 : s + 1;
		assert_int_equal(pick, t[s]);
		hits[pick]++;
		xslots++;
	}
	/* As many distinct heirs as random draws would give, near enough. */
	for (i = 0; i < n; i++)
		spread += hits[i] > 0;
	expect = (n - 1) * (1 - pow(1 - 1.0 / (n - 1), xslots));
	print_message("pick: server %u down, its %u slots spread over %u of %u"
		      " servers (random draws: %.1f)\n", x, xslots, spread,
		      n - 1, expect);
	assert_true(spread >= 0.8 * expect);

	/* Only one usable: every slot finds it (most through the scan). */
	memset(usable, 0, sizeof(usable));
	set_bit(usable, only, true);
	for (i = 0; i < M; i += 7)
		assert_int_equal(cp_mh_pick(t, M, i, usable, n), only);

	/* None usable: NONE, in bounded time. */
	memset(usable, 0, sizeof(usable));
	for (i = 0; i < M; i += 7)
		assert_int_equal(cp_mh_pick(t, M, i, usable, n), CP_MH_NONE);

	/* An out-of-range slot does not read out of bounds. */
	usable[0] = usable[1] = ~0ull;
	assert_true(cp_mh_pick(t, M, M + 5, usable, n) < n);
	free(hits);
}

static void test_pick(void **state)
{
	struct cp_mh_server s[100];
	uint32_t *t = tab_new(M_DEF);

	(void)state;
	mk_servers(s, 100, 1);
	assert_int_equal(cp_mh_build(s, 100, t, M_DEF), 0);
	check_pick(t, M_DEF, 100);
	free(t);
}

static void test_pick_scan(void **state)
{
	uint64_t b[3] = { 0, 0, 0 };

	(void)state;
	assert_int_equal(cp_mh_pick_scan(b, 0, 0), CP_MH_NONE);
	assert_int_equal(cp_mh_pick_scan(b, 130, 5), CP_MH_NONE);
	set_bit(b, 5, true);
	assert_int_equal(cp_mh_pick_scan(b, 130, 100), 5);	/* wraps */
	assert_int_equal(cp_mh_pick_scan(b, 130, 4), 5);
	assert_int_equal(cp_mh_pick_scan(b, 130, 5), 5);	/* itself last */
	assert_int_equal(cp_mh_pick_scan(b, 130, 999), 5);	/* from >= n */
	set_bit(b, 129, true);
	assert_int_equal(cp_mh_pick_scan(b, 130, 6), 129);
	assert_int_equal(cp_mh_pick_scan(b, 130, 129), 5);
	set_bit(b, 5, false);
	assert_int_equal(cp_mh_pick_scan(b, 130, 129), 129);
	/* Bits past n in the last word are not servers. */
	memset(b, 0, sizeof(b));
	set_bit(b, 74, true);
	assert_int_equal(cp_mh_pick_scan(b, 70, 3), CP_MH_NONE);
	set_bit(b, 69, true);
	assert_int_equal(cp_mh_pick_scan(b, 70, 3), 69);
	assert_true(get_bit(b, 74));
}

static void test_slot_hash(void **state)
{
	struct cp_mh_server s[100];
	uint32_t *t = tab_new(M_DEF), cnt[100] = { 0 }, i;
	uint32_t mx = 0, mn = UINT32_MAX, diff = 0;

	(void)state;
	mk_servers(s, 100, 1);
	assert_int_equal(cp_mh_build(s, 100, t, M_DEF), 0);
	/* 1M consecutive client addresses, the pattern a weak hash fails. */
	for (i = 0; i < (1u << 20); i++) {
		uint32_t slot = cp_mh_slot(0x64400000u + i, 1234, false, M_DEF);

		assert_true(slot < M_DEF);
		cnt[t[slot]]++;
	}
	for (i = 0; i < 100; i++) {
		mx = cnt[i] > mx ? cnt[i] : mx;
		mn = cnt[i] < mn ? cnt[i] : mn;
	}
	print_message("slot hash: 1M sequential sources over 100 servers: "
		      "max %u min %u (ideal %u)\n", mx, mn, (1u << 20) / 100);
	assert_true(mx < 10486 * 1.05 && mn > 10486 * 0.95);

	/* use_port: the port matters only when asked. */
	for (i = 0; i < 1000; i++) {
		assert_int_equal(cp_mh_slot(0x0a000001u + i, (uint16_t)i, false,
					    M_DEF),
				 cp_mh_slot(0x0a000001u + i, 7, false, M_DEF));
		diff += cp_mh_slot(0x0a000001u, (uint16_t)i, true, M_DEF) !=
			cp_mh_slot(0x0a000001u, (uint16_t)(i + 1), true, M_DEF);
	}
	assert_true(diff > 990);
	assert_true(cp_mh_slot(UINT32_MAX, UINT16_MAX, true, 655373) < 655373);
	assert_true(cp_mh_slot(0, 0, true, 1048573) < 1048573);
	free(t);
}

static void test_digest(void **state)
{
	struct cp_mh_server s[20], s2[20];
	uint32_t *t = tab_new(M_DEF), *t2 = tab_new(M_DEF);
	struct rng r = { 99 };
	uint64_t d;

	(void)state;
	mk_servers(s, 20, 2);
	assert_int_equal(cp_mh_build(s, 20, t, M_DEF), 0);
	d = cp_mh_digest(t, M_DEF, s);
	assert_true(d == ref_digest(t, M_DEF, s));

	memcpy(s2, s, sizeof(s));
	shuffle(s2, 20, &r);
	assert_int_equal(cp_mh_build(s2, 20, t2, M_DEF), 0);
	assert_true(cp_mh_digest(t2, M_DEF, s2) == d);

	s2[4].weight = 3;	/* other weights, other mapping */
	assert_int_equal(cp_mh_build(s2, 20, t2, M_DEF), 0);
	assert_true(cp_mh_digest(t2, M_DEF, s2) != d);
	s2[4].weight = 2;
	s2[9].port++;		/* other address, same table shape */
	assert_int_equal(cp_mh_build(s2, 20, t2, M_DEF), 0);
	assert_true(cp_mh_digest(t2, M_DEF, s2) != d);
	free(t2);
	free(t);
}

/* ---- source hash ----------------------------------------------------- */

static void test_sh(void **state)
{
	static struct cp_mh_server s[1000], s2[1000];
	uint32_t *t = tab_new(CP_SH_SIZE_MAX), *t2 = tab_new(CP_SH_SIZE_DEFAULT);
	uint32_t cnt[1000], i, mx = 0, mn = UINT32_MAX, seq;
	struct rng r = { 5 };
	double ideal;

	(void)state;
	/* Empty, weight 0, too many servers for the buckets. */
	assert_int_equal(cp_sh_build(NULL, 0, t, CP_SH_SIZE_DEFAULT), 0);
	assert_int_equal(t[0], CP_MH_NONE);
	assert_int_equal(t[CP_SH_SIZE_DEFAULT - 1], CP_MH_NONE);
	mk_servers(s, 300, 0);
	assert_int_equal(cp_sh_build(s, 300, t, CP_SH_SIZE_MIN), 0);
	assert_int_equal(t[100], CP_MH_NONE);
	s[0].weight = 1;
	assert_int_equal(cp_sh_build(s, 1, t, CP_SH_SIZE_MIN), 0);
	for (i = 0; i < CP_SH_SIZE_MIN; i++)
		assert_int_equal(t[i], 0);
	mk_servers(s, 300, 1);
	assert_int_equal(cp_sh_build(s, 300, t, CP_SH_SIZE_MIN), -ENOSPC);
	assert_int_equal(cp_sh_build(s, 256, t, CP_SH_SIZE_MIN), 0);
	assert_int_equal(cp_sh_build(s, 300, t, CP_SH_SIZE_MAX), 0);

	/* Balance at the default size. */
	mk_servers(s, 1000, 3);
	assert_int_equal(cp_sh_build(s, 1000, t, CP_SH_SIZE_DEFAULT), 0);
	count_shares(t, CP_SH_SIZE_DEFAULT, 1000, cnt);
	ideal = (double)CP_SH_SIZE_DEFAULT / 1000;
	for (i = 0; i < 1000; i++) {
		mx = cnt[i] > mx ? cnt[i] : mx;
		mn = cnt[i] < mn ? cnt[i] : mn;
	}
	print_message("sh balance n=1000 size=%u: max %u min %u (ideal %.1f)\n",
		      CP_SH_SIZE_DEFAULT, mx, mn, ideal);
	assert_true(mx <= ideal * 1.05 && mn >= ideal * 0.95);

	/* Weighted: 100 / 200 / 300 and 1..10. */
	mk_servers(s, 10, 0);
	for (i = 0; i < 10; i++)
		s[i].weight = i < 3 ? 100 * (i + 1) : 0;
	assert_int_equal(cp_sh_build(s, 10, t, CP_SH_SIZE_DEFAULT), 0);
	count_shares(t, CP_SH_SIZE_DEFAULT, 10, cnt);
	for (i = 0; i < 3; i++) {
		ideal = CP_SH_SIZE_DEFAULT * (i + 1) / 6.0;
		assert_true(cnt[i] <= ideal * 1.02 && cnt[i] >= ideal * 0.98);
	}
	for (i = 0; i < 10; i++)
		s[i].weight = i + 1;
	assert_int_equal(cp_sh_build(s, 10, t, CP_SH_SIZE_DEFAULT), 0);
	count_shares(t, CP_SH_SIZE_DEFAULT, 10, cnt);
	for (i = 0; i < 10; i++) {
		ideal = CP_SH_SIZE_DEFAULT * (i + 1) / 55.0;
		assert_true(cnt[i] <= ideal * 1.02 && cnt[i] >= ideal * 0.98);
	}

	/* Order independence: same mapping and digest for any order. */
	mk_servers(s, 200, 1);
	for (i = 0; i < 200; i++)
		s[i].weight = i % 13 == 0 ? 0 : 1 + i % 4;
	assert_int_equal(cp_sh_build(s, 200, t, CP_SH_SIZE_DEFAULT), 0);
	for (seq = 0; seq < 100; seq++) {
		memcpy(s2, s, sizeof(s[0]) * 200);
		shuffle(s2, 200, &r);
		assert_int_equal(cp_sh_build(s2, 200, t2, CP_SH_SIZE_DEFAULT),
				 0);
		for (i = 0; i < CP_SH_SIZE_DEFAULT; i++)
			assert_true(addr_of(s, t[i]) == addr_of(s2, t2[i]));
		assert_true(cp_sh_digest(t, CP_SH_SIZE_DEFAULT, s) ==
			    cp_sh_digest(t2, CP_SH_SIZE_DEFAULT, s2));
	}

	/* Lookup and fallback, same helpers as mh. */
	mk_servers(s, 100, 1);
	assert_int_equal(cp_sh_build(s, 100, t, 4096), 0);
	check_pick(t, 4096, 100);
	assert_true(cp_sh_slot(1, 2, true, 4096) < 4096);
	free(t2);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_empty_and_weight0),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_max_servers),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_disruption),
		cmocka_unit_test(test_order_independence),
		cmocka_unit_test(test_random_sets),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pick_scan),
		cmocka_unit_test(test_slot_hash),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_sh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
