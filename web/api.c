/* web/api.c — the route table and the read-only resources. */
#include "cp/cp.h"
#include "web/web_int.h"

static int get_status(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_status_json(rq->cp));
}

static int get_stats(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_stats_json(rq->cp));
}

const struct web_route web_routes[] = {
	{ "GET", "/api/v1/status", get_status },
	{ "GET", "/api/v1/stats", get_stats },
	{ NULL, NULL, NULL },
};
