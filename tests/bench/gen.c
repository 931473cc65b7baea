/* tests/bench/gen.c — writing the frames clients and servers send, and
 * reading back what the balancer sent (untimed work). */
#include <arpa/inet.h>
#include <string.h>

#include "dp/csum.h"
#include "dp/seq.h"
#include "tests/bench/bench.h"

#define HDRS (DP_ETH_HLEN + 20 + 20)
#define HDRS6 (DP_ETH_HLEN + 40 + 20)

static uint16_t tcp_csum(const uint8_t *ip, const uint8_t *tcp, uint16_t tcp_len)
{
	uint32_t sum = 0;
	uint16_t w;

	if ((ip[0] >> 4) == 6)
		return (uint16_t)~dp_csum_fold(dp_csum_partial(
			tcp, tcp_len, dp_csum_pseudo6(ip + 8, ip + 24, tcp_len, DP_IPPROTO_TCP)));

	sum = dp_csum_partial(ip + 12, 8, sum);
	w = htons(DP_IPPROTO_TCP);
	sum += w;
	w = htons(tcp_len);
	sum += w;
	sum = dp_csum_partial(tcp, tcp_len, sum);
	return (uint16_t)~dp_csum_fold(sum);
}

/* The options Linux puts on a SYN (MSS 1460, SACK-permitted, timestamps,
 * window scale 7) or, with x->ts, on later segments (timestamps alone). */
static uint32_t put_opts(uint8_t *o, uint8_t flags, const struct bench_tcp_x *x)
{
	uint32_t n = 0;

	if (flags & DP_TCP_SYN) {
		o[n++] = DP_TCPOPT_MSS;
		o[n++] = 4;
		dp_put_u16(o + n, 1460);
		n += 2;
		o[n++] = DP_TCPOPT_SACKOK;
		o[n++] = 2;
	} else {
		o[n++] = DP_TCPOPT_NOP;
		o[n++] = DP_TCPOPT_NOP;
	}
	o[n++] = DP_TCPOPT_TS;
	o[n++] = 10;
	dp_put_u32(o + n, x->tsval);
	dp_put_u32(o + n + 4, x->tsecr);
	n += 8;
	if (flags & DP_TCP_SYN) {
		o[n++] = DP_TCPOPT_NOP;
		o[n++] = DP_TCPOPT_WS;
		o[n++] = 3;
		o[n++] = 7;
	}
	return n;
}

void bench_tcp_frame_x(struct rte_mbuf *m, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		       const struct bench_tuple *t, uint8_t flags, uint16_t payload,
		       const struct bench_tcp_x *x)
{
	uint8_t opt[20];
	uint32_t olen = x->ts ? put_opts(opt, flags, x) : 0;
	uint32_t len = (t->v6 ? HDRS6 : HDRS) + olen + payload, flen = len < 60 ? 60 : len;
	uint8_t *f, *ip, *tcp;
	uint16_t c;

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->nb_segs = 1;
	m->next = NULL;
	m->ol_flags = 0;
	m->port = 0;
	m->data_len = (uint16_t)flen;
	m->pkt_len = flen;
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memset(f, 0, flen);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	dp_put_u16(f + 12, t->v6 ? DP_ETH_P_IPV6 : DP_ETH_P_IPV4);

	ip = f + DP_ETH_HLEN;
	if (t->v6) {
		uint8_t s6[16], d6[16];

		bench_addr6(s6, t->src);
		bench_addr6(d6, t->dst);
		dp_put_ip6(ip, 0, (uint16_t)(len - DP_ETH_HLEN - 40), DP_IPPROTO_TCP, 64, s6, d6);
		tcp = ip + 40;
		goto l4;
	}
	ip[0] = 0x45;
	dp_put_u16(ip + 2, (uint16_t)(len - DP_ETH_HLEN));
	dp_put_u16(ip + 4, (uint16_t)t->sport);
	dp_put_u16(ip + 6, 0x4000);              /* DF */
	ip[8] = 64;
	ip[9] = DP_IPPROTO_TCP;
	dp_put_u32(ip + 12, t->src);
	dp_put_u32(ip + 16, t->dst);
	c = dp_csum(ip, 20);
	memcpy(ip + 10, &c, 2);

	tcp = ip + 20;
l4:
	dp_put_u16(tcp, t->sport);
	dp_put_u16(tcp + 2, t->dport);
	dp_put_u32(tcp + 4, x->seq);
	dp_put_u32(tcp + 8, (flags & DP_TCP_ACK) ? x->ack : 0);
	tcp[12] = (uint8_t)((5 + olen / 4) << 4);
	tcp[13] = flags;
	dp_put_u16(tcp + 14, 65535);
	memcpy(tcp + 20, opt, olen);
	c = tcp_csum(ip, tcp, (uint16_t)(20 + olen + payload));
	memcpy(tcp + 16, &c, 2);
}

void bench_tcp_frame(struct rte_mbuf *m, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		     const struct bench_tuple *t, uint8_t flags, uint16_t payload)
{
	const struct bench_tcp_x x = { .seq = 0x10000000u + t->sport,
				       .ack = 0x20000000u + t->dport };

	bench_tcp_frame_x(m, dst_mac, src_mac, t, flags, payload, &x);
}

bool bench_frame_tcp(const struct rte_mbuf *m, uint8_t *flags, struct bench_tcp_x *x)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l3 = dp_get_u16(f + 12) == DP_ETH_P_IPV6 ? 40 : 20;
	const uint8_t *tcp = f + DP_ETH_HLEN + l3;
	uint32_t hlen;

	if (m->data_len < DP_ETH_HLEN + l3 + 20)
		return false;
	hlen = (uint32_t)(tcp[12] >> 4) * 4;
	if (hlen < 20 || DP_ETH_HLEN + l3 + hlen > m->data_len)
		return false;
	*flags = tcp[13];
	x->seq = dp_get_u32(tcp + 4);
	x->ack = dp_get_u32(tcp + 8);
	x->ts = false;
	for (uint32_t i = 20; i < hlen;) {
		uint8_t k = tcp[i];

		if (k == DP_TCPOPT_EOL)
			break;
		if (k == DP_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || tcp[i + 1] < 2 || i + tcp[i + 1] > hlen)
			return false;
		if (k == DP_TCPOPT_TS && tcp[i + 1] == 10) {
			x->ts = true;
			x->tsval = dp_get_u32(tcp + i + 2);
			x->tsecr = dp_get_u32(tcp + i + 6);
		}
		i += tcp[i + 1];
	}
	return true;
}

/* An IPv6 frame: the embedded addresses back (false for others) and the
 * TCP checksum over the pseudo-header. */
static bool frame_read6(const struct rte_mbuf *m, struct bench_tuple *t, bool csum)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + DP_ETH_HLEN, *tcp = ip + 40;
	uint8_t s6[16], d6[16], copy[2], *w;
	uint16_t plen, got, want;

	if (m->data_len < HDRS6 || (ip[0] >> 4) != 6 || ip[6] != DP_IPPROTO_TCP)
		return false;
	t->v6 = true;
	t->src = dp_get_u32(ip + 20);
	t->dst = dp_get_u32(ip + 36);
	bench_addr6(s6, t->src);
	bench_addr6(d6, t->dst);
	if (memcmp(s6, ip + 8, 16) || memcmp(d6, ip + 24, 16))
		return false;
	t->sport = dp_get_u16(tcp);
	t->dport = dp_get_u16(tcp + 2);
	if (!csum)
		return true;
	plen = dp_get_u16(ip + 4);
	if (plen < 20 || DP_ETH_HLEN + 40u + plen > m->data_len)
		return false;
	memcpy(&got, tcp + 16, 2);
	memcpy(copy, tcp + 16, 2);
	w = (uint8_t *)(uintptr_t)(tcp + 16);
	w[0] = w[1] = 0;
	want = tcp_csum(ip, tcp, plen);
	memcpy(w, copy, 2);
	return got == want;
}

bool bench_frame_read(const struct rte_mbuf *m, struct bench_tuple *t, bool csum)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = f + DP_ETH_HLEN, *tcp = ip + 20;
	uint16_t ip_len, got, want;

	if (m->data_len >= DP_ETH_HLEN && dp_get_u16(f + 12) == DP_ETH_P_IPV6)
		return frame_read6(m, t, csum);
	t->v6 = false;

	if (m->data_len < HDRS || dp_get_u16(f + 12) != DP_ETH_P_IPV4 || ip[0] != 0x45 ||
	    ip[9] != DP_IPPROTO_TCP)
		return false;
	t->src = dp_get_u32(ip + 12);
	t->dst = dp_get_u32(ip + 16);
	t->sport = dp_get_u16(tcp);
	t->dport = dp_get_u16(tcp + 2);
	if (!csum)
		return true;
	if (dp_csum(ip, 20) != 0)
		return false;
	ip_len = dp_get_u16(ip + 2);
	if (ip_len < 40 || DP_ETH_HLEN + ip_len > m->data_len)
		return false;
	memcpy(&got, tcp + 16, 2);
	{
		uint8_t copy[2] = { tcp[16], tcp[17] };
		uint8_t *w = (uint8_t *)(uintptr_t)(tcp + 16);

		/* the sum with the field zeroed, then the field put back */
		w[0] = w[1] = 0;
		want = tcp_csum(ip, tcp, (uint16_t)(ip_len - 20));
		w[0] = copy[0];
		w[1] = copy[1];
	}
	return got == want;
}
