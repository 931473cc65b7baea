/* tests/bench/sync.c — session sync's costs (`make bench`, part "sync").
 *
 * - sync_install_per_s: a peer's records entered into one lcore's table
 *   (the in ring, dp_sync_run: lookup, service and server, insert, timer);
 * - sync_adopt_ms_1m: a failover's walk that makes 1 M foreign sessions of
 *   one local IP this node's own (and writes a record for each);
 * - sync_bulk_s_1m, sync_bulk_records_per_s: a bulk walk of 1 M own
 *   sessions into the ev ring (what a joining peer gets), drained as the
 *   sync thread does;
 * - sync_send_records_per_s: the sync thread's side of sending: records
 *   packed into protobuf-c batches and sealed with HMAC-SHA-256 (no socket);
 * - new_conn_per_s_sync: the new-connection run again with sync on (every
 *   connection's records go out through the ev ring, drained between
 *   bursts), beside new_conn_per_s from the same run.
 * One thread, as the rest of the bench; numbers are printed, not judged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring_elem.h>

#include "sync/wire.h"
#include "tests/bench/bench.h"

#define SYNC_RING 65536

static int rings(struct bench *b)
{
	struct dp_lcore *lc = b->lc;

	lc->sync.ev = rte_ring_create_elem("bench_sync_ev", sizeof(struct dp_sync_rec), SYNC_RING,
					   (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	lc->sync.in = rte_ring_create_elem("bench_sync_in", sizeof(struct dp_sync_rec), SYNC_RING,
					   (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	return lc->sync.ev && lc->sync.in ? 0 : -ENOMEM;
}

static void rings_free(struct bench *b)
{
	if (!b->lc)
		return;
	rte_ring_free(b->lc->sync.ev);
	rte_ring_free(b->lc->sync.in);
	b->lc->sync.ev = b->lc->sync.in = NULL;
}

/* What the sync thread would take off the ev ring; the count of kind. */
static uint64_t drain(struct dp_lcore *lc, uint8_t kind, bool *seen_end, uint8_t end_kind)
{
	struct dp_sync_rec r[256];
	uint64_t n = 0;
	unsigned k;

	while ((k = rte_ring_sc_dequeue_burst_elem(lc->sync.ev, r, sizeof(r[0]), 256, NULL))) {
		for (unsigned i = 0; i < k; i++) {
			n += r[i].kind == kind;
			if (r[i].kind == end_kind && seen_end)
				*seen_end = true;
		}
	}
	return n;
}

void bench_sync_drain(struct bench *b)
{
	if (b->lc && b->lc->sync.ev)
		drain(b->lc, DP_SYNC_NONE, NULL, DP_SYNC_NONE);
}

static void rec_of(struct dp_sync_rec *r, uint32_t i)
{
	memset(r, 0, sizeof(*r));
	r->kind = DP_SYNC_UPSERT;
	r->proto = DP_IPPROTO_TCP;
	r->state = DP_TCP_ESTABLISHED;
	r->fwd = DP_FWD_FULLNAT;
	r->s.cip = htonl(0x0b000000u + i);
	r->s.cport = htons((uint16_t)(1024 + i % 60000));
	r->s.vip = htonl(BENCH_VIP(0));
	r->s.vport = htons(BENCH_VPORT);
	r->s.lip = htonl(BENCH_LIP(0));
	r->s.lport = htons((uint16_t)(1024 + i % 64000));
	r->s.rip = htonl(BENCH_RIP((i / 64000) % BENCH_SERVERS));
	r->s.rport = htons(BENCH_RPORT);
	r->s.expire_ms = 900000;
}

static double secs_since(const struct bench *b, uint64_t t0)
{
	return (double)(rte_rdtsc() - t0) / (double)b->hz;
}

static int install(struct bench *b, uint32_t n)
{
	struct dp_lcore *lc = b->lc;
	struct dp_sync_rec r[512];
	uint64_t t0 = rte_rdtsc();
	uint32_t i = 0;
	double s;

	while (i < n || rte_ring_count(lc->sync.in)) {
		unsigned k = 0;

		while (i < n && k < 512)
			rec_of(&r[k++], i++);
		if (k && rte_ring_sp_enqueue_bulk_elem(lc->sync.in, r, sizeof(r[0]), k, NULL) != k)
			return -ENOBUFS;
		while (rte_ring_count(lc->sync.in) > SYNC_RING / 2)
			dp_sync_run(lc);
		if (i == n)
			dp_sync_run(lc);
	}
	s = secs_since(b, t0);
	printf("  %u peer records installed in %.3f s: %.0f records/s (%" PRIu64 " installed, %" PRIu64
	       " refused)\n", n, s, n / s, lc->stats.sync_installed,
	       lc->stats.sync_refused_full + lc->stats.sync_refused_quota +
		       lc->stats.sync_refused_service + lc->stats.sync_refused_server +
		       lc->stats.sync_conflicts);
	bench_result(b, "sync_install_per_s", n / s);
	return lc->stats.sync_installed == n ? 0 : -EPROTO;
}

/* One walk command, run until its answer (end_kind) is on the ev ring;
 * the records of kind on the way counted. */
static double walk(struct bench *b, const struct dp_sync_rec *cmd, uint8_t kind, uint8_t end_kind,
		   uint64_t *count)
{
	struct dp_lcore *lc = b->lc;
	uint64_t t0 = rte_rdtsc();
	bool end = false;

	*count = 0;
	if (rte_ring_sp_enqueue_elem(lc->sync.in, (void *)(uintptr_t)cmd, sizeof(*cmd)) != 0)
		return -1;
	while (!end) {
		dp_sync_run(lc);
		*count += drain(lc, kind, &end, end_kind);
	}
	return secs_since(b, t0);
}

static int send_side(struct bench *b, uint32_t n)
{
	struct sync_scratch *sc = sync_scratch_create();
	static struct sync_item it[SYNC_MAX_ITEMS];
	uint8_t pl[SYNC_MAX_PAYLOAD], d[SYNC_MAX_DGRAM];
	struct sync_key key;
	struct sync_hdr h = { .type = SYNC_T_STREAM, .sender = 1, .epoch = 1, .stream = 1 };
	uint64_t t0, sent = 0, dgrams = 0;
	double s;

	if (!sc)
		return -ENOMEM;
	memset(&key, 0, sizeof(key));
	memset(key.k, 0x5a, 32);
	key.len = 32;
	for (unsigned k = 0; k < SYNC_MAX_ITEMS; k++) {
		it[k].kind = SYNC_ITEM_SESSION;
		rec_of(&it[k].rec, k);
	}
	t0 = rte_rdtsc();
	while (sent < n) {
		size_t plen;
		unsigned k = sync_wire_batch_encode(sc, it, SYNC_MAX_ITEMS, pl, sizeof(pl), &plen);

		h.seq = ++dgrams;
		if (!k || sync_wire_seal(&key, &h, pl, plen, d, sizeof(d)) <= 0) {
			sync_scratch_free(sc);
			return -EPROTO;
		}
		sent += k;
	}
	s = secs_since(b, t0);
	printf("  sending: %" PRIu64 " records packed and sealed (HMAC-SHA-256) in %" PRIu64
	       " datagrams, %.0f records/s, %.1f records a datagram\n", sent, dgrams, sent / s,
	       (double)sent / (double)dgrams);
	bench_result(b, "sync_send_records_per_s", sent / s);
	sync_scratch_free(sc);
	return 0;
}

int bench_sync(struct bench *b)
{
	uint32_t n = b->quick ? 100000 : 1000000;
	struct dp_snap *sn = b->snap;
	struct dp_sync_rec cmd;
	uint64_t count;
	double s;
	int rc;

	printf("\n== session sync: %u sessions of a peer installed, adopted, walked for a bulk\n", n);
	if (b->lc)
		bench_lcore_free(b);
	rc = bench_lcore_new(b, n + n / 8);
	if (rc == 0)
		rc = rings(b);
	if (rc < 0)
		goto out;
	sn->sync_on = 1;
	sn->sync_quota = UINT32_MAX;
	rc = install(b, n);
	if (rc < 0)
		goto out;

	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = DP_SYNC_ADOPT;
	cmd.s.lip = htonl(BENCH_LIP(0));
	s = walk(b, &cmd, DP_SYNC_UPSERT, DP_SYNC_WALKED, &count);
	printf("  failover: %" PRIu64 " foreign sessions of one local IP adopted in %.1f ms (a record "
	       "each to the peers)\n", count, s * 1e3);
	bench_result(b, "sync_adopt_ms_1m", s * 1e3 * 1e6 / n);
	if (count != n) {
		rc = -EPROTO;
		goto out;
	}

	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = DP_SYNC_BULK_REQ;
	cmd.dest = 0;
	cmd.bulk_id = 1;
	s = walk(b, &cmd, DP_SYNC_UPSERT, DP_SYNC_BULK_END, &count);
	printf("  bulk for a joining peer: %" PRIu64 " records in %.3f s (%.0f records/s)\n", count, s,
	       count / s);
	bench_result(b, "sync_bulk_s_1m", s * 1e6 / n);
	bench_result(b, "sync_bulk_records_per_s", count / s);
	if (count != n) {
		rc = -EPROTO;
		goto out;
	}
	rc = send_side(b, n);
	if (rc < 0)
		goto out;

	/* new connections again, sync on: the same run with records */
	rings_free(b);
	bench_lcore_free(b);
	b->sync_on = true;
	b->suffix = "_sync";
	rc = bench_new_conn(b);
	b->suffix = NULL;
	b->sync_on = false;
	if (rc == 0) {
		double off = json_real_value(json_object_get(b->res, "new_conn_per_s"));
		double on = json_real_value(json_object_get(b->res, "new_conn_per_s_sync"));

		if (off > 0)
			printf("  new connections with sync on: %.0f/s against %.0f/s off (%.1f %%)\n",
			       on, off, 100.0 * (on - off) / off);
	}
out:
	rings_free(b);
	if (b->lc)
		bench_lcore_free(b);
	sn->sync_on = 0;
	return rc;
}

int bench_sync_rings(struct bench *b)
{
	if (!b->sync_on)
		return 0;
	b->snap->sync_on = 1;
	b->snap->sync_quota = UINT32_MAX;
	return rings(b);
}
