/* dp/punt.h — the exception path's classes: what goes to the kernel and
 * in which order of importance.
 *
 * Everything for a port's own address (and multicast, broadcast, ARP not
 * answered here) goes to the kernel through the port's TAP. A flood at a
 * port address must not crowd out what keeps the node in the network, so
 * each class has its own token bucket per lcore (exception_path.*_pps,
 * each lcore its share, dp/limit.h) and is counted apart:
 *   routing  OSPF (IP protocol 89), BGP (TCP port 179) from a configured
 *            peer's address, ARP, session sync's datagrams from a
 *            configured sync peer to the sync port;
 *   health   replies to the health checks: from an address and port (or,
 *            ICMP, the address) of a server the snapshot knows;
 *   other    the rest (ping, ssh, floods).
 * A flood of "other" then fills only its own bucket: OSPF hellos, BGP
 * keepalives and check replies always find theirs. (A spoofer who forges a
 * peer's or a server's address fills that class's bucket alone.)
 *
 * IPv6 alike: what is for a port's ip6 and not answered by the lcores
 * (ND and echo are) goes to the same TAP, in the same classes.
 *
 * Pure (no mbuf): the frame and what the parser found. */
#ifndef MGW_DP_PUNT_H
#define MGW_DP_PUNT_H

#include <string.h>

#include "dp/icmp.h"
#include "dp/map.h"
#include "dp/pkt.h"
#include "dp/snap.h"

#define DP_IPPROTO_OSPF 89
#define DP_BGP_PORT     0xb300     /* 179, network order */

static inline uint64_t dp_punt_key(uint32_t ip, uint16_t port)
{
	return (uint64_t)ip << 16 | port;
}

/* The class of a packet for the kernel, of either family: src is an IPv4
 * source or an IPv6 one's handle (dp/addr6.h), as the maps hold them;
 * icmp: it is ICMP of its family; later: a fragment after the first (its
 * ports are not there). A handle two addresses share only puts one in
 * the other's class. */
static inline enum dp_punt_class dp_punt_class_of(const struct dp_snap *s, uint8_t proto,
						  bool later, bool icmp, uint32_t src,
						  uint16_t sport, uint16_t dport)
{
	if (proto == DP_IPPROTO_OSPF)
		return DP_PUNT_ROUTING;
	if (later)
		return DP_PUNT_OTHER;
	if (proto == DP_IPPROTO_TCP && (sport == DP_BGP_PORT || dport == DP_BGP_PORT) &&
	    s->bgp_peers && dp_map_get(s->bgp_peers, src) != DP_MAP_NONE)
		return DP_PUNT_ROUTING;
	if (proto == DP_IPPROTO_UDP && s->sync_peers && dport == s->sync_port &&
	    dp_map_get(s->sync_peers, src) != DP_MAP_NONE)
		return DP_PUNT_ROUTING;
	if (s->hc_targets &&
	    (((proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP) &&
	      dp_map_get(s->hc_targets, dp_punt_key(src, sport)) != DP_MAP_NONE) ||
	     (icmp && dp_map_get(s->hc_targets, dp_punt_key(src, 0)) != DP_MAP_NONE)))
		return DP_PUNT_HEALTH;
	return DP_PUNT_OTHER;
}

/* The class of an IPv4 packet p for the kernel. */
static inline enum dp_punt_class dp_punt_classify(const struct dp_snap *s, const struct dp_pkt *p)
{
	return dp_punt_class_of(s, p->proto, p->frag == DP_FRAG_LATER, p->proto == DP_IPPROTO_ICMP,
				p->src, p->sport, p->dport);
}

/* Is IPv6 packet p (not ND: the lcores answer NS for ip6 and hand every
 * NA to the kernel) to port's own ip6 the kernel's? All but the echo
 * requests, which the lcores answer: replies to the kernel's sockets
 * (health checks, BGP), ICMPv6 errors about what they sent, fragments. */
static inline bool dp_punt6_is_kernels(const struct dp_snap *s, const struct dp_pkt6 *p,
				       uint16_t port)
{
	if (port >= s->n_ports || !s->port[port].has_ip6 || memcmp(s->port[port].ip6, p->dst, 16))
		return false;
	return !(p->proto == DP_IPPROTO_ICMPV6 && p->frag == DP_FRAG_NONE &&
		 p->icmp_type == DP_ICMP6_ECHO);
}

/* The class of an IPv6 packet p for the kernel (the maps hold IPv6
 * sources by handle). */
static inline enum dp_punt_class dp_punt_classify6(const struct dp_snap *s,
						   const struct dp_pkt6 *p)
{
	return dp_punt_class_of(s, p->proto, p->frag == DP_FRAG_LATER,
				p->proto == DP_IPPROTO_ICMPV6, dp_ip6_handle(p->src), p->sport,
				p->dport);
}

#endif
