/* cp/selfcheck.c — the self-check thread, going faulty and coming back,
 * and the graceful stop's steps (see selfcheck.h).
 *
 * The thread never takes cp->lock for long or waits on it: a config change
 * holds that lock while it waits for every lcore to pass a quiescent point,
 * which a stuck lcore never does — the very fault to be seen. So the
 * config is read with a trylock (the last values serve otherwise) and the
 * data plane only through racy reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp/cp_int.h"
#include "cp/notify.h"
#include "cp/crash.h"
#include "cp/selfcheck.h"
#include "dp/fault.h"

#define MAX_HOOKS          8
#define LOSS_CHECKS        3        /* full checks in a row over max_loss_pct */
#define LOSS_MIN_PKTS      1000     /* lost in one check, at least, to count */
#define WATCH_MIN_SILENCE  1000     /* ms: the least a watched thread is allowed */
#define LINK_GRACE_MS      10000    /* for a link to come up after (re)start */
#define FLAP_WINDOW_MS     60000    /* a fault this soon after a recovery: a flap */

struct sc_watch {
	char name[32];
	uint64_t (*fn)(void *arg);
	void *arg;
	uint32_t max_silence_ms;
};

struct sc_hook {
	enum cp_sc_event ev;
	void (*fn)(void *arg, const char *why);
	void *arg;
};

struct cp_selfcheck {
	struct cp *cp;
	/* mu: the evaluation, state changes made here, hooks, watches,
	 * injected faults. Never held while waiting for the data plane. */
	pthread_mutex_t mu;
	struct cp_sc_eval eval;
	struct cp_sc_conf conf;
	uint32_t interval_ms;
	struct cp_crash_ports ports;
	bool fault_injection;             /* debug.fault_injection, as last read */
	unsigned n_watch;
	struct sc_watch watch[CP_SC_MAX_WATCH];
	unsigned n_hooks;
	struct sc_hook hook[MAX_HOOKS];
	uint32_t fake_link_down;          /* bit per port: injected */

	/* overload (not a fault): what /status shows */
	bool overloaded;
	char overload_reason[192];
	uint64_t overload_events;
	uint64_t overload_checks;         /* full checks while overloaded */

	pthread_t thread;
	bool running;
	pthread_mutex_t wait_mu;
	pthread_cond_t cv;
	bool stop;
	uint64_t ticks;
};

/* The config's selfcheck fields, when the lock is free (see above). Only
 * the self-check thread (and create, before it) writes sc->conf. */
static void read_conf(struct cp_selfcheck *sc)
{
	struct cp *cp = sc->cp;
	uint32_t idle_ms, tick;

	if (pthread_mutex_trylock(&cp->lock) != 0)
		return;
	sc->interval_ms = cp->cfg->selfcheck_ms;
	/* An idle lcore loops at least once per idle sleep: the watchdog
	 * period must leave room for two. */
	idle_ms = (cp->cfg->idle_sleep_us + 999) / 1000;
	tick = sc->interval_ms / 2;
	sc->conf.tick_ms = tick > 2 * idle_ms + 10 ? tick : 2 * idle_ms + 10;
	sc->conf.mbuf_min_free_pct = cp->cfg->mbuf_min_free_pct;
	sc->conf.max_loss_pct = cp->cfg->max_loss_pct;
	sc->conf.loss_checks = LOSS_CHECKS;
	sc->conf.loss_min_pkts = LOSS_MIN_PKTS;
	sc->conf.link_grace_ms = LINK_GRACE_MS;
	sc->conf.flap_window_ms = FLAP_WINDOW_MS;
	sc->conf.recover_auto = cp->cfg->recover == CP_RECOVER_AUTO;
	sc->conf.recover_after = cp->cfg->recover_after;
	__atomic_store_n(&sc->fault_injection, cp->cfg->fault_injection, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&cp->lock);
}

static void sample(struct cp_selfcheck *sc, struct cp_sc_sample *s, bool full)
{
	struct dp *dp = sc->cp->dp;
	struct dp_lcore_stats st;

	memset(s, 0, sizeof(*s));
	s->now_ms = dp_mono_ms();
	s->full = full;
	s->n_lcores = dp_n_lcores(dp);
	for (unsigned i = 0; i < s->n_lcores && i < CP_SC_MAX_LCORES; i++) {
		dp_lcore_stats(dp, i, &st);
		s->loops[i] = st.loops;
		s->rx_pkts += st.rx_pkts;
		s->redirect_out += st.redirect_out;
		s->redirect_full += st.drops[DP_DROP_REDIRECT_FULL];
		s->rx_turns += st.rx_turns;
		s->rx_backlog_turns += st.rx_backlog_turns;
	}
	s->n_watch = sc->n_watch;
	for (unsigned i = 0; i < sc->n_watch; i++) {
		s->watch[i] = sc->watch[i].fn(sc->watch[i].arg);
		s->watch_name[i] = sc->watch[i].name;
		s->watch_silence_ms[i] = sc->watch[i].max_silence_ms ? sc->watch[i].max_silence_ms :
					 2 * sc->interval_ms > WATCH_MIN_SILENCE ?
					 2 * sc->interval_ms : WATCH_MIN_SILENCE;
	}
	if (!full)
		return;
	dp_fault_mbufs(dp, &s->mbuf_avail, &s->mbuf_size);
	s->n_ports = sc->ports.n;
	for (unsigned p = 0; p < sc->ports.n && p < CP_SC_MAX_PORTS; p++) {
		const struct cp_crash_port *pt = &sc->ports.port[p];
		struct dp_port_info pi;
		unsigned fl = 0;
		bool up = false;

		s->port_name[p] = pt->name;
		s->tap_name[p] = pt->tap.ifr_name;
		if (dp_port_info(dp, p, &pi) == 0) {
			s->rx_lost += pi.imissed + pi.ierrors;
			s->link_up[p] = pi.link_up;
		}
		/* A kernel-backed port's ethdev link says little (af_packet's
		 * is always up): the kernel interface's carrier says it all. */
		if (pt->kif.ifr_name[0] && cp_crash_carrier(&sc->ports, &pt->kif, &up) < 0)
			s->link_up[p] = false;
		else if (pt->kif.ifr_name[0])
			s->link_up[p] = up;
		/* While faulty the self-check holds the port down: its link
		 * says nothing, but an injected link fault still does. */
		s->link_known[p] = !sc->eval.faulty;
		if (__atomic_load_n(&sc->fake_link_down, __ATOMIC_RELAXED) & (1u << p)) {
			s->link_up[p] = false;
			s->link_known[p] = true;
		}
		s->tap_up[p] = cp_crash_ifflags(&sc->ports, &pt->tap, &fl) == 0 && (fl & IFF_UP);
	}
}

static void run_hooks(struct cp_selfcheck *sc, enum cp_sc_event ev, const char *why)
{
	for (unsigned i = 0; i < sc->n_hooks; i++)
		if (sc->hook[i].ev == ev)
			sc->hook[i].fn(sc->hook[i].arg, why);
}

/* mu held. */
static void go_faulty(struct cp_selfcheck *sc, const char *reason)
{
	uint64_t t0 = dp_mono_ms();
	unsigned n;

	CP_LOG(ERR, "self-check failed: %s: taking the node out of the network", reason);
	cp_set_state(sc->cp, CP_STATE_FAULTY, reason);
	run_hooks(sc, CP_SC_WITHDRAW, reason);
	n = cp_crash_ports_down(&sc->ports, false);
	CP_LOG(ERR, "%u of %u port links set down (%llu ms)", n, sc->ports.n,
	       (unsigned long long)(dp_mono_ms() - t0));
}

/* mu held. An operator's recovery forgets earlier flaps; an automatic one
 * remembers them. */
static void come_back(struct cp_selfcheck *sc, const char *why, bool by_operator)
{
	int rc = cp_crash_ports_up(&sc->ports);

	if (rc < 0)
		CP_LOG(ERR, "recovery: not every port came up: %s", strerror(-rc));
	/* Counters seen while down mean nothing now: start afresh. */
	if (by_operator)
		cp_sc_eval_init(&sc->eval, false);
	else
		cp_sc_eval_rearm(&sc->eval, dp_mono_ms());
	cp_set_state(sc->cp, CP_STATE_ONLINE, why);
	run_hooks(sc, CP_SC_RESTORE, why);
}

static void dump_lcore(struct cp_selfcheck *sc, unsigned idx)
{
	struct dp_fault_lcore d;

	if (dp_fault_lcore_state(sc->cp->dp, idx, &d) < 0)
		return;
	CP_LOG(ERR, "watchdog: data lcore %u (EAL lcore %u) stuck: loops %llu busy polls %llu "
	       "idle_sleeps %llu | rx %llu tx %llu punted %llu from_kernel %llu redirect in %llu "
	       "out %llu | sessions %llu hold %u | command slot seq %u done %u kind %u cursor %u "
	       "| wheel %u ms snapshot %llu sleep %u us", d.idx, d.lcore_id,
	       (unsigned long long)d.loops, (unsigned long long)d.busy_polls,
	       (unsigned long long)d.idle_sleeps, (unsigned long long)d.rx_pkts,
	       (unsigned long long)d.tx_pkts, (unsigned long long)d.punted,
	       (unsigned long long)d.from_kernel, (unsigned long long)d.redirect_in,
	       (unsigned long long)d.redirect_out, (unsigned long long)d.sessions, d.n_hold,
	       d.cmd_seq, d.cmd_done, d.cmd_kind, d.cmd_cursor, d.now_ms,
	       (unsigned long long)d.snap_gen, d.sleep_us);
}

static void tick(struct cp_selfcheck *sc)
{
	struct cp_sc_sample s;
	struct cp_sc_result r;
	int st = cp_state(sc->cp);
	char why[224];

	pthread_mutex_lock(&sc->mu);
	if (st != CP_STATE_ONLINE && st != CP_STATE_PRE_ONLINE && st != CP_STATE_FAULTY) {
		/* starting or stopping: nothing to judge; start afresh later */
		cp_sc_eval_init(&sc->eval, false);
		goto out;
	}
	sample(sc, &s, ++sc->ticks % 2 == 0);
	cp_sc_eval_step(&sc->eval, &sc->conf, &s, &r);
	if (r.warn_lcore >= 0)
		CP_LOG(WARNING, "watchdog: data lcore %d (EAL lcore %u) made no loop for %u ms",
		       r.warn_lcore, dp_lcore_id(sc->cp->dp, (unsigned)r.warn_lcore),
		       sc->conf.tick_ms);
	if (r.dump_lcore >= 0)
		dump_lcore(sc, (unsigned)r.dump_lcore);
	if (r.overload_reason[0])
		snprintf(sc->overload_reason, sizeof(sc->overload_reason), "%s", r.overload_reason);
	if (r.overload_changed && r.overloaded) {
		sc->overload_events++;
		CP_LOG(WARNING, "overloaded (not a fault: forwarding what it can): %s",
		       sc->overload_reason);
	} else if (r.overload_changed) {
		CP_LOG(NOTICE, "no longer overloaded");
	}
	sc->overloaded = r.overloaded;
	if (r.overloaded && s.full)
		sc->overload_checks++;
	if (r.verdict == CP_SC_FAULT) {
		go_faulty(sc, r.reason);
		if (sc->eval.flaps && sc->conf.recover_auto)
			CP_LOG(WARNING, "self-check: faulty again within %u s of recovering: auto "
			       "recovery now waits for %u healthy checks", sc->conf.flap_window_ms / 1000,
			       sc->conf.recover_after << sc->eval.flaps);
	} else if (r.verdict == CP_SC_RECOVER) {
		snprintf(why, sizeof(why), "recovered: %s", r.reason);
		CP_LOG(NOTICE, "self-check: %s, back into the network", why);
		come_back(sc, why, false);
	}
out:
	pthread_mutex_unlock(&sc->mu);
}

static void *sc_main(void *arg)
{
	struct cp_selfcheck *sc = arg;

	cp_crash_thread_init();
	pthread_setname_np(pthread_self(), "mgw-selfcheck");
	pthread_mutex_lock(&sc->wait_mu);
	while (!sc->stop) {
		struct timespec ts;

		read_conf(sc);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)sc->conf.tick_ms * 1000000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&sc->cv, &sc->wait_mu, &ts);
		if (sc->stop)
			break;
		pthread_mutex_unlock(&sc->wait_mu);
		tick(sc);
		/* systemd's watchdog hears that the process and this thread
		 * live, whatever the node's state: a faulty node is alive and
		 * must not be killed and restarted for being faulty. */
		cp_notify_watchdog(sc->cp->notify, dp_mono_ms());
		pthread_mutex_lock(&sc->wait_mu);
	}
	pthread_mutex_unlock(&sc->wait_mu);
	return NULL;
}

int cp_selfcheck_create(struct cp *cp)
{
	struct cp_selfcheck *sc = calloc(1, sizeof(*sc));
	pthread_condattr_t ca;
	int rc;

	if (!sc)
		return -ENOMEM;
	sc->cp = cp;
	rc = cp_crash_ports_init(&sc->ports, cp->cfg, cp->dp);
	if (rc < 0) {
		free(sc);
		return rc;
	}
	pthread_mutex_init(&sc->mu, NULL);
	pthread_mutex_init(&sc->wait_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sc->cv, &ca);
	pthread_condattr_destroy(&ca);
	cp_sc_eval_init(&sc->eval, false);
	read_conf(sc);
	cp->sc = sc;
	return 0;
}

int cp_selfcheck_start(struct cp *cp)
{
	struct cp_selfcheck *sc = cp->sc;
	int rc;

	/* A crash or a stop of an earlier run left them down. */
	rc = cp_crash_ports_up(&sc->ports);
	if (rc < 0)
		return rc;
	sc->stop = false;
	/* Before the thread starts: from then on it alone writes sc->conf. */
	CP_LOG(INFO, "self-check every %u ms (watchdog period %u ms)", sc->interval_ms,
	       sc->conf.tick_ms);
	rc = pthread_create(&sc->thread, NULL, sc_main, sc);
	if (rc)
		return -rc;
	sc->running = true;
	return 0;
}

void cp_selfcheck_stop(struct cp *cp)
{
	struct cp_selfcheck *sc = cp->sc;

	if (!sc || !sc->running)
		return;
	pthread_mutex_lock(&sc->wait_mu);
	sc->stop = true;
	pthread_cond_signal(&sc->cv);
	pthread_mutex_unlock(&sc->wait_mu);
	pthread_join(sc->thread, NULL);
	sc->running = false;
}

void cp_selfcheck_destroy(struct cp *cp)
{
	struct cp_selfcheck *sc = cp->sc;

	if (!sc)
		return;
	cp_selfcheck_stop(cp);
	cp_crash_ports_close(&sc->ports);
	pthread_mutex_destroy(&sc->mu);
	pthread_mutex_destroy(&sc->wait_mu);
	pthread_cond_destroy(&sc->cv);
	free(sc);
	cp->sc = NULL;
}

int cp_selfcheck_watch(struct cp *cp, const char *name, uint64_t (*heartbeat)(void *arg),
		       void *arg, uint32_t max_silence_ms)
{
	struct cp_selfcheck *sc = cp->sc;
	int rc = 0;

	pthread_mutex_lock(&sc->mu);
	if (sc->n_watch == CP_SC_MAX_WATCH) {
		rc = -ENOSPC;
	} else {
		struct sc_watch *w = &sc->watch[sc->n_watch++];

		snprintf(w->name, sizeof(w->name), "%s", name);
		w->fn = heartbeat;
		w->arg = arg;
		w->max_silence_ms = max_silence_ms;
		/* Judged from its next sample on, not against a stale one. */
		sc->eval.primed = false;
	}
	pthread_mutex_unlock(&sc->mu);
	return rc;
}

int cp_selfcheck_hook(struct cp *cp, enum cp_sc_event ev, void (*fn)(void *arg, const char *why),
		      void *arg)
{
	struct cp_selfcheck *sc = cp->sc;
	int rc = 0;

	pthread_mutex_lock(&sc->mu);
	if (sc->n_hooks == MAX_HOOKS)
		rc = -ENOSPC;
	else
		sc->hook[sc->n_hooks++] = (struct sc_hook){ ev, fn, arg };
	pthread_mutex_unlock(&sc->mu);
	return rc;
}

void cp_selfcheck_stopping(struct cp *cp, const char *why)
{
	struct cp_selfcheck *sc = cp->sc;

	pthread_mutex_lock(&sc->mu);
	cp_set_state(cp, CP_STATE_STOPPING, why);
	run_hooks(sc, CP_SC_WITHDRAW, why);
	pthread_mutex_unlock(&sc->mu);
}

void cp_selfcheck_ports_down(struct cp *cp)
{
	struct cp_selfcheck *sc = cp->sc;
	unsigned n;

	pthread_mutex_lock(&sc->mu);
	n = cp_crash_ports_down(&sc->ports, false);
	pthread_mutex_unlock(&sc->mu);
	CP_LOG(NOTICE, "%u of %u port links set down", n, sc->ports.n);
}

int cp_recover(struct cp *cp)
{
	struct cp_selfcheck *sc = cp->sc;
	int rc = 0;

	pthread_mutex_lock(&sc->mu);
	if (cp_state(cp) != CP_STATE_FAULTY) {
		rc = -EALREADY;
	} else {
		CP_LOG(NOTICE, "recovery by the operator: ports up, back into the network");
		come_back(sc, "recovered by the operator", true);
	}
	pthread_mutex_unlock(&sc->mu);
	return rc;
}

void cp_selfcheck_overload(struct cp *cp, bool *overloaded, char *reason, size_t cap,
			   uint64_t *events, uint64_t *checks)
{
	struct cp_selfcheck *sc = cp->sc;

	pthread_mutex_lock(&sc->mu);
	*overloaded = sc->overloaded;
	snprintf(reason, cap, "%s", sc->overloaded ? sc->overload_reason : "");
	*events = sc->overload_events;
	*checks = sc->overload_checks;
	pthread_mutex_unlock(&sc->mu);
}

/* fault.c: injected link faults are seen by the sampling above. */
int cp_selfcheck_fake_link(struct cp *cp, int port, bool down)
{
	struct cp_selfcheck *sc = cp->sc;

	if (port < 0) {
		__atomic_store_n(&sc->fake_link_down, 0, __ATOMIC_RELAXED);
		return 0;
	}
	if ((unsigned)port >= sc->ports.n)
		return -ENOENT;
	if (down)
		__atomic_fetch_or(&sc->fake_link_down, 1u << port, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&sc->fake_link_down, ~(1u << port), __ATOMIC_RELAXED);
	return 0;
}

int cp_selfcheck_port_index(struct cp *cp, const char *name)
{
	struct cp_selfcheck *sc = cp->sc;

	for (unsigned i = 0; i < sc->ports.n; i++)
		if (strcmp(sc->ports.port[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

void cp_selfcheck_lock(struct cp *cp, bool lock)
{
	if (lock)
		pthread_mutex_lock(&cp->sc->mu);
	else
		pthread_mutex_unlock(&cp->sc->mu);
}

bool cp_selfcheck_injection_allowed(struct cp *cp)
{
	bool on;

	/* Not blocked by a config change that waits for a stalled lcore:
	 * "clear" must get through (the value the self-check read last). */
	if (pthread_mutex_trylock(&cp->lock) != 0)
		return __atomic_load_n(&cp->sc->fault_injection, __ATOMIC_RELAXED);
	on = cp->cfg->fault_injection;
	pthread_mutex_unlock(&cp->lock);
	return on;
}
