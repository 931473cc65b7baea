/* Unit tests: the per-lcore session table (dp/sess.c), the timer wheel
 * (dp/wheel.c) and the TCP state machine (dp/tcp.c). The local-address
 * allocator is in test_laddr.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/addr6.h"
#include "dp/sess.h"
#include "dp/tcp.h"
#include "dp/wheel.h"

static void *table_mem(uint32_t cap, struct dp_sess_tab *t)
{
	void *mem = aligned_alloc(64, (dp_sess_tab_memsize(cap, 0) + 63) & ~(size_t)63);

	assert_non_null(mem);
	dp_sess_tab_init(t, mem, cap, 0);
	return mem;
}

static void fill(struct dp_sess *s, uint32_t i)
{
	s->cip = htonl(0x0b000000 + i);
	s->vip = htonl(0x0a00000a);
	s->cport = htons((uint16_t)(1024 + i % 60000));
	s->vport = htons(80);
	s->rip = htonl(0x0a010000 + i % 200);
	s->lip = htonl(0x0a010064);
	s->rport = htons(8080);
	s->lport = htons((uint16_t)(1024 + (i * 7) % 64000));
	s->proto = 6;
}

/* The hash is keyed: another seed puts the same tuples in other buckets
 * (an attacker who knows the code still cannot aim at one), and a table
 * with any seed finds what it holds. */
static void test_keyed_hash(void **state)
{
	struct dp_sess_tab t;
	void *mem = table_mem(4096, &t);
	unsigned same = 0, dir;

	(void)state;
	for (uint32_t i = 0; i < 1000; i++)
		same += dp_sess_hash(1, htonl(0x0b000000 + i), htonl(0x0a00000a), htons(1024), htons(80), 6) ==
			dp_sess_hash(0x5eed5eed5eedull, htonl(0x0b000000 + i), htonl(0x0a00000a), htons(1024),
				     htons(80), 6);
	assert_true(same < 5);
	t.seed = 0x1234567890abcdefull;
	for (uint32_t i = 0; i < 2000; i++) {
		struct dp_sess *s = dp_sess_alloc(&t);

		fill(s, i);
		assert_int_equal(dp_sess_insert(&t, s), 0);
	}
	for (uint32_t i = 0; i < 2000; i++) {
		struct dp_sess probe;

		fill(&probe, i);
		assert_non_null(dp_sess_lookup(&t, probe.cip, probe.vip, probe.cport, probe.vport, 6, &dir));
		assert_int_equal(dir, 0);
		assert_non_null(dp_sess_lookup(&t, probe.rip, probe.lip, probe.rport, probe.lport, 6, &dir));
		assert_int_equal(dir, 1);
	}
	free(mem);
}

static void test_both_directions(void **state)
{
	struct dp_sess_tab t;
	void *mem = table_mem(1024, &t);
	struct dp_sess *s = dp_sess_alloc(&t), *f;
	unsigned dir = 9;

	(void)state;
	fill(s, 1);
	assert_int_equal(dp_sess_insert(&t, s), 0);
	f = dp_sess_lookup(&t, s->cip, s->vip, s->cport, s->vport, 6, &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, 0);
	f = dp_sess_lookup(&t, s->rip, s->lip, s->rport, s->lport, 6, &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, 1);
	/* same tuple, other protocol: no */
	assert_null(dp_sess_lookup(&t, s->cip, s->vip, s->cport, s->vport, 17, &dir));
	/* reversed tuple: no */
	assert_null(dp_sess_lookup(&t, s->vip, s->cip, s->vport, s->cport, 6, &dir));
	dp_sess_free(&t, s);
	assert_null(dp_sess_lookup(&t, s->cip, s->vip, s->cport, s->vport, 6, &dir));
	assert_int_equal(t.n_used, 0);
	assert_int_equal(t.n_free, 1024);
	free(mem);
}

/* Fill to capacity: every session stays findable both ways, the next one
 * is refused (never an eviction), and freeing makes room again. */
static void test_full_table(void **state)
{
	const uint32_t cap = 100000;
	struct dp_sess_tab t;
	void *mem = table_mem(cap, &t);
	unsigned dir;

	(void)state;
	for (uint32_t i = 0; i < cap; i++) {
		struct dp_sess *s = dp_sess_alloc(&t);

		assert_non_null(s);
		fill(s, i);
		s->cport = htons((uint16_t)(i & 0xffff));
		s->cip = htonl(0x0b000000 + (i >> 16));
		s->lport = htons((uint16_t)(i & 0xffff));
		s->lip = htonl(0x0a010000 + (i >> 16));
		assert_int_equal(dp_sess_insert(&t, s), 0);
	}
	assert_null(dp_sess_alloc(&t));
	for (uint32_t i = 0; i < cap; i++) {
		struct dp_sess *s = &t.sess[i];

		assert_ptr_equal(dp_sess_lookup(&t, s->cip, s->vip, s->cport, s->vport, 6, &dir), s);
		assert_ptr_equal(dp_sess_lookup(&t, s->rip, s->lip, s->rport, s->lport, 6, &dir), s);
	}
	print_message("   %u sessions in %u buckets: %llu cuckoo kicks, %llu failed inserts\n",
		      cap, t.mask + 1, (unsigned long long)t.kicks,
		      (unsigned long long)t.insert_fail);
	dp_sess_free(&t, &t.sess[5]);
	assert_non_null(dp_sess_alloc(&t));
	free(mem);
}

struct node {
	struct dp_wheel_link l;
	int fired_at;
};

struct wctx {
	struct node *n;
	uint32_t now;
	int fired;
	uint32_t last;
};

static void fire(void *arg, uint32_t i)
{
	struct wctx *c = arg;

	c->n[i].fired_at = (int)c->now;
	c->fired++;
}

static void test_wheel_expiry(void **state)
{
	enum { N = 5000, SLOTS = 1024 };
	struct node *n = calloc(N, sizeof(*n));
	uint32_t *heads = malloc(SLOTS * sizeof(uint32_t));
	struct dp_wheel w;
	struct wctx c = { n, 0, 0, 0 };
	unsigned seed = 3;

	(void)state;
	dp_wheel_init(&w, heads, SLOTS, n, sizeof(*n), 0);
	/* expiries beyond the horizon too (up to 4 × slots) */
	for (uint32_t i = 0; i < N; i++) {
		n[i].fired_at = -1;
		dp_wheel_add(&w, i, 1 + (uint32_t)rand_r(&seed) % (4 * SLOTS));
	}
	/* re-arm a third later and a third earlier */
	for (uint32_t i = 0; i < N; i += 3)
		dp_wheel_touch(&w, i, n[i].l.expire + 500);
	for (uint32_t i = 1; i < N; i += 3)
		dp_wheel_touch(&w, i, n[i].l.expire > 100 ? n[i].l.expire - 100 : 1);
	for (c.now = 1; c.now <= 5 * SLOTS; c.now++)
		dp_wheel_advance(&w, c.now, 1000000, fire, &c);
	assert_int_equal(c.fired, N);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal((uint32_t)n[i].fired_at, n[i].l.expire);   /* exactly on time */
	assert_int_equal(w.count, 0);
	free(n);
	free(heads);
}

/* A small budget spreads the work over calls; nothing is lost. */
static void test_wheel_budget_and_jump(void **state)
{
	enum { N = 3000, SLOTS = 256 };
	struct node *n = calloc(N, sizeof(*n));
	uint32_t *heads = malloc(SLOTS * sizeof(uint32_t));
	struct dp_wheel w;
	struct wctx c = { n, 0, 0, 0 };
	unsigned calls = 0;

	(void)state;
	dp_wheel_init(&w, heads, SLOTS, n, sizeof(*n), 1000);
	for (uint32_t i = 0; i < N; i++)
		dp_wheel_add(&w, i, 1000 + 10);            /* all in one slot */
	dp_wheel_del(&w, 7);
	c.now = 5000;                                      /* the lcore slept long */
	while (c.fired < N - 1 && calls < 1000) {
		dp_wheel_advance(&w, c.now, 100, fire, &c);
		calls++;
	}
	assert_int_equal(c.fired, N - 1);
	assert_true(calls >= (N - 1) / 100);
	assert_int_equal(n[7].fired_at, 0);
	/* wrap-around of the 32-bit tick counter */
	dp_wheel_init(&w, heads, SLOTS, n, sizeof(*n), UINT32_MAX - 5);
	c.fired = 0;
	dp_wheel_add(&w, 0, UINT32_MAX - 2);
	dp_wheel_add(&w, 1, 3);                            /* after the wrap */
	c.now = UINT32_MAX;
	dp_wheel_advance(&w, c.now, 100, fire, &c);
	assert_int_equal(c.fired, 1);
	c.now = 10;
	dp_wheel_advance(&w, c.now, 100, fire, &c);
	assert_int_equal(c.fired, 2);
	free(n);
	free(heads);
}

static uint8_t run(uint8_t st, const char *seq)
{
	/* seq: pairs of direction (i/o) and event (S=SYN, A=SYN+ACK, F=FIN,
	 * a=ACK, R=RST) */
	for (; seq[0] && seq[1]; seq += 2) {
		enum dp_dir d = seq[0] == 'i' ? DP_DIR_IN : DP_DIR_OUT;
		enum dp_tcp_event e = seq[1] == 'S' ? DP_TCP_EV_SYN : seq[1] == 'A' ? DP_TCP_EV_SYNACK
				    : seq[1] == 'F' ? DP_TCP_EV_FIN : seq[1] == 'R' ? DP_TCP_EV_RST
				    : DP_TCP_EV_ACK;

		st = dp_tcp_next(st, d, e);
	}
	return st;
}

static void test_tcp_states(void **state)
{
	(void)state;
	assert_int_equal(dp_tcp_event(0x02), DP_TCP_EV_SYN);
	assert_int_equal(dp_tcp_event(0x12), DP_TCP_EV_SYNACK);
	assert_int_equal(dp_tcp_event(0x11), DP_TCP_EV_FIN);
	assert_int_equal(dp_tcp_event(0x10), DP_TCP_EV_ACK);
	assert_int_equal(dp_tcp_event(0x14), DP_TCP_EV_RST);
	assert_int_equal(dp_tcp_event(0x16), DP_TCP_EV_RST);   /* RST wins */

	/* the handshake */
	assert_int_equal(run(DP_TCP_NONE, "iS"), DP_TCP_SYN_RECV);
	assert_int_equal(run(DP_TCP_NONE, "iSiS"), DP_TCP_SYN_RECV);      /* retransmit */
	assert_int_equal(run(DP_TCP_NONE, "iSoA"), DP_TCP_SYN_RECV);      /* not yet */
	assert_int_equal(run(DP_TCP_NONE, "iSoAia"), DP_TCP_ESTABLISHED);
	/* client closes first */
	assert_int_equal(run(DP_TCP_ESTABLISHED, "iF"), DP_TCP_FIN_WAIT);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "iFoa"), DP_TCP_FIN_WAIT);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "iFoaoF"), DP_TCP_TIME_WAIT);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "iFoaoFia"), DP_TCP_TIME_WAIT);
	/* server closes first */
	assert_int_equal(run(DP_TCP_ESTABLISHED, "oF"), DP_TCP_CLOSE_WAIT);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "oFia"), DP_TCP_CLOSE_WAIT);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "oFiaiF"), DP_TCP_LAST_ACK);
	assert_int_equal(run(DP_TCP_ESTABLISHED, "oFiaiFoa"), DP_TCP_TIME_WAIT);
	/* resets from either side, in every state */
	for (uint8_t s = 0; s < DP_TCP_STATE_MAX; s++) {
		assert_int_equal(dp_tcp_next(s, DP_DIR_IN, DP_TCP_EV_RST), DP_TCP_CLOSE);
		assert_int_equal(dp_tcp_next(s, DP_DIR_OUT, DP_TCP_EV_RST), DP_TCP_CLOSE);
	}
	/* closed states stay closed whatever comes */
	for (int d = 0; d < 2; d++)
		for (int e = 0; e < DP_TCP_EV_MAX; e++) {
			uint8_t n = dp_tcp_next(DP_TCP_CLOSE, (enum dp_dir)d, (enum dp_tcp_event)e);

			assert_int_equal(n, DP_TCP_CLOSE);
			n = dp_tcp_next(DP_TCP_TIME_WAIT, (enum dp_dir)d, (enum dp_tcp_event)e);
			assert_true(n == DP_TCP_TIME_WAIT || n == DP_TCP_CLOSE);
		}
	/* a SYN does not reopen an established connection */
	assert_int_equal(run(DP_TCP_ESTABLISHED, "iS"), DP_TCP_ESTABLISHED);
	/* out-of-range input is safe */
	assert_int_equal(dp_tcp_next(200, DP_DIR_IN, DP_TCP_EV_ACK), DP_TCP_CLOSE);
	/* which states count as open (for drain) */
	assert_true(dp_tcp_state_open(DP_TCP_ESTABLISHED));
	assert_true(dp_tcp_state_open(DP_TCP_SYN_RECV));
	assert_true(dp_tcp_state_open(DP_TCP_LAST_ACK));
	assert_false(dp_tcp_state_open(DP_TCP_TIME_WAIT));
	assert_false(dp_tcp_state_open(DP_TCP_CLOSE));
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static void addr6(uint8_t a[16], uint32_t net, uint32_t host)
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[1] = (uint8_t)net;
	memcpy(a + 12, &(uint32_t){ htonl(host) }, 4);
}

/* An IPv6 session in the table: its handles find it, its full addresses
 * decide it (as the IPv6 header has them: source, then destination). */
static struct dp_sess *put6(struct dp_sess_tab *t, uint32_t client, uint16_t cport)
{
	struct dp_sess *s = dp_sess_alloc6(t);
	struct dp_sess6 *x;

	if (!s)
		return NULL;
	x = dp_sess6(t, s);
	addr6(x->c, 9, client);
	addr6(x->v, 0, 0x10);
	addr6(x->r, 1, 0x11);
	addr6(x->l, 1, 0x100);
	s->cip = dp_ip6_handle(x->c);
	s->vip = dp_ip6_handle(x->v);
	s->rip = dp_ip6_handle(x->r);
	s->lip = dp_ip6_handle(x->l);
	s->cport = htons(cport);
	s->vport = htons(80);
	s->rport = htons(8080);
	s->lport = htons((uint16_t)(2000 + cport));
	s->proto = 6;
	assert_int_equal(dp_sess_insert(t, s), 0);
	return s;
}

static struct dp_sess *find6(const struct dp_sess_tab *t, const uint8_t *src, const uint8_t *dst,
			     uint16_t sport, uint16_t dport, unsigned *dir)
{
	uint8_t a[32];

	memcpy(a, src, 16);
	memcpy(a + 16, dst, 16);
	return dp_sess_lookup6(t, dp_ip6_handle(src), dp_ip6_handle(dst), htons(sport),
			       htons(dport), 6, a, dir);
}

/* Two clients whose addresses share a handle, on the same ports: one
 * tuple hash, two sessions, each packet finds its own; an IPv4 lookup of
 * the same 32-bit tuple finds neither. The v6 halves are a share of the
 * table with their own free list. */
static void test_v6_sessions(void **state)
{
	struct dp_sess_tab t;
	void *mem = table_mem(1024, &t);
	enum { N = 20000 };
	static uint64_t hv[N];
	uint32_t a = 0, b = 0;
	struct dp_sess *s1, *s2, *s;
	uint8_t c[16];
	unsigned dir, n;

	(void)state;
	t.seed = 77;
	/* two clients with one handle: 24 bits, so among 20,000 addresses
	 * a dozen pairs (birthday bound); sorted, they are neighbours */
	for (uint32_t i = 0; i < N; i++) {
		addr6(c, 9, i + 1);
		assert_true(dp_is_ip6_handle(dp_ip6_handle(c)));
		hv[i] = (uint64_t)ntohl(dp_ip6_handle(c)) << 32 | (i + 1);
	}
	qsort(hv, N, sizeof(hv[0]), cmp_u64);
	for (uint32_t i = 1; i < N && !b; i++)
		if (hv[i] >> 32 == hv[i - 1] >> 32) {
			a = (uint32_t)hv[i - 1];
			b = (uint32_t)hv[i];
		}
	assert_true(a && b && a != b);
	s1 = put6(&t, a, 5000);
	s2 = put6(&t, b, 5000);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_int_equal(s1->cip, s2->cip);

	addr6(c, 9, a);
	{
		uint8_t v[16], r[16], l[16];

		addr6(v, 0, 0x10);
		addr6(r, 1, 0x11);
		addr6(l, 1, 0x100);
		assert_ptr_equal(find6(&t, c, v, 5000, 80, &dir), s1);
		assert_int_equal(dir, 0);
		assert_ptr_equal(find6(&t, r, l, 8080, 7000, &dir), s1);
		assert_int_equal(dir, 1);
		addr6(c, 9, b);
		assert_ptr_equal(find6(&t, c, v, 5000, 80, &dir), s2);
		/* a third client with no session: nothing */
		addr6(c, 9, 123456789);
		assert_null(find6(&t, c, v, 5000, 80, &dir));
		/* IPv4 with the same 32-bit tuple: not an IPv6 session */
		assert_null(dp_sess_lookup(&t, s1->cip, s1->vip, s1->cport, s1->vport, 6, &dir));
	}
	/* the v6 share: 1024 / 8, then none; IPv4 still has its own */
	assert_int_equal(t.cap6, 128);
	for (n = 2; (s = dp_sess_alloc6(&t)); n++)
		assert_true(dp_sess_index(&t, s) < t.cap6);
	assert_int_equal(n, 128);
	s = dp_sess_alloc(&t);
	assert_non_null(s);
	assert_true(dp_sess_index(&t, s) >= t.cap6);
	assert_false(s->flags & DP_SESS_F_V6);
	/* a v6 session freed goes back to the v6 stack */
	dp_sess_free(&t, s1);
	s = dp_sess_alloc6(&t);
	assert_ptr_equal(s, s1);
	assert_true(s->flags & DP_SESS_F_V6);
	assert_null(dp_sess_alloc6(&t));
	/* IPv4 takes the v6-capable rest once its own are gone */
	for (n = 1; dp_sess_alloc(&t); n++)
		;
	assert_int_equal(n, 1024 - 128);
	assert_int_equal(t.n_free, 0);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyed_hash),
		cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_v6_sessions),
		cmocka_unit_test(test_wheel_expiry),
		cmocka_unit_test(test_wheel_budget_and_jump),
		cmocka_unit_test(test_tcp_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
