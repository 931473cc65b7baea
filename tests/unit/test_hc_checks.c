/* The checks against real sockets on loopback (a private namespace when
 * root): TCP, UDP and HTTP outcomes and their reason texts, against small
 * responders that answer right, wrong, slowly, with garbage, with too much
 * or not at all; the source address is bound. IPv4, and IPv6 alike. */
#include "hc_test_net.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cp/hc.h"

enum mode {
	M_OK, M_DRIBBLE, M_WRONG, M_GARBAGE, M_HUGE, M_HUGE_GARBAGE, M_CLOSE, M_SILENT,
	M_TRUNCATED, M_TCP_ONLY, M_UDP_ECHO, M_UDP_SILENT,
};

struct responder {
	enum mode mode;
	int fd;
	uint16_t port;
	pthread_t th;
	pthread_mutex_t mu;
	char last_req[512];          /* http: last request; udp: last payload */
	size_t last_len;
	uint32_t last_peer;          /* source address seen (IPv4) */
	uint8_t last_peer6[16];      /* (IPv6) */
	bool stop;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

		if (r <= 0)
			return;
		p += r;
		n -= (size_t)r;
	}
}

static void serve_http(struct responder *rs, int c)
{
	const size_t bigsz = 1 << 20;
	char req[512], *big = NULL;
	size_t len = 0;
	ssize_t r;
	int one = 1, i;

	/* read the request head */
	while (len < sizeof(req) - 1) {
		r = recv(c, req + len, sizeof(req) - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		req[len] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	pthread_mutex_lock(&rs->mu);
	memcpy(rs->last_req, req, len);
	rs->last_req[len] = 0;
	rs->last_len = len;
	pthread_mutex_unlock(&rs->mu);

	switch (rs->mode) {
	case M_OK:
		send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
		break;
	case M_DRIBBLE:
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (i = 0; i < 17; i++) {
			send_all(c, &"HTTP/1.1 200 OK\r\n"[i], 1);
			test_sleep_ms(1);
		}
		break;
	case M_WRONG:
		send_all(c, "HTTP/1.0 503 Service Unavailable\r\n\r\n", 36);
		break;
	case M_GARBAGE:
		send_all(c, "SSH-2.0-OpenSSH_9.2\r\n", 21);
		break;
	case M_HUGE:
	case M_HUGE_GARBAGE:
		big = malloc(bigsz);
		if (big == NULL)
			break;
		memset(big, rs->mode == M_HUGE ? 'x' : 'A', bigsz);
		if (rs->mode == M_HUGE)
			memcpy(big, "HTTP/1.1 200 ", 13);
		for (i = 0; i < 4; i++)
			send_all(c, big, bigsz);
		free(big);
		break;
	case M_TRUNCATED:
		send_all(c, "HTTP/1.1 2", 10);
		break;
	case M_SILENT: {
		char b[64];

		while (recv(c, b, sizeof(b), 0) > 0)
			;
		break;
	}
	default:
		break;
	}
}

static void note_peer(struct responder *rs, const struct sockaddr_storage *peer)
{
	if (peer->ss_family == AF_INET6)
		memcpy(rs->last_peer6, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	else
		rs->last_peer = ntohl(((const struct sockaddr_in *)peer)->sin_addr.s_addr);
}

static void *responder_main(void *arg)
{
	struct responder *rs = arg;

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t sl = sizeof(peer);

		if (rs->mode == M_UDP_ECHO || rs->mode == M_UDP_SILENT) {
			char b[1024];
			ssize_t n = recvfrom(rs->fd, b, sizeof(b), 0, (struct sockaddr *)&peer, &sl);

			if (n < 0 || __atomic_load_n(&rs->stop, __ATOMIC_RELAXED))
				return NULL;
			pthread_mutex_lock(&rs->mu);
			memcpy(rs->last_req, b, (size_t)n < sizeof(rs->last_req) ? (size_t)n : sizeof(rs->last_req));
			rs->last_len = (size_t)n;
			note_peer(rs, &peer);
			pthread_mutex_unlock(&rs->mu);
			if (rs->mode == M_UDP_ECHO)
				sendto(rs->fd, b, (size_t)n, 0, (struct sockaddr *)&peer, sl);
			continue;
		}
		int c = accept(rs->fd, (struct sockaddr *)&peer, &sl);

		if (c < 0)
			return NULL;
		if (rs->mode == M_TCP_ONLY) {
			close(c);
			continue;
		}
		pthread_mutex_lock(&rs->mu);
		note_peer(rs, &peer);
		pthread_mutex_unlock(&rs->mu);
		serve_http(rs, c); /* M_CLOSE: reads the request, answers nothing */
		close(c);
	}
}

static void responder_start_af(struct responder *rs, enum mode mode, int af)
{
	memset(rs, 0, sizeof(*rs));
	rs->mode = mode;
	pthread_mutex_init(&rs->mu, NULL);
	rs->fd = test_sock_af(af, mode >= M_UDP_ECHO ? SOCK_DGRAM : SOCK_STREAM, &rs->port);
	assert_true(rs->fd >= 0);
	/* the silent UDP responder never reads: it just keeps the port open */
	if (mode != M_UDP_SILENT)
		assert_int_equal(pthread_create(&rs->th, NULL, responder_main, rs), 0);
}

static void responder_start(struct responder *rs, enum mode mode)
{
	responder_start_af(rs, mode, AF_INET);
}

static void responder_stop(struct responder *rs)
{
	__atomic_store_n(&rs->stop, true, __ATOMIC_RELAXED);
	shutdown(rs->fd, SHUT_RDWR);
	if (rs->mode != M_UDP_SILENT)
		pthread_join(rs->th, NULL);
	close(rs->fd);
	pthread_mutex_destroy(&rs->mu);
}

/* ---- engine side -------------------------------------------------------- */

#define NT 24

struct seen {
	pthread_mutex_t mu;
	char reason[NT][CP_HC_ERR_MAX];
	unsigned changes[NT];
};

static void on_change(void *arg, uint64_t key, bool up, const char *reason)
{
	struct seen *s = arg;

	(void)up;
	pthread_mutex_lock(&s->mu);
	if (key < NT) {
		snprintf(s->reason[key], sizeof(s->reason[key]), "%s", reason);
		s->changes[key]++;
	}
	pthread_mutex_unlock(&s->mu);
}

static struct cp_hc_target mk(uint64_t key, enum cp_hc_type type, uint16_t port)
{
	struct cp_hc_target t;

	memset(&t, 0, sizeof(t));
	t.key = key;
	t.type = type;
	t.dst_ip = LOOP;
	t.dst_port = port;
	t.interval_ms = 200;
	t.timeout_ms = 150;
	t.rise = 1;
	t.fall = 1;
	t.http_status = 200;
	return t;
}

struct expect {
	bool ok;
	const char *text;   /* last_error for failures */
};

/* Checks t[0..n) until each has had three results (none: at once), then
 * asserts each one's outcome and reason against ex; the engine is left
 * running for the caller to stop. */
static struct cp_hc *run_checks(const struct cp_hc_target *t, const struct expect *ex,
				unsigned n, struct seen *seen)
{
	struct cp_hc_status st;
	struct cp_hc *h;
	unsigned i, tries;

	assert_int_equal(cp_hc_create(on_change, seen, &h), 0);
	assert_int_equal(cp_hc_set(h, t, n), 0);
	assert_int_equal(cp_hc_start(h), 0);
	for (tries = 0; tries < 400; tries++) {
		unsigned done = 0;

		for (i = 0; i < n; i++)
			if (cp_hc_get(h, i, &st) == 0 && (st.checks >= 3 || t[i].type == CP_HC_NONE))
				done++;
		if (done == n)
			break;
		test_sleep_ms(10);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(cp_hc_get(h, i, &st), 0);
		if (st.last_ok != ex[i].ok || strcmp(st.last_error, ex[i].text) != 0 ||
		    st.up != ex[i].ok || (t[i].type != CP_HC_NONE && st.checks < 3))
			fail_msg("target %u (%s%s port %u): last_ok %d up %d error \"%s\" checks %"
				 PRIu64 "; want ok %d error \"%s\"", i, t[i].v6 ? "IPv6 " : "",
				 cp_hc_type_name(t[i].type), t[i].dst_port, st.last_ok, st.up,
				 st.last_error, st.checks, ex[i].ok, ex[i].text);
	}
	return h;
}

static void test_checks(void **state)
{
	/* static: responder threads must never see a dead stack frame, even
	 * when a failed assertion leaves this function early */
	static struct responder rs[M_UDP_SILENT + 1], rs_host;
	struct cp_hc_target t[NT];
	struct expect ex[NT];
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct cp_hc *h;
	unsigned n = 0, i;
	int full_fd, filler;
	uint16_t full_port = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LOOP) };

	(void)state;
	for (i = 0; i <= M_UDP_SILENT; i++)
		responder_start(&rs[i], (enum mode)i);
	responder_start(&rs_host, M_WRONG);

	/* A listener whose accept queue is full: SYNs go unanswered. */
	full_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(full_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	{
		socklen_t sl = sizeof(sa);

		getsockname(full_fd, (struct sockaddr *)&sa, &sl);
		full_port = ntohs(sa.sin_port);
	}
	assert_int_equal(listen(full_fd, 0), 0);
	filler = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&sa, sizeof(sa)), 0);
	test_sleep_ms(20);

#define ADD(tt, okv, txt) do { t[n] = tt; ex[n].ok = okv; ex[n].text = txt; n++; } while (0)
	ADD(mk(n, CP_HC_TCP, rs[M_TCP_ONLY].port), true, "");
	ADD(mk(n, CP_HC_TCP, test_closed_port(SOCK_STREAM)), false, "connect: Connection refused");
	ADD(mk(n, CP_HC_TCP, full_port), false, "timeout after 150 ms");
	ADD(mk(n, CP_HC_HTTP, rs[M_OK].port), true, "");
	ADD(mk(n, CP_HC_HTTP, rs[M_DRIBBLE].port), true, "");
	ADD(mk(n, CP_HC_HTTP, rs[M_WRONG].port), false, "http status 503 != 200");
	ADD(mk(n, CP_HC_HTTP, rs[M_GARBAGE].port), false, "http: bad status line");
	ADD(mk(n, CP_HC_HTTP, rs[M_HUGE].port), true, "");
	ADD(mk(n, CP_HC_HTTP, rs[M_HUGE_GARBAGE].port), false, "http: bad status line");
	ADD(mk(n, CP_HC_HTTP, rs[M_CLOSE].port), false, "http: connection closed before status line");
	ADD(mk(n, CP_HC_HTTP, rs[M_SILENT].port), false, "timeout after 150 ms");
	ADD(mk(n, CP_HC_HTTP, rs[M_TRUNCATED].port), false, "http: truncated status line");
	ADD(mk(n, CP_HC_HTTP, test_closed_port(SOCK_STREAM)), false, "connect: Connection refused");
	ADD(mk(n, CP_HC_UDP, rs[M_UDP_ECHO].port), true, "");
	ADD(mk(n, CP_HC_UDP, test_closed_port(SOCK_DGRAM)), false, "udp: port unreachable");
	ADD(mk(n, CP_HC_UDP, rs[M_UDP_SILENT].port), true, "");
	ADD(mk(n, CP_HC_UDP, rs[M_UDP_SILENT].port), false, "timeout after 150 ms");
	t[n - 1].require_reply = true;
	ADD(mk(n, CP_HC_TCP, rs[M_TCP_ONLY].port), false, "bind 10.9.9.9: Cannot assign requested address");
	t[n - 1].src_ip = 0x0a090909;
	ADD(mk(n, CP_HC_NONE, 0), true, "");
	/* http with a Host header and a path, from 127.0.0.2 */
	ADD(mk(n, CP_HC_HTTP, rs_host.port), true, "");
	t[n - 1].http_status = 503;
	strcpy(t[n - 1].path, "/hc?x=1");
	strcpy(t[n - 1].host, "h.example");
	t[n - 1].src_ip = LOOP + 1;
	/* udp with a payload, from 127.0.0.3 */
	ADD(mk(n, CP_HC_UDP, rs[M_UDP_ECHO].port), true, "");
	t[n - 1].require_reply = true;
	memcpy(t[n - 1].payload, "ping\0\1", 6);
	t[n - 1].payload_len = 6;
	t[n - 1].src_ip = LOOP + 2;
#undef ADD
	assert_true(n <= NT);

	h = run_checks(t, ex, n, &seen);
	for (i = 0; i < n; i++) {
		/* a failing target went down once, with the reason of its failure */
		pthread_mutex_lock(&seen.mu);
		assert_int_equal(seen.changes[i], ex[i].ok ? 0 : 1);
		if (!ex[i].ok)
			assert_string_equal(seen.reason[i], ex[i].text);
		pthread_mutex_unlock(&seen.mu);
	}
	cp_hc_stop(h);

	pthread_mutex_lock(&rs_host.mu);
	assert_string_equal(rs_host.last_req, "GET /hc?x=1 HTTP/1.1\r\nHost: h.example\r\n"
					      "User-Agent: mgw-hc\r\nConnection: close\r\n\r\n");
	assert_int_equal(rs_host.last_peer, LOOP + 1);
	pthread_mutex_unlock(&rs_host.mu);
	pthread_mutex_lock(&rs[M_OK].mu);
	assert_string_equal(rs[M_OK].last_req, "GET / HTTP/1.0\r\nUser-Agent: mgw-hc\r\n\r\n");
	pthread_mutex_unlock(&rs[M_OK].mu);
	pthread_mutex_lock(&rs[M_UDP_ECHO].mu);
	/* both UDP targets hit the echo: the last datagram is one of theirs */
	if (rs[M_UDP_ECHO].last_peer == LOOP + 2) {
		assert_int_equal(rs[M_UDP_ECHO].last_len, 6);
		assert_memory_equal(rs[M_UDP_ECHO].last_req, "ping\0\1", 6);
	} else {
		assert_int_equal(rs[M_UDP_ECHO].last_len, 0);
	}
	pthread_mutex_unlock(&rs[M_UDP_ECHO].mu);

	cp_hc_destroy(h);
	for (i = 0; i <= M_UDP_SILENT; i++)
		responder_stop(&rs[i]);
	responder_stop(&rs_host);
	close(filler);
	close(full_fd);
}

/* The same checks over IPv6 (::1), the source bound as the checker binds
 * a port's ip6: each outcome and its reason as IPv4's, addresses in the
 * texts in brackets. */
static void test_checks6(void **state)
{
	static struct responder tcp, ok, wrong, echo;
	static const uint8_t loop6[16] = { [15] = 1 };
	static const uint8_t other6[16] = { 0xfd, 0, [15] = 0x99 };
	struct cp_hc_target t[8];
	struct expect ex[8];
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct cp_hc *h;
	unsigned n = 0;
	char msg[128];
	int probe = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	(void)state;
	if (probe < 0 || bind(probe, (struct sockaddr *)&s6, sizeof(s6)) < 0) {
		if (probe >= 0)
			close(probe);
		skip();   /* no IPv6 loopback here */
	}
	close(probe);
	responder_start_af(&tcp, M_TCP_ONLY, AF_INET6);
	responder_start_af(&ok, M_OK, AF_INET6);
	responder_start_af(&wrong, M_WRONG, AF_INET6);
	responder_start_af(&echo, M_UDP_ECHO, AF_INET6);
#define ADD6(type, port, okv, txt)                                        \
	do {                                                              \
		t[n] = mk(n, type, port);                                 \
		t[n].v6 = true;                                           \
		t[n].dst_ip = 0;                                          \
		memcpy(t[n].dst_ip6, loop6, 16);                          \
		memcpy(t[n].src_ip6, loop6, 16);                          \
		ex[n].ok = okv;                                           \
		ex[n].text = txt;                                         \
		n++;                                                      \
	} while (0)
	ADD6(CP_HC_TCP, tcp.port, true, "");
	ADD6(CP_HC_TCP, test_closed_port_af(AF_INET6, SOCK_STREAM), false,
	     "connect: Connection refused");
	ADD6(CP_HC_HTTP, ok.port, true, "");
	ADD6(CP_HC_HTTP, wrong.port, false, "http status 503 != 200");
	ADD6(CP_HC_UDP, echo.port, true, "");
	t[n - 1].require_reply = true;
	ADD6(CP_HC_UDP, test_closed_port_af(AF_INET6, SOCK_DGRAM), false, "udp: port unreachable");
	ADD6(CP_HC_TCP, tcp.port, false, "bind [fd00::99]: Cannot assign requested address");
	memcpy(t[n - 1].src_ip6, other6, 16);
	/* no source: the kernel picks */
	ADD6(CP_HC_TCP, tcp.port, true, "");
	memset(t[n - 1].src_ip6, 0, 16);
#undef ADD6
	/* the unspecified address is refused, as 0.0.0.0 is */
	{
		struct cp_hc_target b = t[0];

		memset(b.dst_ip6, 0, 16);
		assert_int_equal(cp_hc_target_validate(&b, msg, sizeof(msg)), -EINVAL);
		assert_string_equal(msg, "address must not be ::");
		assert_int_equal(cp_hc_target_validate(&t[0], msg, sizeof(msg)), 0);
	}
	h = run_checks(t, ex, n, &seen);
	cp_hc_stop(h);
	/* the HTTP server saw the check come from the bound source */
	pthread_mutex_lock(&ok.mu);
	assert_memory_equal(ok.last_peer6, loop6, 16);
	assert_string_equal(ok.last_req, "GET / HTTP/1.0\r\nUser-Agent: mgw-hc\r\n\r\n");
	pthread_mutex_unlock(&ok.mu);
	cp_hc_destroy(h);
	responder_stop(&tcp);
	responder_stop(&ok);
	responder_stop(&wrong);
	responder_stop(&echo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_checks6),
	};

	test_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
