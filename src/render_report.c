/*
 * render_report.c - the report: finding templates, rendering the view with
 * them, and shortening a report that is too long; see render.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/embedded.h"
#include "fixproof/error.h"
#include "fixproof/render.h"

#define MAX_TEMPLATE_BYTES (1u << 20)

const char *const fp_report_builtin_templates[] = { "proof", "pr-summary", "executive", NULL };

/* Where templates and partials are looked for. */
typedef struct lookup {
	const char *dir;      /* --templates DIR, or NULL */
	fp_buf file_dir;      /* directory of a template given as a file */
} lookup;

/* Reads a whole template file, capped. 1 when read, 0 when absent, <0 on error. */
static int read_template_file(fp_buf *out, const char *path, int must_exist)
{
	struct stat st;
	char chunk[8192];
	ssize_t got;
	int fd, err = 1;

	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		return fp_error_set(FP_EUSAGE, "cannot open template '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fp_error_set(FP_EUSAGE, "cannot read template '%s': not a regular file", path);
	}
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = fp_error_set(FP_EUSAGE, "cannot read template '%s': %s", path, strerror(errno));
			break;
		}
		if (out->len + (size_t)got > MAX_TEMPLATE_BYTES) {
			err = fp_error_set(FP_ELIMIT, "cannot read template '%s': larger than %u bytes",
					   path, MAX_TEMPLATE_BYTES);
			break;
		}
		fp_buf_add(out, chunk, (size_t)got);
	}
	close(fd);
	return err;
}

static int valid_name(const char *name)
{
	const char *p;

	if (!*name || strlen(name) > 100)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return name[0] != '.';
}

static const fp_embedded_file *builtin(const char *name)
{
	const fp_embedded_file *f;
	size_t n = strlen(name);

	for (f = fp_embedded_files; f->path; f++)
		if (strncmp(f->path, "templates/", 10) == 0 && strncmp(f->path + 10, name, n) == 0 &&
		    strcmp(f->path + 10 + n, ".mustache") == 0)
			return f;
	return NULL;
}

/* Finds template `name`: 1 found (text appended), 0 not found, <0 error. */
static int find_template(const lookup *lk, const char *name, fp_buf *out)
{
	const char *dirs[2];
	const fp_embedded_file *f;
	fp_buf path = FP_BUF_INIT;
	int i, found = 0;

	if (!valid_name(name))
		return 0;
	dirs[0] = lk->dir;
	dirs[1] = lk->file_dir.len ? lk->file_dir.ptr : NULL;
	for (i = 0; i < 2 && !found; i++) {
		if (!dirs[i])
			continue;
		fp_buf_clear(&path);
		fp_buf_printf(&path, "%s/%s.mustache", dirs[i], name);
		found = read_template_file(out, path.ptr, 0);
	}
	fp_buf_free(&path);
	if (found)
		return found;
	if ((f = builtin(name)) != NULL) {
		fp_buf_add(out, f->data, f->len);
		return 1;
	}
	return 0;
}

static int partial_cb(void *ctx, const char *name, fp_buf *out)
{
	return find_template(ctx, name, out) > 0;
}

static int looks_like_file(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 9 && strcmp(name + n - 9, ".mustache") == 0);
}

/* Loads the main template and sets where its partials are looked up. */
static int load_main(lookup *lk, fp_buf *text, const char *name)
{
	int found;

	if (looks_like_file(name)) {
		const char *slash = strrchr(name, '/');

		if ((found = read_template_file(text, name, 1)) < 0)
			return found;
		if (slash)
			fp_buf_add(&lk->file_dir, name, (size_t)(slash - name));
		else
			fp_buf_putc(&lk->file_dir, '.');
		return 0;
	}
	if ((found = find_template(lk, name, text)) < 0)
		return found;
	if (!found)
		return fp_error_set(FP_EUSAGE, "no template '%s': not a file, and no built-in template of "
				    "that name (built-in: proof, pr-summary, executive)", name);
	return 0;
}

/* The detail levels a long report steps down through, and what each
 * leaves out, in the order the issue states. */
static const struct level {
	size_t list_cap, regressed_cap;
	int traces, unchanged;
	const char *left_out;
} levels[] = {
	{ 1000, 1000, 1, 1, NULL },
	{ 1000, 1000, 1, 0, "unchanged tests" },
	{ 1000, 1000, 0, 0, "unchanged tests and traces" },
	{ 100, 1000, 0, 0, "unchanged tests and traces; lists cut to 100 tests" },
	{ 20, 1000, 0, 0, "unchanged tests and traces; lists cut to 20 tests" },
	{ 5, 200, 0, 0, "unchanged tests and traces; lists cut to 5 tests, regressions to 200" },
	{ 0, 50, 0, 0, "every list but the regressions (cut to 50)" },
	{ 0, 10, 0, 0, "every list but the regressions (cut to 10)" },
};

int fp_report_render(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts)
{
	lookup lk = { opts->templates_dir, FP_BUF_INIT };
	fp_buf text = FP_BUF_INIT, note = FP_BUF_INIT, attempt = FP_BUF_INIT;
	fp_mustache_opts mo;
	size_t li, nlevels = opts->max_chars ? sizeof(levels) / sizeof(levels[0]) : 1;
	const char *name = opts->template_name ? opts->template_name : "proof";
	int err;

	memset(&mo, 0, sizeof(mo));
	mo.escape = FP_ESCAPE_MARKDOWN;
	mo.partial = partial_cb;
	mo.partial_ctx = &lk;
	if ((err = load_main(&lk, &text, name)) < 0)
		goto out;
	for (li = 0; li < nlevels; li++) {
		const struct level *lv = &levels[li];
		fp_view_opts vo;
		cJSON *view;

		memset(&vo, 0, sizeof(vo));
		vo.title = opts->title;
		vo.list_cap = lv->list_cap;
		vo.regressed_cap = lv->regressed_cap;
		vo.traces = lv->traces;
		vo.unchanged = lv->unchanged;
		if (lv->left_out) {
			fp_buf_clear(&note);
			fp_buf_printf(&note, "This report was shortened to fit %zu characters: it leaves "
				      "out %s. Run `fixproof diff` on the same inputs for every test.",
				      opts->max_chars, lv->left_out);
			vo.shortened_note = note.ptr;
		}
		view = fp_view_build(diff, &vo);
		fp_buf_clear(&attempt);
		err = fp_mustache_render(&attempt, text.ptr, text.len, name, view, &mo);
		cJSON_Delete(view);
		if (err < 0)
			goto out;
		if (!opts->max_chars || attempt.len <= opts->max_chars) {
			fp_buf_add(out, attempt.ptr, attempt.len);
			goto out;
		}
	}
	err = fp_error_set(FP_ELIMIT, "the report needs %zu characters even in its shortest form; "
			   "--max-chars %zu is too small", attempt.len, opts->max_chars);
out:
	fp_buf_free(&attempt);
	fp_buf_free(&note);
	fp_buf_free(&text);
	fp_buf_free(&lk.file_dir);
	return err;
}
