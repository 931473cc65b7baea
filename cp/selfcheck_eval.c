/* cp/selfcheck_eval.c — the self-check's verdict as a pure function of its
 * samples (see selfcheck.h): no clock, no data plane, no I/O.
 *
 * Hysteresis: an lcore must miss two watchdog periods in a row, a loss rate
 * must stay over its limit for loss_checks full checks in a row, and auto
 * recovery needs recover_after healthy full checks in a row — twice as many
 * after each recovery that was followed by a fault within flap_window_ms
 * (up to 64 times), so that a dead link does not make the node flap. A
 * port's link is not judged while the self-check holds it down itself. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cp/selfcheck.h"

#define MAX_FLAPS 6

void cp_sc_eval_init(struct cp_sc_eval *e, bool faulty)
{
	memset(e, 0, sizeof(*e));
	e->faulty = faulty;
}

void cp_sc_eval_rearm(struct cp_sc_eval *e, uint64_t now_ms)
{
	unsigned flaps = e->flaps;

	cp_sc_eval_init(e, false);
	e->flaps = flaps;
	e->recovered_ms = now_ms ? now_ms : 1;
}

/* Record a failed check; the first one is the reason given. */
static void fail(struct cp_sc_result *r, bool *bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct cp_sc_result *r, bool *bad, const char *fmt, ...)
{
	va_list ap;

	if (!*bad) {
		va_start(ap, fmt);
		vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
		va_end(ap);
	}
	*bad = true;
}

static uint64_t delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : 0;   /* a counter that went back: no news */
}

/* lost of (ok + lost) over pct percent, with at least min_lost lost. */
static bool over(uint64_t ok, uint64_t lost, uint32_t pct, uint64_t min_lost)
{
	return lost >= min_lost && lost > 0 && lost * 100 > (ok + lost) * pct;
}

static void check_lcores(struct cp_sc_eval *e, const struct cp_sc_conf *c,
			 const struct cp_sc_sample *s, struct cp_sc_result *r, bool *bad)
{
	for (unsigned i = 0; i < s->n_lcores && i < CP_SC_MAX_LCORES; i++) {
		if (e->primed && s->loops[i] == e->loops[i])
			e->stuck[i]++;
		else
			e->stuck[i] = 0;
		e->loops[i] = s->loops[i];
		if (e->stuck[i] == 1 && r->warn_lcore < 0)
			r->warn_lcore = (int)i;
		if (e->stuck[i] >= 2) {
			if (e->stuck[i] == 2 && r->dump_lcore < 0)
				r->dump_lcore = (int)i;
			fail(r, bad, "data lcore %u made no loop for %u ms", i,
			     e->stuck[i] * c->tick_ms);
		}
	}
}

static void check_watches(struct cp_sc_eval *e, const struct cp_sc_conf *c,
			  const struct cp_sc_sample *s, struct cp_sc_result *r, bool *bad)
{
	for (unsigned i = 0; i < s->n_watch && i < CP_SC_MAX_WATCH; i++) {
		uint64_t silence;

		if (!e->primed || s->watch[i] != e->watch[i])
			e->watch_moved_ms[i] = s->now_ms;
		e->watch[i] = s->watch[i];
		silence = delta(s->now_ms, e->watch_moved_ms[i]);
		if (silence >= s->watch_silence_ms[i])
			fail(r, bad, "%s: no heartbeat for %llu ms",
			     s->watch_name[i] ? s->watch_name[i] : "watch", (unsigned long long)silence);
	}
	(void)c;
}

static void check_full(struct cp_sc_eval *e, const struct cp_sc_conf *c,
		       const struct cp_sc_sample *s, struct cp_sc_result *r, bool *bad)
{
	if (s->mbuf_size &&
	    (uint64_t)s->mbuf_avail * 100 < (uint64_t)s->mbuf_size * c->mbuf_min_free_pct)
		fail(r, bad, "mbuf pool: %u of %u free (under %u%%)", s->mbuf_avail, s->mbuf_size,
		     c->mbuf_min_free_pct);
	for (unsigned p = 0; p < s->n_ports && p < CP_SC_MAX_PORTS; p++) {
		/* A link just set up may take a while (a NIC negotiates for
		 * seconds): judged once seen up, or when the grace is over. */
		if (s->link_up[p])
			e->link_seen[p] = true;
		else if (s->link_known[p] && (e->faulty || e->link_seen[p] ||
					      delta(s->now_ms, e->since_ms) >= c->link_grace_ms))
			fail(r, bad, "port %s: link down", s->port_name[p] ? s->port_name[p] : "?");
		if (!s->tap_up[p])
			fail(r, bad, "exception path %s: down or gone",
			     s->tap_name[p] ? s->tap_name[p] : "?");
	}
	if (e->primed_full && c->max_loss_pct) {
		uint64_t rx = delta(s->rx_pkts, e->rx_pkts), lost = delta(s->rx_lost, e->rx_lost);
		uint64_t rd = delta(s->redirect_out, e->redirect_out);
		uint64_t full = delta(s->redirect_full, e->redirect_full);
		uint64_t turns = delta(s->rx_turns, e->rx_turns);
		uint64_t backlog = delta(s->rx_backlog_turns, e->rx_backlog_turns);

		e->loss_bad = over(rx, lost, c->max_loss_pct, c->loss_min_pkts) ? e->loss_bad + 1 : 0;
		e->redirect_bad = over(rd, full, c->max_loss_pct, c->loss_min_pkts) ?
				  e->redirect_bad + 1 : 0;
		/* Rx queues that are always backed up (a full one nearly every turn):
		 * the lcores at their capacity, and a port (af_packet) that
		 * counts no loss of its own losing what does not fit. */
		e->sat_bad = backlog >= CP_SC_SAT_MIN_TURNS &&
			     backlog * 100 >= turns * CP_SC_SAT_PCT ? e->sat_bad + 1 : 0;
		/* Overload, not a fault (see selfcheck.h): said, counted,
		 * and over after as many clean checks in a row. */
		if (e->loss_bad >= c->loss_checks || e->redirect_bad >= c->loss_checks ||
		    e->sat_bad >= c->loss_checks) {
			if (e->sat_bad >= c->loss_checks && e->loss_bad < c->loss_checks &&
			    e->redirect_bad < c->loss_checks)
				snprintf(r->overload_reason, sizeof(r->overload_reason),
					 "rx queues saturated: a full queue in %llu of %llu turns in %u "
					 "checks in a row", (unsigned long long)backlog, (unsigned long long)turns,
					 e->sat_bad);
			else if (e->loss_bad >= c->loss_checks)
				snprintf(r->overload_reason, sizeof(r->overload_reason),
					 "rx loss: %llu of %llu packets missed or bad (over %u%%) in %u "
					 "checks in a row", (unsigned long long)lost,
					 (unsigned long long)(rx + lost), c->max_loss_pct, e->loss_bad);
			else
				snprintf(r->overload_reason, sizeof(r->overload_reason),
					 "redirect rings overflow: %llu of %llu packets (over %u%%) in "
					 "%u checks in a row", (unsigned long long)full,
					 (unsigned long long)(rd + full), c->max_loss_pct,
					 e->redirect_bad);
			e->clean = 0;
			if (!e->overloaded) {
				e->overloaded = true;
				e->overload_events++;
				r->overload_changed = true;
			}
		} else if (e->overloaded && !e->loss_bad && !e->redirect_bad && !e->sat_bad &&
			   ++e->clean >= c->loss_checks) {
			e->overloaded = false;
			e->clean = 0;
			r->overload_changed = true;
		}
	} else if (e->overloaded) {
		e->overloaded = false;   /* judging switched off */
		r->overload_changed = true;
	}
	e->rx_pkts = s->rx_pkts;
	e->rx_lost = s->rx_lost;
	e->redirect_out = s->redirect_out;
	e->redirect_full = s->redirect_full;
	e->rx_turns = s->rx_turns;
	e->rx_backlog_turns = s->rx_backlog_turns;
	e->primed_full = true;
	(void)bad;
}

void cp_sc_eval_step(struct cp_sc_eval *e, const struct cp_sc_conf *c,
		     const struct cp_sc_sample *s, struct cp_sc_result *out)
{
	bool bad = false;

	memset(out, 0, sizeof(*out));
	out->warn_lcore = -1;
	out->dump_lcore = -1;
	if (!e->primed && !e->primed_full)
		e->since_ms = s->now_ms;
	check_lcores(e, c, s, out, &bad);
	check_watches(e, c, s, out, &bad);
	e->primed = true;
	if (s->full)
		check_full(e, c, s, out, &bad);
	out->overloaded = e->overloaded;

	if (!e->faulty) {
		out->verdict = bad ? CP_SC_FAULT : CP_SC_HEALTHY;
		e->faulty = bad;
		e->healthy = 0;
		if (bad && e->recovered_ms && delta(s->now_ms, e->recovered_ms) < c->flap_window_ms)
			e->flaps += e->flaps < MAX_FLAPS;
		else if (bad)
			e->flaps = 0;
		return;
	}
	out->verdict = CP_SC_FAULTY;
	if (bad) {
		e->healthy = 0;
	} else if (s->full && ++e->healthy >= (c->recover_after << e->flaps) && c->recover_auto) {
		out->verdict = CP_SC_RECOVER;
		snprintf(out->reason, sizeof(out->reason), "%u healthy self-checks in a row",
			 e->healthy);
		e->faulty = false;
		e->healthy = 0;
		e->recovered_ms = s->now_ms ? s->now_ms : 1;
	}
}
