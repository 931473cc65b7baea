/* dp/flow.h — reply steering in hardware: one rte_flow rule per local IP,
 * "IPv4 dst == LIP → rx queue of the lcore that owns LIP" (MGW's way; see
 * docs/design.md "FULLNAT and reply steering" and dp/laddr.h).
 *
 * The mode is chosen once, when the control plane builds its first
 * snapshot, and holds for the life of the process (sessions depend on it):
 * DP_LADDR_FLOW when there are two or more data lcores, at least as many
 * LIPs as data lcores, and every data port validates every rule;
 * DP_LADDR_SOFT otherwise (af_packet, af_xdp and tap have no rte_flow here).
 * The choice is logged. In flow mode the rules follow the LIPs of each
 * published snapshot; the software redirect stays as the safety net for
 * anything that reaches the wrong queue (a rule not yet in place, a NIC
 * that ignored one).
 *
 * The rule construction and the LIP → lcore assignment are pure functions
 * (no EAL), so they are unit-tested alone. */
#ifndef MGW_DP_FLOW_H
#define MGW_DP_FLOW_H

#include <stdint.h>

#include <rte_flow.h>

#include "dp/addr6.h"
#include "dp/laddr.h"
#include "dp/stats.h"

struct dp;

/* One rule, self-contained: its arrays point into the struct itself, so it
 * must not be copied after dp_flow_rule_build(). */
struct dp_flow_rule {
	struct rte_flow_attr attr;
	struct rte_flow_item pattern[3];       /* ETH / IPV4 or IPV6 dst / END */
	struct rte_flow_item_ipv4 spec, mask;
	struct rte_flow_item_ipv6 spec6, mask6;
	struct rte_flow_action action[2];      /* QUEUE / END */
	struct rte_flow_action_queue queue;
};

/* The rule steering packets to a local IP to rx queue `queue`: lip
 * (network order), or with a6 the IPv6 address a6 (lip its handle). */
void dp_flow_rule_build(struct dp_flow_rule *r, uint32_t lip, const uint8_t *a6,
			uint16_t queue);

/* The IPv6 address of a map's i-th local IP, NULL for an IPv4 one (its
 * key a v6 handle, dp/addr6.h: a map built without n_lips4 is IPv4's). */
static inline const uint8_t *dp_flow_lip6(const struct dp_laddr_map *m, uint32_t i)
{
	return i >= m->n_lips4 && dp_is_ip6_handle(m->lip[i]) ? m->lip6[i] : NULL;
}

/* The rules of every LIP of a map (to each one's lip_owner); at most max.
 * Returns how many were built. */
unsigned dp_flow_rules_build(const struct dp_laddr_map *m, struct dp_flow_rule *out,
			     unsigned max);

/* Fill m->lip_owner: a LIP that prev (the map in force) has keeps its
 * owner, so its sessions' replies keep their queue; a new LIP goes to the
 * lcore that holds the fewest (the lowest index on a tie). prev may be
 * NULL. m->n_lcores must be set. */
void dp_flow_assign_owners(struct dp_laddr_map *m, const struct dp_laddr_map *prev);

/* What the data plane keeps of the rules it installed. */
struct dp_flow {
	uint8_t decided;
	uint8_t mode;                          /* enum dp_laddr_mode */
	uint32_t n;
	uint32_t lip[DP_MAX_LIPS];             /* an IPv6 one's handle ... */
	uint8_t v6[DP_MAX_LIPS];
	uint8_t lip6[DP_MAX_LIPS][16];         /* ... and address */
	uint16_t owner[DP_MAX_LIPS];
	struct rte_flow *rule[DP_MAX_LIPS][DP_MAX_PORTS];
};

/* The reply-steering mode (control thread). The first call decides, from
 * the LIPs of the first snapshot (owners assigned), and logs why; later
 * calls return the same. The control plane puts it in every snapshot's
 * laddr.mode. */
enum dp_laddr_mode dp_laddr_mode(struct dp *dp, const struct dp_laddr_map *m);

#endif
