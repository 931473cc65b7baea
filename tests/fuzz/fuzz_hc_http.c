/* libFuzzer target: the health checker's HTTP status-line parser
 * (cp_hc_http_status_parse, cp/hc_http.c), which reads what a server
 * answers. The input is the server's reply. It is fed as the checker
 * reads it — into its CP_HC_RX_MAX buffer, a prefix at a time — and the
 * verdict must not depend on how it was cut: once a prefix decides (a
 * code, or not HTTP), every longer prefix and the whole at EOF decide the
 * same; a code is three digits, 100..999. Seeds: tests/fuzz/corpus/hc_http. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cp/hc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	size_t len = size < CP_HC_RX_MAX ? size : CP_HC_RX_MAX;
	unsigned first = 0, code;
	int decided = 0;

	for (size_t k = 0; k <= len; k++) {
		int rc;

		code = 0;
		rc = cp_hc_http_status_parse(b, k, false, &code);
		if (rc != 0 && rc != 1 && rc != -EBADMSG)
			__builtin_trap();
		if (rc == 1 && (code < 100 || code > 999))
			__builtin_trap();
		if (decided) {
			if (rc != decided || (rc == 1 && code != first)) {
				fprintf(stderr, "verdict changed at %zu: %d/%u then %d/%u\n", k,
					decided, first, rc, code);
				__builtin_trap();
			}
		} else if (rc) {
			decided = rc;
			first = code;
		}
	}
	code = 0;
	{
		int rc = cp_hc_http_status_parse(b, len, true, &code);

		if (rc == 0 || (decided && (rc != decided || (rc == 1 && code != first))))
			__builtin_trap();
	}
	return 0;
}
