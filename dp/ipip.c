/* dp/ipip.c — IPv4-in-IPv4 and IPv6-in-IPv6 encapsulation (see ipip.h). */
#include <string.h>

#include "dp/csum.h"
#include "dp/ipip.h"
#include "dp/pkt.h"

void dp_ipip_header(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t payload_len,
		    uint16_t id, uint16_t frag, uint8_t ttl)
{
	uint16_t c;

	ip[0] = 0x45;
	ip[1] = 0;
	dp_put_u16(ip + 2, (uint16_t)(DP_IPIP_HLEN + payload_len));
	dp_put_u16(ip + 4, id);
	dp_put_u16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = DP_IPPROTO_IPIP;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = (uint16_t)~dp_csum_fold(dp_csum_partial20(ip));
	memcpy(ip + 10, &c, 2);
}

void dp_ipip_encap(uint8_t *frame, uint32_t src, uint32_t dst, uint16_t id, uint8_t ttl)
{
	const uint8_t *inner = frame + DP_ETH_HLEN + DP_IPIP_HLEN;

	dp_put_u16(frame + 12, DP_ETH_P_IPV4);
	dp_ipip_header(frame + DP_ETH_HLEN, src, dst, dp_get_u16(inner + 2), id,
		       dp_ipip_df(inner) ? 0x4000 : 0, ttl);
}

uint32_t dp_ipip_fragment(uint8_t *out, const uint8_t *inner, uint16_t inner_len, uint16_t off,
			  uint16_t chunk, uint32_t src, uint32_t dst, uint16_t id, uint8_t ttl)
{
	uint16_t n;
	bool more;

	if (off >= inner_len || chunk == 0)
		return 0;
	n = (uint16_t)(inner_len - off < chunk ? inner_len - off : chunk);
	more = off + n < inner_len;
	memset(out, 0, 12);
	dp_put_u16(out + 12, DP_ETH_P_IPV4);
	dp_ipip_header(out + DP_ETH_HLEN, src, dst, n, id,
		       (uint16_t)((more ? 0x2000 : 0) | (off >> 3)), ttl);
	memcpy(out + DP_ETH_HLEN + DP_IPIP_HLEN, inner + off, n);
	return DP_ETH_HLEN + DP_IPIP_HLEN + n;
}

void dp_ipip_encap6(uint8_t *frame, const uint8_t *src, const uint8_t *dst, uint8_t hop)
{
	const uint8_t *inner = frame + DP_ETH_HLEN + DP_IPIP6_HLEN;
	uint8_t tc = (uint8_t)(inner[0] << 4 | inner[1] >> 4);

	dp_put_u16(frame + 12, DP_ETH_P_IPV6);
	dp_put_ip6(frame + DP_ETH_HLEN, tc, (uint16_t)(DP_IP6_HLEN + dp_get_u16(inner + 4)),
		   DP_IPPROTO_IPV6, hop, src, dst);
}
