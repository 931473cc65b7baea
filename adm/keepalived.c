/* adm/keepalived.c — --import-keepalived: keepalived.conf's LVS part as
 * mgw's config (see adm.h). Strict: what mgw would do differently is
 * refused with its file:line and keyword, so an import never changes
 * behaviour silently; what is not the load balancer's (mail alerts, the
 * router id) is named as a warning and left out.
 *
 * What maps where (docs/keepalived.md has the table for operators):
 *   virtual_server IP PORT | group NAME   one service per VIP:port, IPv4 or
 *                                         IPv6 (groups expanded, IPv4 ranges
 *                                         "10.0.0.1-9")
 *   lb_algo / lvs_sched                   scheduler (rr wrr lc wlc sh mh)
 *   lb_kind / lvs_method                  NAT nat, DR dr, TUN tunnel, FNAT fullnat
 *   persistence_timeout, _granularity     persistence_s, persistence_mask
 *   protocol                              proto
 *   sorry_server IP PORT                  sorry_server
 *   laddr_group_name + local_address_group  localips (DPVS's FNAT keepalived)
 *   real_server IP PORT { weight, uthreshold, lthreshold, inhibit_on_failure }
 *   TCP_CHECK / HTTP_GET / UDP_CHECK      health: tcp, http (one url: path,
 *                                         status_code, virtualhost), udp;
 *                                         delay_loop → interval_ms,
 *                                         connect_timeout → timeout_ms,
 *                                         retry / nb_get_retry → fall (retry + 1),
 *                                         connect_port → port
 *   global_defs { lvs_timeouts tcp T tcpfin F udp U }   timeouts
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "adm/adm.h"

/* The data path's clock bounds persistence (cp/config.h CP_PERSIST_MAX_S). */
#define KA_PERSIST_MAX_S (0x7fffffffu / 1000)
#define KA_MAX_RANGE     256

struct ka {
	FILE *diag;
	unsigned errors;
	const struct adm_ka_conf *conf;
	json_t *services;
	json_t *localips;       /* from the groups the FNAT services name */
	const char *lip_group;  /* the one group they share */
	const struct adm_ka_node *lip_group_node;
	json_t *timeouts;
};

static void refuse(struct ka *k, const struct adm_ka_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct ka *k, const struct adm_ka_node *n, const char *fmt, ...)
{
	va_list ap;

	fprintf(k->diag, "%s:%d: %s: ", n->file, n->line, n->kw);
	va_start(ap, fmt);
	vfprintf(k->diag, fmt, ap);
	va_end(ap);
	fputc('\n', k->diag);
	k->errors++;
}

static void warn(struct ka *k, const struct adm_ka_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct ka *k, const struct adm_ka_node *n, const char *fmt, ...)
{
	va_list ap;

	fprintf(k->diag, "%s:%d: %s: warning: ", n->file, n->line, n->kw);
	va_start(ap, fmt);
	vfprintf(k->diag, fmt, ap);
	va_end(ap);
	fputc('\n', k->diag);
}

static bool is(const struct adm_ka_node *n, const char *kw)
{
	return strcmp(n->kw, kw) == 0;
}

static bool nargs(struct ka *k, const struct adm_ka_node *n, size_t want)
{
	if (n->n_args == want)
		return true;
	refuse(k, n, "takes %zu value%s, not %zu", want, want == 1 ? "" : "s", n->n_args);
	return false;
}

/* An unsigned number in [min, max]. */
static bool number(struct ka *k, const struct adm_ka_node *n, size_t i, unsigned long min,
		   unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (i >= n->n_args) {
		refuse(k, n, "needs a value");
		return false;
	}
	v = strtoul(n->args[i], &end, 10);
	if (end == n->args[i] || *end || v < min || v > max || n->args[i][0] == '-') {
		refuse(k, n, "'%s' must be a number from %lu to %lu", n->args[i], min, max);
		return false;
	}
	*out = v;
	return true;
}

/* keepalived's timers may have fractions ("connect_timeout 1.5"). */
static bool seconds_ms(struct ka *k, const struct adm_ka_node *n, unsigned long min_ms,
		       unsigned long max_ms, unsigned long *out)
{
	char *end;
	double v;

	if (n->n_args != 1) {
		refuse(k, n, "takes one value in seconds");
		return false;
	}
	v = strtod(n->args[0], &end);
	if (end == n->args[0] || *end || v * 1000 < (double)min_ms || v * 1000 > (double)max_ms) {
		refuse(k, n, "'%s' must be seconds from %g to %g", n->args[0], min_ms / 1000.0,
		       max_ms / 1000.0);
		return false;
	}
	*out = (unsigned long)(v * 1000 + 0.5);
	return true;
}

/* The n-th address from first (an IPv4 range runs in its last byte). */
static json_t *nth_json(const struct adm_addr *first, unsigned n)
{
	struct adm_addr a = *first;

	a.b[3] = (uint8_t)(a.b[3] + n);
	return adm_addr_json(&a);
}

/* "10.0.0.1", keepalived's range "10.0.0.1-20" (the last byte runs), or
 * one IPv6 address (its ranges are not imported). */
static int ip_range(struct ka *k, const struct adm_ka_node *n, const char *s,
		    struct adm_addr *first, unsigned *count)
{
	char buf[64], *dash;
	unsigned long last;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (adm_addr_pton(buf, 0, first) < 0) {
		refuse(k, n, "'%s' is not an IPv4 or IPv6 address", s);
		return -1;
	}
	*count = 1;
	if (dash && first->af == AF_INET6) {
		refuse(k, n, "'%s': IPv6 ranges are not imported: give each address", s);
		return -1;
	}
	if (dash) {
		char *end;

		last = strtoul(dash + 1, &end, 10);
		if (*end || last > 255 || last < first->b[3]) {
			refuse(k, n, "'%s': a range ends at a last byte from %u to 255", s,
			       first->b[3]);
			return -1;
		}
		*count = (unsigned)(last - first->b[3] + 1);
	}
	return 0;
}

/* ---- checkers ------------------------------------------------------------ */

/* What one real_server's checker says, as mgw's "health". */
struct check {
	const struct adm_ka_node *node;   /* NULL: none */
	json_t *health;
};

static void check_common(struct ka *k, const struct adm_ka_node *c, json_t *h,
			 unsigned long *timeout_ms, unsigned long *retry, unsigned long *port,
			 unsigned long *interval_ms, const struct adm_ka_node *kid)
{
	unsigned long v;

	(void)c;
	(void)h;
	if (is(kid, "connect_timeout")) {
		if (seconds_ms(k, kid, 10, 3600000, &v))
			*timeout_ms = v;
	} else if (is(kid, "retry") || is(kid, "nb_get_retry")) {
		if (number(k, kid, 0, 0, 99, &v))
			*retry = v;
	} else if (is(kid, "connect_port")) {
		if (number(k, kid, 0, 1, 65535, &v))
			*port = v;
	} else if (is(kid, "delay_loop")) {
		if (seconds_ms(k, kid, 100, 3600000, &v))
			*interval_ms = v;
	} else if (is(kid, "delay_before_retry")) {
		warn(k, kid, "mgw retries at the check interval (delay_loop), not after "
		     "delay_before_retry");
	} else if (is(kid, "warmup")) {
		warn(k, kid, "mgw starts checking at once (no random warm-up)");
	} else if (is(kid, "connect_ip") || is(kid, "bindto") || is(kid, "bind_port") ||
		   is(kid, "bind_if") || is(kid, "fwmark")) {
		refuse(k, kid, "mgw checks a server from its own address at the server's IP: "
		       "no other target, source or mark");
	} else {
		refuse(k, kid, "not carried by mgw's health checks");
	}
}

static void check_read(struct ka *k, const struct adm_ka_node *c, uint16_t rport,
		       unsigned long vs_interval_ms, const char *vs_host, struct check *out)
{
	unsigned long timeout_ms = 5000, retry = 1, port = 0, interval_ms = vs_interval_ms;
	json_t *h = json_object();
	const char *type;

	if (is(c, "TCP_CHECK"))
		type = "tcp";
	else if (is(c, "HTTP_GET"))
		type = "http";
	else
		type = "udp";
	json_object_set_new(h, "type", json_string(type));
	if (vs_host && is(c, "HTTP_GET"))
		json_object_set_new(h, "host", json_string(vs_host));
	for (size_t i = 0; i < c->n_kids; i++) {
		const struct adm_ka_node *kid = &c->kids[i];

		if (is(c, "HTTP_GET") && is(kid, "url")) {
			if (json_object_get(h, "path")) {
				refuse(k, kid, "mgw checks one url per service");
				continue;
			}
			json_object_set_new(h, "path", json_string("/"));
			for (size_t u = 0; u < kid->n_kids; u++) {
				const struct adm_ka_node *uk = &kid->kids[u];
				unsigned long v;

				if (is(uk, "path") && nargs(k, uk, 1)) {
					json_object_set_new(h, "path", json_string(uk->args[0]));
				} else if (is(uk, "status_code") && nargs(k, uk, 1)) {
					if (strchr(uk->args[0], '-'))
						refuse(k, uk, "mgw expects one status, not a range (%s)",
						       uk->args[0]);
					else if (json_object_get(h, "status"))
						refuse(k, uk, "mgw expects one status per check");
					else if (number(k, uk, 0, 100, 599, &v))
						json_object_set_new(h, "status", json_integer((json_int_t)v));
				} else if (is(uk, "virtualhost") && nargs(k, uk, 1)) {
					json_object_set_new(h, "host", json_string(uk->args[0]));
				} else if (is(uk, "digest") || is(uk, "regex") || is(uk, "regex_no_match")) {
					refuse(k, uk, "mgw checks the status line, not the body");
				} else if (!is(uk, "path") && !is(uk, "status_code") && !is(uk, "virtualhost")) {
					refuse(k, uk, "not carried by mgw's HTTP check");
				}
			}
		} else if (is(c, "HTTP_GET") && is(kid, "virtualhost") && nargs(k, kid, 1)) {
			json_object_set_new(h, "host", json_string(kid->args[0]));
		} else if (is(c, "UDP_CHECK") && is(kid, "require_reply")) {
			json_object_set_new(h, "require_reply", json_true());
		} else if (is(c, "UDP_CHECK") && is(kid, "payload")) {
			refuse(k, kid, "keepalived's payload is hex; give mgw's health.payload as text "
			       "by hand");
		} else {
			check_common(k, c, h, &timeout_ms, &retry, &port, &interval_ms, kid);
		}
	}
	if (is(c, "HTTP_GET") && !json_object_get(h, "path"))
		refuse(k, c, "needs a url { path ... } for mgw's HTTP check");
	if (is(c, "HTTP_GET") && !json_object_get(h, "status")) {
		warn(k, c, "no status_code: keepalived takes any 2xx, mgw wants 200");
		json_object_set_new(h, "status", json_integer(200));
	}
	if (timeout_ms >= interval_ms)
		refuse(k, c, "connect_timeout (%lu ms) must be shorter than delay_loop (%lu ms) for "
		       "mgw", timeout_ms, interval_ms);
	json_object_set_new(h, "interval_ms", json_integer((json_int_t)interval_ms));
	json_object_set_new(h, "timeout_ms", json_integer((json_int_t)timeout_ms));
	json_object_set_new(h, "rise", json_integer(1));
	json_object_set_new(h, "fall", json_integer((json_int_t)retry + 1));
	/* connect_port that is the server's own port is mgw's default */
	json_object_set_new(h, "port", json_integer(port && port != rport ? (json_int_t)port : 0));
	out->node = c;
	out->health = h;
}

static bool is_checker(const struct adm_ka_node *n)
{
	static const char *const all[] = { "TCP_CHECK", "HTTP_GET", "UDP_CHECK", "SSL_GET",
					   "MISC_CHECK", "SMTP_CHECK", "DNS_CHECK", "BFD_CHECK",
					   "FILE_CHECK", "PING_CHECK", NULL };

	for (unsigned i = 0; all[i]; i++)
		if (is(n, all[i]))
			return true;
	return false;
}

/* ---- real servers ---------------------------------------------------------- */

static json_t *real_server(struct ka *k, const struct adm_ka_node *rs, unsigned long vs_interval,
			   const char *vs_host, struct check *chk)
{
	json_t *o = json_object();
	unsigned long v;
	struct adm_addr ip;

	chk->node = NULL;
	chk->health = NULL;
	if (rs->n_args < 1 || rs->n_args > 2 || adm_addr_pton(rs->args[0], 0, &ip) < 0) {
		refuse(k, rs, "takes an IPv4 or IPv6 address and a port");
		json_decref(o);
		return NULL;
	}
	v = 0;
	if (rs->n_args == 2 && !number(k, rs, 1, 1, 65535, &v)) {
		json_decref(o);
		return NULL;
	}
	if (rs->n_args == 1) {
		refuse(k, rs, "give the server's port (mgw needs it)");
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "ip", adm_addr_json(&ip));
	json_object_set_new(o, "port", json_integer((json_int_t)v));
	json_object_set_new(o, "weight", json_integer(1));
	for (size_t i = 0; i < rs->n_kids; i++) {
		const struct adm_ka_node *n = &rs->kids[i];
		unsigned long w;

		if (is(n, "weight")) {
			if (number(k, n, 0, 0, 65535, &w))
				json_object_set_new(o, "weight", json_integer((json_int_t)w));
		} else if (is(n, "uthreshold")) {
			if (number(k, n, 0, 0, 1u << 30, &w))
				json_object_set_new(o, "u_threshold", json_integer((json_int_t)w));
		} else if (is(n, "lthreshold")) {
			if (number(k, n, 0, 0, 1u << 30, &w))
				json_object_set_new(o, "l_threshold", json_integer((json_int_t)w));
		} else if (is(n, "inhibit_on_failure")) {
			/* a down server keeps its connections in mgw either way */
		} else if (is(n, "notify_up") || is(n, "notify_down")) {
			refuse(k, n, "mgw runs no scripts: watch GET /api/v1/services or the "
			       "mgw_server_health_up metric instead");
		} else if (is(n, "TCP_CHECK") || is(n, "HTTP_GET") || is(n, "UDP_CHECK")) {
			if (chk->node) {
				refuse(k, n, "mgw runs one check per server (a second at line %d)",
				       chk->node->line);
				continue;
			}
			check_read(k, n, (uint16_t)v, vs_interval, vs_host, chk);
		} else if (is_checker(n)) {
			refuse(k, n, "mgw has TCP, HTTP and UDP checks only (no %s)", n->kw);
		} else if (is(n, "lvs_method") || is(n, "lb_kind")) {
			refuse(k, n, "mgw forwards per service: give lb_kind in the virtual_server");
		} else {
			refuse(k, n, "not carried by mgw");
		}
	}
	return o;
}

/* ---- virtual servers ------------------------------------------------------- */

struct vip_port {
	struct adm_addr ip;
	uint16_t port;
};

/* The VIP:ports of a virtual_server_group (or NULL: none of that name). */
static const struct adm_ka_node *find_top(const struct ka *k, const char *kw, const char *name)
{
	for (size_t i = 0; i < k->conf->root.n_kids; i++) {
		const struct adm_ka_node *n = &k->conf->root.kids[i];

		if (is(n, kw) && n->n_args == 1 && strcmp(n->args[0], name) == 0)
			return n;
	}
	return NULL;
}

static int targets(struct ka *k, const struct adm_ka_node *vs, struct vip_port *t, unsigned cap,
		   unsigned *n)
{
	const struct adm_ka_node *g;
	unsigned long port;

	*n = 0;
	if (vs->n_args >= 1 && strcmp(vs->args[0], "fwmark") == 0) {
		refuse(k, vs, "firewall-mark services are not supported by mgw: give an address "
		       "and a port");
		return -1;
	}
	if (vs->n_args == 2 && strcmp(vs->args[0], "group") == 0) {
		g = find_top(k, "virtual_server_group", vs->args[1]);
		if (!g) {
			refuse(k, vs, "no virtual_server_group %s", vs->args[1]);
			return -1;
		}
		for (size_t i = 0; i < g->n_kids; i++) {
			const struct adm_ka_node *e = &g->kids[i];
			const char *argv[2] = { e->kw, e->n_args ? e->args[0] : NULL };
			struct adm_addr first;
			unsigned count;
			struct adm_ka_node tmp = *e;

			if (is(e, "fwmark")) {
				refuse(k, e, "firewall-mark services are not supported by mgw");
				continue;
			}
			/* an entry is "IP[-last] PORT": its keyword is the address */
			tmp.args = argv + 1;
			tmp.n_args = e->n_args;
			if (e->n_args != 1 || e->block) {
				refuse(k, e, "a group entry is an address (or a range) and a port");
				continue;
			}
			if (ip_range(k, e, argv[0], &first, &count) < 0 ||
			    !number(k, &tmp, 0, 1, 65535, &port))
				continue;
			for (unsigned a = 0; a < count && *n < cap; a++) {
				t[*n] = (struct vip_port){ first, (uint16_t)port };
				t[(*n)++].ip.b[3] = (uint8_t)(first.b[3] + a);
			}
		}
		return 0;
	}
	if (vs->n_args != 2) {
		refuse(k, vs, "takes an address and a port, or group NAME");
		return -1;
	}
	{
		struct adm_addr ip;

		/* keepalived writes "virtual_server fd00::10 80" */
		if (adm_addr_pton(vs->args[0], 0, &ip) < 0) {
			refuse(k, vs, "'%s' is not an IPv4 or IPv6 address", vs->args[0]);
			return -1;
		}
		if (!number(k, vs, 1, 1, 65535, &port))
			return -1;
		t[(*n)++] = (struct vip_port){ ip, (uint16_t)port };
	}
	return 0;
}

static void lip_group(struct ka *k, const struct adm_ka_node *n)
{
	const struct adm_ka_node *g;

	if (!nargs(k, n, 1))
		return;
	if (k->lip_group && strcmp(k->lip_group, n->args[0]) != 0) {
		refuse(k, n, "mgw's local IPs serve every FULLNAT service: these use both %s "
		       "(line %d) and %s", k->lip_group, k->lip_group_node->line, n->args[0]);
		return;
	}
	if (k->lip_group)
		return;
	g = find_top(k, "local_address_group", n->args[0]);
	if (!g) {
		refuse(k, n, "no local_address_group %s", n->args[0]);
		return;
	}
	k->lip_group = n->args[0];
	k->lip_group_node = n;
	for (size_t i = 0; i < g->n_kids; i++) {
		const struct adm_ka_node *e = &g->kids[i];
		struct adm_addr first;
		unsigned count;

		/* DPVS writes "IP[-last] [device]": mgw finds the port by subnet */
		if (e->n_args > 1 || e->block) {
			refuse(k, e, "an entry is an address or a range (and a device)");
			continue;
		}
		if (ip_range(k, e, e->kw, &first, &count) < 0)
			continue;
		if (first.af == AF_INET6) {
			refuse(k, e, "IPv6 local addresses are not imported (mgw's localips are "
			       "IPv4): add them by hand");
			continue;
		}
		for (unsigned a = 0; a < count; a++)
			json_array_append_new(k->localips, nth_json(&first, a));
	}
}

static const char *sched_of(struct ka *k, const struct adm_ka_node *n)
{
	static const char *const ok[] = { "rr", "wrr", "lc", "wlc", "sh", "mh", NULL };

	if (!nargs(k, n, 1))
		return NULL;
	for (unsigned i = 0; ok[i]; i++)
		if (strcmp(n->args[0], ok[i]) == 0)
			return ok[i];
	refuse(k, n, "mgw has no scheduler '%s' (it has rr wrr lc wlc sh mh)", n->args[0]);
	return NULL;
}

static const char *fwd_of(struct ka *k, const struct adm_ka_node *n)
{
	if (!nargs(k, n, 1))
		return NULL;
	if (strcmp(n->args[0], "NAT") == 0)
		return "nat";
	if (strcmp(n->args[0], "DR") == 0)
		return "dr";
	if (strcmp(n->args[0], "TUN") == 0)
		return "tunnel";
	if (strcmp(n->args[0], "FNAT") == 0)
		return "fullnat";
	refuse(k, n, "'%s': mgw forwards by NAT, DR, TUN or FNAT", n->args[0]);
	return NULL;
}

static void virtual_server(struct ka *k, const struct adm_ka_node *vs)
{
	struct vip_port t[KA_MAX_RANGE * 4];
	unsigned n_t = 0, errors0 = k->errors;
	unsigned long interval_ms = 60000, v;   /* keepalived's delay_loop default */
	const char *sched = "wlc", *fwd = "nat", *proto = "tcp", *host = NULL, *sorry_fwd = NULL;
	json_t *base = json_object(), *servers = json_array(), *health = NULL;
	const struct adm_ka_node *health_from = NULL, *sorry = NULL, *laddr = NULL;
	bool mh_port = false, any_unchecked = false, any6 = false;
	const struct adm_ka_node *unchecked = NULL;

	targets(k, vs, t, sizeof(t) / sizeof(t[0]), &n_t);
	for (unsigned i = 0; i < n_t; i++)
		any6 = any6 || t[i].ip.af == AF_INET6;
	/* the service's own settings first: delay_loop and virtualhost feed the checks */
	for (size_t i = 0; i < vs->n_kids; i++) {
		const struct adm_ka_node *n = &vs->kids[i];

		if (is(n, "delay_loop")) {
			seconds_ms(k, n, 100, 3600000, &interval_ms);
		} else if (is(n, "virtualhost")) {
			if (nargs(k, n, 1))
				host = n->args[0];
		} else if (is(n, "lb_algo") || is(n, "lvs_sched")) {
			const char *s = sched_of(k, n);

			if (s)
				sched = s;
		} else if (is(n, "lb_kind") || is(n, "lvs_method")) {
			const char *f = fwd_of(k, n);

			if (f)
				fwd = f;
		} else if (is(n, "protocol")) {
			if (!nargs(k, n, 1))
				continue;
			if (strcmp(n->args[0], "TCP") == 0)
				proto = "tcp";
			else if (strcmp(n->args[0], "UDP") == 0)
				proto = "udp";
			else
				refuse(k, n, "mgw balances TCP and UDP (not %s)", n->args[0]);
		} else if (is(n, "persistence_timeout")) {
			if (n->n_args == 0)
				v = 360;   /* keepalived's default when given bare */
			else if (!number(k, n, 0, 1, KA_PERSIST_MAX_S, &v))
				continue;
			json_object_set_new(base, "persistence_s", json_integer((json_int_t)v));
		} else if (is(n, "persistence_granularity")) {
			struct adm_addr m;

			/* an IPv6 service's is a prefix length; mgw has /128 only */
			if (!nargs(k, n, 1))
				continue;
			if (any6 && strcmp(n->args[0], "128") != 0)
				refuse(k, n, "'%s': mgw keeps an IPv6 service's clients persistent per "
				       "address (128) only", n->args[0]);
			else if (!any6 && adm_addr_pton(n->args[0], AF_INET, &m) < 0)
				refuse(k, n, "'%s' is not a netmask", n->args[0]);
			else if (!any6)
				json_object_set_new(base, "persistence_mask", json_string(n->args[0]));
		} else if (is(n, "sorry_server")) {
			struct adm_addr ip;

			if (n->n_args != 2 || adm_addr_pton(n->args[0], 0, &ip) < 0) {
				refuse(k, n, "takes an IPv4 or IPv6 address and a port");
				continue;
			}
			if (!number(k, n, 1, 1, 65535, &v))
				continue;
			sorry = n;
			json_object_set_new(base, "sorry_server", json_pack("{s:o, s:I}", "ip",
									     adm_addr_json(&ip), "port",
									     (json_int_t)v));
		} else if (is(n, "sorry_server_lvs_method")) {
			sorry_fwd = fwd_of(k, n);
		} else if (is(n, "laddr_group_name")) {
			laddr = n;
		} else if (is(n, "mh-port") || is(n, "sh-port")) {
			mh_port = true;
		} else if (is(n, "mh-fallback") || is(n, "sh-fallback")) {
			/* mgw's tables leave a down server out: it always falls back */
		} else if (is(n, "quorum") || is(n, "quorum_up") || is(n, "quorum_down") ||
			   is(n, "hysteresis")) {
			refuse(k, n, "mgw has no quorum: the routes follow the node's own state (and "
			       "a service without a usable server answers RST or goes to its "
			       "sorry_server)");
		} else if (is(n, "omega") || is(n, "sorry_server_inhibit")) {
			refuse(k, n, "mgw uses the sorry server only while no real server is usable");
		} else if (is(n, "alpha")) {
			warn(k, n, "mgw counts a server up until its checks fail (fall), not down "
			     "until the first success");
		} else if (is(n, "ha_suspend")) {
			warn(k, n, "mgw has no VRRP state: its checks always run");
		} else if (is(n, "ops")) {
			refuse(k, n, "one-packet scheduling is not supported by mgw");
		} else if (is(n, "real_server")) {
			/* below */
		} else {
			refuse(k, n, "not carried by mgw");
		}
	}
	if (sorry_fwd && strcmp(sorry_fwd, fwd) != 0)
		refuse(k, sorry, "mgw sends to the sorry server by the service's lb_kind (%s), not "
		       "%s", fwd, sorry_fwd);
	if (laddr && strcmp(fwd, "fullnat") != 0)
		warn(k, laddr, "local addresses matter to FNAT services only: not imported");
	else if (laddr)
		lip_group(k, laddr);
	for (size_t i = 0; i < vs->n_kids; i++) {
		const struct adm_ka_node *n = &vs->kids[i];
		struct check c;
		json_t *r;

		if (!is(n, "real_server"))
			continue;
		r = real_server(k, n, interval_ms, host, &c);
		if (!r)
			continue;
		json_array_append_new(servers, r);
		if (!c.node) {
			any_unchecked = true;
			if (!unchecked)
				unchecked = n;
		} else if (!health) {
			health = c.health;
			health_from = c.node;
			continue;
		} else if (!json_equal(health, c.health)) {
			refuse(k, c.node, "differs from the check at %s:%d: mgw checks every server "
			       "of a service alike", health_from->file, health_from->line);
		}
		json_decref(c.health);
	}
	if (health && any_unchecked)
		refuse(k, unchecked, "has no check while others of its service do (line %d): mgw "
		       "checks every server of a service or none", health_from->line);
	if (mh_port && strcmp(sched, "mh") != 0 && strcmp(sched, "sh") != 0)
		refuse(k, vs, "mh-port/sh-port need lb_algo mh or sh");
	if (k->errors != errors0)
		goto out;
	for (unsigned i = 0; i < n_t; i++) {
		json_t *s = json_pack("{s:s, s:o, s:I, s:s, s:s}", "proto", proto, "vip",
				      adm_addr_json(&t[i].ip),
				      "port", (json_int_t)t[i].port, "scheduler", sched,
				      "forward", fwd);

		json_object_update(s, base);
		if (mh_port)
			json_object_set_new(s, "mh_port", json_true());
		json_object_set_new(s, "health", health ? json_deep_copy(health)
							: json_pack("{s:s}", "type", "none"));
		json_object_set_new(s, "servers", json_deep_copy(servers));
		json_array_append_new(k->services, s);
	}
out:
	json_decref(health);
	json_decref(servers);
	json_decref(base);
}

/* ---- the top level ---------------------------------------------------------- */

static void global_defs(struct ka *k, const struct adm_ka_node *g)
{
	for (size_t i = 0; i < g->n_kids; i++) {
		const struct adm_ka_node *n = &g->kids[i];

		if (is(n, "lvs_timeouts")) {
			static const char *const keys[][2] = { { "tcp", "tcp_established_s" },
							       { "tcpfin", "tcp_fin_s" },
							       { "udp", "udp_s" } };

			if (n->n_args % 2) {
				refuse(k, n, "takes pairs: tcp N tcpfin N udp N");
				continue;
			}
			for (size_t a = 0; a + 1 < n->n_args; a += 2) {
				unsigned j;
				unsigned long v;

				for (j = 0; j < 3; j++)
					if (strcmp(n->args[a], keys[j][0]) == 0)
						break;
				if (j == 3) {
					refuse(k, n, "'%s': mgw sets tcp, tcpfin and udp", n->args[a]);
					continue;
				}
				if (number(k, n, a + 1, 1, 7 * 86400, &v))
					json_object_set_new(k->timeouts, keys[j][1], json_integer((json_int_t)v));
			}
		} else if (is(n, "lvs_sync_daemon")) {
			refuse(k, n, "mgw syncs sessions with its own protocol: set up its sync "
			       "section by hand");
		} else {
			warn(k, n, "not imported (keepalived's own setting, not the load balancer's)");
		}
	}
}

int adm_ka_import(const struct adm_ka_conf *conf, json_t **out, FILE *diag)
{
	struct ka k = { .diag = diag, .conf = conf, .services = json_array(),
			.localips = json_array(), .timeouts = json_object() };
	json_t *o;

	*out = NULL;
	for (size_t i = 0; i < conf->root.n_kids; i++) {
		const struct adm_ka_node *n = &conf->root.kids[i];

		if (is(n, "global_defs")) {
			global_defs(&k, n);
		} else if (is(n, "virtual_server")) {
			virtual_server(&k, n);
		} else if (is(n, "virtual_server_group") || is(n, "local_address_group")) {
			if (n->n_args != 1 || !n->block)
				refuse(&k, n, "takes a name and a block");
		} else if (is(n, "vrrp_instance") || is(n, "vrrp_sync_group") ||
			   is(n, "vrrp_script") || is(n, "vrrp_track_process") ||
			   is(n, "track_file") || is(n, "garp_group")) {
			refuse(&k, n, "mgw has no VRRP: every node announces the VIPs to its routers "
			       "(routing.ospf or routing.bgp), see the README's Clusters");
		} else if (is(n, "static_ipaddress") || is(n, "static_routes") ||
			   is(n, "static_rules")) {
			refuse(&k, n, "mgw's own addresses and routes are its ports' ip and its routes "
			       "section: set them by hand");
		} else if (is(n, "real_server")) {
			refuse(&k, n, "outside a virtual_server");
		} else {
			refuse(&k, n, "not carried by mgw");
		}
	}
	if (k.errors) {
		fprintf(diag, "%u thing%s mgw cannot carry exactly: nothing imported\n", k.errors,
			k.errors == 1 ? "" : "s");
		json_decref(k.services);
		json_decref(k.localips);
		json_decref(k.timeouts);
		return -EINVAL;
	}
	o = json_object();
	if (json_array_size(k.localips))
		json_object_set_new(o, "localips", k.localips);
	else
		json_decref(k.localips);
	if (json_object_size(k.timeouts))
		json_object_set_new(o, "timeouts", k.timeouts);
	else
		json_decref(k.timeouts);
	json_object_set_new(o, "services", k.services);
	*out = o;
	return 0;
}
