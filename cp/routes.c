/* cp/routes.c — what this node announces, and to whom.
 *
 * The routing speakers (ospf/) register with the control plane; whenever
 * the config or the node's state changes, each is handed the whole set to
 * announce: every VIP with the VIP cost (the same on every node, so the
 * router spreads flows by ECMP) and every local IP with the LIP cost — while
 * the node is online, and nothing while it is starting, faulty or stopping,
 * so a node leaves the routers' tables before it leaves the network. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp_int.h"
#include "cp/heir.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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
	uint32_t *vips;
	unsigned n = 0, nv = 0;

	a = calloc(c->n_services + c->n_lips + 1 + peer_lips(c), sizeof(*a));
	vips = calloc(c->n_services + 1, sizeof(*vips));
	if (!a || !vips) {
		free(a);
		free(vips);
		return;   /* keep announcing what we did */
	}
	/* the speakers are IPv4-only: an IPv6 VIP (vip 0) is not announced */
	for (unsigned i = 0; i < c->n_services; i++)
		if (!c->services[i].v6)
			vips[nv++] = c->services[i].vip;
	qsort(vips, nv, sizeof(*vips), cmp_u32);
	for (unsigned i = 0; i < nv; i++) {
		if (i && vips[i] == vips[i - 1])
			continue;   /* several services on one VIP */
		a[n].addr = vips[i];
		a[n].kind = CP_ANN_VIP;
		a[n].ospf_cost = c->ospf.vip_cost;
		a[n].bgp_med = c->bgp.vip_med;
		n++;
	}
	for (unsigned i = 0; i < c->n_lips; i++) {
		a[n].addr = c->lips[i];
		a[n].kind = CP_ANN_LIP;
		a[n].ospf_cost = c->ospf.lip_cost;
		a[n].bgp_med = c->bgp.lip_med;
		n++;
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
