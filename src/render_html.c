/* render_html.c - placeholder until the HTML renderer lands. */
#include "fixproof/error.h"
#include "fixproof/render.h"

int fp_html_page(fp_buf *out, const char *markdown, size_t len, const char *title)
{
	(void)out; (void)markdown; (void)len; (void)title;
	return fp_error_set(FP_EINPUT, "HTML output is not built yet");
}
