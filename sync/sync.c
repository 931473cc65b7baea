/* sync/sync.c — the sync thread: its socket on the sync port's address (the
 * datagrams go through that port's TAP like the health checks), the data
 * lcores' rings, the loop.
 *
 * One loop turn (at most a millisecond apart): read what arrived (peer.c),
 * take the lcores' records and hand them to each peer's queue, feed the
 * lcores what waits for them, pack and send the queues, send heartbeats and
 * acknowledgements, run the timers (peer liveness, retransmission, the
 * join and the checks: join.c). The loop holds s->mu except while it
 * waits, so the API reads a consistent state. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cp/cp.h"
#include "cp/selfcheck.h"
#include "cp/snap.h"
#include "dp/bytes.h"
#include "sync/sync_int.h"

RTE_LOG_REGISTER(mgw_logtype_sync, mgw.sync, INFO);

#define LCORE_BURST 256

uint64_t sync_now_ms(void)
{
	return dp_mono_ms();
}

/* ---- to the lcores, in order ---- */

static unsigned pend_flush(struct sync *s, unsigned idx)
{
	struct sync_pend *q = &s->pend[idx];
	unsigned done = 0;

	while (q->n) {
		unsigned run = q->n, k;

		if (q->head + run > SYNC_PEND)
			run = SYNC_PEND - q->head;
		k = dp_sync_push(s->dp, idx, &q->r[q->head], run);
		q->head = (q->head + k) % SYNC_PEND;
		q->n -= k;
		done += k;
		if (k < run)
			break;
	}
	return done;
}

void sync_to_lcore(struct sync *s, unsigned idx, const struct dp_sync_rec *r)
{
	struct sync_pend *q = &s->pend[idx];

	if (idx >= s->n_lcores)
		return;
	/* Straight in when nothing waits (keeps the order), else behind. */
	if (q->n == 0 && dp_sync_push(s->dp, idx, r, 1) == 1)
		return;
	if (q->n == SYNC_PEND) {
		q->lost++;   /* the markers find the difference */
		return;
	}
	q->r[(q->head + q->n) % SYNC_PEND] = *r;
	q->n++;
}

void sync_to_all_lcores(struct sync *s, const struct dp_sync_rec *r)
{
	for (unsigned i = 0; i < s->n_lcores; i++)
		sync_to_lcore(s, i, r);
}

/* ---- the wire ---- */

int sync_send(struct sync *s, struct sync_peer *p, const uint8_t *d, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(s->conf.udp_port),
				  .sin_addr.s_addr = htonl(p->ip) };

	if (sendto(s->fd, d, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0) {
		s->send_errors++;
		return -errno;
	}
	p->datagrams_sent++;
	return 0;
}

static void rx_socket(struct sync *s, uint64_t now)
{
	struct mmsghdr mh[SYNC_RX_BATCH];
	struct iovec iov[SYNC_RX_BATCH];
	struct sockaddr_in from[SYNC_RX_BATCH];
	uint8_t (*buf)[SYNC_MAX_DGRAM + 1] = s->rxbuf;

	for (int round = 0; round < 8; round++) {
		int n;

		for (unsigned i = 0; i < SYNC_RX_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
			mh[i].msg_hdr.msg_name = &from[i];
			mh[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(s->fd, mh, SYNC_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			/* A datagram longer than the biggest is cut: the MAC
			 * then fails, as it should. */
			size_t len = mh[i].msg_len;

			sync_peer_rx(s, buf[i], len, ntohl(from[i].sin_addr.s_addr), now);
		}
		if (n < SYNC_RX_BATCH)
			return;
	}
}

/* ---- from the lcores ---- */

static void rx_lcores(struct sync *s, uint64_t now)
{
	struct dp_sync_rec r[LCORE_BURST];

	for (unsigned i = 0; i < s->n_lcores; i++) {
		unsigned n;

		/* Backpressure: a peer's queue that is nearly full stops the
		 * draining (the lcores then lose live records, counted, and
		 * their bulk walks wait). */
		if (!sync_peer_queue_room(s))
			return;
		n = dp_sync_poll(s->dp, i, r, LCORE_BURST);
		s->lcore_records += n;
		for (unsigned k = 0; k < n; k++)
			sync_peer_from_lcore(s, &r[k], now);
	}
}

/* The services as they must be alike on every node: a digest over each
 * service's identity, mode and servers, summed (order does not matter). */
static uint64_t services_digest(const struct cp_config *c)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < c->n_services; i++) {
		const struct cp_service_conf *v = &c->services[i];
		uint64_t h = 0xcbf29ce484222325ull;
		struct cp_ip vip = cp_service_vip(v);
		/* an IPv6 VIP by its handle; servers by their id keys (an
		 * IPv4 one's is ip << 16 | port) */
		uint32_t w[4] = { v->proto, ntohl(cp_snap_addr(&vip)), v->port, v->fwd };

		for (unsigned k = 0; k < 4; k++)
			h = (h ^ w[k]) * 0x100000001b3ull;
		for (unsigned k = 0; k < v->n_servers; k++)
			h = (h ^ cp_snap_server_key(&v->servers[k])) * 0x100000001b3ull;
		sum += h ^ (h >> 29);
	}
	return sum;
}

static void config_check(struct sync *s)
{
	uint64_t gen = cp_config_gen(s->cp);
	struct cp_config *c;

	if (gen == s->config_gen)
		return;
	c = cp_config_get(s->cp);
	if (!c)
		return;
	s->config_gen = gen;
	s->config_digest = services_digest(c);
	cp_config_free(c);
}

static void turn(struct sync *s)
{
	uint64_t now = sync_now_ms();

	s->loops++;
	config_check(s);
	rx_socket(s, now);
	for (unsigned i = 0; i < s->n_lcores; i++)
		pend_flush(s, i);
	rx_lcores(s, now);
	for (unsigned i = 0; i < s->n_lcores; i++)
		pend_flush(s, i);
	sync_peer_timers(s, now);
	sync_join_tick(s, now);
	sync_fo_tick(s, now);
	for (unsigned i = 0; i < s->n_peers; i++)
		sync_peer_flush(s, &s->peer[i], now);
}

static void *sync_main(void *arg)
{
	struct sync *s = arg;
	struct epoll_event ev[4];
	struct cp_lip_hold held[SYNC_LIP_MAX];
	unsigned n_held = 0;
	bool dirty;

	SYNC_LOG(NOTICE, "node %u epoch %llu: %u peers on %s udp %u", s->node_id,
		 (unsigned long long)s->epoch, s->n_peers, s->conf.port, s->conf.udp_port);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int n = epoll_wait(s->ep, ev, 4, -1);

		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == s->tfd) {
				uint64_t ticks;

				if (read(s->tfd, &ticks, sizeof(ticks)) < 0)
					(void)0;
			}
		}
		pthread_mutex_lock(&s->mu);
		turn(s);
		dirty = s->fo.dirty;
		if (dirty)
			n_held = sync_fo_list(s, held, SYNC_LIP_MAX);
		pthread_mutex_unlock(&s->mu);
		/* Outside our lock: publishing takes cp's, whose holders may
		 * ask for our status. */
		if (dirty && cp_lips_set(s->cp, held, n_held) < 0)
			SYNC_LOG(ERR, "cannot publish the local IPs held");
	}
	return NULL;
}

static uint64_t sync_heartbeat(void *arg)
{
	const struct sync *s = arg;

	return __atomic_load_n(&s->loops, __ATOMIC_RELAXED);
}

static int force_online(void *arg, const char *who)
{
	struct sync *s = arg;
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	if (!s->joining)
		rc = -EALREADY;
	else {
		s->force_online = true;
		snprintf(s->force_who, sizeof(s->force_who), "%s", who);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int open_socket(struct sync *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->conf.udp_port),
				 .sin_addr.s_addr = htonl(s->my_ip) };
	int one = 1, buf = 8 << 20, fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	s->fd = fd;
	return 0;
}

static uint64_t boot_epoch(void)
{
	struct timespec ts;

	/* Wall-clock milliseconds: a restart is always later than the boot
	 * before it, unless the clock is stepped back past it. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sync_free(struct sync *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_peers; i++) {
		sync_tx_free(&s->peer[i].tx);
		sync_rx_free(&s->peer[i].rx);
		free(s->peer[i].q);
	}
	for (unsigned i = 0; i < DP_MAX_LCORES; i++)
		free(s->pend[i].r);
	if (s->fd >= 0)
		close(s->fd);
	if (s->ep >= 0)
		close(s->ep);
	if (s->tfd >= 0)
		close(s->tfd);
	sync_fo_free(s);
	sync_scratch_free(s->sc);
	free(s);
}

static int setup_peers(struct sync *s, const struct cp_config *cfg)
{
	s->n_peers = cfg->sync.n_peers;
	for (unsigned i = 0; i < s->n_peers; i++) {
		const struct cp_sync_peer_conf *pc = &cfg->sync.peers[i];
		struct sync_peer *p = &s->peer[i];
		char ip[16];
		int rc;

		p->slot = i;
		p->id = pc->id;
		p->ip = pc->ip;
		p->n_lips = pc->n_lips;
		for (unsigned k = 0; k < pc->n_lips; k++)
			p->lips[k] = htonl(pc->lips[k]);
		/* its IPv6 ones by their handles, as its FULLNAT records key them */
		for (unsigned k = 0; k < pc->n_lips6 && p->n_lips < CP_MAX_LIPS; k++) {
			memcpy(p->lips6[p->n_lips], pc->lips6[k], 16);
			p->lips[p->n_lips++] = dp_ip6_handle(pc->lips6[k]);
		}
		snprintf(p->name, sizeof(p->name), "peer %u (%s)", p->id, cp_ipv4_str(p->ip, ip));
		p->last_bulk_result = "none";
		if ((rc = sync_tx_init(&p->tx, SYNC_TX_SLOTS)) < 0 ||
		    (rc = sync_rx_init(&p->rx, SYNC_RX_SLOTS)) < 0)
			return rc;
		p->q = calloc(SYNC_QUEUE, sizeof(*p->q));
		if (!p->q)
			return -ENOMEM;
		for (unsigned k = 0; k < DP_MAX_LCORES; k++)
			p->ae[k].backoff_ms = 2000;
	}
	return 0;
}

int sync_start(struct cp *cp, struct dp *dp, const struct cp_config *cfg, struct sync **out)
{
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };   /* 1 ms */
	struct epoll_event ev = { .events = EPOLLIN };
	struct cp_cluster_ops ops;
	struct sync *s;
	int rc, port = -1;

	*out = NULL;
	if (!cfg->sync.enabled)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = s->ep = s->tfd = -1;
	for (unsigned p = 0; p < CP_MAX_PORTS; p++)
		s->fo.arp_fd[p] = -1;
	s->cp = cp;
	s->dp = dp;
	s->conf = cfg->sync;
	s->node_id = cfg->node_id;
	s->epoch = boot_epoch();
	s->n_lcores = dp_n_lcores(dp);
	s->next_bulk_id = (uint16_t)(s->epoch & 0x7fff) + 1;
	pthread_mutex_init(&s->mu, NULL);
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, cfg->sync.port) == 0)
			port = (int)i;
	rc = -EINVAL;
	if (port < 0)
		goto err;
	s->my_ip = cfg->ports[port].ip;
	rc = sync_key_load(cfg->sync.key_file, &s->key);
	if (rc < 0) {
		SYNC_LOG(ERR, "sync.key_file %s: %s", cfg->sync.key_file, strerror(-rc));
		goto err;
	}
	{
		/* SYN cookies are the cluster's: the secret is the sync key's
		 * HMAC of a fixed label, the same on every node */
		static const char label[] = "mgw synproxy cookie secret v1";
		uint8_t sk[32];
		unsigned sl = sizeof(sk);

		rc = -EIO;
		if (!HMAC(EVP_sha256(), s->key.k, (int)s->key.len, (const uint8_t *)label,
			  sizeof(label) - 1, sk, &sl) || dp_synproxy_set_secret(dp, sk) < 0)
			goto err;
		OPENSSL_cleanse(sk, sizeof(sk));
	}
	rc = -ENOMEM;
	s->sc = sync_scratch_create();
	if (!s->sc)
		goto err;
	for (unsigned i = 0; i < s->n_lcores; i++) {
		s->pend[i].r = calloc(SYNC_PEND, sizeof(struct dp_sync_rec));
		if (!s->pend[i].r)
			goto err;
	}
	rc = setup_peers(s, cfg);
	if (rc < 0)
		goto err;
	rc = sync_fo_init(s, cfg, port);
	if (rc < 0)
		goto err;
	rc = open_socket(s);
	if (rc < 0) {
		SYNC_LOG(ERR, "udp socket on the sync port's address: %s", strerror(-rc));
		goto err;
	}
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	rc = -errno;
	if (s->ep < 0 || s->tfd < 0 || timerfd_settime(s->tfd, 0, &its, NULL) < 0)
		goto err;
	ev.data.fd = s->fd;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->fd, &ev);
	ev.data.fd = s->tfd;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->tfd, &ev);
	s->joining = cp_state(cp) == CP_STATE_PRE_ONLINE;
	s->join_start_ms = sync_now_ms();
	rc = -pthread_create(&s->th, NULL, sync_main, s);
	if (rc < 0)
		goto err;
	s->th_started = true;
	pthread_setname_np(s->th, "mgw-sync");
	rc = cp_selfcheck_watch(cp, "sync", sync_heartbeat, s, 0);
	if (rc < 0)
		SYNC_LOG(WARNING, "the self-check will not watch the sync thread: %s", strerror(-rc));
	ops.status = sync_status_json;
	ops.force_online = force_online;
	ops.arg = s;
	cp_cluster_set(cp, &ops);
	*out = s;
	return 0;
err:
	sync_free(s);
	return rc;
}

void sync_release(struct sync *s, unsigned wait_ms)
{
	uint64_t end;
	bool done = false;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->fo.releasing = true;
	pthread_mutex_unlock(&s->mu);
	SYNC_LOG(NOTICE, "stopping: handing the local IPs to their heirs");
	end = sync_now_ms() + wait_ms;
	while (!done && sync_now_ms() < end) {
		usleep(20000);
		pthread_mutex_lock(&s->mu);
		done = sync_fo_released(s);
		pthread_mutex_unlock(&s->mu);
	}
	SYNC_LOG(NOTICE, "stopping: the local IPs %s", done ? "are taken by their heirs"
							   : "were not all taken in time");
}

void sync_stop(struct sync *s)
{
	if (!s)
		return;
	cp_cluster_set(s->cp, NULL);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	if (s->th_started)
		pthread_join(s->th, NULL);
	sync_free(s);
}
