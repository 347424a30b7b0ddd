/*
 * parse_input.c - the walk over the inputs: directories searched for
 * result files, each file handed to the reader its first bytes call for,
 * and what a file that is no result file means; see parse.h. The bytes
 * come through the byte source (source.h), under the readers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixproof/error.h"
#include "fixproof/parse.h"

#define MAX_DIR_DEPTH 64
#define MAX_DIR_FILES 1000000

static int name_ends(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);

	return n > k && strcmp(path + n - k, suffix) == 0;
}

/* Where results are written: an empty file by such a name is one. */
static int result_name(const char *path)
{
	return name_ends(path, ".xml") || name_ends(path, ".txt") || name_ends(path, ".log");
}

/*
 * Whether JSON found in a directory may be a CTRF report: one of CTRF's
 * top-level keys in its first bytes. A directory of results holds other
 * JSON (a package.json, a capture's provenance.json, coverage) that is
 * passed over without a word, as other text is.
 */
static int looks_like_ctrf(const unsigned char *head, size_t n)
{
	static const char *const keys[] = { "\"results\"", "\"reportFormat\"" };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		size_t len = strlen(keys[k]);

		for (i = 0; i + len <= n; i++)
			if (head[i] == '"' && memcmp(head + i, keys[k], len) == 0)
				return 1;
	}
	return 0;
}

/* Hashes the rest of the source into its input's record. */
static int finish_input(fp_run *run, uint32_t input, fp_source *src)
{
	fp_input *in = &run->inputs[input];

	return fp_source_finish(src, in->sha256, &in->bytes);
}

/*
 * An input with no bytes at all. pytest that fails to start (a conftest
 * that does not import, a usage error) writes its complaint to standard
 * error, so a result captured from standard output alone is empty: an
 * input with no tests, and a warning that says how to see why.
 */
static int add_empty(fp_run *run, fp_source *src)
{
	uint32_t input = fp_run_add_input(run, src->path, name_ends(src->path, ".xml") ?
					  FP_INPUT_JUNIT : FP_INPUT_COLLECT);

	run->inputs[input].empty = 1;
	fp_run_warn(run, input, "'%s' is empty: pytest wrote nothing: did it fail to start? "
		    "capture stderr with 2>&1", src->path);
	return finish_input(run, input, src);
}

/*
 * A reader found that input `input` is no result file (FP_PARSE_FOREIGN,
 * message set): it is taken out of the run again. Found in a directory,
 * it is passed over with a warning of the run's; named, it is an error.
 */
static int foreign(fp_run *run, uint32_t input, int found)
{
	fp_buf what = FP_BUF_INIT;
	int err = 0;

	fp_buf_puts(&what, fp_error_message());
	fp_run_drop_input(run, input);
	if (found)
		fp_run_warn(run, FP_RUN_ITSELF, "skipped %s", what.ptr);
	else
		err = fp_error_set(FP_EINPUT, "cannot parse %s", what.ptr);
	fp_buf_free(&what);
	return err;
}

/*
 * Reads one opened source as an input of `run`. A file `found` in a
 * directory that shows no sign of being a result file (empty under
 * another name, blank, text without pytest's marks) is passed over.
 */
static int read_source(fp_run *run, fp_source *src, int found)
{
	const unsigned char *head;
	size_t n;
	fp_sniff kind;
	uint32_t input;
	int err;

	if ((err = fp_source_peek(src, &head, &n)) < 0)
		return err;
	if (n == 0)
		return found && !result_name(src->path) ? 0 : add_empty(run, src);
	kind = fp_sniff_bytes(head, n);
	if (kind == FP_SNIFF_UNKNOWN)
		return found ? 0 : fp_error_set(FP_EINPUT, "cannot parse '%s': it holds only white "
						 "space", src->path);
	if (found && kind == FP_SNIFF_COLLECT && !name_ends(src->path, ".xml") &&
	    !fp_sniff_pytest(head, n))
		return 0;
	if (found && kind == FP_SNIFF_JSON && !looks_like_ctrf(head, n))
		return 0;
	input = fp_run_add_input(run, src->path, kind == FP_SNIFF_JUNIT ? FP_INPUT_JUNIT :
				 kind == FP_SNIFF_JSON ? FP_INPUT_CTRF : FP_INPUT_COLLECT);
	fp_source_read_ahead(src);
	if (kind == FP_SNIFF_JUNIT)
		err = fp_junit_parse(run, input, src);
	else if (kind == FP_SNIFF_JSON)
		err = fp_ctrf_parse(run, input, src);
	else
		err = fp_collect_parse(run, input, src);
	if (err == FP_PARSE_FOREIGN)
		return foreign(run, input, found);
	if (err < 0)
		return err;
	return finish_input(run, input, src);
}

static int read_file(fp_run *run, const char *path, int found)
{
	fp_source src;
	int err;

	if ((err = fp_source_open(&src, path)) < 0)
		return err;
	/* The walker saw a regular file; one swapped for a FIFO since then
	 * is passed over rather than waited for. */
	if (found && src.type != FP_SOURCE_REGULAR)
		err = 0;
	else
		err = read_source(run, &src, found);
	fp_source_close(&src);
	return err;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(fp_run *run, const char *path, int depth, size_t *files)
{
	DIR *dir = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int err = 0;

	if (depth > MAX_DIR_DEPTH)
		return fp_error_set(FP_EINPUT, "cannot read '%s': directories nested deeper than %d",
				    path, MAX_DIR_DEPTH);
	if (!(dir = opendir(path)))
		return fp_error_set(FP_EINPUT, "cannot open directory '%s': %s", path, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		fp_buf child = FP_BUF_INIT;

		if (de->d_name[0] == '.')
			continue; /* ., .., and hidden files such as .pytest_cache */
		fp_buf_printf(&child, "%s%s%s", path,
			      path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		FP_ARRAY_GROW(names, n + 1, cap);
		names[n++] = fp_buf_detach(&child, NULL);
	}
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && err == 0; i++) {
		struct stat st;

		if (lstat(names[i], &st) != 0 || S_ISLNK(st.st_mode))
			continue; /* links could loop; result files are plain files */
		if (S_ISDIR(st.st_mode)) {
			err = walk_dir(run, names[i], depth + 1, files);
		} else if (S_ISREG(st.st_mode)) {
			if (++*files > MAX_DIR_FILES)
				err = fp_error_set(FP_ELIMIT, "cannot read '%s': more than %d files",
						   path, MAX_DIR_FILES);
			else
				err = read_file(run, names[i], 1);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

/*
 * A directory given as an input: every result file in it. One with none
 * is an error, which names the first file passed over with a warning, if
 * any: the reason is then more likely there than in the directory name.
 */
static int read_dir_input(fp_run *run, const char *path)
{
	size_t files = 0, inputs = run->ninputs, warnings = run->nwarnings;
	int err = walk_dir(run, path, 0, &files);

	if (err < 0 || run->ninputs > inputs)
		return err;
	if (run->nwarnings > warnings)
		return fp_error_set(FP_EINPUT, "no result files in directory '%s' (%s)", path,
				    run->warnings[warnings]);
	return fp_error_set(FP_EINPUT, "no result files in directory '%s'", path);
}

int fp_parse_inputs(fp_run **out, const char *const *paths, size_t npaths,
		    fp_progress_fn progress, void *progress_ctx)
{
	fp_run *run = fp_run_new();
	size_t i;
	int err = 0;

	for (i = 0; i < npaths && err == 0; i++) {
		const char *path = paths[i];
		struct stat st;

		if (progress)
			progress(progress_ctx, path, i, npaths);
		if (strcmp(path, "-") == 0) {
			fp_source src;

			fp_source_fd(&src, "-", 0);
			err = read_source(run, &src, 0);
			fp_source_close(&src);
		} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			err = read_dir_input(run, path);
		} else {
			err = read_file(run, path, 0);
		}
	}
	if (err < 0) {
		fp_run_free(run);
		return err;
	}
	fp_run_finish(run);
	*out = run;
	return 0;
}
