/*
 * adm/keepalived: IPv6 in a keepalived.conf import — virtual_server,
 * real_server, sorry_server and group entries on IPv6 addresses (as
 * keepalived writes them: "virtual_server fd00::10 80"), canonical in the
 * JSON, NAT64 (a v6 VIP with v4 servers) passed on for mgw to judge; what
 * is not imported (v6 ranges, a v6 persistence granularity other than 128,
 * v6 local addresses) refused by line. The IPv4 shapes are e2e keepalived's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "adm/adm.h"

/* Import text as a file; *diag gets what the import said (malloc'ed). */
static int import(const char *text, json_t **out, char **diag)
{
	char path[] = "/tmp/test_adm_ka.XXXXXX", err[ADM_ERR_LEN];
	struct adm_ka_conf *conf = NULL;
	size_t len = 0;
	FILE *d = open_memstream(diag, &len);
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0 && d);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = adm_ka_read(path, &conf, err, sizeof(err));
	if (rc < 0)
		fail_msg("read: %s", err);
	rc = adm_ka_import(conf, out, d);
	fclose(d);
	adm_ka_free(conf);
	unlink(path);
	return rc;
}

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

static void test_ipv6_import(void **state)
{
	static const char conf[] =
		"virtual_server FD00:0::10 80 {\n"
		"    lb_algo rr\n"
		"    lb_kind FNAT\n"
		"    persistence_timeout 60\n"
		"    persistence_granularity 128\n"
		"    sorry_server fd00::99 80\n"
		"    real_server fd00:1::11 8080 {\n"
		"        weight 2\n"
		"    }\n"
		"    real_server fd00:1:0::12 8080 {\n"
		"    }\n"
		"}\n"
		"virtual_server 2001:db8::1 443 {\n"
		"    lb_kind FNAT\n"
		"    real_server 10.1.0.11 443 {\n"
		"    }\n"
		"}\n"
		"virtual_server_group g6 {\n"
		"    fd00::20 53\n"
		"}\n"
		"virtual_server group g6 {\n"
		"    protocol UDP\n"
		"    lb_kind NAT\n"
		"    real_server fd00:1::11 53 {\n"
		"    }\n"
		"}\n";
	json_t *out = NULL, *want;
	char *diag = NULL;

	(void)state;
	if (import(conf, &out, &diag) != 0)
		fail_msg("refused: %s", diag);
	assert_string_equal(diag, "");
	want = J("{'services': ["
		 "{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'scheduler': 'rr', "
		 "'forward': 'fullnat', 'persistence_s': 60, "
		 "'sorry_server': {'ip': 'fd00::99', 'port': 80}, 'health': {'type': 'none'}, "
		 "'servers': [{'ip': 'fd00:1::11', 'port': 8080, 'weight': 2}, "
		 "{'ip': 'fd00:1::12', 'port': 8080, 'weight': 1}]}, "
		 "{'proto': 'tcp', 'vip': '2001:db8::1', 'port': 443, 'scheduler': 'wlc', "
		 "'forward': 'fullnat', 'health': {'type': 'none'}, "
		 "'servers': [{'ip': '10.1.0.11', 'port': 443, 'weight': 1}]}, "
		 "{'proto': 'udp', 'vip': 'fd00::20', 'port': 53, 'scheduler': 'wlc', "
		 "'forward': 'nat', 'health': {'type': 'none'}, "
		 "'servers': [{'ip': 'fd00:1::11', 'port': 53, 'weight': 1}]}]}");
	if (!json_equal(out, want)) {
		char *got = json_dumps(out, JSON_INDENT(1));

		fail_msg("got %s", got);
	}
	json_decref(want);
	json_decref(out);
	free(diag);
}

static void test_ipv6_refused(void **state)
{
	static const struct {
		const char *conf, *want;
	} t[] = {
		{ "virtual_server_group g {\n  fd00::20-21 53\n}\n"
		  "virtual_server group g {\n  real_server fd00::1 53 {\n  }\n}\n",
		  ":2: fd00::20-21: 'fd00::20-21': IPv6 ranges are not imported" },
		{ "virtual_server fd00::10 80 {\n  persistence_granularity 64\n}\n",
		  ":2: persistence_granularity: '64': mgw keeps an IPv6 service's clients "
		  "persistent per address (128) only" },
		{ "virtual_server fd00::10 80 {\n  persistence_granularity 255.255.255.0\n}\n",
		  "persistent per address (128) only" },
		{ "virtual_server fd00::zz 80 {\n}\n",
		  ":1: virtual_server: 'fd00::zz' is not an IPv4 or IPv6 address" },
		{ "virtual_server fd00::10 80 {\n  real_server [fd00::1] 80 {\n  }\n}\n",
		  ":2: real_server: takes an IPv4 or IPv6 address and a port" },
		{ "virtual_server fd00::10 80 {\n  sorry_server fd00::1:80\n}\n",
		  ":2: sorry_server: takes an IPv4 or IPv6 address and a port" },
		{ "local_address_group l {\n  fd00:1::100\n}\n"
		  "virtual_server fd00::10 80 {\n  lb_kind FNAT\n  laddr_group_name l\n}\n",
		  ":2: fd00:1::100: IPv6 local addresses are not imported" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *out = NULL;
		char *diag = NULL;

		if (import(t[i].conf, &out, &diag) != -EINVAL)
			fail_msg("case %zu accepted", i);
		assert_null(out);
		if (!strstr(diag, t[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, diag, t[i].want);
		free(diag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_import),
		cmocka_unit_test(test_ipv6_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
