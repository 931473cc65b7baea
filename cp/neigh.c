/* cp/neigh.c — the neighbour table's one writer.
 *
 * The data lcores hand every ARP reply (and every request not for one of our
 * addresses) to the kernel through the port's TAP. This thread listens on
 * the TAPs with a packet socket, learns sender → MAC for addresses on the
 * port's subnet, and keeps entries fresh by asking again before they expire.
 * Its own requests are sent on the TAP, so they leave through the port like
 * any kernel frame. When the config changes it asks at once for the next
 * hops it will need (servers on a port's subnet, gateways), so the first
 * packets of a new service do not wait.
 *
 * IPv6 alike, with neighbour discovery: the lcores hand it the NAs that
 * are not about our own addresses (dp/input6.c), it learns those whose
 * target is on the port's IPv6 subnet, and asks with NSs of its own (from
 * the port's IPv6 address, to the target's solicited-node group), ahead
 * of traffic for the config's IPv6 servers and gateways as for IPv4's.
 * The kernel behind the TAP (IPv6 on where a port has an ip6) keeps a
 * table of its own for its sockets, from the same NAs; this one is the
 * data path's. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp/cp_int.h"
#include "cp/crash.h"
#include "dp/addr6.h"
#include "dp/arp.h"
#include "dp/nd.h"
#include "dp/pkt.h"

#define REACHABLE_MS 60000     /* an entry lives this long after a reply */
#define PROBE_MS     15000     /* re-ask in the last 15 s of its life */
#define MAX_PROBES   3
#define AGE_EVERY_MS 1000
#define RESOLVE_EVERY_MS 200

struct cp_neigh {
	struct cp *cp;
	pthread_t thread;
	bool running;
	int efd;                       /* stop / kick */
	int fd[CP_MAX_PORTS];
	int fd6[CP_MAX_PORTS];         /* IPv6 frames (NAs), ports with an "ip6"; else -1 */
	int ifindex[CP_MAX_PORTS];
	uint8_t mac[CP_MAX_PORTS][6];
	/* Ports never change while running: a copy saves taking the lock. */
	uint32_t ip[CP_MAX_PORTS];
	uint32_t mask[CP_MAX_PORTS];
	uint8_t ip6[CP_MAX_PORTS][16];
	uint8_t plen6[CP_MAX_PORTS];
	unsigned n;
	uint64_t learnt, asked;
	volatile int kick;
};

static void send_request(struct cp_neigh *nb, unsigned port, uint32_t target_net)
{
	struct sockaddr_ll sll;
	uint8_t f[DP_ARP_FRAME_LEN];

	dp_arp_build_request(f, nb->mac[port], htonl(nb->ip[port]), target_net);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = nb->ifindex[port];
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(nb->fd[port], f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
		nb->asked++;
}

static void send_solicit(struct cp_neigh *nb, unsigned port, const uint8_t target[16])
{
	struct sockaddr_ll sll;
	uint8_t f[DP_ND_FRAME_LEN];
	uint32_t n;

	if (nb->fd6[port] < 0)
		return;
	n = dp_nd_build_solicit(f, nb->mac[port], nb->ip6[port], target);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = nb->ifindex[port];
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f, 6);
	if (sendto(nb->fd6[port], f, n, 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
		nb->asked++;
}

/* Is a on port's IPv6 subnet (and not the port's own address)? */
static bool on_link6(const struct cp_neigh *nb, unsigned port, const uint8_t a[16])
{
	unsigned bits = nb->plen6[port];

	return bits && memcmp(a, nb->ip6[port], 16) && dp_ip6_in_prefix(a, nb->ip6[port], bits);
}

static void probe(void *arg, const struct dp_neigh_entry *e)
{
	struct cp_neigh *nb = arg;

	if (e->port >= nb->n)
		return;
	if (e->v6)
		send_solicit(nb, e->port, e->ip6);
	else
		send_request(nb, e->port, e->ip);
}

/* Ask for a, when it is on a port's subnet of its family and not known
 * yet (sorry servers: always, as before). */
static void ask_for(struct cp_neigh *nb, const struct cp_config *c, const struct cp_ip *a,
		    bool known_too)
{
	struct dp_neigh *t = dp_neigh_table(nb->cp->dp);
	int p = cp_config_port_of(c, a);
	uint8_t mac[6];

	if (p < 0 || (unsigned)p >= nb->n)
		return;
	if (a->v6) {
		if (on_link6(nb, (unsigned)p, a->v6a) &&
		    (known_too || dp_neigh_lookup6(t, a->v6a, mac, NULL) < 0))
			send_solicit(nb, (unsigned)p, a->v6a);
	} else if (known_too || !dp_neigh_has(t, htonl(a->v4))) {
		send_request(nb, (unsigned)p, htonl(a->v4));
	}
}

/* Next hops the config needs, of both families: on-link servers, sorry
 * servers, gateways. */
static void resolve_config(struct cp_neigh *nb)
{
	struct cp *cp = nb->cp;
	const struct cp_config *c;

	pthread_mutex_lock(&cp->lock);
	c = cp->cfg;
	for (unsigned i = 0; i < c->n_routes; i++) {
		struct cp_ip via = cp_route_via(&c->routes[i]);

		ask_for(nb, c, &via, false);
	}
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *s = &c->services[i];

		for (unsigned k = 0; k < s->n_servers; k++) {
			struct cp_ip a = cp_server_ip(&s->servers[k]);

			ask_for(nb, c, &a, false);
		}
		if (s->has_sorry) {
			struct cp_ip a = s->rs_v6 ? cp_ip6(s->sorry_ip6) : cp_ip4(s->sorry_ip);

			ask_for(nb, c, &a, true);
		}
	}
	pthread_mutex_unlock(&cp->lock);
}

static void receive(struct cp_neigh *nb, unsigned port)
{
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	uint8_t f[256];
	struct dp_arp a;
	enum dp_drop why;
	ssize_t n;

	n = recvfrom(nb->fd[port], f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&sll, &sl);
	if (n <= 0 || sll.sll_pkttype == PACKET_OUTGOING)
		return;
	if (dp_arp_parse(f, (uint32_t)n, &a, &why) < 0)
		return;
	/* Learn only neighbours on this port's subnet: a sender elsewhere
	 * is no next hop of ours (and may be lying). */
	if (((ntohl(a.spa) ^ nb->ip[port]) & nb->mask[port]) != 0 || ntohl(a.spa) == nb->ip[port])
		return;
	if (dp_neigh_learn(dp_neigh_table(nb->cp->dp), a.spa, a.sha, (uint16_t)port, dp_mono_ms(),
			   REACHABLE_MS) > 0) {
		char b[16];

		CP_LOG(DEBUG, "neighbour %s is %02x:%02x:%02x:%02x:%02x:%02x on %s",
		       cp_ipv4_str(ntohl(a.spa), b), a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4],
		       a.sha[5], nb->cp->tap_name[port]);
	}
	nb->learnt++;
}

/* An NA the lcores handed over: its target, if on the port's subnet, is
 * at the MAC it names (its target link-layer option, else the frame's
 * source). */
static void receive6(struct cp_neigh *nb, unsigned port)
{
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	uint8_t f[256];
	struct dp_pkt6 p;
	struct dp_nd nd;
	enum dp_drop why;
	ssize_t n;

	n = recvfrom(nb->fd6[port], f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&sll, &sl);
	if (n <= 0 || sll.sll_pkttype == PACKET_OUTGOING)
		return;
	if (dp_pkt_parse_ipv6(f, (uint32_t)n, DP_ETH_HLEN, &p, &why) < 0 ||
	    p.proto != DP_IPPROTO_ICMPV6 || dp_nd_parse(f, (uint32_t)n, &p, &nd, &why) < 0 ||
	    nd.type != DP_ICMP6_NA || !on_link6(nb, port, nd.target))
		return;
	if (dp_neigh_learn6(dp_neigh_table(nb->cp->dp), nd.target, nd.has_lladdr ? nd.lladdr : nd.eth_src,
			    (uint16_t)port, dp_mono_ms(), REACHABLE_MS) > 0) {
		char b[INET6_ADDRSTRLEN];

		CP_LOG(DEBUG, "neighbour %s is %02x:%02x:%02x:%02x:%02x:%02x on %s",
		       inet_ntop(AF_INET6, nd.target, b, sizeof(b)), f[6], f[7], f[8], f[9], f[10],
		       f[11], nb->cp->tap_name[port]);
	}
	nb->learnt++;
}

static void *neigh_main(void *arg)
{
	struct cp_neigh *nb = arg;
	struct pollfd pfd[2 * CP_MAX_PORTS + 1];
	unsigned ev;
	uint64_t next_age = dp_mono_ms() + AGE_EVERY_MS, next_resolve = 0;

	cp_crash_thread_init();
	pthread_setname_np(pthread_self(), "mgw-neigh");
	/* the ARP sockets, the IPv6 ones (-1: none, poll skips it), the kick */
	for (unsigned i = 0; i < nb->n; i++) {
		pfd[i].fd = nb->fd[i];
		pfd[i].events = POLLIN;
		pfd[nb->n + i].fd = nb->fd6[i];
		pfd[nb->n + i].events = POLLIN;
	}
	ev = 2 * nb->n;
	pfd[ev].fd = nb->efd;
	pfd[ev].events = POLLIN;
	for (;;) {
		uint64_t now = dp_mono_ms();
		int wait = next_age > now ? (int)(next_age - now) : 0;

		if (__atomic_load_n(&nb->kick, __ATOMIC_ACQUIRE) && next_resolve > now &&
		    (int)(next_resolve - now) < wait)
			wait = (int)(next_resolve - now);

		if (poll(pfd, ev + 1, wait) < 0 && errno != EINTR)
			break;
		if (pfd[ev].revents & POLLIN) {
			uint64_t v;

			if (read(nb->efd, &v, sizeof(v)) < 0) {
				/* nothing to do: the counter is reset either way */
			}
			if (!__atomic_load_n(&nb->running, __ATOMIC_ACQUIRE))
				break;
		}
		/* A burst of config changes (an API script adding thousands of
		 * servers) makes one pass over the config, not thousands. */
		now = dp_mono_ms();
		if (now >= next_resolve && __atomic_exchange_n(&nb->kick, 0, __ATOMIC_ACQ_REL)) {
			resolve_config(nb);
			next_resolve = now + RESOLVE_EVERY_MS;
		}
		for (unsigned i = 0; i < nb->n; i++) {
			if (pfd[i].revents & POLLIN)
				for (int k = 0; k < 64; k++)
					receive(nb, i);
			if (pfd[nb->n + i].revents & POLLIN)
				for (int k = 0; k < 64; k++)
					receive6(nb, i);
		}
		now = dp_mono_ms();
		if (now >= next_age) {
			dp_neigh_age(dp_neigh_table(nb->cp->dp), now, PROBE_MS, MAX_PROBES, probe, nb);
			next_age = now + AGE_EVERY_MS;
		}
	}
	return NULL;
}

int cp_neigh_start(struct cp *cp)
{
	struct cp_neigh *nb = calloc(1, sizeof(*nb));
	int rc;

	if (!nb)
		return -ENOMEM;
	nb->cp = cp;
	nb->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (unsigned i = 0; i < CP_MAX_PORTS; i++)
		nb->fd[i] = nb->fd6[i] = -1;
	if (nb->efd < 0) {
		rc = -errno;
		goto err;
	}
	for (unsigned i = 0; i < cp->cfg->n_ports; i++) {
		struct sockaddr_ll sll;
		struct ifreq ifr;

		nb->fd[i] = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
		if (nb->fd[i] < 0) {
			rc = -errno;
			goto err;
		}
		nb->ifindex[i] = (int)if_nametoindex(cp->tap_name[i]);
		if (!nb->ifindex[i]) {
			rc = -ENODEV;
			CP_LOG(ERR, "no interface %s", cp->tap_name[i]);
			goto err;
		}
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cp->tap_name[i]);
		if (ioctl(nb->fd[i], SIOCGIFHWADDR, &ifr) < 0) {
			rc = -errno;
			goto err;
		}
		memcpy(nb->mac[i], ifr.ifr_hwaddr.sa_data, 6);
		nb->ip[i] = cp->cfg->ports[i].ip;
		nb->mask[i] = 0xffffffffu << (32 - cp->cfg->ports[i].plen);
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ARP);
		sll.sll_ifindex = nb->ifindex[i];
		if (bind(nb->fd[i], (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			rc = -errno;
			goto err;
		}
		if (cp->cfg->ports[i].plen6) {
			memcpy(nb->ip6[i], cp->cfg->ports[i].ip6, 16);
			nb->plen6[i] = cp->cfg->ports[i].plen6;
			nb->fd6[i] = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6));
			sll.sll_protocol = htons(ETH_P_IPV6);
			if (nb->fd6[i] < 0 ||
			    bind(nb->fd6[i], (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				rc = -errno;
				goto err;
			}
		}
		nb->n++;
	}
	nb->running = true;
	rc = pthread_create(&nb->thread, NULL, neigh_main, nb);
	if (rc) {
		rc = -rc;
		goto err;
	}
	cp->neigh = nb;
	return 0;
err:
	for (unsigned i = 0; i < CP_MAX_PORTS; i++) {
		if (nb->fd[i] >= 0)
			close(nb->fd[i]);
		if (nb->fd6[i] >= 0)
			close(nb->fd6[i]);
	}
	if (nb->efd >= 0)
		close(nb->efd);
	free(nb);
	return rc;
}

static void poke(struct cp_neigh *nb)
{
	uint64_t one = 1;

	if (write(nb->efd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the thread is being woken anyway */
	}
}

void cp_neigh_kick(struct cp *cp)
{
	if (!cp->neigh)
		return;
	__atomic_store_n(&cp->neigh->kick, 1, __ATOMIC_RELEASE);
	poke(cp->neigh);
}

void cp_neigh_stop(struct cp *cp)
{
	struct cp_neigh *nb = cp->neigh;

	if (!nb)
		return;
	__atomic_store_n(&nb->running, false, __ATOMIC_RELEASE);
	poke(nb);
	pthread_join(nb->thread, NULL);
	for (unsigned i = 0; i < nb->n; i++) {
		close(nb->fd[i]);
		if (nb->fd6[i] >= 0)
			close(nb->fd6[i]);
	}
	close(nb->efd);
	free(nb);
	cp->neigh = NULL;
}
