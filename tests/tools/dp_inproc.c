/* dp_inproc — the data plane on two lcores, driven packet by packet.
 *
 * The veth testbed cannot show some things: af_xdp has one queue on veth,
 * af_packet reassembles fragments before mgw sees them, and which lcore a
 * packet lands on is the kernel's choice. Here the data plane runs as in
 * mgw (dp_create, a snapshot built by cp_snap_build, dp_start) on memif
 * ports with two queue pairs, whose other ends the tool holds in the same
 * process: it sends crafted frames into the queue of the lcore it wants
 * and reads what each lcore transmits, queue by queue. It
 * checks, with full checksum recomputes:
 *   - fragments client → VIP, later ones first: held, then sent after the
 *     first, all to one server
 *   - a server's fragmented reply reaching the lcore that does not own its
 *     LIP:lport, later ones first: handed over with the first, whole
 *   - an ICMP error at the VIP on the wrong lcore (goes round), one at a
 *     LIP on the wrong lcore (handed to the owner), both translated
 *   - echo of the VIP from any lcore; unmatched errors counted
 *   - a SYN to a service without usable server: RST; UDP: port unreachable;
 *     a sorry server takes the flow when there is one
 *   - on_down: reset: the next packet of a session whose server went down
 *     makes a RST to each end with the sequence numbers they expect; a
 *     service that keeps (the default) forwards on
 *   - reply steering falls back to software on a PMD without rte_flow
 *     (memif)
 * Exit status 0 when every check passed. Needs root (EAL, --no-huge). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "cp/config.h"
#include "cp/ids.h"
#include "cp/snap.h"
#include "dp/csum.h"
#include "dp/dp.h"
#include "dp/flow.h"
#include "dp/pkt.h"

#define NQ 2
#define C_IP   0x0a000001u
#define R_IP   0x0a0000feu    /* a router on the client's side */
#define VIP    0x0a00000au
#define B1     0x0a01000bu
#define B2     0x0a01000cu
#define MAXF   16

static int failures;

#define CHECK(cond, ...)                                 \
	do {                                             \
		int ok_ = (cond);                        \
		printf("%s - ", ok_ ? "ok  " : "FAIL");  \
		printf(__VA_ARGS__);                     \
		printf("\n");                            \
		if (!ok_)                                \
			failures++;                      \
	} while (0)

struct frame {
	uint8_t b[2048];
	uint32_t len;
	unsigned q;        /* tx queue = lcore that sent it */
};

struct env {
	struct dp *dp;
	uint16_t peer[2];          /* the tool's ends of wan and lan */
	struct rte_ether_addr mac[2];
	struct rte_mempool *pool;
	struct cp_config *cfg;
	struct cp_ids *svc_ids, *rs_ids;
	uint8_t rs_down[64];
	struct dp_snap *snap;
	struct dp_routes *routes;
	uint64_t gen;
};

static const char *config_json =
	"{ \"node\": { \"id\": 1 }, \"api\": { \"listen\": \"127.0.0.1:8080\" },"
	"  \"dpdk\": { \"lcores\": \"0@0,1@0,2@0\" },"
	"  \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" },"
	"               { \"name\": \"lan\", \"dev\": \"y\", \"ip\": \"10.1.0.2/24\" } ],"
	"  \"localips\": [ \"10.1.0.100\", \"10.1.0.101\" ],"
	"  \"limits\": { \"sessions_per_lcore\": 4096, \"servers\": 64, \"services\": 16 },"
	"  \"services\": ["
	"   { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 5353 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"on_down\": \"reset\","
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 82,"
	"     \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 8080, \"weight\": 0 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 54,"
	"     \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 5353, \"weight\": 0 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 83,"
	"     \"sorry_server\": { \"ip\": \"10.1.0.11\", \"port\": 9999 },"
	"     \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 8080, \"weight\": 0 } ] } ] }";

/* ---- checksums and frame building ------------------------------------ */

static int csum_ok(const uint8_t *b, uint32_t len)
{
	return dp_csum_fold(dp_csum_partial(b, len, 0)) == 0xffff;
}

static int l4_ok(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint8_t ph[12];

	if (proto == DP_IPPROTO_UDP && dp_get_u16(l4 + 6) == 0)
		return 1;
	dp_put_u32(ph, src);
	dp_put_u32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, (uint16_t)len);
	return dp_csum_fold(dp_csum_partial(l4, len, dp_csum_partial(ph, 12, 0))) == 0xffff;
}

static void l4_fill_csum(uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4, uint32_t len)
{
	uint32_t off = proto == DP_IPPROTO_TCP ? 16 : proto == DP_IPPROTO_UDP ? 6 : 2;
	uint8_t ph[12];
	uint16_t c;

	l4[off] = l4[off + 1] = 0;
	dp_put_u32(ph, src);
	dp_put_u32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, (uint16_t)len);
	if (proto == DP_IPPROTO_ICMP)
		c = dp_csum(l4, len);
	else
		c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, len, dp_csum_partial(ph, 12, 0)));
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(l4 + off, &c, 2);
}

/* Ethernet + IPv4 header around l3 payload pl (len bytes): a frame for
 * port `port`. frag: the IPv4 flags/offset field. */
static uint32_t frame_ip(struct env *e, uint8_t *f, int port, uint8_t proto, uint32_t src,
			 uint32_t dst, uint16_t id, uint16_t frag, const uint8_t *pl, uint32_t len)
{
	uint8_t *ip = f + DP_ETH_HLEN;
	uint16_t c;

	memcpy(f, e->mac[port].addr_bytes, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x99", 6);
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)(20 + len));
	dp_put_u16(ip + 4, id);
	dp_put_u16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	dp_put_u32(ip + 12, src);
	dp_put_u32(ip + 16, dst);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	memcpy(ip + 20, pl, len);
	return DP_ETH_HLEN + 20 + len;
}

static uint32_t udp_seg(uint8_t *l4, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			uint32_t n, uint8_t seed)
{
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	dp_put_u16(l4 + 4, (uint16_t)(8 + n));
	for (uint32_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(i * 13 + seed);
	l4_fill_csum(src, dst, DP_IPPROTO_UDP, l4, 8 + n);
	return 8 + n;
}

static uint32_t tcp_seg(uint8_t *l4, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			uint32_t seq, uint32_t ack, uint8_t flags, uint32_t n)
{
	memset(l4, 0, 20);
	dp_put_u16(l4, sport);
	dp_put_u16(l4 + 2, dport);
	dp_put_u32(l4 + 4, seq);
	dp_put_u32(l4 + 8, ack);
	l4[12] = 5 << 4;
	l4[13] = flags;
	dp_put_u16(l4 + 14, 65535);
	for (uint32_t i = 0; i < n; i++)
		l4[20 + i] = (uint8_t)i;
	l4_fill_csum(src, dst, DP_IPPROTO_TCP, l4, 20 + n);
	return 20 + n;
}

/* ---- the wires -------------------------------------------------------- */

static void inject(struct env *e, int port, unsigned q, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);

	if (!m) {
		CHECK(0, "mbuf for injection");
		return;
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	if (rte_eth_tx_burst(e->peer[port], (uint16_t)q, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		CHECK(0, "injection queue full");
	}
}

/* Up to max frames the lcores sent on port, waiting until `want` came or
 * ms passed. out[].q: the queue, i.e. the lcore that sent it. */
static unsigned collect(struct env *e, int port, struct frame *out, unsigned want, unsigned max,
			unsigned ms)
{
	unsigned n = 0;

	for (unsigned t = 0; t <= ms && n < want; t += 5) {
		for (unsigned q = 0; q < NQ && n < max; q++) {
			struct rte_mbuf *m[MAXF];
			uint16_t k = rte_eth_rx_burst(e->peer[port], (uint16_t)q, m,
						      (uint16_t)(max - n));

			for (uint16_t i = 0; i < k; i++) {
				out[n].len = rte_pktmbuf_data_len(m[i]);
				if (out[n].len > sizeof(out[n].b))
					out[n].len = sizeof(out[n].b);
				memcpy(out[n].b, rte_pktmbuf_mtod(m[i], void *), out[n].len);
				out[n].q = q;
				rte_pktmbuf_free(m[i]);
				n++;
			}
		}
		if (n < want)
			usleep(5000);
	}
	return n;
}

static void drain(struct env *e)
{
	struct frame f[MAXF];

	for (int p = 0; p < 2; p++)
		while (collect(e, p, f, 1, MAXF, 0))
			;
}

static struct dp_lcore_stats lstat(struct env *e, unsigned i)
{
	struct dp_lcore_stats s;

	dp_lcore_stats(e->dp, i, &s);
	return s;
}

static uint8_t *ipof(struct frame *f)
{
	return f->b + DP_ETH_HLEN;
}

/* ---- set-up --------------------------------------------------------------- */

static int publish(struct env *e)
{
	struct cp_snap_in in;
	struct dp_snap *s, *old;
	struct cp_err err;
	int rc;

	memset(&in, 0, sizeof(in));
	in.cfg = e->cfg;
	in.prev = e->snap;
	in.svc_ids = e->svc_ids;
	in.rs_ids = e->rs_ids;
	in.rs_down = e->rs_down;
	in.gen = ++e->gen;
	in.n_lcores = NQ;
	in.routes = e->routes;
	rc = cp_snap_build(&in, &s, &err);
	cp_snap_in_done(&in);
	if (rc < 0) {
		fprintf(stderr, "snapshot: %s: %s\n", err.field, err.msg);
		return rc;
	}
	s->laddr.mode = (uint8_t)dp_laddr_mode(e->dp, &s->laddr);
	old = dp_publish(e->dp, s);
	dp_synchronize(e->dp);
	cp_snap_free(old);
	e->snap = s;
	return 0;
}

static uint32_t rs_id(struct env *e, uint16_t vport, uint8_t proto)
{
	for (uint32_t i = 0; i < e->snap->n_svc; i++)
		if (ntohs(e->snap->svc[i].port) == vport && e->snap->svc[i].proto == proto)
			return e->snap->svc[i].servers[0].id;
	return UINT32_MAX;
}

static int peer_start(struct env *e, int p, const char *name)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	uint16_t id;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_get_port_by_name(name, &id);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_configure(id, NQ, NQ, &conf);
	for (uint16_t q = 0; rc == 0 && q < NQ; q++) {
		rc = rte_eth_rx_queue_setup(id, q, 1024, 0, NULL, e->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(id, q, 1024, 0, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(id);
	if (rc < 0)
		return rc;
	e->peer[p] = id;
	for (int i = 0; i < 500; i++) {
		if (rte_eth_link_get_nowait(id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "%s: no link\n", name);
	return -ETIMEDOUT;
}

static int setup(struct env *e)
{
	struct dp_route_spec *specs;
	struct dp_conf conf;
	struct cp_err err;
	json_error_t jerr;
	json_t *j;
	unsigned n;
	uint64_t h;
	int rc;

	e->pool = rte_pktmbuf_pool_create("inj", 8192, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!e->pool)
		return -1;
	memset(&conf, 0, sizeof(conf));
	conf.n_ports = 2;
	for (int p = 0; p < 2; p++) {
		snprintf(conf.port[p].name, sizeof(conf.port[p].name), "%s", p ? "lan" : "wan");
		snprintf(conf.port[p].devname, sizeof(conf.port[p].devname), "net_memif%d", p);
		snprintf(conf.port[p].tapname, sizeof(conf.port[p].tapname), "net_null%d", p);
	}
	conf.sessions_per_lcore = 4096;
	conf.max_services = 16;
	conf.max_servers = 64;
	conf.idle_sleep_us = 100;
	conf.neigh_hold_ms = 1000;
	rc = dp_create(&conf, &e->dp);
	if (rc < 0) {
		fprintf(stderr, "dp_create: %s\n", strerror(-rc));
		return rc;
	}
	for (int p = 0; p < 2; p++) {
		struct dp_port_info pi;
		char name[16];

		snprintf(name, sizeof(name), "net_memif%d", p + 2);
		rc = peer_start(e, p, name);
		if (rc < 0)
			return rc;
		dp_port_info(e->dp, (unsigned)p, &pi);
		memcpy(e->mac[p].addr_bytes, pi.mac, 6);
	}
	j = json_loads(config_json, 0, &jerr);
	if (!j || cp_config_from_json(j, &e->cfg, &err) < 0) {
		fprintf(stderr, "config: %s %s %s\n", jerr.text, err.field, err.msg);
		return -1;
	}
	json_decref(j);
	for (unsigned i = 0; i < e->cfg->n_services; i++)
		cp_service_sort_servers(&e->cfg->services[i]);
	if (cp_ids_create(16, &e->svc_ids) < 0 || cp_ids_create(64, &e->rs_ids) < 0)
		return -1;
	specs = cp_snap_routes(e->cfg, &n, &h);
	rc = dp_routes_build("inproc_rt", specs, n, &e->routes);
	free(specs);
	if (rc < 0)
		return rc;
	rc = publish(e);
	if (rc < 0)
		return rc;
	/* Next hops known: nothing waits for ARP. */
	dp_neigh_learn(dp_neigh_table(e->dp), htonl(C_IP), (const uint8_t *)"\x02\0\0\0\0\x01", 0,
		       0, 1ull << 40);
	dp_neigh_learn(dp_neigh_table(e->dp), htonl(R_IP), (const uint8_t *)"\x02\0\0\0\0\x02", 0,
		       0, 1ull << 40);
	dp_neigh_learn(dp_neigh_table(e->dp), htonl(B1), (const uint8_t *)"\x02\0\0\0\0\x0b", 1,
		       0, 1ull << 40);
	dp_neigh_learn(dp_neigh_table(e->dp), htonl(B2), (const uint8_t *)"\x02\0\0\0\0\x0c", 1,
		       0, 1ull << 40);
	return dp_start(e->dp);
}

/* ---- fragments ------------------------------------------------------------ */

/* Cut an L4 datagram into fragments of at most 1480 bytes; frames in
 * frames[], in wire order. */
static unsigned fragments(struct env *e, int port, uint8_t proto, uint32_t src, uint32_t dst,
			  uint16_t id, const uint8_t *l4, uint32_t len, struct frame *fr)
{
	unsigned n = 0;

	for (uint32_t off = 0; off < len; off += 1480, n++) {
		uint32_t k = len - off > 1480 ? 1480 : len - off;
		uint16_t field = (uint16_t)((off / 8) | (off + k < len ? 0x2000 : 0));

		fr[n].len = frame_ip(e, fr[n].b, port, proto, src, dst, id, field, l4 + off, k);
	}
	return n;
}

/* Put the fragments sent back together: 0 and the L4 datagram in out, or
 * -1 when they do not make one. */
static int reassemble(struct frame *f, unsigned n, uint8_t *out, uint32_t *len, uint32_t *src,
		      uint32_t *dst, uint16_t *id)
{
	uint32_t total = 0, got = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *ip = ipof(&f[i]);
		uint16_t fo = dp_get_u16(ip + 6);
		uint32_t off = (uint32_t)(fo & 0x1fff) * 8, k = dp_get_u16(ip + 2) - 20u;

		if (!csum_ok(ip, 20))
			return -1;
		if (i == 0) {
			*src = dp_get_u32(ip + 12);
			*dst = dp_get_u32(ip + 16);
			*id = dp_get_u16(ip + 4);
		} else if (dp_get_u32(ip + 12) != *src || dp_get_u32(ip + 16) != *dst ||
			   dp_get_u16(ip + 4) != *id) {
			return -1;
		}
		memcpy(out + off, ip + 20, k);
		got += k;
		if (!(fo & 0x2000))
			total = off + k;
	}
	*len = total;
	return total && got == total ? 0 : -1;
}

static uint16_t lport, lcore_of_session;
static uint32_t lip;

static void test_fragments(struct env *e)
{
	struct frame in[MAXF], out[MAXF];
	uint8_t l4[4000], re[8000];
	struct dp_lcore_stats a0 = lstat(e, 0), a1, b1;
	uint32_t len, src, dst, rlen;
	uint16_t id;
	unsigned n, got;

	/* client → VIP, 3000 bytes, later fragments first, all on lcore 0 */
	len = udp_seg(l4, C_IP, VIP, 40000, 53, 3000, 1);
	n = fragments(e, 0, DP_IPPROTO_UDP, C_IP, VIP, 0x1111, l4, len, in);
	inject(e, 0, 0, in[1].b, in[1].len);
	inject(e, 0, 0, in[2].b, in[2].len);
	usleep(20000);
	inject(e, 0, 0, in[0].b, in[0].len);
	got = collect(e, 1, out, n, MAXF, 2000);
	CHECK(got == n, "client fragments, last ones first: %u of %u forwarded", got, n);
	if (got != n)
		return;
	CHECK(reassemble(out, got, re, &rlen, &src, &dst, &id) == 0 && rlen == len,
	      "they make one datagram again (%u bytes)", rlen);
	CHECK(dst == B1 && id == 0x1111, "all to the same server, IP id kept");
	CHECK(l4_ok(src, dst, DP_IPPROTO_UDP, re, rlen), "its UDP checksum is right after FULLNAT");
	CHECK(memcmp(re + 8, l4 + 8, 3000) == 0 && dp_get_u16(re + 2) == 5353,
	      "payload intact, to port 5353");
	lip = src;
	lport = dp_get_u16(re);
	lcore_of_session = (uint16_t)out[0].q;
	a1 = lstat(e, 0);
	CHECK(a1.frag_held - a0.frag_held == 2 && a1.frag_tracked - a0.frag_tracked == 1,
	      "lcore 0 held 2 later fragments and recorded the first");
	CHECK(lcore_of_session == 0 && lport % NQ == 0, "session on lcore 0, lport %u owned by it",
	      lport);

	/* server → LIP:lport, 3000 bytes, on lcore 1 (not the owner), order 3 1 2 */
	a1 = lstat(e, 1);
	len = udp_seg(l4, B1, lip, 5353, lport, 3000, 2);
	n = fragments(e, 1, DP_IPPROTO_UDP, B1, lip, 0x2222, l4, len, in);
	inject(e, 1, 1, in[2].b, in[2].len);
	usleep(20000);
	inject(e, 1, 1, in[0].b, in[0].len);
	inject(e, 1, 1, in[1].b, in[1].len);
	got = collect(e, 0, out, n, MAXF, 2000);
	CHECK(got == n, "reply fragments on the wrong lcore: %u of %u reach the client", got, n);
	if (got != n)
		return;
	CHECK(reassemble(out, got, re, &rlen, &src, &dst, &id) == 0 && rlen == len,
	      "they make one datagram again");
	CHECK(src == VIP && dst == C_IP && dp_get_u16(re) == 53 && dp_get_u16(re + 2) == 40000,
	      "from VIP:53 to the client's port");
	CHECK(l4_ok(src, dst, DP_IPPROTO_UDP, re, rlen) && memcmp(re + 8, l4 + 8, 3000) == 0,
	      "checksum right, payload intact");
	b1 = lstat(e, 1);
	CHECK(out[0].q == 0 && out[1].q == 0 && out[2].q == 0, "all sent by the owning lcore");
	CHECK(b1.redirect_out - a1.redirect_out == 3, "lcore 1 handed all 3 over (%lu)",
	      (unsigned long)(b1.redirect_out - a1.redirect_out));
	CHECK(b1.frag_held - a1.frag_held == 1, "the one before its first waited on lcore 1");
}

/* ---- ICMP ----------------------------------------------------------------- */

static uint32_t icmp_error(struct env *e, uint8_t *f, int port, uint32_t src, uint32_t dst,
			   uint8_t type, uint8_t code, uint32_t word, const uint8_t *quote,
			   uint32_t qlen)
{
	uint8_t msg[1600];

	memset(msg, 0, 8);
	msg[0] = type;
	msg[1] = code;
	dp_put_u32(msg + 4, word);
	memcpy(msg + 8, quote, qlen);
	l4_fill_csum(0, 0, DP_IPPROTO_ICMP, msg, 8 + qlen);
	return frame_ip(e, f, port, DP_IPPROTO_ICMP, src, dst, 7, 0, msg, 8 + qlen);
}

static void test_icmp(struct env *e)
{
	struct frame f, out[MAXF];
	uint8_t l4[400], q[600];
	struct dp_lcore_stats a1 = lstat(e, 1), b1;
	uint32_t n, ql;
	unsigned got;

	/* a router near the client: time exceeded about our reply
	 * VIP:53 → client:40000, arriving at lcore 1 (the session is on 0) */
	n = udp_seg(l4, VIP, C_IP, 53, 40000, 100, 3);
	ql = frame_ip(e, q, 0, DP_IPPROTO_UDP, VIP, C_IP, 9, 0, l4, n) - DP_ETH_HLEN;
	f.len = icmp_error(e, f.b, 0, R_IP, VIP, 11, 0, 0, q + DP_ETH_HLEN, ql);
	inject(e, 0, 1, f.b, f.len);
	got = collect(e, 1, out, 1, MAXF, 2000);
	CHECK(got == 1, "client-side error on the wrong lcore reaches the server");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *icmp = ip + 20, *qi = icmp + 8;

		CHECK(dp_get_u32(ip + 12) == lip && dp_get_u32(ip + 16) == B1 && icmp[0] == 11,
		      "from the LIP to the server, still time exceeded");
		CHECK(csum_ok(ip, 20) && csum_ok(icmp, dp_get_u16(ip + 2) - 20u) &&
		      csum_ok(qi, 20), "outer, ICMP and quoted header checksums right");
		CHECK(dp_get_u32(qi + 12) == B1 && dp_get_u32(qi + 16) == lip &&
		      dp_get_u16(qi + 20) == 5353 && dp_get_u16(qi + 22) == lport,
		      "quotes server:5353 → LIP:lport");
		CHECK(l4_ok(B1, lip, DP_IPPROTO_UDP, qi + 20, n), "quoted UDP checksum right");
		CHECK(out[0].q == 0, "translated by lcore 0, which has the session");
	}
	b1 = lstat(e, 1);
	CHECK(b1.redirect_out - a1.redirect_out == 1, "lcore 1 passed it on once");

	/* the server: fragmentation needed (MTU 1200) about LIP:lport →
	 * server:5353, arriving at lcore 1 (the owner is 0) */
	a1 = b1;
	n = udp_seg(l4, lip, B1, lport, 5353, 300, 4);
	ql = frame_ip(e, q, 1, DP_IPPROTO_UDP, lip, B1, 10, 0x4000, l4, n) - DP_ETH_HLEN;
	f.len = icmp_error(e, f.b, 1, B1, lip, 3, 4, 1200, q + DP_ETH_HLEN, ql);
	inject(e, 1, 1, f.b, f.len);
	got = collect(e, 0, out, 1, MAXF, 2000);
	CHECK(got == 1, "server's frag-needed on the wrong lcore reaches the client");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *icmp = ip + 20, *qi = icmp + 8;

		CHECK(dp_get_u32(ip + 12) == VIP && dp_get_u32(ip + 16) == C_IP &&
		      icmp[0] == 3 && icmp[1] == 4 && dp_get_u16(icmp + 6) == 1200,
		      "from the VIP to the client, frag-needed, MTU 1200 kept");
		CHECK(csum_ok(ip, 20) && csum_ok(icmp, dp_get_u16(ip + 2) - 20u) &&
		      csum_ok(qi, 20) && l4_ok(C_IP, VIP, DP_IPPROTO_UDP, qi + 20, n),
		      "every checksum right");
		CHECK(dp_get_u32(qi + 12) == C_IP && dp_get_u32(qi + 16) == VIP &&
		      dp_get_u16(qi + 20) == 40000 && dp_get_u16(qi + 22) == 53,
		      "quotes client:40000 → VIP:53");
	}
	b1 = lstat(e, 1);
	CHECK(b1.redirect_out - a1.redirect_out == 1, "lcore 1 handed it to the owner");

	/* no such session: goes round both lcores, then counted */
	{
		uint64_t u0 = lstat(e, 0).drops[DP_DROP_ICMP] + lstat(e, 1).drops[DP_DROP_ICMP];

		n = udp_seg(l4, VIP, C_IP, 53, 1, 10, 5);
		ql = frame_ip(e, q, 0, DP_IPPROTO_UDP, VIP, C_IP, 9, 0, l4, n) - DP_ETH_HLEN;
		f.len = icmp_error(e, f.b, 0, R_IP, VIP, 3, 3, 0, q + DP_ETH_HLEN, ql);
		inject(e, 0, 0, f.b, f.len);
		got = collect(e, 1, out, 1, MAXF, 300);
		CHECK(got == 0 && lstat(e, 0).drops[DP_DROP_ICMP] + lstat(e, 1).drops[DP_DROP_ICMP] ==
				  u0 + 1, "an error about no session: dropped once, counted");
	}

	/* echo of the VIP, on lcore 1 */
	{
		uint8_t msg[64] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };

		l4_fill_csum(0, 0, DP_IPPROTO_ICMP, msg, sizeof(msg));
		f.len = frame_ip(e, f.b, 0, DP_IPPROTO_ICMP, C_IP, VIP, 11, 0, msg, sizeof(msg));
		inject(e, 0, 1, f.b, f.len);
		got = collect(e, 0, out, 1, MAXF, 2000);
		CHECK(got == 1 && ipof(&out[0])[20] == 0 && dp_get_u32(ipof(&out[0]) + 12) == VIP &&
		      dp_get_u32(ipof(&out[0]) + 16) == C_IP && csum_ok(ipof(&out[0]) + 20, 64),
		      "echo of the VIP answered");
	}
}

/* ---- refused flows, sorry server ----------------------------------------- */

static void test_refuse(struct env *e)
{
	struct frame f, out[MAXF];
	uint8_t l4[200];
	unsigned got;
	uint32_t n;

	n = tcp_seg(l4, C_IP, VIP, 40010, 82, 7777, 0, DP_TCP_SYN, 0);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 1, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	got = collect(e, 0, out, 1, MAXF, 2000);
	CHECK(got == 1, "SYN to a service without usable server is answered");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *t = ip + 20;

		CHECK(dp_get_u32(ip + 12) == VIP && dp_get_u32(ip + 16) == C_IP &&
		      dp_get_u16(t) == 82 && dp_get_u16(t + 2) == 40010,
		      "from VIP:82 to the client's port");
		CHECK(t[13] == (DP_TCP_RST | DP_TCP_ACK) && dp_get_u32(t + 4) == 0 &&
		      dp_get_u32(t + 8) == 7778, "RST|ACK acking the SYN (seq 0, ack ISN+1)");
		CHECK(csum_ok(ip, 20) && l4_ok(VIP, C_IP, DP_IPPROTO_TCP, t, 20), "checksums right");
	}
	CHECK(collect(e, 1, out, 1, MAXF, 100) == 0, "nothing to the servers");

	n = udp_seg(l4, C_IP, VIP, 40011, 54, 50, 6);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_UDP, C_IP, VIP, 2, 0, l4, n);
	inject(e, 0, 0, f.b, f.len);
	got = collect(e, 0, out, 1, MAXF, 2000);
	CHECK(got == 1, "UDP to a service without usable server is answered");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *icmp = ip + 20;

		CHECK(icmp[0] == 3 && icmp[1] == 3 && dp_get_u32(ip + 12) == VIP &&
		      dp_get_u32(ip + 16) == C_IP, "ICMP port unreachable from the VIP");
		CHECK(csum_ok(icmp, dp_get_u16(ip + 2) - 20u) &&
		      memcmp(icmp + 8, f.b + DP_ETH_HLEN, 20 + n) == 0,
		      "quoting the datagram, checksum right");
	}

	n = tcp_seg(l4, C_IP, VIP, 40012, 83, 100, 0, DP_TCP_SYN, 0);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 3, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	got = collect(e, 1, out, 1, MAXF, 2000);
	CHECK(got == 1 && dp_get_u32(ipof(&out[0]) + 16) == B1 &&
	      dp_get_u16(ipof(&out[0]) + 22) == 9999, "a sorry server takes the SYN instead");
}

/* ---- on_down: reset --------------------------------------------------------- */

struct conn {
	uint16_t cport, vport, lport;
	uint32_t lip;
};

/* Handshake client:cport → VIP:vport → b1:8080. */
static int handshake(struct env *e, struct conn *c)
{
	struct frame f, out[MAXF];
	uint8_t l4[100];
	uint32_t n;

	n = tcp_seg(l4, C_IP, VIP, c->cport, c->vport, 1000, 0, DP_TCP_SYN, 0);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 1, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	if (collect(e, 1, out, 1, MAXF, 2000) != 1)
		return -1;
	c->lip = dp_get_u32(ipof(&out[0]) + 12);
	c->lport = dp_get_u16(ipof(&out[0]) + 20);
	n = tcp_seg(l4, B1, c->lip, 8080, c->lport, 5000, 1001, DP_TCP_SYN | DP_TCP_ACK, 0);
	f.len = frame_ip(e, f.b, 1, DP_IPPROTO_TCP, B1, c->lip, 2, 0x4000, l4, n);
	inject(e, 1, c->lport % NQ, f.b, f.len);
	if (collect(e, 0, out, 1, MAXF, 2000) != 1)
		return -1;
	n = tcp_seg(l4, C_IP, VIP, c->cport, c->vport, 1001, 5001, DP_TCP_ACK, 0);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 3, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	return collect(e, 1, out, 1, MAXF, 2000) == 1 ? 0 : -1;
}

static void test_on_down(struct env *e)
{
	struct conn r = { .cport = 41000, .vport = 80 }, k = { .cport = 41001, .vport = 81 };
	struct frame f, out[MAXF];
	uint8_t l4[100];
	uint32_t n, id_r = rs_id(e, 80, DP_IPPROTO_TCP), id_k = rs_id(e, 81, DP_IPPROTO_TCP);
	uint64_t reset0 = lstat(e, 0).sess_reset;
	unsigned got;

	CHECK(handshake(e, &r) == 0 && handshake(e, &k) == 0,
	      "two connections to the same server, in a reset and a keep service");
	CHECK(id_r < 64 && id_k < 64 && id_r != id_k, "each service has its own server id");
	if (id_r >= 64 || id_k >= 64)
		return;
	e->rs_down[id_r] = e->rs_down[id_k] = 1;
	CHECK(publish(e) == 0 && dp_snap_rs_reset(e->snap, id_r) && !dp_snap_rs_reset(e->snap, id_k),
	      "server down: reset in one service, kept in the other");

	n = tcp_seg(l4, C_IP, VIP, r.cport, 80, 1001, 5001, DP_TCP_ACK | DP_TCP_PSH, 10);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 4, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	got = collect(e, 0, out, 1, MAXF, 2000);
	CHECK(got == 1, "on_down reset: the client gets a RST");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *t = ip + 20;

		CHECK(dp_get_u32(ip + 12) == VIP && dp_get_u16(t) == 80 &&
		      dp_get_u16(t + 2) == r.cport && t[13] == DP_TCP_RST &&
		      dp_get_u32(t + 4) == 5001 && l4_ok(VIP, C_IP, DP_IPPROTO_TCP, t, 20),
		      "from VIP:80, seq = the client's ACK (what it expects), checksum right");
	}
	got = collect(e, 1, out, 1, MAXF, 2000);
	CHECK(got == 1, "and the server gets one too");
	if (got == 1) {
		uint8_t *ip = ipof(&out[0]), *t = ip + 20;

		CHECK(dp_get_u32(ip + 12) == r.lip && dp_get_u32(ip + 16) == B1 &&
		      dp_get_u16(t) == r.lport && dp_get_u16(t + 2) == 8080 &&
		      t[13] == (DP_TCP_RST | DP_TCP_ACK) && dp_get_u32(t + 4) == 1001 &&
		      l4_ok(r.lip, B1, DP_IPPROTO_TCP, t, 20),
		      "from LIP:lport, seq = the client's seq (what the server expects)");
	}
	CHECK(lstat(e, 0).sess_reset == reset0 + 1 &&
	      lstat(e, 0).drops[DP_DROP_SERVER_DOWN] >= 1, "counted");
	inject(e, 0, 0, f.b, f.len);
	CHECK(collect(e, 0, out, 1, MAXF, 200) == 0 && collect(e, 1, out, 1, MAXF, 0) == 0,
	      "the session is gone: its next packet goes nowhere");

	n = tcp_seg(l4, C_IP, VIP, k.cport, 81, 1001, 5001, DP_TCP_ACK | DP_TCP_PSH, 10);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 5, 0x4000, l4, n);
	inject(e, 0, 0, f.b, f.len);
	got = collect(e, 1, out, 1, MAXF, 2000);
	CHECK(got == 1 && dp_get_u32(ipof(&out[0]) + 16) == B1 && !(ipof(&out[0])[33] & DP_TCP_RST),
	      "on_down keep: the other connection is forwarded as before");
	e->rs_down[id_r] = e->rs_down[id_k] = 0;
	publish(e);
}

/* A client packet on the queue of an lcore without its session (af_packet's
 * fanout rolls a busy queue's flows over; an RSS table may change): handed
 * to the next lcore, which has it; a packet no lcore knows goes round once. */
static void test_miss(struct env *e)
{
	struct conn c = { .cport = 42000, .vport = 80 };
	struct frame f, out[MAXF];
	uint8_t l4[100];
	uint32_t n;
	struct dp_lcore_stats a0, a1, b0, b1;
	unsigned got;

	CHECK(handshake(e, &c) == 0, "a connection made on lcore 0");
	a0 = lstat(e, 0);
	a1 = lstat(e, 1);
	n = tcp_seg(l4, C_IP, VIP, c.cport, 80, 1001, 5001, DP_TCP_ACK | DP_TCP_PSH, 10);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 6, 0x4000, l4, n);
	inject(e, 0, 1, f.b, f.len);
	got = collect(e, 1, out, 1, MAXF, 2000);
	CHECK(got == 1 && dp_get_u32(ipof(&out[0]) + 16) == B1 &&
	      dp_get_u16(ipof(&out[0]) + 20) == c.lport && out[0].q == 0,
	      "its data arriving on lcore 1 reaches the server, from lcore 0, same LIP:lport");
	b0 = lstat(e, 0);
	b1 = lstat(e, 1);
	CHECK(b1.miss_passed - a1.miss_passed == 1 && b0.miss_passed == a0.miss_passed,
	      "lcore 1 passed the miss on once");
	CHECK(b0.drops[DP_DROP_NO_SESSION] == a0.drops[DP_DROP_NO_SESSION] &&
	      b1.drops[DP_DROP_NO_SESSION] == a1.drops[DP_DROP_NO_SESSION], "nothing dropped");

	n = tcp_seg(l4, C_IP, VIP, 42999, 80, 1, 1, DP_TCP_ACK, 0);
	f.len = frame_ip(e, f.b, 0, DP_IPPROTO_TCP, C_IP, VIP, 7, 0x4000, l4, n);
	inject(e, 0, 1, f.b, f.len);
	got = collect(e, 1, out, 1, MAXF, 200) + collect(e, 0, out, 1, MAXF, 0);
	a0 = lstat(e, 0);
	a1 = lstat(e, 1);
	CHECK(got == 0 && a1.miss_passed - b1.miss_passed == 1 &&
	      a0.miss_passed == b0.miss_passed &&
	      a0.drops[DP_DROP_NO_SESSION] - b0.drops[DP_DROP_NO_SESSION] == 1,
	      "an ACK no lcore knows goes round once and is dropped by the last (no_session)");
}

int main(int argc, char **argv)
{
	char prefix[64], v[4][160];
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--lcores", "0@0,1@0,2@0",
			"--file-prefix", prefix, "--no-pci", "--log-level", "*:warning",
			"--log-level", "mgw.*:notice", "--vdev", v[0], "--vdev", v[1], "--vdev", v[2],
			"--vdev", v[3], "--vdev", "net_null0,no-rx=1", "--vdev", "net_null1,no-rx=1" };
	struct env e;

	(void)argc;
	/* memif pairs over an abstract socket unique to this run: 0 and 1
	 * are mgw's wan and lan, 2 and 3 the tool's ends of them */
	snprintf(prefix, sizeof(prefix), "dpinproc%d", (int)getpid());
	for (int i = 0; i < 4; i++)
		snprintf(v[i], sizeof(v[i]), "net_memif%d,role=%s,id=%d,socket=/run/%s.sock%s", i,
			 i < 2 ? "server" : "client", i % 2, prefix,
			 i == 0 ? ",mac=02:00:00:00:01:00" : i == 1 ? ",mac=02:00:00:00:01:01" : "");
	memset(&e, 0, sizeof(e));
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup(&e) < 0) {
		fprintf(stderr, "set-up failed\n");
		return 2;
	}
	CHECK(e.snap->laddr.mode == DP_LADDR_SOFT, "no rte_flow on memif: software steering");
	drain(&e);
	test_fragments(&e);
	drain(&e);
	test_icmp(&e);
	drain(&e);
	test_refuse(&e);
	drain(&e);
	test_on_down(&e);
	drain(&e);
	test_miss(&e);
	dp_stop(e.dp);
	dp_destroy(e.dp);
	for (int p = 0; p < 2; p++) {
		rte_eth_dev_stop(e.peer[p]);
		rte_eth_dev_close(e.peer[p]);
	}
	cp_snap_free(e.snap);
	dp_routes_free(e.routes);
	cp_ids_destroy(e.svc_ids);
	cp_ids_destroy(e.rs_ids);
	cp_config_free(e.cfg);
	printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
