/* cp/config.c — the config model: defaults, copies, lookups, address text
 * (see config.h). Parsing is in config_parse.c, cross-field checks in
 * config_check.c, the JSON output in config_json.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/config.h"
#include "dp/addr6.h"

const char *const cp_sched_names[] = { "rr", "wrr", "lc", "wlc", "sh", "mh", NULL };
const char *const cp_fwd_names[] = { "fullnat", "nat", "dr", "tunnel", NULL };
const char *const cp_caddr_names[] = { "none", "proxy_v1", "proxy_v2", "toa", NULL };
const char *const cp_proxy_send_names[] = { "first_data", "on_connect", NULL };
const char *const cp_health_names[] = { "none", "tcp", "udp", "http", NULL };
const char *const cp_ospf_auth_names[] = { "none", "md5", "hmac-sha1", "hmac-sha256",
					   "hmac-sha384", "hmac-sha512", NULL };
const uint8_t cp_ospf_auth_key_max[] = { 0, 16, 20, 32, 48, 64 };
const char *const cp_bgp_auth_names[] = { "none", "tcp-md5", NULL };

int cp_config_new(struct cp_config **out)
{
	struct cp_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->node_id = 1;
	c->drain_s = 2;
	c->api_addr = 0x7f000001;
	c->api_port = 8080;
	c->api_max_body = 8u << 20;
	c->api_max_buffered = 64u << 20;
	c->api_conns_per_client = 16;
	c->api_request_timeout_s = 10;
	snprintf(c->lcores, sizeof(c->lcores), "0-1");
	c->idle_sleep_us = 100;
	c->tap_poll_us = 50;
	c->to_tcp_est = 900;
	c->to_tcp_syn = 30;
	c->to_tcp_fin = 60;
	c->to_tcp_time_wait = 10;
	c->to_tcp_close = 3;
	c->to_udp = 300;
	c->lport_guard_s = 60;
	c->ospf.area = 0;
	c->ospf.vip_cost = 10;
	c->ospf.lip_cost = 10;
	c->bgp.hold_s = 9;
	c->sync.udp_port = 8848;
	c->sync.heartbeat_ms = 100;
	c->sync.dead_after_ms = 500;
	c->sync.bulk_timeout_ms = 10000;
	snprintf(c->sync.key_file, sizeof(c->sync.key_file), "/etc/mgw/sync.key");
	c->sessions_per_lcore = 1000000;
	c->max_services = 4096;
	c->max_servers = 65536;
	c->lport_min = 1024;
	c->lport_max = 65535;
	c->selfcheck_ms = 500;
	c->recover = CP_RECOVER_MANUAL;
	c->recover_after = 3;
	c->mbuf_min_free_pct = 5;
	c->max_loss_pct = 50;
	c->evict_low_water_pct = 5;
	/* exception-path policing per class: routing, health, other (dp/punt.h) */
	c->punt_pps[0] = 20000;
	c->punt_pps[1] = 20000;
	c->punt_pps[2] = 5000;
	*out = c;
	return 0;
}

void cp_service_free(struct cp_service_conf *s)
{
	free(s->servers);
	s->servers = NULL;
	s->n_servers = 0;
	free(s->allow);
	free(s->deny);
	s->allow = s->deny = NULL;
	s->n_allow = s->n_deny = 0;
}

void cp_service_set_rs_family(struct cp_service_conf *s, bool sorry_v6)
{
	if (s->n_servers)
		s->rs_v6 = s->servers[0].v6;
	else
		s->rs_v6 = s->has_sorry ? sorry_v6 : s->v6;
}

static int copy_prefixes(const struct cp_prefix *src, unsigned n, struct cp_prefix **dst)
{
	*dst = NULL;
	if (!n)
		return 0;
	*dst = malloc(n * sizeof(**dst));
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

void cp_config_free(struct cp_config *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n_args; i++)
		free(c->args[i]);
	free(c->args);
	free(c->routes);
	for (unsigned i = 0; i < c->n_services; i++)
		cp_service_free(&c->services[i]);
	free(c->services);
	free(c);
}

int cp_service_copy(const struct cp_service_conf *src, struct cp_service_conf *dst)
{
	*dst = *src;
	dst->servers = NULL;
	dst->allow = dst->deny = NULL;
	if (copy_prefixes(src->allow, src->n_allow, &dst->allow) < 0 ||
	    copy_prefixes(src->deny, src->n_deny, &dst->deny) < 0) {
		free(dst->allow);
		dst->allow = NULL;
		return -ENOMEM;
	}
	if (src->n_servers) {
		dst->servers = malloc(src->n_servers * sizeof(*src->servers));
		if (!dst->servers)
			return -ENOMEM;
		memcpy(dst->servers, src->servers, src->n_servers * sizeof(*src->servers));
	}
	return 0;
}

int cp_config_copy(const struct cp_config *src, struct cp_config **out)
{
	struct cp_config *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = *src;
	c->args = NULL;
	c->routes = NULL;
	c->services = NULL;
	c->n_args = c->n_routes = c->n_services = 0;
	if (src->n_args) {
		c->args = calloc(src->n_args, sizeof(char *));
		if (!c->args)
			goto err;
		for (; c->n_args < src->n_args; c->n_args++)
			if (!(c->args[c->n_args] = strdup(src->args[c->n_args])))
				goto err;
	}
	if (src->n_routes) {
		c->routes = malloc(src->n_routes * sizeof(*c->routes));
		if (!c->routes)
			goto err;
		memcpy(c->routes, src->routes, src->n_routes * sizeof(*c->routes));
		c->n_routes = src->n_routes;
	}
	if (src->n_services) {
		c->services = calloc(src->n_services, sizeof(*c->services));
		if (!c->services)
			goto err;
		for (; c->n_services < src->n_services; c->n_services++)
			if (cp_service_copy(&src->services[c->n_services],
					    &c->services[c->n_services]) < 0)
				goto err;
	}
	*out = c;
	return 0;
err:
	cp_config_free(c);
	return -ENOMEM;
}

/* One order for both families: (family, address, port). */
static int ip_port_cmp(const struct cp_ip *a, uint16_t pa, const struct cp_ip *b, uint16_t pb)
{
	int d;

	if (a->v6 != b->v6)
		return a->v6 ? 1 : -1;
	if (a->v6)
		d = memcmp(a->v6a, b->v6a, 16);
	else
		d = a->v4 < b->v4 ? -1 : a->v4 > b->v4;
	return d ? d : (pa > pb) - (pa < pb);
}

int cp_server_cmp(const struct cp_server_conf *a, const struct cp_server_conf *b)
{
	struct cp_ip x = cp_server_ip(a), y = cp_server_ip(b);

	return ip_port_cmp(&x, a->port, &y, b->port);
}

static int cmp_rs(const void *a, const void *b)
{
	return cp_server_cmp(a, b);
}

bool cp_service_sorted(const struct cp_service_conf *s)
{
	for (unsigned i = 1; i < s->n_servers; i++)
		if (cp_server_cmp(&s->servers[i - 1], &s->servers[i]) >= 0)
			return false;
	return true;
}

void cp_service_sort_servers(struct cp_service_conf *s)
{
	if (!cp_service_sorted(s))
		qsort(s->servers, s->n_servers, sizeof(s->servers[0]), cmp_rs);
}

unsigned cp_service_server_pos_ip(const struct cp_service_conf *s, const struct cp_ip *ip,
				  uint16_t port)
{
	unsigned lo = 0, hi = s->n_servers;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct cp_ip m = cp_server_ip(&s->servers[mid]);

		if (ip_port_cmp(&m, s->servers[mid].port, ip, port) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

unsigned cp_service_server_pos(const struct cp_service_conf *s, uint32_t ip, uint16_t port)
{
	struct cp_ip a = cp_ip4(ip);

	return cp_service_server_pos_ip(s, &a, port);
}

int cp_config_find_service_ip(const struct cp_config *c, uint8_t proto, const struct cp_ip *vip,
			      uint16_t port)
{
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *s = &c->services[i];
		struct cp_ip v = cp_service_vip(s);

		if (s->proto == proto && s->port == port && cp_ip_eq(&v, vip))
			return (int)i;
	}
	return -ENOENT;
}

int cp_config_find_service(const struct cp_config *c, uint8_t proto, uint32_t vip, uint16_t port)
{
	struct cp_ip v = cp_ip4(vip);

	return cp_config_find_service_ip(c, proto, &v, port);
}

int cp_service_find_server_ip(const struct cp_service_conf *s, const struct cp_ip *ip,
			      uint16_t port)
{
	/* The lists cp keeps are sorted (cp_service_sort_servers). */
	unsigned i = cp_service_server_pos_ip(s, ip, port);
	struct cp_ip r;

	if (i >= s->n_servers)
		return -ENOENT;
	r = cp_server_ip(&s->servers[i]);
	return cp_ip_eq(&r, ip) && s->servers[i].port == port ? (int)i : -ENOENT;
}

int cp_service_find_server(const struct cp_service_conf *s, uint32_t ip, uint16_t port)
{
	struct cp_ip a = cp_ip4(ip);

	return cp_service_find_server_ip(s, &a, port);
}

static bool in_prefix4(uint32_t a, uint32_t prefix, unsigned plen)
{
	return plen == 0 || ((a ^ prefix) >> (32 - plen)) == 0;
}

int cp_config_port_of(const struct cp_config *c, const struct cp_ip *a)
{
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct cp_port_conf *p = &c->ports[i];

		if (a->v6 ? p->plen6 && dp_ip6_in_prefix(a->v6a, p->ip6, p->plen6)
			  : in_prefix4(a->v4, p->ip, p->plen))
			return (int)i;
	}
	return -1;
}

int cp_config_route_to(const struct cp_config *c, const struct cp_ip *a, struct cp_ip *nh)
{
	int port = cp_config_port_of(c, a), best_len = -1;

	if (port >= 0) {
		*nh = *a;
		return port;
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct cp_route_conf *r = &c->routes[i];
		struct cp_ip via = cp_route_via(r);
		int p;

		if (r->v6 != a->v6 || (int)r->plen <= best_len ||
		    !(a->v6 ? dp_ip6_in_prefix(a->v6a, r->prefix6, r->plen)
			    : in_prefix4(a->v4, r->prefix, r->plen)) ||
		    (p = cp_config_port_of(c, &via)) < 0)
			continue;
		port = p;
		best_len = r->plen;
		*nh = via;
	}
	return port;
}

int cp_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	/* inet_pton accepts only the dotted quad: no "10.1", no octal. */
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

int cp_parse_ipv6(const char *s, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = 0;
		s = buf;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
}

int cp_parse_ip(const char *s, uint32_t *v4, uint8_t v6[16], bool *is_v6)
{
	uint8_t a6[16];
	uint32_t a4;

	if (cp_parse_ipv4(s, &a4) == 0) {
		*v4 = a4;
		*is_v6 = false;
		return 0;
	}
	if (cp_parse_ipv6(s, a6) < 0)
		return -EINVAL;
	memcpy(v6, a6, 16);
	*v4 = 0;
	*is_v6 = true;
	return 0;
}

int cp_parse_ip_any(const char *s, struct cp_ip *out)
{
	struct cp_ip ip = { 0 };

	if (cp_parse_ip(s, &ip.v4, ip.v6a, &ip.v6) < 0)
		return -EINVAL;
	*out = ip;
	return 0;
}

const char *cp_ipv6_str(const uint8_t a[16], char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

const char *cp_ip_str(const struct cp_ip *ip, char buf[INET6_ADDRSTRLEN])
{
	return ip->v6 ? cp_ipv6_str(ip->v6a, buf) : cp_ipv4_str(ip->v4, buf);
}

/* "addr/len" of either family: the address part into buf (INET6_ADDRSTRLEN
 * bytes), the length (0..max, decimal digits only) into *plen. */
static int split_prefix(const char *s, char *buf, long max, uint8_t *plen)
{
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (!slash || (size_t)(slash - s) >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > max)
		return -EINVAL;
	*plen = (uint8_t)len;
	return 0;
}

int cp_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN];

	if (split_prefix(s, buf, 32, plen) < 0 || cp_parse_ipv4(buf, addr) < 0)
		return -EINVAL;
	return 0;
}

int cp_parse_prefix6(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN];

	if (split_prefix(s, buf, 128, plen) < 0 || inet_pton(AF_INET6, buf, addr) != 1)
		return -EINVAL;
	return 0;
}

/* "addr:port": the address part (an IPv6 one in brackets) and the port. */
static int split_addr_port(const char *s, char *buf, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (!colon || (size_t)(colon - s) >= cap)
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = 0;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int cp_parse_addr_port(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	uint32_t a;
	uint16_t p;

	if (split_addr_port(s, buf, sizeof(buf), &p) < 0 || cp_parse_ipv4(buf, &a) < 0)
		return -EINVAL;
	*ip = a;
	*port = p;
	return 0;
}

int cp_parse_ip_port(const char *s, struct cp_ip *ip, uint16_t *port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct cp_ip a = { 0 };
	uint16_t p;

	if (split_addr_port(s, buf, sizeof(buf), &p) < 0)
		return -EINVAL;
	/* an IPv6 address needs its brackets here: "fd00::1:80" is an address */
	a.v6 = buf[0] == '[';
	if (a.v6 ? cp_parse_ipv6(buf, a.v6a) < 0 : cp_parse_ipv4(buf, &a.v4) < 0)
		return -EINVAL;
	*ip = a;
	*port = p;
	return 0;
}

const char *cp_ipv4_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}

int cp_parse_proto(const char *s, uint8_t *out)
{
	if (strcmp(s, "tcp") == 0)
		*out = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*out = IPPROTO_UDP;
	else
		return -EINVAL;
	return 0;
}

const char *cp_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}
