/* The engine's state as JSON (for GET /api/v1/routing). Times are relative
 * ("since_s": seconds in the current state) because the engine only knows
 * a monotonic clock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "ospf/bgp_int.h"

static json_t *ip_json(uint32_t a)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	return json_string(buf);
}

/* "fd00:1::10/128", "10.0.0.10/32": canonical text (RFC 5952) */
static json_t *prefix_json(const struct bgp_prefix *x)
{
	char buf[INET6_ADDRSTRLEN + 4];
	uint8_t a4[4];
	size_t n;

	dp_put_u32(a4, x->addr);
	if (!inet_ntop(x->v6 ? AF_INET6 : AF_INET, x->v6 ? (const void *)x->addr6 : a4,
		       buf, sizeof(buf)))
		return json_null();
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "/%u", x->plen);
	return json_string(buf);
}

/* Why this peer is not sent the v6 routes; NULL when it is (or may be,
 * once the session is up). */
static const char *ipv6_withheld(const struct bgp_peer *p)
{
	if (!bgp_peer_has_nh6(p))
		return "no IPv6 next hop: the port facing this peer has no ip6";
	if (!p->send_caps)
		return "no capabilities in our OPEN (the peer refused them or they are off)";
	if (p->state >= BGP_ST_OPENCONFIRM && !p->ipv6)
		return "the peer did not offer IPv6 unicast";
	return NULL;
}

static json_t *nh6_json(const struct bgp_peer *p)
{
	char nh[INET6_ADDRSTRLEN];

	if (!bgp_peer_has_nh6(p) ||
	    !inet_ntop(AF_INET6, p->conf.next_hop6, nh, sizeof(nh)))
		return json_null();
	return json_string(nh);
}

static json_t *msgs_json(const uint64_t *m)
{
	json_t *o = json_object();
	unsigned t;

	for (t = BGP_MSG_OPEN; t < BGP_MSG_TYPES && o; t++)
		json_object_set_new(o, bgp_msg_type_name(t), json_integer((json_int_t)m[t]));
	return o;
}

static json_t *drops_json(const uint64_t *d)
{
	static const char *const names[BGP_DROP_MAX] = {
		[BGP_DROP_ACCEPT_UNKNOWN] = "accept_unknown_peer",
		[BGP_DROP_ACCEPT_STATE] = "accept_refused",
		[BGP_DROP_SEND_FAILED] = "send_failed",
	};
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i < BGP_DROP_MAX && o; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)d[i]));
	return o;
}

/* NOTIFICATIONs by error code (0: codes we do not know) */
static json_t *notifs_json(const uint64_t *n)
{
	static const char *const names[BGP_ERR_CEASE + 1] = {
		"other", "header", "open", "update", "hold_timer", "fsm", "cease",
	};
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i <= BGP_ERR_CEASE && o; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)n[i]));
	return o;
}

/* Malformed UPDATEs that did not cost the session (RFC 7606). */
static json_t *rfc7606_json(const struct bgp_peer *p)
{
	json_t *o = json_object(), *r = json_object();
	unsigned i;

	if (!o || !r) {
		json_decref(o);
		json_decref(r);
		return NULL;
	}
	json_object_set_new(o, "treat_as_withdraw", json_integer((json_int_t)p->rfc7606_withdraw_updates));
	json_object_set_new(o, "prefixes_withdrawn", json_integer((json_int_t)p->rfc7606_withdrawn));
	json_object_set_new(o, "attributes_discarded", json_integer((json_int_t)p->rfc7606_discarded));
	for (i = 0; i < BGP_7606_MAX; i++)
		json_object_set_new(r, bgp_7606_names[i], json_integer((json_int_t)p->rfc7606_reasons[i]));
	json_object_set_new(o, "by_reason", r);
	return o;
}

static json_t *peer_json(const struct bgp_peer *p, uint64_t now)
{
	json_t *o = json_object(), *err;
	unsigned n6 = 0;

	if (!o)
		return NULL;
	for (unsigned i = 0; i < p->n_adv; i++)
		n6 += p->adv[i].v6;
	json_object_set_new(o, "addr", json_string(p->name));
	json_object_set_new(o, "as", json_integer(p->conf.as));
	json_object_set_new(o, "state", json_string(bgp_fsm_state_name(p->state)));
	json_object_set_new(o, "since_s", json_real((double)(now - p->since_ms) / 1000.0));
	json_object_set_new(o, "uptime_s", json_real(p->state == BGP_ST_ESTABLISHED ?
						     (double)(now - p->up_ms) / 1000.0 : 0.0));
	json_object_set_new(o, "established_count", json_integer((json_int_t)p->established_count));
	json_object_set_new(o, "transitions", json_integer((json_int_t)p->transitions));
	if (p->state >= BGP_ST_OPENCONFIRM) {
		json_object_set_new(o, "remote_id", ip_json(p->remote_id));
		json_object_set_new(o, "hold_s", json_integer(p->hold_ms / 1000));
		json_object_set_new(o, "keepalive_ms", json_integer(p->keepalive_ms));
		json_object_set_new(o, "as4", json_boolean(p->as4));
		json_object_set_new(o, "ipv4_unicast", json_boolean(p->ipv4));
		json_object_set_new(o, "ipv6_unicast", json_boolean(p->ipv6));
	}
	json_object_set_new(o, "ipv6_next_hop", nh6_json(p));
	json_object_set_new(o, "ipv6_withheld", ipv6_withheld(p) ?
			    json_string(ipv6_withheld(p)) : json_null());
	json_object_set_new(o, "capabilities_sent", json_boolean(p->send_caps));
	/* never the key */
	json_object_set_new(o, "auth", json_string(p->conf.md5_key_len ? "tcp-md5" : "none"));
	json_object_set_new(o, "ttl_security", json_boolean(p->conf.ttl_security));
	if (p->has_err) {
		err = json_object();
		json_object_set_new(err, "code", json_integer(p->last_err.code));
		json_object_set_new(err, "subcode", json_integer(p->last_err.sub));
		json_object_set_new(err, "name", json_string(bgp_msg_err_name(p->last_err.code,
									   p->last_err.sub)));
		json_object_set_new(err, "direction", json_string(p->last_err.sent ? "sent" : "received"));
		json_object_set_new(err, "ago_s", json_real((double)(now - p->last_err.at_ms) / 1000.0));
		json_object_set_new(o, "last_error", err);
	} else {
		json_object_set_new(o, "last_error", json_null());
	}
	json_object_set_new(o, "msgs_in", msgs_json(p->msgs_in));
	json_object_set_new(o, "msgs_out", msgs_json(p->msgs_out));
	json_object_set_new(o, "prefixes_announced", json_integer(p->n_adv));
	json_object_set_new(o, "ipv6_prefixes_announced", json_integer(n6));
	json_object_set_new(o, "prefixes_received", json_integer((json_int_t)p->prefixes_rx));
	json_object_set_new(o, "withdrawn_received", json_integer((json_int_t)p->withdrawn_rx));
	json_object_set_new(o, "end_of_rib_received", json_integer((json_int_t)p->eor_rx));
	json_object_set_new(o, "ipv6_prefixes_received", json_integer((json_int_t)p->prefixes6_rx));
	json_object_set_new(o, "ipv6_withdrawn_received", json_integer((json_int_t)p->withdrawn6_rx));
	json_object_set_new(o, "ipv6_end_of_rib_received", json_integer((json_int_t)p->eor6_rx));
	json_object_set_new(o, "unknown_attributes_ignored",
			    json_integer((json_int_t)p->unknown_attrs_rx));
	json_object_set_new(o, "rfc7606", rfc7606_json(p));
	json_object_set_new(o, "notifications_sent", notifs_json(p->notif_sent));
	json_object_set_new(o, "notifications_received", notifs_json(p->notif_rx));
	json_object_set_new(o, "drops", drops_json(p->drops));
	json_object_set_new(o, "logs_suppressed", json_integer((json_int_t)p->log_lim.suppressed));
	return o;
}

int bgp_eng_status_json(struct bgp_eng *e, uint64_t now, json_t **out)
{
	json_t *o, *peers, *pfx;
	unsigned i;

	*out = NULL;
	o = json_object();
	peers = json_array();
	pfx = json_array();
	if (!o || !peers || !pfx) {
		json_decref(o);
		json_decref(peers);
		json_decref(pfx);
		return -ENOMEM;
	}
	json_object_set_new(o, "local_as", json_integer(e->conf.local_as));
	json_object_set_new(o, "router_id", ip_json(e->conf.router_id));
	json_object_set_new(o, "hold_s", json_integer(e->conf.hold_s));
	for (i = 0; i < e->conf.n_peers; i++)
		json_array_append_new(peers, peer_json(&e->peers[i], now));
	json_object_set_new(o, "peers", peers);
	for (i = 0; i < e->n_rib; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "prefix", prefix_json(&e->rib[i]));
		json_object_set_new(x, "family", json_string(e->rib[i].v6 ? "ipv6" : "ipv4"));
		json_object_set_new(x, "med", json_integer(e->rib[i].med));
		json_array_append_new(pfx, x);
	}
	json_object_set_new(o, "prefixes", pfx);
	json_object_set_new(o, "announce_calls", json_integer((json_int_t)e->announce_calls));
	json_object_set_new(o, "drops", drops_json(e->drops));
	json_object_set_new(o, "logs_suppressed", json_integer((json_int_t)e->log_lim.suppressed));
	*out = o;
	return 0;
}
