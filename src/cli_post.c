/*
 * cli_post.c - `fixproof post`: reads a report and posts it to a GitHub
 * issue or pull request as a sticky comment (publish.h does the talking).
 * Here: options, the token and the target from the environment, and the
 * body file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/publish.h"

#define POST_MAX_INPUT (16u * 1024 * 1024) /* bytes of a body we read */

/* The environment variable `name`, or NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/*
 * Reads all of `path` ("-" for standard input) into `out`, up to `cap`
 * bytes; *over is set when there was more.
 */
static int read_capped(fp_buf *out, const char *path, size_t cap, int *over)
{
	int err = fp_file_read(out, path, cap, FP_FILE_STDIN);

	*over = err == FP_ELIMIT;
	if (err < 0 && !*over)
		return fp_error_set(FP_EINPUT, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}

/* A whole decimal number in [lo, hi], or -1. */
static double parse_number(const char *s, double lo, double hi)
{
	char *end;
	double v;

	/* Plain digits with an optional fraction: no signs, spaces or exponents. */
	if (s[0] < '0' || s[0] > '9' || strspn(s, "0123456789.") != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < lo || v > hi)
		return -1;
	return v;
}

typedef struct post_args {
	fp_github_opts o;
	fp_args files;
	const char *file;
	const char *issue;
	uint64_t max_wait;
	int mode; /* fp_post_mode */
} post_args;

static const fp_opt_choice mode_choices[] = {
	{ "update", FP_POST_UPDATE }, { "recreate", FP_POST_RECREATE },
	{ "create", FP_POST_CREATE }, { NULL, 0 }
};

static const fp_opt post_options[] = {
	FP_OPTION_STRING("repo", 0, post_args, o.repo, "OWNER/NAME", "default $GITHUB_REPOSITORY"),
	FP_OPTION_STRING("issue", 0, post_args, issue, "N",
			 "issue or pull request number; default from the event "
			 "at $GITHUB_EVENT_PATH, else $GITHUB_REF refs/pull/N/merge"),
	FP_OPTION_STRING("marker", 0, post_args, o.marker, "KEY",
			 "hidden marker <!-- fixproof:KEY --> ([A-Za-z0-9._-]{1,64})"),
	FP_OPTION_ENUM("mode", 0, post_args, mode, "MODE", mode_choices,
		       "update: edit our marked comment, else create (default); "
		       "recreate: delete ours, then create; create: always create"),
	FP_OPTION_STRING("author", 0, post_args, o.author, "LOGIN",
			 "whose comments are ours when the token cannot read "
			 "/user (default github-actions[bot])"),
	FP_OPTION_STRING("api-url", 0, post_args, o.api_url, "URL",
			 "default $GITHUB_API_URL, else https://api.github.com"),
	FP_OPTION_INT("max-wait", 0, post_args, max_wait, "SECONDS", 0, 86400,
		      "longest wait for a rate limit (default 60)"),
	FP_OPTION_FLAG("dry-run", 0, post_args, o.dry_run,
		       "print the writes (method, URL, size) instead of sending"),
	FP_OPTION_FLAG("verbose", 'v', post_args, o.verbose, "one line per request on standard error"),
	FP_OPTION_FLAG("quiet", 'q', post_args, o.quiet, "no progress lines while waiting"),
	FP_OPTION_END
};

static const fp_opt_command post_command = {
	"post",
	"[--repo OWNER/NAME] [--issue N] [--marker KEY]\n"
	"                     [--api-url URL] [--mode update|recreate|create]\n"
	"                     [--author LOGIN] [--max-wait SECONDS] [--dry-run]\n"
	"                     [--verbose] [--quiet] [FILE|-]",
	"Posts FILE (or standard input) as a comment on a GitHub issue or pull\n"
	"request and prints the comment's URL. With --marker the comment is sticky:\n"
	"a later run with the same KEY updates it instead of adding another.\n",
	post_options, "FILE|-", offsetof(post_args, files),
	"the report to post (default: standard input)",
	"The token comes from $GITHUB_TOKEN, else $GH_TOKEN, and is never printed.\n"
	"$FIXPROOF_RETRY_BASE_MS sets the first retry delay (default 1000 ms).\n"
	"Exit status: 0 posted, 2 usage, 3 unreadable FILE, 4 network or API failure.\n",
	0
};

/* Reads the options into `a`; FP_EHELP after printing --help. */
static int post_parse_args(post_args *a, int argc, char **argv)
{
	int err;

	a->max_wait = 60;
	a->mode = FP_POST_UPDATE;
	err = fp_opt_parse(&post_command, a, argc, argv);
	a->o.max_wait = (double)a->max_wait;
	a->o.mode = (fp_post_mode)a->mode;
	fp_cli_set_quiet(a->o.quiet);
	if (err == 0 && a->files.n > 1)
		return fp_error_set(FP_EUSAGE, "post: only one FILE may be given ('%s' and '%s')",
				    a->files.v[0], a->files.v[1]);
	a->file = a->files.n ? a->files.v[0] : NULL;
	return err;
}

/* Fills in from the environment what the options left out, and checks it. */
static int post_resolve(post_args *a)
{
	const char *base_ms = env("FIXPROOF_RETRY_BASE_MS");
	double v;
	int err;

	a->o.token = env("GITHUB_TOKEN") ? env("GITHUB_TOKEN") : env("GH_TOKEN");
	if (!a->o.api_url)
		a->o.api_url = env("GITHUB_API_URL") ? env("GITHUB_API_URL") : FP_GITHUB_DEFAULT_URL;
	if (!a->o.repo && !(a->o.repo = env("GITHUB_REPOSITORY")))
		return fp_error_set(FP_EUSAGE, "post: no repository: give --repo OWNER/NAME (GITHUB_REPOSITORY is unset)");
	if (a->issue)
		err = fp_github_issue_parse(&a->o.issue, a->issue);
	else
		err = fp_github_issue_from_event(&a->o.issue, env("GITHUB_EVENT_PATH"), env("GITHUB_REF"));
	/* Refuse bad options before reading a possibly large body. */
	if (err < 0 || (err = fp_github_check(&a->o)) < 0)
		return err;
	if (base_ms) {
		v = parse_number(base_ms, 1, 60000);
		if (v < 1)
			return fp_error_set(FP_EUSAGE, "post: FIXPROOF_RETRY_BASE_MS '%s' is not 1 to 60000", base_ms);
		a->o.retry_base_ms = (unsigned)v;
	}
	return 0;
}

int fp_cli_post(int argc, char **argv)
{
	post_args a;
	fp_buf body = FP_BUF_INIT, url = FP_BUF_INIT;
	int err, over = 0, status;

	memset(&a, 0, sizeof(a));
	err = post_parse_args(&a, argc, argv);
	if (err == 0)
		err = post_resolve(&a);
	if (err == 0)
		err = read_capped(&body, a.file ? a.file : "-", POST_MAX_INPUT, &over);
	if (err == 0 && over)
		err = fp_error_set(FP_EUSAGE, "post: '%s' is over %u bytes, far beyond GitHub's comment limit of %d; "
				   "render a shorter report with `fixproof report --max-chars N`",
				   a.file ? a.file : "-", POST_MAX_INPUT, FP_GITHUB_MAX_BODY);
	if (err == 0)
		err = fp_github_post(&url, &a.o, body.ptr, body.len);
	if (err == 0 && url.len)
		printf("%s\n", url.ptr);
	status = fp_cli_status(err);
	fp_buf_free(&url);
	fp_buf_free(&body);
	fp_opt_free(&post_command, &a);
	return status;
}
