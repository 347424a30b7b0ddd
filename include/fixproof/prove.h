/*
 * prove.h - the evidence for a fix in one call: the tests run at the base
 * commit (in a temporary git worktree) and in the working tree or at the
 * head commit, each run a capture (capture.h), ready for the report.
 *
 * The fix's own tests can be run against the code without the fix:
 * `tests` pathspecs are copied from the head into the base worktree before
 * the run there, the way SWE-bench evaluates a fix. Each side can run
 * `repeat` times; a report over several captures a side counts every
 * test's results over them.
 *
 * Every worktree and temporary directory fp_prove_run makes is removed
 * before it returns, on success, on error and after an interrupt; only
 * the captures remain, in a temporary directory that fp_prove_free
 * removes, or in `keep`.
 */
#ifndef FIXPROOF_PROVE_H
#define FIXPROOF_PROVE_H

#include <stddef.h>

/* Most runs a side (--repeat). */
#define FP_PROVE_MAX_REPEAT 100

typedef struct fp_prove_opts {
	const char *base;           /* the commit before the fix (any git revision) */
	const char *head;           /* the commit after it; NULL: the working tree as it is */
	const char *const *tests;   /* pathspecs copied from the head into the base (borrowed) */
	size_t ntests;
	int repeat;                 /* runs a side, 1..FP_PROVE_MAX_REPEAT */
	const char *keep;           /* keep the captures in this directory; NULL: temporary */
	double timeout;             /* per run, seconds; 0: none */
	const char *const *junit;   /* --junit for another runner (borrowed) */
	size_t njunit;
	const char *const *argv;    /* the test command (borrowed) */
	size_t argc;
	int echo;                   /* copy the command's output to standard error */
} fp_prove_opts;

/* The captures made: before[i] and after[i] are capture directories. */
typedef struct fp_prove {
	char *dir;                  /* the directory holding them (owned) */
	int temporary;              /* fp_prove_free removes `dir` */
	char **before, **after;     /* `n` capture directories each (owned) */
	size_t n;
} fp_prove;

/*
 * Runs the command `repeat` times at `base` and `repeat` times at the head,
 * in the directory of the repository that the current directory is (the
 * same subdirectory in each worktree). Returns 0 and the captures to free
 * with fp_prove_free; FP_EUSAGE (not in git, an unknown revision, a
 * pathspec that matches nothing, a --keep directory in use), FP_EIO, or
 * FP_EINTERRUPTED after Ctrl-C (nothing is left behind, *out is not set).
 */
int fp_prove_run(fp_prove **out, const fp_prove_opts *opts);

/* Removes the temporary captures directory and frees. NULL does nothing. */
void fp_prove_free(fp_prove *p);

/* Removes a directory tree without following symbolic links. Returns 0 or
 * FP_EIO (message set). */
int fp_prove_remove_tree(const char *path);

#endif
