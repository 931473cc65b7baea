/* cp/snap.c — config → data-plane snapshot (see snap.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* The key of a service's stable id (host order; the data plane's lookup
 * key, in network order, is a different thing). */
static uint64_t svc_key(const struct cp_service_conf *s)
{
	return dp_snap_svc_key(s->proto, s->vip, s->port);
}

uint64_t cp_snap_sorry_key(const struct cp_service_conf *s)
{
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
		free(s->svc[i].usable);
	}
	if (s->n_svc)
		free(s->svc[0].servers);
	free(s->svc);
	free(s->rs_reset);
	dp_map_free(s->addrs);
	dp_map_free(s->svcs);
	free(s);
}

static int add_addr(struct dp_map *m, uint32_t ip, uint32_t kind, uint32_t idx)
{
	int rc = dp_map_put(m, htonl(ip), kind << 24 | idx);

	/* Several services share a VIP: the first entry is enough. */
	return rc == -EEXIST ? 0 : rc;
}

/* With sync on, ARP for a local IP is sync's call (cp_lips_set). */
static uint32_t lip_noarp(const struct cp_snap_in *in, uint32_t ip)
{
	if (!in->cfg->sync.enabled)
		return 0;
	for (unsigned k = 0; k < in->n_lip_hold; k++)
		if (in->lip_hold[k].ip == ip)
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

		for (unsigned i = 0; i < c->n_lips && !own; i++)
			own = c->lips[i] == h->ip;
		if (own)
			continue;
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
			struct dp_service *ds, const struct dp_service *prev_svc)
{
	int rc;

	if (cs->has_sorry) {
		rc = cp_ids_get(in->rs_ids, svc_key(cs), cp_snap_sorry_key(cs), &ds->sorry.id);
		if (rc < 0)
			return rc;
		if (rc > 0 && (rc = list_add(&in->got_rs, ds->sorry.id)) < 0)
			return rc;
		ds->has_sorry = 1;
		ds->sorry.ip = htonl(cs->sorry_ip);
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

int cp_snap_build(struct cp_snap_in *in, struct dp_snap **out, struct cp_err *err)
{
	const struct cp_config *c = in->cfg;
	struct dp_server *block = NULL, *servers;
	struct dp_snap *s;
	uint64_t n_rs = 0;
	int rc = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->gen = in->gen;
	s->routes = in->routes;
	for (unsigned i = 0; i < c->n_services; i++)
		n_rs += c->services[i].n_servers;
	s->svc = calloc(c->n_services + 1, sizeof(*s->svc));
	block = n_rs ? calloc(n_rs, sizeof(*block)) : NULL;
	if (!s->svc || (n_rs && !block))
		goto err;
	servers = block;
	if (dp_map_create(c->n_services, &s->svcs) < 0 ||
	    dp_map_create(c->n_ports + c->n_lips + c->n_services + in->n_lip_hold, &s->addrs) < 0)
		goto err;

	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *cs = &c->services[i];
		struct dp_service *ds = &s->svc[i];
		const struct dp_service *prev_svc;
		uint32_t pk;

		ds->servers = servers;
		servers += cs->n_servers;
		s->n_svc++;
		rc = cp_ids_get(in->svc_ids, svc_key(cs), 0, &ds->id);
		if (rc < 0)
			goto err_ids;
		if (rc > 0 && (rc = list_add(&in->got_svc, ds->id)) < 0)
			goto err;
		ds->vip = htonl(cs->vip);
		ds->port = htons(cs->port);
		ds->proto = cs->proto;
		ds->sched = sched_of(cs->sched);
		ds->fwd = cs->fwd;
		if (ds->fwd == DP_FWD_NAT)
			s->has_nat = 1;
		ds->on_down = cs->on_down == CP_ON_DOWN_RESET ? DP_ON_DOWN_RESET : DP_ON_DOWN_KEEP;
		ds->hash_port = cs->mh_port;
		ds->persist_ms = cs->persistence_s * 1000;
		ds->persist_mask = htonl(cs->persistence_mask);
		ds->n_servers = cs->n_servers;
		/* (cp keeps every list sorted: cp_service_sort_servers runs on
		 * each config before it gets here; the walk below needs it) */
		prev_svc = prev_service(in->prev, ds->id);
		pk = 0;
		for (unsigned k = 0; k < cs->n_servers; k++) {
			const struct cp_server_conf *r = &cs->servers[k];
			struct dp_server *d = &ds->servers[k];
			uint64_t key = (uint64_t)r->ip << 16 | r->port;

			/* Both lists are in address order: walk the previous one
			 * alongside and take a server's id from it when it was
			 * there (no hash lookup for the thousands that stay). */
			while (prev_svc && pk < prev_svc->n_servers &&
			       host_key(&prev_svc->servers[pk]) < key) {
				/* in the old list, not in the new: removed */
				rc = list_add(&in->gone_rs, prev_svc->servers[pk++].id);
				if (rc < 0)
					goto err;
			}
			if (prev_svc && pk < prev_svc->n_servers &&
			    host_key(&prev_svc->servers[pk]) == key) {
				d->id = prev_svc->servers[pk++].id;
			} else {
				rc = cp_ids_get(in->rs_ids, svc_key(cs), key, &d->id);
				if (rc < 0)
					goto err_ids;
				if (rc > 0 && (rc = list_add(&in->got_rs, d->id)) < 0)
					goto err;
			}
			d->ip = htonl(r->ip);
			d->port = htons(r->port);
			d->weight = r->weight;
			d->flags = (uint16_t)((r->drain ? DP_RS_DRAIN : 0) |
					      (in->rs_down && in->rs_down[d->id] ? DP_RS_DOWN : 0));
			/* Thresholds hold per lcore: each sees its share of the
			 * connections. LVS's lower default is 3/4 of the upper. */
			if (r->u_threshold) {
				uint32_t n = in->n_lcores ? in->n_lcores : 1;

				d->u_thr = (r->u_threshold + n - 1) / n;
				d->l_thr = r->l_threshold ? (r->l_threshold + n - 1) / n
							  : d->u_thr * 3 / 4;
				ds->has_thr = 1;
			}
		}
		/* Sorted by address: schedulers' tables then depend on the set
		 * of servers only, not on the order they were added in. */
		while (prev_svc && pk < prev_svc->n_servers) {
			rc = list_add(&in->gone_rs, prev_svc->servers[pk++].id);
			if (rc < 0)
				goto err;
		}
		rc = sorry_server(in, cs, ds, prev_svc);
		if (rc < 0)
			goto err_ids;
		/* Address order (which cp keeps: cp_service_sort_servers) is
		 * what makes tables order-independent and the walk above
		 * right; servers[] is built in that order. */
		ds->usable = calloc((ds->n_servers + 63) / 64 + 1, sizeof(uint64_t));
		if (!ds->usable) {
			rc = -ENOMEM;
			goto err;
		}
		for (uint32_t k = 0; k < ds->n_servers; k++)
			if (dp_server_usable(&ds->servers[k]))
				ds->usable[k >> 6] |= 1ull << (k & 63);
		if (ds->sched == DP_SCHED_MH || ds->sched == DP_SCHED_SH ||
		    ds->sched == DP_SCHED_WRR) {
			rc = service_table(cs, ds, in->prev);
			if (rc < 0)
				goto err;
		}
		rc = dp_map_put(s->svcs, dp_snap_svc_key(cs->proto, ds->vip, ds->port), i);
		if (rc < 0)
			goto err;
		rc = add_addr(s->addrs, cs->vip, DP_ADDR_VIP, i);
		if (rc < 0)
			goto err;
	}

	for (unsigned i = 0; i < c->n_ports; i++) {
		s->port[i].ip = htonl(c->ports[i].ip);
		s->port[i].mask = htonl(c->ports[i].plen ? 0xffffffffu << (32 - c->ports[i].plen) : 0);
		rc = add_addr(s->addrs, c->ports[i].ip, DP_ADDR_PORT, i);
		if (rc < 0)
			goto err;
	}
	s->n_ports = c->n_ports;
	/* The mode is the data plane's choice (dp_laddr_mode), which the
	 * caller sets before publishing; it keeps that of the last snapshot
	 * until then. */
	s->laddr.mode = in->prev ? in->prev->laddr.mode : DP_LADDR_SOFT;
	s->laddr.n_lcores = in->n_lcores ? in->n_lcores : 1;
	for (unsigned i = 0; i < c->n_lips; i++) {
		s->laddr.lip[i] = htonl(c->lips[i]);
		rc = add_addr(s->addrs, c->lips[i], DP_ADDR_LIP, i | lip_noarp(in, c->lips[i]));
		if (rc < 0)
			goto err;
	}
	rc = held_lips(in, s);
	if (rc < 0)
		goto err;
	s->laddr.n_lips = c->n_lips;
	s->laddr.lport_min = (uint16_t)c->lport_min;
	s->laddr.lport_max = (uint16_t)c->lport_max;
	s->laddr.guard_ms = c->lport_guard_s * 1000;
	/* In flow mode a LIP's owner is its rx queue: LIPs that stay keep
	 * theirs, whatever was added or removed around them. */
	dp_flow_assign_owners(&s->laddr, in->prev ? &in->prev->laddr : NULL);
	rc = reset_map(s);
	if (rc < 0)
		goto err;

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
	snap_sync(c, s);
	rc = list_gone(in, s);
	if (rc < 0)
		goto err;
	*out = s;
	return 0;
err_ids:
	if (rc == -ENOSPC && err) {
		snprintf(err->field, sizeof(err->field), "services");
		snprintf(err->msg, sizeof(err->msg),
			 "no free id: raise limits.services / limits.servers (removed servers keep "
			 "their id while their sessions last)");
	}
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
	for (unsigned i = 0; i < c->n_routes; i++, k++) {
		uint32_t via = c->routes[i].via;
		unsigned p;

		for (p = 0; p < c->n_ports; p++) {
			uint32_t mask = 0xffffffffu << (32 - c->ports[p].plen);

			if (((via ^ c->ports[p].ip) & mask) == 0)
				break;
		}
		r[k].prefix = htonl(c->routes[i].prefix);
		r[k].plen = c->routes[i].plen;
		r[k].gw = htonl(via);
		r[k].port = (uint16_t)(p < c->n_ports ? p : 0);
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
