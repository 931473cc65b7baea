/* Unit tests: rte_flow reply steering without EAL (dp/flow.c) — the rule
 * for each LIP (pattern ETH / IPV4 dst=LIP/32 / END, action QUEUE owner /
 * END), and the LIP → lcore assignment that keeps a LIP's lcore while LIPs
 * come and go around it and spreads new ones evenly. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/flow.h"

static void map_init(struct dp_laddr_map *m, uint16_t n_lcores, uint32_t n_lips, uint32_t base)
{
	memset(m, 0, sizeof(*m));
	m->mode = DP_LADDR_FLOW;
	m->n_lcores = n_lcores;
	m->n_lips = n_lips;
	for (uint32_t i = 0; i < n_lips; i++)
		m->lip[i] = htonl(base + i);
}

static void test_rule_shape(void **state)
{
	struct dp_flow_rule r;
	const struct rte_flow_item_ipv4 *spec, *mask;
	const struct rte_flow_action_queue *q;

	(void)state;
	dp_flow_rule_build(&r, htonl(0x0a010064), NULL, 3);
	assert_int_equal(r.attr.ingress, 1);
	assert_int_equal(r.attr.egress, 0);
	assert_int_equal(r.attr.group, 0);
	assert_int_equal(r.pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
	assert_null(r.pattern[0].spec);    /* any Ethernet header */
	assert_int_equal(r.pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV4);
	assert_int_equal(r.pattern[2].type, RTE_FLOW_ITEM_TYPE_END);
	spec = r.pattern[1].spec;
	mask = r.pattern[1].mask;
	assert_ptr_equal(spec, &r.spec);
	assert_int_equal(spec->hdr.dst_addr, htonl(0x0a010064));
	assert_int_equal(mask->hdr.dst_addr, 0xffffffff);
	/* nothing else of the header is matched */
	assert_int_equal(mask->hdr.src_addr, 0);
	assert_int_equal(mask->hdr.next_proto_id, 0);
	assert_int_equal(r.action[0].type, RTE_FLOW_ACTION_TYPE_QUEUE);
	assert_int_equal(r.action[1].type, RTE_FLOW_ACTION_TYPE_END);
	q = r.action[0].conf;
	assert_ptr_equal(q, &r.queue);
	assert_int_equal(q->index, 3);
}

static void test_rules_of_map(void **state)
{
	struct dp_laddr_map m;
	struct dp_flow_rule r[DP_MAX_LIPS];

	(void)state;
	map_init(&m, 4, 6, 0x0a010064);
	dp_flow_assign_owners(&m, NULL);
	assert_int_equal(dp_flow_rules_build(&m, r, DP_MAX_LIPS), 6);
	for (unsigned i = 0; i < 6; i++) {
		const struct rte_flow_item_ipv4 *spec = r[i].pattern[1].spec;
		const struct rte_flow_action_queue *q = r[i].action[0].conf;

		assert_int_equal(spec->hdr.dst_addr, m.lip[i]);
		assert_int_equal(q->index, m.lip_owner[i]);
		assert_true(q->index < 4);
	}
	/* room for fewer: no more than that */
	assert_int_equal(dp_flow_rules_build(&m, r, 2), 2);
	m.n_lips = 0;
	assert_int_equal(dp_flow_rules_build(&m, r, DP_MAX_LIPS), 0);
}

/* An IPv6 local IP's rule matches its whole address (its handle is only
 * the tables' key), after the IPv4 ones of the map. */
static void test_rules_v6(void **state)
{
	struct dp_laddr_map m;
	struct dp_flow_rule r[DP_MAX_LIPS];
	static const uint8_t a6[16] = { 0xfd, 0, 0, 2, [15] = 0x64 };
	const struct rte_flow_item_ipv6 *spec, *mask;

	(void)state;
	map_init(&m, 2, 3, 0x0a010064);
	m.n_lips4 = 2;
	memcpy(m.lip6[2], a6, 16);
	m.lip[2] = 0x00123400;   /* a handle */
	dp_flow_assign_owners(&m, NULL);
	assert_int_equal(dp_flow_rules_build(&m, r, DP_MAX_LIPS), 3);
	assert_int_equal(r[0].pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV4);
	assert_int_equal(r[1].pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV4);
	assert_int_equal(r[2].pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV6);
	assert_int_equal(r[2].pattern[2].type, RTE_FLOW_ITEM_TYPE_END);
	spec = r[2].pattern[1].spec;
	mask = r[2].pattern[1].mask;
	assert_ptr_equal(spec, &r[2].spec6);
	assert_memory_equal(spec->hdr.dst_addr, a6, 16);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(mask->hdr.dst_addr[i], 0xff);
		assert_int_equal(mask->hdr.src_addr[i], 0);
	}
	assert_int_equal(mask->hdr.proto, 0);
	assert_int_equal(((const struct rte_flow_action_queue *)r[2].action[0].conf)->index,
			 m.lip_owner[2]);
}

static void count_owners(const struct dp_laddr_map *m, unsigned *per)
{
	memset(per, 0, sizeof(unsigned) * DP_MAX_LIPS);
	for (uint32_t i = 0; i < m->n_lips; i++)
		per[m->lip_owner[i]]++;
}

static void test_assign_spread_and_stable(void **state)
{
	struct dp_laddr_map a, b;
	unsigned per[DP_MAX_LIPS];

	(void)state;
	/* 8 LIPs on 4 lcores: two each */
	map_init(&a, 4, 8, 100);
	dp_flow_assign_owners(&a, NULL);
	count_owners(&a, per);
	for (unsigned l = 0; l < 4; l++)
		assert_int_equal(per[l], 2);

	/* remove the first two LIPs, add three: survivors keep their lcore,
	 * the new ones fill the lcores that lost one first */
	map_init(&b, 4, 9, 102);
	dp_flow_assign_owners(&b, &a);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(b.lip_owner[i], a.lip_owner[i + 2]);
	count_owners(&b, per);
	for (unsigned l = 0; l < 4; l++)
		assert_true(per[l] == 2 || per[l] == 3);
	/* the two that lost a LIP got the first two new ones */
	assert_int_equal(b.lip_owner[6], a.lip_owner[0]);
	assert_int_equal(b.lip_owner[7], a.lip_owner[1]);

	/* the same map again: nothing moves */
	{
		struct dp_laddr_map c = b;

		memset(c.lip_owner, 0xff, sizeof(c.lip_owner));
		dp_flow_assign_owners(&c, &b);
		assert_memory_equal(c.lip_owner, b.lip_owner, b.n_lips * sizeof(b.lip_owner[0]));
	}
	/* order changed in the config: still nothing moves */
	{
		struct dp_laddr_map c = b;

		for (uint32_t i = 0; i < c.n_lips; i++)
			c.lip[i] = b.lip[c.n_lips - 1 - i];
		dp_flow_assign_owners(&c, &b);
		for (uint32_t i = 0; i < c.n_lips; i++)
			assert_int_equal(c.lip_owner[i], b.lip_owner[c.n_lips - 1 - i]);
	}
}

static void test_assign_edges(void **state)
{
	struct dp_laddr_map a, prev;
	unsigned per[DP_MAX_LIPS];

	(void)state;
	/* fewer LIPs than lcores: each on its own lcore */
	map_init(&a, 8, 3, 1);
	dp_flow_assign_owners(&a, NULL);
	count_owners(&a, per);
	for (unsigned l = 0; l < 3; l++)
		assert_int_equal(per[l], 1);
	/* one lcore: everything on 0 */
	map_init(&a, 1, 5, 1);
	dp_flow_assign_owners(&a, NULL);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(a.lip_owner[i], 0);
	/* an owner out of range in prev (fewer lcores now) is reassigned */
	map_init(&prev, 8, 2, 1);
	prev.lip_owner[0] = 7;
	prev.lip_owner[1] = 1;
	map_init(&a, 2, 2, 1);
	dp_flow_assign_owners(&a, &prev);
	assert_int_equal(a.lip_owner[1], 1);
	assert_int_equal(a.lip_owner[0], 0);
	/* the most LIPs there can be */
	map_init(&a, 16, DP_MAX_LIPS, 1);
	dp_flow_assign_owners(&a, NULL);
	count_owners(&a, per);
	for (unsigned l = 0; l < 16; l++)
		assert_int_equal(per[l], DP_MAX_LIPS / 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_shape),
		cmocka_unit_test(test_rules_of_map),
		cmocka_unit_test(test_rules_v6),
		cmocka_unit_test(test_assign_spread_and_stable),
		cmocka_unit_test(test_assign_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
