/* dp/input.c — what a received frame is and where it goes.
 *
 *   ARP            → answer for our addresses; replies (and requests not for
 *                    us) go to the kernel, where the neighbour thread learns
 *   IPv4 to a VIP  → client side of every mode (conn.c)
 *   IPv4 to a LIP  → FULLNAT, server side (handed to the owning lcore first)
 *   ICMP to a VIP or LIP → icmp_path.c; later fragments → frag_path.c
 *   IPv4 to a port's own IP, multicast, broadcast → the kernel (TAP)
 *   IPv4 to another address, with NAT services → NAT replies (fwd.c)
 *   IPv6           → input6.c (ND, echo, IPv6 VIPs and local IPs)
 *   anything else  → dropped and counted */
#include <string.h>

#include <rte_prefetch.h>

#include "dp/arp.h"
#include "dp/dp_int.h"
#include "dp/punt.h"

static bool is_our_arp_target(const struct dp_snap *s, uint32_t tpa, uint16_t in_port)
{
	uint32_t v = dp_snap_addr(s, tpa);

	if (!v || (v & DP_ADDR_NOARP))
		return false;
	/* A port's own IP is answered only on that port. */
	if (DP_ADDR_KIND(v) == DP_ADDR_PORT)
		return DP_ADDR_INDEX(v) == in_port;
	return true;
}

static void input_arp(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct dp_arp a;
	enum dp_drop why;

	if (dp_arp_parse(f, rte_pktmbuf_data_len(m), &a, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	if (a.op == DP_ARP_REQUEST && is_our_arp_target(lc->snap, a.tpa, in_port)) {
		/* The kernel learns the asker's MAC when it needs it; a copy
		 * of every request would only make it answer twice. */
		uint32_t len = dp_arp_make_reply(f, rte_pktmbuf_data_len(m), &a,
						 lc->dp->port[in_port].mac.addr_bytes);

		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		lc->stats.arp_replies++;
		dp_tx(lc, in_port, m);
		return;
	}
	dp_punt(lc, in_port, m, DP_PUNT_ROUTING);
}

/* hops (in hash.usr of a handed-over packet): how many lcores looked for its
 * session before the receiver; ours to use, nothing reads the RSS hash once
 * the packet is in. */
static void redirect(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, unsigned owner,
		     uint32_t hops)
{
	struct rte_ring *r = lc->dp->ring[lc->idx][owner];

	m->port = in_port;   /* our port index, for the owner's input */
	m->hash.usr = hops;
	if (rte_ring_sp_enqueue(r, m) != 0) {
		dp_drop(lc, m, DP_DROP_REDIRECT_FULL);
		return;
	}
	lc->stats.redirect_out++;
}

void dp_redirect(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, unsigned owner)
{
	redirect(lc, m, in_port, owner, 0);
}

bool dp_miss_pass(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected)
{
	uint32_t hops = redirected ? m->hash.usr : 0;

	if (hops + 1 >= lc->dp->n_lcores)
		return false;
	lc->stats.miss_passed++;
	redirect(lc, m, in_port, (lc->idx + 1) % lc->dp->n_lcores, hops + 1);
	return true;
}

void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint16_t in_port, bool redirected)
{
	const struct dp_snap *s = lc->snap;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct dp_pkt p;
	enum dp_drop why;
	uint32_t v;
	int type;

	type = dp_pkt_ethertype(f, len, &why);
	if (type < 0) {
		dp_drop(lc, m, why);
		return;
	}
	if (type == DP_ETH_P_ARP) {
		input_arp(lc, m, in_port);
		return;
	}
	if (type == DP_ETH_P_IPV6) {
		dp_input6(lc, m, in_port, redirected);
		return;
	}
	if (type != DP_ETH_P_IPV4) {
		dp_drop(lc, m, DP_DROP_L2_TYPE);
		return;
	}
	if (dp_pkt_parse_ipv4(f, len, DP_ETH_HLEN,
			      !(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD), &p, &why) < 0) {
		dp_drop(lc, m, why);
		return;
	}
	m->port = in_port;

	v = dp_snap_addr(s, p.dst);
	/* Sources no packet to a service can have: this network (0/8),
	 * loopback, multicast and class E (and so broadcast). (Our own
	 * addresses as sources are caught where a flow would start.) */
	if (unlikely(DP_ADDR_KIND(v) >= DP_ADDR_VIP && dp_martian(p.src))) {
		dp_drop(lc, m, DP_DROP_MARTIAN);
		return;
	}
	switch (DP_ADDR_KIND(v)) {
	case DP_ADDR_VIP:
		if (unlikely(p.proto == DP_IPPROTO_ICMP)) {
			dp_icmp_input(lc, m, &p, in_port, redirected);
			return;
		}
		if (unlikely(p.frag == DP_FRAG_LATER) &&
		    (p.proto == DP_IPPROTO_TCP || p.proto == DP_IPPROTO_UDP)) {
			dp_frag_later(lc, m, &p, in_port, redirected);
			return;
		}
		dp_vip_in(lc, m, &p, redirected);
		return;
	case DP_ADDR_LIP:
		if (unlikely(p.proto == DP_IPPROTO_ICMP)) {
			dp_icmp_input(lc, m, &p, in_port, redirected);
			return;
		}
		if (p.proto == DP_IPPROTO_TCP || p.proto == DP_IPPROTO_UDP) {
			unsigned owner;

			if (unlikely(p.frag == DP_FRAG_LATER)) {
				dp_frag_later(lc, m, &p, in_port, redirected);
				return;
			}
			owner = redirected ? lc->idx : dp_laddr_owner(&s->laddr, p.dst, p.dport);
			if (owner != lc->idx) {
				dp_redirect(lc, m, in_port, owner);
				/* later fragments have no port: they follow */
				if (unlikely(p.frag == DP_FRAG_FIRST))
					dp_frag_track_owner(lc, &p, owner);
				return;
			}
		}
		dp_fullnat_out(lc, m, &p, redirected);
		return;
	case DP_ADDR_PORT:
		dp_punt(lc, in_port, m, dp_punt_classify(s, &p));
		return;
	default:
		break;
	}
	/* Multicast (OSPF) and broadcast are the kernel's business. */
	if ((rte_be_to_cpu_32(p.dst) >> 28) == 0xe || p.dst == 0xffffffff) {
		dp_punt(lc, in_port, m, p.proto == DP_IPPROTO_OSPF ? DP_PUNT_ROUTING : DP_PUNT_OTHER);
		return;
	}
	/* Not ours: a NAT server's reply to its client, if any NAT service
	 * exists (FULLNAT traffic never comes this way). */
	if (s->has_nat) {
		dp_nat_routed(lc, m, &p, in_port, redirected);
		return;
	}
	dp_drop(lc, m, DP_DROP_NOT_LOCAL);
}

/* The session hash of a frame's TCP/UDP 5-tuple, read with only the checks
 * that keep the reads inside the frame: a prefetch hint, never a decision
 * (dp_input parses the frame properly). */
static inline bool peek_hash(uint64_t seed, const struct rte_mbuf *m, uint32_t *h)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t src, dst;
	uint16_t sport, dport;

	if (rte_pktmbuf_data_len(m) < DP_ETH_HLEN + 24 || f[12] != 0x08 || f[13] != 0x00 ||
	    f[14] != 0x45 || (f[20] & 0x3f) || f[21] ||
	    (f[23] != DP_IPPROTO_TCP && f[23] != DP_IPPROTO_UDP))
		return false;
	memcpy(&src, f + 26, 4);
	memcpy(&dst, f + 30, 4);
	memcpy(&sport, f + 34, 2);
	memcpy(&dport, f + 36, 2);
	*h = dp_sess_hash(seed, src, dst, sport, dport, f[23]);
	return true;
}

/* A burst received on a data port, in l3fwd's shape: the frames' first
 * lines are fetched together, then the session buckets of their tuples,
 * then the sessions those point at, so that the cache misses of a burst
 * overlap instead of each packet waiting for its own; then each packet is
 * handled to completion, finding what it needs in the cache. The session a
 * bucket pointed at is handed on as a candidate (lc->rx_cand), which
 * FULLNAT checks against the parsed tuple instead of looking up again. */
void dp_input_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint16_t port)
{
	struct dp_port_stats *ps = &lc->stats.port[port];
	uint32_t h[DP_BURST];
	struct dp_sess *cand[DP_BURST];
	unsigned cand_dir[DP_BURST];
	uint32_t hashed = 0;     /* bit i: h[i] is set */
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n && i < DP_BURST; i++) {
		if (peek_hash(lc->sess.seed, pkts[i], &h[i])) {
			dp_sess_prefetch(&lc->sess, h[i]);
			hashed |= 1u << i;
		}
	}
	for (uint16_t i = 0; i < n && i < DP_BURST; i++) {
		cand[i] = NULL;
		if (hashed >> i & 1)
			cand[i] = dp_sess_prefetch2(&lc->sess, h[i], &cand_dir[i]);
	}
	for (uint16_t i = 0; i < n; i++) {
		bytes += pkts[i]->pkt_len;
		lc->rx_cand = i < DP_BURST ? cand[i] : NULL;
		lc->rx_cand_dir = i < DP_BURST ? cand_dir[i] : 0;
		dp_input(lc, pkts[i], port, false);
	}
	lc->rx_cand = NULL;
	ps->rx_pkts += n;
	ps->rx_bytes += bytes;
	lc->stats.rx_pkts += n;
	lc->stats.rx_bytes += bytes;
}
