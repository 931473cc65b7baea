/* Unit tests: a session's packets and the lcore's next-hop cache
 * (dp/xmit.c dp_xmit_sess): the first packet of a direction resolves route
 * and MAC, later ones reuse them, and a change of the neighbour table or of
 * the route table is seen by the very next packet. mbufs and rte_lpm need
 * EAL memory, so this test starts a minimal EAL (no hugepages, no devices);
 * nothing is sent (the tx buffers are only looked at). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp/dp_int.h"
#include "dp/pkt.h"

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t port_mac[2][6] = { { 0x02, 0, 0, 0, 0xaa, 0 }, { 0x02, 0, 0, 0, 0xbb, 0 } };

struct fix {
	struct dp *dp;
	struct dp_lcore *lc;
	struct dp_snap snap;
	struct dp_routes *rt[2];
	struct dp_sess *s;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static int eal_up(void **state)
{
	char prefix[64];
	char *argv[] = { "test_xmit", "--no-huge", "-m", "256", "--no-pci", prefix,
			 "--log-level=*:error", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=utxmit%d", (int)getpid());
	return rte_eal_init(7, argv) < 0 ? -1 : 0;
}

static int eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

static int setup(void **state)
{
	/* the server 10.1.0.5 is on port 0 in table 0, on port 1 in table 1 */
	struct dp_route_spec r0[] = { { ip("10.1.0.0"), 24, 0, 0 } };
	struct dp_route_spec r1[] = { { ip("10.1.0.0"), 24, 0, 1 } };
	struct fix *f = calloc(1, sizeof(*f));
	struct dp *dp = rte_zmalloc("ut_dp", sizeof(*dp), 64);

	assert_non_null(f);
	assert_non_null(dp);
	f->dp = dp;
	dp->n_ports = 2;
	dp->n_lcores = 1;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->conf.max_services = 4;
	dp->conf.max_servers = 4;
	dp->conf.sessions_per_lcore = 1024;
	dp->conf.neigh_hold_ms = 1000;
	for (unsigned p = 0; p < 2; p++)
		memcpy(dp->port[p].mac.addr_bytes, port_mac[p], 6);
	dp->pool = rte_pktmbuf_pool_create("ut_xmit", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	assert_non_null(dp->pool);
	assert_int_equal(dp_neigh_create(64, &dp->neigh), 0);
	assert_int_equal(dp_routes_build("ut_xmit_rt0", r0, 1, &f->rt[0]), 0);
	assert_int_equal(dp_routes_build("ut_xmit_rt1", r1, 1, &f->rt[1]), 0);
	f->snap.routes = f->rt[0];
	assert_int_equal(dp_lcore_init(dp, 0, rte_lcore_id()), 0);
	f->lc = dp->lc[0];
	f->lc->snap = &f->snap;
	f->s = dp_sess_alloc(&f->lc->sess);
	f->s->rip = ip("10.1.0.5");
	f->s->nh_epoch = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < f->lc->tx[p].n; i++)
			rte_pktmbuf_free(f->lc->tx[p].m[i]);
	dp_lcore_free(f->lc);
	dp_routes_free(f->rt[0]);
	dp_routes_free(f->rt[1]);
	dp_neigh_destroy(f->dp->neigh);
	rte_mempool_free(f->dp->pool);
	rte_free(f->dp);
	free(f);
	return 0;
}

/* A packet of the session to the server; returns the port it was queued
 * on (its frame in *frame) or -1 when it was not queued. */
static int xmit_one(struct fix *f, const uint8_t **frame)
{
	struct dp_lcore *lc = f->lc;
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->dp->pool);
	unsigned before[2] = { lc->tx[0].n, lc->tx[1].n };
	uint8_t *b;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, 60);
	memset(b, 0, 60);
	dp_put_u16(b + 12, DP_ETH_P_IPV4);
	b[14] = 0x45;
	b[22] = 63;
	dp_xmit_sess(lc, m, f->s, DP_DIR_IN, f->s->rip);
	for (int p = 0; p < 2; p++) {
		if (lc->tx[p].n == before[p] + 1) {
			*frame = rte_pktmbuf_mtod(lc->tx[p].m[lc->tx[p].n - 1], const uint8_t *);
			return p;
		}
	}
	return -1;
}

static void test_cache_follows_changes(void **state)
{
	struct fix *f = *state;
	const uint8_t *fr;
	uint32_t epoch;

	dp_neigh_learn(f->dp->neigh, f->s->rip, mac1, 0, 0, 1000000);
	/* first packet: resolved and remembered */
	assert_int_equal(xmit_one(f, &fr), 0);
	assert_memory_equal(fr, mac1, 6);
	assert_memory_equal(fr + 6, port_mac[0], 6);
	assert_int_not_equal(f->s->nh[DP_DIR_IN], 0);
	assert_int_equal(f->s->nh[DP_DIR_OUT], 0);
	epoch = f->s->nh_epoch;
	assert_int_equal(epoch, f->lc->nh_epoch);
	/* second: from the cache, same result */
	assert_int_equal(xmit_one(f, &fr), 0);
	assert_memory_equal(fr, mac1, 6);
	assert_int_equal(f->s->nh_epoch, epoch);

	/* the server's MAC changes: the next packet has the new one */
	assert_int_equal(dp_neigh_learn(f->dp->neigh, f->s->rip, mac2, 0, 0, 1000000), 1);
	assert_int_equal(xmit_one(f, &fr), 0);
	assert_memory_equal(fr, mac2, 6);
	assert_int_not_equal(f->s->nh_epoch, epoch);
	/* a refresh of the same MAC changes nothing */
	epoch = f->lc->nh_epoch;
	assert_int_equal(dp_neigh_learn(f->dp->neigh, f->s->rip, mac2, 0, 0, 2000000), 0);
	assert_int_equal(xmit_one(f, &fr), 0);
	assert_int_equal(f->lc->nh_epoch, epoch);

	/* a new route table sends it out of the other port */
	f->snap.routes = f->rt[1];
	assert_int_equal(xmit_one(f, &fr), 1);
	assert_memory_equal(fr, mac2, 6);
	assert_memory_equal(fr + 6, port_mac[1], 6);

	/* the neighbour is gone: the packet waits for ARP instead */
	dp_neigh_flush_port(f->dp->neigh, 0);
	assert_int_equal(f->lc->n_hold, 0);
	assert_int_equal(xmit_one(f, &fr), 1);       /* the ARP request, not the packet */
	assert_int_equal(dp_get_u16(fr + 12), DP_ETH_P_ARP);
	assert_int_equal(f->lc->n_hold, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache_follows_changes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
