/*
 * test_mustache.c - the Mustache engine beyond the spec: escaping modes,
 * error messages, limits, speed on large sections, overriding one block
 * of a built-in template, compiled templates.
 */
#include "unit.h"

#include <time.h>

#include <cjson/cJSON.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/render.h"

/* Partials from a NULL-terminated list of name, text pairs. */
static int list_partial(void *ctx, const char *name, fp_buf *out)
{
	const char *const *p;

	for (p = ctx; p[0]; p += 2) {
		if (strcmp(p[0], name) == 0) {
			fp_buf_puts(out, p[1]);
			return 0;
		}
	}
	return FP_ENOTFOUND;
}

/* Renders `tmpl` over the JSON `json`; returns the code, output in `out`. */
static int render(fp_buf *out, const char *tmpl, const char *json, fp_mustache_opts *opts)
{
	cJSON *data = cJSON_Parse(json);
	int rc;

	assert_non_null(data);
	rc = fp_mustache_render(out, tmpl, strlen(tmpl), "t", data, opts);
	cJSON_Delete(data);
	return rc;
}

static void expect(const char *tmpl, const char *json, fp_escape esc, const char *want)
{
	fp_mustache_opts opts = { esc, NULL, NULL, 0, 0, 0, NULL, NULL };
	fp_buf out = FP_BUF_INIT;

	assert_int_equal(render(&out, tmpl, json, &opts), 0);
	assert_string_equal(out.ptr, want);
	fp_buf_free(&out);
}

static void test_mustache_escape_modes_html_markdown_none(void **state)
{
	const char *json = "{\"name\": \"a|b *c* <x> @bob #12\"}";

	(void)state;
	expect("| {{name}} | {{{name}}} | {{&name}} |", json, FP_ESCAPE_MARKDOWN,
	       "| a&#124;b &#42;c&#42; &lt;x&gt; @\xe2\x81\xa0" "bob &#35;\xe2\x81\xa0" "12 | "
	       "a|b *c* <x> @bob #12 | a|b *c* <x> @bob #12 |");
	expect("{{name}}", json, FP_ESCAPE_HTML, "a|b *c* &lt;x&gt; @bob #12");
	expect("{{name}}", json, FP_ESCAPE_NONE, "a|b *c* <x> @bob #12");
	/* Numbers are interpolated before escaping: 1.5 is no list marker. */
	expect("{{n}} {{m}}", "{\"n\": 1.5, \"m\": -3}", FP_ESCAPE_MARKDOWN, "1.5 &#45;3");
}

static void test_mustache_values_print_as_json_scalars(void **state)
{
	(void)state;
	expect("{{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{f}}|{{g}}|{{h}}|{{i}}",
	       "{\"a\": 85, \"b\": 1.21, \"c\": -0.5, \"d\": 1e20, \"e\": true, \"f\": false,"
	       " \"g\": null, \"h\": {\"x\": 1}, \"i\": [1, 2]}",
	       FP_ESCAPE_HTML, "85|1.21|-0.5|1e+20|true|false|||");
	expect("{{a}}", "{\"a\": 0.1}", FP_ESCAPE_HTML, "0.1");
	expect("{{a}}", "{\"a\": 123456789012345678}", FP_ESCAPE_HTML, "1.2345678901234568e+17");
	/* Truthiness is JavaScript's: 0 and "" hide a section. */
	expect("{{#z}}z{{/z}}{{#e}}e{{/e}}{{#o}}o{{/o}}{{#n}}n{{/n}}{{#s}}s{{/s}}{{^z}}!z{{/z}}",
	       "{\"z\": 0, \"e\": \"\", \"o\": {}, \"n\": 2, \"s\": \"x\"}", FP_ESCAPE_HTML,
	       "ons!z");
	/* Standalone blocks whose lines have no indentation to take off, and
	 * an empty one: their tags have empty lead texts (a fuzz finding,
	 * UBSan: arithmetic on a null pointer). */
	expect("{{$b}}\n{{x}}\n{{/b}}\n", "{\"x\": 1}", FP_ESCAPE_HTML, "1\n");
	expect("  {{$b}}\n  {{/b}}\nend", "{}", FP_ESCAPE_HTML, "end");
	expect("  {{$b}}\n{{#x}}\n{{x}}\n{{/x}}\n  {{/b}}\n", "{\"x\": 2}", FP_ESCAPE_HTML, "2\n");
	/* Dotted names stop at the first frame that has the first part. */
	expect("{{#a}}{{b.c}}{{/a}}", "{\"a\": {\"b\": {}}, \"b\": {\"c\": \"no\"}}",
	       FP_ESCAPE_HTML, "");
}

/* Templates that do not compile, and the message each gets. */
static const char *const bad_templates[][3] = {
	{ "proof", "line one\nline two\n  {{#tests}}\n",
	  "template 'proof' line 3 column 3: unclosed section 'tests'" },
	{ "t", "a\n{{^none}}", "template 't' line 2 column 1: unclosed inverted section 'none'" },
	{ "t", "{{<p}}{{$b}}", "template 't' line 1 column 7: unclosed block 'b'" },
	{ "t", "{{<p}}", "template 't' line 1 column 1: unclosed parent 'p'" },
	{ "t", "x {{/tests}}",
	  "template 't' line 1 column 3: closing tag 'tests' has no open section" },
	{ "t", "{{#a}}\n {{#b}}\n {{/a}}",
	  "template 't' line 3 column 2: closing tag 'a' does not match 'b' opened at line 2 "
	  "column 2" },
	{ "t", "ab\n  {{name", "template 't' line 2 column 3: unclosed tag '{{name'" },
	{ "t", "{{{name}}", "template 't' line 1 column 1: unclosed tag '{{{name}}'" },
	{ "t", "{{=<% =}}", "template 't' line 1 column 1: bad delimiter change '<%'" },
	{ "t", "{{=<% x=y %>=}}",
	  "template 't' line 1 column 1: bad delimiter change '<% x=y %>'" },
	{ "t", "{{ }}", "template 't' line 1 column 1: empty tag" },
	{ "t", "{{a b}}", "template 't' line 1 column 1: whitespace inside the tag name 'a b'" },
	{ "t", "{{#a..b}}{{/a..b}}", "template 't' line 1 column 1: bad name 'a..b'" },
	{ "t", "{{<p}}{{#x}}{{/x}}{{/p}}",
	  "template 't' line 1 column 7: tag 'x' inside a parent tag is not a block" },
	/* Columns count characters, not bytes. */
	{ "t", "\xc3\xa9t\xc3\xa9 {{/x}}",
	  "template 't' line 1 column 5: closing tag 'x' has no open section" },
};

static void test_mustache_errors_name_template_line_column(void **state)
{
	const char *partials[] = { "bad", "ok\n  {{#x}}", NULL };
	fp_mustache_opts opts = { FP_ESCAPE_HTML, list_partial, (void *)partials, 0, 0, 0, NULL, NULL };
	fp_buf out = FP_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_templates) / sizeof(bad_templates[0]); i++) {
		const char *tmpl = bad_templates[i][1];

		fp_error_clear();
		assert_int_equal(fp_mustache_render(&out, tmpl, strlen(tmpl), bad_templates[i][0],
						    NULL, NULL), FP_ETEMPLATE);
		assert_string_equal(fp_error_message(), bad_templates[i][2]);
		assert_int_equal(out.len, 0);
	}
	/* An error in a partial names the partial. */
	fp_error_clear();
	assert_int_equal(fp_mustache_render(&out, "{{>bad}}", 8, "main", NULL, &opts),
			 FP_ETEMPLATE);
	assert_string_equal(fp_error_message(),
			    "template 'bad' line 2 column 3: unclosed section 'x'");
	fp_buf_free(&out);
}

static void test_mustache_depth_limit_stops_recursion(void **state)
{
	const char *partials[] = { "self", "x{{>self}}", "p", "[{{$b}}d{{/b}}]", NULL };
	const char *block = "{{<p}}{{$b}}<{{$b}}{{/b}}>{{/b}}{{/p}}";
	fp_mustache_opts opts = { FP_ESCAPE_HTML, list_partial, (void *)partials, 0, 0, 0, NULL, NULL };
	fp_buf out = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_mustache_render(&out, "{{>self}}", 9, "root", NULL, &opts),
			 FP_ELIMIT);
	assert_string_equal(fp_error_message(), "template 'self' line 1 column 2: 'self' is "
			    "nested deeper than 64 sections, partials and blocks");
	assert_int_equal(out.len, 64);
	fp_buf_clear(&out);
	opts.max_depth = 5;
	assert_int_equal(fp_mustache_render(&out, "{{>self}}", 9, "root", NULL, &opts),
			 FP_ELIMIT);
	assert_string_equal(out.ptr, "xxxxx");
	/* A block that expands itself is caught the same way. */
	fp_buf_clear(&out);
	opts.max_depth = 0;
	assert_int_equal(fp_mustache_render(&out, block, strlen(block), "root", NULL, &opts),
			 FP_ELIMIT);
	assert_string_equal(fp_error_message(), "template 'root' line 1 column 14: 'b' is "
			    "nested deeper than 64 sections, partials and blocks");
	fp_buf_free(&out);
}

static void test_mustache_output_and_step_limits_stop_rendering(void **state)
{
	fp_mustache_opts opts = { FP_ESCAPE_HTML, NULL, NULL, 0, 5000, 0, NULL, NULL };
	fp_buf out = FP_BUF_INIT, json = FP_BUF_INIT;
	int i;

	(void)state;
	fp_buf_puts(&json, "{\"items\": [");
	for (i = 0; i < 1000; i++)
		fp_buf_printf(&json, "%s\"abcdefghij\"", i ? "," : "");
	fp_buf_puts(&json, "]}");
	assert_int_equal(render(&out, "{{#items}}{{.}}{{/items}}", json.ptr, &opts), FP_ELIMIT);
	assert_string_equal(fp_error_message(), "template 't': output larger than 5000 bytes");
	assert_int_equal(out.len, 5010);
	/* Loops that write nothing are bounded by the step limit. */
	fp_buf_clear(&out);
	opts.max_output = 0;
	opts.max_steps = 100000;
	assert_int_equal(render(&out, "{{#items}}{{#items}}{{#items}}{{/items}}{{/items}}{{/items}}",
				json.ptr, &opts), FP_ELIMIT);
	assert_string_equal(fp_error_message(),
			    "template 't': rendering takes more than 100000 steps");
	fp_buf_free(&json);
	fp_buf_free(&out);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_mustache_large_section_renders_every_row(void **state)
{
	const char *tmpl = "| test | status |\n|---|---|\n{{#tests}}\n| {{id}} | {{status}} |\n"
			   "{{/tests}}\n";
	fp_mustache_opts opts = { FP_ESCAPE_MARKDOWN, NULL, NULL, 0, 0, 0, NULL, NULL };
	cJSON *data = cJSON_CreateObject(), *tests = cJSON_AddArrayToObject(data, "tests");
	fp_buf out = FP_BUF_INIT;
	double t0, ms;
	size_t lines = 0, i;
	char id[64];

	(void)state;
	for (i = 0; i < 100000; i++) {
		cJSON *t = cJSON_CreateObject();

		snprintf(id, sizeof(id), "tests/test_x.py::test_%zu[a|b]", i);
		cJSON_AddStringToObject(t, "id", id);
		cJSON_AddStringToObject(t, "status", i % 2 ? "failed" : "passed");
		cJSON_AddItemToArray(tests, t);
	}
	t0 = now();
	assert_int_equal(fp_mustache_render(&out, tmpl, strlen(tmpl), "t", data, &opts), 0);
	ms = (now() - t0) * 1000;
	printf("section over 100000 items: %.1f ms, %zu bytes\n", ms, out.len);
	for (i = 0; i < out.len; i++)
		lines += out.ptr[i] == '\n';
	assert_int_equal(lines, 100002);
	assert_non_null(strstr(out.ptr, "|---|---|\n| tests/test_x.py::test_0&#91;a&#124;b] | "
				"passed |\n| tests/test_x.py::test_1&#91;a&#124;b] | failed |\n"));
	/* Generous, for sanitizer and valgrind runs; plain builds take ~30 ms. */
	assert_true(ms < 5000);
	cJSON_Delete(data);
	fp_buf_free(&out);
}

/*
 * The use case for inheritance: a user's template overrides one block of a
 * built-in template and keeps the rest.
 */
static void test_mustache_override_one_block_of_a_parent(void **state)
{
	const char *partials[] = {
		"proof",
		"## {{$title}}Proof of resolution{{/title}}\n"
		"\n"
		"{{$summary}}\n"
		"Verdict: **{{verdict}}**\n"
		"{{/summary}}\n"
		"\n"
		"{{$footer}}\n"
		"<sub>made by fixproof</sub>\n"
		"{{/footer}}\n",
		NULL
	};
	const char *user = "{{<proof}}\n"
			   "  {{$footer}}\n"
			   "  <sub>checked for {{repo}}</sub>\n"
			   "  {{/footer}}\n"
			   "{{/proof}}\n";
	fp_mustache_opts opts = { FP_ESCAPE_MARKDOWN, list_partial, (void *)partials, 0, 0, 0, NULL, NULL };
	fp_buf out = FP_BUF_INIT;

	(void)state;
	assert_int_equal(render(&out, user, "{\"verdict\": \"resolved\", \"repo\": \"o/r\"}",
				&opts), 0);
	assert_string_equal(out.ptr, "## Proof of resolution\n"
			    "\n"
			    "Verdict: **resolved**\n"
			    "\n"
			    "<sub>checked for o/r</sub>\n");
	fp_buf_free(&out);
}

static void test_mustache_compiled_template_renders_twice(void **state)
{
	fp_mustache_template *t = NULL;
	fp_buf out = FP_BUF_INIT;
	cJSON *a = cJSON_Parse("{\"x\": \"one\"}"), *b = cJSON_Parse("{\"x\": \"two\"}");

	(void)state;
	assert_int_equal(fp_mustache_compile(&t, "[{{x}}]", 7, "c"), 0);
	assert_int_equal(fp_mustache_render_template(&out, t, a, NULL), 0);
	assert_int_equal(fp_mustache_render_template(&out, t, b, NULL), 0);
	assert_string_equal(out.ptr, "[one][two]");
	fp_mustache_template_free(t);
	fp_mustache_template_free(NULL);
	assert_int_equal(fp_mustache_compile(&t, "{{#x}}", 6, "c"), FP_ETEMPLATE);
	cJSON_Delete(a);
	cJSON_Delete(b);
	fp_buf_free(&out);
}

static int teardown(void **state)
{
	(void)state;
	fp_error_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mustache_escape_modes_html_markdown_none),
		cmocka_unit_test(test_mustache_values_print_as_json_scalars),
		cmocka_unit_test(test_mustache_errors_name_template_line_column),
		cmocka_unit_test(test_mustache_depth_limit_stops_recursion),
		cmocka_unit_test(test_mustache_output_and_step_limits_stop_rendering),
		cmocka_unit_test(test_mustache_large_section_renders_every_row),
		cmocka_unit_test(test_mustache_override_one_block_of_a_parent),
		cmocka_unit_test(test_mustache_compiled_template_renders_twice),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
