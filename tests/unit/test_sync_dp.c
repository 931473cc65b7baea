/* Unit tests: the data plane's side of session sync (dp/sync.c) on two
 * hand-made nodes of one lcore each, A (local IP 10.1.0.100) and B
 * (10.1.0.101), playing the sync thread between them by hand: A's records
 * install on B as foreign; the refresh lease fires when it should and B's
 * copy outlives A's; a bulk walk interleaved with new and ended sessions,
 * followed by the sweep, leaves B holding exactly what A owns (count and
 * digest), stale copies gone; deletes, conflicts, the quota and unknown
 * services are handled and counted. Minimal EAL (no hugepages, no devices)
 * for mbufs and rings. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "cp/config.h"
#include "cp/ids.h"
#include "cp/snap.h"
#include "dp/csum.h"
#include "dp/dp_int.h"
#include "sync/wire.h"

static char key_path[64];

struct node {
	struct cp_config *cfg;
	struct cp_ids *svc_ids, *rs_ids;
	struct dp_routes *rt;
	struct dp_snap *snap;
	struct dp *dp;
	struct dp_lcore *lc;
};

static struct node A, B;

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void node_up(struct node *n, unsigned id, const char *port_ip, const char *lip,
		    unsigned peer_id, const char *peer_ip, const char *peer_lip, const char *extra)
{
	struct cp_err err = { "", "" };
	struct dp_route_spec *spec;
	struct cp_snap_in in;
	json_error_t je;
	uint64_t hash;
	unsigned nr;
	char js[2048];
	json_t *j;
	char name[32];

	snprintf(js, sizeof(js),
		 "{ \"node\": { \"id\": %u }, \"ports\": [ { \"name\": \"lan\", \"dev\": \"x\", \"ip\": \"%s/24\", \"ip6\": \"fd00:2::%u/64\" } ],"
		 "  \"routes\": [ { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.1.0.1\" } ],"
		 "  \"localips\": [ \"%s\", \"fd00:2::%u\" ], %s"
		 "  \"limits\": { \"sessions_per_lcore\": 1024, \"servers\": 64, \"services\": 16 },"
		 "  \"sync\": { \"port\": \"lan\", \"key_file\": \"%s\", \"peers\": [ { \"id\": %u,"
		 "    \"ip\": \"%s\", \"localips\": [ \"%s\" ] } ] },"
		 "  \"services\": ["
		 "  { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"scheduler\": \"rr\","
		 "    \"servers\": [ { \"ip\": \"10.1.0.11\" }, { \"ip\": \"10.1.0.12\" } ] },"
		 "  { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53, \"scheduler\": \"rr\","
		 "    \"servers\": [ { \"ip\": \"10.1.0.11\" } ] },"
		 "  { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 80, \"scheduler\": \"rr\","
		 "    \"servers\": [ { \"ip\": \"fd00:2::11\" }, { \"ip\": \"fd00:2::12\" } ] },"
		 "  { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 8064, \"scheduler\": \"rr\","
		 "    \"servers\": [ { \"ip\": \"10.1.0.11\" } ] } ] }",
		 id, port_ip, id + 1, lip, 0x100 + id, extra, key_path, peer_id, peer_ip, peer_lip);
	j = json_loads(js, 0, &je);
	assert_non_null(j);
	if (cp_config_from_json(j, &n->cfg, &err) < 0)
		fail_msg("config: %s: %s", err.field, err.msg);
	json_decref(j);
	assert_int_equal(cp_ids_create(n->cfg->max_services, &n->svc_ids), 0);
	assert_int_equal(cp_ids_create(n->cfg->max_servers, &n->rs_ids), 0);
	spec = cp_snap_routes(n->cfg, &nr, &hash);
	snprintf(name, sizeof(name), "ut_sy_rt%u", id);
	assert_int_equal(dp_routes_build(name, spec, nr, &n->rt), 0);
	free(spec);
	memset(&in, 0, sizeof(in));
	in.cfg = n->cfg;
	in.svc_ids = n->svc_ids;
	in.rs_ids = n->rs_ids;
	in.gen = 1;
	in.n_lcores = 1;
	in.routes = n->rt;
	assert_int_equal(cp_snap_build(&in, &n->snap, &err), 0);
	cp_snap_in_done(&in);
	assert_true(n->snap->sync_on);

	n->dp = rte_zmalloc("ut_dp", sizeof(*n->dp), 64);
	n->dp->n_ports = 1;
	n->dp->n_lcores = 1;
	n->dp->tsc_hz = rte_get_tsc_hz();
	n->dp->conf.max_services = n->cfg->max_services;
	n->dp->conf.max_servers = n->cfg->max_servers;
	n->dp->conf.sessions_per_lcore = 1024;
	n->dp->conf.neigh_hold_ms = 1000;
	n->dp->snap = n->snap;
	n->dp->port[0].conf.mtu = 1500;
	n->dp->port[0].mac.addr_bytes[0] = 2;
	n->dp->port[0].mac.addr_bytes[5] = (uint8_t)id;
	snprintf(name, sizeof(name), "ut_sy_pool%u", id);
	n->dp->pool = rte_pktmbuf_pool_create(name, 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      (int)rte_socket_id());
	assert_non_null(n->dp->pool);
	assert_int_equal(dp_neigh_create(64, &n->dp->neigh), 0);
	assert_int_equal(dp_lcore_init(n->dp, 0, rte_lcore_id()), 0);
	n->lc = n->dp->lc[0];
	n->lc->snap = n->snap;
	n->lc->snap_gen = n->snap->gen;
	n->lc->now_ms = 1000;
	dp_laddr_sync(&n->lc->laddr, &n->snap->laddr);
	n->dp->laddr_copy = n->snap->laddr;
	snprintf(name, sizeof(name), "ut_sy_ev%u", id);
	n->lc->sync.ev = rte_ring_create_elem(name, sizeof(struct dp_sync_rec), 16384,
					      SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ut_sy_in%u", id);
	n->lc->sync.in = rte_ring_create_elem(name, sizeof(struct dp_sync_rec), 16384,
					      SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(n->lc->sync.ev);
	assert_non_null(n->lc->sync.in);
}

static void node_down(struct node *n)
{
	for (unsigned i = 0; i < n->lc->tx[0].n; i++)
		rte_pktmbuf_free(n->lc->tx[0].m[i]);
	for (unsigned i = 0; i < n->lc->n_hold; i++)
		rte_pktmbuf_free(n->lc->hold[i].m);
	n->lc->n_hold = 0;
	rte_ring_free(n->lc->sync.ev);
	rte_ring_free(n->lc->sync.in);
	dp_lcore_free(n->lc);
	cp_snap_free(n->snap);
	dp_routes_free(n->rt);
	cp_ids_destroy(n->svc_ids);
	cp_ids_destroy(n->rs_ids);
	cp_config_free(n->cfg);
	dp_neigh_destroy(n->dp->neigh);
	rte_mempool_free(n->dp->pool);
	rte_free(n->dp);
	memset(n, 0, sizeof(*n));
}

static int setup(void **state)
{
	(void)state;
	node_up(&A, 1, "10.1.0.2", "10.1.0.100", 2, "10.1.0.3", "10.1.0.101", "");
	node_up(&B, 2, "10.1.0.3", "10.1.0.101", 1, "10.1.0.2", "10.1.0.100", "");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	node_down(&A);
	node_down(&B);
	return 0;
}

static int eal_up(void **state)
{
	char prefix[64];
	char *argv[] = { "test_sync_dp", "--no-huge", "-m", "256", "--no-pci", prefix,
			 "--log-level=*:error", NULL };
	FILE *f;

	(void)state;
	snprintf(key_path, sizeof(key_path), "/tmp/ut_sync_key.%d", (int)getpid());
	f = fopen(key_path, "w");
	if (!f)
		return -1;
	fputs("an-only-test-key-of-enough-bytes\n", f);
	fclose(f);
	snprintf(prefix, sizeof(prefix), "--file-prefix=utsync%d", (int)getpid());
	return rte_eal_init(7, argv) < 0 ? -1 : 0;
}

static int eal_down(void **state)
{
	(void)state;
	unlink(key_path);
	rte_eal_cleanup();
	return 0;
}

/* A client's TCP segment (or UDP datagram) into node n's lcore. */
static void client_pkt(struct node *n, uint8_t proto, uint32_t cip, uint16_t cport,
		       uint8_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(n->dp->pool);
	uint16_t l4len = proto == DP_IPPROTO_TCP ? 20 : 8;
	uint32_t vip = ip("10.0.0.10");
	uint8_t *fr, *ip4, *l4, ph[12];
	uint16_t c;

	assert_non_null(m);
	fr = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_ETH_HLEN + 20 + l4len));
	memset(fr, 0, DP_ETH_HLEN + 20 + l4len);
	memcpy(fr, n->dp->port[0].mac.addr_bytes, 6);
	fr[6] = 2;
	dp_put_u16(fr + 12, DP_ETH_P_IPV4);
	ip4 = fr + DP_ETH_HLEN;
	l4 = ip4 + 20;
	ip4[0] = 0x45;
	dp_put_u16(ip4 + 2, (uint16_t)(20 + l4len));
	ip4[8] = 64;
	ip4[9] = proto;
	memcpy(ip4 + 12, &cip, 4);
	memcpy(ip4 + 16, &vip, 4);
	c = dp_csum(ip4, 20);
	memcpy(ip4 + 10, &c, 2);
	dp_put_u16(l4, cport);
	dp_put_u16(l4 + 2, proto == DP_IPPROTO_TCP ? 80 : 53);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, 100);
		l4[12] = 5 << 4;
		l4[13] = flags;
		dp_put_u16(l4 + 14, 65535);
	} else {
		dp_put_u16(l4 + 4, l4len);
	}
	memcpy(ph, &cip, 4);
	memcpy(ph + 4, &vip, 4);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, l4len);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, l4len, dp_csum_partial(ph, 12, 0)));
	memcpy(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), &c, 2);
	dp_input(n->lc, m, 0, false);
	/* what it sent (or held for ARP) is not looked at here */
	for (unsigned i = 0; i < n->lc->tx[0].n; i++)
		rte_pktmbuf_free(n->lc->tx[0].m[i]);
	n->lc->tx[0].n = 0;
	for (unsigned i = 0; i < n->lc->n_hold; i++)
		rte_pktmbuf_free(n->lc->hold[i].m);
	n->lc->n_hold = 0;
}

/* The sync thread's part, by hand: A's records to B (as from peer slot 0,
 * origin lcore 0); bulk records counted into bc and bh; a BULK_END noted. */
static unsigned a_to_b(uint64_t *bc, uint64_t *bh, bool *ended, struct dp_sync_rec *end)
{
	struct dp_sync_rec r[256];
	unsigned n, total = 0;

	while ((n = dp_sync_poll(A.dp, 0, r, 256))) {
		for (unsigned i = 0; i < n; i++) {
			if (r[i].kind == DP_SYNC_BULK_END) {
				if (ended)
					*ended = true;
				if (end)
					*end = r[i];
				continue;
			}
			if (r[i].kind == DP_SYNC_MARKER)
				continue;
			if ((r[i].flags & DP_SYNC_R_BULK) && bc) {
				(*bc)++;
				*bh += dp_sync_ident(r[i].proto, r[i].s.cip, r[i].s.vip, r[i].s.cport,
						     r[i].s.vport, r[i].s.lip, r[i].s.rip, r[i].s.lport,
						     r[i].s.rport);
			}
			r[i].peer = 0;
			assert_int_equal(dp_sync_push(B.dp, 0, &r[i], 1), 1);
			total++;
		}
	}
	while (rte_ring_count(B.lc->sync.in))
		dp_sync_run(B.lc);
	return total;
}

static void b_cmd(uint8_t kind, uint8_t flags)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.peer = 0;
	r.flags = flags;
	assert_int_equal(dp_sync_push(B.dp, 0, &r, 1), 1);
	while (rte_ring_count(B.lc->sync.in))
		dp_sync_run(B.lc);
}

static void test_create_install_delete(void **state)
{
	struct dp_sync_rec r;
	struct dp_sess *s;
	unsigned dir;
	uint32_t c = ip("10.9.0.1");

	(void)state;
	client_pkt(&A, DP_IPPROTO_TCP, c, 40000, DP_TCP_SYN);
	assert_int_equal(A.lc->sync.own_count, 1);
	assert_int_equal(dp_sync_poll(A.dp, 0, &r, 1), 1);
	assert_int_equal(r.kind, DP_SYNC_UPSERT);
	assert_int_equal(r.s.cip, c);
	assert_int_equal(r.s.lip, ip("10.1.0.100"));
	r.peer = 0;
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	s = dp_sess_lookup(&B.lc->sess, c, ip("10.0.0.10"), htons(40000), htons(80), 6, &dir);
	assert_non_null(s);
	assert_true(s->flags & DP_SESS_F_FOREIGN);
	assert_int_equal(dir, DP_DIR_IN);
	/* its server side is found too: the replies to A's LIP, if B must take them */
	assert_non_null(dp_sess_lookup(&B.lc->sess, r.s.rip, r.s.lip, r.s.rport, r.s.lport, 6, &dir));
	assert_int_equal(B.lc->sync.fcount[0][0], 1);
	assert_true(B.lc->sync.fhash[0][0] == A.lc->sync.own_hash);
	/* a foreign session is not counted as a connection of its server */
	assert_int_equal(B.lc->rs[s->rs_id].sessions, 0);
	assert_int_equal(B.lc->stats.sync_installed, 1);
	/* window tracking: the client's side (a SYN without options: no
	 * scaling) travels as its scale; B's copy is liberal until it sees
	 * each side itself (dp/tcpwin.h) */
	{
		/* the record of the state change (after the SYN was judged) */
		struct dp_sync_rec r2;

		assert_int_equal(dp_sync_poll(A.dp, 0, &r2, 1), 1);
		assert_int_equal(r2.state, DP_TCP_SYN_RECV);
		assert_int_equal(r2.tcpwin, 0x0081);
		r2.peer = 0;
		dp_sync_push(B.dp, 0, &r2, 1);
		dp_sync_run(B.lc);
		assert_int_equal(B.lc->stats.sync_updated, 1);
		B.lc->stats.sync_updated = 0;
	}
	assert_true(dp_tcpwin_is_liberal(dp_sess_x(&B.lc->sess, s)->td[0]));
	assert_int_equal(dp_tcpwin_shift(dp_sess_x(&B.lc->sess, s)->td[0]), 0);
	assert_int_equal(dp_sess_x(&B.lc->sess, s)->td[1], 0);
	/* nor against its service's max_conns, here or (embryonic) there */
	assert_int_equal(B.lc->svc[s->svc_id].established, 0);
	assert_int_equal(A.lc->svc[s->svc_id].established, 0);
	/* the same record again updates */
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_updated, 1);
	assert_int_equal(B.lc->sync.fcount[0][0], 1);
	/* from another peer slot it moves slices */
	/* A's session ends: B's copy goes */
	{
		struct dp_sess *a = dp_sess_lookup(&A.lc->sess, c, ip("10.0.0.10"), htons(40000),
						   htons(80), 6, &dir);

		assert_non_null(a);
		dp_sess_kill(A.lc, a);
	}
	assert_int_equal(A.lc->sync.own_count, 0);
	assert_int_equal(A.lc->sync.own_hash, 0);
	a_to_b(NULL, NULL, NULL, NULL);
	assert_null(dp_sess_lookup(&B.lc->sess, c, ip("10.0.0.10"), htons(40000), htons(80), 6, &dir));
	assert_int_equal(B.lc->sync.fcount[0][0], 0);
	assert_int_equal(B.lc->sync.fhash[0][0], 0);
	assert_int_equal(B.lc->stats.sync_deleted, 1);
}

static void test_lease(void **state)
{
	const struct dp_snap *sn = A.snap;
	uint32_t c = ip("10.9.0.2"), left_a, left_b;
	struct dp_sync_rec r[8];
	struct dp_sess *a, *b;
	unsigned dir, n;

	(void)state;
	/* the lease is a third of the timeout, at most a minute */
	assert_int_equal(sn->sync_lease[DP_TCP_ESTABLISHED], 60000);      /* 900 s / 3 capped */
	assert_int_equal(sn->sync_lease[DP_TCP_SYN_RECV], 10000);         /* 30 s / 3 */
	assert_int_equal(sn->sync_lease[DP_TCP_TIME_WAIT], 10000 / 3);
	assert_int_equal(sn->sync_lease[DP_UDP_STATE], 60000);
	client_pkt(&A, DP_IPPROTO_UDP, c, 5353, 0);
	n = dp_sync_poll(A.dp, 0, r, 8);
	assert_int_equal(n, 1);
	/* packets within the lease send nothing; the first after it sends one */
	A.lc->now_ms += 30000;
	client_pkt(&A, DP_IPPROTO_UDP, c, 5353, 0);
	assert_int_equal(dp_sync_poll(A.dp, 0, r, 8), 0);
	A.lc->now_ms += 30001;
	client_pkt(&A, DP_IPPROTO_UDP, c, 5353, 0);
	assert_int_equal(dp_sync_poll(A.dp, 0, r, 8), 1);
	assert_int_equal(r[0].kind, DP_SYNC_UPSERT);
	assert_int_equal(r[0].s.expire_ms, 300000);
	/* B's copy of it outlives A's by the lease */
	r[0].peer = 0;
	dp_sync_push(B.dp, 0, &r[0], 1);
	dp_sync_run(B.lc);
	a = dp_sess_lookup(&A.lc->sess, c, ip("10.0.0.10"), htons(5353), htons(53), 17, &dir);
	b = dp_sess_lookup(&B.lc->sess, c, ip("10.0.0.10"), htons(5353), htons(53), 17, &dir);
	assert_non_null(a);
	assert_non_null(b);
	left_a = a->tl.expire - A.lc->now_ms;
	left_b = b->tl.expire - B.lc->now_ms;
	assert_int_equal(left_a, 300000);
	assert_int_equal(left_b, 300000 + 60000);
	/* the worst case: the last packet came just before the next lease;
	 * A's copy lives until then + timeout, B's still longer */
	A.lc->now_ms += 59999;
	client_pkt(&A, DP_IPPROTO_UDP, c, 5353, 0);
	assert_int_equal(dp_sync_poll(A.dp, 0, r, 8), 0);
	assert_true((int32_t)(b->tl.expire - (B.lc->now_ms + 59999)) >=
		    (int32_t)(a->tl.expire - A.lc->now_ms));
}

static void test_bulk_interleaved(void **state)
{
	uint64_t bc = 0, bh = 0;
	struct dp_sync_rec end, r;
	bool ended = false;
	uint32_t stale = ip("10.9.9.9");
	unsigned dir;

	(void)state;
	/* B holds a copy A no longer has (its delete was lost) */
	client_pkt(&A, DP_IPPROTO_TCP, stale, 1111, DP_TCP_SYN);
	a_to_b(NULL, NULL, NULL, NULL);
	{
		struct dp_sess *s = dp_sess_lookup(&A.lc->sess, stale, ip("10.0.0.10"), htons(1111),
						   htons(80), 6, &dir);

		dp_sess_kill(A.lc, s);
		while (dp_sync_poll(A.dp, 0, &r, 1))
			;   /* lost */
	}
	assert_int_equal(B.lc->sync.fcount[0][0], 1);
	/* A has 400 sessions, B has none of them (as after a join) */
	for (unsigned i = 0; i < 400; i++)
		client_pkt(&A, DP_IPPROTO_TCP, ip("10.9.1.0") + htonl(i), (uint16_t)(2000 + i),
			   DP_TCP_SYN);
	while (dp_sync_poll(A.dp, 0, &r, 1))
		;
	/* B resyncs: a new generation, then A walks its table for B while
	 * sessions come and go */
	b_cmd(DP_SYNC_SWEEP_BEGIN, DP_SYNC_R_ALL);
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_BULK_REQ;
	r.dest = 0;
	r.bulk_id = 77;
	dp_sync_push(A.dp, 0, &r, 1);
	for (unsigned round = 0; !ended && round < 100; round++) {
		dp_sync_run(A.lc);   /* one chunk of the walk */
		for (unsigned i = 0; i < 20; i++)
			client_pkt(&A, DP_IPPROTO_TCP, ip("10.9.2.0") + htonl(round * 20 + i),
				   (uint16_t)(3000 + i), DP_TCP_SYN);
		for (unsigned i = 0; i < 10; i++) {
			struct dp_sess *s = dp_sess_lookup(&A.lc->sess,
							   ip("10.9.1.0") + htonl(round * 10 + i),
							   ip("10.0.0.10"), htons((uint16_t)(2000 + round * 10 + i)),
							   htons(80), 6, &dir);

			if (s)
				dp_sess_kill(A.lc, s);
		}
		a_to_b(&bc, &bh, &ended, &end);
	}
	assert_true(ended);
	/* the FINISH adds up with what B received of the bulk */
	assert_true(end.m.count == bc && end.m.hash == bh);
	assert_true(bc > 0);
	/* then the sweep: the stale copy goes */
	b_cmd(DP_SYNC_SWEEP_END, DP_SYNC_R_ALL);
	for (int i = 0; i < 10 && B.lc->sync.sweep_on; i++)
		dp_sync_run(B.lc);
	assert_false(B.lc->sync.sweep_on);
	assert_null(dp_sess_lookup(&B.lc->sess, stale, ip("10.0.0.10"), htons(1111), htons(80), 6,
				   &dir));
	assert_true(B.lc->stats.sync_swept >= 1);
	{
		struct dp_sync_rec sw;
		bool got = false;

		while (dp_sync_poll(B.dp, 0, &sw, 1))
			got |= sw.kind == DP_SYNC_SWEPT;
		assert_true(got);
	}
	/* B holds exactly what A owns */
	assert_int_equal(B.lc->sync.fcount[0][0], A.lc->sync.own_count);
	assert_true(B.lc->sync.fhash[0][0] == A.lc->sync.own_hash);
	/* and a check says so */
	memset(&r, 0, sizeof(r));
	r.kind = DP_SYNC_CHECK;
	r.peer = 0;
	r.lcore = 0;
	r.m.seq = 5;
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	assert_int_equal(dp_sync_poll(B.dp, 0, &r, 1), 1);
	assert_int_equal(r.kind, DP_SYNC_CHECK_REPLY);
	assert_int_equal(r.m.seq, 5);
	assert_int_equal(r.m.count, A.lc->sync.own_count);
	assert_true(r.m.hash == A.lc->sync.own_hash);
}

/* B's in-ring command of an ownership walk, run to its WALKED answer;
 * the UPSERT records B sent meanwhile are counted in b_upserts. */
static unsigned b_upserts;

static uint64_t b_walk(uint8_t kind, uint8_t flags, uint32_t lip)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.peer = 0;
	r.flags = flags;
	r.s.lip = lip;
	assert_int_equal(dp_sync_push(B.dp, 0, &r, 1), 1);
	for (int i = 0; i < 1000 && (rte_ring_count(B.lc->sync.in) || B.lc->sync.own_on); i++)
		dp_sync_run(B.lc);
	for (;;) {
		assert_int_equal(dp_sync_poll(B.dp, 0, &r, 1), 1);
		if (r.kind == DP_SYNC_WALKED)
			return r.m.count;
		b_upserts += r.kind == DP_SYNC_UPSERT;
	}
}

/* Failover: B adopts the sessions on A's LIP (they count as B's, B tells
 * the others), then hands them back (A's foreign copies again); a UDP
 * session of another mode would follow the node, not the address. */
static void test_adopt_hand_back(void **state)
{
	uint32_t c = ip("10.9.0.7"), lip = ip("10.1.0.100");
	struct dp_sess *s;
	uint64_t fh;
	unsigned dir;

	(void)state;
	for (unsigned i = 0; i < 10; i++)
		client_pkt(&A, DP_IPPROTO_TCP, c, (uint16_t)(41000 + i), DP_TCP_SYN);
	client_pkt(&A, DP_IPPROTO_UDP, c, 5000, 0);
	a_to_b(NULL, NULL, NULL, NULL);
	assert_int_equal(B.lc->sync.fcount[0][0], 11);
	fh = B.lc->sync.fhash[0][0];
	s = dp_sess_lookup(&B.lc->sess, c, ip("10.0.0.10"), htons(41000), htons(80), 6, &dir);
	assert_non_null(s);
	assert_int_equal(B.lc->rs[s->rs_id].sessions, 0);

	/* adopt: every session on A's LIP is B's now, and the lc/wlc counts
	 * and the markers say so; B sends one record each */
	b_upserts = 0;
	assert_int_equal(b_walk(DP_SYNC_ADOPT, 0, lip), 11);
	assert_int_equal(b_upserts, 11);
	assert_false(s->flags & DP_SESS_F_FOREIGN);
	assert_int_equal(B.lc->sync.fcount[0][0], 0);
	assert_int_equal(B.lc->sync.own_count, 11);
	assert_true(B.lc->sync.own_hash == fh);
	assert_int_equal(B.lc->stats.sync_adopted, 11);
	{
		uint64_t total = 0;

		for (unsigned k = 0; k < 64; k++)
			total += B.lc->rs[k].sessions;
		assert_int_equal(total, 11);
		/* max_conns counts the UDP one, not the embryonic TCP ones */
		total = 0;
		for (unsigned k = 0; k < 16; k++)
			total += (uint64_t)B.lc->svc[k].established;
		assert_int_equal(total, 1);
	}
	/* adopting again finds nothing foreign on it */
	assert_int_equal(b_walk(DP_SYNC_ADOPT, 0, lip), 0);

	/* hand back: foreign again, in A's slice, uncounted */
	assert_int_equal(b_walk(DP_SYNC_HANDBACK, 0, lip), 11);
	assert_true(s->flags & DP_SESS_F_FOREIGN);
	assert_int_equal(B.lc->sync.own_count, 0);
	assert_true(B.lc->sync.own_hash == 0);
	assert_int_equal(B.lc->sync.fcount[0][0], 11);
	assert_true(B.lc->sync.fhash[0][0] == fh);
	assert_int_equal(B.lc->rs[s->rs_id].sessions, 0);
	{
		int64_t total = 0;

		for (unsigned k = 0; k < 16; k++)
			total += B.lc->svc[k].established;
		assert_int_equal(total, 0);
	}
	/* and A's records update them in place */
	assert_int_equal(B.lc->stats.sync_handed_back, 11);

	/* another address: nothing moves */
	assert_int_equal(b_walk(DP_SYNC_ADOPT, 0, ip("10.1.0.199")), 0);
	/* by node: only sessions of modes without a LIP (none here) */
	assert_int_equal(b_walk(DP_SYNC_ADOPT, DP_SYNC_R_NODE, 0), 0);
}

static void test_refusals(void **state)
{
	struct dp_sync_rec r;
	uint32_t c = ip("10.9.0.3");
	unsigned dir;

	(void)state;
	client_pkt(&A, DP_IPPROTO_TCP, c, 4444, DP_TCP_SYN);
	assert_int_equal(dp_sync_poll(A.dp, 0, &r, 1), 1);
	r.peer = 0;
	/* a service B does not have */
	{
		struct dp_sync_rec x = r;

		x.s.vport = htons(81);
		dp_sync_push(B.dp, 0, &x, 1);
		x = r;
		x.s.rip = ip("10.1.0.99");
		dp_sync_push(B.dp, 0, &x, 1);
		x = r;
		x.peer = DP_SYNC_MAX_PEERS;
		dp_sync_push(B.dp, 0, &x, 1);
		dp_sync_run(B.lc);
		assert_int_equal(B.lc->stats.sync_refused_service, 1);
		assert_int_equal(B.lc->stats.sync_refused_server, 1);
		assert_int_equal(B.lc->stats.sync_refused_bad, 1);
	}
	/* B's own live session of the same client connection wins */
	client_pkt(&B, DP_IPPROTO_TCP, c, 4444, DP_TCP_SYN);
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_conflicts, 1);
	assert_false(dp_sess_lookup(&B.lc->sess, c, ip("10.0.0.10"), htons(4444), htons(80), 6,
				    &dir)->flags & DP_SESS_F_FOREIGN);
	/* the quota: B takes at most sync_quota sessions from a peer */
	B.lc->sync.fused[0] = B.snap->sync_quota;
	r.s.cport = htons(4445);
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_refused_quota, 1);
	B.lc->sync.fused[0] = 0;
}

static void ip6(const char *t, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, t, a), 1);
}

/* A session of A's made by hand (as dp/conn.c makes one): IPv6 FULLNAT
 * (port 80, to fd00:2::11 through A's v6 local IP), or NAT64 (port 8064,
 * to 10.1.0.11 through 10.1.0.100). */
static struct dp_sess *a_sess6(bool nat64, uint16_t cport)
{
	const struct dp_service *svc;
	struct dp_sess6 *a;
	struct dp_sess *s;
	uint8_t v[16];

	ip6("fd00:1::10", v);
	svc = dp_snap_service(A.snap, 6, dp_ip6_handle(v), htons(nat64 ? 8064 : 80));
	assert_non_null(svc);
	s = dp_sess_alloc6(&A.lc->sess);
	assert_non_null(s);
	a = dp_sess6(&A.lc->sess, s);
	ip6("fd00:1::1", a->c);
	memcpy(a->v, v, 16);
	if (nat64) {
		s->rip = ip("10.1.0.11");
		s->lip = ip("10.1.0.100");
		dp_ip6_map4(a->r, s->rip);
		dp_ip6_map4(a->l, s->lip);
	} else {
		ip6("fd00:2::11", a->r);
		ip6("fd00:2::257", a->l);   /* A's (0x100 + its id, in decimal) */
		s->rip = dp_ip6_handle(a->r);
		s->lip = dp_ip6_handle(a->l);
	}
	s->cip = dp_ip6_handle(a->c);
	s->vip = dp_ip6_handle(a->v);
	s->cport = htons(cport);
	s->vport = htons(nat64 ? 8064 : 80);
	s->rport = svc->servers[0].port;
	s->lport = htons(cport + 1);
	s->proto = DP_IPPROTO_TCP;
	s->state = DP_TCP_ESTABLISHED;
	s->fwd = DP_FWD_FULLNAT;
	s->svc_id = svc->id;
	s->rs_id = svc->servers[0].id;
	s->flags |= DP_SESS_F_XLATE;
	dp_sess_x(&A.lc->sess, s)->seq_in = 12345;
	dp_sess_x(&A.lc->sess, s)->isn = 777;
	assert_int_equal(dp_sess_insert(&A.lc->sess, s), 0);
	dp_wheel_add(&A.lc->wheel, dp_sess_index(&A.lc->sess, s), A.lc->now_ms + 60000);
	dp_sync_made(A.lc, s);
	return s;
}

/* B's copy of A's session s, found in both directions by its addresses
 * (the reverse tuple by IPv4 for NAT64), never by the handles alone. */
static struct dp_sess *b_copy(const struct dp_sess *as)
{
	const struct dp_sess6 *a = dp_sess6(&A.lc->sess, as);
	bool nat64 = dp_ip6_mapped(a->r);
	struct dp_sess *s, *o;
	unsigned dir;

	s = dp_sess_lookup6(&B.lc->sess, as->cip, as->vip, as->cport, as->vport, 6, a->c, &dir);
	if (!s)
		return NULL;
	assert_int_equal(dir, DP_DIR_IN);
	assert_true(s->flags & DP_SESS_F_V6);
	assert_true(s->flags & DP_SESS_F_FOREIGN);
	assert_memory_equal(dp_sess6(&B.lc->sess, s), a, sizeof(*a));
	o = dp_sess_lookup6(&B.lc->sess, as->rip, as->lip, as->rport, as->lport, 6,
			    nat64 ? NULL : a->r, &dir);
	assert_ptr_equal(o, s);
	assert_int_equal(dir, DP_DIR_OUT);
	/* the handles alone (an IPv4 packet of those values) find nothing */
	assert_null(dp_sess_lookup(&B.lc->sess, as->cip, as->vip, as->cport, as->vport, 6, &dir));
	return s;
}

/* Through the wire and back, as the sync thread would (the handles are
 * the receiver's computation). */
static void via_wire(struct dp_sync_rec *r)
{
	struct sync_scratch *sc = sync_scratch_create();
	struct sync_item it, out[1];
	uint8_t pl[SYNC_MAX_PAYLOAD];
	size_t len;

	memset(&it, 0, sizeof(it));
	it.kind = SYNC_ITEM_SESSION;
	it.rec = *r;
	assert_int_equal(sync_wire_batch_encode(sc, &it, 1, pl, sizeof(pl), &len), 1);
	assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 1), 1);
	*r = out[0].rec;
	sync_scratch_free(sc);
}

static void test_v6_install(void **state)
{
	struct dp_sess *a6 = a_sess6(false, 41000), *a64 = a_sess6(true, 42000), *b6, *b64;
	struct dp_sync_rec r[4];
	unsigned dir;

	(void)state;
	assert_int_equal(A.lc->sync.own_count, 2);
	assert_int_equal(dp_sync_poll(A.dp, 0, r, 4), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(r[i].kind, DP_SYNC_UPSERT);
		assert_true(r[i].flags & DP_SYNC_R_V6);
		assert_int_equal(r[i].s.seq_in, 12345);
		assert_int_equal(r[i].s.isn, 777);
		assert_int_equal(r[i].s.sflags, DP_SESS_F_XLATE);
		via_wire(&r[i]);
		r[i].peer = 0;
		assert_int_equal(dp_sync_push(B.dp, 0, &r[i], 1), 1);
	}
	assert_memory_equal(&r[0].a6, dp_sess6(&A.lc->sess, a6), sizeof(r[0].a6));
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_installed, 2);
	b6 = b_copy(a6);
	b64 = b_copy(a64);
	assert_non_null(b6);
	assert_non_null(b64);
	assert_int_equal(dp_sess_x(&B.lc->sess, b6)->seq_in, 12345);
	assert_true(b6->flags & DP_SESS_F_XLATE);
	/* what B holds of A is what A owns: the anti-entropy agrees */
	assert_int_equal(B.lc->sync.fcount[0][0], 2);
	assert_true(B.lc->sync.fhash[0][0] == A.lc->sync.own_hash);
	/* the same again updates; a bulk walk sends both */
	dp_sync_push(B.dp, 0, &r[0], 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_updated, 1);
	{
		struct dp_sync_rec q;
		uint64_t bc = 0, bh = 0;
		bool ended = false;

		memset(&q, 0, sizeof(q));
		q.kind = DP_SYNC_BULK_REQ;
		q.dest = 0;
		q.bulk_id = 9;
		dp_sync_push(A.dp, 0, &q, 1);
		while (!ended) {
			dp_sync_run(A.lc);
			a_to_b(&bc, &bh, &ended, NULL);
		}
		assert_int_equal(bc, 2);
		assert_true(bh == A.lc->sync.own_hash);
		assert_int_equal(B.lc->stats.sync_updated, 3);
	}
	/* they end at A: the copies go at B */
	dp_sess_kill(A.lc, a6);
	dp_sess_kill(A.lc, a64);
	a_to_b(NULL, NULL, NULL, NULL);
	assert_int_equal(B.lc->stats.sync_deleted, 2);
	assert_null(dp_sess_lookup6(&B.lc->sess, r[0].s.cip, r[0].s.vip, r[0].s.cport, r[0].s.vport,
				    6, r[0].a6.c, &dir));
	assert_int_equal(B.lc->sync.fcount[0][0], 0);
	assert_int_equal(B.lc->sync.fhash[0][0], 0);
}

/* Another address with the handle of a (by search: one in 2^24). */
static void handle_twin(const uint8_t a[16], uint8_t out[16])
{
	uint32_t want = dp_ip6_handle(a);

	memcpy(out, a, 16);
	for (uint32_t k = 1;; k++) {
		memcpy(out + 10, &k, 4);
		if (memcmp(out, a, 16) && dp_ip6_handle(out) == want)
			return;
	}
}

/* A v6 record on an address whose handle is one of B's (not the address):
 * counted, refused, B's session untouched; a v6 record when B's v6 share
 * is full: counted. */
static void test_v6_refusals(void **state)
{
	struct dp_sess *as = a_sess6(false, 43000), *bs, *held[1024];
	struct dp_sync_rec r, x;
	unsigned n = 0;

	(void)state;
	assert_int_equal(dp_sync_poll(A.dp, 0, &r, 1), 1);
	r.peer = 0;
	dp_sync_push(B.dp, 0, &r, 1);
	dp_sync_run(B.lc);
	bs = b_copy(as);
	assert_non_null(bs);
	/* the client's address the twin of B's own v6 local IP */
	{
		uint8_t lip6b[16];

		ip6("fd00:2::258", lip6b);
		x = r;
		handle_twin(lip6b, x.a6.c);
		via_wire(&x);
		assert_int_equal(x.s.cip, dp_ip6_handle(lip6b));
		x.peer = 0;
		dp_sync_push(B.dp, 0, &x, 1);
		/* the VIP's twin: the same record otherwise */
		x = r;
		handle_twin(r.a6.v, x.a6.v);
		via_wire(&x);
		x.s.sflags = 0;
		x.peer = 0;
		dp_sync_push(B.dp, 0, &x, 1);
		dp_sync_run(B.lc);
		assert_int_equal(B.lc->stats.sync_refused_collision, 2);
		assert_int_equal(B.lc->stats.sync_installed, 1);
		assert_true(b_copy(as) == bs);
		assert_true(bs->flags & DP_SESS_F_XLATE);
	}
	/* B's v6 share full: refused, counted, the v4 sessions unaffected */
	while ((held[n] = dp_sess_alloc6(&B.lc->sess)))
		n++;
	x = r;
	x.s.cport = htons(43002);
	x.s.lport = htons(43003);
	dp_sync_push(B.dp, 0, &x, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_refused_full6, 1);
	assert_int_equal(B.lc->stats.sync_installed, 1);
	while (n)
		dp_sess_free(&B.lc->sess, held[--n]);
	dp_sync_push(B.dp, 0, &x, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_installed, 2);
	/* a v4 record of the v6 one's handles is not it, nor a v6 service's */
	x = r;
	x.flags &= (uint8_t)~DP_SYNC_R_V6;
	memset(&x.a6, 0, sizeof(x.a6));
	dp_sync_push(B.dp, 0, &x, 1);
	dp_sync_run(B.lc);
	assert_int_equal(B.lc->stats.sync_refused_service, 1);
	assert_true(b_copy(as) == bs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_install_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_interleaved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_hand_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v6_install, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v6_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
