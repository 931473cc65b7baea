/* cp/routes.c — what this node announces, and to whom.
 *
 * The routing speakers (ospf/) register with the control plane; whenever
 * the config or the node's state changes, each is handed the whole set to
 * announce: every VIP with the VIP cost (the same on every node, so the
 * router spreads flows by ECMP) and every local IP with the LIP cost — while
 * the node is online, and nothing while it is starting, faulty or stopping,
 * so a node leaves the routers' tables before it leaves the network. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp_int.h"

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

void cp_announce_locked(struct cp *cp)
{
	const struct cp_config *c = cp->cfg;
	struct cp_ann *a;
	uint32_t *vips;
	unsigned n = 0, nv = 0;

	a = calloc(c->n_services + c->n_lips + 1, sizeof(*a));
	vips = calloc(c->n_services + 1, sizeof(*vips));
	if (!a || !vips) {
		free(a);
		free(vips);
		return;   /* keep announcing what we did */
	}
	for (unsigned i = 0; i < c->n_services; i++)
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
