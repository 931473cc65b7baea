/* OSPF public API without I/O: configuration errors, the announced set
 * (validation, duplicates, the size limit), the status JSON's shape, and
 * stop/destroy on a speaker that never started.
 */
#include "ospf_test.h"

static void test_create_rejects(void **state)
{
	struct ospf_conf c;
	struct ospf *o = NULL;
	char err[128];

	(void)state;
	conf_one(&c, A(10, 0, 0, 1), "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	c.ifaces[0].hello_s = 0;
	assert_int_equal(ospf_create_err(&c, &o, err, sizeof(err)), -EINVAL);
	assert_null(o);
	assert_string_equal(err, "interfaces[0].hello_s: must be at least 1");
	c.ifaces[0].hello_s = 1;
	c.ifaces[0].mtu = 100;
	assert_int_equal(ospf_create(&c, &o), -EINVAL);
	c.ifaces[0].mtu = 0;
	memset(c.ifaces[0].ifname, 'x', sizeof(c.ifaces[0].ifname));
	assert_int_equal(ospf_create_err(&c, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "interfaces[0].ifname: must be 1 to 15 characters");
}

static void test_announce_and_status(void **state)
{
	struct ospf_conf c;
	struct ospf *o;
	struct ospf_prefix p[3] = {
		{ A(10, 255, 0, 1), 32, 10 },
		{ A(10, 1, 0, 0), 16, 20 },
		{ A(10, 255, 0, 1), 32, 5 },       /* duplicate: lowest cost wins */
	};
	struct ospf_prefix bad = { A(10, 255, 0, 1), 24, 1 };   /* host bits */
	struct ospf_prefix *many;
	json_t *j, *a, *d;
	unsigned i;

	(void)state;
	conf_one(&c, A(10, 0, 0, 1), "eth0", A(10, 0, 0, 1), 24, OSPF_IF_PTP);
	assert_int_equal(ospf_create(&c, &o), 0);
	assert_int_equal(ospf_announce(o, p, 3), 0);
	assert_int_equal(ospf_announce(o, &bad, 1), -EINVAL);
	bad.plen = 33;
	assert_int_equal(ospf_announce(o, &bad, 1), -EINVAL);
	/* 1500-byte MTU: some 118 links fit in the router-LSA's packet */
	many = calloc(200, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < 200; i++)
		many[i] = (struct ospf_prefix){ A(10, 254, i / 256, i % 256), 32, 1 };
	assert_int_equal(ospf_announce(o, many, 200), -E2BIG);
	assert_int_equal(ospf_announce(o, many, 100), 0);
	assert_int_equal(ospf_announce(o, p, 3), 0);    /* the failed ones changed nothing */
	free(many);

	assert_int_equal(ospf_status_json(o, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "router_id")), "10.0.0.1");
	a = json_object_get(j, "announced");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "prefix")),
			    "10.1.0.0/16");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "prefix")),
			    "10.255.0.1/32");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "cost")), 5);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "interfaces"), 0), "state")), "Down");
	assert_int_equal(json_array_size(json_object_get(j, "neighbours")), 0);
	assert_true(json_is_null(json_object_get(j, "router_lsa")));
	d = json_object_get(json_object_get(j, "counters"), "drops");
	assert_int_equal(json_object_size(d), OSPF_DROP_MAX);
	assert_int_equal(json_integer_value(json_object_get(d, "checksum")), 0);
	assert_false(json_is_true(json_object_get(json_object_get(j, "io"), "running")));
	json_decref(j);

	assert_int_equal(ospf_heartbeat(o), 0);
	ospf_stop(o);            /* never started: nothing to do */
	ospf_stop(o);
	ospf_destroy(o);
	ospf_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_announce_and_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
