/*
 * publish.h - stage 5: post the report to a GitHub issue or pull request.
 *
 * One sticky comment per marker: the comment carries a hidden line
 * "<!-- fixproof:KEY -->"; a later run updates the newest such comment that
 * the same account wrote, on any page of the thread, instead of adding one.
 * The token comes from the environment only and never appears in output.
 *
 * The client itself (publish_github.c) and its URL functions
 * (publish_url.c, libcurl's URL API) are the only places libcurl is used.
 * The decisions the client makes - which URL comes next, whether a comment
 * is ours, how long a rate limit asks us to wait - are pure functions
 * declared in the second half of this header, so they can be tested without
 * a network. They live in publish_policy.c, except the URL functions.
 */
#ifndef FIXPROOF_PUBLISH_H
#define FIXPROOF_PUBLISH_H

#include <stddef.h>
#include <stdio.h>

#include "fixproof/buf.h"

#define FP_GITHUB_MAX_BODY 65536               /* bytes; GitHub counts characters */
#define FP_GITHUB_MAX_REPLY (16u * 1024 * 1024) /* bytes of one reply body we read */
#define FP_GITHUB_MAX_HEADERS (256u * 1024)     /* bytes of one reply's headers */
#define FP_GITHUB_MAX_ATTEMPTS 5
#define FP_GITHUB_MAX_EVENT (16u * 1024 * 1024) /* bytes of the Actions event file we read */
#define FP_GITHUB_MAX_ISSUE 4294967295UL
#define FP_GITHUB_BACKOFF_CAP 30.0              /* seconds, one backoff delay */
#define FP_GITHUB_DEFAULT_URL "https://api.github.com"
#define FP_GITHUB_API_VERSION "2022-11-28"
#define FP_GITHUB_ACTIONS_LOGIN "github-actions[bot]"

typedef enum {
	FP_POST_UPDATE = 0, /* update our marked comment, else create one */
	FP_POST_RECREATE,   /* delete our marked comments, then create one */
	FP_POST_CREATE      /* always create a new comment */
} fp_post_mode;

typedef struct fp_github_opts {
	const char *api_url;   /* e.g. "https://api.github.com"; no trailing '/' needed */
	const char *repo;      /* "OWNER/NAME" */
	unsigned long issue;   /* issue or pull request number */
	const char *marker;    /* KEY of the hidden marker, or NULL for none */
	const char *token;     /* never printed; may be NULL only with dry_run */
	const char *author;    /* login to treat as ours when /user is forbidden */
	fp_post_mode mode;
	int dry_run;           /* print the writes instead of sending them */
	int verbose;           /* log each request (method, URL, status) */
	int quiet;             /* no progress lines while waiting */
	double max_wait;       /* seconds we may wait for a rate limit to reset */
	unsigned max_attempts; /* per request, for retryable failures; 0 means 5 */
	unsigned retry_base_ms;/* first backoff delay; 0 means 1000 */
	FILE *log;             /* where verbose and progress lines go (stderr if NULL) */
	FILE *plan;            /* where dry-run lines go (stdout if NULL) */
} fp_github_opts;

/*
 * Posts `body` (`len` bytes) as described by `opts` and appends the
 * comment's html_url to `url_out` (in dry-run mode, nothing). Invalid UTF-8
 * in `body` is replaced by U+FFFD, since GitHub only takes UTF-8 JSON.
 * Returns 0, FP_EUSAGE (fp_github_check refused `opts`, or the body with its
 * marker line is over FP_GITHUB_MAX_BODY bytes), FP_EINPUT (the body is
 * blank: GitHub refuses an empty comment), FP_ENET (network) or FP_EAPI
 * (GitHub said no; the message carries GitHub's own text). The refusals
 * come before any request is sent.
 */
int fp_github_post(fp_buf *url_out, const fp_github_opts *opts, const char *body, size_t len);

/*
 * Checks what fp_github_post needs of `opts`, the one validation of it: a
 * valid marker (or none), an OWNER/NAME repository, an issue number, a
 * token unless dry_run (and one with no spaces or control characters), and
 * an API URL that fp_github_api_base accepts (NULL stands for
 * FP_GITHUB_DEFAULT_URL). Returns 0 or FP_EUSAGE with the message set.
 */
int fp_github_check(const fp_github_opts *opts);

/* The libcurl the GitHub client runs with, and its TLS library
 * ("8.5.0 (OpenSSL/3.0.13)"), into `out` (cleared first). */
void fp_github_curl_version(fp_buf *out);

/*
 * Reads an issue or pull request number written in decimal: 1 to
 * FP_GITHUB_MAX_ISSUE, digits only. Sets *out and returns 0, or returns
 * FP_EUSAGE with the message set.
 */
int fp_github_issue_parse(unsigned long *out, const char *s);

/*
 * Finds the issue or pull request a GitHub Actions run is about, from the
 * values of GITHUB_EVENT_PATH and GITHUB_REF (either NULL or "" when
 * unset): the event file's .pull_request.number, else its .issue.number,
 * else the N of a GITHUB_REF "refs/pull/N/merge" (or ".../head"). Sets *out
 * and returns 0; FP_EINPUT when the event file cannot be read, is over
 * FP_GITHUB_MAX_EVENT bytes or is not JSON (the message names
 * GITHUB_EVENT_PATH and the path); FP_EUSAGE when no number is found.
 */
int fp_github_issue_from_event(unsigned long *out, const char *event_path, const char *ref);

/* ---- the pure parts, exposed for tests ---- */

/*
 * What the client keeps of one HTTP reply. `body` is capped at
 * FP_GITHUB_MAX_REPLY; numeric headers are -1 when absent or not a number.
 * Initialise with FP_GITHUB_REPLY_INIT, release with fp_github_reply_free.
 */
typedef struct fp_github_reply {
	long status;             /* HTTP status; 0 when no reply arrived */
	fp_buf body;
	fp_buf link;             /* the Link header ("" when absent) */
	long long retry_after;   /* seconds */
	long long rl_remaining;  /* x-ratelimit-remaining */
	long long rl_reset;      /* x-ratelimit-reset, epoch seconds */
} fp_github_reply;
#define FP_GITHUB_REPLY_INIT { 0, FP_BUF_INIT, FP_BUF_INIT, -1, -1, -1 }

/* Empties `r` for the next reply, keeping its buffers' memory. */
void fp_github_reply_reset(fp_github_reply *r);
void fp_github_reply_free(fp_github_reply *r);

typedef enum {
	FP_RATE_NONE = 0, /* not a rate limit: judge the status on its own */
	FP_RATE_WAIT,     /* a rate limit: wait *wait_out seconds, then retry */
	FP_RATE_GIVE_UP   /* a rate limit that lasts longer than max_wait */
} fp_rate_action;

/*
 * Reads a 403 or 429 reply as GitHub documents its rate limits, at time
 * `now` (epoch seconds). A secondary limit (the JSON message contains
 * "secondary rate limit") waits Retry-After seconds, else until the reset
 * when nothing remains, else 60 s. A primary limit (remaining 0) waits until
 * the reset. A 429 with only Retry-After waits that long. Sets *wait_out to
 * the seconds to wait (at least 1) for FP_RATE_WAIT and FP_RATE_GIVE_UP;
 * FP_RATE_GIVE_UP when that is more than `max_wait`.
 */
fp_rate_action fp_github_rate_decide(double *wait_out, const fp_github_reply *r,
				     long long now, double max_wait);

/*
 * The delay in seconds before the attempt after attempt number `attempt`
 * (1 for the first): base_ms * 2^(attempt - 1), times 0.5 + `jitter`
 * (jitter in [0, 1)), at most FP_GITHUB_BACKOFF_CAP. Any attempt number is
 * fine: the doubling stops at the cap.
 */
double fp_github_backoff_delay(unsigned base_ms, unsigned attempt, double jitter);

/*
 * Reads a GitHub timestamp "YYYY-MM-DDTHH:MM:SSZ" (UTC); returns epoch
 * seconds, or -1 when `iso` is NULL or not exactly of that form.
 */
long long fp_github_time_parse(const char *iso);

/* Appends epoch seconds `t` to `out` in GitHub's "YYYY-MM-DDTHH:MM:SSZ". */
void fp_github_time_format(fp_buf *out, long long t);

/*
 * Checks an API base URL and appends its normal form (as libcurl's URL
 * parser reads it, no trailing '/') to `out`. Only https, or http to a
 * loopback host (127.0.0.0/8, ::1, localhost), is accepted, judged on the
 * host the parser returns (so "http://2130706433" is 127.0.0.1); user names,
 * queries and fragments are refused so the host cannot be disguised.
 * Returns 0 or FP_EUSAGE (message set).
 */
int fp_github_api_base(fp_buf *out, const char *api_url);

/* True when the URL `url` names a loopback host (see fp_github_api_base). */
int fp_github_is_loopback(const char *url);

/*
 * Appends to `out` the URL `base` with `path` added to its path (exactly
 * one '/' between them) and `query` as its query (NULL: none). Returns 0,
 * or FP_EUSAGE when `base` is not an absolute URL (message set).
 */
int fp_github_url_join(fp_buf *out, const char *base, const char *path, const char *query);

/*
 * Appends to `out` the URL that `ref` names when read relative to the
 * absolute URL `base` (RFC 3986: "/x?page=2" keeps the scheme, host and
 * port of `base`; an absolute `ref` stands for itself). Returns 0;
 * FP_EUSAGE when `base` is not a URL, FP_EAPI when `ref` is none (message
 * set: "GET BASE: the link 'REF' is not a URL: ...", for a page's links).
 */
int fp_github_url_resolve(fp_buf *out, const char *base, const char *ref);

/*
 * True when `url` has the same scheme, host and port as `base` (a missing
 * port is the scheme's default), so the token may be sent to it
 * (pagination links, redirects).
 */
int fp_github_same_origin(const char *base, const char *url);

/*
 * Finds the rel="next" target in an RFC 8288 Link header value and appends
 * it to `out`. Tolerates odd spacing, unquoted or several space-separated
 * rels, other parameters, and commas inside the URL. Returns 1 when found,
 * 0 when there is no next link (or the header is empty or malformed).
 */
int fp_github_link_next(fp_buf *out, const char *link);

/* True when `key` is a valid marker KEY: [A-Za-z0-9._-]{1,64}. */
int fp_github_marker_valid(const char *key);

/* True when `repo` looks like OWNER/NAME as GitHub allows them. */
int fp_github_repo_valid(const char *repo);

/* Appends the hidden marker line "<!-- fixproof:KEY -->" (no newline). */
void fp_github_marker_line(fp_buf *out, const char *key);

/*
 * True when one line of `body` (CRLF or LF endings) is exactly the marker
 * line of `key`: another key that merely starts the same, or the marker
 * quoted inside other text, does not count.
 */
int fp_github_has_marker(const char *body, const char *key);

/*
 * Appends GitHub's explanation from a JSON error body to `out`: its
 * `message`, then each `errors[]` entry's message (or code and field),
 * joined with "; ", control characters replaced and capped in length. A
 * body that is not JSON (GitHub's front end answers some errors in plain
 * text) gives its first line instead, unless it is HTML. Returns whether
 * anything was appended.
 */
int fp_github_error_text(fp_buf *out, const char *body, size_t len);

#endif
