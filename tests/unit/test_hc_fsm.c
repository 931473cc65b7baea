/* Rise/fall filter: every sequence of results up to length 8, for several
 * rise/fall values and both initial states, against a reference model that
 * re-reads the whole history instead of keeping counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cp/hc_int.h"

#define MAXLEN 8

/* Spec: a target that is up goes down when its last `fall` results are all
 * failures; one that is down goes up when its last `rise` results are all
 * successes. */
static bool last_n_all(const bool *r, int i, int n, bool want)
{
	int j;

	if (i + 1 < n)
		return false;
	for (j = i - n + 1; j <= i; j++)
		if (r[j] != want)
			return false;
	return true;
}

static uint32_t trailing_run(const bool *r, int i, bool want)
{
	uint32_t n = 0;

	for (; i >= 0 && r[i] == want; i--)
		n++;
	return n;
}

static void run_all(bool start_up, uint16_t rise, uint16_t fall)
{
	bool r[MAXLEN];
	int len, i;
	unsigned bits;

	for (len = 0; len <= MAXLEN; len++) {
		for (bits = 0; bits < (1u << len); bits++) {
			struct cp_hc_fsm f;
			bool ref_up = start_up;
			unsigned ref_trans = 0, trans = 0;

			cp_hc_fsm_init(&f, start_up);
			for (i = 0; i < len; i++) {
				bool changed, ref_changed = false;

				r[i] = (bits >> i) & 1;
				if (ref_up && last_n_all(r, i, fall, false)) {
					ref_up = false;
					ref_changed = true;
				} else if (!ref_up && last_n_all(r, i, rise, true)) {
					ref_up = true;
					ref_changed = true;
				}
				ref_trans += ref_changed;
				changed = cp_hc_fsm_step(&f, r[i], rise, fall);
				trans += changed;
				if (changed != ref_changed || f.up != ref_up)
					fail_msg("rise %u fall %u start %s len %d bits %#x step %d: "
						 "got up=%d changed=%d, want up=%d changed=%d",
						 rise, fall, start_up ? "up" : "down", len, bits, i,
						 f.up, changed, ref_up, ref_changed);
				assert_int_equal(f.oks, trailing_run(r, i, true));
				assert_int_equal(f.fails, trailing_run(r, i, false));
			}
			assert_int_equal(trans, ref_trans);
		}
	}
}

static void test_all_sequences(void **state)
{
	uint16_t rise, fall;

	(void)state;
	for (rise = 1; rise <= 5; rise++)
		for (fall = 1; fall <= 5; fall++) {
			run_all(true, rise, fall);
			run_all(false, rise, fall);
		}
	/* thresholds longer than any sequence: never flips */
	run_all(true, 9, 9);
	run_all(false, 9, 9);
}

static void test_zero_threshold_acts_as_one(void **state)
{
	struct cp_hc_fsm f;

	(void)state;
	cp_hc_fsm_init(&f, true);
	assert_true(cp_hc_fsm_step(&f, false, 0, 0));
	assert_false(f.up);
	assert_true(cp_hc_fsm_step(&f, true, 0, 0));
	assert_true(f.up);
}

static void test_counters_saturate(void **state)
{
	struct cp_hc_fsm f;

	(void)state;
	cp_hc_fsm_init(&f, true);
	f.oks = UINT32_MAX;
	assert_false(cp_hc_fsm_step(&f, true, 1, 1));
	assert_int_equal(f.oks, UINT32_MAX);
	assert_true(cp_hc_fsm_step(&f, false, 1, 1));
	assert_int_equal(f.oks, 0);
	assert_int_equal(f.fails, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sequences),
		cmocka_unit_test(test_zero_threshold_acts_as_one),
		cmocka_unit_test(test_counters_saturate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
