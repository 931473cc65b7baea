/* adm/http.c — the smallest HTTP/1.1 client mgwadm needs: http:// URLs,
 * one request per connection (Connection: close), responses framed by
 * Content-Length, chunked transfer coding or the close of the connection,
 * and a deadline over the whole exchange. The parser is a pure function of
 * the bytes received so far, so it is tested without sockets. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "adm/adm.h"
#include "dp/bytes.h"

/* "host:port", "[v6]:port" for messages and the Host header. */
static const char *authority(const struct adm_url *u, char *buf, size_t len)
{
	bool v6 = strchr(u->host, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	return buf;
}

/* The host of "http://host[:port]" or "http://[v6][:port]" (RFC 3986's
 * IP-literal: an IPv6 address only, no zone). */
int adm_url_parse(const char *text, struct adm_url *u, char *err, size_t errlen)
{
	const char *p, *host, *host_end, *port_at = NULL, *path;
	size_t hlen, plen;
	unsigned long port = 80;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(text, "http://", 7) != 0) {
		snprintf(err, errlen, "API URL '%s': only http:// is supported", text);
		return -EINVAL;
	}
	p = text + 7;
	path = strchr(p, '/');
	if (!path)
		path = p + strlen(p);
	host = p;
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(path - host));
		if (!host_end || (host_end + 1 < path && host_end[1] != ':')) {
			snprintf(err, errlen, "API URL '%s': bad host", text);
			return -EINVAL;
		}
		if (host_end + 1 < path)
			port_at = host_end + 1;
	} else {
		host_end = memchr(p, ':', (size_t)(path - p));
		port_at = host_end;
		if (!host_end)
			host_end = path;
	}
	if (port_at) {
		char *end;

		errno = 0;
		port = strtoul(port_at + 1, &end, 10);
		if (end != path || end == port_at + 1 || errno || port == 0 || port > 65535 ||
		    !isdigit((unsigned char)port_at[1])) {
			snprintf(err, errlen, "API URL '%s': bad port", text);
			return -EINVAL;
		}
	}
	hlen = (size_t)(host_end - host);
	if (hlen == 0 || hlen >= sizeof(u->host) || memchr(host, '@', hlen)) {
		snprintf(err, errlen, "API URL '%s': bad host", text);
		return -EINVAL;
	}
	memcpy(u->host, host, hlen);
	if (host != p) {
		struct adm_addr a;

		if (adm_addr_pton(u->host, AF_INET6, &a) < 0) {
			snprintf(err, errlen, "API URL '%s': bad host (an IPv6 address in [])", text);
			return -EINVAL;
		}
	}
	u->port = (uint16_t)port;
	/* The base path: whatever prefix is given, ending in /api/v1. */
	plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		plen--;
	if (plen >= 7 && memcmp(path + plen - 7, "/api/v1", 7) == 0)
		plen -= 7;
	if (plen + 8 > sizeof(u->base) || memchr(path, '?', plen) || memchr(path, '#', plen)) {
		snprintf(err, errlen, "API URL '%s': bad path", text);
		return -EINVAL;
	}
	for (size_t i = 0; i < plen; i++) {
		if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f) {
			snprintf(err, errlen, "API URL '%s': bad path", text);
			return -EINVAL;
		}
	}
	snprintf(u->base, sizeof(u->base), "%.*s/api/v1", (int)plen, path);
	return 0;
}

int adm_http_request(const struct adm_url *u, const char *method, const char *path,
		     const char *token, const char *body, size_t body_len, char **out,
		     size_t *out_len)
{
	char *buf = NULL, host[sizeof(u->host) + 8];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mgwadm/%s\r\n"
		"Accept: application/json\r\nConnection: close\r\n",
		method, u->base, path, authority(u, host, sizeof(host)), ADM_VERSION);
	if (token && *token)
		fprintf(f, "Authorization: Bearer %s\r\n", token);
	if (body)
		fprintf(f, "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
	else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
		 strcmp(method, "PATCH") == 0)
		fputs("Content-Length: 0\r\n", f);
	fputs("\r\n", f);
	if (body)
		fwrite(body, 1, body_len, f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

void adm_http_resp_free(struct adm_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

/* The end of the line starting at p (exclusive of CR LF / LF), or NULL. */
static const char *line_end(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (!nl)
		return NULL;
	*next = nl + 1;
	return (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
}

static bool token_eq(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* Trim spaces and tabs around [*p, *e). */
static void trim(const char **p, const char **e)
{
	while (*p < *e && (**p == ' ' || **p == '\t'))
		(*p)++;
	while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

struct framing {
	int status;
	bool chunked;
	bool have_length;
	unsigned long long length;
	const char *body;               /* first byte after the headers */
};

/* The status line and headers of one response. */
static int parse_head(const char *buf, const char *end, struct framing *fr)
{
	const char *p = buf, *le, *next;
	int status = 0;

	memset(fr, 0, sizeof(*fr));
	le = line_end(p, end, &next);
	if (!le) {
		/* Fail early on garbage instead of waiting for a line. */
		size_t n = (size_t)(end - p) < 7 ? (size_t)(end - p) : 7;

		if (memcmp(p, "HTTP/1.", n) != 0)
			return -EBADMSG;
		return (size_t)(end - buf) > ADM_HTTP_MAX_HEADERS ? -EFBIG : -EAGAIN;
	}
	if (le - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)p[7]) ||
	    p[8] != ' ')
		return -EBADMSG;
	for (int i = 9; i < 12; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -EBADMSG;
		status = status * 10 + (p[i] - '0');
	}
	if (status < 100 || status > 599 || (le - p > 12 && p[12] != ' '))
		return -EBADMSG;
	fr->status = status;
	for (p = next;; p = next) {
		const char *colon, *v, *ve;

		le = line_end(p, end, &next);
		if (!le)
			return (size_t)(end - buf) > ADM_HTTP_MAX_HEADERS ? -EFBIG : -EAGAIN;
		if (le == p)
			break;                  /* the empty line */
		if ((size_t)(next - buf) > ADM_HTTP_MAX_HEADERS)
			return -EFBIG;
		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon || colon == p || *p == ' ' || *p == '\t')
			return -EBADMSG;
		for (const char *c = p; c < colon; c++)
			if (!isgraph((unsigned char)*c))
				return -EBADMSG;
		v = colon + 1;
		ve = le;
		trim(&v, &ve);
		if (token_eq(p, (size_t)(colon - p), "Content-Length")) {
			unsigned long long n = 0;

			if (v == ve)
				return -EBADMSG;
			for (const char *c = v; c < ve; c++) {
				if (!isdigit((unsigned char)*c))
					return -EBADMSG;
				if (n > (ULLONG_MAX - 9) / 10)
					return -EFBIG;
				n = n * 10 + (unsigned)(*c - '0');
			}
			if (fr->have_length && fr->length != n)
				return -EBADMSG;
			fr->have_length = true;
			fr->length = n;
		} else if (token_eq(p, (size_t)(colon - p), "Transfer-Encoding")) {
			/* chunked (last) and identity we read; a compression we
			 * could not undo, so it is refused. */
			const char *t = v;

			fr->chunked = false;
			while (t < ve) {
				const char *te = memchr(t, ',', (size_t)(ve - t)), *ts = t;

				te = te ? te : ve;
				t = te < ve ? te + 1 : ve;
				trim(&ts, &te);
				if (token_eq(ts, (size_t)(te - ts), "chunked"))
					fr->chunked = true;
				else if (!token_eq(ts, (size_t)(te - ts), "identity"))
					return -EBADMSG;
				else if (fr->chunked)
					return -EBADMSG;        /* chunked must be last */
			}
		}
	}
	fr->body = next;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode a chunked body from p; *out gets the data (malloc'ed). */
static int dechunk(const char *p, const char *end, char **out, size_t *out_len)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	for (;;) {
		const char *le, *next;
		unsigned long long size = 0;
		const char *c;
		int digits = 0;

		le = line_end(p, end, &next);
		if (!le) {
			rc = (end - p) > 1024 ? -EBADMSG : -EAGAIN;
			goto fail;
		}
		for (c = p; c < le && hexval(*c) >= 0; c++) {
			if (++digits > 15) {
				rc = -EFBIG;
				goto fail;
			}
			size = size * 16 + (unsigned)hexval(*c);
		}
		/* Only chunk extensions (";...") or spaces may follow the size. */
		while (c < le && (*c == ' ' || *c == '\t'))
			c++;
		if (digits == 0 || (c < le && *c != ';')) {
			rc = -EBADMSG;
			goto fail;
		}
		p = next;
		if (size == 0)
			break;
		if (len + size > ADM_HTTP_MAX_RESPONSE) {
			rc = -EFBIG;
			goto fail;
		}
		if ((unsigned long long)(end - p) < size + 1) {
			rc = -EAGAIN;
			goto fail;
		}
		/* The data is followed by CRLF (or a bare LF). */
		if (p[size] == '\r') {
			if ((unsigned long long)(end - p) < size + 2) {
				rc = -EAGAIN;
				goto fail;
			}
			if (p[size + 1] != '\n') {
				rc = -EBADMSG;
				goto fail;
			}
		} else if (p[size] != '\n') {
			rc = -EBADMSG;
			goto fail;
		}
		{
			char *d = realloc(data, len + size + 1);

			if (!d) {
				rc = -ENOMEM;
				goto fail;
			}
			data = d;
		}
		memcpy(data + len, p, size);
		len += size;
		p += size + (p[size] == '\r' ? 2 : 1);
	}
	/* Trailer fields (ignored), then the empty line. */
	for (;;) {
		const char *next, *le = line_end(p, end, &next);

		if (!le) {
			rc = (size_t)(end - p) > ADM_HTTP_MAX_HEADERS ? -EFBIG : -EAGAIN;
			goto fail;
		}
		if (le == p)
			break;
		p = next;
	}
	if (!data) {
		data = malloc(1);
		if (!data)
			return -ENOMEM;
	}
	data[len] = 0;
	*out = data;
	*out_len = len;
	return 0;
fail:
	free(data);
	return rc;
}

int adm_http_parse(const char *buf, size_t len, bool eof, struct adm_http_resp *out)
{
	const char *end = buf + len, *p = buf;
	struct framing fr;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		rc = parse_head(p, end, &fr);
		if (rc == -EAGAIN && eof)
			return -ENODATA;
		if (rc < 0)
			return rc;
		/* 1xx (100 Continue) has no body: the real answer follows. */
		if (fr.status >= 200)
			break;
		p = fr.body;
	}
	out->status = fr.status;
	if (fr.status == 204 || fr.status == 304) {
		out->body = calloc(1, 1);
		return out->body ? 0 : -ENOMEM;
	}
	if (fr.chunked) {
		rc = dechunk(fr.body, end, &out->body, &out->body_len);
		if (rc == -EAGAIN && eof)
			rc = -ENODATA;
		return rc;
	}
	if (fr.have_length) {
		if (fr.length > ADM_HTTP_MAX_RESPONSE)
			return -EFBIG;
		if ((unsigned long long)(end - fr.body) < fr.length)
			return eof ? -ENODATA : -EAGAIN;
		len = (size_t)fr.length;
	} else {
		/* Framed by the close of the connection. */
		if (!eof)
			return (size_t)(end - fr.body) > ADM_HTTP_MAX_RESPONSE ? -EFBIG : -EAGAIN;
		len = (size_t)(end - fr.body);
	}
	out->body = malloc(len + 1);
	if (!out->body)
		return -ENOMEM;
	memcpy(out->body, fr.body, len);
	out->body[len] = 0;
	out->body_len = len;
	return 0;
}

static long long now_ms(void)
{
	return (long long)dp_mono_ms();
}

/* Wait for events on fd until the deadline; 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_to(const struct adm_url *u, long long deadline, char *err, size_t errlen)
{
	/* a name is looked up as IPv4, as before: "localhost" stays 127.0.0.1 */
	struct addrinfo hints = { .ai_family = strchr(u->host, ':') ? AF_INET6 : AF_INET,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[8], auth[sizeof(u->host) + 8];
	int fd = -1, rc, gai;

	snprintf(port, sizeof(port), "%u", u->port);
	gai = getaddrinfo(u->host, port, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			rc = -soerr;
			goto fail;
		}
	}
	freeaddrinfo(res);
	return fd;
fail:
	snprintf(err, errlen, "cannot reach mgw's API at http://%s: %s",
		 authority(u, auth, sizeof(auth)), strerror(-rc));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return rc;
}

int adm_http_exchange(const struct adm_url *u, const char *req, size_t req_len, int timeout_ms,
		      struct adm_http_resp *out, char *err, size_t errlen)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
	char *buf = NULL, auth[sizeof(u->host) + 8];
	size_t len = 0, cap = 0, sent = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = connect_to(u, deadline, err, errlen);
	if (fd < 0)
		return fd;
	while (sent < req_len) {
		ssize_t n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);

		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc < 0)
				goto io_fail;
			continue;
		}
		rc = n < 0 ? -errno : -EPIPE;
		goto io_fail;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 16384) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *b;

			if (ncap > ADM_HTTP_MAX_RESPONSE + ADM_HTTP_MAX_HEADERS + 65536) {
				rc = -EFBIG;
				goto parse_fail;
			}
			b = realloc(buf, ncap);
			if (!b) {
				rc = -ENOMEM;
				goto io_fail;
			}
			buf = b;
			cap = ncap;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc < 0)
				goto io_fail;
			continue;
		}
		if (n < 0) {
			rc = -errno;
			goto io_fail;
		}
		len += (size_t)n;
		rc = adm_http_parse(buf, len, n == 0, out);
		if (rc == 0)
			break;
		if (rc != -EAGAIN)
			goto parse_fail;
	}
	close(fd);
	free(buf);
	return 0;
io_fail:
	snprintf(err, errlen, "talking to mgw's API at http://%s: %s",
		 authority(u, auth, sizeof(auth)), rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
	goto out;
parse_fail:
	snprintf(err, errlen, "mgw's API at http://%s sent %s", authority(u, auth, sizeof(auth)),
		 rc == -ENODATA ? "a truncated response" :
		 rc == -EFBIG ? "a response that is too large" : "a malformed response");
out:
	adm_http_resp_free(out);
	close(fd);
	free(buf);
	return rc;
}
