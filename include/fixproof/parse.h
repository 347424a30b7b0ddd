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
#include "fixproof/source.h"

/*
 * Returned by a reader, with the message set, for a file that is
 * recognisably not a result file: XML whose root is not JUnit's (a
 * coverage.xml, a pom.xml), the console output of a pytest run, text that
 * is not pytest's. The message reads "'PATH': what it is", to follow
 * "cannot parse " or "skipped ". fp_parse_inputs passes such a file over
 * with a warning when a directory search found it, and fails with
 * FP_EINPUT when it was named; the code never leaves this stage.
 */
enum { FP_PARSE_FOREIGN = -64 };

/*
 * Parses JUnit XML from `src` into `run`, as input number `input`, with
 * libxml2's streaming SAX2 parser: no DOM, no network, no external entities.
 * A file cut short keeps the testcases that were complete, marks the input
 * incomplete and adds a warning naming the file and line.
 *
 * Each <testcase> is an entry, except that jest-junit's two testcases for
 * a test file that failed to run (classname "Test suite failed to run")
 * are one: an error in collection whose node id and file are the file's
 * path (the second counts in the input's `folded`). A testcase with an
 * empty classname takes its enclosing testsuites' names, joined by '.', as
 * its classname (a pytest collection failure keeps its module name alone);
 * one without a name is named "(unnamed testcase N)" after its place in its
 * suite, with a warning; one without a file attribute takes its innermost
 * suite's name as its file when that is a path to a source file.
 *
 * Returns 0; FP_PARSE_FOREIGN for well-formed XML whose root is not JUnit's;
 * FP_EINPUT when the file is not XML or the source fails (message names the
 * file).
 *
 * Like every reader here, it borrows `src` (the caller opened it and closes
 * it) and copies what it keeps into the run's arena, and it writes only
 * `run`: readers of separate runs may work on separate threads at once,
 * after fp_parse_prepare.
 */
int fp_junit_parse(fp_run *run, uint32_t input, fp_source *src);

/*
 * Reads a JUnit timestamp into `*out`, seconds since the epoch: an ISO 8601
 * date and time, "2024-05-01T10:00:00" with 'T' or a space between them,
 * optional fraction of a second, then optionally "Z", " UTC" or an offset
 * ("+02:00", "-0530"). A time without a zone is taken as UTC: runners
 * write local time there, which compares right between two runs of one
 * machine. Returns 0, or FP_EINPUT when `s` is no such timestamp (`*out`
 * is then left alone). fp_junit_parse records each <testsuite>'s in the
 * run (fp_run.first_timestamp).
 */
int fp_junit_timestamp(double *out, const char *s);

/*
 * Parses `pytest --collect-only` output (default tree, -q node ids, -qq
 * per-file counts; pytest 6 to 8) from `src`. Each test becomes a test with
 * status not_run and the FP_TEST_COLLECTED flag; each collection error an
 * entry for its file with status error and phase collection. Sets
 * run->collection.
 *
 * The output of a session that never started (captured with 2>&1: a
 * conftest's "ImportError while loading conftest", a usage error
 * "ERROR: ...", "INTERNALERROR>" lines) is read too: one FP_TEST_SESSION
 * entry (see model.h) for the whole session, and the collection marked
 * interrupted, with what it lists (nothing, when the run never started).
 *
 * Returns 0; FP_PARSE_FOREIGN for the console output of a test run
 * (progress lines, a FAILURES section, "1 failed, 2 passed") and for text
 * with nothing of pytest's in it; FP_EINPUT or FP_ELIMIT when the source
 * fails.
 */
int fp_collect_parse(fp_run *run, uint32_t input, fp_source *src);

/*
 * Parses a CTRF report (Common Test Report Format, JSON) from `src`: each
 * test of results.tests becomes an entry like a JUnit testcase (name,
 * suite as the classname, filePath, line, duration, message, trace), one
 * more entry per retry (flaky tests' earlier attempts went the other way),
 * so the run model merges them as reruns. Statuses: passed, failed
 * (rawStatus "error": an error), skipped and pending (skipped), other
 * (rawStatus "not_run": collected only; else an error). What
 * fp_ctrf_write keeps under "extra" is read back. The file is parsed
 * whole, up to 256 MiB (FP_ELIMIT past it).
 *
 * Returns 0; FP_PARSE_FOREIGN for JSON without results.tests; FP_EINPUT
 * for text that is not JSON (message names the file and line).
 */
int fp_ctrf_parse(fp_run *run, uint32_t input, fp_source *src);

/*
 * The versions the readers run with, for `fixproof --version`: libxml2's
 * (the JUnit reader's, "2.9.14") and cJSON's (the CTRF reader's). Into
 * `out`, cleared first.
 */
void fp_junit_libxml2_version(fp_buf *out);
void fp_ctrf_cjson_version(fp_buf *out);

/*
 * Does the parsers' one-time set-up (libxml2's). Parsing calls it itself;
 * call it once before starting threads that parse at the same time, which
 * is then safe for separate runs.
 */
void fp_parse_prepare(void);

/*
 * Releases what the parsers' set-up holds (libxml2's global state), for
 * leak checkers at exit. Call it once, when no thread parses any more.
 */
void fp_parse_shutdown(void);

/* Progress callback: called before each input file is read. */
typedef void (*fp_progress_fn)(void *ctx, const char *path, size_t done, size_t total);

/*
 * Reads every INPUT in `paths` into a new run, then merges and counts it
 * (fp_run_finish). Directories are searched recursively in name order for
 * *.xml files and for text files with pytest's marks (fp_sniff_pytest);
 * other files in a directory are passed over, and so are, with a warning
 * of the run's, files a reader finds to be no result file
 * (FP_PARSE_FOREIGN). An empty file, given or found under a result's name
 * (.xml, .txt, .log), is an input with no tests (fp_input.empty) and a
 * warning. On failure nothing is returned and the message is set. `paths`
 * is borrowed for the call (the run keeps copies); `progress` is called on
 * the calling thread.
 */
int fp_parse_inputs(fp_run **out, const char *const *paths, size_t npaths,
		    fp_progress_fn progress, void *progress_ctx);

#endif
