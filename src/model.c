/* model.c - the run model: arena, interning, join keys, merging, JSON; see model.h. */
#include "fixproof/model.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/json.h"

/* ---- arena ---- */

struct fp_arena_chunk {
	fp_arena_chunk *next;
	size_t used, size;
	/* data follows, 8-byte aligned */
};

#define ARENA_CHUNK (1u << 20)
#define CHUNK_HEADER ((sizeof(fp_arena_chunk) + 7) & ~(size_t)7)

void *fp_arena_alloc(fp_arena *a, size_t n)
{
	fp_arena_chunk *c = a->head;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		if (c && n > ARENA_CHUNK / 4) {
			/* A big block gets a chunk of its own behind the current
			 * one, so the current chunk's free space is not wasted. */
			fp_arena_chunk *big = fp_xmalloc(CHUNK_HEADER + size);

			big->used = n;
			big->size = size;
			big->next = c->next;
			c->next = big;
			a->total += CHUNK_HEADER + size;
			return (char *)big + CHUNK_HEADER;
		}
		c = fp_xmalloc(CHUNK_HEADER + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
		a->total += CHUNK_HEADER + size;
	}
	c->used += n;
	return (char *)c + CHUNK_HEADER + c->used - n;
}

char *fp_arena_strndup(fp_arena *a, const char *s, size_t n)
{
	char *p = fp_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void fp_arena_free(fp_arena *a)
{
	fp_arena_chunk *c = a->head;

	while (c) {
		fp_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

uint64_t fp_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

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
	free(run->tests);
	free(run->strings.slots);
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

/* Keeps `cap` bytes of a long text: a quarter from the head, the rest from
 * the tail, both cut at UTF-8 character boundaries. */
const char *fp_run_strcap(fp_run *run, const char *text, size_t len, size_t cap)
{
	fp_buf b = FP_BUF_INIT;
	const char *copy;
	size_t head, tail;

	if (!text)
		return NULL;
	if (len <= cap)
		return fp_run_strndup(run, text, len);
	head = cap / 4;
	tail = cap - head - 64;
	while (head > 0 && ((unsigned char)text[head] & 0xc0) == 0x80)
		head--;
	while (tail > 0 && ((unsigned char)text[len - tail] & 0xc0) == 0x80)
		tail--;
	fp_buf_add(&b, text, head);
	fp_buf_printf(&b, "\n[... %zu bytes left out by fixproof ...]\n", len - head - tail);
	fp_buf_add(&b, text + len - tail, tail);
	copy = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
	return copy;
}

static void strset_grow(fp_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024, i;
	const char **slots = fp_xcalloc(cap, sizeof(*slots));

	for (i = 0; i < set->cap; i++) {
		const char *s = set->slots[i];
		size_t j;

		if (!s)
			continue;
		j = fp_hash_bytes(FP_HASH_SEED, s, strlen(s)) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = s;
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
}

const char *fp_run_intern(fp_run *run, const char *s, size_t n)
{
	fp_strset *set = &run->strings;
	size_t j;

	if (!s)
		return NULL;
	if (!fp_utf8_valid(s, n)) {
		/* Intern the cleaned text, which is what the table holds, so
		 * the same bad bytes find their earlier copy. */
		fp_buf clean = FP_BUF_INIT;
		const char *copy;

		fp_utf8_clean(&clean, s, n);
		copy = fp_run_intern(run, clean.ptr, clean.len);
		fp_buf_free(&clean);
		return copy;
	}
	if ((set->count + 1) * 2 > set->cap)
		strset_grow(set);
	j = fp_hash_bytes(FP_HASH_SEED, s, n) & (set->cap - 1);
	while (set->slots[j]) {
		const char *t = set->slots[j];

		if (strncmp(t, s, n) == 0 && t[n] == '\0')
			return t;
		j = (j + 1) & (set->cap - 1);
	}
	set->slots[j] = fp_run_strndup(run, s, n);
	set->count++;
	return set->slots[j];
}

uint32_t fp_run_add_input(fp_run *run, const char *path, fp_input_kind kind)
{
	fp_input *in;

	if (run->ninputs == run->inputs_cap) {
		run->inputs_cap = run->inputs_cap ? run->inputs_cap * 2 : 8;
		run->inputs = fp_xrealloc(run->inputs, run->inputs_cap * sizeof(*run->inputs));
	}
	in = &run->inputs[run->ninputs];
	memset(in, 0, sizeof(*in));
	in->path = fp_run_strdup(run, path);
	in->kind = kind;
	return (uint32_t)run->ninputs++;
}

void fp_run_warn(fp_run *run, uint32_t input, const char *fmt, ...)
{
	fp_input *in = &run->inputs[input];
	fp_buf b = FP_BUF_INIT;
	va_list ap;
	size_t i;

	if (in->nwarnings >= FP_MAX_WARNINGS) {
		in->warnings_dropped++;
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
	if (in->nwarnings == in->warnings_cap) {
		in->warnings_cap = in->warnings_cap ? in->warnings_cap * 2 : 4;
		in->warnings = fp_xrealloc(in->warnings, in->warnings_cap * sizeof(char *));
	}
	in->warnings[in->nwarnings++] = fp_run_strndup(run, b.ptr, b.len);
	fp_buf_free(&b);
}

int fp_run_add_test(fp_test **out, fp_run *run, uint32_t input)
{
	fp_test *t;

	if (run->ntests >= FP_MAX_TESTS)
		return fp_error_set(FP_ELIMIT, "cannot read '%s': more than %u tests in one run",
				    run->inputs[input].path, FP_MAX_TESTS);
	if (run->ntests == run->tests_cap) {
		run->tests_cap = run->tests_cap ? run->tests_cap * 2 : 256;
		run->tests = fp_xrealloc(run->tests, run->tests_cap * sizeof(*run->tests));
	}
	t = &run->tests[run->ntests++];
	memset(t, 0, sizeof(*t));
	t->input = input;
	run->inputs[input].tests++;
	*out = t;
	return 0;
}

/* ---- identity ---- */

/* Appends a file path as a dotted module name: '/' -> '.', no ".py". */
static void add_dotted_path(fp_buf *out, const char *path, size_t n)
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
			add_dotted_path(out, nodeid, (size_t)(end - nodeid));
			return;
		}
	}
	add_dotted_path(out, nodeid, (size_t)(sep - nodeid));
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

		add_dotted_path(&dotted, t->file, strlen(t->file));
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

/* Folds `src` (another entry of the same test) into `dst`. */
static void merge_test(fp_test *dst, const fp_test *src)
{
	int dst_result = dst->flags & FP_TEST_RESULT;
	int src_result = src->flags & FP_TEST_RESULT;

	dst->flags |= (uint8_t)(src->flags | FP_TEST_DUPLICATE);
	if (!dst->nodeid && src->nodeid)
		dst->nodeid = src->nodeid;
	if (!dst->file && src->file)
		dst->file = src->file;
	if (!dst->line && src->line)
		dst->line = src->line;
	if (!src_result)
		return; /* a collect-only entry adds identity, not results */
	/* Results of the same phase that disagree are reruns that disagree.
	 * pytest writes a teardown error after a failed call as a second
	 * entry of the same test: that is not flakiness. */
	if (dst_result && src->status != dst->status && src->phase == dst->phase)
		dst->flags |= FP_TEST_FLAKY;
	if (!dst_result || src->status > dst->status) {
		dst->status = src->status;
		dst->phase = src->phase;
		dst->type = src->type;
		dst->message = src->message;
		dst->trace = src->trace;
		dst->input = src->input;
	}
	dst->time += src->time;
}

static int same_key(const fp_test *a, const fp_test *b, fp_buf *ka, fp_buf *kb)
{
	fp_test_key(ka, a);
	fp_test_key(kb, b);
	return ka->len == kb->len && memcmp(ka->ptr, kb->ptr, ka->len) == 0;
}

/* The hash of fp_test_key(t), without building the key when the test has
 * no node id (FNV-1a runs on, piece after piece). */
static uint64_t test_hash(const fp_test *t, fp_buf *key)
{
	uint64_t h = FP_HASH_SEED;

	if (t->nodeid) {
		fp_test_key(key, t);
		return fp_hash_bytes(h, key->ptr, key->len);
	}
	if (t->classname && t->classname[0]) {
		h = fp_hash_bytes(h, t->classname, strlen(t->classname));
		h = fp_hash_bytes(h, "::", 2);
	}
	return t->name ? fp_hash_bytes(h, t->name, strlen(t->name)) : h;
}

#define PREFETCH_AHEAD 16

void fp_run_finish(fp_run *run)
{
	fp_buf key = FP_BUF_INIT, other = FP_BUF_INIT;
	size_t cap = 16, i, kept = 0;
	uint64_t *slots;

	/* A slot holds an entry's index and the high half of its hash, so a
	 * probe touches the test itself only when the hashes may agree. */
	while (cap < run->ntests * 2)
		cap *= 2;
	slots = fp_xmalloc(cap * sizeof(*slots));
	memset(slots, 0xff, cap * sizeof(*slots));
	for (i = 0; i < run->ntests; i++)
		run->tests[i].hash = test_hash(&run->tests[i], &key);
	for (i = 0; i < run->ntests; i++) {
		fp_test *t = &run->tests[i];
		uint64_t high;
		size_t j;

#if defined(__GNUC__)
		/* Each first probe misses the cache (the table is large and the
		 * hash random); asking for a later test's slot early overlaps
		 * those misses. Entries ahead of i are not yet moved. */
		if (i + PREFETCH_AHEAD < run->ntests)
			__builtin_prefetch(&slots[run->tests[i + PREFETCH_AHEAD].hash & (cap - 1)]);
#endif
		high = t->hash >> 32;
		j = t->hash & (cap - 1);
		for (;;) {
			uint64_t slot = slots[j];
			uint32_t k = (uint32_t)slot;

			if (slot == UINT64_MAX) {
				run->tests[kept] = *t;
				slots[j] = high << 32 | kept++;
				break;
			}
			if (slot >> 32 == high && run->tests[k].hash == t->hash &&
			    same_key(&run->tests[k], t, &other, &key)) {
				merge_test(&run->tests[k], t);
				break;
			}
			j = (j + 1) & (cap - 1);
		}
	}
	run->ntests = kept;
	free(slots);
	fp_buf_free(&key);
	fp_buf_free(&other);

	memset(&run->summary, 0, sizeof(run->summary));
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		run->summary.tests++;
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
	return k == FP_INPUT_COLLECT ? "collect-only" : "junit";
}

/* ---- JSON ---- */

void fp_run_write_inputs_json(const fp_run *run, FILE *f)
{
	size_t i, j;

	fputs("\"inputs\":[", f);
	for (i = 0; i < run->ninputs; i++) {
		const fp_input *in = &run->inputs[i];

		fputs(i ? ",\n  {\"path\":" : "\n  {\"path\":", f);
		fp_json_str(f, in->path);
		fprintf(f, ",\"kind\":\"%s\",\"sha256\":\"%s\",\"bytes\":%llu,\"tests\":%zu,"
			"\"complete\":%s,\"warnings\":[",
			fp_input_kind_name(in->kind), in->sha256,
			(unsigned long long)in->bytes, in->tests,
			in->incomplete ? "false" : "true");
		for (j = 0; j < in->nwarnings; j++) {
			if (j)
				putc(',', f);
			fp_json_str(f, in->warnings[j]);
		}
		if (in->warnings_dropped)
			fprintf(f, "%s\"... and %zu more warnings\"", j ? "," : "",
				in->warnings_dropped);
		fputs("]}", f);
	}
	fputs("],\n", f);
}

void fp_summary_write_json(const fp_run *run, FILE *f)
{
	const fp_summary *s = &run->summary;
	const fp_collection *c = &run->collection;

	fprintf(f, "\"summary\":{\"tests\":%llu,\"passed\":%llu,\"failed\":%llu,"
		"\"errors\":%llu,\"skipped\":%llu,\"not_run\":%llu,\"flaky\":%llu},\n",
		(unsigned long long)s->tests, (unsigned long long)s->passed,
		(unsigned long long)s->failed, (unsigned long long)s->errors,
		(unsigned long long)s->skipped, (unsigned long long)s->not_run,
		(unsigned long long)s->flaky);
	if (c->present)
		fprintf(f, "\"collection\":{\"collected\":%llu,\"errors\":%llu,"
			"\"deselected\":%llu,\"files\":%llu,\"files_with_errors\":%llu,"
			"\"interrupted\":%s},\n",
			(unsigned long long)c->collected, (unsigned long long)c->errors,
			(unsigned long long)c->deselected, (unsigned long long)c->files,
			(unsigned long long)c->files_with_errors,
			c->interrupted ? "true" : "false");
	else
		fputs("\"collection\":null,\n", f);
	fprintf(f, "\"categories\":{\"infrastructure\":%llu,\"business_logic\":%llu}",
		(unsigned long long)run->infrastructure,
		(unsigned long long)run->business_logic);
}

/* fp_buf_add without a call when there is room: a test's object is some
 * twenty small appends. */
static inline void add_fast(fp_buf *b, const char *s, size_t n)
{
	if (b->cap > b->len + n) {
		memcpy(b->ptr + b->len, s, n);
		b->len += n;
		b->ptr[b->len] = '\0';
	} else {
		fp_buf_add(b, s, n);
	}
}

#define ADD_LITERAL(b, s) add_fast((b), (s), sizeof(s) - 1)

/* Appends one test's JSON object to `obj`; `id` is scratch space. Built in
 * memory so that a test costs one fwrite, not twenty stdio calls. */
static void test_json(fp_buf *obj, const fp_run *run, const fp_test *t, fp_buf *id)
{
	fp_test_id(id, t);
	ADD_LITERAL(obj, "{\"id\":");
	fp_json_buf_strn(obj, id->ptr, id->len);
	ADD_LITERAL(obj, ",\"status\":\"");
	fp_buf_puts(obj, fp_status_name((fp_status)t->status));
	ADD_LITERAL(obj, "\",\"phase\":");
	fp_json_buf_str(obj, fp_phase_name((fp_phase)t->phase));
	ADD_LITERAL(obj, ",\"category\":");
	fp_json_buf_str(obj, fp_category_name((fp_category)t->category));
	ADD_LITERAL(obj, ",\"cause\":");
	fp_json_buf_str(obj, t->cause);
	ADD_LITERAL(obj, ",\"rule\":");
	fp_json_buf_str(obj, t->rule);
	if (t->flags & FP_TEST_FLAKY)
		ADD_LITERAL(obj, ",\"flaky\":true");
	ADD_LITERAL(obj, ",\"type\":");
	fp_json_buf_str(obj, t->type);
	ADD_LITERAL(obj, ",\"message\":");
	fp_json_buf_str(obj, t->message);
	ADD_LITERAL(obj, ",\"file\":");
	fp_json_buf_str(obj, t->file);
	if (t->line)
		fp_buf_printf(obj, ",\"line\":%u", t->line);
	else
		ADD_LITERAL(obj, ",\"line\":null");
	ADD_LITERAL(obj, ",\"time\":");
	fp_json_buf_num(obj, t->time);
	ADD_LITERAL(obj, ",\"input\":");
	fp_json_buf_str(obj, run->inputs[t->input].path);
	ADD_LITERAL(obj, ",\"trace\":");
	fp_json_buf_str(obj, t->trace);
	fp_buf_putc(obj, '}');
}

void fp_test_write_json(const fp_run *run, const fp_test *t, fp_buf *scratch, FILE *f)
{
	fp_buf obj = FP_BUF_INIT;

	test_json(&obj, run, t, scratch);
	fwrite(obj.ptr, 1, obj.len, f);
	fp_buf_free(&obj);
}

/* A slice of the tests, formatted into one buffer. */
typedef struct json_slice {
	const fp_run *run;
	size_t from, to;
	fp_buf out, id;
} json_slice;

static void *format_slice(void *arg)
{
	json_slice *s = arg;
	size_t i;

	fp_buf_clear(&s->out);
	for (i = s->from; i < s->to; i++) {
		fp_buf_add(&s->out, i ? ",\n  " : "\n  ", i ? 4 : 3);
		test_json(&s->out, s->run, &s->run->tests[i], &s->id);
	}
	return NULL;
}

#define JSON_BATCH 8192

/*
 * Tests are formatted in batches; a second thread formats the second half
 * of each batch while this one does the first, and the halves are written
 * in order, so the output is the same as one thread's. Formatting is most
 * of the cost of printing a million tests. Without a thread, one does all.
 */
int fp_run_write_json(const fp_run *run, FILE *f)
{
	json_slice half[2];
	size_t start, k;

	memset(half, 0, sizeof(half));
	for (k = 0; k < 2; k++) {
		half[k].run = run;
		fp_buf_init(&half[k].out);
		fp_buf_init(&half[k].id);
	}
	fputs("{\"schema\":\"fixproof.run/1\",\n", f);
	fp_run_write_inputs_json(run, f);
	fp_summary_write_json(run, f);
	fputs(",\n\"tests\":[", f);
	for (start = 0; start < run->ntests; start += JSON_BATCH) {
		size_t end = run->ntests - start < JSON_BATCH ? run->ntests : start + JSON_BATCH;
		size_t mid = start + (end - start) / 2;
		pthread_t worker;
		int threaded;

		half[0].from = start;
		half[0].to = mid;
		half[1].from = mid;
		half[1].to = end;
		threaded = end - start >= 64 && pthread_create(&worker, NULL, format_slice, &half[1]) == 0;
		format_slice(&half[0]);
		if (threaded)
			pthread_join(worker, NULL);
		else
			format_slice(&half[1]);
		for (k = 0; k < 2; k++)
			fwrite(half[k].out.ptr, 1, half[k].out.len, f);
	}
	fputs("\n]}\n", f);
	for (k = 0; k < 2; k++) {
		fp_buf_free(&half[k].out);
		fp_buf_free(&half[k].id);
	}
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the run model: write error");
	return 0;
}
