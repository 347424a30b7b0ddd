/*
 * cli_prove.c - the `prove` command: run the tests before and after a fix
 * (prove.h), then render the report over the captures as `report` does,
 * with report's own options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_capture.h"
#include "fixproof/error.h"
#include "fixproof/prove.h"

static const char prove_usage[] =
	"usage: fixproof prove --base REF [--head REF] [--tests PATHSPEC]... [--repeat N]\n"
	"                      [--keep DIR] [--timeout S] [--junit PATH]... [-q]\n"
	"                      [report options] -- COMMAND [ARG...]\n"
	"\n"
	"Runs COMMAND at the commit before the fix, in a temporary git worktree of REF,\n"
	"and in the working tree as it is (or in a worktree of --head), capturing each\n"
	"run as `fixproof capture` does, then prints the report over both, as\n"
	"`fixproof report` does. The worktrees are removed afterwards, also after an\n"
	"error or Ctrl-C.\n"
	"\n"
	"  --base REF          the commit before the fix (a branch, tag or SHA)\n"
	"  --head REF          the commit after it (default: the working tree)\n"
	"  --tests PATHSPEC    copy these paths from the head into the base before the\n"
	"                      run there (repeatable): the fix's new tests then run\n"
	"                      against the code without the fix. Without --target, the\n"
	"                      targets are the tests that fail before.\n"
	"  --repeat N          run each side N times (1 to 100): a target is fixed only\n"
	"                      if it passed in every run after and failed in every run\n"
	"                      before; results that disagree make it flaky\n"
	"  --keep DIR          keep the captures in DIR (empty or new), to read again\n"
	"                      with 'fixproof report --before DIR/before --after DIR/after'\n"
	"  --timeout S         stop a run after S seconds (recorded as cut short)\n"
	"  --junit PATH        for a runner other than pytest: where it writes JUnit XML\n"
	"  -q, --quiet         do not copy the test command's output to standard error\n"
	"\n"
	"Report options, as for 'fixproof report': --target PATTERN, --goal,\n"
	"--rules FILE, --fail-on WHEN, --template NAME|FILE, --templates DIR,\n"
	"--format FORMAT, --title TEXT, --note TEXT|@FILE, --note-markdown @FILE,\n"
	"--strict, --max-chars N, --step-summary, -o FILE.\n"
	"\n"
	"Exit status: as for report; 130 after Ctrl-C.\n";

/* Report options that take a value (as the next word, or after '='). */
static const char *const report_valued[] = {
	"--target", "--goal", "--rules", "--fail-on", "--template", "--templates", "--format",
	"--title", "--note", "--note-markdown", "--max-chars", "-o", "--output", NULL
};
static const char *const report_flags[] = { "--strict", "--step-summary", NULL };

/* Passes one report option at argv[*i] (and its value) on; 0 when it is none. */
static int take_report_option(fp_args *report, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t k;

	for (k = 0; report_flags[k]; k++) {
		if (strcmp(a, report_flags[k]) == 0) {
			fp_args_push(report, a);
			return 1;
		}
	}
	for (k = 0; report_valued[k]; k++) {
		if (!fp_args_is(a, report_valued[k]))
			continue;
		fp_args_push(report, a);
		if (!strchr(a, '=')) {
			if (*i + 1 >= argc)
				return fp_error_set(FP_EUSAGE, "option '%s' needs a value", a);
			fp_args_push(report, argv[++*i]);
		}
		return 1;
	}
	return 0;
}

static int parse_repeat(int *out, const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > FP_PROVE_MAX_REPEAT)
		return fp_error_set(FP_EUSAGE, "--repeat takes a number from 1 to %d, not '%s'",
				    FP_PROVE_MAX_REPEAT, v);
	*out = (int)n;
	return 0;
}

/* Lists that parsing fills and the command frees. */
typedef struct prove_lists {
	fp_args tests, junit, report;
} prove_lists;

/* One option of prove's own at argv[*i]: 1 taken, 0 not one, or an error. */
static int take_own(fp_prove_opts *o, prove_lists *l, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = NULL;
	int err = 0;

	if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
		o->echo = 0;
		return 1;
	}
	if (!fp_args_is(a, "--base") && !fp_args_is(a, "--head") && !fp_args_is(a, "--tests") &&
	    !fp_args_is(a, "--repeat") && !fp_args_is(a, "--keep") && !fp_args_is(a, "--timeout") &&
	    !fp_args_is(a, "--junit"))
		return 0;
	if (!(v = fp_args_value(argc, argv, i, a)))
		return FP_EUSAGE;
	if (fp_args_is(a, "--base"))
		o->base = v;
	else if (fp_args_is(a, "--head"))
		o->head = v;
	else if (fp_args_is(a, "--tests"))
		fp_args_push(&l->tests, v);
	else if (fp_args_is(a, "--repeat"))
		err = parse_repeat(&o->repeat, v);
	else if (fp_args_is(a, "--keep"))
		o->keep = v;
	else if (fp_args_is(a, "--timeout"))
		err = fp_cli_parse_seconds(&o->timeout, "--timeout", v);
	else
		fp_args_push(&l->junit, v);
	return err < 0 ? err : 1;
}

static int parse_prove(fp_prove_opts *o, prove_lists *l, int argc, char **argv)
{
	int i, taken;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (fp_cli_is_help(a)) {
			fputs(prove_usage, stdout);
			return FP_EHELP;
		}
		if (strcmp(a, "--") == 0 || a[0] != '-') {
			i += strcmp(a, "--") == 0;
			o->argv = (const char *const *)argv + i;
			o->argc = i < argc ? (size_t)(argc - i) : 0;
			return 0;
		}
		if ((taken = take_own(o, l, argc, argv, &i)) == 0)
			taken = take_report_option(&l->report, argc, argv, &i);
		if (taken < 0)
			return taken;
		if (taken == 0)
			return fp_error_set(FP_EUSAGE, "prove: unknown option '%s'; see "
					    "'fixproof prove --help'", a);
	}
	return fp_error_set(FP_EUSAGE, "prove: no COMMAND given; see 'fixproof prove --help'");
}

/* `report` over the captures, with the report options given to prove. */
static int report_on(const fp_prove *p, fp_args *report)
{
	fp_args argv = FP_ARGS_INIT;
	size_t i;
	int status;

	fp_args_push(&argv, "report");
	for (i = 0; i < report->n; i++)
		fp_args_push(&argv, report->v[i]);
	fp_args_push(&argv, "--before");
	for (i = 0; i < p->n; i++)
		fp_args_push(&argv, p->before[i]);
	fp_args_push(&argv, "--after");
	for (i = 0; i < p->n; i++)
		fp_args_push(&argv, p->after[i]);
	fp_args_push(&argv, NULL);
	status = fp_cli_report((int)argv.n - 1, (char **)argv.v);
	fp_args_free(&argv);
	return status;
}

int fp_cli_prove(int argc, char **argv)
{
	fp_prove_opts o;
	prove_lists l = { FP_ARGS_INIT, FP_ARGS_INIT, FP_ARGS_INIT };
	fp_prove *p = NULL;
	int err, status = FP_EXIT_OK;

	memset(&o, 0, sizeof(o));
	o.repeat = 1;
	o.echo = 1;
	err = parse_prove(&o, &l, argc, argv);
	o.tests = l.tests.v;
	o.ntests = l.tests.n;
	o.junit = l.junit.v;
	o.njunit = l.junit.n;
	if (err == 0) {
		fp_capture_catch_signals();
		err = fp_prove_run(&p, &o);
	}
	if (err == 0)
		status = report_on(p, &l.report);
	else if (err != FP_EHELP)
		status = fp_cli_fail(err);
	fp_prove_free(p);
	fp_args_free(&l.tests);
	fp_args_free(&l.junit);
	fp_args_free(&l.report);
	return status;
}
