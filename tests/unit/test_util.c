/* test_util.c - the shared helpers: growing arrays, reading numbers,
 * reading a small file up to a cap. */
#include "unit.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/util.h"

static void test_array_grow__doubles_and_keeps_elements(void **state)
{
	int *v = NULL;
	size_t cap = 0, i;

	(void)state;
	FP_ARRAY_GROW(v, 1, cap);
	assert_int_equal(cap, 8);
	for (i = 0; i < 1000; i++) {
		FP_ARRAY_GROW(v, i + 1, cap);
		v[i] = (int)i;
	}
	assert_int_equal(cap, 1024);
	for (i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int)i);
	/* A jump past twice the room goes straight to what is needed. */
	FP_ARRAY_GROW(v, 5000, cap);
	assert_int_equal(cap, 5000);
	assert_int_equal(v[999], 999);
	free(v);
}

static void test_uint_parse__digits_only_within_range(void **state)
{
	uint64_t v = 7;

	(void)state;
	fp_error_clear();
	assert_int_equal(fp_uint_parse(&v, "42", 2, 1, 100, NULL), 0);
	assert_int_equal(v, 42);
	assert_int_equal(fp_uint_parse(&v, "18446744073709551615", 20, 0, UINT64_MAX, NULL), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(fp_uint_parse(&v, "18446744073709551616", 20, 0, UINT64_MAX, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, "-1", 2, 0, UINT64_MAX, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, " 1", 2, 0, 9, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, "1x", 2, 0, 9, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, "", 0, 0, 9, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, "0", 1, 1, 9, NULL), FP_EINPUT);
	assert_int_equal(fp_uint_parse(&v, "10", 2, 1, 9, NULL), FP_EINPUT);
	assert_int_equal(v, 7);
	assert_string_equal(fp_error_message(), "");
	assert_int_equal(fp_uint_parse(&v, "0x10", 4, 1, 9, "--limit"), FP_EINPUT);
	assert_string_equal(fp_error_message(), "--limit '0x10' is not a whole number from 1 to 9");
	fp_error_clear();
}

static void test_uint_prefix__stops_at_the_first_non_digit(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(fp_uint_prefix(&v, "123 passed", SIZE_MAX, 1000), 3);
	assert_int_equal(v, 123);
	assert_int_equal(fp_uint_prefix(&v, "1234", 2, 1000), 2);
	assert_int_equal(v, 12);
	assert_int_equal(fp_uint_prefix(&v, "1001", SIZE_MAX, 1000), 0);
	assert_int_equal(fp_uint_prefix(&v, "x1", SIZE_MAX, 1000), 0);
	assert_int_equal(fp_uint_prefix(&v, "5", SIZE_MAX, 0), 0);
	assert_int_equal(v, 12);
}

/* A file under a fresh temporary directory holding `text`. */
static void temp_file(fp_buf *dir, fp_buf *path, const char *text)
{
	char tmpl[] = "/tmp/fixproof-util-XXXXXX";
	FILE *f;

	assert_non_null(mkdtemp(tmpl));
	fp_buf_puts(dir, tmpl);
	fp_buf_printf(path, "%s/file", tmpl);
	f = fopen(path->ptr, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file_read__whole_capped_missing_and_not_regular(void **state)
{
	fp_buf dir = FP_BUF_INIT, path = FP_BUF_INIT, out = FP_BUF_INIT, fifo = FP_BUF_INIT;

	(void)state;
	temp_file(&dir, &path, "0123456789");
	fp_buf_puts(&out, "kept:");
	assert_int_equal(fp_file_read(&out, path.ptr, 10, 0), 0);
	assert_string_equal(out.ptr, "kept:0123456789");
	fp_buf_clear(&out);
	assert_int_equal(fp_file_read(&out, path.ptr, 9, 0), FP_ELIMIT);
	assert_string_equal(out.ptr, "012345678");
	fp_buf_clear(&out);
	fp_buf_printf(&fifo, "%s/missing", dir.ptr);
	assert_int_equal(fp_file_read(&out, fifo.ptr, 10, FP_FILE_MISSING_OK), FP_ENOTFOUND);
	assert_int_equal(fp_file_read(&out, fifo.ptr, 10, 0), FP_EINPUT);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fp_file_read(&out, dir.ptr, 10, 0), FP_EINPUT);
	assert_int_equal(errno, EISDIR);
	/* A FIFO nobody writes to is refused at once, not waited on. */
	fp_buf_clear(&fifo);
	fp_buf_printf(&fifo, "%s/fifo", dir.ptr);
	assert_int_equal(mkfifo(fifo.ptr, 0600), 0);
	assert_int_equal(fp_file_read(&out, fifo.ptr, 10, FP_FILE_REGULAR), FP_EINPUT);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out.len, 0);
	unlink(fifo.ptr);
	unlink(path.ptr);
	rmdir(dir.ptr);
	fp_buf_free(&fifo);
	fp_buf_free(&out);
	fp_buf_free(&path);
	fp_buf_free(&dir);
}

static void test_file_copy__same_bytes_and_named_failures(void **state)
{
	fp_buf dir = FP_BUF_INIT, path = FP_BUF_INIT, to = FP_BUF_INIT, out = FP_BUF_INIT;

	(void)state;
	temp_file(&dir, &path, "line one\nline two\n");
	fp_buf_printf(&to, "%s/copy", dir.ptr);
	assert_int_equal(fp_file_copy(path.ptr, to.ptr), 0);
	assert_int_equal(fp_file_read(&out, to.ptr, 100, 0), 0);
	assert_string_equal(out.ptr, "line one\nline two\n");
	unlink(to.ptr);
	/* A source that is missing, a destination that cannot be made. */
	fp_buf_clear(&to);
	fp_buf_printf(&to, "%s/missing", dir.ptr);
	assert_int_equal(fp_file_copy(to.ptr, path.ptr), FP_EIO);
	assert_non_null(strstr(fp_error_message(), "cannot copy"));
	assert_int_equal(fp_file_copy(path.ptr, "/dev/full"), FP_EIO);
	assert_non_null(strstr(fp_error_message(), "cannot write '/dev/full'"));
	unlink(path.ptr);
	rmdir(dir.ptr);
	fp_buf_free(&out);
	fp_buf_free(&to);
	fp_buf_free(&path);
	fp_buf_free(&dir);
}

/* mkdir -p, and whether a directory holds anything (capture's and
 * prove's directories both ask). */
static void test_file_mkdirs__parents_and_dir_in_use(void **state)
{
	fp_buf dir = FP_BUF_INIT, path = FP_BUF_INIT, deep = FP_BUF_INIT;

	(void)state;
	temp_file(&dir, &path, "x");
	fp_buf_printf(&deep, "%s/a/b/c", dir.ptr);
	assert_int_equal(fp_file_dir_in_use(deep.ptr), 0);          /* missing */
	assert_int_equal(fp_file_mkdirs(deep.ptr), 0);
	assert_int_equal(fp_file_mkdirs(deep.ptr), 0);              /* already there */
	assert_int_equal(fp_file_dir_in_use(deep.ptr), 0);          /* empty */
	assert_int_equal(fp_file_dir_in_use(dir.ptr), 1);           /* holds a file */
	fp_buf_clear(&deep);
	fp_buf_printf(&deep, "%s/sub", path.ptr);                    /* under a file */
	assert_int_equal(fp_file_mkdirs(deep.ptr), FP_EIO);
	assert_non_null(strstr(fp_error_message(), "cannot make directory"));
	fp_buf_clear(&deep);
	fp_buf_printf(&deep, "%s/a/b/c", dir.ptr);
	rmdir(deep.ptr);
	fp_buf_truncate(&deep, deep.len - 2);
	rmdir(deep.ptr);
	fp_buf_truncate(&deep, deep.len - 2);
	rmdir(deep.ptr);
	unlink(path.ptr);
	rmdir(dir.ptr);
	fp_buf_free(&deep);
	fp_buf_free(&path);
	fp_buf_free(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grow__doubles_and_keeps_elements),
		cmocka_unit_test(test_uint_parse__digits_only_within_range),
		cmocka_unit_test(test_uint_prefix__stops_at_the_first_non_digit),
		cmocka_unit_test(test_file_read__whole_capped_missing_and_not_regular),
		cmocka_unit_test(test_file_copy__same_bytes_and_named_failures),
		cmocka_unit_test(test_file_mkdirs__parents_and_dir_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
