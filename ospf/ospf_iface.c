/* mgw OSPF — interfaces: their state machine (RFC 2328 9.3) as a table,
 * the DR election of a LAN on which we are priority 0 (9.4), timers, and
 * where packets go (8.1, 13.3).
 *
 * A priority-0 router never becomes DR or BDR, so a broadcast interface
 * goes straight from Down to DROther and never waits.
 */
#include <string.h>

#include "ospf/ospf_int.h"

static const char *const if_state_names[OSPF_IS_MAX] = {
	[OSPF_IS_DOWN] = "Down",
	[OSPF_IS_PTP] = "PointToPoint",
	[OSPF_IS_DROTHER] = "DROther",
};

static const char *const if_event_names[OSPF_IE_MAX] = {
	[OSPF_IE_UP] = "InterfaceUp",
	[OSPF_IE_NBR_CHANGE] = "NeighborChange",
	[OSPF_IE_DOWN] = "InterfaceDown",
};

const char *ospf_iface_state_name(enum ospf_if_state s)
{
	return s < OSPF_IS_MAX ? if_state_names[s] : "?";
}

size_t ospf_iface_max_pkt(const struct ospf_iface *ifa)
{
	/* the digest rides after the packet, inside the same IP datagram */
	return (size_t)ifa->c.mtu - OSPF_IP_HDR_LEN - ospf_auth_len(ifa->c.auth);
}

uint32_t ospf_iface_flood_dst(const struct ospf_iface *ifa)
{
	return ifa->c.type == OSPF_IF_PTP ? OSPF_ALL_SPF : OSPF_ALL_DR;
}

uint32_t ospf_nbr_dst(const struct ospf_nbr *n)
{
	return n->ifa->c.type == OSPF_IF_PTP ? OSPF_ALL_SPF : n->addr;
}

void ospf_iface_send(struct ospf_iface *ifa, uint32_t dst, uint8_t type,
		     const uint8_t *pkt, size_t len)
{
	if (ifa->state == OSPF_IS_DOWN)
		return;
	ospf_eng_send(ifa->e, ifa->idx, dst ? dst : ospf_iface_flood_dst(ifa),
		      type, pkt, len);
}

struct ospf_nbr *ospf_iface_find_nbr(struct ospf_iface *ifa, uint32_t rid,
				     uint32_t src)
{
	unsigned i;

	/* 10.5: point-to-point neighbours are known by Router ID, those on
	 * a LAN by their source address. */
	for (i = 0; i < ifa->n_nbrs; i++) {
		struct ospf_nbr *n = ifa->nbrs[i];

		if (ifa->c.type == OSPF_IF_PTP ? n->rid == rid : n->addr == src)
			return n;
	}
	return NULL;
}

void ospf_iface_reap(struct ospf_iface *ifa)
{
	unsigned i = 0;

	while (i < ifa->n_nbrs) {
		if (ifa->nbrs[i]->state == OSPF_NS_DOWN) {
			ospf_nbr_free(ifa->nbrs[i]);
			ifa->nbrs[i] = ifa->nbrs[--ifa->n_nbrs];
			ifa->nbrs[ifa->n_nbrs] = NULL;
		} else {
			i++;
		}
	}
}

/* (priority, Router ID): who wins an election. */
static bool better(const struct ospf_nbr *a, const struct ospf_nbr *b)
{
	if (!b)
		return true;
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->rid > b->rid;
}

/* 9.4 with this router out of the running (priority 0). */
static void elect(struct ospf_iface *ifa, uint32_t *dr, uint32_t *bdr)
{
	struct ospf_nbr *b_decl = NULL, *b_any = NULL, *d = NULL, *b;
	unsigned i;

	for (i = 0; i < ifa->n_nbrs; i++) {
		struct ospf_nbr *n = ifa->nbrs[i];

		if (n->state < OSPF_NS_2WAY || n->prio == 0)
			continue;
		if (n->dr == n->addr) {
			if (better(n, d))
				d = n;
			continue;
		}
		if (n->bdr == n->addr && better(n, b_decl))
			b_decl = n;
		if (better(n, b_any))
			b_any = n;
	}
	b = b_decl ? b_decl : b_any;
	if (!d)
		d = b;
	*dr = d ? d->addr : 0;
	*bdr = b ? b->addr : 0;
}

typedef int (*if_act_fn)(struct ospf_iface *ifa, uint64_t now);

#define IX_ACT  -1
#define IX_NONE -2

struct if_tr {
	if_act_fn act;
	int8_t next;
};

static int act_up(struct ospf_iface *ifa, uint64_t now)
{
	ifa->hello_at = now ? now : 1;    /* the first Hello: at once */
	ifa->dr = ifa->bdr = 0;
	return ifa->c.type == OSPF_IF_PTP ? OSPF_IS_PTP : OSPF_IS_DROTHER;
}

static int act_elect(struct ospf_iface *ifa, uint64_t now)
{
	uint32_t dr, bdr;
	unsigned i;
	char b1[16], b2[16];

	elect(ifa, &dr, &bdr);
	if (dr == ifa->dr && bdr == ifa->bdr)
		return ifa->state;
	OSPF_RLOG(ifa->e, now, INFO, "%s: DR %s, BDR %s (RFC 2328 9.4)",
		  ifa->c.ifname, ospf_ntoa(dr, b1), ospf_ntoa(bdr, b2));
	ifa->dr = dr;
	ifa->bdr = bdr;
	/* 9.4 (7): adjacencies follow the new DR and BDR. */
	for (i = 0; i < ifa->n_nbrs; i++)
		if (ifa->nbrs[i]->state >= OSPF_NS_2WAY)
			ospf_nbr_event(ifa->nbrs[i], now, OSPF_NE_ADJ_OK);
	ospf_orig_schedule(ifa->e, now, false);
	return ifa->state;
}

static int act_down(struct ospf_iface *ifa, uint64_t now)
{
	unsigned i;

	for (i = 0; i < ifa->n_nbrs; i++)
		ospf_nbr_event(ifa->nbrs[i], now, OSPF_NE_KILL);
	ifa->n_acks = 0;
	ifa->ack_at = 0;
	ifa->hello_at = 0;
	ifa->dr = ifa->bdr = 0;
	ospf_orig_schedule(ifa->e, now, false);
	return OSPF_IS_DOWN;
}

static const struct if_tr if_fsm[OSPF_IS_MAX][OSPF_IE_MAX] = {
	[OSPF_IS_DOWN] = {
		[OSPF_IE_UP] = { act_up, IX_ACT },
		[OSPF_IE_NBR_CHANGE] = { NULL, IX_NONE },
		[OSPF_IE_DOWN] = { NULL, IX_NONE },
	},
	[OSPF_IS_PTP] = {
		[OSPF_IE_UP] = { NULL, IX_NONE },
		[OSPF_IE_NBR_CHANGE] = { NULL, IX_NONE },
		[OSPF_IE_DOWN] = { act_down, IX_ACT },
	},
	[OSPF_IS_DROTHER] = {
		[OSPF_IE_UP] = { NULL, IX_NONE },
		[OSPF_IE_NBR_CHANGE] = { act_elect, IX_ACT },
		[OSPF_IE_DOWN] = { act_down, IX_ACT },
	},
};

void ospf_iface_event(struct ospf_iface *ifa, uint64_t now,
		      enum ospf_if_event ev)
{
	const struct if_tr *tr;
	int next;

	if (ifa->state >= OSPF_IS_MAX || ev >= OSPF_IE_MAX)
		return;
	tr = &if_fsm[ifa->state][ev];
	if (tr->next == IX_NONE)
		return;
	next = tr->act ? tr->act(ifa, now) : tr->next;
	if (next == (int)ifa->state)
		return;
	OSPF_LOG(INFO, "%s: interface from %s to %s on %s (RFC 2328 9.3)",
		 ifa->c.ifname, if_state_names[ifa->state], if_state_names[next],
		 if_event_names[ev]);
	ifa->state = (enum ospf_if_state)next;
	ifa->since_ms = now;
	if (ifa->state == OSPF_IS_DOWN)
		ospf_iface_reap(ifa);
}

void ospf_iface_tick(struct ospf_iface *ifa, uint64_t now)
{
	unsigned i;

	if (ifa->state == OSPF_IS_DOWN)
		return;
	if (ifa->hello_at && now >= ifa->hello_at) {
		ospf_hello_send(ifa, now, false);
		ifa->hello_at = now + (uint64_t)ifa->c.hello_s * 1000;
	}
	for (i = 0; i < ifa->n_nbrs; i++) {
		struct ospf_nbr *n = ifa->nbrs[i];

		if (n->dead_at && now >= n->dead_at) {
			ospf_nbr_event(n, now, OSPF_NE_INACTIVITY);
			continue;
		}
		ospf_dbd_tick(n, now);
		ospf_lsr_tick(n, now);
		ospf_lsu_tick(n, now);
	}
	if (ifa->ack_at && now >= ifa->ack_at)
		ospf_ack_flush(ifa, now);
}

static void take(uint64_t *m, uint64_t t)
{
	if (t && t < *m)
		*m = t;
}

uint64_t ospf_iface_next(const struct ospf_iface *ifa)
{
	uint64_t m = UINT64_MAX;
	unsigned i;

	if (ifa->state == OSPF_IS_DOWN)
		return m;
	take(&m, ifa->hello_at);
	take(&m, ifa->ack_at);
	for (i = 0; i < ifa->n_nbrs; i++) {
		const struct ospf_nbr *n = ifa->nbrs[i];

		take(&m, n->dead_at);
		take(&m, n->dbd_rxmt_at);
		take(&m, n->dbd_hold_until);
		take(&m, n->lsr_rxmt_at);
		take(&m, n->lsu_rxmt_at);
	}
	return m;
}
