/*
 * diff.c - joining two runs test by test, counting the changes, the metrics
 * and deciding the verdict; see diff.h.
 */
#include "fixproof/diff.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/json.h"

/* How many test ids a reason names before it says "and N more". */
#define REASON_IDS 3

/* ---- names ---- */

const char *fp_change_name(fp_change c)
{
	static const char *const names[FP_CHANGE_COUNT] = {
		"unchanged", "fixed", "regressed", "progressed", "still_failing", "new",
		"collectable", "removed", "newly_skipped", "unskipped", "not_run", "flaky"
	};

	return (unsigned)c < FP_CHANGE_COUNT ? names[c] : "unchanged";
}

const char *fp_outcome_name(fp_outcome o)
{
	static const char *const names[FP_OUTCOME_COUNT] = {
		"passed", "infrastructure", "business_logic", "skipped", "not_run", "absent"
	};

	return (unsigned)o < FP_OUTCOME_COUNT ? names[o] : "absent";
}

const char *fp_verdict_name(fp_verdict v)
{
	static const char *const names[] = {
		"inconclusive", "regressed", "resolved", "partially_resolved", "unresolved"
	};

	return (unsigned)v <= FP_VERDICT_UNRESOLVED ? names[v] : "inconclusive";
}

fp_outcome fp_test_outcome(const fp_test *t)
{
	if (!t)
		return FP_OUTCOME_ABSENT;
	switch (t->status) {
	case FP_STATUS_PASSED: return FP_OUTCOME_PASSED;
	case FP_STATUS_SKIPPED: return FP_OUTCOME_SKIPPED;
	case FP_STATUS_FAILED:
	case FP_STATUS_ERROR:
		return t->category == FP_CATEGORY_BUSINESS_LOGIC ? FP_OUTCOME_BUSINESS_LOGIC
								 : FP_OUTCOME_INFRASTRUCTURE;
	default: return FP_OUTCOME_NOT_RUN;
	}
}

static int is_failing(fp_outcome o)
{
	return o == FP_OUTCOME_INFRASTRUCTURE || o == FP_OUTCOME_BUSINESS_LOGIC;
}

static int is_module_entry(const fp_test *t)
{
	return t && t->phase == FP_PHASE_COLLECTION && t->status == FP_STATUS_ERROR;
}

/* ---- patterns ---- */

/* Glob with `*` and `?` only; brackets and backslashes are literal, since
 * parametrized test ids are full of them. Iterative, with one backtrack
 * point, so no pattern can make it exponential. */
static int glob_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == '?' || (*p && *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int fp_pattern_match(const char *pattern, const char *text)
{
	if (strpbrk(pattern, "*?"))
		return glob_match(pattern, text);
	return strstr(text, pattern) != NULL;
}

/* ---- joining ---- */

/*
 * Joining. Two runs of one suite list their tests in the same order, with
 * a few added or removed, so each "before" test is first looked for just
 * after where the last one was found, reading both runs front to back.
 * Only the tests not found that way are joined through a hash table, of
 * the "after" tests still unmatched: for runs in the same order a small
 * one, instead of a table of every test with a cache miss per look-up.
 * Keys are unique within a run (fp_run_finish merged the others), so a
 * test skipped over in order is still found by the table.
 */
#define JOIN_WINDOW 16

/* The index in `after` of the test with the key of `t` among the next
 * JOIN_WINDOW from *next, or UINT32_MAX; moves *next past it. */
static uint32_t find_in_order(const fp_run *after, const fp_test *t, size_t *next)
{
	size_t j, end = *next + JOIN_WINDOW < after->ntests ? *next + JOIN_WINDOW : after->ntests;

	for (j = *next; j < end; j++) {
		if (after->tests[j].hash == t->hash && fp_test_same_key(&after->tests[j], t)) {
			*next = j + 1;
			return (uint32_t)j;
		}
	}
	return UINT32_MAX;
}

/* The "after" tests not yet matched, by hash. A slot holds a test's index
 * and its hash, so a probe touches a test only when the hashes agree. */
typedef struct test_index {
	uint64_t *slots;
	size_t mask;
} test_index;

static void index_build(test_index *ix, const fp_run *run, const unsigned char *used)
{
	size_t cap = 16, i, n = 0;

	for (i = 0; i < run->ntests; i++)
		n += !used[i];
	while (cap < n * 2)
		cap *= 2;
	ix->slots = fp_xmalloc(cap * sizeof(*ix->slots));
	memset(ix->slots, 0xff, cap * sizeof(*ix->slots));
	ix->mask = cap - 1;
	for (i = 0; i < run->ntests; i++) {
		uint64_t h = run->tests[i].hash;
		size_t j = h & ix->mask;

		if (used[i])
			continue;
		while (ix->slots[j] != UINT64_MAX)
			j = (j + 1) & ix->mask;
		ix->slots[j] = h << 32 | i;
	}
}

/* The test of `run` with the key of `t`, or UINT32_MAX. */
static uint32_t index_find(const test_index *ix, const fp_run *run, const fp_test *t)
{
	uint64_t h = t->hash;
	size_t j;

	for (j = h & ix->mask; ix->slots[j] != UINT64_MAX; j = (j + 1) & ix->mask) {
		uint64_t slot = ix->slots[j];

		if (slot >> 32 == h && fp_test_same_key(&run->tests[(uint32_t)slot], t))
			return (uint32_t)slot;
	}
	return UINT32_MAX;
}

/* Joins the "before" tests (entries 0 to before->ntests - 1) that were
 * not found in order, through a table of the "after" tests left. */
static void join_rest(fp_diff *d, const uint32_t *rest, size_t nrest, unsigned char *used)
{
	const fp_run *after = d->after;
	test_index ix;
	size_t i;

	if (nrest == 0)
		return;
	index_build(&ix, after, used);
	for (i = 0; i < nrest; i++) {
		fp_diff_entry *e = &d->entries[rest[i]];
		uint32_t j = index_find(&ix, after, fp_diff_before(d, e));

		if (j != UINT32_MAX) {
			e->after = j;
			used[j] = 1;
		}
	}
	free(ix.slots);
}

/*
 * The modules that failed to collect on one side: their keys, so that the
 * tests of such a module on the other side can be tied to it.
 */
typedef struct module_set {
	char **keys;
	size_t *entry; /* index of the module's diff entry */
	size_t n, cap;
} module_set;

static void modules_add(module_set *m, const char *key, size_t len, size_t entry)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->keys = fp_xrealloc(m->keys, m->cap * sizeof(*m->keys));
		m->entry = fp_xrealloc(m->entry, m->cap * sizeof(*m->entry));
	}
	m->keys[m->n] = fp_xstrndup(key, len);
	m->entry[m->n++] = entry;
}

static void modules_free(module_set *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->entry);
}

/*
 * The module entry a test key belongs to: the key's part before "::" or
 * any dotted prefix of it (a class inside the module) is a module's key.
 * Returns the entry index or SIZE_MAX. Collection errors are few, so a
 * linear scan is enough.
 */
static size_t modules_find(const module_set *m, const char *key)
{
	const char *sep = strstr(key, "::");
	size_t plen = sep ? (size_t)(sep - key) : 0, i;

	if (!sep || m->n == 0)
		return SIZE_MAX;
	for (i = 0; i < m->n; i++) {
		size_t k = strlen(m->keys[i]);

		if (k <= plen && memcmp(m->keys[i], key, k) == 0 &&
		    (k == plen || key[k] == '.'))
			return m->entry[i];
	}
	return SIZE_MAX;
}

static fp_diff_entry *add_entry(fp_diff *d, size_t *cap)
{
	fp_diff_entry *e;

	if (d->nentries == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		d->entries = fp_xrealloc(d->entries, *cap * sizeof(*d->entries));
	}
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof(*e));
	e->before = FP_DIFF_ABSENT;
	e->after = FP_DIFF_ABSENT;
	return e;
}

/* Worst-first order for the outcome of a whole module from its tests. */
static int outcome_rank(fp_outcome o)
{
	static const int rank[FP_OUTCOME_COUNT] = { 1, 5, 4, 2, 3, 0 };

	return rank[o];
}

static void fold_module_outcome(fp_diff_entry *module, fp_outcome o, int after_side)
{
	uint8_t *slot = after_side ? &module->outcome_after : &module->outcome_before;

	if (outcome_rank(o) > outcome_rank((fp_outcome)*slot))
		*slot = (uint8_t)o;
}

static fp_change change_of(fp_outcome b, fp_outcome a, const fp_test *after)
{
	if (b == FP_OUTCOME_ABSENT || (b == FP_OUTCOME_NOT_RUN && a != FP_OUTCOME_NOT_RUN &&
				       a != FP_OUTCOME_ABSENT))
		return FP_CHANGE_NEW;
	if (a == FP_OUTCOME_ABSENT)
		return FP_CHANGE_REMOVED;
	if (a == FP_OUTCOME_NOT_RUN)
		return b == FP_OUTCOME_NOT_RUN ? FP_CHANGE_UNCHANGED : FP_CHANGE_NOT_RUN;
	if (b == FP_OUTCOME_SKIPPED)
		return a == FP_OUTCOME_SKIPPED ? FP_CHANGE_UNCHANGED : FP_CHANGE_UNSKIPPED;
	if (a == FP_OUTCOME_SKIPPED)
		return FP_CHANGE_NEWLY_SKIPPED;
	if (b == FP_OUTCOME_PASSED)
		return a == FP_OUTCOME_PASSED ? FP_CHANGE_UNCHANGED : FP_CHANGE_REGRESSED;
	/* b is a failure from here on. */
	if (a == FP_OUTCOME_PASSED)
		return after && (after->flags & FP_TEST_FLAKY) ? FP_CHANGE_FLAKY : FP_CHANGE_FIXED;
	if (b == FP_OUTCOME_INFRASTRUCTURE && a == FP_OUTCOME_BUSINESS_LOGIC)
		return FP_CHANGE_PROGRESSED;
	return FP_CHANGE_STILL_FAILING;
}

static int cause_differs(const fp_test *b, const fp_test *a)
{
	if (!b || !a)
		return 0;
	if (b->category != a->category)
		return 1;
	if (!fp_test_cause(b) || !fp_test_cause(a))
		return fp_test_cause(b) != fp_test_cause(a);
	return strcmp(fp_test_cause(b), fp_test_cause(a)) != 0;
}

/* Joins the tests of both runs into entries; ties tests to the modules
 * that failed to collect on the other side. */
static void join(fp_diff *d)
{
	const fp_run *before = d->before, *after = d->after;
	fp_buf key = FP_BUF_INIT;
	module_set broken_before = { 0 }, broken_after = { 0 };
	unsigned char *used = fp_xcalloc(after->ntests ? after->ntests : 1, 1);
	size_t cap = before->ntests, i, next = 0, nrest = 0, rest_cap = 0;
	uint32_t *rest = NULL;

	/* Room for the "before" tests; those only after come on top. */
	d->entries = fp_xmalloc((cap ? cap : 1) * sizeof(*d->entries));
	for (i = 0; i < before->ntests; i++) {
		const fp_test *t = &before->tests[i];
		fp_diff_entry *e = add_entry(d, &cap);
		uint32_t j = find_in_order(after, t, &next);

		e->before = (uint32_t)i;
		e->after = j;
		if (j != UINT32_MAX) {
			used[j] = 1;
		} else {
			if (nrest == rest_cap) {
				rest_cap = rest_cap ? rest_cap * 2 : 64;
				rest = fp_xrealloc(rest, rest_cap * sizeof(*rest));
			}
			rest[nrest++] = (uint32_t)i;
		}
		if (is_module_entry(t)) {
			e->flags |= FP_ENTRY_MODULE;
			fp_test_key(&key, t);
			modules_add(&broken_before, key.ptr, key.len, d->nentries - 1);
		}
	}
	join_rest(d, rest, nrest, used);
	free(rest);
	/* Exactly as much room as the tests only after need. */
	for (i = 0; i < after->ntests; i++)
		cap += !used[i];
	if (cap > d->nentries)
		d->entries = fp_xrealloc(d->entries, cap * sizeof(*d->entries));
	for (i = 0; i < after->ntests; i++) {
		const fp_test *t = &after->tests[i];
		fp_diff_entry *e;

		if (used[i])
			continue;
		e = add_entry(d, &cap);
		e->after = (uint32_t)i;
		if (is_module_entry(t)) {
			e->flags |= FP_ENTRY_MODULE;
			fp_test_key(&key, t);
			modules_add(&broken_after, key.ptr, key.len, d->nentries - 1);
		}
	}
	free(used);

	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];

		e->outcome_before = (uint8_t)fp_test_outcome(fp_diff_before(d, e));
		e->outcome_after = (uint8_t)fp_test_outcome(fp_diff_after(d, e));
	}
	/* A module that failed to collect on one side and collects on the
	 * other: its entry takes the worst outcome of its tests there, and a
	 * test missing on the broken side takes the module's failure. */
	if (broken_before.n || broken_after.n) {
		for (i = 0; i < d->nentries; i++) {
			fp_diff_entry *e = &d->entries[i];
			const fp_test *t = fp_diff_before(d, e) ? fp_diff_before(d, e) : fp_diff_after(d, e);
			int absent_before = e->before == FP_DIFF_ABSENT;
			int absent_after = e->after == FP_DIFF_ABSENT;
			size_t m;

			if (e->flags & FP_ENTRY_MODULE || (!absent_before && !absent_after))
				continue;
			fp_test_key(&key, t);
			if (absent_before && (m = modules_find(&broken_before, key.ptr)) != SIZE_MAX) {
				fp_diff_entry *mod = &d->entries[m];

				if (mod->after == FP_DIFF_ABSENT)
					fold_module_outcome(mod, (fp_outcome)e->outcome_after, 1);
				e->flags |= FP_ENTRY_BROKEN_MODULE;
			}
			if (absent_after && (m = modules_find(&broken_after, key.ptr)) != SIZE_MAX) {
				e->flags |= FP_ENTRY_BROKEN_MODULE;
				fp_diff_entry *mod = &d->entries[m];

				if (mod->before == FP_DIFF_ABSENT)
					fold_module_outcome(mod, (fp_outcome)e->outcome_before, 0);
				e->outcome_after = (uint8_t)FP_OUTCOME_INFRASTRUCTURE;
			}
		}
	}
	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];
		fp_change c = change_of((fp_outcome)e->outcome_before,
					(fp_outcome)e->outcome_after, fp_diff_after(d, e));

		if (c == FP_CHANGE_NEW && (e->flags & FP_ENTRY_BROKEN_MODULE))
			c = FP_CHANGE_COLLECTABLE;
		e->change = (uint8_t)c;
		if (c == FP_CHANGE_STILL_FAILING &&
		    cause_differs(fp_diff_before(d, e), fp_diff_after(d, e)))
			e->flags |= FP_ENTRY_CAUSE_CHANGED;
		d->changes[c]++;
		d->matrix[e->outcome_before][e->outcome_after]++;
	}
	modules_free(&broken_before);
	modules_free(&broken_after);
	fp_buf_free(&key);
}

/* ---- targets ---- */

static int entry_matches(const fp_diff *d, const fp_diff_entry *e, const char *pattern,
			 fp_buf *scratch)
{
	const fp_test *sides[2] = { fp_diff_before(d, e), fp_diff_after(d, e) };
	int s;

	for (s = 0; s < 2; s++) {
		const fp_test *t = sides[s];

		if (!t)
			continue;
		fp_test_id(scratch, t);
		if (fp_pattern_match(pattern, scratch->ptr))
			return 1;
		if (t->nodeid)
			fp_test_key(scratch, t);
		else
			fp_test_nodeid_guess(scratch, t);
		if (fp_pattern_match(pattern, scratch->ptr))
			return 1;
	}
	return 0;
}

static int mark_targets(fp_diff *d, const char *const *patterns, size_t npatterns)
{
	fp_buf scratch = FP_BUF_INIT;
	size_t i, p;
	int err = 0;

	if (npatterns) {
		d->targets = fp_xcalloc(npatterns, sizeof(*d->targets));
		d->ntargets = npatterns;
	}
	for (p = 0; p < npatterns; p++)
		d->targets[p].pattern = patterns[p];
	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];

		if (npatterns == 0) {
			if (is_failing((fp_outcome)e->outcome_before))
				e->flags |= FP_ENTRY_TARGET;
		} else {
			for (p = 0; p < npatterns; p++) {
				if (entry_matches(d, e, patterns[p], &scratch)) {
					e->flags |= FP_ENTRY_TARGET;
					d->targets[p].matched++;
				}
			}
		}
		if (e->flags & FP_ENTRY_TARGET)
			d->target_count++;
	}
	for (p = 0; p < npatterns && err == 0; p++)
		if (d->targets[p].matched == 0)
			err = fp_error_set(FP_EUSAGE, "target '%s' matches no test before or after the fix",
					   patterns[p]);
	fp_buf_free(&scratch);
	return err;
}

/* ---- categories and metrics ---- */

static void count_cause(fp_cause_count *list, const char *cause)
{
	size_t i;

	if (!cause)
		cause = "unknown";
	for (i = 0; i < FP_DIFF_MAX_CAUSES - 1 && list[i].cause; i++) {
		if (strcmp(list[i].cause, cause) == 0) {
			list[i].count++;
			return;
		}
	}
	if (i < FP_DIFF_MAX_CAUSES - 1) {
		list[i].cause = cause;
		list[i].count = 1;
	}
}

/* Appends the dotted module name a test belongs to. */
static void module_of(fp_buf *out, const fp_test *t)
{
	if (is_module_entry(t)) {
		fp_test_key(out, t);
		return;
	}
	if (t->file || t->nodeid) {
		const char *path = t->file ? t->file : t->nodeid;
		const char *sep = t->file ? NULL : strstr(path, "::");

		fp_path_dotted(out, path, sep ? (size_t)(sep - path) : strlen(path));
		return;
	}
	if (t->classname) {
		/* pytest's xunit2 classname is module.Class: drop the trailing
		 * parts that name classes (capitalised), keeping at least one. */
		const char *c = t->classname;
		size_t n = strlen(c);

		for (;;) {
			size_t k = n;

			while (k > 0 && c[k - 1] != '.')
				k--;
			if (k == 0 || !(c[k] >= 'A' && c[k] <= 'Z'))
				break;
			n = k - 1;
		}
		fp_buf_add(out, c, n);
	}
}

typedef struct name_set {
	uint64_t *hashes;
	size_t mask, count;
} name_set;

/* Adds a name (by its 64-bit hash); returns 1 when it was new. */
static int name_set_add(name_set *s, uint64_t h)
{
	size_t j;

	if ((s->count + 1) * 2 > s->mask + 1) {
		size_t cap = s->hashes ? (s->mask + 1) * 2 : 64, i;
		uint64_t *old = s->hashes;
		size_t oldcap = s->hashes ? s->mask + 1 : 0;

		s->hashes = fp_xcalloc(cap, sizeof(*s->hashes));
		s->mask = cap - 1;
		for (i = 0; i < oldcap; i++) {
			if (!old[i])
				continue;
			j = old[i] & s->mask;
			while (s->hashes[j])
				j = (j + 1) & s->mask;
			s->hashes[j] = old[i];
		}
		free(old);
	}
	if (h == 0)
		h = 1;
	for (j = h & s->mask; s->hashes[j]; j = (j + 1) & s->mask)
		if (s->hashes[j] == h)
			return 0;
	s->hashes[j] = h;
	s->count++;
	return 1;
}

/* Test files seen and those that failed to collect, from the tests. The
 * module name is worked out once per distinct file/classname pointer
 * (both are interned), so this is cheap on a million tests. */
static void count_files(const fp_run *run, uint64_t *files, uint64_t *broken)
{
	name_set all = { 0 }, bad = { 0 };
	fp_buf mod = FP_BUF_INIT;
	const char *last_file = NULL, *last_class = NULL;
	uint64_t h = 0;
	size_t i;
	int have = 0;

	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];
		int module = is_module_entry(t);

		if (module || (t->nodeid && !t->file) || !have || t->file != last_file ||
		    t->classname != last_class) {
			fp_buf_clear(&mod);
			module_of(&mod, t);
			h = fp_hash_bytes(mod.ptr, mod.len);
			last_file = t->file;
			last_class = t->classname;
			have = !module && !(t->nodeid && !t->file);
		}
		name_set_add(&all, h);
		if (module)
			name_set_add(&bad, h);
	}
	*files = all.count;
	*broken = bad.count;
	free(all.hashes);
	free(bad.hashes);
	fp_buf_free(&mod);
}

static void compute_metrics(fp_metrics *m, const fp_run *run)
{
	uint64_t ran = 0, business = 0, known = run->summary.tests - run->summary.skipped;
	size_t i;

	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		if (t->status == FP_STATUS_PASSED ||
		    ((t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR) &&
		     t->phase == FP_PHASE_CALL))
			ran++;
		if ((t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR) &&
		    t->category == FP_CATEGORY_BUSINESS_LOGIC)
			business++;
	}
	if (run->collection.present) {
		m->collection_rate.den = run->collection.files;
		m->collection_rate.num = run->collection.files - run->collection.files_with_errors;
	} else {
		uint64_t files, broken;

		count_files(run, &files, &broken);
		m->collection_rate.den = files;
		m->collection_rate.num = files - broken;
	}
	m->execution_rate.num = ran;
	m->execution_rate.den = run->summary.tests;
	m->business_logic_reach.num = run->summary.passed + business;
	m->business_logic_reach.den = known;
	m->pass_rate.num = run->summary.passed;
	m->pass_rate.den = known;
}

/* ---- verdict ---- */

static void reason(fp_diff *d, const char *fmt, ...) FP_PRINTF(2, 3);
static void reason(fp_diff *d, const char *fmt, ...)
{
	fp_buf b = FP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	fp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->reasons = fp_xrealloc(d->reasons, (d->nreasons + 1) * sizeof(*d->reasons));
	d->reasons[d->nreasons++] = fp_buf_detach(&b, NULL);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Appends up to REASON_IDS ids of entries with change `c` (targets only
 * when `targets`), then "and N more". */
static void list_ids(fp_buf *out, const fp_diff *d, fp_change c, int targets)
{
	fp_buf id = FP_BUF_INIT;
	size_t i, shown = 0, total = 0;

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];

		if (e->change != c || (targets && !(e->flags & FP_ENTRY_TARGET)))
			continue;
		if (shown < REASON_IDS) {
			fp_test_id(&id, fp_diff_after(d, e) ? fp_diff_after(d, e) : fp_diff_before(d, e));
			fp_buf_puts(out, shown ? ", " : ": ");
			fp_buf_add(out, id.ptr, id.len);
			shown++;
		}
		total++;
	}
	if (total > shown)
		fp_buf_printf(out, " and %zu more", total - shown);
	fp_buf_free(&id);
}

static void reason_list(fp_diff *d, fp_change c, int targets, const char *fmt, ...) FP_PRINTF(4, 5);
static void reason_list(fp_diff *d, fp_change c, int targets, const char *fmt, ...)
{
	fp_buf b = FP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	fp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	list_ids(&b, d, c, targets);
	reason(d, "%s", b.ptr);
	fp_buf_free(&b);
}

static const fp_input *first_incomplete(const fp_run *run)
{
	size_t i;

	for (i = 0; i < run->ninputs; i++)
		if (run->inputs[i].incomplete)
			return &run->inputs[i];
	return NULL;
}

/* What a reason says of the targets that ended with each change, for one
 * target and for several; the ids follow. */
static const struct target_reason {
	fp_change change;
	const char *one, *many;
} target_reasons[] = {
	{ FP_CHANGE_PROGRESSED, "target now reaches the code under test and fails on business logic",
	  "targets now reach the code under test and fail on business logic" },
	{ FP_CHANGE_STILL_FAILING, "target still fails", "targets still fail" },
	{ FP_CHANGE_NEWLY_SKIPPED, "target is skipped after the fix, and a skip is not a fix",
	  "targets are skipped after the fix, and a skip is not a fix" },
	{ FP_CHANGE_REMOVED,
	  "target is missing after the fix (removed or deselected), so not shown to pass",
	  "targets are missing after the fix (removed or deselected), so not shown to pass" },
	{ FP_CHANGE_NOT_RUN, "target is collected after the fix but has no result",
	  "targets are collected after the fix but have no result" },
	{ FP_CHANGE_FLAKY, "target passes only on a rerun (flaky), which does not count as fixed",
	  "targets pass only on a rerun (flaky), which does not count as fixed" },
};

static void decide(fp_diff *d)
{
	uint64_t t_change[FP_CHANGE_COUNT] = { 0 };
	uint64_t passing = 0, improved, n = d->target_count;
	const fp_input *cut_before = first_incomplete(d->before);
	const fp_input *cut_after = first_incomplete(d->after);
	size_t i;

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];

		if (!(e->flags & FP_ENTRY_TARGET))
			continue;
		t_change[e->change]++;
		if (e->outcome_after == FP_OUTCOME_PASSED && e->change != FP_CHANGE_FLAKY)
			passing++;
	}
	improved = t_change[FP_CHANGE_FIXED] + t_change[FP_CHANGE_PROGRESSED];

	if (d->before->ntests == 0 || d->after->ntests == 0) {
		d->verdict = FP_VERDICT_INCONCLUSIVE;
		reason(d, "The run %s the fix has no tests: there is no evidence to compare",
		       d->before->ntests == 0 ? "before" : "after");
		return;
	}
	if (d->changes[FP_CHANGE_REGRESSED]) {
		d->verdict = FP_VERDICT_REGRESSED;
		reason_list(d, FP_CHANGE_REGRESSED, 0, "%llu %s that passed before %s after",
			    (unsigned long long)d->changes[FP_CHANGE_REGRESSED],
			    plural(d->changes[FP_CHANGE_REGRESSED], "test", "tests"),
			    plural(d->changes[FP_CHANGE_REGRESSED], "fails", "fail"));
	} else if (n == 0) {
		d->verdict = FP_VERDICT_INCONCLUSIVE;
		reason(d, "No test failed before the fix and no --target was given: "
			  "there is nothing the fix can be shown to resolve");
	} else if (passing == n) {
		d->verdict = FP_VERDICT_RESOLVED;
		reason(d, "All %llu %s pass after the fix", (unsigned long long)n,
		       plural(n, "target", "targets"));
		if (cut_after) {
			d->verdict = FP_VERDICT_INCONCLUSIVE;
			reason(d, "But '%s' is incomplete (cut short): a target may be in the part "
				  "that is missing, so resolution cannot be proven", cut_after->path);
		}
	} else if (improved) {
		d->verdict = FP_VERDICT_PARTIALLY_RESOLVED;
		reason(d, "%llu of %llu %s pass after the fix", (unsigned long long)passing,
		       (unsigned long long)n, plural(n, "target", "targets"));
	} else {
		d->verdict = FP_VERDICT_UNRESOLVED;
		reason(d, "None of the %llu %s improved; %llu of %llu %s after the fix",
		       (unsigned long long)n, plural(n, "target", "targets"), (unsigned long long)passing,
		       (unsigned long long)n, plural(passing, "passes", "pass"));
	}
	for (i = 0; i < sizeof(target_reasons) / sizeof(target_reasons[0]); i++) {
		const struct target_reason *tr = &target_reasons[i];
		uint64_t k = t_change[tr->change];

		if (k)
			reason_list(d, tr->change, 1, "%llu %s", (unsigned long long)k,
				    k == 1 ? tr->one : tr->many);
	}
	reason(d, "%llu infrastructure %s before, %llu after",
	       (unsigned long long)d->before->infrastructure,
	       plural(d->before->infrastructure, "failure", "failures"),
	       (unsigned long long)d->after->infrastructure);
	reason(d, "%llu business-logic %s before, %llu after",
	       (unsigned long long)d->before->business_logic,
	       plural(d->before->business_logic, "failure", "failures"),
	       (unsigned long long)d->after->business_logic);
	if (d->verdict != FP_VERDICT_REGRESSED)
		reason(d, "No test that passed before fails after");
	if (cut_before)
		reason(d, "'%s' is incomplete (cut short): tests in the missing part are not counted",
		       cut_before->path);
	if (cut_after && d->verdict != FP_VERDICT_INCONCLUSIVE)
		reason(d, "'%s' is incomplete (cut short): tests in the missing part are not counted",
		       cut_after->path);
}

/* ---- the diff ---- */

int fp_diff_runs(fp_diff **out, const fp_run *before, const fp_run *after,
		 const char *const *patterns, size_t npatterns)
{
	fp_diff *d = fp_xcalloc(1, sizeof(*d));
	size_t i;
	int err;

	d->before = before;
	d->after = after;
	join(d);
	if ((err = mark_targets(d, patterns, npatterns)) < 0) {
		fp_diff_free(d);
		return err;
	}
	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];
		const fp_test *sides[2] = { fp_diff_before(d, e), fp_diff_after(d, e) };
		int s;

		for (s = 0; s < 2; s++) {
			const fp_test *t = sides[s];

			if (t && t->category != FP_CATEGORY_NONE &&
			    (t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR))
				count_cause(d->causes[s][t->category - 1], fp_test_cause(t));
		}
	}
	compute_metrics(&d->metrics[0], before);
	compute_metrics(&d->metrics[1], after);
	decide(d);
	*out = d;
	return 0;
}

void fp_diff_free(fp_diff *diff)
{
	size_t i;

	if (!diff)
		return;
	for (i = 0; i < diff->nreasons; i++)
		free(diff->reasons[i]);
	free(diff->reasons);
	free(diff->targets);
	free(diff->entries);
	free(diff);
}

/* ---- JSON ---- */

static void write_side(const fp_diff *d, int side, FILE *f)
{
	const fp_run *run = side ? d->after : d->before;
	const fp_cause_count (*causes)[FP_DIFF_MAX_CAUSES] = d->causes[side];
	int c;
	size_t i;

	fputs(side ? "\"after\":{" : "\"before\":{", f);
	fp_run_write_inputs_json(run, f);
	fp_summary_write_json(run, f);
	fputs(",\n\"causes\":{", f);
	for (c = 0; c < 2; c++) {
		fprintf(f, "%s\"%s\":{", c ? "," : "", fp_category_name((fp_category)(c + 1)));
		for (i = 0; causes[c][i].cause; i++) {
			if (i)
				putc(',', f);
			fp_json_str(f, causes[c][i].cause);
			fprintf(f, ":%llu", (unsigned long long)causes[c][i].count);
		}
		putc('}', f);
	}
	fputs("}}", f);
}

static void write_metric(const char *name, const fp_fraction *b, const fp_fraction *a,
			 int first, FILE *f)
{
	fprintf(f, "%s\"%s\":{\"before\":", first ? "" : ",\n  ", name);
	fp_json_fraction(f, b->num, b->den);
	fputs(",\"after\":", f);
	fp_json_fraction(f, a->num, a->den);
	putc('}', f);
}

/* What one thread formats entries with. */
typedef struct entry_json {
	const fp_diff *d;
	int changed_only;
	fp_test_json *before, *after;
} entry_json;

static const char *json_bool(int b)
{
	return b ? "true" : "false";
}

static void format_entries(void *ctx, size_t from, size_t to, fp_buf *out)
{
	entry_json *ej = ctx;
	const fp_diff *d = ej->d;
	size_t i;

	for (i = from; i < to; i++) {
		const fp_diff_entry *e = &d->entries[i];
		const fp_test *b = fp_diff_before(d, e), *a = fp_diff_after(d, e);

		if (ej->changed_only && e->change == FP_CHANGE_UNCHANGED && !(e->flags & FP_ENTRY_TARGET))
			continue;
		fp_buf_puts(out, ",\n  {\"id\":");
		fp_test_json_id(a ? ej->after : ej->before, out, a ? a : b);
		fp_buf_puts(out, ",\"change\":\"");
		fp_buf_puts(out, fp_change_name((fp_change)e->change));
		fp_buf_puts(out, "\",\"target\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_TARGET));
		fp_buf_puts(out, ",\"module\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_MODULE));
		fp_buf_puts(out, ",\"cause_changed\":");
		fp_buf_puts(out, json_bool(e->flags & FP_ENTRY_CAUSE_CHANGED));
		fp_buf_puts(out, ",\"outcome\":{\"before\":\"");
		fp_buf_puts(out, fp_outcome_name((fp_outcome)e->outcome_before));
		fp_buf_puts(out, "\",\"after\":\"");
		fp_buf_puts(out, fp_outcome_name((fp_outcome)e->outcome_after));
		fp_buf_puts(out, "\"},\"before\":");
		if (b)
			fp_test_json_add(ej->before, out, b);
		else
			fp_buf_puts(out, "null");
		fp_buf_puts(out, ",\"after\":");
		if (a)
			fp_test_json_add(ej->after, out, a);
		else
			fp_buf_puts(out, "null");
		fp_buf_putc(out, '}');
	}
}

int fp_diff_write_json(const fp_diff *d, FILE *f, int changed_only)
{
	static const char *const metric_names[] = {
		"collection_rate", "execution_rate", "business_logic_reach", "pass_rate"
	};
	entry_json ej[2];
	void *ctx[2];
	size_t i;
	int c, o;

	fprintf(f, "{\"schema\":\"fixproof.diff/1\",\n\"verdict\":\"%s\",\n\"reasons\":[",
		fp_verdict_name(d->verdict));
	for (i = 0; i < d->nreasons; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		fp_json_str(f, d->reasons[i]);
	}
	fputs("],\n\"targets\":[", f);
	for (i = 0; i < d->ntargets; i++) {
		fputs(i ? "," : "", f);
		fputs("{\"pattern\":", f);
		fp_json_str(f, d->targets[i].pattern);
		fprintf(f, ",\"matched\":%zu}", d->targets[i].matched);
	}
	fprintf(f, "],\n\"target_count\":%zu,\n", d->target_count);
	write_side(d, 0, f);
	fputs(",\n", f);
	write_side(d, 1, f);
	fputs(",\n\"metrics\":{", f);
	for (c = 0; c < 4; c++) {
		const fp_fraction *b = &d->metrics[0].collection_rate + c;
		const fp_fraction *a = &d->metrics[1].collection_rate + c;

		write_metric(metric_names[c], b, a, c == 0, f);
	}
	fputs("},\n\"changes\":{", f);
	for (c = 0; c < FP_CHANGE_COUNT; c++)
		fprintf(f, "%s\"%s\":%llu", c ? "," : "", fp_change_name((fp_change)c),
			(unsigned long long)d->changes[c]);
	fputs("},\n\"matrix\":{", f);
	for (o = 0; o < FP_OUTCOME_COUNT; o++) {
		fprintf(f, "%s\"%s\":{", o ? "," : "", fp_outcome_name((fp_outcome)o));
		for (c = 0; c < FP_OUTCOME_COUNT; c++)
			fprintf(f, "%s\"%s\":%llu", c ? "," : "", fp_outcome_name((fp_outcome)c),
				(unsigned long long)d->matrix[o][c]);
		putc('}', f);
	}
	fputs("},\n\"tests\":[", f);
	for (c = 0; c < 2; c++) {
		ej[c].d = d;
		ej[c].changed_only = changed_only;
		ej[c].before = fp_test_json_new(d->before);
		ej[c].after = fp_test_json_new(d->after);
		ctx[c] = &ej[c];
	}
	fp_json_write_items(f, d->nentries, format_entries, ctx);
	fputs("\n]}\n", f);
	for (c = 0; c < 2; c++) {
		fp_test_json_free(ej[c].before);
		fp_test_json_free(ej[c].after);
	}
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the diff model: write error");
	return 0;
}
