/* adm/run.c — one parsed command against mgw's API.
 *
 * Single changes use the fine-grained resources (POST/PATCH/DELETE on
 * /services/...); -C, -R and --set are one GET /config, an edit in memory
 * and one PUT /config, so that they apply whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

/* Sessions asked for by -L -c: the most GET /sessions gives in one answer
 * (a larger limit is a 400, web/api.c WEB_SESSIONS_MAX). */
#define ADM_CONN_LIMIT 100000

struct run {
	struct adm_api *a;
	struct adm_cmd *c;
	FILE *in, *out, *errf;
	char err[ADM_ERR_LEN];
};

static int report(struct run *r)
{
	fprintf(r->errf, "mgwadm: %s\n", r->err);
	return 1;
}

static int call(struct run *r, const char *method, const char *path, const json_t *body,
		json_t **out)
{
	return adm_api_call(r->a, method, path, body, out, r->err, sizeof(r->err));
}

static unsigned list_fmt(const struct adm_cmd *c)
{
	unsigned fmt = 0;

	if (c->opts & ADM_O_NUMERIC)
		fmt |= ADM_FMT_NUMERIC;
	if (c->opts & ADM_O_STATS)
		fmt |= ADM_FMT_STATS;
	if (c->opts & ADM_O_RATE)
		fmt |= ADM_FMT_RATE;
	if (c->opts & ADM_O_THRESH)
		fmt |= ADM_FMT_THRESH;
	if (c->opts & ADM_O_EXACT)
		fmt |= ADM_FMT_EXACT;
	if (c->opts & ADM_O_NOSORT)
		fmt |= ADM_FMT_NOSORT;
	return fmt;
}

/* Output is rendered whole before it is printed, so that a bad answer
 * prints no half table. */
struct obuf {
	FILE *f;
	char *p;
	size_t len;
};

static int obuf_open(struct obuf *b)
{
	b->p = NULL;
	b->len = 0;
	b->f = open_memstream(&b->p, &b->len);
	return b->f ? 0 : -ENOMEM;
}

/* Close; print it when rc is 0. Returns rc (or -ENOMEM). */
static int obuf_done(struct obuf *b, int rc, FILE *out)
{
	if (fclose(b->f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0)
		fwrite(b->p, 1, b->len, out);
	free(b->p);
	return rc;
}

static int run_list(struct run *r)
{
	struct adm_cmd *c = r->c;
	unsigned fmt = list_fmt(c);
	json_t *j = NULL, *stats = NULL, *arr = NULL;
	struct obuf ob;
	char path[128];
	int rc, status = 1;

	if (c->opts & ADM_O_CONN) {
		snprintf(path, sizeof(path), "/sessions?limit=%u", ADM_CONN_LIMIT);
		if (call(r, "GET", path, NULL, &j) < 0)
			goto out;
		if (obuf_open(&ob) < 0 || obuf_done(&ob, adm_conn_render(ob.f, j, fmt), r->out) < 0) {
			snprintf(r->err, sizeof(r->err), "unexpected answer from GET /sessions");
			goto out;
		}
		if (json_integer_value(json_object_get(j, "total")) >
		    (json_int_t)json_array_size(json_object_get(j, "sessions")))
			fprintf(r->errf, "mgwadm: %zu of %lld connections shown\n",
				json_array_size(json_object_get(j, "sessions")),
				(long long)json_integer_value(json_object_get(j, "total")));
		status = 0;
		goto out;
	}
	if (c->opts & ADM_O_TIMEOUT) {
		if (call(r, "GET", "/config", NULL, &j) < 0)
			goto out;
		if (adm_timeout_render(r->out, j) < 0) {
			snprintf(r->err, sizeof(r->err), "unexpected answer from GET /config");
			goto out;
		}
		status = 0;
		goto out;
	}
	if (c->opts & ADM_O_SERVICE) {
		adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
		fmt |= ADM_FMT_ONE;
		if (call(r, "GET", path, NULL, &j) < 0)
			goto out;
		arr = json_array();
		json_array_append(arr, j);
	} else {
		if (call(r, "GET", "/services", NULL, &j) < 0)
			goto out;
		arr = json_incref(j);
	}
	if ((fmt & ADM_FMT_RATE) && call(r, "GET", "/stats", NULL, &stats) < 0)
		goto out;
	rc = obuf_open(&ob);
	if (rc == 0)
		rc = obuf_done(&ob, adm_list_render(ob.f, arr, stats, fmt), r->out);
	if (rc < 0) {
		snprintf(r->err, sizeof(r->err), "unexpected answer from the API: %s",
			 rc == -EBADMSG ? "not a list of services" : strerror(-rc));
		goto out;
	}
	status = 0;
out:
	json_decref(arr);
	json_decref(stats);
	json_decref(j);
	return status ? report(r) : 0;
}

/* -a / -e: the service decides the forwarding (see adm_rs_settle). */
static int run_rs(struct run *r)
{
	struct adm_cmd *c = r->c;
	char path[160], rspath[256], ip[ADM_ADDR_STRLEN];
	json_t *svc = NULL, *body = NULL, *patch = NULL;
	const json_t *cur = NULL;
	enum adm_fwd adopt, had;
	int ri, status = 1;

	adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
	if (call(r, "GET", path, NULL, &svc) < 0)
		goto out;
	had = adm_fwd_from_api(json_string_value(json_object_get(svc, "forward")));
	if (adm_rs_settle(svc, c, &adopt, r->err, sizeof(r->err)) < 0)
		goto out;
	ri = adm_rs_find(svc, &c->rip, c->rport);
	if (c->cmd == ADM_CMD_EDIT_RS) {
		if (ri < 0) {
			snprintf(r->err, sizeof(r->err), "No such destination");
			goto out;
		}
		cur = json_array_get(json_object_get(svc, "servers"), (size_t)ri);
	} else if (ri >= 0) {
		snprintf(r->err, sizeof(r->err), "Destination already exists");
		goto out;
	}
	if (adopt != ADM_FWD_NONE) {
		patch = json_pack("{s:s}", "forward", adm_fwd_api_name(adopt));
		if (call(r, "PATCH", path, patch, NULL) < 0)
			goto out;
	}
	adm_addr_ntop(&c->rip, ip);
	if (c->cmd == ADM_CMD_ADD_RS) {
		body = adm_rs_new_json(c);
		snprintf(rspath, sizeof(rspath), "%s/servers", path);
		if (call(r, "POST", rspath, body, NULL) < 0)
			goto undo;
	} else {
		body = adm_rs_edit_json(c, cur);
		snprintf(rspath, sizeof(rspath), "%s/servers/%s/%u", path, ip, c->rport);
		if (call(r, "PATCH", rspath, body, NULL) < 0)
			goto undo;
	}
	status = 0;
	goto out;
undo:
	/* Put the service's forwarding back; the error to show is the first. */
	if (adopt != ADM_FWD_NONE && had != ADM_FWD_NONE) {
		char keep[ADM_ERR_LEN];

		memcpy(keep, r->err, sizeof(keep));
		json_object_set_new(patch, "forward", json_string(adm_fwd_api_name(had)));
		call(r, "PATCH", path, patch, NULL);
		memcpy(r->err, keep, sizeof(keep));
	}
out:
	json_decref(patch);
	json_decref(body);
	json_decref(svc);
	return status ? report(r) : 0;
}

/* GET /config, edit its services or timeouts, PUT it back: atomic. */
static int run_config(struct run *r)
{
	struct adm_cmd *c = r->c;
	json_t *cfg = NULL, *services;
	int status = 1;

	if (call(r, "GET", "/config", NULL, &cfg) < 0)
		goto out;
	if (!json_is_object(cfg)) {
		snprintf(r->err, sizeof(r->err), "unexpected answer from GET /config");
		goto out;
	}
	services = json_object_get(cfg, "services");
	if (!services) {
		services = json_array();
		json_object_set_new(cfg, "services", services);
	}
	if (!json_is_array(services)) {
		snprintf(r->err, sizeof(r->err), "unexpected answer from GET /config");
		goto out;
	}
	if (c->cmd == ADM_CMD_FLUSH) {
		json_array_clear(services);
	} else if (c->cmd == ADM_CMD_RESTORE) {
		if (adm_restore_apply(r->in, services, r->err, sizeof(r->err)) < 0) {
			size_t n = strlen(r->err);

			snprintf(r->err + n, sizeof(r->err) - n, " (nothing applied)");
			goto out;
		}
	} else {
		json_t *t = json_object_get(cfg, "timeouts");

		if (!t) {
			t = json_object();
			json_object_set_new(cfg, "timeouts", t);
		}
		/* --set: 0 leaves a timeout as it is, as ipvsadm does. */
		if (c->set_tcp)
			json_object_set_new(t, "tcp_established_s", json_integer(c->set_tcp));
		if (c->set_tcpfin)
			json_object_set_new(t, "tcp_fin_s", json_integer(c->set_tcpfin));
		if (c->set_udp)
			json_object_set_new(t, "udp_s", json_integer(c->set_udp));
	}
	if (call(r, "PUT", "/config", cfg, NULL) < 0)
		goto out;
	status = 0;
out:
	json_decref(cfg);
	return status ? report(r) : 0;
}

/* --import-keepalived FILE: print the config part that carries it; with
 * --apply, put it in place of the running services (and add its local IPs
 * and timeouts) in one PUT /config. Nothing is sent when anything in the
 * file cannot be carried. */
static int run_import(struct run *r)
{
	struct adm_ka_conf *conf = NULL;
	json_t *imp = NULL, *cfg = NULL, *lips, *t;
	int status = 1;

	if (adm_ka_read(r->c->import_path, &conf, r->err, sizeof(r->err)) < 0)
		return report(r);
	if (adm_ka_import(conf, &imp, r->errf) < 0)
		goto out;
	if (!r->c->apply) {
		json_dumpf(imp, r->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', r->out);
		status = 0;
		goto out;
	}
	if (call(r, "GET", "/config", NULL, &cfg) < 0 || !json_is_object(cfg)) {
		if (cfg)
			snprintf(r->err, sizeof(r->err), "unexpected answer from GET /config");
		report(r);
		goto out;
	}
	json_object_set(cfg, "services", json_object_get(imp, "services"));
	lips = json_object_get(cfg, "localips");
	if (!json_is_array(lips)) {
		lips = json_array();
		json_object_set_new(cfg, "localips", lips);
	}
	for (size_t i = 0; i < json_array_size(json_object_get(imp, "localips")); i++) {
		json_t *ip = json_array_get(json_object_get(imp, "localips"), i);
		bool have = false;

		for (size_t k = 0; k < json_array_size(lips) && !have; k++)
			have = json_equal(json_array_get(lips, k), ip);
		if (!have)
			json_array_append(lips, ip);
	}
	t = json_object_get(imp, "timeouts");
	if (t) {
		if (!json_is_object(json_object_get(cfg, "timeouts")))
			json_object_set_new(cfg, "timeouts", json_object());
		json_object_update(json_object_get(cfg, "timeouts"), t);
	}
	if (call(r, "PUT", "/config", cfg, NULL) < 0) {
		report(r);
		goto out;
	}
	fprintf(r->out, "%zu services from %s applied\n",
		json_array_size(json_object_get(imp, "services")), r->c->import_path);
	status = 0;
out:
	json_decref(cfg);
	json_decref(imp);
	adm_ka_free(conf);
	return status;
}

int adm_run(struct adm_api *a, struct adm_cmd *c, FILE *in, FILE *out, FILE *errf)
{
	struct run r = { .a = a, .c = c, .in = in, .out = out, .errf = errf };
	struct obuf ob;
	char path[128];
	json_t *j = NULL;
	int status = 0;

	switch (c->cmd) {
	case ADM_CMD_HELP:
		adm_usage(out, "mgwadm");
		return 0;
	case ADM_CMD_VERSION:
		adm_version(out);
		return 0;
	case ADM_CMD_LIST:
		return run_list(&r);
	case ADM_CMD_SAVE:
		if (call(&r, "GET", "/services", NULL, &j) < 0)
			return report(&r);
		if (obuf_open(&ob) < 0 || obuf_done(&ob, adm_save_render(ob.f, j, list_fmt(c)), out) < 0) {
			snprintf(r.err, sizeof(r.err), "unexpected answer from GET /services");
			status = report(&r);
		}
		json_decref(j);
		return status;
	case ADM_CMD_ADD_SVC:
		j = adm_svc_new_json(c);
		if (call(&r, "POST", "/services", j, NULL) < 0)
			status = report(&r);
		json_decref(j);
		return status;
	case ADM_CMD_EDIT_SVC:
		j = adm_svc_edit_json(c);
		adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
		if (call(&r, "PATCH", path, j, NULL) < 0)
			status = report(&r);
		json_decref(j);
		return status;
	case ADM_CMD_DEL_SVC:
		adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
		return call(&r, "DELETE", path, NULL, NULL) < 0 ? report(&r) : 0;
	case ADM_CMD_ADD_RS:
	case ADM_CMD_EDIT_RS:
		return run_rs(&r);
	case ADM_CMD_DEL_RS: {
		char rspath[256], ip[ADM_ADDR_STRLEN];

		adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
		snprintf(rspath, sizeof(rspath), "%s/servers/%s/%u", path, adm_addr_ntop(&c->rip, ip),
			 c->rport);
		return call(&r, "DELETE", rspath, NULL, NULL) < 0 ? report(&r) : 0;
	}
	case ADM_CMD_ZERO:
		if (c->opts & ADM_O_SERVICE) {
			char zpath[256];

			adm_svc_path(path, sizeof(path), c->proto, &c->vip, c->vport);
			snprintf(zpath, sizeof(zpath), "%s/stats", path);
			return call(&r, "DELETE", zpath, NULL, NULL) < 0 ? report(&r) : 0;
		}
		return call(&r, "DELETE", "/stats", NULL, NULL) < 0 ? report(&r) : 0;
	case ADM_CMD_FLUSH:
	case ADM_CMD_RESTORE:
	case ADM_CMD_SET:
		return run_config(&r);
	case ADM_CMD_IMPORT_KA:
		return run_import(&r);
	default:
		snprintf(r.err, sizeof(r.err), "no command given");
		report(&r);
		return 2;
	}
}
