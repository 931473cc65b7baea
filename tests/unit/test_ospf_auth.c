/* Unit tests: OSPF cryptographic authentication and TTL security
 * (ospf/ospf_auth.c and its use in the engine).
 *
 * - the digests against known answers computed by another implementation
 *   (tests/unit/ospf_auth_vectors.py: Python's hashlib/hmac; one of them
 *   checked with the openssl CLI too), for MD5 and every HMAC-SHA;
 * - a signed packet passes, and changing any byte of it makes it fail;
 * - every refusal is counted under its own reason;
 * - sequence numbers never go back, and a lower one from a neighbour is a
 *   replay (D.5.2) while an equal one is not;
 * - two engines with the same key reach Full, with different keys never;
 * - GTSM: TTL 255 only, on the interfaces that ask for it.
 */
#include <time.h>

#include "ospf_test.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define ME      A(10, 201, 1, 2)
#define PEER    A(10, 201, 0, 1)
#define PEER_IP A(10, 201, 1, 1)

struct vector {
	uint8_t type;
	const char *key;
	size_t key_len;
	const char *digest;      /* hex */
};

/* python3 tests/unit/ospf_auth_vectors.py */
static const struct vector vectors[] = {
	{ OSPF_AUTH_MD5, "mgw-test-key", 12, "839bc63ccbd56d4e00add619a531ebed" },
	{ OSPF_AUTH_MD5, "k", 1, "4bfa95360f518768e04b01c1312b6e45" },
	{ OSPF_AUTH_MD5, "0123456789abcdef", 16, "3403a8c70470fd66f270546c6538f513" },
	{ OSPF_AUTH_HMAC_SHA1, "mgw-test-key", 12, "69d8ea76e6b89c0961b6acafd75881f3fac3db87" },
	{ OSPF_AUTH_HMAC_SHA1, "k", 1, "b5bad8b67b4fb0fe302647bb2417258ce2016ca1" },
	{ OSPF_AUTH_HMAC_SHA1, "0123456789abcdef0123", 20, "88cc065094cde33ba1185ef714f889b9db8d6e28" },
	{ OSPF_AUTH_HMAC_SHA256, "mgw-test-key", 12, "874f0b551709bba86b9453858a822d48ec19c2a5c861b7d5e76dd508bbb14bcf" },
	{ OSPF_AUTH_HMAC_SHA256, "k", 1, "923c338226ec9b97da131500e5d49bf1bd797f15bf969d55f52d95b8e1e6da9f" },
	{ OSPF_AUTH_HMAC_SHA256, "0123456789abcdef0123456789abcdef", 32, "6734aa7a0c97565394721987b12d6b55f0058d2fef42ec10331bdd074753ccbc" },
	{ OSPF_AUTH_HMAC_SHA384, "mgw-test-key", 12, "8674aa9c3b3f9b94d375d62a8e051817d29845bbf0976150d47ba610bf9e400fa2febbb1788211f50a14de2ff0b5c670" },
	{ OSPF_AUTH_HMAC_SHA384, "k", 1, "e0c39e4196538fe4b759c5dbf5e6d703f9d1af5137d0b7bb1a4a42c9c7cbc7bcabb8cb80a183970c2643f6cb556550d5" },
	{ OSPF_AUTH_HMAC_SHA384, "0123456789abcdef0123456789abcdef0123456789abcdef", 48, "e5e70a2c008eb7de23c4a090dac06b9a519e532ea47246e7630e86ef51428c2e55b1cef1416762bd6e1e9977beb0569e" },
	{ OSPF_AUTH_HMAC_SHA512, "mgw-test-key", 12, "4054adc210f41cc301ed67f5a7602758a9b53d6bdef3b1fa71652230faddae30fca7f5acce12bae5adde0e29bb7f19cb3acbc1beb025e7b5249b8339108ca9f9" },
	{ OSPF_AUTH_HMAC_SHA512, "k", 1, "41b4ae25150be53b00753dd3b0b4b076df417ca4c758f9cbbfe44b88ff85ee95ad3438a001e88325f4db7d0112209d0517ffb05fcffc76724b1c01111a47c936" },
	{ OSPF_AUTH_HMAC_SHA512, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64, "3c1ece399b1a1cc7c124f18ee689f5c7ba8f8332daa879ba8922f3d20677081d71a36e9c370eae48ad8373242204f857953236cc37bd862df819b14f14c656f7" },
};

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* The vectors' Hello, as mgw's codec writes it. */
static size_t vector_hello(uint8_t *b, size_t cap)
{
	struct ospf_hello h = { .mask = 0xffffff00, .hello_s = 1, .options = OSPF_OPT_E,
				.prio = 1, .dead_s = 3 };
	uint32_t nbr = PEER;
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, b, cap);
	ospf_pkt_begin(&w, OSPF_T_HELLO, ME, 0);
	ospf_hello_put(&w, &h, &nbr, 1);
	assert_int_equal(ospf_pkt_end(&w), 0);
	return w.len;
}

/* An engine (that sends nothing anywhere) with one authenticated interface. */
static struct ospf_eng *auth_engine(uint32_t rid, uint8_t type, const char *key,
				    uint8_t key_id, uint32_t seq0)
{
	struct ospf_conf c;
	struct ospf_eng *e;

	conf_one(&c, rid, "t0", rid == ME ? ME : PEER_IP, 24, OSPF_IF_PTP);
	c.ifaces[0].auth = type;
	c.ifaces[0].key_id = key_id;
	c.ifaces[0].key_len = (uint8_t)strlen(key);
	memcpy(c.ifaces[0].key, key, strlen(key));
	c.auth_seq0 = seq0;
	assert_int_equal(ospf_eng_create(&c, NULL, NULL, 1, &e), 0);
	return e;
}

static void test_vectors(void **state)
{
	uint8_t pkt[128], want[64], got[64];

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		size_t l = ospf_auth_len(v->type), n = vector_hello(pkt, sizeof(pkt));
		struct ospf_eng *e;
		uint8_t out[256];
		size_t sent;

		/* the digest alone, over the header as RFC 2328 D.4.3 fills it */
		dp_put_u16(pkt + 12, 0);
		dp_put_u16(pkt + 14, OSPF_AUTYPE_CRYPT);
		dp_put_u16(pkt + 16, 0);
		pkt[18] = 1;
		pkt[19] = (uint8_t)l;
		dp_put_u32(pkt + 20, 0x12345678);
		unhex(v->digest, want, l);
		assert_int_equal(ospf_auth_digest(v->type, (const uint8_t *)v->key, v->key_len,
						  pkt, n, got), 0);
		if (memcmp(got, want, l))
			fail_msg("vector %zu (%s, key of %zu bytes): digest differs", i,
				 ospf_auth_name(v->type), v->key_len);

		/* the whole signing step makes the same bytes */
		e = auth_engine(ME, v->type, v->key, 1, 0x12345678);
		n = vector_hello(pkt, sizeof(pkt));
		sent = ospf_auth_sign(e, &e->ifaces[0], pkt, n, out, sizeof(out));
		assert_int_equal(sent, n + l);
		assert_int_equal(dp_get_u16(out + 12), 0);
		assert_int_equal(dp_get_u16(out + 2), n);        /* OSPF length: no digest */
		assert_memory_equal(out + n, want, l);
		ospf_eng_destroy(e);
	}
}

/* A signed packet passes; a change in any byte makes it fail somewhere. */
static void test_every_byte_counts(void **state)
{
	static const uint8_t types[] = { OSPF_AUTH_MD5, OSPF_AUTH_HMAC_SHA1,
					 OSPF_AUTH_HMAC_SHA256, OSPF_AUTH_HMAC_SHA512 };

	(void)state;
	for (size_t t = 0; t < sizeof(types); t++) {
		struct ospf_eng *e = auth_engine(ME, types[t], "mgw-test-key", 3, 5000);
		uint8_t pkt[128], out[256], m[256];
		size_t n = vector_hello(pkt, sizeof(pkt)), len, i;
		struct ospf_pkt p;
		enum ospf_drop why;
		uint32_t seq;

		len = ospf_auth_sign(e, &e->ifaces[0], pkt, n, out, sizeof(out));
		assert_int_equal(ospf_pkt_decode(out, len, &p, &why), 0);
		assert_int_equal(ospf_auth_check(&e->ifaces[0], out, len, &p, &seq, &why), 0);
		assert_int_equal(seq, 5000);
		for (i = 0; i < len; i++) {
			if (i == 12 || i == 13 || i == 16 || i == 17)
				continue;   /* no checksum with AuType 2; zero field unread */
			memcpy(m, out, len);
			m[i] ^= 0x01;
			if (ospf_pkt_decode(m, len, &p, &why) == 0 &&
			    ospf_auth_check(&e->ifaces[0], m, len, &p, &seq, &why) == 0)
				fail_msg("%s: byte %zu changed, still accepted",
					 ospf_auth_name(types[t]), i);
		}
		ospf_eng_destroy(e);
	}
}

/* A peer's signed Hello (its engine signs at its own clock). */
static size_t peer_hello(struct ospf_eng *peer, uint64_t at_ms, uint8_t *out, size_t cap,
			 bool lists_me)
{
	struct pbuf h;
	uint32_t me = ME;

	mk_hello(&h, PEER, 0, 1, 3, 0xffffff00, 1, 0, 0, lists_me ? &me : NULL, lists_me);
	peer->now_ms = at_ms;
	return ospf_auth_sign(peer, &peer->ifaces[0], h.b, h.len, out, cap);
}

static void expect_drop(struct ospf_eng *e, const uint8_t *b, size_t len, enum ospf_drop why)
{
	uint64_t before = e->cnt.drops[why], total = drops_total(e);

	ospf_eng_input(e, 10000, 0, PEER_IP, OSPF_ALL_SPF, b, len);
	if (e->cnt.drops[why] != before + 1 || drops_total(e) != total + 1) {
		print_drops("engine", e);
		fail_msg("expected one drop for %s", ospf_drop_names[why]);
	}
}

static void test_refusals_by_reason(void **state)
{
	struct ospf_eng *e = auth_engine(ME, OSPF_AUTH_HMAC_SHA256, "right-key", 1, 100);
	struct ospf_eng *peer = auth_engine(PEER, OSPF_AUTH_HMAC_SHA256, "right-key", 1, 100);
	struct ospf_eng *wrong = auth_engine(PEER, OSPF_AUTH_HMAC_SHA256, "wrong-key", 1, 100);
	struct ospf_eng *id2 = auth_engine(PEER, OSPF_AUTH_HMAC_SHA256, "right-key", 2, 100);
	struct ospf_eng *md5 = auth_engine(PEER, OSPF_AUTH_MD5, "right-key", 1, 100);
	uint8_t b[256], m[256];
	struct pbuf plain;
	size_t n;

	(void)state;
	ospf_eng_start(e, 10000);
	n = peer_hello(peer, 0, b, sizeof(b), false);
	ospf_eng_input(e, 10000, 0, PEER_IP, OSPF_ALL_SPF, b, n);
	assert_int_equal(drops_total(e), 0);
	assert_int_equal(e->ifaces[0].n_nbrs, 1);

	n = peer_hello(wrong, 0, b, sizeof(b), false);
	expect_drop(e, b, n, OSPF_DROP_AUTH_DIGEST);
	n = peer_hello(id2, 0, b, sizeof(b), false);
	expect_drop(e, b, n, OSPF_DROP_AUTH_KEY_ID);
	n = peer_hello(md5, 0, b, sizeof(b), false);     /* 16-byte digest, we want 32 */
	expect_drop(e, b, n, OSPF_DROP_AUTH_LEN);
	n = peer_hello(peer, 0, b, sizeof(b), false);
	expect_drop(e, b, n - 1, OSPF_DROP_AUTH_LEN);    /* trailer cut short */
	memcpy(m, b, n);
	m[19] = 31;                                      /* Auth Data Len */
	expect_drop(e, m, n, OSPF_DROP_AUTH_LEN);
	mk_hello(&plain, PEER, 0, 1, 3, 0xffffff00, 1, 0, 0, NULL, 0);
	expect_drop(e, plain.b, plain.len, OSPF_DROP_AUTH_TYPE);   /* AuType 0 */
	memcpy(m, plain.b, plain.len);
	dp_put_u16(m + 14, OSPF_AUTYPE_SIMPLE);
	expect_drop(e, m, plain.len, OSPF_DROP_AUTH_TYPE);
	print_drops("after the refusals", e);

	/* and an interface without authentication refuses AuType 2 */
	{
		struct ospf_conf c;
		struct ospf_eng *none;

		conf_one(&c, ME, "t0", ME, 24, OSPF_IF_PTP);
		assert_int_equal(ospf_eng_create(&c, NULL, NULL, 1, &none), 0);
		ospf_eng_start(none, 10000);
		n = peer_hello(peer, 0, b, sizeof(b), false);
		expect_drop(none, b, n, OSPF_DROP_AUTH_TYPE);
		ospf_eng_destroy(none);
	}
	/* the counters are what GET /routing shows */
	{
		json_t *j, *d;

		assert_int_equal(ospf_eng_status_json(e, 10000, &j), 0);
		d = json_object_get(json_object_get(j, "counters"), "drops");
		assert_int_equal(json_integer_value(json_object_get(d, "auth_digest")), 1);
		assert_int_equal(json_integer_value(json_object_get(d, "auth_key_id")), 1);
		assert_int_equal(json_integer_value(json_object_get(d, "auth_length")), 3);
		assert_int_equal(json_integer_value(json_object_get(d, "auth_type")), 2);
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(json_object_get(j, "interfaces"), 0), "auth")), "hmac-sha256");
		{
			char *txt = json_dumps(j, 0);

			assert_non_null(txt);
			assert_null(strstr(txt, "right-key"));
			free(txt);
		}
		json_decref(j);
	}
	ospf_eng_destroy(e);
	ospf_eng_destroy(peer);
	ospf_eng_destroy(wrong);
	ospf_eng_destroy(id2);
	ospf_eng_destroy(md5);
}

/* D.5.2: lower than the neighbour's last is a replay; equal is not. */
static void test_replay(void **state)
{
	struct ospf_eng *e = auth_engine(ME, OSPF_AUTH_MD5, "k", 1, 100);
	struct ospf_eng *peer = auth_engine(PEER, OSPF_AUTH_MD5, "k", 1, 500);
	uint8_t old[256], b[256];
	size_t n_old, n;

	(void)state;
	ospf_eng_start(e, 10000);
	n_old = peer_hello(peer, 0, old, sizeof(old), false);         /* seq 500 */
	ospf_eng_input(e, 10000, 0, PEER_IP, OSPF_ALL_SPF, old, n_old);
	assert_int_equal(first_nbr(e)->auth_seq, 500);
	ospf_eng_input(e, 10000, 0, PEER_IP, OSPF_ALL_SPF, old, n_old);   /* equal */
	assert_int_equal(drops_total(e), 0);
	n = peer_hello(peer, 3000, b, sizeof(b), true);                /* seq 503 */
	ospf_eng_input(e, 10000, 0, PEER_IP, OSPF_ALL_SPF, b, n);
	assert_int_equal(drops_total(e), 0);
	assert_int_equal(first_nbr(e)->auth_seq, 503);
	assert_true(first_nbr(e)->state >= OSPF_NS_2WAY);
	/* the old Hello (which does not list us) again: refused, no 1-Way */
	expect_drop(e, old, n_old, OSPF_DROP_AUTH_SEQ);
	assert_true(first_nbr(e)->state >= OSPF_NS_2WAY);
	assert_int_equal(first_nbr(e)->auth_seq, 503);
	ospf_eng_destroy(e);
	ospf_eng_destroy(peer);
}

/* Ours: seq0 plus whole seconds of run time, never back, never wrapping. */
static void test_sequence_numbers(void **state)
{
	struct ospf_eng *e = auth_engine(ME, OSPF_AUTH_HMAC_SHA1, "k", 1, 1000);

	(void)state;
	ospf_eng_start(e, 50000);
	assert_int_equal(ospf_auth_next_seq(e), 1000);
	e->now_ms = 50999;
	assert_int_equal(ospf_auth_next_seq(e), 1000);
	e->now_ms = 51000;
	assert_int_equal(ospf_auth_next_seq(e), 1001);
	e->now_ms = 40000;                  /* a caller's stale time */
	assert_int_equal(ospf_auth_next_seq(e), 1001);
	e->now_ms = 50000 + 3600 * 1000;
	assert_int_equal(ospf_auth_next_seq(e), 1000 + 3600);
	e->auth_seq0 = UINT32_MAX - 5;
	e->now_ms = 50000 + 10 * 1000ull * 3600;
	assert_int_equal(ospf_auth_next_seq(e), UINT32_MAX);
	e->now_ms += 1000;
	assert_int_equal(ospf_auth_next_seq(e), UINT32_MAX);
	ospf_eng_destroy(e);
}

static bool lose_none(struct net *n, int from, const uint8_t *pkt, size_t len)
{
	(void)n;
	(void)from;
	(void)pkt;
	(void)len;
	return false;
}

/* Two engines over one link, each with its own key. */
static int64_t pair(uint8_t type, const char *k1, const char *k2, struct net *n,
		    struct net_port port[2], uint64_t run_ms)
{
	struct ospf_conf c[2];
	int64_t t;

	memset(n, 0, sizeof(*n));
	n->lose = lose_none;
	n->now = 1000;
	conf_one(&c[0], A(10, 0, 0, 1), "a", A(10, 9, 0, 1), 30, OSPF_IF_PTP);
	conf_one(&c[1], A(10, 0, 0, 2), "b", A(10, 9, 0, 2), 30, OSPF_IF_PTP);
	for (int i = 0; i < 2; i++) {
		const char *k = i ? k2 : k1;

		c[i].ifaces[0].auth = type;
		c[i].ifaces[0].key_id = 9;
		c[i].ifaces[0].key_len = (uint8_t)strlen(k);
		memcpy(c[i].ifaces[0].key, k, strlen(k));
		c[i].auth_seq0 = 1700000000u + (uint32_t)i;
		n->addr[i] = c[i].ifaces[0].addr;
		port[i] = (struct net_port){ n, i };
		assert_int_equal(ospf_eng_create(&c[i], net_cb, &port[i], 7 + (uint32_t)i,
						 &n->e[i]), 0);
	}
	ospf_eng_start(n->e[0], n->now);
	ospf_eng_start(n->e[1], n->now);
	t = net_until(n, run_ms, both_full);
	return t;
}

static void test_two_engines(void **state)
{
	struct net_port port[2];
	struct net *n = calloc(1, sizeof(*n));
	int64_t t;

	(void)state;
	assert_non_null(n);
	t = pair(OSPF_AUTH_HMAC_SHA256, "same-key", "same-key", n, port, 10000);
	print_message("hmac-sha256, one key: Full after %lld ms\n", (long long)t);
	assert_true(t >= 0);
	assert_int_equal(drops_total(n->e[0]) + drops_total(n->e[1]), 0);
	assert_true(first_nbr(n->e[0])->has_auth_seq);
	assert_int_equal(first_nbr(n->e[0])->auth_seq, n->e[1]->auth_seq_last);
	net_flush_queue(n);
	ospf_eng_destroy(n->e[0]);
	ospf_eng_destroy(n->e[1]);

	t = pair(OSPF_AUTH_MD5, "same-key", "same-key", n, port, 10000);
	assert_true(t >= 0);
	net_flush_queue(n);
	ospf_eng_destroy(n->e[0]);
	ospf_eng_destroy(n->e[1]);

	t = pair(OSPF_AUTH_HMAC_SHA256, "key-one", "key-two", n, port, 10000);
	assert_true(t < 0);
	assert_int_equal(n->e[0]->ifaces[0].n_nbrs, 0);
	assert_int_equal(n->e[1]->ifaces[0].n_nbrs, 0);
	assert_true(n->e[0]->cnt.drops[OSPF_DROP_AUTH_DIGEST] >= 9);
	assert_true(n->e[1]->cnt.drops[OSPF_DROP_AUTH_DIGEST] >= 9);
	print_message("different keys: no neighbour in 10 s, %llu and %llu refused\n",
		      (unsigned long long)n->e[0]->cnt.drops[OSPF_DROP_AUTH_DIGEST],
		      (unsigned long long)n->e[1]->cnt.drops[OSPF_DROP_AUTH_DIGEST]);
	net_flush_queue(n);
	ospf_eng_destroy(n->e[0]);
	ospf_eng_destroy(n->e[1]);
	free(n);
}

/* The IPv4 packet a raw socket would hand over. */
static size_t ip_wrap(uint8_t *out, const uint8_t *ospf, size_t len, uint8_t ttl)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[1] = 0xc0;
	dp_put_u16(out + 2, (uint16_t)(20 + len));
	out[8] = ttl;
	out[9] = 89;
	dp_put_u32(out + 12, PEER_IP);
	dp_put_u32(out + 16, OSPF_ALL_SPF);
	memcpy(out + 20, ospf, len);
	return 20 + len;
}

static void test_gtsm(void **state)
{
	struct ospf_conf c;
	struct ospf_eng *e, *plain;
	struct pbuf h;
	uint8_t ip[512];
	size_t n;

	(void)state;
	conf_one(&c, ME, "t0", ME, 24, OSPF_IF_PTP);
	assert_int_equal(ospf_eng_create(&c, NULL, NULL, 1, &plain), 0);
	c.ifaces[0].ttl_security = true;
	assert_int_equal(ospf_eng_create(&c, NULL, NULL, 1, &e), 0);
	ospf_eng_start(e, 1000);
	ospf_eng_start(plain, 1000);
	mk_hello(&h, PEER, 0, 1, 3, 0xffffff00, 1, 0, 0, NULL, 0);

	n = ip_wrap(ip, h.b, h.len, 254);            /* one router away */
	ospf_eng_input_ip(e, 1000, 0, ip, n);
	assert_int_equal(e->cnt.drops[OSPF_DROP_TTL], 1);
	assert_int_equal(e->ifaces[0].n_nbrs, 0);
	n = ip_wrap(ip, h.b, h.len, 1);
	ospf_eng_input_ip(e, 1000, 0, ip, n);
	assert_int_equal(e->cnt.drops[OSPF_DROP_TTL], 2);
	n = ip_wrap(ip, h.b, h.len, 255);
	ospf_eng_input_ip(e, 1000, 0, ip, n);
	assert_int_equal(drops_total(e), 2);
	assert_int_equal(e->ifaces[0].n_nbrs, 1);
	/* without ttl_security, the usual TTL 1 is fine */
	n = ip_wrap(ip, h.b, h.len, 1);
	ospf_eng_input_ip(plain, 1000, 0, ip, n);
	assert_int_equal(drops_total(plain), 0);
	assert_int_equal(plain->ifaces[0].n_nbrs, 1);
	ospf_eng_destroy(e);
	ospf_eng_destroy(plain);
}

static void test_conf_check(void **state)
{
	struct ospf_conf c;
	char msg[128];

	(void)state;
	conf_one(&c, ME, "t0", ME, 24, OSPF_IF_PTP);
	c.ifaces[0].auth = OSPF_AUTH_MD5;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "interfaces[0].key: must not be empty");
	c.ifaces[0].key_len = 17;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "interfaces[0].key: an MD5 key is at most 16 bytes (RFC 2328 D.3)");
	c.ifaces[0].key_len = 16;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), 0);
	c.ifaces[0].auth = OSPF_AUTH_HMAC_SHA1;
	c.ifaces[0].key_len = 21;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	c.ifaces[0].auth = OSPF_AUTH_TYPES;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	c.ifaces[0].auth = OSPF_AUTH_NONE;
	c.ifaces[0].type = OSPF_IF_BCAST;
	c.ifaces[0].ttl_security = true;
	assert_int_equal(ospf_conf_check(&c, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "interfaces[0].ttl_security: for point-to-point interfaces only");
}

/* The digest rides inside the MTU: packets are that much shorter. */
static void test_room_for_the_digest(void **state)
{
	struct ospf_eng *e = auth_engine(ME, OSPF_AUTH_HMAC_SHA512, "k", 1, 1);

	(void)state;
	assert_int_equal(ospf_iface_max_pkt(&e->ifaces[0]), 1500 - 20 - 64);
	ospf_eng_destroy(e);
}

/* What a digest costs, printed (no bound: the box is shared). */
static void test_digest_cost(void **state)
{
	static const uint8_t types[] = { OSPF_AUTH_MD5, OSPF_AUTH_HMAC_SHA256 };
	uint8_t pkt[1500], out[64];

	(void)state;
	memset(pkt, 0x5a, sizeof(pkt));
	for (size_t t = 0; t < sizeof(types); t++) {
		struct timespec a, b;
		const int n = 2000;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++)
			assert_int_equal(ospf_auth_digest(types[t], (const uint8_t *)"key", 3,
							  pkt, sizeof(pkt), out), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		print_message("%s over 1500 bytes: %.1f us a packet\n", ospf_auth_name(types[t]),
			      ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
			      n / 1000.0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_every_byte_counts),
		cmocka_unit_test(test_refusals_by_reason),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_sequence_numbers),
		cmocka_unit_test(test_two_engines),
		cmocka_unit_test(test_gtsm),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test(test_room_for_the_digest),
		cmocka_unit_test(test_digest_cost),
	};

	rte_log_set_level(mgw_logtype_ospf, RTE_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
