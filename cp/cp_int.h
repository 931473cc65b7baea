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
#include "dp/bytes.h"
#include "dp/dp.h"

extern int mgw_logtype_cp;
#define CP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_cp, "cp: " fmt "\n", ##__VA_ARGS__)

struct cp_neigh;
struct cp_maint;
struct cp_hc;
struct cp_selfcheck;
struct cp_notify;

/* Rates over the last seconds (exponentially averaged), per id. */
struct cp_rate {
	double cps, pps_in, pps_out, bps_in, bps_out;
	uint64_t conns, pkts_in, pkts_out, bytes_in, bytes_out;   /* last sample */
};

/* A snapshot (and route table) replaced while a data lcore did not come
 * by within the wait: freed once the grace period that began at its
 * replacement has passed (maint.c looks every second). */
struct cp_limbo {
	struct cp_limbo *next;
	struct dp_snap *snap;
	struct dp_routes *routes;
	uint64_t token;
};

/* How long a change waits for the data lcores (to confirm they run, then
 * to leave the old snapshot) and for the config lock, before it is
 * answered "unavailable" and the self-check left to judge the lcore. */
#define CP_EDIT_WAIT_MS 2000
#define CP_LOCK_WAIT_MS 5000

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
	/* state_mu guards state_reason and keeps it paired with state: the
	 * self-check sets them without the config lock (a config change may
	 * be stuck on a stalled lcore), the API reads them. Held for a copy. */
	pthread_mutex_t state_mu;
	char state_reason[160];
	uint64_t started_ms;             /* CLOCK_MONOTONIC */

	char tap_name[CP_MAX_PORTS][IF_NAMESIZE];
	struct cp_neigh *neigh;
	struct cp_maint *maint;
	struct cp_hc *hc;
	unsigned hc_targets;              /* servers checked now */
	/* The speakers and what they announce while online: its own lock, so
	 * a state change (the self-check going faulty) never waits for a
	 * config change. */
	pthread_mutex_t ann_mu;
	unsigned n_speakers;
	struct cp_speaker speaker[4];
	unsigned n_ann;
	struct cp_ann *ann;
	uint32_t cfg_max_servers;         /* limits.servers (fixed while running) */
	struct cp_selfcheck *sc;
	struct cp_cluster_ops cluster;    /* sync's; zero until it starts */
	struct cp_lip_hold lip_hold[CP_MAX_LIP_HOLDS];   /* cp_lips_set (lock) */
	unsigned n_lip_hold;
	pthread_mutex_t cluster_mu;

	/* Counters read minus these = what the API shows: an id reused by
	 * a new service/server, or zeroed (ipvsadm -Z), starts from 0. */
	struct dp_svc_stats *svc_base;
	struct dp_rs_stats *rs_base;
	struct cp_rate *svc_rate, *rs_rate;
	uint8_t *rs_drained;              /* per server id: "drained" was logged */
	struct cp_limbo *limbo;           /* lock held */
	struct cp_notify *notify;         /* systemd's socket, or NULL */

	/* FULLNAT's local ports, watched once a second (maint.c) from the
	 * lcores' counters, shown in /status (views.c); lock held. */
	struct {
		uint64_t refused;             /* new connections refused: no LIP:lport */
		uint64_t cut;                 /* TIME-WAIT guards cut short */
		uint64_t short_ms;            /* when the last refusal was seen */
		bool short_now;               /* refusals in the last minute (logged once) */
		bool cut_logged;
	} lports;
	/* Another host's NAs for a port's IPv6 address, watched likewise:
	 * logged when they start, again after a quiet minute. */
	struct {
		uint64_t seen;
		uint64_t last_ms;
	} nd_conflicts;
	uint8_t dad_sent[CP_MAX_PORTS];   /* probes since the link came up (tapif.c) */
};

/* cp.c: free what waits in limbo and whose grace period is over (lock
 * held); all of it when the data plane is stopped. */
void cp_limbo_reap(struct cp *cp, bool all);

/* views.c: a server's read-only status (up, down, draining, drained,
 * disabled) from its config, health and counters (lock held). */
const char *cp_rs_status(struct cp *cp, const struct cp_server_conf *r, uint32_t id, bool have_id,
			 const struct dp_rs_stats *st);

/* Counters of a service / server since its base (lock held). */
void cp_svc_counters(struct cp *cp, uint32_t id, struct dp_svc_stats *out);
void cp_rs_counters(struct cp *cp, uint32_t id, struct dp_rs_stats *out);

/* maint.c: once a second: rates, "drained" events, reaping retired ids;
 * and at once when kicked: a new snapshot with the servers' health. */
int cp_maint_start(struct cp *cp);
void cp_maint_stop(struct cp *cp);
void cp_maint_kick(struct cp *cp);

/* cp.c: build and publish a snapshot of the running config again (its
 * servers' health changed). Lock held. */
int cp_republish_locked(struct cp *cp);

/* routes.c: recompute what the node announces from the running config
 * (lock held) and tell the speakers; cp_announce_push() tells them again
 * after a state change (no lock needed). */
void cp_announce_locked(struct cp *cp);
void cp_announce_push(struct cp *cp);

/* health.c: the health checker over the running config's servers. */
int cp_health_start(struct cp *cp);
void cp_health_stop(struct cp *cp);
int cp_health_sync(struct cp *cp);              /* lock held */
json_t *cp_health_json(struct cp *cp, uint32_t rs_id);


/* selfcheck.c: the self-check thread and the node's fault state. */
int cp_selfcheck_create(struct cp *cp);
int cp_selfcheck_start(struct cp *cp);
void cp_selfcheck_stop(struct cp *cp);
void cp_selfcheck_destroy(struct cp *cp);
/* For fault.c: fake a port's link down (port -1: clear all); a port's
 * index by name; the self-check's lock around an injection; whether
 * debug.fault_injection is on. */
int cp_selfcheck_fake_link(struct cp *cp, int port, bool down);
int cp_selfcheck_port_index(struct cp *cp, const char *name);
void cp_selfcheck_lock(struct cp *cp, bool lock);
bool cp_selfcheck_injection_allowed(struct cp *cp);
/* Overload (offered load over capacity; not a fault): now, why, how many
 * times it began, full checks spent in it. */
void cp_selfcheck_overload(struct cp *cp, bool *overloaded, char *reason, size_t cap,
			   uint64_t *events, uint64_t *checks);

/* tapif.c: address, MTU, routes of the kernel side of each TAP. */
int cp_tapif_setup(struct cp *cp);
int cp_tapif_routes(struct cp *cp, const struct cp_config *old, const struct cp_config *c);
/* Once a second (maint.c): duplicate-address probes for each port's ip6
 * in the first seconds after its link has come up (a probe is lost on a
 * link that is down, and the first one on a link just up may be). */
void cp_tapif_dad(struct cp *cp);

/* neigh.c: ARP learning and probing over the TAPs. */
int cp_neigh_start(struct cp *cp);
void cp_neigh_stop(struct cp *cp);
/* Ask for the MACs of next hops the config will need (servers, gateways). */
void cp_neigh_kick(struct cp *cp);

#endif
