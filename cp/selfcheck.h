/* cp/selfcheck.h — the node's self-check: is this box still fit to carry
 * traffic? If not, it takes itself out of the network (state `faulty`, the
 * data ports' links down) so that the router in front fails over.
 *
 * A control thread samples the data plane every interval/2 (the watchdog
 * period) and runs the full check every interval:
 *   - each data lcore's heartbeat (its loop counter) must move: one period
 *     without a loop is warned about, two (a whole interval) get the lcore's
 *     state dumped to the log and the node faulty (HAProxy's watchdog);
 *   - registered heartbeats (routing speakers, sync) must move within
 *     their allowance;
 *   - the mbuf pool keeps its headroom;
 *   - rx loss (missed + errors) and redirect-ring overflow over a rate,
 *     sustained over checks, are overload, not a fault: offered load (a
 *     flood) is not the box failing, and a fail-safe that a flood trips
 *     would be a remote kill switch (under ECMP the flood then walks on to
 *     the next node). The node stays online, forwards what it can and says
 *     so (overloaded, the reason, a count); only faults of the box itself
 *     (a stalled lcore, a link, mbufs, a TAP, a silent thread) take it out;
 *   - every data port's link is up; every exception-path TAP exists, up.
 * Recovery: `manual` waits for POST /status/recover; `auto` comes back
 * after recover_after healthy checks in a row.
 *
 * The evaluation is a pure function of the samples (cp_sc_eval_step), so
 * its thresholds and hysteresis are tested without a data plane. */
#ifndef MGW_CP_SELFCHECK_H
#define MGW_CP_SELFCHECK_H

#include <stdbool.h>
#include <stdint.h>

#define CP_SC_MAX_LCORES 16       /* DP_MAX_LCORES */
#define CP_SC_MAX_PORTS  8        /* DP_MAX_PORTS */
#define CP_SC_MAX_WATCH  8
/* Overload by saturation: this share of the lcores' busy turns found some rx
 * queue full (a backlog), at least this many such turns in a check. */
#define CP_SC_SAT_PCT       90
#define CP_SC_SAT_MIN_TURNS 100

struct cp;

/* ---- wiring for other modules ---- */

/* A thread whose liveness the node depends on (routing speaker, sync):
 * heartbeat(arg) must return a value that keeps moving; silence for
 * max_silence_ms (0: two self-check intervals, at least 1 s) is a fault.
 * Register before cp_start(); fn is called from the self-check thread. */
int cp_selfcheck_watch(struct cp *cp, const char *name, uint64_t (*heartbeat)(void *arg),
		       void *arg, uint32_t max_silence_ms);

/* Callbacks around leaving the network: CP_SC_WITHDRAW runs before the
 * ports go down on a fault and when a graceful stop begins (routing
 * withdraws its routes); CP_SC_RESTORE after the ports are back up. They
 * run on the self-check thread, the API's thread or main, one at a time. */
enum cp_sc_event { CP_SC_WITHDRAW, CP_SC_RESTORE };
int cp_selfcheck_hook(struct cp *cp, enum cp_sc_event ev, void (*fn)(void *arg, const char *why),
		      void *arg);

/* Graceful stop, step 1: state `stopping`, the withdraw hooks; the data
 * plane goes on forwarding. Step 2, at the end of the drain: the ports'
 * links down. */
void cp_selfcheck_stopping(struct cp *cp, const char *why);
void cp_selfcheck_ports_down(struct cp *cp);

/* Fault injection (cp_fault, POST /debug/fault) and manual recovery
 * (cp_recover, POST /status/recover) are declared in cp.h. */

/* ---- the evaluation, pure ---- */

struct cp_sc_conf {
	uint32_t tick_ms;             /* watchdog period: interval / 2 */
	uint32_t mbuf_min_free_pct;   /* headroom under this: fault */
	uint32_t max_loss_pct;        /* rx loss or redirect overflow over this... (0: off) */
	uint32_t loss_checks;         /* ...for this many full checks in a row: overloaded
				       * (and as many clean ones: no longer) */
	uint64_t loss_min_pkts;       /* fewer lost in a check: not judged */
	bool recover_auto;
	uint32_t recover_after;       /* healthy full checks in a row */
	uint32_t link_grace_ms;       /* after (re)start, a link not seen up yet may take this */
	uint32_t flap_window_ms;      /* a fault this soon after a recovery is a flap */
};

struct cp_sc_sample {
	uint64_t now_ms;
	bool full;                    /* false: a watchdog-only tick */
	unsigned n_lcores;
	uint64_t loops[CP_SC_MAX_LCORES];
	unsigned n_watch;
	uint64_t watch[CP_SC_MAX_WATCH];
	uint32_t watch_silence_ms[CP_SC_MAX_WATCH];
	const char *watch_name[CP_SC_MAX_WATCH];
	/* full checks only */
	uint32_t mbuf_avail, mbuf_size;
	unsigned n_ports;
	const char *port_name[CP_SC_MAX_PORTS];
	const char *tap_name[CP_SC_MAX_PORTS];
	bool link_up[CP_SC_MAX_PORTS];
	bool link_known[CP_SC_MAX_PORTS];  /* false: held down by the self-check itself */
	bool tap_up[CP_SC_MAX_PORTS];
	uint64_t rx_pkts, rx_lost;              /* totals: received; missed + errors */
	uint64_t redirect_out, redirect_full;   /* totals: handed over; ring full */
	uint64_t rx_turns, rx_backlog_turns;    /* totals: turns with packets; with a full queue */
};

enum cp_sc_verdict {
	CP_SC_HEALTHY,                /* online and every check passed */
	CP_SC_FAULT,                  /* a check failed: go faulty now */
	CP_SC_FAULTY,                 /* still faulty (failing, or waiting for recovery) */
	CP_SC_RECOVER,                /* auto recovery: come back now */
};

struct cp_sc_eval {
	bool faulty;
	bool primed;                  /* a previous sample exists */
	bool primed_full;             /* a previous full sample exists */
	uint64_t loops[CP_SC_MAX_LCORES];
	unsigned stuck[CP_SC_MAX_LCORES];       /* periods without a loop */
	uint64_t watch[CP_SC_MAX_WATCH];
	uint64_t watch_moved_ms[CP_SC_MAX_WATCH];
	uint64_t rx_pkts, rx_lost, redirect_out, redirect_full, rx_turns, rx_backlog_turns;
	unsigned loss_bad, redirect_bad, sat_bad;   /* full checks over the limit in a row */
	bool overloaded;
	unsigned clean;                         /* full checks without overload in a row */
	uint64_t overload_events;               /* times it became overloaded */
	unsigned healthy;                       /* healthy full checks in a row while faulty */
	uint64_t since_ms;                      /* first sample since init */
	bool link_seen[CP_SC_MAX_PORTS];        /* link up once since init */
	/* kept by cp_sc_eval_rearm(): flap damping */
	uint64_t recovered_ms;                  /* last recovery; 0: none */
	unsigned flaps;                         /* faults soon after a recovery, in a row */
};

struct cp_sc_result {
	enum cp_sc_verdict verdict;
	char reason[192];             /* the first failed check ("" when none) */
	int warn_lcore;               /* index of an lcore just stuck for one period, or -1 */
	int dump_lcore;               /* index of an lcore just stuck for two, or -1 */
	bool overloaded;              /* offered load over what the lcores take (not a fault) */
	bool overload_changed;        /* it began or ended with this sample */
	char overload_reason[192];    /* why, while overloaded */
};

void cp_sc_eval_init(struct cp_sc_eval *e, bool faulty);
/* Back online at now_ms (ports up): judge afresh, keep the flap history.
 * Auto recovery needs recover_after << flaps healthy checks (at most 64x). */
void cp_sc_eval_rearm(struct cp_sc_eval *e, uint64_t now_ms);
void cp_sc_eval_step(struct cp_sc_eval *e, const struct cp_sc_conf *c,
		     const struct cp_sc_sample *s, struct cp_sc_result *out);

#endif
