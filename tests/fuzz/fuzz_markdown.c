/*
 * fuzz_markdown.c - libFuzzer target: the input is an untrusted text (a
 * test name, a message, a trace). It goes through fp_markdown_escape,
 * fp_markdown_code_span and fp_markdown_code_block, each result is placed
 * where reports place it (table cells, a paragraph, a fenced block), and
 * the page is rendered once with cmark-gfm through fp_html_page. The
 * checks are the promises of render.h that are cheap to test: escaped text
 * holds no raw '<', '|' or line end and cannot form the hidden marker; a
 * table row keeps its cells; a code block ends where it should; and
 * nothing in the page is a <script> element.
 */
#include "fuzz.h"

#include "fixproof/buf.h"
#include "fixproof/render.h"
#include "fixproof/utf8.h"

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

/* The escaped text: no raw '<', '|' or line end, valid UTF-8. */
static void check_escaped(const fp_buf *esc)
{
	fuzz_check(fp_utf8_valid(esc->ptr, esc->len), "escaped text is valid UTF-8");
	fuzz_check(!memchr(esc->ptr, '<', esc->len), "escaped text has no raw '<'");
	fuzz_check(!memchr(esc->ptr, '|', esc->len), "escaped text has no raw '|'");
	fuzz_check(!memchr(esc->ptr, '\n', esc->len) && !memchr(esc->ptr, '\r', esc->len),
		   "escaped text has no line end");
}

/* The code span: one line, valid UTF-8, no comment opening. */
static void check_span(const fp_buf *span)
{
	fuzz_check(fp_utf8_valid(span->ptr, span->len), "a code span is valid UTF-8");
	fuzz_check(!memchr(span->ptr, '\n', span->len) && !memchr(span->ptr, '\r', span->len),
		   "a code span has no line end");
	fuzz_check(comments_broken(span), "a code span cannot open a comment");
}

/*
 * The page that holds all three, rendered once. GFM pads a short row and
 * drops the cells past the header's count, so a row split by the text
 * shows as its last cell (the marker) missing, not as a cell too many.
 */
static void check_page(const fp_buf *md, int has_text)
{
	fp_buf html = FP_BUF_INIT;

	fuzz_check(fp_html_page(&html, md->ptr, md->len, "fuzz") == 0, "the page renders");
	fuzz_check(fp_utf8_valid(html.ptr, html.len), "the page is valid UTF-8");
	fuzz_check(!fuzz_contains_nocase(html.ptr, html.len, "<script"), "the page has no <script");
	fuzz_check(!strstr(html.ptr, "<!-- fixproof:"), "the page has no marker");
	fuzz_check(strstr(html.ptr, "<td>END-OF-ROW-1</td>") != NULL,
		   "an escaped cell keeps its row's cells");
	fuzz_check(strstr(html.ptr, "<td>END-OF-ROW-2</td>") != NULL,
		   "a code span keeps its row's cells");
	fuzz_check(count(&html, "<tr>") == 3, "the table keeps its rows");
	fuzz_check(count(&html, "<pre") == 1, "a code block is one block");
	fuzz_check(strstr(html.ptr, "<p>AFTER-THE-BLOCK</p>") != NULL,
		   "the text after a code block is outside it");
	fuzz_check(count(&html, "<p>") == (size_t)has_text + 2, "escaped text stays one paragraph");
	fp_buf_free(&html);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_buf esc = FP_BUF_INIT, span = FP_BUF_INIT, md = FP_BUF_INIT;
	const char *s = (const char *)data;

	fp_markdown_escape(&esc, s, size);
	check_escaped(&esc);
	fp_markdown_code_span(&span, s, size);
	check_span(&span);
	fp_buf_printf(&md, "| a | b |\n| --- | --- |\n| %s | END-OF-ROW-1 |\n| %s | END-OF-ROW-2 |\n"
		      "\n%s\n\nBefore\n\n", esc.ptr, span.ptr, esc.ptr);
	fp_markdown_code_block(&md, s, size, "python");
	fuzz_check(fp_utf8_valid(md.ptr, md.len), "a code block is valid UTF-8");
	fuzz_check(comments_broken(&md), "a code block cannot open a comment");
	fp_buf_puts(&md, "\nAFTER-THE-BLOCK\n");
	check_page(&md, esc.len > 0);
	fp_buf_free(&esc);
	fp_buf_free(&span);
	fp_buf_free(&md);
	return 0;
}
