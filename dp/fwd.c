/* dp/fwd.c — the forwarding modes beside FULLNAT: NAT, DR and TUNNEL.
 *
 * Sessions, scheduling, persistence, sorry servers and on_down are the
 * same for every mode (conn.c); what differs is what a client's packet
 * becomes and what comes back:
 *
 *   NAT     client:cport → VIP:vport becomes client:cport → server:rport
 *           (only the destination changes). The server's default route is
 *           mgw, so its replies server:rport → client:cport reach us at an
 *           address that is not ours (dp_nat_routed): they become
 *           VIP:vport → client:cport. Two-way TCP tracking, as FULLNAT.
 *   DR      the packet goes to the server's MAC unchanged (one TTL less);
 *           the server has the VIP on a loopback and answers the client
 *           directly. Only the client's packets are ever seen: one-way
 *           sessions and the input-only TCP table (dp/tcp.h).
 *   TUNNEL  as DR, but inside an outer IPv4 header (dp/ipip.h) from the
 *           address of the port it leaves by to the server, which may be
 *           routed. A DF packet that no longer fits the egress MTU gets
 *           "fragmentation needed" back (inner MTU = link MTU - 20); one
 *           without DF is sent as outer fragments.
 *
 * IPv6 services (IPv6 servers) take the same three ways, in IPv6's form:
 * NAT rewrites the destination with dp_rw_forward6 and catches the
 * server's replies to client6 (dp_nat_routed6, from input6.c); DR sends
 * the packet, one hop less, to the server's MAC; TUNNEL wraps it in an
 * outer IPv6 header (next header 41, RFC 2473) from the port's ip6, and a
 * packet that no longer fits gets ICMPv6 Packet Too Big (link MTU - 40)
 * from the VIP: IPv6 is never fragmented on the way. The session's v6
 * half holds the addresses: c, v as for FULLNAT, r the server, l the
 * client (its reverse tuple is server → client, as NAT's replies are).
 *
 * Who owns a NAT session (several lcores, software steering): the client's
 * packets land on the lcore their rx hash picks, and the server's replies
 * on an unrelated one; there is no LIP:lport to encode an owner in. Both
 * directions carry the client's address and port, so dp_nat_owner(client,
 * cport) names the owner: the lcore that receives either direction's packet
 * hands it over (one ring hop at most; (n-1)/n of the packets of each
 * direction take it), and a packet that is no session's is dropped by the
 * owner after one lookup. The alternative — keep the session where the
 * client's packets land and send a reply round the lcores until one knows
 * it, as ICMP errors to a VIP do — saves the client side's hops but costs a
 * reply up to n-1 hops and lookups, and every stray packet all of them.
 *
 * mgw is no router: a NAT server's traffic that belongs to no session (its
 * own DNS lookups, updates) is dropped and counted (nat_no_session). */
#include <string.h>

#include "dp/dp_int.h"
#include "dp/icmp.h"
#include "dp/ipip.h"
#include "dp/nat.h"
#include "dp/reply.h"
#include "dp/rewrite.h"
#include "dp/tcp.h"

#define DEFAULT_MTU 1500

/* The port a packet to dst (IPv6: dst6, else NULL) leaves by: from the
 * session's next hop while the route table it was resolved with is the
 * one in use, else a lookup. */
static int egress_port(struct dp_lcore *lc, const struct dp_sess *s, uint32_t dst,
		       const uint8_t *dst6, uint16_t *port)
{
	const uint8_t *nh6;
	uint32_t nh;
	int p;

	if (s && s->nh_epoch == lc->nh_epoch && s->nh[DP_DIR_IN] &&
	    lc->nh_routes == lc->snap->routes) {
		*port = lc->nh[s->nh[DP_DIR_IN]].port;
		return 0;
	}
	if (!dst6)
		return dp_routes_lookup(lc->snap->routes, dst, port, &nh);
	p = dp_route6(lc->snap, dst6, &nh6);
	if (p < 0)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static inline uint16_t port_mtu(const struct dp_lcore *lc, uint16_t port)
{
	return lc->dp->port[port].conf.mtu ? lc->dp->port[port].conf.mtu : DEFAULT_MTU;
}

/* To the server at dst (IPv6: dst6): through the session's cached next
 * hop (TTL already handled), or through dp_xmit_ip, which takes one off
 * (dp_xmit_ip6 takes none). */
static inline void send_to(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s,
			   uint32_t dst, const uint8_t *dst6)
{
	if (s && dst6)
		dp_xmit_sess6(lc, m, s, DP_DIR_IN, dst6);
	else if (s)
		dp_xmit_sess(lc, m, s, DP_DIR_IN, dst);
	else if (dst6)
		dp_xmit_ip6(lc, m, dst6);
	else
		dp_xmit_ip(lc, m, dst);
}

/* A forwarded packet loses one TTL (IPv6: hop limit, no checksum). The
 * caller checked that it had more than one. */
static inline void hop_dec(uint8_t *f, const struct dp_pkt *p)
{
	if (p->a6)
		f[p->l3_off + 7]--;
	else
		dp_rw_ttl_dec(f + p->l3_off);
}

/* The IP id of an outer header that may be fragmented on the way; the
 * lcore's index in the low bits keeps lcores from reusing each other's. */
static inline uint16_t next_id(struct dp_lcore *lc)
{
	return (uint16_t)(lc->ipip_id++ << 4 | (lc->idx & 0xf));
}

/* The inner packet in m does not fit the link with an outer header and may
 * be fragmented: the outer datagram goes as fragments of `chunk` bytes,
 * the first one in m itself (its head is prepended; the rest copied out
 * first). */
static void tunnel_fragment(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s,
			    uint32_t src, uint32_t rip, uint16_t mtu, uint8_t ttl)
{
	const uint8_t *inner = rte_pktmbuf_mtod_offset(m, const uint8_t *, DP_ETH_HLEN);
	uint16_t len = dp_get_u16(inner + 2), chunk = dp_ipip_chunk(mtu), id = next_id(lc);
	uint8_t *f;

	for (uint32_t off = chunk; off < len; off += chunk) {
		struct rte_mbuf *n = rte_pktmbuf_alloc(lc->dp->pool);
		uint32_t flen;

		if (n && rte_pktmbuf_tailroom(n) < DP_ETH_HLEN + DP_IPIP_HLEN + chunk) {
			rte_pktmbuf_free(n);
			n = NULL;
		}
		if (!n) {
			/* the fragments sent already die in the server's
			 * reassembly queue */
			dp_drop(lc, m, DP_DROP_NO_MBUF);
			return;
		}
		flen = dp_ipip_fragment(rte_pktmbuf_mtod(n, uint8_t *), inner, len, (uint16_t)off,
					chunk, src, rip, id, ttl);
		n->data_len = (uint16_t)flen;
		n->pkt_len = flen;
		send_to(lc, n, s, rip, NULL);
	}
	f = (uint8_t *)rte_pktmbuf_prepend(m, DP_IPIP_HLEN);
	if (!f) {
		dp_drop(lc, m, DP_DROP_NO_MBUF);
		return;
	}
	dp_put_u16(f + 12, DP_ETH_P_IPV4);
	dp_ipip_header(f + DP_ETH_HLEN, src, rip, chunk, id, 0x2000, ttl);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (DP_ETH_HLEN + DP_IPIP_HLEN + chunk)));
	lc->stats.tunnel_fragmented++;
	send_to(lc, m, s, rip, NULL);
}

/* Send the IPv4 frame m to server rip inside an outer header. s: the
 * session whose packet it is (its inner TTL handled, its next hop cached);
 * NULL for packets that go through dp_xmit_ip (which takes one off the
 * outer TTL: it starts one higher). p: the packet as a client sent it, for
 * "fragmentation needed"; NULL for what mgw made or passes on. */
static void tunnel_xmit(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
			struct dp_sess *s, uint32_t rip)
{
	const uint8_t *inner = rte_pktmbuf_mtod_offset(m, const uint8_t *, DP_ETH_HLEN);
	uint16_t port, mtu, len = dp_get_u16(inner + 2);
	uint8_t ttl = s ? DP_IPIP_TTL : DP_IPIP_TTL + 1;
	uint32_t src;
	uint8_t *f;

	if (egress_port(lc, s, rip, NULL, &port) < 0) {
		dp_drop(lc, m, DP_DROP_NO_ROUTE);
		return;
	}
	src = lc->snap->port[port].ip;
	mtu = port_mtu(lc, port);
	if (unlikely(len + DP_IPIP_HLEN > mtu)) {
		if (!dp_ipip_df(inner))
			tunnel_fragment(lc, m, s, src, rip, mtu, ttl);
		else if (p)
			dp_reply_too_big(lc, m, p, dp_ipip_mtu(mtu));
		else
			dp_drop(lc, m, DP_DROP_TOO_BIG);
		return;
	}
	f = (uint8_t *)rte_pktmbuf_prepend(m, DP_IPIP_HLEN);
	if (unlikely(!f)) {
		dp_drop(lc, m, DP_DROP_NO_MBUF);
		return;
	}
	/* A DF packet's outer header cannot be fragmented: its id does not
	 * matter (RFC 6864). */
	dp_ipip_encap(f, src, rip, dp_ipip_df(inner) ? 0 : next_id(lc), ttl);
	send_to(lc, m, s, rip, NULL);
}

/* The same for the IPv6 frame m to server rip6 (RFC 2473): an outer IPv6
 * header from the egress port's ip6; never fragmented (dp/ipip.h). */
static void tunnel6_xmit(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
			 struct dp_sess *s, const uint8_t *rip6)
{
	const uint8_t *inner = rte_pktmbuf_mtod_offset(m, const uint8_t *, DP_ETH_HLEN);
	uint32_t len = DP_IP6_HLEN + dp_get_u16(inner + 4);
	uint16_t port, mtu;
	uint8_t *f;

	if (egress_port(lc, s, 0, rip6, &port) < 0 || !lc->snap->port[port].has_ip6) {
		dp_drop(lc, m, DP_DROP_NO_ROUTE);
		return;
	}
	mtu = port_mtu(lc, port);
	if (unlikely(len + DP_IPIP6_HLEN > mtu)) {
		if (p)
			dp_reply_too_big(lc, m, p, dp_ipip_mtu6(mtu));
		else
			dp_drop(lc, m, DP_DROP_TOO_BIG);
		return;
	}
	f = (uint8_t *)rte_pktmbuf_prepend(m, DP_IPIP6_HLEN);
	if (unlikely(!f)) {
		dp_drop(lc, m, DP_DROP_NO_MBUF);
		return;
	}
	dp_ipip_encap6(f, lc->snap->port[port].ip6, rip6, DP_IPIP_TTL);
	send_to(lc, m, s, 0, rip6);
}

void dp_fwd_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, struct dp_sess *s)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	const struct dp_sess6 *a;

	/* (one-way sessions follow the input-only table: dp_sess_track) */
	if (!dp_sess_track(lc, s, m, p, DP_DIR_IN))
		return;
	if (unlikely(p->frag == DP_FRAG_FIRST))
		dp_frag_track(lc, p, s, DP_DIR_IN);
	dp_count_in(lc, s, p);
	if (dp_fwd_ttl_expired(lc, m, p))
		return;
	/* (an IPv6 session's client packets are IPv6: dp_sess_family_ok) */
	a = unlikely(s->flags & DP_SESS_F_V6) ? dp_sess6(&lc->sess, s) : NULL;
	switch (s->fwd) {
	case DP_FWD_NAT:
		if (a) {
			dp_rw_forward6(f, p, a->c, p->sport, a->r, s->rport);
			dp_xmit_sess6(lc, m, s, DP_DIR_IN, a->r);
			return;
		}
		dp_rw_forward(f, p, p->src, p->sport, s->rip, s->rport);
		dp_xmit_sess(lc, m, s, DP_DIR_IN, s->rip);
		return;
	case DP_FWD_DR:
		/* on-link (cp checks it): the next hop is the server itself */
		hop_dec(f, p);
		send_to(lc, m, s, s->rip, a ? a->r : NULL);
		return;
	default:
		/* RFC 2003 3.1, RFC 2473 3: forwarded, the inner packet loses
		 * one hop */
		hop_dec(f, p);
		if (a)
			tunnel6_xmit(lc, m, p, s, a->r);
		else
			tunnel_xmit(lc, m, p, s, s->rip);
		return;
	}
}

void dp_fwd_later(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint8_t fwd,
		  uint32_t dst, const uint8_t *dst6)
{
	if (fwd == DP_FWD_DR && !dst6) {
		dp_xmit_ip(lc, m, dst);
		return;
	}
	if (dp_fwd_ttl_expired(lc, m, p))
		return;
	hop_dec(rte_pktmbuf_mtod(m, uint8_t *), p);
	if (fwd == DP_FWD_DR)
		dp_xmit_ip6(lc, m, dst6);
	else if (dst6)
		tunnel6_xmit(lc, m, p, NULL, dst6);
	else
		tunnel_xmit(lc, m, p, NULL, dst);
}

void dp_fwd_to_server(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_sess *s)
{
	const uint8_t *r6 = (s->flags & DP_SESS_F_V6) ? dp_sess6(&lc->sess, s)->r : NULL;

	if (s->fwd == DP_FWD_TUNNEL && r6)
		tunnel6_xmit(lc, m, NULL, NULL, r6);
	else if (s->fwd == DP_FWD_TUNNEL)
		tunnel_xmit(lc, m, NULL, NULL, s->rip);
	else
		send_to(lc, m, NULL, s->rip, r6);   /* DR: routed by the server, sent as it is */
}

void dp_fwd_icmp_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p,
		    const struct dp_icmp_quote *q, struct dp_sess *s)
{
	lc->stats.icmp_xlated++;
	if (s->fwd != DP_FWD_NAT) {
		dp_fwd_to_server(lc, m, s);
		return;
	}
	/* The server sent server:rport → client:cport; the reporter (outer
	 * source) stays, as the server routes back through us anyway. */
	dp_icmp_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, q, p->src, s->rip, s->rip, s->rport,
		      s->cip, s->cport);
	dp_xmit_ip(lc, m, s->rip);
}

void dp_fwd_icmp6_in(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p,
		     const struct dp_icmp6_quote *q, struct dp_sess *s)
{
	const struct dp_sess6 *a = dp_sess6(&lc->sess, s);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	lc->stats.icmp_xlated++;
	if (s->fwd != DP_FWD_NAT) {
		f[p->l3_off + 7]--;   /* forwarded as it is: one hop less */
		dp_fwd_to_server(lc, m, s);
		return;
	}
	/* as IPv4's: server:rport → client:cport quoted, the reporter kept */
	dp_icmp6_xlate(f, p, q, p->src, a->r, a->r, s->rport, a->c, s->cport);
	dp_xmit_ip6(lc, m, a->r);
}

/* Hand a packet of the NAT session of client:cport to its owner. True when
 * it went (it is no longer ours). */
static bool nat_hand_over(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt *p,
			  uint32_t cip, uint16_t cport, uint16_t in_port, bool redirected)
{
	unsigned n = lc->dp->n_lcores, owner;

	if (n == 1 || redirected)
		return false;
	owner = dp_nat_owner(cip, cport, n);
	if (owner == lc->idx)
		return false;
	dp_redirect(lc, m, in_port, owner);
	/* later fragments have no port: they follow */
	if (unlikely(p->frag == DP_FRAG_FIRST))
		dp_frag_track_owner(lc, p, owner);
	return true;
}

/* An ICMP error from a NAT server (or a router on its side) about our
 * packet client:cport → server:rport, sent to the client: on to the client
 * from the VIP, quoting client:cport → VIP:vport. */
static void nat_icmp(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		     bool redirected)
{
	struct dp_icmp_quote q;
	enum dp_drop why;
	struct dp_sess *s;
	unsigned dir;

	if (p->frag != DP_FRAG_NONE || !dp_icmp_is_error(p->icmp_type)) {
		dp_drop(lc, m, DP_DROP_NAT_NO_SESSION);
		return;
	}
	if (dp_icmp_parse_error(rte_pktmbuf_mtod(m, uint8_t *), p, &q, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	if (nat_hand_over(lc, m, p, q.src, q.sport, in_port, redirected))
		return;
	s = dp_sess_lookup(&lc->sess, q.dst, q.src, q.dport, q.sport, q.proto, &dir);
	if (!s || dir != DP_DIR_OUT || s->fwd != DP_FWD_NAT) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	dp_icmp_xlate(rte_pktmbuf_mtod(m, uint8_t *), p, &q, s->vip, s->cip, s->cip, s->cport,
		      s->vip, s->vport);
	lc->stats.icmp_xlated++;
	dp_xmit_ip(lc, m, s->cip);
}

void dp_nat_routed(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt *p, uint16_t in_port,
		   bool redirected)
{
	struct dp_sess *s;
	unsigned dir;

	if (p->proto == DP_IPPROTO_ICMP) {
		nat_icmp(lc, m, p, in_port, redirected);
		return;
	}
	if (p->proto != DP_IPPROTO_TCP && p->proto != DP_IPPROTO_UDP) {
		dp_drop(lc, m, DP_DROP_NOT_LOCAL);
		return;
	}
	if (unlikely(p->frag == DP_FRAG_LATER)) {
		dp_frag_later(lc, m, p, in_port, redirected);
		return;
	}
	if (nat_hand_over(lc, m, p, p->dst, p->dport, in_port, redirected))
		return;
	s = dp_sess_find(lc, p, &dir);
	if (!s || dir != DP_DIR_OUT || s->fwd != DP_FWD_NAT) {
		dp_drop(lc, m, DP_DROP_NAT_NO_SESSION);
		return;
	}
	dp_sess_reply(lc, m, p, s);
}

/* nat_icmp's IPv6 form: an ICMPv6 error from a NAT server about our packet
 * client:cport → server:rport, on to the client from the VIP, quoting
 * client:cport → VIP:vport. */
static void nat_icmp6(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p6,
		      uint16_t in_port, bool redirected)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	const struct dp_sess6 *a;
	struct dp_icmp6_quote q;
	struct dp_sess *s;
	struct dp_pkt p;
	enum dp_drop why;
	uint8_t key[32];
	unsigned dir;

	if (p6->frag != DP_FRAG_NONE || !dp_icmp6_is_error(p6->icmp_type)) {
		dp_drop(lc, m, DP_DROP_NAT_NO_SESSION);
		return;
	}
	if (dp_icmp6_parse_error(f, p6, &q, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	dp_pkt_from6(f, p6, &p);
	if (nat_hand_over(lc, m, &p, dp_ip6_handle(q.src), q.sport, in_port, redirected))
		return;
	memcpy(key, q.dst, 16);
	memcpy(key + 16, q.src, 16);
	s = dp_sess_lookup6(&lc->sess, dp_ip6_handle(q.dst), dp_ip6_handle(q.src), q.dport, q.sport,
			    q.proto, key, &dir);
	if (!s || dir != DP_DIR_OUT || s->fwd != DP_FWD_NAT) {
		dp_drop(lc, m, DP_DROP_ICMP);
		return;
	}
	if (p6->hop_limit <= 1) {
		dp_drop(lc, m, DP_DROP_TTL);
		return;
	}
	a = dp_sess6(&lc->sess, s);
	dp_icmp6_xlate(f, p6, &q, a->v, a->c, a->c, s->cport, a->v, s->vport);
	lc->stats.icmp_xlated++;
	dp_xmit_sess6(lc, m, s, DP_DIR_OUT, a->c);
}

void dp_nat_routed6(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_pkt6 *p6, uint16_t in_port,
		    bool redirected)
{
	struct dp_pkt p;

	if (p6->proto == DP_IPPROTO_ICMPV6) {
		nat_icmp6(lc, m, p6, in_port, redirected);
		return;
	}
	if (p6->proto != DP_IPPROTO_TCP && p6->proto != DP_IPPROTO_UDP) {
		dp_drop(lc, m, DP_DROP_NOT_LOCAL);
		return;
	}
	/* the rest is IPv4's, on the packet in IPv4's shape */
	dp_pkt_from6(rte_pktmbuf_mtod(m, const uint8_t *), p6, &p);
	m->port = in_port;
	dp_nat_routed(lc, m, &p, in_port, redirected);
}
