/*
 * adm/save: ipvsadm-save text in (-R) and out (-S). A realistic dump from
 * an LVS box goes in and comes out unchanged; the JSON it makes is what
 * mgw expects; out-of-order input comes out in canonical order; every kind
 * of bad line is refused by number and leaves the services untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adm/adm.h"

/* What `ipvsadm-save -n` printed on an LVS box: TCP and UDP services,
 * weights (0 included), persistence with and without -M, direct routing,
 * NAT (with a port change), tunnelling, an mh service with mh-port, a
 * service with no server yet; FULLNAT written as DPVS writes it (-b); a
 * threshold as mgwadm adds it. Already in canonical order. */
static const char dump[] =
	"-A -t 9.0.0.1:25 -s sh\n"
	"-A -t 10.0.0.10:80 -s wlc\n"
	"-a -t 10.0.0.10:80 -r 10.1.0.9:80 -g -w 50\n"
	"-a -t 10.0.0.10:80 -r 10.1.0.11:80 -g -w 100\n"
	"-a -t 10.0.0.10:80 -r 10.1.0.12:80 -g -w 100\n"
	"-A -t 10.0.0.10:443 -s wrr -p 1800\n"
	"-a -t 10.0.0.10:443 -r 10.1.0.11:443 -g -w 10\n"
	"-a -t 10.0.0.10:443 -r 10.1.0.12:443 -g -w 0\n"
	"-A -t 10.0.0.20:3306 -s lc -p 300 -M 255.255.255.0\n"
	"-a -t 10.0.0.20:3306 -r 10.1.0.31:3306 -m -w 1\n"
	"-a -t 10.0.0.20:3306 -r 10.1.0.32:13306 -m -w 1\n"
	"-A -t 10.0.0.30:8080 -s mh -b mh-port\n"
	"-a -t 10.0.0.30:8080 -r 10.1.0.41:8080 -i -w 1\n"
	"-a -t 10.0.0.30:8080 -r 10.1.0.42:8080 -i -w 1\n"
	"-A -t 10.0.0.40:8443 -s rr\n"
	"-a -t 10.0.0.40:8443 -r 10.1.0.51:443 -b -w 3\n"
	"-a -t 10.0.0.40:8443 -r 10.1.0.52:443 -b -w 3\n"
	"-A -u 10.0.0.10:53 -s rr\n"
	"-a -u 10.0.0.10:53 -r 10.1.0.21:53 -g -w 1\n"
	"-a -u 10.0.0.10:53 -r 10.1.0.22:53 -g -w 1\n"
	"-A -u 10.0.0.10:123 -s sh -p 600 -M 255.255.0.0\n"
	"-a -u 10.0.0.10:123 -r 10.1.0.61:1123 -m -w 5 -x 1000 -y 800\n";

static char err[ADM_ERR_LEN];

static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_t *j;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	free(s);
	return j;
}

static int restore(const char *text, json_t *services)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc;

	err[0] = 0;
	rc = adm_restore_apply(in, services, err, sizeof(err));
	fclose(in);
	return rc;
}

static char *save(const json_t *services, unsigned fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(adm_save_render(f, services, fmt), 0);
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	json_t *services = json_array();
	char *out;

	(void)state;
	assert_int_equal(restore(dump, services), 0);
	assert_int_equal(json_array_size(services), 8);
	out = save(services, ADM_FMT_NUMERIC);
	assert_string_equal(out, dump);
	free(out);
	/* and the saved text restores to the same JSON */
	{
		json_t *again = json_array();

		assert_int_equal(restore(dump, again), 0);
		assert_true(json_equal(again, services));
		json_decref(again);
	}
	json_decref(services);
}

/* The JSON -R builds: mgw's names, forwarding per service. */
static void test_json_mapping(void **state)
{
	json_t *services = json_array(), *want;

	(void)state;
	assert_int_equal(restore("-A -t 10.0.0.20:3306 -s lc -p 300 -M 255.255.255.0\n"
				 "-a -t 10.0.0.20:3306 -r 10.1.0.31:3306 -m -w 1\n"
				 "-a -t 10.0.0.20:3306 -r 10.1.0.32:13306 -m -w 7 -x 10 -y 5\n"
				 "-A -u 10.0.0.10:53 -s mh -b mh-port\n"
				 "-a -u 10.0.0.10:53 -r 10.1.0.21 -g\n"
				 "-a -u 10.0.0.10:53 -r 10.1.0.22:5353 -g -w 0\n"
				 "-A -t 10.0.0.10:80\n", services), 0);
	want = J("[{'proto': 'tcp', 'vip': '10.0.0.20', 'port': 3306, 'scheduler': 'lc', "
		 "'persistence_s': 300, 'persistence_mask': '255.255.255.0', 'forward': 'nat', "
		 "'servers': [{'ip': '10.1.0.31', 'port': 3306, 'weight': 1}, "
		 "{'ip': '10.1.0.32', 'port': 13306, 'weight': 7, 'u_threshold': 10, "
		 "'l_threshold': 5}]}, "
		 "{'proto': 'udp', 'vip': '10.0.0.10', 'port': 53, 'scheduler': 'mh', "
		 "'persistence_s': 0, 'persistence_mask': '255.255.255.255', 'mh_port': true, "
		 "'forward': 'dr', 'servers': [{'ip': '10.1.0.21', 'port': 53, 'weight': 1}, "
		 "{'ip': '10.1.0.22', 'port': 53, 'weight': 0}]}, "
		 "{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'wlc', "
		 "'persistence_s': 0, 'persistence_mask': '255.255.255.255'}]");
	if (!json_equal(services, want)) {
		char *got = json_dumps(services, JSON_INDENT(1));

		fail_msg("got %s", got);
	}
	json_decref(want);
	json_decref(services);
}

/* Out of order in, canonical order out; comments, blank lines, a leading
 * "ipvsadm", tabs and CRLF are fine. */
static void test_canonical_order(void **state)
{
	json_t *services = json_array();
	char *out;

	(void)state;
	assert_int_equal(restore("# saved by ipvsadm-save on lb1\n"
				 "\n"
				 "-A -u 10.0.0.10:53 -s rr\r\n"
				 "ipvsadm -A -t 10.0.0.10:80 -s wlc   # web\n"
				 "   \t\n"
				 "-a -t 10.0.0.10:80 -r 10.1.0.12:80 -g -w 1\n"
				 "-a\t-u 10.0.0.10:53 -r 10.1.0.22:53 -g -w 1\n"
				 "-a -t 10.0.0.10:80 -r 10.1.0.11:80 -g -w 1\n"
				 "-a -u 10.0.0.10:53 -r 10.1.0.21:53 -g -w 1\n"
				 "-A -t 10.0.0.9:80 -s rr\n", services), 0);
	out = save(services, 0);
	assert_string_equal(out,
		"-A -t 10.0.0.9:80 -s rr\n"
		"-A -t 10.0.0.10:80 -s wlc\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.11:80 -g -w 1\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.12:80 -g -w 1\n"
		"-A -u 10.0.0.10:53 -s rr\n"
		"-a -u 10.0.0.10:53 -r 10.1.0.21:53 -g -w 1\n"
		"-a -u 10.0.0.10:53 -r 10.1.0.22:53 -g -w 1\n");
	free(out);
	/* --nosort keeps the order they were made in */
	out = save(services, ADM_FMT_NOSORT);
	assert_string_equal(out,
		"-A -u 10.0.0.10:53 -s rr\n"
		"-a -u 10.0.0.10:53 -r 10.1.0.22:53 -g -w 1\n"
		"-a -u 10.0.0.10:53 -r 10.1.0.21:53 -g -w 1\n"
		"-A -t 10.0.0.10:80 -s wlc\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.12:80 -g -w 1\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.11:80 -g -w 1\n"
		"-A -t 10.0.0.9:80 -s rr\n");
	free(out);
	json_decref(services);
}

/* IPv6 as ipvsadm-save writes it: "[v6]:port" for services and servers,
 * IPv4 services before IPv6 ones; NAT64 (a v6 VIP, v4 servers) beside. */
static const char dump6[] =
	"-A -t 10.0.0.10:80 -s rr\n"
	"-a -t 10.0.0.10:80 -r 10.1.0.11:80 -m -w 1\n"
	"-A -t [fd00::10]:80 -s rr\n"
	"-a -t [fd00::10]:80 -r [fd00:1::11]:8080 -m -w 1\n"
	"-a -t [fd00::10]:80 -r [fd00:1::12]:8080 -m -w 2\n"
	"-A -t [fd00::10]:443 -s wrr -p 600\n"
	"-a -t [fd00::10]:443 -r 10.1.0.11:443 -b -w 1\n"
	"-a -t [fd00::10]:443 -r 10.1.0.12:443 -b -w 1\n"
	"-A -t [fd00::20]:80 -s mh -b mh-port\n"
	"-a -t [fd00::20]:80 -r [fd00:1::11]:80 -b -w 5 -x 100 -y 10\n"
	"-a -t [fd00::20]:80 -r [fd00:1::2:1]:80 -b -w 5\n"
	"-A -u [fd00::10]:53 -s sh\n"
	"-a -u [fd00::10]:53 -r [fd00:1::11]:53 -g -w 1\n";

static void test_ipv6(void **state)
{
	json_t *services = json_array(), *again = json_array(), *want;
	char *out;

	(void)state;
	assert_int_equal(restore(dump6, services), 0);
	assert_int_equal(json_array_size(services), 5);
	out = save(services, ADM_FMT_NUMERIC);
	assert_string_equal(out, dump6);
	assert_int_equal(restore(out, again), 0);
	assert_true(json_equal(again, services));
	free(out);
	json_decref(again);

	/* the JSON: canonical addresses, no IPv4 mask on an IPv6 service */
	json_array_clear(services);
	assert_int_equal(restore("-A -t [FD00:0::10]:80 -s rr -p 60 -M 128\n"
				 "-a -t [fd00::10]:80 -r [fd00:1:0::11]:8080 -m\n"
				 "-a -t [fd00::10]:80 -r fd00:1::12\n"
				 "-a -t [fd00::10]:80 -r [fd00:1::13]\n", services), 0);
	want = J("[{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'scheduler': 'rr', "
		 "'persistence_s': 60, 'forward': 'nat', "
		 "'servers': [{'ip': 'fd00:1::11', 'port': 8080, 'weight': 1}, "
		 "{'ip': 'fd00:1::12', 'port': 80, 'weight': 1}, "
		 "{'ip': 'fd00:1::13', 'port': 80, 'weight': 1}]}]");
	if (!json_equal(services, want)) {
		char *got = json_dumps(services, JSON_INDENT(1));

		fail_msg("got %s", got);
	}
	json_decref(want);

	/* out of order in: v4 first, then v6, each by protocol, address, port */
	json_array_clear(services);
	assert_int_equal(restore("-A -u [fd00::1]:53\n"
				 "-A -t [fd00::1:0]:80\n"
				 "-A -t [fd00::2]:80\n"
				 "-A -u 10.0.0.1:53\n"
				 "-A -t [::1]:80\n"
				 "-A -t 10.0.0.1:80\n"
				 "-a -t [fd00::2]:80 -r [fd00::1:1]:80 -m\n"
				 "-a -t [fd00::2]:80 -r 10.1.0.1:80 -m\n"
				 "-a -t [fd00::2]:80 -r [fd00::9]:80 -m\n", services), 0);
	out = save(services, 0);
	assert_string_equal(out,
		"-A -t 10.0.0.1:80 -s wlc\n"
		"-A -u 10.0.0.1:53 -s wlc\n"
		"-A -t [::1]:80 -s wlc\n"
		"-A -t [fd00::2]:80 -s wlc\n"
		"-a -t [fd00::2]:80 -r 10.1.0.1:80 -m -w 1\n"
		"-a -t [fd00::2]:80 -r [fd00::9]:80 -m -w 1\n"
		"-a -t [fd00::2]:80 -r [fd00::1:1]:80 -m -w 1\n"
		"-A -t [fd00::1:0]:80 -s wlc\n"
		"-A -u [fd00::1]:53 -s wlc\n");
	free(out);

	/* -e, -d, -D find them whatever the spelling */
	assert_int_equal(restore("-e -t [fd00:0::2]:80 -r [FD00::9]:80 -m -w 7\n"
				 "-d -t [fd00::2]:80 -r [fd00::1:1]:80\n"
				 "-D -u [fd00:0:0::1]:53\n", services), 0);
	out = save(services, 0);
	assert_non_null(strstr(out, "-a -t [fd00::2]:80 -r [fd00::9]:80 -m -w 7\n"));
	assert_null(strstr(out, "[fd00::1:1]"));
	assert_null(strstr(out, "-u [fd00::1]:53"));
	free(out);
	json_decref(services);
}

/* -E, -e, -d, -D and -C inside a dump, applied in order. */
static void test_edits_in_dump(void **state)
{
	json_t *services = json_array();
	char *out;

	(void)state;
	assert_int_equal(restore("-A -t 10.0.0.10:80 -s rr -p 60\n"
				 "-a -t 10.0.0.10:80 -r 10.1.0.11:80 -m -w 1\n"
				 "-a -t 10.0.0.10:80 -r 10.1.0.12:80 -m -w 1\n"
				 "-A -t 10.0.0.10:81 -s rr\n"
				 "-E -t 10.0.0.10:80 -s wrr\n"
				 "-e -t 10.0.0.10:80 -r 10.1.0.11:80 -m -w 9\n"
				 "-d -t 10.0.0.10:80 -r 10.1.0.12:80\n"
				 "-D -t 10.0.0.10:81\n", services), 0);
	out = save(services, 0);
	/* ipvsadm's -E without -p makes the service non-persistent */
	assert_string_equal(out, "-A -t 10.0.0.10:80 -s wrr\n"
			    "-a -t 10.0.0.10:80 -r 10.1.0.11:80 -m -w 9\n");
	free(out);
	assert_int_equal(restore("-C\n-A -u 10.0.0.1:53\n", services), 0);
	out = save(services, 0);
	assert_string_equal(out, "-A -u 10.0.0.1:53 -s wlc\n");
	free(out);
	json_decref(services);
}

/* Each bad input: refused, the line named, nothing changed. */
static void test_refused(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} t[] = {
		{ "-A -t 10.0.0.10:80 -s rr\n-Q\n", "line 2: unknown option -Q" },
		{ "-A -t 10.0.0.10:80 -s rr\n-a -t 10.0.0.10:80 -r 10.1.0.1:80 -g -w 1\n"
		  "-a -t 10.0.0.10:80 -r 10.1.0.2:80 -m -w 1\n",
		  "line 3: real server 10.1.0.2:80: forwarding -m (nat) does not match service "
		  "TCP 10.0.0.10:80, which forwards by -g (dr)" },
		{ "-A -t 10.0.0.10:80 -s rr\n-A -t 10.0.0.10:80 -s wrr\n",
		  "line 2: Service already exists" },
		{ "-a -t 10.0.0.10:80 -r 10.1.0.1:80 -g -w 1\n", "line 1: Service not defined" },
		{ "-A -t 10.0.0.10:80\n-a -t 10.0.0.10:80 -r 10.1.0.1 -m\n"
		  "-a -t 10.0.0.10:80 -r 10.1.0.1 -m\n", "line 3: Destination already exists" },
		{ "-A -t 10.0.0.10:80\n\n\n-d -t 10.0.0.10:80 -r 10.1.0.1\n",
		  "line 4: No such destination" },
		{ "-E -t 10.0.0.10:80 -s rr\n", "line 1: No such service" },
		{ "-A -t 10.0.0.10:80 -s sed\n", "line 1: scheduler 'sed' is an LVS scheduler" },
		{ "-A -f 10 -s rr\n", "line 1: firewall-mark services" },
		{ "-A -t [2001:db8::1 -s rr\n", "line 1: illegal virtual server address" },
		{ "-A -t fd00::10:80 -s rr\n", "line 1: mgw needs a service port" },
		{ "-A -t [fd00::10]:80 -s rr\n-a -t [fd00::10]:80 -r [fd00::1]:80 -g -w 1\n"
		  "-a -t [fd00::10]:80 -r [fd00::2]:80 -m -w 1\n",
		  "line 3: real server [fd00::2]:80: forwarding -m (nat) does not match service "
		  "TCP [fd00::10]:80, which forwards by -g (dr)" },
		{ "-A -t [fd00::10]:80 -s rr\n-A -t [fd00:0::10]:80 -s wrr\n",
		  "line 2: Service already exists" },
		{ "-A -f 10 -6 -s rr\n", "line 1: firewall-mark services" },
		{ "-A -t 10.0.0.10:80 -s rr -o\n", "line 1: one-packet scheduling" },
		{ "-A -t 10.0.0.10:80 -s rr --pe sip\n", "line 1: persistence engines" },
		{ "-L -n\n", "line 1: the 'list' command is not allowed in a restore" },
		{ "-S\n", "line 1: the 'save' command is not allowed in a restore" },
		{ "-R\n", "line 1: the 'restore' command is not allowed in a restore" },
		{ "--set 1 2 3\n", "line 1: the 'set' command is not allowed in a restore" },
		{ "--start-daemon master\n", "line 1: --start-daemon: mgw's session sync" },
		{ "-A -t 10.0.0.10:80 --api http://x\n", "line 1: --api is not allowed in a restore" },
		{ "-A -t 10.0.0.10:80 -s rr\nhello world\n",
		  "line 2: no command given" },
		{ "-A -t 10.0.0.10:80 -s rr\n-s rr -A -t 10.0.0.11:80\n",
		  "line 2: the command (-A -E -D -C -a -e -d -L -Z -S -R --set) must come first" },
		{ "-A -t 10.0.0.10:80 -s rr -w 3\n", "line 1: Illegal 'weight' option" },
		{ "-A -t 10.0.0.10\n", "line 1: mgw needs a service port" },
		{ "-A -t 10.0.0.10:80 extra\n", "line 1: unexpected argument extra" },
		{ NULL, NULL },
	};

	(void)state;
	for (int i = 0; t[i].text; i++) {
		json_t *services = J("[{'proto': 'udp', 'vip': '1.1.1.1', 'port': 53, "
				     "'health': {'type': 'udp'}}]");
		json_t *before = json_deep_copy(services);
		int rc = restore(t[i].text, services);

		if (rc == 0)
			fail_msg("case %d accepted", i);
		if (!strstr(err, t[i].want))
			fail_msg("case %d: '%s' lacks '%s'", i, err, t[i].want);
		if (!json_equal(services, before))
			fail_msg("case %d: services changed", i);
		json_decref(before);
		json_decref(services);
	}
}

/* -R adds to what is there (like ipvsadm -R), keeping fields it does not
 * know (health, sorry server) untouched. */
static void test_on_top_of_existing(void **state)
{
	json_t *services = J("[{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, "
			     "'scheduler': 'rr', 'forward': 'fullnat', 'persistence_s': 0, "
			     "'persistence_mask': '255.255.255.255', 'on_down': 'reset', "
			     "'health': {'type': 'http', 'path': '/ok'}, "
			     "'servers': [{'ip': '10.1.0.11', 'port': 8080, 'weight': 1, "
			     "'drain': false}]}]");
	char *out;

	(void)state;
	assert_int_equal(restore("-a -t 10.0.0.10:80 -r 10.1.0.12:8080 -b -w 2\n"
				 "-a -t 10.0.0.10:80 -r 10.1.0.13:8080 -w 3\n"
				 "-A -u 10.0.0.10:53 -s rr\n", services), 0);
	out = save(services, 0);
	assert_string_equal(out,
		"-A -t 10.0.0.10:80 -s rr\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.11:8080 -b -w 1\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.12:8080 -b -w 2\n"
		"-a -t 10.0.0.10:80 -r 10.1.0.13:8080 -b -w 3\n"
		"-A -u 10.0.0.10:53 -s rr\n");
	free(out);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(services, 0), "health"), "path")), "/ok");
	assert_string_equal(json_string_value(json_object_get(json_array_get(services, 0),
							      "on_down")), "reset");
	/* a dr server cannot join a fullnat service that has servers */
	assert_int_equal(restore("-a -t 10.0.0.10:80 -r 10.1.0.14:80 -g -w 1\n", services),
			 -EINVAL);
	assert_non_null(strstr(err, "line 1: real server 10.1.0.14:80: forwarding -g (dr)"));
	json_decref(services);
}

static void test_save_malformed(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[{'proto': 'tcp', 'vip': 'x', 'port': 80}]",
		"[{'proto': 'tcp', 'vip': '1.2.3.4', 'port': 80, 'forward': 'teleport'}]",
		"[{'proto': 'tcp', 'vip': '1.2.3.4', 'port': 80, 'servers': [{'port': 1}]}]",
		NULL,
	};

	(void)state;
	for (int i = 0; bad[i]; i++) {
		json_t *j = J(bad[i]);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (adm_save_render(f, j, 0) != -EBADMSG)
			fail_msg("malformed %d accepted", i);
		fclose(f);
		free(buf);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_json_mapping),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_edits_in_dump),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_on_top_of_existing),
		cmocka_unit_test(test_save_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
