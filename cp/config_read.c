/* cp/config_read.c — typed JSON field readers (see config_read.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cp/config_read.h"

void cp_rd_path(char *buf, size_t cap, const char *path, const char *key)
{
	if (!key || !*key)
		snprintf(buf, cap, "%s", path ? path : "");
	else if (!path || !*path)
		snprintf(buf, cap, "%s", key);
	else
		snprintf(buf, cap, "%s.%s", path, key);
}

void cp_rd_index(char *buf, size_t cap, const char *path, const char *key, size_t i)
{
	char base[160];

	cp_rd_path(base, sizeof(base), path, key);
	snprintf(buf, cap, "%s[%zu]", base, i);
}

int cp_rd_fail(struct cp_err *err, const char *path, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		cp_rd_path(err->field, sizeof(err->field), path, key);
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

int cp_rd_object(const json_t *j, const char *path, struct cp_err *err)
{
	if (!json_is_object(j))
		return cp_rd_fail(err, path, NULL, "must be an object, not %s", type_name(j));
	return 0;
}

int cp_rd_keys(const json_t *o, const char *path, const char *const *keys, struct cp_err *err)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		unsigned i;

		for (i = 0; keys[i]; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (!keys[i])
			return cp_rd_fail(err, path, k, "unknown field");
	}
	return 0;
}

int cp_rd_uint(const json_t *o, const char *path, const char *key, uint64_t min, uint64_t max,
	       bool required, uint32_t *out, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!v) {
		if (required)
			return cp_rd_fail(err, path, key, "is required");
		return 0;
	}
	if (!json_is_integer(v))
		return cp_rd_fail(err, path, key, "must be an integer %llu..%llu, not %s",
				  (unsigned long long)min, (unsigned long long)max, type_name(v));
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return cp_rd_fail(err, path, key, "must be %llu..%llu", (unsigned long long)min,
				  (unsigned long long)max);
	*out = (uint32_t)x;
	return 0;
}

int cp_rd_u16(const json_t *o, const char *path, const char *key, uint64_t min, uint64_t max,
	      bool required, uint16_t *out, struct cp_err *err)
{
	uint32_t v = *out;
	int rc = cp_rd_uint(o, path, key, min, max > 65535 ? 65535 : max, required, &v, err);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

int cp_rd_bool(const json_t *o, const char *path, const char *key, bool *out, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return cp_rd_fail(err, path, key, "must be true or false, not %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

int cp_rd_string(const json_t *o, const char *path, const char *key, bool required, char *buf,
		 size_t cap, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);
	size_t len;

	if (!v) {
		if (required)
			return cp_rd_fail(err, path, key, "is required");
		return 0;
	}
	if (!json_is_string(v))
		return cp_rd_fail(err, path, key, "must be a string, not %s", type_name(v));
	len = json_string_length(v);
	if (len >= cap)
		return cp_rd_fail(err, path, key, "is too long (at most %zu bytes)", cap - 1);
	if (strlen(json_string_value(v)) != len)
		return cp_rd_fail(err, path, key, "must not contain NUL characters");
	memcpy(buf, json_string_value(v), len + 1);
	return 0;
}

int cp_rd_string_or_null(const json_t *o, const char *path, const char *key, char *buf,
			 size_t cap, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (v && json_is_null(v)) {
		buf[0] = 0;
		return 0;
	}
	return cp_rd_string(o, path, key, false, buf, cap, err);
}

static bool clean_string(const json_t *v)
{
	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

int cp_rd_ipv4(const json_t *o, const char *path, const char *key, bool required, uint32_t *out,
	       struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return required ? cp_rd_fail(err, path, key, "is required") : 0;
	if (!clean_string(v) || cp_parse_ipv4(json_string_value(v), out) < 0)
		return cp_rd_fail(err, path, key, "must be an IPv4 address like 10.0.0.1");
	return 0;
}

int cp_rd_ip(const json_t *o, const char *path, const char *key, bool required, uint32_t *v4,
	     uint8_t v6[16], bool *is_v6, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return required ? cp_rd_fail(err, path, key, "is required") : 0;
	/* the family the text looks like says which form it missed */
	if (!clean_string(v) || cp_parse_ip(json_string_value(v), v4, v6, is_v6) < 0)
		return cp_rd_fail(err, path, key, json_is_string(v) && strchr(json_string_value(v), ':')
				  ? "must be an IPv6 address like fd00::1"
				  : "must be an IPv4 address like 10.0.0.1");
	return 0;
}

int cp_rd_enum(const json_t *o, const char *path, const char *key, const char *const *names,
	       unsigned n, uint8_t *out, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);
	char list[160];
	size_t used = 0;

	if (!v)
		return 0;
	if (clean_string(v)) {
		for (unsigned i = 0; i < n; i++) {
			if (strcmp(names[i], json_string_value(v)) == 0) {
				*out = (uint8_t)i;
				return 0;
			}
		}
	}
	list[0] = 0;
	for (unsigned i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 names[i]);
	return cp_rd_fail(err, path, key, "must be one of %s", list);
}

int cp_rd_array(const json_t *o, const char *path, const char *key, size_t max,
		const json_t **arr, struct cp_err *err)
{
	const json_t *v = json_object_get(o, key);

	*arr = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return cp_rd_fail(err, path, key, "must be an array, not %s", type_name(v));
	if (json_array_size(v) > max)
		return cp_rd_fail(err, path, key, "has %zu elements, at most %zu allowed",
				  json_array_size(v), max);
	*arr = v;
	return 0;
}
