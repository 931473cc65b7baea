/* mgw OSPF — Link State Request packets (RFC 2328 10.7, 10.9). */
#include <stdlib.h>

#include "ospf/ospf_int.h"

void ospf_lsr_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p)
{
	const struct ospf_lsr *r = &p->u.lsr;
	struct ospf_eng *e = n->ifa->e;
	struct ospf_lsa **ls;
	unsigned i;

	if (n->state < OSPF_NS_EXCHANGE) {
		ospf_drop(e, now, OSPF_DROP_NBR_STATE, n->addr);
		return;
	}
	if (!r->n)
		return;
	ls = calloc(r->n, sizeof(*ls));
	if (!ls) {
		ospf_drop(e, now, OSPF_DROP_NOMEM, n->addr);
		return;
	}
	for (i = 0; i < r->n; i++) {
		struct ospf_lsa_key k;

		ospf_lsr_ent(r, i, &k);
		ls[i] = ospf_lsdb_find(&e->db, &k);
		if (!ls[i]) {
			/* 10.7: asked for something we never described. */
			ospf_nbr_event(n, now, OSPF_NE_BAD_LSREQ);
			goto out;
		}
	}
	ospf_lsu_send_list(n, now, ls, r->n);
	for (i = 0; i < r->n; i++) {
		ls[i]->lsr_sent = true;
		ls[i]->lsr_sent_ms = now;
	}
out:
	free(ls);
}

/* Asks for the entries not yet asked for, as many as fit one packet. */
void ospf_lsr_send(struct ospf_nbr *n, uint64_t now)
{
	struct ospf_iface *ifa = n->ifa;
	struct ospf_eng *e = ifa->e;
	size_t max = ospf_iface_max_pkt(ifa);
	unsigned room = (unsigned)((max - OSPF_HDR_LEN) / OSPF_LSR_ENT_LEN);
	unsigned i, used = 0;
	struct ospf_wbuf w;
	uint8_t *buf;

	if (!n->request.n)
		return;
	buf = malloc(max);
	if (!buf)
		return;
	ospf_wbuf_init(&w, buf, max);
	ospf_pkt_begin(&w, OSPF_T_LSR, e->rid, e->area);
	for (i = 0; i < n->request.n && used < room; i++) {
		struct ospf_lsa_key k;

		ospf_lsa_key_of(&n->request.v[i].h, &k);
		ospf_lsr_put(&w, &k);
		n->request.v[i].sent = true;
		used++;
	}
	if (ospf_pkt_end(&w) == 0)
		ospf_iface_send(ifa, ospf_nbr_dst(n), OSPF_T_LSR, buf, w.len);
	n->lsr_rxmt_at = now + ifa->rxmt_ms;
	free(buf);
}

/* Sends a new request once everything asked for has arrived (10.9). */
void ospf_lsr_next(struct ospf_nbr *n, uint64_t now)
{
	unsigned i;

	if (n->state != OSPF_NS_EXCHANGE && n->state != OSPF_NS_LOADING)
		return;
	if (!n->request.n) {
		n->lsr_rxmt_at = 0;
		return;
	}
	for (i = 0; i < n->request.n; i++)
		if (n->request.v[i].sent)
			return;
	ospf_lsr_send(n, now);
}

void ospf_lsr_tick(struct ospf_nbr *n, uint64_t now)
{
	unsigned i;

	if (!n->lsr_rxmt_at || now < n->lsr_rxmt_at)
		return;
	if (!n->request.n || (n->state != OSPF_NS_EXCHANGE &&
			      n->state != OSPF_NS_LOADING)) {
		n->lsr_rxmt_at = 0;
		return;
	}
	for (i = 0; i < n->request.n; i++)
		n->request.v[i].sent = false;
	n->ifa->e->cnt.rxmt++;
	ospf_lsr_send(n, now);
}
