/* dp/sched.c — the schedulers (see sched.h). */
#include <arpa/inet.h>

#include "dp/dp_int.h"
#include "dp/sched.h"

uint32_t dp_sched_scan(const uint64_t *usable, uint32_t n, uint32_t from)
{
	uint32_t words = (n + 63) / 64, wi;
	uint64_t w;

	if (n == 0)
		return DP_SCHED_NONE;
	from = from < n - 1 ? from + 1 : 0;
	wi = from >> 6;
	/* The first word from `from` on; the scan wraps back to it at the end. */
	w = usable[wi] & (~0ull << (from & 63));
	for (uint32_t k = 0; k <= words; k++) {
		if (wi == words - 1 && (n & 63))
			w &= (1ull << (n & 63)) - 1;
		if (w)
			return wi * 64 + (uint32_t)__builtin_ctzll(w);
		wi = wi + 1 == words ? 0 : wi + 1;
		w = usable[wi];
	}
	return DP_SCHED_NONE;
}

int dp_sched_rr(const struct dp_service *svc, uint32_t *cursor, const uint8_t *ovl)
{
	uint32_t n = svc->n_servers;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (*cursor + k) % n;

		if (dp_sched_usable(&svc->servers[i], ovl)) {
			*cursor = i + 1;
			return (int)i;
		}
	}
	return -1;
}

/* Smooth weighted round robin by walking the cycle of turns the control
 * plane dealt (each server's turns spread evenly; see cp_wrr_build): one
 * step per pick while every server is usable. An unusable server's turns
 * fall to the turns after them, which are spread like everyone's, so the
 * others keep shares close to their weights. Nothing usable: one lap, -1
 * (the bitmap answers first unless only overload (-x) stops them). */
int dp_sched_wrr(const struct dp_service *svc, uint32_t *cursor, const uint8_t *ovl)
{
	uint32_t size = svc->table_size, c = *cursor;

	if (!svc->table || dp_sched_scan(svc->usable, svc->n_servers, svc->n_servers - 1) ==
				   DP_SCHED_NONE)
		return -1;
	if (c >= size)   /* a new cycle (weights changed) is shorter */
		c = 0;
	for (uint32_t k = 0; k < size; k++) {
		uint32_t i = svc->table[c];

		c = c + 1 == size ? 0 : c + 1;
		if (i < svc->n_servers && dp_sched_usable(&svc->servers[i], ovl)) {
			*cursor = c;
			return (int)i;
		}
	}
	*cursor = c;
	return -1;
}

/* Least connections, as LVS counts them: an open connection weighs 256 and
 * a closing one 1. Weighted: the least load per unit of weight. Ties go to
 * the first in the (address-sorted) server list. */
int dp_sched_lc(const struct dp_service *svc, const struct dp_rs_stats *rs, bool weighted,
		const uint8_t *ovl)
{
	uint64_t best_load = 0, best_w = 1;
	int best = -1;

	for (uint32_t i = 0; i < svc->n_servers; i++) {
		const struct dp_server *s = &svc->servers[i];
		const struct dp_rs_stats *st = &rs[s->id];
		uint64_t open = st->open > 0 ? (uint64_t)st->open : 0;
		uint64_t closing = st->sessions > st->open ? (uint64_t)(st->sessions - st->open) : 0;
		uint64_t load = open * 256 + closing, w = weighted ? s->weight : 1;

		if (!dp_sched_usable(s, ovl))
			continue;
		/* load/w < best_load/best_w without dividing */
		if (best < 0 || load * best_w < best_load * w) {
			best = (int)i;
			best_load = load;
			best_w = w;
		}
	}
	return best;
}

int dp_sched_hash(const struct dp_service *svc, uint32_t cip_host, uint16_t cport_host,
		  const uint8_t *ovl)
{
	uint32_t slot = dp_sched_slot(cip_host, cport_host, svc->hash_port, svc->table_size);
	uint32_t i = dp_sched_table_pick(svc->table, svc->table_size, slot, svc->usable,
					 svc->n_servers);

	if (i == DP_SCHED_NONE)
		return -1;
	if (!ovl || !ovl[svc->servers[i].id])
		return (int)i;
	/* Overloaded on this lcore (ipvsadm -x): keep walking the table. */
	for (uint32_t k = 1; k < svc->table_size; k++) {
		uint32_t j = svc->table[(slot + k) % svc->table_size];

		if (j < svc->n_servers && dp_sched_usable(&svc->servers[j], ovl))
			return (int)j;
	}
	return -1;
}

int dp_sched_pick(struct dp_lcore *lc, const struct dp_service *svc, uint32_t cip,
		  uint16_t cport)
{
	if (svc->n_servers == 0)
		return -1;
	if (svc->has_thr)
		for (uint32_t i = 0; i < svc->n_servers; i++)
			dp_sched_overload(&svc->servers[i], lc->rs[svc->servers[i].id].open, lc->ovl);
	switch (svc->sched) {
	case DP_SCHED_WRR:
		return dp_sched_wrr(svc, &lc->rr[svc->id], lc->ovl);
	case DP_SCHED_LC:
		return dp_sched_lc(svc, lc->rs, false, lc->ovl);
	case DP_SCHED_WLC:
		return dp_sched_lc(svc, lc->rs, true, lc->ovl);
	case DP_SCHED_SH:
	case DP_SCHED_MH:
		return dp_sched_hash(svc, ntohl(cip), ntohs(cport), lc->ovl);
	default:
		return dp_sched_rr(svc, &lc->rr[svc->id], lc->ovl);
	}
}
