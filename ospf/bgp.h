/* BGP-4 speaker (RFC 4271) that announces mgw's VIPs and local IPs.
 *
 * mgw installs nothing it learns: received UPDATEs are validated and
 * counted, never used. What it announces is one set of prefixes, the same
 * to every peer, each with its own MED. IPv4 addresses are in host byte
 * order, IPv6 ones in network order. Sessions run over IPv4; IPv6 unicast
 * routes ride in them as MP_REACH_NLRI (RFC 4760, 2545) to the peers that
 * negotiated it.
 *
 * Threads: bgp_start() creates one control thread (epoll over the listen
 * socket and the peer sockets, plus timers). bgp_announce(),
 * bgp_status_json() and bgp_heartbeat() may be called from any thread.
 */
#ifndef MGW_BGP_H
#define MGW_BGP_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>

#define BGP_MAX_PEERS     8
#define BGP_PORT          179
#define BGP_MAX_PREFIXES  65536

/* bgp_peer_conf.flags */
#define BGP_PEER_NO_CAPS  0x1	/* OPEN without capabilities (2-octet AS) */

#define BGP_MD5_KEY_MAX   80	/* Linux's TCP_MD5SIG_MAXKEYLEN */

struct bgp_peer_conf {
	uint32_t addr;		/* the peer's address: we connect to it and
				 * accept connections only from it */
	uint32_t as;
	uint16_t port;		/* remote port; 0 means 179 */
	uint16_t flags;		/* BGP_PEER_* */
	/* RFC 2385 TCP-MD5: every segment to and from this peer signed with
	 * this key by the kernel (TCP_MD5SIG); 0 bytes: none */
	uint8_t md5_key_len;
	uint8_t md5_key[BGP_MD5_KEY_MAX];
	/* RFC 5082 GTSM: send with TTL 255, and the kernel drops what comes
	 * with less (IP_MINTTL): only a directly connected peer gets in */
	bool ttl_security;
	/* RFC 2545: the global IPv6 next hop of the v6 routes sent to this
	 * peer (mgw: the ip6 of the port facing it). All zero: none, and then
	 * IPv6 unicast is not offered to this peer and no v6 route goes to it */
	uint8_t next_hop6[16];
};

struct bgp_conf {
	uint32_t local_as;
	uint32_t router_id;	/* BGP Identifier, non-zero unicast address */
	uint16_t hold_s;	/* proposed hold time: 0 (none) or 3..65535 */
	uint16_t listen_port;	/* 0 means 179 */
	uint32_t local_addr;	/* bind address of the sockets, 0 = any */
	uint32_t next_hop;	/* NEXT_HOP, 0 = the local address of each
				 * TCP session */
	unsigned n_peers;
	struct bgp_peer_conf peers[BGP_MAX_PEERS];
	/* called first thing in the speaker's thread (mgw: the crash
	 * handler's alternate signal stack); NULL for none */
	int (*thread_init)(void);
};

struct bgp_prefix {
	uint32_t addr;		/* when !v6 */
	uint8_t plen;		/* 0..32, or 0..128 when v6; host bits are cleared */
	uint32_t med;		/* MULTI_EXIT_DISC sent with this prefix */
	bool v6;		/* IPv6 unicast: addr6 */
	uint8_t addr6[16];
};

struct bgp;

/* Checks c; on error returns -EINVAL and writes "field: reason" to msg
 * (which may be NULL). */
int bgp_conf_validate(const struct bgp_conf *c, char *msg, size_t len);

/* Validates the config and allocates; no I/O. */
int bgp_create(const struct bgp_conf *c, struct bgp **out);

/* Opens the listen socket and starts the thread, which connects to every
 * peer. Returns 0 or -errno (e.g. the listen port is taken, or the kernel
 * has no TCP-MD5 for a peer that needs it). */
int bgp_start(struct bgp *b);

/* Replaces the announced set by p[0..n) (copied; duplicates keep the first
 * occurrence). Every Established peer gets the difference at once:
 * withdrawals, then announcements grouped by family and MED; v6 prefixes
 * only to the peers that negotiated IPv6 unicast. n = 0 withdraws all.
 * Returns 0, -EINVAL (plen > 32, or > 128 for v6) or -E2BIG
 * (n > BGP_MAX_PREFIXES). */
int bgp_announce(struct bgp *b, const struct bgp_prefix *p, unsigned n);

/* A new JSON object: local settings, peers (addr, as, state, since_s,
 * uptime_s, last_error, msgs_in/out, negotiated parameters), the announced
 * prefixes and counters. The caller owns the reference. */
int bgp_status_json(struct bgp *b, json_t **out);

/* A counter the thread bumps on every loop turn (at least every 100 ms). */
uint64_t bgp_heartbeat(const struct bgp *b);

/* Withdraws everything, sends NOTIFICATION Cease (administrative
 * shutdown) to every peer, closes the sockets and joins the thread.
 * Safe to call twice, or without bgp_start(). */
void bgp_stop(struct bgp *b);

/* Stops if needed, then frees. NULL is fine. */
void bgp_destroy(struct bgp *b);

#endif
