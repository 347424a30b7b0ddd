/*
 * diff_verdict.c - the verdict and its reasons, by the rules the README's
 * "Verdicts" section states, in its order: inconclusive when the evidence
 * cannot carry a verdict, then regressed, then resolved (or unblocked with
 * --goal reach), partially resolved and unresolved.
 */
#include "fixproof/diff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/provenance.h"

/* What the rules look at, counted once over the entries. */
typedef struct evidence {
	uint64_t change[FP_CHANGE_COUNT]; /* targets, by change */
	uint64_t failed_before;  /* targets that failed or errored before */
	uint64_t infra_before;   /* ... of them on infrastructure */
	uint64_t passing;        /* targets that failed before and pass after */
	uint64_t blocking;       /* targets that keep "resolved" away (see passes_or_stays) */
	uint64_t infra_after;    /* targets that fail on infrastructure after */
	uint64_t reach_blocking; /* targets that failed on infrastructure and do not pass or fail on business logic after */
	int results_after;       /* some test after has a result, not only a collect-only entry */
	int stopped[2];          /* the run stopped at collection errors: nothing else ran */
	fp_change want;          /* the change pick_target_change looks for */
	uint64_t module_errors[2];
	uint64_t never_ran[2];   /* collected tests without a result */
} evidence;

/* Which entries a reason is about. */
typedef int (*pick_fn)(const fp_diff *d, const fp_diff_entry *e, const evidence *ev);

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static unsigned long long ull(uint64_t n)
{
	return (unsigned long long)n;
}

static int is_target(const fp_diff_entry *e)
{
	return (e->flags & FP_ENTRY_TARGET) != 0;
}

static int passes_after(const fp_diff_entry *e)
{
	return e->outcome_after == FP_OUTCOME_PASSED && e->change != FP_CHANGE_FLAKY;
}

/* ---- reasons ---- */

static fp_reason *add_reason(fp_diff *d, const char *fmt, va_list ap) FP_PRINTF(2, 0);
static fp_reason *add_reason(fp_diff *d, const char *fmt, va_list ap)
{
	fp_buf b = FP_BUF_INIT;
	fp_reason *r;

	fp_buf_vprintf(&b, fmt, ap);
	FP_ARRAY_GROW(d->reasons, d->nreasons + 1, d->reasons_cap);
	r = &d->reasons[d->nreasons++];
	memset(r, 0, sizeof(*r));
	r->text = fp_buf_detach(&b, NULL);
	return r;
}

static void reason(fp_diff *d, const char *fmt, ...) FP_PRINTF(2, 3);
static void reason(fp_diff *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_reason(d, fmt, ap);
	va_end(ap);
}

/* A reason that names the tests `pick` chooses: up to FP_REASON_IDS ids,
 * then how many more. */
static void reason_ids(fp_diff *d, const evidence *ev, pick_fn pick, const char *fmt, ...)
	FP_PRINTF(4, 5);
static void reason_ids(fp_diff *d, const evidence *ev, pick_fn pick, const char *fmt, ...)
{
	fp_buf id = FP_BUF_INIT;
	fp_reason *r;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	r = add_reason(d, fmt, ap);
	va_end(ap);
	r->ids = fp_xcalloc(FP_REASON_IDS, sizeof(*r->ids));
	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];

		if (!pick(d, e, ev))
			continue;
		if (r->nids == FP_REASON_IDS) {
			r->more++;
			continue;
		}
		fp_test_id(&id, fp_diff_after(d, e) ? fp_diff_after(d, e) : fp_diff_before(d, e));
		r->ids[r->nids++] = fp_xstrndup(id.ptr, id.len);
	}
	fp_buf_free(&id);
}

/* How many entries `pick` chooses. */
static uint64_t count(const fp_diff *d, const evidence *ev, pick_fn pick)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < d->nentries; i++)
		n += pick(d, &d->entries[i], ev) != 0;
	return n;
}

/* ---- the evidence ---- */

/*
 * A target keeps "resolved" away unless it passes after, or did not fail
 * before and has the same outcome after (a target skipped before and
 * after). A flaky pass is no pass.
 */
static int blocks_resolved(const fp_diff_entry *e)
{
	if (passes_after(e))
		return 0;
	return fp_outcome_is_failure((fp_outcome)e->outcome_before) || e->change != FP_CHANGE_UNCHANGED;
}

/*
 * A run that stopped at collection errors: pytest ran nothing after them
 * (its default), so the tests it had collected have no result. Only
 * collection errors have results, while collected tests wait without one.
 * (pytest's collect-only output says "Interrupted" whether or not the real
 * run went on past the errors, so that alone tells nothing.)
 */
static void look_at_run(const fp_run *run, evidence *ev, int side)
{
	uint64_t results = 0;
	size_t i;
	int junit = 0;

	for (i = 0; i < run->ninputs; i++)
		junit |= run->inputs[i].kind != FP_INPUT_COLLECT;
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		if (fp_test_is_module(t))
			ev->module_errors[side]++;
		else if (t->flags & FP_TEST_RESULT)
			results++;
		else if (t->status == FP_STATUS_NOT_RUN)
			ev->never_ran[side]++;
	}
	ev->stopped[side] = junit && ev->module_errors[side] && !results && ev->never_ran[side];
	if (side == 1)
		ev->results_after = results > 0 || (junit && ev->module_errors[1] > 0);
}

static void gather(const fp_diff *d, evidence *ev)
{
	size_t i;

	memset(ev, 0, sizeof(*ev));
	look_at_run(d->before, ev, 0);
	look_at_run(d->after, ev, 1);
	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];
		fp_outcome b = (fp_outcome)e->outcome_before, a = (fp_outcome)e->outcome_after;

		if (!is_target(e))
			continue;
		ev->change[e->change]++;
		ev->failed_before += fp_outcome_is_failure(b);
		ev->infra_before += b == FP_OUTCOME_INFRASTRUCTURE;
		ev->passing += fp_outcome_is_failure(b) && passes_after(e);
		ev->blocking += blocks_resolved(e);
		ev->infra_after += a == FP_OUTCOME_INFRASTRUCTURE;
		ev->reach_blocking += b == FP_OUTCOME_INFRASTRUCTURE &&
				      !(a == FP_OUTCOME_PASSED || a == FP_OUTCOME_BUSINESS_LOGIC);
	}
}

/* ---- which tests a reason names ---- */

static int pick_regressed(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d, (void)ev;
	return e->change == FP_CHANGE_REGRESSED;
}

static int pick_target(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d, (void)ev;
	return is_target(e);
}

static int pick_target_passed_before(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d, (void)ev;
	return is_target(e) && e->outcome_before == FP_OUTCOME_PASSED;
}

static const fp_input *input_of(const fp_run *run, const fp_test *t)
{
	return t && t->input < run->ninputs ? &run->inputs[t->input] : NULL;
}

static int pick_pass_cut_short(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	const fp_input *in = input_of(d->after, fp_diff_after(d, e));

	(void)ev;
	return is_target(e) && passes_after(e) && in && in->incomplete;
}

static const fp_input *first_incomplete(const fp_run *run)
{
	size_t i;

	for (i = 0; i < run->ninputs; i++)
		if (run->inputs[i].incomplete)
			return &run->inputs[i];
	return NULL;
}

static int pick_target_gone_cut_short(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)ev;
	return is_target(e) && fp_outcome_is_failure((fp_outcome)e->outcome_before) &&
	       e->outcome_after == FP_OUTCOME_ABSENT && first_incomplete(d->after);
}

static int pick_failed_gone(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d, (void)ev;
	return !is_target(e) && fp_outcome_is_failure((fp_outcome)e->outcome_before) &&
	       e->outcome_after == FP_OUTCOME_ABSENT;
}

static int pick_unrun_gone(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d;
	return ev->stopped[0] && !is_target(e) && e->outcome_before == FP_OUTCOME_NOT_RUN &&
	       e->outcome_after == FP_OUTCOME_ABSENT;
}

static int pick_target_unrun_stopped(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d;
	return ev->stopped[1] && is_target(e) && e->outcome_after == FP_OUTCOME_NOT_RUN;
}

static int pick_passed_gone(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d, (void)ev;
	return e->outcome_before == FP_OUTCOME_PASSED && e->outcome_after == FP_OUTCOME_ABSENT;
}

static int pick_no_result_before(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d;
	return !ev->stopped[0] && !is_target(e) && e->outcome_before == FP_OUTCOME_NOT_RUN &&
	       e->outcome_after == FP_OUTCOME_ABSENT;
}

static int pick_no_result_after(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d;
	return !ev->stopped[1] && !is_target(e) && e->outcome_after == FP_OUTCOME_NOT_RUN;
}

/* A suite known only by its file (a jest test file that failed to run;
 * not a Python module, which JUnit class names carry): the tests after
 * can be tied to it only by their file. */
static int is_file_suite(const fp_test *t)
{
	size_t n = t && t->file ? strlen(t->file) : 0;

	return fp_test_is_module(t) && n > 0 && !(n > 3 && strcmp(t->file + n - 3, ".py") == 0);
}

static int after_names_no_files(const fp_run *after)
{
	size_t i;

	for (i = 0; i < after->ntests; i++)
		if (!after->tests[i].file && !after->tests[i].nodeid)
			return 1;
	return 0;
}

static int pick_unjoinable_suite(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)ev;
	return is_target(e) && (e->flags & FP_ENTRY_MODULE) && e->outcome_after == FP_OUTCOME_ABSENT &&
	       is_file_suite(fp_diff_before(d, e)) && after_names_no_files(d->after);
}

/* ---- inconclusive ---- */

/* The one test of a run that never started (a pytest session error), or NULL. */
static const fp_test *session_failure(const fp_run *run)
{
	size_t i;

	for (i = 0; i < run->ntests; i++)
		if (!(run->tests[i].flags & FP_TEST_SESSION))
			return NULL;
	return run->ntests ? &run->tests[0] : NULL;
}

static const fp_input *empty_input(const fp_run *run)
{
	size_t i;

	for (i = 0; i < run->ninputs; i++)
		if (run->inputs[i].empty)
			return &run->inputs[i];
	return NULL;
}

/* A side that never started: says so and returns 1. */
static int never_started(fp_diff *d, const fp_run *run, const char *side)
{
	const fp_test *session = session_failure(run);
	const fp_input *empty;

	if (session) {
		const char *msg = fp_test_message(session);

		reason(d, "The run %s the fix never started: %s", side,
		       msg && *msg ? msg : "pytest failed before collecting any test");
		return 1;
	}
	if (run->ntests)
		return 0;
	if (run->ninputs == 0) /* a capture whose command wrote no result file */
		reason(d, "The run %s the fix never started: it wrote no results", side);
	else if ((empty = empty_input(run)))
		reason(d, "The run %s the fix never started: '%s' is empty (pytest wrote nothing; "
			  "capture its standard error with 2>&1 to see why)", side, empty->path);
	else
		reason(d, "The run %s the fix has no tests: there is no evidence to compare", side);
	return 1;
}

static int cmp_sha(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True when both sides were read from the same files (the same sha256 set). */
static int same_inputs(const fp_run *b, const fp_run *a)
{
	const char **x, **y;
	size_t i;
	int same = 1;

	if (b->ninputs != a->ninputs || b->ninputs == 0)
		return 0;
	x = fp_xmalloc(b->ninputs * sizeof(*x));
	y = fp_xmalloc(a->ninputs * sizeof(*y));
	for (i = 0; i < b->ninputs; i++) {
		x[i] = b->inputs[i].sha256;
		y[i] = a->inputs[i].sha256;
		same &= x[i][0] && y[i][0]; /* an input never hashed proves nothing */
	}
	qsort(x, b->ninputs, sizeof(*x), cmp_sha);
	qsort(y, a->ninputs, sizeof(*y), cmp_sha);
	for (i = 0; i < b->ninputs && same; i++)
		same = strcmp(x[i], y[i]) == 0;
	free(x);
	free(y);
	return same;
}

/* A run fixproof stopped (capture's --timeout, Ctrl-C): what it left is
 * part of a run, whatever it holds. */
static int cut_short(fp_diff *d, int side)
{
	const fp_provenance *p = d->provenance[side];
	const char *which = side ? "after" : "before";

	if (!p || !p->cut_short)
		return 0;
	if (strcmp(p->cut_short, "timeout") == 0 && p->timeout > 0)
		reason(d, "The run %s was stopped after its %g s timeout: its results are cut short "
			  "and cannot show what the fix changed", which, p->timeout);
	else
		reason(d, "The run %s was stopped before it ended (%s): its results are cut short "
			  "and cannot show what the fix changed", which, p->cut_short);
	return 1;
}

/* The evidence of both runs as a whole: returns 1 when it cannot carry
 * any verdict (the reasons say why), before anything is compared. */
static int no_evidence(fp_diff *d, const evidence *ev)
{
	int none = cut_short(d, 0);

	none |= cut_short(d, 1);
	if (none)
		return 1;
	none = never_started(d, d->before, "before");

	none |= never_started(d, d->after, "after");
	if (none)
		return 1;
	if (same_inputs(d->before, d->after)) {
		reason(d, "The runs before and after the fix were read from the same %s (by sha256): "
			  "the same evidence cannot show a change",
		       plural(d->before->ninputs, "input", "inputs"));
		return 1;
	}
	if (!ev->results_after) {
		reason(d, "No test ran after the fix: its inputs hold only collect-only output, and "
			  "collecting a test proves nothing about it");
		return 1;
	}
	return 0;
}

static void nothing_failed(fp_diff *d, const evidence *ev)
{
	uint64_t n = d->target_count;

	if (d->ntargets == 0)
		reason(d, "No test failed before the fix and no --target was given: there is "
			  "nothing the fix can be shown to resolve");
	else if (n == 1)
		reason_ids(d, ev, pick_target, "The target did not fail before the fix, so there is "
			   "nothing the fix can be shown to resolve");
	else
		reason_ids(d, ev, pick_target, "None of the %llu targets failed before the fix, so "
			   "there is nothing the fix can be shown to resolve", ull(n));
}

/* "3 tests were deselected after the fix (6/9 collected), against 0 before". */
static int more_deselected(fp_diff *d)
{
	const fp_collection *b = &d->before->collection, *a = &d->after->collection;

	if (a->deselected <= b->deselected)
		return 0;
	reason(d, "%llu %s deselected after the fix (%llu/%llu collected), against %llu before, "
		  "so the suite did not run in full", ull(a->deselected),
	       plural(a->deselected, "test was", "tests were"), ull(a->collected),
	       ull(a->collected + a->deselected), ull(b->deselected));
	return 1;
}

/*
 * The rules of the first verdict, after the evidence as a whole: each adds
 * its reason. Returns how many fired.
 */
static int inconclusive(fp_diff *d, const evidence *ev)
{
	const fp_input *cut = first_incomplete(d->after);
	uint64_t k;
	int fired = 0;

	if (ev->failed_before == 0) {
		nothing_failed(d, ev);
		fired++;
	}
	if ((k = count(d, ev, pick_pass_cut_short))) {
		reason_ids(d, ev, pick_pass_cut_short, "%llu %s after the fix only in '%s', which is cut "
			   "short: a later result for %s may be in the part that is missing", ull(k),
			   plural(k, "target passes", "targets pass"), cut ? cut->path : "an input",
			   plural(k, "it", "them"));
		fired++;
	}
	if ((k = count(d, ev, pick_target_gone_cut_short))) {
		reason_ids(d, ev, pick_target_gone_cut_short, "%llu %s missing after the fix while '%s' "
			   "is cut short: %s may be in the part that is missing", ull(k),
			   plural(k, "target is", "targets are"), cut->path, plural(k, "it", "they"));
		fired++;
	}
	if ((k = count(d, ev, pick_target_unrun_stopped))) {
		reason_ids(d, ev, pick_target_unrun_stopped, "%llu %s never ran after the fix, since the "
			   "run after stopped at %llu collection %s", ull(k), plural(k, "target", "targets"),
			   ull(ev->module_errors[1]), plural(ev->module_errors[1], "error", "errors"));
		fired++;
	}
	fired += more_deselected(d);
	if ((k = count(d, ev, pick_failed_gone))) {
		reason_ids(d, ev, pick_failed_gone, "%llu %s that failed before %s missing after the "
			   "fix and %s not a target", ull(k), plural(k, "test", "tests"),
			   plural(k, "is", "are"), plural(k, "is", "are"));
		fired++;
	}
	if ((k = count(d, ev, pick_unrun_gone))) {
		reason_ids(d, ev, pick_unrun_gone, "%llu %s collected before %s missing after the fix; "
			   "%s never ran before, since the run stopped at collection errors", ull(k),
			   plural(k, "test", "tests"), plural(k, "is", "are"), plural(k, "it", "they"));
		fired++;
	}
	if ((k = count(d, ev, pick_unjoinable_suite))) {
		reason_ids(d, ev, pick_unjoinable_suite, "%llu %s failed to run before, and no test "
			   "after can be tied to %s: the results after do not name their files (with "
			   "jest-junit, set JEST_JUNIT_ADD_FILE_ATTRIBUTE=true or "
			   "JEST_JUNIT_SUITE_NAME=\"{filepath}\")", ull(k),
			   plural(k, "test suite", "test suites"), plural(k, "it", "them"));
		fired++;
	}
	return fired;
}

/* ---- the verdict ---- */

/* What a reason says of the targets that ended with each change. */
static const struct target_reason {
	fp_change change;
	const char *one, *many;
} target_reasons[] = {
	{ FP_CHANGE_PROGRESSED, "target now reaches the code under test and fails on business logic",
	  "targets now reach the code under test and fail on business logic" },
	{ FP_CHANGE_STILL_FAILING, "target still fails", "targets still fail" },
	{ FP_CHANGE_FLAKY, NULL, NULL }, /* said by flaky_targets: flaky after, or before */
	{ FP_CHANGE_NEWLY_SKIPPED, "target is skipped after the fix, and a skip is not a fix",
	  "targets are skipped after the fix, and a skip is not a fix" },
	{ FP_CHANGE_REMOVED,
	  "target is missing after the fix (removed or deselected), so it is not shown to pass",
	  "targets are missing after the fix (removed or deselected), so they are not shown to pass" },
	{ FP_CHANGE_NOT_RUN, "target is collected after the fix but has no result",
	  "targets are collected after the fix but have no result" },
};

static int pick_target_change(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)d;
	return is_target(e) && e->change == ev->want;
}

/* A flaky target whose results before disagreed and that passes after. */
static int flaky_before(const fp_diff *d, const fp_diff_entry *e)
{
	const fp_test *a = fp_diff_after(d, e);

	return e->change == FP_CHANGE_FLAKY && !(a && (a->flags & FP_TEST_FLAKY));
}

static int pick_target_flaky_after(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)ev;
	return is_target(e) && e->change == FP_CHANGE_FLAKY && !flaky_before(d, e);
}

static int pick_target_flaky_before(const fp_diff *d, const fp_diff_entry *e, const evidence *ev)
{
	(void)ev;
	return is_target(e) && flaky_before(d, e);
}

/* Flaky targets: those that pass after only on a rerun, and those that
 * passed in some run before too. */
static void flaky_targets(fp_diff *d, const evidence *ev)
{
	uint64_t k;

	if ((k = count(d, ev, pick_target_flaky_after)))
		reason_ids(d, ev, pick_target_flaky_after, "%llu %s", ull(k),
			   k == 1 ? "target passes only on a rerun (flaky), which does not count as fixed" :
			   "targets pass only on a rerun (flaky), which does not count as fixed");
	if ((k = count(d, ev, pick_target_flaky_before)))
		reason_ids(d, ev, pick_target_flaky_before, "%llu %s before the fix too, in some of "
			   "%s runs (flaky), so passing after is no evidence of a fix", ull(k),
			   plural(k, "target passed", "targets passed"), plural(k, "its", "their"));
}

static void target_details(fp_diff *d, evidence *ev)
{
	size_t i;
	uint64_t k;

	for (i = 0; i < sizeof(target_reasons) / sizeof(target_reasons[0]); i++) {
		const struct target_reason *tr = &target_reasons[i];

		if (!(k = ev->change[tr->change]))
			continue;
		/* Said already, with the input that is cut short, or with the
		 * collection errors that stopped the run after. */
		if (tr->change == FP_CHANGE_REMOVED && first_incomplete(d->after))
			continue;
		if (tr->change == FP_CHANGE_NOT_RUN && ev->stopped[1])
			continue;
		if (tr->change == FP_CHANGE_FLAKY) {
			flaky_targets(d, ev);
			continue;
		}
		ev->want = tr->change;
		reason_ids(d, ev, pick_target_change, "%llu %s", ull(k), k == 1 ? tr->one : tr->many);
	}
	if (ev->failed_before && (k = count(d, ev, pick_target_passed_before)))
		reason_ids(d, ev, pick_target_passed_before, "%llu %s before the fix too, so %s no "
			   "evidence of it", ull(k), plural(k, "target passed", "targets passed"),
			   plural(k, "it is", "they are"));
}

static void regressions(fp_diff *d, const evidence *ev)
{
	uint64_t k = d->changes[FP_CHANGE_REGRESSED];

	reason_ids(d, ev, pick_regressed, "%llu %s that passed before %s after the fix", ull(k),
		   plural(k, "test", "tests"), plural(k, "fails", "fail"));
}

/* Beside a regression: how many of the targets pass, which the verdict
 * alone does not say. */
static void targets_standing(fp_diff *d, const evidence *ev)
{
	uint64_t n = ev->failed_before;
	const char *of_them = d->target_count == n ? "" : " that failed before";

	if (n == 1)
		reason(d, "The target%s %s after the fix", of_them,
		       ev->passing ? "passes" : "does not pass");
	else if (n > 1 && ev->passing == n)
		reason(d, "All %llu targets%s pass after the fix", ull(n), of_them);
	else if (n > 1)
		reason(d, "%llu of %llu targets%s %s after the fix", ull(ev->passing), ull(n), of_them,
		       plural(ev->passing, "passes", "pass"));
}

/* The verdict when the evidence carries one and nothing regressed. */
static void judge(fp_diff *d, const evidence *ev)
{
	uint64_t n = ev->failed_before, improved;
	const char *of_them = d->target_count == n ? "" : " that failed before";

	improved = ev->change[FP_CHANGE_FIXED] + ev->change[FP_CHANGE_PROGRESSED];
	if (ev->blocking == 0) {
		d->verdict = FP_VERDICT_RESOLVED;
		if (n == 1)
			reason(d, "The target%s passes after the fix", of_them);
		else
			reason(d, "All %llu targets%s pass after the fix", ull(n), of_them);
	} else if (d->goal == FP_GOAL_REACH && ev->infra_before && !ev->reach_blocking &&
		   !ev->infra_after) {
		d->verdict = FP_VERDICT_UNBLOCKED;
		reason(d, "Every target that failed on infrastructure before now reaches the code under "
			  "test (%llu of %llu); business-logic failures remain and are the next step",
		       ull(ev->infra_before), ull(ev->infra_before));
	} else if (improved) {
		d->verdict = FP_VERDICT_PARTIALLY_RESOLVED;
		if (n == 1)
			reason(d, "The target%s improved after the fix but does not pass yet", of_them);
		else
			reason(d, "%llu of %llu targets%s %s after the fix", ull(ev->passing), ull(n),
			       of_them, plural(ev->passing, "passes", "pass"));
	} else {
		d->verdict = FP_VERDICT_UNRESOLVED;
		if (n == 1)
			reason(d, "The target%s did not improve after the fix", of_them);
		else
			reason(d, "None of the %llu targets%s improved after the fix", ull(n), of_them);
	}
}

/* Facts that do not decide the verdict but that a reader must see. */
static void notes(fp_diff *d, const evidence *ev)
{
	static const char *const side[2] = { "before", "after" };
	uint64_t k;
	int s;

	for (s = 0; s < 2; s++)
		if (ev->stopped[s])
			reason(d, "The run %s stopped at %llu collection %s: %llu collected %s never ran",
			       side[s], ull(ev->module_errors[s]), plural(ev->module_errors[s], "error", "errors"),
			       ull(ev->never_ran[s]), plural(ev->never_ran[s], "test", "tests"));
	if ((k = count(d, ev, pick_passed_gone)))
		reason_ids(d, ev, pick_passed_gone, "%llu %s that passed before %s missing after the fix",
			   ull(k), plural(k, "test", "tests"), plural(k, "is", "are"));
	if ((k = count(d, ev, pick_no_result_before)))
		reason_ids(d, ev, pick_no_result_before, "%llu %s collected before the fix %s no result "
			   "and no match after (an id that changes between runs, such as a parametrize id "
			   "made from a memory address or the clock, shows this way)", ull(k),
			   plural(k, "test", "tests"), plural(k, "has", "have"));
	if ((k = count(d, ev, pick_no_result_after)))
		reason_ids(d, ev, pick_no_result_after, "%llu %s collected after the fix %s no result "
			   "(an id that changes between the collect-only pass and the run, such as a "
			   "parametrize id made from a memory address or the clock, shows this way)", ull(k),
			   plural(k, "test", "tests"), plural(k, "has", "have"));
}

static void totals(fp_diff *d)
{
	const fp_input *cut;

	reason(d, "%llu infrastructure %s before, %llu after", ull(d->before->infrastructure),
	       plural(d->before->infrastructure, "failure", "failures"), ull(d->after->infrastructure));
	reason(d, "%llu business-logic %s before, %llu after", ull(d->before->business_logic),
	       plural(d->before->business_logic, "failure", "failures"), ull(d->after->business_logic));
	if (d->changes[FP_CHANGE_REGRESSED] == 0)
		reason(d, "No test that passed before fails after");
	if ((cut = first_incomplete(d->before)))
		reason(d, "'%s' is incomplete (cut short): tests in the missing part are not counted",
		       cut->path);
	if ((cut = first_incomplete(d->after)))
		reason(d, "'%s' is incomplete (cut short): tests in the missing part are not counted",
		       cut->path);
}

void fp_diff_decide(fp_diff *d)
{
	evidence ev;

	gather(d, &ev);
	d->verdict = FP_VERDICT_INCONCLUSIVE;
	if (no_evidence(d, &ev))
		return;
	if (inconclusive(d, &ev)) {
		if (d->changes[FP_CHANGE_REGRESSED])
			regressions(d, &ev);
	} else if (d->changes[FP_CHANGE_REGRESSED]) {
		d->verdict = FP_VERDICT_REGRESSED;
		regressions(d, &ev);
		targets_standing(d, &ev);
	} else {
		judge(d, &ev);
	}
	target_details(d, &ev);
	notes(d, &ev);
	totals(d);
}
