/* cp/hc_timer.c — a binary min-heap of due times, and the no-drift rule
 * for the next start of a periodic check. */
#include <errno.h>
#include <stdlib.h>

#include "cp/hc_int.h"

int cp_hc_heap_reserve(struct cp_hc_heap *hp, uint32_t cap)
{
	struct cp_hc_tnode **v;

	if (cap <= hp->cap)
		return 0;
	v = realloc(hp->v, (size_t)cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	hp->v = v;
	hp->cap = cap;
	return 0;
}

void cp_hc_heap_free(struct cp_hc_heap *hp)
{
	free(hp->v);
	hp->v = NULL;
	hp->n = hp->cap = 0;
}

static void heap_place(struct cp_hc_heap *hp, uint32_t i, struct cp_hc_tnode *x)
{
	hp->v[i] = x;
	x->pos = i;
}

static void heap_up(struct cp_hc_heap *hp, uint32_t i)
{
	struct cp_hc_tnode *x = hp->v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (hp->v[p]->due <= x->due)
			break;
		heap_place(hp, i, hp->v[p]);
		i = p;
	}
	heap_place(hp, i, x);
}

static void heap_down(struct cp_hc_heap *hp, uint32_t i)
{
	struct cp_hc_tnode *x = hp->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && hp->v[c + 1]->due < hp->v[c]->due)
			c++;
		if (x->due <= hp->v[c]->due)
			break;
		heap_place(hp, i, hp->v[c]);
		i = c;
	}
	heap_place(hp, i, x);
}

void cp_hc_heap_push(struct cp_hc_heap *hp, struct cp_hc_tnode *x)
{
	heap_place(hp, hp->n++, x);
	heap_up(hp, x->pos);
}

void cp_hc_heap_remove(struct cp_hc_heap *hp, struct cp_hc_tnode *x)
{
	uint32_t i = x->pos;
	struct cp_hc_tnode *last;

	if (i == CP_HC_HEAP_NONE)
		return;
	x->pos = CP_HC_HEAP_NONE;
	last = hp->v[--hp->n];
	if (last == x)
		return;
	heap_place(hp, i, last);
	heap_up(hp, i);
	heap_down(hp, last->pos);
}

void cp_hc_heap_update(struct cp_hc_heap *hp, struct cp_hc_tnode *x, uint64_t due)
{
	x->due = due;
	if (x->pos == CP_HC_HEAP_NONE) {
		cp_hc_heap_push(hp, x);
		return;
	}
	heap_up(hp, x->pos);
	heap_down(hp, x->pos);
}

uint64_t cp_hc_next_start(uint64_t sched, uint64_t interval, uint64_t now, uint64_t *skipped)
{
	uint64_t k = 1;

	if (interval == 0)
		interval = 1;
	if (now > sched + interval)
		k = (now - sched + interval - 1) / interval;
	*skipped = k - 1;
	return sched + k * interval;
}
