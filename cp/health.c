/* cp/health.c — the health checker (cp/hc.c) wired to the config and the
 * data plane.
 *
 * Every server of a service with a health check becomes a target keyed by
 * its stable id, checked from the address of the port it is reached
 * through, of its family (kernel sockets on the TAP, so the checks take
 * the exception path: an IPv6 server's from the port's ip6). A verdict flips the server's down flag; the maintenance thread then
 * publishes a snapshot with it, so a down server gets no new sessions. The
 * checker's thread never takes the config lock (cp_hc_set, called under
 * it, waits for callbacks in progress). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp_int.h"
#include "cp/hc.h"

static void on_change(void *arg, uint64_t key, bool up, const char *reason)
{
	struct cp *cp = arg;

	if (key >= cp->cfg_max_servers)
		return;
	__atomic_store_n(&cp->rs_down[key], (uint8_t)!up, __ATOMIC_RELEASE);
	CP_LOG(NOTICE, "health: server id %llu is %s (%s)", (unsigned long long)key,
	       up ? "up" : "down", reason ? reason : "");
	cp_maint_kick(cp);
}

int cp_health_start(struct cp *cp)
{
	int rc = cp_hc_create(on_change, cp, &cp->hc);

	if (rc < 0)
		return rc;
	rc = cp_hc_start(cp->hc);
	if (rc < 0) {
		cp_hc_destroy(cp->hc);
		cp->hc = NULL;
	}
	return rc;
}

void cp_health_stop(struct cp *cp)
{
	if (!cp->hc)
		return;
	cp_hc_stop(cp->hc);
	cp_hc_destroy(cp->hc);
	cp->hc = NULL;
}

static enum cp_hc_type hc_type(uint8_t t)
{
	switch (t) {
	case CP_HEALTH_TCP: return CP_HC_TCP;
	case CP_HEALTH_UDP: return CP_HC_UDP;
	case CP_HEALTH_HTTP: return CP_HC_HTTP;
	default: return CP_HC_NONE;
	}
}

int cp_health_sync(struct cp *cp)
{
	const struct cp_config *c = cp->cfg;
	const struct dp_snap *s = cp->snap;
	struct cp_hc_target *t;
	unsigned n = 0, cap = 0;
	int rc;

	if (!cp->hc)
		return 0;
	for (unsigned i = 0; i < c->n_services; i++)
		if (c->services[i].health.type != CP_HEALTH_NONE)
			cap += c->services[i].n_servers;
	/* No checks now and none before: nothing can be down, nothing to do
	 * (an API script adding thousands of servers calls this each time). */
	if (cap == 0 && cp->hc_targets == 0)
		return 0;
	t = calloc(cap + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* The snapshot's services and servers are the config's, in the same
	 * order (servers sorted by address in both). */
	for (unsigned i = 0; i < c->n_services && i < s->n_svc; i++) {
		const struct cp_service_conf *cs = &c->services[i];
		const struct cp_health_conf *h = &cs->health;

		for (unsigned k = 0; k < cs->n_servers; k++) {
			const struct cp_server_conf *r = &cs->servers[k];
			uint32_t id = s->svc[i].servers[k].id;
			struct cp_ip a = cp_server_ip(r), nh;
			struct cp_hc_target *x;
			int p;

			if (h->type == CP_HEALTH_NONE) {
				/* no check: never down */
				__atomic_store_n(&cp->rs_down[id], 0, __ATOMIC_RELEASE);
				continue;
			}
			x = &t[n++];
			/* from the address of the port it is reached through
			 * (on-link, or the gateway's); none: the kernel picks */
			p = cp_config_route_to(c, &a, &nh);
			x->key = id;
			x->type = hc_type(h->type);
			x->v6 = r->v6;
			if (r->v6) {
				memcpy(x->dst_ip6, r->ip6, 16);
				if (p >= 0 && c->ports[p].plen6)
					memcpy(x->src_ip6, c->ports[p].ip6, 16);
			} else {
				x->src_ip = p >= 0 ? c->ports[p].ip : 0;
				x->dst_ip = r->ip;
			}
			x->dst_port = h->port ? h->port : r->port;
			x->interval_ms = h->interval_ms;
			x->timeout_ms = h->timeout_ms;
			x->rise = h->rise;
			x->fall = h->fall;
			x->start_down = false;
			snprintf(x->path, sizeof(x->path), "%s", h->path);
			snprintf(x->host, sizeof(x->host), "%s", h->host);
			x->http_status = h->status;
			x->payload_len = (uint16_t)strlen(h->payload);
			memcpy(x->payload, h->payload, x->payload_len);
			x->require_reply = h->require_reply;
		}
	}
	rc = cp_hc_set(cp->hc, t, n);
	if (rc == 0)
		cp->hc_targets = n;
	if (rc < 0)
		CP_LOG(ERR, "health: cannot set %u targets: %s", n, strerror(-rc));
	free(t);
	return rc;
}

json_t *cp_health_json(struct cp *cp, uint32_t rs_id)
{
	struct cp_hc_status st;

	if (!cp->hc || cp_hc_get(cp->hc, rs_id, &st) < 0)
		return NULL;
	return json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:I, s:I}",
			 "state", st.up ? "up" : "down",
			 "last_check_ms", (json_int_t)st.last_check_ms,
			 "last_result", st.checks ? (st.last_ok ? "ok" : "fail") : "none",
			 "last_error", st.last_error, "rise_count", (int)st.rise_count,
			 "fall_count", (int)st.fall_count, "checks", (json_int_t)st.checks,
			 "transitions", (json_int_t)st.transitions);
}
