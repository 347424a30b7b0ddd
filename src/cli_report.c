/*
 * cli_report.c - `fixproof report`: read both sides, diff them, and render
 * the report (Markdown, HTML, the diff model or the view).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_side.h"
#include "fixproof/diff.h"
#include "fixproof/error.h"
#include "fixproof/render.h"

#define STEP_SUMMARY_MAX (1024u * 1024u) /* GitHub drops a larger step summary */

typedef enum { FORMAT_MARKDOWN = 0, FORMAT_HTML, FORMAT_JSON, FORMAT_VIEW } report_format;

typedef struct report_opts {
	fp_cli_side side;
	const char *template_name, *templates_dir, *title, *note, *note_markdown;
	uint64_t max_chars;
	int format; /* report_format */
	int strict, step_summary, annotate;
} report_opts;

static const fp_opt_choice format_choices[] = {
	{ "markdown", FORMAT_MARKDOWN }, { "html", FORMAT_HTML }, { "json", FORMAT_JSON },
	{ "view", FORMAT_VIEW }, { "md", FORMAT_MARKDOWN }, { NULL, 0 }
};

static const fp_opt report_options[] = {
	FP_CLI_SIDE_OPTIONS(report_opts),
	FP_OPTION_STRING("template", 0, report_opts, template_name, "NAME|FILE",
			 "proof (default), pr-summary, executive, or a Mustache "
			 "file; a file may extend a built-in one with "
			 "{{<proof}}{{$block}}...{{/block}}{{/proof}}"),
	FP_OPTION_STRING("templates", 0, report_opts, templates_dir, "DIR",
			 "look for templates and partials in DIR first"),
	FP_OPTION_ENUM("format", 0, report_opts, format, "FORMAT", format_choices,
		       "markdown (default), html (a standalone page), "
		       "json (the diff model), or view (the JSON the "
		       "templates get: every key they can name)"),
	FP_OPTION_STRING("title", 0, report_opts, title, "TEXT",
			 "the report's title (default: Proof of resolution "
			 "when resolved, else Test results before and after "
			 "the fix); --title '' shows the verdict alone"),
	FP_OPTION_STRING("note", 0, report_opts, note, "TEXT|@FILE",
			 "the root cause and next steps in your words, shown "
			 "as their own section (proof, executive); text is "
			 "escaped like any input"),
	FP_OPTION_STRING("note-markdown", 0, report_opts, note_markdown, "@FILE",
			 "the same, but FILE is Markdown and kept as it is"),
	FP_OPTION_FLAG("strict", 0, report_opts, strict,
		       "a template naming a key the view does not have is "
		       "an error (without it, a warning)"),
	FP_OPTION_INT("max-chars", 0, report_opts, max_chars, "N", 1, SIZE_MAX,
		      "keep the Markdown within N bytes (not characters; "
		      "a GitHub comment holds 65536): unchanged tests go "
		      "first, then traces, then rows of the least "
		      "important lists (fixed first, regressions last); "
		      "never the verdict, the reasons or the metrics"),
	FP_OPTION_FLAG("step-summary", 0, report_opts, step_summary,
		       "also append the Markdown to $GITHUB_STEP_SUMMARY "
		       "(kept within GitHub's 1 MiB)"),
	FP_OPTION_FLAG("annotate", 0, report_opts, annotate,
		       "also print the annotations 'fixproof annotate' prints, on "
		       "standard error, so one GitHub Actions step reports and annotates"),
	FP_OPTION_END
};

static const fp_opt_command report_command = {
	"report",
	"--before INPUT... --after INPUT... [--target PATTERN]...\n"
	"                       [--template NAME|FILE] [--templates DIR]\n"
	"                       [--format markdown|html|json|view] [--title TEXT]\n"
	"                       [--note TEXT|@FILE] [--note-markdown @FILE] [--strict]\n"
	"                       [--max-chars N] [--step-summary] [--annotate]\n"
	"                       [--rules FILE] [--fail-on WHEN] [-o FILE]",
	"Renders the proof-of-resolution report: the verdict and its reasons first,\n"
	"the metrics before and after, failures per category, the target tests with\n"
	"their evidence, then every change, with long lists folded. Every figure\n"
	"comes from the inputs, which the report lists with their sha256.\n",
	report_options, NULL, 0, NULL, NULL,
	0
};

/* Appends the Markdown report to $GITHUB_STEP_SUMMARY, within 1 MiB in all. */
static int write_step_summary(const fp_diff *diff, const fp_report_opts *ro, const fp_buf *md)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	fp_report_opts small = *ro;
	fp_buf again = FP_BUF_INIT;
	const fp_buf *body = md;
	struct stat st;
	size_t room;
	FILE *f;
	int err = 0;

	if (!path || !*path)
		return fp_error_set(FP_EUSAGE, "--step-summary: GITHUB_STEP_SUMMARY is not set "
				    "(it is set inside GitHub Actions)");
	room = STEP_SUMMARY_MAX;
	if (stat(path, &st) == 0 && st.st_size > 0)
		room = (size_t)st.st_size >= room ? 0 : room - (size_t)st.st_size;
	if (room < 1024)
		return fp_error_set(FP_ELIMIT, "cannot append to $GITHUB_STEP_SUMMARY '%s': it is "
				    "already near GitHub's 1 MiB limit", path);
	if (md->len + 1 > room || (ro->max_chars && ro->max_chars > room - 1)) {
		small.max_chars = room - 1;
		if ((err = fp_report_render(&again, diff, &small)) < 0)
			goto out;
		body = &again;
	}
	if (!(f = fopen(path, "a"))) {
		err = fp_error_set(FP_EIO, "cannot write $GITHUB_STEP_SUMMARY '%s': %s", path,
				   strerror(errno));
		goto out;
	}
	/* Each step is checked: a full disk shows on the write or the flush. */
	if (fwrite(body->ptr, 1, body->len, f) != body->len || fputc('\n', f) == EOF ||
	    fflush(f) != 0)
		err = fp_error_set(FP_EIO, "cannot write $GITHUB_STEP_SUMMARY '%s': %s", path,
				   strerror(errno));
	if (fclose(f) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot write $GITHUB_STEP_SUMMARY '%s': %s", path,
				   strerror(errno));
out:
	fp_buf_free(&again);
	return err;
}

/* A warning of the report (a template naming a key the view lacks). */
static void report_warn(void *ctx, const char *message)
{
	(void)ctx;
	fp_cli_warnf("%s", message);
}

/* Reads --note TEXT|@FILE or --note-markdown [@]FILE into `note`. */
static int read_note(fp_buf *note, fp_report_opts *ro, const char *arg)
{
	fp_buf at = FP_BUF_INIT;
	int err;

	if (ro->note_is_markdown && arg[0] != '@')
		fp_buf_putc(&at, '@');
	fp_buf_puts(&at, arg);
	err = fp_report_read_note(note, at.ptr);
	ro->note = note->ptr;
	fp_buf_free(&at);
	return err;
}

/* The Markdown (or the view) and, for --format html, the page. */
static int render_formats(fp_buf *md, fp_buf *html, const fp_diff *diff,
			  const fp_report_opts *ro, report_format format, int step_summary)
{
	fp_buf heading = FP_BUF_INIT;
	int err = 0;

	if (format == FORMAT_VIEW)
		fp_report_view_json(md, diff, ro);
	else if (format != FORMAT_JSON || step_summary)
		err = fp_report_render(md, diff, ro);
	if (err == 0 && format == FORMAT_HTML) {
		fp_report_heading(&heading, diff->verdict, ro->title);
		err = fp_html_report_page(html, md->ptr, md->len, heading.ptr,
					  diff->verdict);
	}
	fp_buf_free(&heading);
	return err;
}

/* Writes the diff model (--format json) or the rendered text to `out`. */
static int write_format(fp_output *out, const fp_diff *diff, const fp_buf *text,
			report_format format)
{
	if (format == FORMAT_JSON)
		return fp_diff_write_json(diff, out->f, 0);
	fwrite(text->ptr, 1, text->len, out->f);
	return 0;
}

/* The report options of `o`; the note, when there is one, is read into `note`. */
static int report_setup(fp_report_opts *ro, fp_buf *note, const report_opts *o)
{
	int err;

	if ((err = fp_cli_side_check(&o->side, "report")) < 0)
		return err;
	if (o->note && o->note_markdown)
		return fp_error_set(FP_EUSAGE, "report: give --note or --note-markdown, not both");
	ro->template_name = o->template_name;
	ro->templates_dir = o->templates_dir;
	ro->title = o->title;
	ro->max_chars = (size_t)o->max_chars;
	ro->strict = o->strict;
	ro->warn = report_warn;
	ro->note_is_markdown = o->note_markdown != NULL;
	if (o->note || o->note_markdown)
		return read_note(note, ro, o->note ? o->note : o->note_markdown);
	return 0;
}

int fp_cli_report(int argc, char **argv)
{
	report_opts o;
	fp_report_opts ro;
	fp_run *before = NULL, *after = NULL;
	fp_diff *diff = NULL;
	fp_output out = FP_OUTPUT_INIT;
	fp_buf md = FP_BUF_INIT, html = FP_BUF_INIT, note = FP_BUF_INIT;
	report_format format;
	int err, status;

	memset(&o, 0, sizeof(o));
	memset(&ro, 0, sizeof(ro));
	err = fp_opt_parse(&report_command, &o, argc, argv);
	format = (report_format)o.format;
	if (err == 0)
		err = report_setup(&ro, &note, &o);
	if (err == 0)
		err = fp_cli_side_diff(&diff, &before, &after, &o.side, "report");
	if (err == 0)
		err = render_formats(&md, &html, diff, &ro, format, o.step_summary);
	if (err == 0)
		err = fp_output_open(&out, o.side.output);
	if (err == 0)
		err = write_format(&out, diff, format == FORMAT_HTML ? &html : &md, format);
	err = fp_output_finish(&out, err);
	if (err == 0 && o.step_summary)
		err = write_step_summary(diff, &ro, &md);
	if (err == 0 && o.annotate)
		err = fp_cli_annotate_diff(stderr, diff, NULL);
	fp_output_abort(&out);
	status = err < 0 ? fp_cli_status(err) : fp_cli_side_status(&o.side, diff);
	fp_buf_free(&md);
	fp_buf_free(&html);
	fp_buf_free(&note);
	fp_diff_free(diff);
	fp_run_free(before);
	fp_run_free(after);
	fp_cli_side_free(&o.side);
	fp_opt_free(&report_command, &o);
	return status;
}
