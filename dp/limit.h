/* dp/limit.h — rate limits of new connections: token buckets per lcore.
 *
 * A service's new_conns_per_s and per_client_new_conns_per_s hold for the
 * node; each of its n data lcores holds its share, rate / n a second (the
 * flows of a service, and of one client, are spread over the lcores by the
 * rx hash). A bucket fills at that rate up to one second's worth (at least
 * one token) and a new connection takes a token.
 *
 * Units: 1 token = 1000 n units and a bucket gains `rate` units a
 * millisecond, so every refill is an integer however small the rate
 * (rate 1 over 16 lcores: one token every 16 s).
 *
 * Per client: a fixed, small table per lcore (DP_CLIENT_SETS sets of
 * DP_CLIENT_WAYS buckets, 16 B each, 256 KiB), keyed by (service, source
 * /32) with the lcore's seed. A new client takes the way of its set whose
 * bucket would be full by now (it holds nothing a fresh bucket would not),
 * else the one used longest ago: memory stays bounded whatever the number
 * of sources, at the price that a client pushed out comes back with a full
 * bucket — a spoofed flood churns its set, never the table as a whole.
 *
 * Pure and header-only (no EAL). */
#ifndef MGW_DP_LIMIT_H
#define MGW_DP_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define DP_CLIENT_SETS 4096
#define DP_CLIENT_WAYS 4

struct dp_tb {
	uint64_t units;
	uint32_t last_ms;
	uint32_t used;        /* 0: never used (starts full) */
};

static inline uint64_t dp_tb_cap(uint32_t rate, uint32_t n)
{
	return 1000ull * (rate > n ? rate : n);
}

/* Top up bucket (units, last) to now for rate over n lcores. */
static inline uint64_t dp_tb_level(uint64_t units, uint32_t last_ms, bool used, uint32_t now_ms,
				   uint32_t rate, uint32_t n)
{
	uint64_t cap = dp_tb_cap(rate, n);

	if (!used)
		return cap;
	units += (uint64_t)(now_ms - last_ms) * rate;
	return units > cap ? cap : units;
}

/* Take a token; false when the bucket is empty. */
static inline bool dp_tb_take(struct dp_tb *b, uint32_t now_ms, uint32_t rate, uint32_t n)
{
	uint64_t u = dp_tb_level(b->units, b->last_ms, b->used, now_ms, rate, n);
	uint64_t cost = 1000ull * n;
	bool ok = u >= cost;

	b->units = ok ? u - cost : u;
	b->last_ms = now_ms;
	b->used = 1;
	return ok;
}

struct dp_client_tb {
	uint32_t src;         /* network order */
	uint32_t svc;         /* service id + 1; 0 = empty */
	uint32_t last_ms;
	uint32_t units;       /* ≤ 1000 max(rate, n): rate ≤ 1,000,000 */
};

struct dp_client_tab {
	uint64_t seed;
	struct dp_client_tb e[DP_CLIENT_SETS][DP_CLIENT_WAYS];
};

static inline uint32_t dp_client_set(const struct dp_client_tab *t, uint32_t src, uint32_t svc)
{
	uint64_t h = ((uint64_t)src << 32 | svc) ^ t->seed;

	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 40) & (DP_CLIENT_SETS - 1);
}

/* A new connection of client src to service svc: false when its bucket is
 * empty. */
static inline bool dp_client_take(struct dp_client_tab *t, uint32_t src, uint32_t svc,
				  uint32_t now_ms, uint32_t rate, uint32_t n)
{
	struct dp_client_tb *set = t->e[dp_client_set(t, src, svc)], *v = NULL;
	uint64_t cap = dp_tb_cap(rate, n), u, cost = 1000ull * n;
	unsigned i;
	bool ok;

	for (i = 0; i < DP_CLIENT_WAYS; i++)
		if (set[i].svc == svc + 1 && set[i].src == src)
			break;
	if (i == DP_CLIENT_WAYS) {
		/* a way that is empty or would be full by now, else the
		 * longest unused */
		for (i = 0; i < DP_CLIENT_WAYS; i++) {
			struct dp_client_tb *w = &set[i];

			if (!w->svc || (uint64_t)w->units + (uint64_t)(now_ms - w->last_ms) * rate >= cap) {
				v = w;
				break;
			}
			if (!v || (int32_t)(w->last_ms - v->last_ms) < 0)
				v = w;
		}
		v->src = src;
		v->svc = svc + 1;
		v->units = (uint32_t)cap;
		v->last_ms = now_ms;
	} else {
		v = &set[i];
	}
	u = dp_tb_level(v->units, v->last_ms, true, now_ms, rate, n);
	ok = u >= cost;
	v->units = (uint32_t)(ok ? u - cost : u);
	v->last_ms = now_ms;
	return ok;
}

#endif
