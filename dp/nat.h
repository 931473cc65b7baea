/* dp/nat.h — in-place address/port rewriting with incremental checksums
 * (RFC 1624). Pure functions over the frame bytes parsed by dp/pkt.h. */
#ifndef MGW_DP_NAT_H
#define MGW_DP_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/csum.h"
#include "dp/pkt.h"

/* Rewrite source and destination address and port (all network order) of
 * the parsed packet, fixing the IPv4 header checksum and, when this packet
 * carries the L4 header, the TCP/UDP checksum (pseudo-header + ports). A
 * UDP checksum of 0 (none) stays 0. Non-first fragments get only their
 * addresses changed: their L4 checksum lives in the first fragment. The
 * parse result is updated to match. */
void dp_nat_rewrite(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport);

/* dp_nat_rewrite and dp_nat_ttl_dec in one: what a forwarded packet
 * gets, with one update of the header checksum. The TTL must be > 1. */
void dp_nat_forward(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport);

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

/* Decrement the TTL of the IPv4 header at `ip` and fix its checksum.
 * Returns the new TTL. */
static inline uint8_t dp_nat_ttl_dec(uint8_t *ip)
{
	uint8_t w[2] = { ip[8], ip[9] };     /* TTL and protocol share a word */
	uint16_t hc, old, new_;

	/* The new word is made in a register: reading it back from memory
	 * right after a one-byte store stalls store-to-load forwarding. */
	__builtin_memcpy(&hc, ip + 10, 2);
	__builtin_memcpy(&old, w, 2);
	w[0]--;
	__builtin_memcpy(&new_, w, 2);
	hc = dp_csum_update16(hc, old, new_);
	ip[8] = w[0];
	__builtin_memcpy(ip + 10, &hc, 2);
	return w[0];
}

#endif
