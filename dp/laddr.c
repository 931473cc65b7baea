/* dp/laddr.c — per-lcore LIP:lport choice per destination, and the
 * TIME-WAIT guards (see laddr.h). */
#include <string.h>

#include "dp/laddr.h"

static uint32_t guard_buckets(uint32_t slots)
{
	uint32_t b = (uint32_t)(((uint64_t)slots + DP_LGUARD_WAYS - 1) / DP_LGUARD_WAYS);

	return b ? b : 1;
}

/* Bytes of the per-destination arrays (cursors, newest guards), each
 * rounded to cache lines. */
static size_t dests_size(uint32_t n_dests)
{
	return 2 * (((size_t)n_dests * sizeof(uint32_t) + 63) & ~(size_t)63);
}

size_t dp_laddr_memsize(uint32_t guard_slots, uint32_t n_dests)
{
	size_t cur = dests_size(n_dests);

	return cur + (size_t)guard_buckets(guard_slots) * sizeof(struct dp_lguard_bkt);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

void dp_laddr_init(struct dp_laddr *a, void *mem, uint32_t guard_slots, uint32_t n_dests,
		   uint16_t me, uint64_t seed)
{
	size_t cur = dests_size(n_dests);
	uint32_t nb = guard_buckets(guard_slots);

	memset(a, 0, sizeof(*a));
	a->me = me;
	a->seed = seed;
	a->n_dests = n_dests;
	a->cur = mem;
	a->newest = a->cur + cur / 2 / sizeof(uint32_t);
	memset(a->newest, 0, (size_t)n_dests * sizeof(uint32_t));
	/* Random places; dp_laddr_next brings them into the space. */
	for (uint32_t d = 0; d < n_dests; d++)
		a->cur[d] = (uint32_t)mix(seed + d);
	a->g = (struct dp_lguard_bkt *)((uint8_t *)mem + cur);
	a->g_n = nb;
	memset(a->g, 0, (size_t)nb * sizeof(*a->g));
}

static uint32_t lip_hash(uint32_t lip)
{
	return (uint32_t)(((uint64_t)lip * 0x9e3779b97f4a7c15ull) >> 32);
}

/* lip's index among ours, -1 when it is not one of them */
static int lip_index(const struct dp_laddr *a, uint32_t lip)
{
	for (uint32_t h = lip_hash(lip);; h++) {
		unsigned k = a->by_lip[h & (DP_LADDR_HASH - 1)];

		if (!k)
			return -1;
		if (a->lip[k - 1] == lip)
			return (int)k - 1;
	}
}

/* A guard until `until` on LIP:lport → rip:rport. mark: it came from a
 * peer (sync), and when it is newer than every other the peers gave for
 * that destination, and this life has not ended a connection to it yet,
 * the cursor goes to the candidate after it. Guards begin in the cursor's order, so this
 * carries on a last life's walk where it stopped — past the band of
 * tuples the servers may still hold in TIME-WAIT, not in it (a restarted
 * node's random start falls there as often as the band is wide). False
 * when lip is not one of ours. */
static bool follow(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip,
		   uint16_t rport, uint32_t until, bool mark)
{
	uint32_t port = __builtin_bswap16(lport), dest, k, *nw;
	int li = lip_index(a, lip);

	if (li < 0)
		return false;
	if (until == DP_LADDR_IN_USE || port < a->first || (port - a->first) % a->step ||
	    (k = (port - a->first) / a->step) >= a->per_lip)
		return true;
	dest = dp_laddr_dest(a, rip, rport);
	nw = &a->newest[dest];
	/* Once this life has ended a connection to dest its cursor is where
	 * its own walk is (the low bit says so): a peer's word no longer
	 * moves it — an echo of one of our closing sessions would put it
	 * back among our live tuples. */
	if (!mark) {
		*nw = until | 1;
		return true;
	}
	if (*nw & 1 || (*nw && (int32_t)(until - *nw) <= 0))
		return true;
	*nw = until & ~1u;
	if ((uint32_t)++li == a->n_lips) {
		li = 0;
		if (++k == a->per_lip)
			k = 0;
	}
	a->cur[dest] = k << 8 | (uint32_t)li;
	return true;
}

void dp_laddr_follow(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip,
		     uint16_t rport, uint32_t until)
{
	(void)follow(a, lip, lport, rip, rport, until, true);
}

void dp_laddr_sync(struct dp_laddr *a, const struct dp_laddr_map *m)
{
	uint32_t lo = m->lport_min ? m->lport_min : DP_LPORT_MIN;
	uint32_t hi = m->lport_max ? m->lport_max : DP_LPORT_MAX;
	uint32_t first;

	if (lo > hi) {
		lo = DP_LPORT_MIN;
		hi = DP_LPORT_MAX;
	}
	a->n_lips = 0;
	a->guard_ms = m->guard_ms;
	if (m->mode == DP_LADDR_FLOW) {
		/* our LIPs, every port */
		a->step = 1;
		first = lo;
	} else {
		/* every LIP, the ports p with p % n_lcores == me */
		uint32_t n = m->n_lcores ? m->n_lcores : 1;

		a->step = (uint16_t)n;
		first = lo + (a->me + n - lo % n) % n;
	}
	/* IPv4 LIPs, then IPv6 ones (whose lip[] is a handle, in 0/8) */
	for (unsigned v6 = 0; v6 < 2; v6++) {
		if (v6)
			a->n_lips4 = a->n_lips;
		for (uint32_t i = 0; i < m->n_lips && i < DP_MAX_LIPS; i++) {
			if ((unsigned)dp_is_ip6_handle(m->lip[i]) != v6 ||
			    (m->mode == DP_LADDR_FLOW && m->lip_owner[i] != a->me))
				continue;
			if (v6)
				memcpy(a->lip6[a->n_lips], m->lip6[i], 16);
			a->lip[a->n_lips++] = m->lip[i];
		}
	}
	a->first = (uint16_t)first;
	a->per_lip = first > hi ? 0 : (hi - first) / a->step + 1;
	if (!a->per_lip)
		a->n_lips = a->n_lips4 = 0;
	memset(a->by_lip, 0, sizeof(a->by_lip));
	for (uint32_t i = 0; i < a->n_lips; i++) {
		uint32_t h = lip_hash(a->lip[i]);

		while (a->by_lip[h & (DP_LADDR_HASH - 1)])
			h++;
		a->by_lip[h & (DP_LADDR_HASH - 1)] = (uint8_t)(i + 1);
	}
}

/* Give the tuple the guard `until`: its own entry if it has one, else a free
 * (empty or ended) slot of the emptier of its two buckets, else the live
 * guard nearest its end (1), never an in-use mark (-ENOSPC). */
static int guard_set(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip,
		     uint16_t rport, uint32_t until, uint32_t now)
{
	uint64_t h = dp_laddr_guard_hash(a, lip, lport, rip, rport);
	struct dp_lguard *slot = NULL, *victim = NULL;
	unsigned best_free = 0;
	int rc = 0;

	if (!until)
		until = 1;   /* 0 marks an empty slot */
	for (unsigned b = 0; b < 2; b++) {
		struct dp_lguard_bkt *k = (struct dp_lguard_bkt *)dp_laddr_guard_bkt(a, h, b);
		struct dp_lguard *first_free = NULL;
		unsigned n_free = 0;

		for (unsigned i = 0; i < DP_LGUARD_WAYS; i++) {
			struct dp_lguard *e = &k->e[i];

			if (e->until && e->lip == lip && e->lport == lport && e->rip == rip &&
			    e->rport == rport) {
				e->until = until;
				return 0;
			}
			if (!e->until || !dp_lguard_live(e, now)) {
				if (!n_free++)
					first_free = e;
			} else if (e->until != DP_LADDR_IN_USE &&
				   (!victim || (int32_t)(e->until - victim->until) < 0)) {
				victim = e;
			}
		}
		if (n_free > best_free) {
			best_free = n_free;
			slot = first_free;
		}
	}
	if (!slot) {
		if (!victim)
			return -ENOSPC;
		slot = victim;
		rc = 1;
	}
	slot->lip = lip;
	slot->rip = rip;
	slot->lport = lport;
	slot->rport = rport;
	slot->until = until;
	return rc;
}

int dp_laddr_put(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		 uint32_t now)
{
	uint32_t until = now + a->guard_ms;

	if (!a->guard_ms)
		return -ENOENT;
	if (until == DP_LADDR_IN_USE)
		until--;
	if (!follow(a, lip, lport, rip, rport, until, false))
		return -ENOENT;
	return guard_set(a, lip, lport, rip, rport, until, now);
}

int dp_laddr_mark(struct dp_laddr *a, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		  uint32_t until, uint32_t now)
{
	(void)follow(a, lip, lport, rip, rport, until, true);
	return guard_set(a, lip, lport, rip, rport, until, now);
}

uint32_t dp_laddr_guards_walk(const struct dp_laddr *a, uint32_t lip, uint32_t from, uint32_t n,
			      uint32_t now, void (*fn)(void *arg, const struct dp_lguard *g),
			      void *arg)
{
	uint64_t slots = dp_laddr_guard_slots(a), end = (uint64_t)from + n;

	if (end > slots)
		end = slots;
	for (uint64_t i = from; i < end; i++) {
		const struct dp_lguard *e = &a->g[i / DP_LGUARD_WAYS].e[i % DP_LGUARD_WAYS];

		if (e->until && dp_lguard_live(e, now) && (!lip || e->lip == lip))
			fn(arg, e);
	}
	return end == slots ? 0 : (uint32_t)end;
}
