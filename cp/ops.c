/* cp/ops.c — operations the API asks for beyond config changes: scheduler
 * lookups, saving the config, zeroing counters, flushing sessions, and the
 * routing and cluster views. (Metrics: metrics.c; fault injection and
 * recovery: fault.c and selfcheck.c.) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp/cp_int.h"
#include "cp/snap.h"
#include "dp/sched.h"

/* The published service the API names (lock held), or NULL. */
static const struct dp_service *snap_service(struct cp *cp, uint8_t proto,
					     const struct cp_ip *vip, uint16_t port)
{
	return dp_snap_service(cp->snap, proto, cp_snap_addr(vip), htons(port));
}

int cp_lookup(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
	      const struct cp_ip *src, uint16_t sport, struct cp_ip *rs_ip, uint16_t *rs_port)
{
	const struct dp_service *ds;
	const struct dp_server *r;
	uint32_t i;
	int rc = -ENOENT;

	pthread_mutex_lock(&cp->lock);
	ds = snap_service(cp, proto, vip, port);
	if (!ds || ds->vip_v6 != vip->v6 || (vip->v6 && memcmp(ds->vip6, vip->v6a, 16)))
		goto out;
	rc = -EINVAL;
	if (src->v6 != vip->v6)
		goto out;   /* a client reaches a VIP of its own family */
	rc = -EOPNOTSUPP;
	if (!ds->table || (ds->sched != DP_SCHED_MH && ds->sched != DP_SCHED_SH))
		goto out;
	/* The data plane's own functions on the address it keys (an IPv6
	 * client's handle): the answer is what it does. */
	i = dp_sched_table_pick(ds->table, ds->table_size,
				dp_sched_slot(ntohl(cp_snap_addr(src)), sport, ds->hash_port,
					      ds->table_size),
				ds->usable, ds->n_servers);
	rc = -EHOSTUNREACH;
	if (i == DP_SCHED_NONE)
		goto out;
	r = &ds->servers[i];
	*rs_ip = ds->rs_v6 ? cp_ip6(r->ip6) : cp_ip4(ntohl(r->ip));
	*rs_port = ntohs(r->port);
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

int cp_service_stats_zero(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port)
{
	const struct dp_service *ds;

	pthread_mutex_lock(&cp->lock);
	ds = snap_service(cp, proto, vip, port);
	if (ds)
		zero_service(cp, ds);
	pthread_mutex_unlock(&cp->lock);
	return ds ? 0 : -ENOENT;
}

int cp_sessions_flush(struct cp *cp, const struct cp_ip *vip)
{
	struct dp_cmd c = { .kind = DP_CMD_FLUSH, .vip = vip ? cp_snap_addr(vip) : 0,
			    .rs_id = UINT32_MAX };

	return dp_command(cp->dp, &c, 5000);
}

int cp_server_flush(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
		    const struct cp_ip *ip, uint16_t rport)
{
	struct dp_cmd c = { .kind = DP_CMD_FLUSH, .vip = 0 };
	int rc;

	pthread_mutex_lock(&cp->lock);
	rc = cp_ids_find(cp->rs_ids, cp_snap_svc_key_ip(proto, vip, port),
			 cp_snap_server_key_ip(ip, rport), &c.rs_id);
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
