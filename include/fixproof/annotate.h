/*
 * annotate.h - GitHub workflow commands (annotations) for the tests that
 * matter after a fix, so a CI run shows them on the lines of the diff.
 *
 * Which tests, in the order printed (most important first):
 *   ::error    tests that regressed (passed before, fail after), then
 *              targets that still fail;
 *   ::warning  targets that progressed (an infrastructure failure became
 *              a business-logic one), then tests newly failing (they fail
 *              after and did not fail before, without having passed);
 *   ::notice   targets newly skipped.
 * Each names file= and line= (the test's JUnit/CTRF file and line; else
 * the deepest frame of its trace inside the repository; else the test's
 * own file from its node id), title= (the test id and its change) and, as
 * its message, what changed and the first lines of the failure.
 *
 * GitHub shows at most 10 errors and 10 warnings (and 10 notices) per step
 * and 50 annotations per job: past the caps the rest are left out and a
 * last ::notice says how many, of which kind.
 */
#ifndef FIXPROOF_ANNOTATE_H
#define FIXPROOF_ANNOTATE_H

#include <stdio.h>

#include "fixproof/buf.h"
#include "fixproof/diff.h"

/* GitHub's caps (its documentation of workflow commands). */
#define FP_ANNOTATE_MAX_PER_KIND 10 /* errors, warnings, notices: each per step */
#define FP_ANNOTATE_MAX_PER_JOB 50

typedef struct fp_annotate_opts {
	/* The repository's top directory: absolute trace paths under it are
	 * made relative, paths outside it are no place to annotate. NULL: the
	 * current directory. Borrowed. */
	const char *root;
	/* Caps; 0 means GitHub's (above). The summary notice counts in them. */
	unsigned max_per_kind;
	unsigned max_total;
} fp_annotate_opts;

/*
 * Writes the annotations for `diff` to `f`, one workflow command a line;
 * nothing when no test matters. `opts` may be NULL. Everything taken from
 * the inputs is escaped as GitHub requires, so a test name or a message
 * can neither end the command nor start another. Returns 0 or FP_EIO.
 */
int fp_annotate_write(FILE *f, const fp_diff *diff, const fp_annotate_opts *opts);

/*
 * Appends `s` (of `n` bytes) escaped for a workflow command: '%', CR and
 * LF as %25, %0D, %0A; with `property`, also ':' and ',' as %3A, %2C (the
 * separators of file=,line=,title=).
 */
void fp_annotate_escape(fp_buf *out, const char *s, size_t n, int property);

/*
 * Finds the deepest frame of `trace` inside the repository at `root`
 * (NULL: the current directory): Python's `File "PATH", line N`, pytest's
 * `PATH:N: Error`, and the `at ... (PATH:N:C)` of JavaScript stacks (whose
 * deepest frame comes first). Paths under site-packages, dist-packages or
 * node_modules, or outside `root`, are not the repository's. Sets `file`
 * (cleared first; relative, no "./") and `*line`, and returns 1 when one
 * is found; 0 otherwise.
 */
int fp_annotate_trace_frame(fp_buf *file, unsigned long *line, const char *trace,
			    const char *root);

#endif
