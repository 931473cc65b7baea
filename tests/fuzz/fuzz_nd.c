/* libFuzzer target: neighbour discovery (dp/nd.c) behind the IPv6 parser.
 * The input is an Ethernet frame; whatever passes as an NS is answered, and
 * the answer must itself pass as the NA for the same target. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "dp/nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t out[DP_ND_FRAME_LEN];
	struct dp_pkt6 p, q;
	struct dp_nd nd, na;
	enum dp_drop why;
	uint32_t n;

	if (size < DP_ETH_HLEN || size > 2048)
		return 0;
	if (dp_pkt_parse_ipv6(data, (uint32_t)size, DP_ETH_HLEN, &p, &why) < 0)
		return 0;
	if (dp_nd_parse(data, (uint32_t)size, &p, &nd, &why) < 0 || nd.type != DP_ICMP6_NS)
		return 0;
	n = dp_nd_build_reply(out, &nd, mac);
	assert(n <= sizeof(out));
	assert(dp_pkt_parse_ipv6(out, n, DP_ETH_HLEN, &q, &why) == 0);
	assert(dp_nd_parse(out, n, &q, &na, &why) == 0);
	assert(na.type == DP_ICMP6_NA && !memcmp(na.target, nd.target, 16));
	return 0;
}
