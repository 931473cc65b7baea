/* adm/save.c — ipvsadm-save text out (-S) and in (-R).
 *
 * -S prints what `ipvsadm-save -n` prints: one "-A" line per service, then
 * one "-a" line per server, services sorted as ipvsadm sorts them (IPv4
 * before IPv6, then protocol, TCP before UDP, address and port), servers
 * by address and port; numbers only, IPv6 as "[fd00::10]:80". Beyond
 * ipvsadm: FULLNAT servers carry DPVS's "-b", and -x/-y appear when set
 * (ipvsadm's save drops thresholds; its restore reads them).
 *
 * -R reads the same text, one ipvsadm command per line (-A -E -D -C -a -e
 * -d; blank lines, "#" comments and a leading "ipvsadm" word are allowed),
 * and applies it, in order, to a copy of the services: a line that cannot
 * be parsed or applied stops it and names its number, and the caller's
 * services stay as they were. Text in the canonical order above comes back
 * unchanged from -R then -S.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

struct key {
	const json_t *o;
	struct adm_addr ip;
	uint16_t port;
	uint8_t proto;
};

/* ipvsadm's order: IPv4 services before IPv6 ones, then protocol, address
 * and port; servers by address and port. */
static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int r;

	if (x->ip.af != y->ip.af)
		return x->ip.af < y->ip.af ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((r = adm_addr_cmp(&x->ip, &y->ip)) != 0)
		return r;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int print_servers(FILE *f, const char *svc_name, const json_t *svc, enum adm_fwd fwd,
			 unsigned fmt)
{
	const json_t *servers = json_object_get(svc, "servers"), *r;
	struct key *k;
	size_t i, n = json_array_size(servers);

	if (servers && !json_is_array(servers))
		return -EBADMSG;
	k = calloc(n + 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	json_array_foreach(servers, i, r) {
		k[i].o = r;
		if (adm_rs_key(svc, r, &k[i].ip, &k[i].port) < 0) {
			free(k);
			return -EBADMSG;
		}
	}
	if (!(fmt & ADM_FMT_NOSORT))
		qsort(k, n, sizeof(*k), cmp_key);
	for (i = 0; i < n; i++) {
		char rs[ADM_ADDRPORT_STRLEN];
		json_int_t w = json_integer_value(json_object_get(k[i].o, "weight"));
		json_int_t x = json_integer_value(json_object_get(k[i].o, "u_threshold"));
		json_int_t y = json_integer_value(json_object_get(k[i].o, "l_threshold"));

		if (!json_object_get(k[i].o, "weight"))
			w = 1;
		fprintf(f, "-a %s -r %s %s -w %lld", svc_name, adm_addrport(&k[i].ip, k[i].port, rs),
			adm_fwd_flag(fwd), (long long)w);
		if (x > 0)
			fprintf(f, " -x %lld", (long long)x);
		if (y > 0)
			fprintf(f, " -y %lld", (long long)y);
		fputc('\n', f);
	}
	free(k);
	return 0;
}

int adm_save_render(FILE *f, const json_t *services, unsigned fmt)
{
	struct key *k;
	size_t i, n;
	json_t *s;
	int rc = 0;

	if (!json_is_array(services))
		return -EBADMSG;
	n = json_array_size(services);
	k = calloc(n + 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	json_array_foreach(services, i, s) {
		k[i].o = s;
		if (adm_svc_key(s, &k[i].proto, &k[i].ip, &k[i].port) < 0) {
			rc = -EBADMSG;
			goto out;
		}
	}
	if (!(fmt & ADM_FMT_NOSORT))
		qsort(k, n, sizeof(*k), cmp_key);
	for (i = 0; i < n && rc == 0; i++) {
		const json_t *o = k[i].o, *fw = json_object_get(o, "forward");
		const char *sched = json_string_value(json_object_get(o, "scheduler"));
		const char *mask = json_string_value(json_object_get(o, "persistence_mask"));
		json_int_t persist = json_integer_value(json_object_get(o, "persistence_s"));
		enum adm_fwd fwd = fw ? adm_fwd_from_api(json_string_value(fw)) : ADM_FWD_FULLNAT;
		char name[80], vip[ADM_ADDRPORT_STRLEN];

		if (fwd == ADM_FWD_NONE) {
			rc = -EBADMSG;
			break;
		}
		snprintf(name, sizeof(name), "%s %s", k[i].proto == IPPROTO_UDP ? "-u" : "-t",
			 adm_addrport(&k[i].ip, k[i].port, vip));
		fprintf(f, "-A %s -s %s", name, sched ? sched : "wlc");
		if (persist > 0) {
			fprintf(f, " -p %lld", (long long)persist);
			/* an IPv6 service's is /128, ipvsadm's default: not printed */
			if (k[i].ip.af == AF_INET && mask && strcmp(mask, "255.255.255.255") != 0)
				fprintf(f, " -M %s", mask);
		}
		if (sched && strcmp(sched, "mh") == 0 && json_is_true(json_object_get(o, "mh_port")))
			fputs(" -b mh-port", f);
		adm_print_xflags(f, o, true);
		fputc('\n', f);
		rc = print_servers(f, name, o, fwd, fmt);
	}
out:
	free(k);
	return rc;
}

#define MAX_WORDS 64

/* Split a line into words; a word that starts with '#' starts a comment. */
static int split(char *line, char **argv, int max)
{
	int n = 1;

	for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (w[0] == '#')
			break;
		if (n == 1 && strcmp(w, "ipvsadm") == 0)
			continue;
		if (n >= max)
			return -E2BIG;
		argv[n++] = w;
	}
	return n;
}

int adm_restore_apply(FILE *in, json_t *services, char *err, size_t errlen)
{
	json_t *work = json_deep_copy(services);
	char *line = NULL, msg[ADM_ERR_LEN];
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	if (!work || !json_is_array(services)) {
		snprintf(err, errlen, "out of memory");
		json_decref(work);
		return -ENOMEM;
	}
	while (getline(&line, &cap, in) >= 0) {
		char *argv[MAX_WORDS + 1] = { "mgwadm-restore" };
		struct adm_cmd c;
		int argc;

		lineno++;
		if (strlen(line) > 4096) {
			snprintf(err, errlen, "line %u: too long", lineno);
			rc = -EINVAL;
			break;
		}
		argc = split(line, argv, MAX_WORDS);
		if (argc < 0) {
			snprintf(err, errlen, "line %u: too many words", lineno);
			rc = -EINVAL;
			break;
		}
		if (argc == 1)
			continue;
		rc = adm_opts_parse(argc, argv, true, &c, msg, sizeof(msg));
		if (rc == 0) {
			switch (c.cmd) {
			case ADM_CMD_ADD_SVC: case ADM_CMD_EDIT_SVC: case ADM_CMD_DEL_SVC:
			case ADM_CMD_FLUSH: case ADM_CMD_ADD_RS: case ADM_CMD_EDIT_RS:
			case ADM_CMD_DEL_RS:
				rc = adm_apply(work, &c, msg, sizeof(msg));
				break;
			default:
				snprintf(msg, sizeof(msg), "the '%s' command is not allowed in a restore "
					 "(only -A -E -D -C -a -e -d)", adm_cmd_name(c.cmd));
				rc = -EINVAL;
			}
		}
		if (rc < 0) {
			snprintf(err, errlen, "line %u: %s", lineno, msg);
			break;
		}
	}
	if (rc == 0 && ferror(in)) {
		snprintf(err, errlen, "reading the input: %s", strerror(errno));
		rc = -EIO;
	}
	if (rc == 0 && (json_array_clear(services) < 0 || json_array_extend(services, work) < 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	free(line);
	json_decref(work);
	return rc;
}
