/* dp/seq.h — a TCP session's sequence-space translation: the one mechanism
 * behind the PROXY protocol header (the client's byte stream gains a
 * prefix), TOA (options inserted) and the SYN proxy (mgw chose the ISN and
 * the timestamp clock the client sees, the server chose its own).
 *
 * Two spaces: the client's (what the client sends and sees) and the
 * server's (what the server sends and sees). A session's cold half
 * (struct dp_sess_x, dp/sess.h) says how they differ:
 *   isn       A, the client's ISN + 1: where the client's first byte sits
 *             (a PROXY header goes there, in front of it);
 *   seq_in    L, the PROXY header's length: client byte A+k is server
 *             byte A+L+k;
 *   seq_out   SYN proxy: client-space seq of a server byte minus its
 *             server-space seq (our ISN towards the client − the server's
 *             ISN); while DP_SEQ_X_SP_WAIT, our ISN itself;
 *   ts_delta  SYN proxy: client-space TSval minus the server's; while
 *             DP_SEQ_X_SP_WAIT, the TSval our SYN-ACK carried;
 *   wscale    SYN proxy, server → client windows: (w << low nibble) >>
 *             high nibble (DP_SEQ_X_WIN); while DP_SEQ_X_SP_WAIT, the
 *             client's window scale (15: none). xflags' top nibble: the
 *             client's scale, by which its windows grow on the way to a
 *             server that does not scale (DP_SEQ_X_WIN_IN).
 * Client → server: seq + L past A, ack − seq_out, SACK − seq_out, TSecr −
 * ts_delta. Server → client: seq + seq_out, ack and SACK − L (an ack
 * inside the header acknowledges none of the client's bytes: A), TSval +
 * ts_delta. All arithmetic is modulo 2^32 (wrap-safe comparisons), and
 * every change updates the TCP checksum incrementally (RFC 1624).
 *
 * Pure functions over bytes: no mbuf, no EAL (the unit tests recompute
 * every checksum whole). */
#ifndef MGW_DP_SEQ_H
#define MGW_DP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/pkt.h"
#include "dp/sess.h"

/* xflags of struct dp_sess_x */
#define DP_SEQ_X_HDR        0x0001  /* a PROXY header goes before the client's first byte */
#define DP_SEQ_X_HDR_V2     0x0002  /* ... version 2 (binary), else version 1 (text) */
#define DP_SEQ_X_ON_CONNECT 0x0004  /* ... right after the handshake (server speaks first) */
#define DP_SEQ_X_HDR_ACKED  0x0008  /* the server acknowledged the header */
#define DP_SEQ_X_TOA        0x0010  /* TOA on the SYN and the segments at A */
#define DP_SEQ_X_SP         0x0020  /* SYN proxy: seq_out (and ts_delta, windows) translate */
#define DP_SEQ_X_SP_WAIT    0x0040  /* SYN proxy: the server's SYN-ACK has not come yet */
#define DP_SEQ_X_TS         0x0080  /* SYN proxy: timestamps on, TSval/TSecr translate */
#define DP_SEQ_X_WIN        0x0100  /* SYN proxy: server windows translate (dp_sess_x.wscale) */
#define DP_SEQ_X_UDP        0x0200  /* UDP: a PROXY v2 header before every datagram */
#define DP_SEQ_X_WIN_IN     0x0400  /* SYN proxy: client windows translate (<< the top nibble) */
#define DP_SEQ_X_TOA6       0x0800  /* ... the TOA is IPv6's (20 bytes, dp/toa.h) */
#define DP_SEQ_X_INSHIFT(xf)  ((unsigned)(xf) >> 12)     /* SYN proxy: the client's window scale */
#define DP_SEQ_X_SET_INSHIFT(xf, s) ((uint16_t)(((xf) & 0x0fff) | ((unsigned)(s) & 0xf) << 12))
#define DP_SEQ_WS(l, r)     ((uint8_t)(((l) & 0xf) | ((r) & 0xf) << 4))

/* TCP option kinds */
#define DP_TCPOPT_EOL     0
#define DP_TCPOPT_NOP     1
#define DP_TCPOPT_MSS     2
#define DP_TCPOPT_WS      3
#define DP_TCPOPT_SACKOK  4
#define DP_TCPOPT_SACK    5
#define DP_TCPOPT_TS      8
#define DP_TCPOPT_TOA     254
#define DP_TCP_MAX_OPT    40

/* Where a segment's options sit: offsets from the TCP header's start of
 * each option's kind byte, 0 when absent. */
struct dp_tcp_opts {
	uint8_t mss, ws, sackok, sack, ts, toa;
	uint8_t sack_n;     /* SACK blocks */
	uint8_t end;        /* where the options stop: an EOL, or the header's end */
};

static inline bool dp_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool dp_seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* Parse the options of the TCP header at tcp (hlen bytes, 20..60). A
 * malformed option (length < 2, or past the header) stops the walk, as in
 * the receivers: -EBADMSG, with what came before it filled in. */
int dp_seq_opts(const uint8_t *tcp, uint32_t hlen, struct dp_tcp_opts *o);

/* A server-space position in the client's stream, in the client's space
 * (acks and SACK edges of the server): − L past the header, A inside it. */
static inline uint32_t dp_seq_hdr_back(const struct dp_sess_x *x, uint32_t v)
{
	if (!(x->xflags & DP_SEQ_X_HDR) || dp_seq_lt(v, x->isn))
		return v;
	if (dp_seq_lt(v, x->isn + (uint32_t)x->seq_in))
		return x->isn;
	return v - (uint32_t)x->seq_in;
}

/* A client ack (client space) in the server's space, and back: what the
 * window tracking of a SYN-proxied session compares with the server's own
 * sequence numbers. */
static inline uint32_t dp_seq_ack_to_server(const struct dp_sess_x *x, uint32_t ack)
{
	return (x->xflags & DP_SEQ_X_SP) && !(x->xflags & DP_SEQ_X_SP_WAIT)
		       ? ack - (uint32_t)x->seq_out : ack;
}

/* Does this client segment (seq, payload bytes, flags) carry the PROXY
 * header in front of its payload? The segment at A that first occupies
 * sequence space (data or FIN), and its retransmissions; for on_connect
 * also the handshake's ACK at A; never once the server has acknowledged
 * the header (retransmissions are then shifted like the rest). */
static inline bool dp_seq_hdr_here(const struct dp_sess_x *x, uint32_t seq, uint32_t paylen,
				   uint8_t flags)
{
	uint16_t xf = x->xflags;

	if (!(xf & DP_SEQ_X_HDR) || (xf & DP_SEQ_X_HDR_ACKED) || seq != x->isn ||
	    (flags & (DP_TCP_SYN | DP_TCP_RST)))
		return false;
	return paylen > 0 || (flags & DP_TCP_FIN) || ((xf & DP_SEQ_X_ON_CONNECT) && (flags & DP_TCP_ACK));
}

/* How a client segment at A stands to the PROXY header. */
enum dp_seq_hdr {
	DP_SEQ_HDR_RULES = 0,   /* by the rules above */
	DP_SEQ_HDR_IN_FRONT,    /* the header was just put in front of its payload: seq stays A */
	DP_SEQ_HDR_BEFORE,      /* the header went in a segment of its own before it: shifted */
};

/* Translate a client → server segment in place: the TCP header at tcp,
 * hlen bytes of it. The checksum follows. */
void dp_seq_in(uint8_t *tcp, uint32_t hlen, const struct dp_sess_x *x, enum dp_seq_hdr hdr);

/* Set a segment's seq, ack and flags (host order), checksum updated: the
 * resets and handshake segments the SYN proxy turns around. */
void dp_seq_rewrite(uint8_t *tcp, uint32_t seq, uint32_t ack, uint8_t flags);

/* Overwrite n bytes at tcp + off (any offset), checksum updated. */
void dp_seq_patch(uint8_t *tcp, uint32_t off, const void *v, uint32_t n);

/* Translate a server → client segment in place. Sets DP_SEQ_X_HDR_ACKED
 * when the server's ack passes the header; returns true when x changed
 * (the session's sync record must go out). */
bool dp_seq_out(uint8_t *tcp, uint32_t hlen, struct dp_sess_x *x);

/* Bytes a client's data segment may grow by on its way to the server:
 * what the server's MSS, as the client learns it, must leave room for. */
static inline uint16_t dp_seq_room(const struct dp_sess_x *x)
{
	uint16_t r = 0;

	if ((x->xflags & (DP_SEQ_X_HDR | DP_SEQ_X_ON_CONNECT)) == DP_SEQ_X_HDR)
		r = (uint16_t)x->seq_in;
	if (x->xflags & DP_SEQ_X_TOA)
		r = (uint16_t)(r + (x->xflags & DP_SEQ_X_TOA6 ? 20 : 8));
	return r;
}

/* Lower the MSS option of a SYN or SYN-ACK by room bytes (not below 536);
 * checksum updated. False when the segment has no MSS option. */
bool dp_seq_mss_sub(uint8_t *tcp, uint32_t hlen, uint16_t room);

/* Grow a TCP or UDP packet by n bytes inserted at offset `at` of its L4
 * header (at = the header's length: in front of the payload; TCP with
 * opt: among the options, the data offset grows by n / 4, n a multiple of
 * 4). f is the frame's new start, n bytes before its old one (the caller
 * made the room): the bytes before the insertion point (Ethernet, IPv4,
 * the L4 header up to at) move down by n and the payload stays where it
 * is. IPv4 total length and checksum, the UDP length and the L4 checksum
 * are updated incrementally — the payload is never read, so a segment that
 * arrived corrupt stays corrupt. p follows. -EINVAL when the result would
 * not be a valid packet. */
int dp_seq_grow(uint8_t *f, struct dp_pkt *p, uint32_t at, const uint8_t *ins, uint32_t n,
		bool opt);

#endif
