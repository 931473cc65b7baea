/* tests/unit/sum6_test.h — the ICMPv6 checksum computed the slow way, for
 * tests to check what the code under test computed its own way. */
#ifndef MGW_TESTS_SUM6_TEST_H
#define MGW_TESTS_SUM6_TEST_H

#include <stdint.h>
#include <string.h>

/* ip: an IPv6 header without extension headers, upper-layer protocol nh
 * behind it: 16-bit words of the pseudo-header and the message,
 * end-around carries at the end. */
static inline uint16_t sum6_slow_nh(const uint8_t *ip, uint8_t nh)
{
	uint32_t n = (uint32_t)ip[4] << 8 | ip[5], s = 0;
	uint8_t ph[40 + 2048];

	memcpy(ph, ip + 8, 32);
	ph[32] = 0;
	ph[33] = 0;
	ph[34] = (uint8_t)(n >> 8);
	ph[35] = (uint8_t)n;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nh;
	memcpy(ph + 40, ip + 40, n);
	if (n & 1)
		ph[40 + n] = 0;
	for (uint32_t i = 0; i < 40 + n; i += 2)
		s += (uint32_t)ph[i] << 8 | ph[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;   /* 0xffff when the checksum is right */
}

/* The same for ICMPv6. */
static inline uint16_t sum6_slow(const uint8_t *ip)
{
	return sum6_slow_nh(ip, 58);
}

#endif
