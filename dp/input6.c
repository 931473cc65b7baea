/* dp/input6.c — IPv6 frames, as far as this version serves them.
 *
 *   NS for a port's IPv6 address, on that port → NA (dp/nd.c)
 *   echo request to a port's IPv6 address      → echo reply
 *   ND failing RFC 4861's checks               → nd_malformed
 *   another host's NA for a port's IPv6 address → nd_conflicts (logged)
 *   other ND (NA, NS for other hosts), multicast (MLD, RS, RA), other
 *   hosts' unicast                             → not_for_us
 *   anything else to a port's IPv6 address     → ipv6_not_served
 *
 * Both answers go back to the MAC the request came from (the asker, or
 * the router it came through): there is no IPv6 neighbour table yet, and
 * an answer needs none. */
#include <errno.h>
#include <string.h>

#include "dp/dp_int.h"
#include "dp/icmp.h"
#include "dp/nd.h"
#include "dp/reply.h"

_Static_assert(DP_ND_FRAME_LEN <= DP_REPLY_MAX, "an ND answer fits a reply mbuf");

static bool our_ip6(const struct dp_snap *s, const uint8_t *a, uint16_t port)
{
	return port < s->n_ports && s->port[port].has_ip6 && !memcmp(s->port[port].ip6, a, 16);
}

void dp_input6(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port)
{
	const uint8_t *mac = lc->dp->port[in_port].mac.addr_bytes;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), n;
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
		struct rte_mbuf *r;
		uint8_t *buf;

		if (nd.type == DP_ICMP6_NA && our_ip6(lc->snap, nd.target, in_port) &&
		    memcmp(nd.eth_src, mac, 6) != 0) {
			/* someone else has our address (logged by cp/maint.c) */
			lc->stats.nd_conflicts++;
			rte_pktmbuf_free(m);
			return;
		}
		if (nd.type != DP_ICMP6_NS || !our_ip6(lc->snap, nd.target, in_port)) {
			dp_drop(lc, m, DP_DROP_NOT_LOCAL);
			return;
		}
		/* in an mbuf of its own: the answer may be longer than the
		 * request (a DAD probe has no option, the answer one) */
		r = dp_reply_alloc(lc, &buf);
		rte_pktmbuf_free(m);
		if (!r)
			return;
		n = dp_nd_build_reply(buf, &nd, mac);
		r->data_len = (uint16_t)n;
		r->pkt_len = n;
		lc->stats.nd_replies++;
		dp_tx(lc, in_port, r);
		return;
	}
	ours = our_ip6(lc->snap, p.dst, in_port);
	if (ours && icmp && p.icmp_type == DP_ICMP6_ECHO) {
		dp_icmp6_echo_reply(f, &p, DP_ORIGIN_TTL);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, mac, 6);
		lc->stats.icmp6_echo_replies++;
		dp_tx(lc, in_port, m);
		return;
	}
	/* multicast (MLD, router solicitations...) and other hosts' unicast
	 * are not for us; what is, beyond ND and echo, is not served yet */
	dp_drop(lc, m, ours ? DP_DROP_IP6_UNSERVED : DP_DROP_NOT_LOCAL);
}
