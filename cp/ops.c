/* cp/ops.c — operations the API asks for beyond config changes: scheduler
 * lookups, saving the config, zeroing counters, flushing sessions, and the
 * routing, cluster and metrics views. (Fault injection and recovery: fault.c
 * and selfcheck.c.) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp/cp_int.h"
#include "dp/sched.h"

static uint64_t svc_key(uint8_t proto, uint32_t vip, uint16_t port)
{
	return dp_snap_svc_key(proto, vip, port);
}

int cp_lookup(struct cp *cp, uint8_t proto, uint32_t vip, uint16_t port, uint32_t src,
	      uint16_t sport, uint32_t *rs_ip, uint16_t *rs_port)
{
	const struct dp_service *ds;
	uint32_t i;
	int rc = -ENOENT;

	pthread_mutex_lock(&cp->lock);
	i = dp_map_get(cp->snap->svcs, svc_key(proto, htonl(vip), htons(port)));
	if (i == DP_MAP_NONE)
		goto out;
	ds = &cp->snap->svc[i];
	rc = -EOPNOTSUPP;
	if (!ds->table || (ds->sched != DP_SCHED_MH && ds->sched != DP_SCHED_SH))
		goto out;
	/* The data plane's own functions: the answer is what it does. */
	i = dp_sched_table_pick(ds->table, ds->table_size,
				dp_sched_slot(src, sport, ds->hash_port, ds->table_size),
				ds->usable, ds->n_servers);
	rc = -EHOSTUNREACH;
	if (i == DP_SCHED_NONE)
		goto out;
	*rs_ip = ntohl(ds->servers[i].ip);
	*rs_port = ntohs(ds->servers[i].port);
	rc = 0;
out:
	pthread_mutex_unlock(&cp->lock);
	return rc;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int cp_config_save(struct cp *cp, struct cp_err *err)
{
	char *tmp = NULL, *bak = NULL, *text = NULL, *dir = NULL;
	json_t *j;
	int fd = -1, dfd, rc;

	snprintf(err->field, sizeof(err->field), "%s", "");
	if (!cp->cfg_path) {
		snprintf(err->msg, sizeof(err->msg), "mgw was started without a config file");
		return -ENOENT;
	}
	pthread_mutex_lock(&cp->lock);
	j = cp_config_to_json(cp->cfg);
	pthread_mutex_unlock(&cp->lock);
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text || asprintf(&tmp, "%s.tmp.%d", cp->cfg_path, (int)getpid()) < 0 ||
	    asprintf(&bak, "%s.bak", cp->cfg_path) < 0 || !(dir = strdup(cp->cfg_path))) {
		rc = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, text, strlen(text));
	if (rc == 0)
		rc = write_all(fd, "\n", 1);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		goto out_unlink;
	/* Keep the previous version: a hard link survives the rename. */
	unlink(bak);
	if (link(cp->cfg_path, bak) < 0 && errno != ENOENT) {
		rc = -errno;
		goto out_unlink;
	}
	if (rename(tmp, cp->cfg_path) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	CP_LOG(NOTICE, "config saved to %s (previous in %s)", cp->cfg_path, bak);
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (rc < 0)
		snprintf(err->msg, sizeof(err->msg), "cannot write %s: %s", cp->cfg_path,
			 strerror(-rc));
	free(text);
	free(tmp);
	free(bak);
	free(dir);
	return rc;
}

static void zero_service(struct cp *cp, const struct dp_service *ds)
{
	dp_service_stats(cp->dp, ds->id, &cp->svc_base[ds->id]);
	for (uint32_t k = 0; k < ds->n_servers; k++)
		dp_server_stats(cp->dp, ds->servers[k].id, &cp->rs_base[ds->servers[k].id]);
}

void cp_stats_zero(struct cp *cp)
{
	pthread_mutex_lock(&cp->lock);
	for (uint32_t i = 0; i < cp->snap->n_svc; i++)
		zero_service(cp, &cp->snap->svc[i]);
	pthread_mutex_unlock(&cp->lock);
}

int cp_service_stats_zero(struct cp *cp, uint8_t proto, uint32_t vip, uint16_t port)
{
	uint32_t i;

	pthread_mutex_lock(&cp->lock);
	i = dp_map_get(cp->snap->svcs, svc_key(proto, htonl(vip), htons(port)));
	if (i != DP_MAP_NONE)
		zero_service(cp, &cp->snap->svc[i]);
	pthread_mutex_unlock(&cp->lock);
	return i == DP_MAP_NONE ? -ENOENT : 0;
}

int cp_sessions_flush(struct cp *cp, uint32_t vip)
{
	struct dp_cmd c = { .kind = DP_CMD_FLUSH, .vip = vip ? htonl(vip) : 0,
			    .rs_id = UINT32_MAX };

	return dp_command(cp->dp, &c, 5000);
}

int cp_server_flush(struct cp *cp, uint8_t proto, uint32_t vip, uint16_t port, uint32_t ip,
		    uint16_t rport)
{
	struct dp_cmd c = { .kind = DP_CMD_FLUSH, .vip = 0 };
	int rc;

	pthread_mutex_lock(&cp->lock);
	rc = cp_ids_find(cp->rs_ids, svc_key(proto, vip, port), (uint64_t)ip << 16 | rport,
			 &c.rs_id);
	pthread_mutex_unlock(&cp->lock);
	if (rc < 0)
		return 0;   /* never had a session */
	return dp_command(cp->dp, &c, 5000);
}


void cp_cluster_set(struct cp *cp, const struct cp_cluster_ops *ops)
{
	pthread_mutex_lock(&cp->cluster_mu);
	if (ops)
		cp->cluster = *ops;
	else
		memset(&cp->cluster, 0, sizeof(cp->cluster));
	pthread_mutex_unlock(&cp->cluster_mu);
}

int cp_cluster_force_online(struct cp *cp, const char *who)
{
	int rc = -EOPNOTSUPP;

	pthread_mutex_lock(&cp->cluster_mu);
	if (cp->cluster.force_online)
		rc = cp->cluster.force_online(cp->cluster.arg, who);
	pthread_mutex_unlock(&cp->cluster_mu);
	return rc;
}

json_t *cp_cluster_json(struct cp *cp)
{
	uint64_t sessions = 0;
	json_t *o, *sync = NULL;

	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++)
		sessions += dp_sessions(cp->dp, i);
	pthread_mutex_lock(&cp->cluster_mu);
	if (cp->cluster.status)
		sync = cp->cluster.status(cp->cluster.arg);
	pthread_mutex_unlock(&cp->cluster_mu);
	if (!sync)
		sync = json_pack("{s:b, s:[], s:I, s:I}", "enabled", 0, "peers", "sessions_local",
				 (json_int_t)sessions, "sessions_from_peers", (json_int_t)0);
	pthread_mutex_lock(&cp->lock);
	o = json_pack("{s:I, s:s, s:s, s:o}", "node_id", (json_int_t)cp->cfg->node_id, "state",
		      cp_state_names[cp_state(cp)], "state_reason", cp->state_reason, "sync", sync);
	pthread_mutex_unlock(&cp->lock);
	return o;
}

/* A growing text buffer for the exposition format. */
struct tbuf {
	char *s;
	size_t len, cap;
};

static void tb_add(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_add(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		char *ns = realloc(b->s, b->cap * 2 + (size_t)n + 1024);
		if (!ns)
			return;
		b->s = ns;
		b->cap = b->cap * 2 + (size_t)n + 1024;
	}
}

char *cp_metrics_text(struct cp *cp)
{
	struct tbuf b = { NULL, 0, 0 };
	struct dp_lcore_stats *st_all;
	uint64_t drops[DP_DROP_MAX] = { 0 };
	int state = cp_state(cp);

	tb_add(&b, "# HELP mgw_up The node's state: 1 when online.\n# TYPE mgw_up gauge\n");
	tb_add(&b, "mgw_up %d\n", state == CP_STATE_ONLINE);
	{
		char why[192];
		uint64_t events, checks;
		bool ov;

		cp_selfcheck_overload(cp, &ov, why, sizeof(why), &events, &checks);
		tb_add(&b, "# HELP mgw_overloaded 1 while offered load exceeds what the lcores take "
			   "(rx loss or ring overflow over selfcheck.max_loss_pct): not a fault.\n"
			   "# TYPE mgw_overloaded gauge\nmgw_overloaded %d\n", ov);
		tb_add(&b, "# HELP mgw_overload_events_total Times the node became overloaded.\n"
			   "# TYPE mgw_overload_events_total counter\nmgw_overload_events_total %llu\n",
		       (unsigned long long)events);
	}
	tb_add(&b, "# TYPE mgw_state gauge\n");
	for (int s = 0; s <= CP_STATE_STOPPING; s++)
		tb_add(&b, "mgw_state{state=\"%s\"} %d\n", cp_state_names[s], s == state);
	/* Every lcore counter of dp/stats.h's list, as mgw_lcore_<name>_total. */
	st_all = calloc(dp_n_lcores(cp->dp), sizeof(*st_all));
	if (!st_all)
		return NULL;
	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++) {
		dp_lcore_stats(cp->dp, i, &st_all[i]);
		for (unsigned d = 0; d < DP_DROP_MAX; d++)
			drops[d] += st_all[i].drops[d];
	}
	for (unsigned k = 0; k < dp_n_lcore_counters; k++) {
		const struct dp_lcore_counter *c = &dp_lcore_counters[k];

		tb_add(&b, "# HELP mgw_lcore_%s_total %s\n# TYPE mgw_lcore_%s_total counter\n",
		       c->prom, c->help, c->prom);
		for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++)
			tb_add(&b, "mgw_lcore_%s_total{lcore=\"%u\"} %llu\n", c->prom, i,
			       (unsigned long long)dp_lcore_counter_get(&st_all[i], k));
	}
	free(st_all);
	tb_add(&b, "# HELP mgw_lcore_sessions Sessions in the lcore's table.\n"
		   "# TYPE mgw_lcore_sessions gauge\n");
	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++)
		tb_add(&b, "mgw_lcore_sessions{lcore=\"%u\"} %llu\n", i,
		       (unsigned long long)dp_sessions(cp->dp, i));
	tb_add(&b, "# HELP mgw_drops_total Packets dropped, by reason.\n"
		   "# TYPE mgw_drops_total counter\n");
	for (unsigned d = 0; d < DP_DROP_MAX; d++)
		tb_add(&b, "mgw_drops_total{reason=\"%s\"} %llu\n", dp_drop_names[d],
		       (unsigned long long)drops[d]);
	tb_add(&b, "# TYPE mgw_service_connections_total counter\n"
		   "# TYPE mgw_service_packets_total counter\n"
		   "# TYPE mgw_service_bytes_total counter\n"
		   "# HELP mgw_service_refused_total New flows refused, by reason (acl, limits).\n"
		   "# TYPE mgw_service_refused_total counter\n"
		   "# HELP mgw_service_sessions_evicted_total Sessions evicted under table pressure.\n"
		   "# TYPE mgw_service_sessions_evicted_total counter\n"
		   "# TYPE mgw_server_connections_total counter\n"
		   "# TYPE mgw_server_active_connections gauge\n"
		   "# TYPE mgw_server_up gauge\n");
	for (unsigned k = 0; k < dp_n_svc_xlate_counters; k++)
		tb_add(&b, "# HELP mgw_service_%s_total %s\n# TYPE mgw_service_%s_total counter\n",
		       dp_svc_xlate_counters[k].name, dp_svc_xlate_counters[k].help,
		       dp_svc_xlate_counters[k].name);
	pthread_mutex_lock(&cp->lock);
	for (uint32_t i = 0; i < cp->snap->n_svc; i++) {
		const struct dp_service *ds = &cp->snap->svc[i];
		struct dp_svc_stats ss;
		char v[16], lbl[96];

		cp_svc_counters(cp, ds->id, &ss);
		snprintf(lbl, sizeof(lbl), "proto=\"%s\",vip=\"%s\",port=\"%u\"",
			 cp_proto_name(ds->proto), cp_ipv4_str(ntohl(ds->vip), v), ntohs(ds->port));
		tb_add(&b, "mgw_service_connections_total{%s} %llu\n", lbl,
		       (unsigned long long)ss.conns);
		tb_add(&b, "mgw_service_packets_total{%s,dir=\"in\"} %llu\n", lbl,
		       (unsigned long long)ss.pkts_in);
		tb_add(&b, "mgw_service_packets_total{%s,dir=\"out\"} %llu\n", lbl,
		       (unsigned long long)ss.pkts_out);
		tb_add(&b, "mgw_service_bytes_total{%s,dir=\"in\"} %llu\n", lbl,
		       (unsigned long long)ss.bytes_in);
		tb_add(&b, "mgw_service_bytes_total{%s,dir=\"out\"} %llu\n", lbl,
		       (unsigned long long)ss.bytes_out);
		for (unsigned k = 0; ds->xlate && k < dp_n_svc_xlate_counters; k++)
			tb_add(&b, "mgw_service_%s_total{%s} %llu\n", dp_svc_xlate_counters[k].name,
			       lbl, (unsigned long long)*dp_svc_counter_at(&ss, k));
#define CP_SVC_PROM(f, name, help)                                                         \
		if (strcmp(name, "evicted") == 0)                                                  \
			tb_add(&b, "mgw_service_sessions_evicted_total{%s} %llu\n", lbl,           \
			       (unsigned long long)ss.f);                                          \
		else                                                                               \
			tb_add(&b, "mgw_service_refused_total{%s,reason=\"%s\"} %llu\n", lbl, name, \
			       (unsigned long long)ss.f);
		DP_SVC_COUNTERS(CP_SVC_PROM)
#undef CP_SVC_PROM
		for (uint32_t k = 0; k < ds->n_servers; k++) {
			const struct dp_server *r = &ds->servers[k];
			struct dp_rs_stats rs;
			char a[16];

			cp_rs_counters(cp, r->id, &rs);
			cp_ipv4_str(ntohl(r->ip), a);
			tb_add(&b, "mgw_server_connections_total{%s,server=\"%s:%u\"} %llu\n", lbl,
			       a, ntohs(r->port), (unsigned long long)rs.conns);
			tb_add(&b, "mgw_server_active_connections{%s,server=\"%s:%u\"} %lld\n", lbl,
			       a, ntohs(r->port), (long long)(rs.open > 0 ? rs.open : 0));
			tb_add(&b, "mgw_server_up{%s,server=\"%s:%u\"} %d\n", lbl, a,
			       ntohs(r->port), !(r->flags & DP_RS_DOWN));
		}
	}
	pthread_mutex_unlock(&cp->lock);
	return b.s ? b.s : strdup("");
}
