/* cp/config_json.c — config model → JSON in the file's shape. Every field is
 * written, defaults included, so what GET /config shows is exactly what runs
 * and loading it again gives the same config. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "cp/config.h"

static json_t *ip_json(uint32_t ip)
{
	char b[16];

	return json_string(cp_ipv4_str(ip, b));
}

/* RFC 5952's canonical text, which inet_ntop writes */
static json_t *ip6_json(const uint8_t *ip6)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(cp_ipv6_str(ip6, b));
}

static json_t *prefix_json(uint32_t ip, uint8_t plen)
{
	char b[16];

	return json_sprintf("%s/%u", cp_ipv4_str(ip, b), plen);
}

/* RFC 5952's canonical text, which inet_ntop writes */
static json_t *prefix6_json(const uint8_t *ip6, uint8_t plen)
{
	char b[INET6_ADDRSTRLEN];

	return json_sprintf("%s/%u", inet_ntop(AF_INET6, ip6, b, sizeof(b)), plen);
}

json_t *cp_server_to_json(const struct cp_server_conf *s)
{
	return json_pack("{s:o, s:i, s:I, s:b, s:I, s:I}", "ip", s->v6 ? ip6_json(s->ip6) : ip_json(s->ip), "port",
			 (int)s->port, "weight", (json_int_t)s->weight, "drain", s->drain,
			 "u_threshold", (json_int_t)s->u_threshold,
			 "l_threshold", (json_int_t)s->l_threshold);
}

static json_t *health_json(const struct cp_health_conf *h)
{
	return json_pack("{s:s, s:I, s:I, s:i, s:i, s:i, s:s, s:i, s:s, s:s, s:b}",
			 "type", cp_health_names[h->type],
			 "interval_ms", (json_int_t)h->interval_ms,
			 "timeout_ms", (json_int_t)h->timeout_ms,
			 "rise", (int)h->rise, "fall", (int)h->fall, "port", (int)h->port,
			 "path", h->path, "status", (int)h->status, "host", h->host,
			 "payload", h->payload, "require_reply", h->require_reply);
}

static json_t *prefixes_json(const struct cp_prefix *p, unsigned n)
{
	json_t *a = json_array();
	char b[16];

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_sprintf("%s/%u", cp_ipv4_str(p[i].addr, b), p[i].plen));
	return a;
}

json_t *cp_service_to_json(const struct cp_service_conf *s)
{
	json_t *servers = json_array(), *o;

	for (unsigned i = 0; i < s->n_servers; i++)
		json_array_append_new(servers, cp_server_to_json(&s->servers[i]));
	o = json_pack("{s:s, s:o, s:i, s:s, s:s, s:I, s:o, s:s, s:b, s:I, s:o, s:o}",
		      "proto", cp_proto_name(s->proto), "vip", s->v6 ? ip6_json(s->vip6) : ip_json(s->vip),
		      "port", (int)s->port, "scheduler", cp_sched_names[s->sched],
		      "forward", cp_fwd_names[s->fwd],
		      "persistence_s", (json_int_t)s->persistence_s,
		      "persistence_mask", ip_json(s->persistence_mask),
		      "on_down", s->on_down ? "reset" : "keep", "mh_port", s->mh_port,
		      "mh_table_size", (json_int_t)s->mh_table_size,
		      "health", health_json(&s->health), "servers", servers);
	json_object_set_new(o, "sorry_server",
			    s->has_sorry ? json_pack("{s:o, s:i}", "ip", s->rs_v6 ? ip6_json(s->sorry_ip6)
										 : ip_json(s->sorry_ip),
						     "port", (int)s->sorry_port)
					 : json_null());
	json_object_set_new(o, "client_address", json_string(cp_caddr_names[s->client_address]));
	json_object_set_new(o, "proxy_send", json_string(cp_proxy_send_names[s->proxy_send]));
	json_object_set_new(o, "synproxy", json_boolean(s->synproxy));
	json_object_set_new(o, "acl", s->n_allow || s->n_deny ?
			    json_pack("{s:o, s:o}", "allow", prefixes_json(s->allow, s->n_allow),
				      "deny", prefixes_json(s->deny, s->n_deny)) : json_null());
	json_object_set_new(o, "max_conns", json_integer(s->max_conns));
	json_object_set_new(o, "new_conns_per_s", json_integer(s->new_conns_per_s));
	json_object_set_new(o, "per_client_new_conns_per_s",
			    json_integer(s->per_client_new_conns_per_s));
	json_object_set_new(o, "refuse", json_string(s->refuse ? "drop" : "rst"));
	return o;
}

static json_t *routing_json(const struct cp_config *c)
{
	json_t *r = json_object();

	if (c->ospf.enabled) {
		json_t *ifs = json_array();

		for (unsigned i = 0; i < c->ospf.n_ifaces; i++) {
			const struct cp_ospf_iface_conf *f = &c->ospf.ifaces[i];

			json_t *auth = f->auth == CP_OSPF_AUTH_NONE ?
				json_pack("{s:s}", "type", "none") :
				json_pack("{s:s, s:i, s:s}", "type", cp_ospf_auth_names[f->auth],
					  "key_id", (int)f->key_id, "key_file", f->key_file);

			json_array_append_new(ifs, json_pack("{s:s, s:s, s:i, s:i, s:i, s:o, s:b}",
							     "port", f->port,
							     "type", f->type ? "broadcast" : "ptp",
							     "hello_s", (int)f->hello_s,
							     "dead_s", (int)f->dead_s,
							     "cost", (int)f->cost, "auth", auth,
							     "ttl_security", f->ttl_security));
		}
		json_object_set_new(r, "ospf", json_pack("{s:o, s:o, s:o, s:i, s:i}",
						"router_id", ip_json(c->ospf.router_id),
						"area", ip_json(c->ospf.area), "interfaces", ifs,
						"vip_cost", (int)c->ospf.vip_cost,
						"lip_cost", (int)c->ospf.lip_cost));
	}
	if (c->bgp.enabled) {
		json_t *peers = json_array();

		for (unsigned i = 0; i < c->bgp.n_peers; i++) {
			const struct cp_bgp_peer_conf *pc = &c->bgp.peers[i];
			json_t *auth = pc->auth == CP_BGP_AUTH_NONE ?
				json_pack("{s:s}", "type", "none") :
				json_pack("{s:s, s:s}", "type", cp_bgp_auth_names[pc->auth],
					  "key_file", pc->key_file);

			json_array_append_new(peers, json_pack("{s:o, s:I, s:i, s:o, s:b}",
							       "ip", ip_json(pc->ip),
							       "as", (json_int_t)pc->as,
							       "port", (int)pc->port, "auth", auth,
							       "ttl_security", pc->ttl_security));
		}
		json_object_set_new(r, "bgp", json_pack("{s:I, s:o, s:i, s:I, s:I, s:o}",
						"local_as", (json_int_t)c->bgp.local_as,
						"router_id", ip_json(c->bgp.router_id),
						"hold_s", (int)c->bgp.hold_s,
						"vip_med", (json_int_t)c->bgp.vip_med,
						"lip_med", (json_int_t)c->bgp.lip_med, "peers", peers));
	}
	return r;
}

static json_t *sync_json(const struct cp_sync_conf *y)
{
	json_t *peers = json_array();

	for (unsigned i = 0; i < y->n_peers; i++) {
		json_t *lips = json_array();

		for (unsigned k = 0; k < y->peers[i].n_lips; k++)
			json_array_append_new(lips, ip_json(y->peers[i].lips[k]));
		for (unsigned k = 0; k < y->peers[i].n_lips6; k++)
			json_array_append_new(lips, ip6_json(y->peers[i].lips6[k]));
		json_array_append_new(peers, json_pack("{s:I, s:o, s:o}", "id",
						       (json_int_t)y->peers[i].id, "ip",
						       ip_json(y->peers[i].ip), "localips", lips));
	}
	return json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:o}", "port", y->port,
			 "udp_port", (int)y->udp_port, "key_file", y->key_file,
			 "heartbeat_ms", (json_int_t)y->heartbeat_ms,
			 "dead_after_ms", (json_int_t)y->dead_after_ms,
			 "peer_quota_pct", (json_int_t)y->peer_quota_pct,
			 "bulk_timeout_ms", (json_int_t)y->bulk_timeout_ms, "peers", peers);
}

json_t *cp_config_to_json(const struct cp_config *c)
{
	json_t *o = json_object(), *a;
	char listen[32], b[16];

	json_object_set_new(o, "node", json_pack("{s:I, s:o, s:I}",
						 "id", (json_int_t)c->node_id,
						 "router_id", ip_json(c->router_id),
						 "drain_s", (json_int_t)c->drain_s));
	snprintf(listen, sizeof(listen), "%s:%u", cp_ipv4_str(c->api_addr, b), c->api_port);
	json_object_set_new(o, "api", json_pack("{s:s, s:o, s:I, s:I, s:I, s:I}", "listen", listen,
						"token", c->api_token[0] ? json_string(c->api_token)
									 : json_null(),
						"max_body_bytes", (json_int_t)c->api_max_body,
						"max_buffered_bytes", (json_int_t)c->api_max_buffered,
						"max_conns_per_client",
						(json_int_t)c->api_conns_per_client,
						"request_timeout_s",
						(json_int_t)c->api_request_timeout_s));
	a = json_array();
	for (unsigned i = 0; i < c->n_args; i++)
		json_array_append_new(a, json_string(c->args[i]));
	json_object_set_new(o, "dpdk", json_pack("{s:s, s:o, s:I, s:I}", "lcores", c->lcores,
						 "args", a,
						 "idle_sleep_us", (json_int_t)c->idle_sleep_us,
						 "tap_poll_us", (json_int_t)c->tap_poll_us));
	a = json_array();
	for (unsigned i = 0; i < c->n_ports; i++) {
		json_t *po = json_pack("{s:s, s:s, s:o, s:i}", "name", c->ports[i].name, "dev",
				       c->ports[i].dev, "ip",
				       prefix_json(c->ports[i].ip, c->ports[i].plen), "mtu",
				       (int)c->ports[i].mtu);

		if (c->ports[i].plen6)
			json_object_set_new(po, "ip6",
					    prefix6_json(c->ports[i].ip6, c->ports[i].plen6));
		json_array_append_new(a, po);
	}
	json_object_set_new(o, "ports", a);
	a = json_array();
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct cp_route_conf *r = &c->routes[i];

		json_array_append_new(a, json_pack("{s:o, s:o}", "prefix",
						   r->v6 ? prefix6_json(r->prefix6, r->plen)
							 : prefix_json(r->prefix, r->plen),
						   "via", r->via_v6 ? ip6_json(r->via6) : ip_json(r->via)));
	}
	json_object_set_new(o, "routes", a);
	a = json_array();
	for (unsigned i = 0; i < c->n_lips; i++)
		json_array_append_new(a, ip_json(c->lips[i]));
	for (unsigned i = 0; i < c->n_lips6; i++)
		json_array_append_new(a, ip6_json(c->lips6[i]));
	json_object_set_new(o, "localips", a);
	json_object_set_new(o, "timeouts",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				      "tcp_established_s", (json_int_t)c->to_tcp_est,
				      "tcp_syn_s", (json_int_t)c->to_tcp_syn,
				      "tcp_fin_s", (json_int_t)c->to_tcp_fin,
				      "tcp_time_wait_s", (json_int_t)c->to_tcp_time_wait,
				      "tcp_close_s", (json_int_t)c->to_tcp_close,
				      "udp_s", (json_int_t)c->to_udp,
				      "lport_guard_s", (json_int_t)c->lport_guard_s));
	a = json_array();
	for (unsigned i = 0; i < c->n_services; i++)
		json_array_append_new(a, cp_service_to_json(&c->services[i]));
	json_object_set_new(o, "services", a);
	json_object_set_new(o, "routing", routing_json(c));
	json_object_set_new(o, "sync", c->sync.enabled ? sync_json(&c->sync) : json_null());
	json_object_set_new(o, "limits", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
						   "sessions_per_lcore",
						   (json_int_t)c->sessions_per_lcore,
						   "services", (json_int_t)c->max_services,
						   "servers", (json_int_t)c->max_servers,
						   "mbufs", (json_int_t)c->mbufs,
						   "evict_low_water_pct",
						   (json_int_t)c->evict_low_water_pct,
						   "lport_min", (json_int_t)c->lport_min,
						   "lport_max", (json_int_t)c->lport_max,
						   "lport_guards_per_lcore",
						   (json_int_t)c->lport_guards));
	json_object_set_new(o, "exception_path", json_pack("{s:I, s:I, s:I}",
						   "routing_pps", (json_int_t)c->punt_pps[0],
						   "health_pps", (json_int_t)c->punt_pps[1],
						   "other_pps", (json_int_t)c->punt_pps[2]));
	json_object_set_new(o, "selfcheck", json_pack("{s:I, s:s, s:I, s:I, s:I}",
						      "interval_ms", (json_int_t)c->selfcheck_ms,
						      "recover", c->recover ? "auto" : "manual",
						      "recover_after", (json_int_t)c->recover_after,
						      "mbuf_min_free_pct",
						      (json_int_t)c->mbuf_min_free_pct,
						      "max_loss_pct", (json_int_t)c->max_loss_pct));
	json_object_set_new(o, "debug", json_pack("{s:b}", "fault_injection", c->fault_injection));
	if (c->metrics_port) {
		snprintf(listen, sizeof(listen), "%s:%u", cp_ipv4_str(c->metrics_addr, b),
			 c->metrics_port);
		json_object_set_new(o, "metrics", json_pack("{s:s}", "listen", listen));
	} else {
		json_object_set_new(o, "metrics", json_pack("{s:n}", "listen"));
	}
	return o;
}

json_t *cp_service_patch_merge(const struct cp_service_conf *cur, const json_t *patch)
{
	json_t *full = cp_service_to_json(cur);
	json_t *h = json_object_get(patch, "health");
	json_t *p = json_deep_copy(patch);

	if (!full || !p) {
		json_decref(full);
		json_decref(p);
		return NULL;
	}
	if (json_is_object(h) && json_is_object(json_object_get(full, "health"))) {
		json_t *merged = json_deep_copy(json_object_get(full, "health"));

		if (!merged || json_object_update(merged, h) < 0 ||
		    json_object_set_new(p, "health", merged) < 0) {
			json_decref(full);
			json_decref(p);
			return NULL;
		}
	}
	if (json_object_update(full, p) < 0) {
		json_decref(full);
		full = NULL;
	}
	json_decref(p);
	return full;
}
