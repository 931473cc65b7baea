/* dp/proxy.c — PROXY protocol v1 and v2 headers (see proxy.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dp/bytes.h"
#include "dp/proxy.h"

static const uint8_t v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/* One family's part of the encoding: its v1 word, its v2 family nibble
 * and the size of its v2 address block. */
struct family {
	const char *v1;
	uint8_t v2_fam;
	uint8_t addr_len;    /* one address */
	uint8_t block_len;   /* src, dst, sport, dport */
};

static const struct family *family_of(uint8_t f)
{
	static const struct family inet = { "TCP4", 0x1, 4, 12 };
	static const struct family inet6 = { "TCP6", 0x2, 16, 36 };

	return f == DP_PROXY_INET ? &inet : f == DP_PROXY_INET6 ? &inet6 : NULL;
}

static char *put_dec(char *o, unsigned v)
{
	char t[10];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = t[--n];
	return o;
}

/* An address in text: dotted quad, or eight hex groups (the full form,
 * which every parser takes; no "::" shortening). */
static char *put_addr(char *o, uint8_t family, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";

	if (family == DP_PROXY_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*o++ = '.';
			o = put_dec(o, a[i]);
		}
		return o;
	}
	for (int i = 0; i < 8; i++) {
		unsigned g = dp_get_u16(a + 2 * i);
		bool lead = true;

		if (i)
			*o++ = ':';
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (g >> s) & 0xf;

			if (d || !lead || s == 0) {
				*o++ = hex[d];
				lead = false;
			}
		}
	}
	return o;
}

int dp_proxy_v1(uint8_t *out, const struct dp_proxy_addr *a)
{
	const struct family *f = family_of(a->family);
	char *o = (char *)out;

	if (!f || a->dgram)
		return -EINVAL;
	memcpy(o, "PROXY ", 6);
	o += 6;
	memcpy(o, f->v1, 4);
	o += 4;
	*o++ = ' ';
	o = put_addr(o, a->family, a->src);
	*o++ = ' ';
	o = put_addr(o, a->family, a->dst);
	*o++ = ' ';
	o = put_dec(o, dp_get_u16((const uint8_t *)&a->sport));
	*o++ = ' ';
	o = put_dec(o, dp_get_u16((const uint8_t *)&a->dport));
	*o++ = '\r';
	*o++ = '\n';
	return (int)(o - (char *)out);
}

int dp_proxy_v2(uint8_t *out, const struct dp_proxy_addr *a)
{
	const struct family *f = family_of(a->family);
	uint8_t *b;

	if (!f)
		return -EINVAL;
	memcpy(out, v2_sig, 12);
	out[12] = 0x21;                               /* version 2, PROXY */
	out[13] = (uint8_t)(f->v2_fam << 4 | (a->dgram ? 0x2 : 0x1));
	dp_put_u16(out + 14, f->block_len);
	b = out + 16;
	memcpy(b, a->src, f->addr_len);
	memcpy(b + f->addr_len, a->dst, f->addr_len);
	memcpy(b + 2 * f->addr_len, &a->sport, 2);
	memcpy(b + 2 * f->addr_len + 2, &a->dport, 2);
	return 16 + f->block_len;
}

int dp_proxy_len(int version, const struct dp_proxy_addr *a)
{
	uint8_t tmp[DP_PROXY_MAX];

	if (version == 2) {
		const struct family *f = family_of(a->family);

		return f ? 16 + f->block_len : -EINVAL;
	}
	return dp_proxy_v1(tmp, a);
}
