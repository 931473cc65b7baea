/* dp/stats.c — names of the drop reasons and the lcore counters, as the
 * API shows them; sums over lcores. */
#include "dp/stats.h"

const char *const dp_drop_names[DP_DROP_MAX] = {
#define DP_DROP_NAME(name, str) [DP_DROP_##name] = str,
	DP_DROP_LIST(DP_DROP_NAME)
#undef DP_DROP_NAME
};

const struct dp_lcore_counter dp_lcore_counters[] = {
#define DP_LCORE_ENTRY(f, json, prom, help) \
	{ json, prom, help, offsetof(struct dp_lcore_stats, f) },
	DP_LCORE_COUNTERS(DP_LCORE_ENTRY)
#undef DP_LCORE_ENTRY
};

const unsigned dp_n_lcore_counters = sizeof(dp_lcore_counters) / sizeof(dp_lcore_counters[0]);

void dp_lcore_stats_add(struct dp_lcore_stats *t, const struct dp_lcore_stats *s)
{
#define DP_LCORE_SUM(f, json, prom, help) t->f += s->f;
	DP_LCORE_COUNTERS(DP_LCORE_SUM)
#undef DP_LCORE_SUM
	for (unsigned d = 0; d < DP_DROP_MAX; d++)
		t->drops[d] += s->drops[d];
	for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
		t->port[p].rx_pkts += s->port[p].rx_pkts;
		t->port[p].rx_bytes += s->port[p].rx_bytes;
		t->port[p].tx_pkts += s->port[p].tx_pkts;
		t->port[p].tx_bytes += s->port[p].tx_bytes;
	}
}
