/* The self-check's verdict as a function of its samples: thresholds,
 * hysteresis (two watchdog periods, sustained loss, recover_after, flap
 * damping, link grace) — and the kernel interface named by a port's dev. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cp/crash.h"
#include "cp/selfcheck.h"

/* A simulated node: what the samples are made of. */
struct world {
	struct cp_sc_conf conf;
	struct cp_sc_eval e;
	uint64_t now;
	unsigned n_ticks;
	bool lcore_runs[2];
	uint64_t loops[2];
	uint64_t beat;
	bool beat_runs;
	uint32_t mbuf_avail, mbuf_size;
	bool link[2], link_known[2], tap[2];
	uint64_t rx, lost, rd, rd_full, turns, backlog;
	struct cp_sc_result r;
};

static void world_init(struct world *w, bool recover_auto)
{
	memset(w, 0, sizeof(*w));
	w->conf.tick_ms = 250;
	w->conf.mbuf_min_free_pct = 5;
	w->conf.max_loss_pct = 50;
	w->conf.loss_checks = 3;
	w->conf.loss_min_pkts = 1000;
	w->conf.recover_auto = recover_auto;
	w->conf.recover_after = 3;
	w->conf.link_grace_ms = 10000;
	w->conf.flap_window_ms = 60000;
	cp_sc_eval_init(&w->e, false);
	w->now = 1000;
	w->lcore_runs[0] = w->lcore_runs[1] = true;
	w->beat_runs = true;
	w->mbuf_avail = 900;
	w->mbuf_size = 1000;
	for (int p = 0; p < 2; p++)
		w->link[p] = w->link_known[p] = w->tap[p] = true;
}

/* One watchdog tick (every second one a full check): returns the verdict. */
static enum cp_sc_verdict tick(struct world *w)
{
	struct cp_sc_sample s;
	static const char *const ports[] = { "wan", "lan" }, *const taps[] = { "mgw-wan", "mgw-lan" };

	memset(&s, 0, sizeof(s));
	w->now += w->conf.tick_ms;
	s.now_ms = w->now;
	s.full = ++w->n_ticks % 2 == 0;
	s.n_lcores = 2;
	for (int i = 0; i < 2; i++) {
		w->loops[i] += w->lcore_runs[i] ? 1000 : 0;
		s.loops[i] = w->loops[i];
	}
	w->beat += w->beat_runs;
	s.n_watch = 1;
	s.watch[0] = w->beat;
	s.watch_name[0] = "ospf";
	s.watch_silence_ms[0] = 1000;
	s.mbuf_avail = w->mbuf_avail;
	s.mbuf_size = w->mbuf_size;
	s.n_ports = 2;
	for (int p = 0; p < 2; p++) {
		s.port_name[p] = ports[p];
		s.tap_name[p] = taps[p];
		s.link_up[p] = w->link[p];
		s.link_known[p] = w->link_known[p];
		s.tap_up[p] = w->tap[p];
	}
	s.rx_pkts = w->rx;
	s.rx_lost = w->lost;
	s.redirect_out = w->rd;
	s.redirect_full = w->rd_full;
	s.rx_turns = w->turns;
	s.rx_backlog_turns = w->backlog;
	cp_sc_eval_step(&w->e, &w->conf, &s, &w->r);
	return w->r.verdict;
}

/* Ticks until the next full check (inclusive): its verdict. */
static enum cp_sc_verdict full_check(struct world *w)
{
	enum cp_sc_verdict v;

	do
		v = tick(w);
	while (w->n_ticks % 2 != 0);
	return v;
}

static void test_healthy_node_stays_healthy(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	for (int i = 0; i < 40; i++) {
		w.rx += 100000;
		w.lost += 10;
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
		assert_int_equal(w.r.warn_lcore, -1);
		assert_string_equal(w.r.reason, "");
	}
}

/* Every sequence of "the lcore looped / did not" up to 10 samples against a
 * model: the first sample only primes; an lcore that did not loop for one
 * period is warned about, for two it is dumped and the node goes faulty
 * once; manual recovery: it stays faulty. */
static void test_lcore_watchdog_all_sequences(void **state)
{
	(void)state;
	for (unsigned len = 1; len <= 10; len++) {
		for (unsigned bits = 0; bits < (1u << len); bits++) {
			struct world w;
			unsigned stuck = 0, faults = 0, dumps = 0;
			bool faulty = false;

			world_init(&w, false);
			for (unsigned i = 0; i < len; i++) {
				bool runs = (bits >> i) & 1;
				enum cp_sc_verdict v;

				w.lcore_runs[1] = runs;
				v = tick(&w);
				stuck = (i > 0 && !runs) ? stuck + 1 : 0;
				assert_int_equal(w.r.warn_lcore, stuck == 1 ? 1 : -1);
				assert_int_equal(w.r.dump_lcore, stuck == 2 ? 1 : -1);
				if (stuck >= 2 && !faulty) {
					assert_int_equal(v, CP_SC_FAULT);
					faulty = true;
					faults++;
				} else {
					assert_int_equal(v, faulty ? CP_SC_FAULTY : CP_SC_HEALTHY);
				}
				if (stuck >= 2)
					assert_non_null(strstr(w.r.reason, "data lcore 1 made no loop"));
				dumps += w.r.dump_lcore >= 0;
			}
			assert_true(faults <= 1);
			assert_true(dumps >= faults);
		}
	}
}

static void test_stall_reason_and_manual_stays_faulty(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	tick(&w);
	w.lcore_runs[0] = false;
	assert_int_equal(tick(&w), CP_SC_HEALTHY);
	assert_int_equal(w.r.warn_lcore, 0);
	assert_int_equal(tick(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "data lcore 0 made no loop for 500 ms");
	w.lcore_runs[0] = true;
	for (int i = 0; i < 50; i++)
		assert_int_equal(tick(&w), CP_SC_FAULTY);
}

static void fault_by_mbufs(struct world *w)
{
	w->mbuf_avail = 10;
	assert_int_equal(full_check(w), CP_SC_FAULT);
	w->mbuf_avail = 900;
}

static void test_auto_recovery_after_n_healthy_full_checks(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	full_check(&w);
	fault_by_mbufs(&w);
	/* Only full checks count: 2 full (4 ticks)... */
	assert_int_equal(full_check(&w), CP_SC_FAULTY);
	assert_int_equal(full_check(&w), CP_SC_FAULTY);
	/* ...a failing one starts the count again... */
	w.mbuf_avail = 10;
	assert_int_equal(full_check(&w), CP_SC_FAULTY);
	w.mbuf_avail = 900;
	assert_int_equal(full_check(&w), CP_SC_FAULTY);
	assert_int_equal(full_check(&w), CP_SC_FAULTY);
	/* ...the third in a row recovers. */
	assert_int_equal(full_check(&w), CP_SC_RECOVER);
	assert_string_equal(w.r.reason, "3 healthy self-checks in a row");
	assert_int_equal(tick(&w), CP_SC_HEALTHY);
}

static unsigned checks_to_recover(struct world *w)
{
	unsigned n = 0;

	while (full_check(w) != CP_SC_RECOVER)
		n++;
	return n + 1;
}

static void test_flap_damping(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, true);
	full_check(&w);
	fault_by_mbufs(&w);
	assert_int_equal(checks_to_recover(&w), 3);
	cp_sc_eval_rearm(&w.e, w.now);
	/* faulty again within the minute: twice as many, then 4 times */
	fault_by_mbufs(&w);
	assert_int_equal(checks_to_recover(&w), 6);
	cp_sc_eval_rearm(&w.e, w.now);
	fault_by_mbufs(&w);
	assert_int_equal(checks_to_recover(&w), 12);
	cp_sc_eval_rearm(&w.e, w.now);
	/* at most 64 times */
	for (int i = 0; i < 8; i++) {
		fault_by_mbufs(&w);
		checks_to_recover(&w);
		cp_sc_eval_rearm(&w.e, w.now);
	}
	fault_by_mbufs(&w);
	assert_int_equal(checks_to_recover(&w), 3 << 6);
	cp_sc_eval_rearm(&w.e, w.now);
	/* a fault long after the last recovery is not a flap */
	for (int i = 0; i < 300; i++)
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
	fault_by_mbufs(&w);
	assert_int_equal(checks_to_recover(&w), 3);
}

static void test_mbuf_threshold(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	w.mbuf_avail = 50;            /* exactly 5 %: fine */
	for (int i = 0; i < 6; i++)
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
	w.mbuf_avail = 49;
	assert_int_equal(w.n_ticks % 2, 0);
	assert_int_equal(tick(&w), CP_SC_HEALTHY);   /* a watchdog-only tick does not look */
	assert_int_equal(tick(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "mbuf pool: 49 of 1000 free (under 5%)");
	/* a pool of unknown size is not judged */
	world_init(&w, false);
	w.mbuf_size = 0;
	w.mbuf_avail = 0;
	for (int i = 0; i < 6; i++)
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
}

static void test_link_judged_after_seen_up_or_grace(void **state)
{
	struct world w;

	(void)state;
	/* Down at start: waits for the grace, 10 s (40 ticks) from the first
	 * sample: judged at the first full check after tick 41. */
	world_init(&w, false);
	w.link[1] = false;
	for (int i = 0; i < 40; i++)
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
	assert_int_equal(full_check(&w), CP_SC_FAULT);
	assert_int_equal(w.n_ticks, 42);
	assert_string_equal(w.r.reason, "port lan: link down");

	/* Up, then down: at the next full check. */
	world_init(&w, false);
	full_check(&w);
	w.link[0] = false;
	assert_int_equal(full_check(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "port wan: link down");
}

static void test_link_while_faulty(void **state)
{
	struct world w;

	(void)state;
	/* The self-check holds the ports down: their links say nothing... */
	world_init(&w, true);
	full_check(&w);
	fault_by_mbufs(&w);
	w.link[0] = w.link[1] = false;
	w.link_known[0] = w.link_known[1] = false;
	assert_int_equal(checks_to_recover(&w), 3);

	/* ...but a fault still known (injected) keeps the node down. */
	world_init(&w, true);
	full_check(&w);
	w.link[0] = false;
	assert_int_equal(full_check(&w), CP_SC_FAULT);
	for (int i = 0; i < 20; i++)
		assert_int_equal(full_check(&w), CP_SC_FAULTY);
	w.link[0] = true;
	assert_int_equal(checks_to_recover(&w), 3);
}

static void test_tap_down(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	full_check(&w);
	w.tap[1] = false;
	assert_int_equal(full_check(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "exception path mgw-lan: down or gone");
}

static void test_loss_must_be_sustained(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	full_check(&w);
	/* 60 % lost: two checks, a good one, two more: no fault */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			w.rx += 4000;
			w.lost += 6000;
			assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		}
		w.rx += 10000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
	}
	/* under the minimum count: never judged */
	for (int i = 0; i < 5; i++) {
		w.lost += 999;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
	}
	/* exactly 50 %: not over */
	for (int i = 0; i < 5; i++) {
		w.rx += 5000;
		w.lost += 5000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
	}
	/* a counter going back (a port restarted) is no loss */
	w.lost = 0;
	assert_int_equal(full_check(&w), CP_SC_HEALTHY);
	assert_false(w.r.overloaded);
	/* three in a row: overloaded — said, never a fault */
	for (int i = 0; i < 3; i++) {
		w.rx += 4000;
		w.lost += 6000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		assert_int_equal(w.r.overloaded, i == 2);
		assert_int_equal(w.r.overload_changed, i == 2);
	}
	assert_non_null(strstr(w.r.overload_reason, "rx loss: 6000 of 10000"));
	assert_string_equal(w.r.reason, "");
	/* a flood that goes on for minutes: still online */
	for (int i = 0; i < 200; i++) {
		w.rx += 4000;
		w.lost += 90000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		assert_true(w.r.overloaded);
	}
	assert_int_equal(w.e.overload_events, 1);
	/* over after three clean checks in a row; a second flood counts again */
	for (int i = 0; i < 3; i++) {
		w.rx += 10000;
		full_check(&w);
		assert_int_equal(w.r.overloaded, i < 2);
	}
	for (int i = 0; i < 3; i++) {
		w.rx += 4000;
		w.lost += 6000;
		full_check(&w);
	}
	assert_true(w.r.overloaded);
	assert_int_equal(w.e.overload_events, 2);
	/* a real fault while overloaded still takes the node out */
	w.lcore_runs[1] = false;
	w.rx += 4000;
	w.lost += 6000;
	assert_int_equal(full_check(&w), CP_SC_FAULT);
}

static void test_redirect_overflow(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	full_check(&w);
	for (int i = 0; i < 3; i++) {
		w.rd += 100;
		w.rd_full += 5000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		assert_int_equal(w.r.overloaded, i == 2);
	}
	assert_non_null(strstr(w.r.overload_reason, "redirect rings overflow"));
	/* off when max_loss_pct is 0 */
	world_init(&w, false);
	w.conf.max_loss_pct = 0;
	for (int i = 0; i < 10; i++) {
		w.rd_full += 5000;
		w.lost += 5000;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		assert_false(w.r.overloaded);
	}
}

/* Ports that count no loss (af_packet): rx queues always backed up are
 * overload too. */
static void test_saturated_queues(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	full_check(&w);
	/* busy but keeping up: a third of the turns found a full queue */
	for (int i = 0; i < 5; i++) {
		w.turns += 3000;
		w.backlog += 1000;
		full_check(&w);
		assert_false(w.r.overloaded);
	}
	/* a backlog every turn, but too few turns to judge (a trickle) */
	for (int i = 0; i < 5; i++) {
		w.turns += CP_SC_SAT_MIN_TURNS - 1;
		w.backlog += CP_SC_SAT_MIN_TURNS - 1;
		full_check(&w);
		assert_false(w.r.overloaded);
	}
	/* 89 % is not saturated, 90 % is */
	for (int i = 0; i < 5; i++) {
		w.turns += 1000;
		w.backlog += 890;
		full_check(&w);
		assert_false(w.r.overloaded);
	}
	for (int i = 0; i < 3; i++) {
		w.turns += 1000;
		w.backlog += 980;
		assert_int_equal(full_check(&w), CP_SC_HEALTHY);
		assert_int_equal(w.r.overloaded, i == 2);
	}
	assert_non_null(strstr(w.r.overload_reason, "rx queues saturated: a full queue in 980 of 1000 turns"));
	for (int i = 0; i < 3; i++) {
		w.turns += 1000;
		full_check(&w);
	}
	assert_false(w.r.overloaded);
}

static void test_watched_heartbeat(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	tick(&w);
	w.beat_runs = false;
	/* 1000 ms allowed: silent for 250, 500, 750 ms: fine; 1000: fault */
	for (int i = 0; i < 3; i++)
		assert_int_equal(tick(&w), CP_SC_HEALTHY);
	assert_int_equal(tick(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "ospf: no heartbeat for 1000 ms");
}

static void test_first_failure_is_the_reason(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, false);
	full_check(&w);
	w.tap[0] = false;
	w.mbuf_avail = 1;
	assert_int_equal(full_check(&w), CP_SC_FAULT);
	assert_string_equal(w.r.reason, "mbuf pool: 1 of 1000 free (under 5%)");
}

static void test_kernel_iface(void **state)
{
	char n[IFNAMSIZ];

	(void)state;
	assert_int_equal(cp_crash_kernel_iface("net_af_packet0,iface=eth1", n), 1);
	assert_string_equal(n, "eth1");
	assert_int_equal(cp_crash_kernel_iface("net_af_xdp0,start_queue=0,iface=veth-wan", n), 1);
	assert_string_equal(n, "veth-wan");
	assert_int_equal(cp_crash_kernel_iface("net_af_packet1,iface=lan,qpairs=2", n), 1);
	assert_string_equal(n, "lan");
	assert_int_equal(cp_crash_kernel_iface("net_tap0,iface=fifteen-chars-x", n), 1);
	assert_string_equal(n, "fifteen-chars-x");
	assert_int_equal(cp_crash_kernel_iface("0000:03:00.0", n), 0);
	assert_int_equal(cp_crash_kernel_iface("net_null0", n), 0);
	assert_int_equal(cp_crash_kernel_iface("net_null0,", n), 0);
	assert_int_equal(cp_crash_kernel_iface("net_pcap0,rx_iface=eth0", n), 0);
	assert_int_equal(cp_crash_kernel_iface("net_x0,ifacex=eth0", n), 0);
	/* A kernel interface alone: mgw picks the driver (dp/port.c). */
	assert_int_equal(cp_crash_kernel_iface("iface=eth0", n), 1);
	assert_string_equal(n, "eth0");
	assert_int_equal(cp_crash_kernel_iface("iface=", n), -EINVAL);
	assert_int_equal(cp_crash_kernel_iface("xiface=eth0", n), 0);
	assert_int_equal(cp_crash_kernel_iface("net_af_packet0,iface=", n), -EINVAL);
	assert_int_equal(cp_crash_kernel_iface("net_af_packet0,iface=,qpairs=1", n), -EINVAL);
	assert_int_equal(cp_crash_kernel_iface("net_af_packet0,iface=sixteen-chars-xy", n),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_node_stays_healthy),
		cmocka_unit_test(test_lcore_watchdog_all_sequences),
		cmocka_unit_test(test_stall_reason_and_manual_stays_faulty),
		cmocka_unit_test(test_auto_recovery_after_n_healthy_full_checks),
		cmocka_unit_test(test_flap_damping),
		cmocka_unit_test(test_mbuf_threshold),
		cmocka_unit_test(test_link_judged_after_seen_up_or_grace),
		cmocka_unit_test(test_link_while_faulty),
		cmocka_unit_test(test_tap_down),
		cmocka_unit_test(test_loss_must_be_sustained),
		cmocka_unit_test(test_redirect_overflow),
		cmocka_unit_test(test_saturated_queues),
		cmocka_unit_test(test_watched_heartbeat),
		cmocka_unit_test(test_first_failure_is_the_reason),
		cmocka_unit_test(test_kernel_iface),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
