/* dp/dp_int.h — the data plane's private structures, shared by its files
 * (dp.c set-up, port.c ports, lcore.c loop, input.c classification,
 * fullnat.c sessions, xmit.c output). Not for use outside dp/. */
#ifndef MGW_DP_DP_INT_H
#define MGW_DP_DP_INT_H

#include <pthread.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp/dp.h"
#include "dp/flow.h"
#include "dp/frag.h"
#include "dp/laddr.h"
#include "dp/persist.h"
#include "dp/pkt.h"
#include "dp/sess.h"
#include "dp/wheel.h"

extern int mgw_logtype_dp;
#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_dp, "dp: " fmt "\n", ##__VA_ARGS__)

#define DP_BURST        32
#define DP_HOLD_MAX     64
#define DP_RING_SIZE    4096
#define DP_WHEEL_SLOTS  65536     /* 1 ms ticks: a 65 s horizon */
#define DP_RX_DESC      1024
#define DP_TX_DESC      1024
#define DP_TAP_DESC     512
#define DP_PERSIST_ENTRIES 65536

/* A next hop an lcore has resolved: where its packets go and the Ethernet
 * addresses they get (xmit.c). */
#define DP_NH_MAX   1024      /* per lcore; index 0 means none */
#define DP_NH_HASH  2048      /* power of two, > DP_NH_MAX */

struct dp_nh {
	uint8_t l2[12];           /* destination MAC, then the port's own */
	uint16_t port;
	uint32_t ip;              /* network order */
};

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *m[DP_BURST];
};

/* A packet waiting for its next hop's MAC. */
struct dp_hold_ent {
	struct rte_mbuf *m;
	uint32_t nh;              /* network order */
	uint16_t port;
	uint64_t deadline;        /* tsc */
	uint64_t next_ask;        /* tsc of the next ARP request */
};

struct dp_port {
	struct dp_port_conf conf;
	uint16_t eth_id, tap_id;
	struct rte_ether_addr mac;
};

/* The control plane's command to one lcore: the writer fills cmd, then
 * bumps seq; the lcore works on it over as many loops as it needs and sets
 * done = seq. */
struct dp_cmd_slot {
	uint32_t seq;
	uint32_t done;
	struct dp_cmd cmd;
	uint32_t cursor;              /* lcore's progress through its table */
};

/* A command kind dp_command() never posts: fault injection (fault.c). */
#define DP_CMD_STALL 0xf0

struct dp_lcore {
	unsigned idx;                 /* 0..n_lcores-1 */
	struct dp_cmd_slot ctl;
	unsigned lcore_id;            /* EAL lcore */
	struct dp *dp;
	const struct dp_snap *snap;
	uint64_t snap_gen;

	struct dp_sess_tab sess;
	struct dp_wheel wheel;
	struct dp_laddr laddr;
	struct dp_persist persist;

	struct dp_txbuf tx[DP_MAX_PORTS];
	struct dp_txbuf punt[DP_MAX_PORTS];
	unsigned n_hold;
	struct dp_hold_ent hold[DP_HOLD_MAX];

	uint32_t *rr;                 /* per service id: round-robin cursor */
	int32_t *wrr;                 /* per server id: smooth-wrr credit */
	uint8_t *ovl;                 /* per server id: overloaded (ipvsadm -x/-y) */
	struct dp_rs_stats *rs;       /* per server id */
	struct dp_svc_stats *svc;     /* per service id */

	/* While dp_input_burst hands a packet to dp_input: the session its
	 * tuple's bucket pointed at (a hint, checked before use), else NULL. */
	struct dp_sess *rx_cand;
	unsigned rx_cand_dir;

	uint64_t tsc_per_ms;
	uint64_t tsc_base;
	uint64_t next_tick;           /* tsc */
	uint32_t now_ms;              /* wheel time */
	uint64_t now_tsc;             /* at the top of this loop */
	uint32_t idle_polls;
	uint32_t sleep_us;

	/* The next-hop cache (xmit.c): void as a whole, and nh_epoch moved on,
	 * when the route table or the neighbour table changes. */
	uint32_t nh_epoch;
	uint32_t n_nh;
	uint32_t nh_neigh_gen;
	const struct dp_routes *nh_routes;
	uint16_t nh_slot[DP_NH_HASH]; /* by (ip, port) hash: index into nh[], 0 = empty */
	struct dp_nh nh[DP_NH_MAX];

	struct dp_lcore_stats stats;
	void *mem;                    /* one block for the tables above */

	/* icmp_path.c, frag_path.c, reply_path.c (rare paths, kept last) */
	struct dp_frag_tab frag;
	uint32_t unreach_tokens;      /* ICMP errors we may originate now */
	uint32_t unreach_ms;          /* when the tokens were last topped up */
} __rte_cache_aligned;

struct dp {
	struct dp_conf conf;
	pthread_mutex_t cmd_lock;     /* one command at a time */
	unsigned n_lcores;
	unsigned n_ports;
	struct dp_port port[DP_MAX_PORTS];
	struct rte_mempool *pool;
	struct dp_neigh *neigh;
	struct rte_rcu_qsbr *qs;
	struct dp_snap *snap;         /* published; atomic pointer */
	struct dp_lcore *lc[DP_MAX_LCORES];
	/* ring[from][to]: packets lcore `from` hands to the owner `to` */
	struct rte_ring *ring[DP_MAX_LCORES][DP_MAX_LCORES];
	/* tring[from][to]: persistence templates lcore `from` shares */
	struct rte_ring *tring[DP_MAX_LCORES][DP_MAX_LCORES];
	uint64_t tsc_hz;
	volatile int stop;
	bool started;
	struct dp_flow flow;          /* reply steering mode and rules (flow.c) */
	struct dp_fault *fault;       /* fault injection (fault.c); NULL until used */
};

/* port.c */
int dp_port_init(struct dp *dp, unsigned i);
void dp_port_close(struct dp *dp, unsigned i);

/* lcore.c */
int dp_lcore_main(void *arg);
int dp_lcore_init(struct dp *dp, unsigned idx, unsigned lcore_id);
void dp_lcore_free(struct dp_lcore *lc);

/* fault.c */
void dp_fault_run(struct dp_lcore *lc, uint32_t seq);
void dp_fault_free(struct dp *dp);

/* input.c: one received frame (from a data port, or a redirected one) */
void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected);
/* Hand a packet to the lcore `owner` over the redirect ring. */
void dp_redirect(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, unsigned owner);
/* input.c: a burst from data port `port` (what the lcore loop and the bench
 * call) */
void dp_input_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint16_t port);

/* fullnat.c */
void dp_fullnat_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p);
void dp_fullnat_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, bool redirected);
void dp_sess_expired(void *arg, uint32_t idx);
void dp_persist_share(struct dp_lcore *lc, const struct dp_persist_ent *t);
/* End a session now (flush, reset): unlink from the wheel and release. */
void dp_sess_kill(struct dp_lcore *lc, struct dp_sess *s);

/* xmit.c */
void dp_xmit_ip(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t dst);
/* The same for a packet of session s going in direction dir (DP_DIR_IN:
 * to the server), whose TTL the caller checked and decremented already
 * (dp_nat_forward): through the next hop s remembers, when it still holds. */
void dp_xmit_sess(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s, unsigned dir,
		  uint32_t dst);
void dp_tx(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m);
void dp_punt(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m);
void dp_tx_flush(struct dp_lcore *lc);
void dp_hold_run(struct dp_lcore *lc);

/* TTL of the packets mgw originates (echo replies, resets, ICMP errors):
 * dp_xmit_ip() takes one off on the way out, as for what it forwards. */
#define DP_ORIGIN_TTL 65

/* icmp_path.c: ICMP to a VIP or a LIP (echo, errors about sessions) */
void dp_icmp_input(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected);

/* frag_path.c: later fragments follow their first (see dp/frag.h) */
void dp_frag_later(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected);
/* A first fragment (p not yet rewritten) of session s, direction dir. */
void dp_frag_track(struct dp_lcore *lc, const struct dp_pkt *p, const struct dp_sess *s,
		   unsigned dir);
/* A first fragment handed to lcore owner. */
void dp_frag_track_owner(struct dp_lcore *lc, const struct dp_pkt *p, unsigned owner);
void dp_frag_tick(struct dp_lcore *lc);
void dp_frag_flush(struct dp_lcore *lc);

/* reply_path.c: a new flow without a usable server gets a RST or an ICMP
 * port unreachable; a session whose server is down (on_down reset) is
 * reset. dp_reply_reset returns false when the session was ended and the
 * packet should be scheduled afresh (a client's UDP datagram or SYN). */
void dp_reply_refuse(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p);
bool dp_reply_reset(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s,
		    unsigned dir);

/* flow.c: rules follow the LIPs of each published snapshot (flow mode) */
void dp_flow_sync(struct dp *dp, const struct dp_laddr_map *m);
void dp_flow_destroy(struct dp *dp);

static inline void dp_drop(struct dp_lcore *lc, struct rte_mbuf *m, enum dp_drop why)
{
	lc->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

#endif
