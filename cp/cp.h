/* cp/cp.h — the control plane: the running config and the snapshots made
 * from it, the node's state, the exception path's kernel side, neighbour
 * learning, and the views (status, stats, sessions) the API serves.
 *
 * Every change of config goes through cp_edit(): under one lock, a copy of
 * the running config is changed, validated whole, turned into a snapshot
 * and published; only then does it become the running config. A change
 * that fails leaves everything as it was. */
#ifndef MGW_CP_CP_H
#define MGW_CP_CP_H

#include <jansson.h>

#include "cp/config.h"

struct cp;
struct dp;

enum cp_node_state {
	CP_STATE_STARTING = 0,
	CP_STATE_PRE_ONLINE,
	CP_STATE_ONLINE,
	CP_STATE_FAULTY,
	CP_STATE_STOPPING,
};

extern const char *const cp_state_names[];

/* Takes ownership of cfg. Builds and publishes the first snapshot (call
 * before dp_start). cfg_path: where POST /config/save writes. */
int cp_create(struct cp_config *cfg, const char *cfg_path, const char *version, struct dp *dp,
	      struct cp **out);
/* Kernel side of the TAPs, neighbour thread. */
int cp_start(struct cp *cp);
void cp_stop(struct cp *cp);
void cp_destroy(struct cp *cp);

/* Change the config: fn edits a private copy (return 0, or -errno with err
 * filled); the result is validated whole and applied, or nothing is.
 * -EINVAL: invalid (err says why); -ETIMEDOUT: a data lcore did not answer
 * within CP_EDIT_WAIT_MS, -EBUSY: the config lock was held too long (both:
 * nothing changed, the API says 503); other -errno: fn's own or internal. */
int cp_edit(struct cp *cp, int (*fn)(struct cp_config *c, void *arg, struct cp_err *err),
	    void *arg, struct cp_err *err);
/* Replace the whole config (PUT /config). Takes ownership of c on success.
 * Fields that need a restart (ports, dpdk, api) must not change. */
int cp_replace(struct cp *cp, struct cp_config *c, struct cp_err *err);

/* A private copy of the running config; free with cp_config_free. */
struct cp_config *cp_config_get(struct cp *cp);
const char *cp_config_path(const struct cp *cp);

/* A message to the service manager (systemd's NOTIFY_SOCKET; nothing
 * without it): "READY=1", "RELOADING=1", "STOPPING=1", ... The state and
 * its reason go as STATUS= by themselves on every change; the self-check
 * thread sends WATCHDOG=1 while it runs. */
int cp_sd_notify(struct cp *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether systemd asked for a watchdog (µs between pets, 0 = no). */
uint64_t cp_sd_watchdog_us(const struct cp *cp);

enum cp_node_state cp_state(const struct cp *cp);
void cp_set_state(struct cp *cp, enum cp_node_state s, const char *reason);
/* The same only if the state is still `from` (true when it changed). */
bool cp_set_state_if(struct cp *cp, enum cp_node_state from, enum cp_node_state s,
		     const char *reason);
/* Moves on with every published snapshot (a config or health change). */
uint64_t cp_config_gen(struct cp *cp);

/* Session sync (sync/) tells the API what it knows: GET /cluster's "sync"
 * object (a new reference; called from the API's thread), the node's
 * holdings of local IPs, and an operator's "go online now". */
struct cp_cluster_ops {
	json_t *(*status)(void *arg);
	int (*force_online)(void *arg, const char *who);
	void *arg;
};
void cp_cluster_set(struct cp *cp, const struct cp_cluster_ops *ops);
int cp_cluster_force_online(struct cp *cp, const char *who);

/* Local IPs held in a cluster (sync/failover.c): with sync on, the node
 * answers ARP only for the addresses listed with arp set (its own once no
 * peer holds them, a dead peer's it inherited), and receives for every
 * listed one and its own; without sync it answers for its own always. */
#define CP_MAX_LIP_HOLDS 256
struct cp_lip_hold {
	uint32_t ip;             /* host order; 0 for an IPv6 one */
	bool arp;                /* answered (ARP, or ND for an IPv6 one) */
	bool v6;                 /* ip6 is the address */
	uint8_t ip6[16];
};
/* Replace the list and publish a snapshot with it (0 or -errno). */
int cp_lips_set(struct cp *cp, const struct cp_lip_hold *v, unsigned n);

/* What the node announces to its routers: its VIPs (equal cost on every
 * node) and its local IPs, while it is online; nothing otherwise. IPv6
 * ones too: the speakers that cannot carry them (OSPFv2) skip them. */
enum cp_ann_kind { CP_ANN_VIP = 1, CP_ANN_LIP = 2 };

struct cp_ann {
	uint32_t addr;           /* host order, a /32, when !v6 */
	bool v6;                 /* a /128: addr6 (network order) */
	uint8_t addr6[16];
	uint8_t kind;            /* enum cp_ann_kind */
	uint16_t ospf_cost;
	uint32_t bgp_med;
};

/* A routing speaker: told the announced set on every change (config or
 * node state), with cp's lock held — it must only copy and return; asked
 * for its status and heartbeat by the API and the self-check. */
struct cp_speaker {
	const char *name;        /* "ospf", "bgp" */
	void (*announce)(void *arg, const struct cp_ann *a, unsigned n);
	json_t *(*status)(void *arg);
	uint64_t (*heartbeat)(void *arg);
	void *arg;
};

/* Register a speaker (at most 4); it is told the current set at once. */
int cp_speaker_add(struct cp *cp, const struct cp_speaker *s);
/* Forget every speaker (before stopping them). */
void cp_speakers_clear(struct cp *cp);

/* Views for the API (new references). */
json_t *cp_status_json(struct cp *cp);
json_t *cp_stats_json(struct cp *cp);
/* GET /sessions as JSON text (malloc'ed), written as the tables are
 * walked: no JSON tree of a hundred thousand objects. */
char *cp_sessions_text(struct cp *cp, const struct cp_ip *vip, uint64_t limit);
/* One service with its servers' read-only state (status, connections),
 * or NULL when it does not exist. */
json_t *cp_service_view(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port);
json_t *cp_services_view(struct cp *cp);
/* One server of a service with its live state, or NULL. */
json_t *cp_server_view(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
		       const struct cp_ip *ip, uint16_t rport);
json_t *cp_routing_json(struct cp *cp);
json_t *cp_cluster_json(struct cp *cp);
/* Prometheus text exposition (malloc'ed). */
char *cp_metrics_text(struct cp *cp);

/* The server an sh/mh service gives a client (what the data plane would
 * pick for its next connection). -ENOENT: no such service; -EOPNOTSUPP:
 * the scheduler's pick is not a function of the client; -EHOSTUNREACH: no
 * usable server. Addresses host order. */
int cp_lookup(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
	      const struct cp_ip *src, uint16_t sport, struct cp_ip *rs_ip, uint16_t *rs_port);

/* Write the running config to its file: a temp file, fsync, rename; the
 * previous file is kept as FILE.bak. */
int cp_config_save(struct cp *cp, struct cp_err *err);

/* Counters seen through the API start again from zero (ipvsadm -Z). */
void cp_stats_zero(struct cp *cp);
/* The same for one service and its servers (ipvsadm -Z -t VIP:PORT);
 * -ENOENT when there is no such service. Addresses host order. */
int cp_service_stats_zero(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port);

/* Fault injection for tests (POST /debug/fault): -EPERM unless
 * debug.fault_injection; -EINVAL with msg for an unknown kind. */
int cp_fault(struct cp *cp, const json_t *req, char *msg, size_t len);

/* Clear a faulty state (POST /status/recover): -EALREADY when not faulty. */
int cp_recover(struct cp *cp);

/* Drop sessions now: all (vip NULL) or of a VIP; or those of one server. */
int cp_sessions_flush(struct cp *cp, const struct cp_ip *vip);
int cp_server_flush(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
		    const struct cp_ip *ip, uint16_t rport);

#endif
