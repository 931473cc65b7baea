/* cp/maint.c — the control plane's once-a-second chores: rates (connections,
 * packets and bytes per second per service and server, averaged like IPVS's
 * estimator), the "drained" event of a server being drained, freeing the
 * ids of removed servers whose last session has ended, and the SYN proxy's
 * secret rotation (dp/cookie.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp/cp_int.h"
#include "cp/crash.h"
#include "dp/cookie.h"

#define MAINT_PERIOD_MS 1000

struct cp_maint {
	struct cp *cp;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool kicked;
	uint64_t last_ms;
};

static void rate_update(struct cp_rate *r, uint64_t conns, uint64_t pin, uint64_t pout,
			uint64_t bin, uint64_t bout, double dt)
{
	/* New samples weigh a quarter: a few seconds of memory, like IPVS. */
	const double a = 0.25;

	r->cps += a * ((double)(conns - r->conns) / dt - r->cps);
	r->pps_in += a * ((double)(pin - r->pkts_in) / dt - r->pps_in);
	r->pps_out += a * ((double)(pout - r->pkts_out) / dt - r->pps_out);
	r->bps_in += a * ((double)(bin - r->bytes_in) / dt - r->bps_in);
	r->bps_out += a * ((double)(bout - r->bytes_out) / dt - r->bps_out);
	r->conns = conns;
	r->pkts_in = pin;
	r->pkts_out = pout;
	r->bytes_in = bin;
	r->bytes_out = bout;
}

static bool rs_in_use(void *arg, uint32_t id)
{
	struct cp *cp = arg;
	struct dp_rs_stats st;

	dp_server_stats(cp->dp, id, &st);
	return st.sessions > 0;
}

/* Local ports running short is counted on the lcores (drops
 * lport_exhausted) and said here once, not per packet: when it starts, and
 * when a minute has passed without it. */
static void lports_watch(struct cp *cp)
{
	uint64_t refused = 0, cut = 0, now = dp_mono_ms();

	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++) {
		struct dp_lcore_stats st;

		dp_lcore_stats(cp->dp, i, &st);
		refused += st.drops[DP_DROP_LPORT_EXHAUSTED];
		cut += st.lport_guard_cut;
	}
	if (refused > cp->lports.refused) {
		if (!cp->lports.short_now)
			CP_LOG(WARNING, "event: local ports short: %llu new connections refused in the "
			       "last second (one local IP carries at most ports x servers / "
			       "timeouts.lport_guard_s new connections a second: add local IPs or "
			       "servers, widen limits.lport_min..lport_max or shorten the guard); "
			       "counted in drops.lport_exhausted, said again when it is over",
			       (unsigned long long)(refused - cp->lports.refused));
		cp->lports.short_now = true;
		cp->lports.short_ms = now;
	} else if (cp->lports.short_now && now - cp->lports.short_ms >= 60000) {
		CP_LOG(NOTICE, "event: local ports: no new connection refused for 60 s");
		cp->lports.short_now = false;
	}
	if (cut > cp->lports.cut && !cp->lports.cut_logged) {
		CP_LOG(WARNING, "event: TIME-WAIT guards cut short: the guard table is full "
		       "(limits.lport_guards_per_lcore: give it twice the new connections per "
		       "second per lcore x timeouts.lport_guard_s); counted in lport_guard_cut");
		cp->lports.cut_logged = true;
	}
	cp->lports.refused = refused;
	cp->lports.cut = cut;
}

/* A duplicate IPv6 address: the lcores count other hosts' NAs for a
 * port's ip6 (dp/input6.c); said once while they go on. */
static void nd_watch(struct cp *cp)
{
	uint64_t seen = 0, now = dp_mono_ms();

	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++) {
		struct dp_lcore_stats st;

		dp_lcore_stats(cp->dp, i, &st);
		seen += st.nd_conflicts;
	}
	if (seen > cp->nd_conflicts.seen) {
		if (!cp->nd_conflicts.last_ms || now - cp->nd_conflicts.last_ms >= 60000)
			CP_LOG(WARNING, "event: another host advertises a port's IPv6 address "
			       "(ports[].ip6 is a duplicate on its link); counted in nd_conflicts");
		cp->nd_conflicts.last_ms = now;
	}
	cp->nd_conflicts.seen = seen;
}

static void tick(struct cp_maint *m, double dt)
{
	struct cp *cp = m->cp;
	const struct dp_snap *s;

	pthread_mutex_lock(&cp->lock);
	lports_watch(cp);
	nd_watch(cp);
	cp_tapif_dad(cp);
	s = cp->snap;
	for (uint32_t i = 0; i < s->n_svc; i++) {
		const struct dp_service *ds = &s->svc[i];
		struct dp_svc_stats st;

		dp_service_stats(cp->dp, ds->id, &st);
		rate_update(&cp->svc_rate[ds->id], st.conns, st.pkts_in, st.pkts_out, st.bytes_in,
			    st.bytes_out, dt);
		for (uint32_t k = 0; k < ds->n_servers; k++) {
			const struct dp_server *r = &ds->servers[k];
			struct dp_rs_stats rs;

			dp_server_stats(cp->dp, r->id, &rs);
			rate_update(&cp->rs_rate[r->id], rs.conns, rs.pkts_in, rs.pkts_out,
				    rs.bytes_in, rs.bytes_out, dt);
			if (!(r->flags & DP_RS_DRAIN)) {
				cp->rs_drained[r->id] = 0;
			} else if (rs.open <= 0 && !cp->rs_drained[r->id]) {
				char a[16], b[16];

				cp->rs_drained[r->id] = 1;
				CP_LOG(NOTICE, "event: server %s:%u of %s %s:%u is drained "
				       "(no open session left)", cp_ipv4_str(ntohl(r->ip), a),
				       ntohs(r->port), cp_proto_name(ds->proto),
				       cp_ipv4_str(ntohl(ds->vip), b), ntohs(ds->port));
			}
		}
	}
	cp_ids_reap(cp->rs_ids, rs_in_use, cp);
	cp_limbo_reap(cp, false);
	pthread_mutex_unlock(&cp->lock);
	/* outside the lock: it waits for the lcores' grace period */
	if (dp_synproxy_rotate(cp->dp) > 0)
		CP_LOG(INFO, "SYN proxy: cookie secret rotated (every %u s)",
		       DP_COOKIE_ROTATE_MS / 1000);
}

static void *maint_main(void *arg)
{
	struct cp_maint *m = arg;

	cp_crash_thread_init();
	pthread_setname_np(pthread_self(), "mgw-maint");
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		if (!m->kicked)
			pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		if (m->stop)
			break;
		if (m->kicked) {
			/* Health changed: the data plane must know now, not in
			 * a second. */
			m->kicked = false;
			pthread_mutex_unlock(&m->mu);
			pthread_mutex_lock(&m->cp->lock);
			cp_republish_locked(m->cp);
			pthread_mutex_unlock(&m->cp->lock);
			pthread_mutex_lock(&m->mu);
			if (dp_mono_ms() < m->last_ms + MAINT_PERIOD_MS)
				continue;
		}
		now = dp_mono_ms();
		pthread_mutex_unlock(&m->mu);
		tick(m, (double)(now - m->last_ms) / 1000.0);
		pthread_mutex_lock(&m->mu);
		m->last_ms = now;
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

int cp_maint_start(struct cp *cp)
{
	struct cp_maint *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;
	int rc;

	if (!m)
		return -ENOMEM;
	m->cp = cp;
	m->last_ms = dp_mono_ms();
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&m->thread, NULL, maint_main, m);
	if (rc) {
		free(m);
		return -rc;
	}
	cp->maint = m;
	return 0;
}

void cp_maint_kick(struct cp *cp)
{
	struct cp_maint *m = cp->maint;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->kicked = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void cp_maint_stop(struct cp *cp)
{
	struct cp_maint *m = cp->maint;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
	cp->maint = NULL;
}
