/* Helpers for the health checker's engine tests: a private network
 * namespace (when root) so that their loopback traffic stays their own,
 * and small listeners. Header-only, included by test_hc_*.c. */
#ifndef MGW_TEST_HC_NET_H
#define MGW_TEST_HC_NET_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOOP 0x7f000001u

static inline void test_netns(void)
{
	struct ifreq ifr;
	int s;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return; /* shares the host's loopback, on ports the kernel hands out */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* A socket bound to 127.0.0.1 (af AF_INET) or ::1 (AF_INET6) on a port the
 * kernel picks; *port gets it. */
static inline int test_sock_af(int af, int type, uint16_t *port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LOOP) };
	struct sockaddr *sa = af == AF_INET6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4;
	socklen_t sl = af == AF_INET6 ? sizeof(s6) : sizeof(s4);
	int one = 1, fd = socket(af, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, sl) < 0 || getsockname(fd, sa, &sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		close(fd);
		return -1;
	}
	*port = ntohs(af == AF_INET6 ? s6.sin6_port : s4.sin_port);
	return fd;
}

static inline int test_sock(int type, uint16_t *port)
{
	return test_sock_af(AF_INET, type, port);
}

/* A port with nothing behind it (bound then closed). */
static inline uint16_t test_closed_port_af(int af, int type)
{
	uint16_t port = 0;
	int fd = test_sock_af(af, type, &port);

	if (fd >= 0)
		close(fd);
	return port;
}

static inline uint16_t test_closed_port(int type)
{
	return test_closed_port_af(AF_INET, type);
}

static inline void test_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#endif
