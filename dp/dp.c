/* dp/dp.c — setting the data plane up and down, publishing snapshots, and
 * the read-only views the control plane takes of it (see dp.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp/dp_int.h"

RTE_LOG_REGISTER(mgw_logtype_dp, mgw.dp, INFO);

static uint32_t pool_size(const struct dp *dp)
{
	uint32_t n = dp->n_lcores;
	uint32_t per_port = n * (DP_RX_DESC + DP_TX_DESC + 2 * DP_TAP_DESC + 2 * DP_BURST);
	uint32_t per_lcore = 512 /* cache */ + DP_HOLD_MAX + n * DP_RING_SIZE;

	return dp->n_ports * per_port + n * per_lcore + 4096;
}

int dp_create(const struct dp_conf *conf, struct dp **out)
{
	struct rte_rcu_qsbr *qs;
	struct dp *dp;
	unsigned lcore, idx = 0;
	size_t qs_sz;
	int rc;

	dp = rte_zmalloc("dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (!dp)
		return -ENOMEM;
	dp->conf = *conf;
	dp->n_ports = conf->n_ports;
	pthread_mutex_init(&dp->cmd_lock, NULL);
	pthread_mutex_init(&dp->sp_lock, NULL);
	dp->tsc_hz = rte_get_tsc_hz();
	dp->tap_poll_tsc = dp->tsc_hz / 1000000 * conf->tap_poll_us;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (idx == DP_MAX_LCORES) {
			rc = -E2BIG;
			goto err;
		}
		idx++;
	}
	dp->n_lcores = idx;
	if (dp->n_lcores == 0) {
		DP_LOG(ERR, "no data lcore: dpdk.lcores needs a main lcore and at least one more");
		rc = -EINVAL;
		goto err;
	}

	rc = dp_neigh_create(4096, &dp->neigh);
	if (rc < 0)
		goto err;

	dp->pool = rte_pktmbuf_pool_create("dp_mbufs", conf->mbufs ? conf->mbufs : pool_size(dp),
					   256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!dp->pool) {
		DP_LOG(ERR, "cannot create the mbuf pool: %s", rte_strerror(rte_errno));
		rc = -rte_errno;
		goto err;
	}

	qs_sz = rte_rcu_qsbr_get_memsize(dp->n_lcores);
	qs = rte_zmalloc("dp_rcu", qs_sz, RTE_CACHE_LINE_SIZE);
	if (!qs) {
		rc = -ENOMEM;
		goto err;
	}
	dp->qs = qs;
	rc = rte_rcu_qsbr_init(qs, dp->n_lcores);
	if (rc < 0)
		goto err;

	idx = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rc = dp_lcore_init(dp, idx, lcore);
		if (rc < 0)
			goto err;
		idx++;
	}
	for (unsigned a = 0; a < dp->n_lcores; a++) {
		for (unsigned b = 0; b < dp->n_lcores; b++) {
			char name[RTE_RING_NAMESIZE];

			if (a == b)
				continue;
			snprintf(name, sizeof(name), "dp_rd_%u_%u", a % 100, b % 100);
			dp->ring[a][b] = rte_ring_create(name, DP_RING_SIZE, SOCKET_ID_ANY,
							 RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "dp_pt_%u_%u", a % 100, b % 100);
			dp->tring[a][b] = rte_ring_create_elem(name, sizeof(struct dp_persist_ent),
							       DP_RING_SIZE, SOCKET_ID_ANY,
							       RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!dp->ring[a][b] || !dp->tring[a][b]) {
				rc = -rte_errno;
				goto err;
			}
		}
	}
	for (unsigned a = 0; conf->sync_ring && a < dp->n_lcores; a++) {
		char name[RTE_RING_NAMESIZE];
		struct dp_lcore_sync *y = &dp->lc[a]->sync;

		snprintf(name, sizeof(name), "dp_sev_%u", a);
		y->ev = rte_ring_create_elem(name, sizeof(struct dp_sync_rec), conf->sync_ring,
					     SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "dp_sin_%u", a);
		y->in = rte_ring_create_elem(name, sizeof(struct dp_sync_rec), conf->sync_ring,
					     SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!y->ev || !y->in) {
			rc = -rte_errno;
			goto err;
		}
	}
	for (unsigned i = 0; i < dp->n_ports; i++) {
		dp->port[i].conf = conf->port[i];
		rc = dp_port_init(dp, i);
		if (rc < 0) {
			while (i-- > 0)
				dp_port_close(dp, i);
			goto err;
		}
	}
	*out = dp;
	return 0;
err:
	dp_destroy(dp);
	return rc;
}

struct dp_snap *dp_publish(struct dp *dp, struct dp_snap *snap)
{
	dp_flow_sync(dp, &snap->laddr);
	__atomic_store_n(&dp->laddr_seq, dp->laddr_seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	dp->laddr_copy = snap->laddr;
	__atomic_store_n(&dp->laddr_seq, dp->laddr_seq + 1, __ATOMIC_RELEASE);
	return __atomic_exchange_n(&dp->snap, snap, __ATOMIC_ACQ_REL);
}

void dp_synchronize(struct dp *dp)
{
	if (dp->started)
		rte_rcu_qsbr_synchronize(dp->qs, RTE_QSBR_THRID_INVALID);
}

uint64_t dp_grace_start(struct dp *dp)
{
	return dp->started ? rte_rcu_qsbr_start(dp->qs) : 0;
}

int dp_grace_wait(struct dp *dp, uint64_t token, unsigned timeout_ms)
{
	uint64_t deadline = rte_get_tsc_cycles() + (uint64_t)timeout_ms * dp->tsc_hz / 1000;

	if (!dp->started)
		return 0;
	while (rte_rcu_qsbr_check(dp->qs, token, false) != 1) {
		if (rte_get_tsc_cycles() >= deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(100);
	}
	return 0;
}

int dp_command(struct dp *dp, const struct dp_cmd *cmd, unsigned timeout_ms)
{
	uint64_t deadline = rte_get_tsc_cycles() + (uint64_t)timeout_ms * dp->tsc_hz / 1000;
	int rc = 0;

	pthread_mutex_lock(&dp->cmd_lock);
	/* Earlier commands first (one that timed out may still be running). */
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		struct dp_cmd_slot *c = &dp->lc[i]->ctl;

		while (dp->started && __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != c->seq) {
			if (rte_get_tsc_cycles() > deadline) {
				rc = -ETIMEDOUT;
				goto out;
			}
			rte_delay_us_sleep(100);
		}
	}
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		struct dp_cmd_slot *c = &dp->lc[i]->ctl;

		c->cmd = *cmd;
		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < dp->n_lcores && dp->started; i++) {
		struct dp_cmd_slot *c = &dp->lc[i]->ctl;

		while (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != c->seq) {
			if (rte_get_tsc_cycles() > deadline) {
				rc = -ETIMEDOUT;
				goto out;
			}
			rte_delay_us_sleep(100);
		}
	}
out:
	pthread_mutex_unlock(&dp->cmd_lock);
	return rc;
}

int dp_start(struct dp *dp)
{
	if (!dp->snap)
		return -EINVAL;
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		int rc = rte_eal_remote_launch(dp_lcore_main, dp->lc[i], dp->lc[i]->lcore_id);

		if (rc < 0) {
			dp_stop(dp);
			return rc;
		}
	}
	dp->started = true;
	return 0;
}

void dp_stop(struct dp *dp)
{
	if (!dp)
		return;
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	dp->started = false;
}

void dp_destroy(struct dp *dp)
{
	if (!dp)
		return;
	dp_stop(dp);
	dp_flow_destroy(dp);
	dp_fault_free(dp);
	dp_synproxy_free(dp);
	for (unsigned i = 0; i < dp->n_ports; i++)
		if (dp->port[i].conf.name[0])
			dp_port_close(dp, i);
	for (unsigned a = 0; a < DP_MAX_LCORES; a++)
		for (unsigned b = 0; b < DP_MAX_LCORES; b++)
		{
			rte_ring_free(dp->ring[a][b]);
			rte_ring_free(dp->tring[a][b]);
		}
	for (unsigned i = 0; i < DP_MAX_LCORES; i++) {
		if (dp->lc[i]) {
			rte_ring_free(dp->lc[i]->sync.ev);
			rte_ring_free(dp->lc[i]->sync.in);
		}
		dp_lcore_free(dp->lc[i]);
	}
	rte_free(dp->qs);
	rte_mempool_free(dp->pool);
	dp_neigh_destroy(dp->neigh);
	rte_free(dp);
}

unsigned dp_n_lcores(const struct dp *dp)
{
	return dp->n_lcores;
}

unsigned dp_lcore_id(const struct dp *dp, unsigned idx)
{
	return dp->lc[idx]->lcore_id;
}

unsigned dp_n_ports(const struct dp *dp)
{
	return dp->n_ports;
}

int dp_port_info(struct dp *dp, unsigned i, struct dp_port_info *out)
{
	struct rte_eth_stats st;
	struct rte_eth_link link;
	struct rte_eth_dev_info info;

	if (i >= dp->n_ports)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", dp->port[i].conf.name);
	out->eth_id = dp->port[i].eth_id;
	out->tap_id = dp->port[i].tap_id;
	memcpy(out->mac, dp->port[i].mac.addr_bytes, 6);
	if (rte_eth_dev_info_get(dp->port[i].eth_id, &info) == 0)
		snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name);
	if (rte_eth_link_get_nowait(dp->port[i].eth_id, &link) == 0)
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
	if (rte_eth_stats_get(dp->port[i].eth_id, &st) == 0) {
		out->imissed = st.imissed;
		out->ierrors = st.ierrors;
		out->oerrors = st.oerrors;
	}
	return 0;
}

struct dp_neigh *dp_neigh_table(struct dp *dp)
{
	return dp->neigh;
}

void dp_lcore_stats(const struct dp *dp, unsigned idx, struct dp_lcore_stats *out)
{
	memcpy(out, &dp->lc[idx]->stats, sizeof(*out));
}

void dp_server_stats(const struct dp *dp, uint32_t rs_id, struct dp_rs_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (rs_id >= dp->conf.max_servers)
		return;
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		const struct dp_rs_stats *r = &dp->lc[i]->rs[rs_id];

		out->conns += r->conns;
		out->sessions += r->sessions;
		out->open += r->open;
		out->pkts_in += r->pkts_in;
		out->pkts_out += r->pkts_out;
		out->bytes_in += r->bytes_in;
		out->bytes_out += r->bytes_out;
	}
}

const struct dp_svc_counter dp_svc_xlate_counters[] = {
#define DP_SVC_XENTRY(f, name, help) { name, help, offsetof(struct dp_svc_stats, f) },
	DP_SVC_XLATE_COUNTERS(DP_SVC_XENTRY)
#undef DP_SVC_XENTRY
};

const unsigned dp_n_svc_xlate_counters =
	sizeof(dp_svc_xlate_counters) / sizeof(dp_svc_xlate_counters[0]);

void dp_service_stats(const struct dp *dp, uint32_t svc_id, struct dp_svc_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (svc_id >= dp->conf.max_services)
		return;
	for (unsigned i = 0; i < dp->n_lcores; i++) {
		const struct dp_svc_stats *r = &dp->lc[i]->svc[svc_id];

		out->conns += r->conns;
		out->pkts_in += r->pkts_in;
		out->pkts_out += r->pkts_out;
		out->bytes_in += r->bytes_in;
		out->bytes_out += r->bytes_out;
		out->no_server += r->no_server;
#define DP_SVC_XSUM(f, name, help) out->f += r->f;
		DP_SVC_XLATE_COUNTERS(DP_SVC_XSUM)
#undef DP_SVC_XSUM
		out->established += r->established;
#define DP_SVC_SUM(f, name, help) out->f += r->f;
		DP_SVC_COUNTERS(DP_SVC_SUM)
#undef DP_SVC_SUM
	}
}

uint64_t dp_sessions(const struct dp *dp, unsigned idx)
{
	return dp->lc[idx]->sess.n_used;
}

uint64_t dp_tsc_hz(const struct dp *dp)
{
	return dp->tsc_hz;
}

uint64_t dp_sessions_foreach(struct dp *dp, uint32_t vip, uint64_t limit,
			     void (*fn)(void *arg, const struct dp_sess_view *v), void *arg)
{
	uint64_t n = 0;

	for (unsigned l = 0; l < dp->n_lcores && n < limit; l++) {
		struct dp_lcore *lc = dp->lc[l];
		uint32_t now = lc->now_ms;

		for (uint32_t i = 0; i < lc->sess.capacity && n < limit; i++) {
			/* A racy copy: the lcore may be changing it. Good enough
			 * for a debugging view; nothing here is dereferenced. */
			struct dp_sess s = lc->sess.sess[i];
			struct dp_sess_view v;

			if (!(s.flags & DP_SESS_F_HASHED) || (vip && s.vip != vip))
				continue;
			v.proto = s.proto;
			v.state = s.state;
			v.fwd = s.fwd;
			v.lcore = (uint16_t)l;
			v.cip = s.cip;
			v.vip = s.vip;
			v.lip = s.lip;
			v.rip = s.rip;
			v.cport = s.cport;
			v.vport = s.vport;
			v.lport = s.lport;
			v.rport = s.rport;
			v.expires_ms = dp_wheel_cmp(s.tl.expire, now) > 0 ? s.tl.expire - now : 0;
			v.foreign = !!(s.flags & DP_SESS_F_FOREIGN);
			v.peer = lc->sess.x[i].peer;
			v.xlate = !!(s.flags & DP_SESS_F_XLATE);
			v.proxy_delta = v.xlate ? lc->sess.x[i].seq_in : 0;
			v.seq_delta = v.xlate ? lc->sess.x[i].seq_out : 0;
			v.v6 = !!(s.flags & DP_SESS_F_V6);
			if (v.v6) {
				const struct dp_sess6 *a = &lc->sess.a6[i];

				memcpy(v.a6[0], a->c, 16);
				memcpy(v.a6[1], a->v, 16);
				memcpy(v.a6[2], a->l, 16);
				memcpy(v.a6[3], a->r, 16);
			}
			fn(arg, &v);
			n++;
		}
	}
	return n;
}
