/* test_output.c - output files: the umask for new files, the mode of a
 * replaced file, a failed write that leaves the old file, devices and
 * directories. */
#include "unit.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/error.h"
#include "fixproof/output.h"

/* A fresh directory for one test, removed by its caller with cleanup(). */
static char *scratch(void)
{
	char *dir = fp_xstrdup("/tmp/fixproof-output-XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Removes `dir` (it must be empty: a temporary file left over fails). */
static void cleanup(char *dir)
{
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *slurp(const char *path)
{
	fp_buf b = FP_BUF_INIT;
	char chunk[256];
	size_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fp_buf_add(&b, chunk, n);
	fclose(f);
	return fp_buf_detach(&b, NULL);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Writes `text` to `path` through fp_output and commits it. */
static int put(const char *path, const char *text)
{
	fp_output out = FP_OUTPUT_INIT;
	int err = fp_output_open(&out, path);

	if (err == 0) {
		fputs(text, out.f);
		err = fp_output_commit(&out);
	}
	fp_output_abort(&out);
	return err;
}

static void test_output_open__new_file_follows_the_umask(void **state)
{
	char *dir = scratch();
	fp_buf path = FP_BUF_INIT;
	mode_t old = umask(027);

	(void)state;
	fp_buf_printf(&path, "%s/a.json", dir);
	assert_int_equal(put(path.ptr, "{}\n"), 0);
	assert_int_equal(mode_of(path.ptr), 0640);
	unlink(path.ptr);
	umask(0);
	assert_int_equal(put(path.ptr, "{}\n"), 0);
	assert_int_equal(mode_of(path.ptr), 0666);
	umask(old);
	unlink(path.ptr);
	fp_buf_free(&path);
	cleanup(dir);
}

static void test_output_commit__replaced_file_keeps_its_mode(void **state)
{
	char *dir = scratch(), *text;
	fp_buf path = FP_BUF_INIT;
	mode_t old = umask(077);

	(void)state;
	fp_buf_printf(&path, "%s/report.md", dir);
	write_file(path.ptr, "old\n", 0644);
	assert_int_equal(put(path.ptr, "new\n"), 0);
	assert_int_equal(mode_of(path.ptr), 0644);
	text = slurp(path.ptr);
	assert_string_equal(text, "new\n");
	free(text);
	chmod(path.ptr, 0604);
	assert_int_equal(put(path.ptr, "newer\n"), 0);
	assert_int_equal(mode_of(path.ptr), 0604);
	umask(old);
	unlink(path.ptr);
	fp_buf_free(&path);
	cleanup(dir);
}

static void test_output_commit__failed_write_leaves_the_old_file(void **state)
{
	char *dir = scratch(), *text;
	fp_buf path = FP_BUF_INIT, big = FP_BUF_INIT;
	fp_output out = FP_OUTPUT_INIT;
	struct rlimit was, small;
	size_t i;

	(void)state;
	fp_buf_printf(&path, "%s/run.json", dir);
	write_file(path.ptr, "the old run\n", 0644);
	/* A file size limit makes the write fail as a full disk would. */
	for (i = 0; i < 64 * 1024; i++)
		fp_buf_putc(&big, 'x');
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = was;
	small.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(fp_output_open(&out, path.ptr), 0);
	fwrite(big.ptr, 1, big.len, out.f);
	assert_int_equal(fp_output_commit(&out), FP_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_non_null(strstr(fp_error_message(), path.ptr));
	assert_non_null(strstr(fp_error_message(), "File too large"));
	fp_output_abort(&out);
	text = slurp(path.ptr);
	assert_string_equal(text, "the old run\n");
	free(text);
	/* A writer that fails on its own: nothing is renamed either. */
	assert_int_equal(fp_output_open(&out, path.ptr), 0);
	fputs("half", out.f);
	assert_int_equal(fp_output_finish(&out, FP_ETEMPLATE), FP_ETEMPLATE);
	fp_output_abort(&out);
	text = slurp(path.ptr);
	assert_string_equal(text, "the old run\n");
	free(text);
	unlink(path.ptr);
	fp_buf_free(&big);
	fp_buf_free(&path);
	cleanup(dir); /* fails if a temporary file was left */
}

static void test_output_open__devices_are_written_in_place(void **state)
{
	fp_output out = FP_OUTPUT_INIT;
	char *dir = scratch();
	struct stat st;

	(void)state;
	assert_int_equal(fp_output_open(&out, "/dev/null"), 0);
	assert_null(out.tmp);
	fputs("gone\n", out.f);
	assert_int_equal(fp_output_commit(&out), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode)); /* not replaced by a file */
	assert_int_equal(fp_output_open(&out, "/dev/full"), 0);
	fputs("no room\n", out.f);
	assert_int_equal(fp_output_commit(&out), FP_EIO);
	assert_string_equal(fp_error_message(), "cannot write '/dev/full': No space left on device");
	assert_int_equal(fp_output_open(&out, dir), FP_EIO);
	assert_non_null(strstr(fp_error_message(), "it is a directory"));
	fp_output_abort(&out);
	cleanup(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_open__new_file_follows_the_umask),
		cmocka_unit_test(test_output_commit__replaced_file_keeps_its_mode),
		cmocka_unit_test(test_output_commit__failed_write_leaves_the_old_file),
		cmocka_unit_test(test_output_open__devices_are_written_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
