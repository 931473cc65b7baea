/* bgp_speaker: mgw's BGP speaker alone, for end-to-end tests.
 *
 *   bgp_speaker --as 65001 --id 10.201.1.2 [--local 10.201.1.2]
 *               --peer 10.201.1.1,65000[,PORT] [--peer ...]
 *               [--prefix 10.255.0.1/32[,MED]]... [--hold 3] [--no-caps]
 *               [--next-hop A.B.C.D] [--listen-port N]
 *               [--md5-key-file FILE] [--ttl-security]
 *
 * --md5-key-file and --ttl-security apply to every peer (TCP-MD5 with the
 * key in FILE, read as mgw reads it; GTSM).
 *
 * Signals: SIGUSR1 withdraws everything, SIGUSR2 announces the prefixes
 * again, SIGHUP prints the status JSON on stdout, SIGTERM/SIGINT stop
 * gracefully (withdraw, NOTIFICATION Cease, exit 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp/keyfile.h"
#include "ospf/bgp.h"

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* A.B.C.D,AS[,PORT] */
static int parse_peer(char *s, struct bgp_peer_conf *p)
{
	char *as = strchr(s, ','), *port;
	uint32_t v;

	if (!as)
		return -EINVAL;
	*as++ = 0;
	port = strchr(as, ',');
	if (port)
		*port++ = 0;
	if (parse_ip(s, &p->addr) || parse_u32(as, UINT32_MAX, &p->as))
		return -EINVAL;
	if (port) {
		if (parse_u32(port, 65535, &v))
			return -EINVAL;
		p->port = (uint16_t)v;
	}
	return 0;
}

/* A.B.C.D/LEN[,MED] */
static int parse_prefix(char *s, struct bgp_prefix *p)
{
	char *len = strchr(s, '/'), *med;
	uint32_t v;

	if (!len)
		return -EINVAL;
	memset(p, 0, sizeof(*p));	/* an IPv4 prefix: v6 false */
	*len++ = 0;
	med = strchr(len, ',');
	if (med)
		*med++ = 0;
	if (parse_ip(s, &p->addr) || parse_u32(len, 32, &v))
		return -EINVAL;
	p->plen = (uint8_t)v;
	p->med = 0;
	if (med && parse_u32(med, UINT32_MAX, &p->med))
		return -EINVAL;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bgp_speaker --as AS --id A.B.C.D [--local A.B.C.D]\n"
		"       --peer A.B.C.D,AS[,PORT]... [--prefix A.B.C.D/LEN[,MED]]...\n"
		"       [--hold S] [--no-caps] [--next-hop A.B.C.D] [--listen-port N]\n"
		"       [--md5-key-file FILE] [--ttl-security]\n");
	exit(2);
}

static void print_status(struct bgp *b)
{
	json_t *st;

	if (bgp_status_json(b, &st) == 0) {
		json_dumpf(st, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(st);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "id", required_argument, NULL, 'i' },
		{ "local", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "prefix", required_argument, NULL, 'x' },
		{ "hold", required_argument, NULL, 'h' },
		{ "no-caps", no_argument, NULL, 'n' },
		{ "next-hop", required_argument, NULL, 'N' },
		{ "listen-port", required_argument, NULL, 'L' },
		{ "md5-key-file", required_argument, NULL, 'M' },
		{ "ttl-security", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct bgp_prefix pfx[64];
	struct bgp_conf c = { .hold_s = 90 };
	unsigned n_pfx = 0, i;
	bool no_caps = false, gtsm = false;
	const char *key_file = NULL;
	uint8_t key[BGP_MD5_KEY_MAX];
	size_t key_len = 0;
	struct bgp *b;
	sigset_t set;
	uint32_t v;
	int opt, sig, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (parse_u32(optarg, UINT32_MAX, &c.local_as))
				usage();
			break;
		case 'i':
			if (parse_ip(optarg, &c.router_id))
				usage();
			break;
		case 'l':
			if (parse_ip(optarg, &c.local_addr))
				usage();
			break;
		case 'p':
			if (c.n_peers == BGP_MAX_PEERS || parse_peer(optarg, &c.peers[c.n_peers++]))
				usage();
			break;
		case 'x':
			if (n_pfx == 64 || parse_prefix(optarg, &pfx[n_pfx++]))
				usage();
			break;
		case 'h':
			if (parse_u32(optarg, 65535, &v))
				usage();
			c.hold_s = (uint16_t)v;
			break;
		case 'n':
			no_caps = true;
			break;
		case 'N':
			if (parse_ip(optarg, &c.next_hop))
				usage();
			break;
		case 'L':
			if (parse_u32(optarg, 65535, &v))
				usage();
			c.listen_port = (uint16_t)v;
			break;
		case 'M':
			key_file = optarg;
			break;
		case 'T':
			gtsm = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !c.n_peers)
		usage();
	if (key_file && (rc = cp_key_read(key_file, key, sizeof(key), &key_len)) < 0) {
		fprintf(stderr, "%s: %s\n", key_file, cp_key_strerror(rc));
		return 2;
	}
	for (i = 0; i < c.n_peers; i++) {
		if (no_caps)
			c.peers[i].flags |= BGP_PEER_NO_CAPS;
		c.peers[i].ttl_security = gtsm;
		c.peers[i].md5_key_len = (uint8_t)key_len;
		memcpy(c.peers[i].md5_key, key, key_len);
	}

	/* the speaker's thread inherits this mask: signals come to sigwait() */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	rc = bgp_create(&c, &b);
	if (rc) {
		fprintf(stderr, "bgp_create: %s\n", strerror(-rc));
		return 1;
	}
	rc = bgp_announce(b, pfx, n_pfx);
	if (rc == 0)
		rc = bgp_start(b);
	if (rc) {
		fprintf(stderr, "bgp_start: %s\n", strerror(-rc));
		bgp_destroy(b);
		return 1;
	}
	fprintf(stderr, "bgp_speaker: running, %u peer(s), %u prefix(es)\n", c.n_peers, n_pfx);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGUSR1) {
			rc = bgp_announce(b, NULL, 0);
			fprintf(stderr, "bgp_speaker: withdraw all: %d\n", rc);
		} else if (sig == SIGUSR2) {
			rc = bgp_announce(b, pfx, n_pfx);
			fprintf(stderr, "bgp_speaker: announce %u: %d\n", n_pfx, rc);
		} else if (sig == SIGHUP) {
			print_status(b);
		}
	}
	fprintf(stderr, "bgp_speaker: stopping\n");
	bgp_stop(b);
	bgp_destroy(b);
	return 0;
}
