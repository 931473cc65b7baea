/* cp/hc_int.h — health checker internals shared by cp/hc*.c and their unit
 * tests. Not for other modules: they use cp/hc.h. */
#ifndef MGW_CP_HC_INT_H
#define MGW_CP_HC_INT_H

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_log.h>

#include "cp/hc.h"

extern int mgw_logtype_cp_hc;
#define HC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_cp_hc, "hc: " fmt "\n", ##__VA_ARGS__)

/* ---- rise/fall filter (pure, hc_fsm.c) ---------------------------------- */

struct cp_hc_fsm {
	bool up;
	uint32_t oks;     /* consecutive successes, saturating */
	uint32_t fails;   /* consecutive failures, saturating */
};

void cp_hc_fsm_init(struct cp_hc_fsm *f, bool up);
/* Feeds one result; returns true when the state changed. */
bool cp_hc_fsm_step(struct cp_hc_fsm *f, bool ok, uint16_t rise, uint16_t fall);

/* ---- timers (pure, hc_timer.c) ------------------------------------------ */

#define CP_HC_HEAP_NONE UINT32_MAX

/* Embedded in whatever is timed; `pos` is its index in the heap. */
struct cp_hc_tnode {
	uint64_t due;     /* CLOCK_MONOTONIC ns */
	uint32_t pos;     /* CP_HC_HEAP_NONE when not queued */
};

struct cp_hc_heap {
	struct cp_hc_tnode **v;
	uint32_t n, cap;
};

/* Makes room for cap nodes so that later pushes cannot fail. */
int cp_hc_heap_reserve(struct cp_hc_heap *hp, uint32_t cap);
void cp_hc_heap_free(struct cp_hc_heap *hp);
/* Push needs room reserved beforehand. */
void cp_hc_heap_push(struct cp_hc_heap *hp, struct cp_hc_tnode *x);
void cp_hc_heap_remove(struct cp_hc_heap *hp, struct cp_hc_tnode *x);
/* Changes the due time of a queued node (or queues it). */
void cp_hc_heap_update(struct cp_hc_heap *hp, struct cp_hc_tnode *x, uint64_t due);
static inline struct cp_hc_tnode *cp_hc_heap_top(const struct cp_hc_heap *hp)
{
	return hp->n ? hp->v[0] : NULL;
}

/*
 * The start after a check scheduled at `sched` that actually started at
 * `now` (>= sched): sched + k*interval with the smallest k >= 1 that is not
 * in the past. Whole periods missed (k - 1) go to *skipped. Phase is kept,
 * so lateness never accumulates.
 */
uint64_t cp_hc_next_start(uint64_t sched, uint64_t interval, uint64_t now, uint64_t *skipped);

/* ---- http (pure parts, hc_http.c) --------------------------------------- */

/* Status line of a response, read incrementally: 1 and *code when decided,
 * 0 when more bytes are needed, -EBADMSG when it is not an HTTP status line
 * (or eof came first). Decides as soon as the 3-digit code is delimited, so
 * reason phrases and bodies of any size are never read. */
int cp_hc_http_status_parse(const char *buf, size_t len, bool eof, unsigned *code);

/* The GET request for t into buf; its length, or -ENOSPC. */
int cp_hc_http_request(const struct cp_hc_target *t, char *buf, size_t cap);

#define CP_HC_HTTP_REQ_MAX 1024

/* ---- the engine (hc.c) -------------------------------------------------- */

enum cp_hc_phase { HC_IDLE, HC_CONNECTING, HC_SENDING, HC_READING, HC_WAITING };

#define CP_HC_RX_MAX 64   /* the status line is decided within ~40 bytes */

struct cp_hc_tgt {
	struct cp_hc_tnode tn;      /* next start, or deadline of the check in flight */
	struct cp_hc_target cfg;
	struct cp_hc_status st;
	struct cp_hc_fsm fsm;
	uint64_t next_ns;           /* scheduled start of the next check */
	uint64_t deadline_ns;       /* of the check in flight */
	int fd;                     /* -1 when idle */
	enum cp_hc_phase phase;
	bool dead;                  /* removed; freed by the thread later */
	bool keep;                  /* cp_hc_set: carried over into the new set */
	uint16_t tx_off;
	uint16_t rx_len;
	char rx[CP_HC_RX_MAX];
	struct cp_hc_tgt *next_dead;
};

/* A transition waiting for its callback. */
struct cp_hc_pend {
	uint64_t key;
	bool up;
	char reason[CP_HC_ERR_MAX];
};

struct cp_hc_pendv {
	struct cp_hc_pend *v;
	uint32_t n, cap;
};

/*
 * Locking: `lock` guards everything; the checker thread holds it except
 * while it sleeps in epoll_wait and while callbacks run. While callbacks
 * run, `delivering` is set; cp_hc_set waits on `delivered` for it to clear
 * before it returns, so that no callback for a removed key comes after.
 * Epoll data points at targets: a removed target is parked in the
 * graveyard (its socket closed) and freed only by the thread, after it has
 * handled the events of its last wait, so no event can reach freed memory.
 */
struct cp_hc {
	pthread_mutex_t lock;
	pthread_cond_t delivered;    /* signalled when `delivering` clears */
	bool delivering;
	void (*on_change)(void *arg, uint64_t key, bool up, const char *reason);
	void *arg;
	void (*on_start)(void *arg, uint64_t key, uint64_t sched_ns, uint64_t start_ns);
	void *trace_arg;
	int epfd, tfd, evfd;
	pthread_t thread;
	bool running, stopping;
	uint64_t seed;               /* spreads first starts */
	uint64_t armed_ns;           /* what the timerfd is set to; 0: nothing */
	struct cp_hc_tgt **tg;       /* the set, in the caller's order */
	uint32_t n;
	uint32_t *ht;                /* key -> index + 1 in tg (0: empty), open addressing */
	uint32_t ht_mask;
	struct cp_hc_heap heap;
	struct cp_hc_tgt *graveyard;
	struct cp_hc_pendv pend, deliv;
	struct cp_hc_stats stats;    /* stats.loops is also written atomically: the heartbeat */
};

/* hc_set.c */
struct cp_hc_tgt *cp_hc_find(const struct cp_hc *h, uint64_t key);
/* Where t's first check goes when the set or the thread starts: spread
 * over one interval from now by a hash of the key. */
uint64_t cp_hc_first_start(const struct cp_hc *h, const struct cp_hc_tgt *t, uint64_t now);
/* Closes t's socket if a check is in flight, without a result. */
void cp_hc_abandon(struct cp_hc *h, struct cp_hc_tgt *t);
uint64_t cp_hc_mono_ns(void);
/* Wakes the thread so that it re-reads the heap. */
void cp_hc_wake(struct cp_hc *h);

/* One kind of check, IPVS-scheduler style. */
struct cp_hc_ops {
	/* Opens the socket and sends; calls cp_hc_done() if the result is known already. */
	void (*start)(struct cp_hc *h, struct cp_hc_tgt *t);
	/* Readiness (epoll events) on the check's socket. */
	void (*event)(struct cp_hc *h, struct cp_hc_tgt *t, uint32_t events);
	/* The deadline passed with the check in flight; must call cp_hc_done(). */
	void (*timeout)(struct cp_hc *h, struct cp_hc_tgt *t);
};

extern const struct cp_hc_ops cp_hc_tcp_ops;
extern const struct cp_hc_ops cp_hc_udp_ops;
extern const struct cp_hc_ops cp_hc_http_ops;

/* Ends the check in flight (closes its socket) and feeds the result to the
 * rise/fall filter. */
void cp_hc_done(struct cp_hc *h, struct cp_hc_tgt *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Opens t's socket (SOCK_STREAM or SOCK_DGRAM): non-blocking, bound to the
 * source address, connect started, registered in the epoll set with
 * `events`. Returns the fd, or a negative errno after calling cp_hc_done()
 * with the reason. *connected tells whether connect() finished at once. */
int cp_hc_sock_open(struct cp_hc *h, struct cp_hc_tgt *t, int socktype, uint32_t events,
		    bool *connected);

/* "timeout after N ms" for t. */
void cp_hc_done_timeout(struct cp_hc *h, struct cp_hc_tgt *t);

#endif
