/*
 * cli_opt.h - command-line options read from one table per command, and
 * `--help` printed from the same table.
 *
 * A command describes itself in a static fp_opt_command: its synopsis, a
 * description, and a table of fp_opt ended by FP_OPTION_END. Each option
 * names the member of the command's own options struct that receives its
 * value (by offsetof), so tables are static const and the parser writes
 * nowhere else:
 *
 *	typedef struct parse_opts { fp_args inputs; const char *output; int quiet; } parse_opts;
 *	static const fp_opt parse_options[] = {
 *		FP_OPTION_STRING("output", 'o', parse_opts, output, "FILE", "write to FILE"),
 *		FP_OPTION_FLAG("quiet", 'q', parse_opts, quiet, "no warnings"),
 *		FP_OPTION_END
 *	};
 *
 * The parser accepts, for an option that takes a value, `--name=VALUE`,
 * `--name VALUE`, `-x VALUE` and `-xVALUE`; the value is the next argument
 * even when it starts with '-' (`--title -x`). A flag is `--name` or `-x`
 * and takes no value. A LIST option takes every following argument up to
 * the next one that starts with '-' (`--before A B C`; "-" alone is an
 * argument, standard input); `--before=A B` takes A and B. Options may come
 * in any order, repeated: a later STRING, INT or ENUM replaces an earlier
 * one, REPEAT and LIST accumulate. "--" ends the options: every later
 * argument is positional. `-h` and `--help` print the help to standard
 * output. Long names are never abbreviated.
 *
 * Values borrow argv: they live as long as argv does.
 */
#ifndef FIXPROOF_CLI_OPT_H
#define FIXPROOF_CLI_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A list of borrowed strings (arguments: the list owns only its array). */
typedef struct fp_args {
	const char **v;
	size_t n, cap;
} fp_args;
#define FP_ARGS_INIT { NULL, 0, 0 }

void fp_args_push(fp_args *list, const char *arg);
/* Frees the array, not the strings; the list is empty again. */
void fp_args_free(fp_args *list);
/* How many items of `list` are exactly `arg`. */
size_t fp_args_count(const fp_args *list, const char *arg);

typedef enum fp_opt_kind {
	FP_OPT_FLAG,   /* no value; sets the int member to 1 */
	FP_OPT_STRING, /* one value; the const char * member borrows it */
	FP_OPT_REPEAT, /* one value per use, appended to the fp_args member */
	FP_OPT_LIST,   /* one or more values per use, appended to the fp_args member */
	FP_OPT_INT,    /* a whole number in [min, max] (fp_uint_parse); the uint64_t member */
	FP_OPT_ENUM    /* one of `choices`; the int member gets the choice's value */
} fp_opt_kind;

/* One allowed value of an ENUM option. A name whose value an earlier name
 * already has is an alias: accepted, but not listed in messages. */
typedef struct fp_opt_choice {
	const char *name;
	int value;
} fp_opt_choice;

typedef struct fp_opt {
	const char *name;     /* the long name without "--"; NULL ends a table */
	char alias;           /* the short alias ('o' for -o), or 0 */
	fp_opt_kind kind;
	size_t offset;        /* offsetof(the options struct, the member) */
	const char *metavar;  /* the value's name in help ("FILE"); NULL for flags */
	const char *help;     /* one paragraph; --help wraps it to the width */
	uint64_t min, max;    /* the range of an INT */
	const fp_opt_choice *choices; /* an ENUM's values, ended by { NULL, 0 } */
} fp_opt;

#define FP_OPT__ENTRY(n, a, k, T, m, meta, h, lo, hi, ch) \
	{ n, a, k, offsetof(T, m), meta, h, lo, hi, ch }
#define FP_OPTION_FLAG(name, alias, T, member, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_FLAG, T, member, NULL, help, 0, 0, NULL)
#define FP_OPTION_STRING(name, alias, T, member, metavar, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_STRING, T, member, metavar, help, 0, 0, NULL)
#define FP_OPTION_REPEAT(name, alias, T, member, metavar, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_REPEAT, T, member, metavar, help, 0, 0, NULL)
#define FP_OPTION_LIST(name, alias, T, member, metavar, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_LIST, T, member, metavar, help, 0, 0, NULL)
#define FP_OPTION_INT(name, alias, T, member, metavar, lo, hi, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_INT, T, member, metavar, help, lo, hi, NULL)
#define FP_OPTION_ENUM(name, alias, T, member, metavar, choices, help) \
	FP_OPT__ENTRY(name, alias, FP_OPT_ENUM, T, member, metavar, help, 0, 0, choices)
#define FP_OPTION_END { NULL, 0, FP_OPT_FLAG, 0, NULL, NULL, 0, 0, NULL }

typedef struct fp_opt_command {
	const char *name;        /* "diff": used in help and in messages */
	const char *synopsis;    /* what follows "usage: fixproof NAME "; lines after
				  * the first are printed as they are */
	const char *description; /* paragraphs between the synopsis and the options */
	const fp_opt *options;   /* the table, ended by FP_OPTION_END */
	const char *args;        /* the positional arguments' name ("INPUT..."), or
				  * NULL when the command takes none */
	size_t args_offset;      /* offsetof the fp_args member receiving them */
	const char *args_help;   /* their line in the option list, or NULL */
	const char *epilogue;    /* text after the options, or NULL */
	unsigned flags;          /* FP_OPT_ARGS_END_OPTIONS, or 0 */
} fp_opt_command;

/* The first positional argument ends the options, as "--" does: it and
 * everything after it are positional (a command line to run). */
#define FP_OPT_ARGS_END_OPTIONS 1u

/*
 * Reads argv[1..argc-1] (argv[0] is the command's name) into `out`, a
 * zeroed struct of the command's own whose members the table names.
 * Returns 0; FP_EHELP after printing the help to standard output (the
 * command is done, successfully); or FP_EUSAGE with a one-line message
 * that names the option and the command ("diff: option '--after' needs at
 * least one INPUT; see 'fixproof diff --help'"). Whatever it returns, the
 * caller releases `out` with fp_opt_free().
 */
int fp_opt_parse(const fp_opt_command *cmd, void *out, int argc, char **argv);

/* Frees the lists (REPEAT, LIST, positionals) fp_opt_parse() filled in
 * `out`; the strings are argv's and stay. */
void fp_opt_free(const fp_opt_command *cmd, void *out);

/* Prints the command's help: synopsis, description, one entry per option
 * (the table's order, then -h, --help), epilogue. */
void fp_opt_print_help(const fp_opt_command *cmd, FILE *f);

#endif
