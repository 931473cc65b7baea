/* libFuzzer target: the BGP decoders, and the engine fed untrusted bytes.
 *
 * Built and run by `make fuzz` (build/fuzz/fuzz_bgp, FUZZ_SECONDS) with the
 * rest of the targets; alone: make build/fuzz/fuzz_bgp, then
 *   build/fuzz/fuzz_bgp -max_total_time=60 -max_len=9000 build/fuzz/corpus-fuzz_bgp
 *
 * The first byte picks where the rest goes: straight into the decoders, or
 * into a session in OpenSent or Established, whole or in pieces whose sizes
 * come from the input itself; timers run in between.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/bgp_int.h"

struct fz_shell {
	int next_cid;
	int open[64];
	size_t sent;
};

static int fz_connect(void *ctx, unsigned peer, uint32_t addr, uint16_t port)
{
	struct fz_shell *s = ctx;

	(void)peer, (void)addr, (void)port;
	if (s->next_cid >= 64)
		return -EMFILE;
	s->open[s->next_cid] = 1;
	return s->next_cid++;
}

static int fz_send(void *ctx, int cid, const uint8_t *buf, size_t len)
{
	struct fz_shell *s = ctx;

	if (cid < 0 || cid >= 64 || !s->open[cid] || len < BGP_HDR_LEN || len > BGP_MAX_MSG)
		abort();	/* the engine wrote on a connection it does not own */
	s->sent += len + buf[len - 1];	/* touch the whole message */
	return 0;
}

static void fz_close(void *ctx, int cid)
{
	struct fz_shell *s = ctx;

	if (cid < 0 || cid >= 64 || !s->open[cid])
		abort();	/* closed twice, or never opened */
	s->open[cid] = 0;
}

static const struct bgp_eng_ops fz_ops = { fz_connect, fz_send, fz_close };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	rte_log_set_level(mgw_logtype_bgp, RTE_LOG_EMERG);
	return 0;
}

static void decoders(const uint8_t *d, size_t n)
{
	uint8_t out[BGP_MAX_MSG];
	struct bgp_hdr h;
	struct bgp_err err;
	struct bgp_open o;
	struct bgp_update u;
	struct bgp_notif nt;
	struct bgp_prefix p;
	size_t off;

	if (bgp_msg_hdr_decode(d, n, &h, &err) == 0 && h.len <= n)
		n = h.len;
	if (bgp_msg_open_decode(d, n, &o, &err) == 0)
		bgp_msg_open_encode(out, sizeof(out), &o);
	if (bgp_msg_update_decode(d, n, true, &u, &err) == 0) {
		for (off = 0; bgp_msg_prefix_next(u.wd, u.wd_len, false, &off, &p);)
			;
		for (off = 0; bgp_msg_prefix_next(u.nlri, u.nlri_len, false, &off, &p);)
			;
	}
	bgp_msg_update_decode(d, n, false, &u, &err);
	/* RFC 7606's verdicts are consistent with what they list */
	if (bgp_msg_update_decode(d, n, BGP_UPD_AS4 | BGP_UPD_EBGP, &u, &err) == 0) {
		if (u.verdict > BGP_UPD_TREAT_AS_WITHDRAW || (u.verdict == BGP_UPD_OK) != !u.reasons ||
		    (u.verdict == BGP_UPD_ATTR_DISCARD && !u.n_discarded) ||
		    u.reasons >> BGP_7606_MAX)
			abort();
	}
	bgp_msg_notif_decode(d, n, &nt);
}

/* A peer's OPEN and KEEPALIVE, to reach Established. */
static size_t peer_hello(uint8_t *b, bool caps)
{
	static const uint8_t open_caps[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 45, 1, 4, 0xfd, 0xe8, 0, 3, 10, 0, 0, 1, 16,
		2, 14, 1, 4, 0, 1, 0, 1, 65, 4, 0, 0, 0xfd, 0xe8, 70, 0,
	};
	size_t n = sizeof(open_caps);

	memcpy(b, open_caps, n);
	if (!caps) {
		b[17] = 29;
		b[28] = 0;
		n = 29;
	}
	memset(b + n, 0xff, 16);
	b[n + 16] = 0;
	b[n + 17] = 19;
	b[n + 18] = BGP_MSG_KEEPALIVE;
	return n + 19;
}

static void session(const uint8_t *d, size_t n, uint8_t mode)
{
	static const struct bgp_prefix vips[3] = {
		{ .addr = 0x0aff0001, .plen = 32, .med = 0 }, { .addr = 0x0aff0002, .plen = 32, .med = 10 }, { .addr = 0x0a010000, .plen = 16, .med = 5 },
	};
	struct fz_shell s = { 0 };
	struct bgp_conf c = {
		.local_as = (mode & 8) ? 4200000001u : 65001,
		.router_id = 0x0a000002,
		.hold_s = 3,
		.n_peers = 1,
		.peers = { { .addr = 0x0a000001, .as = (mode & 16) ? 65001 : 65000,
			     .flags = (mode & 32) ? BGP_PEER_NO_CAPS : 0 } },
	};
	uint8_t hello[128];
	struct bgp_eng *e;
	uint64_t now = 1000;
	size_t off = 0;
	int cid = 0;

	if (bgp_eng_create(&c, &fz_ops, &s, &e))
		abort();
	bgp_eng_announce(e, vips, 3, now);
	bgp_eng_start(e, now);
	if (mode & 64) {
		/* come in through the passive side instead: a collision */
		bgp_eng_connected(e, 0, 0x0a000002, now);
		cid = s.next_cid++;
		s.open[cid] = 1;
		bgp_eng_accept(e, cid, 0x0a000001, 0x0a000002, now);
	} else {
		bgp_eng_connected(e, 0, 0x0a000002, now);
	}
	if (mode & 1) {
		size_t h = peer_hello(hello, !(mode & 4));

		uint8_t as_lo = (mode & 16) ? 0xe9 : 0xe8;	/* the config's peer AS */

		hello[21] = as_lo;
		if (!(mode & 4))
			hello[42] = as_lo;
		if (mode & 64)
			hello[27] = 3;	/* higher id than ours: the collision goes its way */
		bgp_eng_input(e, cid, hello, h, now);
	}
	while (off < n) {
		size_t chunk = n - off;

		if (mode & 2) {
			/* piece sizes from the data: splits land everywhere */
			chunk = (size_t)d[off] % 64 + 1;
			if (chunk > n - off)
				chunk = n - off;
		}
		bgp_eng_input(e, cid, d + off, chunk, now);
		off += chunk;
		now += 700;
		bgp_eng_tick(e, now);
		if ((mode & 128) && off > n / 2)
			bgp_eng_announce(e, vips, (unsigned)(off % 4), now);
	}
	bgp_eng_tick(e, now + 10000);
	{
		json_t *j;

		if (bgp_eng_status_json(e, now, &j) == 0)
			json_decref(j);
	}
	bgp_eng_stop(e, now);
	bgp_eng_destroy(e);
	for (cid = 0; cid < 64; cid++)
		if (s.open[cid])
			abort();	/* a connection was never released */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	decoders(data + 1, size - 1);
	session(data + 1, size - 1, data[0]);
	return 0;
}
