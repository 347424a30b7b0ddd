/*
 * cli_post.c - `fixproof post`: reads a report and posts it to a GitHub
 * issue or pull request as a sticky comment (publish.h does the talking).
 * Here: options, the token and the target from the environment, and the
 * body file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/publish.h"

#define POST_MAX_INPUT (16u * 1024 * 1024) /* bytes of a body we read */

static const char post_usage[] =
	"usage: fixproof post [--repo OWNER/NAME] [--issue N] [--marker KEY] [--api-url URL]\n"
	"                     [--mode update|recreate|create] [--author LOGIN]\n"
	"                     [--max-wait SECONDS] [--dry-run] [--verbose] [--quiet] [FILE|-]\n"
	"\n"
	"Posts FILE (or standard input) as a comment on a GitHub issue or pull\n"
	"request and prints the comment's URL. With --marker the comment is sticky:\n"
	"a later run with the same KEY updates it instead of adding another.\n"
	"\n"
	"  --repo OWNER/NAME   default $GITHUB_REPOSITORY\n"
	"  --issue N           issue or pull request number; default from the event\n"
	"                      at $GITHUB_EVENT_PATH, else $GITHUB_REF refs/pull/N/merge\n"
	"  --marker KEY        hidden marker <!-- fixproof:KEY --> ([A-Za-z0-9._-]{1,64})\n"
	"  --mode MODE         update: edit our marked comment, else create (default);\n"
	"                      recreate: delete ours, then create; create: always create\n"
	"  --author LOGIN      whose comments are ours when the token cannot read\n"
	"                      /user (default github-actions[bot])\n"
	"  --api-url URL       default $GITHUB_API_URL, else https://api.github.com\n"
	"  --max-wait SECONDS  longest wait for a rate limit (default 60)\n"
	"  --dry-run           print the writes (method, URL, size) instead of sending\n"
	"  --verbose           one line per request on standard error\n"
	"  -q, --quiet         no progress lines while waiting\n"
	"\n"
	"The token comes from $GITHUB_TOKEN, else $GH_TOKEN, and is never printed.\n"
	"$FIXPROOF_RETRY_BASE_MS sets the first retry delay (default 1000 ms).\n"
	"Exit status: 0 posted, 2 usage, 3 unreadable FILE, 4 network or API failure.\n";

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
	const char *file;
	const char *issue;
} post_args;

/* The options that take a value. */
static const char *const valued_options[] = {
	"--repo", "--issue", "--marker", "--api-url", "--mode", "--author", "--max-wait", NULL
};

/* Stores the value `v` of option `opt` in `a`. */
static int post_set(post_args *a, const char *opt, const char *v)
{
	if (strcmp(opt, "--repo") == 0)
		a->o.repo = v;
	else if (strcmp(opt, "--issue") == 0)
		a->issue = v;
	else if (strcmp(opt, "--marker") == 0)
		a->o.marker = v;
	else if (strcmp(opt, "--api-url") == 0)
		a->o.api_url = v;
	else if (strcmp(opt, "--author") == 0)
		a->o.author = v;
	else if (strcmp(opt, "--max-wait") == 0) {
		if ((a->o.max_wait = parse_number(v, 0, 86400)) < 0)
			return fp_error_set(FP_EUSAGE, "post: --max-wait '%s' is not a number of seconds (0 to 86400)", v);
	} else if (strcmp(v, "update") == 0) {
		a->o.mode = FP_POST_UPDATE;
	} else if (strcmp(v, "recreate") == 0) {
		a->o.mode = FP_POST_RECREATE;
	} else if (strcmp(v, "create") == 0) {
		a->o.mode = FP_POST_CREATE;
	} else {
		return fp_error_set(FP_EUSAGE, "post: --mode '%s' is not update, recreate or create", v);
	}
	return 0;
}

/* Reads the options into `a`; returns 1 after printing --help. */
static int post_parse_args(post_args *a, int argc, char **argv)
{
	int i, err = 0;

	for (i = 1; i < argc && err == 0; i++) {
		const char *arg = argv[i], *v;
		size_t k;

		for (k = 0; valued_options[k] && !fp_args_is(arg, valued_options[k]); k++)
			;
		if (fp_cli_is_help(arg)) {
			fputs(post_usage, stdout);
			return 1;
		} else if (valued_options[k]) {
			if (!(v = fp_args_value(argc, argv, &i, valued_options[k])))
				return FP_EUSAGE;
			err = post_set(a, valued_options[k], v);
		} else if (strcmp(arg, "--dry-run") == 0) {
			a->o.dry_run = 1;
		} else if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
			a->o.verbose = 1;
		} else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
			a->o.quiet = 1;
			fp_cli_set_quiet(1);
		} else if (arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (a->file)
				return fp_error_set(FP_EUSAGE, "post: only one FILE may be given ('%s' and '%s')", a->file, arg);
			a->file = arg;
		} else {
			return fp_error_set(FP_EUSAGE, "post: unknown option '%s'; see 'fixproof post --help'", arg);
		}
	}
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
	a.o.max_wait = 60;
	a.o.mode = FP_POST_UPDATE;
	err = post_parse_args(&a, argc, argv);
	if (err == 1)
		return FP_EXIT_OK;
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
	status = err < 0 ? fp_cli_fail(err) : FP_EXIT_OK;
	fp_buf_free(&url);
	fp_buf_free(&body);
	return status;
}
