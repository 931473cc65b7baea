/* tests/bench/synproxy.c — the SYN proxy on one data core: SYNs answered
 * with cookies (a flood's cost: no state), and whole proxied handshakes
 * (cookie SYN-ACK, the proving ACK making the session and mgw's SYN to the
 * server, the server's SYN-ACK setting the sequence offsets, then the
 * client's RST ending it). Every packet of every step is read back and
 * checked: who it goes to, its flags, the cookie acknowledged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp/seq.h"
#include "tests/bench/bench.h"

#define SP_SLOTS  256
#define SP_STEPS  4   /* SYN, ACK, server SYN-ACK, RST */

struct sp_slot {
	uint32_t conn;          /* client 13.0.0.0 + conn / 256, port 1024 + conn % 256 */
	uint8_t step;
	bool started;
	uint32_t cookie, tsval; /* our SYN-ACK's ISN and TSval */
	uint32_t lip, rip;
	uint16_t lport, rport;
};

struct sp_run {
	struct sp_slot slot[SP_SLOTS];
	uint32_t next_conn;
	uint64_t bursts, completed;
	uint64_t seed;
};

static uint32_t sp_cip(uint32_t conn)
{
	return 0x0d000000u + (conn >> 8);
}

static uint16_t sp_cport(uint32_t conn)
{
	return (uint16_t)(1024 + (conn & 255));
}

/* The client's ISN: a new one each connection, as real clients pick (the
 * proxy refuses a second ACK for a cookie it made a session from). */
static uint32_t sp_isn(uint32_t conn)
{
	return conn * 2654435761u + 12345u;
}

static uint64_t sp_deadline(const struct bench *b, double secs)
{
	return rte_rdtsc() + (uint64_t)(secs * (double)b->hz);
}

/* The packet slot s sends at its step, into m. */
static void sp_frame(struct bench *b, struct rte_mbuf *m, const struct sp_slot *s)
{
	uint32_t isn = sp_isn(s->conn);
	struct bench_tcp_x x = { .ts = true, .tsval = 1000 + s->step };
	struct bench_tuple t = { sp_cip(s->conn), BENCH_VIP(0), sp_cport(s->conn), BENCH_VPORT, false };
	uint8_t fl;

	switch (s->step) {
	case 0:
		x.seq = isn;
		fl = DP_TCP_SYN;
		break;
	case 1:
		x.seq = isn + 1;
		x.ack = s->cookie + 1;
		x.tsecr = s->tsval;
		fl = DP_TCP_ACK;
		break;
	case 2:         /* the server answers mgw's SYN */
		t = (struct bench_tuple){ s->rip, s->lip, s->rport, s->lport, false };
		x.seq = 0x30000000u + s->conn;
		x.ack = isn + 1;
		x.tsval = 5000;
		x.tsecr = s->tsval;
		fl = DP_TCP_SYN | DP_TCP_ACK;
		break;
	default:
		x.seq = isn + 1;
		x.ts = false;
		fl = DP_TCP_RST;
		break;
	}
	bench_tcp_frame_x(m, b->port_mac.addr_bytes, b->gw_mac, &t, fl, 0, &x);
}

/* What came out for slot s's packet is what the proxy must send. */
static bool sp_check(struct sp_slot *s, const struct rte_mbuf *m, bool csum)
{
	struct bench_tuple o;
	struct bench_tcp_x x;
	uint8_t fl;

	if (!bench_frame_read(m, &o, csum) || !bench_frame_tcp(m, &fl, &x))
		return false;
	switch (s->step) {
	case 0:         /* the cookie SYN-ACK to the client */
		s->cookie = x.seq;
		s->tsval = x.tsval;
		return o.src == BENCH_VIP(0) && o.dst == sp_cip(s->conn) &&
		       fl == (DP_TCP_SYN | DP_TCP_ACK) && x.ack == sp_isn(s->conn) + 1 && x.ts;
	case 1:         /* the session made: mgw's SYN to a server */
		s->lip = o.src;
		s->lport = o.sport;
		s->rip = o.dst;
		s->rport = o.dport;
		return fl == DP_TCP_SYN && x.seq == sp_isn(s->conn) && o.src >= BENCH_LIP(0) &&
		       o.src < BENCH_LIP(BENCH_LIPS) && o.dst >= BENCH_RIP(0) &&
		       o.dst < BENCH_RIP(BENCH_SERVERS) && o.dport == BENCH_RPORT;
	case 2:         /* the held ACK, now the server's handshake ACK */
		return o.src == s->lip && o.dst == s->rip && (fl & DP_TCP_ACK) &&
		       !(fl & DP_TCP_SYN) && x.ack == 0x30000000u + s->conn + 1;
	default:        /* the client's RST, on to the server */
		return o.src == s->lip && o.dst == s->rip && (fl & DP_TCP_RST);
	}
}

/* One burst of handshakes: 32 slots, started a round apart so that every
 * burst mixes the four steps (bench_slot_due). */
static int sp_burst(struct bench *b, struct sp_run *r, struct rte_mbuf **m, uint64_t *cycles,
		    bool measured)
{
	unsigned base = (unsigned)(r->bursts * DP_BURST) % SP_SLOTS, n = 0;
	unsigned idx[DP_BURST];
	int rc;

	for (unsigned j = 0; j < DP_BURST; j++) {
		struct sp_slot *s = &r->slot[base + j];

		if (!s->started) {
			if (!bench_slot_due(r->bursts, SP_SLOTS, base + j, SP_STEPS))
				continue;
			s->started = true;
			s->conn = r->next_conn++;
		}
		sp_frame(b, m[n], s);
		idx[n++] = base + j;
	}
	r->bursts++;
	if (!n)
		return 0;
	rc = bench_burst(b, m, n, cycles, measured);
	if (rc < 0)
		return rc;
	for (unsigned j = 0; j < n; j++) {
		struct sp_slot *s = &r->slot[idx[j]];

		if (!sp_check(s, m[j], r->completed < 25000)) {
			fprintf(stderr, "bench: synproxy connection %u step %u: wrong answer\n",
				s->conn, s->step);
			return -EPROTO;
		}
		if (++s->step == SP_STEPS) {
			s->step = 0;
			s->conn = r->next_conn++;
			r->completed++;
		}
	}
	return 0;
}

/* One burst of SYNs from new clients: each answered by a cookie SYN-ACK. */
static int sp_syn_burst(struct bench *b, struct sp_run *r, struct rte_mbuf **m,
			uint64_t *cycles)
{
	struct sp_slot s = { 0 };
	int rc;

	for (unsigned j = 0; j < DP_BURST; j++) {
		s.conn = 0x800000u + (uint32_t)bench_rand_below(&r->seed, 0x7fffffu);
		sp_frame(b, m[j], &s);
	}
	rc = bench_burst(b, m, DP_BURST, cycles, true);
	for (unsigned j = 0; rc == 0 && j < DP_BURST; j++) {
		struct bench_tuple o;
		struct bench_tcp_x x;
		uint8_t fl;

		if (!bench_frame_read(m[j], &o, false) || !bench_frame_tcp(m[j], &fl, &x) ||
		    fl != (DP_TCP_SYN | DP_TCP_ACK) || o.src != BENCH_VIP(0))
			rc = -EPROTO;
	}
	r->completed += DP_BURST;
	return rc;
}

/* rounds of secs each: per second of the data core's time, median kept */
static int sp_measure(struct bench *b, struct sp_run *r, struct rte_mbuf **m, bool syn_only,
		      double secs, double out[BENCH_ROUNDS])
{
	int rc = 0;

	for (unsigned k = 0; rc == 0 && k < BENCH_ROUNDS; k++) {
		struct bench_round rd = { 0 };
		uint64_t end, cycles, done0;

again:
		bench_round_begin(&rd);
		end = sp_deadline(b, secs / BENCH_ROUNDS);
		cycles = 0;
		done0 = r->completed;
		while (rc == 0 && rte_rdtsc() < end)
			rc = syn_only ? sp_syn_burst(b, r, m, &cycles)
				      : sp_burst(b, r, m, &cycles, true);
		if (rc == 0 && !bench_round_done(b, &rd))
			goto again;
		out[k] = (double)(r->completed - done0) / ((double)cycles * b->ns_per_cycle * 1e-9);
	}
	return rc;
}

int bench_synproxy(struct bench *b)
{
	static const uint8_t key[32] = "mgw bench: the SYN proxy's key.";
	uint32_t cap = b->quick ? 200000 : 2000000;
	double secs = b->quick ? 0.1 : 3 * b->secs, hs[BENCH_ROUNDS], syn[BENCH_ROUNDS];
	struct dp_service *svc = &b->snap->svc[0];
	struct dp_snap *s = b->snap;
	struct rte_mbuf *m[DP_BURST];
	struct sp_run *r;
	int rc;

	printf("\n== SYN proxy: cookies for SYNs (no state), and whole proxied handshakes "
	       "(SYN, cookie SYN-ACK, ACK, SYN to the server, its SYN-ACK, the ACK held till "
	       "then, RST)\n");
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->seed = 0x5eed;
	rc = dp_synproxy_set_secret(b->dp, key);
	if (rc < 0)
		goto out;
	svc->synproxy = 1;
	svc->xlate = 1;
	s->timeout[DP_TCP_CLOSE] = 1000;
	if (b->lc)
		bench_lcore_free(b);
	rc = bench_lcore_new(b, cap);
	if (rc < 0)
		goto out;
	if (rte_pktmbuf_alloc_bulk(b->pool, m, DP_BURST) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	{
		uint64_t end = sp_deadline(b, b->quick ? 0.05 : 0.5), cycles = 0;

		while (rc == 0 && rte_rdtsc() < end)
			rc = sp_burst(b, r, m, &cycles, false);
	}
	if (rc == 0)
		rc = sp_measure(b, r, m, false, secs, hs);
	if (rc == 0)
		rc = sp_measure(b, r, m, true, secs, syn);
	for (unsigned i = 0; i < DP_BURST; i++)
		rte_pktmbuf_free(m[i]);
	if (rc == 0) {
		double h = bench_median(hs, BENCH_ROUNDS), c = bench_median(syn, BENCH_ROUNDS);
		const struct dp_svc_stats *st = &b->lc->svc[svc->id];

		printf("  %.0f handshakes/s (best round %.0f; %.0f ns each, 4 packets in and 4 "
		       "out); %.0f SYNs answered with a cookie/s (best %.0f; %.0f ns each)\n", h,
		       hs[BENCH_ROUNDS - 1], 1e9 / h, c, syn[BENCH_ROUNDS - 1], 1e9 / c);
		printf("  cookies sent %" PRIu64 ", validated %" PRIu64 ", failed %" PRIu64
		       ", replays %" PRIu64 "\n", st->sp_cookies_sent, st->sp_cookies_ok,
		       st->sp_cookies_bad, st->sp_replayed);
		bench_result(b, "synproxy_handshakes_per_s", h);
		bench_result(b, "synproxy_handshakes_per_s_best", hs[BENCH_ROUNDS - 1]);
		bench_result(b, "synproxy_cookies_per_s", c);
		bench_result(b, "synproxy_cookies_per_s_best", syn[BENCH_ROUNDS - 1]);
		if (bench_drops(b->lc) || st->sp_cookies_bad || st->sp_replayed) {
			bench_print_drops(b->lc);
			rc = -EPROTO;
		}
	}
	bench_lcore_free(b);
out:
	svc->synproxy = 0;
	svc->xlate = 0;
	free(r);
	return rc;
}
