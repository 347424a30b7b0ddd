/*
 * source.h - the byte source under the readers: one input (a file, a FIFO,
 * standard input or memory) read once, front to back, and hashed on the way.
 *
 * The first bytes are read ahead (fp_source_peek) so the format can be
 * told (fp_sniff_bytes) and are then handed out again by fp_source_read; a
 * large regular file is read and hashed by a second thread a few chunks
 * ahead of the reader (fp_source_read_ahead); a FIFO waits, within a limit,
 * for a program to open it for writing. The readers (parse_junit.c,
 * parse_collect.c) read through this module, and the directory walker
 * (parse_input.c) opens and finishes sources for them: the module depends
 * on nothing above it (buf, error, sha256).
 */
#ifndef FIXPROOF_SOURCE_H
#define FIXPROOF_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fixproof/sha256.h"

/*
 * Limits on reading, stated in the README. One input (a file, a FIFO or
 * standard input) may hold at most FP_MAX_INPUT_BYTES bytes: far more than
 * any real result file, the cap only stops an endless source such as
 * /dev/zero. A FIFO given by path waits at most FP_FIFO_WAIT_SECONDS for a
 * program to open it for writing. The environment variables
 * FIXPROOF_MAX_INPUT_BYTES and FIXPROOF_FIFO_WAIT (seconds) change them.
 */
#define FP_MAX_INPUT_BYTES (8ULL << 30)
#define FP_FIFO_WAIT_SECONDS 10

/* Bytes fp_source_peek reads ahead to tell the format. */
#define FP_SOURCE_PEEK 4096

/* What fp_source_open found at a path. */
typedef enum {
	FP_SOURCE_MEMORY = 0,
	FP_SOURCE_REGULAR,  /* a regular file */
	FP_SOURCE_FIFO,     /* a named pipe */
	FP_SOURCE_STREAM    /* a descriptor the caller opened (standard input) */
} fp_source_type;

/*
 * A byte source that hashes what it hands out. Its members are the
 * module's; the struct is public so that a source can live on the stack.
 */
typedef struct fp_source {
	const char *path;        /* for messages: the path as given, "-" for stdin */
	int fd;                  /* -1 for a memory source */
	int own_fd;              /* opened by fp_source_open: closed by fp_source_close */
	fp_source_type type;
	uint64_t size;           /* a regular file's size when opened, else 0 */
	const unsigned char *mem;
	size_t memlen, mempos;
	unsigned char *head;     /* bytes read ahead for sniffing (owned) */
	size_t headlen, headpos;
	int peeked;              /* fp_source_peek has run */
	fp_sha256 sha;
	uint64_t bytes;          /* bytes hashed */
	uint64_t handed;         /* bytes handed to the reader, for the size cap */
	int failed;              /* 0, or the code of a failed read (message set) */
	struct fp_readahead *ahead; /* a large file is read (and hashed) ahead on a thread */
} fp_source;

/* Makes a source over memory; nothing to free besides fp_source_close. */
void fp_source_memory(fp_source *src, const char *path, const void *data, size_t len);

/*
 * Makes a source over `fd`, which the caller opened and closes (standard
 * input). `path` names it in messages and must outlive the source.
 */
void fp_source_fd(fp_source *src, const char *path, int fd);

/*
 * Opens `path` for reading without blocking on a FIFO that has no writer
 * yet, and records what it is in src->type. Anything but a regular file or
 * a FIFO (a device, a socket) fails with FP_EINPUT. `path` must outlive the
 * source; fp_source_close closes the file. On failure the message is set
 * and there is nothing to close.
 */
int fp_source_open(fp_source *src, const char *path);

/*
 * Reads the first bytes (up to FP_SOURCE_PEEK; fewer only at the end of
 * the input) without consuming them: fp_source_read hands them out again.
 * A FIFO first waits for a writer (see FP_FIFO_WAIT_SECONDS). Sets `*p` to
 * bytes the source owns, valid until fp_source_close, and `*n` to their
 * count. Returns 0 or FP_EINPUT (message set).
 */
int fp_source_peek(fp_source *src, const unsigned char **p, size_t *n);

/*
 * Starts reading a large regular file ahead on a second thread, after
 * fp_source_peek, so that the reader's thread spends its time reading
 * rather than waiting for the kernel and hashing. Does nothing for small
 * files, other sources, or when no thread can be started: the bytes, their
 * order and the hash are the same either way.
 */
void fp_source_read_ahead(fp_source *src);

/*
 * Reads up to `n` bytes. Returns the count, 0 at the end, or -1 on a read
 * error or past the input size cap (message set, `failed` set).
 */
ssize_t fp_source_read(fp_source *src, void *buf, size_t n);

/*
 * Reads what the reader left unread, so the hash covers the whole input,
 * and writes the SHA-256 of every byte as lowercase hex to `sha256` and
 * their count to `*bytes`. Returns 0 or FP_EINPUT / FP_ELIMIT (message set).
 */
int fp_source_finish(fp_source *src, char sha256[65], uint64_t *bytes);

/* Releases what the source owns and closes a file fp_source_open opened. */
void fp_source_close(fp_source *src);

/* What the first bytes of an input look like. */
typedef enum { FP_SNIFF_UNKNOWN = 0, FP_SNIFF_JUNIT, FP_SNIFF_COLLECT, FP_SNIFF_JSON } fp_sniff;

/*
 * Tells JUnit XML from text by the first bytes: FP_SNIFF_UNKNOWN when they
 * hold only white space, FP_SNIFF_JUNIT for XML, FP_SNIFF_JSON for a JSON
 * object (which the CTRF reader accepts or refuses), FP_SNIFF_COLLECT for
 * any other text (which the collect-only reader accepts or refuses).
 */
fp_sniff fp_sniff_bytes(const unsigned char *p, size_t n);

/*
 * Whether text (FP_SNIFF_COLLECT) shows pytest's marks in its first bytes:
 * a collect-only listing or summary, a session that failed to start, or a
 * test run's progress and summary. A directory is searched for such text
 * files only; other text (a README, a build log) is passed over.
 */
int fp_sniff_pytest(const unsigned char *p, size_t n);

#endif
