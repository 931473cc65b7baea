/* BGP codec: the messages of a real session (bgp-n2.pcap, bird <-> node)
 * decode and re-encode to the same bytes; every malformed variant gets the
 * NOTIFICATION code/subcode RFC 4271 §6 prescribes, or, for a malformed
 * attribute, the treat-as-withdraw or attribute discard of RFC 7606. */
#include "test_bgp_util.h"

static struct tb_msg msgs[TB_MAX_MSGS];
static unsigned n_msgs;

static int setup(void **state)
{
	(void)state;
	n_msgs = tb_pcap_messages(TB_PCAP, msgs, TB_MAX_MSGS);
	return n_msgs ? 0 : -1;
}

/* The engine's decoding path for one complete message. */
static int check(const uint8_t *m, size_t len, bool as4, struct bgp_err *err)
{
	struct bgp_hdr h;
	struct bgp_open o;
	struct bgp_update u;
	struct bgp_notif n;
	int rc;

	rc = bgp_msg_hdr_decode(m, len, &h, err);
	if (rc)
		return rc;
	assert_int_equal(h.len, len);
	switch (h.type) {
	case BGP_MSG_OPEN:
		return bgp_msg_open_decode(m, len, &o, err);
	case BGP_MSG_UPDATE:
		return bgp_msg_update_decode(m, len, as4, &u, err);
	case BGP_MSG_NOTIFICATION:
		return bgp_msg_notif_decode(m, len, &n);
	default:
		return 0;
	}
}

#define EXPECT_ERR(m, len, as4, c, s) do { \
	struct bgp_err e_; \
	int rc_ = check(m, len, as4, &e_); \
	if (rc_ != -EBADMSG) \
		fail_msg("line %d: expected error %d/%d, got rc %d", __LINE__, c, s, rc_); \
	if (e_.code != (c) || e_.sub != (s)) \
		fail_msg("line %d: expected error %d/%d, got %u/%u", __LINE__, c, s, \
			 e_.code, e_.sub); \
} while (0)

static const struct tb_msg *find(uint8_t type, uint32_t src, unsigned nth)
{
	unsigned i;

	for (i = 0; i < n_msgs; i++)
		if (msgs[i].b[18] == type && msgs[i].src == src && nth-- == 0)
			return &msgs[i];
	fail_msg("message type %u from %08x #%u not in the capture", type, src, nth);
	return NULL;
}

static void test_pcap_contents(void **state)
{
	unsigned i, types[BGP_MSG_TYPES] = { 0 };

	(void)state;
	for (i = 0; i < n_msgs; i++) {
		assert_true(msgs[i].b[18] < BGP_MSG_TYPES);
		types[msgs[i].b[18]]++;
	}
	/* two OPENs, two KEEPALIVEs, two End-of-RIB and one announcement */
	assert_int_equal(n_msgs, 7);
	assert_int_equal(types[BGP_MSG_OPEN], 2);
	assert_int_equal(types[BGP_MSG_KEEPALIVE], 2);
	assert_int_equal(types[BGP_MSG_UPDATE], 3);
}

static void test_pcap_open_roundtrip(void **state)
{
	uint8_t out[BGP_MAX_MSG];
	struct bgp_open o;
	struct bgp_err err;
	unsigned k;

	(void)state;
	for (k = 0; k < 2; k++) {
		const struct tb_msg *m = find(BGP_MSG_OPEN, k ? TB_R : TB_N2, 0);

		assert_int_equal(bgp_msg_open_decode(m->b, m->len, &o, &err), 0);
		assert_int_equal(o.version, 4);
		assert_int_equal(o.my_as, k ? 65000 : 65001);
		assert_int_equal(o.hold_s, 240);
		assert_int_equal(o.id, k ? tb_ip(10, 201, 0, 1) : TB_N2);
		assert_true(o.has_caps);
		assert_true(o.as4);
		assert_int_equal(o.as4_val, k ? 65000 : 65001);
		assert_true(o.mp_any && o.mp_ipv4);
		/* MP, route refresh, graceful restart, AS4, enhanced RR, LLGR */
		assert_int_equal(o.n_caps, 6);
		assert_int_equal(bgp_msg_open_encode(out, sizeof(out), &o), (int)m->len);
		assert_memory_equal(out, m->b, m->len);
	}
}

static void test_pcap_keepalive_roundtrip(void **state)
{
	uint8_t out[BGP_HDR_LEN];
	struct bgp_err err;
	struct bgp_hdr h;
	unsigned k;

	(void)state;
	for (k = 0; k < 2; k++) {
		const struct tb_msg *m = find(BGP_MSG_KEEPALIVE, k ? TB_R : TB_N2, 0);

		assert_int_equal(bgp_msg_hdr_decode(m->b, m->len, &h, &err), 0);
		assert_int_equal(h.len, BGP_HDR_LEN);
		assert_int_equal(bgp_msg_keepalive_encode(out, sizeof(out)), BGP_HDR_LEN);
		assert_memory_equal(out, m->b, m->len);
	}
}

static void test_pcap_update_roundtrip(void **state)
{
	const struct tb_msg *m = find(BGP_MSG_UPDATE, TB_N2, 0), *eor;
	uint8_t out[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_attrs_out a = { 0 };
	struct bgp_prefix p;
	struct bgp_err err;
	unsigned wd, nl, k;
	size_t off = 0;

	(void)state;
	/* both OPENs carried the 4-octet AS capability */
	assert_int_equal(bgp_msg_update_decode(m->b, m->len, true, &u, &err), 0);
	assert_false(u.eor);
	assert_int_equal(u.n_wd, 0);
	assert_int_equal(u.n_nlri, 1);
	assert_int_equal(u.origin, BGP_ORIGIN_IGP);
	assert_int_equal(u.path_len, 1);
	assert_int_equal(u.path[0], 65001);
	assert_int_equal(u.next_hop, TB_N2);
	assert_false(bgp_update_has(&u, BGP_ATTR_MED));
	assert_int_equal(bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &p), 1);
	assert_int_equal(p.addr, tb_ip(10, 255, 0, 1));
	assert_int_equal(p.plen, 32);
	assert_int_equal(bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &p), 0);

	a.origin = u.origin;
	a.as4 = true;
	a.path_len = u.path_len;
	memcpy(a.path, u.path, sizeof(a.path));
	a.next_hop = u.next_hop;
	assert_int_equal(bgp_msg_update_encode(out, sizeof(out), false, &a, NULL, 0, &p, 1, &wd, &nl),
			 (int)m->len);
	assert_int_equal(nl, 1);
	assert_memory_equal(out, m->b, m->len);

	/* End-of-RIB both ways */
	for (k = 0; k < 2; k++) {
		eor = find(BGP_MSG_UPDATE, k ? TB_R : TB_N2, k ? 0 : 1);
		assert_int_equal(eor->len, BGP_MIN_UPDATE);
		assert_int_equal(bgp_msg_update_decode(eor->b, eor->len, true, &u, &err), 0);
		assert_true(u.eor);
		assert_int_equal(bgp_msg_update_encode(out, sizeof(out), false, NULL, NULL, 0, NULL, 0,
						       &wd, &nl), BGP_MIN_UPDATE);
		assert_memory_equal(out, eor->b, eor->len);
	}
}

static void test_notification_roundtrip(void **state)
{
	uint8_t out[BGP_MAX_MSG], data[2] = { 0, 4 };
	struct bgp_notif n;
	int len;

	(void)state;
	len = bgp_msg_notif_encode(out, sizeof(out), BGP_ERR_OPEN, BGP_OPEN_BAD_VERSION, data, 2);
	assert_int_equal(len, 23);
	assert_int_equal(bgp_msg_notif_decode(out, (size_t)len, &n), 0);
	assert_int_equal(n.code, 2);
	assert_int_equal(n.sub, 1);
	assert_int_equal(n.len, 2);
	assert_memory_equal(n.data, data, 2);
	assert_int_equal(bgp_msg_notif_decode(out, 20, &n), -EBADMSG);
	assert_string_equal(bgp_msg_err_name(6, 2), "Administrative Shutdown");
	assert_string_equal(bgp_msg_err_name(3, 200), "UPDATE Message Error");
}

/* The NOTIFICATION a message cut to k bytes (its length field saying k)
 * must draw; 0/0 when it is still valid. */
static void expected_for_cut(const struct tb_msg *m, size_t k, int *code, int *sub)
{
	*code = 0;
	*sub = 0;
	switch (m->b[18]) {
	case BGP_MSG_OPEN:
		if (k < BGP_MIN_OPEN) {
			*code = 1, *sub = 2;
		} else {
			*code = 2, *sub = 0;	/* parameters overrun */
		}
		break;
	case BGP_MSG_UPDATE:
		if (k < BGP_MIN_UPDATE) {
			*code = 1, *sub = 2;
		} else if (m->len == BGP_MIN_UPDATE) {
			break;
		} else if (k < BGP_MIN_UPDATE + (size_t)dp_get_u16(m->b + 21)) {
			*code = 3, *sub = 1;	/* attribute length too large */
		} else if (k > BGP_MIN_UPDATE + (size_t)dp_get_u16(m->b + 21)) {
			*code = 3, *sub = 10;	/* NLRI cut */
		}
		break;
	case BGP_MSG_KEEPALIVE:
		*code = 1, *sub = 2;
		break;
	}
}

static void test_every_truncation(void **state)
{
	struct bgp_err err;
	unsigned i;
	size_t k;

	(void)state;
	for (i = 0; i < n_msgs; i++) {
		const struct tb_msg *m = &msgs[i];

		for (k = BGP_HDR_LEN; k < m->len; k++) {
			struct bgp_open o;
			struct bgp_update u;
			struct bgp_hdr h;
			int code, sub, rc;
			/* Exactly k bytes on the heap: a read past them is out of
			 * bounds, which `make unit SAN=1` (ASan) turns into a
			 * failure. (Inside a larger buffer it could not fail.) */
			uint8_t *b = malloc(k);

			assert_non_null(b);
			/* raw: decoders given k bytes never read past them */
			memcpy(b, m->b, k);
			rc = bgp_msg_open_decode(b, k, &o, &err);
			(void)rc;
			rc = bgp_msg_update_decode(b, k, true, &u, &err);
			(void)rc;
			rc = bgp_msg_hdr_decode(b, k, &h, &err);
			assert_int_equal(rc, 0);	/* the header itself is intact */

			/* length field says k: the message is complete but short */
			dp_put_u16(b + 16, (uint16_t)k);
			expected_for_cut(m, k, &code, &sub);
			if (code == 0)
				assert_int_equal(check(b, k, true, &err), 0);
			else
				EXPECT_ERR(b, k, true, code, sub);
			free(b);
		}
	}
}

static void test_header_errors(void **state)
{
	const struct tb_msg *open = find(BGP_MSG_OPEN, TB_N2, 0);
	uint8_t b[BGP_MAX_MSG + 8];
	struct bgp_hdr h;
	struct bgp_err err;
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		memcpy(b, open->b, open->len);
		b[i] = 0xfe;
		EXPECT_ERR(b, open->len, true, 1, 1);
	}
	memcpy(b, open->b, open->len);
	dp_put_u16(b + 16, 18);
	assert_int_equal(bgp_msg_hdr_decode(b, BGP_HDR_LEN, &h, &err), -EBADMSG);
	assert_int_equal(err.code, 1);
	assert_int_equal(err.sub, 2);
	assert_int_equal(err.len, 2);		/* data: the length field */
	assert_int_equal(dp_get_u16(err.data), 18);
	dp_put_u16(b + 16, 4097);
	assert_int_equal(bgp_msg_hdr_decode(b, BGP_HDR_LEN, &h, &err), -EBADMSG);
	assert_int_equal(err.sub, 2);
	/* KEEPALIVE with a body, OPEN too short, UPDATE too short */
	tb_keepalive(b);
	dp_put_u16(b + 16, 20);
	b[19] = 0;
	EXPECT_ERR(b, 20, true, 1, 2);
	memcpy(b, open->b, 28);
	dp_put_u16(b + 16, 28);
	EXPECT_ERR(b, 28, true, 1, 2);
	/* type 0 and 7 */
	tb_keepalive(b);
	b[18] = 7;
	EXPECT_ERR(b, BGP_HDR_LEN, true, 1, 3);
	assert_int_equal(bgp_msg_hdr_decode(b, BGP_HDR_LEN, &h, &err), -EBADMSG);
	assert_int_equal(err.len, 1);
	assert_int_equal(err.data[0], 7);
	b[18] = 0;
	EXPECT_ERR(b, BGP_HDR_LEN, true, 1, 3);
	/* ROUTE-REFRESH is fixed at 23 */
	b[18] = 5;
	EXPECT_ERR(b, BGP_HDR_LEN, true, 1, 2);
}

/* ---- OPEN --------------------------------------------------------------- */

static size_t mk_open(uint8_t *b, uint8_t version, uint16_t as, uint16_t hold,
		      uint32_t id, const uint8_t *opt, size_t optlen)
{
	memset(b, 0xff, 16);
	dp_put_u16(b + 16, (uint16_t)(BGP_MIN_OPEN + optlen));
	b[18] = BGP_MSG_OPEN;
	b[19] = version;
	dp_put_u16(b + 20, as);
	dp_put_u16(b + 22, hold);
	dp_put_u32(b + 24, id);
	b[28] = (uint8_t)optlen;
	if (optlen)
		memcpy(b + BGP_MIN_OPEN, opt, optlen);
	return BGP_MIN_OPEN + optlen;
}

static void test_open_without_caps(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	struct bgp_open o;
	struct bgp_err err;
	size_t n = mk_open(b, 4, 65000, 90, tb_ip(1, 2, 3, 4), NULL, 0);

	(void)state;
	assert_int_equal(n, 29);
	assert_int_equal(bgp_msg_open_decode(b, n, &o, &err), 0);
	assert_false(o.has_caps);
	assert_false(o.as4);
	assert_false(o.mp_any);
	assert_int_equal(o.my_as, 65000);
	assert_int_equal(o.hold_s, 90);
}

static void test_open_errors(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	struct bgp_open o;
	struct bgp_err err;
	uint32_t id = tb_ip(1, 2, 3, 4);
	size_t n;

	(void)state;
	n = mk_open(b, 3, 65000, 90, id, NULL, 0);
	assert_int_equal(bgp_msg_open_decode(b, n, &o, &err), -EBADMSG);
	assert_int_equal(err.code, 2);
	assert_int_equal(err.sub, 1);
	assert_int_equal(err.len, 2);		/* data: the version we speak */
	assert_int_equal(dp_get_u16(err.data), 4);

	n = mk_open(b, 4, 65000, 1, id, NULL, 0);
	EXPECT_ERR(b, n, true, 2, 6);
	n = mk_open(b, 4, 65000, 2, id, NULL, 0);
	EXPECT_ERR(b, n, true, 2, 6);
	n = mk_open(b, 4, 65000, 0, id, NULL, 0);
	assert_int_equal(check(b, n, true, &err), 0);	/* 0 = no hold timer */
	n = mk_open(b, 4, 65000, 3, id, NULL, 0);
	assert_int_equal(check(b, n, true, &err), 0);

	n = mk_open(b, 4, 65000, 90, 0, NULL, 0);
	EXPECT_ERR(b, n, true, 2, 3);
	n = mk_open(b, 4, 65000, 90, tb_ip(224, 0, 0, 5), NULL, 0);
	EXPECT_ERR(b, n, true, 2, 3);

	{	/* authentication parameter (type 1, deprecated) */
		static const uint8_t opt[] = { 1, 2, 0, 0 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		EXPECT_ERR(b, n, true, 2, 4);
	}
	{	/* capability longer than its parameter */
		static const uint8_t opt[] = { 2, 4, 65, 4, 0, 0 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		EXPECT_ERR(b, n, true, 2, 0);
	}
	{	/* 4-octet AS capability of length 2 */
		static const uint8_t opt[] = { 2, 4, 65, 2, 0, 0 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		EXPECT_ERR(b, n, true, 2, 0);
	}
	{	/* parameter header cut */
		static const uint8_t opt[] = { 2 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		EXPECT_ERR(b, n, true, 2, 0);
	}
	{	/* optional parameters length shorter than what follows */
		static const uint8_t opt[] = { 2, 0, 9 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		b[28] = 2;
		EXPECT_ERR(b, n, true, 2, 0);
	}
}

static void test_open_cap_forms(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	struct bgp_open o;
	struct bgp_err err;
	uint32_t id = tb_ip(1, 2, 3, 4);
	size_t n;

	(void)state;
	{	/* one capability per parameter (older style), unknown ones too */
		static const uint8_t opt[] = {
			2, 6, 1, 4, 0, 1, 0, 1,
			2, 2, 200, 0,
			2, 6, 65, 4, 0, 0x01, 0x11, 0x70,
		};

		n = mk_open(b, 4, BGP_AS_TRANS, 90, id, opt, sizeof(opt));
		assert_int_equal(bgp_msg_open_decode(b, n, &o, &err), 0);
		assert_true(o.mp_ipv4);
		assert_true(o.as4);
		assert_int_equal(o.as4_val, 70000);
		assert_int_equal(o.n_caps, 3);
	}
	{	/* MP for IPv6 only */
		static const uint8_t opt[] = { 2, 6, 1, 4, 0, 2, 0, 1 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		assert_int_equal(bgp_msg_open_decode(b, n, &o, &err), 0);
		assert_true(o.mp_any);
		assert_false(o.mp_ipv4);
	}
	{	/* RFC 9072 extended optional parameters */
		static const uint8_t opt[] = { 255, 0, 9, 2, 0, 6, 65, 4, 0, 0, 0xfd, 0xe8 };

		n = mk_open(b, 4, 65000, 90, id, opt, sizeof(opt));
		b[28] = 255;
		assert_int_equal(bgp_msg_open_decode(b, n, &o, &err), 0);
		assert_true(o.as4);
		assert_int_equal(o.as4_val, 65000);
	}
}

/* ---- UPDATE -------------------------------------------------------------- */

static size_t mk_update(uint8_t *b, const uint8_t *wd, size_t wl, const uint8_t *at,
			size_t al, const uint8_t *nl, size_t nll)
{
	size_t off = BGP_HDR_LEN;

	memset(b, 0xff, 16);
	b[18] = BGP_MSG_UPDATE;
	dp_put_u16(b + off, (uint16_t)wl);
	off += 2;
	if (wl)
		memcpy(b + off, wd, wl);
	off += wl;
	dp_put_u16(b + off, (uint16_t)al);
	off += 2;
	if (al)
		memcpy(b + off, at, al);
	off += al;
	if (nll)
		memcpy(b + off, nl, nll);
	off += nll;
	dp_put_u16(b + 16, (uint16_t)off);
	return off;
}

#define ORIGIN    0x40, 1, 1, 0
#define ASPATH4   0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9
#define ASPATH2   0x40, 2, 4, 2, 1, 0xfd, 0xe9
#define NEXTHOP   0x40, 3, 4, 10, 201, 2, 2
static const uint8_t vip[] = { 32, 10, 255, 0, 1 };

#define UPD_ERR(as4, c, s, ...) do { \
	static const uint8_t at_[] = { __VA_ARGS__ }; \
	uint8_t b_[BGP_MAX_MSG]; \
	size_t n_ = mk_update(b_, NULL, 0, at_, sizeof(at_), vip, sizeof(vip)); \
	EXPECT_ERR(b_, n_, as4, c, s); \
} while (0)

#define UPD_OK(as4, ...) do { \
	static const uint8_t at_[] = { __VA_ARGS__ }; \
	uint8_t b_[BGP_MAX_MSG]; \
	struct bgp_err e_; \
	size_t n_ = mk_update(b_, NULL, 0, at_, sizeof(at_), vip, sizeof(vip)); \
	if (check(b_, n_, as4, &e_)) \
		fail_msg("line %d: rejected with %u/%u", __LINE__, e_.code, e_.sub); \
} while (0)

static void test_update_valid_forms(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_err err;
	size_t n;

	(void)state;
	UPD_OK(true, ORIGIN, ASPATH4, NEXTHOP);
	UPD_OK(false, ORIGIN, ASPATH2, NEXTHOP);
	/* order does not matter; extended length is fine */
	UPD_OK(true, NEXTHOP, 0x50, 1, 0, 1, 0, ASPATH4);
	/* empty AS_PATH (iBGP), MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR */
	UPD_OK(true, ORIGIN, 0x40, 2, 0, NEXTHOP, 0x80, 4, 4, 0, 0, 0, 5,
	       0x40, 5, 4, 0, 0, 0, 100, 0x40, 6, 0, 0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 1, 2, 3, 4);
	/* unknown optional attributes ignored; communities, AS4_PATH checked */
	{
		static const uint8_t at[] = { ORIGIN, ASPATH2, NEXTHOP,
					      0xc0, 99, 3, 1, 2, 3,
					      0xe0, 8, 4, 0xfd, 0xe9, 0, 1,
					      0xc0, 17, 6, 2, 1, 0, 1, 0x11, 0x70 };

		n = mk_update(b, NULL, 0, at, sizeof(at), vip, sizeof(vip));
		assert_int_equal(bgp_msg_update_decode(b, n, false, &u, &err), 0);
		assert_int_equal(u.verdict, BGP_UPD_OK);
		assert_int_equal(u.n_unknown, 1);    /* communities and AS4_PATH are known */
	}
	/* withdrawals only; attributes without NLRI */
	{
		static const uint8_t wd[] = { 32, 10, 255, 0, 1, 24, 10, 1, 2, 0 };
		static const uint8_t at[] = { ORIGIN };

		n = mk_update(b, wd, sizeof(wd), NULL, 0, NULL, 0);
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_int_equal(u.n_wd, 3);
		assert_false(u.eor);
		n = mk_update(b, NULL, 0, at, sizeof(at), NULL, 0);
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_false(u.eor);
	}
	/* MP_REACH_NLRI alone needs no NEXT_HOP */
	{
		static const uint8_t at[] = { ORIGIN, ASPATH4,
					      0x80, 14, 13, 0, 1, 1, 4, 10, 0, 0, 1, 0, 24, 10, 1, 2 };

		n = mk_update(b, NULL, 0, at, sizeof(at), NULL, 0);
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
	}
}

/* RFC 7606: decoded (the session stays) with this verdict and reason. */
#define UPD_7606(opts, want, why, ...) do { \
	static const uint8_t at_[] = { __VA_ARGS__ }; \
	uint8_t b_[BGP_MAX_MSG]; \
	struct bgp_update u_; \
	struct bgp_err e_; \
	size_t n_ = mk_update(b_, NULL, 0, at_, sizeof(at_), vip, sizeof(vip)); \
	int rc_ = bgp_msg_update_decode(b_, n_, opts, &u_, &e_); \
	if (rc_) \
		fail_msg("line %d: reset with %u/%u, RFC 7606 keeps the session", \
			 __LINE__, e_.code, e_.sub); \
	if (u_.verdict != (want) || !(u_.reasons & (1u << (why)))) \
		fail_msg("line %d: verdict %u reasons %#x, want %u with %s", __LINE__, \
			 u_.verdict, u_.reasons, want, bgp_7606_names[why]); \
} while (0)
#define WD(as4, why, ...) UPD_7606(as4, BGP_UPD_TREAT_AS_WITHDRAW, BGP_7606_##why, __VA_ARGS__)
#define DISCARD(as4, why, ...) UPD_7606(as4, BGP_UPD_ATTR_DISCARD, BGP_7606_##why, __VA_ARGS__)

static void test_update_attr_flags(void **state)
{
	(void)state;
	/* §3: Optional/Transitive bits in conflict: treat-as-withdraw; well-known
	 * with the optional bit, non-transitive, or partial */
	WD(true, FLAGS, 0xc0, 1, 1, 0, ASPATH4, NEXTHOP);
	WD(true, FLAGS, 0x00, 1, 1, 0, ASPATH4, NEXTHOP);
	WD(true, FLAGS, 0x60, 1, 1, 0, ASPATH4, NEXTHOP);
	WD(true, FLAGS, ORIGIN, 0x80, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, NEXTHOP);
	WD(true, FLAGS, ORIGIN, ASPATH4, 0xc0, 3, 4, 10, 201, 2, 2);
	/* MED must be optional non-transitive */
	WD(true, FLAGS, ORIGIN, ASPATH4, NEXTHOP, 0x40, 4, 4, 0, 0, 0, 1);
	WD(true, FLAGS, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 4, 4, 0, 0, 0, 1);
	/* LOCAL_PREF must be well-known */
	WD(true, FLAGS, ORIGIN, ASPATH4, NEXTHOP, 0x80, 5, 4, 0, 0, 0, 1);
	/* AGGREGATOR, COMMUNITIES must be optional transitive */
	WD(true, FLAGS, ORIGIN, ASPATH4, NEXTHOP, 0x80, 7, 8, 0, 0, 0, 1, 1, 2, 3, 4);
	WD(true, FLAGS, ORIGIN, ASPATH4, NEXTHOP, 0x40, 8, 4, 0, 1, 0, 2);
	/* MP_REACH_NLRI with wrong flags and content that is not there: reset */
	UPD_ERR(true, 3, 4, ORIGIN, ASPATH4, NEXTHOP, 0x40, 14, 3, 0, 1, 1);
}

static void test_update_attr_lengths(void **state)
{
	(void)state;
	/* treat-as-withdraw: ORIGIN (§7.1), NEXT_HOP (§7.3), MED (§7.4),
	 * LOCAL_PREF from an internal peer (§7.5) */
	WD(true, ORIGIN, 0x40, 1, 2, 0, 0, ASPATH4, NEXTHOP);
	WD(true, ORIGIN, 0x40, 1, 0, ASPATH4, NEXTHOP);
	WD(true, NEXT_HOP, ORIGIN, ASPATH4, 0x40, 3, 5, 10, 201, 2, 2, 0);
	WD(true, NEXT_HOP, ORIGIN, ASPATH4, 0x40, 3, 3, 10, 201, 2);
	WD(true, MED, ORIGIN, ASPATH4, NEXTHOP, 0x80, 4, 3, 0, 0, 0);
	WD(true, LOCAL_PREF, ORIGIN, ASPATH4, NEXTHOP, 0x40, 5, 5, 0, 0, 0, 0, 0);
	/* ... from an external one LOCAL_PREF is discarded (a malformed one
	 * counted), a well-formed one silently */
	DISCARD(BGP_UPD_AS4 | BGP_UPD_EBGP, LOCAL_PREF, ORIGIN, ASPATH4, NEXTHOP,
		0x40, 5, 5, 0, 0, 0, 0, 0);
	UPD_OK(BGP_UPD_AS4 | BGP_UPD_EBGP, ORIGIN, ASPATH4, NEXTHOP, 0x40, 5, 4, 0, 0, 0, 100);
	/* attribute discard: ATOMIC_AGGREGATE (§7.6), AGGREGATOR (§7.7),
	 * AS4_AGGREGATOR and AS4_PATH (RFC 6793 §6) */
	DISCARD(true, ATOMIC_AGGR, ORIGIN, ASPATH4, NEXTHOP, 0x40, 6, 1, 0);
	DISCARD(true, AGGREGATOR, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 7, 6, 0xfd, 0xe9, 1, 2, 3, 4);
	DISCARD(false, AGGREGATOR, ORIGIN, ASPATH2, NEXTHOP, 0xc0, 7, 8, 0, 0, 0xfd, 0xe9, 1, 2, 3, 4);
	DISCARD(false, AS4, ORIGIN, ASPATH2, NEXTHOP, 0xc0, 18, 6, 0, 0, 0xfd, 0xe9, 1, 2);
	DISCARD(false, AS4, ORIGIN, ASPATH2, NEXTHOP, 0xc0, 17, 3, 2, 1, 0);
	/* communities of the wrong size (§7.8, §7.14, RFC 8092 §6) and
	 * route-reflection attributes (§7.9, §7.10): withdraw */
	WD(true, COMMUNITIES, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 8, 3, 0, 1, 0);
	WD(true, COMMUNITIES, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 16, 4, 0, 1, 0, 2);
	WD(true, COMMUNITIES, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 32, 8, 0, 0, 0, 1, 0, 0, 0, 2);
	WD(true, RR, ORIGIN, ASPATH4, NEXTHOP, 0x80, 9, 3, 1, 2, 3);
	WD(true, RR, ORIGIN, ASPATH4, NEXTHOP, 0x80, 10, 5, 1, 2, 3, 4, 5);
	/* §4: an attribute running past the attribute field, or a partial
	 * header at its end: the NLRI (found by the total length) withdrawn */
	WD(true, ATTR_LIST, ORIGIN, ASPATH4, 0x40, 3, 9, 10, 201, 2, 2);
	WD(true, ATTR_LIST, ORIGIN, ASPATH4, NEXTHOP, 0x50, 4, 1, 0, 0);
	WD(true, ATTR_LIST, ORIGIN, ASPATH4, NEXTHOP, 0x80, 4);
	WD(true, ATTR_LIST, ORIGIN, ASPATH4, NEXTHOP, 0x90, 4, 0);
	/* the strongest action wins: a discard and a withdraw in one UPDATE */
	{
		static const uint8_t at[] = { ORIGIN, ASPATH4, NEXTHOP, 0x40, 6, 1, 0,
					      0x80, 4, 3, 0, 0, 0 };
		uint8_t b[BGP_MAX_MSG];
		struct bgp_update u;
		struct bgp_err err;
		size_t n = mk_update(b, NULL, 0, at, sizeof(at), vip, sizeof(vip));

		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_int_equal(u.verdict, BGP_UPD_TREAT_AS_WITHDRAW);
		assert_int_equal(u.reasons, (1u << BGP_7606_ATOMIC_AGGR) | (1u << BGP_7606_MED));
		assert_int_equal(u.n_discarded, 1);
		assert_int_equal(u.first_type, BGP_ATTR_ATOMIC_AGGR);
		assert_int_equal(u.n_nlri, 1);
	}
}

static void test_update_attr_values(void **state)
{
	(void)state;
	WD(true, ORIGIN, 0x40, 1, 1, 3, ASPATH4, NEXTHOP);
	WD(true, NEXT_HOP, ORIGIN, ASPATH4, 0x40, 3, 4, 0, 0, 0, 0);
	WD(true, NEXT_HOP, ORIGIN, ASPATH4, 0x40, 3, 4, 224, 0, 0, 1);
	WD(true, NEXT_HOP, ORIGIN, ASPATH4, 0x40, 3, 4, 255, 255, 255, 255);
	/* AS_PATH (§7.2): bad segment type, empty segment, overrun, 2/4-octet
	 * mix-up */
	WD(true, AS_PATH, ORIGIN, 0x40, 2, 6, 5, 1, 0, 0, 0xfd, 0xe9, NEXTHOP);
	WD(true, AS_PATH, ORIGIN, 0x40, 2, 2, 2, 0, NEXTHOP);
	WD(true, AS_PATH, ORIGIN, 0x40, 2, 6, 2, 2, 0, 0, 0xfd, 0xe9, NEXTHOP);
	WD(true, AS_PATH, ORIGIN, 0x40, 2, 1, 2, NEXTHOP);
	WD(true, AS_PATH, ORIGIN, ASPATH2, NEXTHOP);
	/* unknown well-known attribute: still a reset (RFC 4271 §6.3) */
	UPD_ERR(true, 3, 2, ORIGIN, ASPATH4, NEXTHOP, 0x40, 99, 1, 0);
	/* malformed MP_REACH_NLRI / MP_UNREACH_NLRI: a reset (§7.11, 7.12) */
	UPD_ERR(true, 3, 9, ORIGIN, ASPATH4, NEXTHOP, 0x80, 14, 3, 0, 1, 1);
	UPD_ERR(true, 3, 9, ORIGIN, ASPATH4, NEXTHOP, 0x80, 14, 5, 0, 1, 1, 9, 0);
	UPD_ERR(true, 3, 9, ORIGIN, ASPATH4, NEXTHOP, 0x80, 15, 2, 0, 1);
}

static void test_update_duplicates_and_missing(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_err err;
	size_t n;

	(void)state;
	/* §3: the second of an attribute is discarded, the UPDATE goes on */
	DISCARD(true, DUPLICATE, ORIGIN, ORIGIN, ASPATH4, NEXTHOP);
	DISCARD(true, DUPLICATE, ORIGIN, ASPATH4, NEXTHOP, NEXTHOP);
	DISCARD(true, DUPLICATE, ORIGIN, ASPATH4, NEXTHOP, 0xc0, 99, 0, 0xc0, 99, 0);
	/* ... the first one is what counts */
	{
		static const uint8_t at[] = { ORIGIN, ASPATH4, NEXTHOP, 0x40, 3, 4, 10, 0, 0, 9 };

		n = mk_update(b, NULL, 0, at, sizeof(at), vip, sizeof(vip));
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_int_equal(u.next_hop, 0x0ac90202);
	}
	/* but MP_REACH_NLRI twice is a reset */
	UPD_ERR(true, 3, 1, ORIGIN, ASPATH4, 0x80, 15, 3, 0, 1, 1, 0x80, 15, 3, 0, 1, 1);

	/* §3: a missing well-known mandatory attribute withdraws */
	WD(true, MISSING, ASPATH4, NEXTHOP);
	WD(true, MISSING, ORIGIN, NEXTHOP);
	WD(true, MISSING, ORIGIN, ASPATH4);
	/* NLRI with no attributes at all */
	n = mk_update(b, NULL, 0, NULL, 0, vip, sizeof(vip));
	assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
	assert_int_equal(u.verdict, BGP_UPD_TREAT_AS_WITHDRAW);
	assert_int_equal(u.first_type, BGP_ATTR_ORIGIN);
	/* MP_REACH_NLRI without ORIGIN */
	{
		static const uint8_t at[] = { ASPATH4, 0x80, 14, 9, 0, 1, 1, 4, 10, 0, 0, 1, 0 };

		n = mk_update(b, NULL, 0, at, sizeof(at), NULL, 0);
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_int_equal(u.verdict, BGP_UPD_TREAT_AS_WITHDRAW);
	}
	/* withdrawals only: no mandatory attribute needed */
	{
		static const uint8_t wd[] = { 32, 10, 255, 0, 1 };

		n = mk_update(b, wd, sizeof(wd), NULL, 0, NULL, 0);
		assert_int_equal(bgp_msg_update_decode(b, n, true, &u, &err), 0);
		assert_int_equal(u.verdict, BGP_UPD_OK);
	}
}

static void test_update_fields(void **state)
{
	uint8_t b[BGP_MAX_MSG];
	size_t n;

	(void)state;
	{	/* withdrawn prefix longer than 32 bits, or cut */
		static const uint8_t wd[] = { 33, 10, 0, 0, 0, 0 };
		static const uint8_t wd2[] = { 32, 10, 0 };

		n = mk_update(b, wd, sizeof(wd), NULL, 0, NULL, 0);
		EXPECT_ERR(b, n, true, 3, 10);
		n = mk_update(b, wd2, sizeof(wd2), NULL, 0, NULL, 0);
		EXPECT_ERR(b, n, true, 3, 10);
	}
	{	/* NLRI prefix longer than 32 bits, or cut */
		static const uint8_t at[] = { ORIGIN, ASPATH4, NEXTHOP };
		static const uint8_t nl[] = { 40, 1, 2, 3, 4, 5 };
		static const uint8_t nl2[] = { 32, 10, 255, 0, 1, 24, 1 };

		n = mk_update(b, NULL, 0, at, sizeof(at), nl, sizeof(nl));
		EXPECT_ERR(b, n, true, 3, 10);
		n = mk_update(b, NULL, 0, at, sizeof(at), nl2, sizeof(nl2));
		EXPECT_ERR(b, n, true, 3, 10);
	}
	/* withdrawn routes length beyond the message */
	n = mk_update(b, NULL, 0, NULL, 0, NULL, 0);
	dp_put_u16(b + 19, 1);
	EXPECT_ERR(b, n, true, 3, 1);
	/* total attribute length beyond the message */
	n = mk_update(b, NULL, 0, NULL, 0, NULL, 0);
	dp_put_u16(b + 21, 1);
	EXPECT_ERR(b, n, true, 3, 1);
}

/* ---- encoder ----------------------------------------------------------- */

static void test_update_encode_packing(void **state)
{
	static struct bgp_prefix p[3000];
	uint8_t b[BGP_MAX_MSG];
	struct bgp_attrs_out a = { .as4 = true, .path_len = 1, .path = { 65001 },
				   .next_hop = TB_N2, .has_med = true, .med = 10 };
	struct bgp_update u;
	struct bgp_err err;
	unsigned i, done, wd, total = 0, msgs = 0;
	int len;

	(void)state;
	for (i = 0; i < 3000; i++)
		p[i] = (struct bgp_prefix){ .addr = tb_ip(10, 0, 0, 0) + i, .plen = 32, .med = 10 };
	while (total < 3000) {
		len = bgp_msg_update_encode(b, sizeof(b), false, &a, NULL, 0, p + total,
					    3000 - total, &wd, &done);
		assert_true(len > 0 && len <= BGP_MAX_MSG);
		assert_int_equal(bgp_msg_update_decode(b, (size_t)len, true, &u, &err), 0);
		assert_int_equal(u.n_nlri, done);
		assert_int_equal(u.med, 10);
		total += done;
		msgs++;
	}
	assert_int_equal(msgs, 4);	/* 5 bytes each: ~808 per message */
	total = 0;
	while (total < 3000) {
		len = bgp_msg_update_encode(b, sizeof(b), false, NULL, p + total, 3000 - total,
					    NULL, 0, &done, NULL);
		assert_int_equal(bgp_msg_update_decode(b, (size_t)len, true, &u, &err), 0);
		assert_int_equal(u.n_wd, done);
		total += done;
	}
	/* a /0 and a /20 come back as written */
	{
		struct bgp_prefix q[2] = { { .addr = 0, .plen = 0, .med = 0 }, { .addr = tb_ip(10, 1, 16, 0), .plen = 20, .med = 0 } }, r;
		size_t off = 0;

		len = bgp_msg_update_encode(b, sizeof(b), false, &a, NULL, 0, q, 2, &wd, &done);
		assert_int_equal(bgp_msg_update_decode(b, (size_t)len, true, &u, &err), 0);
		assert_int_equal(bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &r), 1);
		assert_int_equal(r.plen, 0);
		assert_int_equal(bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &r), 1);
		assert_int_equal(r.plen, 20);
		assert_int_equal(r.addr, tb_ip(10, 1, 16, 0));
	}
}

/* RFC 6793 §4.2.2: a 4-octet AS to a 2-octet speaker */
static void test_update_encode_as_trans(void **state)
{
	struct bgp_attrs_out a = { .as4 = false, .path_len = 1, .path = { 4200000001u },
				   .next_hop = TB_N2 };
	struct bgp_prefix p = { .addr = tb_ip(10, 255, 0, 1), .plen = 32, .med = 0 };
	uint8_t b[BGP_MAX_MSG];
	struct bgp_update u;
	struct bgp_err err;
	unsigned wd, done;
	int len;

	(void)state;
	len = bgp_msg_update_encode(b, sizeof(b), false, &a, NULL, 0, &p, 1, &wd, &done);
	assert_true(len > 0);
	assert_int_equal(bgp_msg_update_decode(b, (size_t)len, false, &u, &err), 0);
	assert_int_equal(u.path_len, 1);
	assert_int_equal(u.path[0], BGP_AS_TRANS);
	assert_true(bgp_update_has(&u, BGP_ATTR_AS4_PATH));
	/* AS4_PATH is AS_SEQUENCE { 4200000001 } */
	{
		static const uint8_t as4path[] = { 0xc0, 17, 6, 2, 1, 0xfa, 0x56, 0xea, 0x01 };

		assert_memory_equal(b + len - 5 - sizeof(as4path), as4path, sizeof(as4path));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_contents),
		cmocka_unit_test(test_pcap_open_roundtrip),
		cmocka_unit_test(test_pcap_keepalive_roundtrip),
		cmocka_unit_test(test_pcap_update_roundtrip),
		cmocka_unit_test(test_notification_roundtrip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_open_without_caps),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_cap_forms),
		cmocka_unit_test(test_update_valid_forms),
		cmocka_unit_test(test_update_attr_flags),
		cmocka_unit_test(test_update_attr_lengths),
		cmocka_unit_test(test_update_attr_values),
		cmocka_unit_test(test_update_duplicates_and_missing),
		cmocka_unit_test(test_update_fields),
		cmocka_unit_test(test_update_encode_packing),
		cmocka_unit_test(test_update_encode_as_trans),
	};

	return cmocka_run_group_tests_name("bgp_msg", tests, setup, NULL);
}
