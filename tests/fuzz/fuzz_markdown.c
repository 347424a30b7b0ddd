/*
 * fuzz_markdown.c - libFuzzer target: the input is an untrusted text (a
 * test name, a message, a trace). It goes through fp_markdown_escape,
 * fp_markdown_code_span and fp_markdown_code_block, each result is placed
 * where reports place it, and the page is rendered with cmark-gfm through
 * fp_html_page. The checks are the promises of render.h that are cheap to
 * test: escaped text holds no raw '<', '|' or line end and cannot form
 * the hidden marker; a table row keeps its two cells; a code block ends
 * where it should; and nothing in the page is a <script> element.
 */
#include "fuzz.h"

#include "fixproof/buf.h"
#include "fixproof/render.h"

#define WJ "\xe2\x81\xa0"

static size_t count(const fp_buf *b, const char *needle)
{
	size_t k = strlen(needle), n = 0;
	const char *p = b->ptr;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += k;
	}
	return n;
}

/* Every "<!--" in `b` is followed by the word joiner. */
static int comments_broken(const fp_buf *b)
{
	const char *p = b->ptr;

	while ((p = strstr(p, "<!--")) != NULL) {
		if (strncmp(p + 4, WJ, 3) != 0)
			return 0;
		p += 4;
	}
	return 1;
}

/* Renders `md` as a page and checks what every page must hold. */
static void page(fp_buf *html, const fp_buf *md)
{
	fp_buf_clear(html);
	fuzz_check(fp_html_page(html, md->ptr, md->len, "fuzz") == 0, "the page renders");
	fuzz_check(fp_utf8_valid(html->ptr, html->len), "the page is valid UTF-8");
	fuzz_check(!fuzz_contains_nocase(html->ptr, html->len, "<script"), "the page has no <script");
	fuzz_check(!strstr(html->ptr, "<!-- fixproof:"), "the page has no marker");
}

static void check_escape(const char *s, size_t n, fp_buf *md, fp_buf *html)
{
	fp_buf esc = FP_BUF_INIT;

	fp_markdown_escape(&esc, s, n);
	fuzz_check(fp_utf8_valid(esc.ptr, esc.len), "escaped text is valid UTF-8");
	fuzz_check(!memchr(esc.ptr, '<', esc.len), "escaped text has no raw '<'");
	fuzz_check(!memchr(esc.ptr, '|', esc.len), "escaped text has no raw '|'");
	fuzz_check(!memchr(esc.ptr, '\n', esc.len) && !memchr(esc.ptr, '\r', esc.len),
		   "escaped text has no line end");
	fp_buf_clear(md);
	fp_buf_printf(md, "| a | b |\n| --- | --- |\n| %s | x |\n\n%s\n", esc.ptr, esc.ptr);
	page(html, md);
	fuzz_check(count(html, "<td") == 2, "an escaped cell keeps its row's two cells");
	fuzz_check(count(html, "<p>") == (esc.len > 0), "escaped text stays one paragraph");
	fp_buf_free(&esc);
}

static void check_code_span(const char *s, size_t n, fp_buf *md, fp_buf *html)
{
	fp_buf span = FP_BUF_INIT;

	fp_markdown_code_span(&span, s, n);
	fuzz_check(fp_utf8_valid(span.ptr, span.len), "a code span is valid UTF-8");
	fuzz_check(!memchr(span.ptr, '\n', span.len) && !memchr(span.ptr, '\r', span.len),
		   "a code span has no line end");
	fuzz_check(comments_broken(&span), "a code span cannot open a comment");
	fp_buf_clear(md);
	fp_buf_printf(md, "| a | b |\n| --- | --- |\n| %s | x |\n", span.ptr);
	page(html, md);
	fuzz_check(count(html, "<td") == 2, "a code span keeps its row's two cells");
	fp_buf_free(&span);
}

static void check_code_block(const char *s, size_t n, fp_buf *md, fp_buf *html)
{
	fp_buf_clear(md);
	fp_buf_puts(md, "Before\n\n");
	fp_markdown_code_block(md, s, n, "python");
	fuzz_check(fp_utf8_valid(md->ptr, md->len), "a code block is valid UTF-8");
	fuzz_check(comments_broken(md), "a code block cannot open a comment");
	fp_buf_puts(md, "\nAFTER-THE-BLOCK\n");
	page(html, md);
	fuzz_check(count(html, "<pre") == 1, "a code block is one block");
	fuzz_check(strstr(html->ptr, "<p>AFTER-THE-BLOCK</p>") != NULL,
		   "the text after a code block is outside it");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_buf md = FP_BUF_INIT, html = FP_BUF_INIT;
	const char *s = (const char *)data;

	check_escape(s, size, &md, &html);
	check_code_span(s, size, &md, &html);
	check_code_block(s, size, &md, &html);
	fp_buf_free(&md);
	fp_buf_free(&html);
	return 0;
}
