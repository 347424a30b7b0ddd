/* test_sides.c - both runs read at once: the same runs as one after the
 * other, and the "before" side's error first when both fail. */
#include "unit.h"

#include "fixproof/error.h"
#include "fixproof/sides.h"

static void test_sides_read__both_sides_as_one_after_the_other(void **state)
{
	const char *before[] = { "samples/before" }, *after[] = { "samples/after" };
	fp_run *b = NULL, *a = NULL, *alone = NULL;
	fp_rules *rules = NULL;

	(void)state;
	assert_int_equal(fp_rules_default(&rules), 0);
	assert_int_equal(fp_sides_read(&b, &a, before, 1, after, 1, rules, NULL, NULL), 0);
	assert_int_equal(fp_sides_read_one(&alone, after, 1, rules, NULL, NULL), 0);
	assert_true(b->ntests > 0);
	assert_int_equal(a->ntests, alone->ntests);
	assert_string_equal(a->inputs[0].sha256, alone->inputs[0].sha256);
	assert_string_not_equal(a->inputs[0].sha256, b->inputs[0].sha256);
	fp_run_free(alone);
	fp_run_free(a);
	fp_run_free(b);
	fp_rules_free(rules);
}

static void test_sides_read__the_failing_side_says_why(void **state)
{
	const char *good[] = { "samples/before" };
	const char *gone_before[] = { "tests/data/no-such-before.xml" };
	const char *gone_after[] = { "tests/data/no-such-after.xml" };
	fp_run *b = NULL, *a = NULL;
	fp_rules *rules = NULL;

	(void)state;
	assert_int_equal(fp_rules_default(&rules), 0);
	/* The message set on the second thread reaches the caller's. */
	assert_int_equal(fp_sides_read(&b, &a, good, 1, gone_after, 1, rules, NULL, NULL), FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "no-such-after.xml"));
	assert_null(b);
	assert_null(a);
	assert_int_equal(fp_sides_read(&b, &a, gone_before, 1, gone_after, 1, rules, NULL, NULL),
			 FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "no-such-before.xml"));
	fp_rules_free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sides_read__both_sides_as_one_after_the_other),
		cmocka_unit_test(test_sides_read__the_failing_side_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
