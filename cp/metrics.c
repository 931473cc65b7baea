/* cp/metrics.c — GET /metrics: the Prometheus text exposition (0.0.4).
 *
 * Three kinds of family, side by side:
 * - node_exporter's IPVS collector, with its metric names under mgw_
 *   instead of node_ and its label names (local_address, local_port,
 *   remote_address, remote_port, proto, local_mark): the dashboards and
 *   alerts built on it (Grafana 5672, 4910) work after renaming the
 *   prefix;
 * - mgw's own families that existed before (mgw_up, mgw_state,
 *   mgw_lcore_*, mgw_drops_total, mgw_service_*{vip,port},
 *   mgw_server_connections_total / _active_connections / _up{server}),
 *   unchanged so that existing queries keep working;
 * - newer mgw families, with the IPVS label names: per-server packets,
 *   bytes, weight, inactive connections, status and health checks, per
 *   port NIC counters, routing neighbours and peers, session-table and
 *   mbuf-pool fill, busy time in seconds, build info and start time, and
 *   the sync peers once sync reports them.
 * `promtool check metrics` finds nothing to say about it (tests/e2e/metrics).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_version.h>

#include "cp/cp_int.h"
#include "cp/snap.h"
#include "cp/tbuf.h"
#include "dp/fault.h"

static void family(struct cp_tbuf *b, const char *name, const char *type, const char *help)
{
	cp_tb_add(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the exposition format wants it (\\, \", \n escaped). */
static void label_value(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; in && *in && o + 3 < cap; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

/* ---- the node ------------------------------------------------------------ */

static void node_families(struct cp *cp, struct cp_tbuf *b)
{
	int state = cp_state(cp);
	struct timespec rt;
	double start;
	char v[64];

	family(b, "mgw_up", "gauge", "The node's state: 1 when online.");
	cp_tb_add(b, "mgw_up %d\n", state == CP_STATE_ONLINE);
	family(b, "mgw_state", "gauge", "1 for the node's state, 0 for the others.");
	for (int s = 0; s <= CP_STATE_STOPPING; s++)
		cp_tb_add(b, "mgw_state{state=\"%s\"} %d\n", cp_state_names[s], s == state);
	{
		char why[192];
		uint64_t events, checks;
		bool ov;

		cp_selfcheck_overload(cp, &ov, why, sizeof(why), &events, &checks);
		family(b, "mgw_overloaded", "gauge",
		       "1 while offered load exceeds what the lcores take (rx loss or ring overflow "
		       "over selfcheck.max_loss_pct): not a fault.");
		cp_tb_add(b, "mgw_overloaded %d\n", ov);
		family(b, "mgw_overload_events_total", "counter", "Times the node became overloaded.");
		cp_tb_add(b, "mgw_overload_events_total %llu\n", (unsigned long long)events);
	}
	family(b, "mgw_build_info", "gauge", "Always 1; the labels say which build runs.");
	label_value(rte_version(), v, sizeof(v));
	cp_tb_add(b, "mgw_build_info{version=\"%s\",dpdk=\"%s\"} 1\n", cp->version, v);
	/* the process collector's name: dashboards compute uptime from it */
	clock_gettime(CLOCK_REALTIME, &rt);
	start = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9 -
		(double)(dp_mono_ms() - cp->started_ms) / 1000.0;
	family(b, "process_start_time_seconds", "gauge",
	       "Start time of the process since the Unix epoch, in seconds.");
	cp_tb_add(b, "process_start_time_seconds %.3f\n", start);
}

/* ---- data lcores, drops, ports, mbufs ------------------------------------ */

static void lcore_families(struct cp *cp, struct cp_tbuf *b)
{
	struct dp *dp = cp->dp;
	unsigned n = dp_n_lcores(dp);
	struct dp_lcore_stats *st = calloc(n ? n : 1, sizeof(*st));
	uint64_t drops[DP_DROP_MAX] = { 0 }, hz = dp_tsc_hz(dp);
	uint32_t avail = 0, size = 0, cap;

	if (!st)
		return;
	pthread_mutex_lock(&cp->lock);
	cap = cp->cfg->sessions_per_lcore;
	pthread_mutex_unlock(&cp->lock);
	for (unsigned i = 0; i < n; i++) {
		dp_lcore_stats(dp, i, &st[i]);
		for (unsigned d = 0; d < DP_DROP_MAX; d++)
			drops[d] += st[i].drops[d];
	}
	/* Every lcore counter of dp/stats.h's list, as mgw_lcore_<name>_total. */
	for (unsigned k = 0; k < dp_n_lcore_counters; k++) {
		const struct dp_lcore_counter *c = &dp_lcore_counters[k];
		char name[96];

		snprintf(name, sizeof(name), "mgw_lcore_%s_total", c->prom);
		family(b, name, "counter", c->help);
		for (unsigned i = 0; i < n; i++)
			cp_tb_add(b, "%s{lcore=\"%u\"} %llu\n", name, i,
				  (unsigned long long)dp_lcore_counter_get(&st[i], k));
	}
	family(b, "mgw_lcore_busy_seconds_total", "counter",
	       "Time spent in loop turns that found packets, in seconds (busy_cycles / TSC rate).");
	for (unsigned i = 0; i < n; i++)
		cp_tb_add(b, "mgw_lcore_busy_seconds_total{lcore=\"%u\"} %.6f\n", i,
			  hz ? (double)st[i].busy_cycles / (double)hz : 0.0);
	family(b, "mgw_lcore_sessions", "gauge", "Sessions in the lcore's table.");
	for (unsigned i = 0; i < n; i++)
		cp_tb_add(b, "mgw_lcore_sessions{lcore=\"%u\"} %llu\n", i,
			  (unsigned long long)dp_sessions(dp, i));
	family(b, "mgw_lcore_sessions_capacity", "gauge",
	       "Sessions the lcore's table holds at most (limits.sessions_per_lcore).");
	for (unsigned i = 0; i < n; i++)
		cp_tb_add(b, "mgw_lcore_sessions_capacity{lcore=\"%u\"} %u\n", i,
			  cap);
	family(b, "mgw_drops_total", "counter", "Packets dropped, by reason.");
	for (unsigned d = 0; d < DP_DROP_MAX; d++)
		cp_tb_add(b, "mgw_drops_total{reason=\"%s\"} %llu\n", dp_drop_names[d],
			  (unsigned long long)drops[d]);

	/* NIC counters per port, as node_exporter's netdev collector names them */
	{
		static const struct { const char *name, *help; } pf[] = {
			{ "mgw_port_receive_packets_total", "Packets received on the port." },
			{ "mgw_port_receive_bytes_total", "Bytes received on the port." },
			{ "mgw_port_transmit_packets_total", "Packets sent on the port." },
			{ "mgw_port_transmit_bytes_total", "Bytes sent on the port." },
			{ "mgw_port_receive_missed_total", "Packets the NIC dropped: no room in its rx queue." },
			{ "mgw_port_receive_errors_total", "Receive errors the NIC counted." },
			{ "mgw_port_transmit_errors_total", "Transmit errors the NIC counted." },
		};
		struct dp_port_stats tot[DP_MAX_PORTS];
		struct dp_port_info pi[DP_MAX_PORTS];
		bool have[DP_MAX_PORTS] = { false };
		unsigned np = dp_n_ports(dp);

		memset(tot, 0, sizeof(tot));
		for (unsigned p = 0; p < np && p < DP_MAX_PORTS; p++) {
			have[p] = dp_port_info(dp, p, &pi[p]) == 0;
			for (unsigned i = 0; i < n; i++) {
				tot[p].rx_pkts += st[i].port[p].rx_pkts;
				tot[p].rx_bytes += st[i].port[p].rx_bytes;
				tot[p].tx_pkts += st[i].port[p].tx_pkts;
				tot[p].tx_bytes += st[i].port[p].tx_bytes;
			}
		}
		family(b, "mgw_port_up", "gauge", "1 when the port's link is up.");
		for (unsigned p = 0; p < np && p < DP_MAX_PORTS; p++)
			if (have[p])
				cp_tb_add(b, "mgw_port_up{port=\"%s\"} %d\n", pi[p].name, pi[p].link_up);
		for (unsigned f = 0; f < sizeof(pf) / sizeof(pf[0]); f++) {
			family(b, pf[f].name, "counter", pf[f].help);
			for (unsigned p = 0; p < np && p < DP_MAX_PORTS; p++) {
				const uint64_t v[] = { tot[p].rx_pkts, tot[p].rx_bytes, tot[p].tx_pkts,
						       tot[p].tx_bytes, pi[p].imissed, pi[p].ierrors,
						       pi[p].oerrors };

				if (have[p])
					cp_tb_add(b, "%s{port=\"%s\"} %llu\n", pf[f].name, pi[p].name,
						  (unsigned long long)v[f]);
			}
		}
	}
	free(st);
	dp_fault_mbufs(dp, &avail, &size);
	family(b, "mgw_mbuf_pool_size", "gauge", "Packet buffers in the pool.");
	cp_tb_add(b, "mgw_mbuf_pool_size %u\n", size);
	family(b, "mgw_mbuf_pool_available", "gauge",
	       "Packet buffers free now (lcore caches included).");
	cp_tb_add(b, "mgw_mbuf_pool_available %u\n", avail);
}

/* ---- services and servers ------------------------------------------------- */

/* The families that existed before, labelled {proto,vip,port[,server]}. */
enum { OLD_SVC_CONNS, OLD_SVC_PKTS, OLD_SVC_BYTES, OLD_RS_CONNS, OLD_RS_ACTIVE, OLD_RS_UP, OLD_N };

static const struct { const char *name, *type, *help; } old_families[OLD_N] = {
	{ "mgw_service_connections_total", "counter", "Connections the service made." },
	{ "mgw_service_packets_total", "counter", "Packets of the service, by dir (in: from clients)." },
	{ "mgw_service_bytes_total", "counter", "Bytes of the service, by dir (in: from clients)." },
	{ "mgw_server_connections_total", "counter", "Connections sent to the server." },
	{ "mgw_server_active_connections", "gauge", "Open connections of the server." },
	{ "mgw_server_up", "gauge", "0 while the server's health check says down." },
};

/* Lines are gathered per family while the config is walked once, and
 * written family by family (each family's samples must stand together). */
struct svc_lines {
	struct cp_tbuf old[OLD_N];
	struct cp_tbuf ipvs_a, ipvs_i, ipvs_w;   /* node_exporter's backend families */
	struct cp_tbuf pk, by, st, hu, ht, hc, sc;
	struct cp_tbuf refused, evicted;           /* attack resistance */
	struct cp_tbuf xlate[DP_SVC_XLATE_MAX];    /* PROXY protocol, TOA, SYN proxy */
	struct dp_svc_stats sum;
};

static void server_lines(struct cp *cp, struct svc_lines *L, const struct cp_service_conf *s,
			 const char *old_lbl, const char *vip, const struct cp_server_conf *r)
{
	static const char *const statuses[] = { "up", "down", "draining", "drained", "disabled" };
	char a[INET6_ADDRSTRLEN + 2], t[INET6_ADDRSTRLEN], lbl[256];
	struct cp_ip ip = cp_server_ip(r);
	uint16_t rport = r->port;
	struct dp_rs_stats rs;
	uint32_t id;
	bool have = cp_ids_find(cp->rs_ids, cp_snap_svc_key(s), cp_snap_server_key(r), &id) == 0;
	const char *status;
	json_t *h;

	memset(&rs, 0, sizeof(rs));
	if (have)
		cp_rs_counters(cp, id, &rs);
	/* remote_address is the bare address (as node_exporter's ipvs
	 * collector shows one); server= is addr:port, "[v6]:port" */
	cp_ip_str(&ip, t);
	snprintf(a, sizeof(a), ip.v6 ? "[%s]" : "%s", t);
	snprintf(lbl, sizeof(lbl), "local_address=\"%s\",local_port=\"%u\",remote_address=\"%s\","
		 "remote_port=\"%u\",proto=\"%s\"", vip, s->port, t, rport,
		 s->proto == IPPROTO_TCP ? "TCP" : "UDP");
	/* today's families: every server of the config, as before */
	cp_tb_add(&L->old[OLD_RS_CONNS], "mgw_server_connections_total{%s,server=\"%s:%u\"} %llu\n",
		  old_lbl, a, rport, (unsigned long long)rs.conns);
	cp_tb_add(&L->old[OLD_RS_ACTIVE], "mgw_server_active_connections{%s,server=\"%s:%u\"} %lld\n",
		  old_lbl, a, rport, (long long)(rs.open > 0 ? rs.open : 0));
	cp_tb_add(&L->old[OLD_RS_UP], "mgw_server_up{%s,server=\"%s:%u\"} %d\n", old_lbl, a, rport,
		  !(have && cp->rs_down[id]));
	status = cp_rs_status(cp, r, id, have, &rs);
	cp_tb_add(&L->ipvs_a, "mgw_ipvs_backend_connections_active{%s,local_mark=\"\"} %lld\n", lbl,
		  (long long)(rs.open > 0 ? rs.open : 0));
	cp_tb_add(&L->ipvs_i, "mgw_ipvs_backend_connections_inactive{%s,local_mark=\"\"} %lld\n",
		  lbl, (long long)(rs.sessions > rs.open ? rs.sessions - rs.open : 0));
	cp_tb_add(&L->ipvs_w, "mgw_ipvs_backend_weight{%s,local_mark=\"\"} %u\n", lbl, r->weight);
	cp_tb_add(&L->pk, "mgw_server_packets_total{%s,direction=\"in\"} %llu\n", lbl,
		  (unsigned long long)rs.pkts_in);
	cp_tb_add(&L->pk, "mgw_server_packets_total{%s,direction=\"out\"} %llu\n", lbl,
		  (unsigned long long)rs.pkts_out);
	cp_tb_add(&L->by, "mgw_server_bytes_total{%s,direction=\"in\"} %llu\n", lbl,
		  (unsigned long long)rs.bytes_in);
	cp_tb_add(&L->by, "mgw_server_bytes_total{%s,direction=\"out\"} %llu\n", lbl,
		  (unsigned long long)rs.bytes_out);
	cp_tb_add(&L->sc, "mgw_server_connections_inactive{%s} %lld\n", lbl,
		  (long long)(rs.sessions > rs.open ? rs.sessions - rs.open : 0));
	for (unsigned k = 0; k < 5; k++)
		cp_tb_add(&L->st, "mgw_server_status{%s,status=\"%s\"} %d\n", lbl, statuses[k],
			  strcmp(status, statuses[k]) == 0);
	h = have ? cp_health_json(cp, id) : NULL;
	if (h) {
		cp_tb_add(&L->hu, "mgw_server_health_up{%s} %d\n", lbl,
			  strcmp(json_string_value(json_object_get(h, "state")) ?: "", "up") == 0);
		cp_tb_add(&L->ht, "mgw_server_health_transitions_total{%s} %lld\n", lbl,
			  (long long)json_integer_value(json_object_get(h, "transitions")));
		cp_tb_add(&L->hc, "mgw_server_health_checks_total{%s} %lld\n", lbl,
			  (long long)json_integer_value(json_object_get(h, "checks")));
		json_decref(h);
	}
}

static void append(struct cp_tbuf *b, struct cp_tbuf *part)
{
	char *s = cp_tb_take(part);

	if (s && *s)
		cp_tb_add(b, "%s", s);
	free(s);
}

static void service_families(struct cp *cp, struct cp_tbuf *b)
{
	struct svc_lines L;

	memset(&L, 0, sizeof(L));
	pthread_mutex_lock(&cp->lock);
	for (unsigned i = 0; i < cp->cfg->n_services; i++) {
		const struct cp_service_conf *s = &cp->cfg->services[i];
		struct dp_svc_stats ss;
		char v[INET6_ADDRSTRLEN], lbl[128];
		struct cp_ip vip = cp_service_vip(s);
		uint32_t id;

		memset(&ss, 0, sizeof(ss));
		if (cp_ids_find(cp->svc_ids, cp_snap_svc_key(s), 0, &id) == 0)
			cp_svc_counters(cp, id, &ss);
		L.sum.conns += ss.conns;
		L.sum.pkts_in += ss.pkts_in;
		L.sum.pkts_out += ss.pkts_out;
		L.sum.bytes_in += ss.bytes_in;
		L.sum.bytes_out += ss.bytes_out;
		cp_ip_str(&vip, v);
		snprintf(lbl, sizeof(lbl), "proto=\"%s\",vip=\"%s\",port=\"%u\"",
			 cp_proto_name(s->proto), v, s->port);
		cp_tb_add(&L.old[OLD_SVC_CONNS], "mgw_service_connections_total{%s} %llu\n", lbl,
			  (unsigned long long)ss.conns);
		cp_tb_add(&L.old[OLD_SVC_PKTS], "mgw_service_packets_total{%s,dir=\"in\"} %llu\n", lbl,
			  (unsigned long long)ss.pkts_in);
		cp_tb_add(&L.old[OLD_SVC_PKTS], "mgw_service_packets_total{%s,dir=\"out\"} %llu\n",
			  lbl, (unsigned long long)ss.pkts_out);
		cp_tb_add(&L.old[OLD_SVC_BYTES], "mgw_service_bytes_total{%s,dir=\"in\"} %llu\n", lbl,
			  (unsigned long long)ss.bytes_in);
		cp_tb_add(&L.old[OLD_SVC_BYTES], "mgw_service_bytes_total{%s,dir=\"out\"} %llu\n",
			  lbl, (unsigned long long)ss.bytes_out);
#define CP_SVC_PROM(f, name, help)                                                           \
		if (strcmp(name, "evicted") == 0)                                                    \
			cp_tb_add(&L.evicted, "mgw_service_sessions_evicted_total{%s} %llu\n", lbl, \
				  (unsigned long long)ss.f);                                         \
		else                                                                                 \
			cp_tb_add(&L.refused, "mgw_service_refused_total{%s,reason=\"%s\"} %llu\n", \
				  lbl, name, (unsigned long long)ss.f);
		DP_SVC_COUNTERS(CP_SVC_PROM)
#undef CP_SVC_PROM
		for (unsigned k = 0; (s->client_address || s->synproxy) && k < dp_n_svc_xlate_counters;
		     k++)
			cp_tb_add(&L.xlate[k], "mgw_service_%s_total{%s} %llu\n",
				  dp_svc_xlate_counters[k].name, lbl,
				  (unsigned long long)*dp_svc_counter_at(&ss, k));
		for (unsigned k = 0; k < s->n_servers; k++)
			server_lines(cp, &L, s, lbl, v, &s->servers[k]);
	}
	pthread_mutex_unlock(&cp->lock);

	family(b, "mgw_service_refused_total", "counter", "New flows refused, by reason (acl, limits).");
	append(b, &L.refused);
	family(b, "mgw_service_sessions_evicted_total", "counter",
	       "Sessions evicted under table pressure.");
	append(b, &L.evicted);
	for (unsigned k = 0; k < dp_n_svc_xlate_counters; k++) {
		char name[96];

		snprintf(name, sizeof(name), "mgw_service_%s_total", dp_svc_xlate_counters[k].name);
		family(b, name, "counter", dp_svc_xlate_counters[k].help);
		append(b, &L.xlate[k]);
	}

	for (unsigned f = 0; f < OLD_N; f++) {
		family(b, old_families[f].name, old_families[f].type, old_families[f].help);
		append(b, &L.old[f]);
	}
	family(b, "mgw_ipvs_connections_total", "counter",
	       "Connections made, all services (node_ipvs_connections_total).");
	cp_tb_add(b, "mgw_ipvs_connections_total %llu\n", (unsigned long long)L.sum.conns);
	family(b, "mgw_ipvs_incoming_packets_total", "counter",
	       "Packets from clients, all services (node_ipvs_incoming_packets_total).");
	cp_tb_add(b, "mgw_ipvs_incoming_packets_total %llu\n", (unsigned long long)L.sum.pkts_in);
	family(b, "mgw_ipvs_outgoing_packets_total", "counter",
	       "Packets to clients, all services (node_ipvs_outgoing_packets_total).");
	cp_tb_add(b, "mgw_ipvs_outgoing_packets_total %llu\n", (unsigned long long)L.sum.pkts_out);
	family(b, "mgw_ipvs_incoming_bytes_total", "counter",
	       "Bytes from clients, all services (node_ipvs_incoming_bytes_total).");
	cp_tb_add(b, "mgw_ipvs_incoming_bytes_total %llu\n", (unsigned long long)L.sum.bytes_in);
	family(b, "mgw_ipvs_outgoing_bytes_total", "counter",
	       "Bytes to clients, all services (node_ipvs_outgoing_bytes_total).");
	cp_tb_add(b, "mgw_ipvs_outgoing_bytes_total %llu\n", (unsigned long long)L.sum.bytes_out);
	family(b, "mgw_ipvs_backend_connections_active", "gauge",
	       "Open connections per real server (node_ipvs_backend_connections_active).");
	append(b, &L.ipvs_a);
	family(b, "mgw_ipvs_backend_connections_inactive", "gauge",
	       "Other connections per real server (node_ipvs_backend_connections_inactive).");
	append(b, &L.ipvs_i);
	family(b, "mgw_ipvs_backend_weight", "gauge",
	       "Weight of each real server (node_ipvs_backend_weight).");
	append(b, &L.ipvs_w);
	family(b, "mgw_server_packets_total", "counter",
	       "Packets of the server's connections, by direction (in: from clients).");
	append(b, &L.pk);
	family(b, "mgw_server_bytes_total", "counter",
	       "Bytes of the server's connections, by direction (in: from clients).");
	append(b, &L.by);
	family(b, "mgw_server_connections_inactive", "gauge",
	       "Connections of the server in a closing or not yet open state.");
	append(b, &L.sc);
	family(b, "mgw_server_status", "gauge", "1 for the server's status, 0 for the others.");
	append(b, &L.st);
	family(b, "mgw_server_health_up", "gauge", "1 when the server's health check says up.");
	append(b, &L.hu);
	family(b, "mgw_server_health_transitions_total", "counter",
	       "Changes of the health check's verdict (up to down and back).");
	append(b, &L.ht);
	family(b, "mgw_server_health_checks_total", "counter", "Health checks done.");
	append(b, &L.hc);
}

/* ---- routing and sync (from the speakers' and the cluster's views) -------- */

static void routing_families(struct cp *cp, struct cp_tbuf *b)
{
	json_t *rt = cp_routing_json(cp), *ospf = json_object_get(rt, "ospf"),
	       *bgp = json_object_get(rt, "bgp"), *v;
	size_t i;

	family(b, "mgw_routing_announcing", "gauge", "1 while the node announces its VIPs.");
	cp_tb_add(b, "mgw_routing_announcing %d\n", json_is_true(json_object_get(rt, "announcing")));
	/* Declared even without a speaker (no samples then), so that a
	 * dashboard's queries always name a known family. */
	family(b, "mgw_ospf_neighbor_full", "gauge",
	       "1 when the OSPF neighbour is Full (adjacent), 0 otherwise.");
	if (json_is_object(ospf)) {
		json_array_foreach(json_object_get(ospf, "neighbours"), i, v) {
			char ifn[64], rid[64];

			label_value(json_string_value(json_object_get(v, "interface")), ifn, sizeof(ifn));
			label_value(json_string_value(json_object_get(v, "router_id")), rid, sizeof(rid));
			cp_tb_add(b, "mgw_ospf_neighbor_full{interface=\"%s\",router_id=\"%s\"} %d\n", ifn,
				  rid, strcmp(json_string_value(json_object_get(v, "state")) ?: "",
					      "Full") == 0);
		}
	}
	family(b, "mgw_bgp_peer_established", "gauge",
	       "1 when the BGP session with the peer is Established, 0 otherwise.");
	if (json_is_object(bgp)) {
		json_array_foreach(json_object_get(bgp, "peers"), i, v) {
			char pa[64];

			label_value(json_string_value(json_object_get(v, "addr")), pa, sizeof(pa));
			cp_tb_add(b, "mgw_bgp_peer_established{peer=\"%s\",peer_as=\"%lld\"} %d\n", pa,
				  (long long)json_integer_value(json_object_get(v, "as")),
				  strcmp(json_string_value(json_object_get(v, "state")) ?: "",
					 "Established") == 0);
		}
	}
	family(b, "mgw_bgp_peer_transitions_total", "counter",
	       "State changes of the BGP session with the peer.");
	if (json_is_object(bgp)) {
		json_array_foreach(json_object_get(bgp, "peers"), i, v) {
			char pa[64];

			label_value(json_string_value(json_object_get(v, "addr")), pa, sizeof(pa));
			cp_tb_add(b, "mgw_bgp_peer_transitions_total{peer=\"%s\"} %lld\n", pa,
				  (long long)json_integer_value(json_object_get(v, "transitions")));
		}
	}
	json_decref(rt);
}

/* Session sync: present only when sync is on. Each peer of the cluster
 * view gives mgw_sync_peer_up, and mgw_sync_peer_lag_seconds once the
 * view carries its "lag_ms" (the hook for sync/). */
/* Per peer counters of GET /cluster's sync.peers[], as mgw_sync_<name>_total
 * {peer_id, peer}; the node's sessions and the failover's local IPs. */
static void sync_counters(struct cp_tbuf *b, json_t *sync, json_t *peers)
{
	static const struct { const char *key, *help; } pc[] = {
		{ "records_sent", "Session records sent to the peer." },
		{ "records_received", "Session records received from the peer." },
		{ "datagrams_sent", "Sync datagrams sent to the peer." },
		{ "datagrams_received", "Sync datagrams received from the peer." },
		{ "retransmits", "Datagrams sent to the peer again (not acknowledged in time, or NACKed)." },
		{ "stream_resets", "Streams to the peer started over (it restarted, or a gap could not be filled)." },
		{ "checks", "Anti-entropy checks of the peer's markers." },
		{ "check_mismatches", "Anti-entropy checks that found a difference." },
		{ "resyncs", "Slices of the peer's sessions pulled again after two mismatches." },
		{ "queue_lost", "Records for the peer lost: its queue was full." },
	};
	json_t *fo = json_object_get(sync, "failover"), *lips = json_object_get(fo, "localips"), *v;
	size_t i;

	family(b, "mgw_sync_sessions", "gauge",
	       "Sessions this node holds, by whose they are (own: it is their owner).");
	cp_tb_add(b, "mgw_sync_sessions{kind=\"own\"} %lld\n",
		  (long long)json_integer_value(json_object_get(sync, "sessions_local")));
	cp_tb_add(b, "mgw_sync_sessions{kind=\"from_peers\"} %lld\n",
		  (long long)json_integer_value(json_object_get(sync, "sessions_from_peers")));
	for (size_t k = 0; k < sizeof(pc) / sizeof(pc[0]); k++) {
		char name[64];

		snprintf(name, sizeof(name), "mgw_sync_%s_total", pc[k].key);
		family(b, name, "counter", pc[k].help);
		json_array_foreach(peers, i, v) {
			char ip[64];

			label_value(json_string_value(json_object_get(v, "ip")), ip, sizeof(ip));
			cp_tb_add(b, "%s{peer_id=\"%lld\",peer=\"%s\"} %lld\n", name,
				  (long long)json_integer_value(json_object_get(v, "id")), ip,
				  (long long)json_integer_value(json_object_get(v, pc[k].key)));
		}
	}
	family(b, "mgw_sync_refused_total", "counter",
	       "Sync datagrams or records refused, by peer and reason.");
	json_array_foreach(peers, i, v) {
		json_t *rf = json_object_get(v, "refused"), *n;
		const char *why;
		char ip[64];

		label_value(json_string_value(json_object_get(v, "ip")), ip, sizeof(ip));
		json_object_foreach(rf, why, n)
			cp_tb_add(b, "mgw_sync_refused_total{peer_id=\"%lld\",peer=\"%s\",reason=\"%s\"} %lld\n",
				  (long long)json_integer_value(json_object_get(v, "id")), ip, why,
				  (long long)json_integer_value(n));
	}
	if (!json_is_object(fo))
		return;
	family(b, "mgw_sync_localip_held", "gauge",
	       "1 while this node answers for the local IP (its own or inherited).");
	json_array_foreach(lips, i, v) {
		char ip[64];

		label_value(json_string_value(json_object_get(v, "ip")), ip, sizeof(ip));
		cp_tb_add(b, "mgw_sync_localip_held{localip=\"%s\",owner=\"%lld\"} %d\n", ip,
			  (long long)json_integer_value(json_object_get(v, "owner")),
			  strcmp(json_string_value(json_object_get(v, "state")) ?: "", "held") == 0);
	}
	{
		static const char *const fc[] = { "claims", "releases", "handbacks", "probes",
						  "probes_answered", "gratuitous_arps", "unsolicited_nas",
						  "sessions_adopted", "sessions_handed_back" };

		for (size_t k = 0; k < sizeof(fc) / sizeof(fc[0]); k++) {
			char name[64];

			snprintf(name, sizeof(name), "mgw_failover_%s_total", fc[k]);
			family(b, name, "counter", "Failover (GET /cluster sync.failover).");
			cp_tb_add(b, "%s %lld\n", name,
				  (long long)json_integer_value(json_object_get(fo, fc[k])));
		}
	}
}

static void sync_families(struct cp *cp, struct cp_tbuf *b)
{
	json_t *cl = cp_cluster_json(cp), *sync = json_object_get(cl, "sync"), *peers, *v;
	size_t i;
	bool lag = false;

	if (!json_is_true(json_object_get(sync, "enabled")))
		goto out;
	peers = json_object_get(sync, "peers");
	family(b, "mgw_sync_peer_up", "gauge", "1 while the sync peer is up.");
	json_array_foreach(peers, i, v) {
		char ip[64];

		label_value(json_string_value(json_object_get(v, "ip")), ip, sizeof(ip));
		cp_tb_add(b, "mgw_sync_peer_up{peer_id=\"%lld\",peer=\"%s\"} %d\n",
			  (long long)json_integer_value(json_object_get(v, "id")), ip,
			  strcmp(json_string_value(json_object_get(v, "state")) ?: "", "up") == 0);
		lag |= json_is_number(json_object_get(v, "lag_ms"));
	}
	if (lag) {
		family(b, "mgw_sync_peer_lag_seconds", "gauge",
		       "How far the peer's acknowledgements trail what was sent to it.");
		json_array_foreach(peers, i, v) {
			char ip[64];

			if (!json_is_number(json_object_get(v, "lag_ms")))
				continue;
			label_value(json_string_value(json_object_get(v, "ip")), ip, sizeof(ip));
			cp_tb_add(b, "mgw_sync_peer_lag_seconds{peer_id=\"%lld\",peer=\"%s\"} %.3f\n",
				  (long long)json_integer_value(json_object_get(v, "id")), ip,
				  json_number_value(json_object_get(v, "lag_ms")) / 1000.0);
		}
	}
	sync_counters(b, sync, peers);
out:
	json_decref(cl);
}

char *cp_metrics_text(struct cp *cp)
{
	struct cp_tbuf b;

	memset(&b, 0, sizeof(b));
	node_families(cp, &b);
	lcore_families(cp, &b);
	service_families(cp, &b);
	routing_families(cp, &b);
	sync_families(cp, &b);
	return cp_tb_take(&b);
}
