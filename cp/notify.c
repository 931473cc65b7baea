/* cp/notify.c — sd_notify(3)'s datagram protocol (see notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cp/notify.h"

struct cp_notify {
	int fd;
	struct sockaddr_un sa;
	socklen_t sa_len;
	uint64_t watchdog_us;
	uint64_t last_watchdog_ms;   /* written by the one thread that pets it */
};

int cp_notify_open(struct cp_notify **out)
{
	const char *path = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	struct cp_notify *n;
	size_t len;

	*out = NULL;
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->sa.sun_path))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sa.sun_family = AF_UNIX;
	memcpy(n->sa.sun_path, path, len);
	if (path[0] == '@')
		n->sa.sun_path[0] = 0;   /* abstract: no terminating NUL counted */
	n->sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		int rc = -errno;

		free(n);
		return rc;
	}
	if (wd && (!wpid || strtol(wpid, NULL, 10) == (long)getpid()))
		n->watchdog_us = strtoull(wd, NULL, 10);
	*out = n;
	return 0;
}

void cp_notify_close(struct cp_notify *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}

int cp_notify_send(struct cp_notify *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int len;

	if (!n)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1;
	/* A datagram socket: a message arrives whole or not at all, and a
	 * supervisor that is gone never blocks us. */
	if (sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT,
		   (const struct sockaddr *)&n->sa, n->sa_len) < 0)
		return -errno;
	return 0;
}

uint64_t cp_notify_watchdog_us(const struct cp_notify *n)
{
	return n ? n->watchdog_us : 0;
}

void cp_notify_watchdog(struct cp_notify *n, uint64_t now_ms)
{
	if (!n || !n->watchdog_us)
		return;
	if (n->last_watchdog_ms && now_ms - n->last_watchdog_ms < n->watchdog_us / 4000)
		return;
	n->last_watchdog_ms = now_ms;
	cp_notify_send(n, "WATCHDOG=1");
}
