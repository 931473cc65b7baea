/* dp/nd.h — IPv6 neighbour discovery (RFC 4861) for our own addresses, the
 * IPv6 counterpart of dp/arp.h: parse neighbour solicitations and
 * advertisements (with the RFC's validity checks), answer, ask, announce.
 * Pure functions over frame bytes; router solicitations, advertisements
 * and redirects are recognised so the caller can ignore them (a load
 * balancer takes its routes from its config and its routing speakers). */
#ifndef MGW_DP_ND_H
#define MGW_DP_ND_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/pkt.h"
#include "dp/stats.h"

#define DP_ICMP6_RS 133
#define DP_ICMP6_RA 134
#define DP_ICMP6_NS 135
#define DP_ICMP6_NA 136
#define DP_ICMP6_REDIRECT 137

/* NA flags, in the message's first 32-bit word (host order here) */
#define DP_ND_NA_ROUTER    0x80000000u
#define DP_ND_NA_SOLICITED 0x40000000u
#define DP_ND_NA_OVERRIDE  0x20000000u

/* What we send: Ethernet + IPv6 + the 24-byte message + one 8-byte
 * link-layer address option (none in a DAD probe). */
#define DP_ND_FRAME_LEN (DP_ETH_HLEN + DP_IP6_HLEN + 24 + 8)

struct dp_nd {
	uint8_t type;          /* DP_ICMP6_NS or DP_ICMP6_NA */
	uint32_t flags;        /* NA: DP_ND_NA_* as sent; NS: 0 */
	uint8_t src[16], dst[16];
	uint8_t target[16];
	bool has_lladdr;       /* NS: source, NA: target link-layer address */
	uint8_t lladdr[6];
	uint8_t eth_src[6];
};

/* Parse the NS or NA in frame (parsed as IPv6 into p, proto ICMPv6) and
 * check it as RFC 4861 7.1.1/7.1.2 says: hop limit 255, not a fragment
 * (RFC 6980), the ICMPv6 checksum, code 0, at least 24 bytes, a target
 * that is not multicast, options each of non-zero length and inside the
 * message, a source that is not multicast; an NS from the unspecified
 * address (a DAD probe) goes to a solicited-node address and carries no
 * source link-layer option; an NA to a multicast address is not
 * solicited. 0; -ENOMSG for another ICMPv6 type (RS, RA and redirects
 * among them: not for us to act on); or -EBADMSG with *why DP_DROP_ND_BAD
 * (DP_DROP_ICMP_CSUM for the checksum). */
int dp_nd_parse(const uint8_t *frame, uint32_t len, const struct dp_pkt6 *p, struct dp_nd *nd,
		enum dp_drop *why);

/* The solicited-node multicast address of ip (ff02::1:ffXX:XXXX, its low
 * 24 bits) and the Ethernet multicast address of any IPv6 multicast
 * address (33:33 and its low 32 bits, RFC 2464 7). */
void dp_nd_solicited_node(const uint8_t ip[16], uint8_t out[16]);
void dp_nd_mcast_mac(const uint8_t ip6[16], uint8_t mac[6]);

/* Build into buf (DP_ND_FRAME_LEN bytes at least) our answer to the NS
 * `ns` for our address ns->target at mac: solicited and override, to the
 * asker (its link-layer option, else its Ethernet source); to all nodes,
 * not solicited, when the NS was a DAD probe (RFC 4861 7.2.4). Returns the
 * frame's length. */
uint32_t dp_nd_build_reply(uint8_t *buf, const struct dp_nd *ns, const uint8_t mac[6]);

/* An NS for target from src (ours) at mac, to target's solicited-node
 * address; src all zeros makes it a DAD probe (no link-layer option). */
uint32_t dp_nd_build_solicit(uint8_t *buf, const uint8_t mac[6], const uint8_t src[16],
			     const uint8_t target[16]);

/* An unsolicited NA (override, to all nodes) saying target is at mac: the
 * IPv6 form of a gratuitous ARP (RFC 4861 7.2.6), sent on taking an
 * address over. */
uint32_t dp_nd_build_announce(uint8_t *buf, const uint8_t mac[6], const uint8_t target[16]);

#endif
