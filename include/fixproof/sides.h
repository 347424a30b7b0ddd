/*
 * sides.h - reading the runs before and after a fix: parse, merge and
 * classify each side's inputs, both sides at once.
 */
#ifndef FIXPROOF_SIDES_H
#define FIXPROOF_SIDES_H

#include <stddef.h>

#include "fixproof/classify.h"
#include "fixproof/model.h"
#include "fixproof/parse.h"

/*
 * Reads the inputs `paths` (fp_parse_inputs) into a new run and classifies
 * it with `rules` (borrowed). `progress` may be NULL. On success *out is the
 * caller's, freed with fp_run_free; its warnings are in the run, not printed.
 */
int fp_sides_read_one(fp_run **out, const char *const *paths, size_t npaths,
		      const fp_rules *rules, fp_progress_fn progress, void *progress_ctx);

/*
 * Reads both sides at once, the "after" side on a second thread (when one
 * cannot be started, one after the other): they are independent until the
 * diff, and reading is most of the time a diff or a report takes. The
 * result is what reading them one after the other gives: when both fail,
 * the "before" side's error and message. `progress` is called from both
 * threads. On success both runs are the caller's; on failure neither is
 * returned. The rules are only read, so one set serves both threads.
 */
int fp_sides_read(fp_run **before, fp_run **after,
		  const char *const *before_paths, size_t nbefore,
		  const char *const *after_paths, size_t nafter,
		  const fp_rules *rules, fp_progress_fn progress, void *progress_ctx);

#endif
