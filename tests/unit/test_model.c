/* test_model.c - the run model: join keys, interning, capping, merging. */
#include "unit.h"

#include "fixproof/buf.h"
#include "fixproof/model.h"

static void key_of_nodeid(const char *nodeid, const char *want)
{
	fp_buf b = FP_BUF_INIT;

	fp_nodeid_key(&b, nodeid);
	assert_string_equal(b.ptr, want);
	fp_buf_free(&b);
}

static void test_nodeid_keys(void **state)
{
	(void)state;
	key_of_nodeid("tests/a/test_b.py::TestC::test_d[x]", "tests.a.test_b.TestC::test_d[x]");
	key_of_nodeid("tests/a/test_b.py::test_d", "tests.a.test_b::test_d");
	key_of_nodeid("tests/a/test_b.py", "tests.a.test_b");
	key_of_nodeid("tests/a/test_b.py::TestC::TestInner::test_d", "tests.a.test_b.TestC.TestInner::test_d");
	/* The parametrization may itself hold "::", dots and slashes. */
	key_of_nodeid("t/test_p.py::test_x[a::b/c.d]", "t.test_p::test_x[a::b/c.d]");
	key_of_nodeid("t/test_p.py::TestK::test_x[a::b]", "t.test_p.TestK::test_x[a::b]");
}

static void test_junit_key_matches_nodeid(void **state)
{
	fp_run *run = fp_run_new();
	uint32_t in = fp_run_add_input(run, "x.xml", FP_INPUT_JUNIT);
	fp_test *t = NULL;
	fp_buf a = FP_BUF_INIT, b = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = fp_run_intern(run, "tests.a.test_b.TestC", 20);
	t->name = fp_run_strdup(run, "test_d[x::y]");
	fp_test_key(&a, t);
	fp_nodeid_key(&b, "tests/a/test_b.py::TestC::test_d[x::y]");
	assert_string_equal(a.ptr, b.ptr);
	fp_buf_free(&a);
	fp_buf_free(&b);
	fp_run_free(run);
}

static void test_intern_shares_copies(void **state)
{
	fp_run *run = fp_run_new();
	const char *x = fp_run_intern(run, "pkg.Class", 9);
	const char *y = fp_run_intern(run, "pkg.Classy", 9);
	int i;

	(void)state;
	assert_ptr_equal(x, y);
	for (i = 0; i < 5000; i++) {
		char name[32];
		int n = snprintf(name, sizeof(name), "c%d", i);

		assert_string_equal(fp_run_intern(run, name, (size_t)n), name);
	}
	assert_ptr_equal(fp_run_intern(run, "pkg.Class", 9), x);
	fp_run_free(run);
}

static void test_strcap_keeps_head_and_tail(void **state)
{
	fp_run *run = fp_run_new();
	fp_buf text = FP_BUF_INIT;
	const char *c;
	int i;

	(void)state;
	fp_buf_puts(&text, "HEAD\n");
	for (i = 0; i < 1000; i++)
		fp_buf_puts(&text, "middle line\n");
	fp_buf_puts(&text, "E   AssertionError: the line that matters");
	c = fp_run_strcap(run, text.ptr, text.len, 1024);
	assert_true(strlen(c) <= 1024);
	assert_true(strncmp(c, "HEAD\n", 5) == 0);
	assert_non_null(strstr(c, "bytes left out by fixproof"));
	assert_non_null(strstr(c, "E   AssertionError: the line that matters"));
	/* Short texts are kept whole; invalid UTF-8 becomes U+FFFD. */
	assert_string_equal(fp_run_strcap(run, "ok\xff", 3, 1024), "ok\xef\xbf\xbd");
	fp_buf_free(&text);
	fp_run_free(run);
}

static void add(fp_run *run, uint32_t in, const char *cls, const char *name, fp_status st, int result)
{
	fp_test *t = NULL;

	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = cls ? fp_run_intern(run, cls, strlen(cls)) : NULL;
	t->name = fp_run_strdup(run, name);
	t->status = (uint8_t)st;
	t->flags = (uint8_t)(result ? FP_TEST_RESULT : FP_TEST_COLLECTED);
}

static void test_finish_merges_and_counts(void **state)
{
	fp_run *run = fp_run_new();
	uint32_t a = fp_run_add_input(run, "shard1.xml", FP_INPUT_JUNIT);
	uint32_t b = fp_run_add_input(run, "shard2.xml", FP_INPUT_JUNIT);

	(void)state;
	add(run, a, "t.test_x", "test_one", FP_STATUS_PASSED, 1);
	add(run, a, "t.test_x", "test_two", FP_STATUS_FAILED, 1);
	add(run, b, "t.test_x", "test_one", FP_STATUS_FAILED, 1); /* a rerun that disagrees */
	add(run, b, "t.test_x", "test_three", FP_STATUS_SKIPPED, 1);
	fp_run_finish(run);
	assert_int_equal(run->ntests, 3);
	assert_int_equal(run->summary.tests, 3);
	assert_int_equal(run->summary.failed, 2);
	assert_int_equal(run->summary.skipped, 1);
	assert_int_equal(run->summary.passed, 0);
	assert_int_equal(run->summary.flaky, 1);
	assert_true(run->tests[0].flags & FP_TEST_FLAKY);
	assert_int_equal(run->tests[0].status, FP_STATUS_FAILED);
	fp_run_free(run);
}

static void guess_of(const char *cls, const char *name, const char *file, const char *want)
{
	fp_run *run = fp_run_new();
	uint32_t in = fp_run_add_input(run, "x.xml", FP_INPUT_JUNIT);
	fp_test *t = NULL;
	fp_buf b = FP_BUF_INIT;

	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = cls ? fp_run_intern(run, cls, strlen(cls)) : NULL;
	t->name = fp_run_strdup(run, name);
	t->file = file ? fp_run_intern(run, file, strlen(file)) : NULL;
	fp_test_nodeid_guess(&b, t);
	assert_string_equal(b.ptr, want);
	fp_buf_free(&b);
	fp_run_free(run);
}

static void test_nodeid_guess(void **state)
{
	(void)state;
	guess_of("tests.test_sessions.TestConcurrentUsers", "test_isolation[2]", NULL,
		 "tests/test_sessions.py::TestConcurrentUsers::test_isolation[2]");
	guess_of("tests.test_inventory.TestInventory.TestRestock", "test_x[a.b]", NULL,
		 "tests/test_inventory.py::TestInventory::TestRestock::test_x[a.b]");
	guess_of("tests.test_smoke", "test_version", NULL, "tests/test_smoke.py::test_version");
	/* xunit1's file attribute settles where the module ends. */
	guess_of("tests.Upper.test_m.TestK", "test_y", "tests/Upper/test_m.py",
		 "tests/Upper/test_m.py::TestK::test_y");
	/* A collection error: the module, dotted, as the name. */
	guess_of("", "tests.api.test_payments", NULL, "tests/api/test_payments.py");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodeid_keys),
		cmocka_unit_test(test_junit_key_matches_nodeid),
		cmocka_unit_test(test_intern_shares_copies),
		cmocka_unit_test(test_strcap_keeps_head_and_tail),
		cmocka_unit_test(test_finish_merges_and_counts),
		cmocka_unit_test(test_nodeid_guess),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
