/* mgw OSPF — Database Description packets (RFC 2328 10.6, 10.8):
 * master/slave negotiation, the exchange in either role, duplicates and
 * retransmission. Our DBDs carry the interface's real MTU, since peers
 * (BIRD among them) refuse a DBD whose MTU differs from theirs.
 */
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

/* Two routers starting together cross their opening DBDs within
 * milliseconds; only a later one suggests ours went unheard. */
#define DBD_QUICK_RESEND_MS 500

static void dbd_keep(struct ospf_nbr *n, const uint8_t *pkt, size_t len)
{
	uint8_t *c = malloc(len);

	if (!c)
		return;      /* no retransmission copy: the peer will resend */
	memcpy(c, pkt, len);
	free(n->dbd_last);
	n->dbd_last = c;
	n->dbd_last_len = len;
}

static void dbd_resend(struct ospf_nbr *n)
{
	if (n->dbd_last)
		ospf_iface_send(n->ifa, ospf_nbr_dst(n), OSPF_T_DBD,
				n->dbd_last, n->dbd_last_len);
}

/* Sends the next DBD: as many headers from the summary list as fit. */
static void dbd_send_next(struct ospf_nbr *n, uint64_t now, bool init)
{
	struct ospf_iface *ifa = n->ifa;
	struct ospf_eng *e = ifa->e;
	size_t max = ospf_iface_max_pkt(ifa);
	unsigned room, used = 0;
	uint8_t *buf;
	struct ospf_wbuf w;
	uint8_t flags;

	buf = malloc(max);
	if (!buf)
		return;
	room = (unsigned)((max - OSPF_HDR_LEN - OSPF_DBD_LEN) / OSPF_LSA_HDR_LEN);
	ospf_wbuf_init(&w, buf, max);
	ospf_pkt_begin(&w, OSPF_T_DBD, e->rid, e->area);
	ospf_dbd_put(&w, ifa->c.mtu, OSPF_OPT_E, 0, n->dd_seq);
	if (!init) {
		while (n->summary.n && used < room) {
			struct ospf_lsa_key k;
			struct ospf_lsa *l;
			struct ospf_lsa_hdr h;

			ospf_lsa_key_of(&n->summary.v[0].h, &k);
			ospf_klist_del(&n->summary, 0);
			l = ospf_lsdb_find(&e->db, &k);
			if (!l)
				continue;      /* gone since the list was made */
			ospf_lsa_cur_hdr(l, now, &h);
			ospf_lsa_hdr_put(&w, &h);
			used++;
		}
	}
	flags = (n->master ? OSPF_DBD_MS : 0) |
		(init ? OSPF_DBD_I | OSPF_DBD_M : 0) |
		(n->summary.n ? OSPF_DBD_M : 0);
	w.p[OSPF_HDR_LEN + 3] = flags;
	if (ospf_pkt_end(&w) == 0) {
		n->dbd_more = flags & OSPF_DBD_M;
		dbd_keep(n, buf, w.len);
		ospf_iface_send(ifa, ospf_nbr_dst(n), OSPF_T_DBD, buf, w.len);
		n->dbd_rxmt_at = n->master ? now + ifa->rxmt_ms : 0;
		n->dbd_sent_ms = now;
	}
	free(buf);
}

void ospf_dbd_start(struct ospf_nbr *n, uint64_t now)
{
	/* 10.3 ExStart: a fresh sequence number the first time, one more
	 * on every restart; claim mastership with an empty I|M|MS packet. */
	n->dd_seq = n->dd_seq ? n->dd_seq + 1 : ospf_eng_rand(n->ifa->e) | 1;
	n->master = true;
	n->have_last_rx = false;
	n->dbd_hold_until = 0;
	dbd_send_next(n, now, true);
}

static bool dbd_dup(const struct ospf_nbr *n, const struct ospf_dbd *d)
{
	return n->have_last_rx && d->flags == n->last_rx_flags &&
	       d->options == n->last_rx_options && d->seq == n->last_rx_seq;
}

/* 10.6: a packet accepted as next in sequence. */
static void dbd_accept(struct ospf_nbr *n, uint64_t now, const struct ospf_dbd *d)
{
	struct ospf_eng *e = n->ifa->e;
	unsigned i;

	n->have_last_rx = true;
	n->last_rx_flags = d->flags;
	n->last_rx_options = d->options;
	n->last_rx_seq = d->seq;

	for (i = 0; i < d->n_hdrs; i++) {
		struct ospf_lsa_hdr h;
		struct ospf_lsa_key k;
		struct ospf_lsa *l;
		struct ospf_lsa_hdr cur;

		ospf_dbd_hdr(d, i, &h);
		if (h.type < OSPF_LSA_ROUTER || h.type > OSPF_LSA_EXTERNAL) {
			ospf_drop(e, now, OSPF_DROP_LSA_TYPE, n->addr);
			ospf_nbr_event(n, now, OSPF_NE_SEQ_MISMATCH);
			return;
		}
		if (h.seq == OSPF_RESERVED_SEQ)
			continue;
		if (h.age > OSPF_MAX_AGE)
			h.age = OSPF_MAX_AGE;
		ospf_lsa_key_of(&h, &k);
		l = ospf_lsdb_find(&e->db, &k);
		if (l) {
			ospf_lsa_cur_hdr(l, now, &cur);
			if (ospf_lsa_cmp(&h, &cur) <= 0)
				continue;
		}
		if (ospf_klist_add(&n->request, &h)) {
			ospf_drop(e, now, OSPF_DROP_LSDB_FULL, n->addr);
			ospf_nbr_event(n, now, OSPF_NE_SEQ_MISMATCH);
			return;
		}
	}

	if (n->master) {
		n->dd_seq++;
		if (!n->dbd_more && !(d->flags & OSPF_DBD_M)) {
			n->dbd_rxmt_at = 0;
			ospf_nbr_event(n, now, OSPF_NE_EXCH_DONE);
		} else {
			dbd_send_next(n, now, false);
		}
	} else {
		n->dd_seq = d->seq;
		dbd_send_next(n, now, false);
		if (!(d->flags & OSPF_DBD_M) && !n->dbd_more) {
			/* 10.8: the slave keeps its last packet for a
			 * RouterDeadInterval, to answer a master's resend. */
			n->dbd_hold_until = now + (uint64_t)n->ifa->c.dead_s * 1000;
			ospf_nbr_event(n, now, OSPF_NE_EXCH_DONE);
		}
	}
}

void ospf_dbd_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p)
{
	const struct ospf_dbd *d = &p->u.dbd;
	struct ospf_eng *e = n->ifa->e;
	bool ms = d->flags & OSPF_DBD_MS;

	if (d->mtu > n->ifa->c.mtu) {
		ospf_drop(e, now, OSPF_DROP_DBD_MTU, n->addr);
		return;
	}
	switch (n->state) {
	case OSPF_NS_INIT:
		ospf_nbr_event(n, now, OSPF_NE_2WAY_RX);
		if (n->state != OSPF_NS_EXSTART) {
			ospf_drop(e, now, OSPF_DROP_DBD_IGNORED, n->addr);
			return;
		}
		/* fall through */
	case OSPF_NS_EXSTART:
		if ((d->flags & (OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS)) ==
		    (OSPF_DBD_I | OSPF_DBD_M | OSPF_DBD_MS) &&
		    d->n_hdrs == 0 && n->rid > e->rid) {
			n->master = false;
			n->dd_seq = d->seq;
		} else if (!(d->flags & (OSPF_DBD_I | OSPF_DBD_MS)) &&
			   d->seq == n->dd_seq && n->rid < e->rid) {
			n->master = true;
		} else if ((d->flags & OSPF_DBD_I) && n->rid < e->rid) {
			/* Both sides claim mastership at first; the smaller
			 * yields when it sees ours. Its claim may mean it
			 * ignored ours (a LAN router still Waiting), so resend
			 * now rather than a RxmtInterval later. */
			if (n->master && n->dbd_last &&
			    now >= n->dbd_sent_ms + DBD_QUICK_RESEND_MS) {
				dbd_resend(n);
				n->dbd_sent_ms = now;
				n->dbd_rxmt_at = now + n->ifa->rxmt_ms;
			}
			return;
		} else {
			ospf_drop(e, now, OSPF_DROP_DBD_IGNORED, n->addr);
			return;
		}
		n->options = d->options;
		n->dbd_rxmt_at = 0;
		ospf_nbr_event(n, now, OSPF_NE_NEG_DONE);
		/* 10.6: the packet that settled the roles is then
		 * processed as the next in sequence. */
		if (n->state == OSPF_NS_EXCHANGE)
			dbd_accept(n, now, d);
		return;
	case OSPF_NS_EXCHANGE:
		if (dbd_dup(n, d)) {
			if (n->master)
				ospf_drop(e, now, OSPF_DROP_DBD_DUP, n->addr);
			else
				dbd_resend(n);
			return;
		}
		if (ms == n->master || (d->flags & OSPF_DBD_I) ||
		    d->options != n->options ||
		    d->seq != (n->master ? n->dd_seq : n->dd_seq + 1)) {
			ospf_nbr_event(n, now, OSPF_NE_SEQ_MISMATCH);
			return;
		}
		dbd_accept(n, now, d);
		return;
	case OSPF_NS_LOADING:
	case OSPF_NS_FULL:
		if (dbd_dup(n, d)) {
			if (n->master)
				ospf_drop(e, now, OSPF_DROP_DBD_DUP, n->addr);
			else
				dbd_resend(n);
			return;
		}
		ospf_nbr_event(n, now, OSPF_NE_SEQ_MISMATCH);
		return;
	default:
		ospf_drop(e, now, OSPF_DROP_DBD_IGNORED, n->addr);
		return;
	}
}

void ospf_dbd_tick(struct ospf_nbr *n, uint64_t now)
{
	if (n->dbd_rxmt_at && now >= n->dbd_rxmt_at) {
		if (n->master && (n->state == OSPF_NS_EXSTART ||
				  n->state == OSPF_NS_EXCHANGE)) {
			dbd_resend(n);
			n->dbd_sent_ms = now;
			n->ifa->e->cnt.rxmt++;
			n->dbd_rxmt_at = now + n->ifa->rxmt_ms;
		} else {
			n->dbd_rxmt_at = 0;
		}
	}
	if (n->dbd_hold_until && now >= n->dbd_hold_until) {
		n->dbd_hold_until = 0;
		if (n->state >= OSPF_NS_LOADING) {
			free(n->dbd_last);
			n->dbd_last = NULL;
			n->dbd_last_len = 0;
		}
	}
}
