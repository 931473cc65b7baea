/* dp/toa.h — TOA, the TCP option that carries the client's address to a
 * server behind FULLNAT (Alibaba's LVS and DPVS; the server's toa.ko reads
 * it when the handshake's ACK creates the socket, and from the first data
 * segments): kind 254, length 8, the client's port and IPv4 address in
 * network order. An IPv6 client's (FULLNAT v6 and NAT64 alike): kind 254,
 * length 20, the port and the 16-byte address — the layout of DPVS's and
 * the toa.ko builds that read IPv6 (TCPOPT_ADDR, TCPOLEN_ADDR_V6). */
#ifndef MGW_DP_TOA_H
#define MGW_DP_TOA_H

#include <stdint.h>
#include <string.h>

#define DP_TOA_KIND 254
#define DP_TOA_LEN  8
#define DP_TOA6_LEN 20

/* The option for a client at ip (IPv4: ip6 NULL) or ip6, written at out
 * (DP_TOA6_LEN bytes of room); its length. */
static inline uint32_t dp_toa_opt(uint8_t *out, uint32_t ip, const uint8_t *ip6, uint16_t port)
{
	uint32_t n = ip6 ? DP_TOA6_LEN : DP_TOA_LEN;

	out[0] = DP_TOA_KIND;
	out[1] = (uint8_t)n;
	memcpy(out + 2, &port, 2);
	if (ip6)
		memcpy(out + 4, ip6, 16);
	else
		memcpy(out + 4, &ip, 4);
	return n;
}

#endif
