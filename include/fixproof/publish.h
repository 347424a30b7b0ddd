/*
 * publish.h - stage 5: post the report to a GitHub issue or pull request.
 *
 * One sticky comment per marker: the comment carries a hidden line
 * "<!-- fixproof:KEY -->"; a later run updates the newest such comment that
 * the same account wrote, on any page of the thread, instead of adding one.
 * The token comes from the environment only and never appears in output.
 */
#ifndef FIXPROOF_PUBLISH_H
#define FIXPROOF_PUBLISH_H

#include <stddef.h>
#include <stdio.h>

#include "fixproof/buf.h"

#define FP_GITHUB_MAX_BODY 65536 /* bytes; GitHub counts characters */

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
	const char *token;     /* never printed */
	const char *author;    /* login to treat as ours when /user is forbidden */
	fp_post_mode mode;
	int dry_run;           /* print the requests instead of sending them */
	int verbose;           /* log each request (method, URL, status) */
	double max_wait;       /* seconds we may wait for a rate limit to reset */
	unsigned max_attempts; /* per request, for retryable failures; 0 means 5 */
	FILE *log;             /* where verbose and dry-run lines go (stderr if NULL) */
} fp_github_opts;

/*
 * Posts `body` (`len` bytes) as described by `opts` and appends the
 * comment's html_url to `url_out` (in dry-run mode, nothing). Returns 0,
 * FP_EUSAGE (bad options, body too long: nothing is sent), FP_ENET (network)
 * or FP_EAPI (GitHub said no; the message carries GitHub's own text).
 */
int fp_github_post(fp_buf *url_out, const fp_github_opts *opts, const char *body, size_t len);

#endif
