/*
 * publish_url.c - URLs for the GitHub client, read and built with libcurl's
 * URL API (no URL is parsed by hand): the API base check, joining a path,
 * resolving a relative reference, same-origin and loopback tests; see
 * publish.h.
 *
 * The client (publish_github.c) and the option check (publish_policy.c)
 * both call these, and this module calls neither, so the three stay free of
 * a dependency cycle.
 */
#include "fixproof/publish.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fixproof/error.h"

/* Parses `url` into a new handle in *out (NULL when it is no URL). */
static CURLUcode url_read(CURLU **out, const char *url)
{
	CURLU *u = curl_url();
	CURLUcode rc;

	*out = NULL;
	if (!u)
		fp_die("out of memory parsing a URL");
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc == CURLUE_OUT_OF_MEMORY)
		fp_die("out of memory parsing a URL");
	if (rc != CURLUE_OK)
		curl_url_cleanup(u);
	else
		*out = u;
	return rc;
}

/* url_read(), with FP_EUSAGE and a message about `what` when it fails. */
static int url_parse(CURLU **out, const char *url, const char *what)
{
	CURLUcode rc = url_read(out, url);

	if (rc != CURLUE_OK)
		return fp_error_set(FP_EUSAGE, "%s '%s' is not a URL: %s", what, url, curl_url_strerror(rc));
	return 0;
}

/* Part `what` of `u` as a string for curl_free(), or NULL when it has none. */
static char *url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *s = NULL;
	CURLUcode rc = curl_url_get(u, what, &s, flags);

	if (rc == CURLUE_OUT_OF_MEMORY)
		fp_die("out of memory reading a URL");
	return rc == CURLUE_OK ? s : NULL;
}

/* True when `host`, as the URL parser returns it, is a loopback address. */
static int host_is_loopback(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char inner[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	/* The parser keeps an IPv6 address in its brackets. */
	if (n < 3 || n - 2 >= sizeof(inner) || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, addr) == 1 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)addr);
}

int fp_github_is_loopback(const char *url)
{
	CURLU *u = NULL;
	char *host;
	int yes;

	if (url_read(&u, url) != CURLUE_OK)
		return 0;
	host = url_part(u, CURLUPART_HOST, 0);
	yes = host && host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

/* What fp_github_api_base refuses in a parsed URL, or NULL. */
static const char *api_url_problem(CURLU *u)
{
	static const struct {
		CURLUPart part;
		const char *problem;
	} refused[] = {
		{ CURLUPART_USER, "must not contain a user name" },
		{ CURLUPART_QUERY, "must not contain a query or fragment" },
		{ CURLUPART_FRAGMENT, "must not contain a query or fragment" },
	};
	char *scheme = url_part(u, CURLUPART_SCHEME, 0), *host = url_part(u, CURLUPART_HOST, 0), *s;
	const char *problem = NULL;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]) && !problem; i++)
		if ((s = url_part(u, refused[i].part, 0)) != NULL) {
			problem = refused[i].problem;
			curl_free(s);
		}
	if (!problem && (!scheme || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)))
		problem = "is not an http(s) URL";
	else if (!problem && !host)
		problem = "has no host";
	else if (!problem && strcmp(scheme, "http") == 0 && !host_is_loopback(host))
		problem = "uses plain http: the token would travel unencrypted; use https "
			  "(http is allowed only to 127.0.0.1, ::1 or localhost)";
	curl_free(host);
	curl_free(scheme);
	return problem;
}

/* Appends the path of `u` without its trailing '/'s, then '/' and `rest`. */
static void url_add_path(fp_buf *out, CURLU *u, const char *rest)
{
	char *path = url_part(u, CURLUPART_PATH, 0);
	size_t n = path ? strlen(path) : 0;

	while (n > 0 && path[n - 1] == '/')
		n--;
	fp_buf_add(out, path ? path : "", n);
	if (rest) {
		fp_buf_putc(out, '/');
		while (*rest == '/')
			rest++;
		fp_buf_puts(out, rest);
	}
	curl_free(path);
}

/* Sets part `what` of `u`; only memory can fail for the parts set here. */
static void url_set(CURLU *u, CURLUPart what, const char *value)
{
	CURLUcode rc = curl_url_set(u, what, value, 0);

	if (rc != CURLUE_OK)
		fp_die("cannot build a URL: %s", curl_url_strerror(rc));
}

/* Appends the whole URL of `u`, without the trailing '/'s of an empty path. */
static void url_add(fp_buf *out, CURLU *u, int trim)
{
	char *full = url_part(u, CURLUPART_URL, 0);
	size_t n = full ? strlen(full) : 0;

	while (trim && n > 0 && full[n - 1] == '/')
		n--;
	fp_buf_add(out, full ? full : "", n);
	curl_free(full);
}

int fp_github_api_base(fp_buf *out, const char *api_url)
{
	CURLU *u = NULL;
	fp_buf path = FP_BUF_INIT;
	const char *problem;
	size_t i;
	int err;

	for (i = 0; api_url[i]; i++)
		if ((unsigned char)api_url[i] <= 0x20 || api_url[i] == 0x7f)
			return fp_error_set(FP_EUSAGE, "API URL '%s' contains a space or control character", api_url);
	if ((err = url_parse(&u, api_url, "API URL")) < 0)
		return err;
	if ((problem = api_url_problem(u)) != NULL) {
		err = fp_error_set(FP_EUSAGE, "API URL '%s' %s", api_url, problem);
		goto out;
	}
	url_add_path(&path, u, NULL);
	url_set(u, CURLUPART_PATH, path.len ? path.ptr : "/");
	url_add(out, u, 1);
out:
	fp_buf_free(&path);
	curl_url_cleanup(u);
	return err;
}

int fp_github_url_join(fp_buf *out, const char *base, const char *path, const char *query)
{
	CURLU *u = NULL;
	fp_buf full = FP_BUF_INIT;
	int err;

	if ((err = url_parse(&u, base, "URL")) < 0)
		return err;
	url_add_path(&full, u, path);
	url_set(u, CURLUPART_PATH, full.ptr);
	url_set(u, CURLUPART_QUERY, query);
	url_add(out, u, 0);
	fp_buf_free(&full);
	curl_url_cleanup(u);
	return 0;
}

int fp_github_url_resolve(fp_buf *out, const char *base, const char *ref)
{
	CURLU *u = NULL;
	CURLUcode rc;
	int err;

	if ((err = url_parse(&u, base, "URL")) < 0)
		return err;
	/* Set on a handle that holds a URL, a relative one is resolved
	 * against it (RFC 3986 section 5); an absolute one replaces it. */
	rc = curl_url_set(u, CURLUPART_URL, ref, 0);
	if (rc == CURLUE_OUT_OF_MEMORY)
		fp_die("out of memory parsing a URL");
	if (rc != CURLUE_OK)
		err = fp_error_set(FP_EAPI, "GET %s: the link '%s' is not a URL: %s", base, ref,
				   curl_url_strerror(rc));
	else
		url_add(out, u, 0);
	curl_url_cleanup(u);
	return err;
}

int fp_github_same_origin(const char *base, const char *url)
{
	static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
	CURLU *a = NULL, *b = NULL;
	int same = 1;
	size_t i;

	if (url_read(&a, base) != CURLUE_OK || url_read(&b, url) != CURLUE_OK) {
		curl_url_cleanup(a);
		return 0;
	}
	/* The parser gives the scheme in lower case; host names are caseless. */
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && same; i++) {
		char *x = url_part(a, parts[i], CURLU_DEFAULT_PORT);
		char *y = url_part(b, parts[i], CURLU_DEFAULT_PORT);

		same = x && y && strcasecmp(x, y) == 0;
		curl_free(x);
		curl_free(y);
	}
	curl_url_cleanup(a);
	curl_url_cleanup(b);
	return same;
}
