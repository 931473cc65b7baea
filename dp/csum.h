/* dp/csum.h — Internet checksum helpers (RFC 1071) and incremental updates
 * (RFC 1624). Pure functions on byte buffers; no EAL needed.
 *
 * Values are taken and returned in network byte order exactly as they sit in
 * the packet: the one's-complement sum is byte-order independent as long as
 * both sides of an update use the same order. */
#ifndef MGW_DP_CSUM_H
#define MGW_DP_CSUM_H

#include <stdint.h>
#include <stddef.h>

/* Fold a 32-bit accumulator into 16 bits. */
static inline uint16_t dp_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* One's-complement sum of a buffer, in the byte order of the buffer: 32
 * bits at a time into 64 (a 32-bit word is congruent to the sum of its two
 * halves modulo 0xffff), folded back to at most 17 bits so that callers
 * may go on adding to it. */
static inline uint32_t dp_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;

	while (len >= 4) {
		uint32_t w;
		__builtin_memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		__builtin_memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		__builtin_memcpy(&w, p, 1);
		s += w;
	}
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* The same for the 20 bytes of an IPv4 header without options. */
static inline uint32_t dp_csum_partial20(const uint8_t *p)
{
	uint32_t w[5];
	uint64_t s;

	__builtin_memcpy(w, p, 20);
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* Full checksum of a buffer (what goes into a header's checksum field). */
static inline uint16_t dp_csum(const void *buf, size_t len)
{
	return (uint16_t)~dp_csum_fold(dp_csum_partial(buf, len, 0));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field change. */
static inline uint16_t dp_csum_update16(uint16_t hc, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~old;
	sum += new_;
	return (uint16_t)~dp_csum_fold(sum);
}

/* The same for a 32-bit field (an IPv4 address), as two 16-bit halves. */
static inline uint16_t dp_csum_update32(uint16_t hc, uint32_t old, uint32_t new_)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~(old & 0xffff);
	sum += (uint16_t)~(old >> 16);
	sum += new_ & 0xffff;
	sum += new_ >> 16;
	return (uint16_t)~dp_csum_fold(sum);
}

/* The one's-complement sum of the IPv6 pseudo-header (RFC 8200 8.1:
 * source, destination, upper-layer length, next header), to start an
 * upper-layer checksum from. */
static inline uint32_t dp_csum_pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t len,
				       uint8_t nh)
{
	uint8_t t[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len, 0, 0, 0, nh };

	return dp_csum_partial(t, 8, dp_csum_partial(dst, 16, dp_csum_partial(src, 16, 0)));
}

#endif
