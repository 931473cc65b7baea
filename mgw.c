/* mgw — a layer-4 load balancer: one process, a DPDK data plane and its
 * control threads.
 *
 * main: read and validate the config, build the EAL command line from it,
 * start the modules in order (data plane, control plane, API) and stop them
 * in reverse on SIGINT/SIGTERM. The context below is the only mutable state
 * that is not owned by a module (the crash handler's, cp/crash.c, aside).
 *
 * Signals (no default action may end mgw with its links up):
 * - SIGTERM stops gracefully: state `stopping`, routes withdrawn,
 *   node.drain_s of forwarding, then the ports' links down and exit 0.
 *   SIGINT skips the drain.
 * - SIGHUP reloads the config file: read and validated whole, applied as
 *   PUT /config would (fields that need a restart refused); a bad file
 *   changes nothing and says why in the log.
 * - SIGUSR1 logs one line of state; SIGUSR2 is logged and otherwise
 *   ignored; SIGPIPE is ignored (a client that went away is the API's
 *   business, not a reason to die).
 * Under systemd (Type=notify) mgw says READY=1 once started, STATUS= on
 * every state change, RELOADING=1 around a reload, STOPPING=1 on a stop;
 * the self-check thread sends WATCHDOG=1 (cp/notify.h).
 *
 * `mgw --down-ports -c FILE` sets the kernel interfaces of the config's
 * ports down, for a supervisor after a SIGKILL. */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "cp/cp.h"
#include "cp/crash.h"
#include "cp/log.h"
#include "cp/selfcheck.h"
#include "dp/dp.h"
#include "ospf/routing.h"
#include "sync/sync.h"
#include "web/web.h"

#define MGW_VERSION "0.1.0"
#define MGW_MAX_EAL_ARGS 128

RTE_LOG_REGISTER(mgw_logtype_main, mgw.main, INFO);
#define MGW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_main, "mgw: " fmt "\n", ##__VA_ARGS__)

struct mgw {
	const char *cfg_path;
	bool check_only;
	bool down_ports;
	int n_extra;                  /* EAL args after "--" */
	char **extra;
	struct cp_config *cfg;        /* until cp_create takes it */
	int eal_argc;
	char *eal_argv[MGW_MAX_EAL_ARGS];   /* handed to EAL, which reorders it */
	char *eal_args[MGW_MAX_EAL_ARGS];   /* the same strings, freed at exit */
	struct dp *dp;
	struct cp *cp;
	struct web *web;
	struct web *metrics;          /* metrics.listen, or NULL */
	struct ospf_routing *routing;
	struct sync *sync;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mgw -c FILE [-- EAL args]   run\n"
		   "       mgw --check -c FILE          validate a config file\n"
		   "       mgw --down-ports -c FILE     set the ports' kernel interfaces down\n"
		   "       mgw --version\n");
}

static int parse_args(struct mgw *m, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			m->extra = argv + i + 1;
			m->n_extra = argc - i - 1;
			break;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("mgw %s (DPDK data plane, FULLNAT)\n", MGW_VERSION);
			exit(0);
		} else if (strcmp(argv[i], "--check") == 0) {
			m->check_only = true;
		} else if (strcmp(argv[i], "--down-ports") == 0) {
			m->down_ports = true;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			m->cfg_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "mgw: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!m->cfg_path) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* How many lcores an EAL --lcores string names ("0-2", "0@0,1@1",
 * "(1,2)@1", "0,(1-3)@(0,1)"): the first is the main lcore, the rest are
 * data lcores, and ports need one queue pair per data lcore. */
static int count_lcores(const char *s)
{
	bool seen[RTE_MAX_LCORE] = { false };
	int n = 0;

	while (*s) {
		bool group = *s == '(';
		const char *p = s + group;

		for (;;) {
			char *end;
			long a = strtol(p, &end, 10), b;

			if (end == p || a < 0 || a >= RTE_MAX_LCORE)
				return -EINVAL;
			b = a;
			if (*end == '-') {
				p = end + 1;
				b = strtol(p, &end, 10);
				if (end == p || b < a || b >= RTE_MAX_LCORE)
					return -EINVAL;
			}
			for (long i = a; i <= b; i++)
				if (!seen[i]) {
					seen[i] = true;
					n++;
				}
			p = end;
			if (group && *p == ',') {
				p++;
				continue;
			}
			break;
		}
		if (group) {
			if (*p != ')')
				return -EINVAL;
			p++;
		}
		if (*p == '@') {   /* the cpu set: skip it */
			int depth = 0;

			for (p++; *p && (depth || *p != ','); p++)
				depth += (*p == '(') - (*p == ')');
		}
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
		s = p;
	}
	return n;
}

static bool arg_is(const char *arg, const char *a)
{
	size_t n = strlen(a);

	return strncmp(arg, a, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

/* Is option a ("--x", matching "--x" and "--x=...") among the EAL args the
 * operator gave (dpdk.args or after "--")? */
static bool has_arg(struct mgw *m, const char *a)
{
	for (unsigned i = 0; i < m->cfg->n_args; i++)
		if (arg_is(m->cfg->args[i], a))
			return true;
	for (int i = 0; i < m->n_extra; i++)
		if (arg_is(m->extra[i], a))
			return true;
	return false;
}

static int add_arg(struct mgw *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_arg(struct mgw *m, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	if (m->eal_argc == MGW_MAX_EAL_ARGS - 1)
		return -E2BIG;
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	m->eal_args[m->eal_argc] = s;
	m->eal_argv[m->eal_argc++] = s;
	return 0;
}

static uint64_t free_hugepage_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long free_pages = 0, size_kb = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return (uint64_t)free_pages * size_kb / 1024;
}

/* Memory the data plane will ask EAL for, in MB, with room to spare. */
static uint64_t memory_mb(const struct cp_config *c, int n_data)
{
	/* session, its cold half, free list, buckets, eviction links */
	uint64_t per_sess = 64 + 32 + 4 + 2 * 8 * 2 + 8;
	uint64_t sess = (uint64_t)c->sessions_per_lcore * per_sess * (uint64_t)n_data;
	/* per server and service: counters (and rate buckets); per lcore the
	 * per-client rate table (256 KiB) */
	uint64_t stats = ((uint64_t)c->max_servers * 64 + (uint64_t)c->max_services * 160 +
			  (256 << 10)) * (uint64_t)n_data;
	uint64_t guards = c->lport_guards ? c->lport_guards : c->sessions_per_lcore;
	/* guard slots of 16 B and a port cursor per server id */
	uint64_t laddr = (guards * 16 + (uint64_t)c->max_servers * 4) * (uint64_t)n_data;

	/* + two route tables (64 MB each while one replaces the other), mbufs
	 * and EAL's own needs */
	uint64_t sync = c->sync.enabled ? 2ull * 16384 * 64 * (uint64_t)n_data : 0;

	return (sess + stats + laddr + sync) / (1 << 20) + 2 * 66 + 128 + 128;
}

static int build_eal_args(struct mgw *m)
{
	const struct cp_config *c = m->cfg;
	int n_lcores = count_lcores(c->lcores), n_data, rc = 0;
	bool mem_given = has_arg(m, "--no-huge") || has_arg(m, "--in-memory") ||
			 has_arg(m, "-m") || has_arg(m, "--socket-mem");
	bool pci = false, in_memory = has_arg(m, "--in-memory");

	if (n_lcores < 2) {
		fprintf(stderr, "dpdk.lcores: \"%s\" must name a main lcore and at least one data "
				"lcore (e.g. \"0-1\")\n", c->lcores);
		return -EINVAL;
	}
	n_data = n_lcores - 1;
	rc |= add_arg(m, "mgw");
	rc |= add_arg(m, "--lcores=%s", c->lcores);
	if (!mem_given) {
		uint64_t need = memory_mb(c, n_data);

		if (free_hugepage_mb() >= need) {
			rc |= add_arg(m, "--in-memory");
			in_memory = true;
		} else {
			rc |= add_arg(m, "--no-huge");
			rc |= add_arg(m, "-m");
			rc |= add_arg(m, "%llu", (unsigned long long)need);
		}
	}
	/* Without hugepages EAL still keeps a runtime directory per prefix:
	 * a private one lets several instances run side by side. */
	if (!in_memory && !has_arg(m, "--file-prefix"))
		rc |= add_arg(m, "--file-prefix=mgw%d", (int)getpid());
	for (unsigned i = 0; i < c->n_ports; i++) {
		const char *dev = c->ports[i].dev;

		if (cp_port_kiface(dev)) {
			/* A kernel interface alone: probed after EAL's start
			 * (dp/port.c), af_xdp or af_packet as it can. */
		} else if (strncmp(dev, "net_", 4) == 0) {
			/* af_packet spreads flows over qpairs with PACKET_FANOUT:
			 * one queue pair per data lcore. Its default ring (512
			 * frames) overflows in the kernel, silently, whenever an
			 * lcore is late by a millisecond or two at line rate,
			 * and the fanout then rolls flows over to the other
			 * queues: 4096 frames (8 MB per queue) ride that out. */
			bool afp = strncmp(dev, "net_af_packet", 13) == 0;
			char q[32] = "", f[32] = "";

			if (afp && !strstr(dev, "qpairs="))
				snprintf(q, sizeof(q), ",qpairs=%d", n_data);
			if (afp && !strstr(dev, "framecnt="))
				snprintf(f, sizeof(f), ",framecnt=%d", DP_AFP_FRAMES);
			rc |= add_arg(m, "--vdev=%s%s%s", dev, q, f);
		} else {
			rc |= add_arg(m, "-a");
			rc |= add_arg(m, "%s", dev);
			pci = true;
		}
		rc |= add_arg(m, "--vdev=net_tap%u,iface=mgw-%s", i, c->ports[i].name);
	}
	if (!pci && !has_arg(m, "-a") && !has_arg(m, "--no-pci"))
		rc |= add_arg(m, "--no-pci");
	for (unsigned i = 0; i < c->n_args; i++)
		rc |= add_arg(m, "%s", c->args[i]);
	for (int i = 0; i < m->n_extra; i++)
		rc |= add_arg(m, "%s", m->extra[i]);
	return rc ? -ENOMEM : 0;
}

static void dp_conf_from(const struct cp_config *c, struct dp_conf *d)
{
	memset(d, 0, sizeof(*d));
	d->n_ports = c->n_ports;
	for (unsigned i = 0; i < c->n_ports; i++) {
		const char *dev = c->ports[i].dev;
		size_t n = strcspn(dev, ",");

		/* An ethdev is named by its devargs up to the first comma. */
		snprintf(d->port[i].name, sizeof(d->port[i].name), "%s", c->ports[i].name);
		if (cp_port_kiface(dev))
			snprintf(d->port[i].kiface, sizeof(d->port[i].kiface), "%s", cp_port_kiface(dev));
		else
			snprintf(d->port[i].devname, sizeof(d->port[i].devname), "%.*s", (int)n, dev);
		snprintf(d->port[i].tapname, sizeof(d->port[i].tapname), "net_tap%u", i);
		d->port[i].mtu = c->ports[i].mtu;
	}
	d->sessions_per_lcore = c->sessions_per_lcore;
	d->max_services = c->max_services;
	d->max_servers = c->max_servers;
	d->mbufs = c->mbufs;
	d->lport_guards = c->lport_guards;
	d->idle_sleep_us = c->idle_sleep_us;
	d->tap_poll_us = c->tap_poll_us;
	d->neigh_hold_ms = 1000;
	d->sync_ring = c->sync.enabled ? 16384 : 0;   /* 1 MB each way per lcore */
}

/* SIGHUP: the file again, whole, applied like PUT /config. */
static void reload(struct mgw *m)
{
	struct cp_err err = { "", "" };
	struct cp_config *c = NULL;
	struct timespec ts;
	int rc, st = cp_state(m->cp);

	if (st == CP_STATE_STOPPING) {
		MGW_LOG(WARNING, "SIGHUP while stopping: no reload");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cp_sd_notify(m->cp, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s",
		     (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000,
		     m->cfg_path);
	rc = cp_config_load(m->cfg_path, &c, &err);
	if (rc == 0) {
		rc = cp_replace(m->cp, c, &err);
		if (rc < 0)
			cp_config_free(c);
	}
	st = cp_state(m->cp);
	if (rc < 0) {
		MGW_LOG(ERR, "reload of %s refused, nothing changed: %s%s%s", m->cfg_path,
			err.field, err.field[0] ? ": " : "", err.msg[0] ? err.msg : strerror(-rc));
		cp_sd_notify(m->cp, "READY=1\nSTATUS=%s; reload refused: %s%s%s",
			     cp_state_names[st], err.field, err.field[0] ? ": " : "", err.msg);
	} else {
		MGW_LOG(NOTICE, "reloaded %s", m->cfg_path);
		cp_sd_notify(m->cp, "READY=1\nSTATUS=%s; reloaded %s", cp_state_names[st],
			     m->cfg_path);
	}
}

static void log_state(struct mgw *m)
{
	json_t *st = cp_status_json(m->cp);

	MGW_LOG(NOTICE, "SIGUSR1: state %s (%s), up %lld s, %u data lcores",
		json_string_value(json_object_get(st, "state")),
		json_string_value(json_object_get(st, "state_reason")),
		(long long)json_integer_value(json_object_get(st, "uptime_s")), dp_n_lcores(m->dp));
	json_decref(st);
}

/* Until a signal that stops: SIGHUP, SIGUSR1 and SIGUSR2 are handled here
 * and waited for again. */
static int wait_for_stop(struct mgw *m, sigset_t *set)
{
	for (;;) {
		int sig = 0;

		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			reload(m);
		else if (sig == SIGUSR1)
			log_state(m);
		else if (sig == SIGUSR2)
			MGW_LOG(NOTICE, "SIGUSR2: ignored");
		else
			return sig;
	}
}

/* SIGTERM: the routes are withdrawn; the data plane forwards on for
 * node.drain_s while the routers move the flows away. SIGINT or another
 * SIGTERM cuts it short. */
static void drain(struct mgw *m, const sigset_t *set)
{
	struct cp_config *c = cp_config_get(m->cp);
	uint64_t end_ms, now_ms;
	struct timespec ts;
	unsigned s = c ? c->drain_s : 0;

	cp_config_free(c);
	if (!s)
		return;
	MGW_LOG(NOTICE, "draining for %u s (SIGINT stops at once)", s);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + s * 1000ull;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (now_ms >= end_ms)
			break;
		ts.tv_sec = (time_t)((end_ms - now_ms) / 1000);
		ts.tv_nsec = (long)((end_ms - now_ms) % 1000) * 1000000;
		if (sigtimedwait(set, NULL, &ts) >= 0) {
			MGW_LOG(NOTICE, "drain cut short");
			break;
		}
		if (errno != EINTR && errno != EAGAIN)
			break;
	}
}

int main(int argc, char **argv)
{
	struct mgw m = { 0 };
	struct cp_err err = { "", "" };
	struct dp_conf dconf;
	struct web_conf wconf, mconf;
	sigset_t sigs;
	int rc, sig;

	if (parse_args(&m, argc, argv) < 0)
		return 1;
	if (cp_config_load(m.cfg_path, &m.cfg, &err) < 0) {
		if (err.field[0])
			fprintf(stderr, "%s: %s\n", err.field, err.msg);
		else
			fprintf(stderr, "%s: %s\n", m.cfg_path, err.msg);
		return 1;
	}
	if (m.down_ports) {
		rc = cp_crash_down_config(m.cfg);
		cp_config_free(m.cfg);
		if (rc < 0) {
			fprintf(stderr, "mgw: --down-ports: %s\n", strerror(-rc));
			return 1;
		}
		printf("%d kernel interfaces down\n", rc);
		return 0;
	}
	if (build_eal_args(&m) < 0) {
		cp_config_free(m.cfg);
		return 1;
	}
	if (m.check_only) {
		printf("%s: ok\n", m.cfg_path);
		cp_config_free(m.cfg);
		return 0;
	}

	/* Every thread, EAL's and ours, inherits this mask: the signals come
	 * to sigwait() in main and nowhere else. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cp_log_init() < 0)
		fprintf(stderr, "mgw: cannot set up logging to stderr; DPDK's default is used\n");

	rc = rte_eal_init(m.eal_argc, m.eal_argv);
	if (rc < 0) {
		fprintf(stderr, "mgw: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		cp_config_free(m.cfg);
		return 1;
	}
	dp_conf_from(m.cfg, &dconf);
	memset(&wconf, 0, sizeof(wconf));
	wconf.addr = m.cfg->api_addr;
	wconf.port = m.cfg->api_port;
	wconf.token = m.cfg->api_token;
	wconf.max_body = m.cfg->api_max_body;
	wconf.max_buffered = m.cfg->api_max_buffered;
	wconf.conns_per_client = m.cfg->api_conns_per_client;
	wconf.request_timeout_s = m.cfg->api_request_timeout_s;
	mconf = wconf;
	mconf.addr = m.cfg->metrics_addr;
	mconf.port = m.cfg->metrics_port;
	mconf.token = NULL;
	mconf.metrics_only = true;

	rc = dp_create(&dconf, &m.dp);
	if (rc < 0) {
		MGW_LOG(ERR, "data plane: %s", strerror(-rc));
		goto out_cfg;
	}
	{
		/* The SYN proxy's cookie secret: random for a node alone;
		 * session sync replaces it with one derived from the cluster's
		 * key, so that a cookie ACK may land on any node. */
		uint8_t key[32];

		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key) ||
		    dp_synproxy_set_secret(m.dp, key) < 0) {
			MGW_LOG(ERR, "data plane: no SYN proxy secret");
			rc = -EIO;
			goto out_dp;
		}
	}
	rc = cp_crash_install(m.cfg, m.dp);
	if (rc < 0)
		goto out_dp;
	rc = cp_create(m.cfg, m.cfg_path, MGW_VERSION, m.dp, &m.cp);
	if (rc < 0) {
		MGW_LOG(ERR, "control plane: %s", strerror(-rc));
		goto out_dp;
	}
	m.cfg = NULL;   /* the control plane owns it */
	rc = dp_start(m.dp);
	if (rc < 0)
		goto out_cp;
	rc = cp_start(m.cp);
	if (rc < 0) {
		MGW_LOG(ERR, "control plane start: %s", strerror(-rc));
		goto out_stop;
	}
	{
		struct cp_config *c = cp_config_get(m.cp);

		const char *what = "session sync";

		rc = c ? sync_start(m.cp, m.dp, c, &m.sync) : -ENOMEM;
		if (rc == 0) {
			what = "routing";
			rc = ospf_routing_start(m.cp, c, &m.routing);
		}
		cp_config_free(c);
		if (rc < 0) {
			MGW_LOG(ERR, "%s: %s", what, strerror(-rc));
			goto out_stop;
		}
	}
	rc = web_create(&wconf, m.cp, &m.web);
	if (rc < 0)
		goto out_stop;
	if (mconf.port && (rc = web_create(&mconf, m.cp, &m.metrics)) < 0) {
		web_destroy(m.web);
		goto out_stop;
	}
	MGW_LOG(NOTICE, "mgw %s running with %u data lcores", MGW_VERSION, dp_n_lcores(m.dp));
	/* Started: online, or already faulty or pre-online; STATUS says which. */
	{
		json_t *st = cp_status_json(m.cp);

		cp_sd_notify(m.cp, "READY=1\nMAINPID=%d\nSTATUS=%s: %s", (int)getpid(),
			     json_string_value(json_object_get(st, "state")),
			     json_string_value(json_object_get(st, "state_reason")));
		json_decref(st);
	}

	sig = wait_for_stop(&m, &sigs);
	MGW_LOG(NOTICE, "%s: stopping", strsignal(sig));
	cp_sd_notify(m.cp, "STOPPING=1\nSTATUS=stopping (%s)", strsignal(sig));
	cp_selfcheck_stopping(m.cp, strsignal(sig));
	if (sig == SIGTERM) {
		sigset_t stop;

		/* only another SIGTERM or a SIGINT cuts the drain short */
		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		drain(&m, &stop);
	}
	/* The servers' replies to our local IPs go to the heirs before the
	 * links go down (they hold every session: sync). */
	sync_release(m.sync, 2000);
	cp_selfcheck_ports_down(m.cp);
	web_destroy(m.metrics);
	web_destroy(m.web);
	rc = 0;
out_stop:
	/* (Again, for the error paths:) a stopping node's self-check judges
	 * nothing, so it no longer reads the speakers' heartbeats. */
	cp_set_state(m.cp, CP_STATE_STOPPING, "stopping");
	ospf_routing_stop(m.routing);
	cp_stop(m.cp);
	/* after the self-check (which reads its heartbeat), before the rings
	 * go with the data plane */
	sync_stop(m.sync);
	dp_stop(m.dp);
out_cp:
	cp_destroy(m.cp);
out_dp:
	dp_destroy(m.dp);
out_cfg:
	cp_config_free(m.cfg);
	rte_eal_cleanup();
	/* Not eal_argv: EAL permutes it and writes argv[0] over the slot
	 * before the first non-option, so one string is there twice. */
	for (int i = 0; i < m.eal_argc; i++)
		free(m.eal_args[i]);
	MGW_LOG(NOTICE, "stopped");
	return rc < 0 ? 1 : 0;
}
