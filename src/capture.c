/*
 * capture.c - running a test command in a process group of its own and
 * keeping its results, its output and the record of how it ran.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixproof/capture.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/source.h"

#define TAIL_KEEP FP_PROVENANCE_TAIL
#define POLL_MS 100
#define DRAIN_MS 1000      /* output still coming after the group is gone */
#define JUNIT_MAX_DEPTH 16 /* directories searched under a --junit directory */
#define SNIFF_BYTES 4096

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

void fp_capture_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int fp_capture_interrupted(void)
{
	return (int)caught;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- pytest detection ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* pytest, py.test, pytest-3, py.test-3.11 */
static int is_pytest_name(const char *name)
{
	size_t n = strncmp(name, "pytest", 6) == 0 ? 6 : strncmp(name, "py.test", 7) == 0 ? 7 : 0;

	if (!n)
		return 0;
	if (name[n] == '-')
		n++;
	return strspn(name + n, "0123456789.") == strlen(name + n) &&
	       (name[n - 1] != '-' || name[n]);
}

/* python, python3, python3.11 */
static int is_python_name(const char *name)
{
	return strncmp(name, "python", 6) == 0 && strspn(name + 6, "0123456789.") == strlen(name + 6);
}

size_t fp_capture_pytest_prefix(const char *const *argv, size_t argc)
{
	size_t i;

	if (argc == 0)
		return 0;
	if (is_pytest_name(base_name(argv[0])))
		return 1;
	if (!is_python_name(base_name(argv[0])))
		return 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-m") == 0)
			return i + 1 < argc && is_pytest_name(argv[i + 1]) ? i + 2 : 0;
		if (strncmp(a, "-m", 2) == 0)
			return is_pytest_name(a + 2) ? i + 1 : 0;
		if (strcmp(a, "-X") == 0 || strcmp(a, "-W") == 0)
			i++; /* an interpreter option with a value */
		else if (a[0] != '-' || a[1] == '-' || strcmp(a, "-c") == 0 || !a[1])
			return 0; /* a script, -c CODE, --help...: not pytest */
	}
	return 0;
}

/* A version after `key` in `text`: digits, dots and letters (rc, dev). */
static char *version_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	size_t n;

	if (!p)
		return NULL;
	p += strlen(key);
	n = strspn(p, "0123456789.abcdefghijklmnopqrstuvwxyz+");
	while (n && p[n - 1] == '.')
		n--;
	return n && isdigit((unsigned char)p[0]) ? fp_xstrndup(p, n) : NULL;
}

void fp_capture_parse_versions(const char *text, char **python, char **pytest)
{
	char *v;

	if (!*python && (v = version_after(text, "-- Python ")))
		*python = v;
	if (!*python && (v = version_after(text, "Python ")))
		*python = v;
	if (*pytest)
		return;
	if ((v = version_after(text, "pytest-")) || (v = version_after(text, "pytest "))
	    || (v = version_after(text, "pytest version ")))
		*pytest = v;
}

/* ---- running a child ---- */

typedef enum { CUT_NONE = 0, CUT_TIMEOUT, CUT_INTERRUPT } cut_kind;

/* One command run: where its output goes, and how it ended. */
typedef struct child {
	const char *const *argv;
	const char *cwd;
	FILE *log;          /* stdout and stderr, when not NULL */
	fp_buf *out;        /* stdout, when not NULL */
	fp_buf *errout;     /* stderr, when not NULL */
	int echo;           /* copy the output to our stderr */
	int interruptible;  /* stop it when a signal was caught */
	double deadline;    /* monotonic; 0: none */
	fp_buf tail;        /* the last TAIL_KEEP bytes of stderr */
	int status;         /* wait status */
	cut_kind cut;
} child;

/* In the child after fork: its own group, its files, then the program.
 * Only async-signal-safe calls until exec. */
static void child_exec(const child *c, int outfd, int errfd)
{
	static const char msg[] = "fixproof: cannot run the command: ";
	int nul = open("/dev/null", O_RDONLY);
	struct sigaction sa;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (nul >= 0)
		dup2(nul, 0);
	dup2(outfd, 1);
	dup2(errfd, 2);
	if (c->cwd && chdir(c->cwd) != 0) {
		(void)!write(2, msg, sizeof(msg) - 1);
		(void)!write(2, c->cwd, strlen(c->cwd));
		(void)!write(2, ": no such directory\n", 20);
		_exit(127);
	}
	execvp(c->argv[0], (char *const *)c->argv);
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, c->argv[0], strlen(c->argv[0]));
	(void)!write(2, errno == ENOENT ? ": not found\n" : ": cannot execute\n",
		     errno == ENOENT ? 12 : 17);
	_exit(127);
}

static void keep_tail(fp_buf *tail, const char *p, size_t n)
{
	fp_buf_add(tail, p, n);
	if (tail->len > 2 * TAIL_KEEP) {
		memmove(tail->ptr, tail->ptr + tail->len - TAIL_KEEP, TAIL_KEEP);
		fp_buf_truncate(tail, TAIL_KEEP);
	}
}

/* Reads what is there on `fd` (1 stdout, 2 stderr); returns 0 at end of file. */
static int pump(child *c, int fd, int which)
{
	char chunk[8192];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	if (c->log)
		fwrite(chunk, 1, (size_t)n, c->log);
	if (which == 1 && c->out)
		fp_buf_add(c->out, chunk, (size_t)n);
	if (which == 2 && c->errout)
		fp_buf_add(c->errout, chunk, (size_t)n);
	if (which == 2)
		keep_tail(&c->tail, chunk, (size_t)n);
	if (c->echo)
		(void)!write(2, chunk, (size_t)n);
	return 1;
}

/* Polls the pipes for up to `ms`; a pipe at its end is closed (-1). */
static void pump_all(child *c, int fds[2], int ms)
{
	struct pollfd p[2];
	int k;

	for (k = 0; k < 2; k++) {
		p[k].fd = fds[k];
		p[k].events = POLLIN;
		p[k].revents = 0;
	}
	if (poll(p, 2, ms) <= 0)
		return;
	for (k = 0; k < 2; k++) {
		if (fds[k] >= 0 && (p[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump(c, fds[k], k + 1)) {
			close(fds[k]);
			fds[k] = -1;
		}
	}
}

/* Whether the group leader has exited, without reaping it: its process
 * group id stays reserved until then, so killing the group is safe. */
static int leader_done(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Sends SIGTERM once the deadline passes or a signal was caught, and
 * SIGKILL FP_CAPTURE_GRACE seconds later. */
static void enforce(child *c, pid_t pid, double *kill_at)
{
	double t = now_mono();

	if (c->cut == CUT_NONE) {
		if (c->interruptible && caught)
			c->cut = CUT_INTERRUPT;
		else if (c->deadline > 0 && t >= c->deadline)
			c->cut = CUT_TIMEOUT;
		if (c->cut != CUT_NONE) {
			kill(-pid, SIGTERM);
			*kill_at = t + FP_CAPTURE_GRACE;
		}
	} else if (*kill_at > 0 && t >= *kill_at) {
		kill(-pid, SIGKILL);
		*kill_at = 0;
	}
}

/* Waits for the child, stops its group, reaps it and drains its output. */
static void supervise(child *c, pid_t pid, int fds[2])
{
	double kill_at = 0, drain_until;

	while (!leader_done(pid)) {
		pump_all(c, fds, POLL_MS);
		enforce(c, pid, &kill_at);
	}
	kill(-pid, SIGKILL); /* whatever it left running in its group */
	while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
		;
	drain_until = now_mono() + DRAIN_MS / 1000.0;
	while ((fds[0] >= 0 || fds[1] >= 0) && now_mono() < drain_until)
		pump_all(c, fds, POLL_MS);
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			close(fds[k]);
}

/* Runs `c` to its end. Returns 0 (c->status set) or FP_EIO. */
static int run_child(child *c)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, fds[2];
	pid_t pid;

	if (pipe(outp) != 0 || pipe(errp) != 0) {
		int e = errno;

		if (outp[0] >= 0) {
			close(outp[0]);
			close(outp[1]);
		}
		return fp_error_set(FP_EIO, "cannot run '%s': %s", c->argv[0], strerror(e));
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(outp[0]);
		close(errp[0]);
		child_exec(c, outp[1], errp[1]);
	}
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(errp[0]);
		return fp_error_set(FP_EIO, "cannot run '%s': %s", c->argv[0], strerror(errno));
	}
	setpgid(pid, pid); /* also here: no race with a kill before the child's own call */
	fds[0] = outp[0];
	fds[1] = errp[0];
	supervise(c, pid, fds);
	return 0;
}

int fp_capture_output(fp_buf *out, fp_buf *err, const char *const *argv, const char *cwd)
{
	child c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.argv = argv;
	c.cwd = cwd;
	c.out = out;
	c.errout = err;
	fp_buf_init(&c.tail);
	rc = run_child(&c);
	fp_buf_free(&c.tail);
	if (rc < 0)
		return rc;
	return WIFEXITED(c.status) ? WEXITSTATUS(c.status) : 128 + WTERMSIG(c.status);
}

/* ---- what the capture records ---- */

static char *trimmed(const fp_buf *b)
{
	size_t n = b->len;

	while (n && isspace((unsigned char)b->ptr[n - 1]))
		n--;
	return n ? fp_xstrndup(b->ptr, n) : NULL;
}

/* The trimmed standard output of a helper that succeeded, or NULL. */
static char *helper_line(const char *const *argv, const char *cwd)
{
	fp_buf out = FP_BUF_INIT;
	char *s = NULL;

	if (fp_capture_output(&out, NULL, argv, cwd) == 0)
		s = trimmed(&out);
	fp_buf_free(&out);
	fp_error_clear();
	return s;
}

static void utc_now(char **out, char *stamp, size_t nstamp)
{
	char text[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	*out = fp_xstrdup(text);
	if (stamp)
		strftime(stamp, nstamp, "%Y%m%dT%H%M%SZ", &tm);
}

char *fp_capture_repo_url(const char *remote)
{
	static const char *const schemes[] = { "https://", "ssh://", "git+ssh://", "git://" };
	fp_buf b = FP_BUF_INIT;
	const char *host = NULL, *path, *at, *end;
	size_t i;
	int web = 0; /* https: its port is the web server's too */

	if (!remote)
		return NULL;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !host; i++)
		if (strncmp(remote, schemes[i], strlen(schemes[i])) == 0) {
			host = remote + strlen(schemes[i]);
			web = i == 0;
		}
	if (host) {
		/* [user[:token]@]host[:port]/owner/name: the web address has
		 * neither the user nor an ssh port. */
		path = strchr(host, '/');
		if (!path)
			return NULL;
		at = memchr(host, '@', (size_t)(path - host));
		if (at)
			host = at + 1;
		end = web ? path : memchr(host, ':', (size_t)(path - host));
		if (!end)
			end = path;
		fp_buf_printf(&b, "https://%.*s%s", (int)(end - host), host, path);
	} else if (!strstr(remote, "://") && (at = strchr(remote, '@')) && (path = strchr(at, ':'))) {
		fp_buf_printf(&b, "https://%.*s/%s", (int)(path - at - 1), at + 1, path + 1);
	} else {
		return NULL;
	}
	if (b.len > 4 && strcmp(b.ptr + b.len - 4, ".git") == 0)
		fp_buf_truncate(&b, b.len - 4);
	while (b.len && b.ptr[b.len - 1] == '/')
		fp_buf_truncate(&b, b.len - 1);
	return fp_buf_detach(&b, NULL);
}

/* Whether status path `path` is a file copied in, or a new directory
 * ("tests/", as git shows one that is untracked) holding one. */
static int copied_in(const fp_capture_opts *o, const char *path)
{
	size_t i, n = strlen(path);
	int dir = n && path[n - 1] == '/';

	for (i = 0; i < o->ncopied_files; i++)
		if (dir ? strncmp(o->copied_files[i], path, n) == 0 :
			  strcmp(o->copied_files[i], path) == 0)
			return 1;
	return 0;
}

/* Dirty paths from `git status --porcelain -z`, captures and the tests
 * prove copied in left out. */
static void dirty_paths(fp_provenance *p, const fp_buf *status, const fp_capture_opts *o)
{
	const char *s = status->ptr, *end = status->ptr + status->len;

	p->dirty = 0;
	while (s + 3 < end) {
		const char *path = s + 3;
		size_t n = strlen(path);
		int renamed = s[0] == 'R' || s[0] == 'C';

		if (strncmp(path, ".fixproof/", 10) != 0 && strcmp(path, ".fixproof") != 0 &&
		    !copied_in(o, path)) {
			p->dirty = 1;
			if (p->ndirty < FP_PROVENANCE_MAX_DIRTY) {
				p->dirty_paths = fp_xrealloc(p->dirty_paths, (p->ndirty + 1) * sizeof(char *));
				p->dirty_paths[p->ndirty++] = fp_xstrdup(path);
			} else {
				p->dirty_more++;
			}
		}
		s = path + n + 1;
		if (renamed && s < end)
			s += strlen(s) + 1;
	}
}

/* The commit, branch, dirty paths and repository of `cwd`; sets *top to
 * the repository's top directory (NULL outside git). */
static void git_facts(fp_provenance *p, char **top, const fp_capture_opts *o)
{
	static const char *const top_argv[] = { "git", "rev-parse", "--show-toplevel", NULL };
	static const char *const head_argv[] = { "git", "rev-parse", "--verify", "-q", "HEAD", NULL };
	static const char *const branch_argv[] = { "git", "symbolic-ref", "-q", "--short", "HEAD", NULL };
	static const char *const prefix_argv[] = { "git", "rev-parse", "--show-prefix", NULL };
	static const char *const status_argv[] = { "git", "status", "--porcelain", "-z",
						    "--untracked-files=normal", NULL };
	static const char *const remote_argv[] = { "git", "remote", "get-url", "origin", NULL };
	fp_buf status = FP_BUF_INIT;
	const char *cwd = o->cwd;
	char *remote, *prefix;
	size_t i;

	if (!(*top = helper_line(top_argv, cwd)))
		return;
	p->commit = helper_line(head_argv, cwd);
	p->branch = helper_line(branch_argv, cwd);
	prefix = helper_line(prefix_argv, cwd);
	p->cwd = fp_xstrdup(prefix ? prefix : ".");
	if (p->cwd[0] && p->cwd[strlen(p->cwd) - 1] == '/' && strlen(p->cwd) > 1)
		p->cwd[strlen(p->cwd) - 1] = '\0';
	free(prefix);
	if (fp_capture_output(&status, NULL, status_argv, cwd) == 0)
		dirty_paths(p, &status, o);
	fp_error_clear();
	p->tests_copied = fp_xcalloc(o->ntests_copied + 1, sizeof(char *));
	for (i = 0; i < o->ntests_copied; i++)
		p->tests_copied[i] = fp_xstrdup(o->tests_copied[i]);
	p->ntests_copied = o->ntests_copied;
	p->tests_from = o->ntests_copied && o->tests_from ? fp_xstrdup(o->tests_from) : NULL;
	fp_buf_free(&status);
	remote = helper_line(remote_argv, cwd);
	p->repo_url = fp_capture_repo_url(remote);
	free(remote);
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? fp_xstrdup(v) : NULL;
}

/* The host, and in GitHub Actions the run and what it checked out. */
static void host_facts(fp_provenance *p)
{
	char host[256];
	const char *server = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY");
	const char *run = getenv("GITHUB_RUN_ID");
	fp_buf b = FP_BUF_INIT;

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		p->hostname = fp_xstrdup(host);
	}
	if (!server || !*server)
		server = "https://github.com";
	if (repo && *repo && run && *run) {
		fp_buf_printf(&b, "%s/%s/actions/runs/%s", server, repo, run);
		p->ci_run_url = fp_buf_detach(&b, NULL);
		p->ci_run_attempt = env_dup("GITHUB_RUN_ATTEMPT");
		fp_buf_printf(&b, "%s/%s", server, repo);
		free(p->repo_url);
		p->repo_url = fp_buf_detach(&b, NULL);
	}
	p->ci_sha = env_dup("GITHUB_SHA");
	p->ci_ref = env_dup("GITHUB_REF");
}

/* The interpreter a script names on its "#!" line, or NULL. */
static char *shebang_of(const char *script)
{
	fp_buf path = FP_BUF_INIT;
	const char *dirs = getenv("PATH"), *end;
	char line[256], *s = NULL, *p, *word;
	FILE *f = NULL;

	if (strchr(script, '/')) {
		fp_buf_puts(&path, script);
		f = fopen(path.ptr, "r");
	}
	for (; !f && dirs && *dirs; dirs = *end ? end + 1 : end) {
		end = strchr(dirs, ':');
		end = end ? end : dirs + strlen(dirs);
		fp_buf_clear(&path);
		fp_buf_printf(&path, "%.*s/%s", (int)(end - dirs), end > dirs ? dirs : ".", script);
		f = fopen(path.ptr, "r");
	}
	if (f && fgets(line, sizeof(line), f) && strncmp(line, "#!", 2) == 0) {
		line[strcspn(line, "\r\n")] = '\0';
		p = line + 2 + strspn(line + 2, " \t");
		word = p;
		p += strcspn(p, " \t");
		/* "#!/usr/bin/env python3": the interpreter is the next word */
		if (strcmp(base_name(word), "env") == 0 && *p) {
			word = p + strspn(p, " \t");
			p = word + strcspn(word, " \t");
		}
		*p = '\0';
		s = *word ? fp_xstrdup(word) : NULL;
	}
	if (f)
		fclose(f);
	fp_buf_free(&path);
	return s;
}

/*
 * Python's and pytest's versions, asked of the interpreter that runs
 * pytest (a collect-only pass with -q prints no session header to read
 * them from). Not `pytest --version`: that loads the project's conftest.py,
 * which may hang or fail before the run, where no --timeout covers it.
 */
static void pytest_versions(fp_provenance *p, const char *const *argv, size_t prefix,
			    const char *cwd)
{
	static const char probe[] =
		"import platform\n"
		"print('Python ' + platform.python_version())\n"
		"try:\n"
		"    import pytest\n"
		"    print('pytest ' + pytest.__version__)\n"
		"except Exception:\n"
		"    pass\n";
	char *python = prefix > 1 ? fp_xstrdup(argv[0]) : shebang_of(argv[0]);
	const char *v[] = { python, "-c", probe, NULL };
	fp_buf out = FP_BUF_INIT;

	if (python && fp_capture_output(&out, NULL, v, cwd) == 0)
		fp_capture_parse_versions(out.ptr, &p->python_version, &p->pytest_version);
	fp_error_clear();
	fp_buf_free(&out);
	free(python);
}

/* ---- the capture directory ---- */

static void absolute(fp_buf *out, const char *path)
{
	char here[4096];

	if (path[0] != '/' && getcwd(here, sizeof(here))) {
		fp_buf_puts(out, here);
		if (strcmp(path, ".") == 0)
			return;
		fp_buf_putc(out, '/');
	}
	fp_buf_puts(out, path);
}

/* DIR: the one given, else .fixproof/runs/LABEL under the repository top
 * (a -2, -3... suffix when LABEL defaulted to a time already taken). */
static int choose_dir(fp_buf *dir, const fp_capture_opts *o, const char *top, const char *stamp)
{
	const char *label = o->label ? o->label : stamp;
	size_t base, k;

	if (o->label && (!*label || strchr(label, '/') || strcmp(label, ".") == 0 ||
			 strcmp(label, "..") == 0))
		return fp_error_set(FP_EUSAGE, "--label '%s' is not a plain name", label);
	if (o->dir) {
		absolute(dir, o->dir);
	} else {
		absolute(dir, top ? top : o->cwd ? o->cwd : ".");
		fp_buf_printf(dir, "/%s/%s", FP_CAPTURE_RUNS, label);
	}
	base = dir->len;
	for (k = 2; !o->dir && !o->label && fp_file_dir_in_use(dir->ptr) && k < 1000; k++) {
		fp_buf_truncate(dir, base);
		fp_buf_printf(dir, "-%zu", k);
	}
	if (fp_file_dir_in_use(dir->ptr))
		return fp_error_set(FP_EUSAGE, "capture directory '%s' is not empty; choose another "
				    "with -o or --label", dir->ptr);
	return fp_file_mkdirs(dir->ptr);
}

static FILE *open_in(const char *dir, const char *name, int *err)
{
	fp_buf path = FP_BUF_INIT;
	FILE *f;

	fp_buf_printf(&path, "%s/%s", dir, name);
	if (!(f = fopen(path.ptr, "w")))
		*err = fp_error_set(FP_EIO, "cannot write '%s': %s", path.ptr, strerror(errno));
	fp_buf_free(&path);
	return f;
}

static void add_result(fp_provenance *p, const char *name)
{
	p->results = fp_xrealloc(p->results, (p->nresults + 1) * sizeof(char *));
	p->results[p->nresults++] = fp_xstrdup(name);
}

/* ---- running the command ---- */

typedef struct capture_run {
	const fp_capture_opts *o;
	fp_provenance *p;
	const char *dir;
	double deadline;
	struct timespec started; /* run.log's mtime: files newer than it are this run's */
	child last;              /* the last pass */
} capture_run;

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGKILL: return "SIGKILL";
	case SIGHUP: return "SIGHUP";
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGPIPE: return "SIGPIPE";
	default: return "a signal";
	}
}

/* Runs one pass of the command with its output into DIR/log_name. */
static int run_pass(capture_run *r, const char *const *argv, const char *log_name)
{
	int err = 0;
	FILE *log = open_in(r->dir, log_name, &err);
	struct stat st;

	if (!log)
		return err;
	if (fstat(fileno(log), &st) == 0 && strcmp(log_name, FP_CAPTURE_LOG) == 0)
		r->started = st.st_mtim;
	fp_buf_free(&r->last.tail);
	memset(&r->last, 0, sizeof(r->last));
	fp_buf_init(&r->last.tail);
	r->last.argv = argv;
	r->last.cwd = r->o->cwd;
	r->last.log = log;
	r->last.echo = r->o->echo;
	r->last.interruptible = 1;
	r->last.deadline = r->deadline;
	err = run_child(&r->last);
	if (fclose(log) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot write '%s/%s': %s", r->dir, log_name, strerror(errno));
	return err;
}

/* The net -v count of pytest arguments (-v +1, -q -1, -vv +2, --verbose, --quiet). */
static int verbosity(const char *const *args, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *a = args[i];

		if (strcmp(a, "--verbose") == 0)
			v++;
		else if (strcmp(a, "--quiet") == 0)
			v--;
		else if (a[0] == '-' && a[1] && strspn(a + 1, "vq") == strlen(a + 1))
			for (a++; *a; a++)
				v += *a == 'v' ? 1 : -1;
	}
	return v;
}

/* LAUNCHER USER-ARGS EXTRA...: ours last, so they win over the user's. */
static const char **pass_argv(const fp_capture_opts *o, const char *const *extra, size_t nextra)
{
	const char **v = fp_xcalloc(o->argc + nextra + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < o->argc; i++)
		v[i] = o->argv[i];
	for (i = 0; i < nextra; i++)
		v[o->argc + i] = extra[i];
	return v;
}

/* The collect-only pass (node ids: verbosity -1 whatever the user's), then the run. */
static int capture_pytest(capture_run *r, size_t prefix)
{
	const char *extra[16];
	const char **argv;
	fp_buf junitxml = FP_BUF_INIT;
	int v = verbosity(r->o->argv + prefix, r->o->argc - prefix), n = 0, err;

	extra[n++] = "--collect-only";
	for (; v > -1 && n < 8; v--)
		extra[n++] = "-q";
	for (; v < -1 && n < 8; v++)
		extra[n++] = "-v";
	extra[n++] = "-p";
	extra[n++] = "no:cacheprovider";
	argv = pass_argv(r->o, extra, (size_t)n);
	err = run_pass(r, argv, FP_CAPTURE_COLLECT);
	free(argv);
	if (err < 0 || r->last.cut != CUT_NONE)
		return err;
	fp_buf_printf(&junitxml, "--junitxml=%s/%s", r->dir, FP_CAPTURE_JUNIT);
	extra[0] = junitxml.ptr;
	extra[1] = "-p";
	extra[2] = "no:cacheprovider";
	argv = pass_argv(r->o, extra, 3);
	err = run_pass(r, argv, FP_CAPTURE_LOG);
	free(argv);
	fp_buf_free(&junitxml);
	return err;
}

/* Any other runner, as it is: execvp needs the arguments NULL-terminated,
 * which the caller's list need not be. */
static int capture_command(capture_run *r)
{
	const char **argv = pass_argv(r->o, NULL, 0);
	int err = run_pass(r, argv, FP_CAPTURE_LOG);

	free(argv);
	return err;
}

/* Whether DIR/name holds pytest's output (a listing, or a session that
 * never started) that the collect-only reader takes. */
static int pytest_text(const char *dir, const char *name)
{
	fp_buf path = FP_BUF_INIT;
	unsigned char head[SNIFF_BYTES];
	size_t n = 0;
	FILE *f;

	fp_buf_printf(&path, "%s/%s", dir, name);
	if ((f = fopen(path.ptr, "rb"))) {
		n = fread(head, 1, sizeof(head), f);
		fclose(f);
	}
	fp_buf_free(&path);
	return n > 0 && fp_sniff_bytes(head, n) == FP_SNIFF_COLLECT && fp_sniff_pytest(head, n);
}

static int nonempty_file(const char *dir, const char *name)
{
	fp_buf path = FP_BUF_INIT;
	struct stat st;
	int ok;

	fp_buf_printf(&path, "%s/%s", dir, name);
	ok = stat(path.ptr, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
	fp_buf_free(&path);
	return ok;
}

/* ---- JUnit files of other runners (--junit) ---- */

static int newer_than(const struct stat *st, const struct timespec *t)
{
	return st->st_mtim.tv_sec > t->tv_sec ||
	       (st->st_mtim.tv_sec == t->tv_sec && st->st_mtim.tv_nsec >= t->tv_nsec);
}

/* Copies one file the run wrote to DIR/junit/N-NAME, as a result. */
static int take_junit(capture_run *r, const char *path)
{
	fp_buf to = FP_BUF_INIT, name = FP_BUF_INIT;
	struct stat st;
	int err = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !newer_than(&st, &r->started))
		return 0;
	fp_buf_printf(&name, "%s/%zu-%s", FP_CAPTURE_JUNIT_DIR, r->p->nresults + 1, base_name(path));
	fp_buf_printf(&to, "%s/%s", r->dir, FP_CAPTURE_JUNIT_DIR);
	err = fp_file_mkdirs(to.ptr);
	fp_buf_clear(&to);
	fp_buf_printf(&to, "%s/%s", r->dir, name.ptr);
	if (err == 0 && (err = fp_file_copy(path, to.ptr)) == 0)
		add_result(r->p, name.ptr);
	fp_buf_free(&to);
	fp_buf_free(&name);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.xml under `path`, in name order. */
static int take_dir(capture_run *r, const char *path, int depth)
{
	DIR *d = depth < JUNIT_MAX_DEPTH ? opendir(path) : NULL;
	struct dirent *de;
	char **names = NULL;
	fp_buf b = FP_BUF_INIT;
	size_t n = 0, cap = 0, i;
	struct stat st;
	int err = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fp_buf_clear(&b);
		fp_buf_printf(&b, "%s/%s", path, de->d_name);
		FP_ARRAY_GROW(names, n + 1, cap);
		names[n++] = fp_buf_detach(&b, NULL);
	}
	closedir(d);
	fp_buf_free(&b);
	if (n > 1)
		qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++) {
		if (err == 0 && lstat(names[i], &st) == 0) {
			if (S_ISDIR(st.st_mode))
				err = take_dir(r, names[i], depth + 1);
			else if (S_ISREG(st.st_mode) && strlen(names[i]) > 4 &&
				 strcmp(names[i] + strlen(names[i]) - 4, ".xml") == 0)
				err = take_junit(r, names[i]);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* The files each --junit PATH (file, directory or glob) names, relative
 * to where the command ran. */
static int collect_junit(capture_run *r)
{
	fp_buf pattern = FP_BUF_INIT;
	glob_t g;
	size_t i, k;
	struct stat st;
	int err = 0;

	for (i = 0; i < r->o->njunit && err == 0; i++) {
		fp_buf_clear(&pattern);
		if (r->o->junit[i][0] != '/' && r->o->cwd)
			fp_buf_printf(&pattern, "%s/", r->o->cwd);
		fp_buf_puts(&pattern, r->o->junit[i]);
		memset(&g, 0, sizeof(g));
		if (glob(pattern.ptr, 0, NULL, &g) != 0)
			continue;
		for (k = 0; k < g.gl_pathc && err == 0; k++) {
			if (stat(g.gl_pathv[k], &st) == 0 && S_ISDIR(st.st_mode))
				err = take_dir(r, g.gl_pathv[k], 0);
			else
				err = take_junit(r, g.gl_pathv[k]);
		}
		globfree(&g);
	}
	fp_buf_free(&pattern);
	return err;
}

/* ---- the record ---- */

/* How the last pass ended, and what the run left behind. */
static void record_end(capture_run *r, size_t prefix, double t0)
{
	fp_provenance *p = r->p;
	const child *c = &r->last;

	utc_now(&p->end, NULL, 0);
	p->duration = (double)(long long)((now_mono() - t0) * 1000 + 0.5) / 1000; /* ms */
	if (c->cut == CUT_TIMEOUT)
		p->cut_short = fp_xstrdup("timeout");
	else if (c->cut == CUT_INTERRUPT)
		p->cut_short = fp_xstrdup("interrupted");
	if (c->cut == CUT_NONE && WIFEXITED(c->status))
		p->exit_status = WEXITSTATUS(c->status);
	else if (c->cut == CUT_NONE && WIFSIGNALED(c->status))
		p->signal = fp_xstrdup(signal_name(WTERMSIG(c->status)));
	if (prefix && nonempty_file(r->dir, FP_CAPTURE_JUNIT))
		add_result(p, FP_CAPTURE_JUNIT);
	if (prefix && pytest_text(r->dir, FP_CAPTURE_COLLECT))
		add_result(p, FP_CAPTURE_COLLECT);
	if (p->nresults == 0 && c->tail.len) {
		size_t skip = c->tail.len > TAIL_KEEP ? c->tail.len - TAIL_KEEP : 0;

		p->stderr_tail = fp_xstrndup(c->tail.ptr + skip, c->tail.len - skip);
	}
}

/* Writes DIR/provenance.json whole, or not at all. */
static int write_record(const char *dir, const fp_provenance *p)
{
	fp_buf json = FP_BUF_INIT, path = FP_BUF_INIT, tmp = FP_BUF_INIT;
	FILE *f;
	int err = 0;

	fp_provenance_to_json(&json, p);
	fp_buf_printf(&path, "%s/%s", dir, FP_PROVENANCE_FILE);
	fp_buf_printf(&tmp, "%s.tmp", path.ptr);
	if (!(f = fopen(tmp.ptr, "w")) || fwrite(json.ptr, 1, json.len, f) != json.len)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", tmp.ptr, strerror(errno));
	if (f && fclose(f) != 0 && err == 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", tmp.ptr, strerror(errno));
	if (err == 0 && rename(tmp.ptr, path.ptr) != 0)
		err = fp_error_set(FP_EIO, "cannot write '%s': %s", path.ptr, strerror(errno));
	if (err < 0)
		unlink(tmp.ptr);
	fp_buf_free(&json);
	fp_buf_free(&path);
	fp_buf_free(&tmp);
	return err;
}

/* What is known before the command runs: where, what, which versions. */
static int prepare(capture_run *r, fp_buf *dir, char *stamp, size_t nstamp, size_t prefix)
{
	const fp_capture_opts *o = r->o;
	char *top = NULL;
	size_t i;
	int err;

	git_facts(r->p, &top, o);
	host_facts(r->p);
	r->p->label = o->label ? fp_xstrdup(o->label) : NULL;
	r->p->argv = fp_xcalloc(o->argc + 1, sizeof(char *));
	for (i = 0; i < o->argc; i++)
		r->p->argv[i] = fp_xstrdup(o->argv[i]);
	r->p->argc = o->argc;
	r->p->runner = fp_xstrdup(prefix ? "pytest" : "command");
	r->p->timeout = o->timeout;
	utc_now(&r->p->start, stamp, nstamp);
	err = choose_dir(dir, o, top, stamp);
	free(top);
	if (err == 0 && !r->p->label)
		r->p->label = fp_xstrdup(base_name(dir->ptr));
	if (err == 0 && prefix)
		pytest_versions(r->p, o->argv, prefix, o->cwd);
	return err;
}

int fp_capture_run(fp_capture **out, const fp_capture_opts *o)
{
	capture_run r;
	fp_buf dir = FP_BUF_INIT;
	char stamp[32];
	size_t prefix = fp_capture_pytest_prefix(o->argv, o->argc);
	double t0;
	int err;

	if (o->argc == 0)
		return fp_error_set(FP_EUSAGE, "capture: no COMMAND given after --");
	if (prefix && o->njunit)
		return fp_error_set(FP_EUSAGE, "capture: --junit is for other runners; fixproof "
				    "asks pytest for its JUnit XML itself");
	memset(&r, 0, sizeof(r));
	fp_buf_init(&r.last.tail);
	r.o = o;
	r.p = fp_provenance_new();
	if ((err = prepare(&r, &dir, stamp, sizeof(stamp), prefix)) < 0)
		goto out;
	r.dir = dir.ptr;
	t0 = now_mono();
	r.deadline = o->timeout > 0 ? t0 + o->timeout : 0;
	err = prefix ? capture_pytest(&r, prefix) : capture_command(&r);
	if (err == 0 && !prefix && r.last.cut == CUT_NONE)
		err = collect_junit(&r);
	if (err == 0) {
		record_end(&r, prefix, t0);
		err = write_record(dir.ptr, r.p);
	}
	if (err == 0) {
		*out = fp_xcalloc(1, sizeof(**out));
		(*out)->dir = fp_buf_detach(&dir, NULL);
		(*out)->prov = r.p;
		r.p = NULL;
		if (r.last.cut == CUT_INTERRUPT)
			err = fp_error_set(FP_EINTERRUPTED, "interrupted: the command was stopped");
	}
out:
	fp_buf_free(&r.last.tail);
	fp_provenance_free(r.p);
	fp_buf_free(&dir);
	return err;
}

void fp_capture_free(fp_capture *c)
{
	if (!c)
		return;
	free(c->dir);
	fp_provenance_free(c->prov);
	free(c);
}

/* ---- reading captures back ---- */

int fp_capture_results(char ***paths, size_t *n, const char *dir)
{
	fp_provenance *p = NULL;
	fp_buf b = FP_BUF_INIT;
	size_t i;
	int err;

	if ((err = fp_provenance_load(&p, dir)) < 0)
		return err;
	*paths = fp_xcalloc(p->nresults + 1, sizeof(char *));
	for (i = 0; i < p->nresults; i++) {
		if (strstr(p->results[i], "..") || p->results[i][0] == '/') {
			err = fp_error_set(FP_EINPUT, "'%s/%s' names a result outside its directory: '%s'",
					   dir, FP_PROVENANCE_FILE, p->results[i]);
			break;
		}
		fp_buf_printf(&b, "%s/%s", dir, p->results[i]);
		(*paths)[i] = fp_buf_detach(&b, NULL);
	}
	*n = i;
	if (err < 0) {
		for (i = 0; (*paths)[i]; i++)
			free((*paths)[i]);
		free(*paths);
		*paths = NULL;
		*n = 0;
	}
	fp_provenance_free(p);
	return err;
}

/* A capture found under the runs directory, and when it was written. */
typedef struct found_run {
	char *dir;
	struct timespec written;
} found_run;

static int cmp_found(const void *a, const void *b)
{
	const found_run *x = a, *y = b;

	if (x->written.tv_sec != y->written.tv_sec)
		return x->written.tv_sec < y->written.tv_sec ? -1 : 1;
	if (x->written.tv_nsec != y->written.tv_nsec)
		return x->written.tv_nsec < y->written.tv_nsec ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

int fp_capture_latest(char **older, char **newer, const char *runs)
{
	DIR *d = opendir(runs);
	struct dirent *de;
	found_run *found = NULL;
	fp_provenance *p;
	fp_buf b = FP_BUF_INIT;
	struct stat st;
	size_t n = 0, cap = 0, i;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fp_buf_clear(&b);
		fp_buf_printf(&b, "%s/%s", runs, de->d_name);
		if (fp_provenance_load(&p, b.ptr) < 0)
			continue;
		fp_provenance_free(p);
		fp_buf_printf(&b, "/%s", FP_PROVENANCE_FILE);
		if (stat(b.ptr, &st) != 0)
			continue;
		FP_ARRAY_GROW(found, n + 1, cap);
		found[n].dir = fp_xstrndup(b.ptr, b.len - strlen(FP_PROVENANCE_FILE) - 1);
		found[n++].written = st.st_mtim;
	}
	if (d)
		closedir(d);
	fp_error_clear();
	fp_buf_free(&b);
	if (n >= 2) {
		qsort(found, n, sizeof(*found), cmp_found);
		*older = fp_xstrdup(found[n - 2].dir);
		*newer = fp_xstrdup(found[n - 1].dir);
	}
	for (i = 0; i < n; i++)
		free(found[i].dir);
	free(found);
	if (n < 2)
		return fp_error_set(FP_EUSAGE, "no --before and --after, and %s captures in '%s': "
				    "run 'fixproof capture -- COMMAND' before and after the fix",
				    n ? "only one of two" : "no", runs);
	return 0;
}
