/*
 * annotate.c - GitHub workflow commands for the tests that matter after a
 * fix; see annotate.h.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/annotate.h"
#include "fixproof/error.h"
#include "fixproof/utf8.h"
#include "fixproof/util.h"

#define MESSAGE_LINES 6    /* lines of the failure an annotation quotes */
#define MESSAGE_BYTES 1500 /* and at most this many bytes of them */

/* The kinds of annotation, most important first. */
enum { KIND_ERROR = 0, KIND_WARNING, KIND_NOTICE, KIND_COUNT };

/* Why a test is annotated, in the order they are printed. */
typedef enum {
	WHY_REGRESSED = 0, WHY_STILL_FAILING, WHY_PROGRESSED, WHY_NEWLY_FAILING,
	WHY_NEWLY_SKIPPED, WHY_COUNT
} why;

static const struct {
	int kind;
	const char *command, *label;
} whys[WHY_COUNT] = {
	{ KIND_ERROR, "error", "regressed" },
	{ KIND_ERROR, "error", "target still failing" },
	{ KIND_WARNING, "warning", "target progressed" },
	{ KIND_WARNING, "warning", "newly failing" },
	{ KIND_NOTICE, "notice", "target newly skipped" },
};

void fp_annotate_escape(fp_buf *out, const char *s, size_t n, int property)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '%': fp_buf_puts(out, "%25"); break;
		case '\r': fp_buf_puts(out, "%0D"); break;
		case '\n': fp_buf_puts(out, "%0A"); break;
		case ':': fp_buf_puts(out, property ? "%3A" : ":"); break;
		case ',': fp_buf_puts(out, property ? "%2C" : ","); break;
		default: fp_buf_putc(out, s[i]); break;
		}
	}
}

/* ---- where a test failed ---- */

/*
 * Makes `path` (of `n` bytes) relative to `root` into `out`; returns 0 for
 * a path that is not the repository's: outside `root`, above it, or in an
 * installed package.
 */
static int repo_path(fp_buf *out, const char *path, size_t n, const char *root)
{
	size_t r = strlen(root);

	fp_buf_clear(out);
	while (r > 1 && root[r - 1] == '/')
		r--;
	if (n && path[0] == '/') {
		if (n <= r + 1 || strncmp(path, root, r) != 0 || path[r] != '/')
			return 0;
		path += r + 1;
		n -= r + 1;
	}
	while (n >= 2 && path[0] == '.' && path[1] == '/') {
		path += 2;
		n -= 2;
	}
	fp_buf_add(out, path, n);
	/* A runner on Windows writes "__tests__\\main.test.js"; GitHub wants '/'. */
	for (size_t i = 0; i < out->len; i++)
		if (out->ptr[i] == '\\')
			out->ptr[i] = '/';
	if (n == 0 || out->ptr[0] == '<' || strncmp(out->ptr, "../", 3) == 0 ||
	    strstr(out->ptr, "site-packages/") || strstr(out->ptr, "dist-packages/") ||
	    strstr(out->ptr, "node_modules/") || strchr(out->ptr, ' '))
		return 0;
	return 1;
}

/* Reads the digits at `p` into `*line`; returns where they end, or NULL. */
static const char *digits(const char *p, unsigned long *line)
{
	uint64_t v = 0;
	size_t n = fp_uint_prefix(&v, p, SIZE_MAX, UINT_MAX - 1);

	if (n == 0 || v == 0)
		return NULL;
	*line = (unsigned long)v;
	return p + n;
}

/*
 * One line of a trace as a frame: sets `*path`, `*n` and `*line`; returns
 * 1 for Python's and pytest's frames, 2 for a JavaScript "at" frame, 0
 * for no frame.
 */
static int frame_of(const char *s, size_t len, const char **path, size_t *n, unsigned long *line)
{
	const char *p = s, *end = s + len, *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (strncmp(p, "File \"", 6) == 0 && (q = memchr(p + 6, '"', (size_t)(end - p - 6))) &&
	    strncmp(q, "\", line ", 8) == 0 && digits(q + 8, line)) {
		*path = p + 6;
		*n = (size_t)(q - *path);
		return 1;
	}
	if (strncmp(p, "at ", 3) == 0) {
		const char *open = memchr(p, '(', (size_t)(end - p));

		p = open ? open + 1 : p + 3;
		q = p;
		while (q < end && *q != ':' && *q != ')')
			q++;
		if (q < end && *q == ':' && digits(q + 1, line)) {
			*path = p;
			*n = (size_t)(q - p);
			return 2;
		}
		return 0;
	}
	/* pytest: "tests/test_x.py:22: AssertionError" */
	for (q = p; q < end && *q != ':' && *q != ' '; q++)
		;
	if (q < end && *q == ':' && q > p && memchr(p, '.', (size_t)(q - p)) &&
	    (q = digits(q + 1, line)) && (q == end || *q == ':')) {
		*path = p;
		*n = (size_t)(strchr(p, ':') - p);
		return 1;
	}
	return 0;
}

/*
 * Whether a relative path of an "at" frame is a file of the repository:
 * such frames also name files relative to nothing in it (Java's
 * "Assert.java", Node's "internal/process/task_queues.js"), which GitHub
 * would put on no line of the diff. Python's relative frames are relative
 * to pytest's rootdir, the repository's top, and are taken as they are.
 */
static int in_checkout(const char *root, const fp_buf *rel)
{
	fp_buf path = FP_BUF_INIT;
	struct stat st;
	int ok;

	fp_buf_printf(&path, "%s/%s", root, rel->ptr);
	ok = stat(path.ptr, &st) == 0 && S_ISREG(st.st_mode);
	fp_buf_free(&path);
	return ok;
}

int fp_annotate_trace_frame(fp_buf *file, unsigned long *line, const char *trace,
			    const char *root)
{
	fp_buf rel = FP_BUF_INIT;
	const char *s = trace;
	int found = 0, first_at = 0;

	fp_buf_clear(file);
	while (s && *s) {
		const char *nl = strchr(s, '\n'), *path;
		size_t len = nl ? (size_t)(nl - s) : strlen(s), n;
		unsigned long l;
		int kind = frame_of(s, len, &path, &n, &l);

		/* The deepest frame is the last of a Python traceback and the
		 * first of a JavaScript stack. */
		if (kind && !first_at && repo_path(&rel, path, n, root) &&
		    (path[0] == '/' || kind == 1 || in_checkout(root, &rel))) {
			fp_buf_clear(file);
			fp_buf_add(file, rel.ptr, rel.len);
			*line = l;
			found = 1;
			first_at = kind == 2;
		}
		s = nl ? nl + 1 : NULL;
	}
	fp_buf_free(&rel);
	return found;
}

/* Where to annotate test `t`: its own file and line, else its trace's
 * deepest frame in the repository, else the file of its node id. */
static void locate(fp_buf *file, unsigned long *line, const fp_test *t, const char *root)
{
	fp_buf id = FP_BUF_INIT;
	const char *sep;

	*line = 0;
	fp_buf_clear(file);
	if (t->file && repo_path(file, t->file, strlen(t->file), root)) {
		*line = t->line;
		if (*line || !fp_test_trace(t))
			return;
	}
	if (fp_test_trace(t) && fp_annotate_trace_frame(&id, line, fp_test_trace(t), root)) {
		fp_buf_clear(file);
		fp_buf_add(file, id.ptr, id.len);
	} else if (!file->len && t->nodeid && (sep = strstr(t->nodeid, "::")) != NULL) {
		repo_path(file, t->nodeid, (size_t)(sep - t->nodeid), root);
	}
	fp_buf_free(&id);
}

/* ---- what to say ---- */

static void outcome_words(fp_buf *out, const fp_test *t, fp_outcome o)
{
	static const char *const words[FP_OUTCOME_COUNT] = {
		"passed", "failed on infrastructure", "failed on business logic",
		"skipped", "not run", "absent"
	};
	const char *cause = t ? fp_test_cause(t) : NULL;

	fp_buf_puts(out, (unsigned)o < FP_OUTCOME_COUNT ? words[o] : "absent");
	if (cause && fp_outcome_is_failure(o)) {
		fp_buf_puts(out, " (");
		for (; *cause; cause++)
			fp_buf_putc(out, *cause == '_' ? ' ' : *cause);
		fp_buf_putc(out, ')');
	}
}

/* Appends the first lines of `text`, cut on a character boundary. */
static void first_lines(fp_buf *out, const char *text)
{
	size_t n = 0, lines = 0;

	while (text[n] && lines < MESSAGE_LINES && n < MESSAGE_BYTES)
		lines += text[n++] == '\n';
	n = fp_utf8_cut(text, strlen(text), n);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	fp_buf_add(out, text, n);
}

/* The message: what changed, then the first lines of what the test said. */
static void message_of(fp_buf *out, const fp_diff_entry *e, const fp_test *before,
		       const fp_test *after)
{
	const fp_test *t = after ? after : before;
	const char *said = fp_test_message(t) ? fp_test_message(t) : fp_test_trace(t);

	fp_buf_puts(out, "Before the fix: ");
	outcome_words(out, before, (fp_outcome)e->outcome_before);
	fp_buf_puts(out, "; after: ");
	outcome_words(out, after, (fp_outcome)e->outcome_after);
	fp_buf_puts(out, ".");
	if (said && *said) {
		fp_buf_putc(out, '\n');
		first_lines(out, said);
	}
}

static void format_one(fp_buf *out, const fp_diff *d, const fp_diff_entry *e, why w,
		       const char *root)
{
	const fp_test *before = fp_diff_before(d, e), *after = fp_diff_after(d, e);
	fp_buf file = FP_BUF_INIT, text = FP_BUF_INIT;
	unsigned long line = 0;

	fp_buf_printf(out, "::%s ", whys[w].command);
	locate(&file, &line, after ? after : before, root);
	if (file.len) {
		fp_buf_puts(out, "file=");
		fp_annotate_escape(out, file.ptr, file.len, 1);
		if (line)
			fp_buf_printf(out, ",line=%lu", line);
		fp_buf_putc(out, ',');
	}
	fp_test_id(&text, after ? after : before);
	fp_buf_printf(&text, ": %s", whys[w].label);
	fp_buf_puts(out, "title=");
	fp_annotate_escape(out, text.ptr, text.len, 1);
	fp_buf_puts(out, "::");
	fp_buf_clear(&text);
	message_of(&text, e, before, after);
	fp_annotate_escape(out, text.ptr, text.len, 0);
	fp_buf_putc(out, '\n');
	fp_buf_free(&file);
	fp_buf_free(&text);
}

/* Whether entry `e` is annotated for reason `w`. */
static int matters(const fp_diff_entry *e, why w)
{
	int target = (e->flags & FP_ENTRY_TARGET) != 0;
	int fails_after = fp_outcome_is_failure((fp_outcome)e->outcome_after);

	switch (w) {
	case WHY_REGRESSED: return e->change == FP_CHANGE_REGRESSED;
	case WHY_STILL_FAILING: return target && e->change == FP_CHANGE_STILL_FAILING;
	case WHY_PROGRESSED: return target && e->change == FP_CHANGE_PROGRESSED;
	case WHY_NEWLY_FAILING:
		return fails_after && e->change != FP_CHANGE_REGRESSED &&
		       e->outcome_before != FP_OUTCOME_PASSED &&
		       !fp_outcome_is_failure((fp_outcome)e->outcome_before);
	case WHY_NEWLY_SKIPPED: return target && e->change == FP_CHANGE_NEWLY_SKIPPED;
	default: return 0;
	}
}

/* The last notice: how many were left out, of which kinds. */
static void format_left_out(fp_buf *out, const size_t left[WHY_COUNT], size_t total)
{
	int w, first = 1;

	fp_buf_printf(out, "::notice title=fixproof%%3A %zu more %s left out::", total,
		      total == 1 ? "annotation" : "annotations");
	fp_buf_printf(out, "GitHub shows at most %d errors and %d warnings per step and %d "
		      "annotations per job; left out: ", FP_ANNOTATE_MAX_PER_KIND,
		      FP_ANNOTATE_MAX_PER_KIND, FP_ANNOTATE_MAX_PER_JOB);
	for (w = 0; w < WHY_COUNT; w++) {
		if (!left[w])
			continue;
		fp_buf_printf(out, "%s%zu %s", first ? "" : ", ", left[w], whys[w].label);
		first = 0;
	}
	fp_buf_puts(out, ". The report lists every test.\n");
}

int fp_annotate_write(FILE *f, const fp_diff *d, const fp_annotate_opts *opts)
{
	unsigned per_kind = opts && opts->max_per_kind ? opts->max_per_kind : FP_ANNOTATE_MAX_PER_KIND;
	unsigned total = opts && opts->max_total ? opts->max_total : FP_ANNOTATE_MAX_PER_JOB;
	size_t shown[KIND_COUNT] = { 0 }, left[WHY_COUNT] = { 0 }, printed = 0, nleft = 0, i;
	char cwd[PATH_MAX];
	const char *root = opts && opts->root ? opts->root : getcwd(cwd, sizeof(cwd));
	fp_buf line = FP_BUF_INIT;
	int w;

	if (!root)
		root = ".";
	for (w = 0; w < WHY_COUNT; w++) {
		int k = whys[w].kind;
		/* One notice and one annotation of the job's are kept for the
		 * summary, in case something is left out. */
		size_t cap_kind = k == KIND_NOTICE ? per_kind - 1 : per_kind;

		for (i = 0; i < d->nentries; i++) {
			if (!matters(&d->entries[i], (why)w))
				continue;
			if (shown[k] >= cap_kind || printed + 1 >= total) {
				left[w]++;
				nleft++;
				continue;
			}
			fp_buf_clear(&line);
			format_one(&line, d, &d->entries[i], (why)w, root);
			fwrite(line.ptr, 1, line.len, f);
			shown[k]++;
			printed++;
		}
	}
	if (nleft) {
		fp_buf_clear(&line);
		format_left_out(&line, left, nleft);
		fwrite(line.ptr, 1, line.len, f);
	}
	fp_buf_free(&line);
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the annotations: write error");
	return 0;
}
