/* test_diff.c - joining runs, changes, the matrix, metrics, targets and each verdict rule. */
#include "unit.h"

#include "fixproof/diff.h"
#include "fixproof/error.h"
#include "fixproof/model.h"
#include "fixproof/provenance.h"

/* Compact test specs: "P" passed, "S" skipped, "N" not run (collected),
 * "I" infrastructure failure, "B" business-logic failure, "C" a collection
 * error (module entry), "F" a flaky pass (Surefire's flakyFailure), "R" a
 * failure that passed on a rerun, "Z" a session that never started. */
typedef struct spec {
	const char *id;   /* node id, or "cls|name" for a JUnit-style entry */
	char what;
} spec;

static fp_run *make_run(const spec *specs, size_t n)
{
	static unsigned serial;
	fp_run *run = fp_run_new();
	uint32_t in = fp_run_add_input(run, "results.xml", FP_INPUT_JUNIT);
	fp_buf sha = FP_BUF_INIT;
	size_t i;

	/* Every run is read from an input of its own: a made-up digest. */
	fp_buf_printf(&sha, "%064x", ++serial);
	memcpy(run->inputs[in].sha256, sha.ptr, 65);
	fp_buf_free(&sha);

	for (i = 0; i < n; i++) {
		const char *bar = strchr(specs[i].id, '|');
		fp_test *t = NULL;

		assert_int_equal(fp_run_add_test(&t, run, in), 0);
		if (bar) {
			t->classname = fp_run_intern(run, specs[i].id, (size_t)(bar - specs[i].id));
			t->name = fp_run_strdup(run, bar + 1);
		} else {
			t->nodeid = fp_run_strdup(run, specs[i].id);
		}
		t->flags = FP_TEST_RESULT;
		t->phase = FP_PHASE_CALL;
		switch (specs[i].what) {
		case 'P': t->status = FP_STATUS_PASSED; break;
		case 'F': t->status = FP_STATUS_PASSED; t->flags |= FP_TEST_FLAKY; break;
		case 'R':
			t->status = FP_STATUS_FAILED;
			t->flags |= FP_TEST_FLAKY | FP_TEST_DUPLICATE;
			t->category = FP_CATEGORY_INFRASTRUCTURE;
			fp_test_detail(run, t)->cause = "timeout";
			break;
		case 'Z':
			t->status = FP_STATUS_ERROR;
			t->phase = FP_PHASE_COLLECTION;
			t->flags |= FP_TEST_SESSION;
			t->category = FP_CATEGORY_INFRASTRUCTURE;
			fp_test_detail(run, t)->cause = "import_error";
			fp_test_detail(run, t)->message = "ImportError while loading conftest '/w/tests/conftest.py'.";
			break;
		case 'S': t->status = FP_STATUS_SKIPPED; break;
		case 'N': t->status = FP_STATUS_NOT_RUN; t->flags = FP_TEST_COLLECTED; break;
		case 'I':
			t->status = FP_STATUS_ERROR;
			t->phase = FP_PHASE_SETUP;
			t->category = FP_CATEGORY_INFRASTRUCTURE;
			fp_test_detail(run, t)->cause = "missing_fixture";
			break;
		case 'B':
			t->status = FP_STATUS_FAILED;
			t->category = FP_CATEGORY_BUSINESS_LOGIC;
			fp_test_detail(run, t)->cause = "assertion";
			break;
		case 'C':
			t->status = FP_STATUS_ERROR;
			t->phase = FP_PHASE_COLLECTION;
			t->category = FP_CATEGORY_INFRASTRUCTURE;
			fp_test_detail(run, t)->cause = "import_error";
			break;
		default: fail();
		}
	}
	fp_run_finish(run);
	fp_run_count_categories(run);
	return run;
}

#define RUN(...) make_run((const spec[]){ __VA_ARGS__ }, \
	sizeof((const spec[]){ __VA_ARGS__ }) / sizeof(spec))

/* The entry whose test id is `id`. */
static const fp_diff_entry *entry(const fp_diff *d, const char *id)
{
	fp_buf b = FP_BUF_INIT;
	size_t i;

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];

		fp_test_id(&b, fp_diff_after(d, e) ? fp_diff_after(d, e) : fp_diff_before(d, e));
		if (strcmp(b.ptr, id) == 0) {
			fp_buf_free(&b);
			return e;
		}
	}
	fp_buf_free(&b);
	fail_msg("no entry '%s'", id);
	return NULL;
}

/* Reason `i` of `d`, as a sentence, is `want`. */
static void assert_reason(const fp_diff *d, size_t i, const char *want)
{
	fp_buf b = FP_BUF_INIT;

	assert_true(i < d->nreasons);
	fp_reason_format(&b, &d->reasons[i]);
	assert_string_equal(b.ptr, want);
	fp_buf_free(&b);
}

static fp_diff *diff_goal(fp_run *b, fp_run *a, const char *const *pat, size_t npat, fp_goal goal)
{
	fp_diff_opts o = { .patterns = pat, .npatterns = npat, .goal = goal };
	fp_diff *d = NULL;

	assert_int_equal(fp_diff_runs(&d, b, a, &o), 0);
	return d;
}

static fp_diff *diff_of(fp_run *b, fp_run *a, const char *const *pat, size_t npat)
{
	return diff_goal(b, a, pat, npat, FP_GOAL_PASS);
}

static void free_all(fp_diff *d, fp_run *b, fp_run *a)
{
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

/* Gives test `i` of `run` a file, as JUnit's file attribute would. */
static void set_file(fp_run *run, size_t i, const char *path)
{
	run->tests[i].file = fp_run_intern(run, path, strlen(path));
}

static void test_diff_changes_and_matrix(void **state)
{
	fp_run *b = RUN({ "t/test_a.py::test_fixed", 'B' }, { "t/test_a.py::test_regressed", 'P' },
			{ "t/test_a.py::test_progressed", 'I' }, { "t/test_a.py::test_still", 'B' },
			{ "t/test_a.py::test_removed", 'P' }, { "t/test_a.py::test_skip", 'P' },
			{ "t/test_a.py::test_same", 'P' }, { "t/test_a.py::test_unskip", 'S' },
			{ "t/test_a.py::test_cause", 'I' });
	fp_run *a = RUN({ "t/test_a.py::test_fixed", 'P' }, { "t/test_a.py::test_regressed", 'B' },
			{ "t/test_a.py::test_progressed", 'B' }, { "t/test_a.py::test_still", 'B' },
			{ "t/test_a.py::test_new", 'P' }, { "t/test_a.py::test_skip", 'S' },
			{ "t/test_a.py::test_same", 'P' }, { "t/test_a.py::test_unskip", 'P' },
			{ "t/test_a.py::test_cause", 'I' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(entry(d, "t/test_a.py::test_fixed")->change, FP_CHANGE_FIXED);
	assert_int_equal(entry(d, "t/test_a.py::test_regressed")->change, FP_CHANGE_REGRESSED);
	assert_int_equal(entry(d, "t/test_a.py::test_progressed")->change, FP_CHANGE_PROGRESSED);
	assert_int_equal(entry(d, "t/test_a.py::test_still")->change, FP_CHANGE_STILL_FAILING);
	assert_int_equal(entry(d, "t/test_a.py::test_removed")->change, FP_CHANGE_REMOVED);
	assert_int_equal(entry(d, "t/test_a.py::test_new")->change, FP_CHANGE_NEW);
	assert_int_equal(entry(d, "t/test_a.py::test_skip")->change, FP_CHANGE_NEWLY_SKIPPED);
	assert_int_equal(entry(d, "t/test_a.py::test_same")->change, FP_CHANGE_UNCHANGED);
	assert_int_equal(entry(d, "t/test_a.py::test_unskip")->change, FP_CHANGE_UNSKIPPED);
	assert_int_equal(d->nentries, 10);
	assert_int_equal(d->changes[FP_CHANGE_FIXED], 1);
	assert_int_equal(d->changes[FP_CHANGE_STILL_FAILING], 2);
	/* The matrix counts every entry once: rows before, columns after. */
	assert_int_equal(d->matrix[FP_OUTCOME_BUSINESS_LOGIC][FP_OUTCOME_PASSED], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_PASSED][FP_OUTCOME_BUSINESS_LOGIC], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_INFRASTRUCTURE][FP_OUTCOME_BUSINESS_LOGIC], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_INFRASTRUCTURE][FP_OUTCOME_INFRASTRUCTURE], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_PASSED][FP_OUTCOME_ABSENT], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_ABSENT][FP_OUTCOME_PASSED], 1);
	assert_int_equal(d->matrix[FP_OUTCOME_PASSED][FP_OUTCOME_PASSED], 1);
	{
		uint64_t total = 0;
		int r, c;

		for (r = 0; r < FP_OUTCOME_COUNT; r++)
			for (c = 0; c < FP_OUTCOME_COUNT; c++)
				total += d->matrix[r][c];
		assert_int_equal(total, d->nentries);
	}
	/* The causes within each category, per side. */
	assert_string_equal(d->causes[0][0][0].cause, "missing_fixture");
	assert_int_equal(d->causes[0][0][0].count, 2);
	assert_string_equal(d->causes[1][1][0].cause, "assertion");
	assert_int_equal(d->causes[1][1][0].count, 3);
	assert_int_equal(d->verdict, FP_VERDICT_REGRESSED);
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

static void test_diff_join_across_formats(void **state)
{
	/* JUnit names before, node ids after: the same tests. */
	fp_run *b = RUN({ "tests.api.test_orders.TestOrders|test_cancel[card::x]", 'I' },
			{ "tests.api.test_orders|test_plain", 'B' });
	fp_run *a = RUN({ "tests/api/test_orders.py::TestOrders::test_cancel[card::x]", 'P' },
			{ "tests/api/test_orders.py::test_plain", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->nentries, 2);
	assert_int_equal(d->changes[FP_CHANGE_FIXED], 2);
	assert_int_equal(d->verdict, FP_VERDICT_RESOLVED);
	/* The id shown is the node id. */
	assert_non_null(entry(d, "tests/api/test_orders.py::TestOrders::test_cancel[card::x]"));
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

static void test_collection_error_module(void **state)
{
	fp_run *b = RUN({ "tests/api/test_payments.py", 'C' }, { "tests/test_other.py::test_x", 'P' });
	fp_run *a = RUN({ "tests/api/test_payments.py::test_refund", 'P' },
			{ "tests/api/test_payments.py::TestCard::test_charge", 'B' },
			{ "tests/api/test_payments_extra.py::test_unrelated", 'P' },
			{ "tests/test_other.py::test_x", 'P' });
	fp_diff *d;
	const fp_diff_entry *m;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	m = entry(d, "tests/api/test_payments.py");
	assert_true(m->flags & FP_ENTRY_MODULE);
	assert_true(m->flags & FP_ENTRY_TARGET);
	/* The module's outcome after is the worst of its tests: one fails on
	 * business logic, so the module entry progressed. */
	assert_int_equal(m->outcome_after, FP_OUTCOME_BUSINESS_LOGIC);
	assert_int_equal(m->change, FP_CHANGE_PROGRESSED);
	assert_int_equal(entry(d, "tests/api/test_payments.py::test_refund")->change, FP_CHANGE_COLLECTABLE);
	assert_int_equal(entry(d, "tests/api/test_payments.py::TestCard::test_charge")->change,
			 FP_CHANGE_COLLECTABLE);
	/* A module whose name merely starts the same is not part of it. */
	assert_int_equal(entry(d, "tests/api/test_payments_extra.py::test_unrelated")->change, FP_CHANGE_NEW);
	assert_int_equal(d->verdict, FP_VERDICT_PARTIALLY_RESOLVED);
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

static void test_module_breaks_after(void **state)
{
	fp_run *b = RUN({ "tests/test_pay.py::test_a", 'P' }, { "tests/test_pay.py::test_b", 'B' });
	fp_run *a = RUN({ "tests/test_pay.py", 'C' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	/* Tests of a module that no longer imports failed, they did not vanish. */
	assert_int_equal(entry(d, "tests/test_pay.py::test_a")->change, FP_CHANGE_REGRESSED);
	assert_int_equal(entry(d, "tests/test_pay.py::test_b")->change, FP_CHANGE_STILL_FAILING);
	assert_int_equal(d->verdict, FP_VERDICT_REGRESSED);
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

/* ---- each verdict rule at its boundary ---- */

static fp_verdict verdict_of(fp_run *b, fp_run *a, const char *const *pat, size_t npat)
{
	fp_diff *d = diff_of(b, a, pat, npat);
	fp_verdict v = d->verdict;

	assert_true(d->nreasons >= 1);
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
	return v;
}

static void test_verdict_inconclusive(void **state)
{
	(void)state;
	/* No tests on a side. */
	assert_int_equal(verdict_of(make_run(NULL, 0), RUN({ "t.py::a", 'P' }), NULL, 0),
			 FP_VERDICT_INCONCLUSIVE);
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }), make_run(NULL, 0), NULL, 0),
			 FP_VERDICT_INCONCLUSIVE);
	/* Nothing failed before and no target: nothing to prove. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'P' }), RUN({ "t.py::a", 'P' }), NULL, 0),
			 FP_VERDICT_INCONCLUSIVE);
}

static void test_verdict_regressed_wins(void **state)
{
	(void)state;
	/* Every target fixed, but one other test broke: regressed. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' }),
				    RUN({ "t.py::a", 'P' }, { "t.py::b", 'I' }), NULL, 0),
			 FP_VERDICT_REGRESSED);
}

static void test_verdict_resolved_boundary(void **state)
{
	(void)state;
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'I' }),
				    RUN({ "t.py::a", 'P' }, { "t.py::b", 'P' }), NULL, 0),
			 FP_VERDICT_RESOLVED);
	/* One target short of all: partially. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'I' }),
				    RUN({ "t.py::a", 'P' }, { "t.py::b", 'I' }), NULL, 0),
			 FP_VERDICT_PARTIALLY_RESOLVED);
	/* A flaky pass does not count. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }), RUN({ "t.py::a", 'F' }), NULL, 0),
			 FP_VERDICT_UNRESOLVED);
}

static void test_verdict_partial_by_progress(void **state)
{
	(void)state;
	/* Infrastructure -> business logic is progress. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'I' }), RUN({ "t.py::a", 'B' }), NULL, 0),
			 FP_VERDICT_PARTIALLY_RESOLVED);
	/* Business logic -> infrastructure is not. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }), RUN({ "t.py::a", 'I' }), NULL, 0),
			 FP_VERDICT_UNRESOLVED);
}

static void test_verdict_skip_is_not_a_fix(void **state)
{
	(void)state;
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' }),
				    RUN({ "t.py::a", 'S' }, { "t.py::b", 'P' }), NULL, 0),
			 FP_VERDICT_UNRESOLVED);
	/* A target missing (deselected) after is not fixed either. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' }),
				    RUN({ "t.py::b", 'P' }), NULL, 0),
			 FP_VERDICT_UNRESOLVED);
	/* Collected but not run after: no evidence it passes. */
	assert_int_equal(verdict_of(RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' }),
				    RUN({ "t.py::a", 'N' }, { "t.py::b", 'P' }), NULL, 0),
			 FP_VERDICT_UNRESOLVED);
}

static void test_diff_targets_by_pattern_and_glob(void **state)
{
	static const char *const sub[] = { "test_iso" };
	static const char *const glob[] = { "*::TestC::test_iso[[]2]*" };
	static const char *const none[] = { "nope" };
	static const char *const bracket[] = { "test_iso[2]" };
	fp_run *b = RUN({ "t/test_s.py::TestC::test_iso[2]", 'I' }, { "t/test_s.py::TestC::test_iso[4]", 'I' },
			{ "t/test_s.py::test_other", 'B' });
	fp_run *a = RUN({ "t/test_s.py::TestC::test_iso[2]", 'P' }, { "t/test_s.py::TestC::test_iso[4]", 'P' },
			{ "t/test_s.py::test_other", 'B' });
	fp_diff *d = NULL;

	(void)state;
	/* Only the targets count: the other failure does not stop "resolved". */
	d = diff_of(b, a, sub, 1);
	assert_int_equal(d->target_count, 2);
	assert_int_equal(d->targets[0].matched, 2);
	assert_int_equal(d->verdict, FP_VERDICT_RESOLVED);
	fp_diff_free(d);
	/* Brackets are literal in a substring pattern. */
	d = diff_of(b, a, bracket, 1);
	assert_int_equal(d->target_count, 1);
	fp_diff_free(d);
	/* A glob: `*` and `?` only; `[` is literal, so this matches nothing. */
	fp_diff_opts og = { .patterns = glob, .npatterns = 1 }, on = { .patterns = none, .npatterns = 1 };

	assert_int_equal(fp_diff_runs(&d, b, a, &og), FP_EUSAGE);
	assert_int_equal(fp_diff_runs(&d, b, a, &on), FP_EUSAGE);
	assert_true(fp_pattern_match("*::TestC::test_iso[?]", "t/test_s.py::TestC::test_iso[2]"));
	assert_true(fp_pattern_match("t/*_s.py::*", "t/test_s.py::x"));
	assert_false(fp_pattern_match("t/*_s.py", "t/test_s.py::x"));
	/* A JUnit-style pattern matches the join key too. */
	assert_true(fp_pattern_match("t.test_s.TestC", "t.test_s.TestC::test_iso[2]"));
	fp_run_free(b);
	fp_run_free(a);
}

static void test_diff_metrics_fractions(void **state)
{
	fp_run *b = RUN({ "t/test_a.py", 'C' }, { "t/test_b.py::test_1", 'P' }, { "t/test_b.py::test_2", 'I' },
			{ "t/test_c.py::test_1", 'B' }, { "t/test_c.py::test_2", 'S' });
	fp_run *a = RUN({ "t/test_a.py::test_1", 'P' }, { "t/test_b.py::test_1", 'P' },
			{ "t/test_b.py::test_2", 'P' }, { "t/test_c.py::test_1", 'B' },
			{ "t/test_c.py::test_2", 'S' });
	fp_diff *d;
	const fp_metrics *mb, *ma;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	mb = &d->metrics[0];
	ma = &d->metrics[1];
	/* Files: test_a (broken), test_b, test_c. */
	assert_int_equal(mb->collection_rate.num, 2);
	assert_int_equal(mb->collection_rate.den, 3);
	assert_int_equal(ma->collection_rate.num, 3);
	assert_int_equal(ma->collection_rate.den, 3);
	/* Body ran: passed, or failed in the call phase. The setup error did not. */
	assert_int_equal(mb->execution_rate.num, 2);
	assert_int_equal(mb->execution_rate.den, 5);
	assert_int_equal(ma->execution_rate.num, 4);
	/* Reach and pass rate leave skips out. */
	assert_int_equal(mb->business_logic_reach.num, 2);
	assert_int_equal(mb->business_logic_reach.den, 4);
	assert_int_equal(ma->business_logic_reach.num, 4);
	assert_int_equal(ma->pass_rate.num, 3);
	assert_int_equal(ma->pass_rate.den, 4);
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

static void test_incomplete_after_is_not_resolved(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' });
	fp_run *a = RUN({ "t.py::a", 'P' });
	fp_diff *d;

	(void)state;
	a->inputs[0].incomplete = 1;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(d->reasons[0].text, "which is cut short"));
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}

static void test_reasons_name_numbers(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'I' }, { "t.py::b", 'I' }, { "t.py::c", 'B' });
	fp_run *a = RUN({ "t.py::a", 'P' }, { "t.py::b", 'B' }, { "t.py::c", 'B' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_PARTIALLY_RESOLVED);
	assert_reason(d, 0, "1 of 3 targets passes after the fix");
	assert_reason(d, 1, "1 target now reaches the code under test and fails on business logic: t.py::b");
	assert_string_equal(d->reasons[1].text, "1 target now reaches the code under test and fails "
						"on business logic");
	assert_int_equal(d->reasons[1].nids, 1);
	assert_string_equal(d->reasons[1].ids[0], "t.py::b");
	assert_reason(d, 2, "1 target still fails: t.py::c");
	assert_reason(d, 3, "2 infrastructure failures before, 0 after");
	assert_reason(d, 4, "1 business-logic failure before, 2 after");
	assert_reason(d, 5, "No test that passed before fails after");
	fp_diff_free(d);
	fp_run_free(b);
	fp_run_free(a);
}


/* ---- the rules that keep "resolved" honest ---- */

static void test_diff_identical_inputs_are_inconclusive(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' });
	fp_run *a = RUN({ "t.py::a", 'P' });
	fp_diff *d;

	(void)state;
	memcpy(a->inputs[0].sha256, b->inputs[0].sha256, sizeof(a->inputs[0].sha256));
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "The runs before and after the fix were read from the same input (by "
			    "sha256): the same evidence cannot show a change");
	free_all(d, b, a);
}

static void test_diff_collect_only_after_is_inconclusive(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' });
	fp_run *a = RUN({ "t.py::a", 'N' }, { "t.py::b", 'N' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(d->reasons[0].text, "No test ran after the fix"));
	free_all(d, b, a);
}

static void test_diff_target_that_passed_before_proves_nothing(void **state)
{
	static const char *const pat[] = { "t.py::a" };
	fp_run *b = RUN({ "t.py::a", 'P' }, { "t.py::b", 'B' });
	fp_run *a = RUN({ "t.py::a", 'P' }, { "t.py::b", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, pat, 1);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "The target did not fail before the fix, so there is nothing the fix "
			    "can be shown to resolve: t.py::a");
	free_all(d, b, a);
}

static void test_diff_rerun_pass_is_flaky_not_fixed(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'I' }, { "t.py::b", 'P' });
	fp_run *a = RUN({ "t.py::a", 'R' }, { "t.py::b", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(entry(d, "t.py::a")->change, FP_CHANGE_FLAKY);
	assert_int_equal(d->changes[FP_CHANGE_FLAKY], 1);
	assert_int_equal(d->verdict, FP_VERDICT_UNRESOLVED);
	free_all(d, b, a);
}

/* Runs before that disagree (prove --repeat: failed 2/3) passed then too:
 * passing after is no fix. */
static void test_diff_flaky_before_then_passing_is_flaky_not_fixed(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'R' }, { "t.py::b", 'P' });
	fp_run *a = RUN({ "t.py::a", 'P' }, { "t.py::b", 'P' });
	fp_diff *d;
	size_t i;
	int said = 0;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(entry(d, "t.py::a")->change, FP_CHANGE_FLAKY);
	assert_int_not_equal(d->verdict, FP_VERDICT_RESOLVED);
	for (i = 0; i < d->nreasons; i++) {
		fp_buf text = FP_BUF_INIT;

		fp_reason_format(&text, &d->reasons[i]);
		said += strcmp(text.ptr, "1 target passed before the fix too, in some of its runs "
				   "(flaky), so passing after is no evidence of a fix: t.py::a") == 0;
		fp_buf_free(&text);
	}
	assert_int_equal(said, 1);
	free_all(d, b, a);
}

static void test_diff_target_takes_its_module_failure(void **state)
{
	static const char *const pat[] = { "test_gold" };
	fp_run *b = RUN({ "t/test_rates.py", 'C' }, { "t/test_cart.py::test_sum", 'P' });
	fp_run *a = RUN({ "t/test_rates.py::test_gold", 'B' }, { "t/test_rates.py::test_tax", 'P' },
			{ "t/test_cart.py::test_sum", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, pat, 1);
	assert_int_equal(entry(d, "t/test_rates.py::test_gold")->change, FP_CHANGE_PROGRESSED);
	assert_true(entry(d, "t/test_rates.py::test_gold")->flags & FP_ENTRY_VIA_MODULE);
	/* Not a target: newly collectable, as before. */
	assert_int_equal(entry(d, "t/test_rates.py::test_tax")->change, FP_CHANGE_COLLECTABLE);
	assert_int_equal(d->verdict, FP_VERDICT_PARTIALLY_RESOLVED);
	free_all(d, b, a);
}

static void test_diff_suite_is_tied_to_its_tests_by_file(void **state)
{
	fp_run *b = RUN({ "src/cart.test.js", 'C' }, { "money|money shows cents", 'P' });
	fp_run *a = RUN({ "cart|cart adds lines", 'P' }, { "money|money shows cents", 'P' });
	fp_run *b2 = RUN({ "src/cart.test.js", 'C' }, { "money|money shows cents", 'P' });
	fp_run *a2 = RUN({ "cart|cart adds lines", 'P' }, { "money|money shows cents", 'P' });
	fp_diff *d;

	(void)state;
	set_file(b, 0, "src/cart.test.js");
	set_file(a, 0, "src/cart.test.js");
	set_file(a, 1, "src/money.test.js");
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(entry(d, "src/cart.test.js")->change, FP_CHANGE_FIXED);
	assert_int_equal(entry(d, "cart::cart adds lines")->change, FP_CHANGE_COLLECTABLE);
	assert_int_equal(d->verdict, FP_VERDICT_RESOLVED);
	free_all(d, b, a);
	/* The same runs without files after: nothing can be tied to the suite. */
	set_file(b2, 0, "src/cart.test.js");
	d = diff_of(b2, a2, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(d->reasons[0].text, "JEST_JUNIT_ADD_FILE_ATTRIBUTE=true"));
	free_all(d, b2, a2);
}

static void test_diff_stopped_run_missing_test_is_inconclusive(void **state)
{
	fp_run *b = RUN({ "t/test_b.py", 'C' }, { "t/test_a.py::x", 'N' }, { "t/test_a.py::y", 'N' });
	fp_run *a = RUN({ "t/test_b.py::z", 'P' }, { "t/test_a.py::x", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(entry(d, "t/test_a.py::x")->change, FP_CHANGE_NEWLY_RUN);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "1 test collected before is missing after the fix; it never ran before, "
			    "since the run stopped at collection errors: t/test_a.py::y");
	free_all(d, b, a);
}

static void test_diff_target_unrun_in_stopped_run_after_is_inconclusive(void **state)
{
	static const char *const pat[] = { "test_a.py::x" };
	fp_run *b = RUN({ "t/test_a.py::x", 'B' }, { "t/test_b.py::z", 'P' });
	fp_run *a = RUN({ "t/test_b.py", 'C' }, { "t/test_a.py::x", 'N' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, pat, 1);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "1 target never ran after the fix, since the run after stopped at 1 "
			    "collection error: t/test_a.py::x");
	/* Said once: no second reason names the same target as "collected but no result". */
	for (size_t i = 1; i < d->nreasons; i++) {
		fp_buf text = FP_BUF_INIT;

		fp_reason_format(&text, &d->reasons[i]);
		assert_null(strstr(text.ptr, "t/test_a.py::x"));
		fp_buf_free(&text);
	}
	free_all(d, b, a);
}

/* A run that capture stopped (Ctrl-C here) is no evidence, even when what
 * it left reads like a fix. */
static void test_diff_run_cut_short_after_is_inconclusive(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' });
	fp_run *a = RUN({ "t.py::a", 'P' }, { "t.py::b", 'P' });
	fp_provenance *p = fp_provenance_new();
	fp_diff_opts o = { .provenance = { NULL, p } };
	fp_diff *d = NULL;

	(void)state;
	p->cut_short = fp_xstrdup("interrupted");
	assert_int_equal(fp_diff_runs(&d, b, a, &o), 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "The run after was stopped before it ended (interrupted): its results "
			    "are cut short and cannot show what the fix changed");
	free_all(d, b, a);
	fp_provenance_free(p);
}

static void test_diff_more_deselected_after_is_inconclusive(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' });
	fp_run *a = RUN({ "t.py::a", 'P' }, { "t.py::b", 'P' });
	fp_diff *d;

	(void)state;
	a->collection.present = 1;
	a->collection.collected = 2;
	a->collection.deselected = 3;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "3 tests were deselected after the fix (2/5 collected), against 0 before, "
			    "so the suite did not run in full");
	free_all(d, b, a);
}

static void test_diff_passed_test_missing_after_is_named_not_blocking(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'B' }, { "t.py::old", 'P' });
	fp_run *a = RUN({ "t.py::a", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_RESOLVED);
	assert_reason(d, 1, "1 test that passed before is missing after the fix: t.py::old");
	free_all(d, b, a);
}

static void test_diff_failed_non_target_missing_after_is_inconclusive(void **state)
{
	static const char *const pat[] = { "t.py::a" };
	fp_run *b = RUN({ "t.py::a", 'B' }, { "t.py::other", 'B' });
	fp_run *a = RUN({ "t.py::a", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, pat, 1);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "1 test that failed before is missing after the fix and is not a target: "
			    "t.py::other");
	free_all(d, b, a);
}

static void test_diff_session_that_never_started(void **state)
{
	fp_run *b = RUN({ "<session>", 'Z' });
	fp_run *a = RUN({ "t.py::a", 'P' });
	fp_diff *d;

	(void)state;
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_INCONCLUSIVE);
	assert_reason(d, 0, "The run before the fix never started: ImportError while loading conftest "
			    "'/w/tests/conftest.py'.");
	free_all(d, b, a);
}

static void test_diff_goal_reach_unblocked(void **state)
{
	fp_run *b = RUN({ "t.py::a", 'I' }, { "t.py::b", 'I' });
	fp_run *a = RUN({ "t.py::a", 'B' }, { "t.py::b", 'P' });
	fp_run *b2 = RUN({ "t.py::a", 'I' }, { "t.py::b", 'I' });
	fp_run *a2 = RUN({ "t.py::a", 'B' }, { "t.py::b", 'I' });
	fp_diff *d;

	(void)state;
	d = diff_goal(b, a, NULL, 0, FP_GOAL_REACH);
	assert_int_equal(d->verdict, FP_VERDICT_UNBLOCKED);
	assert_reason(d, 1, "1 target now reaches the code under test and fails on business logic: "
			    "t.py::a");
	fp_diff_free(d);
	d = diff_of(b, a, NULL, 0);
	assert_int_equal(d->verdict, FP_VERDICT_PARTIALLY_RESOLVED);
	free_all(d, b, a);
	/* One target still fails on infrastructure: not unblocked. */
	d = diff_goal(b2, a2, NULL, 0, FP_GOAL_REACH);
	assert_int_equal(d->verdict, FP_VERDICT_PARTIALLY_RESOLVED);
	free_all(d, b2, a2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_changes_and_matrix),
		cmocka_unit_test(test_diff_join_across_formats),
		cmocka_unit_test(test_collection_error_module),
		cmocka_unit_test(test_module_breaks_after),
		cmocka_unit_test(test_verdict_inconclusive),
		cmocka_unit_test(test_verdict_regressed_wins),
		cmocka_unit_test(test_verdict_resolved_boundary),
		cmocka_unit_test(test_verdict_partial_by_progress),
		cmocka_unit_test(test_verdict_skip_is_not_a_fix),
		cmocka_unit_test(test_diff_targets_by_pattern_and_glob),
		cmocka_unit_test(test_diff_metrics_fractions),
		cmocka_unit_test(test_incomplete_after_is_not_resolved),
		cmocka_unit_test(test_reasons_name_numbers),
		cmocka_unit_test(test_diff_identical_inputs_are_inconclusive),
		cmocka_unit_test(test_diff_collect_only_after_is_inconclusive),
		cmocka_unit_test(test_diff_target_that_passed_before_proves_nothing),
		cmocka_unit_test(test_diff_rerun_pass_is_flaky_not_fixed),
		cmocka_unit_test(test_diff_run_cut_short_after_is_inconclusive),
		cmocka_unit_test(test_diff_flaky_before_then_passing_is_flaky_not_fixed),
		cmocka_unit_test(test_diff_target_takes_its_module_failure),
		cmocka_unit_test(test_diff_suite_is_tied_to_its_tests_by_file),
		cmocka_unit_test(test_diff_stopped_run_missing_test_is_inconclusive),
		cmocka_unit_test(test_diff_target_unrun_in_stopped_run_after_is_inconclusive),
		cmocka_unit_test(test_diff_more_deselected_after_is_inconclusive),
		cmocka_unit_test(test_diff_passed_test_missing_after_is_named_not_blocking),
		cmocka_unit_test(test_diff_failed_non_target_missing_after_is_inconclusive),
		cmocka_unit_test(test_diff_session_that_never_started),
		cmocka_unit_test(test_diff_goal_reach_unblocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
