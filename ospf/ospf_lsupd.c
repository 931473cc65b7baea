/* mgw OSPF — Link State Update packets: receiving (RFC 2328 13, with
 * MinLSArrival), flooding (13.3), sending and retransmission (13.6).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

/* Packs LSAs into as few LSUs as fit the MTU; each LSA's age grows by
 * InfTransDelay on the way out (13.3 (5)). */
static void lsu_send(struct ospf_iface *ifa, uint32_t dst, uint64_t now,
		     struct ospf_lsa **ls, unsigned cnt)
{
	struct ospf_eng *e = ifa->e;
	size_t max = ospf_iface_max_pkt(ifa);
	uint8_t *buf = malloc(OSPF_MAX_PKT);
	unsigned i = 0;

	if (!buf)
		return;
	while (i < cnt) {
		struct ospf_wbuf w;
		uint32_t n = 0;

		ospf_wbuf_init(&w, buf, OSPF_MAX_PKT);
		ospf_pkt_begin(&w, OSPF_T_LSU, e->rid, e->area);
		ospf_put_u32(&w, 0);
		/* At least one LSA per packet, even one larger than the
		 * MTU: IP fragments it. */
		while (i < cnt && (n == 0 || w.len + ls[i]->len <= max)) {
			struct ospf_lsa *l = ls[i++];
			size_t at = w.len;
			uint32_t age = ospf_lsa_age(l, now) + OSPF_INF_TRANS_DELAY;

			ospf_put_bytes(&w, l->data, l->len);
			if (w.err)
				break;
			dp_put_u16(w.p + at, age > OSPF_MAX_AGE ? OSPF_MAX_AGE : age);
			l->sent_ms = now;
			l->has_sent = true;
			n++;
		}
		if (!n || w.err)
			break;
		dp_put_u32(w.p + OSPF_HDR_LEN, n);
		if (ospf_pkt_end(&w) == 0)
			ospf_iface_send(ifa, dst, OSPF_T_LSU, buf, w.len);
	}
	free(buf);
}

void ospf_lsu_send_list(struct ospf_nbr *n, uint64_t now, struct ospf_lsa **ls,
			unsigned cnt)
{
	lsu_send(n->ifa, ospf_nbr_dst(n), now, ls, cnt);
}

void ospf_retrans_remove_all(struct ospf_eng *e, const struct ospf_lsa_key *k)
{
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++)
		for (j = 0; j < e->ifaces[i].n_nbrs; j++) {
			struct ospf_nbr *n = e->ifaces[i].nbrs[j];
			int at = ospf_klist_find(&n->retrans, k);

			if (at >= 0)
				ospf_klist_del(&n->retrans, (unsigned)at);
			if (!n->retrans.n)
				n->lsu_rxmt_at = 0;
		}
}

bool ospf_flood(struct ospf_eng *e, uint64_t now, struct ospf_lsa *l,
		struct ospf_nbr *from)
{
	struct ospf_lsa_hdr h;
	struct ospf_lsa_key k;
	bool back = false;
	unsigned i, j;

	ospf_lsa_cur_hdr(l, now, &h);
	ospf_lsa_key_of(&h, &k);
	for (i = 0; i < e->n_ifaces; i++) {
		struct ospf_iface *ifa = &e->ifaces[i];
		bool added = false;

		if (ifa->state == OSPF_IS_DOWN)
			continue;
		for (j = 0; j < ifa->n_nbrs; j++) {
			struct ospf_nbr *n = ifa->nbrs[j];

			if (n->state < OSPF_NS_EXCHANGE)
				continue;
			if (n->state != OSPF_NS_FULL) {
				int at = ospf_klist_find(&n->request, &k);

				if (at >= 0) {
					int c = ospf_lsa_cmp(&h, &n->request.v[at].h);

					if (c < 0)
						continue;
					ospf_klist_del(&n->request, (unsigned)at);
					if (c == 0)
						continue;
				}
			}
			if (n == from)
				continue;
			if (ospf_klist_add(&n->retrans, &h))
				continue;
			if (!n->lsu_rxmt_at)
				n->lsu_rxmt_at = now + ifa->rxmt_ms;
			added = true;
		}
		if (!added)
			continue;
		/* 13.3 (3): what came from the DR or BDR reached the LAN. */
		if (from && from->ifa == ifa && ifa->c.type == OSPF_IF_BCAST &&
		    (from->addr == ifa->dr || from->addr == ifa->bdr))
			continue;
		if (from && from->ifa == ifa)
			back = true;
		lsu_send(ifa, ospf_iface_flood_dst(ifa), now, &l, 1);
	}
	return back;
}

static bool any_exchanging(const struct ospf_eng *e)
{
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++)
		for (j = 0; j < e->ifaces[i].n_nbrs; j++) {
			enum ospf_nbr_state s = e->ifaces[i].nbrs[j]->state;

			if (s == OSPF_NS_EXCHANGE || s == OSPF_NS_LOADING)
				return true;
		}
	return false;
}

/* One LSA of a received LSU (13 (1)-(8)). false: stop the packet. */
static bool lsu_one(struct ospf_nbr *n, uint64_t now, const uint8_t *raw,
		    size_t len)
{
	struct ospf_eng *e = n->ifa->e;
	struct ospf_lsa_hdr h, cur;
	struct ospf_lsa_key k;
	struct ospf_lsa *db, *l;
	int c, at, rc;

	if (!ospf_lsa_csum_ok(raw, len)) {
		ospf_drop(e, now, OSPF_DROP_LSA_CSUM, n->addr);
		return true;
	}
	ospf_lsa_hdr_get(raw, &h);
	if (h.type < OSPF_LSA_ROUTER || h.type > OSPF_LSA_EXTERNAL) {
		ospf_drop(e, now, OSPF_DROP_LSA_TYPE, n->addr);
		return true;
	}
	if (h.len != len || ospf_lsa_body_check(raw, len)) {
		ospf_drop(e, now, OSPF_DROP_LSA_BODY, n->addr);
		return true;
	}
	if (h.seq == OSPF_RESERVED_SEQ) {
		ospf_drop(e, now, OSPF_DROP_LSA_SEQ, n->addr);
		return true;
	}
	if (h.age > OSPF_MAX_AGE)
		h.age = OSPF_MAX_AGE;
	ospf_lsa_key_of(&h, &k);
	db = ospf_lsdb_find(&e->db, &k);

	/* (4) A flush of something we do not have: acknowledge, forget. */
	if (h.age == OSPF_MAX_AGE && !db && !any_exchanging(e)) {
		ospf_ack_direct(n, now, &h);
		return true;
	}
	if (db)
		ospf_lsa_cur_hdr(db, now, &cur);
	c = db ? ospf_lsa_cmp(&h, &cur) : 1;

	if (c > 0) {
		bool back;

		/* (5a) MinLSArrival: a peer's too-quick successor is dropped
		 * unacknowledged; the peer sends it again later. */
		if (db && now < db->install_ms + OSPF_MIN_LS_ARRIVAL_MS &&
		    !ospf_lsa_is_self(e, &h)) {
			ospf_drop(e, now, OSPF_DROP_LSA_ARRIVAL, n->addr);
			return true;
		}
		ospf_retrans_remove_all(e, &k);
		rc = ospf_lsdb_install(&e->db, raw, len, now, &l);
		if (rc) {
			ospf_drop(e, now, rc == -ENOSPC ? OSPF_DROP_LSDB_FULL :
				  OSPF_DROP_NOMEM, n->addr);
			return true;
		}
		back = ospf_flood(e, now, l, n);
		if (!back)
			ospf_ack_delayed(n->ifa, now, &h);
		if (ospf_lsa_is_self(e, &h))
			ospf_orig_self_rx(e, now, l);
		return true;
	}

	/* (6) Something we asked this neighbour for, but not newer than
	 * what we hold: the exchange went wrong. */
	if (ospf_klist_find(&n->request, &k) >= 0) {
		ospf_nbr_event(n, now, OSPF_NE_BAD_LSREQ);
		return false;
	}
	if (c == 0) {
		/* (7) The same instance: an implied acknowledgement if we
		 * were waiting for one, else acknowledge it directly. */
		at = ospf_klist_find(&n->retrans, &k);
		if (at >= 0) {
			ospf_klist_del(&n->retrans, (unsigned)at);
			if (!n->retrans.n)
				n->lsu_rxmt_at = 0;
		} else {
			ospf_ack_direct(n, now, &h);
		}
		return true;
	}
	/* (8) Ours is newer: send it back, unless it is a wrapping flush or
	 * went out less than MinLSArrival ago. */
	ospf_drop(e, now, OSPF_DROP_LSA_OLDER, n->addr);
	if (cur.age >= OSPF_MAX_AGE && cur.seq == OSPF_MAX_SEQ)
		return true;
	if (!db->has_sent || now >= db->sent_ms + OSPF_MIN_LS_ARRIVAL_MS)
		ospf_lsu_send_list(n, now, &db, 1);
	return true;
}

void ospf_lsu_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p)
{
	const struct ospf_lsu *u = &p->u.lsu;
	struct ospf_eng *e = n->ifa->e;
	const uint8_t *lsa;
	size_t off = 0, len;

	if (n->state < OSPF_NS_EXCHANGE) {
		ospf_drop(e, now, OSPF_DROP_NBR_STATE, n->addr);
		return;
	}
	while (ospf_lsu_next(u, &off, &lsa, &len))
		if (!lsu_one(n, now, lsa, len))
			break;
}

void ospf_lsu_tick(struct ospf_nbr *n, uint64_t now)
{
	struct ospf_eng *e = n->ifa->e;
	struct ospf_lsa **ls;
	unsigned i = 0, cnt = 0;

	if (!n->lsu_rxmt_at || now < n->lsu_rxmt_at)
		return;
	if (!n->retrans.n || n->state < OSPF_NS_EXCHANGE) {
		n->lsu_rxmt_at = 0;
		return;
	}
	ls = calloc(n->retrans.n, sizeof(*ls));
	if (!ls) {
		n->lsu_rxmt_at = now + n->ifa->rxmt_ms;
		return;
	}
	while (i < n->retrans.n) {
		struct ospf_lsa_key k;
		struct ospf_lsa_hdr cur;
		struct ospf_lsa *l;

		ospf_lsa_key_of(&n->retrans.v[i].h, &k);
		l = ospf_lsdb_find(&e->db, &k);
		if (l) {
			ospf_lsa_cur_hdr(l, now, &cur);
			if (cur.seq == n->retrans.v[i].h.seq &&
			    cur.csum == n->retrans.v[i].h.csum) {
				ls[cnt++] = l;
				i++;
				continue;
			}
		}
		ospf_klist_del(&n->retrans, i);    /* superseded or gone */
	}
	if (cnt) {
		e->cnt.rxmt++;
		ospf_lsu_send_list(n, now, ls, cnt);
	}
	n->lsu_rxmt_at = n->retrans.n ? now + n->ifa->rxmt_ms : 0;
	free(ls);
}
