/* cp/neigh.c — the neighbour table's one writer.
 *
 * The data lcores hand every ARP reply (and every request not for one of our
 * addresses) to the kernel through the port's TAP. This thread listens on
 * the TAPs with a packet socket, learns sender → MAC for addresses on the
 * port's subnet, and keeps entries fresh by asking again before they expire.
 * Its own requests are sent on the TAP, so they leave through the port like
 * any kernel frame. When the config changes it asks at once for the next
 * hops it will need (servers on a port's subnet, gateways), so the first
 * packets of a new service do not wait. */
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
#include "dp/arp.h"
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
	int ifindex[CP_MAX_PORTS];
	uint8_t mac[CP_MAX_PORTS][6];
	/* Ports never change while running: a copy saves taking the lock. */
	uint32_t ip[CP_MAX_PORTS];
	uint32_t mask[CP_MAX_PORTS];
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

static int port_for(const struct cp_config *c, uint32_t ip_host)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (((ip_host ^ c->ports[i].ip) & (0xffffffffu << (32 - c->ports[i].plen))) == 0)
			return (int)i;
	return -1;
}

static void probe(void *arg, uint32_t ip_net, uint16_t port)
{
	struct cp_neigh *nb = arg;

	if (port < nb->n)
		send_request(nb, port, ip_net);
}

/* Next hops the config needs: on-link servers, sorry servers, gateways. */
static void resolve_config(struct cp_neigh *nb)
{
	struct cp *cp = nb->cp;
	struct dp_neigh *t = dp_neigh_table(cp->dp);
	const struct cp_config *c;
	int p;

	pthread_mutex_lock(&cp->lock);
	c = cp->cfg;
	for (unsigned i = 0; i < c->n_routes; i++)
		if ((p = port_for(c, c->routes[i].via)) >= 0 && !dp_neigh_has(t, htonl(c->routes[i].via)))
			send_request(nb, (unsigned)p, htonl(c->routes[i].via));
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *s = &c->services[i];

		for (unsigned k = 0; k < s->n_servers; k++)
			if ((p = port_for(c, s->servers[k].ip)) >= 0 &&
			    !dp_neigh_has(t, htonl(s->servers[k].ip)))
				send_request(nb, (unsigned)p, htonl(s->servers[k].ip));
		if (s->has_sorry && (p = port_for(c, s->sorry_ip)) >= 0)
			send_request(nb, (unsigned)p, htonl(s->sorry_ip));
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

static void *neigh_main(void *arg)
{
	struct cp_neigh *nb = arg;
	struct pollfd pfd[CP_MAX_PORTS + 1];
	uint64_t next_age = dp_mono_ms() + AGE_EVERY_MS, next_resolve = 0;

	cp_crash_thread_init();
	pthread_setname_np(pthread_self(), "mgw-neigh");
	for (unsigned i = 0; i < nb->n; i++) {
		pfd[i].fd = nb->fd[i];
		pfd[i].events = POLLIN;
	}
	pfd[nb->n].fd = nb->efd;
	pfd[nb->n].events = POLLIN;
	for (;;) {
		uint64_t now = dp_mono_ms();
		int wait = next_age > now ? (int)(next_age - now) : 0;

		if (__atomic_load_n(&nb->kick, __ATOMIC_ACQUIRE) && next_resolve > now &&
		    (int)(next_resolve - now) < wait)
			wait = (int)(next_resolve - now);

		if (poll(pfd, nb->n + 1, wait) < 0 && errno != EINTR)
			break;
		if (pfd[nb->n].revents & POLLIN) {
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
		for (unsigned i = 0; i < nb->n; i++)
			if (pfd[i].revents & POLLIN)
				for (int k = 0; k < 64; k++)
					receive(nb, i);
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
		nb->fd[i] = -1;
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
	for (unsigned i = 0; i < CP_MAX_PORTS; i++)
		if (nb->fd[i] >= 0)
			close(nb->fd[i]);
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
	for (unsigned i = 0; i < nb->n; i++)
		close(nb->fd[i]);
	close(nb->efd);
	free(nb);
	cp->neigh = NULL;
}
