/* sync_forge — writes one session-sync datagram to stdout, as a peer (or an
 * attacker) would send it: for the sync scenario's refusal tests.
 *
 *   sync_forge KEYFILE|- SENDER EPOCH stream|control SEQ [CIP:CPORT VIP:VPORT LIP:LPORT RIP:RPORT]
 *
 * KEYFILE "-" seals with a key nobody has. A stream datagram carries one
 * live TCP session (ESTABLISHED, FULLNAT) with the given tuples. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/snap.h"
#include "dp/tcp.h"
#include "sync/wire.h"

static int addr_port(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[64], *c;

	snprintf(buf, sizeof(buf), "%s", s);
	c = strrchr(buf, ':');
	if (!c)
		return -1;
	*c = 0;
	*port = htons((uint16_t)atoi(c + 1));
	return inet_pton(AF_INET, buf, ip) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sync_key key = { 16, "not-the-real-key" };
	struct sync_hdr h = { 0 };
	struct sync_scratch *sc = sync_scratch_create();
	uint8_t pl[SYNC_MAX_PAYLOAD], d[SYNC_MAX_DGRAM];
	size_t plen = 0;
	int n;

	if (argc < 6 || !sc) {
		fprintf(stderr, "usage: sync_forge KEYFILE|- SENDER EPOCH stream|control SEQ [tuples]\n");
		return 2;
	}
	if (strcmp(argv[1], "-") != 0 && sync_key_load(argv[1], &key) < 0) {
		fprintf(stderr, "sync_forge: cannot read key %s\n", argv[1]);
		return 2;
	}
	h.sender = (uint32_t)strtoul(argv[2], NULL, 10);
	h.epoch = strtoull(argv[3], NULL, 10);
	h.seq = strtoull(argv[5], NULL, 10);
	if (strcmp(argv[4], "stream") == 0) {
		struct sync_item it;

		if (argc < 10) {
			fprintf(stderr, "sync_forge: a stream datagram needs four tuples\n");
			return 2;
		}
		memset(&it, 0, sizeof(it));
		it.kind = SYNC_ITEM_SESSION;
		it.rec.kind = DP_SYNC_UPSERT;
		it.rec.proto = 6;
		it.rec.state = DP_TCP_ESTABLISHED;
		it.rec.fwd = DP_FWD_FULLNAT;
		it.rec.s.expire_ms = 600000;
		if (addr_port(argv[6], &it.rec.s.cip, &it.rec.s.cport) < 0 ||
		    addr_port(argv[7], &it.rec.s.vip, &it.rec.s.vport) < 0 ||
		    addr_port(argv[8], &it.rec.s.lip, &it.rec.s.lport) < 0 ||
		    addr_port(argv[9], &it.rec.s.rip, &it.rec.s.rport) < 0) {
			fprintf(stderr, "sync_forge: bad tuple\n");
			return 2;
		}
		h.type = SYNC_T_STREAM;
		h.stream = 1;
		sync_wire_batch_encode(sc, &it, 1, pl, sizeof(pl), &plen);
	} else {
		struct sync_control c;

		memset(&c, 0, sizeof(c));
		c.state = 2;
		h.type = SYNC_T_CONTROL;
		sync_wire_control_encode(&c, pl, sizeof(pl), &plen);
	}
	n = sync_wire_seal(&key, &h, pl, plen, d, sizeof(d));
	if (n < 0)
		return 1;
	fwrite(d, 1, (size_t)n, stdout);
	sync_scratch_free(sc);
	return 0;
}
