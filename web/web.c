/* web/web.c — the HTTP transport: listening, authentication, limits,
 * routing to handlers, JSON responses, the audit log. Handlers live in
 * web/api_*.c; strings a client sent are made printable in web/text.c.
 *
 * What a client cannot do to the API (docs/api.md "Limits"):
 * - make it read a body before its token is checked: the token (and a
 *   declared body size) are judged from the headers, and the answer is
 *   queued before any byte of the body is read;
 * - hold more than api.max_conns_per_client connections at once;
 * - keep a request open by trickling it: a request has request_timeout_s
 *   from its first byte (or the end of the previous answer on the same
 *   connection) to its answer; the reaper thread closes the socket after;
 * - make it hold more than api.max_buffered_bytes of bodies in all (503);
 * - get an answer that is not JSON (a path that is not UTF-8 included). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "cp/crash.h"
#include "web/web_int.h"

RTE_LOG_REGISTER(mgw_logtype_web, mgw.web, INFO);

#define WEB_THREADS 4         /* a slow handler does not stall the others */
#define WEB_REAP_MS 200

/* One TCP connection, for the whole-request timeout. */
struct web_conn {
	struct web_conn *prev, *next;
	int fd;
	uint64_t since_ms;       /* the current request's start */
	bool cut;
};

struct web {
	struct MHD_Daemon *d;
	struct cp *cp;
	char token[256];
	size_t token_len;
	uint32_t max_body, max_buffered;
	uint64_t timeout_ms;
	bool metrics_only;
	uint64_t buffered;       /* bytes of bodies held, all requests (atomic) */
	pthread_mutex_t mu;      /* conns */
	struct web_conn *conns;
	pthread_t reaper;
	bool reaper_on;
	bool stop;
	pthread_cond_t cv;
};

/* Per request: the body as it arrives. */
struct req_ctx {
	char *body;
	size_t len, cap;
	size_t held;             /* bytes of it counted in web.buffered */
	bool too_big, over_total, answered;
	struct web_conn *conn;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int web_error(struct web_resp *rs, unsigned status, const char *code, const char *field,
	      const char *fmt, ...)
{
	char raw[512], msg[1024], fld[512];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages quote paths and values the client sent: only valid UTF-8
	 * makes a JSON string. */
	web_text_clean(raw, msg, sizeof(msg));
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (e && field && *field) {
		web_text_clean(field, fld, sizeof(fld));
		json_object_set_new(e, "field", json_string(fld));
	}
	json_decref(rs->json);
	rs->status = status;
	rs->json = e ? json_pack("{s:o}", "error", e) : NULL;
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

/* Constant time in the token's length: no early exit on a mismatch. */
static bool same_token(const struct web *w, const char *s, size_t n)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < w->token_len; i++)
		diff |= (unsigned char)(w->token[i] ^ (i < n ? s[i] : 0));
	return diff == 0 && n == w->token_len;
}

/* "Authorization: Bearer <token>" (curl, mgwadm), or Basic with the token
 * as the password and any user name (a browser opening the status page). */
static bool token_ok(struct web *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char dec[400];
	const char *colon;
	int n;

	if (!w->token_len)
		return true;
	if (!h)
		return false;
	if (strncmp(h, "Bearer ", 7) == 0)
		return same_token(w, h + 7, strlen(h + 7));
	if (strncmp(h, "Basic ", 6) != 0)
		return false;
	n = web_base64_decode(h + 6, dec, sizeof(dec) - 1);
	if (n < 0)
		return false;
	dec[n] = 0;
	colon = memchr(dec, ':', (size_t)n);
	return colon && same_token(w, colon + 1, (size_t)(dec + n - colon - 1));
}

static void client_str(struct MHD_Connection *c, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sa = ci ? (const struct sockaddr_in *)ci->client_addr : NULL;
	char a[INET_ADDRSTRLEN] = "?";

	if (sa && sa->sin_family == AF_INET) {
		inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(sa->sin_port));
	} else {
		snprintf(buf, cap, "?");
	}
}

/* One line per request that may change something, whatever its result. */
static void audit(struct MHD_Connection *c, const char *method, const char *url,
		  unsigned status, const struct web_resp *rs)
{
	char client[64], path[512], why[200] = "";
	json_t *e;

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return;
	client_str(c, client, sizeof(client));
	web_text_clean(url, path, sizeof(path));
	e = rs && rs->json ? json_object_get(rs->json, "error") : NULL;
	if (e)
		snprintf(why, sizeof(why), " %s", json_string_value(json_object_get(e, "code")) ?: "");
	WEB_LOG(NOTICE, "audit: %s %s from %s: %u%s", method, path, client, status, why);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct web_resp *rs, const char *allow)
{
	static const char fallback[] =
		"{\"error\": {\"code\": \"internal\", \"message\": \"the answer could not be encoded\"}}\n";
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
		if (!body) {
			body = strdup(fallback);
			rs->status = 500;
			rs->content_type = NULL;
			if (!body)
				return MHD_NO;
		}
	}
	len = strlen(body);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				rs->content_type ? rs->content_type : "application/json");
	if (rs->page) {
		/* The page is whole: it loads nothing, it talks only to us. */
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'none'; script-src 'unsafe-inline'; "
					"style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "Cache-Control", "no-store");
	}
	if (rs->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Basic realm=\"mgw\", charset=\"UTF-8\"");
	if (allow && *allow)
		MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(c, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answer now, before the body (if any) is read: MHD then closes the
 * connection instead of reading it. */
static enum MHD_Result answer_early(struct req_ctx *ctx, struct MHD_Connection *c,
				    const char *method, const char *url, struct web_resp *rs)
{
	enum MHD_Result ret = send_resp(c, rs, NULL);

	ctx->answered = true;
	audit(c, method, url, rs->status, rs);
	json_decref(rs->json);
	free(rs->text);
	return ret;
}

static void release_body(struct web *w, struct req_ctx *ctx)
{
	if (ctx->held)
		__atomic_sub_fetch(&w->buffered, ctx->held, __ATOMIC_RELAXED);
	ctx->held = 0;
	free(ctx->body);
	ctx->body = NULL;
	ctx->len = ctx->cap = 0;
}

/* Keep a chunk of the body, within the request's and the API's limits. */
static int take_chunk(struct web *w, struct req_ctx *ctx, const char *data, size_t n)
{
	if (ctx->too_big || ctx->over_total)
		return 0;
	if (ctx->len + n > w->max_body) {
		ctx->too_big = true;
		release_body(w, ctx);
		return 0;
	}
	if (ctx->len + n + 1 > ctx->cap) {
		size_t cap = (ctx->len + n + 1) * 2, grow;
		char *b;

		if (cap > (size_t)w->max_body + 1)
			cap = (size_t)w->max_body + 1;
		grow = cap - ctx->cap;
		if (__atomic_add_fetch(&w->buffered, grow, __ATOMIC_RELAXED) > w->max_buffered) {
			__atomic_sub_fetch(&w->buffered, grow, __ATOMIC_RELAXED);
			ctx->over_total = true;
			release_body(w, ctx);
			return 0;
		}
		ctx->held += grow;
		b = realloc(ctx->body, cap);
		if (!b)
			return -ENOMEM;
		ctx->body = b;
		ctx->cap = cap;
	}
	memcpy(ctx->body + ctx->len, data, n);
	ctx->len += n;
	ctx->body[ctx->len] = 0;
	return 0;
}

static enum MHD_Result first_call(struct web *w, struct MHD_Connection *c, const char *url,
				  const char *method, void **con_cls)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct web_resp rs = { 200, NULL, NULL, NULL, false };
	struct req_ctx *ctx;

	/* MHD's threads: a crash needs an alternate stack there too. */
	cp_crash_thread_init();
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return MHD_NO;
	*con_cls = ctx;
	ctx->conn = ci ? ci->socket_context : NULL;
	if (w->metrics_only && strcmp(url, "/metrics") != 0) {
		web_error(&rs, 404, "not_found", NULL, "this listener serves GET /metrics only");
		return answer_early(ctx, c, method, url, &rs);
	}
	if (!w->metrics_only && !token_ok(w, c)) {
		web_error(&rs, 401, "unauthenticated", NULL,
			  "this API needs 'Authorization: Bearer <token>' (api.token)");
		return answer_early(ctx, c, method, url, &rs);
	}
	/* A declared oversize body is refused before it is read. */
	if (cl && strtoull(cl, NULL, 10) > w->max_body) {
		web_error(&rs, 413, "payload_too_large", NULL, "request body over %u bytes",
			  w->max_body);
		return answer_early(ctx, c, method, url, &rs);
	}
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct req_ctx *ctx = *con_cls;
	struct web_resp rs = { 200, NULL, NULL, NULL, false };
	struct web_req rq;
	const struct web_route *r = NULL;
	char allow[128] = "", *path;
	bool known = false;
	enum MHD_Result ret;
	int rc = 0;

	(void)version;
	if (!ctx)
		return first_call(w, c, url, method, con_cls);
	if (*upload_size) {
		if (!ctx->answered && take_chunk(w, ctx, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (ctx->answered)
		return MHD_YES;

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

	if (ctx->too_big) {
		web_error(&rs, 413, "payload_too_large", NULL, "request body over %u bytes",
			  w->max_body);
	} else if (ctx->over_total) {
		web_error(&rs, 503, "unavailable", NULL,
			  "the API holds %u bytes of request bodies already (api.max_buffered_bytes): "
			  "try again", w->max_buffered);
	} else if (!(r = web_route_find(path, method, &rq, &known, allow, sizeof(allow)))) {
		if (known)
			web_error(&rs, 405, "method_not_allowed", NULL, "%s is not allowed on %s",
				  method, url);
		else
			web_error(&rs, 404, "not_found", NULL, "no resource %s", url);
	} else if ((rc = r->fn(&rq, &rs)) < 0 && rs.status < 400) {
		if (rc == -ETIMEDOUT || rc == -EBUSY)
			web_error(&rs, 503, "unavailable", NULL,
				  "the node could not finish this in time (%s): nothing was changed",
				  strerror(-rc));
		else
			web_error(&rs, 500, "internal", NULL, "internal error");
	}
	ret = send_resp(c, &rs, rs.status == 405 ? allow : NULL);
	audit(c, method, url, rs.status, &rs);
	json_decref(rs.json);
	free(rs.text);
	free(path);
	release_body(w, ctx);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct web *w = cls;
	struct req_ctx *ctx = *con_cls;

	(void)c;
	(void)toe;
	if (!ctx)
		return;
	if (ctx->conn) {
		/* The next request on this connection starts its clock now. */
		pthread_mutex_lock(&w->mu);
		ctx->conn->since_ms = mono_ms();
		pthread_mutex_unlock(&w->mu);
	}
	release_body(w, ctx);
	free(ctx);
	*con_cls = NULL;
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	struct web *w = cls;
	struct web_conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		k = calloc(1, sizeof(*k));
		if (!k)
			return;
		k->fd = ci ? ci->connect_fd : -1;
		k->since_ms = mono_ms();
		pthread_mutex_lock(&w->mu);
		k->next = w->conns;
		if (w->conns)
			w->conns->prev = k;
		w->conns = k;
		pthread_mutex_unlock(&w->mu);
		*socket_context = k;
	} else if (k) {
		/* MHD closes the socket only after this returns: the reaper,
		 * under the same lock, never touches a reused descriptor. */
		pthread_mutex_lock(&w->mu);
		if (k->prev)
			k->prev->next = k->next;
		else
			w->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&w->mu);
		free(k);
		*socket_context = NULL;
	}
}

/* Closes connections whose request has outlived request_timeout_s. */
static void *reaper_main(void *arg)
{
	struct web *w = arg;

	cp_crash_thread_init();
	pthread_setname_np(pthread_self(), "mgw-web-reap");
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;
		uint64_t now = mono_ms();
		unsigned cut = 0;

		for (struct web_conn *k = w->conns; k; k = k->next)
			if (!k->cut && k->fd >= 0 && now - k->since_ms > w->timeout_ms) {
				shutdown(k->fd, SHUT_RDWR);
				k->cut = true;
				cut++;
			}
		if (cut)
			WEB_LOG(WARNING, "closed %u connection(s) whose request took over %llu s", cut,
				(unsigned long long)(w->timeout_ms / 1000));
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WEB_REAP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	WEB_LOG(WARNING, "%s", msg);
}

static void web_free(struct web *w)
{
	if (w->reaper_on) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->reaper, NULL);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int web_create(const struct web_conf *conf, struct cp *cp, struct web **out)
{
	struct sockaddr_in sa;
	struct web *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	const char *what = conf->metrics_only ? "metrics" : "API";

	if (!w)
		return -ENOMEM;
	w->cp = cp;
	w->metrics_only = conf->metrics_only;
	w->max_body = conf->metrics_only ? 0 : conf->max_body;
	w->max_buffered = conf->max_buffered ? conf->max_buffered : 64u << 20;
	w->timeout_ms = (uint64_t)(conf->request_timeout_s ? conf->request_timeout_s : 10) * 1000;
	if (!conf->metrics_only && conf->token && *conf->token) {
		snprintf(w->token, sizeof(w->token), "%s", conf->token);
		w->token_len = strlen(w->token);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->reaper, NULL, reaper_main, w) != 0) {
		web_free(w);
		return -EAGAIN;
	}
	w->reaper_on = true;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(conf->port);
	sa.sin_addr.s_addr = htonl(conf->addr);
	w->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
				conf->port, NULL, NULL, handle, w,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WEB_THREADS,
				MHD_OPTION_NOTIFY_COMPLETED, completed, w,
				MHD_OPTION_NOTIFY_CONNECTION, conn_notify, w,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)(w->timeout_ms / 1000),
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)(conf->conns_per_client ? conf->conns_per_client : 16),
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_END);
	if (!w->d) {
		WEB_LOG(ERR, "%s: cannot listen on %u.%u.%u.%u:%u", what, conf->addr >> 24,
			(conf->addr >> 16) & 0xff, (conf->addr >> 8) & 0xff, conf->addr & 0xff,
			conf->port);
		web_free(w);
		return -EADDRINUSE;
	}
	WEB_LOG(INFO, "%s on http://%u.%u.%u.%u:%u/%s", what, conf->addr >> 24,
		(conf->addr >> 16) & 0xff, (conf->addr >> 8) & 0xff, conf->addr & 0xff, conf->port,
		conf->metrics_only ? "metrics" : "api/v1/");
	*out = w;
	return 0;
}

void web_destroy(struct web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	web_free(w);
}
