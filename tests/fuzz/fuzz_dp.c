/* libFuzzer target: the packet path. Two data lcores, made by dp_create on
 * null ports, are driven in this thread (dp_input_burst, then
 * dp_lcore_turn_at for what they hand each other, their output and timers)
 * with frames the fuzzer writes, against a snapshot that has every
 * forwarding mode and scheduler: FULLNAT TCP and UDP, NAT, DR, TUNNEL, sh,
 * mh with persistence, a sorry server, on_down reset with a down server,
 * thresholds; IPv6 FULLNAT (PROXY v1 too), NAT64 (PROXY v2 too), NAT, DR
 * and TUNNEL; the SYN proxy for IPv4, IPv6 (with TOA) and NAT64.
 *
 * Input: one byte of flags, then records [ctl:1][len:2, big endian][frame].
 *   ctl bit 0      lcore (0, 1)
 *       bit 1      port (0 wan: client side, 1 lan: server side)
 *       bit 2      repair: IPv4 total length, header checksum, L4 checksum
 *                  (TCP, UDP, ICMP; IPv6: payload length, TCP, UDP,
 *                  ICMPv6 checksums), dst MAC = the port's, so the frame
 *                  gets past the parser's checks to the paths behind them
 *       bits 3-4   time passes before it: 0, 20 ms, 1.1 s, 40 s
 *       bit 5      end of burst: hand the burst over now
 * After the input, all sessions are flushed (the control plane's command),
 * held fragments and packets waiting for ARP let go, and both mbuf pools
 * must be whole again: an mbuf that is neither sent nor freed is a crash.
 *
 * ASan does not see DPDK's memory (mempools, rte_malloc) by itself: the
 * bytes after each frame (its mbuf's tailroom) are poisoned by hand, so a
 * read past the frame's end is a report. Session tables live in rte_malloc
 * memory and are not checked; the snapshot (malloc) is.
 *
 * Needs root (EAL, --no-huge). Seeds: tests/fuzz/corpus/dp (made by
 * tests/fuzz/seeds/dp_seeds.py). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <sanitizer/asan_interface.h>

#include "cp/config.h"
#include "cp/ids.h"
#include "cp/snap.h"
#include "dp/csum.h"
#include "dp/dp_int.h"
#include "dp/neigh.h"
#include "dp/pkt.h"

#define MAX_FRAME 2000

static const char *config_json =
	"{ \"node\": { \"id\": 1 }, \"api\": { \"listen\": \"127.0.0.1:8080\" },"
	"  \"dpdk\": { \"lcores\": \"0@0,1@0,2@0\" },"
	"  \"ports\": [ { \"name\": \"wan\", \"dev\": \"net_null0\", \"ip\": \"10.0.0.2/24\","
	"                 \"ip6\": \"fd00:1::2/64\" },"
	"               { \"name\": \"lan\", \"dev\": \"net_null1\", \"ip\": \"10.1.0.2/24\","
	"                 \"ip6\": \"fd00:2::2/64\" } ],"
	"  \"routes\": [ { \"prefix\": \"0.0.0.0/0\", \"via\": \"10.0.0.254\" },"
	"               { \"prefix\": \"10.9.0.0/16\", \"via\": \"10.1.0.254\" } ],"
	"  \"localips\": [ \"10.1.0.100\", \"10.1.0.101\", \"fd00:2::100\" ],"
	"  \"limits\": { \"sessions_per_lcore\": 1024, \"servers\": 64, \"services\": 32 },"
	"  \"services\": ["
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"scheduler\": \"rr\","
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 },"
	"                    { \"ip\": \"10.1.0.12\", \"port\": 8080 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"10.0.0.10\", \"port\": 53, \"scheduler\": \"mh\","
	"     \"persistence_s\": 30,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 5353 },"
	"                    { \"ip\": \"10.1.0.13\", \"port\": 5353 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81, \"forward\": \"nat\","
	"     \"scheduler\": \"wlc\", \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 81,"
	"       \"u_threshold\": 4 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 82, \"forward\": \"dr\","
	"     \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 82 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"10.0.0.11\", \"port\": 83, \"forward\": \"tunnel\","
	"     \"scheduler\": \"sh\", \"servers\": [ { \"ip\": \"10.9.0.5\", \"port\": 83 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.11\", \"port\": 84, \"on_down\": \"reset\","
	"     \"servers\": [ { \"ip\": \"10.1.0.14\", \"port\": 84 },"
	"                    { \"ip\": \"10.1.0.12\", \"port\": 84 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.11\", \"port\": 85,"
	"     \"sorry_server\": { \"ip\": \"10.1.0.11\", \"port\": 9999 },"
	"     \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 85, \"weight\": 0 } ] },"
	/* IPv6: FULLNAT v6 (one with the PROXY header), UDP, NAT64 both */
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 80, \"scheduler\": \"mh\","
	"     \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 8080 },"
	"                    { \"ip\": \"fd00:2::12\", \"port\": 8080 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 81, \"client_address\": \"proxy_v1\","
	"     \"on_down\": \"reset\", \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 81 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"fd00:1::10\", \"port\": 53,"
	"     \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 5353 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 8064,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"fd00:1::10\", \"port\": 5364, \"client_address\": \"proxy_v2\","
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 5353 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 83, \"forward\": \"dr\","
	"     \"servers\": [ { \"ip\": \"fd00:2::12\", \"port\": 83 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 84, \"forward\": \"nat\","
	"     \"servers\": [ { \"ip\": \"fd00:2::13\", \"port\": 8084 } ] },"
	"   { \"proto\": \"udp\", \"vip\": \"fd00:1::10\", \"port\": 85, \"forward\": \"tunnel\","
	"     \"servers\": [ { \"ip\": \"fd00:2::14\", \"port\": 85 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 82 },"
	/* the SYN proxy, each family and NAT64 */
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.11\", \"port\": 86, \"synproxy\": true,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 86 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 86, \"synproxy\": true,"
	"     \"client_address\": \"toa\", \"servers\": [ { \"ip\": \"fd00:2::11\", \"port\": 86 } ] },"
	"   { \"proto\": \"tcp\", \"vip\": \"fd00:1::10\", \"port\": 8066, \"synproxy\": true,"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ] }";

static struct {
	struct dp *dp;
	struct rte_mempool *in_pool;   /* the frames this harness makes */
	struct rte_ether_addr mac[2];
	uint64_t now;                  /* virtual TSC, only forward */
	uint64_t hz;
	/* what the snapshot was built from: kept (and reachable, so that
	 * LeakSanitizer, which does not scan DPDK's memory, sees it held) */
	struct cp_config *cfg;
	struct cp_ids *svc_ids, *rs_ids;
	struct dp_routes *routes;
	struct dp_snap *snap;
	uint8_t *down;
	struct dp_neigh *neigh;
	const void *sp_keys;           /* the SYN proxy's keys (malloc), held */
} F;

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "fuzz_dp: %s\n", what);
	exit(1);
}

static void set_up_snapshot(void)
{
	struct cp_config *cfg = NULL;
	struct dp_route_spec *specs;
	struct cp_snap_in in;
	struct dp_snap *s;
	struct cp_err err;
	json_error_t jerr;
	uint32_t id;
	unsigned n;
	uint64_t h;
	json_t *j = json_loads(config_json, 0, &jerr);

	if (!j || cp_config_from_json(j, &cfg, &err) < 0) {
		fprintf(stderr, "config: %s %s %s\n", jerr.text, err.field, err.msg);
		die("config");
	}
	json_decref(j);
	for (unsigned i = 0; i < cfg->n_services; i++)
		cp_service_sort_servers(&cfg->services[i]);
	F.cfg = cfg;
	if (cp_ids_create(cfg->max_services, &F.svc_ids) < 0 ||
	    cp_ids_create(cfg->max_servers, &F.rs_ids) < 0)
		die("ids");
	specs = cp_snap_routes(cfg, &n, &h);
	if (!specs || dp_routes_build("fuzz_rt", specs, n, &F.routes) < 0)
		die("routes");
	free(specs);
	/* 10.1.0.14:84 (on_down reset) is down: give it its id first */
	F.down = calloc(cfg->max_servers, 1);
	if (!F.down || cp_ids_get(F.rs_ids, dp_snap_svc_key(DP_IPPROTO_TCP, 0x0a00000bu, 84),
				  (uint64_t)0x0a01000eu << 16 | 84, &id) < 0)
		die("ids");
	F.down[id] = 1;
	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.svc_ids = F.svc_ids;
	in.rs_ids = F.rs_ids;
	in.rs_down = F.down;
	in.gen = 1;
	in.n_lcores = 2;
	in.routes = F.routes;
	if (cp_snap_build(&in, &s, &err) < 0) {
		fprintf(stderr, "snapshot: %s: %s\n", err.field, err.msg);
		die("snapshot");
	}
	cp_snap_in_done(&in);
	s->laddr.mode = (uint8_t)dp_laddr_mode(F.dp, &s->laddr);
	dp_publish(F.dp, s);
	F.snap = s;
}

static void turns(void);

static void learn(uint32_t ip, uint8_t last, uint16_t port)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, (uint8_t)port, last };

	dp_neigh_learn(dp_neigh_table(F.dp), htonl(ip), mac, port, 0, 1ull << 40);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal[] = { "fuzz_dp", "--no-huge", "-m", "256", "--no-pci", "--lcores", "0@0,1@0,2@0",
			"--log-level", "*:error", "--file-prefix", prefix,
			"--vdev=net_null0", "--vdev=net_null1", "--vdev=net_null2",
			"--vdev=net_null3", NULL };
	struct dp_conf conf;

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzzdp%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		die("EAL (run as root)");
	memset(&conf, 0, sizeof(conf));
	conf.n_ports = 2;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(conf.port[i].name, sizeof(conf.port[i].name), i ? "lan" : "wan");
		snprintf(conf.port[i].devname, sizeof(conf.port[i].devname), "net_null%u", i);
		snprintf(conf.port[i].tapname, sizeof(conf.port[i].tapname), "net_null%u", i + 2);
	}
	conf.sessions_per_lcore = 1024;
	conf.max_services = 32;
	conf.max_servers = 64;
	conf.mbufs = 8191;
	conf.neigh_hold_ms = 1000;
	if (dp_create(&conf, &F.dp) < 0)
		die("dp_create");
	F.neigh = dp_neigh_table(F.dp);
	{
		/* a fixed secret: the SYN proxy's cookies reproducible run to run */
		uint8_t key[32];

		for (unsigned i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(i * 37 + 11);
		if (dp_synproxy_set_secret(F.dp, key) < 0)
			die("dp_synproxy_set_secret");
		F.sp_keys = F.dp->sp_keys;
	}
	for (unsigned p = 0; p < 2; p++) {
		struct dp_port_info pi;

		dp_port_info(F.dp, p, &pi);
		memcpy(F.mac[p].addr_bytes, pi.mac, 6);
	}
	set_up_snapshot();
	/* Next hops: the client's router and two servers known; 10.1.0.12,
	 * 10.1.0.13 and the other router unknown, so their packets wait for
	 * ARP (and are let go). */
	learn(0x0a0000feu, 0xfe, 0);
	learn(0x0a000001u, 0x01, 0);
	learn(0x0a01000bu, 0x0b, 1);
	learn(0x0a01000eu, 0x0e, 1);
	F.in_pool = rte_pktmbuf_pool_create("fuzz_in", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (!F.in_pool)
		die("mbuf pool");
	F.hz = rte_get_tsc_hz();
	F.now = rte_rdtsc();
	turns();        /* the lcores take the snapshot */
	return 0;
}

/* ---- frames ---------------------------------------------------------------- */

static uint16_t l4_sum(const uint8_t *ip, const uint8_t *l4, uint32_t len, uint8_t proto)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	dp_put_u16(ph + 10, (uint16_t)len);
	return (uint16_t)~dp_csum_fold(dp_csum_partial(l4, len, dp_csum_partial(ph, 12, 0)));
}

/* Checksums are in the packet's byte order (dp/csum.h): stored as they are. */
static void put_sum(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* The same for IPv6: the payload length, and the upper layer's checksum
 * (TCP, UDP, ICMPv6) when it follows the fixed header, unfragmented. */
static void repair6(uint8_t *ip, uint32_t n)
{
	uint8_t *l4 = ip + DP_IP6_HLEN;
	uint32_t l4len = n - DP_IP6_HLEN, at;
	uint16_t c;

	if (n < DP_IP6_HLEN)
		return;
	ip[0] = (uint8_t)(0x60 | (ip[0] & 0x0f));
	dp_put_u16(ip + 4, (uint16_t)l4len);
	at = ip[6] == DP_IPPROTO_TCP ? 16 : ip[6] == DP_IPPROTO_UDP ? 6 :
	     ip[6] == DP_IPPROTO_ICMPV6 ? 2 : 0;
	if (!at || l4len < at + 2 || (ip[6] == DP_IPPROTO_TCP && l4len < 20))
		return;
	if (ip[6] == DP_IPPROTO_UDP)
		dp_put_u16(l4 + 4, (uint16_t)l4len);
	put_sum(l4 + at, 0);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(l4, l4len,
						    dp_csum_pseudo6(ip + 8, ip + 24, l4len, ip[6])));
	put_sum(l4 + at, c);
}

/* Make the headers self-consistent so the frame reaches the code behind the
 * parser's checks (what is left for the fuzzer: every field's value). */
static void repair(uint8_t *f, uint32_t len, unsigned port)
{
	uint8_t *ip = f + DP_ETH_HLEN, *l4;
	uint32_t ihl, tot, l4len;
	uint16_t fragf;

	if (len < DP_ETH_HLEN)
		return;
	if (!(f[0] & 1))
		memcpy(f, F.mac[port].addr_bytes, 6);
	if (dp_get_u16(f + 12) == 0x86dd) {
		repair6(ip, len - DP_ETH_HLEN);
		return;
	}
	if (dp_get_u16(f + 12) != 0x0800 || len < DP_ETH_HLEN + 20)
		return;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || DP_ETH_HLEN + ihl > len)
		return;
	ip[0] = (uint8_t)(0x40 | (ip[0] & 0x0f));
	tot = len - DP_ETH_HLEN;
	dp_put_u16(ip + 2, (uint16_t)tot);
	put_sum(ip + 10, 0);
	put_sum(ip + 10, dp_csum(ip, ihl));
	fragf = dp_get_u16(ip + 6);
	if (fragf & 0x3fff)          /* a fragment: its L4 sum covers the whole */
		return;
	l4 = ip + ihl;
	l4len = tot - ihl;
	switch (ip[9]) {
	case DP_IPPROTO_TCP:
		if (l4len >= 20) {
			put_sum(l4 + 16, 0);
			put_sum(l4 + 16, l4_sum(ip, l4, l4len, DP_IPPROTO_TCP));
		}
		break;
	case DP_IPPROTO_UDP:
		if (l4len >= 8) {
			dp_put_u16(l4 + 4, (uint16_t)l4len);
			put_sum(l4 + 6, 0);
			put_sum(l4 + 6, l4_sum(ip, l4, l4len, DP_IPPROTO_UDP));
		}
		break;
	case DP_IPPROTO_ICMP:
		if (l4len >= 8) {
			put_sum(l4 + 2, 0);
			put_sum(l4 + 2, dp_csum(l4, l4len));
		}
		break;
	}
}

/* The frame in an mbuf of its own, the bytes after it poisoned. */
static struct rte_mbuf *frame(const uint8_t *b, uint32_t len, unsigned port, bool fix)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(F.in_pool);
	uint8_t *d;

	if (!m)
		return NULL;
	ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (!d) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, b, len);
	if (fix)
		repair(d, len, port);
	m->port = (uint16_t)port;
	ASAN_POISON_MEMORY_REGION(d + len, (size_t)((uint8_t *)m->buf_addr + m->buf_len -
						   (d + len)));
	return m;
}

/* ---- driving the lcores -------------------------------------------------------- */

static void turns(void)
{
	/* until neither hands the other anything more (bounded) */
	for (int k = 0; k < 16; k++) {
		unsigned n = 0;

		for (unsigned i = 0; i < F.dp->n_lcores; i++)
			n += dp_lcore_turn_at(F.dp->lc[i], F.now);
		if (!n)
			break;
	}
}

static void advance(unsigned step)
{
	static const uint64_t ms[4] = { 0, 20, 1100, 40000 };

	if (!step)
		return;
	/* the timers look once per turn: walk in 1 s steps so the wheel and
	 * the ARP and fragment timeouts see each second */
	for (uint64_t left = ms[step]; left; ) {
		uint64_t d = left > 1000 ? 1000 : left;

		F.now += d * F.hz / 1000;
		left -= d;
		turns();
	}
}

static void burst(unsigned lcore, unsigned port, struct rte_mbuf **m, unsigned *n)
{
	struct dp_lcore *lc = F.dp->lc[lcore];

	if (!*n)
		return;
	lc->now_tsc = F.now;
	dp_input_burst(lc, m, (uint16_t)*n, (uint16_t)port);
	*n = 0;
	turns();
}

/* Back to empty: every session ended by the control plane's flush, held
 * fragments and packets waiting for ARP let go. */
static void settle(void)
{
	for (unsigned i = 0; i < F.dp->n_lcores; i++) {
		struct dp_lcore *lc = F.dp->lc[i];

		lc->ctl.cmd.kind = DP_CMD_FLUSH;
		lc->ctl.cmd.vip = 0;
		lc->ctl.cmd.rs_id = UINT32_MAX;
		__atomic_store_n(&lc->ctl.seq, lc->ctl.seq + 1, __ATOMIC_RELEASE);
	}
	for (int k = 0; k < 64; k++) {
		bool busy = false;

		turns();
		for (unsigned i = 0; i < F.dp->n_lcores; i++)
			busy |= F.dp->lc[i]->ctl.done != F.dp->lc[i]->ctl.seq;
		if (!busy)
			break;
	}
	advance(2);     /* ARP holds (1 s) expire */
	for (unsigned i = 0; i < F.dp->n_lcores; i++) {
		dp_frag_flush(F.dp->lc[i]);
		dp_tx_flush(F.dp->lc[i]);
	}
	turns();
}

/* FUZZ_DP_VERBOSE=1: what the lcores did with an input (to check that the
 * seeds reach the paths they are meant for). */
static void report(void)
{
	for (unsigned i = 0; i < F.dp->n_lcores; i++) {
		struct dp_lcore_stats st;

		dp_lcore_stats(F.dp, i, &st);
		fprintf(stderr, "lcore %u: rx %lu tx %lu punted %lu redirected %lu sessions %lu "
			"icmp_xlated %lu frag %lu/%lu/%lu refused %lu/%lu reset %lu", i,
			st.rx_pkts, st.tx_pkts, st.punted, st.redirect_out, st.sess_created,
			st.icmp_xlated, st.frag_tracked, st.frag_forwarded, st.frag_held,
			st.refused_rst, st.refused_unreach, st.sess_reset);
		for (unsigned d = 0; d < DP_DROP_MAX; d++)
			if (st.drops[d])
				fprintf(stderr, " %s=%lu", dp_drop_names[d], st.drops[d]);
		fprintf(stderr, "\n");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pend[2][2][DP_BURST];
	unsigned npend[2][2] = { { 0, 0 }, { 0, 0 } };
	size_t o = 1;

	if (size < 1 || size > 64 * 1024)
		return -1;
	while (o + 3 <= size) {
		uint8_t ctl = data[o];
		uint32_t len = (uint32_t)data[o + 1] << 8 | data[o + 2];
		unsigned lc = ctl & 1, port = (ctl >> 1) & 1;
		struct rte_mbuf *m;

		o += 3;
		if (len > size - o)
			len = (uint32_t)(size - o);
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		if ((ctl >> 3) & 3) {
			for (unsigned a = 0; a < 2; a++)
				for (unsigned b = 0; b < 2; b++)
					burst(a, b, pend[a][b], &npend[a][b]);
			advance((ctl >> 3) & 3);
		}
		m = frame(data + o, len, port, ctl & 4);
		o += len;
		if (m)
			pend[lc][port][npend[lc][port]++] = m;
		if ((ctl & 0x20) || npend[lc][port] == DP_BURST)
			burst(lc, port, pend[lc][port], &npend[lc][port]);
	}
	for (unsigned a = 0; a < 2; a++)
		for (unsigned b = 0; b < 2; b++)
			burst(a, b, pend[a][b], &npend[a][b]);
	settle();
	if (getenv("FUZZ_DP_VERBOSE"))
		report();
	if (rte_mempool_in_use_count(F.in_pool) != 0 ||
	    rte_mempool_in_use_count(F.dp->pool) != 0) {
		fprintf(stderr, "fuzz_dp: mbufs leaked: %u of the input pool, %u of mgw's\n",
			rte_mempool_in_use_count(F.in_pool), rte_mempool_in_use_count(F.dp->pool));
		__builtin_trap();
	}
	return 0;
}
