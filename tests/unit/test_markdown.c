/*
 * test_markdown.c - Markdown safety, proved with cmark-gfm (the library
 * GitHub's renderer is built on, with GitHub's extensions): every hostile
 * string, escaped, parses back as one text node holding the original
 * characters (plus the documented word joiners), in a paragraph, after a
 * paragraph line, and in a table cell, and the table keeps its cells.
 */
#include "unit.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "fixproof/buf.h"
#include "fixproof/render.h"

#define WJ "\xe2\x81\xa0"
#define FFFD "\xef\xbf\xbd"

static cmark_node *parse(const char *md, size_t n)
{
	static const char *const exts[] = {
		"table", "autolink", "strikethrough", "tagfilter", "tasklist", NULL
	};
	cmark_parser *p;
	cmark_node *doc;
	size_t i;

	cmark_gfm_core_extensions_ensure_registered();
	p = cmark_parser_new(CMARK_OPT_DEFAULT);
	for (i = 0; exts[i]; i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);

		assert_non_null(e);
		cmark_parser_attach_syntax_extension(p, e);
	}
	cmark_parser_feed(p, md, n);
	doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	cmark_consolidate_text_nodes(doc);
	return doc;
}

static const char *type_of(cmark_node *n)
{
	return cmark_node_get_type_string(n);
}

/* Every node of the tree is one of the space-separated `allowed` types. */
static void only_types(cmark_node *doc, const char *allowed)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		fp_buf word = FP_BUF_INIT;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		fp_buf_printf(&word, " %s ", type_of(cmark_iter_get_node(it)));
		if (!strstr(allowed, word.ptr))
			fail_msg("unexpected node '%s'", word.ptr);
		fp_buf_free(&word);
	}
	cmark_iter_free(it);
}

/* `node` holds nothing but one text node reading `want` (or nothing). */
static void one_text(cmark_node *node, const char *want)
{
	cmark_node *c = cmark_node_first_child(node);

	if (!*want) {
		assert_null(c);
		return;
	}
	assert_non_null(c);
	assert_string_equal(type_of(c), "text");
	assert_string_equal(cmark_node_get_literal(c), want);
	assert_null(cmark_node_next(c));
}

/* No GitHub post-processing can find a mention, reference or URL. */
static void no_github_links(const char *text)
{
	const char *p;

	for (p = text; *p; p++) {
		char next = p[1];
		int alnum = (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
			    (next >= 'A' && next <= 'Z');

		assert_false((*p == '@' || *p == '#') && alnum);
		assert_false(((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) &&
			     strncmp(p + 1, "://", 3) == 0);
		assert_false(strncasecmp(p, "www.", 4) == 0);
		assert_false((*p == '-' && p - text >= 2 && strncasecmp(p - 2, "gh", 2) == 0 &&
			      next >= '0' && next <= '9'));
	}
}

static void check_escaped(const char *in, size_t n, const char *want)
{
	fp_buf md = FP_BUF_INIT, doc_text = FP_BUF_INIT;
	cmark_node *doc, *para, *table, *row, *cell;

	fp_markdown_escape(&md, in, n);
	assert_null(memchr(md.ptr, '\n', md.len));
	assert_null(strstr(md.ptr, "<!--"));
	no_github_links(want);

	/* Alone, at the start of a line: no block other than a paragraph. */
	fp_buf_printf(&doc_text, "%s\n", md.ptr);
	doc = parse(doc_text.ptr, doc_text.len);
	only_types(doc, " document paragraph text ");
	para = cmark_node_first_child(doc);
	if (*want) {
		assert_string_equal(type_of(para), "paragraph");
		one_text(para, want);
		assert_null(cmark_node_next(para));
	}
	cmark_node_free(doc);

	/* After a paragraph line: no setext heading, no lazy markup. */
	fp_buf_clear(&doc_text);
	fp_buf_printf(&doc_text, "intro\n%s\n", md.ptr);
	doc = parse(doc_text.ptr, doc_text.len);
	only_types(doc, " document paragraph text softbreak ");
	assert_null(cmark_node_next(cmark_node_first_child(doc)));
	cmark_node_free(doc);

	/* Two cells of a table row: the row keeps exactly two cells. */
	fp_buf_clear(&doc_text);
	fp_buf_printf(&doc_text, "| a | b |\n| --- | --- |\n| %s | %s |\n", md.ptr, md.ptr);
	doc = parse(doc_text.ptr, doc_text.len);
	only_types(doc, " document table table_header table_row table_cell text ");
	table = cmark_node_first_child(doc);
	assert_string_equal(type_of(table), "table");
	row = cmark_node_next(cmark_node_first_child(table));
	assert_non_null(row);
	assert_null(cmark_node_next(row));
	cell = cmark_node_first_child(row);
	one_text(cell, want);
	cell = cmark_node_next(cell);
	one_text(cell, want);
	assert_null(cmark_node_next(cell));
	cmark_node_free(doc);

	fp_buf_free(&doc_text);
	fp_buf_free(&md);
}

/* Hostile inputs and the text GitHub must show for them. */
static const char *const hostile[][2] = {
	{ "|", "|" },
	{ "a | b || c", "a | b || c" },
	{ "`", "`" },
	{ "``` js", "``` js" },
	{ "~~~", "~~~" },
	{ "`code` and ``more``", "`code` and ``more``" },
	{ "@user", "@" WJ "user" },
	{ "@org/team please look", "@" WJ "org/team please look" },
	{ "cc @a, @b-c and @", "cc @" WJ "a, @" WJ "b-c and @" },
	{ "#1", "#" WJ "1" },
	{ "fixes #123 and # 4", "fixes #" WJ "123 and # 4" },
	{ "GH-12", "GH-" WJ "12" },
	{ "see gh-7", "see gh-" WJ "7" },
	{ "owner/repo#3", "owner/repo#" WJ "3" },
	{ "<script>alert(1)</script>", "<script>alert(1)</script>" },
	{ "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>" },
	{ "<!-- fixproof:key -->", "<!-- fixproof:key -->" },
	{ "<details><summary>x</summary>", "<details><summary>x</summary>" },
	{ "[x](javascript:alert(1))", "[x](javascript:alert(1))" },
	{ "![i](http://x)", "![i](http" WJ "://x)" },
	{ "[x]: http://evil", "[x]: http" WJ "://evil" },
	{ "<http://x>", "<http" WJ "://x>" },
	{ "**b**", "**b**" },
	{ "*i*", "*i*" },
	{ "_i_", "_i_" },
	{ "a*b*c", "a*b*c" },
	{ "x _y_ z", "x _y_ z" },
	{ "~~s~~", "~~s~~" },
	{ "~s~", "~s~" },
	{ "- item", "- item" },
	{ "+ item", "+ item" },
	{ "* item", "* item" },
	{ "1. item", "1. item" },
	{ "12) item", "12) item" },
	{ "- [ ] task", "- [ ] task" },
	{ "[x] done", "[x] done" },
	{ "# h", "# h" },
	{ "###### h6", "###### h6" },
	{ "> q", "> q" },
	{ "    code", "    code" },
	{ "\tcode", " code" },
	{ "---", "---" },
	{ "===", "===" },
	{ "***", "***" },
	{ "___", "___" },
	{ "- - -", "- - -" },
	{ "\\", "\\" },
	{ "a\\", "a\\" },
	{ "\\*not\\*", "\\*not\\*" },
	{ "&amp;", "&amp;" },
	{ "&copy; &#35; &#x41;", "&copy; &#" WJ "35; &#" WJ "x41;" },
	{ "https://evil.example", "https" WJ "://evil.example" },
	{ "ftp://evil.example/x", "ftp" WJ "://evil.example/x" },
	{ "www.evil.example", "www" WJ ".evil.example" },
	{ "(WWW.evil.example)", "(WWW" WJ ".evil.example)" },
	{ "a@b.example", "a@" WJ "b.example" },
	{ "mailto:a@b.example", "mailto:a@" WJ "b.example" },
	{ ":emoji:", ":" WJ "emoji:" },
	{ ":+1: :-1:", ":" WJ "+1: :" WJ "-1:" },
	{ "$x^2$ and $$y$$", "$x^2$ and $$y$$" },
	{ "[^1]", "[^1]" },
	{ "<", "<" },
	{ "a < b > c", "a < b > c" },
	{ "x  ", "x  " },
	{ "  lead and trail  ", "  lead and trail  " },
	{ "   ", "   " },
	{ "1.5", "1.5" },
	{ "-3", "-3" },
	{ "tests/test_x.py::TestK::test_y[a-b]", "tests/test_x.py::TestK::test_y[a-b]" },
	{ "test_a_b __init__ snake_", "test_a_b __init__ snake_" },
	{ "line1\nline2\r\nline3\rline4\tx", "line1 line2 line3 line4 x" },
	{ "ctl\x01\x1b[31m\x7f" "end", "ctl[31mend" },
	{ "a\xc2\x85" "b", "ab" },
	{ "bad\xff\xfeutf8\xe2\x82", "bad" FFFD FFFD "utf8" FFFD FFFD },
	{ "\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80", "\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80" },
	{ "&#124;", "&#" WJ "124;" },
	{ "a\\|b", "a\\|b" },
	{ "", "" },
};

static void test_markdown_escape_hostile_corpus_renders_literally(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		check_escaped(hostile[i][0], strlen(hostile[i][0]), hostile[i][1]);
}

static void test_markdown_escape_drops_nul_bytes(void **state)
{
	(void)state;
	check_escaped("nul\0byte", 8, "nulbyte");
	check_escaped("\0", 1, "");
}

static void test_markdown_escape_long_line_escapes_every_repeat(void **state)
{
	fp_buf in = FP_BUF_INIT;

	(void)state;
	while (in.len < 100 * 1024)
		fp_buf_puts(&in, "a|b*c_d <e> @f #1 ");
	fp_buf_puts(&in, "end");
	{
		fp_buf want = FP_BUF_INIT;
		size_t i;

		for (i = 0; i + 3 < in.len; i += 18)
			fp_buf_puts(&want, "a|b*c_d <e> @" WJ "f #" WJ "1 ");
		fp_buf_puts(&want, "end");
		check_escaped(in.ptr, in.len, want.ptr);
		fp_buf_free(&want);
	}
	fp_buf_free(&in);
}

static void escapes_to(const char *in, const char *want)
{
	fp_buf md = FP_BUF_INIT;

	fp_markdown_escape(&md, in, strlen(in));
	assert_string_equal(md.ptr, want);
	fp_buf_free(&md);
}

/* The exact Markdown: escapes are few, and ordinary names stay readable. */
static void test_markdown_escape_ordinary_names_stay_readable(void **state)
{
	(void)state;
	escapes_to("tests/a/test_b.py::TestC::test_d[x-1]",
		   "tests/a/test_b.py::TestC::test_d&#91;x-1]");
	escapes_to("a|b", "a&#124;b");
	escapes_to("_i_ and snake_case", "&#95;i&#95; and snake_case");
	escapes_to("- item", "&#45; item");
	escapes_to("1. item", "1&#46; item");
	escapes_to("# h", "&#35; h");
	escapes_to(" x ", "&#32;x&#32;");
	escapes_to("<!-- fixproof:k -->", "&lt;!-- fixproof:k --&gt;");
	escapes_to("@bob #12", "@" WJ "bob &#35;" WJ "12");
	escapes_to("a\\b`c", "a&#92;b&#96;c");
	escapes_to("AssertionError: assert 1 == 2", "AssertionError: assert 1 == 2");
}

/* Each step of the escaper: where a character is special and where not. */
static void test_markdown_escape_steps_act_only_where_markdown_would(void **state)
{
	(void)state;
	escapes_to("- a - b", "&#45; a - b");
	escapes_to("  + a", "&#32; &#43; a");
	escapes_to("= a", "&#61; a");
	escapes_to("see GH-12 and gh-7, not GH-x", "see GH-" WJ "12 and gh-" WJ "7, not GH-x");
	escapes_to("12) x", "12&#41; x");
	escapes_to("v1.2 x", "v1.2 x");
	escapes_to("1234567890. x", "1234567890. x");
	escapes_to("https://x.org and www.x.org", "https" WJ "://x.org and www" WJ ".x.org");
	escapes_to("wwwx. W", "wwwx. W");
	/* A time is no emoji: only :100: and :1234: are digits alone. */
	escapes_to(":smile: 10:30:00 :100: :1234: :12345:",
		   ":" WJ "smile: 10:30:00 :" WJ "100: :" WJ "1234: :12345:");
	escapes_to("a_b _c d_", "a_b &#95;c d&#95;");
	escapes_to("mail@ x # y", "mail@ x &#35; y");
}

static void test_markdown_code_block_fence_outgrows_backticks(void **state)
{
	static const char *const cases[][3] = {
		/* input, info, the block's text as parsed */
		{ "Traceback:\n  ``` x\n````\nend", "python", "Traceback:\n  ``` x\n````\nend\n" },
		{ "a <!-- fixproof:key --> b\n", "text", "a <!--" WJ " fixproof:key --> b\n" },
		{ "bad\xff\0x", NULL, "bad" FFFD "x\n" },
		{ "", "text", "" },
		{ "@user #1 https://x <b>", "", "@user #1 https://x <b>\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp_buf md = FP_BUF_INIT;
		cmark_node *doc, *block;
		size_t n = i == 2 ? 6 : strlen(cases[i][0]);

		fp_markdown_code_block(&md, cases[i][0], n, cases[i][1]);
		assert_null(strstr(md.ptr, "<!-- fixproof"));
		doc = parse(md.ptr, md.len);
		block = cmark_node_first_child(doc);
		assert_string_equal(type_of(block), "code_block");
		assert_null(cmark_node_next(block));
		assert_string_equal(cmark_node_get_literal(block), cases[i][2]);
		assert_string_equal(cmark_node_get_fence_info(block),
				    cases[i][1] ? cases[i][1] : "");
		cmark_node_free(doc);
		fp_buf_free(&md);
	}
	{
		fp_buf md = FP_BUF_INIT;

		fp_markdown_code_block(&md, "x````y", 6, "py th`on");
		assert_string_equal(md.ptr, "`````py\nx````y\n`````\n");
		fp_buf_free(&md);
	}
}

/* The literal of the code spans of a table cell, joined; fails on a
 * joiner inside a span or on anything between spans but one. */
static void cell_code(fp_buf *out, cmark_node *cell)
{
	cmark_node *n;

	for (n = cmark_node_first_child(cell); n; n = cmark_node_next(n)) {
		if (strcmp(type_of(n), "code") == 0) {
			assert_null(strstr(cmark_node_get_literal(n), WJ));
			fp_buf_puts(out, cmark_node_get_literal(n));
		} else {
			assert_string_equal(type_of(n), "text");
			assert_string_equal(cmark_node_get_literal(n), WJ);
		}
	}
}

static void test_markdown_code_span_keeps_text_copyable(void **state)
{
	static const char *const cases[][2] = {
		/* input, the spans' text as parsed in a table cell */
		{ "a|b", "a|b" },
		{ "`x`", "`x`" },
		{ "a``b", "a``b" },
		{ "a\\|b", "a\\|b" },
		{ "a\\\\|b", "a\\\\|b" },
		{ " a ", " a " },
		{ "x\ny\r\nz", "x y z" },
		{ "<!-- fixproof:k -->", "<!-- fixproof:k -->" },
		{ "@user #1 <b> *x*", "@user #1 <b> *x*" },
		{ "bad\xff", "bad" FFFD },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp_buf md = FP_BUF_INIT, doc_text = FP_BUF_INIT, got = FP_BUF_INIT;
		cmark_node *doc, *row, *cell;

		fp_markdown_code_span(&md, cases[i][0], strlen(cases[i][0]));
		assert_null(strstr(md.ptr, "<!-- fixproof"));
		fp_buf_printf(&doc_text, "| a | b |\n|---|---|\n| %s | z |\n", md.ptr);
		doc = parse(doc_text.ptr, doc_text.len);
		row = cmark_node_next(cmark_node_first_child(cmark_node_first_child(doc)));
		cell = cmark_node_first_child(row);
		cell_code(&got, cell);
		assert_string_equal(got.ptr, cases[i][1]);
		one_text(cmark_node_next(cell), "z");
		assert_null(cmark_node_next(cmark_node_next(cell)));
		cmark_node_free(doc);
		fp_buf_free(&doc_text);
		fp_buf_free(&md);
		fp_buf_free(&got);
	}
	{
		fp_buf md = FP_BUF_INIT;

		fp_markdown_code_span(&md, "", 0);
		assert_string_equal(md.ptr, "");
		fp_markdown_code_span(&md, "`a", 2);
		assert_string_equal(md.ptr, "`` `a ``");
		fp_buf_free(&md);
	}
}

/* Outside a table a '|' needs no escape: the span copies as the id. */
static void test_markdown_code_inline_keeps_pipes(void **state)
{
	fp_buf md = FP_BUF_INIT;

	(void)state;
	fp_markdown_code_inline(&md, "test_x[a|b]", 11);
	assert_string_equal(md.ptr, "`test_x[a|b]`");
	fp_buf_clear(&md);
	fp_markdown_code_inline(&md, "a<!--b", 6);
	assert_string_equal(md.ptr, "`a<!`" WJ "`--b`");
	fp_buf_free(&md);
}

/*
 * Empty text, also as a NULL pointer with length 0: the first input every
 * libFuzzer run tries, and a fuzz finding (UBSan: arithmetic on a null
 * pointer). Each function appends what its comment promises for nothing.
 */
static void test_markdown_empty_text_gives_nothing(void **state)
{
	fp_buf b = FP_BUF_INIT;
	cmark_node *doc;

	(void)state;
	fp_markdown_escape(&b, NULL, 0);
	fp_markdown_escape(&b, "", 0);
	fp_markdown_code_span(&b, NULL, 0);
	fp_markdown_code_span(&b, "", 0);
	fp_html_escape(&b, NULL, 0);
	assert_int_equal(b.len, 0);
	fp_markdown_code_block(&b, NULL, 0, NULL);
	doc = parse(b.ptr, b.len);
	assert_string_equal(type_of(cmark_node_first_child(doc)), "code_block");
	assert_string_equal(cmark_node_get_literal(cmark_node_first_child(doc)), "");
	cmark_node_free(doc);
	fp_buf_clear(&b);
	assert_int_equal(fp_html_page(&b, NULL, 0, NULL), 0);
	assert_non_null(strstr(b.ptr, "<title>fixproof report</title>"));
	assert_non_null(strstr(b.ptr, "</html>"));
	fp_buf_free(&b);
}

static void test_html_escape_quotes_and_replaces_bad_utf8(void **state)
{
	fp_buf out = FP_BUF_INIT;

	(void)state;
	fp_html_escape(&out, "a&b<c>\"d'e", 10);
	assert_string_equal(out.ptr, "a&amp;b&lt;c&gt;&quot;d&#39;e");
	fp_buf_clear(&out);
	fp_html_escape(&out, "x\xffy", 3);
	assert_string_equal(out.ptr, "x" FFFD "y");
	fp_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_escape_hostile_corpus_renders_literally),
		cmocka_unit_test(test_markdown_escape_drops_nul_bytes),
		cmocka_unit_test(test_markdown_escape_long_line_escapes_every_repeat),
		cmocka_unit_test(test_markdown_escape_ordinary_names_stay_readable),
		cmocka_unit_test(test_markdown_escape_steps_act_only_where_markdown_would),
		cmocka_unit_test(test_markdown_code_block_fence_outgrows_backticks),
		cmocka_unit_test(test_markdown_code_span_keeps_text_copyable),
		cmocka_unit_test(test_markdown_code_inline_keeps_pipes),
		cmocka_unit_test(test_markdown_empty_text_gives_nothing),
		cmocka_unit_test(test_html_escape_quotes_and_replaces_bad_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
