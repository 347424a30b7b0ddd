/* test_junit.c - the JUnit XML reader: runner shapes, precedence, phases,
 * truncation, refusals and bombs, all parsed from memory. */
#include "unit.h"

#include <time.h>

#include <libxml/parser.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/parse.h"

/* A parse of one document: the run (not merged), its input and the result. */
typedef struct parsed {
	fp_run *run;
	int err;
} parsed;

static parsed parse_mem_named(const char *path, const char *xml, size_t len)
{
	parsed p;
	fp_source src;
	uint32_t in;

	p.run = fp_run_new();
	in = fp_run_add_input(p.run, path, FP_INPUT_JUNIT);
	fp_error_clear();
	fp_source_memory(&src, path, xml, len);
	p.err = fp_junit_parse(p.run, in, &src);
	fp_source_close(&src);
	return p;
}

static parsed parse_str(const char *xml)
{
	return parse_mem_named("x.xml", xml, strlen(xml));
}

static parsed parse_fixture(const char *name)
{
	size_t len;
	char *xml = unit_read_data("junit", name, &len);
	parsed p = parse_mem_named(name, xml, len);

	free(xml);
	return p;
}

/* The raw entry with this name (entries are not merged here). */
static const fp_test *find(const fp_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->ntests; i++)
		if (run->tests[i].name && strcmp(run->tests[i].name, name) == 0)
			return &run->tests[i];
	fail_msg("no test named '%s'", name);
	return NULL;
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

static void check(const fp_test *t, fp_status status, fp_phase phase, const char *type,
		  const char *message)
{
	assert_int_equal(t->status, status);
	assert_int_equal(t->phase, phase);
	assert_str_or_null(fp_test_type(t), type);
	assert_str_or_null(fp_test_message(t), message);
	assert_true(t->flags & FP_TEST_RESULT);
}

/* ---- pytest ---- */

static void test_junit_pytest_xunit1_gives_node_ids_and_phases(void **state)
{
	parsed p = parse_fixture("pytest-7.2.1-xunit1.xml");
	const fp_test *t;
	fp_buf key = FP_BUF_INIT;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 14);
	assert_int_equal(p.run->inputs[0].tests, 14);
	assert_int_equal(p.run->inputs[0].nwarnings, 0);
	assert_int_equal(p.run->inputs[0].incomplete, 0);

	/* A collection error: the module is the name, the file its node id. */
	t = &p.run->tests[0];
	check(t, FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL, "collection failure");
	assert_null(t->classname);
	assert_string_equal(t->name, "tests.api.test_payments");
	assert_string_equal(t->nodeid, "tests/api/test_payments.py");
	assert_string_equal(t->file, "tests/api/test_payments.py");
	assert_int_equal(t->line, 0);
	assert_non_null(strstr(fp_test_trace(t), "E   ModuleNotFoundError: No module named 'shop'"));
	assert_true(strncmp(fp_test_trace(t), "ImportError while importing test module", 39) == 0);
	fp_test_key(&key, t);
	assert_string_equal(key.ptr, "tests.api.test_payments");

	/* A unittest setUp failure runs in the call phase. */
	t = find(p.run, "test_post");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
	      "AttributeError: 'TestLedger' object has no attribute 'make_store'");
	assert_string_equal(t->classname, "tests.test_ledger.TestLedger");
	assert_string_equal(t->file, "tests/test_ledger.py");
	assert_int_equal(t->line, 7);
	assert_true(t->time > 0.0009 && t->time < 0.0011);
	assert_true(strncmp(fp_test_trace(t), "self = <tests.test_ledger.TestLedger testMethod=test_post>\n", 59) == 0);

	t = find(p.run, "test_create_order");
	assert_int_equal(t->status, FP_STATUS_ERROR);
	assert_int_equal(t->phase, FP_PHASE_SETUP);
	assert_true(strncmp(fp_test_message(t), "failed on setup with \"file /tmp/pyproj/tests/api/test_orders.py, line 11\n", 73) == 0);
	assert_non_null(strstr(fp_test_message(t), "E       fixture 'live_db' not found"));

	t = find(p.run, "test_refund");
	check(t, FP_STATUS_ERROR, FP_PHASE_TEARDOWN, NULL,
	      "failed on teardown with \"RuntimeError: teardown exploded\"");

	t = find(p.run, "test_cancel_order[a::b/c.d]");
	check(t, FP_STATUS_PASSED, FP_PHASE_CALL, NULL, NULL);
	assert_null(fp_test_trace(t));
	fp_test_key(&key, t);
	assert_string_equal(key.ptr, "tests.api.test_orders.TestOrders::test_cancel_order[a::b/c.d]");

	t = find(p.run, "test_skipped");
	check(t, FP_STATUS_SKIPPED, FP_PHASE_CALL, "pytest.skip", "not ready");
	assert_string_equal(fp_test_trace(t), "/tmp/pyproj/tests/api/test_orders.py:31: not ready");
	t = find(p.run, "test_xfail");
	check(t, FP_STATUS_SKIPPED, FP_PHASE_CALL, "pytest.xfail", "known bug");
	assert_null(fp_test_trace(t));
	t = find(p.run, "test_xpass_strict");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "[XPASS(strict)] strictly known");
	t = find(p.run, "test_connect");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
	      "ConnectionRefusedError: [Errno 111] Connection refused");

	/* Classes are interned: one copy per class. */
	assert_ptr_equal(find(p.run, "test_create_order")->classname,
			 find(p.run, "test_refund")->classname);
	fp_buf_free(&key);
	fp_run_free(p.run);
}

static void test_junit_pytest_xunit2_joins_without_file_attribute(void **state)
{
	parsed p = parse_fixture("pytest-7.2.1-xunit2.xml");
	const fp_test *t;
	fp_buf a = FP_BUF_INIT, b = FP_BUF_INIT;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 14);
	t = &p.run->tests[0];
	check(t, FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL, "collection failure");
	/* No file attribute in xunit2: no node id, but the same join key as
	 * the collect-only entry for the module. */
	assert_null(t->nodeid);
	assert_null(t->file);
	fp_test_key(&a, t);
	fp_nodeid_key(&b, "tests/api/test_payments.py");
	assert_string_equal(a.ptr, b.ptr);
	t = find(p.run, "test_post");
	assert_null(t->file);
	assert_int_equal(t->line, 0);

	/* pytest writes a teardown error after a failure as a second entry;
	 * merging keeps the worst. */
	fp_run_finish(p.run);
	assert_int_equal(p.run->summary.tests, 13);
	assert_int_equal(p.run->summary.passed, 3);
	assert_int_equal(p.run->summary.failed, 4);
	assert_int_equal(p.run->summary.errors, 4);
	assert_int_equal(p.run->summary.skipped, 2);
	assert_int_equal(p.run->summary.flaky, 0);
	t = find(p.run, "test_refund_fails_too");
	assert_int_equal(t->status, FP_STATUS_ERROR);
	assert_int_equal(t->phase, FP_PHASE_TEARDOWN);
	assert_int_equal(t->flags & FP_TEST_FLAKY, 0);
	fp_buf_free(&a);
	fp_buf_free(&b);
	fp_run_free(p.run);
}

static void test_junit_pytest_system_out_is_not_kept(void **state)
{
	parsed p = parse_fixture("pytest-7.2.1-xunit2-logging.xml");
	const fp_test *t;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 14);
	t = find(p.run, "test_output");
	check(t, FP_STATUS_PASSED, FP_PHASE_CALL, NULL, NULL);
	assert_null(fp_test_trace(t));
	/* The failure's trace is its own text, not the captured output that
	 * follows it. */
	t = find(p.run, "test_cancel_order[cash]");
	assert_null(strstr(fp_test_trace(t), "Captured"));
	assert_string_equal(fp_test_trace(t) + strlen(fp_test_trace(t)) - 43, "tests/api/test_orders.py:16: AssertionError");
	fp_run_free(p.run);
}

/* ---- other runners ---- */

static void test_junit_surefire_flaky_and_rerun_are_one_test(void **state)
{
	parsed p = parse_fixture("surefire-rerun.xml");
	const fp_test *t;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 4);
	t = find(p.run, "createsOrder");
	check(t, FP_STATUS_PASSED, FP_PHASE_CALL, NULL, NULL);
	assert_int_equal(t->flags & FP_TEST_FLAKY, 0);

	/* Failed, then passed on a rerun: passed, and flaky. */
	t = find(p.run, "cancelsOrder");
	check(t, FP_STATUS_PASSED, FP_PHASE_CALL, "org.opentest4j.AssertionFailedError",
	      "expected: <CANCELLED> but was: <OPEN>");
	assert_true(t->flags & FP_TEST_FLAKY);
	/* The trace is the stackTrace child, not the captured output. */
	assert_string_equal(fp_test_trace(t), "org.opentest4j.AssertionFailedError: expected: <CANCELLED> "
			    "but was: <OPEN>\n\tat com.shop.OrderServiceTest.cancelsOrder(OrderServiceTest.java:41)\n");

	/* Failed every rerun: the first failure speaks for it. */
	t = find(p.run, "refundsOrder");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, "org.opentest4j.AssertionFailedError",
	      "expected: <0> but was: <5>");
	assert_int_equal(t->flags & FP_TEST_FLAKY, 0);

	t = find(p.run, "connectsToDatabase");
	check(t, FP_STATUS_ERROR, FP_PHASE_CALL, "java.net.ConnectException", "Connection refused");
	assert_string_equal(fp_test_trace(t), "java.net.ConnectException: Connection refused\n"
			    "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n");
	assert_true(t->time > 2.4999 && t->time < 2.5001);
	fp_run_free(p.run);
}

static void test_junit_status_attribute_without_result_is_skipped(void **state)
{
	parsed g = parse_fixture("gtest.xml");
	parsed c = parse_fixture("ctest.xml");
	const fp_test *t;

	(void)state;
	assert_int_equal(g.err, 0);
	check(find(g.run, "Balance"), FP_STATUS_PASSED, FP_PHASE_CALL, NULL, NULL);
	/* A disabled GoogleTest test has no result element, only a status. */
	check(find(g.run, "DISABLED_Close"), FP_STATUS_SKIPPED, FP_PHASE_CALL, NULL, NULL);
	t = find(g.run, "Export");
	check(t, FP_STATUS_SKIPPED, FP_PHASE_CALL, NULL, "/src/ledger_test.cc:36\nno exporter configured");
	t = find(g.run, "Post");
	assert_int_equal(t->status, FP_STATUS_FAILED);
	assert_null(fp_test_type(t)); /* type="" is no type */
	assert_string_equal(t->file, "/src/ledger_test.cc");
	assert_int_equal(t->line, 20);

	assert_int_equal(c.err, 0);
	check(find(c.run, "ledger_basic"), FP_STATUS_PASSED, FP_PHASE_CALL, NULL, NULL);
	check(find(c.run, "ledger_post"), FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Failed");
	check(find(c.run, "ledger_close"), FP_STATUS_SKIPPED, FP_PHASE_CALL, NULL, "Disabled");
	check(find(c.run, "ledger_export"), FP_STATUS_SKIPPED, FP_PHASE_CALL, NULL, NULL);
	assert_true(find(c.run, "ledger_post")->time > 0.04559 && find(c.run, "ledger_post")->time < 0.04561);
	fp_run_free(g.run);
	fp_run_free(c.run);
}

static void test_junit_go_and_mocha_reporters_read_whole(void **state)
{
	parsed g = parse_fixture("go-junit-report.xml");
	parsed s = parse_fixture("gotestsum.xml");
	parsed m = parse_fixture("mocha-junit-reporter.xml");
	const fp_test *t;

	(void)state;
	assert_int_equal(g.err, 0);
	assert_int_equal(g.run->ntests, 4);
	t = find(g.run, "TestPost");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Failed");
	assert_string_equal(t->classname, "example.com/shop/ledger");
	assert_string_equal(fp_test_trace(t), "    ledger_test.go:23: balance = 4, want 5");
	check(find(g.run, "[build failed]"), FP_STATUS_ERROR, FP_PHASE_CALL, NULL, "Build error");

	assert_int_equal(s.err, 0);
	t = find(s.run, "TestPost");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Failed");
	assert_string_equal(fp_test_trace(t), "=== RUN   TestPost\n    ledger_test.go:23: balance = 4, want 5\n"
			    "--- FAIL: TestPost (0.01s)\n");
	assert_int_equal(find(s.run, "TestExport")->status, FP_STATUS_SKIPPED);

	assert_int_equal(m.err, 0);
	assert_int_equal(m.run->ntests, 3);
	t = find(m.run, "Ledger post adds the amount");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, "AssertionError", "expected 4 to equal 5");
	assert_true(strncmp(fp_test_trace(t), "AssertionError: expected 4 to equal 5\n    at Context.<anonymous>", 63) == 0);
	check(find(m.run, "Ledger export writes a file"), FP_STATUS_SKIPPED, FP_PHASE_CALL, NULL, NULL);
	fp_run_free(g.run);
	fp_run_free(s.run);
	fp_run_free(m.run);
}

static void test_junit_nested_and_bare_suites_key_their_tests(void **state)
{
	/* Nested suites (PHPUnit), a bare <testsuite> root, missing class
	 * names, and a message taken from the text's first line (Jest). */
	parsed p = parse_str(
		"<testsuites><testsuite name=\"A\"><testsuite name=\"A.B\" file=\"/t/BTest.php\">"
		"<testcase name=\"t1\" class=\"B\" classname=\"B\" file=\"/t/BTest.php\" line=\"9\" assertions=\"1\" time=\"0.001\"/>"
		"</testsuite><testcase name=\"t2.phpt\" file=\"/t/t2.phpt\"/></testsuite>"
		"<testsuite name=\"libs/foo.spec.ts\"><testcase classname=\"Test suite failed to run\" name=\"libs/foo.spec.ts\" time=\"0\">"
		"<error>  \xe2\x97\x8f Test suite failed to run  \n\n    tsconfig.json:13:3 - error TS6258</error>"
		"</testcase></testsuite></testsuites>");
	parsed q = parse_str("<testsuite name=\"S\" tests=\"1\"><testcase classname=\"C\" name=\"n\"/></testsuite>");
	const fp_test *t;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 3);
	t = find(p.run, "t1");
	assert_string_equal(t->classname, "B");
	assert_int_equal(t->line, 9);
	/* No classname: the enclosing suites' names stand for it. */
	t = find(p.run, "t2.phpt");
	assert_string_equal(t->classname, "A");
	assert_string_equal(t->file, "/t/t2.phpt");
	assert_int_equal(t->status, FP_STATUS_PASSED);
	/* jest's suite that failed to run is an entry for its file. */
	t = find(p.run, "libs/foo.spec.ts");
	check(t, FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL, "\xe2\x97\x8f Test suite failed to run");
	assert_null(t->classname);
	assert_string_equal(t->nodeid, "libs/foo.spec.ts");
	assert_string_equal(t->file, "libs/foo.spec.ts");
	assert_string_equal(fp_test_trace(t), "  \xe2\x97\x8f Test suite failed to run  \n\n    tsconfig.json:13:3 - error TS6258");

	assert_int_equal(q.err, 0);
	assert_int_equal(q.run->ntests, 1);
	fp_run_free(p.run);
	fp_run_free(q.run);
}

static void test_junit_worst_result_wins_error_over_failure_over_skip(void **state)
{
	parsed p = parse_str(
		"<testsuites><testsuite>"
		"<testcase classname=\"c\" name=\"skip-fail-error\"><skipped message=\"s\"/>"
		"<failure message=\"f\">ft</failure><error message=\"e\" type=\"E\">et</error></testcase>"
		"<testcase classname=\"c\" name=\"error-fail\"><error message=\"e\">et</error>"
		"<failure message=\"f\" type=\"F\">ft</failure></testcase>"
		"<testcase classname=\"c\" name=\"fail-skip\"><failure message=\"f1\">ft</failure>"
		"<skipped message=\"s\">st</skipped><failure message=\"f2\">ft2</failure></testcase>"
		"<testcase classname=\"c\" name=\"flaky-fail\"><flakyFailure message=\"fl\"/>"
		"<failure message=\"f\"/></testcase>"
		"</testsuite></testsuites>");
	const fp_test *t;

	(void)state;
	assert_int_equal(p.err, 0);
	t = find(p.run, "skip-fail-error");
	check(t, FP_STATUS_ERROR, FP_PHASE_CALL, "E", "e");
	assert_string_equal(fp_test_trace(t), "et");
	t = find(p.run, "error-fail");
	check(t, FP_STATUS_ERROR, FP_PHASE_CALL, NULL, "e");
	assert_string_equal(fp_test_trace(t), "et");
	t = find(p.run, "fail-skip");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "f1");
	assert_string_equal(fp_test_trace(t), "ft");
	t = find(p.run, "flaky-fail");
	check(t, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "f");
	assert_true(t->flags & FP_TEST_FLAKY);
	fp_run_free(p.run);
}

static void test_junit_time_attribute_forms_and_garbage(void **state)
{
	static const struct { const char *attr; double want; } cases[] = {
		{ "1,234", 1.234 }, { "1,234.5", 1234.5 }, { "0.004", 0.004 }, { "12", 12 },
		{ "1e-3", 0.001 }, { "2.5E2", 250 }, { "abc", 0 }, { "", 0 }, { "-1", 0 },
		{ "nan", 0 }, { "1e999", 0 }, { " 3.5", 3.5 }
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp_buf xml = FP_BUF_INIT;
		parsed p;

		fp_buf_printf(&xml, "<testsuite><testcase name=\"t\" time=\"%s\"/></testsuite>", cases[i].attr);
		p = parse_str(xml.ptr);
		assert_int_equal(p.err, 0);
		assert_int_equal(p.run->ntests, 1);
		if (p.run->tests[0].time < cases[i].want - 1e-9 || p.run->tests[0].time > cases[i].want + 1e-9)
			fail_msg("time=\"%s\" read as %g, want %g", cases[i].attr, p.run->tests[0].time, cases[i].want);
		fp_buf_free(&xml);
		fp_run_free(p.run);
	}
}

static void test_junit_lines_and_missing_attributes_read(void **state)
{
	parsed p = parse_str("<testsuite><testcase/><testcase name=\"a\" line=\"12x\"/>"
			     "<testcase name=\"b\" line=\"99999999999\" classname=\"\"/>"
			     "<testcase name=\"c\" line=\"4294967295\"/></testsuite>");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 4);
	/* A testcase without a name is a test of its own, named by its place. */
	assert_string_equal(p.run->tests[0].name, "(unnamed testcase 1)");
	assert_null(p.run->tests[0].classname);
	assert_int_equal(p.run->tests[0].status, FP_STATUS_PASSED);
	assert_int_equal(p.run->inputs[0].nwarnings, 1);
	assert_string_equal(p.run->inputs[0].warnings[0], "'x.xml' line 1: a testcase without a "
			    "name, kept as '(unnamed testcase 1)'");
	assert_int_equal(p.run->tests[1].line, 0);
	assert_int_equal(p.run->tests[2].line, 0);
	assert_null(p.run->tests[2].classname);
	assert_int_equal(p.run->tests[3].line, 4294967295u);
	fp_run_free(p.run);
}

/* ---- truncation and damage ---- */

static void test_junit_truncated_file_keeps_complete_cases(void **state)
{
	size_t len, cut;
	char *xml = unit_read_data("junit", "pytest-7.2.1-xunit1.xml", &len);
	const char *third = NULL, *p = xml;
	parsed r;
	int i;

	(void)state;
	/* Cut in the middle of the fourth testcase's start tag. */
	for (i = 0; i < 4; i++)
		third = p = strstr(p + 1, "<testcase ");
	cut = (size_t)(third - xml) + 20;
	r = parse_mem_named("after.xml", xml, cut);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.run->ntests, 3);
	assert_int_equal(r.run->inputs[0].incomplete, 1);
	assert_int_equal(r.run->inputs[0].nwarnings, 1);
	assert_string_equal(r.run->inputs[0].warnings[0],
			    "'after.xml' line 20: the file ends in the middle of the XML (attValue: "
			    "\" or ' expected); kept the 3 complete testcases");
	fp_run_free(r.run);

	/* Cut inside a trace: the testcase it belongs to is not kept. */
	cut = (size_t)(strstr(xml, "E       AttributeError") - xml);
	r = parse_mem_named("after.xml", xml, cut);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.run->ntests, 1);
	assert_string_equal(r.run->tests[0].name, "tests.api.test_payments");
	assert_string_equal(r.run->inputs[0].warnings[0],
			    "'after.xml' line 12: the file ends in the middle of the XML (premature "
			    "end of data); kept the 1 complete testcases");
	fp_run_free(r.run);

	/* Cut right after an end tag: libxml2 has parsed that testcase, though
	 * the reader had not handed it out yet. */
	cut = (size_t)(strstr(xml, "</testcase>") - xml) + strlen("</testcase>");
	r = parse_mem_named("after.xml", xml, cut);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.run->ntests, 1);
	assert_int_equal(r.run->tests[0].status, FP_STATUS_ERROR);
	assert_int_equal(r.run->tests[0].phase, FP_PHASE_COLLECTION);
	assert_non_null(strstr(fp_test_trace(&r.run->tests[0]), "No module named 'shop'"));
	fp_run_free(r.run);

	/* Cut right after the root's start tag: JUnit, with no test yet. */
	r = parse_mem_named("after.xml", xml, 50);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.run->ntests, 0);
	assert_int_equal(r.run->inputs[0].incomplete, 1);
	assert_string_equal(r.run->inputs[0].warnings[0],
			    "'after.xml' line 1: the file ends in the middle of the XML (premature "
			    "end of data); kept the 0 complete testcases");
	fp_run_free(r.run);

	/* Cut inside the root's start tag: nothing to go on. */
	r = parse_mem_named("after.xml", xml, 45);
	assert_int_equal(r.err, FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot parse 'after.xml' line 1: couldn't find end of Start Tag testsu");
	fp_run_free(r.run);
	free(xml);
}

static void test_junit_truncated_in_cdata_or_after_root_keeps_cases(void **state)
{
	parsed p = parse_str("<testsuite><testcase name=\"a\"/>\n<testcase name=\"b\"><failure><![CDATA[line 1\nline 2\n");
	parsed q = parse_str("<testsuite><testcase name=\"a\"/></testsuite>\n<!-- trailing comm");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 1);
	assert_int_equal(p.run->inputs[0].incomplete, 1);
	assert_non_null(strstr(p.run->inputs[0].warnings[0], "the file ends in the middle of the XML"));
	assert_non_null(strstr(p.run->inputs[0].warnings[0], "kept the 1 complete testcases"));

	/* Damage after the root has closed loses nothing. */
	assert_int_equal(q.err, 0);
	assert_int_equal(q.run->ntests, 1);
	assert_int_equal(q.run->inputs[0].incomplete, 0);
	assert_string_equal(q.run->inputs[0].warnings[0],
			    "'x.xml' line 2: the XML is damaged after its root element (comment not "
			    "terminated); all 1 testcases were read");
	fp_run_free(p.run);
	fp_run_free(q.run);
}

static void test_junit_damage_mid_file_keeps_what_came_before(void **state)
{
	parsed p = parse_str("<testsuite>\n<testcase name=\"a\"/>\n<testcase name=\"b\"/>\n"
			     "<testcase name=\"c\" <oops/>\n<testcase name=\"d\"/>\n</testsuite>\n");
	parsed q = parse_str("<testsuite>\n<testcase name=\"a\" <oops/>\n<testcase name=\"d\"/>\n</testsuite>\n");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 2);
	assert_int_equal(p.run->inputs[0].incomplete, 1);
	assert_string_equal(p.run->inputs[0].warnings[0],
			    "'x.xml' line 4: the XML is damaged (error parsing attribute name); kept the 2 "
			    "testcases before it and read nothing after");
	/* Damage before any testcase is an error. */
	assert_int_equal(q.err, FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot parse 'x.xml' line 2: error parsing attribute name");
	fp_run_free(p.run);
	fp_run_free(q.run);
}

/* ---- suites ---- */

/* Issue 14, item 5: testcases with an empty classname are told apart by
 * their suites, so five tests stay five, none a rerun of another. */
static void test_junit_suites__stand_for_an_empty_classname(void **state)
{
	parsed p = parse_fixture("nested-empty-classname.xml");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_string_equal(p.run->tests[0].classname, "all.cluster.TestA");
	assert_string_equal(p.run->tests[2].classname, "all.cluster.TestB");
	assert_string_equal(p.run->tests[4].classname, "all.cluster");
	/* One string for the suite's testcases, interned. */
	assert_ptr_equal(p.run->tests[0].classname, p.run->tests[1].classname);
	fp_run_finish(p.run);
	assert_int_equal(p.run->summary.tests, 5);
	assert_int_equal(p.run->summary.runs, 5);
	assert_int_equal(p.run->summary.flaky, 0);
	fp_run_free(p.run);
}

static const char *file_of_suite(const char *suite_name)
{
	static char file[256];
	fp_buf xml = FP_BUF_INIT;
	parsed p;

	fp_buf_printf(&xml, "<testsuites><testsuite name=\"%s\"><testcase classname=\"c\" "
		      "name=\"n\"/></testsuite></testsuites>", suite_name);
	p = parse_str(xml.ptr);
	assert_int_equal(p.err, 0);
	file[0] = '\0';
	if (p.run->tests[0].file)
		snprintf(file, sizeof(file), "%s", p.run->tests[0].file);
	fp_buf_free(&xml);
	fp_run_free(p.run);
	return file[0] ? file : NULL;
}

static void test_junit_file__from_suites_named_by_source_paths(void **state)
{
	(void)state;
	assert_string_equal(file_of_suite("__tests__/cart.test.js"), "__tests__/cart.test.js");
	assert_string_equal(file_of_suite("__tests__\\main.test.js"), "__tests__\\main.test.js");
	assert_string_equal(file_of_suite("src/app.component.spec.ts"), "src/app.component.spec.ts");
	assert_string_equal(file_of_suite("tests/test_cart.py"), "tests/test_cart.py");
	assert_null(file_of_suite("com.example.FooTest"));
	assert_null(file_of_suite("example.com/shop/ledger"));
	assert_null(file_of_suite("pytest"));
	assert_null(file_of_suite("dir/.js"));
	assert_null(file_of_suite("Cart totals"));
}

/* jest-junit's two testcases for a file that failed to load are one entry,
 * whichever comes first; jest's words give the message. */
static void test_junit_suite_failure__folds_either_order(void **state)
{
	parsed p = parse_str(
		"<testsuites><testsuite name=\"a.test.js\" tests=\"0\">"
		"<testcase classname=\"Test suite failed to run\" name=\"a.test.js\" time=\"0\">"
		"<failure>{&quot;code&quot;:&quot;MODULE_NOT_FOUND&quot;}</failure></testcase>"
		"<testcase classname=\"Test suite failed to run\" name=\"a.test.js\" time=\"0\">"
		"<error>  \xe2\x97\x8f Test suite failed to run\n\n    Cannot find module 'x'</error>"
		"</testcase></testsuite>"
		"<testsuite name=\"b.test.js\" tests=\"0\">"
		"<testcase classname=\"Test suite failed to run\" name=\"b.test.js\" time=\"0\">"
		"<error>  \xe2\x97\x8f Test suite failed to run</error></testcase>"
		"</testsuite></testsuites>");
	const fp_test *t;

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 2);
	assert_int_equal(p.run->inputs[0].tests, 2);
	assert_int_equal(p.run->inputs[0].folded, 1);
	t = &p.run->tests[0];
	check(t, FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL, "\xe2\x97\x8f Test suite failed to run");
	assert_string_equal(fp_test_trace(t), "  \xe2\x97\x8f Test suite failed to run\n\n"
			    "    Cannot find module 'x'\n\n{\"code\":\"MODULE_NOT_FOUND\"}");
	assert_false(t->flags & FP_TEST_FLAKY);
	assert_string_equal(t->nodeid, "a.test.js");
	assert_string_equal(p.run->tests[1].nodeid, "b.test.js");
	fp_run_finish(p.run);
	assert_int_equal(p.run->summary.tests, 2);
	assert_int_equal(p.run->summary.runs, 3);
	fp_run_free(p.run);
}

/* ---- not JUnit ---- */

static void expect_code(int code, const char *xml, size_t len, const char *message)
{
	parsed p = parse_mem_named("x.xml", xml, len);

	assert_int_equal(p.err, code);
	assert_string_equal(fp_error_message(), message);
	assert_int_equal(p.run->ntests, 0);
	fp_run_free(p.run);
}

static void expect_refusal(const char *xml, size_t len, const char *message)
{
	expect_code(FP_EINPUT, xml, len, message);
}

/* XML of another kind is recognisably no result file (FP_PARSE_FOREIGN):
 * a directory search passes it over; broken XML stays an error. */
static void test_junit_foreign_xml_is_passed_over_broken_xml_fails(void **state)
{
	static const char garbage[] = "<\x01\x02\xff\xfe\x00garbage";

	(void)state;
	expect_code(FP_PARSE_FOREIGN,
		    "<!DOCTYPE html>\n<html><head><title>502</title></head><body/></html>", 66,
		    "'x.xml': not JUnit XML (the root element is <html>, not "
		    "<testsuites> or <testsuite>)");
	expect_code(FP_PARSE_FOREIGN,
		    "<?xml version=\"1.0\"?><results><testcase name=\"a\"/></results>", 60,
		    "'x.xml': not JUnit XML (the root element is <results>, not "
		    "<testsuites> or <testsuite>)");
	expect_refusal("<?xml version=\"1.0\"?>\n<!-- nothing else -->\n", 44,
		       "cannot parse 'x.xml' line 3: no root element");
	expect_refusal(garbage, sizeof(garbage) - 1,
		       "cannot parse 'x.xml' line 1: startTag: invalid element name");
}

static void test_junit_empty_root_is_a_result_file(void **state)
{
	parsed p = parse_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites/>");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 0);
	assert_int_equal(p.run->inputs[0].nwarnings, 0);
	fp_run_free(p.run);
}

static void test_junit_utf16_and_latin1_are_read(void **state)
{
	/* UTF-16 with a byte-order mark, and Latin-1 by declaration. */
	static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
				     "<testsuite><testcase name=\"caf\xe9\"/></testsuite>";
	const char *ascii = "<testsuite><testcase name=\"u16\"/></testsuite>";
	fp_buf u16 = FP_BUF_INIT;
	parsed p, q;
	size_t i;

	(void)state;
	fp_buf_add(&u16, "\xff\xfe", 2);
	for (i = 0; ascii[i]; i++) {
		fp_buf_putc(&u16, ascii[i]);
		fp_buf_putc(&u16, '\0');
	}
	p = parse_mem_named("x.xml", u16.ptr, u16.len);
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 1);
	assert_string_equal(p.run->tests[0].name, "u16");
	q = parse_mem_named("x.xml", latin1, sizeof(latin1) - 1);
	assert_int_equal(q.err, 0);
	assert_string_equal(q.run->tests[0].name, "caf\xc3\xa9");
	fp_buf_free(&u16);
	fp_run_free(p.run);
	fp_run_free(q.run);
}

static void test_junit_bad_utf8_and_nul_keep_earlier_cases(void **state)
{
	/* Invalid UTF-8 and a NUL byte are fatal to libxml2: after a testcase
	 * that is damage, before one an error; never a crash. */
	static const char bad_utf8[] = "<testsuite><testcase name=\"a\"/><testcase name=\"\xc3\x28\"/></testsuite>";
	static const char nul[] = "<testsuite><testcase name=\"a\"/><testcase name=\"b\x00\"/></testsuite>";
	parsed p = parse_mem_named("x.xml", bad_utf8, sizeof(bad_utf8) - 1);
	parsed q = parse_mem_named("x.xml", nul, sizeof(nul) - 1);

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 1);
	assert_int_equal(p.run->inputs[0].incomplete, 1);
	assert_non_null(strstr(p.run->inputs[0].warnings[0], "not proper UTF-8"));
	assert_int_equal(q.err, 0);
	assert_int_equal(q.run->ntests, 1);
	assert_int_equal(q.run->inputs[0].incomplete, 1);
	fp_run_free(p.run);
	fp_run_free(q.run);
}

/* ---- limits ---- */

static void test_junit_long_texts_are_capped_head_and_tail(void **state)
{
	fp_buf xml = FP_BUF_INIT, want = FP_BUF_INIT;
	parsed p;
	const fp_test *t;
	size_t i, total;

	(void)state;
	fp_buf_puts(&xml, "<testsuite><testcase classname=\"c\" name=\"");
	for (i = 0; i < 3 * FP_MAX_NAME; i++)
		fp_buf_putc(&xml, 'n');
	fp_buf_puts(&xml, "\"><failure message=\"");
	for (i = 0; i < 2 * FP_MAX_MESSAGE; i++)
		fp_buf_putc(&xml, 'm');
	/* A trace in many pieces (comments split the text), far longer than
	 * what is kept: the head, the tail and an exact count between. */
	fp_buf_puts(&xml, "\">HEAD");
	total = 4;
	for (i = 0; i < 20000; i++) {
		fp_buf_puts(&xml, "0123456789<!-- c -->");
		total += 10;
	}
	fp_buf_puts(&xml, "TAIL</failure></testcase></testsuite>");
	total += 4;
	p = parse_mem_named("x.xml", xml.ptr, xml.len);
	assert_int_equal(p.err, 0);
	t = &p.run->tests[0];
	assert_true(strlen(t->name) <= FP_MAX_NAME);
	assert_true(strncmp(t->name, "nnnn", 4) == 0);
	assert_true(strlen(fp_test_message(t)) <= FP_MAX_MESSAGE);
	assert_true(strlen(fp_test_trace(t)) <= FP_MAX_TRACE);
	assert_true(strncmp(fp_test_trace(t), "HEAD0123456789", 14) == 0);
	assert_true(strcmp(fp_test_trace(t) + strlen(fp_test_trace(t)) - 14, "0123456789TAIL") == 0);
	fp_buf_printf(&want, "\n[... %zu bytes left out by fixproof ...]\n",
		      total - FP_MAX_TRACE / 4 - (FP_MAX_TRACE - FP_MAX_TRACE / 4 - 64));
	assert_non_null(strstr(fp_test_trace(t), want.ptr));
	assert_int_equal(strlen(fp_test_trace(t)), FP_MAX_TRACE - 64 + want.len);
	fp_buf_free(&xml);
	fp_buf_free(&want);
	fp_run_free(p.run);
}

static void test_junit_one_piece_trace_cut_as_strcap_cuts(void **state)
{
	fp_buf xml = FP_BUF_INIT, text = FP_BUF_INIT;
	parsed p;
	fp_run *ref = fp_run_new();
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++)
		fp_buf_printf(&text, "line %zu\n", i);
	fp_buf_printf(&xml, "<testsuite><testcase name=\"t\"><error>%s</error></testcase></testsuite>", text.ptr);
	p = parse_str(xml.ptr);
	assert_int_equal(p.err, 0);
	assert_string_equal(fp_test_trace(&p.run->tests[0]), fp_run_strcap(ref, text.ptr, text.len, FP_MAX_TRACE));
	assert_string_equal(fp_test_message(&p.run->tests[0]), "line 0");
	fp_buf_free(&xml);
	fp_buf_free(&text);
	fp_run_free(ref);
	fp_run_free(p.run);
}

/* ---- entities ---- */

static void test_junit_timestamp_reads_iso_8601_with_zones(void **state)
{
	static const struct {
		const char *text;
		double want;
	} good[] = {
		{ "1970-01-01T00:00:00", 0 },
		{ "2021-04-02T15:48:23", 1617378503 },
		{ "2021-04-02 15:48:23", 1617378503 },
		{ "2021-04-02T15:48:23Z", 1617378503 },
		{ "2021-03-07T10:36:56 UTC", 1615113416 },
		{ "2026-11-24T12:51:04.5", 1795524664.5 },
		{ "2021-04-02T17:48:23+02:00", 1617378503 },
		{ "2021-04-02T10:18:23-0530", 1617378503 },
		{ "2000-02-29T00:00:00", 951782400 },
	};
	static const char *const bad[] = {
		"", "yesterday", "2021-04-02", "2021-13-02T00:00:00", "2021-04-02T24:00:00",
		"2021-04-02T15:48", "2021-04-02T15:48:23 CEST", "2021-04-02T15:48:23+2", "21-04-02T15:48:23",
		NULL
	};
	const char *const *b;
	double t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = -1;
		assert_int_equal(fp_junit_timestamp(&t, good[i].text), 0);
		if (t != good[i].want)
			fail_msg("'%s' read as %.3f, not %.3f", good[i].text, t, good[i].want);
	}
	for (b = bad; *b; b++) {
		t = -1;
		if (fp_junit_timestamp(&t, *b) != FP_EINPUT || t != -1)
			fail_msg("'%s' read as a timestamp", *b);
	}
}

static void test_junit_suite_timestamps_give_the_run_its_span(void **state)
{
	parsed p = parse_str(
		"<testsuites timestamp=\"2030-01-01T00:00:00\">"
		"<testsuite name=\"a\" timestamp=\"2024-05-01T10:00:05\">"
		"<testcase classname=\"a\" name=\"t1\"/></testsuite>"
		"<testsuite timestamp=\"2024-05-01T12:00:00+02:00\" name=\"b\">"
		"<testcase classname=\"b\" name=\"t2\"/></testsuite>"
		"<testsuite name=\"c\" timestamp=\"not a time\"><testcase name=\"t3\"/></testsuite>"
		"</testsuites>");

	(void)state;
	assert_int_equal(p.err, 0);
	/* Only <testsuite>s count; the name read before or after the timestamp. */
	assert_int_equal(p.run->timestamps, 2);
	assert_true(p.run->first_timestamp == 1714557600.0);       /* 10:00:00Z */
	assert_true(p.run->last_timestamp == 1714557605.0);        /* 10:00:05Z */
	assert_string_equal(p.run->tests[1].classname, "b");
	assert_string_equal(p.run->tests[2].classname, "c");
	fp_run_free(p.run);
	p = parse_str("<testsuite name=\"a\"><testcase name=\"t\"/></testsuite>");
	assert_int_equal(p.run->timestamps, 0);
	fp_run_free(p.run);
}

static void test_junit_entity_bombs_are_refused(void **state)
{
	fp_buf lol = FP_BUF_INIT, quad = FP_BUF_INIT;
	clock_t start = clock();
	parsed p;
	int i, j;

	(void)state;
	/* Billion laughs: libxml2 itself stops it, and the DTD is refused. */
	fp_buf_puts(&lol, "<?xml version=\"1.0\"?>\n<!DOCTYPE t [\n<!ENTITY l0 \"lol\">\n");
	for (i = 1; i < 10; i++) {
		fp_buf_printf(&lol, "<!ENTITY l%d \"", i);
		for (j = 0; j < 10; j++)
			fp_buf_printf(&lol, "&l%d;", i - 1);
		fp_buf_puts(&lol, "\">\n");
	}
	fp_buf_puts(&lol, "]>\n<testsuite><testcase name=\"&l9;\"><failure>&l9;</failure></testcase></testsuite>\n");
	p = parse_mem_named("bomb.xml", lol.ptr, lol.len);
	assert_int_equal(p.err, FP_EINPUT);
	assert_int_equal(p.run->ntests, 0);
	assert_string_equal(fp_error_message(),
			    "cannot parse 'bomb.xml': the document declares XML entities "
			    "(<!ENTITY>), which JUnit XML never does; refused so that none is expanded");
	fp_run_free(p.run);

	/* Quadratic blowup: one large entity used many times. Any entity
	 * declaration is refused before the entity can be used. */
	fp_buf_puts(&quad, "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY a \"");
	for (i = 0; i < 50000; i++)
		fp_buf_putc(&quad, 'A');
	fp_buf_puts(&quad, "\">]>\n<testsuite><testcase name=\"t\"><failure message=\"");
	for (i = 0; i < 50000; i++)
		fp_buf_puts(&quad, "&a;");
	fp_buf_puts(&quad, "\">x</failure></testcase></testsuite>\n");
	p = parse_mem_named("quad.xml", quad.ptr, quad.len);
	assert_int_equal(p.err, FP_EINPUT);
	assert_string_equal(fp_error_message(),
			    "cannot parse 'quad.xml': the document declares XML entities "
			    "(<!ENTITY>), which JUnit XML never does; refused so that none is expanded");
	fp_run_free(p.run);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
	fp_buf_free(&lol);
	fp_buf_free(&quad);
}

static void test_junit_external_entities_are_refused(void **state)
{
	/* An external DTD is not fetched; an external entity is refused with
	 * the rest of the DTD's entities. */
	xmlExternalEntityLoader before = xmlGetExternalEntityLoader();
	parsed p = parse_str("<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite SYSTEM \"file:///etc/passwd\">\n"
			     "<testsuite><testcase name=\"t\"/></testsuite>");
	parsed q = parse_str("<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
			     "<testsuite><testcase name=\"t\"><failure>&x;</failure></testcase></testsuite>");

	(void)state;
	assert_int_equal(p.err, 0);
	assert_int_equal(p.run->ntests, 1);
	assert_int_equal(q.err, FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "declares XML entities"));
	/* The process-wide libxml2 hooks are put back. */
	assert_true(xmlGetExternalEntityLoader() == before);
	fp_run_free(p.run);
	fp_run_free(q.run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junit_pytest_xunit1_gives_node_ids_and_phases),
		cmocka_unit_test(test_junit_pytest_xunit2_joins_without_file_attribute),
		cmocka_unit_test(test_junit_pytest_system_out_is_not_kept),
		cmocka_unit_test(test_junit_surefire_flaky_and_rerun_are_one_test),
		cmocka_unit_test(test_junit_status_attribute_without_result_is_skipped),
		cmocka_unit_test(test_junit_go_and_mocha_reporters_read_whole),
		cmocka_unit_test(test_junit_nested_and_bare_suites_key_their_tests),
		cmocka_unit_test(test_junit_worst_result_wins_error_over_failure_over_skip),
		cmocka_unit_test(test_junit_time_attribute_forms_and_garbage),
		cmocka_unit_test(test_junit_lines_and_missing_attributes_read),
		cmocka_unit_test(test_junit_truncated_file_keeps_complete_cases),
		cmocka_unit_test(test_junit_truncated_in_cdata_or_after_root_keeps_cases),
		cmocka_unit_test(test_junit_damage_mid_file_keeps_what_came_before),
		cmocka_unit_test(test_junit_foreign_xml_is_passed_over_broken_xml_fails),
		cmocka_unit_test(test_junit_empty_root_is_a_result_file),
		cmocka_unit_test(test_junit_utf16_and_latin1_are_read),
		cmocka_unit_test(test_junit_bad_utf8_and_nul_keep_earlier_cases),
		cmocka_unit_test(test_junit_long_texts_are_capped_head_and_tail),
		cmocka_unit_test(test_junit_one_piece_trace_cut_as_strcap_cuts),
		cmocka_unit_test(test_junit_entity_bombs_are_refused),
		cmocka_unit_test(test_junit_external_entities_are_refused),
		cmocka_unit_test(test_junit_suites__stand_for_an_empty_classname),
		cmocka_unit_test(test_junit_file__from_suites_named_by_source_paths),
		cmocka_unit_test(test_junit_suite_failure__folds_either_order),
		cmocka_unit_test(test_junit_timestamp_reads_iso_8601_with_zones),
		cmocka_unit_test(test_junit_suite_timestamps_give_the_run_its_span),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	xmlCleanupParser();
	fp_error_shutdown();
	return failed;
}
