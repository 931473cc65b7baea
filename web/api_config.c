/* web/api_config.c — the whole config: GET, PUT (atomic replace), save. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp.h"
#include "web/web_int.h"

static int get_config(struct web_req *rq, struct web_resp *rs)
{
	struct cp_config *c = cp_config_get(rq->cp);
	json_t *j;

	if (!c)
		return -ENOMEM;
	j = cp_config_to_json(c);
	cp_config_free(c);
	/* The token is a secret: shown as "***" (a PUT of "***" keeps it). */
	if (json_is_string(json_object_get(json_object_get(j, "api"), "token")))
		json_object_set_new(json_object_get(j, "api"), "token", json_string(WEB_TOKEN_MASK));
	return web_ok(rs, 200, j);
}

/* A PUT that carries the mask back means "the token I was not shown". */
static int unmask_token(struct web_req *rq, json_t *j)
{
	json_t *api = json_object_get(j, "api");
	const char *t = json_string_value(json_object_get(api, "token"));
	struct cp_config *c;

	if (!t || strcmp(t, WEB_TOKEN_MASK) != 0)
		return 0;
	c = cp_config_get(rq->cp);
	if (!c)
		return -ENOMEM;
	json_object_set_new(api, "token", c->api_token[0] ? json_string(c->api_token)
							  : json_null());
	cp_config_free(c);
	return 0;
}

static int put_config(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	struct cp_config *c;
	json_t *j = web_body_json(rq, rs);
	int rc;

	if (!j)
		return 0;
	if (json_is_object(j) && (rc = unmask_token(rq, j)) < 0) {
		json_decref(j);
		return rc;
	}
	rc = cp_config_from_json(j, &c, &err);
	json_decref(j);
	if (rc == -EINVAL)
		return web_error(rs, 400, "invalid_argument", err.field, "%s", err.msg);
	if (rc < 0)
		return rc;
	rc = cp_replace(rq->cp, c, &err);
	if (rc < 0) {
		cp_config_free(c);
		if (rc == -EINVAL)
			return web_error(rs, 400, "invalid_argument", err.field, "%s", err.msg);
		if (rc == -ETIMEDOUT || rc == -EBUSY)
			return web_error(rs, 503, "unavailable", NULL, "%s", err.msg);
		return rc;
	}
	return get_config(rq, rs);
}

static int save_config(struct web_req *rq, struct web_resp *rs)
{
	struct cp_err err = { "", "" };
	int rc = cp_config_save(rq->cp, &err);

	if (rc == -ENOENT)
		return web_error(rs, 409, "conflict", NULL, "%s", err.msg);
	if (rc < 0)
		return web_error(rs, 500, "internal", NULL, "%s", err.msg);
	return web_ok(rs, 200, json_pack("{s:s, s:s}", "saved", cp_config_path(rq->cp),
					 "backup", "previous version in <file>.bak"));
}

const struct web_route web_config_routes[] = {
	{ "GET", "/api/v1/config", get_config },
	{ "PUT", "/api/v1/config", put_config },
	{ "POST", "/api/v1/config/save", save_config },
	{ NULL, NULL, NULL },
};
