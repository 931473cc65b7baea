/* libFuzzer target: IPv6 parsing and NAT64 translation (dp/pkt.c,
 * dp/xlat64.c). The first byte picks the family and the output room; the
 * rest is an IP packet. Whatever parses is translated, quoted errors
 * included; a translation must fit the room it was given and itself parse
 * in the other family. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "dp/xlat64.h"

static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t B6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];
	enum dp_drop why;
	uint32_t cap, len;
	int n;

	if (size < 2 || size > 2048)
		return 0;
	cap = (uint32_t)(data[0] >> 1) * 32;
	len = (uint32_t)size - 1;
	if (data[0] & 1) {
		struct dp_pkt6 p;
		struct dp_pkt q;

		if (dp_pkt_parse_quote6(data + 1, len, &p, &why) == 0)
			assert(p.l4_off + p.l4_len <= len);
		if (dp_pkt_parse_ipv6(data + 1, len, 0, &p, &why) < 0)
			return 0;
		assert(p.l4_off + p.l4_len <= len);
		n = dp_x64_6to4(data + 1, &p, 0x0100000a, 0x0200000a, 1, out, cap);
		if (n < 0)
			return 0;
		assert((uint32_t)n <= cap);
		assert(dp_pkt_parse_ipv4(out, (uint32_t)n, 0, true, &q, &why) == 0);
	} else {
		struct dp_pkt p, q;
		struct dp_pkt6 p6;

		if (dp_pkt_parse_quote4(data + 1, len, &q, &why) == 0)
			assert(q.l4_off + q.l4_len <= len);
		if (dp_pkt_parse_ipv4(data + 1, len, 0, false, &p, &why) < 0)
			return 0;
		n = dp_x64_4to6(data + 1, &p, A6, B6, out, cap);
		if (n < 0)
			return 0;
		assert((uint32_t)n <= cap);
		assert(dp_pkt_parse_ipv6(out, (uint32_t)n, 0, &p6, &why) == 0);
	}
	return 0;
}
