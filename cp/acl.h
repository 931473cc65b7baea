/* cp/acl.h — building a service's source ACL (dp/acl.h) from its allow and
 * deny prefixes. Pure (no EAL): the unit tests compare it with a naive
 * longest-prefix scan. */
#ifndef MGW_CP_ACL_H
#define MGW_CP_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "dp/acl.h"

struct cp_prefix {
	uint32_t addr;        /* host order, no host bits set */
	uint8_t plen;
};

/* 0, or -ENOMEM. Either list may be empty (both empty: everything allowed). */
int cp_acl_build(const struct cp_prefix *allow, unsigned n_allow, const struct cp_prefix *deny,
		 unsigned n_deny, struct dp_acl **out);
void cp_acl_free(struct dp_acl *t);
/* Bytes the table holds (for the bench and the docs). */
size_t cp_acl_memsize(const struct dp_acl *t);
/* The reference: a scan of both lists for the longest prefix. */
int cp_acl_naive_denied(const struct cp_prefix *allow, unsigned n_allow,
			const struct cp_prefix *deny, unsigned n_deny, uint32_t a);

#endif
