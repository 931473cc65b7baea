/* dp/tcpwin.h — TCP sequence sanity: conntrack's minimal window tracking,
 * in 8 bytes of a session's cold half (dp_sess_x.td[2]).
 *
 * Without it a blind attacker ends any connection with one spoofed RST, and
 * a spoofed SYN plus a blind ACK reaches ESTABLISHED (900 s). With it:
 *   - a RST or FIN whose sequence number is outside the window of its
 *     direction is dropped and counted (tcp_out_of_window) and the session
 *     goes on;
 *   - a RST inside the window but not at the sender's next sequence number
 *     is passed on (the endpoint answers it with a challenge ACK, RFC 5961
 *     §3.2) without closing the session (tcp_rst_unconfirmed); the sender's
 *     RST at the number that ACK asks for closes it, as conntrack does;
 *   - a FIN inside the window counts as usual;
 *   - the client's ACK completes the handshake only if it acknowledges the
 *     server's SYN (the server's ISN + 1): a blind ACK leaves the session
 *     embryonic, on the short SYN timeout, where table pressure evicts it;
 *   - nothing else is ever dropped: data out of window (retransmissions,
 *     keepalives, whatever) is forwarded and only not learnt from; data in
 *     the window moves end forward even when it comes out of order (loss
 *     upstream of mgw), so end follows the sender through retransmissions.
 *
 * Per direction d (0 = client → server, 1 = server → client), one word:
 *
 *   31            9   8    7    4 3     0
 *   [ end >> 9      | K | wscale | wexp ]
 *
 *   end     the highest sequence number (+ length, SYN, FIN) d has sent
 *           inside the window, to 512 bytes (a blind attacker's odds are
 *           set by the window, ≥ 64 KiB, not by this rounding);
 *   K       end is known (d has been seen since tracking began);
 *   wscale  0: d's window scale unknown (taken as 14, the largest);
 *           1..15: d announced shift wscale-1 (0..14) in its SYN;
 *   wexp    d's largest advertised window, as 2^(16 + wexp), wexp 0..14
 *           (at least 64 KiB); 15: unknown — the other direction's
 *           segments are then not checked (liberal).
 * A word of 0 is a direction never seen.
 *
 * Sequence spaces: each direction is checked in its sender's own sequence
 * space, on the packet as it arrived, before any rewrite. A translation
 * (PROXY header delta, SYN proxy, dp/seq.h) shifts the numbers one side
 * sees after mgw; td[] never holds a translated number. The SYN proxy,
 * which answers the client's SYN itself, calls dp_tcpwin_syn() for both
 * SYNs it learns (the client's from the cookie, the server's SYN-ACK).
 *
 * Liberal sessions: a session learnt from a peer (sync) starts liberal
 * (dp_tcpwin_from_scales() of its record's dp_tcpwin_scales(), or
 * dp_tcpwin_liberal()): its ends and windows are forgotten (the record may
 * be stale) while the window scales stay; every segment is accepted, and
 * a direction's first data or ACK segment (not a RST or FIN) becomes its
 * end again, from when on it is checked. One-way sessions
 * (DR, TUNNEL) never see the server: the client's segments are checked
 * against DP_TCPWIN_ONEWAY_EXP's window instead of the server's.
 *
 * Pure and header-only (no mbuf, no EAL): the unit tests drive it with
 * byte buffers. */
#ifndef MGW_DP_TCPWIN_H
#define MGW_DP_TCPWIN_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/bytes.h"

#define DP_TCPWIN_K          0x100u
#define DP_TCPWIN_WS_UNKNOWN 0u
#define DP_TCPWIN_WEXP_UNKNOWN 15u
/* Slack around the window: end's rounding, and a keepalive one below. */
#define DP_TCPWIN_SLACK      1024
/* One-way sessions: the server's window is never seen; 2^(16+4) = 1 MiB. */
#define DP_TCPWIN_ONEWAY_EXP 4u

/* What the tracker makes of a segment. */
enum dp_tcpwin_verdict {
	DP_TCPWIN_OK = 0,     /* in window: track it as usual */
	DP_TCPWIN_KEEP,       /* forward, but no state change (RST not at the next
			       * sequence number; ACK that does not complete the
			       * handshake; FIN not in order) */
	DP_TCPWIN_DROP,       /* RST or FIN outside the window: drop, count */
	DP_TCPWIN_REOPEN,     /* the server's SYN-ACK to a new connection on the
			       * tuple (dp_tcpwin_check_reopen): both sides start
			       * afresh, the session is embryonic again */
};

/* The fields of a TCP header the tracker reads (host order). */
struct dp_tcpwin_seg {
	uint32_t seq, ack;
	uint32_t len;         /* payload bytes */
	uint16_t win;         /* raw window field */
	uint8_t flags;        /* FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10 */
	int8_t wscale;        /* SYN: the window scale option's shift, -1: none */
};

static inline uint32_t dp_tcpwin_end(uint32_t w)
{
	return w & ~0x1ffu;
}

static inline unsigned dp_tcpwin_ws(uint32_t w)
{
	return w >> 4 & 0xf;
}

static inline unsigned dp_tcpwin_wexp(uint32_t w)
{
	return w & 0xf;
}

static inline uint32_t dp_tcpwin_make(uint32_t end, bool known, unsigned ws, unsigned wexp)
{
	return (end & ~0x1ffu) | (known ? DP_TCPWIN_K : 0) | (ws & 0xf) << 4 | (wexp & 0xf);
}

/* ceil(log2(win)) - 16, clamped to 0..14. */
static inline unsigned dp_tcpwin_exp_of(uint64_t win)
{
	unsigned e;

	if (win <= 65536)
		return 0;
	e = 64 - (unsigned)__builtin_clzll(win - 1) - 16;   /* 2^(16+e) >= win */
	return e > 14 ? 14 : e;
}

/* d's window scale in effect (unknown: the largest). */
static inline unsigned dp_tcpwin_shift(uint32_t w)
{
	unsigned ws = dp_tcpwin_ws(w);

	return ws == DP_TCPWIN_WS_UNKNOWN ? 14 : ws - 1;
}

/* Read a TCP header (l4, with l4_len bytes of segment; the caller checked
 * the data offset). Options are parsed only on SYNs. */
static inline void dp_tcpwin_read(const uint8_t *l4, uint32_t l4_len, struct dp_tcpwin_seg *g)
{
	uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;

	g->seq = dp_get_u32(l4 + 4);
	g->ack = dp_get_u32(l4 + 8);
	g->flags = l4[13] & 0x3f;
	g->win = dp_get_u16(l4 + 14);
	g->len = l4_len > doff ? l4_len - doff : 0;
	g->wscale = -1;
	if (!(g->flags & 0x02))
		return;
	for (uint32_t i = 20; i < doff && i < l4_len;) {
		uint8_t kind = l4[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || l4[i + 1] < 2 || i + l4[i + 1] > doff)
			break;
		if (kind == 3 && l4[i + 1] == 3) {
			uint8_t s = l4[i + 2];

			g->wscale = (int8_t)(s > 14 ? 14 : s);
		}
		i += l4[i + 1];
	}
}

/* A direction's SYN (or SYN-ACK): its ISN, scale and first window. For the
 * SYN-ACK (second = true) the other side's scale is settled too: scaling
 * holds only if both announced it (RFC 7323 §2.2; a server answers with the
 * option only when the client sent it). */
static inline void dp_tcpwin_syn(uint32_t td[2], unsigned d, const struct dp_tcpwin_seg *g,
				 bool second)
{
	unsigned ws = g->wscale < 0 ? 1 : (unsigned)g->wscale + 1;

	td[d] = dp_tcpwin_make(g->seq + 1 + g->len, true, ws, dp_tcpwin_exp_of(g->win));
	if (second && g->wscale < 0 && td[d ^ 1])
		td[d ^ 1] = (td[d ^ 1] & ~0xf0u) | 1u << 4;
}

/* Forget ends and windows (keep the scales): a session learnt from a peer. */
static inline void dp_tcpwin_liberal(uint32_t td[2])
{
	for (unsigned d = 0; d < 2; d++)
		td[d] = td[d] ? (td[d] & 0xf0u) | DP_TCPWIN_WEXP_UNKNOWN : 0;
}

/* A liberal word: a direction learnt from a peer, not seen here yet. */
static inline bool dp_tcpwin_is_liberal(uint32_t w)
{
	return w && !(w & DP_TCPWIN_K);
}

/* What a sync record carries (dp/sync_ev.h): per direction (byte d) 0x80
 * when the owner has seen it and its window-scale nibble. Ends and
 * windows stay behind: a record may be stale when a peer takes over. */
static inline uint16_t dp_tcpwin_scales(const uint32_t td[2])
{
	uint16_t v = 0;

	for (unsigned d = 0; d < 2; d++)
		if (td[d])
			v |= (uint16_t)((0x80u | dp_tcpwin_ws(td[d])) << (8 * d));
	return v;
}

/* A peer's session: the directions not yet seen here become liberal with
 * the owner's scales (directions seen here keep what they learnt). */
static inline void dp_tcpwin_from_scales(uint32_t td[2], uint16_t v)
{
	for (unsigned d = 0; d < 2; d++) {
		unsigned b = v >> (8 * d) & 0xff;

		if (td[d] & DP_TCPWIN_K)
			continue;
		td[d] = (b & 0x80) ? (b & 0xfu) << 4 | DP_TCPWIN_WEXP_UNKNOWN : 0;
	}
}

/* Learn from an accepted segment of direction d: its end, its window. */
static inline void dp_tcpwin_learn(uint32_t td[2], unsigned d, const struct dp_tcpwin_seg *g)
{
	uint32_t w = td[d];
	uint32_t seg_end = g->seq + g->len + (g->flags & 0x01) + (g->flags >> 1 & 1);
	unsigned wexp = dp_tcpwin_wexp(w), ws = dp_tcpwin_ws(w);
	uint32_t end = dp_tcpwin_end(w);

	if (!(w & DP_TCPWIN_K) || (int32_t)(seg_end - end) > 0)
		end = seg_end;
	if (g->flags & 0x10) {
		unsigned e = dp_tcpwin_exp_of((uint64_t)g->win << dp_tcpwin_shift(w));

		if (wexp == DP_TCPWIN_WEXP_UNKNOWN || e > wexp)
			wexp = e;
	}
	w = dp_tcpwin_make(end, true, ws, wexp);
	if (td[d] != w)   /* most segments change nothing: no store */
		td[d] = w;
}

/* Judge a segment of direction d of a session in TCP state `state`
 * (enum dp_tcp_state: 1 SYN_RECV) and learn from it when accepted.
 * oneway: the other direction is never seen (DR, TUNNEL). */
static inline enum dp_tcpwin_verdict dp_tcpwin_check(uint32_t td[2], unsigned d, uint8_t state,
						      bool oneway, const struct dp_tcpwin_seg *g)
{
	uint32_t me = td[d], peer = td[d ^ 1];
	unsigned wexp = peer ? dp_tcpwin_wexp(peer) : DP_TCPWIN_WEXP_UNKNOWN;
	bool rst = g->flags & 0x04, fin = g->flags & 0x01;
	int64_t diff, lim;

	if ((g->flags & 0x06) == 0x02) {
		/* The client's SYN starts its side, the server's SYN-ACK its
		 * own; a retransmitted one changes nothing we keep. */
		if (!(me & DP_TCPWIN_K))
			dp_tcpwin_syn(td, d, g, d == 1 && (g->flags & 0x10));
		return DP_TCPWIN_OK;
	}
	if (oneway && wexp == DP_TCPWIN_WEXP_UNKNOWN)
		wexp = DP_TCPWIN_ONEWAY_EXP;
	/* Embryonic, two-way: the client's ACK must acknowledge the server's
	 * SYN, which we saw; before it, the handshake cannot be complete. A
	 * RST from the server must acknowledge the client's SYN (RFC 793: a
	 * reset answering a SYN carries that ack). */
	/* (A peer's session taken over mid-handshake has no history here:
	 * a liberal side is not checked until it is seen.) */
	if (state == 1 && !oneway && d == 0 && !rst && (g->flags & 0x10) &&
	    !dp_tcpwin_is_liberal(peer)) {
		if (!(peer & DP_TCPWIN_K) || g->ack - dp_tcpwin_end(peer) > 0x200u)
			return DP_TCPWIN_KEEP;
	}
	if (state == 1 && !oneway && d == 1 && rst && !dp_tcpwin_is_liberal(peer)) {
		if (!(g->flags & 0x10) || !(peer & DP_TCPWIN_K) ||
		    g->ack - dp_tcpwin_end(peer) > 0x200u)
			return DP_TCPWIN_DROP;
	}
	if (!(me & DP_TCPWIN_K) || wexp == DP_TCPWIN_WEXP_UNKNOWN) {
		/* liberal: accept; learn from what is not a RST or FIN (a
		 * forged one far away must not become the end) */
		if (!rst && !fin)
			dp_tcpwin_learn(td, d, g);
		return DP_TCPWIN_OK;
	}
	diff = (int32_t)(g->seq - dp_tcpwin_end(me));
	lim = (1ll << (16 + wexp)) + DP_TCPWIN_SLACK;
	if (diff + (int64_t)g->len < -lim || diff > lim)
		return rst || fin ? DP_TCPWIN_DROP : DP_TCPWIN_KEEP;
	if (rst) {
		/* At the sender's next sequence number (to end's rounding):
		 * the connection is over; anywhere else in the window: the
		 * endpoint decides (challenge ACK), the session stays. */
		if (diff < -0x200 || diff >= 0x400)
			return DP_TCPWIN_KEEP;
		return DP_TCPWIN_OK;
	}
	/* A FIN in the window counts (a spoofed one must guess the window,
	 * as a spoofed segment that moves end would). */
	dp_tcpwin_learn(td, d, g);
	return DP_TCPWIN_OK;
}

/* The low half of a new connection's ISN + 1 as dp_tcpwin_check_reopen
 * keeps it (0 means none). */
static inline uint16_t dp_tcpwin_reopen_key(uint32_t next)
{
	return (uint16_t)next ? (uint16_t)next : 1;
}

/* dp_tcpwin_check with a new connection on an old session's tuple: a
 * client whose port comes round again (or a peer's stale copy, whose close
 * this node never saw) sends a SYN that the old session's ends and
 * windows would judge — its data passed but never learnt, its FIN dropped
 * as out of window, the connection hung until the client gave up. A SYN
 * of the client outside its direction's window is passed on and its ISN
 * remembered (*reopen, the low 16 bits: the session's spare half-word),
 * as is any SYN of a client side not seen here while the server side was;
 * when the server answers it with a SYN-ACK for that ISN the server has
 * taken the new connection, and both directions start again from the two
 * SYNs (the client's window scale unknown: the largest, the liberal
 * reading). A spoofed SYN changes nothing until the server itself accepts
 * it, which a live connection's server does not (it answers a challenge
 * ACK, RFC 5961 §4). */
static inline enum dp_tcpwin_verdict dp_tcpwin_check_reopen(uint32_t td[2], uint16_t *reopen,
							     unsigned d, uint8_t state, bool oneway,
							     const struct dp_tcpwin_seg *g)
{
	uint32_t me = td[d];
	uint8_t f = g->flags & 0x16;   /* SYN, RST, ACK */

	if (oneway)
		return dp_tcpwin_check(td, d, state, oneway, g);
	if (d == 0 && f == 0x02 && (td[1] & DP_TCPWIN_K)) {
		unsigned wexp = dp_tcpwin_wexp(td[1]);
		int64_t diff = (int32_t)(g->seq + 1 - dp_tcpwin_end(me));
		int64_t lim = (1ll << (16 + (wexp > 14 ? 14 : wexp))) + DP_TCPWIN_SLACK;

		/* A client side not seen here (a peer's copy) starts from this
		 * SYN as usual, while the server side keeps the old numbers:
		 * remember it all the same. */
		if (!(me & DP_TCPWIN_K)) {
			*reopen = dp_tcpwin_reopen_key(g->seq + 1);
			return dp_tcpwin_check(td, d, state, oneway, g);
		}
		if (diff < -lim || diff > lim) {
			*reopen = dp_tcpwin_reopen_key(g->seq + 1);
			return DP_TCPWIN_KEEP;
		}
	} else if (d == 1 && f == 0x12 && *reopen && (me & DP_TCPWIN_K) &&
		   dp_tcpwin_reopen_key(g->ack) == *reopen) {
		td[0] = dp_tcpwin_make(g->ack, true, DP_TCPWIN_WS_UNKNOWN, 0);
		td[1] = 0;
		dp_tcpwin_syn(td, 1, g, true);
		*reopen = 0;
		return DP_TCPWIN_REOPEN;
	}
	return dp_tcpwin_check(td, d, state, oneway, g);
}

#endif
