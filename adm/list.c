/* adm/list.c — -L / -l output with ipvsadm's header lines, column layout
 * and widths (ipvsadm 1.31), from the JSON of GET /services, GET /stats and
 * GET /sessions. Addresses and ports are always numbers. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

/* ipvsadm's InBPS/OutBPS are bytes per second; the API's bps_* are bits. */
#define BYTES(bits) ((bits) / 8)

/* A JSON number as a counter: absent, negative or not a number is 0. */
static unsigned long long num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (unsigned long long)json_integer_value(v) : 0;
	if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 1.8e19)
		return (unsigned long long)floor(json_real_value(v));
	return 0;
}

void adm_print_largenum(FILE *f, unsigned long long v, unsigned fmt)
{
	if (fmt & ADM_FMT_EXACT) {
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%llu", v);

		fprintf(f, "%*llu", len <= 8 ? 9 : len + 1, v);
	} else if (v < 100000000ULL) {
		fprintf(f, "%9llu", v);
	} else if (v < 1000000000ULL) {
		fprintf(f, "%8lluK", v / 1000);
	} else if (v < 100000000000ULL) {
		fprintf(f, "%8lluM", v / 1000000);
	} else if (v < 100000000000000ULL) {
		fprintf(f, "%8lluG", v / 1000000000ULL);
	} else {
		fprintf(f, "%8lluT", v / 1000000000000ULL);
	}
}

static void print_title(FILE *f, unsigned fmt)
{
	if (fmt & ADM_FMT_STATS)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
			"OutBytes");
	else if (fmt & ADM_FMT_RATE)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	else if (fmt & ADM_FMT_THRESH)
		fprintf(f, "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
			"InActConn");
	else
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n", f);
}

struct entry {
	const json_t *o;
	uint32_t ip;
	uint16_t port;
	uint8_t proto;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

static int ip_of(const json_t *v, uint32_t *ip)
{
	struct in_addr in;
	const char *s = json_string_value(v);

	if (!s || inet_pton(AF_INET, s, &in) != 1)
		return -EBADMSG;
	*ip = ntohl(in.s_addr);
	return 0;
}

static const char *ipstr(uint32_t ip, char *buf)
{
	struct in_addr in = { .s_addr = htonl(ip) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* The services, keyed and sorted as ipvsadm sorts them (protocol number,
 * address, port) unless fmt says --nosort. *out is malloc'ed. */
static int svc_entries(const json_t *services, unsigned fmt, struct entry **out, size_t *n)
{
	struct entry *e;
	size_t i;
	json_t *s;

	if (!json_is_array(services))
		return -EBADMSG;
	e = calloc(json_array_size(services) + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	json_array_foreach(services, i, s) {
		e[i].o = s;
		if (adm_svc_key(s, &e[i].proto, &e[i].ip, &e[i].port) < 0) {
			free(e);
			return -EBADMSG;
		}
	}
	if (!(fmt & ADM_FMT_NOSORT))
		qsort(e, json_array_size(services), sizeof(*e), cmp_entry);
	*out = e;
	*n = json_array_size(services);
	return 0;
}

/* A service's servers, sorted by address and port. */
static int rs_entries(const json_t *svc, uint16_t svc_port, unsigned fmt, struct entry **out,
		      size_t *n)
{
	const json_t *servers = json_object_get(svc, "servers"), *r;
	struct entry *e;
	size_t i;

	if (servers && !json_is_array(servers))
		return -EBADMSG;
	e = calloc(json_array_size(servers) + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	json_array_foreach(servers, i, r) {
		const json_t *pt = json_object_get(r, "port");

		e[i].o = r;
		e[i].port = pt ? (uint16_t)json_integer_value(pt) : svc_port;
		if (ip_of(json_object_get(r, "ip"), &e[i].ip) < 0 ||
		    (pt && (!json_is_integer(pt) || json_integer_value(pt) < 0 ||
			    json_integer_value(pt) > 65535))) {
			free(e);
			return -EBADMSG;
		}
	}
	if (!(fmt & ADM_FMT_NOSORT))
		qsort(e, json_array_size(servers), sizeof(*e), cmp_entry);
	*out = e;
	*n = json_array_size(servers);
	return 0;
}

/* The "rate" object of a service or server in GET /stats, or NULL. */
static const json_t *svc_stats(const json_t *stats, const struct entry *s)
{
	const json_t *services = json_object_get(stats, "services"), *o;
	size_t i;

	json_array_foreach(services, i, o) {
		uint8_t p;
		uint32_t v;
		uint16_t pt;

		if (adm_svc_key(o, &p, &v, &pt) == 0 && p == s->proto && v == s->ip &&
		    pt == s->port)
			return o;
	}
	return NULL;
}

static const json_t *rs_rate(const json_t *st_svc, const struct entry *r)
{
	const json_t *servers = json_object_get(st_svc, "servers"), *o;
	size_t i;

	json_array_foreach(servers, i, o) {
		uint32_t ip;

		if (ip_of(json_object_get(o, "ip"), &ip) == 0 && ip == r->ip &&
		    num(o, "port") == r->port)
			return json_object_get(o, "rate");
	}
	return NULL;
}

static void print_svc_line(FILE *f, const struct entry *s, const json_t *st_svc, unsigned fmt)
{
	char name[64], ip[INET_ADDRSTRLEN];
	const json_t *o = s->o;

	/* ipvsadm cuts the name at 33 characters (never reached by IPv4). */
	snprintf(name, 34, "%-4s %s:%u", s->proto == IPPROTO_UDP ? "UDP" : "TCP",
		 ipstr(s->ip, ip), s->port);
	if (fmt & ADM_FMT_STATS) {
		fprintf(f, "%-33s", name);
		adm_print_largenum(f, num(o, "conns"), fmt);
		adm_print_largenum(f, num(o, "pkts_in"), fmt);
		adm_print_largenum(f, num(o, "pkts_out"), fmt);
		adm_print_largenum(f, num(o, "bytes_in"), fmt);
		adm_print_largenum(f, num(o, "bytes_out"), fmt);
	} else if (fmt & ADM_FMT_RATE) {
		const json_t *rate = json_object_get(st_svc, "rate");

		fprintf(f, "%-33s", name);
		adm_print_largenum(f, num(rate, "cps"), fmt);
		adm_print_largenum(f, num(rate, "pps_in"), fmt);
		adm_print_largenum(f, num(rate, "pps_out"), fmt);
		adm_print_largenum(f, BYTES(num(rate, "bps_in")), fmt);
		adm_print_largenum(f, BYTES(num(rate, "bps_out")), fmt);
	} else {
		const char *sched = json_string_value(json_object_get(o, "scheduler"));
		unsigned long long persist = num(o, "persistence_s");

		fprintf(f, "%s %s", name, sched ? sched : "wlc");
		if (sched && strcmp(sched, "mh") == 0 && json_is_true(json_object_get(o, "mh_port")))
			fputs(" (mh-port)", f);
		adm_print_xflags(f, o, false);
		if (persist) {
			const char *mask = json_string_value(json_object_get(o, "persistence_mask"));

			fprintf(f, " persistent %llu", persist);
			if (mask && strcmp(mask, "255.255.255.255") != 0)
				fprintf(f, " mask %s", mask);
		}
	}
	fputc('\n', f);
}

static void print_rs_line(FILE *f, const struct entry *r, enum adm_fwd fwd, const json_t *rate,
			  unsigned fmt)
{
	char name[64], ip[INET_ADDRSTRLEN];
	const json_t *o = r->o;

	snprintf(name, 29, "%s:%u", ipstr(r->ip, ip), r->port);
	if (fmt & ADM_FMT_STATS) {
		fprintf(f, "  -> %-28s", name);
		adm_print_largenum(f, num(o, "conns"), fmt);
		adm_print_largenum(f, num(o, "pkts_in"), fmt);
		adm_print_largenum(f, num(o, "pkts_out"), fmt);
		adm_print_largenum(f, num(o, "bytes_in"), fmt);
		adm_print_largenum(f, num(o, "bytes_out"), fmt);
		fputc('\n', f);
	} else if (fmt & ADM_FMT_RATE) {
		fprintf(f, "  -> %-28s %8llu %8llu %8llu", name, num(rate, "cps"),
			num(rate, "pps_in"), num(rate, "pps_out"));
		adm_print_largenum(f, BYTES(num(rate, "bps_in")), fmt);
		adm_print_largenum(f, BYTES(num(rate, "bps_out")), fmt);
		fputc('\n', f);
	} else if (fmt & ADM_FMT_THRESH) {
		fprintf(f, "  -> %-28s %-10llu %-10llu %-10llu %-10llu\n", name,
			num(o, "u_threshold"), num(o, "l_threshold"), num(o, "active_conns"),
			num(o, "inactive_conns"));
	} else {
		fprintf(f, "  -> %-28s %-7s %-6llu %-10llu %-10llu\n", name, adm_fwd_list_name(fwd),
			num(o, "weight"), num(o, "active_conns"), num(o, "inactive_conns"));
	}
}

int adm_list_render(FILE *f, const json_t *services, const json_t *stats, unsigned fmt)
{
	struct entry *svcs = NULL;
	size_t n = 0;
	int rc;

	rc = svc_entries(services, fmt, &svcs, &n);
	if (rc < 0)
		return rc;
	if (!(fmt & ADM_FMT_ONE))
		fprintf(f, "%s\n", ADM_LIST_VERSION_LINE);
	print_title(f, fmt);
	for (size_t i = 0; i < n; i++) {
		const json_t *fw = json_object_get(svcs[i].o, "forward");
		enum adm_fwd fwd = fw ? adm_fwd_from_api(json_string_value(fw)) : ADM_FWD_FULLNAT;
		const json_t *st = svc_stats(stats, &svcs[i]);
		struct entry *rs = NULL;
		size_t nr = 0;

		rc = rs_entries(svcs[i].o, svcs[i].port, fmt, &rs, &nr);
		if (rc < 0)
			break;
		print_svc_line(f, &svcs[i], st, fmt);
		for (size_t k = 0; k < nr; k++)
			print_rs_line(f, &rs[k], fwd, rs_rate(st, &rs[k]), fmt);
		free(rs);
	}
	free(svcs);
	return rc;
}

int adm_conn_render(FILE *f, const json_t *sessions, unsigned fmt)
{
	const json_t *list = json_object_get(sessions, "sessions"), *s;
	size_t i;

	(void)fmt;
	if (!json_is_array(list))
		return -EBADMSG;
	fputs("IPVS connection entries\n", f);
	fprintf(f, "pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
		"destination");
	json_array_foreach(list, i, s) {
		const char *proto = json_string_value(json_object_get(s, "proto"));
		const char *state = json_string_value(json_object_get(s, "state"));
		const char *cl = json_string_value(json_object_get(s, "client"));
		const char *vip = json_string_value(json_object_get(s, "vip"));
		const char *rs = json_string_value(json_object_get(s, "server"));
		unsigned long long exp = num(s, "expires_ms") / 1000;
		char expire[32], pr[8];

		if (!proto || !cl || !vip || !rs)
			return -EBADMSG;
		snprintf(pr, sizeof(pr), "%s", proto);
		for (char *c = pr; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
		snprintf(expire, sizeof(expire), "%02llu:%02llu", exp / 60, exp % 60);
		fprintf(f, "%-3s %-6s %-11s %-18s %-18s %s", pr, expire, state ? state : "NONE",
			cl, vip, rs);
		/* A peer's session (sync): ipvsadm has no column for it; the
		 * lines of this node's own stay as ipvsadm prints them. */
		if (json_is_true(json_object_get(s, "foreign")))
			fprintf(f, "  [synced from node %llu]", num(s, "owner"));
		fputc('\n', f);
	}
	return 0;
}

int adm_timeout_render(FILE *f, const json_t *config)
{
	const json_t *t = json_object_get(config, "timeouts");

	if (!json_is_object(t))
		return -EBADMSG;
	fprintf(f, "Timeout (tcp tcpfin udp): %llu %llu %llu\n", num(t, "tcp_established_s"),
		num(t, "tcp_fin_s"), num(t, "udp_s"));
	return 0;
}
