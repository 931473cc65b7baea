/* dp/sched.c — server selection (see sched.h). */
#include "dp/dp_int.h"
#include "dp/sched.h"

static int pick_rr(struct dp_lcore *lc, const struct dp_service *svc)
{
	uint32_t *cur = &lc->rr[svc->id];
	uint32_t n = svc->n_servers;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (*cur + k) % n;

		if (dp_server_usable(&svc->servers[i])) {
			*cur = i + 1;
			return (int)i;
		}
	}
	return -1;
}

int dp_sched_pick(struct dp_lcore *lc, const struct dp_service *svc, uint32_t cip,
		  uint16_t cport)
{
	(void)cip;
	(void)cport;
	if (svc->n_servers == 0)
		return -1;
	switch (svc->sched) {
	default:
		return pick_rr(lc, svc);
	}
}
