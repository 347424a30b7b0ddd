/*
 * publish_policy.c - the decisions of the GitHub client that need no
 * network: options, the Actions event, pagination links, markers, error
 * texts, backoff and rate limits; see publish.h. libcurl stays in
 * publish_github.c, and with it the URL functions.
 */
#include "fixproof/publish.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/json.h"
#include "fixproof/utf8.h"
#include "fixproof/util.h"

#define ERROR_TEXT_CAP 300 /* bytes of one GitHub explanation we quote */
#define ERROR_ITEMS_CAP 5  /* errors[] entries we quote */
#define MAX_TOKEN 4096     /* bytes; GitHub's tokens are far shorter */

void fp_github_reply_reset(fp_github_reply *r)
{
	r->status = 0;
	fp_buf_clear(&r->body);
	fp_buf_clear(&r->link);
	r->retry_after = r->rl_remaining = r->rl_reset = -1;
}

void fp_github_reply_free(fp_github_reply *r)
{
	if (!r)
		return;
	fp_buf_free(&r->body);
	fp_buf_free(&r->link);
	r->status = 0;
	r->retry_after = r->rl_remaining = r->rl_reset = -1;
}

/* ---- text helpers ---- */

/* Finds `needle` in `hay` ignoring ASCII case. */
static const char *find_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/*
 * Appends at most `cap` bytes of `s` to `out`, cut on a character boundary,
 * with invalid UTF-8 replaced and control characters turned into spaces, so
 * a quoted server text can neither break our one-line messages nor run on.
 */
static void append_clean(fp_buf *out, const char *s, size_t n, size_t cap)
{
	fp_buf tmp = FP_BUF_INIT;
	size_t i, cut = fp_utf8_cut(s, n, cap);

	fp_utf8_clean(&tmp, s, cut);
	for (i = 0; i < tmp.len; i++)
		if ((unsigned char)tmp.ptr[i] < 0x20 || tmp.ptr[i] == 0x7f)
			tmp.ptr[i] = ' ';
	fp_buf_add(out, tmp.ptr, tmp.len);
	if (cut < n)
		fp_buf_puts(out, "...");
	fp_buf_free(&tmp);
}

/* ---- Link header ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* True when the space-separated list value[0..n) holds "next". */
static int rel_has_next(const char *value, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start;

		while (i < n && (value[i] == ' ' || value[i] == '\t'))
			i++;
		start = i;
		while (i < n && value[i] != ' ' && value[i] != '\t')
			i++;
		if (i - start == 4 && strncasecmp(value + start, "next", 4) == 0)
			return 1;
	}
	return 0;
}

/*
 * Reads one ";name=value" parameter at `p` (after the ';'); sets *is_next
 * when it is a rel that holds "next". Returns where it ended: at ';', ',' or
 * the end of the header.
 */
static const char *link_param(const char *p, int *is_next)
{
	const char *name = skip_ws(p), *name_end;
	fp_buf value = FP_BUF_INIT;

	name_end = name;
	while (*name_end && !strchr("=;, \t", *name_end))
		name_end++;
	p = skip_ws(name_end);
	if (*p == '=') {
		p = skip_ws(p + 1);
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				fp_buf_putc(&value, *p);
			}
			if (*p == '"')
				p++;
		} else {
			const char *v = p;

			while (*p && !strchr(";, \t", *p))
				p++;
			fp_buf_add(&value, v, (size_t)(p - v));
		}
	}
	if (name_end - name == 3 && strncasecmp(name, "rel", 3) == 0 &&
	    rel_has_next(value.ptr, value.len))
		*is_next = 1;
	fp_buf_free(&value);
	/* Whatever junk follows the value belongs to no parameter: skip it. */
	while (*p && *p != ';' && *p != ',')
		p++;
	return p;
}

int fp_github_link_next(fp_buf *out, const char *link)
{
	const char *p = link;

	while (*p) {
		const char *url, *url_end;
		int is_next = 0;

		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '<') {
			/* Not a link-value: resynchronise at the next comma. */
			p += strcspn(p, ",");
			continue;
		}
		url = p + 1;
		url_end = strchr(url, '>');
		if (!url_end)
			return 0;
		p = url_end + 1;
		while (*p && *p != ',') {
			if (*p == ';')
				p = link_param(p + 1, &is_next);
			else
				p++;
		}
		if (is_next && url_end > url) {
			fp_buf_add(out, url, (size_t)(url_end - url));
			return 1;
		}
	}
	return 0;
}

/* ---- names and markers ---- */

static int all_of(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
			return 0;
	return 1;
}

int fp_github_marker_valid(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	return n >= 1 && n <= 64 && all_of(key, n, "._-");
}

int fp_github_repo_valid(const char *repo)
{
	const char *slash = strchr(repo, '/');
	size_t owner, name;

	if (!slash)
		return 0;
	owner = (size_t)(slash - repo);
	name = strlen(slash + 1);
	if (owner < 1 || owner > 39 || !all_of(repo, owner, "-"))
		return 0;
	if (name < 1 || name > 100 || !all_of(slash + 1, name, "._-"))
		return 0;
	return strcmp(slash + 1, ".") != 0 && strcmp(slash + 1, "..") != 0;
}

void fp_github_marker_line(fp_buf *out, const char *key)
{
	fp_buf_printf(out, "<!-- fixproof:%s -->", key);
}

int fp_github_has_marker(const char *body, const char *key)
{
	fp_buf line = FP_BUF_INIT;
	const char *p = body;
	int found = 0;

	fp_github_marker_line(&line, key);
	while (*p && !found) {
		size_t n = strcspn(p, "\n");
		size_t m = n;

		if (m > 0 && p[m - 1] == '\r')
			m--;
		found = m == line.len && memcmp(p, line.ptr, m) == 0;
		p += n;
		if (*p == '\n')
			p++;
	}
	fp_buf_free(&line);
	return found;
}

/* ---- options and the Actions environment ---- */

/* The number in s[0..n): decimal digits only, 1 to FP_GITHUB_MAX_ISSUE; else 0. */
static unsigned long issue_number(const char *s, size_t n)
{
	uint64_t v;

	return fp_uint_parse(&v, s, n, 1, FP_GITHUB_MAX_ISSUE, NULL) == 0 ? (unsigned long)v : 0;
}

int fp_github_issue_parse(unsigned long *out, const char *s)
{
	unsigned long n = s ? issue_number(s, strlen(s)) : 0;

	if (!n)
		return fp_error_set(FP_EUSAGE, "'%s' is not an issue or pull request number (1 to %lu)",
				    s ? s : "", FP_GITHUB_MAX_ISSUE);
	*out = n;
	return 0;
}

int fp_github_check(const fp_github_opts *o)
{
	fp_buf base = FP_BUF_INIT;
	size_t i;
	int err;

	if (o->marker && !fp_github_marker_valid(o->marker))
		return fp_error_set(FP_EUSAGE, "marker '%s' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -", o->marker);
	if (!o->repo || !fp_github_repo_valid(o->repo))
		return fp_error_set(FP_EUSAGE, "repository '%s' is not OWNER/NAME", o->repo ? o->repo : "");
	if (o->issue < 1 || o->issue > FP_GITHUB_MAX_ISSUE)
		return fp_error_set(FP_EUSAGE, "no issue or pull request number");
	if (!o->token && !o->dry_run)
		return fp_error_set(FP_EUSAGE, "no GitHub token: set GITHUB_TOKEN or GH_TOKEN (both are unset or empty)");
	/* The token goes into a header line: a space or newline would split it. */
	for (i = 0; o->token && o->token[i]; i++)
		if ((unsigned char)o->token[i] <= 0x20 || (unsigned char)o->token[i] >= 0x7f || i >= MAX_TOKEN)
			return fp_error_set(FP_EUSAGE, "the GitHub token has characters or a length no token has");
	err = fp_github_api_base(&base, o->api_url ? o->api_url : FP_GITHUB_DEFAULT_URL);
	fp_buf_free(&base);
	return err;
}

/* The N of "refs/pull/N/merge" or "refs/pull/N/head", or 0. */
static unsigned long number_from_ref(const char *ref)
{
	const char *p;
	size_t n;

	if (!ref || strncmp(ref, "refs/pull/", 10) != 0)
		return 0;
	p = ref + 10;
	n = strcspn(p, "/");
	if (strcmp(p + n, "/merge") != 0 && strcmp(p + n, "/head") != 0)
		return 0;
	return issue_number(p, n);
}

/* The whole number at event.`key`.number, or 0. */
static unsigned long number_from_event(const cJSON *event, const char *key)
{
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(event, key);
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(obj, "number");

	if (!cJSON_IsNumber(num) || num->valuedouble < 1 || num->valuedouble > (double)FP_GITHUB_MAX_ISSUE ||
	    num->valuedouble != (double)(unsigned long)num->valuedouble)
		return 0;
	return (unsigned long)num->valuedouble;
}

/* Reads the event file into `out`; every failure names the variable and the path. */
static int read_event(fp_buf *out, const char *path)
{
	int err = fp_file_read(out, path, FP_GITHUB_MAX_EVENT, 0);

	if (err == FP_ELIMIT)
		return fp_error_set(FP_EINPUT, "the event file GITHUB_EVENT_PATH '%s' is over %u bytes",
				    path, FP_GITHUB_MAX_EVENT);
	if (err < 0)
		return fp_error_set(FP_EINPUT, "cannot read the event file GITHUB_EVENT_PATH '%s': %s",
				    path, strerror(errno));
	return 0;
}

/* The number in the event file at `path`, or 0 when it holds none. */
static int number_from_event_file(unsigned long *out, const char *path)
{
	fp_buf text = FP_BUF_INIT;
	cJSON *event = NULL;
	int err;

	*out = 0;
	if ((err = read_event(&text, path)) < 0)
		goto out;
	if (!(event = cJSON_ParseWithLength(text.ptr, text.len))) {
		err = fp_error_set(FP_EINPUT, "the event file GITHUB_EVENT_PATH '%s' is not JSON", path);
		goto out;
	}
	*out = number_from_event(event, "pull_request");
	if (!*out)
		*out = number_from_event(event, "issue");
out:
	cJSON_Delete(event);
	fp_buf_free(&text);
	return err;
}

int fp_github_issue_from_event(unsigned long *out, const char *event_path, const char *ref)
{
	unsigned long n = 0;
	int err;

	if (event_path && !*event_path)
		event_path = NULL;
	if (ref && !*ref)
		ref = NULL;
	if (event_path && (err = number_from_event_file(&n, event_path)) < 0)
		return err;
	if (!n)
		n = number_from_ref(ref);
	if (!n)
		return fp_error_set(FP_EUSAGE, "no issue number: give --issue N (looked at GITHUB_EVENT_PATH%s%s%s "
				    "for .pull_request.number and .issue.number, and GITHUB_REF%s%s%s for refs/pull/N/merge)",
				    event_path ? " '" : " (unset)", event_path ? event_path : "", event_path ? "'" : "",
				    ref ? " '" : " (unset)", ref ? ref : "", ref ? "'" : "");
	*out = n;
	return 0;
}

/* ---- error texts ---- */

static void add_item(fp_buf *out, const char *s, int *any)
{
	if (!s || !*s)
		return;
	if (*any)
		fp_buf_puts(out, "; ");
	append_clean(out, s, strlen(s), ERROR_TEXT_CAP);
	*any = 1;
}

/* One errors[] entry: a string, or an object with message, else code/field. */
static void add_error_item(fp_buf *out, const cJSON *e, int *any)
{
	const cJSON *msg, *code, *field;
	fp_buf tmp = FP_BUF_INIT;

	if (cJSON_IsString(e)) {
		add_item(out, e->valuestring, any);
		return;
	}
	msg = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(msg)) {
		add_item(out, msg->valuestring, any);
		return;
	}
	code = cJSON_GetObjectItemCaseSensitive(e, "code");
	field = cJSON_GetObjectItemCaseSensitive(e, "field");
	if (cJSON_IsString(field))
		fp_buf_printf(&tmp, "%s ", field->valuestring);
	if (cJSON_IsString(code))
		fp_buf_puts(&tmp, code->valuestring);
	add_item(out, tmp.ptr, any);
	fp_buf_free(&tmp);
}

int fp_github_error_text(fp_buf *out, const char *body, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *msg, *errors, *e;
	int any = 0, count = 0;

	if (!cJSON_IsObject(root)) {
		const char *p = body, *end = body + len;
		size_t n;

		cJSON_Delete(root);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p == '<' || *p == '{' || *p == '[')
			return 0;
		n = (size_t)(end - p);
		if (memchr(p, '\n', n))
			n = (size_t)((const char *)memchr(p, '\n', n) - p);
		append_clean(out, p, n, ERROR_TEXT_CAP);
		return 1;
	}
	msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	if (cJSON_IsString(msg))
		add_item(out, msg->valuestring, &any);
	errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
	cJSON_ArrayForEach(e, errors) {
		if (count++ == ERROR_ITEMS_CAP) {
			fp_buf_puts(out, "; ...");
			break;
		}
		add_error_item(out, e, &any);
	}
	cJSON_Delete(root);
	return any;
}

/* ---- rate limits ---- */

/* The `message` of a JSON error body, as an allocated string, or NULL. */
static char *reply_message(const fp_github_reply *r)
{
	cJSON *root = cJSON_ParseWithLength(r->body.ptr, r->body.len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	char *s = cJSON_IsString(msg) ? fp_xstrdup(msg->valuestring) : NULL;

	cJSON_Delete(root);
	return s;
}

fp_rate_action fp_github_rate_decide(double *wait_out, const fp_github_reply *r,
				     long long now, double max_wait)
{
	char *msg;
	int secondary;
	double wait;

	if (r->status != 403 && r->status != 429)
		return FP_RATE_NONE;
	/* The docs URL also names secondary limits; only the message counts. */
	msg = reply_message(r);
	secondary = msg && find_nocase(msg, "secondary rate limit");
	free(msg);
	if (secondary) {
		if (r->retry_after >= 0)
			wait = (double)r->retry_after;
		else if (r->rl_remaining == 0 && r->rl_reset >= 0)
			wait = (double)(r->rl_reset - now);
		else
			wait = 60;
	} else if (r->rl_remaining == 0) {
		wait = r->rl_reset >= 0 ? (double)(r->rl_reset - now) : 60;
	} else if (r->retry_after >= 0) {
		wait = (double)r->retry_after;
	} else {
		return FP_RATE_NONE;
	}
	/* A reset already past (clock skew) still gets a breath before retrying. */
	if (wait < 1)
		wait = 1;
	*wait_out = wait;
	return wait > max_wait ? FP_RATE_GIVE_UP : FP_RATE_WAIT;
}

/* ---- backoff and time ---- */

double fp_github_backoff_delay(unsigned base_ms, unsigned attempt, double jitter)
{
	double delay = (double)base_ms / 1000.0;
	unsigned i;

	/* Doubling in a loop that stops at the cap: a shift by attempt - 1
	 * would be undefined from the 33rd attempt on. */
	for (i = 1; i < attempt && delay < FP_GITHUB_BACKOFF_CAP; i++)
		delay *= 2;
	delay *= 0.5 + jitter;
	return delay > FP_GITHUB_BACKOFF_CAP ? FP_GITHUB_BACKOFF_CAP : delay;
}

long long fp_github_time_parse(const char *iso)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm, back;
	time_t t;
	int v[6] = { 0 }, k = 0;
	size_t i;

	if (!iso || strlen(iso) != sizeof(shape) - 1)
		return -1;
	for (i = 0; shape[i]; i++) {
		if (shape[i] != 'd') {
			if (iso[i] != shape[i])
				return -1;
			k++;
		} else if (iso[i] >= '0' && iso[i] <= '9') {
			v[k] = v[k] * 10 + (iso[i] - '0');
		} else {
			return -1;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = timegm(&tm);
	/* timegm() folds 31 February into March: only a date that comes back
	 * unchanged was a real one. */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mon != v[1] - 1 || back.tm_mday != v[2] ||
	    back.tm_hour != v[3] || back.tm_min != v[4] || back.tm_sec != v[5])
		return -1;
	return (long long)t;
}

void fp_github_time_format(fp_buf *out, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char stamp[32];

	if (gmtime_r(&tt, &tm) && strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fp_buf_puts(out, stamp);
}
