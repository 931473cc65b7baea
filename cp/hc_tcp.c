/* cp/hc_tcp.c — TCP check: a non-blocking connect that completes in time. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cp/hc_int.h"

static void tcp_result(struct cp_hc *h, struct cp_hc_tgt *t)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		err = errno;
	if (err)
		cp_hc_done(h, t, false, "connect: %s", strerror(err));
	else
		cp_hc_done(h, t, true, "connected");
}

static void tcp_start(struct cp_hc *h, struct cp_hc_tgt *t)
{
	bool connected;

	if (cp_hc_sock_open(h, t, SOCK_STREAM, EPOLLOUT | EPOLLET, &connected) < 0)
		return;
	t->phase = HC_CONNECTING;
	if (connected)
		tcp_result(h, t);
}

static void tcp_event(struct cp_hc *h, struct cp_hc_tgt *t, uint32_t events)
{
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		tcp_result(h, t);
}

static void tcp_timeout(struct cp_hc *h, struct cp_hc_tgt *t)
{
	cp_hc_done_timeout(h, t);
}

const struct cp_hc_ops cp_hc_tcp_ops = {
	.start = tcp_start,
	.event = tcp_event,
	.timeout = tcp_timeout,
};
