/* dp/dp.h — the data plane: ports, data lcores, and what the control plane
 * may ask of them.
 *
 * Threads: dp_create() and everything but the lcore loop run on control
 * threads. Data lcores own their sessions, pools, timers and counters
 * (DESIGN.md "Who owns what"); the control plane reads counters (torn reads
 * are fine) and changes the configuration only by publishing a new
 * snapshot. */
#ifndef MGW_DP_DP_H
#define MGW_DP_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/neigh.h"
#include "dp/snap.h"
#include "dp/stats.h"

#define DP_MAX_LCORES 16

struct dp;

struct dp_port_conf {
	char name[16];        /* "wan"; the TAP is "mgw-<name>" */
	char devname[64];     /* ethdev name: vdev name ("net_af_packet0") or PCI address */
	char tapname[64];     /* ethdev name of its exception-path TAP ("net_tap0") */
	uint16_t mtu;
};

struct dp_conf {
	unsigned n_ports;
	struct dp_port_conf port[DP_MAX_PORTS];
	uint32_t sessions_per_lcore;
	uint32_t max_services;     /* stable service ids are < this */
	uint32_t max_servers;      /* stable server ids are < this */
	uint32_t mbufs;            /* 0 = computed */
	uint32_t idle_sleep_us;    /* longest sleep of an idle lcore; 0 = busy-poll */
	uint32_t tap_poll_us;      /* the TAPs are polled this often (0: every turn) */
	uint32_t neigh_hold_ms;    /* how long a packet waits for ARP */
	uint32_t sync_ring;        /* entries of each lcore's sync rings (0: no sync) */
	uint32_t lport_guards;     /* TIME-WAIT guard slots per lcore (0: sessions_per_lcore) */
};

/* Per server (stable id), summed over lcores by dp_server_stats(). */
struct dp_rs_stats {
	uint64_t conns;            /* sessions created */
	int64_t sessions;          /* sessions now (any state) */
	int64_t open;              /* sessions now in an open state */
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
	uint64_t pad;
};

/* Per service (stable id). */
struct dp_svc_stats {
	uint64_t conns;
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
	uint64_t no_server;        /* new flows refused: no usable server */
	uint64_t pad[2];
};

struct dp_port_info {
	char name[16];
	uint16_t eth_id, tap_id;
	uint8_t mac[6];
	bool link_up;
	uint64_t imissed, ierrors, oerrors;
};

/* After rte_eal_init(): set up the mbuf pool, ports, TAPs, per-lcore state,
 * rings and RCU. The data lcores are EAL's worker lcores. */
int dp_create(const struct dp_conf *conf, struct dp **out);

/* Publish a snapshot (before dp_start: the first one). Returns the one it
 * replaces; free that only after dp_synchronize(). */
struct dp_snap *dp_publish(struct dp *dp, struct dp_snap *snap);

/* Wait until every data lcore has passed a quiescent point since the last
 * dp_publish(): afterwards nobody reads the old snapshot. */
void dp_synchronize(struct dp *dp);

/* The same, for a caller that must not wait for ever on a stalled lcore:
 * dp_grace_start() begins a grace period, dp_grace_wait() waits for it at
 * most timeout_ms (0: only looks). 0 once every data lcore has passed a
 * quiescent point since the start, -ETIMEDOUT before that. */
uint64_t dp_grace_start(struct dp *dp);
int dp_grace_wait(struct dp *dp, uint64_t token, unsigned timeout_ms);

/* Launch the data lcores (a snapshot must have been published). */
int dp_start(struct dp *dp);

/* Stop the lcores and wait for them; then stop the ports. */
void dp_stop(struct dp *dp);
void dp_destroy(struct dp *dp);

unsigned dp_n_lcores(const struct dp *dp);
unsigned dp_lcore_id(const struct dp *dp, unsigned idx);
unsigned dp_n_ports(const struct dp *dp);
int dp_port_info(struct dp *dp, unsigned port, struct dp_port_info *out);
struct dp_neigh *dp_neigh_table(struct dp *dp);

/* Copies of counters (racy reads by design). */
void dp_lcore_stats(const struct dp *dp, unsigned idx, struct dp_lcore_stats *out);
void dp_server_stats(const struct dp *dp, uint32_t rs_id, struct dp_rs_stats *out);
void dp_service_stats(const struct dp *dp, uint32_t svc_id, struct dp_svc_stats *out);
uint64_t dp_sessions(const struct dp *dp, unsigned idx);
uint64_t dp_tsc_hz(const struct dp *dp);

/* What the control plane may ask every data lcore to do (DESIGN.md: "control
 * asks lcore N to change anything by a message"). One command at a time;
 * dp_command() waits until every lcore has done it. */
enum dp_cmd_kind {
	DP_CMD_NONE = 0,
	DP_CMD_FLUSH,          /* drop sessions: all, of a VIP, or of a server id */
};

struct dp_cmd {
	uint8_t kind;
	uint32_t vip;          /* network order; 0 = any */
	uint32_t rs_id;        /* UINT32_MAX = any */
};

/* 0, or -ETIMEDOUT when an lcore did not finish in timeout_ms (it goes on;
 * a later command waits for it). */
int dp_command(struct dp *dp, const struct dp_cmd *cmd, unsigned timeout_ms);

/* A session as the control plane sees it (a racy copy). */
struct dp_sess_view {
	uint8_t proto, state;
	uint8_t fwd;                      /* enum dp_fwd */
	uint16_t lcore;
	uint32_t cip, vip, lip, rip;      /* network order */
	uint16_t cport, vport, lport, rport;
	uint32_t expires_ms;              /* from now */
	uint8_t foreign;                  /* a peer's (sync) */
	uint8_t peer;                     /* then its peer slot (sync.peers index) */
};

/* Call fn for up to `limit` live sessions (of vip if non-zero). Returns
 * how many were visited. */
uint64_t dp_sessions_foreach(struct dp *dp, uint32_t vip, uint64_t limit,
			     void (*fn)(void *arg, const struct dp_sess_view *v), void *arg);

#endif
