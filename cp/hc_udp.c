/* cp/hc_udp.c — UDP check: one datagram on a connected socket; an ICMP
 * port unreachable (ECONNREFUSED) fails it, a reply passes it, silence
 * passes it unless a reply is required. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cp/hc_int.h"

static void udp_error(struct cp_hc *h, struct cp_hc_tgt *t, const char *op, int err)
{
	if (err == ECONNREFUSED)
		cp_hc_done(h, t, false, "udp: port unreachable");
	else
		cp_hc_done(h, t, false, "udp: %s: %s", op, strerror(err));
}

static void udp_start(struct cp_hc *h, struct cp_hc_tgt *t)
{
	bool connected;
	ssize_t r;

	if (cp_hc_sock_open(h, t, SOCK_DGRAM, EPOLLIN | EPOLLET, &connected) < 0)
		return;
	t->phase = HC_WAITING;
	do
		r = send(t->fd, t->cfg.payload, t->cfg.payload_len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		udp_error(h, t, "send", errno);
}

static void udp_event(struct cp_hc *h, struct cp_hc_tgt *t, uint32_t events)
{
	char buf[64];
	ssize_t r;

	(void)events;
	/* A datagram longer than buf is truncated: only its arrival matters. */
	do
		r = recv(t->fd, buf, sizeof(buf), MSG_TRUNC);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		cp_hc_done(h, t, true, "udp: reply");
	else if (errno != EAGAIN && errno != EWOULDBLOCK)
		udp_error(h, t, "recv", errno);
}

static void udp_timeout(struct cp_hc *h, struct cp_hc_tgt *t)
{
	if (t->cfg.require_reply)
		cp_hc_done_timeout(h, t);
	else
		cp_hc_done(h, t, true, "udp: no reply, no error in %u ms",
			   (unsigned)t->cfg.timeout_ms);
}

const struct cp_hc_ops cp_hc_udp_ops = {
	.start = udp_start,
	.event = udp_event,
	.timeout = udp_timeout,
};
