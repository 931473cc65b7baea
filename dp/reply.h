/* dp/reply.h — packets mgw answers with on its own: TCP resets, ICMP
 * "port unreachable" and "fragmentation needed".
 *
 * A new connection to a service with no usable server is refused at once
 * (TCP RST, or ICMP port unreachable for UDP), so the client fails fast
 * instead of waiting for a timeout; a session whose server went down is
 * reset on its next packet when its service says `on_down: reset` (IPVS's
 * expire_nodest_conn, with resets so both ends learn it now).
 *
 * Pure builders: they read the offending frame (parsed by dp/pkt.h) and
 * write a new frame into a caller's buffer — Ethernet type, IPv4 and the
 * L4 header, checksums complete; the MACs are left to the sender. */
#ifndef MGW_DP_REPLY_H
#define MGW_DP_REPLY_H

#include <stdint.h>

#include "dp/pkt.h"

/* Bytes of the offending packet an ICMP error quotes: the whole error
 * stays within 576 bytes (RFC 1812 4.3.2.3). */
#define DP_REPLY_QUOTE_MAX (576 - 20 - 8)
#define DP_REPLY_RST_LEN   (DP_ETH_HLEN + 20 + 20)
#define DP_REPLY_MAX       (DP_ETH_HLEN + 20 + 8 + DP_REPLY_QUOTE_MAX)

/* A TCP segment with no payload: src:sport → dst:dport (network order),
 * seq and ack in host order. Writes DP_REPLY_RST_LEN bytes. */
uint32_t dp_reply_tcp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		      uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl);

/* The reset that answers TCP segment p, from its destination back to its
 * sender (RFC 793 3.4 "Reset Generation": seq from the segment's ACK if it
 * has one, else seq 0 and ACK of everything it occupied, SYN and FIN
 * included). p must carry its TCP header (not a later fragment). */
uint32_t dp_reply_rst_back(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			   uint8_t ttl);

/* The reset that p's receiver would get had p's sender reset instead of
 * sending p (which is not delivered): p's own seq and ack, RST|ACK, with
 * the addresses given — those of the other side of the translation. */
uint32_t dp_reply_rst_on(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			 uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t ttl);

/* ICMP destination unreachable (code) from src to p's sender, quoting p's
 * IPv4 header and as much of what follows as fits DP_REPLY_QUOTE_MAX.
 * out must hold DP_REPLY_MAX bytes. Returns the frame length. */
uint32_t dp_reply_unreach(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			  uint8_t code, uint32_t src, uint8_t ttl);

/* The same with code "fragmentation needed and DF set" and the next-hop
 * MTU (RFC 1191 4) in its header: what a DF packet too big for a tunnel
 * gets back. */
uint32_t dp_reply_frag_needed(uint8_t *out, const uint8_t *frame, const struct dp_pkt *p,
			      uint16_t mtu, uint32_t src, uint8_t ttl);

#endif
