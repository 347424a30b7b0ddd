/*
 * fuzz_rules.c - libFuzzer target: the input is a rules file. It is loaded
 * before one catch-all rule (the defaults' last rule, without the cost of
 * compiling all of them for every input), written back (valid JSON in
 * valid UTF-8, which loads again into as many rules), and used to classify
 * a few failures, one of which carries the input itself as its message
 * and trace, so the user's patterns also meet hostile text.
 */
#include "fuzz.h"

static const char catch_all[] =
	"{\"schema\": \"fixproof.rules/1\", \"rules\": [{\"name\": \"any\", "
	"\"category\": \"business_logic\", \"cause\": \"exception\"}]}";

/* A list holding only the catch-all rule. */
static fp_rules *base_rules(void)
{
	fp_rules *rules = fp_rules_new();

	fuzz_check(fp_rules_load_json(rules, "catch-all", catch_all, sizeof(catch_all) - 1) == 0,
		   "the catch-all rule loads");
	return rules;
}

/* Adds a failed test with the given texts to `run`. */
static void add_failure(fp_run *run, fp_status status, fp_phase phase, const char *type,
			const char *message, size_t mlen, const char *trace, size_t tlen)
{
	fp_test *t = NULL;
	fp_detail *d;

	fuzz_check(fp_run_add_test(&t, run, 0) == 0, "a test is added");
	t->classname = fp_run_intern(run, "tests.test_fuzz", 15);
	t->name = fp_run_strdup(run, "test_case");
	t->status = (uint8_t)status;
	t->phase = (uint8_t)phase;
	t->flags = FP_TEST_RESULT;
	d = fp_test_detail(run, t);
	d->type = fp_run_strdup(run, type);
	d->message = fp_run_strcap(run, message, mlen, FP_MAX_MESSAGE);
	d->trace = trace ? fp_run_strcap(run, trace, tlen, FP_MAX_TRACE) : NULL;
}

static void classify_with(const fp_rules *rules, const uint8_t *data, size_t size)
{
	static const char refused[] = "ConnectionRefusedError: [Errno 111] Connection refused";
	static const char trace[] = "self = <tests.test_fuzz.T>\n\n    def setUp(self):\n"
				    ">       self.db = connect()\nE       OperationalError: could not "
				    "connect\n\ntests/test_fuzz.py:4: OperationalError";
	fp_run *run = fp_run_new();

	fp_run_add_input(run, "fuzz-run.xml", FP_INPUT_JUNIT);
	add_failure(run, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, refused, sizeof(refused) - 1,
		    NULL, 0);
	add_failure(run, FP_STATUS_ERROR, FP_PHASE_SETUP, "OperationalError", "could not connect",
		    17, trace, sizeof(trace) - 1);
	add_failure(run, FP_STATUS_FAILED, FP_PHASE_CALL, NULL, (const char *)data, size,
		    (const char *)data, size);
	fp_run_finish(run);
	fp_classify_run(run, rules);
	fuzz_check_categories(run);
	fuzz_write_run(run);
}

/* What `fixproof rules` prints can be fed back as a rules file (its
 * "origin" members are ignored on input), and gives as many rules again. */
static void reload(const char *text, size_t len, size_t count)
{
	fp_rules *again = fp_rules_new();

	if (count <= FP_RULES_MAX && len <= FP_RULES_MAX_BYTES) {
		fuzz_check(fp_rules_load_json(again, "fuzz-again.json", text, len) == 0,
			   "the written rules load again");
		fuzz_check(fp_rules_count(again) == count, "the written rules are as many again");
	}
	fp_rules_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_rules *rules = base_rules();
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (fp_rules_load_json(rules, "fuzz-rules.json", (const char *)data, size) < 0) {
		fuzz_check(fp_rules_count(rules) == 1, "a refused file leaves the rules as they were");
		fuzz_check(fp_error_message()[0] != '\0', "a refusal sets a message");
	}
	f = open_memstream(&text, &len);
	fuzz_check(f != NULL, "open_memstream works");
	fuzz_check(fp_rules_write_json(rules, f) == 0, "the rules are written");
	fuzz_check(fclose(f) == 0, "the memory stream closes");
	fuzz_check_json(text, len);
	reload(text, len, fp_rules_count(rules));
	free(text);
	classify_with(rules, data, size);
	fp_rules_free(rules);
	return 0;
}
