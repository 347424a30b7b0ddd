/*
 * file.h - reading a whole small file (a rules file, a template, an event
 * file, a comment body) into a buffer, up to a cap. The test results
 * themselves are read through source.h, which streams and hashes them.
 */
#ifndef FIXPROOF_FILE_H
#define FIXPROOF_FILE_H

#include <stddef.h>

#include "fixproof/buf.h"

enum {
	FP_FILE_STDIN = 1 << 0,       /* the path "-" is standard input */
	FP_FILE_REGULAR = 1 << 1,     /* refuse anything but a regular file (a FIFO
				       * is refused at once, never waited on) */
	FP_FILE_MISSING_OK = 1 << 2   /* a path that does not exist is FP_ENOTFOUND */
};

/*
 * Appends the bytes of `path` to `out`, at most `cap` of them. Returns 0;
 * FP_ENOTFOUND when the file does not exist and FP_FILE_MISSING_OK is
 * given; FP_ELIMIT when it holds more than `cap` bytes (`out` then holds
 * the first `cap`); FP_EINPUT when it cannot be opened or read, or is no
 * regular file under FP_FILE_REGULAR, with errno saying why (ENOENT,
 * EISDIR, ..., EINVAL for a file that is not regular).
 *
 * Sets no message: the caller knows what the file is for ("the rules file",
 * "the event file GITHUB_EVENT_PATH") and says so in its own.
 */
int fp_file_read(fp_buf *out, const char *path, size_t cap, unsigned flags);

/*
 * Copies the bytes of `from` into `to` (created or truncated, mode 0666
 * less the umask). Returns 0, or FP_EIO with a message naming the file
 * that could not be read or written.
 */
int fp_file_copy(const char *from, const char *to);

/*
 * Makes directory `path` and any parent it lacks (mode 0777 less the
 * umask), like mkdir -p. Returns 0, or FP_EIO with a message naming the
 * directory that could not be made.
 */
int fp_file_mkdirs(const char *path);

/* 1 when `path` is a directory with something in it (or cannot be read),
 * 0 when it is empty or missing. */
int fp_file_dir_in_use(const char *path);

#endif
