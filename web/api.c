/* web/api.c — the route table, and the resources that only show state:
 * status, stats, sessions, routing, cluster, metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp/cp.h"
#include "web/web_int.h"

extern const struct web_route web_service_routes[];
extern const struct web_route web_config_routes[];

static int get_status(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_status_json(rq->cp));
}

static int get_stats(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_stats_json(rq->cp));
}

static int delete_stats(struct web_req *rq, struct web_resp *rs)
{
	cp_stats_zero(rq->cp);
	return web_ok(rs, 200, json_pack("{s:b}", "zeroed", 1));
}

/* ?vip= of either family into *vip, *any set when it is left out. */
static int parse_vip_query(struct web_req *rq, struct web_resp *rs, struct cp_ip *vip, bool *any)
{
	static const uint8_t zero16[16];
	const char *v = web_query(rq, "vip");

	*any = !v;
	if (!v)
		return 0;   /* every VIP */
	if (cp_parse_ip_any(v, vip) < 0)
		return web_error(rs, 400, "invalid_argument", "vip", "'%s' is not an IP address",
				 v), -1;
	/* "?vip=" from an unset shell variable must not mean "all of them". */
	if (vip->v6 ? !memcmp(vip->v6a, zero16, 16) : vip->v4 == 0)
		return web_error(rs, 400, "invalid_argument", "vip",
				 "%s is no VIP: leave vip out to mean every VIP", v), -1;
	return 0;
}

/* At most this many sessions per answer (about 200 bytes each, written
 * straight as text): the answer's memory is bounded whatever the table. */
#define WEB_SESSIONS_MAX 100000

static int get_sessions(struct web_req *rq, struct web_resp *rs)
{
	const char *l = web_query(rq, "limit");
	uint64_t limit = 1000;
	struct cp_ip vip;
	bool any;

	if (parse_vip_query(rq, rs, &vip, &any) < 0)
		return 0;
	if (l) {
		char *end;
		unsigned long long v = strtoull(l, &end, 10);

		if (end == l || *end || v == 0 || v > WEB_SESSIONS_MAX)
			return web_error(rs, 400, "invalid_argument", "limit", "limit must be 1..%u",
					 WEB_SESSIONS_MAX);
		limit = v;
	}
	rs->status = 200;
	rs->text = cp_sessions_text(rq->cp, any ? NULL : &vip, limit);
	return rs->text ? 0 : -ENOMEM;
}

static int delete_sessions(struct web_req *rq, struct web_resp *rs)
{
	struct cp_ip vip;
	bool any;
	int rc;

	if (parse_vip_query(rq, rs, &vip, &any) < 0)
		return 0;
	rc = cp_sessions_flush(rq->cp, any ? NULL : &vip);
	if (rc == -ETIMEDOUT)
		return web_error(rs, 503, "unavailable", NULL,
				 "a data lcore did not answer: the flush may be partial");
	if (rc < 0)
		return web_error(rs, 500, "internal", NULL, "flush did not finish: %s",
				 strerror(-rc));
	return web_ok(rs, 200, json_pack("{s:b}", "flushed", 1));
}

static int get_routing(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_routing_json(rq->cp));
}

static int get_cluster(struct web_req *rq, struct web_resp *rs)
{
	return web_ok(rs, 200, cp_cluster_json(rq->cp));
}

/* A joining node's operator: go online now, without every peer's
 * sessions (logged by sync with who asked). */
static int post_cluster_online(struct web_req *rq, struct web_resp *rs)
{
	int rc = cp_cluster_force_online(rq->cp, "POST /api/v1/cluster/online");

	if (rc == -EOPNOTSUPP)
		return web_error(rs, 409, "conflict", NULL, "session sync is not configured");
	if (rc == -EALREADY)
		return web_error(rs, 409, "conflict", NULL, "the node is not pre-online");
	return web_ok(rs, 200, cp_cluster_json(rq->cp));
}

static int get_metrics(struct web_req *rq, struct web_resp *rs)
{
	rs->status = 200;
	rs->text = cp_metrics_text(rq->cp);
	rs->content_type = "text/plain; version=0.0.4";
	return rs->text ? 0 : -ENOMEM;
}

static int post_recover(struct web_req *rq, struct web_resp *rs)
{
	if (cp_recover(rq->cp) == -EALREADY)
		return web_error(rs, 409, "conflict", NULL, "the node is not faulty");
	return web_ok(rs, 200, cp_status_json(rq->cp));
}

static int post_fault(struct web_req *rq, struct web_resp *rs)
{
	char msg[256];
	json_t *j = web_body_json(rq, rs);
	int rc;

	if (!j)
		return 0;
	rc = cp_fault(rq->cp, j, msg, sizeof(msg));
	json_decref(j);
	if (rc == -EPERM)
		return web_error(rs, 403, "forbidden", NULL, "%s", msg);
	if (rc < 0)
		return web_error(rs, 400, "invalid_argument", "kind", "%s", msg);
	return web_ok(rs, 200, json_pack("{s:s}", "injected", msg));
}

/* The live status page: one document, no other file (web/status/). */
static int get_page(struct web_req *rq, struct web_resp *rs)
{
	(void)rq;
	rs->status = 200;
	rs->text = strdup(web_status_html);
	rs->content_type = "text/html; charset=utf-8";
	rs->page = true;
	return rs->text ? 0 : -ENOMEM;
}

static const struct web_route misc_routes[] = {
	{ "GET", "/", get_page },
	{ "POST", "/api/v1/status/recover", post_recover },
	{ "POST", "/api/v1/debug/fault", post_fault },
	{ "GET", "/api/v1/status", get_status },
	{ "GET", "/api/v1/stats", get_stats },
	{ "DELETE", "/api/v1/stats", delete_stats },
	{ "GET", "/api/v1/sessions", get_sessions },
	{ "DELETE", "/api/v1/sessions", delete_sessions },
	{ "GET", "/api/v1/routing", get_routing },
	{ "GET", "/api/v1/cluster", get_cluster },
	{ "POST", "/api/v1/cluster/online", post_cluster_online },
	{ "GET", "/metrics", get_metrics },
	{ NULL, NULL, NULL },
};

/* All tables, searched in order. */
const struct web_route *const web_route_tables[] = {
	misc_routes, web_service_routes, web_config_routes, NULL,
};
