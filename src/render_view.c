/*
 * render_view.c - the view: what a report template sees of a diff.
 *
 * The diff model can hold a million tests; a report shows a few hundred.
 * The view is a small cJSON tree built from the diff with bounded lists,
 * numbers already formatted ("34 of 39 (87%)"), outcomes and causes in
 * plain words ("failed on business logic: assertion", never the JSON's
 * snake_case), and the pieces that need Markdown syntax around untrusted
 * text (code spans, fenced traces) pre-rendered safely, in members whose
 * names end in "_md" (templates put them in with {{{triple}}} braces).
 * Everything else is plain text that {{double}} braces escape. Every key
 * is always present (null when empty), so a template naming a key that
 * is not there is a mistake the renderer can report. The README lists
 * the keys.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fixproof/diff.h"
#include "fixproof/provenance.h"
#include "fixproof/render.h"
#include "fixproof/utf8.h"

/*
 * The order lists appear in a report, how each is titled, and its rank
 * when a report must be shortened (fp_view_opts.caps): rows go from the
 * highest rank first.
 */
static const struct list_kind {
	fp_change change;
	const char *key;
	const char *title;
	const char *about;
} list_kinds[] = {
	{ FP_CHANGE_REGRESSED, "regressed", "Regressed", "Passed before, fail after" },
	{ FP_CHANGE_STILL_FAILING, "still_failing", "Still failing", "Fail before and after" },
	{ FP_CHANGE_PROGRESSED, "progressed", "Progressed",
	  "An infrastructure failure became a business-logic failure: the test now reaches the code under test" },
	{ FP_CHANGE_NEWLY_SKIPPED, "newly_skipped", "Newly skipped", "Ran before, skipped after" },
	{ FP_CHANGE_REMOVED, "removed", "Removed", "Present before, missing after" },
	{ FP_CHANGE_NOT_RUN, "not_run", "Not run", "Collected after but without a result" },
	{ FP_CHANGE_FLAKY, "flaky", "Flaky",
	  "Failed before; after the fix they failed, then passed when run again" },
	{ FP_CHANGE_FIXED, "fixed", "Fixed", "Failed before, pass after" },
	{ FP_CHANGE_NEWLY_RUN, "newly_run", "Newly run",
	  "Collected before but never run (the run stopped early), run after" },
	{ FP_CHANGE_COLLECTABLE, "collectable", "Newly collectable",
	  "In a module that failed to collect before" },
	{ FP_CHANGE_NEW, "new", "New", "Missing before, present after" },
	{ FP_CHANGE_UNSKIPPED, "unskipped", "Unskipped", "Skipped before, run after" },
	{ FP_CHANGE_UNCHANGED, "unchanged", "Unchanged", "The same outcome before and after" },
};

#define NKINDS (sizeof(list_kinds) / sizeof(list_kinds[0]))

/* Lists longer than this are folded in <details>; regressions never are. */
#define FOLD_AFTER 10

/* Ids a compact list names ("`a`, `b` and 3 more"). */
#define COMPACT_IDS 10

/* A test is "slower" past both: this factor and this many seconds more. */
#define SLOWER_FACTOR 2.0
#define SLOWER_SECONDS 1.0

const char *fp_verdict_label(int verdict)
{
	switch ((fp_verdict)verdict) {
	case FP_VERDICT_RESOLVED: return "Resolved";
	case FP_VERDICT_PARTIALLY_RESOLVED: return "Partially resolved";
	case FP_VERDICT_UNRESOLVED: return "Unresolved";
	case FP_VERDICT_REGRESSED: return "Regressed";
	case FP_VERDICT_UNBLOCKED: return "Unblocked";
	default: return "Inconclusive";
	}
}

static const char *verdict_icon(fp_verdict v)
{
	switch (v) {
	case FP_VERDICT_RESOLVED: return "\xe2\x9c\x85";              /* check mark */
	case FP_VERDICT_PARTIALLY_RESOLVED: return "\xf0\x9f\x9f\xa1"; /* yellow circle */
	case FP_VERDICT_UNRESOLVED: return "\xe2\x9d\x8c";            /* cross */
	case FP_VERDICT_REGRESSED: return "\xf0\x9f\x94\xb4";         /* red circle */
	case FP_VERDICT_UNBLOCKED: return "\xf0\x9f\x94\x93";         /* open lock */
	default: return "\xe2\x9d\x94";                               /* question mark */
	}
}

/* The default title claims no more than the verdict does. */
static const char *default_title(fp_verdict v)
{
	switch (v) {
	case FP_VERDICT_RESOLVED: return "Proof of resolution";
	case FP_VERDICT_UNBLOCKED: return "Proof the tests are unblocked";
	default: return "Test results before and after the fix";
	}
}

/* The title a report shows: the default for the verdict when none was
 * given, and none ("") for one of blanks, which would leave a lone colon. */
static const char *shown_title(const char *title, int verdict)
{
	if (!title)
		return default_title((fp_verdict)verdict);
	return title[strspn(title, " \t\r\n")] ? title : "";
}

void fp_report_heading(fp_buf *out, int verdict, const char *title)
{
	title = shown_title(title, verdict);
	if (*title)
		fp_buf_printf(out, "%s: ", title);
	fp_buf_puts(out, fp_verdict_label(verdict));
}

const char *fp_change_label(int change)
{
	switch ((fp_change)change) {
	case FP_CHANGE_FIXED: return "fixed";
	case FP_CHANGE_REGRESSED: return "regressed";
	case FP_CHANGE_PROGRESSED: return "progressed";
	case FP_CHANGE_STILL_FAILING: return "still failing";
	case FP_CHANGE_NEW: return "new";
	case FP_CHANGE_COLLECTABLE: return "newly collectable";
	case FP_CHANGE_REMOVED: return "removed";
	case FP_CHANGE_NEWLY_SKIPPED: return "newly skipped";
	case FP_CHANGE_UNSKIPPED: return "unskipped";
	case FP_CHANGE_NOT_RUN: return "not run";
	case FP_CHANGE_FLAKY: return "flaky";
	case FP_CHANGE_NEWLY_RUN: return "newly run";
	default: return "unchanged";
	}
}

static const char *change_icon(fp_change c)
{
	switch (c) {
	case FP_CHANGE_FIXED: return "\xe2\x9c\x85";
	case FP_CHANGE_REGRESSED: return "\xf0\x9f\x94\xb4";
	case FP_CHANGE_PROGRESSED: return "\xe2\xac\x86\xef\xb8\x8f";
	case FP_CHANGE_STILL_FAILING: return "\xe2\x9d\x8c";
	case FP_CHANGE_FLAKY: return "\xe2\x9a\xa0\xef\xb8\x8f";
	case FP_CHANGE_NEWLY_SKIPPED: return "\xe2\x8f\xad\xef\xb8\x8f";
	case FP_CHANGE_REMOVED: return "\xe2\x9e\x96";
	default: return "";
	}
}

/* "18/18 (100%)"; a share that is neither none nor all never rounds to
 * 0% or 100%, so the text cannot claim more than the numbers. */
static void percent(fp_buf *out, uint64_t num, uint64_t den)
{
	double pct;

	if (den == 0) {
		fp_buf_puts(out, " (n/a)");
		return;
	}
	pct = 100.0 * (double)num / (double)den;
	if (num == den || num == 0)
		fp_buf_printf(out, " (%.0f%%)", pct);
	else if (pct < 0.5 || pct > 99.5)
		fp_buf_printf(out, " (%.1f%%)", pct < 0.1 ? 0.1 : pct > 99.9 ? 99.9 : pct);
	else
		fp_buf_printf(out, " (%.0f%%)", pct);
}

void fp_fraction_format(fp_buf *out, uint64_t num, uint64_t den)
{
	fp_buf_printf(out, "%llu/%llu", (unsigned long long)num, (unsigned long long)den);
	percent(out, num, den);
}

/* "34 of 39 (87%)". */
static void share_format(fp_buf *out, uint64_t num, uint64_t den)
{
	fp_buf_printf(out, "%llu of %llu", (unsigned long long)num, (unsigned long long)den);
	percent(out, num, den);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static unsigned long long ull(uint64_t n)
{
	return (unsigned long long)n;
}

/* "40 ms", "1.25 s", "12.5 s", "3 min 20 s". */
static void duration_format(fp_buf *out, double s)
{
	if (s < 1)
		fp_buf_printf(out, "%.0f ms", s * 1000);
	else if (s < 10)
		fp_buf_printf(out, "%.2f s", s);
	else if (s < 60)
		fp_buf_printf(out, "%.1f s", s);
	else
		fp_buf_printf(out, "%llu min %02llu s", ull((uint64_t)(s / 60)),
			      ull((uint64_t)s % 60));
}

static void add_str(cJSON *obj, const char *key, const char *value)
{
	cJSON_AddItemToObject(obj, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

/* Empty text is left out (null), so a template's {{#x}} section skips it. */
static void add_buf(cJSON *obj, const char *key, const fp_buf *b)
{
	add_str(obj, key, b->len ? b->ptr : NULL);
}

static void add_num(cJSON *obj, const char *key, uint64_t n)
{
	cJSON_AddItemToObject(obj, key, cJSON_CreateNumber((double)n));
}

static void add_bool(cJSON *obj, const char *key, int b)
{
	cJSON_AddBoolToObject(obj, key, b != 0);
}

/* Adds `key` as text and `key`_md as a code span of it (both null when empty). */
static void add_code(cJSON *obj, const char *key, const char *s, size_t n)
{
	fp_buf span = FP_BUF_INIT, name = FP_BUF_INIT;

	if (n)
		fp_markdown_code_span(&span, s, n);
	fp_buf_printf(&name, "%s_md", key);
	add_str(obj, key, n ? s : NULL);
	add_buf(obj, name.ptr, &span);
	fp_buf_free(&span);
	fp_buf_free(&name);
}

/* ---- plain words ---- */

/* A cause as words: "missing_fixture" reads "missing fixture". */
static void cause_words(fp_buf *out, const char *cause)
{
	for (; *cause; cause++)
		fp_buf_putc(out, *cause == '_' ? ' ' : *cause);
}

/*
 * "failed on business logic: assertion", "errored on infrastructure:
 * missing fixture", "passed", "not run (collected only)", "absent".
 */
static void outcome_text(fp_buf *out, const fp_test *t, fp_outcome o)
{
	if (!t) {
		fp_buf_puts(out, o == FP_OUTCOME_INFRASTRUCTURE ? "module failed to collect" : "absent");
		return;
	}
	switch ((fp_status)t->status) {
	case FP_STATUS_NOT_RUN: fp_buf_puts(out, "not run (collected only)"); break;
	case FP_STATUS_PASSED: fp_buf_puts(out, "passed"); break;
	case FP_STATUS_SKIPPED: fp_buf_puts(out, "skipped"); break;
	case FP_STATUS_FAILED: fp_buf_puts(out, "failed"); break;
	default: fp_buf_puts(out, "errored"); break;
	}
	if (t->category != FP_CATEGORY_NONE) {
		fp_buf_puts(out, t->category == FP_CATEGORY_INFRASTRUCTURE ? " on infrastructure"
									 : " on business logic");
		if (fp_test_cause(t)) {
			fp_buf_puts(out, ": ");
			cause_words(out, fp_test_cause(t));
		}
	}
	if (t->flags & FP_TEST_FLAKY)
		fp_buf_puts(out, " (flaky: its runs disagreed, some passed and some failed)");
}

/* True when the line at `p` is one of pytest's "E   " explanation lines. */
static int is_e_line(const char *p)
{
	return p[0] == 'E' && p[1] == ' ' && p[2] == ' ';
}

/* Appends the first line at `s`, capped at 300 bytes on a character boundary. */
static void first_line_capped(fp_buf *out, const char *s)
{
	const char *end;
	size_t n;

	while (*s == ' ')
		s++;
	end = strchr(s, '\n');
	n = end ? (size_t)(end - s) : strlen(s);
	if (n <= 300) {
		fp_buf_add(out, s, n);
		return;
	}
	fp_buf_add(out, s, fp_utf8_cut(s, n, 300));
	fp_buf_puts(out, "\xe2\x80\xa6");
}

/*
 * The line that says why a test failed: the first line of the last run of
 * pytest's "E   " lines (the innermost frame's exception, before the lines
 * that detail it), else the message's first line. Capped, so a table cell
 * stays readable.
 */
static void evidence_line(fp_buf *out, const fp_test *t)
{
	const char *best = NULL, *p, *end;
	int in_run = 0;

	if (!t || (t->status != FP_STATUS_FAILED && t->status != FP_STATUS_ERROR))
		return;
	for (p = fp_test_trace(t); p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (is_e_line(p)) {
			if (!in_run)
				best = p + 3;
			in_run = 1;
		} else {
			in_run = 0;
		}
		if (!end)
			break;
	}
	if (!best)
		best = fp_test_message(t);
	if (best)
		first_line_capped(out, best);
}

static int is_failure(const fp_test *t)
{
	return t && (t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR);
}

/* The failing side whose trace explains the entry. */
static const fp_test *trace_side(const fp_diff *d, const fp_diff_entry *e)
{
	if (is_failure(fp_diff_after(d, e)))
		return fp_diff_after(d, e);
	if (is_failure(fp_diff_before(d, e)))
		return fp_diff_before(d, e);
	return NULL;
}

static const fp_test *shown_test(const fp_diff *d, const fp_diff_entry *e)
{
	return fp_diff_after(d, e) ? fp_diff_after(d, e) : fp_diff_before(d, e);
}

/* "evidence_<side>" and its code span, "time_<side>". */
static void add_side_detail(cJSON *item, const fp_test *t, const char *side, fp_buf *tmp)
{
	fp_buf key = FP_BUF_INIT;

	fp_buf_clear(tmp);
	evidence_line(tmp, t);
	fp_buf_printf(&key, "evidence_%s", side);
	add_code(item, key.ptr, tmp->ptr, tmp->len);
	fp_buf_clear(tmp);
	if (t && (t->flags & FP_TEST_RESULT))
		duration_format(tmp, t->time);
	else
		fp_buf_puts(tmp, "\xe2\x80\x94"); /* no result on this side: an em dash */
	fp_buf_clear(&key);
	fp_buf_printf(&key, "time_%s", side);
	add_buf(item, key.ptr, tmp);
	fp_buf_free(&key);
}

static void add_outcomes(cJSON *item, const fp_diff *d, const fp_diff_entry *e, fp_buf *tmp)
{
	const fp_test *after = fp_diff_after(d, e);

	fp_buf_clear(tmp);
	outcome_text(tmp, fp_diff_before(d, e), (fp_outcome)e->outcome_before);
	add_buf(item, "before", tmp);
	fp_buf_clear(tmp);
	if (e->flags & FP_ENTRY_MODULE && !after && e->outcome_after != FP_OUTCOME_ABSENT) {
		fp_buf_puts(tmp, "module collects; its tests: ");
		fp_buf_puts(tmp, e->outcome_after == FP_OUTCOME_NOT_RUN ? "not run"
			    : e->outcome_after == FP_OUTCOME_BUSINESS_LOGIC ? "business logic"
			    : fp_outcome_name((fp_outcome)e->outcome_after));
	} else {
		outcome_text(tmp, after, (fp_outcome)e->outcome_after);
	}
	add_buf(item, "after", tmp);
}

static cJSON *test_item(const fp_diff *d, const fp_diff_entry *e, const fp_view_opts *o,
			fp_buf *tmp)
{
	cJSON *item = cJSON_CreateObject();
	const fp_test *tr = trace_side(d, e);

	fp_buf_clear(tmp);
	fp_test_id(tmp, shown_test(d, e));
	add_code(item, "id", tmp->ptr, tmp->len);
	add_str(item, "change", fp_change_name((fp_change)e->change));
	fp_buf_clear(tmp);
	fp_buf_puts(tmp, change_icon((fp_change)e->change));
	if (tmp->len)
		fp_buf_putc(tmp, ' ');
	fp_buf_puts(tmp, fp_change_label(e->change));
	add_buf(item, "change_label", tmp);
	add_bool(item, "target", e->flags & FP_ENTRY_TARGET);
	add_bool(item, "cause_changed", e->flags & FP_ENTRY_CAUSE_CHANGED);
	add_outcomes(item, d, e, tmp);
	add_side_detail(item, fp_diff_before(d, e), "before", tmp);
	add_side_detail(item, fp_diff_after(d, e), "after", tmp);
	fp_buf_clear(tmp);
	if (o->traces && tr && fp_test_trace(tr))
		fp_markdown_code_block(tmp, fp_test_trace(tr), strlen(fp_test_trace(tr)), "text");
	add_buf(item, "trace_md", tmp);
	add_str(item, "trace_side", !tmp->len ? NULL : tr == fp_diff_after(d, e) ? "after" : "before");
	return item;
}

/* The rows a list of `kind` may show. */
static size_t cap_of(const fp_view_opts *o, fp_change c)
{
	return o->caps ? o->caps[c] : o->list_cap;
}

/* "`a`, `b`, `c` and 3 more": up to COMPACT_IDS ids of the tests of change `c`. */
static void compact_ids(fp_buf *out, const fp_diff *d, fp_change c, uint64_t count, size_t cap,
			fp_buf *tmp)
{
	size_t i, named = 0;

	if (cap > COMPACT_IDS)
		cap = COMPACT_IDS;
	for (i = 0; i < d->nentries && named < cap; i++) {
		if (d->entries[i].change != c)
			continue;
		if (named)
			fp_buf_puts(out, named + 1 == count ? " and " : ", ");
		fp_buf_clear(tmp);
		fp_test_id(tmp, shown_test(d, &d->entries[i]));
		fp_markdown_code_inline(out, tmp->ptr, tmp->len);
		if (d->entries[i].flags & FP_ENTRY_TARGET)
			fp_buf_puts(out, " (target)");
		named++;
	}
	if (count > named && named)
		fp_buf_printf(out, " and %llu more", ull(count - named));
	else if (count > named) /* --max-chars left every id out */
		fp_buf_puts(out, "not named here, to fit the report's size limit");
}

/*
 * One list: the tests of one change. With `others`, only the tests that
 * are not targets (the report shows targets in a table of their own), so
 * each test appears once.
 */
static cJSON *list_of(const fp_diff *d, const struct list_kind *k, const fp_view_opts *o,
		      int others, fp_buf *tmp)
{
	cJSON *list = cJSON_CreateObject(), *tests = cJSON_CreateArray();
	size_t i, shown = 0, cap = cap_of(o, k->change);
	uint64_t count = 0;
	fp_buf ids = FP_BUF_INIT;

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];

		if (e->change != k->change || (others && (e->flags & FP_ENTRY_TARGET)))
			continue;
		count++;
		if (shown < cap) {
			cJSON_AddItemToArray(tests, test_item(d, e, o, tmp));
			shown++;
		}
	}
	add_str(list, "key", k->key);
	add_str(list, "title", k->title);
	add_str(list, "about", k->about);
	add_num(list, "count", count);
	cJSON_AddItemToObject(list, "tests", tests);
	add_num(list, "shown", shown);
	add_num(list, "more", count - shown);
	add_bool(list, "has_more", count > shown);
	add_bool(list, "has_rows", shown > 0);
	add_bool(list, "any", count > 0);
	add_bool(list, "folded", k->change != FP_CHANGE_REGRESSED && count > FOLD_AFTER);
	add_bool(list, "open", !(k->change != FP_CHANGE_REGRESSED && count > FOLD_AFTER));
	if (!others && count)
		compact_ids(&ids, d, k->change, count, cap, tmp);
	add_buf(list, "ids_md", &ids);
	fp_buf_free(&ids);
	return list;
}

static void add_row(cJSON *arr, const char *name, uint64_t before, uint64_t after)
{
	cJSON *r = cJSON_CreateObject();

	add_str(r, "name", name);
	add_num(r, "before", before);
	add_num(r, "after", after);
	cJSON_AddItemToArray(arr, r);
}

static void add_metric(cJSON *arr, const char *name, const char *about,
		       const fp_fraction *b, const fp_fraction *a)
{
	cJSON *m = cJSON_CreateObject();
	fp_buf s = FP_BUF_INIT;

	add_str(m, "name", name);
	add_str(m, "about", about);
	share_format(&s, b->num, b->den);
	add_buf(m, "before", &s);
	fp_buf_clear(&s);
	share_format(&s, a->num, a->den);
	add_buf(m, "after", &s);
	add_num(m, "before_numerator", b->num);
	add_num(m, "before_denominator", b->den);
	add_num(m, "after_numerator", a->num);
	add_num(m, "after_denominator", a->den);
	cJSON_AddItemToArray(arr, m);
	fp_buf_free(&s);
}

/* Tests that ran: passed, failed or errored (not skipped, not only collected). */
static uint64_t ran(const fp_run *run)
{
	return run->summary.passed + run->summary.failed + run->summary.errors;
}

/*
 * The metrics, the pass rate first. The pass rate has one definition in
 * every template: passed of the tests that ran, with the tests that did
 * not run (skipped, deselected, not run) counted beside it.
 */
static cJSON *metrics_view(const fp_diff *d)
{
	const fp_metrics *mb = &d->metrics[0], *ma = &d->metrics[1];
	fp_fraction pb = { d->before->summary.passed, ran(d->before) };
	fp_fraction pa = { d->after->summary.passed, ran(d->after) };
	cJSON *arr = cJSON_CreateArray();

	add_metric(arr, "Collection rate", "test files collected without error",
		   &mb->collection_rate, &ma->collection_rate);
	add_metric(arr, "Execution rate", "tests whose body ran, of every test",
		   &mb->execution_rate, &ma->execution_rate);
	add_metric(arr, "Business-logic reach",
		   "tests that passed or failed on business logic, of those not skipped",
		   &mb->business_logic_reach, &ma->business_logic_reach);
	/* Last, right above the counts of the tests that ran and did not. */
	add_metric(arr, "Pass rate (of the tests that ran)", "tests that passed, of those that ran",
		   &pb, &pa);
	return arr;
}

static cJSON *summary_view(const fp_diff *d)
{
	const fp_summary *b = &d->before->summary, *a = &d->after->summary;
	cJSON *arr = cJSON_CreateArray();

	add_row(arr, "Tests that ran", ran(d->before), ran(d->after));
	add_row(arr, "Skipped", b->skipped, a->skipped);
	add_row(arr, "Deselected", d->before->collection.deselected, d->after->collection.deselected);
	add_row(arr, "Not run", b->not_run, a->not_run);
	add_row(arr, "Tests", b->tests, a->tests);
	if (b->runs != b->tests || a->runs != a->tests)
		add_row(arr, "Runs (reruns counted)", b->runs, a->runs);
	add_row(arr, "Passed", b->passed, a->passed);
	add_row(arr, "Failed", b->failed, a->failed);
	add_row(arr, "Errors", b->errors, a->errors);
	return arr;
}

static uint64_t cause_count(const fp_cause_count *list, const char *cause)
{
	size_t i;

	for (i = 0; list[i].cause; i++)
		if (strcmp(list[i].cause, cause) == 0)
			return list[i].count;
	return 0;
}

/* True when `cause` is listed for category `c` before the fix. */
static int seen_before(const fp_diff *d, int c, const char *cause)
{
	size_t j;

	for (j = 0; d->causes[0][c][j].cause; j++)
		if (strcmp(d->causes[0][c][j].cause, cause) == 0)
			return 1;
	return 0;
}

/* One row per (category, cause) seen on either side, the cause in words. */
static cJSON *cause_rows(const fp_diff *d)
{
	cJSON *rows = cJSON_CreateArray();
	fp_buf words = FP_BUF_INIT;
	int c, s;
	size_t i;

	for (c = 0; c < 2; c++) {
		for (s = 0; s < 2; s++) {
			const fp_cause_count *list = d->causes[s][c];

			for (i = 0; list[i].cause; i++) {
				cJSON *r;

				if (s == 1 && seen_before(d, c, list[i].cause))
					continue;
				r = cJSON_CreateObject();
				add_str(r, "category", c == 0 ? "infrastructure" : "business logic");
				fp_buf_clear(&words);
				cause_words(&words, list[i].cause);
				add_buf(r, "cause", &words);
				add_str(r, "cause_name", list[i].cause);
				add_num(r, "before", cause_count(d->causes[0][c], list[i].cause));
				add_num(r, "after", cause_count(d->causes[1][c], list[i].cause));
				cJSON_AddItemToArray(rows, r);
			}
		}
	}
	fp_buf_free(&words);
	return rows;
}

static cJSON *matrix_view(const fp_diff *d)
{
	static const char *const labels[FP_OUTCOME_COUNT] = {
		"passed", "infrastructure", "business logic", "skipped", "not run", "absent"
	};
	cJSON *m = cJSON_CreateObject(), *cols = cJSON_CreateArray(), *rows = cJSON_CreateArray();
	int b, a;

	for (a = 0; a < FP_OUTCOME_COUNT; a++)
		cJSON_AddItemToArray(cols, cJSON_CreateString(labels[a]));
	for (b = 0; b < FP_OUTCOME_COUNT; b++) {
		cJSON *r = cJSON_CreateObject(), *cells = cJSON_CreateArray();
		uint64_t total = 0;

		for (a = 0; a < FP_OUTCOME_COUNT; a++) {
			cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)d->matrix[b][a]));
			total += d->matrix[b][a];
		}
		add_str(r, "name", labels[b]);
		cJSON_AddItemToObject(r, "cells", cells);
		add_num(r, "total", total);
		cJSON_AddItemToArray(rows, r);
	}
	cJSON_AddItemToObject(m, "columns", cols);
	cJSON_AddItemToObject(m, "rows", rows);
	return m;
}

static cJSON *inputs_view(const fp_run *run)
{
	cJSON *arr = cJSON_CreateArray();
	fp_buf s = FP_BUF_INIT;
	size_t i;

	for (i = 0; i < run->ninputs; i++) {
		const fp_input *in = &run->inputs[i];
		cJSON *o = cJSON_CreateObject();

		add_code(o, "path", in->path, strlen(in->path));
		add_str(o, "kind", fp_input_kind_name(in->kind));
		add_str(o, "sha256", in->sha256);
		fp_buf_clear(&s);
		fp_buf_add(&s, in->sha256, 12);
		add_buf(o, "sha256_short", &s);
		add_num(o, "tests", in->tests);
		add_num(o, "bytes", in->bytes);
		add_bool(o, "incomplete", in->incomplete);
		add_bool(o, "last", i + 1 == run->ninputs);
		cJSON_AddItemToArray(arr, o);
	}
	fp_buf_free(&s);
	return arr;
}

static double total_time(const fp_run *run)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < run->ntests; i++)
		sum += run->tests[i].time;
	return sum;
}

/* "34 of 39 tests that ran passed; 4 skipped, 0 deselected, 0 not run". */
static void pass_rate_text(fp_buf *out, const fp_run *run)
{
	uint64_t n = ran(run);

	fp_buf_printf(out, "%llu of %llu %s passed", ull(run->summary.passed), ull(n),
		      plural(n, "test that ran", "tests that ran"));
	percent(out, run->summary.passed, n);
	fp_buf_printf(out, "; %llu skipped, %llu deselected, %llu not run",
		      ull(run->summary.skipped), ull(run->collection.deselected),
		      ull(run->summary.not_run));
}

static void add_counts(cJSON *o, const fp_run *run)
{
	add_num(o, "tests", run->summary.tests);
	add_num(o, "runs", run->summary.runs);
	add_num(o, "ran", ran(run));
	add_num(o, "passed", run->summary.passed);
	add_num(o, "failed", run->summary.failed);
	add_num(o, "errors", run->summary.errors);
	add_num(o, "skipped", run->summary.skipped);
	add_num(o, "deselected", run->collection.deselected);
	add_num(o, "not_run", run->summary.not_run);
	add_num(o, "infrastructure", run->infrastructure);
	add_num(o, "business_logic", run->business_logic);
}

static cJSON *side_view(const fp_diff *d, int side)
{
	const fp_run *run = side ? d->after : d->before;
	cJSON *o = cJSON_CreateObject();
	fp_buf s = FP_BUF_INIT;

	add_counts(o, run);
	share_format(&s, run->summary.passed, ran(run));
	add_buf(o, "pass_rate", &s);
	fp_buf_clear(&s);
	pass_rate_text(&s, run);
	add_buf(o, "pass_rate_text", &s);
	fp_buf_clear(&s);
	if (run->summary.runs != run->summary.tests)
		fp_buf_printf(&s, "%llu runs of %llu tests", ull(run->summary.runs),
			      ull(run->summary.tests));
	add_buf(o, "runs_note", &s);
	fp_buf_clear(&s);
	duration_format(&s, total_time(run));
	add_buf(o, "time", &s);
	cJSON_AddItemToObject(o, "inputs", inputs_view(run));
	fp_buf_free(&s);
	return o;
}

/* The reason's sentence, its ids as code spans: "1 target still fails: `a`". */
static void reason_md(fp_buf *out, const fp_reason *r)
{
	size_t i;

	fp_markdown_escape(out, r->text, strlen(r->text));
	for (i = 0; i < r->nids; i++) {
		fp_buf_puts(out, i == 0 ? ": " : i + 1 == r->nids && !r->more ? " and " : ", ");
		fp_markdown_code_inline(out, r->ids[i], strlen(r->ids[i]));
	}
	if (r->more)
		fp_buf_printf(out, " and %llu more", ull(r->more));
}

static void add_reasons(cJSON *v, const fp_diff *d, fp_buf *tmp)
{
	cJSON *plain = cJSON_CreateArray(), *md = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < d->nreasons; i++) {
		fp_buf_clear(tmp);
		fp_reason_format(tmp, &d->reasons[i]);
		cJSON_AddItemToArray(plain, cJSON_CreateString(tmp->ptr));
		if (i == 0)
			add_str(v, "headline", tmp->ptr);
		fp_buf_clear(tmp);
		reason_md(tmp, &d->reasons[i]);
		cJSON_AddItemToArray(md, cJSON_CreateString(tmp->ptr));
		if (i == 0)
			add_str(v, "headline_md", tmp->ptr);
	}
	if (!d->nreasons) {
		add_str(v, "headline", NULL);
		add_str(v, "headline_md", NULL);
	}
	cJSON_AddItemToObject(v, "reasons", plain);
	cJSON_AddItemToObject(v, "reasons_md", md);
}

static void add_verdict(cJSON *v, const fp_diff *d, const fp_view_opts *o, fp_buf *tmp)
{
	cJSON *verdict_is = cJSON_CreateObject();
	int k;

	add_str(v, "schema", "fixproof.view/1");
	add_str(v, "title", shown_title(o->title, d->verdict));
	fp_buf_clear(tmp);
	fp_report_heading(tmp, d->verdict, o->title);
	add_buf(v, "heading", tmp);
	add_str(v, "verdict", fp_verdict_name(d->verdict));
	add_str(v, "verdict_label", fp_verdict_label(d->verdict));
	add_str(v, "verdict_icon", verdict_icon(d->verdict));
	/* Every verdict's flag, so that a template may test any under --strict. */
	for (k = FP_VERDICT_INCONCLUSIVE; k <= FP_VERDICT_UNBLOCKED; k++)
		add_bool(verdict_is, fp_verdict_name((fp_verdict)k), k == (int)d->verdict);
	cJSON_AddItemToObject(v, "verdict_is", verdict_is);
	add_reasons(v, d, tmp);
}

/* "The targets are the 18 tests that failed before the fix." */
static void targets_sentence(fp_buf *out, const fp_diff *d)
{
	size_t i, n = d->target_count;

	fp_buf_printf(out, "The %s %llu %s ", plural(n, "target is the", "targets are the"),
		      ull(n), plural(n, "test", "tests"));
	if (d->ntargets == 0) {
		fp_buf_puts(out, "that failed before the fix.");
		return;
	}
	fp_buf_puts(out, "matching ");
	for (i = 0; i < d->ntargets; i++) {
		if (i)
			fp_buf_puts(out, " or ");
		fp_markdown_code_inline(out, d->targets[i].pattern, strlen(d->targets[i].pattern));
	}
	fp_buf_putc(out, '.');
}

/* Where a change stands when a shortened target table keeps its rows:
 * what a reader must see first (regressed, still failing, progressed,
 * newly skipped, removed), fixed and unchanged last. */
static const fp_change target_importance[] = {
	FP_CHANGE_REGRESSED, FP_CHANGE_STILL_FAILING, FP_CHANGE_PROGRESSED,
	FP_CHANGE_NEWLY_SKIPPED, FP_CHANGE_REMOVED, FP_CHANGE_NOT_RUN, FP_CHANGE_FLAKY,
	FP_CHANGE_NEW, FP_CHANGE_COLLECTABLE, FP_CHANGE_NEWLY_RUN, FP_CHANGE_UNSKIPPED,
	FP_CHANGE_FIXED, FP_CHANGE_UNCHANGED,
};
#define NIMPORTANCE (sizeof(target_importance) / sizeof(target_importance[0]))

static size_t importance_of(unsigned change)
{
	size_t r;

	for (r = 0; r < NIMPORTANCE; r++)
		if ((unsigned)target_importance[r] == change)
			return r;
	return NIMPORTANCE;
}

/*
 * Which target rows a table of at most `cap` keeps: every row of the
 * most important changes, then the first rows of the change where the
 * cap falls (*edge_keep of them); rows keep their order in the table.
 */
static size_t target_edge(const fp_diff *d, size_t cap, size_t *edge_keep)
{
	size_t count[NIMPORTANCE + 1] = { 0 }, i, r, kept = 0;

	for (i = 0; i < d->nentries; i++)
		if (d->entries[i].flags & FP_ENTRY_TARGET)
			count[importance_of(d->entries[i].change)]++;
	for (r = 0; r <= NIMPORTANCE && kept + count[r] <= cap; r++)
		kept += count[r];
	*edge_keep = cap - kept;
	return r;
}

static void add_targets(cJSON *v, const fp_diff *d, const fp_view_opts *o, fp_buf *tmp)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, r, shown = 0, cap = o->target_cap ? o->target_cap : o->list_cap;
	size_t edge = NIMPORTANCE + 1, edge_keep = 0;

	add_num(v, "target_count", d->target_count);
	add_bool(v, "targets_implicit", d->ntargets == 0);
	fp_buf_clear(tmp);
	targets_sentence(tmp, d);
	add_buf(v, "targets_md", tmp);
	for (i = 0; i < d->ntargets; i++) {
		cJSON *p = cJSON_CreateObject();

		add_code(p, "pattern", d->targets[i].pattern, strlen(d->targets[i].pattern));
		add_num(p, "matched", d->targets[i].matched);
		add_bool(p, "last", i + 1 == d->ntargets);
		cJSON_AddItemToArray(arr, p);
	}
	cJSON_AddItemToObject(v, "target_patterns", arr);
	arr = cJSON_CreateArray();
	if (d->target_count > cap)
		edge = target_edge(d, cap, &edge_keep);
	for (i = 0; i < d->nentries && shown < cap; i++) {
		if (!(d->entries[i].flags & FP_ENTRY_TARGET))
			continue;
		r = importance_of(d->entries[i].change);
		if (r > edge || (r == edge && edge_keep == 0))
			continue;
		if (r == edge)
			edge_keep--;
		cJSON_AddItemToArray(arr, test_item(d, &d->entries[i], o, tmp));
		shown++;
	}
	cJSON_AddItemToObject(v, "target_tests", arr);
	add_num(v, "targets_more", d->target_count - shown);
	add_bool(v, "targets_has_more", d->target_count > shown);
}

/*
 * "changes": every change by its JSON name; "change_counts": those a
 * reader needs (regressed always, the rest when not 0), which add up to
 * "compared", the tests of both runs; "changes_line" says them in a line.
 */
static void add_change_counts(cJSON *v, const fp_diff *d, fp_buf *tmp)
{
	cJSON *all = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *last = NULL;
	size_t k;

	for (k = 0; k < FP_CHANGE_COUNT; k++)
		add_num(all, fp_change_name((fp_change)k), d->changes[k]);
	cJSON_AddItemToObject(v, "changes", all);
	add_num(v, "compared", d->nentries);
	fp_buf_clear(tmp);
	fp_buf_printf(tmp, "%llu %s compared: ", ull(d->nentries), plural(d->nentries, "test", "tests"));
	for (k = 0; k < NKINDS; k++) {
		fp_change c = list_kinds[k].change;
		cJSON *item;

		if (!d->changes[c] && c != FP_CHANGE_REGRESSED)
			continue;
		item = cJSON_CreateObject();
		add_str(item, "key", list_kinds[k].key);
		add_str(item, "label", fp_change_label(c));
		add_num(item, "count", d->changes[c]);
		add_bool(item, "last", 0);
		cJSON_AddItemToArray(arr, item);
		last = item;
		fp_buf_printf(tmp, "%s%llu %s", cJSON_GetArraySize(arr) > 1 ? " \xc2\xb7 " : "",
			      ull(d->changes[c]), fp_change_label(c));
	}
	if (last)
		cJSON_ReplaceItemInObject(last, "last", cJSON_CreateTrue());
	cJSON_AddItemToObject(v, "change_counts", arr);
	add_buf(v, "changes_line", tmp);
}

/* A test that got more than SLOWER_FACTOR times and SLOWER_SECONDS slower. */
static int got_slower(const fp_diff *d, const fp_diff_entry *e)
{
	const fp_test *b = fp_diff_before(d, e), *a = fp_diff_after(d, e);

	return b && a && (b->flags & FP_TEST_RESULT) && (a->flags & FP_TEST_RESULT) &&
	       a->time > SLOWER_FACTOR * b->time && a->time - b->time > SLOWER_SECONDS;
}

static void add_slower(cJSON *v, const fp_diff *d, const fp_view_opts *o, fp_buf *tmp)
{
	cJSON *list = cJSON_CreateObject(), *tests = cJSON_CreateArray();
	size_t i, count = 0, shown = 0, cap = cap_of(o, FP_CHANGE_STILL_FAILING);

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];
		cJSON *item;

		if (!got_slower(d, e) || count++ >= cap)
			continue;
		item = cJSON_CreateObject();
		fp_buf_clear(tmp);
		fp_test_id(tmp, fp_diff_after(d, e));
		add_code(item, "id", tmp->ptr, tmp->len);
		add_bool(item, "target", e->flags & FP_ENTRY_TARGET);
		add_side_detail(item, fp_diff_before(d, e), "before", tmp);
		add_side_detail(item, fp_diff_after(d, e), "after", tmp);
		add_bool(item, "last", 0);
		cJSON_AddItemToArray(tests, item);
		shown++;
	}
	if (shown) /* the last row shown: no separator after it */
		cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(tests, (int)shown - 1), "last",
						       cJSON_CreateTrue());
	add_num(list, "count", count);
	add_bool(list, "any", count > 0);
	cJSON_AddItemToObject(list, "tests", tests);
	add_num(list, "shown", shown);
	add_num(list, "more", count - shown);
	add_bool(list, "has_more", count > shown);
	add_bool(list, "has_rows", shown > 0);
	cJSON_AddItemToObject(v, "slower", list);
}

/* The per-change lists: "lists" (only those with tests, targets left out)
 * and one object per change by its key, targets included. */
static void add_lists(cJSON *v, const fp_diff *d, const fp_view_opts *o, fp_buf *tmp)
{
	cJSON *lists = cJSON_CreateArray();
	size_t k;

	for (k = 0; k < NKINDS; k++) {
		const struct list_kind *kind = &list_kinds[k];
		cJSON *l = list_of(d, kind, o, 1, tmp);

		if (cJSON_IsTrue(cJSON_GetObjectItem(l, "any")))
			cJSON_AddItemToArray(lists, l);
		else
			cJSON_Delete(l);
		cJSON_AddItemToObject(v, kind->key, list_of(d, kind, o, 0, tmp));
	}
	cJSON_AddItemToObject(v, "lists", lists);
}

/* "2026-11-24 12:51:07", a timestamp as the JUnit file wrote it, in its
 * own zone (fp_junit_timestamp reads a time without one as UTC). */
static void timestamp_format(fp_buf *out, double t)
{
	time_t secs = (time_t)floor(t);
	struct tm tm;
	char text[32];

	if (!gmtime_r(&secs, &tm) || !strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm))
		fp_buf_printf(out, "%.0f s after 1970", t);
	else
		fp_buf_puts(out, text);
}

size_t fp_report_warnings(fp_buf *out, const fp_diff *d)
{
	const fp_run *b = d->before, *a = d->after;

	if (!b->timestamps || !a->timestamps || b->first_timestamp <= a->last_timestamp)
		return 0;
	fp_buf_puts(out, "the sides may be swapped: every JUnit timestamp of the run before (the "
		    "earliest: ");
	timestamp_format(out, b->first_timestamp);
	fp_buf_puts(out, ") is later than those of the run after (the latest: ");
	timestamp_format(out, a->last_timestamp);
	fp_buf_puts(out, "); check that --before names the results from before the fix\n");
	return 1;
}

/* "warnings": what the reader should know before trusting the report,
 * one sentence each. */
static void add_warnings(cJSON *v, const fp_diff *d, fp_buf *tmp)
{
	cJSON *arr = cJSON_CreateArray();
	fp_buf one = FP_BUF_INIT;
	const char *p, *end;

	fp_buf_clear(tmp);
	fp_report_warnings(tmp, d);
	for (p = tmp->ptr; (end = strchr(p, '\n')) != NULL; p = end + 1) {
		fp_buf_clear(&one);
		fp_buf_add(&one, p, (size_t)(end - p));
		cJSON_AddItemToArray(arr, cJSON_CreateString(one.ptr));
	}
	fp_buf_free(&one);
	cJSON_AddItemToObject(v, "warnings", arr);
}

/* "chart_md": the outcomes before and after as two Mermaid pies. */
static void add_chart(cJSON *v, const fp_diff *d, fp_buf *tmp)
{
	fp_chart chart;

	fp_buf_clear(tmp);
	fp_chart_outcomes(&chart, d->before, "Before");
	fp_chart_mermaid(tmp, &chart);
	fp_chart_outcomes(&chart, d->after, "After");
	if (tmp->len && fp_chart_total(&chart))
		fp_buf_putc(tmp, '\n');
	fp_chart_mermaid(tmp, &chart);
	if (tmp->len)
		fp_buf_truncate(tmp, tmp->len - 1);
	add_buf(v, "chart_md", tmp);
}

static void add_notes(cJSON *v, const fp_diff *d, const fp_view_opts *o)
{
	int flaky = d->changes[FP_CHANGE_FLAKY] || d->before->summary.flaky || d->after->summary.flaky;

	add_str(v, "flaky_note", flaky ? "Flaky means that a test's runs disagreed: it failed, "
		"then passed when run again. A flaky pass does not count as a fix." : NULL);
	add_str(v, "pass_rate_about", "Pass rate: the tests that passed, of the tests that ran "
		"(passed, failed or errored). Skipped, deselected and not-run tests are left out of "
		"it and counted beside it.");
	add_str(v, "metrics_about", "Collection rate: the test files collected without error, of "
		"the test files seen. Execution rate: the tests whose body ran, of every test. "
		"Business-logic reach: the tests that passed or failed on business logic, of the tests "
		"not skipped.");
	add_str(v, "note_md", o->note_md && *o->note_md ? o->note_md : NULL);
	add_str(v, "generator", "fixproof " FIXPROOF_VERSION);
	add_bool(v, "shortened", o->shortened_note != NULL);
	add_str(v, "shortened_note", o->shortened_note);
	add_str(v, "shortened_note_md", o->shortened_note_md);
}

cJSON *fp_view_build(const fp_diff *d, const fp_view_opts *o)
{
	cJSON *v = cJSON_CreateObject();
	fp_buf tmp = FP_BUF_INIT;

	add_verdict(v, d, o, &tmp);
	add_warnings(v, d, &tmp);
	add_targets(v, d, o, &tmp);
	cJSON_AddItemToObject(v, "metrics", metrics_view(d));
	cJSON_AddItemToObject(v, "summary", summary_view(d));
	{
		cJSON *arr = cJSON_CreateArray();

		add_row(arr, "Infrastructure", d->before->infrastructure, d->after->infrastructure);
		add_row(arr, "Business logic", d->before->business_logic, d->after->business_logic);
		cJSON_AddItemToObject(v, "categories", arr);
	}
	cJSON_AddItemToObject(v, "causes", cause_rows(d));
	cJSON_AddItemToObject(v, "matrix", matrix_view(d));
	add_change_counts(v, d, &tmp);
	add_lists(v, d, o, &tmp);
	add_slower(v, d, o, &tmp);
	add_chart(v, d, &tmp);
	cJSON_AddItemToObject(v, "before", side_view(d, 0));
	cJSON_AddItemToObject(v, "after", side_view(d, 1));
	cJSON_AddItemToObject(v, "provenance", fp_provenance_view(d->provenance[0], d->provenance[1]));
	add_notes(v, d, o);
	fp_buf_free(&tmp);
	return v;
}
