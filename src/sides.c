/*
 * sides.c - the runs before and after a fix, read at the same time
 * (sides.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "fixproof/buf.h"
#include "fixproof/error.h"
#include "fixproof/sides.h"

int fp_sides_read_one(fp_run **out, const char *const *paths, size_t npaths,
		      const fp_rules *rules, fp_progress_fn progress, void *progress_ctx)
{
	fp_run *run = NULL;
	int err;

	if ((err = fp_parse_inputs(&run, paths, npaths, progress, progress_ctx)) < 0)
		return err;
	fp_classify_run(run, rules);
	*out = run;
	return 0;
}

/* The "after" side, read on a thread of its own. */
typedef struct side_job {
	const char *const *paths;
	size_t npaths;
	const fp_rules *rules;
	fp_progress_fn progress;
	void *progress_ctx;
	fp_run *run;
	int err;
	char *message; /* the error message, which is per thread */
} side_job;

static void *read_side(void *arg)
{
	side_job *job = arg;

	job->err = fp_sides_read_one(&job->run, job->paths, job->npaths, job->rules,
				     job->progress, job->progress_ctx);
	if (job->err < 0)
		job->message = fp_xstrdup(fp_error_message());
	fp_error_shutdown();
	return NULL;
}

int fp_sides_read(fp_run **before, fp_run **after,
		  const char *const *before_paths, size_t nbefore,
		  const char *const *after_paths, size_t nafter,
		  const fp_rules *rules, fp_progress_fn progress, void *progress_ctx)
{
	side_job job = { after_paths, nafter, rules, progress, progress_ctx, NULL, 0, NULL };
	fp_run *first = NULL;
	pthread_t worker;
	int err, threaded;

	fp_parse_prepare();
	threaded = pthread_create(&worker, NULL, read_side, &job) == 0;
	err = fp_sides_read_one(&first, before_paths, nbefore, rules, progress, progress_ctx);
	if (threaded)
		pthread_join(worker, NULL);
	else if (err == 0)
		read_side(&job);
	if (err == 0 && job.err < 0)
		err = fp_error_set(job.err, "%s", job.message);
	free(job.message);
	if (err < 0) {
		/* The message of the side that failed first stands. */
		fp_run_free(first);
		fp_run_free(job.run);
		return err;
	}
	*before = first;
	*after = job.run;
	return 0;
}
