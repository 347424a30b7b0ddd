/* test_source.c - the byte source: replaying the peeked bytes, hashing every
 * byte once, reading ahead, files, FIFOs, the size cap shared by two
 * threads, and telling formats apart. */
#include "unit.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/source.h"

/* The cap this program runs with: set before the first read, since the
 * module reads FIXPROOF_MAX_INPUT_BYTES once. */
#define CAP (3u << 20)

/* Finishes `src` and checks that it hashed and counted exactly `data`. */
static void assert_finish_hashes(fp_source *src, const void *data, size_t n)
{
	fp_sha256 sha;
	char hex[65], want[65];
	uint64_t bytes;

	assert_int_equal(fp_source_finish(src, hex, &bytes), 0);
	fp_sha256_init(&sha);
	fp_sha256_update(&sha, data, n);
	fp_sha256_final_hex(&sha, want);
	assert_string_equal(hex, want);
	assert_int_equal(bytes, n);
}

/* `n` bytes of text that differ from offset to offset. */
static unsigned char *make_bytes(size_t n)
{
	unsigned char *p = fp_xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + (i * 7 + i / 4096) % 26);
	return p;
}

/* Reads the whole source in pieces of `piece` bytes into `out`. */
static void read_all(fp_source *src, fp_buf *out, size_t piece)
{
	char buf[8192];
	ssize_t got;

	assert_true(piece <= sizeof(buf));
	while ((got = fp_source_read(src, buf, piece)) > 0)
		fp_buf_add(out, buf, (size_t)got);
	assert_int_equal(got, 0);
}

static char *write_temp(const void *data, size_t n)
{
	char *path = fp_xstrdup("/tmp/fixproof-test-source-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

static void test_source_memory__peek_is_replayed(void **state)
{
	static const char text[] = "collected 2 items\n<Module t.py>\n  <Function test_a>\n";
	const unsigned char *head;
	size_t n;
	fp_source src;
	fp_buf all = FP_BUF_INIT;

	(void)state;
	fp_source_memory(&src, "m.txt", text, sizeof(text) - 1);
	assert_int_equal(fp_source_peek(&src, &head, &n), 0);
	assert_int_equal(n, sizeof(text) - 1);
	assert_memory_equal(head, text, n);
	/* A second peek gives the same bytes: nothing was consumed. */
	assert_int_equal(fp_source_peek(&src, &head, &n), 0);
	assert_int_equal(n, sizeof(text) - 1);
	read_all(&src, &all, 5);
	assert_string_equal(all.ptr, text);
	assert_finish_hashes(&src, text, sizeof(text) - 1);
	fp_source_close(&src);
	fp_source_close(&src);
	fp_buf_free(&all);
}

/* What the reader leaves unread is still hashed, so the sha256 names the
 * whole file. */
static void test_source_finish__hashes_what_was_not_read(void **state)
{
	unsigned char *data = make_bytes(100000);
	fp_source src;
	char buf[10];

	(void)state;
	fp_source_memory(&src, "m.bin", data, 100000);
	assert_int_equal(fp_source_read(&src, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_finish_hashes(&src, data, 100000);
	fp_source_close(&src);
	free(data);
}

/* A file large enough to be read ahead on a thread gives the same bytes
 * and hash as one read inline. */
static void test_source_open__reads_a_large_file_ahead(void **state)
{
	size_t size = (2u << 20) + 12345;
	unsigned char *data = make_bytes(size);
	char *path = write_temp(data, size);
	const unsigned char *head;
	size_t n;
	fp_source src;
	fp_buf all = FP_BUF_INIT;

	(void)state;
	assert_int_equal(fp_source_open(&src, path), 0);
	assert_int_equal(src.type, FP_SOURCE_REGULAR);
	assert_int_equal(src.size, size);
	assert_int_equal(fp_source_peek(&src, &head, &n), 0);
	assert_int_equal(n, FP_SOURCE_PEEK);
	fp_source_read_ahead(&src);
	assert_non_null(src.ahead);
	read_all(&src, &all, 7000);
	assert_int_equal(all.len, size);
	assert_memory_equal(all.ptr, data, size);
	assert_finish_hashes(&src, data, size);
	fp_source_close(&src);
	unlink(path);
	free(path);
	free(data);
	fp_buf_free(&all);
}

/* Stopping early with a reader thread running must end it cleanly. */
static void test_source_close__stops_reading_ahead(void **state)
{
	size_t size = 2u << 20;
	unsigned char *data = make_bytes(size);
	char *path = write_temp(data, size);
	const unsigned char *head;
	size_t n;
	fp_source src;
	char buf[100];

	(void)state;
	assert_int_equal(fp_source_open(&src, path), 0);
	assert_int_equal(fp_source_peek(&src, &head, &n), 0);
	fp_source_read_ahead(&src);
	assert_int_equal(fp_source_read(&src, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	fp_source_close(&src);
	assert_null(src.ahead);
	unlink(path);
	free(path);
	free(data);
}

static void test_source_open__refuses_what_is_no_file(void **state)
{
	fp_source src;

	(void)state;
	assert_int_equal(fp_source_open(&src, "/dev/null"), FP_EINPUT);
	assert_string_equal(fp_error_message(),
			    "cannot read '/dev/null': not a regular file, FIFO or directory");
	assert_int_equal(fp_source_open(&src, "/nonexistent/x.xml"), FP_EINPUT);
	assert_string_equal(fp_error_message(),
			    "cannot open '/nonexistent/x.xml': No such file or directory");
}

static void *fifo_writer(void *arg)
{
	FILE *f = fopen(arg, "wb");

	if (f) {
		fputs("<testsuites/>", f);
		fclose(f);
	}
	return NULL;
}

/* A FIFO is opened without waiting, then peeking waits for its writer. */
static void test_source_peek__waits_for_a_fifo_writer(void **state)
{
	char dir[] = "/tmp/fixproof-test-fifo-XXXXXX";
	fp_buf path = FP_BUF_INIT, all = FP_BUF_INIT;
	const unsigned char *head;
	size_t n;
	fp_source src;
	pthread_t writer;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fp_buf_printf(&path, "%s/results.xml", dir);
	assert_int_equal(mkfifo(path.ptr, 0600), 0);
	assert_int_equal(fp_source_open(&src, path.ptr), 0);
	assert_int_equal(src.type, FP_SOURCE_FIFO);
	assert_int_equal(pthread_create(&writer, NULL, fifo_writer, path.ptr), 0);
	assert_int_equal(fp_source_peek(&src, &head, &n), 0);
	read_all(&src, &all, 3);
	pthread_join(writer, NULL);
	assert_string_equal(all.ptr, "<testsuites/>");
	fp_source_close(&src);
	unlink(path.ptr);
	rmdir(dir);
	fp_buf_free(&path);
	fp_buf_free(&all);
}

typedef struct cap_job {
	const unsigned char *data;
	size_t len;
	int read_err, finish_err;
} cap_job;

static void *read_capped(void *arg)
{
	cap_job *job = arg;
	fp_source src;
	fp_buf all = FP_BUF_INIT;
	char buf[4096], hex[65];
	uint64_t bytes;
	ssize_t got;

	fp_source_memory(&src, "big.xml", job->data, job->len);
	while ((got = fp_source_read(&src, buf, sizeof(buf))) > 0)
		fp_buf_add(&all, buf, (size_t)got);
	job->read_err = (int)got;
	job->finish_err = fp_source_finish(&src, hex, &bytes);
	fp_source_close(&src);
	fp_buf_free(&all);
	fp_error_shutdown();
	return NULL;
}

/*
 * The size cap is read from the environment once, for both sides of a
 * diff read at the same time: two threads meet it at once here (a build
 * with -fsanitize=thread found the lazily set cap racing before it was
 * made with pthread_once).
 */
static void test_source_read__cap_on_two_threads(void **state)
{
	unsigned char *data = make_bytes(CAP + 1);
	cap_job jobs[2] = { { data, CAP + 1, 0, 0 }, { data, CAP, 0, 0 } };
	pthread_t threads[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, read_capped, &jobs[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(jobs[0].read_err, -1);
	assert_int_equal(jobs[0].finish_err, FP_ELIMIT);
	assert_int_equal(jobs[1].read_err, 0);
	assert_int_equal(jobs[1].finish_err, 0);
	free(data);
}

static void sniffs(const char *text, fp_sniff want)
{
	assert_int_equal(fp_sniff_bytes((const unsigned char *)text, strlen(text)), want);
}

static void test_sniff__junit_text_and_blank(void **state)
{
	(void)state;
	sniffs("", FP_SNIFF_UNKNOWN);
	sniffs(" \r\n\t", FP_SNIFF_UNKNOWN);
	sniffs("<?xml version=\"1.0\"?><testsuites/>", FP_SNIFF_JUNIT);
	sniffs("\xef\xbb\xbf  <testsuite name=\"x\">", FP_SNIFF_JUNIT);
	sniffs("<coverage version=\"7.2\">", FP_SNIFF_JUNIT);
	sniffs("<Module tests/test_a.py>\n  <Function test_a>\n", FP_SNIFF_COLLECT);
	sniffs("tests/test_a.py::test_a\n", FP_SNIFF_COLLECT);
	sniffs("ImportError while loading conftest '/x/conftest.py'.\n", FP_SNIFF_COLLECT);
}

static int pytest_marks(const char *text)
{
	return fp_sniff_pytest((const unsigned char *)text, strlen(text));
}

static void test_sniff__pytest_marks(void **state)
{
	(void)state;
	assert_true(pytest_marks("collected 3 items\n"));
	assert_true(pytest_marks("tests/a.py::test_b\n"));
	assert_true(pytest_marks("tests/a.py: 3\n"));
	assert_true(pytest_marks("ImportError while loading conftest '/x/tests/conftest.py'."));
	assert_true(pytest_marks("ERROR: usage: __main__.py [options] [file_or_dir]\n"));
	assert_true(pytest_marks("INTERNALERROR> Traceback (most recent call last):\n"));
	assert_true(pytest_marks(".FE                                   [100%]\n"));
	assert_false(pytest_marks("# Results\n\nSee the CI logs.\n"));
	assert_false(pytest_marks("make: *** [all] Error 2\nERROR: build failed\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_memory__peek_is_replayed),
		cmocka_unit_test(test_source_finish__hashes_what_was_not_read),
		cmocka_unit_test(test_source_open__reads_a_large_file_ahead),
		cmocka_unit_test(test_source_close__stops_reading_ahead),
		cmocka_unit_test(test_source_open__refuses_what_is_no_file),
		cmocka_unit_test(test_source_peek__waits_for_a_fifo_writer),
		cmocka_unit_test(test_source_read__cap_on_two_threads),
		cmocka_unit_test(test_sniff__junit_text_and_blank),
		cmocka_unit_test(test_sniff__pytest_marks),
	};

	setenv("FIXPROOF_MAX_INPUT_BYTES", "3145728", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
