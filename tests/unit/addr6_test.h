/* tests/unit/addr6_test.h — two IPv6 addresses whose handles
 * (dp/addr6.h) are equal, for tests that a collision of handles never
 * makes two addresses one. */
#ifndef MGW_TESTS_ADDR6_TEST_H
#define MGW_TESTS_ADDR6_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp/addr6.h"

/* Two addresses of fd00:1::/64 whose handles collide, found by search
 * (24-bit handles: a few thousand tries by the birthday bound); false
 * when none of 65535 collide. */
static inline bool addr6_colliding_pair(uint8_t a[16], uint8_t b[16])
{
	enum { N = 1 << 16 };
	static uint32_t seen[1 << 24 >> 5];   /* a bit per handle */
	static uint32_t who[N];

	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 1; i < N; i++) {
		uint8_t x[16] = { 0xfd, 0, 0, 1 };
		uint32_t h;

		x[14] = (uint8_t)(i >> 8);
		x[15] = (uint8_t)i;
		h = __builtin_bswap32(dp_ip6_handle(x));
		who[i] = h;
		if (seen[h >> 5] & 1u << (h & 31)) {
			for (uint32_t k = 1; k < i; k++)
				if (who[k] == h) {
					memcpy(a, x, 16);
					a[14] = (uint8_t)(k >> 8);
					a[15] = (uint8_t)k;
					memcpy(b, x, 16);
					return true;
				}
		}
		seen[h >> 5] |= 1u << (h & 31);
	}
	return false;
}

#endif
