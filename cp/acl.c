/* cp/acl.c — allow/deny prefixes → the data plane's segment table (see
 * dp/acl.h, cp/acl.h).
 *
 * Prefixes are nested or disjoint, so sorted by (start, length) they form
 * a forest: a sweep with a stack of the prefixes that hold the current
 * address gives each stretch of the address space its innermost prefix,
 * whose list is its verdict. Adjacent stretches with one verdict merge.
 * Then the index: for each /16 the segment holding its first address, and
 * for a /16 with more than DP_ACL_L2_MIN segments a node of 256 entries,
 * one per /24. O(n log n) for n prefixes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/acl.h"

struct item {
	uint64_t start, end;  /* end exclusive */
	uint8_t plen;
	uint8_t deny;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

struct segs {
	uint32_t n, cap;
	uint32_t *start;
	uint8_t *deny;
};

static int seg_add(struct segs *s, uint64_t start, uint8_t deny)
{
	if (s->n && s->deny[s->n - 1] == deny)
		return 0;
	if (s->n && s->start[s->n - 1] == start) {
		/* an empty stretch before: replace it */
		s->deny[s->n - 1] = deny;
		if (s->n > 1 && s->deny[s->n - 2] == deny)
			s->n--;
		return 0;
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *st = realloc(s->start, cap * sizeof(*st));
		uint8_t *d;

		if (!st)
			return -ENOMEM;
		s->start = st;
		d = realloc(s->deny, cap);
		if (!d)
			return -ENOMEM;
		s->deny = d;
		s->cap = cap;
	}
	s->start[s->n] = (uint32_t)start;
	s->deny[s->n] = deny;
	s->n++;
	return 0;
}

static uint64_t plen_size(uint8_t plen)
{
	return 1ull << (32 - plen);
}

/* The segment holding address a (a plain search over the whole array). */
static uint32_t seg_of(const struct dp_acl *t, uint32_t a)
{
	return dp_acl_search(t, 0, t->n_seg - 1, a);
}

static int build_index(struct dp_acl *t)
{
	uint32_t nodes = 0, k = 0, *plain;

	if (t->n_seg <= 2 * DP_ACL_L2_MIN)
		return 0;
	t->l1 = malloc(65537 * sizeof(uint32_t));
	plain = malloc(65537 * sizeof(uint32_t));
	if (!t->l1 || !plain) {
		free(plain);
		return -ENOMEM;
	}
	for (uint32_t h = 0; h < 65536; h++)
		plain[h] = seg_of(t, h << 16);
	plain[65536] = t->n_seg - 1;
	for (uint32_t h = 0; h < 65536; h++)
		nodes += plain[h + 1] - plain[h] > DP_ACL_L2_MIN;
	memcpy(t->l1, plain, 65537 * sizeof(uint32_t));
	if (nodes) {
		t->l2 = malloc((size_t)nodes * 257 * sizeof(uint32_t));
		if (!t->l2) {
			free(plain);
			return -ENOMEM;
		}
	}
	for (uint32_t h = 0; h < 65536; h++) {
		uint32_t *n;

		if (plain[h + 1] - plain[h] <= DP_ACL_L2_MIN)
			continue;
		n = &t->l2[(size_t)k * 257];
		for (uint32_t m = 0; m < 256; m++)
			n[m] = dp_acl_search(t, plain[h], plain[h + 1], h << 16 | m << 8);
		n[256] = plain[h + 1];
		t->l1[h] = DP_ACL_NODE | k++;
	}
	t->n_nodes = k;
	free(plain);
	return 0;
}

int cp_acl_build(const struct cp_prefix *allow, unsigned n_allow, const struct cp_prefix *deny,
		 unsigned n_deny, struct dp_acl **out)
{
	unsigned n = n_allow + n_deny, m = 0, sp = 0;
	struct item *it = calloc(n + 1, sizeof(*it)), *stack[33];
	struct segs s = { 0 };
	struct dp_acl *t = calloc(1, sizeof(*t));
	uint8_t dflt = n_allow > 0;   /* outside every prefix */
	int rc = -ENOMEM;

	if (!it || !t)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		const struct cp_prefix *p = i < n_allow ? &allow[i] : &deny[i - n_allow];
		uint32_t mask = p->plen ? 0xffffffffu << (32 - p->plen) : 0;

		it[i].start = p->addr & mask;
		it[i].end = it[i].start + plen_size(p->plen);
		it[i].plen = p->plen;
		it[i].deny = i >= n_allow;
	}
	qsort(it, n, sizeof(*it), cmp_item);
	/* one item per prefix; in both lists: deny */
	for (unsigned i = 0; i < n; i++) {
		if (m && it[m - 1].start == it[i].start && it[m - 1].plen == it[i].plen) {
			it[m - 1].deny |= it[i].deny;
			continue;
		}
		it[m++] = it[i];
	}
	/* "from here on, verdict v": at 0 the default; at a prefix's start
	 * its own; at its end the one of the prefix around it */
	if (seg_add(&s, 0, dflt) < 0)
		goto fail;
	for (unsigned i = 0; i <= m; i++) {
		uint64_t next = i < m ? it[i].start : 1ull << 32;

		while (sp && stack[sp - 1]->end <= next) {
			uint64_t end = stack[--sp]->end;

			if (end < (1ull << 32) &&
			    seg_add(&s, end, sp ? stack[sp - 1]->deny : dflt) < 0)
				goto fail;
		}
		if (i == m)
			break;
		/* nested inside the top (sorted, and prefixes never overlap
		 * partly) */
		if (seg_add(&s, it[i].start, it[i].deny) < 0)
			goto fail;
		stack[sp++] = &it[i];
	}
	if (s.n == 0 && seg_add(&s, 0, dflt) < 0)
		goto fail;
	t->n_seg = s.n;
	t->start = s.start;
	t->deny = s.deny;
	s.start = NULL;
	s.deny = NULL;
	rc = build_index(t);
	if (rc < 0)
		goto fail;
	free(it);
	*out = t;
	return 0;
fail:
	free(it);
	free(s.start);
	free(s.deny);
	cp_acl_free(t);
	return rc;
}

void cp_acl_free(struct dp_acl *t)
{
	if (!t)
		return;
	free(t->start);
	free(t->deny);
	free(t->l1);
	free(t->l2);
	free(t);
}

size_t cp_acl_memsize(const struct dp_acl *t)
{
	return sizeof(*t) + (size_t)t->n_seg * 5 + (t->l1 ? 65537 * 4 : 0) +
	       (size_t)t->n_nodes * 257 * 4;
}

int cp_acl_naive_denied(const struct cp_prefix *allow, unsigned n_allow,
			const struct cp_prefix *deny, unsigned n_deny, uint32_t a)
{
	int best = -1, verdict = n_allow > 0;

	for (unsigned i = 0; i < n_allow + n_deny; i++) {
		const struct cp_prefix *p = i < n_allow ? &allow[i] : &deny[i - n_allow];
		uint32_t mask = p->plen ? 0xffffffffu << (32 - p->plen) : 0;
		int d = i >= n_allow;

		if ((a & mask) != (p->addr & mask))
			continue;
		if (p->plen > best || (p->plen == best && d)) {
			best = p->plen;
			verdict = d;
		}
	}
	return verdict;
}
