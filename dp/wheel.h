/* dp/wheel.h — a hashed timer wheel over nodes addressed by index.
 *
 * Each data lcore expires its sessions with one of these: O(1) to arm, to
 * cancel and per expiry, and no scan of the table. Nodes live in a caller's
 * array (the session pool); the wheel reaches a node's link at base +
 * index * stride. Time is counted in ticks (the lcore uses milliseconds)
 * in 32 bits; every comparison is wrap-safe.
 *
 * Re-arming a node to a later time only stores the new expiry: the node
 * stays in its slot and is moved when the wheel reaches that slot. That keeps
 * the per-packet cost of "this session is still alive" to one store. Only an
 * earlier expiry relinks at once. Timeouts longer than the wheel's horizon
 * are handled the same way: the node is parked at the horizon and moved on. */
#ifndef MGW_DP_WHEEL_H
#define MGW_DP_WHEEL_H

#include <stddef.h>
#include <stdint.h>

#define DP_WHEEL_NIL UINT32_MAX

struct dp_wheel_link {
	uint32_t next, prev;
	uint32_t expire;      /* tick at which the node is due */
	uint32_t slot_tick;   /* tick of the slot it is linked in */
};

struct dp_wheel {
	uint32_t *head;       /* per slot: first node or NIL */
	uint32_t mask;        /* slots - 1 */
	uint32_t done;        /* last tick fully processed */
	uint8_t *base;        /* node array, link at base + i * stride */
	size_t stride;
	uint64_t count;       /* nodes linked */
};

static inline int32_t dp_wheel_cmp(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static inline struct dp_wheel_link *dp_wheel_link(const struct dp_wheel *w, uint32_t i)
{
	return (struct dp_wheel_link *)(w->base + (size_t)i * w->stride);
}

/* slots must be a power of two; head has `slots` entries (caller memory).
 * now: the current tick (nothing is due at or before it). */
void dp_wheel_init(struct dp_wheel *w, uint32_t *head, uint32_t slots, void *base,
		   size_t stride, uint32_t now);

/* Arm node i (not linked) to expire at tick `expire`. */
void dp_wheel_add(struct dp_wheel *w, uint32_t i, uint32_t expire);

/* Cancel node i (linked). */
void dp_wheel_del(struct dp_wheel *w, uint32_t i);

/* Change node i's expiry (linked). Later: one store. Earlier: relink. */
static inline void dp_wheel_touch(struct dp_wheel *w, uint32_t i, uint32_t expire)
{
	struct dp_wheel_link *l = dp_wheel_link(w, i);

	if (dp_wheel_cmp(expire, l->slot_tick) >= 0) {
		l->expire = expire;
		return;
	}
	dp_wheel_del(w, i);
	dp_wheel_add(w, i, expire);
}

/* Move time to `now`, calling expired(arg, i) for each due node (already
 * unlinked when called; the callback may add or delete other nodes). Does at
 * most `budget` node visits and resumes there next time. Returns the number
 * of nodes expired. */
unsigned dp_wheel_advance(struct dp_wheel *w, uint32_t now, unsigned budget,
			  void (*expired)(void *arg, uint32_t i), void *arg);

#endif
