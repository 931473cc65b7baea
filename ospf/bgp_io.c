/* The BGP speaker's shell: TCP sockets, epoll and the control thread around
 * the pure engine (bgp_peer.c). Every engine call is made under b->lock,
 * which bgp_announce() and bgp_status_json() take too.
 *
 * A connection id (cid) given to the engine is an index in b->conns; the
 * epoll tag carries a generation number so that an event for a slot that
 * was closed and reused within one epoll batch is recognised and skipped.
 *
 * Security the kernel does for us, per peer:
 * - TCP-MD5 (RFC 2385): the peer's key is set (TCP_MD5SIG) on the socket
 *   we connect from and, for the peer's address, on the listen socket;
 *   accepted connections inherit it. A segment without the right digest
 *   never reaches us: the kernel drops and counts it (TcpExt
 *   TCPMD5Failure, TCPMD5NotFound, TCPMD5Unexpected).
 * - GTSM (RFC 5082): TTL 255 out, IP_MINTTL 255 in (TcpExt TCPMinTTLDrop
 *   counts the rest). The listen socket sends its SYN-ACKs with 255 when
 *   any peer asks for GTSM, and refuses less only when every peer does;
 *   otherwise it keeps each SYN (TCP_SAVE_SYN) and a GTSM peer's
 *   connection whose SYN came with less is closed at once (counted in
 *   gtsm_refused): left open, it would sit in OpenSent, every later
 *   segment dropped, and win the collision against the peer's next,
 *   good connection (RFC 4271 §6.8 keeps the older one we did not open).
 *   Its accepted socket gets IP_MINTTL at once as well.
 * The kernel's counters are shown in the status ("kernel": this network
 * namespace's totals, not per peer).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ospf/bgp_int.h"

#define IO_MAX_CONNS     (2 * BGP_MAX_PEERS + 4)
#define IO_TX_MAX        (1u << 20)	/* queued output beyond this: drop */
#define IO_TICK_MS       100		/* longest sleep: heartbeat period */
#define IO_FLUSH_MS      100		/* what close() waits for output */
#define IO_TAG_LISTEN    0
#define IO_TAG_EVENT     1
#define IO_TAG_CONN0     2

struct io_conn {
	int fd;			/* -1: slot free */
	uint32_t gen;
	bool connecting;
	bool want_out;
	uint8_t *tx;
	size_t tx_len, tx_cap;
};

struct bgp {
	struct bgp_conf conf;
	struct bgp_eng *eng;
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	int epfd, lfd, evfd;
	atomic_bool stopping;
	atomic_uint_fast64_t heartbeat;
	uint64_t accept_overflow;
	uint64_t gtsm_refused;		/* GTSM peers' connections with a SYN below 255 */
	struct io_conn conns[IO_MAX_CONNS];
	uint8_t rxbuf[65536];
	/* not rxbuf: the engine may close one connection while it still
	 * reads another's bytes from rxbuf */
	uint8_t drainbuf[4096];
};

static uint64_t tag(const struct bgp *b, int cid)
{
	return (uint64_t)b->conns[cid].gen << 32 | (uint64_t)(cid + IO_TAG_CONN0);
}

static int ep_set(struct bgp *b, int cid, int op)
{
	struct io_conn *c = &b->conns[cid];
	struct epoll_event ev = {
		.events = c->connecting ? EPOLLOUT :
			  EPOLLIN | EPOLLRDHUP | (c->want_out ? EPOLLOUT : 0),
		.data.u64 = tag(b, cid),
	};

	return epoll_ctl(b->epfd, op, c->fd, &ev) ? -errno : 0;
}

static int slot_alloc(struct bgp *b)
{
	int i;

	for (i = 0; i < IO_MAX_CONNS; i++)
		if (b->conns[i].fd < 0)
			return i;
	return -EMFILE;
}

static void slot_free(struct bgp *b, int cid)
{
	struct io_conn *c = &b->conns[cid];

	if (c->fd >= 0)
		close(c->fd);
	free(c->tx);
	c->tx = NULL;
	c->tx_len = c->tx_cap = 0;
	c->fd = -1;
	c->connecting = c->want_out = false;
	c->gen++;
}

static void sock_opts(int fd)
{
	int one = 1, tos = IPTOS_PREC_INTERNETCONTROL;

	/* messages are small and latency matters more than segments */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

#define GTSM_TTL 255

static int sopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, level, name, v, len) ? -errno : 0;
}

/* TCP-MD5 for one peer address on fd (a listen or a connecting socket). */
static int sock_md5(int fd, const struct bgp_peer_conf *p)
{
	struct tcp_md5sig md5 = { 0 };
	struct sockaddr_in *sa = (struct sockaddr_in *)&md5.tcpm_addr;
	int rc;

	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(p->addr);
	md5.tcpm_keylen = p->md5_key_len;
	memcpy(md5.tcpm_key, p->md5_key, p->md5_key_len);
	rc = sopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5));
	explicit_bzero(&md5, sizeof(md5));
	return rc;
}

static int sock_gtsm(int fd, bool send, bool recv)
{
	int ttl = GTSM_TTL, rc = 0;

	if (send)
		rc = sopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	if (!rc && recv)
		rc = sopt(fd, IPPROTO_IP, IP_MINTTL, &ttl, sizeof(ttl));
	return rc;
}

/* The TTL of the SYN that opened an accepted connection (TCP_SAVE_SYN on
 * the listener: the SYN's IPv4 header first); a SYN that was not kept
 * passes, as the listener's IP_MINTTL has seen to it then. */
static bool syn_ttl_ok(int fd)
{
	uint8_t syn[128];
	socklen_t len = sizeof(syn);

	if (getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &len) < 0 || len < 20 ||
	    (syn[0] >> 4) != 4)
		return true;
	return syn[8] >= GTSM_TTL;
}

static const struct bgp_peer_conf *peer_conf(const struct bgp *b, uint32_t addr)
{
	for (unsigned i = 0; i < b->conf.n_peers; i++)
		if (b->conf.peers[i].addr == addr)
			return &b->conf.peers[i];
	return NULL;
}

static uint32_t local_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return 0;
	return ntohl(sa.sin_addr.s_addr);
}

/* ---- engine operations ------------------------------------------------------ */

static int io_connect(void *ctx, unsigned peer, uint32_t addr, uint16_t port)
{
	struct bgp *b = ctx;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const struct bgp_peer_conf *pc = peer < b->conf.n_peers ? &b->conf.peers[peer] : NULL;
	int cid, fd, one = 1, rc;

	cid = slot_alloc(b);
	if (cid < 0)
		return cid;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sock_opts(fd);
	/* before connect(): the SYN is signed and leaves with TTL 255 */
	rc = pc && pc->md5_key_len ? sock_md5(fd, pc) : 0;
	if (!rc && pc && pc->ttl_security)
		rc = sock_gtsm(fd, true, true);
	if (rc)
		goto fail;
	if (b->conf.local_addr) {
		/* the address may not be up yet (mgw's TAP comes later) */
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		sa.sin_addr.s_addr = htonl(b->conf.local_addr);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			rc = -errno;
			goto fail;
		}
	}
	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	b->conns[cid].fd = fd;
	b->conns[cid].connecting = true;
	rc = ep_set(b, cid, EPOLL_CTL_ADD);
	if (rc) {
		b->conns[cid].fd = -1;
		b->conns[cid].connecting = false;
		goto fail;
	}
	return cid;
fail:
	close(fd);
	return rc;
}

static int tx_flush(struct bgp *b, int cid)
{
	struct io_conn *c = &b->conns[cid];
	ssize_t n;

	while (c->tx_len) {
		n = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		memmove(c->tx, c->tx + n, c->tx_len - (size_t)n);
		c->tx_len -= (size_t)n;
	}
	return 0;
}

static int io_send(void *ctx, int cid, const uint8_t *buf, size_t len)
{
	struct bgp *b = ctx;
	struct io_conn *c = &b->conns[cid];
	ssize_t n = 0;

	if (c->fd < 0)
		return -EBADF;
	if (!c->tx_len && !c->connecting) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0)
			n = 0;
		if ((size_t)n == len)
			return 0;
	}
	len -= (size_t)n;
	if (c->tx_len + len > IO_TX_MAX)
		return -ENOBUFS;
	if (c->tx_len + len > c->tx_cap) {
		size_t cap = c->tx_cap ? c->tx_cap : 4096;
		uint8_t *t;

		while (cap < c->tx_len + len)
			cap *= 2;
		t = realloc(c->tx, cap);
		if (!t)
			return -ENOMEM;
		c->tx = t;
		c->tx_cap = cap;
	}
	memcpy(c->tx + c->tx_len, buf + n, len);
	c->tx_len += len;
	if (!c->want_out && !c->connecting) {
		c->want_out = true;
		ep_set(b, cid, EPOLL_CTL_MOD);
	}
	return 0;
}

/* A NOTIFICATION is usually the last thing queued: give it a moment to
 * leave, and read what is pending so that close() sends FIN, not RST
 * (an RST could make the peer discard the NOTIFICATION). */
static void io_close(void *ctx, int cid)
{
	struct bgp *b = ctx;
	struct io_conn *c = &b->conns[cid];
	uint64_t end = dp_mono_ms() + IO_FLUSH_MS;
	unsigned i;

	if (c->fd < 0)
		return;
	if (!c->connecting) {
		while (c->tx_len && tx_flush(b, cid) == 0 && c->tx_len) {
			struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
			uint64_t t = dp_mono_ms();

			if (t >= end || poll(&pf, 1, (int)(end - t)) <= 0)
				break;
		}
		for (i = 0; i < 16; i++)
			if (recv(c->fd, b->drainbuf, sizeof(b->drainbuf), MSG_DONTWAIT) <= 0)
				break;
		shutdown(c->fd, SHUT_RDWR);
	}
	slot_free(b, cid);
}

static const struct bgp_eng_ops io_ops = {
	.connect = io_connect,
	.send = io_send,
	.close = io_close,
};

/* ---- the thread -------------------------------------------------------------- */

static void on_accept(struct bgp *b, uint64_t now)
{
	struct sockaddr_in sa;
	socklen_t len;
	int fd, cid;

	for (;;) {
		len = sizeof(sa);
		fd = accept4(b->lfd, (struct sockaddr *)&sa, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		cid = slot_alloc(b);
		if (cid < 0) {
			b->accept_overflow++;
			close(fd);
			continue;
		}
		sock_opts(fd);
		{
			const struct bgp_peer_conf *pc = peer_conf(b, ntohl(sa.sin_addr.s_addr));

			if (pc && pc->ttl_security && !syn_ttl_ok(fd)) {
				b->gtsm_refused++;
				close(fd);
				continue;
			}
			/* nothing more with less than 255 */
			if (pc && pc->ttl_security)
				sock_gtsm(fd, true, true);
		}
		b->conns[cid].fd = fd;
		if (ep_set(b, cid, EPOLL_CTL_ADD)) {
			slot_free(b, cid);
			continue;
		}
		bgp_eng_accept(b->eng, cid, ntohl(sa.sin_addr.s_addr), local_of(fd), now);
	}
}

static void on_conn(struct bgp *b, int cid, uint32_t events, uint64_t now)
{
	struct io_conn *c = &b->conns[cid];
	uint32_t gen = c->gen;
	unsigned i;
	ssize_t n;

	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			bgp_eng_closed(b->eng, cid, now);
			return;
		}
		c->connecting = false;
		c->want_out = c->tx_len > 0;
		ep_set(b, cid, EPOLL_CTL_MOD);
		bgp_eng_connected(b->eng, cid, local_of(c->fd), now);
		return;
	}
	if (events & EPOLLOUT) {
		if (tx_flush(b, cid)) {
			bgp_eng_closed(b->eng, cid, now);
			return;
		}
		if (!c->tx_len && c->want_out) {
			c->want_out = false;
			ep_set(b, cid, EPOLL_CTL_MOD);
		}
	}
	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;
	/* bounded, so that one busy peer cannot starve the timers */
	for (i = 0; i < 8 && c->fd >= 0 && c->gen == gen; i++) {
		n = recv(c->fd, b->rxbuf, sizeof(b->rxbuf), MSG_DONTWAIT);
		if (n > 0) {
			bgp_eng_input(b->eng, cid, b->rxbuf, (size_t)n, now);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		bgp_eng_closed(b->eng, cid, now);	/* EOF or error */
		break;
	}
}

static void *bgp_thread(void *arg)
{
	struct bgp *b = arg;
	struct epoll_event evs[16];
	uint64_t next = 0, now;
	int n, i, timeout;

	if (b->conf.thread_init)
		b->conf.thread_init();
	while (!atomic_load(&b->stopping)) {
		now = dp_mono_ms();
		timeout = next <= now ? 0 : next - now > IO_TICK_MS ? IO_TICK_MS :
			  (int)(next - now);
		n = epoll_wait(b->epfd, evs, 16, timeout);
		pthread_mutex_lock(&b->lock);
		now = dp_mono_ms();
		for (i = 0; i < n; i++) {
			uint64_t t = evs[i].data.u64;
			int cid = (int)(t & 0xffffffffu) - IO_TAG_CONN0;

			if (t == IO_TAG_LISTEN) {
				on_accept(b, now);
			} else if (t == IO_TAG_EVENT) {
				uint64_t v;

				if (read(b->evfd, &v, sizeof(v)) < 0)
					(void)0;	/* nothing to do: a wake-up */
			} else if (cid >= 0 && cid < IO_MAX_CONNS &&
				   b->conns[cid].fd >= 0 &&
				   b->conns[cid].gen == (uint32_t)(t >> 32)) {
				on_conn(b, cid, evs[i].events, now);
			}
		}
		next = bgp_eng_tick(b->eng, now);
		pthread_mutex_unlock(&b->lock);
		atomic_fetch_add(&b->heartbeat, 1);
	}
	pthread_mutex_lock(&b->lock);
	bgp_eng_stop(b->eng, dp_mono_ms());
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* ---- public API ---------------------------------------------------------- */

int bgp_create(const struct bgp_conf *c, struct bgp **out)
{
	struct bgp *b;
	int rc, i;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->conf = *c;
	b->epfd = b->lfd = b->evfd = -1;
	for (i = 0; i < IO_MAX_CONNS; i++)
		b->conns[i].fd = -1;
	rc = pthread_mutex_init(&b->lock, NULL);
	if (rc) {
		rc = -rc;
		goto err_free;
	}
	rc = bgp_eng_create(c, &io_ops, b, &b->eng);
	if (rc)
		goto err_mutex;
	*out = b;
	return 0;
err_mutex:
	pthread_mutex_destroy(&b->lock);
err_free:
	free(b);
	return rc;
}

static int listen_open(struct bgp *b)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(b->conf.listen_port ? b->conf.listen_port : BGP_PORT),
		.sin_addr.s_addr = htonl(b->conf.local_addr),
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = IO_TAG_LISTEN };
	unsigned i, gtsm = 0;
	int fd, one = 1, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	for (i = 0; i < b->conf.n_peers; i++) {
		const struct bgp_peer_conf *p = &b->conf.peers[i];

		gtsm += p->ttl_security;
		if (p->md5_key_len && (rc = sock_md5(fd, p)) < 0) {
			BGP_LOG(ERR, "peer %u: TCP-MD5 (TCP_MD5SIG): %s%s", i, strerror(-rc),
				rc == -ENOPROTOOPT || rc == -ENOENT ?
				" (the kernel needs CONFIG_TCP_MD5SIG)" : "");
			close(fd);
			return rc;
		}
	}
	if (gtsm && (rc = sock_gtsm(fd, true, gtsm == b->conf.n_peers)) < 0) {
		close(fd);
		return rc;
	}
	if (gtsm && gtsm < b->conf.n_peers &&
	    (rc = sopt(fd, IPPROTO_TCP, TCP_SAVE_SYN, &one, sizeof(one))) < 0) {
		close(fd);
		return rc;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8) ||
	    epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	b->lfd = fd;
	return 0;
}

int bgp_start(struct bgp *b)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = IO_TAG_EVENT };
	int rc;

	if (b->running)
		return -EALREADY;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0)
		return -errno;
	b->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->evfd < 0 || epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->evfd, &ev)) {
		rc = -errno;
		goto err_ep;
	}
	rc = listen_open(b);
	if (rc) {
		BGP_LOG(ERR, "listen on port %u: %s",
			b->conf.listen_port ? b->conf.listen_port : BGP_PORT, strerror(-rc));
		goto err_ep;
	}
	atomic_store(&b->stopping, false);
	pthread_mutex_lock(&b->lock);
	bgp_eng_start(b->eng, dp_mono_ms());
	pthread_mutex_unlock(&b->lock);
	rc = -pthread_create(&b->thread, NULL, bgp_thread, b);
	if (rc)
		goto err_engine;
	pthread_setname_np(b->thread, "mgw-bgp");
	b->running = true;
	return 0;
err_engine:
	pthread_mutex_lock(&b->lock);
	bgp_eng_stop(b->eng, dp_mono_ms());
	pthread_mutex_unlock(&b->lock);
	close(b->lfd);
	b->lfd = -1;
err_ep:
	if (b->evfd >= 0)
		close(b->evfd);
	close(b->epfd);
	b->evfd = b->epfd = -1;
	return rc;
}

int bgp_announce(struct bgp *b, const struct bgp_prefix *p, unsigned n)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = bgp_eng_announce(b->eng, p, n, dp_mono_ms());
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* This network namespace's TcpExt counters that speak of TCP-MD5 and
 * GTSM refusals (the kernel drops those segments before we see them). */
static json_t *kernel_counters(void)
{
	static const char *const want[] = {
		"TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure", "TCPMinTTLDrop",
	};
	static const char *const names[] = {
		"tcp_md5_not_found", "tcp_md5_unexpected", "tcp_md5_failure", "tcp_min_ttl_drop",
	};
	char keys[4096], vals[4096];
	json_t *o = json_object();
	FILE *f = fopen("/proc/net/netstat", "re");

	if (!f)
		return o;
	/* pairs of lines: "TcpExt: Name Name ...", "TcpExt: 1 2 ..." */
	while (o && fgets(keys, sizeof(keys), f) && fgets(vals, sizeof(vals), f)) {
		char *ks, *vs, *k, *v;

		if (strncmp(keys, "TcpExt:", 7) != 0)
			continue;
		k = strtok_r(keys + 7, " \n", &ks);
		v = strtok_r(vals + 7, " \n", &vs);
		for (; k && v; k = strtok_r(NULL, " \n", &ks), v = strtok_r(NULL, " \n", &vs))
			for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
				if (!strcmp(k, want[i]))
					json_object_set_new(o, names[i],
							    json_integer(strtoll(v, NULL, 10)));
	}
	fclose(f);
	return o;
}

int bgp_status_json(struct bgp *b, json_t **out)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = bgp_eng_status_json(b->eng, dp_mono_ms(), out);
	if (rc == 0) {
		json_object_set_new(*out, "running", json_boolean(b->running));
		json_object_set_new(*out, "heartbeat",
				    json_integer((json_int_t)atomic_load(&b->heartbeat)));
		json_object_set_new(*out, "accept_overflow",
				    json_integer((json_int_t)b->accept_overflow));
		json_object_set_new(*out, "gtsm_refused", json_integer((json_int_t)b->gtsm_refused));
		json_object_set_new(*out, "kernel", kernel_counters());
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

uint64_t bgp_heartbeat(const struct bgp *b)
{
	return atomic_load(&((struct bgp *)b)->heartbeat);
}

void bgp_stop(struct bgp *b)
{
	uint64_t one = 1;

	if (!b || !b->running)
		return;
	atomic_store(&b->stopping, true);
	if (write(b->evfd, &one, sizeof(one)) < 0)
		BGP_LOG(WARNING, "stop: eventfd: %s", strerror(errno));
	pthread_join(b->thread, NULL);
	b->running = false;
	close(b->lfd);
	close(b->evfd);
	close(b->epfd);
	b->lfd = b->evfd = b->epfd = -1;
}

void bgp_destroy(struct bgp *b)
{
	int i;

	if (!b)
		return;
	bgp_stop(b);
	bgp_eng_destroy(b->eng);
	for (i = 0; i < IO_MAX_CONNS; i++)
		if (b->conns[i].fd >= 0)
			slot_free(b, i);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
