/* mgw OSPF — Link State Acknowledgment packets: receiving (RFC 2328
 * 13.7) and sending, delayed (grouped per interface) or direct (13.5).
 */
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

void ospf_lsack_rx(struct ospf_nbr *n, uint64_t now, const struct ospf_pkt *p)
{
	const struct ospf_lsack *a = &p->u.lsack;
	struct ospf_eng *e = n->ifa->e;
	unsigned i;

	if (n->state < OSPF_NS_EXCHANGE) {
		ospf_drop(e, now, OSPF_DROP_NBR_STATE, n->addr);
		return;
	}
	for (i = 0; i < a->n; i++) {
		struct ospf_lsa_hdr h;
		struct ospf_lsa_key k;
		int at;

		ospf_lsack_hdr(a, i, &h);
		if (h.age > OSPF_MAX_AGE)
			h.age = OSPF_MAX_AGE;
		ospf_lsa_key_of(&h, &k);
		at = ospf_klist_find(&n->retrans, &k);
		/* An acknowledgement for another instance is ignored. */
		if (at >= 0 && ospf_lsa_cmp(&h, &n->retrans.v[at].h) == 0)
			ospf_klist_del(&n->retrans, (unsigned)at);
	}
	if (!n->retrans.n)
		n->lsu_rxmt_at = 0;
}

static void ack_send(struct ospf_iface *ifa, uint32_t dst,
		     const struct ospf_lsa_hdr *hs, unsigned cnt)
{
	struct ospf_eng *e = ifa->e;
	size_t max = ospf_iface_max_pkt(ifa);
	unsigned room = (unsigned)((max - OSPF_HDR_LEN) / OSPF_LSA_HDR_LEN);
	unsigned i = 0, j;
	uint8_t *buf = malloc(max);

	if (!buf)
		return;
	while (i < cnt) {
		struct ospf_wbuf w;

		ospf_wbuf_init(&w, buf, max);
		ospf_pkt_begin(&w, OSPF_T_LSACK, e->rid, e->area);
		for (j = 0; j < room && i < cnt; j++)
			ospf_lsa_hdr_put(&w, &hs[i++]);
		if (ospf_pkt_end(&w))
			break;
		ospf_iface_send(ifa, dst, OSPF_T_LSACK, buf, w.len);
	}
	free(buf);
}

void ospf_ack_direct(struct ospf_nbr *n, uint64_t now,
		     const struct ospf_lsa_hdr *h)
{
	(void)now;
	ack_send(n->ifa, ospf_nbr_dst(n), h, 1);
}

void ospf_ack_delayed(struct ospf_iface *ifa, uint64_t now,
		      const struct ospf_lsa_hdr *h)
{
	unsigned room = (unsigned)((ospf_iface_max_pkt(ifa) - OSPF_HDR_LEN) /
				   OSPF_LSA_HDR_LEN);

	if (ifa->n_acks == ifa->cap_acks) {
		unsigned cap = ifa->cap_acks ? ifa->cap_acks * 2 : 16;
		struct ospf_lsa_hdr *v;

		v = cap > room ? NULL : realloc(ifa->acks, cap * sizeof(*v));
		if (!v) {
			/* Full (or no memory): send what is queued now. */
			ospf_ack_flush(ifa, now);
			if (ifa->n_acks == ifa->cap_acks) {
				ack_send(ifa, 0, h, 1);
				return;
			}
		} else {
			ifa->acks = v;
			ifa->cap_acks = cap;
		}
	}
	ifa->acks[ifa->n_acks++] = *h;
	if (!ifa->ack_at)
		ifa->ack_at = now + OSPF_DELAYED_ACK_MS;
}

void ospf_ack_flush(struct ospf_iface *ifa, uint64_t now)
{
	(void)now;
	if (ifa->n_acks)
		ack_send(ifa, 0, ifa->acks, ifa->n_acks);
	ifa->n_acks = 0;
	ifa->ack_at = 0;
}
