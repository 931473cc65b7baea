/* cp/tapif.c — the kernel's side of the exception path.
 *
 * Each data port has a TAP "mgw-<port>" whose kernel interface carries the
 * port's addresses (ip, and ip6 when it has one), so that kernel sockets (ping, ssh, OSPF, BGP, health
 * checks) talk through the port as if it were a kernel NIC. Static routes
 * are mirrored into the kernel with a high metric, so the TAPs reach servers
 * behind gateways without overriding a management interface's routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/ipv6.h>
#include <net/ethernet.h>

#include "cp/cp_int.h"
#include "cp/crash.h"
#include "dp/nd.h"

#define KERNEL_ROUTE_METRIC 1000

static void set_sin(struct sockaddr *sa, uint32_t ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
}

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* best effort: an older kernel may lack the knob */
	}
	close(fd);
}

/* A port on a kernel interface (af_packet, af_xdp: "iface=X" in its dev)
 * is still the kernel's too: frames reach both mgw and the kernel's stack,
 * which takes any IPv4 packet for one of its addresses (the TAP's) on any
 * interface, and answers ARP for them. Every datagram to the port address
 * would then arrive twice (through X and through the TAP), and the kernel
 * would answer ARP beside mgw. Strict reverse-path filtering on X (the
 * routes back go through the TAP) and arp_ignore 8 make it deaf there. */
static void quiet_kernel_iface(const struct cp_port_conf *p)
{
	char kif[IFNAMSIZ], path[128];

	if (cp_crash_kernel_iface(p->dev, kif) <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", kif);
	write_sysctl(path, "1");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", kif);
	write_sysctl(path, "8");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", kif);
	write_sysctl(path, "1");
}

/* Duplicate address detection for a port's ip6 (RFC 4862 5.4): an NS
 * from :: for it, out of the port through its TAP (the lcore forwards what
 * the kernel side writes). A host that has the address answers with an
 * NA, which the lcores count as a conflict and cp/maint.c logs. mgw does
 * not wait for the answer before it answers for the address itself: the
 * probe tells, it does not decide. */
#define CP_DAD_PROBES 3

static void dad_probe(struct cp *cp, unsigned port, const uint8_t *mac, unsigned nth)
{
	const struct cp_port_conf *p = &cp->cfg->ports[port];
	static const uint8_t unspecified[16];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				   .sll_ifindex = (int)if_nametoindex(cp->tap_name[port]) };
	uint8_t f[DP_ND_FRAME_LEN];
	uint32_t n;
	int fd = -1;

	if (!sll.sll_ifindex ||
	    (fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IPV6))) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		CP_LOG(WARNING, "%s: no duplicate address probe for ports[%u].ip6: %s",
		       cp->tap_name[port], port, sll.sll_ifindex ? strerror(errno) : "no such TAP");
		if (fd >= 0)
			close(fd);
		return;
	}
	n = dp_nd_build_solicit(f, mac, unspecified, p->ip6);
	if (send(fd, f, n, MSG_DONTWAIT) < 0)
		CP_LOG(WARNING, "%s: duplicate address probe not sent: %s", cp->tap_name[port],
		       strerror(errno));
	else if (nth == 1)
		CP_LOG(NOTICE, "port %s: link up, probing for a duplicate of its ip6 "
		       "(%u probes a second apart)", p->name, CP_DAD_PROBES);
	close(fd);
}

void cp_tapif_dad(struct cp *cp)
{
	for (unsigned i = 0; i < cp->cfg->n_ports; i++) {
		struct dp_port_info pi;

		if (!cp->cfg->ports[i].plen6 || dp_port_info(cp->dp, i, &pi) < 0)
			continue;
		if (!pi.link_up)
			cp->dad_sent[i] = 0;
		else if (cp->dad_sent[i] < CP_DAD_PROBES)
			dad_probe(cp, i, pi.mac, ++cp->dad_sent[i]);
	}
}

/* A port's ip6 on its TAP, so that kernel sockets speak IPv6 through the
 * port (health checks, and whatever else binds to it). The data path
 * answers NS for the address itself (it never reaches the kernel, which
 * would answer twice), as it answers ARP for the IPv4 one; the kernel
 * asks for its own next hops and hears the NAs the lcores hand to the
 * TAP. The port's ip6 is the TAP's one IPv6 address: no link-local one
 * (addr_gen_mode none; re-enabled so that one made earlier goes), which
 * would be an address of the node the data path does not know, so the
 * kernel's NSs come from ip6 too (the ones it would send from a
 * link-local address, NUD probes without a packet waiting, it skips: the
 * entry is resolved afresh by the next packet). Its IPv6 is quiet
 * otherwise: no router solicitations, no address from an RA, no
 * duplicate address detection (mgw probes the address, cp_tapif_dad).
 * A kernel without IPv6 (or a TAP whose MTU is below IPv6's 1280) is
 * warned of, not fatal. */
static void tap_ip6(const char *ifname, const struct cp_port_conf *p)
{
	static const char *const knob[][2] = {
		{ "disable_ipv6", "1" }, { "addr_gen_mode", "1" }, { "accept_ra", "0" },
		{ "autoconf", "0" }, { "router_solicitations", "0" }, { "accept_dad", "0" },
		{ "dad_transmits", "0" }, { "disable_ipv6", "0" },
	};
	struct in6_ifreq r6 = { .ifr6_prefixlen = p->plen6 };
	char path[128], a[INET6_ADDRSTRLEN];
	int s, rc = 0;

	for (unsigned k = 0; k < sizeof(knob) / sizeof(knob[0]); k++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, knob[k][0]);
		write_sysctl(path, knob[k][1]);
	}
	r6.ifr6_ifindex = (int)if_nametoindex(ifname);
	memcpy(&r6.ifr6_addr, p->ip6, 16);
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCSIFADDR, &r6) < 0) {
		rc = errno == EEXIST ? 0 : -errno;
		/* the lcores serve the address all the same (ND, echo, the
		 * services): only the kernel's sockets lose IPv6 */
		if (rc)
			CP_LOG(WARNING, "%s: cannot set address %s/%u (%s): kernel sockets get no "
			       "IPv6 through it (health checks of IPv6 servers fail)", ifname,
			       inet_ntop(AF_INET6, p->ip6, a, sizeof(a)), p->plen6, strerror(-rc));
	}
	if (s >= 0)
		close(s);
	if (rc == 0)
		CP_LOG(INFO, "exception path %s: %s/%u", ifname,
		       inet_ntop(AF_INET6, p->ip6, a, sizeof(a)), p->plen6);
}

int cp_tapif_setup(struct cp *cp)
{
	const struct cp_config *c = cp->cfg;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (s < 0)
		return -errno;
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct cp_port_conf *p = &c->ports[i];
		uint32_t mask = 0xffffffffu << (32 - p->plen);
		struct ifreq ifr;
		char path[128];

		quiet_kernel_iface(p);
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cp->tap_name[i]);
		/* A port without an ip6: no IPv6 chatter at all out of it. */
		if (!p->plen6) {
			snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
				 ifr.ifr_name);
			write_sysctl(path, "1");
		}
		set_sin(&ifr.ifr_addr, p->ip);
		if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
			rc = -errno;
			CP_LOG(ERR, "%s: cannot set address: %s", ifr.ifr_name, strerror(errno));
			break;
		}
		set_sin(&ifr.ifr_netmask, mask);
		if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) {
			rc = -errno;
			CP_LOG(ERR, "%s: cannot set netmask: %s", ifr.ifr_name, strerror(errno));
			break;
		}
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(s, SIOCSIFFLAGS, &ifr);
		}
		CP_LOG(INFO, "exception path %s: %u.%u.%u.%u/%u", ifr.ifr_name, p->ip >> 24,
		       (p->ip >> 16) & 0xff, (p->ip >> 8) & 0xff, p->ip & 0xff, p->plen);
		if (p->plen6)
			tap_ip6(ifr.ifr_name, p);
	}
	close(s);
	if (rc == 0)
		rc = cp_tapif_routes(cp, NULL, c);
	return rc;
}

static int route_ioctl4(int s, unsigned long req, const struct cp_route_conf *r, const char *dev)
{
	struct rtentry rt;
	char devname[IFNAMSIZ];

	memset(&rt, 0, sizeof(rt));
	snprintf(devname, sizeof(devname), "%s", dev);
	set_sin(&rt.rt_dst, r->prefix);
	set_sin(&rt.rt_genmask, r->plen ? 0xffffffffu << (32 - r->plen) : 0);
	set_sin(&rt.rt_gateway, r->via);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_metric = KERNEL_ROUTE_METRIC + 1;   /* the ioctl stores metric - 1 */
	rt.rt_dev = devname;
	return ioctl(s, req, &rt) < 0 ? -errno : 0;
}

static int route_ioctl6(int s, unsigned long req, const struct cp_route_conf *r, const char *dev)
{
	struct in6_rtmsg rt;

	memset(&rt, 0, sizeof(rt));
	memcpy(&rt.rtmsg_dst, r->prefix6, 16);
	rt.rtmsg_dst_len = r->plen;
	memcpy(&rt.rtmsg_gateway, r->via6, 16);
	rt.rtmsg_flags = RTF_UP | RTF_GATEWAY;
	rt.rtmsg_metric = KERNEL_ROUTE_METRIC;    /* stored as it is */
	rt.rtmsg_ifindex = (int)if_nametoindex(dev);
	return ioctl(s, req, &rt) < 0 ? -errno : 0;
}

/* s[0] an IPv4 socket, s[1] an IPv6 one (or -1). */
static int route_ioctl(const int s[2], unsigned long req, const struct cp_route_conf *r,
		       const char *dev)
{
	if (!r->v6)
		return route_ioctl4(s[0], req, r, dev);
	return s[1] < 0 ? -EAFNOSUPPORT : route_ioctl6(s[1], req, r, dev);
}

static int via_port(const struct cp_config *c, const struct cp_route_conf *r)
{
	struct cp_ip via = cp_route_via(r);

	return cp_config_port_of(c, &via);
}

static bool same_route(const struct cp_route_conf *a, const struct cp_route_conf *b)
{
	if (a->v6 != b->v6 || a->plen != b->plen)
		return false;
	return a->v6 ? !memcmp(a->prefix6, b->prefix6, 16) && !memcmp(a->via6, b->via6, 16)
		     : a->prefix == b->prefix && a->via == b->via;
}

static bool has_route(const struct cp_config *c, const struct cp_route_conf *r)
{
	for (unsigned i = 0; c && i < c->n_routes; i++)
		if (same_route(&c->routes[i], r))
			return true;
	return false;
}

int cp_tapif_routes(struct cp *cp, const struct cp_config *old, const struct cp_config *c)
{
	int s[2] = { socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
		     socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0) };

	if (s[0] < 0) {
		int rc = -errno;

		if (s[1] >= 0)
			close(s[1]);
		return rc;
	}
	for (unsigned i = 0; old && i < old->n_routes; i++) {
		int p = via_port(old, &old->routes[i]);

		if (p >= 0 && !has_route(c, &old->routes[i]))
			route_ioctl(s, SIOCDELRT, &old->routes[i], cp->tap_name[p]);
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		int p = via_port(c, &c->routes[i]), rc;

		if (p < 0 || has_route(old, &c->routes[i]))
			continue;
		rc = route_ioctl(s, SIOCADDRT, &c->routes[i], cp->tap_name[p]);
		if (rc < 0 && rc != -EEXIST)
			CP_LOG(WARNING, "kernel route via %s: %s", cp->tap_name[p], strerror(-rc));
	}
	close(s[0]);
	if (s[1] >= 0)
		close(s[1]);
	return 0;
}
