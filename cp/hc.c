/* cp/hc.c — the health checker's thread: epoll, timers, check life cycle,
 * state transitions and their callbacks. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cp/crash.h"
#include "cp/hc_int.h"

RTE_LOG_REGISTER(mgw_logtype_cp_hc, mgw.cp.hc, INFO);

#define HC_EVENTS  256
#define HC_WAKE_MS 250   /* the heartbeat moves at least this often */
#define HC_TIMERS_MAX 1024 /* per round: events and the heartbeat go on under overload */

static const struct cp_hc_ops *hc_ops(enum cp_hc_type type)
{
	switch (type) {
	case CP_HC_TCP:
		return &cp_hc_tcp_ops;
	case CP_HC_UDP:
		return &cp_hc_udp_ops;
	case CP_HC_HTTP:
		return &cp_hc_http_ops;
	default:
		return NULL;
	}
}

static const char *const hc_type_names[] = {
	[CP_HC_NONE] = "none", [CP_HC_TCP] = "tcp", [CP_HC_UDP] = "udp", [CP_HC_HTTP] = "http",
};

const char *cp_hc_type_name(enum cp_hc_type type)
{
	if ((unsigned)type >= sizeof(hc_type_names) / sizeof(hc_type_names[0]))
		return "?";
	return hc_type_names[type];
}

int cp_hc_type_parse(const char *s, enum cp_hc_type *out)
{
	unsigned i;

	for (i = 0; i < sizeof(hc_type_names) / sizeof(hc_type_names[0]); i++) {
		if (strcmp(s, hc_type_names[i]) == 0) {
			*out = (enum cp_hc_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t cp_hc_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t hc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

/* t's destination (dst) or source address, of its family, as a socket
 * address with port `port`; its length, 0 for a source the kernel is to
 * choose. */
static socklen_t hc_sockaddr(const struct cp_hc_target *t, bool dst, uint16_t port,
			     struct sockaddr_storage *ss)
{
	static const uint8_t any6[16];
	const uint8_t *a6 = dst ? t->dst_ip6 : t->src_ip6;
	uint32_t a4 = dst ? t->dst_ip : t->src_ip;

	memset(ss, 0, sizeof(*ss));
	if (t->v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a6, 16);
		return dst || memcmp(a6, any6, 16) ? sizeof(*sin6) : 0;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(a4);
	return dst || a4 ? sizeof(*sin) : 0;
}

/* t's destination (dst) or source address as text: "10.1.0.11",
 * "[fd00:2::11]" */
static const char *hc_addr(const struct cp_hc_target *t, bool dst, char *buf, size_t len)
{
	struct in_addr a4 = { .s_addr = htonl(dst ? t->dst_ip : t->src_ip) };
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(t->v6 ? AF_INET6 : AF_INET,
		       t->v6 ? (const void *)(dst ? t->dst_ip6 : t->src_ip6) : (const void *)&a4, a,
		       sizeof(a)))
		return "?";
	snprintf(buf, len, t->v6 ? "[%s]" : "%s", a);
	return buf;
}

void cp_hc_wake(struct cp_hc *h)
{
	uint64_t one = 1;

	/* Only fails when the counter is about to overflow: then it is readable anyway. */
	if (write(h->evfd, &one, sizeof(one)) < 0)
		HC_LOG(DEBUG, "eventfd write: %s", strerror(errno));
}

/* ---- checks ------------------------------------------------------------- */

static void hc_close(struct cp_hc *h, struct cp_hc_tgt *t)
{
	if (t->fd < 0)
		return;
	if (t->cfg.type != CP_HC_UDP) {
		/* RST instead of FIN: thousands of checks a second leave no
		 * TIME_WAIT behind on either side. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(t->fd); /* also leaves the epoll set */
	t->fd = -1;
	t->phase = HC_IDLE;
	h->stats.in_flight--;
}

void cp_hc_abandon(struct cp_hc *h, struct cp_hc_tgt *t)
{
	hc_close(h, t);
}

int cp_hc_sock_open(struct cp_hc *h, struct cp_hc_tgt *t, int socktype, uint32_t events,
		    bool *connected)
{
	struct epoll_event ev = { .events = events, .data.ptr = t };
	char ab[INET6_ADDRSTRLEN + 2];
	struct sockaddr_storage sa;
	socklen_t sl;
	int fd, err;

	*connected = false;
	fd = socket(t->cfg.v6 ? AF_INET6 : AF_INET, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		cp_hc_done(h, t, false, "socket: %s", strerror(err));
		goto out;
	}
	t->fd = fd;
	h->stats.in_flight++;
	sl = hc_sockaddr(&t->cfg, false, 0, &sa);
	if (sl) {
		int one = 1;

		/* Let connect() pick the port for the whole 4-tuple, not bind(). */
		if (socktype == SOCK_STREAM)
			setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sl) < 0) {
			err = errno;
			cp_hc_done(h, t, false, "bind %s: %s", hc_addr(&t->cfg, false, ab, sizeof(ab)),
				   strerror(err));
			goto out;
		}
	}
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = errno;
		cp_hc_done(h, t, false, "epoll: %s", strerror(err));
		goto out;
	}
	sl = hc_sockaddr(&t->cfg, true, t->cfg.dst_port, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sl) == 0) {
		*connected = true;
	} else if (errno != EINPROGRESS) {
		err = errno;
		cp_hc_done(h, t, false, "connect: %s", strerror(err));
		goto out;
	}
	err = 0;
out:
	return err ? -err : fd;
}

static void hc_chstate(struct cp_hc *h, struct cp_hc_tgt *t, const char *reason)
{
	char ab[INET6_ADDRSTRLEN + 2];
	struct cp_hc_pend *p;

	t->st.transitions++;
	HC_LOG(INFO, "%s %s:%u (key %" PRIu64 ") from %s to %s: %s", cp_hc_type_name(t->cfg.type),
	       hc_addr(&t->cfg, true, ab, sizeof(ab)), (unsigned)t->cfg.dst_port, t->cfg.key,
	       t->fsm.up ? "down" : "up", t->fsm.up ? "up" : "down", reason);
	if (h->on_change == NULL)
		return;
	if (h->pend.n == h->pend.cap) {
		uint32_t cap = h->pend.cap ? 2 * h->pend.cap : 16;
		struct cp_hc_pend *v = realloc(h->pend.v, cap * sizeof(*v));

		if (v == NULL) {
			h->stats.callbacks_lost++;
			HC_LOG(ERR, "no memory to report the transition of key %" PRIu64, t->cfg.key);
			return;
		}
		h->pend.v = v;
		h->pend.cap = cap;
	}
	p = &h->pend.v[h->pend.n++];
	p->key = t->cfg.key;
	p->up = t->fsm.up;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
}

void cp_hc_done(struct cp_hc *h, struct cp_hc_tgt *t, bool ok, const char *fmt, ...)
{
	char text[CP_HC_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	hc_close(h, t);
	t->phase = HC_IDLE;
	t->st.checks++;
	t->st.last_check_ms = hc_wall_ms();
	t->st.last_ok = ok;
	if (!ok)
		snprintf(t->st.last_error, sizeof(t->st.last_error), "%s", text);
	if (cp_hc_fsm_step(&t->fsm, ok, t->cfg.rise, t->cfg.fall))
		hc_chstate(h, t, text);
	t->st.up = t->fsm.up;
	t->st.rise_count = t->fsm.oks;
	t->st.fall_count = t->fsm.fails;
	cp_hc_heap_update(&h->heap, &t->tn, t->next_ns);
}

void cp_hc_done_timeout(struct cp_hc *h, struct cp_hc_tgt *t)
{
	cp_hc_done(h, t, false, "timeout after %u ms", (unsigned)t->cfg.timeout_ms);
}

static void hc_count_lag(struct cp_hc_stats *s, uint64_t lag)
{
	uint64_t limit = 10000;
	unsigned b = 0;

	while (b < CP_HC_LAG_BUCKETS - 1 && lag >= limit) {
		b++;
		limit *= 10;
	}
	s->lag_hist[b]++;
	if (lag > s->lag_max_ns)
		s->lag_max_ns = lag;
}

static void hc_start_check(struct cp_hc *h, struct cp_hc_tgt *t, uint64_t now)
{
	uint64_t sched = t->next_ns, skipped;
	uint64_t interval = (uint64_t)t->cfg.interval_ms * 1000000ull;
	uint64_t deadline;

	t->next_ns = cp_hc_next_start(sched, interval, now, &skipped);
	h->stats.checks_started++;
	h->stats.checks_skipped += skipped;
	hc_count_lag(&h->stats, now - sched);
	if (h->on_start)
		h->on_start(h->trace_arg, t->cfg.key, sched, now);
	deadline = now + (uint64_t)t->cfg.timeout_ms * 1000000ull;
	t->deadline_ns = deadline < t->next_ns ? deadline : t->next_ns;
	cp_hc_heap_update(&h->heap, &t->tn, t->deadline_ns);
	hc_ops(t->cfg.type)->start(h, t);
}

static void hc_run_timers(struct cp_hc *h)
{
	struct cp_hc_tnode *top;
	uint64_t now;
	unsigned done = 0;

	while (done++ < HC_TIMERS_MAX && (top = cp_hc_heap_top(&h->heap)) != NULL &&
	       top->due <= (now = cp_hc_mono_ns())) {
		struct cp_hc_tgt *t = container_of(top, struct cp_hc_tgt, tn);

		if (t->phase != HC_IDLE)
			hc_ops(t->cfg.type)->timeout(h, t);
		else
			hc_start_check(h, t, now);
	}
}

static void hc_arm(struct cp_hc *h)
{
	struct cp_hc_tnode *top = cp_hc_heap_top(&h->heap);
	uint64_t want = top ? top->due : 0;
	struct itimerspec its = { 0 };

	if (want == h->armed_ns)
		return;
	/* A due time of 0 would disarm: the monotonic clock is never 0 here. */
	its.it_value.tv_sec = (time_t)(want / 1000000000ull);
	its.it_value.tv_nsec = (long)(want % 1000000000ull);
	if (timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		HC_LOG(ERR, "timerfd_settime: %s", strerror(errno));
		return;
	}
	h->armed_ns = want;
}

static void hc_reap(struct cp_hc *h)
{
	while (h->graveyard) {
		struct cp_hc_tgt *t = h->graveyard;

		h->graveyard = t->next_dead;
		free(t);
	}
}

/* Runs the callbacks of this round's transitions without `lock`, so that
 * they may read statuses; called and returns with `lock` held. */
static void hc_deliver(struct cp_hc *h)
{
	struct cp_hc_pendv tmp;
	uint32_t i;

	if (h->pend.n == 0)
		return;
	tmp = h->deliv;
	h->deliv = h->pend;
	h->pend = tmp;
	h->delivering = true;
	pthread_mutex_unlock(&h->lock);
	for (i = 0; i < h->deliv.n; i++)
		h->on_change(h->arg, h->deliv.v[i].key, h->deliv.v[i].up, h->deliv.v[i].reason);
	h->deliv.n = 0;
	pthread_mutex_lock(&h->lock);
	h->delivering = false;
	pthread_cond_broadcast(&h->delivered);
}

static void hc_dispatch(struct cp_hc *h, const struct epoll_event *ev)
{
	uint64_t v;

	if (ev->data.ptr == &h->evfd || ev->data.ptr == &h->tfd) {
		int fd = ev->data.ptr == &h->evfd ? h->evfd : h->tfd;

		if (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && fd == h->tfd)
			h->armed_ns = 0;
		return;
	}
	struct cp_hc_tgt *t = ev->data.ptr;

	/* Removed during the wait, or finished by a timeout in this round. */
	if (t->dead || t->fd < 0)
		return;
	hc_ops(t->cfg.type)->event(h, t, ev->events);
}

static void *hc_thread(void *arg)
{
	struct cp_hc *h = arg;
	struct epoll_event ev[HC_EVENTS];
	int n, i;

	cp_crash_thread_init();
	prctl(PR_SET_NAME, "mgw-hc", 0, 0, 0);
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		hc_reap(h);
		hc_arm(h);
		__atomic_add_fetch(&h->stats.loops, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&h->lock);
		n = epoll_wait(h->epfd, ev, HC_EVENTS, HC_WAKE_MS);
		pthread_mutex_lock(&h->lock);
		if (n < 0 && errno != EINTR)
			HC_LOG(ERR, "epoll_wait: %s", strerror(errno));
		/* Events first: they belong to sockets open at the wait.
		 * Timers then may close sockets and open new ones. */
		for (i = 0; i < n; i++)
			hc_dispatch(h, &ev[i]);
		hc_run_timers(h);
		hc_deliver(h);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* ---- life cycle --------------------------------------------------------- */

static int hc_epoll_add(struct cp_hc *h, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int cp_hc_create(void (*on_change)(void *arg, uint64_t key, bool up, const char *reason),
		 void *arg, struct cp_hc **out)
{
	struct cp_hc *h;
	int rc = -ENOMEM;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto fail;
	h->on_change = on_change;
	h->arg = arg;
	h->epfd = h->tfd = h->evfd = -1;
	h->seed = cp_hc_mono_ns() ^ (uint64_t)(uintptr_t)h;
	rc = -pthread_mutex_init(&h->lock, NULL);
	if (rc)
		goto fail_free;
	rc = -pthread_cond_init(&h->delivered, NULL);
	if (rc)
		goto fail_lock;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	h->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->epfd < 0 || h->tfd < 0 || h->evfd < 0) {
		rc = -errno;
		goto fail_fds;
	}
	rc = hc_epoll_add(h, h->tfd, &h->tfd);
	if (rc == 0)
		rc = hc_epoll_add(h, h->evfd, &h->evfd);
	if (rc)
		goto fail_fds;
	*out = h;
	return 0;

fail_fds:
	if (h->evfd >= 0)
		close(h->evfd);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->epfd >= 0)
		close(h->epfd);
	pthread_cond_destroy(&h->delivered);
fail_lock:
	pthread_mutex_destroy(&h->lock);
fail_free:
	free(h);
fail:
	return rc;
}

void cp_hc_set_trace(struct cp_hc *h,
		     void (*on_start)(void *arg, uint64_t key, uint64_t sched_ns, uint64_t start_ns),
		     void *arg)
{
	pthread_mutex_lock(&h->lock);
	h->on_start = on_start;
	h->trace_arg = arg;
	pthread_mutex_unlock(&h->lock);
}

int cp_hc_start(struct cp_hc *h)
{
	uint64_t now = cp_hc_mono_ns();
	uint32_t i;
	int rc = -EALREADY;

	pthread_mutex_lock(&h->lock);
	if (h->running)
		goto out;
	for (i = 0; i < h->n; i++) {
		struct cp_hc_tgt *t = h->tg[i];

		if (t->cfg.type == CP_HC_NONE)
			continue;
		t->next_ns = cp_hc_first_start(h, t, now);
		cp_hc_heap_update(&h->heap, &t->tn, t->next_ns);
	}
	h->stopping = false;
	h->armed_ns = 0;
	rc = -pthread_create(&h->thread, NULL, hc_thread, h);
	if (rc)
		goto out;
	h->running = true;
	HC_LOG(INFO, "checker started, %u targets", h->n);
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

uint64_t cp_hc_heartbeat(struct cp_hc *h)
{
	return __atomic_load_n(&h->stats.loops, __ATOMIC_RELAXED);
}

void cp_hc_stats(struct cp_hc *h, struct cp_hc_stats *out)
{
	pthread_mutex_lock(&h->lock);
	*out = h->stats;
	out->targets = h->n;
	pthread_mutex_unlock(&h->lock);
}

void cp_hc_stop(struct cp_hc *h)
{
	uint32_t i;

	pthread_mutex_lock(&h->lock);
	if (!h->running) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	h->stopping = true;
	pthread_mutex_unlock(&h->lock);
	cp_hc_wake(h);
	pthread_join(h->thread, NULL);

	pthread_mutex_lock(&h->lock);
	h->running = false;
	for (i = 0; i < h->n; i++)
		hc_close(h, h->tg[i]);
	hc_reap(h);
	h->pend.n = 0;
	HC_LOG(INFO, "checker stopped");
	pthread_mutex_unlock(&h->lock);
}

void cp_hc_destroy(struct cp_hc *h)
{
	uint32_t i;

	if (h == NULL)
		return;
	cp_hc_stop(h);
	for (i = 0; i < h->n; i++) {
		hc_close(h, h->tg[i]);
		free(h->tg[i]);
	}
	hc_reap(h);
	free(h->tg);
	free(h->ht);
	cp_hc_heap_free(&h->heap);
	free(h->pend.v);
	free(h->deliv.v);
	close(h->evfd);
	close(h->tfd);
	close(h->epfd);
	pthread_cond_destroy(&h->delivered);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
