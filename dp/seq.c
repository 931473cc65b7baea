/* dp/seq.c — sequence-space translation of a TCP segment (see seq.h).
 *
 * Checksums: every field change adds ~old + new of its 16-bit words to one
 * running delta (RFC 1624 eqn. 3), applied once at the end. Sums are in
 * the packet's byte order, as dp/csum.h keeps them. A field at an odd
 * offset (options need not be aligned) straddles words: its bytes' sum is
 * then the byte swap of what it would be at an even offset (RFC 1071's
 * byte-order independence), so its delta is swapped too. */
#include <errno.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/seq.h"

static inline uint32_t swap16(uint32_t v)
{
	v = dp_csum_fold(v);
	return ((v & 0xff) << 8) | (v >> 8);
}

static inline uint32_t mem_sum4(const uint8_t *b)
{
	uint16_t w0, w1;

	memcpy(&w0, b, 2);
	memcpy(&w1, b + 2, 2);
	return (uint32_t)w0 + w1;
}

/* Write v (host order) at t + off, adding the checksum delta to *acc. */
static void set32(uint8_t *t, uint32_t off, uint32_t v, uint64_t *acc)
{
	uint8_t *b = t + off;
	uint32_t old = mem_sum4(b), e;

	dp_put_u32(b, v);
	/* ~w0 + ~w1 = 0x1fffe - (w0 + w1) */
	e = dp_csum_fold(0x1fffe - old + mem_sum4(b));
	*acc += (off & 1) ? swap16(e) : e;
}

static void set16(uint8_t *t, uint32_t off, uint16_t v, uint64_t *acc)
{
	uint16_t o, n;

	memcpy(&o, t + off, 2);
	dp_put_u16(t + off, v);
	memcpy(&n, t + off, 2);
	{
		uint32_t e = (uint32_t)(uint16_t)~o + n;

		*acc += (off & 1) ? swap16(e) : e;
	}
}

static void csum_apply(uint8_t *tcp, uint64_t acc)
{
	uint16_t c;
	uint64_t s;

	if (!acc)
		return;
	memcpy(&c, tcp + 16, 2);
	s = (uint64_t)(uint16_t)~c + acc;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	c = (uint16_t)~s;
	memcpy(tcp + 16, &c, 2);
}

int dp_seq_opts(const uint8_t *tcp, uint32_t hlen, struct dp_tcp_opts *o)
{
	uint32_t i = 20;

	memset(o, 0, sizeof(*o));
	o->end = (uint8_t)hlen;
	if (hlen < 20 || hlen > 60)
		return -EBADMSG;
	while (i < hlen) {
		uint8_t kind = tcp[i], len;

		if (kind == DP_TCPOPT_EOL) {
			o->end = (uint8_t)i;
			return 0;
		}
		if (kind == DP_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || (len = tcp[i + 1]) < 2 || i + len > hlen) {
			o->end = (uint8_t)i;
			return -EBADMSG;
		}
		switch (kind) {
		case DP_TCPOPT_MSS:
			if (len == 4)
				o->mss = (uint8_t)i;
			break;
		case DP_TCPOPT_WS:
			if (len == 3)
				o->ws = (uint8_t)i;
			break;
		case DP_TCPOPT_SACKOK:
			if (len == 2)
				o->sackok = (uint8_t)i;
			break;
		case DP_TCPOPT_SACK:
			if (len >= 10 && (len - 2) % 8 == 0) {
				o->sack = (uint8_t)i;
				o->sack_n = (uint8_t)((len - 2) / 8);
			}
			break;
		case DP_TCPOPT_TS:
			if (len == 10)
				o->ts = (uint8_t)i;
			break;
		case DP_TCPOPT_TOA:
			if (len == 8 || len == 20)   /* IPv4's, IPv6's */
				o->toa = (uint8_t)i;
			break;
		default:
			break;
		}
		i += len;
	}
	return 0;
}

void dp_seq_in(uint8_t *tcp, uint32_t hlen, const struct dp_sess_x *x, enum dp_seq_hdr hdr)
{
	uint16_t xf = x->xflags;
	uint8_t flags = tcp[13];
	uint64_t acc = 0;
	uint32_t seq = dp_get_u32(tcp + 4);
	bool sp = (xf & DP_SEQ_X_SP) && !(xf & DP_SEQ_X_SP_WAIT);

	/* the client's bytes past A move by the header's length */
	if ((xf & DP_SEQ_X_HDR) && hdr != DP_SEQ_HDR_IN_FRONT &&
	    (dp_seq_lt(x->isn, seq) ||
	     (seq == x->isn && ((xf & DP_SEQ_X_HDR_ACKED) || hdr == DP_SEQ_HDR_BEFORE))))
		set32(tcp, 4, seq + (uint32_t)x->seq_in, &acc);
	if (sp && (flags & DP_TCP_ACK)) {
		struct dp_tcp_opts o;

		set32(tcp, 8, dp_get_u32(tcp + 8) - (uint32_t)x->seq_out, &acc);
		if (hlen > 20) {
			dp_seq_opts(tcp, hlen, &o);
			for (unsigned b = 0; o.sack && b < o.sack_n; b++) {
				uint32_t off = o.sack + 2u + 8u * b;

				set32(tcp, off, dp_get_u32(tcp + off) - (uint32_t)x->seq_out, &acc);
				set32(tcp, off + 4, dp_get_u32(tcp + off + 4) - (uint32_t)x->seq_out, &acc);
			}
			if (o.ts && (xf & DP_SEQ_X_TS))
				set32(tcp, o.ts + 6u, dp_get_u32(tcp + o.ts + 6) - (uint32_t)x->ts_delta,
				      &acc);
		}
	}
	if ((xf & DP_SEQ_X_WIN_IN) && !(flags & DP_TCP_SYN)) {
		uint32_t w = (uint32_t)dp_get_u16(tcp + 14) << DP_SEQ_X_INSHIFT(xf);

		set16(tcp, 14, (uint16_t)(w > 0xffff ? 0xffff : w), &acc);
	}
	csum_apply(tcp, acc);
}

bool dp_seq_out(uint8_t *tcp, uint32_t hlen, struct dp_sess_x *x)
{
	uint16_t xf = x->xflags;
	uint8_t flags = tcp[13];
	uint64_t acc = 0;
	bool sp = (xf & DP_SEQ_X_SP) && !(xf & DP_SEQ_X_SP_WAIT);
	bool changed = false;
	struct dp_tcp_opts o;

	if (sp)
		set32(tcp, 4, dp_get_u32(tcp + 4) + (uint32_t)x->seq_out, &acc);
	if (hlen > 20)
		dp_seq_opts(tcp, hlen, &o);
	else
		memset(&o, 0, sizeof(o));
	if ((xf & DP_SEQ_X_HDR) && (flags & DP_TCP_ACK)) {
		uint32_t ack = dp_get_u32(tcp + 8);

		if (!(xf & DP_SEQ_X_HDR_ACKED) && dp_seq_le(x->isn + (uint32_t)x->seq_in, ack)) {
			x->xflags |= DP_SEQ_X_HDR_ACKED;
			changed = true;
		}
		set32(tcp, 8, dp_seq_hdr_back(x, ack), &acc);
		for (unsigned b = 0; o.sack && b < o.sack_n; b++) {
			uint32_t off = o.sack + 2u + 8u * b;

			set32(tcp, off, dp_seq_hdr_back(x, dp_get_u32(tcp + off)), &acc);
			set32(tcp, off + 4, dp_seq_hdr_back(x, dp_get_u32(tcp + off + 4)), &acc);
		}
	}
	if (sp && o.ts && (xf & DP_SEQ_X_TS))
		set32(tcp, o.ts + 2u, dp_get_u32(tcp + o.ts + 2) + (uint32_t)x->ts_delta, &acc);
	if (sp && (xf & DP_SEQ_X_WIN) && !(flags & DP_TCP_SYN)) {
		uint32_t w0 = dp_get_u16(tcp + 14);
		uint64_t w = ((uint64_t)w0 << (x->wscale & 0xf)) >> (x->wscale >> 4);

		/* a window that rounds to nothing would stall the client */
		if (w0 && !w)
			w = 1;
		set16(tcp, 14, (uint16_t)(w > 0xffff ? 0xffff : w), &acc);
	}
	csum_apply(tcp, acc);
	return changed;
}

void dp_seq_rewrite(uint8_t *tcp, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint64_t acc = 0;
	uint8_t w[2] = { tcp[12], flags };

	set32(tcp, 4, seq, &acc);
	set32(tcp, 8, ack, &acc);
	set16(tcp, 12, (uint16_t)(w[0] << 8 | w[1]), &acc);
	csum_apply(tcp, acc);
}

void dp_seq_patch(uint8_t *tcp, uint32_t off, const void *v, uint32_t n)
{
	uint32_t a = off & ~1u, e = (off + n + 1) & ~1u;
	uint32_t old = dp_csum_fold(dp_csum_partial(tcp + a, e - a, 0));

	memcpy(tcp + off, v, n);
	csum_apply(tcp, (uint64_t)(uint16_t)~old + dp_csum_fold(dp_csum_partial(tcp + a, e - a, 0)));
}

bool dp_seq_mss_sub(uint8_t *tcp, uint32_t hlen, uint16_t room)
{
	struct dp_tcp_opts o;
	uint64_t acc = 0;
	uint16_t mss;

	dp_seq_opts(tcp, hlen, &o);
	if (!o.mss)
		return false;
	mss = dp_get_u16(tcp + o.mss + 2);
	if (mss > 536 + room)
		mss = (uint16_t)(mss - room);
	else if (mss > 536)
		mss = 536;
	set16(tcp, o.mss + 2u, mss, &acc);
	csum_apply(tcp, acc);
	return true;
}

/* The one's complement sum of n bytes that sit at an offset of parity odd
 * within the checksummed stream. */
static uint32_t sum_at(const uint8_t *b, uint32_t n, bool odd)
{
	uint32_t s = dp_csum_partial(b, n, 0);

	return odd ? swap16(s) : dp_csum_fold(s);
}

static uint32_t pseudo(const struct dp_pkt *p, uint32_t l4len)
{
	uint8_t ph[12];

	if (p->a6)
		return dp_csum_fold(dp_csum_pseudo6(p->a6, p->a6 + 16, l4len, p->proto));

	memcpy(ph, &p->src, 4);
	memcpy(ph + 4, &p->dst, 4);
	ph[8] = 0;
	ph[9] = p->proto;
	dp_put_u16(ph + 10, (uint16_t)l4len);
	return dp_csum_fold(dp_csum_partial(ph, 12, 0));
}

/* a − b in one's complement, folded */
static inline uint32_t oc_sub(uint32_t a, uint32_t b)
{
	return dp_csum_fold(dp_csum_fold(a) + (uint16_t)~dp_csum_fold(b));
}

int dp_seq_grow(uint8_t *f, struct dp_pkt *p, uint32_t at, const uint8_t *ins, uint32_t n,
		bool opt)
{
	bool tcp = p->proto == DP_IPPROTO_TCP;
	uint32_t ck_off = tcp ? 16 : 6, l4len = p->l4_len, rest = 0;
	const uint8_t *ol4 = f + n + p->l4_off;
	uint8_t *ip, *l4;
	uint16_t ck, old_w, new_w, hc;
	bool has_ck;

	if ((!tcp && p->proto != DP_IPPROTO_UDP) || p->frag != DP_FRAG_NONE || at < ck_off + 2 ||
	    at > l4len || (uint32_t)p->ip_len + n > 0xffff)
		return -EINVAL;
	if (tcp && opt && ((n & 3) || (uint32_t)(ol4[12] >> 4) * 4 + n > 60))
		return -EINVAL;
	memcpy(&ck, ol4 + ck_off, 2);
	has_ck = tcp || ck != 0;
	if (has_ck) {
		/* the sum of what does not move (from at on), from the old
		 * checksum: ~ck = pseudo + head (without ck) + rest */
		uint32_t head = oc_sub(dp_csum_partial(ol4, at, 0), ck);

		rest = oc_sub(oc_sub((uint16_t)~ck, pseudo(p, l4len)), head);
	}
	memmove(f, f + n, (size_t)p->l4_off + at);
	ip = f + p->l3_off;
	l4 = f + p->l4_off;
	memcpy(l4 + at, ins, n);

	if (p->a6) {
		/* IPv6: the payload length, no header checksum; the addresses
		 * moved with the headers */
		dp_put_u16(ip + 4, (uint16_t)(dp_get_u16(ip + 4) + n));
		p->a6 = ip + 8;
	} else {
		memcpy(&old_w, ip + 2, 2);
		dp_put_u16(ip + 2, (uint16_t)(p->ip_len + n));
		memcpy(&new_w, ip + 2, 2);
		memcpy(&hc, ip + 10, 2);
		hc = dp_csum_update16(hc, old_w, new_w);
		memcpy(ip + 10, &hc, 2);
	}
	if (tcp && opt)
		l4[12] = (uint8_t)(l4[12] + ((n / 4) << 4));
	if (!tcp)
		dp_put_u16(l4 + 4, (uint16_t)(dp_get_u16(l4 + 4) + n));
	p->ip_len = (uint16_t)(p->ip_len + n);
	p->l4_len = (uint16_t)(p->l4_len + n);
	if (has_ck) {
		uint32_t s;

		memset(l4 + ck_off, 0, 2);
		s = pseudo(p, p->l4_len) + dp_csum_fold(dp_csum_partial(l4, at, 0)) +
		    sum_at(ins, n, at & 1) + ((n & 1) ? swap16(rest) : rest);
		ck = (uint16_t)~dp_csum_fold(s);
		if (!tcp && ck == 0)
			ck = 0xffff;   /* RFC 768: a computed zero goes as all ones */
		memcpy(l4 + ck_off, &ck, 2);
	}
	return 0;
}
