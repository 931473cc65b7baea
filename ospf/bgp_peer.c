/* The BGP engine: configuration, connections, stream reassembly, message
 * dispatch to the FSM, and connection collisions (RFC 4271 §6.8).
 *
 * No I/O here: bytes and connection requests go through struct bgp_eng_ops,
 * time comes in as an argument. One engine is driven by one thread at a
 * time (bgp_io.c holds a mutex around every call).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/bgp_int.h"

RTE_LOG_REGISTER(mgw_logtype_bgp, mgw.bgp, INFO);

static void ip_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

bool bgp_ratelim_ok(struct bgp_ratelim *r, uint64_t now)
{
	if (now - r->window_ms >= 1000 || now < r->window_ms) {
		r->window_ms = now;
		r->count = 0;
	}
	if (r->count >= BGP_LOG_BURST) {
		r->suppressed++;
		return false;
	}
	r->count++;
	return true;
}

/* ---- configuration ------------------------------------------------------ */

static int bad(char *msg, size_t len, const char *fmt, unsigned i, const char *what)
{
	char field[48];

	if (msg && len) {
		snprintf(field, sizeof(field), fmt, i);
		snprintf(msg, len, "routing.bgp.%s: %s", field, what);
	}
	return -EINVAL;
}

static bool unicast(uint32_t a)
{
	return a != 0 && (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

int bgp_conf_validate(const struct bgp_conf *c, char *msg, size_t len)
{
	unsigned i, j;

	if (c->local_as == 0 || c->local_as == BGP_AS_TRANS)
		return bad(msg, len, "local_as", 0, "must be 1..4294967295, not 23456 (AS_TRANS)");
	if (!unicast(c->router_id))
		return bad(msg, len, "router_id", 0, "must be a unicast IPv4 address");
	if (c->hold_s == 1 || c->hold_s == 2)
		return bad(msg, len, "hold_s", 0, "must be 0 or at least 3 (RFC 4271 §4.2)");
	if (c->next_hop && !unicast(c->next_hop))
		return bad(msg, len, "next_hop", 0, "must be a unicast IPv4 address");
	if (c->n_peers > BGP_MAX_PEERS)
		return bad(msg, len, "peers", 0, "at most 8 peers");
	for (i = 0; i < c->n_peers; i++) {
		const struct bgp_peer_conf *p = &c->peers[i];

		if (!unicast(p->addr))
			return bad(msg, len, "peers[%u].ip", i, "must be a unicast IPv4 address");
		if (p->as == 0 || p->as == BGP_AS_TRANS)
			return bad(msg, len, "peers[%u].as", i, "must be 1..4294967295, not 23456 (AS_TRANS)");
		if (p->flags & ~BGP_PEER_NO_CAPS)
			return bad(msg, len, "peers[%u].flags", i, "unknown flag");
		if (p->md5_key_len > BGP_MD5_KEY_MAX)
			return bad(msg, len, "peers[%u].auth", i, "a TCP-MD5 key is 1..80 bytes");
		/* RFC 2545 §3: a global address (link-local ones would go in
		 * a second half, which this speaker does not send) */
		if (p->next_hop6[0] == 0xff ||
		    (p->next_hop6[0] == 0xfe && (p->next_hop6[1] & 0xc0) == 0x80))
			return bad(msg, len, "peers[%u].next_hop6", i,
				   "must be a global unicast IPv6 address");
		for (j = 0; j < i; j++)
			if (c->peers[j].addr == p->addr)
				return bad(msg, len, "peers[%u].ip", i, "duplicate peer");
	}
	return 0;
}

int bgp_eng_create(const struct bgp_conf *c, const struct bgp_eng_ops *ops,
		   void *ctx, struct bgp_eng **out)
{
	char msg[128];
	struct bgp_eng *e;
	unsigned i;
	int rc;

	*out = NULL;
	rc = bgp_conf_validate(c, msg, sizeof(msg));
	if (rc) {
		BGP_LOG(ERR, "bad config: %s", msg);
		return rc;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->conf = *c;
	e->ops = ops;
	e->ctx = ctx;
	for (i = 0; i < c->n_peers; i++) {
		struct bgp_peer *p = &e->peers[i];

		p->eng = e;
		p->idx = i;
		p->conf = c->peers[i];
		if (!p->conf.port)
			p->conf.port = BGP_PORT;
		ip_str(p->conf.addr, p->name, sizeof(p->name));
		p->state = BGP_ST_IDLE;
		p->conn.cid = -1;
		p->cand.cid = -1;
		p->send_caps = !(p->conf.flags & BGP_PEER_NO_CAPS);
		p->backoff_ms = BGP_BACKOFF_MIN_MS;
	}
	*out = e;
	return 0;
}

void bgp_eng_destroy(struct bgp_eng *e)
{
	unsigned i;

	if (!e)
		return;
	for (i = 0; i < e->conf.n_peers; i++) {
		bgp_peer_conn_release(&e->peers[i], &e->peers[i].cand);
		bgp_peer_conn_release(&e->peers[i], &e->peers[i].conn);
		free(e->peers[i].adv);
	}
	free(e->rib);
	explicit_bzero(&e->conf, sizeof(e->conf));      /* the keys */
	for (i = 0; i < BGP_MAX_PEERS; i++)
		explicit_bzero(&e->peers[i].conf, sizeof(e->peers[i].conf));
	free(e);
}

/* ---- sending -------------------------------------------------------------- */

void bgp_peer_send(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *buf,
		   size_t len)
{
	struct bgp_eng *e = p->eng;
	uint8_t type = buf[18];

	if (c->cid < 0 || c->failed)
		return;
	if (e->ops->send(e->ctx, c->cid, buf, len) < 0) {
		c->failed = true;
		p->drops[BGP_DROP_SEND_FAILED]++;
		return;
	}
	if (type < BGP_MSG_TYPES)
		p->msgs_out[type]++;
	/* §4.4: sending a KEEPALIVE or an UPDATE restarts the KeepaliveTimer */
	if (c == &p->conn && p->keepalive_ms &&
	    (type == BGP_MSG_KEEPALIVE || type == BGP_MSG_UPDATE) &&
	    (p->state == BGP_ST_OPENCONFIRM || p->state == BGP_ST_ESTABLISHED))
		p->t_keepalive = e->now + p->keepalive_ms;
}

bool bgp_peer_has_nh6(const struct bgp_peer *p)
{
	static const uint8_t none[16];

	return memcmp(p->conf.next_hop6, none, 16) != 0;
}

bool bgp_peer_offers_ipv6(const struct bgp_peer *p)
{
	return p->send_caps && bgp_peer_has_nh6(p);
}

/* Capabilities (RFC 5492): IPv4 unicast, IPv6 unicast when this peer has
 * an IPv6 next hop (whether or not a v6 prefix is announced yet: VIPs come
 * and go at run time, and a family is only added by a new session), the
 * 4-octet AS. */
void bgp_peer_send_open(struct bgp_peer *p, struct bgp_conn *c)
{
	struct bgp_eng *e = p->eng;
	uint8_t mp[4] = { 0, BGP_AFI_IPV4, 0, BGP_SAFI_UNICAST }, as4[4];
	uint8_t mp6[4] = { 0, BGP_AFI_IPV6, 0, BGP_SAFI_UNICAST };
	struct bgp_open o = {
		.version = BGP_VERSION,
		.my_as = e->conf.local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)e->conf.local_as,
		.hold_s = e->conf.hold_s,
		.id = e->conf.router_id,
	};
	int len;

	if (p->send_caps) {
		dp_put_u32(as4, e->conf.local_as);
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_MP, 4, mp };
		if (bgp_peer_offers_ipv6(p))
			o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_MP, 4, mp6 };
		o.caps[o.n_caps++] = (struct bgp_cap){ BGP_CAP_AS4, 4, as4 };
	}
	len = bgp_msg_open_encode(e->tx, sizeof(e->tx), &o);
	if (len > 0)
		bgp_peer_send(p, c, e->tx, (size_t)len);
}

void bgp_peer_send_notif(struct bgp_peer *p, struct bgp_conn *c, uint8_t code,
			 uint8_t sub, const uint8_t *data, size_t len)
{
	struct bgp_eng *e = p->eng;
	int n;

	if (c->cid < 0)
		return;
	n = bgp_msg_notif_encode(e->tx, sizeof(e->tx), code, sub, data, len);
	if (n > 0)
		bgp_peer_send(p, c, e->tx, (size_t)n);
	p->notif_sent[code <= BGP_ERR_CEASE ? code : 0]++;
	if (c == &p->conn) {
		p->has_err = true;
		p->last_err.code = code;
		p->last_err.sub = sub;
		p->last_err.sent = true;
		p->last_err.at_ms = e->now;
	}
	if (bgp_ratelim_ok(&p->log_lim, e->now))
		BGP_LOG(NOTICE, "%s: sent NOTIFICATION %u/%u (%s)%s", p->name, code,
			sub, bgp_msg_err_name(code, sub),
			c == &p->cand ? " on the colliding connection" : "");
}

void bgp_peer_conn_release(struct bgp_peer *p, struct bgp_conn *c)
{
	if (c->cid >= 0)
		p->eng->ops->close(p->eng->ctx, c->cid);
	c->cid = -1;
	c->outgoing = false;
	c->up = false;
	c->failed = false;
	c->local_addr = 0;
	c->hold_at = 0;
	c->rx_len = 0;
}

int bgp_peer_connect(struct bgp_peer *p)
{
	struct bgp_eng *e = p->eng;
	int cid;

	bgp_peer_conn_release(p, &p->conn);
	cid = e->ops->connect(e->ctx, p->idx, p->conf.addr, p->conf.port);
	p->conn.outgoing = true;
	if (cid < 0) {
		/* reported as TcpConnectionFails once the current event is done */
		p->conn.failed = true;
		if (bgp_ratelim_ok(&p->log_lim, e->now))
			BGP_LOG(WARNING, "%s: connect: %s", p->name, strerror(-cid));
		return cid;
	}
	p->conn.cid = cid;
	return 0;
}

/* Raises what earlier steps left pending (failed sends, failed connects),
 * outside of any action so the FSM is never re-entered. */
static void settle(struct bgp_peer *p)
{
	unsigned guard;

	for (guard = 0; guard < 8; guard++) {
		if (p->cand.failed) {
			bgp_peer_conn_release(p, &p->cand);
		} else if (p->conn.failed) {
			p->conn.failed = false;
			bgp_fsm_event(p, BGP_EV_TCP_FAILS);
		} else {
			break;
		}
	}
}

/* ---- lookups -------------------------------------------------------------- */

static struct bgp_conn *conn_by_cid(struct bgp_eng *e, int cid, struct bgp_peer **pp)
{
	unsigned i;

	if (cid < 0)
		return NULL;
	for (i = 0; i < e->conf.n_peers; i++) {
		struct bgp_peer *p = &e->peers[i];

		*pp = p;
		if (p->conn.cid == cid)
			return &p->conn;
		if (p->cand.cid == cid)
			return &p->cand;
	}
	return NULL;
}

static struct bgp_peer *peer_by_addr(struct bgp_eng *e, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < e->conf.n_peers; i++)
		if (e->peers[i].conf.addr == addr)
			return &e->peers[i];
	return NULL;
}

/* ---- engine entry points -------------------------------------------------- */

void bgp_eng_start(struct bgp_eng *e, uint64_t now)
{
	unsigned i;

	e->now = now;
	for (i = 0; i < e->conf.n_peers; i++) {
		bgp_fsm_event(&e->peers[i], BGP_EV_START);
		settle(&e->peers[i]);
	}
}

void bgp_eng_stop(struct bgp_eng *e, uint64_t now)
{
	unsigned i;

	e->now = now;
	for (i = 0; i < e->conf.n_peers; i++) {
		bgp_fsm_event(&e->peers[i], BGP_EV_STOP);
		settle(&e->peers[i]);
	}
}

/* A connection that will not carry a session: say why (RFC 4486 Cease
 * subcodes), then close it. */
static void refuse(struct bgp_peer *p, int cid, uint8_t sub)
{
	struct bgp_conn c = { .cid = cid, .up = true };

	p->drops[BGP_DROP_ACCEPT_STATE]++;
	if (bgp_ratelim_ok(&p->log_lim, p->eng->now))
		BGP_LOG(INFO, "%s: incoming connection refused in %s (%s)", p->name,
			bgp_fsm_state_name(p->state), bgp_msg_err_name(BGP_ERR_CEASE, sub));
	bgp_peer_send_notif(p, &c, BGP_ERR_CEASE, sub, NULL, 0);
	bgp_peer_conn_release(p, &c);
}

int bgp_eng_accept(struct bgp_eng *e, int cid, uint32_t remote, uint32_t local,
		   uint64_t now)
{
	struct bgp_peer *p;
	struct bgp_conn *c;
	uint8_t sub = BGP_CEASE_REJECTED;

	e->now = now;
	p = peer_by_addr(e, remote);
	if (!p) {
		char a[16];

		e->drops[BGP_DROP_ACCEPT_UNKNOWN]++;
		if (bgp_ratelim_ok(&e->log_lim, now)) {
			ip_str(remote, a, sizeof(a));
			BGP_LOG(NOTICE, "connection from %s, not a configured peer: closed", a);
		}
		e->ops->close(e->ctx, cid);
		return -ECONNREFUSED;
	}
	switch (p->state) {
	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		/* §8.2.2 Connect/Active, TcpConnectionConfirmed: our own
		 * attempt, if any, gives way to the connection that is up */
		bgp_peer_conn_release(p, &p->conn);
		p->conn.cid = cid;
		p->conn.up = true;
		p->conn.local_addr = local;
		bgp_fsm_event(p, BGP_EV_TCP_UP);
		settle(p);
		return 0;
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		if (p->cand.cid >= 0)
			break;
		/* §6.8: both run until the peer's OPEN on this one names
		 * its BGP Identifier */
		c = &p->cand;
		c->cid = cid;
		c->outgoing = false;
		c->up = true;
		c->local_addr = local;
		c->hold_at = now + BGP_OPEN_HOLD_MS;
		BGP_LOG(INFO, "%s: incoming connection collides with the one in %s (RFC 4271 §6.8)",
			p->name, bgp_fsm_state_name(p->state));
		bgp_peer_send_open(p, c);
		settle(p);
		return 0;
	case BGP_ST_ESTABLISHED:
		sub = BGP_CEASE_COLLISION;	/* §6.8: Established wins */
		break;
	default:
		break;	/* Idle refuses connections (§8.2.2) */
	}
	refuse(p, cid, sub);
	return -ECONNREFUSED;
}

void bgp_eng_connected(struct bgp_eng *e, int cid, uint32_t local, uint64_t now)
{
	struct bgp_peer *p;
	struct bgp_conn *c;

	e->now = now;
	c = conn_by_cid(e, cid, &p);
	if (!c || c != &p->conn || c->up)
		return;
	c->up = true;
	c->local_addr = local;
	bgp_fsm_event(p, BGP_EV_TCP_UP);
	settle(p);
}

void bgp_eng_closed(struct bgp_eng *e, int cid, uint64_t now)
{
	struct bgp_peer *p;
	struct bgp_conn *c;

	e->now = now;
	c = conn_by_cid(e, cid, &p);
	if (!c)
		return;
	if (c == &p->conn && p->state >= BGP_ST_OPENSENT && bgp_ratelim_ok(&p->log_lim, now))
		BGP_LOG(NOTICE, "%s: connection closed by the peer in %s", p->name,
			bgp_fsm_state_name(p->state));
	c->failed = true;
	settle(p);
}

/* ---- received messages ---------------------------------------------------- */

/* What §6.2 checks that needs the configuration (the codec did the rest). */
static int open_check(const struct bgp_peer *p, const struct bgp_open *o,
		      struct bgp_err *err)
{
	const struct bgp_conf *c = &p->eng->conf;
	uint32_t as = o->as4 ? o->as4_val : o->my_as;

	err->len = 0;
	err->code = BGP_ERR_OPEN;
	if (as != p->conf.as) {
		err->sub = BGP_OPEN_BAD_AS;
		return -EBADMSG;
	}
	/* RFC 6286 §2.1: the same identifier is only wrong inside an AS */
	if (p->conf.as == c->local_as && o->id == c->router_id) {
		err->sub = BGP_OPEN_BAD_ID;
		return -EBADMSG;
	}
	return 0;
}

static void cand_drop(struct bgp_peer *p, uint8_t code, uint8_t sub,
		      const uint8_t *data, size_t len)
{
	bgp_peer_send_notif(p, &p->cand, code, sub, data, len);
	bgp_peer_conn_release(p, &p->cand);
}

/* How long a connection in OpenSent may go without the peer's OPEN before
 * a colliding connection that has one replaces it: the hold time we
 * propose (90 s when none), at least 3 s; an OPEN takes a round trip. */
static uint64_t opensent_stale_ms(const struct bgp_peer *p)
{
	uint64_t h = p->eng->conf.hold_s ? p->eng->conf.hold_s : 90;

	return (h < 3 ? 3 : h) * 1000;
}

/* The colliding connection's first message. §6.8: the connection that the
 * speaker with the higher BGP Identifier opened survives. */
static void cand_msg(struct bgp_peer *p, const uint8_t *msg, size_t len,
		     uint8_t type)
{
	const struct bgp_conf *conf = &p->eng->conf;
	struct bgp_open o;
	bool keep_old;

	if (type == BGP_MSG_NOTIFICATION) {
		/* the peer gave this one up (its own §6.8 choice): no answer */
		bgp_peer_conn_release(p, &p->cand);
		return;
	}
	if (type != BGP_MSG_OPEN) {
		cand_drop(p, BGP_ERR_FSM, BGP_FSM_IN_OPENSENT, NULL, 0);
		return;
	}
	if (bgp_msg_open_decode(msg, len, &o, &p->err) || open_check(p, &o, &p->err)) {
		cand_drop(p, p->err.code, p->err.sub, p->err.data, p->err.len);
		return;
	}
	if (p->state != BGP_ST_OPENSENT && p->state != BGP_ST_OPENCONFIRM) {
		cand_drop(p, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
		return;
	}
	keep_old = !p->conn.outgoing || conf->router_id > o.id;
	/* §6.8 compares connections in OpenConfirm; one still in OpenSent
	 * has shown no OPEN. Silent there for longer than a hold time, it
	 * is dead but for its socket (GTSM or TCP-MD5 drop the peer's
	 * segments, FIN included, without a word): the live one wins. */
	if (p->state == BGP_ST_OPENSENT && p->eng->now - p->since_ms > opensent_stale_ms(p)) {
		BGP_LOG(NOTICE, "%s: collision: no OPEN in %llu ms on the first connection, the new one replaces it",
			p->name, (unsigned long long)(p->eng->now - p->since_ms));
		keep_old = false;
	} else {
		BGP_LOG(INFO, "%s: collision resolved: keep the connection opened by %s (local id %08x, remote %08x, RFC 4271 §6.8)",
			p->name, keep_old == p->conn.outgoing ? "us" : "the peer",
			conf->router_id, o.id);
	}
	if (keep_old) {
		cand_drop(p, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
		return;
	}
	bgp_peer_send_notif(p, &p->conn, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
	bgp_peer_conn_release(p, &p->conn);
	p->conn = p->cand;
	p->conn.hold_at = 0;
	p->cand.cid = -1;
	bgp_peer_conn_release(p, &p->cand);
	bgp_fsm_chstate(p, BGP_ST_OPENSENT, "the colliding connection wins",
			"RFC 4271 §6.8");
	p->rx_open = &o;
	bgp_fsm_event(p, BGP_EV_OPEN);
	p->rx_open = NULL;
}

/* RFC 7606 §6: the operator hears of every malformed UPDATE (here, at a
 * bounded rate; the counters see them all). */
static void log_7606(struct bgp_peer *p, const struct bgp_update *u)
{
	char why[160];
	size_t n = 0;

	why[0] = 0;
	for (unsigned i = 0; i < BGP_7606_MAX && n < sizeof(why); i++)
		if (u->reasons & (1u << i))
			n += (size_t)snprintf(why + n, sizeof(why) - n, "%s%s", n ? ", " : "",
					      bgp_7606_names[i]);
	if (bgp_ratelim_ok(&p->log_lim, p->eng->now))
		BGP_LOG(WARNING, "%s: malformed UPDATE (%s; attribute type %u): %s (RFC 7606)",
			p->name, why, u->first_type,
			u->verdict == BGP_UPD_TREAT_AS_WITHDRAW ?
			"its routes are treated as withdrawn" : "attribute discarded");
}

static unsigned mp_count(const struct bgp_mp *m, uint16_t afi)
{
	return bgp_mp_is(m, afi) ? m->n : 0;
}

static void update_rx(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	unsigned opts = (p->as4 ? BGP_UPD_AS4 : 0) |
			(p->conf.as != p->eng->conf.local_as ? BGP_UPD_EBGP : 0);
	struct bgp_update u;

	if (bgp_msg_update_decode(msg, len, opts, &u, &p->err)) {
		bgp_fsm_event(p, BGP_EV_UPDATE_ERR);
		return;
	}
	if (u.verdict != BGP_UPD_OK) {
		for (unsigned i = 0; i < BGP_7606_MAX; i++)
			if (u.reasons & (1u << i))
				p->rfc7606_reasons[i]++;
		p->rfc7606_discarded += u.n_discarded;
		log_7606(p, &u);
	}
	if (u.verdict == BGP_UPD_TREAT_AS_WITHDRAW) {
		/* the session stays up; mgw holds no route to withdraw,
		 * so it counts them as what they now are */
		p->rfc7606_withdraw_updates++;
		p->rfc7606_withdrawn += u.n_nlri + mp_count(&u.reach, BGP_AFI_IPV4) +
					mp_count(&u.reach, BGP_AFI_IPV6);
		p->withdrawn_rx += u.n_wd + u.n_nlri + mp_count(&u.reach, BGP_AFI_IPV4) +
				   mp_count(&u.unreach, BGP_AFI_IPV4);
		p->withdrawn6_rx += mp_count(&u.reach, BGP_AFI_IPV6) +
				    mp_count(&u.unreach, BGP_AFI_IPV6);
		bgp_fsm_event(p, BGP_EV_UPDATE);
		return;
	}
	/* mgw installs nothing: count and move on */
	p->prefixes_rx += u.n_nlri + mp_count(&u.reach, BGP_AFI_IPV4);
	p->withdrawn_rx += u.n_wd + mp_count(&u.unreach, BGP_AFI_IPV4);
	p->prefixes6_rx += mp_count(&u.reach, BGP_AFI_IPV6);
	p->withdrawn6_rx += mp_count(&u.unreach, BGP_AFI_IPV6);
	p->unknown_attrs_rx += u.n_unknown;
	if (u.eor)
		p->eor_rx++;
	if (u.eor6)
		p->eor6_rx++;
	bgp_fsm_event(p, BGP_EV_UPDATE);
}

static void dispatch(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *msg,
		     size_t len, uint8_t type)
{
	struct bgp_open o;
	struct bgp_notif n;

	p->msgs_in[type]++;
	if (c == &p->cand) {
		cand_msg(p, msg, len, type);
		return;
	}
	switch (type) {
	case BGP_MSG_OPEN:
		/* elsewhere than in OpenSent an OPEN is an FSM error, whatever
		 * it holds */
		if (p->state != BGP_ST_OPENSENT) {
			bgp_fsm_event(p, BGP_EV_OPEN);
			break;
		}
		if (bgp_msg_open_decode(msg, len, &o, &p->err) ||
		    open_check(p, &o, &p->err)) {
			bgp_fsm_event(p, BGP_EV_OPEN_ERR);
			break;
		}
		p->rx_open = &o;
		bgp_fsm_event(p, BGP_EV_OPEN);
		p->rx_open = NULL;
		break;
	case BGP_MSG_UPDATE:
		if (p->state == BGP_ST_ESTABLISHED)
			update_rx(p, msg, len);
		else
			bgp_fsm_event(p, BGP_EV_UPDATE);
		break;
	case BGP_MSG_NOTIFICATION:
		if (bgp_msg_notif_decode(msg, len, &n) == 0) {
			p->rx_notif = &n;
			bgp_fsm_event(p, BGP_EV_NOTIF);
			p->rx_notif = NULL;
		}
		break;
	case BGP_MSG_KEEPALIVE:
		bgp_fsm_event(p, BGP_EV_KEEPALIVE);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		bgp_fsm_event(p, BGP_EV_REFRESH);
		break;
	default:
		break;
	}
}

static void header_error(struct bgp_peer *p, struct bgp_conn *c)
{
	if (c == &p->cand)
		cand_drop(p, p->err.code, p->err.sub, p->err.data, p->err.len);
	else
		bgp_fsm_event(p, BGP_EV_HDR_ERR);
}

/* TCP is a byte stream: a read may hold part of a message or several.
 * Each connection keeps the message it is assembling in rx[]. */
void bgp_eng_input(struct bgp_eng *e, int cid, const uint8_t *buf, size_t len,
		   uint64_t now)
{
	uint8_t msg[BGP_MAX_MSG];
	size_t off = 0;

	e->now = now;
	while (off < len) {
		struct bgp_peer *p;
		struct bgp_conn *c = conn_by_cid(e, cid, &p);
		struct bgp_hdr h;
		size_t take;

		if (!c || c->failed || !c->up)
			break;
		if (c->rx_len < BGP_HDR_LEN) {
			take = BGP_HDR_LEN - c->rx_len;
			if (take > len - off)
				take = len - off;
			memcpy(c->rx + c->rx_len, buf + off, take);
			c->rx_len = (uint16_t)(c->rx_len + take);
			off += take;
			if (c->rx_len < BGP_HDR_LEN)
				break;
			/* check the header as soon as it is complete: a bad
			 * length must not make us wait for bytes that never come */
			if (bgp_msg_hdr_decode(c->rx, BGP_HDR_LEN, &h, &p->err)) {
				header_error(p, c);
				settle(p);
				continue;
			}
		}
		h.len = dp_get_u16(c->rx + 16);
		h.type = c->rx[18];
		take = h.len - c->rx_len;
		if (take > len - off)
			take = len - off;
		memcpy(c->rx + c->rx_len, buf + off, take);
		c->rx_len = (uint16_t)(c->rx_len + take);
		off += take;
		if (c->rx_len < h.len)
			break;
		memcpy(msg, c->rx, h.len);
		c->rx_len = 0;
		dispatch(p, c, msg, h.len, h.type);
		settle(p);
	}
}

uint64_t bgp_eng_tick(struct bgp_eng *e, uint64_t now)
{
	uint64_t next = UINT64_MAX, t;
	unsigned i;

	e->now = now;
	for (i = 0; i < e->conf.n_peers; i++) {
		struct bgp_peer *p = &e->peers[i];

		if (p->cand.cid >= 0 && p->cand.hold_at <= now)
			cand_drop(p, BGP_ERR_HOLD, 0, NULL, 0);
		t = bgp_fsm_timers(p, now);
		settle(p);
		if (t < next)
			next = t;
		if (p->cand.cid >= 0 && p->cand.hold_at < next)
			next = p->cand.hold_at;
	}
	return next;
}

int bgp_eng_announce(struct bgp_eng *e, const struct bgp_prefix *pfx, unsigned n,
		     uint64_t now)
{
	unsigned i;
	int rc;

	e->now = now;
	rc = bgp_rib_set(e, pfx, n);
	if (rc)
		return rc;
	e->announce_calls++;
	for (i = 0; i < e->conf.n_peers; i++) {
		if (e->peers[i].state == BGP_ST_ESTABLISHED)
			bgp_rib_sync(&e->peers[i]);
		settle(&e->peers[i]);
	}
	return 0;
}
