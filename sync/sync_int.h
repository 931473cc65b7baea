/* sync/sync_int.h — the sync thread's state, shared by its files (sync.c:
 * the thread, socket and lcore rings; peer.c: what goes to and comes from
 * each peer; join.c: joining, bulks and the markers' checks; status.c:
 * GET /cluster). Not for use outside sync/. */
#ifndef MGW_SYNC_SYNC_INT_H
#define MGW_SYNC_SYNC_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>

#include "cp/config.h"
#include "cp/cp.h"
#include "dp/dp.h"
#include "dp/sync_ev.h"
#include "sync/stream.h"
#include "sync/sync.h"
#include "sync/wire.h"

extern int mgw_logtype_sync;
#define SYNC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, mgw_logtype_sync, "sync: " fmt "\n", ##__VA_ARGS__)

#define SYNC_TX_SLOTS    4096      /* datagrams unacknowledged per peer */
#define SYNC_RX_SLOTS    1024      /* datagrams held out of order per peer */
#define SYNC_QUEUE       65536     /* items waiting to be packed, per peer */
#define SYNC_PEND        65536     /* records waiting for an lcore's in ring */
#define SYNC_RTO_MS      200
#define SYNC_RESEND_GAP_MS 20
#define SYNC_ACK_MS      5         /* an acknowledgement at most this late */
#define SYNC_RX_BATCH    64        /* datagrams a recvmmsg */

enum sync_peer_state { SYNC_PEER_DOWN = 0, SYNC_PEER_JOINING, SYNC_PEER_UP };

/* A bulk this node asked of a peer: the whole table (lcore -1, a join or a
 * resync) or one of its lcores' slices (anti-entropy). */
struct sync_pull {
	bool active;
	bool sweeping;            /* FINISH matched: removing what it did not refresh */
	uint16_t id;
	int32_t lcore;
	uint64_t start_ms;
	uint64_t count, digest;   /* records of this bulk received */
	unsigned swept;           /* lcores done sweeping */
	uint64_t removed;
};

/* A bulk a peer asked of this node. */
struct sync_push {
	bool active;
	uint16_t id;
	int32_t lcore;
	unsigned ends;            /* lcores done */
	uint64_t count, digest;
};

/* The anti-entropy check of one of a peer's lcores. */
struct sync_ae {
	bool pending;
	uint32_t seq;
	uint64_t want_count, want_hash;
	unsigned replies;
	uint64_t count, hash;
	unsigned mismatches;      /* in a row */
	uint64_t not_before_ms;   /* next slice resync allowed */
	uint32_t backoff_ms;
};

struct sync_peer {
	unsigned slot;            /* its index in sync.peers = the data plane's peer slot */
	uint32_t id;
	uint32_t ip;              /* host order */
	unsigned n_lips;
	uint32_t lips[CP_MAX_LIPS];   /* network order; an IPv6 one's handle (dp/addr6.h) */
	uint8_t lips6[CP_MAX_LIPS][16];   /* lips[i] a handle: its address */
	char name[32];            /* "peer 2 (10.1.0.3)" */

	int state;                /* enum sync_peer_state */
	bool heard;               /* since it last went down */
	uint64_t last_heard_ms, down_since_ms;
	uint64_t epoch;           /* its boot epoch */
	uint64_t ctl_seq;         /* the last control message taken (replay) */
	uint32_t node_state;      /* what it says it is (cp's enum) */
	bool joined;              /* it holds every table: its local IPs go back to it */
	uint64_t config_digest;
	uint32_t lcores;
	bool synced;              /* a whole bulk from it arrived since it (or we) started */

	struct sync_tx tx;        /* our stream to it */
	struct sync_item *q;      /* waiting to be packed */
	unsigned q_head, q_n;
	struct sync_rx rx;        /* its stream to us */
	uint64_t peer_next_seq;   /* its next sequence number, as its heartbeat said */
	bool ack_due;
	uint64_t last_ack_ms, last_ctl_ms;

	struct sync_pull pull;
	struct sync_push push;
	struct sync_ae ae[DP_MAX_LCORES];

	/* last bulk from it */
	uint64_t last_bulk_records, last_bulk_ms;
	const char *last_bulk_result;

	/* the local IPs it answers ARP for, as its last control message said */
	unsigned n_holds;
	struct { uint32_t ip, owner; } holds[SYNC_MAX_LIPHOLD];

	/* counters */
	uint64_t records_sent, records_received, datagrams_sent, datagrams_received;
	uint64_t queue_lost, resets_sent, resyncs, ae_checks, ae_mismatches, digest_mismatches;
	uint64_t refused[SYNC_REFUSE_MAX];
};

/* Records waiting for room in one lcore's in ring, in order. */
struct sync_pend {
	struct dp_sync_rec *r;
	unsigned head, n;
	uint64_t lost;
};

/* failover.c: one local IP of the cluster, as this node sees it. */
enum sync_lip_state { SYNC_LIP_IDLE = 0, SYNC_LIP_PROBING, SYNC_LIP_HELD, SYNC_LIP_RELEASED };
#define SYNC_LIP_MAX CP_MAX_LIP_HOLDS

struct sync_lip {
	uint32_t ip;              /* network order; IPv6: ip6's handle (dp/addr6.h), the key
				   * the data plane and the peers' lists know it by */
	bool v6;
	uint8_t ip6[16];
	uint32_t owner;           /* node id whose local IP it is */
	int owner_slot;           /* its peer slot; -1: this node */
	int port;                 /* port index its ARP goes through; -1: none */
	int state;                /* enum sync_lip_state */
	bool probed_twice;
	uint64_t since_ms;        /* in this state since */
	uint64_t held_since_ms;
	uint64_t retry_ms;        /* no probe before (after an answered one) */
	unsigned garps;           /* announcements (gratuitous ARP; IPv6: unsolicited NA)
				   * sent since it was claimed */
};

struct sync_fo {
	unsigned n;
	struct sync_lip lip[SYNC_LIP_MAX];
	int arp_fd[CP_MAX_PORTS];
	uint8_t mac[CP_MAX_PORTS][6];
	uint32_t port_ip[CP_MAX_PORTS];   /* host order */
	bool has_ip6[CP_MAX_PORTS];
	uint8_t port_ip6[CP_MAX_PORTS][16];
	bool dirty;               /* the list the data plane has is out of date */
	bool releasing;           /* stopping: let every address go */
	bool joined;              /* every peer's table is here: take the own addresses */
	uint64_t joined_ms;
	bool node_adopted[CP_SYNC_MAX_PEERS];
	uint64_t claims, releases, handbacks, probes, probe_answers, garps, nas, send_errors;
	uint64_t adopted, handed_back;
};

struct sync {
	struct cp *cp;
	struct dp *dp;
	struct cp_sync_conf conf;
	uint32_t node_id;
	uint64_t epoch;           /* this boot's: wall-clock ms at start, never less than before */
	struct sync_key key;
	struct sync_scratch *sc;
	int fd, ep, tfd;
	uint32_t my_ip;           /* host order: the sync port's address */
	unsigned n_lcores;

	pthread_t th;
	bool th_started;
	volatile int stop;
	pthread_mutex_t mu;       /* the thread's state, against the API's reads */
	uint64_t loops;           /* heartbeat for the self-check */

	unsigned n_peers;
	struct sync_peer peer[CP_SYNC_MAX_PEERS];
	struct sync_pend pend[DP_MAX_LCORES];

	uint64_t ctl_seq;
	uint16_t next_bulk_id;
	uint64_t config_digest, config_gen;
	uint64_t last_hb_ms;

	/* joining (pre-online) */
	bool joining;
	uint64_t join_start_ms;
	bool force_online;
	char force_who[64];

	struct sync_fo fo;

	uint8_t rxbuf[SYNC_RX_BATCH][SYNC_MAX_DGRAM + 1];

	/* counters */
	uint64_t refused_unknown[SYNC_REFUSE_MAX];   /* from no known peer */
	uint64_t lcore_records, send_errors;
};

/* sync.c */
uint64_t sync_now_ms(void);
/* Queue a record for lcore idx (in order; kept when its ring is full). */
void sync_to_lcore(struct sync *s, unsigned idx, const struct dp_sync_rec *r);
void sync_to_all_lcores(struct sync *s, const struct dp_sync_rec *r);
int sync_send(struct sync *s, struct sync_peer *p, const uint8_t *d, size_t len);

/* peer.c */
void sync_peer_rx(struct sync *s, const uint8_t *d, size_t len, uint32_t src_ip, uint64_t now);
void sync_peer_from_lcore(struct sync *s, const struct dp_sync_rec *r, uint64_t now);
void sync_peer_flush(struct sync *s, struct sync_peer *p, uint64_t now);
void sync_peer_control(struct sync *s, struct sync_peer *p, uint64_t now);
void sync_peer_timers(struct sync *s, uint64_t now);
bool sync_peer_queue_room(const struct sync *s);
void sync_peer_queue(struct sync *s, struct sync_peer *p, const struct sync_item *it);
void sync_peer_went_down(struct sync *s, struct sync_peer *p, const char *why);

/* join.c */
void sync_join_tick(struct sync *s, uint64_t now);
void sync_pull_start(struct sync *s, struct sync_peer *p, int32_t lcore, uint64_t now);
void sync_pull_record(struct sync *s, struct sync_peer *p, const struct dp_sync_rec *r);
void sync_pull_finish(struct sync *s, struct sync_peer *p, const struct sync_finish *f,
		      uint64_t now);
void sync_pull_swept(struct sync *s, const struct dp_sync_rec *r, uint64_t now);
void sync_push_request(struct sync *s, struct sync_peer *p, const struct sync_bulkreq *b);
void sync_push_end(struct sync *s, const struct dp_sync_rec *r);
void sync_ae_marker(struct sync *s, struct sync_peer *p, const struct dp_sync_rec *m,
		    uint64_t now);
void sync_ae_reply(struct sync *s, const struct dp_sync_rec *r, uint64_t now);

/* failover.c */
int sync_fo_init(struct sync *s, const struct cp_config *c, int sync_port);
void sync_fo_free(struct sync *s);
void sync_fo_tick(struct sync *s, uint64_t now);
/* The addresses for the data plane (cp_lips_set); clears dirty. */
unsigned sync_fo_list(struct sync *s, struct cp_lip_hold *out, unsigned max);
/* What this node answers for, for its control messages. */
unsigned sync_fo_holds(const struct sync *s, struct sync_liphold *out, unsigned max);
void sync_fo_heard_holds(struct sync_peer *p, const struct sync_liphold *h, unsigned n);
/* May p send FULLNAT sessions on lip (its own, or one it holds)? */
bool sync_fo_lip_allowed(const struct sync *s, const struct sync_peer *p, uint32_t lip);
void sync_fo_walked(struct sync *s, const struct dp_sync_rec *r);
/* Stopping: every address let go and taken by an heir (or none alive). */
bool sync_fo_released(struct sync *s);
/* Joining: every own address held (the node may go online). */
bool sync_fo_own_held(const struct sync *s);
json_t *sync_fo_json(const struct sync *s);

/* status.c */
json_t *sync_status_json(void *arg);

#endif
