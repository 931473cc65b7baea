/* Unit tests: ARP parse/answer/ask (dp/arp.c) and the neighbour table
 * (dp/neigh.c): learn, look up, refresh, probe, expire, evict. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp/arp.h"
#include "dp/neigh.h"
#include "dp/pkt.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };

static void test_request_reply_roundtrip(void **state)
{
	uint8_t f[DP_ARP_FRAME_LEN];
	struct dp_arp a, r;
	enum dp_drop why;
	uint32_t len;

	(void)state;
	len = dp_arp_build_request(f, mac_a, htonl(0x0a000001), htonl(0x0a00000a));
	assert_int_equal(len, 60);
	assert_int_equal(dp_arp_parse(f, len, &a, &why), 0);
	assert_int_equal(a.op, DP_ARP_REQUEST);
	assert_memory_equal(a.sha, mac_a, 6);
	assert_int_equal(a.spa, htonl(0x0a000001));
	assert_int_equal(a.tpa, htonl(0x0a00000a));
	assert_int_equal(f[0] & f[1] & f[2] & f[3] & f[4] & f[5], 0xff);

	/* B owns the target and answers in place. */
	len = dp_arp_make_reply(f, len, &a, mac_b);
	assert_int_equal(dp_arp_parse(f, len, &r, &why), 0);
	assert_int_equal(r.op, DP_ARP_REPLY);
	assert_memory_equal(f, mac_a, 6);         /* unicast back to the asker */
	assert_memory_equal(f + 6, mac_b, 6);
	assert_memory_equal(r.sha, mac_b, 6);
	assert_int_equal(r.spa, htonl(0x0a00000a));
	assert_memory_equal(r.tha, mac_a, 6);
	assert_int_equal(r.tpa, htonl(0x0a000001));
}

/* A request as veth hands it over, 42 bytes with nothing behind them: the
 * reply is made within them (an exact-size heap copy, so that a write past
 * the end is an ASan report in `make unit SAN=1`), and a padded 60-byte
 * request gets a 60-byte reply. */
static void test_reply_within_request(void **state)
{
	uint8_t f[DP_ARP_FRAME_LEN];
	struct dp_arp a, r;
	enum dp_drop why;
	uint8_t *req;

	(void)state;
	dp_arp_build_request(f, mac_a, htonl(0x0a000001), htonl(0x0a00000a));
	req = malloc(42);
	assert_non_null(req);
	memcpy(req, f, 42);
	assert_int_equal(dp_arp_parse(req, 42, &a, &why), 0);
	assert_int_equal(dp_arp_make_reply(req, 42, &a, mac_b), 42);
	assert_int_equal(dp_arp_parse(req, 42, &r, &why), 0);
	assert_int_equal(r.op, DP_ARP_REPLY);
	assert_memory_equal(r.sha, mac_b, 6);
	free(req);
	assert_int_equal(dp_arp_parse(f, 60, &a, &why), 0);
	assert_int_equal(dp_arp_make_reply(f, 60, &a, mac_b), 60);
	assert_int_equal(dp_arp_make_reply(f, 1500, &a, mac_b), 60);
	assert_int_equal(dp_arp_make_reply(f, 41, &a, mac_b), 0);
}

static void test_malformed(void **state)
{
	uint8_t f[DP_ARP_FRAME_LEN];
	struct dp_arp a;
	enum dp_drop why;
	uint32_t len = dp_arp_build_request(f, mac_a, 1, 2);

	(void)state;
	for (uint32_t cut = 0; cut < 14 + 28; cut++) {
		why = DP_DROP_MAX;
		assert_int_equal(dp_arp_parse(f, cut, &a, &why), -EBADMSG);
		assert_int_equal(why, DP_DROP_ARP_BAD);
	}
	f[14 + 1] = 6;   /* hardware type 6 */
	assert_int_equal(dp_arp_parse(f, len, &a, &why), -EBADMSG);
	dp_arp_build_request(f, mac_a, 1, 2);
	f[14 + 5] = 16;  /* protocol address length 16 */
	assert_int_equal(dp_arp_parse(f, len, &a, &why), -EBADMSG);
	dp_arp_build_request(f, mac_a, 1, 2);
	f[14 + 7] = 9;   /* opcode 9 */
	assert_int_equal(dp_arp_parse(f, len, &a, &why), -EBADMSG);
}

static void probe(void *arg, const struct dp_neigh_entry *e)
{
	(void)e;
	(*(unsigned *)arg)++;
}

/* IPv6 neighbours by their full address: another address (whatever its
 * handle) is not found, nor an IPv4 lookup of the handle; they age and
 * are probed like IPv4's, the probe told the address. */
static void test_neigh6(void **state)
{
	uint8_t a[16] = { 0xfd, 0, 0, 2, [15] = 0x11 }, b[16], mac[6];
	const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
	struct dp_neigh *n;
	unsigned probes = 0;
	uint16_t port;

	(void)state;
	assert_int_equal(dp_neigh_create(64, &n), 0);
	assert_int_equal(dp_neigh_learn6(n, a, mac_a, 1, 1000, 60000), 1);
	assert_int_equal(dp_neigh_learn6(n, a, mac_a, 1, 2000, 60000), 0);
	assert_int_equal(dp_neigh_lookup6(n, a, mac, &port), 0);
	assert_memory_equal(mac, mac_a, 6);
	assert_int_equal(port, 1);
	memcpy(b, a, 16);
	b[15] = 0x12;
	assert_int_equal(dp_neigh_lookup6(n, b, mac, NULL), -ENOENT);
	assert_int_equal(dp_neigh_lookup(n, dp_ip6_handle(a), mac, NULL), -ENOENT);
	assert_false(dp_neigh_has(n, dp_ip6_handle(a)));
	/* an IPv4 entry with the handle's value does not answer for it */
	assert_int_equal(dp_neigh_learn(n, dp_ip6_handle(a), mac_a, 1, 2000, 60000), 1);
	assert_int_equal(dp_neigh_lookup6(n, b, mac, NULL), -ENOENT);
	assert_int_equal(n->count, 2);
	for (uint64_t t = 50000; t < 62000; t += 1000)
		dp_neigh_age(n, t, 15000, 3, probe, &probes);
	assert_int_equal(probes, 6);
	assert_int_equal(dp_neigh_age(n, 63000, 15000, 3, probe, &probes), 2);
	assert_int_equal(dp_neigh_lookup6(n, a, mac, NULL), -ENOENT);
	dp_neigh_destroy(n);
}

static void test_neigh_learn_lookup_age(void **state)
{
	struct dp_neigh *n;
	uint8_t mac[6];
	uint16_t port;
	unsigned probes = 0;

	(void)state;
	assert_int_equal(dp_neigh_create(64, &n), 0);
	assert_int_equal(dp_neigh_lookup(n, htonl(0x0a010001), mac, &port), -ENOENT);
	assert_int_equal(dp_neigh_learn(n, htonl(0x0a010001), mac_a, 1, 1000, 60000), 1);
	assert_int_equal(dp_neigh_lookup(n, htonl(0x0a010001), mac, &port), 0);
	assert_memory_equal(mac, mac_a, 6);
	assert_int_equal(port, 1);
	/* a refresh is no change; a new MAC is */
	assert_int_equal(dp_neigh_learn(n, htonl(0x0a010001), mac_a, 1, 2000, 60000), 0);
	assert_int_equal(dp_neigh_learn(n, htonl(0x0a010001), mac_b, 1, 3000, 60000), 1);
	assert_int_equal(dp_neigh_lookup(n, htonl(0x0a010001), mac, NULL), 0);
	assert_memory_equal(mac, mac_b, 6);

	/* probed in the last 15 s of life, at most 3 times, then gone */
	assert_int_equal(dp_neigh_age(n, 40000, 15000, 3, probe, &probes), 0);
	assert_int_equal(probes, 0);
	for (uint64_t t = 50000; t < 63000; t += 1000)
		dp_neigh_age(n, t, 15000, 3, probe, &probes);
	assert_int_equal(probes, 3);
	assert_int_equal(dp_neigh_age(n, 63000, 15000, 3, probe, &probes), 1);
	assert_int_equal(dp_neigh_lookup(n, htonl(0x0a010001), mac, NULL), -ENOENT);
	assert_int_equal(n->count, 0);
	dp_neigh_destroy(n);
}

static void test_neigh_full_bucket_evicts_oldest(void **state)
{
	struct dp_neigh *n;
	uint8_t mac[6];
	uint32_t same_bucket[DP_NEIGH_WAYS + 1];
	unsigned k = 0;

	(void)state;
	assert_int_equal(dp_neigh_create(16, &n), 0);
	/* find five addresses that share a bucket */
	for (uint32_t ip = 1; k < DP_NEIGH_WAYS + 1; ip++)
		if (dp_neigh_bucket(n, htonl(ip)) == dp_neigh_bucket(n, htonl(1)))
			same_bucket[k++] = htonl(ip);
	for (unsigned i = 0; i < DP_NEIGH_WAYS; i++)
		dp_neigh_learn(n, same_bucket[i], mac_a, 0, 100 * i, 1000);
	dp_neigh_learn(n, same_bucket[DP_NEIGH_WAYS], mac_b, 0, 1000, 1000);
	/* the one expiring first (learnt first) made room */
	assert_int_equal(dp_neigh_lookup(n, same_bucket[0], mac, NULL), -ENOENT);
	for (unsigned i = 1; i <= DP_NEIGH_WAYS; i++)
		assert_int_equal(dp_neigh_lookup(n, same_bucket[i], mac, NULL), 0);
	dp_neigh_flush_port(n, 0);
	assert_int_equal(n->count, 0);
	dp_neigh_destroy(n);
}

/* Hosts of one subnet differ in the address's last byte: they must spread
 * over the buckets, not evict each other. */
static void test_neigh_subnet_fits(void **state)
{
	struct dp_neigh *n;
	uint8_t mac[6];

	(void)state;
	assert_int_equal(dp_neigh_create(4096, &n), 0);
	for (uint32_t h = 1; h < 255; h++)
		dp_neigh_learn(n, htonl(0x0a000100 + h), mac_a, 0, 0, 1000);
	for (uint32_t h = 1; h < 255; h++)
		assert_int_equal(dp_neigh_lookup(n, htonl(0x0a000100 + h), mac, NULL), 0);
	assert_int_equal(n->count, 254);
	dp_neigh_destroy(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neigh6),
		cmocka_unit_test(test_request_reply_roundtrip),
		cmocka_unit_test(test_reply_within_request),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_neigh_learn_lookup_age),
		cmocka_unit_test(test_neigh_full_bucket_evicts_oldest),
		cmocka_unit_test(test_neigh_subnet_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
