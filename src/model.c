/* model.c - the run model: its strings, join keys and merging; see model.h. */
#include "fixproof/model.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/utf8.h"

/* What a million-test diff's memory budget rests on (model.h). */
_Static_assert(sizeof(void *) != 8 || sizeof(fp_test) == 64, "fp_test is 64 bytes");

/* ---- run ---- */

fp_run *fp_run_new(void)
{
	return fp_xcalloc(1, sizeof(fp_run));
}

void fp_run_free(fp_run *run)
{
	size_t i;

	if (!run)
		return;
	for (i = 0; i < run->ninputs; i++)
		free(run->inputs[i].warnings);
	free(run->inputs);
	free(run->warnings);
	free(run->tests);
	free(run->reruns);
	fp_strset_free(&run->strings);
	fp_arena_free(&run->arena);
	free(run);
}

const char *fp_run_strndup(fp_run *run, const char *s, size_t n)
{
	fp_buf clean = FP_BUF_INIT;
	const char *copy;

	if (!s)
		return NULL;
	if (fp_utf8_valid(s, n))
		return fp_arena_strndup(&run->arena, s, n);
	fp_utf8_clean(&clean, s, n);
	copy = fp_arena_strndup(&run->arena, clean.ptr, clean.len);
	fp_buf_free(&clean);
	return copy;
}

const char *fp_run_strdup(fp_run *run, const char *s)
{
	return s ? fp_run_strndup(run, s, strlen(s)) : NULL;
}

/* Keeps `cap` bytes of a long text, its head and its tail (fp_text_cap). */
const char *fp_run_strcap(fp_run *run, const char *text, size_t len, size_t cap)
{
	fp_buf b = FP_BUF_INIT;
	const char *copy;

	if (!text)
		return NULL;
	if (len <= cap)
		return fp_run_strndup(run, text, len);
	fp_text_cap(&b, text, len, text, len, len, cap);
	copy = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
	return copy;
}

const char *fp_run_intern(fp_run *run, const char *s, size_t n)
{
	fp_buf clean = FP_BUF_INIT;
	const char *copy;

	if (!s)
		return NULL;
	if (fp_utf8_valid(s, n))
		return fp_strset_intern(&run->strings, &run->arena, s, n);
	/* Intern the cleaned text, which is what the table holds, so the same
	 * bad bytes find their earlier copy. */
	fp_utf8_clean(&clean, s, n);
	copy = fp_strset_intern(&run->strings, &run->arena, clean.ptr, clean.len);
	fp_buf_free(&clean);
	return copy;
}

uint32_t fp_run_add_input(fp_run *run, const char *path, fp_input_kind kind)
{
	fp_input *in;

	FP_ARRAY_GROW(run->inputs, run->ninputs + 1, run->inputs_cap);
	in = &run->inputs[run->ninputs];
	memset(in, 0, sizeof(*in));
	in->path = fp_run_strdup(run, path);
	in->kind = kind;
	return (uint32_t)run->ninputs++;
}

void fp_run_drop_input(fp_run *run, uint32_t input)
{
	fp_input *in = &run->inputs[input];

	assert(input + 1 == run->ninputs);
	/* Inputs are read one after the other: its tests are the last ones. */
	while (run->ntests > 0 && run->tests[run->ntests - 1].input == input)
		run->ntests--;
	free(in->warnings);
	run->ninputs--;
}

/* A list of warnings: the run's own or an input's. */
typedef struct warn_list {
	const char ***v;
	size_t *n, *cap, *dropped;
} warn_list;

void fp_run_warn(fp_run *run, uint32_t input, const char *fmt, ...)
{
	fp_input *in = input == FP_RUN_ITSELF ? NULL : &run->inputs[input];
	warn_list w = in ? (warn_list){ &in->warnings, &in->nwarnings, &in->warnings_cap,
					&in->warnings_dropped }
			 : (warn_list){ &run->warnings, &run->nwarnings, &run->warnings_cap,
					&run->warnings_dropped };
	fp_buf b = FP_BUF_INIT;
	va_list ap;
	size_t i;

	if (*w.n >= FP_MAX_WARNINGS) {
		++*w.dropped;
		return;
	}
	va_start(ap, fmt);
	fp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* One line, like an error message: libxml2's own words may hold a
	 * line end ("not proper UTF-8, indicate encoding !\nBytes: ..."). */
	for (i = 0; i < b.len; i++)
		if (b.ptr[i] == '\n' || b.ptr[i] == '\r')
			b.ptr[i] = ' ';
	FP_ARRAY_GROW(*w.v, *w.n + 1, *w.cap);
	(*w.v)[(*w.n)++] = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
}

int fp_run_add_test(fp_test **out, fp_run *run, uint32_t input)
{
	fp_test *t;

	if (run->ntests >= FP_MAX_TESTS)
		return fp_error_set(FP_ELIMIT, "cannot read '%s': more than %u tests in one run",
				    run->inputs[input].path, FP_MAX_TESTS);
	FP_ARRAY_GROW(run->tests, run->ntests + 1, run->tests_cap);
	t = &run->tests[run->ntests++];
	memset(t, 0, sizeof(*t));
	t->input = input;
	run->inputs[input].tests++;
	*out = t;
	return 0;
}

fp_detail *fp_test_detail(fp_run *run, fp_test *t)
{
	if (!t->detail) {
		t->detail = fp_arena_alloc(&run->arena, sizeof(*t->detail));
		memset(t->detail, 0, sizeof(*t->detail));
	}
	return t->detail;
}

/* ---- identity ---- */

/* Appends a file path as a dotted module name: '/' -> '.', no ".py". */
void fp_path_dotted(fp_buf *out, const char *path, size_t n)
{
	size_t i, start = out->len;

	if (n > 3 && memcmp(path + n - 3, ".py", 3) == 0)
		n -= 3;
	fp_buf_add(out, path, n);
	for (i = start; i < out->len; i++)
		if (out->ptr[i] == '/' || out->ptr[i] == '\\')
			out->ptr[i] = '.';
}

void fp_nodeid_key(fp_buf *out, const char *nodeid)
{
	const char *sep = strstr(nodeid, "::");
	/* The parametrization comes after the path, which may hold '[' too. */
	const char *bracket = strchr(sep ? sep : nodeid, '[');
	const char *end = nodeid + strlen(nodeid);
	const char *plain_end = bracket ? bracket : end;
	const char *last = NULL, *p;

	fp_buf_clear(out);
	if (!sep || sep >= plain_end) {
		/* A module alone, or a path whose parameters hold "::". */
		if (!sep) {
			fp_path_dotted(out, nodeid, (size_t)(end - nodeid));
			return;
		}
	}
	fp_path_dotted(out, nodeid, (size_t)(sep - nodeid));
	/* Classes are the "::" parts before the last one that starts before
	 * the parametrization, which may itself hold "::". */
	for (p = sep; p && p < plain_end; p = strstr(p + 2, "::"))
		last = p;
	for (p = sep; p < last;) {
		const char *next = strstr(p + 2, "::");

		fp_buf_putc(out, '.');
		fp_buf_add(out, p + 2, (size_t)(next - p - 2));
		p = next;
	}
	fp_buf_puts(out, "::");
	fp_buf_puts(out, last + 2);
}

void fp_test_key(fp_buf *out, const fp_test *t)
{
	if (t->nodeid) {
		fp_nodeid_key(out, t->nodeid);
		return;
	}
	fp_buf_clear(out);
	if (t->classname && t->classname[0]) {
		fp_buf_puts(out, t->classname);
		fp_buf_puts(out, "::");
	}
	if (t->name)
		fp_buf_puts(out, t->name);
}

void fp_test_id(fp_buf *out, const fp_test *t)
{
	if (t->nodeid) {
		fp_buf_clear(out);
		fp_buf_puts(out, t->nodeid);
		return;
	}
	fp_test_key(out, t);
}

/* Appends a dotted module name as a path: "tests.a.test_b" -> "tests/a/test_b.py". */
static void add_module_path(fp_buf *out, const char *dotted, size_t n)
{
	size_t i, start = out->len;

	fp_buf_add(out, dotted, n);
	for (i = start; i < out->len; i++)
		if (out->ptr[i] == '.')
			out->ptr[i] = '/';
	fp_buf_puts(out, ".py");
}

void fp_test_nodeid_guess(fp_buf *out, const fp_test *t)
{
	const char *c = t->classname;
	size_t n, mod;

	fp_buf_clear(out);
	if (t->nodeid) {
		fp_buf_puts(out, t->nodeid);
		return;
	}
	if (!c || !*c) {
		/* A collection error names its module, dotted. */
		if (t->name)
			add_module_path(out, t->name, strlen(t->name));
		return;
	}
	n = strlen(c);
	mod = n;
	if (t->file) {
		fp_buf dotted = FP_BUF_INIT;

		fp_path_dotted(&dotted, t->file, strlen(t->file));
		if (dotted.len <= n && memcmp(c, dotted.ptr, dotted.len) == 0 &&
		    (c[dotted.len] == '.' || c[dotted.len] == '\0'))
			mod = dotted.len;
		fp_buf_free(&dotted);
	}
	if (mod == n) {
		/* pytest's classes are capitalised, its modules are not. */
		size_t i;

		for (i = 0; i < n; i++)
			if ((i == 0 || c[i - 1] == '.') && i > 0 && c[i] >= 'A' && c[i] <= 'Z') {
				mod = i - 1;
				break;
			}
	}
	add_module_path(out, c, mod);
	while (mod < n) {
		const char *dot = memchr(c + mod + 1, '.', n - mod - 1);
		size_t end = dot ? (size_t)(dot - c) : n;

		fp_buf_puts(out, "::");
		fp_buf_add(out, c + mod + 1, end - mod - 1);
		mod = end;
	}
	if (t->name) {
		fp_buf_puts(out, "::");
		fp_buf_puts(out, t->name);
	}
}

/* ---- merging ---- */

/* pytest's second testcase for one run of a test: a teardown error after
 * a failed (or skipped) call is written as a testcase of its own. */
static int teardown_half(const fp_test *a, const fp_test *b)
{
	int a_down = a->status == FP_STATUS_ERROR && a->phase == FP_PHASE_TEARDOWN;
	int b_down = b->status == FP_STATUS_ERROR && b->phase == FP_PHASE_TEARDOWN;

	return a_down != b_down;
}

/*
 * Folds `src` (another entry of the same test) into `dst`. Returns 1 when
 * both have results of one run (see teardown_half), else 0.
 */
static int merge_test(fp_test *dst, const fp_test *src)
{
	int dst_result = dst->flags & FP_TEST_RESULT;
	int src_result = src->flags & FP_TEST_RESULT;
	int one_run = dst_result && src_result && teardown_half(dst, src);

	dst->flags |= (uint8_t)(src->flags | FP_TEST_DUPLICATE);
	if (!dst->nodeid && src->nodeid)
		dst->nodeid = src->nodeid;
	if (!dst->file && src->file)
		dst->file = src->file;
	if (!dst->line && src->line)
		dst->line = src->line;
	if (!src_result)
		return 0; /* a collect-only entry adds identity, not results */
	/* Reruns whose results disagree make a flaky test. */
	if (dst_result && !one_run && src->status != dst->status)
		dst->flags |= FP_TEST_FLAKY;
	if (!dst_result || src->status > dst->status) {
		dst->status = src->status;
		dst->phase = src->phase;
		dst->detail = src->detail;
		dst->input = src->input;
	}
	dst->time += src->time;
	return one_run;
}

/* Parts of a key: NULL and "" are the same (no class, no name). */
static int same_part(const char *a, const char *b)
{
	return a == b || strcmp(a ? a : "", b ? b : "") == 0;
}

int fp_test_same_key(const fp_test *a, const fp_test *b)
{
	fp_buf ka = FP_BUF_INIT, kb = FP_BUF_INIT;
	int same;

	/* Equal parts make equal keys; unequal parts may still join into one
	 * key ("a::b" + "c" and "a" + "b::c"), which only the keys tell. */
	if (!a->nodeid && !b->nodeid && same_part(a->classname, b->classname) &&
	    same_part(a->name, b->name))
		return 1;
	fp_test_key(&ka, a);
	fp_test_key(&kb, b);
	same = ka.len == kb.len && memcmp(ka.ptr, kb.ptr, ka.len) == 0;
	fp_buf_free(&ka);
	fp_buf_free(&kb);
	return same;
}

/* The hash of fp_test_key(t), without building the key when the test has
 * no node id: the hash runs on, piece after piece. */
static uint32_t test_hash(const fp_test *t, fp_buf *key)
{
	fp_hash_state h;

	if (t->nodeid) {
		fp_test_key(key, t);
		return (uint32_t)fp_hash_bytes(key->ptr, key->len);
	}
	fp_hash_init(&h);
	if (t->classname && t->classname[0]) {
		fp_hash_add(&h, t->classname, strlen(t->classname));
		fp_hash_add(&h, "::", 2);
	}
	if (t->name)
		fp_hash_add(&h, t->name, strlen(t->name));
	return (uint32_t)fp_hash_end(&h);
}

#define PREFETCH_AHEAD 16

/* One more run of test `k` (merge_entries; the table has room for every
 * entry before the merge, and is made on the first rerun only). */
static void count_rerun(fp_run *run, uint32_t k)
{
	if (!run->reruns)
		run->reruns = fp_xcalloc(run->ntests, sizeof(*run->reruns));
	if (run->reruns[k] < UINT32_MAX)
		run->reruns[k]++;
}

/*
 * Merges the entries of one key in place, keeping the first entry's place.
 * Returns how many merges joined the two halves of one run (merge_test).
 */
static uint64_t merge_entries(fp_run *run)
{
	fp_buf key = FP_BUF_INIT;
	size_t cap = 16, i, kept = 0;
	uint64_t *slots, one_run = 0;

	/* A slot holds an entry's index and its hash, so a probe touches the
	 * test itself only when the hashes agree. */
	while (cap < run->ntests * 2)
		cap *= 2;
	slots = fp_xmalloc(cap * sizeof(*slots));
	memset(slots, 0xff, cap * sizeof(*slots));
	for (i = 0; i < run->ntests; i++)
		run->tests[i].hash = test_hash(&run->tests[i], &key);
	for (i = 0; i < run->ntests; i++) {
		fp_test *t = &run->tests[i];
		uint64_t hash = t->hash;
		size_t j;

#if defined(__GNUC__)
		/* Each first probe misses the cache (the table is large and the
		 * hash random); asking for a later test's slot early overlaps
		 * those misses. Entries ahead of i are not yet moved. */
		if (i + PREFETCH_AHEAD < run->ntests)
			__builtin_prefetch(&slots[run->tests[i + PREFETCH_AHEAD].hash & (cap - 1)]);
#endif
		for (j = hash & (cap - 1);; j = (j + 1) & (cap - 1)) {
			uint64_t slot = slots[j];

			if (slot == UINT64_MAX) {
				run->tests[kept] = *t;
				slots[j] = hash << 32 | kept++;
				break;
			}
			if (slot >> 32 == hash && fp_test_same_key(&run->tests[(uint32_t)slot], t)) {
				fp_test *dst = &run->tests[(uint32_t)slot];
				int both = (dst->flags & FP_TEST_RESULT) && (t->flags & FP_TEST_RESULT);
				int half = merge_test(dst, t);

				one_run += (uint64_t)half;
				if (both && !half)
					count_rerun(run, (uint32_t)slot);
				break;
			}
		}
	}
	free(slots);
	fp_buf_free(&key);
	/* Nothing is added after this: give back the room kept for growth. */
	if (kept && kept < run->tests_cap) {
		run->tests = fp_xrealloc(run->tests, kept * sizeof(*run->tests));
		run->tests_cap = kept;
	}
	if (run->reruns && kept)
		run->reruns = fp_xrealloc(run->reruns, kept * sizeof(*run->reruns));
	run->ntests = kept;
	return one_run;
}

void fp_run_finish(fp_run *run)
{
	uint64_t results = 0, one_run;
	size_t i;

	/* Every testcase is a run (fp_summary): the entries with a result,
	 * the testcases folded into them, and once each test without one. */
	for (i = 0; i < run->ntests; i++)
		results += (run->tests[i].flags & FP_TEST_RESULT) != 0;
	for (i = 0; i < run->ninputs; i++)
		results += run->inputs[i].folded;
	one_run = merge_entries(run);

	memset(&run->summary, 0, sizeof(run->summary));
	run->summary.runs = results - one_run;
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		run->summary.tests++;
		if (!(t->flags & FP_TEST_RESULT))
			run->summary.runs++;
		switch (t->status) {
		case FP_STATUS_PASSED: run->summary.passed++; break;
		case FP_STATUS_SKIPPED: run->summary.skipped++; break;
		case FP_STATUS_FAILED: run->summary.failed++; break;
		case FP_STATUS_ERROR: run->summary.errors++; break;
		default: run->summary.not_run++; break;
		}
		if (t->flags & FP_TEST_FLAKY)
			run->summary.flaky++;
	}
}

void fp_run_count_categories(fp_run *run)
{
	size_t i;

	run->infrastructure = 0;
	run->business_logic = 0;
	for (i = 0; i < run->ntests; i++) {
		if (run->tests[i].category == FP_CATEGORY_INFRASTRUCTURE)
			run->infrastructure++;
		else if (run->tests[i].category == FP_CATEGORY_BUSINESS_LOGIC)
			run->business_logic++;
	}
}

/* ---- names ---- */

const char *fp_status_name(fp_status s)
{
	static const char *const names[] = { "not_run", "passed", "skipped", "failed", "error" };

	return (unsigned)s < 5 ? names[s] : "not_run";
}

const char *fp_phase_name(fp_phase p)
{
	static const char *const names[] = { NULL, "collection", "setup", "call", "teardown" };

	return (unsigned)p < 5 ? names[p] : NULL;
}

const char *fp_category_name(fp_category c)
{
	if (c == FP_CATEGORY_INFRASTRUCTURE)
		return "infrastructure";
	if (c == FP_CATEGORY_BUSINESS_LOGIC)
		return "business_logic";
	return NULL;
}

const char *fp_input_kind_name(fp_input_kind k)
{
	if (k == FP_INPUT_CTRF)
		return "ctrf";
	return k == FP_INPUT_COLLECT ? "collect-only" : "junit";
}
