/* dp/acl.h — a service's source ACL as the data plane reads it: the
 * address space cut into segments, each allowed or refused, built by the
 * control plane (cp/acl.c) from the service's allow and deny prefixes.
 *
 * Meaning (docs/config.md "acl"): the longest prefix of either list that
 * holds the source decides; the same prefix in both lists: deny wins; no
 * prefix holds it: allowed when the allow list is empty, refused otherwise.
 * The control plane resolves all of that once into segments — sorted
 * starts, a verdict each — so the lookup is a search for the last start
 * ≤ the address, made O(1)-ish by an index on the top 16 bits and, for a
 * /16 holding many segments, a second one on the next 8: at most two index
 * reads and a binary search over ≤ 16 segments, or over the ≤ 513 segments
 * of one /24 in the worst case (a /24 full of /32s: 10 steps).
 *
 * Immutable once built and shared by the snapshots that use it. */
#ifndef MGW_DP_ACL_H
#define MGW_DP_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_ACL_NODE 0x80000000u   /* l1 entry: index of an l2 node */
#define DP_ACL_L2_MIN 16          /* a /16 with more segments gets a node */

struct dp_acl {
	uint32_t n_seg;
	uint32_t *start;      /* n_seg, ascending, start[0] = 0 (host order) */
	uint8_t *deny;        /* n_seg: 1 = refused */
	uint32_t *l1;         /* 65536 + 1, or NULL (few segments) */
	uint32_t *l2;         /* 256 + 1 per node: segment of each /24's start */
	uint32_t n_nodes;
};

/* The last segment in [lo, hi] whose start is ≤ a (start[lo] ≤ a). */
static inline uint32_t dp_acl_search(const struct dp_acl *t, uint32_t lo, uint32_t hi, uint32_t a)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (t->start[mid] <= a)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Is source address a (host order) refused? */
static inline bool dp_acl_denied(const struct dp_acl *t, uint32_t a)
{
	uint32_t lo, hi, e;

	if (!t->l1)
		return t->deny[dp_acl_search(t, 0, t->n_seg - 1, a)];
	e = t->l1[a >> 16];
	if (e & DP_ACL_NODE) {
		const uint32_t *n = &t->l2[(size_t)(e & ~DP_ACL_NODE) * 257];

		lo = n[a >> 8 & 0xff];
		hi = n[(a >> 8 & 0xff) + 1];
	} else {
		uint32_t f = t->l1[(a >> 16) + 1];

		lo = e;
		/* the next /16's first segment: its own index, or its node's */
		hi = f & DP_ACL_NODE ? t->l2[(size_t)(f & ~DP_ACL_NODE) * 257] : f;
	}
	return t->deny[dp_acl_search(t, lo, hi, a)];
}

#endif
