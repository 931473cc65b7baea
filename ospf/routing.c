/* ospf/routing.c — wiring the OSPF and BGP speakers into mgw (see routing.h).
 *
 * Each speaker talks through the exception path: its sockets are bound to
 * the TAP of the port it runs on ("mgw-<port>"), whose kernel side holds the
 * port's address, so its packets go out of and come back through the data
 * plane like any kernel traffic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include "cp/cp.h"
#include "cp/crash.h"
#include "cp/keyfile.h"
#include "cp/selfcheck.h"
#include "ospf/bgp.h"
#include "ospf/ospf.h"
#include "ospf/routing.h"

RTE_LOG_REGISTER(mgw_logtype_routing, mgw.routing, INFO);
#define RT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_routing, "routing: " fmt "\n", ##__VA_ARGS__)

struct ospf_routing {
	struct cp *cp;
	struct ospf *ospf;
	struct bgp *bgp;
};

static void ospf_ann(void *arg, const struct cp_ann *a, unsigned n)
{
	struct ospf_routing *r = arg;
	struct ospf_prefix *p = calloc(n + 1, sizeof(*p));
	int rc;

	unsigned m = 0;

	if (!p)
		return;
	/* OSPFv2 carries IPv4 only (OSPFv3 is not built): v6 ones are skipped */
	for (unsigned i = 0; i < n; i++) {
		if (a[i].v6)
			continue;
		p[m].addr = a[i].addr;
		p[m].plen = 32;
		p[m].cost = a[i].ospf_cost;
		m++;
	}
	rc = ospf_announce(r->ospf, p, m);
	if (rc < 0)
		RT_LOG(ERR, "ospf: cannot announce %u prefixes: %s", m, strerror(-rc));
	free(p);
}

static void bgp_ann(void *arg, const struct cp_ann *a, unsigned n)
{
	struct ospf_routing *r = arg;
	struct bgp_prefix *p = calloc(n + 1, sizeof(*p));
	int rc;

	if (!p)
		return;
	for (unsigned i = 0; i < n; i++) {
		p[i].v6 = a[i].v6;
		p[i].addr = a[i].addr;
		memcpy(p[i].addr6, a[i].addr6, 16);
		p[i].plen = a[i].v6 ? 128 : 32;
		p[i].med = a[i].bgp_med;
	}
	rc = bgp_announce(r->bgp, p, n);
	if (rc < 0)
		RT_LOG(ERR, "bgp: cannot announce %u prefixes: %s", n, strerror(-rc));
	free(p);
}

static json_t *ospf_st(void *arg)
{
	struct ospf_routing *r = arg;
	json_t *j = NULL;

	return ospf_status_json(r->ospf, &j) == 0 ? j : NULL;
}

static json_t *bgp_st(void *arg)
{
	struct ospf_routing *r = arg;
	json_t *j = NULL;

	return bgp_status_json(r->bgp, &j) == 0 ? j : NULL;
}

static uint64_t ospf_hb(void *arg)
{
	return ospf_heartbeat(((struct ospf_routing *)arg)->ospf);
}

static uint64_t bgp_hb(void *arg)
{
	return bgp_heartbeat(((struct ospf_routing *)arg)->bgp);
}

static int port_index(const struct cp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The config's OSPF authentication types, in the speaker's terms. */
static const uint8_t ospf_auth_of[CP_OSPF_AUTH_MAX] = {
	[CP_OSPF_AUTH_NONE] = OSPF_AUTH_NONE,
	[CP_OSPF_AUTH_MD5] = OSPF_AUTH_MD5,
	[CP_OSPF_AUTH_HMAC_SHA1] = OSPF_AUTH_HMAC_SHA1,
	[CP_OSPF_AUTH_HMAC_SHA256] = OSPF_AUTH_HMAC_SHA256,
	[CP_OSPF_AUTH_HMAC_SHA384] = OSPF_AUTH_HMAC_SHA384,
	[CP_OSPF_AUTH_HMAC_SHA512] = OSPF_AUTH_HMAC_SHA512,
};

/* The key goes from its file into the speaker's config, nowhere else. */
static int read_key(const char *field, unsigned i, const char *file, uint8_t *key,
		    size_t cap, uint8_t *len)
{
	size_t n = 0;
	int rc = cp_key_read(file, key, cap, &n);

	if (rc < 0) {
		RT_LOG(ERR, "%s[%u].auth.key_file: %s %s", field, i, file,
		       rc == -E2BIG ? "holds a key too long" : cp_key_strerror(rc));
		return rc;
	}
	*len = (uint8_t)n;
	return 0;
}

static int start_ospf(struct ospf_routing *r, const struct cp_config *c)
{
	struct ospf_conf oc;
	struct cp_speaker sp = { "ospf", ospf_ann, ospf_st, ospf_hb, r };
	char msg[256] = "";
	int rc;

	memset(&oc, 0, sizeof(oc));
	oc.thread_init = cp_crash_thread_init;
	oc.router_id = c->ospf.router_id;
	oc.area = c->ospf.area;
	for (unsigned i = 0; i < c->ospf.n_ifaces; i++) {
		const struct cp_ospf_iface_conf *f = &c->ospf.ifaces[i];
		struct ospf_iface_conf *o = &oc.ifaces[oc.n_ifaces++];
		int p = port_index(c, f->port);

		snprintf(o->ifname, sizeof(o->ifname), "mgw-%s", f->port);
		o->addr = c->ports[p].ip;
		o->plen = c->ports[p].plen;
		o->mtu = c->ports[p].mtu;
		o->type = f->type ? OSPF_IF_BCAST : OSPF_IF_PTP;
		o->hello_s = f->hello_s;
		o->dead_s = f->dead_s;
		o->cost = f->cost;
		o->ttl_security = f->ttl_security;
		o->auth = f->auth < CP_OSPF_AUTH_MAX ? ospf_auth_of[f->auth] : OSPF_AUTH_TYPES;
		o->key_id = f->key_id;
		if (f->auth != CP_OSPF_AUTH_NONE) {
			rc = read_key("routing.ospf.interfaces", i, f->key_file, o->key,
				      cp_ospf_auth_key_max[f->auth], &o->key_len);
			if (rc < 0)
				goto out;
		}
	}
	rc = ospf_create_err(&oc, &r->ospf, msg, sizeof(msg));
	if (rc < 0) {
		RT_LOG(ERR, "ospf: %s", msg);
		goto out;
	}
	rc = ospf_start(r->ospf);
	if (rc < 0)
		goto out;
	/* the self-check wants its thread alive */
	rc = cp_selfcheck_watch(r->cp, "ospf", ospf_hb, r, 0);
	if (rc == 0)
		rc = cp_speaker_add(r->cp, &sp);
out:
	explicit_bzero(&oc, sizeof(oc));   /* the speaker holds its own copy */
	return rc;
}

/* RFC 2545: the v6 routes to a peer go by the ip6 of the port whose
 * IPv4 subnet holds the peer (the port the session leaves by); none when
 * that port has no ip6 (then the speaker sends the peer no v6 route). */
static void peer_next_hop6(const struct cp_config *c, uint32_t peer, uint8_t nh[16])
{
	memset(nh, 0, 16);
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct cp_port_conf *pc = &c->ports[i];
		uint32_t mask = pc->plen ? 0xffffffffu << (32 - pc->plen) : 0;

		if (pc->plen && ((peer ^ pc->ip) & mask) == 0) {
			if (pc->plen6)
				memcpy(nh, pc->ip6, 16);
			return;
		}
	}
}

static int start_bgp(struct ospf_routing *r, const struct cp_config *c)
{
	struct bgp_conf bc;
	struct cp_speaker sp = { "bgp", bgp_ann, bgp_st, bgp_hb, r };
	char msg[256] = "";
	int rc;

	memset(&bc, 0, sizeof(bc));
	bc.thread_init = cp_crash_thread_init;
	bc.local_as = c->bgp.local_as;
	bc.router_id = c->bgp.router_id;
	bc.hold_s = c->bgp.hold_s;
	for (unsigned i = 0; i < c->bgp.n_peers; i++) {
		bc.peers[i].addr = c->bgp.peers[i].ip;
		bc.peers[i].as = c->bgp.peers[i].as;
		bc.peers[i].port = c->bgp.peers[i].port;
		bc.peers[i].ttl_security = c->bgp.peers[i].ttl_security;
		peer_next_hop6(c, c->bgp.peers[i].ip, bc.peers[i].next_hop6);
		if (c->bgp.peers[i].auth == CP_BGP_AUTH_TCP_MD5) {
			rc = read_key("routing.bgp.peers", i, c->bgp.peers[i].key_file,
				      bc.peers[i].md5_key, sizeof(bc.peers[i].md5_key),
				      &bc.peers[i].md5_key_len);
			if (rc < 0)
				goto out;
		}
		bc.n_peers++;
	}
	/* Sockets are bound to no address: each session takes the source
	 * address of the port facing its peer, the NEXT_HOP it announces. */
	rc = bgp_conf_validate(&bc, msg, sizeof(msg));
	if (rc < 0) {
		RT_LOG(ERR, "bgp: %s", msg);
		goto out;
	}
	rc = bgp_create(&bc, &r->bgp);
	if (rc == 0)
		rc = bgp_start(r->bgp);
	if (rc == 0)
		rc = cp_selfcheck_watch(r->cp, "bgp", bgp_hb, r, 0);
	if (rc == 0)
		rc = cp_speaker_add(r->cp, &sp);
out:
	explicit_bzero(&bc, sizeof(bc));
	return rc;
}

/* The state change already handed the speakers an empty set; give their
 * threads a moment to put the UPDATE / LSU on the wire before the fail-safe
 * takes the links down, so the router learns it from us, not from a dead
 * interval. */
static void withdraw_grace(void *arg, const char *why)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	(void)arg;
	(void)why;
	nanosleep(&ts, NULL);
}

int ospf_routing_start(struct cp *cp, const struct cp_config *c, struct ospf_routing **out)
{
	struct ospf_routing *r = calloc(1, sizeof(*r));
	int rc = 0;

	if (!r)
		return -ENOMEM;
	r->cp = cp;
	if (c->ospf.enabled)
		rc = start_ospf(r, c);
	if (rc == 0 && c->bgp.enabled)
		rc = start_bgp(r, c);
	if (rc == 0 && (r->ospf || r->bgp))
		rc = cp_selfcheck_hook(cp, CP_SC_WITHDRAW, withdraw_grace, r);
	if (rc < 0) {
		ospf_routing_stop(r);
		return rc;
	}
	*out = r;
	return 0;
}

void ospf_routing_stop(struct ospf_routing *r)
{
	if (!r)
		return;
	cp_speakers_clear(r->cp);
	if (r->bgp) {
		bgp_stop(r->bgp);
		bgp_destroy(r->bgp);
	}
	if (r->ospf) {
		ospf_stop(r->ospf);
		ospf_destroy(r->ospf);
	}
	free(r);
}
