/*
 * error.h - error codes and the error message of each thread.
 *
 * Functions that can fail return 0 or a negative FP_E... code. The message
 * is set once, where the failure is found, with fp_error_set(), and passed up
 * unchanged; only the command line prints it (see libgit2's git_error_set).
 *
 * The message is per thread: the two sides of a diff are read on two
 * threads at once, and each keeps its own. A thread that hands a failure
 * to another (the reading of both sides does) must copy its message out
 * with fp_error_message() before it ends; the other thread's message is
 * not touched.
 */
#ifndef FIXPROOF_ERROR_H
#define FIXPROOF_ERROR_H

#include "fixproof/buf.h"

enum {
	FP_OK = 0,
	FP_EUSAGE = -1,    /* the command line is wrong */
	FP_EINPUT = -2,    /* an input file is unreadable or not what it claims */
	FP_EIO = -3,       /* writing output failed */
	FP_ENET = -4,      /* the network failed */
	FP_EAPI = -5,      /* the remote API answered with an error */
	FP_ETEMPLATE = -6, /* a template does not parse */
	FP_ELIMIT = -7,    /* a stated limit was exceeded */
	FP_EINTERNAL = -8, /* a part fixproof is built with is missing or broken */
	FP_EINTERRUPTED = -9, /* a signal (Ctrl-C) stopped the work; cleanup has run */

	/* Not failures: signals a caller acts on (like libgit2's GIT_PASSTHROUGH).
	 * They set no message. */
	FP_EHELP = -20,        /* help was printed: the command is done, successfully */
	FP_EPASSTHROUGH = -21, /* not mine: the caller should try the next handler */
	FP_ENOTFOUND = -22,    /* the thing looked for is not there */
	FP_EUNCERTAIN = -23    /* a request may or may not have taken effect */
};

/*
 * Records the message for the failure just found and returns `code`, so a
 * caller can write `return fp_error_set(FP_EINPUT, "...")`. The message is
 * one line; newlines in the formatted text are replaced by spaces.
 */
int fp_error_set(int code, const char *fmt, ...) FP_PRINTF(2, 3);

/* The calling thread's last message, or "" when none was. Owned by the
 * error module; valid until this thread's next fp_error_set or clear. */
const char *fp_error_message(void);

/* Forgets the calling thread's last message. */
void fp_error_clear(void);

/* Releases the calling thread's message buffer (a thread that set one
 * calls it before it ends, and main before exit, for leak checkers). */
void fp_error_shutdown(void);

#endif
