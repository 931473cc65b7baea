/* dp/wheel.c — hashed timer wheel (see wheel.h). */
#include "dp/wheel.h"

void dp_wheel_init(struct dp_wheel *w, uint32_t *head, uint32_t slots, void *base,
		   size_t stride, uint32_t now)
{
	w->head = head;
	w->mask = slots - 1;
	w->done = now;
	w->base = base;
	w->stride = stride;
	w->count = 0;
	for (uint32_t s = 0; s < slots; s++)
		head[s] = DP_WHEEL_NIL;
}

void dp_wheel_add(struct dp_wheel *w, uint32_t i, uint32_t expire)
{
	struct dp_wheel_link *l = dp_wheel_link(w, i);
	uint32_t tick = expire, slot;

	/* Never into the past (the slot was passed) nor beyond the horizon
	 * (it would alias an earlier slot). */
	if (dp_wheel_cmp(tick, w->done) <= 0)
		tick = w->done + 1;
	else if (dp_wheel_cmp(tick, w->done + w->mask) > 0)
		tick = w->done + w->mask;
	slot = tick & w->mask;
	l->expire = expire;
	l->slot_tick = tick;
	l->prev = DP_WHEEL_NIL;
	l->next = w->head[slot];
	if (l->next != DP_WHEEL_NIL)
		dp_wheel_link(w, l->next)->prev = i;
	w->head[slot] = i;
	w->count++;
}

void dp_wheel_del(struct dp_wheel *w, uint32_t i)
{
	struct dp_wheel_link *l = dp_wheel_link(w, i);

	if (l->prev != DP_WHEEL_NIL)
		dp_wheel_link(w, l->prev)->next = l->next;
	else
		w->head[l->slot_tick & w->mask] = l->next;
	if (l->next != DP_WHEEL_NIL)
		dp_wheel_link(w, l->next)->prev = l->prev;
	l->next = l->prev = DP_WHEEL_NIL;
	w->count--;
}

unsigned dp_wheel_advance(struct dp_wheel *w, uint32_t now, unsigned budget,
			  void (*expired)(void *arg, uint32_t i), void *arg)
{
	unsigned n_expired = 0;

	while (dp_wheel_cmp(w->done, now) < 0) {
		uint32_t tick = w->done + 1;
		uint32_t *head = &w->head[tick & w->mask];

		/* Every node visited leaves this slot (expired or moved on),
		 * so stopping half-way and resuming later is safe. */
		while (*head != DP_WHEEL_NIL) {
			uint32_t i = *head;
			struct dp_wheel_link *l = dp_wheel_link(w, i);

			if (budget == 0)
				return n_expired;
			budget--;
			/* A list walk misses the cache node by node: start
			 * fetching the next one while this one is handled. */
			if (l->next != DP_WHEEL_NIL)
				__builtin_prefetch(dp_wheel_link(w, l->next));
			dp_wheel_del(w, i);
			if (dp_wheel_cmp(l->expire, tick) <= 0) {
				n_expired++;
				expired(arg, i);
			} else {
				/* Re-armed later, or parked at the horizon:
				 * either way a later slot than this one. */
				dp_wheel_add(w, i, l->expire);
			}
		}
		w->done = tick;
	}
	return n_expired;
}
