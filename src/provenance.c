/*
 * provenance.c - the record of how a run was made (provenance.json): its
 * JSON form, reading it back, and the rows a report shows of it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/provenance.h"
#include "fixproof/render.h"

#define PROVENANCE_SCHEMA "fixproof.provenance/1"
#define PROVENANCE_MAX_BYTES (1024 * 1024) /* a record is a few KiB */

fp_provenance *fp_provenance_new(void)
{
	fp_provenance *p = fp_xcalloc(1, sizeof(*p));

	p->exit_status = -1;
	p->duration = -1;
	p->dirty = -1;
	p->runs = 1;
	return p;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void fp_provenance_free(fp_provenance *p)
{
	if (!p)
		return;
	free_list(p->argv, p->argc);
	free_list(p->dirty_paths, p->ndirty);
	free_list(p->tests_copied, p->ntests_copied);
	free_list(p->results, p->nresults);
	for (size_t i = 0; i < p->ncounts; i++)
		free(p->counts[i].id);
	free(p->counts);
	free(p->label);
	free(p->runner);
	free(p->cwd);
	free(p->signal);
	free(p->cut_short);
	free(p->start);
	free(p->end);
	free(p->commit);
	free(p->branch);
	free(p->tests_from);
	free(p->repo_url);
	free(p->python_version);
	free(p->pytest_version);
	free(p->hostname);
	free(p->ci_run_url);
	free(p->ci_run_attempt);
	free(p->ci_sha);
	free(p->ci_ref);
	free(p->stderr_tail);
	free(p);
}

/* ---- results over repeated runs ---- */

void fp_provenance_count_add(fp_provenance *p, const char *id, int passed, int failed)
{
	fp_provenance_count *c;

	FP_ARRAY_GROW(p->counts, p->ncounts + 1, p->counts_cap);
	c = &p->counts[p->ncounts++];
	c->id = fp_xstrdup(id);
	c->passed = passed != 0;
	c->failed = failed != 0;
	c->ran = 1;
}

static int cmp_count(const void *a, const void *b)
{
	return strcmp(((const fp_provenance_count *)a)->id, ((const fp_provenance_count *)b)->id);
}

void fp_provenance_counts_finish(fp_provenance *p)
{
	size_t i, k = 0;

	if (p->ncounts == 0)
		return;
	qsort(p->counts, p->ncounts, sizeof(*p->counts), cmp_count);
	for (i = 1; i < p->ncounts; i++) {
		fp_provenance_count *last = &p->counts[k];

		if (strcmp(p->counts[i].id, last->id) == 0) {
			last->passed += p->counts[i].passed;
			last->failed += p->counts[i].failed;
			last->ran += p->counts[i].ran;
			free(p->counts[i].id);
		} else {
			p->counts[++k] = p->counts[i];
		}
	}
	p->ncounts = k + 1;
}

static const fp_provenance_count *find_count(const fp_provenance *p, const char *id)
{
	fp_provenance_count key;

	if (!p || !p->ncounts)
		return NULL;
	key.id = (char *)id;
	return bsearch(&key, p->counts, p->ncounts, sizeof(key), cmp_count);
}

/* ---- writing ---- */

static void put_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void put_list(cJSON *o, const char *key, char *const *v, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
}

static void put_num(cJSON *o, const char *key, double v, int known)
{
	if (known)
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *fp_provenance_json_object(const fp_provenance *p)
{
	cJSON *o = cJSON_CreateObject(), *git, *ci;

	cJSON_AddStringToObject(o, "schema", PROVENANCE_SCHEMA);
	put_str(o, "label", p->label);
	put_list(o, "argv", p->argv, p->argc);
	put_str(o, "runner", p->runner);
	put_str(o, "cwd", p->cwd);
	put_num(o, "exit_status", p->exit_status, p->exit_status >= 0);
	put_str(o, "signal", p->signal);
	put_str(o, "cut_short", p->cut_short);
	put_num(o, "timeout", p->timeout, p->timeout > 0);
	put_str(o, "start", p->start);
	put_str(o, "end", p->end);
	put_num(o, "duration", p->duration, p->duration >= 0);
	cJSON_AddNumberToObject(o, "runs", p->runs);
	git = cJSON_AddObjectToObject(o, "git");
	put_str(git, "commit", p->commit);
	put_str(git, "branch", p->branch);
	if (p->dirty >= 0)
		cJSON_AddBoolToObject(git, "dirty", p->dirty);
	else
		cJSON_AddNullToObject(git, "dirty");
	put_list(git, "dirty_paths", p->dirty_paths, p->ndirty);
	cJSON_AddNumberToObject(git, "dirty_more", (double)p->dirty_more);
	put_str(git, "repository_url", p->repo_url);
	if (p->ntests_copied) {
		cJSON *copied = cJSON_AddObjectToObject(git, "tests_copied");

		put_list(copied, "pathspecs", p->tests_copied, p->ntests_copied);
		put_str(copied, "from", p->tests_from);
	} else {
		cJSON_AddNullToObject(git, "tests_copied");
	}
	put_str(o, "python_version", p->python_version);
	put_str(o, "pytest_version", p->pytest_version);
	put_str(o, "hostname", p->hostname);
	if (p->ci_run_url || p->ci_sha || p->ci_ref) {
		ci = cJSON_AddObjectToObject(o, "github_actions");
		put_str(ci, "run_url", p->ci_run_url);
		put_str(ci, "run_attempt", p->ci_run_attempt);
		put_str(ci, "sha", p->ci_sha);
		put_str(ci, "ref", p->ci_ref);
	} else {
		cJSON_AddNullToObject(o, "github_actions");
	}
	put_list(o, "results", p->results, p->nresults);
	put_str(o, "stderr_tail", p->stderr_tail);
	if (p->ncounts) {
		cJSON *arr = cJSON_AddArrayToObject(o, "counts"), *c;

		for (size_t i = 0; i < p->ncounts; i++) {
			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "id", p->counts[i].id);
			cJSON_AddNumberToObject(c, "passed", p->counts[i].passed);
			cJSON_AddNumberToObject(c, "failed", p->counts[i].failed);
			cJSON_AddNumberToObject(c, "ran", p->counts[i].ran);
			cJSON_AddItemToArray(arr, c);
		}
	}
	return o;
}

void fp_provenance_to_json(fp_buf *out, const fp_provenance *p)
{
	cJSON *o = fp_provenance_json_object(p);
	char *text = cJSON_Print(o);

	if (!text)
		fp_die("out of memory");
	fp_buf_puts(out, text);
	fp_buf_putc(out, '\n');
	cJSON_free(text);
	cJSON_Delete(o);
}

/* ---- reading ---- */

static char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring ? fp_xstrdup(v->valuestring) : NULL;
}

static double get_num(const cJSON *o, const char *key, double missing)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : missing;
}

static char **get_list(const cJSON *o, const char *key, size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key), *item;
	char **v = NULL;
	size_t k = 0;

	*n = 0;
	if (!cJSON_IsArray(arr))
		return NULL;
	v = fp_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	cJSON_ArrayForEach(item, arr)
		if (cJSON_IsString(item) && item->valuestring)
			v[k++] = fp_xstrdup(item->valuestring);
	*n = k;
	return v;
}

static void from_json(fp_provenance *p, const cJSON *o)
{
	const cJSON *git = cJSON_GetObjectItemCaseSensitive(o, "git");
	const cJSON *ci = cJSON_GetObjectItemCaseSensitive(o, "github_actions");
	const cJSON *dirty = cJSON_GetObjectItemCaseSensitive(git, "dirty");
	const cJSON *copied;

	p->label = get_str(o, "label");
	p->argv = get_list(o, "argv", &p->argc);
	p->runner = get_str(o, "runner");
	p->cwd = get_str(o, "cwd");
	p->exit_status = (int)get_num(o, "exit_status", -1);
	p->signal = get_str(o, "signal");
	p->cut_short = get_str(o, "cut_short");
	p->timeout = get_num(o, "timeout", 0);
	p->start = get_str(o, "start");
	p->end = get_str(o, "end");
	p->duration = get_num(o, "duration", -1);
	p->runs = (int)get_num(o, "runs", 1);
	p->commit = get_str(git, "commit");
	p->branch = get_str(git, "branch");
	p->dirty = cJSON_IsBool(dirty) ? cJSON_IsTrue(dirty) : -1;
	p->dirty_paths = get_list(git, "dirty_paths", &p->ndirty);
	p->dirty_more = (size_t)get_num(git, "dirty_more", 0);
	p->repo_url = get_str(git, "repository_url");
	copied = cJSON_GetObjectItemCaseSensitive(git, "tests_copied");
	p->tests_copied = get_list(copied, "pathspecs", &p->ntests_copied);
	p->tests_from = get_str(copied, "from");
	p->python_version = get_str(o, "python_version");
	p->pytest_version = get_str(o, "pytest_version");
	p->hostname = get_str(o, "hostname");
	p->ci_run_url = get_str(ci, "run_url");
	p->ci_run_attempt = get_str(ci, "run_attempt");
	p->ci_sha = get_str(ci, "sha");
	p->ci_ref = get_str(ci, "ref");
	p->results = get_list(o, "results", &p->nresults);
	p->stderr_tail = get_str(o, "stderr_tail");
	if (p->runs < 1)
		p->runs = 1;
}

/* Reads a small file whole into `out`; returns 0, FP_ENOTFOUND or FP_EINPUT. */
static int read_small(fp_buf *out, const char *path)
{
	int err = fp_file_read(out, path, PROVENANCE_MAX_BYTES, 0);

	if (err == FP_ELIMIT)
		return fp_error_set(FP_EINPUT, "cannot read '%s': larger than %d bytes", path,
				    PROVENANCE_MAX_BYTES);
	if (err < 0 && (errno == ENOENT || errno == ENOTDIR))
		return FP_ENOTFOUND;
	if (err < 0)
		return fp_error_set(FP_EINPUT, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}

int fp_provenance_load(fp_provenance **out, const char *dir)
{
	fp_buf path = FP_BUF_INIT, text = FP_BUF_INIT;
	cJSON *doc = NULL;
	const cJSON *schema;
	int err;

	fp_buf_printf(&path, "%s/%s", dir, FP_PROVENANCE_FILE);
	if ((err = read_small(&text, path.ptr)) < 0)
		goto out;
	doc = cJSON_ParseWithLength(text.ptr, text.len);
	schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	if (!cJSON_IsObject(doc) || !cJSON_IsString(schema) ||
	    strcmp(schema->valuestring, PROVENANCE_SCHEMA) != 0) {
		err = fp_error_set(FP_EINPUT, "cannot read '%s': not a %s record", path.ptr,
				   PROVENANCE_SCHEMA);
		goto out;
	}
	*out = fp_provenance_new();
	from_json(*out, doc);
out:
	cJSON_Delete(doc);
	fp_buf_free(&text);
	fp_buf_free(&path);
	return err;
}

/* ---- the report's view ---- */

/* A URL safe to put in a Markdown link: https, and no character that
 * could end the link or start markup. */
static int safe_url(const char *u)
{
	const char *p;

	if (!u || strncmp(u, "https://", 8) != 0 || !u[8])
		return 0;
	for (p = u + 8; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("./-_~:%=?&", *p))
			return 0;
	return 1;
}

static int is_hex(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The command as one line a shell would take back: arguments with
 * characters a shell reads are single-quoted. */
static void command_line(fp_buf *out, const fp_provenance *p)
{
	size_t i;
	const char *s;

	for (i = 0; i < p->argc; i++) {
		s = p->argv[i];
		if (i)
			fp_buf_putc(out, ' ');
		if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789-_./=:,+@%") == strlen(s)) {
			fp_buf_puts(out, s);
			continue;
		}
		fp_buf_putc(out, '\'');
		for (; *s; s++) {
			if (*s == '\'')
				fp_buf_puts(out, "'\\''");
			else
				fp_buf_putc(out, *s);
		}
		fp_buf_putc(out, '\'');
	}
}

static void exit_text(fp_buf *out, const fp_provenance *p)
{
	if (p->cut_short && strcmp(p->cut_short, "timeout") == 0)
		fp_buf_printf(out, "cut short: stopped after the %g s timeout", p->timeout);
	else if (p->cut_short)
		fp_buf_puts(out, "cut short: interrupted");
	else if (p->signal)
		fp_buf_printf(out, "killed by %s", p->signal);
	else if (p->exit_status >= 0)
		fp_buf_printf(out, "exit status %d", p->exit_status);
	if (p->runs > 1)
		fp_buf_printf(out, "%s%d runs", out->len ? " (first of " : "", p->runs);
	if (p->runs > 1 && out->len && strchr(out->ptr, '('))
		fp_buf_putc(out, ')');
}

static void duration_text(fp_buf *out, double s)
{
	if (s < 0)
		return;
	if (s < 60)
		fp_buf_printf(out, "%.1f s", s);
	else
		fp_buf_printf(out, "%d min %02d s", (int)(s / 60), (int)s % 60);
}

static void versions_text(fp_buf *out, const fp_provenance *p)
{
	if (p->python_version)
		fp_buf_printf(out, "Python %s", p->python_version);
	if (p->pytest_version)
		fp_buf_printf(out, "%spytest %s", out->len ? ", " : "", p->pytest_version);
}

static void add_text(cJSON *o, const char *key, const fp_buf *b)
{
	if (b->len)
		cJSON_AddStringToObject(o, key, b->ptr);
	else
		cJSON_AddNullToObject(o, key);
}

/* ", with the fix's tests (`tests`) from `2d8e964`": what prove --tests
 * copied into the tree before the run. */
static void tests_copied_md(fp_buf *out, const fp_provenance *p)
{
	size_t i, n = p->tests_from ? strlen(p->tests_from) : 0;

	fp_buf_puts(out, ", with the fix's tests (");
	for (i = 0; i < p->ntests_copied; i++) {
		if (i)
			fp_buf_puts(out, ", ");
		fp_markdown_code_span(out, p->tests_copied[i], strlen(p->tests_copied[i]));
	}
	fp_buf_puts(out, ") from ");
	if (is_hex(p->tests_from))
		fp_markdown_code_span(out, p->tests_from, n < 7 ? n : 7);
	else
		fp_buf_puts(out, "the working tree");
}

/* The commit as a Markdown link to the repository when both are known. */
static void commit_md(fp_buf *out, const fp_provenance *p)
{
	size_t n = p->commit ? strlen(p->commit) : 0;

	if (!is_hex(p->commit))
		return;
	if (safe_url(p->repo_url))
		fp_buf_printf(out, "[`%.7s`](%s/commit/%s)", p->commit, p->repo_url, p->commit);
	else
		fp_markdown_code_span(out, p->commit, n < 7 ? n : 7);
	if (p->branch) {
		fp_buf_puts(out, " on ");
		fp_markdown_code_span(out, p->branch, strlen(p->branch));
	}
	if (p->ntests_copied)
		tests_copied_md(out, p);
	if (p->dirty == 1)
		fp_buf_printf(out, ", with %suncommitted changes (%zu %s)",
			      p->ntests_copied ? "other " : "", p->ndirty + p->dirty_more,
			      p->ndirty + p->dirty_more == 1 ? "path" : "paths");
}

static void ci_md(fp_buf *out, const fp_provenance *p)
{
	if (!safe_url(p->ci_run_url))
		return;
	fp_buf_printf(out, "[GitHub Actions run](%s)", p->ci_run_url);
	if (p->ci_run_attempt && is_hex(p->ci_run_attempt))
		fp_buf_printf(out, ", attempt %s", p->ci_run_attempt);
}

static void results_md(fp_buf *out, const fp_provenance *p)
{
	size_t i;

	if (p->nresults == 0) {
		fp_buf_puts(out, "none: the command wrote no results, so the run never started");
		return;
	}
	for (i = 0; i < p->nresults; i++) {
		if (i)
			fp_buf_puts(out, ", ");
		fp_markdown_code_span(out, p->results[i], strlen(p->results[i]));
	}
}

/* One side's facts as plain text members, and as Markdown in `md[]`. */
enum { ROW_COMMIT, ROW_COMMAND, ROW_CWD, ROW_EXIT, ROW_VERSIONS, ROW_START, ROW_DURATION,
       ROW_HOST, ROW_CI, ROW_RESULTS, ROW_COUNT };
static const char *const row_names[ROW_COUNT] = {
	"Commit", "Command", "Directory", "Ended", "Versions", "Started (UTC)", "Duration",
	"Host", "CI run", "Results"
};

static cJSON *side_view(const fp_provenance *p, fp_buf md[ROW_COUNT])
{
	cJSON *o = cJSON_CreateObject();
	fp_buf t = FP_BUF_INIT;

	command_line(&t, p);
	add_text(o, "command", &t);
	fp_markdown_code_span(&md[ROW_COMMAND], t.ptr, t.len);
	fp_buf_clear(&t);
	exit_text(&t, p);
	add_text(o, "exit_text", &t);
	fp_markdown_escape(&md[ROW_EXIT], t.ptr, t.len);
	fp_buf_clear(&t);
	versions_text(&t, p);
	fp_markdown_escape(&md[ROW_VERSIONS], t.ptr, t.len);
	fp_buf_clear(&t);
	duration_text(&t, p->duration);
	add_text(o, "duration", &t);
	fp_markdown_escape(&md[ROW_DURATION], t.ptr, t.len);
	fp_buf_free(&t);
	put_str(o, "commit", p->commit);
	cJSON_AddNullToObject(o, "commit_short");
	put_str(o, "branch", p->branch);
	put_str(o, "python_version", p->python_version);
	put_str(o, "pytest_version", p->pytest_version);
	put_str(o, "start", p->start);
	put_str(o, "ci_run_url", p->ci_run_url);
	cJSON_AddBoolToObject(o, "cut_short", p->cut_short != NULL);
	cJSON_AddBoolToObject(o, "wrote_nothing", p->nresults == 0);
	commit_md(&md[ROW_COMMIT], p);
	if (p->cwd && strcmp(p->cwd, ".") != 0)
		fp_markdown_code_span(&md[ROW_CWD], p->cwd, strlen(p->cwd));
	if (p->start)
		fp_markdown_code_span(&md[ROW_START], p->start, strlen(p->start));
	if (p->hostname)
		fp_markdown_escape(&md[ROW_HOST], p->hostname, strlen(p->hostname));
	ci_md(&md[ROW_CI], p);
	results_md(&md[ROW_RESULTS], p);
	return o;
}

/* commit_short: the first 7 hex digits of the commit. */
static void set_short(cJSON *side, const fp_provenance *p)
{
	char shortsha[8];

	if (!side || !is_hex(p->commit))
		return;
	snprintf(shortsha, sizeof(shortsha), "%.7s", p->commit);
	cJSON_ReplaceItemInObject(side, "commit_short", cJSON_CreateString(shortsha));
}

static void tail_md(cJSON *arr, const char *side, const fp_provenance *p)
{
	cJSON *item;
	fp_buf md = FP_BUF_INIT;

	if (!p || !p->stderr_tail || !*p->stderr_tail)
		return;
	fp_markdown_code_block(&md, p->stderr_tail, strlen(p->stderr_tail), "text");
	item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, "side", side);
	cJSON_AddStringToObject(item, "tail_md", md.ptr);
	cJSON_AddItemToArray(arr, item);
	fp_buf_free(&md);
}

/* "- `id`: failed 3/3 before, passed 3/3 after" */
static void count_line(fp_buf *md, const char *id, const fp_provenance_count *b,
		       const fp_provenance_count *a)
{
	fp_buf_puts(md, "- ");
	fp_markdown_code_span(md, id, strlen(id));
	if (b)
		fp_buf_printf(md, ": failed %u/%u before", b->failed, b->ran);
	else
		fp_buf_puts(md, ": not run before");
	if (a)
		fp_buf_printf(md, ", passed %u/%u after\n", a->passed, a->ran);
	else
		fp_buf_puts(md, ", not run after\n");
}

/* The tests that failed in some run of either side, with their counts. */
static void add_counts(cJSON *view, const fp_provenance *before, const fp_provenance *after)
{
	const fp_provenance *side[2] = { before, after };
	fp_buf md = FP_BUF_INIT;
	size_t shown = 0, more = 0, i;
	int s;

	for (s = 0; s < 2; s++) {
		for (i = 0; side[s] && i < side[s]->ncounts; i++) {
			const fp_provenance_count *c = &side[s]->counts[i];
			const fp_provenance_count *b = s ? find_count(before, c->id) : c;

			if (!c->failed || (s && b && b->failed))
				continue; /* passed throughout, or listed with the run before */
			if (shown++ < FP_PROVENANCE_MAX_COUNTS)
				count_line(&md, c->id, b, s ? c : find_count(after, c->id));
			else
				more++;
		}
	}
	if (more)
		fp_buf_printf(&md, "- … and %zu more\n", more);
	if (md.len)
		cJSON_AddStringToObject(view, "tests_md", md.ptr);
	else
		cJSON_AddNullToObject(view, "tests_md");
	fp_buf_free(&md);
}

static void add_rows(cJSON *view, fp_buf md[2][ROW_COUNT], const int known[2])
{
	cJSON *rows = cJSON_AddArrayToObject(view, "rows"), *row;
	int r, s;

	for (r = 0; r < ROW_COUNT; r++) {
		if (!md[0][r].len && !md[1][r].len)
			continue;
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "name", row_names[r]);
		for (s = 0; s < 2; s++)
			cJSON_AddStringToObject(row, s ? "after_md" : "before_md",
						md[s][r].len ? md[s][r].ptr
							     : known[s] ? "unknown" : "not recorded");
		cJSON_AddItemToArray(rows, row);
	}
}

cJSON *fp_provenance_view(const fp_provenance *before, const fp_provenance *after)
{
	const fp_provenance *side[2] = { before, after };
	fp_buf md[2][ROW_COUNT];
	cJSON *view = cJSON_CreateObject(), *tails, *o;
	int known[2] = { before != NULL, after != NULL };
	int s, r;

	for (s = 0; s < 2; s++)
		for (r = 0; r < ROW_COUNT; r++)
			fp_buf_init(&md[s][r]);
	cJSON_AddBoolToObject(view, "any", before || after);
	for (s = 0; s < 2; s++) {
		o = side[s] ? side_view(side[s], md[s]) : cJSON_CreateNull();
		if (side[s])
			set_short(o, side[s]);
		cJSON_AddItemToObject(view, s ? "after" : "before", o);
	}
	add_rows(view, md, known);
	add_counts(view, before, after);
	tails = cJSON_AddArrayToObject(view, "tails");
	tail_md(tails, "before", before);
	tail_md(tails, "after", after);
	for (s = 0; s < 2; s++)
		for (r = 0; r < ROW_COUNT; r++)
			fp_buf_free(&md[s][r]);
	return view;
}
