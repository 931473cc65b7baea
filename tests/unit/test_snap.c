/* Unit tests: what cp_snap_build (cp/snap.c) gives the data plane for the
 * features of dp/reply_path.c and dp/flow.c — a sorry server with a server
 * id of its own (made live, kept, retired like a server's), on_down and
 * the per-id reset map of down servers, LIP owners that stay put while
 * LIPs come and go, the steering mode carried from one snapshot to the
 * next. No EAL: the route table is never touched. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cp/config.h"
#include "cp/ids.h"
#include "cp/snap.h"

struct ctx {
	struct cp_ids *svc_ids, *rs_ids;
	uint8_t down[64];
	struct dp_snap *snap;
	struct cp_config *cfg;
	uint64_t gen;
};

static const char *base =
	"{ \"node\": { \"id\": 1 }, \"api\": { \"listen\": \"127.0.0.1:8080\" },"
	"  \"dpdk\": { \"lcores\": \"0@0,1@0,2@0\" },"
	"  \"ports\": [ { \"name\": \"wan\", \"dev\": \"x\", \"ip\": \"10.0.0.2/24\" },"
	"               { \"name\": \"lan\", \"dev\": \"y\", \"ip\": \"10.1.0.2/24\" } ],"
	"  \"limits\": { \"servers\": 64, \"services\": 16 },";

static struct cp_config *config(const char *lips, const char *services)
{
	char buf[4096];
	struct cp_config *c = NULL;
	struct cp_err err;
	json_error_t jerr;
	json_t *j;

	snprintf(buf, sizeof(buf), "%s \"localips\": %s, \"services\": %s }", base, lips, services);
	j = json_loads(buf, 0, &jerr);
	assert_non_null(j);
	if (cp_config_from_json(j, &c, &err) < 0)
		fail_msg("%s: %s", err.field, err.msg);
	json_decref(j);
	for (unsigned i = 0; i < c->n_services; i++)
		cp_service_sort_servers(&c->services[i]);
	return c;
}

/* Build from cfg on top of the last snapshot; the ids lists are handled as
 * cp.c does once a snapshot is published. */
static struct dp_snap *build(struct ctx *x, struct cp_config *cfg, struct cp_snap_in *keep)
{
	struct cp_snap_in in;
	struct dp_snap *s;
	struct cp_err err;

	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.prev = x->snap;
	in.svc_ids = x->svc_ids;
	in.rs_ids = x->rs_ids;
	in.rs_down = x->down;
	in.gen = ++x->gen;
	in.n_lcores = 2;
	assert_int_equal(cp_snap_build(&in, &s, &err), 0);
	for (uint32_t i = 0; i < in.gone_svc.n; i++)
		cp_ids_retire(x->svc_ids, in.gone_svc.v[i]);
	for (uint32_t i = 0; i < in.gone_rs.n; i++)
		cp_ids_retire(x->rs_ids, in.gone_rs.v[i]);
	if (keep)
		*keep = in;
	else
		cp_snap_in_done(&in);
	cp_snap_free(x->snap);
	cp_config_free(x->cfg);
	x->snap = s;
	x->cfg = cfg;
	return s;
}

static const struct dp_service *svc(const struct dp_snap *s, uint16_t port)
{
	for (uint32_t i = 0; i < s->n_svc; i++)
		if (ntohs(s->svc[i].port) == port)
			return &s->svc[i];
	fail();
	return NULL;
}

static int has(const struct cp_id_list *l, uint32_t id)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return 1;
	return 0;
}

static void setup(struct ctx *x)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(cp_ids_create(16, &x->svc_ids), 0);
	assert_int_equal(cp_ids_create(64, &x->rs_ids), 0);
}

static void teardown(struct ctx *x)
{
	cp_snap_free(x->snap);
	cp_config_free(x->cfg);
	cp_ids_destroy(x->svc_ids);
	cp_ids_destroy(x->rs_ids);
}

#define LIPS "[ \"10.1.0.100\" ]"

static void test_sorry_server_ids(void **state)
{
	struct cp_snap_in in;
	struct ctx x;
	const struct dp_service *d;
	uint32_t sorry_id, rs;

	(void)state;
	setup(&x);
	build(&x, config(LIPS, "[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80,"
			       "  \"sorry_server\": { \"ip\": \"10.1.0.11\", \"port\": 8080 },"
			       "  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ]"),
	      &in);
	d = svc(x.snap, 80);
	assert_true(d->has_sorry);
	assert_int_equal(d->sorry.ip, htonl(0x0a01000b));
	assert_int_equal(d->sorry.port, htons(8080));
	assert_true(d->sorry.weight > 0);
	/* the same address as a server, yet an id of its own */
	sorry_id = d->sorry.id;
	rs = d->servers[0].id;
	assert_int_not_equal(sorry_id, rs);
	assert_true(has(&in.got_rs, sorry_id));
	assert_true(cp_ids_is_live(x.rs_ids, sorry_id));
	cp_snap_in_done(&in);

	/* unchanged: the same id, nothing new, nothing gone */
	build(&x, config(LIPS, "[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80,"
			       "  \"sorry_server\": { \"ip\": \"10.1.0.11\", \"port\": 8080 },"
			       "  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ]"),
	      &in);
	assert_int_equal(svc(x.snap, 80)->sorry.id, sorry_id);
	assert_false(has(&in.got_rs, sorry_id));
	assert_false(has(&in.gone_rs, sorry_id));
	cp_snap_in_done(&in);

	/* moved to another address: a new id, the old one retired */
	build(&x, config(LIPS, "[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80,"
			       "  \"sorry_server\": { \"ip\": \"10.1.0.12\", \"port\": 8080 },"
			       "  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ]"),
	      &in);
	assert_int_not_equal(svc(x.snap, 80)->sorry.id, sorry_id);
	assert_true(has(&in.gone_rs, sorry_id));
	assert_false(cp_ids_is_live(x.rs_ids, sorry_id));
	sorry_id = svc(x.snap, 80)->sorry.id;
	cp_snap_in_done(&in);

	/* removed: retired; the server keeps its id */
	build(&x, config(LIPS, "[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80,"
			       "  \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ]"),
	      &in);
	assert_false(svc(x.snap, 80)->has_sorry);
	assert_true(has(&in.gone_rs, sorry_id));
	assert_int_equal(svc(x.snap, 80)->servers[0].id, rs);
	cp_snap_in_done(&in);

	/* a whole service with a sorry server removed: its id goes too */
	build(&x, config(LIPS, "[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81,"
			       "  \"sorry_server\": { \"ip\": \"10.1.0.12\", \"port\": 1 },"
			       "  \"servers\": [] } ]"), NULL);
	sorry_id = svc(x.snap, 81)->sorry.id;
	build(&x, config(LIPS, "[]"), &in);
	assert_true(has(&in.gone_rs, sorry_id));
	cp_snap_in_done(&in);
	teardown(&x);
}

static void test_on_down_reset_map(void **state)
{
	const char *svcs =
		"[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"on_down\": \"reset\","
		"    \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 },"
		"                   { \"ip\": \"10.1.0.12\", \"port\": 8080 } ] },"
		"  { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 81,"
		"    \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] } ]";
	struct ctx x;
	const struct dp_service *r, *k;

	(void)state;
	setup(&x);
	build(&x, config(LIPS, svcs), NULL);
	r = svc(x.snap, 80);
	k = svc(x.snap, 81);
	assert_int_equal(r->on_down, DP_ON_DOWN_RESET);
	assert_int_equal(k->on_down, DP_ON_DOWN_KEEP);
	/* nothing down: no map at all, the fast path's check is one load */
	assert_null(x.snap->rs_reset);
	assert_false(dp_snap_rs_reset(x.snap, r->servers[0].id));

	/* 10.1.0.11 down in both services: reset only where asked */
	x.down[r->servers[0].id] = 1;
	x.down[k->servers[0].id] = 1;
	build(&x, config(LIPS, svcs), NULL);
	r = svc(x.snap, 80);
	k = svc(x.snap, 81);
	assert_true(r->servers[0].flags & DP_RS_DOWN);
	assert_true(dp_snap_rs_reset(x.snap, r->servers[0].id));
	assert_false(dp_snap_rs_reset(x.snap, r->servers[1].id));
	assert_false(dp_snap_rs_reset(x.snap, k->servers[0].id));
	assert_false(dp_snap_rs_reset(x.snap, 63));
	assert_false(dp_snap_rs_reset(x.snap, UINT32_MAX));
	teardown(&x);
}

static void test_lip_owners_and_mode(void **state)
{
	struct ctx x;
	uint16_t owner_101;

	(void)state;
	setup(&x);
	build(&x, config("[ \"10.1.0.100\", \"10.1.0.101\", \"10.1.0.102\" ]", "[]"), NULL);
	assert_int_equal(x.snap->laddr.mode, DP_LADDR_SOFT);
	assert_int_equal(x.snap->laddr.n_lcores, 2);
	owner_101 = x.snap->laddr.lip_owner[1];
	/* the control plane sets the data plane's choice after a build; the
	 * next build carries it */
	x.snap->laddr.mode = DP_LADDR_FLOW;
	build(&x, config("[ \"10.1.0.101\", \"10.1.0.103\" ]", "[]"), NULL);
	assert_int_equal(x.snap->laddr.mode, DP_LADDR_FLOW);
	/* 10.1.0.101 moved to index 0 but kept its lcore */
	assert_int_equal(x.snap->laddr.lip[0], htonl(0x0a010065));
	assert_int_equal(x.snap->laddr.lip_owner[0], owner_101);
	/* the new one went to the other lcore */
	assert_int_equal(x.snap->laddr.lip_owner[1], 1 - owner_101);
	teardown(&x);
}

/* Out of server ids (a removed server keeps its id while its sessions
 * last): the build fails with -ENOSPC and an error the API can show, and
 * gives back nothing it did not take. */
static void test_out_of_ids(void **state)
{
	struct cp_config *c = config(LIPS,
		"[ { \"proto\": \"tcp\", \"vip\": \"10.0.0.10\", \"port\": 80, \"servers\": ["
		"  { \"ip\": \"10.1.0.11\", \"port\": 80 }, { \"ip\": \"10.1.0.12\", \"port\": 80 },"
		"  { \"ip\": \"10.1.0.13\", \"port\": 80 } ] } ]");
	struct cp_ids *svc_ids, *rs_ids;
	struct cp_snap_in in;
	struct dp_snap *s = NULL;
	struct cp_err err = { "", "" };

	(void)state;
	assert_int_equal(cp_ids_create(4, &svc_ids), 0);
	assert_int_equal(cp_ids_create(2, &rs_ids), 0);     /* 3 servers need 3 */
	memset(&in, 0, sizeof(in));
	in.cfg = c;
	in.svc_ids = svc_ids;
	in.rs_ids = rs_ids;
	in.gen = 1;
	in.n_lcores = 1;
	assert_int_equal(cp_snap_build(&in, &s, &err), -ENOSPC);
	assert_null(s);
	assert_string_equal(err.field, "services");
	assert_non_null(strstr(err.msg, "limits.servers"));
	/* the two ids it took are on the list to give back */
	assert_int_equal(in.got_rs.n, 2);
	assert_int_equal(in.got_svc.n, 1);
	cp_snap_in_done(&in);
	cp_ids_destroy(svc_ids);
	cp_ids_destroy(rs_ids);
	cp_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorry_server_ids),
		cmocka_unit_test(test_on_down_reset_map),
		cmocka_unit_test(test_lip_owners_and_mode),
		cmocka_unit_test(test_out_of_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
