/* mgw OSPF — the engine: configuration checks, packet intake (RFC 2328
 * 8.2), timers, the announced prefix set, and the bookkeeping that runs
 * after every input (requests, origination, neighbours to delete).
 *
 * It does no I/O and reads no clock: time comes in as milliseconds and
 * packets leave through the send callback.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

RTE_LOG_REGISTER(mgw_logtype_ospf, mgw.ospf, INFO);

#define LOG_BUDGET_PER_S 20

const char *ospf_ntoa(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	return buf;
}

bool ospf_log_ok(struct ospf_eng *e, uint64_t now)
{
	if (now >= e->log_window + 1000) {
		if (e->log_suppressed)
			OSPF_LOG(NOTICE, "%" PRIu64 " log messages suppressed",
				 e->log_suppressed);
		e->log_window = now;
		e->log_budget = LOG_BUDGET_PER_S;
		e->log_suppressed = 0;
	}
	if (!e->log_budget) {
		e->log_suppressed++;
		return false;
	}
	e->log_budget--;
	return true;
}

uint32_t ospf_eng_rand(struct ospf_eng *e)
{
	uint32_t x = e->rng ? e->rng : 0x2545f491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	e->rng = x;
	return x;
}

void ospf_drop(struct ospf_eng *e, uint64_t now, enum ospf_drop why,
	       uint32_t src)
{
	char b[16];

	if (why >= OSPF_DROP_MAX)
		return;
	e->cnt.drops[why]++;
	/* Misconfiguration shows up here; tell the operator, sparingly. */
	switch (why) {
	case OSPF_DROP_AREA:
	case OSPF_DROP_TTL:
	case OSPF_DROP_AUTH_TYPE:
	case OSPF_DROP_AUTH_KEY_ID:
	case OSPF_DROP_AUTH_LEN:
	case OSPF_DROP_AUTH_DIGEST:
	case OSPF_DROP_HELLO_MASK:
	case OSPF_DROP_HELLO_TIMERS:
	case OSPF_DROP_HELLO_OPTS:
	case OSPF_DROP_DBD_MTU:
	case OSPF_DROP_NBR_LIMIT:
	case OSPF_DROP_LSDB_FULL:
		OSPF_RLOG(e, now, WARNING, "dropped packet from %s: %s",
			  ospf_ntoa(src, b), ospf_drop_names[why]);
		break;
	default:
		OSPF_RLOG(e, now, DEBUG, "dropped packet from %s: %s",
			  ospf_ntoa(src, b), ospf_drop_names[why]);
		break;
	}
}

void ospf_eng_send(struct ospf_eng *e, unsigned ifi, uint32_t dst,
		   uint8_t type, const uint8_t *pkt, size_t len)
{
	if (ifi < e->n_ifaces && e->ifaces[ifi].c.auth != OSPF_AUTH_NONE) {
		/* every copy is signed as it leaves: a retransmission gets
		 * the current sequence number */
		len = ospf_auth_sign(e, &e->ifaces[ifi], pkt, len, e->auth_tx,
				     sizeof(e->auth_tx));
		if (!len) {
			e->cnt.auth_tx_errors++;
			return;
		}
		pkt = e->auth_tx;
	}
	if (type <= OSPF_T_MAX)
		e->cnt.tx[type]++;
	if (e->send)
		e->send(e->send_arg, ifi, dst, pkt, len);
}

static int conf_err(char *msg, size_t len, int idx, const char *what)
{
	if (msg && len) {
		if (idx < 0)
			snprintf(msg, len, "%s", what);
		else
			snprintf(msg, len, "interfaces[%d].%s", idx, what);
	}
	return -EINVAL;
}

int ospf_conf_check(const struct ospf_conf *c, char *msg, size_t len)
{
	unsigned i, j;

	if (!c)
		return -EINVAL;
	if (!c->router_id)
		return conf_err(msg, len, -1, "router_id: must not be 0.0.0.0");
	if (!c->n_ifaces || c->n_ifaces > OSPF_MAX_IFACES)
		return conf_err(msg, len, -1, "interfaces: need 1 to 8");
	for (i = 0; i < c->n_ifaces; i++) {
		const struct ospf_iface_conf *f = &c->ifaces[i];
		const char *m = NULL;

		if (!f->ifname[0] || !memchr(f->ifname, 0, sizeof(f->ifname)))
			m = "ifname: must be 1 to 15 characters";
		else if (!f->addr)
			m = "addr: must not be 0.0.0.0";
		else if (f->plen < 1 || f->plen > 32)
			m = "plen: must be 1..32";
		else if (f->type != OSPF_IF_PTP && f->type != OSPF_IF_BCAST)
			m = "type: must be ptp or broadcast";
		else if (f->type == OSPF_IF_BCAST && f->plen > 30)
			m = "plen: a broadcast network needs at most /30";
		else if (f->hello_s < 1)
			m = "hello_s: must be at least 1";
		else if (f->dead_s <= f->hello_s)
			m = "dead_s: must be greater than hello_s";
		else if (f->cost < 1)
			m = "cost: must be 1..65535";
		else if (f->mtu && f->mtu < 576)
			m = "mtu: must be 0 (ask the interface) or at least 576";
		else if (f->auth >= OSPF_AUTH_TYPES)
			m = "auth: unknown type";
		else if (f->auth != OSPF_AUTH_NONE && !f->key_len)
			m = "key: must not be empty";
		else if (f->auth == OSPF_AUTH_MD5 && f->key_len > 16)
			m = "key: an MD5 key is at most 16 bytes (RFC 2328 D.3)";
		else if (f->auth > OSPF_AUTH_MD5 && f->key_len > ospf_auth_len(f->auth))
			m = "key: an HMAC key is at most as long as its digest";
		else if (f->ttl_security && f->type != OSPF_IF_PTP)
			m = "ttl_security: for point-to-point interfaces only";
		for (j = 0; !m && j < i; j++)
			if (!strncmp(f->ifname, c->ifaces[j].ifname,
				     sizeof(f->ifname)))
				m = "ifname: listed twice";
		if (m)
			return conf_err(msg, len, (int)i, m);
	}
	return 0;
}

int ospf_eng_create(const struct ospf_conf *c, ospf_send_fn send, void *arg,
		    uint32_t seed, struct ospf_eng **out)
{
	struct ospf_eng *e;
	unsigned i;
	int rc;

	rc = ospf_conf_check(c, NULL, 0);
	if (rc)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	rc = ospf_lsdb_init(&e->db);
	if (rc)
		goto err_free;
	e->rid = c->router_id;
	e->area = c->area;
	e->send = send;
	e->send_arg = arg;
	e->rng = seed ? seed : 1;
	e->next_seq = OSPF_INITIAL_SEQ;
	e->auth_seq0 = c->auth_seq0;
	e->n_ifaces = c->n_ifaces;
	for (i = 0; i < c->n_ifaces; i++) {
		struct ospf_iface *ifa = &e->ifaces[i];

		ifa->e = e;
		ifa->idx = i;
		ifa->c = c->ifaces[i];
		if (!ifa->c.mtu)
			ifa->c.mtu = 1500;    /* until the shell tells us */
		ifa->mask = 0xffffffffu << (32 - ifa->c.plen);
		ifa->rxmt_ms = (uint64_t)(ifa->c.rxmt_s ? ifa->c.rxmt_s : 5) * 1000;
		ifa->state = OSPF_IS_DOWN;
	}
	*out = e;
	return 0;

err_free:
	free(e);
	return rc;
}

void ospf_eng_destroy(struct ospf_eng *e)
{
	unsigned i, j;

	if (!e)
		return;
	for (i = 0; i < e->n_ifaces; i++) {
		for (j = 0; j < e->ifaces[i].n_nbrs; j++)
			ospf_nbr_free(e->ifaces[i].nbrs[j]);
		free(e->ifaces[i].acks);
		explicit_bzero(e->ifaces[i].c.key, sizeof(e->ifaces[i].c.key));
	}
	ospf_lsdb_free(&e->db);
	free(e);
}

void ospf_eng_set_mtu(struct ospf_eng *e, unsigned ifi, uint16_t mtu)
{
	if (ifi < e->n_ifaces && mtu >= 576)
		e->ifaces[ifi].c.mtu = mtu;
}

void ospf_eng_start(struct ospf_eng *e, uint64_t now)
{
	unsigned i;

	e->now_ms = e->start_ms = now;
	for (i = 0; i < e->n_ifaces; i++)
		ospf_iface_event(&e->ifaces[i], now, OSPF_IE_UP);
	e->age_at = now + 1000;
	ospf_eng_tick(e, now);
}

void ospf_eng_settle(struct ospf_eng *e, uint64_t now)
{
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++) {
		struct ospf_iface *ifa = &e->ifaces[i];

		if (ifa->nbr_change) {
			ifa->nbr_change = false;
			ospf_iface_event(ifa, now, OSPF_IE_NBR_CHANGE);
		}
		for (j = 0; j < ifa->n_nbrs; j++) {
			struct ospf_nbr *n = ifa->nbrs[j];

			if (n->state == OSPF_NS_LOADING && !n->request.n)
				ospf_nbr_event(n, now, OSPF_NE_LOAD_DONE);
			ospf_lsr_next(n, now);
		}
	}
	ospf_orig_run(e, now);
	for (i = 0; i < e->n_ifaces; i++) {
		struct ospf_iface *ifa = &e->ifaces[i];
		unsigned before = ifa->n_nbrs;

		ospf_iface_reap(ifa);
		if (ifa->n_nbrs != before && ifa->c.type == OSPF_IF_BCAST) {
			ifa->nbr_change = false;
			ospf_iface_event(ifa, now, OSPF_IE_NBR_CHANGE);
		}
	}
	/* Adjacency changes from that election are picked up here. */
	ospf_orig_run(e, now);
}

void ospf_eng_input(struct ospf_eng *e, uint64_t now, unsigned ifi,
		    uint32_t src, uint32_t dst, const uint8_t *buf, size_t len)
{
	struct ospf_iface *ifa;
	enum ospf_drop why;
	struct ospf_nbr *n;
	struct ospf_pkt p;
	uint32_t seq;

	if (ifi >= e->n_ifaces)
		return;
	e->now_ms = now;
	ifa = &e->ifaces[ifi];
	if (ifa->state == OSPF_IS_DOWN) {
		ospf_drop(e, now, OSPF_DROP_IFACE_DOWN, src);
		return;
	}
	if (ospf_pkt_decode(buf, len, &p, &why)) {
		ospf_drop(e, now, why, src);
		return;
	}
	if (p.h.area != e->area) {
		ospf_drop(e, now, OSPF_DROP_AREA, src);
		return;
	}
	if (p.h.rid == e->rid || src == ifa->c.addr) {
		ospf_drop(e, now, OSPF_DROP_OWN, src);
		return;
	}
	/* 8.2: AllSPFRouters or our own address; never AllDRouters, since
	 * we are never DR or BDR. */
	if (dst != OSPF_ALL_SPF && dst != ifa->c.addr) {
		ospf_drop(e, now, OSPF_DROP_DST, src);
		return;
	}
	if (ifa->c.type == OSPF_IF_BCAST &&
	    (src & ifa->mask) != (ifa->c.addr & ifa->mask)) {
		ospf_drop(e, now, OSPF_DROP_SRC, src);
		return;
	}
	if (ospf_auth_check(ifa, buf, len, &p, &seq, &why)) {
		ospf_drop(e, now, why, src);
		return;
	}
	n = ospf_iface_find_nbr(ifa, p.h.rid, src);
	/* D.5.2: never below what the neighbour sent last (equal is fine:
	 * several packets may leave within one step of its counter) */
	if (ifa->c.auth != OSPF_AUTH_NONE && n && n->has_auth_seq && seq < n->auth_seq) {
		ospf_drop(e, now, OSPF_DROP_AUTH_SEQ, src);
		return;
	}
	e->cnt.rx[p.h.type]++;
	if (p.h.type == OSPF_T_HELLO) {
		ospf_hello_rx(ifa, now, src, &p);
		n = ospf_iface_find_nbr(ifa, p.h.rid, src);   /* maybe new */
	} else {
		if (!n) {
			ospf_drop(e, now, OSPF_DROP_NBR_UNKNOWN, src);
			return;
		}
		switch (p.h.type) {
		case OSPF_T_DBD:
			ospf_dbd_rx(n, now, &p);
			break;
		case OSPF_T_LSR:
			ospf_lsr_rx(n, now, &p);
			break;
		case OSPF_T_LSU:
			ospf_lsu_rx(n, now, &p);
			break;
		case OSPF_T_LSACK:
			ospf_lsack_rx(n, now, &p);
			break;
		}
	}
	/* the neighbour outlives its packet's handling until settle reaps it */
	if (ifa->c.auth != OSPF_AUTH_NONE && n) {
		n->auth_seq = seq;
		n->has_auth_seq = true;
	}
	ospf_eng_settle(e, now);
}

void ospf_eng_input_ip(struct ospf_eng *e, uint64_t now, unsigned ifi,
		       const uint8_t *buf, size_t len)
{
	enum ospf_drop why;
	struct ospf_ip ip;

	if (ospf_ip_decode(buf, len, &ip, &why)) {
		ospf_drop(e, now, why, 0);
		return;
	}
	/* RFC 5082 3: a packet from a neighbour on the link left it with 255
	 * and crossed no router; anything less came from further away */
	if (ifi < e->n_ifaces && e->ifaces[ifi].c.ttl_security && ip.ttl < OSPF_TTL_SECURITY) {
		ospf_drop(e, now, OSPF_DROP_TTL, ip.src);
		return;
	}
	ospf_eng_input(e, now, ifi, ip.src, ip.dst, ip.payload, ip.len);
}

void ospf_eng_tick(struct ospf_eng *e, uint64_t now)
{
	unsigned i;

	e->now_ms = now;
	for (i = 0; i < e->n_ifaces; i++)
		ospf_iface_tick(&e->ifaces[i], now);
	if (now >= e->age_at) {
		ospf_lsdb_age_tick(e, now);
		e->age_at = now + 1000;
	}
	ospf_eng_settle(e, now);
}

uint64_t ospf_eng_next(const struct ospf_eng *e)
{
	uint64_t m = e->age_at ? e->age_at : UINT64_MAX;
	unsigned i;

	for (i = 0; i < e->n_ifaces; i++)
		m = ospf_min64(m, ospf_iface_next(&e->ifaces[i]));
	if (e->orig_pending && e->orig_at)
		m = ospf_min64(m, e->orig_at);
	return m;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct ospf_prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

int ospf_eng_announce(struct ospf_eng *e, uint64_t now,
		      const struct ospf_prefix *p, unsigned n)
{
	struct ospf_prefix *v = NULL;
	unsigned i, cnt = 0, links;
	size_t room = SIZE_MAX;
	int rc = 0;

	if (n > OSPF_MAX_PREFIXES || (n && !p))
		return n ? -E2BIG : -EINVAL;
	e->now_ms = now;
	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint32_t mask = p[i].plen ? 0xffffffffu << (32 - p[i].plen) : 0;

		if (p[i].plen > 32 || (p[i].addr & ~mask)) {
			rc = -EINVAL;
			goto out;
		}
		v[i] = p[i];
	}
	if (n)
		qsort(v, n, sizeof(*v), pfx_cmp);
	for (i = 0; i < n; i++) {
		if (cnt && v[cnt - 1].addr == v[i].addr &&
		    v[cnt - 1].plen == v[i].plen) {
			if (v[i].cost < v[cnt - 1].cost)
				v[cnt - 1].cost = v[i].cost;
			continue;
		}
		v[cnt++] = v[i];
	}
	/* The router-LSA must fit one LSU on every interface: its own links
	 * (a p2p link and a stub per point-to-point interface, one per LAN)
	 * plus a stub per prefix. */
	links = cnt;
	for (i = 0; i < e->n_ifaces; i++) {
		size_t r = ospf_iface_max_pkt(&e->ifaces[i]) - OSPF_HDR_LEN - 4 -
			   OSPF_LSA_HDR_LEN - 4;

		links += e->ifaces[i].c.type == OSPF_IF_PTP ? 2 : 1;
		if (r < room)
			room = r;
	}
	if ((size_t)links * 12 > room) {
		rc = -E2BIG;
		goto out;
	}
	if (cnt)
		memcpy(e->pfx, v, cnt * sizeof(*v));
	e->n_pfx = cnt;
	ospf_orig_schedule(e, now, false);
	ospf_eng_settle(e, now);
out:
	free(v);
	return rc;
}

void ospf_eng_flush(struct ospf_eng *e, uint64_t now)
{
	e->now_ms = now;
	e->stopping = true;
	e->orig_pending = false;
	ospf_orig_flush(e, now);
	ospf_eng_settle(e, now);
}

bool ospf_eng_flush_pending(const struct ospf_eng *e)
{
	struct ospf_lsa_key k = { OSPF_LSA_ROUTER, e->rid, e->rid };
	unsigned i, j;

	for (i = 0; i < e->n_ifaces; i++)
		for (j = 0; j < e->ifaces[i].n_nbrs; j++)
			if (ospf_klist_find(&e->ifaces[i].nbrs[j]->retrans, &k) >= 0)
				return true;
	return false;
}

void ospf_eng_goodbye(struct ospf_eng *e, uint64_t now)
{
	unsigned i;

	e->now_ms = now;
	for (i = 0; i < e->n_ifaces; i++)
		if (e->ifaces[i].state != OSPF_IS_DOWN) {
			ospf_ack_flush(&e->ifaces[i], now);
			ospf_hello_send(&e->ifaces[i], now, true);
		}
}
