/*
 * test_chart.c - the outcome chart: its figures, slices of 0 left out,
 * text escaped for Mermaid and for SVG, and the Mermaid block read back.
 */
#include "unit.h"

#include <libxml/parser.h>

#include "fixproof/diff.h"
#include "fixproof/error.h"
#include "fixproof/model.h"
#include "fixproof/render.h"

/* A run of tests given as letters: P passed, I infrastructure failure,
 * B business-logic failure, S skipped, N not run (collected only). */
static fp_run *make_run(const char *letters)
{
	fp_run *run = fp_run_new();
	uint32_t in = fp_run_add_input(run, "results.xml", FP_INPUT_JUNIT);
	const char *p;
	unsigned i = 0;

	for (p = letters; *p; p++) {
		fp_test *t = NULL;
		fp_buf id = FP_BUF_INIT;

		assert_int_equal(fp_run_add_test(&t, run, in), 0);
		fp_buf_printf(&id, "tests/test_a.py::test_%u", i++);
		t->nodeid = fp_run_strdup(run, id.ptr);
		fp_buf_free(&id);
		t->status = *p == 'P' ? FP_STATUS_PASSED : *p == 'S' ? FP_STATUS_SKIPPED
			    : *p == 'N' ? FP_STATUS_NOT_RUN : *p == 'I' ? FP_STATUS_ERROR
			    : FP_STATUS_FAILED;
		t->category = *p == 'I' ? FP_CATEGORY_INFRASTRUCTURE
			      : *p == 'B' ? FP_CATEGORY_BUSINESS_LOGIC : FP_CATEGORY_NONE;
	}
	return run;
}

static uint64_t slice_value(const fp_chart *c, const char *label)
{
	size_t i;

	for (i = 0; i < c->nslices; i++)
		if (strcmp(c->slices[i].label, label) == 0)
			return c->slices[i].value;
	fail_msg("no slice '%s'", label);
	return 0;
}

/* The text between the fences (`fence`, "```" or longer) of the block in `md`. */
static void block_body(fp_buf *out, const char *md, const char *fence)
{
	fp_buf open = FP_BUF_INIT, close = FP_BUF_INIT;
	const char *start, *end;

	fp_buf_printf(&open, "%smermaid\n", fence);
	fp_buf_printf(&close, "\n%s\n", fence);
	start = strstr(md, open.ptr);
	assert_non_null(start);
	start += open.len;
	end = strstr(start - 1, close.ptr);
	fp_buf_free(&open);
	fp_buf_free(&close);
	assert_non_null(end);
	fp_buf_clear(out);
	fp_buf_add(out, start, (size_t)(end + 1 - start));
}

static void test_chart_outcomes_count_each_test_once(void **state)
{
	fp_run *run = make_run("PPPPIIIBBSN");
	fp_chart c;

	(void)state;
	fp_chart_outcomes(&c, run, "Before");
	assert_string_equal(c.title, "Before the fix: 11 tests");
	assert_int_equal(c.nslices, 5);
	assert_int_equal(slice_value(&c, "Passed"), 4);
	assert_int_equal(slice_value(&c, "Infrastructure failures"), 3);
	assert_int_equal(slice_value(&c, "Business-logic failures"), 2);
	assert_int_equal(slice_value(&c, "Skipped"), 1);
	assert_int_equal(slice_value(&c, "Not run"), 1);
	assert_int_equal(fp_chart_total(&c), run->ntests);
	fp_run_free(run);
}

static void test_chart_mermaid_is_a_pie_largest_first(void **state)
{
	fp_run *run = make_run("BPPPIIS");
	fp_buf md = FP_BUF_INIT;
	fp_chart c;

	(void)state;
	fp_chart_outcomes(&c, run, "After");
	fp_chart_mermaid(&md, &c);
	assert_string_equal(md.ptr,
			    "```mermaid\n"
			    "%%{init: {\"theme\": \"base\", \"themeVariables\": {\"pie1\": \"#1a7f37\", "
			    "\"pie2\": \"#bc4c00\", \"pie3\": \"#cf222e\", \"pie4\": \"#8c959f\"}}}%%\n"
			    "pie showData\n"
			    "    title After the fix: 7 tests\n"
			    "    \"Passed\" : 3\n"
			    "    \"Infrastructure failures\" : 2\n"
			    "    \"Business-logic failures\" : 1\n"
			    "    \"Skipped\" : 1\n"
			    "```\n");
	fp_buf_free(&md);
	fp_run_free(run);
}

static void test_chart_zero_slices_are_left_out(void **state)
{
	fp_run *run = make_run("PPS"), *none = make_run("");
	fp_buf md = FP_BUF_INIT, svg = FP_BUF_INIT;
	fp_chart c;

	(void)state;
	fp_chart_outcomes(&c, run, "Before");
	fp_chart_mermaid(&md, &c);
	fp_chart_svg(&svg, &c);
	assert_null(strstr(md.ptr, "failures"));
	assert_null(strstr(md.ptr, "Not run"));
	assert_null(strstr(svg.ptr, "failures"));
	assert_null(strstr(svg.ptr, "Not run"));
	assert_non_null(strstr(svg.ptr, "Skipped: <tspan font-weight=\"600\">1</tspan>"));
	/* A side without tests draws nothing at all. */
	fp_buf_clear(&md);
	fp_buf_clear(&svg);
	fp_chart_outcomes(&c, none, "After");
	assert_int_equal(fp_chart_total(&c), 0);
	fp_chart_mermaid(&md, &c);
	fp_chart_svg(&svg, &c);
	assert_int_equal(md.len, 0);
	assert_int_equal(svg.len, 0);
	fp_buf_free(&md);
	fp_buf_free(&svg);
	fp_run_free(run);
	fp_run_free(none);
}

/* A chart of made-up text: what a library caller might pass. */
static void hostile_chart(fp_chart *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->title, sizeof(c->title), "Say \"hi\"\n```\n<b>&amp;</b>");
	snprintf(c->slices[0].label, sizeof(c->slices[0].label), "a \"quoted\" <label> & more");
	snprintf(c->slices[0].color, sizeof(c->slices[0].color), "#123456");
	c->slices[0].value = 2;
	snprintf(c->slices[1].label, sizeof(c->slices[1].label), "two\nlines");
	snprintf(c->slices[1].color, sizeof(c->slices[1].color), "red\"/>");
	c->slices[1].value = 1;
	c->nslices = 2;
}

static void test_chart_mermaid_text_cannot_break_the_block(void **state)
{
	fp_buf md = FP_BUF_INIT, body = FP_BUF_INIT;
	fp_chart c, back;

	(void)state;
	hostile_chart(&c);
	fp_chart_mermaid(&md, &c);
	/* The title's fence does not end the block: the fence is longer. */
	assert_true(strncmp(md.ptr, "````mermaid\n", 12) == 0);
	assert_non_null(strstr(md.ptr, "    title Say 'hi' ``` <b>&amp;</b>\n"));
	assert_non_null(strstr(md.ptr, "    \"a 'quoted' <label> & more\" : 2\n"));
	assert_non_null(strstr(md.ptr, "    \"two lines\" : 1\n"));
	block_body(&body, md.ptr, "````");
	assert_int_equal(fp_chart_parse_mermaid(&back, body.ptr, body.len), 0);
	assert_string_equal(back.slices[0].label, "a 'quoted' <label> & more");
	assert_string_equal(back.slices[1].label, "two lines");
	fp_buf_free(&md);
	fp_buf_free(&body);
}

static void test_chart_svg_escapes_text_and_parses_as_xml(void **state)
{
	fp_buf svg = FP_BUF_INIT;
	xmlDocPtr doc;
	fp_chart c;

	(void)state;
	hostile_chart(&c);
	fp_chart_svg(&svg, &c);
	assert_null(strstr(svg.ptr, "<label>"));
	assert_null(strstr(svg.ptr, "red\""));
	assert_non_null(strstr(svg.ptr, "a &quot;quoted&quot; &lt;label&gt; &amp; more: "));
	assert_non_null(strstr(svg.ptr, "&lt;b&gt;&amp;amp;&lt;/b&gt;"));
	assert_non_null(strstr(svg.ptr, "role=\"img\""));
	assert_non_null(strstr(svg.ptr, "fill=\"#6e7781\"")); /* the bad colour is grey */
	doc = xmlReadMemory(svg.ptr, (int)svg.len, "chart.svg", "UTF-8", XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	fp_buf_free(&svg);
}

static void test_chart_svg_says_every_figure(void **state)
{
	fp_run *run = make_run("PPPBI");
	fp_buf svg = FP_BUF_INIT;
	fp_chart c;

	(void)state;
	fp_chart_outcomes(&c, run, "After");
	fp_chart_svg(&svg, &c);
	assert_non_null(strstr(svg.ptr, "aria-label=\"After the fix: 5 tests. Passed: 3; "
				"Infrastructure failures: 1; Business-logic failures: 1\""));
	assert_non_null(strstr(svg.ptr, "<title>After the fix: 5 tests. Passed: 3;"));
	/* Three slices, the first more than half the pie: a large arc. */
	assert_non_null(strstr(svg.ptr, " A70 70 0 1 1 "));
	assert_null(strstr(svg.ptr, "<circle"));
	fp_buf_free(&svg);
	fp_run_free(run);
	/* One slice is the whole circle. */
	run = make_run("PP");
	fp_chart_outcomes(&c, run, "After");
	fp_chart_svg(&svg, &c);
	assert_non_null(strstr(svg.ptr, "<circle cx=\"75\" cy=\"110\" r=\"70\" fill=\"#1a7f37\">"));
	fp_buf_free(&svg);
	fp_run_free(run);
}

static void test_chart_mermaid_reads_back(void **state)
{
	fp_run *run = make_run("NPPSBBBIIII");
	fp_buf md = FP_BUF_INIT, body = FP_BUF_INIT, again = FP_BUF_INIT;
	fp_chart c, back;

	(void)state;
	fp_chart_outcomes(&c, run, "Before");
	fp_chart_mermaid(&md, &c);
	block_body(&body, md.ptr, "```");
	assert_int_equal(fp_chart_parse_mermaid(&back, body.ptr, body.len), 0);
	assert_string_equal(back.title, "Before the fix: 11 tests");
	assert_int_equal(back.nslices, 5);
	assert_string_equal(back.slices[0].label, "Infrastructure failures");
	assert_string_equal(back.slices[0].color, "#bc4c00");
	assert_int_equal(slice_value(&back, "Business-logic failures"), 3);
	assert_int_equal(slice_value(&back, "Not run"), 1);
	/* What is read back writes the same block. */
	fp_chart_mermaid(&again, &back);
	assert_string_equal(again.ptr, md.ptr);
	fp_buf_free(&md);
	fp_buf_free(&body);
	fp_buf_free(&again);
	fp_run_free(run);
}

static void test_chart_other_mermaid_is_not_read(void **state)
{
	static const char *const others[] = {
		"graph TD\n  A --> B\n",
		"pie\n  title t\n  \"a\" : x\n",
		"pie\n  title t\n  \"a\" 3\n",
		"pie\n  title t\n  \"a : 3\n",
		"pie\n  title t\n  \"a\" : 99999999999999999999999\n",
		"pie\n  title t\n  \"a\" : 1000000000000001\n",
		"pie\n  title t\n",
		"pie\n  \"a\" : 1\n  \"b\" : 1\n  \"c\" : 1\n  \"d\" : 1\n  \"e\" : 1\n  \"f\" : 1\n"
		"  \"g\" : 1\n  \"h\" : 1\n  \"i\" : 1\n",
		"",
		NULL
	};
	const char *const *p;
	fp_chart c;

	(void)state;
	for (p = others; *p; p++)
		if (fp_chart_parse_mermaid(&c, *p, strlen(*p)) != FP_EPASSTHROUGH)
			fail_msg("read as a chart: %s", *p);
	/* 10^15 is the largest count read. */
	assert_int_equal(fp_chart_parse_mermaid(&c, "pie\n\"a\" : 1000000000000000\n", 27), 0);
	assert_true(c.slices[0].value == 1000000000000000ULL);
	/* A hand-written pie without a directive is read, in a grey. */
	assert_int_equal(fp_chart_parse_mermaid(&c, "pie\n\"a\" : 1\n", 12), 0);
	assert_string_equal(c.slices[0].color, "#6e7781");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chart_outcomes_count_each_test_once),
		cmocka_unit_test(test_chart_mermaid_is_a_pie_largest_first),
		cmocka_unit_test(test_chart_zero_slices_are_left_out),
		cmocka_unit_test(test_chart_mermaid_text_cannot_break_the_block),
		cmocka_unit_test(test_chart_svg_escapes_text_and_parses_as_xml),
		cmocka_unit_test(test_chart_svg_says_every_figure),
		cmocka_unit_test(test_chart_mermaid_reads_back),
		cmocka_unit_test(test_chart_other_mermaid_is_not_read),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xmlCleanupParser();
	return rc;
}
