/*
 * cli_parse.c - `fixproof parse`: read result files and print the run
 * model (or a CTRF report).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/ctrf.h"
#include "fixproof/error.h"

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
