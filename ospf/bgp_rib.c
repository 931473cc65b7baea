/* What is announced: one set of prefixes (the engine's rib, sorted and
 * unique, IPv4 before IPv6) and, per peer, what that peer holds from us
 * (its Adj-RIB-Out, RFC 4271 §3.2): the part of the rib of the families it
 * negotiated. A change is sent as the difference between the two:
 * withdrawals first, then announcements grouped by family and MED, each
 * UPDATE packed up to 4096 bytes (IPv6 ones in MP_REACH_NLRI and
 * MP_UNREACH_NLRI, RFC 4760).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/bgp_int.h"

int bgp_rib_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int c;

	if (a->v6 != b->v6)
		return a->v6 ? 1 : -1;
	if (a->v6) {
		c = memcmp(a->addr6, b->addr6, 16);
		if (c)
			return c < 0 ? -1 : 1;
	} else if (a->addr != b->addr) {
		return a->addr < b->addr ? -1 : 1;
	}
	return (int)a->plen - (int)b->plen;
}

static void pfx_mask(struct bgp_prefix *x)
{
	unsigned i;

	if (!x->v6) {
		x->addr &= x->plen ? 0xffffffffu << (32 - x->plen) : 0;
		memset(x->addr6, 0, sizeof(x->addr6));
		return;
	}
	x->addr = 0;
	for (i = 0; i < 16; i++) {
		unsigned keep = x->plen > 8 * i ? x->plen - 8 * i : 0;

		if (keep < 8)
			x->addr6[i] &= (uint8_t)(0xff00 >> keep);
	}
}

struct rib_tmp {
	struct bgp_prefix p;
	unsigned idx;		/* position in the caller's array */
};

static int tmp_cmp(const void *a, const void *b)
{
	const struct rib_tmp *x = a, *y = b;
	int c = bgp_rib_cmp(&x->p, &y->p);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int med_cmp(const void *a, const void *b)
{
	const struct bgp_prefix *x = a, *y = b;

	if (x->v6 != y->v6)
		return x->v6 ? 1 : -1;
	if (x->med != y->med)
		return x->med < y->med ? -1 : 1;
	return bgp_rib_cmp(x, y);
}

int bgp_rib_set(struct bgp_eng *e, const struct bgp_prefix *p, unsigned n)
{
	struct rib_tmp *tmp = NULL;
	struct bgp_prefix *rib = NULL;
	unsigned i, m = 0;
	int rc = 0;

	if (n > BGP_MAX_PREFIXES)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (p[i].plen > (p[i].v6 ? 128 : 32))
			return -EINVAL;
	if (n) {
		tmp = malloc(n * sizeof(*tmp));
		rib = malloc(n * sizeof(*rib));
		if (!tmp || !rib) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		tmp[i].p = p[i];
		pfx_mask(&tmp[i].p);
		tmp[i].idx = i;
	}
	if (n)
		qsort(tmp, n, sizeof(*tmp), tmp_cmp);
	for (i = 0; i < n; i++)
		if (m == 0 || bgp_rib_cmp(&rib[m - 1], &tmp[i].p) != 0)
			rib[m++] = tmp[i].p;
	free(e->rib);
	e->rib = rib;
	e->n_rib = m;
	rib = NULL;
out:
	free(rib);
	free(tmp);
	return rc;
}

void bgp_rib_attrs(const struct bgp_peer *p, uint32_t med, struct bgp_attrs_out *a)
{
	const struct bgp_conf *c = &p->eng->conf;

	memset(a, 0, sizeof(*a));
	a->origin = BGP_ORIGIN_IGP;
	a->as4 = p->as4;
	if (p->conf.as == c->local_as) {
		/* iBGP (§5.1.2, §5.1.5): empty AS_PATH, LOCAL_PREF */
		a->has_local_pref = true;
		a->local_pref = BGP_DEFAULT_LOCAL_PREF;
	} else {
		a->path_len = 1;
		a->path[0] = c->local_as;
	}
	a->next_hop = c->next_hop ? c->next_hop :
		      p->conn.local_addr ? p->conn.local_addr : c->local_addr;
	memcpy(a->next_hop6, p->conf.next_hop6, sizeof(a->next_hop6));
	a->has_med = true;
	a->med = med;
}

/* w[0..n) sorted family first */
static void send_withdraw(struct bgp_peer *p, const struct bgp_prefix *w, unsigned n)
{
	struct bgp_eng *e = p->eng;
	unsigned i = 0, done;

	while (i < n) {
		int len = bgp_msg_update_encode(e->tx, sizeof(e->tx), w[i].v6, NULL, w + i,
						n - i, NULL, 0, &done, NULL);

		if (len < 0 || done == 0)
			break;
		bgp_peer_send(p, &p->conn, e->tx, (size_t)len);
		i += done;
	}
}

/* a[0..n) sorted by family and MED: one run of UPDATEs per pair */
static void send_announce(struct bgp_peer *p, const struct bgp_prefix *a, unsigned n)
{
	struct bgp_eng *e = p->eng;
	struct bgp_attrs_out at;
	unsigned i = 0, j, done;

	while (i < n) {
		for (j = i; j < n && a[j].med == a[i].med && a[j].v6 == a[i].v6; j++)
			;
		bgp_rib_attrs(p, a[i].med, &at);
		while (i < j) {
			int len = bgp_msg_update_encode(e->tx, sizeof(e->tx), a[i].v6, &at,
							NULL, 0, a + i, j - i, NULL, &done);

			if (len < 0 || done == 0)
				return;
			bgp_peer_send(p, &p->conn, e->tx, (size_t)len);
			i += done;
		}
	}
}

/* Whether p is to hold x: its family was negotiated. */
static bool wanted(struct bgp_peer *p, const struct bgp_prefix *x)
{
	if (!x->v6)
		return p->ipv4;
	/* IPv6 unicast is offered only with a next hop to give (bgp_peer_send_open) */
	if (!p->nh6_warned && !bgp_peer_has_nh6(p)) {
		p->nh6_warned = true;
		BGP_LOG(WARNING, "%s: no IPv6 next hop for this peer (the port facing it "
			"has no ip6): IPv6 routes are not announced to it", p->name);
	}
	return p->ipv6;
}

void bgp_rib_sync(struct bgp_peer *p)
{
	struct bgp_eng *e = p->eng;
	struct bgp_prefix *wd = NULL, *an = NULL, *adv = p->adv;
	unsigned i = 0, j = 0, n_wd = 0, n_an = 0, n_held = 0;

	if (p->conn.cid < 0)
		return;
	if (p->n_adv)
		wd = malloc(p->n_adv * sizeof(*wd));
	if (e->n_rib)
		an = malloc(e->n_rib * sizeof(*an));
	if (e->n_rib > p->cap_adv) {
		adv = realloc(p->adv, e->n_rib * sizeof(*adv));
		if (adv) {
			p->adv = adv;
			p->cap_adv = e->n_rib;
		}
	}
	if ((p->n_adv && !wd) || (e->n_rib && (!an || !adv))) {
		/* the peer's view would be unknown: start it over */
		BGP_LOG(ERR, "%s: out of memory for %u prefixes", p->name, e->n_rib);
		bgp_peer_send_notif(p, &p->conn, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0);
		p->conn.failed = true;
		goto out;
	}
	/* the rib's prefixes of a family the peer did not negotiate are
	 * not its to hold: skipped as if absent */
	while (i < p->n_adv || j < e->n_rib) {
		int c;

		if (j < e->n_rib && !wanted(p, &e->rib[j])) {
			j++;
			continue;
		}
		c = i == p->n_adv ? 1 : j == e->n_rib ? -1 :
		    bgp_rib_cmp(&p->adv[i], &e->rib[j]);
		if (c < 0) {
			wd[n_wd++] = p->adv[i++];
		} else if (c > 0) {
			an[n_an++] = e->rib[j++];
		} else {
			if (p->adv[i].med != e->rib[j].med)
				an[n_an++] = e->rib[j];	/* re-announced replaces */
			i++;
			j++;
		}
	}
	if (n_an > 1)
		qsort(an, n_an, sizeof(*an), med_cmp);
	send_withdraw(p, wd, n_wd);
	send_announce(p, an, n_an);
	for (j = 0; j < e->n_rib; j++)
		if (wanted(p, &e->rib[j]))
			p->adv[n_held++] = e->rib[j];
	p->n_adv = n_held;
	if (n_wd || n_an)
		BGP_LOG(INFO, "%s: sent %u withdrawn, %u announced (%u held)", p->name,
			n_wd, n_an, p->n_adv);
out:
	free(an);
	free(wd);
}

void bgp_rib_withdraw_all(struct bgp_peer *p)
{
	if (p->conn.cid >= 0)
		send_withdraw(p, p->adv, p->n_adv);
	p->n_adv = 0;
}

void bgp_rib_forget(struct bgp_peer *p)
{
	p->n_adv = 0;
}
