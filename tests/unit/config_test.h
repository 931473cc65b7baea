/* tests/unit/config_test.h — what the config tests share: JSON from a
 * string, and a table of configs that must be refused with an exact field
 * and message. */
#ifndef MGW_TESTS_CONFIG_TEST_H
#define MGW_TESTS_CONFIG_TEST_H

#include <errno.h>
#include <string.h>

#include "cp/config.h"

struct bad {
	const char *json;    /* the config */
	const char *field;
	const char *msg;
};

static inline json_t *load(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (!j)
		fail_msg("test JSON does not parse: %s: %s", e.text, s);
	return j;
}

/* Each config of the table refused (-EINVAL) with its field and message,
 * nothing returned. */
static inline void check_bad(const struct bad *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *j = load(bad[i].json);
		struct cp_config *c = NULL;
		struct cp_err err = { "", "" };
		int rc = cp_config_from_json(j, &c, &err);

		if (rc != -EINVAL || strcmp(err.field, bad[i].field) != 0 ||
		    strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: rc %d, got \"%s: %s\", want \"%s: %s\"", i, rc, err.field,
				 err.msg, bad[i].field, bad[i].msg);
		assert_null(c);
		json_decref(j);
	}
}

#endif
