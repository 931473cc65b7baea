/* Unit tests: session sync's datagrams (sync/wire.c) — every message
 * round-trips, and every truncation, oversize, bad magic/version/type,
 * wrong key, flipped bit, count bomb, out-of-range field and bad set of
 * address lengths is refused with its reason; IPv4, IPv6 and NAT64
 * sessions each come back whole. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/snap.h"
#include "dp/tcp.h"
#include "sync/sync.pb-c.h"
#include "sync/wire.h"

#define REF(r) (-(int)(SYNC_REFUSE_##r) - 1)

static struct sync_key key = { 20, "0123456789abcdefghij" };

static struct sync_item session_item(uint32_t i)
{
	struct sync_item it;

	memset(&it, 0, sizeof(it));
	it.kind = SYNC_ITEM_SESSION;
	it.rec.kind = i % 5 ? DP_SYNC_UPSERT : DP_SYNC_DELETE;
	it.rec.proto = i % 3 ? 6 : 17;
	it.rec.state = i % 3 ? DP_TCP_ESTABLISHED : DP_UDP_STATE;
	it.rec.fwd = (uint8_t)(i % DP_FWD_MAX);
	it.rec.lcore = (uint8_t)(i % 4);
	it.rec.bulk_id = (uint16_t)(i % 7 ? 0 : 300 + i);
	it.rec.flags = it.rec.bulk_id ? DP_SYNC_R_BULK : 0;
	it.rec.owner = i % 2 ? 0 : 3;
	it.rec.s.cip = htonl(0x0b000000 + i);
	it.rec.s.vip = htonl(0x0affff0a);
	it.rec.s.lip = htonl(0x0a010064);
	it.rec.s.rip = htonl(0x0a01000b + i % 10);
	it.rec.s.cport = htons((uint16_t)(1024 + i));
	it.rec.s.vport = htons(80);
	it.rec.s.lport = htons((uint16_t)(2000 + i));
	it.rec.s.rport = htons(8080);
	it.rec.s.expire_ms = 900000 - i;
	it.rec.s.seq_in = -(int32_t)i * 7;
	it.rec.s.seq_out = (int32_t)i * 13;
	it.rec.s.ts_delta = (int32_t)i - 500;
	it.rec.s.xflags = (uint16_t)i;
	it.rec.s.wscale = (uint8_t)(i % 15);
	it.rec.s.isn = 0xfffffff0u + i;
	it.rec.s.sflags = i % 2 ? 0x20 : 0x08;
	it.rec.tcpwin = (uint16_t)(i % 3 ? 0x8000 | (0x80 | i % 16) << 0 | (i % 15) << 8 : 0);
	return it;
}

static void test_seal_open(void **state)
{
	uint8_t pl[100], d[SYNC_MAX_DGRAM];
	struct sync_hdr h = { SYNC_T_STREAM, 7, 42, 0x123456789abcull, 3, 99 }, g;
	const uint8_t *p;
	size_t plen;
	int n;

	(void)state;
	for (unsigned i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 31);
	n = sync_wire_seal(&key, &h, pl, sizeof(pl), d, sizeof(d));
	assert_int_equal(n, SYNC_HDR_LEN + sizeof(pl) + SYNC_MAC_LEN);
	assert_int_equal(sync_wire_open(&key, d, (size_t)n, &g, &p, &plen), 0);
	assert_int_equal(g.type, h.type);
	assert_int_equal(g.flags, h.flags);
	assert_int_equal(g.sender, h.sender);
	assert_true(g.epoch == h.epoch && g.stream == h.stream && g.seq == h.seq);
	assert_int_equal(plen, sizeof(pl));
	assert_memory_equal(p, pl, sizeof(pl));
	/* every truncation */
	for (int len = 0; len < n; len++) {
		int rc = sync_wire_open(&key, d, (size_t)len, &g, &p, &plen);

		assert_true(rc == REF(SHORT) || rc == REF(MAC));
	}
	/* every single-bit flip */
	for (int i = 0; i < n * 8; i++) {
		int rc;

		d[i / 8] ^= (uint8_t)(1u << (i % 8));
		rc = sync_wire_open(&key, d, (size_t)n, &g, &p, &plen);
		assert_true(rc < 0);
		d[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* a wrong key */
	{
		struct sync_key other = key;

		other.k[0] ^= 1;
		assert_int_equal(sync_wire_open(&other, d, (size_t)n, &g, &p, &plen), REF(MAC));
	}
	/* magic, version and type are checked before the MAC */
	d[0] = 'X';
	assert_int_equal(sync_wire_open(&key, d, (size_t)n, &g, &p, &plen), REF(MAGIC));
	d[0] = 'M';
	d[4] = 2;
	assert_int_equal(sync_wire_open(&key, d, (size_t)n, &g, &p, &plen), REF(VERSION));
	d[4] = SYNC_VERSION;
	d[5] = 9;
	assert_int_equal(sync_wire_open(&key, d, (size_t)n, &g, &p, &plen), REF(TYPE));
	d[5] = SYNC_T_STREAM;
	assert_int_equal(sync_wire_open(&key, d, SYNC_MAX_DGRAM + 1, &g, &p, &plen), REF(OVERSIZE));
	/* too big to seal */
	assert_true(sync_wire_seal(&key, &h, pl, SYNC_MAX_DGRAM, d, sizeof(d)) < 0);
}

static void test_batch_round_trip(void **state)
{
	struct sync_scratch *sc = sync_scratch_create();
	struct sync_item in[SYNC_MAX_ITEMS], out[SYNC_MAX_ITEMS];
	uint8_t pl[SYNC_MAX_PAYLOAD];
	unsigned total = 0, sent = 0;

	(void)state;
	assert_non_null(sc);
	/* sessions, a template, markers and a finish: in one stream of items */
	for (unsigned i = 0; i < 200; i++)
		in[i] = session_item(i);
	memset(&in[200], 0, sizeof(in[200]));
	in[200].kind = SYNC_ITEM_TEMPLATE;
	in[200].rec.kind = DP_SYNC_TEMPLATE;
	in[200].rec.t.cip = htonl(0x0b000000);
	in[200].rec.t.vip = htonl(0x0affff0a);
	in[200].rec.t.rip = htonl(0x0a01000b);
	in[200].rec.t.vport = htons(80);
	in[200].rec.t.rport = htons(8080);
	in[200].rec.t.expire_ms = 300000;
	memset(&in[201], 0, sizeof(in[201]));
	in[201].kind = SYNC_ITEM_MARKER;
	in[201].rec.kind = DP_SYNC_MARKER;
	in[201].rec.lcore = 3;
	in[201].rec.m.count = 123456789012ull;
	in[201].rec.m.hash = 0xfedcba9876543210ull;
	in[201].rec.m.seq = 77;
	memset(&in[202], 0, sizeof(in[202]));
	in[202].kind = SYNC_ITEM_FINISH;
	in[202].fin.bulk_id = 65535;
	in[202].fin.lcore = -1;
	in[202].fin.count = 1000000;
	in[202].fin.digest = 0x0123456789abcdefull;
	total = 203;
	/* packed into as many datagrams as it takes, each within the payload */
	while (sent < total) {
		size_t len = 0;
		unsigned k = sync_wire_batch_encode(sc, in + sent, total - sent, pl, sizeof(pl), &len);
		int n;

		assert_true(k > 0);
		assert_true(len <= sizeof(pl));
		n = sync_wire_batch_decode(sc, pl, len, out, SYNC_MAX_ITEMS);
		assert_int_equal(n, (int)k);
		/* decode groups by kind (sessions, templates, markers,
		 * finishes): compare by kind in order */
		for (unsigned kind = SYNC_ITEM_SESSION; kind <= SYNC_ITEM_FINISH; kind++) {
			unsigned a = 0, b = 0;

			for (;;) {
				while (a < k && in[sent + a].kind != kind)
					a++;
				while (b < k && out[b].kind != kind)
					b++;
				if (a == k || b == k)
					break;
				if (kind == SYNC_ITEM_FINISH) {
					assert_memory_equal(&in[sent + a].fin, &out[b].fin, sizeof(out[b].fin));
				} else {
					struct dp_sync_rec x = in[sent + a].rec, y = out[b].rec;

					if (kind != SYNC_ITEM_SESSION)
						x.flags = y.flags = 0;
					assert_memory_equal(&x, &y, sizeof(x));
				}
				a++;
				b++;
			}
			assert_true(a == k && b == k);
		}
		sent += k;
	}
	assert_true(sent == total);
	sync_scratch_free(sc);
}

static void test_control_round_trip(void **state)
{
	struct sync_scratch *sc = sync_scratch_create();
	struct sync_control c, d;
	uint8_t pl[SYNC_MAX_PAYLOAD];
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.state = 2;
	c.config_digest = 0xdeadbeefcafef00dull;
	c.lcores = 4;
	c.stream = 9;
	c.next_seq = 1ull << 40;
	c.ack_stream = 3;
	c.ack_cum = 12345;
	c.n_nacks = SYNC_MAX_NACKS;
	for (unsigned i = 0; i < c.n_nacks; i++) {
		c.nacks[i].first = 20000 + 10 * i;
		c.nacks[i].last = 20003 + 10 * i;
	}
	c.n_bulk = 2;
	c.bulk[0].bulk_id = 1;
	c.bulk[0].lcore = -1;
	c.bulk[1].bulk_id = 65535;
	c.bulk[1].lcore = 15;
	c.n_lips = 3;
	for (unsigned i = 0; i < c.n_lips; i++) {
		c.lips[i].ip = htonl(0x0a010064 + i);
		c.lips[i].owner = 2;
		c.lips[i].holder = 1 + i;
	}
	c.handback_seq = 5;
	assert_int_equal(sync_wire_control_encode(&c, pl, sizeof(pl), &len), 0);
	assert_int_equal(sync_wire_control_decode(sc, pl, len, &d), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	/* every truncation is refused or decodes to something valid */
	for (size_t l = 0; l < len; l++) {
		int rc = sync_wire_control_decode(sc, pl, l, &d);

		assert_true(rc == 0 || rc == REF(DECODE) || rc == REF(LIMIT));
	}
	sync_scratch_free(sc);
}

/* Hand-built payloads the encoder never makes. */

/* Every field of a session record set, of a family: 4 IPv4, 6 IPv6,
 * 64 NAT64 (v6 client and VIP, v4 local IP and server). */
static struct sync_item family_item(unsigned fam, uint32_t i)
{
	struct sync_item it = session_item(i);
	struct dp_sess6 *a = &it.rec.a6;
	static const uint8_t c6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
	static const uint8_t v6[16] = { 0xfd, 0, 0, 1, [15] = 0x10 };
	static const uint8_t l6[16] = { 0xfd, 0, 0, 2, [14] = 1, [15] = 0 };
	static const uint8_t r6[16] = { 0xfd, 0, 0, 2, [15] = 0x11 };

	if (fam == 4)
		return it;
	it.rec.fwd = DP_FWD_FULLNAT;
	it.rec.flags |= DP_SYNC_R_V6;
	memcpy(a->c, c6, 16);
	a->c[14] = (uint8_t)i;
	memcpy(a->v, v6, 16);
	it.rec.s.cip = dp_ip6_handle(a->c);
	it.rec.s.vip = dp_ip6_handle(a->v);
	if (fam == 6) {
		memcpy(a->l, l6, 16);
		memcpy(a->r, r6, 16);
		it.rec.s.lip = dp_ip6_handle(a->l);
		it.rec.s.rip = dp_ip6_handle(a->r);
	} else {
		dp_ip6_map4(a->l, it.rec.s.lip);
		dp_ip6_map4(a->r, it.rec.s.rip);
	}
	return it;
}

static void encode1(struct sync_scratch *sc, const struct sync_item *it, uint8_t *pl, size_t *len)
{
	assert_int_equal(sync_wire_batch_encode(sc, it, 1, pl, SYNC_MAX_PAYLOAD, len), 1);
}

/* A v4, a v6 and a NAT64 session (UPSERT and DELETE, bulk or live):
 * every byte of the record back, the handles the receiver's own; the
 * lengths on the wire say the family. */
static void test_session_families(void **state)
{
	struct sync_scratch *sc = sync_scratch_create();
	static const unsigned fams[3] = { 4, 6, 64 };
	uint8_t pl[SYNC_MAX_PAYLOAD];
	struct sync_item out[2];
	size_t len;

	(void)state;
	for (unsigned f = 0; f < 3; f++) {
		for (uint32_t i = 0; i < 15; i++) {
			struct sync_item it = family_item(fams[f], i);
			Mgw__Sync__Batch *b;

			encode1(sc, &it, pl, &len);
			assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), 1);
			assert_memory_equal(&it.rec, &out[0].rec, sizeof(it.rec));
			b = mgw__sync__batch__unpack(NULL, len, pl);
			assert_non_null(b);
			assert_int_equal(b->sessions[0]->cip.len, fams[f] == 4 ? 4 : 16);
			assert_int_equal(b->sessions[0]->vip.len, fams[f] == 4 ? 4 : 16);
			assert_int_equal(b->sessions[0]->lip.len, fams[f] == 6 ? 16 : 4);
			assert_int_equal(b->sessions[0]->rip.len, fams[f] == 6 ? 16 : 4);
			mgw__sync__batch__free_unpacked(b, NULL);
		}
	}
	sync_scratch_free(sc);
}

/* Any cut of a v6 or NAT64 record's datagram is refused (but the empty
 * one, a valid empty batch); so is each bad set of address lengths. */
static void test_session_family_refusals(void **state)
{
	struct sync_scratch *sc = sync_scratch_create();
	uint8_t pl[SYNC_MAX_PAYLOAD];
	struct sync_item out[2];
	size_t len;

	(void)state;
	for (unsigned f = 0; f < 2; f++) {
		struct sync_item it = family_item(f ? 64 : 6, 3);

		encode1(sc, &it, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, 0, out, 2), 0);
		for (size_t cut = 1; cut < len; cut++) {
			int rc = sync_wire_batch_decode(sc, pl, cut, out, 2);

			assert_true(rc == REF(DECODE) || rc == REF(LIMIT));
		}
	}
	{
		/* lengths: cip vip lip rip */
		static const uint8_t bad[][4] = {
			{ 5, 4, 4, 4 }, { 4, 5, 4, 4 }, { 4, 4, 5, 4 }, { 4, 4, 4, 5 },
			{ 16, 16, 16, 5 }, { 16, 16, 5, 5 }, { 16, 4, 16, 16 }, { 4, 16, 4, 4 },
			{ 4, 4, 16, 16 }, { 16, 16, 16, 4 }, { 16, 16, 4, 16 }, { 0, 0, 0, 0 },
			{ 16, 16, 0, 0 }, { 17, 17, 17, 17 }, { 15, 15, 15, 15 },
		};
		uint8_t buf[4][17];

		for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			Mgw__Sync__Session s = MGW__SYNC__SESSION__INIT, *sp = &s;
			Mgw__Sync__Batch b = MGW__SYNC__BATCH__INIT;
			ProtobufCBinaryData *f[4] = { &s.cip, &s.vip, &s.lip, &s.rip };

			for (unsigned a = 0; a < 4; a++) {
				memset(buf[a], 0, sizeof(buf[a]));
				buf[a][0] = 0xfd;
				buf[a][bad[k][a] ? bad[k][a] - 1 : 0] |= (uint8_t)(a + 1);
				f[a]->len = bad[k][a];
				f[a]->data = buf[a];
			}
			s.proto = 6;
			s.state = DP_TCP_ESTABLISHED;
			b.n_sessions = 1;
			b.sessions = &sp;
			len = mgw__sync__batch__pack(&b, pl);
			assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
		}
	}
	{
		/* NAT64 other than FULLNAT; an IPv4-mapped 16-byte address; an
		 * IPv4 address in 0.0.0.0/8 (where handles live) */
		struct sync_item it = family_item(64, 2);

		it.rec.fwd = DP_FWD_NAT;
		encode1(sc, &it, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
		it = family_item(6, 2);
		dp_ip6_map4(it.rec.a6.c, htonl(0x0b000001));
		encode1(sc, &it, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
		it = family_item(4, 2);
		it.rec.s.rip = dp_ip6_handle(it.rec.a6.c);
		encode1(sc, &it, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
	}
	{
		/* guards: a v6 local IP's by handles, flagged; neither half
		 * nor a v6 flag on IPv4 addresses */
		struct sync_item g;

		memset(&g, 0, sizeof(g));
		g.kind = SYNC_ITEM_GUARD;
		g.rec.kind = DP_SYNC_GUARD;
		g.rec.proto = 6;
		g.rec.flags = DP_SYNC_R_V6;
		g.rec.s.lip = htonl(0x00123456);
		g.rec.s.rip = htonl(0x00abcdef);
		g.rec.s.lport = htons(3000);
		g.rec.s.rport = htons(80);
		g.rec.s.expire_ms = 1000;
		encode1(sc, &g, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), 1);
		assert_int_equal(out[0].rec.flags, DP_SYNC_R_V6);
		assert_memory_equal(&out[0].rec.s, &g.rec.s, sizeof(g.rec.s));
		g.rec.s.rip = htonl(0x0a010001);
		encode1(sc, &g, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
		g.rec.s.lip = htonl(0x0a010064);
		encode1(sc, &g, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), REF(LIMIT));
		g.rec.flags = 0;
		encode1(sc, &g, pl, &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 2), 1);
		assert_int_equal(out[0].rec.flags, 0);
	}
	sync_scratch_free(sc);
}

static void test_batch_refusals(void **state)
{
	struct sync_scratch *sc = sync_scratch_create();
	struct sync_item out[SYNC_MAX_ITEMS], it = session_item(1);
	uint8_t pl[SYNC_MAX_PAYLOAD], big[4096];
	size_t len, n;
	int rc;

	(void)state;
	/* a count bomb: 600 empty sessions (2 bytes each) in one datagram */
	for (n = 0; n + 2 <= 1200; n += 2) {
		big[n] = 0x0a;   /* field 1 (sessions), length-delimited */
		big[n + 1] = 0;
	}
	assert_int_equal(sync_wire_batch_decode(sc, big, n, out, SYNC_MAX_ITEMS), REF(LIMIT));
	/* a length that runs past the end */
	big[0] = 0x0a;
	big[1] = 0x7f;
	assert_int_equal(sync_wire_batch_decode(sc, big, 10, out, SYNC_MAX_ITEMS), REF(DECODE));
	/* garbage */
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 37 + 11);
	rc = sync_wire_batch_decode(sc, big, 1000, out, SYNC_MAX_ITEMS);
	assert_true(rc == REF(DECODE) || rc == REF(LIMIT) || rc >= 0);
	/* fields out of range: each refuses the whole datagram */
	{
		struct sync_item bad[8];

		for (unsigned k = 0; k < 8; k++)
			bad[k] = it;
		bad[0].rec.proto = 1;
		bad[1].rec.state = DP_TIMEOUT_MAX;
		bad[2].rec.fwd = DP_FWD_MAX;
		bad[3].rec.lcore = 16;
		bad[4].rec.s.wscale = 15;
		bad[5].rec.s.sflags = 0x01;
		bad[6].rec.tcpwin = 0x0040;   /* not a seen bit and a scale nibble */
		for (unsigned k = 0; k < 7; k++) {
			struct sync_item two[2] = { it, bad[k] };

			sync_wire_batch_encode(sc, two, 2, pl, sizeof(pl), &len);
			assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, SYNC_MAX_ITEMS),
					 REF(LIMIT));
		}
	}
	/* a SYN-proxied session's two window scales (dp/seq.h DP_SEQ_WS) */
	{
		struct sync_item g = it;

		g.rec.s.wscale = 0x97;
		sync_wire_batch_encode(sc, &g, 1, pl, sizeof(pl), &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, SYNC_MAX_ITEMS), 1);
		assert_int_equal(out[0].rec.s.wscale, 0x97);
	}
	/* more items than the caller takes */
	{
		struct sync_item many[20];

		for (unsigned k = 0; k < 20; k++)
			many[k] = session_item(k);
		sync_wire_batch_encode(sc, many, 20, pl, sizeof(pl), &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, 10), REF(LIMIT));
	}
	/* a finish without an id, a control with too many NACKs */
	{
		struct sync_item f;
		struct sync_control c;

		memset(&f, 0, sizeof(f));
		f.kind = SYNC_ITEM_FINISH;
		f.fin.lcore = -1;
		sync_wire_batch_encode(sc, &f, 1, pl, sizeof(pl), &len);
		assert_int_equal(sync_wire_batch_decode(sc, pl, len, out, SYNC_MAX_ITEMS), REF(LIMIT));
		memset(&c, 0, sizeof(c));
		c.n_nacks = SYNC_MAX_NACKS;
		sync_wire_control_encode(&c, pl, sizeof(pl), &len);
		assert_int_equal(sync_wire_control_decode(sc, pl, len, &c), 0);
		{
			Mgw__Sync__Control m = MGW__SYNC__CONTROL__INIT;
			Mgw__Sync__Nack nk = MGW__SYNC__NACK__INIT, *nkp[SYNC_MAX_NACKS + 1];

			for (unsigned k = 0; k <= SYNC_MAX_NACKS; k++)
				nkp[k] = &nk;
			m.n_nacks = SYNC_MAX_NACKS + 1;
			m.nacks = nkp;
			len = mgw__sync__control__pack(&m, pl);
			assert_int_equal(sync_wire_control_decode(sc, pl, len, &c), REF(LIMIT));
			nk.first = 9;
			nk.last = 3;
			m.n_nacks = 1;
			len = mgw__sync__control__pack(&m, pl);
			assert_int_equal(sync_wire_control_decode(sc, pl, len, &c), REF(LIMIT));
		}
	}
	sync_scratch_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_control_round_trip),
		cmocka_unit_test(test_batch_refusals),
		cmocka_unit_test(test_session_families),
		cmocka_unit_test(test_session_family_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
