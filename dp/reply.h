/* dp/reply.h — packets mgw answers with on its own: TCP resets, ICMP
 * "port unreachable" and "fragmentation needed" (ICMPv6: port
 * unreachable and Packet Too Big).
 *
 * A new connection to a service with no usable server is refused at once
 * (TCP RST, or ICMP port unreachable for UDP), so the client fails fast
 * instead of waiting for a timeout; a session whose server went down is
 * reset on its next packet when its service says `on_down: reset` (IPVS's
 * expire_nodest_conn, with resets so both ends learn it now).
 *
 * Pure builders: they read the offending frame (parsed by dp/pkt.h) and
 * write a new frame into a caller's buffer — Ethernet type, IPv4 or IPv6
 * and the L4 header, checksums complete; the MACs are left to the sender.
 * The TCP reset is one builder for both families. */
#ifndef MGW_DP_REPLY_H
#define MGW_DP_REPLY_H

#include <stdint.h>

#include "dp/pkt.h"

/* Bytes of the offending packet an ICMP error quotes: the whole error
 * stays within 576 bytes (RFC 1812 4.3.2.3). */
#define DP_REPLY_QUOTE_MAX (576 - 20 - 8)
#define DP_REPLY_RST_LEN   (DP_ETH_HLEN + 20 + 20)
#define DP_REPLY_MAX       (DP_ETH_HLEN + 20 + 8 + DP_REPLY_QUOTE_MAX)
#define DP_REPLY_RST6_LEN  (DP_ETH_HLEN + DP_IP6_HLEN + 20)
/* An ICMPv6 error quotes what fits the same buffer (well within RFC
 * 4443's 1280). */
#define DP_REPLY_QUOTE6_MAX (DP_REPLY_MAX - DP_ETH_HLEN - DP_IP6_HLEN - 8)

/* A TCP segment with no payload: src:sport → dst:dport (network order),
 * seq and ack in host order. Writes DP_REPLY_RST_LEN bytes. */
uint32_t dp_reply_tcp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		      uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl);
/* The same over IPv6 (16-byte addresses, hop limit hop):
 * DP_REPLY_RST6_LEN bytes. */
uint32_t dp_reply_tcp6(uint8_t *out, const uint8_t *src, uint16_t sport, const uint8_t *dst,
		       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint8_t hop);

/* The reset that answers TCP segment p, from its destination back to its
 * sender (RFC 793 3.4 "Reset Generation": seq from the segment's ACK if it
 * has one, else seq 0 and ACK of everything it occupied, SYN and FIN
 * included). p must carry its TCP header (not a later fragment). An IPv6
 * p (p->a6) gets an IPv6 reset, ttl its hop limit. */
uint32_t dp_reply_rst_back(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint8_t ttl);

/* The reset that p's receiver would get had p's sender reset instead of
 * sending p (which is not delivered): p's own seq and ack, RST|ACK, with
 * the addresses given — those of the other side of the translation. */
uint32_t dp_reply_rst_on(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			 uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t ttl);
/* The same to IPv6 addresses (p of either family: NAT64 resets across). */
uint32_t dp_reply_rst_on6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			  const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
			  uint8_t hop);

/* ICMP destination unreachable (code) from src to p's sender, quoting p's
 * IPv4 header and as much of what follows as fits DP_REPLY_QUOTE_MAX.
 * out must hold DP_REPLY_MAX bytes. Returns the frame length. */
uint32_t dp_reply_unreach(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			  uint8_t code, uint32_t src, uint8_t ttl);
/* ICMPv6 destination unreachable (RFC 4443 3.1: code 4, port
 * unreachable) from IPv6 p's destination to its sender, quoting up to
 * DP_REPLY_QUOTE6_MAX bytes of it. */
uint32_t dp_reply_unreach6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint8_t code, uint8_t hop);

/* ICMPv6 Packet Too Big (RFC 4443 3.2) with this MTU, from IPv6 p's
 * destination to its sender, quoting as dp_reply_unreach6: what an IPv6
 * packet too big for a tunnel gets back. */
uint32_t dp_reply_too_big6(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint32_t mtu, uint8_t hop);

/* The same with code "fragmentation needed and DF set" and the next-hop
 * MTU (RFC 1191 4) in its header: what a DF packet too big for a tunnel
 * gets back. */
uint32_t dp_reply_frag_needed(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			      uint16_t mtu, uint32_t src, uint8_t ttl);

#endif
