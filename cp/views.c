/* cp/views.c — what the API shows: status, stats, sessions, services with
 * their servers' live state. Counters are read racily from the lcores (as
 * docs/design.md "Who owns what" allows) and summed here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp_int.h"
#include "dp/addr6.h"
#include "cp/snap.h"
#include "cp/tbuf.h"

static json_t *ip_json(const struct cp_ip ip)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(cp_ip_str(&ip, b));
}

json_t *cp_status_json(struct cp *cp)
{
	json_t *o, *lcores = json_array(), *ports = json_array();
	struct dp *dp = cp->dp;
	char reason[sizeof(cp->state_reason)];
	int state;

	pthread_mutex_lock(&cp->state_mu);
	state = cp_state(cp);
	memcpy(reason, cp->state_reason, sizeof(reason));
	pthread_mutex_unlock(&cp->state_mu);

	for (unsigned i = 0; i < dp_n_lcores(dp); i++)
		json_array_append_new(lcores, json_pack("{s:i, s:i, s:s}", "index", (int)i,
							"lcore", (int)dp_lcore_id(dp, i),
							"role", "data"));
	for (unsigned i = 0; i < dp_n_ports(dp); i++) {
		struct dp_port_info pi;
		char mac[18];

		if (dp_port_info(dp, i, &pi) < 0)
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", pi.mac[0], pi.mac[1],
			 pi.mac[2], pi.mac[3], pi.mac[4], pi.mac[5]);
		json_array_append_new(ports, json_pack("{s:s, s:s, s:s, s:b, s:s}",
						       "name", pi.name, "mac", mac,
						       "driver", pi.driver, "link", pi.link_up,
						       "exception_path", cp->tap_name[i]));
	}
	pthread_mutex_lock(&cp->lock);
	o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:o, s:o}",
		      "version", cp->version, "node_id", (json_int_t)cp->cfg->node_id,
		      "state", cp_state_names[state], "state_reason", reason,
		      "uptime_s", (json_int_t)((dp_mono_ms() - cp->started_ms) / 1000),
		      "lcores", lcores, "ports", ports);
	json_object_set_new(o, "reply_steering", json_string(cp->snap->laddr.mode == DP_LADDR_FLOW
							     ? "flow" : "software"));
	json_object_set_new(o, "local_ports",
			    json_pack("{s:[I,I], s:I, s:b, s:I, s:I}",
				      "range", (json_int_t)cp->cfg->lport_min,
				      (json_int_t)cp->cfg->lport_max,
				      "guard_s", (json_int_t)cp->cfg->lport_guard_s,
				      "short", cp->lports.short_now,
				      "refused", (json_int_t)cp->lports.refused,
				      "guards_cut", (json_int_t)cp->lports.cut));
	pthread_mutex_unlock(&cp->lock);
	if (cp->sc) {
		char why[192];
		uint64_t events, checks;
		bool ov;

		cp_selfcheck_overload(cp, &ov, why, sizeof(why), &events, &checks);
		json_object_set_new(o, "overloaded", json_boolean(ov));
		json_object_set_new(o, "overload_reason", json_string(why));
		json_object_set_new(o, "overload_events", json_integer((json_int_t)events));
		json_object_set_new(o, "overload_checks", json_integer((json_int_t)checks));
	}
	return o;
}

/* Every lcore counter of dp/stats.h's list, by its JSON name. */
static void counters_json(json_t *o, const struct dp_lcore_stats *s)
{
	for (unsigned k = 0; k < dp_n_lcore_counters; k++)
		json_object_set_new(o, dp_lcore_counters[k].json,
				    json_integer((json_int_t)dp_lcore_counter_get(s, k)));
}

static json_t *drops_json(const uint64_t *drops, uint64_t *total)
{
	json_t *o = json_object();

	*total = 0;
	for (unsigned i = 0; i < DP_DROP_MAX; i++) {
		json_object_set_new(o, dp_drop_names[i], json_integer((json_int_t)drops[i]));
		*total += drops[i];
	}
	return o;
}

static json_t *rate_json(const struct cp_rate *r)
{
	static const struct cp_rate zero;

	if (!r)
		r = &zero;
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "cps", (json_int_t)(r->cps + 0.5),
			 "pps_in", (json_int_t)(r->pps_in + 0.5),
			 "pps_out", (json_int_t)(r->pps_out + 0.5),
			 "bps_in", (json_int_t)(r->bps_in * 8 + 0.5),
			 "bps_out", (json_int_t)(r->bps_out * 8 + 0.5));
}

/* The published service of a stable id (lock held), or NULL. */
static const struct dp_service *published(struct cp *cp, uint32_t id)
{
	for (uint32_t i = 0; i < cp->snap->n_svc; i++)
		if (cp->snap->svc[i].id == id)
			return &cp->snap->svc[i];
	return NULL;
}

const char *cp_rs_status(struct cp *cp, const struct cp_server_conf *r, uint32_t id, bool have_id,
			 const struct dp_rs_stats *st)
{
	if (r->drain)
		return st->open > 0 ? "draining" : "drained";
	if (have_id && cp->rs_down[id])
		return "down";
	if (r->weight == 0)
		return "disabled";
	return "up";
}

static json_t *rs_json(struct cp *cp, const struct cp_service_conf *s,
		       const struct cp_server_conf *r, uint32_t id, bool have_id, bool full)
{
	struct dp_rs_stats st;
	const char *status;
	json_t *o;

	memset(&st, 0, sizeof(st));
	if (have_id)
		cp_rs_counters(cp, id, &st);
	status = cp_rs_status(cp, r, id, have_id, &st);
	o = full ? cp_server_to_json(r) : json_pack("{s:o, s:i}", "ip", ip_json(cp_server_ip(r)),
						    "port", (int)r->port);
	(void)s;
	json_object_set_new(o, "status", json_string(status));
	if (full && have_id) {
		json_t *h = cp_health_json(cp, id);

		if (h)
			json_object_set_new(o, "health", h);
	}
	json_object_set_new(o, "conns", json_integer((json_int_t)st.conns));
	json_object_set_new(o, "active_conns", json_integer(st.open > 0 ? st.open : 0));
	json_object_set_new(o, "inactive_conns",
			    json_integer(st.sessions > st.open ? st.sessions - st.open : 0));
	json_object_set_new(o, "pkts_in", json_integer((json_int_t)st.pkts_in));
	json_object_set_new(o, "pkts_out", json_integer((json_int_t)st.pkts_out));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)st.bytes_in));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)st.bytes_out));
	if (!full)
		json_object_set_new(o, "rate", rate_json(have_id ? &cp->rs_rate[id] : NULL));
	return o;
}

#define svc_key cp_snap_svc_key

/* full: the service in the config's shape plus live state (services view);
 * otherwise its identity and counters (stats view). Lock held. */
static json_t *svc_json(struct cp *cp, const struct cp_service_conf *s, bool full)
{
	json_t *o, *servers = json_array();
	struct dp_svc_stats st;
	uint32_t id;

	bool have = cp_ids_find(cp->svc_ids, svc_key(s), 0, &id) == 0;
	const struct dp_service *ds = have ? published(cp, id) : NULL;

	memset(&st, 0, sizeof(st));
	if (have)
		cp_svc_counters(cp, id, &st);
	for (unsigned k = 0; k < s->n_servers; k++) {
		const struct cp_server_conf *r = &s->servers[k];
		uint32_t rid;
		bool have = cp_ids_find(cp->rs_ids, svc_key(s), cp_snap_server_key(r),
					&rid) == 0;

		json_array_append_new(servers, rs_json(cp, s, r, rid, have, full));
	}
	if (full) {
		o = cp_service_to_json(s);
		json_object_set_new(o, "servers", servers);
	} else {
		o = json_pack("{s:s, s:o, s:i, s:o}", "proto", cp_proto_name(s->proto),
			      "vip", ip_json(cp_service_vip(s)), "port", (int)s->port, "servers", servers);
	}
	json_object_set_new(o, "conns", json_integer((json_int_t)st.conns));
	json_object_set_new(o, "pkts_in", json_integer((json_int_t)st.pkts_in));
	json_object_set_new(o, "pkts_out", json_integer((json_int_t)st.pkts_out));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)st.bytes_in));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)st.bytes_out));
	json_object_set_new(o, "no_server", json_integer((json_int_t)st.no_server));
	{
		/* client address (PROXY protocol, TOA) and SYN proxy counters */
		json_t *x = json_object();

		for (unsigned i = 0; i < dp_n_svc_xlate_counters; i++)
			json_object_set_new(x, dp_svc_xlate_counters[i].name,
					    json_integer((json_int_t)*dp_svc_counter_at(&st, i)));
		json_object_set_new(o, "xlate", x);
	}
	/* what max_conns counts: established TCP until closed, and UDP */
	json_object_set_new(o, "established",
			    json_integer((json_int_t)(st.established > 0 ? st.established : 0)));
	{
		json_t *rf = json_object();

#define CP_SVC_JSON(f, name, help) \
		json_object_set_new(rf, name, json_integer((json_int_t)st.f));
		DP_SVC_COUNTERS(CP_SVC_JSON)
#undef CP_SVC_JSON
		json_object_set_new(o, "refused", rf);
	}
	if (s->has_sorry && full) {
		json_t *so = json_object_get(o, "sorry_server");
		struct dp_rs_stats rs;
		uint32_t rid;

		memset(&rs, 0, sizeof(rs));
		if (cp_ids_find(cp->rs_ids, svc_key(s), cp_snap_sorry_key(s), &rid) == 0)
			cp_rs_counters(cp, rid, &rs);
		if (json_is_object(so)) {
			json_object_set_new(so, "conns", json_integer((json_int_t)rs.conns));
			json_object_set_new(so, "active_conns",
					    json_integer(rs.open > 0 ? rs.open : 0));
		}
	}
	if (ds && ds->table && full && (s->sched == CP_SCHED_MH || s->sched == CP_SCHED_SH))
		json_object_set_new(o, s->sched == CP_SCHED_MH ? "mh_digest" : "sh_digest",
				    json_sprintf("%016llx", (unsigned long long)ds->digest));
	if (!full)
		json_object_set_new(o, "rate", rate_json(have ? &cp->svc_rate[id] : NULL));
	return o;
}

json_t *cp_service_view(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port)
{
	json_t *o = NULL;
	int i;

	pthread_mutex_lock(&cp->lock);
	i = cp_config_find_service_ip(cp->cfg, proto, vip, port);
	if (i >= 0)
		o = svc_json(cp, &cp->cfg->services[i], true);
	pthread_mutex_unlock(&cp->lock);
	return o;
}

json_t *cp_server_view(struct cp *cp, uint8_t proto, const struct cp_ip *vip, uint16_t port,
		       const struct cp_ip *ip, uint16_t rport)
{
	json_t *o = NULL;
	int i, k;

	pthread_mutex_lock(&cp->lock);
	i = cp_config_find_service_ip(cp->cfg, proto, vip, port);
	k = i < 0 ? -1 : cp_service_find_server_ip(&cp->cfg->services[i], ip, rport);
	if (k >= 0) {
		const struct cp_service_conf *s = &cp->cfg->services[i];
		uint32_t rid;
		bool have = cp_ids_find(cp->rs_ids, svc_key(s), cp_snap_server_key(&s->servers[k]),
					&rid) == 0;

		o = rs_json(cp, s, &s->servers[k], rid, have, true);
	}
	pthread_mutex_unlock(&cp->lock);
	return o;
}

json_t *cp_services_view(struct cp *cp)
{
	json_t *a = json_array();

	pthread_mutex_lock(&cp->lock);
	for (unsigned i = 0; i < cp->cfg->n_services; i++)
		json_array_append_new(a, svc_json(cp, &cp->cfg->services[i], true));
	pthread_mutex_unlock(&cp->lock);
	return a;
}

json_t *cp_stats_json(struct cp *cp)
{
	struct dp *dp = cp->dp;
	struct dp_lcore_stats tot, st;
	json_t *lcores = json_array(), *ports = json_array(), *services = json_array(), *t;
	uint64_t sessions = 0, dt, hz = dp_tsc_hz(dp);

	memset(&tot, 0, sizeof(tot));
	for (unsigned i = 0; i < dp_n_lcores(dp); i++) {
		json_t *l;
		uint64_t n_sess = dp_sessions(dp, i);

		dp_lcore_stats(dp, i, &st);
		sessions += n_sess;
		dp_lcore_stats_add(&tot, &st);
		l = json_pack("{s:i, s:i, s:I, s:I}", "index", (int)i, "lcore", (int)dp_lcore_id(dp, i),
			      "sessions", (json_int_t)n_sess,
			      "cycles_per_pkt",
			      (json_int_t)(st.busy_pkts ? st.busy_cycles / st.busy_pkts : 0));
		counters_json(l, &st);
		/* busy time in seconds: what a dashboard divides by wall time */
		json_object_set_new(l, "busy_s", json_real(hz ? (double)st.busy_cycles / (double)hz : 0));
		json_object_set_new(l, "drops", drops_json(st.drops, &dt));
		json_object_set_new(l, "drops_total", json_integer((json_int_t)dt));
		json_array_append_new(lcores, l);
	}
	for (unsigned i = 0; i < dp_n_ports(dp); i++) {
		struct dp_port_info pi;

		if (dp_port_info(dp, i, &pi) < 0)
			continue;
		json_array_append_new(ports, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
						       "name", pi.name,
						       "rx_pkts", (json_int_t)tot.port[i].rx_pkts,
						       "rx_bytes", (json_int_t)tot.port[i].rx_bytes,
						       "tx_pkts", (json_int_t)tot.port[i].tx_pkts,
						       "tx_bytes", (json_int_t)tot.port[i].tx_bytes,
						       "imissed", (json_int_t)pi.imissed,
						       "ierrors", (json_int_t)pi.ierrors,
						       "oerrors", (json_int_t)pi.oerrors));
	}
	pthread_mutex_lock(&cp->lock);
	for (unsigned i = 0; i < cp->cfg->n_services; i++)
		json_array_append_new(services, svc_json(cp, &cp->cfg->services[i], false));
	pthread_mutex_unlock(&cp->lock);

	/* "redirected": the totals' older name of redirect_out */
	t = json_pack("{s:I, s:I}", "sessions", (json_int_t)sessions, "redirected",
		      (json_int_t)tot.redirect_out);
	counters_json(t, &tot);
	json_object_set_new(t, "drops", drops_json(tot.drops, &dt));
	json_object_set_new(t, "drops_total", json_integer((json_int_t)dt));
	return json_pack("{s:o, s:o, s:o, s:o}", "totals", t, "lcores", lcores, "ports", ports,
			 "services", services);
}

struct sess_ctx {
	struct cp_tbuf b;
	uint64_t n;
	const struct cp_config *cfg;
};

/* "addr:port" of a session's end: IPv4, or "[v6]:port" (an IPv4-mapped
 * one, NAT64's server side, as IPv4). */
static const char *sess_end(char *buf, size_t n, uint32_t ip, const uint8_t *a6, uint16_t port)
{
	char t[INET6_ADDRSTRLEN];

	if (a6 && !dp_ip6_mapped(a6))
		snprintf(buf, n, "[%s]:%u", inet_ntop(AF_INET6, a6, t, sizeof(t)), ntohs(port));
	else
		snprintf(buf, n, "%s:%u", cp_ipv4_str(a6 ? dp_get_u32(a6 + 12) : ntohl(ip), t),
			 ntohs(port));
	return buf;
}

static void sess_one(void *arg, const struct dp_sess_view *v)
{
	struct sess_ctx *c = arg;
	uint32_t owner = c->cfg->node_id;
	char ci[64], vi[64], li[64], ri[64], xl[80] = "";

	if (v->foreign)
		owner = v->peer < c->cfg->sync.n_peers ? c->cfg->sync.peers[v->peer].id : 0;
	if (v->xlate)
		snprintf(xl, sizeof(xl), ", \"xlate\": { \"proxy_delta\": %d, \"seq_delta\": %d }",
			 (int)v->proxy_delta, (int)v->seq_delta);
	cp_tb_add(&c->b, "%s\n    { \"proto\": \"%s\", \"client\": \"%s\", \"vip\": \"%s\", "
		  "\"local\": \"%s\", \"server\": \"%s\", \"forward\": \"%s\", "
		  "\"state\": \"%s\", \"expires_ms\": %u, \"lcore\": %u, \"foreign\": %s, "
		  "\"owner\": %u%s }",
		  c->n ? "," : "", cp_proto_name(v->proto),
		  sess_end(ci, sizeof(ci), v->cip, v->v6 ? v->a6[0] : NULL, v->cport),
		  sess_end(vi, sizeof(vi), v->vip, v->v6 ? v->a6[1] : NULL, v->vport),
		  sess_end(li, sizeof(li), v->lip, v->v6 ? v->a6[2] : NULL, v->lport),
		  sess_end(ri, sizeof(ri), v->rip, v->v6 ? v->a6[3] : NULL, v->rport),
		  cp_fwd_names[v->fwd < DP_FWD_MAX ? v->fwd : 0],
		  dp_tcp_state_names[v->state < DP_TIMEOUT_MAX ? v->state : 0],
		  (unsigned)v->expires_ms, (unsigned)v->lcore, v->foreign ? "true" : "false",
		  (unsigned)owner, xl);
	c->n++;
}

char *cp_sessions_text(struct cp *cp, const struct cp_ip *vip, uint64_t limit)
{
	struct sess_ctx c;
	uint64_t total = 0;

	memset(&c, 0, sizeof(c));
	c.cfg = cp_config_get(cp);
	if (!c.cfg)
		return NULL;
	for (unsigned i = 0; i < dp_n_lcores(cp->dp); i++)
		total += dp_sessions(cp->dp, i);
	cp_tb_add(&c.b, "{\n  \"total\": %llu,\n  \"sessions\": [", (unsigned long long)total);
	dp_sessions_foreach(cp->dp, vip ? cp_snap_addr(vip) : 0, limit, sess_one, &c);
	cp_tb_add(&c.b, "%s]\n}\n", c.n ? "\n  " : "");
	cp_config_free((struct cp_config *)c.cfg);
	return cp_tb_take(&c.b);
}
