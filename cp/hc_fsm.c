/* cp/hc_fsm.c — the rise/fall filter between check results and state. */
#include "cp/hc_int.h"

enum { HC_DOWN, HC_UP };
enum { HC_FAIL, HC_OK };

/*
 * [state][result]: which run of results grows (the other one restarts at
 * zero), and whether reaching its threshold flips the state. Only a run
 * against the current state (failures while up, successes while down) can
 * flip it.
 */
static const struct hc_fsm_rule {
	bool grows_oks;
	bool may_flip;
} hc_fsm_rules[2][2] = {
	[HC_UP][HC_OK]     = { .grows_oks = true,  .may_flip = false },
	[HC_UP][HC_FAIL]   = { .grows_oks = false, .may_flip = true  },  /* fall */
	[HC_DOWN][HC_OK]   = { .grows_oks = true,  .may_flip = true  },  /* rise */
	[HC_DOWN][HC_FAIL] = { .grows_oks = false, .may_flip = false },
};

void cp_hc_fsm_init(struct cp_hc_fsm *f, bool up)
{
	f->up = up;
	f->oks = 0;
	f->fails = 0;
}

static uint32_t sat_inc(uint32_t v)
{
	return v == UINT32_MAX ? v : v + 1;
}

bool cp_hc_fsm_step(struct cp_hc_fsm *f, bool ok, uint16_t rise, uint16_t fall)
{
	const struct hc_fsm_rule *r = &hc_fsm_rules[f->up ? HC_UP : HC_DOWN][ok ? HC_OK : HC_FAIL];
	uint32_t run, need;

	if (r->grows_oks) {
		f->oks = sat_inc(f->oks);
		f->fails = 0;
		run = f->oks;
		need = rise ? rise : 1;
	} else {
		f->fails = sat_inc(f->fails);
		f->oks = 0;
		run = f->fails;
		need = fall ? fall : 1;
	}
	if (!r->may_flip || run < need)
		return false;
	f->up = !f->up;
	return true;
}
