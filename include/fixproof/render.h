/*
 * render.h - stage 4: turn the diff model into a report.
 *
 * Three layers: a Mustache engine (spec-complete, with inheritance and
 * dynamic names) that renders a template over a cJSON view; Markdown
 * escaping, so untrusted test names and messages show literally on GitHub;
 * and the report itself: built-in templates, size-aware output, HTML.
 */
#ifndef FIXPROOF_RENDER_H
#define FIXPROOF_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fixproof/buf.h"
#include "fixproof/diff.h"

/* ---- Mustache ---- */

typedef enum {
	FP_ESCAPE_HTML = 0,   /* the spec's escaping: & < > " ' */
	FP_ESCAPE_MARKDOWN,   /* fp_markdown_escape */
	FP_ESCAPE_NONE
} fp_escape;

/*
 * Looks up the partial (or parent template) `name`. Appends its text to
 * `out` and returns 1, or returns 0 when there is none (the spec renders a
 * missing partial as empty).
 */
typedef int (*fp_partial_fn)(void *ctx, const char *name, fp_buf *out);

typedef struct fp_mustache_opts {
	fp_escape escape;
	fp_partial_fn partial; /* may be NULL: no partials */
	void *partial_ctx;
	size_t max_depth;      /* partial/section nesting limit; 0 means 64 */
	size_t max_output;     /* stop with FP_ELIMIT past this; 0 means 256 MiB */
} fp_mustache_opts;

/*
 * Renders the template `tmpl` (`len` bytes; `name` is used in messages) with
 * `data` as the context, appending to `out`. Returns 0, or FP_ETEMPLATE with
 * a message naming the template, line and column ("template 'proof.md'
 * line 3 column 5: unclosed section 'tests'"), or FP_ELIMIT. On failure
 * `out` may hold part of the output.
 */
int fp_mustache_render(fp_buf *out, const char *tmpl, size_t len, const char *name,
		       const cJSON *data, const fp_mustache_opts *opts);

/* ---- Markdown safety ---- */

/*
 * Appends `s` so that GitHub-flavoured Markdown shows it literally as
 * inline text, in a paragraph or a table cell: it cannot break a table row,
 * start a block (list, heading, quote, code), emphasise, link, mention a
 * user (@name), reference an issue (#123) or pass HTML through, and it
 * cannot form the hidden "<!-- fixproof:" marker. Newlines become spaces;
 * invalid UTF-8 becomes U+FFFD.
 */
void fp_markdown_escape(fp_buf *out, const char *s, size_t n);

/*
 * Appends `s` as a fenced code block: the fence is longer than any run of
 * backticks in `s`, the "<!-- fixproof:" marker is broken up, invalid UTF-8
 * becomes U+FFFD. `info` (may be NULL) is the language tag, e.g. "text".
 */
void fp_markdown_code_block(fp_buf *out, const char *s, size_t n, const char *info);

/* Appends `s` as an inline code span with a long enough backtick run. */
void fp_markdown_code_span(fp_buf *out, const char *s, size_t n);

/* Appends `s` escaped for HTML text and attribute values (& < > " '). */
void fp_html_escape(fp_buf *out, const char *s, size_t n);

/* ---- HTML ---- */

/*
 * Renders `markdown` with cmark-gfm into one standalone HTML page titled
 * `title`, appended to `out`. Only the few HTML tags the built-in templates
 * use survive; any other raw HTML is escaped. Returns 0 or FP_EINPUT.
 */
int fp_html_page(fp_buf *out, const char *markdown, size_t len, const char *title);

/* ---- the report: view, templates, size ---- */

/* How much of a diff the view carries. */
typedef struct fp_view_opts {
	const char *title;          /* NULL: "Proof of resolution" */
	size_t list_cap;            /* tests shown per list (and target tests) */
	size_t regressed_cap;       /* tests shown in the regressed list */
	int traces;                 /* include fenced traces ("trace_md") */
	int unchanged;              /* list unchanged tests */
	const char *shortened_note; /* set when the report had to be shortened */
} fp_view_opts;

/*
 * Builds the view that report templates render: verdict, reasons, metrics
 * as "n/d (p%)", category and cause tables, the transition matrix, target
 * tests with their evidence, one list per change, and the inputs with their
 * sha256. Members ending in "_md" are Markdown already made safe (code
 * spans, fenced traces) for {{{triple}}} braces; every other string is plain
 * text for {{double}} braces. The caller frees the result with cJSON_Delete.
 */
cJSON *fp_view_build(const fp_diff *diff, const fp_view_opts *opts);

/* Appends "num/den (p%)"; "0/0 (n/a)" when den is 0. */
void fp_fraction_format(fp_buf *out, uint64_t num, uint64_t den);

/* "Resolved", "Partially resolved", ... for an fp_verdict. */
const char *fp_verdict_label(int verdict);

typedef struct fp_report_opts {
	const char *template_name; /* built-in name or a file; NULL: "proof" */
	const char *templates_dir; /* templates and partials found here first; may be NULL */
	const char *title;         /* may be NULL */
	size_t max_chars;          /* 0: no limit; else the output's byte length cap */
} fp_report_opts;

/*
 * Renders the report for `diff` as Markdown into `out`. Templates and
 * partials are looked up in templates_dir, then next to a template given as
 * a file, then among the built-in ones (templates/NAME.mustache compiled
 * in). With max_chars, a report that would be longer is rendered again with
 * less detail, in this order: unchanged tests, traces, then long lists cut
 * to "... and N more" (regressions last); the verdict, reasons and metrics
 * always stay, and the report says it was shortened. Returns 0,
 * FP_EUSAGE (no such template), FP_ETEMPLATE, or FP_ELIMIT when even the
 * shortest form is longer than max_chars.
 */
int fp_report_render(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts);

/* Names of the built-in templates, NULL-terminated. */
extern const char *const fp_report_builtin_templates[];

#endif
