/* cp/snap.c — config → data-plane snapshot (see snap.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/acl.h"
#include "cp/maglev.h"
#include "cp/cp.h"
#include "cp/snap.h"
#include "dp/flow.h"

/* A scheduler table and what it was built from. Snapshots point at data[];
 * the header is found again by offset. */
struct sched_table {
	uint32_t refs;
	uint64_t fp;          /* fingerprint of (scheduler, size, servers, weights) */
	uint64_t digest;
	uint32_t size;
	uint32_t data[];
};

_Static_assert(CP_MAX_ROUTES6 == DP_MAX_ROUTES6, "the validator's limit is the data path's");
_Static_assert((int)CP_CADDR_PROXY_V1 == (int)DP_CADDR_PROXY_V1 &&
		       (int)CP_CADDR_PROXY_V2 == (int)DP_CADDR_PROXY_V2 &&
		       (int)CP_CADDR_TOA == (int)DP_CADDR_TOA,
	       "the config's client_address values are the data path's");

static struct sched_table *table_hdr(uint32_t *data)
{
	return (struct sched_table *)((uint8_t *)data - offsetof(struct sched_table, data));
}

static void table_put(uint32_t *data)
{
	if (data && --table_hdr(data)->refs == 0)
		free(table_hdr(data));
}

static uint64_t table_fp(const struct dp_service *ds, uint32_t size)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)ds->sched << 32 | size);

	for (uint32_t i = 0; i < ds->n_servers; i++) {
		const struct dp_server *s = &ds->servers[i];
		uint64_t v[2] = { (uint64_t)s->ip << 16 | s->port, s->weight };

		for (int k = 0; k < 2; k++)
			h = dp_mix64(h ^ v[k]);
	}
	return h;
}

/* The service's mh/sh/wrr table: the previous snapshot's when nothing it
 * depends on changed (a Maglev table of 65537 slots takes a millisecond or
 * two to build), else a new one. A wrr service whose servers all weigh 0
 * has none. */
static int service_table(const struct cp_service_conf *cs, struct dp_service *ds,
			 const struct dp_snap *prev)
{
	struct cp_mh_server *ms = calloc(ds->n_servers + 1, sizeof(*ms));
	struct sched_table *t = NULL;
	uint32_t size;
	uint64_t fp;
	int rc = 0;

	if (!ms)
		return -ENOMEM;
	for (uint32_t i = 0; i < ds->n_servers; i++) {
		ms[i].ip = ntohl(ds->servers[i].ip);
		ms[i].port = ntohs(ds->servers[i].port);
		ms[i].weight = ds->servers[i].weight;
	}
	size = ds->sched == DP_SCHED_MH	 ? cs->mh_table_size :
	       ds->sched == DP_SCHED_WRR ? cp_wrr_size(ms, ds->n_servers) :
					   CP_SH_SIZE_DEFAULT;
	if (size == 0)
		goto out;
	fp = table_fp(ds, size);
	for (uint32_t i = 0; prev && i < prev->n_svc; i++) {
		const struct dp_service *p = &prev->svc[i];

		if (p->id == ds->id && p->table && table_hdr(p->table)->fp == fp) {
			t = table_hdr(p->table);
			t->refs++;
			goto out;
		}
	}
	t = malloc(sizeof(*t) + (size_t)size * sizeof(uint32_t));
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	rc = ds->sched == DP_SCHED_MH  ? cp_mh_build(ms, ds->n_servers, t->data, size) :
	     ds->sched == DP_SCHED_WRR ? cp_wrr_build(ms, ds->n_servers, t->data, size) :
					 cp_sh_build(ms, ds->n_servers, t->data, size);
	if (rc < 0) {
		free(t);
		t = NULL;
		goto out;
	}
	t->digest = ds->sched == DP_SCHED_WRR ? 0 : cp_mh_digest(t->data, size, ms);
	t->refs = 1;
	t->fp = fp;
	t->size = size;
out:
	free(ms);
	if (t) {
		ds->table = t->data;
		ds->table_size = t->size;
		ds->digest = t->digest;
	}
	return rc;
}

/* A service's ACL table, shared by the snapshots of an unchanged ACL (one
 * of 100,000 prefixes takes tens of milliseconds to build). Snapshots
 * point at acl; the header is found again by offset. */
struct acl_hold {
	uint32_t refs;
	uint64_t fp;
	struct dp_acl acl;
};

static struct acl_hold *acl_hdr(const struct dp_acl *a)
{
	return (struct acl_hold *)((uint8_t *)(uintptr_t)a - offsetof(struct acl_hold, acl));
}

static void acl_put(const struct dp_acl *a)
{
	struct acl_hold *h;

	if (!a)
		return;
	h = acl_hdr(a);
	if (--h->refs)
		return;
	free(h->acl.start);
	free(h->acl.deny);
	free(h->acl.l1);
	free(h->acl.l2);
	free(h);
}

static uint64_t acl_fp(const struct cp_service_conf *cs)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)cs->n_allow << 32 | cs->n_deny);

	for (unsigned i = 0; i < cs->n_allow + cs->n_deny; i++) {
		const struct cp_prefix *p = i < cs->n_allow ? &cs->allow[i] : &cs->deny[i - cs->n_allow];

		h = dp_mix64(h ^ ((uint64_t)p->addr << 8 | p->plen));
	}
	return h;
}

static int service_acl(const struct cp_service_conf *cs, struct dp_service *ds,
		       const struct dp_snap *prev)
{
	struct acl_hold *h;
	struct dp_acl *t;
	uint64_t fp;
	int rc;

	if (!cs->n_allow && !cs->n_deny)
		return 0;
	fp = acl_fp(cs);
	for (uint32_t i = 0; prev && i < prev->n_svc; i++) {
		const struct dp_service *p = &prev->svc[i];

		if (p->id == ds->id && p->acl && acl_hdr(p->acl)->fp == fp) {
			acl_hdr(p->acl)->refs++;
			ds->acl = p->acl;
			return 0;
		}
	}
	rc = cp_acl_build(cs->allow, cs->n_allow, cs->deny, cs->n_deny, &t);
	if (rc < 0)
		return rc;
	h = malloc(sizeof(*h));
	if (!h) {
		cp_acl_free(t);
		return -ENOMEM;
	}
	h->refs = 1;
	h->fp = fp;
	h->acl = *t;
	free(t);   /* its arrays now belong to h */
	ds->acl = &h->acl;
	return 0;
}

/* What the exception path's policing needs to know (dp/punt.h): the BGP
 * peers, and where health-check replies come from (IPv6 servers by
 * handle). */
static int punt_maps(const struct cp_config *c, struct dp_snap *s)
{
	uint32_t n = 0;
	int rc;

	if (c->bgp.enabled && c->bgp.n_peers) {
		if (dp_map_create(c->bgp.n_peers, &s->bgp_peers) < 0)
			return -ENOMEM;
		for (unsigned i = 0; i < c->bgp.n_peers; i++) {
			rc = dp_map_put(s->bgp_peers, htonl(c->bgp.peers[i].ip), 1);
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
	}
	if (c->sync.enabled && c->sync.n_peers) {
		if (dp_map_create(c->sync.n_peers, &s->sync_peers) < 0)
			return -ENOMEM;
		s->sync_port = htons(c->sync.udp_port);
		for (unsigned i = 0; i < c->sync.n_peers; i++) {
			rc = dp_map_put(s->sync_peers, htonl(c->sync.peers[i].ip), 1);
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
	}
	for (unsigned i = 0; i < c->n_services; i++)
		if (c->services[i].health.type != CP_HEALTH_NONE)
			n += 2 * c->services[i].n_servers;
	if (!n)
		return 0;
	if (dp_map_create(n, &s->hc_targets) < 0)
		return -ENOMEM;
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *cs = &c->services[i];

		if (cs->health.type == CP_HEALTH_NONE)
			continue;
		for (unsigned k = 0; k < cs->n_servers; k++) {
			uint16_t port = cs->health.port ? cs->health.port : cs->servers[k].port;
			struct cp_ip a = cp_server_ip(&cs->servers[k]);
			uint32_t ip = cp_snap_addr(&a);   /* an IPv6 one by handle */

			rc = dp_map_put(s->hc_targets, (uint64_t)ip << 16 | htons(port), 1);
			if (rc == 0 || rc == -EEXIST)
				rc = dp_map_put(s->hc_targets, (uint64_t)ip << 16, 1);
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
	}
	return 0;
}

/* The key of a service's stable id (host order; the data plane's lookup
 * key, in network order, is a different thing). */
uint32_t cp_snap_addr(const struct cp_ip *ip)
{
	return ip->v6 ? dp_ip6_handle(ip->v6a) : htonl(ip->v4);
}

uint64_t cp_snap_svc_key_ip(uint8_t proto, const struct cp_ip *vip, uint16_t port)
{
	/* an IPv6 VIP by its handle (distinct among our addresses: the
	 * validator says so), with a bit IPv4's keys never have */
	if (vip->v6)
		return 1ull << 56 | dp_snap_svc_key(proto, ntohl(dp_ip6_handle(vip->v6a)), port);
	return dp_snap_svc_key(proto, vip->v4, port);
}

uint64_t cp_snap_svc_key(const struct cp_service_conf *s)
{
	struct cp_ip v = cp_service_vip(s);

	return cp_snap_svc_key_ip(s->proto, &v, s->port);
}

#define svc_key cp_snap_svc_key

/* 46 bits of a fixed hash of an IPv6 address (ids must stay the same
 * across restarts of the control plane's tables, so no seed). */
static uint64_t key6(const uint8_t a[16])
{
	uint64_t hi, lo, h;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	h = (hi ^ (lo * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	h ^= h >> 31;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return h & ((1ull << 46) - 1);
}

uint64_t cp_snap_server_key_ip(const struct cp_ip *ip, uint16_t port)
{
	if (ip->v6)
		return 1ull << 63 | key6(ip->v6a) << 16 | port;
	return (uint64_t)ip->v4 << 16 | port;
}

uint64_t cp_snap_server_key(const struct cp_server_conf *r)
{
	struct cp_ip ip = cp_server_ip(r);

	return cp_snap_server_key_ip(&ip, r->port);
}

uint64_t cp_snap_sorry_key(const struct cp_service_conf *s)
{
	if (s->rs_v6)
		return 1ull << 63 | 1ull << 62 | key6(s->sorry_ip6) << 16 | s->sorry_port;
	return 1ull << 48 | (uint64_t)s->sorry_ip << 16 | s->sorry_port;
}

static int list_add(struct cp_id_list *l, uint32_t id)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		uint32_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

void cp_snap_in_done(struct cp_snap_in *in)
{
	free(in->got_svc.v);
	free(in->got_rs.v);
	free(in->gone_svc.v);
	free(in->gone_rs.v);
	in->got_svc.v = in->got_rs.v = in->gone_svc.v = in->gone_rs.v = NULL;
}

/* Ids of the previous snapshot that the new one does not use. */
static int list_gone(struct cp_snap_in *in, const struct dp_snap *s)
{
	const struct dp_snap *prev = in->prev;
	uint8_t *seen;
	uint32_t cap = 0;
	int rc = 0;

	if (!prev)
		return 0;
	for (uint32_t i = 0; i < s->n_svc; i++)
		cap = s->svc[i].id + 1 > cap ? s->svc[i].id + 1 : cap;
	for (uint32_t i = 0; i < prev->n_svc; i++)
		cap = prev->svc[i].id + 1 > cap ? prev->svc[i].id + 1 : cap;
	seen = calloc(cap + 1, 1);
	if (!seen)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n_svc; i++)
		seen[s->svc[i].id] = 1;
	for (uint32_t i = 0; rc == 0 && i < prev->n_svc; i++) {
		const struct dp_service *p = &prev->svc[i];

		if (seen[p->id])
			continue;   /* its servers were walked against the new list */
		rc = list_add(&in->gone_svc, p->id);
		for (uint32_t k = 0; rc == 0 && k < p->n_servers; k++)
			rc = list_add(&in->gone_rs, p->servers[k].id);
		if (rc == 0 && p->has_sorry)
			rc = list_add(&in->gone_rs, p->sorry.id);
	}
	free(seen);
	return rc;
}

static uint64_t host_key(const struct dp_server *s)
{
	return (uint64_t)ntohl(s->ip) << 16 | ntohs(s->port);
}

/* The previous snapshot's service of a stable id, if its servers are in
 * address order (they are whenever the config's were). */
static const struct dp_service *prev_service(const struct dp_snap *prev, uint32_t id)
{
	for (uint32_t i = 0; prev && i < prev->n_svc; i++)
		if (prev->svc[i].id == id)
			return &prev->svc[i];
	return NULL;
}

static uint8_t sched_of(uint8_t s)
{
	switch (s) {
	case CP_SCHED_WRR: return DP_SCHED_WRR;
	case CP_SCHED_LC: return DP_SCHED_LC;
	case CP_SCHED_WLC: return DP_SCHED_WLC;
	case CP_SCHED_SH: return DP_SCHED_SH;
	case CP_SCHED_MH: return DP_SCHED_MH;
	default: return DP_SCHED_RR;
	}
}

void cp_snap_free(struct dp_snap *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n_svc; i++) {
		table_put(s->svc[i].table);
		acl_put(s->svc[i].acl);
		free(s->svc[i].usable);
	}
	dp_map_free(s->bgp_peers);
	dp_map_free(s->sync_peers);
	dp_map_free(s->hc_targets);
	if (s->n_svc)
		free(s->svc[0].servers);
	free(s->svc);
	free(s->rs_reset);
	dp_map_free(s->addrs);
	dp_map_free(s->addrs6);
	free(s->addr6);
	dp_map_free(s->svcs);
	free(s);
}

static int add_addr(struct dp_map *m, uint32_t ip, uint32_t kind, uint32_t idx)
{
	int rc = dp_map_put(m, htonl(ip), kind << 24 | idx);

	/* Several services share a VIP: the first entry is enough. */
	return rc == -EEXIST ? 0 : rc;
}

/* One of our IPv6 addresses: by its handle in addrs (which the session
 * code keys by), and in addr6/addrs6 with the full address, which
 * dp_snap_addr6 checks. */
static int add_addr6(struct dp_snap *s, const uint8_t a[16], uint32_t val)
{
	uint32_t h = dp_ip6_handle(a);
	int rc = dp_map_put(s->addrs6, h, s->n_addr6);

	if (rc == -EEXIST)
		return 0;   /* a VIP several services share */
	if (rc < 0)
		return rc;
	memcpy(s->addr6[s->n_addr6].a, a, 16);
	s->addr6[s->n_addr6++].val = val;
	rc = dp_map_put(s->addrs, h, val);
	return rc == -EEXIST ? 0 : rc;
}

/* A stable id for (a, b) in ids; a new one goes on the got list (given
 * back if the snapshot is not published). Running out of ids is the one
 * failure an operator can act on: say what to raise. */
static int take_id(struct cp_ids *ids, uint64_t a, uint64_t b, struct cp_id_list *got,
		   uint32_t *id, struct cp_err *err)
{
	int rc = cp_ids_get(ids, a, b, id);

	if (rc == -ENOSPC && err) {
		snprintf(err->field, sizeof(err->field), "services");
		snprintf(err->msg, sizeof(err->msg),
			 "no free id: raise limits.services / limits.servers (removed servers keep "
			 "their id while their sessions last)");
	}
	if (rc > 0)
		rc = list_add(got, *id);
	return rc < 0 ? rc : 0;
}

/* With sync on, ARP for a local IP is sync's call (cp_lips_set). */
static bool hold_is(const struct cp_lip_hold *h, uint32_t ip, const uint8_t *ip6)
{
	return ip6 ? h->v6 && !memcmp(h->ip6, ip6, 16) : !h->v6 && h->ip == ip;
}

/* ip, or the IPv6 address ip6 (not NULL). */
static uint32_t lip_noarp(const struct cp_snap_in *in, uint32_t ip, const uint8_t *ip6)
{
	if (!in->cfg->sync.enabled)
		return 0;
	for (unsigned k = 0; k < in->n_lip_hold; k++)
		if (hold_is(&in->lip_hold[k], ip, ip6))
			return in->lip_hold[k].arp ? 0 : DP_ADDR_NOARP;
	return DP_ADDR_NOARP;
}

/* Peers' local IPs this node holds or has just handed back: replies to
 * them are received like those to its own (their sessions came by sync);
 * no pool, so no new flow is made on them. */
static int held_lips(const struct cp_snap_in *in, struct dp_snap *s)
{
	const struct cp_config *c = in->cfg;

	if (!c->sync.enabled)
		return 0;
	for (unsigned k = 0; k < in->n_lip_hold; k++) {
		const struct cp_lip_hold *h = &in->lip_hold[k];
		bool own = false;
		int rc;

		for (unsigned i = 0; i < c->n_lips && !own && !h->v6; i++)
			own = c->lips[i] == h->ip;
		for (unsigned i = 0; i < c->n_lips6 && !own && h->v6; i++)
			own = !memcmp(c->lips6[i], h->ip6, 16);
		if (own)
			continue;
		if (h->v6)
			rc = add_addr6(s, h->ip6, DP_ADDR_LIP << 24 | (DP_MAX_LIPS + k) |
						  (h->arp ? 0 : DP_ADDR_NOARP));
		else
			rc = add_addr(s->addrs, h->ip, DP_ADDR_LIP,
				      (DP_MAX_LIPS + k) | (h->arp ? 0 : DP_ADDR_NOARP));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The service's sorry server, with a server id of its own so that its
 * counters and sessions are kept like any server's. The previous
 * snapshot's, if it is another one (or none now), is retired. */
static int sorry_server(struct cp_snap_in *in, const struct cp_service_conf *cs,
			struct dp_service *ds, const struct dp_service *prev_svc,
			struct cp_err *err)
{
	int rc;

	if (cs->has_sorry) {
		rc = take_id(in->rs_ids, svc_key(cs), cp_snap_sorry_key(cs), &in->got_rs,
			     &ds->sorry.id, err);
		if (rc < 0)
			return rc;
		ds->has_sorry = 1;
		ds->sorry.ip = htonl(cs->sorry_ip);
		if (cs->rs_v6) {
			memcpy(ds->sorry.ip6, cs->sorry_ip6, 16);
			ds->sorry.ip = dp_ip6_handle(cs->sorry_ip6);
		}
		ds->sorry.port = htons(cs->sorry_port);
		ds->sorry.weight = 1;
	}
	if (prev_svc && prev_svc->has_sorry && (!ds->has_sorry || prev_svc->sorry.id != ds->sorry.id))
		return list_add(&in->gone_rs, prev_svc->sorry.id);
	return 0;
}

/* Which servers' sessions the data plane resets: down, in a service that
 * says on_down: reset. */
static int reset_map(struct dp_snap *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->n_svc; i++) {
		const struct dp_service *ds = &s->svc[i];

		for (uint32_t k = 0; ds->on_down == DP_ON_DOWN_RESET && k < ds->n_servers; k++)
			if ((ds->servers[k].flags & DP_RS_DOWN) && ds->servers[k].id >= n)
				n = ds->servers[k].id + 1;
	}
	if (!n)
		return 0;
	s->rs_reset = calloc(n, 1);
	if (!s->rs_reset)
		return -ENOMEM;
	s->n_rs_reset = n;
	for (uint32_t i = 0; i < s->n_svc; i++) {
		const struct dp_service *ds = &s->svc[i];

		for (uint32_t k = 0; ds->on_down == DP_ON_DOWN_RESET && k < ds->n_servers; k++)
			if (ds->servers[k].flags & DP_RS_DOWN)
				s->rs_reset[ds->servers[k].id] = 1;
	}
	return 0;
}

/* Session sync's part (dp/snap.h): the lease of each state is a third of
 * its timeout, at most a minute (a peer's copy lives that much longer than
 * the owner's); each peer may fill a share of an lcore's table —
 * sync.peer_quota_pct, or by default an equal share and a tenth more. */
static void snap_sync(const struct cp_config *c, struct dp_snap *s)
{
	uint32_t pct = c->sync.peer_quota_pct;

	s->sync_on = c->sync.enabled;
	for (unsigned st = 0; st < DP_TIMEOUT_MAX; st++) {
		uint32_t lease = s->timeout[st] / 3;

		s->sync_lease[st] = lease > 60000 ? 60000 : lease < 100 ? 100 : lease;
	}
	if (!pct) {
		pct = 100 / (c->sync.n_peers + 1) + 10;
		if (pct > 100)
			pct = 100;
	}
	s->sync_quota = (uint32_t)((uint64_t)c->sessions_per_lcore * pct / 100);
}

/* ---- cp_snap_build, step by step ----------------------------------------- */

/* The snapshot's arrays and maps, empty: one server array for all services
 * (s->svc[0].servers owns it once a service points into it). */
static int snap_alloc(const struct cp_snap_in *in, struct dp_snap **out,
		      struct dp_server **block)
{
	const struct cp_config *c = in->cfg;
	struct dp_snap *s = calloc(1, sizeof(*s));
	uint64_t n_rs = 0;

	*block = NULL;
	if (!s)
		return -ENOMEM;
	s->gen = in->gen;
	s->routes = in->routes;
	s->laddr.n_lcores = in->n_lcores ? in->n_lcores : 1;
	for (unsigned i = 0; i < c->n_services; i++)
		n_rs += c->services[i].n_servers;
	s->svc = calloc(c->n_services + 1, sizeof(*s->svc));
	*block = n_rs ? calloc(n_rs, sizeof(**block)) : NULL;
	if (!s->svc || (n_rs && !*block) ||
	    dp_map_create(c->n_services, &s->svcs) < 0 ||
	    dp_map_create(c->n_ports + c->n_lips + c->n_lips6 + c->n_services + in->n_lip_hold,
			  &s->addrs) < 0 ||
	    dp_map_create(c->n_lips6 + c->n_services + in->n_lip_hold, &s->addrs6) < 0 ||
	    !(s->addr6 = calloc(c->n_lips6 + c->n_services + in->n_lip_hold + 1,
				sizeof(*s->addr6)))) {
		free(*block);
		*block = NULL;
		cp_snap_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* What the data plane needs of a service's own fields. */
static void service_fields(const struct cp_service_conf *cs, struct dp_service *ds)
{
	ds->vip = cs->v6 ? dp_ip6_handle(cs->vip6) : htonl(cs->vip);
	ds->vip_v6 = cs->v6;
	ds->rs_v6 = cs->rs_v6;
	memcpy(ds->vip6, cs->vip6, 16);
	ds->port = htons(cs->port);
	ds->proto = cs->proto;
	ds->sched = sched_of(cs->sched);
	ds->fwd = cs->fwd;
	ds->on_down = cs->on_down == CP_ON_DOWN_RESET ? DP_ON_DOWN_RESET : DP_ON_DOWN_KEEP;
	ds->hash_port = cs->mh_port;
	ds->caddr = cs->fwd == CP_FWD_FULLNAT ? cs->client_address : 0;
	ds->proxy_on_connect = cs->proxy_send;
	ds->synproxy = cs->fwd == CP_FWD_FULLNAT && cs->proto == IPPROTO_TCP && cs->synproxy;
	ds->xlate = ds->caddr != DP_CADDR_NONE || ds->synproxy;
	ds->persist_ms = cs->persistence_s * 1000;
	ds->persist_mask = htonl(cs->persistence_mask);
	ds->n_servers = cs->n_servers;
}

/* One server's fields (its id already set). Thresholds hold per lcore:
 * each sees its share of the connections. LVS's lower default is 3/4 of
 * the upper. */
static void server_fields(const struct cp_snap_in *in, const struct cp_server_conf *r,
			  struct dp_service *ds, struct dp_server *d)
{
	d->ip = r->v6 ? dp_ip6_handle(r->ip6) : htonl(r->ip);
	memcpy(d->ip6, r->ip6, 16);
	d->port = htons(r->port);
	d->weight = r->weight;
	d->flags = (uint16_t)((r->drain ? DP_RS_DRAIN : 0) |
			      (in->rs_down && in->rs_down[d->id] ? DP_RS_DOWN : 0));
	if (r->u_threshold) {
		uint32_t n = in->n_lcores ? in->n_lcores : 1;

		d->u_thr = (r->u_threshold + n - 1) / n;
		d->l_thr = r->l_threshold ? (r->l_threshold + n - 1) / n : d->u_thr * 3 / 4;
		ds->has_thr = 1;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* An IPv6 service's servers with their ids: no key in the order of the
 * lists (16 bytes and a port), so each id is looked up by its key, and
 * the previous snapshot's servers whose id is not among the new ones are
 * retired. */
static int service_servers6(struct cp_snap_in *in, const struct cp_service_conf *cs,
			    struct dp_service *ds, const struct dp_service *prev_svc,
			    struct cp_err *err)
{
	uint32_t n_prev = prev_svc ? prev_svc->n_servers : 0, *ids = NULL;
	int rc = 0;

	if (cs->n_servers && !(ids = malloc(cs->n_servers * sizeof(*ids))))
		return -ENOMEM;
	for (unsigned k = 0; k < cs->n_servers; k++) {
		struct dp_server *d = &ds->servers[k];

		rc = take_id(in->rs_ids, svc_key(cs), cp_snap_server_key(&cs->servers[k]), &in->got_rs,
			     &d->id, err);
		if (rc < 0)
			goto out;
		server_fields(in, &cs->servers[k], ds, d);
		ids[k] = d->id;
	}
	if (cs->n_servers)
		qsort(ids, cs->n_servers, sizeof(*ids), cmp_u32);
	for (uint32_t k = 0; k < n_prev; k++) {
		uint32_t id = prev_svc->servers[k].id;

		if (!cs->n_servers || !bsearch(&id, ids, cs->n_servers, sizeof(*ids), cmp_u32)) {
			rc = list_add(&in->gone_rs, id);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

/* The service's servers with their ids. Both lists are in address order
 * (cp keeps them so: cp_service_sort_servers runs on each config before
 * it gets here, and it is what makes scheduler tables depend on the set of
 * servers only): the previous snapshot's is walked alongside, a server
 * that stays keeps its id with no hash lookup, one that went is retired. */
static int service_servers(struct cp_snap_in *in, const struct cp_service_conf *cs,
			   struct dp_service *ds, const struct dp_service *prev_svc,
			   struct cp_err *err)
{
	uint32_t pk = 0, n_prev = prev_svc ? prev_svc->n_servers : 0;
	int rc;

	if (cs->rs_v6)
		return service_servers6(in, cs, ds, prev_svc, err);
	for (unsigned k = 0; k < cs->n_servers; k++) {
		const struct cp_server_conf *r = &cs->servers[k];
		struct dp_server *d = &ds->servers[k];
		uint64_t key = (uint64_t)r->ip << 16 | r->port;

		for (; pk < n_prev && host_key(&prev_svc->servers[pk]) < key; pk++) {
			rc = list_add(&in->gone_rs, prev_svc->servers[pk].id);
			if (rc < 0)
				return rc;
		}
		if (pk < n_prev && host_key(&prev_svc->servers[pk]) == key) {
			d->id = prev_svc->servers[pk++].id;
		} else {
			rc = take_id(in->rs_ids, svc_key(cs), key, &in->got_rs, &d->id, err);
			if (rc < 0)
				return rc;
		}
		server_fields(in, r, ds, d);
	}
	for (; pk < n_prev; pk++) {
		rc = list_add(&in->gone_rs, prev_svc->servers[pk].id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The bitmap of servers a new connection may go to. */
static int service_usable(struct dp_service *ds)
{
	ds->usable = calloc((ds->n_servers + 63) / 64 + 1, sizeof(uint64_t));
	if (!ds->usable)
		return -ENOMEM;
	for (uint32_t k = 0; k < ds->n_servers; k++)
		if (dp_server_usable(&ds->servers[k]))
			ds->usable[k >> 6] |= 1ull << (k & 63);
	return 0;
}

/* Service i of the config into s->svc[i], its servers at *servers (moved
 * on past them), and into the lookup maps. */
static int build_service(struct cp_snap_in *in, struct dp_snap *s, unsigned i,
			 struct dp_server **servers, struct cp_err *err)
{
	const struct cp_service_conf *cs = &in->cfg->services[i];
	struct dp_service *ds = &s->svc[i];
	const struct dp_service *prev_svc;
	int rc;

	ds->servers = *servers;
	*servers += cs->n_servers;
	s->n_svc++;
	rc = take_id(in->svc_ids, svc_key(cs), 0, &in->got_svc, &ds->id, err);
	if (rc < 0)
		return rc;
	service_fields(cs, ds);
	if (ds->fwd == DP_FWD_NAT)
		s->has_nat = 1;
	/* limits hold for the node: each lcore its share */
	ds->max_conns = cs->max_conns ? (cs->max_conns + s->laddr.n_lcores - 1) / s->laddr.n_lcores
				      : 0;
	ds->new_rate = cs->new_conns_per_s;
	ds->client_rate = cs->per_client_new_conns_per_s;
	ds->refuse = cs->refuse ? DP_REFUSE_DROP : DP_REFUSE_RST;
	rc = service_acl(cs, ds, in->prev);
	if (rc < 0)
		return rc;
	prev_svc = prev_service(in->prev, ds->id);
	if ((rc = service_servers(in, cs, ds, prev_svc, err)) < 0 ||
	    (rc = sorry_server(in, cs, ds, prev_svc, err)) < 0 ||
	    (rc = service_usable(ds)) < 0)
		return rc;
	if (ds->sched == DP_SCHED_MH || ds->sched == DP_SCHED_SH || ds->sched == DP_SCHED_WRR) {
		rc = service_table(cs, ds, in->prev);
		if (rc < 0)
			return rc;
	}
	rc = dp_map_put(s->svcs, dp_snap_svc_key(cs->proto, ds->vip, ds->port), i);
	if (rc < 0)
		return rc;
	if (cs->v6)
		return add_addr6(s, cs->vip6, DP_ADDR_VIP << 24 | i);
	return add_addr(s->addrs, cs->vip, DP_ADDR_VIP, i);
}

/* The ports' and local IPs' addresses, and who owns each local IP. */
static int snap_addrs(const struct cp_snap_in *in, struct dp_snap *s)
{
	const struct cp_config *c = in->cfg;
	int rc;

	for (unsigned i = 0; i < c->n_ports; i++) {
		s->port[i].ip = htonl(c->ports[i].ip);
		s->port[i].mask = htonl(c->ports[i].plen ? 0xffffffffu << (32 - c->ports[i].plen) : 0);
		s->port[i].has_ip6 = c->ports[i].plen6 != 0;
		memcpy(s->port[i].ip6, c->ports[i].ip6, 16);
		s->port[i].plen6 = c->ports[i].plen6;
		rc = add_addr(s->addrs, c->ports[i].ip, DP_ADDR_PORT, i);
		if (rc < 0)
			return rc;
	}
	s->n_ports = c->n_ports;
	/* The mode is the data plane's choice (dp_laddr_mode), which the
	 * caller sets before publishing; it keeps that of the last snapshot
	 * until then. */
	s->laddr.mode = in->prev ? in->prev->laddr.mode : DP_LADDR_SOFT;
	s->laddr.n_lcores = in->n_lcores ? in->n_lcores : 1;
	for (unsigned i = 0; i < c->n_lips; i++) {
		s->laddr.lip[i] = htonl(c->lips[i]);
		rc = add_addr(s->addrs, c->lips[i], DP_ADDR_LIP, i | lip_noarp(in, c->lips[i], NULL));
		if (rc < 0)
			return rc;
	}
	rc = held_lips(in, s);
	if (rc < 0)
		return rc;
	s->laddr.n_lips = c->n_lips;
	s->laddr.n_lips4 = c->n_lips;
	/* the IPv6 ones after them (with sync on, answered when sync says:
	 * cp_lips_set, as the IPv4 ones) */
	for (unsigned j = 0; j < c->n_lips6 && s->laddr.n_lips < DP_MAX_LIPS; j++) {
		uint32_t i = s->laddr.n_lips++;

		s->laddr.lip[i] = dp_ip6_handle(c->lips6[j]);
		memcpy(s->laddr.lip6[i], c->lips6[j], 16);
		rc = add_addr6(s, c->lips6[j], DP_ADDR_LIP << 24 | i | lip_noarp(in, 0, c->lips6[j]));
		if (rc < 0)
			return rc;
	}
	s->laddr.lport_min = (uint16_t)c->lport_min;
	s->laddr.lport_max = (uint16_t)c->lport_max;
	s->laddr.guard_ms = c->lport_guard_s * 1000;
	/* In flow mode a LIP's owner is its rx queue: LIPs that stay keep
	 * theirs, whatever was added or removed around them. */
	dp_flow_assign_owners(&s->laddr, in->prev ? &in->prev->laddr : NULL);
	return 0;
}

/* Session timeouts by state, in ms. */
static void snap_timeouts(const struct cp_config *c, struct dp_snap *s)
{
	s->timeout[DP_TCP_NONE] = c->to_tcp_syn * 1000;
	s->timeout[DP_TCP_SYN_RECV] = c->to_tcp_syn * 1000;
	s->timeout[DP_TCP_SYN_SENT] = c->to_tcp_syn * 1000;
	s->timeout[DP_TCP_ESTABLISHED] = c->to_tcp_est * 1000;
	s->timeout[DP_TCP_FIN_WAIT] = c->to_tcp_fin * 1000;
	s->timeout[DP_TCP_CLOSE_WAIT] = c->to_tcp_fin * 1000;
	s->timeout[DP_TCP_LAST_ACK] = c->to_tcp_fin * 1000;
	s->timeout[DP_TCP_TIME_WAIT] = c->to_tcp_time_wait * 1000;
	s->timeout[DP_TCP_CLOSE] = c->to_tcp_close * 1000;
	s->timeout[DP_UDP_STATE] = c->to_udp * 1000;
}

int cp_snap_build(struct cp_snap_in *in, struct dp_snap **out, struct cp_err *err)
{
	struct dp_server *block, *servers;
	struct dp_snap *s;
	int rc;

	rc = snap_alloc(in, &s, &block);
	if (rc < 0)
		return rc;
	servers = block;
	for (unsigned i = 0; i < in->cfg->n_services; i++) {
		rc = build_service(in, s, i, &servers, err);
		if (rc < 0)
			goto err;
	}
	rc = snap_addrs(in, s);
	if (rc < 0)
		goto err;
	rc = reset_map(s);
	if (rc < 0)
		goto err;
	rc = punt_maps(in->cfg, s);
	if (rc < 0)
		goto err;
	for (int k = 0; k < DP_PUNT_MAX; k++)
		s->punt_pps[k] = in->cfg->punt_pps[k];
	s->evict_low_water = (uint32_t)((uint64_t)in->cfg->sessions_per_lcore *
					in->cfg->evict_low_water_pct / 100);
	snap_timeouts(in->cfg, s);
	snap_sync(in->cfg, s);
	s->n_routes6 = cp_snap_routes6(in->cfg, s->route6);
	rc = list_gone(in, s);
	if (rc < 0)
		goto err;
	*out = s;
	return 0;
err:
	if (!s->n_svc)
		free(block);   /* else s->svc[0].servers owns it */
	cp_snap_free(s);
	return rc;
}

struct dp_route_spec *cp_snap_routes(const struct cp_config *c, unsigned *n, uint64_t *hash)
{
	struct dp_route_spec *r = calloc(c->n_ports + c->n_routes + 1, sizeof(*r));
	uint64_t h = 1469598103934665603ULL;
	unsigned k = 0;

	if (!r)
		return NULL;
	for (unsigned i = 0; i < c->n_ports; i++, k++) {
		uint32_t mask = c->ports[i].plen ? 0xffffffffu << (32 - c->ports[i].plen) : 0;

		r[k].prefix = htonl(c->ports[i].ip & mask);
		r[k].plen = c->ports[i].plen;
		r[k].gw = 0;
		r[k].port = (uint16_t)i;
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		struct cp_ip via = cp_route_via(&c->routes[i]);
		int p;

		if (c->routes[i].v6) {
			/* not the IPv4 table's, but in its hash (see snap.h) */
			for (unsigned b = 0; b < 16; b++)
				h = (h ^ (c->routes[i].prefix6[b] | (uint64_t)c->routes[i].via6[b] << 8)) *
				    1099511628211ULL;
			h = (h ^ c->routes[i].plen) * 1099511628211ULL;
			continue;
		}
		p = cp_config_port_of(c, &via);
		r[k].prefix = htonl(c->routes[i].prefix);
		r[k].plen = c->routes[i].plen;
		r[k].gw = htonl(via.v4);
		r[k].port = (uint16_t)(p >= 0 ? p : 0);
		k++;
	}
	for (unsigned i = 0; i < k; i++) {
		uint64_t v[3] = { r[i].prefix, (uint64_t)r[i].plen << 16 | r[i].port, r[i].gw };

		for (int j = 0; j < 3; j++)
			h = (h ^ v[j]) * 1099511628211ULL;
	}
	*n = k;
	*hash = h;
	return r;
}

uint32_t cp_snap_routes6(const struct cp_config *c, struct dp_snap_route6 *out)
{
	uint32_t n = 0;

	/* by length, longest first; a stable insertion keeps the config's
	 * order among equals (a handful of routes) */
	for (unsigned i = 0; i < c->n_routes && n < DP_MAX_ROUTES6; i++) {
		const struct cp_route_conf *r = &c->routes[i];
		struct cp_ip via = cp_route_via(r);
		int p = r->v6 ? cp_config_port_of(c, &via) : -1;
		uint32_t k;

		if (p < 0)
			continue;
		for (k = n++; k > 0 && out[k - 1].plen < r->plen; k--)
			out[k] = out[k - 1];
		memcpy(out[k].prefix, r->prefix6, 16);
		out[k].plen = r->plen;
		out[k].port = (uint16_t)p;
		memcpy(out[k].via, r->via6, 16);
	}
	return n;
}
