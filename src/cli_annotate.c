/*
 * cli_annotate.c - the `annotate` command: read both sides, diff them, and
 * print GitHub workflow commands for the tests that matter (annotate.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_capture.h"
#include "fixproof/annotate.h"
#include "fixproof/diff.h"
#include "fixproof/error.h"

typedef struct annotate_opts {
	fp_args before, after, targets;
	const char *rules_path, *output, *root;
	int quiet;
	fp_cli_captures captures; /* capture directories among the inputs */
} annotate_opts;

static const fp_opt annotate_options[] = {
	FP_OPTION_LIST("before", 0, annotate_opts, before, "INPUT",
		       "result files of the run before the fix, as for 'fixproof diff'"),
	FP_OPTION_LIST("after", 0, annotate_opts, after, "INPUT",
		       "the same for the run after the fix; with neither, the two "
		       "newest captures in .fixproof/runs"),
	FP_OPTION_REPEAT("target", 0, annotate_opts, targets, "PATTERN",
			 "a test the fix is about (repeatable), as for 'fixproof diff'; "
			 "without it, every test that failed before is a target"),
	FP_OPTION_STRING("rules", 0, annotate_opts, rules_path, "FILE",
			 "classification rules (JSON) tried before the defaults"),
	FP_OPTION_STRING("root", 0, annotate_opts, root, "DIR",
			 "the repository's top directory: trace paths under it are made "
			 "relative, paths outside it are not annotated (default "
			 "$GITHUB_WORKSPACE, else the current directory)"),
	FP_OPTION_STRING("output", 'o', annotate_opts, output, "FILE",
			 "write to FILE (it appears only when complete)"),
	FP_OPTION_FLAG("quiet", 'q', annotate_opts, quiet, "no warnings on standard error"),
	FP_OPTION_END
};

static const fp_opt_command annotate_command = {
	"annotate",
	"--before INPUT... --after INPUT...\n"
	"                         [--target PATTERN]... [--rules FILE] [--root DIR]\n"
	"                         [-o FILE]",
	"Prints GitHub workflow commands that annotate the tests that matter after\n"
	"the fix, most important first: ::error for regressed tests and targets\n"
	"still failing, ::warning for targets that progressed (infrastructure to\n"
	"business logic) and newly failing tests, ::notice for targets newly\n"
	"skipped. Each names the file and line (the test's own, else its trace's\n"
	"deepest frame in the repository), the test and its change, and the first\n"
	"lines of the failure.\n",
	annotate_options, NULL, 0, NULL,
	"GitHub shows 10 errors and 10 warnings per step and 50 annotations per job:\n"
	"the rest are left out, and a last ::notice says how many.\n",
	0
};

/* Reads, classifies and diffs both sides. */
static int load(fp_diff **out, fp_run **before, fp_run **after, annotate_opts *o)
{
	/* The goal changes the verdict, never which tests matter. */
	fp_diff_opts dopts = { o->targets.v, o->targets.n, FP_GOAL_PASS };
	fp_rules *rules = NULL;
	size_t k;
	int err;

	fp_cli_set_quiet(o->quiet);
	if ((o->before.n == 0) != (o->after.n == 0))
		return fp_error_set(FP_EUSAGE, "annotate: both --before and --after are needed (or "
				    "neither, for the two newest captures); see 'fixproof annotate --help'");
	for (k = 0; k < o->targets.n; k++)
		if (!o->targets.v[k][0])
			return fp_error_set(FP_EUSAGE, "annotate: --target needs a non-empty PATTERN");
	if ((err = fp_cli_captures_expand(&o->captures, &o->before, &o->after)) < 0)
		return err;
	if ((err = fp_cli_load_rules(&rules, o->rules_path)) < 0)
		return err;
	err = fp_cli_read_runs(before, after, &o->before, &o->after, rules);
	if (err == 0)
		err = fp_diff_runs(out, *before, *after, &dopts);
	fp_rules_free(rules);
	return err;
}

int fp_cli_annotate_diff(FILE *f, const fp_diff *diff, const char *root)
{
	fp_annotate_opts ao = { NULL, 0, 0 };

	ao.root = root && *root ? root : getenv("GITHUB_WORKSPACE");
	if (ao.root && !*ao.root)
		ao.root = NULL;
	return fp_annotate_write(f, diff, &ao);
}

int fp_cli_annotate(int argc, char **argv)
{
	annotate_opts o;
	fp_run *before = NULL, *after = NULL;
	fp_diff *diff = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&annotate_command, &o, argc, argv);
	if (err == 0)
		err = load(&diff, &before, &after, &o);
	if (err == 0)
		err = fp_output_open(&out, o.output);
	if (err == 0)
		err = fp_output_finish(&out, fp_cli_annotate_diff(out.f, diff, o.root));
	fp_output_abort(&out);
	status = fp_cli_status(err);
	fp_diff_free(diff);
	fp_run_free(before);
	fp_run_free(after);
	fp_cli_captures_free(&o.captures);
	fp_opt_free(&annotate_command, &o);
	return status;
}
