/* cp/cp.c — the running config, changes to it, and the node's state
 * (see cp.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include "cp/cp_int.h"
#include "cp/notify.h"
#include "cp/snap.h"
#include "dp/flow.h"

RTE_LOG_REGISTER(mgw_logtype_cp, mgw.cp, INFO);

const char *const cp_state_names[] = { "starting", "pre-online", "online", "faulty", "stopping" };


static bool svc_in_use(void *arg, uint32_t id)
{
	(void)arg;
	(void)id;
	return false;   /* sessions outlive their service without its id */
}

/* A new service or server (or one whose id was reused) starts from zero. */
static void reset_fresh(struct cp *cp)
{
	uint32_t id;

	while (cp_ids_pop_fresh(cp->svc_ids, &id) == 0) {
		dp_service_stats(cp->dp, id, &cp->svc_base[id]);
		memset(&cp->svc_rate[id], 0, sizeof(cp->svc_rate[0]));
		cp->svc_rate[id].conns = cp->svc_base[id].conns;
		cp->svc_rate[id].pkts_in = cp->svc_base[id].pkts_in;
		cp->svc_rate[id].pkts_out = cp->svc_base[id].pkts_out;
		cp->svc_rate[id].bytes_in = cp->svc_base[id].bytes_in;
		cp->svc_rate[id].bytes_out = cp->svc_base[id].bytes_out;
	}
	while (cp_ids_pop_fresh(cp->rs_ids, &id) == 0) {
		dp_server_stats(cp->dp, id, &cp->rs_base[id]);
		memset(&cp->rs_rate[id], 0, sizeof(cp->rs_rate[0]));
		cp->rs_rate[id].conns = cp->rs_base[id].conns;
		cp->rs_rate[id].pkts_in = cp->rs_base[id].pkts_in;
		cp->rs_rate[id].pkts_out = cp->rs_base[id].pkts_out;
		cp->rs_rate[id].bytes_in = cp->rs_base[id].bytes_in;
		cp->rs_rate[id].bytes_out = cp->rs_base[id].bytes_out;
		cp->rs_drained[id] = 0;
		cp->rs_down[id] = 0;
	}
}

void cp_svc_counters(struct cp *cp, uint32_t id, struct dp_svc_stats *out)
{
	const struct dp_svc_stats *b = &cp->svc_base[id];

	dp_service_stats(cp->dp, id, out);
	out->conns -= b->conns;
	out->pkts_in -= b->pkts_in;
	out->pkts_out -= b->pkts_out;
	out->bytes_in -= b->bytes_in;
	out->bytes_out -= b->bytes_out;
	out->no_server -= b->no_server;
	for (unsigned i = 0; i < dp_n_svc_xlate_counters; i++)
		*dp_svc_counter_at(out, i) -= *dp_svc_counter_at((struct dp_svc_stats *)b, i);
#define CP_SVC_BASE(f, name, help) out->f -= b->f;
	DP_SVC_COUNTERS(CP_SVC_BASE)
#undef CP_SVC_BASE
}

void cp_rs_counters(struct cp *cp, uint32_t id, struct dp_rs_stats *out)
{
	const struct dp_rs_stats *b = &cp->rs_base[id];

	dp_server_stats(cp->dp, id, out);
	out->conns -= b->conns;
	out->pkts_in -= b->pkts_in;
	out->pkts_out -= b->pkts_out;
	out->bytes_in -= b->bytes_in;
	out->bytes_out -= b->bytes_out;
}

/* Build, publish and retire: the one way a config reaches the data plane.
 * Called with the lock held (or before anything else runs). */
static int apply_locked(struct cp *cp, struct cp_config *c, struct cp_err *err)
{
	struct dp_routes *new_routes = NULL, *old_routes = NULL;
	struct dp_route_spec *specs;
	struct cp_snap_in in;
	struct dp_snap *snap, *old;
	unsigned n;
	uint64_t h, token;
	int rc;

	specs = cp_snap_routes(c, &n, &h);
	if (!specs)
		return -ENOMEM;
	if (!cp->routes || h != cp->routes_hash) {
		char name[32];

		snprintf(name, sizeof(name), "mgw_rt%llu", (unsigned long long)++cp->routes_seq);
		rc = dp_routes_build(name, specs, n, &new_routes);
		if (rc < 0) {
			free(specs);
			snprintf(err->field, sizeof(err->field), "routes");
			snprintf(err->msg, sizeof(err->msg), "cannot build the route table: %s",
				 strerror(-rc));
			return rc;
		}
	}
	free(specs);

	memset(&in, 0, sizeof(in));
	in.cfg = c;
	in.prev = cp->snap;
	in.svc_ids = cp->svc_ids;
	in.rs_ids = cp->rs_ids;
	in.rs_down = cp->rs_down;
	in.gen = ++cp->gen;
	in.n_lcores = (uint16_t)dp_n_lcores(cp->dp);
	in.routes = new_routes ? new_routes : cp->routes;
	in.lip_hold = cp->lip_hold;
	in.n_lip_hold = cp->n_lip_hold;
	rc = cp_snap_build(&in, &snap, err);
	if (rc < 0) {
		dp_routes_free(new_routes);
		/* Give back the ids the failed build made live. */
		for (uint32_t i = 0; i < in.got_svc.n; i++)
			cp_ids_retire(cp->svc_ids, in.got_svc.v[i]);
		for (uint32_t i = 0; i < in.got_rs.n; i++)
			cp_ids_retire(cp->rs_ids, in.got_rs.v[i]);
		cp_snap_in_done(&in);
		return rc;
	}
	snap->laddr.mode = (uint8_t)dp_laddr_mode(cp->dp, &snap->laddr);
	old = dp_publish(cp->dp, snap);
	token = dp_grace_start(cp->dp);
	if (new_routes) {
		old_routes = cp->routes;
		cp->routes = new_routes;
		cp->routes_hash = h;
	}
	if (dp_grace_wait(cp->dp, token, CP_EDIT_WAIT_MS) < 0) {
		/* An lcore stalled after the change was let in: it may still
		 * read the old snapshot, so that waits in limbo. */
		struct cp_limbo *l = calloc(1, sizeof(*l));

		if (l) {
			l->snap = old;
			l->routes = old_routes;
			l->token = token;
			l->next = cp->limbo;
			cp->limbo = l;
			old = NULL;
			old_routes = NULL;
		} else {
			dp_synchronize(cp->dp);
		}
		CP_LOG(WARNING, "a data lcore has not left the previous snapshot in %u ms: "
		       "it waits to be freed", CP_EDIT_WAIT_MS);
	}
	dp_routes_free(old_routes);
	cp->snap = snap;
	reset_fresh(cp);
	/* Ids the previous snapshot used and this one does not: retired. */
	for (uint32_t i = 0; i < in.gone_svc.n; i++)
		cp_ids_retire(cp->svc_ids, in.gone_svc.v[i]);
	for (uint32_t i = 0; i < in.gone_rs.n; i++)
		cp_ids_retire(cp->rs_ids, in.gone_rs.v[i]);
	cp_snap_in_done(&in);
	cp_snap_free(old);
	/* Server ids wait for their sessions to end (maint.c reaps them). */
	cp_ids_reap(cp->svc_ids, svc_in_use, cp);
	return 0;
}

void cp_limbo_reap(struct cp *cp, bool all)
{
	struct cp_limbo **pp = &cp->limbo;

	while (*pp) {
		struct cp_limbo *l = *pp;

		if (all || dp_grace_wait(cp->dp, l->token, 0) == 0) {
			*pp = l->next;
			cp_snap_free(l->snap);
			dp_routes_free(l->routes);
			free(l);
		} else {
			pp = &l->next;
		}
	}
}

int cp_republish_locked(struct cp *cp)
{
	struct cp_err err = { "", "" };
	int rc = apply_locked(cp, cp->cfg, &err);

	if (rc < 0)
		CP_LOG(ERR, "republishing: %s: %s", err.field, err.msg);
	return rc;
}

int cp_lips_set(struct cp *cp, const struct cp_lip_hold *v, unsigned n)
{
	int rc;

	if (n > CP_MAX_LIP_HOLDS)
		return -E2BIG;
	pthread_mutex_lock(&cp->lock);
	if (n == cp->n_lip_hold && !memcmp(cp->lip_hold, v, n * sizeof(*v))) {
		pthread_mutex_unlock(&cp->lock);
		return 0;
	}
	memcpy(cp->lip_hold, v, n * sizeof(*v));
	cp->n_lip_hold = n;
	rc = cp_republish_locked(cp);
	pthread_mutex_unlock(&cp->lock);
	return rc;
}

int cp_create(struct cp_config *cfg, const char *cfg_path, const char *version, struct dp *dp,
	      struct cp **out)
{
	struct cp_err err = { "", "" };
	struct cp *cp = calloc(1, sizeof(*cp));
	int rc = -ENOMEM;

	if (!cp)
		return -ENOMEM;
	pthread_mutex_init(&cp->lock, NULL);
	pthread_mutex_init(&cp->ann_mu, NULL);
	pthread_mutex_init(&cp->state_mu, NULL);
	pthread_mutex_init(&cp->cluster_mu, NULL);
	cp->dp = dp;
	cp->version = version;
	rc = cp_notify_open(&cp->notify);
	if (rc < 0)
		CP_LOG(WARNING, "NOTIFY_SOCKET: %s: systemd will not hear from mgw", strerror(-rc));
	rc = -ENOMEM;
	cp->started_ms = dp_mono_ms();
	cp->cfg_path = cfg_path ? strdup(cfg_path) : NULL;
	cp->cfg_max_servers = cfg->max_servers;
	cp->rs_down = calloc(cfg->max_servers, 1);
	cp->rs_drained = calloc(cfg->max_servers, 1);
	cp->svc_base = calloc(cfg->max_services, sizeof(*cp->svc_base));
	cp->rs_base = calloc(cfg->max_servers, sizeof(*cp->rs_base));
	cp->svc_rate = calloc(cfg->max_services, sizeof(*cp->svc_rate));
	cp->rs_rate = calloc(cfg->max_servers, sizeof(*cp->rs_rate));
	if (!cp->rs_down || !cp->rs_drained || !cp->svc_base || !cp->rs_base || !cp->svc_rate ||
	    !cp->rs_rate || (cfg_path && !cp->cfg_path))
		goto err;
	if ((rc = cp_ids_create(cfg->max_services, &cp->svc_ids)) < 0 ||
	    (rc = cp_ids_create(cfg->max_servers, &cp->rs_ids)) < 0)
		goto err;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		snprintf(cp->tap_name[i], IF_NAMESIZE, "mgw-%s", cfg->ports[i].name);
	rc = apply_locked(cp, cfg, &err);
	if (rc < 0) {
		CP_LOG(ERR, "%s: %s", err.field, err.msg);
		goto err;
	}
	cp->cfg = cfg;
	cp->state = CP_STATE_STARTING;
	cp_announce_locked(cp);
	rc = cp_selfcheck_create(cp);
	if (rc < 0)
		goto err;
	*out = cp;
	return 0;
err:
	cp->cfg = NULL;
	cp_destroy(cp);
	return rc;
}

int cp_start(struct cp *cp)
{
	int rc;

	rc = cp_tapif_setup(cp);
	if (rc < 0)
		return rc;
	rc = cp_neigh_start(cp);
	if (rc < 0)
		return rc;
	rc = cp_maint_start(cp);
	if (rc < 0)
		return rc;
	rc = cp_health_start(cp);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&cp->lock);
	cp_health_sync(cp);
	pthread_mutex_unlock(&cp->lock);
	rc = cp_selfcheck_start(cp);
	if (rc < 0)
		return rc;
	cp_neigh_kick(cp);
	/* A node with peers joins first: it goes online once it holds their
	 * sessions (sync/). */
	if (cp->cfg->sync.enabled)
		cp_set_state(cp, CP_STATE_PRE_ONLINE, "joining the cluster: waiting for the peers' sessions");
	else
		cp_set_state(cp, CP_STATE_ONLINE, "started");
	return 0;
}

void cp_stop(struct cp *cp)
{
	if (!cp)
		return;
	cp_health_stop(cp);
	cp_selfcheck_stop(cp);
	cp_maint_stop(cp);
	cp_neigh_stop(cp);
}

void cp_destroy(struct cp *cp)
{
	if (!cp)
		return;
	cp_stop(cp);
	cp_selfcheck_destroy(cp);
	/* The data plane is stopped: nobody reads the snapshot any more. */
	cp_limbo_reap(cp, true);
	cp_snap_free(cp->snap);
	dp_routes_free(cp->routes);
	cp_ids_destroy(cp->svc_ids);
	cp_ids_destroy(cp->rs_ids);
	cp_config_free(cp->cfg);
	free(cp->rs_down);
	free(cp->rs_drained);
	free(cp->svc_base);
	free(cp->rs_base);
	free(cp->svc_rate);
	free(cp->rs_rate);
	free(cp->cfg_path);
	free(cp->ann);
	cp_notify_close(cp->notify);
	pthread_mutex_destroy(&cp->ann_mu);
	pthread_mutex_destroy(&cp->state_mu);
	pthread_mutex_destroy(&cp->lock);
	free(cp);
}

/* The speakers are made from the routing section at start. Compared
 * field by field: a config change must not cost a walk of every server. */
static bool ospf_equal(const struct cp_ospf_conf *a, const struct cp_ospf_conf *b)
{
	if (a->enabled != b->enabled || a->router_id != b->router_id || a->area != b->area ||
	    a->n_ifaces != b->n_ifaces || a->vip_cost != b->vip_cost || a->lip_cost != b->lip_cost)
		return false;
	for (unsigned i = 0; i < a->n_ifaces; i++) {
		const struct cp_ospf_iface_conf *x = &a->ifaces[i], *y = &b->ifaces[i];

		if (strcmp(x->port, y->port) != 0 || x->type != y->type || x->hello_s != y->hello_s ||
		    x->dead_s != y->dead_s || x->cost != y->cost || x->auth != y->auth ||
		    x->key_id != y->key_id || strcmp(x->key_file, y->key_file) != 0 ||
		    x->ttl_security != y->ttl_security)
			return false;
	}
	return true;
}

static bool bgp_equal(const struct cp_bgp_conf *a, const struct cp_bgp_conf *b)
{
	if (a->enabled != b->enabled || a->local_as != b->local_as ||
	    a->router_id != b->router_id || a->hold_s != b->hold_s || a->vip_med != b->vip_med ||
	    a->lip_med != b->lip_med || a->n_peers != b->n_peers)
		return false;
	for (unsigned i = 0; i < a->n_peers; i++)
		if (a->peers[i].ip != b->peers[i].ip || a->peers[i].as != b->peers[i].as ||
		    a->peers[i].port != b->peers[i].port || a->peers[i].auth != b->peers[i].auth ||
		    strcmp(a->peers[i].key_file, b->peers[i].key_file) != 0 ||
		    a->peers[i].ttl_security != b->peers[i].ttl_security)
			return false;
	return true;
}

static bool routing_equal(const struct cp_config *a, const struct cp_config *b)
{
	return ospf_equal(&a->ospf, &b->ospf) && bgp_equal(&a->bgp, &b->bgp);
}

/* Fields only a restart can change: they shape EAL, ports, tables and the
 * routing speakers. */
static int restart_only(const struct cp_config *a, const struct cp_config *b, struct cp_err *err)
{
	const char *what = NULL;

	if (a->n_ports != b->n_ports || memcmp(a->ports, b->ports, sizeof(a->ports)) != 0)
		what = "ports";
	else if (strcmp(a->lcores, b->lcores) != 0 || a->n_args != b->n_args ||
		 a->tap_poll_us != b->tap_poll_us)
		what = "dpdk";
	else if (a->api_addr != b->api_addr || a->api_port != b->api_port ||
		 a->api_max_body != b->api_max_body || strcmp(a->api_token, b->api_token) != 0 ||
		 a->api_max_buffered != b->api_max_buffered ||
		 a->api_conns_per_client != b->api_conns_per_client ||
		 a->api_request_timeout_s != b->api_request_timeout_s)
		what = "api";
	else if (a->metrics_addr != b->metrics_addr || a->metrics_port != b->metrics_port)
		what = "metrics";
	/* Fault injection is a test bench's switch: an API client must not
	 * be able to turn it on for itself. */
	else if (a->fault_injection != b->fault_injection)
		what = "debug.fault_injection";
	else if (!routing_equal(a, b))
		what = "routing";
	else if (memcmp(&a->sync, &b->sync, sizeof(a->sync)) != 0)
		what = "sync";
	else if (a->sessions_per_lcore != b->sessions_per_lcore ||
		 a->max_services != b->max_services || a->max_servers != b->max_servers ||
		 a->mbufs != b->mbufs || a->lport_guards != b->lport_guards)
		what = "limits";
	for (unsigned i = 0; !what && i < a->n_args; i++)
		if (strcmp(a->args[i], b->args[i]) != 0)
			what = "dpdk";
	if (!what)
		return 0;
	snprintf(err->field, sizeof(err->field), "%s", what);
	snprintf(err->msg, sizeof(err->msg), "cannot change while running: save and restart mgw");
	return -EINVAL;
}

static int commit_locked(struct cp *cp, struct cp_config *c, struct cp_err *err)
{
	struct cp_config *old = cp->cfg;
	int rc;

	rc = cp_config_validate(c, err);
	for (unsigned i = 0; rc == 0 && i < c->n_services; i++)
		cp_service_sort_servers(&c->services[i]);
	if (rc == 0)
		rc = restart_only(old, c, err);
	if (rc == 0)
		rc = apply_locked(cp, c, err);
	if (rc < 0)
		return rc;
	cp->cfg = c;
	cp_tapif_routes(cp, old, c);
	cp_config_free(old);
	cp_health_sync(cp);
	cp_announce_locked(cp);
	cp_neigh_kick(cp);
	return 0;
}

/* Before a change takes the lock: are the data lcores running? A change
 * that would wait for a stalled one is refused at once, and nothing is
 * changed (the self-check deals with the lcore). */
static int lcores_alive(struct cp *cp, struct cp_err *err)
{
	if (dp_grace_wait(cp->dp, dp_grace_start(cp->dp), CP_EDIT_WAIT_MS) == 0)
		return 0;
	snprintf(err->field, sizeof(err->field), "%s", "");
	snprintf(err->msg, sizeof(err->msg),
		 "a data lcore has not answered for %u ms: nothing was changed (the node's "
		 "self-check judges the lcore)", CP_EDIT_WAIT_MS);
	return -ETIMEDOUT;
}

/* The config lock, or -EBUSY after CP_LOCK_WAIT_MS (another change is
 * stuck). */
static int lock_timed(struct cp *cp, struct cp_err *err)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += CP_LOCK_WAIT_MS / 1000;
	if (pthread_mutex_timedlock(&cp->lock, &ts) == 0)
		return 0;
	snprintf(err->field, sizeof(err->field), "%s", "");
	snprintf(err->msg, sizeof(err->msg), "another change has held the config for %u s",
		 CP_LOCK_WAIT_MS / 1000);
	return -EBUSY;
}

int cp_edit(struct cp *cp, int (*fn)(struct cp_config *c, void *arg, struct cp_err *err),
	    void *arg, struct cp_err *err)
{
	struct cp_config *c = NULL;
	int rc;

	if ((rc = lcores_alive(cp, err)) < 0 || (rc = lock_timed(cp, err)) < 0)
		return rc;
	rc = cp_config_copy(cp->cfg, &c);
	if (rc == 0)
		rc = fn(c, arg, err);
	if (rc == 0)
		rc = commit_locked(cp, c, err);
	if (rc < 0)
		cp_config_free(c);   /* on success it is the running config */
	pthread_mutex_unlock(&cp->lock);
	return rc;
}

int cp_replace(struct cp *cp, struct cp_config *c, struct cp_err *err)
{
	int rc;

	if ((rc = lcores_alive(cp, err)) < 0 || (rc = lock_timed(cp, err)) < 0)
		return rc;
	rc = commit_locked(cp, c, err);
	pthread_mutex_unlock(&cp->lock);
	return rc;
}

struct cp_config *cp_config_get(struct cp *cp)
{
	struct cp_config *c = NULL;

	pthread_mutex_lock(&cp->lock);
	if (cp_config_copy(cp->cfg, &c) < 0)
		c = NULL;
	pthread_mutex_unlock(&cp->lock);
	return c;
}

const char *cp_config_path(const struct cp *cp)
{
	return cp->cfg_path;
}

enum cp_node_state cp_state(const struct cp *cp)
{
	return (enum cp_node_state)__atomic_load_n(&cp->state, __ATOMIC_ACQUIRE);
}

int cp_sd_notify(struct cp *cp, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!cp->notify)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cp_notify_send(cp->notify, "%s", msg);
}

uint64_t cp_sd_watchdog_us(const struct cp *cp)
{
	return cp_notify_watchdog_us(cp->notify);
}

bool cp_set_state_if(struct cp *cp, enum cp_node_state from, enum cp_node_state s,
		     const char *reason)
{
	int expect = (int)from;

	if (!__atomic_compare_exchange_n(&cp->state, &expect, (int)from, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	/* (The exchange only proves the state was `from`; a self-check
	 * verdict racing with us wins next time round, as it does with
	 * cp_set_state.) */
	cp_set_state(cp, s, reason);
	return true;
}

uint64_t cp_config_gen(struct cp *cp)
{
	return __atomic_load_n(&cp->gen, __ATOMIC_ACQUIRE);
}

void cp_set_state(struct cp *cp, enum cp_node_state s, const char *reason)
{
	int old;

	pthread_mutex_lock(&cp->state_mu);
	old = __atomic_exchange_n(&cp->state, (int)s, __ATOMIC_ACQ_REL);
	snprintf(cp->state_reason, sizeof(cp->state_reason), "%s", reason ? reason : "");
	cp_sd_notify(cp, "STATUS=%s: %s", cp_state_names[s], cp->state_reason);
	pthread_mutex_unlock(&cp->state_mu);
	if (old == (int)s)
		return;
	CP_LOG(NOTICE, "node state %s -> %s (%s)", cp_state_names[old], cp_state_names[s],
	       reason ? reason : "");
	/* Routes follow the state: withdrawn as soon as the node is no
	 * longer online (before the fail-safe downs the ports). Without the
	 * config lock: a config change may be stuck on a stalled lcore. */
	if (old == CP_STATE_ONLINE || s == CP_STATE_ONLINE)
		cp_announce_push(cp);
}
