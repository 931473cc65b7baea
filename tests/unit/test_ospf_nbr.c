/* OSPF state machines: every state x event of the neighbour machine
 * (RFC 2328 10.3) and of the interface machine (9.3) against a table
 * written out here independently of the one in ospf_nbr.c, in the
 * contexts that change the outcome (point-to-point or a LAN neighbour we
 * need no adjacency with; an empty or non-empty request list). Plus the
 * side effects that matter and the LAN's DR election (9.4).
 */
#include "ospf_test.h"

enum { D = OSPF_NS_DOWN, I = OSPF_NS_INIT, W = OSPF_NS_2WAY,
       S = OSPF_NS_EXSTART, X = OSPF_NS_EXCHANGE, L = OSPF_NS_LOADING,
       F = OSPF_NS_FULL };

/* Columns: HelloReceived 2-WayReceived NegotiationDone ExchangeDone
 * BadLSReq LoadingDone AdjOK? SeqNumberMismatch 1-WayReceived KillNbr
 * InactivityTimer LLDown. Point-to-point, empty request list. */
static const int expect_ptp[OSPF_NS_MAX][OSPF_NE_MAX] = {
	[D] = { I, D, D, D, D, D, D, D, D, D, D, D },
	[I] = { I, S, I, I, I, I, I, I, I, D, D, D },
	[W] = { W, W, W, W, W, W, S, W, I, D, D, D },
	[S] = { S, S, X, S, S, S, S, S, I, D, D, D },
	[X] = { X, X, X, F, S, X, X, S, I, D, D, D },
	[L] = { L, L, L, L, S, F, L, S, I, D, D, D },
	[F] = { F, F, F, F, S, F, F, S, I, D, D, D },
};

struct ctx {
	struct ospf_eng *e;
	struct ospf_nbr *n;
	struct collector col;
};

static struct ctx *ctx_new(uint8_t type)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct ospf_conf conf;

	assert_non_null(c);
	conf_one(&conf, A(10, 201, 1, 2), "t0", A(10, 201, 1, 2), 24, type);
	assert_int_equal(ospf_eng_create(&conf, collect_cb, &c->col, 3, &c->e), 0);
	ospf_eng_start(c->e, 1000);
	c->n = ospf_nbr_new(&c->e->ifaces[0], A(10, 201, 0, 1), A(10, 201, 1, 1), 1000);
	assert_non_null(c->n);
	collector_reset(&c->col);
	return c;
}

static void ctx_free(struct ctx *c)
{
	ospf_eng_destroy(c->e);
	collector_reset(&c->col);
	free(c);
}

static int run_one(uint8_t type, int state, int ev, bool requests)
{
	struct ctx *c = ctx_new(type);
	struct ospf_lsa_hdr h = { .type = 1, .id = 9, .adv = 9, .seq = 0x80000001 };
	int r;

	c->n->state = (enum ospf_nbr_state)state;
	if (requests)
		assert_int_equal(ospf_klist_add(&c->n->request, &h), 0);
	ospf_nbr_event(c->n, 2000, (enum ospf_nbr_event)ev);
	r = c->n->state;
	ctx_free(c);
	return r;
}

static void test_nbr_table_ptp(void **state)
{
	int s, ev, checked = 0;

	(void)state;
	for (s = 0; s < OSPF_NS_MAX; s++)
		for (ev = 0; ev < OSPF_NE_MAX; ev++) {
			int got = run_one(OSPF_IF_PTP, s, ev, false);

			if (got != expect_ptp[s][ev])
				fail_msg("%s x %s: got %s, want %s",
					 ospf_nbr_state_name(s), ospf_nbr_event_name(ev),
					 ospf_nbr_state_name(got),
					 ospf_nbr_state_name(expect_ptp[s][ev]));
			checked++;
		}
	print_message("%d state x event pairs checked\n", checked);
}

/* With something still to request, ExchangeDone leads to Loading. */
static void test_nbr_table_requests(void **state)
{
	int s, ev;

	(void)state;
	for (s = 0; s < OSPF_NS_MAX; s++)
		for (ev = 0; ev < OSPF_NE_MAX; ev++) {
			int want = expect_ptp[s][ev];

			if (s == X && ev == OSPF_NE_EXCH_DONE)
				want = L;
			assert_int_equal(run_one(OSPF_IF_PTP, s, ev, true), want);
		}
}

/* On a LAN, with a neighbour that is neither DR nor BDR, we form no
 * adjacency: 2-WayReceived stops at 2-Way and AdjOK? tears one down. */
static void test_nbr_table_lan_no_adjacency(void **state)
{
	int s, ev;

	(void)state;
	for (s = 0; s < OSPF_NS_MAX; s++)
		for (ev = 0; ev < OSPF_NE_MAX; ev++) {
			int want = expect_ptp[s][ev];

			if (s == I && ev == OSPF_NE_2WAY_RX)
				want = W;
			if (ev == OSPF_NE_ADJ_OK && s >= W)
				want = W;
			assert_int_equal(run_one(OSPF_IF_BCAST, s, ev, false), want);
		}
}

static void test_nbr_side_effects(void **state)
{
	struct ctx *c = ctx_new(OSPF_IF_PTP);
	struct ospf_lsa_hdr h = { .type = 1, .id = 9, .adv = 9, .seq = 0x80000001 };
	struct ospf_pkt p;
	uint32_t seq;
	int at;

	(void)state;
	/* HelloReceived arms the inactivity timer */
	ospf_nbr_event(c->n, 2000, OSPF_NE_HELLO_RX);
	assert_int_equal(c->n->dead_at, 2000 + 3000);
	/* entering ExStart claims mastership with an empty I|M|MS DBD */
	ospf_nbr_event(c->n, 2000, OSPF_NE_2WAY_RX);
	assert_int_equal(c->n->state, S);
	at = collector_find(&c->col, 0, OSPF_T_DBD, &p);
	assert_true(at >= 0);
	assert_int_equal(p.u.dbd.flags, OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS);
	assert_int_equal(p.u.dbd.n_hdrs, 0);
	assert_int_equal(p.u.dbd.mtu, 1500);
	assert_int_equal(c->col.s[at].dst, OSPF_ALL_SPF);
	seq = p.u.dbd.seq;
	/* a SeqNumberMismatch restarts with the next sequence number and
	 * empties the lists */
	c->n->state = OSPF_NS_EXCHANGE;
	ospf_klist_add(&c->n->request, &h);
	ospf_klist_add(&c->n->retrans, &h);
	collector_reset(&c->col);
	ospf_nbr_event(c->n, 2100, OSPF_NE_SEQ_MISMATCH);
	assert_int_equal(c->n->state, S);
	assert_int_equal(c->n->request.n, 0);
	assert_int_equal(c->n->retrans.n, 0);
	assert_true(collector_find(&c->col, 0, OSPF_T_DBD, &p) >= 0);
	assert_int_equal(p.u.dbd.seq, seq + 1);
	/* 1-WayReceived from Full clears everything and wants a new
	 * router-LSA (the p2p link is gone) */
	c->n->state = OSPF_NS_FULL;
	ospf_klist_add(&c->n->retrans, &h);
	c->e->orig_pending = false;
	ospf_nbr_event(c->n, 2200, OSPF_NE_1WAY_RX);
	assert_int_equal(c->n->state, I);
	assert_int_equal(c->n->retrans.n, 0);
	assert_true(c->e->orig_pending);
	/* InactivityTimer: Down, and reaped */
	ospf_nbr_event(c->n, 2300, OSPF_NE_INACTIVITY);
	assert_int_equal(c->n->state, D);
	ospf_iface_reap(&c->e->ifaces[0]);
	assert_int_equal(c->e->ifaces[0].n_nbrs, 0);
	ctx_free(c);
}

/* Interface machine: rows Down, PointToPoint, DROther; columns
 * InterfaceUp, NeighborChange, InterfaceDown. */
static void test_iface_table(void **state)
{
	static const int want_ptp[OSPF_IS_MAX][OSPF_IE_MAX] = {
		[OSPF_IS_DOWN] = { OSPF_IS_PTP, OSPF_IS_DOWN, OSPF_IS_DOWN },
		[OSPF_IS_PTP] = { OSPF_IS_PTP, OSPF_IS_PTP, OSPF_IS_DOWN },
	};
	static const int want_lan[OSPF_IS_MAX][OSPF_IE_MAX] = {
		[OSPF_IS_DOWN] = { OSPF_IS_DROTHER, OSPF_IS_DOWN, OSPF_IS_DOWN },
		[OSPF_IS_DROTHER] = { OSPF_IS_DROTHER, OSPF_IS_DROTHER, OSPF_IS_DOWN },
	};
	int t, s, ev;

	(void)state;
	for (t = 0; t < 2; t++) {
		uint8_t type = t ? OSPF_IF_BCAST : OSPF_IF_PTP;
		const int (*want)[OSPF_IE_MAX] = t ? want_lan : want_ptp;

		for (s = 0; s < OSPF_IS_MAX; s++) {
			if (s != OSPF_IS_DOWN &&
			    s != (t ? OSPF_IS_DROTHER : OSPF_IS_PTP))
				continue;
			for (ev = 0; ev < OSPF_IE_MAX; ev++) {
				struct collector *col = calloc(1, sizeof(*col));
				struct ospf_conf conf;
				struct ospf_eng *e;

				conf_one(&conf, A(1, 1, 1, 1), "t0", A(10, 0, 0, 2), 24, type);
				assert_int_equal(ospf_eng_create(&conf, collect_cb, col, 1, &e), 0);
				e->ifaces[0].state = (enum ospf_if_state)s;
				ospf_iface_event(&e->ifaces[0], 1000, (enum ospf_if_event)ev);
				assert_int_equal(e->ifaces[0].state, want[s][ev]);
				if (s == OSPF_IS_DOWN && ev == OSPF_IE_UP) {
					/* the first Hello is due at once */
					ospf_eng_tick(e, 1000);
					assert_int_equal(collector_count(col, OSPF_T_HELLO), 1);
				}
				ospf_eng_destroy(e);
				collector_reset(col);
				free(col);
			}
		}
	}
}

static struct ospf_nbr *lan_nbr(struct ospf_iface *ifa, uint32_t rid,
				uint32_t addr, uint8_t prio, uint32_t dr,
				uint32_t bdr)
{
	struct ospf_nbr *n = ospf_nbr_new(ifa, rid, addr, 1000);

	assert_non_null(n);
	n->state = OSPF_NS_2WAY;
	n->prio = prio;
	n->dr = dr;
	n->bdr = bdr;
	return n;
}

static void test_dr_election(void **state)
{
	struct collector *col = calloc(1, sizeof(*col));
	struct ospf_conf conf;
	struct ospf_eng *e;
	struct ospf_iface *ifa;
	struct ospf_nbr *a, *b, *z;

	(void)state;
	conf_one(&conf, A(10, 201, 1, 2), "t0", A(10, 201, 1, 2), 24, OSPF_IF_BCAST);
	assert_int_equal(ospf_eng_create(&conf, collect_cb, col, 1, &e), 0);
	ospf_eng_start(e, 1000);
	ifa = &e->ifaces[0];
	/* nobody declares anything: the best is BDR and, for lack of a
	 * DR, DR as well (what BIRD announced in ospf-bcast-n1.pcap) */
	a = lan_nbr(ifa, A(10, 201, 0, 1), A(10, 201, 1, 1), 1, 0, 0);
	z = lan_nbr(ifa, A(10, 201, 9, 9), A(10, 201, 1, 9), 0, 0, 0);
	ospf_iface_event(ifa, 1000, OSPF_IE_NBR_CHANGE);
	assert_int_equal(ifa->dr, A(10, 201, 1, 1));
	assert_int_equal(ifa->bdr, A(10, 201, 1, 1));
	/* a is DR and so we go ExStart with it; the priority-0 one is out */
	assert_int_equal(a->state, OSPF_NS_EXSTART);
	assert_int_equal(z->state, OSPF_NS_2WAY);
	/* a second router: a declares itself DR, b is BDR by priority */
	a->dr = a->addr;
	b = lan_nbr(ifa, A(10, 201, 0, 2), A(10, 201, 1, 3), 5, A(10, 201, 1, 1), 0);
	ospf_iface_event(ifa, 1100, OSPF_IE_NBR_CHANGE);
	assert_int_equal(ifa->dr, A(10, 201, 1, 1));
	assert_int_equal(ifa->bdr, A(10, 201, 1, 3));
	assert_int_equal(b->state, OSPF_NS_EXSTART);
	/* b declares itself DR with the higher priority: it wins; a stays
	 * adjacent as BDR */
	b->dr = b->addr;
	a->bdr = a->addr;
	a->dr = b->addr;
	ospf_iface_event(ifa, 1200, OSPF_IE_NBR_CHANGE);
	assert_int_equal(ifa->dr, A(10, 201, 1, 3));
	assert_int_equal(ifa->bdr, A(10, 201, 1, 1));
	assert_int_equal(a->state, OSPF_NS_EXSTART);
	/* our Hello names them, with priority 0 */
	collector_reset(col);
	ospf_hello_send(ifa, 1300, false);
	{
		struct ospf_pkt p;

		assert_true(collector_find(col, 0, OSPF_T_HELLO, &p) >= 0);
		assert_int_equal(p.u.hello.prio, 0);
		assert_int_equal(p.u.hello.dr, A(10, 201, 1, 3));
		assert_int_equal(p.u.hello.bdr, A(10, 201, 1, 1));
		assert_int_equal(p.u.hello.n_nbrs, 3);
	}
	ospf_eng_destroy(e);
	collector_reset(col);
	free(col);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nbr_table_ptp),
		cmocka_unit_test(test_nbr_table_requests),
		cmocka_unit_test(test_nbr_table_lan_no_adjacency),
		cmocka_unit_test(test_nbr_side_effects),
		cmocka_unit_test(test_iface_table),
		cmocka_unit_test(test_dr_election),
	};

	rte_log_set_level(mgw_logtype_ospf, RTE_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
