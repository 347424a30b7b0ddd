/*
 * test_mustache_spec.c - the official Mustache spec, every file in
 * ../shared/mustache-spec/: the core modules and the optional inheritance
 * and dynamic-names modules (lambdas are not supported and not shipped).
 * Each test renders with HTML escaping and the test's partials and must
 * match exactly.
 */
#include "unit.h"

#include <glob.h>

#include <cjson/cJSON.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/render.h"

static int spec_partial(void *ctx, const char *name, fp_buf *out)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive((const cJSON *)ctx, name);

	if (!cJSON_IsString(p))
		return FP_ENOTFOUND;
	fp_buf_puts(out, p->valuestring);
	return 0;
}

static char *slurp(const char *path)
{
	fp_buf b = FP_BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fp_buf_add(&b, chunk, n);
	fclose(f);
	return fp_buf_detach(&b, NULL);
}

/* Runs every test of one spec file; returns the number that passed. */
static int run_file(const char *path, int *total)
{
	char *text = slurp(path);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	const cJSON *t;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int passed = 0, count = 0;

	assert_non_null(doc);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tests")) {
		const char *name = cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring;
		const char *tmpl = cJSON_GetObjectItemCaseSensitive(t, "template")->valuestring;
		const char *want = cJSON_GetObjectItemCaseSensitive(t, "expected")->valuestring;
		fp_mustache_opts opts = { FP_ESCAPE_HTML, spec_partial, NULL, 0, 0, 0, NULL, NULL };
		fp_buf out = FP_BUF_INIT;
		int rc;

		opts.partial_ctx = cJSON_GetObjectItemCaseSensitive(t, "partials");
		rc = fp_mustache_render(&out, tmpl, strlen(tmpl), name,
					cJSON_GetObjectItemCaseSensitive(t, "data"), &opts);
		count++;
		if (rc == 0 && strcmp(out.ptr, want) == 0)
			passed++;
		else
			printf("FAIL %s: %s\n  template: %s\n  expected: [%s]\n  got:      [%s] %s\n",
			       base, name, tmpl, want, out.ptr, rc ? fp_error_message() : "");
		fp_buf_free(&out);
	}
	printf("mustache spec: %s %d/%d\n", base, passed, count);
	*total += count;
	cJSON_Delete(doc);
	free(text);
	return passed;
}

static void test_mustache_spec_every_spec_file_passes(void **state)
{
	fp_buf pattern = FP_BUF_INIT;
	char dir[4096];
	glob_t g;
	size_t i;
	int passed = 0, total = 0;

	(void)state;
	/* On the stack: a skip leaves the test at once, and must leak nothing. */
	snprintf(dir, sizeof(dir), "%s/mustache-spec", unit_shared_dir());
	UNIT_NEED_SHARED(dir);
	fp_buf_printf(&pattern, "%s/*.json", dir);
	if (glob(pattern.ptr, 0, NULL, &g) != 0)
		fail_msg("no spec files at %s", pattern.ptr);
	for (i = 0; i < g.gl_pathc; i++)
		passed += run_file(g.gl_pathv[i], &total);
	printf("mustache spec: %d/%d passed\n", passed, total);
	globfree(&g);
	fp_buf_free(&pattern);
	fp_error_shutdown();
	assert_true(total > 0);
	assert_int_equal(passed, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mustache_spec_every_spec_file_passes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
