/* libFuzzer target: the config and API bodies (cp/config*.c).
 *
 * The first byte picks what the rest is, as JSON text:
 *   0  a whole config file: cp_config_from_json; a config it accepts must
 *      come back from cp_config_to_json and parse again (the API's
 *      GET /config and PUT /config rely on that round trip);
 *   1  a service PATCH body over the base config's first service
 *      (cp_service_patch_merge, cp_service_from_json), then the whole
 *      config with it in its place validated, as the API's edit does;
 *   2  a server PATCH body over that service's first server
 *      (cp_server_patch_json), then validated;
 *   3  a POST /services body (cp_service_from_json) added to the config;
 *   4  a POST .../servers body (cp_server_from_json).
 * A refusal must fill the error's message; nothing may crash or leak.
 * Seeds: tests/fuzz/corpus/config. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp/config.h"

static const char *base_json =
	"{ \"node\": { \"id\": 1 },"
	"  \"ports\": [ { \"name\": \"wan\", \"dev\": \"net_null0\", \"ip\": \"10.0.0.2/24\" },"
	"               { \"name\": \"lan\", \"dev\": \"net_null1\", \"ip\": \"10.1.0.2/24\" } ],"
	"  \"localips\": [ \"10.1.0.100\" ],"
	"  \"services\": ["
	"   { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"scheduler\": \"wrr\","
	"     \"health\": { \"type\": \"http\", \"path\": \"/\", \"interval_ms\": 1000 },"
	"     \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080, \"weight\": 2 },"
	"                    { \"ip\": \"10.1.0.12\", \"port\": 8080 } ] } ] }";

static struct cp_config *base;

static void must_explain(int rc, const struct cp_err *err)
{
	if (rc < 0 && !err->msg[0]) {
		fprintf(stderr, "fuzz_config: refused (%d) with no message\n", rc);
		__builtin_trap();
	}
}

static void validate_with(struct cp_service_conf *svc, bool add)
{
	struct cp_config *c;
	struct cp_err err;
	int rc;

	if (cp_config_copy(base, &c) < 0)
		return;
	if (add) {
		struct cp_service_conf *n = realloc(c->services,
						    (c->n_services + 1) * sizeof(*n));

		if (!n) {
			cp_config_free(c);
			return;
		}
		c->services = n;
		c->services[c->n_services++] = *svc;
	} else {
		cp_service_free(&c->services[0]);
		c->services[0] = *svc;
	}
	memset(svc, 0, sizeof(*svc));
	cp_service_sort_servers(&c->services[add ? c->n_services - 1 : 0]);
	memset(&err, 0, sizeof(err));
	rc = cp_config_validate(c, &err);
	must_explain(rc, &err);
	cp_config_free(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cp_err err;
	json_t *j = json_loads(base_json, 0, NULL);

	(void)argc;
	(void)argv;
	if (!j || cp_config_from_json(j, &base, &err) < 0) {
		fprintf(stderr, "fuzz_config: base config: %s %s\n", err.field, err.msg);
		exit(1);
	}
	json_decref(j);
	return 0;
}

static void whole(const json_t *j)
{
	struct cp_config *c = NULL, *again = NULL;
	struct cp_err err;
	json_t *out;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = cp_config_from_json(j, &c, &err);
	must_explain(rc, &err);
	if (rc < 0)
		return;
	out = cp_config_to_json(c);
	if (out) {
		memset(&err, 0, sizeof(err));
		if (cp_config_from_json(out, &again, &err) < 0) {
			fprintf(stderr, "fuzz_config: own output refused: %s: %s\n", err.field,
				err.msg);
			__builtin_trap();
		}
		cp_config_free(again);
		json_decref(out);
	}
	cp_config_free(c);
}

static void patch_service(const json_t *j)
{
	struct cp_service_conf s;
	struct cp_err err;
	json_t *full = cp_service_patch_merge(&base->services[0], j);
	int rc;

	if (!full)
		return;
	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	rc = cp_service_from_json(full, "", &s, &err);
	json_decref(full);
	must_explain(rc, &err);
	if (rc == 0)
		validate_with(&s, false);
}

static void patch_server(const json_t *j)
{
	struct cp_service_conf s;
	struct cp_err err;
	int rc;

	if (cp_service_copy(&base->services[0], &s) < 0)
		return;
	memset(&err, 0, sizeof(err));
	rc = cp_server_patch_json(j, "", &s.servers[0], &err);
	must_explain(rc, &err);
	if (rc == 0)
		validate_with(&s, false);
	cp_service_free(&s);
}

static void post_service(const json_t *j)
{
	struct cp_service_conf s;
	struct cp_err err;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	rc = cp_service_from_json(j, "", &s, &err);
	must_explain(rc, &err);
	if (rc == 0)
		validate_with(&s, true);
}

static void post_server(const json_t *j)
{
	struct cp_server_conf r;
	struct cp_err err;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&err, 0, sizeof(err));
	rc = cp_server_from_json(j, "", 80, &r, &err);
	must_explain(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *j;

	if (size < 1 || size > 64 * 1024)
		return -1;
	j = json_loadb((const char *)data + 1, size - 1, 0, &jerr);
	if (!j)
		return 0;
	switch (data[0] % 5) {
	case 0: whole(j); break;
	case 1: patch_service(j); break;
	case 2: patch_server(j); break;
	case 3: post_service(j); break;
	case 4: post_server(j); break;
	}
	json_decref(j);
	return 0;
}
