/* mgw — embedded OSPFv2 speaker (RFC 2328) that announces prefixes.
 *
 * mgw announces its VIPs and local IPs as stub links in its router-LSA so
 * that the upstream router spreads traffic over several mgw nodes by ECMP.
 * It keeps a minimal link-state database (database exchange and flooding
 * must work), but installs no routes: it only announces.
 *
 * Interfaces: point-to-point, and broadcast as a priority-0 router (never
 * DR or BDR). One area, no virtual links. Per interface: no authentication
 * (AuType 0) or cryptographic authentication (AuType 2) with one key,
 * keyed MD5 (RFC 2328 D.3) or HMAC-SHA (RFC 5709); and on point-to-point
 * links TTL security (GTSM, RFC 5082).
 *
 * Every address and integer in this API is in host byte order.
 */
#ifndef MGW_OSPF_H
#define MGW_OSPF_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#define OSPF_IF_PTP   1
#define OSPF_IF_BCAST 2

#define OSPF_MAX_IFACES 8

/* ospf_iface_conf.auth */
#define OSPF_AUTH_NONE        0
#define OSPF_AUTH_MD5         1   /* RFC 2328 D.4.3, 16-byte digest */
#define OSPF_AUTH_HMAC_SHA1   2   /* RFC 5709, 20 */
#define OSPF_AUTH_HMAC_SHA256 3   /* 32 */
#define OSPF_AUTH_HMAC_SHA384 4   /* 48 */
#define OSPF_AUTH_HMAC_SHA512 5   /* 64 */
#define OSPF_AUTH_TYPES       6
#define OSPF_AUTH_KEY_MAX     64

struct ospf_iface_conf {
	char ifname[16];
	uint32_t addr;       /* this router's address on the interface */
	uint8_t plen;        /* its prefix length (the p2p / LAN subnet) */
	uint16_t mtu;        /* 0: ospf_start() reads the interface's MTU */
	uint8_t type;        /* OSPF_IF_PTP or OSPF_IF_BCAST */
	uint16_t hello_s, dead_s, cost;
	uint16_t rxmt_s;     /* RxmtInterval; 0 means 5 s */
	uint8_t auth;        /* OSPF_AUTH_* */
	uint8_t key_id;      /* the Key ID sent and the only one accepted */
	uint8_t key_len;     /* 1..16 for MD5, 1..the digest length for HMAC */
	uint8_t key[OSPF_AUTH_KEY_MAX];
	bool ttl_security;   /* send TTL 255, accept only 255 (point-to-point only) */
};

struct ospf_conf {
	uint32_t router_id, area;
	unsigned n_ifaces;
	struct ospf_iface_conf ifaces[OSPF_MAX_IFACES];
	/* The first cryptographic sequence number; they follow it by one a
	 * second of run time and never go back (0: ospf_create() takes the
	 * wall clock's seconds, so a restarted speaker starts above what it
	 * sent before, which its neighbours may still remember). */
	uint32_t auth_seq0;
	/* called first thing in the speaker's thread (mgw: the crash
	 * handler's alternate signal stack); NULL for none */
	int (*thread_init)(void);
};

struct ospf_prefix {
	uint32_t addr;       /* host bits must be zero */
	uint8_t plen;
	uint16_t cost;       /* the stub link's metric */
};

struct ospf;

/* Validates the configuration (errmsg, if given, gets the reason); no I/O. */
int ospf_create(const struct ospf_conf *c, struct ospf **out);
int ospf_create_err(const struct ospf_conf *c, struct ospf **out,
		    char *errmsg, size_t errlen);

/* Opens a raw IP socket (protocol 89) per interface, bound to it with
 * SO_BINDTODEVICE, joined to 224.0.0.5, TTL 1, DSCP CS6, and starts the
 * speaker's thread. */
int ospf_start(struct ospf *o);

/* Replaces the announced set (n = 0 withdraws all). Thread-safe. Takes
 * effect at once: the router-LSA is re-originated now, or as soon as
 * MinLSInterval allows. Duplicate prefixes keep the lowest cost.
 * -EINVAL for a bad prefix, -E2BIG if the router-LSA would not fit in one
 * packet on the smallest-MTU interface. */
int ospf_announce(struct ospf *o, const struct ospf_prefix *p, unsigned n);

/* Interfaces, neighbours, announced prefixes, LSDB size, counters and
 * drops by reason, as a new jansson object. Thread-safe. */
int ospf_status_json(struct ospf *o, json_t **out);

/* A counter the speaker's thread bumps on every loop (at least every
 * 100 ms), for the self-check. */
uint64_t ospf_heartbeat(struct ospf *o);

/* Flushes the own router-LSA (MaxAge), waits up to 1 s for the
 * acknowledgements, tells the neighbours it is gone, then joins the
 * thread and closes the sockets. Idempotent. */
void ospf_stop(struct ospf *o);

void ospf_destroy(struct ospf *o);

#endif
