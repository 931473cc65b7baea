/* Unit tests: PROXY protocol headers (dp/proxy.c) against the examples of
 * HAProxy's specification (proxy-protocol.txt): the v1 line for TCP4 and
 * TCP6 (its longest forms), the v2 block for TCP and UDP over IPv4 and
 * IPv6, and what v1 cannot say. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dp/proxy.h"

static void addr4(struct dp_proxy_addr *a, const char *s, unsigned sp, const char *d,
		  unsigned dp, int dgram)
{
	struct in_addr x, y;

	assert_int_equal(inet_pton(AF_INET, s, &x), 1);
	assert_int_equal(inet_pton(AF_INET, d, &y), 1);
	dp_proxy_addr4(a, x.s_addr, htons((uint16_t)sp), y.s_addr, htons((uint16_t)dp), dgram);
}

static void addr6(struct dp_proxy_addr *a, const char *s, unsigned sp, const char *d,
		  unsigned dp)
{
	memset(a, 0, sizeof(*a));
	a->family = DP_PROXY_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, a->src), 1);
	assert_int_equal(inet_pton(AF_INET6, d, a->dst), 1);
	a->sport = htons((uint16_t)sp);
	a->dport = htons((uint16_t)dp);
}

static void test_v1_spec_examples(void **state)
{
	static const char ex[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	static const char max4[] = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
	static const char max6[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	uint8_t out[DP_PROXY_MAX];
	struct dp_proxy_addr a;

	(void)state;
	addr4(&a, "192.168.0.1", 56324, "192.168.0.11", 443, 0);
	assert_int_equal(dp_proxy_v1(out, &a), (int)strlen(ex));
	assert_memory_equal(out, ex, strlen(ex));
	assert_int_equal(dp_proxy_len(1, &a), (int)strlen(ex));
	addr4(&a, "255.255.255.255", 65535, "255.255.255.255", 65535, 0);
	assert_int_equal(dp_proxy_v1(out, &a), 56);   /* the spec: 56 chars for TCP4 at most */
	assert_memory_equal(out, max4, 56);
	addr4(&a, "0.0.0.0", 0, "10.0.0.1", 1, 0);
	assert_int_equal(dp_proxy_v1(out, &a), (int)strlen("PROXY TCP4 0.0.0.0 10.0.0.1 0 1\r\n"));
	assert_memory_equal(out, "PROXY TCP4 0.0.0.0 10.0.0.1 0 1\r\n", 33);
	/* IPv6: the same encoder, its family's text */
	addr6(&a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	assert_int_equal(dp_proxy_v1(out, &a), 104);  /* the spec: 104 chars for TCP6 */
	assert_memory_equal(out, max6, 104);
	assert_true(104 <= DP_PROXY_V1_MAX);
	addr6(&a, "2001:db8::1", 80, "fd00:1::a", 8080);
	{
		static const char e[] = "PROXY TCP6 2001:db8:0:0:0:0:0:1 fd00:1:0:0:0:0:0:a 80 8080\r\n";
		struct in6_addr chk;

		assert_int_equal(dp_proxy_v1(out, &a), (int)strlen(e));
		assert_memory_equal(out, e, strlen(e));
		/* the full form is what every parser reads back */
		assert_int_equal(inet_pton(AF_INET6, "2001:db8:0:0:0:0:0:1", &chk), 1);
		assert_memory_equal(&chk, a.src, 16);
	}
	/* v1 has no UDP */
	addr4(&a, "1.2.3.4", 1, "5.6.7.8", 2, 1);
	assert_int_equal(dp_proxy_v1(out, &a), -EINVAL);
	a.dgram = 0;
	a.family = 5;
	assert_int_equal(dp_proxy_v1(out, &a), -EINVAL);
	assert_int_equal(dp_proxy_v2(out, &a), -EINVAL);
}

static void test_v2_tcp_udp(void **state)
{
	static const uint8_t tcp4[28] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		192, 168, 0, 1, 192, 168, 0, 11, 0xdc, 0x04, 0x01, 0xbb,
	};
	uint8_t out[DP_PROXY_MAX];
	struct dp_proxy_addr a;

	(void)state;
	addr4(&a, "192.168.0.1", 56324, "192.168.0.11", 443, 0);
	assert_int_equal(dp_proxy_v2(out, &a), 28);
	assert_memory_equal(out, tcp4, 28);
	assert_int_equal(dp_proxy_len(2, &a), 28);
	/* UDP over IPv4: family/protocol byte 0x12 */
	addr4(&a, "192.168.0.1", 56324, "192.168.0.11", 443, 1);
	assert_int_equal(dp_proxy_v2(out, &a), 28);
	assert_int_equal(out[13], 0x12);
	assert_memory_equal(out + 16, tcp4 + 16, 12);
	/* IPv6: 0x21, a 36-byte block */
	addr6(&a, "2001:db8::1", 1234, "2001:db8::2", 443);
	assert_int_equal(dp_proxy_v2(out, &a), 52);
	assert_int_equal(out[12], 0x21);
	assert_int_equal(out[13], 0x21);
	assert_int_equal(out[14], 0);
	assert_int_equal(out[15], 36);
	assert_memory_equal(out + 16, a.src, 16);
	assert_memory_equal(out + 32, a.dst, 16);
	assert_int_equal(out[48] << 8 | out[49], 1234);
	assert_int_equal(out[50] << 8 | out[51], 443);
	assert_int_equal(dp_proxy_len(2, &a), 52);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_spec_examples),
		cmocka_unit_test(test_v2_tcp_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
