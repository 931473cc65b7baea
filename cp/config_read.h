/* cp/config_read.h — bounds- and type-checked reading of JSON fields for the
 * config parser (private to cp/config_*.c). Each reader leaves *out alone
 * when the key is absent and not required, and on error fills the
 * cp_err with the field's JSON path and a reason an operator can act on. */
#ifndef MGW_CP_CONFIG_READ_H
#define MGW_CP_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cp/config.h"

int cp_rd_fail(struct cp_err *err, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "path.key", "path[i]" */
void cp_rd_path(char *buf, size_t cap, const char *path, const char *key);
void cp_rd_index(char *buf, size_t cap, const char *path, const char *key, size_t i);

int cp_rd_object(const json_t *j, const char *path, struct cp_err *err);
int cp_rd_keys(const json_t *o, const char *path, const char *const *keys, struct cp_err *err);
int cp_rd_uint(const json_t *o, const char *path, const char *key, uint64_t min, uint64_t max,
	       bool required, uint32_t *out, struct cp_err *err);
int cp_rd_u16(const json_t *o, const char *path, const char *key, uint64_t min, uint64_t max,
	      bool required, uint16_t *out, struct cp_err *err);
int cp_rd_bool(const json_t *o, const char *path, const char *key, bool *out,
	       struct cp_err *err);
int cp_rd_string(const json_t *o, const char *path, const char *key, bool required, char *buf,
		 size_t cap, struct cp_err *err);
/* A string or null (null → ""). */
int cp_rd_string_or_null(const json_t *o, const char *path, const char *key, char *buf,
			 size_t cap, struct cp_err *err);
int cp_rd_ipv4(const json_t *o, const char *path, const char *key, bool required, uint32_t *out,
	       struct cp_err *err);
/* An address of either family (cp_parse_ip). */
int cp_rd_ip(const json_t *o, const char *path, const char *key, bool required, uint32_t *v4,
	     uint8_t v6[16], bool *is_v6, struct cp_err *err);
int cp_rd_enum(const json_t *o, const char *path, const char *key, const char *const *names,
	       unsigned n, uint8_t *out, struct cp_err *err);
/* An array (or absent: *arr = NULL) of at most max elements. */
int cp_rd_array(const json_t *o, const char *path, const char *key, size_t max,
		const json_t **arr, struct cp_err *err);

#endif
