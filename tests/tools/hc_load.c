/* hc_load — measures the health checker under load: N targets at one
 * interval against local listeners (a child process serving many ports on
 * all of 127.0.0.0/8), in a network namespace of its own (unshare; needs
 * root, or --no-netns). Prints the checker thread's CPU use and the drift
 * of check starts (actual - scheduled) over a measuring window.
 *
 *   hc_load [-n TARGETS] [-i INTERVAL_MS] [-T TIMEOUT_MS] [-d SECONDS]
 *           [-y tcp|http|udp] [-p PORTS] [--no-netns]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cp/hc.h"

#define PORT_BASE 20000

struct load {
	unsigned n;
	uint64_t interval_ns;
	uint64_t win_start, win_end;     /* measuring window, CLOCK_MONOTONIC */
	/* written by the checker thread only */
	uint64_t *lag;                   /* one sample per check started in the window */
	size_t nlag, cap;
	uint64_t *last_start;            /* by key: previous actual start */
	int64_t spacing_min, spacing_max;/* actual start - previous actual start - interval */
	uint64_t cpu_begin, cpu_end;     /* CLOCK_THREAD_CPUTIME_ID of the checker */
	unsigned changes;
};

static uint64_t mono_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_change(void *arg, uint64_t key, bool up, const char *reason)
{
	struct load *l = arg;

	(void)key;
	(void)up;
	(void)reason;
	l->changes++;
}

static void on_start(void *arg, uint64_t key, uint64_t sched_ns, uint64_t start_ns)
{
	struct load *l = arg;

	if (start_ns >= l->win_start && start_ns < l->win_end) {
		if (l->cpu_begin == 0)
			l->cpu_begin = mono_ns(CLOCK_THREAD_CPUTIME_ID);
		if (l->nlag < l->cap)
			l->lag[l->nlag++] = start_ns - sched_ns;
		if (l->last_start[key]) {
			int64_t d = (int64_t)(start_ns - l->last_start[key]) - (int64_t)l->interval_ns;

			if (d < l->spacing_min)
				l->spacing_min = d;
			if (d > l->spacing_max)
				l->spacing_max = d;
		}
	} else if (start_ns >= l->win_end && l->cpu_end == 0) {
		l->cpu_end = mono_ns(CLOCK_THREAD_CPUTIME_ID);
	}
	l->last_start[key] = start_ns;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc = 0;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

/* The listeners: every port on 0.0.0.0, so that every 127.x.y.z reaches
 * them. tcp: accept and close; http: read the request, answer 200, close;
 * udp: echo. Runs until its parent dies. */
static void serve(const char *type, unsigned ports)
{
	bool udp = strcmp(type, "udp") == 0, http = strcmp(type, "http") == 0;
	struct epoll_event ev[256];
	int ep = epoll_create1(0);
	unsigned i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < ports; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT_BASE + i) };
		struct epoll_event e = { .events = EPOLLIN };
		int one = 1, fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (udp)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (!udp && listen(fd, 4096) < 0)) {
			perror("hc_load: listener");
			_exit(1);
		}
		e.data.u64 = (uint64_t)fd << 1 | 1; /* low bit: a listening socket */
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	}
	for (;;) {
		int n = epoll_wait(ep, ev, 256, -1), k;

		for (k = 0; k < n; k++) {
			int fd = (int)(ev[k].data.u64 >> 1);
			char buf[2048];

			if (udp) {
				/* Reply from the address asked (IP_PKTINFO): the
				 * checker's connected socket takes nothing else. */
				struct sockaddr_in peer;
				char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
				struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
				struct msghdr m;
				ssize_t r;

				for (;;) {
					memset(&m, 0, sizeof(m));
					m.msg_name = &peer;
					m.msg_namelen = sizeof(peer);
					m.msg_iov = &iov;
					m.msg_iovlen = 1;
					m.msg_control = cbuf;
					m.msg_controllen = sizeof(cbuf);
					iov.iov_len = sizeof(buf);
					r = recvmsg(fd, &m, 0);
					if (r < 0)
						break;
					iov.iov_len = (size_t)r;
					m.msg_flags = 0;
					sendmsg(fd, &m, 0);
				}
			} else if (ev[k].data.u64 & 1) {
				int c;

				while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)c << 1 };

					if (!http)
						close(c);
					else
						epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
				}
			} else {
				/* http: a request came (or the peer left) */
				static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";

				if (recv(fd, buf, sizeof(buf), 0) > 0)
					send(fd, resp, sizeof(resp) - 1, MSG_NOSIGNAL);
				close(fd);
			}
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-netns", no_argument, NULL, 'N' }, { NULL, 0, NULL, 0 },
	};
	struct load l = { .spacing_min = INT64_MAX, .spacing_max = INT64_MIN };
	unsigned n = 5000, interval = 1000, timeout = 500, secs = 10, ports = 100, i;
	const char *type = "tcp";
	bool netns = true;
	struct cp_hc_target *t = NULL;
	struct cp_hc *h = NULL;
	struct cp_hc_stats st;
	struct rusage ru0, ru1;
	uint64_t t0, t1, fails = 0, down = 0, checks = 0;
	struct rlimit rl;
	pid_t child;
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "n:i:T:d:y:p:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'i': interval = (unsigned)atoi(optarg); break;
		case 'T': timeout = (unsigned)atoi(optarg); break;
		case 'd': secs = (unsigned)atoi(optarg); break;
		case 'y': type = optarg; break;
		case 'p': ports = (unsigned)atoi(optarg); break;
		case 'N': netns = false; break;
		default:
			fprintf(stderr, "usage: hc_load [-n N] [-i MS] [-T MS] [-d S] [-y tcp|http|udp] "
				"[-p PORTS] [--no-netns]\n");
			return 2;
		}
	}
	if (n == 0 || ports == 0 || ports > 40000 || secs == 0) {
		fprintf(stderr, "hc_load: bad arguments\n");
		return 2;
	}
	if (netns && (unshare(CLONE_NEWNET) < 0 || lo_up() < 0)) {
		perror("hc_load: own network namespace (root needed; or --no-netns)");
		return 1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	child = fork();
	if (child == 0)
		serve(type, ports);
	usleep(200000);

	t = calloc(n, sizeof(*t));
	l.n = n;
	l.interval_ns = (uint64_t)interval * 1000000ull;
	l.cap = (size_t)n * (secs * 1000 / interval + 2);
	l.lag = calloc(l.cap, sizeof(*l.lag));
	l.last_start = calloc(n, sizeof(*l.last_start));
	if (t == NULL || l.lag == NULL || l.last_start == NULL)
		goto out;
	/* target k: port PORT_BASE + k % ports on 127.1.a.b, a different
	 * address for each round of ports */
	for (i = 0; i < n; i++) {
		uint32_t a = i / ports;

		t[i].key = i;
		if (cp_hc_type_parse(type, &t[i].type) < 0)
			goto out;
		t[i].dst_ip = (127u << 24) | (1u << 16) | ((a / 250) << 8) | (a % 250 + 1);
		t[i].dst_port = (uint16_t)(PORT_BASE + i % ports);
		t[i].interval_ms = interval;
		t[i].timeout_ms = timeout;
		t[i].rise = 2;
		t[i].fall = 3;
		t[i].http_status = 200;
		t[i].require_reply = true;
	}
	if (cp_hc_create(on_change, &l, &h) < 0)
		goto out;
	cp_hc_set_trace(h, on_start, &l);
	if (cp_hc_set(h, t, n) < 0)
		goto out;
	/* The first interval spreads the first starts: measure after two. */
	t0 = mono_ns(CLOCK_MONOTONIC);
	l.win_start = t0 + 2 * l.interval_ns;
	l.win_end = l.win_start + (uint64_t)secs * 1000000000ull;
	if (cp_hc_start(h) < 0)
		goto out;
	while (mono_ns(CLOCK_MONOTONIC) < l.win_start)
		usleep(10000);
	getrusage(RUSAGE_SELF, &ru0);
	t1 = mono_ns(CLOCK_MONOTONIC);
	while (mono_ns(CLOCK_MONOTONIC) < l.win_end + l.interval_ns / 10 ||
	       __atomic_load_n(&l.cpu_end, __ATOMIC_RELAXED) == 0) {
		usleep(10000);
		if (mono_ns(CLOCK_MONOTONIC) > l.win_end + 5 * l.interval_ns)
			break;
	}
	getrusage(RUSAGE_SELF, &ru1);
	t1 = mono_ns(CLOCK_MONOTONIC) - t1;
	cp_hc_stop(h);

	for (i = 0; i < n; i++) {
		struct cp_hc_status s;

		if (cp_hc_get(h, i, &s) < 0)
			continue;
		checks += s.checks;
		fails += s.fall_count ? 1 : 0;
		down += !s.up;
	}
	cp_hc_stats(h, &st);
	qsort(l.lag, l.nlag, sizeof(*l.lag), cmp_u64);
	{
		double wall = (double)(l.win_end - l.win_start) / 1e9;
		double thr = l.cpu_end > l.cpu_begin ? (double)(l.cpu_end - l.cpu_begin) / 1e9 : 0;
		double proc = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
			      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
			      (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
			      (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;

		printf("hc_load: %u %s targets, interval %u ms, timeout %u ms, %u ports x %u addresses, "
		       "window %.1f s\n", n, type, interval, timeout, ports, (n + ports - 1) / ports, wall);
		printf("  checks started in window: %zu (%.0f/s); results total %" PRIu64
		       "; periods skipped %" PRIu64 "\n", l.nlag, (double)l.nlag / wall, checks,
		       st.checks_skipped);
		printf("  targets down at end: %" PRIu64 ", failing at end: %" PRIu64
		       ", transitions reported: %u\n", down, fails, l.changes);
		double usr = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
			     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;

		printf("  CPU: checker thread %.1f%% of one core; whole process %.1f%% "
		       "(user %.1f%%, system %.1f%%, over %.1f s)\n", 100.0 * thr / wall,
		       100.0 * proc / ((double)t1 / 1e9), 100.0 * usr / ((double)t1 / 1e9),
		       100.0 * (proc - usr) / ((double)t1 / 1e9), (double)t1 / 1e9);
		printf("  drift (actual - scheduled start), us: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
		       pct(l.lag, l.nlag, 0.5), pct(l.lag, l.nlag, 0.99), pct(l.lag, l.nlag, 0.999),
		       l.nlag ? (double)l.lag[l.nlag - 1] / 1000.0 : 0);
		printf("  period error (start - previous start - interval), us: min %.1f  max %.1f\n",
		       l.spacing_min == INT64_MAX ? 0 : (double)l.spacing_min / 1000.0,
		       l.spacing_max == INT64_MIN ? 0 : (double)l.spacing_max / 1000.0);
		printf("  engine lag histogram: <10us %" PRIu64 "  <100us %" PRIu64 "  <1ms %" PRIu64
		       "  <10ms %" PRIu64 "  <100ms %" PRIu64 "  >=100ms %" PRIu64 "  max %.1f us\n",
		       st.lag_hist[0], st.lag_hist[1], st.lag_hist[2], st.lag_hist[3], st.lag_hist[4],
		       st.lag_hist[5], (double)st.lag_max_ns / 1000.0);
	}
	rc = 0;
out:
	cp_hc_destroy(h);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	free(l.last_start);
	free(l.lag);
	free(t);
	return rc;
}
