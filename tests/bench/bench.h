/* tests/bench/bench.h — the in-process data-plane benchmark (`make bench`).
 *
 * One thread plays both sides: it is the data core (it drives a struct
 * dp_lcore through the real receive, FULLNAT and transmit code) and, between
 * timed bursts, the wire, the clients and the servers. The port is DPDK's
 * net_ring vdev, whose tx queue feeds its own rx queue: the balancer's
 * output lands in a ring from which the generator takes the mbufs back,
 * rewrites them into the next packets and puts them in again. Only the data
 * core's work is timed (TSC around each burst); see README.md. */
#ifndef MGW_TESTS_BENCH_H
#define MGW_TESTS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cp/ids.h"
#include "cp/snap.h"
#include "dp/dp_int.h"

#define BENCH_SERVERS   100
#define BENCH_LIPS      CP_MAX_LIPS
#define BENCH_VPORT     80
#define BENCH_RPORT     8080
#define BENCH_ROUNDS    9          /* repeats of each measurement; the median is kept */
#define BENCH_TRIES     6          /* attempts at a round the thread was not descheduled in */

/* Addresses (host order). Clients sit behind the gateway (default route),
 * servers and the gateway on the port's /16. */
#define BENCH_PORT_IP   0x0a000001u   /* 10.0.0.1/16 */
#define BENCH_GW_IP     0x0a00fffeu   /* 10.0.255.254 */
#define BENCH_VIP(i)    (0x0a010001u + (i))   /* 10.1.0.1 + service index */
#define BENCH_LIP(i)    (0x0a020001u + (i))   /* 10.2.0.1 .. */
#define BENCH_RIP(k)    (0x0a000101u + (k))   /* 10.0.1.1 .. */

/* The services, one per scheduler, in this order (the est/new-connection
 * runs use rr, service 0). */
#define BENCH_N_SVC     6

struct bench {
	uint64_t hz;
	double ns_per_cycle;
	bool quick;                  /* small sizes and short runs (valgrind) */
	uint32_t max_sessions;       /* the largest table of the sweep */
	double secs;                 /* seconds per measurement */
	double wrap_secs;            /* --wrap-secs: the ports-wrapping run */
	const char *hugepages;       /* "1G", "2M" (what run.sh gave EAL), NULL: 4 KB */
	const char *only;            /* --only: the parts to run */
	uint64_t measured_pkts;      /* packets of the timed polls, so far */
	uint64_t rounds, rounds_redone, rounds_noisy;
	double ghz[2];               /* the core's clock at the start and the end */

	struct rte_mempool *pool;
	uint16_t port_id, tap_id;
	struct rte_ring *wire;       /* net_ring0's ring: tx puts, rx takes */
	const char *tap_name;        /* the TAP's ethdev: net_tap0, or net_ring1 without one */
	bool tap;                    /* --tap: make a TAP (in the bench's own netns) */
	uint32_t tap_poll_us;        /* --tap-poll-us, as dpdk.tap_poll_us */
	struct rte_ether_addr port_mac;
	uint8_t gw_mac[6];

	struct cp_config *cfg;
	struct cp_ids *svc_ids, *rs_ids;
	struct dp_routes *routes;
	struct dp_snap *snap;

	struct dp *dp;               /* made by hand: one port, one lcore, no launch */
	struct dp_lcore *lc;

	json_t *res;                 /* every number, printed as the last line */
	bool sync_on;                /* sync.c: lcores made with sync rings, snapshot sync on */
	const char *suffix;          /* appended to every result's key (a run done again) */
	bool v6;                     /* the runs' frames are IPv6 (bench_v6) */
};

/* A round of a measurement. The box is shared: a round in which this
 * thread was off the CPU for more than 10 % of the wall-clock time is done
 * again, up to BENCH_TRIES times (then kept and counted as noisy). */
struct bench_round {
	uint64_t tsc;
	uint64_t cpu_ns;
	unsigned tries;
};

/* main.c */
int bench_make_v6(struct bench *b);
void bench_round_begin(struct bench_round *r);
/* true: keep the round; false: measure it again */
bool bench_round_done(struct bench *b, struct bench_round *r);
int bench_lcore_new(struct bench *b, uint32_t capacity);
/* fast.c: the IPv6 runs (established 10 k, new connections) */
int bench_v6(struct bench *b);
void bench_lcore_free(struct bench *b);
/* One iteration of the data core on what is in the wire: rx, FULLNAT,
 * tx, timers. Returns the TSC cycles it took; *n gets the packets. */
uint64_t bench_poll(struct bench *b, unsigned *n);
void bench_result(struct bench *b, const char *key, double v);
double bench_median(double *v, unsigned n);
uint64_t bench_drops(const struct dp_lcore *lc);
void bench_print_drops(const struct dp_lcore *lc);

/* gen.c: frames as a client or a server sends them (addresses and ports in
 * host order). */
struct bench_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	bool v6;                     /* an IPv6 frame: the addresses embedded (bench_addr6) */
};

/* The IPv6 runs' addresses: each IPv4 one of the IPv4 runs as fd00::a.b.c.d,
 * so that the runs' bookkeeping (and its checks) is the same for both. */
static inline void bench_addr6(uint8_t a[16], uint32_t v4)
{
	for (unsigned i = 0; i < 12; i++)
		a[i] = 0;
	a[0] = 0xfd;
	a[12] = (uint8_t)(v4 >> 24);
	a[13] = (uint8_t)(v4 >> 16);
	a[14] = (uint8_t)(v4 >> 8);
	a[15] = (uint8_t)v4;
}

/* Sequence numbers and options of a frame (bench_tcp_frame_x), or what a
 * frame the balancer sent carried (bench_frame_tcp). ts: the timestamps
 * option (with the SYN's other options on a SYN). */
struct bench_tcp_x {
	uint32_t seq, ack;
	bool ts;
	uint32_t tsval, tsecr;
};

/* seq 0x10000000 + sport, ack 0x20000000 + dport, no options */
void bench_tcp_frame(struct rte_mbuf *m, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		     const struct bench_tuple *t, uint8_t flags, uint16_t payload);
void bench_tcp_frame_x(struct rte_mbuf *m, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		       const struct bench_tuple *t, uint8_t flags, uint16_t payload,
		       const struct bench_tcp_x *x);
/* The flags, seq, ack and timestamps of a TCP frame the balancer sent. */
bool bench_frame_tcp(const struct rte_mbuf *m, uint8_t *flags, struct bench_tcp_x *x);
/* The tuple of a frame the balancer sent; false if it is not TCP/IPv4 or,
 * with csum, if its IPv4 or TCP checksum is wrong. */
bool bench_frame_read(const struct rte_mbuf *m, struct bench_tuple *t, bool csum);

static inline uint64_t bench_rand(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n). */
static inline uint32_t bench_rand_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((bench_rand(s) >> 32) * (uint64_t)n) >> 32);
}

/* The slot-machine runs (new connections, SYN proxy): slot i of `slots`,
 * each going through `steps` packets, starts `i % steps` rounds of bursts
 * late, so that every burst mixes the steps. */
static inline bool bench_slot_due(uint64_t bursts, unsigned slots, unsigned i, unsigned steps)
{
	return bursts / (slots / DP_BURST) >= i % steps;
}

/* fast.c */
int bench_floor(struct bench *b);
int bench_established(struct bench *b);
int bench_new_conn(struct bench *b);
int bench_lport_wrap(struct bench *b);
/* n frames in, the data core's poll, every one out again (else -EPROTO);
 * measured: its cycles count as timed (callgrind's measured_poll) */
int bench_burst(struct bench *b, struct rte_mbuf **m, unsigned n, uint64_t *cycles,
		bool measured);
/* synproxy.c */
int bench_synproxy(struct bench *b);
int bench_sync(struct bench *b);
/* sync.c: the rings of a new lcore when sync is on; the ev ring emptied
 * as the sync thread would (between bursts, not timed). */
int bench_sync_rings(struct bench *b);
void bench_sync_drain(struct bench *b);

/* sched.c */
int bench_sched(struct bench *b);
int bench_maglev(struct bench *b);

#endif
