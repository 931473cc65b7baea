/* cp/config_parse.c — JSON → config model, field by field, with the JSON
 * path of the first bad field in the error (see config.h). */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/config_read.h"
#include "cp/maglev.h"

#define RD(call)                         \
	do {                             \
		int rc_ = (call);        \
		if (rc_ < 0)             \
			return rc_;      \
	} while (0)

static int rd_prefix(const json_t *o, const char *path, const char *key, bool required,
		     uint32_t *addr, uint8_t *plen, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return required ? cp_rd_fail(err, path, key, "is required") : 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    cp_parse_prefix(json_string_value(v), addr, plen) < 0)
		return cp_rd_fail(err, path, key, "must be an IPv4 prefix like 10.0.0.0/24");
	return 0;
}

/* An optional IPv6 prefix; what it may be is config_check's to say. */
static int rd_prefix6(const json_t *o, const char *path, const char *key, uint8_t (*addr)[16],
		      uint8_t *plen, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    cp_parse_prefix6(json_string_value(v), *addr, plen) < 0)
		return cp_rd_fail(err, path, key, "must be an IPv6 prefix like fd00:1::2/64");
	if (*plen == 0 || *plen > 127)
		return cp_rd_fail(err, path, key, "prefix length must be 1..127");
	return 0;
}

static int parse_node(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "id", "router_id", "drain_s", NULL };

	RD(cp_rd_object(o, "node", err));
	RD(cp_rd_keys(o, "node", keys, err));
	RD(cp_rd_uint(o, "node", "id", 0, UINT32_MAX, false, &c->node_id, err));
	RD(cp_rd_ipv4(o, "node", "router_id", false, &c->router_id, err));
	RD(cp_rd_uint(o, "node", "drain_s", 0, 3600, false, &c->drain_s, err));
	return 0;
}

static int parse_api(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "listen", "token", "max_body_bytes",
					    "max_buffered_bytes", "max_conns_per_client",
					    "request_timeout_s", NULL };
	char listen[64] = "";

	RD(cp_rd_object(o, "api", err));
	RD(cp_rd_keys(o, "api", keys, err));
	RD(cp_rd_string(o, "api", "listen", false, listen, sizeof(listen), err));
	if (listen[0] && cp_parse_addr_port(listen, &c->api_addr, &c->api_port) < 0)
		return cp_rd_fail(err, "api", "listen", "must be IPv4:port like 127.0.0.1:8080");
	RD(cp_rd_string_or_null(o, "api", "token", c->api_token, sizeof(c->api_token), err));
	RD(cp_rd_uint(o, "api", "max_body_bytes", 1024, 256u << 20, false, &c->api_max_body, err));
	RD(cp_rd_uint(o, "api", "max_buffered_bytes", 1024, 1u << 30, false, &c->api_max_buffered,
		      err));
	RD(cp_rd_uint(o, "api", "max_conns_per_client", 1, 1024, false, &c->api_conns_per_client,
		      err));
	RD(cp_rd_uint(o, "api", "request_timeout_s", 1, 3600, false, &c->api_request_timeout_s,
		      err));
	if (c->api_max_buffered < c->api_max_body)
		return cp_rd_fail(err, "api", "max_buffered_bytes",
				  "must be at least max_body_bytes (%u)", c->api_max_body);
	return 0;
}

static int parse_metrics(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "listen", NULL };
	char listen[64] = "";

	RD(cp_rd_object(o, "metrics", err));
	RD(cp_rd_keys(o, "metrics", keys, err));
	RD(cp_rd_string_or_null(o, "metrics", "listen", listen, sizeof(listen), err));
	c->metrics_addr = 0;
	c->metrics_port = 0;
	if (listen[0] && cp_parse_addr_port(listen, &c->metrics_addr, &c->metrics_port) < 0)
		return cp_rd_fail(err, "metrics", "listen",
				  "must be IPv4:port like 127.0.0.1:9110, or null");
	return 0;
}

static int parse_dpdk(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "lcores", "args", "idle_sleep_us", "tap_poll_us", NULL };
	const json_t *args;

	RD(cp_rd_object(o, "dpdk", err));
	RD(cp_rd_keys(o, "dpdk", keys, err));
	RD(cp_rd_string(o, "dpdk", "lcores", false, c->lcores, sizeof(c->lcores), err));
	if (!c->lcores[0])
		return cp_rd_fail(err, "dpdk", "lcores", "must not be empty");
	RD(cp_rd_uint(o, "dpdk", "idle_sleep_us", 0, 100000, false, &c->idle_sleep_us, err));
	RD(cp_rd_uint(o, "dpdk", "tap_poll_us", 0, 10000, false, &c->tap_poll_us, err));
	RD(cp_rd_array(o, "dpdk", "args", 64, &args, err));
	if (args) {
		c->args = calloc(json_array_size(args) + 1, sizeof(char *));
		if (!c->args)
			return -ENOMEM;
		for (size_t i = 0; i < json_array_size(args); i++) {
			const json_t *a = json_array_get(args, i);
			char p[64];

			if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a)) {
				cp_rd_index(p, sizeof(p), "dpdk", "args", i);
				return cp_rd_fail(err, p, NULL, "must be a string");
			}
			c->args[c->n_args] = strdup(json_string_value(a));
			if (!c->args[c->n_args])
				return -ENOMEM;
			c->n_args++;
		}
	}
	return 0;
}

static int parse_ports(const json_t *arr, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "name", "dev", "ip", "ip6", "mtu", NULL };

	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		struct cp_port_conf *p = &c->ports[i];
		char path[32];

		cp_rd_index(path, sizeof(path), NULL, "ports", i);
		RD(cp_rd_object(o, path, err));
		RD(cp_rd_keys(o, path, keys, err));
		RD(cp_rd_string(o, path, "name", true, p->name, sizeof(p->name), err));
		for (const char *ch = p->name; *ch; ch++)
			if (!((*ch >= 'a' && *ch <= 'z') || (*ch >= '0' && *ch <= '9') ||
			      *ch == '-' || *ch == '_'))
				return cp_rd_fail(err, path, "name",
						  "may hold only a-z, 0-9, '-' and '_'");
		if (!p->name[0])
			return cp_rd_fail(err, path, "name", "must not be empty");
		RD(cp_rd_string(o, path, "dev", true, p->dev, sizeof(p->dev), err));
		if (!p->dev[0])
			return cp_rd_fail(err, path, "dev", "must not be empty");
		/* "iface=eth1": a kernel interface, the driver mgw's choice
		 * (af_xdp, else af_packet: dp/port.c). */
		if (cp_port_kiface(p->dev)) {
			size_t n = strlen(cp_port_kiface(p->dev));

			if (n == 0 || n >= IFNAMSIZ || strpbrk(cp_port_kiface(p->dev), ",/ "))
				return cp_rd_fail(err, path, "dev",
						  "iface= takes one kernel interface name (1..15 characters, no ',', '/' or space)");
		}
		RD(rd_prefix(o, path, "ip", true, &p->ip, &p->plen, err));
		if (p->plen == 0 || p->plen > 30)
			return cp_rd_fail(err, path, "ip", "prefix length must be 1..30");
		RD(rd_prefix6(o, path, "ip6", &p->ip6, &p->plen6, err));
		p->mtu = 1500;
		RD(cp_rd_u16(o, path, "mtu", 576, 9000, false, &p->mtu, err));
		c->n_ports++;
	}
	return 0;
}

/* A route's prefix, of either family (its text says which): IPv4 into
 * prefix/plen, IPv6 into prefix6/plen (0..128: ::/0 is a default route). */
static int rd_route_prefix(const json_t *o, const char *path, struct cp_route_conf *r,
			   struct cp_err *err)
{
	const json_t *v = json_object_get(o, "prefix");

	if (!v || !json_is_string(v) || !strchr(json_string_value(v), ':'))
		return rd_prefix(o, path, "prefix", true, &r->prefix, &r->plen, err);
	r->v6 = true;
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    cp_parse_prefix6(json_string_value(v), r->prefix6, &r->plen) < 0)
		return cp_rd_fail(err, path, "prefix", "must be an IPv6 prefix like fd00:3::/64");
	return 0;
}

static int parse_routes(const json_t *arr, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "prefix", "via", NULL };

	c->routes = calloc(json_array_size(arr) + 1, sizeof(*c->routes));
	if (!c->routes)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		struct cp_route_conf *r = &c->routes[i];
		char path[32];

		cp_rd_index(path, sizeof(path), NULL, "routes", i);
		RD(cp_rd_object(o, path, err));
		RD(cp_rd_keys(o, path, keys, err));
		RD(rd_route_prefix(o, path, r, err));
		RD(cp_rd_ip(o, path, "via", true, &r->via, r->via6, &r->via_v6, err));
		c->n_routes++;
	}
	return 0;
}

/* Both families mixed: IPv4 ones to lips[], IPv6 ones to lips6[]. An
 * error names the operator's index; the validator names them by their
 * own array's (cp_config_lip_index() maps back). */
static int parse_lips(const json_t *arr, struct cp_config *c, struct cp_err *err)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		uint8_t a6[16];
		uint32_t a4;
		bool v6;
		char path[32];

		cp_rd_index(path, sizeof(path), NULL, "localips", i);
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
		    cp_parse_ip(json_string_value(v), &a4, a6, &v6) < 0)
			return cp_rd_fail(err, path, NULL, strchr(json_string_value(v) ?: "", ':')
					  ? "must be an IPv6 address like fd00::100"
					  : "must be an IPv4 address like 10.1.0.100");
		if (v6)
			memcpy(c->lips6[c->n_lips6++], a6, 16);
		else
			c->lips[c->n_lips++] = a4;
	}
	return 0;
}

static int parse_timeouts(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "tcp_established_s", "tcp_syn_s", "tcp_fin_s",
					    "tcp_time_wait_s", "tcp_close_s", "udp_s", "lport_guard_s",
					    NULL };
	const char *p = "timeouts";
	const uint32_t max = 7 * 86400;

	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	RD(cp_rd_uint(o, p, "tcp_established_s", 1, max, false, &c->to_tcp_est, err));
	RD(cp_rd_uint(o, p, "tcp_syn_s", 1, max, false, &c->to_tcp_syn, err));
	RD(cp_rd_uint(o, p, "tcp_fin_s", 1, max, false, &c->to_tcp_fin, err));
	RD(cp_rd_uint(o, p, "tcp_time_wait_s", 1, max, false, &c->to_tcp_time_wait, err));
	RD(cp_rd_uint(o, p, "tcp_close_s", 1, max, false, &c->to_tcp_close, err));
	RD(cp_rd_uint(o, p, "udp_s", 1, max, false, &c->to_udp, err));
	RD(cp_rd_uint(o, p, "lport_guard_s", 0, 3600, false, &c->lport_guard_s, err));
	return 0;
}

static int parse_health(const json_t *o, const char *svc_path, struct cp_health_conf *h,
			struct cp_err *err)
{
	static const char *const keys[] = { "type", "interval_ms", "timeout_ms", "rise", "fall",
					    "port", "path", "status", "host", "payload",
					    "require_reply", NULL };
	char p[192];

	cp_rd_path(p, sizeof(p), svc_path, "health");
	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	RD(cp_rd_enum(o, p, "type", cp_health_names, 4, &h->type, err));
	RD(cp_rd_uint(o, p, "interval_ms", 100, 3600000, false, &h->interval_ms, err));
	RD(cp_rd_uint(o, p, "timeout_ms", 10, 3600000, false, &h->timeout_ms, err));
	RD(cp_rd_u16(o, p, "rise", 1, 100, false, &h->rise, err));
	RD(cp_rd_u16(o, p, "fall", 1, 100, false, &h->fall, err));
	RD(cp_rd_u16(o, p, "port", 0, 65535, false, &h->port, err));
	RD(cp_rd_string(o, p, "path", false, h->path, sizeof(h->path), err));
	if (h->path[0] != '/')
		return cp_rd_fail(err, p, "path", "must start with '/'");
	for (const char *ch = h->path; *ch; ch++)
		if ((unsigned char)*ch <= ' ' || *ch == 0x7f)
			return cp_rd_fail(err, p, "path", "must not contain spaces or control characters");
	RD(cp_rd_u16(o, p, "status", 100, 599, false, &h->status, err));
	RD(cp_rd_string(o, p, "host", false, h->host, sizeof(h->host), err));
	for (const char *ch = h->host; *ch; ch++)
		if ((unsigned char)*ch <= ' ' || *ch == 0x7f)
			return cp_rd_fail(err, p, "host", "must not contain spaces or control characters");
	RD(cp_rd_string(o, p, "payload", false, h->payload, sizeof(h->payload), err));
	RD(cp_rd_bool(o, p, "require_reply", &h->require_reply, err));
	if (h->timeout_ms >= h->interval_ms)
		return cp_rd_fail(err, p, "timeout_ms", "must be less than interval_ms (%u)",
				  h->interval_ms);
	return 0;
}

/* acl.allow / acl.deny: arrays of IPv4 prefixes (a bare address is a /32). */
static int parse_prefixes(const json_t *o, const char *path, const char *key,
			  struct cp_prefix **out, unsigned *n, struct cp_err *err)
{
	const json_t *arr;
	char p[224];

	RD(cp_rd_array(o, path, key, CP_ACL_MAX, &arr, err));
	if (!arr || !json_array_size(arr))
		return 0;
	*out = calloc(json_array_size(arr), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		const char *str = json_string_value(v);
		struct cp_prefix *q = &(*out)[i];
		uint32_t mask;

		cp_rd_index(p, sizeof(p), path, key, i);
		if (!str || strlen(str) != json_string_length(v))
			return cp_rd_fail(err, p, NULL, "must be an IPv4 prefix like 192.0.2.0/24");
		if (strchr(str, '/') ? cp_parse_prefix(str, &q->addr, &q->plen) < 0
				     : cp_parse_ipv4(str, &q->addr) < 0)
			return cp_rd_fail(err, p, NULL, "must be an IPv4 prefix like 192.0.2.0/24");
		if (!strchr(str, '/'))
			q->plen = 32;
		mask = q->plen ? 0xffffffffu << (32 - q->plen) : 0;
		if (q->addr & ~mask) {
			char a[16];

			return cp_rd_fail(err, p, NULL, "has host bits set (did you mean %s/%u?)",
					  cp_ipv4_str(q->addr & mask, a), q->plen);
		}
		(*n)++;
	}
	return 0;
}

static int parse_acl(const json_t *o, const char *svc_path, struct cp_service_conf *s,
		     struct cp_err *err)
{
	static const char *const keys[] = { "allow", "deny", NULL };
	char p[192];

	cp_rd_path(p, sizeof(p), svc_path, "acl");
	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	RD(parse_prefixes(o, p, "allow", &s->allow, &s->n_allow, err));
	RD(parse_prefixes(o, p, "deny", &s->deny, &s->n_deny, err));
	return 0;
}

static void server_defaults(struct cp_server_conf *s, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->weight = 1;
}

int cp_server_patch_json(const json_t *o, const char *path, struct cp_server_conf *s,
			 struct cp_err *err)
{
	static const char *const keys[] = { "ip", "port", "weight", "drain", "u_threshold",
					    "l_threshold", NULL };

	RD(cp_rd_object(o, path, err));
	RD(cp_rd_keys(o, path, keys, err));
	RD(cp_rd_ip(o, path, "ip", false, &s->ip, s->ip6, &s->v6, err));
	if (!s->v6)
		memset(s->ip6, 0, sizeof(s->ip6));
	RD(cp_rd_u16(o, path, "port", 1, 65535, false, &s->port, err));
	RD(cp_rd_uint(o, path, "weight", 0, 65535, false, &s->weight, err));
	RD(cp_rd_bool(o, path, "drain", &s->drain, err));
	RD(cp_rd_uint(o, path, "u_threshold", 0, 1u << 30, false, &s->u_threshold, err));
	RD(cp_rd_uint(o, path, "l_threshold", 0, 1u << 30, false, &s->l_threshold, err));
	if (s->u_threshold && s->l_threshold >= s->u_threshold)
		return cp_rd_fail(err, path, "l_threshold", "must be below u_threshold (%u)",
				  s->u_threshold);
	return 0;
}

int cp_server_from_json(const json_t *o, const char *path, uint16_t default_port,
			struct cp_server_conf *s, struct cp_err *err)
{
	server_defaults(s, default_port);
	RD(cp_rd_object(o, path, err));
	if (!json_object_get(o, "ip"))
		return cp_rd_fail(err, path, "ip", "is required");
	return cp_server_patch_json(o, path, s, err);
}

static void health_defaults(struct cp_health_conf *h)
{
	memset(h, 0, sizeof(*h));
	h->type = CP_HEALTH_NONE;
	h->interval_ms = 1000;
	h->timeout_ms = 500;
	h->rise = 2;
	h->fall = 3;
	h->status = 200;
	snprintf(h->path, sizeof(h->path), "/");
}

int cp_service_from_json(const json_t *o, const char *path, struct cp_service_conf *s,
			 struct cp_err *err)
{
	static const char *const keys[] = { "proto", "vip", "port", "scheduler", "forward",
					    "persistence_s", "persistence_mask", "on_down",
					    "sorry_server", "mh_port", "mh_table_size", "health",
					    "servers", "client_address", "proxy_send", "synproxy",
					    "acl", "max_conns", "new_conns_per_s",
					    "per_client_new_conns_per_s", "refuse", NULL };
	static const char *const refuse[] = { "rst", "drop" };
	static const char *const protos[] = { "tcp", "udp" };
	static const char *const on_down[] = { "keep", "reset" };
	const json_t *servers, *sorry, *h;
	uint32_t sorry_ip = 0;
	bool sorry_v6 = false;
	uint8_t proto = 0;
	char p[192];
	int rc;

	memset(s, 0, sizeof(*s));
	s->sched = CP_SCHED_WLC;
	s->fwd = CP_FWD_FULLNAT;
	s->persistence_mask = 0xffffffff;
	s->mh_table_size = CP_MH_SIZE_DEFAULT;
	health_defaults(&s->health);

	RD(cp_rd_object(o, path, err));
	RD(cp_rd_keys(o, path, keys, err));
	if (!json_object_get(o, "proto"))
		return cp_rd_fail(err, path, "proto", "is required");
	RD(cp_rd_enum(o, path, "proto", protos, 2, &proto, err));
	s->proto = proto == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	RD(cp_rd_ip(o, path, "vip", true, &s->vip, s->vip6, &s->v6, err));
	RD(cp_rd_u16(o, path, "port", 1, 65535, true, &s->port, err));
	RD(cp_rd_enum(o, path, "scheduler", cp_sched_names, 6, &s->sched, err));
	RD(cp_rd_enum(o, path, "forward", cp_fwd_names, 4, &s->fwd, err));
	/* Over the clock's range a template would expire as it is made:
	 * persistence silently off. */
	RD(cp_rd_uint(o, path, "persistence_s", 0, CP_PERSIST_MAX_S, false, &s->persistence_s,
		      err));
	RD(cp_rd_ipv4(o, path, "persistence_mask", false, &s->persistence_mask, err));
	RD(cp_rd_enum(o, path, "on_down", on_down, 2, &s->on_down, err));
	RD(cp_rd_bool(o, path, "mh_port", &s->mh_port, err));
	RD(cp_rd_uint(o, path, "mh_table_size", 1, UINT32_MAX, false, &s->mh_table_size, err));
	RD(cp_rd_enum(o, path, "client_address", cp_caddr_names, 4, &s->client_address, err));
	RD(cp_rd_enum(o, path, "proxy_send", cp_proxy_send_names, 2, &s->proxy_send, err));
	RD(cp_rd_bool(o, path, "synproxy", &s->synproxy, err));

	sorry = json_object_get(o, "sorry_server");
	if (sorry && !json_is_null(sorry)) {
		static const char *const skeys[] = { "ip", "port", NULL };

		cp_rd_path(p, sizeof(p), path, "sorry_server");
		RD(cp_rd_object(sorry, p, err));
		RD(cp_rd_keys(sorry, p, skeys, err));
		RD(cp_rd_ip(sorry, p, "ip", true, &sorry_ip, s->sorry_ip6, &sorry_v6, err));
		s->sorry_port = s->port;
		RD(cp_rd_u16(sorry, p, "port", 1, 65535, false, &s->sorry_port, err));
		s->has_sorry = true;
	}
	h = json_object_get(o, "health");
	if (h)
		RD(parse_health(h, path, &s->health, err));
	RD(cp_rd_uint(o, path, "max_conns", 0, 1u << 30, false, &s->max_conns, err));
	RD(cp_rd_uint(o, path, "new_conns_per_s", 0, 100000000, false, &s->new_conns_per_s, err));
	RD(cp_rd_uint(o, path, "per_client_new_conns_per_s", 0, 1000000, false,
		      &s->per_client_new_conns_per_s, err));
	RD(cp_rd_enum(o, path, "refuse", refuse, 2, &s->refuse, err));
	h = json_object_get(o, "acl");
	if (h && !json_is_null(h)) {
		rc = parse_acl(h, path, s, err);
		if (rc < 0) {
			cp_service_free(s);
			return rc;
		}
	}

	RD(cp_rd_array(o, path, "servers", 100000, &servers, err));
	if (servers && json_array_size(servers)) {
		s->servers = calloc(json_array_size(servers), sizeof(*s->servers));
		if (!s->servers)
			return -ENOMEM;
		for (size_t i = 0; i < json_array_size(servers); i++) {
			cp_rd_index(p, sizeof(p), path, "servers", i);
			rc = cp_server_from_json(json_array_get(servers, i), p, s->port,
						 &s->servers[i], err);
			if (rc < 0) {
				cp_service_free(s);
				return rc;
			}
			s->n_servers++;
		}
	}
	/* The servers' family: the sorry server is of it, kept where that
	 * family's address goes. */
	s->sorry_ip = sorry_ip;
	cp_service_set_rs_family(s, sorry_v6);
	if (s->has_sorry && sorry_v6 != s->rs_v6) {
		cp_service_free(s);
		cp_rd_path(p, sizeof(p), path, "sorry_server");
		return cp_rd_fail(err, p, "ip", "must be of the servers' family (IPv%c)",
				  s->rs_v6 ? '6' : '4');
	}
	return 0;
}

static int parse_services(const json_t *arr, struct cp_config *c, struct cp_err *err)
{
	c->services = calloc(json_array_size(arr) + 1, sizeof(*c->services));
	if (!c->services)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char path[32];

		cp_rd_index(path, sizeof(path), NULL, "services", i);
		RD(cp_service_from_json(json_array_get(arr, i), path, &c->services[i], err));
		c->n_services++;
	}
	return 0;
}

/* "auth": { "type", "key_id", "key_file" }; the key file is read by the
 * validator (config_check.c) and at start, never kept in the config. */
static int parse_ospf_auth(const json_t *io, const char *ip, struct cp_ospf_iface_conf *ic,
			   struct cp_err *err)
{
	static const char *const keys[] = { "type", "key_id", "key_file", NULL };
	const json_t *a = json_object_get(io, "auth");
	uint32_t id = 1;
	char p[80];

	ic->auth = CP_OSPF_AUTH_NONE;
	if (!a || json_is_null(a))
		return 0;
	cp_rd_path(p, sizeof(p), ip, "auth");
	RD(cp_rd_object(a, p, err));
	RD(cp_rd_keys(a, p, keys, err));
	if (!json_object_get(a, "type"))
		return cp_rd_fail(err, p, "type", "is required (%s)",
				  "none, md5, hmac-sha1, hmac-sha256, hmac-sha384 or hmac-sha512");
	RD(cp_rd_enum(a, p, "type", cp_ospf_auth_names, CP_OSPF_AUTH_MAX, &ic->auth, err));
	if (ic->auth == CP_OSPF_AUTH_NONE) {
		if (json_object_get(a, "key_id"))
			return cp_rd_fail(err, p, "key_id", "is not used with type none");
		if (json_object_get(a, "key_file"))
			return cp_rd_fail(err, p, "key_file", "is not used with type none");
		return 0;
	}
	RD(cp_rd_uint(a, p, "key_id", 0, 255, false, &id, err));
	ic->key_id = (uint8_t)id;
	RD(cp_rd_string(a, p, "key_file", true, ic->key_file, sizeof(ic->key_file), err));
	if (ic->key_file[0] != '/')
		return cp_rd_fail(err, p, "key_file", "must be an absolute path");
	return 0;
}

/* "auth": { "type": "tcp-md5", "key_file" } */
static int parse_bgp_auth(const json_t *po, const char *pp, struct cp_bgp_peer_conf *pc,
			  struct cp_err *err)
{
	static const char *const keys[] = { "type", "key_file", NULL };
	const json_t *a = json_object_get(po, "auth");
	char p[80];

	pc->auth = CP_BGP_AUTH_NONE;
	if (!a || json_is_null(a))
		return 0;
	cp_rd_path(p, sizeof(p), pp, "auth");
	RD(cp_rd_object(a, p, err));
	RD(cp_rd_keys(a, p, keys, err));
	if (!json_object_get(a, "type"))
		return cp_rd_fail(err, p, "type", "is required (none or tcp-md5)");
	RD(cp_rd_enum(a, p, "type", cp_bgp_auth_names, CP_BGP_AUTH_MAX, &pc->auth, err));
	if (pc->auth == CP_BGP_AUTH_NONE) {
		if (json_object_get(a, "key_file"))
			return cp_rd_fail(err, p, "key_file", "is not used with type none");
		return 0;
	}
	RD(cp_rd_string(a, p, "key_file", true, pc->key_file, sizeof(pc->key_file), err));
	if (pc->key_file[0] != '/')
		return cp_rd_fail(err, p, "key_file", "must be an absolute path");
	return 0;
}

static int parse_ospf(const json_t *o, struct cp_ospf_conf *f, struct cp_err *err)
{
	static const char *const keys[] = { "router_id", "area", "interfaces", "vip_cost",
					    "lip_cost", NULL };
	static const char *const ikeys[] = { "port", "type", "hello_s", "dead_s", "cost", "auth",
					     "ttl_security", NULL };
	static const char *const types[] = { "ptp", "broadcast" };
	const char *p = "routing.ospf";
	const json_t *ifs;

	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	f->enabled = true;
	RD(cp_rd_ipv4(o, p, "router_id", false, &f->router_id, err));
	if (json_is_integer(json_object_get(o, "area")))
		RD(cp_rd_uint(o, p, "area", 0, UINT32_MAX, false, &f->area, err));
	else
		RD(cp_rd_ipv4(o, p, "area", false, &f->area, err));
	RD(cp_rd_u16(o, p, "vip_cost", 1, 65535, false, &f->vip_cost, err));
	RD(cp_rd_u16(o, p, "lip_cost", 1, 65535, false, &f->lip_cost, err));
	RD(cp_rd_array(o, p, "interfaces", CP_OSPF_MAX_IFACES, &ifs, err));
	if (!ifs || json_array_size(ifs) == 0)
		return cp_rd_fail(err, p, "interfaces", "needs at least one interface");
	for (size_t i = 0; i < json_array_size(ifs); i++) {
		const json_t *io = json_array_get(ifs, i);
		struct cp_ospf_iface_conf *ic = &f->ifaces[i];
		char ip[64];

		cp_rd_index(ip, sizeof(ip), p, "interfaces", i);
		RD(cp_rd_object(io, ip, err));
		RD(cp_rd_keys(io, ip, ikeys, err));
		RD(cp_rd_string(io, ip, "port", true, ic->port, sizeof(ic->port), err));
		RD(cp_rd_enum(io, ip, "type", types, 2, &ic->type, err));
		ic->hello_s = 10;
		ic->dead_s = 40;
		ic->cost = 10;
		RD(cp_rd_u16(io, ip, "hello_s", 1, 65535, false, &ic->hello_s, err));
		RD(cp_rd_u16(io, ip, "dead_s", 1, 65535, false, &ic->dead_s, err));
		RD(cp_rd_u16(io, ip, "cost", 1, 65535, false, &ic->cost, err));
		if (ic->dead_s <= ic->hello_s)
			return cp_rd_fail(err, ip, "dead_s", "must be greater than hello_s");
		RD(parse_ospf_auth(io, ip, ic, err));
		RD(cp_rd_bool(io, ip, "ttl_security", &ic->ttl_security, err));
		if (ic->ttl_security && ic->type != 0)
			return cp_rd_fail(err, ip, "ttl_security",
					  "is for ptp interfaces (RFC 5082 on point-to-point links)");
		f->n_ifaces++;
	}
	return 0;
}

static int parse_bgp(const json_t *o, struct cp_bgp_conf *b, struct cp_err *err)
{
	static const char *const keys[] = { "local_as", "router_id", "hold_s", "peers",
					    "vip_med", "lip_med", NULL };
	static const char *const pkeys[] = { "ip", "as", "port", "auth", "ttl_security", NULL };
	const char *p = "routing.bgp";
	const json_t *peers;

	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	b->enabled = true;
	RD(cp_rd_uint(o, p, "local_as", 1, UINT32_MAX, true, &b->local_as, err));
	RD(cp_rd_ipv4(o, p, "router_id", false, &b->router_id, err));
	RD(cp_rd_u16(o, p, "hold_s", 0, 65535, false, &b->hold_s, err));
	if (b->hold_s == 1 || b->hold_s == 2)
		return cp_rd_fail(err, p, "hold_s", "must be 0 or at least 3 (RFC 4271 4.2)");
	RD(cp_rd_uint(o, p, "vip_med", 0, UINT32_MAX, false, &b->vip_med, err));
	RD(cp_rd_uint(o, p, "lip_med", 0, UINT32_MAX, false, &b->lip_med, err));
	RD(cp_rd_array(o, p, "peers", CP_BGP_MAX_PEERS, &peers, err));
	if (!peers || json_array_size(peers) == 0)
		return cp_rd_fail(err, p, "peers", "needs at least one peer");
	for (size_t i = 0; i < json_array_size(peers); i++) {
		const json_t *po = json_array_get(peers, i);
		struct cp_bgp_peer_conf *pc = &b->peers[i];
		char pp[64];

		cp_rd_index(pp, sizeof(pp), p, "peers", i);
		RD(cp_rd_object(po, pp, err));
		RD(cp_rd_keys(po, pp, pkeys, err));
		RD(cp_rd_ipv4(po, pp, "ip", true, &pc->ip, err));
		RD(cp_rd_uint(po, pp, "as", 1, UINT32_MAX, true, &pc->as, err));
		pc->port = 179;
		RD(cp_rd_u16(po, pp, "port", 1, 65535, false, &pc->port, err));
		RD(parse_bgp_auth(po, pp, pc, err));
		RD(cp_rd_bool(po, pp, "ttl_security", &pc->ttl_security, err));
		b->n_peers++;
	}
	return 0;
}

static int parse_routing(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "ospf", "bgp", NULL };
	const json_t *v;

	RD(cp_rd_object(o, "routing", err));
	RD(cp_rd_keys(o, "routing", keys, err));
	if ((v = json_object_get(o, "ospf")) && !json_is_null(v))
		RD(parse_ospf(v, &c->ospf, err));
	if ((v = json_object_get(o, "bgp")) && !json_is_null(v))
		RD(parse_bgp(v, &c->bgp, err));
	return 0;
}

static int parse_sync(const json_t *o, struct cp_sync_conf *y, struct cp_err *err)
{
	static const char *const keys[] = { "port", "udp_port", "key_file", "peers",
					    "heartbeat_ms", "dead_after_ms", "peer_quota_pct",
					    "bulk_timeout_ms", NULL };
	static const char *const pkeys[] = { "id", "ip", "localips", NULL };
	const char *p = "sync";
	const json_t *peers;

	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	RD(cp_rd_string(o, p, "port", true, y->port, sizeof(y->port), err));
	RD(cp_rd_u16(o, p, "udp_port", 1, 65535, false, &y->udp_port, err));
	RD(cp_rd_string(o, p, "key_file", false, y->key_file, sizeof(y->key_file), err));
	RD(cp_rd_uint(o, p, "heartbeat_ms", 10, 10000, false, &y->heartbeat_ms, err));
	RD(cp_rd_uint(o, p, "dead_after_ms", 30, 60000, false, &y->dead_after_ms, err));
	RD(cp_rd_uint(o, p, "peer_quota_pct", 0, 100, false, &y->peer_quota_pct, err));
	RD(cp_rd_uint(o, p, "bulk_timeout_ms", 100, 600000, false, &y->bulk_timeout_ms, err));
	if (y->dead_after_ms < 2 * y->heartbeat_ms)
		return cp_rd_fail(err, p, "dead_after_ms", "must be at least twice heartbeat_ms (%u)",
				  y->heartbeat_ms);
	RD(cp_rd_array(o, p, "peers", CP_SYNC_MAX_PEERS, &peers, err));
	for (size_t i = 0; peers && i < json_array_size(peers); i++) {
		const json_t *po = json_array_get(peers, i), *lips;
		struct cp_sync_peer_conf *pc = &y->peers[i];
		char pp[64];

		cp_rd_index(pp, sizeof(pp), p, "peers", i);
		RD(cp_rd_object(po, pp, err));
		RD(cp_rd_keys(po, pp, pkeys, err));
		RD(cp_rd_uint(po, pp, "id", 1, 255, true, &pc->id, err));
		RD(cp_rd_ipv4(po, pp, "ip", true, &pc->ip, err));
		RD(cp_rd_array(po, pp, "localips", CP_MAX_LIPS, &lips, err));
		for (size_t k = 0; lips && k < json_array_size(lips); k++) {
			const json_t *v = json_array_get(lips, k);
			char lp[96];

			uint8_t a6[16];
			uint32_t a4;
			bool v6;

			cp_rd_index(lp, sizeof(lp), pp, "localips", k);
			if (!json_is_string(v) || cp_parse_ip(json_string_value(v), &a4, a6, &v6) < 0)
				return cp_rd_fail(err, lp, NULL, "must be an IPv4 or IPv6 address");
			if (v6)
				memcpy(pc->lips6[pc->n_lips6++], a6, 16);
			else
				pc->lips[pc->n_lips++] = a4;
		}
		y->n_peers++;
	}
	y->enabled = y->n_peers > 0;
	return 0;
}

static int parse_limits(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "sessions_per_lcore", "services", "servers", "mbufs",
					    "evict_low_water_pct", "lport_min", "lport_max",
					    "lport_guards_per_lcore", NULL };

	RD(cp_rd_object(o, "limits", err));
	RD(cp_rd_keys(o, "limits", keys, err));
	RD(cp_rd_uint(o, "limits", "sessions_per_lcore", 1024, 1u << 30, false,
		      &c->sessions_per_lcore, err));
	RD(cp_rd_uint(o, "limits", "services", 1, 1u << 20, false, &c->max_services, err));
	RD(cp_rd_uint(o, "limits", "servers", 1, 1u << 22, false, &c->max_servers, err));
	RD(cp_rd_uint(o, "limits", "mbufs", 0, 1u << 26, false, &c->mbufs, err));
	RD(cp_rd_uint(o, "limits", "evict_low_water_pct", 0, 50, false, &c->evict_low_water_pct,
		      err));
	if (c->mbufs && c->mbufs < 4096)
		return cp_rd_fail(err, "limits", "mbufs", "must be 0 (automatic) or at least 4096");
	RD(cp_rd_uint(o, "limits", "lport_min", 1, 65535, false, &c->lport_min, err));
	RD(cp_rd_uint(o, "limits", "lport_max", 1, 65535, false, &c->lport_max, err));
	if (c->lport_min > c->lport_max)
		return cp_rd_fail(err, "limits", "lport_min", "must not be above lport_max");
	RD(cp_rd_uint(o, "limits", "lport_guards_per_lcore", 0, 1u << 30, false, &c->lport_guards,
		      err));
	return 0;
}

static int parse_selfcheck(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "interval_ms", "recover", "recover_after",
					    "mbuf_min_free_pct", "max_loss_pct", NULL };
	static const char *const rec[] = { "manual", "auto" };

	RD(cp_rd_object(o, "selfcheck", err));
	RD(cp_rd_keys(o, "selfcheck", keys, err));
	RD(cp_rd_uint(o, "selfcheck", "interval_ms", 50, 60000, false, &c->selfcheck_ms, err));
	RD(cp_rd_enum(o, "selfcheck", "recover", rec, 2, &c->recover, err));
	RD(cp_rd_uint(o, "selfcheck", "recover_after", 1, 1000, false, &c->recover_after, err));
	RD(cp_rd_uint(o, "selfcheck", "mbuf_min_free_pct", 0, 90, false, &c->mbuf_min_free_pct,
		      err));
	RD(cp_rd_uint(o, "selfcheck", "max_loss_pct", 0, 100, false, &c->max_loss_pct, err));
	return 0;
}

static int parse_exception_path(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "routing_pps", "health_pps", "other_pps", NULL };
	const char *p = "exception_path";

	RD(cp_rd_object(o, p, err));
	RD(cp_rd_keys(o, p, keys, err));
	for (int i = 0; i < 3; i++)
		RD(cp_rd_uint(o, p, keys[i], 0, 100000000, false, &c->punt_pps[i], err));
	return 0;
}

static int parse_debug(const json_t *o, struct cp_config *c, struct cp_err *err)
{
	static const char *const keys[] = { "fault_injection", NULL };

	RD(cp_rd_object(o, "debug", err));
	RD(cp_rd_keys(o, "debug", keys, err));
	RD(cp_rd_bool(o, "debug", "fault_injection", &c->fault_injection, err));
	return 0;
}

static int parse_all(const json_t *j, struct cp_config *c, struct cp_err *err)
{
	int rc;

	static const char *const keys[] = { "node", "api", "dpdk", "ports", "routes", "localips",
					    "timeouts", "services", "routing", "limits",
					    "selfcheck", "debug", "exception_path", "metrics", "sync", NULL };
	const json_t *v;

	RD(cp_rd_object(j, "", err));
	RD(cp_rd_keys(j, "", keys, err));
	if ((v = json_object_get(j, "node")))
		RD(parse_node(v, c, err));
	if ((v = json_object_get(j, "api")))
		RD(parse_api(v, c, err));
	if ((v = json_object_get(j, "dpdk")))
		RD(parse_dpdk(v, c, err));
	RD(cp_rd_array(j, "", "ports", CP_MAX_PORTS, &v, err));
	if (v)
		RD(parse_ports(v, c, err));
	RD(cp_rd_array(j, "", "routes", CP_MAX_ROUTES, &v, err));
	if (v)
		RD(parse_routes(v, c, err));
	RD(cp_rd_array(j, "", "localips", CP_MAX_LIPS, &v, err));
	if (v)
		RD(parse_lips(v, c, err));
	if ((v = json_object_get(j, "timeouts")))
		RD(parse_timeouts(v, c, err));
	RD(cp_rd_array(j, "", "services", 1u << 20, &v, err));
	if (v)
		RD(parse_services(v, c, err));
	if ((v = json_object_get(j, "routing")))
		RD(parse_routing(v, c, err));
	if ((v = json_object_get(j, "limits")))
		RD(parse_limits(v, c, err));
	if ((v = json_object_get(j, "sync")) && !json_is_null(v))
		RD(parse_sync(v, &c->sync, err));
	if ((v = json_object_get(j, "selfcheck")))
		RD(parse_selfcheck(v, c, err));
	if ((v = json_object_get(j, "debug")))
		RD(parse_debug(v, c, err));
	if ((v = json_object_get(j, "exception_path")))
		RD(parse_exception_path(v, c, err));
	if ((v = json_object_get(j, "metrics")))
		RD(parse_metrics(v, c, err));
	/* Router ids default to the first port's address. */
	if (!c->router_id && c->n_ports)
		c->router_id = c->ports[0].ip;
	if (c->ospf.enabled && !c->ospf.router_id)
		c->ospf.router_id = c->router_id;
	if (c->bgp.enabled && !c->bgp.router_id)
		c->bgp.router_id = c->router_id;
	rc = cp_config_validate(c, err);
	/* Validated in the order given (errors name the operator's indices),
	 * kept in address order from here on. */
	for (unsigned i = 0; rc == 0 && i < c->n_services; i++)
		cp_service_sort_servers(&c->services[i]);
	return rc;
}

int cp_config_from_json(const json_t *j, struct cp_config **out, struct cp_err *err)
{
	struct cp_config *c;
	int rc;

	rc = cp_config_new(&c);
	if (rc < 0)
		return rc;
	rc = parse_all(j, c, err);
	if (rc < 0) {
		cp_config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int cp_config_load(const char *path, struct cp_config **out, struct cp_err *err)
{
	json_error_t jerr;
	json_t *j;
	int rc;

	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err->field, sizeof(err->field), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = cp_config_from_json(j, out, err);
	json_decref(j);
	if (rc == 0) {
		rc = cp_config_check_keys(*out, err);
		if (rc < 0) {
			cp_config_free(*out);
			*out = NULL;
		}
	}
	return rc;
}
