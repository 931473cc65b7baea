/* tests/tools/udpgen.c — a paced UDP load for `make bench-peers`.
 *
 *   udpgen IP PORT PPS SECONDS [FLOWS]
 *
 * Sends 64-byte datagrams to IP:PORT from FLOWS source ports (default 64,
 * one socket each, taken round robin so a load balancer sees that many
 * flows) at PPS packets per second (0: as fast as it can), for SECONDS.
 * Pacing is by the monotonic clock in batches of up to 32 (sendmmsg), so
 * the offered rate holds without a timer per packet. Prints one line:
 * "sent N in S s: R pps (errors E)". A full socket buffer (ENOBUFS,
 * EAGAIN) counts as an error, not as sent. Exit 0, or 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UG_BATCH 32
#define UG_MAX_FLOWS 1024

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	static int fd[UG_MAX_FLOWS];
	char payload[64 - 28];
	struct mmsghdr msg[UG_BATCH];
	struct iovec iov = { payload, sizeof(payload) };
	unsigned long long sent = 0, errs = 0;
	double pps, secs, t0, t;
	long flows = 64;

	if (argc < 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: udpgen IP PORT PPS SECONDS [FLOWS]\n");
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	pps = atof(argv[3]);
	secs = atof(argv[4]);
	if (argc > 5)
		flows = atol(argv[5]);
	if (flows < 1 || flows > UG_MAX_FLOWS || secs <= 0 || pps < 0) {
		fprintf(stderr, "udpgen: FLOWS 1..%d, SECONDS > 0, PPS >= 0\n", UG_MAX_FLOWS);
		return 2;
	}
	for (long i = 0; i < flows; i++) {
		fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("udpgen: socket");
			return 1;
		}
	}
	memset(payload, 'u', sizeof(payload));
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < UG_BATCH; i++) {
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_s();
	for (long k = 0;; k++) {
		int n = UG_BATCH, r;

		t = now_s() - t0;
		if (t >= secs)
			break;
		if (pps > 0) {
			double due = pps * t - (double)(sent + errs);

			if (due < 1) {
				/* Ahead of the rate: yield a little (a busy spin
				 * would take the core the load balancer may share). */
				struct timespec ts = { 0, 20000 };

				nanosleep(&ts, NULL);
				continue;
			}
			if (due < n)
				n = (int)due;
		}
		r = sendmmsg(fd[k % flows], msg, (unsigned)n, 0);
		if (r > 0)
			sent += (unsigned long long)r;
		if (r < n)
			errs += (unsigned long long)(r > 0 ? n - r : n);
	}
	t = now_s() - t0;
	printf("sent %llu in %.2f s: %.0f pps (errors %llu)\n", sent, t, (double)sent / t, errs);
	return 0;
}
