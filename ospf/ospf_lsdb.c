/* mgw OSPF — the link-state database (a hash of LSAs by type, ID and
 * advertising router) and the per-neighbour lists of LSA instances.
 *
 * mgw installs no routes from it; it exists so that database exchange and
 * flooding work as RFC 2328 says. Its size is bounded, since its content
 * comes from peers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

#define LSDB_BUCKETS_MIN 64

static unsigned key_hash(const struct ospf_lsa_key *k, unsigned nb)
{
	uint32_t h = k->id * 0x9e3779b1u;

	h ^= k->adv * 0x85ebca77u;
	h ^= (uint32_t)k->type * 0xc2b2ae3du;
	h ^= h >> 15;
	return h & (nb - 1);
}

int ospf_lsdb_init(struct ospf_lsdb *db)
{
	memset(db, 0, sizeof(*db));
	db->b = calloc(LSDB_BUCKETS_MIN, sizeof(*db->b));
	if (!db->b)
		return -ENOMEM;
	db->nb = LSDB_BUCKETS_MIN;
	return 0;
}

static void lsa_free(struct ospf_lsa *l)
{
	free(l->data);
	free(l);
}

void ospf_lsdb_free(struct ospf_lsdb *db)
{
	unsigned i;

	if (!db->b)
		return;
	for (i = 0; i < db->nb; i++) {
		struct ospf_lsa *l = db->b[i], *n;

		for (; l; l = n) {
			n = l->next;
			lsa_free(l);
		}
	}
	free(db->b);
	db->b = NULL;
	db->nb = db->count = 0;
	db->bytes = 0;
}

struct ospf_lsa *ospf_lsdb_find(const struct ospf_lsdb *db,
				const struct ospf_lsa_key *k)
{
	struct ospf_lsa *l;

	if (!db->b)
		return NULL;
	for (l = db->b[key_hash(k, db->nb)]; l; l = l->next)
		if (l->h.type == k->type && l->h.id == k->id && l->h.adv == k->adv)
			return l;
	return NULL;
}

/* Doubles the table when it holds more than two entries per bucket; a
 * failed allocation just leaves the chains longer. */
static void lsdb_grow(struct ospf_lsdb *db)
{
	unsigned nb = db->nb * 2, i;
	struct ospf_lsa **b;

	if (db->count <= db->nb * 2)
		return;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < db->nb; i++) {
		struct ospf_lsa *l = db->b[i], *n;

		for (; l; l = n) {
			struct ospf_lsa_key k;
			unsigned h;

			n = l->next;
			ospf_lsa_key_of(&l->h, &k);
			h = key_hash(&k, nb);
			l->next = b[h];
			b[h] = l;
		}
	}
	free(db->b);
	db->b = b;
	db->nb = nb;
}

int ospf_lsdb_install(struct ospf_lsdb *db, const uint8_t *lsa, size_t len,
		      uint64_t now, struct ospf_lsa **out)
{
	struct ospf_lsa_hdr h;
	struct ospf_lsa_key k;
	struct ospf_lsa *l;
	uint8_t *data;

	if (len < OSPF_LSA_HDR_LEN)
		return -EINVAL;
	ospf_lsa_hdr_get(lsa, &h);
	ospf_lsa_key_of(&h, &k);
	l = ospf_lsdb_find(db, &k);
	if (!l && db->count >= OSPF_LSDB_MAX_LSAS)
		return -ENOSPC;
	if (db->bytes - (l ? l->len : 0) + len > OSPF_LSDB_MAX_BYTES)
		return -ENOSPC;
	data = malloc(len);
	if (!data)
		return -ENOMEM;
	memcpy(data, lsa, len);
	if (h.age > OSPF_MAX_AGE) {
		h.age = OSPF_MAX_AGE;
		dp_put_u16(data, OSPF_MAX_AGE);
	}
	if (!l) {
		unsigned b;

		l = calloc(1, sizeof(*l));
		if (!l) {
			free(data);
			return -ENOMEM;
		}
		b = key_hash(&k, db->nb);
		l->next = db->b[b];
		db->b[b] = l;
		db->count++;
	} else {
		db->bytes -= l->len;
		free(l->data);
	}
	l->h = h;
	l->data = data;
	l->len = len;
	l->install_ms = now;
	l->has_sent = false;
	l->sent_ms = 0;
	l->lsr_sent = false;
	l->lsr_sent_ms = 0;
	l->flushed = h.age >= OSPF_MAX_AGE;
	db->bytes += len;
	lsdb_grow(db);
	if (out)
		*out = l;
	return 0;
}

void ospf_lsdb_remove(struct ospf_lsdb *db, struct ospf_lsa *l)
{
	struct ospf_lsa_key k;
	struct ospf_lsa **pp;

	ospf_lsa_key_of(&l->h, &k);
	for (pp = &db->b[key_hash(&k, db->nb)]; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			db->count--;
			db->bytes -= l->len;
			lsa_free(l);
			return;
		}
	}
}

uint16_t ospf_lsa_age(const struct ospf_lsa *l, uint64_t now)
{
	uint64_t age = l->h.age;

	if (age >= OSPF_MAX_AGE)
		return OSPF_MAX_AGE;
	if (now > l->install_ms)
		age += (now - l->install_ms) / 1000;
	return age >= OSPF_MAX_AGE ? OSPF_MAX_AGE : (uint16_t)age;
}

void ospf_lsa_cur_hdr(const struct ospf_lsa *l, uint64_t now,
		      struct ospf_lsa_hdr *h)
{
	*h = l->h;
	h->age = ospf_lsa_age(l, now);
}

/* ---- lists of LSA instances ---- */

int ospf_klist_add(struct ospf_klist *l, const struct ospf_lsa_hdr *h)
{
	struct ospf_lsa_key k;
	int i;

	ospf_lsa_key_of(h, &k);
	i = ospf_klist_find(l, &k);
	if (i >= 0) {
		l->v[i].h = *h;
		l->v[i].sent = false;
		return 0;
	}
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 16;
		struct ospf_kent *v;

		if (cap > OSPF_LSDB_MAX_LSAS * 2)
			return -ENOSPC;
		v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].h = *h;
	l->v[l->n].sent = false;
	l->n++;
	return 0;
}

int ospf_klist_find(const struct ospf_klist *l, const struct ospf_lsa_key *k)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].h.type == k->type && l->v[i].h.id == k->id &&
		    l->v[i].h.adv == k->adv)
			return (int)i;
	return -1;
}

/* Keeps the order: the summary list is sent front to back. */
void ospf_klist_del(struct ospf_klist *l, unsigned i)
{
	if (i >= l->n)
		return;
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

void ospf_klist_clear(struct ospf_klist *l)
{
	l->n = 0;
}

void ospf_klist_free(struct ospf_klist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
