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
#include "cli_side.h"
#include "fixproof/annotate.h"
#include "fixproof/diff.h"
#include "fixproof/error.h"

typedef struct annotate_opts {
	fp_cli_side side;
	const char *root;
} annotate_opts;

static const fp_opt annotate_options[] = {
	FP_CLI_SIDE_OPTIONS(annotate_opts),
	FP_OPTION_STRING("root", 0, annotate_opts, root, "DIR",
			 "the repository's top directory: trace paths under it are made "
			 "relative, paths outside it are not annotated (default "
			 "$GITHUB_WORKSPACE, else the current directory)"),
	FP_OPTION_END
};

static const fp_opt_command annotate_command = {
	"annotate",
	"--before INPUT... --after INPUT...\n"
	"                         [--target PATTERN]... [--goal pass|reach]\n"
	"                         [--rules FILE] [--fail-on WHEN] [--root DIR] [-o FILE]",
	"Prints GitHub workflow commands that annotate the tests that matter after\n"
	"the fix, most important first: ::error for regressed tests and targets\n"
	"still failing, ::warning for targets that progressed (infrastructure to\n"
	"business logic) and newly failing tests, ::notice for targets newly\n"
	"skipped. Each names the file and line (the test's own, else its trace's\n"
	"deepest frame in the repository), the test and its change, and the first\n"
	"lines of the failure. The options are diff's, and --root.\n",
	annotate_options, NULL, 0, NULL,
	"GitHub shows 10 errors and 10 warnings per step and 50 annotations per job:\n"
	"the rest are left out, and a last ::notice says how many.\n",
	0
};

int fp_cli_annotate_diff(FILE *f, const fp_diff *diff, const char *root)
{
	fp_annotate_opts ao = { NULL, 0, 0 };

	ao.root = root && *root ? root : getenv("GITHUB_WORKSPACE");
	if (ao.root && !*ao.root)
		ao.root = NULL;
	return fp_annotate_write(f, diff, &ao);
}

static int write_annotations(FILE *f, const fp_diff *d, const void *ctx)
{
	return fp_cli_annotate_diff(f, d, ctx);
}

int fp_cli_annotate(int argc, char **argv)
{
	annotate_opts o;
	int err, status;

	memset(&o, 0, sizeof(o));
	err = fp_opt_parse(&annotate_command, &o, argc, argv);
	status = err < 0 ? fp_cli_status(err)
			 : fp_cli_side_write(&o.side, "annotate", write_annotations, o.root);
	fp_cli_side_free(&o.side);
	fp_opt_free(&annotate_command, &o);
	return status;
}
