/*
 * parse_junit.c - the JUnit XML reader; see parse.h. The only file that
 * uses libxml2.
 *
 * The file is read with libxml2's streaming SAX2 parser, fed from the
 * hashing fp_source a chunk at a time: libxml2 hands over each start tag,
 * end tag and piece of text as it parses it, and no tree of the document,
 * not even of one element, is ever built, so memory follows the number of
 * tests, not the size of the file. (libxml2's xmlTextReader, the same
 * parser with a node built and freed for each element, takes twice the
 * time: `xmllint --stream` is that.) A testcase is added to the run only
 * once its end tag has been read, which is what lets a file cut short keep
 * exactly its complete testcases: every event before an error has been
 * delivered, none after it.
 *
 * Runners disagree on details; what is read:
 *   - roots <testsuites> or <testsuite>; suites may nest (PHPUnit);
 *   - <testcase> attributes classname, name, file, line, time (a decimal
 *     comma is accepted), and status/result (ctest and GoogleTest write
 *     status="notrun"/"disabled" or result="skipped"/"suppressed" for tests
 *     that did not run, sometimes with no result element at all);
 *   - result elements <failure>, <error>, <skipped>, Surefire's
 *     <rerunFailure>/<rerunError> (failed on every rerun) and
 *     <flakyFailure>/<flakyError> (failed, then passed on a rerun; their
 *     trace is in a <stackTrace> child);
 *   - everything else (<properties>, <system-out>, <system-err>) is passed
 *     over without its text being looked at.
 *
 * Safety: XML_PARSE_NOENT, DTDLOAD and HUGE are never set, the network and
 * external entities are refused, and a document whose DTD declares any
 * entity is refused at that declaration: JUnit writers never
 * declare entities, and refusing them means no entity is ever expanded
 * on our behalf (libxml2 2.9.14's own amplification checks bound what its
 * parser does before that point). Without XML_PARSE_HUGE libxml2 also stops
 * on a single text or attribute value over 10 MB and on nesting deeper
 * than 256: such a file keeps the testcases before that point, with a
 * warning, like any damaged file.
 */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/parse.h"
#include "fixproof/utf8.h"
#include "fixproof/util.h"

/* Bytes handed to libxml2 at a time. */
/* Deeper nesting than this is damage (libxml2's own reader stops at 256). */
#define MAX_DEPTH 256
#define PARSE_CHUNK (64u << 10)

/* Bytes kept from each end of a result's text while it is read; enough for
 * fp_run_strcap's head and tail and for the first line of a message. */
#define TEXT_KEEP FP_MAX_TRACE

/* What a result element says about its testcase, in precedence order. */
typedef enum {
	RESULT_NONE = 0,
	RESULT_FLAKY,   /* flakyFailure/flakyError: passed on a rerun */
	RESULT_SKIPPED,
	RESULT_FAILED,
	RESULT_ERROR
} result_rank;

/* The text of one result element, of any length, kept in bounded memory:
 * the first TEXT_KEEP bytes, the last TEXT_KEEP bytes and a count of what
 * fell between them. */
typedef struct text_acc {
	fp_buf head;
	fp_buf tail;
	size_t dropped;
} text_acc;

/* The last value interned for one attribute: neighbouring testcases
 * almost always share their class and file, so most look-ups end here. */
typedef struct intern_cache {
	fp_buf raw;
	const char *value;
} intern_cache;

/*
 * An open <testsuite>: what its testcases take from it. `path` is the
 * names of the suites from the outermost to this one, joined by '.',
 * which stands for the classname of a testcase that has none; `file` is
 * its own name when that is a path to a source file.
 */
typedef struct suite {
	int depth;
	const char *path;       /* interned; NULL when every name is empty */
	const char *file;       /* interned; NULL when the name is no file */
	uint32_t cases;         /* testcases begun in it */
} suite;

typedef struct junit_reader {
	fp_run *run;
	uint32_t input;
	fp_source *src;
	xmlParserCtxtPtr ctxt;
	int depth;              /* elements open */
	int stop;               /* a handler's error code (message set), else 0 */
	fp_buf attr;            /* an attribute value, decoded, NUL-terminated */
	fp_buf other_root;      /* a root element's name that is not JUnit's */

	/* What the source has delivered: its end, and lines, so an error can
	 * be placed at the end of the file or before it. */
	int at_eof;
	uint64_t newlines;

	/* The first fatal error libxml2 reported (else its first error):
	 * have_error is 2 for a fatal one, 1 for another. */
	int have_error;
	int error_code;
	int error_line;
	fp_buf error_text;

	int root_seen;
	int root_closed;
	size_t kept;            /* complete testcases added */
	intern_cache classname_cache, file_cache;

	/* The suites open around the current element (at most MAX_DEPTH),
	 * and the testcases outside any suite. */
	suite *suites;
	int nsuites;
	uint32_t loose_cases;
	fp_buf scratch;

	/* The entry of jest's "Test suite failed to run" testcases for one
	 * file (index into run->tests; SIZE_MAX: none), and whether its text
	 * came from an <error>. */
	size_t suite_failure;
	int suite_failure_error;

	/* The testcase being read (case_depth < 0: none), and what its
	 * winning result says (copied into the run's arena at its end). */
	int case_depth;
	fp_test tc;
	fp_detail det;
	result_rank rank;       /* worst result so far */
	fp_status attr_status;  /* from status=/result=; FP_STATUS_NOT_RUN if none */
	int flaky;

	/* The result element whose text is being collected (res_depth < 0:
	 * none). Only the result that currently wins is collected. */
	int res_depth;
	int res_wants_stacktrace; /* Surefire: the trace is in <stackTrace> */
	int in_stacktrace;
	int res_has_message;
	text_acc text;
} junit_reader;

/* ---- text accumulation ---- */

static void text_reset(text_acc *t)
{
	fp_buf_clear(&t->head);
	fp_buf_clear(&t->tail);
	t->dropped = 0;
}

static void text_add(text_acc *t, const char *s, size_t n)
{
	if (t->head.len < TEXT_KEEP) {
		size_t take = TEXT_KEEP - t->head.len;

		if (take > n)
			take = n;
		fp_buf_add(&t->head, s, take);
		s += take;
		n -= take;
	}
	if (n == 0)
		return;
	if (n >= TEXT_KEEP) {
		/* Only the last TEXT_KEEP bytes of this piece can survive. */
		t->dropped += t->tail.len + (n - TEXT_KEEP);
		fp_buf_clear(&t->tail);
		fp_buf_add(&t->tail, s + n - TEXT_KEEP, TEXT_KEEP);
		return;
	}
	fp_buf_add(&t->tail, s, n);
	if (t->tail.len > 2 * TEXT_KEEP) {
		size_t cut = t->tail.len - TEXT_KEEP;

		memmove(t->tail.ptr, t->tail.ptr + cut, TEXT_KEEP);
		fp_buf_truncate(&t->tail, TEXT_KEEP);
		t->dropped += cut;
	}
}

/*
 * The collected text, capped at FP_MAX_TRACE, in the run's arena. When
 * nothing was dropped the whole text is at hand and fp_run_strcap cuts it;
 * otherwise the same head-and-tail form is built here, so the count of
 * bytes left out covers what never reached memory.
 */
static const char *text_finish(fp_run *run, text_acc *t)
{
	fp_buf b = FP_BUF_INIT;
	const char *copy;
	uint64_t total;

	if (t->dropped == 0) {
		fp_buf_add(&t->head, t->tail.ptr, t->tail.len);
		fp_buf_clear(&t->tail);
		return fp_run_strcap(run, t->head.ptr, t->head.len, FP_MAX_TRACE);
	}
	/* The same cut as fp_run_strcap. The head and the tail each hold
	 * TEXT_KEEP bytes once anything was dropped. */
	total = (uint64_t)t->head.len + t->dropped + t->tail.len;
	fp_text_cap(&b, t->head.ptr, t->head.len, t->tail.ptr, t->tail.len, total, FP_MAX_TRACE);
	copy = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
	return copy;
}

/* Messages repeat (one assertion fails for every parameter of a test,
 * every test of a class misses the same fixture): short ones are kept
 * once. */
#define INTERN_MESSAGE 256

static const char *message_value(fp_run *run, const char *s, size_t n)
{
	if (n <= INTERN_MESSAGE)
		return fp_run_intern(run, s, n);
	return fp_run_strcap(run, s, n, FP_MAX_MESSAGE);
}

/* The first line of `s` that is not blank, trimmed, or NULL. */
static const char *first_line(fp_run *run, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		start = i;
		while (i < n && s[i] != '\n')
			i++;
		end = i;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
			end--;
		if (end > start)
			return message_value(run, s + start, end - start);
		i++;
	}
	return NULL;
}

/* ---- attribute values ---- */

/* Interns short strings (class and file names repeat across tests);
 * longer ones are capped and stored once. "" is no value. */
static const char *name_value(fp_run *run, const char *s, int intern)
{
	size_t n = strlen(s);

	if (n == 0)
		return NULL;
	if (intern && n <= FP_MAX_NAME)
		return fp_run_intern(run, s, n);
	return fp_run_strcap(run, s, n, FP_MAX_NAME);
}

/* name_value(run, s, 1) through a one-entry cache. */
static const char *cached_name(fp_run *run, intern_cache *c, const char *s)
{
	size_t n = strlen(s);

	if (c->raw.len == n && memcmp(c->raw.ptr, s, n) == 0)
		return c->value;
	fp_buf_clear(&c->raw);
	fp_buf_add(&c->raw, s, n);
	c->value = name_value(run, s, 1);
	return c->value;
}

/*
 * Seconds; 0 when unreadable. A comma is the decimal mark ("1,234" from a
 * runner in a German locale is 1.234 s) unless the number also has a '.',
 * when commas group thousands (Surefire's "1,234.5"). By hand, so that the
 * C library's locale cannot change the result.
 */
static double parse_time(const char *s)
{
	double v = 0, scale = 1;
	int digits = 0, frac = 0, exp = 0, exp_sign = 1;
	int comma_groups = strchr(s, '.') != NULL;

	while (*s == ' ')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (frac) {
				scale /= 10;
				v += (*s - '0') * scale;
			} else {
				v = v * 10 + (*s - '0');
			}
			digits++;
		} else if (*s == ',' && comma_groups && !frac) {
			continue;
		} else if ((*s == '.' || *s == ',') && !frac) {
			frac = 1;
		} else {
			break;
		}
	}
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			exp_sign = *s++ == '-' ? -1 : 1;
		while (*s >= '0' && *s <= '9' && exp < 400)
			exp = exp * 10 + (*s++ - '0');
		while (exp-- > 0)
			v = exp_sign > 0 ? v * 10 : v / 10;
	}
	if (!digits || !(v < 1e12))
		return 0;
	return v;
}

static uint32_t parse_line(const char *s)
{
	uint64_t v;

	return fp_uint_parse(&v, s, strlen(s), 0, UINT32_MAX, NULL) == 0 ? (uint32_t)v : 0;
}

/* What a testcase's status= or result= attribute says when it has no
 * result element. */
static fp_status status_attr(const char *v)
{
	if (strcmp(v, "notrun") == 0 || strcmp(v, "disabled") == 0 ||
	    strcmp(v, "skipped") == 0 || strcmp(v, "suppressed") == 0)
		return FP_STATUS_SKIPPED;
	if (strcmp(v, "fail") == 0 || strcmp(v, "failed") == 0 || strcmp(v, "failure") == 0)
		return FP_STATUS_FAILED;
	if (strcmp(v, "error") == 0)
		return FP_STATUS_ERROR;
	return FP_STATUS_NOT_RUN;
}

/* ---- libxml2 glue ---- */

/* Reads the next chunk of input, counting its lines; 0 at the end, -1 on
 * a read error (message set). */
static ssize_t read_chunk(junit_reader *r, char *buf, size_t len)
{
	ssize_t got = fp_source_read(r->src, buf, len);
	const char *p, *end;

	if (got < 0)
		return -1;
	if (got == 0) {
		r->at_eof = 1;
		return 0;
	}
	for (p = buf, end = buf + got; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		r->newlines++;
	return got;
}

/* Keeps the first fatal error (the one that stopped the parse), else the
 * first error; warnings are dropped. Nothing is printed. */
static void error_cb(void *ctx, xmlErrorPtr e)
{
	junit_reader *r = ctx;
	const char *msg;
	size_t n;

	if (!r || !e || e->level < XML_ERR_ERROR || r->have_error == 2 ||
	    (r->have_error && e->level != XML_ERR_FATAL))
		return;
	r->have_error = e->level == XML_ERR_FATAL ? 2 : 1;
	r->error_code = e->code;
	r->error_line = e->line;
	fp_buf_clear(&r->error_text);
	msg = e->message ? e->message : "malformed XML";
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\r'))
		n--;
	fp_buf_add(&r->error_text, msg, n);
	/* Without XML_PARSE_HUGE libxml2 stops on a single text or attribute
	 * value over 10 MB and on nesting deeper than 256; its own words for
	 * that name an option the user cannot set, so ours replace them. */
	if (strstr(r->error_text.ptr, "huge text node") || strstr(r->error_text.ptr, "Huge input lookup") ||
	    strstr(r->error_text.ptr, "length too long")) {
		fp_buf_clear(&r->error_text);
		fp_buf_puts(&r->error_text, "a text or attribute value over libxml2's 10 MB limit");
	} else if (strstr(r->error_text.ptr, "Excessive depth")) {
		fp_buf_clear(&r->error_text);
		fp_buf_printf(&r->error_text, "elements nested deeper than %d", MAX_DEPTH);
	}
	/* "Premature end of data" reads better inside our sentence as
	 * "premature end of data"; "EndTag" and the like keep their case. */
	if (r->error_text.len > 1 && r->error_text.ptr[0] >= 'A' && r->error_text.ptr[0] <= 'Z' &&
	    r->error_text.ptr[1] >= 'a' && r->error_text.ptr[1] <= 'z')
		r->error_text.ptr[0] = (char)(r->error_text.ptr[0] - 'A' + 'a');
}

static void silent_generic_cb(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* External entities and DTDs are never fetched, from the network or the
 * disk; with our options libxml2 would not ask, this makes sure. */
static xmlParserInputPtr refuse_entity_cb(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* ---- the document ---- */

/*
 * An element as the handlers see it: its local name, its depth (0 for the
 * root) and its attributes as SAX2 gives them, five pointers each: local
 * name, prefix, URI, value start, value end.
 */
typedef struct elem_view {
	const xmlChar *name;
	int depth;
	const xmlChar **attrs;
	int nattrs;
	int next;
	fp_buf *value;
} elem_view;

/*
 * The next attribute; 0 when there is none left. The value is copied out,
 * NUL-terminated: libxml2's SAX2 values are not, and, without entity
 * substitution, it writes an '&' (from "&amp;" or "&#38;") as "&#38;",
 * the one character reference left in them (other entities are refused
 * or are errors), which is put back here.
 */
static int next_attr(elem_view *v, const xmlChar **name, const char **value)
{
	const char *p, *end, *amp;

	if (v->next >= v->nattrs)
		return 0;
	*name = v->attrs[5 * v->next];
	p = (const char *)v->attrs[5 * v->next + 3];
	end = (const char *)v->attrs[5 * v->next + 4];
	v->next++;
	if (v->value->cap > (size_t)(end - p) && !memchr(p, '&', (size_t)(end - p))) {
		/* The usual value: no '&', and room for it. */
		memcpy(v->value->ptr, p, (size_t)(end - p));
		v->value->len = (size_t)(end - p);
		v->value->ptr[v->value->len] = '\0';
		*value = v->value->ptr;
		return 1;
	}
	fp_buf_clear(v->value);
	while ((amp = memchr(p, '&', (size_t)(end - p))) != NULL) {
		fp_buf_add(v->value, p, (size_t)(amp - p) + 1);
		p = amp + 1;
		if (end - p >= 4 && memcmp(p, "#38;", 4) == 0)
			p += 4;
	}
	fp_buf_add(v->value, p, (size_t)(end - p));
	*value = v->value->ptr;
	return 1;
}

static int name_is(const xmlChar *name, const char *want)
{
	return strcmp((const char *)name, want) == 0;
}

static void begin_testcase(junit_reader *r, elem_view *v)
{
	fp_run *run = r->run;
	const xmlChar *an;
	const char *val;

	memset(&r->tc, 0, sizeof(r->tc));
	memset(&r->det, 0, sizeof(r->det));
	r->tc.input = r->input;
	r->rank = RESULT_NONE;
	r->attr_status = FP_STATUS_NOT_RUN;
	r->flaky = 0;
	r->case_depth = v->depth;
	r->res_depth = -1;
	if (r->nsuites)
		r->suites[r->nsuites - 1].cases++;
	else
		r->loose_cases++;
	while (next_attr(v, &an, &val)) {
		switch (an[0]) {
		case 'c':
			if (name_is(an, "classname"))
				r->tc.classname = cached_name(run, &r->classname_cache, val);
			break;
		case 'n':
			if (name_is(an, "name"))
				r->tc.name = fp_run_strcap(run, val, strlen(val), FP_MAX_NAME);
			break;
		case 'f':
			if (name_is(an, "file"))
				r->tc.file = cached_name(run, &r->file_cache, val);
			break;
		case 'l':
			if (name_is(an, "line"))
				r->tc.line = parse_line(val);
			break;
		case 't':
			if (name_is(an, "time"))
				r->tc.time = parse_time(val);
			break;
		case 's':
		case 'r':
			if ((name_is(an, "status") || name_is(an, "result")) &&
			    r->attr_status == FP_STATUS_NOT_RUN)
				r->attr_status = status_attr(val);
			break;
		default:
			break;
		}
	}
}

static result_rank result_kind(const xmlChar *name, int *is_error, int *stacktrace)
{
	*is_error = 0;
	*stacktrace = 0;
	switch (name[0]) {
	case 'f':
		if (name_is(name, "failure"))
			return RESULT_FAILED;
		if (name_is(name, "flakyFailure") || name_is(name, "flakyError")) {
			*stacktrace = 1;
			return RESULT_FLAKY;
		}
		break;
	case 'e':
		if (name_is(name, "error")) {
			*is_error = 1;
			return RESULT_ERROR;
		}
		break;
	case 's':
		if (name_is(name, "skipped"))
			return RESULT_SKIPPED;
		break;
	case 'r':
		if (name_is(name, "rerunFailure")) {
			*stacktrace = 1;
			return RESULT_FAILED;
		}
		if (name_is(name, "rerunError")) {
			*stacktrace = 1;
			return RESULT_ERROR;
		}
		break;
	default:
		break;
	}
	return RESULT_NONE;
}

static const fp_status rank_status[] = {
	FP_STATUS_PASSED, FP_STATUS_PASSED, FP_STATUS_SKIPPED, FP_STATUS_FAILED, FP_STATUS_ERROR
};

/* The phase pytest's message gives an <error>: "failed on setup with ..."
 * and "failed on teardown with ..."; a failure is in the call. */
static fp_phase error_phase(const char *message)
{
	static const char setup[] = "failed on setup with ";
	static const char teardown[] = "failed on teardown with ";

	if (message && strncmp(message, setup, sizeof(setup) - 1) == 0)
		return FP_PHASE_SETUP;
	if (message && strncmp(message, teardown, sizeof(teardown) - 1) == 0)
		return FP_PHASE_TEARDOWN;
	return FP_PHASE_CALL;
}

/* A result element opens. When it beats what the testcase has so far, its
 * type, message and (later) text become the testcase's. */
static void begin_result(junit_reader *r, elem_view *v, result_rank rank, int is_error,
			 int stacktrace)
{
	fp_run *run = r->run;
	const xmlChar *an;
	const char *val;

	if (rank == RESULT_FLAKY)
		r->flaky = 1;
	if (rank <= r->rank)
		return;
	r->rank = rank;
	memset(&r->det, 0, sizeof(r->det));
	r->tc.phase = FP_PHASE_CALL;
	r->res_has_message = 0;
	while (next_attr(v, &an, &val)) {
		if (!val[0])
			continue;
		if (name_is(an, "message")) {
			r->det.message = message_value(run, val, strlen(val));
			r->res_has_message = 1;
		} else if (name_is(an, "type")) {
			r->det.type = name_value(run, val, 1);
		}
	}
	if (is_error)
		r->tc.phase = (uint8_t)error_phase(r->det.message);
	r->res_depth = v->depth;
	r->res_wants_stacktrace = stacktrace;
	r->in_stacktrace = 0;
	text_reset(&r->text);
}

static void end_result(junit_reader *r)
{
	fp_run *run = r->run;

	r->res_depth = -1;
	if (r->text.head.len == 0)
		return;
	if (!r->res_has_message)
		r->det.message = first_line(run, r->text.head.ptr, r->text.head.len);
	r->det.trace = text_finish(run, &r->text);
}

/* ---- suites ---- */

/*
 * Whether a suite's name is a path to a source file: its last component
 * ends in a source file's extension, as when jest-junit names suites with
 * JEST_JUNIT_SUITE_NAME="{filepath}". A Java class (com.example.FooTest)
 * or a Go package path (example.com/shop/ledger) ends in none of them.
 */
static int is_source_path(const char *s, size_t n)
{
	static const char *const ext[] = {
		"js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts", "vue", "svelte", "py",
		"rb", "php", "java", "kt", "scala", "groovy", "cs", "go", "rs", "swift",
		"dart", "ex", "exs", "c", "cc", "cpp", NULL
	};
	const char *base = s, *dot = NULL, *p;
	size_t i, len;

	for (p = s; p < s + n; p++) {
		if ((unsigned char)*p < 0x20)
			return 0;
		if (*p == '/' || *p == '\\') {
			base = p + 1;
			dot = NULL;
		} else if (*p == '.') {
			dot = p;
		}
	}
	if (!dot || dot == base)
		return 0;
	len = (size_t)(s + n - dot - 1);
	for (i = 0; ext[i]; i++)
		if (strlen(ext[i]) == len && memcmp(dot + 1, ext[i], len) == 0)
			return 1;
	return 0;
}

/* Reads exactly `n` digits at `*p` into `*out` and moves past them;
 * returns 1, or 0 when they are not there. */
static int digits(const char **p, int n, int *out)
{
	uint64_t v;

	if (fp_uint_prefix(&v, *p, (size_t)n, UINT64_MAX) != (size_t)n)
		return 0;
	*p += n;
	*out = (int)v;
	return 1;
}

/* Days from 1970-01-01 to the date, in the proleptic Gregorian calendar. */
static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The zone after the time at `p`: seconds to subtract, or -1 on junk. */
static int zone_offset(const char *p, long *out)
{
	int hh, mm;
	long sign;

	*out = 0;
	if (*p == ' ')
		p++;
	if (*p == '\0' || strcmp(p, "Z") == 0 || strcmp(p, "UTC") == 0)
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh) || (*p == ':' && !*++p) || !digits(&p, 2, &mm) || *p ||
	    hh > 23 || mm > 59)
		return -1;
	*out = sign * (hh * 3600L + mm * 60L);
	return 0;
}

int fp_junit_timestamp(double *out, const char *s)
{
	int y, mo, d, h, mi, sec;
	double frac = 0, scale = 0.1;
	long offset;
	const char *p = s;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != ' ') || !*p++ ||
	    !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return FP_EINPUT;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    zone_offset(p, &offset) < 0)
		return FP_EINPUT;
	*out = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac -
	       (double)offset;
	return 0;
}

/* Widens the run's span of timestamps by a <testsuite>'s, when it reads. */
static void note_timestamp(fp_run *run, const char *value)
{
	double t;

	if (fp_junit_timestamp(&t, value) < 0)
		return;
	if (!run->timestamps || t < run->first_timestamp)
		run->first_timestamp = t;
	if (!run->timestamps || t > run->last_timestamp)
		run->last_timestamp = t;
	run->timestamps++;
}

/* A <testsuite> opens: its path of names, its name as a file, and its
 * timestamp. */
static void begin_suite(junit_reader *r, elem_view *v)
{
	const suite *parent = r->nsuites ? &r->suites[r->nsuites - 1] : NULL;
	fp_buf name = FP_BUF_INIT;
	const xmlChar *an;
	const char *val;
	suite *s;

	/* sax_start stops the parse before MAX_DEPTH elements are open. */
	assert(r->nsuites < MAX_DEPTH);
	/* next_attr reuses one buffer for each value: the name is copied. */
	while (next_attr(v, &an, &val)) {
		if (name_is(an, "name")) {
			fp_buf_clear(&name);
			fp_buf_puts(&name, val);
		} else if (name_is(an, "timestamp")) {
			note_timestamp(r->run, val);
		}
	}
	s = &r->suites[r->nsuites++];
	s->depth = v->depth;
	s->cases = 0;
	s->file = name.len && is_source_path(name.ptr, name.len) ? name_value(r->run, name.ptr, 1)
								  : NULL;
	if (name.len == 0) {
		s->path = parent ? parent->path : NULL;
	} else if (!parent || !parent->path) {
		s->path = name_value(r->run, name.ptr, 1);
	} else {
		fp_buf_clear(&r->scratch);
		fp_buf_puts(&r->scratch, parent->path);
		fp_buf_putc(&r->scratch, '.');
		fp_buf_add(&r->scratch, name.ptr, name.len);
		s->path = name_value(r->run, r->scratch.ptr, 1);
	}
	fp_buf_free(&name);
}

/*
 * What a testcase takes from its suite. Without a classname it would be
 * keyed by its name alone, and tests of one name in different suites
 * (mikepenz's nested fixtures: TestA and TestB, each with A and B) would
 * merge as reruns: the suites' names stand for the classname. Without a
 * name it is a test of its own, named by its place in the suite, with a
 * warning. Without a file it takes the suite's name when that is one.
 */
static void take_from_suite(junit_reader *r)
{
	const suite *s = r->nsuites ? &r->suites[r->nsuites - 1] : NULL;

	if (!r->tc.classname && s)
		r->tc.classname = s->path;
	if (!r->tc.file && s)
		r->tc.file = s->file;
	if (r->tc.name && r->tc.name[0])
		return;
	fp_buf_clear(&r->scratch);
	fp_buf_printf(&r->scratch, "(unnamed testcase %u)", s ? s->cases : r->loose_cases);
	r->tc.name = fp_run_strndup(r->run, r->scratch.ptr, r->scratch.len);
	fp_run_warn(r->run, r->input, "'%s' line %d: a testcase without a name, kept as '%s%s%s'",
		    r->src->path, xmlSAX2GetLineNumber(r->ctxt), r->tc.classname ? r->tc.classname : "",
		    r->tc.classname ? "::" : "", r->tc.name);
}

/* ---- jest-junit's suites that failed to run ---- */

static const char suite_failed[] = "Test suite failed to run";

/* `a` then `b`, capped like any trace. */
static const char *join_traces(junit_reader *r, const char *a, const char *b)
{
	if (!a || !b)
		return a ? a : b;
	fp_buf_clear(&r->scratch);
	fp_buf_puts(&r->scratch, a);
	fp_buf_puts(&r->scratch, "\n\n");
	fp_buf_puts(&r->scratch, b);
	return fp_run_strcap(r->run, r->scratch.ptr, r->scratch.len, FP_MAX_TRACE);
}

/*
 * Folds the current testcase into the entry of the file whose suite failed
 * to run (the one before it). jest's own words (the <error>) give the
 * message; the load error's JSON (the <failure>) stays in the trace.
 */
static void fold_suite_failure(junit_reader *r)
{
	fp_test *t = &r->run->tests[r->suite_failure];
	fp_detail *d = fp_test_detail(r->run, t);
	int is_error = r->rank == RESULT_ERROR;

	if (is_error && !r->suite_failure_error) {
		d->trace = join_traces(r, r->det.trace, d->trace);
		d->message = r->det.message;
		d->type = r->det.type;
		r->suite_failure_error = 1;
	} else {
		d->trace = join_traces(r, d->trace, r->det.trace);
	}
	t->time += r->tc.time;
	r->run->inputs[r->input].folded++;
}

/*
 * jest-junit with JEST_JUNIT_REPORT_TEST_SUITE_ERRORS writes a test file
 * that failed to load as testcases of classname "Test suite failed to
 * run", named by the file's path, one with an <error> and one with a
 * <failure>: one entry for the file, an error in collection (a module
 * entry, like pytest's collection error). Returns 1 when the testcase
 * was folded into the entry before it.
 */
static int suite_failure(junit_reader *r)
{
	size_t last = r->run->ntests - 1;

	if (r->run->ntests > 0 && r->suite_failure == last &&
	    strcmp(r->run->tests[last].nodeid, r->tc.name) == 0) {
		fold_suite_failure(r);
		return 1;
	}
	r->tc.classname = NULL;
	r->tc.nodeid = r->tc.name;
	if (!r->tc.file)
		r->tc.file = fp_run_intern(r->run, r->tc.name, strlen(r->tc.name));
	r->tc.status = FP_STATUS_ERROR;
	r->tc.phase = FP_PHASE_COLLECTION;
	r->tc.flags &= (uint8_t)~FP_TEST_FLAKY;
	r->suite_failure = r->run->ntests;
	r->suite_failure_error = r->rank == RESULT_ERROR;
	return 0;
}

/* ---- testcases ---- */

/* pytest --continue-on-collection-errors: an empty classname, the module
 * as a dotted name, <error message="collection failure">. */
static int pytest_collection_failure(junit_reader *r)
{
	if (r->rank != RESULT_ERROR || r->tc.classname || !r->det.message ||
	    strcmp(r->det.message, "collection failure") != 0)
		return 0;
	r->tc.phase = FP_PHASE_COLLECTION;
	if (r->tc.file && r->tc.name) {
		fp_buf key = FP_BUF_INIT;

		fp_nodeid_key(&key, r->tc.file);
		if (strcmp(key.ptr, r->tc.name) == 0)
			r->tc.nodeid = r->tc.file;
		fp_buf_free(&key);
	}
	return 1;
}

/* The testcase's end tag: settle its status and add it to the run. */
static int end_testcase(junit_reader *r)
{
	fp_run *run = r->run;
	fp_test *t = NULL;
	int err;

	r->case_depth = -1;
	r->tc.status = (uint8_t)rank_status[r->rank];
	if (r->rank == RESULT_NONE || r->rank == RESULT_FLAKY) {
		/* No result element: a status attribute may still say the test
		 * did not run (ctest, GoogleTest) or failed. */
		if (r->attr_status != FP_STATUS_NOT_RUN)
			r->tc.status = (uint8_t)r->attr_status;
		r->tc.phase = FP_PHASE_CALL;
	}
	if (r->flaky)
		r->tc.flags |= FP_TEST_FLAKY;
	r->tc.flags |= FP_TEST_RESULT;
	r->kept++;
	if (!pytest_collection_failure(r))
		take_from_suite(r);
	if (r->tc.classname && r->tc.classname[0] == 'T' &&
	    strcmp(r->tc.classname, suite_failed) == 0 && suite_failure(r))
		return 0;
	if ((err = fp_run_add_test(&t, run, r->input)) < 0)
		return err;
	*t = r->tc;
	if (r->det.type || r->det.message || r->det.trace)
		*fp_test_detail(run, t) = r->det;
	return 0;
}

/*
 * The root element decides whether this is JUnit XML at all. libxml2
 * hands over a start tag before it finds that the tag is cut short
 * ("<testsu" at the end of a file), so another name is only taken at its
 * word at the next event (see other_root); a JUnit name is taken at once.
 */
static int check_root(junit_reader *r, const xmlChar *name)
{
	if (name_is(name, "testsuites") || name_is(name, "testsuite")) {
		r->root_seen = 1;
		return 0;
	}
	fp_buf_clear(&r->other_root);
	fp_buf_puts(&r->other_root, (const char *)name);
	return 0;
}

/* A root that is not JUnit's, once something has followed its start tag:
 * XML of another kind (a coverage.xml, a pom.xml), no result file. */
static int other_root(junit_reader *r)
{
	r->root_seen = 1;
	return fp_error_set(FP_PARSE_FOREIGN, "'%s': not JUnit XML (the root element is <%.64s>, "
			    "not <testsuites> or <testsuite>)", r->src->path, r->other_root.ptr);
}

/* A DTD that declares entities is refused at the first declaration,
 * before any entity is used. */
static int refuse_entities(junit_reader *r)
{
	return fp_error_set(FP_EINPUT, "cannot parse '%s': the document declares XML entities "
			    "(<!ENTITY>), which JUnit XML never does; refused so that none is "
			    "expanded", r->src->path);
}

static int on_element(junit_reader *r, elem_view *v)
{
	const xmlChar *name = v->name;

	if (!name)
		return 0;
	if (!r->root_seen) {
		int err = check_root(r, name);

		if (r->root_seen && name_is(name, "testsuite"))
			begin_suite(r, v);
		return err;
	}
	if (r->case_depth < 0) {
		if (name[0] != 't')
			return 0;
		if (name_is(name, "testcase"))
			begin_testcase(r, v);
		else if (name_is(name, "testsuite"))
			begin_suite(r, v);
		return 0;
	}
	if (v->depth == r->case_depth + 1) {
		int is_error, stacktrace;
		result_rank rank = result_kind(name, &is_error, &stacktrace);

		if (rank != RESULT_NONE)
			begin_result(r, v, rank, is_error, stacktrace);
	} else if (r->res_depth >= 0 && v->depth == r->res_depth + 1 && r->res_wants_stacktrace &&
		   name_is(name, "stackTrace")) {
		r->in_stacktrace = 1;
	}
	return 0;
}

static int on_end_element(junit_reader *r, int depth)
{
	if (r->nsuites && depth == r->suites[r->nsuites - 1].depth)
		r->nsuites--;
	if (depth == 0) {
		r->root_closed = 1;
	} else if (depth == r->case_depth) {
		if (r->res_depth >= 0)
			end_result(r);
		return end_testcase(r);
	} else if (r->res_depth >= 0) {
		if (depth == r->res_depth)
			end_result(r);
		else if (depth == r->res_depth + 1)
			r->in_stacktrace = 0;
	}
	return 0;
}

/* Whether the text at `depth` belongs to the result being collected. */
static int wants_text(const junit_reader *r, int depth)
{
	if (r->res_depth < 0)
		return 0;
	if (r->res_wants_stacktrace)
		return r->in_stacktrace && depth == r->res_depth + 2;
	return depth > r->res_depth;
}

/* ---- SAX2 handlers ---- */

/* A handler's failure `err` (its message set): the parse ends there. */
static void stop_parse(junit_reader *r, int err)
{
	r->stop = err;
	xmlStopParser(r->ctxt);
}

/*
 * Whether the parse is over for the handlers. After an error that does not
 * stop libxml2 but makes the document malformed (an undeclared entity,
 * say), nothing more is taken from it, as after a fatal one: a handler that
 * finds the document malformed stops the parser and ignores its own event.
 */
static int stopped(junit_reader *r)
{
	if (r->stop)
		return 1;
	if (!r->ctxt->wellFormed) {
		xmlStopParser(r->ctxt);
		return 1;
	}
	if (r->other_root.len) {
		stop_parse(r, other_root(r));
		return 1;
	}
	return 0;
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		      const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	junit_reader *r = ctx;
	elem_view v;
	int err;

	(void)prefix;
	(void)uri;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	if (stopped(r))
		return;
	if (r->depth >= MAX_DEPTH) {
		/* libxml2's push parser keeps a name per open element without a
		 * limit of its own; JUnit is a few levels deep, so deeper nesting
		 * is damage, stopped where the reader would stop it. */
		r->have_error = 2;
		r->error_code = XML_ERR_INTERNAL_ERROR;
		r->error_line = xmlSAX2GetLineNumber(r->ctxt);
		fp_buf_clear(&r->error_text);
		fp_buf_printf(&r->error_text, "elements nested deeper than %d", MAX_DEPTH);
		xmlStopParser(r->ctxt);
		return;
	}
	v.name = localname;
	v.depth = r->depth++;
	v.attrs = attributes;
	v.nattrs = nb_attributes;
	v.next = 0;
	v.value = &r->attr;
	if ((err = on_element(r, &v)) < 0)
		stop_parse(r, err);
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		    const xmlChar *uri)
{
	junit_reader *r = ctx;
	int err;

	(void)localname;
	(void)prefix;
	(void)uri;
	if (stopped(r))
		return;
	if ((err = on_end_element(r, --r->depth)) < 0)
		stop_parse(r, err);
}

/* Text, CDATA and white space alike; libxml2 may cut one text in pieces. */
static void sax_text(void *ctx, const xmlChar *text, int len)
{
	junit_reader *r = ctx;

	if (!stopped(r) && len > 0 && wants_text(r, r->depth))
		text_add(&r->text, (const char *)text, (size_t)len);
}

static void sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			    const xmlChar *system_id, xmlChar *content)
{
	junit_reader *r = ctx;

	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	if (!r->stop)
		stop_parse(r, refuse_entities(r));
}

static void sax_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
				     const xmlChar *system_id, const xmlChar *notation)
{
	(void)notation;
	sax_entity_decl(ctx, name, 0, public_id, system_id, NULL);
}

/*
 * Feeds the source to libxml2 until the end of the document, an error or
 * a handler's failure. Returns 0 at the end of a well-formed document;
 * FP_EPASSTHROUGH when libxml2 stopped on an error (recorded by error_cb),
 * which on_xml_error judges, no message set; or another negative code (a
 * handler's or the source's, message set).
 */
static int parse_document(junit_reader *r, char *buf)
{
	ssize_t got;

	for (;;) {
		got = read_chunk(r, buf, PARSE_CHUNK);
		if (got < 0)
			return FP_EINPUT;
		xmlParseChunk(r->ctxt, buf, (int)got, got == 0);
		if (r->stop)
			return r->stop;
		if (got == 0 || r->have_error == 2 || !r->ctxt->wellFormed ||
		    r->ctxt->instate == XML_PARSER_EOF)
			break;
	}
	if (r->ctxt->wellFormed && r->have_error != 2 && got == 0) {
		/* A whole document whose root is not JUnit's ("<html/>"). */
		return r->other_root.len ? other_root(r) : 0;
	}
	return FP_EPASSTHROUGH;
}

/*
 * libxml2 stopped on an error. The file was cut short when the source is
 * exhausted, the root element is still open, and the error is on the last
 * line or is libxml2's complaint that input ended inside a construct it
 * could not finish (a comment or CDATA section that began lines earlier):
 * then what was complete is kept. Other damage keeps what came before it
 * too, unless nothing did. Damage after the root element has closed loses
 * nothing.
 */
static int on_xml_error(junit_reader *r)
{
	const char *path = r->src->path;
	const char *what = r->have_error ? r->error_text.ptr : "malformed XML";
	int line = r->have_error ? r->error_line : xmlSAX2GetLineNumber(r->ctxt);
	int truncated = r->at_eof && !r->root_closed &&
			((uint64_t)line >= r->newlines || r->error_code == XML_ERR_DOCUMENT_END);

	if (r->src->failed)
		return FP_EINPUT; /* the read error's message is set */
	/* libxml2 says "extra content at the end of the document" when the
	 * input ends inside something it cannot finish. */
	if (r->at_eof && r->error_code == XML_ERR_DOCUMENT_END && !r->root_closed)
		what = r->root_seen ? "premature end of data" : "no root element";
	if (!r->root_seen || (!truncated && !r->root_closed && r->kept == 0))
		return fp_error_set(FP_EINPUT, "cannot parse '%s' line %d: %s", path, line, what);
	if (r->root_closed) {
		fp_run_warn(r->run, r->input, "'%s' line %d: the XML is damaged after its root "
			    "element (%s); all %zu testcases were read", path, line, what, r->kept);
		return 0;
	}
	r->run->inputs[r->input].incomplete = 1;
	if (truncated)
		fp_run_warn(r->run, r->input, "'%s' line %d: the file ends in the middle of the XML "
			    "(%s); kept the %zu complete testcases", path, line, what, r->kept);
	else
		fp_run_warn(r->run, r->input, "'%s' line %d: the XML is damaged (%s); kept the %zu "
			    "testcases before it and read nothing after", path, line, what, r->kept);
	return 0;
}

/* ---- process-wide set-up ---- */

static pthread_once_t prepared = PTHREAD_ONCE_INIT;
static pthread_mutex_t loader_lock = PTHREAD_MUTEX_INITIALIZER;
static int loader_users;
static xmlExternalEntityLoader saved_loader;

static void prepare_once(void)
{
	xmlInitParser();
}

/* libxml2 must be initialised once, before threads use it. */
void fp_parse_prepare(void)
{
	pthread_once(&prepared, prepare_once);
}

void fp_parse_shutdown(void)
{
	xmlCleanupParser();
}

/*
 * The entity loader is one for the whole process, while files may be
 * read on two threads at once: the first reader puts ours in, the last
 * one puts back what was there.
 */
static void loader_acquire(void)
{
	pthread_mutex_lock(&loader_lock);
	if (loader_users++ == 0) {
		saved_loader = xmlGetExternalEntityLoader();
		xmlSetExternalEntityLoader(refuse_entity_cb);
	}
	pthread_mutex_unlock(&loader_lock);
}

static void loader_release(void)
{
	pthread_mutex_lock(&loader_lock);
	if (--loader_users == 0)
		xmlSetExternalEntityLoader(saved_loader);
	pthread_mutex_unlock(&loader_lock);
}

static void reader_init(junit_reader *r, fp_run *run, uint32_t input, fp_source *src)
{
	memset(r, 0, sizeof(*r));
	r->run = run;
	r->input = input;
	r->src = src;
	r->case_depth = -1;
	r->res_depth = -1;
	r->suites = fp_xmalloc(MAX_DEPTH * sizeof(*r->suites));
	r->suite_failure = SIZE_MAX;
	fp_buf_init(&r->scratch);
	fp_buf_init(&r->error_text);
	fp_buf_init(&r->attr);
	fp_buf_init(&r->other_root);
	fp_buf_init(&r->classname_cache.raw);
	fp_buf_init(&r->file_cache.raw);
	fp_buf_init(&r->text.head);
	fp_buf_init(&r->text.tail);
}

static void reader_free(junit_reader *r)
{
	fp_buf_free(&r->error_text);
	fp_buf_free(&r->attr);
	fp_buf_free(&r->other_root);
	fp_buf_free(&r->classname_cache.raw);
	fp_buf_free(&r->file_cache.raw);
	fp_buf_free(&r->text.head);
	fp_buf_free(&r->text.tail);
	fp_buf_free(&r->scratch);
	free(r->suites);
}

int fp_junit_parse(fp_run *run, uint32_t input, fp_source *src)
{
	junit_reader r;
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc old_structured = xmlStructuredError;
	void *old_structured_ctx = xmlStructuredErrorContext;
	xmlSAXHandler sax;
	char *buf = NULL;
	int err;

	reader_init(&r, run, input, src);
	fp_parse_prepare();
	/* libxml2 prints some errors (buffer limits) through its global
	 * handlers (one set per thread) rather than the parser's: route them
	 * to us for the duration, and put back whatever was there. */
	xmlSetGenericErrorFunc(NULL, silent_generic_cb);
	xmlSetStructuredErrorFunc(&r, error_cb);
	loader_acquire();

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	sax.ignorableWhitespace = sax_text;
	sax.entityDecl = sax_entity_decl;
	sax.unparsedEntityDecl = sax_unparsed_entity_decl;
	sax.serror = error_cb;
	buf = fp_xmalloc(PARSE_CHUNK);
	r.ctxt = xmlCreatePushParserCtxt(&sax, &r, NULL, 0, src->path);
	if (!r.ctxt) {
		err = fp_error_set(FP_EINPUT, "cannot parse '%s': the XML parser could not start",
				   src->path);
		goto out;
	}
	xmlCtxtUseOptions(r.ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	err = parse_document(&r, buf);
	if (err == FP_EPASSTHROUGH)
		err = on_xml_error(&r);
	else if (err == 0)
		err = r.root_seen ? 0
			: fp_error_set(FP_EINPUT, "cannot parse '%s': not JUnit XML (no root element)",
				       src->path);

out:
	if (r.ctxt) {
		/* libxml2 makes a document of its own to hold a DTD it reads
		 * (the one with entities we refuse); it is the caller's to free. */
		if (r.ctxt->myDoc)
			xmlFreeDoc(r.ctxt->myDoc);
		xmlFreeParserCtxt(r.ctxt);
	}
	free(buf);
	loader_release();
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	reader_free(&r);
	return err;
}

void fp_junit_libxml2_version(fp_buf *out)
{
	/* xmlParserVersion is the library's own, "21004" for 2.10.4: the
	 * version it runs with, not the one fixproof was built against. */
	long v = strtol(xmlParserVersion, NULL, 10);

	fp_buf_clear(out);
	fp_buf_printf(out, "%ld.%ld.%ld", v / 10000, v / 100 % 100, v % 100);
}
