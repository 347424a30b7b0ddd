/*
 * classify.c - classification rules: loading, printing, and deciding the
 * category and cause of every failure; see classify.h.
 *
 * Speed: a run may hold 100,000 failures with 16 KB traces, tried against
 * some thirty rules. Each rule checks its cheap conditions first (status
 * and phase are bit masks), then type, message and trace, whose patterns
 * PCRE2 compiles to machine code (JIT) when it can. Types and messages are
 * interned, so a pattern runs once per distinct text; traces are only
 * searched in a window at each end, once per distinct pattern.
 */
#include "fixproof/classify.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fixproof/embedded.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/json.h"
#include "fixproof/utf8.h"

#define DEFAULT_RULES_PATH "src/default-rules.json"
#define MAX_PATTERN 4096       /* bytes of one regular expression */
#define MAX_NESTING 64         /* parentheses nested in one pattern */
#define MATCH_LIMIT 1000000    /* PCRE2's match limit: backtracking steps of one search */
#define DEPTH_LIMIT 100000     /* PCRE2's depth limit: nested backtracking points */
#define HEAP_LIMIT_KIB 32768   /* PCRE2's heap limit for one search, in KiB */
#define MAX_NAME 200       /* bytes of a rule name */
#define MAX_TYPE 200       /* bytes of an exception type read from text */

/* ---- patterns ---- */

/*
 * A pattern is compiled by PCRE2 in UTF mode, with PCRE2_MATCH_INVALID_UTF:
 * messages are valid UTF-8 but a trace keeps the bytes the runner wrote,
 * and in that mode an invalid sequence simply matches nothing, where
 * PCRE2_NO_UTF_CHECK would make it undefined. What keeps a hostile rules
 * file within bounds is PCRE2's: the pattern length limit and its own
 * limit on the compiled size at compile time, and the match, depth and
 * heap limits at match time, with JIT compilation when the machine has it.
 */
typedef struct pattern {
	char *src;            /* NULL when the rule has no such condition */
	pcre2_code *code;
	int jit;              /* compiled to machine code: pcre2_jit_match() runs it */
} pattern;

static void pattern_free(pattern *pt)
{
	if (!pt->src)
		return;
	pcre2_code_free(pt->code);
	free(pt->src);
	pt->src = NULL;
}

/* JIT compilation, unless FIXPROOF_PCRE2_JIT=0 (valgrind cannot follow
 * JIT-compiled code, so the leak checks run without it). */
static int jit_wanted(void)
{
	const char *v = getenv("FIXPROOF_PCRE2_JIT");

	return !(v && strcmp(v, "0") == 0);
}

/*
 * Compiles `src`. "type" and "message" see one text, where '.' matches a
 * line end too and '$' only the very end; a "trace" is searched line by
 * line (`multiline`). On failure writes PCRE2's reason, with the offset in
 * the pattern it applies to, to `why`.
 */
static int pattern_compile(pattern *pt, const char *src, int icase, int multiline, fp_buf *why)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C |
			(icase ? PCRE2_CASELESS : 0) |
			(multiline ? PCRE2_MULTILINE : PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY);
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off = 0;
	int rc = 0;

	memset(pt, 0, sizeof(*pt));
	if (!cc)
		fp_die("out of memory setting up PCRE2");
	pcre2_set_max_pattern_length(cc, MAX_PATTERN);
	pcre2_set_parens_nest_limit(cc, MAX_NESTING);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pt->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &rc, &off, cc);
	pcre2_compile_context_free(cc);
	if (!pt->code) {
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", rc);
		fp_buf_printf(why, "at offset %zu: %s", (size_t)off, (const char *)msg);
		return -1;
	}
	/* Without JIT (not built for this CPU, or out of executable memory)
	 * the interpreter runs the same pattern. */
	pt->jit = jit_wanted() && pcre2_jit_compile(pt->code, PCRE2_JIT_COMPLETE) == 0;
	pt->src = fp_xstrdup(src);
	return 0;
}

/* What matching needs beside the pattern: the limits and a place for the
 * match's offsets. One per classifying call, so calls on other threads
 * share nothing but the compiled patterns, which PCRE2 only reads. */
typedef struct matcher {
	pcre2_match_context *mc;
	pcre2_match_data *md;
} matcher;

static void matcher_init(matcher *m)
{
	m->mc = pcre2_match_context_create(NULL);
	m->md = pcre2_match_data_create(1, NULL);
	if (!m->mc || !m->md)
		fp_die("out of memory setting up PCRE2");
	pcre2_set_match_limit(m->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mc, DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mc, HEAP_LIMIT_KIB);
}

static void matcher_free(matcher *m)
{
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
}

/*
 * Whether `pt` matches anywhere in the `len` bytes of `text`. A search
 * that reaches a limit is no match: the rule does not apply to that text,
 * and the run goes on. JIT code runs through pcre2_jit_match(), which
 * skips pcre2_match()'s checks of its arguments (most of the cost of a
 * search that fails at once), on a 32 KiB stack; a pattern that needs
 * more is tried again by the interpreter, within the depth and heap limits.
 */
static int pattern_match(matcher *m, const pattern *pt, const char *text, size_t len)
{
	int rc = PCRE2_ERROR_JIT_STACKLIMIT;

	if (pt->jit)
		rc = pcre2_jit_match(pt->code, (PCRE2_SPTR)text, len, 0, 0, m->md, m->mc);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(pt->code, (PCRE2_SPTR)text, len, 0, PCRE2_NO_JIT, m->md, m->mc);
	/* 0: a match whose groups did not fit in the one pair of offsets. */
	return rc >= 0;
}

/* ---- rules ---- */

typedef struct rule {
	char *name;
	char *description; /* NULL when none */
	char *origin;      /* "default" or a file path */
	char *cause;
	uint8_t status;    /* bits (1 << fp_status); 0: any */
	uint8_t phase;     /* bits (1 << fp_phase); 0: any */
	uint8_t category;  /* fp_category */
	uint8_t icase;
	uint8_t set_phase; /* a phase rule: moves the test to this fp_phase, 0: none */
	pattern type, message, trace;
} rule;

struct fp_rules {
	rule *v;
	size_t n;
};

static void rule_free(rule *r)
{
	free(r->name);
	free(r->description);
	free(r->origin);
	free(r->cause);
	pattern_free(&r->type);
	pattern_free(&r->message);
	pattern_free(&r->trace);
}

void fp_rules_free(fp_rules *rules)
{
	size_t i;

	if (!rules)
		return;
	for (i = 0; i < rules->n; i++)
		rule_free(&rules->v[i]);
	free(rules->v);
	free(rules);
}

size_t fp_rules_count(const fp_rules *rules)
{
	return rules->n;
}

static const char *const status_names[] = { "failed", "error" };
static const uint8_t status_values[] = { FP_STATUS_FAILED, FP_STATUS_ERROR };
static const char *const phase_names[] = { "collection", "setup", "call", "teardown" };
static const uint8_t phase_values[] = { FP_PHASE_COLLECTION, FP_PHASE_SETUP, FP_PHASE_CALL,
					FP_PHASE_TEARDOWN };

/* What is being loaded, for messages: "cannot load rules 'r.json': rule 3 ('db'): ...". */
typedef struct loader {
	const char *origin;
	size_t index;      /* 1-based; 0 outside the rules list */
	const char *name;  /* the rule's name once known */
} loader;

static int load_error(const loader *ld, const char *fmt, ...) FP_PRINTF(2, 3);

static int load_error(const loader *ld, const char *fmt, ...)
{
	fp_buf b = FP_BUF_INIT;
	va_list ap;
	int err;

	fp_buf_printf(&b, "cannot load rules '%s': ", ld->origin);
	if (ld->index && ld->name)
		fp_buf_printf(&b, "rule %zu ('%.*s'): ", ld->index, MAX_NAME, ld->name);
	else if (ld->index)
		fp_buf_printf(&b, "rule %zu: ", ld->index);
	va_start(ap, fmt);
	fp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err = fp_error_set(FP_EINPUT, "%s", b.ptr);
	fp_buf_free(&b);
	return err;
}

/* Reads a list of names (statuses or phases) into a bit mask. */
static int load_mask(const loader *ld, const cJSON *item, const char *key,
		     const char *const *names, const uint8_t *values, size_t count, uint8_t *mask)
{
	const cJSON *v;
	size_t i;

	if (!cJSON_IsArray(item) || !item->child)
		goto bad;
	*mask = 0;
	cJSON_ArrayForEach(v, item) {
		if (!cJSON_IsString(v))
			goto bad;
		for (i = 0; i < count; i++)
			if (strcmp(v->valuestring, names[i]) == 0)
				break;
		if (i == count)
			goto bad;
		*mask |= (uint8_t)(1u << values[i]);
	}
	return 0;
bad:
	{
		fp_buf list = FP_BUF_INIT;
		int err;

		for (i = 0; i < count; i++)
			fp_buf_printf(&list, "%s\"%s\"", i ? ", " : "", names[i]);
		err = load_error(ld, "'%s' must be a non-empty list of %s", key, list.ptr);
		fp_buf_free(&list);
		return err;
	}
}

static int valid_cause(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

static const char *string_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks every member of a rule object: known keys, once each, right types. */
static int check_members(const loader *ld, const cJSON *obj)
{
	static const char *const keys[] = { "name", "description", "status", "phase", "type",
					    "message", "trace", "flags", "category", "cause",
					    "origin", "set_phase" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	unsigned seen = 0;
	const cJSON *m;
	size_t i;

	cJSON_ArrayForEach(m, obj) {
		for (i = 0; i < nkeys; i++)
			if (strcmp(m->string, keys[i]) == 0)
				break;
		if (i == nkeys)
			return load_error(ld, "unknown key '%.*s'", MAX_NAME, m->string);
		if (seen & (1u << i))
			return load_error(ld, "key '%s' given twice", keys[i]);
		seen |= 1u << i;
		if (strcmp(keys[i], "status") != 0 && strcmp(keys[i], "phase") != 0 &&
		    !cJSON_IsString(m))
			return load_error(ld, "'%s' must be a string", keys[i]);
		/* The rules are written back as valid UTF-8, where a bad byte
		 * grows into U+FFFD: a name within its cap would then exceed
		 * it and the output would not load again. */
		if (cJSON_IsString(m) && !fp_utf8_valid(m->valuestring, strlen(m->valuestring)))
			return load_error(ld, "'%s' is not valid UTF-8", keys[i]);
	}
	return 0;
}

static int load_pattern(const loader *ld, pattern *pt, const cJSON *obj, const char *key,
			int icase, int multiline)
{
	const char *src = string_member(obj, key);
	fp_buf why = FP_BUF_INIT;
	int err = 0;

	if (!src)
		return 0;
	if (pattern_compile(pt, src, icase, multiline, &why) < 0)
		err = load_error(ld, "bad regex in '%s' %s", key, why.ptr);
	fp_buf_free(&why);
	return err;
}

/*
 * A rule with "set_phase" and no category or cause is a phase rule: where it
 * matches, the test's phase becomes the one named and the following rules
 * see that. pytest runs a unittest setUp inside the call phase, and JUnit
 * reports a failed @BeforeEach as the test's own failure; phase rules say
 * where such a failure really happened, before any rule says why.
 */
static int load_set_phase(const loader *ld, rule *r, const cJSON *obj)
{
	const char *v = string_member(obj, "set_phase");
	size_t i;

	if (!v)
		return 0;
	for (i = 0; i < 4; i++)
		if (strcmp(v, phase_names[i]) == 0)
			r->set_phase = phase_values[i];
	if (!r->set_phase)
		return load_error(ld, "'set_phase' must be collection, setup, call or teardown, not '%.*s'",
				  MAX_NAME, v);
	if (string_member(obj, "category") || string_member(obj, "cause"))
		return load_error(ld, "a rule with 'set_phase' moves a test to a phase and classifies "
				  "nothing: give it no 'category' or 'cause'");
	return 0;
}

/* Fills `r` from one rule object. On failure `r` holds what was loaded so
 * far; the caller frees it. */
static int load_rule(loader *ld, rule *r, const cJSON *obj)
{
	const char *name, *category, *cause, *description, *flags;
	const cJSON *item;
	int err;

	if (!cJSON_IsObject(obj))
		return load_error(ld, "not an object");
	if ((err = check_members(ld, obj)) < 0)
		return err;
	name = string_member(obj, "name");
	if (!name || !name[0])
		return load_error(ld, "missing 'name'");
	if (strlen(name) > MAX_NAME)
		return load_error(ld, "'name' is longer than %d bytes", MAX_NAME);
	ld->name = name;
	r->name = fp_xstrdup(name);
	r->origin = fp_xstrdup(ld->origin);
	if ((description = string_member(obj, "description")))
		r->description = fp_xstrdup(description);
	if ((err = load_set_phase(ld, r, obj)) < 0)
		return err;
	category = string_member(obj, "category");
	if (r->set_phase && !category && !string_member(obj, "cause"))
		goto conditions; /* a phase rule: it moves the test, it does not classify */
	if (!category)
		return load_error(ld, "missing 'category'");
	if (strcmp(category, "infrastructure") == 0)
		r->category = FP_CATEGORY_INFRASTRUCTURE;
	else if (strcmp(category, "business_logic") == 0)
		r->category = FP_CATEGORY_BUSINESS_LOGIC;
	else
		return load_error(ld, "'category' must be \"infrastructure\" or \"business_logic\", not '%.*s'",
				  MAX_NAME, category);
	cause = string_member(obj, "cause");
	if (!cause)
		return load_error(ld, "missing 'cause'");
	if (!valid_cause(cause))
		return load_error(ld, "'cause' must be a word of a-z, 0-9 and '_', not '%.*s'",
				  MAX_NAME, cause);
	r->cause = fp_xstrdup(cause);
conditions:
	if ((flags = string_member(obj, "flags"))) {
		if (strcmp(flags, "i") != 0 && flags[0] != '\0')
			return load_error(ld, "'flags' must be \"i\" or \"\", not '%.*s'", MAX_NAME, flags);
		r->icase = flags[0] == 'i';
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "status")) &&
	    (err = load_mask(ld, item, "status", status_names, status_values, 2, &r->status)) < 0)
		return err;
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "phase")) &&
	    (err = load_mask(ld, item, "phase", phase_names, phase_values, 4, &r->phase)) < 0)
		return err;
	if ((err = load_pattern(ld, &r->type, obj, "type", r->icase, 0)) < 0 ||
	    (err = load_pattern(ld, &r->message, obj, "message", r->icase, 0)) < 0 ||
	    (err = load_pattern(ld, &r->trace, obj, "trace", r->icase, 1)) < 0)
		return err;
	return 0;
}

/* Line and column (1-based) of byte `off` in `text`. */
static void line_column(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Parses the rules of a document into a new array (`*out`, `*count`). */
static int load_document(loader *ld, const cJSON *doc, rule **out, size_t *count)
{
	const cJSON *list, *m, *item;
	rule *v = NULL;
	size_t n = 0, i, j;
	int err = 0;

	if (!cJSON_IsObject(doc))
		return load_error(ld, "expected an object with a \"rules\" list");
	cJSON_ArrayForEach(m, doc) {
		if (strcmp(m->string, "rules") != 0 && strcmp(m->string, "schema") != 0)
			return load_error(ld, "unknown key '%.*s' (expected \"schema\" and \"rules\")",
					  MAX_NAME, m->string);
	}
	m = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	if (m && !(cJSON_IsString(m) && strcmp(m->valuestring, "fixproof.rules/1") == 0))
		return load_error(ld, "'schema' must be \"fixproof.rules/1\"");
	list = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	if (!cJSON_IsArray(list))
		return load_error(ld, "expected an object with a \"rules\" list");
	if (cJSON_GetArraySize(list) > FP_RULES_MAX)
		return load_error(ld, "more than %d rules", FP_RULES_MAX);
	v = fp_xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*v));
	cJSON_ArrayForEach(item, list) {
		ld->index = n + 1;
		ld->name = NULL;
		err = load_rule(ld, &v[n], item);
		n++;
		if (err < 0)
			goto out;
		for (j = 0; j + 1 < n; j++)
			if (strcmp(v[j].name, v[n - 1].name) == 0) {
				err = load_error(ld, "the name is already used by rule %zu", j + 1);
				goto out;
			}
	}
	*out = v;
	*count = n;
	v = NULL;
out:
	if (v) {
		for (i = 0; i < n; i++)
			rule_free(&v[i]);
		free(v);
	}
	return err;
}

int fp_rules_load_json(fp_rules *rules, const char *origin, const char *json, size_t len)
{
	loader ld = { origin, 0, NULL };
	const char *end = NULL;
	cJSON *doc = NULL;
	rule *v = NULL, *all;
	size_t n = 0;
	int err;

	if (len > FP_RULES_MAX_BYTES)
		return load_error(&ld, "larger than %u bytes", FP_RULES_MAX_BYTES);
	if (memchr(json, '\0', len))
		return load_error(&ld, "not a text file (it holds a NUL byte)");
	doc = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!doc) {
		size_t line, col, off = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;

		line_column(json, off, &line, &col);
		return load_error(&ld, "line %zu column %zu: not valid JSON", line, col);
	}
	while (end < json + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end < json + len) {
		size_t line, col;

		cJSON_Delete(doc);
		line_column(json, (size_t)(end - json), &line, &col);
		return load_error(&ld, "line %zu column %zu: text after the JSON document", line, col);
	}
	err = load_document(&ld, doc, &v, &n);
	cJSON_Delete(doc);
	if (err < 0)
		return err;
	if (rules->n + n > FP_RULES_MAX * 2) {
		size_t i;

		for (i = 0; i < n; i++)
			rule_free(&v[i]);
		free(v);
		ld.index = 0;
		return load_error(&ld, "more than %d rules in all", FP_RULES_MAX * 2);
	}
	/* User rules go first: the first rule that matches wins. Rules move
	 * by value: a pattern only points at its compiled form. */
	all = fp_xmalloc((rules->n + n + 1) * sizeof(*all));
	memcpy(all, v, n * sizeof(*all));
	if (rules->n)
		memcpy(all + n, rules->v, rules->n * sizeof(*all));
	free(v);
	free(rules->v);
	rules->v = all;
	rules->n += n;
	return 0;
}

int fp_rules_load_file(fp_rules *rules, const char *path)
{
	loader ld = { path, 0, NULL };
	fp_buf text = FP_BUF_INIT;
	int err = fp_file_read(&text, path, FP_RULES_MAX_BYTES, 0);

	if (err == FP_ELIMIT)
		err = load_error(&ld, "larger than %u bytes", FP_RULES_MAX_BYTES);
	else if (err < 0)
		err = load_error(&ld, "%s", strerror(errno));
	else
		err = fp_rules_load_json(rules, path, text.ptr, text.len);
	fp_buf_free(&text);
	return err;
}

fp_rules *fp_rules_new(void)
{
	return fp_xcalloc(1, sizeof(fp_rules));
}

int fp_rules_default(fp_rules **out)
{
	const fp_embedded_file *e;
	fp_rules *rules = fp_rules_new();
	int err;

	for (e = fp_embedded_files; e->path; e++)
		if (strcmp(e->path, DEFAULT_RULES_PATH) == 0)
			break;
	if (!e->path) {
		fp_rules_free(rules);
		return fp_error_set(FP_EINPUT, "cannot load rules 'default': not built in");
	}
	if ((err = fp_rules_load_json(rules, "default", e->data, e->len)) < 0) {
		fp_rules_free(rules);
		return err;
	}
	*out = rules;
	return 0;
}

/* ---- writing ---- */

static void write_mask(FILE *f, const char *key, uint8_t mask, const char *const *names,
		       const uint8_t *values, size_t count)
{
	size_t i;
	int first = 1;

	if (!mask)
		return;
	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < count; i++) {
		if (!(mask & (1u << values[i])))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", names[i]);
		first = 0;
	}
	putc(']', f);
}

static void write_pattern(FILE *f, const char *key, const pattern *pt)
{
	if (!pt->src)
		return;
	fprintf(f, ",\"%s\":", key);
	fp_json_str(f, pt->src);
}

int fp_rules_write_json(const fp_rules *rules, FILE *f)
{
	size_t i;

	fputs("{\"schema\":\"fixproof.rules/1\",\n\"rules\":[", f);
	for (i = 0; i < rules->n; i++) {
		const rule *r = &rules->v[i];

		fputs(i ? ",\n  {\"name\":" : "\n  {\"name\":", f);
		fp_json_str(f, r->name);
		fputs(",\"origin\":", f);
		fp_json_str(f, r->origin);
		if (r->description) {
			fputs(",\"description\":", f);
			fp_json_str(f, r->description);
		}
		write_mask(f, "status", r->status, status_names, status_values, 2);
		write_mask(f, "phase", r->phase, phase_names, phase_values, 4);
		write_pattern(f, "type", &r->type);
		write_pattern(f, "message", &r->message);
		write_pattern(f, "trace", &r->trace);
		if (r->icase)
			fputs(",\"flags\":\"i\"", f);
		if (r->set_phase) {
			fprintf(f, ",\"set_phase\":\"%s\"}", fp_phase_name((fp_phase)r->set_phase));
			continue;
		}
		fprintf(f, ",\"category\":\"%s\",\"cause\":",
			fp_category_name((fp_category)r->category));
		fp_json_str(f, r->cause);
		putc('}', f);
	}
	fputs("\n]}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the rules: write error");
	return 0;
}

/* ---- reading the exception type ---- */

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/*
 * True when `name` (of `n` bytes) looks like an exception type rather
 * than a word that happens to precede a colon ("Expected: 3", "Note: x"):
 * a dotted name, or a CamelCase one, or one ending as exception names do.
 */
static int plausible_type(const char *name, size_t n, int bare)
{
	static const char *const suffixes[] = { "Error", "Exception", "Failure", "Failed", "Exit",
						"Interrupt", "Warning", "Iteration", "Timeout" };
	/* A name alone, with no ": message" after it, must say more: Go's
	 * failure message is the word "Failed". */
	size_t i, k, nsuffixes = bare ? 2 : sizeof(suffixes) / sizeof(suffixes[0]);

	if (memchr(name, '.', n)) {
		/* socket.timeout, socket.gaierror: lower-case names with a module. */
		return 1;
	}
	if (!isupper((unsigned char)name[0]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (islower((unsigned char)name[i]) && isupper((unsigned char)name[i + 1]))
			return 1;
	for (k = 0; k < nsuffixes; k++) {
		size_t len = strlen(suffixes[k]);

		if (n >= len && memcmp(name + n - len, suffixes[k], len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Length of the dotted name at `s` when it is followed by ": ", or by the
 * end of the line or text; 0 when there is none. `strict` also asks that
 * it look like an exception type.
 */
static size_t type_at(const char *s, const char *end, int strict)
{
	const char *p = s;

	for (;;) {
		if (p >= end || !(isalpha((unsigned char)*p) || *p == '_'))
			return 0;
		while (p < end && ident_char(*p))
			p++;
		if (p + 1 < end && *p == '.' && (isalpha((unsigned char)p[1]) || p[1] == '_'))
			p++;
		else
			break;
	}
	if ((size_t)(p - s) > MAX_TYPE)
		return 0;
	if (p < end && *p == ':') {
		if (p + 1 < end && p[1] != ' ' && p[1] != '\n')
			return 0;
	} else if (p < end && *p != '\n' && *p != '\r') {
		return 0;
	}
	if (strict && !plausible_type(s, (size_t)(p - s), p >= end || *p != ':'))
		return 0;
	return (size_t)(p - s);
}

/* The start of the line that ends just before `p` (the previous line). */
static const char *line_before(const char *start, const char *p)
{
	if (p > start)
		p--; /* the '\n' ending that line */
	while (p > start && p[-1] != '\n')
		p--;
	return p;
}

/*
 * pytest's long traces end with the exception's `E   Type: message` lines
 * and then `path:line: Type`; plain Python tracebacks end with
 * `Type: message`. Reads the type from the last lines of `s`..`end`.
 */
static size_t type_from_trace_end(const char *s, const char *end, const char **name)
{
	const char *p = end, *line;
	size_t n, len, k;
	int last = 1, in_e_block = 0, lines = 0;
	const char *fallback = NULL;
	size_t fallback_len = 0;

	while (p > s && lines++ < 64) {
		line = line_before(s, p);
		len = (size_t)(p - line);
		if (len && line[len - 1] == '\n')
			len--;
		p = line;
		if (len == 0 || (len == 1 && line[0] == '\r'))
			continue;
		if (line[0] == 'E' && len > 1 && (line[1] == ' ' || line[1] == '\t')) {
			in_e_block = 1;
			for (k = 1; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
				;
			if ((n = type_at(line + k, line + len, 1))) {
				*name = line + k;
				return n;
			}
			continue;
		}
		if (in_e_block)
			break; /* the last block of E lines named no type */
		if (last) {
			/* `path:12: Type` (pytest) or `Type: message` (Python). */
			const char *colon = NULL, *q;

			for (q = line + len; q > line + 1; q--)
				if (q[-2] == ':' && q[-1] == ' ') {
					colon = q - 2;
					break;
				}
			if (colon && colon > line && isdigit((unsigned char)colon[-1]) &&
			    (n = type_at(colon + 2, line + len, 0)) == (size_t)(line + len - colon - 2)) {
				fallback = colon + 2;
				fallback_len = n;
			} else if ((n = type_at(line, line + len, 1))) {
				fallback = line;
				fallback_len = n;
			}
			last = 0;
		}
	}
	*name = fallback;
	return fallback_len;
}

/* Reads the type from a message: "Type: ...", pytest's `failed on setup
 * with "Type: ..."`, a rewritten `assert ...`, or a whole traceback. */
static size_t type_from_message(const char *msg, const char **name)
{
	static const char *const prefixes[] = { "failed on setup with \"", "failed on teardown with \"" };
	const char *end = msg + strlen(msg);
	size_t k, n;

	for (k = 0; k < 2; k++) {
		size_t len = strlen(prefixes[k]);

		if (strncmp(msg, prefixes[k], len) == 0) {
			msg += len;
			break;
		}
	}
	if (strncmp(msg, "assert ", 7) == 0) {
		/* pytest strips "AssertionError: " from rewritten asserts. */
		*name = "AssertionError";
		return 14;
	}
	if (strncmp(msg, "Traceback (most recent call last):", 34) == 0)
		return type_from_trace_end(msg, end, name);
	if ((n = type_at(msg, end, 1)))
		*name = msg;
	return n;
}

/* ---- classifying ---- */

/* The searched parts of one test's trace, made when first needed. */
typedef struct window {
	int ready;
	const char *head;  /* NUL-terminated; the whole trace when it is short */
	const char *tail;  /* NUL-terminated; NULL when `head` is all of it */
	size_t headlen, taillen;
	fp_buf headbuf;
} window;

typedef struct ctx {
	fp_run *run;
	const fp_rules *rules;
	const char **names;  /* per rule: its name, in the run's arena */
	const char **causes;
	window w;
	matcher m;
	/* The phase rules and the rules after them search traces for the same
	 * patterns: per rule, the first rule with its trace pattern, and what
	 * that pattern gave on the test at hand (-1: not tried yet). */
	size_t *same_trace;
	signed char *trace_seen;
	/* Types and short messages are interned, so one pointer is one text:
	 * per rule, the last type and message its patterns were tried on and
	 * what they gave. Neighbouring failures mostly share their type. */
	struct seen_text {
		const char *text;
		int matched;
	} *seen_type, *seen_message;
} ctx;

static void window_make(window *w, const char *trace)
{
	size_t n = strnlen(trace, FP_TRACE_HEAD + FP_TRACE_TAIL + 1), len, start;
	const char *nl;

	w->ready = 1;
	w->tail = NULL;
	if (n <= FP_TRACE_HEAD + FP_TRACE_TAIL) {
		w->head = trace;
		w->headlen = n;
		return;
	}
	/* The head ends at the last line end within it; the tail starts after
	 * the first line end within it, so '^' and '$' see whole lines. */
	len = n + strlen(trace + n);
	n = FP_TRACE_HEAD;
	while (n > 0 && trace[n - 1] != '\n')
		n--;
	fp_buf_clear(&w->headbuf);
	fp_buf_add(&w->headbuf, trace, n ? n - 1 : FP_TRACE_HEAD);
	w->head = w->headbuf.ptr;
	w->headlen = w->headbuf.len;
	start = len - FP_TRACE_TAIL;
	nl = memchr(trace + start, '\n', FP_TRACE_TAIL);
	if (nl && nl[1])
		start = (size_t)(nl + 1 - trace);
	w->tail = trace + start;
	w->taillen = len - start;
}

static int trace_match(ctx *c, size_t rule_index, const pattern *pt, const char *trace)
{
	signed char *seen = &c->trace_seen[c->same_trace[rule_index]];

	if (*seen < 0) {
		if (!c->w.ready)
			window_make(&c->w, trace);
		*seen = pattern_match(&c->m, pt, c->w.head, c->w.headlen) ||
			(c->w.tail && pattern_match(&c->m, pt, c->w.tail, c->w.taillen));
	}
	return *seen;
}

/* Rules whose trace patterns are the same text with the same flags. */
static int same_trace_pattern(const rule *a, const rule *b)
{
	return a->trace.src && b->trace.src && a->icase == b->icase &&
	       strcmp(a->trace.src, b->trace.src) == 0;
}

/* Sets the test's type from the message or the end of the trace when
 * unknown. */
static void read_type(ctx *c, fp_test *t)
{
	const char *name = NULL, *type = fp_test_type(t), *message = fp_test_message(t);
	const char *trace = fp_test_trace(t);
	size_t n = 0;

	if (type && type[0])
		return;
	if (message)
		n = type_from_message(message, &name);
	if (!n && trace) {
		const char *end;

		if (!c->w.ready)
			window_make(&c->w, trace);
		end = c->w.tail ? c->w.tail + strlen(c->w.tail) : c->w.head + strlen(c->w.head);
		n = type_from_trace_end(c->w.tail ? c->w.tail : c->w.head, end, &name);
	}
	/* An empty type attribute (go-junit-report writes type="") says nothing. */
	if (n)
		fp_test_detail(c->run, t)->type = fp_run_intern(c->run, name, n);
	else if (t->detail)
		t->detail->type = NULL;
}

/* pattern_match(m, pt, text), remembered for the last text seen. */
static int text_match(matcher *m, struct seen_text *seen, const pattern *pt, const char *text)
{
	if (!text)
		return 0;
	if (seen->text != text) {
		seen->text = text;
		seen->matched = pattern_match(m, pt, text, strlen(text));
	}
	return seen->matched;
}

static int rule_matches(ctx *c, size_t rule_index, const fp_test *t)
{
	const rule *r = &c->rules->v[rule_index];

	if (r->status && !(r->status & (1u << t->status)))
		return 0;
	if (r->phase && !(r->phase & (1u << t->phase)))
		return 0;
	if (r->type.src && !text_match(&c->m, &c->seen_type[rule_index], &r->type, fp_test_type(t)))
		return 0;
	if (r->message.src &&
	    !text_match(&c->m, &c->seen_message[rule_index], &r->message, fp_test_message(t)))
		return 0;
	if (r->trace.src &&
	    !(fp_test_trace(t) && trace_match(c, rule_index, &r->trace, fp_test_trace(t))))
		return 0;
	return 1;
}

static void classify_test(ctx *c, fp_test *t)
{
	size_t i;

	c->w.ready = 0;
	memset(c->trace_seen, -1, c->rules->n);
	read_type(c, t);
	for (i = 0; i < c->rules->n; i++) {
		const rule *r = &c->rules->v[i];

		if (!rule_matches(c, i, t))
			continue;
		if (r->set_phase) {
			t->phase = r->set_phase;
			continue;
		}
		if (!c->names[i]) {
			c->names[i] = fp_run_intern(c->run, r->name, strlen(r->name));
			c->causes[i] = fp_run_intern(c->run, r->cause, strlen(r->cause));
		}
		t->category = r->category;
		fp_test_detail(c->run, t)->cause = c->causes[i];
		t->detail->rule = c->names[i];
		return;
	}
	/* The defaults end with a rule that matches everything. */
	assert(!"no classification rule matched");
}

void fp_classify_run(fp_run *run, const fp_rules *rules)
{
	ctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.run = run;
	c.rules = rules;
	c.names = fp_xcalloc(rules->n + 1, sizeof(char *));
	c.causes = fp_xcalloc(rules->n + 1, sizeof(char *));
	c.same_trace = fp_xcalloc(rules->n + 1, sizeof(size_t));
	c.trace_seen = fp_xmalloc(rules->n + 1);
	c.seen_type = fp_xcalloc(rules->n + 1, sizeof(*c.seen_type));
	c.seen_message = fp_xcalloc(rules->n + 1, sizeof(*c.seen_message));
	for (i = 0; i < rules->n; i++) {
		size_t j = 0;

		while (j < i && !same_trace_pattern(&rules->v[j], &rules->v[i]))
			j++;
		c.same_trace[i] = j;
	}
	fp_buf_init(&c.w.headbuf);
	matcher_init(&c.m);
	for (i = 0; i < run->ntests; i++) {
		fp_test *t = &run->tests[i];

		t->category = FP_CATEGORY_NONE;
		if (t->detail) {
			t->detail->cause = NULL;
			t->detail->rule = NULL;
		}
		if (t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR)
			classify_test(&c, t);
	}
	fp_buf_free(&c.w.headbuf);
	matcher_free(&c.m);
	free(c.names);
	free(c.causes);
	free(c.same_trace);
	free(c.trace_seen);
	free(c.seen_type);
	free(c.seen_message);
	fp_run_count_categories(run);
}
