/*
 * adm/ipvs and adm/run: ipvsadm's commands mapped onto mgw's JSON and
 * API. The mapping functions alone, then whole commands run against a
 * fake API that records each request: the right method, path and body;
 * forwarding per service (adopted, matched, refused); -R and -C as one
 * PUT /config, and none on a bad line; errors printed as
 * "mgwadm: <message> (<field>)" with ipvsadm's exit statuses.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adm/adm.h"

static char err[ADM_ERR_LEN];

static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t e;
	json_t *j;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("fixture: %s (%s)", e.text, text);
	free(s);
	return j;
}

static void assert_json(const json_t *got, const char *want_text)
{
	json_t *want = J(want_text);

	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

		fail_msg("got  %s\nwant %s", g, want_text);
	}
	json_decref(want);
}

static void parse(const char *line, struct adm_cmd *c)
{
	char buf[512], *argv[64] = { "mgwadm" }, *save = NULL;
	int argc = 1;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (adm_opts_parse(argc, argv, false, c, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", line, err);
}

/* ---- the mapping alone -------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(adm_fwd_api_name(ADM_FWD_FULLNAT), "fullnat");
	assert_string_equal(adm_fwd_api_name(ADM_FWD_NAT), "nat");
	assert_string_equal(adm_fwd_api_name(ADM_FWD_DR), "dr");
	assert_string_equal(adm_fwd_api_name(ADM_FWD_TUNNEL), "tunnel");
	assert_null(adm_fwd_api_name(ADM_FWD_NONE));
	assert_string_equal(adm_fwd_flag(ADM_FWD_FULLNAT), "-b");
	assert_string_equal(adm_fwd_flag(ADM_FWD_NAT), "-m");
	assert_string_equal(adm_fwd_flag(ADM_FWD_DR), "-g");
	assert_string_equal(adm_fwd_flag(ADM_FWD_TUNNEL), "-i");
	assert_string_equal(adm_fwd_list_name(ADM_FWD_FULLNAT), "FullNat");
	assert_string_equal(adm_fwd_list_name(ADM_FWD_NAT), "Masq");
	assert_string_equal(adm_fwd_list_name(ADM_FWD_DR), "Route");
	assert_string_equal(adm_fwd_list_name(ADM_FWD_TUNNEL), "Tunnel");
	assert_int_equal(adm_fwd_from_api("tunnel"), ADM_FWD_TUNNEL);
	assert_int_equal(adm_fwd_from_api("masq"), ADM_FWD_NONE);
	assert_int_equal(adm_fwd_from_api(NULL), ADM_FWD_NONE);
	for (const char *const *s = (const char *const[]){ "rr", "wrr", "lc", "wlc", "sh", "mh",
							    NULL }; *s; s++)
		assert_int_equal(adm_sched_check(*s, err, sizeof(err)), 0);
	assert_int_equal(adm_sched_check("lblcr", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "LVS scheduler"));
	assert_int_equal(adm_sched_check("", err, sizeof(err)), -EINVAL);
}

static void test_bodies(void **state)
{
	struct adm_cmd c;
	json_t *j;
	char buf[128];
	struct adm_addr a;

	(void)state;
	parse("-A -t 10.0.0.10:443 -s wrr -p 1800 -M 255.255.255.0", &c);
	j = adm_svc_new_json(&c);
	assert_json(j, "{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 443, 'scheduler': 'wrr', "
		    "'persistence_s': 1800, 'persistence_mask': '255.255.255.0'}");
	json_decref(j);
	parse("-A -u 10.0.0.10:53 -s mh -b mh-port -g", &c);
	j = adm_svc_new_json(&c);
	assert_json(j, "{'proto': 'udp', 'vip': '10.0.0.10', 'port': 53, 'scheduler': 'mh', "
		    "'forward': 'dr', 'persistence_s': 0, 'persistence_mask': '255.255.255.255', "
		    "'mh_port': true}");
	json_decref(j);
	/* -E: ipvsadm resets what is not given */
	parse("-E -t 10.0.0.10:443 -p", &c);
	j = adm_svc_edit_json(&c);
	assert_json(j, "{'scheduler': 'wlc', 'persistence_s': 300, "
		    "'persistence_mask': '255.255.255.255', 'mh_port': false}");
	json_decref(j);
	parse("-E -t 10.0.0.10:443 -s rr -m", &c);
	j = adm_svc_edit_json(&c);
	assert_json(j, "{'scheduler': 'rr', 'persistence_s': 0, 'forward': 'nat', "
		    "'persistence_mask': '255.255.255.255', 'mh_port': false}");
	json_decref(j);

	parse("-a -t 10.0.0.10:80 -r 10.1.0.11:8080 -w 7", &c);
	j = adm_rs_new_json(&c);
	assert_json(j, "{'ip': '10.1.0.11', 'port': 8080, 'weight': 7}");
	json_decref(j);
	parse("-a -t 10.0.0.10:80 -r 10.1.0.11 -x 100 -y 10", &c);
	j = adm_rs_new_json(&c);
	assert_json(j, "{'ip': '10.1.0.11', 'port': 80, 'weight': 1, 'u_threshold': 100, "
		    "'l_threshold': 10}");
	json_decref(j);
	/* -e: weight back to 1 when not given; thresholds sent when given or
	 * when the API shows them */
	parse("-e -t 10.0.0.10:80 -r 10.1.0.11", &c);
	j = adm_rs_edit_json(&c, NULL);
	assert_json(j, "{'weight': 1}");
	json_decref(j);
	{
		json_t *cur = J("{'ip': '10.1.0.11', 'u_threshold': 5, 'l_threshold': 2}");

		j = adm_rs_edit_json(&c, cur);
		assert_json(j, "{'weight': 1, 'u_threshold': 0, 'l_threshold': 0}");
		json_decref(j);
		json_decref(cur);
	}
	parse("-e -t 10.0.0.10:80 -r 10.1.0.11 -w 0 -y 3", &c);
	j = adm_rs_edit_json(&c, NULL);
	assert_json(j, "{'weight': 0, 'l_threshold': 3}");
	json_decref(j);

	adm_addr_v4(&a, 0x0a00000a);
	adm_svc_path(buf, sizeof(buf), IPPROTO_UDP, &a, 53);
	assert_string_equal(buf, "/services/udp/10.0.0.10/53");
	adm_svc_label(buf, sizeof(buf), IPPROTO_TCP, &a, 80);
	assert_string_equal(buf, "TCP 10.0.0.10:80");
	/* IPv6: the bare canonical address in the path, brackets in the label */
	assert_int_equal(adm_addr_pton("FD00:0:0::10", 0, &a), 0);
	adm_svc_path(buf, sizeof(buf), IPPROTO_TCP, &a, 80);
	assert_string_equal(buf, "/services/tcp/fd00::10/80");
	adm_svc_label(buf, sizeof(buf), IPPROTO_UDP, &a, 53);
	assert_string_equal(buf, "UDP [fd00::10]:53");
}

static void test_settle(void **state)
{
	json_t *empty = J("{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'forward': 'fullnat', "
			  "'servers': []}");
	json_t *dr = J("{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'forward': 'dr', "
		       "'servers': [{'ip': '10.1.0.11', 'port': 80}]}");
	json_t *noforward = J("{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80}");
	struct adm_cmd c;
	enum adm_fwd adopt;

	(void)state;
	/* no flag: the service's */
	parse("-a -t 10.0.0.10:80 -r 10.1.0.12:8080", &c);
	assert_int_equal(adm_rs_settle(empty, &c, &adopt, err, sizeof(err)), 0);
	assert_int_equal(adopt, ADM_FWD_NONE);
	assert_int_equal(c.rport, 8080);
	/* a service with no server takes the first server's method */
	parse("-a -t 10.0.0.10:80 -r 10.1.0.12:8080 -g", &c);
	assert_int_equal(adm_rs_settle(empty, &c, &adopt, err, sizeof(err)), 0);
	assert_int_equal(adopt, ADM_FWD_DR);
	assert_int_equal(c.rport, 80);         /* dr keeps the service's port */
	/* matching */
	parse("-a -t 10.0.0.10:80 -r 10.1.0.12 -g", &c);
	assert_int_equal(adm_rs_settle(dr, &c, &adopt, err, sizeof(err)), 0);
	assert_int_equal(adopt, ADM_FWD_NONE);
	/* not matching: refused, saying why */
	parse("-a -t 10.0.0.10:80 -r 10.1.0.12 -m", &c);
	assert_int_equal(adm_rs_settle(dr, &c, &adopt, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "real server 10.1.0.12:80: forwarding -m (nat) does not match "
			    "service TCP 10.0.0.10:80, which forwards by -g (dr): mgw sets "
			    "forwarding per service, not per server");
	/* -e of the only server may change it */
	parse("-e -t 10.0.0.10:80 -r 10.1.0.11 -i", &c);
	assert_int_equal(adm_rs_settle(dr, &c, &adopt, err, sizeof(err)), 0);
	assert_int_equal(adopt, ADM_FWD_TUNNEL);
	/* no "forward" shown means mgw's default, fullnat */
	parse("-a -t 10.0.0.10:80 -r 10.1.0.12 --fullnat", &c);
	assert_int_equal(adm_rs_settle(noforward, &c, &adopt, err, sizeof(err)), 0);
	assert_int_equal(adopt, ADM_FWD_NONE);
	json_decref(empty);
	json_decref(dr);
	json_decref(noforward);
}

/* ---- whole commands against a fake API ----------------------------------- */

struct route {
	const char *method, *path;
	int status;
	const char *body;               /* ' for " */
};

struct fake {
	const struct route *routes;
	char *log;                      /* "METHOD path body\n" per request */
	size_t log_len;
	FILE *logf;
	int n_calls;
};

static int fake_transport(void *ctx, const char *method, const char *path, const char *body,
			  struct adm_http_resp *out, char *e, size_t elen)
{
	struct fake *f = ctx;

	(void)e;
	(void)elen;
	f->n_calls++;
	fprintf(f->logf, "%s %s%s%s\n", method, path, body ? " " : "", body ? body : "");
	fflush(f->logf);
	for (const struct route *r = f->routes; r->method; r++) {
		if (strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0) {
			out->status = r->status;
			out->body = strdup(r->body);
			for (char *c = out->body; *c; c++)
				if (*c == '\'')
					*c = '"';
			out->body_len = strlen(out->body);
			return 0;
		}
	}
	out->status = 404;
	out->body = strdup("{\"error\": {\"code\": \"not_found\", \"message\": \"no resource\"}}");
	out->body_len = strlen(out->body);
	return 0;
}

struct result {
	int status;
	char *out, *err, *log;
};

/* Run "mgwadm <line>" (stdin: input) against the routes. */
static struct result run(const struct route *routes, const char *line, const char *input)
{
	struct fake f = { .routes = routes };
	struct adm_api a = { .transport = fake_transport, .ctx = &f };
	struct result res = { 0 };
	size_t ol = 0, el = 0;
	FILE *out = open_memstream(&res.out, &ol), *errf = open_memstream(&res.err, &el);
	FILE *in = fmemopen((void *)(input ? input : ""), input ? strlen(input) + 1 : 1, "r");
	struct adm_cmd c;

	f.logf = open_memstream(&f.log, &f.log_len);
	parse(line, &c);
	res.status = adm_run(&a, &c, in, out, errf);
	fclose(in);
	fclose(out);
	fclose(errf);
	fclose(f.logf);
	res.log = f.log;
	return res;
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
	free(r->log);
}

static const struct route api[] = {
	{ "GET", "/services/tcp/10.0.0.10/80", 200,
	  "{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'rr', "
	  "'forward': 'fullnat', 'servers': [{'ip': '10.1.0.11', 'port': 8080, 'weight': 1, "
	  "'drain': false, 'status': 'up', 'conns': 0}]}" },
	{ "GET", "/services/tcp/10.0.0.20/80", 200,
	  "{'proto': 'tcp', 'vip': '10.0.0.20', 'port': 80, 'scheduler': 'rr', "
	  "'forward': 'fullnat', 'servers': []}" },
	{ "POST", "/services", 201, "{}" },
	{ "PATCH", "/services/tcp/10.0.0.10/80", 200, "{}" },
	{ "PATCH", "/services/tcp/10.0.0.20/80", 200, "{}" },
	{ "DELETE", "/services/tcp/10.0.0.10/80", 200, "{}" },
	{ "POST", "/services/tcp/10.0.0.10/80/servers", 201, "{}" },
	{ "POST", "/services/tcp/10.0.0.20/80/servers", 201, "{}" },
	{ "PATCH", "/services/tcp/10.0.0.10/80/servers/10.1.0.11/8080", 200, "{}" },
	{ "DELETE", "/services/tcp/10.0.0.10/80/servers/10.1.0.11/8080", 200, "{}" },
	{ "DELETE", "/stats", 200, "{}" },
	{ "DELETE", "/services/tcp/10.0.0.10/80/stats", 200, "{}" },
	{ "GET", "/config", 200,
	  "{'node': {'id': 1}, 'timeouts': {'tcp_established_s': 900, 'tcp_fin_s': 60, "
	  "'udp_s': 300}, 'services': [{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, "
	  "'scheduler': 'rr', 'forward': 'fullnat', 'health': {'type': 'tcp'}, "
	  "'servers': [{'ip': '10.1.0.11', 'port': 8080, 'weight': 1, 'drain': false}]}]}" },
	{ "PUT", "/config", 200, "{}" },
	{ "GET", "/services", 200,
	  "[{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'rr', "
	  "'forward': 'fullnat', 'persistence_s': 0, 'servers': [{'ip': '10.1.0.11', "
	  "'port': 8080, 'weight': 1, 'active_conns': 3, 'inactive_conns': 4}]}]" },
	{ "GET", "/sessions?limit=100000", 200,
	  "{'total': 2, 'sessions': [{'proto': 'tcp', 'client': '10.0.0.1:1234', "
	  "'vip': '10.0.0.10:80', 'local': '10.1.0.100:1025', 'server': '10.1.0.11:8080', "
	  "'state': 'ESTABLISHED', 'expires_ms': 61000, 'lcore': 1}]}" },
	{ NULL, NULL, 0, NULL },
};

static void expect(const struct route *routes, const char *line, const char *input,
		   int status, const char *log, const char *out, const char *errtext)
{
	struct result r = run(routes, line, input);

	if (r.status != status)
		fail_msg("'%s': status %d, want %d (err: %s)", line, r.status, status, r.err);
	if (log && strcmp(r.log, log) != 0)
		fail_msg("'%s': requests\n%s\nwant\n%s", line, r.log, log);
	if (out && strcmp(r.out, out) != 0)
		fail_msg("'%s': output\n%s\nwant\n%s", line, r.out, out);
	if (errtext && strcmp(r.err, errtext) != 0)
		fail_msg("'%s': errors '%s', want '%s'", line, r.err, errtext);
	result_free(&r);
}

static void test_run_services(void **state)
{
	(void)state;
	expect(api, "-A -t 10.0.0.30:80 -s rr", NULL, 0,
	       "POST /services {\"proto\":\"tcp\",\"vip\":\"10.0.0.30\",\"port\":80,"
	       "\"scheduler\":\"rr\",\"persistence_s\":0,\"persistence_mask\":\"255.255.255.255\"}\n",
	       "", "");
	expect(api, "-E -t 10.0.0.10:80 -s wrr -p 60 -M 255.255.255.0", NULL, 0,
	       "PATCH /services/tcp/10.0.0.10/80 {\"scheduler\":\"wrr\",\"persistence_s\":60,"
	       "\"persistence_mask\":\"255.255.255.0\",\"mh_port\":false}\n", "", "");
	expect(api, "-D -t 10.0.0.10:80", NULL, 0, "DELETE /services/tcp/10.0.0.10/80\n", "", "");
	expect(api, "-Z", NULL, 0, "DELETE /stats\n", "", "");
	expect(api, "-Z -t 10.0.0.10:80", NULL, 0, "DELETE /services/tcp/10.0.0.10/80/stats\n", "",
	       "");
}

static void test_run_servers(void **state)
{
	(void)state;
	/* no flag: the service's forwarding */
	expect(api, "-a -t 10.0.0.10:80 -r 10.1.0.12:8080 -w 3", NULL, 0,
	       "GET /services/tcp/10.0.0.10/80\n"
	       "POST /services/tcp/10.0.0.10/80/servers {\"ip\":\"10.1.0.12\",\"port\":8080,"
	       "\"weight\":3}\n", "", "");
	/* a matching flag */
	expect(api, "-a -t 10.0.0.10:80 -r 10.1.0.12:8080 -b", NULL, 0, NULL, "", "");
	/* a different flag on a service with servers: refused, nothing sent */
	expect(api, "-a -t 10.0.0.10:80 -r 10.1.0.12:80 -g", NULL, 1,
	       "GET /services/tcp/10.0.0.10/80\n", "",
	       "mgwadm: real server 10.1.0.12:80: forwarding -g (dr) does not match service "
	       "TCP 10.0.0.10:80, which forwards by -b (fullnat): mgw sets forwarding per "
	       "service, not per server\n");
	/* the first server of an empty service sets its forwarding */
	expect(api, "-a -t 10.0.0.20:80 -r 10.1.0.21:8080 -m -w 2", NULL, 0,
	       "GET /services/tcp/10.0.0.20/80\n"
	       "PATCH /services/tcp/10.0.0.20/80 {\"forward\":\"nat\"}\n"
	       "POST /services/tcp/10.0.0.20/80/servers {\"ip\":\"10.1.0.21\",\"port\":8080,"
	       "\"weight\":2}\n", "", "");
	/* already there */
	expect(api, "-a -t 10.0.0.10:80 -r 10.1.0.11:8080", NULL, 1,
	       "GET /services/tcp/10.0.0.10/80\n", "", "mgwadm: Destination already exists\n");
	/* -e: weight (ipvsadm's default 1 when not given) */
	expect(api, "-e -t 10.0.0.10:80 -r 10.1.0.11:8080 -w 0", NULL, 0,
	       "GET /services/tcp/10.0.0.10/80\n"
	       "PATCH /services/tcp/10.0.0.10/80/servers/10.1.0.11/8080 {\"weight\":0}\n", "", "");
	expect(api, "-e -t 10.0.0.10:80 -r 10.1.0.99:8080 -w 0", NULL, 1, NULL, "",
	       "mgwadm: No such destination\n");
	expect(api, "-d -t 10.0.0.10:80 -r 10.1.0.11:8080", NULL, 0,
	       "DELETE /services/tcp/10.0.0.10/80/servers/10.1.0.11/8080\n", "", "");
	/* an unknown service: the API's message */
	expect(api, "-a -t 10.0.0.99:80 -r 10.1.0.11", NULL, 1, NULL, "",
	       "mgwadm: no resource\n");
}

/* IPv6: the bare canonical address in every path, whatever the spelling;
 * the API's refusal of a mix relayed as it is. */
static void test_run_ipv6(void **state)
{
	static const struct route r[] = {
		{ "GET", "/services/tcp/fd00::10/80", 200,
		  "{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'forward': 'nat', "
		  "'scheduler': 'rr', 'servers': [{'ip': 'fd00:1::11', 'port': 8080, "
		  "'weight': 1}]}" },
		{ "GET", "/services", 200,
		  "[{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'forward': 'nat', "
		  "'scheduler': 'rr', 'servers': [{'ip': 'fd00:1::11', 'port': 8080, "
		  "'weight': 1}]}]" },
		{ "POST", "/services", 201, "{}" },
		{ "PATCH", "/services/tcp/fd00::10/80", 200, "{}" },
		{ "DELETE", "/services/tcp/fd00::10/80", 204, "" },
		{ "POST", "/services/tcp/fd00::10/80/servers", 400,
		  "{'error': {'code': 'invalid_argument', 'message': 'an IPv6 service with IPv4 "
		  "servers is NAT64: FULLNAT only', 'field': 'servers[1].ip'}}" },
		{ "PATCH", "/services/tcp/fd00::10/80/servers/fd00:1::11/8080", 200, "{}" },
		{ "DELETE", "/services/tcp/fd00::10/80/servers/fd00:1::11/8080", 204, "" },
		{ NULL, NULL, 0, NULL },
	};

	(void)state;
	expect(r, "-A -t [FD00:0::10]:80 -s rr -p 60", NULL, 0,
	       "POST /services {\"proto\":\"tcp\",\"vip\":\"fd00::10\",\"port\":80,"
	       "\"scheduler\":\"rr\",\"persistence_s\":60}\n", "", "");
	expect(r, "-E -6 -t [fd00::10]:80 -s wrr", NULL, 0,
	       "PATCH /services/tcp/fd00::10/80 {\"scheduler\":\"wrr\",\"persistence_s\":0,"
	       "\"mh_port\":false}\n", "", "");
	expect(r, "-e -t [fd00::10]:80 -r [fd00:1:0::11]:8080 -w 5", NULL, 0,
	       "GET /services/tcp/fd00::10/80\n"
	       "PATCH /services/tcp/fd00::10/80/servers/fd00:1::11/8080 {\"weight\":5}\n", "", "");
	expect(r, "-d -t [fd00::10]:80 -r [fd00:1::11]:8080", NULL, 0,
	       "DELETE /services/tcp/fd00::10/80/servers/fd00:1::11/8080\n", "", "");
	expect(r, "-a -t [fd00::10]:80 -r 10.1.0.11:8080", NULL, 1,
	       "GET /services/tcp/fd00::10/80\n"
	       "POST /services/tcp/fd00::10/80/servers {\"ip\":\"10.1.0.11\",\"port\":8080,"
	       "\"weight\":1}\n", "",
	       "mgwadm: an IPv6 service with IPv4 servers is NAT64: FULLNAT only "
	       "(servers[1].ip)\n");
	expect(r, "-a -t [fd00::10]:80 -r [fd00:1::12]:8080 -g", NULL, 1, NULL, "",
	       "mgwadm: real server [fd00:1::12]:80: forwarding -g (dr) does not match service "
	       "TCP [fd00::10]:80, which forwards by -m (nat): mgw sets forwarding per "
	       "service, not per server\n");
	expect(r, "-D -t [fd00::10]:80", NULL, 0, "DELETE /services/tcp/fd00::10/80\n", "", "");
	expect(r, "-S -n", NULL, 0, "GET /services\n",
	       "-A -t [fd00::10]:80 -s rr\n"
	       "-a -t [fd00::10]:80 -r [fd00:1::11]:8080 -m -w 1\n", "");
	expect(r, "-L -n -t [fd00::10]:80", NULL, 0, "GET /services/tcp/fd00::10/80\n",
	       "Prot LocalAddress:Port Scheduler Flags\n"
	       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	       "TCP  [fd00::10]:80 rr\n"
	       "  -> [fd00:1::11]:8080            Masq    1      0          0         \n", "");
}

/* The service-level forwarding is put back when adding the server fails. */
static void test_run_adopt_undo(void **state)
{
	static const struct route r[] = {
		{ "GET", "/services/tcp/10.0.0.20/80", 200,
		  "{'proto': 'tcp', 'vip': '10.0.0.20', 'port': 80, 'forward': 'fullnat', "
		  "'servers': []}" },
		{ "PATCH", "/services/tcp/10.0.0.20/80", 200, "{}" },
		{ "POST", "/services/tcp/10.0.0.20/80/servers", 400,
		  "{'error': {'code': 'invalid_argument', 'message': 'must be 0..65535', "
		  "'field': 'weight'}}" },
		{ NULL, NULL, 0, NULL },
	};

	(void)state;
	expect(r, "-a -t 10.0.0.20:80 -r 10.1.0.21 -g", NULL, 1,
	       "GET /services/tcp/10.0.0.20/80\n"
	       "PATCH /services/tcp/10.0.0.20/80 {\"forward\":\"dr\"}\n"
	       "POST /services/tcp/10.0.0.20/80/servers {\"ip\":\"10.1.0.21\",\"port\":80,"
	       "\"weight\":1}\n"
	       "PATCH /services/tcp/10.0.0.20/80 {\"forward\":\"fullnat\"}\n", "",
	       "mgwadm: must be 0..65535 (weight)\n");
}

static void test_run_config(void **state)
{
	const char *dump = "-A -u 10.0.0.10:53 -s rr\n"
			   "-a -u 10.0.0.10:53 -r 10.1.0.21:53 -g -w 1\n";

	(void)state;
	/* -R: one GET, one PUT with the existing service (health kept) and the new */
	expect(api, "-R", dump, 0,
	       "GET /config\n"
	       "PUT /config {\"node\":{\"id\":1},\"timeouts\":{\"tcp_established_s\":900,"
	       "\"tcp_fin_s\":60,\"udp_s\":300},\"services\":[{\"proto\":\"tcp\","
	       "\"vip\":\"10.0.0.10\",\"port\":80,\"scheduler\":\"rr\",\"forward\":\"fullnat\","
	       "\"health\":{\"type\":\"tcp\"},\"servers\":[{\"ip\":\"10.1.0.11\",\"port\":8080,"
	       "\"weight\":1,\"drain\":false}]},{\"proto\":\"udp\",\"vip\":\"10.0.0.10\","
	       "\"port\":53,\"scheduler\":\"rr\",\"persistence_s\":0,"
	       "\"persistence_mask\":\"255.255.255.255\",\"servers\":[{\"ip\":\"10.1.0.21\","
	       "\"port\":53,\"weight\":1}],\"forward\":\"dr\"}]}\n", "", "");
	/* a bad line: no PUT at all */
	expect(api, "-R", "-A -u 10.0.0.10:53 -s rr\n-A -u 10.0.0.10:54 -s sed\n", 1,
	       "GET /config\n", "",
	       "mgwadm: line 2: scheduler 'sed' is an LVS scheduler that mgw does not have; mgw "
	       "has rr wrr lc wlc sh mh (nothing applied)\n");
	expect(api, "-R", "-A -t 10.0.0.10:80 -s rr\n", 1, "GET /config\n", "",
	       "mgwadm: line 1: Service already exists (nothing applied)\n");
	/* -C: one PUT with no services */
	expect(api, "-C", NULL, 0,
	       "GET /config\n"
	       "PUT /config {\"node\":{\"id\":1},\"timeouts\":{\"tcp_established_s\":900,"
	       "\"tcp_fin_s\":60,\"udp_s\":300},\"services\":[]}\n", "", "");
	/* --set: 0 leaves a value as it is */
	expect(api, "--set 1000 0 120", NULL, 0,
	       "GET /config\n"
	       "PUT /config {\"node\":{\"id\":1},\"timeouts\":{\"tcp_established_s\":1000,"
	       "\"tcp_fin_s\":60,\"udp_s\":120},\"services\":[{\"proto\":\"tcp\","
	       "\"vip\":\"10.0.0.10\",\"port\":80,\"scheduler\":\"rr\",\"forward\":\"fullnat\","
	       "\"health\":{\"type\":\"tcp\"},\"servers\":[{\"ip\":\"10.1.0.11\",\"port\":8080,"
	       "\"weight\":1,\"drain\":false}]}]}\n", "", "");
}

/* The PUT is refused by mgw's validator: its message, exit 1. */
static void test_run_put_refused(void **state)
{
	static const struct route r[] = {
		{ "GET", "/config", 200, "{'services': []}" },
		{ "PUT", "/config", 400,
		  "{'error': {'code': 'invalid_argument', 'message': 'is not supported by this "
		  "data plane', 'field': 'services[0].forward'}}" },
		{ NULL, NULL, 0, NULL },
	};

	(void)state;
	expect(r, "-R", "-A -t 10.0.0.10:80 -s rr -g\n", 1, NULL, "",
	       "mgwadm: is not supported by this data plane (services[0].forward)\n");
}

static void test_run_output(void **state)
{
	(void)state;
	expect(api, "-S -n", NULL, 0, "GET /services\n",
	       "-A -t 10.0.0.10:80 -s rr\n"
	       "-a -t 10.0.0.10:80 -r 10.1.0.11:8080 -b -w 1\n", "");
	expect(api, "-L -n", NULL, 0, "GET /services\n",
	       ADM_LIST_VERSION_LINE "\n"
	       "Prot LocalAddress:Port Scheduler Flags\n"
	       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	       "TCP  10.0.0.10:80 rr\n"
	       "  -> 10.1.0.11:8080               FullNat 1      3          4         \n", "");
	expect(api, "-L -n -t 10.0.0.10:80", NULL, 0, "GET /services/tcp/10.0.0.10/80\n",
	       "Prot LocalAddress:Port Scheduler Flags\n"
	       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	       "TCP  10.0.0.10:80 rr\n"
	       "  -> 10.1.0.11:8080               FullNat 1      0          0         \n", "");
	expect(api, "-L -n -c", NULL, 0, "GET /sessions?limit=100000\n",
	       "IPVS connection entries\n"
	       "pro expire state       source             virtual            destination\n"
	       "TCP 01:01  ESTABLISHED 10.0.0.1:1234      10.0.0.10:80       10.1.0.11:8080\n",
	       "mgwadm: 1 of 2 connections shown\n");
	expect(api, "-L --timeout", NULL, 0, "GET /config\n",
	       "Timeout (tcp tcpfin udp): 900 60 300\n", "");
	expect(api, "-h", NULL, 0, "", NULL, "");
}

/* Answers that are not the API's shape print nothing half-done. */
static void test_run_bad_answers(void **state)
{
	static const struct route r[] = {
		{ "GET", "/services", 200, "[{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, "
		  "'servers': [{'ip': 'nonsense'}]}]" },
		{ "GET", "/config", 200, "[1, 2]" },
		{ "GET", "/sessions?limit=100000", 500, "Internal Server Error" },
		{ "DELETE", "/stats", 401, "{'error': {'code': 'unauthenticated', "
		  "'message': 'this API needs a token'}}" },
		{ NULL, NULL, 0, NULL },
	};

	(void)state;
	expect(r, "-L -n", NULL, 1, NULL, "",
	       "mgwadm: unexpected answer from the API: not a list of services\n");
	expect(r, "-S", NULL, 1, NULL, "", "mgwadm: unexpected answer from GET /services\n");
	expect(r, "-C", NULL, 1, "GET /config\n", "",
	       "mgwadm: unexpected answer from GET /config\n");
	expect(r, "-L -c", NULL, 1, NULL, "",
	       "mgwadm: the API answered HTTP 500: Internal Server Error\n");
	expect(r, "-Z", NULL, 1, NULL, "", "mgwadm: this API needs a token\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_run_services),
		cmocka_unit_test(test_run_servers),
		cmocka_unit_test(test_run_ipv6),
		cmocka_unit_test(test_run_adopt_undo),
		cmocka_unit_test(test_run_config),
		cmocka_unit_test(test_run_put_refused),
		cmocka_unit_test(test_run_output),
		cmocka_unit_test(test_run_bad_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
