/*
 * cli_capture.c - the `capture` command: run the tests once and keep the
 * evidence (results, output, provenance) in a capture directory.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_capture.h"
#include "fixproof/capture.h"
#include "fixproof/error.h"
#include "fixproof/parse.h"

typedef struct capture_args {
	fp_args command, junit;
	const char *dir, *label, *timeout;
	int quiet;
} capture_args;

static const fp_opt capture_options[] = {
	FP_OPTION_STRING("output", 'o', capture_args, dir, "DIR",
			 "the capture directory (default .fixproof/runs/LABEL under the "
			 "repository's top); it must be empty or new"),
	FP_OPTION_STRING("label", 0, capture_args, label, "NAME",
			 "the capture's name (default: the start time, UTC)"),
	FP_OPTION_REPEAT("junit", 0, capture_args, junit, "PATH",
			 "for another runner: where it writes JUnit XML, a file, a "
			 "directory or a glob (repeatable); files newer than the start "
			 "are copied to DIR/junit/"),
	FP_OPTION_STRING("timeout", 0, capture_args, timeout, "S",
			 "stop the command (its whole process group: SIGTERM, then "
			 "SIGKILL 3 s later) after S seconds; the run is recorded as cut short"),
	FP_OPTION_FLAG("quiet", 'q', capture_args, quiet,
		       "do not copy the command's output to standard error "
		       "(fixproof's own warnings still show)"),
	FP_OPTION_END
};

static const fp_opt_command capture_command = {
	"capture",
	"[-o DIR] [--label NAME] [--junit PATH]... [--timeout S]\n"
	"                        [-q] -- COMMAND [ARG...]",
	"Runs COMMAND once and keeps the evidence of the run in one directory, which\n"
	"`fixproof report --before DIR` reads: its results, its output, and\n"
	"provenance.json (the command, directory, exit status, start and end in UTC,\n"
	"duration, git commit, branch and dirty paths, Python and pytest versions,\n"
	"host, and in GitHub Actions the run). Prints the directory.\n"
	"\n"
	"For pytest (pytest, py.test, python -m pytest, any path to them) fixproof\n"
	"runs a --collect-only -q pass (collect-only.txt, with standard error), then\n"
	"the run with --junitxml=DIR/junit.xml -p no:cacheprovider (run.log), both\n"
	"with your own arguments. A failing test run is normal: capture succeeds.\n",
	capture_options, "COMMAND [ARG...]", offsetof(capture_args, command),
	"the test command: the options end at its first word (or at --)",
	"Ctrl-C stops the command and everything it started, records the run as\n"
	"cut short, and exits 130.\n",
	FP_OPT_ARGS_END_OPTIONS
};

int fp_cli_parse_seconds(double *out, const char *opt, const char *v)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(s) || s <= 0 || s > 1e9)
		return fp_error_set(FP_EUSAGE, "%s takes a positive number of seconds, not '%s'", opt, v);
	*out = s;
	return 0;
}

/* Reads the options into `o`; its lists point into `a`. */
static int parse_capture(fp_capture_opts *o, capture_args *a, int argc, char **argv)
{
	int err = fp_opt_parse(&capture_command, a, argc, argv);

	if (err < 0)
		return err;
	if (a->timeout && fp_cli_parse_seconds(&o->timeout, "--timeout", a->timeout) < 0) {
		char *why = fp_xstrdup(fp_error_message());

		err = fp_error_set(FP_EUSAGE, "capture: %s; see 'fixproof capture --help'", why);
		free(why);
		return err;
	}
	if (a->command.n == 0)
		return fp_error_set(FP_EUSAGE, "capture: no COMMAND given; see 'fixproof capture --help'");
	o->dir = a->dir;
	o->label = a->label;
	o->echo = !a->quiet;
	o->junit = a->junit.v;
	o->njunit = a->junit.n;
	o->argv = a->command.v;
	o->argc = a->command.n;
	return 0;
}

void fp_cli_capture_said(const fp_capture *c)
{
	const fp_provenance *p = c->prov;

	if (p->cut_short && strcmp(p->cut_short, "timeout") == 0)
		fp_cli_warnf("'%s' was stopped after the %g s timeout: the run is recorded as cut "
			     "short", p->argv[0], p->timeout);
	if (p->nresults == 0)
		fp_cli_warnf("'%s' wrote no results: the run never started%s", p->argv[0],
			     p->stderr_tail ? " (its standard error is in provenance.json)" : "");
}

int fp_cli_capture(int argc, char **argv)
{
	fp_capture_opts o;
	capture_args a;
	fp_capture *c = NULL;
	int err;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	err = parse_capture(&o, &a, argc, argv);
	if (err == 0) {
		fp_capture_catch_signals();
		err = fp_capture_run(&c, &o);
	}
	if (c) {
		fp_cli_capture_said(c);
		printf("%s\n", c->dir);
	}
	fp_capture_free(c);
	fp_opt_free(&capture_command, &a);
	return fp_cli_status(err);
}

/* ---- capture directories as inputs of diff and report ---- */

/* The runs directory: .fixproof/runs here, else at the repository's top. */
static void runs_dir(fp_buf *out)
{
	static const char *const top_argv[] = { "git", "rev-parse", "--show-toplevel", NULL };
	fp_buf top = FP_BUF_INIT;
	struct stat st;

	fp_buf_puts(out, FP_CAPTURE_RUNS);
	if (stat(out->ptr, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	if (fp_capture_output(&top, NULL, top_argv, NULL) == 0 && top.len > 1) {
		fp_buf_truncate(&top, top.len - (top.ptr[top.len - 1] == '\n'));
		fp_buf_clear(out);
		fp_buf_printf(out, "%s/%s", top.ptr, FP_CAPTURE_RUNS);
	}
	fp_error_clear();
	fp_buf_free(&top);
}

/* Counts each test's results in one capture, for a side of several. */
static int tally_capture(fp_provenance *p, const char *const *paths, size_t n)
{
	fp_run *run = NULL;
	fp_buf id = FP_BUF_INIT;
	size_t i;
	int err;

	if ((err = fp_parse_inputs(&run, paths, n, NULL, NULL)) < 0)
		return err;
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		if (!(t->flags & FP_TEST_RESULT) || (t->flags & FP_TEST_SESSION))
			continue;
		fp_buf_clear(&id);
		fp_test_id(&id, t);
		fp_provenance_count_add(p, id.ptr, t->status == FP_STATUS_PASSED,
					t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR);
	}
	fp_buf_free(&id);
	fp_run_free(run);
	return 0;
}

/* Replaces each capture directory of `side` by its result files; the
 * first capture's record becomes the side's provenance and, when the side
 * names several, counts each test's results over them. */
static int expand_side(fp_cli_captures *c, fp_args *side, int which)
{
	fp_args out = FP_ARGS_INIT;
	size_t *groups = fp_xcalloc(side->n + 1, sizeof(size_t)); /* first path of each capture */
	char **paths;
	size_t i, k, n, captures = 0;
	int err = 0;

	for (i = 0; i < side->n && err == 0; i++) {
		err = fp_capture_results(&paths, &n, side->v[i]);
		if (err == FP_ENOTFOUND) {
			fp_args_push(&out, side->v[i]);
			err = 0;
			continue;
		}
		if (err < 0 || (captures == 0 && (err = fp_provenance_load(&c->prov[which], side->v[i])) < 0))
			break;
		groups[captures++] = out.n;
		for (k = 0; k < n; k++) {
			c->owned = fp_xrealloc(c->owned, (c->nowned + 1) * sizeof(char *));
			c->owned[c->nowned++] = paths[k];
			fp_args_push(&out, paths[k]);
		}
		free(paths);
		groups[captures] = out.n;
	}
	if (err == 0 && captures > 1) {
		c->prov[which]->runs = (int)captures;
		for (i = 0; i < captures && err == 0; i++)
			err = tally_capture(c->prov[which], out.v + groups[i], groups[i + 1] - groups[i]);
		fp_provenance_counts_finish(c->prov[which]);
	}
	free(groups);
	fp_args_free(side);
	*side = out;
	return err;
}

int fp_cli_captures_expand(fp_cli_captures *c, fp_args *before, fp_args *after)
{
	fp_buf runs = FP_BUF_INIT;
	int err = 0;

	if (before->n == 0 && after->n == 0) {
		runs_dir(&runs);
		err = fp_capture_latest(&c->latest[0], &c->latest[1], runs.ptr);
		fp_buf_free(&runs);
		if (err < 0)
			return err;
		fp_args_push(before, c->latest[0]);
		fp_args_push(after, c->latest[1]);
	}
	if ((err = expand_side(c, before, 0)) < 0)
		return err;
	return expand_side(c, after, 1);
}

void fp_cli_captures_free(fp_cli_captures *c)
{
	size_t i;

	for (i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->latest[0]);
	free(c->latest[1]);
	fp_provenance_free(c->prov[0]);
	fp_provenance_free(c->prov[1]);
	memset(c, 0, sizeof(*c));
}
