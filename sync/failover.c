/* sync/failover.c — local IPs taken over when their node is gone, and
 * given back when it is online again (docs/design.md "Cluster").
 *
 * Every node knows every node's local IPs (its own, and sync.peers[]
 * .localips). A FULLNAT session's replies come back to its local IP, so
 * whoever answers ARP for that address receives them: with sync every
 * node holds the session, and the one that holds the address becomes its
 * owner (it refreshes the peers' copies and counts it for lc/wlc).
 *
 * For each address, one state machine on each node:
 * - its own: claimed once this node is online and no live peer lists it
 *   as held (after a hand-back), after an ARP probe that nobody answers;
 *   let go at the end of a SIGTERM drain (sync_release).
 * - a peer's: when the peer is down (silent for dead_after_ms), or
 *   stopping/faulty and no longer listing it, the heir — cp_heir() over
 *   the nodes online — probes it by ARP (an answer means its node is alive
 *   and only sync is cut: split brain, counted, retried), then claims it:
 *   the data plane answers ARP for it (ND for an IPv6 one), gratuitous ARP
 *   (IPv6: an unsolicited NA) at 0, 0.5 and 2 s,
 *   and its sessions are adopted. Given back when the owner is online
 *   again: the sessions become foreign (the owner's) and the address stays
 *   received but unanswered for a grace while the servers' ARP caches move.
 * Each node lists what it answers for in every control message; the owner
 * waits for that list to drop its address before claiming it.
 *
 * The ARP probes and announcements go out through the port's TAP (an
 * AF_PACKET socket on mgw-<port>), so the data plane sends them. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp/cp.h"
#include "dp/arp.h"
#include "dp/nd.h"
#include "cp/heir.h"
#include "sync/sync_int.h"

#define PROBE_MS       300    /* no answer for this long after the first probe: claim */
#define PROBE_GAP_MS   100    /* a second probe, in case the first was lost */
#define RETRY_MS       1000   /* after an answered probe */
#define GRACE_MS       5000   /* a handed-back address is still received this long */
#define RELEASE_POLL_MS 20

static const uint64_t garp_at_ms[] = { 0, 500, 2000 };   /* announcements */

static const char *const lip_state_names[] = { "idle", "probing", "held", "released" };

static bool self_candidate(const struct sync *s)
{
	return cp_state(s->cp) == CP_STATE_ONLINE && !s->fo.releasing;
}

/* The nodes that may inherit: this one if online, and the peers up
 * (online, synced) — never the address's own node. */
static unsigned candidates(const struct sync *s, uint32_t except, uint32_t *ids)
{
	unsigned n = 0;

	if (self_candidate(s) && s->node_id != except)
		ids[n++] = s->node_id;
	for (unsigned i = 0; i < s->n_peers; i++)
		if (s->peer[i].state == SYNC_PEER_UP && s->peer[i].id != except)
			ids[n++] = s->peer[i].id;
	return n;
}

static bool peer_lists(const struct sync_peer *p, uint32_t ip)
{
	if (p->state == SYNC_PEER_DOWN)
		return false;
	for (unsigned k = 0; k < p->n_holds; k++)
		if (p->holds[k].ip == ip)
			return true;
	return false;
}

/* Some live peer other than `except` (a slot, -1 none) answers for ip. */
static bool listed_elsewhere(const struct sync *s, uint32_t ip, int except)
{
	for (unsigned i = 0; i < s->n_peers; i++)
		if ((int)i != except && peer_lists(&s->peer[i], ip))
			return true;
	return false;
}

static void send_frame(struct sync *s, const struct sync_lip *l, const uint8_t *f, uint32_t len)
{
	struct sync_fo *fo = &s->fo;

	if (l->port < 0 || fo->arp_fd[l->port] < 0)
		return;
	if (send(fo->arp_fd[l->port], f, len, MSG_DONTWAIT) < 0)
		fo->send_errors++;
}

static const char *lip_str(const struct sync_lip *l, char buf[INET6_ADDRSTRLEN])
{
	return l->v6 ? cp_ipv6_str(l->ip6, buf) : cp_ipv4_str(ntohl(l->ip), buf);
}

/* Is the address in use? ARP, or for IPv6 an NS from the port's own
 * address (none: not asked). The NAs that would answer it are not read
 * (the socket is ARP's): an IPv6 address is claimed on the ARP-free
 * timeout alone, and split brain is seen by the IPv4 addresses only. */
static void probe(struct sync *s, struct sync_lip *l)
{
	uint8_t f[DP_ND_FRAME_LEN > DP_ARP_FRAME_LEN ? DP_ND_FRAME_LEN : DP_ARP_FRAME_LEN];

	if (l->port < 0)
		return;
	if (l->v6) {
		if (!s->fo.has_ip6[l->port])
			return;
		send_frame(s, l, f, dp_nd_build_solicit(f, s->fo.mac[l->port],
							s->fo.port_ip6[l->port], l->ip6));
	} else {
		dp_arp_build_request(f, s->fo.mac[l->port], htonl(s->fo.port_ip[l->port]), l->ip);
		send_frame(s, l, f, DP_ARP_FRAME_LEN);
	}
	s->fo.probes++;
}

/* The address is here now: gratuitous ARP (request and reply), or for
 * IPv6 an unsolicited NA (RFC 4861 7.2.6: to all nodes, Override, our
 * link-layer address), so the neighbours' caches move at once. */
static void announce(struct sync *s, struct sync_lip *l)
{
	uint8_t f[DP_ND_FRAME_LEN > DP_ARP_FRAME_LEN ? DP_ND_FRAME_LEN : DP_ARP_FRAME_LEN];

	if (l->port < 0)
		return;
	if (l->v6) {
		send_frame(s, l, f, dp_nd_build_announce(f, s->fo.mac[l->port], l->ip6));
		s->fo.nas++;
		return;
	}
	dp_arp_build_gratuitous(f, s->fo.mac[l->port], l->ip, DP_ARP_REQUEST);
	send_frame(s, l, f, DP_ARP_FRAME_LEN);
	dp_arp_build_gratuitous(f, s->fo.mac[l->port], l->ip, DP_ARP_REPLY);
	send_frame(s, l, f, DP_ARP_FRAME_LEN);
	s->fo.garps++;
}

static void walk(struct sync *s, uint8_t kind, uint8_t flags, int slot, uint32_t lip)
{
	struct dp_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.flags = flags;
	r.peer = (uint8_t)(slot < 0 ? 0 : slot);
	r.s.lip = lip;
	sync_to_all_lcores(s, &r);
}

static void set_state(struct sync *s, struct sync_lip *l, int st, uint64_t now)
{
	l->state = st;
	l->since_ms = now;
	s->fo.dirty = true;
}

static const char *owner_name(const struct sync *s, const struct sync_lip *l, char *buf, size_t n)
{
	if (l->owner_slot < 0)
		snprintf(buf, n, "this node");
	else
		snprintf(buf, n, "%s", s->peer[l->owner_slot].name);
	return buf;
}

static void claim(struct sync *s, struct sync_lip *l, uint64_t now)
{
	char ip[INET6_ADDRSTRLEN], who[40];

	set_state(s, l, SYNC_LIP_HELD, now);
	l->garps = 0;
	l->held_since_ms = now;
	s->fo.claims++;
	walk(s, DP_SYNC_ADOPT, 0, l->owner_slot, l->ip);
	SYNC_LOG(NOTICE, "event: holding local IP %s of %s%s", lip_str(l, ip),
		 owner_name(s, l, who, sizeof(who)), l->owner_slot < 0 ? "" : " (inherited)");
}

static void release(struct sync *s, struct sync_lip *l, uint64_t now, const char *why)
{
	char ip[INET6_ADDRSTRLEN], who[40];

	set_state(s, l, SYNC_LIP_RELEASED, now);
	s->fo.releases++;
	if (l->owner_slot >= 0) {
		walk(s, DP_SYNC_HANDBACK, 0, l->owner_slot, l->ip);
		s->fo.handbacks++;
	}
	SYNC_LOG(NOTICE, "event: local IP %s of %s let go: %s", lip_str(l, ip),
		 owner_name(s, l, who, sizeof(who)), why);
}

/* ARP replies the TAPs saw: an answer to a probe of ours. */
static void rx_arp(struct sync *s, uint64_t now)
{
	struct sync_fo *fo = &s->fo;

	for (unsigned p = 0; p < CP_MAX_PORTS; p++) {
		uint8_t f[128];
		ssize_t n;

		if (fo->arp_fd[p] < 0)
			continue;
		while ((n = recv(fo->arp_fd[p], f, sizeof(f), MSG_DONTWAIT)) > 0) {
			struct dp_arp a;
			enum dp_drop why;

			if (dp_arp_parse(f, (uint32_t)n, &a, &why) < 0 || a.op != DP_ARP_REPLY ||
			    !memcmp(a.sha, fo->mac[p], 6))
				continue;
			for (unsigned i = 0; i < fo->n; i++) {
				struct sync_lip *l = &fo->lip[i];
				char ip[16], mac[18];

				if (l->v6 || l->ip != a.spa || l->state != SYNC_LIP_PROBING)
					continue;
				snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a.sha[0],
					 a.sha[1], a.sha[2], a.sha[3], a.sha[4], a.sha[5]);
				SYNC_LOG(WARNING, "event: local IP %s is answered by %s: its holder is "
					 "alive but not heard over sync (split brain?); not taking it",
					 cp_ipv4_str(ntohl(l->ip), ip), mac);
				fo->probe_answers++;
				set_state(s, l, SYNC_LIP_IDLE, now);
				l->retry_ms = now + RETRY_MS;
			}
		}
	}
}

static void probe_start(struct sync *s, struct sync_lip *l, uint64_t now)
{
	set_state(s, l, SYNC_LIP_PROBING, now);
	l->probed_twice = false;
	probe(s, l);
}

/* PROBING, still wanted: claim once nobody answered for PROBE_MS (an
 * answer, in rx_arp, ends the probe), a second probe in case the first
 * was lost. */
static void probe_go_on(struct sync *s, struct sync_lip *l, uint64_t now)
{
	if (now - l->since_ms >= PROBE_MS) {
		claim(s, l, now);
	} else if (now - l->since_ms >= PROBE_GAP_MS && !l->probed_twice) {
		probe(s, l);
		l->probed_twice = true;
	}
}

static void tick_own(struct sync *s, struct sync_lip *l, uint64_t now)
{
	/* online, or joining with every table here (it goes online once it
	 * holds them: sync_join_tick) */
	bool ready = self_candidate(s) ||
		     (s->fo.joined && !s->fo.releasing && cp_state(s->cp) == CP_STATE_PRE_ONLINE);
	bool want = ready && !listed_elsewhere(s, l->ip, -1);

	switch (l->state) {
	case SYNC_LIP_IDLE:
		if (want && now >= l->retry_ms)
			probe_start(s, l, now);
		break;
	case SYNC_LIP_PROBING:
		if (!want)
			set_state(s, l, SYNC_LIP_IDLE, now);
		else
			probe_go_on(s, l, now);
		break;
	case SYNC_LIP_HELD:
		if (s->fo.releasing)
			release(s, l, now, "this node is stopping");
		break;
	default:
		break;
	}
}

static void tick_peer(struct sync *s, struct sync_lip *l, uint64_t now)
{
	const struct sync_peer *o = &s->peer[l->owner_slot];
	bool gone = o->state == SYNC_PEER_DOWN ||
		    ((o->node_state == CP_STATE_STOPPING || o->node_state == CP_STATE_FAULTY) &&
		     !peer_lists(o, l->ip));
	uint32_t ids[CP_SYNC_MAX_PEERS + 1];
	unsigned n;

	switch (l->state) {
	case SYNC_LIP_IDLE:
		if (!gone || now < l->retry_ms || !self_candidate(s) ||
		    listed_elsewhere(s, l->ip, l->owner_slot))
			break;
		n = candidates(s, l->owner, ids);
		if (cp_heir(ids, n, l->ip) == s->node_id)
			probe_start(s, l, now);
		break;
	case SYNC_LIP_PROBING:
		if (!gone || listed_elsewhere(s, l->ip, l->owner_slot))
			set_state(s, l, SYNC_LIP_IDLE, now);
		else
			probe_go_on(s, l, now);
		break;
	case SYNC_LIP_HELD:
		if (s->fo.releasing)
			release(s, l, now, "this node is stopping");
		else if (!gone && o->joined)
			release(s, l, now, "handed back to its node, which holds the tables again");
		break;
	case SYNC_LIP_RELEASED:
		/* Received until its node answers for it again, or a grace. */
		if (peer_lists(o, l->ip) || now - l->since_ms >= GRACE_MS || gone)
			set_state(s, l, SYNC_LIP_IDLE, now);
		break;
	default:
		break;
	}
}

/* The other modes' sessions of a node that is gone: no address to follow,
 * so one heir per node (keyed by its id) adopts them all. */
static void tick_nodes(struct sync *s)
{
	for (unsigned i = 0; i < s->n_peers; i++) {
		struct sync_peer *p = &s->peer[i];
		uint32_t ids[CP_SYNC_MAX_PEERS + 1];
		unsigned n;

		if (p->state != SYNC_PEER_DOWN) {
			s->fo.node_adopted[i] = false;
			continue;
		}
		if (s->fo.node_adopted[i] || !self_candidate(s))
			continue;
		n = candidates(s, p->id, ids);
		s->fo.node_adopted[i] = true;
		if (cp_heir(ids, n, p->id) == s->node_id)
			walk(s, DP_SYNC_ADOPT, DP_SYNC_R_NODE, (int)i, 0);
	}
}

void sync_fo_tick(struct sync *s, uint64_t now)
{
	struct sync_fo *fo = &s->fo;

	rx_arp(s, now);
	for (unsigned i = 0; i < fo->n; i++) {
		struct sync_lip *l = &fo->lip[i];

		if (l->owner_slot < 0)
			tick_own(s, l, now);
		else
			tick_peer(s, l, now);
		if (l->state == SYNC_LIP_HELD && l->garps < sizeof(garp_at_ms) / sizeof(garp_at_ms[0]) &&
		    now - l->held_since_ms >= garp_at_ms[l->garps]) {
			announce(s, l);
			l->garps++;
		}
	}
	tick_nodes(s);
}

unsigned sync_fo_list(struct sync *s, struct cp_lip_hold *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->fo.n && n < max; i++) {
		const struct sync_lip *l = &s->fo.lip[i];

		if (l->state == SYNC_LIP_HELD || l->state == SYNC_LIP_RELEASED) {
			memset(&out[n], 0, sizeof(out[n]));   /* compared whole (cp_lips_set) */
			out[n].ip = l->v6 ? 0 : ntohl(l->ip);
			out[n].v6 = l->v6;
			memcpy(out[n].ip6, l->ip6, 16);
			out[n].arp = l->state == SYNC_LIP_HELD;
			n++;
		}
	}
	s->fo.dirty = false;
	return n;
}

unsigned sync_fo_holds(const struct sync *s, struct sync_liphold *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->fo.n && n < max; i++) {
		const struct sync_lip *l = &s->fo.lip[i];

		if (l->state != SYNC_LIP_HELD)
			continue;
		out[n].ip = l->ip;
		out[n].v6 = l->v6;
		memcpy(out[n].ip6, l->ip6, 16);
		out[n].owner = l->owner;
		out[n].holder = s->node_id;
		n++;
	}
	return n;
}

void sync_fo_heard_holds(struct sync_peer *p, const struct sync_liphold *h, unsigned n)
{
	p->n_holds = 0;
	for (unsigned i = 0; i < n && p->n_holds < SYNC_MAX_LIPHOLD; i++) {
		if (h[i].holder != p->id)
			continue;   /* it speaks for itself only */
		p->holds[p->n_holds].ip = h[i].ip;
		p->holds[p->n_holds].owner = h[i].owner;
		p->n_holds++;
	}
}

bool sync_fo_lip_allowed(const struct sync *s, const struct sync_peer *p, uint32_t lip)
{
	for (unsigned i = 0; i < p->n_lips; i++)
		if (p->lips[i] == lip)
			return true;
	if (peer_lists(p, lip))
		return true;
	/* A gone node's address, just adopted by p: its records may come
	 * before the control message that lists it. */
	for (unsigned i = 0; i < s->fo.n; i++) {
		const struct sync_lip *l = &s->fo.lip[i];

		if (l->ip == lip && l->owner_slot >= 0 && l->owner_slot != (int)p->slot)
			return s->peer[l->owner_slot].state == SYNC_PEER_DOWN;
	}
	return false;
}

void sync_fo_walked(struct sync *s, const struct dp_sync_rec *r)
{
	if (r->dest == DP_SYNC_ADOPT)
		s->fo.adopted += r->m.count;
	else
		s->fo.handed_back += r->m.count;
}

bool sync_fo_released(struct sync *s)
{
	for (unsigned i = 0; i < s->fo.n; i++) {
		const struct sync_lip *l = &s->fo.lip[i];

		if (l->state == SYNC_LIP_HELD)
			return false;
		/* Its heir (some live peer) lists it, or none is alive. */
		if (l->owner_slot < 0 && !listed_elsewhere(s, l->ip, -1)) {
			bool any = false;

			for (unsigned k = 0; k < s->n_peers; k++)
				any |= s->peer[k].state == SYNC_PEER_UP;
			if (any)
				return false;
		}
	}
	return true;
}

bool sync_fo_own_held(const struct sync *s)
{
	for (unsigned i = 0; i < s->fo.n; i++)
		if (s->fo.lip[i].owner_slot < 0 && s->fo.lip[i].state != SYNC_LIP_HELD)
			return false;
	return true;
}

json_t *sync_fo_json(const struct sync *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->fo.n; i++) {
		const struct sync_lip *l = &s->fo.lip[i];
		const char *holder = NULL;
		uint32_t holder_id = 0;
		char ip[INET6_ADDRSTRLEN];

		if (l->state == SYNC_LIP_HELD) {
			holder_id = s->node_id;
		} else {
			for (unsigned k = 0; k < s->n_peers && !holder_id; k++)
				if (peer_lists(&s->peer[k], l->ip))
					holder_id = s->peer[k].id;
		}
		holder = holder_id == s->node_id ? "this node" : holder_id ? "peer" : "none";
		json_array_append_new(
			a, json_pack("{s:s, s:i, s:i, s:s, s:s, s:b, s:I}", "ip",
				     lip_str(l, ip), "owner", (json_int_t)l->owner,
				     "holder", (json_int_t)holder_id, "held_by", holder, "state",
				     lip_state_names[l->state], "inherited",
				     l->state == SYNC_LIP_HELD && l->owner_slot >= 0, "since_ms",
				     (json_int_t)(sync_now_ms() - l->since_ms)));
	}
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "localips", a,
			 "unsolicited_nas", (json_int_t)s->fo.nas, "claims",
			 (json_int_t)s->fo.claims, "releases", (json_int_t)s->fo.releases,
			 "handbacks", (json_int_t)s->fo.handbacks, "probes", (json_int_t)s->fo.probes,
			 "probes_answered", (json_int_t)s->fo.probe_answers, "gratuitous_arps",
			 (json_int_t)s->fo.garps, "sessions_adopted", (json_int_t)s->fo.adopted,
			 "sessions_handed_back", (json_int_t)s->fo.handed_back);
}

static int port_of(const struct cp_config *c, uint32_t ip_host, int fallback)
{
	for (unsigned i = 0; i < c->n_ports; i++) {
		uint32_t m = c->ports[i].plen ? 0xffffffffu << (32 - c->ports[i].plen) : 0;

		if (c->ports[i].plen && (c->ports[i].ip & m) == (ip_host & m))
			return (int)i;
	}
	return fallback;
}

static int open_arp(struct sync *s, const struct cp_config *c, int port)
{
	struct sync_fo *fo = &s->fo;
	struct sockaddr_ll sll;
	struct dp_port_info pi;
	char tap[IF_NAMESIZE];
	int fd, rc;

	if (fo->arp_fd[port] >= 0)
		return 0;
	snprintf(tap, sizeof(tap), "mgw-%s", c->ports[port].name);
	rc = dp_port_info(s->dp, (unsigned)port, &pi);
	if (rc < 0)
		return rc;
	memcpy(fo->mac[port], pi.mac, 6);
	fo->port_ip[port] = c->ports[port].ip;
	fo->has_ip6[port] = c->ports[port].plen6 != 0;
	memcpy(fo->port_ip6[port], c->ports[port].ip6, 16);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)if_nametoindex(tap);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = sll.sll_ifindex ? -errno : -ENODEV;
		close(fd);
		SYNC_LOG(ERR, "ARP socket on %s: %s", tap, strerror(-rc));
		return rc;
	}
	fo->arp_fd[port] = fd;
	return 0;
}

/* The port whose IPv6 subnet holds a, else fallback. */
static int port_of6(const struct cp_config *c, const uint8_t a[16], int fallback)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (c->ports[i].plen6 && dp_ip6_in_prefix(a, c->ports[i].ip6, c->ports[i].plen6))
			return (int)i;
	return fallback;
}

/* An IPv4 local IP (ip_host), or an IPv6 one (ip6 not NULL). */
static int add_lip(struct sync *s, const struct cp_config *c, uint32_t ip_host,
		   const uint8_t *ip6, uint32_t owner, int slot, int sync_port)
{
	struct sync_lip *l;
	int rc;

	if (s->fo.n >= SYNC_LIP_MAX)
		return -E2BIG;
	l = &s->fo.lip[s->fo.n++];
	memset(l, 0, sizeof(*l));
	l->ip = ip6 ? dp_ip6_handle(ip6) : htonl(ip_host);
	l->v6 = ip6 != NULL;
	if (ip6)
		memcpy(l->ip6, ip6, 16);
	l->owner = owner;
	l->owner_slot = slot;
	l->port = ip6 ? port_of6(c, ip6, sync_port) : port_of(c, ip_host, sync_port);
	rc = open_arp(s, c, l->port);
	if (rc < 0)
		l->port = -1;
	return 0;
}

int sync_fo_init(struct sync *s, const struct cp_config *c, int sync_port)
{
	int rc;

	for (unsigned i = 0; i < c->n_lips; i++) {
		rc = add_lip(s, c, c->lips[i], NULL, s->node_id, -1, sync_port);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < c->n_lips6; i++) {
		rc = add_lip(s, c, 0, c->lips6[i], s->node_id, -1, sync_port);
		if (rc < 0)
			return rc;
	}
	for (unsigned k = 0; k < c->sync.n_peers; k++)
		for (unsigned i = 0; i < c->sync.peers[k].n_lips; i++) {
			rc = add_lip(s, c, c->sync.peers[k].lips[i], NULL, c->sync.peers[k].id,
				     (int)k, sync_port);
			if (rc < 0)
				return rc;
		}
	for (unsigned k = 0; k < c->sync.n_peers; k++)
		for (unsigned i = 0; i < c->sync.peers[k].n_lips6; i++) {
			rc = add_lip(s, c, 0, c->sync.peers[k].lips6[i], c->sync.peers[k].id,
				     (int)k, sync_port);
			if (rc < 0)
				return rc;
		}
	return 0;
}

void sync_fo_free(struct sync *s)
{
	for (unsigned p = 0; p < CP_MAX_PORTS; p++)
		if (s->fo.arp_fd[p] >= 0) {
			close(s->fo.arp_fd[p]);
			s->fo.arp_fd[p] = -1;
		}
}
