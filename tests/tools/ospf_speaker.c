/* ospf_speaker — mgw's OSPF speaker alone, for end-to-end tests.
 *
 *   ospf_speaker [--bcast] [--hello S] [--dead S] [--cost C] [--mtu M]
 *                [--auth TYPE:KEY_ID:KEY_FILE] [--ttl-security]
 *                [--status FILE] ROUTER_ID IFNAME ADDR/PLEN [PREFIX[/PLEN][@COST] ...]
 *
 * --auth: md5, hmac-sha1, hmac-sha256, hmac-sha384 or hmac-sha512 with the
 * key in KEY_FILE (read as mgw reads it: cp/keyfile.h).
 *
 * Announces the prefixes (default /32, cost 10) over one interface.
 * SIGUSR1 withdraws them all, SIGUSR2 announces them again, SIGTERM or
 * SIGINT stops (flushing the router-LSA first). With --status, the JSON
 * status is rewritten to FILE every second and on SIGHUP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp/keyfile.h"
#include "ospf/ospf.h"

#define MAX_PFX 64

static void usage(void)
{
	fprintf(stderr,
		"usage: ospf_speaker [--bcast] [--hello S] [--dead S] [--cost C] [--mtu M]\n"
		"                    [--auth TYPE:KEY_ID:KEY_FILE] [--ttl-security]\n"
		"                    [--status FILE] ROUTER_ID IFNAME ADDR/PLEN [PREFIX[/PLEN][@COST] ...]\n");
}

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

/* "A.B.C.D[/LEN][@COST]" */
static int parse_prefix(const char *arg, struct ospf_prefix *p, uint8_t def_plen)
{
	char buf[64], *at, *slash;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	p->cost = 10;
	p->plen = def_plen;
	at = strchr(buf, '@');
	if (at) {
		*at++ = 0;
		p->cost = (uint16_t)atoi(at);
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		p->plen = (uint8_t)atoi(slash);
	}
	return parse_ip(buf, &p->addr);
}

/* "hmac-sha256:1:/path/key" */
static int parse_auth(const char *arg, struct ospf_iface_conf *f)
{
	static const char *const names[OSPF_AUTH_TYPES] = {
		"none", "md5", "hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512",
	};
	char buf[320], *id, *file;
	size_t len = 0;
	int rc;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	id = strchr(buf, ':');
	file = id ? strchr(id + 1, ':') : NULL;
	if (!file)
		return -EINVAL;
	*id++ = 0;
	*file++ = 0;
	for (f->auth = 1; f->auth < OSPF_AUTH_TYPES; f->auth++)
		if (!strcmp(names[f->auth], buf))
			break;
	if (f->auth == OSPF_AUTH_TYPES)
		return -EINVAL;
	f->key_id = (uint8_t)atoi(id);
	rc = cp_key_read(file, f->key, sizeof(f->key), &len);
	if (rc)
		fprintf(stderr, "%s: %s\n", file, cp_key_strerror(rc));
	f->key_len = (uint8_t)len;
	return rc;
}

static void stamp(const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "[%ld.%03ld] ospf_speaker: %s\n", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, what);
}

static void write_status(struct ospf *o, const char *path)
{
	char tmp[512];
	json_t *j;

	if (!path || ospf_status_json(o, &j))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_INDENT(1)) == 0)
		rename(tmp, path);
	json_decref(j);
}

int main(int argc, char **argv)
{
	struct ospf_prefix pfx[MAX_PFX];
	struct ospf_conf c;
	struct ospf_iface_conf *f = &c.ifaces[0];
	const char *status = NULL;
	struct ospf *o = NULL;
	sigset_t set;
	unsigned n_pfx = 0;
	int i = 1, rc, ret = 1;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.n_ifaces = 1;
	f->type = OSPF_IF_PTP;
	f->hello_s = 1;
	f->dead_s = 3;
	f->cost = 10;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--bcast"))
			f->type = OSPF_IF_BCAST;
		else if (!strcmp(argv[i], "--hello") && i + 1 < argc)
			f->hello_s = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dead") && i + 1 < argc)
			f->dead_s = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cost") && i + 1 < argc)
			f->cost = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mtu") && i + 1 < argc)
			f->mtu = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--status") && i + 1 < argc)
			status = argv[++i];
		else if (!strcmp(argv[i], "--ttl-security"))
			f->ttl_security = true;
		else if (!strcmp(argv[i], "--auth") && i + 1 < argc) {
			if (parse_auth(argv[++i], f)) {
				fprintf(stderr, "bad --auth %s\n", argv[i]);
				return 2;
			}
		}
		else {
			usage();
			return 2;
		}
	}
	if (argc - i < 3) {
		usage();
		return 2;
	}
	if (parse_ip(argv[i], &c.router_id)) {
		fprintf(stderr, "bad router id %s\n", argv[i]);
		return 2;
	}
	snprintf(f->ifname, sizeof(f->ifname), "%s", argv[i + 1]);
	{
		struct ospf_prefix a;

		if (parse_prefix(argv[i + 2], &a, 24)) {
			fprintf(stderr, "bad address %s\n", argv[i + 2]);
			return 2;
		}
		f->addr = a.addr;
		f->plen = a.plen;
	}
	for (i += 3; i < argc; i++) {
		if (n_pfx == MAX_PFX || parse_prefix(argv[i], &pfx[n_pfx], 32)) {
			fprintf(stderr, "bad prefix %s\n", argv[i]);
			return 2;
		}
		n_pfx++;
	}

	/* Signals are taken synchronously, so no handler state is needed. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	rc = ospf_create_err(&c, &o, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	rc = ospf_announce(o, pfx, n_pfx);
	if (rc) {
		fprintf(stderr, "announce: %s\n", strerror(-rc));
		goto out;
	}
	rc = ospf_start(o);
	if (rc) {
		fprintf(stderr, "start: %s\n", strerror(-rc));
		goto out;
	}
	stamp("started");
	for (;;) {
		struct timespec to = { 1, 0 };
		int sig = sigtimedwait(&set, NULL, &to);

		if (sig < 0) {
			write_status(o, status);
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGUSR1) {
			rc = ospf_announce(o, NULL, 0);
			stamp(rc ? "withdraw failed" : "withdrew all prefixes");
		} else if (sig == SIGUSR2) {
			rc = ospf_announce(o, pfx, n_pfx);
			stamp(rc ? "announce failed" : "announced prefixes again");
		}
		write_status(o, status);
	}
	stamp("stopping");
	ospf_stop(o);
	write_status(o, status);
	stamp("stopped");
	ret = 0;
out:
	ospf_destroy(o);
	return ret;
}
