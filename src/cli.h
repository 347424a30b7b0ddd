/*
 * cli.h - what the command-line modules share: the subcommands, the one
 * function that prints messages, and the mapping from error codes to exit
 * statuses. Only the CLI prints; library code sets messages (error.h).
 */
#ifndef FIXPROOF_CLI_H
#define FIXPROOF_CLI_H

#include <stdio.h>

#include "fixproof/buf.h"

/* Exit statuses, as the README lists them under "Commands". */
enum {
	FP_EXIT_OK = 0,
	FP_EXIT_VERDICT = 1,
	FP_EXIT_USAGE = 2,
	FP_EXIT_INPUT = 3,
	FP_EXIT_NETWORK = 4,
	FP_EXIT_INTERRUPTED = 130, /* 128 + SIGINT, as a shell reports Ctrl-C */
	FP_EXIT_INTERNAL = 70
};

/* Prints "fixproof: MESSAGE" (or "fixproof CMD: ...") to stderr. */
void fp_cli_errorf(const char *fmt, ...) FP_PRINTF(1, 2);

/* Prints a warning line "fixproof: warning: ..." unless --quiet. */
void fp_cli_warnf(const char *fmt, ...) FP_PRINTF(1, 2);

/* Prints the current error message and returns the exit status for `code`. */
int fp_cli_fail(int code);

/* The exit status for an FP_E... code. */
int fp_cli_exit_status(int code);

/* Each subcommand: argv[0] is the subcommand's name. Returns the exit status. */
int fp_cli_parse(int argc, char **argv);
int fp_cli_diff(int argc, char **argv);
int fp_cli_report(int argc, char **argv);
int fp_cli_post(int argc, char **argv);
int fp_cli_rules(int argc, char **argv);
int fp_cli_capture(int argc, char **argv);
int fp_cli_prove(int argc, char **argv);
int fp_cli_annotate(int argc, char **argv);

/*
 * Writes the annotations of `diff` (annotate.h) to `f`, trace paths made
 * relative to `root`, else $GITHUB_WORKSPACE, else the current directory.
 * For `annotate` and `report --annotate` (cli_annotate.c). Returns 0 or
 * FP_EIO.
 */
struct fp_diff;
int fp_cli_annotate_diff(FILE *f, const struct fp_diff *diff, const char *root);

/* Prints "fixproof VERSION" and, a line each, the versions of libxml2,
 * cJSON, cmark-gfm and libcurl the process runs with (cli_version.c). */
void fp_cli_print_version(FILE *f);

/*
 * The exit status of a command that ended with `err`: FP_EXIT_OK for 0
 * and for FP_EHELP (help was printed), else the status fp_cli_fail() gives
 * after printing the message.
 */
int fp_cli_status(int err);

#endif
