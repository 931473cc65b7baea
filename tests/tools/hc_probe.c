/* hc_probe — runs the health checker on targets given as arguments (or in
 * a file, re-read on SIGHUP through cp_hc_set) and prints every transition
 * with a timestamp; with -t also every check start. For e2e scenarios.
 *
 *   hc_probe [-t] [-d SECONDS] [-f FILE] [TARGET...]
 *   TARGET: TYPE:IP:PORT[+COUNT][,OPTION...]
 *     TYPE    none tcp udp http
 *     +COUNT  COUNT targets on ports PORT, PORT+1, ...
 *     OPTION  key=N interval=MS timeout=MS rise=N fall=N src=IP start_down
 *             path=/P host=H status=N payload=TEXT hex=HEX require_reply
 *   FILE: one TARGET per line; blank lines and lines starting with # skipped.
 *
 * Output, one line each (time = wall clock, seconds with ms):
 *   TIME change key=K TYPE:IP:PORT up|down reason=TEXT
 *   TIME start key=K sched_ns=N start_ns=N lag_us=N          (-t)
 *   TIME status key=K up=0|1 checks=N transitions=N last_ok=0|1 rise=N fall=N error=TEXT
 *   TIME status key=K gone          (in the set before the last reload, not now)
 *   TIME set targets=N rc=N
 * Status lines are printed on SIGUSR1 and at exit (SIGTERM, SIGINT, -d).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp/hc.h"

#define MAX_TARGETS 65536

struct probe {
	pthread_mutex_t mu;          /* guards t and n against the callback */
	struct cp_hc_target *t;
	unsigned n;
	uint64_t *gone;              /* keys of the set before the last reload */
	unsigned ngone;
	const char *file;
	char **argv;
	int argc;
};

static void stamp(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
}

static void on_change(void *arg, uint64_t key, bool up, const char *reason)
{
	struct probe *p = arg;
	char ts[32], ip[INET_ADDRSTRLEN] = "?";
	struct cp_hc_target t = { .type = CP_HC_NONE };
	unsigned i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++)
		if (p->t[i].key == key)
			t = p->t[i];
	pthread_mutex_unlock(&p->mu);
	if (t.dst_ip) {
		struct in_addr a = { .s_addr = htonl(t.dst_ip) };

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
	}
	stamp(ts, sizeof(ts));
	printf("%s change key=%" PRIu64 " %s:%s:%u %s reason=%s\n", ts, key,
	       cp_hc_type_name(t.type), ip, t.dst_port, up ? "up" : "down", reason);
}

static void on_start(void *arg, uint64_t key, uint64_t sched_ns, uint64_t start_ns)
{
	char ts[32];

	(void)arg;
	stamp(ts, sizeof(ts));
	printf("%s start key=%" PRIu64 " sched_ns=%" PRIu64 " start_ns=%" PRIu64
	       " lag_us=%" PRIu64 "\n", ts, key, sched_ns, start_ns, (start_ns - sched_ns) / 1000);
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int parse_hex(const char *s, uint8_t *out, uint16_t *len)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > CP_HC_PAYLOAD_MAX)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*len = (uint16_t)(n / 2);
	return 0;
}

static int parse_option(struct cp_hc_target *t, char *opt)
{
	char *v = strchr(opt, '=');

	if (v)
		*v++ = 0;
	if (strcmp(opt, "start_down") == 0) {
		t->start_down = true;
	} else if (strcmp(opt, "require_reply") == 0) {
		t->require_reply = true;
	} else if (v == NULL) {
		return -EINVAL;
	} else if (strcmp(opt, "key") == 0) {
		t->key = strtoull(v, NULL, 0);
	} else if (strcmp(opt, "interval") == 0) {
		t->interval_ms = (uint32_t)strtoul(v, NULL, 0);
	} else if (strcmp(opt, "timeout") == 0) {
		t->timeout_ms = (uint32_t)strtoul(v, NULL, 0);
	} else if (strcmp(opt, "rise") == 0) {
		t->rise = (uint16_t)strtoul(v, NULL, 0);
	} else if (strcmp(opt, "fall") == 0) {
		t->fall = (uint16_t)strtoul(v, NULL, 0);
	} else if (strcmp(opt, "status") == 0) {
		t->http_status = (uint16_t)strtoul(v, NULL, 0);
	} else if (strcmp(opt, "src") == 0) {
		return parse_ip(v, &t->src_ip);
	} else if (strcmp(opt, "path") == 0) {
		snprintf(t->path, sizeof(t->path), "%s", v);
	} else if (strcmp(opt, "host") == 0) {
		snprintf(t->host, sizeof(t->host), "%s", v);
	} else if (strcmp(opt, "payload") == 0) {
		size_t n = strlen(v);

		if (n > CP_HC_PAYLOAD_MAX)
			return -EINVAL;
		memcpy(t->payload, v, n);
		t->payload_len = (uint16_t)n;
	} else if (strcmp(opt, "hex") == 0) {
		return parse_hex(v, t->payload, &t->payload_len);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Appends the targets of one spec; keys default to their position. */
static int parse_target(struct probe *p, const char *spec)
{
	char buf[1024], *save = NULL, *head, *opt, *f[3], *plus;
	struct cp_hc_target t;
	unsigned count = 1, i;
	char msg[128];

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	t.key = p->n;
	t.interval_ms = 1000;
	t.timeout_ms = 500;
	t.rise = 2;
	t.fall = 3;
	t.http_status = 200;
	head = strtok_r(buf, ",", &save);
	if (head == NULL)
		return -EINVAL;
	f[0] = strtok(head, ":");
	f[1] = strtok(NULL, ":");
	f[2] = strtok(NULL, ":");
	if (f[0] == NULL || cp_hc_type_parse(f[0], &t.type) < 0)
		goto bad;
	if (t.type != CP_HC_NONE) {
		if (f[1] == NULL || f[2] == NULL || parse_ip(f[1], &t.dst_ip) < 0)
			goto bad;
		plus = strchr(f[2], '+');
		if (plus) {
			*plus++ = 0;
			count = (unsigned)strtoul(plus, NULL, 0);
		}
		t.dst_port = (uint16_t)strtoul(f[2], NULL, 0);
	}
	while ((opt = strtok_r(NULL, ",", &save)) != NULL)
		if (parse_option(&t, opt) < 0)
			goto bad;
	if (cp_hc_target_validate(&t, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "hc_probe: %s: %s\n", spec, msg);
		return -EINVAL;
	}
	if (count == 0 || p->n + count > MAX_TARGETS || t.dst_port + count - 1 > 65535)
		goto bad;
	for (i = 0; i < count; i++) {
		p->t[p->n] = t;
		p->t[p->n].key = t.key + i;
		p->t[p->n].dst_port = (uint16_t)(t.dst_port + i);
		p->n++;
	}
	return 0;
bad:
	fprintf(stderr, "hc_probe: bad target: %s\n", spec);
	return -EINVAL;
}

static int load(struct probe *p)
{
	char line[1024];
	FILE *f;
	int i, rc = 0;

	p->n = 0;
	for (i = 0; i < p->argc && rc == 0; i++)
		rc = parse_target(p, p->argv[i]);
	if (rc || p->file == NULL)
		return rc;
	f = fopen(p->file, "r");
	if (f == NULL)
		return -errno;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == 0 || line[0] == '#')
			continue;
		rc = parse_target(p, line);
	}
	fclose(f);
	return rc;
}

static void print_status(struct cp_hc *h, const struct probe *p)
{
	char ts[32];
	unsigned i;

	stamp(ts, sizeof(ts));
	for (i = 0; i < p->n; i++) {
		struct cp_hc_status st;

		if (cp_hc_get(h, p->t[i].key, &st) < 0)
			continue;
		printf("%s status key=%" PRIu64 " up=%d checks=%" PRIu64 " transitions=%" PRIu64
		       " last_ok=%d rise=%u fall=%u error=%s\n", ts, p->t[i].key, st.up, st.checks,
		       st.transitions, st.last_ok, st.rise_count, st.fall_count, st.last_error);
	}
	for (i = 0; i < p->ngone; i++) {
		struct cp_hc_status st;

		if (cp_hc_get(h, p->gone[i], &st) == -ENOENT)
			printf("%s status key=%" PRIu64 " gone\n", ts, p->gone[i]);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct probe p = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct cp_hc *h = NULL;
	struct timespec limit = { 0 };
	bool trace = false, timed = false;
	sigset_t set;
	char ts[32];
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "td:f:")) != -1) {
		switch (opt) {
		case 't':
			trace = true;
			break;
		case 'd':
			timed = true;
			limit.tv_sec = atoi(optarg);
			break;
		case 'f':
			p.file = optarg;
			break;
		default:
			fprintf(stderr, "usage: hc_probe [-t] [-d SECONDS] [-f FILE] [TARGET...]\n");
			return 2;
		}
	}
	p.argv = argv + optind;
	p.argc = argc - optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.t = calloc(MAX_TARGETS, sizeof(*p.t));
	if (p.t == NULL || load(&p) < 0)
		goto out;

	/* Signals are taken by sigwait in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (cp_hc_create(on_change, &p, &h) < 0)
		goto out;
	if (trace)
		cp_hc_set_trace(h, on_start, &p);
	stamp(ts, sizeof(ts));
	printf("%s set targets=%u rc=%d\n", ts, p.n, cp_hc_set(h, p.t, p.n));
	if (cp_hc_start(h) < 0)
		goto out;
	for (;;) {
		int sig = timed ? sigtimedwait(&set, NULL, &limit) : sigwait(&set, &opt) == 0 ? opt : -1;

		if (sig == SIGUSR1) {
			print_status(h, &p);
		} else if (sig == SIGHUP) {
			struct probe q = { .file = p.file, .argv = p.argv, .argc = p.argc };
			struct cp_hc_target *old;
			int r;

			q.t = calloc(MAX_TARGETS, sizeof(*q.t));
			if (q.t == NULL || load(&q) < 0) {
				free(q.t);
				stamp(ts, sizeof(ts));
				printf("%s set rc=%d\n", ts, -EINVAL);
				continue;
			}
			free(p.gone);
			p.gone = malloc((p.n ? p.n : 1) * sizeof(*p.gone));
			p.ngone = 0;
			for (unsigned i = 0; p.gone && i < p.n; i++)
				p.gone[p.ngone++] = p.t[i].key;
			/* Swap what the callback reads, then the engine's set. */
			pthread_mutex_lock(&p.mu);
			old = p.t;
			p.t = q.t;
			p.n = q.n;
			pthread_mutex_unlock(&p.mu);
			free(old);
			r = cp_hc_set(h, p.t, p.n);
			stamp(ts, sizeof(ts));
			printf("%s set targets=%u rc=%d\n", ts, p.n, r);
		} else if (sig < 0 && timed && errno == EINTR) {
			continue;
		} else {
			break;
		}
	}
	cp_hc_stop(h);
	print_status(h, &p);
	rc = 0;
out:
	cp_hc_destroy(h);
	free(p.gone);
	free(p.t);
	return rc;
}
