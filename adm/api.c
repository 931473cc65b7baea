/* adm/api.c — JSON over HTTP to /api/v1, and docs/api.md's error bodies turned
 * into the one-line messages mgwadm prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

int adm_api_socket(void *ctx, const char *method, const char *path, const char *body,
		   struct adm_http_resp *out, char *err, size_t errlen)
{
	struct adm_api *a = ctx;
	char *req = NULL;
	size_t req_len;
	int rc;

	rc = adm_http_request(&a->url, method, path, a->token, body, body ? strlen(body) : 0,
			      &req, &req_len);
	if (rc < 0) {
		snprintf(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	rc = adm_http_exchange(&a->url, req, req_len, a->timeout_ms, out, err, errlen);
	free(req);
	return rc;
}

/* "<message> (<field>)" from a docs/api.md error body; something readable
 * from anything else. */
static void error_text(const struct adm_http_resp *r, char *err, size_t errlen)
{
	json_t *j = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
	json_t *e = json_is_object(j) ? json_object_get(j, "error") : NULL;
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));

	if (msg && field && *field)
		snprintf(err, errlen, "%s (%s)", msg, field);
	else if (msg)
		snprintf(err, errlen, "%s", msg);
	else {
		/* Not our API's shape: show the status and the body's first line. */
		size_t n = 0;

		while (r->body && n < r->body_len && n < 200 && r->body[n] != '\n' &&
		       r->body[n] != '\r')
			n++;
		snprintf(err, errlen, "the API answered HTTP %d%s%.*s", r->status, n ? ": " : "",
			 (int)n, r->body ? r->body : "");
	}
	json_decref(j);
}

int adm_api_call(struct adm_api *a, const char *method, const char *path, const json_t *body,
		 json_t **out, char *err, size_t errlen)
{
	struct adm_http_resp r;
	char *text = NULL;
	int rc;

	if (out)
		*out = NULL;
	memset(&r, 0, sizeof(r));
	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	rc = a->transport(a->ctx ? a->ctx : a, method, path, text, &r, err, errlen);
	free(text);
	if (rc < 0)
		return rc;
	if (r.status >= 300) {
		error_text(&r, err, errlen);
		switch (r.status) {
		case 400: rc = -EINVAL; break;
		case 401: case 403: rc = -EACCES; break;
		case 404: rc = -ENOENT; break;
		case 409: rc = -EEXIST; break;
		default: rc = -EIO; break;
		}
		goto out;
	}
	if (out && r.body_len) {
		json_error_t je;

		*out = json_loadb(r.body, r.body_len, 0, &je);
		if (!*out) {
			snprintf(err, errlen, "the API's answer to %s %s is not JSON: %s", method,
				 path, je.text);
			rc = -EBADMSG;
		}
	}
out:
	adm_http_resp_free(&r);
	return rc;
}
