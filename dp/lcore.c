/* dp/lcore.c — a data lcore: its state and its loop.
 *
 * The loop has l3fwd's shape: rx a burst from each port's queue and hand it
 * to dp_input_burst() (input.c: headers, session buckets and sessions
 * prefetched a stage ahead, then each packet to completion), drain the
 * redirect rings from
 * the other lcores and, every tap_poll_us, the TAPs' queues, flush the tx
 * buffers, run the timer wheel once per millisecond, report RCU
 * quiescence: one turn is dp_lcore_turn(), which `make bench` times as it
 * ships. No lock, no malloc, no log on this path, and no system call but
 * the exception path's: the TAP PMD reads a queue with read() (when its
 * signal says the kernel sent something) and writes each punted frame with
 * write(), which only the kernel's own traffic (ARP, OSPF, BGP, health
 * checks) pays. The kernel-interface PMDs make system calls of their
 * own: af_packet's tx is a sendto() per burst and, in DPDK 22.11, waits in
 * poll(fd, -1) when its tx ring is full (tests/e2e/lport_reuse saw the
 * lcore stop 500 ms that way under load); af_xdp kicks tx with a sendto()
 * only when the kernel asks (need_wakeup). When nothing arrives for a while the lcore sleeps in
 * growing steps up to idle_sleep_us, so a small box is not burnt by
 * polling; one packet brings it back to busy polling. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp/dp_int.h"

/* Idle polls before the first sleep (about 0.1..1 ms of polling). */
#define IDLE_POLLS_BEFORE_SLEEP 2048

/* A random 64-bit seed from the kernel (a control thread at start). */
static uint64_t dp_lcore_random64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = rte_rdtsc() * 0x9e3779b97f4a7c15ull;
	return v;
}

int dp_lcore_init(struct dp *dp, unsigned idx, unsigned lcore_id)
{
	struct dp_lcore *lc;
	size_t sess_sz = dp_sess_tab_memsize(dp->conf.sessions_per_lcore, dp->conf.sessions6_per_lcore);
	size_t wheel_sz = DP_WHEEL_SLOTS * sizeof(uint32_t);
	uint32_t guards = dp->conf.lport_guards ? dp->conf.lport_guards
						: dp->conf.sessions_per_lcore;
	size_t laddr_sz = dp_laddr_memsize(guards, dp->conf.max_servers);
	size_t rr_sz = dp->conf.max_services * sizeof(uint32_t);
	size_t rs_sz = dp->conf.max_servers * sizeof(struct dp_rs_stats);
	size_t svc_sz = dp->conf.max_services * sizeof(struct dp_svc_stats);
	size_t ovl_sz = dp->conf.max_servers;
	size_t persist_sz = dp_persist_memsize(DP_PERSIST_ENTRIES);
	size_t seen_sz = DP_SP_SEEN * sizeof(uint64_t);
	size_t tb_sz = dp->conf.max_services * sizeof(struct dp_tb);
	size_t client_sz = sizeof(struct dp_client_tab);
	size_t evict_sz = dp_evict_memsize(dp->conf.sessions_per_lcore);
	size_t total = sess_sz + wheel_sz + laddr_sz + rr_sz + rs_sz + svc_sz + ovl_sz +
		       persist_sz + seen_sz + tb_sz + client_sz + evict_sz + 12 * 64;
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	uint8_t *p;

	lc = rte_zmalloc_socket("dp_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);
	if (!lc)
		return -ENOMEM;
	lc->mem = rte_malloc_socket("dp_lcore_tables", total, RTE_CACHE_LINE_SIZE, socket);
	if (!lc->mem) {
		DP_LOG(ERR, "lcore %u: cannot allocate %zu MB for %u sessions", lcore_id,
		       total >> 20, dp->conf.sessions_per_lcore);
		rte_free(lc);
		return -ENOMEM;
	}
	lc->idx = idx;
	lc->lcore_id = lcore_id;
	lc->dp = dp;
	lc->tsc_per_ms = dp->tsc_hz / 1000;
	lc->tsc_base = rte_rdtsc();

	p = lc->mem;
	dp_sess_tab_init(&lc->sess, p, dp->conf.sessions_per_lcore, dp->conf.sessions6_per_lcore);
	p += RTE_ALIGN_CEIL(sess_sz, 64);
	dp_wheel_init(&lc->wheel, (uint32_t *)p, DP_WHEEL_SLOTS, lc->sess.sess,
		      sizeof(struct dp_sess), 0);
	/* the wheel reaches a session's link inside the session */
	lc->wheel.base = (uint8_t *)lc->sess.sess + offsetof(struct dp_sess, tl);
	p += RTE_ALIGN_CEIL(wheel_sz, 64);
	dp_laddr_init(&lc->laddr, p, guards, dp->conf.max_servers, (uint16_t)idx,
		      dp_lcore_random64());
	p += RTE_ALIGN_CEIL(laddr_sz, 64);
	lc->rr = (uint32_t *)p;
	memset(lc->rr, 0, rr_sz);
	p += RTE_ALIGN_CEIL(rr_sz, 64);
	lc->rs = (struct dp_rs_stats *)p;
	memset(lc->rs, 0, rs_sz);
	p += RTE_ALIGN_CEIL(rs_sz, 64);
	lc->svc = (struct dp_svc_stats *)p;
	memset(lc->svc, 0, svc_sz);
	p += RTE_ALIGN_CEIL(svc_sz, 64);
	lc->ovl = p;
	memset(lc->ovl, 0, ovl_sz);
	p += RTE_ALIGN_CEIL(ovl_sz, 64);
	dp_persist_init(&lc->persist, p, DP_PERSIST_ENTRIES);
	p += RTE_ALIGN_CEIL(persist_sz, 64);
	lc->sp.seen.ent = (uint64_t *)p;
	lc->sp.seen.mask = DP_SP_SEEN - 1;
	memset(p, 0, seen_sz);
	p += RTE_ALIGN_CEIL(seen_sz, 64);
	lc->svc_tb = (struct dp_tb *)p;
	memset(lc->svc_tb, 0, tb_sz);
	p += RTE_ALIGN_CEIL(tb_sz, 64);
	lc->clients = (struct dp_client_tab *)p;
	memset(lc->clients, 0, client_sz);
	p += RTE_ALIGN_CEIL(client_sz, 64);
	dp_evict_init(&lc->evict, p, dp->conf.sessions_per_lcore);
	/* Keyed hashes: tuples an attacker picks land in buckets he cannot
	 * predict. (Sync's digests use a cluster-wide function instead.) */
	lc->sess.seed = dp_lcore_random64();
	lc->frag.seed = dp_lcore_random64();
	lc->persist.seed = dp_lcore_random64();
	lc->clients->seed = dp_lcore_random64();

	dp->lc[idx] = lc;
	return 0;
}

void dp_lcore_free(struct dp_lcore *lc)
{
	if (!lc)
		return;
	for (unsigned i = 0; i < lc->n_hold; i++)
		rte_pktmbuf_free(lc->hold[i].m);
	for (unsigned i = 0; i < lc->sp.n_hold; i++)
		rte_pktmbuf_free(lc->sp.hold[i].m);
	dp_frag_flush(lc);
	rte_free(lc->mem);
	rte_free(lc);
}

/* A new snapshot: bring lcore-owned state that depends on it in line. */
static void snap_changed(struct dp_lcore *lc, const struct dp_snap *s)
{
	dp_laddr_sync(&lc->laddr, &s->laddr);
	lc->snap_gen = s->gen;
}

static void idle_sleep(struct dp_lcore *lc)
{
	struct timespec ts;

	/* Grow the sleep from 1 us to the configured maximum. */
	lc->sleep_us = lc->sleep_us ? lc->sleep_us * 2 : 1;
	if (lc->sleep_us > lc->dp->conf.idle_sleep_us)
		lc->sleep_us = lc->dp->conf.idle_sleep_us;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)lc->sleep_us * 1000;
	lc->stats.idle_sleeps++;
	/* Offline while asleep, so RCU writers need not wait for us. */
	rte_rcu_qsbr_thread_offline(lc->dp->qs, lc->idx);
	nanosleep(&ts, NULL);
	rte_rcu_qsbr_thread_online(lc->dp->qs, lc->idx);
}

/* A chunk of the control plane's command; done when the table is covered. */
static void run_command(struct dp_lcore *lc, uint32_t seq)
{
	const struct dp_cmd *c = &lc->ctl.cmd;
	uint32_t end = lc->ctl.cursor + 4096;

	if (unlikely(c->kind == DP_CMD_STALL)) {
		dp_fault_run(lc, seq);   /* fault injection: spin, as a hung lcore */
		return;
	}
	if (end > lc->sess.capacity)
		end = lc->sess.capacity;
	if (c->kind == DP_CMD_FLUSH) {
		for (uint32_t i = lc->ctl.cursor; i < end; i++) {
			struct dp_sess *s = &lc->sess.sess[i];

			if ((s->flags & DP_SESS_F_HASHED) && (!c->vip || s->vip == c->vip) &&
			    (c->rs_id == UINT32_MAX || s->rs_id == c->rs_id))
				dp_sess_kill(lc, s);
		}
	}
	lc->ctl.cursor = end;
	if (end == lc->sess.capacity || c->kind != DP_CMD_FLUSH) {
		lc->ctl.cursor = 0;
		__atomic_store_n(&lc->ctl.done, seq, __ATOMIC_RELEASE);
	}
}

static void timers(struct dp_lcore *lc)
{
	lc->now_ms = (uint32_t)((lc->now_tsc - lc->tsc_base) / lc->tsc_per_ms);
	lc->next_tick = lc->now_tsc + lc->tsc_per_ms;
	dp_wheel_advance(&lc->wheel, lc->now_ms, 4096, dp_sess_expired, lc);
	if (lc->n_hold)
		dp_hold_run(lc);
	if (lc->frag.n_held)
		dp_frag_tick(lc);
	if (unlikely(lc->snap->sync_on))
		dp_sync_tick(lc);
}

static unsigned rx_ports(struct dp_lcore *lc)
{
	struct dp *dp = lc->dp;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0, full = 0;

	for (unsigned p = 0; p < dp->n_ports; p++) {
		uint16_t n = rte_eth_rx_burst(dp->port[p].eth_id, (uint16_t)lc->idx, pkts, DP_BURST);

		if (!n)
			continue;
		total += n;
		full += n == DP_BURST;
		lc->stats.rx_bursts++;
		dp_input_burst(lc, pkts, n, (uint16_t)p);
	}
	/* Saturation is judged per turn, not per burst: an lcore at its
	 * capacity finds the loaded port's queue full every turn while the
	 * other port brings a few replies, so bursts alone would say "not
	 * backed up" half the time. */
	if (total) {
		lc->stats.rx_full_bursts += full;
		lc->stats.rx_turns++;
		lc->stats.rx_backlog_turns += full != 0;
	}
	/* fault injection: a slower lcore (tests of overload) */
	if (total && unlikely(__atomic_load_n(&dp->slow_us[lc->idx], __ATOMIC_RELAXED)))
		rte_delay_us_block(__atomic_load_n(&dp->slow_us[lc->idx], __ATOMIC_RELAXED));
	return total;
}

/* Frames the kernel sends on a TAP go out of its port as they are. */
static unsigned rx_taps(struct dp_lcore *lc)
{
	struct dp *dp = lc->dp;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0;

	for (unsigned p = 0; p < dp->n_ports; p++) {
		uint16_t n = rte_eth_rx_burst(dp->port[p].tap_id, (uint16_t)lc->idx, pkts, DP_BURST);

		total += n;
		lc->stats.from_kernel += n;
		for (uint16_t i = 0; i < n; i++)
			dp_tx(lc, (uint16_t)p, pkts[i]);
	}
	return total;
}

/* Persistence templates the other lcores made. */
static void rx_templates(struct dp_lcore *lc)
{
	struct dp *dp = lc->dp;
	struct dp_persist_ent t[16];

	for (unsigned from = 0; from < dp->n_lcores; from++) {
		struct rte_ring *r = dp->tring[from][lc->idx];
		unsigned n;

		if (!r)
			continue;
		n = rte_ring_sc_dequeue_burst_elem(r, t, sizeof(t[0]), 16, NULL);
		for (unsigned i = 0; i < n; i++)
			dp_persist_put(&lc->persist, &t[i], lc->now_ms);
	}
}

void dp_persist_share(struct dp_lcore *lc, const struct dp_persist_ent *t)
{
	struct dp *dp = lc->dp;

	for (unsigned to = 0; to < dp->n_lcores; to++) {
		if (to == lc->idx)
			continue;
		if (rte_ring_sp_enqueue_elem(dp->tring[lc->idx][to], (void *)(uintptr_t)t, sizeof(*t)) == 0)
			lc->stats.persist_shared++;
		else
			lc->stats.persist_share_lost++;
	}
}

/* Replies that arrived on another lcore but belong to our sessions. */
static unsigned rx_rings(struct dp_lcore *lc)
{
	struct dp *dp = lc->dp;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0;

	for (unsigned from = 0; from < dp->n_lcores; from++) {
		struct rte_ring *r = dp->ring[from][lc->idx];
		unsigned n;

		if (!r)
			continue;
		/* Up to four bursts a loop: another lcore can hand us a burst
		 * per port per loop, more than one burst of our own. */
		for (int k = 0; k < 4; k++) {
			n = rte_ring_sc_dequeue_burst(r, (void **)pkts, DP_BURST, NULL);
			total += n;
			lc->stats.redirect_in += n;
			for (unsigned i = 0; i < n; i++)
				dp_input(lc, pkts[i], pkts[i]->port, true);
			if (n < DP_BURST)
				break;
		}
	}
	return total;
}

/* The TAPs: a read() per queue when the kernel has sent something (the TAP
 * PMD's signal says so), a write() per frame punted; so they are polled on
 * a deadline (dpdk.tap_poll_us), not every turn, and the kernel's frames
 * wait at most that long. */
static unsigned rx_taps_due(struct dp_lcore *lc)
{
	if (lc->now_tsc < lc->next_tap)
		return 0;
	lc->next_tap = lc->now_tsc + lc->dp->tap_poll_tsc;
	return rx_taps(lc);
}

/* One turn at now_tsc; io: poll the ports and the TAPs, and report RCU
 * quiescence (an lcore driven in-process by a test is not registered). */
static unsigned turn(struct dp_lcore *lc, uint64_t now_tsc, bool io)
{
	struct dp *dp = lc->dp;
	const struct dp_snap *s = __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
	uint32_t seq;
	unsigned n = 0;

	lc->snap = s;
	if (unlikely(s->gen != lc->snap_gen))
		snap_changed(lc, s);
	lc->now_tsc = now_tsc;

	if (dp->n_lcores > 1)
		rx_templates(lc);
	if (io)
		n += rx_ports(lc);
	n += rx_rings(lc);
	if (io)
		n += rx_taps_due(lc);
	if (lc->sync.in)
		dp_sync_run(lc);
	dp_tx_flush(lc);

	if (lc->now_tsc >= lc->next_tick)
		timers(lc);
	seq = __atomic_load_n(&lc->ctl.seq, __ATOMIC_ACQUIRE);
	if (unlikely(seq != lc->ctl.done))
		run_command(lc, seq);

	lc->stats.loops++;
	if (io)
		rte_rcu_qsbr_quiescent(dp->qs, lc->idx);
	if (n) {
		lc->stats.busy_polls++;
		lc->stats.busy_pkts += n;
		lc->stats.busy_cycles += rte_rdtsc() - now_tsc;
	}
	return n;
}

unsigned dp_lcore_turn(struct dp_lcore *lc)
{
	return turn(lc, rte_rdtsc(), true);
}

unsigned dp_lcore_turn_at(struct dp_lcore *lc, uint64_t now_tsc)
{
	return turn(lc, now_tsc, false);
}

int dp_lcore_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct dp *dp = lc->dp;

	rte_rcu_qsbr_thread_register(dp->qs, lc->idx);
	rte_rcu_qsbr_thread_online(dp->qs, lc->idx);
	DP_LOG(INFO, "data lcore %u (index %u) running", lc->lcore_id, lc->idx);

	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		if (dp_lcore_turn(lc)) {
			lc->idle_polls = 0;
			lc->sleep_us = 0;
		} else if (dp->conf.idle_sleep_us && ++lc->idle_polls > IDLE_POLLS_BEFORE_SLEEP) {
			idle_sleep(lc);
		}
	}
	dp_tx_flush(lc);
	rte_rcu_qsbr_thread_offline(dp->qs, lc->idx);
	rte_rcu_qsbr_thread_unregister(dp->qs, lc->idx);
	DP_LOG(INFO, "data lcore %u stopped", lc->lcore_id);
	return 0;
}
