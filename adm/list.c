/* adm/list.c — -L / -l output with ipvsadm's header lines, column layout
 * and widths (ipvsadm 1.31), from the JSON of GET /services, GET /stats and
 * GET /sessions. Addresses and ports are always numbers; IPv6 as
 * "[fd00::10]:80", as ipvsadm prints it. */
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

/* The address columns: ipvsadm's 33 (service) and 28 (server), wider when
 * an address needs it (IPv6), so that a table's columns stay in line. */
struct widths {
	int svc, rs;
};

static void print_title(FILE *f, const struct widths *w, unsigned fmt)
{
	if (fmt & ADM_FMT_STATS)
		fprintf(f, "%-*s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", w->svc,
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
			"OutBytes");
	else if (fmt & ADM_FMT_RATE)
		fprintf(f, "%-*s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", w->svc,
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	else if (fmt & ADM_FMT_THRESH)
		fprintf(f, "%-*s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", w->svc,
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
			"InActConn");
	else
		fprintf(f, "Prot LocalAddress:Port Scheduler Flags\n"
			"  -> %-*s Forward Weight ActiveConn InActConn\n", w->rs,
			"RemoteAddress:Port");
}

struct entry {
	const json_t *o;
	struct adm_addr ip;
	uint16_t port;
	uint8_t proto;
	char name[ADM_ADDRPORT_STRLEN + 8];     /* "TCP  [fd00::10]:80", "[fd00::11]:80" */
};

/* ipvsadm's order: IPv4 services before IPv6 ones, then protocol, address
 * and port; servers by address and port. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int r;

	if (x->ip.af != y->ip.af)
		return x->ip.af < y->ip.af ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((r = adm_addr_cmp(&x->ip, &y->ip)) != 0)
		return r;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
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
		char ap[ADM_ADDRPORT_STRLEN];

		e[i].o = s;
		if (adm_svc_key(s, &e[i].proto, &e[i].ip, &e[i].port) < 0) {
			free(e);
			return -EBADMSG;
		}
		snprintf(e[i].name, sizeof(e[i].name), "%-4s %s",
			 e[i].proto == IPPROTO_UDP ? "UDP" : "TCP", adm_addrport(&e[i].ip, e[i].port, ap));
	}
	if (!(fmt & ADM_FMT_NOSORT))
		qsort(e, json_array_size(services), sizeof(*e), cmp_entry);
	*out = e;
	*n = json_array_size(services);
	return 0;
}

/* A service's servers, sorted by address and port. */
static int rs_entries(const json_t *svc, unsigned fmt, struct entry **out, size_t *n)
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
		e[i].o = r;
		if (adm_rs_key(svc, r, &e[i].ip, &e[i].port) < 0) {
			free(e);
			return -EBADMSG;
		}
		adm_addrport(&e[i].ip, e[i].port, e[i].name);
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
		struct adm_addr v;
		uint8_t p;
		uint16_t pt;

		if (adm_svc_key(o, &p, &v, &pt) == 0 && p == s->proto && adm_addr_eq(&v, &s->ip) &&
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
		struct adm_addr ip;

		if (adm_addr_of_json(json_object_get(o, "ip"), &ip) == 0 && adm_addr_eq(&ip, &r->ip) &&
		    num(o, "port") == r->port)
			return json_object_get(o, "rate");
	}
	return NULL;
}

static void print_svc_line(FILE *f, const struct entry *s, const json_t *st_svc,
			   const struct widths *w, unsigned fmt)
{
	const char *name = s->name;
	const json_t *o = s->o;

	if (fmt & ADM_FMT_STATS) {
		fprintf(f, "%-*s", w->svc, name);
		adm_print_largenum(f, num(o, "conns"), fmt);
		adm_print_largenum(f, num(o, "pkts_in"), fmt);
		adm_print_largenum(f, num(o, "pkts_out"), fmt);
		adm_print_largenum(f, num(o, "bytes_in"), fmt);
		adm_print_largenum(f, num(o, "bytes_out"), fmt);
	} else if (fmt & ADM_FMT_RATE) {
		const json_t *rate = json_object_get(st_svc, "rate");

		fprintf(f, "%-*s", w->svc, name);
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
			/* an IPv6 service's is /128, ipvsadm's default: not printed */
			if (s->ip.af == AF_INET && mask && strcmp(mask, "255.255.255.255") != 0)
				fprintf(f, " mask %s", mask);
		}
	}
	fputc('\n', f);
}

static void print_rs_line(FILE *f, const struct entry *r, enum adm_fwd fwd, const json_t *rate,
			  const struct widths *w, unsigned fmt)
{
	const char *name = r->name;
	const json_t *o = r->o;

	if (fmt & ADM_FMT_STATS) {
		fprintf(f, "  -> %-*s", w->rs, name);
		adm_print_largenum(f, num(o, "conns"), fmt);
		adm_print_largenum(f, num(o, "pkts_in"), fmt);
		adm_print_largenum(f, num(o, "pkts_out"), fmt);
		adm_print_largenum(f, num(o, "bytes_in"), fmt);
		adm_print_largenum(f, num(o, "bytes_out"), fmt);
		fputc('\n', f);
	} else if (fmt & ADM_FMT_RATE) {
		fprintf(f, "  -> %-*s %8llu %8llu %8llu", w->rs, name, num(rate, "cps"),
			num(rate, "pps_in"), num(rate, "pps_out"));
		adm_print_largenum(f, BYTES(num(rate, "bps_in")), fmt);
		adm_print_largenum(f, BYTES(num(rate, "bps_out")), fmt);
		fputc('\n', f);
	} else if (fmt & ADM_FMT_THRESH) {
		fprintf(f, "  -> %-*s %-10llu %-10llu %-10llu %-10llu\n", w->rs, name,
			num(o, "u_threshold"), num(o, "l_threshold"), num(o, "active_conns"),
			num(o, "inactive_conns"));
	} else {
		fprintf(f, "  -> %-*s %-7s %-6llu %-10llu %-10llu\n", w->rs, name, adm_fwd_list_name(fwd),
			num(o, "weight"), num(o, "active_conns"), num(o, "inactive_conns"));
	}
}

/* The columns' widths over the whole table: at least ipvsadm's, as wide as
 * the longest address; where the title's columns are the servers' (--stats,
 * --rate, --thresholds) the service column stays the server column plus
 * "  -> ". */
static void table_widths(const struct entry *svcs, size_t n, struct entry *const *rs,
			 const size_t *nr, unsigned fmt, struct widths *w)
{
	w->svc = 33;
	w->rs = 28;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(svcs[i].name);

		w->svc = l > w->svc ? l : w->svc;
		for (size_t k = 0; k < nr[i]; k++) {
			l = (int)strlen(rs[i][k].name);
			w->rs = l > w->rs ? l : w->rs;
		}
	}
	if (fmt & (ADM_FMT_STATS | ADM_FMT_RATE | ADM_FMT_THRESH)) {
		int col = w->svc > w->rs + 5 ? w->svc : w->rs + 5;

		w->svc = col;
		w->rs = col - 5;
	}
}

int adm_list_render(FILE *f, const json_t *services, const json_t *stats, unsigned fmt)
{
	struct entry *svcs = NULL, **rs = NULL;
	size_t n = 0, *nr = NULL;
	struct widths w;
	int rc;

	rc = svc_entries(services, fmt, &svcs, &n);
	if (rc < 0)
		return rc;
	rs = calloc(n + 1, sizeof(*rs));
	nr = calloc(n + 1, sizeof(*nr));
	if (!rs || !nr)
		rc = -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = rs_entries(svcs[i].o, fmt, &rs[i], &nr[i]);
	if (rc < 0)
		goto out;
	table_widths(svcs, n, rs, nr, fmt, &w);
	if (!(fmt & ADM_FMT_ONE))
		fprintf(f, "%s\n", ADM_LIST_VERSION_LINE);
	print_title(f, &w, fmt);
	for (size_t i = 0; i < n; i++) {
		const json_t *fw = json_object_get(svcs[i].o, "forward");
		enum adm_fwd fwd = fw ? adm_fwd_from_api(json_string_value(fw)) : ADM_FWD_FULLNAT;
		const json_t *st = svc_stats(stats, &svcs[i]);

		print_svc_line(f, &svcs[i], st, &w, fmt);
		for (size_t k = 0; k < nr[i]; k++)
			print_rs_line(f, &rs[i][k], fwd, rs_rate(st, &rs[i][k]), &w, fmt);
	}
out:
	for (size_t i = 0; rs && i < n; i++)
		free(rs[i]);
	free(rs);
	free(nr);
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
