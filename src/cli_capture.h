/*
 * cli_capture.h - what the `capture` and `prove` commands share.
 */
#ifndef FIXPROOF_CLI_CAPTURE_H
#define FIXPROOF_CLI_CAPTURE_H

#include "cli_opt.h"
#include "fixproof/capture.h"

/* Reads a positive number of seconds for option `opt`; FP_EUSAGE otherwise. */
int fp_cli_parse_seconds(double *out, const char *opt, const char *v);

/* Warns about a capture cut short by its timeout, or that wrote no results. */
void fp_cli_capture_said(const fp_capture *c);

/* What reading capture directories as inputs keeps until the report is done. */
typedef struct fp_cli_captures {
	char **owned;             /* result paths the input lists point to */
	size_t nowned;
	char *latest[2];          /* the two newest captures, when none was named */
	fp_provenance *prov[2];   /* each side's first capture's record, or NULL */
} fp_cli_captures;

/*
 * Replaces every capture directory among the inputs by its result files and
 * loads each side's provenance; with no inputs on either side, takes the
 * two newest captures in .fixproof/runs (here, else at the repository's
 * top). A side that names N captures has provenance runs = N. Returns 0,
 * FP_EUSAGE (fewer than two captures) or FP_EINPUT. Free `c` with
 * fp_cli_captures_free once the lists and the diff are done with.
 */
int fp_cli_captures_expand(fp_cli_captures *c, fp_args *before, fp_args *after);
void fp_cli_captures_free(fp_cli_captures *c);

#endif
