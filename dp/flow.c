/* dp/flow.c — rte_flow reply steering: the rules (pure), the choice of
 * mode and keeping the rules in step with the LIPs (control threads). */
#include <arpa/inet.h>
#include <string.h>

#include "dp/dp_int.h"
#include "dp/flow.h"

void dp_flow_rule_build(struct dp_flow_rule *r, uint32_t lip, const uint8_t *a6,
			uint16_t queue)
{
	memset(r, 0, sizeof(*r));
	r->attr.ingress = 1;
	r->pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (a6) {
		memcpy(r->spec6.hdr.dst_addr, a6, 16);
		memset(r->mask6.hdr.dst_addr, 0xff, 16);
		r->pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV6;
		r->pattern[1].spec = &r->spec6;
		r->pattern[1].mask = &r->mask6;
	} else {
		r->spec.hdr.dst_addr = lip;
		r->mask.hdr.dst_addr = 0xffffffff;
		r->pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
		r->pattern[1].spec = &r->spec;
		r->pattern[1].mask = &r->mask;
	}
	r->pattern[2].type = RTE_FLOW_ITEM_TYPE_END;
	r->queue.index = queue;
	r->action[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	r->action[0].conf = &r->queue;
	r->action[1].type = RTE_FLOW_ACTION_TYPE_END;
}

unsigned dp_flow_rules_build(const struct dp_laddr_map *m, struct dp_flow_rule *out,
			     unsigned max)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < m->n_lips && i < DP_MAX_LIPS && n < max; i++)
		dp_flow_rule_build(&out[n++], m->lip[i], dp_flow_lip6(m, i), m->lip_owner[i]);
	return n;
}

void dp_flow_assign_owners(struct dp_laddr_map *m, const struct dp_laddr_map *prev)
{
	uint32_t load[DP_MAX_LIPS];
	uint16_t n = m->n_lcores ? m->n_lcores : 1;
	uint8_t kept[DP_MAX_LIPS];

	/* More lcores than LIPs: the extra lcores get none, so the load of
	 * the first DP_MAX_LIPS lcores is all that matters. */
	if (n > DP_MAX_LIPS)
		n = DP_MAX_LIPS;
	memset(load, 0, sizeof(load));
	memset(kept, 0, sizeof(kept));
	for (uint32_t i = 0; i < m->n_lips && i < DP_MAX_LIPS; i++) {
		int j = prev ? dp_laddr_lip_index(prev, m->lip[i]) : -1;

		if (j >= 0 && prev->lip_owner[j] < n) {
			m->lip_owner[i] = prev->lip_owner[j];
			load[m->lip_owner[i]]++;
			kept[i] = 1;
		}
	}
	for (uint32_t i = 0; i < m->n_lips && i < DP_MAX_LIPS; i++) {
		uint16_t best = 0;

		if (kept[i])
			continue;
		for (uint16_t l = 1; l < n; l++)
			if (load[l] < load[best])
				best = l;
		m->lip_owner[i] = best;
		load[best]++;
	}
}

static const char *validate_all(struct dp *dp, const struct dp_laddr_map *m, char *buf,
				size_t len)
{
	struct dp_flow_rule r;

	for (unsigned p = 0; p < dp->n_ports; p++) {
		for (uint32_t i = 0; i < m->n_lips && i < DP_MAX_LIPS; i++) {
			struct rte_flow_error err = { 0 };
			int rc;

			dp_flow_rule_build(&r, m->lip[i], dp_flow_lip6(m, i), m->lip_owner[i]);
			rc = rte_flow_validate(dp->port[p].eth_id, &r.attr, r.pattern, r.action, &err);
			if (rc != 0) {
				snprintf(buf, len, "port %s cannot steer by rte_flow: %s",
					 dp->port[p].conf.name,
					 err.message ? err.message : strerror(-rc));
				return buf;
			}
		}
	}
	return NULL;
}

enum dp_laddr_mode dp_laddr_mode(struct dp *dp, const struct dp_laddr_map *m)
{
	struct dp_flow *f = &dp->flow;
	const char *why = NULL;
	char buf[256];

	if (f->decided)
		return f->mode;
	if (dp->n_lcores < 2)
		why = "one data lcore owns every reply";
	else if (m->n_lips < dp->n_lcores)
		why = "fewer local IPs than data lcores";
	else
		why = validate_all(dp, m, buf, sizeof(buf));
	f->mode = why ? DP_LADDR_SOFT : DP_LADDR_FLOW;
	f->decided = 1;
	if (why)
		DP_LOG(NOTICE, "reply steering: software (lport %% %u picks the lcore, wrong-lcore "
		       "replies go over rings): %s", dp->n_lcores, why);
	else
		DP_LOG(NOTICE, "reply steering: rte_flow (one rule per local IP, %u IPs over %u "
		       "lcores)", m->n_lips, dp->n_lcores);
	return f->mode;
}

static void rules_destroy(struct dp *dp, unsigned i)
{
	struct dp_flow *f = &dp->flow;

	for (unsigned p = 0; p < dp->n_ports; p++) {
		if (f->rule[i][p]) {
			struct rte_flow_error err;

			rte_flow_destroy(dp->port[p].eth_id, f->rule[i][p], &err);
			f->rule[i][p] = NULL;
		}
	}
}

static void rules_create(struct dp *dp, unsigned i)
{
	struct dp_flow *f = &dp->flow;
	char a[INET6_ADDRSTRLEN];
	struct dp_flow_rule r;

	dp_flow_rule_build(&r, f->lip[i], f->v6[i] ? f->lip6[i] : NULL, f->owner[i]);
	if (f->v6[i])
		inet_ntop(AF_INET6, f->lip6[i], a, sizeof(a));
	else
		inet_ntop(AF_INET, &f->lip[i], a, sizeof(a));
	for (unsigned p = 0; p < dp->n_ports; p++) {
		struct rte_flow_error err = { 0 };

		f->rule[i][p] = rte_flow_create(dp->port[p].eth_id, &r.attr, r.pattern, r.action,
						&err);
		if (!f->rule[i][p])
			DP_LOG(WARNING, "port %s: no flow rule for local IP %s (replies to it are "
			       "redirected in software): %s", dp->port[p].conf.name, a,
			       err.message ? err.message : "unknown error");
	}
}

void dp_flow_sync(struct dp *dp, const struct dp_laddr_map *m)
{
	struct dp_flow *f = &dp->flow;
	unsigned keep = 0;

	if (!f->decided || f->mode != DP_LADDR_FLOW)
		return;
	/* Rules of LIPs gone or moved go first; the survivors are packed. */
	for (unsigned i = 0; i < f->n; i++) {
		int j = dp_laddr_lip_index(m, f->lip[i]);

		if (j < 0 || m->lip_owner[j] != f->owner[i]) {
			rules_destroy(dp, i);
			continue;
		}
		if (keep != i) {
			f->lip[keep] = f->lip[i];
			f->v6[keep] = f->v6[i];
			memcpy(f->lip6[keep], f->lip6[i], 16);
			f->owner[keep] = f->owner[i];
			memcpy(f->rule[keep], f->rule[i], sizeof(f->rule[i]));
			memset(f->rule[i], 0, sizeof(f->rule[i]));
		}
		keep++;
	}
	f->n = keep;
	for (uint32_t j = 0; j < m->n_lips && j < DP_MAX_LIPS; j++) {
		bool have = false;

		for (unsigned i = 0; i < f->n && !have; i++)
			have = f->lip[i] == m->lip[j];
		if (have || f->n == DP_MAX_LIPS)
			continue;
		f->lip[f->n] = m->lip[j];
		f->v6[f->n] = dp_flow_lip6(m, j) != NULL;
		if (f->v6[f->n])
			memcpy(f->lip6[f->n], m->lip6[j], 16);
		f->owner[f->n] = m->lip_owner[j];
		rules_create(dp, f->n);
		f->n++;
	}
	/* An lcore with no LIP of its own has no port to give a new flow. */
	for (unsigned l = 0; l < dp->n_lcores; l++) {
		bool has = false;

		for (unsigned i = 0; i < f->n && !has; i++)
			has = f->owner[i] == l;
		if (!has)
			DP_LOG(WARNING, "reply steering: lcore %u owns no local IP: new flows it "
			       "receives fail (lport_exhausted) until one is added", l);
	}
}

void dp_flow_destroy(struct dp *dp)
{
	struct dp_flow *f = &dp->flow;

	for (unsigned i = 0; i < f->n; i++)
		rules_destroy(dp, i);
	f->n = 0;
}
