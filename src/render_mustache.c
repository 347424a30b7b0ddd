/* render_mustache.c - placeholder. */
#include "fixproof/render.h"
#include "fixproof/error.h"
int fp_mustache_render(fp_buf *out, const char *tmpl, size_t len, const char *name,
		       const cJSON *data, const fp_mustache_opts *opts)
{
	(void)out; (void)tmpl; (void)len; (void)data; (void)opts;
	return fp_error_set(FP_ETEMPLATE, "template %s: engine not built yet", name);
}
