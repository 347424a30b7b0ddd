/*
 * test_classify.c - classification rules: the defaults on real failures of
 * every runner, user rules, every loader error, the trace window, the
 * exception type, and (with FIXPROOF_BENCH=1) the speed on 100,000 failures.
 *
 * The real failures come from tests/data/classify/cases.json, which
 * cases.py makes from the real pytest output and the runner snippets in
 * that folder, with the fields the JUnit reader fills in.
 */
#include "unit.h"

#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fixproof/classify.h"
#include "fixproof/error.h"
#include "fixproof/model.h"

#define CASES "tests/data/classify/cases.json"

static fp_rules *defaults(void)
{
	fp_rules *rules = NULL;

	assert_int_equal(fp_rules_default(&rules), 0);
	return rules;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	fp_buf b = FP_BUF_INIT;
	char chunk[65536];
	size_t got;

	assert_non_null(f);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fp_buf_add(&b, chunk, got);
	fclose(f);
	return fp_buf_detach(&b, NULL);
}

static fp_status status_named(const char *s)
{
	return strcmp(s, "error") == 0 ? FP_STATUS_ERROR :
	       strcmp(s, "failed") == 0 ? FP_STATUS_FAILED :
	       strcmp(s, "skipped") == 0 ? FP_STATUS_SKIPPED : FP_STATUS_PASSED;
}

static fp_phase phase_named(const char *s)
{
	static const char *const names[] = { "", "collection", "setup", "call", "teardown" };
	int i;

	for (i = 1; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return (fp_phase)i;
	return FP_PHASE_NONE;
}

/* Adds a test the way the JUnit reader does: interned class name and type,
 * message and trace capped. */
static fp_test *add_test(fp_run *run, const char *cls, const char *name, fp_status status,
			 fp_phase phase, const char *type, const char *message, const char *trace)
{
	uint32_t in = run->ninputs ? 0 : fp_run_add_input(run, "x.xml", FP_INPUT_JUNIT);
	fp_test *t = NULL;
	fp_detail *d;

	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = cls ? fp_run_intern(run, cls, strlen(cls)) : NULL;
	t->name = fp_run_strdup(run, name);
	t->status = (uint8_t)status;
	t->phase = (uint8_t)phase;
	d = fp_test_detail(run, t);
	d->type = type ? fp_run_intern(run, type, strlen(type)) : NULL;
	d->message = message ? fp_run_strcap(run, message, strlen(message), FP_MAX_MESSAGE) : NULL;
	d->trace = trace ? fp_run_strcap(run, trace, strlen(trace), FP_MAX_TRACE) : NULL;
	t->flags = FP_TEST_RESULT;
	return t;
}

static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* What a person reading each trace says. */
typedef struct expect {
	const char *input, *name;
	const char *category, *cause, *rule, *type;
} expect;

static const expect real_cases[] = {
	/* go-junit-report v2 */
	{ "go-junit-report.xml", "TestTotal", "business_logic", "assertion", "go-failure", NULL },
	{ "go-junit-report.xml", "TestFetchPrices", "infrastructure", "connection", "go-connection", NULL },
	{ "go-junit-report.xml", "TestRefund", "business_logic", "exception", "go-panic", NULL },
	{ "go-junit-report.xml", "Failure", "infrastructure", "timeout", "go-test-timeout", NULL },
	/* jest-junit */
	{ "jest-junit.xml", "cart total adds every line", "business_logic", "assertion", "assertion-message", "Error" },
	{ "jest-junit.xml", "cart fetches prices", "infrastructure", "connection", "connection-message", "Error" },
	{ "jest-junit.xml", "cart waits for the warehouse", "infrastructure", "timeout", "timeout-message", NULL },
	{ "jest-junit.xml", "cart refuses an empty order", "business_logic", "exception", "default-exception", "TypeError" },
	{ "jest-junit.xml", "src/gateway.test.js", "infrastructure", "import_error", "jest-cannot-find-module", NULL },
	/* pytest 7.2.1, --continue-on-collection-errors */
	{ "pytest-junit.xml", "tests.test_collect_syntax", "infrastructure", "collection_error", "collection-error", "SyntaxError" },
	{ "pytest-junit.xml", "tests.test_import_attribute", "infrastructure", "import_error", "collection-module-attribute", "AttributeError" },
	{ "pytest-junit.xml", "tests.test_import_missing", "infrastructure", "import_error", "import-error", "ModuleNotFoundError" },
	{ "pytest-junit.xml", "tests.test_import_name", "infrastructure", "import_error", "import-error", "ImportError" },
	{ "pytest-junit.xml", "test_total", "business_logic", "assertion", "assertion-type", "AssertionError" },
	{ "pytest-junit.xml", "test_total_with_message", "business_logic", "assertion", "assertion-type", "AssertionError" },
	{ "pytest-junit.xml", "test_total_explicit", "business_logic", "assertion", "assertion-type", "AssertionError" },
	{ "pytest-junit.xml", "test_pytest_fail", "business_logic", "assertion", "assertion-type", "Failed" },
	{ "pytest-junit.xml", "test_average_empty", "business_logic", "exception", "default-exception", "ZeroDivisionError" },
	{ "pytest-junit.xml", "test_take_too_many", "business_logic", "exception", "default-exception", "ValueError" },
	{ "pytest-junit.xml", "test_unknown_sku", "business_logic", "exception", "default-exception", "KeyError" },
	{ "pytest-junit.xml", "test_missing_order_file", "business_logic", "exception", "default-exception", "FileNotFoundError" },
	{ "pytest-junit.xml", "test_env_key", "infrastructure", "configuration", "configuration-environ", "KeyError" },
	{ "pytest-junit.xml", "test_env_not_set", "infrastructure", "configuration", "configuration-message", "RuntimeError" },
	{ "pytest-junit.xml", "test_improperly_configured", "infrastructure", "configuration", "configuration-message", "shop.settings.ImproperlyConfigured" },
	{ "pytest-junit.xml", "test_config_file_missing", "infrastructure", "configuration", "configuration-message", "FileNotFoundError" },
	{ "pytest-junit.xml", "test_missing_fixture", "infrastructure", "missing_fixture", "missing-fixture", NULL },
	{ "pytest-junit.xml", "test_setup_error", "infrastructure", "setup_error", "setup-error", "RuntimeError" },
	{ "pytest-junit.xml", "test_setup_connection", "infrastructure", "connection", "connection-type", "ConnectionRefusedError" },
	{ "pytest-junit.xml", "test_setup_configuration", "infrastructure", "configuration", "configuration-environ", "KeyError" },
	{ "pytest-junit.xml", "test_teardown_error", "infrastructure", "teardown_error", "teardown-error", "OSError" },
	{ "pytest-junit.xml", "test_post", "infrastructure", "missing_attribute", "missing-test-attribute", "AttributeError" },
	{ "pytest-junit.xml", "test_balance", "infrastructure", "setup_error", "unittest-setup", "NameError" },
	{ "pytest-junit.xml", "test_lock", "infrastructure", "teardown_error", "unittest-teardown", "RuntimeError" },
	{ "pytest-junit.xml", "test_schema", "infrastructure", "setup_error", "setup-error", "RuntimeError" },
	{ "pytest-junit.xml", "tests.test_ledger_unittest.TestLedgerTotals::test_total", "business_logic", "assertion", "assertion-type", "AssertionError" },
	{ "pytest-junit.xml", "test_socket_refused", "infrastructure", "connection", "connection-type", "ConnectionRefusedError" },
	{ "pytest-junit.xml", "test_requests_refused", "infrastructure", "connection", "connection-type", "requests.exceptions.ConnectionError" },
	{ "pytest-junit.xml", "test_dns_failure", "infrastructure", "connection", "connection-type", "socket.gaierror" },
	{ "pytest-junit.xml", "test_postgres_refused", "infrastructure", "connection", "connection-message", "psycopg2.OperationalError" },
	{ "pytest-junit.xml", "test_redis_refused", "infrastructure", "connection", "connection-type", "redis.exceptions.ConnectionError" },
	{ "pytest-junit.xml", "test_pytest_timeout", "infrastructure", "timeout", "timeout-message", "Failed" },
	{ "pytest-junit.xml", "test_socket_timeout", "infrastructure", "timeout", "timeout-type", "TimeoutError" },
	{ "pytest-junit.xml", "test_requests_read_timeout", "infrastructure", "timeout", "timeout-type", "requests.exceptions.ReadTimeout" },
	/* Maven Surefire, JUnit 5 (the type attribute is given) */
	{ "surefire-junit5.xml", "totalAddsEveryLine", "business_logic", "assertion", "assertion-type", "org.opentest4j.AssertionFailedError" },
	{ "surefire-junit5.xml", "legacyTotal", "business_logic", "assertion", "assertion-type", "java.lang.AssertionError" },
	{ "surefire-junit5.xml", "fetchesPrices", "infrastructure", "connection", "connection-type", "java.net.ConnectException" },
	{ "surefire-junit5.xml", "resolvesWarehouseHost", "infrastructure", "connection", "connection-type", "java.net.UnknownHostException" },
	{ "surefire-junit5.xml", "readsSlowWarehouse", "infrastructure", "timeout", "timeout-type", "java.net.SocketTimeoutException" },
	{ "surefire-junit5.xml", "loadsGateway", "infrastructure", "import_error", "import-error", "java.lang.NoClassDefFoundError" },
	{ "surefire-junit5.xml", "injectsRepository", "infrastructure", "missing_fixture", "junit5-parameter-resolution", "org.junit.jupiter.api.extension.ParameterResolutionException" },
	{ "surefire-junit5.xml", "cancelsOrder", "infrastructure", "setup_error", "junit-before", "java.lang.IllegalStateException" },
	{ "surefire-junit5.xml", "refundsTwice", "business_logic", "exception", "default-exception", "java.lang.NullPointerException" },
};

/* Finds the expectation for a case: by name, or by class::name when the
 * name alone is ambiguous. */
static const expect *expect_for(const char *input, const char *cls, const char *name)
{
	char key[512];
	size_t i;

	snprintf(key, sizeof(key), "%s::%s", cls, name);
	for (i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++)
		if (strcmp(real_cases[i].input, input) == 0 && strcmp(real_cases[i].name, key) == 0)
			return &real_cases[i];
	for (i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++)
		if (strcmp(real_cases[i].input, input) == 0 && strcmp(real_cases[i].name, name) == 0)
			return &real_cases[i];
	return NULL;
}

static void assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", what, got ? got : "(null)", want ? want : "(null)");
}

static void test_real_failures_of_every_runner(void **state)
{
	char *text = read_text(CASES);
	cJSON *doc = cJSON_Parse(text), *c;
	fp_run *run = fp_run_new();
	fp_rules *rules = defaults();
	const char **inputs;
	size_t i = 0, n, seen = 0;

	(void)state;
	assert_non_null(doc);
	n = (size_t)cJSON_GetArraySize(doc);
	inputs = calloc(n, sizeof(*inputs));
	cJSON_ArrayForEach(c, doc) {
		add_test(run, json_str(c, "classname"), json_str(c, "name"),
			 status_named(json_str(c, "status")), phase_named(json_str(c, "phase")),
			 json_str(c, "type"), json_str(c, "message"), json_str(c, "trace"));
		inputs[i++] = json_str(c, "input");
	}
	fp_classify_run(run, rules);
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];
		const expect *e = expect_for(inputs[i], t->classname, t->name);
		char what[600];

		if (!e)
			fail_msg("no expectation for %s %s::%s", inputs[i], t->classname, t->name);
		snprintf(what, sizeof(what), "%s %s::%s", inputs[i], t->classname, t->name);
		assert_str_or_null(fp_category_name((fp_category)t->category), e->category, what);
		assert_str_or_null(fp_test_cause(t), e->cause, what);
		assert_str_or_null(fp_test_rule(t), e->rule, what);
		assert_str_or_null(fp_test_type(t), e->type, what);
		seen++;
	}
	assert_int_equal(seen, sizeof(real_cases) / sizeof(real_cases[0]));
	assert_int_equal(run->infrastructure, 36);
	assert_int_equal(run->business_logic, 16);
	free(inputs);
	cJSON_Delete(doc);
	free(text);
	fp_rules_free(rules);
	fp_run_free(run);
}

/* One failure classified by the defaults (or by `rules`). */
static fp_run *classify_one(const fp_rules *rules, fp_status status, fp_phase phase,
			    const char *type, const char *message, const char *trace)
{
	fp_run *run = fp_run_new();
	fp_rules *own = rules ? NULL : defaults();

	add_test(run, "t.test_x", "test_y", status, phase, type, message, trace);
	fp_classify_run(run, rules ? rules : own);
	fp_rules_free(own);
	return run;
}

static void expect_one(fp_status status, fp_phase phase, const char *type, const char *message,
		       const char *trace, const char *cause, const char *rule, const char *want_type)
{
	fp_run *run = classify_one(NULL, status, phase, type, message, trace);

	assert_str_or_null(fp_test_cause(&run->tests[0]), cause, message ? message : "(no message)");
	assert_str_or_null(fp_test_rule(&run->tests[0]), rule, message ? message : "(no message)");
	assert_str_or_null(fp_test_type(&run->tests[0]), want_type, "type");
	fp_run_free(run);
}

/* Failures from the shared corpus (../shared/corpus/junit), copied small. */
static void test_classify_corpus_failures_get_their_causes(void **state)
{
	(void)state;
	/* java__pulsar-test-report.xml (TestNG through Surefire) */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "java.lang.AssertionError",
		   "expected [1.2.1] but found [1.2.0]",
		   "java.lang.AssertionError: expected [1.2.1] but found [1.2.0]\n"
		   "at org.testng.Assert.fail(Assert.java:99)\n",
		   "assertion", "assertion-type", "java.lang.AssertionError");
	/* phpunit__phpcheckstyle-phpunit.xml: no message attribute */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "PHPUnit\\Framework\\ExpectationFailedException",
		   "OtherTest::testOther",
		   "OtherTest::testOther\nWe expect 20 warnings\n"
		   "Failed asserting that 19 matches expected 20.\n\n"
		   "/workspace/phpcheckstyle/test/OtherTest.php:24",
		   "assertion", "assertion-type", "PHPUnit\\Framework\\ExpectationFailedException");
	/* phpunit__phpunit-paths.xml: an exception, not an assertion */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "Exception", "Boom",
		   "/home/runner/work/repo/src/Fake.php:42", "exception", "default-exception", "Exception");
	/* python-xunit-unittest.xml (unittest-xml-reporting) */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "AssertionError", "failed",
		   "Traceback (most recent call last):\n"
		   "  File \"/Users/foo/Projects/python-test/tests/test_lib.py\", line 24, in test_always_fail\n"
		   "    self.fail(\"failed\")\nAssertionError: failed\n",
		   "assertion", "assertion-type", "AssertionError");
	expect_one(FP_STATUS_ERROR, FP_PHASE_CALL, "Exception", "error",
		   "Traceback (most recent call last):\n"
		   "  File \"/Users/foo/Projects/python-test/tests/test_lib.py\", line 31, in test_error\n"
		   "    raise Exception(\"error\")\nException: error\n",
		   "exception", "default-exception", "Exception");
	/* junit-with-message.xml: the whole traceback is the message */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
		   "Traceback (most recent call last):\n"
		   "  File \"/home/redacted/test_foo.py\", line 183, in test_other_case\n"
		   "    self.assertFalse(True)\nAssertionError: True is not false\n",
		   NULL, "assertion", "assertion-type", "AssertionError");
	/* python-xunit-pytest.xml: an old pytest whose trace has single-space E lines */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "assert False",
		   "def test_always_fail():\n        > assert False\n        E assert False\n\n"
		   "        tests/test_lib.py:25: AssertionError\n      ",
		   "assertion", "assertion-type", "AssertionError");
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Exception: error",
		   "def test_error():\n        > raise Exception(\"error\")\n        E Exception: error\n",
		   "exception", "default-exception", "Exception");
	/* swift-xunit.xml: nothing but "failed" */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "failed", NULL,
		   "exception", "default-exception", NULL);
	/* googletest, junit-with-message.xml */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "", "error",
		   "error.cpp:01\n      Expected: true\n      Which is: false >",
		   "assertion", "assertion-trace", NULL);
	/* jest-junit.xml (jasmine timeout) and test-errors__jest__jest-test-results.xml */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
		   ": Timeout - Async callback was not invoked within the 1 ms timeout specified by jest.setTimeout.Timeout - Async callback was not invoked within the 1 ms timeout specified by jest.setTimeout.Error: ",
		   NULL, "timeout", "timeout-message", NULL);
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Error: Some error",
		   "Error: Some error\n    at Object.throwError (C:\\Users\\Michal\\lib\\main.js:2:9)",
		   "exception", "default-exception", "Error");
	expect_one(FP_STATUS_ERROR, FP_PHASE_CALL, NULL, "\xe2\x97\x8f Test suite failed to run",
		   "  \xe2\x97\x8f Test suite failed to run\n\n    tsconfig.json:13:3 - error TS6258: "
		   "'typeRoots' should be set inside the 'compilerOptions' object of the config json file\n",
		   "collection_error", "jest-suite-failed", NULL);
}

static void test_classify_collect_only_entries(void **state)
{
	/* The collect-only reader's entry for a failed module: phase
	 * collection, message the last E line, the whole section as trace. */
	(void)state;
	expect_one(FP_STATUS_ERROR, FP_PHASE_COLLECTION, "ModuleNotFoundError",
		   "ModuleNotFoundError: No module named 'shop.gateway'",
		   "ImportError while importing test module '/home/dev/shop/tests/api/test_payments.py'.\n"
		   "E   ModuleNotFoundError: No module named 'shop.gateway'\n",
		   "import_error", "import-error", "ModuleNotFoundError");
	expect_one(FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL,
		   "AttributeError: module 'shop.inventory' has no attribute 'Warehouse'",
		   "tests/test_import_attribute.py:4: in <module>\n    Store = inventory.Warehouse\n"
		   "E   AttributeError: module 'shop.inventory' has no attribute 'Warehouse'\n",
		   "import_error", "collection-module-attribute", "AttributeError");
	expect_one(FP_STATUS_ERROR, FP_PHASE_COLLECTION, NULL, NULL, NULL,
		   "collection_error", "collection-error", NULL);
}

static void test_classify_type_read_from_message_or_trace(void **state)
{
	(void)state;
	/* Words before a colon that are no exception type stay unknown. */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Expected: 3, got 4", NULL,
		   "exception", "default-exception", NULL);
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "Note: cannot parse", NULL,
		   "exception", "default-exception", NULL);
	/* A bare type, a CamelCase one, and a Java message. */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "AssertionError", NULL,
		   "assertion", "assertion-type", "AssertionError");
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "StopIteration", NULL,
		   "exception", "default-exception", "StopIteration");
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "java.net.ConnectException: Connection refused",
		   NULL, "connection", "connection-type", "java.net.ConnectException");
	/* A pytest trace whose last E block has no type: the last line has it. */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "something else",
		   "E   Differing items:\nE   {'a': 1} != {'a': 2}\n\ntests/test_d.py:7: AssertionError\n",
		   "assertion", "assertion-type", "AssertionError");
	/* A type given by the reader is kept as it is. */
	expect_one(FP_STATUS_FAILED, FP_PHASE_CALL, "CustomType", "AssertionError: no", NULL,
		   "exception", "default-exception", "CustomType");
}

static void test_classify_trace_window_head_and_tail(void **state)
{
	fp_buf trace = FP_BUF_INIT, middle = FP_BUF_INIT;
	fp_run *run;
	int i;

	(void)state;
	/* A 16 KB unittest trace: setUp is named at the start, the type at the end. */
	fp_buf_puts(&trace, "self = <tests.test_x.TestX testMethod=test_y>\n\n    def setUp(self):\n"
		    ">       self.db = connect()\n\nshop/db.py:3: \n");
	for (i = 0; i < 300; i++)
		fp_buf_printf(&trace, "    frame line %d of some library code\n", i);
	fp_buf_puts(&trace, "E       LookupError: no database\n\nshop/db.py:9: LookupError");
	assert_true(trace.len > FP_TRACE_HEAD + FP_TRACE_TAIL);
	run = classify_one(NULL, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, NULL, trace.ptr);
	assert_string_equal(fp_test_rule(&run->tests[0]), "unittest-setup");
	assert_string_equal(fp_test_type(&run->tests[0]), "LookupError");
	fp_run_free(run);

	/* A marker in the middle of a long trace is outside the window. */
	for (i = 0; i < 100; i++)
		fp_buf_printf(&middle, "    frame line %d of some library code\n", i);
	fp_buf_puts(&middle, "    def setUp(self):\n");
	for (i = 0; i < 100; i++)
		fp_buf_printf(&middle, "    frame line %d of some library code\n", i);
	fp_buf_puts(&middle, "E   ValueError: bad\n\nshop/x.py:1: ValueError");
	run = classify_one(NULL, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, NULL, middle.ptr);
	assert_string_equal(fp_test_rule(&run->tests[0]), "default-exception");
	assert_string_equal(fp_test_type(&run->tests[0]), "ValueError");
	fp_run_free(run);
	fp_buf_free(&trace);
	fp_buf_free(&middle);
}

static void test_passed_and_skipped_get_nothing(void **state)
{
	fp_run *run = fp_run_new();
	fp_rules *rules = defaults();
	const fp_status statuses[] = { FP_STATUS_PASSED, FP_STATUS_SKIPPED, FP_STATUS_NOT_RUN };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fp_test *t = add_test(run, "t.test_x", "test_p", statuses[i], FP_PHASE_CALL, NULL,
				      "AssertionError: skipped", "E   AssertionError");

		fp_test_detail(run, t)->cause = "stale";
		fp_test_detail(run, t)->rule = "stale";
		t->category = FP_CATEGORY_INFRASTRUCTURE;
	}
	fp_classify_run(run, rules);
	for (i = 0; i < 3; i++) {
		assert_int_equal(run->tests[i].category, FP_CATEGORY_NONE);
		assert_null(fp_test_cause(&run->tests[i]));
		assert_null(fp_test_rule(&run->tests[i]));
		assert_null(fp_test_type(&run->tests[i]));
	}
	assert_int_equal(run->infrastructure, 0);
	assert_int_equal(run->business_logic, 0);
	fp_rules_free(rules);
	fp_run_free(run);
}

static void test_every_error_gets_a_category(void **state)
{
	const fp_phase phases[] = { FP_PHASE_NONE, FP_PHASE_COLLECTION, FP_PHASE_SETUP,
				    FP_PHASE_CALL, FP_PHASE_TEARDOWN };
	const char *const want[] = { "default-exception", "collection-error", "setup-error",
				     "default-exception", "teardown-error" };
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		fp_run *run = classify_one(NULL, FP_STATUS_ERROR, phases[i], NULL, NULL, NULL);

		assert_string_equal(fp_test_rule(&run->tests[0]), want[i]);
		assert_non_null(fp_test_cause(&run->tests[0]));
		assert_int_not_equal(run->tests[0].category, FP_CATEGORY_NONE);
		fp_run_free(run);
	}
}

static void test_user_rules_come_first(void **state)
{
	static const char user[] =
		"{\"schema\": \"fixproof.rules/1\", \"rules\": [\n"
		" {\"name\": \"flaky-ledger\", \"description\": \"the ledger test is known bad\",\n"
		"  \"status\": [\"failed\"], \"type\": \"^AssertionError$\", \"message\": \"LEDGER\",\n"
		"  \"flags\": \"i\", \"category\": \"infrastructure\", \"cause\": \"known_flaky\"}]}";
	fp_rules *rules = defaults();
	size_t n = fp_rules_count(rules);
	fp_run *run;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	(void)state;
	assert_int_equal(fp_rules_load_json(rules, "mine.json", user, sizeof(user) - 1), 0);
	assert_int_equal(fp_rules_count(rules), n + 1);
	run = classify_one(rules, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
			   "AssertionError: ledger total is wrong", NULL);
	assert_string_equal(fp_test_rule(&run->tests[0]), "flaky-ledger");
	assert_string_equal(fp_test_cause(&run->tests[0]), "known_flaky");
	assert_int_equal(run->tests[0].category, FP_CATEGORY_INFRASTRUCTURE);
	assert_int_equal(run->infrastructure, 1);
	fp_run_free(run);
	/* The rule does not apply to errors: the defaults decide. */
	run = classify_one(rules, FP_STATUS_ERROR, FP_PHASE_CALL, NULL,
			   "AssertionError: ledger total is wrong", NULL);
	assert_string_equal(fp_test_rule(&run->tests[0]), "assertion-type");
	fp_run_free(run);

	f = open_memstream(&out, &outlen);
	assert_int_equal(fp_rules_write_json(rules, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "{\"schema\":\"fixproof.rules/1\",\n\"rules\":[\n  "
				    "{\"name\":\"flaky-ledger\",\"origin\":\"mine.json\","
				    "\"description\":\"the ledger test is known bad\","
				    "\"status\":[\"failed\"],\"type\":\"^AssertionError$\","
				    "\"message\":\"LEDGER\",\"flags\":\"i\","
				    "\"category\":\"infrastructure\",\"cause\":\"known_flaky\"},\n"
				    "  {\"name\":\"unittest-setup-phase\",\"origin\":\"default\""));
	free(out);
	fp_rules_free(rules);
}

/* Patterns are PCRE2's: each below must give what PCRE2 gives on its
 * text, as a "message" (one text: '.' matches a line end, '$' only the
 * end) or a "trace" (line by line), with invalid UTF-8 in the text and a
 * pattern that backtracks without end stopped by the match limit. */
static const struct pattern_case {
	const char *key, *re, *flags, *text;
	int match;
} pattern_cases[] = {
	{ "message", "colou?r refused", "", "the colour refused", 1 },
	{ "message", "colou?r refused", "", "the color refused", 1 },
	{ "message", "ab+cde", "", "xxabbbbcdexx", 1 },
	{ "message", "(abc|abd)efg", "", "abdefg", 1 },
	{ "message", "x(abc|abd)?yz0", "", "xyz0", 1 },
	{ "message", "hel{2}o world", "", "hello world", 1 },
	{ "message", "hel{0,2}o world", "", "heo world", 1 },
	{ "message", "[Cc]onnection refused", "", "connection refused", 1 },
	{ "message", "a\\.b\\(c\\)", "", "a.b(c)", 1 },
	{ "message", "Connection REFUSED", "i", "connection refused", 1 },
	{ "message", "^Failed: Timeout >", "", "Failed: Timeout >5.0s", 1 },
	{ "message", "^Failed: Timeout >", "", "x Failed: Timeout >5.0s", 0 },
	{ "message", "(foo|ba(r|z)qux)", "", "bazqux", 1 },
	{ "message", "one|two|three", "", "only two here", 1 },
	{ "message", "[[:alpha:]]+Error", "", "KeyError", 1 },
	{ "message", "[]x]yz", "", "]yz", 1 },
	{ "message", "\\bword\\b", "", "a word here", 1 },
	{ "message", "dial (tcp|udp)[46]? [^ ]+: connect: ", "", "dial tcp4 1.2.3.4:5: connect: x", 1 },
	{ "message", "dial (tcp|udp)[46]? [^ ]+: connect: ", "", "dial tcp 1.2.3.4:5 connect", 0 },
	/* What PCRE2 adds to POSIX ERE. */
	{ "message", "\\d+ tests? failed", "", "3 tests failed", 1 },
	{ "message", "(?:abc|abd)efg", "", "abdefg", 1 },
	{ "message", "conn(?!ection)", "", "connection refused", 0 },
	{ "message", "(ab)\\1", "", "xxabab", 1 },
	{ "message", "(?i)refused", "", "REFUSED", 1 },
	/* One text: '.' crosses line ends, '$' is its very end. */
	{ "message", "line one.line two", "", "line one\nline two", 1 },
	{ "message", "^x$", "", "x\n", 0 },
	/* UTF-8: '.' is one character, case is Unicode's. */
	{ "message", "^caf.$", "", "caf\xc3\xa9", 1 },
	{ "message", "\xc3\x84\xc3\x96", "i", "\xc3\xa4\xc3\xb6", 1 },
	{ "message", "refused", "", "\xff\xfe refused", 1 },
	/* Backtracking without end stops at the match limit: no match. */
	{ "message", "(a+)+$", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 0 },
	/* A trace is searched line by line. */
	{ "trace", "^E +OperationalError$", "", "x\nE   OperationalError\ny", 1 },
	{ "trace", "one.two", "", "one\ntwo", 0 },
	{ "trace", "^panic: ", "", "\xc3\x28 bad\npanic: test timed out", 1 },
};

/* Classifies one failure with a rule holding `c`'s pattern before the
 * defaults; 1 when that rule matched. */
static int pattern_case_matches(const struct pattern_case *c)
{
	cJSON *doc = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(doc, "rules");
	cJSON *r = cJSON_CreateObject();
	fp_rules *rules = defaults();
	int trace = strcmp(c->key, "trace") == 0, matched;
	char *json;
	fp_run *run;

	cJSON_AddStringToObject(r, "name", "probe");
	cJSON_AddStringToObject(r, c->key, c->re);
	cJSON_AddStringToObject(r, "flags", c->flags);
	cJSON_AddStringToObject(r, "category", "infrastructure");
	cJSON_AddStringToObject(r, "cause", "probe");
	cJSON_AddItemToArray(list, r);
	json = cJSON_PrintUnformatted(doc);
	assert_int_equal(fp_rules_load_json(rules, "probe.json", json, strlen(json)), 0);
	run = classify_one(rules, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
			   trace ? "m" : c->text, trace ? c->text : NULL);
	matched = strcmp(fp_test_rule(&run->tests[0]), "probe") == 0;
	fp_run_free(run);
	fp_rules_free(rules);
	cJSON_free(json);
	cJSON_Delete(doc);
	return matched;
}

static void check_pattern_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern_cases) / sizeof(pattern_cases[0]); i++)
		if (pattern_case_matches(&pattern_cases[i]) != pattern_cases[i].match)
			fail_msg("%s '%s' on '%s': want %s", pattern_cases[i].key, pattern_cases[i].re,
				 pattern_cases[i].text, pattern_cases[i].match ? "a match" : "none");
}

static void test_classify_patterns_match_as_pcre2_does(void **state)
{
	(void)state;
	check_pattern_cases();
}

/* The same without JIT compilation, as the valgrind runs have it. */
static void test_classify_patterns_match_the_same_without_jit(void **state)
{
	(void)state;
	setenv("FIXPROOF_PCRE2_JIT", "0", 1);
	check_pattern_cases();
	unsetenv("FIXPROOF_PCRE2_JIT");
}

static void load_fails(const char *json, const char *want)
{
	fp_rules *rules = defaults();
	size_t n = fp_rules_count(rules);

	fp_error_clear();
	assert_int_equal(fp_rules_load_json(rules, "r.json", json, strlen(json)), FP_EINPUT);
	if (strcmp(fp_error_message(), want) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", json, fp_error_message(), want);
	assert_int_equal(fp_rules_count(rules), n);
	fp_rules_free(rules);
}

#define RULE(body) "{\"rules\": [{\"name\": \"ok\", \"category\": \"infrastructure\", \"cause\": \"c\"}, " body "]}"

/* Parentheses nested 65 deep are refused (PCRE2's nesting limit, set to 64). */
static void load_fails_nested(void)
{
	fp_buf re = FP_BUF_INIT, json = FP_BUF_INIT;
	int i;

	for (i = 0; i < 65; i++)
		fp_buf_puts(&re, "(");
	for (i = 0; i < 65; i++)
		fp_buf_puts(&re, ")");
	fp_buf_printf(&json, RULE("{\"name\": \"db\", \"message\": \"%s\", \"category\": \"infrastructure\", \"cause\": \"c\"}"), re.ptr);
	load_fails(json.ptr, "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 65: parentheses are too deeply nested");
	fp_buf_free(&re);
	fp_buf_free(&json);
}

/* A pattern of 4,096 bytes loads; one of 4,097 is refused. */
static void load_fails_long(void)
{
	fp_buf re = FP_BUF_INIT, json = FP_BUF_INIT;
	fp_rules *rules = defaults();

	while (re.len < 4096)
		fp_buf_puts(&re, "a");
	fp_buf_printf(&json, RULE("{\"name\": \"db\", \"message\": \"%s\", \"category\": \"infrastructure\", \"cause\": \"c\"}"), re.ptr);
	assert_int_equal(fp_rules_load_json(rules, "r.json", json.ptr, json.len), 0);
	fp_buf_clear(&json);
	fp_buf_puts(&re, "a");
	fp_buf_printf(&json, RULE("{\"name\": \"db\", \"message\": \"%s\", \"category\": \"infrastructure\", \"cause\": \"c\"}"), re.ptr);
	load_fails(json.ptr, "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 0: pattern string is longer than the limit set by the application");
	fp_buf_free(&re);
	fp_buf_free(&json);
	fp_rules_free(rules);
}

static void test_classify_loader_errors_name_file_line_and_column(void **state)
{
	(void)state;
	load_fails("{\"rules\": [", "cannot load rules 'r.json': line 1 column 11: not valid JSON");
	load_fails("{\n  \"rules\": [\n    {\"name\": \"x\",,}\n  ]\n}",
		   "cannot load rules 'r.json': line 3 column 19: not valid JSON");
	load_fails("{\"rules\": []} []", "cannot load rules 'r.json': line 1 column 15: text after the JSON document");
	load_fails("[]", "cannot load rules 'r.json': expected an object with a \"rules\" list");
	load_fails("{\"rules\": {}}", "cannot load rules 'r.json': expected an object with a \"rules\" list");
	load_fails("{\"rule\": []}", "cannot load rules 'r.json': unknown key 'rule' (expected \"schema\" and \"rules\")");
	load_fails("{\"schema\": \"fixproof.rules/2\", \"rules\": []}",
		   "cannot load rules 'r.json': 'schema' must be \"fixproof.rules/1\"");
	load_fails(RULE("3"), "cannot load rules 'r.json': rule 2: not an object");
	load_fails(RULE("{\"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2: missing 'name'");
	load_fails(RULE("{\"name\": \"db\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): missing 'category'");
	load_fails(RULE("{\"name\": \"db\", \"category\": \"infra\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'category' must be \"infrastructure\" or \"business_logic\", not 'infra'");
	load_fails(RULE("{\"name\": \"db\", \"category\": \"infrastructure\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): missing 'cause'");
	load_fails(RULE("{\"name\": \"db\", \"category\": \"infrastructure\", \"cause\": \"Bad Cause\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'cause' must be a word of a-z, 0-9 and '_', not 'Bad Cause'");
	load_fails(RULE("{\"name\": \"db\", \"mesage\": \"x\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2: unknown key 'mesage'");
	/* Regex errors are PCRE2's own, with the offset in the pattern. */
	load_fails(RULE("{\"name\": \"db\", \"message\": \"(unclosed\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 9: missing closing parenthesis");
	load_fails(RULE("{\"name\": \"db\", \"trace\": \"a[b\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'trace' at offset 3: missing terminating ] for character class");
	load_fails(RULE("{\"name\": \"db\", \"type\": \"(?<=a+)b\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'type' at offset 0: lookbehind assertion is not fixed length");
	load_fails(RULE("{\"name\": \"db\", \"message\": \"a+?+\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 3: quantifier does not follow a repeatable item");
	/* The limits: compiled size, nesting, length, and no \C (it would
	 * split a UTF-8 character). */
	load_fails(RULE("{\"name\": \"db\", \"message\": \"(x{30000}){30000}\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 17: regular expression is too large");
	load_fails(RULE("{\"name\": \"db\", \"message\": \"((((((x{9}){9}){9}){9}){9}){9})\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 31: regular expression is too large");
	load_fails(RULE("{\"name\": \"db\", \"message\": \"a\\\\Cb\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): bad regex in 'message' at offset 3: using \\C is disabled by the application");
	load_fails_nested();
	load_fails_long();
	load_fails(RULE("{\"name\": \"db\", \"status\": \"failed\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'status' must be a non-empty list of \"failed\", \"error\"");
	load_fails(RULE("{\"name\": \"db\", \"status\": [\"passed\"], \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'status' must be a non-empty list of \"failed\", \"error\"");
	load_fails(RULE("{\"name\": \"db\", \"phase\": [\"call\", 3], \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'phase' must be a non-empty list of \"collection\", \"setup\", \"call\", \"teardown\"");
	load_fails(RULE("{\"name\": \"db\", \"flags\": \"x\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('db'): 'flags' must be \"i\" or \"\", not 'x'");
	load_fails(RULE("{\"name\": \"db\", \"message\": 3, \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2: 'message' must be a string");
	load_fails(RULE("{\"name\": \"db\", \"name\": \"db\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2: key 'name' given twice");
	load_fails(RULE("{\"name\": \"ok\", \"category\": \"infrastructure\", \"cause\": \"c\"}"),
		   "cannot load rules 'r.json': rule 2 ('ok'): the name is already used by rule 1");
}

static void test_classify_loader_limits(void **state)
{
	fp_buf json = FP_BUF_INIT;
	fp_rules *rules = defaults();
	const char nul[] = "{\"rules\": []}\0";
	char path[] = "/tmp/fixproof-rules-XXXXXX";
	FILE *f;
	int i, fd;

	(void)state;
	fp_buf_puts(&json, "{\"rules\": [");
	for (i = 0; i <= FP_RULES_MAX; i++)
		fp_buf_printf(&json, "%s{\"name\": \"r%d\", \"category\": \"infrastructure\", \"cause\": \"c\"}",
			      i ? "," : "", i);
	fp_buf_puts(&json, "]}");
	assert_int_equal(fp_rules_load_json(rules, "big.json", json.ptr, json.len), FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot load rules 'big.json': more than 1000 rules");
	assert_int_equal(fp_rules_load_json(rules, "nul.json", nul, sizeof(nul)), FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot load rules 'nul.json': not a text file (it holds a NUL byte)");

	/* Files: missing, and over the size cap. */
	assert_int_equal(fp_rules_load_file(rules, "/nonexistent/r.json"), FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot load rules '/nonexistent/r.json': No such file or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fp_buf_clear(&json);
	while (json.len <= FP_RULES_MAX_BYTES)
		fp_buf_puts(&json, "                                                                ");
	fputs(json.ptr, f);
	fclose(f);
	assert_int_equal(fp_rules_load_file(rules, path), FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "': larger than 1048576 bytes"));
	unlink(path);
	fp_buf_free(&json);
	fp_rules_free(rules);
}

static void test_classify_defaults_are_sound(void **state)
{
	fp_rules *rules = defaults();
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	cJSON *doc, *last;

	(void)state;
	assert_int_equal(fp_rules_write_json(rules, f), 0);
	fclose(f);
	doc = cJSON_Parse(out);
	assert_non_null(doc);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "rules")), (int)fp_rules_count(rules));
	/* The last default matches everything: every failure gets a category. */
	last = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), (int)fp_rules_count(rules) - 1);
	assert_string_equal(json_str(last, "name"), "default-exception");
	assert_null(cJSON_GetObjectItem(last, "type"));
	assert_null(cJSON_GetObjectItem(last, "message"));
	assert_null(cJSON_GetObjectItem(last, "trace"));
	assert_null(cJSON_GetObjectItem(last, "status"));
	assert_null(cJSON_GetObjectItem(last, "phase"));
	cJSON_Delete(doc);
	free(out);
	fp_rules_free(rules);
}

/* ---- speed ---- */

/* A pytest-like failure of `size` bytes of trace ending in `tail`. */
static void fake_trace(fp_buf *b, unsigned seed, size_t size, const char *head, const char *tail)
{
	fp_buf_clear(b);
	fp_buf_puts(b, head);
	while (b->len + strlen(tail) < size)
		fp_buf_printf(b, "\n/usr/lib/python3/dist-packages/shop/module_%u.py:%u: in handler_%u\n"
			      "    return self.backend.dispatch(request, retries=%u)",
			      seed % 97, seed % 1000, seed % 13, seed % 5);
	fp_buf_puts(b, tail);
}

static double classify_many(size_t nfail, int report)
{
	static const struct { const char *msg, *head, *tail; } kinds[] = {
		{ "assert 9 == 13\n +  where 9 = total()", "def test_total():\n>       assert total() == 13",
		  "\nE       assert 9 == 13\n\ntests/test_cart.py:8: AssertionError" },
		{ "AssertionError: wrong total", "def test_total():\n>       assert t == 13, 'wrong total'",
		  "\nE       AssertionError: wrong total\n\ntests/test_cart.py:9: AssertionError" },
		{ "ValueError: not enough sku-1", "def test_take():\n>       inv.take('sku-1', 2)",
		  "\nE       ValueError: not enough sku-1\n\nshop/inventory.py:11: ValueError" },
		{ "ConnectionRefusedError: [Errno 111] Connection refused", "def test_db():\n>       db.connect()",
		  "\nE       ConnectionRefusedError: [Errno 111] Connection refused\n\n/usr/lib/python3.11/socket.py:836: ConnectionRefusedError" },
		{ "failed on setup with \"KeyError: 'SHOP_DB_URL'\"", "@pytest.fixture\n    def db_url():",
		  "\nself = environ({'PATH': '/usr/bin'})\nE   KeyError: 'SHOP_DB_URL'\n\n<frozen os>:679: KeyError" },
		{ "AttributeError: 'TestLedger' object has no attribute 'make_store'",
		  "self = <tests.TestLedger testMethod=test_post>\n\n    def setUp(self):",
		  "\nE       AttributeError: 'TestLedger' object has no attribute 'make_store'\n\ntests/t.py:6: AttributeError" },
		{ "requests.exceptions.ReadTimeout: Read timed out. (read timeout=0.1)", "def test_slow():",
		  "\nE       requests.exceptions.ReadTimeout: Read timed out.\n\nrequests/adapters.py:578: ReadTimeout" },
		{ "KeyError: 'sku-404'", "def test_sku():", "\nE       KeyError: 'sku-404'\n\nshop/inventory.py:9: KeyError" },
	};
	static const unsigned weights[] = { 40, 15, 15, 8, 5, 5, 6, 6 }; /* percent */
	fp_run *run = fp_run_new();
	fp_rules *rules = defaults();
	fp_buf trace = FP_BUF_INIT;
	struct timespec a, b;
	size_t i, k;
	double secs;

	for (i = 0; i < nfail; i++) {
		unsigned r = (unsigned)(i * 2654435761u) % 100, acc = 0;
		size_t size = 1024 + (i * 7919) % (FP_MAX_TRACE - 1024);

		for (k = 0; k < 7 && r >= acc + weights[k]; k++)
			acc += weights[k];
		fake_trace(&trace, (unsigned)i, size, kinds[k].head, kinds[k].tail);
		add_test(run, "tests.test_cart.TestCart", "test_x", strncmp(kinds[k].msg, "failed on", 9) ? FP_STATUS_FAILED : FP_STATUS_ERROR,
			 strncmp(kinds[k].msg, "failed on", 9) ? FP_PHASE_CALL : FP_PHASE_SETUP, NULL,
			 kinds[k].msg, trace.ptr);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	fp_classify_run(run, rules);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (report)
		printf("classified %zu failures (traces 1-16 KB, %zu MB of text) in %.3f s\n",
		       nfail, run->arena.total >> 20, secs);
	assert_int_equal(run->infrastructure + run->business_logic, nfail);
	fp_buf_free(&trace);
	fp_rules_free(rules);
	fp_run_free(run);
	return secs;
}

static void test_classify_speed_of_a_large_run(void **state)
{
	const char *bench = getenv("FIXPROOF_BENCH");

	(void)state;
	if (bench && *bench && strcmp(bench, "0") != 0)
		classify_many(100000, 1);
	else
		classify_many(2000, 0);
}

/* Phase rules move a failure to where it happened before rules say why. */
static void test_classify_phase_rules_move_failures(void **state)
{
	static const char setup_trace[] =
		"self = <test_ledger.TestLedger testMethod=test_post>\n\n    def setUp(self):\n"
		">       self.store = self.make_store()\n"
		"E       AttributeError: 'TestLedger' object has no attribute 'make_store'\n\n"
		"tests/test_ledger.py:4: AttributeError";
	static const char teardown_trace[] =
		"self = <t.TestX testMethod=test_y>\n\n    def tearDown(self):\n"
		">       raise RuntimeError('lock held')\nE       RuntimeError: lock held\n\n"
		"tests/t.py:9: RuntimeError";
	static const char body_trace[] =
		"    def test_post(self):\n>       self.make_store()\n"
		"E       AttributeError: 'TestLedger' object has no attribute 'make_store'\n";
	fp_run *run;

	(void)state;
	run = classify_one(NULL, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
			   "AttributeError: 'TestLedger' object has no attribute 'make_store'", setup_trace);
	assert_int_equal(run->tests[0].phase, FP_PHASE_SETUP);
	assert_string_equal(fp_test_cause(&run->tests[0]), "missing_attribute");
	fp_run_free(run);
	run = classify_one(NULL, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, "RuntimeError: lock held",
			   teardown_trace);
	assert_int_equal(run->tests[0].phase, FP_PHASE_TEARDOWN);
	assert_string_equal(fp_test_rule(&run->tests[0]), "unittest-teardown");
	fp_run_free(run);
	/* The same AttributeError in the test body stays in the call phase. */
	run = classify_one(NULL, FP_STATUS_FAILED, FP_PHASE_CALL, NULL,
			   "AttributeError: 'TestLedger' object has no attribute 'make_store'", body_trace);
	assert_int_equal(run->tests[0].phase, FP_PHASE_CALL);
	assert_string_equal(fp_test_cause(&run->tests[0]), "missing_attribute");
	fp_run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_failures_of_every_runner),
		cmocka_unit_test(test_classify_phase_rules_move_failures),
		cmocka_unit_test(test_classify_corpus_failures_get_their_causes),
		cmocka_unit_test(test_classify_collect_only_entries),
		cmocka_unit_test(test_classify_type_read_from_message_or_trace),
		cmocka_unit_test(test_classify_trace_window_head_and_tail),
		cmocka_unit_test(test_passed_and_skipped_get_nothing),
		cmocka_unit_test(test_every_error_gets_a_category),
		cmocka_unit_test(test_user_rules_come_first),
		cmocka_unit_test(test_classify_patterns_match_as_pcre2_does),
		cmocka_unit_test(test_classify_patterns_match_the_same_without_jit),
		cmocka_unit_test(test_classify_loader_errors_name_file_line_and_column),
		cmocka_unit_test(test_classify_loader_limits),
		cmocka_unit_test(test_classify_defaults_are_sound),
		cmocka_unit_test(test_classify_speed_of_a_large_run),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fp_error_shutdown();
	return rc;
}
