/* cp/hc.h — health checker: checks real servers from one control thread.
 *
 * One thread, one epoll set, one min-heap of timers. Each target is checked
 * every interval_ms, measured from its scheduled start (not from the end of
 * the previous check), so checks never drift; first starts are spread over
 * one interval. A check opens a kernel socket bound to the target's source
 * address, so in mgw it leaves through the exception-path TAP.
 *
 * TCP checks end with an RST (SO_LINGER 0), so thousands of checks a second
 * leave no TIME_WAIT behind; HTTP checks read the status line only.
 *
 * Results go through a rise/fall filter (keepalived-like): a target that is
 * up goes down after `fall` consecutive failures, one that is down goes up
 * after `rise` consecutive successes. Every transition is logged once and
 * reported once through the on_change callback.
 */
#ifndef MGW_CP_HC_H
#define MGW_CP_HC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CP_HC_PATH_MAX     256
#define CP_HC_HOST_MAX     256
#define CP_HC_PAYLOAD_MAX  512
#define CP_HC_ERR_MAX      128
#define CP_HC_INTERVAL_MIN 10u          /* ms */
#define CP_HC_INTERVAL_MAX 86400000u    /* ms, one day */

struct cp_hc;

/* none: always up, never checked (no I/O, no timer, start_down ignored). */
enum cp_hc_type { CP_HC_NONE, CP_HC_TCP, CP_HC_UDP, CP_HC_HTTP };

/* One thing to check. IPv4 addresses and ports in host byte order, IPv6
 * addresses as their 16 bytes. */
struct cp_hc_target {
	uint64_t key;                 /* caller's id (server id), unique in a set */
	enum cp_hc_type type;
	bool v6;                      /* IPv6: src_ip6, dst_ip6; else src_ip, dst_ip */
	uint32_t src_ip;              /* address to bind; 0: the kernel chooses */
	uint32_t dst_ip;              /* the server's, or its health address */
	uint8_t src_ip6[16];          /* all zeros: the kernel chooses */
	uint8_t dst_ip6[16];
	uint16_t dst_port;            /* the server's port, or health.port */
	uint32_t interval_ms;         /* CP_HC_INTERVAL_MIN..MAX */
	uint32_t timeout_ms;          /* >= 1; a timeout above the interval acts as the interval */
	uint16_t rise, fall;          /* >= 1 */
	bool start_down;              /* first state down instead of up */
	/* http: GET path; with a host, HTTP/1.1 with "Host: host", else HTTP/1.0 */
	char path[CP_HC_PATH_MAX];    /* "" means "/" */
	char host[CP_HC_HOST_MAX];
	uint16_t http_status;         /* expected status, 100..999 */
	/* udp: the probe datagram (may be empty) */
	uint8_t payload[CP_HC_PAYLOAD_MAX];
	uint16_t payload_len;
	bool require_reply;           /* only a reply passes (else silence passes too) */
};

/* What is known of one target; a copy, read at any time. */
struct cp_hc_status {
	bool up;
	uint64_t last_check_ms;       /* wall clock (CLOCK_REALTIME) of the last result; 0: none yet */
	bool last_ok;
	char last_error[CP_HC_ERR_MAX]; /* of the latest failed check, kept after successes; "" if none */
	uint32_t rise_count;          /* consecutive successes (0 after a failure) */
	uint32_t fall_count;          /* consecutive failures (0 after a success) */
	uint64_t checks;              /* results so far */
	uint64_t transitions;         /* up<->down changes so far */
};

/* Engine-wide counters: how late the checker is. "Lag" is actual start
 * minus scheduled start of a check. */
#define CP_HC_LAG_BUCKETS 6           /* <10us <100us <1ms <10ms <100ms >=100ms */
struct cp_hc_stats {
	uint64_t loops;               /* wake-ups of the checker thread (= heartbeat) */
	uint64_t checks_started;
	uint64_t checks_skipped;      /* periods skipped because the thread was > 1 interval late */
	uint64_t lag_max_ns;
	uint64_t lag_hist[CP_HC_LAG_BUCKETS];
	uint64_t callbacks_lost;      /* transitions whose callback could not be queued (no memory) */
	uint32_t targets;
	uint32_t in_flight;
};

/*
 * on_change(arg, key, up, reason): called once per transition, on the
 * checker thread, with the reason text of the check that caused it (e.g.
 * "connect: Connection refused", "timeout after 500 ms", "http status 503 !=
 * 200", "udp: port unreachable"). It must be quick (no blocking I/O). It may
 * call cp_hc_get/cp_hc_stats/cp_hc_heartbeat, but not cp_hc_set (returns
 * -EDEADLK), cp_hc_stop or cp_hc_destroy. May be NULL.
 */
int cp_hc_create(void (*on_change)(void *arg, uint64_t key, bool up, const char *reason),
		 void *arg, struct cp_hc **out);

/* Checks one target's parameters; on error returns -EINVAL and writes a
 * message naming the field ("interval_ms must be 10..86400000"). */
int cp_hc_target_validate(const struct cp_hc_target *t, char *msg, size_t len);

/*
 * Replaces the whole target set (thread-safe, any time, before or after
 * start). A target whose key and parameters are unchanged keeps its state,
 * counters and timer; a new or changed one starts fresh (state up unless
 * start_down), its first check within one interval; a removed one stops (its
 * socket is closed) and gets no callback once cp_hc_set has returned.
 * -EINVAL (bad target or duplicate key; nothing changed), -ENOMEM.
 */
int cp_hc_set(struct cp_hc *h, const struct cp_hc_target *t, unsigned n);

/* Copies one target's status. -ENOENT if the key is not in the set. */
int cp_hc_get(struct cp_hc *h, uint64_t key, struct cp_hc_status *out);

void cp_hc_stats(struct cp_hc *h, struct cp_hc_stats *out);

/*
 * Optional hook for measuring (tests, tools): on_start(arg, key, sched_ns,
 * start_ns) runs on the checker thread as each check starts, with its
 * scheduled and actual start on CLOCK_MONOTONIC. It runs under the engine's
 * lock: it must be quick and must not call any cp_hc_* function. Set it
 * before cp_hc_start.
 */
void cp_hc_set_trace(struct cp_hc *h,
		     void (*on_start)(void *arg, uint64_t key, uint64_t sched_ns, uint64_t start_ns),
		     void *arg);

/* Starts the checker thread (named "mgw-hc"); first checks are spread over
 * one interval from now. -EALREADY if running. */
int cp_hc_start(struct cp_hc *h);

/* Grows while the checker thread loops (it wakes at least every 250 ms):
 * a selfcheck sees it stuck when this stops moving. */
uint64_t cp_hc_heartbeat(struct cp_hc *h);

/* Stops and joins the thread; checks in flight are abandoned without a
 * result. States are kept; cp_hc_start may run again. */
void cp_hc_stop(struct cp_hc *h);

void cp_hc_destroy(struct cp_hc *h);

const char *cp_hc_type_name(enum cp_hc_type type);
/* "none" "tcp" "udp" "http" -> type; -EINVAL otherwise. */
int cp_hc_type_parse(const char *s, enum cp_hc_type *out);

#endif
