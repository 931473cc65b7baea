/* HTTP status-line parser (good, garbage, truncated, huge, byte by byte,
 * random bytes) and the request builder. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp/hc_int.h"

static int parse(const char *s, bool eof, unsigned *code)
{
	return cp_hc_http_status_parse(s, strlen(s), eof, code);
}

static void test_good(void **state)
{
	static const struct { const char *line; unsigned code; } good[] = {
		{ "HTTP/1.1 200 OK\r\n", 200 },
		{ "HTTP/1.0 503 Service Unavailable\r\nServer: x\r\n\r\n", 503 },
		{ "HTTP/1.1 204\r\n", 204 },
		{ "HTTP/1.1 404\n", 404 },
		{ "HTTP/1.1  301 Moved\r\n", 301 },
		{ "HTTP/1.1 100 Continue\r\n", 100 },
		{ "HTTP/1.1 999 x\r\n", 999 },
		{ "HTTP/2.0 200 \r\n", 200 },
		{ "HTTP/10.10 418 I'm a teapot\r\n", 418 },
	};
	unsigned i, code;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		code = 0;
		assert_int_equal(parse(good[i].line, false, &code), 1);
		assert_int_equal(code, good[i].code);
		code = 0;
		assert_int_equal(parse(good[i].line, true, &code), 1);
		assert_int_equal(code, good[i].code);
	}
	/* status line ended by the connection closing */
	assert_int_equal(parse("HTTP/1.0 200", false, &code), 0);
	assert_int_equal(parse("HTTP/1.0 200", true, &code), 1);
	assert_int_equal(code, 200);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"hello", "http/1.1 200 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 20 OK\r\n",
		"HTTP/1.1 abc\r\n", "HTTP/x.1 200 OK\r\n", "HTTP/1.1200 OK\r\n",
		"HTTP/1. 200 OK\r\n", "HTTP/.1 200 OK\r\n", "HTTP/1111.1 200 OK\r\n",
		"HTTP/1.1111 200 OK\r\n", "HTTP/1.1 099 Low\r\n", "HTTP/1.1 000\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n", " HTTP/1.1 200 OK\r\n", "HTTP/1.1\t200 OK\r\n",
		"HTTP/1.1 200x\r\n", "HTTP/1.1 2 00\r\n", "\r\n", "HTTP 200 OK\r\n",
		"HTTP/1.1 -200 OK\r\n", "<html>oops</html>",
	};
	unsigned i, code;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], false, &code) != -EBADMSG)
			fail_msg("accepted or wanted more: \"%s\"", bad[i]);
		assert_int_equal(parse(bad[i], true, &code), -EBADMSG);
	}
	/* NUL bytes */
	assert_int_equal(cp_hc_http_status_parse("HTTP/1.1\0 200", 13, false, &code), -EBADMSG);
	assert_int_equal(cp_hc_http_status_parse("\0\0\0\0\0\0", 6, false, &code), -EBADMSG);
}

static void test_truncated(void **state)
{
	const char *line = "HTTP/1.1 200 OK\r\n";
	const size_t decided = strlen("HTTP/1.1 200 ");
	unsigned code;
	size_t n;

	(void)state;
	/* Every prefix: more wanted until the code is delimited. */
	for (n = 0; n < strlen(line); n++) {
		int rc = cp_hc_http_status_parse(line, n, false, &code);

		assert_int_equal(rc, n < decided ? 0 : 1);
		/* The connection closed there. */
		rc = cp_hc_http_status_parse(line, n, true, &code);
		if (n < decided - 1)
			assert_int_equal(rc, -EBADMSG);
		else
			assert_int_equal(rc, 1);
	}
	assert_int_equal(cp_hc_http_status_parse("", 0, true, &code), -EBADMSG);
	assert_int_equal(cp_hc_http_status_parse("", 0, false, &code), 0);
}

static void test_huge(void **state)
{
	const size_t big = 1 << 20;
	char *buf = malloc(big);
	unsigned code = 0;

	(void)state;
	assert_non_null(buf);
	/* a reason phrase of a megabyte: decided on the first bytes */
	memset(buf, 'x', big);
	memcpy(buf, "HTTP/1.1 200 ", 13);
	assert_int_equal(cp_hc_http_status_parse(buf, big, false, &code), 1);
	assert_int_equal(code, 200);
	/* a megabyte of spaces after the version */
	memset(buf, ' ', big);
	memcpy(buf, "HTTP/1.1", 8);
	assert_int_equal(cp_hc_http_status_parse(buf, big, false, &code), -EBADMSG);
	/* a megabyte of digits in the version */
	memset(buf, '1', big);
	memcpy(buf, "HTTP/", 5);
	assert_int_equal(cp_hc_http_status_parse(buf, big, false, &code), -EBADMSG);
	/* a megabyte of junk */
	memset(buf, 'A', big);
	assert_int_equal(cp_hc_http_status_parse(buf, big, false, &code), -EBADMSG);
	free(buf);
}

/* Random buffers over an alphabet close to the grammar: the parser returns
 * one of its three answers, is consistent with eof, and a decided code is
 * a 3-digit code >= 100. */
static void test_random(void **state)
{
	static const char alpha[] = "HTP/.0123456789 \r\nx\0";
	char buf[48];
	unsigned i, code;
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t len, j;
		int a, b;

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		len = x % sizeof(buf);
		if (x & (1ull << 40))
			memcpy(buf, "HTTP/1.1 ", len < 9 ? len : 9);
		for (j = (x & (1ull << 40)) ? 9 : 0; j < len; j++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			buf[j] = alpha[x % (sizeof(alpha) - 1)];
		}
		code = 0;
		a = cp_hc_http_status_parse(buf, len, false, &code);
		assert_true(a == 1 || a == 0 || a == -EBADMSG);
		if (a == 1)
			assert_true(code >= 100 && code <= 999);
		b = cp_hc_http_status_parse(buf, len, true, &code);
		assert_true(b == 1 || b == -EBADMSG);
		if (a != 0)
			assert_int_equal(a, b);
	}
}

static void test_request(void **state)
{
	struct cp_hc_target t;
	char buf[CP_HC_HTTP_REQ_MAX];
	int n;

	(void)state;
	memset(&t, 0, sizeof(t));
	n = cp_hc_http_request(&t, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "GET / HTTP/1.0\r\nUser-Agent: mgw-hc\r\n\r\n");

	strcpy(t.path, "/health?x=1");
	strcpy(t.host, "www.example.com");
	n = cp_hc_http_request(&t, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "GET /health?x=1 HTTP/1.1\r\nHost: www.example.com\r\n"
				 "User-Agent: mgw-hc\r\nConnection: close\r\n\r\n");

	/* the longest path and host fit */
	memset(t.path, 'p', sizeof(t.path) - 1);
	t.path[0] = '/';
	t.path[sizeof(t.path) - 1] = 0;
	memset(t.host, 'h', sizeof(t.host) - 1);
	t.host[sizeof(t.host) - 1] = 0;
	n = cp_hc_http_request(&t, buf, sizeof(buf));
	assert_true(n > 510);
	assert_int_equal(cp_hc_http_request(&t, buf, 100), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
