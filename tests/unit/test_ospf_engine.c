/* OSPF engine scenarios on a fake clock.
 *
 * A scripted peer that behaves like BIRD in the captures takes the engine
 * from its first Hello to Full in both DBD roles, checks every packet the
 * engine answers with, then withdrawal, MinLSInterval, re-origination
 * above a flooded-back instance, retransmission, MinLSArrival, bad LSAs,
 * BadLSReq, dead neighbours and the MaxAge flush. Two engines against each
 * other then cover convergence under loss, a restart, LSRefreshTime and
 * flushing.
 */
#include "ospf_test.h"

#define BIRD_RID A(10, 201, 0, 1)
#define BIRD_IP  A(10, 201, 1, 1)
#define VIP      A(10, 255, 0, 1)

struct script {
	struct ospf_eng *e;
	struct collector col;
	uint64_t now;
	uint32_t rid, my_ip;
	unsigned mark;          /* collector index where "new" starts */
};

static struct script *script_new(uint32_t rid, uint16_t mtu)
{
	struct script *s = calloc(1, sizeof(*s));
	struct ospf_conf c;
	struct ospf_prefix vip = { VIP, 32, 10 };

	assert_non_null(s);
	s->rid = rid;
	s->my_ip = A(10, 201, 1, 2);
	conf_one(&c, rid, "t0", s->my_ip, 24, OSPF_IF_PTP);
	c.ifaces[0].mtu = mtu;
	assert_int_equal(ospf_eng_create(&c, collect_cb, &s->col, 42, &s->e), 0);
	s->now = 1000;
	assert_int_equal(ospf_eng_announce(s->e, s->now, &vip, 1), 0);
	ospf_eng_start(s->e, s->now);
	return s;
}

static void script_free(struct script *s)
{
	ospf_eng_destroy(s->e);
	collector_reset(&s->col);
	free(s);
}

static void feed(struct script *s, const struct pbuf *p)
{
	ospf_eng_input(s->e, s->now, 0, BIRD_IP, OSPF_ALL_SPF, p->b, p->len);
}

/* Advances the clock in 10 ms steps, running the engine's timers. */
static void advance(struct script *s, uint64_t ms)
{
	uint64_t end = s->now + ms;

	while (s->now < end) {
		s->now += 10;
		ospf_eng_tick(s->e, s->now);
	}
}

static void mark(struct script *s)
{
	s->mark = s->col.n;
}

static int find_new(struct script *s, uint8_t type, struct ospf_pkt *p)
{
	return collector_find(&s->col, s->mark, type, p);
}

static void bird_hello(struct script *s, bool see_us)
{
	struct pbuf h;
	uint32_t us = s->rid;

	mk_hello(&h, BIRD_RID, 0, 1, 3, 0xffffff00, 1, 0, 0, &us, see_us ? 1 : 0);
	feed(s, &h);
}

static struct ospf_nbr *nbr(struct script *s)
{
	return first_nbr(s->e);
}

/* BIRD's router-LSA as it stands once adjacent to us. */
static size_t bird_lsa(struct script *s, uint8_t *buf, uint32_t seq, uint16_t age)
{
	struct ospf_rtr_link l[2] = {
		{ s->rid, BIRD_IP, OSPF_LINK_PTP, 10 },
		{ A(10, 201, 1, 0), 0xffffff00, OSPF_LINK_STUB, 10 },
	};

	return mk_rtr_lsa(buf, 256, BIRD_RID, seq, age, l, 2);
}

static void lsa_hdr_of(const uint8_t *lsa, struct ospf_lsa_hdr *h)
{
	ospf_lsa_hdr_get(lsa, h);
}

/* The single LSA of the last LSU sent since mark, decoded. */
static void last_lsu_lsa(struct script *s, struct ospf_lsa_hdr *h,
			 struct ospf_rtr_link *links, unsigned *n)
{
	struct ospf_pkt p;
	const uint8_t *lsa = NULL;
	size_t off = 0, len = 0;
	uint8_t flags;
	int at = -1, i = (int)s->mark;

	while ((i = collector_find(&s->col, (unsigned)i, OSPF_T_LSU, &p)) >= 0)
		at = i++;
	assert_true(at >= 0);
	collector_find(&s->col, (unsigned)at, OSPF_T_LSU, &p);
	assert_int_equal(p.u.lsu.count, 1);
	assert_true(ospf_lsu_next(&p.u.lsu, &off, &lsa, &len));
	assert_true(ospf_lsa_csum_ok(lsa, len));
	ospf_lsa_hdr_get(lsa, h);
	if (links)
		assert_int_equal(ospf_rtr_body_decode(lsa + 20, len - 20, &flags,
						      links, 16, n), 0);
}

static bool has_link(const struct ospf_rtr_link *l, unsigned n, uint8_t type,
		     uint32_t id, uint32_t data, uint16_t metric)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (l[i].type == type && l[i].id == id && l[i].data == data &&
		    l[i].metric == metric)
			return true;
	return false;
}

/* Hello -> 2-Way -> ExStart -> Exchange -> Loading -> Full with BIRD as
 * the slave (our Router ID is the larger, as for n1 in the captures). */
static void to_full_as_master(struct script *s, uint32_t *lsa_seq_out)
{
	struct ospf_pkt p;
	struct pbuf b;
	struct ospf_lsa_hdr bh, h;
	uint8_t lsa[256];
	size_t ll;
	uint32_t S;
	int at;

	/* our first Hello went out at start */
	at = collector_find(&s->col, 0, OSPF_T_HELLO, &p);
	assert_true(at >= 0);
	assert_int_equal(s->col.s[at].dst, OSPF_ALL_SPF);
	assert_int_equal(p.u.hello.hello_s, 1);
	assert_int_equal(p.u.hello.dead_s, 3);
	assert_int_equal(p.u.hello.mask, 0xffffff00);
	assert_int_equal(p.u.hello.options, OSPF_OPT_E);
	assert_int_equal(p.u.hello.n_nbrs, 0);

	advance(s, 200);
	mark(s);
	bird_hello(s, false);
	assert_int_equal(nbr(s)->state, OSPF_NS_INIT);
	/* a new neighbour hears about itself at once */
	assert_true(find_new(s, OSPF_T_HELLO, &p) >= 0);
	assert_int_equal(p.u.hello.n_nbrs, 1);
	assert_int_equal(ospf_hello_nbr(&p.u.hello, 0), BIRD_RID);

	advance(s, 100);
	mark(s);
	bird_hello(s, true);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXSTART);
	at = find_new(s, OSPF_T_DBD, &p);
	assert_true(at >= 0);
	assert_int_equal(p.u.dbd.flags, OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS);
	assert_int_equal(p.u.dbd.mtu, s->e->ifaces[0].c.mtu);
	assert_int_equal(p.u.dbd.n_hdrs, 0);
	S = p.u.dbd.seq;

	/* BIRD, the slave, answers with its database (one router-LSA) */
	ll = bird_lsa(s, lsa, 0x80000001, 1);
	lsa_hdr_of(lsa, &bh);
	mark(s);
	mk_dbd(&b, BIRD_RID, s->e->ifaces[0].c.mtu, 0x42, 0, S, &bh, 1);
	feed(s, &b);
	assert_true(nbr(s)->master);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXCHANGE);
	assert_true(find_new(s, OSPF_T_DBD, &p) >= 0);
	assert_int_equal(p.u.dbd.flags, OSPF_DBD_MS);      /* M clear: nothing more */
	assert_int_equal(p.u.dbd.seq, S + 1);
	assert_int_equal(p.u.dbd.n_hdrs, 0);                /* nothing originated yet */
	assert_true(find_new(s, OSPF_T_LSR, &p) >= 0);
	assert_int_equal(p.u.lsr.n, 1);
	{
		struct ospf_lsa_key k;

		ospf_lsr_ent(&p.u.lsr, 0, &k);
		assert_int_equal(k.type, OSPF_LSA_ROUTER);
		assert_int_equal(k.id, BIRD_RID);
		assert_int_equal(k.adv, BIRD_RID);
	}
	/* a duplicate from the slave is discarded by the master */
	feed(s, &b);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_DBD_DUP], 1);

	mk_dbd(&b, BIRD_RID, s->e->ifaces[0].c.mtu, 0x42, 0, S + 1, NULL, 0);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_LOADING);

	/* the LSU answers the request: Loading -> Full -> origination */
	mark(s);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_FULL);
	{
		struct ospf_rtr_link l[16];
		unsigned n;

		last_lsu_lsa(s, &h, l, &n);
		assert_int_equal(h.type, OSPF_LSA_ROUTER);
		assert_int_equal(h.id, s->rid);
		assert_int_equal(h.adv, s->rid);
		assert_int_equal(h.age, 1);       /* InfTransDelay */
		assert_int_equal(h.options, OSPF_OPT_E);
		assert_int_equal(n, 3);
		assert_true(has_link(l, n, OSPF_LINK_PTP, BIRD_RID, s->my_ip, 10));
		assert_true(has_link(l, n, OSPF_LINK_STUB, A(10, 201, 1, 0), 0xffffff00, 10));
		assert_true(has_link(l, n, OSPF_LINK_STUB, VIP, 0xffffffff, 10));
		*lsa_seq_out = h.seq;
	}
	/* BIRD's LSA is acknowledged (delayed, 200 ms) */
	mark(s);
	advance(s, 300);
	assert_true(find_new(s, OSPF_T_LSACK, &p) >= 0);
	assert_int_equal(p.u.lsack.n, 1);
	{
		struct ospf_lsa_hdr a;

		ospf_lsack_hdr(&p.u.lsack, 0, &a);
		assert_int_equal(a.id, BIRD_RID);
		assert_int_equal(a.seq, 0x80000001);
		assert_int_equal(a.csum, bh.csum);
	}
}

static void ack_ours(struct script *s)
{
	struct ospf_lsa_hdr h;
	struct pbuf b;

	ospf_lsa_cur_hdr(ospf_self_lsa(s->e), s->now, &h);
	mk_lsack(&b, BIRD_RID, &h, 1);
	feed(s, &b);
}

static void test_bird_master_full_withdraw(void **state)
{
	struct script *s = script_new(A(10, 201, 1, 2), 1500);
	struct ospf_rtr_link l[16];
	struct ospf_lsa_hdr h;
	struct ospf_pkt p;
	uint32_t seq;
	unsigned n, lsus;

	(void)state;
	to_full_as_master(s, &seq);
	assert_int_equal(seq, OSPF_INITIAL_SEQ);
	assert_int_equal(nbr(s)->retrans.n, 1);

	/* unacknowledged: retransmitted after RxmtInterval (5 s) */
	mark(s);
	lsus = collector_count(&s->col, OSPF_T_LSU);
	advance(s, 2000);
	bird_hello(s, true);
	advance(s, 2000);
	bird_hello(s, true);
	assert_int_equal(collector_count(&s->col, OSPF_T_LSU), lsus);
	advance(s, 1000);
	bird_hello(s, true);
	assert_int_equal(collector_count(&s->col, OSPF_T_LSU), lsus + 1);
	assert_true(s->e->cnt.rxmt >= 1);
	ack_ours(s);
	assert_int_equal(nbr(s)->retrans.n, 0);
	assert_int_equal(nbr(s)->lsu_rxmt_at, 0);

	/* withdrawal: re-originated without the VIP's stub, at once (the
	 * last origination was more than MinLSInterval ago) */
	advance(s, 500);
	bird_hello(s, true);
	mark(s);
	assert_int_equal(ospf_eng_announce(s->e, s->now, NULL, 0), 0);
	last_lsu_lsa(s, &h, l, &n);
	assert_int_equal(h.seq, seq + 1);
	assert_int_equal(n, 2);
	assert_false(has_link(l, n, OSPF_LINK_STUB, VIP, 0xffffffff, 10));
	assert_true(has_link(l, n, OSPF_LINK_PTP, BIRD_RID, s->my_ip, 10));
	ack_ours(s);

	/* announcing again 1 s later: deferred by MinLSInterval, not lost */
	advance(s, 1000);
	bird_hello(s, true);
	mark(s);
	{
		struct ospf_prefix v[2] = { { VIP, 32, 20 }, { A(10, 255, 0, 2), 32, 5 } };

		assert_int_equal(ospf_eng_announce(s->e, s->now, v, 2), 0);
	}
	assert_true(find_new(s, OSPF_T_LSU, &p) < 0);
	assert_true(s->e->orig_pending);
	assert_true(ospf_eng_next(s->e) <= s->e->last_orig_ms + OSPF_MIN_LS_INTERVAL_MS);
	advance(s, 2000);
	bird_hello(s, true);
	assert_true(find_new(s, OSPF_T_LSU, &p) < 0);
	advance(s, 2100);
	bird_hello(s, true);
	last_lsu_lsa(s, &h, l, &n);
	assert_int_equal(h.seq, seq + 2);
	assert_true(has_link(l, n, OSPF_LINK_STUB, VIP, 0xffffffff, 20));
	assert_true(has_link(l, n, OSPF_LINK_STUB, A(10, 255, 0, 2), 0xffffffff, 5));
	assert_true(s->now - 1000 - 100 >= s->e->last_orig_ms - 5000);
	ack_ours(s);
	/* the same set again changes nothing */
	mark(s);
	{
		struct ospf_prefix v[2] = { { A(10, 255, 0, 2), 32, 5 }, { VIP, 32, 20 } };

		assert_int_equal(ospf_eng_announce(s->e, s->now, v, 2), 0);
	}
	advance(s, 6000);
	assert_true(find_new(s, OSPF_T_LSU, &p) < 0);
	assert_int_equal(s->e->cnt.originations, 3);
	script_free(s);
}

/* BIRD floods back the instance we originated in an earlier life, with
 * a higher sequence number: we go one above it at once (13.4). */
static void test_reoriginate_above_flooded_back(void **state)
{
	struct script *s = script_new(A(10, 201, 1, 2), 1500);
	struct ospf_rtr_link old[2] = {
		{ BIRD_RID, A(10, 201, 1, 2), OSPF_LINK_PTP, 10 },
		{ A(10, 201, 1, 0), 0xffffff00, OSPF_LINK_STUB, 10 },
	};
	struct ospf_rtr_link l[16];
	struct ospf_lsa_hdr h;
	uint8_t lsa[256];
	struct pbuf b;
	uint32_t seq;
	unsigned n;
	size_t ll;

	(void)state;
	to_full_as_master(s, &seq);
	ack_ours(s);
	advance(s, 300);
	bird_hello(s, true);
	mark(s);
	ll = mk_rtr_lsa(lsa, sizeof(lsa), s->rid, 0x80000017, 40, old, 2);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	last_lsu_lsa(s, &h, l, &n);
	assert_int_equal(h.seq, 0x80000018);
	assert_true(has_link(l, n, OSPF_LINK_STUB, VIP, 0xffffffff, 10));
	assert_int_equal(s->e->next_seq, 0x80000019);
	script_free(s);
}

/* After a restart: BIRD describes our old LSA during the exchange, we
 * request it, and the first instance we originate is above it. */
static void test_restart_exchange_learns_old_seq(void **state)
{
	struct script *s = script_new(A(10, 201, 1, 2), 1500);
	struct ospf_rtr_link old[3] = {
		{ BIRD_RID, A(10, 201, 1, 2), OSPF_LINK_PTP, 10 },
		{ A(10, 201, 1, 0), 0xffffff00, OSPF_LINK_STUB, 10 },
		{ VIP, 0xffffffff, OSPF_LINK_STUB, 10 },
	};
	struct ospf_rtr_link l[16];
	struct ospf_lsa_hdr bh[2], h;
	uint8_t lsas[512];
	struct ospf_pkt p;
	struct pbuf b;
	size_t l1, l2;
	unsigned n;
	uint32_t S;

	(void)state;
	advance(s, 100);
	bird_hello(s, false);
	advance(s, 100);
	mark(s);
	bird_hello(s, true);
	assert_true(find_new(s, OSPF_T_DBD, &p) >= 0);
	S = p.u.dbd.seq;
	l1 = bird_lsa(s, lsas, 0x80000005, 2);
	l2 = mk_rtr_lsa(lsas + l1, sizeof(lsas) - l1, s->rid, 0x80000009, 600, old, 3);
	lsa_hdr_of(lsas, &bh[0]);
	lsa_hdr_of(lsas + l1, &bh[1]);
	mk_dbd(&b, BIRD_RID, 1500, 0x42, 0, S, bh, 2);
	feed(s, &b);
	assert_int_equal(nbr(s)->request.n, 2);
	mk_dbd(&b, BIRD_RID, 1500, 0x42, 0, S + 1, NULL, 0);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_LOADING);
	mark(s);
	mk_lsu(&b, BIRD_RID, lsas, l1 + l2, 2);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_FULL);
	last_lsu_lsa(s, &h, l, &n);
	assert_int_equal(h.seq, 0x8000000a);
	assert_int_equal(s->e->cnt.originations, 1);   /* one, not two */
	assert_int_equal(n, 3);
	script_free(s);
}

/* Our Router ID is the smaller: BIRD is master, we answer as slave. */
static void test_bird_slave_role(void **state)
{
	struct script *s = script_new(A(10, 0, 0, 2), 1400);
	struct ospf_lsa_hdr bh;
	struct ospf_pkt p;
	uint8_t lsa[256];
	struct pbuf b, m1;
	const uint32_t B = 0x678ed374;
	size_t ll;
	int at, at2;

	(void)state;
	advance(s, 100);
	bird_hello(s, false);
	advance(s, 100);
	bird_hello(s, true);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXSTART);
	/* BIRD's own opening: it has the larger ID, so we become slave */
	mark(s);
	mk_dbd(&b, BIRD_RID, 1400, 0x42, OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS, B, NULL, 0);
	feed(s, &b);
	assert_false(nbr(s)->master);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXCHANGE);
	at = find_new(s, OSPF_T_DBD, &p);
	assert_true(at >= 0);
	assert_int_equal(p.u.dbd.seq, B);
	assert_int_equal(p.u.dbd.flags, 0);          /* slave, nothing more */
	assert_int_equal(p.u.dbd.mtu, 1400);
	assert_int_equal(p.u.dbd.options, OSPF_OPT_E);
	/* a master's resend of the opening gets our last packet again */
	mark(s);
	feed(s, &b);
	at2 = find_new(s, OSPF_T_DBD, &p);
	assert_true(at2 >= 0);
	assert_int_equal(s->col.s[at2].len, s->col.s[at].len);
	assert_memory_equal(s->col.s[at2].pkt, s->col.s[at].pkt, s->col.s[at].len);

	/* the master's next: its one header, M clear */
	ll = bird_lsa(s, lsa, 0x80000003, 5);
	lsa_hdr_of(lsa, &bh);
	mark(s);
	mk_dbd(&m1, BIRD_RID, 1400, 0x42, OSPF_DBD_MS, B + 1, &bh, 1);
	feed(s, &m1);
	assert_int_equal(nbr(s)->state, OSPF_NS_LOADING);
	assert_true(find_new(s, OSPF_T_DBD, &p) >= 0);
	assert_int_equal(p.u.dbd.seq, B + 1);
	assert_int_equal(p.u.dbd.flags, 0);
	assert_true(find_new(s, OSPF_T_LSR, &p) >= 0);
	/* an MTU larger than ours is refused */
	mk_dbd(&b, BIRD_RID, 9000, 0x42, OSPF_DBD_MS, B + 2, NULL, 0);
	feed(s, &b);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_DBD_MTU], 1);
	/* the LSU completes loading */
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_FULL);
	/* in Full the slave still answers the master's duplicate */
	mark(s);
	feed(s, &m1);
	assert_true(find_new(s, OSPF_T_DBD, &p) >= 0);
	assert_int_equal(p.u.dbd.seq, B + 1);
	/* and anything else restarts the exchange */
	mk_dbd(&b, BIRD_RID, 1400, 0x42, OSPF_DBD_MS, B + 7, NULL, 0);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXSTART);
	script_free(s);
}

/* Bad LSAs while Full; MinLSArrival; LSR for something unknown. */
static void test_full_lsa_handling(void **state)
{
	struct script *s = script_new(A(10, 201, 1, 2), 1500);
	struct ospf_lsa_hdr h;
	struct ospf_pkt p;
	uint8_t lsa[256];
	struct pbuf b;
	uint32_t seq;
	size_t ll;

	(void)state;
	to_full_as_master(s, &seq);
	ack_ours(s);
	/* damaged checksum: dropped, not acknowledged, not installed */
	advance(s, 1500);
	bird_hello(s, true);
	ll = bird_lsa(s, lsa, 0x80000002, 1);
	lsa[ll - 1] ^= 0xff;
	mark(s);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	advance(s, 300);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_LSA_CSUM], 1);
	assert_true(find_new(s, OSPF_T_LSACK, &p) < 0);
	/* the good instance is taken and acknowledged */
	ll = bird_lsa(s, lsa, 0x80000002, 1);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	advance(s, 300);
	assert_true(find_new(s, OSPF_T_LSACK, &p) >= 0);
	/* a successor within MinLSArrival is dropped unacknowledged */
	ll = bird_lsa(s, lsa, 0x80000003, 1);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	mark(s);
	feed(s, &b);
	advance(s, 300);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_LSA_ARRIVAL], 1);
	assert_true(find_new(s, OSPF_T_LSACK, &p) < 0);
	/* a second later it is accepted */
	advance(s, 800);
	bird_hello(s, true);
	feed(s, &b);
	advance(s, 300);
	assert_true(find_new(s, OSPF_T_LSACK, &p) >= 0);
	/* the same instance again: acknowledged directly */
	mark(s);
	feed(s, &b);
	assert_true(find_new(s, OSPF_T_LSACK, &p) >= 0);
	/* an older instance: we send ours back instead */
	ll = bird_lsa(s, lsa, 0x80000002, 1);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	mark(s);
	feed(s, &b);
	last_lsu_lsa(s, &h, NULL, NULL);
	assert_int_equal(h.seq, 0x80000003);
	/* an LSA type we do not know is dropped */
	ll = bird_lsa(s, lsa, 0x80000004, 1);
	lsa[3] = 10;
	ospf_lsa_csum_set(lsa, ll);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_LSA_TYPE], 1);
	/* an LSR for our LSA is answered with it */
	{
		struct ospf_lsa_key k = { 1, s->rid, s->rid };

		mk_lsr(&b, BIRD_RID, &k, 1);
		mark(s);
		feed(s, &b);
		last_lsu_lsa(s, &h, NULL, NULL);
		assert_int_equal(h.adv, s->rid);
		/* and one for something we never had is BadLSReq */
		k.id = A(1, 2, 3, 4);
		mk_lsr(&b, BIRD_RID, &k, 1);
		feed(s, &b);
		assert_int_equal(nbr(s)->state, OSPF_NS_EXSTART);
	}
	script_free(s);
}

/* No Hello for RouterDeadInterval: the neighbour is gone, and our LSA is
 * flushed with MaxAge when we stop. */
static void test_dead_and_flush(void **state)
{
	struct script *s = script_new(A(10, 201, 1, 2), 1500);
	struct ospf_lsa_hdr h;
	struct ospf_pkt p;
	uint32_t seq;

	(void)state;
	to_full_as_master(s, &seq);
	ack_ours(s);
	/* stop: flush first, waiting for the acknowledgement */
	mark(s);
	ospf_eng_flush(s->e, s->now);
	last_lsu_lsa(s, &h, NULL, NULL);
	assert_int_equal(h.age, OSPF_MAX_AGE);
	assert_int_equal(h.seq, seq);
	assert_true(ospf_eng_flush_pending(s->e));
	ack_ours(s);
	assert_false(ospf_eng_flush_pending(s->e));
	/* the goodbye Hello lists nobody */
	mark(s);
	ospf_eng_goodbye(s->e, s->now);
	assert_true(find_new(s, OSPF_T_HELLO, &p) >= 0);
	assert_int_equal(p.u.hello.n_nbrs, 0);
	script_free(s);

	s = script_new(A(10, 201, 1, 2), 1500);
	to_full_as_master(s, &seq);     /* BIRD's last Hello: 300 ms ago */
	advance(s, 2600);
	assert_int_equal(nbr(s)->state, OSPF_NS_FULL);
	advance(s, 200);
	assert_int_equal(s->e->ifaces[0].n_nbrs, 0);
	/* nobody to tell: the new router-LSA waits for an adjacency */
	assert_true(s->e->orig_pending);
	script_free(s);
}

/* A LAN where BIRD is DR and we are priority 0 (ospf-bcast-n1.pcap):
 * 2-Way, election, ExStart with the DR only; DBDs and LSRs unicast to
 * it, floods and delayed acks to AllDRouters; a transit link once Full.
 * BIRD, still Waiting, ignores our first DBD and sends its own opening a
 * second later: we resend ours at once instead of after RxmtInterval. */
static void test_lan_drother(void **state)
{
	struct script *s = calloc(1, sizeof(*s));
	struct ospf_prefix vip = { VIP, 32, 10 };
	struct ospf_rtr_link l[16];
	struct ospf_lsa_hdr h, bh;
	struct ospf_conf c;
	struct ospf_pkt p;
	uint8_t lsa[256];
	uint32_t us, S;
	struct pbuf b;
	unsigned n;
	size_t ll;
	int at;

	(void)state;
	assert_non_null(s);
	s->rid = A(10, 201, 1, 2);
	s->my_ip = A(10, 201, 1, 2);
	us = s->rid;
	conf_one(&c, s->rid, "t0", s->my_ip, 24, OSPF_IF_BCAST);
	assert_int_equal(ospf_eng_create(&c, collect_cb, &s->col, 9, &s->e), 0);
	s->now = 1000;
	assert_int_equal(ospf_eng_announce(s->e, s->now, &vip, 1), 0);
	ospf_eng_start(s->e, s->now);
	assert_int_equal(s->e->ifaces[0].state, OSPF_IS_DROTHER);
	assert_true(collector_find(&s->col, 0, OSPF_T_HELLO, &p) >= 0);
	assert_int_equal(p.u.hello.prio, 0);

	/* BIRD still Waiting: declares nobody */
	advance(s, 100);
	mk_hello(&b, BIRD_RID, 0, 1, 3, 0xffffff00, 1, 0, 0, &us, 1);
	mark(s);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_EXSTART);   /* it is DR (and BDR) for us */
	assert_int_equal(s->e->ifaces[0].dr, BIRD_IP);
	at = find_new(s, OSPF_T_DBD, &p);
	assert_true(at >= 0);
	assert_int_equal(s->col.s[at].dst, BIRD_IP);       /* unicast on a LAN */
	S = p.u.dbd.seq;
	/* a second later BIRD opens itself: ours goes out again now */
	advance(s, 1000);
	mk_hello(&b, BIRD_RID, 0, 1, 3, 0xffffff00, 1, BIRD_IP, 0, &us, 1);
	feed(s, &b);
	mark(s);
	mk_dbd(&b, BIRD_RID, 1500, 0x42, OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS, 0x678ed374, NULL, 0);
	feed(s, &b);
	assert_true(find_new(s, OSPF_T_DBD, &p) >= 0);
	assert_int_equal(p.u.dbd.seq, S);
	assert_int_equal(p.u.dbd.flags, OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_DBD_IGNORED], 0);

	/* exchange as master */
	ll = bird_lsa(s, lsa, 0x80000002, 1);
	lsa_hdr_of(lsa, &bh);
	mk_dbd(&b, BIRD_RID, 1500, 0x42, 0, S, &bh, 1);
	mark(s);
	feed(s, &b);
	at = find_new(s, OSPF_T_LSR, &p);
	assert_true(at >= 0);
	assert_int_equal(s->col.s[at].dst, BIRD_IP);
	mk_dbd(&b, BIRD_RID, 1500, 0x42, 0, S + 1, NULL, 0);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_LOADING);
	mark(s);
	mk_lsu(&b, BIRD_RID, lsa, ll, 1);
	feed(s, &b);
	assert_int_equal(nbr(s)->state, OSPF_NS_FULL);
	at = find_new(s, OSPF_T_LSU, &p);
	assert_true(at >= 0);
	assert_int_equal(s->col.s[at].dst, OSPF_ALL_DR);
	last_lsu_lsa(s, &h, l, &n);
	assert_int_equal(n, 2);
	assert_true(has_link(l, n, OSPF_LINK_TRANSIT, BIRD_IP, s->my_ip, 10));
	assert_true(has_link(l, n, OSPF_LINK_STUB, VIP, 0xffffffff, 10));
	mark(s);
	advance(s, 300);
	at = find_new(s, OSPF_T_LSACK, &p);
	assert_true(at >= 0);
	assert_int_equal(s->col.s[at].dst, OSPF_ALL_DR);
	/* a packet to AllDRouters is not for a DROther */
	mk_hello(&b, BIRD_RID, 0, 1, 3, 0xffffff00, 1, BIRD_IP, 0, &us, 1);
	ospf_eng_input(s->e, s->now, 0, BIRD_IP, OSPF_ALL_DR, b.b, b.len);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_DST], 1);
	/* nor a Hello from off the subnet, nor one with another mask */
	ospf_eng_input(s->e, s->now, 0, A(10, 9, 9, 9), OSPF_ALL_SPF, b.b, b.len);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_SRC], 1);
	mk_hello(&b, BIRD_RID, 0, 1, 3, 0xffff0000, 1, BIRD_IP, 0, &us, 1);
	feed(s, &b);
	assert_int_equal(s->e->cnt.drops[OSPF_DROP_HELLO_MASK], 1);
	script_free(s);
}

/* ---- two engines ---- */

struct pair {
	struct net n;
	struct net_port port[2];
	struct ospf_conf conf[2];
};

static void pair_make(struct pair *p, int i, uint64_t now)
{
	struct ospf_prefix vip = { VIP, 32, 10 };

	assert_int_equal(ospf_eng_create(&p->conf[i], net_cb, &p->port[i],
					 (uint32_t)(i + 1) * 77 + (uint32_t)now,
					 &p->n.e[i]), 0);
	if (i == 1)
		assert_int_equal(ospf_eng_announce(p->n.e[1], now, &vip, 1), 0);
	ospf_eng_start(p->n.e[i], now);
}

static struct pair *pair_new(void)
{
	struct pair *p = calloc(1, sizeof(*p));
	int i;

	assert_non_null(p);
	p->n.now = 1000;
	p->n.addr[0] = BIRD_IP;
	p->n.addr[1] = A(10, 201, 1, 2);
	conf_one(&p->conf[0], BIRD_RID, "r-n1", BIRD_IP, 24, OSPF_IF_PTP);
	conf_one(&p->conf[1], A(10, 201, 1, 2), "n1-r", A(10, 201, 1, 2), 24,
		 OSPF_IF_PTP);
	for (i = 0; i < 2; i++) {
		p->port[i].n = &p->n;
		p->port[i].idx = i;
		pair_make(p, i, p->n.now);
	}
	return p;
}

static void pair_free(struct pair *p)
{
	net_flush_queue(&p->n);
	ospf_eng_destroy(p->n.e[0]);
	ospf_eng_destroy(p->n.e[1]);
	free(p);
}

static struct ospf_lsa *lsa_of(struct ospf_eng *e, uint32_t rid)
{
	struct ospf_lsa_key k = { OSPF_LSA_ROUTER, rid, rid };

	return ospf_lsdb_find(&e->db, &k);
}

static bool b_lsa_at_a_has_vip(struct net *n)
{
	struct ospf_lsa *l = lsa_of(n->e[0], A(10, 201, 1, 2));
	struct ospf_rtr_link links[16];
	uint8_t flags;
	unsigned cnt;

	if (!l || ospf_rtr_body_decode(l->data + 20, l->len - 20, &flags, links,
				       16, &cnt))
		return false;
	return has_link(links, cnt, OSPF_LINK_STUB, VIP, 0xffffffff, 10) &&
	       has_link(links, cnt, OSPF_LINK_PTP, BIRD_RID, A(10, 201, 1, 2), 10);
}

static bool converged(struct net *n)
{
	return both_full(n) && b_lsa_at_a_has_vip(n) &&
	       lsa_of(n->e[1], BIRD_RID) && !first_nbr(n->e[1])->retrans.n;
}

static void test_pair_converge(void **state)
{
	struct pair *p = pair_new();
	int64_t t;

	(void)state;
	t = net_until(&p->n, 10000, converged);
	assert_true(t >= 0);
	print_message("two engines: full and announced in %lld ms (fake clock)\n",
		      (long long)t);
	assert_true(first_nbr(p->n.e[1])->master);      /* larger Router ID */
	assert_false(first_nbr(p->n.e[0])->master);
	assert_int_equal(p->n.e[0]->db.count, 2);
	assert_int_equal(p->n.e[1]->db.count, 2);
	/* a full minute of Hellos keeps everything as it is */
	net_run(&p->n, 60000);
	assert_true(converged(&p->n));
	assert_int_equal(p->n.e[1]->cnt.originations, 1);
	print_drops("router", p->n.e[0]);
	print_drops("mgw", p->n.e[1]);
	assert_int_equal(drops_total(p->n.e[0]), 0);
	assert_int_equal(drops_total(p->n.e[1]), 0);
	pair_free(p);
}

static uint32_t lcg;

static bool lose_some(struct net *n, int from, const uint8_t *pkt, size_t len)
{
	(void)n;
	(void)from;
	(void)pkt;
	(void)len;
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 16) % 100 < 30;
}

static void test_pair_lossy(void **state)
{
	struct pair *p = pair_new();
	int64_t t;

	(void)state;
	lcg = 12345;
	p->n.lose = lose_some;
	t = net_until(&p->n, 120000, converged);
	assert_true(t >= 0);
	print_message("30%% loss: converged in %lld ms (fake clock), %u packets lost\n",
		      (long long)t, p->n.lost);
	assert_true(p->n.lost > 0);
	pair_free(p);
}

/* The mgw engine restarts (a crash: no flush). The router still has its
 * LSA; the new life's first instance goes above it and carries the VIP. */
static void test_pair_restart(void **state)
{
	struct pair *p = pair_new();
	struct ospf_lsa *l;
	uint32_t old_seq;
	int64_t t;

	(void)state;
	assert_true(net_until(&p->n, 10000, converged) >= 0);
	/* a withdrawal and a re-announcement, to move the sequence on */
	net_run(&p->n, 6000);
	assert_int_equal(ospf_eng_announce(p->n.e[1], p->n.now, NULL, 0), 0);
	net_run(&p->n, 6000);
	{
		struct ospf_prefix vip = { VIP, 32, 10 };

		assert_int_equal(ospf_eng_announce(p->n.e[1], p->n.now, &vip, 1), 0);
	}
	net_run(&p->n, 1000);
	old_seq = lsa_of(p->n.e[0], A(10, 201, 1, 2))->h.seq;
	assert_int_equal(old_seq, OSPF_INITIAL_SEQ + 2);

	ospf_eng_destroy(p->n.e[1]);
	p->n.e[1] = NULL;
	net_flush_queue(&p->n);
	net_run(&p->n, 500);
	pair_make(p, 1, p->n.now);
	t = net_until(&p->n, 20000, converged);
	assert_true(t >= 0);
	l = lsa_of(p->n.e[0], A(10, 201, 1, 2));
	assert_int_equal(l->h.seq, old_seq + 1);
	assert_int_equal(p->n.e[1]->cnt.originations, 1);
	print_message("restarted engine re-announced (seq 0x%08x > 0x%08x) in %lld ms\n",
		      l->h.seq, old_seq, (long long)t);
	pair_free(p);
}

/* LSRefreshTime: every 30 minutes a new instance, before MaxAge. */
static void test_pair_refresh(void **state)
{
	struct pair *p = pair_new();
	struct ospf_lsa *l;

	(void)state;
	assert_true(net_until(&p->n, 10000, converged) >= 0);
	net_run(&p->n, (OSPF_LS_REFRESH - 10) * 1000ull);
	l = lsa_of(p->n.e[0], A(10, 201, 1, 2));
	assert_int_equal(l->h.seq, OSPF_INITIAL_SEQ);
	net_run(&p->n, 20000);
	l = lsa_of(p->n.e[0], A(10, 201, 1, 2));
	assert_int_equal(l->h.seq, OSPF_INITIAL_SEQ + 1);
	assert_true(ospf_lsa_age(l, p->n.now) < 20);
	assert_true(converged(&p->n));
	pair_free(p);
}

/* Flush on stop: the router's copy goes MaxAge, then away; the goodbye
 * Hello takes the adjacency down without waiting for the dead timer. */
static bool a_forgot_b(struct net *n)
{
	struct ospf_nbr *a = first_nbr(n->e[0]);

	return !lsa_of(n->e[0], A(10, 201, 1, 2)) &&
	       (!a || a->state < OSPF_NS_2WAY);
}

static void test_pair_flush(void **state)
{
	struct pair *p = pair_new();
	struct ospf_lsa *l;
	int64_t t;

	(void)state;
	assert_true(net_until(&p->n, 10000, converged) >= 0);
	/* (within MinLSArrival of the origination the router would drop
	 * the flush, as BIRD does, until the retransmission) */
	net_run(&p->n, 1100);
	ospf_eng_flush(p->n.e[1], p->n.now);
	net_run(&p->n, 20);
	assert_true(ospf_eng_flush_pending(p->n.e[1]));    /* acks are delayed */
	net_run(&p->n, 300);
	assert_false(ospf_eng_flush_pending(p->n.e[1]));
	l = lsa_of(p->n.e[0], A(10, 201, 1, 2));
	assert_true(l == NULL || l->h.age == OSPF_MAX_AGE);
	ospf_eng_goodbye(p->n.e[1], p->n.now);
	net_step(&p->n, 0);
	ospf_eng_destroy(p->n.e[1]);
	p->n.e[1] = NULL;
	assert_true(first_nbr(p->n.e[0])->state == OSPF_NS_INIT);
	t = net_until(&p->n, 5000, a_forgot_b);
	assert_true(t >= 0 && t <= 1100);
	pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bird_master_full_withdraw),
		cmocka_unit_test(test_reoriginate_above_flooded_back),
		cmocka_unit_test(test_restart_exchange_learns_old_seq),
		cmocka_unit_test(test_bird_slave_role),
		cmocka_unit_test(test_full_lsa_handling),
		cmocka_unit_test(test_dead_and_flush),
		cmocka_unit_test(test_lan_drother),
		cmocka_unit_test(test_pair_converge),
		cmocka_unit_test(test_pair_lossy),
		cmocka_unit_test(test_pair_restart),
		cmocka_unit_test(test_pair_refresh),
		cmocka_unit_test(test_pair_flush),
	};

	rte_log_set_level(mgw_logtype_ospf, RTE_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
