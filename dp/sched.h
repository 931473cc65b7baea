/* dp/sched.h — picking a real server for a new connection.
 *
 * The scheduler's tables (mh, sh) are built by the control plane into the
 * snapshot; what changes per pick (round-robin cursors, smooth-wrr credits,
 * connection counts) is the lcore's own state, so a pick takes no lock. */
#ifndef MGW_DP_SCHED_H
#define MGW_DP_SCHED_H

#include <stdint.h>

#include "dp/snap.h"

struct dp_lcore;

/* Index of the chosen server in svc->servers, or -1 when none is usable. */
int dp_sched_pick(struct dp_lcore *lc, const struct dp_service *svc, uint32_t cip,
		  uint16_t cport);

#endif
