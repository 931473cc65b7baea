/* dp/addr6.h — how an IPv6 address rides through tables built for IPv4.
 *
 * The session table, the local-port allocator and its guards, the address
 * map, persistence and the per-client limits are keyed by 32-bit
 * addresses. An IPv6 address enters them as its handle: a 24-bit hash of
 * the 16 bytes inside 0.0.0.0/8, a block no IPv4 packet to a service may
 * come from (dp_martian drops it), so a v6 key never meets a v4 one.
 * Handles of different addresses may be equal: whatever finds something by
 * handle then compares the full address (the session's v6 half, the
 * snapshot's addrs6), so a collision costs a compare, never a wrong match.
 * The local addresses of one snapshot (v6 VIPs and local IPs) have
 * distinct handles: the control plane refuses a config where two collide
 * (one chance in ~16 million per pair).
 *
 * The function is fixed, not seeded: every node of a cluster computes the
 * same handle for an address (sync records carry full addresses; mh/sh
 * hash the handle and must choose alike on every node). An attacker who
 * makes many addresses share a handle gains nothing: the tuple hash is
 * seeded per start, so they share buckets only with the same ports too,
 * and a bucket holds eight. */
#ifndef MGW_DP_ADDR6_H
#define MGW_DP_ADDR6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The handle of a (network order, 16-byte) IPv6 address, in network byte
 * order: first octet 0, never 0.0.0.0. */
static inline uint32_t dp_ip6_handle(const uint8_t a[16])
{
	uint64_t hi, lo, h;
	uint32_t v;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	/* every input bit reaches the top 24 through a shift down and a
	 * multiply up (a multiply alone only carries bits upwards) */
	h = hi * 0x9e3779b97f4a7c15ULL + lo;
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	v = (uint32_t)(h >> 40) & 0xffffffu;
	if (!v)
		v = 1;
	return __builtin_bswap32(v);
}

/* Is a (network order) IPv4-keyed value a v6 handle? */
static inline int dp_is_ip6_handle(uint32_t ip_be)
{
	return (ip_be & 0xffu) == 0 && ip_be != 0;
}

/* ::ffff:a.b.c.d, RFC 4291's IPv4-mapped form (NAT64's IPv4 side). */
static inline bool dp_ip6_mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = { [10] = 0xff, [11] = 0xff };

	return !__builtin_memcmp(a, pre, 12);
}

static inline void dp_ip6_map4(uint8_t *a, uint32_t ip4)
{
	static const uint8_t pre[12] = { [10] = 0xff, [11] = 0xff };

	__builtin_memcpy(a, pre, 12);
	__builtin_memcpy(a + 12, &ip4, 4);
}

/* Is a in prefix/bits? */
static inline bool dp_ip6_in_prefix(const uint8_t *a, const uint8_t *prefix, unsigned bits)
{
	if (__builtin_memcmp(a, prefix, bits / 8))
		return false;
	return bits % 8 == 0 ||
	       ((a[bits / 8] ^ prefix[bits / 8]) & (0xff00u >> (bits % 8)) & 0xff) == 0;
}

#endif
