/* dp/toa.h — TOA, the TCP option that carries the client's address to a
 * server behind FULLNAT (Alibaba's LVS and DPVS; the server's toa.ko reads
 * it when the handshake's ACK creates the socket, and from the first data
 * segments): kind 254, length 8, the client's port and IPv4 address in
 * network order. */
#ifndef MGW_DP_TOA_H
#define MGW_DP_TOA_H

#include <stdint.h>
#include <string.h>

#define DP_TOA_KIND 254
#define DP_TOA_LEN  8

static inline void dp_toa_opt(uint8_t out[DP_TOA_LEN], uint32_t ip, uint16_t port)
{
	out[0] = DP_TOA_KIND;
	out[1] = DP_TOA_LEN;
	memcpy(out + 2, &port, 2);
	memcpy(out + 4, &ip, 4);
}

#endif
