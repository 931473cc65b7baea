/* dp/rewrite.h — in-place address/port rewriting with incremental checksums
 * (RFC 1624). Pure functions over the frame bytes parsed by dp/pkt.h. */
#ifndef MGW_DP_REWRITE_H
#define MGW_DP_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/addr6.h"
#include "dp/csum.h"
#include "dp/pkt.h"

/* Rewrite source and destination address and port (all network order) of
 * the parsed packet, fixing the IPv4 header checksum and, when this packet
 * carries the L4 header, the TCP/UDP checksum (pseudo-header + ports). A
 * UDP checksum of 0 (none) stays 0. Non-first fragments get only their
 * addresses changed: their L4 checksum lives in the first fragment. The
 * parse result is updated to match. */
void dp_rw_addrs(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport);

/* dp_rw_addrs and dp_rw_ttl_dec in one: what a forwarded packet
 * gets, with one update of the header checksum. The TTL must be > 1. */
void dp_rw_forward(uint8_t *frame, struct dp_pkt *p, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport);

/* The same for IPv6, forwarding: source and destination (16 bytes each)
 * and ports, the hop limit decremented (it must be > 1), the TCP/UDP
 * checksum kept right (no header checksum in IPv6). A later fragment gets
 * its addresses only. */
void dp_rw_forward6(uint8_t *frame, struct dp_pkt *p, const uint8_t *src, uint16_t sport,
		    const uint8_t *dst, uint16_t dport);

/* Decrement the TTL of the IPv4 header at `ip` and fix its checksum.
 * Returns the new TTL. */
static inline uint8_t dp_rw_ttl_dec(uint8_t *ip)
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
