/* dp/xmit.c — sending: route, next hop's MAC, per-port tx buffers, and the
 * packets that wait while a next hop is being resolved.
 *
 * A packet whose next hop has no MAC yet is held (up to DP_HOLD_MAX per
 * lcore, for neigh_hold_ms) and an ARP request goes out at once, then every
 * 200 ms; the neighbour thread learns the reply from the copy the kernel
 * gets. What cannot be held or times out is dropped and counted.
 *
 * An IPv6 next hop goes the same way, keyed by its handle with the full
 * address beside it: an NS from the port's IPv6 address instead of the ARP
 * request, learnt by the same thread from the NA (cp/neigh.c). A
 * destination on a port's IPv6 subnet is its own next hop; others take
 * the snapshot's IPv6 routes (dp_route6). */
#include <string.h>

#include <rte_cycles.h>

#include "dp/arp.h"
#include "dp/dp_int.h"
#include "dp/limit.h"
#include "dp/nd.h"
#include "dp/rewrite.h"

#define ASK_INTERVAL_MS 200

static void flush_one(struct dp_lcore *lc, uint16_t eth_id, struct dp_txbuf *b,
		      struct dp_port_stats *ps, bool punt)
{
	uint16_t sent = rte_eth_tx_burst(eth_id, (uint16_t)lc->idx, b->m, b->n);

	if (ps) {
		for (uint16_t i = 0; i < sent; i++)
			ps->tx_bytes += b->m[i]->pkt_len;
		ps->tx_pkts += sent;
	}
	if (punt)
		lc->stats.punted += sent;
	else
		lc->stats.tx_pkts += sent;
	for (uint16_t i = sent; i < b->n; i++)
		dp_drop(lc, b->m[i], punt ? DP_DROP_PUNT_FULL : DP_DROP_TX_FULL);
	b->n = 0;
}

void dp_tx_flush(struct dp_lcore *lc)
{
	struct dp *dp = lc->dp;

	for (unsigned p = 0; p < dp->n_ports; p++) {
		if (lc->tx[p].n)
			flush_one(lc, dp->port[p].eth_id, &lc->tx[p], &lc->stats.port[p], false);
		if (lc->punt[p].n)
			flush_one(lc, dp->port[p].tap_id, &lc->punt[p], NULL, true);
	}
}

void dp_tx(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &lc->tx[port];

	b->m[b->n++] = m;
	if (b->n == DP_BURST)
		flush_one(lc, lc->dp->port[port].eth_id, b, &lc->stats.port[port], false);
}

/* Policed per class (dp/punt.h): a class over its rate loses only its
 * own packets. */
void dp_punt(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m, enum dp_punt_class cls)
{
	static const enum dp_drop why[DP_PUNT_MAX] = {
		[DP_PUNT_ROUTING] = DP_DROP_PUNT_ROUTING,
		[DP_PUNT_HEALTH] = DP_DROP_PUNT_HEALTH,
		[DP_PUNT_OTHER] = DP_DROP_PUNT_OTHER,
	};
	uint32_t pps = lc->snap->punt_pps[cls];
	struct dp_txbuf *b = &lc->punt[port];

	if (pps && !dp_tb_take(&lc->punt_tb[cls], lc->now_ms, pps, lc->snap->laddr.n_lcores)) {
		dp_drop(lc, m, why[cls]);
		return;
	}
	if (cls == DP_PUNT_ROUTING)
		lc->stats.punt_routing++;
	else if (cls == DP_PUNT_HEALTH)
		lc->stats.punt_health++;
	else
		lc->stats.punt_other++;

	b->m[b->n++] = m;
	if (b->n == DP_BURST)
		flush_one(lc, lc->dp->port[port].tap_id, b, NULL, true);
}

static void ask(struct dp_lcore *lc, uint16_t port, uint32_t nh)
{
	const struct dp_snap *s = lc->snap;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);
	uint8_t *buf;

	if (!m) {
		lc->stats.drops[DP_DROP_NO_MBUF]++;
		return;
	}
	buf = (uint8_t *)rte_pktmbuf_append(m, DP_ARP_FRAME_LEN);
	dp_arp_build_request(buf, lc->dp->port[port].mac.addr_bytes, s->port[port].ip, nh);
	lc->stats.arp_requests++;
	dp_tx(lc, port, m);
}

/* An NS for the IPv6 next hop ip6, from the port's IPv6 address. */
static void ask6(struct dp_lcore *lc, uint16_t port, const uint8_t *ip6)
{
	const struct dp_snap *s = lc->snap;
	struct rte_mbuf *m;
	uint8_t *buf;

	if (!s->port[port].has_ip6)
		return;
	m = rte_pktmbuf_alloc(lc->dp->pool);
	if (!m) {
		lc->stats.drops[DP_DROP_NO_MBUF]++;
		return;
	}
	buf = (uint8_t *)rte_pktmbuf_append(m, DP_ND_FRAME_LEN);
	dp_nd_build_solicit(buf, lc->dp->port[port].mac.addr_bytes, s->port[port].ip6, ip6);
	lc->stats.nd_requests++;
	dp_tx(lc, port, m);
}

/* The next hop (nh; ip6 for IPv6, else NULL) asked for on port. */
static void ask_key(struct dp_lcore *lc, uint16_t port, uint32_t nh, const uint8_t *ip6)
{
	if (ip6)
		ask6(lc, port, ip6);
	else
		ask(lc, port, nh);
}

static bool same_nh(uint32_t ip, const uint8_t *ip6, uint32_t ip_b, uint8_t v6_b,
		    const uint8_t *ip6_b)
{
	return ip == ip_b && (ip6 ? v6_b && !memcmp(ip6, ip6_b, 16) : !v6_b);
}

static inline void set_l2(struct rte_mbuf *m, const uint8_t dst[6], const struct dp_port *p)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	memcpy(f, dst, 6);
	memcpy(f + 6, p->mac.addr_bytes, 6);
}

static void hold(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t port, uint32_t nh,
		 const uint8_t *ip6)
{
	struct dp_hold_ent *h;
	bool asked = false;

	if (lc->n_hold == DP_HOLD_MAX) {
		dp_drop(lc, m, DP_DROP_NEIGH_HOLD_FULL);
		return;
	}
	/* One request per next hop, however many packets wait for it. */
	for (unsigned i = 0; i < lc->n_hold; i++)
		if (same_nh(nh, ip6, lc->hold[i].nh, lc->hold[i].v6, lc->hold[i].ip6))
			asked = true;
	h = &lc->hold[lc->n_hold++];
	h->m = m;
	h->nh = nh;
	h->v6 = ip6 != NULL;
	if (ip6)
		memcpy(h->ip6, ip6, 16);
	h->port = port;
	h->deadline = lc->now_tsc + (uint64_t)lc->dp->conf.neigh_hold_ms * lc->tsc_per_ms;
	h->next_ask = lc->now_tsc + ASK_INTERVAL_MS * lc->tsc_per_ms;
	if (!asked)
		ask_key(lc, port, nh, ip6);
}

void dp_hold_run(struct dp_lcore *lc)
{
	unsigned i = 0;

	while (i < lc->n_hold) {
		struct dp_hold_ent *h = &lc->hold[i];
		uint8_t mac[6];

		if (dp_neigh_lookup_key(lc->dp->neigh, h->nh, h->v6 ? h->ip6 : NULL, mac, NULL) == 0) {
			set_l2(h->m, mac, &lc->dp->port[h->port]);
			dp_tx(lc, h->port, h->m);
		} else if (lc->now_tsc >= h->deadline) {
			dp_drop(lc, h->m, DP_DROP_NEIGH_TIMEOUT);
		} else {
			if (lc->now_tsc >= h->next_ask) {
				h->next_ask = lc->now_tsc + ASK_INTERVAL_MS * lc->tsc_per_ms;
				ask_key(lc, h->port, h->nh, h->v6 ? h->ip6 : NULL);
			}
			i++;
			continue;
		}
		*h = lc->hold[--lc->n_hold];
	}
}

void dp_xmit_ip(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t dst)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_ETH_HLEN);
	uint8_t mac[6];
	uint16_t port;
	uint32_t nh;

	if (dp_routes_lookup(lc->snap->routes, dst, &port, &nh) < 0) {
		dp_drop(lc, m, DP_DROP_NO_ROUTE);
		return;
	}
	if (ip[8] <= 1) {
		dp_drop(lc, m, DP_DROP_TTL);
		return;
	}
	dp_rw_ttl_dec(ip);
	if (dp_neigh_lookup(lc->dp->neigh, nh, mac, NULL) < 0) {
		hold(lc, m, port, nh, NULL);
		return;
	}
	set_l2(m, mac, &lc->dp->port[port]);
	dp_tx(lc, port, m);
}

/* The route or neighbour table changed: forget every resolved next hop.
 * Sessions notice by their epoch and resolve again. */
static void nh_flush(struct dp_lcore *lc, uint32_t gen)
{
	lc->nh_epoch++;
	lc->n_nh = 1;
	lc->nh_routes = lc->snap->routes;
	lc->nh_neigh_gen = gen;
	memset(lc->nh_slot, 0, sizeof(lc->nh_slot));
}

/* The cache index of next hop (ip, port), or 0; *slot gets where to add
 * it. */
static uint16_t nh_find(const struct dp_lcore *lc, uint32_t ip, const uint8_t *ip6, uint16_t port,
		       uint32_t *slot)
{
	uint32_t i = (uint32_t)(((uint64_t)(ip ^ (uint32_t)port << 16) * 0x9e3779b97f4a7c15ull) >> 32);

	for (;; i++) {
		uint16_t k = lc->nh_slot[i & (DP_NH_HASH - 1)];

		if (!k || (same_nh(ip, ip6, lc->nh[k].ip, lc->nh[k].v6, lc->nh[k].ip6) &&
			   lc->nh[k].port == port)) {
			*slot = i & (DP_NH_HASH - 1);
			return k;
		}
	}
}

/* Add next hop (ip, port) with this MAC at slot (from nh_find); 0 when the
 * cache is full (its sessions then take the slow path every time). */
static uint16_t nh_add(struct dp_lcore *lc, uint32_t ip, const uint8_t *ip6, uint16_t port,
		       const uint8_t mac[6], uint32_t i)
{
	struct dp_nh *h;

	if (lc->n_nh == DP_NH_MAX)
		return 0;
	h = &lc->nh[lc->n_nh];
	memcpy(h->l2, mac, 6);
	memcpy(h->l2 + 6, lc->dp->port[port].mac.addr_bytes, 6);
	h->port = port;
	h->ip = ip;
	h->v6 = ip6 != NULL;
	if (ip6)
		memcpy(h->ip6, ip6, 16);
	lc->nh_slot[i] = (uint16_t)lc->n_nh;
	return (uint16_t)lc->n_nh++;
}

/* The first packet of a session in a direction, or one after the tables
 * changed: as dp_xmit_ip (the route, then the next hop's MAC: from the
 * cache when another session resolved it already), then remember it. */
/* The port and next hop for IPv6 dst: on a port's subnet, itself; else
 * the longest of the IPv6 routes that holds it (a handful: walked in
 * order). -1 when none does. */
int dp_route6(const struct dp_snap *s, const uint8_t *dst, const uint8_t **nh)
{
	for (uint32_t i = 0; i < s->n_ports; i++)
		if (s->port[i].has_ip6 && dp_ip6_in_prefix(dst, s->port[i].ip6, s->port[i].plen6)) {
			*nh = dst;
			return (int)i;
		}
	for (uint32_t i = 0; i < s->n_routes6; i++)
		if (dp_ip6_in_prefix(dst, s->route6[i].prefix, s->route6[i].plen)) {
			*nh = s->route6[i].via;
			return s->route6[i].port;
		}
	return -1;
}

void dp_xmit_ip6(struct dp_lcore *lc, struct rte_mbuf *m, const uint8_t *dst6)
{
	const uint8_t *nh6;
	uint8_t mac[6];
	uint32_t nh;
	int port = dp_route6(lc->snap, dst6, &nh6);

	if (port < 0) {
		dp_drop(lc, m, DP_DROP_NO_ROUTE);
		return;
	}
	nh = dp_ip6_handle(nh6);
	if (dp_neigh_lookup_key(lc->dp->neigh, nh, nh6, mac, NULL) < 0) {
		hold(lc, m, (uint16_t)port, nh, nh6);
		return;
	}
	set_l2(m, mac, &lc->dp->port[port]);
	dp_tx(lc, (uint16_t)port, m);
}

/* dst6: an IPv6 destination (dst its handle), else NULL. */
static __attribute__((noinline)) void xmit_resolve(struct dp_lcore *lc, struct rte_mbuf *m,
						    struct dp_sess *s, unsigned dir, uint32_t dst,
						    const uint8_t *dst6)
{
	uint8_t mac[6];
	uint16_t port, k;
	uint32_t nh, slot;

	if (dst6) {
		int p = dp_route6(lc->snap, dst6, &dst6);

		if (p < 0) {
			dp_drop(lc, m, DP_DROP_NO_ROUTE);
			return;
		}
		port = (uint16_t)p;
		nh = dp_ip6_handle(dst6);   /* dst6 is the next hop now */
	} else if (dp_routes_lookup(lc->snap->routes, dst, &port, &nh) < 0) {
		dp_drop(lc, m, DP_DROP_NO_ROUTE);
		return;
	}
	k = nh_find(lc, nh, dst6, port, &slot);
	if (!k) {
		if (dp_neigh_lookup_key(lc->dp->neigh, nh, dst6, mac, NULL) < 0) {
			hold(lc, m, port, nh, dst6);
			return;
		}
		k = nh_add(lc, nh, dst6, port, mac, slot);
		if (!k) {
			set_l2(m, mac, &lc->dp->port[port]);
			dp_tx(lc, port, m);
			return;
		}
	}
	if (s->nh_epoch != lc->nh_epoch) {
		s->nh_epoch = lc->nh_epoch;
		s->nh[0] = s->nh[1] = 0;
	}
	s->nh[dir] = k;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), lc->nh[k].l2, 12);
	dp_tx(lc, lc->nh[k].port, m);
}

static inline void xmit_sess(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s,
			     unsigned dir, uint32_t dst, const uint8_t *dst6)
{
	uint32_t gen = __atomic_load_n(&lc->dp->neigh->gen, __ATOMIC_ACQUIRE);
	const struct dp_nh *h;

	if (unlikely(lc->nh_routes != lc->snap->routes || lc->nh_neigh_gen != gen))
		nh_flush(lc, gen);
	if (unlikely(s->nh_epoch != lc->nh_epoch || !s->nh[dir])) {
		xmit_resolve(lc, m, s, dir, dst, dst6);
		return;
	}
	h = &lc->nh[s->nh[dir]];
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), h->l2, 12);
	dp_tx(lc, h->port, m);
}

void dp_xmit_sess(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s, unsigned dir,
		  uint32_t dst)
{
	xmit_sess(lc, m, s, dir, dst, NULL);
}

void dp_xmit_sess6(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_sess *s, unsigned dir,
		   const uint8_t *dst6)
{
	xmit_sess(lc, m, s, dir, dp_ip6_handle(dst6), dst6);
}
