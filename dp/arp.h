/* dp/arp.h — ARP for IPv4 over Ethernet (RFC 826): parse, answer, ask.
 * Pure functions over frame bytes. */
#ifndef MGW_DP_ARP_H
#define MGW_DP_ARP_H

#include <stdint.h>

#include "dp/stats.h"

#define DP_ARP_REQUEST 1
#define DP_ARP_REPLY   2
/* A frame we build is padded to the Ethernet minimum (without FCS). */
#define DP_ARP_FRAME_LEN 60

struct dp_arp {
	uint16_t op;
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa;     /* network order */
};

/* Parse the ARP message of an Ethernet frame. 0, or -EBADMSG (*why). */
int dp_arp_parse(const uint8_t *frame, uint32_t len, struct dp_arp *a, enum dp_drop *why);

/* Turn the request in `frame` into our reply in place: we (mac) own the
 * target address. Returns the frame length to send. */
uint32_t dp_arp_make_reply(uint8_t *frame, uint32_t len, const struct dp_arp *req,
			   const uint8_t mac[6]);

/* Build a broadcast request "who has tpa, tell spa" into buf (at least
 * DP_ARP_FRAME_LEN bytes). Returns the frame length. */
uint32_t dp_arp_build_request(uint8_t *buf, const uint8_t mac[6], uint32_t spa, uint32_t tpa);

/* Build a gratuitous ARP (op DP_ARP_REQUEST or DP_ARP_REPLY, broadcast)
 * announcing that ip is at mac: hosts that know ip update their caches.
 * Both forms are sent, as some stacks heed only one. */
uint32_t dp_arp_build_gratuitous(uint8_t *buf, const uint8_t mac[6], uint32_t ip, uint16_t op);

#endif
