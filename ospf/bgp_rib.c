/* What is announced: one set of prefixes (the engine's rib, sorted and
 * unique) and, per peer, what that peer holds from us (its Adj-RIB-Out,
 * RFC 4271 §3.2). A change is sent as the difference between the two:
 * withdrawals first, then announcements grouped by MED, each UPDATE packed
 * up to 4096 bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/bgp_int.h"

static int pfx_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (int)a->plen - (int)b->plen;
}

struct rib_tmp {
	struct bgp_prefix p;
	unsigned idx;		/* position in the caller's array */
};

static int tmp_cmp(const void *a, const void *b)
{
	const struct rib_tmp *x = a, *y = b;
	int c = pfx_cmp(&x->p, &y->p);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int med_cmp(const void *a, const void *b)
{
	const struct bgp_prefix *x = a, *y = b;

	if (x->med != y->med)
		return x->med < y->med ? -1 : 1;
	return pfx_cmp(x, y);
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
		if (p[i].plen > 32)
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
		tmp[i].p.addr &= p[i].plen ? 0xffffffffu << (32 - p[i].plen) : 0;
		tmp[i].idx = i;
	}
	if (n)
		qsort(tmp, n, sizeof(*tmp), tmp_cmp);
	for (i = 0; i < n; i++)
		if (m == 0 || pfx_cmp(&rib[m - 1], &tmp[i].p) != 0)
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
	a->has_med = true;
	a->med = med;
}

static void send_withdraw(struct bgp_peer *p, const struct bgp_prefix *w, unsigned n)
{
	struct bgp_eng *e = p->eng;
	unsigned i = 0, done;

	while (i < n) {
		int len = bgp_msg_update_encode(e->tx, sizeof(e->tx), NULL, w + i,
						n - i, NULL, 0, &done, NULL);

		if (len < 0 || done == 0)
			break;
		bgp_peer_send(p, &p->conn, e->tx, (size_t)len);
		i += done;
	}
}

/* a[0..n) sorted by MED: one run of UPDATEs per MED value */
static void send_announce(struct bgp_peer *p, const struct bgp_prefix *a, unsigned n)
{
	struct bgp_eng *e = p->eng;
	struct bgp_attrs_out at;
	unsigned i = 0, j, done;

	while (i < n) {
		for (j = i; j < n && a[j].med == a[i].med; j++)
			;
		bgp_rib_attrs(p, a[i].med, &at);
		while (i < j) {
			int len = bgp_msg_update_encode(e->tx, sizeof(e->tx), &at, NULL, 0,
							a + i, j - i, NULL, &done);

			if (len < 0 || done == 0)
				return;
			bgp_peer_send(p, &p->conn, e->tx, (size_t)len);
			i += done;
		}
	}
}

void bgp_rib_sync(struct bgp_peer *p)
{
	struct bgp_eng *e = p->eng;
	struct bgp_prefix *wd = NULL, *an = NULL, *adv = p->adv;
	unsigned i = 0, j = 0, n_wd = 0, n_an = 0;

	if (!p->ipv4 || p->conn.cid < 0)
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
	while (i < p->n_adv || j < e->n_rib) {
		int c = i == p->n_adv ? 1 : j == e->n_rib ? -1 :
			pfx_cmp(&p->adv[i], &e->rib[j]);

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
	if (e->n_rib)
		memcpy(p->adv, e->rib, e->n_rib * sizeof(*p->adv));
	p->n_adv = e->n_rib;
	if (n_wd || n_an)
		BGP_LOG(INFO, "%s: sent %u withdrawn, %u announced (%u held)", p->name,
			n_wd, n_an, p->n_adv);
out:
	free(an);
	free(wd);
}

void bgp_rib_withdraw_all(struct bgp_peer *p)
{
	if (p->ipv4 && p->conn.cid >= 0)
		send_withdraw(p, p->adv, p->n_adv);
	p->n_adv = 0;
}

void bgp_rib_forget(struct bgp_peer *p)
{
	p->n_adv = 0;
}
