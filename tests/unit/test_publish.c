/*
 * test_publish.c - the GitHub client's decisions, without a network: Link
 * headers, markers, rate limits, URLs, options, the Actions event, backoff,
 * timestamps and GitHub's error texts.
 */
#include "unit.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/publish.h"

/* ---- Link headers ---- */

/*
 * Checks what a function that appends to a buffer did: with `want`, it
 * succeeded and appended exactly that; without, it failed and appended
 * nothing. Frees the buffer.
 */
static void expect_output(int ok, fp_buf *b, const char *want)
{
	assert_int_equal(ok, want != NULL);
	assert_string_equal(b->ptr, want ? want : "");
	fp_buf_free(b);
}

/* Asserts the rel="next" of `link`, or that there is none (want NULL). */
static void next_of(const char *link, const char *want)
{
	fp_buf b = FP_BUF_INIT;
	int found = fp_github_link_next(&b, link);

	assert_true(found == 0 || found == 1);
	expect_output(found, &b, want);
}

static void test_publish_link_next_github_form(void **state)
{
	(void)state;
	/* As GitHub sends it: the URL rewritten to /repositories/ID. */
	next_of("<https://api.github.com/repositories/1000/issues/5/comments?per_page=100&page=2>; rel=\"next\", "
		"<https://api.github.com/repositories/1000/issues/5/comments?per_page=100&page=3>; rel=\"last\"",
		"https://api.github.com/repositories/1000/issues/5/comments?per_page=100&page=2");
	/* On a middle page next comes after prev. */
	next_of("<https://x/c?page=1>; rel=\"prev\", <https://x/c?page=3>; rel=\"next\", "
		"<https://x/c?page=9>; rel=\"last\", <https://x/c?page=1>; rel=\"first\"",
		"https://x/c?page=3");
	/* rel="last" may be missing. */
	next_of("<https://x/c?page=2>; rel=\"next\"", "https://x/c?page=2");
}

static void test_publish_link_next_odd_spacing(void **state)
{
	(void)state;
	next_of("  <u1>;rel=next ,<u2> ;  rel = \"last\"", "u1");
	next_of("<u0>;rel=prev,<u2>\t;\trel=\"next\"", "u2");
	next_of(",, <u3>; rel=\"next\",", "u3");
}

static void test_publish_link_next_several_rels_and_params(void **state)
{
	(void)state;
	next_of("<u>; rel=\"last next\"", "u");
	next_of("<u>; REL=\"NEXT\"", "u");
	next_of("<u>; type=\"text/html\"; rel=next; title=x", "u");
	/* A quoted parameter may hold commas, semicolons and "rel=next". */
	next_of("<a>; title=\"x, y; rel=next\"; rel=\"prev\", <b>; rel=\"next\"", "b");
	next_of("<a>; title=\"say \\\"rel=next\\\"\"; rel=prev", NULL);
	/* A comma inside the URL is part of it. */
	next_of("<https://x/c?ids=1,2>; rel=\"next\"", "https://x/c?ids=1,2");
	/* "nextpage" and "next-page" are other relations. */
	next_of("<u>; rel=\"nextpage\", <v>; rel=next-page", NULL);
}

static void test_publish_link_next_missing_or_broken(void **state)
{
	(void)state;
	next_of("", NULL);
	next_of("<https://x/c?page=1>; rel=\"first\", <https://x/c?page=1>; rel=\"prev\"", NULL);
	next_of("<u>", NULL);
	next_of("<u; rel=next", NULL);
	next_of("<>; rel=next", NULL);
	/* Junk before a good link-value is skipped. */
	next_of("garbage; rel=next, <u>; rel=next", "u");
}

/* ---- markers ---- */

/* A table row: two strings and whether the pair should match. */
typedef struct pair_case {
	const char *a, *b;
	int want;
} pair_case;
#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* Asserts fn(a, b) == want for each row. */
static void check_pairs(const pair_case *cases, size_t n, int (*fn)(const char *, const char *))
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(fn(cases[i].a, cases[i].b), cases[i].want);
}

static void test_publish_marker_only_exact_line_matches(void **state)
{
	static const pair_case cases[] = {
		{ "<!-- fixproof:ci -->\n## Proof", "ci", 1 },
		{ "intro\r\n<!-- fixproof:ci -->\r\nrest", "ci", 1 },
		{ "text\n<!-- fixproof:ci -->", "ci", 1 },
		{ "<!-- fixproof:ci.v2_x-y -->\n", "ci.v2_x-y", 1 },
		/* Not a substring of another key, in either direction. */
		{ "<!-- fixproof:ci-2 -->\nbody", "ci", 0 },
		{ "<!-- fixproof:ci -->\nbody", "ci-2", 0 },
		{ "<!-- fixproof:CI -->\nbody", "ci", 0 },
		/* Quoted or inline markers are not ours. */
		{ "> <!-- fixproof:ci -->\nquoted", "ci", 0 },
		{ "see <!-- fixproof:ci --> here", "ci", 0 },
		{ "`<!-- fixproof:ci -->`", "ci", 0 },
		{ " <!-- fixproof:ci -->", "ci", 0 },
		{ "", "ci", 0 },
	};

	(void)state;
	check_pairs(cases, NCASES(cases), fp_github_has_marker);
}

static void test_publish_marker_line_and_valid_keys(void **state)
{
	fp_buf b = FP_BUF_INIT;
	char long_key[70];

	(void)state;
	fp_github_marker_line(&b, "ci");
	assert_string_equal(b.ptr, "<!-- fixproof:ci -->");
	fp_buf_free(&b);
	assert_true(fp_github_marker_valid("ci"));
	assert_true(fp_github_marker_valid("a.b_c-D9"));
	memset(long_key, 'k', 64);
	long_key[64] = '\0';
	assert_true(fp_github_marker_valid(long_key));
	long_key[64] = 'k';
	long_key[65] = '\0';
	assert_false(fp_github_marker_valid(long_key));
	assert_false(fp_github_marker_valid(""));
	assert_false(fp_github_marker_valid(NULL));
	assert_false(fp_github_marker_valid("a b"));
	assert_false(fp_github_marker_valid("ci -->"));
	assert_false(fp_github_marker_valid("a/b"));
	assert_false(fp_github_marker_valid("caf\xc3\xa9"));
}

static void test_publish_repo_names_owner_slash_name(void **state)
{
	(void)state;
	assert_true(fp_github_repo_valid("octo/proof"));
	assert_true(fp_github_repo_valid("my-org/repo.name_2"));
	assert_false(fp_github_repo_valid("octo"));
	assert_false(fp_github_repo_valid("/proof"));
	assert_false(fp_github_repo_valid("octo/"));
	assert_false(fp_github_repo_valid("octo/proof/issues"));
	assert_false(fp_github_repo_valid("octo/.."));
	assert_false(fp_github_repo_valid("oc.to/proof"));
	assert_false(fp_github_repo_valid("octo/pro?of"));
	assert_false(fp_github_repo_valid("octo/pro of"));
}

/* ---- rate limits ---- */

#define NOW 1700000000LL

static const char secondary_body[] =
	"{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you "
	"try again.\",\"documentation_url\":\"https://docs.github.com/rest/overview/"
	"rate-limits-for-the-rest-api#about-secondary-rate-limits\"}";
static const char primary_body[] =
	"{\"message\":\"API rate limit exceeded for user ID 1.\",\"documentation_url\":"
	"\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}";
static const char permission_body[] =
	"{\"message\":\"Resource not accessible by integration\",\"documentation_url\":"
	"\"https://docs.github.com/rest/issues/comments#create-an-issue-comment\"}";

/* Runs the decision on a reply made of these parts. */
static fp_rate_action decide(double *wait, long status, const char *body, long long retry_after,
			     long long remaining, long long reset, double max_wait)
{
	fp_github_reply r = FP_GITHUB_REPLY_INIT;
	fp_rate_action a;

	r.status = status;
	fp_buf_puts(&r.body, body);
	r.retry_after = retry_after;
	r.rl_remaining = remaining;
	r.rl_reset = reset;
	*wait = -1;
	a = fp_github_rate_decide(wait, &r, NOW, max_wait);
	fp_github_reply_free(&r);
	return a;
}

static void test_publish_rate_other_replies_are_no_limit(void **state)
{
	double w;

	(void)state;
	assert_int_equal(decide(&w, 200, "[]", -1, 4999, NOW + 3600, 60), FP_RATE_NONE);
	/* A 200 with nothing left is still a success. */
	assert_int_equal(decide(&w, 200, "[]", -1, 0, NOW + 3600, 60), FP_RATE_NONE);
	assert_int_equal(decide(&w, 403, permission_body, -1, 4999, NOW + 3600, 60), FP_RATE_NONE);
	assert_int_equal(decide(&w, 404, "{\"message\":\"Not Found\"}", -1, 0, NOW + 9, 60), FP_RATE_NONE);
	assert_int_equal(decide(&w, 502, "", 5, 0, NOW + 9, 60), FP_RATE_NONE);
	/* The docs URL naming secondary limits is not the message. */
	assert_int_equal(decide(&w, 403, "{\"message\":\"Forbidden\",\"documentation_url\":"
				"\"https://docs.github.com/rest#secondary rate limit\"}", -1, 10, NOW + 60, 60),
			 FP_RATE_NONE);
	/* A 429 without any hint is left to the backoff. */
	assert_int_equal(decide(&w, 429, "", -1, -1, -1, 60), FP_RATE_NONE);
	assert_true(w < 0);
}

static void test_publish_rate_secondary_limit_waits(void **state)
{
	double w;

	(void)state;
	assert_int_equal(decide(&w, 403, secondary_body, 1, 4000, NOW + 3600, 60), FP_RATE_WAIT);
	assert_true(w == 1.0);
	assert_int_equal(decide(&w, 429, secondary_body, 7, -1, -1, 60), FP_RATE_WAIT);
	assert_true(w == 7.0);
	/* No Retry-After: until the reset when nothing remains... */
	assert_int_equal(decide(&w, 403, secondary_body, -1, 0, NOW + 30, 60), FP_RATE_WAIT);
	assert_true(w == 30.0);
	/* ...else at least a minute. */
	assert_int_equal(decide(&w, 403, secondary_body, -1, 12, NOW + 30, 60), FP_RATE_WAIT);
	assert_true(w == 60.0);
	assert_int_equal(decide(&w, 403, secondary_body, -1, -1, -1, 10), FP_RATE_GIVE_UP);
	assert_true(w == 60.0);
	/* Retry-After: 0 still waits a second. */
	assert_int_equal(decide(&w, 403, secondary_body, 0, 4000, NOW + 3600, 60), FP_RATE_WAIT);
	assert_true(w == 1.0);
	assert_int_equal(decide(&w, 403, "{\"message\":\"Secondary Rate Limit hit\"}", 2, -1, -1, 60),
			 FP_RATE_WAIT);
	assert_true(w == 2.0);
}

static void test_publish_rate_primary_limit_waits_for_reset(void **state)
{
	double w;

	(void)state;
	assert_int_equal(decide(&w, 403, primary_body, -1, 0, NOW + 2, 60), FP_RATE_WAIT);
	assert_true(w == 2.0);
	assert_int_equal(decide(&w, 429, primary_body, -1, 0, NOW + 45, 60), FP_RATE_WAIT);
	assert_true(w == 45.0);
	assert_int_equal(decide(&w, 403, primary_body, -1, 0, NOW + 3600, 60), FP_RATE_GIVE_UP);
	assert_true(w == 3600.0);
	/* A reset already past (clock skew) waits one second, not a negative time. */
	assert_int_equal(decide(&w, 403, primary_body, -1, 0, NOW - 5, 60), FP_RATE_WAIT);
	assert_true(w == 1.0);
	/* max_wait 0 never waits. */
	assert_int_equal(decide(&w, 403, primary_body, -1, 0, NOW + 2, 0), FP_RATE_GIVE_UP);
	/* Remaining 0 without a reset time: a minute. */
	assert_int_equal(decide(&w, 403, primary_body, -1, 0, -1, 60), FP_RATE_WAIT);
	assert_true(w == 60.0);
	/* A 429 with Retry-After only. */
	assert_int_equal(decide(&w, 429, "", 5, -1, -1, 60), FP_RATE_WAIT);
	assert_true(w == 5.0);
}

/* ---- URLs ---- */

static void join(const char *base, const char *path, const char *query, const char *want)
{
	fp_buf b = FP_BUF_INIT;

	expect_output(fp_github_url_join(&b, base, path, query) == 0, &b, want);
}

static void test_publish_url_join_one_slash_and_query(void **state)
{
	(void)state;
	join("https://api.github.com", "/user", NULL, "https://api.github.com/user");
	join("https://api.github.com/", "/user", NULL, "https://api.github.com/user");
	join("https://ghe.example.com/api/v3", "/repos/o/r", NULL, "https://ghe.example.com/api/v3/repos/o/r");
	join("https://ghe.example.com/api/v3//", "repos/o/r", NULL, "https://ghe.example.com/api/v3/repos/o/r");
	/* The query is set, replacing any the base had; no path adds nothing. */
	join("http://127.0.0.1:5000/repos/o/r/issues/5/comments", NULL, "per_page=100&since=2024-01-02T03:04:05Z",
	     "http://127.0.0.1:5000/repos/o/r/issues/5/comments?per_page=100&since=2024-01-02T03:04:05Z");
	join("https://x/a?old=1", "b", "new=2", "https://x/a/b?new=2");
	join("https://x/a?old=1", "b", NULL, "https://x/a/b");
	join("/relative", "b", NULL, NULL);
	assert_non_null(strstr(fp_error_message(), "'/relative' is not a URL"));
}

static void resolve(const char *base, const char *ref, const char *want)
{
	fp_buf b = FP_BUF_INIT;

	expect_output(fp_github_url_resolve(&b, base, ref) == 0, &b, want);
}

/* A Link target read against the page it came with (RFC 3986 section 5). */
static void test_publish_url_resolve_relative_links(void **state)
{
	static const char page[] = "https://ghe.example.com/api/v3/repos/o/r/issues/5/comments?per_page=100";

	(void)state;
	resolve(page, "/api/v3/repositories/1/issues/5/comments?page=2",
		"https://ghe.example.com/api/v3/repositories/1/issues/5/comments?page=2");
	resolve(page, "?per_page=100&page=2",
		"https://ghe.example.com/api/v3/repos/o/r/issues/5/comments?per_page=100&page=2");
	resolve(page, "comments?page=3", "https://ghe.example.com/api/v3/repos/o/r/issues/5/comments?page=3");
	resolve(page, "../6/comments", "https://ghe.example.com/api/v3/repos/o/r/issues/6/comments");
	resolve("http://127.0.0.1:5000/a/b", "/c", "http://127.0.0.1:5000/c");
	/* Absolute and scheme-relative targets stand for themselves; the
	 * same-origin check is the caller's. */
	resolve(page, "https://evil.example/x", "https://evil.example/x");
	resolve(page, "//evil.example/x", "https://evil.example/x");
	resolve("relative/base", "/x", NULL);
	assert_non_null(strstr(fp_error_message(), "'relative/base' is not a URL"));
}

/* Asserts that `url` is accepted with normal form `want`, or refused (NULL). */
static void base_of(const char *url, const char *want)
{
	fp_buf b = FP_BUF_INIT;
	int err = fp_github_api_base(&b, url);

	assert_true(err == 0 || err == FP_EUSAGE);
	if (err)
		assert_non_null(strstr(fp_error_message(), "API URL"));
	expect_output(err == 0, &b, want);
}

static void test_publish_api_base_https_or_loopback_http(void **state)
{
	(void)state;
	base_of("https://api.github.com", "https://api.github.com");
	base_of("https://api.github.com/", "https://api.github.com");
	base_of("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3");
	base_of("http://127.0.0.1:8080", "http://127.0.0.1:8080");
	base_of("http://127.1.2.3/api/v3", "http://127.1.2.3/api/v3");
	base_of("http://localhost:9", "http://localhost:9");
	base_of("http://[::1]:9/api/v3", "http://[::1]:9/api/v3");
	/* Plain http elsewhere would send the token in clear. */
	base_of("http://api.github.com", NULL);
	base_of("http://10.0.0.1", NULL);
	base_of("http://127.0.0.1.evil.example", NULL);
	base_of("http://1270.0.0.1", NULL);
	/* The loopback check is on the host libcurl's parser returns, which is
	 * where the request goes: these numbers are 127.0.0.0 and 127.0.0.1. */
	base_of("http://127.0.0", "http://127.0.0.0");
	base_of("http://2130706433:9", "http://127.0.0.1:9");
	base_of("http://[0:0:0:0:0:0:0:1]:9/", "http://[::1]:9");
	base_of("http://LOCALHOST:9", "http://LOCALHOST:9");
	base_of("HTTPS://api.github.com/api/v3/", "https://api.github.com/api/v3");
	base_of("http://[::ffff:127.0.0.1]/", NULL);
	base_of("http://localhost./", NULL);
	base_of("https://api.github.com:99999/", NULL);
	base_of("http://[::1].evil.example/", NULL);
	base_of("http://localhost.evil.example", NULL);
	/* A user part could hide the real host. */
	base_of("http://127.0.0.1@evil.example", NULL);
	base_of("https://user:pw@api.github.com", NULL);
	base_of("ftp://api.github.com", NULL);
	base_of("api.github.com", NULL);
	base_of("https://", NULL);
	base_of("https://api.github.com/?x=1", NULL);
	base_of("https://api.github.com/ x", NULL);
}

static void test_publish_same_origin_scheme_host_port(void **state)
{
	static const pair_case cases[] = {
		{ "https://api.github.com", "https://api.github.com/repositories/1000/issues/5/comments?page=2", 1 },
		{ "https://ghe.example.com/api/v3", "https://GHE.example.com/api/v3/repositories/1/issues/5/comments", 1 },
		{ "http://127.0.0.1:5000", "http://127.0.0.1:5000/x", 1 },
		{ "https://api.github.com", "https://api.github.com.evil.example/x", 0 },
		{ "https://api.github.com", "http://api.github.com/x", 0 },
		{ "https://api.github.com", "https://api.github.com:8443/x", 0 },
		{ "http://127.0.0.1:5000", "http://127.0.0.1:50001/x", 0 },
		{ "https://api.github.com", "/relative/path", 0 },
		/* A port left out is the scheme's default one. */
		{ "https://api.github.com", "https://api.github.com:443/x", 1 },
		{ "http://127.0.0.1:80/api", "http://127.0.0.1/x", 1 },
		{ "https://api.github.com", "https://api.github.com@evil.example/x", 0 },
	};

	(void)state;
	check_pairs(cases, NCASES(cases), fp_github_same_origin);
}

static void test_publish_loopback_hosts(void **state)
{
	static const pair_case cases[] = {
		{ "http://127.0.0.1:5000", NULL, 1 },
		{ "http://127.200.1.9/", NULL, 1 },
		{ "http://localhost/", NULL, 1 },
		{ "http://[::1]:9/", NULL, 1 },
		{ "http://0x7f.1/", NULL, 1 },
		{ "http://128.0.0.1/", NULL, 0 },
		{ "http://[::2]/", NULL, 0 },
		{ "http://localhost.evil.example/", NULL, 0 },
		{ "http://127.0.0.1.evil.example/", NULL, 0 },
		{ "not a url", NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NCASES(cases); i++)
		assert_int_equal(fp_github_is_loopback(cases[i].a), cases[i].want);
}

/* ---- options ---- */

static void test_publish_issue_number_digits_in_range(void **state)
{
	static const char *const bad[] = {
		"", "0", "-1", "+5", " 5", "5 ", "5.0", "1e3", "0x10", "4294967296", "99999999999", NULL
	};
	unsigned long n = 0;
	size_t i;

	(void)state;
	assert_int_equal(fp_github_issue_parse(&n, "5"), 0);
	assert_int_equal(n, 5);
	assert_int_equal(fp_github_issue_parse(&n, "007"), 0);
	assert_int_equal(n, 7);
	assert_int_equal(fp_github_issue_parse(&n, "4294967295"), 0);
	assert_true(n == 4294967295UL);
	for (i = 0; bad[i]; i++) {
		n = 42;
		assert_int_equal(fp_github_issue_parse(&n, bad[i]), FP_EUSAGE);
		assert_int_equal(n, 42);
	}
	assert_int_equal(fp_github_issue_parse(&n, NULL), FP_EUSAGE);
	assert_non_null(strstr(fp_error_message(), "is not an issue or pull request number"));
}

/* Options that fp_github_check accepts; each test breaks one of them. */
static fp_github_opts good_opts(void)
{
	fp_github_opts o;

	memset(&o, 0, sizeof(o));
	o.repo = "octo/proof";
	o.issue = 5;
	o.token = "ghp_0123456789abcdefXYZ";
	o.marker = "ci";
	return o;
}

/* Asserts that `o` is refused with a message containing `what`. */
static void refused(const fp_github_opts *o, const char *what)
{
	fp_error_clear();
	assert_int_equal(fp_github_check(o), FP_EUSAGE);
	assert_non_null(strstr(fp_error_message(), what));
}

static void test_publish_check_refuses_bad_options(void **state)
{
	fp_github_opts o = good_opts();
	char long_token[4200];

	(void)state;
	assert_int_equal(fp_github_check(&o), 0);
	o.api_url = "https://ghe.example.com/api/v3";
	assert_int_equal(fp_github_check(&o), 0);
	o.api_url = "http://api.github.com";
	refused(&o, "uses plain http");
	o = good_opts();
	o.marker = "ci -->";
	refused(&o, "marker 'ci -->' is not valid");
	o = good_opts();
	o.marker = NULL;
	assert_int_equal(fp_github_check(&o), 0);
	o.repo = "octo";
	refused(&o, "repository 'octo' is not OWNER/NAME");
	o.repo = NULL;
	refused(&o, "repository '' is not OWNER/NAME");
	o = good_opts();
	o.issue = 0;
	refused(&o, "no issue or pull request number");
	o = good_opts();
	o.token = NULL;
	refused(&o, "GITHUB_TOKEN or GH_TOKEN");
	o.dry_run = 1;
	assert_int_equal(fp_github_check(&o), 0);
	o.token = "ghp_abc\r\nX-Injected: 1";
	refused(&o, "the GitHub token has characters");
	memset(long_token, 'a', sizeof(long_token) - 1);
	long_token[sizeof(long_token) - 1] = '\0';
	o.token = long_token;
	refused(&o, "or a length no token has");
}

/* ---- the Actions event ---- */

/* Writes `text` to a new temporary file; its path goes to `path`. */
static void temp_file(char path[64], const char *text, size_t len)
{
	int fd;

	snprintf(path, 64, "%s", "/tmp/fixproof-event-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* The number found for an event file holding `event` (NULL: no file) and `ref`; -1 on error. */
static long event_number(const char *event, const char *ref, int *code)
{
	char path[64];
	unsigned long n = 0;
	int err;

	if (event)
		temp_file(path, event, strlen(event));
	err = fp_github_issue_from_event(&n, event ? path : NULL, ref);
	if (event)
		unlink(path);
	*code = err;
	return err == 0 ? (long)n : -1;
}

static void test_publish_event_gives_pull_request_or_issue_number(void **state)
{
	int code;

	(void)state;
	assert_int_equal(event_number("{\"pull_request\":{\"number\":7},\"number\":7}", NULL, &code), 7);
	assert_int_equal(event_number("{\"issue\":{\"number\":5},\"comment\":{\"id\":1}}", "refs/heads/main", &code), 5);
	/* A pull request's comment event has both: the pull request wins. */
	assert_int_equal(event_number("{\"issue\":{\"number\":5},\"pull_request\":{\"number\":9}}", NULL, &code), 9);
	/* Neither in the event: the ref still tells. */
	assert_int_equal(event_number("{\"ref\":\"x\"}", "refs/pull/7/merge", &code), 7);
	assert_int_equal(event_number(NULL, "refs/pull/12/head", &code), 12);
	/* Numbers that are no issue number are passed over. */
	assert_int_equal(event_number("{\"pull_request\":{\"number\":0},\"issue\":{\"number\":2.5}}",
				      "refs/pull/3/merge", &code), 3);
	assert_int_equal(event_number("{\"pull_request\":{\"number\":\"7\"}}", "refs/pull/3/merge", &code), 3);
	assert_int_equal(event_number("{\"pull_request\":{\"number\":1e12}}", "refs/pull/3/merge", &code), 3);
	/* Empty values are unset ones. */
	assert_int_equal(event_number(NULL, "", &code), -1);
	assert_int_equal(code, FP_EUSAGE);
	assert_non_null(strstr(fp_error_message(), "GITHUB_EVENT_PATH (unset)"));
	assert_int_equal(event_number("[]", "refs/heads/main", &code), -1);
	assert_int_equal(code, FP_EUSAGE);
	assert_non_null(strstr(fp_error_message(), "give --issue N"));
	assert_non_null(strstr(fp_error_message(), "GITHUB_REF 'refs/heads/main'"));
	assert_int_equal(event_number(NULL, "refs/pull/7/files", &code), -1);
	assert_int_equal(event_number(NULL, "refs/pull//merge", &code), -1);
	assert_int_equal(event_number(NULL, "refs/pull/x7/merge", &code), -1);
}

static void test_publish_event_file_errors_name_the_variable(void **state)
{
	char path[64], want[160];
	unsigned long n = 0;
	int fd;

	(void)state;
	/* A missing file is an error, even when GITHUB_REF would tell. */
	assert_int_equal(fp_github_issue_from_event(&n, "/nonexistent/event.json", "refs/pull/7/merge"), FP_EINPUT);
	assert_string_equal(fp_error_message(), "cannot read the event file GITHUB_EVENT_PATH "
			    "'/nonexistent/event.json': No such file or directory");
	assert_int_equal(fp_github_issue_from_event(&n, "/tmp", NULL), FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "GITHUB_EVENT_PATH '/tmp'"));
	temp_file(path, "{\"pull_request\":", 16);
	assert_int_equal(fp_github_issue_from_event(&n, path, "refs/pull/7/merge"), FP_EINPUT);
	snprintf(want, sizeof(want), "the event file GITHUB_EVENT_PATH '%s' is not JSON", path);
	assert_string_equal(fp_error_message(), want);
	/* One byte over the cap (a sparse file: nothing is written). */
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FP_GITHUB_MAX_EVENT + 1), 0);
	close(fd);
	assert_int_equal(fp_github_issue_from_event(&n, path, NULL), FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "is over 16777216 bytes"));
	unlink(path);
	assert_int_equal(n, 0);
}

/* ---- backoff and time ---- */

static void test_publish_backoff_doubles_up_to_the_cap(void **state)
{
	(void)state;
	/* Jitter 0.5 is the middle: the bare doubling. */
	assert_true(fp_github_backoff_delay(1000, 1, 0.5) == 1.0);
	assert_true(fp_github_backoff_delay(1000, 2, 0.5) == 2.0);
	assert_true(fp_github_backoff_delay(1000, 3, 0.5) == 4.0);
	assert_true(fp_github_backoff_delay(10, 1, 0.0) == 0.005);
	assert_true(fp_github_backoff_delay(1000, 6, 0.5) == FP_GITHUB_BACKOFF_CAP);
	/* Past 32 attempts a shift would be undefined; the delay stays capped. */
	assert_true(fp_github_backoff_delay(1000, 33, 0.5) == FP_GITHUB_BACKOFF_CAP);
	assert_true(fp_github_backoff_delay(1, 100, 0.999) == FP_GITHUB_BACKOFF_CAP);
	assert_true(fp_github_backoff_delay(60000, UINT_MAX, 0.0) == FP_GITHUB_BACKOFF_CAP);
	assert_true(fp_github_backoff_delay(1, UINT_MAX, 0.0) >= FP_GITHUB_BACKOFF_CAP / 2);
}

static void test_publish_time_parse_and_format_round_trip(void **state)
{
	static const char *const bad[] = {
		"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
		"2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+00:00",
		"2024-1-01T00:00:00Z", "", "-024-01-01T00:00:00Z", NULL
	};
	fp_buf b = FP_BUF_INIT;
	size_t i;

	(void)state;
	assert_true(fp_github_time_parse("1970-01-01T00:00:00Z") == 0);
	assert_true(fp_github_time_parse("2023-11-14T22:13:20Z") == 1700000000LL);
	assert_true(fp_github_time_parse("2024-02-29T12:34:56Z") == 1709210096LL);
	for (i = 0; bad[i]; i++)
		assert_true(fp_github_time_parse(bad[i]) == -1);
	assert_true(fp_github_time_parse(NULL) == -1);
	fp_github_time_format(&b, 1709210096LL);
	assert_string_equal(b.ptr, "2024-02-29T12:34:56Z");
	fp_buf_free(&b);
}

/* ---- GitHub's error texts ---- */

static void text_of(const char *body, const char *want)
{
	fp_buf b = FP_BUF_INIT;

	expect_output(fp_github_error_text(&b, body, strlen(body)), &b, want);
}

static void test_publish_error_text_quotes_github_message(void **state)
{
	(void)state;
	/* The two real forms of "body too long". */
	text_of("{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"IssueComment\","
		"\"code\":\"unprocessable\",\"field\":\"data\",\"message\":\"Body is too long "
		"(maximum is 65536 characters)\"}],\"documentation_url\":\"https://docs.github.com/rest\"}",
		"Validation Failed; Body is too long (maximum is 65536 characters)");
	text_of("{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"IssueComment\","
		"\"code\":\"custom\",\"field\":\"body\",\"message\":\"body is too long (maximum is "
		"65536 characters)\"}]}",
		"Validation Failed; body is too long (maximum is 65536 characters)");
	text_of("{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\","
		"\"code\":\"missing_field\",\"field\":\"body\"}, \"plain text\"]}",
		"Validation Failed; body missing_field; plain text");
	text_of("{\"message\":\"Invalid request.\\n\\n\\\"body\\\" wasn't supplied.\"}",
		"Invalid request.  \"body\" wasn't supplied.");
	text_of("Request forbidden by administrative rules. Please make sure your request has a "
		"User-Agent header\nmore",
		"Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
	text_of("<html><body>502 Bad Gateway</body></html>", NULL);
	text_of("", NULL);
	text_of("{\"documentation_url\":\"https://docs.github.com/rest\"}", NULL);
}

static void test_publish_error_text_is_capped(void **state)
{
	fp_buf body = FP_BUF_INIT, out = FP_BUF_INIT;
	int i;

	(void)state;
	fp_buf_puts(&body, "{\"message\":\"");
	for (i = 0; i < 2000; i++)
		fp_buf_puts(&body, "\xc3\xa9");
	fp_buf_puts(&body, "\"}");
	assert_int_equal(fp_github_error_text(&out, body.ptr, body.len), 1);
	assert_true(out.len <= 303);
	assert_string_equal(out.ptr + out.len - 3, "...");
	/* Cut between characters, never inside one. */
	assert_memory_equal(out.ptr + out.len - 5, "\xc3\xa9", 2);
	fp_buf_free(&body);
	fp_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_link_next_github_form),
		cmocka_unit_test(test_publish_link_next_odd_spacing),
		cmocka_unit_test(test_publish_link_next_several_rels_and_params),
		cmocka_unit_test(test_publish_link_next_missing_or_broken),
		cmocka_unit_test(test_publish_marker_only_exact_line_matches),
		cmocka_unit_test(test_publish_marker_line_and_valid_keys),
		cmocka_unit_test(test_publish_repo_names_owner_slash_name),
		cmocka_unit_test(test_publish_rate_other_replies_are_no_limit),
		cmocka_unit_test(test_publish_rate_secondary_limit_waits),
		cmocka_unit_test(test_publish_rate_primary_limit_waits_for_reset),
		cmocka_unit_test(test_publish_url_join_one_slash_and_query),
		cmocka_unit_test(test_publish_api_base_https_or_loopback_http),
		cmocka_unit_test(test_publish_url_resolve_relative_links),
		cmocka_unit_test(test_publish_same_origin_scheme_host_port),
		cmocka_unit_test(test_publish_loopback_hosts),
		cmocka_unit_test(test_publish_issue_number_digits_in_range),
		cmocka_unit_test(test_publish_check_refuses_bad_options),
		cmocka_unit_test(test_publish_event_gives_pull_request_or_issue_number),
		cmocka_unit_test(test_publish_event_file_errors_name_the_variable),
		cmocka_unit_test(test_publish_backoff_doubles_up_to_the_cap),
		cmocka_unit_test(test_publish_time_parse_and_format_round_trip),
		cmocka_unit_test(test_publish_error_text_quotes_github_message),
		cmocka_unit_test(test_publish_error_text_is_capped),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	fp_error_shutdown();
	return failed;
}
