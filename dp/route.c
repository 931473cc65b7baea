/* dp/route.c — building route tables (see route.h). */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "dp/route.h"

int dp_routes_build(const char *name, const struct dp_route_spec *r, unsigned n,
		    struct dp_routes **out)
{
	struct rte_lpm_config cfg = {
		.max_rules = n + 16,
		.number_tbl8s = 256,
	};
	struct dp_routes *rt;
	int rc = 0;

	if (n > 65535)
		return -E2BIG;
	rt = calloc(1, sizeof(*rt) + (n + 1) * sizeof(rt->nh[0]));
	if (!rt)
		return -ENOMEM;
	rt->lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
	if (!rt->lpm) {
		rc = -rte_errno;
		goto err;
	}
	/* One next hop per route keeps the mapping trivial; duplicates are
	 * harmless at these sizes. */
	rt->default_nh = -1;
	for (unsigned i = 0; i < n; i++) {
		rt->nh[i].gw = r[i].gw;
		rt->nh[i].port = r[i].port;
		if (r[i].plen == 0) {
			rt->default_nh = (int32_t)i;
			continue;
		}
		rc = rte_lpm_add(rt->lpm, __builtin_bswap32(r[i].prefix), r[i].plen, i);
		if (rc < 0)
			goto err_lpm;
	}
	rt->n_routes = n;
	rt->n_nh = n;
	*out = rt;
	return 0;
err_lpm:
	rte_lpm_free(rt->lpm);
err:
	free(rt);
	return rc < 0 ? rc : -EINVAL;
}

void dp_routes_free(struct dp_routes *rt)
{
	if (!rt)
		return;
	rte_lpm_free(rt->lpm);
	free(rt);
}
