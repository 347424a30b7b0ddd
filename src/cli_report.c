/*
 * cli_report.c - the `diff` and `report` commands: read both sides, diff
 * them, and print the diff model or render the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_capture.h"
#include "fixproof/diff.h"
#include "fixproof/error.h"
#include "fixproof/render.h"
#include "fixproof/util.h"

#define STEP_SUMMARY_MAX (1024u * 1024u) /* GitHub drops a larger step summary */

/* What --fail-on asks for. */
typedef enum { FAIL_NEVER = 0, FAIL_REGRESSED, FAIL_UNRESOLVED, FAIL_ANY } fail_on;

/* The options `diff` and `report` share. */
typedef struct side_opts {
	fp_args before, after, targets;
	const char *rules_path;
	const char *output;
	fail_on fail;
	fp_goal goal;
	fp_cli_captures captures; /* capture directories among the inputs */
} side_opts;

static int parse_fail_on(fail_on *out, const char *v)
{
	if (strcmp(v, "regressed") == 0)
		*out = FAIL_REGRESSED;
	else if (strcmp(v, "unresolved") == 0)
		*out = FAIL_UNRESOLVED;
	else if (strcmp(v, "any") == 0)
		*out = FAIL_ANY;
	else if (strcmp(v, "never") == 0)
		*out = FAIL_NEVER;
	else
		return fp_error_set(FP_EUSAGE, "--fail-on takes regressed, unresolved, any or never, not '%s'", v);
	return 0;
}

/*
 * Takes one shared option at argv[*i]. Returns 1 when taken, 0 when the
 * option is not a shared one, or a negative error.
 */
static int take_shared(side_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (fp_args_is(a, "--before") || fp_args_is(a, "--after")) {
		fp_args *list = a[2] == 'b' ? &o->before : &o->after;
		const char *eq = strchr(a, '=');

		if (eq)
			fp_args_push(list, eq + 1);
		if (!fp_args_take_list(list, argc, argv, i) && !eq)
			return fp_error_set(FP_EUSAGE, "option '%.8s' needs at least one INPUT", a);
		return 1;
	}
	if (fp_args_is(a, "--target")) {
		if (!(v = fp_args_value(argc, argv, i, "--target")))
			return FP_EUSAGE;
		if (!*v)
			return fp_error_set(FP_EUSAGE, "--target needs a non-empty PATTERN");
		fp_args_push(&o->targets, v);
		return 1;
	}
	if (fp_args_is(a, "--rules")) {
		if (!(o->rules_path = fp_args_value(argc, argv, i, "--rules")))
			return FP_EUSAGE;
		return 1;
	}
	if (fp_args_is(a, "-o") || fp_args_is(a, "--output")) {
		if (!(o->output = fp_args_value(argc, argv, i, "-o")))
			return FP_EUSAGE;
		return 1;
	}
	if (fp_args_is(a, "--goal")) {
		if (!(v = fp_args_value(argc, argv, i, "--goal")))
			return FP_EUSAGE;
		if (strcmp(v, "pass") == 0)
			o->goal = FP_GOAL_PASS;
		else if (strcmp(v, "reach") == 0)
			o->goal = FP_GOAL_REACH;
		else
			return fp_error_set(FP_EUSAGE, "--goal takes pass or reach, not '%s'", v);
		return 1;
	}
	if (fp_args_is(a, "--fail-on")) {
		int err;

		if (!(v = fp_args_value(argc, argv, i, "--fail-on")))
			return FP_EUSAGE;
		if ((err = parse_fail_on(&o->fail, v)) < 0)
			return err;
		return 1;
	}
	if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
		fp_cli_set_quiet(1);
		return 1;
	}
	return 0;
}

static void side_opts_free(side_opts *o)
{
	fp_args_free(&o->before);
	fp_args_free(&o->after);
	fp_args_free(&o->targets);
	fp_cli_captures_free(&o->captures);
}

/* Reads, classifies and diffs both sides. */
static int load_diff(fp_diff **out, fp_run **before, fp_run **after, side_opts *o,
		     const char *cmd)
{
	fp_rules *rules = NULL;
	int err;

	if ((o->before.n == 0) != (o->after.n == 0))
		return fp_error_set(FP_EUSAGE, "%s: both --before and --after are needed (or neither, "
				    "for the two newest captures); see 'fixproof %s --help'", cmd, cmd);
	if ((err = fp_cli_captures_expand(&o->captures, &o->before, &o->after)) < 0)
		return err;
	if ((err = fp_cli_load_rules(&rules, o->rules_path)) < 0)
		return err;
	err = fp_cli_read_runs(before, after, &o->before, &o->after, rules);
	if (err == 0)
		{
		fp_diff_opts dopts = { o->targets.v, o->targets.n, o->goal };

		err = fp_diff_runs(out, *before, *after, &dopts);
		if (err == 0) {
			(*out)->provenance[0] = o->captures.prov[0];
			(*out)->provenance[1] = o->captures.prov[1];
		}
	}
	fp_rules_free(rules);
	return err;
}

/* `unblocked` is a success only for a fix whose goal was to reach the
 * code under test (--goal reach); it is never given otherwise. */
static int verdict_fails(fail_on f, fp_verdict v, fp_goal goal)
{
	int success = v == FP_VERDICT_RESOLVED || (goal == FP_GOAL_REACH && v == FP_VERDICT_UNBLOCKED);

	switch (f) {
	case FAIL_REGRESSED: return v == FP_VERDICT_REGRESSED;
	case FAIL_UNRESOLVED: return !success && v != FP_VERDICT_PARTIALLY_RESOLVED;
	case FAIL_ANY: return !success;
	default: return 0;
	}
}

/* The exit status once the output is written: 1 when --fail-on says so. */
static int final_status(const side_opts *o, const fp_diff *d)
{
	if (verdict_fails(o->fail, d->verdict, d->goal)) {
		fp_cli_warnf("verdict is %s (--fail-on)", fp_verdict_name(d->verdict));
		return FP_EXIT_VERDICT;
	}
	return FP_EXIT_OK;
}

/* ---- diff ---- */

static const char diff_usage[] =
	"usage: fixproof diff --before INPUT... --after INPUT... [--target PATTERN]...\n"
	"                     [--goal pass|reach] [--rules FILE] [--fail-on WHEN]\n"
	"                     [--changed-only] [-o FILE]\n"
	"\n"
	"Compares the test results before a fix with those after it and prints the\n"
	"diff model (schema fixproof.diff/1) as JSON: the verdict and its reasons,\n"
	"what changed for every test, failures per category and cause, the\n"
	"transition matrix, and the metrics with their numerators and denominators.\n"
	"\n"
	"  --before INPUT...  result files of the run before the fix: JUnit XML,\n"
	"                     pytest --collect-only output, directories, capture\n"
	"                     directories (fixproof capture), or -\n"
	"  --after INPUT...   the same for the run after the fix; with neither, the\n"
	"                     two newest captures in .fixproof/runs\n"
	"  --target PATTERN   a test the fix is about (repeatable): a substring of its\n"
	"                     id, or a glob with * and ?; without it, every test that\n"
	"                     failed before is a target. A pattern that matches no\n"
	"                     test is an error.\n"
	"  --rules FILE       classification rules (JSON) tried before the defaults\n"
	"  --goal GOAL        pass (default): the targets must pass; reach: the fix\n"
	"                     only has to let them reach the code under test, and\n"
	"                     the verdict is unblocked when it does\n"
	"  --fail-on WHEN     exit 1 when the verdict is: regressed; unresolved\n"
	"                     (regressed, unresolved or inconclusive); any (anything\n"
	"                     but resolved, or unblocked with --goal reach); never\n"
	"                     (the default)\n"
	"  --changed-only     leave unchanged tests out of \"tests\" (still counted)\n"
	"  -o FILE            write to FILE (it appears only when complete)\n"
	"  -q, --quiet        no warnings on standard error\n"
	"\n"
	"Verdicts: resolved, partially_resolved, unresolved, regressed, inconclusive,\n"
	"and unblocked (with --goal reach).\n";

int fp_cli_diff(int argc, char **argv)
{
	side_opts o;
	fp_run *before = NULL, *after = NULL;
	fp_diff *diff = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int i, err = 0, status, changed_only = 0;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc && err == 0; i++) {
		int taken;

		if (fp_cli_is_help(argv[i])) {
			fputs(diff_usage, stdout);
			side_opts_free(&o);
			return FP_EXIT_OK;
		}
		if ((taken = take_shared(&o, argc, argv, &i)) != 0) {
			err = taken < 0 ? taken : 0;
		} else if (strcmp(argv[i], "--changed-only") == 0) {
			changed_only = 1;
		} else {
			err = fp_error_set(FP_EUSAGE, "diff: unexpected argument '%s'; see 'fixproof diff --help'",
					   argv[i]);
		}
	}
	if (err == 0)
		err = load_diff(&diff, &before, &after, &o, "diff");
	if (err == 0)
		err = fp_output_open(&out, o.output);
	if (err == 0)
		err = fp_output_finish(&out, fp_diff_write_json(diff, out.f, changed_only));
	fp_output_abort(&out);
	status = err < 0 ? fp_cli_fail(err) : final_status(&o, diff);
	fp_diff_free(diff);
	fp_run_free(before);
	fp_run_free(after);
	side_opts_free(&o);
	return status;
}

/* ---- report ---- */

static const char report_usage[] =
	"usage: fixproof report --before INPUT... --after INPUT... [--target PATTERN]...\n"
	"                       [--template NAME|FILE] [--templates DIR]\n"
	"                       [--format markdown|html|json|view] [--title TEXT]\n"
	"                       [--note TEXT|@FILE] [--note-markdown @FILE] [--strict]\n"
	"                       [--max-chars N] [--step-summary] [--rules FILE]\n"
	"                       [--fail-on WHEN] [-o FILE]\n"
	"\n"
	"Renders the proof-of-resolution report: the verdict and its reasons first,\n"
	"the metrics before and after, failures per category, the target tests with\n"
	"their evidence, then every change, with long lists folded. Every figure\n"
	"comes from the inputs, which the report lists with their sha256.\n"
	"\n"
	"  --before, --after, --target, --goal, --rules, --fail-on   as for 'fixproof diff'\n"
	"  --template NAME|FILE  proof (default), pr-summary, executive, or a Mustache\n"
	"                        file; a file may extend a built-in one with\n"
	"                        {{<proof}}{{$block}}...{{/block}}{{/proof}}\n"
	"  --templates DIR       look for templates and partials in DIR first\n"
	"  --format FORMAT       markdown (default), html (a standalone page),\n"
	"                        json (the diff model), or view (the JSON the\n"
	"                        templates get: every key they can name)\n"
	"  --title TEXT          the report's title (default: Proof of resolution\n"
	"                        when resolved, else Test results before and after\n"
	"                        the fix); --title '' shows the verdict alone\n"
	"  --note TEXT|@FILE     the root cause and next steps in your words, shown\n"
	"                        as their own section (proof, executive); text is\n"
	"                        escaped like any input\n"
	"  --note-markdown @FILE the same, but FILE is Markdown and kept as it is\n"
	"  --strict              a template naming a key the view does not have is\n"
	"                        an error (without it, a warning)\n"
	"  --max-chars N         keep the Markdown within N bytes (not characters;\n"
	"                        a GitHub comment holds 65536): unchanged tests go\n"
	"                        first, then traces, then rows of the least\n"
	"                        important lists (fixed first, regressions last);\n"
	"                        never the verdict, the reasons or the metrics\n"
	"  --step-summary        also append the Markdown to $GITHUB_STEP_SUMMARY\n"
	"                        (kept within GitHub's 1 MiB)\n"
	"  -o FILE               write to FILE (it appears only when complete)\n";

typedef enum { FORMAT_MARKDOWN = 0, FORMAT_HTML, FORMAT_JSON, FORMAT_VIEW } report_format;

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
		return fp_error_set(FP_ELIMIT, "cannot append to '%s': the step summary is already "
				    "near GitHub's 1 MiB limit", path);
	if (md->len + 1 > room || (ro->max_chars && ro->max_chars > room - 1)) {
		small.max_chars = room - 1;
		if ((err = fp_report_render(&again, diff, &small)) < 0)
			goto out;
		body = &again;
	}
	if (!(f = fopen(path, "a"))) {
		err = fp_error_set(FP_EIO, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	fwrite(body->ptr, 1, body->len, f);
	fputc('\n', f);
	if (fclose(f) != 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", path, strerror(errno));
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

static int parse_format(report_format *out, const char *v)
{
	static const char *const names[] = { "markdown", "html", "json", "view" };
	size_t k;

	if (strcmp(v, "md") == 0)
		v = "markdown";
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(v, names[k]) == 0) {
			*out = (report_format)k;
			return 0;
		}
	}
	return fp_error_set(FP_EUSAGE, "--format takes markdown, html, json or view, not '%s'", v);
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

static int parse_size(size_t *out, const char *v)
{
	uint64_t n;

	if (fp_uint_parse(&n, v, strlen(v), 1, SIZE_MAX, NULL) < 0)
		return fp_error_set(FP_EUSAGE, "--max-chars takes a positive number, not '%s'", v);
	*out = (size_t)n;
	return 0;
}

int fp_cli_report(int argc, char **argv)
{
	side_opts o;
	fp_report_opts ro;
	report_format format = FORMAT_MARKDOWN;
	fp_run *before = NULL, *after = NULL;
	fp_diff *diff = NULL;
	fp_output out = FP_OUTPUT_INIT;
	fp_buf md = FP_BUF_INIT, html = FP_BUF_INIT, note = FP_BUF_INIT;
	const char *note_arg = NULL;
	int i, err = 0, status, step_summary = 0;

	memset(&o, 0, sizeof(o));
	memset(&ro, 0, sizeof(ro));
	for (i = 1; i < argc && err == 0; i++) {
		const char *a = argv[i], *v;
		int taken;

		if (fp_cli_is_help(a)) {
			fputs(report_usage, stdout);
			side_opts_free(&o);
			return FP_EXIT_OK;
		}
		if ((taken = take_shared(&o, argc, argv, &i)) != 0) {
			err = taken < 0 ? taken : 0;
		} else if (fp_args_is(a, "--template")) {
			if (!(ro.template_name = fp_args_value(argc, argv, &i, "--template")))
				err = FP_EUSAGE;
		} else if (fp_args_is(a, "--templates")) {
			if (!(ro.templates_dir = fp_args_value(argc, argv, &i, "--templates")))
				err = FP_EUSAGE;
		} else if (fp_args_is(a, "--title")) {
			if (!(ro.title = fp_args_value(argc, argv, &i, "--title")))
				err = FP_EUSAGE;
		} else if (fp_args_is(a, "--max-chars")) {
			if (!(v = fp_args_value(argc, argv, &i, "--max-chars")))
				err = FP_EUSAGE;
			else
				err = parse_size(&ro.max_chars, v);
		} else if (fp_args_is(a, "--format")) {
			if (!(v = fp_args_value(argc, argv, &i, "--format")))
				err = FP_EUSAGE;
			else
				err = parse_format(&format, v);
		} else if (fp_args_is(a, "--note") || fp_args_is(a, "--note-markdown")) {
			ro.note_is_markdown = a[6] == '-'; /* --note TEXT|@FILE, --note-markdown @FILE */
			note_arg = fp_args_value(argc, argv, &i, ro.note_is_markdown ? "--note-markdown" : "--note");
			err = note_arg ? 0 : FP_EUSAGE;
		} else if (strcmp(a, "--strict") == 0) {
			ro.strict = 1;
		} else if (strcmp(a, "--step-summary") == 0) {
			step_summary = 1;
		} else {
			err = fp_error_set(FP_EUSAGE, "report: unexpected argument '%s'; see "
					   "'fixproof report --help'", a);
		}
	}
	ro.warn = report_warn;
	if (err == 0 && (!note_arg || (err = read_note(&note, &ro, note_arg)) == 0))
		err = load_diff(&diff, &before, &after, &o, "report");
	if (err == 0)
		err = render_formats(&md, &html, diff, &ro, format, step_summary);
	if (err == 0)
		err = fp_output_open(&out, o.output);
	if (err == 0)
		err = write_format(&out, diff, format == FORMAT_HTML ? &html : &md, format);
	err = fp_output_finish(&out, err);
	if (err == 0 && step_summary)
		err = write_step_summary(diff, &ro, &md);
	fp_output_abort(&out);
	status = err < 0 ? fp_cli_fail(err) : final_status(&o, diff);
	fp_buf_free(&md);
	fp_buf_free(&html);
	fp_buf_free(&note);
	fp_diff_free(diff);
	fp_run_free(before);
	fp_run_free(after);
	side_opts_free(&o);
	return status;
}
