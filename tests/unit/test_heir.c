/* cp/heir.h: the heir of a local IP — one per key, the same on every node,
 * spread over the candidates, and stable: taking a node out of the set
 * moves only the keys it held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cp/heir.h"

#define KEYS 20000

static uint32_t key(unsigned i) { return 0x0a010000u + i * 7919u; }

static void test_order_does_not_matter(void **state)
{
	uint32_t a[] = { 1, 2, 3, 4, 5 }, b[] = { 5, 3, 1, 4, 2 };

	(void)state;
	for (unsigned i = 0; i < KEYS; i++)
		assert_int_equal(cp_heir(a, 5, key(i)), cp_heir(b, 5, key(i)));
	assert_int_equal(cp_heir(a, 0, 1), 0);
	assert_int_equal(cp_heir(a, 1, 1), 1);
}

static void test_spread(void **state)
{
	uint32_t ids[] = { 1, 2, 3, 4 };
	unsigned count[5] = { 0 };

	(void)state;
	for (unsigned i = 0; i < KEYS; i++)
		count[cp_heir(ids, 4, key(i))]++;
	/* 5000 each if fair: within 10 % */
	for (unsigned k = 1; k <= 4; k++) {
		print_message("node %u inherits %u of %u keys\n", k, count[k], KEYS);
		assert_true(count[k] > 4500 && count[k] < 5500);
	}
}

static void test_minimal_moves(void **state)
{
	uint32_t all[] = { 1, 2, 3, 4 }, less[] = { 1, 2, 4 };

	(void)state;
	for (unsigned i = 0; i < KEYS; i++) {
		uint32_t before = cp_heir(all, 4, key(i)), after = cp_heir(less, 3, key(i));

		if (before != 3)
			assert_int_equal(before, after);   /* only node 3's keys move */
		else
			assert_int_not_equal(after, 3);
	}
}

static void test_rank(void **state)
{
	uint32_t ids[] = { 7, 3, 9 };

	(void)state;
	for (unsigned i = 0; i < KEYS; i++) {
		unsigned seen[3] = { 0 };

		assert_int_equal(cp_heir_rank(ids, 3, cp_heir(ids, 3, key(i)), key(i)), 0);
		for (unsigned k = 0; k < 3; k++)
			seen[cp_heir_rank(ids, 3, ids[k], key(i))]++;
		/* ranks 0, 1, 2 each once */
		assert_int_equal(seen[0] * 100 + seen[1] * 10 + seen[2], 111);
		/* the next heir when the first is gone is rank 1 */
		for (unsigned k = 0; k < 3; k++) {
			if (cp_heir_rank(ids, 3, ids[k], key(i)) != 1)
				continue;
			{
				uint32_t rest[2];
				unsigned m = 0;

				for (unsigned j = 0; j < 3; j++)
					if (cp_heir_rank(ids, 3, ids[j], key(i)) != 0)
						rest[m++] = ids[j];
				assert_int_equal(cp_heir(rest, 2, key(i)), ids[k]);
			}
		}
	}
	assert_int_equal(cp_heir_rank(ids, 3, 42, 1), 3);   /* not a candidate */
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_order_does_not_matter),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_minimal_moves),
		cmocka_unit_test(test_rank),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
