/* Helpers shared by the OSPF unit tests: a pcap reader for the captures
 * in tests/data/routing (see tests/data/README.md), packet builders for a scripted peer, a
 * collector for what an engine sends, and a two-engine network on a fake
 * clock. Everything is static: each test binary includes it once.
 */
#ifndef OSPF_TEST_H
#define OSPF_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ospf/ospf_int.h"

/* The Makefile compiles in the absolute path of tests/data; a build by
 * hand falls back to the path relative to the repository's root. */
#ifndef MGW_TEST_DATA
#define MGW_TEST_DATA "tests/data"
#endif
#define REF_DIR MGW_TEST_DATA "/routing"

static const char *const ospf_captures[] = {
	"ospf-ptp.pcap", "ospf-fast-n1.pcap", "ospf-fast-n2.pcap",
	"ospf-bcast-n1.pcap",
};
#define N_CAPTURES (sizeof(ospf_captures) / sizeof(ospf_captures[0]))

/* ---- pcap ---- */

struct cap_pkt {
	uint8_t *ip;           /* the IPv4 packet */
	size_t ip_len;
	uint8_t *ospf;         /* inside ip */
	size_t ospf_len;
	uint32_t src, dst;
};

struct capture {
	struct cap_pkt p[256];
	unsigned n;
};

static __attribute__((unused)) uint32_t rd32(const uint8_t *p, int swap)
{
	return swap ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3])
		    : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[1] << 8 | p[0]);
}

/* Reads one capture (Ethernet link type) and keeps its OSPF packets. The
 * path is relative to the working directory, the worktree root under
 * make; a missing file fails the test loudly rather than skipping. */
static __attribute__((unused)) void capture_load(const char *name, struct capture *c)
{
	char path[512];
	uint8_t hdr[24], rec[16];
	FILE *f;
	int swap = 0;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s", REF_DIR, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "FATAL: capture %s not found (tests/data/README.md)\n",
			path);
		fail_msg("missing capture %s", path);
	}
	assert_int_equal(fread(hdr, 1, 24, f), 24);
	if (hdr[0] == 0xd4 && hdr[1] == 0xc3 && hdr[2] == 0xb2 && hdr[3] == 0xa1)
		swap = 0;
	else if (hdr[0] == 0xa1 && hdr[1] == 0xb2 && hdr[2] == 0xc3 && hdr[3] == 0xd4)
		swap = 1;
	else
		fail_msg("%s: not a pcap file", path);
	assert_int_equal(rd32(hdr + 20, swap), 1);     /* Ethernet */
	while (fread(rec, 1, 16, f) == 16) {
		uint32_t incl = rd32(rec + 8, swap);
		uint8_t *buf;
		struct cap_pkt *p;
		size_t ihl, tot;

		assert_true(incl <= 65535 + 14);
		buf = malloc(incl);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, incl, f), incl);
		if (incl < 34 || buf[12] != 0x08 || buf[13] != 0x00 ||
		    buf[14 + 9] != 89) {
			free(buf);
			continue;
		}
		ihl = (size_t)(buf[14] & 15) * 4;
		tot = (size_t)buf[16] << 8 | buf[17];
		assert_true(tot <= incl - 14 && ihl < tot);
		assert_true(c->n < 256);
		p = &c->p[c->n++];
		p->ip = buf + 14;
		p->ip_len = tot;
		p->ospf = p->ip + ihl;
		p->ospf_len = tot - ihl;
		p->src = dp_get_u32(p->ip + 12);
		p->dst = dp_get_u32(p->ip + 16);
	}
	fclose(f);
	assert_true(c->n > 0);
}

static __attribute__((unused)) void capture_free(struct capture *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->p[i].ip - 14);
	c->n = 0;
}

/* ---- addresses ---- */

static __attribute__((unused)) uint32_t A(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

/* ---- what an engine sends ---- */

struct sent {
	unsigned ifi;
	uint32_t dst;
	uint8_t *pkt;
	size_t len;
};

struct collector {
	struct sent s[4096];
	unsigned n;
};

static __attribute__((unused)) void collect_cb(void *arg, unsigned ifi, uint32_t dst,
		       const uint8_t *pkt, size_t len)
{
	struct collector *c = arg;
	struct sent *s;

	if (c->n >= 4096)
		return;
	s = &c->s[c->n++];
	s->ifi = ifi;
	s->dst = dst;
	s->pkt = malloc(len);
	assert_non_null(s->pkt);
	memcpy(s->pkt, pkt, len);
	s->len = len;
}

static __attribute__((unused)) void collector_reset(struct collector *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->s[i].pkt);
	c->n = 0;
}

/* The i-th sent packet of a type (from `from` on), decoded; -1 if none. */
static __attribute__((unused)) int collector_find(struct collector *c, unsigned from, uint8_t type,
			  struct ospf_pkt *p)
{
	enum ospf_drop why;
	unsigned i;

	for (i = from; i < c->n; i++) {
		if (c->s[i].len < 2 || c->s[i].pkt[1] != type)
			continue;
		assert_int_equal(ospf_pkt_decode(c->s[i].pkt, c->s[i].len, p, &why), 0);
		return (int)i;
	}
	return -1;
}

static __attribute__((unused)) unsigned collector_count(struct collector *c, uint8_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->s[i].len >= 2 && c->s[i].pkt[1] == type)
			n++;
	return n;
}

/* ---- packet builders for a scripted peer ---- */

struct pbuf {
	uint8_t b[4096];
	size_t len;
};

static __attribute__((unused)) void mk_hello(struct pbuf *o, uint32_t rid, uint32_t area,
		     uint16_t hello_s, uint32_t dead_s, uint32_t mask,
		     uint8_t prio, uint32_t dr, uint32_t bdr,
		     const uint32_t *nbrs, unsigned n)
{
	struct ospf_hello h = {
		.mask = mask, .hello_s = hello_s, .options = OSPF_OPT_E,
		.prio = prio, .dead_s = dead_s, .dr = dr, .bdr = bdr,
	};
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, o->b, sizeof(o->b));
	ospf_pkt_begin(&w, OSPF_T_HELLO, rid, area);
	ospf_hello_put(&w, &h, nbrs, n);
	assert_int_equal(ospf_pkt_end(&w), 0);
	o->len = w.len;
}

static __attribute__((unused)) void mk_dbd(struct pbuf *o, uint32_t rid, uint16_t mtu, uint8_t opts,
		   uint8_t flags, uint32_t seq, const struct ospf_lsa_hdr *hs,
		   unsigned n)
{
	struct ospf_wbuf w;
	unsigned i;

	ospf_wbuf_init(&w, o->b, sizeof(o->b));
	ospf_pkt_begin(&w, OSPF_T_DBD, rid, 0);
	ospf_dbd_put(&w, mtu, opts, flags, seq);
	for (i = 0; i < n; i++)
		ospf_lsa_hdr_put(&w, &hs[i]);
	assert_int_equal(ospf_pkt_end(&w), 0);
	o->len = w.len;
}

static __attribute__((unused)) void mk_lsr(struct pbuf *o, uint32_t rid, const struct ospf_lsa_key *k,
		   unsigned n)
{
	struct ospf_wbuf w;
	unsigned i;

	ospf_wbuf_init(&w, o->b, sizeof(o->b));
	ospf_pkt_begin(&w, OSPF_T_LSR, rid, 0);
	for (i = 0; i < n; i++)
		ospf_lsr_put(&w, &k[i]);
	assert_int_equal(ospf_pkt_end(&w), 0);
	o->len = w.len;
}

/* A router-LSA, checksummed; returns its length. */
static __attribute__((unused)) size_t mk_rtr_lsa(uint8_t *buf, size_t cap, uint32_t rid, uint32_t seq,
			 uint16_t age, const struct ospf_rtr_link *links,
			 unsigned n)
{
	struct ospf_lsa_hdr h = {
		.age = age, .options = OSPF_OPT_E, .type = OSPF_LSA_ROUTER,
		.id = rid, .adv = rid, .seq = seq,
	};
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, buf, cap);
	ospf_lsa_hdr_put(&w, &h);
	ospf_rtr_body_put(&w, 0, links, n);
	assert_int_equal(w.err, 0);
	dp_put_u16(buf + 18, (uint16_t)w.len);
	ospf_lsa_csum_set(buf, w.len);
	return w.len;
}

static __attribute__((unused)) void mk_lsu(struct pbuf *o, uint32_t rid, const uint8_t *lsas,
		   size_t len, uint32_t count)
{
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, o->b, sizeof(o->b));
	ospf_pkt_begin(&w, OSPF_T_LSU, rid, 0);
	ospf_put_u32(&w, count);
	ospf_put_bytes(&w, lsas, len);
	assert_int_equal(ospf_pkt_end(&w), 0);
	o->len = w.len;
}

static __attribute__((unused)) void mk_lsack(struct pbuf *o, uint32_t rid, const struct ospf_lsa_hdr *hs,
		     unsigned n)
{
	struct ospf_wbuf w;
	unsigned i;

	ospf_wbuf_init(&w, o->b, sizeof(o->b));
	ospf_pkt_begin(&w, OSPF_T_LSACK, rid, 0);
	for (i = 0; i < n; i++)
		ospf_lsa_hdr_put(&w, &hs[i]);
	assert_int_equal(ospf_pkt_end(&w), 0);
	o->len = w.len;
}

static __attribute__((unused)) uint64_t drops_total(const struct ospf_eng *e)
{
	uint64_t s = 0;
	unsigned i;

	for (i = 0; i < OSPF_DROP_MAX; i++)
		s += e->cnt.drops[i];
	return s;
}

static __attribute__((unused)) void print_drops(const char *who,
						const struct ospf_eng *e)
{
	unsigned i;

	for (i = 0; i < OSPF_DROP_MAX; i++)
		if (e->cnt.drops[i])
			print_message("%s: drop %s = %llu\n", who, ospf_drop_names[i],
				      (unsigned long long)e->cnt.drops[i]);
}

/* A one-interface configuration. */
static __attribute__((unused)) void conf_one(struct ospf_conf *c, uint32_t rid, const char *ifname,
		     uint32_t addr, uint8_t plen, uint8_t type)
{
	memset(c, 0, sizeof(*c));
	c->router_id = rid;
	c->area = 0;
	c->n_ifaces = 1;
	snprintf(c->ifaces[0].ifname, sizeof(c->ifaces[0].ifname), "%s", ifname);
	c->ifaces[0].addr = addr;
	c->ifaces[0].plen = plen;
	c->ifaces[0].mtu = 1500;
	c->ifaces[0].type = type;
	c->ifaces[0].hello_s = 1;
	c->ifaces[0].dead_s = 3;
	c->ifaces[0].cost = 10;
}

/* ---- two engines on one link, a fake clock, optional loss ---- */

struct wire_pkt {
	int from;
	uint32_t dst;
	uint8_t *pkt;
	size_t len;
};

struct net {
	struct ospf_eng *e[2];
	uint32_t addr[2];
	struct wire_pkt q[8192];
	unsigned qn;
	uint64_t now;
	/* Return true to lose a packet (index into all packets sent). */
	bool (*lose)(struct net *n, int from, const uint8_t *pkt, size_t len);
	unsigned sent[2];
	unsigned lost;
	void *user;
};

struct net_port {
	struct net *n;
	int idx;
};

static __attribute__((unused)) void net_cb(void *arg, unsigned ifi, uint32_t dst, const uint8_t *pkt,
		   size_t len)
{
	struct net_port *p = arg;
	struct net *n = p->n;
	struct wire_pkt *w;

	(void)ifi;
	n->sent[p->idx]++;
	if (n->lose && n->lose(n, p->idx, pkt, len)) {
		n->lost++;
		return;
	}
	assert_true(n->qn < 8192);
	w = &n->q[n->qn++];
	w->from = p->idx;
	w->dst = dst;
	w->pkt = malloc(len);
	assert_non_null(w->pkt);
	memcpy(w->pkt, pkt, len);
	w->len = len;
}

/* Delivers everything queued (and what that provokes), then ticks. */
static __attribute__((unused)) void net_step(struct net *n, uint64_t ms)
{
	unsigned guard = 0;

	while (n->qn) {
		struct wire_pkt w = n->q[0];

		memmove(&n->q[0], &n->q[1], (n->qn - 1) * sizeof(n->q[0]));
		n->qn--;
		if (n->e[!w.from])
			ospf_eng_input(n->e[!w.from], n->now, 0, n->addr[w.from],
				       w.dst, w.pkt, w.len);
		free(w.pkt);
		assert_true(++guard < 100000);
	}
	n->now += ms;
	if (n->e[0])
		ospf_eng_tick(n->e[0], n->now);
	if (n->e[1])
		ospf_eng_tick(n->e[1], n->now);
}

static __attribute__((unused)) void net_run(struct net *n, uint64_t ms)
{
	uint64_t end = n->now + ms;

	while (n->now < end)
		net_step(n, 10);
}

/* Runs until cond holds or ms pass; returns the time it took. */
static __attribute__((unused)) int64_t net_until(struct net *n, uint64_t ms,
			 bool (*cond)(struct net *n))
{
	uint64_t start = n->now, end = n->now + ms;

	while (n->now < end) {
		if (cond(n))
			return (int64_t)(n->now - start);
		net_step(n, 10);
	}
	return cond(n) ? (int64_t)(n->now - start) : -1;
}

static __attribute__((unused)) void net_flush_queue(struct net *n)
{
	unsigned i;

	for (i = 0; i < n->qn; i++)
		free(n->q[i].pkt);
	n->qn = 0;
}

static __attribute__((unused)) struct ospf_nbr *first_nbr(struct ospf_eng *e)
{
	return e && e->ifaces[0].n_nbrs ? e->ifaces[0].nbrs[0] : NULL;
}

static __attribute__((unused)) bool both_full(struct net *n)
{
	struct ospf_nbr *a = first_nbr(n->e[0]), *b = first_nbr(n->e[1]);

	return a && b && a->state == OSPF_NS_FULL && b->state == OSPF_NS_FULL;
}

#endif
