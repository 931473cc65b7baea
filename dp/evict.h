/* dp/evict.h — table pressure: which sessions a new flow may push out.
 *
 * A table full of half-open sessions (spoofed SYNs, each on the SYN
 * timeout) or of one-packet UDP sessions (a spoofed flood, each on the UDP
 * timeout) would refuse every real client until they expire. So each lcore
 * keeps two lists of the sessions it may evict, in the order they came:
 *   0  embryonic: TCP sessions that never got established (SYN_RECV, and
 *      those a RST closed before that); they leave the list when the
 *      handshake completes (an ACK of the server's SYN, dp/tcpwin.h);
 *   1  UDP: every UDP session, for its whole life.
 * When the lcore's free sessions fall under the low-water mark
 * (limits.evict_low_water_pct), a new flow first evicts the older of
 * (the oldest embryonic session, the UDP session idle longest) — counted
 * as sessions_evicted_embryonic / _udp — and so never finds the table full
 * while such sessions exist. Established TCP sessions are never evicted.
 *
 * "Idle longest" without touching a list per packet: UDP sessions sit in
 * the order they were made; the head's idle time is read from its timer
 * (expiry - UDP timeout); one that was used lately goes to the tail instead
 * (a second chance, CLOCK-like), so a busy session survives a flood of
 * one-packet ones. A few looks per new flow at most: O(1).
 *
 * Links are session indices in a parallel array (8 B per session), no
 * malloc. Pure list code here; the choice of victim is in conn.c. */
#ifndef MGW_DP_EVICT_H
#define MGW_DP_EVICT_H

#include <stddef.h>
#include <stdint.h>

#define DP_EVICT_NIL   UINT32_MAX
#define DP_EVICT_EMBRYO 0
#define DP_EVICT_UDP    1

struct dp_evict_link {
	uint32_t prev, next;
};

struct dp_evict_list {
	uint32_t head, tail;
	uint32_t n;
};

struct dp_evict {
	struct dp_evict_link *link;       /* per session index */
	struct dp_evict_list list[2];
};

static inline size_t dp_evict_memsize(uint32_t capacity)
{
	return (size_t)capacity * sizeof(struct dp_evict_link);
}

static inline void dp_evict_init(struct dp_evict *e, void *mem, uint32_t capacity)
{
	e->link = mem;
	for (uint32_t i = 0; i < capacity; i++)
		e->link[i].prev = e->link[i].next = DP_EVICT_NIL;
	for (int l = 0; l < 2; l++) {
		e->list[l].head = e->list[l].tail = DP_EVICT_NIL;
		e->list[l].n = 0;
	}
}

/* Append session i (on no list) to list l. */
static inline void dp_evict_push(struct dp_evict *e, unsigned l, uint32_t i)
{
	struct dp_evict_list *L = &e->list[l];

	e->link[i].next = DP_EVICT_NIL;
	e->link[i].prev = L->tail;
	if (L->tail == DP_EVICT_NIL)
		L->head = i;
	else
		e->link[L->tail].next = i;
	L->tail = i;
	L->n++;
}

/* Take session i (on list l) off it. */
static inline void dp_evict_unlink(struct dp_evict *e, unsigned l, uint32_t i)
{
	struct dp_evict_list *L = &e->list[l];
	struct dp_evict_link *k = &e->link[i];

	if (k->prev == DP_EVICT_NIL)
		L->head = k->next;
	else
		e->link[k->prev].next = k->next;
	if (k->next == DP_EVICT_NIL)
		L->tail = k->prev;
	else
		e->link[k->next].prev = k->prev;
	k->prev = k->next = DP_EVICT_NIL;
	L->n--;
}

/* The head of list l (the oldest), or DP_EVICT_NIL. */
static inline uint32_t dp_evict_head(const struct dp_evict *e, unsigned l)
{
	return e->list[l].head;
}

/* Send the head of list l to its tail (a second chance). */
static inline void dp_evict_rotate(struct dp_evict *e, unsigned l)
{
	uint32_t h = e->list[l].head;

	if (h == DP_EVICT_NIL || h == e->list[l].tail)
		return;
	dp_evict_unlink(e, l, h);
	dp_evict_push(e, l, h);
}

#define DP_EVICT_LOOKS   4       /* second chances per eviction at most */
#define DP_EVICT_BUSY_MS 1000    /* a UDP session used this lately gets one */

/* The session a new flow evicts: the older of the oldest embryonic session
 * (age: how long it has lived) and the UDP session idle longest (idle: how
 * long since its last packet), giving busy UDP sessions at the head a
 * second chance. *list gets the victim's list; DP_EVICT_NIL: none. */
static inline uint32_t dp_evict_victim(struct dp_evict *e, void *ctx,
				       uint32_t (*age)(void *ctx, uint32_t idx),
				       uint32_t (*idle)(void *ctx, uint32_t idx), unsigned *list)
{
	uint32_t em = dp_evict_head(e, DP_EVICT_EMBRYO), u = DP_EVICT_NIL, u_idle = 0;

	for (int k = 0; k < DP_EVICT_LOOKS; k++) {
		u = dp_evict_head(e, DP_EVICT_UDP);
		if (u == DP_EVICT_NIL)
			break;
		u_idle = idle(ctx, u);
		if (u_idle >= DP_EVICT_BUSY_MS || k == DP_EVICT_LOOKS - 1)
			break;
		dp_evict_rotate(e, DP_EVICT_UDP);
	}
	if (em != DP_EVICT_NIL && (u == DP_EVICT_NIL || age(ctx, em) >= u_idle)) {
		*list = DP_EVICT_EMBRYO;
		return em;
	}
	*list = DP_EVICT_UDP;
	return u;
}

#endif
