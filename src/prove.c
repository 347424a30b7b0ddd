/*
 * prove.c - the runs before and after a fix: a temporary worktree of the
 * base commit (and of the head commit when given), the fix's tests copied
 * into the base, and a capture of each run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/capture.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/prove.h"

/* What one proof works with until it returns. */
typedef struct proof {
	const fp_prove_opts *o;
	char *top;           /* the repository's top directory */
	char *prefix;        /* the current directory under it ("" at the top) */
	char *scratch;       /* temporary directory of the worktrees, or NULL */
	char *base_wt;       /* worktree of the base commit */
	char *head_wt;       /* worktree of the head commit, or NULL */
	const char *head_sha;/* the head commit, or NULL: the working tree */
	char **copied;       /* the files copied into the base, from the repository's top */
	size_t ncopied, copied_cap;
	fp_prove *result;
} proof;

/* Runs git with `args` in `cwd`; standard output into `out` (may be NULL).
 * Its standard error becomes the message when it fails. */
static int git(fp_buf *out, const char *cwd, const char *const *args)
{
	fp_buf sink = FP_BUF_INIT, err = FP_BUF_INIT, cmd = FP_BUF_INIT;
	int status, rc = 0;
	size_t i;

	status = fp_capture_output(out ? out : &sink, &err, args, cwd);
	if (status > 0) {
		for (i = 0; args[i]; i++)
			fp_buf_printf(&cmd, "%s%s", i ? " " : "", args[i]);
		while (err.len && (err.ptr[err.len - 1] == '\n' || err.ptr[err.len - 1] == ' '))
			fp_buf_truncate(&err, err.len - 1);
		rc = fp_error_set(FP_EUSAGE, "prove: '%s' failed: %s", cmd.ptr,
				  err.len ? err.ptr : "no message");
	} else if (status < 0) {
		rc = status;
	}
	fp_buf_free(&sink);
	fp_buf_free(&err);
	fp_buf_free(&cmd);
	return rc;
}

static char *git_line(const char *cwd, const char *const *args, int *err)
{
	fp_buf out = FP_BUF_INIT;

	if ((*err = git(&out, cwd, args)) < 0) {
		fp_buf_free(&out);
		return NULL;
	}
	while (out.len && out.ptr[out.len - 1] == '\n')
		fp_buf_truncate(&out, out.len - 1);
	return fp_buf_detach(&out, NULL);
}

int fp_prove_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	fp_buf child = FP_BUF_INIT;
	int err = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : fp_error_set(FP_EIO, "cannot remove '%s': %s", path,
							  strerror(errno));
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			fp_buf_clear(&child);
			fp_buf_printf(&child, "%s/%s", path, de->d_name);
			if (fp_prove_remove_tree(child.ptr) < 0)
				err = FP_EIO;
		}
		closedir(d);
	}
	fp_buf_free(&child);
	if ((S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot remove '%s': %s", path, strerror(errno));
	return err;
}

static char *temp_dir(const char *what, int *err)
{
	const char *tmp = getenv("TMPDIR");
	fp_buf b = FP_BUF_INIT;

	fp_buf_printf(&b, "%s/fixproof-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(b.ptr)) {
		*err = fp_error_set(FP_EIO, "cannot make a temporary directory '%s': %s", b.ptr,
				    strerror(errno));
		fp_buf_free(&b);
		return NULL;
	}
	return fp_buf_detach(&b, NULL);
}

/* The commit a revision names, checked before anything is made. */
static char *commit_of(const proof *p, const char *rev, int *err)
{
	fp_buf spec = FP_BUF_INIT;
	const char *args[] = { "git", "rev-parse", "--verify", "-q", NULL, NULL };
	char *sha;

	fp_buf_printf(&spec, "%s^{commit}", rev);
	args[4] = spec.ptr;
	sha = git_line(p->top, args, err);
	if (!sha || !*sha) {
		free(sha);
		sha = NULL;
		*err = fp_error_set(FP_EUSAGE, "prove: '%s' is not a commit of the repository at '%s'",
				    rev, p->top);
	}
	fp_buf_free(&spec);
	return sha;
}

/* A detached worktree of `sha` at SCRATCH/name. */
static int add_worktree(proof *p, char **out, const char *name, const char *sha)
{
	fp_buf path = FP_BUF_INIT;
	const char *args[] = { "git", "worktree", "add", "--detach", "-q", NULL, NULL, NULL };
	int err;

	fp_buf_printf(&path, "%s/%s", p->scratch, name);
	args[5] = path.ptr;
	args[6] = sha;
	err = git(NULL, p->top, args);
	if (err == 0)
		*out = fp_buf_detach(&path, NULL);
	fp_buf_free(&path);
	return err;
}

/* Removes a worktree of ours, even when its files are gone or changed. */
static void remove_worktree(const proof *p, const char *path)
{
	const char *args[] = { "git", "worktree", "remove", "--force", NULL, NULL };
	const char *prune[] = { "git", "worktree", "prune", NULL };

	args[4] = path;
	if (git(NULL, p->top, args) < 0) {
		fp_prove_remove_tree(path);
		git(NULL, p->top, prune);
	}
	fp_error_clear();
}

/* Makes the directories above file `path`. */
static int make_parents(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int err;

	if (!slash || slash == path)
		return 0;
	dir = fp_xstrndup(path, (size_t)(slash - path));
	err = fp_file_mkdirs(dir);
	free(dir);
	return err;
}

static int copy_one(const char *from, const char *to)
{
	struct stat st;
	int err = make_parents(to);

	if (err < 0 || lstat(from, &st) != 0 || !S_ISREG(st.st_mode))
		return err; /* gone from the working tree, or a link: nothing to copy */
	err = fp_file_copy(from, to);
	if (err == 0)
		chmod(to, st.st_mode & 07777);
	return err;
}

/*
 * Copies the files each --tests pathspec names at the head (tracked, and
 * untracked but not ignored: a new test not yet committed counts) into
 * the base worktree, at the same place.
 */
static int copy_tests(proof *p, const char *head_dir)
{
	static const char *const ls_files[] = { "git", "ls-files", "-z", "--cached", "--others",
						"--exclude-standard", "--" };
	const char **args = fp_xcalloc(p->o->ntests + 8, sizeof(char *));
	fp_buf list = FP_BUF_INIT, from = FP_BUF_INIT, to = FP_BUF_INIT, here = FP_BUF_INIT;
	const char *s;
	size_t i, n = 0;
	int err;

	fp_buf_printf(&here, "%s/%s", head_dir, p->prefix);
	for (i = 0; i < sizeof(ls_files) / sizeof(ls_files[0]); i++)
		args[n++] = ls_files[i];
	for (i = 0; i < p->o->ntests; i++)
		args[n++] = p->o->tests[i];
	err = git(&list, here.ptr, args);
	if (err == 0 && list.len == 0)
		err = fp_error_set(FP_EUSAGE, "prove: --tests names no file at the head");
	for (s = list.ptr; err == 0 && s < list.ptr + list.len; s += strlen(s) + 1) {
		fp_buf_clear(&from);
		fp_buf_clear(&to);
		fp_buf_printf(&from, "%s/%s", here.ptr, s);
		fp_buf_printf(&to, "%s/%s%s", p->base_wt, p->prefix, s);
		err = copy_one(from.ptr, to.ptr);
		fp_buf_clear(&from);
		fp_buf_printf(&from, "%s%s", p->prefix, s);
		FP_ARRAY_GROW(p->copied, p->ncopied + 1, p->copied_cap);
		p->copied[p->ncopied++] = fp_buf_detach(&from, NULL);
	}
	free(args);
	fp_buf_free(&list);
	fp_buf_free(&from);
	fp_buf_free(&to);
	fp_buf_free(&here);
	return err;
}

/* One capture of the command in `root` (the same subdirectory of it);
 * the run before records the tests copied into its tree. */
static int capture_in(proof *p, const char *root, const char *name, char **dir_out)
{
	fp_capture_opts co;
	fp_capture *c = NULL;
	fp_buf cwd = FP_BUF_INIT, dir = FP_BUF_INIT;
	int err;

	memset(&co, 0, sizeof(co));
	fp_buf_printf(&cwd, "%s/%s", root, p->prefix);
	fp_buf_printf(&dir, "%s/%s", p->result->dir, name);
	co.dir = dir.ptr;
	co.label = name;
	co.cwd = cwd.ptr;
	co.argv = p->o->argv;
	co.argc = p->o->argc;
	co.junit = p->o->junit;
	co.njunit = p->o->njunit;
	co.timeout = p->o->timeout;
	co.echo = p->o->echo;
	if (root == p->base_wt && p->o->ntests) {
		co.tests_copied = p->o->tests;
		co.ntests_copied = p->o->ntests;
		co.tests_from = p->head_sha;
		co.copied_files = (const char *const *)p->copied;
		co.ncopied_files = p->ncopied;
	}
	err = fp_capture_run(&c, &co);
	if (c)
		*dir_out = fp_xstrdup(c->dir);
	fp_capture_free(c);
	fp_buf_free(&cwd);
	fp_buf_free(&dir);
	return err;
}

/* Every run before, then every run after: before, after, or before-1... */
static int run_sides(proof *p, const char *head_root)
{
	fp_prove *r = p->result;
	char name[32];
	int i, side, err = 0, n = p->o->repeat;

	r->n = (size_t)n;
	r->before = fp_xcalloc((size_t)n, sizeof(char *));
	r->after = fp_xcalloc((size_t)n, sizeof(char *));
	for (side = 0; side < 2; side++) {
		for (i = 0; i < n && err == 0; i++) {
			if (n > 1)
				snprintf(name, sizeof(name), "%s-%d", side ? "after" : "before", i + 1);
			else
				snprintf(name, sizeof(name), "%s", side ? "after" : "before");
			err = capture_in(p, side ? head_root : p->base_wt, name,
					 side ? &r->after[i] : &r->before[i]);
		}
	}
	return err;
}

/* The repository's top, the current directory under it, and the commits. */
static int locate(proof *p, char **base_sha, char **head_sha)
{
	static const char *const top_args[] = { "git", "rev-parse", "--show-toplevel", NULL };
	static const char *const prefix_args[] = { "git", "rev-parse", "--show-prefix", NULL };
	int err = 0;

	if (!(p->top = git_line(NULL, top_args, &err)))
		return fp_error_set(FP_EUSAGE, "prove: the current directory is not in a git "
				    "repository");
	if (!(p->prefix = git_line(NULL, prefix_args, &err)))
		return err;
	if (!(*base_sha = commit_of(p, p->o->base, &err)))
		return err;
	if (p->o->head && !(*head_sha = commit_of(p, p->o->head, &err)))
		return err;
	return 0;
}

/* Where the captures go: --keep DIR (empty or new), else a temporary one. */
static int result_dir(proof *p)
{
	int err = 0;

	p->result = fp_xcalloc(1, sizeof(*p->result));
	if (!p->o->keep) {
		p->result->temporary = 1;
		p->result->dir = temp_dir("runs", &err);
		return err;
	}
	if (fp_file_dir_in_use(p->o->keep))
		return fp_error_set(FP_EUSAGE, "prove: --keep directory '%s' is not empty", p->o->keep);
	p->result->dir = fp_xstrdup(p->o->keep);
	return fp_file_mkdirs(p->o->keep);
}

/* Removes the worktrees, the scratch directory and, after a failure, the
 * captures; the error message already set (the one that matters) stays. */
static void clean_up(proof *p, int failed)
{
	fp_buf msg = FP_BUF_INIT;
	const char *m = fp_error_message();

	fp_buf_puts(&msg, m);
	if (p->head_wt)
		remove_worktree(p, p->head_wt);
	if (p->base_wt)
		remove_worktree(p, p->base_wt);
	if (p->scratch)
		fp_prove_remove_tree(p->scratch);
	if (failed) {
		fp_prove_free(p->result);
		p->result = NULL;
	}
	fp_error_clear();
	if (msg.len)
		fp_error_set(FP_EUSAGE, "%s", msg.ptr);
	fp_buf_free(&msg);
	free(p->head_wt);
	free(p->base_wt);
	free(p->scratch);
	free(p->top);
	free(p->prefix);
}

static int check_opts(const fp_prove_opts *o)
{
	if (o->argc == 0)
		return fp_error_set(FP_EUSAGE, "prove: no COMMAND given after --");
	if (!o->base || !*o->base)
		return fp_error_set(FP_EUSAGE, "prove: --base REF is needed: the commit before the fix");
	if (o->repeat < 1 || o->repeat > FP_PROVE_MAX_REPEAT)
		return fp_error_set(FP_EUSAGE, "prove: --repeat takes 1 to %d, not %d",
				    FP_PROVE_MAX_REPEAT, o->repeat);
	return 0;
}

int fp_prove_run(fp_prove **out, const fp_prove_opts *o)
{
	proof p;
	char *base_sha = NULL, *head_sha = NULL;
	int err;

	memset(&p, 0, sizeof(p));
	p.o = o;
	if ((err = check_opts(o)) < 0)
		return err;
	err = locate(&p, &base_sha, &head_sha);
	if (err == 0)
		err = result_dir(&p);
	if (err == 0)
		p.scratch = temp_dir("worktree", &err);
	if (err == 0)
		err = add_worktree(&p, &p.base_wt, "base", base_sha);
	if (err == 0 && head_sha)
		err = add_worktree(&p, &p.head_wt, "head", head_sha);
	p.head_sha = head_sha;
	if (err == 0 && o->ntests)
		err = copy_tests(&p, p.head_wt ? p.head_wt : p.top);
	if (err == 0 && !fp_capture_interrupted())
		err = run_sides(&p, p.head_wt ? p.head_wt : p.top);
	if (err == 0 && fp_capture_interrupted())
		err = fp_error_set(FP_EINTERRUPTED, "interrupted: the runs were stopped and the "
				   "worktrees removed");
	clean_up(&p, err < 0);
	free(base_sha);
	free(head_sha);
	while (p.ncopied)
		free(p.copied[--p.ncopied]);
	free(p.copied);
	if (err < 0)
		return err;
	*out = p.result;
	return 0;
}

void fp_prove_free(fp_prove *p)
{
	size_t i;

	if (!p)
		return;
	if (p->temporary && p->dir)
		fp_prove_remove_tree(p->dir);
	for (i = 0; i < p->n; i++) {
		free(p->before[i]);
		free(p->after[i]);
	}
	free(p->before);
	free(p->after);
	free(p->dir);
	free(p);
}
