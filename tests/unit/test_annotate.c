/* test_annotate.c - GitHub workflow commands: escaping, trace frames, order and caps. */
#include "unit.h"

#include "fixproof/annotate.h"
#include "fixproof/classify.h"
#include "fixproof/diff.h"
#include "fixproof/parse.h"

static char *escaped(const char *s, int property)
{
	fp_buf b = FP_BUF_INIT;

	fp_annotate_escape(&b, s, strlen(s), property);
	return fp_buf_detach(&b, NULL);
}

static void test_annotate_escape_data_and_properties(void **state)
{
	char *s;

	(void)state;
	s = escaped("100% sure\r\n::error::x, y", 0);
	assert_string_equal(s, "100%25 sure%0D%0A::error::x, y");
	free(s);
	s = escaped("tests/a.py::test_b[1,2]: 50%", 1);
	assert_string_equal(s, "tests/a.py%3A%3Atest_b[1%2C2]%3A 50%25");
	free(s);
}

static void test_annotate_trace_frame_python_pytest_and_js(void **state)
{
	fp_buf file = FP_BUF_INIT;
	unsigned long line = 0;

	(void)state;
	/* pytest's long traceback: the last frame is the deepest. */
	assert_true(fp_annotate_trace_frame(&file, &line,
		"    def test_x():\n>       f()\n\ntests/test_x.py:12: \n_ _ _\n"
		"shop/x.py:31: ZeroDivisionError", "/repo"));
	assert_string_equal(file.ptr, "shop/x.py");
	assert_int_equal(line, 31);
	/* Python's traceback: absolute paths under the root become relative;
	 * installed packages and paths elsewhere are not the repository's. */
	assert_true(fp_annotate_trace_frame(&file, &line,
		"Traceback (most recent call last):\n"
		"  File \"/repo/tests/test_db.py\", line 8, in test_db\n"
		"  File \"/usr/lib/python3/dist-packages/psycopg/conn.py\", line 90, in connect\n"
		"  File \"/elsewhere/x.py\", line 3, in f\n", "/repo/"));
	assert_string_equal(file.ptr, "tests/test_db.py");
	assert_int_equal(line, 8);
	/* A JavaScript stack: the first frame in the repository is the deepest. */
	assert_true(fp_annotate_trace_frame(&file, &line,
		"Error: boom\n    at Object.<anonymous> (/repo/node_modules/x/y.js:1:2)\n"
		"    at add (/repo/src/add.js:4:11)\n    at Object.<anonymous> (/repo/test/add.test.js:9:3)",
		"/repo"));
	assert_string_equal(file.ptr, "src/add.js");
	assert_int_equal(line, 4);
	assert_false(fp_annotate_trace_frame(&file, &line, "no frames at all: 12", "/repo"));
	fp_buf_free(&file);
}

/* Reads and classifies a sample directory. */
static fp_run *sample(const char *dir, const fp_rules *rules)
{
	const char *paths[1] = { dir };
	fp_run *run = NULL;

	assert_int_equal(fp_parse_inputs(&run, paths, 1, NULL, NULL), 0);
	fp_classify_run(run, rules);
	return run;
}

/* The annotations for samples/before -> samples/AFTER with `opts`. */
static char *annotate_samples(const char *after_dir, const char *const *targets, size_t ntargets,
			      const fp_annotate_opts *opts)
{
	fp_rules *rules = NULL;
	fp_run *before, *after;
	fp_diff *d = NULL;
	fp_diff_opts dopts = { .patterns = targets, .npatterns = ntargets, .goal = FP_GOAL_PASS };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(fp_rules_default(&rules), 0);
	before = sample("samples/before", rules);
	after = sample(after_dir, rules);
	assert_int_equal(fp_diff_runs(&d, before, after, &dopts), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(fp_annotate_write(f, d, opts), 0);
	fclose(f);
	fp_diff_free(d);
	fp_run_free(before);
	fp_run_free(after);
	fp_rules_free(rules);
	return text;
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0;
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	return n;
}

static void test_annotate_regressed_sample_errors_first(void **state)
{
	static const char *const targets[] = { "TestConcurrentUsers", "test_concurrent_login" };
	fp_annotate_opts opts = { "/home/dev/shop", 0, 0 };
	char *text = annotate_samples("samples/regressed", targets, 2, &opts);

	(void)state;
	/* The one regression, at the line of the trace's deepest frame in the
	 * repository; the targets pass, so nothing else is annotated. */
	assert_string_equal(text,
		"::error file=tests/test_inventory.py,line=22,title=tests/test_inventory.py%3A%3A"
		"TestInventory%3A%3ATestReservations%3A%3Atest_reserve_reduces_stock%3A regressed::"
		"Before the fix: passed; after: failed on business logic (assertion).%0A"
		"assert 10 == 7\n");
	free(text);
}

static void test_annotate_caps_leave_a_counted_notice(void **state)
{
	fp_annotate_opts opts = { "/home/dev/shop", 1, 0 };
	char *all = annotate_samples("samples/after", NULL, 0, NULL);
	char *text = annotate_samples("samples/after", NULL, 0, &opts);
	size_t errors = count_lines(all, "::error "), warnings = count_lines(all, "::warning ");
	const char *notice;

	(void)state;
	assert_true(errors + warnings > 2);
	assert_int_equal(count_lines(text, "::error "), 1);
	assert_int_equal(count_lines(text, "::warning "), warnings ? 1 : 0);
	notice = strstr(text, "::notice title=fixproof%3A ");
	assert_non_null(notice);
	assert_non_null(strstr(notice, "left out"));
	free(all);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotate_escape_data_and_properties),
		cmocka_unit_test(test_annotate_trace_frame_python_pytest_and_js),
		cmocka_unit_test(test_annotate_regressed_sample_errors_first),
		cmocka_unit_test(test_annotate_caps_leave_a_counted_notice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
