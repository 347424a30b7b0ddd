/*
 * diff.c - joining two runs test by test, ties to the modules that failed
 * to collect, targets, changes and metrics; see diff.h. The verdict is
 * diff_verdict.c's, the JSON diff_json.c's.
 */
#include "fixproof/diff.h"

#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"

/* ---- names ---- */

const char *fp_change_name(fp_change c)
{
	static const char *const names[FP_CHANGE_COUNT] = {
		"unchanged", "fixed", "regressed", "progressed", "still_failing", "new",
		"collectable", "removed", "newly_skipped", "unskipped", "not_run", "flaky",
		"newly_run"
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
		"inconclusive", "regressed", "resolved", "partially_resolved", "unresolved",
		"unblocked"
	};

	return (unsigned)v <= FP_VERDICT_UNBLOCKED ? names[v] : "inconclusive";
}

const char *fp_goal_name(fp_goal g)
{
	return g == FP_GOAL_REACH ? "reach" : "pass";
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
 * The modules (or suites) that failed to collect on one side, so that the
 * tests of such a module on the other side can be tied to it: by the
 * dotted module in their key (pytest), or by their file (a jest suite that
 * failed to run names only its file).
 */
typedef struct module_set {
	char **keys;
	const char **files; /* the module's file, NULL when unknown (borrowed) */
	uint32_t *entry;    /* index of the module's diff entry */
	size_t n, cap;
} module_set;

static void modules_add(module_set *m, const fp_test *t, uint32_t entry, fp_buf *key)
{
	if (m->n == m->cap) {
		/* Three arrays side by side, grown together. */
		size_t cap = m->cap, cap2 = m->cap, cap3 = m->cap;

		m->keys = fp_array_grow(m->keys, m->n + 1, &cap, sizeof(*m->keys));
		m->files = fp_array_grow(m->files, m->n + 1, &cap2, sizeof(*m->files));
		m->entry = fp_array_grow(m->entry, m->n + 1, &cap3, sizeof(*m->entry));
		m->cap = cap;
	}
	fp_test_key(key, t);
	m->keys[m->n] = fp_xstrndup(key->ptr, key->len);
	m->files[m->n] = t->file;
	m->entry[m->n++] = entry;
}

static void modules_free(module_set *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->files);
	free(m->entry);
}

/* True when the module key `mod` is the part of `key` before "::", or a
 * dotted prefix of that part (a class inside the module). */
static int key_in_module(const char *key, const char *mod)
{
	const char *sep = strstr(key, "::");
	size_t plen = sep ? (size_t)(sep - key) : 0, k = strlen(mod);

	return sep && k <= plen && memcmp(mod, key, k) == 0 && (k == plen || key[k] == '.');
}

/*
 * The entry of the module test `t` (of key `key`) belongs to, or
 * UINT32_MAX. Collection errors are few, so a linear scan is enough.
 */
static uint32_t modules_find(const module_set *m, const fp_test *t, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (key_in_module(key, m->keys[i]) ||
		    (t->file && m->files[i] && strcmp(t->file, m->files[i]) == 0))
			return m->entry[i];
	return UINT32_MAX;
}

static fp_diff_entry *add_entry(fp_diff *d, size_t *cap)
{
	fp_diff_entry *e;

	FP_ARRAY_GROW(d->entries, d->nentries + 1, *cap);
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof(*e));
	e->before = FP_DIFF_ABSENT;
	e->after = FP_DIFF_ABSENT;
	return e;
}

/* What joining hands on to the later steps: the modules that failed to
 * collect on each side and, for a test absent on one side, the module
 * entry it was tied to there. */
typedef struct join_state {
	module_set broken[2]; /* [0] before, [1] after */
	uint32_t *tie;        /* per entry, UINT32_MAX when none; NULL when no module failed */
	fp_buf key;
} join_state;

static void join_state_free(join_state *js)
{
	modules_free(&js->broken[0]);
	modules_free(&js->broken[1]);
	free(js->tie);
	fp_buf_free(&js->key);
}

static void note_module(fp_diff *d, join_state *js, const fp_test *t, int side)
{
	if (!fp_test_is_module(t))
		return;
	d->entries[d->nentries - 1].flags |= FP_ENTRY_MODULE;
	modules_add(&js->broken[side], t, (uint32_t)(d->nentries - 1), &js->key);
}

/* One entry per "before" test, joined in order where it can be, then
 * through a table of the "after" tests left; marks `used` after tests. */
static void join_before(fp_diff *d, join_state *js, unsigned char *used)
{
	const fp_run *before = d->before, *after = d->after;
	size_t cap = before->ntests, i, next = 0, nrest = 0, rest_cap = 0;
	uint32_t *rest = NULL;

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
			FP_ARRAY_GROW(rest, nrest + 1, rest_cap);
			rest[nrest++] = (uint32_t)i;
		}
		note_module(d, js, t, 0);
	}
	join_rest(d, rest, nrest, used);
	free(rest);
}

/* One entry per "after" test that no "before" test joined. */
static void join_after_only(fp_diff *d, join_state *js, const unsigned char *used)
{
	const fp_run *after = d->after;
	size_t cap = d->nentries, i;

	/* Exactly as much room as the tests only after need. */
	for (i = 0; i < after->ntests; i++)
		cap += !used[i];
	if (cap > d->nentries)
		d->entries = fp_xrealloc(d->entries, cap * sizeof(*d->entries));
	for (i = 0; i < after->ntests; i++) {
		fp_diff_entry *e;

		if (used[i])
			continue;
		e = add_entry(d, &cap);
		e->after = (uint32_t)i;
		note_module(d, js, &after->tests[i], 1);
	}
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

/*
 * A module that failed to collect on one side and collects on the other:
 * a test of it missing on the broken side is tied to the module's entry,
 * which takes the worst outcome of its tests on the other side; a test
 * missing after, in a module that fails after, takes the module's failure.
 */
static void tie_to_modules(fp_diff *d, join_state *js)
{
	size_t i;

	if (js->broken[0].n == 0 && js->broken[1].n == 0)
		return;
	js->tie = fp_xmalloc(d->nentries * sizeof(*js->tie));
	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];
		int side = e->before == FP_DIFF_ABSENT ? 0 : 1; /* the side it is missing on */
		const fp_test *t = side ? fp_diff_before(d, e) : fp_diff_after(d, e);
		fp_diff_entry *mod;
		uint32_t m;

		js->tie[i] = UINT32_MAX;
		if (e->flags & FP_ENTRY_MODULE || (e->before != FP_DIFF_ABSENT && e->after != FP_DIFF_ABSENT))
			continue;
		fp_test_key(&js->key, t);
		if ((m = modules_find(&js->broken[side], t, js->key.ptr)) == UINT32_MAX)
			continue;
		js->tie[i] = m;
		e->flags |= FP_ENTRY_BROKEN_MODULE;
		mod = &d->entries[m];
		if (side == 0 && mod->after == FP_DIFF_ABSENT)
			fold_module_outcome(mod, (fp_outcome)e->outcome_after, 1);
		if (side == 1) {
			if (mod->before == FP_DIFF_ABSENT)
				fold_module_outcome(mod, (fp_outcome)e->outcome_before, 0);
			e->outcome_after = (uint8_t)FP_OUTCOME_INFRASTRUCTURE;
		}
	}
}

/* Joins the tests of both runs into entries, with their outcomes, and
 * ties tests to the modules that failed to collect on the other side. */
static void join(fp_diff *d, join_state *js)
{
	unsigned char *used = fp_xcalloc(d->after->ntests ? d->after->ntests : 1, 1);
	size_t i;

	join_before(d, js, used);
	join_after_only(d, js, used);
	free(used);
	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];

		e->outcome_before = (uint8_t)fp_test_outcome(fp_diff_before(d, e));
		e->outcome_after = (uint8_t)fp_test_outcome(fp_diff_after(d, e));
	}
	tie_to_modules(d, js);
}

/* ---- changes ---- */

static fp_change change_of(fp_outcome b, fp_outcome a, int flaky_before, int flaky_after)
{
	if (b == FP_OUTCOME_ABSENT)
		return FP_CHANGE_NEW;
	if (a == FP_OUTCOME_ABSENT)
		return FP_CHANGE_REMOVED;
	if (a == FP_OUTCOME_NOT_RUN)
		return b == FP_OUTCOME_NOT_RUN ? FP_CHANGE_UNCHANGED : FP_CHANGE_NOT_RUN;
	if (b == FP_OUTCOME_NOT_RUN)
		return FP_CHANGE_NEWLY_RUN;
	if (b == FP_OUTCOME_SKIPPED)
		return a == FP_OUTCOME_SKIPPED ? FP_CHANGE_UNCHANGED : FP_CHANGE_UNSKIPPED;
	if (a == FP_OUTCOME_SKIPPED)
		return FP_CHANGE_NEWLY_SKIPPED;
	if (b == FP_OUTCOME_PASSED)
		return a == FP_OUTCOME_PASSED ? FP_CHANGE_UNCHANGED : FP_CHANGE_REGRESSED;
	/* b is a failure from here on. A test whose results after disagree
	 * passed on one attempt only: flaky, whatever its worst result. One
	 * whose results before disagree passed then too: passing after is no
	 * fix (prove --repeat: failed 2/3 before, passed 3/3 after). */
	if (flaky_after || (flaky_before && a == FP_OUTCOME_PASSED))
		return FP_CHANGE_FLAKY;
	if (a == FP_OUTCOME_PASSED)
		return FP_CHANGE_FIXED;
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

/*
 * A target with no result of its own before, in a module that failed to
 * collect then, takes the module's failure as its outcome before: the fix
 * is judged on what the target was kept from doing.
 */
static void targets_take_module_failure(fp_diff *d, const join_state *js)
{
	size_t i;

	if (!js->tie)
		return;
	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];

		if (!(e->flags & FP_ENTRY_TARGET) || e->before != FP_DIFF_ABSENT || js->tie[i] == UINT32_MAX)
			continue;
		e->outcome_before = d->entries[js->tie[i]].outcome_before;
		e->flags |= FP_ENTRY_VIA_MODULE;
	}
}

/* Gives every entry its change and counts them, with the matrix. */
static void count_changes(fp_diff *d)
{
	size_t i;

	for (i = 0; i < d->nentries; i++) {
		fp_diff_entry *e = &d->entries[i];
		const fp_test *b = fp_diff_before(d, e), *a = fp_diff_after(d, e);
		fp_change c = change_of((fp_outcome)e->outcome_before, (fp_outcome)e->outcome_after,
					b && (b->flags & FP_TEST_FLAKY), a && (a->flags & FP_TEST_FLAKY));

		if (c == FP_CHANGE_NEW && (e->flags & FP_ENTRY_BROKEN_MODULE))
			c = FP_CHANGE_COLLECTABLE;
		e->change = (uint8_t)c;
		if (c == FP_CHANGE_STILL_FAILING &&
		    cause_differs(fp_diff_before(d, e), fp_diff_after(d, e)))
			e->flags |= FP_ENTRY_CAUSE_CHANGED;
		d->changes[c]++;
		d->matrix[e->outcome_before][e->outcome_after]++;
	}
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
			if (fp_outcome_is_failure((fp_outcome)e->outcome_before))
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
	if (fp_test_is_module(t)) {
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
		int module = fp_test_is_module(t);

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


/* ---- the diff ---- */

static void count_causes(fp_diff *d)
{
	size_t i;
	int s;

	for (i = 0; i < d->nentries; i++) {
		const fp_diff_entry *e = &d->entries[i];
		const fp_test *sides[2] = { fp_diff_before(d, e), fp_diff_after(d, e) };

		for (s = 0; s < 2; s++) {
			const fp_test *t = sides[s];

			if (t && t->category != FP_CATEGORY_NONE &&
			    (t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR))
				count_cause(d->causes[s][t->category - 1], fp_test_cause(t));
		}
	}
}

int fp_diff_runs(fp_diff **out, const fp_run *before, const fp_run *after,
		 const fp_diff_opts *opts)
{
	static const fp_diff_opts none;
	fp_diff *d = fp_xcalloc(1, sizeof(*d));
	join_state js;
	int err;

	if (!opts)
		opts = &none;
	memset(&js, 0, sizeof(js));
	d->before = before;
	d->after = after;
	d->goal = opts->goal;
	d->provenance[0] = opts->provenance[0];
	d->provenance[1] = opts->provenance[1];
	join(d, &js);
	if ((err = mark_targets(d, opts->patterns, opts->npatterns)) < 0) {
		join_state_free(&js);
		fp_diff_free(d);
		return err;
	}
	targets_take_module_failure(d, &js);
	join_state_free(&js);
	count_changes(d);
	count_causes(d);
	compute_metrics(&d->metrics[0], before);
	compute_metrics(&d->metrics[1], after);
	fp_diff_decide(d);
	*out = d;
	return 0;
}

void fp_reason_format(fp_buf *out, const fp_reason *r)
{
	size_t i;

	fp_buf_puts(out, r->text);
	for (i = 0; i < r->nids; i++) {
		fp_buf_puts(out, i ? ", " : ": ");
		fp_buf_puts(out, r->ids[i]);
	}
	if (r->more)
		fp_buf_printf(out, " and %llu more", (unsigned long long)r->more);
}

void fp_diff_free(fp_diff *diff)
{
	size_t i, k;

	if (!diff)
		return;
	for (i = 0; i < diff->nreasons; i++) {
		for (k = 0; k < diff->reasons[i].nids; k++)
			free(diff->reasons[i].ids[k]);
		free(diff->reasons[i].ids);
		free(diff->reasons[i].text);
	}
	free(diff->reasons);
	free(diff->targets);
	free(diff->entries);
	free(diff);
}
