/* dp/input6.c — IPv6 frames.
 *
 *   NS for one of our IPv6 addresses (a port's, on that port; a VIP's or
 *   a local IP's, on any)                       → NA (dp/nd.c)
 *   echo request to one of them                 → echo reply
 *   TCP/UDP to a VIP                            → the client side (conn.c)
 *   TCP/UDP to a local IP                       → FULLNAT's server side,
 *                                                 on the lcore owning it
 *   ND failing RFC 4861's checks                → nd_malformed
 *   another host's NA for a port's IPv6 address → nd_conflicts (logged)
 *   other NAs                                   → the kernel's TAP, where
 *                                                 cp/neigh.c learns them
 *   NS for other hosts, multicast (MLD, RS, RA), other hosts' unicast
 *                                               → not_for_us
 *   fragments of those                          → the first as a whole
 *                                                 packet, the later ones
 *                                                 after it (frag_path.c)
 *   ICMPv6 errors to a VIP or local IP          → icmp6_path.c
 *   TCP, UDP and ICMPv6 to another unicast address, with NAT services
 *                                               → NAT replies (fwd.c)
 *   anything else to a port's IPv6 address (TCP/UDP: replies to the
 *   kernel's sockets; ICMPv6 errors, fragments) → the kernel's TAP, in
 *                                                 dp/punt.h's classes
 *   anything else to a VIP or local IP (other protocols)
 *                                               → counted, not served
 *
 * Answers go back to the MAC the request came from (the asker, or the
 * router it came through): an answer needs no neighbour lookup. The
 * sessions' packets are IPv4's code with the packet in IPv4's shape
 * (dp_pkt_from6: handles for addresses, the full ones beside). */
#include <errno.h>
#include <string.h>

#include "dp/dp_int.h"
#include "dp/icmp.h"
#include "dp/nd.h"
#include "dp/punt.h"
#include "dp/reply.h"

_Static_assert(DP_ND_FRAME_LEN <= DP_REPLY_MAX, "an ND answer fits a reply mbuf");

static bool our_port_ip6(const struct dp_snap *s, const uint8_t *a, uint16_t port)
{
	return port < s->n_ports && s->port[port].has_ip6 && !memcmp(s->port[port].ip6, a, 16);
}

/* Is a one of our addresses to answer for on port (ND, echo)? A local IP
 * another node still holds (DP_ADDR_NOARP) is not answered, as for ARP. */
static bool answered(const struct dp_snap *s, const uint8_t *a, uint16_t port)
{
	uint32_t v;

	if (our_port_ip6(s, a, port))
		return true;
	v = dp_snap_addr6(s, a);
	return v && !(v & DP_ADDR_NOARP);
}

/* Is a one of the ports' own addresses? */
static bool any_port_ip6(const struct dp_snap *s, const uint8_t *a)
{
	for (uint32_t i = 0; i < s->n_ports; i++)
		if (our_port_ip6(s, a, (uint16_t)i))
			return true;
	return false;
}

/* May a packet to a (not ours) be a NAT server's to its client? Not to
 * multicast or link-local: a client is global or unique-local. */
static bool nat_dest6(const uint8_t *a)
{
	return a[0] != 0xff && !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* Sources no packet to a service can have: unspecified, loopback,
 * multicast. */
static bool martian6(const uint8_t *a)
{
	static const uint8_t zero[15];

	return a[0] == 0xff || (!memcmp(a, zero, 15) && a[15] <= 1);
}

static void input_nd(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_nd *nd,
		     uint16_t in_port)
{
	const uint8_t *mac = lc->dp->port[in_port].mac.addr_bytes;
	struct rte_mbuf *r;
	uint8_t *buf;
	uint32_t n;

	if (nd->type == DP_ICMP6_NA) {
		if (our_port_ip6(lc->snap, nd->target, in_port) && memcmp(nd->eth_src, mac, 6) != 0) {
			/* someone else has our address (logged by cp/maint.c) */
			lc->stats.nd_conflicts++;
			rte_pktmbuf_free(m);
			return;
		}
		/* a neighbour's answer (to our NS, or unsolicited): for the
		 * neighbour thread to learn */
		dp_punt(lc, in_port, m, DP_PUNT_ROUTING);
		return;
	}
	if (!answered(lc->snap, nd->target, in_port)) {
		dp_drop(lc, m, DP_DROP_NOT_LOCAL);
		return;
	}
	/* in an mbuf of its own: the answer may be longer than the request
	 * (a DAD probe has no option, the answer one) */
	r = dp_reply_alloc(lc, &buf);
	rte_pktmbuf_free(m);
	if (!r)
		return;
	n = dp_nd_build_reply(buf, nd, mac);
	r->data_len = (uint16_t)n;
	r->pkt_len = n;
	lc->stats.nd_replies++;
	dp_tx(lc, in_port, r);
}

/* TCP or UDP to a VIP or local IP (v: its value in the address map). */
static void input_service(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt6 *p6,
			  uint32_t v, uint16_t in_port, bool redirected)
{
	const struct dp_snap *s = lc->snap;
	struct dp_pkt p;

	if (martian6(p6->src)) {
		dp_drop(lc, m, DP_DROP_MARTIAN);
		return;
	}
	dp_pkt_from6(rte_pktmbuf_mtod(m, uint8_t *), p6, &p);
	m->port = in_port;
	/* later fragments follow their first (frag_path.c), as IPv4's */
	if (unlikely(p.frag == DP_FRAG_LATER)) {
		dp_frag_later(lc, m, &p, in_port, redirected);
		return;
	}
	if (DP_ADDR_KIND(v) == DP_ADDR_VIP) {
		dp_vip_in(lc, m, &p, redirected);
		return;
	}
	if (!redirected) {
		unsigned owner = dp_laddr_owner(&s->laddr, p.dst, p.dport);

		if (owner != lc->idx) {
			if (unlikely(p.frag == DP_FRAG_FIRST))
				dp_frag_track_owner(lc, &p, owner);
			dp_redirect(lc, m, in_port, owner);
			return;
		}
	}
	dp_fullnat_out(lc, m, &p, redirected);
}

void dp_input6(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected)
{
	const uint8_t *mac = lc->dp->port[in_port].mac.addr_bytes;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), v;
	bool icmp, ours;
	struct dp_pkt6 p;
	struct dp_nd nd;
	enum dp_drop why;
	int rc;

	if (dp_pkt_parse_ipv6(f, len, DP_ETH_HLEN, &p, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	icmp = p.proto == DP_IPPROTO_ICMPV6 && p.frag == DP_FRAG_NONE;
	rc = icmp ? dp_nd_parse(f, len, &p, &nd, &why) : -ENOMSG;
	if (rc == -EBADMSG) {
		dp_drop(lc, m, why);
		return;
	}
	if (rc == 0) {
		input_nd(lc, m, &nd, in_port);
		return;
	}
	v = dp_snap_addr6(lc->snap, p.dst);
	if (v && (p.proto == DP_IPPROTO_TCP || p.proto == DP_IPPROTO_UDP)) {
		input_service(lc, m, &p, v, in_port, redirected);
		return;
	}
	if (v && icmp && dp_icmp6_is_error(p.icmp_type)) {
		dp_icmp6_input(lc, m, &p, v, in_port, redirected);
		return;
	}
	/* not ours: a NAT server's reply to its client, if any NAT service
	 * exists (FULLNAT traffic never comes this way) */
	if (!v && lc->snap->has_nat && nat_dest6(p.dst) && !any_port_ip6(lc->snap, p.dst)) {
		dp_nat_routed6(lc, m, &p, in_port, redirected);
		return;
	}
	ours = v || our_port_ip6(lc->snap, p.dst, in_port);
	if (ours && icmp && p.icmp_type == DP_ICMP6_ECHO) {
		dp_icmp6_echo_reply(f, &p, DP_ORIGIN_TTL);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, mac, 6);
		lc->stats.icmp6_echo_replies++;
		dp_tx(lc, in_port, m);
		return;
	}
	/* the rest to a port's ip6 is the kernel's, as IPv4's (dp/punt.h) */
	if (dp_punt6_is_kernels(lc->snap, &p, in_port)) {
		dp_punt(lc, in_port, m, dp_punt_classify6(lc->snap, &p));
		return;
	}
	/* multicast (MLD, router solicitations...) and other hosts' unicast
	 * are not for us; what is for a VIP or local IP, beyond the above,
	 * is not served yet */
	dp_drop(lc, m, ours ? DP_DROP_IP6_UNSERVED : DP_DROP_NOT_LOCAL);
}
