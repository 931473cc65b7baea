/* mgw OSPF — the neighbour state machine (RFC 2328 10.3) as a table.
 *
 * Attempt (NBMA only) is left out. Every change of state goes through
 * nbr_chstate(), which logs it and runs the side effects that depend on
 * the states left and entered rather than on the event.
 */
#include <stdlib.h>
#include <string.h>

#include "ospf/ospf_int.h"

static const char *const state_names[OSPF_NS_MAX] = {
	[OSPF_NS_DOWN] = "Down",
	[OSPF_NS_INIT] = "Init",
	[OSPF_NS_2WAY] = "2-Way",
	[OSPF_NS_EXSTART] = "ExStart",
	[OSPF_NS_EXCHANGE] = "Exchange",
	[OSPF_NS_LOADING] = "Loading",
	[OSPF_NS_FULL] = "Full",
};

static const char *const event_names[OSPF_NE_MAX] = {
	[OSPF_NE_HELLO_RX] = "HelloReceived",
	[OSPF_NE_2WAY_RX] = "2-WayReceived",
	[OSPF_NE_NEG_DONE] = "NegotiationDone",
	[OSPF_NE_EXCH_DONE] = "ExchangeDone",
	[OSPF_NE_BAD_LSREQ] = "BadLSReq",
	[OSPF_NE_LOAD_DONE] = "LoadingDone",
	[OSPF_NE_ADJ_OK] = "AdjOK?",
	[OSPF_NE_SEQ_MISMATCH] = "SeqNumberMismatch",
	[OSPF_NE_1WAY_RX] = "1-WayReceived",
	[OSPF_NE_KILL] = "KillNbr",
	[OSPF_NE_INACTIVITY] = "InactivityTimer",
	[OSPF_NE_LL_DOWN] = "LLDown",
};

const char *ospf_nbr_state_name(enum ospf_nbr_state s)
{
	return s < OSPF_NS_MAX ? state_names[s] : "?";
}

const char *ospf_nbr_event_name(enum ospf_nbr_event ev)
{
	return ev < OSPF_NE_MAX ? event_names[ev] : "?";
}

struct ospf_nbr *ospf_nbr_new(struct ospf_iface *ifa, uint32_t rid,
			      uint32_t addr, uint64_t now)
{
	struct ospf_nbr *n;

	if (ifa->n_nbrs >= OSPF_MAX_NBRS)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ifa = ifa;
	n->rid = rid;
	n->addr = addr;
	n->state = OSPF_NS_DOWN;
	n->since_ms = now;
	ifa->nbrs[ifa->n_nbrs++] = n;
	return n;
}

void ospf_nbr_free(struct ospf_nbr *n)
{
	if (!n)
		return;
	ospf_klist_free(&n->summary);
	ospf_klist_free(&n->request);
	ospf_klist_free(&n->retrans);
	free(n->dbd_last);
	free(n);
}

/* 10.4: on point-to-point always; on a LAN (where we are never DR or BDR)
 * only with the DR and the BDR. */
bool ospf_nbr_want_adj(const struct ospf_nbr *n)
{
	const struct ospf_iface *ifa = n->ifa;

	if (ifa->c.type == OSPF_IF_PTP)
		return true;
	return n->addr && (n->addr == ifa->dr || n->addr == ifa->bdr);
}

static void clear_lists(struct ospf_nbr *n)
{
	ospf_klist_clear(&n->summary);
	ospf_klist_clear(&n->request);
	ospf_klist_clear(&n->retrans);
	n->lsr_rxmt_at = 0;
	n->lsu_rxmt_at = 0;
}

static void drop_dbd(struct ospf_nbr *n)
{
	free(n->dbd_last);
	n->dbd_last = NULL;
	n->dbd_last_len = 0;
	n->dbd_rxmt_at = 0;
	n->dbd_hold_until = 0;
}

static void nbr_chstate(struct ospf_nbr *n, uint64_t now,
			enum ospf_nbr_state to, enum ospf_nbr_event ev)
{
	enum ospf_nbr_state from = n->state;
	struct ospf_iface *ifa = n->ifa;
	struct ospf_eng *e = ifa->e;
	char b1[16], b2[16];

	if (from == to)
		return;
	n->state = to;
	n->since_ms = now;
	e->cnt.nbr_changes++;
	OSPF_RLOG(e, now, INFO,
		  "%s: neighbour %s (%s) from %s to %s on %s (RFC 2328 10.3)",
		  ifa->c.ifname, ospf_ntoa(n->rid, b1), ospf_ntoa(n->addr, b2),
		  state_names[from], state_names[to], event_names[ev]);

	if (from >= OSPF_NS_EXSTART && to < OSPF_NS_EXSTART) {
		clear_lists(n);
		drop_dbd(n);
	}
	if (to == OSPF_NS_DOWN) {
		n->dead_at = 0;
		n->have_last_rx = false;
	}
	if (to == OSPF_NS_EXSTART)
		ospf_dbd_start(n, now);
	if (to == OSPF_NS_FULL || from == OSPF_NS_FULL)
		ospf_orig_schedule(e, now, false);
	if (to == OSPF_NS_FULL && n->master)
		drop_dbd(n);
	/* A LAN's DR election looks at who is at least 2-Way (9.2). */
	if (ifa->c.type == OSPF_IF_BCAST &&
	    ((from >= OSPF_NS_2WAY) != (to >= OSPF_NS_2WAY)))
		ifa->nbr_change = true;
}

typedef int (*nbr_act_fn)(struct ospf_nbr *n, uint64_t now);

/* Special values of a table entry's next state. */
#define NX_ACT  -1   /* the action returns the next state */
#define NX_NONE -2   /* the event means nothing in this state */

struct nbr_tr {
	nbr_act_fn act;
	int8_t next;
};

static int act_start_inactivity(struct ospf_nbr *n, uint64_t now)
{
	n->dead_at = now + (uint64_t)n->ifa->c.dead_s * 1000;
	return n->state;
}

static int act_2way_or_exstart(struct ospf_nbr *n, uint64_t now)
{
	(void)now;
	return ospf_nbr_want_adj(n) ? OSPF_NS_EXSTART : OSPF_NS_2WAY;
}

static int act_summary(struct ospf_nbr *n, uint64_t now)
{
	struct ospf_eng *e = n->ifa->e;
	struct ospf_lsa_hdr h;

	/* 10.3 NegotiationDone: describe the whole database; what is
	 * MaxAge goes on the retransmission list instead. */
	ospf_klist_clear(&n->summary);
	OSPF_LSDB_FOREACH(&e->db, i, l) {
		ospf_lsa_cur_hdr(l, now, &h);
		if (h.age >= OSPF_MAX_AGE) {
			if (ospf_klist_add(&n->retrans, &h) == 0 &&
			    !n->lsu_rxmt_at)
				n->lsu_rxmt_at = now + n->ifa->rxmt_ms;
		} else {
			ospf_klist_add(&n->summary, &h);
		}
	}
	return OSPF_NS_EXCHANGE;
}

static int act_exch_done(struct ospf_nbr *n, uint64_t now)
{
	(void)now;
	return n->request.n ? OSPF_NS_LOADING : OSPF_NS_FULL;
}

static int act_adj_ok(struct ospf_nbr *n, uint64_t now)
{
	(void)now;
	if (n->state == OSPF_NS_2WAY)
		return ospf_nbr_want_adj(n) ? OSPF_NS_EXSTART : OSPF_NS_2WAY;
	return ospf_nbr_want_adj(n) ? (int)n->state : OSPF_NS_2WAY;
}

static int act_restart_exchange(struct ospf_nbr *n, uint64_t now)
{
	/* Back to ExStart with the lists cleared (nbr_chstate clears them
	 * only when going below ExStart). */
	(void)now;
	clear_lists(n);
	drop_dbd(n);
	return OSPF_NS_EXSTART;
}

static int act_kill(struct ospf_nbr *n, uint64_t now)
{
	(void)now;
	clear_lists(n);
	drop_dbd(n);
	return OSPF_NS_DOWN;
}

#define S(a)  { act_start_inactivity, a }
#define NONE  { NULL, NX_NONE }
#define KILL  { act_kill, NX_ACT }
#define ACT(f) { f, NX_ACT }
#define TO(s) { NULL, s }

static const struct nbr_tr nbr_fsm[OSPF_NS_MAX][OSPF_NE_MAX] = {
	[OSPF_NS_DOWN] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_INIT),
		[OSPF_NE_2WAY_RX] = NONE,
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = NONE,
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = NONE,
		[OSPF_NE_SEQ_MISMATCH] = NONE,
		[OSPF_NE_1WAY_RX] = NONE,
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_INIT] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_INIT),
		[OSPF_NE_2WAY_RX] = ACT(act_2way_or_exstart),
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = NONE,
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = NONE,
		[OSPF_NE_SEQ_MISMATCH] = NONE,
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_2WAY] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_2WAY),
		[OSPF_NE_2WAY_RX] = TO(OSPF_NS_2WAY),
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = NONE,
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = ACT(act_adj_ok),
		[OSPF_NE_SEQ_MISMATCH] = NONE,
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_EXSTART] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_EXSTART),
		[OSPF_NE_2WAY_RX] = TO(OSPF_NS_EXSTART),
		[OSPF_NE_NEG_DONE] = ACT(act_summary),
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = NONE,
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = ACT(act_adj_ok),
		[OSPF_NE_SEQ_MISMATCH] = NONE,
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_EXCHANGE] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_EXCHANGE),
		[OSPF_NE_2WAY_RX] = TO(OSPF_NS_EXCHANGE),
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = ACT(act_exch_done),
		[OSPF_NE_BAD_LSREQ] = ACT(act_restart_exchange),
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = ACT(act_adj_ok),
		[OSPF_NE_SEQ_MISMATCH] = ACT(act_restart_exchange),
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_LOADING] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_LOADING),
		[OSPF_NE_2WAY_RX] = TO(OSPF_NS_LOADING),
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = ACT(act_restart_exchange),
		[OSPF_NE_LOAD_DONE] = TO(OSPF_NS_FULL),
		[OSPF_NE_ADJ_OK] = ACT(act_adj_ok),
		[OSPF_NE_SEQ_MISMATCH] = ACT(act_restart_exchange),
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
	[OSPF_NS_FULL] = {
		[OSPF_NE_HELLO_RX] = S(OSPF_NS_FULL),
		[OSPF_NE_2WAY_RX] = TO(OSPF_NS_FULL),
		[OSPF_NE_NEG_DONE] = NONE,
		[OSPF_NE_EXCH_DONE] = NONE,
		[OSPF_NE_BAD_LSREQ] = ACT(act_restart_exchange),
		[OSPF_NE_LOAD_DONE] = NONE,
		[OSPF_NE_ADJ_OK] = ACT(act_adj_ok),
		[OSPF_NE_SEQ_MISMATCH] = ACT(act_restart_exchange),
		[OSPF_NE_1WAY_RX] = TO(OSPF_NS_INIT),
		[OSPF_NE_KILL] = KILL,
		[OSPF_NE_INACTIVITY] = KILL,
		[OSPF_NE_LL_DOWN] = KILL,
	},
};

#undef S
#undef NONE
#undef KILL
#undef ACT
#undef TO

void ospf_nbr_event(struct ospf_nbr *n, uint64_t now, enum ospf_nbr_event ev)
{
	const struct nbr_tr *tr;
	int next;

	if (n->state >= OSPF_NS_MAX || ev >= OSPF_NE_MAX)
		return;
	tr = &nbr_fsm[n->state][ev];
	if (tr->next == NX_NONE)
		return;
	next = tr->next;
	if (tr->act) {
		int r = tr->act(n, now);

		if (next == NX_ACT)
			next = r;
	}
	nbr_chstate(n, now, (enum ospf_nbr_state)next, ev);
}
