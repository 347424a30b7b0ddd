/*
 * cli.c - the shared pieces of the command line: messages, exit statuses,
 * progress, loading rules and reading inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/classify.h"
#include "fixproof/error.h"
#include "fixproof/parse.h"
#include "fixproof/sides.h"

static int quiet;

void fp_cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("fixproof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fp_cli_warnf(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("fixproof: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int fp_cli_exit_status(int code)
{
	switch (code) {
	case FP_OK: return FP_EXIT_OK;
	case FP_EUSAGE: return FP_EXIT_USAGE;
	case FP_EINPUT: case FP_EIO: case FP_ELIMIT: case FP_ETEMPLATE: return FP_EXIT_INPUT;
	case FP_ENET: case FP_EAPI: return FP_EXIT_NETWORK;
	case FP_EINTERRUPTED: return FP_EXIT_INTERRUPTED;
	default: return FP_EXIT_INTERNAL;
	}
}

int fp_cli_fail(int code)
{
	const char *msg = fp_error_message();

	fp_cli_errorf("%s", msg[0] ? msg : "unknown error");
	return fp_cli_exit_status(code);
}

int fp_cli_status(int err)
{
	if (err == 0 || err == FP_EHELP)
		return FP_EXIT_OK;
	return fp_cli_fail(err);
}

void fp_cli_set_quiet(int on)
{
	quiet = on;
}

int fp_cli_check_stdin(const char *cmd, const fp_args *a, const fp_args *b)
{
	size_t n = fp_args_count(a, "-") + (b ? fp_args_count(b, "-") : 0);

	if (n > 1)
		return fp_error_set(FP_EUSAGE, "%s: standard input (-) is given %zu times; it can be "
				    "read only once", cmd, n);
	return 0;
}

/* Progress goes to a terminal, or anywhere when FIXPROOF_PROGRESS=1; never
 * with --quiet, so CI logs and pipes stay clean. */
static int progress_wanted(void)
{
	const char *env = getenv("FIXPROOF_PROGRESS");

	if (quiet)
		return 0;
	if (env && *env)
		return strcmp(env, "0") != 0;
	return isatty(2);
}

void fp_cli_progress(void *ctx, const char *path, size_t done, size_t total)
{
	(void)ctx;
	if (progress_wanted())
		fprintf(stderr, "fixproof: reading %s (%zu/%zu)\n", path, done + 1, total);
}

void fp_cli_progress_side(const char *side, size_t ninputs)
{
	if (progress_wanted())
		fprintf(stderr, "fixproof: reading the run %s the fix (%zu %s)\n", side, ninputs,
			ninputs == 1 ? "input" : "inputs");
}

int fp_cli_load_rules(fp_rules **out, const char *rules_path)
{
	fp_rules *rules = NULL;
	int err;

	if ((err = fp_rules_default(&rules)) < 0)
		return err;
	if (rules_path && (err = fp_rules_load_file(rules, rules_path)) < 0) {
		fp_rules_free(rules);
		return err;
	}
	*out = rules;
	return 0;
}

void fp_cli_report_warnings(const fp_run *run)
{
	size_t i, j;

	for (j = 0; j < run->nwarnings; j++)
		fp_cli_warnf("%s", run->warnings[j]);
	if (run->warnings_dropped)
		fp_cli_warnf("%zu more warnings not shown", run->warnings_dropped);
	for (i = 0; i < run->ninputs; i++) {
		for (j = 0; j < run->inputs[i].nwarnings; j++)
			fp_cli_warnf("%s", run->inputs[i].warnings[j]);
		if (run->inputs[i].warnings_dropped)
			fp_cli_warnf("'%s': %zu more warnings not shown", run->inputs[i].path,
				     run->inputs[i].warnings_dropped);
	}
}

int fp_cli_read_run(fp_run **out, const fp_args *inputs, const fp_rules *rules)
{
	int err = fp_sides_read_one(out, inputs->v, inputs->n, rules, fp_cli_progress, NULL);

	if (err == 0)
		fp_cli_report_warnings(*out);
	return err;
}

/* Prints the warnings of both sides, "before" first, once both are read. */
int fp_cli_read_runs(fp_run **before, fp_run **after, const fp_args *before_inputs,
		     const fp_args *after_inputs, const fp_rules *rules)
{
	int err;

	fp_cli_progress_side("before", before_inputs->n);
	fp_cli_progress_side("after", after_inputs->n);
	err = fp_sides_read(before, after, before_inputs->v, before_inputs->n, after_inputs->v,
			    after_inputs->n, rules, fp_cli_progress, NULL);
	if (err < 0)
		return err;
	fp_cli_report_warnings(*before);
	fp_cli_report_warnings(*after);
	return 0;
}
