/*
 * parse_collect.c - the reader of `pytest --collect-only` output; see parse.h.
 *
 * pytest prints one of three listings, each possibly framed by a header, an
 * ERRORS section, a short summary and a summary line:
 *
 *   default   a tree, two spaces per level: <Module tests/x.py>, <Class C>,
 *             <Function f[p]>; pytest 8 adds <Dir> and <Package> levels above
 *             the module, which then carries only its file name;
 *   -q        one node id per line: tests/x.py::C::f[p];
 *   -qq       one "tests/x.py: 3" count per file.
 *
 * The text is read in chunks through the hashing source and cut into lines
 * on the way (LF, CRLF or CR alone, ANSI colour codes dropped), so memory
 * grows with the number of tests, not with the size of the file: a line
 * keeps at most LINE_KEEP bytes and an error's trace is capped as it
 * streams in. Each line is handled by the section it is in.
 */
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/json.h"
#include "fixproof/parse.h"
#include "fixproof/utf8.h"
#include "fixproof/util.h"

#define READ_CHUNK 65536
#define LINE_KEEP 65536   /* bytes of one line kept; the rest is counted */
#define MAX_DEPTH 128     /* tree levels; deeper lines are left out */
#define QUOTE_MAX 60      /* bytes of a line quoted in an error message */

/* Where a line is: what it can mean depends on the section around it. */
typedef enum {
	SEC_MAIN,    /* header, tree, node ids, per-file counts, summary */
	SEC_ERRORS,  /* "=== ERRORS ===", before the first error header */
	SEC_ERROR,   /* the body of one "ERROR collecting X" */
	SEC_SHORT,   /* "=== short test summary info ===" */
	SEC_SKIP     /* any other section (warnings, failures...) */
} section;

/* Where the ANSI escape filter is inside an escape sequence. */
typedef enum { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC, ESC_INTER } esc_state;

/* One level of the tree: its name is names.ptr[off, off + len). */
typedef struct level {
	size_t indent;
	size_t off, len;
	int dir; /* a folder level (<Dir>, <Package>) above the file */
} level;

/* A set of interned strings, compared by address. */
typedef struct ptrset {
	const char **slots;
	size_t cap, count;
} ptrset;

/*
 * A text kept the way fp_run_strcap keeps it (a quarter from the head, the
 * rest from the tail), but fed piece by piece: a 100 MB trace is never held
 * whole. The head and a ring holding the last bytes are enough.
 */
typedef struct streamcap {
	size_t cap, headcap, ringcap;
	char *head;               /* headcap bytes */
	char *ring;               /* ringcap bytes, written circularly */
	size_t headlen, ringpos;
	uint64_t total;
	unsigned char after_head; /* the first byte that went to the ring */
} streamcap;

/* Figures as the output states them; -1 when it does not. */
typedef struct stated {
	int64_t collected, errors, deselected;
	int ran;                  /* states a count only a test run has (passed, failed) */
} stated;

/*
 * A pytest session that never started: a conftest that does not import,
 * a usage error ("ERROR: ..."), or INTERNALERROR. Its lines (from standard
 * error, captured with 2>&1) make one entry for the whole session.
 */
typedef enum {
	SESSION_NONE = 0,
	SESSION_CONFTEST,         /* "ImportError while loading conftest '...'." */
	SESSION_USAGE,            /* "ERROR: usage: ...", "ERROR: file or directory not found: ..." */
	SESSION_INTERNAL          /* "INTERNALERROR> ..." */
} session_kind;

typedef struct session {
	session_kind kind;        /* of the first block; later ones only add text */
	session_kind open;        /* the block the next lines may continue */
	int known;                /* the text is unmistakably pytest's */
	fp_buf message;           /* the line that says what happened */
	const char *type;         /* the exception the text names; interned */
	streamcap trace;          /* set up at the first block */
	int lines;
} session;

typedef struct collect {
	fp_run *run;
	uint32_t input;
	const char *path;

	/* Line assembly. */
	char *line;               /* LINE_KEEP + 1 bytes */
	size_t linelen;
	uint64_t lineno;
	int long_line;            /* the current line is longer than LINE_KEEP */
	int spilled;              /* ... and its bytes went straight to the trace */
	int after_cr;
	esc_state esc;

	section sec;
	int pytest_major;         /* from the header; 0 when unknown */
	uint64_t recognised;      /* lines that could only come from pytest */
	fp_buf first_text;        /* the first non-blank line, for messages */
	uint64_t first_lineno;

	/* The tree. */
	level stack[MAX_DEPTH];
	size_t depth;
	fp_buf names;
	int pending;              /* stack[depth - 1] may be an item */
	int root_skipped;         /* pytest 8: the root folder is the rootdir */
	int warned_package, warned_depth;
	fp_buf id;

	/* The error section being read. */
	int in_error;
	fp_buf err_id, err_msg, err_first;
	streamcap trace;
	int trace_lines;

	/* What was seen. */
	ptrset files, error_ids, error_files;
	const char *last_file;
	uint64_t listed;          /* tests listed one by one, or counted by -qq */
	uint64_t error_sections, short_errors;
	stated summary, header;
	int have_summary;
	int64_t interrupted_errors;
	int interrupted;

	session sess;

	/* Signs that this is the console output of a test run (progress
	 * lines, a FAILURES section, "1 failed, 2 passed"), and the best one
	 * to quote: the summary line when there is one. */
	uint64_t run_marks;
	fp_buf run_evidence;
	int run_summary;
} collect;

/* ---- small string helpers ---- */

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Reads a decimal number at *s (at most 18 digits) and moves past it. */
static int read_count(const char **s, int64_t *out)
{
	uint64_t v;
	size_t n = fp_uint_prefix(&v, *s, SIZE_MAX, 999999999999999999ULL);

	if (n == 0)
		return 0;
	*s += n;
	*out = (int64_t)v;
	return 1;
}

/* ---- sets of interned strings ---- */

static size_t ptr_hash(const char *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17) & (cap - 1);
}

/* Adds `p`; returns 1 when it was not in the set yet. */
static int ptrset_add(ptrset *set, const char *p)
{
	size_t j;

	if ((set->count + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64, i;
		const char **slots = fp_xcalloc(cap, sizeof(*slots));

		for (i = 0; i < set->cap; i++) {
			if (!set->slots[i])
				continue;
			j = ptr_hash(set->slots[i], cap);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = set->slots[i];
		}
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
	}
	for (j = ptr_hash(p, set->cap); set->slots[j]; j = (j + 1) & (set->cap - 1))
		if (set->slots[j] == p)
			return 0;
	set->slots[j] = p;
	set->count++;
	return 1;
}

/* ---- capped text, fed in pieces ---- */

static void streamcap_init(streamcap *sc, size_t cap)
{
	memset(sc, 0, sizeof(*sc));
	sc->cap = cap;
	sc->headcap = FP_TEXT_CAP_HEAD(cap);
	/* With the ring this large the whole text is kept while it fits. */
	sc->ringcap = cap - sc->headcap;
	sc->head = fp_xmalloc(sc->headcap);
	sc->ring = fp_xmalloc(sc->ringcap);
}

static void streamcap_reset(streamcap *sc)
{
	sc->headlen = sc->ringpos = 0;
	sc->total = 0;
}

static void streamcap_free(streamcap *sc)
{
	free(sc->head);
	free(sc->ring);
	sc->head = sc->ring = NULL;
}

static void streamcap_add(streamcap *sc, const char *p, size_t n)
{
	if (sc->headlen < sc->headcap) {
		size_t k = sc->headcap - sc->headlen;

		if (k > n)
			k = n;
		memcpy(sc->head + sc->headlen, p, k);
		sc->headlen += k;
		sc->total += k;
		p += k;
		n -= k;
	}
	if (n == 0)
		return;
	if (sc->total == sc->headcap)
		sc->after_head = (unsigned char)p[0];
	sc->total += n;
	if (n >= sc->ringcap) {
		memcpy(sc->ring, p + n - sc->ringcap, sc->ringcap);
		sc->ringpos = 0;
		return;
	}
	while (n > 0) {
		size_t k = sc->ringcap - sc->ringpos;

		if (k > n)
			k = n;
		memcpy(sc->ring + sc->ringpos, p, k);
		sc->ringpos = (sc->ringpos + k) % sc->ringcap;
		p += k;
		n -= k;
	}
}

/* Appends the last `n` bytes that went into the ring to `out`. */
static void streamcap_tail(const streamcap *sc, fp_buf *out, size_t n)
{
	size_t start = (sc->ringpos + sc->ringcap - n) % sc->ringcap;

	if (start + n <= sc->ringcap) {
		fp_buf_add(out, sc->ring + start, n);
	} else {
		fp_buf_add(out, sc->ring + start, sc->ringcap - start);
		fp_buf_add(out, sc->ring, n - (sc->ringcap - start));
	}
}

/*
 * Copies the text into the run's arena, exactly as fp_run_strcap would have
 * copied the whole text: the same cut points and the same marker line.
 */
static const char *streamcap_finish(const streamcap *sc, fp_run *run)
{
	fp_buf b = FP_BUF_INIT, head = FP_BUF_INIT, tail = FP_BUF_INIT;
	const char *copy;

	if (sc->total <= sc->cap) {
		fp_buf_add(&b, sc->head, sc->headlen);
		streamcap_tail(sc, &b, (size_t)sc->total - sc->headlen);
		copy = fp_run_strcap(run, b.ptr, b.len, sc->cap);
		fp_buf_free(&b);
		return copy;
	}
	/* The head with the byte after it, so its cut can be seen; the tail
	 * out of the ring in order. */
	fp_buf_add(&head, sc->head, sc->headcap);
	fp_buf_putc(&head, (char)sc->after_head);
	streamcap_tail(sc, &tail, FP_TEXT_CAP_TAIL(sc->cap));
	fp_text_cap(&b, head.ptr, head.len, tail.ptr, tail.len, sc->total, sc->cap);
	copy = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&tail);
	fp_buf_free(&head);
	fp_buf_free(&b);
	return copy;
}

/* ---- entries ---- */

/*
 * The name of a test: the part after the last "::" that starts before the
 * parametrization, which may itself hold "::" (the same split as the join
 * key in model.c). `sep` is the first "::", where the path ends: a '[' in
 * the path (a folder "[a]") is no parametrization.
 */
static const char *nodeid_name(const char *id, const char *sep)
{
	const char *bracket = sep ? strchr(sep, '[') : NULL;
	const char *end = bracket ? bracket : id + strlen(id);
	const char *last = NULL, *p;

	for (p = sep; p && p < end; p = strstr(p + 2, "::"))
		last = p;
	return last ? last + 2 : id;
}

/* The file of a node id (the part before `sep`, its first "::"),
 * interned; the last one is remembered because items of one file come
 * together. */
static const char *nodeid_file(collect *c, const char *id, const char *sep)
{
	size_t n = sep ? (size_t)(sep - id) : strlen(id);

	if (c->last_file && strncmp(c->last_file, id, n) == 0 && c->last_file[n] == '\0')
		return c->last_file;
	c->last_file = fp_run_intern(c->run, id, n);
	return c->last_file;
}

/* Copies a node id into the run, cut to FP_MAX_NAME bytes. */
static const char *copy_nodeid(collect *c, const char *id, size_t len)
{
	if (len > FP_MAX_NAME) {
		fp_run_warn(c->run, c->input, "'%s' line %llu: node id longer than %d bytes, cut",
			    c->path, (unsigned long long)c->lineno, FP_MAX_NAME);
		len = fp_utf8_cut(id, len, FP_MAX_NAME);
	}
	return fp_run_strndup(c->run, id, len);
}

/* Adds one collected test. */
static int add_item(collect *c, const char *id, size_t len)
{
	const char *sep;
	fp_test *t = NULL;
	int err;

	if ((err = fp_run_add_test(&t, c->run, c->input)) < 0)
		return err;
	t->nodeid = copy_nodeid(c, id, len);
	sep = strstr(t->nodeid, "::");
	t->name = nodeid_name(t->nodeid, sep);
	t->file = nodeid_file(c, t->nodeid, sep);
	t->status = FP_STATUS_NOT_RUN;
	t->flags = FP_TEST_COLLECTED;
	ptrset_add(&c->files, t->file);
	c->listed++;
	return 0;
}

/*
 * The exception type at the start of a message, as in
 * "ModuleNotFoundError: No module named 'x'": a dotted name whose last part
 * starts with a capital, followed by ':' or by nothing. NULL otherwise.
 */
static const char *message_type(collect *c, const char *msg)
{
	const char *p = msg, *part = msg;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit(*p) ||
	       *p == '_' || *p == '.') {
		if (*p == '.')
			part = p + 1;
		p++;
	}
	if (p == msg || p - msg > 200 || (*p != ':' && *p != '\0'))
		return NULL;
	if (!(*part >= 'A' && *part <= 'Z') || p[-1] == '.')
		return NULL;
	return fp_run_intern(c->run, msg, (size_t)(p - msg));
}

/*
 * Adds the entry of a collection error for `id` (a file, or a class in
 * it), unless `id` already has one: pytest reports a module twice when two
 * collectors fail on it (a Module and a DoctestModule), and the short
 * summary repeats the ERRORS section. `trace` may be NULL.
 */
static int add_error(collect *c, const char *id, size_t len, const char *msg, size_t msglen,
		     const char *trace)
{
	fp_buf clean = FP_BUF_INIT;
	const char *key;
	fp_test *t = NULL;
	int err;

	/* Interned clean, so that the same bad bytes find the same copy. */
	fp_utf8_clean(&clean, id, fp_utf8_cut(id, len, FP_MAX_NAME));
	key = fp_run_intern(c->run, clean.ptr, clean.len);
	fp_buf_free(&clean);
	if (!ptrset_add(&c->error_ids, key))
		return 0;
	if ((err = fp_run_add_test(&t, c->run, c->input)) < 0)
		return err;
	t->nodeid = key;
	t->name = nodeid_name(key, strstr(key, "::"));
	t->file = nodeid_file(c, key, strstr(key, "::"));
	t->status = FP_STATUS_ERROR;
	t->phase = FP_PHASE_COLLECTION;
	if (msglen || trace) {
		fp_detail *d = fp_test_detail(c->run, t);

		if (msglen) {
			d->message = fp_run_strcap(c->run, msg, msglen, FP_MAX_MESSAGE);
			d->type = message_type(c, d->message);
		}
		d->trace = trace;
	}
	ptrset_add(&c->files, t->file);
	ptrset_add(&c->error_files, t->file);
	return 0;
}

/* ---- a session that never started ---- */

/* The kind of block line `s` starts, if any. A usage error is "ERROR: "
 * and pytest's message at the start of a line; the short summary's
 * "ERROR tests/x.py" has no colon. */
static session_kind session_start(const char *s)
{
	if (starts_with(s, "ImportError while loading conftest '"))
		return SESSION_CONFTEST;
	if (starts_with(s, "INTERNALERROR>"))
		return SESSION_INTERNAL;
	if (starts_with(s, "ERROR: ") && s[7] != ' ' && s[7] != '\0')
		return SESSION_USAGE;
	return SESSION_NONE;
}

/* Usage errors that could come from pytest only; other "ERROR: " lines
 * count when the rest of the text is pytest's. */
static int known_usage(const char *s)
{
	return starts_with(s, "ERROR: usage: ") ||
	       starts_with(s, "ERROR: file or directory not found: ") ||
	       starts_with(s, "ERROR: not found: ");
}

/* argparse's line under "ERROR: usage:": "pytest: error: unrecognized
 * arguments: --x" (the program is "__main__.py" under python -m pytest). */
static int usage_detail(const char *s)
{
	const char *p = s;

	while (*p && *p != ' ' && *p != ':')
		p++;
	return p > s && starts_with(p, ": error: ");
}

/* What a line of the first block says: the message and the type. */
static void session_says(collect *c, const char *s, size_t n)
{
	session *ss = &c->sess;
	const char *text;

	switch (ss->kind) {
	case SESSION_CONFTEST:
		/* "E   ModuleNotFoundError: No module named 'x'" names the type. */
		if (s[0] == 'E' && (s[1] == ' ' || s[1] == '\t')) {
			const char *type;

			for (text = s + 1; *text == ' ' || *text == '\t'; text++)
				;
			if ((type = message_type(c, text)) != NULL)
				ss->type = type;
		}
		break;
	case SESSION_USAGE:
		if (starts_with(ss->message.ptr, "ERROR: usage: ") && usage_detail(s)) {
			fp_buf_clear(&ss->message);
			fp_buf_add(&ss->message, s, n);
		}
		break;
	case SESSION_INTERNAL:
		/* The exception's own line says what happened. */
		text = s + strlen("INTERNALERROR>");
		if (*text == ' ')
			text++;
		if (session_start(s) == SESSION_INTERNAL && (text = message_type(c, text)) != NULL) {
			ss->type = text;
			fp_buf_clear(&ss->message);
			fp_buf_add(&ss->message, s, n);
		}
		break;
	default:
		break;
	}
}

/* Adds a line of a block of kind `kind` to the session. */
static void session_add(collect *c, const char *s, size_t n, session_kind kind)
{
	session *ss = &c->sess;

	if (ss->kind == SESSION_NONE) {
		ss->kind = kind;
		streamcap_init(&ss->trace, FP_MAX_TRACE);
		fp_buf_add(&ss->message, s, n);
	}
	if (kind != SESSION_USAGE || known_usage(s))
		ss->known = 1;
	if (ss->lines++)
		streamcap_add(&ss->trace, "\n", 1);
	streamcap_add(&ss->trace, s, n);
	if (kind == ss->kind)
		session_says(c, s, n);
}

/*
 * Takes line `s` when it belongs to a session that never started; returns
 * 1 when it did. A conftest's or a usage error's block ends at a blank
 * line, INTERNALERROR's at the first line without its prefix.
 */
static int session_line(collect *c, const char *s, size_t n)
{
	session_kind k = session_start(s);

	if (k == SESSION_USAGE && c->sec == SEC_ERROR)
		k = SESSION_NONE; /* a collection error's own words */
	if (k != SESSION_NONE) {
		c->sess.open = k;
		session_add(c, s, n, k);
		return 1;
	}
	if (c->sess.open == SESSION_NONE)
		return 0;
	if (n == 0 || c->sess.open == SESSION_INTERNAL) {
		c->sess.open = SESSION_NONE;
		return n == 0;
	}
	session_add(c, s, n, c->sess.open);
	return 1;
}

/*
 * The entry for the whole session: node id "<session>", an error in
 * collection, FP_TEST_SESSION. The run never started, so the collection
 * was interrupted.
 */
static int add_session(collect *c)
{
	session *ss = &c->sess;
	fp_test *t = NULL;
	fp_detail *d;
	int err;

	if ((err = fp_run_add_test(&t, c->run, c->input)) < 0)
		return err;
	t->nodeid = FP_SESSION_NODEID;
	t->name = FP_SESSION_NODEID;
	t->status = FP_STATUS_ERROR;
	t->phase = FP_PHASE_COLLECTION;
	t->flags = FP_TEST_SESSION;
	d = fp_test_detail(c->run, t);
	d->message = fp_run_strcap(c->run, ss->message.ptr, ss->message.len, FP_MAX_MESSAGE);
	d->type = ss->type;
	d->trace = streamcap_finish(&ss->trace, c->run);
	c->interrupted = 1;
	c->recognised++;
	return 0;
}

/* ---- the console output of a test run ---- */

/* A sign of a test run at line `s`; the summary line is the one quoted. */
static void run_mark(collect *c, const char *s, int summary)
{
	c->run_marks++;
	if (c->run_evidence.len && (c->run_summary || !summary))
		return;
	c->run_summary = summary;
	fp_buf_clear(&c->run_evidence);
	fp_utf8_clean(&c->run_evidence, s, fp_utf8_cut(s, strlen(s), QUOTE_MAX));
}

/* A progress line ends in " [ 33%]" (or is the "[100%]" alone). */
static int is_progress(const char *s, size_t n)
{
	size_t i;

	if (n < 6 || s[n - 1] != ']' || s[n - 2] != '%' || s[n - 6] != '[' ||
	    (n > 6 && s[n - 7] != ' '))
		return 0;
	for (i = n - 5; i < n - 2; i++)
		if (!is_digit(s[i]) && s[i] != ' ')
			return 0;
	return is_digit(s[n - 3]);
}

/* The short test summary of a run: "FAILED tests/x.py::t - ...". */
static int run_result_line(const char *s)
{
	return starts_with(s, "FAILED ") || starts_with(s, "PASSED ") ||
	       starts_with(s, "XFAIL ") || starts_with(s, "XPASS ");
}

/* ---- the ERRORS section ---- */

static void start_error(collect *c, const char *id, size_t len)
{
	c->in_error = 1;
	c->sec = SEC_ERROR;
	c->error_sections++;
	fp_buf_clear(&c->err_id);
	fp_buf_add(&c->err_id, id, len);
	fp_buf_clear(&c->err_msg);
	fp_buf_clear(&c->err_first);
	streamcap_reset(&c->trace);
	c->trace_lines = 0;
}

/* Ends the error being read, if any, and adds its entry. */
static int finish_error(collect *c)
{
	const fp_buf *msg = c->err_msg.len ? &c->err_msg : &c->err_first;

	if (!c->in_error)
		return 0;
	c->in_error = 0;
	if (c->sec == SEC_ERROR)
		c->sec = SEC_ERRORS;
	return add_error(c, c->err_id.ptr, c->err_id.len, msg->ptr, msg->len,
			 c->trace.total ? streamcap_finish(&c->trace, c->run) : NULL);
}

/* Separates trace lines; the first one needs no newline before it. */
static void trace_newline(collect *c)
{
	if (c->trace_lines++)
		streamcap_add(&c->trace, "\n", 1);
}

/*
 * One line of an error's body. The message is the last "E   " line that
 * says something (for an ImportError, "E   ModuleNotFoundError: ..."), or
 * the first line when there is none ("import file mismatch:").
 */
static void error_line(collect *c, const char *s, size_t n)
{
	const char *text = s;

	if (!c->spilled) {
		trace_newline(c);
		streamcap_add(&c->trace, s, n);
	}
	while (*text == ' ' || *text == '\t')
		text++;
	if (!*text)
		return;
	if (c->err_first.len == 0 && text == s)
		fp_buf_add(&c->err_first, s, n);
	if (s[0] == 'E' && (s[1] == ' ' || s[1] == '\t')) {
		text = s + 1;
		while (*text == ' ' || *text == '\t')
			text++;
		if (*text) {
			fp_buf_clear(&c->err_msg);
			fp_buf_add(&c->err_msg, text, n - (size_t)(text - s));
		}
	}
}

/*
 * A "short test summary info" line: "ERROR tests/x.py - ModuleNotFoundError:
 * ..." or "ERROR tests/x.py". It only adds an entry when no ERRORS section
 * did (with --tb=no there is none).
 */
static int short_summary_line(collect *c, const char *s, size_t n)
{
	const char *id = s + 6, *dash;
	size_t idlen;

	if (!starts_with(s, "ERROR ") || n <= 6 || s[6] == ' ')
		return 0;
	c->recognised++;
	c->short_errors++;
	dash = strstr(id, " - ");
	idlen = dash ? (size_t)(dash - id) : n - 6;
	if (dash) {
		const char *msg = dash + 3;

		while (*msg == ' ')
			msg++;
		return add_error(c, id, idlen, msg, strlen(msg), NULL);
	}
	return add_error(c, id, idlen, NULL, 0, NULL);
}

/* ---- header and summary lines ---- */

/* "platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0": the major
 * version decides how the tree's folder levels read. */
static void platform_line(collect *c, const char *s)
{
	const char *v = strstr(s, "pytest-");
	int64_t major;

	if (v && (v += 7, read_count(&v, &major)) && major < 1000)
		c->pytest_major = (int)major;
}

/*
 * "collected 10 items / 1 error / 8 deselected / 1 skipped / 2 selected".
 * pytest 6 counted errors and skips out of "selected", so the tests that
 * will run are the items less the deselected.
 */
static void collected_line(collect *c, const char *s)
{
	int64_t items, v;

	s += strlen("collected ");
	if (!read_count(&s, &items))
		return;
	c->header.collected = items;
	c->header.errors = 0;
	c->header.deselected = 0;
	while ((s = strstr(s, " / ")) != NULL) {
		s += 3;
		if (!read_count(&s, &v))
			break;
		if (starts_with(s, " error"))
			c->header.errors = v;
		else if (starts_with(s, " deselected"))
			c->header.deselected = v;
	}
	if (c->header.deselected <= items)
		c->header.collected = items - c->header.deselected;
}

/* A header line of pytest's; returns 1 when `s` is one. */
static int header_line(collect *c, const char *s)
{
	static const char *const plain[] = {
		"rootdir: ", "cachedir: ", "configfile: ", "testpaths: ", "plugins: ",
		"collecting ", NULL
	};
	size_t i;

	if (starts_with(s, "collecting ... "))
		s += strlen("collecting ... ");
	if (starts_with(s, "collected ")) {
		collected_line(c, s);
		return 1;
	}
	if (starts_with(s, "platform ") && strstr(s, " -- Python ")) {
		platform_line(c, s);
		return 1;
	}
	for (i = 0; plain[i]; i++)
		if (starts_with(s, plain[i]))
			return 1;
	return 0;
}

/* Whether `s` ends in a pytest duration: "0.05s" or "65.30s (0:01:05)". */
static int is_duration(const char *s)
{
	int64_t v;

	if (!read_count(&s, &v) || *s++ != '.' || !read_count(&s, &v) || *s++ != 's')
		return 0;
	if (*s == '\0')
		return 1;
	return s[0] == ' ' && s[1] == '(' && s[strlen(s) - 1] == ')';
}

/* Reads "(N deselected)", the whole of `s`. */
static int read_deselected(const char *s, int64_t *out)
{
	return *s++ == '(' && read_count(&s, out) && strcmp(s, " deselected)") == 0;
}

/* One comma-separated part of a summary line, into `st`. */
static int summary_part(const char *p, size_t n, stated *st)
{
	static const char none[] = "no tests collected", some[] = " tests collected ";
	char part[128];
	const char *s = part;
	int64_t a, b, d = 0;

	if (n == 0 || n >= sizeof(part))
		return 0;
	memcpy(part, p, n);
	part[n] = '\0';
	if (strcmp(part, "no tests ran") == 0)
		return 1;
	if (starts_with(part, none)) {
		s += sizeof(none) - 1;
		if (*s && !(*s == ' ' && read_deselected(s + 1, &d)))
			return 0;
		st->collected = 0;
		st->deselected = d;
		return 1;
	}
	if (!read_count(&s, &a))
		return 0;
	if (*s == '/') {
		/* "2/10 tests collected (8 deselected)" */
		s++;
		if (!read_count(&s, &b) || !starts_with(s, some) ||
		    !read_deselected(s + sizeof(some) - 1, &d))
			return 0;
		st->collected = a;
		st->deselected = d;
		return 1;
	}
	if (strcmp(s, " test collected") == 0 || strcmp(s, " tests collected") == 0) {
		st->collected = a;
		return 1;
	}
	if (strcmp(s, " error") == 0 || strcmp(s, " errors") == 0) {
		st->errors = a;
		return 1;
	}
	if (strcmp(s, " deselected") == 0) {
		st->deselected = a;
		return 1;
	}
	/* "2 warnings", "3 passed" (a run, not a collection): other counts. */
	if (*s++ != ' ' || !*s)
		return 0;
	if (strcmp(s, "passed") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "xfailed") == 0 ||
	    strcmp(s, "xpassed") == 0)
		st->ran = 1;
	while (*s >= 'a' && *s <= 'z')
		s++;
	return *s == '\0';
}

/*
 * A summary line: "10 tests collected, 1 error in 0.05s", "no tests
 * collected (1 deselected) in 0.00s", "2/10 tests collected (8 deselected)
 * in 0.01s"... Every part must read, so a trace line is never taken for it.
 */
static int summary_line(collect *c, const char *s)
{
	stated st = { -1, 0, 0, 0 };
	const char *in = NULL, *p;

	for (p = strstr(s, " in "); p; p = strstr(p + 1, " in "))
		in = p;
	if (!in || in == s || !is_duration(in + 4))
		return 0;
	for (p = s; p < in;) {
		const char *comma = strstr(p, ", ");
		const char *end = comma && comma < in ? comma : in;

		if (!summary_part(p, (size_t)(end - p), &st))
			return 0;
		p = end == in ? in : end + 2;
	}
	if (st.ran)
		run_mark(c, s, 1);
	/* Errors and deselected tests are stated whenever there are any;
	 * "collected" is missing before pytest 6.2 ("no tests ran"). */
	c->summary = st;
	c->have_summary = 1;
	c->recognised++;
	return 1;
}

/* ---- separator lines ---- */

/*
 * Whether `s` is a line pytest's write_sep() makes with `ch`: "=== TITLE ===",
 * or the bare rule. Sets the title (without the fill) in `title`.
 */
static int sep_title(const char *s, size_t n, char ch, const char **title, size_t *tlen)
{
	size_t i = 0, j = n;
	int wordy = 0;

	while (i < n && s[i] == ch)
		i++;
	if (i == 0)
		return 0;
	*title = s + i;
	*tlen = 0;
	if (i == n)
		return ch != '_'; /* "_____" is a rule in a trace */
	if (s[i] != ' ')
		return 0;
	while (j > i && s[j - 1] == ch)
		j--;
	if (j == n || j <= i + 1 || s[j - 1] != ' ')
		return 0;
	*title = s + i + 1;
	*tlen = j - i - 2;
	for (i = 0; i < *tlen; i++)
		if ((*title)[i] != ch && (*title)[i] != ' ')
			wordy = 1;
	/* "_ _ _ _" separates traceback entries; it is no header. */
	return wordy;
}

static int title_is(const char *t, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(t, want, n) == 0;
}

/* "=== ERRORS ===" and the other section heads. */
static int equals_line(collect *c, const char *t, size_t n)
{
	char title[256];

	if (title_is(t, n, "test session starts")) {
		c->sec = SEC_MAIN;
		c->recognised++;
	} else if (title_is(t, n, "ERRORS")) {
		c->sec = SEC_ERRORS;
	} else if (title_is(t, n, "short test summary info")) {
		c->sec = SEC_SHORT;
	} else if (title_is(t, n, "FAILURES") || title_is(t, n, "PASSES")) {
		run_mark(c, t, 0);
		c->sec = SEC_SKIP;
	} else {
		c->sec = SEC_SKIP;
		if (n < sizeof(title)) {
			memcpy(title, t, n);
			title[n] = '\0';
			if (summary_line(c, title))
				c->sec = SEC_MAIN;
		}
	}
	return 0;
}

/* "____ ERROR collecting tests/x.py ____" starts an error; any other
 * header (a failure of a full run) starts a section to pass over. */
static int underscore_line(collect *c, const char *t, size_t n)
{
	static const char lead[] = "ERROR collecting ";

	if (starts_with(t, "ERROR at setup of ") || starts_with(t, "ERROR at teardown of "))
		run_mark(c, t, 0);
	if (n > sizeof(lead) - 1 && memcmp(t, lead, sizeof(lead) - 1) == 0) {
		start_error(c, t + sizeof(lead) - 1, n - (sizeof(lead) - 1));
		c->recognised++;
		return 0;
	}
	c->sec = SEC_SKIP;
	return 0;
}

/* "!!!! Interrupted: 2 errors during collection !!!!" */
static int bang_line(collect *c, const char *t, size_t n)
{
	if (n > 13 && memcmp(t, "Interrupted: ", 13) == 0) {
		const char *p = t + 13;
		int64_t v;

		c->interrupted = 1;
		c->recognised++;
		if (read_count(&p, &v) && (starts_with(p, " error during collection") ||
					   starts_with(p, " errors during collection")))
			c->interrupted_errors = v;
		c->sec = SEC_MAIN;
	} else if (title_is(t, n, "KeyboardInterrupt")) {
		c->interrupted = 1;
		c->sec = SEC_MAIN;
	} else {
		c->sec = SEC_SKIP; /* "collection failures" and the like */
	}
	return 0;
}

/* ---- the tree ---- */

static int is_folder_type(const char *type, size_t n)
{
	return (n == 3 && memcmp(type, "Dir", 3) == 0) ||
	       (n == 7 && memcmp(type, "Package", 7) == 0) ||
	       (n >= 9 && memcmp(type + n - 9, "Directory", 9) == 0);
}

/* Builds the node id of the item at the top of the stack and adds it. */
static int emit_item(collect *c)
{
	fp_buf *id = &c->id;
	int file_seen = 0;
	size_t i;

	c->pending = 0;
	fp_buf_clear(id);
	for (i = 0; i < c->depth; i++) {
		const level *lv = &c->stack[i];
		const char *name = c->names.ptr + lv->off;

		if (lv->dir) {
			if (i == 0 && c->root_skipped)
				continue;
			fp_buf_add(id, name, lv->len);
			fp_buf_putc(id, '/');
		} else {
			if (file_seen)
				fp_buf_puts(id, "::");
			fp_buf_add(id, name, lv->len);
			file_seen = 1;
		}
	}
	if (!file_seen)
		return 0; /* a folder with nothing in it: not an item */
	return add_item(c, id->ptr, id->len);
}

/*
 * Warns once that a tree from pytest before 8 names packages by their last
 * folder only (<Package payments> for checkout/payments), so what is built
 * from it may lack the folders above.
 */
static void warn_package(collect *c, const char *name, size_t n)
{
	if (c->warned_package)
		return;
	c->warned_package = 1;
	fp_run_warn(c->run, c->input,
		    "'%s' line %llu: pytest before 8 shows packages without the folders above "
		    "them, so node ids under <Package %.*s> and later packages may lack those "
		    "folders; collect with -q for exact node ids",
		    c->path, (unsigned long long)c->lineno, (int)fp_utf8_cut(name, n, 200), name);
}

/*
 * A tree line "<Type name>" at `indent` spaces. Its parent is the nearest
 * line above it that is less indented: pytest before 7 indents a class's
 * functions by 4, counting the Instance level it does not print. The line
 * before was an item (a leaf) when this one is not deeper. Folder levels
 * count only above the first file-like level; a pytest 8 tree's root
 * folder is the rootdir, which node ids leave out.
 */
static int tree_node(collect *c, size_t indent, const char *type, size_t typelen,
		     const char *name, size_t namelen)
{
	level *top;
	size_t lv;
	int err;

	c->recognised++;
	if (c->pending && indent <= c->stack[c->depth - 1].indent && (err = emit_item(c)) < 0)
		return err;
	c->pending = 0;
	while (c->depth > 0 && c->stack[c->depth - 1].indent >= indent)
		c->depth--;
	lv = c->depth;
	if (lv >= MAX_DEPTH) {
		if (!c->warned_depth)
			fp_run_warn(c->run, c->input, "'%s' line %llu: tree deeper than %d levels left out",
				    c->path, (unsigned long long)c->lineno, MAX_DEPTH);
		c->warned_depth = 1;
		return 0;
	}
	top = &c->stack[lv];
	fp_buf_truncate(&c->names, lv ? top[-1].off + top[-1].len : 0);
	c->depth = lv + 1;
	top->indent = indent;
	top->off = c->names.len;
	top->len = namelen > FP_MAX_NAME ? fp_utf8_cut(name, namelen, FP_MAX_NAME) : namelen;
	top->dir = is_folder_type(type, typelen) && (lv == 0 || top[-1].dir);
	fp_buf_add(&c->names, name, top->len);
	if (lv == 0)
		c->root_skipped = top->dir && (c->pytest_major >= 8 ||
					       (c->pytest_major == 0 && typelen == 3));
	if (lv == 0 && top->dir && !c->root_skipped && typelen == 7)
		warn_package(c, name, namelen);
	c->pending = 1;
	return 0;
}

/* Whether `s` (after its indentation) reads "<Type name>"; sets the parts. */
static int tree_line(const char *s, size_t n, const char **type, size_t *typelen,
		     const char **name, size_t *namelen)
{
	size_t i = 1;

	if (n < 4 || s[0] != '<' || s[n - 1] != '>' || !(s[1] >= 'A' && s[1] <= 'Z'))
		return 0;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			 is_digit(s[i]) || s[i] == '_'))
		i++;
	if (i >= n - 2 || s[i] != ' ')
		return 0;
	*type = s + 1;
	*typelen = i - 1;
	*name = s + i + 1;
	*namelen = n - i - 2;
	return 1;
}

/* Ends the tree, if one is being read: its last line was an item. */
static int end_tree(collect *c)
{
	int err = c->pending ? emit_item(c) : 0;

	c->pending = 0;
	c->depth = 0;
	fp_buf_clear(&c->names);
	return err;
}

/* ---- node ids and per-file counts ---- */

/*
 * Whether `path` (n bytes) looks like the file part of a node id: no
 * control characters or shell/markup punctuation, and a dot in its last
 * component ("tests/test_x.py", "docs/guide.txt"). This keeps lines such
 * as "std::vector<int>" in unrelated text from being taken for tests.
 */
static int looks_like_path(const char *path, size_t n)
{
	size_t i;
	int dot = 0;

	if (n == 0 || path[0] == ' ' || path[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)path[i];

		switch (ch) {
		case '<': case '>': case '"': case '|': case '*': case '?': case 0x7f:
			return 0;
		case '/':
			dot = 0;
			break;
		case '.':
			dot = i > 0;
			break;
		default:
			if (ch < 0x20)
				return 0;
		}
	}
	return dot;
}

/* "tests/api/test_orders.py: 8" (-qq). */
static int count_line(collect *c, const char *s, size_t n)
{
	const char *digits = s + n;
	size_t pathlen;
	int64_t v;

	while (digits > s && is_digit(digits[-1]))
		digits--;
	if (digits == s + n || digits - s < 3 || digits[-1] != ' ' || digits[-2] != ':')
		return 0;
	pathlen = (size_t)(digits - s) - 2;
	if (!looks_like_path(s, pathlen) || !read_count(&digits, &v))
		return 0;
	c->recognised++;
	c->listed += (uint64_t)v;
	ptrset_add(&c->files, fp_run_intern(c->run, s, pathlen));
	return 1;
}

/* A line of the main section, at indentation 0 and not in the tree. */
static int main_line(collect *c, const char *s, size_t n)
{
	const char *sep = strstr(s, "::");

	if (sep && looks_like_path(s, (size_t)(sep - s))) {
		c->recognised++;
		return add_item(c, s, n);
	}
	if (sep)
		return 0;
	if (header_line(c, s)) {
		c->recognised++;
		return 0;
	}
	if (!count_line(c, s, n))
		summary_line(c, s);
	return 0;
}

/* ---- lines ---- */

static void note_first_text(collect *c, const char *s, size_t n)
{
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (c->first_text.len || !*p)
		return;
	c->first_lineno = c->lineno;
	fp_utf8_clean(&c->first_text, p, fp_utf8_cut(p, n - (size_t)(p - s), QUOTE_MAX));
	for (p = c->first_text.ptr; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			c->first_text.ptr[p - c->first_text.ptr] = '?';
}

/*
 * Handles `s` when it is one of pytest's separator lines; sets *handled.
 * A separator ends the tree and the error being read.
 */
static int separator(collect *c, const char *s, size_t n, int *handled)
{
	const char *t;
	size_t tn;
	int err;

	*handled = sep_title(s, n, s[0], &t, &tn);
	if (!*handled)
		return 0;
	c->sess.open = SESSION_NONE;
	if ((err = end_tree(c)) < 0 || (err = finish_error(c)) < 0)
		return err;
	if (s[0] == '=')
		return equals_line(c, t, tn);
	if (s[0] == '_')
		return underscore_line(c, t, tn);
	return bang_line(c, t, tn);
}

/* Handles one line, NUL-terminated, without its line end. */
static int handle_line(collect *c, char *s, size_t n)
{
	const char *type, *name;
	size_t indent = 0, typelen, namelen;
	int handled, err;

	c->lineno++;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0'; /* a terminal's erase padding */
	note_first_text(c, s, n);
	if (n > 0 && (s[0] == '=' || s[0] == '_' || s[0] == '!')) {
		if ((err = separator(c, s, n, &handled)) < 0 || handled)
			return err;
	}
	if (session_line(c, s, n))
		return 0;
	if (c->sec == SEC_ERROR) {
		if (summary_line(c, s))
			return finish_error(c);
		error_line(c, s, n);
		return 0;
	}
	while (indent < n && s[indent] == ' ')
		indent++;
	if (indent == n)
		return 0;
	if (c->sec == SEC_SHORT) {
		if (run_result_line(s))
			run_mark(c, s, 0);
		else if (!short_summary_line(c, s, n))
			summary_line(c, s);
		return 0;
	}
	if (c->sec == SEC_MAIN && is_progress(s, n)) {
		run_mark(c, s, 0);
		return 0;
	}
	if (c->sec != SEC_MAIN) {
		summary_line(c, s);
		return 0;
	}
	if (tree_line(s + indent, n - indent, &type, &typelen, &name, &namelen))
		return tree_node(c, indent, type, typelen, name, namelen);
	if (indent > 0)
		return 0; /* a docstring under a tree line (-v) */
	if ((err = end_tree(c)) < 0)
		return err;
	return main_line(c, s, n);
}

/*
 * Ends the current line. A line cut at LINE_KEEP bytes in an error's body
 * has already gone to the trace whole (see overflow).
 */
static int end_line(collect *c)
{
	int err;

	c->line[c->linelen] = '\0';
	err = handle_line(c, c->line, c->linelen);
	c->linelen = 0;
	c->long_line = 0;
	c->spilled = 0;
	return err;
}

/*
 * Bytes past LINE_KEEP. In an error's body the line cannot be a header, so
 * its bytes go to the trace as they come instead of being lost.
 */
static void overflow(collect *c, const char *p, size_t n)
{
	if (!c->long_line) {
		c->long_line = 1;
		if (c->sec == SEC_ERROR && c->line[0] != '=' && c->line[0] != '_' &&
		    c->line[0] != '!') {
			c->spilled = 1;
			trace_newline(c);
			streamcap_add(&c->trace, c->line, c->linelen);
		}
	}
	if (c->spilled)
		streamcap_add(&c->trace, p, n);
}

/* Appends a run of ordinary bytes to the current line. */
static void add_bytes(collect *c, const char *p, size_t n)
{
	size_t k = LINE_KEEP - c->linelen;

	if (k > n)
		k = n;
	memcpy(c->line + c->linelen, p, k);
	c->linelen += k;
	if (k < n)
		overflow(c, p + k, n - k);
}

/*
 * Takes byte `b` inside an escape sequence; returns 1 when the sequence
 * swallows it, 0 when it ended the sequence and is text to handle.
 */
static int escape_byte(collect *c, unsigned char b)
{
	switch (c->esc) {
	case ESC_START:
		c->esc = b == '[' ? ESC_CSI : b == ']' ? ESC_OSC :
			 (b >= 0x20 && b <= 0x2f) ? ESC_INTER : ESC_NONE;
		return c->esc != ESC_NONE || (b >= 0x30 && b <= 0x7e);
	case ESC_CSI:
	case ESC_INTER:
		if (b >= 0x20 && b <= (c->esc == ESC_CSI ? 0x3f : 0x2f))
			return 1;
		c->esc = ESC_NONE;
		return b >= 0x30 && b <= 0x7e;
	case ESC_OSC:
		if (b == 0x07 || b == 0x1b) {
			c->esc = b == 0x1b ? ESC_START : ESC_NONE;
			return 1;
		}
		if (b != '\n' && b != '\r')
			return 1;
		c->esc = ESC_NONE;
		return 0;
	default:
		return 0;
	}
}

/* The bytes that end a run of text: line ends, ESC and NUL. */
static const unsigned char special[256] = {
	[0] = 1, ['\n'] = 1, ['\r'] = 1, [0x1b] = 1
};

/*
 * Feeds `n` bytes through the escape filter and the line splitter. Colour
 * codes (ESC [ ... letter) and other escapes are dropped; NUL bytes too, so
 * every line is a C string.
 */
static int feed(collect *c, const unsigned char *p, size_t n)
{
	size_t i = 0;
	int err;

	while (i < n) {
		unsigned char b = p[i];
		size_t j;

		if (c->esc != ESC_NONE && escape_byte(c, b)) {
			i++;
			continue;
		}
		if (!special[b]) {
			for (j = i + 1; j < n && !special[p[j]]; j++)
				;
			c->after_cr = 0;
			add_bytes(c, (const char *)p + i, j - i);
			i = j;
			continue;
		}
		i++;
		if (b == 0x1b) {
			c->esc = ESC_START;
			c->after_cr = 0;
		} else if (b == '\n' && c->after_cr) {
			c->after_cr = 0; /* the LF of a CRLF */
		} else if (b == '\n' || b == '\r') {
			c->after_cr = b == '\r';
			if ((err = end_line(c)) < 0)
				return err;
		}
	}
	return 0;
}

/* ---- the figures ---- */

/* The first figure the output states (>= 0), else the one counted. */
static uint64_t first_stated(int64_t a, int64_t b, int64_t c, uint64_t counted)
{
	if (a >= 0)
		return (uint64_t)a;
	if (b >= 0)
		return (uint64_t)b;
	return c >= 0 ? (uint64_t)c : counted;
}

/*
 * Adds this input's figures to run->collection: what the summary line
 * says, else the "collected" header, else what was counted. Checks that
 * the tests listed add up to what the output says was collected.
 */
static void finish_figures(collect *c)
{
	fp_collection *col = &c->run->collection;
	const stated *sum = &c->summary;
	int64_t sum_errors = c->have_summary ? sum->errors : -1;
	int64_t sum_deselected = c->have_summary ? sum->deselected : -1;
	uint64_t collected;

	collected = first_stated(sum->collected, c->header.collected, -1, c->listed);
	col->present = 1;
	col->collected += collected;
	col->errors += first_stated(sum_errors, c->header.errors, c->interrupted_errors,
				    c->error_sections ? c->error_sections : c->short_errors);
	col->deselected += first_stated(sum_deselected, c->header.deselected, -1, 0);
	col->files += c->files.count;
	col->files_with_errors += c->error_files.count;
	if (c->interrupted)
		col->interrupted = 1;
	if ((sum->collected >= 0 || c->header.collected >= 0) && collected != c->listed) {
		fp_run_warn(c->run, c->input, "'%s': the output says %llu tests were collected "
			    "but lists %llu%s", c->path, (unsigned long long)collected,
			    (unsigned long long)c->listed,
			    c->listed == 0 ? " (is it the output of a run rather than of "
					     "--collect-only?)" : "; it may have been cut short");
		if (c->listed < collected)
			c->run->inputs[c->input].incomplete = 1;
	}
}

/* ---- the reader ---- */

/*
 * Decides, at the end, what the text was: the console output of a test
 * run and text with nothing of pytest's in it are no collect-only output
 * (FP_PARSE_FOREIGN); a session that never started is, with one entry for
 * it. A usage error ("ERROR: ...") pytest alone would print, or in text
 * that is otherwise pytest's, is such a session.
 */
static int what_it_is(collect *c)
{
	if (c->run_marks)
		return fp_error_set(FP_PARSE_FOREIGN, "'%s': the console output of a pytest run "
				    "(%s), not of pytest --collect-only: pass the run's JUnit XML "
				    "(--junitxml=FILE) and the output of --collect-only instead",
				    c->path, c->run_evidence.ptr);
	if (c->sess.kind != SESSION_NONE && (c->sess.known || c->recognised > 0))
		return add_session(c);
	if (c->recognised > 0)
		return 0;
	if (c->first_text.len)
		return fp_error_set(FP_PARSE_FOREIGN, "'%s': not pytest --collect-only output "
				    "(line %llu: %s)", c->path, (unsigned long long)c->first_lineno,
				    c->first_text.ptr);
	return fp_error_set(FP_PARSE_FOREIGN, "'%s': not pytest --collect-only output (no text "
			    "in it)", c->path);
}

static void collect_init(collect *c, fp_run *run, uint32_t input, const char *path)
{
	*c = (collect){
		.run = run, .input = input, .path = path, .sec = SEC_MAIN,
		.first_text = FP_BUF_INIT, .names = FP_BUF_INIT, .id = FP_BUF_INIT,
		.err_id = FP_BUF_INIT, .err_msg = FP_BUF_INIT, .err_first = FP_BUF_INIT,
		.summary = { -1, -1, -1, 0 }, .header = { -1, -1, -1, 0 }, .interrupted_errors = -1,
		.run_evidence = FP_BUF_INIT, .sess = { .message = FP_BUF_INIT },
	};
	c->line = fp_xmalloc(LINE_KEEP + 1);
	streamcap_init(&c->trace, FP_MAX_TRACE);
}

static void collect_free(collect *c)
{
	free(c->line);
	fp_buf_free(&c->first_text);
	fp_buf_free(&c->names);
	fp_buf_free(&c->id);
	fp_buf_free(&c->err_id);
	fp_buf_free(&c->err_msg);
	fp_buf_free(&c->err_first);
	streamcap_free(&c->trace);
	streamcap_free(&c->sess.trace);
	fp_buf_free(&c->sess.message);
	fp_buf_free(&c->run_evidence);
	free(c->files.slots);
	free(c->error_ids.slots);
	free(c->error_files.slots);
}

int fp_collect_parse(fp_run *run, uint32_t input, fp_source *src)
{
	collect *c = fp_xmalloc(sizeof(*c));
	unsigned char *chunk = fp_xmalloc(READ_CHUNK);
	ssize_t got;
	int err = 0;

	collect_init(c, run, input, src->path);
	while ((got = fp_source_read(src, chunk, READ_CHUNK)) > 0)
		if ((err = feed(c, chunk, (size_t)got)) < 0)
			goto out;
	if (got < 0) {
		err = FP_EINPUT; /* the source has set the message */
		goto out;
	}
	if ((c->linelen > 0 || c->long_line) && (err = end_line(c)) < 0)
		goto out;
	if ((err = end_tree(c)) < 0 || (err = finish_error(c)) < 0)
		goto out;
	if ((err = what_it_is(c)) < 0)
		goto out;
	finish_figures(c);
out:
	collect_free(c);
	free(c);
	free(chunk);
	return err;
}
