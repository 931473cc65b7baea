/* dp/reply_path.c — sending what dp/reply.c builds: a refused new flow's
 * RST or ICMP port unreachable, the resets of on_down: reset, and the
 * "fragmentation needed" of a DF packet too big for a tunnel.
 *
 * Replies come from the lcore's mempool and leave through dp_xmit_ip()
 * like forwarded packets. A RST answers a SYN one for one, as a closed port
 * would; ICMP errors are rate-limited per lcore (as a host limits its own,
 * RFC 1812 4.3.2.8) so a flood of datagrams to a dead service does not
 * turn into a flood of errors. */
#include "dp/dp_int.h"
#include "dp/icmp.h"
#include "dp/limit.h"
#include "dp/reply.h"
#include "dp/tcp.h"

#define UNREACH_PER_MS    1        /* 1000 a second per lcore ... */
#define UNREACH_BURST     100      /* ... after a burst of this many */
#define REFUSE_PER_S      1000     /* answers to flows an ACL or limit refuses, per lcore */

struct rte_mbuf *dp_reply_alloc(struct dp_lcore *lc, uint8_t **buf)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(lc->dp->pool);

	if (r && rte_pktmbuf_tailroom(r) < DP_REPLY_MAX) {
		rte_pktmbuf_free(r);
		r = NULL;
	}
	if (!r) {
		lc->stats.drops[DP_DROP_NO_MBUF]++;
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(r, uint8_t *);
	return r;
}

static void reply_send(struct dp_lcore *lc, struct rte_mbuf *r, uint32_t len, uint32_t dst)
{
	r->data_len = (uint16_t)len;
	r->pkt_len = len;
	dp_xmit_ip(lc, r, dst);
}

/* The same for an IPv6 reply (built with DP_ORIGIN_TTL - 1: dp_xmit_ip6
 * takes nothing off). */
static void reply_send6(struct dp_lcore *lc, struct rte_mbuf *r, uint32_t len,
			const uint8_t *dst6)
{
	r->data_len = (uint16_t)len;
	r->pkt_len = len;
	dp_xmit_ip6(lc, r, dst6);
}

#define ORIGIN_HOP6 (DP_ORIGIN_TTL - 1)

/* The answer to a refused new flow p (r: its buffer): a RST, or an ICMP or
 * ICMPv6 port unreachable, back to its sender. */
static void refuse_answer(struct dp_lcore *lc, struct rte_mbuf *r, uint8_t *buf,
			  const uint8_t *f, const struct dp_pkt *p)
{
	bool tcp = p->proto == DP_IPPROTO_TCP;

	if (p->a6 && tcp)
		reply_send6(lc, r, dp_reply_rst_back(buf, f, p, ORIGIN_HOP6), p->a6);
	else if (p->a6)
		reply_send6(lc, r, dp_reply_unreach6(buf, f, p, 4, ORIGIN_HOP6), p->a6);
	else if (tcp)
		reply_send(lc, r, dp_reply_rst_back(buf, f, p, DP_ORIGIN_TTL), p->src);
	else
		reply_send(lc, r, dp_reply_unreach(buf, f, p, DP_ICMP_PORT_UNREACH, p->dst,
						   DP_ORIGIN_TTL), p->src);
}

static bool unreach_allowed(struct dp_lcore *lc)
{
	uint32_t dt = lc->now_ms - lc->unreach_ms;

	if (dt || !lc->unreach_ms) {
		uint64_t t = (uint64_t)lc->unreach_tokens + (uint64_t)dt * UNREACH_PER_MS;

		if (!lc->unreach_ms)
			t = UNREACH_BURST;   /* never topped up yet: a full bucket */
		lc->unreach_tokens = t > UNREACH_BURST ? UNREACH_BURST : (uint32_t)t;
		lc->unreach_ms = lc->now_ms;
	}
	if (!lc->unreach_tokens)
		return false;
	lc->unreach_tokens--;
	return true;
}

void dp_reply_refuse(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	bool tcp = p->proto == DP_IPPROTO_TCP;
	struct rte_mbuf *r = NULL;
	uint8_t *buf;

	if (tcp || (p->proto == DP_IPPROTO_UDP && unreach_allowed(lc)))
		r = dp_reply_alloc(lc, &buf);
	if (!r) {
		lc->stats.refused_quiet++;
	} else {
		refuse_answer(lc, r, buf, f, p);
		if (tcp)
			lc->stats.refused_rst++;
		else
			lc->stats.refused_unreach++;
	}
	dp_drop(lc, m, DP_DROP_NO_SERVER);
}

void dp_reply_policy(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		     enum dp_drop why, bool answer)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r = NULL;
	uint8_t *buf;

	lc->stats.refused_policy++;
	/* one for one up to a rate: a spoofed flood must not make us a
	 * reflector at its own rate */
	if (answer && (p->proto == DP_IPPROTO_TCP || p->proto == DP_IPPROTO_UDP) &&
	    dp_tb_take(&lc->refuse_tb, lc->now_ms, REFUSE_PER_S, 1))
		r = dp_reply_alloc(lc, &buf);
	if (r) {
		refuse_answer(lc, r, buf, f, p);
		lc->stats.refused_policy_rst++;
	}
	dp_drop(lc, m, why);
}

void dp_reply_too_big(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
		      uint16_t mtu)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r = NULL;
	uint8_t *buf;

	if (unreach_allowed(lc))
		r = dp_reply_alloc(lc, &buf);
	if (r) {
		if (p->a6)
			reply_send6(lc, r, dp_reply_too_big6(buf, f, p, mtu, ORIGIN_HOP6), p->a6);
		else
			reply_send(lc, r, dp_reply_frag_needed(buf, f, p, mtu, p->dst,
							       DP_ORIGIN_TTL), p->src);
		lc->stats.frag_needed++;
	}
	dp_drop(lc, m, DP_DROP_TOO_BIG);
}

/* An IPv6 session's reset to the end that did not send p: FULLNAT v6's
 * server from the v6 local IP, NAT64's from the IPv4 one, NAT's from the
 * client (which a->l holds), DR's and TUNNEL's the client's own to the
 * VIP sent their way; the client from the VIP. */
static void reset_on6(struct dp_lcore *lc, struct rte_mbuf *r, uint8_t *buf, const uint8_t *f,
		      const struct dp_pkt *p, struct dp_sess *s, unsigned dir)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);
	bool v4 = dir == DP_DIR_IN && dp_ip6_mapped(a->r);
	uint32_t len;

	if (dir == DP_DIR_IN && (s->fwd == DP_FWD_DR || s->fwd == DP_FWD_TUNNEL)) {
		len = dp_reply_rst_on6(buf, f, p, a->c, s->cport, a->v, s->vport, ORIGIN_HOP6);
		r->data_len = (uint16_t)len;
		r->pkt_len = len;
		dp_fwd_to_server(lc, r, s);
		return;
	}
	if (dir == DP_DIR_OUT)
		len = dp_reply_rst_on6(buf, f, p, a->v, s->vport, a->c, s->cport, ORIGIN_HOP6);
	else if (v4)
		len = dp_reply_rst_on(buf, f, p, s->lip, s->lport, s->rip, s->rport, DP_ORIGIN_TTL);
	else
		len = dp_reply_rst_on6(buf, f, p, a->l, s->lport, a->r, s->rport, ORIGIN_HOP6);
	/* (in the other end's sequence space: PROXY header's offset) */
	if (unlikely(s->flags & DP_SESS_F_XLATE))
		dp_xlate_rst(lc, buf, s, dir);
	if (v4)
		reply_send(lc, r, len, s->rip);
	else
		reply_send6(lc, r, len, dir == DP_DIR_OUT ? a->c : a->r);
}

bool dp_reply_reset(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s,
		    unsigned dir)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	bool fresh = dir == DP_DIR_IN && (p->proto == DP_IPPROTO_UDP ||
					  dp_tcp_event(p->tcp_flags) == DP_TCP_EV_SYN);

	/* A client's datagram or SYN needs no reset: the session goes and
	 * the packet is scheduled afresh, to a server that is up. */
	if (p->proto == DP_IPPROTO_TCP && !fresh && !(p->tcp_flags & DP_TCP_RST) &&
	    p->frag != DP_FRAG_LATER) {
		struct rte_mbuf *r;
		uint8_t *buf;

		/* back to the sender of this packet ... */
		r = dp_reply_alloc(lc, &buf);
		if (r && p->a6)
			reply_send6(lc, r, dp_reply_rst_back(buf, f, p, ORIGIN_HOP6), p->a6);
		else if (r)
			reply_send(lc, r, dp_reply_rst_back(buf, f, p, DP_ORIGIN_TTL), p->src);
		/* ... and on to the other end, as if the sender had reset: to
		 * the server as it sees the client (FULLNAT: from LIP:lport;
		 * NAT: from client:cport, which lip:lport holds), or for DR and
		 * TUNNEL the client's own packet to the VIP, sent their way */
		r = dp_reply_alloc(lc, &buf);
		if (r && (s->flags & DP_SESS_F_V6)) {
			reset_on6(lc, r, buf, f, p, s, dir);
		} else if (r && dir == DP_DIR_IN && (s->fwd == DP_FWD_FULLNAT || s->fwd == DP_FWD_NAT)) {
			uint32_t len = dp_reply_rst_on(buf, f, p, s->lip, s->lport, s->rip, s->rport,
						       DP_ORIGIN_TTL);

			if (unlikely(s->flags & DP_SESS_F_XLATE))
				dp_xlate_rst(lc, buf, s, DP_DIR_IN);
			reply_send(lc, r, len, s->rip);
		} else if (r && dir == DP_DIR_IN) {
			uint32_t len = dp_reply_rst_on(buf, f, p, s->cip, s->cport, s->vip, s->vport,
						       DP_ORIGIN_TTL);

			r->data_len = (uint16_t)len;
			r->pkt_len = len;
			dp_fwd_to_server(lc, r, s);
		} else if (r) {
			uint32_t len = dp_reply_rst_on(buf, f, p, s->vip, s->vport, s->cip, s->cport,
						       DP_ORIGIN_TTL);

			if (unlikely(s->flags & DP_SESS_F_XLATE))
				dp_xlate_rst(lc, buf, s, DP_DIR_OUT);
			reply_send(lc, r, len, s->cip);
		}
	}
	dp_sess_kill(lc, s);
	lc->stats.sess_reset++;
	if (fresh)
		return false;
	dp_drop(lc, m, DP_DROP_SERVER_DOWN);
	return true;
}
