/*
 * adm/http: URLs, request text, and the response parser (Content-Length,
 * chunked, close-framed, 1xx, truncated, garbage, limits), fed whole and
 * byte by byte; then the socket transport against a loopback server
 * thread (answer in pieces, chunked; truncated; a silent server runs into
 * the deadline; a closed port).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "adm/adm.h"

static char err[ADM_ERR_LEN];

static int parse(const char *s, bool eof, struct adm_http_resp *r)
{
	return adm_http_parse(s, strlen(s), eof, r);
}

/* Complete at the last byte and not before, when fed a byte at a time. */
static void incremental(const char *s, int want_status, const char *want_body)
{
	size_t n = strlen(s);
	struct adm_http_resp r;

	for (size_t i = 0; i < n; i++) {
		int rc = adm_http_parse(s, i, false, &r);

		if (rc != -EAGAIN)
			fail_msg("prefix of %zu/%zu bytes: rc %d", i, n, rc);
	}
	assert_int_equal(adm_http_parse(s, n, false, &r), 0);
	assert_int_equal(r.status, want_status);
	assert_string_equal(r.body, want_body);
	adm_http_resp_free(&r);
}

static void test_url(void **state)
{
	struct adm_url u;

	(void)state;
	assert_int_equal(adm_url_parse("http://127.0.0.1:8080", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.base, "/api/v1");
	assert_int_equal(adm_url_parse("http://lb1", &u, err, sizeof(err)), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.base, "/api/v1");
	assert_int_equal(adm_url_parse("http://lb1:81/api/v1/", &u, err, sizeof(err)), 0);
	assert_string_equal(u.base, "/api/v1");
	assert_int_equal(adm_url_parse("HTTP://lb1:81/mgw", &u, err, sizeof(err)), 0);
	assert_string_equal(u.base, "/mgw/api/v1");
	assert_int_equal(adm_url_parse("https://lb1", &u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "only http://"));
	assert_int_equal(adm_url_parse("127.0.0.1:8080", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://:8080", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h:0", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h:65536", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h:80x", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h:", &u, err, sizeof(err)), -EINVAL);
	/* a bracketed IPv6 host, with and without a port */
	assert_int_equal(adm_url_parse("http://[::1]:8080/api/v1", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.base, "/api/v1");
	assert_int_equal(adm_url_parse("http://[fd00::1]", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "fd00::1");
	assert_int_equal(u.port, 80);
	assert_int_equal(adm_url_parse("http://[fd00::1]/mgw", &u, err, sizeof(err)), 0);
	assert_string_equal(u.base, "/mgw/api/v1");
	assert_int_equal(adm_url_parse("http://[::1", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[::1]x", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[::1]:", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[::1]:+80", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[]:80", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[127.0.0.1]:80", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://[lb1]:80", &u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "an IPv6 address in []"));
	assert_int_equal(adm_url_parse("http://fd00::1:80", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://u@h", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h/a b", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(adm_url_parse("http://h/a?x", &u, err, sizeof(err)), -EINVAL);
}

static void test_request(void **state)
{
	struct adm_url u;
	char *req;
	size_t len;

	(void)state;
	assert_int_equal(adm_url_parse("http://127.0.0.1:8080", &u, err, sizeof(err)), 0);
	assert_int_equal(adm_http_request(&u, "GET", "/services", NULL, NULL, 0, &req, &len), 0);
	assert_string_equal(req, "GET /api/v1/services HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
			    "User-Agent: mgwadm/" ADM_VERSION "\r\nAccept: application/json\r\n"
			    "Connection: close\r\n\r\n");
	assert_int_equal(len, strlen(req));
	free(req);
	/* an IPv6 host goes in brackets in Host */
	assert_int_equal(adm_url_parse("http://[::1]:8080", &u, err, sizeof(err)), 0);
	assert_int_equal(adm_http_request(&u, "GET", "/services", NULL, NULL, 0, &req, &len), 0);
	assert_non_null(strstr(req, "\r\nHost: [::1]:8080\r\n"));
	free(req);
	assert_int_equal(adm_url_parse("http://127.0.0.1:8080", &u, err, sizeof(err)), 0);
	assert_int_equal(adm_http_request(&u, "POST", "/services", "tok", "{\"a\":1}", 7, &req,
					  &len), 0);
	assert_non_null(strstr(req, "POST /api/v1/services HTTP/1.1\r\n"));
	assert_non_null(strstr(req, "Authorization: Bearer tok\r\n"));
	assert_non_null(strstr(req, "Content-Type: application/json\r\nContent-Length: 7\r\n"
			       "\r\n{\"a\":1}"));
	free(req);
	assert_int_equal(adm_http_request(&u, "DELETE", "/stats", NULL, NULL, 0, &req, &len), 0);
	assert_null(strstr(req, "Content-Length"));
	free(req);
	assert_int_equal(adm_http_request(&u, "PUT", "/config", NULL, NULL, 0, &req, &len), 0);
	assert_non_null(strstr(req, "Content-Length: 0\r\n"));
	free(req);
}

static void test_content_length(void **state)
{
	struct adm_http_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Content-Length: 12\r\n\r\n{\"ok\": true}";

	(void)state;
	assert_int_equal(parse(s, false, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 12);
	assert_string_equal(r.body, "{\"ok\": true}");
	adm_http_resp_free(&r);
	incremental(s, 200, "{\"ok\": true}");

	/* bytes after the body (a next response) are not ours */
	assert_int_equal(parse("HTTP/1.1 201 Created\r\ncontent-length:2\r\n\r\n{}GARBAGE", false,
			       &r), 0);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{}");
	adm_http_resp_free(&r);

	/* empty body; no reason phrase; bare LF line ends; HTTP/1.0 */
	assert_int_equal(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, &r), 0);
	assert_string_equal(r.body, "");
	adm_http_resp_free(&r);
	assert_int_equal(parse("HTTP/1.0 404 Not Found\nContent-Length: 2\n\n{}", false, &r), 0);
	assert_int_equal(r.status, 404);
	adm_http_resp_free(&r);

	/* equal duplicates are fine, different ones are not */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
			       "\r\n{}", false, &r), 0);
	adm_http_resp_free(&r);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n"
			       "\r\n{}x", false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, &r),
			 -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, &r),
			 -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", false, &r),
			 -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n"
			       "\r\n", false, &r), -EFBIG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 4294967296000\r\n\r\n",
			       false, &r), -EFBIG);
}

static void test_truncated(void **state)
{
	struct adm_http_resp r;

	(void)state;
	/* the peer closed early: at every cut, "truncated", never a crash */
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";

	for (size_t i = 0; i < strlen(s); i++) {
		int rc = adm_http_parse(s, i, true, &r);

		if (rc != -ENODATA && rc != -EBADMSG)
			fail_msg("cut at %zu: rc %d", i, rc);
	}
	assert_int_equal(adm_http_parse(s, 20, true, &r), -ENODATA);
	assert_int_equal(adm_http_parse("", 0, true, &r), -ENODATA);
	/* chunked, cut inside a chunk or before the last one */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
			       true, &r), -ENODATA);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
			       true, &r), -ENODATA);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
			       false, &r), -EAGAIN);
}

static void test_chunked(void **state)
{
	struct adm_http_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"4\r\n[1, \r\n5;name=v\r\n2, 3]\r\n0\r\n\r\n";

	(void)state;
	assert_int_equal(parse(s, false, &r), 0);
	assert_string_equal(r.body, "[1, 2, 3]");
	assert_int_equal(r.body_len, 9);
	adm_http_resp_free(&r);
	incremental(s, 200, "[1, 2, 3]");

	/* hex sizes in either case, trailers; "identity, chunked" is chunked
	 * and wins over a Content-Length */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
			       "Transfer-Encoding: identity, chunked\r\n\r\n"
			       "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\nX-Trailer: 1\r\n\r\n",
			       false, &r), 0);
	assert_string_equal(r.body, "0123456789abcdefghij");
	adm_http_resp_free(&r);
	/* an empty chunked body */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			       false, &r), 0);
	assert_string_equal(r.body, "");
	adm_http_resp_free(&r);

	/* malformed chunks */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			       false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
			       false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "2\r\nabc\r\n0\r\n\r\n", false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "2\r\nab\rX0\r\n\r\n", false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "fffffffffffffffff\r\n", false, &r), -EFBIG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "7fffffff\r\nab", false, &r), -EFBIG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &r),
			 -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			       false, &r), -EBADMSG);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n"
			       "\r\n", false, &r), -EBADMSG);
}

static void test_close_framed_and_1xx(void **state)
{
	struct adm_http_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}";

	(void)state;
	assert_int_equal(parse(s, false, &r), -EAGAIN);
	assert_int_equal(parse(s, true, &r), 0);
	assert_string_equal(r.body, "{\"a\": 1}");
	adm_http_resp_free(&r);
	/* 100 Continue then the answer */
	assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 409 Conflict\r\n"
			       "Content-Length: 2\r\n\r\n{}", false, &r), 0);
	assert_int_equal(r.status, 409);
	adm_http_resp_free(&r);
	/* 204 has no body whatever follows */
	assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", false, &r), 0);
	assert_int_equal(r.body_len, 0);
	adm_http_resp_free(&r);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/1.1 600 X\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
		"<html>hello</html>",
		"\x00\x01\x02\x03\x04\x05\x06\x07\n",
		NULL,
	};
	struct adm_http_resp r;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		int rc = adm_http_parse(bad[i], strlen(bad[i]) ? strlen(bad[i]) : 9, false, &r);

		if (rc != -EBADMSG)
			fail_msg("garbage %d accepted (rc %d)", i, rc);
	}
	/* early refusal: a few bytes that cannot start a status line */
	assert_int_equal(adm_http_parse("GET", 3, false, &r), -EBADMSG);
	assert_int_equal(adm_http_parse("HTTP", 4, false, &r), -EAGAIN);
}

static void test_limits(void **state)
{
	size_t n = ADM_HTTP_MAX_HEADERS + 100;
	char *big = malloc(n + 64);
	struct adm_http_resp r;
	int len;

	(void)state;
	len = sprintf(big, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(big + len, 'a', n - (size_t)len);
	big[n] = 0;
	assert_int_equal(adm_http_parse(big, n, false, &r), -EFBIG);
	free(big);
}

/* Random bytes after a valid status line: rejected or waited for, never a
 * crash (valgrind / ASan catch what assertions cannot). */
static void test_fuzz(void **state)
{
	uint64_t s = 12345;
	char buf[512];
	struct adm_http_resp r;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(s % 200) + 1;
		int pre = sprintf(buf, "HTTP/1.1 200 OK\r\n%s",
				  iter & 1 ? "Transfer-Encoding: chunked\r\n\r\n" : "");

		for (size_t i = 0; i < len; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			buf[pre + (int)i] = "0123456789abcdefXZ;:\r\n \t"[(s >> 33) % 25];
		}
		int rc = adm_http_parse(buf, (size_t)pre + len, iter & 2, &r);

		if (rc == 0)
			adm_http_resp_free(&r);
		else
			assert_true(rc == -EAGAIN || rc == -EBADMSG || rc == -ENODATA ||
				    rc == -EFBIG);
	}
}

/* ---- the socket transport against a loopback server -------------------- */

struct server {
	int lfd;
	uint16_t port;
	const char *const *pieces;      /* written with pauses; NULL-terminated */
	bool silent;                    /* read the request, answer nothing */
	bool v6;                        /* listen on [::1], not 127.0.0.1 */
	char request[4096];
	pthread_t th;
};

static void *serve(void *arg)
{
	struct server *sv = arg;
	int fd = accept(sv->lfd, NULL, NULL);
	size_t got = 0;

	if (fd < 0)
		return NULL;
	/* Read up to the end of the headers (and a small body). */
	while (got < sizeof(sv->request) - 1) {
		ssize_t n = recv(fd, sv->request + got, sizeof(sv->request) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
		sv->request[got] = 0;
		if (strstr(sv->request, "\r\n\r\n"))
			break;
	}
	if (sv->silent) {
		/* Answer nothing until the client gives up (or 10 s pass). */
		struct timeval tv = { 10, 0 };
		char b[64];

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (recv(fd, b, sizeof(b), 0) > 0)
			;
	} else {
		for (int i = 0; sv->pieces[i]; i++) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			if (send(fd, sv->pieces[i], strlen(sv->pieces[i]), MSG_NOSIGNAL) < 0)
				break;
			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return NULL;
}

/* 0, or -1 when the address cannot be had (no IPv6 loopback here). */
static int server_start(struct server *sv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr *a = sv->v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa;
	socklen_t sl = sv->v6 ? sizeof(sa6) : sizeof(sa);

	sv->lfd = socket(a->sa_family, SOCK_STREAM, 0);
	assert_true(sv->lfd >= 0);
	if (bind(sv->lfd, a, sl) < 0) {
		assert_true(sv->v6);
		close(sv->lfd);
		return -1;
	}
	assert_int_equal(listen(sv->lfd, 4), 0);
	assert_int_equal(getsockname(sv->lfd, a, &sl), 0);
	sv->port = ntohs(sv->v6 ? sa6.sin6_port : sa.sin_port);
	assert_int_equal(pthread_create(&sv->th, NULL, serve, sv), 0);
	return 0;
}

static void server_stop(struct server *sv)
{
	pthread_join(sv->th, NULL);
	close(sv->lfd);
}

static void test_exchange(void **state)
{
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nTransfer-",
		"Encoding: chunked\r\n\r\n3\r\n[1,",
		"\r\n2\r\n2]\r\n0\r\n",
		"\r\n",
		NULL,
	};
	struct server sv = { .pieces = pieces };
	struct adm_api a = { .transport = adm_api_socket, .timeout_ms = 5000 };
	json_t *out = NULL;
	char url[64];

	(void)state;
	server_start(&sv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", sv.port);
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	a.token = "s3cret";
	assert_int_equal(adm_api_call(&a, "GET", "/services", NULL, &out, err, sizeof(err)), 0);
	server_stop(&sv);
	assert_true(json_is_array(out));
	assert_int_equal(json_array_size(out), 2);
	json_decref(out);
	assert_non_null(strstr(sv.request, "GET /api/v1/services HTTP/1.1\r\n"));
	assert_non_null(strstr(sv.request, "Authorization: Bearer s3cret\r\n"));
}

/* The same over [::1] (skipped where the box has no IPv6 loopback). */
static void test_exchange_ipv6(void **state)
{
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", NULL,
	};
	struct server sv = { .pieces = pieces, .v6 = true };
	struct adm_api a = { .transport = adm_api_socket, .timeout_ms = 5000 };
	json_t *out = NULL;
	char url[64], host[64];

	(void)state;
	if (server_start(&sv) < 0) {
		print_message("SKIP: no [::1] to listen on\n");
		return;
	}
	snprintf(url, sizeof(url), "http://[::1]:%u", sv.port);
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	assert_int_equal(adm_api_call(&a, "GET", "/services", NULL, &out, err, sizeof(err)), 0);
	server_stop(&sv);
	assert_true(json_is_array(out));
	json_decref(out);
	snprintf(host, sizeof(host), "\r\nHost: [::1]:%u\r\n", sv.port);
	assert_non_null(strstr(sv.request, host));
}

static void test_exchange_error_body(void **state)
{
	static const char *const pieces[] = {
		"HTTP/1.1 409 Conflict\r\nContent-Length: 90\r\n\r\n"
		"{\"error\": {\"code\": \"conflict\", \"message\": \"service exists\", "
		"\"field\": \"services[0].port\"}}\n",
		NULL,
	};
	struct server sv = { .pieces = pieces };
	struct adm_api a = { .transport = adm_api_socket, .timeout_ms = 5000 };
	json_t *body = json_object();
	char url[64];

	(void)state;
	server_start(&sv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", sv.port);
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	assert_int_equal(adm_api_call(&a, "POST", "/services", body, NULL, err, sizeof(err)),
			 -EEXIST);
	server_stop(&sv);
	json_decref(body);
	assert_string_equal(err, "service exists (services[0].port)");
}

static void test_exchange_truncated_and_timeout(void **state)
{
	static const char *const pieces[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":",
		NULL,
	};
	struct server sv = { .pieces = pieces };
	struct server quiet = { .silent = true };
	struct adm_api a = { .transport = adm_api_socket, .timeout_ms = 5000 };
	char url[64];

	(void)state;
	server_start(&sv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", sv.port);
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	assert_int_equal(adm_api_call(&a, "GET", "/x", NULL, NULL, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "truncated"));
	server_stop(&sv);

	server_start(&quiet);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", quiet.port);
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	/* The server holds the connection open until we close it: only the
	 * deadline can end the call. */
	a.timeout_ms = 200;
	assert_int_equal(adm_api_call(&a, "GET", "/x", NULL, NULL, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "timed out"));
	server_stop(&quiet);
}

static void test_exchange_refused(void **state)
{
	struct adm_api a = { .transport = adm_api_socket, .timeout_ms = 2000 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];

	(void)state;
	/* a port that was just free */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(adm_url_parse(url, &a.url, err, sizeof(err)), 0);
	assert_int_equal(adm_api_call(&a, "GET", "/x", NULL, NULL, err, sizeof(err)),
			 -ECONNREFUSED);
	assert_non_null(strstr(err, "cannot reach mgw's API"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close_framed_and_1xx),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_exchange_ipv6),
		cmocka_unit_test(test_exchange_error_body),
		cmocka_unit_test(test_exchange_truncated_and_timeout),
		cmocka_unit_test(test_exchange_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
