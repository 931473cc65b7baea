/* dp/xlate.c — sessions that translate (DP_SESS_F_XLATE): the client's
 * address told to the server (PROXY protocol header, TOA option) and the
 * SYN proxy's offsets, all through dp/seq.h's one mechanism.
 *
 * FULLNAT calls in here before it tracks and rewrites a packet of such a
 * session (fullnat.c); nothing here runs for the others.
 *
 *   client → server  TOA on the SYN and at A (the handshake's ACK, the
 *                    first data segment and its retransmissions); the
 *                    PROXY header in front of the first data (or on the
 *                    handshake's ACK, on_connect) — in the same segment
 *                    when it fits the MTU and the mbuf, else in a segment
 *                    of its own just before; then seq/ack/SACK/TSecr.
 *                    UDP: a v2 header before every datagram's payload.
 *   server → client  the SYN-ACK's MSS lowered by the room the inserts
 *                    need; then seq/ack/SACK/TSval/window.
 * A session waiting for its server's SYN-ACK belongs to synproxy.c. What
 * cannot be done is counted per service (dp/dp.h). */
#include <errno.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/dp_int.h"
#include "dp/proxy.h"
#include "dp/rewrite.h"
#include "dp/seq.h"
#include "dp/toa.h"

#define DEFAULT_MTU 1500

uint16_t dp_xlate_mtu(struct dp_lcore *lc, uint32_t dst)
{
	uint16_t port;
	uint32_t nh;

	if (dp_routes_lookup(lc->snap->routes, dst, &port, &nh) < 0 || port >= lc->dp->n_ports ||
	    !lc->dp->port[port].conf.mtu)
		return DEFAULT_MTU;
	return lc->dp->port[port].conf.mtu;
}

/* The header a session's server gets; its length is the session's L. An
 * IPv6 client's (FULLNAT v6, NAT64) says TCP6/AF_INET6 with its address
 * and the VIP's. */
static int proxy_header(struct dp_lcore *lc, const struct dp_sess *s, const struct dp_sess_x *x,
			uint8_t *out)
{
	struct dp_proxy_addr a;

	if (s->flags & DP_SESS_F_V6) {
		const struct dp_sess6 *a6 = dp_sess6(&lc->sess, s);

		dp_proxy_addr6(&a, a6->c, s->cport, a6->v, s->vport, s->proto == DP_IPPROTO_UDP);
	} else {
		dp_proxy_addr4(&a, s->cip, s->cport, s->vip, s->vport,
			       s->proto == DP_IPPROTO_UDP);
	}
	return (x->xflags & DP_SEQ_X_HDR_V2) ? dp_proxy_v2(out, &a) : dp_proxy_v1(out, &a);
}

void dp_xlate_init(struct dp_lcore *lc, const struct dp_service *svc, struct dp_sess *s,
		   const uint8_t *frame, const struct dp_pkt *p, const struct dp_sp_open *sp)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	const uint8_t *tcp = frame + p->l4_off;
	uint8_t hdr[DP_PROXY_MAX];
	uint16_t xf = 0;

	if (p->proto == DP_IPPROTO_UDP) {
		if (svc->caddr == DP_CADDR_PROXY_V2) {
			x->xflags = DP_SEQ_X_UDP | DP_SEQ_X_HDR_V2;
			s->flags |= DP_SESS_F_XLATE;
		}
		return;
	}
	if (p->proto != DP_IPPROTO_TCP)
		return;
	/* A: the SYN's seq + 1; under the SYN proxy, the ACK's seq */
	x->isn = dp_get_u32(tcp + 4) + (sp ? 0 : 1);
	if (svc->caddr == DP_CADDR_PROXY_V1 || svc->caddr == DP_CADDR_PROXY_V2) {
		xf |= DP_SEQ_X_HDR;
		if (svc->caddr == DP_CADDR_PROXY_V2)
			xf |= DP_SEQ_X_HDR_V2;
		if (svc->proxy_on_connect)
			xf |= DP_SEQ_X_ON_CONNECT;
		x->xflags = xf;
		x->seq_in = proxy_header(lc, s, x, hdr);
		if (x->seq_in <= 0)
			xf = 0;   /* no header for this session (cannot happen for TCP) */
	} else if (svc->caddr == DP_CADDR_TOA) {
		xf |= DP_SEQ_X_TOA | (p->a6 ? DP_SEQ_X_TOA6 : 0);
	}
	if (sp) {
		/* until the server's SYN-ACK: our ISN, our TSval and the
		 * client's window scale, as the cookie kept them */
		xf |= DP_SEQ_X_SP | DP_SEQ_X_SP_WAIT;
		if (sp->o.ts)
			xf |= DP_SEQ_X_TS;
		x->seq_out = (int32_t)sp->cookie;
		x->ts_delta = (int32_t)sp->tsval;
		x->wscale = sp->o.ws;
	}
	x->xflags = xf;
	if (xf)
		s->flags |= DP_SESS_F_XLATE;
}

static struct dp_svc_stats *svc_of(struct dp_lcore *lc, const struct dp_sess *s)
{
	return &lc->svc[s->svc_id];
}

/* Grow m by n bytes at L4 offset at (dp_seq_grow), where the mbuf and
 * the MTU towards mtu_dst allow it. */
static bool grow(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint32_t at,
		 const uint8_t *ins, uint32_t n, bool opt, uint32_t mtu_dst)
{
	uint8_t *f;

	if (p->frag != DP_FRAG_NONE || rte_pktmbuf_headroom(m) < n ||
	    rte_pktmbuf_data_len(m) < (uint32_t)p->l4_off + at ||
	    (uint32_t)p->ip_len + n > dp_xlate_mtu(lc, mtu_dst))
		return false;
	f = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)n);
	if (!f)
		return false;
	if (dp_seq_grow(f, p, at, ins, n, opt) < 0) {
		rte_pktmbuf_adj(m, (uint16_t)n);
		return false;
	}
	return true;
}

/* The TOA option (the client's address and port) among the options. */
static void toa_add(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		    const struct dp_sess *s)
{
	uint8_t *tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4;
	struct dp_tcp_opts o;
	uint8_t opt[DP_TOA6_LEN];
	uint32_t n = dp_sess_toa(lc, s, opt);

	dp_seq_opts(tcp, hlen, &o);
	if (o.toa && tcp[o.toa + 1] == n) {
		/* one the client wrote itself says what we say */
		dp_seq_patch(tcp, o.toa, opt, n);
		return;
	}
	if (o.toa) {
		/* the other family's: gone (NOPs), ours added */
		static const uint8_t nop[DP_TOA6_LEN] = {
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
		};

		dp_seq_patch(tcp, o.toa, nop, tcp[o.toa + 1]);
	}
	if (hlen + n > 20 + DP_TCP_MAX_OPT) {
		svc_of(lc, s)->toa_no_room++;
		return;
	}
	if (grow(lc, m, p, o.end, opt, n, true, s->rip))
		svc_of(lc, s)->toa_added++;
	else
		svc_of(lc, s)->toa_no_mtu++;
}

/* The copy hdr_alone made (frame b of n bytes, as p's family), parsed. */
static int parse_copy(const uint8_t *b, uint32_t n, const struct dp_pkt *p, struct dp_pkt *hp)
{
	struct dp_pkt6 p6;
	enum dp_drop why;

	if (!p->a6)
		return dp_pkt_parse_ipv4(b, n, p->l3_off, false, hp, &why);
	if (dp_pkt_parse_ipv6(b, n, p->l3_off, &p6, &why) < 0)
		return -EBADMSG;
	dp_pkt_from6(b, &p6, hp);
	return 0;
}

/* The PROXY header goes to the server in a segment of its own, just before
 * m (which then goes shifted): a copy of m's headers with the header as its
 * payload, ACK only, through the same translation and rewrite. */
static bool hdr_alone(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		      struct dp_sess *s, const uint8_t *hdr, uint32_t n)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *tcp = f + p->l4_off;
	uint32_t hlen = (uint32_t)(tcp[12] >> 4) * 4, head = p->l4_off + hlen;
	struct rte_mbuf *h = rte_pktmbuf_alloc(lc->dp->pool);
	struct dp_pkt hp;
	uint8_t *b, *ip, *t;
	uint16_t c;

	if (!h || rte_pktmbuf_tailroom(h) < head + n || rte_pktmbuf_data_len(m) < head) {
		if (h)
			rte_pktmbuf_free(h);
		return false;
	}
	b = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)(head + n));
	memcpy(b, f, head);
	memcpy(b + head, hdr, n);
	ip = b + p->l3_off;
	t = b + p->l4_off;
	t[13] = DP_TCP_ACK;
	dp_put_u32(t + 4, dp_sess_x(&lc->sess, s)->isn);
	memset(t + 16, 0, 2);
	if (p->a6) {
		/* the payload length covers the extension headers too */
		dp_put_u16(ip + 4, (uint16_t)(p->l4_off - p->l3_off - DP_IP6_HLEN + hlen + n));
		c = (uint16_t)~dp_csum_fold(dp_csum_partial(
			t, hlen + n, dp_csum_pseudo6(ip + 8, ip + 24, hlen + n, DP_IPPROTO_TCP)));
	} else {
		uint8_t ph[12];

		dp_put_u16(ip + 2, (uint16_t)(p->ihl + hlen + n));
		dp_put_u16(ip + 6, 0x4000);   /* DF, not a fragment */
		memset(ip + 10, 0, 2);
		c = dp_csum(ip, p->ihl);
		memcpy(ip + 10, &c, 2);
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = DP_IPPROTO_TCP;
		dp_put_u16(ph + 10, (uint16_t)(hlen + n));
		c = (uint16_t)~dp_csum_fold(dp_csum_partial(t, hlen + n, dp_csum_partial(ph, 12, 0)));
	}
	memcpy(t + 16, &c, 2);
	if (parse_copy(b, head + n, p, &hp) < 0) {
		rte_pktmbuf_free(h);
		return false;
	}
	h->port = m->port;
	dp_seq_in(t, hlen, dp_sess_x(&lc->sess, s), DP_SEQ_HDR_IN_FRONT);
	/* (the client's segment that carries the data was tracked, in its own
	 * space, before it came here: this one is ours) */
	dp_count_in(lc, s, &hp);
	if (dp_fwd_ttl_expired(lc, h, &hp))
		return true;
	dp_fullnat_fwd_in(lc, h, &hp, s);
	return true;
}

static bool udp_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	const struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint8_t hdr[DP_PROXY_MAX];
	int n = proxy_header(lc, s, x, hdr);

	if (p->frag != DP_FRAG_NONE) {
		/* the header would shift every later fragment's offset */
		svc_of(lc, s)->proxy_refused_frag++;
		dp_drop(lc, m, DP_DROP_XLATE);
		return true;
	}
	if (n <= 0 || !grow(lc, m, p, 8, hdr, (uint32_t)n, false, s->rip)) {
		svc_of(lc, s)->proxy_refused_big++;
		dp_drop(lc, m, DP_DROP_XLATE);
		return true;
	}
	svc_of(lc, s)->proxy_headers++;
	return false;
}

bool dp_xlate_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint16_t xf = x->xflags;
	enum dp_seq_hdr how = DP_SEQ_HDR_RULES;
	uint8_t *tcp;
	uint32_t hlen, seq, pay;
	uint8_t flags;

	if (xf & DP_SEQ_X_UDP)
		return p->proto == DP_IPPROTO_UDP ? udp_in(lc, m, p, s) : false;
	if (p->proto != DP_IPPROTO_TCP)
		return false;
	if (xf & DP_SEQ_X_SP_WAIT)
		return dp_synproxy_wait_in(lc, m, p, s);
	tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	hlen = (uint32_t)(tcp[12] >> 4) * 4;
	flags = tcp[13];
	seq = dp_get_u32(tcp + 4);
	pay = p->l4_len - hlen;
	if (flags & DP_TCP_SYN) {
		if (xf & DP_SEQ_X_SP) {
			/* the client is past its handshake with us */
			svc_of(lc, s)->sp_dropped++;
			dp_drop(lc, m, DP_DROP_SYNPROXY);
			return true;
		}
		if (xf & DP_SEQ_X_TOA)
			toa_add(lc, m, p, s);
		return false;
	}
	if (dp_seq_hdr_here(x, seq, pay, flags)) {
		uint8_t hdr[DP_PROXY_MAX];
		int n = proxy_header(lc, s, x, hdr);

		if (n != x->seq_in) {
			/* cannot be: the header is a function of the tuple */
			dp_drop(lc, m, DP_DROP_NO_SESSION);
			return true;
		}
		if (p->frag != DP_FRAG_NONE) {
			svc_of(lc, s)->proxy_refused_frag++;
			dp_drop(lc, m, DP_DROP_XLATE);
			return true;
		}
		if (grow(lc, m, p, hlen, hdr, (uint32_t)n, false, s->rip)) {
			how = DP_SEQ_HDR_IN_FRONT;
		} else if (hdr_alone(lc, m, p, s, hdr, (uint32_t)n)) {
			svc_of(lc, s)->proxy_split++;
			how = DP_SEQ_HDR_BEFORE;
			if (!pay && !(flags & DP_TCP_FIN)) {
				/* on_connect's ACK: the header went; so did its ack */
				svc_of(lc, s)->proxy_headers++;
				rte_pktmbuf_free(m);
				return true;
			}
		} else {
			svc_of(lc, s)->proxy_refused_nombuf++;
			dp_drop(lc, m, DP_DROP_XLATE);
			return true;
		}
		svc_of(lc, s)->proxy_headers++;
		tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	} else if ((xf & DP_SEQ_X_TOA) && seq == x->isn && !(flags & DP_TCP_RST)) {
		toa_add(lc, m, p, s);
		tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
		hlen = (uint32_t)(tcp[12] >> 4) * 4;
	}
	dp_seq_in(tcp, hlen, x, how);
	return false;
}

bool dp_xlate_out(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	uint8_t *tcp;
	uint32_t hlen;

	if (p->proto != DP_IPPROTO_TCP || (x->xflags & DP_SEQ_X_UDP))
		return false;   /* UDP replies are plain */
	if (x->xflags & DP_SEQ_X_SP_WAIT)
		return dp_synproxy_wait_out(lc, m, p, s);
	tcp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	hlen = (uint32_t)(tcp[12] >> 4) * 4;
	if ((tcp[13] & (DP_TCP_SYN | DP_TCP_ACK)) == (DP_TCP_SYN | DP_TCP_ACK)) {
		if (x->xflags & DP_SEQ_X_SP) {
			/* our ACK to it was lost: the client must not see it */
			dp_synproxy_reack(lc, m, p, s);
			return true;
		}
		if (dp_seq_room(x))
			dp_seq_mss_sub(tcp, hlen, dp_seq_room(x));
	}
	if (dp_seq_out(tcp, hlen, x))
		dp_sync_note(lc, s);
	return false;
}

void dp_xlate_rst(struct dp_lcore *lc, uint8_t *frame, struct dp_sess *s, unsigned dir)
{
	struct dp_sess_x *x = dp_sess_x(&lc->sess, s);
	/* (mgw's resets carry no IP options or extension headers) */
	uint8_t *tcp = frame + DP_ETH_HLEN +
		       (dp_get_u16(frame + 12) == DP_ETH_P_IPV6 ? DP_IP6_HLEN : 20);

	if (s->proto != DP_IPPROTO_TCP || (x->xflags & (DP_SEQ_X_UDP | DP_SEQ_X_SP_WAIT)))
		return;
	if (dir == DP_DIR_IN) {
		dp_seq_in(tcp, 20, x, DP_SEQ_HDR_RULES);
	} else {
		struct dp_sess_x copy = *x;   /* a reset of ours acknowledges nothing new */

		dp_seq_out(tcp, 20, &copy);
	}
}
