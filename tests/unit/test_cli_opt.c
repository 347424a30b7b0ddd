/* test_cli_opt.c - the option tables: every form of every kind of option,
 * lists up to the next option, "--", the one-line usage errors that name
 * the option, and --help made from the table. */
#include "unit.h"

#include <limits.h>

#include "../../src/cli_opt.h"
#include "fixproof/error.h"

typedef struct test_opts {
	fp_args inputs, before, targets;
	const char *output, *title;
	uint64_t count;
	int quiet, format;
} test_opts;

static const fp_opt_choice formats[] = {
	{ "markdown", 0 }, { "html", 1 }, { "md", 0 }, { NULL, 0 }
};

static const fp_opt options[] = {
	FP_OPTION_LIST("before", 'b', test_opts, before, "INPUT", "the inputs before"),
	FP_OPTION_REPEAT("target", 't', test_opts, targets, "PATTERN", "a target"),
	FP_OPTION_STRING("output", 'o', test_opts, output, "FILE", "write to FILE"),
	FP_OPTION_STRING("title", 0, test_opts, title, "TEXT", "the title"),
	FP_OPTION_INT("count", 'n', test_opts, count, "N", 1, 50, "how many"),
	FP_OPTION_ENUM("format", 'f', test_opts, format, "FORMAT", formats, "markdown or html"),
	FP_OPTION_FLAG("quiet", 'q', test_opts, quiet,
		       "a help text long enough that it has to be wrapped over more than one "
		       "line of the help, at a word boundary, never past the eightieth column"),
	FP_OPTION_END
};

static const fp_opt_command command = {
	"demo", "[OPTIONS] INPUT...", "Shows what the parser does.\n", options,
	"INPUT...", offsetof(test_opts, inputs), "the inputs", NULL,
	0
};

/* Parses the NULL-terminated arguments after the command name into *o. */
static int parse(test_opts *o, const char *first, ...)
{
	char *argv[32];
	const char *a;
	va_list ap;
	int argc = 0;

	memset(o, 0, sizeof(*o));
	fp_error_clear();
	argv[argc++] = (char *)"demo";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return fp_opt_parse(&command, o, argc, argv);
}

static void test_opt_parse__value_in_every_form(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--output=a.json", "in.xml", NULL), 0);
	assert_string_equal(o.output, "a.json");
	assert_int_equal(o.inputs.n, 1);
	assert_string_equal(o.inputs.v[0], "in.xml");
	fp_opt_free(&command, &o);
	assert_int_equal(parse(&o, "--output", "b.json", NULL), 0);
	assert_string_equal(o.output, "b.json");
	assert_int_equal(parse(&o, "-o", "c.json", NULL), 0);
	assert_string_equal(o.output, "c.json");
	assert_int_equal(parse(&o, "-od.json", NULL), 0);
	assert_string_equal(o.output, "d.json");
	/* The value is the next argument, even when it looks like an option. */
	assert_int_equal(parse(&o, "--title", "-x", "--title=", NULL), 0);
	assert_string_equal(o.title, "");
	assert_int_equal(o.inputs.n, 0);
}

static void test_opt_parse__list_takes_arguments_up_to_the_next_option(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--before=a", "b", "-", "-q", "c", "-b", "d", "--before", "e",
			       NULL), 0);
	assert_int_equal(o.before.n, 5);
	assert_string_equal(o.before.v[0], "a");
	assert_string_equal(o.before.v[2], "-");
	assert_string_equal(o.before.v[3], "d");
	assert_string_equal(o.before.v[4], "e");
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.inputs.n, 1);
	assert_string_equal(o.inputs.v[0], "c");
	fp_opt_free(&command, &o);
	assert_int_equal(parse(&o, "--before", "--quiet", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: option '--before' needs at least one INPUT; "
			    "see 'fixproof demo --help'");
	fp_opt_free(&command, &o);
}

static void test_opt_parse__repeat_takes_one_value_each_time(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--target", "a", "b", "-t", "c", "-td", "--target=e", NULL), 0);
	assert_int_equal(o.targets.n, 4);
	assert_string_equal(o.targets.v[3], "e");
	assert_int_equal(o.inputs.n, 1);
	assert_string_equal(o.inputs.v[0], "b");
	fp_opt_free(&command, &o);
}

static void test_opt_parse__double_dash_ends_the_options(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-q", "--", "--output=x", "-", NULL), 0);
	assert_null(o.output);
	assert_int_equal(o.inputs.n, 2);
	assert_string_equal(o.inputs.v[0], "--output=x");
	assert_string_equal(o.inputs.v[1], "-");
	fp_opt_free(&command, &o);
}

static void test_opt_parse__int_and_enum_values_are_checked(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--count=50", "-f", "html", NULL), 0);
	assert_int_equal(o.count, 50);
	assert_int_equal(o.format, 1);
	assert_int_equal(parse(&o, "--format=md", "-n7", NULL), 0);
	assert_int_equal(o.format, 0);
	assert_int_equal(o.count, 7);
	assert_int_equal(parse(&o, "--count", "51", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: --count takes a whole number from 1 to 50, "
			    "not '51'; see 'fixproof demo --help'");
	assert_int_equal(parse(&o, "-n", "1x", NULL), FP_EUSAGE);
	assert_non_null(strstr(fp_error_message(), "-n takes a whole number"));
	assert_int_equal(parse(&o, "--count=", NULL), FP_EUSAGE);
	assert_int_equal(parse(&o, "--count= 5", NULL), FP_EUSAGE);
	assert_int_equal(parse(&o, "--count=99999999999999999999", NULL), FP_EUSAGE);
	assert_int_equal(parse(&o, "--format=pdf", NULL), FP_EUSAGE);
	/* The alias "md" is accepted but not offered. */
	assert_string_equal(fp_error_message(), "demo: --format takes markdown or html, not 'pdf'; "
			    "see 'fixproof demo --help'");
}

static void test_opt_parse__errors_name_the_option(void **state)
{
	test_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--frob=1", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: unknown option '--frob'; see 'fixproof demo --help'");
	assert_int_equal(parse(&o, "-x", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: unknown option '-x'; see 'fixproof demo --help'");
	/* A flag takes no value, neither after "=" nor glued to its alias. */
	assert_int_equal(parse(&o, "--quiet=yes", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: option '--quiet' takes no value; "
			    "see 'fixproof demo --help'");
	assert_int_equal(parse(&o, "-qo", NULL), FP_EUSAGE);
	assert_int_equal(parse(&o, "in.xml", "-o", NULL), FP_EUSAGE);
	assert_string_equal(fp_error_message(), "demo: option '-o' needs a value (FILE); "
			    "see 'fixproof demo --help'");
	fp_opt_free(&command, &o);
	/* Long names are never abbreviated. */
	assert_int_equal(parse(&o, "--out", "x", NULL), FP_EUSAGE);
}

static void test_opt_parse__help_is_a_named_code(void **state)
{
	test_opts o;
	FILE *saved = stdout;
	FILE *sink = tmpfile();

	(void)state;
	assert_non_null(sink);
	stdout = sink;
	assert_int_equal(parse(&o, "--count=3", "--help", "--frob", NULL), FP_EHELP);
	assert_int_equal(parse(&o, "-h", NULL), FP_EHELP);
	stdout = saved;
	fclose(sink);
	/* After "--", --help is an argument. */
	assert_int_equal(parse(&o, "--", "--help", NULL), 0);
	assert_string_equal(o.inputs.v[0], "--help");
	fp_opt_free(&command, &o);
}

static void test_opt_print_help__lists_the_table_within_80_columns(void **state)
{
	FILE *f = tmpfile();
	char line[256];
	fp_buf all = FP_BUF_INIT;

	(void)state;
	assert_non_null(f);
	fp_opt_print_help(&command, f);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(strlen(line) <= 80); /* 79 characters and the newline */
		fp_buf_puts(&all, line);
	}
	fclose(f);
	assert_true(strncmp(all.ptr, "usage: fixproof demo [OPTIONS] INPUT...\n\n"
			    "Shows what the parser does.\n\n", 70) == 0);
	/* Every text starts in one column, past the widest option. */
	assert_non_null(strstr(all.ptr, "\n  INPUT...               the inputs\n"));
	assert_non_null(strstr(all.ptr, "\n  -b, --before INPUT...  the inputs before\n"));
	assert_non_null(strstr(all.ptr, "\n  -o, --output FILE"));
	assert_non_null(strstr(all.ptr, "\n      --title TEXT"));
	assert_non_null(strstr(all.ptr, "\n  -h, --help"));
	/* The long text goes on in the same column, cut between words. */
	assert_non_null(strstr(all.ptr, "\n                         "));
	assert_non_null(strstr(all.ptr, " eightieth column\n"));
	assert_null(strstr(all.ptr, "-\n"));
	fp_buf_free(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_parse__value_in_every_form),
		cmocka_unit_test(test_opt_parse__list_takes_arguments_up_to_the_next_option),
		cmocka_unit_test(test_opt_parse__repeat_takes_one_value_each_time),
		cmocka_unit_test(test_opt_parse__double_dash_ends_the_options),
		cmocka_unit_test(test_opt_parse__int_and_enum_values_are_checked),
		cmocka_unit_test(test_opt_parse__errors_name_the_option),
		cmocka_unit_test(test_opt_parse__help_is_a_named_code),
		cmocka_unit_test(test_opt_print_help__lists_the_table_within_80_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
