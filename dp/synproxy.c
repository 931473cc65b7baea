/* dp/synproxy.c — the SYN proxy: mgw answers a service's SYNs itself with
 * a cookie (dp/cookie.h) and makes no session, no server connection, until
 * the client's ACK proves the cookie (Alibaba LVS's synproxy, DPVS's).
 *
 *   client SYN         → SYN-ACK, ISN = cookie (MSS class, window scale,
 *                        SACK-permitted, timestamps kept in it); nothing
 *                        remembered
 *   client ACK, no     → cookie checked (forged, expired, replayed:
 *   session              refused, counted); the session made on this
 *                        lcore with a LIP:lport it owns; mgw's SYN to the
 *                        server with the client's ISN and options; the
 *                        ACK itself held (it becomes the handshake's ACK)
 *   client data before → held (bounded per lcore) until the server's
 *   the server's         SYN-ACK, or counted and dropped (the client
 *   SYN-ACK              retransmits)
 *   server SYN-ACK     → the offsets of the session's life set (dp/seq.h:
 *                        seq_out, ts_delta, window scales), a sync record
 *                        at once, the held segments sent on translated (or
 *                        an ACK of ours when none was held); the SYN-ACK
 *                        itself never reaches the client
 *   server RST         → to the client, in its sequence space
 *   no answer          → at the session's SYN timeout the client gets a
 *                        RST
 * The server's SYN-ACK reaches this lcore: it is addressed to the LIP:lport
 * the session took, which this lcore owns. A cookie ACK carrying data may
 * be a packet of a session another lcore made (its flow's packets reached
 * two queues): it is passed round first, and the last lcore makes the
 * session if nobody had it.
 * An IPv6 VIP's are the same in IPv6's form, each segment built once for
 * both families (put_seg over struct sp_ends): the SYN-ACK and the RST go
 * to the v6 client from the VIP, the cookie covers both full addresses,
 * the SYN to the server leaves from a v6 local IP — or, NAT64, as IPv4
 * from an IPv4 one — and what comes back takes the session's way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "dp/csum.h"
#include "dp/dp_int.h"
#include "dp/proxy.h"
#include "dp/reply.h"
#include "dp/seq.h"
#include "dp/toa.h"

/* The window scale mgw's SYN-ACK offers (what Linux picks for its default
 * buffers); the server's own is translated to it for the session's life. */
#define SP_WSCALE        7
/* The SYN-ACK's window, in segments: what a client may send before its
 * server has answered (and is held meanwhile). */
#define SP_SYNACK_SEGS   4
#define SP_SEG_MAX       (DP_ETH_HLEN + DP_IP6_HLEN + 20 + DP_TCP_MAX_OPT)

static const struct dp_sp_keys *keys_of(const struct dp_lcore *lc)
{
	return __atomic_load_n(&lc->dp->sp_keys, __ATOMIC_ACQUIRE);
}

/* The cluster's wall clock in ms (cookies' slots, our TSvals). */
static uint64_t wall_ms(const struct dp_lcore *lc, const struct dp_sp_keys *k)
{
	return (uint64_t)((int64_t)(lc->now_tsc / lc->tsc_per_ms) + k->wall_off_ms);
}

static struct dp_svc_stats *svc_st(struct dp_lcore *lc, uint32_t svc_id)
{
	return &lc->svc[svc_id];
}

/* Options of a SYN or SYN-ACK mgw writes, in Linux's order. ws 15: none. */
static uint32_t put_opts(uint8_t *o, uint16_t mss, uint8_t ws, bool sackok, bool ts,
			 uint32_t tsval, uint32_t tsecr, const uint8_t *toa, uint32_t toa_len)
{
	uint32_t n = 0;

	if (mss) {
		o[n] = DP_TCPOPT_MSS;
		o[n + 1] = 4;
		dp_put_u16(o + n + 2, mss);
		n += 4;
	}
	if (ts) {
		o[n] = sackok ? DP_TCPOPT_SACKOK : DP_TCPOPT_NOP;
		o[n + 1] = sackok ? 2 : DP_TCPOPT_NOP;
		o[n + 2] = DP_TCPOPT_TS;
		o[n + 3] = 10;
		dp_put_u32(o + n + 4, tsval);
		dp_put_u32(o + n + 8, tsecr);
		n += 12;
	} else if (sackok) {
		o[n] = o[n + 1] = DP_TCPOPT_NOP;
		o[n + 2] = DP_TCPOPT_SACKOK;
		o[n + 3] = 2;
		n += 4;
	}
	if (ws != DP_COOKIE_NO_WS) {
		o[n] = DP_TCPOPT_NOP;
		o[n + 1] = DP_TCPOPT_WS;
		o[n + 2] = 3;
		o[n + 3] = ws;
		n += 4;
	}
	if (toa) {
		memcpy(o + n, toa, toa_len);
		n += toa_len;
	}
	return n;
}

/* The two ends of a segment mgw writes, in one shape for both families:
 * 16-byte addresses, IPv4 ones mapped (::ffff:a.b.c.d) — as the cookie
 * takes them, and as a NAT64 session keeps its IPv4 side. */
struct sp_ends {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* IPv6 unless both ends are mapped IPv4 (a v6 packet's VIP never is;
 * a client's mapped source is no IPv4 host to answer). */
static bool ends_v6(const struct sp_ends *e)
{
	return !dp_ip6_mapped(e->src) || !dp_ip6_mapped(e->dst);
}

static uint32_t ends_ip4(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a + 12, 4);
	return v;
}

/* The packet's ends (client → VIP, as it came). */
static void pkt_ends(const struct dp_pkt *p, struct sp_ends *e)
{
	if (p->a6) {
		memcpy(e->src, p->a6, 16);
		memcpy(e->dst, p->a6 + 16, 16);
	} else {
		dp_ip6_map4(e->src, p->src);
		dp_ip6_map4(e->dst, p->dst);
	}
	e->sport = p->sport;
	e->dport = p->dport;
}

/* Session s's ends: towards the server (LIP → server: a NAT64 session's
 * are IPv4) or from the client (client → VIP). */
static void sess_ends(const struct dp_lcore *lc, const struct dp_sess *s, bool server,
		      struct sp_ends *e)
{
	if (s->flags & DP_SESS_F_V6) {
		const struct dp_sess6 *a = dp_sess6(&lc->sess, s);

		memcpy(e->src, server ? a->l : a->c, 16);
		memcpy(e->dst, server ? a->r : a->v, 16);
	} else {
		dp_ip6_map4(e->src, server ? s->lip : s->cip);
		dp_ip6_map4(e->dst, server ? s->rip : s->vip);
	}
	e->sport = server ? s->lport : s->cport;
	e->dport = server ? s->rport : s->vport;
}

static void ends_flip(struct sp_ends *e)
{
	uint8_t t[16];
	uint16_t port = e->sport;

	memcpy(t, e->src, 16);
	memcpy(e->src, e->dst, 16);
	memcpy(e->dst, t, 16);
	e->sport = e->dport;
	e->dport = port;
}

static void cookie_flow(const struct sp_ends *e, uint32_t isn, struct dp_cookie_flow *f)
{
	memcpy(f->saddr, e->src, 16);
	memcpy(f->daddr, e->dst, 16);
	f->sport = e->sport;
	f->dport = e->dport;
	f->isn = isn;
}

/* The IP header's length for ends of this family. */
static uint32_t ip_hlen(const struct sp_ends *e)
{
	return ends_v6(e) ? DP_IP6_HLEN : 20;
}

/* A whole TCP frame between e's ends, IPv4 or IPv6 (MACs left to the
 * sender); its length. The TCP part and its checksum are the same for
 * both families but for the pseudo-header's sum. */
static uint32_t put_seg(uint8_t *b, const struct sp_ends *e, uint32_t seq, uint32_t ack,
			uint8_t flags, uint16_t win, const uint8_t *opt, uint32_t olen, uint8_t ttl)
{
	uint32_t hl = ip_hlen(e), tl = 20 + olen, pseudo;
	uint8_t *ip = b + DP_ETH_HLEN, *t = ip + hl;
	uint16_t c;

	memset(b, 0, DP_ETH_HLEN + hl + 20);
	if (hl == DP_IP6_HLEN) {
		dp_put_u16(b + 12, DP_ETH_P_IPV6);
		dp_put_ip6(ip, 0, (uint16_t)tl, DP_IPPROTO_TCP, ttl, e->src, e->dst);
		pseudo = dp_csum_pseudo6(e->src, e->dst, tl, DP_IPPROTO_TCP);
	} else {
		uint8_t ph[12];

		dp_put_u16(b + 12, DP_ETH_P_IPV4);
		ip[0] = 0x45;
		dp_put_u16(ip + 2, (uint16_t)(20 + tl));
		dp_put_u16(ip + 6, 0x4000);
		ip[8] = ttl;
		ip[9] = DP_IPPROTO_TCP;
		memcpy(ip + 12, e->src + 12, 4);
		memcpy(ip + 16, e->dst + 12, 4);
		c = dp_csum(ip, 20);
		memcpy(ip + 10, &c, 2);
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = DP_IPPROTO_TCP;
		dp_put_u16(ph + 10, (uint16_t)tl);
		pseudo = dp_csum_partial(ph, 12, 0);
	}
	memcpy(t, &e->sport, 2);
	memcpy(t + 2, &e->dport, 2);
	dp_put_u32(t + 4, seq);
	dp_put_u32(t + 8, ack);
	t[12] = (uint8_t)(tl / 4 << 4);
	t[13] = flags;
	dp_put_u16(t + 14, win);
	if (olen)
		memcpy(t + 20, opt, olen);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, tl, pseudo));
	memcpy(t + 16, &c, 2);
	return DP_ETH_HLEN + hl + tl;
}

/* A frame mgw wrote, out towards e's destination (no session's route). */
static void xmit_to(struct dp_lcore *lc, struct rte_mbuf *m, const struct sp_ends *e)
{
	if (ends_v6(e))
		dp_xmit_ip6(lc, m, e->dst);
	else
		dp_xmit_ip(lc, m, ends_ip4(e->dst));
}

/* Make m a frame of len bytes that mgw writes (it must fit the mbuf). */
static uint8_t *reuse(struct rte_mbuf *m, uint32_t len)
{
	uint32_t old = rte_pktmbuf_data_len(m);

	if (m->nb_segs != 1 || old + rte_pktmbuf_tailroom(m) < len)
		return NULL;
	if (len > old)
		dp_mbuf_grown(m, old, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

/* The MSS our SYN-ACK offers: the smallest port MTU, less the client's
 * IP and TCP headers and the bytes the service adds to its segment (the
 * PROXY header in front of the first data, TOA). (NAT64's IPv4 side has
 * a smaller header: the client's MSS fits it.) */
static uint16_t offer_mss(const struct dp_lcore *lc, const struct dp_service *svc,
			  const struct dp_pkt *p)
{
	uint32_t mtu = 0, room = 0;

	for (unsigned i = 0; i < lc->dp->n_ports; i++) {
		uint32_t m = lc->dp->port[i].conf.mtu ? lc->dp->port[i].conf.mtu : 1500;

		if (!mtu || m < mtu)
			mtu = m;
	}
	if (!mtu)
		mtu = 1500;
	if (svc->caddr == DP_CADDR_TOA) {
		room = p->a6 ? DP_TOA6_LEN : DP_TOA_LEN;
	} else if ((svc->caddr == DP_CADDR_PROXY_V1 || svc->caddr == DP_CADDR_PROXY_V2) &&
		   !svc->proxy_on_connect) {
		struct dp_proxy_addr a;
		int n;

		if (p->a6)
			dp_proxy_addr6(&a, p->a6, p->sport, p->a6 + 16, p->dport, 0);
		else
			dp_proxy_addr4(&a, p->src, p->sport, p->dst, p->dport, 0);
		n = dp_proxy_len(svc->caddr == DP_CADDR_PROXY_V2 ? 2 : 1, &a);
		room = n > 0 ? (uint32_t)n : 0;
	}
	room += p->a6 ? DP_IP6_HLEN + 20 : 40;
	return (uint16_t)(mtu - room < 536 ? 536 : mtu - room);
}

static void syn_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		   const struct dp_service *svc, const struct dp_sp_keys *k)
{
	const uint8_t *tcp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4, seq = dp_get_u32(tcp + 4), cts = 0;
	struct dp_cookie_flow f;
	struct dp_cookie_opts o;
	struct dp_tcp_opts so;
	struct sp_ends e;
	uint8_t opt[DP_TCP_MAX_OPT], *b;
	uint64_t now = wall_ms(lc, k);
	uint32_t cookie, olen, win;
	uint16_t mss;

	pkt_ends(p, &e);
	cookie_flow(&e, seq, &f);
	dp_seq_opts(tcp, hlen, &so);
	o.mss = dp_cookie_mss_round(so.mss ? dp_get_u16(tcp + so.mss + 2) : 536);
	o.ws = so.ws ? (uint8_t)(tcp[so.ws + 2] > 14 ? 14 : tcp[so.ws + 2]) : DP_COOKIE_NO_WS;
	o.sackok = so.sackok != 0;
	o.ts = so.ts != 0;
	if (so.ts)
		cts = dp_get_u32(tcp + so.ts + 2);
	cookie = dp_cookie_make(&k->ring.cur, now, &f, &o, (uint32_t)now);
	mss = offer_mss(lc, svc, p);
	win = (uint32_t)mss * SP_SYNACK_SEGS;
	olen = put_opts(opt, mss, o.ws != DP_COOKIE_NO_WS ? SP_WSCALE : DP_COOKIE_NO_WS, o.sackok,
			o.ts, (uint32_t)now, cts, NULL, 0);
	/* (e is a copy: the SYN's own bytes are overwritten) */
	ends_flip(&e);
	b = reuse(m, DP_ETH_HLEN + ip_hlen(&e) + 20 + olen);
	if (!b) {
		svc_st(lc, svc->id)->sp_dropped++;
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return;
	}
	put_seg(b, &e, cookie, seq + 1, DP_TCP_SYN | DP_TCP_ACK,
		(uint16_t)(win > 0xffff ? 0xffff : win), opt, olen, DP_ORIGIN_TTL);
	svc_st(lc, svc->id)->sp_cookies_sent++;
	xmit_to(lc, m, &e);
}

static void hold(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s)
{
	struct dp_lcore_sp *sp = &lc->sp;

	if (sp->n_hold == DP_SP_HOLD_MAX) {
		svc_st(lc, s->svc_id)->sp_hold_full++;
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return;
	}
	sp->hold[sp->n_hold].m = m;
	sp->hold[sp->n_hold].sidx = dp_sess_index(&lc->sess, s);
	sp->n_hold++;
	svc_st(lc, s->svc_id)->sp_held++;
}

/* Take s's held packets out, in arrival order: up to DP_SP_HOLD_MAX. */
static unsigned unhold(struct dp_lcore *lc, const struct dp_sess *s, struct rte_mbuf **out)
{
	struct dp_lcore_sp *sp = &lc->sp;
	uint32_t idx = dp_sess_index(&lc->sess, s);
	unsigned n = 0, k = 0;

	for (unsigned i = 0; i < sp->n_hold; i++) {
		if (sp->hold[i].sidx == idx)
			out[n++] = sp->hold[i].m;
		else
			sp->hold[k++] = sp->hold[i];
	}
	sp->n_hold = (uint16_t)k;
	return n;
}

/* mgw's SYN to the server: the client's ISN and options (as the cookie
 * kept them), its TSval, TOA when the service wants it. */
static bool syn_out(struct dp_lcore *lc, struct dp_sess *s, const struct dp_cookie_opts *o,
		    uint16_t cwin, bool has_ts, uint32_t cts, bool toa)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint8_t opt[DP_TCP_MAX_OPT], t[DP_TOA6_LEN], *b;
	struct dp_pkt fp;
	struct sp_ends e;
	uint32_t olen, tlen = 0, win = cwin;

	if (!m || rte_pktmbuf_tailroom(m) < SP_SEG_MAX) {
		if (m)
			rte_pktmbuf_free(m);
		lc->stats.drops[DP_DROP_NO_MBUF]++;
		return false;
	}
	if (toa)
		tlen = dp_sess_toa(lc, s, t);
	olen = put_opts(opt, o->mss, o->ws, o->sackok, o->ts && has_ts, cts, 0, toa ? t : NULL,
			tlen);
	/* a SYN's window is never scaled */
	if (o->ws != DP_COOKIE_NO_WS)
		win = cwin << o->ws;
	sess_ends(lc, s, true, &e);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_ETH_HLEN + ip_hlen(&e) + 20 + olen));
	put_seg(b, &e, x->isn - 1, 0, DP_TCP_SYN, (uint16_t)(win > 0xffff ? 0xffff : win), opt,
		olen, DP_ORIGIN_TTL - 1);
	if (toa)
		svc_st(lc, s->svc_id)->toa_added++;
	memset(&fp, 0, sizeof(fp));
	fp.proto = DP_IPPROTO_TCP;
	fp.tcp_flags = DP_TCP_SYN;
	fp.l3_off = DP_ETH_HLEN;
	/* the segment just built (window tracking reads it) */
	fp.l4_off = (uint16_t)(DP_ETH_HLEN + ip_hlen(&e));
	fp.l4_len = (uint16_t)(20 + olen);
	if (!dp_sess_track(lc, s, m, &fp, DP_DIR_IN))
		return true;
	if (ends_v6(&e))
		dp_xmit_sess6(lc, m, s, DP_DIR_IN, dp_sess6(&lc->sess, s)->r);
	else
		dp_xmit_sess(lc, m, s, DP_DIR_IN, s->rip);
	return true;
}

static void ack_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		   const struct dp_service *svc, const struct dp_sp_keys *k, bool redirected)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *tcp = frame + p->l4_off;
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4, pay = p->l4_len - hlen;
	uint32_t seq = dp_get_u32(tcp + 4), ack = dp_get_u32(tcp + 8), cts = 0, tsecr = 0;
	struct dp_cookie_flow f;
	struct dp_sp_open sp;
	struct dp_tcp_opts so;
	uint64_t now = wall_ms(lc, k);
	struct dp_sess *s;
	enum dp_drop why;
	struct sp_ends e;
	int rc;

	pkt_ends(p, &e);
	cookie_flow(&e, seq - 1, &f);
	dp_seq_opts(tcp, hlen, &so);
	if (so.ts) {
		cts = dp_get_u32(tcp + so.ts + 2);
		tsecr = dp_get_u32(tcp + so.ts + 6);
	}
	rc = dp_cookie_ring_check(&k->ring, now, &f, ack - 1, so.ts != 0, tsecr, &sp.o);
	if (rc < 0) {
		/* maybe a packet of a session another lcore holds */
		if (!dp_miss_pass(lc, m, m->port, redirected)) {
			svc_st(lc, svc->id)->sp_cookies_bad++;
			dp_drop(lc, m, DP_DROP_SYNPROXY);
		}
		return;
	}
	if ((pay || (p->tcp_flags & DP_TCP_FIN)) && dp_miss_pass(lc, m, m->port, redirected))
		return;
	if (dp_cookie_seen_check(&lc->sp.seen, &f, ack - 1, now)) {
		svc_st(lc, svc->id)->sp_replayed++;
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return;
	}
	sp.cookie = ack - 1;
	sp.tsval = tsecr;
	s = dp_sess_open(lc, svc, frame, p, &sp, &why);
	if (!s) {
		if (why == DP_DROP_NO_SERVER)
			dp_reply_refuse(lc, m, p);   /* a RST at the client's ack: cookie + 1 */
		else
			dp_drop(lc, m, why);
		return;
	}
	svc_st(lc, svc->id)->sp_cookies_ok++;
	if (!syn_out(lc, s, &sp.o, dp_get_u16(tcp + 14), so.ts != 0, cts,
		     svc->caddr == DP_CADDR_TOA)) {
		/* the client's next segment proves its cookie again */
		dp_sess_kill(lc, s);
		dp_drop(lc, m, DP_DROP_NO_MBUF);
		return;
	}
	/* the ACK that proved the cookie is the server's handshake ACK too */
	hold(lc, m, s);
}

bool dp_synproxy_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		    const struct dp_service *svc, bool redirected)
{
	const struct dp_sp_keys *k = keys_of(lc);
	uint8_t fl = p->tcp_flags;

	if (!k || svc->fwd != DP_FWD_FULLNAT)
		return false;
	if (p->frag != DP_FRAG_NONE) {
		svc_st(lc, svc->id)->sp_dropped++;
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return true;
	}
	if ((fl & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST | DP_TCP_FIN)) == DP_TCP_SYN) {
		syn_in(lc, m, p, svc, k);
		return true;
	}
	if ((fl & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST)) == DP_TCP_ACK) {
		ack_in(lc, m, p, svc, k, redirected);
		return true;
	}
	return false;   /* RST, SYN+ACK, SYN+FIN...: as without the proxy */
}

bool dp_synproxy_wait_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			 struct dp_sess *s)
{
	uint8_t *tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint8_t fl = tcp[13];

	if (fl & DP_TCP_RST) {
		/* The server has our SYN only: a RST without ACK, at A, is one it
		 * takes (a RST|ACK acking the wrong ISN is not). */
		dp_seq_rewrite(tcp, dp_get_u32(tcp + 4), 0, (uint8_t)(fl & ~DP_TCP_ACK));
		p->tcp_flags = (uint8_t)(fl & ~DP_TCP_ACK);
		return false;
	}
	if (fl & DP_TCP_SYN) {
		svc_st(lc, s->svc_id)->sp_dropped++;
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return true;
	}
	hold(lc, m, s);
	return true;
}

/* The server's SYN-ACK: the offsets for the session's life. */
static void establish(struct dp_lcore *lc, struct dp_sess *s, const uint8_t *tcp, uint32_t hlen)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint32_t cookie = (uint32_t)x->seq_out, tsv0 = (uint32_t)x->ts_delta;
	uint8_t cws = x->wscale;
	uint16_t xf = (uint16_t)(x->xflags & ~(DP_SEQ_X_SP_WAIT | DP_SEQ_X_WIN | DP_SEQ_X_WIN_IN));
	struct dp_tcp_opts o;
	bool client_ws = cws != DP_COOKIE_NO_WS, both;
	unsigned sw, ls, rs;

	dp_seq_opts(tcp, hlen, &o);
	x->seq_out = (int32_t)(cookie - dp_get_u32(tcp + 4));
	if ((xf & DP_SEQ_X_TS) && o.ts) {
		x->ts_delta = (int32_t)(tsv0 - dp_get_u32(tcp + o.ts + 2));
	} else {
		/* no timestamps from the server: the client's go through, ours
		 * stop (nothing to translate) */
		xf &= (uint16_t)~DP_SEQ_X_TS;
		x->ts_delta = 0;
	}
	/* window scaling is on between two ends that both offered it */
	both = client_ws && o.ws;
	sw = o.ws ? (tcp[o.ws + 2] > 14 ? 14 : tcp[o.ws + 2]) : 0;
	ls = both ? sw : 0;
	rs = client_ws ? SP_WSCALE : 0;
	x->wscale = DP_SEQ_WS(ls, rs);
	xf = DP_SEQ_X_SET_INSHIFT(xf, client_ws ? cws : 0);
	if (ls != rs)
		xf |= DP_SEQ_X_WIN;
	if (client_ws && !both && cws)
		xf |= DP_SEQ_X_WIN_IN;   /* the server reads the client's windows unscaled */
	x->xflags = xf;
	dp_sync_note(lc, s);
}

void dp_synproxy_reack(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		       struct dp_sess *s)
{
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	const uint8_t *tcp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4;
	uint32_t ack_c = dp_get_u32(tcp + 4) + 1 + (uint32_t)x->seq_out;
	uint32_t tsv = 0, tse = 0, olen = 0;
	unsigned cws = DP_SEQ_X_INSHIFT(x->xflags);
	uint8_t opt[12], *b;
	struct dp_tcp_opts o;
	struct dp_pkt cp;
	struct dp_pkt6 cp6;
	struct sp_ends e;
	enum dp_drop why;
	uint32_t len;
	int rc;

	dp_seq_opts(tcp, hlen, &o);
	if ((x->xflags & DP_SEQ_X_TS) && o.ts) {
		/* the client's TSval as the server echoes it; the server's as
		 * the client would echo it, in the client's space */
		tsv = dp_get_u32(tcp + o.ts + 6);
		tse = dp_get_u32(tcp + o.ts + 2) + (uint32_t)x->ts_delta;
		olen = put_opts(opt, 0, DP_COOKIE_NO_WS, false, true, tsv, tse, NULL, 0);
	}
	/* An ACK as the client would have sent it, then the client's way
	 * (translation, TOA, an on_connect header, rewrite). Its window: 64 KB
	 * in the client's scale, until the client's own segments say more. */
	sess_ends(lc, s, false, &e);
	len = DP_ETH_HLEN + ip_hlen(&e) + 20 + olen;
	b = reuse(m, len);
	if (!b) {
		dp_drop(lc, m, DP_DROP_SYNPROXY);
		return;
	}
	put_seg(b, &e, x->isn, ack_c, DP_TCP_ACK, (uint16_t)(0xffff >> cws), opt, olen,
		DP_ORIGIN_TTL);
	if (ends_v6(&e)) {
		rc = dp_pkt_parse_ipv6(b, len, DP_ETH_HLEN, &cp6, &why);
		if (rc == 0)
			dp_pkt_from6(b, &cp6, &cp);
	} else {
		rc = dp_pkt_parse_ipv4(b, len, DP_ETH_HLEN, false, &cp, &why);
	}
	if (rc < 0) {
		dp_drop(lc, m, why);
		return;
	}
	dp_fullnat_in(lc, m, &cp, s);
}

bool dp_synproxy_wait_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
			  struct dp_sess *s)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint8_t *tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4;
	uint8_t fl = tcp[13];

	if ((fl & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST)) == (DP_TCP_SYN | DP_TCP_ACK) &&
	    dp_get_u32(tcp + 8) == x->isn) {
		struct rte_mbuf *q[DP_SP_HOLD_MAX];
		unsigned n;

		establish(lc, s, tcp, hlen);
		if (!dp_sess_track(lc, s, m, p, DP_DIR_OUT))
			return true;   /* dropped (and counted) */
		n = unhold(lc, s, q);
		if (!n) {
			dp_synproxy_reack(lc, m, p, s);
			return true;
		}
		rte_pktmbuf_free(m);
		/* the first is the ACK that proved the cookie (or data at A
		 * when that ACK was lost): the server's handshake completes */
		lc->rx_cand = NULL;
		for (unsigned i = 0; i < n; i++)
			dp_input(lc, q[i], q[i]->port, true);
		return true;
	}
	if ((fl & DP_TCP_RST) && (!(fl & DP_TCP_ACK) || dp_get_u32(tcp + 8) == x->isn)) {
		/* refused: the client learns it at the seq it expects */
		struct rte_mbuf *q[DP_SP_HOLD_MAX];
		unsigned n = unhold(lc, s, q);

		for (unsigned i = 0; i < n; i++)
			dp_drop(lc, q[i], DP_DROP_SYNPROXY);
		dp_seq_rewrite(tcp, (uint32_t)x->seq_out + 1, x->isn, DP_TCP_RST | DP_TCP_ACK);
		p->tcp_flags = DP_TCP_RST | DP_TCP_ACK;
		svc_st(lc, s->svc_id)->sp_server_rst++;
		return false;
	}
	svc_st(lc, s->svc_id)->sp_dropped++;
	dp_drop(lc, m, DP_DROP_SYNPROXY);
	return true;
}

void dp_synproxy_gone(struct dp_lcore *lc, struct dp_sess *s, bool expired)
{
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	struct rte_mbuf *q[DP_SP_HOLD_MAX];
	unsigned n;

	if (expired && (x->xflags & DP_SEQ_X_SP_WAIT) && !(s->flags & DP_SESS_F_FOREIGN) &&
	    s->state != DP_TCP_CLOSE) {
		/* the server never answered: the client, which thinks itself
		 * connected, is told */
		struct rte_mbuf *r = rte_pktmbuf_alloc(lc->dp->pool);
		struct sp_ends e;

		sess_ends(lc, s, false, &e);
		ends_flip(&e);
		if (r && rte_pktmbuf_tailroom(r) >= DP_ETH_HLEN + ip_hlen(&e) + 20) {
			uint8_t *b = (uint8_t *)rte_pktmbuf_append(
				r, (uint16_t)(DP_ETH_HLEN + ip_hlen(&e) + 20));

			put_seg(b, &e, (uint32_t)x->seq_out + 1, x->isn, DP_TCP_RST | DP_TCP_ACK, 0,
				NULL, 0, DP_ORIGIN_TTL);
			svc_st(lc, s->svc_id)->sp_timeouts++;
			xmit_to(lc, r, &e);
		} else if (r) {
			rte_pktmbuf_free(r);
		}
	}
	n = unhold(lc, s, q);
	for (unsigned i = 0; i < n; i++)
		dp_drop(lc, q[i], DP_DROP_SYNPROXY);
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A new key ring under master (NULL: the current one's) for the epoch of
 * now, swapped in whole; the lcores drop the old one before it is freed. */
static int install(struct dp *dp, const uint8_t *master)
{
	struct dp_sp_keys *k, *old;
	uint64_t now = real_ms();

	pthread_mutex_lock(&dp->sp_lock);
	old = dp->sp_keys;
	if (!master && (!old || dp_cookie_epoch(now) == old->ring.epoch)) {
		pthread_mutex_unlock(&dp->sp_lock);
		return 0;   /* nothing to rotate: the once-a-second case */
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		pthread_mutex_unlock(&dp->sp_lock);
		return -ENOMEM;
	}
	memcpy(k->master, master ? master : old->master, sizeof(k->master));
	dp_cookie_ring_init(&k->ring, k->master, now);
	k->wall_off_ms = (int64_t)now - (int64_t)(rte_rdtsc() / (dp->tsc_hz / 1000));
	__atomic_store_n(&dp->sp_keys, k, __ATOMIC_RELEASE);
	dp_synchronize(dp);
	pthread_mutex_unlock(&dp->sp_lock);
	if (old)
		explicit_bzero(old, sizeof(*old));
	free(old);
	return 1;
}

int dp_synproxy_set_secret(struct dp *dp, const uint8_t key[32])
{
	int rc = install(dp, key);

	return rc < 0 ? rc : 0;
}

int dp_synproxy_rotate(struct dp *dp)
{
	return install(dp, NULL);
}

void dp_synproxy_free(struct dp *dp)
{
	free(dp->sp_keys);
	dp->sp_keys = NULL;
}
