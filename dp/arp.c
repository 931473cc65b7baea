/* dp/arp.c — ARP parse/answer/ask (see arp.h). */
#include <errno.h>
#include <string.h>

#include "dp/arp.h"
#include "dp/pkt.h"

#define ARP_LEN 28

int dp_arp_parse(const uint8_t *frame, uint32_t len, struct dp_arp *a, enum dp_drop *why)
{
	const uint8_t *m = frame + DP_ETH_HLEN;

	if (len < DP_ETH_HLEN + ARP_LEN) {
		*why = DP_DROP_ARP_BAD;
		return -EBADMSG;
	}
	/* Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses only. */
	if (dp_get_u16(m) != 1 || dp_get_u16(m + 2) != DP_ETH_P_IPV4 || m[4] != 6 ||
	    m[5] != 4) {
		*why = DP_DROP_ARP_BAD;
		return -EBADMSG;
	}
	a->op = dp_get_u16(m + 6);
	if (a->op != DP_ARP_REQUEST && a->op != DP_ARP_REPLY) {
		*why = DP_DROP_ARP_BAD;
		return -EBADMSG;
	}
	memcpy(a->sha, m + 8, 6);
	memcpy(&a->spa, m + 14, 4);
	memcpy(a->tha, m + 18, 6);
	memcpy(&a->tpa, m + 24, 4);
	return 0;
}

static void arp_fill(uint8_t *f, const uint8_t *eth_dst, const uint8_t *mac, uint16_t op,
		     uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *m = f + DP_ETH_HLEN;

	memcpy(f, eth_dst, 6);
	memcpy(f + 6, mac, 6);
	dp_put_u16(f + 12, DP_ETH_P_ARP);
	dp_put_u16(m, 1);
	dp_put_u16(m + 2, DP_ETH_P_IPV4);
	m[4] = 6;
	m[5] = 4;
	dp_put_u16(m + 6, op);
	memcpy(m + 8, mac, 6);
	memcpy(m + 14, &spa, 4);
	memcpy(m + 18, tha, 6);
	memcpy(m + 24, &tpa, 4);
	memset(m + ARP_LEN, 0, DP_ARP_FRAME_LEN - DP_ETH_HLEN - ARP_LEN);
}

uint32_t dp_arp_make_reply(uint8_t *frame, uint32_t len, const struct dp_arp *req,
			   const uint8_t mac[6])
{
	struct dp_arp r = *req;   /* req may point into frame */

	(void)len;
	arp_fill(frame, r.sha, mac, DP_ARP_REPLY, r.tpa, r.sha, r.spa);
	return DP_ARP_FRAME_LEN;
}

uint32_t dp_arp_build_request(uint8_t *buf, const uint8_t mac[6], uint32_t spa, uint32_t tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];

	arp_fill(buf, bcast, mac, DP_ARP_REQUEST, spa, zero, tpa);
	return DP_ARP_FRAME_LEN;
}

uint32_t dp_arp_build_gratuitous(uint8_t *buf, const uint8_t mac[6], uint32_t ip, uint16_t op)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];

	arp_fill(buf, bcast, mac, op, ip, op == DP_ARP_REPLY ? bcast : zero, ip);
	return DP_ARP_FRAME_LEN;
}
