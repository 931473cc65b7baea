/* OSPF codec: every packet of the four BIRD captures decodes and
 * re-encodes byte for byte; the Fletcher checksum matches every captured
 * LSA; every truncation and a catalogue of malformations are refused and
 * counted by reason, never crash.
 */
#include "ospf_test.h"

static void test_decode_reencode_captures(void **state)
{
	unsigned seen[OSPF_T_MAX + 1] = { 0 };
	uint8_t out[OSPF_MAX_PKT];
	unsigned f, i, total = 0;

	(void)state;
	for (f = 0; f < N_CAPTURES; f++) {
		struct capture c;

		capture_load(ospf_captures[f], &c);
		for (i = 0; i < c.n; i++) {
			struct cap_pkt *cp = &c.p[i];
			struct ospf_pkt p;
			struct ospf_ip ip;
			struct ospf_wbuf w;
			enum ospf_drop why = OSPF_DROP_MAX;

			assert_int_equal(ospf_ip_decode(cp->ip, cp->ip_len, &ip, &why), 0);
			assert_int_equal(ip.len, cp->ospf_len);
			assert_int_equal(ip.ttl, 1);
			assert_int_equal(ip.tos, 0xc0);
			if (ospf_pkt_decode(cp->ospf, cp->ospf_len, &p, &why))
				fail_msg("%s #%u: decode failed: %s", ospf_captures[f],
					 i, ospf_drop_names[why]);
			assert_int_equal(p.h.len, cp->ospf_len);
			seen[p.h.type]++;
			ospf_wbuf_init(&w, out, sizeof(out));
			assert_int_equal(ospf_pkt_reencode(&p, &w), 0);
			assert_int_equal(w.len, cp->ospf_len);
			if (memcmp(out, cp->ospf, w.len))
				fail_msg("%s #%u: re-encoding differs", ospf_captures[f], i);
			total++;
		}
		capture_free(&c);
	}
	for (i = OSPF_T_HELLO; i <= OSPF_T_MAX; i++)
		assert_true(seen[i] > 0);
	print_message("re-encoded %u packets: %u hello, %u dbd, %u lsr, %u lsu, %u lsack\n",
		      total, seen[1], seen[2], seen[3], seen[4], seen[5]);
}

static void test_fletcher_captured_lsas(void **state)
{
	unsigned f, i, n = 0;

	(void)state;
	for (f = 0; f < N_CAPTURES; f++) {
		struct capture c;

		capture_load(ospf_captures[f], &c);
		for (i = 0; i < c.n; i++) {
			struct ospf_pkt p;
			enum ospf_drop why;
			const uint8_t *lsa;
			size_t off = 0, len;

			assert_int_equal(ospf_pkt_decode(c.p[i].ospf, c.p[i].ospf_len,
							 &p, &why), 0);
			if (p.h.type != OSPF_T_LSU)
				continue;
			while (ospf_lsu_next(&p.u.lsu, &off, &lsa, &len)) {
				uint8_t copy[1024];

				assert_true(ospf_lsa_csum_ok(lsa, len));
				assert_int_equal(ospf_fletcher(lsa, len),
						 dp_get_u16(lsa + 16));
				assert_int_equal(ospf_lsa_body_check(lsa, len), 0);
				/* The age is outside the checksum. */
				memcpy(copy, lsa, len);
				dp_put_u16(copy, 3600);
				assert_true(ospf_lsa_csum_ok(copy, len));
				copy[len - 1] ^= 1;
				assert_false(ospf_lsa_csum_ok(copy, len));
				n++;
			}
		}
		capture_free(&c);
	}
	assert_true(n >= 10);
	print_message("fletcher checked on %u captured LSAs\n", n);
}

static struct ospf_eng *engine_for(uint32_t rid, uint32_t addr, uint8_t type,
				   struct collector *col)
{
	struct ospf_conf c;
	struct ospf_eng *e;

	conf_one(&c, rid, "t0", addr, 24, type);
	assert_int_equal(ospf_eng_create(&c, collect_cb, col, 7, &e), 0);
	ospf_eng_start(e, 1000);
	return e;
}

/* Every prefix of every captured packet, fed to an engine as a raw
 * socket would deliver it (IP header on) and as bare OSPF: each is one
 * drop, never a received packet. */
static void test_truncations_rejected(void **state)
{
	static struct collector col;
	unsigned f, i, cuts = 0;
	struct ospf_eng *e;

	(void)state;
	e = engine_for(A(10, 201, 1, 3), A(10, 201, 1, 3), OSPF_IF_PTP, &col);
	for (f = 0; f < N_CAPTURES; f++) {
		struct capture c;

		capture_load(ospf_captures[f], &c);
		for (i = 0; i < c.n; i++) {
			struct cap_pkt *cp = &c.p[i];
			size_t cut;

			for (cut = 0; cut < cp->ospf_len; cut++) {
				uint64_t d0 = drops_total(e), rx0 = 0, rx1 = 0;
				unsigned t;
				uint8_t *copy = malloc(cut ? cut : 1);

				for (t = 0; t <= OSPF_T_MAX; t++)
					rx0 += e->cnt.rx[t];
				memcpy(copy, cp->ospf, cut);
				ospf_eng_input(e, 2000, 0, cp->src, cp->dst, copy, cut);
				free(copy);
				for (t = 0; t <= OSPF_T_MAX; t++)
					rx1 += e->cnt.rx[t];
				assert_int_equal(drops_total(e), d0 + 1);
				assert_int_equal(rx1, rx0);
				cuts++;
			}
			for (cut = 0; cut < cp->ip_len; cut++) {
				uint64_t d0 = drops_total(e);
				uint8_t *copy = malloc(cut ? cut : 1);

				memcpy(copy, cp->ip, cut);
				ospf_eng_input_ip(e, 2000, 0, copy, cut);
				free(copy);
				assert_int_equal(drops_total(e), d0 + 1);
				cuts++;
			}
		}
		capture_free(&c);
	}
	assert_true(e->cnt.drops[OSPF_DROP_SHORT] > 0);
	assert_true(e->cnt.drops[OSPF_DROP_LENGTH] > 0);
	assert_true(e->cnt.drops[OSPF_DROP_IP_SHORT] > 0);
	assert_true(e->cnt.drops[OSPF_DROP_IP_HDR] > 0);
	print_message("%u truncations rejected\n", cuts);
	ospf_eng_destroy(e);
	collector_reset(&col);
}

/* Truncations whose length field and checksum were fixed up, so the body
 * decoders see them: refused unless they end on an entry boundary, and
 * an LSU whose count no longer matches its LSAs is always refused. */
static void test_consistent_truncations(void **state)
{
	unsigned f, i, refused = 0;

	(void)state;
	for (f = 0; f < N_CAPTURES; f++) {
		struct capture c;

		capture_load(ospf_captures[f], &c);
		for (i = 0; i < c.n; i++) {
			struct cap_pkt *cp = &c.p[i];
			uint8_t type = cp->ospf[1];
			size_t cut;

			for (cut = OSPF_HDR_LEN; cut < cp->ospf_len; cut++) {
				uint8_t copy[OSPF_MAX_PKT];
				struct ospf_pkt p;
				enum ospf_drop why = OSPF_DROP_MAX;
				size_t body = cut - OSPF_HDR_LEN;
				bool ok_expected;
				int rc;

				memcpy(copy, cp->ospf, cut);
				dp_put_u16(copy + 2, (uint16_t)cut);
				dp_put_u16(copy + 12, 0);
				dp_put_u16(copy + 12, ospf_pkt_csum(copy, cut));
				rc = ospf_pkt_decode(copy, cut, &p, &why);
				switch (type) {
				case OSPF_T_HELLO:
					ok_expected = body >= 20 && (body - 20) % 4 == 0;
					break;
				case OSPF_T_DBD:
					ok_expected = body >= 8 && (body - 8) % 20 == 0;
					break;
				case OSPF_T_LSR:
					ok_expected = body % 12 == 0;
					break;
				case OSPF_T_LSACK:
					ok_expected = body % 20 == 0;
					break;
				default:
					ok_expected = false;
					break;
				}
				if (ok_expected) {
					assert_int_equal(rc, 0);
				} else {
					assert_int_equal(rc, -EBADMSG);
					assert_true(why < OSPF_DROP_MAX);
					refused++;
				}
			}
		}
		capture_free(&c);
	}
	print_message("%u consistent truncations refused\n", refused);
}

/* One captured Hello from BIRD, mutated, fed to an engine. */
static void feed_expect_drop(struct ospf_eng *e, const uint8_t *pkt, size_t len,
			     uint32_t src, uint32_t dst, enum ospf_drop why,
			     bool fix_csum)
{
	uint8_t copy[4096];
	uint64_t before = e->cnt.drops[why];

	assert_true(len <= sizeof(copy));
	memcpy(copy, pkt, len);
	if (fix_csum) {
		dp_put_u16(copy + 12, 0);
		dp_put_u16(copy + 12, ospf_pkt_csum(copy, len));
	}
	ospf_eng_input(e, 5000, 0, src, dst, copy, len);
	if (e->cnt.drops[why] != before + 1)
		fail_msg("expected drop '%s'", ospf_drop_names[why]);
}

static void test_malformed_catalogue(void **state)
{
	static struct collector col;
	struct ospf_eng *e;
	struct pbuf h;
	uint8_t m[4096];
	uint32_t bird = A(10, 201, 0, 1), src = A(10, 201, 1, 1);
	uint32_t me = A(10, 201, 1, 2);

	(void)state;
	e = engine_for(me, me, OSPF_IF_PTP, &col);
	mk_hello(&h, bird, 0, 1, 3, 0xffffff00, 1, 0, 0, NULL, 0);

	/* a good one first: a neighbour appears */
	ospf_eng_input(e, 5000, 0, src, OSPF_ALL_SPF, h.b, h.len);
	assert_int_equal(e->ifaces[0].n_nbrs, 1);
	assert_int_equal(drops_total(e), 0);

	memcpy(m, h.b, h.len);
	m[0] = 3;                                      /* version */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_VERSION, true);
	memcpy(m, h.b, h.len);
	dp_put_u16(m + 2, 20);                       /* length < header */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_LENGTH, true);
	memcpy(m, h.b, h.len);
	dp_put_u16(m + 2, (uint16_t)(h.len + 4));    /* length > bytes */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_LENGTH, true);
	memcpy(m, h.b, h.len);
	m[12] ^= 0x55;                                 /* checksum */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_CHECKSUM, false);
	memcpy(m, h.b, h.len);
	dp_put_u32(m + 8, 1);                        /* area 0.0.0.1 */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_AREA, true);
	memcpy(m, h.b, h.len);
	dp_put_u16(m + 14, 1);                       /* simple password */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_AUTH_TYPE, true);
	memcpy(m, h.b, h.len);
	dp_put_u16(m + 14, 2);                       /* cryptographic */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_AUTH_TYPE, true);
	memcpy(m, h.b, h.len);
	m[1] = 0;                                      /* type 0 */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_TYPE, true);
	memcpy(m, h.b, h.len);
	m[1] = 6;                                      /* type 6 */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_TYPE, true);
	memcpy(m, h.b, h.len);
	dp_put_u32(m + 4, me);                       /* our own router ID */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_OWN, true);
	feed_expect_drop(e, h.b, h.len, src, OSPF_ALL_DR, OSPF_DROP_DST, false);
	feed_expect_drop(e, h.b, h.len, src, A(10, 201, 1, 9), OSPF_DROP_DST, false);
	memcpy(m, h.b, h.len);
	dp_put_u16(m + OSPF_HDR_LEN + 4, 10);        /* HelloInterval 10 */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_HELLO_TIMERS, true);
	memcpy(m, h.b, h.len);
	dp_put_u32(m + OSPF_HDR_LEN + 8, 40);        /* RouterDeadInterval 40 */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_HELLO_TIMERS, true);
	memcpy(m, h.b, h.len);
	m[OSPF_HDR_LEN + 6] = 0;                       /* E-bit clear */
	feed_expect_drop(e, m, h.len, src, OSPF_ALL_SPF, OSPF_DROP_HELLO_OPTS, true);
	memcpy(m, h.b, h.len);
	feed_expect_drop(e, m, h.len - 2, src, OSPF_ALL_SPF, OSPF_DROP_LENGTH, false);
	/* a hello body that is not a whole number of neighbours */
	memcpy(m, h.b, h.len);
	m[h.len] = 1;
	m[h.len + 1] = 2;
	dp_put_u16(m + 2, (uint16_t)(h.len + 2));
	feed_expect_drop(e, m, h.len + 2, src, OSPF_ALL_SPF, OSPF_DROP_HELLO_LEN, true);

	/* DBD, LSR, LSU and LSAck bodies of the wrong shape */
	{
		struct pbuf p;
		uint8_t lsa[128];
		struct ospf_rtr_link l = { A(10, 0, 0, 0), 0xff000000, OSPF_LINK_STUB, 1 };
		size_t ll = mk_rtr_lsa(lsa, sizeof(lsa), bird, 0x80000001, 1, &l, 1);
		struct ospf_lsa_key k = { 1, bird, bird };

		mk_dbd(&p, bird, 1500, 0x42, 7, 1, NULL, 0);
		memcpy(m, p.b, p.len);
		dp_put_u16(m + 2, (uint16_t)(p.len - 1));
		feed_expect_drop(e, m, p.len - 1, src, OSPF_ALL_SPF, OSPF_DROP_DBD_LEN, true);
		mk_lsr(&p, bird, &k, 1);
		memcpy(m, p.b, p.len);
		dp_put_u16(m + 2, (uint16_t)(p.len - 4));
		feed_expect_drop(e, m, p.len - 4, src, OSPF_ALL_SPF, OSPF_DROP_LSR_LEN, true);
		mk_lsu(&p, bird, lsa, ll, 2);              /* count says two */
		feed_expect_drop(e, p.b, p.len, src, OSPF_ALL_SPF, OSPF_DROP_LSA_TRUNC, false);
		mk_lsu(&p, bird, lsa, ll, 1);
		memcpy(m, p.b, p.len);
		dp_put_u16(m + OSPF_HDR_LEN + 4 + 18, 12);   /* LSA length < 20 */
		feed_expect_drop(e, m, p.len, src, OSPF_ALL_SPF, OSPF_DROP_LSA_LEN, true);
		memcpy(m, p.b, p.len);
		dp_put_u16(m + OSPF_HDR_LEN + 4 + 18, (uint16_t)(ll + 8));
		feed_expect_drop(e, m, p.len, src, OSPF_ALL_SPF, OSPF_DROP_LSA_TRUNC, true);
		mk_lsu(&p, bird, lsa, 0, 0);
		feed_expect_drop(e, p.b, p.len - 2, src, OSPF_ALL_SPF, OSPF_DROP_LENGTH, false);
		memcpy(m, p.b, p.len);
		dp_put_u16(m + 2, OSPF_HDR_LEN + 2);
		feed_expect_drop(e, m, OSPF_HDR_LEN + 2, src, OSPF_ALL_SPF, OSPF_DROP_LSU_LEN, true);
		mk_lsack(&p, bird, NULL, 0);
		memcpy(m, p.b, p.len);
		memset(m + p.len, 0, 7);
		dp_put_u16(m + 2, (uint16_t)(p.len + 7));
		feed_expect_drop(e, m, p.len + 7, src, OSPF_ALL_SPF, OSPF_DROP_LSACK_LEN, true);
		/* a neighbour still in Init may not send LSUs or LSAcks */
		mk_lsu(&p, bird, lsa, ll, 1);
		feed_expect_drop(e, p.b, p.len, src, OSPF_ALL_SPF, OSPF_DROP_NBR_STATE, false);
		/* nor may a stranger send anything but Hellos */
		mk_lsu(&p, A(10, 9, 9, 9), lsa, ll, 1);
		feed_expect_drop(e, p.b, p.len, src, OSPF_ALL_SPF, OSPF_DROP_NBR_UNKNOWN, false);
	}

	/* IP layer */
	{
		uint8_t ip[128] = { 0x45, 0xc0 };

		memcpy(ip + 20, h.b, h.len);
		dp_put_u16(ip + 2, (uint16_t)(20 + h.len));
		ip[8] = 1;
		ip[9] = 6;                                 /* TCP */
		dp_put_u32(ip + 12, src);
		dp_put_u32(ip + 16, OSPF_ALL_SPF);
		{
			uint64_t b = e->cnt.drops[OSPF_DROP_IP_PROTO];

			ospf_eng_input_ip(e, 5000, 0, ip, 20 + h.len);
			assert_int_equal(e->cnt.drops[OSPF_DROP_IP_PROTO], b + 1);
		}
		ip[9] = 89;
		dp_put_u16(ip + 6, 0x2000);              /* MF */
		{
			uint64_t b = e->cnt.drops[OSPF_DROP_IP_FRAG];

			ospf_eng_input_ip(e, 5000, 0, ip, 20 + h.len);
			assert_int_equal(e->cnt.drops[OSPF_DROP_IP_FRAG], b + 1);
		}
		dp_put_u16(ip + 6, 0);
		ip[0] = 0x44;                              /* IHL 16 */
		{
			uint64_t b = e->cnt.drops[OSPF_DROP_IP_HDR];

			ospf_eng_input_ip(e, 5000, 0, ip, 20 + h.len);
			assert_int_equal(e->cnt.drops[OSPF_DROP_IP_HDR], b + 1);
		}
		ip[0] = 0x45;
		{
			uint64_t b = e->cnt.rx[OSPF_T_HELLO];

			ospf_eng_input_ip(e, 5000, 0, ip, 20 + h.len);
			assert_int_equal(e->cnt.rx[OSPF_T_HELLO], b + 1);
		}
	}
	ospf_eng_destroy(e);
	collector_reset(&col);
}

static void test_fletcher_roundtrip(void **state)
{
	uint8_t lsa[256];
	struct ospf_rtr_link l[3] = {
		{ A(10, 201, 0, 1), A(10, 201, 1, 2), OSPF_LINK_PTP, 10 },
		{ A(10, 201, 1, 0), 0xffffff00, OSPF_LINK_STUB, 10 },
		{ A(10, 255, 0, 1), 0xffffffff, OSPF_LINK_STUB, 10 },
	};
	size_t len = mk_rtr_lsa(lsa, sizeof(lsa), A(10, 201, 1, 2), 0x80000004, 1, l, 3);
	unsigned i;

	(void)state;
	/* the instance BIRD sent in ospf-ptp.pcap: same bytes, same sum */
	assert_int_equal(len, 60);
	assert_true(ospf_lsa_csum_ok(lsa, len));
	for (i = 2; i < len; i++) {
		lsa[i] ^= 0x10;
		assert_false(ospf_lsa_csum_ok(lsa, len));
		lsa[i] ^= 0x10;
	}
	dp_put_u16(lsa + 16, 0);
	assert_false(ospf_lsa_csum_ok(lsa, len));
	assert_false(ospf_lsa_csum_ok(lsa, 10));
}

static void test_lsa_compare(void **state)
{
	struct ospf_lsa_hdr a = { .seq = 0x80000002, .csum = 5, .age = 10 };
	struct ospf_lsa_hdr b = a;

	(void)state;
	assert_int_equal(ospf_lsa_cmp(&a, &b), 0);
	b.seq = 0x80000001;
	assert_int_equal(ospf_lsa_cmp(&a, &b), 1);
	b.seq = 0x7fffffff;                       /* signed: positive is newer */
	assert_int_equal(ospf_lsa_cmp(&a, &b), -1);
	b = a;
	b.csum = 6;
	assert_int_equal(ospf_lsa_cmp(&a, &b), -1);
	b = a;
	b.age = OSPF_MAX_AGE;
	assert_int_equal(ospf_lsa_cmp(&a, &b), -1);
	b.age = 10 + OSPF_MAX_AGE_DIFF + 1;
	assert_int_equal(ospf_lsa_cmp(&a, &b), 1);
	b.age = 10 + OSPF_MAX_AGE_DIFF;
	assert_int_equal(ospf_lsa_cmp(&a, &b), 0);
}

static void test_body_checks(void **state)
{
	uint8_t lsa[128];
	struct ospf_rtr_link l = { 1, 2, OSPF_LINK_STUB, 3 };
	size_t len = mk_rtr_lsa(lsa, sizeof(lsa), 1, 0x80000001, 0, &l, 1);
	uint8_t flags;
	unsigned n;

	(void)state;
	assert_int_equal(ospf_lsa_body_check(lsa, len), 0);
	dp_put_u16(lsa + 22, 2);                /* claims two links */
	assert_int_equal(ospf_lsa_body_check(lsa, len), -EBADMSG);
	dp_put_u16(lsa + 22, 1);
	lsa[20 + 4 + 9] = 1;                      /* a TOS entry that is not there */
	assert_int_equal(ospf_lsa_body_check(lsa, len), -EBADMSG);
	lsa[20 + 4 + 9] = 0;
	assert_int_equal(ospf_lsa_body_check(lsa, len - 1), -EBADMSG);
	assert_int_equal(ospf_rtr_body_decode(lsa + 20, 3, &flags, NULL, 0, &n), -EBADMSG);
	lsa[3] = 9;                                /* opaque: not ours */
	assert_int_equal(ospf_lsa_body_check(lsa, len), -EPROTONOSUPPORT);
}

static void test_conf_check(void **state)
{
	struct ospf_conf c;
	char msg[128];

	(void)state;
	conf_one(&c, A(10, 0, 0, 1), "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), 0);
	c.ifaces[0].dead_s = 1;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "interfaces[0].dead_s: must be greater than hello_s");
	conf_one(&c, 0, "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	conf_one(&c, 1, "eth0", A(10, 0, 0, 1), 24, 7);
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	conf_one(&c, 1, "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	c.ifaces[0].cost = 0;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	conf_one(&c, 1, "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	c.n_ifaces = 2;
	c.ifaces[1] = c.ifaces[0];
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "interfaces[1].ifname: listed twice");
	c.n_ifaces = 0;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_reencode_captures),
		cmocka_unit_test(test_fletcher_captured_lsas),
		cmocka_unit_test(test_truncations_rejected),
		cmocka_unit_test(test_consistent_truncations),
		cmocka_unit_test(test_malformed_catalogue),
		cmocka_unit_test(test_fletcher_roundtrip),
		cmocka_unit_test(test_lsa_compare),
		cmocka_unit_test(test_body_checks),
		cmocka_unit_test(test_conf_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
