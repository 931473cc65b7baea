/* mgw OSPF — Hello packets (RFC 2328 9.5, 10.5). The peer checks
 * HelloInterval and RouterDeadInterval for exact equality, and so do we.
 */
#include "ospf/ospf_int.h"

#define QUICK_HELLO_MIN_MS 100

void ospf_hello_send(struct ospf_iface *ifa, uint64_t now, bool goodbye)
{
	struct ospf_eng *e = ifa->e;
	uint32_t nbrs[OSPF_MAX_NBRS];
	struct ospf_hello h = {
		.mask = ifa->mask,
		.hello_s = ifa->c.hello_s,
		.options = OSPF_OPT_E,
		/* Priority 0 keeps us out of LAN elections; on point-to-point
		 * it means nothing and 1 is what peers expect to see. */
		.prio = ifa->c.type == OSPF_IF_PTP ? 1 : 0,
		.dead_s = ifa->c.dead_s,
		.dr = ifa->c.type == OSPF_IF_PTP ? 0 : ifa->dr,
		.bdr = ifa->c.type == OSPF_IF_PTP ? 0 : ifa->bdr,
	};
	uint8_t buf[OSPF_HDR_LEN + OSPF_HELLO_LEN + 4 * OSPF_MAX_NBRS];
	struct ospf_wbuf w;
	unsigned i, n = 0;

	(void)now;
	if (!goodbye)
		for (i = 0; i < ifa->n_nbrs; i++)
			if (ifa->nbrs[i]->state >= OSPF_NS_INIT)
				nbrs[n++] = ifa->nbrs[i]->rid;
	ospf_wbuf_init(&w, buf, sizeof(buf));
	ospf_pkt_begin(&w, OSPF_T_HELLO, e->rid, e->area);
	ospf_hello_put(&w, &h, nbrs, n);
	if (ospf_pkt_end(&w) == 0)
		ospf_iface_send(ifa, OSPF_ALL_SPF, OSPF_T_HELLO, buf, w.len);
}

void ospf_hello_rx(struct ospf_iface *ifa, uint64_t now, uint32_t src,
		   const struct ospf_pkt *p)
{
	const struct ospf_hello *h = &p->u.hello;
	struct ospf_eng *e = ifa->e;
	struct ospf_nbr *n;
	bool fresh = false, seen = false;
	unsigned i;

	/* The mask is only compared on a LAN (on point-to-point the two
	 * ends need not agree, 10.5). */
	if (ifa->c.type == OSPF_IF_BCAST && h->mask != ifa->mask) {
		ospf_drop(e, now, OSPF_DROP_HELLO_MASK, src);
		return;
	}
	if (h->hello_s != ifa->c.hello_s || h->dead_s != ifa->c.dead_s) {
		ospf_drop(e, now, OSPF_DROP_HELLO_TIMERS, src);
		return;
	}
	/* The E-bit must match the area's: we only know non-stub areas. */
	if (!(h->options & OSPF_OPT_E)) {
		ospf_drop(e, now, OSPF_DROP_HELLO_OPTS, src);
		return;
	}
	n = ospf_iface_find_nbr(ifa, p->h.rid, src);
	if (!n) {
		n = ospf_nbr_new(ifa, p->h.rid, src, now);
		if (!n) {
			ospf_drop(e, now, OSPF_DROP_NBR_LIMIT, src);
			return;
		}
		fresh = true;
	}
	if (ifa->c.type == OSPF_IF_BCAST &&
	    (n->prio != h->prio || n->dr != h->dr || n->bdr != h->bdr ||
	     n->rid != p->h.rid))
		ifa->nbr_change = true;
	n->addr = src;
	n->rid = p->h.rid;
	n->prio = h->prio;
	n->dr = h->dr;
	n->bdr = h->bdr;

	ospf_nbr_event(n, now, OSPF_NE_HELLO_RX);
	/* Tell a new neighbour at once that we see it, rather than a
	 * HelloInterval later: it halves the time to 2-Way. */
	if (fresh && now >= ifa->quick_hello_ms + QUICK_HELLO_MIN_MS) {
		ifa->quick_hello_ms = now;
		ospf_hello_send(ifa, now, false);
	}
	for (i = 0; i < h->n_nbrs; i++)
		if (ospf_hello_nbr(h, i) == e->rid)
			seen = true;
	ospf_nbr_event(n, now, seen ? OSPF_NE_2WAY_RX : OSPF_NE_1WAY_RX);
}
