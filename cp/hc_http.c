/* cp/hc_http.c — HTTP check: connect, GET, read the status line only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cp/hc_int.h"

#define HTTP_NUM_MAX 3   /* digits in each part of the version */
#define HTTP_SP_MAX 16   /* spaces tolerated between version and code */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * status-line = "HTTP/" 1*3DIGIT "." 1*3DIGIT 1*SP 3DIGIT (SP / CR / LF / eof)
 * (RFC 9112 section 4, a little lenient: several spaces, a bare LF, a
 * missing reason phrase). Walks the bytes received so far; every byte is
 * checked against the grammar as it arrives, so garbage is refused early.
 */
int cp_hc_http_status_parse(const char *buf, size_t len, bool eof, unsigned *code)
{
	static const char prefix[] = "HTTP/";
	size_t i = 0, n;
	unsigned c = 0;

	for (; i < sizeof(prefix) - 1; i++) {
		if (i == len)
			goto more;
		if (buf[i] != prefix[i])
			return -EBADMSG;
	}
	for (n = 0; i < len && is_digit(buf[i]); i++)
		if (++n > HTTP_NUM_MAX)
			return -EBADMSG;
	if (i == len)
		goto more;
	if (n == 0 || buf[i++] != '.')
		return -EBADMSG;
	for (n = 0; i < len && is_digit(buf[i]); i++)
		if (++n > HTTP_NUM_MAX)
			return -EBADMSG;
	if (i == len)
		goto more;
	if (n == 0)
		return -EBADMSG;
	for (n = 0; i < len && buf[i] == ' '; i++)
		if (++n > HTTP_SP_MAX)
			return -EBADMSG;
	if (i == len)
		goto more;
	if (n == 0)
		return -EBADMSG;
	for (n = 0; n < 3; n++, i++) {
		if (i == len)
			goto more;
		if (!is_digit(buf[i]))
			return -EBADMSG;
		c = c * 10 + (unsigned)(buf[i] - '0');
	}
	if (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		return -EBADMSG;
	if (i == len && !eof)
		return 0;
	if (c < 100)
		return -EBADMSG;
	*code = c;
	return 1;
more:
	return eof ? -EBADMSG : 0;
}

int cp_hc_http_request(const struct cp_hc_target *t, char *buf, size_t cap)
{
	const char *path = t->path[0] ? t->path : "/";
	int n;

	if (t->host[0])
		n = snprintf(buf, cap,
			     "GET %.*s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: mgw-hc\r\n"
			     "Connection: close\r\n\r\n",
			     CP_HC_PATH_MAX, path, CP_HC_HOST_MAX, t->host);
	else
		n = snprintf(buf, cap, "GET %.*s HTTP/1.0\r\nUser-Agent: mgw-hc\r\n\r\n",
			     CP_HC_PATH_MAX, path);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

static void http_recv(struct cp_hc *h, struct cp_hc_tgt *t)
{
	unsigned code;
	ssize_t r;
	int rc;

	for (;;) {
		bool eof = false;

		if (t->rx_len == sizeof(t->rx)) {
			cp_hc_done(h, t, false, "http: bad status line");
			return;
		}
		r = recv(t->fd, t->rx + t->rx_len, sizeof(t->rx) - t->rx_len, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			cp_hc_done(h, t, false, "http: recv: %s", strerror(errno));
			return;
		}
		if (r == 0)
			eof = true;
		t->rx_len += (uint16_t)r;
		rc = cp_hc_http_status_parse(t->rx, t->rx_len, eof, &code);
		if (rc == 0)
			continue;
		if (rc < 0) {
			if (eof && t->rx_len == 0)
				cp_hc_done(h, t, false, "http: connection closed before status line");
			else if (eof && strncmp(t->rx, "HTTP/", t->rx_len < 5 ? t->rx_len : 5) == 0)
				cp_hc_done(h, t, false, "http: truncated status line");
			else
				cp_hc_done(h, t, false, "http: bad status line");
			return;
		}
		if (code == t->cfg.http_status)
			cp_hc_done(h, t, true, "http status %u", code);
		else
			cp_hc_done(h, t, false, "http status %u != %u", code,
				   (unsigned)t->cfg.http_status);
		return;
	}
}

static void http_send(struct cp_hc *h, struct cp_hc_tgt *t)
{
	char req[CP_HC_HTTP_REQ_MAX];
	int len = cp_hc_http_request(&t->cfg, req, sizeof(req));
	ssize_t r;

	if (len < 0) {
		cp_hc_done(h, t, false, "http: request too long");
		return;
	}
	while (t->tx_off < len) {
		r = send(t->fd, req + t->tx_off, (size_t)len - t->tx_off, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			cp_hc_done(h, t, false, "http: send: %s", strerror(errno));
			return;
		}
		t->tx_off += (uint16_t)r;
	}
	t->phase = HC_READING;
	http_recv(h, t);
}

static void http_connected(struct cp_hc *h, struct cp_hc_tgt *t)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		err = errno;
	if (err) {
		cp_hc_done(h, t, false, "connect: %s", strerror(err));
		return;
	}
	t->phase = HC_SENDING;
	http_send(h, t);
}

static void http_start(struct cp_hc *h, struct cp_hc_tgt *t)
{
	bool connected;

	t->tx_off = 0;
	t->rx_len = 0;
	if (cp_hc_sock_open(h, t, SOCK_STREAM, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			    &connected) < 0)
		return;
	t->phase = HC_CONNECTING;
	if (connected)
		http_connected(h, t);
}

static void http_event(struct cp_hc *h, struct cp_hc_tgt *t, uint32_t events)
{
	switch (t->phase) {
	case HC_CONNECTING:
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			http_connected(h, t);
		break;
	case HC_SENDING:
		http_send(h, t);
		break;
	case HC_READING:
		http_recv(h, t);
		break;
	default:
		break;
	}
}

static void http_timeout(struct cp_hc *h, struct cp_hc_tgt *t)
{
	cp_hc_done_timeout(h, t);
}

const struct cp_hc_ops cp_hc_http_ops = {
	.start = http_start,
	.event = http_event,
	.timeout = http_timeout,
};
