/* Helpers shared by the BGP unit tests: the BGP messages of a pcap, and a
 * fake shell (struct bgp_eng_ops) that records what the engine sends. */
#ifndef TEST_BGP_UTIL_H
#define TEST_BGP_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ospf/bgp_int.h"

/* where `make` runs the tests from: the worktree root */
#define TB_PCAP "../shared/ref/routing/bgp-n2.pcap"

#define TB_MAX_MSGS 32
struct tb_msg {
	uint32_t src;		/* IPv4 source, host order */
	size_t len;
	uint8_t b[BGP_MAX_MSG];
};

static inline uint32_t tb_le32(const uint8_t *p, int swap)
{
	return swap ? dp_get_u32(p) :
	       (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The BGP messages carried in an Ethernet/IPv4/TCP pcap, in capture
 * order. Each direction's TCP payload is a stream, reassembled by sequence
 * number and split on the BGP header's length. Fails the test if the file
 * is missing or unreadable. */
static inline unsigned tb_pcap_messages(const char *path, struct tb_msg *out, unsigned max)
{
	struct stream {
		uint32_t src, dst;
		uint16_t sport, dport;
		uint32_t next_seq;
		int started;
		size_t len;
		uint8_t buf[16384];
	} st[4];
	unsigned n_st = 0, n = 0, i;
	uint8_t gh[24], rh[16], pkt[65536];
	FILE *f = fopen(path, "rb");
	int swap = 0;

	if (!f)
		fail_msg("cannot open %s (the reference capture must exist): %s",
			 path, strerror(errno));
	memset(st, 0, sizeof(st));
	assert_int_equal(fread(gh, 1, 24, f), 24);
	if (dp_get_u32(gh) == 0xd4c3b2a1 || dp_get_u32(gh) == 0x4d3cb2a1)
		swap = 0;	/* little-endian file */
	else if (dp_get_u32(gh) == 0xa1b2c3d4 || dp_get_u32(gh) == 0xa1b23c4d)
		swap = 1;
	else
		fail_msg("%s: not a pcap file", path);
	assert_int_equal(tb_le32(gh + 20, swap), 1);	/* Ethernet */

	while (fread(rh, 1, 16, f) == 16) {
		uint32_t caplen = tb_le32(rh + 8, swap), src, dst, seq;
		size_t ihl, thl, off, plen, tot;
		uint16_t sport, dport;
		struct stream *s = NULL;

		assert_true(caplen <= sizeof(pkt));
		assert_int_equal(fread(pkt, 1, caplen, f), caplen);
		if (caplen < 14 + 20 || dp_get_u16(pkt + 12) != 0x0800)
			continue;
		ihl = (size_t)(pkt[14] & 0x0f) * 4;
		tot = dp_get_u16(pkt + 16);
		if (pkt[23] != 6 || caplen < 14 + ihl + 20 || tot > caplen - 14)
			continue;
		src = dp_get_u32(pkt + 26);
		dst = dp_get_u32(pkt + 30);
		off = 14 + ihl;
		sport = dp_get_u16(pkt + off);
		dport = dp_get_u16(pkt + off + 2);
		seq = dp_get_u32(pkt + off + 4);
		thl = (size_t)(pkt[off + 12] >> 4) * 4;
		plen = tot - ihl - thl;
		off += thl;
		for (i = 0; i < n_st; i++)
			if (st[i].src == src && st[i].dst == dst && st[i].sport == sport &&
			    st[i].dport == dport)
				s = &st[i];
		if (!s) {
			assert_true(n_st < 4);
			s = &st[n_st++];
			s->src = src, s->dst = dst, s->sport = sport, s->dport = dport;
		}
		if (!plen)
			continue;
		if (s->started && seq != s->next_seq)
			continue;	/* retransmission or gap: not in this capture */
		s->started = 1;
		s->next_seq = seq + (uint32_t)plen;
		assert_true(s->len + plen <= sizeof(s->buf));
		memcpy(s->buf + s->len, pkt + off, plen);
		s->len += plen;
		/* whole messages leave the stream in order */
		while (s->len >= BGP_HDR_LEN && s->len >= dp_get_u16(s->buf + 16)) {
			size_t ml = dp_get_u16(s->buf + 16);

			assert_true(ml >= BGP_HDR_LEN && n < max);
			out[n].src = src;
			out[n].len = ml;
			memcpy(out[n].b, s->buf, ml);
			n++;
			memmove(s->buf, s->buf + ml, s->len - ml);
			s->len -= ml;
		}
	}
	fclose(f);
	return n;
}

/* ---- a fake shell ------------------------------------------------------------ */

#define TB_CONNS 32
struct tb_conn {
	bool open;
	bool outgoing;
	unsigned peer;
	size_t len, rd;		/* bytes sent by the engine; read cursor */
	uint8_t out[1 << 17];
};

struct tb_shell {
	int next_cid;
	int connect_rc;		/* < 0: connect() fails with it */
	int send_rc;
	unsigned n_connects, n_closes;
	uint64_t connect_at[64];
	struct bgp_eng *e;
	struct tb_conn c[TB_CONNS];
};

static inline int tb_connect(void *ctx, unsigned peer, uint32_t addr, uint16_t port)
{
	struct tb_shell *s = ctx;
	int cid;

	(void)addr;
	(void)port;
	if (s->n_connects < 64)
		s->connect_at[s->n_connects] = s->e ? s->e->now : 0;
	s->n_connects++;
	if (s->connect_rc < 0)
		return s->connect_rc;
	cid = s->next_cid++;
	assert_true(cid < TB_CONNS);
	s->c[cid].open = true;
	s->c[cid].outgoing = true;
	s->c[cid].peer = peer;
	return cid;
}

static inline int tb_send(void *ctx, int cid, const uint8_t *buf, size_t len)
{
	struct tb_shell *s = ctx;

	assert_true(cid >= 0 && cid < TB_CONNS && s->c[cid].open);
	if (s->send_rc < 0)
		return s->send_rc;
	assert_true(s->c[cid].len + len <= sizeof(s->c[cid].out));
	memcpy(s->c[cid].out + s->c[cid].len, buf, len);
	s->c[cid].len += len;
	return 0;
}

static inline void tb_close(void *ctx, int cid)
{
	struct tb_shell *s = ctx;

	assert_true(cid >= 0 && cid < TB_CONNS);
	assert_true(s->c[cid].open);	/* released exactly once */
	s->c[cid].open = false;
	s->n_closes++;
}

static const struct bgp_eng_ops tb_ops __attribute__((unused)) = {
	.connect = tb_connect,
	.send = tb_send,
	.close = tb_close,
};

/* An incoming connection gets the next cid. */
static inline int tb_new_incoming(struct tb_shell *s)
{
	int cid = s->next_cid++;

	assert_true(cid < TB_CONNS);
	s->c[cid].open = true;
	s->c[cid].outgoing = false;
	return cid;
}

/* Next message the engine sent on cid: its length (0 if none); copies it
 * into buf. */
static inline size_t tb_next(struct tb_shell *s, int cid, uint8_t *buf)
{
	struct tb_conn *c = &s->c[cid];
	size_t ml;

	if (c->len - c->rd < BGP_HDR_LEN)
		return 0;
	ml = dp_get_u16(c->out + c->rd + 16);
	assert_true(ml >= BGP_HDR_LEN && c->rd + ml <= c->len);
	memcpy(buf, c->out + c->rd, ml);
	c->rd += ml;
	return ml;
}

/* Skips to the last message sent on cid; its type, or 0. */
static inline uint8_t tb_last(struct tb_shell *s, int cid, uint8_t *buf, size_t *len)
{
	uint8_t m[BGP_MAX_MSG];
	size_t l, last = 0;

	while ((l = tb_next(s, cid, m))) {
		memcpy(buf, m, l);
		last = l;
	}
	if (len)
		*len = last;
	return last ? buf[18] : 0;
}

/* Drops what was sent so far on cid. */
static inline void tb_drain(struct tb_shell *s, int cid)
{
	s->c[cid].rd = s->c[cid].len;
}

/* Is the last message on cid a NOTIFICATION code/sub? */
static inline void tb_expect_notif(struct tb_shell *s, int cid, int code, int sub)
{
	uint8_t m[BGP_MAX_MSG];
	size_t len;
	uint8_t t = tb_last(s, cid, m, &len);

	if (t != BGP_MSG_NOTIFICATION)
		fail_msg("expected NOTIFICATION %d/%d, last message sent is type %u",
			 code, sub, t);
	if (m[19] != code || m[20] != sub)
		fail_msg("expected NOTIFICATION %d/%d, got %u/%u", code, sub, m[19], m[20]);
}

/* Transitions are logged at INFO: too chatty for hundreds of sessions */
static inline void tb_quiet(void)
{
	rte_log_set_level(mgw_logtype_bgp, RTE_LOG_ERR);
}

static inline uint32_t tb_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

/* The pcap's node (n2) and router (r) */
#define TB_N2 tb_ip(10, 201, 2, 2)
#define TB_R  tb_ip(10, 201, 2, 1)

/* Config of a node like n2 talking to r, AS 65001 -> 65000, hold 3. */
static inline void tb_conf(struct bgp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->local_as = 65001;
	c->router_id = TB_N2;
	c->hold_s = 3;
	c->n_peers = 1;
	c->peers[0].addr = TB_R;
	c->peers[0].as = 65000;
}

/* An OPEN from a peer; caps: MP IPv4 unicast and 4-octet AS when as4 */
static inline size_t tb_open(uint8_t *buf, uint32_t as, uint16_t hold, uint32_t id,
			     bool caps)
{
	uint8_t mp[4] = { 0, 1, 0, 1 }, a4[4];
	struct bgp_open o = {
		.version = 4,
		.my_as = as > 0xffff ? BGP_AS_TRANS : (uint16_t)as,
		.hold_s = hold,
		.id = id,
	};
	int n;

	dp_put_u32(a4, as);
	if (caps) {
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_MP, 4, mp };
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_AS4, 4, a4 };
	}
	n = bgp_msg_open_encode(buf, BGP_MAX_MSG, &o);
	assert_true(n > 0);
	return (size_t)n;
}

static inline size_t tb_keepalive(uint8_t *buf)
{
	return (size_t)bgp_msg_keepalive_encode(buf, BGP_HDR_LEN);
}

/* A fresh engine with the fake shell (started or not). */
static inline struct bgp_eng *tb_engine(struct tb_shell *s, const struct bgp_conf *c,
					uint64_t now, bool start)
{
	struct bgp_eng *e;

	memset(s, 0, sizeof(*s));
	assert_int_equal(bgp_eng_create(c, &tb_ops, s, &e), 0);
	s->e = e;
	if (start)
		bgp_eng_start(e, now);
	return e;
}

/* Started, connected (cid 0), peer's OPEN and KEEPALIVE in: Established.
 * Leaves the messages the engine sent unread. */
static inline void tb_establish(struct tb_shell *s, struct bgp_eng *e, uint64_t now,
				uint16_t peer_hold, bool peer_caps)
{
	uint8_t m[BGP_MAX_MSG];
	size_t n;
	const struct bgp_peer_conf *pc = &e->conf.peers[0];

	(void)s;
	bgp_eng_connected(e, 0, e->conf.local_addr ? e->conf.local_addr : TB_N2, now);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENSENT);
	n = tb_open(m, pc->as, peer_hold, TB_R, peer_caps);
	bgp_eng_input(e, 0, m, n, now);
	assert_int_equal(e->peers[0].state, BGP_ST_OPENCONFIRM);
	n = tb_keepalive(m);
	bgp_eng_input(e, 0, m, n, now);
	assert_int_equal(e->peers[0].state, BGP_ST_ESTABLISHED);
}

#endif
