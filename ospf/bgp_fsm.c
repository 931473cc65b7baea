/* The BGP finite state machine of RFC 4271 §8, as one table
 * [state][event] = { action, next state }.
 *
 * An action runs first, while the connection is still there (so it can
 * send a NOTIFICATION); then bgp_fsm_chstate() moves to the next state and
 * does what entering it implies (releasing the connection, arming timers).
 * Automatic restart (§8.1.1 options AllowAutomaticStart and
 * DampPeerOscillations) is the IdleHoldTimer: after a failure the peer
 * waits in Idle, 1 s the first time and twice as long on each failure in a
 * row (up to 30 s), then connects again.
 */
#include <string.h>

#include "ospf/bgp_int.h"

static uint64_t deadline(const struct bgp_peer *p, uint64_t delay_ms)
{
	uint64_t t = p->eng->now + delay_ms;

	return t ? t : 1;	/* 0 means "off" */
}

static uint32_t backoff_next(struct bgp_peer *p)
{
	uint32_t d = p->backoff_ms;

	p->backoff_ms = d >= BGP_BACKOFF_MAX_MS / 2 ? BGP_BACKOFF_MAX_MS : d * 2;
	return d;
}

/* ---- actions ---------------------------------------------------------------- */

static void act_connect(struct bgp_peer *p)
{
	p->t_idle_hold = 0;
	p->t_retry = deadline(p, BGP_CONNECT_TIMEOUT_MS);
	bgp_peer_connect(p);
}

static void act_start(struct bgp_peer *p)
{
	p->admin_up = true;
	p->backoff_ms = BGP_BACKOFF_MIN_MS;
	p->fast_retry = false;
	act_connect(p);
}

static void act_stop(struct bgp_peer *p)
{
	p->admin_up = false;
	p->t_idle_hold = 0;
	p->t_retry = 0;
}

static void act_send_open(struct bgp_peer *p)
{
	p->t_retry = 0;
	bgp_peer_send_open(p, &p->conn);
}

/* §8.2.2 OpenSent, BGPOpen: the hold time is the smaller of the two
 * proposals (0 means none, §4.2), KEEPALIVEs go at a third of it. */
static void act_open(struct bgp_peer *p)
{
	const struct bgp_open *o = p->rx_open;
	const struct bgp_conf *c = &p->eng->conf;
	uint8_t ka[BGP_HDR_LEN];
	uint32_t hold;

	if (o) {
		p->remote_id = o->id;
		p->remote_as = o->as4 ? o->as4_val : o->my_as;
		p->remote_hold_s = o->hold_s;
		hold = o->hold_s < c->hold_s ? o->hold_s : c->hold_s;
		p->as4 = p->send_caps && o->as4;
		/* RFC 4760 §8: IPv4 unicast is implied unless both sides
		 * listed address families and it was not among them */
		p->ipv4 = !(p->send_caps && o->mp_any) || o->mp_ipv4;
		/* §8 again: only what both listed; we list IPv6 unicast only
		 * when there is a next hop to give */
		p->ipv6 = bgp_peer_offers_ipv6(p) && o->mp_ipv6;
	} else {
		hold = c->hold_s;
		p->as4 = false;
		p->ipv4 = true;
		p->ipv6 = false;
	}
	p->hold_ms = hold * 1000;
	p->keepalive_ms = p->hold_ms / 3;
	BGP_LOG(INFO, "%s: OPEN from AS %u id %u.%u.%u.%u: hold %u s, 4-octet AS %s, "
		"IPv4 unicast %s, IPv6 unicast %s", p->name, p->remote_as, p->remote_id >> 24,
		(p->remote_id >> 16) & 0xff, (p->remote_id >> 8) & 0xff, p->remote_id & 0xff,
		hold, p->as4 ? "yes" : "no", p->ipv4 ? "yes" : "no",
		p->ipv6 ? "yes" : !bgp_peer_offers_ipv6(p) ? "no (not offered: no next hop)" :
		"no (the peer did not offer it)");
	bgp_msg_keepalive_encode(ka, sizeof(ka));
	bgp_peer_send(p, &p->conn, ka, sizeof(ka));
	p->t_keepalive = p->keepalive_ms ? deadline(p, p->keepalive_ms) : 0;
	p->t_hold = p->hold_ms ? deadline(p, p->hold_ms) : 0;
}

static void act_keepalive_send(struct bgp_peer *p)
{
	uint8_t ka[BGP_HDR_LEN];

	bgp_msg_keepalive_encode(ka, sizeof(ka));
	bgp_peer_send(p, &p->conn, ka, sizeof(ka));
	p->t_keepalive = p->keepalive_ms ? deadline(p, p->keepalive_ms) : 0;
}

static void act_hold_restart(struct bgp_peer *p)
{
	p->t_hold = p->hold_ms ? deadline(p, p->hold_ms) : 0;
}

/* OpenConfirm, KeepAliveMsg: the session is up (what is announced goes out
 * on entering Established, in bgp_fsm_chstate()). */
static void act_established(struct bgp_peer *p)
{
	act_hold_restart(p);
	if (p->cand.cid >= 0) {
		bgp_peer_send_notif(p, &p->cand, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
		bgp_peer_conn_release(p, &p->cand);
	}
}

/* The whole set, then End-of-RIB (RFC 4724 §2) of each family. */
static void send_initial(struct bgp_peer *p)
{
	uint8_t eor[BGP_MIN_UPDATE + 7];
	int n;

	bgp_rib_forget(p);
	bgp_rib_sync(p);
	for (int v6 = 0; v6 <= 1; v6++) {
		if (!(v6 ? p->ipv6 : p->ipv4))
			continue;
		n = bgp_msg_update_encode(eor, sizeof(eor), v6, NULL, NULL, 0, NULL, 0,
					  NULL, NULL);
		if (n > 0)
			bgp_peer_send(p, &p->conn, eor, (size_t)n);
	}
}

static void act_refresh(struct bgp_peer *p)
{
	act_hold_restart(p);
	bgp_rib_forget(p);
	bgp_rib_sync(p);
}

/* BGPHeaderErr, BGPOpenMsgErr, UpdateMsgErr: the decoder said what to send */
static void act_notify(struct bgp_peer *p)
{
	bgp_peer_send_notif(p, &p->conn, p->err.code, p->err.sub, p->err.data, p->err.len);
}

static void act_hold_expired(struct bgp_peer *p)
{
	bgp_peer_send_notif(p, &p->conn, BGP_ERR_HOLD, 0, NULL, 0);
}

/* RFC 6608: the subcode says in which state the message was unexpected */
static void act_fsm_error(struct bgp_peer *p)
{
	uint8_t sub = p->state == BGP_ST_OPENSENT ? BGP_FSM_IN_OPENSENT :
		      p->state == BGP_ST_OPENCONFIRM ? BGP_FSM_IN_OPENCONFIRM :
		      p->state == BGP_ST_ESTABLISHED ? BGP_FSM_IN_ESTABLISHED :
		      BGP_FSM_UNSPEC;

	bgp_peer_send_notif(p, &p->conn, BGP_ERR_FSM, sub, NULL, 0);
}

/* ManualStop with a session: withdraw first so the routes go even if the
 * NOTIFICATION is lost, then Cease / Administrative Shutdown (RFC 4486). */
static void act_cease(struct bgp_peer *p)
{
	act_stop(p);
	if (p->state == BGP_ST_ESTABLISHED)
		bgp_rib_withdraw_all(p);
	bgp_peer_send_notif(p, &p->conn, BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, NULL, 0);
	if (p->cand.cid >= 0) {
		bgp_peer_send_notif(p, &p->cand, BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, NULL, 0);
		bgp_peer_conn_release(p, &p->cand);
	}
}

static void act_notif_received(struct bgp_peer *p)
{
	const struct bgp_notif *n = p->rx_notif;

	if (!n)
		return;
	p->notif_rx[n->code <= BGP_ERR_CEASE ? n->code : 0]++;
	p->has_err = true;
	p->last_err.code = n->code;
	p->last_err.sub = n->sub;
	p->last_err.sent = false;
	p->last_err.at_ms = p->eng->now;
	if (bgp_ratelim_ok(&p->log_lim, p->eng->now))
		BGP_LOG(NOTICE, "%s: received NOTIFICATION %u/%u (%s)", p->name,
			n->code, n->sub, bgp_msg_err_name(n->code, n->sub));
	/* RFC 5492 §5: a peer that does not take capabilities says so with
	 * Unsupported Optional Parameter (older) or Unsupported Capability;
	 * try again at once without any */
	if (p->state == BGP_ST_OPENSENT && p->send_caps && n->code == BGP_ERR_OPEN &&
	    (n->sub == BGP_OPEN_BAD_PARAM || n->sub == BGP_OPEN_BAD_CAP)) {
		p->send_caps = false;
		p->fast_retry = true;
		BGP_LOG(NOTICE, "%s: peer refuses capabilities: next OPEN without them",
			p->name);
	}
}

/* ---- the table ------------------------------------------------------------ */

struct fsm_cell {
	void (*act)(struct bgp_peer *p);
	enum bgp_state next;
};

#define _(a, s) { a, BGP_ST_##s }

/* Idle: refuses connections and ignores all but a start (§8.2.2).
 * Connect/Active: anything unexpected drops the attempt, back to Idle.
 * OpenSent and later: anything unexpected is an FSM Error NOTIFICATION. */
static const struct fsm_cell fsm[BGP_ST_MAX][BGP_EV_MAX] = {
	[BGP_ST_IDLE] = {
		[BGP_EV_START]         = _(act_start,          CONNECT),
		[BGP_EV_STOP]          = _(act_stop,           IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(act_connect,        CONNECT),
		[BGP_EV_RETRY_EXP]     = _(NULL,               IDLE),
		[BGP_EV_HOLD_EXP]      = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(NULL,               IDLE),
		[BGP_EV_TCP_UP]        = _(NULL,               IDLE),
		[BGP_EV_TCP_FAILS]     = _(NULL,               IDLE),
		[BGP_EV_OPEN]          = _(NULL,               IDLE),
		[BGP_EV_HDR_ERR]       = _(NULL,               IDLE),
		[BGP_EV_OPEN_ERR]      = _(NULL,               IDLE),
		[BGP_EV_NOTIF]         = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE]     = _(NULL,               IDLE),
		[BGP_EV_UPDATE]        = _(NULL,               IDLE),
		[BGP_EV_UPDATE_ERR]    = _(NULL,               IDLE),
		[BGP_EV_REFRESH]       = _(NULL,               IDLE),
	},
	[BGP_ST_CONNECT] = {
		[BGP_EV_START]         = _(NULL,               CONNECT),
		[BGP_EV_STOP]          = _(act_stop,           IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(NULL,               IDLE),
		[BGP_EV_RETRY_EXP]     = _(act_connect,        CONNECT),
		[BGP_EV_HOLD_EXP]      = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(NULL,               IDLE),
		[BGP_EV_TCP_UP]        = _(act_send_open,      OPENSENT),
		[BGP_EV_TCP_FAILS]     = _(NULL,               ACTIVE),
		[BGP_EV_OPEN]          = _(NULL,               IDLE),
		[BGP_EV_HDR_ERR]       = _(NULL,               IDLE),
		[BGP_EV_OPEN_ERR]      = _(NULL,               IDLE),
		[BGP_EV_NOTIF]         = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE]     = _(NULL,               IDLE),
		[BGP_EV_UPDATE]        = _(NULL,               IDLE),
		[BGP_EV_UPDATE_ERR]    = _(NULL,               IDLE),
		[BGP_EV_REFRESH]       = _(NULL,               IDLE),
	},
	[BGP_ST_ACTIVE] = {
		[BGP_EV_START]         = _(NULL,               ACTIVE),
		[BGP_EV_STOP]          = _(act_stop,           IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(NULL,               IDLE),
		[BGP_EV_RETRY_EXP]     = _(act_connect,        CONNECT),
		[BGP_EV_HOLD_EXP]      = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(NULL,               IDLE),
		[BGP_EV_TCP_UP]        = _(act_send_open,      OPENSENT),
		[BGP_EV_TCP_FAILS]     = _(NULL,               IDLE),
		[BGP_EV_OPEN]          = _(NULL,               IDLE),
		[BGP_EV_HDR_ERR]       = _(NULL,               IDLE),
		[BGP_EV_OPEN_ERR]      = _(NULL,               IDLE),
		[BGP_EV_NOTIF]         = _(NULL,               IDLE),
		[BGP_EV_KEEPALIVE]     = _(NULL,               IDLE),
		[BGP_EV_UPDATE]        = _(NULL,               IDLE),
		[BGP_EV_UPDATE_ERR]    = _(NULL,               IDLE),
		[BGP_EV_REFRESH]       = _(NULL,               IDLE),
	},
	[BGP_ST_OPENSENT] = {
		[BGP_EV_START]         = _(NULL,               OPENSENT),
		[BGP_EV_STOP]          = _(act_cease,          IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(act_fsm_error,      IDLE),
		[BGP_EV_RETRY_EXP]     = _(act_fsm_error,      IDLE),
		[BGP_EV_HOLD_EXP]      = _(act_hold_expired,   IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(act_fsm_error,      IDLE),
		[BGP_EV_TCP_UP]        = _(NULL,               OPENSENT), /* §6.8: a candidate */
		[BGP_EV_TCP_FAILS]     = _(NULL,               ACTIVE),
		[BGP_EV_OPEN]          = _(act_open,           OPENCONFIRM),
		[BGP_EV_HDR_ERR]       = _(act_notify,         IDLE),
		[BGP_EV_OPEN_ERR]      = _(act_notify,         IDLE),
		[BGP_EV_NOTIF]         = _(act_notif_received, IDLE),
		[BGP_EV_KEEPALIVE]     = _(act_fsm_error,      IDLE),
		[BGP_EV_UPDATE]        = _(act_fsm_error,      IDLE),
		[BGP_EV_UPDATE_ERR]    = _(act_fsm_error,      IDLE),
		[BGP_EV_REFRESH]       = _(act_fsm_error,      IDLE),
	},
	[BGP_ST_OPENCONFIRM] = {
		[BGP_EV_START]         = _(NULL,               OPENCONFIRM),
		[BGP_EV_STOP]          = _(act_cease,          IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(act_fsm_error,      IDLE),
		[BGP_EV_RETRY_EXP]     = _(act_fsm_error,      IDLE),
		[BGP_EV_HOLD_EXP]      = _(act_hold_expired,   IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(act_keepalive_send, OPENCONFIRM),
		[BGP_EV_TCP_UP]        = _(NULL,               OPENCONFIRM), /* §6.8 */
		[BGP_EV_TCP_FAILS]     = _(NULL,               IDLE),
		[BGP_EV_OPEN]          = _(act_fsm_error,      IDLE),
		[BGP_EV_HDR_ERR]       = _(act_notify,         IDLE),
		[BGP_EV_OPEN_ERR]      = _(act_notify,         IDLE),
		[BGP_EV_NOTIF]         = _(act_notif_received, IDLE),
		[BGP_EV_KEEPALIVE]     = _(act_established,    ESTABLISHED),
		[BGP_EV_UPDATE]        = _(act_fsm_error,      IDLE),
		[BGP_EV_UPDATE_ERR]    = _(act_fsm_error,      IDLE),
		[BGP_EV_REFRESH]       = _(act_fsm_error,      IDLE),
	},
	[BGP_ST_ESTABLISHED] = {
		[BGP_EV_START]         = _(NULL,               ESTABLISHED),
		[BGP_EV_STOP]          = _(act_cease,          IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = _(act_fsm_error,      IDLE),
		[BGP_EV_RETRY_EXP]     = _(act_fsm_error,      IDLE),
		[BGP_EV_HOLD_EXP]      = _(act_hold_expired,   IDLE),
		[BGP_EV_KEEPALIVE_EXP] = _(act_keepalive_send, ESTABLISHED),
		[BGP_EV_TCP_UP]        = _(NULL,               ESTABLISHED), /* §6.8 */
		[BGP_EV_TCP_FAILS]     = _(NULL,               IDLE),
		[BGP_EV_OPEN]          = _(act_fsm_error,      IDLE),
		[BGP_EV_HDR_ERR]       = _(act_notify,         IDLE),
		[BGP_EV_OPEN_ERR]      = _(act_notify,         IDLE),
		[BGP_EV_NOTIF]         = _(act_notif_received, IDLE),
		[BGP_EV_KEEPALIVE]     = _(act_hold_restart,   ESTABLISHED),
		[BGP_EV_UPDATE]        = _(act_hold_restart,   ESTABLISHED),
		[BGP_EV_UPDATE_ERR]    = _(act_notify,         IDLE),
		[BGP_EV_REFRESH]       = _(act_refresh,        ESTABLISHED),
	},
};
#undef _

/* ---- transitions ---------------------------------------------------------- */

const char *bgp_fsm_state_name(enum bgp_state s)
{
	static const char *const names[BGP_ST_MAX] = {
		"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
	};

	return (unsigned)s < BGP_ST_MAX ? names[s] : "?";
}

const char *bgp_fsm_event_name(enum bgp_event ev)
{
	static const char *const names[BGP_EV_MAX] = {
		[BGP_EV_START] = "ManualStart",
		[BGP_EV_STOP] = "ManualStop",
		[BGP_EV_IDLE_HOLD_EXP] = "IdleHoldTimer_Expires",
		[BGP_EV_RETRY_EXP] = "ConnectRetryTimer_Expires",
		[BGP_EV_HOLD_EXP] = "HoldTimer_Expires",
		[BGP_EV_KEEPALIVE_EXP] = "KeepaliveTimer_Expires",
		[BGP_EV_TCP_UP] = "TcpConnectionConfirmed",
		[BGP_EV_TCP_FAILS] = "TcpConnectionFails",
		[BGP_EV_OPEN] = "BGPOpen",
		[BGP_EV_HDR_ERR] = "BGPHeaderErr",
		[BGP_EV_OPEN_ERR] = "BGPOpenMsgErr",
		[BGP_EV_NOTIF] = "NotifMsg",
		[BGP_EV_KEEPALIVE] = "KeepAliveMsg",
		[BGP_EV_UPDATE] = "UpdateMsg",
		[BGP_EV_UPDATE_ERR] = "UpdateMsgErr",
		[BGP_EV_REFRESH] = "RouteRefreshMsg",
	};

	return (unsigned)ev < BGP_EV_MAX ? names[ev] : "?";
}

static void timers_off(struct bgp_peer *p)
{
	p->t_retry = 0;
	p->t_hold = 0;
	p->t_keepalive = 0;
	p->t_idle_hold = 0;
}

/* The one place where a peer changes state. */
void bgp_fsm_chstate(struct bgp_peer *p, enum bgp_state to, const char *why,
		     const char *rfc)
{
	enum bgp_state from = p->state;
	uint64_t now = p->eng->now;

	if (from == to)
		return;
	BGP_LOG(INFO, "%s: from %s to %s on %s (%s)", p->name, bgp_fsm_state_name(from),
		bgp_fsm_state_name(to), why, rfc);
	p->transitions++;

	if (from == BGP_ST_ESTABLISHED) {
		bgp_rib_forget(p);
		if (now - p->up_ms >= BGP_STABLE_MS)
			p->backoff_ms = BGP_BACKOFF_MIN_MS;
	}
	switch (to) {
	case BGP_ST_IDLE:
	case BGP_ST_ACTIVE:
		bgp_peer_conn_release(p, &p->conn);
		timers_off(p);
		p->hold_ms = p->keepalive_ms = 0;
		if (to == BGP_ST_ACTIVE) {
			/* §8.2.2 Connect, TcpConnectionFails: wait, listening */
			p->t_retry = deadline(p, backoff_next(p));
		} else if (p->admin_up) {
			uint64_t d = p->fast_retry ? 0 : backoff_next(p);

			p->fast_retry = false;
			p->t_idle_hold = deadline(p, d);
		}
		break;
	case BGP_ST_OPENSENT:
		timers_off(p);
		p->t_hold = deadline(p, BGP_OPEN_HOLD_MS);
		break;
	case BGP_ST_ESTABLISHED:
		p->up_ms = now;
		p->established_count++;
		break;
	default:
		break;
	}
	p->state = to;
	p->since_ms = now;
	if (to == BGP_ST_ESTABLISHED)
		send_initial(p);
}

void bgp_fsm_event(struct bgp_peer *p, enum bgp_event ev)
{
	const struct fsm_cell *c;

	if ((unsigned)ev >= BGP_EV_MAX)
		return;
	c = &fsm[p->state][ev];
	if (c->act)
		c->act(p);
	if (c->next != p->state)
		bgp_fsm_chstate(p, c->next, bgp_fsm_event_name(ev), "RFC 4271 §8.2.2");

	/* §6.8: a colliding connection is a session attempt of its own; when
	 * the first one dies it carries on */
	if ((p->state == BGP_ST_IDLE || p->state == BGP_ST_ACTIVE) && p->cand.cid >= 0) {
		if (p->admin_up && !p->cand.failed) {
			uint64_t hold_at = p->cand.hold_at;

			p->conn = p->cand;
			p->conn.hold_at = 0;
			p->cand.cid = -1;
			bgp_peer_conn_release(p, &p->cand);
			bgp_fsm_chstate(p, BGP_ST_OPENSENT,
					"loss of the first of two colliding connections",
					"RFC 4271 §6.8");
			p->t_hold = hold_at;
		} else {
			bgp_peer_conn_release(p, &p->cand);
		}
	}
}

/* Fires the timers that are due; returns the next deadline. */
uint64_t bgp_fsm_timers(struct bgp_peer *p, uint64_t now)
{
	struct {
		uint64_t *t;
		enum bgp_event ev;
	} tm[] = {
		{ &p->t_idle_hold, BGP_EV_IDLE_HOLD_EXP },
		{ &p->t_retry, BGP_EV_RETRY_EXP },
		{ &p->t_hold, BGP_EV_HOLD_EXP },
		{ &p->t_keepalive, BGP_EV_KEEPALIVE_EXP },
	};
	uint64_t next = UINT64_MAX;
	unsigned i;

	for (i = 0; i < sizeof(tm) / sizeof(tm[0]); i++) {
		if (*tm[i].t && *tm[i].t <= now) {
			*tm[i].t = 0;
			bgp_fsm_event(p, tm[i].ev);
		}
	}
	for (i = 0; i < sizeof(tm) / sizeof(tm[0]); i++)
		if (*tm[i].t && *tm[i].t < next)
			next = *tm[i].t;
	return next;
}
