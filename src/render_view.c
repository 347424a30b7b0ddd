/*
 * render_view.c - the view: what a report template sees of a diff.
 *
 * The diff model can hold a million tests; a report shows a few hundred.
 * The view is a small cJSON tree built from the diff with bounded lists,
 * numbers already formatted ("18/18 (100%)"), and the pieces that need
 * Markdown syntax around untrusted text (code spans, fenced traces)
 * pre-rendered safely, in members whose names end in "_md" (templates put
 * them in with {{{triple}}} braces). Everything else is plain text that
 * {{double}} braces escape. See render.h for the list of members.
 */
#include <stdio.h>
#include <string.h>

#include "fixproof/diff.h"
#include "fixproof/render.h"

/* The order lists appear in a report, and how each is titled. */
static const struct list_kind {
	fp_change change;
	const char *key;
	const char *title;
	const char *about;
} list_kinds[] = {
	{ FP_CHANGE_REGRESSED, "regressed", "Regressed", "Passed before, fail after" },
	{ FP_CHANGE_FIXED, "fixed", "Fixed", "Failed before, pass after" },
	{ FP_CHANGE_PROGRESSED, "progressed", "Progressed",
	  "An infrastructure failure became a business-logic failure: the test now reaches the code under test" },
	{ FP_CHANGE_STILL_FAILING, "still_failing", "Still failing", "Fail before and after" },
	{ FP_CHANGE_FLAKY, "flaky", "Flaky", "Failed before, pass after only on a rerun" },
	{ FP_CHANGE_NEWLY_SKIPPED, "newly_skipped", "Newly skipped", "Ran before, skipped after" },
	{ FP_CHANGE_REMOVED, "removed", "Removed", "Present before, missing after" },
	{ FP_CHANGE_NOT_RUN, "not_run", "Not run", "Collected after but without a result" },
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

static const char *change_label(fp_change c)
{
	switch (c) {
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
void fp_fraction_format(fp_buf *out, uint64_t num, uint64_t den)
{
	double pct;

	fp_buf_printf(out, "%llu/%llu", (unsigned long long)num, (unsigned long long)den);
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

/* "error · infrastructure · missing_fixture", "passed", "absent". */
static void outcome_text(fp_buf *out, const fp_test *t, fp_outcome o)
{
	if (!t) {
		fp_buf_puts(out, o == FP_OUTCOME_INFRASTRUCTURE ? "module failed to collect" : "absent");
		return;
	}
	fp_buf_puts(out, fp_status_name((fp_status)t->status));
	if (t->status == FP_STATUS_NOT_RUN)
		fp_buf_puts(out, " (collected)");
	if (t->category != FP_CATEGORY_NONE) {
		fp_buf_puts(out, t->category == FP_CATEGORY_INFRASTRUCTURE ? " \xc2\xb7 infrastructure"
									 : " \xc2\xb7 business logic");
		if (fp_test_cause(t))
			fp_buf_printf(out, " \xc2\xb7 %s", fp_test_cause(t));
	}
	if (t->flags & FP_TEST_FLAKY)
		fp_buf_puts(out, " (flaky)");
}

/* True when the line at `p` is one of pytest's "E   " explanation lines. */
static int is_e_line(const char *p)
{
	return p[0] == 'E' && p[1] == ' ' && p[2] == ' ';
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
	size_t n;

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
	if (!best)
		return;
	while (*best == ' ')
		best++;
	end = strchr(best, '\n');
	n = end ? (size_t)(end - best) : strlen(best);
	if (n > 300) {
		n = 300;
		while (n > 0 && ((unsigned char)best[n] & 0xc0) == 0x80)
			n--;
		fp_buf_add(out, best, n);
		fp_buf_puts(out, "\xe2\x80\xa6");
		return;
	}
	fp_buf_add(out, best, n);
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

static cJSON *test_item(const fp_diff *d, const fp_diff_entry *e, const fp_view_opts *o,
			fp_buf *tmp)
{
	cJSON *item = cJSON_CreateObject();
	const fp_test *before = fp_diff_before(d, e), *after = fp_diff_after(d, e);
	const fp_test *t = after ? after : before, *tr = trace_side(d, e);

	fp_buf_clear(tmp);
	fp_test_id(tmp, t);
	add_buf(item, "id", tmp);
	{
		fp_buf span = FP_BUF_INIT;

		fp_markdown_code_span(&span, tmp->ptr, tmp->len);
		add_buf(item, "id_md", &span);
		fp_buf_free(&span);
	}
	add_str(item, "change", fp_change_name((fp_change)e->change));
	fp_buf_clear(tmp);
	fp_buf_puts(tmp, change_icon((fp_change)e->change));
	if (tmp->len)
		fp_buf_putc(tmp, ' ');
	fp_buf_puts(tmp, change_label((fp_change)e->change));
	add_buf(item, "change_label", tmp);
	cJSON_AddBoolToObject(item, "target", (e->flags & FP_ENTRY_TARGET) != 0);
	cJSON_AddBoolToObject(item, "cause_changed", (e->flags & FP_ENTRY_CAUSE_CHANGED) != 0);
	fp_buf_clear(tmp);
	outcome_text(tmp, before, (fp_outcome)e->outcome_before);
	add_buf(item, "before", tmp);
	fp_buf_clear(tmp);
	outcome_text(tmp, after, (fp_outcome)e->outcome_after);
	if (e->flags & FP_ENTRY_MODULE && !after && e->outcome_after != FP_OUTCOME_ABSENT) {
		fp_buf_clear(tmp);
		fp_buf_printf(tmp, "module collects; its tests: %s",
			      fp_outcome_name((fp_outcome)e->outcome_after));
	}
	add_buf(item, "after", tmp);
	fp_buf_clear(tmp);
	evidence_line(tmp, before);
	add_buf(item, "evidence_before", tmp);
	{
		fp_buf span = FP_BUF_INIT;

		if (tmp->len)
			fp_markdown_code_span(&span, tmp->ptr, tmp->len);
		add_buf(item, "evidence_before_md", &span);
		fp_buf_clear(tmp);
		evidence_line(tmp, after);
		add_buf(item, "evidence_after", tmp);
		fp_buf_clear(&span);
		if (tmp->len)
			fp_markdown_code_span(&span, tmp->ptr, tmp->len);
		add_buf(item, "evidence_after_md", &span);
		fp_buf_free(&span);
	}
	if (o->traces && tr && fp_test_trace(tr)) {
		fp_buf block = FP_BUF_INIT;

		fp_markdown_code_block(&block, fp_test_trace(tr), strlen(fp_test_trace(tr)), "text");
		add_buf(item, "trace_md", &block);
		add_str(item, "trace_side", tr == after ? "after" : "before");
		fp_buf_free(&block);
	}
	return item;
}

static cJSON *list_of(const fp_diff *d, const struct list_kind *k, size_t cap,
		      const fp_view_opts *o, fp_buf *tmp)
{
	cJSON *list = cJSON_CreateObject(), *tests = cJSON_CreateArray();
	size_t i, count = d->changes[k->change], shown = 0;

	add_str(list, "key", k->key);
	add_str(list, "title", k->title);
	add_str(list, "about", k->about);
	add_num(list, "count", count);
	for (i = 0; i < d->nentries && shown < cap; i++) {
		const fp_diff_entry *e = &d->entries[i];

		if (e->change != k->change)
			continue;
		cJSON_AddItemToArray(tests, test_item(d, e, o, tmp));
		shown++;
	}
	cJSON_AddItemToObject(list, "tests", tests);
	add_num(list, "shown", shown);
	add_num(list, "more", count - shown);
	cJSON_AddBoolToObject(list, "has_more", count > shown);
	cJSON_AddBoolToObject(list, "any", count > 0);
	cJSON_AddBoolToObject(list, "folded", k->change != FP_CHANGE_REGRESSED && count > FOLD_AFTER);
	cJSON_AddBoolToObject(list, "open", !(k->change != FP_CHANGE_REGRESSED && count > FOLD_AFTER));
	return list;
}

static void add_metric(cJSON *arr, const char *name, const char *about,
		       const fp_fraction *b, const fp_fraction *a)
{
	cJSON *m = cJSON_CreateObject();
	fp_buf s = FP_BUF_INIT;

	add_str(m, "name", name);
	add_str(m, "about", about);
	fp_fraction_format(&s, b->num, b->den);
	add_buf(m, "before", &s);
	fp_buf_clear(&s);
	fp_fraction_format(&s, a->num, a->den);
	add_buf(m, "after", &s);
	add_num(m, "before_numerator", b->num);
	add_num(m, "before_denominator", b->den);
	add_num(m, "after_numerator", a->num);
	add_num(m, "after_denominator", a->den);
	cJSON_AddItemToArray(arr, m);
	fp_buf_free(&s);
}

static void add_row(cJSON *arr, const char *name, uint64_t before, uint64_t after)
{
	cJSON *r = cJSON_CreateObject();

	add_str(r, "name", name);
	add_num(r, "before", before);
	add_num(r, "after", after);
	cJSON_AddItemToArray(arr, r);
}

static uint64_t cause_count(const fp_cause_count *list, const char *cause)
{
	size_t i;

	for (i = 0; list[i].cause; i++)
		if (strcmp(list[i].cause, cause) == 0)
			return list[i].count;
	return 0;
}

/* One row per (category, cause) seen on either side. */
static cJSON *cause_rows(const fp_diff *d)
{
	cJSON *rows = cJSON_CreateArray();
	int c, s;
	size_t i, j;

	for (c = 0; c < 2; c++) {
		for (s = 0; s < 2; s++) {
			const fp_cause_count *list = d->causes[s][c];

			for (i = 0; list[i].cause; i++) {
				cJSON *r;
				int seen = 0;

				/* Skip causes already listed from the before side. */
				if (s == 1)
					for (j = 0; d->causes[0][c][j].cause && !seen; j++)
						seen = strcmp(d->causes[0][c][j].cause, list[i].cause) == 0;
				if (seen)
					continue;
				r = cJSON_CreateObject();
				add_str(r, "category", c == 0 ? "infrastructure" : "business logic");
				add_str(r, "cause", list[i].cause);
				add_num(r, "before", cause_count(d->causes[0][c], list[i].cause));
				add_num(r, "after", cause_count(d->causes[1][c], list[i].cause));
				cJSON_AddItemToArray(rows, r);
			}
		}
	}
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

		add_str(o, "path", in->path);
		fp_buf_clear(&s);
		fp_markdown_code_span(&s, in->path, strlen(in->path));
		add_buf(o, "path_md", &s);
		add_str(o, "kind", fp_input_kind_name(in->kind));
		add_str(o, "sha256", in->sha256);
		fp_buf_clear(&s);
		fp_buf_add(&s, in->sha256, 12);
		add_buf(o, "sha256_short", &s);
		add_num(o, "tests", in->tests);
		add_num(o, "bytes", in->bytes);
		cJSON_AddBoolToObject(o, "incomplete", in->incomplete != 0);
		cJSON_AddBoolToObject(o, "last", i + 1 == run->ninputs);
		cJSON_AddItemToArray(arr, o);
	}
	fp_buf_free(&s);
	return arr;
}

static cJSON *side_view(const fp_diff *d, int side)
{
	const fp_run *run = side ? d->after : d->before;
	cJSON *o = cJSON_CreateObject();

	add_num(o, "tests", run->summary.tests);
	add_num(o, "passed", run->summary.passed);
	add_num(o, "failed", run->summary.failed);
	add_num(o, "errors", run->summary.errors);
	add_num(o, "skipped", run->summary.skipped);
	add_num(o, "infrastructure", run->infrastructure);
	add_num(o, "business_logic", run->business_logic);
	cJSON_AddItemToObject(o, "inputs", inputs_view(run));
	return o;
}

cJSON *fp_view_build(const fp_diff *d, const fp_view_opts *o)
{
	cJSON *v = cJSON_CreateObject(), *arr, *lists, *verdict_is;
	fp_buf tmp = FP_BUF_INIT;
	size_t i, k, shown = 0;
	const fp_metrics *mb = &d->metrics[0], *ma = &d->metrics[1];

	add_str(v, "schema", "fixproof.view/1");
	add_str(v, "title", o->title ? o->title : "Proof of resolution");
	add_str(v, "verdict", fp_verdict_name(d->verdict));
	add_str(v, "verdict_label", fp_verdict_label(d->verdict));
	add_str(v, "verdict_icon", verdict_icon(d->verdict));
	verdict_is = cJSON_CreateObject();
	cJSON_AddBoolToObject(verdict_is, fp_verdict_name(d->verdict), 1);
	cJSON_AddItemToObject(v, "verdict_is", verdict_is);
	arr = cJSON_CreateArray();
	for (i = 0; i < d->nreasons; i++) {
		fp_buf_clear(&tmp);
		fp_reason_format(&tmp, &d->reasons[i]);
		cJSON_AddItemToArray(arr, cJSON_CreateString(tmp.ptr));
		if (i == 0)
			add_str(v, "headline", tmp.ptr);
	}
	cJSON_AddItemToObject(v, "reasons", arr);

	/* Targets: how they were chosen, and each with its evidence. */
	add_num(v, "target_count", d->target_count);
	cJSON_AddBoolToObject(v, "targets_implicit", d->ntargets == 0);
	arr = cJSON_CreateArray();
	for (i = 0; i < d->ntargets; i++) {
		cJSON *p = cJSON_CreateObject();

		add_str(p, "pattern", d->targets[i].pattern);
		fp_buf_clear(&tmp);
		fp_markdown_code_span(&tmp, d->targets[i].pattern, strlen(d->targets[i].pattern));
		add_buf(p, "pattern_md", &tmp);
		add_num(p, "matched", d->targets[i].matched);
		cJSON_AddBoolToObject(p, "last", i + 1 == d->ntargets);
		cJSON_AddItemToArray(arr, p);
	}
	cJSON_AddItemToObject(v, "target_patterns", arr);
	arr = cJSON_CreateArray();
	for (i = 0; i < d->nentries && shown < o->list_cap; i++) {
		if (!(d->entries[i].flags & FP_ENTRY_TARGET))
			continue;
		cJSON_AddItemToArray(arr, test_item(d, &d->entries[i], o, &tmp));
		shown++;
	}
	cJSON_AddItemToObject(v, "target_tests", arr);
	add_num(v, "targets_more", d->target_count - shown);
	cJSON_AddBoolToObject(v, "targets_has_more", d->target_count > shown);

	arr = cJSON_CreateArray();
	add_metric(arr, "Collection rate", "test files collected without error",
		   &mb->collection_rate, &ma->collection_rate);
	add_metric(arr, "Execution rate", "tests whose body ran",
		   &mb->execution_rate, &ma->execution_rate);
	add_metric(arr, "Business-logic reach", "tests that passed or failed on business logic (skips left out)",
		   &mb->business_logic_reach, &ma->business_logic_reach);
	add_metric(arr, "Pass rate", "tests that passed (skips left out)",
		   &mb->pass_rate, &ma->pass_rate);
	cJSON_AddItemToObject(v, "metrics", arr);

	arr = cJSON_CreateArray();
	add_row(arr, "Tests", d->before->summary.tests, d->after->summary.tests);
	add_row(arr, "Passed", d->before->summary.passed, d->after->summary.passed);
	add_row(arr, "Failed", d->before->summary.failed, d->after->summary.failed);
	add_row(arr, "Errors", d->before->summary.errors, d->after->summary.errors);
	add_row(arr, "Skipped", d->before->summary.skipped, d->after->summary.skipped);
	cJSON_AddItemToObject(v, "summary", arr);
	arr = cJSON_CreateArray();
	add_row(arr, "Infrastructure", d->before->infrastructure, d->after->infrastructure);
	add_row(arr, "Business logic", d->before->business_logic, d->after->business_logic);
	cJSON_AddItemToObject(v, "categories", arr);
	cJSON_AddItemToObject(v, "causes", cause_rows(d));
	cJSON_AddItemToObject(v, "matrix", matrix_view(d));

	arr = cJSON_CreateObject();
	for (k = 0; k < FP_CHANGE_COUNT; k++)
		add_num(arr, fp_change_name((fp_change)k), d->changes[k]);
	cJSON_AddItemToObject(v, "changes", arr);

	/* The per-change lists; each also reachable by its key. */
	lists = cJSON_CreateArray();
	for (k = 0; k < NKINDS; k++) {
		const struct list_kind *kind = &list_kinds[k];
		size_t cap = kind->change == FP_CHANGE_REGRESSED ? o->regressed_cap : o->list_cap;
		cJSON *l;

		if (kind->change == FP_CHANGE_UNCHANGED && !o->unchanged)
			cap = 0;
		l = list_of(d, kind, cap, o, &tmp);
		cJSON_AddItemToObject(v, kind->key, l);
		if (d->changes[kind->change])
			cJSON_AddItemReferenceToArray(lists, l);
	}
	cJSON_AddItemToObject(v, "lists", lists);

	cJSON_AddItemToObject(v, "before", side_view(d, 0));
	cJSON_AddItemToObject(v, "after", side_view(d, 1));
	add_str(v, "generator", "fixproof " FIXPROOF_VERSION);
	cJSON_AddBoolToObject(v, "shortened", o->shortened_note != NULL);
	add_str(v, "shortened_note", o->shortened_note);
	fp_buf_free(&tmp);
	return v;
}
