/* libFuzzer target: mgwadm's readers of untrusted text (adm/).
 * The first byte picks one:
 *   even  the HTTP response reader (adm_http_parse: status line, headers,
 *         Content-Length or chunked body), on the rest as the API's answer:
 *         at EOF it never asks for more; a response it completes has a
 *         NUL-terminated body no longer than the input; with more bytes
 *         to come a complete answer stays complete (and the same) when
 *         the peer then closes;
 *   odd   the ipvsadm-save restore parser (adm_restore_apply, -R), on the
 *         rest as the dump, applied to a list of services: a refusal
 *         names the line and leaves the list as it was; a dump it accepts
 *         saves (adm_save_render) to a text that restores to the same list.
 * Seeds: tests/fuzz/corpus/adm. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adm/adm.h"

static void http(const char *b, size_t len)
{
	struct adm_http_resp r1, r2;
	int rc1, rc2;

	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	rc1 = adm_http_parse(b, len, false, &r1);
	rc2 = adm_http_parse(b, len, true, &r2);
	if (rc2 == -EAGAIN)
		__builtin_trap();
	if (rc1 == 0) {
		if (rc2 != 0 || r1.status != r2.status || r1.body_len != r2.body_len ||
		    memcmp(r1.body, r2.body, r1.body_len) != 0)
			__builtin_trap();
	}
	if (rc2 == 0 && (!r2.body || r2.body_len > len || r2.body[r2.body_len] != 0))
		__builtin_trap();
	if (rc1 == 0)
		adm_http_resp_free(&r1);
	if (rc2 == 0)
		adm_http_resp_free(&r2);
}

static json_t *restore_text(const char *b, size_t len, json_t *services, int *rc)
{
	char err[ADM_ERR_LEN] = "";
	FILE *in = fmemopen((void *)b, len, "r");

	if (!in)
		return NULL;
	*rc = adm_restore_apply(in, services, err, sizeof(err));
	fclose(in);
	if (*rc < 0 && !err[0])
		__builtin_trap();
	return services;
}

static void restore(const char *b, size_t len)
{
	json_t *base = json_loads("[{\"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80,"
				  " \"scheduler\": \"rr\", \"servers\": [{\"ip\": \"10.1.0.11\","
				  " \"port\": 80, \"weight\": 1, \"forward\": \"dr\"}]}]", 0, NULL);
	json_t *s = json_deep_copy(base), *again = json_array();
	char *text = NULL;
	size_t tlen = 0;
	FILE *out;
	int rc, rc2;

	if (!base || !s || !again)
		goto done;
	if (!restore_text(b, len, s, &rc))
		goto done;
	if (rc < 0) {
		if (!json_equal(s, base))
			__builtin_trap();
		goto done;
	}
	out = open_memstream(&text, &tlen);
	if (!out)
		goto done;
	rc = adm_save_render(out, s, 0);
	fclose(out);
	if (rc < 0)
		goto done;
	if (!restore_text(text, tlen, again, &rc2))
		goto done;
	if (rc2 < 0) {
		fprintf(stderr, "fuzz_adm: own save refused:\n%s\n", text);
		__builtin_trap();
	}
done:
	free(text);
	json_decref(again);
	json_decref(s);
	json_decref(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 64 * 1024)
		return -1;
	if (data[0] & 1)
		restore((const char *)data + 1, size - 1);
	else
		http((const char *)data + 1, size - 1);
	return 0;
}
