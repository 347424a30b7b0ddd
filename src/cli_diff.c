/*
 * cli_diff.c - `fixproof diff`: read both sides, diff them, and print the
 * diff model as JSON.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_side.h"
#include "fixproof/error.h"
#include "fixproof/diff.h"

typedef struct diff_opts {
	fp_cli_side side;
	int changed_only;
} diff_opts;

static const fp_opt diff_options[] = {
	FP_CLI_SIDE_OPTIONS(diff_opts),
	FP_OPTION_FLAG("changed-only", 0, diff_opts, changed_only,
		       "leave unchanged tests out of \"tests\" (still counted)"),
	FP_OPTION_END
};

static const fp_opt_command diff_command = {
	"diff",
	"--before INPUT... --after INPUT... [--target PATTERN]...\n"
	"                     [--goal pass|reach] [--rules FILE] [--fail-on WHEN]\n"
	"                     [--changed-only] [-o FILE]",
	"Compares the test results before a fix with those after it and prints the\n"
	"diff model (schema fixproof.diff/1) as JSON: the verdict and its reasons,\n"
	"what changed for every test, failures per category and cause, the\n"
	"transition matrix, and the metrics with their numerators and denominators.\n",
	diff_options, NULL, 0, NULL,
	"Verdicts: resolved, partially_resolved, unresolved, regressed, inconclusive,\n"
	"and unblocked (with --goal reach).\n",
	0
};

static int write_json(FILE *f, const fp_diff *d, const void *ctx)
{
	return fp_diff_write_json(d, f, *(const int *)ctx);
}

int fp_cli_diff(int argc, char **argv)
{
	diff_opts o;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&diff_command, &o, argc, argv);
	status = err < 0 ? fp_cli_status(err)
			 : fp_cli_side_write(&o.side, "diff", write_json, &o.changed_only);
	fp_cli_side_free(&o.side);
	fp_opt_free(&diff_command, &o);
	return status;
}
