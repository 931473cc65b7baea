/* dp/xlat64.c — IPv6 <-> IPv4 translation for NAT64 (see xlat64.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dp/bytes.h"
#include "dp/csum.h"
#include "dp/xlat64.h"

enum icmp_kind { K_ECHO, K_ERROR, K_TOO_BIG, K_PARAM };

static uint16_t sum_of(const void *b, size_t n)
{
	return dp_csum_fold(dp_csum_partial(b, n, 0));
}

/* A checksum over bytes whose one's-complement sum went from `old` to
 * `new_` (RFC 1624 eqn. 3 for a whole block). */
static uint16_t csum_swap(uint16_t hc, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~hc;

	s += (uint16_t)~old;
	s += new_;
	return (uint16_t)~dp_csum_fold(s);
}

/* The TCP/UDP checksum of `have` bytes at l4 moved from one pseudo-header's
 * addresses to the other's (a quote may lack the field: left alone). */
static void l4_swap(uint8_t *l4, uint32_t have, uint8_t proto, uint16_t old, uint16_t new_)
{
	uint32_t at = proto == DP_IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	if ((proto != DP_IPPROTO_TCP && proto != DP_IPPROTO_UDP) || have < at + 2)
		return;
	memcpy(&c, l4 + at, 2);
	if (proto == DP_IPPROTO_UDP && c == 0)
		return;   /* none (IPv4): the caller gives it one where it can */
	c = csum_swap(c, old, new_);
	if (proto == DP_IPPROTO_UDP && c == 0)
		c = 0xffff;   /* 0 would say "none" */
	memcpy(l4 + at, &c, 2);
}

/* ---- ICMP types and codes (RFC 7915 4.2 and 5.2) ---- */

static int icmp6to4(uint8_t t, uint8_t c, uint8_t *t4, uint8_t *c4, enum icmp_kind *k)
{
	static const uint8_t unreach[5] = { 1, 10, 1, 1, 3 };

	*k = K_ERROR;
	switch (t) {
	case 128: *t4 = 8; *c4 = 0; *k = K_ECHO; return 0;
	case 129: *t4 = 0; *c4 = 0; *k = K_ECHO; return 0;
	case 1:
		if (c > 4)
			return -EPROTONOSUPPORT;
		*t4 = 3;
		*c4 = unreach[c];
		return 0;
	case 2: *t4 = 3; *c4 = 4; *k = K_TOO_BIG; return 0;
	case 3:
		if (c > 1)
			return -EPROTONOSUPPORT;
		*t4 = 11;
		*c4 = c;
		return 0;
	case 4:
		if (c == 1) {   /* unrecognised next header: protocol unreachable */
			*t4 = 3;
			*c4 = 2;
			return 0;
		}
		if (c != 0)
			return -EPROTONOSUPPORT;
		*t4 = 12;
		*c4 = 0;
		*k = K_PARAM;
		return 0;
	default:
		return -EPROTONOSUPPORT;   /* ND, MLD, ...: the v6 link's own */
	}
}

static int icmp4to6(uint8_t t, uint8_t c, uint8_t *t6, uint8_t *c6, enum icmp_kind *k)
{
	/* destination unreachable's codes 0..15; 0xff: no counterpart */
	static const uint8_t unreach[16] = { 0, 0, 0xff, 4, 0xff, 0, 0, 0,
					     0, 1, 1, 0, 0, 1, 0xff, 1 };

	*k = K_ERROR;
	switch (t) {
	case 8: *t6 = 128; *c6 = 0; *k = K_ECHO; return 0;
	case 0: *t6 = 129; *c6 = 0; *k = K_ECHO; return 0;
	case 3:
		if (c == 2) {   /* protocol unreachable: a pointer at next header */
			*t6 = 4;
			*c6 = 1;
			*k = K_PARAM;
			return 0;
		}
		if (c == 4) {
			*t6 = 2;
			*c6 = 0;
			*k = K_TOO_BIG;
			return 0;
		}
		if (c > 15 || unreach[c] == 0xff)
			return -EPROTONOSUPPORT;
		*t6 = 1;
		*c6 = unreach[c];
		return 0;
	case 11:
		if (c > 1)
			return -EPROTONOSUPPORT;
		*t6 = 3;
		*c6 = c;
		return 0;
	case 12:
		if (c != 0 && c != 2)
			return -EPROTONOSUPPORT;
		*t6 = 4;
		*c6 = 0;
		*k = K_PARAM;
		return 0;
	default:
		return -EPROTONOSUPPORT;   /* source quench, redirect, timestamps, ... */
	}
}

/* Parameter-problem pointers: an IPv6 header offset to IPv4's and back
 * (RFC 7915 figures 3 and 6); -1: none. */
static int ptr6to4(uint32_t p)
{
	static const int8_t map[8] = { 0, 1, -1, -1, 2, 2, 9, 8 };

	if (p < 8)
		return map[p];
	if (p < 24)
		return 12;
	if (p < 40)
		return 16;
	return -1;
}

static int ptr4to6(uint32_t p)
{
	static const int8_t map[20] = { 0, 1, 4, 4, -1, -1, -1, -1, 7, 6,
					-1, -1, 8, 8, 8, 8, 24, 24, 24, 24 };

	return p < 20 ? map[p] : -1;
}

/* ---- the IP headers ---- */

static void put_ip4(uint8_t *o, uint8_t tos, uint16_t tot, uint16_t id, uint16_t frag,
		    uint8_t ttl, uint8_t proto, uint32_t src, uint32_t dst)
{
	uint16_t c;

	o[0] = 0x45;
	o[1] = tos;
	dp_put_u16(o + 2, tot);
	dp_put_u16(o + 4, id);
	dp_put_u16(o + 6, frag);
	o[8] = ttl;
	o[9] = proto;
	memset(o + 10, 0, 2);
	memcpy(o + 12, &src, 4);
	memcpy(o + 16, &dst, 4);
	c = dp_csum(o, 20);
	memcpy(o + 10, &c, 2);
}

/* The translated message's first 8 bytes (type t, code c, the rest 0)
 * and, for an echo, its identifier, sequence and data as they were.
 * Returns the echo's length, 0 for an error (its body is the caller's),
 * or -EMSGSIZE. */
static int icmp_head(const uint8_t *ic, uint16_t len, uint8_t t, uint8_t c, enum icmp_kind k,
		     uint8_t *o, uint32_t cap)
{
	if (cap < 8 || (k == K_ECHO && cap < len))
		return -EMSGSIZE;
	o[0] = t;
	o[1] = c;
	memset(o + 2, 0, 6);
	if (k != K_ECHO)
		return 0;
	memcpy(o + 4, ic + 4, len - 4u);
	return len;
}

/* ---- IPv6 to IPv4 ---- */

static int icmp_6to4(const uint8_t *frame, const struct dp_pkt6 *p, uint8_t *o, uint32_t cap,
		     uint32_t src, uint32_t dst);

/* What is translated: TCP, UDP and the family's own ICMP, the protocols
 * a session can carry. Anything else is refused rather than copied: an
 * IPv4 protocol number that is an IPv6 extension header's (0, 43, 44,
 * 60...) would be read as one on the other side, and ICMP of the wrong
 * family (ICMPv4 in IPv6) would arrive with a checksum its sender never
 * made for it — both found by the fuzzer. */
static bool x64_proto(uint8_t proto, uint8_t icmp)
{
	return proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP || proto == icmp;
}

/* One packet (the outer one, or the one an error quotes: `quote`, whose
 * payload length may promise more than is there). */
static int x6to4(const uint8_t *frame, const struct dp_pkt6 *p, uint32_t src, uint32_t dst,
		 uint16_t ident, bool quote, uint8_t *out, uint32_t cap)
{
	const uint8_t *ip = frame + p->l3_off, *l4 = frame + p->l4_off;
	uint32_t ext = p->l4_off - p->l3_off - DP_IP6_HLEN;
	uint32_t tot = (uint32_t)p->payload_len - ext + 20;   /* as the header says */
	uint16_t id = ident, frag = 0;
	uint8_t tc = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
	uint8_t proto = p->proto == DP_IPPROTO_ICMPV6 ? DP_IPPROTO_ICMP : p->proto;
	int n;

	if (cap < 20 + (uint32_t)p->l4_len)
		return -EMSGSIZE;
	if (!x64_proto(p->proto, DP_IPPROTO_ICMPV6))
		return -EPROTONOSUPPORT;
	/* a fragment's ICMP checksum can't be redone (ICMPv6's covers a
	 * pseudo-header with the whole message's length, ICMPv4's none) */
	if (p->proto == DP_IPPROTO_ICMPV6 && p->frag != DP_FRAG_NONE && !quote)
		return -EPROTONOSUPPORT;
	if (p->frag_off) {
		const uint8_t *fh = frame + p->l3_off + p->frag_off;
		uint16_t fo = dp_get_u16(fh + 2);

		id = dp_get_u16(fh + 6);   /* the low 16 bits of the 32 */
		frag = (uint16_t)((fo >> 3) | (fo & 1 ? 0x2000 : 0));
	} else if (tot > DP_X64_DF_OVER) {
		frag = 0x4000;
	}
	if (p->proto == DP_IPPROTO_ICMPV6 && p->frag == DP_FRAG_NONE && !quote) {
		n = icmp_6to4(frame, p, out + 20, cap - 20, src, dst);
		if (n < 0)
			return n;
		tot = 20 + (uint32_t)n;
	} else {
		memcpy(out + 20, l4, p->l4_len);
		n = p->l4_len;
		if (p->frag != DP_FRAG_LATER) {
			uint32_t a4[2] = { src, dst };

			l4_swap(out + 20, (uint32_t)n, p->proto, sum_of(ip + 8, 32), sum_of(a4, 8));
			if (quote && p->proto == DP_IPPROTO_ICMPV6 && n >= 4) {
				/* a quoted echo: its type as the v4 side sent it */
				uint8_t t4, c4;
				enum icmp_kind k;

				if (icmp6to4(out[20], out[21], &t4, &c4, &k) == 0 && k == K_ECHO) {
					out[20] = t4;
					out[21] = c4;
				}
			}
		}
	}
	put_ip4(out, tc, (uint16_t)tot, id, frag, p->hop_limit, proto, src, dst);
	return 20 + n;
}

static int icmp_6to4(const uint8_t *frame, const struct dp_pkt6 *p, uint8_t *o, uint32_t cap,
		     uint32_t src, uint32_t dst)
{
	const uint8_t *ic = frame + p->l4_off;
	uint8_t t4, c4;
	enum icmp_kind k;
	struct dp_pkt6 q;
	enum dp_drop why;
	uint32_t have;
	uint16_t c;
	int rc, n;

	rc = icmp6to4(ic[0], ic[1], &t4, &c4, &k);
	if (rc < 0)
		return rc;
	n = icmp_head(ic, p->l4_len, t4, c4, k, o, cap);
	if (n < 0)
		return n;
	if (k != K_ECHO) {
		if (k == K_TOO_BIG) {
			uint32_t mtu = dp_get_u32(ic + 4);

			mtu = mtu > 0xffff + 20u ? 0xffff : mtu < 20 + 68 ? 68 : mtu - 20;
			dp_put_u16(o + 6, (uint16_t)mtu);
		} else if (k == K_PARAM) {
			int ptr = ptr6to4(dp_get_u32(ic + 4));

			if (ptr < 0)
				return -EPROTONOSUPPORT;
			o[4] = (uint8_t)ptr;
		}
		/* the quote: a packet the v4 side sent, as it sent it; it
		 * went from the v4 side's (translated) source to its
		 * destination, the reverse of this error's way */
		have = p->l4_len - 8u;
		if (have < DP_IP6_HLEN + 8 || dp_pkt_parse_quote6(ic + 8, have, &q, &why) < 0)
			return -EBADMSG;
		rc = x6to4(ic + 8, &q, dst, src, 0, true, o + 8, cap - 8);
		if (rc < 0)
			return rc;
		n = 8 + rc;
	}
	c = dp_csum(o, (uint32_t)n);
	memcpy(o + 2, &c, 2);
	return n;
}

int dp_x64_6to4(const uint8_t *frame, const struct dp_pkt6 *p, uint32_t src, uint32_t dst,
		uint16_t ident, uint8_t *out, uint32_t cap)
{
	return x6to4(frame, p, src, dst, ident, false, out, cap);
}

/* ---- IPv4 to IPv6 ---- */

static int icmp_4to6(const uint8_t *frame, const struct dp_pkt *p, uint8_t *o, uint32_t cap,
		     const uint8_t *src, const uint8_t *dst);

static int x4to6(const uint8_t *frame, const struct dp_pkt *p, const uint8_t *src,
		 const uint8_t *dst, bool quote, uint8_t *out, uint32_t cap)
{
	const uint8_t *ip = frame + p->l3_off, *l4 = frame + p->l4_off;
	bool fh = p->frag != DP_FRAG_NONE;
	uint32_t hl = DP_IP6_HLEN + (fh ? 8u : 0u);
	uint32_t plen = (uint32_t)p->ip_len - p->ihl + (fh ? 8u : 0u);   /* as the header says */
	uint8_t nh = p->proto == DP_IPPROTO_ICMP ? DP_IPPROTO_ICMPV6 : p->proto;
	uint8_t *o4 = out + hl;
	int n;

	if (cap < hl + p->l4_len)
		return -EMSGSIZE;
	if (!x64_proto(p->proto, DP_IPPROTO_ICMP))
		return -EPROTONOSUPPORT;
	if (p->proto == DP_IPPROTO_ICMP && fh && !quote)
		return -EPROTONOSUPPORT;   /* as in x6to4 */
	if (p->proto == DP_IPPROTO_ICMP && !fh && !quote) {
		n = icmp_4to6(frame, p, o4, cap - hl, src, dst);
		if (n < 0)
			return n;
		plen = (uint32_t)n;
	} else {
		memcpy(o4, l4, p->l4_len);
		n = p->l4_len;
		if (p->frag != DP_FRAG_LATER) {
			uint16_t c;

			if (p->proto == DP_IPPROTO_UDP && n >= 8 && !memcmp(o4 + 6, "\0\0", 2) &&
			    !quote) {
				/* no checksum: IPv6 needs one, over the whole datagram */
				if (fh)
					return -EINVAL;
				c = (uint16_t)~dp_csum_fold(dp_csum_partial(
					o4, (uint32_t)n, dp_csum_pseudo6(src, dst, (uint32_t)n, nh)));
				if (c == 0)
					c = 0xffff;
				memcpy(o4 + 6, &c, 2);
			} else {
				uint8_t a6[32];

				memcpy(a6, src, 16);
				memcpy(a6 + 16, dst, 16);
				l4_swap(o4, (uint32_t)n, p->proto, sum_of(ip + 12, 8), sum_of(a6, 32));
			}
			if (quote && p->proto == DP_IPPROTO_ICMP && n >= 4) {
				uint8_t t6, c6;
				enum icmp_kind k;

				if (icmp4to6(o4[0], o4[1], &t6, &c6, &k) == 0 && k == K_ECHO) {
					o4[0] = t6;
					o4[1] = c6;
				}
			}
		}
	}
	dp_put_ip6(out, ip[1], (uint16_t)plen, fh ? DP_IPPROTO_FRAGMENT : nh, ip[8], src, dst);
	if (fh) {
		uint16_t fo = dp_get_u16(ip + 6);
		uint8_t *f = out + DP_IP6_HLEN;

		f[0] = nh;
		f[1] = 0;
		dp_put_u16(f + 2, (uint16_t)((fo & 0x1fff) << 3 | (fo & 0x2000 ? 1 : 0)));
		memset(f + 4, 0, 2);
		memcpy(f + 6, ip + 4, 2);
	}
	return (int)hl + n;
}

static int icmp_4to6(const uint8_t *frame, const struct dp_pkt *p, uint8_t *o, uint32_t cap,
		     const uint8_t *src, const uint8_t *dst)
{
	const uint8_t *ic = frame + p->l4_off;
	uint8_t t6, c6;
	enum icmp_kind k;
	struct dp_pkt q;
	enum dp_drop why;
	uint32_t have;
	uint16_t c;
	int rc, n;

	rc = icmp4to6(ic[0], ic[1], &t6, &c6, &k);
	if (rc < 0)
		return rc;
	n = icmp_head(ic, p->l4_len, t6, c6, k, o, cap);
	if (n < 0)
		return n;
	if (k != K_ECHO) {
		uint32_t room;

		if (k == K_TOO_BIG) {
			uint32_t mtu = (uint32_t)dp_get_u16(ic + 6) + 20;

			dp_put_u32(o + 4, mtu < DP_X64_MIN_MTU6 ? DP_X64_MIN_MTU6 : mtu);
		} else if (k == K_PARAM) {
			int ptr = ic[0] == 3 ? 6 : ptr4to6(ic[4]);

			if (ptr < 0)
				return -EPROTONOSUPPORT;
			dp_put_u32(o + 4, (uint32_t)ptr);
		}
		/* the translated quote grows by 20 (28 with a fragment header)
		 * and the whole error must fit 1280 bytes */
		have = p->l4_len - 8u;
		room = DP_X64_MIN_MTU6 - DP_IP6_HLEN - 8 - 28;
		if (have > room)
			have = room;
		if (have < 20 + 8 || dp_pkt_parse_quote4(ic + 8, have, &q, &why) < 0)
			return -EBADMSG;
		rc = x4to6(ic + 8, &q, dst, src, true, o + 8, cap - 8);
		if (rc < 0)
			return rc;
		n = 8 + rc;
	}
	c = (uint16_t)~dp_csum_fold(dp_csum_partial(
		o, (uint32_t)n, dp_csum_pseudo6(src, dst, (uint32_t)n, DP_IPPROTO_ICMPV6)));
	memcpy(o + 2, &c, 2);
	return n;
}

int dp_x64_4to6(const uint8_t *frame, const struct dp_pkt *p, const uint8_t *src,
		const uint8_t *dst, uint8_t *out, uint32_t cap)
{
	return x4to6(frame, p, src, dst, false, out, cap);
}

int dp_x64_split6(uint8_t *pkt, uint32_t n, uint32_t mtu, uint8_t *out2, uint32_t cap2,
		  uint32_t *n1)
{
	const uint32_t hl = DP_IP6_HLEN + 8;
	uint32_t k, rest, off8;
	uint16_t fo;

	if (n <= mtu || mtu < hl + 8 || n < hl || pkt[6] != DP_IPPROTO_FRAGMENT ||
	    dp_get_u16(pkt + 4) != n - DP_IP6_HLEN)
		return -EINVAL;
	k = (mtu - hl) / 8 * 8;
	rest = n - hl - k;
	if (hl + rest > mtu || hl + rest > cap2)
		return -EMSGSIZE;
	fo = dp_get_u16(pkt + DP_IP6_HLEN + 2);
	off8 = fo >> 3;
	if (off8 + k / 8 > 0x1fff)
		return -EMSGSIZE;
	memcpy(out2, pkt, hl);
	memcpy(out2 + hl, pkt + hl + k, rest);
	dp_put_u16(out2 + 4, (uint16_t)(8 + rest));
	dp_put_u16(out2 + DP_IP6_HLEN + 2, (uint16_t)((off8 + k / 8) << 3 | (fo & 1)));
	dp_put_u16(pkt + 4, (uint16_t)(8 + k));
	dp_put_u16(pkt + DP_IP6_HLEN + 2, (uint16_t)(off8 << 3 | 1));
	*n1 = hl + k;
	return (int)(hl + rest);
}
