/* test_json.c - JSON escaping (word and SSE2 scans) and the batch writer. */
#include "unit.h"

#include "fixproof/buf.h"
#include "fixproof/json.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* The escape of one valid-UTF-8-or-ASCII byte string, byte by byte, the
 * way RFC 8259 and json.h say; the reference the fast scans must match. */
static void reference_escape(fp_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			fp_buf_puts(out, "\\\"");
		else if (c == '\\')
			fp_buf_puts(out, "\\\\");
		else if (c == '\n')
			fp_buf_puts(out, "\\n");
		else if (c == '\r')
			fp_buf_puts(out, "\\r");
		else if (c == '\t')
			fp_buf_puts(out, "\\t");
		else if (c < 0x20)
			fp_buf_printf(out, "\\u%04x", c);
		else
			fp_buf_putc(out, (char)c);
	}
}

static void test_json_escape_without_quotes(void **state)
{
	static const char text[] = "a\"b\\c\nd\x01" "\xc3\xa9" "\xff";
	fp_buf b = FP_BUF_INIT;

	(void)state;
	fp_json_buf_escape(&b, text, sizeof(text) - 1);
	assert_string_equal(b.ptr, "a\\\"b\\\\c\\nd\\u0001\xc3\xa9\\ufffd");
	fp_buf_clear(&b);
	fp_json_buf_strn(&b, "x", 1);
	fp_json_buf_str(&b, NULL);
	assert_string_equal(b.ptr, "\"x\"null");
	fp_buf_free(&b);
}

/* Every special byte at every offset of a text longer than two 16-byte
 * blocks, so each scan (16 bytes, 8 bytes, byte by byte) meets it. */
static void test_json_escape_same_at_every_offset(void **state)
{
	static const char specials[] = { '"', '\\', '\n', '\t', 0x1f, 0x7f };
	char text[41];
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(specials); k++) {
		for (i = 0; i < sizeof(text); i++) {
			fp_buf got = FP_BUF_INIT, want = FP_BUF_INIT;

			memset(text, 'a' + (int)(i % 26), sizeof(text));
			text[i] = specials[k];
			fp_json_buf_escape(&got, text, sizeof(text));
			reference_escape(&want, text, sizeof(text));
			assert_string_equal(got.ptr, want.ptr);
			fp_buf_free(&got);
			fp_buf_free(&want);
		}
	}
}

/* Items: even ones are written as their number, odd ones left out. */
static void format_even(void *ctx, size_t from, size_t to, fp_buf *out)
{
	size_t i;

	assert_non_null(ctx);
	for (i = from; i < to; i++)
		if (i % 2 == 0)
			fp_buf_printf(out, ",\n  %zu", i);
}

static void write_items(fp_buf *got, size_t n)
{
	int ctx[2];
	void *ctxs[2] = { &ctx[0], &ctx[1] };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fp_json_write_items(f, n, format_even, ctxs);
	assert_int_equal(fclose(f), 0);
	fp_buf_add(got, text, len);
	free(text);
}

static void test_json_write_items_in_order_on_two_threads(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 8192, 20001 };
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		fp_buf got = FP_BUF_INIT, want = FP_BUF_INIT;

		/* What one thread gives, without the first item's comma. */
		for (i = 0; i < sizes[k]; i += 2)
			fp_buf_printf(&want, i ? ",\n  %zu" : "\n  %zu", i);
		write_items(&got, sizes[k]);
		assert_int_equal(got.len, want.len);
		assert_string_equal(got.ptr, want.ptr);
		fp_buf_free(&got);
		fp_buf_free(&want);
	}
}

/* Out of memory inside cJSON ends the process with a message, as
 * fp_xmalloc does, instead of returning NULL (tried in a child process). */
static void test_json_init_cjson__out_of_memory_ends_the_process(void **state)
{
	int fds[2], status;
	char said[256] = "";
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	/* ASan reports a failed allocation itself before malloc can return
	 * NULL; the plain build runs this test. */
	skip();
#endif
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		fp_json_init_cjson();
		fp_json_init_cjson(); /* twice is harmless */
		_exit(cJSON_malloc(SIZE_MAX / 2) == NULL ? 0 : 1);
	}
	close(fds[1]);
	/* stderr is unbuffered: the message comes in several writes. */
	while (got < sizeof(said) - 1 && (n = read(fds[0], said + got, sizeof(said) - 1 - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_non_null(strstr(said, "fixproof: fatal: out of memory"));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape_without_quotes),
		cmocka_unit_test(test_json_escape_same_at_every_offset),
		cmocka_unit_test(test_json_write_items_in_order_on_two_threads),
		cmocka_unit_test(test_json_init_cjson__out_of_memory_ends_the_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
