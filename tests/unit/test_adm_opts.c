/*
 * adm/opts: ipvsadm's command line parsed into struct adm_cmd — every
 * command, the flags each takes, clustering, optional -p, and the errors
 * ipvsadm gives (with its wording).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adm/adm.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static char err[ADM_ERR_LEN];

/* An address as text (canonical), for assertions. */
static const char *A(const struct adm_addr *a)
{
	static char buf[4][ADM_ADDR_STRLEN];
	static unsigned n;

	return adm_addr_ntop(a, buf[n++ % 4]);
}

/* Parse a command line given as one string (words split on spaces). */
static int parse_line(const char *line, struct adm_cmd *c)
{
	char buf[512], *argv[64] = { "mgwadm" }, *save = NULL;
	int argc = 1;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	err[0] = 0;
	return adm_opts_parse(argc, argv, false, c, err, sizeof(err));
}

static void ok(const char *line, struct adm_cmd *c)
{
	int rc = parse_line(line, c);

	if (rc != 0)
		fail_msg("'%s' refused: %s", line, err);
}

/* Refused, with a message containing want. */
static void bad(const char *line, const char *want)
{
	struct adm_cmd c;
	int rc = parse_line(line, &c);

	if (rc != -EINVAL)
		fail_msg("'%s' accepted (rc %d)", line, rc);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", line, err, want);
}

static void test_add_service(void **state)
{
	struct adm_cmd c;

	(void)state;
	ok("-A -t 10.0.0.10:80 -s rr", &c);
	assert_int_equal(c.cmd, ADM_CMD_ADD_SVC);
	assert_int_equal(c.proto, IPPROTO_TCP);
	assert_string_equal(A(&c.vip), "10.0.0.10");
	assert_int_equal(c.vip.af, AF_INET);
	assert_int_equal(c.vport, 80);
	assert_string_equal(c.sched, "rr");
	assert_int_equal(c.persist_s, 0);
	assert_int_equal(c.mask, 0xffffffffu);
	assert_int_equal(c.fwd, ADM_FWD_NONE);

	/* default scheduler wlc; -u */
	ok("-A -u 10.0.0.10:53", &c);
	assert_int_equal(c.proto, IPPROTO_UDP);
	assert_string_equal(c.sched, "wlc");

	/* long forms, --opt=value */
	ok("--add-service --tcp-service=10.0.0.10:443 --scheduler wrr --persistent=1800 "
	   "--netmask 255.255.255.0", &c);
	assert_string_equal(c.sched, "wrr");
	assert_int_equal(c.persist_s, 1800);
	assert_int_equal(c.mask, IP(255, 255, 255, 0));

	/* -p without a value: 300 s; followed by another option */
	ok("-A -t 10.0.0.10:443 -p -M 255.255.0.0", &c);
	assert_int_equal(c.persist_s, 300);
	assert_int_equal(c.mask, IP(255, 255, 0, 0));
	ok("-A -t 10.0.0.10:443 -p", &c);
	assert_int_equal(c.persist_s, 300);
	ok("-A -t 10.0.0.10:443 -p600", &c);
	assert_int_equal(c.persist_s, 600);

	/* clusters: -At VIP, -As */
	ok("-At 10.0.0.10:80 -s sh", &c);
	assert_int_equal(c.cmd, ADM_CMD_ADD_SVC);
	assert_int_equal(c.vport, 80);
	assert_string_equal(c.sched, "sh");

	/* sched flags (ipvsadm 1.31 -b) and a service forwarding (mgw) */
	ok("-A -t 10.0.0.10:80 -s mh -b mh-port", &c);
	assert_true(c.mh_port);
	ok("-A -t 10.0.0.10:80 -s mh --sched-flags mh-port -g", &c);
	assert_true(c.mh_port);
	assert_int_equal(c.fwd, ADM_FWD_DR);

	/* the client's address and the SYN proxy, DPVS's spelling */
	ok("-A -t 10.0.0.10:80 --proxy-protocol v2 -j", &c);
	assert_string_equal(c.client_address, "proxy_v2");
	assert_true(c.synproxy);
	assert_null(c.proxy_send);
	ok("-E -t 10.0.0.10:80 --proxy-protocol v1 --proxy-send on_connect", &c);
	assert_string_equal(c.client_address, "proxy_v1");
	assert_string_equal(c.proxy_send, "on_connect");
	assert_int_equal(c.synproxy, 0);
	ok("-A -t 10.0.0.10:80 --toa --synproxy", &c);
	assert_string_equal(c.client_address, "toa");
	assert_true(c.synproxy);
	ok("-E -t 10.0.0.10:80 --proxy-protocol none", &c);
	assert_string_equal(c.client_address, "none");
	bad("-A -t 10.0.0.10:80 --proxy-protocol v3", "v1, v2 or none");
	bad("-A -t 10.0.0.10:80 --proxy-protocol v2 --toa", "exclude each other");
	bad("-A -t 10.0.0.10:80 --proxy-send later", "first_data or on_connect");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.11 -j", "an option of -A and -E");
	ok("-E -t 10.0.0.10:80 --no-synproxy", &c);
	assert_int_equal(c.synproxy, -1);
	ok("-A -t 10.0.0.10:80 --fullnat", &c);
	assert_int_equal(c.fwd, ADM_FWD_FULLNAT);
	ok("-A -t 10.0.0.10:80 -m", &c);
	assert_int_equal(c.fwd, ADM_FWD_NAT);
	ok("-A -t 10.0.0.10:80 -i", &c);
	assert_int_equal(c.fwd, ADM_FWD_TUNNEL);

	/* a service name for the port */
	ok("-A -t 10.0.0.10:http", &c);
	assert_int_equal(c.vport, 80);
	ok("-A -u 10.0.0.10:domain", &c);
	assert_int_equal(c.vport, 53);

	/* -E takes the same */
	ok("-E -t 10.0.0.10:80 -s lc -p 60", &c);
	assert_int_equal(c.cmd, ADM_CMD_EDIT_SVC);
	assert_int_equal(c.persist_s, 60);
	ok("-E -t 10.0.0.10:80", &c);
	assert_string_equal(c.sched, "wlc");
}

static void test_servers(void **state)
{
	struct adm_cmd c;

	(void)state;
	ok("-a -t 10.0.0.10:80 -r 10.1.0.11:8080 -m -w 5", &c);
	assert_int_equal(c.cmd, ADM_CMD_ADD_RS);
	assert_string_equal(A(&c.rip), "10.1.0.11");
	assert_int_equal(c.rport, 8080);
	assert_true(c.rport_given);
	assert_int_equal(c.fwd, ADM_FWD_NAT);
	assert_int_equal(c.weight, 5);

	/* port defaults to the service's; weight to 1; no flag */
	ok("-a -t 10.0.0.10:80 -r 10.1.0.11", &c);
	assert_int_equal(c.rport, 80);
	assert_false(c.rport_given);
	assert_int_equal(c.weight, 1);
	assert_int_equal(c.fwd, ADM_FWD_NONE);

	/* -b on -a is DPVS's FULLNAT; --fullnat the same */
	ok("-a -t 10.0.0.10:80 -r 10.1.0.11:80 -b -w 2", &c);
	assert_int_equal(c.fwd, ADM_FWD_FULLNAT);
	assert_int_equal(c.weight, 2);
	ok("-at 10.0.0.10:80 -r 10.1.0.11:80 --fullnat", &c);
	assert_int_equal(c.fwd, ADM_FWD_FULLNAT);
	ok("-a -t 10.0.0.10:80 -r 10.1.0.11:80 -gw 3", &c);
	assert_int_equal(c.fwd, ADM_FWD_DR);
	assert_int_equal(c.weight, 3);
	ok("-a -t 10.0.0.10:80 -r 10.1.0.11:80 -i -w 0 -x 100 -y 50", &c);
	assert_int_equal(c.fwd, ADM_FWD_TUNNEL);
	assert_int_equal(c.weight, 0);
	assert_int_equal(c.u_thr, 100);
	assert_int_equal(c.l_thr, 50);
	ok("--add-server --udp-service 10.0.0.10:53 --real-server 10.1.0.11:5353 "
	   "--masquerading --weight 65535 --u-threshold 1 --l-threshold 0", &c);
	assert_int_equal(c.proto, IPPROTO_UDP);
	assert_int_equal(c.weight, 65535);
	assert_int_equal(c.opts & (ADM_O_UTHR | ADM_O_LTHR), ADM_O_UTHR | ADM_O_LTHR);

	ok("-e -t 10.0.0.10:80 -r 10.1.0.11:80 -w 0", &c);
	assert_int_equal(c.cmd, ADM_CMD_EDIT_RS);
	assert_int_equal(c.weight, 0);
	ok("-d -t 10.0.0.10:80 -r 10.1.0.11", &c);
	assert_int_equal(c.cmd, ADM_CMD_DEL_RS);
	assert_int_equal(c.rport, 80);
	ok("-D -t 10.0.0.10:80", &c);
	assert_int_equal(c.cmd, ADM_CMD_DEL_SVC);
}

static void test_list_and_others(void **state)
{
	struct adm_cmd c;

	(void)state;
	ok("-L", &c);
	assert_int_equal(c.cmd, ADM_CMD_LIST);
	ok("-l", &c);
	assert_int_equal(c.cmd, ADM_CMD_LIST);
	ok("-Ln", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC);
	ok("-L -n --stats --exact", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC | ADM_O_STATS | ADM_O_EXACT);
	ok("-L -n --rate --nosort --sort", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC | ADM_O_RATE | ADM_O_NOSORT);
	ok("-L --thresholds", &c);
	assert_int_equal(c.opts, ADM_O_THRESH);
	ok("-Lnc", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC | ADM_O_CONN);
	ok("-L -n -t 10.0.0.10:80", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC | ADM_O_SERVICE);
	ok("-L --timeout", &c);
	assert_int_equal(c.opts, ADM_O_TIMEOUT);
	ok("--list --numeric --connection", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC | ADM_O_CONN);

	ok("-S", &c);
	assert_int_equal(c.cmd, ADM_CMD_SAVE);
	ok("-S -n", &c);
	assert_int_equal(c.opts, ADM_O_NUMERIC);
	ok("-R", &c);
	assert_int_equal(c.cmd, ADM_CMD_RESTORE);
	ok("-C", &c);
	assert_int_equal(c.cmd, ADM_CMD_FLUSH);
	ok("--clear", &c);
	assert_int_equal(c.cmd, ADM_CMD_FLUSH);
	ok("-Z", &c);
	assert_int_equal(c.cmd, ADM_CMD_ZERO);
	ok("-Z -t 10.0.0.10:80", &c);
	assert_int_equal(c.opts, ADM_O_SERVICE);
	ok("--set 900 120 300", &c);
	assert_int_equal(c.cmd, ADM_CMD_SET);
	assert_int_equal(c.set_tcp, 900);
	assert_int_equal(c.set_tcpfin, 120);
	assert_int_equal(c.set_udp, 300);
	ok("-h", &c);
	assert_int_equal(c.cmd, ADM_CMD_HELP);
	ok("--version", &c);
	assert_int_equal(c.cmd, ADM_CMD_VERSION);

	/* global options anywhere */
	ok("--api http://127.0.0.1:9090 -L -n --token abc", &c);
	assert_string_equal(c.api, "http://127.0.0.1:9090");
	assert_string_equal(c.token, "abc");
	ok("-L --api-timeout 3", &c);
	assert_int_equal(c.timeout_s, 3);
}

static void test_errors(void **state)
{
	(void)state;
	bad("", "no command given");
	bad("-n", "must come first");
	bad("-t 10.0.0.10:80 -A", "must come first");
	bad("-A -L", "multiple commands specified");
	bad("-A -t 10.0.0.10:80 -s rr -s wrr", "multiple 'scheduler' options specified");
	bad("-A -s rr", "You need to supply the 'service-address' option for the "
	    "'add-service' command");
	bad("-a -t 10.0.0.10:80", "You need to supply the 'real-server' option for the "
	    "'add-server' command");
	bad("-d -t 10.0.0.10:80 -r 10.1.0.1 -w 3", "Illegal 'weight' option with the "
	    "'delete-server' command");
	bad("-A -t 10.0.0.10:80 -w 3", "Illegal 'weight' option with the 'add-service' command");
	bad("-D -t 10.0.0.10:80 -s rr", "Illegal 'scheduler' option");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -s rr", "Illegal 'scheduler' option");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -p", "Illegal 'persistent' option");
	bad("-C -t 10.0.0.10:80", "Illegal 'service-address' option with the 'flush' command");
	bad("-R -n", "Illegal 'numeric' option with the 'restore' command");
	bad("-S --stats", "Illegal 'stats' option with the 'save' command");
	bad("-L -c -t 10.0.0.10:80", "The option 'service-address' conflicts with the "
	    "'connection' option in the 'list' command");
	bad("-L -c --stats", "options conflicts in the list command");
	bad("-L --timeout --rate", "options conflicts in the list command");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -m -g", "multiple 'forwarding-method' options");

	/* values */
	bad("-A -t 10.0.0.300:80", "illegal virtual server address[:port] specified");
	bad("-A -t 10.0.0.10:99999", "illegal virtual server address[:port] specified");
	bad("-A -t 10.0.0.10:nosuchservicename", "illegal virtual server address");
	bad("-A -t 80", "illegal virtual server address");
	bad("-A -t 10.0.0.10", "port 0");
	bad("-A -t 10.0.0.10:0", "port 0");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.x", "illegal real server address[:port] specified");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -w 65536", "illegal weight specified");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -w -1", "illegal weight specified");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -w 1x", "illegal weight specified");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -x abc", "illegal u_threshold specified");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 -y 99999999999", "illegal l_threshold specified");
	bad("-A -t 10.0.0.10:80 -p 0", "invalid timeout value `0' specified");
	bad("-A -t 10.0.0.10:80 -p 2678401", "invalid timeout value");
	bad("-A -t 10.0.0.10:80 -p -5", "unknown option -5");
	bad("-A -t 10.0.0.10:80 -p 60 -M 255.255.255", "illegal virtual server persistent mask");
	bad("--set 900 120", "--set option requires 3 timeout values");
	bad("--set 900 120 x", "invalid timeout value `x' specified");
	bad("--set 1 2 3 4", "unexpected argument 4");
	bad("-L extra", "unexpected argument extra");
	bad("-A -t", "option -t needs a value");
	bad("-A --tcp-service", "option --tcp-service needs a value");
	bad("-L --stats=1", "takes no value");
	bad("-L --bogus", "unknown option --bogus");
	bad("-L -Q", "unknown option -Q");

	/* what mgw lacks, said plainly */
	bad("-A -t 10.0.0.10:80 -s sed", "LVS scheduler that mgw does not have");
	bad("-A -t 10.0.0.10:80 -s nq", "LVS scheduler that mgw does not have");
	bad("-A -t 10.0.0.10:80 -s dh", "LVS scheduler that mgw does not have");
	bad("-A -t 10.0.0.10:80 -s lblc", "LVS scheduler that mgw does not have");
	bad("-A -t 10.0.0.10:80 -s xyz", "scheduler 'xyz' not found");
	bad("-A -f 1", "firewall-mark services (-f 1) are not supported by mgw");
	bad("-A -f 1 -6", "firewall-mark services (-f 1) are not supported by mgw");
	bad("-A -u 10.0.0.10:53 -o", "one-packet scheduling");
	bad("-A -t 10.0.0.10:80 --pe sip", "persistence engines");
	bad("--start-daemon master", "session sync");
	bad("-L --daemon", "session sync");
	bad("-L --persistent-conn", "--persistent-conn is not supported");
	bad("-A -t 10.0.0.10:80 -s sh -b sh-port", "scheduler flag 'sh-port' is not supported");
	bad("-A -t 10.0.0.10:80 -s rr -b mh-port", "'mh-port' needs -s mh");
	bad("-a -t 10.0.0.10:80 -r 10.1.0.1 --tun-type gue", "tunnel options");
	bad("-A --sctp-service 10.0.0.10:80", "SCTP");
}

/* IPv6 as ipvsadm writes it: "[v6]:port", a bare v6 being all address. */
static void test_ipv6(void **state)
{
	struct adm_cmd c;

	(void)state;
	ok("-A -t [fd00::10]:80 -s rr", &c);
	assert_int_equal(c.vip.af, AF_INET6);
	assert_string_equal(A(&c.vip), "fd00::10");
	assert_int_equal(c.vport, 80);
	assert_int_equal(c.proto, IPPROTO_TCP);
	/* canonical whatever the spelling; -6 / --ipv6 accepted */
	ok("-A -6 -u [FD00:0:0:0::0010]:53", &c);
	assert_string_equal(A(&c.vip), "fd00::10");
	assert_int_equal(c.proto, IPPROTO_UDP);
	assert_int_equal(c.vport, 53);
	ok("-A --ipv6 --tcp-service=[fd00::10]:http", &c);
	assert_int_equal(c.vport, 80);
	ok("-At[fd00::10]:443", &c);
	assert_int_equal(c.vport, 443);

	/* servers: with a port, without (the service's), bare (all address) */
	ok("-a -t [fd00::10]:80 -r [fd00:1::11]:8080 -m -w 2", &c);
	assert_int_equal(c.rip.af, AF_INET6);
	assert_string_equal(A(&c.rip), "fd00:1::11");
	assert_int_equal(c.rport, 8080);
	assert_true(c.rport_given);
	ok("-a -t [fd00::10]:80 -r [fd00:1::11]", &c);
	assert_string_equal(A(&c.rip), "fd00:1::11");
	assert_int_equal(c.rport, 80);
	assert_false(c.rport_given);
	ok("-a -t [fd00::10]:80 -r fd00:1::11", &c);
	assert_string_equal(A(&c.rip), "fd00:1::11");
	assert_int_equal(c.rport, 80);
	/* ipvsadm reads "fd00::1:80" as one address, without a port */
	ok("-a -t [fd00::10]:80 -r fd00::1:80", &c);
	assert_string_equal(A(&c.rip), "fd00::1:80");
	assert_int_equal(c.rport, 80);
	assert_false(c.rport_given);
	/* NAT64 (a v6 VIP, v4 servers) is the API's to judge; so are mixes */
	ok("-a -t [fd00::10]:80 -r 10.1.0.11:8080 -b", &c);
	assert_int_equal(c.rip.af, AF_INET);
	assert_string_equal(A(&c.rip), "10.1.0.11");
	ok("-a -t 10.0.0.10:80 -r [fd00:1::11]:80", &c);
	assert_int_equal(c.rip.af, AF_INET6);

	/* -M on an IPv6 service is ipvsadm's prefix length; mgw has /128 */
	ok("-A -t [fd00::10]:80 -p 60 -M 128", &c);
	assert_int_equal(c.persist_s, 60);
	bad("-A -t [fd00::10]:80 -p 60 -M 64", "per address (-M 128) only");
	bad("-A -t [fd00::10]:80 -p 60 -M 129", "illegal ipv6 netmask specified");
	bad("-A -t [fd00::10]:80 -p 60 -M 255.255.255.0", "illegal ipv6 netmask specified");
	bad("-A -t 10.0.0.10:80 -p 60 -M 24", "illegal virtual server persistent mask");

	/* -L -t, -D, -d, -Z take the same */
	ok("-L -n -t [fd00::10]:80", &c);
	assert_string_equal(A(&c.vip), "fd00::10");
	ok("-d -t [fd00::10]:80 -r [fd00:1::11]:8080", &c);
	assert_int_equal(c.rport, 8080);
	ok("-Z -u [fd00::10]:53", &c);

	/* malformed */
	bad("-A -t [fd00::1", "illegal virtual server address[:port] specified");
	bad("-A -t [fd00::1]80", "illegal virtual server address[:port] specified");
	bad("-A -t [zz::1]:80", "illegal virtual server address[:port] specified");
	bad("-A -t [10.0.0.10]:80", "illegal virtual server address[:port] specified");
	bad("-A -t []:80", "illegal virtual server address[:port] specified");
	bad("-A -t [fd00::1]:", "illegal virtual server address[:port] specified");
	bad("-A -t [fd00::1]:65536", "illegal virtual server address[:port] specified");
	bad("-A -t [fd00::1]:nosuchservicename", "illegal virtual server address");
	bad("-A -t fd00::1::2:80", "illegal virtual server address[:port] specified");
	bad("-A -t zz::1:80", "illegal virtual server address[:port] specified");
	bad("-a -t [fd00::10]:80 -r [fd00:1::11", "illegal real server address[:port] specified");
	bad("-a -t [fd00::10]:80 -r [fd00:1::g]:80", "illegal real server address");
	/* a bare v6 has no port: said so, with the spelling that has one */
	bad("-A -t fd00::1:80", "fd00::1:80 is an IPv6 address without one (with a port it "
	    "is written [ADDRESS]:PORT)");
	bad("-A -t [fd00::1]", "port 0");
	bad("-A -t [fd00::1]:0", "port 0");
	/* -6 says the service is IPv6 */
	bad("-A -6 -t 10.0.0.10:80", "-6 (--ipv6) with the IPv4 service address 10.0.0.10:80");
	ok("-L -6", &c);
}

/* Every command with every option, one at a time: accepted exactly where
 * ipvsadm (and mgwadm's additions: forwarding and -b flags on -A/-E,
 * --timeout on -L) accept it. */
static void test_every_combination(void **state)
{
	static const struct {
		const char *name, *words;
	} opt[] = {
		{ "numeric", "-n" }, { "connection", "-c" }, { "service", "-t 10.0.0.9:81" },
		{ "scheduler", "-s rr" }, { "persistent", "-p 60" },
		{ "netmask", "-M 255.255.255.0" }, { "real-server", "-r 10.1.0.9:80" },
		{ "forward", "-m" }, { "weight", "-w 2" }, { "u-threshold", "-x 10" },
		{ "l-threshold", "-y 5" }, { "stats", "--stats" }, { "rate", "--rate" },
		{ "thresholds", "--thresholds" }, { "exact", "--exact" }, { "nosort", "--nosort" },
		{ "timeout", "--timeout" }, { "sched-flags", "-s mh --sched-flags mh-port" },
	};
	/* base command line; options it takes alone (by name, space separated) */
	static const struct {
		const char *base, *takes, *has;
	} cmd[] = {
		{ "-A -t 10.0.0.10:80", "scheduler persistent netmask forward sched-flags", "service" },
		{ "-E -t 10.0.0.10:80", "scheduler persistent netmask forward sched-flags", "service" },
		{ "-D -t 10.0.0.10:80", "", "service" },
		{ "-C", "", "" },
		{ "-L", "numeric connection service stats rate thresholds exact nosort timeout", "" },
		{ "-a -t 10.0.0.10:80 -r 10.1.0.1", "forward weight u-threshold l-threshold",
		  "service real-server" },
		{ "-e -t 10.0.0.10:80 -r 10.1.0.1", "forward weight u-threshold l-threshold",
		  "service real-server" },
		{ "-d -t 10.0.0.10:80 -r 10.1.0.1", "", "service real-server" },
		{ "-Z", "service", "" },
		{ "-S", "numeric", "" },
		{ "-R", "", "" },
		{ "--set 1 2 3", "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++) {
		struct adm_cmd c;

		ok(cmd[i].base, &c);
		for (size_t k = 0; k < sizeof(opt) / sizeof(opt[0]); k++) {
			char line[256], name[32];
			bool want, got;

			snprintf(name, sizeof(name), " %s ", opt[k].name);
			snprintf(line, sizeof(line), " %s ", cmd[i].has);
			if (strstr(line, name))
				continue;       /* part of the base */
			snprintf(line, sizeof(line), " %s ", cmd[i].takes);
			want = strstr(line, name) != NULL;
			snprintf(line, sizeof(line), "%s %s", cmd[i].base, opt[k].words);
			got = parse_line(line, &c) == 0;
			if (got != want)
				fail_msg("'%s': %s (%s)", line, got ? "accepted" : "refused", err);
		}
	}
}

static void test_restore_line(void **state)
{
	char *argv[] = { "x", "-A", "-t", "10.0.0.10:80", "--api", "http://1.2.3.4", NULL };
	struct adm_cmd c;

	(void)state;
	assert_int_equal(adm_opts_parse(6, argv, true, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not allowed in a restore"));
	assert_int_equal(adm_opts_parse(4, argv, true, &c, err, sizeof(err)), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(adm_opt_name(ADM_O_WEIGHT), "weight");
	assert_string_equal(adm_opt_name(ADM_O_SERVICE), "service-address");
	assert_string_equal(adm_opt_name(ADM_O_SCHEDFLAGS), "sched-flags");
	assert_string_equal(adm_cmd_name(ADM_CMD_ADD_RS), "add-server");
	assert_string_equal(adm_cmd_name(ADM_CMD_FLUSH), "flush");
}

static void test_usage(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	adm_usage(f, "mgwadm");
	fclose(f);
	/* The choices the help must document. */
	assert_non_null(strstr(buf, "--fullnat      -b"));
	assert_non_null(strstr(buf, "always printed as numbers"));
	assert_non_null(strstr(buf, "per service in mgw"));
	assert_non_null(strstr(buf, "MGW_API"));
	assert_non_null(strstr(buf, "MGW_TOKEN"));
	assert_non_null(strstr(buf, "[IPv6]:port"));
	assert_null(strstr(buf, "Not supported: -f (fwmark), IPv6"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_service),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_list_and_others),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_restore_line),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
