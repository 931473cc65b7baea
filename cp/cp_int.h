/* cp/cp_int.h — the control plane's private state, shared by cp.c (config
 * changes), views.c (JSON views), tapif.c (kernel side of the TAPs) and
 * neigh.c (ARP learning). Not for use outside cp/. */
#ifndef MGW_CP_CP_INT_H
#define MGW_CP_CP_INT_H

#include <net/if.h>
#include <pthread.h>
#include <stdint.h>

#include <rte_log.h>

#include "cp/cp.h"
#include "cp/ids.h"
#include "dp/dp.h"

extern int mgw_logtype_cp;
#define CP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_cp, "cp: " fmt "\n", ##__VA_ARGS__)

struct cp_neigh;

struct cp {
	pthread_mutex_t lock;            /* serialises config changes */
	struct cp_config *cfg;           /* running config */
	char *cfg_path;
	const char *version;
	struct dp *dp;
	struct cp_ids *svc_ids, *rs_ids;
	uint8_t *rs_down;                /* per server id, from health checks */
	uint64_t gen;                    /* snapshot generation */
	struct dp_snap *snap;            /* published */
	struct dp_routes *routes;        /* shared by snapshots until routes change */
	uint64_t routes_hash;
	uint64_t routes_seq;

	int state;                       /* enum cp_node_state */
	char state_reason[160];
	uint64_t started_ms;             /* CLOCK_MONOTONIC */

	char tap_name[CP_MAX_PORTS][IF_NAMESIZE];
	struct cp_neigh *neigh;
};

uint64_t cp_now_ms(void);

/* tapif.c: address, MTU, routes of the kernel side of each TAP. */
int cp_tapif_setup(struct cp *cp);
int cp_tapif_routes(struct cp *cp, const struct cp_config *old, const struct cp_config *c);

/* neigh.c: ARP learning and probing over the TAPs. */
int cp_neigh_start(struct cp *cp);
void cp_neigh_stop(struct cp *cp);
/* Ask for the MACs of next hops the config will need (servers, gateways). */
void cp_neigh_kick(struct cp *cp);

#endif
