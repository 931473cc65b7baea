/* dp/proxy.h — the PROXY protocol header (HAProxy's specification,
 * versions 1 and 2) that tells a server behind FULLNAT who the client is.
 *
 * Version 1 is one text line ("PROXY TCP4 <src> <dst> <sport> <dport>\r\n"),
 * version 2 a binary block (12-byte signature, version/command, family,
 * length, then the address block). The address is one struct for both
 * families: IPv6 is a family of the same encoder (its address block and
 * text form), not another encoder.
 *
 * Pure functions: they write into a caller's buffer, no allocation. */
#ifndef MGW_DP_PROXY_H
#define MGW_DP_PROXY_H

#include <stdint.h>

#define DP_PROXY_V1_MAX 107      /* the spec's bound for a v1 line, CRLF included */
#define DP_PROXY_V2_MAX (16 + 36) /* header + the IPv6 address block */
#define DP_PROXY_MAX    DP_PROXY_V1_MAX

enum dp_proxy_family {
	DP_PROXY_INET = 4,
	DP_PROXY_INET6 = 6,
};

/* Who connected to whom. Addresses and ports in network order, as they sit
 * in the packet (IPv4: the first 4 bytes of src/dst). */
struct dp_proxy_addr {
	uint8_t family;       /* enum dp_proxy_family */
	uint8_t dgram;        /* UDP (v2 only; v1 has no form for it) */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* An IPv6 connection (16-byte addresses). */
static inline void dp_proxy_addr6(struct dp_proxy_addr *a, const uint8_t *src, uint16_t sport,
				  const uint8_t *dst, uint16_t dport, int dgram)
{
	__builtin_memset(a, 0, sizeof(*a));
	a->family = DP_PROXY_INET6;
	a->dgram = (uint8_t)(dgram != 0);
	__builtin_memcpy(a->src, src, 16);
	__builtin_memcpy(a->dst, dst, 16);
	a->sport = sport;
	a->dport = dport;
}

/* An IPv4 connection, from the session's client-side tuple. */
static inline void dp_proxy_addr4(struct dp_proxy_addr *a, uint32_t src, uint16_t sport,
				  uint32_t dst, uint16_t dport, int dgram)
{
	__builtin_memset(a, 0, sizeof(*a));
	a->family = DP_PROXY_INET;
	a->dgram = (uint8_t)(dgram != 0);
	__builtin_memcpy(a->src, &src, 4);
	__builtin_memcpy(a->dst, &dst, 4);
	a->sport = sport;
	a->dport = dport;
}

/* Write the header into out (DP_PROXY_MAX bytes); returns its length, or
 * -EINVAL (v1 cannot say UDP; unknown family). */
int dp_proxy_v1(uint8_t *out, const struct dp_proxy_addr *a);
int dp_proxy_v2(uint8_t *out, const struct dp_proxy_addr *a);

/* The header's length without writing it (a session's delta is known at
 * its SYN). */
int dp_proxy_len(int version, const struct dp_proxy_addr *a);

#endif
