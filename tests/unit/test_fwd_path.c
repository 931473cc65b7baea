/* Unit tests: DR, TUNNEL and NAT through the real data-plane path —
 * dp_input() on hand-made lcores with a snapshot that cp_snap_build()
 * makes from a config, looking at what each lcore queues for tx (nothing
 * is sent). mbufs, rings and rte_lpm need EAL memory, so this test starts a
 * minimal EAL (no hugepages, no devices).
 *
 *   wan 10.0.0.2/24 (port 0), clients 10.9.0.0/16 via 10.0.0.1
 *   lan 10.1.0.2/24 (port 1), servers on-link and 10.7.0.0/16 via 10.1.0.1
 *   10.0.0.10:80  tcp dr      → 10.1.0.11
 *   10.0.0.11:80  tcp tunnel  → 10.7.0.5 (routed)
 *   10.0.0.11:53  udp tunnel  → 10.1.0.12
 *   10.0.0.12:80  tcp nat     → 10.1.0.13:8080
 *   10.0.0.12:53  udp nat     → 10.1.0.13:5353
 *   10.0.0.13:80  tcp nat     → 10.1.0.13:8080 (the same server)
 *   10.0.0.10:82  tcp dr      → 10.1.0.11 at weight 0, sorry server 10.1.0.12
 *   10.0.0.10:81  tcp fullnat → 10.1.0.11:81 (LIP 10.1.0.100) */
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
#include "dp/icmp.h"
#include "dp/ipip.h"
#include "dp/nat.h"
#include "dp/rewrite.h"
#include "dp/reply.h"

#define WAN 0
#define LAN 1

static const char *const config_json =
	"{ \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" },"
	"  { \"name\": \"lan\", \"dev\": \"y\", \"ip\": \"10.1.0.2/24\" } ],"
	"  \"routes\": [ { \"prefix\": \"10.9.0.0/16\", \"via\": \"10.0.0.1\" },"
	"    { \"prefix\": \"10.7.0.0/16\", \"via\": \"10.1.0.1\" } ],"
	"  \"localips\": [ \"10.1.0.100\" ],"
	"  \"limits\": { \"sessions_per_lcore\": 1024, \"servers\": 64, \"services\": 16 },"
	"  \"services\": ["
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"forward\": \"dr\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.11\" } ] },"
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.11\", \"port\": 80, \"forward\": \"tunnel\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.7.0.5\" } ] },"
	"  { \"proto\": \"udp\", \"vip\": \"10.0.0.11\", \"port\": 53, \"forward\": \"tunnel\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.12\" } ] },"
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.12\", \"port\": 80, \"forward\": \"nat\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 8080 } ] },"
	"  { \"proto\": \"udp\", \"vip\": \"10.0.0.12\", \"port\": 53, \"forward\": \"nat\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 5353 } ] },"
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.13\", \"port\": 80, \"forward\": \"nat\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 8080 } ] },"
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 82, \"forward\": \"dr\","
	"    \"on_down\": \"reset\", \"sorry_server\": { \"ip\": \"10.1.0.12\" },"
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.11\", \"weight\": 0 } ] },"
	"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81, \"forward\": \"fullnat\","
	"    \"scheduler\": \"rr\", \"servers\": [ { \"ip\": \"10.1.0.11\" } ] } ] }";

static const uint8_t port_mac[2][6] = { { 0x02, 0, 0, 0, 0xaa, 0 }, { 0x02, 0, 0, 0, 0xbb, 0 } };

/* neighbours: address and the last byte of its MAC 02:00:00:00:01:xx */
static const struct { const char *ip; uint8_t id; } neighs[] = {
	{ "10.0.0.1", 1 }, { "10.1.0.1", 2 }, { "10.1.0.11", 11 }, { "10.1.0.12", 12 },
	{ "10.1.0.13", 13 },
};

struct fix {
	struct dp *dp;
	struct cp_config *cfg;
	struct cp_ids *svc_ids, *rs_ids;
	struct dp_routes *rt;
	struct dp_snap *snap;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void mac_of(uint8_t id, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0x01, 0 };

	memcpy(mac, base, 6);
	mac[5] = id;
}

static int eal_up(void **state)
{
	char prefix[64];
	char *argv[] = { "test_fwd_path", "--no-huge", "-m", "256", "--no-pci", prefix,
			 "--log-level=*:error", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=utfwd%d", (int)getpid());
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
	struct fix *f = calloc(1, sizeof(*f));
	struct cp_err err = { "", "" };
	struct dp_route_spec *spec;
	struct cp_snap_in in;
	json_error_t je;
	json_t *j = json_loads(config_json, 0, &je);
	uint64_t hash;
	unsigned n;
	struct dp *dp;

	assert_non_null(f);
	assert_non_null(j);
	if (cp_config_from_json(j, &f->cfg, &err) < 0)
		fail_msg("config: %s: %s", err.field, err.msg);
	json_decref(j);
	assert_int_equal(cp_ids_create(f->cfg->max_services, &f->svc_ids), 0);
	assert_int_equal(cp_ids_create(f->cfg->max_servers, &f->rs_ids), 0);
	spec = cp_snap_routes(f->cfg, &n, &hash);
	assert_non_null(spec);
	assert_int_equal(dp_routes_build("ut_fwd_rt", spec, n, &f->rt), 0);
	free(spec);
	memset(&in, 0, sizeof(in));
	in.cfg = f->cfg;
	in.svc_ids = f->svc_ids;
	in.rs_ids = f->rs_ids;
	in.gen = 1;
	in.n_lcores = 2;
	in.routes = f->rt;
	assert_int_equal(cp_snap_build(&in, &f->snap, &err), 0);
	cp_snap_in_done(&in);
	assert_true(f->snap->has_nat);

	dp = rte_zmalloc("ut_dp", sizeof(*dp), 64);
	assert_non_null(dp);
	f->dp = dp;
	dp->n_ports = 2;
	dp->n_lcores = 2;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->conf.max_services = f->cfg->max_services;
	dp->conf.max_servers = f->cfg->max_servers;
	dp->conf.sessions_per_lcore = 1024;
	dp->conf.neigh_hold_ms = 1000;
	dp->snap = f->snap;
	for (unsigned p = 0; p < 2; p++) {
		memcpy(dp->port[p].mac.addr_bytes, port_mac[p], 6);
		dp->port[p].conf.mtu = 1500;
	}
	dp->pool = rte_pktmbuf_pool_create("ut_fwd", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	assert_non_null(dp->pool);
	assert_int_equal(dp_neigh_create(64, &dp->neigh), 0);
	for (size_t i = 0; i < sizeof(neighs) / sizeof(neighs[0]); i++) {
		uint8_t mac[6];

		mac_of(neighs[i].id, mac);
		dp_neigh_learn(dp->neigh, ip(neighs[i].ip), mac, 0, 0, 1000000);
	}
	for (unsigned a = 0; a < 2; a++) {
		char name[32];

		assert_int_equal(dp_lcore_init(dp, a, rte_lcore_id()), 0);
		dp->lc[a]->snap = f->snap;
		dp->lc[a]->snap_gen = f->snap->gen;
		dp_laddr_sync(&dp->lc[a]->laddr, &f->snap->laddr);
		snprintf(name, sizeof(name), "ut_rd_%u", a);
		dp->ring[a][1 - a] = rte_ring_create(name, 64, SOCKET_ID_ANY,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(dp->ring[a][1 - a]);
	}
	*state = f;
	return 0;
}

static void tx_clear(struct dp_lcore *lc)
{
	for (unsigned p = 0; p < 2; p++) {
		for (unsigned i = 0; i < lc->tx[p].n; i++)
			rte_pktmbuf_free(lc->tx[p].m[i]);
		lc->tx[p].n = 0;
	}
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (unsigned a = 0; a < 2; a++) {
		tx_clear(f->dp->lc[a]);
		dp_lcore_free(f->dp->lc[a]);
		rte_ring_free(f->dp->ring[a][1 - a]);
	}
	cp_snap_free(f->snap);
	dp_routes_free(f->rt);
	cp_ids_destroy(f->svc_ids);
	cp_ids_destroy(f->rs_ids);
	cp_config_free(f->cfg);
	dp_neigh_destroy(f->dp->neigh);
	rte_mempool_free(f->dp->pool);
	rte_free(f->dp);
	free(f);
	return 0;
}

/* ---- frames ---- */

static void assert_csums(const uint8_t *ip4)
{
	unsigned ihl = (ip4[0] & 0xf) * 4u;
	uint16_t tot = dp_get_u16(ip4 + 2);
	uint8_t ph[12];
	uint32_t sum;

	assert_int_equal(dp_csum(ip4, ihl), 0);
	if (ip4[9] == DP_IPPROTO_ICMP) {
		assert_int_equal(dp_csum(ip4 + ihl, tot - ihl), 0);
		return;
	}
	if (ip4[9] != DP_IPPROTO_TCP && ip4[9] != DP_IPPROTO_UDP)
		return;
	memcpy(ph, ip4 + 12, 8);
	ph[8] = 0;
	ph[9] = ip4[9];
	dp_put_u16(ph + 10, (uint16_t)(tot - ihl));
	sum = dp_csum_partial(ph, 12, 0);
	sum = dp_csum_partial(ip4 + ihl, tot - ihl, sum);
	assert_int_equal((uint16_t)~dp_csum_fold(sum), 0);
}

/* A frame arriving on `port`: TCP (flags) or UDP (flags 0 and udp),
 * `len` bytes of payload, checksums right. */
static struct rte_mbuf *pkt(struct fix *f, unsigned port, uint8_t proto, const char *src,
			    uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
			    uint16_t len, bool df)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->dp->pool);
	uint16_t l4len = (uint16_t)((proto == DP_IPPROTO_TCP ? 20 : 8) + len);
	uint8_t *fr, *ip4, *l4, ph[12];
	uint32_t a = ip(src), b = ip(dst);
	uint16_t c;

	assert_non_null(m);
	fr = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_ETH_HLEN + 20 + l4len));
	assert_non_null(fr);
	ip4 = fr + DP_ETH_HLEN;
	l4 = ip4 + 20;
	memset(fr, 0, DP_ETH_HLEN + 20 + l4len);
	memcpy(fr, port_mac[port], 6);
	fr[6] = 0x02;
	fr[11] = 0x99;
	dp_put_u16(fr + 12, DP_ETH_P_IPV4);
	ip4[0] = 0x45;
	dp_put_u16(ip4 + 2, (uint16_t)(20 + l4len));
	dp_put_u16(ip4 + 4, 0x4321);
	dp_put_u16(ip4 + 6, df ? 0x4000 : 0);
	ip4[8] = 64;
	ip4[9] = proto;
	memcpy(ip4 + 12, &a, 4);
	memcpy(ip4 + 16, &b, 4);
	c = dp_csum(ip4, 20);
	memcpy(ip4 + 10, &c, 2);
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	if (proto == DP_IPPROTO_TCP) {
		dp_put_u32(l4 + 4, 100);
		dp_put_u32(l4 + 8, flags & DP_TCP_ACK ? 200 : 0);
		l4[12] = 5 << 4;
		l4[13] = flags;
		dp_put_u16(l4 + 14, 65535);
	} else {
		dp_put_u16(l4 + 4, l4len);
	}
	for (uint16_t i = 0; i < len; i++)
		l4[l4len - len + i] = (uint8_t)(i * 13 + 1);
	memcpy(ph, &a, 4);
	memcpy(ph + 4, &b, 4);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, l4len);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, l4len, dp_csum_partial(ph, 12, 0)));
	memcpy(l4 + (proto == DP_IPPROTO_TCP ? 16 : 6), &c, 2);
	return m;
}

static unsigned queued(const struct dp_lcore *lc, unsigned port)
{
	return lc->tx[port].n;
}

/* The i-th frame lcore lc queued on port. */
static const uint8_t *sent(const struct dp_lcore *lc, unsigned port, unsigned i)
{
	assert_true(i < lc->tx[port].n);
	return rte_pktmbuf_mtod(lc->tx[port].m[i], const uint8_t *);
}

static void assert_l2(const uint8_t *fr, unsigned port, uint8_t nh_id)
{
	uint8_t mac[6];

	mac_of(nh_id, mac);
	assert_memory_equal(fr, mac, 6);
	assert_memory_equal(fr + 6, port_mac[port], 6);
	assert_int_equal(dp_get_u16(fr + 12), DP_ETH_P_IPV4);
}

static void assert_addrs(const uint8_t *ip4, const char *src, const char *dst)
{
	uint32_t a = ip(src), b = ip(dst);

	assert_memory_equal(ip4 + 12, &a, 4);
	assert_memory_equal(ip4 + 16, &b, 4);
}

static struct dp_sess *find(struct dp_lcore *lc, uint8_t proto, const char *src, uint16_t sport,
			    const char *dst, uint16_t dport, unsigned *dir)
{
	return dp_sess_lookup(&lc->sess, ip(src), ip(dst), htons(sport), htons(dport), proto, dir);
}

/* ---- DR ---- */

static void test_dr(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *lc = f->dp->lc[0];
	static const uint8_t flags[] = { DP_TCP_SYN, DP_TCP_ACK, DP_TCP_ACK | DP_TCP_PSH,
					 DP_TCP_FIN | DP_TCP_ACK, DP_TCP_ACK };
	static const uint8_t states[] = { DP_TCP_SYN_RECV, DP_TCP_ESTABLISHED, DP_TCP_ESTABLISHED,
					  DP_TCP_FIN_WAIT, DP_TCP_TIME_WAIT };
	struct dp_sess *s;
	unsigned dir;

	for (unsigned i = 0; i < sizeof(flags); i++) {
		dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40000, "10.0.0.10", 80,
				 flags[i], 10, true), WAN, false);
		assert_int_equal(queued(lc, LAN), i + 1);
		{
			const uint8_t *fr = sent(lc, LAN, i), *ip4 = fr + DP_ETH_HLEN;

			/* to the server's MAC, the packet as the client sent it */
			assert_l2(fr, LAN, 11);
			assert_addrs(ip4, "10.9.0.7", "10.0.0.10");
			assert_int_equal(dp_get_u16(ip4 + 20), 40000);
			assert_int_equal(dp_get_u16(ip4 + 22), 80);
			assert_int_equal(ip4[8], 63);
			assert_csums(ip4);
		}
		s = find(lc, DP_IPPROTO_TCP, "10.9.0.7", 40000, "10.0.0.10", 80, &dir);
		assert_non_null(s);
		assert_int_equal(s->fwd, DP_FWD_DR);
		assert_int_equal(s->state, states[i]);
	}
	assert_true(s->flags & DP_SESS_F_ONEWAY);
	assert_int_equal(lc->sess.n_used, 1);
	/* no reverse entry: the server answers the client directly */
	assert_null(find(lc, DP_IPPROTO_TCP, "10.1.0.11", 80, "10.9.0.7", 40000, &dir));
	assert_int_equal(lc->rs[s->rs_id].pkts_in, 5);
	assert_int_equal(lc->rs[s->rs_id].sessions, 1);
	assert_int_equal(lc->rs[s->rs_id].open, 0);   /* TIME_WAIT */
	assert_int_equal(queued(lc, WAN), 0);

	/* a new SYN on the closed tuple: a new connection */
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40000, "10.0.0.10", 80, DP_TCP_SYN,
			 0, true), WAN, false);
	assert_int_equal(lc->stats.sess_reused, 1);
	assert_int_equal(lc->sess.n_used, 1);
	/* a router on the client's side reports our server's reply too big:
	 * the server sent it, the server gets the error as it is */
	{
		struct rte_mbuf *r = pkt(f, LAN, DP_IPPROTO_TCP, "10.0.0.10", 80, "10.9.0.7", 40000,
					 DP_TCP_ACK, 1460, true);
		uint8_t err[DP_REPLY_MAX];
		struct rte_mbuf *m = rte_pktmbuf_alloc(f->dp->pool);
		const uint8_t *fr;
		struct dp_pkt p;
		enum dp_drop why;
		uint32_t len;

		assert_int_equal(dp_pkt_parse_ipv4(rte_pktmbuf_mtod(r, uint8_t *),
						   rte_pktmbuf_data_len(r), DP_ETH_HLEN, true, &p,
						   &why), 0);
		len = dp_reply_frag_needed(err, rte_pktmbuf_mtod(r, uint8_t *), &p, 1400,
					   ip("10.9.0.1"), 60);
		rte_pktmbuf_free(r);
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), err, len);
		tx_clear(lc);
		dp_input(lc, m, WAN, false);
		assert_int_equal(queued(lc, LAN), 1);
		assert_int_equal(lc->stats.icmp_xlated, 1);
		fr = sent(lc, LAN, 0);
		assert_l2(fr, LAN, 11);
		assert_addrs(fr + DP_ETH_HLEN, "10.9.0.1", "10.0.0.10");
		assert_int_equal(fr[DP_ETH_HLEN + 8], 59);
		assert_memory_equal(fr + DP_ETH_HLEN + 20, err + DP_ETH_HLEN + 20, len - DP_ETH_HLEN - 20);
		assert_csums(fr + DP_ETH_HLEN);
	}
	/* the session ends: its one entry leaves the table */
	s = find(lc, DP_IPPROTO_TCP, "10.9.0.7", 40000, "10.0.0.10", 80, &dir);
	assert_non_null(s);
	dp_sess_kill(lc, s);
	assert_int_equal(lc->sess.n_used, 0);
	assert_null(find(lc, DP_IPPROTO_TCP, "10.9.0.7", 40000, "10.0.0.10", 80, &dir));
	assert_int_equal(lc->rs[s->rs_id].sessions, 0);
	assert_int_equal(lc->rs[s->rs_id].open, 0);
}

/* ---- TUNNEL ---- */

static void test_tunnel(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *lc = f->dp->lc[0];
	const uint8_t *fr, *o, *in;
	struct rte_mbuf *m;
	unsigned dir;

	/* SYN to a routed server: encapsulated from the lan port's address,
	 * to the gateway's MAC */
	m = pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40001, "10.0.0.11", 80, DP_TCP_SYN, 0, true);
	dp_input(lc, m, WAN, false);
	assert_int_equal(queued(lc, LAN), 1);
	fr = sent(lc, LAN, 0);
	o = fr + DP_ETH_HLEN;
	in = o + DP_IPIP_HLEN;
	assert_l2(fr, LAN, 2);
	assert_int_equal(o[9], DP_IPPROTO_IPIP);
	assert_addrs(o, "10.1.0.2", "10.7.0.5");
	assert_int_equal(o[8], DP_IPIP_TTL);
	assert_int_equal(dp_get_u16(o + 6), 0x4000);
	assert_int_equal(dp_get_u16(o + 2), 20 + 40);
	assert_int_equal(dp_csum(o, 20), 0);
	assert_addrs(in, "10.9.0.7", "10.0.0.11");
	assert_int_equal(in[8], 63);
	assert_int_equal(dp_get_u16(in + 22), 80);
	assert_csums(in);
	assert_true(find(lc, DP_IPPROTO_TCP, "10.9.0.7", 40001, "10.0.0.11", 80, &dir)->flags &
		    DP_SESS_F_ONEWAY);
	/* the next one from the session's cached next hop: the same */
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40001, "10.0.0.11", 80, DP_TCP_ACK,
			 100, true), WAN, false);
	assert_int_equal(queued(lc, LAN), 2);
	fr = sent(lc, LAN, 1);
	assert_l2(fr, LAN, 2);
	assert_addrs(fr + DP_ETH_HLEN, "10.1.0.2", "10.7.0.5");
	assert_csums(fr + DP_ETH_HLEN + DP_IPIP_HLEN);

	/* 1500 bytes with DF: too big for the tunnel; the client is told
	 * 1480, from the VIP */
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40001, "10.0.0.11", 80,
			 DP_TCP_ACK, 1460, true), WAN, false);
	assert_int_equal(queued(lc, LAN), 2);
	assert_int_equal(lc->stats.drops[DP_DROP_TOO_BIG], 1);
	assert_int_equal(lc->stats.frag_needed, 1);
	assert_int_equal(queued(lc, WAN), 1);
	fr = sent(lc, WAN, 0);
	assert_l2(fr, WAN, 1);
	o = fr + DP_ETH_HLEN;
	assert_addrs(o, "10.0.0.11", "10.9.0.7");
	assert_int_equal(o[9], DP_IPPROTO_ICMP);
	assert_int_equal(o[20], DP_ICMP_UNREACH);
	assert_int_equal(o[21], DP_ICMP_FRAG_NEEDED);
	assert_int_equal(dp_get_u16(o + 26), 1480);
	assert_csums(o);
	/* 1480 fits */
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 40001, "10.0.0.11", 80,
			 DP_TCP_ACK, 1440, true), WAN, false);
	assert_int_equal(queued(lc, LAN), 3);
	assert_int_equal(dp_get_u16(sent(lc, LAN, 2) + DP_ETH_HLEN + 2), 1500);

	/* 1500 bytes without DF, to an on-link server: two outer fragments */
	tx_clear(lc);
	m = pkt(f, WAN, DP_IPPROTO_UDP, "10.9.0.7", 5000, "10.0.0.11", 53, 0, 1472, false);
	{
		uint8_t orig[1500], got[1500];
		uint32_t total = 0;

		memcpy(orig, rte_pktmbuf_mtod(m, uint8_t *) + DP_ETH_HLEN, 1500);
		dp_input(lc, m, WAN, false);
		assert_int_equal(queued(lc, LAN), 2);
		assert_int_equal(lc->stats.tunnel_fragmented, 1);
		for (unsigned i = 0; i < 2; i++) {
			fr = sent(lc, LAN, i);
			o = fr + DP_ETH_HLEN;
			assert_l2(fr, LAN, 12);
			assert_addrs(o, "10.1.0.2", "10.1.0.12");
			assert_int_equal(o[9], DP_IPPROTO_IPIP);
			assert_int_equal(dp_csum(o, 20), 0);
			assert_true(dp_get_u16(o + 2) <= 1500);
			memcpy(got + (dp_get_u16(o + 6) & 0x1fff) * 8, o + 20, dp_get_u16(o + 2) - 20u);
			total += dp_get_u16(o + 2) - 20u;
			assert_int_equal(rte_pktmbuf_data_len(lc->tx[LAN].m[i]),
					 DP_ETH_HLEN + dp_get_u16(o + 2));
		}
		assert_int_equal(total, 1500);
		orig[8]--;   /* forwarded: one TTL less (checksum below) */
		assert_memory_equal(got + 12, orig + 12, 1500 - 12);
		assert_csums(got);
	}
	tx_clear(lc);
}

/* ---- NAT on two lcores ---- */

/* A client port whose NAT session lcore 1 owns (packets arrive on 0). */
static uint16_t port_owned_by(unsigned owner, uint16_t from)
{
	for (uint16_t p = from;; p++)
		if (dp_nat_owner(ip("10.9.0.7"), htons(p), 2) == owner)
			return p;
}

/* What lcore `from` handed to the other: fed to it as its loop would. */
static void hand_over(struct fix *f, unsigned from)
{
	struct rte_mbuf *m = NULL;

	assert_int_equal(rte_ring_sc_dequeue(f->dp->ring[from][1 - from], (void **)&m), 0);
	dp_input(f->dp->lc[1 - from], m, m->port, true);
	assert_int_not_equal(rte_ring_sc_dequeue(f->dp->ring[from][1 - from], (void **)&m), 0);
}

static void test_nat_two_lcores(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *l0 = f->dp->lc[0], *l1 = f->dp->lc[1];
	uint16_t cport = port_owned_by(1, 41000);
	const uint8_t *fr, *ip4;
	struct dp_sess *s;
	unsigned dir;

	/* the client's SYN lands on lcore 0, which hands it to the owner */
	dp_input(l0, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, "10.0.0.12", 80, DP_TCP_SYN,
			 0, true), WAN, false);
	assert_int_equal(queued(l0, LAN), 0);
	assert_int_equal(l0->stats.redirect_out, 1);
	assert_int_equal(l0->sess.n_used, 0);
	hand_over(f, 0);
	assert_int_equal(queued(l1, LAN), 1);
	fr = sent(l1, LAN, 0);
	ip4 = fr + DP_ETH_HLEN;
	assert_l2(fr, LAN, 13);
	assert_addrs(ip4, "10.9.0.7", "10.1.0.13");   /* only the destination changes */
	assert_int_equal(dp_get_u16(ip4 + 20), cport);
	assert_int_equal(dp_get_u16(ip4 + 22), 8080);
	assert_int_equal(ip4[8], 63);
	assert_csums(ip4);
	s = find(l1, DP_IPPROTO_TCP, "10.9.0.7", cport, "10.0.0.12", 80, &dir);
	assert_non_null(s);
	assert_false(s->flags & DP_SESS_F_ONEWAY);

	/* the server's SYN+ACK comes back through mgw to the client's
	 * address, lands on lcore 0 too, and is handed over */
	dp_input(l0, pkt(f, LAN, DP_IPPROTO_TCP, "10.1.0.13", 8080, "10.9.0.7", cport,
			 DP_TCP_SYN | DP_TCP_ACK, 0, true), LAN, false);
	assert_int_equal(l0->stats.redirect_out, 2);
	assert_int_equal(l0->stats.drops[DP_DROP_NOT_LOCAL], 0);
	hand_over(f, 0);
	assert_int_equal(queued(l1, WAN), 1);
	fr = sent(l1, WAN, 0);
	ip4 = fr + DP_ETH_HLEN;
	assert_l2(fr, WAN, 1);
	assert_addrs(ip4, "10.0.0.12", "10.9.0.7");   /* from the VIP */
	assert_int_equal(dp_get_u16(ip4 + 20), 80);
	assert_int_equal(dp_get_u16(ip4 + 22), cport);
	assert_int_equal(ip4[8], 63);
	assert_csums(ip4);
	assert_int_equal(s->state, DP_TCP_SYN_RECV);

	/* the client's ACK, on the owner: established, both ways counted */
	dp_input(l1, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, "10.0.0.12", 80, DP_TCP_ACK,
			 5, true), WAN, false);
	assert_int_equal(s->state, DP_TCP_ESTABLISHED);
	assert_int_equal(queued(l1, LAN), 2);
	assert_csums(sent(l1, LAN, 1) + DP_ETH_HLEN);
	assert_int_equal(l1->rs[s->rs_id].pkts_in, 2);
	assert_int_equal(l1->rs[s->rs_id].pkts_out, 1);
	assert_int_equal(l1->rs[s->rs_id].open, 1);

	/* the server's own traffic through mgw (no session): dropped, counted */
	{
		uint16_t p = port_owned_by(1, 50000);

		dp_input(l1, pkt(f, LAN, DP_IPPROTO_UDP, "10.1.0.13", 33000, "10.9.0.7", p, 0, 4,
				 true), LAN, false);
		assert_int_equal(l1->stats.drops[DP_DROP_NAT_NO_SESSION], 1);
	}
	/* the same client:cport to the server through another NAT VIP would be
	 * the same connection to the server: refused */
	tx_clear(l1);
	dp_input(l1, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, "10.0.0.13", 80, DP_TCP_SYN,
			 0, true), WAN, false);
	assert_int_equal(l1->stats.drops[DP_DROP_NAT_CONFLICT], 1);
	assert_int_equal(queued(l1, LAN), 0);
	assert_int_equal(l1->sess.n_used, 1);
}

/* An ICMP error from a NAT server about our packet to it goes on to the
 * client from the VIP, quoting client → VIP. */
static void test_nat_icmp(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *l0 = f->dp->lc[0], *l1 = f->dp->lc[1];
	uint16_t cport = port_owned_by(0, 42000);
	uint8_t err[DP_REPLY_MAX];
	const uint8_t *fr, *ip4, *q;
	struct rte_mbuf *m;
	struct dp_pkt p;
	enum dp_drop why;
	uint32_t len;

	dp_input(l0, pkt(f, WAN, DP_IPPROTO_UDP, "10.9.0.7", cport, "10.0.0.12", 53, 0, 12, true),
		 WAN, false);
	assert_int_equal(queued(l0, LAN), 1);
	fr = sent(l0, LAN, 0);
	assert_addrs(fr + DP_ETH_HLEN, "10.9.0.7", "10.1.0.13");
	assert_int_equal(dp_get_u16(fr + DP_ETH_HLEN + 22), 5353);
	/* the server's kernel: port unreachable, to the client */
	assert_int_equal(dp_pkt_parse_ipv4(fr, rte_pktmbuf_data_len(l0->tx[LAN].m[0]), DP_ETH_HLEN,
					   true, &p, &why), 0);
	len = dp_reply_unreach(err, fr, &p, DP_ICMP_PORT_UNREACH, ip("10.1.0.13"), 64);
	m = rte_pktmbuf_alloc(f->dp->pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), err, len);
	/* it arrives on the other lcore first */
	dp_input(l1, m, LAN, false);
	assert_int_equal(l1->stats.redirect_out, 1);
	hand_over(f, 1);
	assert_int_equal(l0->stats.icmp_xlated, 1);
	assert_int_equal(queued(l0, WAN), 1);
	fr = sent(l0, WAN, 0);
	ip4 = fr + DP_ETH_HLEN;
	assert_l2(fr, WAN, 1);
	assert_addrs(ip4, "10.0.0.12", "10.9.0.7");
	assert_csums(ip4);
	q = ip4 + 28;
	assert_addrs(q, "10.9.0.7", "10.0.0.12");
	assert_int_equal(dp_get_u16(q + 20), cport);
	assert_int_equal(dp_get_u16(q + 22), 53);
	assert_int_equal(dp_csum(q, 20), 0);
	tx_clear(l0);
}

/* on_down: reset: a session whose server went down is reset on its next
 * packet, each end getting a RST as the other would have sent it; the
 * server's goes the mode's way (to its MAC, tunnelled, or from the client's
 * address for NAT). */
static void reset_case(struct fix *f, const char *vip, uint16_t cport, unsigned nh_id,
		       const char *rst_src, const char *rst_dst, uint16_t rst_dport, bool tunnelled)
{
	struct dp_lcore *lc = f->dp->lc[0];
	uint64_t dropped = lc->stats.drops[DP_DROP_SERVER_DOWN];
	const uint8_t *fr, *ip4;
	struct dp_sess *s;
	unsigned dir;

	if (dp_nat_owner(ip("10.9.0.7"), htons(cport), 2) != 0)
		fail_msg("pick a client port lcore 0 owns");
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, vip, 80, DP_TCP_SYN, 0, true),
		 WAN, false);
	s = find(lc, DP_IPPROTO_TCP, "10.9.0.7", cport, vip, 80, &dir);
	assert_non_null(s);
	free(f->snap->rs_reset);
	f->snap->n_rs_reset = s->rs_id + 1;
	f->snap->rs_reset = calloc(f->snap->n_rs_reset, 1);
	f->snap->rs_reset[s->rs_id] = 1;
	tx_clear(lc);
	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, vip, 80,
			 DP_TCP_ACK | DP_TCP_PSH, 10, true), WAN, false);
	assert_int_equal(lc->stats.drops[DP_DROP_SERVER_DOWN], dropped + 1);
	assert_null(find(lc, DP_IPPROTO_TCP, "10.9.0.7", cport, vip, 80, &dir));
	/* to the client, from the VIP */
	assert_int_equal(queued(lc, WAN), 1);
	ip4 = sent(lc, WAN, 0) + DP_ETH_HLEN;
	assert_addrs(ip4, vip, "10.9.0.7");
	assert_true(ip4[33] & DP_TCP_RST);
	assert_csums(ip4);
	/* to the server */
	assert_int_equal(queued(lc, LAN), 1);
	fr = sent(lc, LAN, 0);
	assert_l2(fr, LAN, (uint8_t)nh_id);
	ip4 = fr + DP_ETH_HLEN;
	if (tunnelled) {
		assert_int_equal(ip4[9], DP_IPPROTO_IPIP);
		assert_addrs(ip4, "10.1.0.2", "10.7.0.5");
		assert_int_equal(ip4[8], DP_IPIP_TTL);
		assert_int_equal(dp_csum(ip4, 20), 0);
		ip4 += DP_IPIP_HLEN;
	}
	assert_addrs(ip4, rst_src, rst_dst);
	assert_int_equal(dp_get_u16(ip4 + 20), cport);
	assert_int_equal(dp_get_u16(ip4 + 22), rst_dport);
	assert_true(ip4[33] & DP_TCP_RST);
	assert_csums(ip4);
	tx_clear(lc);
	free(f->snap->rs_reset);
	f->snap->rs_reset = NULL;
	f->snap->n_rs_reset = 0;
}

static void test_on_down_reset(void **state)
{
	struct fix *f = *state;
	uint16_t p = port_owned_by(0, 44000);

	reset_case(f, "10.0.0.10", p, 11, "10.9.0.7", "10.0.0.10", 80, false);      /* dr */
	reset_case(f, "10.0.0.11", p, 2, "10.9.0.7", "10.0.0.11", 80, true);        /* tunnel */
	reset_case(f, "10.0.0.12", p, 13, "10.9.0.7", "10.1.0.13", 8080, false);    /* nat */
}

/* No usable server: new flows go to the sorry server, the mode's way. */
static void test_dr_sorry(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *lc = f->dp->lc[0];
	const uint8_t *fr;

	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 45000, "10.0.0.10", 82, DP_TCP_SYN,
			 0, true), WAN, false);
	assert_int_equal(queued(lc, LAN), 1);
	fr = sent(lc, LAN, 0);
	assert_l2(fr, LAN, 12);
	assert_addrs(fr + DP_ETH_HLEN, "10.9.0.7", "10.0.0.10");
	assert_int_equal(dp_get_u16(fr + DP_ETH_HLEN + 22), 82);
	tx_clear(lc);
}

/* FULLNAT beside them: unchanged (LIP source, reply to the LIP). */
static void test_fullnat_beside(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *lc = f->dp->lc[0];
	const uint8_t *ip4;

	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", 43000, "10.0.0.10", 81, DP_TCP_SYN,
			 0, true), WAN, false);
	assert_int_equal(queued(lc, LAN), 1);
	ip4 = sent(lc, LAN, 0) + DP_ETH_HLEN;
	assert_addrs(ip4, "10.1.0.100", "10.1.0.11");
	assert_csums(ip4);
	tx_clear(lc);
}

/* A client's SYN to the FULLNAT service; the LIP:lport it got (network
 * order), 0 when it was refused. */
static uint16_t fullnat_syn(struct fix *f, struct dp_lcore *lc, uint16_t cport)
{
	uint16_t lport;

	dp_input(lc, pkt(f, WAN, DP_IPPROTO_TCP, "10.9.0.7", cport, "10.0.0.10", 81, DP_TCP_SYN,
			 0, true), WAN, false);
	if (!queued(lc, LAN))
		return 0;
	memcpy(&lport, sent(lc, LAN, 0) + DP_ETH_HLEN + 20, 2);
	tx_clear(lc);
	return lport;
}

/* FULLNAT's local ports (dp/laddr.h) through sess_new: a tuple a session
 * holds is passed over, a closed connection's tuple rests for the guard,
 * and when none is left the SYN is refused and counted, never stalled. */
static void test_fullnat_lports(void **state)
{
	struct fix *f = *state;
	struct dp_lcore *lc = f->dp->lc[0];
	struct dp_laddr_map m = f->snap->laddr;
	uint16_t a, b, c;
	struct dp_sess *s;
	unsigned dir;

	/* lcore 0 of 2 owns 40000 and 40002 of 40000..40003 */
	m.lport_min = 40000;
	m.lport_max = 40003;
	m.guard_ms = 60000;
	dp_laddr_sync(&lc->laddr, &m);
	lc->now_ms = 1000;
	a = fullnat_syn(f, lc, 43000);
	b = fullnat_syn(f, lc, 43001);
	assert_true(a && b && a != b);
	assert_true(ntohs(a) == 40000 || ntohs(a) == 40002);
	assert_true(ntohs(b) == 40000 || ntohs(b) == 40002);
	/* both tuples to this server are held: refused, counted */
	assert_int_equal(fullnat_syn(f, lc, 43002), 0);
	assert_int_equal(lc->stats.drops[DP_DROP_LPORT_EXHAUSTED], 1);
	assert_true(lc->stats.lport_busy_skips >= 2);

	/* the first connection ends after it was established: its tuple is
	 * guarded, the SYN still refused */
	s = find(lc, DP_IPPROTO_TCP, "10.9.0.7", 43000, "10.0.0.10", 81, &dir);
	assert_non_null(s);
	s->state = DP_TCP_TIME_WAIT;
	dp_sess_kill(lc, s);
	lc->now_ms += 59000;
	assert_int_equal(fullnat_syn(f, lc, 43003), 0);
	assert_int_equal(lc->stats.drops[DP_DROP_LPORT_EXHAUSTED], 2);
	assert_true(lc->stats.lport_guard_skips >= 1);
	/* after the guard it is free again */
	lc->now_ms += 1001;
	c = fullnat_syn(f, lc, 43004);
	assert_int_equal(c, a);

	/* one that never got past SYN leaves nothing to guard */
	s = find(lc, DP_IPPROTO_TCP, "10.9.0.7", 43001, "10.0.0.10", 81, &dir);
	assert_non_null(s);
	dp_sess_kill(lc, s);
	assert_int_equal(fullnat_syn(f, lc, 43005), b);
	assert_int_equal(lc->stats.lport_guard_cut, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nat_two_lcores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nat_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_down_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dr_sorry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fullnat_beside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fullnat_lports, setup, teardown),
	};
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
