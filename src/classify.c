/*
 * classify.c - classification rules: loading, printing, and deciding the
 * category and cause of every failure; see classify.h.
 *
 * Speed: a run may hold 100,000 failures with 16 KB traces, tried against
 * some thirty rules. Each rule checks its cheap conditions first (status
 * and phase are bit masks), then type, message and trace. Before a regular
 * expression runs, a literal prefilter looks for the strings any match
 * must contain (worked out from the pattern when it is loaded) with
 * strstr(), which is many times faster than regexec(); most rules are
 * rejected there. Traces are only searched in a window at each end.
 */
#include "fixproof/classify.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixproof/embedded.h"
#include "fixproof/error.h"
#include "fixproof/file.h"
#include "fixproof/json.h"
#include "fixproof/utf8.h"

#define DEFAULT_RULES_PATH "src/default-rules.json"
#define MAX_PATTERN 4096   /* bytes of one regular expression */
#define MAX_EXPANSION 4096 /* atoms a pattern may expand to through repetition */
#define MAX_CHAIN 2        /* repetition operators in a row, as in "a+?" */
#define MAX_DEPTH 16       /* nesting of groups analysed for literals */
#define LIT_MAX 63         /* bytes of one prefilter literal kept */
#define LIT_MIN 3          /* shorter literals filter too little to pay */
#define LITS_MAX 24        /* literals in one prefilter */
#define MAX_NAME 200       /* bytes of a rule name */
#define MAX_TYPE 200       /* bytes of an exception type read from text */

/* ---- patterns and their literal prefilters ---- */

typedef struct lit {
	char s[LIT_MAX + 1];
	size_t len;
} lit;

/* Strings of which every match contains at least one; n == 0: none known. */
typedef struct litset {
	lit v[LITS_MAX];
	size_t n;
} litset;

typedef struct pattern {
	char *src;      /* NULL when the rule has no such condition */
	regex_t re;
	int icase;
	size_t nlits;   /* 0: no prefilter, run the regex */
	char **lits;    /* lower-case when icase */
	char *gate;     /* a string every literal contains, or NULL */
} pattern;

static size_t litset_score(const litset *s)
{
	size_t i, min = SIZE_MAX;

	if (s->n == 0)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->v[i].len < min)
			min = s->v[i].len;
	return min;
}

/* Keeps `cand` in `best` when it filters better: longer shortest literal,
 * then fewer literals. */
static void litset_keep_better(litset *best, const litset *cand)
{
	size_t a = litset_score(cand), b = litset_score(best);

	if (a > b || (a == b && a > 0 && cand->n < best->n))
		*best = *cand;
}

/* Returns the end of the bracket expression starting at `p` ('['), or NULL. */
static const char *skip_bracket(const char *p, const char *end)
{
	p++;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')
		p++;
	while (p < end && *p != ']') {
		if (*p == '[' && p + 1 < end && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char close = p[1];

			p += 2;
			while (p + 1 < end && !(p[0] == close && p[1] == ']'))
				p++;
			if (p + 1 >= end)
				return NULL;
			p += 2;
			continue;
		}
		p++;
	}
	return p < end ? p + 1 : NULL;
}

/* Returns the end of the group starting at `p` ('('), or NULL. */
static const char *skip_group(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '\\') {
			p += 2;
			continue;
		}
		if (*p == '[') {
			if (!(p = skip_bracket(p, end)))
				return NULL;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/* a * b, or MAX_EXPANSION + 1 when that is more. */
static unsigned long capped_product(unsigned long a, unsigned long b)
{
	return b && a > MAX_EXPANSION / b ? MAX_EXPANSION + 1 : a * b;
}

/*
 * Reads the quantifiers after an atom: sets *min to the least number of
 * repetitions (0 when the atom is optional) and *max to the most (0 when
 * unbounded), and *copies to how many copies of the atom glibc's regcomp
 * makes for them (capped past MAX_EXPANSION). Returns the position after
 * them, or NULL when malformed.
 *
 * Copies multiply along a chain of quantifiers: glibc compiles "a+" as
 * "aa*", so each further '+' doubles what came before, and
 * "e+++...+" with a hundred of them would need 2^100 nodes.
 */
static const char *read_quantifiers(const char *p, const char *end, unsigned long *min,
				    unsigned long *max, unsigned long *copies)
{
	int chain = 0;

	*min = 1;
	*max = 1;
	*copies = 1;
	while (p < end && (*p == '*' || *p == '?' || *p == '+' || *p == '{')) {
		/* POSIX leaves stacked repetitions undefined, and glibc's regcomp
		 * takes minutes over a long run of them ("a?????...", a fuzz
		 * finding): more than MAX_CHAIN in a row are refused. */
		if (++chain > MAX_CHAIN)
			return NULL;
		if (*p != '{') {
			if (*p != '+')
				*min = 0;
			if (*p != '?')
				*max = 0;
			if (*p == '+')
				*copies = capped_product(*copies, 2);
			p++;
		} else {
			char *q;
			unsigned long m, n;

			p++;
			if (p >= end || !isdigit((unsigned char)*p))
				return NULL;
			m = strtoul(p, &q, 10);
			n = m;
			p = q;
			if (p < end && *p == ',') {
				p++;
				n = 0;
				if (p < end && isdigit((unsigned char)*p)) {
					n = strtoul(p, &q, 10);
					p = q;
				}
			}
			if (p >= end || *p != '}' || m > 255 || n > 255)
				return NULL;
			p++;
			/* {m} and {m,n} copy the atom m or n times, {m,} m + 1 times. */
			*copies = capped_product(*copies, n ? n : m + 1);
			*min *= m;
			*max = (*max == 0 || n == 0) ? 0 : *max * n;
		}
	}
	return p;
}

static void alt_literals(litset *out, const char *p, const char *end, int icase, int depth);

/* Adds one byte to a literal run; bytes past LIT_MAX are dropped, which
 * is safe: a prefix of a required string is required too. */
static void run_add(lit *run, char c, int icase)
{
	if (run->len < LIT_MAX) {
		run->s[run->len++] = icase ? (char)tolower((unsigned char)c) : c;
		run->s[run->len] = '\0';
	}
}

static void run_flush(litset *best, lit *run)
{
	litset one;

	if (run->len > 0) {
		one.n = 1;
		one.v[0] = *run;
		litset_keep_better(best, &one);
	}
	run->len = 0;
	run->s[0] = '\0';
}

/*
 * The literals one branch (no top-level '|') requires: the longest run of
 * plain characters that must appear in a row, or the literals of a group
 * that must appear, whichever filters better.
 */
static void seq_literals(litset *out, const char *p, const char *end, int icase, int depth)
{
	litset best, group;
	lit run;

	best.n = 0;
	run.len = 0;
	run.s[0] = '\0';
	out->n = 0;
	while (p < end) {
		const char *group_start = NULL, *group_end = NULL;
		unsigned long min, max, copies;
		int literal = 0;
		char c = 0;

		switch (*p) {
		case '\\':
			if (p + 1 >= end)
				return;
			if (!isalnum((unsigned char)p[1])) {
				literal = 1;
				c = p[1];
			}
			p += 2;
			break;
		case '[':
			if (!(p = skip_bracket(p, end)))
				return;
			break;
		case '(':
			group_start = p + 1;
			if (!(p = skip_group(p, end)))
				return;
			group_end = p - 1;
			break;
		case '.': case '^': case '$':
			p++;
			break;
		case '*': case '+': case '?': case '{': case ')':
			return; /* a quantifier with nothing before it: give up */
		default:
			literal = 1;
			c = *p++;
			break;
		}
		if (!(p = read_quantifiers(p, end, &min, &max, &copies)))
			return;
		if (literal && min > 0) {
			run_add(&run, c, icase);
			if (max != 1)
				run_flush(&best, &run);
			continue;
		}
		run_flush(&best, &run);
		if (group_start && min > 0 && depth < MAX_DEPTH) {
			alt_literals(&group, group_start, group_end, icase, depth + 1);
			litset_keep_better(&best, &group);
		}
	}
	run_flush(&best, &run);
	*out = best;
}

/* Calls `fn` for each top-level branch of p..end; stops when it returns 0. */
static int for_each_branch(const char *p, const char *end,
			   int (*fn)(void *ctx, const char *b, const char *e), void *ctx)
{
	const char *start = p;

	while (p < end) {
		if (*p == '\\') {
			p += 2;
		} else if (*p == '[') {
			if (!(p = skip_bracket(p, end)))
				return 0;
		} else if (*p == '(') {
			if (!(p = skip_group(p, end)))
				return 0;
		} else if (*p == '|') {
			if (!fn(ctx, start, p))
				return 0;
			start = ++p;
		} else {
			p++;
		}
	}
	return fn(ctx, start, p > end ? end : p);
}

typedef struct alt_ctx {
	litset *out;
	int icase, depth;
} alt_ctx;

static int add_branch_literals(void *vctx, const char *b, const char *e)
{
	alt_ctx *ctx = vctx;
	litset branch;
	size_t i;

	seq_literals(&branch, b, e, ctx->icase, ctx->depth);
	if (branch.n == 0 || ctx->out->n + branch.n > LITS_MAX) {
		ctx->out->n = 0;
		return 0;
	}
	for (i = 0; i < branch.n; i++)
		ctx->out->v[ctx->out->n++] = branch.v[i];
	return 1;
}

/* The literals an alternation requires: one of each branch's. */
static void alt_literals(litset *out, const char *p, const char *end, int icase, int depth)
{
	alt_ctx ctx;

	out->n = 0;
	ctx.out = out;
	ctx.icase = icase;
	ctx.depth = depth;
	if (!for_each_branch(p, end, add_branch_literals, &ctx))
		out->n = 0;
	if (litset_score(out) < LIT_MIN)
		out->n = 0;
}

/*
 * How many atoms p..end may expand to through repetition, or a number over
 * MAX_EXPANSION. glibc compiles `(a{255}){255}` into 65,025 copies, so a
 * rules file could make regcomp take seconds and gigabytes; such patterns
 * are refused. Back-references make matching exponential: they set *backref.
 */
static unsigned long pattern_expansion(const char *p, const char *end, int depth, int *backref)
{
	unsigned long total = 0;

	if (depth > MAX_DEPTH * 4)
		return MAX_EXPANSION + 1;
	while (p < end && total <= MAX_EXPANSION) {
		unsigned long size = 1, min, max, copies;

		if (*p == '\\') {
			if (p + 1 < end && p[1] >= '1' && p[1] <= '9')
				*backref = 1;
			p += 2;
		} else if (*p == '[') {
			const char *q = skip_bracket(p, end);

			p = q ? q : end;
		} else if (*p == '(') {
			const char *q = skip_group(p, end);

			/* Unbalanced: regcomp will say why, but only after it has
			 * compiled what comes before, so the rest is measured too. */
			size = pattern_expansion(p + 1, q ? q - 1 : end, depth + 1, backref);
			p = q ? q : end;
		} else {
			p++;
		}
		if (p > end)
			p = end;
		{
			const char *q = read_quantifiers(p, end, &min, &max, &copies);

			/* A count over 255 (glibc allows 32767) or one that does not
			 * parse is refused rather than measured. */
			if (!q)
				return MAX_EXPANSION + 1;
			p = q;
			size = capped_product(size, copies);
		}
		if (size > MAX_EXPANSION)
			return MAX_EXPANSION + 1;
		total += size;
	}
	return total;
}

static void pattern_free(pattern *pt)
{
	size_t i;

	if (!pt->src)
		return;
	regfree(&pt->re);
	for (i = 0; i < pt->nlits; i++)
		free(pt->lits[i]);
	free(pt->lits);
	free(pt->gate);
	free(pt->src);
	pt->src = NULL;
}

/*
 * The longest string that all the literals contain, when it is at least
 * LIT_MIN bytes: "etUp" for "def setUp(self" and ", in asyncSetUp". One
 * search for it turns most texts away before a search for each literal.
 */
static char *common_gate(char *const *lits, size_t n)
{
	size_t shortest = 0, i, len, start;

	if (n < 2)
		return NULL;
	for (i = 1; i < n; i++)
		if (strlen(lits[i]) < strlen(lits[shortest]))
			shortest = i;
	for (len = strlen(lits[shortest]); len >= LIT_MIN; len--) {
		for (start = 0; start + len <= strlen(lits[shortest]); start++) {
			char *cand = fp_xstrndup(lits[shortest] + start, len);

			for (i = 0; i < n && strstr(lits[i], cand); i++)
				;
			if (i == n)
				return cand;
			free(cand);
		}
	}
	return NULL;
}

/* Compiles `src`; on failure writes the reason to `why`. */
static int pattern_compile(pattern *pt, const char *src, int icase, int newline, fp_buf *why)
{
	size_t len = strlen(src), i;
	int backref = 0, rc;
	litset lits;

	memset(pt, 0, sizeof(*pt));
	if (len > MAX_PATTERN) {
		fp_buf_printf(why, "longer than %d bytes", MAX_PATTERN);
		return -1;
	}
	if (pattern_expansion(src, src + len, 0, &backref) > MAX_EXPANSION) {
		fp_buf_puts(why, "a repetition count is malformed, over 255, or expands it too far");
		return -1;
	}
	if (backref) {
		fp_buf_puts(why, "back-references are not supported");
		return -1;
	}
	rc = regcomp(&pt->re, src, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0) |
		     (newline ? REG_NEWLINE : 0));
	if (rc != 0) {
		char msg[256];

		regerror(rc, &pt->re, msg, sizeof(msg));
		fp_buf_puts(why, msg);
		return -1;
	}
	pt->src = fp_xstrdup(src);
	pt->icase = icase;
	alt_literals(&lits, src, src + len, icase, 0);
	if (lits.n) {
		pt->lits = fp_xcalloc(lits.n, sizeof(char *));
		for (i = 0; i < lits.n; i++)
			pt->lits[i] = fp_xstrndup(lits.v[i].s, lits.v[i].len);
		pt->nlits = lits.n;
		pt->gate = common_gate(pt->lits, pt->nlits);
	}
	return 0;
}

/* strstr() ignoring ASCII case; `needle` is lower-case. */
static int contains_icase(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;
	const char *p;

	for (p = hay; *p; p++) {
		if (tolower((unsigned char)*p) != needle[0])
			continue;
		for (i = 1; i < n && p[i] && tolower((unsigned char)p[i]) == needle[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* strstr(), or its case-blind form for a pattern with the "i" flag. */
static int contains(const pattern *pt, const char *text, const char *needle)
{
	return pt->icase ? contains_icase(text, needle) : strstr(text, needle) != NULL;
}

static int pattern_match(const pattern *pt, const char *text)
{
	size_t i;

	if (pt->gate && !contains(pt, text, pt->gate))
		return 0;
	if (pt->nlits) {
		for (i = 0; i < pt->nlits; i++)
			if (contains(pt, text, pt->lits[i]))
				break;
		if (i == pt->nlits)
			return 0;
	}
	return regexec(&pt->re, text, 0, NULL, 0) == 0;
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
			int icase, int newline)
{
	const char *src = string_member(obj, key);
	fp_buf why = FP_BUF_INIT;
	int err = 0;

	if (!src)
		return 0;
	if (pattern_compile(pt, src, icase, newline, &why) < 0)
		err = load_error(ld, "bad regex in '%s': %s", key, why.ptr);
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
	 * by value: a regex_t only points at its compiled form (glibc, musl
	 * and the BSDs alike), so copying it is safe. */
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
	fp_buf headbuf;
} window;

typedef struct ctx {
	fp_run *run;
	const fp_rules *rules;
	const char **names;  /* per rule: its name, in the run's arena */
	const char **causes;
	window w;
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
	start = len - FP_TRACE_TAIL;
	nl = memchr(trace + start, '\n', FP_TRACE_TAIL);
	if (nl && nl[1])
		start = (size_t)(nl + 1 - trace);
	w->tail = trace + start;
}

static int trace_match(ctx *c, size_t rule_index, const pattern *pt, const char *trace)
{
	signed char *seen = &c->trace_seen[c->same_trace[rule_index]];

	if (*seen < 0) {
		if (!c->w.ready)
			window_make(&c->w, trace);
		*seen = pattern_match(pt, c->w.head) || (c->w.tail && pattern_match(pt, c->w.tail));
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

/* pattern_match(pt, text), remembered for the last text seen. */
static int text_match(struct seen_text *seen, const pattern *pt, const char *text)
{
	if (!text)
		return 0;
	if (seen->text != text) {
		seen->text = text;
		seen->matched = pattern_match(pt, text);
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
	if (r->type.src && !text_match(&c->seen_type[rule_index], &r->type, fp_test_type(t)))
		return 0;
	if (r->message.src &&
	    !text_match(&c->seen_message[rule_index], &r->message, fp_test_message(t)))
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
	free(c.names);
	free(c.causes);
	free(c.same_trace);
	free(c.trace_seen);
	free(c.seen_type);
	free(c.seen_message);
	fp_run_count_categories(run);
}
