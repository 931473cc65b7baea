/* dp/fault.c — the self-check's view into the lcores, and fault injection
 * (see fault.h).
 *
 * A stall is posted through the lcore's command slot, the one way the
 * control plane reaches an lcore; the lcore acknowledges it at once and
 * then spins inside its loop iteration, so its heartbeat (stats.loops)
 * stops and it stops reporting RCU quiescence: from outside it looks
 * exactly like an lcore stuck in a bug. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "dp/dp_int.h"
#include "dp/fault.h"

enum { CRASH_NONE, CRASH_NULL, CRASH_OVERFLOW };

struct dp_fault {
	uint32_t clear_gen;                    /* bumped by dp_fault_clear */
	uint32_t stall_gen[DP_MAX_LCORES];     /* clear_gen when the stall was posted */
	uint64_t stall_until[DP_MAX_LCORES];   /* tsc; UINT64_MAX: until cleared */
	uint8_t crash[DP_MAX_LCORES];          /* CRASH_*: crash instead of stalling */
	struct rte_mbuf **held;
	uint32_t n_held, cap;
};

static struct dp_fault *fault_get(struct dp *dp)
{
	/* Made on first use by the control thread; an lcore reaches it only
	 * through a command posted afterwards (release on the slot's seq). */
	if (!dp->fault)
		dp->fault = calloc(1, sizeof(*dp->fault));
	return dp->fault;
}

int dp_fault_lcore_state(const struct dp *dp, unsigned idx, struct dp_fault_lcore *out)
{
	const struct dp_lcore *lc;

	if (idx >= dp->n_lcores)
		return -ENOENT;
	lc = dp->lc[idx];
	memset(out, 0, sizeof(*out));
	out->idx = idx;
	out->lcore_id = lc->lcore_id;
	out->loops = lc->stats.loops;
	out->busy_polls = lc->stats.busy_polls;
	out->idle_sleeps = lc->stats.idle_sleeps;
	out->rx_pkts = lc->stats.rx_pkts;
	out->tx_pkts = lc->stats.tx_pkts;
	out->punted = lc->stats.punted;
	out->from_kernel = lc->stats.from_kernel;
	out->redirect_in = lc->stats.redirect_in;
	out->redirect_out = lc->stats.redirect_out;
	out->sessions = lc->sess.n_used;
	out->n_hold = lc->n_hold;
	out->cmd_seq = __atomic_load_n(&lc->ctl.seq, __ATOMIC_RELAXED);
	out->cmd_done = __atomic_load_n(&lc->ctl.done, __ATOMIC_RELAXED);
	out->cmd_kind = lc->ctl.cmd.kind;
	out->cmd_cursor = lc->ctl.cursor;
	out->now_ms = lc->now_ms;
	out->snap_gen = lc->snap_gen;
	out->sleep_us = lc->sleep_us;
	return 0;
}

void dp_fault_mbufs(const struct dp *dp, uint32_t *avail, uint32_t *size)
{
	*avail = rte_mempool_avail_count(dp->pool);
	*size = dp->pool->size;
}

/* Deep enough to pass any stack's end; not a tail call, so every level
 * keeps its frame. */
static uint64_t __attribute__((noinline)) recurse(volatile uint8_t *prev, uint64_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = (uint8_t)depth;
	frame[sizeof(frame) - 1] = prev ? prev[0] : 0;
	if (depth > (1ull << 40))
		return frame[0];
	return recurse(frame, depth + 1) + frame[sizeof(frame) - 1];
}

/* On the lcore, from its command handler. */
void dp_fault_run(struct dp_lcore *lc, uint32_t seq)
{
	struct dp *dp = lc->dp;
	struct dp_fault *f = dp->fault;
	uint64_t until = f->stall_until[lc->idx];
	uint32_t gen = f->stall_gen[lc->idx];

	if (f->crash[lc->idx] == CRASH_NULL) {
		uint64_t *volatile p = NULL;   /* volatile: a real store, not a trap */

		*p = until;
	}
	if (f->crash[lc->idx] == CRASH_OVERFLOW)
		f->stall_until[lc->idx] = recurse(NULL, 0);

	/* Acknowledge first: whoever posted it does not wait, and a later
	 * command waits behind the stall as it would behind a hung lcore. */
	__atomic_store_n(&lc->ctl.done, seq, __ATOMIC_RELEASE);
	while (rte_rdtsc() < until && __atomic_load_n(&f->clear_gen, __ATOMIC_ACQUIRE) == gen &&
	       !__atomic_load_n(&dp->stop, __ATOMIC_RELAXED))
		rte_pause();
}

static int post(struct dp *dp, unsigned idx, uint32_t ms, uint8_t crash)
{
	struct dp_fault *f = fault_get(dp);
	struct dp_cmd_slot *c;
	int rc = 0;

	if (!f)
		return -ENOMEM;
	if (idx >= dp->n_lcores)
		return -ENOENT;
	if (!dp->started)
		return -EAGAIN;
	pthread_mutex_lock(&dp->cmd_lock);
	c = &dp->lc[idx]->ctl;
	if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != c->seq) {
		rc = -EBUSY;
		goto out;
	}
	f->stall_gen[idx] = __atomic_load_n(&f->clear_gen, __ATOMIC_RELAXED);
	f->crash[idx] = crash;
	f->stall_until[idx] = ms ? rte_rdtsc() + (uint64_t)ms * dp->tsc_hz / 1000 : UINT64_MAX;
	memset(&c->cmd, 0, sizeof(c->cmd));
	c->cmd.kind = DP_CMD_STALL;
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&dp->cmd_lock);
	return rc;
}

int dp_fault_stall(struct dp *dp, unsigned idx, uint32_t ms)
{
	return post(dp, idx, ms, CRASH_NONE);
}

int dp_fault_crash(struct dp *dp, unsigned idx, bool overflow)
{
	return post(dp, idx, 1, overflow ? CRASH_OVERFLOW : CRASH_NULL);
}

int dp_fault_exhaust(struct dp *dp, uint32_t leave, uint32_t *taken)
{
	struct dp_fault *f = fault_get(dp);
	uint32_t avail, want;

	if (!f)
		return -ENOMEM;
	if (!f->held) {
		f->cap = dp->pool->size;
		f->held = calloc(f->cap, sizeof(*f->held));
		if (!f->held)
			return -ENOMEM;
	}
	avail = rte_mempool_avail_count(dp->pool);
	want = avail > leave ? avail - leave : 0;
	/* From a control thread there is no mempool cache: these come
	 * straight from the pool's ring, which the lcores refill from. */
	while (want-- && f->n_held < f->cap) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);

		if (!m)
			break;
		f->held[f->n_held++] = m;
	}
	*taken = f->n_held;
	return 0;
}

int dp_fault_slow(struct dp *dp, unsigned idx, uint32_t us)
{
	if (idx >= dp->n_lcores)
		return -ENOENT;
	__atomic_store_n(&dp->slow_us[idx], us, __ATOMIC_RELAXED);
	return 0;
}

void dp_fault_clear(struct dp *dp)
{
	struct dp_fault *f = dp->fault;

	for (unsigned i = 0; i < DP_MAX_LCORES; i++)
		__atomic_store_n(&dp->slow_us[i], 0, __ATOMIC_RELAXED);

	if (!f)
		return;
	__atomic_fetch_add(&f->clear_gen, 1, __ATOMIC_RELEASE);
	if (f->n_held)
		rte_pktmbuf_free_bulk(f->held, f->n_held);
	f->n_held = 0;
}

void dp_fault_free(struct dp *dp)
{
	if (!dp->fault)
		return;
	dp_fault_clear(dp);
	free(dp->fault->held);
	free(dp->fault);
	dp->fault = NULL;
}
