/*
 * publish_github.c - the GitHub client: one sticky comment per marker,
 * posted with libcurl (the only file that uses it); see publish.h.
 *
 * Every request goes through gh_request(), which retries what is safe to
 * retry: network errors, 5xx and 429 with exponential backoff and jitter,
 * and rate limits after the wait GitHub asks for. A POST is not safe to
 * repeat once it may have reached GitHub, so gh_request() hands that case
 * back as GH_EUNCERTAIN and gh_create() first looks for the comment it may
 * have made. URLs are read and built with libcurl's URL API, and replies'
 * headers read with curl_easy_header(), so no URL or header is parsed by
 * hand here.
 */
#include "fixproof/publish.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "fixproof/error.h"
#include "fixproof/json.h"
#include "fixproof/utf8.h"
#include "fixproof/util.h"

#define GH_CONNECT_TIMEOUT_MS 10000L
#define GH_TIMEOUT_MS 30000L     /* GitHub itself cuts requests off after 10 s */
#define GH_MAX_REDIRECTS 3
#define GH_MAX_PAGES 1000        /* 100,000 comments: far beyond any real thread */
#define GH_BACKOFF_BUDGET 120.0  /* seconds, all backoff delays of one run */
/* Seconds by which a comment made by our POST may seem older than the
 * POST: timestamps are whole seconds, and the clock is GitHub's, read from
 * a Date header that is itself whole seconds. */
#define GH_CLOCK_SLACK 10

/*
 * Codes that never leave this file, below every FP_E... code. Like
 * libgit2's GIT_PASSTHROUGH they say what happened, for the caller to act
 * on; fp_github_post() turns each into an answer or an FP_E... error.
 */
enum {
	GH_EUNCERTAIN = -100, /* a POST failed after it may have reached GitHub */
	GH_EGONE = -101,      /* the comment to update was deleted meanwhile */
	GH_ENOTFOUND = -102,  /* the comment our POST may have made is not there */
	GH_ERETRY = -103      /* send the request again (inside gh_request only) */
};

/* Request flags: how gh_request() treats a reply. */
enum {
	GH_ACCEPT_403 = 1, /* a 403 that is not a rate limit is an answer (GET /user) */
	GH_ACCEPT_404 = 2, /* a 404 is an answer (a comment already gone) */
	GH_POST = 4        /* may create a comment: never repeated once it may have arrived */
};

typedef struct gh_comment {
	unsigned long long id;
	char *html_url;
	char *body;
	long long created;    /* epoch seconds, GitHub's clock; -1 when unknown */
} gh_comment;

typedef struct gh_comments {
	gh_comment *v;
	size_t n, cap;
} gh_comments;
#define GH_COMMENTS_INIT { NULL, 0, 0 }

/* Attempts made for one logical request. */
typedef struct gh_try {
	unsigned attempt;
} gh_try;

/* One logical request while gh_request() works on it. */
typedef struct gh_call {
	const char *method;
	const char *url;      /* the URL asked for, or `moved` after a redirect */
	const char *data;
	int flags;
	fp_buf moved;
	unsigned hops;
} gh_call;

typedef struct gh {
	const fp_github_opts *o;
	FILE *log, *plan;
	CURL *curl;
	struct curl_slist *headers;
	int no_proxy;
	fp_buf base;          /* the API URL, normalised */
	fp_buf comments_url;  /* .../repos/OWNER/NAME/issues/N/comments */
	fp_buf body;          /* what we post: marker line and report */
	char *json;           /* {"body": ...}, from cJSON */
	char *login;          /* whose comments are ours */
	unsigned max_attempts, base_ms;
	double backoff_left;
	unsigned rng;
	long long clock_offset; /* GitHub's clock minus ours, from the last Date header (0 before one) */
	fp_github_reply r;
	size_t header_bytes;
	int too_big;
	fp_buf why;           /* the last failure, for messages */
	char errbuf[CURL_ERROR_SIZE];
} gh;

/* ---- comments ---- */

static void comment_free(gh_comment *c)
{
	free(c->html_url);
	free(c->body);
	c->html_url = c->body = NULL;
	c->id = 0;
	c->created = -1;
}

static void comments_free(gh_comments *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		comment_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static gh_comment *comments_push(gh_comments *l)
{
	FP_ARRAY_GROW(l->v, l->n + 1, l->cap);
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void comment_copy(gh_comment *dst, const gh_comment *src)
{
	comment_free(dst);
	dst->id = src->id;
	dst->html_url = fp_xstrdup(src->html_url ? src->html_url : "");
	dst->body = fp_xstrdup(src->body ? src->body : "");
	dst->created = src->created;
}

/* Reads one comment object (id, html_url, body, created_at) into `out`. */
static int comment_from_json(gh_comment *out, const cJSON *c)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(c, "html_url");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(c, "body");
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(c, "created_at");

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9007199254740992.0)
		return 0;
	out->id = (unsigned long long)id->valuedouble;
	out->html_url = fp_xstrdup(cJSON_IsString(url) ? url->valuestring : "");
	out->body = fp_xstrdup(cJSON_IsString(body) ? body->valuestring : "");
	out->created = fp_github_time_parse(cJSON_IsString(created) ? created->valuestring : NULL);
	return 1;
}

/*
 * True when two comment bodies say the same: GitHub may hand a body back
 * with CRLF line ends and without the trailing white space we sent.
 */
static int same_text(const char *a, const char *b)
{
	for (;;) {
		if (*a == '\r' && a[1] == '\n')
			a++;
		if (*b == '\r' && b[1] == '\n')
			b++;
		if (*a != *b)
			break;
		if (!*a)
			return 1;
		a++;
		b++;
	}
	a += strspn(a, " \t\r\n");
	b += strspn(b, " \t\r\n");
	return !*a && !*b;
}

/* ---- logging and waiting ---- */

static void gh_vlog(gh *g, const char *fmt, va_list ap) FP_PRINTF(2, 0);
static void gh_vlog(gh *g, const char *fmt, va_list ap)
{
	fputs("fixproof: ", g->log);
	vfprintf(g->log, fmt, ap);
	fputc('\n', g->log);
	fflush(g->log);
}

/* A line for --verbose only. */
static void gh_trace(gh *g, const char *fmt, ...) FP_PRINTF(2, 3);
static void gh_trace(gh *g, const char *fmt, ...)
{
	va_list ap;

	if (!g->o->verbose)
		return;
	va_start(ap, fmt);
	gh_vlog(g, fmt, ap);
	va_end(ap);
}

/* A progress line (waits, retries, clean-ups): shown unless --quiet. */
static void gh_note(gh *g, const char *fmt, ...) FP_PRINTF(2, 3);
static void gh_note(gh *g, const char *fmt, ...)
{
	va_list ap;

	if (g->o->quiet && !g->o->verbose)
		return;
	va_start(ap, fmt);
	gh_vlog(g, fmt, ap);
	va_end(ap);
}

static void gh_sleep(double seconds)
{
	struct timespec ts, rem;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

/* A number in [0, 1) for jitter; no need for more than xorshift. */
static double gh_random(gh *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 17;
	g->rng ^= g->rng << 5;
	return (double)(g->rng % 1000000u) / 1e6;
}

/*
 * Waits before attempt t->attempt + 1 when attempts and the backoff budget
 * are left; the jitter keeps two jobs that failed together from retrying
 * together. Returns whether to go on.
 */
static int gh_backoff(gh *g, const gh_try *t, const char *method, const char *url)
{
	double delay;

	if (t->attempt >= g->max_attempts)
		return 0;
	delay = fp_github_backoff_delay(g->base_ms, t->attempt, gh_random(g));
	if (delay > g->backoff_left)
		return 0;
	g->backoff_left -= delay;
	gh_note(g, "%s %s failed (%s); retrying in %.1f s (attempt %u of %u)",
		method, url, g->why.ptr, delay, t->attempt + 1, g->max_attempts);
	gh_sleep(delay);
	return 1;
}

/* ---- one HTTP exchange ---- */

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	gh *g = ctx;

	n *= size;
	if (g->r.body.len + n > FP_GITHUB_MAX_REPLY) {
		g->too_big = 1;
		return 0;
	}
	fp_buf_add(&g->r.body, data, n);
	return n;
}

/*
 * Only counts the reply's header bytes: libcurl keeps the headers for
 * curl_easy_header(), and this cap keeps what it keeps bounded.
 */
static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	gh *g = ctx;

	(void)data;
	n *= size;
	g->header_bytes += n;
	if (g->header_bytes > FP_GITHUB_MAX_HEADERS) {
		g->too_big = 1;
		return 0;
	}
	return n;
}

/* Instance `index` of the last reply's header `name`, or NULL; *amount counts them. */
static const char *gh_header(gh *g, const char *name, size_t index, size_t *amount)
{
	struct curl_header *h;

	if (curl_easy_header(g->curl, name, index, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	if (amount)
		*amount = h->amount;
	return h->value;
}

/* A header's value as a whole non-negative number, or -1. */
static long long gh_header_number(gh *g, const char *name)
{
	const char *v = gh_header(g, name, 0, NULL);
	uint64_t x;

	if (!v || fp_uint_parse(&x, v, strlen(v), 0, INT64_MAX, NULL) < 0)
		return -1;
	return (long long)x;
}

/* Fills g->r's header fields from the last reply, and learns GitHub's clock. */
static void gh_read_headers(gh *g)
{
	size_t i, amount = 1;
	const char *v;
	time_t date;

	/* Several Link headers are one list, as RFC 8288 says. */
	for (i = 0; i < amount && (v = gh_header(g, "Link", i, &amount)) != NULL; i++) {
		if (g->r.link.len)
			fp_buf_puts(&g->r.link, ", ");
		fp_buf_puts(&g->r.link, v);
	}
	g->r.retry_after = gh_header_number(g, "Retry-After");
	g->r.rl_remaining = gh_header_number(g, "X-RateLimit-Remaining");
	g->r.rl_reset = gh_header_number(g, "X-RateLimit-Reset");
	v = gh_header(g, "Date", 0, NULL);
	if (v && (date = curl_getdate(v, NULL)) != (time_t)-1)
		g->clock_offset = (long long)date - (long long)time(NULL);
}

/* Sets up the handle for one request. */
static void gh_setopts(gh *g, const char *method, const char *url, const char *data)
{
	CURL *c = g->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, g->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "fixproof/" FIXPROOF_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Redirects are followed by hand, and only to the API's own origin. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, GH_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, GH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, g->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	if (g->no_proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (data) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(data));
	}
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	else {
		/* libcurl silently re-sends a request once when a reused
		 * connection turns out dead; for a POST that could duplicate the
		 * comment, so a POST always gets a connection of its own. */
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	}
}

/*
 * Sends one request and fills g->r. Returns the libcurl code; *sent says
 * whether any of the request left this machine, which decides whether a
 * failed POST could have created a comment.
 */
static CURLcode gh_once(gh *g, const char *method, const char *url, const char *data, int *sent)
{
	CURLcode rc;
	long status = 0, request_size = 0;

	fp_github_reply_reset(&g->r);
	g->header_bytes = 0;
	g->too_big = 0;
	g->errbuf[0] = '\0';
	gh_setopts(g, method, url, data);
	rc = curl_easy_perform(g->curl);
	curl_easy_getinfo(g->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(g->curl, CURLINFO_REQUEST_SIZE, &request_size);
	g->r.status = rc == CURLE_OK ? status : 0;
	*sent = request_size > 0;
	fp_buf_clear(&g->why);
	if (rc == CURLE_OK)
		gh_read_headers(g);
	else
		fp_buf_puts(&g->why, g->too_big ? "the reply is too large" :
			    g->errbuf[0] ? g->errbuf : curl_easy_strerror(rc));
	return rc;
}

/* ---- judging a reply ---- */

/* Appends ` "GitHub's text"` to `out`, or nothing when there is none. */
static void add_github_text(fp_buf *out, const fp_github_reply *r)
{
	fp_buf text = FP_BUF_INIT;

	if (fp_github_error_text(&text, r->body.ptr, r->body.len))
		fp_buf_printf(out, " \"%s\"", text.ptr);
	fp_buf_free(&text);
}

/* Records the status of g->r (and GitHub's text) as the last failure. */
static void gh_why_status(gh *g)
{
	fp_buf_clear(&g->why);
	fp_buf_printf(&g->why, "%ld", g->r.status);
	add_github_text(&g->why, &g->r);
}

/* The message for an error status that retrying cannot fix. */
static int gh_api_error(gh *g, const char *method, const char *url)
{
	const char *hint;

	switch (g->r.status) {
	case 401:
		hint = "the token is not valid: check GITHUB_TOKEN or GH_TOKEN";
		break;
	case 403:
		hint = "the token may not write here: it needs write access to issues and pull requests "
		       "(in GitHub Actions: permissions: issues: write, pull-requests: write; "
		       "a pull request from a fork gets a read-only token)";
		break;
	case 404:
		hint = "no such repository or issue, or the token cannot see it";
		break;
	case 410:
		hint = "issues are disabled in this repository";
		break;
	case 422:
		hint = "GitHub did not accept the comment";
		break;
	default:
		hint = "GitHub refused the request";
	}
	gh_why_status(g);
	return fp_error_set(FP_EAPI, "%s %s: GitHub answered %s; %s", method, url, g->why.ptr, hint);
}

/* The message when a rate limit lasts longer than we may wait. */
static int gh_rate_error(gh *g, const char *method, const char *url, double wait)
{
	fp_buf when = FP_BUF_INIT;
	int err;

	fp_github_time_format(&when, (long long)time(NULL) + (long long)wait);
	if (when.len)
		fp_buf_printf(&when, " (in %.0f s)", wait);
	else
		fp_buf_printf(&when, "in %.0f s", wait);
	gh_why_status(g);
	err = fp_error_set(FP_EAPI, "%s %s: GitHub's rate limit is reached (%s); it resets at %s, "
			   "later than the %.0f s we may wait (--max-wait): try again then",
			   method, url, g->why.ptr, when.ptr, g->o->max_wait);
	fp_buf_free(&when);
	return err;
}

/* No reply arrived: retry, hand back an uncertain POST, or fail. */
static int gh_on_no_reply(gh *g, gh_try *t, gh_call *c, int sent)
{
	gh_trace(g, "%s %s: %s (attempt %u)", c->method, c->url, g->why.ptr, t->attempt);
	if (g->too_big) {
		int headers = g->header_bytes > FP_GITHUB_MAX_HEADERS;

		return fp_error_set(FP_ENET, "%s %s: the reply's %s is over %u bytes; not reading it",
				    c->method, c->url, headers ? "header" : "body",
				    headers ? FP_GITHUB_MAX_HEADERS : FP_GITHUB_MAX_REPLY);
	}
	/* Once bytes of a POST left this machine, GitHub may have made the comment. */
	if ((c->flags & GH_POST) && sent)
		return GH_EUNCERTAIN;
	if (gh_backoff(g, t, c->method, c->url))
		return GH_ERETRY;
	return fp_error_set(FP_ENET, "%s %s: %s (after %u attempts)", c->method, c->url, g->why.ptr, t->attempt);
}

/* A 3xx: follow it when it stays on the API's origin. */
static int gh_on_redirect(gh *g, gh_try *t, gh_call *c)
{
	char *to = NULL;

	curl_easy_getinfo(g->curl, CURLINFO_REDIRECT_URL, &to);
	if (to && fp_github_same_origin(g->base.ptr, to) && c->hops++ < GH_MAX_REDIRECTS) {
		fp_buf_clear(&c->moved);
		fp_buf_puts(&c->moved, to);
		c->url = c->moved.ptr;
		/* A redirect is not a failed attempt. */
		t->attempt--;
		return GH_ERETRY;
	}
	return fp_error_set(FP_EAPI, "%s %s: GitHub answered %ld, a redirect to '%s' that is not followed "
			    "(too many, or to another host that must not get the token)",
			    c->method, c->url, g->r.status, to ? to : "");
}

/* A rate limit: wait as GitHub asks, or fail when that is too long. */
static int gh_on_rate_limit(gh *g, gh_try *t, gh_call *c, fp_rate_action act, double wait)
{
	if (act == FP_RATE_GIVE_UP)
		return gh_rate_error(g, c->method, c->url, wait);
	gh_why_status(g);
	if (t->attempt >= g->max_attempts)
		return fp_error_set(FP_EAPI, "%s %s: GitHub's rate limit (%s) still holds after %u attempts",
				    c->method, c->url, g->why.ptr, t->attempt);
	/* A request refused by a rate limit was not processed: resending is safe. */
	gh_note(g, "GitHub's rate limit was reached (%s); waiting %.0f s before retrying %s %s",
		g->why.ptr, wait, c->method, c->url);
	gh_sleep(wait);
	return GH_ERETRY;
}

/* A 5xx or a 429 without a rate-limit hint: retry, or hand back an uncertain POST. */
static int gh_on_server_error(gh *g, gh_try *t, gh_call *c)
{
	gh_why_status(g);
	/* A 429 refused the request unprocessed; after a 5xx the comment may exist. */
	if ((c->flags & GH_POST) && g->r.status != 429)
		return GH_EUNCERTAIN;
	if (gh_backoff(g, t, c->method, c->url))
		return GH_ERETRY;
	return fp_error_set(FP_EAPI, "%s %s: GitHub answered %s (after %u attempts)",
			    c->method, c->url, g->why.ptr, t->attempt);
}

/* A reply arrived: is it an answer, a reason to retry, or a failure? */
static int gh_on_reply(gh *g, gh_try *t, gh_call *c)
{
	long st = g->r.status;
	double wait = 0;
	fp_rate_action act;

	gh_trace(g, "%s %s: %ld (attempt %u)", c->method, c->url, st, t->attempt);
	if (st >= 200 && st < 300)
		return 0;
	if (st >= 300 && st < 400)
		return gh_on_redirect(g, t, c);
	act = fp_github_rate_decide(&wait, &g->r, (long long)time(NULL), g->o->max_wait);
	if (act != FP_RATE_NONE)
		return gh_on_rate_limit(g, t, c, act, wait);
	if ((st == 403 && (c->flags & GH_ACCEPT_403)) || (st == 404 && (c->flags & GH_ACCEPT_404)))
		return 0;
	if (st >= 500 || st == 429)
		return gh_on_server_error(g, t, c);
	return gh_api_error(g, c->method, c->url);
}

/*
 * Sends a request until it gets an answer, retrying what is safe to
 * retry. Returns 0 on a 2xx (or a status `flags` accepts; g->r holds the
 * reply), GH_EUNCERTAIN when a GH_POST request may have been processed
 * (g->why says why), or an FP_E... code with the message set.
 */
static int gh_request(gh *g, gh_try *t, const char *method, const char *url,
		      const char *data, int flags)
{
	gh_call c = { method, url, data, flags, FP_BUF_INIT, 0 };
	int err;

	do {
		int sent = 0;

		t->attempt++;
		if (gh_once(g, c.method, c.url, c.data, &sent) != CURLE_OK)
			err = gh_on_no_reply(g, t, &c, sent);
		else
			err = gh_on_reply(g, t, &c);
	} while (err == GH_ERETRY);
	fp_buf_free(&c.moved);
	return err;
}

/* Reads the comment in the reply to a POST or PATCH. */
static int gh_reply_comment(gh *g, gh_comment *out, const char *method, const char *url)
{
	cJSON *root = cJSON_ParseWithLength(g->r.body.ptr, g->r.body.len);
	int ok;

	comment_free(out);
	ok = cJSON_IsObject(root) && comment_from_json(out, root);
	cJSON_Delete(root);
	if (!ok)
		return fp_error_set(FP_EAPI, "%s %s: GitHub's reply is not a comment (no id)", method, url);
	return 0;
}

/* ---- the steps ---- */

/* Appends the URL of API path `fmt`... (with `query`, or none) to `out`. */
static int gh_url(gh *g, fp_buf *out, const char *query, const char *fmt, ...) FP_PRINTF(4, 5);
static int gh_url(gh *g, fp_buf *out, const char *query, const char *fmt, ...)
{
	fp_buf path = FP_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	fp_buf_vprintf(&path, fmt, ap);
	va_end(ap);
	err = fp_github_url_join(out, g->base.ptr, path.ptr, query);
	fp_buf_free(&path);
	return err;
}

/* Finds out whose comments are ours: GET /user, or the Actions bot. */
static int gh_whoami(gh *g)
{
	fp_buf url = FP_BUF_INIT;
	gh_try t = { 0 };
	cJSON *root = NULL;
	const cJSON *login;
	int err;

	if ((err = gh_url(g, &url, NULL, "/user")) < 0 ||
	    (err = gh_request(g, &t, "GET", url.ptr, NULL, GH_ACCEPT_403)) < 0)
		goto out;
	if (g->r.status == 403) {
		/* An Actions installation token may not read /user. */
		const char *who = g->o->author && *g->o->author ? g->o->author : FP_GITHUB_ACTIONS_LOGIN;

		gh_trace(g, "GET %s is forbidden for this token; comments by '%s' count as ours", url.ptr, who);
		g->login = fp_xstrdup(who);
		goto out;
	}
	root = cJSON_ParseWithLength(g->r.body.ptr, g->r.body.len);
	login = cJSON_GetObjectItemCaseSensitive(root, "login");
	if (!cJSON_IsString(login) || !*login->valuestring) {
		err = fp_error_set(FP_EAPI, "GET %s: GitHub's reply has no login", url.ptr);
		goto out;
	}
	g->login = fp_xstrdup(login->valuestring);
	gh_trace(g, "posting as '%s'", g->login);
out:
	cJSON_Delete(root);
	fp_buf_free(&url);
	return err;
}

/*
 * Keeps, from one page of comments, those that are ours: written by
 * g->login and, with a marker, carrying it.
 */
static int gh_take_page(gh *g, gh_comments *ours, const char *url)
{
	cJSON *root = cJSON_ParseWithLength(g->r.body.ptr, g->r.body.len);
	const cJSON *c;

	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return fp_error_set(FP_EAPI, "GET %s: GitHub's reply is not a list of comments", url);
	}
	cJSON_ArrayForEach(c, root) {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(c, "body");
		const cJSON *user = cJSON_GetObjectItemCaseSensitive(c, "user");
		const cJSON *login = cJSON_GetObjectItemCaseSensitive(user, "login");

		/* GitHub logins are case-insensitive. */
		if (!cJSON_IsString(body) || !cJSON_IsString(login) ||
		    strcasecmp(login->valuestring, g->login) != 0 ||
		    (g->o->marker && !fp_github_has_marker(body->valuestring, g->o->marker)))
			continue;
		if (!comment_from_json(comments_push(ours), c))
			ours->n--;
	}
	cJSON_Delete(root);
	return 0;
}

/*
 * Lists every page of the thread (the comments listing with `query`) and
 * keeps our comments, in the order GitHub gives (ascending id). Pages are
 * followed through the Link header, a relative target read against the
 * page it came with, as long as they stay on the API's origin.
 */
static int gh_list(gh *g, gh_comments *ours, const char *query)
{
	fp_buf url = FP_BUF_INIT, next = FP_BUF_INIT, ref = FP_BUF_INIT;
	unsigned pages = 0;
	int err;

	comments_free(ours);
	err = fp_github_url_join(&url, g->comments_url.ptr, NULL, query);
	while (err == 0) {
		gh_try t = { 0 };

		if ((err = gh_request(g, &t, "GET", url.ptr, NULL, 0)) < 0 ||
		    (err = gh_take_page(g, ours, url.ptr)) < 0)
			break;
		fp_buf_clear(&next);
		fp_buf_clear(&ref);
		/* A Link target may be relative to the page it came with. */
		if (!fp_github_link_next(&ref, g->r.link.ptr))
			break;
		if ((err = fp_github_url_resolve(&next, url.ptr, ref.ptr)) < 0)
			break;
		if (!fp_github_same_origin(g->base.ptr, next.ptr))
			err = fp_error_set(FP_EAPI, "GET %s: the next page is on another host ('%s'); "
					   "not sending the token there", url.ptr, next.ptr);
		else if (strcmp(next.ptr, url.ptr) == 0 || ++pages >= GH_MAX_PAGES)
			err = fp_error_set(FP_EAPI, "GET %s: the comment pages do not end", url.ptr);
		fp_buf_clear(&url);
		fp_buf_add(&url, next.ptr, next.len);
	}
	fp_buf_free(&ref);
	fp_buf_free(&next);
	fp_buf_free(&url);
	if (err < 0)
		comments_free(ours);
	return err;
}

/*
 * PATCHes comment `id` with our body; `out` gets the updated comment.
 * Returns GH_EGONE when the comment was deleted in the meantime.
 */
static int gh_patch(gh *g, gh_comment *out, unsigned long long id)
{
	fp_buf url = FP_BUF_INIT;
	gh_try t = { 0 };
	int err;

	if ((err = gh_url(g, &url, NULL, "/repos/%s/issues/comments/%llu", g->o->repo, id)) == 0)
		err = gh_request(g, &t, "PATCH", url.ptr, g->json, GH_ACCEPT_404);
	if (err == 0 && g->r.status == 404)
		err = GH_EGONE;
	else if (err == 0)
		err = gh_reply_comment(g, out, "PATCH", url.ptr);
	fp_buf_free(&url);
	return err;
}

/* DELETEs comment `id`; one that is already gone is fine. */
static int gh_delete(gh *g, unsigned long long id)
{
	fp_buf url = FP_BUF_INIT;
	gh_try t = { 0 };
	int err;

	if ((err = gh_url(g, &url, NULL, "/repos/%s/issues/comments/%llu", g->o->repo, id)) < 0)
		goto out;
	if (g->o->dry_run)
		fprintf(g->plan, "dry-run: DELETE %s\n", url.ptr);
	else
		err = gh_request(g, &t, "DELETE", url.ptr, NULL, GH_ACCEPT_404);
out:
	fp_buf_free(&url);
	return err;
}

/*
 * Looks for the comment our POST, first sent at `sent_at` (our clock), may
 * have made: the newest comment of ours with exactly our body that GitHub
 * created since then. Only comments updated since then are listed, so a
 * long thread costs one page, and an older comment of ours with the same
 * text (an earlier run of the same job) is not taken for it. Returns 0 with
 * `out` set, GH_ENOTFOUND, or an FP_E... code.
 */
static int gh_find_posted(gh *g, time_t sent_at, gh_comment *out)
{
	gh_comments ours = GH_COMMENTS_INIT;
	fp_buf query = FP_BUF_INIT;
	const gh_comment *found = NULL;
	long long since;
	size_t i;
	int err = 0;

	/* Without a marker nothing has asked who we are yet. */
	if (!g->login && (err = gh_whoami(g)) < 0)
		goto out;
	since = (long long)sent_at + g->clock_offset - GH_CLOCK_SLACK;
	fp_buf_puts(&query, "per_page=100&since=");
	fp_github_time_format(&query, since);
	if ((err = gh_list(g, &ours, query.ptr)) < 0)
		goto out;
	for (i = 0; i < ours.n; i++)
		if (ours.v[i].created >= since && same_text(ours.v[i].body, g->body.ptr) &&
		    (!found || ours.v[i].id > found->id))
			found = &ours.v[i];
	if (found) {
		gh_note(g, "the comment was created after all: %s", found->html_url);
		comment_copy(out, found);
	} else {
		err = GH_ENOTFOUND;
	}
out:
	fp_buf_free(&query);
	comments_free(&ours);
	return err;
}

/*
 * POSTs our comment. When the POST may have gone through (a timeout, a 5xx,
 * a connection cut after sending), gh_find_posted() looks for the comment
 * it may have made, which is then the result; only when there is none is
 * the POST sent again.
 */
static int gh_create(gh *g, gh_comment *out)
{
	fp_buf why = FP_BUF_INIT;
	gh_try t = { 0 };
	time_t sent_at = time(NULL);
	int err;

	for (;;) {
		err = gh_request(g, &t, "POST", g->comments_url.ptr, g->json, GH_POST);
		if (err == 0) {
			err = gh_reply_comment(g, out, "POST", g->comments_url.ptr);
			break;
		}
		if (err != GH_EUNCERTAIN)
			break;
		gh_note(g, "POST %s may have reached GitHub (%s); looking for the comment before sending it again",
			g->comments_url.ptr, g->why.ptr);
		/* Looking overwrites the failure; keep it for the messages below. */
		fp_buf_clear(&why);
		fp_buf_add(&why, g->why.ptr, g->why.len);
		if ((err = gh_find_posted(g, sent_at, out)) != GH_ENOTFOUND)
			break;
		fp_buf_clear(&g->why);
		fp_buf_add(&g->why, why.ptr, why.len);
		if (!gh_backoff(g, &t, "POST", g->comments_url.ptr)) {
			err = fp_error_set(FP_ENET, "POST %s: %s (after %u attempts; no comment of ours with this "
					   "body appeared)", g->comments_url.ptr, why.ptr, t.attempt);
			break;
		}
	}
	fp_buf_free(&why);
	return err;
}

static int cmp_id(const void *a, const void *b)
{
	const gh_comment *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * After creating `created`: when two runs raced, several marked comments
 * of ours exist. Keeps the oldest, deletes the others, and makes sure the
 * kept one carries our body. `created` becomes the comment that stays.
 */
static int gh_settle(gh *g, gh_comment *created)
{
	gh_comments ours = GH_COMMENTS_INIT;
	gh_comment kept = { 0, NULL, NULL, -1 };
	size_t i;
	int err, seen = 0;

	if ((err = gh_list(g, &ours, "per_page=100")) < 0)
		goto out;
	/* A comment just made may not be listed yet; it still counts. */
	for (i = 0; i < ours.n; i++)
		seen |= ours.v[i].id == created->id;
	if (!seen)
		comment_copy(comments_push(&ours), created);
	if (ours.n < 2)
		goto out;
	qsort(ours.v, ours.n, sizeof(ours.v[0]), cmp_id);
	for (i = 1; i < ours.n; i++) {
		gh_note(g, "deleting comment %llu: a newer duplicate of %llu (another run posted at the same time)",
			ours.v[i].id, ours.v[0].id);
		if ((err = gh_delete(g, ours.v[i].id)) < 0)
			goto out;
	}
	if (ours.v[0].id != created->id && !same_text(ours.v[0].body, g->body.ptr)) {
		/* Gone means the other run deleted it: then ours was its duplicate. */
		if ((err = gh_patch(g, &kept, ours.v[0].id)) == GH_EGONE)
			err = fp_error_set(FP_EAPI, "comment %llu vanished while settling a race with another run; "
					   "run again", ours.v[0].id);
		if (err < 0)
			goto out;
		comment_copy(created, &kept);
	} else {
		comment_copy(created, &ours.v[0]);
	}
out:
	comment_free(&kept);
	comments_free(&ours);
	return err;
}

/* ---- dry run ---- */

static void plan_write(gh *g, const char *method, const char *url, const char *when)
{
	fprintf(g->plan, "dry-run: %s %s (%zu bytes)%s%s\n", method, url, g->body.len,
		when ? " " : "", when ? when : "");
}

/* Without a token nothing can be read, so every request is only printed. */
static int plan_blind(gh *g)
{
	fp_buf user = FP_BUF_INIT, list = FP_BUF_INIT, one = FP_BUF_INIT;
	int err = 0;

	if (g->o->marker && g->o->mode != FP_POST_CREATE) {
		if ((err = gh_url(g, &user, NULL, "/user")) < 0 ||
		    (err = fp_github_url_join(&list, g->comments_url.ptr, NULL, "per_page=100")) < 0 ||
		    (err = gh_url(g, &one, NULL, "/repos/%s/issues/comments/{id}", g->o->repo)) < 0)
			goto out;
		fprintf(g->plan, "dry-run: GET %s\n", user.ptr);
		fprintf(g->plan, "dry-run: GET %s (and every further page)\n", list.ptr);
		if (g->o->mode == FP_POST_UPDATE)
			plan_write(g, "PATCH", one.ptr, "(if our marked comment exists, else the POST below)");
		else
			fprintf(g->plan, "dry-run: DELETE %s (each of our marked comments)\n", one.ptr);
	}
	plan_write(g, "POST", g->comments_url.ptr, NULL);
out:
	fp_buf_free(&one);
	fp_buf_free(&list);
	fp_buf_free(&user);
	return err;
}

/* ---- set-up ---- */

/* What needs no checking: where output goes, retry settings, the jitter seed. */
static void gh_init_state(gh *g, const fp_github_opts *o)
{
	g->o = o;
	g->log = o->log ? o->log : stderr;
	g->plan = o->plan ? o->plan : stdout;
	g->max_attempts = o->max_attempts ? o->max_attempts : FP_GITHUB_MAX_ATTEMPTS;
	g->base_ms = o->retry_base_ms ? o->retry_base_ms : 1000;
	g->backoff_left = GH_BACKOFF_BUDGET;
	g->rng = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16) ^ 0x9e3779b9u;
}

/* The API's base URL and the thread's comments URL. */
static int gh_init_urls(gh *g)
{
	int err = fp_github_api_base(&g->base, g->o->api_url ? g->o->api_url : FP_GITHUB_DEFAULT_URL);

	if (err < 0)
		return err;
	g->no_proxy = fp_github_is_loopback(g->base.ptr);
	return gh_url(g, &g->comments_url, NULL, "/repos/%s/issues/%lu/comments", g->o->repo, g->o->issue);
}

/* True when `s` holds nothing but white space. */
static int is_blank(const char *s)
{
	return s[strspn(s, " \t\r\n\f\v")] == '\0';
}

/*
 * Builds what we post: the marker line first (unless the report already
 * starts with it), then the report as valid UTF-8; refuses a blank report
 * and one over GitHub's limit before anything is sent.
 */
static int gh_init_body(gh *g, const char *body, size_t len)
{
	const fp_github_opts *o = g->o;
	fp_buf clean = FP_BUF_INIT;
	cJSON *json = NULL;
	size_t mark = 0;
	int err = 0;

	fp_utf8_clean(&clean, body, len);
	if (o->marker) {
		fp_github_marker_line(&g->body, o->marker);
		mark = g->body.len;
		if (strncmp(clean.ptr, g->body.ptr, mark) == 0 &&
		    (clean.ptr[mark] == '\n' || clean.ptr[mark] == '\r' || !clean.ptr[mark]))
			fp_buf_clear(&g->body);
		else
			fp_buf_putc(&g->body, '\n');
	}
	fp_buf_add(&g->body, clean.ptr, clean.len);
	if (is_blank(g->body.ptr + mark)) {
		err = fp_error_set(FP_EINPUT, "the report to post is empty%s; GitHub refuses a blank comment, "
				   "so nothing was sent", o->marker ? " (but for its marker line)" : "");
		goto out;
	}
	if (g->body.len > FP_GITHUB_MAX_BODY) {
		err = fp_error_set(FP_EUSAGE, "the comment would be %zu bytes%s, over GitHub's limit of %d; "
				   "render a shorter one with `fixproof report --max-chars %d`", g->body.len,
				   o->marker ? " with its marker line" : "", FP_GITHUB_MAX_BODY,
				   FP_GITHUB_MAX_BODY - 1024);
		goto out;
	}
	json = cJSON_CreateObject();
	if (!json || !cJSON_AddStringToObject(json, "body", g->body.ptr) ||
	    !(g->json = cJSON_PrintUnformatted(json)))
		fp_die("out of memory building a JSON request");
out:
	cJSON_Delete(json);
	fp_buf_free(&clean);
	return err;
}

/* The request headers, the token among them, and the libcurl handle. */
static int gh_init_http(gh *g)
{
	const char *token = g->o->token;
	fp_buf auth = FP_BUF_INIT;

	if (token) {
		fp_buf_printf(&auth, "Authorization: Bearer %s", token);
		g->headers = curl_slist_append(g->headers, auth.ptr);
		/* The header list holds its own copy: wipe ours of the token, in a
		 * way the compiler may not drop as a store to memory about to be freed. */
		explicit_bzero(auth.ptr, auth.len);
		fp_buf_free(&auth);
	}
	g->headers = curl_slist_append(g->headers, "Accept: application/vnd.github+json");
	g->headers = curl_slist_append(g->headers, "X-GitHub-Api-Version: " FP_GITHUB_API_VERSION);
	g->headers = curl_slist_append(g->headers, "Content-Type: application/json; charset=utf-8");
	/* No "Expect: 100-continue" round trip before a large body. */
	g->headers = curl_slist_append(g->headers, "Expect:");
	if (!g->headers)
		fp_die("out of memory building request headers");
	if (token && !(g->curl = curl_easy_init()))
		return fp_error_set(FP_ENET, "cannot start libcurl");
	return 0;
}

static int gh_init(gh *g, const fp_github_opts *o, const char *body, size_t len)
{
	int err;

	gh_init_state(g, o);
	if ((err = fp_github_check(o)) < 0 || (err = gh_init_urls(g)) < 0 ||
	    (err = gh_init_body(g, body, len)) < 0)
		return err;
	return gh_init_http(g);
}

static void gh_free(gh *g)
{
	struct curl_slist *h;

	if (g->curl)
		curl_easy_cleanup(g->curl);
	/* The list's copy of the Authorization line goes the way ours went. */
	for (h = g->headers; h; h = h->next)
		if (strncmp(h->data, "Authorization:", 14) == 0)
			explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(g->headers);
	fp_buf_free(&g->base);
	fp_buf_free(&g->comments_url);
	fp_buf_free(&g->body);
	fp_buf_free(&g->why);
	if (g->json)
		cJSON_free(g->json);
	free(g->login);
	fp_github_reply_free(&g->r);
}

/* ---- the run ---- */

/*
 * Updates the newest of our marked comments `ours` (n > 0) and appends its
 * URL; GH_EGONE when someone deleted it after we listed.
 */
static int gh_update(gh *g, const gh_comments *ours, fp_buf *url_out)
{
	const gh_comment *newest = &ours->v[0];
	gh_comment done = { 0, NULL, NULL, -1 };
	fp_buf url = FP_BUF_INIT;
	size_t i;
	int err;

	for (i = 1; i < ours->n; i++)
		if (ours->v[i].id > newest->id)
			newest = &ours->v[i];
	if (g->o->dry_run) {
		if ((err = gh_url(g, &url, NULL, "/repos/%s/issues/comments/%llu", g->o->repo, newest->id)) == 0)
			plan_write(g, "PATCH", url.ptr, NULL);
	} else if ((err = gh_patch(g, &done, newest->id)) == 0) {
		fp_buf_puts(url_out, done.html_url);
	} else if (err == GH_EGONE) {
		gh_note(g, "comment %llu was deleted meanwhile; posting a new one", newest->id);
	}
	fp_buf_free(&url);
	comment_free(&done);
	return err;
}

/* The sticky-comment logic, once the client is set up. */
static int gh_run(gh *g, fp_buf *url_out)
{
	const fp_github_opts *o = g->o;
	gh_comments ours = GH_COMMENTS_INIT;
	gh_comment done = { 0, NULL, NULL, -1 };
	int err = 0, sticky = o->marker && o->mode != FP_POST_CREATE;
	size_t i;

	if (sticky) {
		if ((err = gh_whoami(g)) < 0 || (err = gh_list(g, &ours, "per_page=100")) < 0)
			goto out;
		gh_trace(g, "found %zu marked comment(s) by '%s'", ours.n, g->login);
	}
	if (sticky && o->mode == FP_POST_UPDATE && ours.n > 0) {
		/* A comment deleted after we listed it is replaced by a new one. */
		if ((err = gh_update(g, &ours, url_out)) != GH_EGONE)
			goto out;
		err = 0;
	}
	if (sticky && o->mode == FP_POST_RECREATE)
		for (i = 0; i < ours.n; i++)
			if ((err = gh_delete(g, ours.v[i].id)) < 0)
				goto out;
	if (o->dry_run) {
		plan_write(g, "POST", g->comments_url.ptr, NULL);
		goto out;
	}
	if ((err = gh_create(g, &done)) < 0)
		goto out;
	if (sticky && (err = gh_settle(g, &done)) < 0)
		goto out;
	fp_buf_puts(url_out, done.html_url);
out:
	comment_free(&done);
	comments_free(&ours);
	return err;
}

int fp_github_post(fp_buf *url_out, const fp_github_opts *opts, const char *body, size_t len)
{
	gh g;
	int err;

	memset(&g, 0, sizeof(g));
	fp_buf_init(&g.base);
	fp_buf_init(&g.comments_url);
	fp_buf_init(&g.body);
	fp_buf_init(&g.why);
	fp_buf_init(&g.r.body);
	fp_buf_init(&g.r.link);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return fp_error_set(FP_ENET, "cannot start libcurl");
	err = gh_init(&g, opts, body, len);
	if (err == 0 && !opts->token)
		err = plan_blind(&g);
	else if (err == 0)
		err = gh_run(&g, url_out);
	gh_free(&g);
	curl_global_cleanup();
	/* The codes of this file, all at or below GH_EUNCERTAIN, stay in it. */
	assert(err > GH_EUNCERTAIN);
	return err;
}

void fp_github_curl_version(fp_buf *out)
{
	const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);

	fp_buf_clear(out);
	fp_buf_puts(out, info && info->version ? info->version : "unknown");
	if (info && info->ssl_version)
		fp_buf_printf(out, " (%s)", info->ssl_version);
}
