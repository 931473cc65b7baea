/* dp/tcp.h — the TCP connection tracking state machine of a session, in the
 * manner of IPVS: the balancer sees both directions of a connection and
 * follows it through its life, so that each state can have its own timeout.
 *
 * Directions: IN is client → server (towards the VIP), OUT is server →
 * client (towards the local IP). The whole machine is the table in tcp.c. */
#ifndef MGW_DP_TCP_H
#define MGW_DP_TCP_H

#include <stdint.h>

enum dp_tcp_state {
	DP_TCP_NONE = 0,
	DP_TCP_SYN_RECV,     /* the client's SYN went to the server */
	DP_TCP_SYN_SENT,     /* a SYN came from the server side first */
	DP_TCP_ESTABLISHED,  /* handshake completed */
	DP_TCP_FIN_WAIT,     /* the client sent FIN; the server has not yet */
	DP_TCP_CLOSE_WAIT,   /* the server sent FIN; the client has not yet */
	DP_TCP_LAST_ACK,     /* both sent FIN; the server's is unacknowledged */
	DP_TCP_TIME_WAIT,    /* both sides closed: linger for stray packets */
	DP_TCP_CLOSE,        /* reset or aborted */
	DP_TCP_STATE_MAX
};

enum dp_tcp_event {
	DP_TCP_EV_SYN = 0,   /* SYN without ACK */
	DP_TCP_EV_SYNACK,
	DP_TCP_EV_FIN,       /* FIN (with or without ACK) */
	DP_TCP_EV_ACK,       /* anything else carrying ACK */
	DP_TCP_EV_RST,
	DP_TCP_EV_MAX
};

enum dp_dir { DP_DIR_IN = 0, DP_DIR_OUT = 1 };

/* UDP sessions use one pseudo-state so timeouts index the same table. */
#define DP_UDP_STATE DP_TCP_STATE_MAX
#define DP_TIMEOUT_MAX (DP_TCP_STATE_MAX + 1)

extern const char *const dp_tcp_state_names[DP_TIMEOUT_MAX];

static inline enum dp_tcp_event dp_tcp_event(uint8_t flags)
{
	if (flags & 0x04)
		return DP_TCP_EV_RST;
	if (flags & 0x02)
		return (flags & 0x10) ? DP_TCP_EV_SYNACK : DP_TCP_EV_SYN;
	if (flags & 0x01)
		return DP_TCP_EV_FIN;
	return DP_TCP_EV_ACK;
}

/* The machine, in tcp.c: [direction][event][state] → next state. */
extern const uint8_t dp_tcp_next_table[2][DP_TCP_EV_MAX][DP_TCP_STATE_MAX];

/* Next state for an event seen in a direction (inline: every TCP packet
 * of a session goes through it). */
static inline uint8_t dp_tcp_next(uint8_t state, enum dp_dir dir, enum dp_tcp_event ev)
{
	if (state >= DP_TCP_STATE_MAX || ev >= DP_TCP_EV_MAX || (dir != DP_DIR_IN && dir != DP_DIR_OUT))
		return DP_TCP_CLOSE;
	return dp_tcp_next_table[dir][ev][state];
}

/* The input-only machine of DR and TUNNEL sessions, in tcp.c: the server
 * answers the client directly, so only the client's packets are ever seen
 * (IPVS's "input only" idea). [event][state] → next state. */
extern const uint8_t dp_tcp_oneway_table[DP_TCP_EV_MAX][DP_TCP_STATE_MAX];

static inline uint8_t dp_tcp_next_oneway(uint8_t state, enum dp_tcp_event ev)
{
	if (state >= DP_TCP_STATE_MAX || ev >= DP_TCP_EV_MAX)
		return DP_TCP_CLOSE;
	return dp_tcp_oneway_table[ev][state];
}

/* Is a connection in this state still open (counts as an active connection;
 * a server being drained is "drained" only when none is)? */
static inline int dp_tcp_state_open(uint8_t state)
{
	return state != DP_TCP_TIME_WAIT && state != DP_TCP_CLOSE && state != DP_TCP_NONE;
}

/* Does a connection in this state count against a service's max_conns?
 * Established and not yet closed, or UDP: a flood of SYNs (embryonic) or
 * what lingers after a close (TIME_WAIT) does not take a real client's
 * place. */
static inline int dp_tcp_state_conn(uint8_t state)
{
	return state == DP_TCP_ESTABLISHED || state == DP_TCP_FIN_WAIT ||
	       state == DP_TCP_CLOSE_WAIT || state == DP_TCP_LAST_ACK || state == DP_UDP_STATE;
}

#endif
