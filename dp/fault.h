/* dp/fault.h — what the self-check reads from the data plane beyond its
 * counters, and the faults a test may inject into it.
 *
 * Reads are racy copies (an lcore may be changing what is read), which is
 * what a watchdog wants: it must never wait for the lcore it watches.
 * Injection runs on one control thread at a time (the caller serialises). */
#ifndef MGW_DP_FAULT_H
#define MGW_DP_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct dp;

/* One lcore's state, for the watchdog's dump of a stuck lcore. */
struct dp_fault_lcore {
	unsigned idx, lcore_id;
	uint64_t loops, busy_polls, idle_sleeps;
	uint64_t rx_pkts, tx_pkts, punted, from_kernel, redirect_in, redirect_out;
	uint64_t sessions;
	unsigned n_hold;                 /* packets waiting for ARP */
	uint32_t cmd_seq, cmd_done;      /* command slot: posted / finished */
	uint8_t cmd_kind;
	uint32_t cmd_cursor;
	uint32_t now_ms;                 /* the lcore's timer-wheel clock */
	uint64_t snap_gen;               /* the snapshot it last saw */
	uint32_t sleep_us;               /* its current idle sleep */
};

/* -ENOENT when idx is not a data lcore. */
int dp_fault_lcore_state(const struct dp *dp, unsigned idx, struct dp_fault_lcore *out);

/* The mbuf pool: free now (lcore caches included) and size. */
void dp_fault_mbufs(const struct dp *dp, uint32_t *avail, uint32_t *size);

/* Make data lcore idx spin without looping for ms milliseconds (0: until
 * dp_fault_clear), as a hung lcore would. -ENOENT: no such lcore; -EBUSY:
 * its command slot is still busy with an earlier command. */
int dp_fault_stall(struct dp *dp, unsigned idx, uint32_t ms);

/* Make data lcore idx crash for real: a NULL write, or (overflow) a
 * runaway recursion through its stack's guard page — what only a handler
 * on an alternate stack survives to report. -ENOENT, -EBUSY as above. */
int dp_fault_crash(struct dp *dp, unsigned idx, bool overflow);

/* Take mbufs from the pool until at most `leave` remain free (or none can
 * be had) and hold them. *taken: how many are held now in all. */
int dp_fault_exhaust(struct dp *dp, uint32_t leave, uint32_t *taken);

/* Make data lcore idx spin us microseconds after each turn that received
 * packets (0: normal): an lcore with less capacity than the offered load,
 * for tests of overload (which is not a fault). -ENOENT: no such lcore. */
int dp_fault_slow(struct dp *dp, unsigned idx, uint32_t us);

/* End every injected stall and slowness and give the held mbufs back. */
void dp_fault_clear(struct dp *dp);

#endif
