/* libFuzzer target over mgw's OSPF decoder and engine.
 *
 * Build and run (from the worktree root, after `make`):
 *
 *   mkdir -p build/fuzz && clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -I. $(pkg-config --cflags libdpdk jansson) tests/fuzz/fuzz_ospf.c \
 *     ospf/ospf_*.c -o build/fuzz/fuzz_ospf \
 *     $(pkg-config --libs libdpdk jansson) -lpthread
 *   mkdir -p build/fuzz/corpus_ospf
 *   build/fuzz/fuzz_ospf -max_total_time=60 -max_len=4096 build/fuzz/corpus_ospf
 *
 * An empty corpus directory works; seeds made of the captures' packets
 * (one byte of flags, a 2-byte length, the packet) get deeper sooner.
 * Each input is a byte of flags, then packets as [len:2][bytes:len] with
 * a byte of "time passes" between them. The flags pick: the engine's
 * interface type, how far its neighbour got before the packets arrive
 * (nowhere, 2-Way/ExStart, Full), whether packets carry the IP header,
 * and whether the harness repairs the OSPF header (length, Router ID,
 * area, checksum) and the LSA checksums so that the fuzzer reaches the
 * per-type handlers instead of dying at the checksum. Every packet also
 * goes through the decoder and the re-encoder on its own.
 *
 * Flag 128 gives the interface cryptographic authentication (keyed MD5
 * for an input of odd length, HMAC-SHA-256 otherwise): the harness signs
 * the packets it builds, and a repaired packet gets the right Key ID and
 * a digest (and a sequence number that is now and then a replay), so the
 * fuzzer gets past the digest to the sequence check and the handlers; an
 * unrepaired one exercises the refusals. (The Makefile's fuzz rule must
 * link libcrypto for ospf/ospf_auth.c.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

#define ME    0x0ac90102u      /* 10.201.1.2 */
#define PEER  0x0ac90001u      /* 10.201.0.1 */
#define PEER_IP 0x0ac90101u    /* 10.201.1.1 */

#define FZ_KEY "fuzz-key"
#define FZ_KEY_ID 7

struct harness {
	uint32_t last_dbd_seq;
	uint8_t last_dbd_flags;
	unsigned sent;
	uint8_t auth;            /* OSPF_AUTH_* of the interface */
	uint32_t seq;            /* the peer's cryptographic sequence number */
};

/* Signs pkt[0..len) as the peer (room for the digest is the caller's);
 * returns the length with the digest. */
static size_t sign(struct harness *h, uint8_t *pkt, size_t len, uint32_t seq)
{
	size_t l = ospf_auth_len(h->auth);

	if (!h->auth || len < OSPF_HDR_LEN)
		return len;
	dp_put_u16(pkt + 12, 0);
	dp_put_u16(pkt + 14, OSPF_AUTYPE_CRYPT);
	dp_put_u16(pkt + 16, 0);
	pkt[18] = FZ_KEY_ID;
	pkt[19] = (uint8_t)l;
	dp_put_u32(pkt + 20, seq);
	if (ospf_auth_digest(h->auth, (const uint8_t *)FZ_KEY, strlen(FZ_KEY), pkt,
			     len, pkt + len))
		__builtin_trap();
	return len + l;
}

static void cb(void *arg, unsigned ifi, uint32_t dst, const uint8_t *pkt,
	       size_t len)
{
	struct harness *h = arg;
	struct ospf_pkt p;
	enum ospf_drop why;

	(void)ifi;
	(void)dst;
	h->sent++;
	/* What we send must always decode. */
	if (ospf_pkt_decode(pkt, len, &p, &why))
		__builtin_trap();
	if (p.h.type == OSPF_T_DBD) {
		h->last_dbd_seq = p.u.dbd.seq;
		h->last_dbd_flags = p.u.dbd.flags;
	}
}

static void feed(struct ospf_eng *e, uint64_t now, const uint8_t *b, size_t len)
{
	ospf_eng_input(e, now, 0, PEER_IP, OSPF_ALL_SPF, b, len);
}

static struct harness *the_harness;

static size_t build(uint8_t *buf, size_t cap, uint8_t type,
		    void (*body)(struct ospf_wbuf *, void *), void *arg)
{
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, buf, cap - OSPF_AUTH_MAX_DIGEST);
	ospf_pkt_begin(&w, type, PEER, 0);
	body(&w, arg);
	if (ospf_pkt_end(&w))
		return 0;
	return sign(the_harness, buf, w.len, ++the_harness->seq);
}

static void hello_body(struct ospf_wbuf *w, void *arg)
{
	struct ospf_hello h = { 0xffffff00, 1, OSPF_OPT_E, 1, 3, 0, 0, 0, NULL };
	uint32_t me = ME;

	ospf_hello_put(w, &h, &me, arg ? 1 : 0);
}

struct dbd_arg {
	uint8_t flags;
	uint32_t seq;
	const uint8_t *hdr;
};

static void dbd_body(struct ospf_wbuf *w, void *arg)
{
	struct dbd_arg *d = arg;

	ospf_dbd_put(w, 1500, 0x42, d->flags, d->seq);
	if (d->hdr)
		ospf_put_bytes(w, d->hdr, OSPF_LSA_HDR_LEN);
}

static void lsu_body(struct ospf_wbuf *w, void *arg)
{
	const uint8_t *lsa = arg;

	ospf_put_u32(w, 1);
	ospf_put_bytes(w, lsa, dp_get_u16(lsa + 18));
}

static size_t peer_lsa(uint8_t *buf, size_t cap)
{
	struct ospf_rtr_link l[2] = {
		{ ME, PEER_IP, OSPF_LINK_PTP, 10 },
		{ 0x0ac90100u, 0xffffff00u, OSPF_LINK_STUB, 10 },
	};
	struct ospf_lsa_hdr h = { 1, OSPF_OPT_E, OSPF_LSA_ROUTER, PEER, PEER,
				  0x80000001u, 0, 0 };
	struct ospf_wbuf w;

	ospf_wbuf_init(&w, buf, cap);
	ospf_lsa_hdr_put(&w, &h);
	ospf_rtr_body_put(&w, 0, l, 2);
	dp_put_u16(buf + 18, (uint16_t)w.len);
	ospf_lsa_csum_set(buf, w.len);
	return w.len;
}

/* Takes the engine's only neighbour as far as `depth` asks. */
static void drive(struct ospf_eng *e, struct harness *h, uint64_t *now, int depth)
{
	uint8_t pkt[512], lsa[128];
	struct dbd_arg d;
	size_t n;

	if (depth == 0)
		return;
	n = build(pkt, sizeof(pkt), OSPF_T_HELLO, hello_body, NULL);
	feed(e, *now, pkt, n);
	*now += 100;
	n = build(pkt, sizeof(pkt), OSPF_T_HELLO, hello_body, (void *)1);
	feed(e, *now, pkt, n);
	if (depth == 1)
		return;
	peer_lsa(lsa, sizeof(lsa));
	d = (struct dbd_arg){ 0, h->last_dbd_seq, lsa };
	n = build(pkt, sizeof(pkt), OSPF_T_DBD, dbd_body, &d);
	feed(e, *now, pkt, n);
	d = (struct dbd_arg){ 0, h->last_dbd_seq, NULL };
	n = build(pkt, sizeof(pkt), OSPF_T_DBD, dbd_body, &d);
	feed(e, *now, pkt, n);
	n = build(pkt, sizeof(pkt), OSPF_T_LSU, lsu_body, lsa);
	feed(e, *now, pkt, n);
	*now += 10;
	ospf_eng_tick(e, *now);
}

/* Makes a fuzzed packet pass the header checks (and its LSAs theirs, and
 * with authentication the digest); returns its length then. */
static size_t repair(struct harness *h, uint8_t *p, size_t len, bool lsas)
{
	if (len < OSPF_HDR_LEN)
		return len;
	p[0] = OSPF_VERSION;
	p[1] = (uint8_t)(p[1] % OSPF_T_MAX + 1);
	dp_put_u16(p + 2, (uint16_t)len);
	dp_put_u32(p + 4, PEER);
	dp_put_u32(p + 8, 0);
	dp_put_u16(p + 14, 0);
	if (lsas && p[1] == OSPF_T_LSU && len >= OSPF_HDR_LEN + 4) {
		size_t off = OSPF_HDR_LEN + 4;

		while (len - off >= OSPF_LSA_HDR_LEN) {
			size_t l = dp_get_u16(p + off + 18);

			if (l < OSPF_LSA_HDR_LEN || l > len - off)
				break;
			ospf_lsa_csum_set(p + off, l);
			off += l;
		}
	}
	dp_put_u16(p + 12, 0);
	dp_put_u16(p + 12, ospf_pkt_csum(p, len));
	/* a replay one time in four: the byte that held the sequence number */
	return sign(h, p, len, (p[20] & 3) ? ++h->seq : h->seq - 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rte_log_set_level(mgw_logtype_ospf, RTE_LOG_EMERG);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ospf_prefix vip = { 0x0aff0001u, 32, 10 };
	struct harness h = { 0 };
	struct ospf_conf c = { 0 };
	struct ospf_eng *e;
	uint64_t now = 1000;
	uint8_t flags, *buf;
	size_t off = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	the_harness = &h;
	c.router_id = ME;
	c.n_ifaces = 1;
	strcpy(c.ifaces[0].ifname, "fz0");
	c.ifaces[0].addr = ME;
	c.ifaces[0].plen = 24;
	c.ifaces[0].mtu = 1500;
	c.ifaces[0].type = (flags & 1) ? OSPF_IF_BCAST : OSPF_IF_PTP;
	c.ifaces[0].hello_s = 1;
	c.ifaces[0].dead_s = 3;
	c.ifaces[0].cost = 10;
	if (flags & 128) {
		h.auth = (size & 1) ? OSPF_AUTH_MD5 : OSPF_AUTH_HMAC_SHA256;
		h.seq = 1000;
		c.ifaces[0].auth = h.auth;
		c.ifaces[0].key_id = FZ_KEY_ID;
		c.ifaces[0].key_len = (uint8_t)strlen(FZ_KEY);
		memcpy(c.ifaces[0].key, FZ_KEY, strlen(FZ_KEY));
		c.auth_seq0 = 77;
	}
	if (ospf_eng_create(&c, cb, &h, 1, &e))
		return 0;
	ospf_eng_announce(e, now, &vip, 1);
	ospf_eng_start(e, now);
	drive(e, &h, &now, (flags >> 1) % 3);

	buf = malloc(OSPF_MAX_PKT + 64 + OSPF_AUTH_MAX_DIGEST);
	while (buf && size - off >= 2) {
		size_t len = dp_get_u16(data + off);
		struct ospf_pkt p;
		enum ospf_drop why;

		off += 2;
		if (len > size - off)
			len = size - off;
		memcpy(buf, data + off, len);
		off += len;
		if (flags & 8) {
			size_t ip = len >= 20 && (flags & 4) ? 20 : 0;

			len = ip + repair(&h, buf + ip, len - ip, flags & 16);
			if (ip && h.auth)
				dp_put_u16(buf + 2, (uint16_t)len);   /* the digest too */
		}
		if (flags & 4)
			ospf_eng_input_ip(e, now, 0, buf, len);
		else
			ospf_eng_input(e, now, 0, PEER_IP,
				       (flags & 32) ? ME : OSPF_ALL_SPF, buf, len);
		if (!ospf_pkt_decode(buf, len, &p, &why)) {
			uint8_t out[OSPF_MAX_PKT];
			struct ospf_wbuf w;

			ospf_wbuf_init(&w, out, sizeof(out));
			ospf_pkt_reencode(&p, &w);
		}
		if (off < size)
			now += (uint64_t)data[off++] * 37;
		ospf_eng_tick(e, now);
	}
	if (flags & 64) {
		json_t *j;

		if (!ospf_eng_status_json(e, now, &j))
			json_decref(j);
		ospf_eng_flush(e, now);
		ospf_eng_goodbye(e, now);
	}
	free(buf);
	ospf_eng_destroy(e);
	return 0;
}
