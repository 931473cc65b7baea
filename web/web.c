/* web/web.c — the HTTP transport: listening, authentication, body limits,
 * routing to handlers, JSON responses. Handlers live in web/api_*.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cp/crash.h"
#include "web/web_int.h"

RTE_LOG_REGISTER(mgw_logtype_web, mgw.web, INFO);

struct web {
	struct MHD_Daemon *d;
	struct cp *cp;
	char token[256];
	size_t token_len;
	uint32_t max_body;
};

/* Per request: the body as it arrives. */
struct req_ctx {
	char *body;
	size_t len, cap;
	bool too_big;
};

int web_error(struct web_resp *rs, unsigned status, const char *code, const char *field,
	      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (field && *field)
		json_object_set_new(e, "field", json_string(field));
	json_decref(rs->json);
	rs->status = status;
	rs->json = json_pack("{s:o}", "error", e);
	return 0;
}

int web_ok(struct web_resp *rs, unsigned status, json_t *body)
{
	rs->status = status;
	json_decref(rs->json);
	rs->json = body;
	return 0;
}

const char *web_query(struct web_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

json_t *web_body_json(struct web_req *rq, struct web_resp *rs)
{
	json_error_t e;
	json_t *j;

	if (!rq->body || rq->body_len == 0) {
		web_error(rs, 400, "invalid_argument", NULL, "a JSON body is required");
		return NULL;
	}
	/* Depth is bounded by jansson (JSON_PARSER_MAX_DEPTH); strings must be
	 * valid UTF-8; NUL bytes are refused. */
	j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!j) {
		web_error(rs, 400, "invalid_argument", NULL, "malformed JSON at line %d column %d: %s",
			  e.line, e.column, e.text);
		return NULL;
	}
	return j;
}

/* Split "/a/b/c" and match against a pattern; captures "*" segments. */
static bool match(const char *pattern, const char *path, struct web_req *rq)
{
	const char *p = pattern, *s = path;

	rq->n_arg = 0;
	while (*p && *s) {
		const char *pe = strchr(p + 1, '/'), *se = strchr(s + 1, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t sl = se ? (size_t)(se - s) : strlen(s);

		if (pl == 2 && p[1] == '*') {
			if (sl < 2 || rq->n_arg == WEB_MAX_ARGS)
				return false;
			rq->arg[rq->n_arg++] = s + 1;   /* ends at the next '/' */
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return false;
		}
		p += pl;
		s += sl;
	}
	return *p == 0 && *s == 0;
}

/* Captured segments point into a private copy of the path whose '/' were
 * turned into NULs, so handlers get plain strings. */
const struct web_route *web_route_find(char *path, const char *method, struct web_req *rq,
				       bool *path_known, char *allow, size_t allow_cap)
{
	const struct web_route *found = NULL;
	size_t used = 0;

	*path_known = false;
	allow[0] = 0;
	for (const struct web_route *const *t = web_route_tables; *t; t++) {
		for (const struct web_route *r = *t; r->method; r++) {
			struct web_req tmp = *rq;

			if (!match(r->pattern, path, &tmp))
				continue;
			*path_known = true;
			used += (size_t)snprintf(allow + used, used < allow_cap ? allow_cap - used : 0,
						 "%s%s", used ? ", " : "", r->method);
			if (!found && strcmp(r->method, method) == 0) {
				found = r;
				*rq = tmp;
			}
		}
	}
	if (found) {
		for (char *c = path; *c; c++)
			if (*c == '/')
				*c = 0;
	}
	return found;
}

static bool token_ok(struct web *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	unsigned char diff = 0;
	size_t n;

	if (!w->token_len)
		return true;
	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	n = strlen(h);
	/* Constant time in the token's length: no early exit on a mismatch. */
	for (size_t i = 0; i < w->token_len; i++)
		diff |= (unsigned char)(w->token[i] ^ (i < n ? h[i] : 0));
	return diff == 0 && n == w->token_len;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct web_resp *rs, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len;

	if (rs->text) {
		body = rs->text;
		rs->text = NULL;
	} else {
		char *j = rs->json ? json_dumps(rs->json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		/* A trailing newline keeps curl's output and shell prompts apart. */
		if (j && asprintf(&body, "%s\n", j) < 0)
			body = NULL;
		free(j);
		if (!body)
			return MHD_NO;
	}
	len = strlen(body);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				rs->content_type ? rs->content_type : "application/json");
	if (allow && *allow)
		MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(c, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct req_ctx *ctx = *con_cls;
	struct web_resp rs = { 200, NULL, NULL, NULL };
	struct web_req rq;
	const struct web_route *r;
	char allow[128] = "", *path;
	bool known;
	enum MHD_Result ret;

	(void)version;
	if (!ctx) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		/* MHD's thread: a crash needs an alternate stack there too. */
		cp_crash_thread_init();

		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		*con_cls = ctx;
		/* Refuse a declared oversize body before reading it. */
		if (cl && strtoull(cl, NULL, 10) > w->max_body)
			ctx->too_big = true;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!ctx->too_big && ctx->len + *upload_size > w->max_body)
			ctx->too_big = true;
		if (!ctx->too_big) {
			if (ctx->len + *upload_size + 1 > ctx->cap) {
				size_t cap = (ctx->len + *upload_size + 1) * 2;
				char *b = realloc(ctx->body, cap > w->max_body + 1 ? w->max_body + 1 : cap);

				if (!b)
					return MHD_NO;
				ctx->body = b;
				ctx->cap = cap > w->max_body + 1 ? w->max_body + 1 : cap;
			}
			memcpy(ctx->body + ctx->len, upload, *upload_size);
			ctx->len += *upload_size;
			ctx->body[ctx->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}

	memset(&rq, 0, sizeof(rq));
	rq.cp = w->cp;
	rq.method = method;
	rq.path = url;
	rq.conn = c;
	rq.body = ctx->body;
	rq.body_len = ctx->len;
	path = strdup(url);
	if (!path)
		return MHD_NO;

	if (!token_ok(w, c)) {
		web_error(&rs, 401, "unauthenticated", NULL,
			  "this API needs 'Authorization: Bearer <token>' (api.token)");
	} else if (ctx->too_big) {
		web_error(&rs, 413, "payload_too_large", NULL, "request body over %u bytes",
			  w->max_body);
	} else if (!(r = web_route_find(path, method, &rq, &known, allow, sizeof(allow)))) {
		if (known)
			web_error(&rs, 405, "method_not_allowed", NULL, "%s is not allowed on %s",
				  method, url);
		else
			web_error(&rs, 404, "not_found", NULL, "no resource %s", url);
	} else if (r->fn(&rq, &rs) < 0 && rs.status < 400) {
		web_error(&rs, 500, "internal", NULL, "internal error");
	}
	ret = send_resp(c, &rs, rs.status == 405 ? allow : NULL);
	json_decref(rs.json);
	free(rs.text);
	free(path);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req_ctx *ctx = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (ctx) {
		free(ctx->body);
		free(ctx);
		*con_cls = NULL;
	}
}

int web_create(const struct web_conf *conf, struct cp *cp, struct web **out)
{
	struct sockaddr_in sa;
	struct web *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->cp = cp;
	w->max_body = conf->max_body;
	if (conf->token && *conf->token) {
		snprintf(w->token, sizeof(w->token), "%s", conf->token);
		w->token_len = strlen(w->token);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(conf->port);
	sa.sin_addr.s_addr = htonl(conf->addr);
	w->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, conf->port, NULL,
				NULL, handle, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_NOTIFY_COMPLETED, completed, w,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_END);
	if (!w->d) {
		WEB_LOG(ERR, "cannot listen on %u.%u.%u.%u:%u", conf->addr >> 24,
			(conf->addr >> 16) & 0xff, (conf->addr >> 8) & 0xff, conf->addr & 0xff,
			conf->port);
		free(w);
		return -EADDRINUSE;
	}
	WEB_LOG(INFO, "API on http://%u.%u.%u.%u:%u/api/v1/", conf->addr >> 24,
		(conf->addr >> 16) & 0xff, (conf->addr >> 8) & 0xff, conf->addr & 0xff, conf->port);
	*out = w;
	return 0;
}

void web_destroy(struct web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	free(w);
}
