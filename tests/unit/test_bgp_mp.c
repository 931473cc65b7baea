/* MP-BGP for IPv6 unicast (RFC 4760, 2545): MP_REACH_NLRI and
 * MP_UNREACH_NLRI encoded byte for byte as hand-built vectors say, decoded
 * back; next hops of 16 and 32 bytes; every truncation of an MP attribute
 * refused (or, at a prefix boundary, read as the shorter list it then is),
 * in buffers of the exact size so that an over-read is ASan's to see; the
 * capability offered only with a next hop and used only when both sides
 * list it; what is sent, withdrawn and counted per family. */
#include <arpa/inet.h>

#include "test_bgp_util.h"

static struct tb_shell S;

static void ip6(const char *s, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static struct bgp_prefix pfx6(const char *s, uint8_t plen, uint32_t med)
{
	struct bgp_prefix p = { .plen = plen, .med = med, .v6 = true };

	ip6(s, p.addr6);
	return p;
}

/* eBGP from AS 65001 with 4-octet ASes, MED 0, next hop fd00:1::2 */
static void attrs(struct bgp_attrs_out *a)
{
	memset(a, 0, sizeof(*a));
	a->origin = BGP_ORIGIN_IGP;
	a->as4 = true;
	a->path_len = 1;
	a->path[0] = 65001;
	a->has_med = true;
	ip6("fd00:1::2", a->next_hop6);
}

#define HDR 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define V6_VIP 0xfd, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10

/* fd00:1::10/128 and fd00:2::/64, next hop fd00:1::2 */
static const uint8_t reach_vec[] = {
	HDR, 0x00, 0x5e, 0x02,
	0x00, 0x00,				/* no IPv4 withdrawn routes */
	0x00, 0x47,				/* attributes: 71 bytes */
	0x40, 0x01, 0x01, 0x00,			/* ORIGIN IGP */
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,	/* AS_PATH 65001 */
	0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00,	/* MED 0 */
	0x90, 0x0e, 0x00, 0x2f,			/* MP_REACH_NLRI, extended length 47 */
	0x00, 0x02, 0x01,			/* AFI 2, SAFI 1 */
	0x10, 0xfd, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x00,					/* reserved */
	0x80, V6_VIP,
	0x40, 0xfd, 0x00, 0x00, 0x02, 0, 0, 0, 0,
};

static const uint8_t unreach_vec[] = {
	HDR, 0x00, 0x2f, 0x02,
	0x00, 0x00, 0x00, 0x18,
	0x90, 0x0f, 0x00, 0x14, 0x00, 0x02, 0x01, 0x80, V6_VIP,
};

static const uint8_t eor6_vec[] = {
	HDR, 0x00, 0x1e, 0x02,
	0x00, 0x00, 0x00, 0x07,
	0x90, 0x0f, 0x00, 0x03, 0x00, 0x02, 0x01,
};

static void expect_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t wn)
{
	assert_int_equal(n, wn);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: 0x%02x, want 0x%02x", i, got[i], want[i]);
}

/* Decodes m[0..n) from a buffer of exactly n bytes. */
static int decode(const uint8_t *m, size_t n, struct bgp_update *u, struct bgp_err *err)
{
	uint8_t *b = malloc(n ? n : 1);
	int rc;

	assert_non_null(b);
	memcpy(b, m, n);
	rc = bgp_msg_update_decode(b, n, BGP_UPD_AS4 | BGP_UPD_EBGP, u, err);
	free(b);	/* u points into it: callers look only at counts */
	return rc;
}

static void test_reach_vector(void **state)
{
	struct bgp_prefix p[2] = { pfx6("fd00:1::10", 128, 0), pfx6("fd00:2::", 64, 0) }, r;
	struct bgp_attrs_out a;
	struct bgp_update u;
	struct bgp_err err;
	uint8_t b[BGP_MAX_MSG], want[16];
	unsigned wd = 9, nl = 9;
	size_t off = 0;
	int n;

	(void)state;
	attrs(&a);
	n = bgp_msg_update_encode(b, sizeof(b), true, &a, NULL, 0, p, 2, &wd, &nl);
	assert_int_equal(wd, 0);
	assert_int_equal(nl, 2);
	expect_bytes(b, (size_t)n, reach_vec, sizeof(reach_vec));

	assert_int_equal(bgp_msg_update_decode(b, (size_t)n, BGP_UPD_AS4, &u, &err), 0);
	assert_int_equal(u.verdict, BGP_UPD_OK);
	assert_int_equal(u.n_nlri, 0);
	assert_true(bgp_mp_is(&u.reach, BGP_AFI_IPV6));
	assert_int_equal(u.reach.nh_len, 16);
	ip6("fd00:1::2", want);
	assert_memory_equal(u.reach.nh, want, 16);
	assert_int_equal(u.reach.n, 2);
	assert_int_equal(bgp_msg_prefix_next(u.reach.nlri, u.reach.nlri_len, true, &off, &r), 1);
	assert_true(r.v6 && r.plen == 128);
	assert_memory_equal(r.addr6, p[0].addr6, 16);
	assert_int_equal(bgp_msg_prefix_next(u.reach.nlri, u.reach.nlri_len, true, &off, &r), 1);
	assert_int_equal(r.plen, 64);
	assert_memory_equal(r.addr6, p[1].addr6, 16);
	assert_int_equal(bgp_msg_prefix_next(u.reach.nlri, u.reach.nlri_len, true, &off, &r), 0);
	assert_false(u.eor || u.eor6);
}

static void test_unreach_and_eor_vectors(void **state)
{
	struct bgp_prefix p = pfx6("fd00:1::10", 128, 7);
	struct bgp_update u;
	struct bgp_err err;
	uint8_t b[BGP_MAX_MSG];
	unsigned wd = 9, nl = 9;
	int n;

	(void)state;
	/* withdrawals need no attributes: a is NULL */
	n = bgp_msg_update_encode(b, sizeof(b), true, NULL, &p, 1, NULL, 0, &wd, &nl);
	assert_int_equal(wd, 1);
	assert_int_equal(nl, 0);
	expect_bytes(b, (size_t)n, unreach_vec, sizeof(unreach_vec));
	assert_int_equal(bgp_msg_update_decode(b, (size_t)n, 0, &u, &err), 0);
	assert_true(bgp_mp_is(&u.unreach, BGP_AFI_IPV6));
	assert_int_equal(u.unreach.n, 1);
	assert_false(u.eor6);

	n = bgp_msg_update_encode(b, sizeof(b), true, NULL, NULL, 0, NULL, 0, NULL, NULL);
	expect_bytes(b, (size_t)n, eor6_vec, sizeof(eor6_vec));
	assert_int_equal(bgp_msg_update_decode(b, (size_t)n, 0, &u, &err), 0);
	assert_true(u.eor6);
	assert_false(u.eor);	/* an IPv4 End-of-RIB has no attribute at all */

	/* an IPv4 prefix ends a v6 list, and the other way round */
	{
		struct bgp_prefix mix[2] = { p, { .addr = tb_ip(10, 0, 0, 10), .plen = 32 } };

		bgp_msg_update_encode(b, sizeof(b), true, NULL, mix, 2, NULL, 0, &wd, NULL);
		assert_int_equal(wd, 1);
		bgp_msg_update_encode(b, sizeof(b), false, NULL, mix + 1, 1, NULL, 0, &wd, NULL);
		assert_int_equal(wd, 1);
		bgp_msg_update_encode(b, sizeof(b), false, NULL, mix, 2, NULL, 0, &wd, NULL);
		assert_int_equal(wd, 0);
	}
}

/* Packing: /128s fill UPDATEs of at most 4096 bytes, every one decodes,
 * none is lost or repeated. */
static void test_reach_packing(void **state)
{
	static struct bgp_prefix p[1000];
	struct bgp_attrs_out a;
	struct bgp_update u;
	struct bgp_err err;
	uint8_t b[BGP_MAX_MSG];
	unsigned total = 0, done, msgs = 0;
	int n;

	(void)state;
	attrs(&a);
	a.as4 = false;
	a.path[0] = 4200000001u;	/* AS4_PATH after MP_REACH */
	for (unsigned i = 0; i < 1000; i++) {
		p[i] = pfx6("fd00:1::", 128, 0);
		p[i].addr6[14] = (uint8_t)(i >> 8);
		p[i].addr6[15] = (uint8_t)i;
	}
	while (total < 1000) {
		n = bgp_msg_update_encode(b, sizeof(b), true, &a, NULL, 0, p + total,
					  1000 - total, NULL, &done);
		assert_true(n > 0 && n <= BGP_MAX_MSG && done > 0);
		assert_int_equal(bgp_msg_update_decode(b, (size_t)n, 0, &u, &err), 0);
		assert_int_equal(u.verdict, BGP_UPD_OK);
		assert_int_equal(u.reach.n, done);
		assert_true(bgp_update_has(&u, BGP_ATTR_AS4_PATH));
		total += done;
		msgs++;
	}
	assert_int_equal(total, 1000);
	assert_true(msgs >= 4 && msgs <= 5);	/* ~235 /128s a message */
}

/* An UPDATE with one MP_REACH_NLRI of value v[0..vlen) after ORIGIN and
 * AS_PATH (short length form when it fits, as BIRD writes it). */
static size_t with_mp(uint8_t *m, uint8_t type, const uint8_t *v, size_t vlen)
{
	static const uint8_t head[] = {
		0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
	};
	size_t off = BGP_HDR_LEN + 4, alen;

	memcpy(m + off, head, sizeof(head));
	off += sizeof(head);
	if (vlen < 256) {
		m[off++] = BGP_AF_OPTIONAL;
		m[off++] = type;
		m[off++] = (uint8_t)vlen;
	} else {
		m[off++] = BGP_AF_OPTIONAL | BGP_AF_EXTLEN;
		m[off++] = type;
		dp_put_u16(m + off, (uint16_t)vlen);
		off += 2;
	}
	memcpy(m + off, v, vlen);
	off += vlen;
	alen = off - BGP_HDR_LEN - 4;
	memset(m, 0xff, 16);
	dp_put_u16(m + 16, (uint16_t)off);
	m[18] = BGP_MSG_UPDATE;
	dp_put_u16(m + BGP_HDR_LEN, 0);
	dp_put_u16(m + BGP_HDR_LEN + 2, (uint16_t)alen);
	return off;
}

/* MP_REACH value: AFI 2 SAFI 1, next hop of nh_len bytes nh, fd00:1::10/128 */
static size_t reach_val(uint8_t *v, const uint8_t *nh, uint8_t nh_len)
{
	size_t off = 0;

	dp_put_u16(v, BGP_AFI_IPV6);
	v[2] = BGP_SAFI_UNICAST;
	v[3] = nh_len;
	memcpy(v + 4, nh, nh_len);
	off = 4 + (size_t)nh_len;
	v[off++] = 0;
	v[off++] = 128;
	ip6("fd00:1::10", v + off);
	return off + 16;
}

static void test_next_hop_lengths(void **state)
{
	static const struct {
		const char *g, *ll;	/* ll NULL: a 16-byte next hop */
		uint8_t len;		/* the length field when not 16/32 */
		int rc;
		uint8_t verdict;
	} cases[] = {
		{ "fd00:1::2", NULL, 0, 0, BGP_UPD_OK },
		{ "fd00:1::2", "fe80::1", 0, 0, BGP_UPD_OK },
		{ "2001:db8::1", "fe80::abcd:1", 0, 0, BGP_UPD_OK },
		/* readable but no address to forward to: treat as withdraw */
		{ "::", NULL, 0, 0, BGP_UPD_TREAT_AS_WITHDRAW },
		{ "::1", NULL, 0, 0, BGP_UPD_TREAT_AS_WITHDRAW },
		{ "ff02::1", NULL, 0, 0, BGP_UPD_TREAT_AS_WITHDRAW },
		{ "fd00:1::2", "fd00:1::3", 0, 0, BGP_UPD_TREAT_AS_WITHDRAW },
		/* a length IPv6 unicast does not have: the NLRI cannot be found */
		{ "fd00:1::2", NULL, 4, -EBADMSG, 0 },
		{ "fd00:1::2", NULL, 24, -EBADMSG, 0 },
		{ "fd00:1::2", NULL, 0xff, -EBADMSG, 0 },
	};
	uint8_t v[600], m[BGP_MAX_MSG], nh[255];
	struct bgp_update u;
	struct bgp_err err;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t len = cases[i].len ? cases[i].len : cases[i].ll ? 32 : 16;
		size_t vl, n;
		int rc;

		memset(nh, 0x11, sizeof(nh));
		ip6(cases[i].g, nh);
		if (cases[i].ll)
			ip6(cases[i].ll, nh + 16);
		vl = reach_val(v, nh, len);
		n = with_mp(m, BGP_ATTR_MP_REACH, v, vl);
		rc = decode(m, n, &u, &err);
		if (rc != cases[i].rc)
			fail_msg("case %u: rc %d, want %d", i, rc, cases[i].rc);
		if (rc) {
			assert_int_equal(err.code, BGP_ERR_UPDATE);
			assert_int_equal(err.sub, BGP_UPD_OPTIONAL);
			continue;
		}
		if (u.verdict != cases[i].verdict)
			fail_msg("case %u: verdict %u, want %u", i, u.verdict, cases[i].verdict);
		assert_int_equal(u.reach.nh_len, len);
		assert_int_equal(u.reach.n, 1);
		if (u.verdict)
			assert_true(u.reasons & (1u << BGP_7606_MP_NEXT_HOP));
	}
}

/* Every shorter value of MP_REACH_NLRI (the attribute's and the message's
 * lengths kept consistent) and of MP_UNREACH_NLRI: refused with 3/9, but
 * where the cut falls between prefixes, which is a shorter list. */
static void test_truncations(void **state)
{
	uint8_t v[64], m[BGP_MAX_MSG], nh[16];
	struct bgp_update u;
	struct bgp_err err;
	size_t full, cut, n;

	(void)state;
	ip6("fd00:1::2", nh);
	full = reach_val(v, nh, 16);		/* 4 + 16 + 1 + 17 = 38 */
	for (cut = 0; cut <= full; cut++) {
		bool boundary = cut == full - 17 || cut == full;
		int rc;

		n = with_mp(m, BGP_ATTR_MP_REACH, v, cut);
		rc = decode(m, n, &u, &err);
		if (boundary) {
			if (rc)
				fail_msg("MP_REACH cut to %zu bytes: refused", cut);
			assert_int_equal(u.reach.n, cut == full ? 1 : 0);
		} else {
			if (rc != -EBADMSG || err.code != BGP_ERR_UPDATE ||
			    err.sub != BGP_UPD_OPTIONAL)
				fail_msg("MP_REACH cut to %zu bytes: rc %d err %u/%u", cut, rc,
					 err.code, err.sub);
		}
	}
	/* MP_UNREACH: AFI, SAFI, one /128 */
	memcpy(v, (const uint8_t[]){ 0x00, 0x02, 0x01, 0x80 }, 4);
	ip6("fd00:1::10", v + 4);
	for (cut = 0; cut <= 20; cut++) {
		int rc;

		n = with_mp(m, BGP_ATTR_MP_UNREACH, v, cut);
		rc = decode(m, n, &u, &err);
		if (cut == 3 || cut == 20)
			assert_int_equal(rc, 0);
		else if (rc != -EBADMSG || err.sub != BGP_UPD_OPTIONAL)
			fail_msg("MP_UNREACH cut to %zu bytes: rc %d", cut, rc);
	}
	/* the whole message cut anywhere, its length field saying so: the
	 * attributes overrun it: a reset, never a read past the end */
	for (cut = BGP_MIN_UPDATE; cut < sizeof(reach_vec); cut++) {
		memcpy(m, reach_vec, cut);
		dp_put_u16(m + 16, (uint16_t)cut);
		if (decode(m, cut, &u, &err) != -EBADMSG)
			fail_msg("UPDATE cut to %zu bytes: accepted", cut);
	}
	/* a prefix longer than 128 bits */
	memcpy(m, reach_vec, sizeof(reach_vec));
	m[sizeof(reach_vec) - 9 - 17] = 129;
	assert_int_equal(decode(m, sizeof(reach_vec), &u, &err), -EBADMSG);
	assert_int_equal(err.sub, BGP_UPD_OPTIONAL);
}

/* A family we do not take (AFI 2 SAFI 2, AFI 25): the framing only. */
static void test_other_families(void **state)
{
	uint8_t v[64], m[BGP_MAX_MSG], nh[16];
	struct bgp_update u;
	struct bgp_err err;
	size_t vl, n;

	(void)state;
	ip6("fd00:1::2", nh);
	vl = reach_val(v, nh, 16);
	v[2] = 2;			/* multicast */
	v[vl - 17] = 200;		/* no IPv6 prefix, but not ours to read */
	n = with_mp(m, BGP_ATTR_MP_REACH, v, vl);
	assert_int_equal(decode(m, n, &u, &err), 0);
	assert_false(bgp_mp_is(&u.reach, BGP_AFI_IPV6));
	assert_int_equal(u.reach.n, 0);
	dp_put_u16(v, 25);
	v[2] = 65;
	v[3] = 4;			/* L2VPN VPLS with a 4-byte next hop */
	n = with_mp(m, BGP_ATTR_MP_REACH, v, 4 + 4 + 1);
	assert_int_equal(decode(m, n, &u, &err), 0);
}

/* ---- the engine ----------------------------------------------------------- */

static size_t peer_open(uint8_t *buf, bool v4, bool v6)
{
	uint8_t mp4[4] = { 0, 1, 0, 1 }, mp6[4] = { 0, 2, 0, 1 }, a4[4];
	struct bgp_open o = { .version = 4, .my_as = 65000, .hold_s = 90, .id = TB_R };
	int n;

	dp_put_u32(a4, 65000);
	if (v4)
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_MP, 4, mp4 };
	if (v6)
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_MP, 4, mp6 };
	o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_AS4, 4, a4 };
	n = bgp_msg_open_encode(buf, BGP_MAX_MSG, &o);
	assert_true(n > 0);
	return (size_t)n;
}

/* Up to Established with a peer offering v4 / v6; returns our OPEN decoded. */
static struct bgp_eng *session(bool nh6, bool v4, bool v6, const struct bgp_prefix *set,
			       unsigned n, struct bgp_open *ours)
{
	uint8_t m[BGP_MAX_MSG];
	struct bgp_err err;
	struct bgp_conf c;
	struct bgp_eng *e;
	size_t len;

	tb_conf(&c);
	if (nh6)
		ip6("fd00:1::2", c.peers[0].next_hop6);
	e = tb_engine(&S, &c, 1000, true);
	assert_int_equal(bgp_eng_announce(e, set, n, 1000), 0);
	bgp_eng_connected(e, 0, TB_N2, 1000);
	len = tb_next(&S, 0, m);
	assert_int_equal(m[18], BGP_MSG_OPEN);
	assert_int_equal(bgp_msg_open_decode(m, len, ours, &err), 0);
	len = peer_open(m, v4, v6);
	bgp_eng_input(e, 0, m, len, 1010);
	tb_drain(&S, 0);	/* our KEEPALIVE */
	bgp_eng_input(e, 0, m, tb_keepalive(m), 1020);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	return e;
}

static const char *withheld(struct bgp_eng *e)
{
	static char buf[128];
	json_t *j, *w;

	assert_int_equal(bgp_eng_status_json(e, 2000, &j), 0);
	w = json_object_get(json_array_get(json_object_get(j, "peers"), 0), "ipv6_withheld");
	snprintf(buf, sizeof(buf), "%s", json_is_string(w) ? json_string_value(w) : "(null)");
	json_decref(j);
	return buf;
}

static void test_negotiation(void **state)
{
	struct bgp_prefix set[2] = {
		{ .addr = tb_ip(10, 0, 0, 10), .plen = 32, .med = 5 }, pfx6("fd00:1::10", 128, 5),
	};
	uint8_t m[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_err err;
	struct bgp_open o;
	struct bgp_eng *e;
	size_t n;

	(void)state;
	tb_quiet();
	/* both offer it */
	e = session(true, true, true, set, 2, &o);
	assert_true(o.mp_ipv4 && o.mp_ipv6);
	assert_true(e->peers[0].ipv4 && e->peers[0].ipv6);
	n = tb_next(&S, 0, m);		/* IPv4 first */
	assert_int_equal(bgp_msg_update_decode(m, n, BGP_UPD_AS4, &u, &err), 0);
	assert_int_equal(u.n_nlri, 1);
	assert_false(u.reach.present);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, BGP_UPD_AS4, &u, &err), 0);
	assert_int_equal(u.n_nlri, 0);
	assert_true(bgp_mp_is(&u.reach, BGP_AFI_IPV6) && u.reach.n == 1);
	assert_int_equal(u.med, 5);
	assert_false(bgp_update_has(&u, BGP_ATTR_NEXT_HOP));
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_true(u.eor);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_true(u.eor6);
	assert_int_equal(tb_next(&S, 0, m), 0);
	assert_int_equal(e->peers[0].n_adv, 2);
	assert_string_equal(withheld(e), "(null)");

	/* the v6 VIP goes: MP_UNREACH alone; the IPv4 one stays */
	assert_int_equal(bgp_eng_announce(e, set, 1, 1100), 0);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_true(bgp_mp_is(&u.unreach, BGP_AFI_IPV6) && u.unreach.n == 1);
	assert_int_equal(u.n_wd + u.n_nlri, 0);
	assert_int_equal(tb_next(&S, 0, m), 0);
	assert_int_equal(e->peers[0].n_adv, 1);
	/* and back: MP_REACH alone */
	assert_int_equal(bgp_eng_announce(e, set, 2, 1200), 0);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, BGP_UPD_AS4, &u, &err), 0);
	assert_true(bgp_mp_is(&u.reach, BGP_AFI_IPV6) && u.reach.n == 1);
	assert_int_equal(tb_next(&S, 0, m), 0);
	/* stopping withdraws both families */
	bgp_eng_stop(e, 1300);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_int_equal(u.n_wd, 1);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_true(bgp_mp_is(&u.unreach, BGP_AFI_IPV6) && u.unreach.n == 1);
	bgp_eng_destroy(e);

	/* the peer lists IPv4 only: no v6 route, no v6 End-of-RIB */
	e = session(true, true, false, set, 2, &o);
	assert_true(o.mp_ipv6);
	assert_false(e->peers[0].ipv6);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, BGP_UPD_AS4, &u, &err), 0);
	assert_int_equal(u.n_nlri, 1);
	n = tb_next(&S, 0, m);
	assert_int_equal(bgp_msg_update_decode(m, n, 0, &u, &err), 0);
	assert_true(u.eor);
	assert_int_equal(tb_next(&S, 0, m), 0);
	assert_int_equal(e->peers[0].n_adv, 1);
	assert_string_equal(withheld(e), "the peer did not offer IPv6 unicast");
	bgp_eng_destroy(e);

	/* no next hop (the port has no ip6): not offered, not used even if
	 * the peer offers it */
	e = session(false, true, true, set, 2, &o);
	assert_true(o.mp_ipv4);
	assert_false(o.mp_ipv6);
	assert_false(e->peers[0].ipv6);
	assert_true(e->peers[0].nh6_warned);
	assert_int_equal(e->peers[0].n_adv, 1);
	assert_string_equal(withheld(e), "no IPv6 next hop: the port facing this peer has no ip6");
	bgp_eng_destroy(e);
}

/* What a peer sends in MP attributes is counted per family; a malformed
 * next hop costs the routes, not the session. */
static void test_received(void **state)
{
	struct bgp_prefix set[1] = { pfx6("fd00:1::10", 128, 0) };
	uint8_t v[64], m[BGP_MAX_MSG], nh[16];
	struct bgp_open o;
	struct bgp_eng *e;
	size_t n;

	(void)state;
	tb_quiet();
	e = session(true, true, true, set, 1, &o);
	tb_drain(&S, 0);
	ip6("fd00:1::1", nh);
	n = with_mp(m, BGP_ATTR_MP_REACH, v, reach_val(v, nh, 16));
	bgp_eng_input(e, 0, m, n, 1100);
	assert_int_equal(e->peers[0].prefixes6_rx, 1);
	assert_int_equal(e->peers[0].prefixes_rx, 0);
	memset(nh, 0, sizeof(nh));	/* :: */
	n = with_mp(m, BGP_ATTR_MP_REACH, v, reach_val(v, nh, 16));
	bgp_eng_input(e, 0, m, n, 1200);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	assert_int_equal(e->peers[0].prefixes6_rx, 1);
	assert_int_equal(e->peers[0].withdrawn6_rx, 1);
	assert_int_equal(e->peers[0].rfc7606_reasons[BGP_7606_MP_NEXT_HOP], 1);
	assert_int_equal(e->peers[0].rfc7606_withdrawn, 1);
	bgp_eng_input(e, 0, eor6_vec, sizeof(eor6_vec), 1300);
	assert_int_equal(e->peers[0].eor6_rx, 1);
	assert_int_equal(e->peers[0].eor_rx, 0);
	/* a next hop of 24 bytes: the NLRI cannot be found: reset */
	n = with_mp(m, BGP_ATTR_MP_REACH, v, reach_val(v, (const uint8_t[24]){ 0xfd }, 24));
	bgp_eng_input(e, 0, m, n, 1400);
	assert_int_not_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
	tb_expect_notif(&S, 0, BGP_ERR_UPDATE, BGP_UPD_OPTIONAL);
	bgp_eng_destroy(e);
}

/* The rib: v6 host bits cleared, duplicates folded, v4 sorted before v6,
 * plen > 128 refused. */
static void test_rib6(void **state)
{
	struct bgp_prefix set[4] = {
		pfx6("fd00:2::1:2:3:4", 64, 1), pfx6("fd00:2::", 64, 2),
		{ .addr = tb_ip(10, 0, 0, 10), .plen = 32 }, pfx6("fd00:1::10", 128, 0),
	};
	struct bgp_prefix bad = pfx6("fd00::", 129, 0);
	struct bgp_conf c;
	struct bgp_eng *e;
	uint8_t want[16];

	(void)state;
	tb_quiet();
	tb_conf(&c);
	e = tb_engine(&S, &c, 1000, false);
	assert_int_equal(bgp_eng_announce(e, set, 4, 1000), 0);
	assert_int_equal(e->n_rib, 3);
	assert_false(e->rib[0].v6);
	ip6("fd00:1::10", want);
	assert_memory_equal(e->rib[1].addr6, want, 16);
	ip6("fd00:2::", want);
	assert_memory_equal(e->rib[2].addr6, want, 16);
	assert_int_equal(e->rib[2].med, 1);	/* the first occurrence */
	assert_int_equal(bgp_eng_announce(e, &bad, 1, 1100), -EINVAL);
	bgp_eng_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reach_vector),
		cmocka_unit_test(test_unreach_and_eor_vectors),
		cmocka_unit_test(test_reach_packing),
		cmocka_unit_test(test_next_hop_lengths),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_other_families),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_received),
		cmocka_unit_test(test_rib6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
