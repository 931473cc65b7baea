/* The BGP engine driven with bytes and a fake clock: sessions with the
 * captured bird messages, stream reassembly, timers, capabilities,
 * malformed input through the whole path, collisions, back-off, and what
 * gets announced. */
#include "test_bgp_util.h"

static struct tb_msg msgs[TB_MAX_MSGS];
static unsigned n_msgs;
static struct tb_shell S;	/* large: one, reset by tb_engine() */
static const struct bgp_prefix VIP = { .addr = 0x0aff0001, .plen = 32, .med = 0 };	/* 10.255.0.1 */

static int setup(void **state)
{
	(void)state;
	tb_quiet();
	n_msgs = tb_pcap_messages(TB_PCAP, msgs, TB_MAX_MSGS);
	return n_msgs ? 0 : -1;
}

static const struct tb_msg *from_router(uint8_t type)
{
	unsigned i;

	for (i = 0; i < n_msgs; i++)
		if (msgs[i].src == TB_R && msgs[i].b[18] == type)
			return &msgs[i];
	fail_msg("no message of type %u from the router in the capture", type);
	return NULL;
}

static const struct tb_msg *node_update(void)
{
	unsigned i;

	for (i = 0; i < n_msgs; i++)
		if (msgs[i].src == TB_N2 && msgs[i].b[18] == BGP_MSG_UPDATE && msgs[i].len > 23)
			return &msgs[i];
	fail_msg("no announcement in the capture");
	return NULL;
}

static struct bgp_eng *engine(struct bgp_conf *c, bool start)
{
	struct bgp_eng *e = tb_engine(&S, c, 1000, start);

	assert_int_equal(bgp_eng_announce(e, &VIP, 1, 1000), 0);
	return e;
}

static struct bgp_eng *established(struct bgp_conf *c, uint16_t peer_hold, bool caps)
{
	struct bgp_eng *e = engine(c, true);

	tb_establish(&S, e, 1000, peer_hold, caps);
	return e;
}

/* Decodes the next UPDATE sent on cid (fails if the next message is not
 * one). */
static size_t next_update(int cid, bool as4, struct bgp_update *u, uint8_t *buf)
{
	struct bgp_err err;
	size_t n = tb_next(&S, cid, buf);

	if (n == 0 || buf[18] != BGP_MSG_UPDATE)
		fail_msg("expected an UPDATE, got %s", n ? bgp_msg_type_name(buf[18]) : "nothing");
	if (bgp_msg_update_decode(buf, n, as4, u, &err))
		fail_msg("our UPDATE does not decode: %u/%u", err.code, err.sub);
	return n;
}

static uint32_t first_prefix(const uint8_t *f, size_t len, uint8_t *plen)
{
	struct bgp_prefix p;
	size_t off = 0;

	assert_int_equal(bgp_msg_prefix_next(f, len, false, &off, &p), 1);
	if (plen)
		*plen = p.plen;
	return p.addr;
}

/* ---- sessions ---------------------------------------------------------- */

static void test_session_with_captured_router(void **state)
{
	const struct tb_msg *ropen = from_router(BGP_MSG_OPEN);
	const struct tb_msg *rka = from_router(BGP_MSG_KEEPALIVE);
	const struct tb_msg *reor = from_router(BGP_MSG_UPDATE);
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_open o;
	struct bgp_update u;
	struct bgp_err err;
	struct bgp_eng *e;
	struct bgp_peer *p;
	size_t n;

	(void)state;
	tb_conf(&c);
	e = engine(&c, true);
	p = &e->peers[0];
	assert_int_equal(p->state, BGP_ST_CONNECT);
	assert_int_equal(S.n_connects, 1);

	bgp_eng_connected(e, 0, TB_N2, 1010);
	assert_int_equal(p->state, BGP_ST_OPENSENT);
	n = tb_next(&S, 0, m);
	assert_int_equal(m[18], BGP_MSG_OPEN);
	assert_int_equal(bgp_msg_open_decode(m, n, &o, &err), 0);
	assert_int_equal(o.my_as, 65001);
	assert_int_equal(o.hold_s, 3);
	assert_int_equal(o.id, TB_N2);
	assert_true(o.as4 && o.as4_val == 65001);
	assert_true(o.mp_ipv4);

	bgp_eng_input(&*e, 0, ropen->b, ropen->len, 1020);
	assert_int_equal(p->state, BGP_ST_OPENCONFIRM);
	assert_int_equal(p->hold_ms, 3000);	/* min(3, 240) */
	assert_int_equal(p->keepalive_ms, 1000);
	assert_true(p->as4);
	assert_int_equal(p->remote_as, 65000);
	n = tb_next(&S, 0, m);
	assert_int_equal(n, BGP_HDR_LEN);
	assert_int_equal(m[18], BGP_MSG_KEEPALIVE);

	bgp_eng_input(e, 0, rka->b, rka->len, 1030);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	/* the VIP with ORIGIN IGP, AS_PATH 65001, NEXT_HOP = our end, MED */
	next_update(0, true, &u, m);
	assert_int_equal(u.n_nlri, 1);
	assert_int_equal(first_prefix(u.nlri, u.nlri_len, NULL), VIP.addr);
	assert_int_equal(u.origin, BGP_ORIGIN_IGP);
	assert_int_equal(u.path_len, 1);
	assert_int_equal(u.path[0], 65001);
	assert_int_equal(u.next_hop, TB_N2);
	assert_true(bgp_update_has(&u, BGP_ATTR_MED));
	assert_false(bgp_update_has(&u, BGP_ATTR_LOCAL_PREF));
	/* then End-of-RIB */
	next_update(0, true, &u, m);
	assert_true(u.eor);
	assert_int_equal(tb_next(&S, 0, m), 0);

	bgp_eng_input(e, 0, reor->b, reor->len, 1040);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(p->eor_rx, 1);
	/* the node's own UPDATE, as if the router sent it: parsed, ignored */
	bgp_eng_input(e, 0, node_update()->b, node_update()->len, 1050);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(p->prefixes_rx, 1);
	bgp_eng_destroy(e);
}

/* Messages split across reads, and several in one read. */
static void test_stream_reassembly(void **state)
{
	const struct tb_msg *seq[3] = {
		from_router(BGP_MSG_OPEN), from_router(BGP_MSG_KEEPALIVE),
		from_router(BGP_MSG_UPDATE),
	};
	uint8_t all[BGP_MAX_MSG * 3];
	size_t total = 0, i, cut;
	struct bgp_conf c;

	(void)state;
	for (i = 0; i < 3; i++) {
		memcpy(all + total, seq[i]->b, seq[i]->len);
		total += seq[i]->len;
	}
	tb_conf(&c);
	/* every split into two reads, plus one byte at a time (cut == 0) */
	for (cut = 0; cut <= total; cut++) {
		struct bgp_eng *e = engine(&c, true);

		bgp_eng_connected(e, 0, TB_N2, 1000);
		if (cut == 0) {
			for (i = 0; i < total; i++)
				bgp_eng_input(e, 0, all + i, 1, 1000);
		} else {
			bgp_eng_input(e, 0, all, cut, 1000);
			if (cut < total)
				bgp_eng_input(e, 0, all + cut, total - cut, 1000);
		}
		assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
		assert_int_equal(e->peers[0].eor_rx, 1);
		assert_int_equal(e->peers[0].msgs_in[BGP_MSG_OPEN], 1);
		assert_int_equal(e->peers[0].msgs_in[BGP_MSG_KEEPALIVE], 1);
		bgp_eng_destroy(e);
	}
}

/* ---- timers -------------------------------------------------------------- */

static void test_hold_timer_expiry(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_peer *p;
	uint64_t next;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);	/* hold min(3, 90) = 3 s */
	p = &e->peers[0];
	tb_drain(&S, 0);
	/* KEEPALIVE every hold/3 = 1 s: the last UPDATE (EoR) went at 1000 */
	next = bgp_eng_tick(e, 1999);
	assert_int_equal(next, 2000);
	assert_int_equal(tb_next(&S, 0, m), 0);
	bgp_eng_tick(e, 2000);
	assert_int_equal(tb_next(&S, 0, m), BGP_HDR_LEN);
	assert_int_equal(m[18], BGP_MSG_KEEPALIVE);
	/* a KEEPALIVE from the peer at 2500 restarts the hold timer */
	bgp_eng_input(e, 0, m, tb_keepalive(m), 2500);
	bgp_eng_tick(e, 3000);
	bgp_eng_tick(e, 4000);
	bgp_eng_tick(e, 5000);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	bgp_eng_tick(e, 5499);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	bgp_eng_tick(e, 5500);
	assert_int_equal(p->state, BGP_ST_IDLE);
	tb_expect_notif(&S, 0, 4, 0);
	assert_false(S.c[0].open);
	assert_int_equal(p->last_err.code, 4);
	assert_true(p->last_err.sent);
	assert_int_equal(p->notif_sent[BGP_ERR_HOLD], 1);
	/* back in 1 s */
	assert_int_equal(p->t_idle_hold, 6500);
	bgp_eng_tick(e, 6500);
	assert_int_equal(p->state, BGP_ST_CONNECT);
	assert_int_equal(S.n_connects, 2);
	bgp_eng_destroy(e);
}

static void test_hold_negotiation(void **state)
{
	static const struct { uint16_t ours, theirs, hold; } cases[] = {
		{ 3, 240, 3 }, { 9, 3, 3 }, { 90, 90, 90 }, { 0, 90, 0 }, { 90, 0, 0 },
	};
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgp_eng *e;

		tb_conf(&c);
		c.hold_s = cases[i].ours;
		e = established(&c, cases[i].theirs, true);
		assert_int_equal(e->peers[0].hold_ms, cases[i].hold * 1000u);
		assert_int_equal(e->peers[0].keepalive_ms, cases[i].hold * 1000u / 3);
		if (cases[i].hold == 0) {
			/* no hold timer, no KEEPALIVEs */
			tb_drain(&S, 0);
			assert_int_equal(bgp_eng_tick(e, 10000000), UINT64_MAX);
			assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
			assert_int_equal(tb_next(&S, 0, m), 0);
		}
		bgp_eng_destroy(e);
	}
}

static void test_openconfirm_hold(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = engine(&c, true);
	bgp_eng_connected(e, 0, TB_N2, 1000);
	/* OpenSent waits 4 minutes for the OPEN (§8.2.2) */
	bgp_eng_tick(e, 1000 + BGP_OPEN_HOLD_MS - 1);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENSENT);
	bgp_eng_input(e, 0, m, tb_open(m, 65000, 3, TB_R, true), 1000 + BGP_OPEN_HOLD_MS - 1);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
	/* no KEEPALIVE from the peer within the negotiated 3 s */
	bgp_eng_tick(e, 1000 + BGP_OPEN_HOLD_MS + 3000);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	tb_expect_notif(&S, 0, 4, 0);
	bgp_eng_destroy(e);
}

/* ---- OPEN handling --------------------------------------------------------- */

static void expect_open_rejected(struct bgp_conf *c, const uint8_t *open, size_t len,
				 int code, int sub)
{
	struct bgp_eng *e = engine(c, true);

	bgp_eng_connected(e, 0, TB_N2, 1000);
	bgp_eng_input(e, 0, open, len, 1000);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	tb_expect_notif(&S, 0, code, sub);
	assert_false(S.c[0].open);
	bgp_eng_destroy(e);
}

static void test_open_rejections(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	size_t n;

	(void)state;
	tb_conf(&c);
	n = tb_open(m, 65002, 90, TB_R, true);
	expect_open_rejected(&c, m, n, 2, 2);			/* Bad Peer AS */
	n = tb_open(m, 65002, 90, TB_R, false);
	expect_open_rejected(&c, m, n, 2, 2);
	n = tb_open(m, 65000, 2, TB_R, true);
	expect_open_rejected(&c, m, n, 2, 6);			/* hold 2 */
	n = tb_open(m, 65000, 90, 0, true);
	expect_open_rejected(&c, m, n, 2, 3);			/* id 0 */
	n = tb_open(m, 65000, 90, TB_R, true);
	m[19] = 3;
	expect_open_rejected(&c, m, n, 2, 1);			/* version */
	/* iBGP: the same BGP Identifier as ours */
	c.peers[0].as = 65001;
	n = tb_open(m, 65001, 90, TB_N2, true);
	expect_open_rejected(&c, m, n, 2, 3);
	/* eBGP: the same identifier is allowed (RFC 6286) */
	tb_conf(&c);
	{
		struct bgp_eng *e = engine(&c, true);

		bgp_eng_connected(e, 0, TB_N2, 1000);
		bgp_eng_input(e, 0, m, tb_open(m, 65000, 90, TB_N2, true), 1000);
		assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
		bgp_eng_destroy(e);
	}
	/* a 4-octet AS peer seen through AS_TRANS */
	c.peers[0].as = 4200000000u;
	{
		struct bgp_eng *e = engine(&c, true);

		bgp_eng_connected(e, 0, TB_N2, 1000);
		n = tb_open(m, 4200000000u, 90, TB_R, true);
		assert_int_equal(dp_get_u16(m + 20), BGP_AS_TRANS);
		bgp_eng_input(e, 0, m, n, 1000);
		assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
		bgp_eng_destroy(e);
	}
}

/* The peer's OPEN has no capabilities: 2-octet AS_PATH. */
static void test_peer_without_caps(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, false);
	assert_false(e->peers[0].as4);
	assert_true(e->peers[0].ipv4);
	tb_next(&S, 0, m);	/* our OPEN */
	tb_next(&S, 0, m);	/* KEEPALIVE */
	next_update(0, false, &u, m);
	assert_int_equal(u.path_len, 1);
	assert_int_equal(u.path[0], 65001);
	assert_int_equal(m[BGP_MIN_UPDATE + 4 + 2], 4);	/* AS_PATH length: 2 + 2 */
	bgp_eng_destroy(e);
}

/* Our OPEN without capabilities (BGP_PEER_NO_CAPS). */
static void test_no_caps_flag(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	c.peers[0].flags = BGP_PEER_NO_CAPS;
	e = established(&c, 90, true);	/* the peer offers AS4: not used */
	assert_int_equal(tb_next(&S, 0, m), BGP_MIN_OPEN);
	assert_int_equal(m[28], 0);
	assert_false(e->peers[0].as4);
	tb_next(&S, 0, m);
	next_update(0, false, &u, m);
	assert_int_equal(u.path[0], 65001);
	bgp_eng_destroy(e);
}

/* RFC 5492 §5: the peer refuses capabilities; the next OPEN has none. */
static void test_caps_refused_retry(void **state)
{
	static const uint8_t subs[] = { BGP_OPEN_BAD_CAP, BGP_OPEN_BAD_PARAM };
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct bgp_eng *e;
		struct bgp_peer *p;
		int n;

		tb_conf(&c);
		e = engine(&c, true);
		p = &e->peers[0];
		bgp_eng_connected(e, 0, TB_N2, 1000);
		assert_true(tb_next(&S, 0, m) > BGP_MIN_OPEN);
		n = bgp_msg_notif_encode(m, sizeof(m), BGP_ERR_OPEN, subs[i], NULL, 0);
		bgp_eng_input(e, 0, m, (size_t)n, 1000);
		assert_int_equal(p->state, BGP_ST_IDLE);
		assert_false(p->send_caps);
		assert_false(p->last_err.sent);
		/* right away, not after the back-off */
		bgp_eng_tick(e, 1001);
		assert_int_equal(p->state, BGP_ST_CONNECT);
		assert_int_equal(S.n_connects, 2);
		bgp_eng_connected(e, 1, TB_N2, 1002);
		assert_int_equal(tb_next(&S, 1, m), BGP_MIN_OPEN);
		assert_int_equal(m[28], 0);
		bgp_eng_input(e, 1, m, tb_open(m, 65000, 90, TB_R, false), 1003);
		bgp_eng_input(e, 1, m, tb_keepalive(m), 1003);
		assert_int_equal(p->state, BGP_ST_ESTABLISHED);
		bgp_eng_destroy(e);
	}
}

/* RFC 6793: local AS above 65535 */
static void test_as_trans(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_open o;
	struct bgp_err err;
	struct bgp_conf c;
	struct bgp_eng *e;
	size_t n;

	(void)state;
	/* to a 2-octet speaker: AS_TRANS in OPEN and AS_PATH, AS4_PATH */
	tb_conf(&c);
	c.local_as = 4200000001u;
	c.peers[0].flags = BGP_PEER_NO_CAPS;
	e = established(&c, 90, false);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_open_decode(m, n, &o, &err), 0);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_false(o.as4);
	tb_next(&S, 0, m);
	next_update(0, false, &u, m);
	assert_int_equal(u.path[0], BGP_AS_TRANS);
	assert_true(bgp_update_has(&u, BGP_ATTR_AS4_PATH));
	bgp_eng_destroy(e);

	/* to a 4-octet speaker: AS_TRANS in the 2-octet field, real AS in the cap */
	tb_conf(&c);
	c.local_as = 4200000001u;
	e = established(&c, 90, true);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_open_decode(m, n, &o, &err), 0);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_true(o.as4);
	assert_int_equal(o.as4_val, 4200000001u);
	tb_next(&S, 0, m);
	next_update(0, true, &u, m);
	assert_int_equal(u.path[0], 4200000001u);
	assert_false(bgp_update_has(&u, BGP_ATTR_AS4_PATH));
	bgp_eng_destroy(e);
}

static void test_ibgp_and_next_hop(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	c.peers[0].as = 65001;
	c.next_hop = tb_ip(10, 9, 9, 9);
	e = established(&c, 90, true);
	tb_next(&S, 0, m);
	tb_next(&S, 0, m);
	next_update(0, true, &u, m);
	assert_int_equal(u.path_total, 0);	/* empty AS_PATH */
	assert_true(bgp_update_has(&u, BGP_ATTR_LOCAL_PREF));
	assert_int_equal(u.local_pref, 100);
	assert_int_equal(u.next_hop, tb_ip(10, 9, 9, 9));
	bgp_eng_destroy(e);
}

/* ---- malformed input through the engine ------------------------------------ */

/* Every captured message the router could send, cut to every length: the
 * raw cut leaves the engine waiting (nothing sent), the cut whose length
 * field says so draws the NOTIFICATION of §6. */
static void test_truncations_through_engine(void **state)
{
	const struct tb_msg *list[4] = {
		from_router(BGP_MSG_OPEN), from_router(BGP_MSG_KEEPALIVE),
		from_router(BGP_MSG_UPDATE), node_update(),
	};
	uint8_t b[BGP_MAX_MSG], m[BGP_MAX_MSG];
	struct bgp_conf c;
	unsigned i;
	size_t k;

	(void)state;
	tb_conf(&c);
	for (i = 0; i < 4; i++) {
		const struct tb_msg *x = list[i];
		bool is_open = x->b[18] == BGP_MSG_OPEN;

		for (k = 1; k < x->len; k++) {
			struct bgp_eng *e = engine(&c, true);
			struct bgp_peer *p = &e->peers[0];
			enum bgp_state st;
			int code = 0, sub = 0;

			if (is_open)
				bgp_eng_connected(e, 0, TB_N2, 1000);
			else
				tb_establish(&S, e, 1000, 90, true);
			st = p->state;
			tb_drain(&S, 0);
			memcpy(b, x->b, k);

			/* raw cut: the rest may still come */
			bgp_eng_input(e, 0, b, k, 1000);
			assert_int_equal(p->state, st);
			assert_int_equal(tb_next(&S, 0, m), 0);
			bgp_eng_destroy(e);

			if (k < BGP_HDR_LEN)
				continue;
			e = engine(&c, true);
			p = &e->peers[0];
			if (is_open)
				bgp_eng_connected(e, 0, TB_N2, 1000);
			else
				tb_establish(&S, e, 1000, 90, true);
			tb_drain(&S, 0);
			dp_put_u16(b + 16, (uint16_t)k);
			bgp_eng_input(e, 0, b, k, 1000);
			if (is_open)
				code = k < BGP_MIN_OPEN ? 1 : 2, sub = k < BGP_MIN_OPEN ? 2 : 0;
			else if (k < BGP_MIN_UPDATE || x->b[18] == BGP_MSG_KEEPALIVE)
				code = 1, sub = 2;
			else if (k < BGP_MIN_UPDATE + (size_t)dp_get_u16(x->b + 21))
				code = 3, sub = 1;
			else if (k > BGP_MIN_UPDATE + (size_t)dp_get_u16(x->b + 21))
				code = 3, sub = 10;
			if (code) {
				assert_int_equal(p->state, BGP_ST_IDLE);
				tb_expect_notif(&S, 0, code, sub);
				assert_false(S.c[0].open);
			} else {
				assert_int_equal(p->state, BGP_ST_ESTABLISHED);
			}
			bgp_eng_destroy(e);
		}
	}
}

static void feed_established(const uint8_t *msg, size_t len, int code, int sub)
{
	struct bgp_conf c;
	struct bgp_eng *e;

	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	bgp_eng_input(e, 0, msg, len, 1100);
	if (code) {
		assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
		tb_expect_notif(&S, 0, code, sub);
	} else {
		assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	}
	bgp_eng_destroy(e);
}

/* RFC 7606: a malformed attribute that does not cost the session. The
 * peer stays Established, nothing is sent back, the UPDATE is counted
 * (treat-as-withdraw: its one prefix as withdrawn; or attribute discard)
 * under its reason. */
static void feed_kept(const uint8_t *msg, size_t len, bool withdraw, enum bgp_7606_reason why)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_peer *p;
	json_t *j, *r;

	tb_conf(&c);
	e = established(&c, 90, true);
	p = &e->peers[0];
	tb_drain(&S, 0);
	bgp_eng_input(e, 0, msg, len, 1100);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(tb_next(&S, 0, m), 0);
	assert_int_equal(p->rfc7606_reasons[why], 1);
	assert_int_equal(p->rfc7606_withdraw_updates, withdraw ? 1 : 0);
	assert_int_equal(p->rfc7606_withdrawn, withdraw ? 1 : 0);
	assert_int_equal(p->prefixes_rx, withdraw ? 0 : 1);
	assert_int_equal(p->withdrawn_rx, withdraw ? 1 : 0);
	if (!withdraw)
		assert_true(p->rfc7606_discarded >= 1);
	/* as GET /routing shows it */
	assert_int_equal(bgp_eng_status_json(e, 1100, &j), 0);
	r = json_object_get(json_array_get(json_object_get(j, "peers"), 0), "rfc7606");
	assert_int_equal(json_integer_value(json_object_get(r, "treat_as_withdraw")), withdraw);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "by_reason"),
							    bgp_7606_names[why])), 1);
	json_decref(j);
	bgp_eng_destroy(e);
}

static void test_malformed_established(void **state)
{
	const struct tb_msg *upd = node_update();
	uint8_t b[BGP_MAX_MSG];

	(void)state;
	/* bad marker */
	memcpy(b, upd->b, upd->len);
	b[3] = 0;
	feed_established(b, upd->len, 1, 1);
	/* length 4097 in the header: noticed before the body arrives */
	memcpy(b, upd->b, BGP_HDR_LEN);
	dp_put_u16(b + 16, 4097);
	feed_established(b, BGP_HDR_LEN, 1, 2);
	/* unknown type */
	memcpy(b, upd->b, upd->len);
	b[18] = 9;
	feed_established(b, upd->len, 1, 3);
	/* RFC 7606 keeps the session for a malformed attribute: ORIGIN
	 * flags (offset 23 is the first attribute's flags), ORIGIN value */
	memcpy(b, upd->b, upd->len);
	b[23] = 0xc0;
	feed_kept(b, upd->len, true, BGP_7606_FLAGS);
	memcpy(b, upd->b, upd->len);
	b[26] = 7;
	feed_kept(b, upd->len, true, BGP_7606_ORIGIN);
	/* second attribute (AS_PATH) made an ORIGIN: the duplicate is
	 * discarded, and AS_PATH is then missing: withdrawn */
	memcpy(b, upd->b, upd->len);
	b[28] = 1;
	feed_kept(b, upd->len, true, BGP_7606_MISSING);
	/* NEXT_HOP type made 99 well-known: unknown well-known attribute,
	 * still a reset */
	memcpy(b, upd->b, upd->len);
	b[37] = 99;
	feed_established(b, upd->len, 3, 2);
	/* ... made 99 optional: ignored, but NEXT_HOP is now missing */
	b[36] = 0xc0;
	feed_kept(b, upd->len, true, BGP_7606_MISSING);
	/* the NLRI cut short: no route can be told apart, reset (§5.3) */
	memcpy(b, upd->b, upd->len);
	b[upd->len - 5] = 33;
	feed_established(b, upd->len, 3, 10);
	/* an OPEN in Established */
	feed_established(from_router(BGP_MSG_OPEN)->b, from_router(BGP_MSG_OPEN)->len, 5, 3);
	/* unknown optional attribute, valid otherwise: ignored */
	{
		static const uint8_t at[] = { 0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8,
					      0x40, 3, 4, 10, 201, 2, 1, 0xc0, 250, 2, 1, 2 };
		size_t n = BGP_MIN_UPDATE + sizeof(at) + 5;

		memset(b, 0xff, 16);
		dp_put_u16(b + 16, (uint16_t)n);
		b[18] = 2;
		dp_put_u16(b + 19, 0);
		dp_put_u16(b + 21, sizeof(at));
		memcpy(b + 23, at, sizeof(at));
		memcpy(b + 23 + sizeof(at), (const uint8_t[]){ 32, 10, 0, 0, 1 }, 5);
		feed_established(b, n, 0, 0);
	}
}

static void test_unexpected_in_opensent(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = engine(&c, true);
	bgp_eng_connected(e, 0, TB_N2, 1000);
	bgp_eng_input(e, 0, m, tb_keepalive(m), 1000);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	tb_expect_notif(&S, 0, 5, 1);
	bgp_eng_destroy(e);
}

static void test_notification_received(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	int n;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	n = bgp_msg_notif_encode(m, sizeof(m), BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, NULL, 0);
	bgp_eng_input(e, 0, m, (size_t)n, 1100);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	assert_int_equal(tb_next(&S, 0, m), 0);	/* nothing back */
	assert_false(S.c[0].open);
	assert_int_equal(e->peers[0].last_err.code, 6);
	assert_false(e->peers[0].last_err.sent);
	bgp_eng_destroy(e);
}

static void test_route_refresh(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	memset(m, 0xff, 16);
	dp_put_u16(m + 16, 23);
	m[18] = BGP_MSG_ROUTE_REFRESH;
	dp_put_u16(m + 19, 1);
	m[21] = 0;
	m[22] = 1;
	bgp_eng_input(e, 0, m, 23, 1100);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	next_update(0, true, &u, m);
	assert_int_equal(u.n_nlri, 1);
	bgp_eng_destroy(e);
}

/* ---- stop, failures, back-off ------------------------------------------------ */

static void test_stop_withdraws_then_ceases(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	bgp_eng_stop(e, 1200);
	next_update(0, true, &u, m);
	assert_int_equal(u.n_wd, 1);
	assert_int_equal(first_prefix(u.wd, u.wd_len, NULL), VIP.addr);
	assert_int_equal(tb_next(&S, 0, m), BGP_MIN_NOTIF);
	assert_int_equal(m[18], BGP_MSG_NOTIFICATION);
	assert_int_equal(m[19], 6);
	assert_int_equal(m[20], 2);
	assert_false(S.c[0].open);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	assert_int_equal(bgp_eng_tick(e, 100000), UINT64_MAX);	/* stays down */
	assert_int_equal(S.n_connects, 1);
	bgp_eng_destroy(e);
}

static void test_connect_backoff(void **state)
{
	static const uint64_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 62000, 92000 };
	struct bgp_conf c;
	struct bgp_eng *e;
	uint64_t t;
	unsigned i;

	(void)state;
	tb_conf(&c);
	memset(&S, 0, sizeof(S));
	e = tb_engine(&S, &c, 1000, false);
	S.connect_rc = -ECONNREFUSED;
	bgp_eng_start(e, 1000);
	assert_int_equal(e->peers[0].state, BGP_ST_ACTIVE);
	for (t = 1000; t <= 92000; t += 500)
		bgp_eng_tick(e, t);
	assert_int_equal(S.n_connects, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(S.connect_at[i], want[i]);
	bgp_eng_destroy(e);
}

/* A session that stayed up BGP_STABLE_MS resets the back-off; one that
 * flaps does not. */
static void test_backoff_reset_when_stable(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	int n;

	(void)state;
	tb_conf(&c);
	c.hold_s = 0;
	e = established(&c, 0, true);
	e->peers[0].backoff_ms = 8000;
	n = bgp_msg_notif_encode(m, sizeof(m), BGP_ERR_CEASE, BGP_CEASE_RESET, NULL, 0);
	bgp_eng_input(e, 0, m, (size_t)n, 1000 + BGP_STABLE_MS);
	assert_int_equal(e->peers[0].t_idle_hold, 1000 + BGP_STABLE_MS + BGP_BACKOFF_MIN_MS);
	bgp_eng_destroy(e);

	e = established(&c, 0, true);
	e->peers[0].backoff_ms = 8000;
	bgp_eng_input(e, 0, m, (size_t)n, 2000);
	assert_int_equal(e->peers[0].t_idle_hold, 2000 + 8000);
	bgp_eng_destroy(e);
}

static void test_send_failure(void **state)
{
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	S.send_rc = -ENOBUFS;
	bgp_eng_tick(e, 2000);	/* KEEPALIVE due (hold is not): cannot be sent */
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	assert_false(S.c[0].open);
	assert_int_equal(e->peers[0].drops[BGP_DROP_SEND_FAILED], 1);
	bgp_eng_destroy(e);
}

static void test_peer_closes(void **state)
{
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	bgp_eng_closed(e, 0, 1100);
	assert_int_equal(e->peers[0].state, BGP_ST_IDLE);
	assert_false(S.c[0].open);
	assert_int_equal(e->peers[0].n_adv, 0);
	bgp_eng_destroy(e);
}

/* ---- passive side and collisions (§6.8) -------------------------------------- */

static void test_accept(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	int cid;

	(void)state;
	tb_conf(&c);
	/* not started: Idle refuses, with Cease / Connection Rejected */
	e = engine(&c, false);
	cid = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, cid, TB_R, TB_N2, 1000), -ECONNREFUSED);
	tb_expect_notif(&S, cid, 6, 5);
	assert_false(S.c[cid].open);
	/* unknown address: closed without a word */
	cid = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, cid, tb_ip(10, 9, 9, 9), TB_N2, 1000), -ECONNREFUSED);
	assert_int_equal(S.c[cid].len, 0);
	assert_false(S.c[cid].open);
	assert_int_equal(e->drops[BGP_DROP_ACCEPT_UNKNOWN], 1);
	bgp_eng_destroy(e);

	/* Active (our connect failed): the incoming connection is taken */
	e = engine(&c, true);
	bgp_eng_closed(e, 0, 1000);
	assert_int_equal(e->peers[0].state, BGP_ST_ACTIVE);
	cid = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, cid, TB_R, TB_N2, 1100), 0);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENSENT);
	assert_int_equal(tb_next(&S, cid, m) > 0 && m[18] == BGP_MSG_OPEN, 1);
	bgp_eng_input(e, cid, m, tb_open(m, 65000, 90, TB_R, true), 1100);
	bgp_eng_input(e, cid, m, tb_keepalive(m), 1100);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	/* Established: a new connection collides and is refused */
	cid = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, cid, TB_R, TB_N2, 1200), -ECONNREFUSED);
	tb_expect_notif(&S, cid, 6, 7);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	bgp_eng_destroy(e);

	/* Connect: our attempt gives way */
	e = engine(&c, true);
	cid = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, cid, TB_R, TB_N2, 1000), 0);
	assert_false(S.c[0].open);
	assert_int_equal(e->peers[0].conn.cid, cid);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENSENT);
	bgp_eng_destroy(e);
}

static void collision(uint32_t remote_id, bool peer_wins)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_peer *p;
	int in;

	tb_conf(&c);
	e = engine(&c, true);
	p = &e->peers[0];
	bgp_eng_connected(e, 0, TB_N2, 1000);		/* ours, OpenSent */
	in = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, in, TB_R, TB_N2, 1001), 0);
	assert_int_equal(p->cand.cid, in);
	assert_int_equal(tb_next(&S, in, m) > 0 && m[18] == BGP_MSG_OPEN, 1);
	assert_int_equal(p->state, BGP_ST_OPENSENT);

	bgp_eng_input(e, in, m, tb_open(m, 65000, 90, remote_id, true), 1002);
	if (peer_wins) {
		tb_expect_notif(&S, 0, 6, 7);
		assert_false(S.c[0].open);
		assert_int_equal(p->conn.cid, in);
		assert_int_equal(p->cand.cid, -1);
		assert_int_equal(p->state, BGP_ST_OPENCONFIRM);
		assert_int_equal(tb_next(&S, in, m), BGP_HDR_LEN);	/* KEEPALIVE */
		bgp_eng_input(e, in, m, tb_keepalive(m), 1003);
	} else {
		tb_expect_notif(&S, in, 6, 7);
		assert_false(S.c[in].open);
		assert_int_equal(p->conn.cid, 0);
		assert_int_equal(p->state, BGP_ST_OPENSENT);
		bgp_eng_input(e, 0, m, tb_open(m, 65000, 90, remote_id, true), 1003);
		bgp_eng_input(e, 0, m, tb_keepalive(m), 1003);
	}
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	bgp_eng_destroy(e);
}

static void test_collision(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	int in, n;

	(void)state;
	collision(tb_ip(10, 201, 2, 9), true);	/* remote id higher */
	collision(tb_ip(10, 201, 0, 1), false);	/* ours higher */

	/* the peer drops the colliding connection itself: no answer to it,
	 * the first connection carries on */
	tb_conf(&c);
	e = engine(&c, true);
	bgp_eng_connected(e, 0, TB_N2, 1000);
	in = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, in, TB_R, TB_N2, 1001), 0);
	tb_drain(&S, in);
	n = bgp_msg_notif_encode(m, sizeof(m), BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
	bgp_eng_input(e, in, m, (size_t)n, 1002);
	assert_false(S.c[in].open);
	assert_int_equal(tb_next(&S, in, m), 0);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENSENT);
	assert_int_equal(e->peers[0].conn.cid, 0);
	/* the colliding connection's own hold timer (4 min in OpenSent) */
	in = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, in, TB_R, TB_N2, 2000), 0);
	bgp_eng_input(e, 0, m, tb_open(m, 65000, 0, TB_R, true), 2000);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
	bgp_eng_tick(e, 2000 + BGP_OPEN_HOLD_MS);
	tb_expect_notif(&S, in, 4, 0);
	assert_false(S.c[in].open);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
	bgp_eng_destroy(e);
}

/* A first connection stuck in OpenSent (the peer's segments dropped, as a
 * GTSM or TCP-MD5 mismatch does) loses to a colliding one that brings an
 * OPEN, whatever the identifiers say; a fresh one does not (above). */
static void test_collision_stale_opensent(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_peer *p;
	int in;

	(void)state;
	tb_conf(&c);                                     /* hold 3 s */
	e = engine(&c, true);
	p = &e->peers[0];
	bgp_eng_connected(e, 0, TB_N2, 1000);            /* ours, OpenSent */
	assert_int_equal(p->state, BGP_ST_OPENSENT);
	in = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, in, TB_R, TB_N2, 5000), 0);
	tb_drain(&S, in);
	/* our id (10.201.2.2) is higher: §6.8 alone would keep ours */
	bgp_eng_input(e, in, m, tb_open(m, 65000, 90, tb_ip(10, 201, 0, 1), true), 5001);
	tb_expect_notif(&S, 0, 6, 7);
	assert_false(S.c[0].open);
	assert_int_equal(p->conn.cid, in);
	assert_int_equal(p->state, BGP_ST_OPENCONFIRM);
	bgp_eng_input(e, in, m, tb_keepalive(m), 5002);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	bgp_eng_destroy(e);
}

/* The first connection dies while the colliding one waits for its OPEN. */
static void test_collision_first_dies(void **state)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_peer *p;
	int in;

	(void)state;
	tb_conf(&c);
	e = engine(&c, true);
	p = &e->peers[0];
	bgp_eng_connected(e, 0, TB_N2, 1000);
	in = tb_new_incoming(&S);
	assert_int_equal(bgp_eng_accept(e, in, TB_R, TB_N2, 1001), 0);
	bgp_eng_closed(e, 0, 1002);
	assert_int_equal(p->state, BGP_ST_OPENSENT);
	assert_int_equal(p->conn.cid, in);
	bgp_eng_input(e, in, m, tb_open(m, 65000, 90, TB_R, true), 1003);
	bgp_eng_input(e, in, m, tb_keepalive(m), 1003);
	assert_int_equal(p->state, BGP_ST_ESTABLISHED);
	bgp_eng_destroy(e);
}

/* ---- announcements -------------------------------------------------------------- */

struct seen {
	unsigned n_wd, n_an;
	struct bgp_prefix wd[4096], an[4096];
};

/* Everything sent on cid since the last read, as withdrawn and announced
 * prefixes (announced ones carry their MED). */
static void collect(int cid, struct seen *s)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_err err;
	size_t n, off;
	struct bgp_prefix p;

	memset(s, 0, sizeof(*s));
	while ((n = tb_next(&S, cid, m))) {
		if (m[18] != BGP_MSG_UPDATE)
			continue;
		assert_int_equal(bgp_msg_update_decode(m, n, true, &u, &err), 0);
		for (off = 0; bgp_msg_prefix_next(u.wd, u.wd_len, false, &off, &p);)
			s->wd[s->n_wd++] = p;
		for (off = 0; bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &p);) {
			p.med = u.med;
			s->an[s->n_an++] = p;
		}
	}
}

static void test_announce_diff(void **state)
{
	static struct seen s;
	struct bgp_prefix a = { .addr = tb_ip(10, 255, 0, 1), .plen = 32, .med = 0 };
	struct bgp_prefix b = { .addr = tb_ip(10, 255, 0, 2), .plen = 32, .med = 0 };
	struct bgp_prefix cc = { .addr = tb_ip(10, 1, 0, 100), .plen = 32, .med = 5 };
	struct bgp_prefix set[3];
	struct bgp_conf c;
	struct bgp_eng *e;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	set[0] = a, set[1] = b;
	assert_int_equal(bgp_eng_announce(e, set, 2, 1100), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd, 0);
	assert_int_equal(s.n_an, 1);		/* a was there already */
	assert_int_equal(s.an[0].addr, b.addr);

	set[0] = b, set[1] = cc;
	assert_int_equal(bgp_eng_announce(e, set, 2, 1200), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd, 1);
	assert_int_equal(s.wd[0].addr, a.addr);
	assert_int_equal(s.n_an, 1);
	assert_int_equal(s.an[0].addr, cc.addr);
	assert_int_equal(s.an[0].med, 5);

	/* a new MED is a new announcement, no withdrawal */
	b.med = 7;
	set[0] = b, set[1] = cc;
	assert_int_equal(bgp_eng_announce(e, set, 2, 1300), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd, 0);
	assert_int_equal(s.n_an, 1);
	assert_int_equal(s.an[0].med, 7);

	/* same set again: nothing */
	assert_int_equal(bgp_eng_announce(e, set, 2, 1400), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd + s.n_an, 0);

	/* n = 0 withdraws all */
	assert_int_equal(bgp_eng_announce(e, NULL, 0, 1500), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd, 2);
	assert_int_equal(s.n_an, 0);
	assert_int_equal(e->peers[0].n_adv, 0);
	bgp_eng_destroy(e);
}

static void test_announce_many_and_invalid(void **state)
{
	static struct bgp_prefix set[3000];
	static struct seen s;
	struct bgp_conf c;
	struct bgp_eng *e;
	unsigned i;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	tb_drain(&S, 0);
	for (i = 0; i < 3000; i++)
		set[i] = (struct bgp_prefix){ .addr = tb_ip(10, 0, 0, 0) + i * 256, .plen = 24, .med = i % 3 };
	/* 3000 new + VIP withdrawn; the host bits of a /24 are cleared */
	set[7].addr |= 0x55;
	assert_int_equal(bgp_eng_announce(e, set, 3000, 1100), 0);
	collect(0, &s);
	assert_int_equal(s.n_an, 3000);
	assert_int_equal(s.n_wd, 1);
	for (i = 0; i < 3000; i++)
		assert_int_equal(s.an[i].addr & 0xff, 0);

	assert_int_equal(bgp_eng_announce(e, NULL, 0, 1200), 0);
	collect(0, &s);
	assert_int_equal(s.n_wd, 3000);

	/* invalid input changes nothing */
	set[0].plen = 33;
	assert_int_equal(bgp_eng_announce(e, set, 1, 1300), -EINVAL);
	assert_int_equal(bgp_eng_announce(e, set, BGP_MAX_PREFIXES + 1, 1300), -E2BIG);
	/* duplicates: the first one counts */
	set[0] = (struct bgp_prefix){ .addr = VIP.addr, .plen = 32, .med = 1 };
	set[1] = (struct bgp_prefix){ .addr = VIP.addr, .plen = 32, .med = 2 };
	assert_int_equal(bgp_eng_announce(e, set, 2, 1400), 0);
	assert_int_equal(e->n_rib, 1);
	assert_int_equal(e->rib[0].med, 1);
	bgp_eng_destroy(e);
}

/* ---- status and config --------------------------------------------------------- */

static void test_status_json(void **state)
{
	struct bgp_conf c;
	struct bgp_eng *e;
	json_t *o, *p0;

	(void)state;
	tb_conf(&c);
	e = established(&c, 90, true);
	assert_int_equal(bgp_eng_status_json(e, 5000, &o), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "local_as")), 65001);
	assert_string_equal(json_string_value(json_object_get(o, "router_id")), "10.201.2.2");
	p0 = json_array_get(json_object_get(o, "peers"), 0);
	assert_non_null(p0);
	assert_string_equal(json_string_value(json_object_get(p0, "addr")), "10.201.2.1");
	assert_string_equal(json_string_value(json_object_get(p0, "state")), "Established");
	assert_int_equal(json_integer_value(json_object_get(p0, "as")), 65000);
	assert_true(json_real_value(json_object_get(p0, "uptime_s")) == 4.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "msgs_in"),
							    "keepalive")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "msgs_out"),
							    "update")), 2);
	assert_true(json_is_null(json_object_get(p0, "last_error")));
	assert_int_equal(json_integer_value(json_object_get(p0, "prefixes_announced")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(o, "prefixes"), 0), "prefix")), "10.255.0.1/32");
	json_decref(o);
	bgp_eng_destroy(e);
}

static void test_conf_validate(void **state)
{
	struct bgp_conf c;
	char msg[128];

	(void)state;
	tb_conf(&c);
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), 0);
	c.hold_s = 2;
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "routing.bgp.hold_s"));
	tb_conf(&c);
	c.local_as = 0;
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
	tb_conf(&c);
	c.router_id = 0;
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
	tb_conf(&c);
	c.peers[0].as = BGP_AS_TRANS;
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "peers[0].as"));
	tb_conf(&c);
	c.n_peers = 2;
	c.peers[1] = c.peers[0];
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "peers[1].ip: duplicate"));
	tb_conf(&c);
	c.n_peers = 9;
	assert_int_equal(bgp_conf_validate(&c, NULL, 0), -EINVAL);
	tb_conf(&c);
	c.peers[0].addr = tb_ip(224, 0, 0, 1);
	assert_int_equal(bgp_conf_validate(&c, msg, sizeof(msg)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_with_captured_router),
		cmocka_unit_test(test_stream_reassembly),
		cmocka_unit_test(test_hold_timer_expiry),
		cmocka_unit_test(test_hold_negotiation),
		cmocka_unit_test(test_openconfirm_hold),
		cmocka_unit_test(test_open_rejections),
		cmocka_unit_test(test_peer_without_caps),
		cmocka_unit_test(test_no_caps_flag),
		cmocka_unit_test(test_caps_refused_retry),
		cmocka_unit_test(test_as_trans),
		cmocka_unit_test(test_ibgp_and_next_hop),
		cmocka_unit_test(test_truncations_through_engine),
		cmocka_unit_test(test_malformed_established),
		cmocka_unit_test(test_unexpected_in_opensent),
		cmocka_unit_test(test_notification_received),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_stop_withdraws_then_ceases),
		cmocka_unit_test(test_connect_backoff),
		cmocka_unit_test(test_backoff_reset_when_stable),
		cmocka_unit_test(test_send_failure),
		cmocka_unit_test(test_peer_closes),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_collision),
		cmocka_unit_test(test_collision_first_dies),
		cmocka_unit_test(test_collision_stale_opensent),
		cmocka_unit_test(test_announce_diff),
		cmocka_unit_test(test_announce_many_and_invalid),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_conf_validate),
	};

	return cmocka_run_group_tests_name("bgp_peer", tests, setup, NULL);
}
