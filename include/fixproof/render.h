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
#include "fixproof/model.h"

/* ---- Mustache ---- */

typedef enum {
	FP_ESCAPE_HTML = 0,   /* the spec's escaping: & < > " ' */
	FP_ESCAPE_MARKDOWN,   /* fp_markdown_escape */
	FP_ESCAPE_NONE
} fp_escape;

/*
 * Looks up the partial (or parent template) `name`. Appends its text to
 * `out` and returns 0; returns FP_ENOTFOUND when there is none (the spec
 * renders a missing partial as empty), or another negative code, with the
 * message set, when it is there but cannot be had (an unreadable file):
 * that stops the rendering.
 */
typedef int (*fp_partial_fn)(void *ctx, const char *name, fp_buf *out);

/*
 * Called when a variable or section names a key that no context on the
 * stack has (not when it is there and null or false): `name` as written,
 * in template `tmpl` at `line`:`col`. Returning a negative error code
 * stops the rendering with it; 0 goes on (the key renders as missing).
 */
typedef int (*fp_missing_fn)(void *ctx, const char *tmpl, unsigned line, unsigned col,
			     const char *name);

typedef struct fp_mustache_opts {
	fp_escape escape;
	fp_partial_fn partial; /* may be NULL: no partials */
	void *partial_ctx;
	size_t max_depth;      /* partial/section/block nesting limit; 0 means 64 */
	size_t max_output;     /* stop with FP_ELIMIT past this; 0 means 256 MiB */
	size_t max_steps;      /* nodes and section items rendered; 0 means 100 million */
	fp_missing_fn missing; /* may be NULL: missing keys render as the spec says */
	void *missing_ctx;
} fp_mustache_opts;

/*
 * Renders the template `tmpl` (`len` bytes; `name` is used in messages) with
 * `data` as the context, appending to `out`. `opts` may be NULL (HTML
 * escaping, no partials, default limits). Returns 0, or FP_ETEMPLATE with a
 * message naming the template, line and column ("template 'proof.md' line 3
 * column 5: unclosed section 'tests'"), or FP_ELIMIT when a limit of `opts`
 * is exceeded (a recursive partial hits max_depth). On failure `out` may
 * hold part of the output.
 *
 * Partials and parents are looked up through opts->partial once per name
 * and call, and compiled once. `{{>*name}}` and `{{<*name}}` take the name
 * from the context (the spec's dynamic names); `{{<parent}}` with
 * `{{$block}}` overrides is the spec's inheritance. Lambdas are not
 * supported. Interpolated numbers print without a fraction when they are
 * integers and otherwise in the shortest form that reads back exactly
 * (1.21); true and false print as words; null, objects and arrays print
 * nothing. Sections treat as falsy what JavaScript does (the spec's
 * "!!data"): missing, null, false, 0, "" and the empty list.
 */
int fp_mustache_render(fp_buf *out, const char *tmpl, size_t len, const char *name,
		       const cJSON *data, const fp_mustache_opts *opts);

/* A compiled template, for rendering one template many times. */
typedef struct fp_mustache_template fp_mustache_template;

/*
 * Compiles `tmpl` (`len` bytes) into `*out`, which the caller frees with
 * fp_mustache_template_free(). `tmpl` and `name` are copied, not borrowed.
 * Returns 0 or FP_ETEMPLATE as above.
 */
int fp_mustache_compile(fp_mustache_template **out, const char *tmpl, size_t len,
			const char *name);

/* Renders a compiled template; the same as fp_mustache_render otherwise. */
int fp_mustache_render_template(fp_buf *out, const fp_mustache_template *t, const cJSON *data,
				const fp_mustache_opts *opts);

/* Frees a compiled template; NULL is a no-op. */
void fp_mustache_template_free(fp_mustache_template *t);

/* ---- Markdown safety ---- */

/*
 * Appends `s` so that GitHub-flavoured Markdown shows it literally as
 * inline text, in a paragraph, a table cell or a list item, and also inside
 * a raw HTML block such as <summary>: it cannot break a table row, start a
 * block (list, heading, quote, code), emphasise, strike, link, pass HTML
 * through or form the hidden "<!-- fixproof:" marker. Characters Markdown
 * could act on are written as character references ("&#124;" for '|',
 * "&lt;" for '<'), which read the same in Markdown and in HTML; ordinary
 * names need few ("test_a_b" stays as it is).
 *
 * GitHub links @mentions, #12, GH-12, owner/repo#12, bare URLs and :emoji:
 * after Markdown, in the text, so the output inserts U+2060 WORD JOINER
 * (invisible) to break them: after '@' or '#' before a letter or digit,
 * after "GH-" before a digit, before "://", after "www" in "www.", and
 * after the first ':' of ":name:". Newlines, CR and tabs become spaces;
 * other control characters and NUL are dropped; invalid UTF-8 becomes
 * U+FFFD. Leading and trailing spaces are kept (as "&#32;").
 */
void fp_markdown_escape(fp_buf *out, const char *s, size_t n);

/*
 * Appends `s` as a fenced code block, from the start of a line to the end
 * of its closing fence line. The fence is longer than any run of backticks
 * in `s` (at least three); the text is kept verbatim except that invalid
 * UTF-8 becomes U+FFFD, NUL is dropped and every "<!--" is followed by
 * U+2060, so a trace cannot forge the hidden marker. `info` (may be NULL)
 * is the language tag, e.g. "python"; only its first word is used.
 */
void fp_markdown_code_block(fp_buf *out, const char *s, size_t n, const char *info);

/*
 * Appends `s` as an inline code span for a table cell: the backtick run is
 * longer than any in `s`, padding spaces are added when CommonMark would
 * otherwise strip or join them, line ends become spaces, and '|' is written
 * as "\|" (which GFM reads as '|' inside a table cell, but which shows as
 * "\|" in a paragraph). No invisible character is put inside a span: where
 * the text holds "<!--" (the hidden marker's opening) or a backslash before
 * '|', it becomes two spans with U+2060 between them, so the characters
 * inside read exactly as the text. Appends nothing for empty text.
 */
void fp_markdown_code_span(fp_buf *out, const char *s, size_t n);

/* The same for a paragraph or a list item: '|' stays as it is. */
void fp_markdown_code_inline(fp_buf *out, const char *s, size_t n);

/*
 * Appends `s` escaped for HTML text and attribute values (& < > " '), with
 * invalid UTF-8 replaced by U+FFFD.
 */
void fp_html_escape(fp_buf *out, const char *s, size_t n);

/* ---- charts ---- */

/* The most slices a chart has; a parsed chart with more is refused. */
#define FP_CHART_MAX_SLICES 8

/* One slice: plain text, its count and its colour ("#rrggbb"). */
typedef struct fp_chart_slice {
	char label[64];
	char color[8];
	uint64_t value;
} fp_chart_slice;

/*
 * A pie chart of counts. It owns its text (fixed arrays), so a chart is
 * copied and freed like any plain struct. Slices of 0 are kept in the
 * struct and left out of what is drawn.
 */
typedef struct fp_chart {
	char title[128];
	fp_chart_slice slices[FP_CHART_MAX_SLICES];
	size_t nslices;
} fp_chart;

/*
 * Sets `out` to the outcomes of the tests of `run` (passed, infrastructure
 * failures, business-logic failures, skipped, not run: one slice each, in
 * that order, whatever their count), titled "`side` the fix: N tests"
 * (`side` is "Before" or "After"). Each test counts once, by its outcome
 * (fp_test_outcome), so the slices add up to the run's tests.
 */
void fp_chart_outcomes(fp_chart *out, const fp_run *run, const char *side);

/* The sum of the chart's slices. */
uint64_t fp_chart_total(const fp_chart *c);

/*
 * Appends the chart as a fenced ```mermaid block (a `pie showData` chart,
 * which GitHub draws in issues, pull requests and comments): an init
 * directive giving each slice its colour, the title, then one quoted label
 * and count per slice that is not 0. A '"' in a label or the title becomes
 * an apostrophe and line ends become spaces, since Mermaid has no escape
 * for them.
 * Appends nothing when every slice is 0.
 */
void fp_chart_mermaid(fp_buf *out, const fp_chart *c);

/*
 * Reads back a chart written by fp_chart_mermaid from the text of the
 * block (`n` bytes, without the fences): the init directive's pieN
 * colours (a slice without one gets a grey), `pie` with or without
 * `showData`, `title` and `"label" : count` lines (a count over 10^15 is
 * refused, so the slices add up exactly). Returns 0, or
 * FP_EPASSTHROUGH when the text is some other Mermaid (the caller leaves
 * it as it is).
 */
int fp_chart_parse_mermaid(fp_chart *out, const char *s, size_t n);

/*
 * Appends the chart as inline SVG for an HTML page: a pie with its title
 * and a legend giving each slice's label and count, drawn without script
 * or fonts from elsewhere; role="img", an aria-label that says every
 * figure in words, and a <title>. Text is HTML-escaped, a colour that is
 * not "#rrggbb" is drawn grey, and the markup is well-formed XML.
 * Appends nothing when every slice is 0.
 */
void fp_chart_svg(fp_buf *out, const fp_chart *c);

/* ---- HTML ---- */

/*
 * Appends a standalone HTML5 page: `markdown` (`len` bytes) rendered with
 * cmark-gfm as GitHub does (tables, strikethrough, autolinks, task lists,
 * tag filter), under `title` (escaped; NULL or "" means "fixproof report"),
 * with a small embedded stylesheet and no external resources. Raw HTML
 * other than <details>, <summary>, <br> (and their closing tags) and the
 * "<!-- fixproof:KEY -->" marker shows as text. Inline code may wrap after
 * "::", '/' and '.' (a <wbr /> there), so a long test id breaks between
 * its parts rather than mid-name; a ```mermaid pie that
 * fp_chart_parse_mermaid reads is drawn as inline SVG (fp_chart_svg), any
 * other stays a code block. The stylesheet fits tables to the page width
 * and has print rules. Returns 0, or FP_EINTERNAL when cmark-gfm lacks an
 * extension.
 */
int fp_html_page(fp_buf *out, const char *markdown, size_t len, const char *title);

/*
 * The same page for a report whose verdict is `verdict` (an fp_verdict):
 * under the first heading, a banner says the verdict in words ("Verdict:
 * Regressed", and what it means) on the verdict's colour, with a plain
 * symbol beside it.
 */
int fp_html_report_page(fp_buf *out, const char *markdown, size_t len, const char *title,
			int verdict);

/* The cmark-gfm the HTML renderer runs with ("0.29.0.gfm.6"); a static string. */
const char *fp_html_cmark_version(void);


/* ---- the report: view, templates, size ---- */

/* How much of a diff the view carries. */
typedef struct fp_view_opts {
	const char *title;          /* NULL: by the verdict (fp_report_heading); "": none */
	size_t list_cap;            /* tests shown per list, when caps is NULL */
	const size_t *caps;         /* tests shown per list, indexed by fp_change; may be NULL */
	size_t target_cap;          /* target tests shown; 0: list_cap */
	int traces;                 /* include fenced traces ("trace_md") */
	const char *note_md;        /* the --note section, Markdown already safe; may be NULL */
	const char *shortened_note; /* set when the report had to be shortened */
	const char *shortened_note_md; /* the same as Markdown */
} fp_view_opts;

/*
 * Builds the view that report templates render: verdict, heading and
 * reasons, the pass rate with the tests that did not run beside it,
 * metrics as "34 of 39 (87%)", category and cause tables (causes in
 * words), the transition matrix, target tests with their evidence and
 * times, one list per change (by key, targets included, with a compact
 * "ids_md"; and in "lists", targets left out), the tests that got slower,
 * durations, the inputs with their sha256, the tests of each side by
 * outcome as Mermaid pies ("chart_md", fp_chart_mermaid) and the
 * report's warnings (fp_report_warnings). Members ending in "_md" are
 * Markdown already made safe (code spans, fenced traces) for {{{triple}}}
 * braces; every other string is plain text for {{double}} braces. Every
 * key is always present (null when empty). The README lists them. The
 * caller frees the result with cJSON_Delete.
 */
cJSON *fp_view_build(const fp_diff *diff, const fp_view_opts *opts);

/* Appends "num/den (p%)"; "0/0 (n/a)" when den is 0. */
void fp_fraction_format(fp_buf *out, uint64_t num, uint64_t den);

/*
 * Appends the warnings a report of `diff` carries, one line each (ending
 * in '\n'), and returns how many: "the sides may be swapped: ..." when
 * every JUnit timestamp of the run before is later than every one of the
 * run after. The view has them as "warnings"; fp_report_render passes
 * them to its warn callback.
 */
size_t fp_report_warnings(fp_buf *out, const fp_diff *diff);

/* "Resolved", "Partially resolved", ... for an fp_verdict. */
const char *fp_verdict_label(int verdict);

/* "still failing", "newly collectable", ... for an fp_change: its name in
 * a report's words. */
const char *fp_change_label(int change);

/*
 * Appends the report's heading: "TITLE: Verdict label", or the label alone
 * when `title` is "". A NULL title is the default for the verdict: "Proof
 * of resolution" only for a resolved report.
 */
void fp_report_heading(fp_buf *out, int verdict, const char *title);

/* Called with each warning of a report (a template naming a missing key). */
typedef void (*fp_report_warn_fn)(void *ctx, const char *message);

typedef struct fp_report_opts {
	const char *template_name; /* built-in name or a file; NULL: "proof" */
	const char *templates_dir; /* templates and partials found here first; may be NULL */
	const char *title;         /* may be NULL */
	size_t max_chars;          /* 0: no limit; else the output's length cap in bytes */
	const char *note;          /* --note: text shown as its own section; may be NULL */
	int note_is_markdown;      /* the note is Markdown (--note-markdown), not text */
	int strict;                /* a template naming a missing key is an error */
	fp_report_warn_fn warn;    /* may be NULL: warnings are dropped */
	void *warn_ctx;
} fp_report_opts;

/*
 * Renders the report for `diff` as Markdown into `out`. Templates and
 * partials are looked up in templates_dir, then next to a template given as
 * a file, then among the built-in ones (templates/NAME.mustache compiled
 * in). With max_chars, a report that would be longer is rendered again with
 * less detail: unchanged tests first, then traces, then rows of the lists
 * from the least important (fixed, then the other changes, removed, newly
 * skipped, progressed, still failing, regressed last), then the target
 * table; the verdict, reasons and metrics always stay, no table is left
 * without rows, and the report says what it left out. A template naming a
 * key the view does not have is reported through opts->warn, once per
 * name, or is an error (FP_ETEMPLATE) with opts->strict. Returns 0,
 * FP_EUSAGE (no such template), FP_ETEMPLATE, or FP_ELIMIT when even the
 * shortest form is longer than max_chars.
 */
int fp_report_render(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts);

/*
 * Appends the text of a --note argument: `arg` itself, or with a leading
 * '@' the file it names (up to 1 MiB). Returns 0, FP_EUSAGE (cannot read)
 * or FP_ELIMIT (too large).
 */
int fp_report_read_note(fp_buf *out, const char *arg);

/*
 * Appends the view the report's templates get (fp_view_build with every
 * list in full, the note of opts included) as indented JSON.
 */
void fp_report_view_json(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts);

/* Names of the built-in templates, NULL-terminated. */
extern const char *const fp_report_builtin_templates[];

#endif
