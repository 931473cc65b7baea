/* dp/xlat64.h — IPv6 <-> IPv4 header translation for NAT64 (RFC 7915).
 *
 * NAT64 in mgw is FULLNAT with a v6 client side and v4 local IPs towards v4
 * servers: the session gives every address, so nothing here derives one
 * from an RFC 6052 prefix. Pure functions over byte buffers (no mbuf, no
 * EAL) so that the unit tests hold them to RFC 7915's rules and to a full
 * checksum recompute:
 *   - the IP header rebuilt for the other family; a fragment header from
 *     an IPv4 fragment and back; hop limit and TTL copied (the forwarding
 *     code decrements them as for any packet it routes);
 *   - TCP and UDP checksums adjusted for the pseudo-header's new addresses
 *     (lengths and protocol sum alike in both families); an IPv4 UDP
 *     datagram without a checksum gets one (IPv6 requires it);
 *   - ICMP echo and errors mapped type by type (RFC 7915 4.2 and 5.2),
 *     the MTU of "too big" moved by the header difference with IPv6's 1280
 *     minimum honoured, parameter-problem pointers mapped, and the packet
 *     quoted in an error translated too (header and its checksum); what has
 *     no counterpart (ND, MLD, redirects, source quench, ...) is refused;
 *     ICMP checksums recomputed (ICMPv6's covers a pseudo-header, ICMPv4's
 *     does not).
 * Ports are left as they are (the session's NAT rewrites them, in the
 * quote too), and so are ICMP fragments refused: their checksum can't be
 * redone without the whole message. A packet goes in parsed, at its IP
 * header, and comes out whole in `out`. */
#ifndef MGW_DP_XLAT64_H
#define MGW_DP_XLAT64_H

#include <stdint.h>

#include "dp/pkt.h"

#define DP_X64_MIN_MTU6 1280
/* Translated IPv4 packets over this get DF (RFC 7915 5.1: the IPv6 side
 * can't be asked to send smaller ones below 1280). */
#define DP_X64_DF_OVER  1260

/* Translate the IPv6 packet parsed in `p` (frame-relative offsets) to IPv4
 * from `src` to `dst` (network order); `ident` (host order) is the IPv4 identification
 * when the packet has no fragment header. Writes the IPv4 packet to out.
 * Returns its length, or -EMSGSIZE (cap too small), -EPROTONOSUPPORT (an
 * ICMPv6 message without an IPv4 counterpart, or a protocol other than
 * TCP, UDP and the family's ICMP: to drop), -EBADMSG (a quoted
 * packet too short to translate). */
int dp_x64_6to4(const uint8_t *frame, const struct dp_pkt6 *p, uint32_t src, uint32_t dst,
		uint16_t ident, uint8_t *out, uint32_t cap);

/* Translate the IPv4 packet parsed in `p` to IPv6 from `src` to `dst`.
 * Returns the IPv6 packet's length or the same errors, and -EINVAL for a
 * UDP fragment without a checksum (it can't be given one: RFC 7915 4.5). */
int dp_x64_4to6(const uint8_t *frame, const struct dp_pkt *p, const uint8_t *src,
		const uint8_t *dst, uint8_t *out, uint32_t cap);

/* An IPv6 packet of n bytes with a fragment header right after the fixed
 * one (what dp_x64_4to6 writes for an IPv4 fragment, or for a whole packet
 * parsed as DP_FRAG_FIRST: offset 0, M clear) and longer than mtu, cut in
 * two (RFC 7915 4: an IPv4 packet that may be fragmented is, rather than
 * dropped): pkt keeps the first part, up to the last 8-byte boundary that
 * fits, with M set (its length in *n1); out2 gets the rest behind copies
 * of both headers, its offset moved on and the original M flag. Returns
 * out2's length; -EINVAL when pkt is not such a packet, -EMSGSIZE when the
 * rest does not fit mtu or cap2 either. */
int dp_x64_split6(uint8_t *pkt, uint32_t n, uint32_t mtu, uint8_t *out2, uint32_t cap2,
		  uint32_t *n1);

#endif
