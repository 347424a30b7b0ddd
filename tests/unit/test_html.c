/*
 * test_html.c - the HTML page: allowed raw HTML survives, anything else
 * shows as text, tables and code render as on GitHub, and the page parses
 * cleanly with libxml2's HTML parser and, for balanced input, as XML.
 */
#include "unit.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "fixproof/buf.h"
#include "fixproof/json.h"
#include "fixproof/render.h"
#include "fixproof/utf8.h"

#define WJ "\xe2\x81\xa0"

static void page(fp_buf *out, const char *md, const char *title)
{
	fp_buf_clear(out);
	assert_int_equal(fp_html_page(out, md, strlen(md), title), 0);
	assert_true(fp_utf8_valid(out->ptr, out->len));
}

static int html_errors;

/* Counts parser errors; libxml2 predates HTML5 and calls <main> unknown. */
static void count_error(void *ctx, const xmlError *e)
{
	(void)ctx;
	if (e->code != XML_HTML_UNKNOWN_TAG) {
		printf("libxml2: %s", e->message);
		html_errors++;
	}
}

/* Each string of the NULL-terminated `list` is (or is not) in `html`. */
static void contains(const fp_buf *html, const char *const *list, int want)
{
	for (; *list; list++)
		if ((strstr(html->ptr, *list) != NULL) != want)
			fail_msg("%s '%s'", want ? "missing" : "unexpected", *list);
}

/* Parses the page as HTML, with no error allowed, and as XML. */
static htmlDocPtr parse_page(const fp_buf *html)
{
	htmlDocPtr doc;
	xmlDocPtr xml;

	html_errors = 0;
	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)count_error);
	doc = htmlReadMemory(html->ptr, (int)html->len, "page.html", "UTF-8", HTML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(html_errors, 0);
	xml = xmlReadMemory(html->ptr, (int)html->len, "page.xml", "UTF-8", XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	assert_non_null(xml);
	assert_int_equal(html_errors, 0);
	xmlFreeDoc(xml);
	return doc;
}

/* The text of the nodes matching `xpath`, joined by '|'. */
static void texts(fp_buf *out, htmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
	int i;

	fp_buf_clear(out);
	for (i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		xmlChar *s = xmlNodeGetContent(res->nodesetval->nodeTab[i]);

		fp_buf_printf(out, "%s%s", i ? "|" : "", (const char *)s);
		xmlFree(s);
	}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
}

static void test_html_page_structure(void **state)
{
	static const char *const fetching[] = { "<link", "<script", "url(", "src=", "@import", NULL };
	fp_buf html = FP_BUF_INIT, t = FP_BUF_INIT;
	htmlDocPtr doc;

	(void)state;
	page(&html, "# Proof\n\nVerdict: **resolved**\n", "a <b> & \"c\"");
	assert_true(strncmp(html.ptr, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
			    "<meta charset=\"utf-8\" />\n", 63) == 0);
	assert_non_null(strstr(html.ptr, "<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
	assert_non_null(strstr(html.ptr, "max-width:980px"));
	assert_non_null(strstr(html.ptr, "<main>\n<h1>Proof</h1>\n<p>Verdict: "
				"<strong>resolved</strong></p>\n</main>\n</body>\n</html>\n"));
	/* Readable from disk: nothing is fetched. */
	contains(&html, fetching, 0);
	doc = parse_page(&html);
	texts(&t, doc, "//title");
	assert_string_equal(t.ptr, "a <b> & \"c\"");
	xmlFreeDoc(doc);
	page(&html, "", NULL);
	assert_non_null(strstr(html.ptr, "<title>fixproof report</title>"));
	fp_buf_free(&t);
	fp_buf_free(&html);
}

static void test_allowed_html_survives(void **state)
{
	const char *md = "<!-- fixproof:proof-1 -->\n"
			 "## Result\n"
			 "\n"
			 "<details>\n"
			 "<summary>Failed tests (2)</summary>\n"
			 "\n"
			 "| test | status |\n"
			 "| --- | :---: |\n"
			 "| a | failed |\n"
			 "| b | error |\n"
			 "\n"
			 "</details>\n"
			 "\n"
			 "one<br>two<BR/>three\n"
			 "\n"
			 "```python\n"
			 "assert 1 == 2\n"
			 "```\n"
			 "\n"
			 "- [x] done\n"
			 "- [ ] open\n";
	static const char *const present[] = {
		"<!-- fixproof:proof-1 -->",
		"<details>\n<summary>Failed tests (2)</summary>\n",
		"</details>",
		"<p>one<br />two<br />three</p>",
		"<pre lang=\"python\"><code>assert 1 == 2\n</code></pre>",
		"<th align=\"center\">status</th>",
		"checked=\"\" disabled=\"\" /> done",
		NULL
	};
	fp_buf html = FP_BUF_INIT, t = FP_BUF_INIT;
	htmlDocPtr doc;

	(void)state;
	page(&html, md, "t");
	contains(&html, present, 1);
	doc = parse_page(&html);
	texts(&t, doc, "//details/summary");
	assert_string_equal(t.ptr, "Failed tests (2)");
	texts(&t, doc, "//table/tbody/tr/td");
	assert_string_equal(t.ptr, "a|failed|b|error");
	texts(&t, doc, "//comment()");
	assert_string_equal(t.ptr, " fixproof:proof-1 ");
	xmlFreeDoc(doc);
	fp_buf_free(&t);
	fp_buf_free(&html);
}

static void test_other_html_shows_as_text(void **state)
{
	const char *md = "<script>alert(1)</script>\n"
			 "\n"
			 "<img src=x onerror=alert(1)>\n"
			 "\n"
			 "text <b onclick=\"x()\">bold</b> <details open> <a href=\"javascript:x\">a</a>\n"
			 "\n"
			 "<!-- other comment -->\n"
			 "\n"
			 "<!-- fixproof:key --><iframe src=\"//evil\"></iframe>\n"
			 "\n"
			 "<style>body{display:none}</style>\n"
			 "\n"
			 "<div>\n"
			 "<textarea>x</textarea> & &bogus &amp; &#35;\n"
			 "</div>\n";
	static const char *const absent[] = {
		"<script", "<img", "<b ", "<a ", "<iframe", "<div", "<textarea", "<details open",
		"<!-- other", NULL
	};
	static const char *const present[] = {
		"&lt;script&gt;alert(1)&lt;/script&gt;", "<!-- fixproof:key -->&lt;iframe", NULL
	};
	fp_buf html = FP_BUF_INIT, t = FP_BUF_INIT;
	htmlDocPtr doc;

	(void)state;
	page(&html, md, "t");
	contains(&html, absent, 0);
	contains(&html, present, 1);
	doc = parse_page(&html);
	texts(&t, doc, "//main");
	assert_string_equal(t.ptr, "\n<script>alert(1)</script>\n"
			    "<img src=x onerror=alert(1)>\n"
			    "text <b onclick=\"x()\">bold</b> <details open> "
			    "<a href=\"javascript:x\">a</a>\n"
			    "<!-- other comment -->\n"
			    "<iframe src=\"//evil\"></iframe>\n"
			    "<style>body{display:none}</style>\n"
			    "<div>\n<textarea>x</textarea> & &bogus & #\n</div>\n");
	texts(&t, doc, "//body//*[not(self::main) and not(self::p)]");
	assert_string_equal(t.ptr, "");
	xmlFreeDoc(doc);
	fp_buf_free(&t);
	fp_buf_free(&html);
}

/*
 * fp_markdown_escape's output is meant to read right inside GitHub's raw
 * HTML blocks too, such as a <summary> line: it escapes with character
 * references, which HTML decodes, rather than backslashes, which it keeps.
 */
static void test_escaped_text_in_summary(void **state)
{
	const char *name = "t.py::test[a|b] *y* _z_ <script>x</script> @bob \\ `q` ~s~";
	fp_buf md = FP_BUF_INIT, html = FP_BUF_INIT, t = FP_BUF_INIT;
	htmlDocPtr doc;

	(void)state;
	fp_buf_puts(&md, "<details>\n<summary>");
	fp_markdown_escape(&md, name, strlen(name));
	fp_buf_puts(&md, "</summary>\n\nbody\n\n</details>\n\n| ");
	fp_markdown_escape(&md, name, strlen(name));
	fp_buf_puts(&md, " |\n| --- |\n");
	page(&html, md.ptr, "t");
	doc = parse_page(&html);
	texts(&t, doc, "//summary|//th");
	assert_string_equal(t.ptr, "t.py::test[a|b] *y* _z_ <script>x</script> @" WJ "bob \\ `q` ~s~|"
			    "t.py::test[a|b] *y* _z_ <script>x</script> @" WJ "bob \\ `q` ~s~");
	xmlFreeDoc(doc);
	fp_buf_free(&t);
	fp_buf_free(&html);
	fp_buf_free(&md);
}

static void test_html_invalid_utf8_is_replaced(void **state)
{
	static const char md[] = "bad \xff\xfe bytes\0!";
	fp_buf html = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_html_page(&html, md, sizeof(md) - 1, "title \xff"), 0);
	assert_true(fp_utf8_valid(html.ptr, html.len));
	assert_non_null(strstr(html.ptr, "<title>title \xef\xbf\xbd</title>"));
	assert_non_null(strstr(html.ptr, "<p>bad \xef\xbf\xbd\xef\xbf\xbd bytes\xef\xbf\xbd!</p>"));
	fp_buf_free(&html);
}

static void test_html_code_wraps_after_separators(void **state)
{
	fp_buf html = FP_BUF_INIT;
	htmlDocPtr doc;
	fp_buf t = FP_BUF_INIT;

	(void)state;
	page(&html, "Failed: `tests/a.py::TestB::test_c[x.y]` and `<&>`.\n", NULL);
	assert_non_null(strstr(html.ptr, "<code>tests/<wbr />a.<wbr />py::<wbr />TestB::<wbr />"
				"test_c[x.<wbr />y]</code>"));
	assert_non_null(strstr(html.ptr, "<code>&lt;&amp;&gt;</code>"));
	/* No break at the end, none inside a name, and the text is the id. */
	assert_null(strstr(html.ptr, "<wbr /></code>"));
	doc = parse_page(&html);
	texts(&t, doc, "//code");
	assert_string_equal(t.ptr, "tests/a.py::TestB::test_c[x.y]|<&>");
	xmlFreeDoc(doc);
	/* Code blocks keep their text as it is. */
	page(&html, "```\na/b.c::d\n```\n", NULL);
	assert_non_null(strstr(html.ptr, "<pre><code>a/b.c::d\n</code></pre>"));
	fp_buf_free(&t);
	fp_buf_free(&html);
}

static void test_html_mermaid_pie_becomes_svg(void **state)
{
	static const char md[] =
		"Before:\n\n"
		"```mermaid\n"
		"%%{init: {\"theme\": \"base\", \"themeVariables\": {\"pie1\": \"#1a7f37\", "
		"\"pie2\": \"#cf222e\"}}}%%\n"
		"pie showData\n"
		"    title Before the fix: 5 tests\n"
		"    \"Passed\" : 3\n"
		"    \"Business-logic failures\" : 2\n"
		"```\n\n"
		"```mermaid\ngraph TD\n  A --> B\n```\n";
	fp_buf html = FP_BUF_INIT, t = FP_BUF_INIT;
	htmlDocPtr doc;

	(void)state;
	page(&html, md, NULL);
	assert_non_null(strstr(html.ptr, "<figure class=\"chart\">\n<svg "));
	assert_non_null(strstr(html.ptr, "<title>Before the fix: 5 tests. Passed: 3; "
				"Business-logic failures: 2</title>"));
	assert_non_null(strstr(html.ptr, "fill=\"#cf222e\""));
	assert_null(strstr(html.ptr, "fixproof-chart"));
	/* Any other Mermaid stays a code block. */
	assert_non_null(strstr(html.ptr, "<pre lang=\"mermaid\"><code>graph TD\n"));
	doc = parse_page(&html);
	texts(&t, doc, "//figure");
	assert_non_null(strstr(t.ptr, "Business-logic failures: 2"));
	xmlFreeDoc(doc);
	fp_buf_free(&t);
	fp_buf_free(&html);
}

static void test_html_chart_placeholder_cannot_come_from_input(void **state)
{
	fp_buf html = FP_BUF_INIT;

	(void)state;
	page(&html, "<fixproof-chart n=\"0\"></fixproof-chart>\n\nx `<fixproof-chart n=\"0\">`\n",
	     NULL);
	assert_null(strstr(html.ptr, "<fixproof-chart"));
	assert_null(strstr(html.ptr, "<svg"));
	assert_non_null(strstr(html.ptr, "&lt;fixproof-chart n=\"0\"&gt;"));
	fp_buf_free(&html);
}

static void test_html_report_page_has_a_verdict_banner(void **state)
{
	static const char md[] = "<!-- fixproof:proof -->\n## Proof: Regressed\n\nText.\n";
	fp_buf html = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_html_report_page(&html, md, strlen(md), "t", FP_VERDICT_REGRESSED), 0);
	assert_non_null(strstr(html.ptr, "<h2>Proof: Regressed</h2>\n<div class=\"verdict "
				"verdict-regressed\" role=\"note\"><span class=\"verdict-mark\" "
				"aria-hidden=\"true\">\xe2\x9c\x97</span><strong>Verdict: Regressed</strong> "
				"\xe2\x80\x94 a test that passed before fails after the fix.</div>\n<p>Text."));
	fp_buf_clear(&html);
	/* Without a heading, the banner comes first; the plain page has none. */
	assert_int_equal(fp_html_report_page(&html, "Text.\n", 6, "t", FP_VERDICT_RESOLVED), 0);
	assert_non_null(strstr(html.ptr, "<main>\n<div class=\"verdict verdict-resolved\""));
	fp_buf_clear(&html);
	assert_int_equal(fp_html_page(&html, md, strlen(md), "t"), 0);
	assert_null(strstr(html.ptr, "<div class=\"verdict"));
	fp_buf_free(&html);
}

static int teardown(void **state)
{
	(void)state;
	xmlCleanupParser();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_page_structure),
		cmocka_unit_test(test_allowed_html_survives),
		cmocka_unit_test(test_other_html_shows_as_text),
		cmocka_unit_test(test_escaped_text_in_summary),
		cmocka_unit_test(test_html_invalid_utf8_is_replaced),
		cmocka_unit_test(test_html_code_wraps_after_separators),
		cmocka_unit_test(test_html_mermaid_pie_becomes_svg),
		cmocka_unit_test(test_html_chart_placeholder_cannot_come_from_input),
		cmocka_unit_test(test_html_report_page_has_a_verdict_banner),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
