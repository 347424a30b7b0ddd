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

#endif
