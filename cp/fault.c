/* cp/fault.c — fault injection for tests (POST /api/v1/debug/fault),
 * compiled in, refused unless debug.fault_injection is on:
 *
 *   {"kind": "stall_lcore", "lcore": N, "ms": M}   EAL lcore N (or "index": i)
 *                                                  spins without looping
 *   {"kind": "exhaust_mbufs", "leave": K}          hold mbufs until K are free
 *   {"kind": "link_down", "port": "wan"}           the self-check sees it down
 *   {"kind": "crash_lcore", "lcore": N,            the lcore crashes: a NULL write,
 *    "how": "null" | "overflow"}                   or its stack overrun
 *   {"kind": "sync_lose", "index": i, "count": N}  the lcore's next N sync
 *                                                  records are lost (a full ring)
 *   {"kind": "clear"}                              all of them undone
 *
 * Each makes a fault the self-check must find by itself: nothing here
 * touches the node's state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp/cp_int.h"
#include "cp/selfcheck.h"
#include "dp/fault.h"
#include "dp/sync_ev.h"

#define STALL_DEFAULT_MS 60000
#define STALL_MAX_MS     600000   /* a stall nobody can clear must still end */

static int bad(char *msg, size_t len, const char *what)
{
	snprintf(msg, len, "%s", what);
	return -EINVAL;
}

/* "lcore" (EAL id) or "index" (data lcore index); the first by default. */
static int pick_lcore(struct cp *cp, const json_t *req, unsigned *idx, char *msg, size_t len)
{
	const json_t *jl = json_object_get(req, "lcore"), *ji = json_object_get(req, "index");
	unsigned n = dp_n_lcores(cp->dp);

	*idx = n;
	if (ji) {
		if (!json_is_integer(ji) || json_integer_value(ji) < 0 ||
		    json_integer_value(ji) >= (json_int_t)n)
			return bad(msg, len, "index: not a data lcore index");
		*idx = (unsigned)json_integer_value(ji);
	} else if (jl) {
		for (unsigned i = 0; json_is_integer(jl) && i < n; i++)
			if ((json_int_t)dp_lcore_id(cp->dp, i) == json_integer_value(jl))
				*idx = i;
		if (*idx == n)
			return bad(msg, len, "lcore: not a data lcore (see GET /status)");
	} else {
		*idx = 0;
	}
	return 0;
}

static int crash(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const char *how = json_string_value(json_object_get(req, "how"));
	bool overflow = how && strcmp(how, "overflow") == 0;
	unsigned idx;
	int rc;

	if (json_object_get(req, "how") && !overflow && (!how || strcmp(how, "null") != 0))
		return bad(msg, len, "how: null or overflow");
	rc = pick_lcore(cp, req, &idx, msg, len);
	if (rc < 0)
		return rc;
	CP_LOG(WARNING, "fault injected: data lcore %u (EAL lcore %u) crashes (%s)", idx,
	       dp_lcore_id(cp->dp, idx), overflow ? "stack overflow" : "NULL write");
	rc = dp_fault_crash(cp->dp, idx, overflow);
	if (rc < 0) {
		snprintf(msg, len, "cannot crash data lcore %u: %s", idx, strerror(-rc));
		return -EINVAL;
	}
	snprintf(msg, len, "data lcore %u crashes", idx);
	return 0;
}

static int stall(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const json_t *jm = json_object_get(req, "ms");
	json_int_t ms = STALL_DEFAULT_MS;
	unsigned idx;
	int rc;

	rc = pick_lcore(cp, req, &idx, msg, len);
	if (rc < 0)
		return rc;
	if (jm) {
		if (!json_is_integer(jm) || json_integer_value(jm) < 1 ||
		    json_integer_value(jm) > STALL_MAX_MS)
			return bad(msg, len, "ms: must be 1..600000");
		ms = json_integer_value(jm);
	}
	rc = dp_fault_stall(cp->dp, idx, (uint32_t)ms);
	if (rc < 0) {
		snprintf(msg, len, "cannot stall data lcore %u: %s", idx, strerror(-rc));
		return -EINVAL;
	}
	CP_LOG(WARNING, "fault injected: data lcore %u (EAL lcore %u) stalls for %lld ms", idx,
	       dp_lcore_id(cp->dp, idx), (long long)ms);
	snprintf(msg, len, "data lcore %u (EAL lcore %u) stalls for %lld ms", idx,
		 dp_lcore_id(cp->dp, idx), (long long)ms);
	return 0;
}

static int exhaust(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const json_t *jk = json_object_get(req, "leave");
	uint32_t avail, size, held;
	int rc;

	dp_fault_mbufs(cp->dp, &avail, &size);
	if (jk && (!json_is_integer(jk) || json_integer_value(jk) < 0 ||
		   json_integer_value(jk) > (json_int_t)size))
		return bad(msg, len, "leave: must be 0..the pool's size");
	rc = dp_fault_exhaust(cp->dp, jk ? (uint32_t)json_integer_value(jk) : size / 100, &held);
	if (rc < 0) {
		snprintf(msg, len, "cannot take mbufs: %s", strerror(-rc));
		return -EINVAL;
	}
	dp_fault_mbufs(cp->dp, &avail, &size);
	CP_LOG(WARNING, "fault injected: holding %u mbufs, %u of %u free", held, avail, size);
	snprintf(msg, len, "holding %u mbufs: %u of %u free", held, avail, size);
	return 0;
}

static int link_down(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const char *port = json_string_value(json_object_get(req, "port"));
	int i = port ? cp_selfcheck_port_index(cp, port) : -ENOENT;

	if (i < 0)
		return bad(msg, len, "port: not the name of a data port");
	cp_selfcheck_fake_link(cp, i, true);
	CP_LOG(WARNING, "fault injected: port %s seen with its link down", port);
	snprintf(msg, len, "port %s seen with its link down", port);
	return 0;
}

static int sync_lose(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const json_t *jc = json_object_get(req, "count");
	unsigned idx;
	int rc;

	rc = pick_lcore(cp, req, &idx, msg, len);
	if (rc < 0)
		return rc;
	if (!json_is_integer(jc) || json_integer_value(jc) < 1 || json_integer_value(jc) > 1000000)
		return bad(msg, len, "count: must be 1..1000000");
	dp_sync_fault_lose(cp->dp, idx, (uint32_t)json_integer_value(jc));
	CP_LOG(WARNING, "fault injected: data lcore %u loses its next %lld sync records", idx,
	       (long long)json_integer_value(jc));
	snprintf(msg, len, "data lcore %u loses its next %lld sync records", idx,
		 (long long)json_integer_value(jc));
	return 0;
}

int cp_fault(struct cp *cp, const json_t *req, char *msg, size_t len)
{
	const char *kind = json_string_value(json_object_get(req, "kind"));
	int rc;

	if (!cp_selfcheck_injection_allowed(cp)) {
		snprintf(msg, len, "fault injection is off (debug.fault_injection)");
		return -EPERM;
	}
	if (!kind)
		return bad(msg, len, "kind: one of stall_lcore, exhaust_mbufs, link_down, "
			   "crash_lcore, sync_lose, clear");
	cp_selfcheck_lock(cp, true);
	if (strcmp(kind, "stall_lcore") == 0) {
		rc = stall(cp, req, msg, len);
	} else if (strcmp(kind, "exhaust_mbufs") == 0) {
		rc = exhaust(cp, req, msg, len);
	} else if (strcmp(kind, "link_down") == 0) {
		rc = link_down(cp, req, msg, len);
	} else if (strcmp(kind, "crash_lcore") == 0) {
		rc = crash(cp, req, msg, len);
	} else if (strcmp(kind, "sync_lose") == 0) {
		rc = sync_lose(cp, req, msg, len);
	} else if (strcmp(kind, "clear") == 0) {
		dp_fault_clear(cp->dp);
		cp_selfcheck_fake_link(cp, -1, false);
		CP_LOG(WARNING, "injected faults cleared");
		snprintf(msg, len, "cleared: stalls ended, mbufs given back, links as they are");
		rc = 0;
	} else {
		snprintf(msg, len, "unknown fault kind '%s' (stall_lcore, exhaust_mbufs, "
			 "link_down, crash_lcore, sync_lose, clear)", kind);
		rc = -EINVAL;
	}
	cp_selfcheck_lock(cp, false);
	return rc;
}
