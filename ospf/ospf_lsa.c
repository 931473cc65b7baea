/* mgw OSPF — LSAs: the Fletcher checksum (RFC 2328 12.1.7), which of two
 * instances is newer (13.1), and the life of our own router-LSA:
 * origination (12.4, 12.4.1), MinLSInterval, refresh (LSRefreshTime),
 * re-origination above a flooded-back instance (13.4), premature aging
 * (14.1) and the aging of the whole database (14).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

/* The checksum covers the LSA but its age (the first two bytes); the
 * checksum field sits at offset 16 of the LSA, 14 of the covered part. */
#define FL_SKIP 2
#define FL_POS  14

uint16_t ospf_fletcher(const uint8_t *lsa, size_t len)
{
	const uint8_t *p = lsa + FL_SKIP;
	size_t n = len - FL_SKIP, i;
	int64_t c0 = 0, c1 = 0, x, y;

	if (len < OSPF_LSA_HDR_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t b = (i == FL_POS || i == FL_POS + 1) ? 0 : p[i];

		c0 += b;
		c1 += c0;
		if ((i & 0xfff) == 0xfff) {
			c0 %= 255;
			c1 %= 255;
		}
	}
	c0 %= 255;
	c1 %= 255;
	x = ((int64_t)(n - FL_POS - 1) * c0 - c1) % 255;
	if (x <= 0)
		x += 255;
	y = 510 - c0 - x;
	if (y > 255)
		y -= 255;
	return (uint16_t)((x << 8) | y);
}

bool ospf_lsa_csum_ok(const uint8_t *lsa, size_t len)
{
	const uint8_t *p = lsa + FL_SKIP;
	size_t n = len - FL_SKIP, i;
	uint32_t c0 = 0, c1 = 0;

	if (len < OSPF_LSA_HDR_LEN)
		return false;
	/* A zero checksum field means "not computed" in ISO 8473; OSPF has
	 * no such thing, so it can only be damage. */
	if (dp_get_u16(lsa + 16) == 0)
		return false;
	for (i = 0; i < n; i++) {
		c0 += p[i];
		c1 += c0;
		if ((i & 0xfff) == 0xfff) {
			c0 %= 255;
			c1 %= 255;
		}
	}
	return c0 % 255 == 0 && c1 % 255 == 0;
}

void ospf_lsa_csum_set(uint8_t *lsa, size_t len)
{
	dp_put_u16(lsa + 16, ospf_fletcher(lsa, len));
}

int ospf_lsa_cmp(const struct ospf_lsa_hdr *a, const struct ospf_lsa_hdr *b)
{
	int32_t sa = (int32_t)a->seq, sb = (int32_t)b->seq;
	int da, db;

	if (sa != sb)
		return sa > sb ? 1 : -1;
	if (a->csum != b->csum)
		return a->csum > b->csum ? 1 : -1;
	da = a->age >= OSPF_MAX_AGE;
	db = b->age >= OSPF_MAX_AGE;
	if (da != db)
		return da ? 1 : -1;
	if (abs((int)a->age - (int)b->age) > OSPF_MAX_AGE_DIFF)
		return a->age < b->age ? 1 : -1;
	return 0;
}

bool ospf_lsa_is_self(const struct ospf_eng *e, const struct ospf_lsa_hdr *h)
{
	unsigned i;

	if (h->adv == e->rid)
		return true;
	if (h->type == OSPF_LSA_NETWORK)
		for (i = 0; i < e->n_ifaces; i++)
			if (e->ifaces[i].c.addr == h->id)
				return true;
	return false;
}

struct ospf_lsa *ospf_self_lsa(struct ospf_eng *e)
{
	struct ospf_lsa_key k = { OSPF_LSA_ROUTER, e->rid, e->rid };

	return ospf_lsdb_find(&e->db, &k);
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

int ospf_rtr_build(struct ospf_eng *e, struct ospf_rtr_link *links,
		   unsigned max, unsigned *n)
{
	unsigned cnt = 0, i, j;

#define ADD(t, i_, d_, m_) do { \
	if (cnt >= max) \
		return -E2BIG; \
	links[cnt].type = (t); \
	links[cnt].id = (i_); \
	links[cnt].data = (d_); \
	links[cnt].metric = (m_); \
	cnt++; \
} while (0)

	for (i = 0; i < e->n_ifaces; i++) {
		struct ospf_iface *ifa = &e->ifaces[i];
		uint32_t net = ifa->c.addr & ifa->mask;

		if (ifa->state == OSPF_IS_PTP) {
			/* 12.4.1.1: a link per full neighbour, then the subnet
			 * as a stub (option 1). */
			for (j = 0; j < ifa->n_nbrs; j++)
				if (ifa->nbrs[j]->state == OSPF_NS_FULL)
					ADD(OSPF_LINK_PTP, ifa->nbrs[j]->rid,
					    ifa->c.addr, ifa->c.cost);
			ADD(OSPF_LINK_STUB, net, ifa->mask, ifa->c.cost);
		} else if (ifa->state == OSPF_IS_DROTHER) {
			/* 12.4.1.2: a transit link once fully adjacent to
			 * the DR, a stub for the LAN until then. */
			struct ospf_nbr *dr = NULL;

			for (j = 0; j < ifa->n_nbrs; j++)
				if (ifa->dr && ifa->nbrs[j]->addr == ifa->dr)
					dr = ifa->nbrs[j];
			if (dr && dr->state == OSPF_NS_FULL)
				ADD(OSPF_LINK_TRANSIT, ifa->dr, ifa->c.addr,
				    ifa->c.cost);
			else
				ADD(OSPF_LINK_STUB, net, ifa->mask,
				    ifa->c.cost);
		}
	}
	for (i = 0; i < e->n_pfx; i++)
		ADD(OSPF_LINK_STUB, e->pfx[i].addr, plen_mask(e->pfx[i].plen),
		    e->pfx[i].cost);
#undef ADD
	*n = cnt;
	return 0;
}

void ospf_orig_schedule(struct ospf_eng *e, uint64_t now, bool force)
{
	(void)now;
	e->orig_pending = true;
	e->orig_force |= force;
}

static bool any_full(const struct ospf_eng *e)
{
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++)
		for (j = 0; j < e->ifaces[i].n_nbrs; j++)
			if (e->ifaces[i].nbrs[j]->state == OSPF_NS_FULL)
				return true;
	return false;
}

/* Sets the age of a database copy to MaxAge and floods it (14.1). */
static void premature_age(struct ospf_eng *e, uint64_t now, struct ospf_lsa *l)
{
	struct ospf_lsa_key k;

	ospf_lsa_key_of(&l->h, &k);
	ospf_retrans_remove_all(e, &k);
	l->h.age = OSPF_MAX_AGE;
	dp_put_u16(l->data, OSPF_MAX_AGE);
	l->install_ms = now;
	l->flushed = true;
	ospf_flood(e, now, l, NULL);
	e->cnt.flushes++;
}

void ospf_orig_run(struct ospf_eng *e, uint64_t now)
{
	struct ospf_rtr_link links[OSPF_MAX_PREFIXES + 2 * OSPF_MAX_IFACES +
				   OSPF_MAX_IFACES * OSPF_MAX_NBRS];
	uint8_t buf[OSPF_LSA_HDR_LEN + 4 + sizeof(links) / sizeof(links[0]) * 12];
	struct ospf_wbuf w;
	struct ospf_lsa *cur, *l;
	struct ospf_lsa_hdr h;
	uint64_t t = now;
	uint32_t seq;
	unsigned n;

	if (!e->orig_pending || e->stopping)
		return;
	/* Nobody to tell until an adjacency is full; originating earlier
	 * would only make MinLSInterval hold back the one that matters. */
	if (!any_full(e)) {
		e->orig_at = 0;
		return;
	}
	if (ospf_rtr_build(e, links, sizeof(links) / sizeof(links[0]), &n))
		return;
	ospf_wbuf_init(&w, buf, sizeof(buf));
	memset(&h, 0, sizeof(h));
	ospf_lsa_hdr_put(&w, &h);
	ospf_rtr_body_put(&w, 0, links, n);
	if (w.err)
		return;

	cur = ospf_self_lsa(e);
	if (cur && !e->orig_force && cur->h.age < OSPF_MAX_AGE &&
	    cur->len == w.len &&
	    memcmp(cur->data + OSPF_LSA_HDR_LEN, buf + OSPF_LSA_HDR_LEN,
		   w.len - OSPF_LSA_HDR_LEN) == 0) {
		e->orig_pending = false;
		e->orig_at = 0;
		return;
	}
	if (cur && cur->h.seq == OSPF_MAX_SEQ) {
		/* 12.1.6: the sequence space is used up; flush the old
		 * instance and start over once it is gone. */
		if (cur->h.age < OSPF_MAX_AGE)
			premature_age(e, now, cur);
		e->next_seq = OSPF_INITIAL_SEQ;
		e->orig_at = 0;
		return;
	}
	if (e->have_orig && !e->orig_bump)
		t = now > e->last_orig_ms + OSPF_MIN_LS_INTERVAL_MS ?
		    now : e->last_orig_ms + OSPF_MIN_LS_INTERVAL_MS;
	/* A neighbour drops an instance that arrives within MinLSArrival of
	 * the one it installed before. If it just asked for our current
	 * instance (a database exchange), give it that second. */
	if (cur && cur->lsr_sent &&
	    cur->lsr_sent_ms + OSPF_MIN_LS_ARRIVAL_MS + 100 > t)
		t = cur->lsr_sent_ms + OSPF_MIN_LS_ARRIVAL_MS + 100;
	if (t > now) {
		e->orig_at = t;
		return;
	}

	seq = e->next_seq;
	if (cur && (int32_t)(cur->h.seq + 1) > (int32_t)seq)
		seq = cur->h.seq + 1;
	h.age = 0;
	h.options = OSPF_OPT_E;
	h.type = OSPF_LSA_ROUTER;
	h.id = e->rid;
	h.adv = e->rid;
	h.seq = seq;
	h.csum = 0;
	h.len = (uint16_t)w.len;
	w.len = 0;
	ospf_lsa_hdr_put(&w, &h);
	w.len = h.len;
	ospf_lsa_csum_set(buf, h.len);

	if (cur) {
		struct ospf_lsa_key k;

		ospf_lsa_key_of(&cur->h, &k);
		ospf_retrans_remove_all(e, &k);
	}
	if (ospf_lsdb_install(&e->db, buf, h.len, now, &l))
		return;   /* out of memory: stays pending, tried again later */
	e->have_orig = true;
	e->last_orig_ms = now;
	e->next_seq = seq + 1;
	e->orig_pending = false;
	e->orig_force = false;
	e->orig_bump = false;
	e->orig_at = 0;
	e->cnt.originations++;
	OSPF_LOG(INFO, "originating router-LSA seq 0x%08x, %u links", seq, n);
	ospf_flood(e, now, l, NULL);
}

void ospf_orig_self_rx(struct ospf_eng *e, uint64_t now, struct ospf_lsa *l)
{
	char b[16];

	if (l->h.type == OSPF_LSA_ROUTER && l->h.id == e->rid && !e->stopping) {
		/* Ours from an earlier life (or someone's damage): take the
		 * sequence number past it and say what is true now. */
		if ((int32_t)(l->h.seq + 1) > (int32_t)e->next_seq)
			e->next_seq = l->h.seq + 1;
		e->orig_bump = true;
		ospf_orig_schedule(e, now, true);
		OSPF_RLOG(e, now, INFO,
			  "received own router-LSA seq 0x%08x: re-originating above it",
			  l->h.seq);
		return;
	}
	if (l->h.age < OSPF_MAX_AGE) {
		OSPF_RLOG(e, now, INFO,
			  "flushing stale self-originated LSA type %u id %s",
			  l->h.type, ospf_ntoa(l->h.id, b));
		premature_age(e, now, l);
	}
}

bool ospf_orig_flush(struct ospf_eng *e, uint64_t now)
{
	struct ospf_lsa *l = ospf_self_lsa(e);

	if (!l || l->h.age >= OSPF_MAX_AGE)
		return false;
	OSPF_LOG(INFO, "flushing own router-LSA seq 0x%08x (MaxAge)", l->h.seq);
	premature_age(e, now, l);
	return true;
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

static bool on_any_retrans(const struct ospf_eng *e, const struct ospf_lsa_key *k)
{
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++)
		for (j = 0; j < e->ifaces[i].n_nbrs; j++)
			if (ospf_klist_find(&e->ifaces[i].nbrs[j]->retrans, k) >= 0)
				return true;
	return false;
}

/* Once a second: refresh ours at LSRefreshTime, flood what reached MaxAge,
 * and remove MaxAge copies nobody still needs (14). */
void ospf_lsdb_age_tick(struct ospf_eng *e, uint64_t now)
{
	bool exch = any_exchanging(e);
	unsigned i;

	for (i = 0; i < e->db.nb; i++) {
		struct ospf_lsa *l = e->db.b[i], *next;

		for (; l; l = next) {
			uint16_t age = ospf_lsa_age(l, now);
			struct ospf_lsa_key k;
			bool self = ospf_lsa_is_self(e, &l->h);

			next = l->next;
			ospf_lsa_key_of(&l->h, &k);
			if (self && l->h.type == OSPF_LSA_ROUTER &&
			    l->h.id == e->rid && age >= OSPF_LS_REFRESH &&
			    age < OSPF_MAX_AGE && !e->stopping)
				ospf_orig_schedule(e, now, true);
			if (age < OSPF_MAX_AGE)
				continue;
			if (!l->flushed) {
				l->h.age = OSPF_MAX_AGE;
				dp_put_u16(l->data, OSPF_MAX_AGE);
				l->install_ms = now;
				l->flushed = true;
				ospf_flood(e, now, l, NULL);
				continue;
			}
			if (exch || on_any_retrans(e, &k))
				continue;
			if (self && k.type == OSPF_LSA_ROUTER && k.id == e->rid &&
			    !e->stopping)
				ospf_orig_schedule(e, now, true);
			ospf_lsdb_remove(&e->db, l);
		}
	}
}
