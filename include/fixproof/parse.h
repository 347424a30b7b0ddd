/*
 * parse.h - stage 1: read result files into a run model.
 *
 * An INPUT is a file, a directory (searched recursively for result files) or
 * "-" for standard input. JUnit XML and `pytest --collect-only` text are told
 * apart by their content. Every byte read is hashed (SHA-256) on the way, so
 * the report can name the exact files it was made from.
 */
#ifndef FIXPROOF_PARSE_H
#define FIXPROOF_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fixproof/model.h"
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

/*
 * A byte source that hashes what it hands out. It reads from a file
 * descriptor, after replaying the bytes already read to sniff the format, or
 * from memory (tests and fuzzers).
 */
typedef struct fp_source {
	const char *path;        /* for messages: the path as given, "-" for stdin */
	int fd;                  /* -1 for a memory source */
	const unsigned char *mem;
	size_t memlen, mempos;
	unsigned char *head;     /* bytes read ahead for sniffing (owned) */
	size_t headlen, headpos;
	fp_sha256 sha;
	uint64_t bytes;          /* bytes hashed */
	uint64_t handed;         /* bytes handed to the parser, for the size cap */
	int failed;              /* a read error happened; message is set */
	struct fp_readahead *ahead; /* a large file is read (and hashed) ahead on a thread */
} fp_source;

/* Makes a source over memory; nothing to free besides fp_source_close. */
void fp_source_memory(fp_source *src, const char *path, const void *data, size_t len);

/*
 * Reads up to `n` bytes. Returns the count, 0 at the end, or -1 on a read
 * error or past the input size cap (message set, `failed` set).
 */
ssize_t fp_source_read(fp_source *src, void *buf, size_t n);

/* Releases what the source owns (not the fd, which its opener closes). */
void fp_source_close(fp_source *src);

/*
 * Parses JUnit XML from `src` into `run`, as input number `input`, with
 * libxml2's streaming SAX2 parser: no DOM, no network, no external entities.
 * A file cut short keeps the testcases that were complete, marks the input
 * incomplete and adds a warning naming the file and line. Returns 0, or
 * FP_EINPUT when the file is not JUnit XML at all (message names the file).
 */
int fp_junit_parse(fp_run *run, uint32_t input, fp_source *src);

/*
 * Parses `pytest --collect-only` output (default tree, -q node ids, -qq
 * per-file counts; pytest 6 to 8) from `src`. Each test becomes a test with
 * status not_run and the FP_TEST_COLLECTED flag; each collection error an
 * entry for its file with status error and phase collection. Sets
 * run->collection. Returns 0, or FP_EINPUT when nothing in it is
 * recognisable as collect-only output.
 */
int fp_collect_parse(fp_run *run, uint32_t input, fp_source *src);

/* What the first bytes of a file look like. */
typedef enum { FP_SNIFF_UNKNOWN = 0, FP_SNIFF_JUNIT, FP_SNIFF_COLLECT } fp_sniff;
fp_sniff fp_sniff_bytes(const unsigned char *p, size_t n);

/*
 * Does the parsers' one-time set-up (libxml2's). Parsing calls it itself;
 * call it once before starting threads that parse at the same time, which
 * is then safe for separate runs.
 */
void fp_parse_prepare(void);

/* Progress callback: called before each input file is read. */
typedef void (*fp_progress_fn)(void *ctx, const char *path, size_t done, size_t total);

/*
 * Reads every INPUT in `paths` into a new run, then merges and counts it
 * (fp_run_finish). Directories are searched recursively in name order for
 * *.xml files and for text files that look like collect-only output; other
 * files in a directory are passed over. On failure nothing is returned.
 */
int fp_parse_inputs(fp_run **out, const char *const *paths, size_t npaths,
		    fp_progress_fn progress, void *progress_ctx);

#endif
