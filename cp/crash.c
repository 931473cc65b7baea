/* cp/crash.c — the crash handler and the port switch (see crash.h).
 *
 * What a signal handler may do is little: no malloc, no stdio, no locks,
 * no rte_log. Everything it needs is prepared here beforehand in one static
 * struct — the only mutable global of the module, because a handler can
 * reach nothing else — written once by cp_crash_install() before the
 * handlers are armed, and afterwards only read (bar the `owner` word that
 * elects the one thread that handles a crash). */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "cp/cp_int.h"
#include "cp/crash.h"

#define ALTSTACK_SIZE      (64 * 1024)
#define HANDLER_MAX_S      2        /* a PMD call that hangs ends the process anyway */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

static struct {
	struct cp_crash_ports ports;
	bool armed;
	int owner;                  /* tid of the thread handling a crash; 0: none yet */
} crash = { .ports = { .fd = -1 } };

int cp_crash_kernel_iface(const char *dev, char out[IFNAMSIZ])
{
	/* The keys after the driver's name; "iface=X" alone names no driver. */
	const char *key = cp_port_kiface(dev) ? dev : strchr(dev, ',');

	if (key && key != dev)
		key++;
	while (key) {
		const char *end = strchr(key, ',');
		size_t len = end ? (size_t)(end - key) : strlen(key);

		if (len >= 6 && strncmp(key, "iface=", 6) == 0) {
			len -= 6;
			if (len == 0 || len >= IFNAMSIZ)
				return -EINVAL;
			memcpy(out, key + 6, len);
			out[len] = 0;
			return 1;
		}
		key = end ? end + 1 : NULL;
	}
	return 0;
}

static void set_name(struct ifreq *ifr, const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ - 1);   /* config names fit (CP_PORT_NAME_MAX) */

	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, n);
}

int cp_crash_ports_init(struct cp_crash_ports *p, const struct cp_config *c, struct dp *dp)
{
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	for (unsigned i = 0; i < c->n_ports; i++) {
		struct cp_crash_port *pt = &p->port[i];
		char kif[IFNAMSIZ], tap[IFNAMSIZ + 8];   /* "mgw-" + name */
		struct dp_port_info pi;

		snprintf(pt->name, sizeof(pt->name), "%s", c->ports[i].name);
		rc = cp_crash_kernel_iface(c->ports[i].dev, kif);
		if (rc < 0) {
			CP_LOG(ERR, "ports[%u].dev: bad iface= in '%s'", i, c->ports[i].dev);
			goto err;
		}
		set_name(&pt->kif, rc ? kif : "");
		snprintf(tap, sizeof(tap), "mgw-%s", c->ports[i].name);
		set_name(&pt->tap, tap);
		pt->eth_id = -1;
		if (!rc && dp && dp_port_info(dp, i, &pi) == 0)
			pt->eth_id = pi.eth_id;
	}
	p->n = c->n_ports;
	return 0;
err:
	close(p->fd);
	p->fd = -1;
	return rc;
}

void cp_crash_ports_close(struct cp_crash_ports *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->n = 0;
}

/* Async-signal-safe: a copy on the stack and two ioctls. */
static int if_set(int fd, const struct ifreq *prepared, bool up)
{
	struct ifreq ifr = *prepared;
	short want;

	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	want = up ? (short)(ifr.ifr_flags | IFF_UP) : (short)(ifr.ifr_flags & ~IFF_UP);
	if (want == ifr.ifr_flags)
		return 0;
	ifr.ifr_flags = want;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 1;
}

unsigned cp_crash_ports_down(const struct cp_crash_ports *p, bool taps)
{
	unsigned n = 0;

	/* Plain system calls first; PMD calls (which may take a lock the
	 * crashed thread holds) after. */
	for (unsigned i = 0; i < p->n; i++)
		if (p->port[i].kif.ifr_name[0] && if_set(p->fd, &p->port[i].kif, false) >= 0)
			n++;
	for (unsigned i = 0; i < p->n; i++)
		if (p->port[i].eth_id >= 0 &&
		    rte_eth_dev_set_link_down((uint16_t)p->port[i].eth_id) == 0)
			n++;
	for (unsigned i = 0; taps && i < p->n; i++)
		if_set(p->fd, &p->port[i].tap, false);
	return n;
}

int cp_crash_ports_up(const struct cp_crash_ports *p)
{
	int rc = 0;

	for (unsigned i = 0; i < p->n; i++) {
		const struct cp_crash_port *pt = &p->port[i];
		int r = 0;

		if (pt->kif.ifr_name[0])
			r = if_set(p->fd, &pt->kif, true);
		else if (pt->eth_id >= 0)
			r = rte_eth_dev_set_link_up((uint16_t)pt->eth_id);
		if (r == -ENOTSUP)
			r = 0;   /* a vdev without a link to switch (null, ring) */
		if (r < 0) {
			CP_LOG(ERR, "port %s: cannot set the link up: %s", pt->name, strerror(-r));
			if (rc == 0)
				rc = r;
		} else if (r > 0) {
			CP_LOG(NOTICE, "port %s: kernel interface %s set up", pt->name,
			       pt->kif.ifr_name);
		}
	}
	return rc;
}

int cp_crash_ifflags(const struct cp_crash_ports *p, const struct ifreq *prepared,
		     unsigned *flags)
{
	struct ifreq ifr = *prepared;

	if (ioctl(p->fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	*flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

int cp_crash_carrier(const struct cp_crash_ports *p, const struct ifreq *prepared, bool *up)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr = *prepared;
	unsigned fl = 0;
	int rc;

	rc = cp_crash_ifflags(p, prepared, &fl);
	if (rc < 0)
		return rc;
	ifr.ifr_data = (void *)&ev;
	if (ioctl(p->fd, SIOCETHTOOL, &ifr) == 0)
		*up = (fl & IFF_UP) && ev.data;
	else
		*up = (fl & IFF_UP) && (fl & IFF_RUNNING);   /* a driver without get_link */
	return 0;
}

/* The handler's one line, built without stdio. */
struct line {
	char s[256];
	size_t n;
};

static void put_str(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->s) - 1)
		l->s[l->n++] = *s++;
}

static void put_num(struct line *l, unsigned long long v, unsigned base)
{
	char d[24];
	int i = 0;

	do {
		d[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v && i < (int)sizeof(d));
	if (base == 16)
		put_str(l, "0x");
	while (i > 0 && l->n < sizeof(l->s) - 1)
		l->s[l->n++] = d[--i];
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGABRT: return "SIGABRT";
	default: return "signal";
	}
}

/* Default action, then the signal again: blocked while we are in its
 * handler, it is delivered on return (a fault re-executes and faults) and
 * the kernel dumps core and reports the signal as the cause of death. */
static void die(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	raise(sig);
}

static void on_crash(int sig, siginfo_t *si, void *uctx)
{
	int tid = (int)syscall(SYS_gettid), prev = 0;
	char tname[17] = "";
	struct line l = { .n = 0 };
	unsigned down;

	(void)uctx;
	if (!__atomic_compare_exchange_n(&crash.owner, &prev, tid, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		if (prev == tid) {   /* the handler itself failed: no second try */
			die(sig);
			return;
		}
		for (;;)             /* another thread is at it and ends the process */
			pause();
	}
	alarm(HANDLER_MAX_S);
	down = cp_crash_ports_down(&crash.ports, true);
	prctl(PR_GET_NAME, tname, 0, 0, 0);
	put_str(&l, "mgw: fatal ");
	put_str(&l, sig_name(sig));
	put_str(&l, " (");
	put_num(&l, (unsigned)sig, 10);
	put_str(&l, ")");
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) {
		if (si && si->si_code > 0) {   /* raised by the CPU, not sent */
			put_str(&l, " at ");
			put_num(&l, (unsigned long long)(uintptr_t)si->si_addr, 16);
		}
	}
	if (si && si->si_code <= 0) {
		put_str(&l, " sent by pid ");
		put_num(&l, (unsigned)si->si_pid, 10);
	}
	put_str(&l, " in thread ");
	put_num(&l, (unsigned)tid, 10);
	put_str(&l, " (");
	put_str(&l, tname);
	put_str(&l, "): ");
	put_num(&l, down, 10);
	put_str(&l, " of ");
	put_num(&l, crash.ports.n, 10);
	put_str(&l, " port links set down; re-raising\n");
	if (write(STDERR_FILENO, l.s, l.n) < 0) {
		/* nothing left to tell it to */
	}
	alarm(0);
	die(sig);
}

int cp_crash_thread_init(void)
{
	long page = sysconf(_SC_PAGESIZE);
	stack_t ss, old;
	uint8_t *mem;

	if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
		return 0;
	mem = mmap(NULL, ALTSTACK_SIZE + (size_t)page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	/* A guard page below: a handler that overflows faults, it does not
	 * write over whatever lies beneath. */
	mprotect(mem, (size_t)page, PROT_NONE);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = mem + page;
	ss.ss_size = ALTSTACK_SIZE;
	if (sigaltstack(&ss, NULL) < 0) {
		int rc = -errno;

		munmap(mem, ALTSTACK_SIZE + (size_t)page);
		return rc;
	}
	return 0;
}

static int lcore_altstack(void *arg)
{
	(void)arg;
	return cp_crash_thread_init();
}

int cp_crash_install(const struct cp_config *c, struct dp *dp)
{
	struct sigaction sa;
	unsigned lcore;
	int rc;

	memset(&sa, 0, sizeof(sa));
	if (crash.armed)
		return -EALREADY;
	rc = cp_crash_ports_init(&crash.ports, c, dp);
	if (rc < 0)
		return rc;
	rc = cp_crash_thread_init();
	if (rc < 0)
		goto err;
	/* The data lcores are EAL's threads: they run this once, idle, before
	 * dp_start() gives them their loop. */
	rc = rte_eal_mp_remote_launch(lcore_altstack, NULL, SKIP_MAIN);
	if (rc < 0)
		goto err;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		int r = rte_eal_wait_lcore(lcore);

		if (r < 0 && rc == 0)
			rc = r;
	}
	if (rc < 0)
		goto err;

	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	/* A second crash signal inside the handler is then fatal at once. */
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < RTE_DIM(crash_signals); i++)
		sigaddset(&sa.sa_mask, crash_signals[i]);
	crash.armed = true;
	for (unsigned i = 0; i < RTE_DIM(crash_signals); i++)
		if (sigaction(crash_signals[i], &sa, NULL) < 0) {
			rc = -errno;
			goto err;
		}
	CP_LOG(INFO, "crash handler armed for %u ports", crash.ports.n);
	return 0;
err:
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	for (unsigned i = 0; crash.armed && i < RTE_DIM(crash_signals); i++)
		sigaction(crash_signals[i], &sa, NULL);
	crash.armed = false;
	cp_crash_ports_close(&crash.ports);
	CP_LOG(ERR, "crash handler: %s", strerror(-rc));
	return rc;
}

int cp_crash_down_config(const struct cp_config *c)
{
	struct cp_crash_ports p;
	int rc, n = 0;

	rc = cp_crash_ports_init(&p, c, NULL);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < p.n; i++) {
		const struct ifreq *k = &p.port[i].kif;
		int r;

		if (!k->ifr_name[0]) {
			CP_LOG(NOTICE, "port %s: no kernel interface (its link drops when the "
			       "device is released)", p.port[i].name);
			continue;
		}
		r = if_set(p.fd, k, false);
		if (r < 0) {
			CP_LOG(ERR, "port %s: %s: %s", p.port[i].name, k->ifr_name, strerror(-r));
			if (rc == 0)
				rc = r;
			continue;
		}
		CP_LOG(NOTICE, "port %s: %s %s", p.port[i].name, k->ifr_name,
		       r ? "set down" : "was down already");
		n++;
	}
	cp_crash_ports_close(&p);
	return rc < 0 ? rc : n;
}
