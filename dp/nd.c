/* dp/nd.c — neighbour discovery parse/answer/ask/announce (see nd.h). */
#include <errno.h>
#include <string.h>

#include "dp/bytes.h"
#include "dp/csum.h"
#include "dp/nd.h"

#define ND_MSG_LEN   24   /* type, code, checksum, flags/reserved, target */
#define OPT_SRC_LL   1
#define OPT_TGT_LL   2

static const uint8_t all_nodes[16] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t unspecified[16];
/* ff02::1:ff00:0/104 */
static const uint8_t sol_node[13] = { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

static bool is_solicited_node(const uint8_t *a)
{
	return !memcmp(a, sol_node, sizeof(sol_node));
}

static int bad(enum dp_drop *why, enum dp_drop w)
{
	*why = w;
	return -EBADMSG;
}

int dp_nd_parse(const uint8_t *frame, uint32_t len, const struct dp_pkt6 *p, struct dp_nd *nd,
		enum dp_drop *why)
{
	const uint8_t *m = frame + p->l4_off, *o;
	uint32_t n = p->l4_len, left;
	bool from_unspec;

	if (p->proto != DP_IPPROTO_ICMPV6 || n < 4 || (uint32_t)p->l4_off + n > len)
		return bad(why, DP_DROP_ND_BAD);
	if (m[0] != DP_ICMP6_NS && m[0] != DP_ICMP6_NA)
		return -ENOMSG;
	/* hop limit 255: it came from this link, no router forwarded it */
	if (p->hop_limit != 255 || p->frag != DP_FRAG_NONE || m[1] != 0 || n < ND_MSG_LEN)
		return bad(why, DP_DROP_ND_BAD);
	if (dp_csum_fold(dp_csum_partial(m, n, dp_csum_pseudo6(p->src, p->dst, n,
							       DP_IPPROTO_ICMPV6))) != 0xffff)
		return bad(why, DP_DROP_ICMP_CSUM);
	memset(nd, 0, sizeof(*nd));
	nd->type = m[0];
	memcpy(nd->src, p->src, 16);
	memcpy(nd->dst, p->dst, 16);
	memcpy(nd->target, m + 8, 16);
	memcpy(nd->eth_src, frame + 6, 6);
	/* a multicast target, or a multicast source (no packet has one,
	 * RFC 4291 2.7: the answer would go back to a group) */
	if (nd->target[0] == 0xff || nd->src[0] == 0xff)
		return bad(why, DP_DROP_ND_BAD);
	if (nd->type == DP_ICMP6_NA) {
		nd->flags = dp_get_u32(m + 4) &
			    (DP_ND_NA_ROUTER | DP_ND_NA_SOLICITED | DP_ND_NA_OVERRIDE);
		if (nd->dst[0] == 0xff && (nd->flags & DP_ND_NA_SOLICITED))
			return bad(why, DP_DROP_ND_BAD);
	}
	from_unspec = !memcmp(nd->src, unspecified, 16);
	if (nd->type == DP_ICMP6_NS && from_unspec && !is_solicited_node(nd->dst))
		return bad(why, DP_DROP_ND_BAD);
	/* the options: type, length in 8-byte units (0 is invalid: a loop) */
	for (o = m + ND_MSG_LEN, left = n - ND_MSG_LEN; left;) {
		uint32_t olen;

		if (left < 2 || o[1] == 0 || (olen = (uint32_t)o[1] * 8) > left)
			return bad(why, DP_DROP_ND_BAD);
		if (olen == 8 && o[0] == (nd->type == DP_ICMP6_NS ? OPT_SRC_LL : OPT_TGT_LL)) {
			nd->has_lladdr = true;
			memcpy(nd->lladdr, o + 2, 6);
		}
		o += olen;
		left -= olen;
	}
	/* a DAD probe has no address to be reached at yet */
	if (nd->type == DP_ICMP6_NS && from_unspec && nd->has_lladdr)
		return bad(why, DP_DROP_ND_BAD);
	return 0;
}

void dp_nd_solicited_node(const uint8_t ip[16], uint8_t out[16])
{
	memcpy(out, sol_node, sizeof(sol_node));
	memcpy(out + 13, ip + 13, 3);
}

void dp_nd_mcast_mac(const uint8_t ip6[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, ip6 + 12, 4);
}

/* One message with an optional link-layer option (opt 0: none). */
static uint32_t nd_fill(uint8_t *f, const uint8_t *eth_dst, const uint8_t *mac,
			const uint8_t *src, const uint8_t *dst, uint8_t type, uint32_t flags,
			const uint8_t *target, uint8_t opt)
{
	uint8_t *ip = f + DP_ETH_HLEN, *m = ip + DP_IP6_HLEN;
	uint32_t n = ND_MSG_LEN + (opt ? 8u : 0u);
	uint16_t c;

	memcpy(f, eth_dst, 6);
	memcpy(f + 6, mac, 6);
	dp_put_u16(f + 12, DP_ETH_P_IPV6);
	dp_put_ip6(ip, 0, (uint16_t)n, DP_IPPROTO_ICMPV6, 255, src, dst);
	m[0] = type;
	m[1] = 0;
	memset(m + 2, 0, 2);
	dp_put_u32(m + 4, flags);
	memcpy(m + 8, target, 16);
	if (opt) {
		m[24] = opt;
		m[25] = 1;
		memcpy(m + 26, mac, 6);
	}
	c = (uint16_t)~dp_csum_fold(
		dp_csum_partial(m, n, dp_csum_pseudo6(src, dst, n, DP_IPPROTO_ICMPV6)));
	memcpy(m + 2, &c, 2);
	return DP_ETH_HLEN + DP_IP6_HLEN + n;
}

uint32_t dp_nd_build_reply(uint8_t *buf, const struct dp_nd *ns, const uint8_t mac[6])
{
	uint8_t all_nodes_mac[6];

	dp_nd_mcast_mac(all_nodes, all_nodes_mac);
	if (!memcmp(ns->src, unspecified, 16))
		return nd_fill(buf, all_nodes_mac, mac, ns->target, all_nodes, DP_ICMP6_NA,
			       DP_ND_NA_OVERRIDE, ns->target, OPT_TGT_LL);
	return nd_fill(buf, ns->has_lladdr ? ns->lladdr : ns->eth_src, mac, ns->target, ns->src,
		       DP_ICMP6_NA, DP_ND_NA_SOLICITED | DP_ND_NA_OVERRIDE, ns->target,
		       OPT_TGT_LL);
}

uint32_t dp_nd_build_solicit(uint8_t *buf, const uint8_t mac[6], const uint8_t src[16],
			     const uint8_t target[16])
{
	uint8_t dst[16], eth_dst[6];

	dp_nd_solicited_node(target, dst);
	dp_nd_mcast_mac(dst, eth_dst);
	return nd_fill(buf, eth_dst, mac, src, dst, DP_ICMP6_NS, 0, target,
		       memcmp(src, unspecified, 16) ? OPT_SRC_LL : 0);
}

uint32_t dp_nd_build_announce(uint8_t *buf, const uint8_t mac[6], const uint8_t target[16])
{
	uint8_t eth_dst[6];

	dp_nd_mcast_mac(all_nodes, eth_dst);
	return nd_fill(buf, eth_dst, mac, target, all_nodes, DP_ICMP6_NA, DP_ND_NA_OVERRIDE, target,
		       OPT_TGT_LL);
}
