/* mgw OSPF — the shell around the engine: one raw IP socket (protocol
 * 89) per interface and one thread that feeds the engine packets and time.
 * The engine is only touched under o->mu, from this thread or from the
 * callers of ospf_announce() and ospf_status_json().
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ospf/ospf_int.h"

#define IO_MAX_WAIT_MS   100     /* the heartbeat's period at worst */
#define IO_RX_BURST      64
#define IO_FLUSH_WAIT_MS 1000
#define OSPF_IPPROTO     89
#define DSCP_CS6_TOS     0xc0

struct ospf {
	struct ospf_conf conf;
	struct ospf_eng *eng;
	pthread_mutex_t mu;
	pthread_t thr;
	bool started, joined;
	int fd[OSPF_MAX_IFACES];
	int evfd;
	atomic_bool stop;
	_Atomic uint64_t heartbeat;
	uint64_t tx_errors, rx_errors;
	uint8_t rxbuf[OSPF_MAX_PKT + 1];
};

/* The engine's send callback; runs under o->mu. */
static void io_send(void *arg, unsigned ifi, uint32_t dst, const uint8_t *pkt,
		    size_t len)
{
	struct ospf *o = arg;
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(dst),
	};

	if (ifi >= o->conf.n_ifaces || o->fd[ifi] < 0)
		return;
	/* Non-blocking: a full socket buffer loses the packet, and OSPF's
	 * own retransmission makes up for it. */
	if (sendto(o->fd[ifi], pkt, len, MSG_DONTWAIT, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		o->tx_errors++;
}

int ospf_create_err(const struct ospf_conf *c, struct ospf **out,
		    char *errmsg, size_t errlen)
{
	struct ospf *o;
	uint32_t seed = 0;
	unsigned i;
	int rc;

	rc = ospf_conf_check(c, errmsg, errlen);
	if (rc)
		return rc;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->conf = *c;
	/* see ospf_auth.c: above whatever a previous run sent */
	if (!o->conf.auth_seq0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o->conf.auth_seq0 = ts.tv_sec > 0 ? (uint32_t)ts.tv_sec : 1;
	}
	o->evfd = -1;
	for (i = 0; i < OSPF_MAX_IFACES; i++)
		o->fd[i] = -1;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint32_t)dp_mono_ms() ^ (uint32_t)getpid();
	rc = ospf_eng_create(&o->conf, io_send, o, seed, &o->eng);
	if (rc)
		goto err_free;
	rc = -pthread_mutex_init(&o->mu, NULL);
	if (rc)
		goto err_eng;
	*out = o;
	return 0;

err_eng:
	ospf_eng_destroy(o->eng);
err_free:
	explicit_bzero(&o->conf, sizeof(o->conf));
	free(o);
	return rc;
}

int ospf_create(const struct ospf_conf *c, struct ospf **out)
{
	return ospf_create_err(c, out, NULL, 0);
}

static int sopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, level, name, v, len) ? -errno : 0;
}

static int open_socket(const struct ospf_iface_conf *c, int *out, uint16_t *mtu)
{
	struct ip_mreqn mreq = { 0 };
	struct ifreq ifr = { 0 };
	/* RFC 5082: 255 leaves the link only as 254, which the peer refuses */
	int zero = 0, tos = DSCP_CS6_TOS, ttl = c->ttl_security ? OSPF_TTL_SECURITY : 1;
	int pmtu = IP_PMTUDISC_DONT;
	unsigned ifindex;
	int fd, rc;

	ifindex = if_nametoindex(c->ifname);
	if (!ifindex)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, OSPF_IPPROTO);
	if (fd < 0)
		return -errno;
	rc = sopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname,
		  (socklen_t)strnlen(c->ifname, sizeof(c->ifname)));
	if (rc)
		goto err;
	mreq.imr_multiaddr.s_addr = htonl(OSPF_ALL_SPF);
	mreq.imr_address.s_addr = htonl(c->addr);
	mreq.imr_ifindex = (int)ifindex;
	rc = sopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq));
	if (rc)
		goto err;
	rc = sopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq));
	if (rc)
		goto err;
	rc = sopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	if (!rc)
		rc = sopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	if (!rc)
		rc = sopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	if (!rc)
		rc = sopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (!rc)
		rc = sopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	if (rc)
		goto err;
	if (!c->mtu) {
		memcpy(ifr.ifr_name, c->ifname, sizeof(ifr.ifr_name) < sizeof(c->ifname) ?
		       sizeof(ifr.ifr_name) : sizeof(c->ifname));
		if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
			rc = -errno;
			goto err;
		}
		*mtu = ifr.ifr_mtu > 0xffff ? 0xffff : (uint16_t)ifr.ifr_mtu;
	} else {
		*mtu = c->mtu;
	}
	*out = fd;
	return 0;

err:
	close(fd);
	return rc;
}

static void io_rx(struct ospf *o, unsigned ifi)
{
	unsigned k;

	for (k = 0; k < IO_RX_BURST; k++) {
		ssize_t r = recv(o->fd[ifi], o->rxbuf, sizeof(o->rxbuf), MSG_DONTWAIT);

		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				o->rx_errors++;
			return;
		}
		pthread_mutex_lock(&o->mu);
		ospf_eng_input_ip(o->eng, dp_mono_ms(), ifi, o->rxbuf, (size_t)r);
		pthread_mutex_unlock(&o->mu);
	}
}

static void *io_thread(void *arg)
{
	struct ospf *o = arg;
	struct pollfd pfd[OSPF_MAX_IFACES + 1];
	unsigned n = o->conf.n_ifaces, i;
	uint64_t deadline = 0;
	bool flushing = false;

	if (o->conf.thread_init)
		o->conf.thread_init();
	for (i = 0; i < n; i++) {
		pfd[i].fd = o->fd[i];
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = o->evfd;
	pfd[n].events = POLLIN;

	for (;;) {
		uint64_t now = dp_mono_ms(), next;
		int timeout;

		if (atomic_load(&o->stop) && !flushing) {
			pthread_mutex_lock(&o->mu);
			ospf_eng_flush(o->eng, now);
			pthread_mutex_unlock(&o->mu);
			flushing = true;
			deadline = now + IO_FLUSH_WAIT_MS;
		}
		if (flushing) {
			bool pending;

			pthread_mutex_lock(&o->mu);
			pending = ospf_eng_flush_pending(o->eng);
			if (!pending || now >= deadline)
				ospf_eng_goodbye(o->eng, now);
			pthread_mutex_unlock(&o->mu);
			if (!pending || now >= deadline)
				break;
		}
		pthread_mutex_lock(&o->mu);
		next = ospf_eng_next(o->eng);
		pthread_mutex_unlock(&o->mu);
		timeout = next <= now ? 0 :
			  (int)ospf_min64(next - now, IO_MAX_WAIT_MS);
		if (poll(pfd, n + 1, timeout) > 0) {
			for (i = 0; i < n; i++)
				if (pfd[i].revents & POLLIN)
					io_rx(o, i);
			if (pfd[n].revents & POLLIN) {
				uint64_t v;

				if (read(o->evfd, &v, sizeof(v)) < 0)
					o->rx_errors++;
			}
		}
		pthread_mutex_lock(&o->mu);
		ospf_eng_tick(o->eng, dp_mono_ms());
		pthread_mutex_unlock(&o->mu);
		atomic_fetch_add(&o->heartbeat, 1);
	}
	return NULL;
}

static void io_close(struct ospf *o)
{
	unsigned i;

	for (i = 0; i < OSPF_MAX_IFACES; i++) {
		if (o->fd[i] >= 0)
			close(o->fd[i]);
		o->fd[i] = -1;
	}
	if (o->evfd >= 0)
		close(o->evfd);
	o->evfd = -1;
}

int ospf_start(struct ospf *o)
{
	unsigned i;
	int rc;

	if (!o || o->started)
		return -EALREADY;
	for (i = 0; i < o->conf.n_ifaces; i++) {
		uint16_t mtu = 0;

		rc = open_socket(&o->conf.ifaces[i], &o->fd[i], &mtu);
		if (rc) {
			OSPF_LOG(ERR, "%s: cannot open OSPF socket: %s",
				 o->conf.ifaces[i].ifname, strerror(-rc));
			goto err;
		}
		pthread_mutex_lock(&o->mu);
		ospf_eng_set_mtu(o->eng, i, mtu);
		pthread_mutex_unlock(&o->mu);
	}
	o->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (o->evfd < 0) {
		rc = -errno;
		goto err;
	}
	pthread_mutex_lock(&o->mu);
	ospf_eng_start(o->eng, dp_mono_ms());
	pthread_mutex_unlock(&o->mu);
	rc = -pthread_create(&o->thr, NULL, io_thread, o);
	if (rc)
		goto err;
	o->started = true;
	return 0;

err:
	io_close(o);
	return rc;
}

static void io_wake(struct ospf *o)
{
	uint64_t one = 1;

	if (o->evfd >= 0 && write(o->evfd, &one, sizeof(one)) < 0)
		return;     /* the counter is saturated: a wake-up is pending */
}

int ospf_announce(struct ospf *o, const struct ospf_prefix *p, unsigned n)
{
	int rc;

	if (!o)
		return -EINVAL;
	pthread_mutex_lock(&o->mu);
	rc = ospf_eng_announce(o->eng, dp_mono_ms(), p, n);
	pthread_mutex_unlock(&o->mu);
	/* The thread recomputes its timeout (a deferred origination). */
	if (!rc)
		io_wake(o);
	return rc;
}

int ospf_status_json(struct ospf *o, json_t **out)
{
	json_t *j = NULL;
	int rc;

	if (!o || !out)
		return -EINVAL;
	pthread_mutex_lock(&o->mu);
	rc = ospf_eng_status_json(o->eng, dp_mono_ms(), &j);
	if (!rc) {
		json_t *io = json_object();

		json_object_set_new(io, "running",
				    json_boolean(o->started && !o->joined));
		json_object_set_new(io, "tx_errors", json_integer((json_int_t)o->tx_errors));
		json_object_set_new(io, "rx_errors", json_integer((json_int_t)o->rx_errors));
		json_object_set_new(io, "heartbeat",
				    json_integer((json_int_t)atomic_load(&o->heartbeat)));
		json_object_set_new(j, "io", io);
	}
	pthread_mutex_unlock(&o->mu);
	if (!rc)
		*out = j;
	return rc;
}

uint64_t ospf_heartbeat(struct ospf *o)
{
	return o ? atomic_load(&o->heartbeat) : 0;
}

void ospf_stop(struct ospf *o)
{
	if (!o || !o->started || o->joined)
		return;
	atomic_store(&o->stop, true);
	io_wake(o);
	pthread_join(o->thr, NULL);
	pthread_mutex_lock(&o->mu);
	o->joined = true;
	io_close(o);
	pthread_mutex_unlock(&o->mu);
}

void ospf_destroy(struct ospf *o)
{
	if (!o)
		return;
	ospf_stop(o);
	io_close(o);      /* sockets of a start that never ran the thread */
	ospf_eng_destroy(o->eng);
	pthread_mutex_destroy(&o->mu);
	explicit_bzero(&o->conf, sizeof(o->conf));   /* the keys */
	free(o);
}
