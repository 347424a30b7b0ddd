/* render_markdown.c - placeholder until the Markdown escaper lands. */
#include "fixproof/render.h"
void fp_markdown_escape(fp_buf *out, const char *s, size_t n) { fp_buf_add(out, s, n); }
void fp_markdown_code_span(fp_buf *out, const char *s, size_t n) { fp_buf_putc(out, '`'); fp_buf_add(out, s, n); fp_buf_putc(out, '`'); }
void fp_markdown_code_block(fp_buf *out, const char *s, size_t n, const char *info) { (void)info; fp_buf_puts(out, "```\n"); fp_buf_add(out, s, n); fp_buf_puts(out, "\n```\n"); }
void fp_html_escape(fp_buf *out, const char *s, size_t n) { fp_buf_add(out, s, n); }
