/* cp/routes.c — what this node announces, and to whom.
 *
 * The routing speakers (ospf/) register with the control plane; whenever
 * the config or the node's state changes, each is handed the whole set to
 * announce: every VIP with the VIP cost (the same on every node, so the
 * router spreads flows by ECMP) and every local IP with the LIP cost — while
 * the node is online, and nothing while it is starting, faulty or stopping,
 * so a node leaves the routers' tables before it leaves the network. IPv6
 * VIPs and local IPs are in the set like the IPv4 ones (/128s, the same
 * costs); BGP carries them (MP-BGP), OSPFv2 cannot and skips them. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp_int.h"
#include "cp/heir.h"

/* IPv4 first, then by address: sorted, several services on one VIP are
 * neighbours */
static int cmp_ip(const void *a, const void *b)
{
	const struct cp_ip *x = a, *y = b;

	if (x->v6 != y->v6)
		return x->v6 ? 1 : -1;
	if (x->v6)
		return memcmp(x->v6a, y->v6a, 16);
	return x->v4 < y->v4 ? -1 : x->v4 > y->v4;
}

static bool ip_eq(const struct cp_ip *x, const struct cp_ip *y)
{
	return cmp_ip(x, y) == 0;
}

static void ann_set(struct cp_ann *a, const struct cp_ip *ip, uint8_t kind,
		    uint16_t ospf_cost, uint32_t bgp_med)
{
	a->v6 = ip->v6;
	if (ip->v6)
		memcpy(a->addr6, ip->v6a, 16);
	else
		a->addr = ip->v4;
	a->kind = kind;
	a->ospf_cost = ospf_cost;
	a->bgp_med = bgp_med;
}

/* Tell every speaker the set: the cached one while online, else none.
 * ann_mu held. */
static void push(struct cp *cp)
{
	bool online = cp_state(cp) == CP_STATE_ONLINE;

	for (unsigned i = 0; i < cp->n_speakers; i++)
		cp->speaker[i].announce(cp->speaker[i].arg, online ? cp->ann : NULL,
					online ? cp->n_ann : 0);
}

void cp_announce_push(struct cp *cp)
{
	pthread_mutex_lock(&cp->ann_mu);
	push(cp);
	pthread_mutex_unlock(&cp->ann_mu);
}

static unsigned peer_lips(const struct cp_config *c)
{
	unsigned n = 0;

	if (c->sync.enabled)
		for (unsigned k = 0; k < c->sync.n_peers; k++)
			n += c->sync.peers[k].n_lips;
	return n;
}

static uint32_t plus_rank(uint32_t base, unsigned rank, uint32_t max)
{
	uint64_t v = (uint64_t)base + 100ull * (rank + 1);

	return v > max ? max : (uint32_t)v;
}

/* Routed server networks: the peers' local IPs too, dearer than their
 * owners' and dearer again the further down the heirs this node is
 * (cp_heir_rank over the cluster's nodes but the owner), so that the
 * servers' replies go to the owner while it announces, and else to the
 * one heir that takes the address over (sync/failover.c). Equal costs
 * would split one address's replies over several survivors. */
static unsigned announce_peers(const struct cp_config *c, struct cp_ann *a)
{
	uint32_t ids[CP_SYNC_MAX_PEERS + 1];
	unsigned n = 0;

	if (!c->sync.enabled)
		return 0;
	for (unsigned k = 0; k < c->sync.n_peers; k++) {
		const struct cp_sync_peer_conf *o = &c->sync.peers[k];
		unsigned m = 0;

		ids[m++] = c->node_id;
		for (unsigned j = 0; j < c->sync.n_peers; j++)
			if (j != k)
				ids[m++] = c->sync.peers[j].id;
		for (unsigned i = 0; i < o->n_lips; i++) {
			unsigned rank = cp_heir_rank(ids, m, c->node_id, htonl(o->lips[i]));

			a[n].addr = o->lips[i];
			a[n].kind = CP_ANN_LIP;
			a[n].ospf_cost = (uint16_t)plus_rank(c->ospf.lip_cost, rank, 65535);
			a[n].bgp_med = plus_rank(c->bgp.lip_med, rank, UINT32_MAX);
			n++;
		}
	}
	return n;
}

void cp_announce_locked(struct cp *cp)
{
	const struct cp_config *c = cp->cfg;
	struct cp_ann *a;
	struct cp_ip *vips;
	unsigned n = 0, nv = 0;

	a = calloc(c->n_services + c->n_lips + c->n_lips6 + 1 + peer_lips(c), sizeof(*a));
	vips = calloc(c->n_services + 1, sizeof(*vips));
	if (!a || !vips) {
		free(a);
		free(vips);
		return;   /* keep announcing what we did */
	}
	for (unsigned i = 0; i < c->n_services; i++)
		vips[nv++] = cp_service_vip(&c->services[i]);
	qsort(vips, nv, sizeof(*vips), cmp_ip);
	for (unsigned i = 0; i < nv; i++) {
		if (i && ip_eq(&vips[i], &vips[i - 1]))
			continue;   /* several services on one VIP */
		ann_set(&a[n++], &vips[i], CP_ANN_VIP, c->ospf.vip_cost, c->bgp.vip_med);
	}
	for (unsigned i = 0; i < c->n_lips; i++) {
		struct cp_ip ip = cp_ip4(c->lips[i]);

		ann_set(&a[n++], &ip, CP_ANN_LIP, c->ospf.lip_cost, c->bgp.lip_med);
	}
	for (unsigned i = 0; i < c->n_lips6; i++) {
		struct cp_ip ip = cp_ip6(c->lips6[i]);

		ann_set(&a[n++], &ip, CP_ANN_LIP, c->ospf.lip_cost, c->bgp.lip_med);
	}
	n += announce_peers(c, a + n);
	free(vips);
	pthread_mutex_lock(&cp->ann_mu);
	free(cp->ann);
	cp->ann = a;
	cp->n_ann = n;
	push(cp);
	pthread_mutex_unlock(&cp->ann_mu);
}

int cp_speaker_add(struct cp *cp, const struct cp_speaker *s)
{
	int rc = 0;

	pthread_mutex_lock(&cp->ann_mu);
	if (cp->n_speakers == sizeof(cp->speaker) / sizeof(cp->speaker[0])) {
		rc = -ENOSPC;
	} else {
		cp->speaker[cp->n_speakers++] = *s;
		push(cp);
	}
	pthread_mutex_unlock(&cp->ann_mu);
	return rc;
}

void cp_speakers_clear(struct cp *cp)
{
	pthread_mutex_lock(&cp->ann_mu);
	cp->n_speakers = 0;
	pthread_mutex_unlock(&cp->ann_mu);
}

json_t *cp_routing_json(struct cp *cp)
{
	json_t *o = json_object();

	pthread_mutex_lock(&cp->ann_mu);
	json_object_set_new(o, "ospf", json_null());
	json_object_set_new(o, "bgp", json_null());
	for (unsigned i = 0; i < cp->n_speakers; i++) {
		json_t *st = cp->speaker[i].status(cp->speaker[i].arg);

		json_object_set_new(o, cp->speaker[i].name, st ? st : json_null());
	}
	json_object_set_new(o, "announcing", json_boolean(cp_state(cp) == CP_STATE_ONLINE &&
							   cp->n_speakers));
	pthread_mutex_unlock(&cp->ann_mu);
	return o;
}
