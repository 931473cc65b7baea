/* libFuzzer target: the HTTP front end's own parsing (web/web.c) — what it
 * does with a request before a handler runs: the route a method and path
 * select (web_route_find over every table of web/api*.c, with the path's
 * variable segments captured), the Allow list of a 405, the body read as
 * JSON (web_body_json) and the error body that a refusal renders.
 * libmicrohttpd's own request parsing is not ours and not fuzzed here.
 *
 * Input: method, NUL, path, NUL, body. Checks: a route found is one whose
 * method is the request's; its captured segments lie inside the path and
 * are non-empty, at most WEB_MAX_ARGS; Allow is a terminated string; a
 * body refused gets a 400 with an error object. Seeds: tests/fuzz/corpus/web. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	const char *m = in, *p, *body;
	const struct web_route *r;
	struct web_resp rs = { 200, NULL, NULL, NULL };
	struct web_req rq;
	char method[16], allow[128], *path;
	bool known;
	json_t *j;

	p = memchr(m, 0, size);
	if (!p || (size_t)(p - m) >= sizeof(method))
		return -1;
	memcpy(method, m, (size_t)(p - m) + 1);
	p++;
	body = memchr(p, 0, (size_t)(end - p));
	if (!body)
		return -1;
	path = strdup(p);
	if (!path)
		return 0;
	body++;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = p;
	rq.body = body;
	rq.body_len = (size_t)(end - body);
	r = web_route_find(path, method, &rq, &known, allow, sizeof(allow));
	if (memchr(allow, 0, sizeof(allow)) == NULL)
		__builtin_trap();
	if (r) {
		size_t plen = strlen(p);

		if (strcmp(r->method, method) != 0 || !known || rq.n_arg > WEB_MAX_ARGS)
			__builtin_trap();
		for (unsigned i = 0; i < rq.n_arg; i++)
			if (rq.arg[i] < path || rq.arg[i] >= path + plen || !rq.arg[i][0])
				__builtin_trap();
	}
	j = web_body_json(&rq, &rs);
	if (!j && (rs.status != 400 || !json_is_object(json_object_get(rs.json, "error"))))
		__builtin_trap();
	if (!j) {
		char *s = json_dumps(rs.json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!s)
			__builtin_trap();
		free(s);
	}
	json_decref(j);
	json_decref(rs.json);
	free(path);
	return 0;
}
