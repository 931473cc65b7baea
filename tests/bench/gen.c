/* tests/bench/gen.c — writing the frames clients and servers send, and
 * reading back what the balancer sent (untimed work). */
#include <arpa/inet.h>
#include <string.h>

#include "dp/csum.h"
#include "tests/bench/bench.h"

#define HDRS (DP_ETH_HLEN + 20 + 20)

static uint16_t tcp_csum(const uint8_t *ip, const uint8_t *tcp, uint16_t tcp_len)
{
	uint32_t sum = 0;
	uint16_t w;

	sum = dp_csum_partial(ip + 12, 8, sum);
	w = htons(DP_IPPROTO_TCP);
	sum += w;
	w = htons(tcp_len);
	sum += w;
	sum = dp_csum_partial(tcp, tcp_len, sum);
	return (uint16_t)~dp_csum_fold(sum);
}

void bench_tcp_frame(struct rte_mbuf *m, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		     const struct bench_tuple *t, uint8_t flags, uint16_t payload)
{
	uint32_t len = HDRS + payload, flen = len < 60 ? 60 : len;
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
	dp_put_u16(f + 12, DP_ETH_P_IPV4);

	ip = f + DP_ETH_HLEN;
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
	dp_put_u16(tcp, t->sport);
	dp_put_u16(tcp + 2, t->dport);
	dp_put_u32(tcp + 4, 0x10000000u + t->sport);   /* seq */
	dp_put_u32(tcp + 8, (flags & DP_TCP_ACK) ? 0x20000000u + t->dport : 0);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	dp_put_u16(tcp + 14, 65535);
	c = tcp_csum(ip, tcp, (uint16_t)(20 + payload));
	memcpy(tcp + 16, &c, 2);
}

bool bench_frame_read(const struct rte_mbuf *m, struct bench_tuple *t, bool csum)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = f + DP_ETH_HLEN, *tcp = ip + 20;
	uint16_t ip_len, got, want;

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
