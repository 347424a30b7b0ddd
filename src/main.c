/*
 * main.c - the command table and nothing else: each subcommand lives in its
 * own cli_*.c function and returns the process exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fixproof/error.h"
#include "fixproof/json.h"
#include "fixproof/parse.h"

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} command;

static const command commands[] = {
	{ "parse", fp_cli_parse, "read result files and print the run model as JSON" },
	{ "diff", fp_cli_diff, "compare a run before and after a fix; print the diff model" },
	{ "report", fp_cli_report, "render the proof-of-resolution report (Markdown, HTML, JSON)" },
	{ "capture", fp_cli_capture, "run the tests once and keep their results and provenance" },
	{ "prove", fp_cli_prove, "run the tests before and after a fix; print the report" },
	{ "annotate", fp_cli_annotate, "GitHub annotations for the tests that matter after a fix" },
	{ "post", fp_cli_post, "post a report to a GitHub issue or pull request" },
	{ "rules", fp_cli_rules, "print the effective classification rules as JSON" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	const command *c;

	fputs("usage: fixproof COMMAND [OPTIONS] [ARGS]\n\n"
	      "Turns test results from before and after a fix into a proof-of-resolution\n"
	      "report. Inputs are JUnit XML and CTRF JSON files, `pytest --collect-only`\n"
	      "output, directories holding them, or - for standard input.\n\ncommands:\n", f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->help);
	fputs("\nRun `fixproof COMMAND --help` for a command's options.\n"
	      "Exit status: 0 ok, 1 verdict failed --fail-on, 2 usage, 3 bad input,\n"
	      "4 network or API failure, 130 interrupted.\n", f);
}

int main(int argc, char **argv)
{
	const command *c;
	int status;

	if (argc < 2) {
		usage(stderr);
		return FP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return FP_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		fp_cli_print_version(stdout);
		return FP_EXIT_OK;
	}
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			break;
	if (!c->name) {
		fp_cli_errorf("unknown command '%s'; see 'fixproof --help'", argv[1]);
		return FP_EXIT_USAGE;
	}
	fp_json_init_cjson();
	status = c->fn(argc - 1, argv + 1);
	/* A command that failed has said why; one that succeeded but whose
	 * output did not get through must not exit 0. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && status == FP_EXIT_OK) {
		fp_cli_errorf("cannot write to standard output");
		status = FP_EXIT_INPUT;
	}
	fp_parse_shutdown();
	fp_error_shutdown();
	return status;
}
