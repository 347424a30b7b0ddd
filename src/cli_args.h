/*
 * cli_args.h - helpers the subcommands share: loading rules, reading
 * inputs with progress and warnings.
 */
#ifndef FIXPROOF_CLI_ARGS_H
#define FIXPROOF_CLI_ARGS_H

#include <stdio.h>

#include "cli_opt.h"
#include "fixproof/buf.h"
#include "fixproof/classify.h"
#include "fixproof/model.h"
#include "fixproof/output.h"

/*
 * FP_EUSAGE when "-" (standard input) is among the inputs of `a` and `b`
 * (which may be NULL) more than once: it can be read only once, and two
 * readers would each get part of it.
 */
int fp_cli_check_stdin(const char *cmd, const fp_args *a, const fp_args *b);

void fp_cli_set_quiet(int on);
void fp_cli_progress(void *ctx, const char *path, size_t done, size_t total);
/* "reading the run before the fix (3 inputs)" on a terminal. */
void fp_cli_progress_side(const char *side, size_t ninputs);
void fp_cli_report_warnings(const fp_run *run);

/* The default rules plus those in `rules_path` (may be NULL). */
int fp_cli_load_rules(fp_rules **out, const char *rules_path);

/* Parses, merges and classifies the inputs of one side; prints warnings. */
int fp_cli_read_run(fp_run **out, const fp_args *inputs, const fp_rules *rules);

/* Both sides of a diff, read at the same time; prints their warnings in
 * order, "before" first. On failure neither run is returned. */
int fp_cli_read_runs(fp_run **before, fp_run **after, const fp_args *before_inputs,
		     const fp_args *after_inputs, const fp_rules *rules);


#endif
