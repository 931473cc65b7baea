/*
 * adm/list: -L output rendered from fixed API JSON and compared with the
 * exact text ipvsadm prints for the same table (header lines, column
 * widths, trailing spaces, K/M/G/T suffixes, sort order); -L -t, -c,
 * --timeout; malformed answers refused.
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

/* JSON written with ' for " (readable in C). */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t e;
	json_t *j;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("fixture: %s at %d:%d", e.text, e.line, e.column);
	free(s);
	return j;
}

/* GET /services as the API answers (in no particular order). */
static const char services_json[] =
	"["
	"{'proto': 'udp', 'vip': '10.0.0.10', 'port': 53, 'scheduler': 'rr', "
	"'forward': 'dr', 'persistence_s': 0, 'persistence_mask': '255.255.255.255', "
	"'mh_port': false, 'servers': [{'ip': '10.1.0.22', 'port': 53, 'weight': 1, "
	"'drain': false, 'status': 'up', 'conns': 7, 'active_conns': 0, 'inactive_conns': 7, "
	"'pkts_in': 7, 'pkts_out': 7, 'bytes_in': 512, 'bytes_out': 1024}, "
	"{'ip': '10.1.0.21', 'port': 53, 'weight': 1, 'drain': false, 'status': 'up', "
	"'conns': 3, 'active_conns': 0, 'inactive_conns': 3, 'pkts_in': 3, 'pkts_out': 3, "
	"'bytes_in': 300, 'bytes_out': 600}], 'conns': 10, 'pkts_in': 10, 'pkts_out': 10, "
	"'bytes_in': 812, 'bytes_out': 1624}, "
	"{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 443, 'scheduler': 'wrr', "
	"'forward': 'dr', 'persistence_s': 1800, 'persistence_mask': '255.255.255.255', "
	"'mh_port': false, 'servers': [{'ip': '10.1.0.12', 'port': 443, 'weight': 0, "
	"'drain': false, 'status': 'disabled', 'conns': 0, 'active_conns': 0, "
	"'inactive_conns': 0, 'pkts_in': 0, 'pkts_out': 0, 'bytes_in': 0, 'bytes_out': 0}, "
	"{'ip': '10.1.0.11', 'port': 443, 'weight': 10, 'drain': false, 'status': 'up', "
	"'conns': 123456789, 'active_conns': 123, 'inactive_conns': 4567, "
	"'pkts_in': 987654321, 'pkts_out': 99999999999, 'bytes_in': 123456789012345, "
	"'bytes_out': 999999999999999}], 'conns': 123456789, 'pkts_in': 987654321, "
	"'pkts_out': 99999999999, 'bytes_in': 123456789012345, "
	"'bytes_out': 999999999999999}, "
	"{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'wlc', "
	"'forward': 'nat', 'persistence_s': 0, 'persistence_mask': '255.255.255.255', "
	"'mh_port': false, 'servers': [{'ip': '10.1.0.11', 'port': 8080, 'weight': 100, "
	"'drain': false, 'u_threshold': 1000, 'l_threshold': 800, 'status': 'up', "
	"'conns': 17, 'active_conns': 5, 'inactive_conns': 12, 'pkts_in': 170, "
	"'pkts_out': 160, 'bytes_in': 17000, 'bytes_out': 160000}, {'ip': '10.1.0.9', "
	"'port': 8080, 'weight': 50, 'drain': false, 'status': 'up', 'conns': 0, "
	"'active_conns': 0, 'inactive_conns': 0, 'pkts_in': 0, 'pkts_out': 0, 'bytes_in': 0, "
	"'bytes_out': 0}], 'conns': 17, 'pkts_in': 170, 'pkts_out': 160, 'bytes_in': 17000, "
	"'bytes_out': 160000}, "
	"{'proto': 'tcp', 'vip': '10.0.0.20', 'port': 3306, 'scheduler': 'lc', "
	"'forward': 'tunnel', 'persistence_s': 300, 'persistence_mask': '255.255.255.0', "
	"'mh_port': false, 'servers': [{'ip': '10.1.0.31', 'port': 3306, 'weight': 1, "
	"'drain': false, 'status': 'up', 'conns': 1, 'active_conns': 1, 'inactive_conns': 0, "
	"'pkts_in': 1, 'pkts_out': 1, 'bytes_in': 60, 'bytes_out': 60}], 'conns': 1, "
	"'pkts_in': 1, 'pkts_out': 1, 'bytes_in': 60, 'bytes_out': 60}, "
	"{'proto': 'tcp', 'vip': '10.0.0.30', 'port': 8080, 'scheduler': 'mh', "
	"'forward': 'fullnat', 'persistence_s': 0, 'persistence_mask': '255.255.255.255', "
	"'mh_port': true, 'servers': [{'ip': '10.1.0.41', 'port': 8080, 'weight': 65535, "
	"'drain': true, 'status': 'draining', 'conns': 2, 'active_conns': 1, "
	"'inactive_conns': 0, 'pkts_in': 20, 'pkts_out': 30, 'bytes_in': 2000, "
	"'bytes_out': 30000}], 'conns': 2, 'pkts_in': 20, 'pkts_out': 30, 'bytes_in': 2000, "
	"'bytes_out': 30000}, "
	"{'proto': 'tcp', 'vip': '9.0.0.1', 'port': 25, 'scheduler': 'sh', "
	"'forward': 'fullnat', 'persistence_s': 0, 'persistence_mask': '255.255.255.255', "
	"'mh_port': false, 'servers': [], 'conns': 0, 'pkts_in': 0, 'pkts_out': 0, "
	"'bytes_in': 0, 'bytes_out': 0}"
	"]";

/* GET /stats: rates for two services (the rest have none); the API's
 * bps_in/bps_out are bits per second, ipvsadm's InBPS/OutBPS bytes. */
static const char stats_json[] =
	"{'totals': {'rx_pkts': 1}, 'services': [{'proto': 'tcp', 'vip': '10.0.0.10', "
	"'port': 80, 'conns': 17, 'rate': {'cps': 12, 'pps_in': 340, 'pps_out': 320, "
	"'bps_in': 170000, 'bps_out': 1600000000}, 'servers': [{'ip': '10.1.0.11', "
	"'port': 8080, 'rate': {'cps': 12, 'pps_in': 340, 'pps_out': 320, 'bps_in': 170000, "
	"'bps_out': 1600000000}}, {'ip': '10.1.0.9', 'port': 8080, 'rate': {'cps': 0, "
	"'pps_in': 0, 'pps_out': 0, 'bps_in': 0, 'bps_out': 0}}]}, {'proto': 'udp', "
	"'vip': '10.0.0.10', 'port': 53, 'rate': {'cps': 5, 'pps_in': 5.7, 'pps_out': 5, "
	"'bps_in': 400, 'bps_out': 800}, 'servers': [{'ip': '10.1.0.21', 'port': 53, "
	"'rate': {'cps': 2, 'pps_in': 2, 'pps_out': 2, 'bps_in': 160, 'bps_out': 320}}]}]}";

static const char want_plain[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port Scheduler Flags\n"
	"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	"TCP  9.0.0.1:25 sh\n"
	"TCP  10.0.0.10:80 wlc\n"
	"  -> 10.1.0.9:8080                Masq    50     0          0         \n"
	"  -> 10.1.0.11:8080               Masq    100    5          12        \n"
	"TCP  10.0.0.10:443 wrr persistent 1800\n"
	"  -> 10.1.0.11:443                Route   10     123        4567      \n"
	"  -> 10.1.0.12:443                Route   0      0          0         \n"
	"TCP  10.0.0.20:3306 lc persistent 300 mask 255.255.255.0\n"
	"  -> 10.1.0.31:3306               Tunnel  1      1          0         \n"
	"TCP  10.0.0.30:8080 mh (mh-port)\n"
	"  -> 10.1.0.41:8080               FullNat 65535  1          0         \n"
	"UDP  10.0.0.10:53 rr\n"
	"  -> 10.1.0.21:53                 Route   1      0          3         \n"
	"  -> 10.1.0.22:53                 Route   1      0          7         \n";

static const char want_stats[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
	"  -> RemoteAddress:Port\n"
	"TCP  9.0.0.1:25                          0        0        0        0        0\n"
	"TCP  10.0.0.10:80                       17      170      160    17000   160000\n"
	"  -> 10.1.0.9:8080                       0        0        0        0        0\n"
	"  -> 10.1.0.11:8080                     17      170      160    17000   160000\n"
	"TCP  10.0.0.10:443                 123456K  987654K   99999M     123T     999T\n"
	"  -> 10.1.0.11:443                 123456K  987654K   99999M     123T     999T\n"
	"  -> 10.1.0.12:443                       0        0        0        0        0\n"
	"TCP  10.0.0.20:3306                      1        1        1       60       60\n"
	"  -> 10.1.0.31:3306                      1        1        1       60       60\n"
	"TCP  10.0.0.30:8080                      2       20       30     2000    30000\n"
	"  -> 10.1.0.41:8080                      2       20       30     2000    30000\n"
	"UDP  10.0.0.10:53                       10       10       10      812     1624\n"
	"  -> 10.1.0.21:53                        3        3        3      300      600\n"
	"  -> 10.1.0.22:53                        7        7        7      512     1024\n";

static const char want_stats_exact[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
	"  -> RemoteAddress:Port\n"
	"TCP  9.0.0.1:25                          0        0        0        0        0\n"
	"TCP  10.0.0.10:80                       17      170      160    17000   160000\n"
	"  -> 10.1.0.9:8080                       0        0        0        0        0\n"
	"  -> 10.1.0.11:8080                     17      170      160    17000   160000\n"
	"TCP  10.0.0.10:443                123456789 987654321 99999999999 123456789012345 999999999999999\n"
	"  -> 10.1.0.11:443                123456789 987654321 99999999999 123456789012345 999999999999999\n"
	"  -> 10.1.0.12:443                       0        0        0        0        0\n"
	"TCP  10.0.0.20:3306                      1        1        1       60       60\n"
	"  -> 10.1.0.31:3306                      1        1        1       60       60\n"
	"TCP  10.0.0.30:8080                      2       20       30     2000    30000\n"
	"  -> 10.1.0.41:8080                      2       20       30     2000    30000\n"
	"UDP  10.0.0.10:53                       10       10       10      812     1624\n"
	"  -> 10.1.0.21:53                        3        3        3      300      600\n"
	"  -> 10.1.0.22:53                        7        7        7      512     1024\n";

static const char want_rate[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
	"  -> RemoteAddress:Port\n"
	"TCP  9.0.0.1:25                          0        0        0        0        0\n"
	"TCP  10.0.0.10:80                       12      340      320    21250  200000K\n"
	"  -> 10.1.0.9:8080                       0        0        0        0        0\n"
	"  -> 10.1.0.11:8080                     12      340      320    21250  200000K\n"
	"TCP  10.0.0.10:443                       0        0        0        0        0\n"
	"  -> 10.1.0.11:443                       0        0        0        0        0\n"
	"  -> 10.1.0.12:443                       0        0        0        0        0\n"
	"TCP  10.0.0.20:3306                      0        0        0        0        0\n"
	"  -> 10.1.0.31:3306                      0        0        0        0        0\n"
	"TCP  10.0.0.30:8080                      0        0        0        0        0\n"
	"  -> 10.1.0.41:8080                      0        0        0        0        0\n"
	"UDP  10.0.0.10:53                        5        5        5       50      100\n"
	"  -> 10.1.0.21:53                        2        2        2       20       40\n"
	"  -> 10.1.0.22:53                        0        0        0        0        0\n";

static const char want_thresh[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
	"  -> RemoteAddress:Port\n"
	"TCP  9.0.0.1:25 sh\n"
	"TCP  10.0.0.10:80 wlc\n"
	"  -> 10.1.0.9:8080                0          0          0          0         \n"
	"  -> 10.1.0.11:8080               1000       800        5          12        \n"
	"TCP  10.0.0.10:443 wrr persistent 1800\n"
	"  -> 10.1.0.11:443                0          0          123        4567      \n"
	"  -> 10.1.0.12:443                0          0          0          0         \n"
	"TCP  10.0.0.20:3306 lc persistent 300 mask 255.255.255.0\n"
	"  -> 10.1.0.31:3306               0          0          1          0         \n"
	"TCP  10.0.0.30:8080 mh (mh-port)\n"
	"  -> 10.1.0.41:8080               0          0          1          0         \n"
	"UDP  10.0.0.10:53 rr\n"
	"  -> 10.1.0.21:53                 0          0          0          3         \n"
	"  -> 10.1.0.22:53                 0          0          0          7         \n";



/* Render to a string; *rc gets the renderer's result. */
static char *render_list(const json_t *services, const json_t *stats, unsigned fmt, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = adm_list_render(f, services, stats, fmt);
	fclose(f);
	return buf;
}

static void check_list(unsigned fmt, const char *want)
{
	json_t *svc = J(services_json), *st = J(stats_json);
	int rc;
	char *got = render_list(svc, st, fmt, &rc);

	assert_int_equal(rc, 0);
	if (strcmp(got, want) != 0)
		fail_msg("fmt %#x:\n--- got\n%s--- want\n%s", fmt, got, want);
	free(got);
	json_decref(svc);
	json_decref(st);
}

static void test_plain(void **state)
{
	(void)state;
	check_list(0, want_plain);
	/* -n changes nothing: numbers are all mgwadm prints */
	check_list(ADM_FMT_NUMERIC, want_plain);
}

static void test_stats(void **state)
{
	(void)state;
	check_list(ADM_FMT_STATS, want_stats);
	check_list(ADM_FMT_STATS | ADM_FMT_EXACT, want_stats_exact);
}

static void test_rate(void **state)
{
	(void)state;
	check_list(ADM_FMT_RATE | ADM_FMT_NUMERIC, want_rate);
}

static void test_thresholds(void **state)
{
	(void)state;
	check_list(ADM_FMT_THRESH, want_thresh);
}

/* -L -t: title and the one service, no version line. */
static void test_one_service(void **state)
{
	json_t *one = J("[{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'rr', "
			"'forward': 'fullnat', 'persistence_s': 0, 'servers': ["
			"{'ip': '10.1.0.11', 'port': 80, 'weight': 1, 'active_conns': 2, "
			"'inactive_conns': 1}]}]");
	int rc;
	char *got = render_list(one, NULL, ADM_FMT_ONE, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		"TCP  10.0.0.10:80 rr\n"
		"  -> 10.1.0.11:80                 FullNat 1      2          1         \n");
	free(got);
	json_decref(one);
}

/* IPv6 as ipvsadm prints it: "[v6]:port", IPv4 services first; NAT64's
 * v4 servers under a v6 VIP; no IPv4 mask shown for an IPv6 service. */
static const char services6_json[] =
	"[{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'scheduler': 'rr', 'forward': 'nat', "
	"'persistence_s': 0, 'conns': 3, 'pkts_in': 30, 'pkts_out': 20, 'bytes_in': 3000, "
	"'bytes_out': 2000, 'servers': [{'ip': 'fd00:1::12', 'port': 8080, 'weight': 2, "
	"'active_conns': 1, 'inactive_conns': 2, 'conns': 3}, {'ip': 'fd00:1::11', "
	"'port': 8080, 'weight': 1, 'u_threshold': 100}]}, "
	"{'proto': 'tcp', 'vip': '10.0.0.10', 'port': 80, 'scheduler': 'wlc', 'forward': 'nat', "
	"'servers': [{'ip': '10.1.0.11', 'port': 80, 'weight': 1}]}, "
	"{'proto': 'udp', 'vip': 'fd00::10', 'port': 53, 'scheduler': 'sh', "
	"'forward': 'fullnat', 'persistence_s': 300, 'persistence_mask': '255.255.255.255', "
	"'servers': [{'ip': '10.1.0.21', 'port': 5353, 'weight': 1}]}]";

static const char stats6_json[] =
	"{'services': [{'proto': 'tcp', 'vip': 'fd00::10', 'port': 80, 'rate': {'cps': 4, "
	"'pps_in': 40, 'pps_out': 30, 'bps_in': 8000, 'bps_out': 16000}, 'servers': ["
	"{'ip': 'fd00:1::12', 'port': 8080, 'rate': {'cps': 4, 'pps_in': 40, 'pps_out': 30, "
	"'bps_in': 8000, 'bps_out': 16000}}]}]}";

static void test_ipv6(void **state)
{
	static const struct {
		unsigned fmt;
		const char *want;
	} t[] = {
		{ ADM_FMT_NUMERIC,
		  "IP Virtual Server version 1.2.1 (size=4096)\n"
		  "Prot LocalAddress:Port Scheduler Flags\n"
		  "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		  "TCP  10.0.0.10:80 wlc\n"
		  "  -> 10.1.0.11:80                 Masq    1      0          0         \n"
		  "TCP  [fd00::10]:80 rr\n"
		  "  -> [fd00:1::11]:8080            Masq    1      0          0         \n"
		  "  -> [fd00:1::12]:8080            Masq    2      1          2         \n"
		  "UDP  [fd00::10]:53 sh persistent 300\n"
		  "  -> 10.1.0.21:5353               FullNat 1      0          0         \n" },
		{ ADM_FMT_STATS,
		  "IP Virtual Server version 1.2.1 (size=4096)\n"
		  "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
		  "  -> RemoteAddress:Port\n"
		  "TCP  10.0.0.10:80                        0        0        0        0        0\n"
		  "  -> 10.1.0.11:80                        0        0        0        0        0\n"
		  "TCP  [fd00::10]:80                       3       30       20     3000     2000\n"
		  "  -> [fd00:1::11]:8080                   0        0        0        0        0\n"
		  "  -> [fd00:1::12]:8080                   3        0        0        0        0\n"
		  "UDP  [fd00::10]:53                       0        0        0        0        0\n"
		  "  -> 10.1.0.21:5353                      0        0        0        0        0\n" },
		{ ADM_FMT_RATE,
		  "IP Virtual Server version 1.2.1 (size=4096)\n"
		  "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
		  "  -> RemoteAddress:Port\n"
		  "TCP  10.0.0.10:80                        0        0        0        0        0\n"
		  "  -> 10.1.0.11:80                        0        0        0        0        0\n"
		  "TCP  [fd00::10]:80                       4       40       30     1000     2000\n"
		  "  -> [fd00:1::11]:8080                   0        0        0        0        0\n"
		  "  -> [fd00:1::12]:8080                   4       40       30     1000     2000\n"
		  "UDP  [fd00::10]:53                       0        0        0        0        0\n"
		  "  -> 10.1.0.21:5353                      0        0        0        0        0\n" },
		{ ADM_FMT_THRESH,
		  "IP Virtual Server version 1.2.1 (size=4096)\n"
		  "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
		  "  -> RemoteAddress:Port\n"
		  "TCP  10.0.0.10:80 wlc\n"
		  "  -> 10.1.0.11:80                 0          0          0          0         \n"
		  "TCP  [fd00::10]:80 rr\n"
		  "  -> [fd00:1::11]:8080            100        0          0          0         \n"
		  "  -> [fd00:1::12]:8080            0          0          1          2         \n"
		  "UDP  [fd00::10]:53 sh persistent 300\n"
		  "  -> 10.1.0.21:5353               0          0          0          0         \n" },
	};
	json_t *services = J(services6_json), *stats = J(stats6_json);

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc;
		char *got = render_list(services, stats, t[i].fmt, &rc);

		assert_int_equal(rc, 0);
		if (strcmp(got, t[i].want) != 0)
			fail_msg("fmt %#x: got\n%s\nwant\n%s", t[i].fmt, got, t[i].want);
		free(got);
	}
	json_decref(stats);
	json_decref(services);
}

/* An address longer than ipvsadm's column widens it for the whole table:
 * the columns stay in line (ipvsadm's own lines would go ragged). */
static void test_ipv6_wide(void **state)
{
	json_t *services = J("[{'proto': 'tcp', 'vip': '2001:db8:1234:5678:9abc:def0:1234:1', "
			     "'port': 443, 'scheduler': 'rr', 'forward': 'fullnat', 'conns': 1, "
			     "'servers': [{'ip': '2001:db8:1234:5678:9abc:def0:1234:5678', "
			     "'port': 8443, 'weight': 1, 'conns': 1}, {'ip': 'fd00::1', "
			     "'port': 8443, 'weight': 1}]}, {'proto': 'udp', 'vip': '10.0.0.10', "
			     "'port': 53, 'scheduler': 'rr', 'forward': 'fullnat', 'servers': "
			     "[{'ip': '10.1.0.11', 'port': 53, 'weight': 1}]}]");
	int rc;
	char *got = render_list(services, NULL, 0, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port                            Forward Weight ActiveConn InActConn\n"
		"UDP  10.0.0.10:53 rr\n"
		"  -> 10.1.0.11:53                                  FullNat 1      0          0         \n"
		"TCP  [2001:db8:1234:5678:9abc:def0:1234:1]:443 rr\n"
		"  -> [2001:db8:1234:5678:9abc:def0:1234:5678]:8443 FullNat 1      0          0         \n"
		"  -> [fd00::1]:8443                                FullNat 1      0          0         \n");
	free(got);
	got = render_list(services, NULL, ADM_FMT_STATS, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port                                Conns   InPkts  OutPkts  InBytes OutBytes\n"
		"  -> RemoteAddress:Port\n"
		"UDP  10.0.0.10:53                                         0        0        0        0        0\n"
		"  -> 10.1.0.11:53                                         0        0        0        0        0\n"
		"TCP  [2001:db8:1234:5678:9abc:def0:1234:1]:443            1        0        0        0        0\n"
		"  -> [2001:db8:1234:5678:9abc:def0:1234:5678]:8443        1        0        0        0        0\n"
		"  -> [fd00::1]:8443                                       0        0        0        0        0\n");
	free(got);
	json_decref(services);
}

/* An empty table; --nosort keeps the API's order. */
static void test_empty_and_nosort(void **state)
{
	json_t *none = J("[]");
	json_t *two = J("[{'proto': 'udp', 'vip': '10.0.0.1', 'port': 53, 'scheduler': 'rr', "
			"'servers': [{'ip': '10.1.0.3', 'port': 53, 'weight': 1}, "
			"{'ip': '10.1.0.2', 'port': 53, 'weight': 2}]}, "
			"{'proto': 'tcp', 'vip': '10.0.0.1', 'port': 80, 'scheduler': 'rr', "
			"'servers': []}]");
	int rc;
	char *got = render_list(none, NULL, 0, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	free(got);
	got = render_list(two, NULL, ADM_FMT_NOSORT, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
		"UDP  10.0.0.1:53 rr\n"
		"  -> 10.1.0.3:53                  FullNat 1      0          0         \n"
		"  -> 10.1.0.2:53                  FullNat 2      0          0         \n"
		"TCP  10.0.0.1:80 rr\n");
	free(got);
	json_decref(none);
	json_decref(two);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[1]",
		"[{'proto': 'sctp', 'vip': '10.0.0.1', 'port': 1}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.300', 'port': 1}]",
		"[{'proto': 'tcp', 'vip': 'fd00::zz', 'port': 1}]",
		"[{'proto': 'tcp', 'vip': '[fd00::1]', 'port': 1}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.1', 'port': 70000}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.1'}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.1', 'port': 1, 'servers': {}}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.1', 'port': 1, 'servers': [{'ip': 5}]}]",
		"[{'proto': 'tcp', 'vip': '10.0.0.1', 'port': 1, 'servers': [{'ip': '1.2.3.4', "
		"'port': 'x'}]}]",
		NULL,
	};

	(void)state;
	for (int i = 0; bad[i]; i++) {
		json_t *j = J(bad[i]);
		int rc;
		char *got = render_list(j, NULL, 0, &rc);

		if (rc != -EBADMSG)
			fail_msg("malformed %d: rc %d", i, rc);
		free(got);
		json_decref(j);
	}
}

static void test_largenum(void **state)
{
	static const struct {
		unsigned long long v;
		unsigned fmt;
		const char *want;
	} t[] = {
		{ 0, 0, "        0" },
		{ 99999999, 0, " 99999999" },
		{ 100000000, 0, "  100000K" },
		{ 999999999, 0, "  999999K" },
		{ 1000000000, 0, "    1000M" },
		{ 99999999999ULL, 0, "   99999M" },
		{ 100000000000ULL, 0, "     100G" },
		{ 99999999999999ULL, 0, "   99999G" },
		{ 100000000000000ULL, 0, "     100T" },
		{ 18446744073709551615ULL, 0, "18446744T" },
		{ 12345678, ADM_FMT_EXACT, " 12345678" },
		{ 123456789, ADM_FMT_EXACT, " 123456789" },
		{ 18446744073709551615ULL, ADM_FMT_EXACT, " 18446744073709551615" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		adm_print_largenum(f, t[i].v, t[i].fmt);
		fclose(f);
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("%llu: got '%s' want '%s'", t[i].v, buf, t[i].want);
		free(buf);
	}
}

/* -L -c: ipvsadm -L -c -n's layout from GET /sessions. */
static void test_connections(void **state)
{
	json_t *s = J("{'total': 3, 'sessions': ["
		      "{'proto': 'tcp', 'client': '10.0.0.1:54321', 'vip': '10.0.0.10:80', "
		      "'local': '10.1.0.100:1026', 'server': '10.1.0.11:8080', "
		      "'state': 'ESTABLISHED', 'expires_ms': 899000, 'lcore': 1}, "
		      "{'proto': 'udp', 'client': '10.0.0.1:40000', 'vip': '10.0.0.10:53', "
		      "'local': '10.1.0.100:1027', 'server': '10.1.0.12:5353', "
		      "'state': 'UDP', 'expires_ms': 299999, 'lcore': 1}, "
		      "{'proto': 'tcp', 'client': '192.168.100.200:65535', "
		      "'vip': '203.0.113.250:65535', 'local': '10.1.0.100:1028', "
		      "'server': '198.51.100.254:65535', 'state': 'FIN_WAIT', "
		      "'expires_ms': 6000000, 'lcore': 2}, "
		      "{'proto': 'tcp', 'client': '10.0.0.2:1234', 'vip': '10.0.0.10:80', "
		      "'local': '10.1.0.101:1029', 'server': '10.1.0.11:8080', "
		      "'state': 'ESTABLISHED', 'expires_ms': 60000, 'lcore': 0, "
		      "'foreign': true, 'owner': 2}]}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(adm_conn_render(f, s, ADM_FMT_NUMERIC), 0);
	fclose(f);
	assert_string_equal(buf,
		"IPVS connection entries\n"
		"pro expire state       source             virtual            destination\n"
		"TCP 14:59  ESTABLISHED 10.0.0.1:54321     10.0.0.10:80       10.1.0.11:8080\n"
		"UDP 04:59  UDP         10.0.0.1:40000     10.0.0.10:53       10.1.0.12:5353\n"
		"TCP 100:00 FIN_WAIT    192.168.100.200:65535 203.0.113.250:65535 "
		"198.51.100.254:65535\n"
		"TCP 01:00  ESTABLISHED 10.0.0.2:1234      10.0.0.10:80       10.1.0.11:8080"
		"  [synced from node 2]\n");
	free(buf);
	json_decref(s);

	/* IPv6 sessions: the API's "[v6]:port" strings, as ipvsadm prints them */
	s = J("{'total': 1, 'sessions': [{'proto': 'tcp', 'client': '[fd00::1]:5000', "
	      "'vip': '[fd00::10]:80', 'local': '[fd00:1::100]:1025', "
	      "'server': '[fd00:1::11]:8080', 'state': 'ESTABLISHED', 'expires_ms': 899000}]}");
	f = open_memstream(&buf, &len);
	assert_int_equal(adm_conn_render(f, s, ADM_FMT_NUMERIC), 0);
	fclose(f);
	assert_string_equal(buf,
		"IPVS connection entries\n"
		"pro expire state       source             virtual            destination\n"
		"TCP 14:59  ESTABLISHED [fd00::1]:5000     [fd00::10]:80      [fd00:1::11]:8080\n");
	free(buf);
	json_decref(s);

	s = J("{'sessions': [{'proto': 'tcp'}]}");
	f = open_memstream(&buf, &len);
	assert_int_equal(adm_conn_render(f, s, 0), -EBADMSG);
	fclose(f);
	free(buf);
	json_decref(s);
	s = J("{'total': 0}");
	f = open_memstream(&buf, &len);
	assert_int_equal(adm_conn_render(f, s, 0), -EBADMSG);
	fclose(f);
	free(buf);
	json_decref(s);
}

static void test_timeouts(void **state)
{
	json_t *c = J("{'timeouts': {'tcp_established_s': 900, 'tcp_syn_s': 30, "
		      "'tcp_fin_s': 60, 'udp_s': 300}}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(adm_timeout_render(f, c), 0);
	fclose(f);
	assert_string_equal(buf, "Timeout (tcp tcpfin udp): 900 60 300\n");
	free(buf);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_one_service),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_wide),
		cmocka_unit_test(test_empty_and_nosort),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_largenum),
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
