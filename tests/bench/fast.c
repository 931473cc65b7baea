/* tests/bench/fast.c — the I/O floor, established flows at three table
 * sizes, and new connections through their whole TCP life. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp/seq.h"
#include "tests/bench/bench.h"

/* Client i of the established runs: 39,063 addresses of 256 ports each
 * cover 10 M flows. */
static uint32_t est_cip(uint32_t i)
{
	return 0x0b000000u + (i >> 8);
}

static uint16_t est_cport(uint32_t i)
{
	return (uint16_t)(10000 + (i & 255));
}

/* Wall-clock deadline `secs` from now, in TSC. */
static uint64_t deadline(const struct bench *b, double secs)
{
	return rte_rdtsc() + (uint64_t)(secs * (double)b->hz);
}

/* The polls whose time is reported go through here: a name for
 * `valgrind --tool=callgrind --toggle-collect=measured_poll` to count the
 * instructions of exactly those. */
static __attribute__((noinline)) uint64_t measured_poll(struct bench *b, unsigned *n)
{
	uint64_t c = bench_poll(b, n);

	b->measured_pkts += *n;
	return c;
}

/* Put n frames on the wire, let the data core take them, and take back what
 * it sent. Every packet must come out (no drop is expected anywhere here).
 * measured: a poll whose time is reported (else set-up). */
int bench_burst(struct bench *b, struct rte_mbuf **m, unsigned n, uint64_t *cycles,
		bool measured)
{
	unsigned got, out;

	if (rte_ring_sp_enqueue_bulk(b->wire, (void **)m, n, NULL) != n)
		return -ENOBUFS;
	*cycles += measured ? measured_poll(b, &got) : bench_poll(b, &got);
	bench_sync_drain(b);
	out = rte_ring_sc_dequeue_burst(b->wire, (void **)m, n, NULL);
	if (got != n || out != n) {
		fprintf(stderr, "bench: %u packets in, %u taken, %u out\n", n, got, out);
		bench_print_drops(b->lc);
		for (unsigned i = 0; i < out; i++)
			rte_pktmbuf_free(m[i]);
		return -EPROTO;
	}
	return 0;
}

static void free_all(struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

int bench_floor(struct bench *b)
{
	struct rte_mbuf *m[DP_BURST], *pkts[DP_BURST];
	double r[BENCH_ROUNDS];

	printf("\n== I/O floor: net_ring rx_burst + tx_burst of the same %u mbufs, no processing\n",
	       DP_BURST);
	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0)
		return -ENOMEM;
	for (unsigned i = 0; i < DP_BURST; i++) {
		struct bench_tuple t = { est_cip(i), BENCH_VIP(0), est_cport(i), BENCH_VPORT, false };

		bench_tcp_frame(m[i], b->port_mac.addr_bytes, b->gw_mac, &t, DP_TCP_ACK, 0);
	}
	rte_ring_sp_enqueue_bulk(b->wire, (void **)m, DP_BURST, NULL);
	for (unsigned k = 0; k < BENCH_ROUNDS; k++) {
		struct bench_round rd = { 0 };
		uint64_t end, cycles, pkts_n;

again:
		bench_round_begin(&rd);
		end = deadline(b, b->secs / BENCH_ROUNDS);
		cycles = pkts_n = 0;
		while (rte_rdtsc() < end) {
			for (unsigned j = 0; j < 256; j++) {
				uint64_t t0 = rte_rdtsc();
				uint16_t n = rte_eth_rx_burst(b->port_id, 0, pkts, DP_BURST);
				uint16_t sent = rte_eth_tx_burst(b->port_id, 0, pkts, n);

				cycles += rte_rdtsc() - t0;
				pkts_n += n;
				free_all(pkts + sent, n - sent);
			}
		}
		if (!bench_round_done(b, &rd))
			goto again;
		r[k] = (double)cycles * b->ns_per_cycle / (double)pkts_n;
	}
	free_all(m, rte_ring_sc_dequeue_burst(b->wire, (void **)m, DP_BURST, NULL));
	bench_result(b, "floor_ns", bench_median(r, BENCH_ROUNDS));
	bench_result(b, "floor_ns_best", r[0]);
	printf("  floor          %7.2f ns/packet  %6.2f Mpps (best round %.2f)\n",
	       bench_median(r, BENCH_ROUNDS), 1e3 / bench_median(r, BENCH_ROUNDS), r[0]);
	return 0;
}

/* The flows of the established runs. The first n_pipe were opened through
 * the pipeline (SYN, SYN-ACK, ACK) and their LIP:lport and server are what
 * the balancer chose; the others were entered into the table directly. */
struct est {
	const struct dp_service *svc;
	uint32_t n_pipe;
	uint32_t *rip, *lip;
	uint16_t *rport, *lport;
};

/* The server side of flow i (host order). */
static void est_reply_tuple(const struct est *e, uint32_t i, struct bench_tuple *t)
{
	if (i < e->n_pipe) {
		t->src = e->rip[i];
		t->sport = e->rport[i];
		t->dst = e->lip[i];
		t->dport = e->lport[i];
		return;
	}
	t->src = BENCH_RIP(i % BENCH_SERVERS);
	t->sport = BENCH_RPORT;
	t->dst = BENCH_LIP((i / BENCH_SERVERS) % BENCH_LIPS);
	t->dport = (uint16_t)(2048 + (i / (BENCH_SERVERS * BENCH_LIPS)) % 60000);
}

/* Enter flow i as an established session, as sess_new() in dp/fullnat.c
 * would have made it and the handshake moved it on. Its LIP:lport comes from
 * est_reply_tuple() rather than from the lcore's port pools: one lcore's
 * pools hold 64 LIPs x 64,512 ports = 4.1 M pairs, fewer than 10 M
 * sessions, while the same pair may serve several servers. */
static int est_add(struct bench *b, const struct est *e, uint32_t i)
{
	struct dp_lcore *lc = b->lc;
	const struct dp_server *rs = &e->svc->servers[i % BENCH_SERVERS];
	struct bench_tuple rt;
	struct dp_sess *s;

	s = dp_sess_alloc(&lc->sess);
	if (!s)
		return -ENOSPC;
	est_reply_tuple(e, i, &rt);
	s->cip = htonl(est_cip(i));
	s->vip = e->svc->vip;
	s->cport = htons(est_cport(i));
	s->vport = e->svc->port;
	s->rip = rs->ip;
	s->rport = rs->port;
	s->lip = htonl(rt.dst);
	s->lport = htons(rt.dport);
	s->proto = DP_IPPROTO_TCP;
	s->state = DP_TCP_ESTABLISHED;
	s->fwd = e->svc->fwd;
	s->svc_id = e->svc->id;
	s->rs_id = rs->id;
	s->lease = lc->now_ms;
	s->nh_epoch = 0;
	if (dp_sess_insert(&lc->sess, s) < 0) {
		dp_sess_free(&lc->sess, s);
		return -ENOSPC;
	}
	dp_wheel_add(&lc->wheel, dp_sess_index(&lc->sess, s),
		     lc->now_ms + lc->snap->timeout[DP_TCP_ESTABLISHED]);
	lc->rs[rs->id].conns++;
	lc->rs[rs->id].sessions++;
	lc->svc[e->svc->id].established++;   /* what max_conns counts (conn.c) */
	lc->rs[rs->id].open++;
	lc->svc[e->svc->id].conns++;
	lc->stats.sess_created++;
	return 0;
}

static bool is_lip(uint32_t ip)
{
	return ip >= BENCH_LIP(0) && ip < BENCH_LIP(BENCH_LIPS);
}

static bool is_rip(uint32_t ip)
{
	return ip >= BENCH_RIP(0) && ip < BENCH_RIP(BENCH_SERVERS);
}

/* Open flows [0, n) through the pipeline: the client's SYN, the server's
 * SYN-ACK, the client's ACK. */
static int est_open(struct bench *b, struct est *e, uint32_t n)
{
	struct rte_mbuf *m[DP_BURST];
	uint64_t cycles = 0;
	int rc = 0;

	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0)
		return -ENOMEM;
	for (uint32_t base = 0; base < n && rc == 0; base += DP_BURST) {
		unsigned k = n - base < DP_BURST ? n - base : DP_BURST;

		e->n_pipe = base + k;   /* step 0 learns their tuples for steps 1, 2 */
		for (unsigned step = 0; step < 3 && rc == 0; step++) {
			for (unsigned j = 0; j < k; j++) {
				uint32_t i = base + j;
				struct bench_tuple t = { est_cip(i), BENCH_VIP(0), est_cport(i),
							 BENCH_VPORT, b->v6 };

				if (step == 1)
					est_reply_tuple(e, i, &t);
				bench_tcp_frame(m[j], b->port_mac.addr_bytes, b->gw_mac, &t,
						step == 0 ? DP_TCP_SYN :
						step == 1 ? DP_TCP_SYN | DP_TCP_ACK : DP_TCP_ACK, 0);
			}
			rc = bench_burst(b, m, k, &cycles, false);
			for (unsigned j = 0; rc == 0 && j < k; j++) {
				uint32_t i = base + j;
				struct bench_tuple o;

				if (!bench_frame_read(m[j], &o, true)) {
					fprintf(stderr, "bench: a bad frame out of the balancer\n");
					rc = -EPROTO;
				} else if (step == 0) {
					if (!is_lip(o.src) || !is_rip(o.dst) || o.dport != BENCH_RPORT)
						rc = -EPROTO;
					e->lip[i] = o.src;
					e->lport[i] = o.sport;
					e->rip[i] = o.dst;
					e->rport[i] = o.dport;
				} else if (step == 1 && (o.src != BENCH_VIP(0) || o.dst != est_cip(i) ||
							 o.dport != est_cport(i))) {
					rc = -EPROTO;
				}
			}
		}
	}
	if (rc == -EPROTO)
		fprintf(stderr, "bench: the balancer's output is not what FULLNAT should make\n");
	free_all(m, DP_BURST);
	return rc;
}

/* One packet each way for flows [from, to), in order: sessions entered by
 * est_add() have then seen what their handshake would have shown them
 * (the next hops of both directions). Untimed. */
static int est_warm(struct bench *b, const struct est *e, uint32_t from, uint32_t to)
{
	struct rte_mbuf *m[DP_BURST];
	uint64_t cycles = 0;
	int rc = 0;

	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0)
		return -ENOMEM;
	for (uint32_t base = from; base < to && rc == 0; base += DP_BURST / 2) {
		unsigned k = to - base < DP_BURST / 2 ? to - base : DP_BURST / 2;

		for (unsigned j = 0; j < k; j++) {
			struct bench_tuple t = { est_cip(base + j), BENCH_VIP(0), est_cport(base + j),
						 BENCH_VPORT, b->v6 };

			bench_tcp_frame(m[2 * j], b->port_mac.addr_bytes, b->gw_mac, &t, DP_TCP_ACK, 0);
			est_reply_tuple(e, base + j, &t);
			bench_tcp_frame(m[2 * j + 1], b->port_mac.addr_bytes, b->gw_mac, &t,
					DP_TCP_ACK, 0);
		}
		rc = bench_burst(b, m, 2 * k, &cycles, false);
	}
	free_all(m, DP_BURST);
	return rc;
}

/* One round of established traffic over flows [0, n), a random flow per
 * packet, client → server or (reply) server → client: ns/packet. */
static int est_round(struct bench *b, const struct est *e, uint32_t n, bool reply,
		     struct rte_mbuf **m, uint64_t *seed, double *ns)
{
	struct bench_round rd = { 0 };
	uint32_t flow[DP_BURST];
	uint64_t end, cycles, pkts;
	bool check = true;
	int rc = 0;

again:
	bench_round_begin(&rd);
	end = deadline(b, b->secs / BENCH_ROUNDS / 2);
	cycles = pkts = 0;
	while (rc == 0 && rte_rdtsc() < end) {
		for (unsigned j = 0; j < DP_BURST; j++) {
			struct bench_tuple t = { 0, BENCH_VIP(0), 0, BENCH_VPORT, b->v6 };

			flow[j] = bench_rand_below(seed, n);
			if (reply) {
				est_reply_tuple(e, flow[j], &t);
			} else {
				t.src = est_cip(flow[j]);
				t.sport = est_cport(flow[j]);
			}
			bench_tcp_frame(m[j], b->port_mac.addr_bytes, b->gw_mac, &t, DP_TCP_ACK, 0);
		}
		rc = bench_burst(b, m, DP_BURST, &cycles, true);
		pkts += DP_BURST;
		/* The first burst of each round is checked in full. */
		for (unsigned j = 0; check && rc == 0 && j < DP_BURST; j++) {
			struct bench_tuple o, want;

			est_reply_tuple(e, flow[j], &want);
			if (!bench_frame_read(m[j], &o, true) ||
			    (reply ? o.src != BENCH_VIP(0) || o.dst != est_cip(flow[j]) ||
				     o.dport != est_cport(flow[j])
				   : o.src != want.dst || o.sport != want.dport ||
				     o.dst != want.src || o.dport != want.sport)) {
				fprintf(stderr, "bench: flow %u: wrong rewrite\n", flow[j]);
				rc = -EPROTO;
			}
		}
		check = false;
	}
	if (rc == 0 && !bench_round_done(b, &rd))
		goto again;
	*ns = (double)cycles * b->ns_per_cycle / (double)pkts;
	return rc;
}

/* Both directions over flows [0, n), their rounds alternating so that a
 * noisy neighbour hits both alike: ns[0], ns[1] the medians, ns[2], ns[3]
 * the best rounds. With ref (< n), rounds over flows [0, ref) of the same
 * table alternate with them too (ns[4], ns[5]: medians): the neighbours'
 * noise comes in phases of seconds, and the ratio of two sizes is only
 * worth something when their rounds were interleaved. */
static int est_run(struct bench *b, const struct est *e, uint32_t n, uint32_t ref, double ns[6])
{
	struct rte_mbuf *m[DP_BURST];
	double r[4][BENCH_ROUNDS];
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ n;
	unsigned parts = ref ? 4 : 2;
	int rc = 0;

	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0)
		return -ENOMEM;
	for (unsigned k = 0; k < BENCH_ROUNDS && rc == 0; k++)
		for (unsigned d = 0; d < parts && rc == 0; d++)
			rc = est_round(b, e, d < 2 ? n : ref, d & 1, m, &seed, &r[d][k]);
	for (unsigned d = 0; rc == 0 && d < parts; d++) {
		double med = bench_median(r[d], BENCH_ROUNDS);

		if (d < 2) {
			ns[d] = med;
			ns[2 + d] = r[d][0];    /* sorted by bench_median */
		} else {
			ns[d + 2] = med;
		}
	}
	free_all(m, DP_BURST);
	return rc;
}

/* Every live session of t translates by a PROXY v2 header already
 * acknowledged (on), or not any more (off). */
static void set_proxy_delta(struct dp_sess_tab *t, bool on)
{
	for (uint32_t i = 0; i < t->capacity; i++) {
		if (!(t->sess[i].flags & DP_SESS_F_USED))
			continue;
		if (on) {
			t->sess[i].flags |= DP_SESS_F_XLATE;
			t->x[i].xflags = DP_SEQ_X_HDR | DP_SEQ_X_HDR_V2 | DP_SEQ_X_HDR_ACKED;
			t->x[i].seq_in = 28;
			t->x[i].isn = 1;
		} else {
			t->sess[i].flags &= (uint8_t)~DP_SESS_F_XLATE;
			t->x[i].xflags = 0;
			t->x[i].seq_in = 0;
		}
	}
}

int bench_established(struct bench *b)
{
	static const struct { uint32_t n; const char *est, *reply; } sizes[] = {
		{ 10000, "est_ns_10k", "reply_ns_10k" },
		{ 1000000, "est_ns_1m", "reply_ns_1m" },
		{ 10000000, "est_ns_10m", "reply_ns_10m" },
	};
	uint32_t cap = b->max_sessions, n_pipe = b->quick ? 1000 : 10000, done;
	struct est e = { .svc = &b->snap->svc[0] };
	int rc;

	printf("\n== established TCP through FULLNAT, one table of %u sessions, random flow per "
	       "packet\n", cap);
	e.rip = calloc(n_pipe, sizeof(*e.rip));
	e.lip = calloc(n_pipe, sizeof(*e.lip));
	e.rport = calloc(n_pipe, sizeof(*e.rport));
	e.lport = calloc(n_pipe, sizeof(*e.lport));
	if (!e.rip || !e.lip || !e.rport || !e.lport) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bench_lcore_new(b, cap);
	if (rc < 0)
		goto out;
	{
		/* Memory per session, everything the lcore allocates, as its
		 * parts: the pool, the free list, the buckets, the wheel, the
		 * TIME-WAIT guards (mgw's default: a slot per session). */
		size_t sess = dp_sess_tab_memsize(cap, b->dp->conf.sessions6_per_lcore);
		size_t bkt = (size_t)(b->lc->sess.mask + 1) * sizeof(struct dp_sess_bucket);
		size_t laddr = dp_laddr_memsize(b->dp->conf.lport_guards ? b->dp->conf.lport_guards
									  : cap, b->dp->conf.max_servers);
		size_t total = sess + DP_WHEEL_SLOTS * sizeof(uint32_t) + laddr +
			       dp_persist_memsize(DP_PERSIST_ENTRIES) +
			       b->dp->conf.max_services * (sizeof(uint32_t) + sizeof(struct dp_svc_stats)) +
			       b->dp->conf.max_servers * (sizeof(struct dp_rs_stats) + sizeof(int32_t) + 1);

		printf("  per session: %zu B session + %zu B cold half + 4 B free list + %.1f B buckets "
		       "(%u x 64 B, %.0f %% full at capacity) + %.2f B wheel + %.1f B TIME-WAIT guards "
		       "and port cursors + %.2f B the rest = %.1f B\n",
		       sizeof(struct dp_sess), sizeof(struct dp_sess_x), (double)bkt / cap,
		       b->lc->sess.mask + 1,
		       100.0 * 2 * cap / ((double)(b->lc->sess.mask + 1) * DP_SESS_BUCKET),
		       (double)DP_WHEEL_SLOTS * 4 / cap, (double)laddr / cap,
		       (double)(total - sess - DP_WHEEL_SLOTS * 4 - laddr) / cap, (double)total / cap);
		bench_result(b, "bytes_per_session", (double)total / cap);
		bench_result(b, "bytes_per_session_table", (double)sess / cap);
		json_object_set_new(b->res, "sessions_capacity", json_integer(cap));
	}
	if (n_pipe > cap)
		n_pipe = cap;
	rc = est_open(b, &e, n_pipe);
	done = n_pipe;
	for (unsigned s = 0; rc == 0 && s < 3; s++) {
		uint32_t n = sizes[s].n < cap ? sizes[s].n : cap;
		uint64_t t0 = rte_rdtsc();
		double est, reply, ns[6];

		if (b->quick && s == 1)
			n = cap;
		else if (s > 0 && sizes[s].n > cap)
			break;
		for (; rc == 0 && done < n; done++)
			rc = est_add(b, &e, done);
		if (rc < 0) {
			fprintf(stderr, "bench: the table refused session %u of %u (%" PRIu64
				" failed inserts)\n", done, n, b->lc->sess.insert_fail);
			break;
		}
		if (done > n_pipe) {
			uint64_t t1 = rte_rdtsc();

			rc = est_warm(b, &e, s == 0 ? n_pipe : sizes[s - 1].n, n);
			if (rc < 0)
				break;
			printf("  (%u sessions entered in %.1f s, a packet each way through each in "
			       "%.1f s)\n", done - n_pipe, (double)(t1 - t0) / (double)b->hz,
			       (double)(rte_rdtsc() - t1) / (double)b->hz);
		}
		rc = est_run(b, &e, n, s > 0 ? sizes[0].n : 0, ns);
		if (rc < 0)
			break;
		est = ns[0];
		reply = ns[1];
		printf("  %8u live  client->server %7.2f ns/packet %6.2f Mpps (best %6.2f)   "
		       "server->client %7.2f ns/packet %6.2f Mpps (best %6.2f)\n", n, est, 1e3 / est,
		       ns[2], reply, 1e3 / reply, ns[3]);
		if (s > 0) {
			/* the first 10 k flows again, in rounds between these */
			printf("  %8s       the first %u of them in rounds in between: %.2f and %.2f "
			       "ns/packet, so %u live cost %.2fx and %.2fx that\n", "",
			       sizes[0].n, ns[4], ns[5], n, est / ns[4], reply / ns[5]);
			if (!b->quick) {
				char key[40];

				snprintf(key, sizeof(key), "est_ratio_%s_10k", s == 1 ? "1m" : "10m");
				bench_result(b, key, est / ns[4]);
				snprintf(key, sizeof(key), "reply_ratio_%s_10k", s == 1 ? "1m" : "10m");
				bench_result(b, key, reply / ns[5]);
			}
		}
		if (s == 0) {
			/* the same flows carrying a PROXY v2 delta (28 bytes, the
			 * server has acknowledged the header): what the translation
			 * (dp/seq.h) costs an established packet each way */
			struct dp_sess_tab *t = &b->lc->sess;
			double px[6];

			set_proxy_delta(t, true);
			rc = est_run(b, &e, n, 0, px);
			set_proxy_delta(t, false);
			if (rc < 0)
				break;
			printf("  %8u live  with a PROXY delta: client->server %7.2f ns/packet (+%.2f)   "
			       "server->client %7.2f ns/packet (+%.2f)\n", n, px[0], px[0] - est, px[1],
			       px[1] - reply);
			bench_result(b, "est_ns_10k_proxy", px[0]);
			bench_result(b, "reply_ns_10k_proxy", px[1]);
		}
		if (b->quick && s > 0)
			continue;   /* --quick's second table is no 1 M one */
		bench_result(b, sizes[s].est, est);
		bench_result(b, sizes[s].reply, reply);
		{
			char key[40];

			snprintf(key, sizeof(key), "%s_best", sizes[s].est);
			bench_result(b, key, ns[2]);
			snprintf(key, sizeof(key), "%s_best", sizes[s].reply);
			bench_result(b, key, ns[3]);
		}
		if (s == 0) {
			bench_result(b, "est_ns", est);
			bench_result(b, "reply_ns", reply);
			bench_result(b, "est_mpps", 1e3 / est);
			bench_result(b, "reply_mpps", 1e3 / reply);
		}
	}
	if (rc == 0 && bench_drops(b->lc)) {
		bench_print_drops(b->lc);
		rc = -EPROTO;
	}
	printf("  (%" PRIu64 " packets in all, %" PRIu64 " of them timed)\n", b->lc->stats.rx_pkts,
	       b->measured_pkts);
	bench_lcore_free(b);
out:
	free(e.rip);
	free(e.lip);
	free(e.rport);
	free(e.lport);
	return rc;
}

/* New connections: 256 client slots, each running connection after
 * connection through these eight packets; a burst takes 32 slots, so it
 * mixes every step. */
static const struct {
	bool server;            /* sent by the server (else by the client) */
	uint8_t flags;
	uint16_t payload;
} nc_step[] = {
	{ false, DP_TCP_SYN, 0 },
	{ true, DP_TCP_SYN | DP_TCP_ACK, 0 },
	{ false, DP_TCP_ACK, 0 },
	{ false, DP_TCP_PSH | DP_TCP_ACK, 64 },     /* request */
	{ true, DP_TCP_PSH | DP_TCP_ACK, 128 },     /* response */
	{ false, DP_TCP_FIN | DP_TCP_ACK, 0 },
	{ true, DP_TCP_FIN | DP_TCP_ACK, 0 },
	{ false, DP_TCP_ACK, 0 },
};
#define NC_STEPS  (sizeof(nc_step) / sizeof(nc_step[0]))
#define NC_SLOTS  256

struct nc_slot {
	uint32_t conn;          /* client = 12.0.0.0 + conn / 256, port 1024 + conn % 256 */
	uint8_t step;
	bool started;
	uint16_t rport, lport;
	uint32_t rip, lip;
};

struct nc {
	struct nc_slot slot[NC_SLOTS];
	uint32_t next_conn;
	uint64_t bursts;
	uint64_t completed;
	uint64_t checked;
	/* The wrap run: the lcore time each (server, lport) last finished a
	 * connection (0 = never), and what its reuse looked like. */
	uint32_t *last_done;
	uint32_t guard_ms;
	uint64_t reuses, too_early;
	uint32_t min_gap_ms;
};

/* A SYN went out on (LIP, lport) → server: the last connection on that
 * tuple (one LIP in the wrap run) must have finished a guard ago. */
static void nc_reuse_check(const struct bench *b, struct nc *c, const struct nc_slot *s)
{
	uint32_t *t = &c->last_done[(s->rip - BENCH_RIP(0)) * 65536u + s->lport];
	uint32_t gap;

	if (!*t)
		return;
	gap = b->lc->now_ms - *t;
	c->reuses++;
	if (gap < c->min_gap_ms)
		c->min_gap_ms = gap;
	if (gap < c->guard_ms)
		c->too_early++;
}

/* The sequence numbers of slot s's packet at its step, as the two ends of
 * a real connection number them (the window tracking judges them: with
 * one number for every packet the FINs looked out of order and the
 * sessions never left ESTABLISHED, nor expired). */
static void nc_seq(const struct nc_slot *s, struct bench_tcp_x *x)
{
	uint32_t c = s->conn * 2654435761u, v = c ^ 0x5a5a5a5au;   /* the two ISNs */
	static const struct { uint8_t cs, ca, ss, sa; } at[NC_STEPS] = {
		/* client seq, ack; server seq, ack: offsets past the ISNs */
		{ 0, 0, 0, 0 }, { 0, 0, 0, 1 }, { 1, 1, 0, 0 }, { 1, 1, 0, 0 },
		{ 0, 0, 1, 65 }, { 65, 129, 0, 0 }, { 0, 0, 129, 66 }, { 66, 130, 0, 0 },
	};

	memset(x, 0, sizeof(*x));
	if (nc_step[s->step].server) {
		x->seq = v + at[s->step].ss;
		x->ack = c + at[s->step].sa;
	} else {
		x->seq = c + at[s->step].cs;
		x->ack = v + at[s->step].ca;
	}
}

/* One burst of the new-connection mix: build, run, check, advance. */
static int nc_burst(struct bench *b, struct nc *c, struct rte_mbuf **m, uint64_t *cycles,
		    uint64_t *pkts, bool measured)
{
	unsigned base = (unsigned)(c->bursts * DP_BURST) % NC_SLOTS, n = 0;
	unsigned idx[DP_BURST];
	int rc;

	for (unsigned j = 0; j < DP_BURST; j++) {
		struct nc_slot *s = &c->slot[base + j];
		struct bench_tcp_x x;
		struct bench_tuple t = { .v6 = b->v6 };

		/* Slots start one round apart so every burst mixes the steps. */
		if (!s->started) {
			if (!bench_slot_due(c->bursts, NC_SLOTS, base + j, NC_STEPS))
				continue;
			s->started = true;
			s->conn = c->next_conn++;
		}
		if (nc_step[s->step].server) {
			t.src = s->rip;
			t.sport = s->rport;
			t.dst = s->lip;
			t.dport = s->lport;
		} else {
			t.src = 0x0c000000u + (s->conn >> 8);
			t.sport = (uint16_t)(1024 + (s->conn & 255));
			t.dst = BENCH_VIP(0);
			t.dport = BENCH_VPORT;
		}
		nc_seq(s, &x);
		bench_tcp_frame_x(m[n], b->port_mac.addr_bytes, b->gw_mac, &t, nc_step[s->step].flags,
				  nc_step[s->step].payload, &x);
		idx[n++] = base + j;
	}
	c->bursts++;
	if (!n)
		return 0;
	rc = bench_burst(b, m, n, cycles, measured);
	if (rc < 0)
		return rc;
	*pkts += n;
	for (unsigned j = 0; j < n; j++) {
		struct nc_slot *s = &c->slot[idx[j]];
		struct bench_tuple o;
		bool ok;

		/* Tuples always; checksums of the first 100,000 packets. */
		ok = bench_frame_read(m[j], &o, c->checked < 100000);
		c->checked++;
		if (s->step == 0) {
			s->lip = o.src;
			s->lport = o.sport;
			s->rip = o.dst;
			s->rport = o.dport;
			ok = ok && is_lip(o.src) && is_rip(o.dst);
			if (ok && c->last_done)
				nc_reuse_check(b, c, s);
		} else if (nc_step[s->step].server) {
			ok = ok && o.src == BENCH_VIP(0) && o.dst == 0x0c000000u + (s->conn >> 8);
		} else {
			ok = ok && o.src == s->lip && o.sport == s->lport && o.dst == s->rip &&
			     o.dport == s->rport;
		}
		if (!ok) {
			fprintf(stderr, "bench: connection %u step %u: wrong rewrite\n", s->conn, s->step);
			return -EPROTO;
		}
		if (++s->step == NC_STEPS) {
			if (c->last_done)   /* the server holds the tuple from now */
				c->last_done[(s->rip - BENCH_RIP(0)) * 65536u + s->lport] =
					b->lc->now_ms | 1;
			s->step = 0;
			s->conn = c->next_conn++;
			c->completed++;
		}
	}
	return 0;
}

int bench_new_conn(struct bench *b)
{
	uint32_t cap = b->quick ? 400000 : 4000000, tw_ms = b->quick ? 200 : 1000;
	double warm = b->quick ? 0.05 : 1.2, r[BENCH_ROUNDS], pr[BENCH_ROUNDS];
	struct rte_mbuf *m[DP_BURST];
	struct dp_snap *s = b->snap;
	struct nc *c;
	uint64_t peak = 0;
	int rc;

	printf("\n== new connections through FULLNAT: SYN, SYN-ACK, ACK, request, response, "
	       "FIN both ways, last ACK\n");
	printf("  TIME_WAIT/CLOSE timeout %u ms (the table holds the rate x that), "
	       "%u-session table, rr over %u servers, %u LIPs\n", tw_ms, cap, BENCH_SERVERS,
	       BENCH_LIPS);
	/* mgw's defaults (the established runs had raised SYN and EST), but
	 * TIME_WAIT and CLOSE short */
	s->timeout[DP_TCP_NONE] = s->timeout[DP_TCP_SYN_RECV] = s->timeout[DP_TCP_SYN_SENT] = 30000;
	s->timeout[DP_TCP_ESTABLISHED] = 900000;
	s->timeout[DP_TCP_TIME_WAIT] = tw_ms;
	s->timeout[DP_TCP_CLOSE] = tw_ms;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = bench_lcore_new(b, cap);
	if (rc < 0)
		goto out;
	b->measured_pkts = 0;
	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	{
		uint64_t end = deadline(b, warm), cycles = 0, pkts = 0;

		while (rc == 0 && rte_rdtsc() < end)
			rc = nc_burst(b, c, m, &cycles, &pkts, false);
	}
	for (unsigned k = 0; rc == 0 && k < BENCH_ROUNDS; k++) {
		struct bench_round rd = { 0 };
		uint64_t end, cycles, pkts, done0;

again:
		bench_round_begin(&rd);
		end = deadline(b, 3 * b->secs / BENCH_ROUNDS);
		cycles = pkts = 0;
		done0 = c->completed;
		while (rc == 0 && rte_rdtsc() < end) {
			rc = nc_burst(b, c, m, &cycles, &pkts, true);
			if (b->lc->sess.n_used > peak)
				peak = b->lc->sess.n_used;
		}
		if (rc == 0 && !bench_round_done(b, &rd))
			goto again;
		r[k] = (double)(c->completed - done0) / ((double)cycles * b->ns_per_cycle * 1e-9);
		pr[k] = (double)cycles * b->ns_per_cycle / (double)pkts;
	}
	free_all(m, DP_BURST);
	if (rc == 0) {
		double cps = bench_median(r, BENCH_ROUNDS), ns = bench_median(pr, BENCH_ROUNDS);

		printf("  %.0f connections/s (best round %.0f; %.2f ns per packet of the mix, %.0f ns "
		       "per connection); %" PRIu64 " sessions live at most, %" PRIu64 " expired\n", cps,
		       r[BENCH_ROUNDS - 1], ns, 1e9 / cps, peak, b->lc->stats.sess_expired);
		bench_result(b, "new_conn_per_s_best", r[BENCH_ROUNDS - 1]);
		printf("  (%" PRIu64 " packets timed)\n", b->measured_pkts);
		bench_result(b, "new_conn_per_s", cps);
		bench_result(b, "new_conn_pkt_ns", ns);
		json_object_set_new(b->res, "new_conn_live_sessions", json_integer((json_int_t)peak));
		if (bench_drops(b->lc)) {
			bench_print_drops(b->lc);
			rc = -EPROTO;
		}
	}
out:
	/* the lcore stays: the scheduler runs use it */
	free(c);
	return rc;
}

/* A minute of new connections through ONE local IP with a port range small
 * enough that every server's cursor goes round it many times: the rate per
 * 10 s (wall clock: the data core's and the generator's time), no tuple
 * reused within its guard (checked on every SYN the balancer sends), no
 * connection refused for want of a port. The range is sized from the rate
 * of a first 2 s, so that a cursor comes back to a tuple 1.6 x (guard +
 * TIME_WAIT) after it was taken: under the bound ports x servers / (guard +
 * TIME_WAIT), which a box 60 % faster than in those 2 s would still keep. */
int bench_lport_wrap(struct bench *b)
{
	uint32_t guard_ms = b->quick ? 200 : 2000, tw_ms = b->quick ? 50 : 500;
	uint32_t n_ports = DP_LPORT_MAX - DP_LPORT_MIN + 1, cap = b->quick ? 200000 : 2000000;
	double secs = b->quick ? 1.0 : b->wrap_secs, bound;
	struct dp_snap *s = b->snap;
	struct dp_laddr_map saved = s->laddr;
	struct rte_mbuf *m[DP_BURST];
	uint64_t end, next, cycles = 0, pkts = 0, done0 = 0, wraps, all0;
	uint64_t t_start, t_win, guard_slots = b->dp->conf.lport_guards;
	struct nc *c;
	int rc;

	printf("\n== ports wrapping: new connections through ONE local IP for %.0f s, guard %u ms, "
	       "TIME_WAIT %u ms, %u servers\n", secs, guard_ms, tw_ms, BENCH_SERVERS);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->last_done = calloc((size_t)BENCH_SERVERS * 65536, sizeof(uint32_t));
	c->guard_ms = guard_ms;
	c->min_gap_ms = UINT32_MAX;
	if (!c->last_done) {
		free(c);
		return -ENOMEM;
	}
	if (b->lc)
		bench_lcore_free(b);
	s->laddr.n_lips = 1;
	s->laddr.lport_min = DP_LPORT_MIN;
	s->laddr.lport_max = (uint16_t)(DP_LPORT_MIN + n_ports - 1);
	s->laddr.guard_ms = guard_ms;
	s->timeout[DP_TCP_TIME_WAIT] = tw_ms;
	s->timeout[DP_TCP_CLOSE] = tw_ms;
	/* room for every guard a guard long at this rate, a quarter full */
	b->dp->conf.lport_guards = (uint32_t)(4 * 1e6 * guard_ms / 1000);
	rc = bench_lcore_new(b, cap);
	if (rc < 0)
		goto out;
	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	/* the rate of this box now, with every port */
	t_start = rte_rdtsc();
	end = t_start + (uint64_t)((b->quick ? 0.3 : 2.0) * (double)b->hz);
	while (rc == 0 && rte_rdtsc() < end)
		rc = nc_burst(b, c, m, &cycles, &pkts, false);
	if (rc == 0) {
		double rate = (double)c->completed / ((double)(rte_rdtsc() - t_start) / (double)b->hz);
		double want = 1.6 * rate / BENCH_SERVERS * (guard_ms + tw_ms) / 1000.0;

		n_ports = want < 1024 ? 1024 : want > n_ports ? n_ports : (uint32_t)want;
		s->laddr.lport_max = (uint16_t)(DP_LPORT_MIN + n_ports - 1);
		dp_laddr_sync(&b->lc->laddr, &s->laddr);
		bound = (double)n_ports * BENCH_SERVERS / ((guard_ms + tw_ms) / 1000.0);
		printf("  %.0f conn/s in the first %.1f s: ports %u..%u from now on (bound %.0f "
		       "conn/s)\n", rate, b->quick ? 0.3 : 2.0, DP_LPORT_MIN,
		       DP_LPORT_MIN + n_ports - 1, bound);
		bench_result(b, "wrap_bound_conn_per_s", bound);
		json_object_set_new(b->res, "wrap_ports", json_integer(n_ports));
	}
	done0 = all0 = c->completed;
	t_start = t_win = rte_rdtsc();
	end = t_start + (uint64_t)(secs * (double)b->hz);
	next = t_start + (uint64_t)((b->quick ? 0.25 : 10.0) * (double)b->hz);
	while (rc == 0 && rte_rdtsc() < end) {
		rc = nc_burst(b, c, m, &cycles, &pkts, false);
		if (rte_rdtsc() >= next || rte_rdtsc() >= end) {
			uint64_t now = rte_rdtsc();
			double dt = (double)(now - t_win) / (double)b->hz;

			printf("  %5.1f s  %9.0f conn/s  (reused tuples so far %" PRIu64 ", refused for "
			       "want of a port %" PRIu64 ")\n", (double)(now - t_start) / (double)b->hz,
			       (double)(c->completed - done0) / dt, c->reuses,
			       b->lc->stats.drops[DP_DROP_LPORT_EXHAUSTED]);
			done0 = c->completed;
			t_win = now;
			next = now + (uint64_t)((b->quick ? 0.25 : 10.0) * (double)b->hz);
		}
	}
	free_all(m, DP_BURST);
	if (rc == 0) {
		double wall = (double)(rte_rdtsc() - t_start) / (double)b->hz;
		double cps = (double)(c->completed - all0) / wall;

		/* connections per server over the tuples one server has */
		wraps = (c->completed - all0) / BENCH_SERVERS / n_ports;
		printf("  %.0f conn/s over %.0f s (wall clock, generator included); each server's "
		       "cursor went round its %u ports %" PRIu64 " times\n", cps, wall, n_ports, wraps);
		printf("  %" PRIu64 " tuples reused, %" PRIu64 " of them within the guard (must be 0); "
		       "shortest reuse %u ms after the last connection finished\n", c->reuses,
		       c->too_early, c->min_gap_ms == UINT32_MAX ? 0 : c->min_gap_ms);
		printf("  guards: %" PRIu64 " ports passed over as guarded, %" PRIu64 " as busy, %"
		       PRIu64 " guards cut short (table of %" PRIu64 " slots)\n",
		       b->lc->stats.lport_guard_skips, b->lc->stats.lport_busy_skips,
		       b->lc->stats.lport_guard_cut, dp_laddr_guard_slots(&b->lc->laddr));
		bench_result(b, "wrap_conn_per_s", cps);
		json_object_set_new(b->res, "wrap_cycles", json_integer((json_int_t)wraps));
		json_object_set_new(b->res, "wrap_reused", json_integer((json_int_t)c->reuses));
		json_object_set_new(b->res, "wrap_reused_in_guard",
				    json_integer((json_int_t)c->too_early));
		json_object_set_new(b->res, "wrap_guard_cut",
				    json_integer((json_int_t)b->lc->stats.lport_guard_cut));
		json_object_set_new(b->res, "wrap_lport_exhausted",
				    json_integer((json_int_t)b->lc->stats.drops[DP_DROP_LPORT_EXHAUSTED]));
		if (c->too_early || bench_drops(b->lc)) {
			bench_print_drops(b->lc);
			rc = -EPROTO;
		}
	}
	bench_lcore_free(b);
out:
	s->laddr = saved;
	b->dp->conf.lport_guards = (uint32_t)guard_slots;
	free(c->last_done);
	free(c);
	return rc;
}

/* IPv6 FULLNAT beside IPv4's: 10 k flows opened through the pipeline,
 * then established packets each way, then the new-connection mix, with
 * the same addresses embedded in IPv6 (bench_addr6) and the results'
 * keys ending in _v6. */
int bench_v6(struct bench *b)
{
	uint32_t n = b->quick ? 1000 : 10000;
	struct est e = { 0 };
	double ns[6];
	int rc;

	printf("\n== IPv6: FULLNAT v6 -> v6, the same runs with every address in IPv6\n");
	if (b->lc)
		bench_lcore_free(b);
	rc = bench_make_v6(b);
	if (rc < 0)
		return rc;
	e.svc = &b->snap->svc[0];
	e.rip = calloc(n, sizeof(*e.rip));
	e.lip = calloc(n, sizeof(*e.lip));
	e.rport = calloc(n, sizeof(*e.rport));
	e.lport = calloc(n, sizeof(*e.lport));
	if (!e.rip || !e.lip || !e.rport || !e.lport) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bench_lcore_new(b, 1u << 20);
	if (rc == 0)
		rc = est_open(b, &e, n);
	if (rc == 0)
		rc = est_run(b, &e, n, 0, ns);
	if (rc == 0) {
		printf("  %8u live  client->server %7.2f ns/packet %6.2f Mpps (best %6.2f)   "
		       "server->client %7.2f ns/packet %6.2f Mpps (best %6.2f)\n", n, ns[0],
		       1e3 / ns[0], ns[2], ns[1], 1e3 / ns[1], ns[3]);
		bench_result(b, "est_ns_10k_v6", ns[0]);
		bench_result(b, "reply_ns_10k_v6", ns[1]);
		if (bench_drops(b->lc)) {
			bench_print_drops(b->lc);
			rc = -EPROTO;
		}
	}
	if (b->lc)
		bench_lcore_free(b);
	if (rc == 0) {
		/* every session of its table may be IPv6 (the default share,
		 * an eighth, is less than the mix holds in TIME_WAIT) */
		b->dp->conf.sessions6_per_lcore = UINT32_MAX;
		b->suffix = "_v6";
		rc = bench_new_conn(b);
		b->suffix = NULL;
	}
out:
	free(e.rip);
	free(e.lip);
	free(e.rport);
	free(e.lport);
	return rc;
}
