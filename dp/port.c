/* dp/port.c — bringing up a data port and its exception-path TAP.
 *
 * Each data lcore polls rx queue `idx` and sends on tx queue `idx` of every
 * port and of every TAP, so queues are never shared and need no lock. On
 * NICs with RSS the hardware spreads flows over the rx queues; af_packet
 * spreads them with PACKET_FANOUT when given qpairs=N (docs/testbed.md). */
#include <errno.h>
#include <string.h>

#include <rte_dev.h>

#include "dp/dp_int.h"

/* hw: a PCI NIC (RSS and checksum offload asked for where it has them). */
static int setup_queues(struct dp *dp, uint16_t id, uint16_t mtu, uint16_t nb_desc_rx,
			uint16_t nb_desc_tx, bool hw)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nq = (uint16_t)dp->n_lcores;
	uint16_t nrx = nb_desc_rx, ntx = nb_desc_tx;
	int rc;

	rc = rte_eth_dev_info_get(id, &info);
	if (rc < 0)
		return rc;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		DP_LOG(ERR, "port %u (%s) has %u rx / %u tx queues, %u data lcores need one each",
		       id, info.driver_name, info.max_rx_queues, info.max_tx_queues, nq);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (hw && nq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
	}
	/* The NIC checks IPv4 header checksums and marks the good ones: the
	 * parser then skips its own sum (input.c). */
	if (hw && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (mtu && info.max_mtu >= mtu && info.min_mtu <= mtu)
		conf.rxmode.mtu = mtu;
	rc = rte_eth_dev_configure(id, nq, nq, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrx, &ntx);
	if (rc < 0)
		return rc;
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(id, q, nrx, rte_eth_dev_socket_id(id), NULL, dp->pool);
		if (rc < 0)
			return rc;
		rc = rte_eth_tx_queue_setup(id, q, ntx, rte_eth_dev_socket_id(id), NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Create the vdev `drv`_<port name> on the port's kernel interface and set
 * up its queues; on failure it is gone again. */
static int try_kernel_driver(struct dp *dp, struct dp_port *p, const char *drv,
			     const char *args)
{
	char name[sizeof(p->conf.devname)], devargs[192];
	int rc;

	snprintf(name, sizeof(name), "%s_%s", drv, p->conf.name);
	snprintf(devargs, sizeof(devargs), "vdev:%s,%s", name, args);
	rc = rte_dev_probe(devargs);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_get_port_by_name(name, &p->eth_id);
	if (rc == 0)
		rc = setup_queues(dp, p->eth_id, p->conf.mtu, DP_RX_DESC, DP_TX_DESC, false);
	if (rc < 0) {
		rte_eal_hotplug_remove("vdev", name);
		return rc;
	}
	snprintf(p->conf.devname, sizeof(p->conf.devname), "%s", name);
	return 0;
}

/* A port given as a kernel interface alone ("iface=eth1"): af_xdp, one
 * queue per data lcore (the PMD binds zero-copy where the driver has it,
 * else copy mode, with need_wakeup and busy polling where the kernel
 * offers them); af_packet, with a line saying why, where XDP can't attach
 * or the interface has fewer queues than there are data lcores (a veth
 * has one). af_packet's queues are spread by PACKET_FANOUT. */
static int open_kernel_port(struct dp *dp, struct dp_port *p)
{
	char args[96];
	int rc;

	snprintf(args, sizeof(args), "iface=%s,start_queue=0,queue_count=%u", p->conf.kiface,
		 dp->n_lcores);
	rc = try_kernel_driver(dp, p, "net_af_xdp", args);
	if (rc == 0)
		return 0;
	DP_LOG(WARNING, "port %s: af_xdp on %s failed (%s; it needs XDP and a queue for each of "
	       "the %u data lcores): af_packet instead", p->conf.name, p->conf.kiface,
	       strerror(-rc), dp->n_lcores);
	snprintf(args, sizeof(args), "iface=%s,qpairs=%u,framecnt=%u", p->conf.kiface,
		 dp->n_lcores, DP_AFP_FRAMES);
	rc = try_kernel_driver(dp, p, "net_af_packet", args);
	if (rc < 0)
		DP_LOG(ERR, "port %s: af_packet on %s failed too: %s", p->conf.name,
		       p->conf.kiface, strerror(-rc));
	return rc;
}

int dp_port_init(struct dp *dp, unsigned i)
{
	struct dp_port *p = &dp->port[i];
	struct rte_eth_dev_info info;
	bool is_vdev;
	int rc;

	if (p->conf.kiface[0]) {
		rc = open_kernel_port(dp, p);
		if (rc < 0)
			return rc;
	} else if (rte_eth_dev_get_port_by_name(p->conf.devname, &p->eth_id) < 0) {
		DP_LOG(ERR, "port %s: no ethdev named %s", p->conf.name, p->conf.devname);
		return -ENODEV;
	}
	rc = rte_eth_dev_get_port_by_name(p->conf.tapname, &p->tap_id);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: no TAP ethdev named %s", p->conf.name, p->conf.tapname);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->eth_id, &info);
	if (rc < 0)
		return rc;
	is_vdev = strncmp(p->conf.devname, "net_", 4) == 0;
	rc = p->conf.kiface[0] ? 0   /* set up by open_kernel_port */
		: setup_queues(dp, p->eth_id, p->conf.mtu, DP_RX_DESC, DP_TX_DESC, !is_vdev);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: queue setup failed: %s", p->conf.name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_macaddr_get(p->eth_id, &p->mac);
	if (rc < 0)
		return rc;

	/* The kernel's side of the TAP takes the port's MAC, so the frames it
	 * sends can leave through the port unchanged and replies to them come
	 * back addressed to a MAC it accepts. */
	rc = setup_queues(dp, p->tap_id, p->conf.mtu, DP_TAP_DESC, DP_TAP_DESC, false);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: TAP queue setup failed: %s", p->conf.name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_default_mac_addr_set(p->tap_id, &p->mac);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: cannot set the TAP's MAC: %s", p->conf.name, strerror(-rc));
		return rc;
	}
	if (p->conf.mtu)
		rte_eth_dev_set_mtu(p->tap_id, p->conf.mtu);

	rc = rte_eth_dev_start(p->eth_id);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: start failed: %s", p->conf.name, strerror(-rc));
		return rc;
	}
	/* OSPF hellos go to 224.0.0.5: multicast must reach the TAP. */
	rte_eth_allmulticast_enable(p->eth_id);
	rc = rte_eth_dev_start(p->tap_id);
	if (rc < 0) {
		DP_LOG(ERR, "port %s: TAP start failed: %s", p->conf.name, strerror(-rc));
		rte_eth_dev_stop(p->eth_id);
		return rc;
	}
	DP_LOG(INFO, "port %s: %s (ethdev %u, %s) MAC " RTE_ETHER_ADDR_PRT_FMT
	       ", %u queue pairs, exception path %s", p->conf.name, p->conf.devname, p->eth_id,
	       info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac), dp->n_lcores, p->conf.tapname);
	return 0;
}

void dp_port_close(struct dp *dp, unsigned i)
{
	struct dp_port *p = &dp->port[i];

	rte_eth_dev_stop(p->eth_id);
	rte_eth_dev_stop(p->tap_id);
	rte_eth_dev_close(p->tap_id);
	rte_eth_dev_close(p->eth_id);
}
