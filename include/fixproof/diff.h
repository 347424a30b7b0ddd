/*
 * diff.h - stage 3: compare the run before a fix with the run after it.
 *
 * Every test of either run becomes one entry, joined across the runs by its
 * key (model.h: a pytest node id and its JUnit classname/name join). Each
 * entry gets a change (fixed, regressed, progressed, ...); the diff counts
 * them per category and cause, computes the metrics, and decides the
 * verdict by the rules the README states (diff_verdict.c), with the
 * reasons that justify it.
 *
 * Memory: the diff points into both runs; free it before them. Entries are
 * small (two indices and a few bytes), so a million-test pair costs some
 * twelve megabytes on top of the runs.
 */
#ifndef FIXPROOF_DIFF_H
#define FIXPROOF_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "fixproof/model.h"

/* What happened to one test between the runs. */
typedef enum {
	FP_CHANGE_UNCHANGED = 0, /* the same outcome on both sides */
	FP_CHANGE_FIXED,         /* failed before, passes after */
	FP_CHANGE_REGRESSED,     /* passed before, fails after */
	FP_CHANGE_PROGRESSED,    /* infrastructure failure -> business-logic failure */
	FP_CHANGE_STILL_FAILING, /* fails on both sides (cause may have changed) */
	FP_CHANGE_NEW,           /* only after */
	FP_CHANGE_COLLECTABLE,   /* only after, in a module that failed to collect before */
	FP_CHANGE_REMOVED,       /* only before */
	FP_CHANGE_NEWLY_SKIPPED, /* ran before, skipped after */
	FP_CHANGE_UNSKIPPED,     /* skipped before, runs after */
	FP_CHANGE_NOT_RUN,       /* collected after but has no result there */
	FP_CHANGE_FLAKY,         /* failed before, passes after only on a rerun */
	FP_CHANGE_NEWLY_RUN,     /* collected but not run before (the run stopped early), runs after */
	FP_CHANGE_COUNT
} fp_change;

/*
 * The outcome of a test on one side, the rows and columns of the
 * transition matrix.
 */
typedef enum {
	FP_OUTCOME_PASSED = 0,
	FP_OUTCOME_INFRASTRUCTURE,
	FP_OUTCOME_BUSINESS_LOGIC,
	FP_OUTCOME_SKIPPED,
	FP_OUTCOME_NOT_RUN,
	FP_OUTCOME_ABSENT,
	FP_OUTCOME_COUNT
} fp_outcome;

typedef enum {
	FP_VERDICT_INCONCLUSIVE = 0,
	FP_VERDICT_REGRESSED,
	FP_VERDICT_RESOLVED,
	FP_VERDICT_PARTIALLY_RESOLVED,
	FP_VERDICT_UNRESOLVED,
	FP_VERDICT_UNBLOCKED     /* --goal reach: every target now reaches the code under test */
} fp_verdict;

/* What the fix set out to do (--goal). */
typedef enum {
	FP_GOAL_PASS = 0, /* the targets pass */
	FP_GOAL_REACH     /* the targets reach the code under test (infrastructure fixed) */
} fp_goal;

/* Bits of fp_diff_entry.flags. */
enum {
	FP_ENTRY_TARGET = 1 << 0,       /* one of the tests the fix is about */
	FP_ENTRY_MODULE = 1 << 1,       /* a collection-error entry for a whole module */
	FP_ENTRY_CAUSE_CHANGED = 1 << 2,/* still failing, but for another cause */
	FP_ENTRY_BROKEN_MODULE = 1 << 3,/* absent on a side where its module failed to collect */
	FP_ENTRY_VIA_MODULE = 1 << 4    /* a target whose outcome before is its module's failure */
};

/* An index that says a test is absent on that side. */
#define FP_DIFF_ABSENT UINT32_MAX

/*
 * One test of either run. The tests are indices into the runs' `tests`
 * (12 bytes an entry, where two pointers would take 24); fp_diff_before()
 * and fp_diff_after() give the tests themselves.
 */
typedef struct fp_diff_entry {
	uint32_t before;       /* index into before->tests, FP_DIFF_ABSENT when absent */
	uint32_t after;        /* index into after->tests, FP_DIFF_ABSENT when absent */
	uint8_t change;        /* fp_change */
	uint8_t outcome_before;/* fp_outcome */
	uint8_t outcome_after; /* fp_outcome; for a module entry, that of its tests */
	uint8_t flags;         /* FP_ENTRY_... bits */
} fp_diff_entry;

/* One --target pattern and how many tests it matched. */
typedef struct fp_diff_target {
	const char *pattern;
	size_t matched;
} fp_diff_target;

/* A fraction, so a report can print "18/18 (100%)" and never a bare percentage. */
typedef struct fp_fraction {
	uint64_t num, den;
} fp_fraction;

typedef struct fp_metrics {
	fp_fraction collection_rate;      /* test files collected without error / files seen */
	fp_fraction execution_rate;       /* tests whose body ran / tests known */
	fp_fraction business_logic_reach; /* passed or business-logic failure / not skipped */
	fp_fraction pass_rate;            /* passed / not skipped */
} fp_metrics;

/* Causes counted within one category on one side. */
#define FP_DIFF_MAX_CAUSES 32
typedef struct fp_cause_count {
	const char *cause; /* NULL ends the list */
	uint64_t count;
} fp_cause_count;

/* How many test ids a reason names before it says "and N more". */
#define FP_REASON_IDS 5

/*
 * One reason for the verdict: a sentence that names its numbers, and the
 * tests behind it (up to FP_REASON_IDS ids, then a count of the rest), kept
 * apart so a report can show the ids as code. fp_reason_format() gives the
 * whole sentence, as the diff model's "reasons" holds it.
 */
typedef struct fp_reason {
	char *text;    /* "1 target still fails" */
	char **ids;    /* test ids, as fp_test_id gives them */
	size_t nids;
	uint64_t more; /* tests behind the reason that are not named */
} fp_reason;

/* Appends the sentence: text, then ": id, id and N more" when it names tests. */
void fp_reason_format(fp_buf *out, const fp_reason *r);

typedef struct fp_diff {
	const fp_run *before, *after;
	fp_diff_entry *entries;  /* before's order, then tests only after */
	size_t nentries;
	fp_diff_target *targets; /* the --target patterns; none when targets are implicit */
	size_t ntargets;
	size_t target_count;     /* entries flagged FP_ENTRY_TARGET */
	uint64_t changes[FP_CHANGE_COUNT];
	uint64_t matrix[FP_OUTCOME_COUNT][FP_OUTCOME_COUNT]; /* [before][after] */
	fp_cause_count causes[2][2][FP_DIFF_MAX_CAUSES];     /* [side][category-1][] */
	fp_metrics metrics[2];   /* [0] before, [1] after */
	fp_goal goal;
	fp_verdict verdict;
	fp_reason *reasons;      /* the verdict's first, each naming its numbers */
	size_t nreasons, reasons_cap;
	/* How each run was made ([0] before, [1] after; provenance.h), from
	 * fp_diff_opts: borrowed, NULL when not captured. A run cut short
	 * (a timeout, Ctrl-C) makes the verdict inconclusive. */
	const struct fp_provenance *provenance[2];
} fp_diff;

/* What fp_diff_runs is asked. Zeroed, it means: implicit targets, goal pass. */
typedef struct fp_diff_opts {
	const char *const *patterns; /* the --target patterns (borrowed) */
	size_t npatterns;
	fp_goal goal;
	const struct fp_provenance *provenance[2]; /* capture records, or NULL (borrowed) */
} fp_diff_opts;

/* The test of entry `e` before the fix, or NULL when it is absent then. */
static inline const fp_test *fp_diff_before(const fp_diff *d, const fp_diff_entry *e)
{
	return e->before == FP_DIFF_ABSENT ? NULL : &d->before->tests[e->before];
}

/* The test of entry `e` after the fix, or NULL when it is absent then. */
static inline const fp_test *fp_diff_after(const fp_diff *d, const fp_diff_entry *e)
{
	return e->after == FP_DIFF_ABSENT ? NULL : &d->after->tests[e->after];
}

/*
 * Compares `before` with `after` (both finished and classified); `opts` may
 * be NULL. opts->patterns are the --target patterns (may be 0): a pattern
 * with `*` or `?` is a glob (`*` any run, `?` one character, everything
 * else literal), any other is a substring; both are tried on the test's id
 * (node id when known), on its join key (the JUnit classname::name form)
 * and, for a JUnit-only test, on the node id rebuilt from its classname
 * (fp_test_nodeid_guess). Without patterns, the targets are the tests that
 * failed or errored before (a module that failed to collect is one). The
 * diff borrows the runs and the patterns: keep them until fp_diff_free.
 * Returns 0 and a diff to free with fp_diff_free, or FP_EUSAGE when a
 * pattern matches no test on either side (message names the pattern).
 */
int fp_diff_runs(fp_diff **out, const fp_run *before, const fp_run *after,
		 const fp_diff_opts *opts);

/*
 * Decides d->verdict and d->reasons from the entries, targets and runs
 * (diff_verdict.c; fp_diff_runs calls it). The rules, in order, are the
 * README's "Verdicts" section.
 */
void fp_diff_decide(fp_diff *d);


/* Frees the diff (not the runs). fp_diff_free(NULL) does nothing. */
void fp_diff_free(fp_diff *diff);

/*
 * Writes the diff model (schema "fixproof.diff/1") to `f`, streaming the
 * tests one at a time. With `changed_only`, unchanged tests are left out of
 * "tests" (they are still counted). Returns 0 or FP_EIO.
 */
int fp_diff_write_json(const fp_diff *diff, FILE *f, int changed_only);

/* Names used in the JSON documents and templates. */
const char *fp_change_name(fp_change c);
const char *fp_outcome_name(fp_outcome o);
const char *fp_verdict_name(fp_verdict v);
const char *fp_goal_name(fp_goal g);

/* The outcome of a test on one side (NULL for absent). */
fp_outcome fp_test_outcome(const fp_test *t);

/* True for a failure of either category. */
static inline int fp_outcome_is_failure(fp_outcome o)
{
	return o == FP_OUTCOME_INFRASTRUCTURE || o == FP_OUTCOME_BUSINESS_LOGIC;
}

/* True for the entry of a module (or suite) that failed to collect: it
 * stands for the module's tests, which have no results of their own. */
static inline int fp_test_is_module(const fp_test *t)
{
	return t && t->phase == FP_PHASE_COLLECTION && t->status == FP_STATUS_ERROR;
}

/* True when the pattern (see fp_diff_runs) matches `text`. */
int fp_pattern_match(const char *pattern, const char *text);

#endif
