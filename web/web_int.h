/* web/web_int.h — the server's request/response model and the handler
 * table, shared by web.c (transport) and the handler files. */
#ifndef MGW_WEB_WEB_INT_H
#define MGW_WEB_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <rte_log.h>

#include "web/web.h"

extern int mgw_logtype_web;
#define WEB_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_web, "web: " fmt "\n", ##__VA_ARGS__)

#define WEB_MAX_ARGS 8
#define WEB_TOKEN_MASK "***"   /* api.token as GET /config shows it */

struct web_req {
	struct cp *cp;
	const char *method;
	const char *path;
	const char *arg[WEB_MAX_ARGS];  /* the path's variable segments, in order */
	unsigned n_arg;
	const char *body;
	size_t body_len;
	void *conn;                     /* struct MHD_Connection * */
};

struct web_resp {
	unsigned status;
	json_t *json;                   /* body, or */
	char *text;                     /* a plain-text body (malloc'ed) */
	const char *content_type;
	bool page;                      /* the status page: its own headers */
};

/* A route: method, path pattern ("*" matches one segment), handler. */
struct web_route {
	const char *method;
	const char *pattern;
	int (*fn)(struct web_req *rq, struct web_resp *rs);
};

/* NULL-terminated list of NULL-terminated route tables (web/api.c). */
extern const struct web_route *const web_route_tables[];

/* The route for method on path, rq->arg[] pointing at the path's variable
 * segments (path is written: its '/' become NULs once a route is found).
 * NULL when none; *path_known then says whether another method would do,
 * allow lists those ("GET, PUT", truncated to allow_cap). */
const struct web_route *web_route_find(char *path, const char *method, struct web_req *rq,
				       bool *path_known, char *allow, size_t allow_cap);

/* Fill an error body as docs/api.md defines it. Always returns 0 (handlers return it). */
int web_error(struct web_resp *rs, unsigned status, const char *code, const char *field,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int web_ok(struct web_resp *rs, unsigned status, json_t *body);

/* A query parameter, or NULL. */
const char *web_query(struct web_req *rq, const char *key);

/* Parse the request body as a JSON value; on error fills rs (400). */
json_t *web_body_json(struct web_req *rq, struct web_resp *rs);

/* text.c: a client's string made safe for JSON and logs: valid UTF-8 is
 * kept, any other byte and every control character become "\xNN". Always
 * NUL-terminated (cut at cap). */
void web_text_clean(const char *in, char *out, size_t cap);
/* RFC 4648 base64 (padding optional); bytes written or -1. */
int web_base64_decode(const char *in, char *out, size_t cap);

/* status_page.c (made at build time from web/status/index.html). */
extern const char web_status_html[];

#endif
