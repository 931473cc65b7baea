/* mgw OSPF — the engine's state as JSON (for GET /routing). */
#include <errno.h>
#include <stdio.h>

#include "ospf/ospf_int.h"

static const char *const type_names[OSPF_T_MAX + 1] = {
	"unknown", "hello", "dbd", "lsr", "lsu", "lsack",
};

static json_t *addr_str(uint32_t a)
{
	char b[16];

	return json_string(ospf_ntoa(a, b));
}

static json_t *prefix_str(uint32_t a, uint8_t plen)
{
	char b[16], s[24];

	snprintf(s, sizeof(s), "%s/%u", ospf_ntoa(a, b), plen);
	return json_string(s);
}

static json_t *nbr_json(const struct ospf_nbr *n, uint64_t now)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "interface", json_string(n->ifa->c.ifname));
	json_object_set_new(o, "router_id", addr_str(n->rid));
	json_object_set_new(o, "address", addr_str(n->addr));
	json_object_set_new(o, "state", json_string(ospf_nbr_state_name(n->state)));
	json_object_set_new(o, "since_s",
			    json_real((double)(now - n->since_ms) / 1000.0));
	json_object_set_new(o, "priority", json_integer(n->prio));
	if (n->state >= OSPF_NS_EXCHANGE)
		json_object_set_new(o, "role",
				    json_string(n->master ? "master" : "slave"));
	if (n->has_auth_seq)
		json_object_set_new(o, "auth_seq", json_integer(n->auth_seq));
	json_object_set_new(o, "requests", json_integer(n->request.n));
	json_object_set_new(o, "retransmissions", json_integer(n->retrans.n));
	return o;
}

static json_t *iface_json(const struct ospf_iface *ifa, uint64_t now)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(ifa->c.ifname));
	json_object_set_new(o, "type", json_string(ifa->c.type == OSPF_IF_PTP ?
						   "ptp" : "broadcast"));
	json_object_set_new(o, "state", json_string(ospf_iface_state_name(ifa->state)));
	json_object_set_new(o, "since_s",
			    json_real((double)(now - ifa->since_ms) / 1000.0));
	json_object_set_new(o, "address", prefix_str(ifa->c.addr, ifa->c.plen));
	json_object_set_new(o, "cost", json_integer(ifa->c.cost));
	json_object_set_new(o, "hello_s", json_integer(ifa->c.hello_s));
	json_object_set_new(o, "dead_s", json_integer(ifa->c.dead_s));
	json_object_set_new(o, "mtu", json_integer(ifa->c.mtu));
	if (ifa->c.type == OSPF_IF_BCAST) {
		json_object_set_new(o, "dr", addr_str(ifa->dr));
		json_object_set_new(o, "bdr", addr_str(ifa->bdr));
	}
	json_object_set_new(o, "neighbours", json_integer(ifa->n_nbrs));
	/* never the key */
	json_object_set_new(o, "auth", json_string(ospf_auth_name(ifa->c.auth)));
	if (ifa->c.auth != OSPF_AUTH_NONE)
		json_object_set_new(o, "key_id", json_integer(ifa->c.key_id));
	json_object_set_new(o, "ttl_security", json_boolean(ifa->c.ttl_security));
	return o;
}

int ospf_eng_status_json(struct ospf_eng *e, uint64_t now, json_t **out)
{
	json_t *o = json_object(), *ifs = json_array(), *nbrs = json_array();
	json_t *pfx = json_array(), *rx = json_object(), *tx = json_object();
	json_t *drops = json_object(), *cnt = json_object(), *db = json_object();
	struct ospf_lsa *self;
	unsigned i, j;

	if (!o || !ifs || !nbrs || !pfx || !rx || !tx || !drops || !cnt || !db) {
		json_decref(o);
		json_decref(ifs);
		json_decref(nbrs);
		json_decref(pfx);
		json_decref(rx);
		json_decref(tx);
		json_decref(drops);
		json_decref(cnt);
		json_decref(db);
		return -ENOMEM;
	}
	json_object_set_new(o, "router_id", addr_str(e->rid));
	json_object_set_new(o, "area", addr_str(e->area));
	for (i = 0; i < e->n_ifaces; i++) {
		const struct ospf_iface *ifa = &e->ifaces[i];

		json_array_append_new(ifs, iface_json(ifa, now));
		for (j = 0; j < ifa->n_nbrs; j++)
			json_array_append_new(nbrs, nbr_json(ifa->nbrs[j], now));
	}
	json_object_set_new(o, "interfaces", ifs);
	json_object_set_new(o, "neighbours", nbrs);

	for (i = 0; i < e->n_pfx; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "prefix", prefix_str(e->pfx[i].addr,
							     e->pfx[i].plen));
		json_object_set_new(p, "cost", json_integer(e->pfx[i].cost));
		json_array_append_new(pfx, p);
	}
	json_object_set_new(o, "announced", pfx);

	self = ospf_self_lsa(e);
	if (self) {
		json_t *s = json_object();
		char seq[12];

		snprintf(seq, sizeof(seq), "0x%08x", self->h.seq);
		json_object_set_new(s, "seq", json_string(seq));
		json_object_set_new(s, "age", json_integer(ospf_lsa_age(self, now)));
		json_object_set_new(s, "length", json_integer(self->len));
		json_object_set_new(o, "router_lsa", s);
	} else {
		json_object_set_new(o, "router_lsa", json_null());
	}
	json_object_set_new(o, "origination_pending", json_boolean(e->orig_pending));

	json_object_set_new(db, "lsas", json_integer(e->db.count));
	json_object_set_new(db, "bytes", json_integer((json_int_t)e->db.bytes));
	json_object_set_new(o, "lsdb", db);

	for (i = 1; i <= OSPF_T_MAX; i++) {
		json_object_set_new(rx, type_names[i], json_integer((json_int_t)e->cnt.rx[i]));
		json_object_set_new(tx, type_names[i], json_integer((json_int_t)e->cnt.tx[i]));
	}
	json_object_set_new(cnt, "rx", rx);
	json_object_set_new(cnt, "tx", tx);
	json_object_set_new(cnt, "originations", json_integer((json_int_t)e->cnt.originations));
	json_object_set_new(cnt, "flushes", json_integer((json_int_t)e->cnt.flushes));
	json_object_set_new(cnt, "retransmissions", json_integer((json_int_t)e->cnt.rxmt));
	json_object_set_new(cnt, "neighbour_changes", json_integer((json_int_t)e->cnt.nbr_changes));
	json_object_set_new(cnt, "auth_tx_errors", json_integer((json_int_t)e->cnt.auth_tx_errors));
	json_object_set_new(o, "auth_seq", json_integer(e->auth_seq_last));
	for (i = 0; i < OSPF_DROP_MAX; i++)
		json_object_set_new(drops, ospf_drop_names[i],
				    json_integer((json_int_t)e->cnt.drops[i]));
	json_object_set_new(cnt, "drops", drops);
	json_object_set_new(o, "counters", cnt);
	*out = o;
	return 0;
}
