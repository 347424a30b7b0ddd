/*
 * fuzz_mustache.c - libFuzzer target: the input is a template, then a NUL
 * byte and the JSON data, then optionally more NUL-separated texts that
 * serve as partials (a partial name picks one by its hash; "self" is the
 * template itself, so recursion is easy to reach). The template is
 * rendered in the three escape modes, once compiled and once in one go,
 * under small limits so that one input stays cheap; the two ways must
 * agree, and a failure must be a stated one with a message.
 */
#include "fuzz.h"

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/render.h"

#define MAX_PARTIALS 8

typedef struct inputs {
	const char *tmpl;
	size_t tlen;
	const char *part[MAX_PARTIALS];
	size_t plen[MAX_PARTIALS];
	size_t nparts;
} inputs;

/* The text up to the next NUL (or the end); moves *p past the NUL. */
static const char *take(const char **p, const char *end, size_t *len)
{
	const char *start = *p, *nul = memchr(start, '\0', (size_t)(end - start));

	*len = nul ? (size_t)(nul - start) : (size_t)(end - start);
	*p = nul ? nul + 1 : end;
	return start;
}

static int partial_cb(void *ctx, const char *name, fp_buf *out)
{
	const inputs *in = ctx;
	size_t i;

	if (strcmp(name, "self") == 0) {
		fp_buf_add(out, in->tmpl, in->tlen);
		return 0;
	}
	if (in->nparts == 0)
		return FP_ENOTFOUND;
	i = (size_t)(fp_hash_bytes(name, strlen(name)) % in->nparts);
	fp_buf_add(out, in->part[i], in->plen[i]);
	return 0;
}

/* A failed render must be one of the documented failures, with a message. */
static void check_rc(int rc)
{
	fuzz_check(rc == 0 || rc == FP_ETEMPLATE || rc == FP_ELIMIT,
		   "rendering returns 0, FP_ETEMPLATE or FP_ELIMIT");
	fuzz_check(rc == 0 || fp_error_message()[0] != '\0', "a failure sets a message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const fp_escape modes[] = { FP_ESCAPE_HTML, FP_ESCAPE_MARKDOWN, FP_ESCAPE_NONE };
	const char *p = (const char *)data, *end = p + size, *json;
	fp_mustache_template *compiled = NULL;
	fp_buf once = FP_BUF_INIT, again = FP_BUF_INIT;
	fp_mustache_opts opts;
	cJSON *view;
	inputs in;
	size_t jlen, i;
	int rc, crc;

	memset(&in, 0, sizeof(in));
	in.tmpl = take(&p, end, &in.tlen);
	json = take(&p, end, &jlen);
	while (p < end && in.nparts < MAX_PARTIALS) {
		in.part[in.nparts] = take(&p, end, &in.plen[in.nparts]);
		in.nparts++;
	}
	view = cJSON_ParseWithLength(json, jlen);
	if (!view)
		view = cJSON_Parse("{\"a\":[1,{\"b\":\"<x> & 'y'\"},[]],\"t\":true,\"n\":null,"
				   "\"s\":\"@user #1 | `x`\",\"o\":{\"a\":{\"a\":0.5}}}");
	memset(&opts, 0, sizeof(opts));
	opts.partial = partial_cb;
	opts.partial_ctx = &in;
	opts.max_depth = 16;
	opts.max_output = 1u << 20;
	opts.max_steps = 100000;
	crc = fp_mustache_compile(&compiled, in.tmpl, in.tlen, "fuzz");
	check_rc(crc);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		opts.escape = modes[i];
		fp_buf_clear(&once);
		rc = fp_mustache_render(&once, in.tmpl, in.tlen, "fuzz", view, &opts);
		check_rc(rc);
		if (crc < 0) {
			fuzz_check(rc == crc, "a template that does not compile does not render");
			continue;
		}
		fp_buf_clear(&again);
		fuzz_check(fp_mustache_render_template(&again, compiled, view, &opts) == rc,
			   "a compiled template renders as the source does");
		fuzz_check(rc < 0 || (again.len == once.len && memcmp(again.ptr, once.ptr, once.len) == 0),
			   "a compiled template gives the same text");
	}
	fp_mustache_template_free(compiled);
	cJSON_Delete(view);
	fp_buf_free(&once);
	fp_buf_free(&again);
	return 0;
}
