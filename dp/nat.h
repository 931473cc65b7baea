/* dp/nat.h — LVS's NAT mode: what both of a NAT session's directions have
 * in common, so that either reaches the lcore that owns it (fwd.c forwards
 * NAT sessions; input.c and conn.c hand packets to the owner). */
#ifndef MGW_DP_NAT_H
#define MGW_DP_NAT_H

#include <stdint.h>

/* The lcore (0..n-1) that owns a NAT session. There is no LIP:lport to
 * encode an owner in (FULLNAT's way), and the rx hash of the client's
 * packets (client → VIP) and of the server's replies (server → client)
 * differ, so they land on unrelated lcores. What both directions carry is
 * the client's address and port (source of the one, destination of the
 * other): a hash of those names the owner, and either direction's packet
 * reaches it in at most one hand-over. */
static inline unsigned dp_nat_owner(uint32_t cip, uint16_t cport, unsigned n)
{
	uint64_t h = ((uint64_t)cip << 16 | cport) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(((h >> 32) * n) >> 32);
}

#endif
