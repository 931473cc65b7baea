/* cp/crash.h — taking the node out of the network: the crash handler, and
 * the port switch it shares with the self-check.
 *
 * A dying or faulty node must go dark at once, so that the switch or router
 * in front fails over (docs/design.md "Cluster"). For a port backed by a kernel
 * interface (af_packet, af_xdp, tap: "iface=" in its dev string) that means
 * setting the kernel interface down — the peer of a veth then sees
 * NO-CARRIER; for any other port (PCI) rte_eth_dev_set_link_down(). All that
 * is prepared in normal context, so that the signal handler only issues the
 * system calls.
 *
 * The crash handler covers SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT. It
 * runs on an alternate signal stack where the thread has one (a stack
 * overflow leaves no room on the thread's own), downs the ports, writes one
 * line to stderr, restores the default action and re-raises: the core dump
 * and the exit status (killed by the signal) are kept. */
#ifndef MGW_CP_CRASH_H
#define MGW_CP_CRASH_H

#include <net/if.h>
#include <stdbool.h>

#include "cp/config.h"

struct dp;

struct cp_crash_port {
	char name[CP_PORT_NAME_MAX + 1];
	struct ifreq kif;          /* kernel interface behind the port; ifr_name "" if none */
	struct ifreq tap;          /* its exception path's kernel interface ("mgw-<name>") */
	int eth_id;                /* ethdev to set down when there is no kif; -1: none */
};

struct cp_crash_ports {
	int fd;                    /* AF_INET datagram socket: the handle for the ioctls */
	unsigned n;
	struct cp_crash_port port[CP_MAX_PORTS];
};

/* The kernel interface named by "iface=" in a port's dev string
 * ("net_af_packet0,iface=eth1,qpairs=2", or "iface=eth1" alone): 1 and *out filled, 0 when there
 * is none, -EINVAL when it is empty or too long for an interface name. */
int cp_crash_kernel_iface(const char *dev, char out[IFNAMSIZ]);

/* Prepare the switch for c's ports (in the calling thread's network
 * namespace). dp: where to find the ethdevs of ports without a kernel
 * interface; NULL when there are none yet (mgw --down-ports). */
int cp_crash_ports_init(struct cp_crash_ports *p, const struct cp_config *c, struct dp *dp);
void cp_crash_ports_close(struct cp_crash_ports *p);

/* Set every data port's link down (and the TAPs' too when taps): how many
 * went down. Async-signal-safe for kernel interfaces (plain ioctls); see
 * README "Fail-safe" for what rte_eth_dev_set_link_down() implies. */
unsigned cp_crash_ports_down(const struct cp_crash_ports *p, bool taps);

/* Back up (normal context only): 0 or the first -errno. */
int cp_crash_ports_up(const struct cp_crash_ports *p);

/* Kernel flags (IFF_UP, IFF_RUNNING...) of a prepared interface. */
int cp_crash_ifflags(const struct cp_crash_ports *p, const struct ifreq *ifr, unsigned *flags);
/* Is it up with a carrier (read from the driver, not the operstate that
 * the kernel's linkwatch updates later)? */
int cp_crash_carrier(const struct cp_crash_ports *p, const struct ifreq *ifr, bool *up);

/* Arm the crash handler for c's ports: fill its static state, install the
 * handlers, and give the calling thread and every EAL worker lcore an
 * alternate signal stack. Call once, after dp_create() and before
 * dp_start() (the worker lcores must be idle). */
int cp_crash_install(const struct cp_config *c, struct dp *dp);

/* Give the calling thread an alternate signal stack if it has none yet.
 * Every long-lived thread calls it first thing (threads do not inherit
 * one). The stack is a mapping with a guard page, kept until exit. */
int cp_crash_thread_init(void);

/* mgw --down-ports: set down the kernel interfaces of c's ports (for a
 * supervisor, after the process is gone). How many went down, or -errno. */
int cp_crash_down_config(const struct cp_config *c);

#endif
