/*
 * cli_opt.c - the table-driven option parser and the help it prints
 * (cli_opt.h says which forms are accepted).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opt.h"
#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/util.h"

/* The widest option column of --help before the text moves to its own
 * line, and the width help lines stay within. */
#define HELP_SPEC_MAX 24
#define HELP_WIDTH 80

void fp_args_push(fp_args *list, const char *arg)
{
	FP_ARRAY_GROW(list->v, list->n + 1, list->cap);
	list->v[list->n++] = arg;
}

void fp_args_free(fp_args *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

size_t fp_args_count(const fp_args *list, const char *arg)
{
	size_t i, n = 0;

	for (i = 0; i < list->n; i++)
		n += strcmp(list->v[i], arg) == 0;
	return n;
}

/* The member of `out` an option (or the positionals) writes to. */
static void *member(void *out, size_t offset)
{
	return (char *)out + offset;
}

/* Sets a usage message that ends by pointing at the command's help. */
static int usage_error(const fp_opt_command *cmd, const char *fmt, ...) FP_PRINTF(2, 3);
static int usage_error(const fp_opt_command *cmd, const char *fmt, ...)
{
	fp_buf msg = FP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	fp_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	fp_error_set(FP_EUSAGE, "%s: %s; see 'fixproof %s --help'", cmd->name, msg.ptr, cmd->name);
	fp_buf_free(&msg);
	return FP_EUSAGE;
}

static const fp_opt *find_long(const fp_opt *opts, const char *name, size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

static const fp_opt *find_short(const fp_opt *opts, char alias)
{
	for (; opts->name; opts++)
		if (opts->alias && opts->alias == alias)
			return opts;
	return NULL;
}

/* "regressed, unresolved, any or never": the choices, aliases left out. */
static void list_choices(fp_buf *out, const fp_opt_choice *choices)
{
	size_t i, j, n = 0, shown = 0;

	for (i = 0; choices[i].name; i++) {
		for (j = 0; j < i && choices[j].value != choices[i].value; j++)
			;
		n += j == i;
	}
	for (i = 0; choices[i].name; i++) {
		for (j = 0; j < i && choices[j].value != choices[i].value; j++)
			;
		if (j < i)
			continue;
		if (shown)
			fp_buf_puts(out, shown + 1 == n ? " or " : ", ");
		fp_buf_puts(out, choices[i].name);
		shown++;
	}
}

static int set_enum(const fp_opt_command *cmd, const fp_opt *o, int *dst, const char *label,
		    const char *v)
{
	fp_buf names = FP_BUF_INIT;
	const fp_opt_choice *c;

	for (c = o->choices; c->name; c++) {
		if (strcmp(c->name, v) == 0) {
			*dst = c->value;
			return 0;
		}
	}
	list_choices(&names, o->choices);
	usage_error(cmd, "%s takes %s, not '%s'", label, names.ptr, v);
	fp_buf_free(&names);
	return FP_EUSAGE;
}

static int set_int(const fp_opt_command *cmd, const fp_opt *o, uint64_t *dst, const char *label,
		   const char *v)
{
	if (fp_uint_parse(dst, v, strlen(v), o->min, o->max, NULL) == 0)
		return 0;
	if (o->max == UINT64_MAX)
		return usage_error(cmd, "%s takes a whole number of at least %" PRIu64 ", not '%s'",
				   label, o->min, v);
	return usage_error(cmd, "%s takes a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'",
			   label, o->min, o->max, v);
}

/* Stores one value of option `o` (written `label` on the command line). */
static int set_value(const fp_opt_command *cmd, const fp_opt *o, void *out, const char *label,
		     const char *v)
{
	void *dst = member(out, o->offset);

	switch (o->kind) {
	case FP_OPT_STRING:
		*(const char **)dst = v;
		return 0;
	case FP_OPT_REPEAT:
	case FP_OPT_LIST:
		fp_args_push(dst, v);
		return 0;
	case FP_OPT_INT:
		return set_int(cmd, o, dst, label, v);
	case FP_OPT_ENUM:
		return set_enum(cmd, o, dst, label, v);
	default:
		return usage_error(cmd, "option '%s' takes no value", label);
	}
}

/* Whether argv's `arg` may be one of a LIST's values. */
static int is_list_value(const char *arg)
{
	return arg[0] != '-' || strcmp(arg, "-") == 0;
}

/*
 * Takes option `o`, found at argv[*i] and written `label`; `inline_value`
 * is what followed "=" or the short alias, or NULL.
 */
static int take(const fp_opt_command *cmd, const fp_opt *o, void *out, const char *label,
		const char *inline_value, int argc, char **argv, int *i)
{
	int taken = 0;

	if (o->kind == FP_OPT_FLAG) {
		if (inline_value)
			return usage_error(cmd, "option '%s' takes no value", label);
		*(int *)member(out, o->offset) = 1;
		return 0;
	}
	if (o->kind != FP_OPT_LIST) {
		if (!inline_value && *i + 1 >= argc)
			return usage_error(cmd, "option '%s' needs a value (%s)", label, o->metavar);
		return set_value(cmd, o, out, label, inline_value ? inline_value : argv[++*i]);
	}
	if (inline_value) {
		fp_args_push(member(out, o->offset), inline_value);
		taken = 1;
	}
	while (*i + 1 < argc && is_list_value(argv[*i + 1])) {
		fp_args_push(member(out, o->offset), argv[++*i]);
		taken = 1;
	}
	if (!taken)
		return usage_error(cmd, "option '%s' needs at least one %s", label, o->metavar);
	return 0;
}

/* One argument that starts with '-' (not "-" or "--"). */
static int take_option(const fp_opt_command *cmd, void *out, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq;
	char label[3] = { '-', 0, 0 };
	fp_buf name = FP_BUF_INIT;
	const fp_opt *o;
	int err;

	if (arg[1] != '-') {
		label[1] = arg[1];
		if (!(o = find_short(cmd->options, arg[1])) || (o->kind == FP_OPT_FLAG && arg[2]))
			return usage_error(cmd, "unknown option '%s'", arg);
		return take(cmd, o, out, label, arg[2] ? arg + 2 : NULL, argc, argv, i);
	}
	eq = strchr(arg, '=');
	fp_buf_add(&name, arg, eq ? (size_t)(eq - arg) : strlen(arg));
	if (!(o = find_long(cmd->options, name.ptr + 2, name.len - 2)))
		err = usage_error(cmd, "unknown option '%s'", name.ptr);
	else
		err = take(cmd, o, out, name.ptr, eq ? eq + 1 : NULL, argc, argv, i);
	fp_buf_free(&name);
	return err;
}

static int take_positional(const fp_opt_command *cmd, void *out, const char *arg)
{
	if (!cmd->args)
		return usage_error(cmd, "unexpected argument '%s'", arg);
	fp_args_push(member(out, cmd->args_offset), arg);
	return 0;
}

int fp_opt_parse(const fp_opt_command *cmd, void *out, int argc, char **argv)
{
	int i, err = 0, options_end = 0;

	for (i = 1; i < argc && err == 0; i++) {
		const char *arg = argv[i];

		if (options_end || arg[0] != '-' || strcmp(arg, "-") == 0) {
			err = take_positional(cmd, out, arg);
			options_end |= (cmd->flags & FP_OPT_ARGS_END_OPTIONS) != 0;
		} else if (strcmp(arg, "--") == 0) {
			options_end = 1;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fp_opt_print_help(cmd, stdout);
			return FP_EHELP;
		} else {
			err = take_option(cmd, out, argc, argv, &i);
		}
	}
	return err;
}

void fp_opt_free(const fp_opt_command *cmd, void *out)
{
	const fp_opt *o;

	for (o = cmd->options; o->name; o++)
		if (o->kind == FP_OPT_REPEAT || o->kind == FP_OPT_LIST)
			fp_args_free(member(out, o->offset));
	if (cmd->args)
		fp_args_free(member(out, cmd->args_offset));
}

/* ---- help ---- */

/* "-o, --output FILE", "    --before INPUT...", "    --strict". */
static void option_spec(fp_buf *out, const fp_opt *o)
{
	if (o->alias)
		fp_buf_printf(out, "-%c, --%s", o->alias, o->name);
	else
		fp_buf_printf(out, "    --%s", o->name);
	if (o->kind != FP_OPT_FLAG)
		fp_buf_printf(out, " %s%s", o->metavar, o->kind == FP_OPT_LIST ? "..." : "");
}

/*
 * Prints `spec` and its `help`, the text starting at `column` and wrapped
 * at word boundaries so that lines end before HELP_WIDTH.
 */
static void print_entry(FILE *f, const char *spec, const char *help, int column)
{
	const char *p = help;
	int at;

	if ((int)strlen(spec) > column - 4)
		fprintf(f, "  %s\n%*s", spec, column, "");
	else
		fprintf(f, "  %-*s", column - 2, spec);
	at = column;
	while (*p) {
		size_t word = strcspn(p, " ");

		if (at > column && at + 1 + (int)word >= HELP_WIDTH) {
			fprintf(f, "\n%*s", column, "");
			at = column;
		} else if (at > column) {
			fputc(' ', f);
			at++;
		}
		fprintf(f, "%.*s", (int)word, p);
		at += (int)word;
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

void fp_opt_print_help(const fp_opt_command *cmd, FILE *f)
{
	fp_buf spec = FP_BUF_INIT;
	const fp_opt *o;
	size_t width = strlen("-h, --help");

	if (cmd->args && cmd->args_help && strlen(cmd->args) > width)
		width = strlen(cmd->args);
	for (o = cmd->options; o->name; o++) {
		fp_buf_clear(&spec);
		option_spec(&spec, o);
		if (spec.len > width && spec.len <= HELP_SPEC_MAX)
			width = spec.len;
	}
	fprintf(f, "usage: fixproof %s %s\n\n%s\n", cmd->name, cmd->synopsis, cmd->description);
	if (cmd->args && cmd->args_help)
		print_entry(f, cmd->args, cmd->args_help, (int)width + 4);
	for (o = cmd->options; o->name; o++) {
		fp_buf_clear(&spec);
		option_spec(&spec, o);
		print_entry(f, spec.ptr, o->help, (int)width + 4);
	}
	print_entry(f, "-h, --help", "print this help", (int)width + 4);
	if (cmd->epilogue)
		fprintf(f, "\n%s", cmd->epilogue);
	fp_buf_free(&spec);
}
