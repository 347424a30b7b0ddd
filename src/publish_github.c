/*
 * publish_github.c - the GitHub client: one sticky comment per marker,
 * posted with libcurl (the only file that uses it); see publish.h.
 *
 * Every request goes through gh_request(), which retries what is safe to
 * retry: network errors, 5xx and 429 with exponential backoff and jitter,
 * and rate limits after the wait GitHub asks for. A POST is not safe to
 * repeat once it may have reached GitHub, so gh_request() hands that case
 * back and gh_create() first looks for the comment it may have made.
 */
#include "fixproof/publish.h"

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

#define GH_CONNECT_TIMEOUT_MS 10000L
#define GH_TIMEOUT_MS 30000L     /* GitHub itself cuts requests off after 10 s */
#define GH_MAX_REDIRECTS 3
#define GH_MAX_PAGES 1000        /* 100,000 comments: far beyond any real thread */
#define GH_BACKOFF_CAP 30.0      /* seconds, one backoff delay */
#define GH_BACKOFF_BUDGET 120.0  /* seconds, all backoff delays of one run */

/* Request flags: how gh_request() treats a reply. */
enum {
	GH_ACCEPT_403 = 1,   /* a 403 that is not a rate limit is an answer (GET /user) */
	GH_ACCEPT_404 = 2,   /* a 404 is an answer (DELETE of a comment already gone) */
	GH_POST_MARKED = 4,  /* a POST that may have gone through returns GH_UNCERTAIN */
	GH_POST_BLIND = 8    /* a POST that may have gone through is not repeated */
};
#define GH_UNCERTAIN 1 /* a POST may or may not have created the comment */
#define GH_GONE 2      /* the comment to update was deleted meanwhile */

typedef struct gh_comment {
	unsigned long long id;
	char *html_url;
	char *body;
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
	fp_github_reply r;
	size_t header_bytes;
	int too_big;
	fp_buf why;           /* the last failure, for messages */
	char errbuf[CURL_ERROR_SIZE];
} gh;

/* ---- small helpers ---- */

static void comment_free(gh_comment *c)
{
	free(c->html_url);
	free(c->body);
	c->html_url = c->body = NULL;
	c->id = 0;
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
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = fp_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void comment_copy(gh_comment *dst, const gh_comment *src)
{
	comment_free(dst);
	dst->id = src->id;
	dst->html_url = fp_xstrdup(src->html_url ? src->html_url : "");
	dst->body = fp_xstrdup(src->body ? src->body : "");
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
 * are left: base * 2^(n-1), times a jitter in [0.5, 1.5) so that two jobs
 * that failed together do not retry together. Returns whether to go on.
 */
static int gh_backoff(gh *g, const gh_try *t, const char *method, const char *url)
{
	double delay;

	if (t->attempt >= g->max_attempts)
		return 0;
	delay = (double)g->base_ms / 1000.0 * (double)(1u << (t->attempt - 1));
	delay *= 0.5 + gh_random(g);
	if (delay > GH_BACKOFF_CAP)
		delay = GH_BACKOFF_CAP;
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

/* A header's value as a whole non-negative number, or -1. */
static long long header_number(const char *v, size_t n)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	gh *g = ctx;
	const char *colon, *v, *end = data + size * n;
	size_t name_len;

	n *= size;
	g->header_bytes += n;
	if (g->header_bytes > FP_GITHUB_MAX_HEADERS) {
		g->too_big = 1;
		return 0;
	}
	/* A status line starts a new reply (after a 100 Continue, say). */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		fp_buf_clear(&g->r.link);
		g->r.retry_after = g->r.rl_remaining = g->r.rl_reset = -1;
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	name_len = (size_t)(colon - data);
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (name_len == 4 && strncasecmp(data, "link", 4) == 0) {
		/* Several Link headers are one list, as RFC 8288 says. */
		if (g->r.link.len)
			fp_buf_puts(&g->r.link, ", ");
		fp_buf_add(&g->r.link, v, (size_t)(end - v));
	} else if (name_len == 11 && strncasecmp(data, "retry-after", 11) == 0) {
		g->r.retry_after = header_number(v, (size_t)(end - v));
	} else if (name_len == 21 && strncasecmp(data, "x-ratelimit-remaining", 21) == 0) {
		g->r.rl_remaining = header_number(v, (size_t)(end - v));
	} else if (name_len == 17 && strncasecmp(data, "x-ratelimit-reset", 17) == 0) {
		g->r.rl_reset = header_number(v, (size_t)(end - v));
	}
	return n;
}

/*
 * Sends one request and fills g->r. Returns the libcurl code; *sent says
 * whether any of the request left this machine, which decides whether a
 * failed POST could have created a comment.
 */
static CURLcode gh_once(gh *g, const char *method, const char *url, const char *data, int *sent)
{
	CURL *c = g->curl;
	CURLcode rc;
	long status = 0, request_size = 0;

	fp_github_reply_reset(&g->r);
	g->header_bytes = 0;
	g->too_big = 0;
	g->errbuf[0] = '\0';
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
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
	g->r.status = rc == CURLE_OK ? status : 0;
	*sent = request_size > 0;
	fp_buf_clear(&g->why);
	if (rc != CURLE_OK)
		fp_buf_puts(&g->why, g->too_big ? "the reply is too large" :
			    g->errbuf[0] ? g->errbuf : curl_easy_strerror(rc));
	return rc;
}

/* ---- replies ---- */

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
	time_t at = time(NULL) + (time_t)wait;
	struct tm tm;
	char stamp[32];
	int err;

	if (gmtime_r(&at, &tm) && strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fp_buf_printf(&when, "%s (in %.0f s)", stamp, wait);
	else
		fp_buf_printf(&when, "in %.0f s", wait);
	gh_why_status(g);
	err = fp_error_set(FP_EAPI, "%s %s: GitHub's rate limit is reached (%s); it resets at %s, "
			   "later than the %.0f s we may wait (--max-wait): try again then",
			   method, url, g->why.ptr, when.ptr, g->o->max_wait);
	fp_buf_free(&when);
	return err;
}

/*
 * Sends a request until it gets an answer, retrying what is safe to
 * retry. Returns 0 on a 2xx (or a status `flags` accepts), GH_UNCERTAIN
 * when a GH_POST_MARKED POST may have been processed (g->why says why), or
 * a negative code with the message set.
 */
static int gh_request(gh *g, gh_try *t, const char *method, const char *url,
		      const char *data, int flags)
{
	fp_buf moved = FP_BUF_INIT;
	unsigned hops = 0;
	int err = 0, post = flags & (GH_POST_MARKED | GH_POST_BLIND);

	for (;;) {
		CURLcode rc;
		int sent = 0;
		double wait = 0;
		fp_rate_action act;
		long st;

		t->attempt++;
		rc = gh_once(g, method, url, data, &sent);
		st = g->r.status;
		if (rc != CURLE_OK) {
			gh_trace(g, "%s %s: %s (attempt %u)", method, url, g->why.ptr, t->attempt);
			if (g->too_big) {
				int headers = g->header_bytes > FP_GITHUB_MAX_HEADERS;

				err = fp_error_set(FP_ENET, "%s %s: the reply's %s is over %u bytes; not reading it",
						   method, url, headers ? "header" : "body",
						   headers ? FP_GITHUB_MAX_HEADERS : FP_GITHUB_MAX_REPLY);
				break;
			}
			if (post && sent) {
				if (flags & GH_POST_MARKED) {
					err = GH_UNCERTAIN;
					break;
				}
				err = fp_error_set(FP_ENET, "POST %s: %s after the request was sent; the comment "
						   "may exist, so it is not sent again (--marker makes posting safe to repeat)",
						   url, g->why.ptr);
				break;
			}
			if (gh_backoff(g, t, method, url))
				continue;
			err = fp_error_set(FP_ENET, "%s %s: %s (after %u attempts)", method, url, g->why.ptr, t->attempt);
			break;
		}
		gh_trace(g, "%s %s: %ld (attempt %u)", method, url, st, t->attempt);
		if (st >= 200 && st < 300)
			break;
		if (st >= 300 && st < 400) {
			char *to = NULL;

			curl_easy_getinfo(g->curl, CURLINFO_REDIRECT_URL, &to);
			if (to && fp_github_same_origin(g->base.ptr, to) && hops++ < GH_MAX_REDIRECTS) {
				fp_buf_clear(&moved);
				fp_buf_puts(&moved, to);
				url = moved.ptr;
				t->attempt--;
				continue;
			}
			err = fp_error_set(FP_EAPI, "%s %s: GitHub answered %ld, a redirect to '%s' that is not followed "
					   "(too many, or to another host that must not get the token)",
					   method, url, st, to ? to : "");
			break;
		}
		act = fp_github_rate_decide(&wait, &g->r, (long long)time(NULL), g->o->max_wait);
		if (act == FP_RATE_GIVE_UP) {
			err = gh_rate_error(g, method, url, wait);
			break;
		}
		if (act == FP_RATE_WAIT) {
			gh_why_status(g);
			if (t->attempt >= g->max_attempts) {
				err = fp_error_set(FP_EAPI, "%s %s: GitHub's rate limit (%s) still holds after %u attempts",
						   method, url, g->why.ptr, t->attempt);
				break;
			}
			/* A request refused by a rate limit was not processed: resending is safe. */
			gh_note(g, "GitHub's rate limit was reached (%s); waiting %.0f s before retrying %s %s",
				g->why.ptr, wait, method, url);
			gh_sleep(wait);
			continue;
		}
		if ((st == 403 && (flags & GH_ACCEPT_403)) || (st == 404 && (flags & GH_ACCEPT_404)))
			break;
		if (st >= 500 || st == 429) {
			gh_why_status(g);
			if (post && st != 429) {
				if (flags & GH_POST_MARKED) {
					err = GH_UNCERTAIN;
					break;
				}
				err = fp_error_set(FP_EAPI, "POST %s: GitHub answered %s; the comment may exist, so it is "
						   "not sent again (--marker makes posting safe to repeat)", url, g->why.ptr);
				break;
			}
			if (gh_backoff(g, t, method, url))
				continue;
			err = fp_error_set(FP_EAPI, "%s %s: GitHub answered %s (after %u attempts)",
					   method, url, g->why.ptr, t->attempt);
			break;
		}
		err = gh_api_error(g, method, url);
		break;
	}
	fp_buf_free(&moved);
	return err;
}

/* Reads one comment object (id, html_url, body) into `out`. */
static int comment_from_json(gh_comment *out, const cJSON *c)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(c, "html_url");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(c, "body");

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9007199254740992.0)
		return 0;
	out->id = (unsigned long long)id->valuedouble;
	out->html_url = fp_xstrdup(cJSON_IsString(url) ? url->valuestring : "");
	out->body = fp_xstrdup(cJSON_IsString(body) ? body->valuestring : "");
	return 1;
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

/* Finds out whose comments are ours: GET /user, or the Actions bot. */
static int gh_whoami(gh *g)
{
	fp_buf url = FP_BUF_INIT;
	gh_try t = { 0 };
	cJSON *root = NULL;
	const cJSON *login;
	int err;

	fp_github_url_join(&url, g->base.ptr, "/user");
	if ((err = gh_request(g, &t, "GET", url.ptr, NULL, GH_ACCEPT_403)) < 0)
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

/* Keeps, from one page of comments, those that are ours and marked. */
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
		    !fp_github_has_marker(body->valuestring, g->o->marker))
			continue;
		if (!comment_from_json(comments_push(ours), c))
			ours->n--;
	}
	cJSON_Delete(root);
	return 0;
}

/*
 * Lists every page of the thread and keeps our marked comments, in the
 * order GitHub gives (ascending id). Pages are followed through the Link
 * header exactly as given, as long as they stay on the API's origin.
 */
static int gh_list(gh *g, gh_comments *ours)
{
	fp_buf url = FP_BUF_INIT, next = FP_BUF_INIT;
	unsigned pages = 0;
	int err = 0;

	comments_free(ours);
	fp_buf_printf(&url, "%s?per_page=100", g->comments_url.ptr);
	for (;;) {
		gh_try t = { 0 };

		if ((err = gh_request(g, &t, "GET", url.ptr, NULL, 0)) < 0)
			break;
		if ((err = gh_take_page(g, ours, url.ptr)) < 0)
			break;
		fp_buf_clear(&next);
		if (!fp_github_link_next(&next, g->r.link.ptr))
			break;
		if (!fp_github_same_origin(g->base.ptr, next.ptr)) {
			err = fp_error_set(FP_EAPI, "GET %s: the next page is on another host ('%s'); "
					   "not sending the token there", url.ptr, next.ptr);
			break;
		}
		if (strcmp(next.ptr, url.ptr) == 0 || ++pages >= GH_MAX_PAGES) {
			err = fp_error_set(FP_EAPI, "GET %s: the comment pages do not end", url.ptr);
			break;
		}
		fp_buf_clear(&url);
		fp_buf_add(&url, next.ptr, next.len);
	}
	fp_buf_free(&next);
	fp_buf_free(&url);
	if (err < 0)
		comments_free(ours);
	return err;
}

static void gh_comment_url(fp_buf *out, gh *g, unsigned long long id)
{
	fp_buf path = FP_BUF_INIT;

	fp_buf_printf(&path, "/repos/%s/issues/comments/%llu", g->o->repo, id);
	fp_github_url_join(out, g->base.ptr, path.ptr);
	fp_buf_free(&path);
}

/*
 * PATCHes comment `id` with our body; `out` gets the updated comment.
 * Returns GH_GONE when the comment was deleted in the meantime.
 */
static int gh_patch(gh *g, gh_comment *out, unsigned long long id)
{
	fp_buf url = FP_BUF_INIT;
	gh_try t = { 0 };
	int err;

	gh_comment_url(&url, g, id);
	err = gh_request(g, &t, "PATCH", url.ptr, g->json, GH_ACCEPT_404);
	if (err == 0 && g->r.status == 404)
		err = GH_GONE;
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

	gh_comment_url(&url, g, id);
	if (g->o->dry_run) {
		fprintf(g->plan, "dry-run: DELETE %s\n", url.ptr);
		err = 0;
	} else {
		err = gh_request(g, &t, "DELETE", url.ptr, NULL, GH_ACCEPT_404);
	}
	fp_buf_free(&url);
	return err;
}

/* The newest of `l` whose body is ours, or NULL. */
static const gh_comment *find_same_body(const gh_comments *l, const char *body)
{
	const gh_comment *best = NULL;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (same_text(l->v[i].body, body) && (!best || l->v[i].id > best->id))
			best = &l->v[i];
	return best;
}

/*
 * POSTs our comment. When the POST may have gone through (a timeout, a 5xx,
 * a connection cut after sending), the thread is listed again and a marked
 * comment of ours with this very body is taken as the result; only when
 * there is none is the POST sent again.
 */
static int gh_create(gh *g, gh_comment *out)
{
	gh_comments ours = GH_COMMENTS_INIT;
	fp_buf why = FP_BUF_INIT;
	gh_try t = { 0 };
	const gh_comment *found;
	int err;

	for (;;) {
		err = gh_request(g, &t, "POST", g->comments_url.ptr, g->json,
				 g->o->marker ? GH_POST_MARKED : GH_POST_BLIND);
		if (err == 0) {
			err = gh_reply_comment(g, out, "POST", g->comments_url.ptr);
			break;
		}
		if (err < 0)
			break;
		gh_note(g, "POST %s may have reached GitHub (%s); looking for the comment before sending it again",
			g->comments_url.ptr, g->why.ptr);
		/* Listing overwrites the failure; keep it for the messages below. */
		fp_buf_clear(&why);
		fp_buf_add(&why, g->why.ptr, g->why.len);
		if ((err = gh_list(g, &ours)) < 0)
			break;
		if ((found = find_same_body(&ours, g->body.ptr)) != NULL) {
			gh_note(g, "the comment was created after all: %s", found->html_url);
			comment_copy(out, found);
			break;
		}
		fp_buf_clear(&g->why);
		fp_buf_add(&g->why, why.ptr, why.len);
		if (!gh_backoff(g, &t, "POST", g->comments_url.ptr)) {
			err = fp_error_set(FP_ENET, "POST %s: %s (after %u attempts; no comment of ours with this "
					   "body appeared)", g->comments_url.ptr, why.ptr, t.attempt);
			break;
		}
	}
	fp_buf_free(&why);
	comments_free(&ours);
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
	gh_comment kept = { 0, NULL, NULL };
	size_t i;
	int err, seen = 0;

	if ((err = gh_list(g, &ours)) < 0)
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
		if ((err = gh_patch(g, &kept, ours.v[0].id)) == GH_GONE)
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
static void plan_blind(gh *g)
{
	fp_buf url = FP_BUF_INIT;

	if (g->o->marker && g->o->mode != FP_POST_CREATE) {
		fp_github_url_join(&url, g->base.ptr, "/user");
		fprintf(g->plan, "dry-run: GET %s\n", url.ptr);
		fprintf(g->plan, "dry-run: GET %s?per_page=100 (and every further page)\n", g->comments_url.ptr);
		fp_buf_clear(&url);
		gh_comment_url(&url, g, 0);
		fp_buf_truncate(&url, url.len - 1);
		fp_buf_puts(&url, "{id}");
		if (g->o->mode == FP_POST_UPDATE)
			plan_write(g, "PATCH", url.ptr, "(if our marked comment exists, else the POST below)");
		else
			fprintf(g->plan, "dry-run: DELETE %s (each of our marked comments)\n", url.ptr);
	}
	plan_write(g, "POST", g->comments_url.ptr, NULL);
	fp_buf_free(&url);
}

/* ---- set-up ---- */

static int gh_init(gh *g, const fp_github_opts *o, const char *body, size_t len)
{
	fp_buf path = FP_BUF_INIT, clean = FP_BUF_INIT, auth = FP_BUF_INIT;
	cJSON *json = NULL;
	int err = 0;

	g->o = o;
	g->log = o->log ? o->log : stderr;
	g->plan = o->plan ? o->plan : stdout;
	g->max_attempts = o->max_attempts ? o->max_attempts : FP_GITHUB_MAX_ATTEMPTS;
	g->base_ms = o->retry_base_ms ? o->retry_base_ms : 1000;
	g->backoff_left = GH_BACKOFF_BUDGET;
	g->rng = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16) ^ 0x9e3779b9u;
	if ((err = fp_github_check(o)) < 0)
		return err;
	if ((err = fp_github_api_base(&g->base, o->api_url ? o->api_url : FP_GITHUB_DEFAULT_URL)) < 0)
		return err;
	g->no_proxy = fp_github_is_loopback(g->base.ptr);
	fp_buf_printf(&path, "/repos/%s/issues/%lu/comments", o->repo, o->issue);
	fp_github_url_join(&g->comments_url, g->base.ptr, path.ptr);

	/* The marker goes first, unless the report already starts with it. */
	fp_utf8_clean(&clean, body, len);
	if (o->marker) {
		fp_github_marker_line(&g->body, o->marker);
		if (strncmp(clean.ptr, g->body.ptr, g->body.len) == 0 &&
		    (clean.ptr[g->body.len] == '\n' || clean.ptr[g->body.len] == '\r' || !clean.ptr[g->body.len]))
			fp_buf_clear(&g->body);
		else
			fp_buf_putc(&g->body, '\n');
	}
	fp_buf_add(&g->body, clean.ptr, clean.len);
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

	if (o->token) {
		fp_buf_printf(&auth, "Authorization: Bearer %s", o->token);
		g->headers = curl_slist_append(g->headers, auth.ptr);
	}
	g->headers = curl_slist_append(g->headers, "Accept: application/vnd.github+json");
	g->headers = curl_slist_append(g->headers, "X-GitHub-Api-Version: " FP_GITHUB_API_VERSION);
	g->headers = curl_slist_append(g->headers, "Content-Type: application/json; charset=utf-8");
	/* No "Expect: 100-continue" round trip before a large body. */
	g->headers = curl_slist_append(g->headers, "Expect:");
	if (!g->headers)
		fp_die("out of memory building request headers");
	if (o->token && !(g->curl = curl_easy_init()))
		err = fp_error_set(FP_ENET, "cannot start libcurl");
out:
	/* The header list holds its own copy; wipe ours of the token. */
	if (auth.len)
		memset(auth.ptr, 0, auth.len);
	fp_buf_free(&auth);
	fp_buf_free(&clean);
	fp_buf_free(&path);
	cJSON_Delete(json);
	return err;
}

static void gh_free(gh *g)
{
	if (g->curl)
		curl_easy_cleanup(g->curl);
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

/* The sticky-comment logic, once the client is set up. */
static int gh_run(gh *g, fp_buf *url_out)
{
	const fp_github_opts *o = g->o;
	gh_comments ours = GH_COMMENTS_INIT;
	gh_comment done = { 0, NULL, NULL };
	fp_buf url = FP_BUF_INIT;
	int err = 0, sticky = o->marker && o->mode != FP_POST_CREATE;
	size_t i;

	if (sticky) {
		if ((err = gh_whoami(g)) < 0 || (err = gh_list(g, &ours)) < 0)
			goto out;
		gh_trace(g, "found %zu marked comment(s) by '%s'", ours.n, g->login);
	}
	if (sticky && o->mode == FP_POST_UPDATE && ours.n > 0) {
		const gh_comment *newest = &ours.v[0];

		for (i = 1; i < ours.n; i++)
			if (ours.v[i].id > newest->id)
				newest = &ours.v[i];
		if (o->dry_run) {
			gh_comment_url(&url, g, newest->id);
			plan_write(g, "PATCH", url.ptr, NULL);
			goto out;
		}
		if ((err = gh_patch(g, &done, newest->id)) < 0)
			goto out;
		if (err != GH_GONE) {
			fp_buf_puts(url_out, done.html_url);
			goto out;
		}
		/* Someone deleted it after we listed: post a new one instead. */
		gh_note(g, "comment %llu was deleted meanwhile; posting a new one", newest->id);
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
	fp_buf_free(&url);
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
		plan_blind(&g);
	else if (err == 0)
		err = gh_run(&g, url_out);
	gh_free(&g);
	curl_global_cleanup();
	return err;
}
