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

static void test_model_nodeid_key_is_dotted_module_and_name(void **state)
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

static void test_model_junit_key_matches_nodeid(void **state)
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

static void test_model_intern_shares_one_copy(void **state)
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

static void test_model_strcap_keeps_head_and_tail(void **state)
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

static void test_model_finish_merges_reruns_and_counts(void **state)
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

/* Adds a result entry of `status` in `phase`. */
static void add_result(fp_run *run, uint32_t in, const char *name, fp_status st, fp_phase phase)
{
	add(run, in, "t.test_r", name, st, 1);
	run->tests[run->ntests - 1].phase = (uint8_t)phase;
}

static const fp_test *merged(const fp_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->ntests; i++)
		if (strcmp(run->tests[i].name, name) == 0)
			return &run->tests[i];
	fail_msg("no test named '%s'", name);
	return NULL;
}

/*
 * Reruns in one run are one test of several runs (issue 14, item 6):
 * summary.runs counts every testcase, a merged test is flaky only when
 * its results disagree, and pytest's teardown testcase after a failed
 * call is the same run. A setup error then a pass disagree too, though
 * their phases differ.
 */
static void test_model_finish__counts_runs_of_reruns(void **state)
{
	fp_run *run = fp_run_new();
	uint32_t a = fp_run_add_input(run, "a.xml", FP_INPUT_JUNIT);
	uint32_t c = fp_run_add_input(run, "c.txt", FP_INPUT_COLLECT);
	const fp_test *t;

	(void)state;
	add_result(run, a, "retried", FP_STATUS_FAILED, FP_PHASE_CALL);
	add_result(run, a, "retried", FP_STATUS_PASSED, FP_PHASE_CALL);
	add_result(run, a, "torn", FP_STATUS_FAILED, FP_PHASE_CALL);
	add_result(run, a, "torn", FP_STATUS_ERROR, FP_PHASE_TEARDOWN);
	add_result(run, a, "same", FP_STATUS_FAILED, FP_PHASE_CALL);
	add_result(run, a, "same", FP_STATUS_FAILED, FP_PHASE_CALL);
	add_result(run, a, "setup", FP_STATUS_ERROR, FP_PHASE_SETUP);
	add_result(run, a, "setup", FP_STATUS_PASSED, FP_PHASE_CALL);
	add(run, c, "t.test_r", "listed", FP_STATUS_NOT_RUN, 0);
	add_result(run, a, "listed", FP_STATUS_PASSED, FP_PHASE_CALL);
	add(run, c, "t.test_r", "only_listed", FP_STATUS_NOT_RUN, 0);
	run->inputs[a].folded = 1;
	fp_run_finish(run);
	assert_int_equal(run->summary.tests, 6);
	/* 2 + 1 + 2 + 2 + 1 + 1, and the folded testcase. */
	assert_int_equal(run->summary.runs, 10);
	assert_int_equal(run->summary.flaky, 2);
	t = merged(run, "retried");
	assert_int_equal(t->flags & (FP_TEST_FLAKY | FP_TEST_DUPLICATE),
			 FP_TEST_FLAKY | FP_TEST_DUPLICATE);
	assert_int_equal(t->status, FP_STATUS_FAILED);
	t = merged(run, "torn");
	assert_false(t->flags & FP_TEST_FLAKY);
	assert_int_equal(t->status, FP_STATUS_ERROR);
	t = merged(run, "same");
	assert_int_equal(t->flags & (FP_TEST_FLAKY | FP_TEST_DUPLICATE), FP_TEST_DUPLICATE);
	assert_true(merged(run, "setup")->flags & FP_TEST_FLAKY);
	assert_false(merged(run, "listed")->flags & FP_TEST_FLAKY);
	fp_run_free(run);
}

/* The run model as JSON, in memory. */
static char *run_json(const fp_run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fp_run_write_json(run, f), 0);
	fclose(f);
	return text;
}

/*
 * Files passed over in a directory are warned about by the run itself,
 * not by an input (they are none), and a file found to be no result file
 * after it was added is taken out again with its tests.
 */
static void test_model_warn__run_warnings_and_dropped_inputs(void **state)
{
	fp_run *run = fp_run_new();
	uint32_t a = fp_run_add_input(run, "a.xml", FP_INPUT_JUNIT);
	uint32_t b;
	char *json;
	int i;

	(void)state;
	add(run, a, "t.test_a", "test_one", FP_STATUS_PASSED, 1);
	b = fp_run_add_input(run, "pytest.log", FP_INPUT_COLLECT);
	add(run, b, "t.test_b", "test_two", FP_STATUS_NOT_RUN, 0);
	fp_run_warn(run, b, "'pytest.log' line 3: something");
	fp_run_drop_input(run, b);
	fp_run_warn(run, FP_RUN_ITSELF, "skipped '%s': the console output of a pytest run",
		    "pytest.log");
	assert_int_equal(run->ninputs, 1);
	assert_int_equal(run->ntests, 1);
	assert_int_equal(run->inputs[a].tests, 1);
	assert_int_equal(run->nwarnings, 1);
	for (i = 0; i < FP_MAX_WARNINGS; i++)
		fp_run_warn(run, FP_RUN_ITSELF, "skipped 'x%d.xml'", i);
	assert_int_equal(run->nwarnings, FP_MAX_WARNINGS);
	assert_int_equal(run->warnings_dropped, 1);
	run->inputs[a].empty = 1;
	fp_run_finish(run);
	json = run_json(run);
	assert_non_null(strstr(json, "\"complete\":true,\"empty\":true,\"warnings\":[]}],\n"
				     "\"warnings\":[\"skipped 'pytest.log': the console output "
				     "of a pytest run\","));
	assert_non_null(strstr(json, ",\"... and 1 more warnings\"],\n"));
	assert_non_null(strstr(json, "\"summary\":{\"tests\":1,\"runs\":1,\"passed\":1,"));
	free(json);
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

static void test_model_nodeid_guessed_from_junit_key(void **state)
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

static uint64_t hash_in_pieces(const char *s, const size_t *cuts, size_t ncuts)
{
	fp_hash_state h;
	size_t i, at = 0;

	fp_hash_init(&h);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : strlen(s);

		fp_hash_add(&h, s + at, end - at);
		at = end;
	}
	return fp_hash_end(&h);
}

static void test_model_hash_same_for_any_split(void **state)
{
	static const char text[] = "tests.api.v2.test_cart_12.TestOrder::test_refund_7[eur-1]";
	static const size_t cuts[][4] = {
		{ 0, 0, 0, 0 }, { 1, 2, 3, 4 }, { 7, 8, 16, 17 }, { 8, 16, 24, 32 }, { 30, 30, 31, 57 }
	};
	uint64_t whole = fp_hash_bytes(text, strlen(text));
	size_t i;

	(void)state;
	/* The same bytes give the same hash however they are split. */
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		assert_true(hash_in_pieces(text, cuts[i], 4) == whole);
	/* Other bytes, or the same ones and a zero byte more, do not. */
	assert_true(fp_hash_bytes("ab", 2) != fp_hash_bytes("ab\0", 3));
	assert_true(fp_hash_bytes(text, strlen(text) - 1) != whole);
	assert_true(fp_hash_bytes("", 0) != fp_hash_bytes("\0", 1));
}

static fp_test *make_test(fp_run *run, const char *cls, const char *name, const char *nodeid)
{
	uint32_t in = run->ninputs ? 0 : fp_run_add_input(run, "x.xml", FP_INPUT_JUNIT);
	fp_test *t = NULL;

	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = cls ? fp_run_intern(run, cls, strlen(cls)) : NULL;
	t->name = fp_run_strdup(run, name);
	t->nodeid = fp_run_strdup(run, nodeid);
	return t;
}

static void test_model_same_key_across_formats(void **state)
{
	fp_run *run = fp_run_new();

	(void)state;
	make_test(run, "t.test_a.TestK", "test_x[1]", NULL);
	make_test(run, "p::q", "r", NULL);
	make_test(run, NULL, "t.test_a.TestK::test_x[1]", NULL); /* the key, with no class */
	make_test(run, NULL, "t.test_a.TestK", "t/test_a.py::TestK::test_x[1]");
	make_test(run, "", "t.test_a", NULL);
	make_test(run, NULL, "t.test_a", NULL);                  /* "" and NULL: no class */
	make_test(run, "t.test_a.TestK", "test_x[2]", NULL);
	make_test(run, "p", "q::r", NULL);                       /* "p::q::r" split elsewhere */
	assert_true(fp_test_same_key(&run->tests[0], &run->tests[2]));
	assert_true(fp_test_same_key(&run->tests[3], &run->tests[0]));
	assert_true(fp_test_same_key(&run->tests[4], &run->tests[5]));
	assert_true(fp_test_same_key(&run->tests[1], &run->tests[7]));
	assert_false(fp_test_same_key(&run->tests[0], &run->tests[6]));
	assert_false(fp_test_same_key(&run->tests[4], &run->tests[0]));
	assert_false(fp_test_same_key(&run->tests[1], &run->tests[0]));
	/* One key, one entry, whatever its parts. */
	fp_run_finish(run);
	assert_int_equal(run->ntests, 4);
	assert_int_equal(run->tests_cap, 4);
	fp_run_free(run);
}

static void test_model_detail_moves_with_the_result(void **state)
{
	fp_run *run = fp_run_new();
	fp_test *t;
	fp_detail *d;

	(void)state;
	t = make_test(run, "t.test_a", "test_x", NULL);
	t->status = FP_STATUS_PASSED;
	t->flags = FP_TEST_RESULT;
	assert_null(t->detail);
	assert_null(fp_test_message(t));
	assert_null(fp_test_trace(t));
	t = make_test(run, "t.test_a", "test_x", NULL);   /* a rerun that failed */
	t->status = FP_STATUS_FAILED;
	t->phase = FP_PHASE_CALL;
	t->flags = FP_TEST_RESULT;
	d = fp_test_detail(run, t);
	assert_ptr_equal(fp_test_detail(run, t), d);     /* made once */
	d->message = fp_run_strdup(run, "AssertionError: 1 != 2");
	d->trace = fp_run_strdup(run, "E   AssertionError: 1 != 2");
	fp_run_finish(run);
	assert_int_equal(run->ntests, 1);
	assert_int_equal(run->tests[0].status, FP_STATUS_FAILED);
	assert_string_equal(fp_test_message(&run->tests[0]), "AssertionError: 1 != 2");
	assert_string_equal(fp_test_trace(&run->tests[0]), "E   AssertionError: 1 != 2");
	assert_null(fp_test_type(&run->tests[0]));
	assert_null(fp_test_cause(&run->tests[0]));
	fp_run_free(run);
}

static void test_model_json_of_tests_escapes_names(void **state)
{
	fp_run *run = fp_run_new();
	fp_test_json *tj;
	fp_buf out = FP_BUF_INIT;
	fp_test *t;

	(void)state;
	t = make_test(run, "t.\"odd\".TestK", "test_x[\n]", NULL);
	t->status = FP_STATUS_FAILED;
	t->phase = FP_PHASE_CALL;
	t->time = 0.25;
	t->line = 12;
	fp_test_detail(run, t)->message = fp_run_strdup(run, "boom");
	t = make_test(run, "t.test_b", "test_y", NULL);
	t->status = FP_STATUS_PASSED;
	t = make_test(run, NULL, "t.test_c", "t/test_c.py");
	t->status = FP_STATUS_ERROR;
	t->phase = FP_PHASE_COLLECTION;
	tj = fp_test_json_new(run);
	fp_test_json_add(tj, &out, &run->tests[0]);
	assert_string_equal(out.ptr,
			    "{\"id\":\"t.\\\"odd\\\".TestK::test_x[\\n]\",\"status\":\"failed\","
			    "\"phase\":\"call\",\"category\":null,\"cause\":null,\"rule\":null,"
			    "\"type\":null,\"message\":\"boom\",\"file\":null,\"line\":12,"
			    "\"time\":0.25,\"input\":\"x.xml\",\"trace\":null}");
	/* The class of the test before is not carried over. */
	fp_buf_clear(&out);
	fp_test_json_id(tj, &out, &run->tests[1]);
	fp_test_json_id(tj, &out, &run->tests[2]);
	fp_test_json_id(tj, &out, &run->tests[0]);
	assert_string_equal(out.ptr, "\"t.test_b::test_y\"\"t/test_c.py\""
			    "\"t.\\\"odd\\\".TestK::test_x[\\n]\"");
	fp_test_json_free(tj);
	fp_test_json_free(NULL);
	fp_buf_free(&out);
	fp_run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_nodeid_key_is_dotted_module_and_name),
		cmocka_unit_test(test_model_junit_key_matches_nodeid),
		cmocka_unit_test(test_model_intern_shares_one_copy),
		cmocka_unit_test(test_model_strcap_keeps_head_and_tail),
		cmocka_unit_test(test_model_finish_merges_reruns_and_counts),
		cmocka_unit_test(test_model_finish__counts_runs_of_reruns),
		cmocka_unit_test(test_model_warn__run_warnings_and_dropped_inputs),
		cmocka_unit_test(test_model_nodeid_guessed_from_junit_key),
		cmocka_unit_test(test_model_hash_same_for_any_split),
		cmocka_unit_test(test_model_same_key_across_formats),
		cmocka_unit_test(test_model_detail_moves_with_the_result),
		cmocka_unit_test(test_model_json_of_tests_escapes_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
