/* sync/stream.h — one ordered, reliable stream of datagrams from a node to
 * one peer, per boot epoch: sequence numbers, cumulative ACKs with NACK
 * ranges, a bounded retransmit buffer at the sender, a bounded reorder
 * window at the receiver. Pure: time is passed in, nothing is sent here
 * (sync.c frames and sends what these say).
 *
 * A stream is (epoch, generation). The sender starts a new generation
 * (sync_tx_reset) when it cannot keep its promise: its buffer overflowed
 * (the peer fell too far behind) or the peer was declared dead. The
 * receiver seeing a newer generation or epoch starts afresh and must
 * resync that sender's sessions (a bulk): whatever it missed is gone. */
#ifndef MGW_SYNC_STREAM_H
#define MGW_SYNC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/wire.h"

struct sync_tx_slot {
	uint64_t seq;             /* 0 = empty */
	uint64_t sent_ms;         /* last (re)transmission */
	uint16_t len;
	uint8_t data[SYNC_MAX_PAYLOAD];
};

struct sync_tx {
	uint32_t gen;             /* starts at 1 */
	uint64_t next;            /* the next sequence number (starts at 1) */
	uint64_t acked;           /* every seq <= acked has arrived */
	uint32_t cap;             /* slots, a power of two */
	struct sync_tx_slot *slot;
	uint64_t sent, retransmits, resets;
};

int sync_tx_init(struct sync_tx *t, uint32_t cap);
void sync_tx_free(struct sync_tx *t);
/* No room for another datagram until the peer acknowledges. */
bool sync_tx_full(const struct sync_tx *t);
/* Keep a payload under the next sequence number (which it returns); the
 * caller sends it. Only when !sync_tx_full. */
uint64_t sync_tx_push(struct sync_tx *t, const uint8_t *data, size_t len, uint64_t now_ms);
/* The payload of seq if it is still unacknowledged, else NULL. */
const struct sync_tx_slot *sync_tx_get(const struct sync_tx *t, uint64_t seq);
/* Start a new generation: forget everything buffered. */
void sync_tx_reset(struct sync_tx *t);
/* The peer's acknowledgement of generation gen: everything up to cum
 * arrived, nacks[] are missing. Fills resend[] with sequence numbers to
 * send again (each at most once per gap_ms) and returns how many. */
unsigned sync_tx_ack(struct sync_tx *t, uint32_t gen, uint64_t cum, const struct sync_nack *nacks,
		     unsigned n_nacks, uint64_t now_ms, uint64_t gap_ms, uint64_t *resend,
		     unsigned max);
/* Nothing acknowledged for rto_ms after the oldest unacked datagram was
 * sent: send it again (a lost tail has no NACK to tell). */
unsigned sync_tx_timeouts(struct sync_tx *t, uint64_t now_ms, uint64_t rto_ms, uint64_t *resend,
			  unsigned max);

struct sync_rx_slot {
	uint64_t seq;             /* 0 = empty */
	uint16_t len;
	uint8_t data[SYNC_MAX_PAYLOAD];
};

struct sync_rx {
	bool started;
	uint64_t epoch;
	uint32_t gen;
	uint64_t cum;             /* delivered in order up to here */
	uint64_t high;            /* the highest seq seen */
	uint32_t cap;             /* reorder window, a power of two */
	struct sync_rx_slot *slot;
	uint64_t received, dups, out_of_window, delivered, restarts;
};

enum sync_rx_result {
	SYNC_RX_OK = 0,
	SYNC_RX_NEW,              /* a new epoch or generation: the stream started over (resync) */
	SYNC_RX_DUP,              /* had it already */
	SYNC_RX_OLD,              /* from an older epoch or generation: refused (replay) */
	SYNC_RX_WINDOW,           /* too far ahead: dropped, it will come again */
};

int sync_rx_init(struct sync_rx *r, uint32_t cap);
void sync_rx_free(struct sync_rx *r);
/* Is (epoch, gen) newer than what r follows (a restart of the stream)? */
bool sync_rx_is_new(const struct sync_rx *r, uint64_t epoch, uint32_t gen);
/* Follow (epoch, gen) from its start, forgetting everything. */
void sync_rx_restart(struct sync_rx *r, uint64_t epoch, uint32_t gen);
/* A datagram of the stream. On SYNC_RX_NEW it is kept too. */
enum sync_rx_result sync_rx_accept(struct sync_rx *r, uint64_t epoch, uint32_t gen, uint64_t seq,
				   const uint8_t *data, size_t len);
/* The next payload in order, if it is here: its slot until the next call. */
const struct sync_rx_slot *sync_rx_next(struct sync_rx *r);
/* What is missing above cum, up to max(high, next_seq - 1) (next_seq: the
 * sender's next number as its heartbeat says, 0 if unknown). */
unsigned sync_rx_nacks(const struct sync_rx *r, uint64_t next_seq, struct sync_nack *out,
		       unsigned max);

#endif
