/*
 * Maglev, source-hash and weighted round-robin table builders. See maglev.h
 * for the contract.
 *
 * Both builders share two pieces:
 *  - a canonical order: servers with weight > 0 sorted by (ip, port), their
 *    position there is their "rank";
 *  - a turn scheduler: server of rank r takes its k-th turn (k = 0, 1, ...)
 *    at time k / w_r; equal times go to the heavier server first, then to
 *    the lower rank. Times depend only on a server's own weight, so adding
 *    or removing a server never reorders the turns of the others (what keeps
 *    Maglev's disruption low with weights), scaling all weights changes
 *    nothing, and every server gets a turn at time 0. With equal weights
 *    this is plain round robin by rank.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/maglev.h"

/* The one list of Maglev sizes (maglev.h); the validator and its message
 * ask here. */
static const uint32_t mh_sizes[] = CP_MH_SIZES;
#define N_MH_SIZES (sizeof(mh_sizes) / sizeof(mh_sizes[0]))

/* Changing a seed changes every table: all nodes must run the same one. */
#define SH_SEED_SHUFFLE	0x6d67772d73687566ull	/* "mgw-shuf" */

bool cp_mh_size_ok(uint32_t M)
{
	size_t i;

	for (i = 0; i < N_MH_SIZES; i++)
		if (mh_sizes[i] == M)
			return true;
	return false;
}

char *cp_mh_sizes_str(char *buf, size_t len)
{
	size_t o = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < N_MH_SIZES && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? ", " : "", mh_sizes[i]);
	return buf;
}

/* ---- canonical order ---------------------------------------------------- */

/*
 * Stable LSD radix sort of a[0..n-1] on bits [lo, hi), 8 bits a pass, with
 * tmp[] holding n words. A pass whose byte is the same in every key (one
 * port, one /16) is skipped. Linear: qsort's n log n calls through a
 * pointer showed at 10,000 servers.
 */
static void radix_sort(uint64_t *a, uint64_t *tmp, uint32_t n, unsigned lo,
		       unsigned hi)
{
	uint32_t cnt[256], i;
	unsigned sh;

	for (sh = lo; sh < hi && n > 1; sh += 8) {
		uint32_t sum = 0;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[a[i] >> sh & 0xff]++;
		if (cnt[a[0] >> sh & 0xff] == n)
			continue;
		for (i = 0; i < 256; i++) {
			uint32_t c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[a[i] >> sh & 0xff]++] = a[i];
		memcpy(a, tmp, sizeof(*a) * n);
	}
}

/*
 * Write into idx[] the indices of servers with weight > 0 in (ip, port)
 * order and return their count in *na. keys[], tmp[]: n words of scratch.
 * A key is ip:32 port:16 index:16 (index < CP_MH_MAX_SERVERS), so a plain
 * integer sort orders by (ip, port) and equal upper 48 bits mean duplicates.
 */
static int canon_order(const struct cp_mh_server *s, uint32_t n,
		       uint64_t *keys, uint64_t *tmp, uint32_t *idx,
		       uint32_t *na)
{
	uint32_t i, m = 0;

	for (i = 0; i < n; i++)
		keys[i] = (uint64_t)s[i].ip << 32 | (uint64_t)s[i].port << 16 |
			  (i & 0xffff);
	radix_sort(keys, tmp, n, 16, 64);
	for (i = 0; i < n; i++) {
		uint32_t j = keys[i] & 0xffff;

		if (i > 0 && keys[i] >> 16 == keys[i - 1] >> 16)
			return -EEXIST;
		if (s[j].weight > 0)
			idx[m++] = j;
	}
	*na = m;
	return 0;
}

/* ---- turn scheduler ------------------------------------------------------ */

/*
 * Servers of equal weight share every turn time, so they are kept as one
 * group and served in one pass (in rank order); a heap orders the groups by
 * (k / w, weight descending). The heap is touched once per pass, not per
 * turn: with the usual handful of distinct weights it costs nothing.
 */
struct sched_grp {
	uint32_t k;		/* passes taken so far */
	uint32_t w;
	uint32_t g;		/* group number, in weight-descending order */
	uint32_t first;		/* members: order[first .. first + count) */
	uint32_t count;
};

struct sched {
	struct sched_grp *heap;
	uint32_t ng;
	const uint32_t *order;	/* ranks grouped by weight, each group ascending */
	uint32_t cur, end;	/* the pass being served */
};

/* a before b: k_a / w_a < k_b / w_b, cross-multiplied (k < 2^23, w < 2^32). */
static inline bool sched_before(const struct sched_grp *a,
				const struct sched_grp *b)
{
	uint64_t ta = (uint64_t)a->k * b->w, tb = (uint64_t)b->k * a->w;

	return ta < tb || (ta == tb && a->g < b->g);
}

/*
 * w[] is the weight of each rank (n >= 1). keys[], tmp[] (n words each) are
 * scratch; order[] and heap[] (n entries each) must outlive the scheduler.
 */
static void sched_init(struct sched *sc, const uint32_t *w, uint32_t n,
		       uint64_t *keys, uint64_t *tmp, uint32_t *order,
		       struct sched_grp *heap)
{
	uint32_t i, ng = 0;
	bool sorted = true;

	for (i = 0; i < n; i++) {
		keys[i] = (uint64_t)(UINT32_MAX - w[i]) << 32 | i;
		sorted = sorted && (i == 0 || keys[i] > keys[i - 1]);
	}
	if (!sorted)	/* ranks are in order already: sorting on w is enough */
		radix_sort(keys, tmp, n, 32, 64);
	for (i = 0; i < n; i++) {
		order[i] = (uint32_t)keys[i];
		if (i == 0 || w[order[i]] != w[order[i - 1]]) {
			heap[ng] = (struct sched_grp){
				.w = w[order[i]], .g = ng, .first = i,
			};
			ng++;
		}
		heap[ng - 1].count++;
	}
	/* All groups at time 0 in group order: already a valid heap. */
	sc->heap = heap;
	sc->ng = ng;
	sc->order = order;
	sc->cur = sc->end = 0;
}

static void sched_pass(struct sched *sc)
{
	struct sched_grp *h = sc->heap, top = h[0];
	uint32_t i = 0;

	sc->cur = top.first;
	sc->end = top.first + top.count;
	top.k++;
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= sc->ng)
			break;
		if (c + 1 < sc->ng && sched_before(&h[c + 1], &h[c]))
			c++;
		if (!sched_before(&h[c], &top))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = top;
}

/* Rank of the server whose turn it is. */
static inline uint32_t sched_next(struct sched *sc)
{
	if (sc->cur == sc->end)
		sched_pass(sc);
	return sc->order[sc->cur++];
}

/* ---- Maglev ---------------------------------------------------------------- */

struct mh_perm {
	uint32_t pos;		/* next slot of this server's permutation */
	uint32_t skip;
	uint32_t inv;		/* skip^-1 mod M, 0 until the tail needs it */
};

/* Permutation of a server: depends on (ip, port) only, never on weight. */
static struct mh_perm mh_perm_of(const struct cp_mh_server *sv, uint32_t M)
{
	uint64_t key = (uint64_t)sv->ip << 16 | sv->port;
	uint64_t ho = cp_mh_mix64(key ^ CP_MH_SEED_OFFSET) >> 32;
	uint64_t hs = cp_mh_mix64(key ^ CP_MH_SEED_SKIP) >> 32;

	return (struct mh_perm){
		.pos = (uint32_t)((ho * M) >> 32),
		.skip = (uint32_t)((hs * (M - 1)) >> 32) + 1,
	};
}

/*
 * (a + b) mod M for a, b < M, written so that compilers emit a conditional
 * move: the wrap happens with probability b / M, which no branch predictor
 * learns, and the mask form (x - (M & -(x >= M))) is a 6-cycle chain
 * against 2 for cmp + cmov. wrap = M - b, hoisted by the caller.
 */
static inline uint32_t add_mod(uint32_t a, uint32_t b, uint32_t wrap)
{
	return a >= wrap ? a - wrap : a + b;
}

/* a^-1 mod M for prime M < 2^31 and 0 < a < M (extended Euclid). */
static uint32_t inv_mod(uint32_t a, uint32_t M)
{
	int32_t t = 0, nt = 1, x;
	uint32_t r = M, nr = a, q, y;

	while (nr != 0) {
		q = r / nr;
		x = t - (int32_t)q * nt;
		t = nt;
		nt = x;
		y = r - q * nr;
		r = nr;
		nr = y;
	}
	return (uint32_t)(t < 0 ? t + (int32_t)M : t);
}

/*
 * x mod M for x < 2^42 by Barrett reduction: bar = floor(2^64 / M), the
 * estimated quotient is short by at most 1.
 */
static inline uint32_t mod_bar(uint64_t x, uint32_t M, uint64_t bar)
{
	uint64_t q = (uint64_t)(((unsigned __int128)x * bar) >> 64);
	uint64_t r = x - q * M;

	return (uint32_t)(r >= M ? r - M : r);
}

/*
 * Empty slots left when the fill switches from probing to the tail solver.
 * Probing costs about M / E probes per turn with E slots empty, the solver
 * about E modular products: they meet near sqrt(M) (0.5 and 2 sqrt(M) both
 * measured slower).
 */
static uint32_t mh_tail_len(uint32_t M)
{
	uint32_t e = 1;

	while ((uint64_t)e * e < M)
		e++;
	return e;
}

/*
 * The last E turns, exactly as probing would do them: a server's first
 * empty slot in preference order is the empty slot e with the least step
 * count d(e) = (e - pos) * skip^-1 mod M. The last slots cost most of the
 * probes (the expected count per turn is M / E), so this saves more than
 * half of the build at large M.
 */
static void mh_fill_tail(uint32_t *table, uint32_t M, struct mh_perm *perm,
			 const uint32_t *idx, struct sched *sc,
			 const uint64_t *used, uint32_t *empty)
{
	uint64_t bar = UINT64_MAX / M;
	uint32_t ne = 0, wi, i;

	for (wi = 0; wi <= (M - 1) / 64; wi++) {
		uint64_t free_bits = ~used[wi];

		while (free_bits) {
			uint32_t e = wi * 64 + (uint32_t)__builtin_ctzll(free_bits);

			free_bits &= free_bits - 1;
			if (e < M)
				empty[ne++] = e;
		}
	}
	while (ne > 0) {
		struct mh_perm *p = &perm[sched_next(sc)];
		uint32_t best = 0, best_d = UINT32_MAX, e;

		if (p->inv == 0)
			p->inv = inv_mod(p->skip, M);
		for (i = 0; i < ne; i++) {
			uint32_t diff = empty[i] >= p->pos ? empty[i] - p->pos :
				       empty[i] + (M - p->pos);
			uint32_t d = mod_bar((uint64_t)diff * p->inv, M, bar);

			if (d < best_d) {
				best_d = d;
				best = i;
			}
		}
		e = empty[best];
		empty[best] = empty[--ne];
		table[e] = idx[p - perm];
		p->pos = add_mod(e, p->skip, M - p->skip);
	}
}

/*
 * The hot loop. Occupancy lives in a bitmap (M / 8 bytes, in L2 even at
 * M = 1048573) rather than in the table. The permutation advances by
 * add_mod(), never by %.
 */
static void mh_fill(uint32_t *table, uint32_t M, struct mh_perm *perm,
		    const uint32_t *idx, struct sched *sc, uint64_t *used,
		    uint32_t *empty)
{
	uint32_t head = M - mh_tail_len(M), filled;

	for (filled = 0; filled < head; filled++) {
		uint32_t r = sched_next(sc);
		uint32_t pos = perm[r].pos, skip = perm[r].skip, wrap = M - skip;

		while (used[pos >> 6] >> (pos & 63) & 1)
			pos = add_mod(pos, skip, wrap);
		used[pos >> 6] |= 1ull << (pos & 63);
		table[pos] = idx[r];
		perm[r].pos = add_mod(pos, skip, wrap);
	}
	mh_fill_tail(table, M, perm, idx, sc, used, empty);
}

static void fill_none(uint32_t *table, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		table[i] = CP_MH_NONE;
}

/* Scratch shared by both builders, one allocation. */
struct scratch {
	void *mem;
	uint64_t *keys;		/* n */
	uint64_t *tmp;		/* n */
	uint64_t *used;		/* bitmap_words */
	struct sched_grp *heap;	/* n */
	struct mh_perm *perm;	/* n */
	uint32_t *idx;		/* n: caller's index of each rank */
	uint32_t *w;		/* n: weight of each rank */
	uint32_t *order;	/* n: scheduler's order of ranks */
	uint32_t *empty;	/* tail_len */
};

static int scratch_get(struct scratch *sc, uint32_t n, uint32_t bitmap_words,
		       uint32_t tail_len)
{
	size_t m = n ? n : 1;
	size_t sz = m * (2 * sizeof(uint64_t) + sizeof(struct sched_grp) +
			 sizeof(struct mh_perm) + 3 * sizeof(uint32_t)) +
		    (size_t)bitmap_words * sizeof(uint64_t) +
		    (size_t)tail_len * sizeof(uint32_t);
	char *p = calloc(1, sz);

	if (p == NULL)
		return -ENOMEM;
	sc->mem = p;
	/* 8-byte members first, then 4-byte ones. */
	sc->keys = (uint64_t *)p;
	p += m * sizeof(uint64_t);
	sc->tmp = (uint64_t *)p;
	p += m * sizeof(uint64_t);
	sc->used = (uint64_t *)p;
	p += (size_t)bitmap_words * sizeof(uint64_t);
	sc->heap = (struct sched_grp *)p;
	p += m * sizeof(struct sched_grp);
	sc->perm = (struct mh_perm *)p;
	p += m * sizeof(struct mh_perm);
	sc->idx = (uint32_t *)p;
	p += m * sizeof(uint32_t);
	sc->w = (uint32_t *)p;
	p += m * sizeof(uint32_t);
	sc->order = (uint32_t *)p;
	p += m * sizeof(uint32_t);
	sc->empty = (uint32_t *)p;
	return 0;
}

static int check_args(const struct cp_mh_server *s, uint32_t n,
		      const uint32_t *table)
{
	if (table == NULL || (n > 0 && s == NULL) || n > CP_MH_MAX_SERVERS)
		return -EINVAL;
	return 0;
}

int cp_mh_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table,
		uint32_t M)
{
	struct scratch sc;
	struct sched sched;
	uint32_t na, r, i;
	int rc;

	rc = check_args(s, n, table);
	if (rc < 0)
		goto out;
	if (!cp_mh_size_ok(M)) {
		rc = -EINVAL;
		goto out;
	}
	rc = scratch_get(&sc, n, M / 64 + 1, mh_tail_len(M));
	if (rc < 0)
		goto out;
	rc = canon_order(s, n, sc.keys, sc.tmp, sc.idx, &na);
	if (rc < 0)
		goto out_free;
	if (na <= 1) {
		/* One permutation visits every slot: the table is all it. */
		for (i = 0; i < M; i++)
			table[i] = na ? sc.idx[0] : CP_MH_NONE;
		goto out_free;
	}
	for (r = 0; r < na; r++) {
		sc.w[r] = s[sc.idx[r]].weight;
		sc.perm[r] = mh_perm_of(&s[sc.idx[r]], M);
	}
	sched_init(&sched, sc.w, na, sc.keys, sc.tmp, sc.order, sc.heap);
	mh_fill(table, M, sc.perm, sc.idx, &sched, sc.used, sc.empty);
out_free:
	free(sc.mem);
out:
	return rc;
}

/* ---- dealing turns: sh buckets and the wrr cycle ------------------------ */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * How weights become turns in one cycle of the table. Divided by their gcd;
 * when that still sums to more than CP_WRR_SIZE_MAX, first scaled to about
 * that sum (rounded, at least 1 each). A function of the set of weights
 * alone, like everything here.
 */
struct wrr_norm {
	uint64_t sum;		/* of the weights > 0 */
	uint64_t g;		/* gcd of the weights the table is dealt with */
	bool scaled;
};

static uint64_t wrr_scaled(uint32_t w, const struct wrr_norm *nm)
{
	uint64_t v;

	if (!nm->scaled || w == 0)
		return w;
	v = ((uint64_t)w * CP_WRR_SIZE_MAX + nm->sum / 2) / nm->sum;
	return v ? v : 1;
}

static uint32_t wrr_turns(uint32_t w, const struct wrr_norm *nm)
{
	return (uint32_t)(wrr_scaled(w, nm) / nm->g);
}

/* The table's size; 0 when no server has a weight. */
static uint32_t wrr_norm_of(const struct cp_mh_server *s, uint32_t n, struct wrr_norm *nm)
{
	uint64_t total = 0;
	uint32_t i;

	memset(nm, 0, sizeof(*nm));
	for (i = 0; i < n; i++) {
		nm->sum += s[i].weight;
		nm->g = gcd64(nm->g, s[i].weight);
	}
	if (nm->sum == 0)
		return 0;
	if (nm->sum / nm->g > CP_WRR_SIZE_MAX) {
		nm->scaled = true;
		nm->g = 0;
		for (i = 0; i < n; i++)
			if (s[i].weight)
				nm->g = gcd64(nm->g, wrr_scaled(s[i].weight, nm));
	}
	for (i = 0; i < n; i++)
		if (s[i].weight)
			total += wrr_turns(s[i].weight, nm);
	return (uint32_t)total;
}

/*
 * table[0..size-1]: the turn order of the servers with weight > 0 — turns in
 * proportion to their weights, or wrr's turns per cycle when nm is given —
 * as indices into s; all CP_MH_NONE when there are none. -ENOSPC when more
 * servers than entries.
 */
static int deal_turns(const struct cp_mh_server *s, uint32_t n, uint32_t *table,
		      uint32_t size, const struct wrr_norm *nm)
{
	struct scratch sc;
	struct sched sched;
	uint32_t na, r, i;
	int rc;

	rc = scratch_get(&sc, n, 0, 0);
	if (rc < 0)
		return rc;
	rc = canon_order(s, n, sc.keys, sc.tmp, sc.idx, &na);
	if (rc == 0 && na > size)
		rc = -ENOSPC;
	if (rc == 0 && na == 0)
		fill_none(table, size);
	if (rc == 0 && na > 0) {
		for (r = 0; r < na; r++)
			sc.w[r] = nm ? wrr_turns(s[sc.idx[r]].weight, nm) : s[sc.idx[r]].weight;
		sched_init(&sched, sc.w, na, sc.keys, sc.tmp, sc.order, sc.heap);
		for (i = 0; i < size; i++)
			table[i] = sc.idx[sched_next(&sched)];
	}
	free(sc.mem);
	return rc;
}

/* ---- source hash ------------------------------------------------------- */

static inline uint64_t splitmix64(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int cp_sh_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table,
		uint32_t size)
{
	uint64_t st = SH_SEED_SHUFFLE;
	uint32_t i;
	int rc;

	rc = check_args(s, n, table);
	if (rc < 0)
		return rc;
	if (size < CP_SH_SIZE_MIN || size > CP_SH_SIZE_MAX)
		return -EINVAL;
	rc = deal_turns(s, n, table, size, NULL);
	if (rc < 0)
		return rc;
	/*
	 * Fisher-Yates with a fixed seed: a function of size alone, so the
	 * result stays a function of the set, and neighbours of a bucket are
	 * unrelated servers for cp_sh_pick()'s walk.
	 */
	for (i = size - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(((splitmix64(&st) >> 32) *
					 (uint64_t)(i + 1)) >> 32);
		uint32_t t = table[i];

		table[i] = table[j];
		table[j] = t;
	}
	return 0;
}

/* ---- weighted round robin ------------------------------------------------- */

uint32_t cp_wrr_size(const struct cp_mh_server *s, uint32_t n)
{
	struct wrr_norm nm;

	return s || n == 0 ? wrr_norm_of(s, n, &nm) : 0;
}

int cp_wrr_build(const struct cp_mh_server *s, uint32_t n, uint32_t *table, uint32_t size)
{
	struct wrr_norm nm;
	int rc;

	rc = check_args(s, n, table);
	if (rc < 0)
		return rc;
	if (size == 0 || size != wrr_norm_of(s, n, &nm))
		return -EINVAL;
	/* The turn order is the cycle: server r's k-th turn at k / w_r
	 * spreads each server's turns evenly over it. */
	return deal_turns(s, n, table, size, &nm);
}

/* ---- digest -------------------------------------------------------------- */

#define FNV64_OFFSET	0xcbf29ce484222325ull
#define FNV64_PRIME	0x00000100000001b3ull

static inline uint64_t fnv_be(uint64_t h, uint64_t v, unsigned bytes)
{
	while (bytes--) {
		h ^= (v >> (8 * bytes)) & 0xff;
		h *= FNV64_PRIME;
	}
	return h;
}

uint64_t cp_mh_digest(const uint32_t *table, uint32_t M,
		      const struct cp_mh_server *s)
{
	uint64_t h = fnv_be(FNV64_OFFSET, M, 4);
	uint32_t i;

	for (i = 0; i < M; i++) {
		uint32_t x = table[i];
		uint64_t v = x == CP_MH_NONE ? 0xffffffffffffull :
			     (uint64_t)s[x].ip << 16 | s[x].port;

		h = fnv_be(h, v, 6);
	}
	return h;
}
