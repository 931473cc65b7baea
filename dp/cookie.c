/* dp/cookie.c — SYN cookies (see cookie.h). */
#include <errno.h>
#include <string.h>

#include "dp/cookie.h"

/* Linux's four classes and the common MTUs between (IPv4 over PPPoE,
 * tunnels, VPNs), so a client's own MSS is kept to within a few bytes. */
const uint16_t dp_cookie_mss[DP_COOKIE_N_MSS] = { 536, 1200, 1300, 1360, 1400, 1440, 1452, 1460 };

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                          \
	do {                                                                              \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                 \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                 \
	} while (0)

uint64_t dp_cookie_siphash(const uint64_t k[2], const uint64_t *m, unsigned n)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
	uint64_t b = (uint64_t)(n * 8) << 56;

	for (unsigned i = 0; i < n; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void dp_cookie_secret_init(struct dp_cookie_secret *s, const uint8_t key[32])
{
	s->kw[0] = le64(key);
	s->kw[1] = le64(key + 8);
	s->km[0] = le64(key + 16);
	s->km[1] = le64(key + 24);
}

uint16_t dp_cookie_mss_round(uint16_t mss)
{
	uint16_t r = dp_cookie_mss[0];

	for (unsigned i = 0; i < DP_COOKIE_N_MSS; i++)
		if (dp_cookie_mss[i] <= mss)
			r = dp_cookie_mss[i];
	return r;
}

static unsigned mss_class(uint16_t mss)
{
	unsigned c = 0;

	for (unsigned i = 0; i < DP_COOKIE_N_MSS; i++)
		if (dp_cookie_mss[i] <= mss)
			c = i;
	return c;
}

/* The words of a flow the keyed hashes take: both addresses whole, then
 * the ports and `last` (the ISN, or the cookie). */
#define FLOW_WORDS 5
static void flow_words(const struct dp_cookie_flow *f, uint32_t last, uint64_t m[FLOW_WORDS])
{
	m[0] = le64(f->saddr);
	m[1] = le64(f->saddr + 8);
	m[2] = le64(f->daddr);
	m[3] = le64(f->daddr + 8);
	m[4] = (uint64_t)f->sport << 48 | (uint64_t)f->dport << 32 | last;
}

static uint32_t whiten(const struct dp_cookie_secret *s, const struct dp_cookie_flow *f)
{
	uint64_t m[FLOW_WORDS];

	flow_words(f, f->isn, m);
	return (uint32_t)dp_cookie_siphash(s->kw, m, FLOW_WORDS);
}

static uint32_t mac(const struct dp_cookie_secret *s, const struct dp_cookie_flow *f,
		    uint32_t slot, uint32_t data, uint32_t tsval)
{
	uint64_t m[FLOW_WORDS + 1];

	flow_words(f, f->isn, m);
	m[FLOW_WORDS] = (uint64_t)slot << 32 | (uint64_t)data << 16;
	if (data & 1)   /* timestamps: the TSval we sent is part of what we vouch for */
		m[FLOW_WORDS] ^= (uint64_t)tsval * 0x9e3779b97f4a7c15ull;
	return (uint32_t)dp_cookie_siphash(s->km, m, FLOW_WORDS + 1) & 0x1fffff;
}

static uint32_t pack(const struct dp_cookie_opts *o)
{
	return (uint32_t)mss_class(o->mss) << 6 | (uint32_t)(o->ws > 14 ? DP_COOKIE_NO_WS : o->ws) << 2 |
	       (uint32_t)(o->sackok != 0) << 1 | (uint32_t)(o->ts != 0);
}

uint32_t dp_cookie_make(const struct dp_cookie_secret *s, uint64_t now_ms,
			const struct dp_cookie_flow *f, const struct dp_cookie_opts *o,
			uint32_t tsval)
{
	uint32_t slot = (uint32_t)(now_ms / DP_COOKIE_SLOT_MS);
	uint32_t data = pack(o);

	return whiten(s, f) + ((slot & 3) << 30 | data << 21 | mac(s, f, slot, data, tsval));
}

int dp_cookie_check(const struct dp_cookie_secret *s, uint64_t now_ms,
		    const struct dp_cookie_flow *f, uint32_t cookie, bool has_ts, uint32_t tsecr,
		    struct dp_cookie_opts *o)
{
	/* good: the slot of now and the one before, and the next one from a
	 * node whose clock is up to DP_COOKIE_TS_SKEW_MS ahead */
	uint32_t lo = (uint32_t)(now_ms / DP_COOKIE_SLOT_MS) - 1;
	uint32_t hi = (uint32_t)((now_ms + DP_COOKIE_TS_SKEW_MS) / DP_COOKIE_SLOT_MS);
	uint32_t raw = cookie - whiten(s, f);
	uint32_t data = (raw >> 21) & 0x1ff;
	/* the newest slot at or before hi with the cookie's two bits */
	uint32_t slot = hi - ((hi - (raw >> 30)) & 3);

	if (slot - lo > hi - lo)
		return -EBADMSG;
	if (data & 1) {
		/* timestamps were offered: every segment carries them, and
		 * the echo is what we sent, lately */
		int32_t age = (int32_t)((uint32_t)now_ms - tsecr);

		if (!has_ts || age > (int32_t)DP_COOKIE_TS_AGE_MS ||
		    age < -(int32_t)DP_COOKIE_TS_SKEW_MS)
			return -EBADMSG;
	}
	if ((raw & 0x1fffff) != mac(s, f, slot, data, tsecr))
		return -EBADMSG;
	o->mss = dp_cookie_mss[data >> 6];
	o->ws = (uint8_t)((data >> 2) & 0xf);
	o->sackok = (uint8_t)((data >> 1) & 1);
	o->ts = (uint8_t)(data & 1);
	return 0;
}

uint64_t dp_cookie_epoch(uint64_t now_ms)
{
	return now_ms / DP_COOKIE_ROTATE_MS;
}

/* An epoch's secret: SipHash under the master's first half of (epoch,
 * word index, the master's second half), one word at a time — a PRF of
 * the epoch, so no epoch's secret tells another's. */
static void epoch_secret(struct dp_cookie_secret *s, const uint8_t master[32], uint64_t epoch)
{
	const uint64_t k[2] = { le64(master), le64(master + 8) };
	uint64_t m[4] = { epoch, 0, le64(master + 16), le64(master + 24) };
	uint64_t *out[4] = { &s->kw[0], &s->kw[1], &s->km[0], &s->km[1] };

	for (unsigned i = 0; i < 4; i++) {
		m[1] = i;
		*out[i] = dp_cookie_siphash(k, m, 4);
	}
}

void dp_cookie_ring_init(struct dp_cookie_ring *r, const uint8_t master[32], uint64_t now_ms)
{
	r->epoch = dp_cookie_epoch(now_ms);
	epoch_secret(&r->cur, master, r->epoch);
	epoch_secret(&r->prev, master, r->epoch - 1);
	epoch_secret(&r->next, master, r->epoch + 1);
}

int dp_cookie_ring_check(const struct dp_cookie_ring *r, uint64_t now_ms,
			 const struct dp_cookie_flow *f, uint32_t cookie, bool has_ts,
			 uint32_t tsecr, struct dp_cookie_opts *o)
{
	uint64_t start = r->epoch * DP_COOKIE_ROTATE_MS;

	if (dp_cookie_check(&r->cur, now_ms, f, cookie, has_ts, tsecr, o) == 0)
		return 0;
	if (now_ms < start + 2 * DP_COOKIE_SLOT_MS + DP_COOKIE_TS_SKEW_MS)
		return dp_cookie_check(&r->prev, now_ms, f, cookie, has_ts, tsecr, o);
	if (now_ms + DP_COOKIE_TS_SKEW_MS >= start + DP_COOKIE_ROTATE_MS)
		return dp_cookie_check(&r->next, now_ms, f, cookie, has_ts, tsecr, o);
	return -EBADMSG;
}

bool dp_cookie_seen_check(struct dp_cookie_seen *t, const struct dp_cookie_flow *f,
			  uint32_t cookie, uint64_t now_ms)
{
	uint32_t slot = (uint32_t)(now_ms / DP_COOKIE_SLOT_MS);
	uint64_t m[FLOW_WORDS], h;
	uint64_t *b;
	uint32_t sig;
	unsigned victim;

	flow_words(f, cookie, m);
	h = m[0] ^ m[1] * 0x9e3779b97f4a7c15ull ^ m[2] * 0xc2b2ae3d27d4eb4full ^
	    m[3] * 0x165667b19e3779f9ull ^ m[4];
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
	h ^= h >> 32;
	sig = (uint32_t)h | 1;
	/* four ways a bucket: a stale or empty way is taken first */
	b = &t->ent[((uint32_t)(h >> 40) & t->mask) & ~3u];
	victim = sig >> 30;
	for (unsigned w = 0; w < 4; w++) {
		bool fresh = b[w] && slot - (uint32_t)b[w] <= 1;

		if (fresh && (uint32_t)(b[w] >> 32) == sig)
			return true;
		if (!fresh)
			victim = w;
	}
	b[victim] = (uint64_t)sig << 32 | slot;
	return false;
}
