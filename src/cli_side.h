/*
 * cli_side.h - what `diff` and `report` share: the options naming both
 * sides (an option-table fragment), reading and diffing them, and the exit
 * status --fail-on asks for.
 */
#ifndef FIXPROOF_CLI_SIDE_H
#define FIXPROOF_CLI_SIDE_H

#include <stdio.h>

#include "cli_args.h"
#include "cli_capture.h"
#include "cli_opt.h"

#include "fixproof/diff.h"

/* What --fail-on asks for. */
typedef enum { FP_FAIL_NEVER = 0, FP_FAIL_REGRESSED, FP_FAIL_UNRESOLVED, FP_FAIL_ANY } fp_fail_on;

/* The options `diff` and `report` share; the lists borrow argv. */
typedef struct fp_cli_side {
	fp_args before, after, targets;
	const char *rules_path;
	const char *output;
	int fail;  /* fp_fail_on */
	int goal;  /* fp_goal */
	int quiet;
	fp_cli_captures captures; /* capture directories among the inputs */
} fp_cli_side;

extern const fp_opt_choice fp_cli_fail_on_choices[];
extern const fp_opt_choice fp_cli_goal_choices[];

/* The option table entries of fp_cli_side, a member named `side` of struct T. */
#define FP_CLI_SIDE_OPTIONS(T) \
	FP_OPTION_LIST("before", 0, T, side.before, "INPUT", \
		       "result files of the run before the fix: JUnit XML, CTRF " \
		       "JSON, pytest --collect-only output, directories, capture " \
		       "directories (fixproof capture), or -"), \
	FP_OPTION_LIST("after", 0, T, side.after, "INPUT", \
		       "the same for the run after the fix; with neither, the " \
		       "two newest captures in .fixproof/runs"), \
	FP_OPTION_REPEAT("target", 0, T, side.targets, "PATTERN", \
			 "a test the fix is about (repeatable): a substring of its " \
			 "id, or a glob with * and ?; without it, every test that " \
			 "failed before is a target. A pattern that matches no " \
			 "test is an error."), \
	FP_OPTION_STRING("rules", 0, T, side.rules_path, "FILE", \
			 "classification rules (JSON) tried before the defaults"), \
	FP_OPTION_ENUM("goal", 0, T, side.goal, "GOAL", fp_cli_goal_choices, \
		       "pass (default): the targets must pass; reach: the fix " \
		       "only has to let them reach the code under test, and " \
		       "the verdict is unblocked when it does"), \
	FP_OPTION_ENUM("fail-on", 0, T, side.fail, "WHEN", fp_cli_fail_on_choices, \
		       "exit 1 when the verdict is: regressed; unresolved " \
		       "(regressed, unresolved or inconclusive); any (anything " \
		       "but resolved, or unblocked with --goal reach); never " \
		       "(the default)"), \
	FP_OPTION_STRING("output", 'o', T, side.output, "FILE", \
			 "write to FILE (it appears only when complete)"), \
	FP_OPTION_FLAG("quiet", 'q', T, side.quiet, "no warnings on standard error")

/* Checks what the table cannot: a target is never empty, and standard
 * input is read by one side only. Sets --quiet. */
int fp_cli_side_check(const fp_cli_side *o, const char *cmd);

/* Reads, classifies and diffs both sides (capture directories expanded);
 * on success *out, *before and *after are the caller's. */
int fp_cli_side_diff(fp_diff **out, fp_run **before, fp_run **after, fp_cli_side *o,
		     const char *cmd);

/* The exit status once the output is written: FP_EXIT_VERDICT, with a
 * warning, when --fail-on says so, else FP_EXIT_OK. */
int fp_cli_side_status(const fp_cli_side *o, const fp_diff *d);

/* Writes one view of a diff to `f`; `ctx` is the command's own. */
typedef int (*fp_cli_diff_writer)(FILE *f, const fp_diff *d, const void *ctx);

/* A whole diff-shaped command after its options are parsed: checks them,
 * diffs both sides, writes the diff with `write` to --output (standard
 * output by default) and returns the exit status. */
int fp_cli_side_write(fp_cli_side *o, const char *cmd, fp_cli_diff_writer write,
		      const void *ctx);

/* Frees what fp_cli_side_diff() keeps beyond the option lists. */
void fp_cli_side_free(fp_cli_side *o);

#endif
