/*
 * render_report.c - the report: finding templates, rendering the view with
 * them, and shortening a report that is too long; see render.h.
 */
#include <errno.h>
#include <string.h>

#include "fixproof/embedded.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/render.h"

#define MAX_TEMPLATE_BYTES (1u << 20)

const char *const fp_report_builtin_templates[] = { "proof", "pr-summary", "executive", NULL };

/* Where templates and partials are looked for. */
typedef struct lookup {
	const char *dir;      /* --templates DIR, or NULL */
	fp_buf file_dir;      /* directory of a template given as a file */
} lookup;

/* Reads a whole file (a `what`: template or note), capped: 0, FP_ENOTFOUND
 * when it is absent and need not exist, or another negative code. */
static int read_text_file(fp_buf *out, const char *path, const char *what, int must_exist)
{
	int err = fp_file_read(out, path, MAX_TEMPLATE_BYTES,
			       FP_FILE_REGULAR | (must_exist ? 0 : FP_FILE_MISSING_OK));

	if (err == FP_ENOTFOUND)
		return err;
	if (err == FP_ELIMIT)
		return fp_error_set(FP_ELIMIT, "cannot read %s '%s': larger than %u bytes",
				    what, path, MAX_TEMPLATE_BYTES);
	if (err < 0 && errno == EINVAL)
		return fp_error_set(FP_EUSAGE, "cannot read %s '%s': not a regular file", what, path);
	if (err < 0) /* no such file, no permission: the open failed (as the message says) */
		return fp_error_set(FP_EUSAGE, "cannot open %s '%s': %s", what, path, strerror(errno));
	return 0;
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

/* Finds template `name` (its text appended): 0, FP_ENOTFOUND, or another
 * negative code when a file of that name cannot be read. */
static int find_template(const lookup *lk, const char *name, fp_buf *out)
{
	const char *dirs[2];
	const fp_embedded_file *f;
	fp_buf path = FP_BUF_INIT;
	int i, err = FP_ENOTFOUND;

	if (!valid_name(name))
		return FP_ENOTFOUND;
	dirs[0] = lk->dir;
	dirs[1] = lk->file_dir.len ? lk->file_dir.ptr : NULL;
	for (i = 0; i < 2 && err == FP_ENOTFOUND; i++) {
		if (!dirs[i])
			continue;
		fp_buf_clear(&path);
		fp_buf_printf(&path, "%s/%s.mustache", dirs[i], name);
		err = read_text_file(out, path.ptr, "template", 0);
	}
	fp_buf_free(&path);
	if (err != FP_ENOTFOUND)
		return err;
	if ((f = builtin(name)) != NULL) {
		fp_buf_add(out, f->data, f->len);
		return 0;
	}
	return FP_ENOTFOUND;
}

static int partial_cb(void *ctx, const char *name, fp_buf *out)
{
	return find_template(ctx, name, out);
}

static int looks_like_file(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 9 && strcmp(name + n - 9, ".mustache") == 0);
}

/* Loads the main template and sets where its partials are looked up. */
static int load_main(lookup *lk, fp_buf *text, const char *name)
{
	int err;

	if (looks_like_file(name)) {
		const char *slash = strrchr(name, '/');

		if ((err = read_text_file(text, name, "template", 1)) < 0)
			return err;
		if (slash)
			fp_buf_add(&lk->file_dir, name, (size_t)(slash - name));
		else
			fp_buf_putc(&lk->file_dir, '.');
		return 0;
	}
	if ((err = find_template(lk, name, text)) == FP_ENOTFOUND)
		return fp_error_set(FP_EUSAGE, "no template '%s': not a file, and no built-in template of "
				    "that name (built-in: proof, pr-summary, executive)", name);
	return err;
}

/* ---- shortening ---- */

/* Groups of lists, cut together, from the least important. */
enum { G_UNCHANGED, G_FIXED, G_OTHER, G_REMOVED, G_SKIPPED, G_PROGRESSED, G_STILL, G_REGRESSED };

static const fp_change groups[][7] = {
	[G_UNCHANGED] = { FP_CHANGE_UNCHANGED, FP_CHANGE_COUNT },
	[G_FIXED] = { FP_CHANGE_FIXED, FP_CHANGE_COUNT },
	[G_OTHER] = { FP_CHANGE_UNSKIPPED, FP_CHANGE_NEW, FP_CHANGE_COLLECTABLE, FP_CHANGE_NEWLY_RUN,
		      FP_CHANGE_FLAKY, FP_CHANGE_NOT_RUN, FP_CHANGE_COUNT },
	[G_REMOVED] = { FP_CHANGE_REMOVED, FP_CHANGE_COUNT },
	[G_SKIPPED] = { FP_CHANGE_NEWLY_SKIPPED, FP_CHANGE_COUNT },
	[G_PROGRESSED] = { FP_CHANGE_PROGRESSED, FP_CHANGE_COUNT },
	[G_STILL] = { FP_CHANGE_STILL_FAILING, FP_CHANGE_COUNT },
	[G_REGRESSED] = { FP_CHANGE_REGRESSED, FP_CHANGE_COUNT },
};

enum { STEP_LISTS, STEP_TRACES, STEP_TARGETS };

/* The steps a long report goes down, one at a time, each keeping the
 * ones before: rows of the least important lists go first, the target
 * table and the regressions last. */
static const struct step {
	int what, group;
	size_t cap;
} steps[] = {
	{ STEP_LISTS, G_UNCHANGED, 0 }, { STEP_TRACES, 0, 0 },
	{ STEP_LISTS, G_FIXED, 20 }, { STEP_LISTS, G_FIXED, 0 },
	{ STEP_LISTS, G_OTHER, 20 }, { STEP_LISTS, G_OTHER, 0 },
	{ STEP_LISTS, G_REMOVED, 20 }, { STEP_LISTS, G_REMOVED, 0 },
	{ STEP_LISTS, G_SKIPPED, 20 }, { STEP_LISTS, G_SKIPPED, 0 },
	{ STEP_LISTS, G_PROGRESSED, 20 }, { STEP_LISTS, G_PROGRESSED, 0 },
	{ STEP_LISTS, G_STILL, 20 }, { STEP_LISTS, G_STILL, 0 },
	{ STEP_TARGETS, 0, 20 }, { STEP_TARGETS, 0, 5 },
	{ STEP_LISTS, G_REGRESSED, 200 }, { STEP_LISTS, G_REGRESSED, 50 },
	{ STEP_LISTS, G_REGRESSED, 10 },
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
#define FULL_LIST 1000

/* What one rendering shows. */
typedef struct detail {
	size_t caps[FP_CHANGE_COUNT];
	size_t target_cap;
	int traces;
} detail;

static void detail_full(detail *dt)
{
	size_t k;

	for (k = 0; k < FP_CHANGE_COUNT; k++)
		dt->caps[k] = FULL_LIST;
	dt->target_cap = FULL_LIST;
	dt->traces = 1;
}

static void detail_step(detail *dt, const struct step *st)
{
	const fp_change *c;

	if (st->what == STEP_TRACES)
		dt->traces = 0;
	else if (st->what == STEP_TARGETS)
		dt->target_cap = st->cap;
	else
		for (c = groups[st->group]; *c != FP_CHANGE_COUNT; c++)
			dt->caps[*c] = st->cap;
}

/* Appends the lists cut to their cap (to none: `to_zero`) that lose rows,
 * in the order they are cut. */
static int cut_lists(fp_buf *out, const fp_diff *d, const detail *dt, int to_zero)
{
	size_t g;
	const fp_change *c;
	int n = 0;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (c = groups[g]; *c != FP_CHANGE_COUNT; c++) {
			if (d->changes[*c] <= dt->caps[*c] || (dt->caps[*c] == 0) != to_zero)
				continue;
			fp_buf_printf(out, "%s%s", n++ ? ", " : "", fp_change_label(*c));
			if (!to_zero)
				fp_buf_printf(out, " (first %zu kept)", dt->caps[*c]);
		}
	}
	return n;
}

/* "the traces; every row of these lists: unchanged, fixed; rows of these
 * lists: still failing (first 20 kept)". */
static void left_out(fp_buf *out, const fp_diff *d, const detail *dt)
{
	fp_buf part = FP_BUF_INIT;

	if (!dt->traces)
		fp_buf_puts(out, "the traces");
	if (cut_lists(&part, d, dt, 1))
		fp_buf_printf(out, "%severy row of these lists: %s", out->len ? "; " : "", part.ptr);
	fp_buf_clear(&part);
	if (cut_lists(&part, d, dt, 0))
		fp_buf_printf(out, "%srows of these lists: %s", out->len ? "; " : "", part.ptr);
	if (d->target_count > dt->target_cap)
		fp_buf_printf(out, "%starget rows past the first %zu", out->len ? "; " : "",
			      dt->target_cap);
	fp_buf_free(&part);
}

/* The note saying what a shortened report leaves out, as text and Markdown. */
static void shortened_notes(fp_buf *text, fp_buf *md, const fp_diff *d, const detail *dt,
			    size_t max)
{
	fp_buf what = FP_BUF_INIT;

	left_out(&what, d, dt);
	fp_buf_clear(text);
	fp_buf_printf(text, "This report was shortened to fit %zu bytes: it leaves out %s.", max,
		      what.ptr);
	fp_buf_clear(md);
	fp_markdown_escape(md, text->ptr, text->len);
	fp_buf_puts(text, " Run fixproof diff on the same inputs for every test.");
	fp_buf_puts(md, " Run `fixproof diff` on the same inputs for every test.");
	fp_buf_free(&what);
}

/* ---- the note ---- */

int fp_report_read_note(fp_buf *out, const char *arg)
{
	int err;

	if (arg[0] != '@') {
		fp_buf_puts(out, arg);
		return 0;
	}
	if ((err = read_text_file(out, arg + 1, "note", 1)) < 0)
		return err;
	if (out->len && memchr(out->ptr, '\0', out->len))
		return fp_error_set(FP_EUSAGE, "cannot read note '%s': it holds a NUL byte", arg + 1);
	return 0;
}

/* The fence (``` or ~~~, 3 or more) a Markdown line opens or closes a
 * code block with, in *ch and *n; 0 when it is no fence line. */
static int fence_of(const char *line, const char *end, char *ch, size_t *n)
{
	const char *p = line;
	size_t k = 0;

	while (p < end && *p == ' ' && p - line < 3)
		p++;
	if (p == end || (*p != '`' && *p != '~'))
		return 0;
	while (p + k < end && p[k] == *p)
		k++;
	if (k < 3)
		return 0;
	*ch = *p;
	*n = k;
	/* A closing fence has nothing after it but blanks. */
	for (p += k; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	return p == end ? 2 : 1;
}

/* Closes a code block the user's Markdown leaves open, so that it does
 * not swallow the rest of the report. */
static void close_open_fence(fp_buf *out, size_t from)
{
	const char *p = out->ptr + from, *end = out->ptr + out->len, *eol;
	char open = 0, ch;
	size_t open_n = 0, n;
	int kind;

	for (; p < end; p = eol + (eol < end)) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (!(kind = fence_of(p, eol, &ch, &n)))
			continue;
		if (!open) {
			open = ch;
			open_n = n;
		} else if (kind == 2 && ch == open && n >= open_n) {
			open = 0;
		}
	}
	if (open) {
		if (out->len && out->ptr[out->len - 1] != '\n')
			fp_buf_putc(out, '\n');
		while (open_n--)
			fp_buf_putc(out, open);
	}
}

/* The --note as Markdown: its own Markdown (a code block it leaves open
 * closed), or text escaped line by line (so its paragraphs stay paragraphs). */
static void note_markdown(fp_buf *out, const fp_report_opts *o)
{
	const char *p = o->note, *end;

	if (!p)
		return;
	if (o->note_is_markdown) {
		size_t from = out->len;

		fp_buf_puts(out, p);
		close_open_fence(out, from);
		return;
	}
	for (; *p; p = end + (*end != '\0')) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		fp_markdown_escape(out, p, (size_t)(end - p));
		fp_buf_putc(out, '\n');
	}
	while (out->len && out->ptr[out->len - 1] == '\n')
		fp_buf_truncate(out, out->len - 1);
}

/* ---- missing keys ---- */

typedef struct missing_ctx {
	const fp_report_opts *o;
	fp_buf seen; /* names already reported, each followed by '\n' */
	fp_buf msg;
} missing_ctx;

static int on_missing(void *ctx, const char *tmpl, unsigned line, unsigned col, const char *name)
{
	missing_ctx *mc = ctx;
	fp_buf key = FP_BUF_INIT;
	int known;

	fp_buf_printf(&key, "\n%s\n", name);
	known = mc->seen.len && strstr(mc->seen.ptr, key.ptr) != NULL;
	fp_buf_free(&key);
	if (known)
		return 0;
	fp_buf_printf(&mc->seen, "\n%s\n", name);
	fp_buf_clear(&mc->msg);
	fp_buf_printf(&mc->msg, "template '%s' line %u column %u: the view has no key '%s' (see "
		      "'fixproof report --format view')", tmpl, line, col, name);
	if (mc->o->strict)
		return fp_error_set(FP_ETEMPLATE, "%s", mc->msg.ptr);
	if (mc->o->warn)
		mc->o->warn(mc->o->warn_ctx, mc->msg.ptr);
	return 0;
}

/* ---- rendering ---- */

static cJSON *build_view(const fp_diff *diff, const fp_report_opts *opts, const detail *dt,
			 const char *note_md, const fp_buf *shortened, const fp_buf *shortened_md)
{
	fp_view_opts vo;

	memset(&vo, 0, sizeof(vo));
	vo.title = opts->title;
	vo.list_cap = FULL_LIST;
	vo.caps = dt->caps;
	vo.target_cap = dt->target_cap;
	vo.traces = dt->traces;
	vo.note_md = note_md;
	if (shortened && shortened->len) {
		vo.shortened_note = shortened->ptr;
		vo.shortened_note_md = shortened_md->ptr;
	}
	return fp_view_build(diff, &vo);
}

void fp_report_view_json(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts)
{
	fp_buf note = FP_BUF_INIT;
	detail dt;
	cJSON *view;
	char *json;

	detail_full(&dt);
	note_markdown(&note, opts);
	view = build_view(diff, opts, &dt, note.ptr, NULL, NULL);
	json = cJSON_Print(view);
	fp_buf_puts(out, json);
	fp_buf_putc(out, '\n');
	cJSON_free(json);
	cJSON_Delete(view);
	fp_buf_free(&note);
}

/* Passes the report's own warnings (fp_report_warnings) to opts->warn. */
static void report_warnings(const fp_diff *diff, const fp_report_opts *opts)
{
	fp_buf all = FP_BUF_INIT;
	char *p, *end;

	if (!opts->warn || !fp_report_warnings(&all, diff))
		return;
	for (p = all.ptr; (end = strchr(p, '\n')) != NULL; p = end + 1) {
		*end = '\0';
		opts->warn(opts->warn_ctx, p);
	}
	fp_buf_free(&all);
}

/* Renders at one level of detail into `attempt`. */
static int render_level(fp_buf *attempt, const fp_diff *diff, const fp_report_opts *opts,
			const detail *dt, const fp_buf *note_md, const fp_buf *shortened,
			const fp_buf *shortened_md, const fp_buf *text, const fp_mustache_opts *mo)
{
	const char *name = opts->template_name ? opts->template_name : "proof";
	cJSON *view = build_view(diff, opts, dt, note_md->ptr, shortened, shortened_md);
	int err;

	fp_buf_clear(attempt);
	err = fp_mustache_render(attempt, text->ptr, text->len, name, view, mo);
	cJSON_Delete(view);
	return err;
}

int fp_report_render(fp_buf *out, const fp_diff *diff, const fp_report_opts *opts)
{
	lookup lk = { opts->templates_dir, FP_BUF_INIT };
	missing_ctx mc = { opts, FP_BUF_INIT, FP_BUF_INIT };
	fp_buf text = FP_BUF_INIT, note_md = FP_BUF_INIT;
	fp_buf attempt = FP_BUF_INIT, short_text = FP_BUF_INIT, short_md = FP_BUF_INIT;
	fp_mustache_opts mo;
	detail dt, noted; /* what is left out; what the note says is (what made a difference) */
	size_t si = 0, len;
	int err;

	memset(&mo, 0, sizeof(mo));
	mo.escape = FP_ESCAPE_MARKDOWN;
	mo.partial = partial_cb;
	mo.partial_ctx = &lk;
	mo.missing = on_missing;
	mo.missing_ctx = &mc;
	detail_full(&dt);
	detail_full(&noted);
	note_markdown(&note_md, opts);
	report_warnings(diff, opts);
	if ((err = load_main(&lk, &text, opts->template_name ? opts->template_name : "proof")) < 0)
		goto out;
	err = render_level(&attempt, diff, opts, &dt, &note_md, &short_text, &short_md, &text, &mo);
	while (err == 0 && opts->max_chars && attempt.len > opts->max_chars) {
		if (si == NSTEPS) {
			err = fp_error_set(FP_ELIMIT, "the report needs %zu bytes even in its shortest "
					   "form; --max-chars %zu is too small", attempt.len,
					   opts->max_chars);
			break;
		}
		/* A step the template does not show (pr-summary has no traces)
		 * changes nothing, and the note does not name it. */
		len = attempt.len;
		detail_step(&dt, &steps[si]);
		err = render_level(&attempt, diff, opts, &dt, &note_md, &short_text, &short_md,
				   &text, &mo);
		if (err < 0 || attempt.len == len) {
			si++;
			continue;
		}
		detail_step(&noted, &steps[si++]);
		shortened_notes(&short_text, &short_md, diff, &noted, opts->max_chars);
		err = render_level(&attempt, diff, opts, &dt, &note_md, &short_text, &short_md,
				   &text, &mo);
	}
	if (err == 0)
		fp_buf_add(out, attempt.ptr, attempt.len);
out:
	fp_buf_free(&attempt);
	fp_buf_free(&note_md);
	fp_buf_free(&short_text);
	fp_buf_free(&short_md);
	fp_buf_free(&text);
	fp_buf_free(&lk.file_dir);
	fp_buf_free(&mc.seen);
	fp_buf_free(&mc.msg);
	return err;
}
