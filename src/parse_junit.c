/*
 * parse_junit.c - the JUnit XML reader; see parse.h. The only file that
 * uses libxml2.
 *
 * The file is read with libxml2's streaming reader (xmlTextReader) over the
 * hashing fp_source, one node at a time: no tree of the document is ever
 * built, so memory follows the number of tests, not the size of the file.
 * A testcase is added to the run only once its end tag has been read, which
 * is what lets a file cut short keep exactly its complete testcases.
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
 * entity is refused as soon as the DTD is read: JUnit writers never
 * declare entities, and refusing them means no entity is ever expanded
 * on our behalf (libxml2 2.9.14's own amplification checks bound what its
 * parser does before that point). Without XML_PARSE_HUGE libxml2 also stops
 * on a single text or attribute value over 10 MB and on nesting deeper
 * than 256: such a file keeps the testcases before that point, with a
 * warning, like any damaged file.
 */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/parse.h"

/* Nesting deeper than this is refused by libxml2 itself (without
 * XML_PARSE_HUGE), so the open elements at an error fit. */
#define MAX_OPEN 256

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

typedef struct junit_reader {
	fp_run *run;
	uint32_t input;
	fp_source *src;
	xmlTextReaderPtr xml;

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

	/* The elements still open when the first fatal error came. */
	xmlNodePtr open[MAX_OPEN];
	int nopen;
	int have_open;
	xmlDocPtr doc;

	int root_seen;
	int root_closed;
	size_t kept;            /* complete testcases added */
	intern_cache classname_cache, file_cache;

	/* The testcase being read (case_depth < 0: none). */
	int case_depth;
	fp_test tc;
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

static size_t utf8_back(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
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
	size_t head, tail, total;

	if (t->dropped == 0) {
		fp_buf_add(&t->head, t->tail.ptr, t->tail.len);
		fp_buf_clear(&t->tail);
		return fp_run_strcap(run, t->head.ptr, t->head.len, FP_MAX_TRACE);
	}
	/* The same cut as fp_run_strcap: a quarter from the head, the rest
	 * from the tail, at character boundaries. The tail holds at least
	 * TEXT_KEEP bytes once anything was dropped. */
	total = t->head.len + t->dropped + t->tail.len;
	head = utf8_back(t->head.ptr, FP_MAX_TRACE / 4);
	tail = FP_MAX_TRACE - FP_MAX_TRACE / 4 - 64;
	while (tail > 0 && ((unsigned char)t->tail.ptr[t->tail.len - tail] & 0xc0) == 0x80)
		tail--;
	fp_buf_add(&b, t->head.ptr, head);
	fp_buf_printf(&b, "\n[... %zu bytes left out by fixproof ...]\n", total - head - tail);
	fp_buf_add(&b, t->tail.ptr + t->tail.len - tail, tail);
	copy = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
	return copy;
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
			return fp_run_strcap(run, s + start, end - start, FP_MAX_MESSAGE);
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
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	return *s ? 0 : (uint32_t)v;
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

static int read_cb(void *ctx, char *buf, int len)
{
	junit_reader *r = ctx;
	ssize_t got = fp_source_read(r->src, buf, (size_t)len);
	const char *p, *end;

	if (got < 0)
		return -1;
	if (got == 0) {
		r->at_eof = 1;
		return 0;
	}
	for (p = buf, end = buf + got; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		r->newlines++;
	return (int)got;
}

static int close_cb(void *ctx)
{
	(void)ctx;
	return 0;
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
		fp_buf_puts(&r->error_text, "elements nested deeper than libxml2's limit of 256");
	}
	if (e->level == XML_ERR_FATAL && e->domain == XML_FROM_PARSER && e->ctxt) {
		xmlParserCtxtPtr ctxt = e->ctxt;
		int i;

		for (i = 0; i < ctxt->nodeNr && i < MAX_OPEN; i++)
			r->open[i] = ctxt->nodeTab[i];
		r->nopen = i;
		r->have_open = ctxt->nodeNr <= MAX_OPEN;
		r->doc = ctxt->myDoc;
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
 * An element as the handlers see it. While reading, it is the reader's
 * current node and its attributes come through the reader; after an error,
 * the testcases libxml2 had already parsed are taken from the nodes it
 * left behind (see finish_parsed), and attributes from the node itself.
 */
typedef struct elem_view {
	const xmlChar *name;
	int depth;
	int empty;
	xmlTextReaderPtr reader;
	xmlAttrPtr attr;
} elem_view;

/* The next attribute; 0 when there is none left (the reader is then back
 * on the element). Values that are not plain text read as "". */
static int next_attr(elem_view *v, const xmlChar **name, const char **value)
{
	if (v->reader) {
		if (xmlTextReaderMoveToNextAttribute(v->reader) != 1) {
			xmlTextReaderMoveToElement(v->reader);
			return 0;
		}
		*name = xmlTextReaderConstLocalName(v->reader);
		*value = (const char *)xmlTextReaderConstValue(v->reader);
		return *name && *value ? 1 : next_attr(v, name, value);
	}
	if (!v->attr)
		return 0;
	*name = v->attr->name;
	*value = v->attr->children && v->attr->children->type == XML_TEXT_NODE &&
		 !v->attr->children->next && v->attr->children->content
		 ? (const char *)v->attr->children->content : "";
	v->attr = v->attr->next;
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
	r->tc.input = r->input;
	r->rank = RESULT_NONE;
	r->attr_status = FP_STATUS_NOT_RUN;
	r->flaky = 0;
	r->case_depth = v->depth;
	r->res_depth = -1;
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
	r->tc.type = NULL;
	r->tc.message = NULL;
	r->tc.trace = NULL;
	r->tc.phase = FP_PHASE_CALL;
	r->res_has_message = 0;
	while (next_attr(v, &an, &val)) {
		if (!val[0])
			continue;
		if (name_is(an, "message")) {
			r->tc.message = fp_run_strcap(run, val, strlen(val), FP_MAX_MESSAGE);
			r->res_has_message = 1;
		} else if (name_is(an, "type")) {
			r->tc.type = name_value(run, val, 1);
		}
	}
	if (is_error)
		r->tc.phase = (uint8_t)error_phase(r->tc.message);
	if (v->empty)
		return;
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
		r->tc.message = first_line(run, r->text.head.ptr, r->text.head.len);
	r->tc.trace = text_finish(run, &r->text);
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
	/* pytest --continue-on-collection-errors: an empty classname, the
	 * module as a dotted name, <error message="collection failure">. */
	if (r->rank == RESULT_ERROR && !r->tc.classname && r->tc.message &&
	    strcmp(r->tc.message, "collection failure") == 0) {
		r->tc.phase = FP_PHASE_COLLECTION;
		if (r->tc.file && r->tc.name) {
			fp_buf key = FP_BUF_INIT;

			fp_nodeid_key(&key, r->tc.file);
			if (strcmp(key.ptr, r->tc.name) == 0)
				r->tc.nodeid = r->tc.file;
			fp_buf_free(&key);
		}
	}
	if ((err = fp_run_add_test(&t, run, r->input)) < 0)
		return err;
	*t = r->tc;
	r->kept++;
	return 0;
}

/* The root element decides whether this is JUnit XML at all. */
static int check_root(junit_reader *r, const xmlChar *name)
{
	r->root_seen = 1;
	if (name_is(name, "testsuites") || name_is(name, "testsuite"))
		return 0;
	return fp_error_set(FP_EINPUT, "cannot parse '%s': not JUnit XML (the root element is "
			    "<%.64s>, not <testsuites> or <testsuite>)", r->src->path, (const char *)name);
}

/* A DTD that declares entities is refused before any of them is used. */
static int check_dtd(junit_reader *r, xmlNodePtr node)
{
	xmlDtdPtr dtd = node && node->type == XML_DTD_NODE ? (xmlDtdPtr)node : NULL;

	if (dtd && (dtd->entities || dtd->pentities))
		return fp_error_set(FP_EINPUT, "cannot parse '%s': the document declares XML entities "
				    "(<!ENTITY>), which JUnit XML never does; refused so that none is "
				    "expanded", r->src->path);
	return 0;
}

static int on_element(junit_reader *r, elem_view *v)
{
	const xmlChar *name = v->name;

	if (!name)
		return 0;
	if (!r->root_seen) {
		r->root_closed = v->empty;
		return check_root(r, name);
	}
	if (r->case_depth < 0) {
		if (name[0] == 't' && name_is(name, "testcase")) {
			begin_testcase(r, v);
			if (v->empty)
				return end_testcase(r);
		}
		return 0;
	}
	if (v->depth == r->case_depth + 1) {
		int is_error, stacktrace;
		result_rank rank = result_kind(name, &is_error, &stacktrace);

		if (rank != RESULT_NONE)
			begin_result(r, v, rank, is_error, stacktrace);
	} else if (r->res_depth >= 0 && v->depth == r->res_depth + 1 && r->res_wants_stacktrace &&
		   !v->empty && name_is(name, "stackTrace")) {
		r->in_stacktrace = 1;
	}
	return 0;
}

static int on_end_element(junit_reader *r, int depth)
{
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

static void on_text(junit_reader *r, const char *value)
{
	if (value)
		text_add(&r->text, value, strlen(value));
}

/* The loop over the nodes. Returns 1 at the end of the document, 0 when
 * libxml2 stopped on an error (recorded by error_cb), or a negative code. */
static int read_nodes(junit_reader *r)
{
	xmlTextReaderPtr x = r->xml;
	int ret, err = 0, depth;
	elem_view v;

	while ((ret = xmlTextReaderRead(x)) == 1) {
		switch (xmlTextReaderNodeType(x)) {
		case XML_READER_TYPE_ELEMENT:
			v.name = xmlTextReaderConstLocalName(x);
			v.depth = xmlTextReaderDepth(x);
			v.empty = xmlTextReaderIsEmptyElement(x);
			v.reader = x;
			v.attr = NULL;
			err = on_element(r, &v);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			err = on_end_element(r, xmlTextReaderDepth(x));
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			depth = xmlTextReaderDepth(x);
			if (wants_text(r, depth))
				on_text(r, (const char *)xmlTextReaderConstValue(x));
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
			err = check_dtd(r, xmlTextReaderCurrentNode(x));
			break;
		default:
			break;
		}
		if (err < 0)
			return err;
	}
	return ret == 0 ? 1 : 0;
}

/* ---- after an error ---- */

static int is_open(const junit_reader *r, xmlNodePtr node)
{
	int i;

	for (i = 0; i < r->nopen; i++)
		if (r->open[i] == node)
			return 1;
	return 0;
}

/* Delivers one node of the left-over tree to the handlers. */
static int walk_node(junit_reader *r, xmlNodePtr node, int depth)
{
	elem_view v;

	if (node->type == XML_DTD_NODE)
		return check_dtd(r, node);
	if (node->type == XML_ELEMENT_NODE) {
		/* A root still open at the error may have a start tag cut short
		 * ("<testsu"): only a JUnit name is taken at its word. */
		if (!r->root_seen && is_open(r, node) && !name_is(node->name, "testsuites") &&
		    !name_is(node->name, "testsuite"))
			return 0;
		v.name = node->name;
		v.depth = depth;
		v.empty = 0;
		v.reader = NULL;
		v.attr = node->properties;
		return on_element(r, &v);
	}
	if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
	    wants_text(r, depth))
		on_text(r, (const char *)node->content);
	return 0;
}

/*
 * The reader hands out a node only once the parser has gone past it, so
 * when the parser stops on an error, testcases it had already parsed in
 * full may not have been handed out yet. They are still in the reader's
 * nodes: this walks them in document order from where the reader stopped,
 * up to the elements that were still open when the error came (captured
 * by error_cb), and gives them to the same handlers. No node is built or
 * expanded here; only what libxml2 already holds is read.
 */
static int finish_parsed(junit_reader *r)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(r->xml);
	int depth = xmlTextReaderDepth(r->xml), err = 0;
	/* Start below the reader's node only when its start tag was the last
	 * thing handed out; its end, a text or an empty element are done. */
	int descend = xmlTextReaderNodeType(r->xml) == XML_READER_TYPE_ELEMENT &&
		      !xmlTextReaderIsEmptyElement(r->xml);

	if (!r->have_open)
		return 0;
	if (!node) {
		/* Nothing was handed out: start from the document's first node. */
		if (!r->doc || !r->doc->children)
			return 0;
		node = r->doc->children;
		depth = 0;
		descend = 1;
		err = walk_node(r, node, depth);
	}
	while (err == 0) {
		if (descend && node->type == XML_ELEMENT_NODE && node->children) {
			node = node->children;
			depth++;
			err = walk_node(r, node, depth);
			continue;
		}
		if (descend && node->type == XML_ELEMENT_NODE) {
			/* A closed element with nothing inside. */
			if (is_open(r, node))
				break;
			err = on_end_element(r, depth);
		}
		if (node->next) {
			node = node->next;
			err = err ? err : walk_node(r, node, depth);
			descend = 1;
			continue;
		}
		node = node->parent;
		depth--;
		if (!node || node->type != XML_ELEMENT_NODE || is_open(r, node))
			break;
		err = on_end_element(r, depth);
		descend = 0;
	}
	return err;
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
	int line = r->have_error ? r->error_line : xmlTextReaderGetParserLineNumber(r->xml);
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

int fp_junit_parse(fp_run *run, uint32_t input, fp_source *src)
{
	junit_reader r;
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc old_structured = xmlStructuredError;
	void *old_structured_ctx = xmlStructuredErrorContext;
	xmlExternalEntityLoader old_loader = xmlGetExternalEntityLoader();
	int err;

	memset(&r, 0, sizeof(r));
	r.run = run;
	r.input = input;
	r.src = src;
	r.case_depth = -1;
	r.res_depth = -1;
	fp_buf_init(&r.error_text);
	fp_buf_init(&r.classname_cache.raw);
	fp_buf_init(&r.file_cache.raw);
	fp_buf_init(&r.text.head);
	fp_buf_init(&r.text.tail);

	xmlInitParser();
	/* libxml2 prints some errors (buffer limits) through its process-wide
	 * handlers rather than the reader's: route them to us for the
	 * duration, and put back whatever was there. */
	xmlSetGenericErrorFunc(NULL, silent_generic_cb);
	xmlSetStructuredErrorFunc(&r, error_cb);
	xmlSetExternalEntityLoader(refuse_entity_cb);

	r.xml = xmlReaderForIO(read_cb, close_cb, &r, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	if (!r.xml) {
		err = fp_error_set(FP_EINPUT, "cannot parse '%s': the XML reader could not start",
				   src->path);
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(r.xml, error_cb, &r);
	err = read_nodes(&r);
	if (err == 0)
		err = finish_parsed(&r);
	if (err == 0)
		err = on_xml_error(&r);
	else if (err == 1)
		err = r.root_seen ? 0
			: fp_error_set(FP_EINPUT, "cannot parse '%s': not JUnit XML (no root element)",
				       src->path);

out:
	xmlFreeTextReader(r.xml);
	xmlSetExternalEntityLoader(old_loader);
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	fp_buf_free(&r.error_text);
	fp_buf_free(&r.classname_cache.raw);
	fp_buf_free(&r.file_cache.raw);
	fp_buf_free(&r.text.head);
	fp_buf_free(&r.text.tail);
	return err;
}
