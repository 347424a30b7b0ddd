/*
 * cli.c - the shared pieces of the command line (messages, exit statuses,
 * input lists) and the `parse` and `rules` commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/classify.h"
#include "fixproof/ctrf.h"
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

/* ---- parse ---- */

typedef enum { PARSE_JSON = 0, PARSE_CTRF } parse_format;

typedef struct parse_opts {
	fp_args inputs;
	const char *rules, *output;
	int format; /* parse_format */
	int quiet;
} parse_opts;

static const fp_opt_choice parse_formats[] = {
	{ "json", PARSE_JSON }, { "ctrf", PARSE_CTRF }, { NULL, 0 }
};

static const fp_opt parse_options[] = {
	FP_OPTION_STRING("rules", 0, parse_opts, rules, "FILE",
			 "classification rules (JSON) that come before the defaults"),
	FP_OPTION_ENUM("format", 0, parse_opts, format, "FMT", parse_formats,
		       "json (the run model, the default) or ctrf (a CTRF report, "
		       "the collect-only figures and classification under extra)"),
	FP_OPTION_STRING("output", 'o', parse_opts, output, "FILE",
			 "write to FILE instead of standard output"),
	FP_OPTION_FLAG("quiet", 'q', parse_opts, quiet, "no warnings on standard error"),
	FP_OPTION_END
};

static const fp_opt_command parse_command = {
	"parse", "[--rules FILE] [--format json|ctrf] [-o FILE] [--quiet]\n"
	"                      INPUT...",
	"Reads JUnit XML, CTRF JSON and `pytest --collect-only` output and prints\n"
	"the run model (schema fixproof.run/1) as JSON: every test with its status,\n"
	"phase, failure category (infrastructure or business_logic), cause and the\n"
	"rule that decided it, plus each input's sha256; or, with --format ctrf,\n"
	"the run as a CTRF report.\n",
	parse_options, "INPUT...", offsetof(parse_opts, inputs),
	"a file, a directory (searched recursively), or - for stdin", NULL,
	0
};

int fp_cli_parse(int argc, char **argv)
{
	parse_opts o;
	fp_rules *rules = NULL;
	fp_run *run = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&parse_command, &o, argc, argv);
	fp_cli_set_quiet(o.quiet);
	if (err == 0 && o.inputs.n == 0)
		err = fp_error_set(FP_EUSAGE, "parse: no INPUT given; see 'fixproof parse --help'");
	if (err == 0)
		err = fp_cli_check_stdin("parse", &o.inputs, NULL);
	if (err == 0)
		err = fp_cli_load_rules(&rules, o.rules);
	if (err == 0)
		err = fp_cli_read_run(&run, &o.inputs, rules);
	if (err == 0)
		err = fp_output_open(&out, o.output);
	if (err == 0)
		err = fp_output_finish(&out, o.format == PARSE_CTRF ? fp_ctrf_write(run, out.f) :
				       fp_run_write_json(run, out.f));
	fp_output_abort(&out);
	status = fp_cli_status(err);
	fp_run_free(run);
	fp_rules_free(rules);
	fp_opt_free(&parse_command, &o);
	return status;
}

/* ---- rules ---- */

typedef struct rules_opts {
	const char *rules;
} rules_opts;

static const fp_opt rules_options[] = {
	FP_OPTION_STRING("rules", 0, rules_opts, rules, "FILE",
			 "classification rules (JSON) that come before the defaults"),
	FP_OPTION_END
};

static const fp_opt_command rules_command = {
	"rules", "[--rules FILE]",
	"Prints the effective classification rules, in the order they are tried,\n"
	"as JSON: the rules from --rules FILE first, then the built-in defaults.\n",
	rules_options, NULL, 0, NULL, NULL,
	0
};

int fp_cli_rules(int argc, char **argv)
{
	rules_opts o;
	fp_rules *rules = NULL;
	fp_output out = FP_OUTPUT_INIT;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&rules_command, &o, argc, argv);
	if (err == 0)
		err = fp_cli_load_rules(&rules, o.rules);
	if (err == 0)
		err = fp_output_open(&out, NULL);
	if (err == 0)
		err = fp_output_finish(&out, fp_rules_write_json(rules, out.f));
	status = fp_cli_status(err);
	fp_rules_free(rules);
	fp_opt_free(&rules_command, &o);
	return status;
}
