/* adm/opts.c — ipvsadm's command line, parsed into a struct adm_cmd.
 *
 * The grammar is ipvsadm's (popt): the first option is the command; short
 * options cluster ("-Ln", "-at VIP:80"); an option's value is the rest of
 * its cluster or the next word; long options take "--opt value" or
 * "--opt=value"; -p's timeout is optional. Which options go with which
 * command is one table, checked like ipvsadm checks it, with its messages.
 *
 * -b: DPVS spells FULLNAT "-b" (--fullnat) on -a/-e, while ipvsadm 1.31
 * uses -b for --sched-flags on -A/-E. Both meanings are kept, one per
 * command, since forwarding flags are not ipvsadm options of -A/-E and
 * sched flags are not options of -a/-e: "-A ... -s mh -b mh-port" and
 * "-a ... -r RS -b" both work, and --fullnat / --sched-flags say it long.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm/adm.h"

#define MAX_TIMEOUT (86400 * 31)        /* ipvsadm's bound on timeouts */
/* ipvsadm(8) documents 300 s for a bare -p (its code has used 360 since
 * 1.24); we follow the documented value. */
#define DEFAULT_PERSIST 300

enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

/* Tags of long-only options live above the byte range. */
enum {
	T_SET = 256, T_TIMEOUT, T_STATS, T_RATE, T_THRESH, T_NOSORT, T_SORT, T_FULLNAT,
	T_SCHEDFLAGS, T_API, T_TOKEN, T_API_TIMEOUT, T_PROXY, T_TOA, T_PROXY_SEND, T_NO_SYNPROXY,
	T_IMPORT_KA, T_APPLY,
	/* recognised to be refused with a reason */
	T_UNSUP_SYNC, T_UNSUP_PE, T_UNSUP_PCONN, T_UNSUP_TUN, T_UNSUP_SCTP,
};

struct longopt {
	const char *name;
	int tag;                        /* the short letter, or a T_ value */
	enum arg_kind arg;
};

static const struct longopt longopts[] = {
	{ "add-service", 'A', ARG_NONE }, { "edit-service", 'E', ARG_NONE },
	{ "delete-service", 'D', ARG_NONE }, { "clear", 'C', ARG_NONE },
	{ "list", 'L', ARG_NONE }, { "zero", 'Z', ARG_NONE },
	{ "add-server", 'a', ARG_NONE }, { "edit-server", 'e', ARG_NONE },
	{ "delete-server", 'd', ARG_NONE }, { "set", T_SET, ARG_NONE },
	{ "help", 'h', ARG_NONE }, { "version", 'v', ARG_NONE },
	{ "restore", 'R', ARG_NONE }, { "save", 'S', ARG_NONE },
	{ "tcp-service", 't', ARG_REQUIRED }, { "udp-service", 'u', ARG_REQUIRED },
	{ "fwmark-service", 'f', ARG_REQUIRED }, { "sctp-service", T_UNSUP_SCTP, ARG_REQUIRED },
	{ "scheduler", 's', ARG_REQUIRED }, { "persistent", 'p', ARG_OPTIONAL },
	{ "netmask", 'M', ARG_REQUIRED }, { "real-server", 'r', ARG_REQUIRED },
	{ "masquerading", 'm', ARG_NONE }, { "ipip", 'i', ARG_NONE },
	{ "gatewaying", 'g', ARG_NONE }, { "fullnat", T_FULLNAT, ARG_NONE },
	{ "sched-flags", T_SCHEDFLAGS, ARG_REQUIRED },
	{ "weight", 'w', ARG_REQUIRED }, { "u-threshold", 'x', ARG_REQUIRED },
	{ "l-threshold", 'y', ARG_REQUIRED }, { "numeric", 'n', ARG_NONE },
	{ "connection", 'c', ARG_NONE }, { "timeout", T_TIMEOUT, ARG_NONE },
	{ "stats", T_STATS, ARG_NONE }, { "rate", T_RATE, ARG_NONE },
	{ "thresholds", T_THRESH, ARG_NONE }, { "exact", 'X', ARG_NONE },
	{ "nosort", T_NOSORT, ARG_NONE }, { "sort", T_SORT, ARG_NONE },
	{ "ipv6", '6', ARG_NONE }, { "ops", 'o', ARG_NONE },
	{ "pe", T_UNSUP_PE, ARG_REQUIRED }, { "persistent-conn", T_UNSUP_PCONN, ARG_NONE },
	{ "daemon", T_UNSUP_SYNC, ARG_NONE }, { "start-daemon", T_UNSUP_SYNC, ARG_REQUIRED },
	{ "stop-daemon", T_UNSUP_SYNC, ARG_REQUIRED },
	{ "mcast-interface", T_UNSUP_SYNC, ARG_REQUIRED }, { "syncid", T_UNSUP_SYNC, ARG_REQUIRED },
	{ "mcast-group", T_UNSUP_SYNC, ARG_REQUIRED }, { "mcast-port", T_UNSUP_SYNC, ARG_REQUIRED },
	{ "mcast-ttl", T_UNSUP_SYNC, ARG_REQUIRED }, { "sync-maxlen", T_UNSUP_SYNC, ARG_REQUIRED },
	{ "tun-info", T_UNSUP_TUN, ARG_NONE }, { "tun-type", T_UNSUP_TUN, ARG_REQUIRED },
	{ "tun-port", T_UNSUP_TUN, ARG_REQUIRED }, { "tun-nocsum", T_UNSUP_TUN, ARG_NONE },
	{ "tun-csum", T_UNSUP_TUN, ARG_NONE }, { "tun-remcsum", T_UNSUP_TUN, ARG_NONE },
	{ "api", T_API, ARG_REQUIRED }, { "token", T_TOKEN, ARG_REQUIRED },
	{ "api-timeout", T_API_TIMEOUT, ARG_REQUIRED },
	{ "proxy-protocol", T_PROXY, ARG_REQUIRED }, { "toa", T_TOA, ARG_NONE },
	{ "proxy-send", T_PROXY_SEND, ARG_REQUIRED }, { "synproxy", 'j', ARG_NONE },
	{ "no-synproxy", T_NO_SYNPROXY, ARG_NONE },
	{ "import-keepalived", T_IMPORT_KA, ARG_REQUIRED }, { "apply", T_APPLY, ARG_NONE },
	{ NULL, 0, ARG_NONE },
};

/* Short options and whether they take a value. 'b' is decided by the
 * command (see the top of the file); 'p' takes an optional one. */
static enum arg_kind short_arg(int ch)
{
	switch (ch) {
	case 't': case 'u': case 'f': case 's': case 'M': case 'r': case 'w': case 'x':
	case 'y':
		return ARG_REQUIRED;
	case 'p':
		return ARG_OPTIONAL;
	default:
		return ARG_NONE;
	}
}

static bool short_known(int ch)
{
	return ch && strchr("AEDCLlZaedhvRStufspMrmigbwxyncX6oj", ch) != NULL;
}

static const char *const opt_names[ADM_O_COUNT] = {
	"numeric", "connection", "service-address", "scheduler", "persistent", "netmask",
	"real-server", "forwarding-method", "weight", "u-threshold", "l-threshold", "stats",
	"rate", "thresholds", "exact", "nosort", "timeout", "sched-flags",
};

static const char *const cmd_names[ADM_CMD_MAX] = {
	[ADM_CMD_NONE] = "none", [ADM_CMD_ADD_SVC] = "add-service",
	[ADM_CMD_EDIT_SVC] = "edit-service", [ADM_CMD_DEL_SVC] = "delete-service",
	[ADM_CMD_FLUSH] = "flush", [ADM_CMD_LIST] = "list", [ADM_CMD_ADD_RS] = "add-server",
	[ADM_CMD_EDIT_RS] = "edit-server", [ADM_CMD_DEL_RS] = "delete-server",
	[ADM_CMD_ZERO] = "zero", [ADM_CMD_SAVE] = "save", [ADM_CMD_RESTORE] = "restore",
	[ADM_CMD_SET] = "set", [ADM_CMD_HELP] = "help", [ADM_CMD_VERSION] = "version",
	[ADM_CMD_IMPORT_KA] = "import-keepalived",
};

/* Which options each command takes: '+' required, 'x' refused, '1' at
 * most one of the '1's, ' ' optional. Columns in ADM_O_* order:
 *                     n   c   svc s   p   M   r   fwd w   x   y   st  rt  thr ex  nos tmo sfl */
static const char opt_table[ADM_CMD_MAX][ADM_O_COUNT + 1] = {
	[ADM_CMD_ADD_SVC]  = "xx+   x xxxxxxxxx ",
	[ADM_CMD_EDIT_SVC] = "xx+   x xxxxxxxxx ",
	[ADM_CMD_DEL_SVC]  = "xx+xxxxxxxxxxxxxxx",
	[ADM_CMD_FLUSH]    = "xxxxxxxxxxxxxxxxxx",
	[ADM_CMD_LIST]     = " 11xxxxxxxx     1x",
	[ADM_CMD_ADD_RS]   = "xx+xxx+    xxxxxxx",
	[ADM_CMD_EDIT_RS]  = "xx+xxx+    xxxxxxx",
	[ADM_CMD_DEL_RS]   = "xx+xxx+xxxxxxxxxxx",
	[ADM_CMD_ZERO]     = "xx xxxxxxxxxxxxxxx",
	[ADM_CMD_SAVE]     = " xxxxxxxxxxxxxxxxx",
	[ADM_CMD_RESTORE]  = "xxxxxxxxxxxxxxxxxx",
	[ADM_CMD_SET]      = "xxxxxxxxxxxxxxxxxx",
	[ADM_CMD_IMPORT_KA] = "xxxxxxxxxxxxxxxxxx",
};

const char *adm_opt_name(unsigned opt_bit)
{
	for (unsigned i = 0; i < ADM_O_COUNT; i++)
		if (opt_bit == 1u << i)
			return opt_names[i];
	return "?";
}

const char *adm_cmd_name(enum adm_cmd_kind k)
{
	return k < ADM_CMD_MAX ? cmd_names[k] : "?";
}

struct pstate {
	struct adm_cmd *c;
	char *err;
	size_t errlen;
	bool restore_line;
	const char *sched_flags;
	const char *svc_arg, *rs_arg, *mask_arg;
	bool ipv6;                      /* -6 */
	int n_pos;
	const char *pos[4];
};

static int fail(struct pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ipvsadm's string_to_number: the whole string, within [min, max]. */
static int to_number(const char *s, long min, long max, uint32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno == ERANGE || v < min || v > max || !isdigit((unsigned char)*s))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* ipvsadm's parse_service, for both families: "[v6]:port"; a bare IPv6
 * address, which is all address ("fd00::1:80" is the address fd00::1:80
 * without a port, as ipvsadm reads it: a port needs the brackets);
 * "v4[:port]" or "name[:port]" (names resolve to IPv4, as in ipvsadm).
 * The port is a number or a service name. Beyond ipvsadm, "[v6]" alone is
 * the address without a port (ipvsadm refuses it). -EINVAL otherwise. */
static int parse_addr(const char *s, uint8_t proto, struct adm_addr *a, uint16_t *port,
		      bool *port_given)
{
	char host[256];
	const char *portp = NULL;
	size_t hl;

	*port_given = false;
	*port = 0;
	if (!*s || all_digits(s))
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || (rb[1] && rb[1] != ':'))
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (adm_addr_pton(host, AF_INET6, a) < 0)
			return -EINVAL;
		if (rb[1] == ':')
			portp = rb + 2;
	} else if (adm_addr_pton(s, AF_INET6, a) < 0) {
		const char *colon = strrchr(s, ':');

		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = 0;
		if (strchr(host, ':'))
			return -EINVAL;         /* not IPv6, not host:port */
		if (adm_addr_pton(host, AF_INET, a) < 0) {
			struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
			struct addrinfo *res = NULL;

			/* A malformed dotted quad is not a host name to look up. */
			if (strspn(host, "0123456789.") == hl)
				return -EINVAL;
			if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
				return -EINVAL;
			adm_addr_v4(a, ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr));
			freeaddrinfo(res);
		}
		portp = colon ? colon + 1 : NULL;
	}
	if (portp) {
		uint32_t v;

		if (to_number(portp, 0, 65535, &v) == 0) {
			*port = (uint16_t)v;
		} else {
			struct servent *se = *portp ? getservbyname(portp, proto == IPPROTO_UDP ?
								    "udp" : "tcp") : NULL;

			if (!se)
				return -EINVAL;
			*port = ntohs((uint16_t)se->s_port);
		}
		*port_given = true;
	}
	return 0;
}

static int set_command(struct pstate *ps, enum adm_cmd_kind k)
{
	if (ps->c->cmd != ADM_CMD_NONE)
		return fail(ps, "multiple commands specified");
	ps->c->cmd = k;
	return 0;
}

static int set_option(struct pstate *ps, unsigned bit)
{
	if (ps->c->opts & bit)
		return fail(ps, "multiple '%s' options specified", adm_opt_name(bit));
	ps->c->opts |= bit;
	return 0;
}

static int set_fwd(struct pstate *ps, enum adm_fwd f)
{
	int rc = set_option(ps, ADM_O_FWD);

	if (rc == 0)
		ps->c->fwd = f;
	return rc;
}

static bool is_service_cmd(enum adm_cmd_kind k)
{
	return k == ADM_CMD_ADD_SVC || k == ADM_CMD_EDIT_SVC;
}

static bool is_command_tag(int tag)
{
	return tag == T_SET || tag == T_IMPORT_KA ||
	       (tag > 0 && tag < 256 && strchr("AEDCLlZaedhvRS", tag));
}

/* Options that may come before the command: mgwadm's own, and those
 * refused anyway (the reason is the better message). */
static bool is_free_tag(int tag)
{
	return tag == T_API || tag == T_TOKEN || tag == T_API_TIMEOUT || tag >= T_UNSUP_SYNC ||
	       tag == 'f' || tag == '6' || tag == 'o';
}

/* One option with its value (NULL when none). */
static int apply(struct pstate *ps, int tag, const char *name, const char *val)
{
	struct adm_cmd *c = ps->c;
	int rc;

	/* ipvsadm wants the command first. */
	if (c->cmd == ADM_CMD_NONE && !is_command_tag(tag) && !is_free_tag(tag))
		return fail(ps, "the command (-A -E -D -C -a -e -d -L -Z -S -R --set) must come "
			    "first, before %s", name);
	switch (tag) {
	case 'A': return set_command(ps, ADM_CMD_ADD_SVC);
	case 'E': return set_command(ps, ADM_CMD_EDIT_SVC);
	case 'D': return set_command(ps, ADM_CMD_DEL_SVC);
	case 'C': return set_command(ps, ADM_CMD_FLUSH);
	case 'L': case 'l': return set_command(ps, ADM_CMD_LIST);
	case 'Z': return set_command(ps, ADM_CMD_ZERO);
	case 'a': return set_command(ps, ADM_CMD_ADD_RS);
	case 'e': return set_command(ps, ADM_CMD_EDIT_RS);
	case 'd': return set_command(ps, ADM_CMD_DEL_RS);
	case 'R': return set_command(ps, ADM_CMD_RESTORE);
	case 'S': return set_command(ps, ADM_CMD_SAVE);
	case 'h': return set_command(ps, ADM_CMD_HELP);
	case 'v': return set_command(ps, ADM_CMD_VERSION);
	case T_SET: return set_command(ps, ADM_CMD_SET);
	case T_IMPORT_KA:
		if (ps->restore_line)
			return fail(ps, "%s is not allowed in a restore", name);
		c->import_path = val;
		return set_command(ps, ADM_CMD_IMPORT_KA);
	case T_APPLY:
		if (c->cmd != ADM_CMD_IMPORT_KA)
			return fail(ps, "--apply goes with --import-keepalived FILE");
		c->apply = true;
		return 0;
	case 't': case 'u':
		if ((rc = set_option(ps, ADM_O_SERVICE)) < 0)
			return rc;
		c->proto = tag == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		ps->svc_arg = val;
		return 0;
	case 'f':
		return fail(ps, "firewall-mark services (-f %s) are not supported by mgw: "
			    "use -t or -u with an address and a port", val);
	case '6':
		/* ipvsadm's -6 goes with -f (refused above); here it says the
		 * service address is IPv6, which its brackets say anyway */
		ps->ipv6 = true;
		return 0;
	case 'o':
		return fail(ps, "one-packet scheduling (-o) is not supported by mgw");
	case T_UNSUP_SCTP:
		return fail(ps, "SCTP services are not supported by mgw (only -t and -u)");
	case T_UNSUP_PE:
		return fail(ps, "persistence engines (--pe) are not supported by mgw");
	case T_UNSUP_PCONN:
		return fail(ps, "--persistent-conn is not supported: mgw keeps no persistence "
			    "templates to count");
	case T_UNSUP_SYNC:
		return fail(ps, "%s: mgw's session sync is set in its config file (\"sync\"), "
			    "not by the sync daemon options", name);
	case T_UNSUP_TUN:
		return fail(ps, "%s: tunnel options are not supported by mgw", name);
	case 's':
		if ((rc = set_option(ps, ADM_O_SCHED)) < 0)
			return rc;
		if (strlen(val) >= sizeof(c->sched))
			return fail(ps, "scheduler '%s' not found", val);
		snprintf(c->sched, sizeof(c->sched), "%s", val);
		return 0;
	case 'p':
		if ((rc = set_option(ps, ADM_O_PERSIST)) < 0)
			return rc;
		c->persist_s = DEFAULT_PERSIST;
		if (val && to_number(val, 1, MAX_TIMEOUT, &c->persist_s) < 0)
			return fail(ps, "invalid timeout value `%s' specified", val);
		return 0;
	case 'M':
		/* read once the service's family is known (finish) */
		if ((rc = set_option(ps, ADM_O_NETMASK)) < 0)
			return rc;
		ps->mask_arg = val;
		return 0;
	case 'r':
		if ((rc = set_option(ps, ADM_O_SERVER)) < 0)
			return rc;
		ps->rs_arg = val;
		return 0;
	case 'm': return set_fwd(ps, ADM_FWD_NAT);
	case 'i': return set_fwd(ps, ADM_FWD_TUNNEL);
	case 'g': return set_fwd(ps, ADM_FWD_DR);
	case T_FULLNAT: return set_fwd(ps, ADM_FWD_FULLNAT);
	case 'b':
		if (!is_service_cmd(c->cmd))
			return set_fwd(ps, ADM_FWD_FULLNAT);
		/* -b FLAGS on -A/-E, as ipvsadm 1.31 */
		__attribute__((fallthrough));
	case T_SCHEDFLAGS:
		if ((rc = set_option(ps, ADM_O_SCHEDFLAGS)) < 0)
			return rc;
		ps->sched_flags = val;
		return 0;
	case 'w':
		if ((rc = set_option(ps, ADM_O_WEIGHT)) < 0)
			return rc;
		if (to_number(val, 0, 65535, &c->weight) < 0)
			return fail(ps, "illegal weight specified");
		return 0;
	case 'x':
		if ((rc = set_option(ps, ADM_O_UTHR)) < 0)
			return rc;
		if (to_number(val, 0, INT_MAX, &c->u_thr) < 0)
			return fail(ps, "illegal u_threshold specified");
		return 0;
	case 'y':
		if ((rc = set_option(ps, ADM_O_LTHR)) < 0)
			return rc;
		if (to_number(val, 0, INT_MAX, &c->l_thr) < 0)
			return fail(ps, "illegal l_threshold specified");
		return 0;
	case T_PROXY: case T_TOA: case T_PROXY_SEND: case 'j': case T_NO_SYNPROXY:
		/* the client's address and the SYN proxy (DPVS's ipvsadm) */
		if (!is_service_cmd(c->cmd))
			return fail(ps, "%s is an option of -A and -E", name);
		if (tag == 'j' || tag == T_NO_SYNPROXY) {
			c->synproxy = tag == 'j' ? 1 : -1;
		} else if (tag == T_PROXY_SEND) {
			if (strcmp(val, "first_data") != 0 && strcmp(val, "on_connect") != 0)
				return fail(ps, "--proxy-send takes first_data or on_connect");
			c->proxy_send = val;
		} else {
			const char *v = tag == T_TOA ? "toa"
					: strcmp(val, "v1") == 0 ? "proxy_v1"
					: strcmp(val, "v2") == 0 ? "proxy_v2"
					: strcmp(val, "none") == 0 ? "none" : NULL;

			if (!v)
				return fail(ps, "--proxy-protocol takes v1, v2 or none");
			if (c->client_address && strcmp(c->client_address, v) != 0)
				return fail(ps, "--proxy-protocol and --toa exclude each other");
			c->client_address = v;
		}
		return 0;
	case 'n': return set_option(ps, ADM_O_NUMERIC);
	case 'c': return set_option(ps, ADM_O_CONN);
	case T_TIMEOUT: return set_option(ps, ADM_O_TIMEOUT);
	case T_STATS: return set_option(ps, ADM_O_STATS);
	case T_RATE: return set_option(ps, ADM_O_RATE);
	case T_THRESH: return set_option(ps, ADM_O_THRESH);
	case 'X': return set_option(ps, ADM_O_EXACT);
	case T_NOSORT: return set_option(ps, ADM_O_NOSORT);
	case T_SORT: return 0;          /* sorting is the default */
	case T_API: case T_TOKEN: case T_API_TIMEOUT:
		if (ps->restore_line)
			return fail(ps, "%s is not allowed in a restore", name);
		if (tag == T_API) {
			c->api = val;
		} else if (tag == T_TOKEN) {
			c->token = val;
		} else {
			uint32_t s;

			if (to_number(val, 1, 3600, &s) < 0)
				return fail(ps, "--api-timeout: seconds from 1 to 3600");
			c->timeout_s = (int)s;
		}
		return 0;
	default:
		return fail(ps, "invalid option `%s'", name);
	}
}

static int check_table(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	const char *row;
	int last = -1;

	if (c->cmd == ADM_CMD_HELP || c->cmd == ADM_CMD_VERSION)
		return 0;
	row = opt_table[c->cmd];
	for (unsigned j = 0; j < ADM_O_COUNT; j++) {
		bool given = c->opts & (1u << j);

		if (!given && row[j] == '+')
			return fail(ps, "You need to supply the '%s' option for the '%s' command",
				    opt_names[j], cmd_names[c->cmd]);
		if (given && row[j] == 'x')
			return fail(ps, "Illegal '%s' option with the '%s' command", opt_names[j],
				    cmd_names[c->cmd]);
		if (given && row[j] == '1') {
			if (last >= 0)
				return fail(ps, "The option '%s' conflicts with the '%s' option in "
					    "the '%s' command", opt_names[j], opt_names[last],
					    cmd_names[c->cmd]);
			last = (int)j;
		}
	}
	return 0;
}

/* -b / --sched-flags: ipvsadm 1.31's comma list; mgw has mh-port only. */
static int parse_sched_flags(struct pstate *ps)
{
	char buf[128], *save = NULL;

	if (strlen(ps->sched_flags) >= sizeof(buf))
		return fail(ps, "invalid scheduler flags `%s'", ps->sched_flags);
	snprintf(buf, sizeof(buf), "%s", ps->sched_flags);
	for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (strcmp(f, "mh-port") == 0 && strcmp(ps->c->sched, "mh") == 0)
			ps->c->mh_port = true;
		else if (strcmp(f, "mh-port") == 0)
			return fail(ps, "scheduler flag 'mh-port' needs -s mh");
		else
			return fail(ps, "scheduler flag '%s' is not supported by mgw (it has "
				    "'mh-port' for -s mh)", f);
	}
	return 0;
}

static int finish(struct pstate *ps)
{
	struct adm_cmd *c = ps->c;
	bool given;
	int rc;

	if (c->cmd == ADM_CMD_NONE)
		return fail(ps, "no command given (-A -E -D -C -a -e -d -L -Z -S -R); "
			    "try `mgwadm -h' for more information");
	if ((rc = check_table(ps)) < 0)
		return rc;
	if (c->cmd == ADM_CMD_SET) {
		uint32_t *dst[3] = { &c->set_tcp, &c->set_tcpfin, &c->set_udp };

		if (ps->n_pos < 3)
			return fail(ps, "--set option requires 3 timeout values");
		for (int i = 0; i < 3; i++)
			if (to_number(ps->pos[i], 0, MAX_TIMEOUT, dst[i]) < 0)
				return fail(ps, "invalid timeout value `%s' specified", ps->pos[i]);
		if (ps->n_pos > 3)
			return fail(ps, "unexpected argument %s", ps->pos[3]);
	} else if (ps->n_pos) {
		return fail(ps, "unexpected argument %s", ps->pos[0]);
	}
	if (ps->svc_arg) {
		rc = parse_addr(ps->svc_arg, c->proto, &c->vip, &c->vport, &given);
		if (rc < 0)
			return fail(ps, "illegal virtual server address[:port] specified");
		if (c->vport == 0 && c->vip.af == AF_INET6 && ps->svc_arg[0] != '[')
			return fail(ps, "mgw needs a service port: %s is an IPv6 address without "
				    "one (with a port it is written [ADDRESS]:PORT)", ps->svc_arg);
		if (c->vport == 0)
			return fail(ps, "mgw needs a service port: services on all ports "
				    "(port 0) are not supported (%s)", ps->svc_arg);
		if (ps->ipv6 && c->vip.af != AF_INET6)
			return fail(ps, "-6 (--ipv6) with the IPv4 service address %s", ps->svc_arg);
	}
	if (ps->mask_arg) {
		uint32_t plen;

		if (c->vip.af == AF_INET6) {
			/* ipvsadm: an IPv6 service's mask is a prefix length */
			if (to_number(ps->mask_arg, 1, 128, &plen) < 0)
				return fail(ps, "illegal ipv6 netmask specified");
			if (plen != 128)
				return fail(ps, "-M %s: mgw keeps an IPv6 service's clients "
					    "persistent per address (-M 128) only", ps->mask_arg);
		} else {
			struct adm_addr m;

			if (adm_addr_pton(ps->mask_arg, AF_INET, &m) < 0)
				return fail(ps, "illegal virtual server persistent mask specified");
			c->mask = (uint32_t)m.b[0] << 24 | (uint32_t)m.b[1] << 16 |
				  (uint32_t)m.b[2] << 8 | m.b[3];
		}
	}
	if (ps->rs_arg) {
		rc = parse_addr(ps->rs_arg, c->proto, &c->rip, &c->rport, &c->rport_given);
		if (rc < 0)
			return fail(ps, "illegal real server address[:port] specified");
		/* ipvsadm: "-r host" without a port takes the service's. */
		if (!c->rport_given || c->rport == 0)
			c->rport = c->vport;
	}
	if (is_service_cmd(c->cmd)) {
		if (!c->sched[0])
			snprintf(c->sched, sizeof(c->sched), "wlc");
		if ((rc = adm_sched_check(c->sched, ps->err, ps->errlen)) < 0)
			return rc;
		if (ps->sched_flags && (rc = parse_sched_flags(ps)) < 0)
			return rc;
	}
	if (c->cmd == ADM_CMD_LIST && (c->opts & (ADM_O_CONN | ADM_O_TIMEOUT)) &&
	    (c->opts & (ADM_O_STATS | ADM_O_RATE | ADM_O_THRESH)))
		return fail(ps, "options conflicts in the list command");
	return 0;
}

int adm_opts_parse(int argc, char **argv, bool restore_line, struct adm_cmd *c, char *err,
		   size_t errlen)
{
	struct pstate ps = { .c = c, .err = err, .errlen = errlen, .restore_line = restore_line };
	bool only_args = false;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->weight = 1;
	c->mask = 0xffffffffu;
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];

		if (only_args || a[0] != '-' || a[1] == 0) {
			if (ps.n_pos < 4)
				ps.pos[ps.n_pos++] = a;
			else
				rc = fail(&ps, "unexpected argument %s", a);
		} else if (a[1] == '-' && a[2] == 0) {
			only_args = true;
		} else if (a[1] == '-') {
			const struct longopt *lo;
			const char *eq = strchr(a + 2, '=');
			size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const char *val = eq ? eq + 1 : NULL;
			enum arg_kind kind;

			for (lo = longopts; lo->name; lo++)
				if (strlen(lo->name) == nl && strncmp(lo->name, a + 2, nl) == 0)
					break;
			if (!lo->name) {
				rc = fail(&ps, "unknown option %s; try `mgwadm -h'", a);
				break;
			}
			kind = lo->arg;
			if (kind == ARG_NONE && val) {
				rc = fail(&ps, "option --%s takes no value", lo->name);
			} else if (kind == ARG_REQUIRED && !val) {
				if (i + 1 >= argc)
					rc = fail(&ps, "option --%s needs a value", lo->name);
				else
					val = argv[++i];
			} else if (kind == ARG_OPTIONAL && !val && i + 1 < argc &&
				   argv[i + 1][0] != '-') {
				val = argv[++i];
			}
			if (rc == 0)
				rc = apply(&ps, lo->tag, a, val);
		} else {
			for (const char *p = a + 1; *p && rc == 0; p++) {
				char name[3] = { '-', *p, 0 };
				enum arg_kind kind = short_arg(*p);
				const char *val = NULL;

				if (!short_known(*p)) {
					rc = fail(&ps, "unknown option -%c; try `mgwadm -h'", *p);
					break;
				}
				if (*p == 'b')
					kind = is_service_cmd(c->cmd) ? ARG_REQUIRED : ARG_NONE;
				if (kind == ARG_REQUIRED) {
					if (p[1]) {
						val = p + 1;
					} else if (i + 1 < argc) {
						val = argv[++i];
					} else {
						rc = fail(&ps, "option -%c needs a value", *p);
						break;
					}
				} else if (kind == ARG_OPTIONAL) {
					if (p[1])
						val = p + 1;
					else if (i + 1 < argc && argv[i + 1][0] != '-')
						val = argv[++i];
				}
				rc = apply(&ps, *p, name, val);
				if (val)
					break;  /* the value ended the cluster */
			}
		}
	}
	if (rc == 0)
		rc = finish(&ps);
	return rc;
}

void adm_version(FILE *f)
{
	fprintf(f, "mgwadm v%s (ipvsadm v1.31 command line, for mgw's API v1)\n", ADM_VERSION);
}

void adm_usage(FILE *f, const char *prog)
{
	adm_version(f);
	fprintf(f,
		"Usage:\n"
		"  %1$s -A|E -t|u service-address [-s scheduler] [-p [timeout]] [-M netmask]\n"
		"          [-b sched-flags] [--fullnat|-m|-g|-i]\n"
		"  %1$s -D -t|u service-address\n"
		"  %1$s -C\n"
		"  %1$s -R\n"
		"  %1$s -S [-n]\n"
		"  %1$s -a|e -t|u service-address -r server-address [options]\n"
		"  %1$s -d -t|u service-address -r server-address\n"
		"  %1$s -L|l [options]\n"
		"  %1$s -Z [-t|u service-address]\n"
		"  %1$s --set tcp tcpfin udp\n"
		"  %1$s -h\n\n", prog);
	fprintf(f,
		"Commands:\n"
		"Either long or short options are allowed.\n"
		"  --add-service     -A        add virtual service with options\n"
		"  --edit-service    -E        edit virtual service with options\n"
		"  --delete-service  -D        delete virtual service\n"
		"  --clear           -C        clear the whole table\n"
		"  --restore         -R        restore rules from stdin\n"
		"  --save            -S        save rules to stdout\n"
		"  --add-server      -a        add real server with options\n"
		"  --edit-server     -e        edit real server with options\n"
		"  --delete-server   -d        delete real server\n"
		"  --list            -L|-l     list the table\n"
		"  --zero            -Z        zero the counters (of one service, or all)\n"
		"  --set tcp tcpfin udp        set connection timeout values (0: unchanged)\n"
		"  --help            -h        display this help message\n"
		"  --version         -v        display the version\n\n");
	fprintf(f,
		"Options:\n"
		"  --tcp-service  -t service-address   service-address is host:port or\n"
		"                                      [IPv6]:port\n"
		"  --udp-service  -u service-address   service-address is host:port or\n"
		"                                      [IPv6]:port\n"

		"  --scheduler    -s scheduler         one of rr|wrr|lc|wlc|sh|mh,\n"
		"                                      the default scheduler is wlc.\n"
		"  --persistent   -p [timeout]         persistent service (default 300 s)\n"
		"  --netmask      -M netmask           persistent granularity mask (IPv6: 128)\n"
		"  --sched-flags  -b flags             on -A/-E: mh-port (with -s mh)\n"
		"  --proxy-protocol v1|v2|none         on -A/-E (FULLNAT): the PROXY protocol header\n"
		"  --proxy-send   first_data|on_connect  when it goes (on_connect: server speaks first)\n"
		"  --toa                               on -A/-E (FULLNAT TCP): the TOA option\n"
		"  --synproxy     -j                   on -A/-E (FULLNAT TCP): SYN proxy with cookies\n"
		"  --no-synproxy                       on -E: the SYN proxy off\n"
		"  --real-server  -r server-address    server-address is host (and port),\n"
		"                                      [IPv6]:port or IPv6 (no port)\n"
		"  --fullnat      -b                   full NAT, mgw's default (-b: on -a/-e only)\n"
		"  --gatewaying   -g                   gatewaying (direct routing)\n"
		"  --ipip         -i                   ipip encapsulation (tunneling)\n"
		"  --masquerading -m                   masquerading (NAT)\n"
		"  --weight       -w weight            capacity of real server (default 1)\n"
		"  --u-threshold  -x uthreshold        upper threshold of connections\n"
		"  --l-threshold  -y lthreshold        lower threshold of connections\n"
		"  --connection   -c                   output of current connections\n"
		"  --timeout                           output of timeout (tcp tcpfin udp)\n"
		"  --stats                             output of statistics information\n"
		"  --rate                              output of rate information\n"
		"  --exact                             expand numbers (display exact values)\n"
		"  --thresholds                        output of thresholds information\n"
		"  --nosort                            disable sorting output of service/server entries\n"
		"  --sort                              does nothing, for backwards compatibility\n"
		"  --numeric      -n                   numeric output of addresses and ports\n"
		"  --api URL                           mgw's API (env MGW_API; default\n"
		"                                      http://127.0.0.1:8080)\n"
		"  --token TOKEN                       bearer token (env MGW_TOKEN)\n"
		"  --api-timeout SECONDS               give up on the API after this (default 10)\n"
		"  --import-keepalived FILE [--apply]  print the mgw config that carries FILE's\n"
		"                                      virtual servers (or, with --apply, send it\n"
		"                                      as one change); what it cannot carry is\n"
		"                                      named by file:line and nothing is done\n\n");
	fprintf(f,
		"How mgwadm differs from ipvsadm:\n"
		"  - Forwarding is per service in mgw, per server in ipvsadm. A service takes\n"
		"    it from -A/-E (--fullnat -m -g -i; default --fullnat) or, while it has no\n"
		"    other server, from -a/-e. A server's flag that differs from its service's\n"
		"    is refused. Without a flag -a/-e use the service's. FULLNAT is --fullnat,\n"
		"    or -b as DPVS spells it (on -A/-E, -b FLAGS stays ipvsadm's sched flags).\n"
		"  - Addresses and ports are always printed as numbers: -n changes nothing.\n"
		"  - -L keeps ipvsadm's layout (its first line is always \"IP Virtual Server\n"
		"    version 1.2.1 (size=4096)\" for scripts that skip it); Forward shows\n"
		"    FullNat for FULLNAT, as DPVS does. -L -c shows no FULLNAT local address.\n"
		"  - -E and -e set what ipvsadm sets: what is not given returns to its default\n"
		"    (-s wlc, no -p, mask 255.255.255.255; -w 1, -x 0, -y 0).\n"
		"  - -R applies the whole input as one atomic change of mgw's config: any bad\n"
		"    line (named by its number) and nothing is applied. -C is atomic too.\n"
		"    Like ipvsadm -R it adds to the table; ipvsadm-restore clears it first:\n"
		"    run -C, or make \"-C\" the first line, for that.\n"
		"  - -S prints services sorted (IPv4 before IPv6, TCP before UDP, then\n"
		"    address, then port), each followed by its servers sorted by address and\n"
		"    port; -x/-y are printed when set (ipvsadm's -S drops them). -R of that\n"
		"    text then -S gives it back.\n"
		"  - IPv6 as ipvsadm writes it: -t [fd00::10]:80, -r [fd00:1::11]:8080; a\n"
		"    bare IPv6 address is all address (-r fd00:1::11 takes the service's\n"
		"    port), and -r [fd00:1::11] does too. A v6 service with v4 servers is\n"
		"    NAT64 (FULLNAT); mgw answers for the mixes it refuses. An IPv6\n"
		"    service's persistence is per client address (-M 128 only). -6 (--ipv6)\n"
		"    may be given: the service address must then be IPv6.\n"
		"  - Not supported: -f (fwmark, with or without -6), --pe, -o, the sync\n"
		"    daemon options, --persistent-conn, schedulers other than rr wrr lc wlc\n"
		"    sh mh.\n");
}
