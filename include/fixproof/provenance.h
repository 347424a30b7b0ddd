/*
 * provenance.h - how a run was made: the record `fixproof capture` writes
 * beside its results (provenance.json, schema fixproof.provenance/1) and
 * that `diff` and `report` read back.
 *
 * The record names the command, where and when it ran, how it ended, the
 * commit and the state of the working tree, the interpreter and pytest
 * versions, the host, and in GitHub Actions the run. Every member may be
 * missing (NULL, or -1 for numbers): a report shows what is known.
 *
 * Memory: an fp_provenance owns every string in it; fp_provenance_free
 * releases it all.
 */
#ifndef FIXPROOF_PROVENANCE_H
#define FIXPROOF_PROVENANCE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fixproof/buf.h"

#define FP_PROVENANCE_FILE "provenance.json"
/* Dirty paths kept in the record; the rest are counted. */
#define FP_PROVENANCE_MAX_DIRTY 20
/* Bytes of the command's standard error kept when it wrote no results. */
#define FP_PROVENANCE_TAIL 2048


/* One test's results over the runs of one side (prove --repeat). */
typedef struct fp_provenance_count {
	char *id;             /* the test's id (fp_test_id) */
	unsigned passed;      /* runs where it passed */
	unsigned failed;      /* runs where it failed or errored */
	unsigned ran;         /* runs with a result for it (skips included) */
} fp_provenance_count;

/* Tests named in a report's list of results over repeated runs. */
#define FP_PROVENANCE_MAX_COUNTS 20

typedef struct fp_provenance {
	char *label;          /* the capture's name (its directory's by default) */
	char **argv;          /* the command as the user gave it */
	size_t argc;
	char *runner;         /* "pytest" or "command" */
	char *cwd;            /* working directory, relative to the repository ("." at its top) */
	int exit_status;      /* -1 when it did not exit by itself */
	char *signal;         /* "SIGTERM" when a signal ended it, else NULL */
	char *cut_short;      /* "timeout" or "interrupted" when fixproof stopped it */
	double timeout;       /* --timeout in seconds, or 0 */
	char *start, *end;    /* UTC, ISO 8601 ("2026-12-01T23:59:00Z") */
	double duration;      /* seconds, or -1 */
	char *commit, *branch;/* NULL outside git; branch NULL on a detached HEAD */
	int dirty;            /* 1 dirty, 0 clean, -1 unknown (tests_copied aside) */
	char **dirty_paths;   /* up to FP_PROVENANCE_MAX_DIRTY */
	size_t ndirty;
	size_t dirty_more;    /* dirty paths not kept */
	char **tests_copied;  /* prove --tests: pathspecs copied in from the fix; none otherwise */
	size_t ntests_copied;
	char *tests_from;     /* the commit they were copied from; NULL: the working tree */
	char *repo_url;       /* https://HOST/OWNER/NAME when known, for commit links */
	char *python_version, *pytest_version;
	char *hostname;
	char *ci_run_url, *ci_run_attempt, *ci_sha, *ci_ref;
	char **results;       /* result files, relative to the capture directory */
	size_t nresults;
	char *stderr_tail;    /* the command's last standard error, when it wrote no results */
	int runs;             /* how many runs of the command this side stands for (prove --repeat) */
	fp_provenance_count *counts; /* per test over several runs, sorted by id; none for one run */
	size_t ncounts, counts_cap;
} fp_provenance;

/* Counts one result of test `id` (`passed`, `failed`: which it was). Call
 * fp_provenance_counts_finish once every run is counted. */
void fp_provenance_count_add(fp_provenance *p, const char *id, int passed, int failed);

/* Sorts the counts by id and merges those of one test. */
void fp_provenance_counts_finish(fp_provenance *p);

/* A record with every member unknown; free it with fp_provenance_free. */
fp_provenance *fp_provenance_new(void);

/* Frees the record and everything in it. fp_provenance_free(NULL) does nothing. */
void fp_provenance_free(fp_provenance *p);

/* Appends the record as indented JSON (schema fixproof.provenance/1). */
void fp_provenance_to_json(fp_buf *out, const fp_provenance *p);

/* The record as a cJSON object, for the diff model; the caller deletes it. */
cJSON *fp_provenance_json_object(const fp_provenance *p);

/*
 * Reads DIR/provenance.json. Returns 0 with a record to free, FP_ENOTFOUND
 * (no message) when DIR holds no such file, or FP_EINPUT when it is not a
 * provenance record (message names the file).
 */
int fp_provenance_load(fp_provenance **out, const char *dir);

/*
 * The "provenance" member of a report's view: {"any", "before", "after",
 * "rows"}. `before` and `after` may be NULL (inputs that were not
 * captured). Each side is null or an object of plain text members
 * (`command`, `commit_short`, `exit_text`, ...); "rows" is the table the
 * proof report shows, one row per fact either side knows, as safe Markdown
 * (`name`, `before_md`, `after_md`); "tails" the standard error of a side
 * that wrote no results (`side`, `tail_md`); "tests_md" a list of the
 * tests that failed in some run, with their counts on both sides ("failed
 * 3/3 before, passed 3/3 after"), or null. The caller deletes the result.
 */
cJSON *fp_provenance_view(const fp_provenance *before, const fp_provenance *after);

#endif
