/*
 * output.h - where a command's output goes: standard output, or a file
 * that appears only once it is complete.
 *
 * A file is written to a temporary file beside it, then renamed over it, so
 * a reader never sees half of it and a failure leaves the old file as it
 * was. The temporary file is created with mode 0666 under the umask, like
 * any file open(2) creates, and takes the mode of the file it replaces. A
 * path that names a device or a FIFO (/dev/null, /dev/stdout, a pipe) is
 * written in place; a directory is refused.
 */
#ifndef FIXPROOF_OUTPUT_H
#define FIXPROOF_OUTPUT_H

#include <stdio.h>

typedef struct fp_output {
	FILE *f;    /* where to write; stdout is not owned */
	char *path; /* the destination, owned; NULL for standard output */
	char *tmp;  /* the temporary file, owned; NULL when written in place */
} fp_output;
#define FP_OUTPUT_INIT { NULL, NULL, NULL }

/* Opens `path` for writing; NULL or "-" is standard output. Returns 0 or
 * FP_EIO with a message that names the path. */
int fp_output_open(fp_output *out, const char *path);

/* Flushes, checks for write errors, and renames the file into place.
 * Returns 0 or FP_EIO (the temporary file is then removed). */
int fp_output_commit(fp_output *out);

/* Commits `out` after its writer returned `err`. A writer's FP_EIO (its
 * stream failed) becomes the output's own message, which names the file
 * and the reason; other errors are returned as they are. */
int fp_output_finish(fp_output *out, int err);

/* Removes an uncommitted temporary file; harmless after commit and on an
 * output never opened. */
void fp_output_abort(fp_output *out);

#endif
