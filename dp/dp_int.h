/* dp/dp_int.h — the data plane's private structures, shared by its files
 * (dp.c set-up, port.c ports, lcore.c loop, input.c classification,
 * conn.c sessions, fullnat.c FULLNAT, fwd.c the other forwarding modes,
 * xmit.c output).
 * Not for use outside dp/. */
#ifndef MGW_DP_DP_INT_H
#define MGW_DP_DP_INT_H

#include <pthread.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
/* DP_ASAN: built with AddressSanitizer (gcc says so one way, clang another) */
#if defined(__SANITIZE_ADDRESS__)
#define DP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DP_ASAN 1
#endif
#endif
#ifdef DP_ASAN
#include <sanitizer/asan_interface.h>
#endif
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp/cookie.h"
#include "dp/dp.h"
#include "dp/flow.h"
#include "dp/evict.h"
#include "dp/frag.h"
#include "dp/laddr.h"
#include "dp/limit.h"
#include "dp/persist.h"
#include "dp/pkt.h"
#include "dp/sess.h"
#include "dp/tcpwin.h"
#include "dp/toa.h"
#include "dp/sync_ev.h"
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
	uint32_t ip;              /* network order; an IPv6 next hop's handle */
	uint8_t v6;               /* ip6 is the next hop */
	uint8_t ip6[16];
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
	uint64_t next_ask;        /* tsc of the next ARP request (IPv6: NS) */
	uint8_t v6;               /* waits for IPv6 next hop ip6 (nh its handle) */
	uint8_t ip6[16];
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

/* The SYN proxy's secrets as the lcores read them (synproxy.c): swapped
 * whole by dp_synproxy_set_secret and at each rotation
 * (dp_synproxy_rotate), freed after a grace period. */
struct dp_sp_keys {
	struct dp_cookie_ring ring;
	uint8_t master[32];
	int64_t wall_off_ms;          /* wall ms = TSC ms + this */
};

/* One lcore's SYN proxy: client segments held until their server's
 * SYN-ACK (by session index, in arrival order), and the cookies lately
 * turned into sessions. */
#define DP_SP_HOLD_MAX   256
#define DP_SP_SEEN       16384        /* entries (8 B each) */

struct dp_lcore_sp {
	uint16_t n_hold;
	struct { struct rte_mbuf *m; uint32_t sidx; } hold[DP_SP_HOLD_MAX];
	struct dp_cookie_seen seen;
};

/* A command kind dp_command() never posts: fault injection (fault.c). */
#define DP_CMD_STALL 0xf0

/* One lcore's side of session sync (sync.c; see dp/sync_ev.h). */
struct dp_lcore_sync {
	struct rte_ring *ev;          /* to the sync thread */
	struct rte_ring *in;          /* from the sync thread */
	uint64_t own_count, own_hash; /* sessions this lcore owns: count, sum of identities */
	uint32_t marker_ms;           /* when the next marker is due */
	uint32_t marker_seq;
	/* a bulk walk for a peer, and the requests waiting behind it */
	uint8_t bulk_on, bulk_dest, bulk_guards;   /* bulk_guards: past the sessions, on the guards */
	uint16_t bulk_id;
	uint32_t bulk_cursor, bulk_gcursor;
	uint64_t bulk_count, bulk_hash;
	uint8_t n_bulk_q;
	struct { uint8_t dest; uint16_t id; } bulk_q[8];
	/* a sweep after a resync: foreign sessions of (peer, origin) that the
	 * resync did not refresh */
	uint8_t sweep_on, sweep_peer, sweep_origin, sweep_all;
	uint32_t sweep_cursor;
	uint64_t sweep_removed;
	uint8_t n_sweep_q;
	struct { uint8_t peer, origin, all; } sweep_q[DP_SYNC_MAX_PEERS];
	/* failover: a walk that moves sessions to or from this node
	 * (ADOPT/HANDBACK), and those waiting behind it */
	uint8_t own_on, n_own_q;
	uint32_t own_cursor;
	uint64_t own_moved;
	struct dp_sync_own { uint8_t kind, peer, node; uint32_t lip; } own_cur, own_q[32];
	/* foreign sessions per (peer slot, origin lcore): count, identity sum,
	 * and the resync generation their records must carry */
	uint64_t fcount[DP_SYNC_MAX_PEERS][DP_MAX_LCORES];
	uint64_t fhash[DP_SYNC_MAX_PEERS][DP_MAX_LCORES];
	uint8_t gen[DP_SYNC_MAX_PEERS][DP_MAX_LCORES];
	uint32_t fused[DP_SYNC_MAX_PEERS];   /* foreign sessions per peer (the quota) */
	uint32_t lose;                /* fault injection: live records still to lose */
};

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
	uint16_t x64_ident;        /* IPv4 identification of NAT64's translated packets */
	unsigned n_hold;
	struct dp_hold_ent hold[DP_HOLD_MAX];

	uint32_t *rr;                 /* per service id: rr and wrr cursor */
	uint8_t *ovl;                 /* per server id: overloaded (ipvsadm -x/-y) */
	struct dp_rs_stats *rs;       /* per server id */
	struct dp_svc_stats *svc;     /* per service id */
	struct dp_tb *svc_tb;         /* per service id: new_conns_per_s (dp/limit.h) */
	struct dp_client_tab *clients;/* per_client_new_conns_per_s */
	struct dp_evict evict;        /* table pressure (dp/evict.h) */
	struct dp_tb punt_tb[DP_PUNT_MAX]; /* exception path, per class */
	struct dp_tb refuse_tb;       /* replies to refused flows (refuse: rst) */

	/* While dp_input_burst hands a packet to dp_input: the session its
	 * tuple's bucket pointed at (a hint, checked before use), else NULL. */
	struct dp_sess *rx_cand;
	unsigned rx_cand_dir;

	uint64_t tsc_per_ms;
	uint64_t tsc_base;
	uint64_t next_tick;           /* tsc */
	uint64_t next_tap;            /* tsc: the TAPs are polled then */
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
	uint16_t ipip_id;             /* fwd.c: IP id of the next outer header */
	struct dp_lcore_sync sync;    /* sync.c */
	struct dp_lcore_sp sp;        /* synproxy.c */
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
	uint64_t tap_poll_tsc;        /* between two polls of the TAPs */
	volatile int stop;
	bool started;
	struct dp_flow flow;          /* reply steering mode and rules (flow.c) */
	/* The published snapshot's LIP map, for the sync thread (which is no
	 * RCU reader): copied by dp_publish under a sequence count. */
	uint32_t laddr_seq;
	struct dp_laddr_map laddr_copy;
	struct dp_fault *fault;       /* fault injection (fault.c); NULL until used */
	struct dp_sp_keys *sp_keys;   /* synproxy.c; atomic pointer, NULL until set */
	pthread_mutex_t sp_lock;      /* one dp_synproxy_set_secret at a time */
	uint32_t slow_us[DP_MAX_LCORES]; /* fault injection: µs an lcore spins per busy turn */
};

/* port.c */
int dp_port_init(struct dp *dp, unsigned i);
void dp_port_close(struct dp *dp, unsigned i);

/* lcore.c */
int dp_lcore_main(void *arg);
/* One turn of the loop (what dp_lcore_main repeats, and what `make bench`
 * times): returns the packets it handled. */
unsigned dp_lcore_turn(struct dp_lcore *lc);
/* The same without the ports and TAPs, at now_tsc: the published
 * snapshot, what other lcores handed over, output, timers and the control
 * plane's command; no RCU report. Returns the packets handed over. For
 * code that drives lcores in-process instead of launching them (the
 * packet-path fuzzer, tests/fuzz/fuzz_dp.c). */
unsigned dp_lcore_turn_at(struct dp_lcore *lc, uint64_t now_tsc);
int dp_lcore_init(struct dp *dp, unsigned idx, unsigned lcore_id);
void dp_lcore_free(struct dp_lcore *lc);

/* fault.c */
void dp_fault_run(struct dp_lcore *lc, uint32_t seq);
void dp_fault_free(struct dp *dp);

/* input.c: one received frame (from a data port, or a redirected one) */
void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected);
/* An IPv6 frame (dp/input6.c): ND and echo for the ports' addresses. */
void dp_input6(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected);
/* Hand a packet to the lcore `owner` over the redirect ring. */
void dp_redirect(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, unsigned owner);
/* A packet whose session this lcore lacks but another may hold (its flow's
 * packets reached two queues: af_packet rolls a busy socket's packets over
 * to the next one; a NIC's RSS table may change): hand it to the next lcore,
 * round the ring once. False when every lcore has looked: drop it. */
bool dp_miss_pass(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected);
/* input.c: a burst from data port `port` (what the lcore loop and the bench
 * call) */
void dp_input_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint16_t port);

/* conn.c: sessions of every mode; the client side of every mode (a packet
 * to a VIP: find or make its session, then forward by the session's mode) */
void dp_vip_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, bool redirected);
void dp_sess_expired(void *arg, uint32_t idx);
/* End a session now (flush, reset): unlink from the wheel and release. */
void dp_sess_kill(struct dp_lcore *lc, struct dp_sess *s);
void dp_persist_share(struct dp_lcore *lc, const struct dp_persist_ent *t);

/* conn.c: a new session of service svc for the packet p (a client's SYN
 * or datagram; under the SYN proxy the ACK that proved its cookie, sp the
 * cookie's word). NULL with *why when none can be made. */
struct dp_sp_open;
struct dp_sess *dp_sess_open(struct dp_lcore *lc, const struct dp_service *svc,
			     const uint8_t *frame, const struct dp_pkt *p,
			     const struct dp_sp_open *sp, enum dp_drop *why);

/* xlate.c: sessions that translate (DP_SESS_F_XLATE; dp/seq.h): the PROXY
 * header, TOA, the SYN proxy's offsets. init fills a new session's cold
 * half; in and out take a packet of it before it is tracked and rewritten,
 * and return true when they consumed it (held, sent otherwise, dropped). */
void dp_xlate_init(struct dp_lcore *lc, const struct dp_service *svc, struct dp_sess *s,
		   const uint8_t *frame, const struct dp_pkt *p, const struct dp_sp_open *sp);
bool dp_xlate_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s);
bool dp_xlate_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s);
/* A RST mgw made for session s in direction dir (dp_reply_reset), in the
 * receiver's sequence space. */
void dp_xlate_rst(struct dp_lcore *lc, uint8_t *frame, struct dp_sess *s, unsigned dir);
/* The MTU towards dst (its route's port), 1500 when the port has none. */
uint16_t dp_xlate_mtu(struct dp_lcore *lc, uint32_t dst);

/* synproxy.c: the SYN proxy (dp/cookie.h). What the cookie said, for the
 * session the ACK makes. */
struct dp_sp_open {
	uint32_t cookie;              /* our ISN towards the client */
	uint32_t tsval;               /* the TSval our SYN-ACK carried (ts) */
	struct dp_cookie_opts o;
};
/* A TCP packet of a SYN proxy service without a session (dp_vip_in): a
 * SYN is answered with a cookie, an ACK that proves one makes the session
 * and the SYN to the server. False until the control plane has set a
 * secret: the packet then takes the ordinary way. */
bool dp_synproxy_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		    const struct dp_service *svc, bool redirected);
/* A session waiting for its server's SYN-ACK: the client's packet (held,
 * or passed on) and the server's (the SYN-ACK completes it). */
bool dp_synproxy_wait_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			 struct dp_sess *s);
bool dp_synproxy_wait_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			  struct dp_sess *s);
/* The server's SYN-ACK again (our ACK was lost): answer it once more. */
void dp_synproxy_reack(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		       struct dp_sess *s);
/* Session s goes (held packets dropped); expired: it never got its
 * SYN-ACK, the client gets a RST. */
void dp_synproxy_gone(struct dp_lcore *lc, struct dp_sess *s, bool expired);
void dp_synproxy_free(struct dp *dp);

/* fullnat.c: FULLNAT's client side (session s found or made by
 * dp_vip_in) and its replies (to a LIP) */
void dp_fullnat_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s);
/* Its last step, a client's packet tracked, counted and its TTL checked:
 * rewritten (or NAT64: translated) and sent to the server. */
void dp_fullnat_fwd_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		       struct dp_sess *s);
void dp_fullnat_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, bool redirected);
/* A server's packet of session s (direction OUT), on to the client as from
 * the VIP: FULLNAT's and NAT's replies alike. */
void dp_sess_reply(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s);

/* fwd.c: the modes beside FULLNAT (NAT, DR, TUNNEL) */
/* A client's packet of session s (not FULLNAT), found or made by dp_vip_in. */
void dp_fwd_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s);
/* A packet to an address that is not ours while NAT services exist: a
 * NAT server's reply to its client, or an ICMP error about a NAT packet. */
void dp_nat_routed(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected);
/* The same for an IPv6 packet (p6 as parsed) not to one of our addresses:
 * a NAT server's reply (TCP, UDP) or ICMPv6 error to its client. */
struct dp_pkt6;
void dp_nat_routed6(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p6, uint16_t in_port,
		    bool redirected);
/* A later fragment of a DR or TUNNEL datagram (frag_path.c), to dst (an
 * IPv6 one's: dst6, else NULL). */
void dp_fwd_later(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint8_t fwd,
		  uint32_t dst, const uint8_t *dst6);
/* A packet for the server of DR or TUNNEL session s as it is (an ICMP
 * error, a reset mgw made): to its MAC, or tunnelled. */
void dp_fwd_to_server(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_sess *s);
/* An ICMP error from the client side about session s (not FULLNAT), q its
 * quote: on to the server as that mode needs it. */
struct dp_icmp_quote;
void dp_fwd_icmp_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		    const struct dp_icmp_quote *q, struct dp_sess *s);
/* The same for an ICMPv6 error about IPv6 session s (its hop limit
 * checked by the caller): DR, TUNNEL as it is, NAT rewritten. */
struct dp_icmp6_quote;
void dp_fwd_icmp6_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p,
		     const struct dp_icmp6_quote *q, struct dp_sess *s);

/* nat64.c: the two directions of a NAT64 session (FULLNAT v6 → v4) */
void dp_nat64_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		 struct dp_sess *s);
void dp_nat64_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		  struct dp_sess *s);
/* ... and their ICMP errors across the families: an ICMPv4 error about
 * LIP:lport → server (p: its parse) to the client as ICMPv6; an ICMPv6
 * one from the client's side about VIP:vport → client to the server as
 * ICMPv4. Quotes, MTUs and checksums as dp/xlat64.c and dp/icmp.c make
 * them. */
struct dp_pkt6;
void dp_nat64_icmp_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		       struct dp_sess *s);
void dp_nat64_icmp_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt6 *p,
		      struct dp_sess *s);
/* ... and the later fragments of their datagrams (dp/frag.h): an IPv6 one
 * of the client's, to IPv4 from src to dst; an IPv4 one of the server's,
 * to IPv6 from src6 to dst6. */
void dp_nat64_later_in(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		       uint32_t src, uint32_t dst);
void dp_nat64_later_out(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
			const uint8_t *src6, const uint8_t *dst6);

/* A frame grown in place from old to len bytes, into its tailroom: under
 * AddressSanitizer the new bytes are made writable (the fuzzer poisons
 * what lies past each frame it makes, to catch reads beyond the end; a
 * deliberate extension is not one). Nothing in other builds. */
static inline void dp_mbuf_grown(struct rte_mbuf *m, uint32_t old, uint32_t len)
{
#ifdef DP_ASAN
	__asan_unpoison_memory_region(rte_pktmbuf_mtod_offset(m, uint8_t *, old), len - old);
#else
	(void)m;
	(void)old;
	(void)len;
#endif
}

/* xmit.c */
void dp_xmit_ip(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t dst);
/* The port and next hop (*nh: 16 bytes) for IPv6 destination dst: on a
 * port's subnet, dst itself; else the longest IPv6 route holding it. -1
 * when none does. */
int dp_route6(const struct dp_snap *s, const uint8_t *dst, const uint8_t **nh);
/* The same to an IPv6 destination (16 bytes) whose hop limit the caller
 * checked and decremented: its route (on-link, then the v6 routes) and
 * neighbour. */
void dp_xmit_ip6(struct dp_lcore *lc, struct rte_mbuf *m, const uint8_t *dst6);
/* The same for a packet of session s going in direction dir (DP_DIR_IN:
 * to the server), whose TTL the caller checked and decremented already
 * (dp_rw_forward): through the next hop s remembers, when it still holds. */
void dp_xmit_sess(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s, unsigned dir,
		  uint32_t dst);
/* The same towards an IPv6 destination (16 bytes). */
void dp_xmit_sess6(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s, unsigned dir,
		   const uint8_t *dst6);
void dp_tx(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m);
/* To the kernel, class cls (dp/punt.h): policed per class. */
void dp_punt(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m, enum dp_punt_class cls);
void dp_tx_flush(struct dp_lcore *lc);
void dp_hold_run(struct dp_lcore *lc);

/* TTL of the packets mgw originates (echo replies, resets, ICMP errors):
 * dp_xmit_ip() takes one off on the way out, as for what it forwards. */
#define DP_ORIGIN_TTL 65

/* icmp_path.c: ICMP to a VIP or a LIP (echo, errors about sessions) */
void dp_icmp_input(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected);
/* icmp6_path.c: ICMPv6 errors to a v6 VIP or LIP (v: its address map
 * value) */
void dp_icmp6_input(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p, uint32_t v,
		    uint16_t in_port, bool redirected);

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

/* reply_path.c: an mbuf to build a reply of up to DP_REPLY_MAX bytes (an
 * ND answer too) in, or NULL (counted: no_mbuf). */
struct rte_mbuf *dp_reply_alloc(struct dp_lcore *lc, uint8_t **buf);
/* reply_path.c: a new flow without a usable server gets a RST or an ICMP
 * port unreachable; a session whose server is down (on_down reset) is
 * reset. dp_reply_reset returns false when the session was ended and the
 * packet should be scheduled afresh (a client's UDP datagram or SYN). */
void dp_reply_refuse(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p);
/* A new flow an ACL or a limit refuses (drop reason why): answered with a
 * RST (TCP) or an ICMP port unreachable (UDP), at most REFUSE_PER_S a
 * second per lcore, when answer (refuse: rst); dropped either way. */
void dp_reply_policy(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		     enum dp_drop why, bool answer);
/* A DF packet too big for a tunnel of inner MTU mtu: ICMP "fragmentation
 * needed" back to its sender, from the address it was sent to (an IPv6
 * one: ICMPv6 Packet Too Big); m is dropped (tunnel_too_big). */
void dp_reply_too_big(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		      uint16_t mtu);
bool dp_reply_reset(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s,
		    unsigned dir);

/* flow.c: rules follow the LIPs of each published snapshot (flow mode) */
void dp_flow_sync(struct dp *dp, const struct dp_laddr_map *m);
void dp_flow_destroy(struct dp *dp);

/* A source address no packet to a service has: 0/8, 127/8, 224/4 and
 * 240/4 (network order in, first octet tested). */
static inline bool dp_martian(uint32_t src)
{
	uint8_t a = ((const uint8_t *)&src)[0];

	return a == 0 || a == 127 || a >= 224;
}

static inline void dp_drop(struct dp_lcore *lc, struct rte_mbuf *m, enum dp_drop why)
{
	lc->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/* The session of a packet's tuple: the candidate dp_input_burst found for
 * it when that one matches (it was fetched into the cache ahead), else a
 * lookup. */
static inline __attribute__((always_inline)) struct dp_sess *
dp_sess_find(struct dp_lcore *lc, const struct dp_pkt *p, unsigned *dir)
{
	struct dp_sess *s = lc->rx_cand;

	/* (the burst's candidates are IPv4's alone: dp_input_burst) */
	if (s && (s->flags & (DP_SESS_F_HASHED | DP_SESS_F_V6)) == DP_SESS_F_HASHED && !p->a6 &&
	    dp_sess_match(s, lc->rx_cand_dir, p->src, p->dst, p->sport, p->dport, p->proto)) {
		*dir = lc->rx_cand_dir;
		return s;
	}
	return dp_sess_lookup6(&lc->sess, p->src, p->dst, p->sport, p->dport, p->proto, p->a6, dir);
}

/* A packet that may not be forwarded (TTL or hop limit 1 or 0): dropped
 * and counted. */
static inline bool dp_fwd_ttl_expired(struct dp_lcore *lc, struct rte_mbuf *m,
				      const struct dp_pkt *p)
{
	if (likely(rte_pktmbuf_mtod(m, const uint8_t *)[p->l3_off + (p->a6 ? 7 : 8)] > 1))
		return false;
	dp_drop(lc, m, DP_DROP_TTL);
	return true;
}

/* A session's state moved from old to new_: its server's count of open
 * connections follows. */
static inline void dp_rs_open_adjust(struct dp_lcore *lc, const struct dp_sess *s, uint8_t old,
				     uint8_t new_)
{
	int was = old == DP_UDP_STATE || dp_tcp_state_open(old);
	int is = new_ == DP_UDP_STATE || dp_tcp_state_open(new_);

	if (was != is)
		lc->rs[s->rs_id].open += is - was;
}

/* A FULLNAT TCP connection that got as far as established leaves its tuple
 * guarded when its session ends (the server may hold it in TIME-WAIT): on
 * our LIPs for our own allocator; with sync, on a peer's too, kept for it
 * (its bulk carries them when it starts, or we inherit the LIP). 1 when a
 * live guard was cut short to make room. */
static inline int dp_sess_tw_guard(struct dp_lcore *lc, const struct dp_sess *s)
{
	int rc;

	if (s->fwd != DP_FWD_FULLNAT || s->proto != DP_IPPROTO_TCP ||
	    s->state < DP_TCP_ESTABLISHED || s->state > DP_TCP_TIME_WAIT)
		return 0;
	rc = dp_laddr_put(&lc->laddr, s->lip, s->lport, s->rip, s->rport, (uint32_t)lc->now_ms);
	if (rc == -ENOENT && lc->snap->sync_on && lc->laddr.guard_ms)
		rc = dp_laddr_mark(&lc->laddr, s->lip, s->lport, s->rip, s->rport,
				   (uint32_t)lc->now_ms + lc->laddr.guard_ms, (uint32_t)lc->now_ms);
	return rc;
}

/* sync.c: a session this lcore owns was made, changed or ended (records
 * for the peers, the owned set's count and digest), or a foreign one ended;
 * the in ring and the walks, once a loop; the marker, once a second. */
void dp_sync_made(struct dp_lcore *lc, struct dp_sess *s);
void dp_sync_changed(struct dp_lcore *lc, struct dp_sess *s);
void dp_sync_gone(struct dp_lcore *lc, struct dp_sess *s);
void dp_sync_template(struct dp_lcore *lc, const struct dp_persist_ent *t);
void dp_sync_run(struct dp_lcore *lc);
void dp_sync_tick(struct dp_lcore *lc);

/* A TCP segment of session s going in direction dir, judged by its
 * sequence numbers (dp/tcpwin.h) in its sender's own space — before any
 * rewrite or translation. Returns the event the state machine gets
 * (DP_TCP_EV_MAX: none, the state stays; DP_SESS_EV_REOPEN: a new
 * connection on the tuple, the session SYN_RECV again), or -1 when the
 * segment was dropped (a RST or FIN outside the window; m is gone). */
#define DP_SESS_EV_REOPEN (DP_TCP_EV_MAX + 1)
static inline int dp_sess_guard(struct dp_lcore *lc, struct dp_sess *s, struct rte_mbuf *m,
				const struct dp_pkt *p, enum dp_dir dir)
{
	struct dp_tcpwin_seg g;
	struct dp_sess_x *x;

	if (unlikely(p->frag == DP_FRAG_LATER))
		return DP_TCP_EV_MAX;
	dp_tcpwin_read(rte_pktmbuf_mtod(m, const uint8_t *) + p->l4_off, p->l4_len, &g);
	x = dp_sess_x(&lc->sess, s);

	switch (dp_tcpwin_check_reopen(x->td, &x->reopen, dir, s->state,
				       s->flags & DP_SESS_F_ONEWAY, &g)) {
	case DP_TCPWIN_OK:
		return dp_tcp_event(p->tcp_flags);
	case DP_TCPWIN_REOPEN:
		lc->stats.tcp_reopened++;
		return DP_SESS_EV_REOPEN;
	case DP_TCPWIN_KEEP:
		if (p->tcp_flags & DP_TCP_RST)
			lc->stats.tcp_rst_unconfirmed++;
		else
			lc->stats.tcp_seq_unconfirmed++;
		return DP_TCP_EV_MAX;
	default:
		dp_drop(lc, m, DP_DROP_TCP_WINDOW);
		return -1;
	}
}

/* A session left its embryonic states (dp/evict.h). */
void dp_evict_state(struct dp_lcore *lc, struct dp_sess *s, uint8_t new_state);

/* The TOA option for session s's client (dp/toa.h: IPv4's or IPv6's
 * form) at out (DP_TOA6_LEN bytes of room); its length. */
static inline uint32_t dp_sess_toa(const struct dp_lcore *lc, const struct dp_sess *s,
				   uint8_t *out)
{
	return dp_toa_opt(out, s->cip,
			  (s->flags & DP_SESS_F_V6) ? dp_sess6(&lc->sess, s)->c : NULL, s->cport);
}

/* A packet of session s seen going in direction dir: TCP state (its
 * sequence numbers judged first), timer. false: the packet was dropped. */
static inline bool dp_sess_track(struct dp_lcore *lc, struct dp_sess *s, struct rte_mbuf *m,
				 const struct dp_pkt *p, enum dp_dir dir)
{
	const struct dp_snap *sn = lc->snap;
	uint8_t st = s->state;
	bool changed = false;

	if (s->proto == DP_IPPROTO_TCP) {
		int ev = dp_sess_guard(lc, s, m, p, dir);

		if (ev < 0)
			return false;
		if (ev != DP_TCP_EV_MAX) {
			st = ev == DP_SESS_EV_REOPEN ? DP_TCP_SYN_RECV :
			     (s->flags & DP_SESS_F_ONEWAY) ?
			     dp_tcp_next_oneway(s->state, (enum dp_tcp_event)ev) :
			     dp_tcp_next(s->state, dir, (enum dp_tcp_event)ev);
			if (st != s->state) {
				/* a peer's session is not counted here */
				if (!(s->flags & DP_SESS_F_FOREIGN)) {
					dp_rs_open_adjust(lc, s, s->state, st);
					lc->svc[s->svc_id].established +=
						dp_tcp_state_conn(st) - dp_tcp_state_conn(s->state);
				}
				if (s->flags & DP_SESS_F_EVICT)
					dp_evict_state(lc, s, st);
				s->state = st;
				changed = true;
			}
		}
	}
	if (unlikely(sn->sync_on)) {
		/* A peer's copy outlives the owner's by a lease; the owner
		 * tells the peers of a change at once, and renews their
		 * copies' lease when it runs out. */
		if (s->flags & DP_SESS_F_FOREIGN) {
			dp_wheel_touch(&lc->wheel, dp_sess_index(&lc->sess, s),
				       lc->now_ms + sn->timeout[st] + sn->sync_lease[st]);
			return true;
		}
		dp_wheel_touch(&lc->wheel, dp_sess_index(&lc->sess, s), lc->now_ms + sn->timeout[st]);
		/* after the touch: the record carries the new expiry */
		if (changed || lc->now_ms - s->lease >= sn->sync_lease[st])
			dp_sync_changed(lc, s);
		return true;
	}
	dp_wheel_touch(&lc->wheel, dp_sess_index(&lc->sess, s), lc->now_ms + sn->timeout[st]);
	return true;
}

static inline void dp_count_in(struct dp_lcore *lc, const struct dp_sess *s, const struct dp_pkt *p)
{
	lc->rs[s->rs_id].pkts_in++;
	lc->rs[s->rs_id].bytes_in += p->ip_len;
	lc->svc[s->svc_id].pkts_in++;
	lc->svc[s->svc_id].bytes_in += p->ip_len;
}

static inline void dp_count_out(struct dp_lcore *lc, const struct dp_sess *s, const struct dp_pkt *p)
{
	lc->rs[s->rs_id].pkts_out++;
	lc->rs[s->rs_id].bytes_out += p->ip_len;
	lc->svc[s->svc_id].pkts_out++;
	lc->svc[s->svc_id].bytes_out += p->ip_len;
}

#endif
