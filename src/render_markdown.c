/* render_markdown.c - placeholder. */
#include "fixproof/render.h"
void fp_markdown_escape(fp_buf *out, const char *s, size_t n) { fp_buf_add(out, s, n); }
