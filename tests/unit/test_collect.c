/* test_collect.c - the pytest --collect-only reader, fed from memory. */
#include "unit.h"

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/model.h"
#include "fixproof/parse.h"

/* Parses `len` bytes as input "x.txt" of a new run; returns the code. */
static int parse_n(fp_run **out, const char *text, size_t len)
{
	fp_run *run = fp_run_new();
	uint32_t in = fp_run_add_input(run, "x.txt", FP_INPUT_COLLECT);
	fp_source src;
	int err;

	fp_error_clear();
	fp_source_memory(&src, "x.txt", text, len);
	err = fp_collect_parse(run, in, &src);
	fp_source_close(&src);
	*out = run;
	return err;
}

static fp_run *parse_ok(const char *text)
{
	fp_run *run = NULL;

	assert_int_equal(parse_n(&run, text, strlen(text)), 0);
	return run;
}

static void assert_ids(const fp_run *run, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(run->ntests, n);
	for (i = 0; i < n; i++)
		assert_string_equal(run->tests[i].nodeid, want[i]);
}

static void assert_figures(const fp_run *run, uint64_t collected, uint64_t errors,
			   uint64_t deselected, uint64_t files, uint64_t files_with_errors,
			   int interrupted)
{
	const fp_collection *c = &run->collection;

	assert_int_equal(c->present, 1);
	assert_int_equal(c->collected, collected);
	assert_int_equal(c->errors, errors);
	assert_int_equal(c->deselected, deselected);
	assert_int_equal(c->files, files);
	assert_int_equal(c->files_with_errors, files_with_errors);
	assert_int_equal(c->interrupted, interrupted);
}

/*
 * Parses `text`, which must list exactly the tests `ids` (n of them) and
 * state the figures `want`; returns the run for further checks.
 */
static fp_run *expect_listing(const char *text, const char *const *ids, size_t n,
			      fp_collection want)
{
	fp_run *run = parse_ok(text);

	assert_ids(run, ids, n);
	assert_figures(run, want.collected, want.errors, want.deselected, want.files,
		       want.files_with_errors, want.interrupted);
	return run;
}

/* The example of FORMATS.md: pytest 7.2.1, default tree, one error. */
static const char tree7[] =
	"============================= test session starts ==============================\n"
	"platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack\n"
	"rootdir: /home/dev/shop\n"
	"collected 7 items / 1 error\n"
	"\n"
	"<Module tests/test_ledger.py>\n"
	"  <UnitTestCase TestLedger>\n"
	"    <TestCaseFunction test_balance>\n"
	"    <TestCaseFunction test_post>\n"
	"<Module tests/api/test_orders.py>\n"
	"  <Class TestOrders>\n"
	"    <Function test_create_order>\n"
	"    <Function test_cancel_order[card]>\n"
	"    <Function test_cancel_order[cash]>\n"
	"    <Class TestRefunds>\n"
	"      <Function test_partial[a::b c]>\n"
	"  <Function test_codes[p>q]>\n"
	"\n"
	"==================================== ERRORS ====================================\n"
	"______________ ERROR collecting tests/api/test_payments.py ______________\n"
	"ImportError while importing test module '/home/dev/shop/tests/api/test_payments.py'.\n"
	"Hint: make sure your test modules/packages have valid Python names.\n"
	"Traceback:\n"
	"/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
	"    return _bootstrap._gcd_import(name[level:], package, level)\n"
	"tests/api/test_payments.py:1: in <module>\n"
	"    from shop.gateway import Gateway\n"
	"E   ModuleNotFoundError: No module named 'shop.gateway'\n"
	"=========================== short test summary info ============================\n"
	"ERROR tests/api/test_payments.py\n"
	"!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!\n"
	"===================== 7 tests collected, 1 error in 0.05s ======================\n";

static const char *const tree7_ids[] = {
	"tests/test_ledger.py::TestLedger::test_balance",
	"tests/test_ledger.py::TestLedger::test_post",
	"tests/api/test_orders.py::TestOrders::test_create_order",
	"tests/api/test_orders.py::TestOrders::test_cancel_order[card]",
	"tests/api/test_orders.py::TestOrders::test_cancel_order[cash]",
	"tests/api/test_orders.py::TestOrders::TestRefunds::test_partial[a::b c]",
	"tests/api/test_orders.py::test_codes[p>q]",
	"tests/api/test_payments.py",
};

static void check_tree7(const fp_run *run)
{
	const fp_test *e;
	size_t i;

	assert_ids(run, tree7_ids, 8);
	assert_figures(run, 7, 1, 0, 3, 1, 1);
	for (i = 0; i < 7; i++) {
		assert_int_equal(run->tests[i].status, FP_STATUS_NOT_RUN);
		assert_int_equal(run->tests[i].flags, FP_TEST_COLLECTED);
		assert_int_equal(run->tests[i].phase, FP_PHASE_NONE);
		assert_null(run->tests[i].classname);
		assert_null(fp_test_message(&run->tests[i]));
	}
	assert_string_equal(run->tests[0].name, "test_balance");
	assert_string_equal(run->tests[5].name, "test_partial[a::b c]");
	assert_string_equal(run->tests[6].name, "test_codes[p>q]");
	assert_string_equal(run->tests[0].file, "tests/test_ledger.py");
	/* Files are interned: one copy per file. */
	assert_ptr_equal(run->tests[2].file, run->tests[6].file);

	e = &run->tests[7];
	assert_int_equal(e->status, FP_STATUS_ERROR);
	assert_int_equal(e->phase, FP_PHASE_COLLECTION);
	assert_int_equal(e->flags, 0);
	assert_string_equal(e->file, "tests/api/test_payments.py");
	assert_string_equal(e->name, "tests/api/test_payments.py");
	assert_string_equal(fp_test_message(e), "ModuleNotFoundError: No module named 'shop.gateway'");
	assert_string_equal(fp_test_type(e), "ModuleNotFoundError");
	assert_string_equal(fp_test_trace(e),
		"ImportError while importing test module '/home/dev/shop/tests/api/test_payments.py'.\n"
		"Hint: make sure your test modules/packages have valid Python names.\n"
		"Traceback:\n"
		"/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
		"    return _bootstrap._gcd_import(name[level:], package, level)\n"
		"tests/api/test_payments.py:1: in <module>\n"
		"    from shop.gateway import Gateway\n"
		"E   ModuleNotFoundError: No module named 'shop.gateway'");
	assert_int_equal(run->inputs[0].tests, 8);
	assert_int_equal(run->inputs[0].nwarnings, 0);
	assert_int_equal(run->inputs[0].incomplete, 0);
}

static void test_collect_tree_of_pytest7(void **state)
{
	fp_run *run = parse_ok(tree7);

	(void)state;
	check_tree7(run);
	fp_run_free(run);
}

/* Replaces every "\n" of `text` with `eol`. */
static void convert_eol(fp_buf *out, const char *text, const char *eol)
{
	const char *p;

	fp_buf_clear(out);
	for (p = text; *p; p++) {
		if (*p == '\n')
			fp_buf_puts(out, eol);
		else
			fp_buf_putc(out, *p);
	}
}

static void test_collect_crlf_and_cr_line_ends(void **state)
{
	static const char *const eols[] = { "\r\n", "\r" };
	fp_buf text = FP_BUF_INIT;
	fp_run *run = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		convert_eol(&text, tree7, eols[i]);
		assert_int_equal(parse_n(&run, text.ptr, text.len), 0);
		check_tree7(run);
		fp_run_free(run);
	}
	/* No final line end. */
	assert_int_equal(parse_n(&run, tree7, sizeof(tree7) - 2), 0);
	check_tree7(run);
	fp_run_free(run);
	fp_buf_free(&text);
}

/* --color=yes, as pytest 7.2.1 writes it. */
static void test_collect_ansi_colours_are_stripped(void **state)
{
	static const char text[] =
		"\x1b[1m======================= test session starts ========================\x1b[0m\n"
		"platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack\n"
		"collected 1 item / 1 error\n"
		"\n"
		"<Module tests/test_a.py>\n"
		"  <Function test_\x1b[32mok\x1b[0m>\n"
		"\n"
		"============================== ERRORS ==============================\n"
		"\x1b[31m\x1b[1m_________ ERROR collecting tests/test_b.py _________\x1b[0m\n"
		"\x1b[31mtests/test_b.py:1: in <module>\n"
		"E   ValueError: bad config\x1b[0m\n"
		"\x1b[36m\x1b[1m============== short test summary info ==============\x1b[0m\n"
		"\x1b[31mERROR\x1b[0m tests/test_b.py\n"
		"\x1b[31m============ \x1b[32m1 test collected\x1b[0m, \x1b[31m1 error\x1b[0m"
		"\x1b[31m in 0.04s\x1b[0m\x1b[31m ============\x1b[0m\n";
	static const char *const ids[] = { "tests/test_a.py::test_ok", "tests/test_b.py" };
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 2, (fp_collection){ 1, 1, 1, 0, 2, 1, 0 });
	assert_string_equal(fp_test_message(&run->tests[1]), "ValueError: bad config");
	assert_string_equal(fp_test_type(&run->tests[1]), "ValueError");
	assert_string_equal(fp_test_trace(&run->tests[1]),
			    "tests/test_b.py:1: in <module>\nE   ValueError: bad config");
	fp_run_free(run);
}

/* pytest 8: folders and packages from the rootdir down, modules by name. */
static void test_collect_tree_of_pytest8(void **state)
{
	static const char text[] =
		"platform linux -- Python 3.12.3, pytest-8.3.4, pluggy-1.5.0\n"
		"rootdir: /home/dev/shop\n"
		"configfile: pyproject.toml\n"
		"collected 6 items\n"
		"\n"
		"<Dir shop>\n"
		"  <Package checkout>\n"
		"    <Package payments>\n"
		"      <Module test_card.py>\n"
		"        <Function test_declined>\n"
		"    <Module test_cart.py>\n"
		"      <Class TestCart>\n"
		"        <Class TestEmpty>\n"
		"          <Function test_total[0-EUR]>\n"
		"      <Function test_add>\n"
		"  <Dir specs>\n"
		"    <YamlFile test_prices.yaml>\n"
		"      <YamlItem discount applies>\n"
		"  <Module test_top.py>\n"
		"    <Function test_top>\n"
		"  <DoctestTextfile guide.txt>\n"
		"    <DoctestItem guide.txt>\n"
		"\n"
		"======================== 6 tests collected in 0.02s ========================\n";
	static const char *const ids[] = {
		"checkout/payments/test_card.py::test_declined",
		"checkout/test_cart.py::TestCart::TestEmpty::test_total[0-EUR]",
		"checkout/test_cart.py::test_add",
		"specs/test_prices.yaml::discount applies",
		"test_top.py::test_top",
		"guide.txt::guide.txt",
	};
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 6, (fp_collection){ 1, 6, 0, 0, 5, 0, 0 });
	assert_string_equal(run->tests[3].name, "discount applies");
	assert_string_equal(run->tests[3].file, "specs/test_prices.yaml");
	assert_int_equal(run->inputs[0].nwarnings, 0);
	fp_run_free(run);
}

/* Without a header, a <Dir> root still marks a pytest 8 tree. */
static void test_collect_tree_of_pytest8_without_header(void **state)
{
	static const char *const ids[] = { "tests/test_a.py::test_a" };
	fp_run *run;

	(void)state;
	run = expect_listing("<Dir shop>\n  <Dir tests>\n    <Module test_a.py>\n"
			       "      <Function test_a>\n", ids, 1, (fp_collection){ 1, 1, 0, 0, 1, 0, 0 });
	fp_run_free(run);
}

/*
 * pytest 6 does not print a class's Instance level but indents for it, and
 * names packages by their last folder only (a warning says so).
 */
static void test_collect_tree_of_pytest6(void **state)
{
	static const char text[] =
		"platform linux -- Python 3.9.2, pytest-6.2.5, py-1.11.0, pluggy-1.0.0\n"
		"rootdir: /home/dev/shop, configfile: setup.cfg\n"
		"collected 5 items / 1 error / 4 selected\n"
		"\n"
		"<Module tests/test_orders.py>\n"
		"  <Class TestOrders>\n"
		"      <Function test_create>\n"
		"      <Class TestRefunds>\n"
		"          <Function test_partial>\n"
		"      <Function test_cancel>\n"
		"  <Function test_free>\n"
		"<Package payments>\n"
		"  <Module test_card.py>\n"
		"    <Function test_declined>\n"
		"\n";
	static const char *const ids[] = {
		"tests/test_orders.py::TestOrders::test_create",
		"tests/test_orders.py::TestOrders::TestRefunds::test_partial",
		"tests/test_orders.py::TestOrders::test_cancel",
		"tests/test_orders.py::test_free",
		"payments/test_card.py::test_declined",
	};
	fp_run *run = parse_ok(text);

	(void)state;
	assert_ids(run, ids, 5);
	/* pytest 6's "/ 4 selected" left the error out: 5 items were collected. */
	assert_figures(run, 5, 1, 0, 2, 0, 0);
	assert_int_equal(run->inputs[0].nwarnings, 1);
	assert_string_equal(run->inputs[0].warnings[0],
		"'x.txt' line 12: pytest before 8 shows packages without the folders above "
		"them, so node ids under <Package payments> and later packages may lack "
		"those folders; collect with -q for exact node ids");
	fp_run_free(run);
}

/* -v prints docstrings under the nodes; they are not nodes. */
static void test_collect_tree_with_verbose_docstrings(void **state)
{
	static const char text[] =
		"platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack -- /usr/bin/python3\n"
		"cachedir: .pytest_cache\n"
		"rootdir: /home/dev/shop\n"
		"plugins: timeout-2.1.0\n"
		"collecting ... collected 3 items\n"
		"\n"
		"<Module test_cart.py>\n"
		"  Carts and totals.\n"
		"  <Function test_empty>\n"
		"    An empty cart costs nothing.\n"
		"    \n"
		"    <Function fake> in a docstring is text.\n"
		"  <DoctestItem test_cart.total>\n"
		"<DoctestTextfile docs/test_guide.txt>\n"
		"  <DoctestItem test_guide.txt>\n"
		"\n"
		"============================ 3 tests collected in 0.01s ============================\n";
	static const char *const ids[] = {
		"test_cart.py::test_empty",
		"test_cart.py::test_cart.total",
		"docs/test_guide.txt::test_guide.txt",
	};
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 3, (fp_collection){ 1, 3, 0, 0, 2, 0, 0 });
	fp_run_free(run);
}

/* -q: node ids one per line, with "::" and spaces in parameters. */
static void test_collect_quiet_node_ids(void **state)
{
	static const char text[] =
		"tests/api/test_orders.py::TestOrders::test_cancel_order[card]\n"
		"tests/api/test_orders.py::TestOrders::TestInner::test_deep\n"
		"tests/api/test_orders.py::test_codes[x::y]\n"
		"tests/api/test_orders.py::test_codes[a b]\n"
		"tests/test_ledger.py::test_post\n"
		"\n"
		"5 tests collected in 0.01s\n";
	fp_run *run = parse_ok(text);

	(void)state;
	assert_int_equal(run->ntests, 5);
	assert_string_equal(run->tests[2].nodeid, "tests/api/test_orders.py::test_codes[x::y]");
	assert_string_equal(run->tests[0].name, "test_cancel_order[card]");
	assert_string_equal(run->tests[1].name, "test_deep");
	assert_string_equal(run->tests[2].name, "test_codes[x::y]");
	assert_string_equal(run->tests[3].name, "test_codes[a b]");
	assert_string_equal(run->tests[4].file, "tests/test_ledger.py");
	assert_ptr_equal(run->tests[0].file, run->tests[3].file);
	assert_figures(run, 5, 0, 0, 2, 0, 0);
	fp_run_finish(run);
	assert_int_equal(run->ntests, 5);
	assert_int_equal(run->summary.not_run, 5);
	fp_run_free(run);
}

/* -qq: counts per file; only the errors become entries. */
static void test_collect_quiet_quiet_counts_per_file(void **state)
{
	static const char text[] =
		"tests/api/test_orders.py: 5\n"
		"tests/test_ledger.py: 2\n"
		"\n"
		"==================================== ERRORS ====================================\n"
		"_________________ ERROR collecting tests/api/test_payments.py __________________\n"
		"tests/api/test_payments.py:1: in <module>\n"
		"    from shop.gateway import Gateway\n"
		"E   ModuleNotFoundError: No module named 'shop'\n"
		"=========================== short test summary info ============================\n"
		"ERROR tests/api/test_payments.py\n"
		"!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!\n";
	static const char *const ids[] = { "tests/api/test_payments.py" };
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 1, (fp_collection){ 1, 7, 1, 0, 3, 1, 1 });
	fp_run_free(run);
}

typedef struct summary_case {
	const char *text;
	uint64_t collected, errors, deselected;
	int interrupted;
} summary_case;

static void test_collect_summary_lines_give_the_figures(void **state)
{
	static const summary_case cases[] = {
		{ "9 tests collected in 0.01s\n", 9, 0, 0, 0 },
		{ "1 test collected in 0.00s\n", 1, 0, 0, 0 },
		{ "=== 7 tests collected, 1 error in 0.05s ===\n", 7, 1, 0, 0 },
		{ "no tests collected in 0.00s\n", 0, 0, 0, 0 },
		{ "no tests collected, 2 errors in 0.10s\n", 0, 2, 0, 0 },
		{ "1/8 tests collected (7 deselected) in 0.01s\n", 1, 0, 7, 0 },
		{ "no tests collected (3 deselected) in 0.00s\n", 0, 0, 3, 0 },
		{ "12 tests collected, 1 warning in 65.30s (0:01:05)\n", 12, 0, 0, 0 },
		{ "collected 7 items / 1 error / 2 deselected / 5 selected\n", 5, 1, 2, 0 },
		{ "collected 0 items / 1 error\n", 0, 1, 0, 0 },
		{ "collecting ... collected 3 items / 1 skipped\n", 3, 0, 0, 0 },
		/* Before pytest 6.2 the summary did not count what was collected. */
		{ "collected 4 items\n\n====== no tests ran in 0.01s ======\n", 4, 0, 0, 0 },
		{ "collected 4 items / 1 error\n=== 1 error in 0.01s ===\n", 4, 1, 0, 0 },
		{ "!!!!!!! Interrupted: 2 errors during collection !!!!!!!\n", 0, 2, 0, 1 },
		{ "collected 3 items / 2 errors\n!!! Interrupted: 2 errors during collection !!!\n"
		  "=== 3 tests collected, 2 errors in 0.05s ===\n", 3, 2, 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp_run *run = NULL;

		if (parse_n(&run, cases[i].text, strlen(cases[i].text)) != 0)
			fail_msg("case %zu: %s", i, fp_error_message());
		if (run->collection.collected != cases[i].collected ||
		    run->collection.errors != cases[i].errors ||
		    run->collection.deselected != cases[i].deselected ||
		    run->collection.interrupted != cases[i].interrupted)
			fail_msg("case %zu (%s): collected %llu errors %llu deselected %llu", i,
				 cases[i].text, (unsigned long long)run->collection.collected,
				 (unsigned long long)run->collection.errors,
				 (unsigned long long)run->collection.deselected);
		fp_run_free(run);
	}
}

/* With --tb=no there is no ERRORS section: the short summary says it. */
static void test_collect_short_summary_only(void **state)
{
	static const char text[] =
		"tests/test_a.py::test_a\n"
		"\n"
		"=========================== short test summary info ============================\n"
		"ERROR tests/test_b.py - ModuleNotFoundError: No module named 'x'\n"
		"ERROR tests/test_c.py\n"
		"ERROR tests/test_b.py - ModuleNotFoundError: No module named 'x'\n"
		"!!!!!!!!!!!!!!!!!!! Interrupted: 3 errors during collection !!!!!!!!!!!!!!!!!!!!\n"
		"1 test collected, 3 errors in 0.04s\n";
	static const char *const ids[] = { "tests/test_a.py::test_a", "tests/test_b.py",
					   "tests/test_c.py" };
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 3, (fp_collection){ 1, 1, 3, 0, 3, 2, 1 });
	assert_string_equal(fp_test_message(&run->tests[1]), "ModuleNotFoundError: No module named 'x'");
	assert_string_equal(fp_test_type(&run->tests[1]), "ModuleNotFoundError");
	assert_null(fp_test_trace(&run->tests[1]));
	assert_null(fp_test_message(&run->tests[2]));
	assert_null(fp_test_type(&run->tests[2]));
	assert_int_equal(run->tests[2].phase, FP_PHASE_COLLECTION);
	fp_run_free(run);
}

/*
 * pytest reports a module twice when both its Module and DoctestModule
 * fail; the file gets one entry. A section without "E" lines takes its
 * first line as the message; a class can fail to collect on its own.
 */
static void test_collect_error_sections_become_collection_errors(void **state)
{
	static const char text[] =
		"==================================== ERRORS ====================================\n"
		"_______________ ERROR collecting pkg/test_broken.py _______________\n"
		"pkg/test_broken.py:1: in <module>\n"
		"E     File \"/x/pkg/test_broken.py\", line 1\n"
		"E       def f(:\n"
		"E   SyntaxError: invalid syntax\n"
		"E   \n"
		"_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _\n"
		"______________\n"
		"_______________ ERROR collecting pkg/test_broken.py _______________\n"
		"E   SyntaxError: invalid syntax\n"
		"_______________ ERROR collecting pkg/test_mix.py _______________\n"
		"import file mismatch:\n"
		"imported module 'test_mix' has this __file__ attribute:\n"
		"  /a/test_mix.py\n"
		"_______________ ERROR collecting pkg/test_cls.py::TestK _______________\n"
		"E   Failed: In TestK: cannot collect\n"
		"--------------------------- Captured stdout ---------------------------\n"
		"hello\n"
		"=========================== short test summary info ============================\n"
		"ERROR pkg/test_broken.py - SyntaxError: invalid syntax\n"
		"ERROR pkg/test_broken.py\n"
		"ERROR pkg/test_mix.py\n"
		"ERROR pkg/test_cls.py::TestK - Failed: In TestK: cannot collect\n"
		"!!!!!!!!!!!!!!!!!!! Interrupted: 4 errors during collection !!!!!!!!!!!!!!!!!!!!\n"
		"===================== no tests collected, 4 errors in 0.17s =====================\n";
	static const char *const ids[] = { "pkg/test_broken.py", "pkg/test_mix.py",
					   "pkg/test_cls.py::TestK" };
	fp_run *run;

	(void)state;
	run = expect_listing(text, ids, 3, (fp_collection){ 1, 0, 4, 0, 3, 3, 1 });
	assert_string_equal(fp_test_message(&run->tests[0]), "SyntaxError: invalid syntax");
	assert_string_equal(fp_test_type(&run->tests[0]), "SyntaxError");
	assert_string_equal(fp_test_trace(&run->tests[0]),
			    "pkg/test_broken.py:1: in <module>\n"
			    "E     File \"/x/pkg/test_broken.py\", line 1\n"
			    "E       def f(:\n"
			    "E   SyntaxError: invalid syntax\n"
			    "E\n"
			    "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _\n"
			    "______________");
	assert_string_equal(fp_test_message(&run->tests[1]), "import file mismatch:");
	assert_null(fp_test_type(&run->tests[1]));
	assert_string_equal(fp_test_message(&run->tests[2]), "Failed: In TestK: cannot collect");
	assert_string_equal(fp_test_type(&run->tests[2]), "Failed");
	assert_string_equal(run->tests[2].file, "pkg/test_cls.py");
	assert_string_equal(run->tests[2].name, "TestK");
	assert_non_null(strstr(fp_test_trace(&run->tests[2]), "Captured stdout"));
	fp_run_free(run);
}

/* A summary line right after a trace ends it (-rN, no "Interrupted"). */
static void test_collect_summary_ends_an_error_section(void **state)
{
	static const char text[] =
		"==================================== ERRORS ====================================\n"
		"_____________ ERROR collecting t/test_x.py _____________\n"
		"E   assert False\n"
		"2 tests collected, 1 error in 0.02s\n";
	fp_run *run = parse_ok(text);

	(void)state;
	assert_int_equal(run->ntests, 1);
	assert_string_equal(fp_test_trace(&run->tests[0]), "E   assert False");
	assert_string_equal(fp_test_message(&run->tests[0]), "assert False");
	assert_null(fp_test_type(&run->tests[0]));
	assert_int_equal(run->collection.collected, 2);
	assert_int_equal(run->collection.errors, 1);
	fp_run_free(run);
}

/* The output says more tests were collected than it lists: cut short. */
static void test_collect_cut_short_output_is_incomplete(void **state)
{
	static const char text[] =
		"collected 10 items\n"
		"\n"
		"<Module tests/test_a.py>\n"
		"  <Function test_a>\n"
		"  <Function test_b>\n"
		"  <Func";
	fp_run *run = parse_ok(text);

	(void)state;
	assert_int_equal(run->ntests, 2);
	assert_int_equal(run->collection.collected, 10);
	assert_int_equal(run->inputs[0].incomplete, 1);
	assert_int_equal(run->inputs[0].nwarnings, 1);
	assert_string_equal(run->inputs[0].warnings[0],
			    "'x.txt': the output says 10 tests were collected but lists 2; "
			    "it may have been cut short");
	fp_run_free(run);
}

/* A run's output (not --collect-only) is recognised but lists no test. */
/* Expects `text` (of `len` bytes; SIZE_MAX: a C string) to be refused as
 * no collect-only output, with `message`. */
static void expect_foreign(const char *text, size_t len, const char *message)
{
	fp_run *run = NULL;

	if (len == SIZE_MAX)
		len = strlen(text);
	assert_int_equal(parse_n(&run, text, len), FP_PARSE_FOREIGN);
	assert_string_equal(fp_error_message(), message);
	fp_run_free(run);
}

/* Issue 14, item 9: the console output of a test run is no collect-only
 * output; its "ERROR tests/..." lines are no collection errors. */
static void test_collect_run_output_is_refused(void **state)
{
	(void)state;
	expect_foreign("collected 2 items\n\ntests/test_a.py ..   [100%]\n\n"
		      "=== 2 passed in 0.01s ===\n", SIZE_MAX,
		      "'x.txt': the console output of a pytest run (2 passed in 0.01s), not of "
		      "pytest --collect-only: pass the run's JUnit XML (--junitxml=FILE) and the "
		      "output of --collect-only instead");
	/* -q without a summary line (cut short): the progress line tells. */
	expect_foreign(".FE                     [ 60%]\n", SIZE_MAX,
		      "'x.txt': the console output of a pytest run (.FE                     "
		      "[ 60%]), not of pytest --collect-only: pass the run's JUnit XML "
		      "(--junitxml=FILE) and the output of --collect-only instead");
	expect_foreign("=== short test summary info ===\nFAILED t.py::test_a - assert 0\n"
		      "ERROR t.py::test_b - fixture 'db' not found\n", SIZE_MAX,
		      "'x.txt': the console output of a pytest run (FAILED t.py::test_a - assert "
		      "0), not of pytest --collect-only: pass the run's JUnit XML (--junitxml=FILE) "
		      "and the output of --collect-only instead");
}

/* ---- sessions that never started ---- */

/* Parses tests/data/session/NAME. */
static fp_run *parse_session_file(const char *name)
{
	size_t len;
	char *text = unit_read_data("session", name, &len);
	fp_run *run = NULL;

	assert_int_equal(parse_n(&run, text, len), 0);
	free(text);
	return run;
}

/* The one entry of a session that never started, and the figures. */
static const fp_test *session_entry(const fp_run *run, size_t tests, uint64_t collected)
{
	const fp_test *t = &run->tests[run->ntests - 1];

	assert_int_equal(run->ntests, tests);
	assert_string_equal(t->nodeid, "<session>");
	assert_int_equal(t->status, FP_STATUS_ERROR);
	assert_int_equal(t->phase, FP_PHASE_COLLECTION);
	assert_int_equal(t->flags, FP_TEST_SESSION);
	assert_null(t->file);
	assert_true(run->collection.present);
	assert_true(run->collection.interrupted);
	assert_int_equal(run->collection.collected, collected);
	return t;
}

/* Issue 14, item 10: real outputs of pytest 7.2.1 with 2>&1. */
static void test_collect_session__never_started(void **state)
{
	fp_run *run;
	const fp_test *t;

	(void)state;
	run = parse_session_file("conftest-import.txt");
	t = session_entry(run, 1, 0);
	assert_string_equal(fp_test_type(t), "ModuleNotFoundError");
	assert_string_equal(fp_test_message(t), "ImportError while loading conftest "
			    "'/tmp/fixproof-session/conftest-import/tests/conftest.py'.");
	assert_string_equal(fp_test_trace(t), "ImportError while loading conftest "
			    "'/tmp/fixproof-session/conftest-import/tests/conftest.py'.\n"
			    "tests/conftest.py:1: in <module>\n    import shop_fixtures\n"
			    "E   ModuleNotFoundError: No module named 'shop_fixtures'");
	fp_run_free(run);

	run = parse_session_file("usage.txt");
	t = session_entry(run, 1, 0);
	assert_null(fp_test_type(t));
	assert_string_equal(fp_test_message(t),
			    "__main__.py: error: unrecognized arguments: --no-such-option");
	assert_non_null(strstr(fp_test_trace(t), "ERROR: usage: __main__.py [options]"));
	assert_non_null(strstr(fp_test_trace(t), "  rootdir: /tmp/fixproof-session/clean"));
	fp_run_free(run);

	run = parse_session_file("not-found.txt");
	t = session_entry(run, 1, 0);
	assert_string_equal(fp_test_message(t),
			    "ERROR: file or directory not found: tests/test_nope.py");
	fp_run_free(run);

	run = parse_session_file("internalerror.txt");
	t = session_entry(run, 1, 0);
	assert_string_equal(fp_test_type(t), "RuntimeError");
	assert_string_equal(fp_test_message(t), "INTERNALERROR> RuntimeError: the test "
			    "database is not reachable");
	assert_true(strncmp(fp_test_trace(t), "INTERNALERROR> Traceback", 24) == 0);
	fp_run_free(run);

	/* Collected, then the session failed: the listing stays. */
	run = parse_session_file("internalerror-after-collection.txt");
	t = session_entry(run, 2, 1);
	assert_string_equal(run->tests[0].nodeid, "tests/test_cart.py::test_total");
	assert_string_equal(fp_test_message(t), "INTERNALERROR> RuntimeError: the test plan "
			    "service is down");
	fp_run_free(run);
}

/* A line that begins "ERROR: " counts only in text that is pytest's. */
static void test_collect_session__usage_error_needs_pytest(void **state)
{
	fp_run *run;

	(void)state;
	expect_foreign("ERROR: build failed\n", SIZE_MAX,
		      "'x.txt': not pytest --collect-only output (line 1: ERROR: build failed)");
	run = parse_ok("============ test session starts ============\n"
		       "ERROR: /x/pytest.ini:3: unexpected line: 'junk'\n\n");
	assert_string_equal(fp_test_message(session_entry(run, 1, 0)),
			    "ERROR: /x/pytest.ini:3: unexpected line: 'junk'");
	fp_run_free(run);
}

static void test_collect_garbage_is_not_collect_output(void **state)
{
	static const char nul[] = "\0\0\x01\xff\xfe<Module\0 x>\n\x1b[";
	static const char cpp[] = "std::vector<int> v;\nint main() { return 0; }\n";
	static const char words[] =
		"\n\n   some words that go on and on and on and on and on and on and on\n";
	static const char xml[] = "<?xml version=\"1.0\"?>\n<testsuite name=\"x\">\n"
				  "<testcase classname=\"a\" name=\"b\"/></testsuite>\n";
	char random[8192];
	fp_run *run = NULL;
	size_t i;
	uint32_t x = 12345;

	(void)state;
	expect_foreign("", 0, "'x.txt': not pytest --collect-only output "
		      "(no text in it)");
	expect_foreign("\n\n  \r\n", 5, "'x.txt': not pytest --collect-only output "
		      "(no text in it)");
	expect_foreign(xml, sizeof(xml) - 1, "'x.txt': not pytest --collect-only "
		      "output (line 1: <?xml version=\"1.0\"?>)");
	expect_foreign(cpp, strlen(cpp), "'x.txt': not pytest --collect-only output "
		      "(line 1: std::vector<int> v;)");
	expect_foreign(nul, sizeof(nul) - 1, "'x.txt': not pytest --collect-only "
		      "output (line 1: ?\xef\xbf\xbd\xef\xbf\xbd<Module x>)");
	expect_foreign(words, strlen(words), "'x.txt': not pytest --collect-only output "
		      "(line 3: some words that go on and on and on and on and on and on and)");
	for (i = 0; i < sizeof(random); i++) {
		x = x * 1103515245u + 12345u;
		random[i] = (char)(x >> 16);
	}
	/* Whatever it makes of random bytes, it must not crash or leak. */
	(void)parse_n(&run, random, sizeof(random));
	fp_run_free(run);
}

/* Invalid UTF-8 in a node id is kept as U+FFFD; the file is still one. */
static void test_collect_invalid_utf8_is_replaced(void **state)
{
	fp_run *run = parse_ok("t/test_\xff.py::test_a\nt/test_\xff.py::test_b[\xc3]\n");

	(void)state;
	assert_int_equal(run->ntests, 2);
	assert_string_equal(run->tests[0].nodeid, "t/test_\xef\xbf\xbd.py::test_a");
	assert_string_equal(run->tests[1].name, "test_b[\xef\xbf\xbd]");
	assert_ptr_equal(run->tests[0].file, run->tests[1].file);
	assert_int_equal(run->collection.files, 1);
	fp_run_free(run);
}

/* A folder named "[a]" is no parametrization; joining must not crash. */
static void test_collect_bracket_in_path(void **state)
{
	fp_run *run = parse_ok("tests/[a]/test_x.py::TestC::test_y[1]\n");
	fp_buf key = FP_BUF_INIT;

	(void)state;
	assert_string_equal(run->tests[0].name, "test_y[1]");
	assert_string_equal(run->tests[0].file, "tests/[a]/test_x.py");
	fp_test_key(&key, &run->tests[0]);
	assert_string_equal(key.ptr, "tests.[a].test_x.TestC::test_y[1]");
	fp_run_finish(run);
	assert_int_equal(run->ntests, 1);
	fp_buf_free(&key);
	fp_run_free(run);
}

/* Node ids past FP_MAX_NAME are cut at a character boundary, with a warning. */
static void test_collect_long_node_id_is_capped(void **state)
{
	fp_buf text = FP_BUF_INIT;
	fp_run *run = NULL;
	size_t i;

	(void)state;
	fp_buf_puts(&text, "tests/test_long.py::test_x[");
	for (i = 0; i < 3000; i++)
		fp_buf_puts(&text, "\xc3\xa9"); /* é: two bytes */
	fp_buf_puts(&text, "]\n");
	assert_int_equal(parse_n(&run, text.ptr, text.len), 0);
	assert_int_equal(run->ntests, 1);
	assert_true(strlen(run->tests[0].nodeid) <= FP_MAX_NAME);
	assert_true(strlen(run->tests[0].nodeid) >= FP_MAX_NAME - 1);
	assert_null(strstr(run->tests[0].nodeid, "\xef\xbf\xbd"));
	assert_string_equal(run->inputs[0].warnings[0],
			    "'x.txt' line 1: node id longer than 4096 bytes, cut");
	fp_buf_free(&text);
	fp_run_free(run);
}

/*
 * A trace of many megabytes, with one line far longer than a line buffer:
 * it is kept exactly as fp_run_strcap keeps the whole text, and the run's
 * memory does not grow with it.
 */
static void test_collect_huge_trace_is_capped(void **state)
{
	fp_buf text = FP_BUF_INIT, trace = FP_BUF_INIT;
	fp_run *run = NULL, *ref = fp_run_new();
	size_t i, start;

	(void)state;
	fp_buf_puts(&text, "tests/test_ok.py::test_ok\n"
		    "=== ERRORS ===\n"
		    "____ ERROR collecting tests/test_big.py ____\n");
	start = text.len;
	for (i = 0; i < 200000; i++)
		fp_buf_printf(&text, "frame %zu: in <module> \xe2\x86\x92 caf\xc3\xa9\n", i);
	for (i = 0; i < 300000; i++)
		fp_buf_puts(&text, "x\xc3\xa9");
	fp_buf_puts(&text, "\nE   MemoryError: out of it\n");
	fp_buf_add(&trace, text.ptr + start, text.len - start - 1);
	fp_buf_puts(&text, "=== 1 test collected, 1 error in 9.00s ===\n");

	assert_int_equal(parse_n(&run, text.ptr, text.len), 0);
	assert_int_equal(run->ntests, 2);
	assert_string_equal(fp_test_message(&run->tests[1]), "MemoryError: out of it");
	assert_string_equal(fp_test_trace(&run->tests[1]),
			    fp_run_strcap(ref, trace.ptr, trace.len, FP_MAX_TRACE));
	assert_true(run->arena.total < 4u << 20);
	fp_buf_free(&text);
	fp_buf_free(&trace);
	fp_run_free(ref);
	fp_run_free(run);
}

/* Traces of every length around the cap match fp_run_strcap exactly. */
static void test_collect_trace_cap_at_boundaries(void **state)
{
	static const size_t lens[] = { 1, 4095, 4096, 4097, 16319, 16320, 16383, 16384,
				       16385, 16448, 20000, 40000 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		fp_buf text = FP_BUF_INIT, trace = FP_BUF_INIT;
		fp_run *run = NULL, *ref = fp_run_new();
		size_t i;

		fp_buf_puts(&text, "__ ERROR collecting t.py __\n");
		for (i = 0; i < lens[k]; i++)
			fp_buf_puts(&trace, i % 97 == 96 ? "\n" : i % 3 ? "a" : "\xc3\xa9");
		fp_buf_add(&text, trace.ptr, trace.len);
		fp_buf_puts(&text, "\n=== no tests collected, 1 error in 0.01s ===\n");
		assert_int_equal(parse_n(&run, text.ptr, text.len), 0);
		assert_int_equal(run->ntests, 1);
		assert_string_equal(fp_test_trace(&run->tests[0]),
				    fp_run_strcap(ref, trace.ptr, trace.len, FP_MAX_TRACE));
		fp_buf_free(&text);
		fp_buf_free(&trace);
		fp_run_free(ref);
		fp_run_free(run);
	}
}

/*
 * The reader takes 64 KiB at a time: a CRLF and a colour code cut in two
 * by a chunk boundary must read as if whole. The line number and the text
 * quoted by the error message show how they were read.
 */
static void test_collect_chunk_boundaries_change_nothing(void **state)
{
	fp_buf text = FP_BUF_INIT;

	(void)state;
	while (text.len < 65535)
		fp_buf_putc(&text, ' ');
	fp_buf_puts(&text, "\r\nhello\n"); /* "\r" is the last byte of the chunk */
	expect_foreign(text.ptr, text.len, "'x.txt': not pytest --collect-only "
		      "output (line 2: hello)");
	fp_buf_truncate(&text, 65520);
	fp_buf_putc(&text, '\n');
	while (text.len < 65535)
		fp_buf_putc(&text, 'h');
	fp_buf_puts(&text, "\x1b[32mworld\n"); /* ESC is the last byte */
	expect_foreign(text.ptr, text.len, "'x.txt': not pytest --collect-only "
		      "output (line 2: hhhhhhhhhhhhhhworld)");
	fp_buf_free(&text);
}

/* Two collect-only inputs of one run add up (shards). */
static void test_collect_two_inputs_add_up(void **state)
{
	fp_run *run = fp_run_new();
	static const char a[] = "t/test_a.py::test_a\n\n1 test collected in 0.01s\n";
	static const char b[] = "t/test_b.py::test_b\nt/test_b.py::test_c\n\n"
				"2 tests collected in 0.01s\n";
	fp_source src;
	uint32_t in;

	(void)state;
	in = fp_run_add_input(run, "a.txt", FP_INPUT_COLLECT);
	fp_source_memory(&src, "a.txt", a, sizeof(a) - 1);
	assert_int_equal(fp_collect_parse(run, in, &src), 0);
	in = fp_run_add_input(run, "b.txt", FP_INPUT_COLLECT);
	fp_source_memory(&src, "b.txt", b, sizeof(b) - 1);
	assert_int_equal(fp_collect_parse(run, in, &src), 0);
	assert_int_equal(run->collection.collected, 3);
	assert_int_equal(run->collection.files, 2);
	assert_int_equal(run->inputs[0].tests, 1);
	assert_int_equal(run->inputs[1].tests, 2);
	fp_run_free(run);
}

/* Adds an entry as the JUnit reader makes it: classname and name, a result. */
static void add_junit(fp_run *run, uint32_t in, const char *cls, const char *name, fp_status st)
{
	fp_test *t = NULL;

	assert_int_equal(fp_run_add_test(&t, run, in), 0);
	t->classname = fp_run_intern(run, cls, strlen(cls));
	t->name = fp_run_strdup(run, name);
	t->status = (uint8_t)st;
	t->flags = FP_TEST_RESULT;
}

/*
 * The entries of a collect-only file join those of the JUnit file of the
 * same run, test by test, parameters with "::" and the collection error
 * (an empty classname and a dotted module name) included.
 */
static void test_collect_entries_join_junit_entries(void **state)
{
	fp_run *run = parse_ok(tree7);
	uint32_t in = fp_run_add_input(run, "x.xml", FP_INPUT_JUNIT);
	size_t i;

	(void)state;
	add_junit(run, in, "", "tests.api.test_payments", FP_STATUS_ERROR);
	add_junit(run, in, "tests.test_ledger.TestLedger", "test_balance", FP_STATUS_PASSED);
	add_junit(run, in, "tests.test_ledger.TestLedger", "test_post", FP_STATUS_PASSED);
	add_junit(run, in, "tests.api.test_orders.TestOrders", "test_create_order", FP_STATUS_PASSED);
	add_junit(run, in, "tests.api.test_orders.TestOrders", "test_cancel_order[card]",
		  FP_STATUS_PASSED);
	add_junit(run, in, "tests.api.test_orders.TestOrders", "test_cancel_order[cash]",
		  FP_STATUS_PASSED);
	add_junit(run, in, "tests.api.test_orders.TestOrders.TestRefunds", "test_partial[a::b c]",
		  FP_STATUS_FAILED);
	add_junit(run, in, "tests.api.test_orders", "test_codes[p>q]", FP_STATUS_PASSED);
	fp_run_finish(run);
	assert_ids(run, tree7_ids, 8);
	for (i = 0; i < 8; i++)
		assert_true(run->tests[i].flags & FP_TEST_RESULT);
	assert_int_equal(run->summary.tests, 8);
	assert_int_equal(run->summary.passed, 6);
	assert_int_equal(run->summary.failed, 1);
	assert_int_equal(run->summary.errors, 1);
	assert_int_equal(run->summary.not_run, 0);
	assert_int_equal(run->tests[7].phase, FP_PHASE_NONE); /* the JUnit entry's */
	fp_run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_tree_of_pytest7),
		cmocka_unit_test(test_collect_crlf_and_cr_line_ends),
		cmocka_unit_test(test_collect_ansi_colours_are_stripped),
		cmocka_unit_test(test_collect_tree_of_pytest8),
		cmocka_unit_test(test_collect_tree_of_pytest8_without_header),
		cmocka_unit_test(test_collect_tree_of_pytest6),
		cmocka_unit_test(test_collect_tree_with_verbose_docstrings),
		cmocka_unit_test(test_collect_quiet_node_ids),
		cmocka_unit_test(test_collect_quiet_quiet_counts_per_file),
		cmocka_unit_test(test_collect_summary_lines_give_the_figures),
		cmocka_unit_test(test_collect_short_summary_only),
		cmocka_unit_test(test_collect_error_sections_become_collection_errors),
		cmocka_unit_test(test_collect_summary_ends_an_error_section),
		cmocka_unit_test(test_collect_cut_short_output_is_incomplete),
		cmocka_unit_test(test_collect_run_output_is_refused),
		cmocka_unit_test(test_collect_session__never_started),
		cmocka_unit_test(test_collect_session__usage_error_needs_pytest),
		cmocka_unit_test(test_collect_garbage_is_not_collect_output),
		cmocka_unit_test(test_collect_invalid_utf8_is_replaced),
		cmocka_unit_test(test_collect_bracket_in_path),
		cmocka_unit_test(test_collect_long_node_id_is_capped),
		cmocka_unit_test(test_collect_huge_trace_is_capped),
		cmocka_unit_test(test_collect_trace_cap_at_boundaries),
		cmocka_unit_test(test_collect_chunk_boundaries_change_nothing),
		cmocka_unit_test(test_collect_two_inputs_add_up),
		cmocka_unit_test(test_collect_entries_join_junit_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
