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
 * Pure (no mbuf): the frame and what the parser found. */
#ifndef MGW_DP_PUNT_H
#define MGW_DP_PUNT_H

#include "dp/map.h"
#include "dp/pkt.h"
#include "dp/snap.h"

#define DP_IPPROTO_OSPF 89
#define DP_BGP_PORT     0xb300     /* 179, network order */

static inline uint64_t dp_punt_key(uint32_t ip, uint16_t port)
{
	return (uint64_t)ip << 16 | port;
}

/* The class of an IPv4 packet p for the kernel. */
static inline enum dp_punt_class dp_punt_classify(const struct dp_snap *s, const struct dp_pkt *p)
{
	if (p->proto == DP_IPPROTO_OSPF)
		return DP_PUNT_ROUTING;
	if (p->frag == DP_FRAG_LATER)
		return DP_PUNT_OTHER;
	if (p->proto == DP_IPPROTO_TCP && (p->sport == DP_BGP_PORT || p->dport == DP_BGP_PORT) &&
	    s->bgp_peers && dp_map_get(s->bgp_peers, p->src) != DP_MAP_NONE)
		return DP_PUNT_ROUTING;
	if (p->proto == DP_IPPROTO_UDP && s->sync_peers && p->dport == s->sync_port &&
	    dp_map_get(s->sync_peers, p->src) != DP_MAP_NONE)
		return DP_PUNT_ROUTING;
	if (s->hc_targets &&
	    (((p->proto == DP_IPPROTO_TCP || p->proto == DP_IPPROTO_UDP) &&
	      dp_map_get(s->hc_targets, dp_punt_key(p->src, p->sport)) != DP_MAP_NONE) ||
	     (p->proto == DP_IPPROTO_ICMP &&
	      dp_map_get(s->hc_targets, dp_punt_key(p->src, 0)) != DP_MAP_NONE)))
		return DP_PUNT_HEALTH;
	return DP_PUNT_OTHER;
}

#endif
