/*
 * cli_prove.c - the `prove` command: run the tests before and after a fix
 * (prove.h), then render the report over the captures as `report` does,
 * with report's own options.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_capture.h"
#include "fixproof/error.h"
#include "fixproof/prove.h"

typedef struct prove_args {
	fp_args command, tests, junit;
	const char *base, *head, *keep, *timeout;
	long long repeat;
	int quiet;
} prove_args;

static const fp_opt prove_options[] = {
	FP_OPTION_STRING("base", 0, prove_args, base, "REF",
			 "the commit before the fix (a branch, tag or SHA)"),
	FP_OPTION_STRING("head", 0, prove_args, head, "REF",
			 "the commit after it (default: the working tree as it is)"),
	FP_OPTION_REPEAT("tests", 0, prove_args, tests, "PATHSPEC",
			 "copy these paths from the head into the base before the run "
			 "there (repeatable): the fix's new tests then run against the "
			 "code without the fix. Without --target, the targets are the "
			 "tests that fail before."),
	FP_OPTION_INT("repeat", 0, prove_args, repeat, "N", 1, FP_PROVE_MAX_REPEAT,
		      "run each side N times (1 to 100): a target is fixed only if it "
		      "passed in every run after and failed in every run before; "
		      "results that disagree make it flaky"),
	FP_OPTION_STRING("keep", 0, prove_args, keep, "DIR",
			 "keep the captures in DIR (empty or new): DIR/before and "
			 "DIR/after, which 'fixproof report' reads again"),
	FP_OPTION_STRING("timeout", 0, prove_args, timeout, "S",
			 "stop a run after S seconds (recorded as cut short)"),
	FP_OPTION_REPEAT("junit", 0, prove_args, junit, "PATH",
			 "for a runner other than pytest: where it writes JUnit XML"),
	FP_OPTION_FLAG("quiet", 'q', prove_args, quiet,
		       "do not copy the test command's output to standard error"),
	FP_OPTION_END
};

static const fp_opt_command prove_command = {
	"prove",
	"--base REF [--head REF] [--tests PATHSPEC]... [--repeat N]\n"
	"                      [--keep DIR] [--timeout S] [--junit PATH]... [-q]\n"
	"                      [report options] -- COMMAND [ARG...]",
	"Runs COMMAND at the commit before the fix, in a temporary git worktree of REF,\n"
	"and in the working tree as it is (or in a worktree of --head), capturing each\n"
	"run as `fixproof capture` does, then prints the report over both, as\n"
	"`fixproof report` does. The worktrees are removed afterwards, also after an\n"
	"error or Ctrl-C.\n",
	prove_options, "COMMAND [ARG...]", offsetof(prove_args, command),
	"the test command: the options end at its first word (or at --)",
	"Report options, as for 'fixproof report': --target PATTERN, --goal GOAL,\n"
	"--rules FILE, --fail-on WHEN, --template NAME|FILE, --templates DIR,\n"
	"--format FORMAT, --title TEXT, --note TEXT|@FILE, --note-markdown @FILE,\n"
	"--strict, --max-chars N, --step-summary, -o FILE.\n"
	"\n"
	"Exit status: as for report; 130 after Ctrl-C.\n",
	FP_OPT_ARGS_END_OPTIONS
};

/* Report options that take a value (as the next word, or after '='). */
static const char *const report_valued[] = {
	"target", "goal", "rules", "fail-on", "template", "templates", "format", "title", "note",
	"note-markdown", "max-chars", "output", NULL
};
static const char *const report_flags[] = { "strict", "step-summary", NULL };

static int listed(const char *const *names, const char *name, size_t n)
{
	size_t k;

	for (k = 0; names[k]; k++)
		if (strlen(names[k]) == n && strncmp(names[k], name, n) == 0)
			return 1;
	return 0;
}

/* Whether long option `name` (n bytes) is prove's own: 1 a flag, 2 with a value. */
static int own_option(const char *name, size_t n)
{
	const fp_opt *o;

	for (o = prove_options; o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
			return o->kind == FP_OPT_FLAG ? 1 : 2;
	return 0;
}

/*
 * Sorts the options before the command into prove's own (`own`, parsed
 * with prove's table) and report's (`report`, handed to report as they
 * are); the command and everything after it go to `own`.
 */
static int split_args(fp_args *own, fp_args *report, int argc, char **argv)
{
	int i, kind;

	fp_args_push(own, argv[0]);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *name = a + 2;
		size_t n = strcspn(name, "=");
		fp_args *to = own;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-q") == 0) {
			kind = 1;
		} else if (a[1] != '-') { /* -o FILE, -oFILE */
			if (a[1] != 'o')
				return fp_error_set(FP_EUSAGE, "prove: unknown option '%s'; see "
						    "'fixproof prove --help'", a);
			to = report;
			kind = a[2] ? 1 : 2;
		} else if ((kind = own_option(name, n)) == 0) {
			to = report;
			kind = listed(report_valued, name, n) ? 2 : listed(report_flags, name, n);
			if (!kind)
				return fp_error_set(FP_EUSAGE, "prove: unknown option '%s'; see "
						    "'fixproof prove --help'", a);
		}
		fp_args_push(to, a);
		if (kind == 2 && !strchr(a, '=') && a[1] == '-' && i + 1 < argc)
			fp_args_push(to, argv[++i]);
		else if (kind == 2 && a[1] != '-' && !a[2] && i + 1 < argc)
			fp_args_push(to, argv[++i]);
	}
	for (; i < argc; i++)
		fp_args_push(own, argv[i]);
	return 0;
}

static int fill_opts(fp_prove_opts *o, const prove_args *a)
{
	if (!a->base)
		return fp_error_set(FP_EUSAGE, "prove: --base REF is needed; see 'fixproof prove --help'");
	if (a->command.n == 0)
		return fp_error_set(FP_EUSAGE, "prove: no COMMAND given; see 'fixproof prove --help'");
	if (a->timeout && fp_cli_parse_seconds(&o->timeout, "--timeout", a->timeout) < 0)
		return FP_EUSAGE;
	o->base = a->base;
	o->head = a->head;
	o->keep = a->keep;
	o->repeat = a->repeat ? (int)a->repeat : 1;
	o->echo = !a->quiet;
	o->tests = a->tests.v;
	o->ntests = a->tests.n;
	o->junit = a->junit.v;
	o->njunit = a->junit.n;
	o->argv = a->command.v;
	o->argc = a->command.n;
	return 0;
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
	prove_args a;
	fp_args own = FP_ARGS_INIT, report = FP_ARGS_INIT;
	fp_prove *p = NULL;
	int err;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	err = split_args(&own, &report, argc, argv);
	if (err == 0)
		err = fp_opt_parse(&prove_command, &a, (int)own.n, (char **)own.v);
	if (err == 0)
		err = fill_opts(&o, &a);
	if (err == 0) {
		fp_capture_catch_signals();
		err = fp_prove_run(&p, &o);
	}
	err = err == 0 ? report_on(p, &report) : fp_cli_status(err);
	fp_prove_free(p);
	fp_opt_free(&prove_command, &a);
	fp_args_free(&own);
	fp_args_free(&report);
	return err;
}
