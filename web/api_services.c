/* web/api_services.c — /services, /services/{proto}/{vip}/{port},
 * .../servers, .../servers/{ip}/{port}, .../lookup, .../stats. Every change is a
 * cp_edit(): the running config is copied, changed, validated whole and
 * applied, or nothing is. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp.h"
#include "web/web_int.h"

struct svc_id {
	uint8_t proto;
	struct cp_ip vip;
	uint16_t port;
};

/* "tcp 10.0.0.10:80", "tcp [fd00::10]:80" */
static const char *svc_str(const struct svc_id *id, char *buf, size_t n)
{
	char b[INET6_ADDRSTRLEN];

	snprintf(buf, n, id->vip.v6 ? "%s [%s]:%u" : "%s %s:%u", cp_proto_name(id->proto),
		 cp_ip_str(&id->vip, b), id->port);
	return buf;
}

static const char *ip_port_str(const struct cp_ip *ip, uint16_t port, char *buf, size_t n)
{
	char b[INET6_ADDRSTRLEN];

	snprintf(buf, n, ip->v6 ? "[%s]:%u" : "%s:%u", cp_ip_str(ip, b), port);
	return buf;
}

/* What an edit needs: the request's identity and body, parsed. */
struct edit {
	struct svc_id id;
	struct cp_ip rs_ip;
	uint16_t rs_port;
	const json_t *body;
	struct cp_service_conf svc;     /* POST/PUT service */
	struct cp_server_conf rs;       /* POST server */
	int index;                      /* where the change landed */
};

static int path_port(const char *s, uint16_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* {proto}/{vip}/{port} from the path's first three variables; the VIP of
 * either family, an IPv6 one bare (/services/tcp/fd00::10/80) or in
 * brackets. */
static int parse_svc(struct web_req *rq, struct web_resp *rs, struct svc_id *id)
{
	if (cp_parse_proto(rq->arg[0], &id->proto) < 0)
		return web_error(rs, 404, "not_found", "proto", "no protocol '%s' (tcp or udp)",
				 rq->arg[0]), -1;
	if (cp_parse_ip_any(rq->arg[1], &id->vip) < 0)
		return web_error(rs, 404, "not_found", "vip", "'%s' is not an IP address",
				 rq->arg[1]), -1;
	if (path_port(rq->arg[2], &id->port) < 0)
		return web_error(rs, 404, "not_found", "port", "'%s' is not a port", rq->arg[2]), -1;
	return 0;
}

static int parse_rs(struct web_req *rq, struct web_resp *rs, struct edit *e)
{
	if (parse_svc(rq, rs, &e->id) < 0)
		return -1;
	if (cp_parse_ip_any(rq->arg[3], &e->rs_ip) < 0 || path_port(rq->arg[4], &e->rs_port) < 0)
		return web_error(rs, 404, "not_found", NULL, "no server %s:%s", rq->arg[3],
				 rq->arg[4]), -1;
	return 0;
}

static int not_found_svc(struct web_resp *rs, const struct svc_id *id)
{
	char b[80];

	return web_error(rs, 404, "not_found", NULL, "no service %s", svc_str(id, b, sizeof(b)));
}

/* A whole-config validation error names "services[i]..."; for a request
 * about service i, the caller wants the path inside its own body. */
static void rebase_field(struct cp_err *err, int index, const char *prefix)
{
	char head[32];
	size_t n;

	if (index < 0)
		return;
	snprintf(head, sizeof(head), "services[%d]", index);
	n = strlen(head);
	if (strncmp(err->field, head, n) != 0)
		return;
	if (err->field[n] == '.')
		n++;
	else if (err->field[n] != 0)
		return;
	{
		char rest[sizeof(err->field)];

		snprintf(rest, sizeof(rest), "%s%s%s", prefix, *prefix && err->field[n] ? "." : "",
			 err->field + n);
		snprintf(err->field, sizeof(err->field), "%s", rest);
	}
}

/* Map cp_edit's result to a response; 0 means success, nothing written. */
static int edit_result(struct web_resp *rs, int rc, struct cp_err *err, const struct edit *e,
		       const char *prefix)
{
	if (rc == 0)
		return 0;
	if (rc == -EINVAL) {
		rebase_field(err, e->index, prefix);
		return web_error(rs, 400, "invalid_argument", err->field, "%s", err->msg), -1;
	}
	if (rc == -EEXIST)
		return web_error(rs, 409, "conflict", err->field, "%s", err->msg), -1;
	if (rc == -ENOENT)
		return web_error(rs, 404, "not_found", err->field, "%s", err->msg), -1;
	if (rc == -ETIMEDOUT || rc == -EBUSY)
		return web_error(rs, 503, "unavailable", NULL, "%s", err->msg), -1;
	return web_error(rs, 500, "internal", NULL, "%s", strerror(-rc)), -1;
}

static int find_svc(struct cp_config *c, const struct svc_id *id, struct cp_err *err)
{
	int i = cp_config_find_service_ip(c, id->proto, &id->vip, id->port);

	if (i < 0) {
		char b[80];

		snprintf(err->field, sizeof(err->field), "%s", "");
		snprintf(err->msg, sizeof(err->msg), "no service %s", svc_str(id, b, sizeof(b)));
		return -ENOENT;
	}
	return i;
}

/* ---- services ----------------------------------------------------------- */

static int get_services(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_services_view(rq->cp));
}

static int do_add_service(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	struct cp_service_conf *ns;
	char b[80];

	if (cp_config_find_service_ip(c, e->id.proto, &e->id.vip, e->id.port) >= 0) {
		snprintf(err->field, sizeof(err->field), "%s", "");
		snprintf(err->msg, sizeof(err->msg), "service %s exists",
			 svc_str(&e->id, b, sizeof(b)));
		return -EEXIST;
	}
	ns = realloc(c->services, (c->n_services + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	c->services = ns;
	e->index = (int)c->n_services;
	/* the config takes the servers array */
	ns[c->n_services++] = e->svc;
	e->svc.servers = NULL;
	e->svc.n_servers = 0;
	e->svc.allow = e->svc.deny = NULL;   /* the ACL's prefixes too */
	e->svc.n_allow = e->svc.n_deny = 0;
	return 0;
}

static int post_services(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	json_t *j = web_body_json(rq, rs);
	int rc;

	if (!j)
		return 0;
	rc = cp_service_from_json(j, "", &e.svc, &err);
	json_decref(j);
	if (rc < 0)
		return web_error(rs, 400, "invalid_argument", err.field, "%s", err.msg);
	e.id.proto = e.svc.proto;
	e.id.vip = cp_service_vip(&e.svc);
	e.id.port = e.svc.port;
	rc = cp_edit(rq->cp, do_add_service, &e, &err);
	cp_service_free(&e.svc);
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	return web_ok(rs, 201, cp_service_view(rq->cp, e.id.proto, &e.id.vip, e.id.port));
}

/* The path's service as the API shows it, or NULL with rs set (400/404). */
static json_t *service_of_path(struct web_req *rq, struct web_resp *rs)
{
	struct svc_id id;
	json_t *o;

	if (parse_svc(rq, rs, &id) < 0)
		return NULL;
	o = cp_service_view(rq->cp, id.proto, &id.vip, id.port);
	if (!o)
		not_found_svc(rs, &id);
	return o;
}

static int get_service(struct web_req *rq, struct web_resp *rs)
{
	json_t *o = service_of_path(rq, rs);

	return o ? web_ok(rs, 200, o) : 0;
}

static int do_replace_service(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	int i = find_svc(c, &e->id, err);

	if (i < 0)
		return i;
	e->index = i;
	cp_service_free(&c->services[i]);
	c->services[i] = e->svc;
	e->svc.servers = NULL;
	e->svc.n_servers = 0;
	e->svc.allow = e->svc.deny = NULL;   /* the ACL's prefixes too */
	e->svc.n_allow = e->svc.n_deny = 0;
	return 0;
}

static bool names_svc(const struct cp_service_conf *s, const struct svc_id *id)
{
	struct cp_ip v = cp_service_vip(s);

	return s->proto == id->proto && cp_ip_eq(&v, &id->vip) && s->port == id->port;
}

/* PUT takes a whole service; PATCH some of its fields, laid over the
 * running ones and parsed as a whole by the one parser. */
static int put_or_patch_service(struct web_req *rq, struct web_resp *rs, bool patch)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	json_t *j, *full;
	int rc;

	if (parse_svc(rq, rs, &e.id) < 0)
		return 0;
	j = web_body_json(rq, rs);
	if (!j)
		return 0;
	if (!json_is_object(j)) {
		json_decref(j);
		return web_error(rs, 400, "invalid_argument", NULL, "the body must be an object");
	}
	if (patch) {
		struct cp_config *c = cp_config_get(rq->cp);
		int i = c ? cp_config_find_service_ip(c, e.id.proto, &e.id.vip, e.id.port) : -1;

		if (i < 0) {
			cp_config_free(c);
			json_decref(j);
			return not_found_svc(rs, &e.id);
		}
		full = cp_service_patch_merge(&c->services[i], j);
		cp_config_free(c);
		json_decref(j);
		if (!full)
			return -ENOMEM;
		j = full;
	} else {
		/* identity from the path when the body leaves it out */
		char b[INET6_ADDRSTRLEN];

		if (!json_object_get(j, "proto"))
			json_object_set_new(j, "proto", json_string(cp_proto_name(e.id.proto)));
		if (!json_object_get(j, "vip"))
			json_object_set_new(j, "vip", json_string(cp_ip_str(&e.id.vip, b)));
		if (!json_object_get(j, "port"))
			json_object_set_new(j, "port", json_integer(e.id.port));
	}
	rc = cp_service_from_json(j, "", &e.svc, &err);
	json_decref(j);
	if (rc < 0)
		return web_error(rs, 400, "invalid_argument", err.field, "%s", err.msg);
	if (!names_svc(&e.svc, &e.id)) {
		cp_service_free(&e.svc);
		return web_error(rs, 400, "invalid_argument", NULL,
				 "proto, vip and port name the service: delete it and create "
				 "another to change them");
	}
	rc = cp_edit(rq->cp, do_replace_service, &e, &err);
	cp_service_free(&e.svc);
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	return web_ok(rs, 200, cp_service_view(rq->cp, e.id.proto, &e.id.vip, e.id.port));
}

static int put_service(struct web_req *rq, struct web_resp *rs)
{
	return put_or_patch_service(rq, rs, false);
}

static int patch_service(struct web_req *rq, struct web_resp *rs)
{
	return put_or_patch_service(rq, rs, true);
}

static int do_delete_service(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	int i = find_svc(c, &e->id, err);

	if (i < 0)
		return i;
	cp_service_free(&c->services[i]);
	memmove(&c->services[i], &c->services[i + 1],
		(c->n_services - (unsigned)i - 1) * sizeof(c->services[0]));
	c->n_services--;
	return 0;
}

static int delete_service(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	char b[INET6_ADDRSTRLEN];
	int rc;

	if (parse_svc(rq, rs, &e.id) < 0)
		return 0;
	rc = cp_edit(rq->cp, do_delete_service, &e, &err);
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	return web_ok(rs, 200, json_pack("{s:s, s:s, s:i}", "deleted", cp_proto_name(e.id.proto),
					 "vip", cp_ip_str(&e.id.vip, b), "port", (int)e.id.port));
}

/* ---- servers ------------------------------------------------------------ */

static json_t *server_view(struct cp *cp, const struct svc_id *id, const struct cp_ip *ip,
			   uint16_t port)
{
	return cp_server_view(cp, id->proto, &id->vip, id->port, ip, port);
}

static int get_servers(struct web_req *rq, struct web_resp *rs)
{
	json_t *o = service_of_path(rq, rs);

	if (!o)
		return 0;
	web_ok(rs, 200, json_incref(json_object_get(o, "servers")));
	json_decref(o);
	return 0;
}

static int do_add_server(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	struct cp_service_conf *s;
	struct cp_server_conf *ns;
	int i = find_svc(c, &e->id, err);
	struct cp_ip ip = cp_server_ip(&e->rs);
	char b[INET6_ADDRSTRLEN + 8];

	if (i < 0)
		return i;
	s = &c->services[i];
	e->index = i;
	if (cp_service_find_server_ip(s, &ip, e->rs.port) >= 0) {
		snprintf(err->field, sizeof(err->field), "%s", "");
		snprintf(err->msg, sizeof(err->msg), "server %s exists",
			 ip_port_str(&ip, e->rs.port, b, sizeof(b)));
		return -EEXIST;
	}
	/* The servers' family is set by the first one (or the sorry
	 * server): one of the other family says so here, by its own field. */
	if ((s->n_servers || s->has_sorry) && ip.v6 != s->rs_v6) {
		snprintf(err->field, sizeof(err->field), "%s", "ip");
		snprintf(err->msg, sizeof(err->msg),
			 "the service's servers are IPv%c: an IPv%c server cannot join them",
			 s->rs_v6 ? '6' : '4', ip.v6 ? '6' : '4');
		return -EINVAL;
	}
	ns = realloc(s->servers, (s->n_servers + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	s->servers = ns;
	{
		unsigned at = cp_service_server_pos_ip(s, &ip, e->rs.port);

		memmove(&ns[at + 1], &ns[at], (s->n_servers - at) * sizeof(*ns));
		ns[at] = e->rs;
		s->n_servers++;
	}
	cp_service_set_rs_family(s, s->rs_v6);
	return 0;
}

static int post_servers(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	struct cp_config *c;
	json_t *j;
	int rc;

	if (parse_svc(rq, rs, &e.id) < 0)
		return 0;
	c = cp_config_get(rq->cp);
	if (!c || cp_config_find_service_ip(c, e.id.proto, &e.id.vip, e.id.port) < 0) {
		cp_config_free(c);
		return not_found_svc(rs, &e.id);
	}
	cp_config_free(c);
	j = web_body_json(rq, rs);
	if (!j)
		return 0;
	rc = cp_server_from_json(j, "", e.id.port, &e.rs, &err);
	json_decref(j);
	if (rc < 0)
		return web_error(rs, 400, "invalid_argument", err.field, "%s", err.msg);
	rc = cp_edit(rq->cp, do_add_server, &e, &err);
	if (rc == -EINVAL) {
		/* "services[i].servers[k].x" → "x": the body is one server */
		char head[48];
		const char *dot;

		snprintf(head, sizeof(head), "services[%d].servers[", e.index);
		if (strncmp(err.field, head, strlen(head)) == 0) {
			dot = strchr(err.field + strlen(head), ']');
			if (dot)
				memmove(err.field, dot[1] == '.' ? dot + 2 : dot + 1,
					strlen(dot[1] == '.' ? dot + 2 : dot + 1) + 1);
			e.index = -1;
		}
	}
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	{
		struct cp_ip ip = cp_server_ip(&e.rs);

		return web_ok(rs, 201, server_view(rq->cp, &e.id, &ip, e.rs.port));
	}
}

static int get_server(struct web_req *rq, struct web_resp *rs)
{
	struct edit e;
	json_t *o;

	if (parse_rs(rq, rs, &e) < 0)
		return 0;
	o = server_view(rq->cp, &e.id, &e.rs_ip, e.rs_port);
	if (!o)
		return web_error(rs, 404, "not_found", NULL, "no server %s:%s in that service",
				 rq->arg[3], rq->arg[4]);
	return web_ok(rs, 200, o);
}

static int find_rs(struct cp_config *c, struct edit *e, struct cp_err *err)
{
	int i = find_svc(c, &e->id, err), k;
	char b[INET6_ADDRSTRLEN + 8];

	if (i < 0)
		return i;
	e->index = i;
	k = cp_service_find_server_ip(&c->services[i], &e->rs_ip, e->rs_port);
	if (k < 0) {
		snprintf(err->field, sizeof(err->field), "%s", "");
		snprintf(err->msg, sizeof(err->msg), "no server %s in that service",
			 ip_port_str(&e->rs_ip, e->rs_port, b, sizeof(b)));
		return -ENOENT;
	}
	return k;
}

static int do_patch_server(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	int k = find_rs(c, e, err), rc;
	struct cp_server_conf *r;
	struct cp_ip ip;

	if (k < 0)
		return k;
	r = &c->services[e->index].servers[k];
	rc = cp_server_patch_json(e->body, "", r, err);
	if (rc < 0)
		return rc;
	ip = cp_server_ip(r);
	if (!cp_ip_eq(&ip, &e->rs_ip) || r->port != e->rs_port) {
		snprintf(err->field, sizeof(err->field), "%s", "");
		snprintf(err->msg, sizeof(err->msg),
			 "ip and port name the server: delete it and add another to change them");
		return -EINVAL;
	}
	return 0;
}

static int patch_server(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	json_t *j;
	int rc;

	if (parse_rs(rq, rs, &e) < 0)
		return 0;
	j = web_body_json(rq, rs);
	if (!j)
		return 0;
	e.body = j;
	rc = cp_edit(rq->cp, do_patch_server, &e, &err);
	json_decref(j);
	if (rc == -EINVAL && strncmp(err.field, "services[", 9) != 0)
		e.index = -1;   /* the patch's own field path */
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	return web_ok(rs, 200, server_view(rq->cp, &e.id, &e.rs_ip, e.rs_port));
}

static int do_delete_server(struct cp_config *c, void *arg, struct cp_err *err)
{
	struct edit *e = arg;
	int k = find_rs(c, e, err);
	struct cp_service_conf *s;

	if (k < 0)
		return k;
	s = &c->services[e->index];
	memmove(&s->servers[k], &s->servers[k + 1],
		(s->n_servers - (unsigned)k - 1) * sizeof(s->servers[0]));
	s->n_servers--;
	cp_service_set_rs_family(s, s->rs_v6);
	return 0;
}

/* Its sessions live on until they end, as in LVS; ?flush=1 ends them now. */
static int delete_server(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct edit e = { .index = -1 };
	const char *flush = web_query(rq, "flush");
	char b[INET6_ADDRSTRLEN];
	int rc;

	if (parse_rs(rq, rs, &e) < 0)
		return 0;
	rc = cp_edit(rq->cp, do_delete_server, &e, &err);
	if (edit_result(rs, rc, &err, &e, "") < 0)
		return 0;
	if (flush && (strcmp(flush, "1") == 0 || strcmp(flush, "true") == 0))
		cp_server_flush(rq->cp, e.id.proto, &e.id.vip, e.id.port, &e.rs_ip, e.rs_port);
	return web_ok(rs, 200, json_pack("{s:s, s:i, s:b}", "deleted", cp_ip_str(&e.rs_ip, b),
					 "port", (int)e.rs_port, "sessions_flushed",
					 flush && (strcmp(flush, "1") == 0 || strcmp(flush, "true") == 0)));
}

static int get_lookup(struct web_req *rq, struct web_resp *rs)
{
	const char *src = web_query(rq, "src");
	struct svc_id id;
	struct cp_ip ip, rip;
	uint16_t port = 0, rport;
	char b[INET6_ADDRSTRLEN];
	int rc;

	if (parse_svc(rq, rs, &id) < 0)
		return 0;
	if (!src || (cp_parse_ip_port(src, &ip, &port) < 0 && cp_parse_ip_any(src, &ip) < 0))
		return web_error(rs, 400, "invalid_argument", "src",
				 "src must be a client address, IP or IP:PORT (e.g. "
				 "10.0.0.1:40000, [fd00:1::1]:40000)");
	rc = cp_lookup(rq->cp, id.proto, &id.vip, id.port, &ip, port, &rip, &rport);
	if (rc == -ENOENT)
		return not_found_svc(rs, &id);
	if (rc == -EINVAL)
		return web_error(rs, 400, "invalid_argument", "src",
				 "src must be of the VIP's family (IPv%c)", id.vip.v6 ? '6' : '4');
	if (rc == -EOPNOTSUPP)
		return web_error(rs, 409, "conflict", "scheduler",
				 "this service's scheduler does not pick by client (only sh and mh do)");
	if (rc == -EHOSTUNREACH)
		return web_error(rs, 409, "conflict", NULL, "no usable server");
	return web_ok(rs, 200, json_pack("{s:{s:s, s:i}}", "server", "ip", cp_ip_str(&rip, b),
					 "port", (int)rport));
}

/* ipvsadm -Z -t VIP:PORT: this service's counters and its servers' from 0. */
static int delete_service_stats(struct web_req *rq, struct web_resp *rs)
{
	struct svc_id id;

	if (parse_svc(rq, rs, &id) < 0)
		return 0;
	if (cp_service_stats_zero(rq->cp, id.proto, &id.vip, id.port) < 0)
		return not_found_svc(rs, &id);
	return web_ok(rs, 200, json_pack("{s:b}", "zeroed", 1));
}

const struct web_route web_service_routes[] = {
	{ "GET", "/api/v1/services", get_services },
	{ "POST", "/api/v1/services", post_services },
	{ "GET", "/api/v1/services/*/*/*", get_service },
	{ "PUT", "/api/v1/services/*/*/*", put_service },
	{ "PATCH", "/api/v1/services/*/*/*", patch_service },
	{ "DELETE", "/api/v1/services/*/*/*", delete_service },
	{ "GET", "/api/v1/services/*/*/*/servers", get_servers },
	{ "POST", "/api/v1/services/*/*/*/servers", post_servers },
	{ "GET", "/api/v1/services/*/*/*/servers/*/*", get_server },
	{ "PATCH", "/api/v1/services/*/*/*/servers/*/*", patch_server },
	{ "DELETE", "/api/v1/services/*/*/*/servers/*/*", delete_server },
	{ "GET", "/api/v1/services/*/*/*/lookup", get_lookup },
	{ "DELETE", "/api/v1/services/*/*/*/stats", delete_service_stats },
	{ NULL, NULL, NULL },
};
