/*
 * capture.h - run a test command and keep its evidence: result files, the
 * command's output and the record of how it ran (provenance.h), in one
 * capture directory that `diff` and `report` take as an input.
 *
 * For pytest (`pytest`, `py.test`, `python -m pytest`, any path to them)
 * fixproof adds what it needs: a `--collect-only -q` pass written with its
 * standard error to collect-only.txt, then the run with
 * `--junitxml=DIR/junit.xml -p no:cacheprovider` and the user's own
 * arguments, whose output goes to run.log. Any other command runs as it is
 * (output to run.log), and the JUnit files it writes are named with
 * `junit` patterns and copied to DIR/junit/ when newer than its start.
 *
 * The command runs in a process group of its own, with standard input from
 * /dev/null. When it ends, times out, or fixproof is interrupted
 * (fp_capture_catch_signals), the whole group is stopped: SIGTERM, then
 * SIGKILL after FP_CAPTURE_GRACE seconds. Nothing it started is left.
 */
#ifndef FIXPROOF_CAPTURE_H
#define FIXPROOF_CAPTURE_H

#include <stddef.h>

#include "fixproof/buf.h"
#include "fixproof/provenance.h"

/* Seconds between SIGTERM and SIGKILL when a command is stopped. */
#define FP_CAPTURE_GRACE 3
/* Where captures go by default, under the repository's top. */
#define FP_CAPTURE_RUNS ".fixproof/runs"
/* Files of a capture directory. */
#define FP_CAPTURE_JUNIT "junit.xml"
#define FP_CAPTURE_COLLECT "collect-only.txt"
#define FP_CAPTURE_LOG "run.log"
#define FP_CAPTURE_JUNIT_DIR "junit"

typedef struct fp_capture_opts {
	const char *dir;              /* NULL: FP_CAPTURE_RUNS/LABEL under the repository top */
	const char *label;            /* NULL: the start time, 20261201T235900Z */
	const char *const *junit;     /* --junit files, directories or globs (borrowed) */
	size_t njunit;
	double timeout;               /* seconds; 0: none */
	const char *cwd;              /* where the command runs; NULL: the current directory */
	const char *const *argv;      /* the command, `argc` words (borrowed; need not end in NULL) */
	size_t argc;
	int echo;                     /* copy the command's output to standard error */
	/* prove --tests: the pathspecs whose files were copied into this tree
	 * (borrowed), from commit `tests_from` (NULL: the working tree); the
	 * copied files, relative to the repository's top, are not counted as
	 * uncommitted changes, which the record names apart. */
	const char *const *tests_copied;
	size_t ntests_copied;
	const char *tests_from;
	const char *const *copied_files;
	size_t ncopied_files;
} fp_capture_opts;

/* A finished capture. */
typedef struct fp_capture {
	char *dir;                    /* the capture directory (owned) */
	fp_provenance *prov;          /* what provenance.json holds (owned) */
} fp_capture;

/*
 * Runs the command as the options say and writes the capture directory,
 * which must not exist yet or be empty. A failing command is a success
 * here: its exit status is recorded. Returns 0 and a capture to free with
 * fp_capture_free; FP_EUSAGE (bad options, a directory in use), FP_EIO
 * (cannot write the directory), or FP_EINTERRUPTED when a signal caught by
 * fp_capture_catch_signals stopped it (the directory is still written, the
 * run recorded as cut short, and *out set).
 */
int fp_capture_run(fp_capture **out, const fp_capture_opts *opts);

/* Frees the capture (not its directory). fp_capture_free(NULL) does nothing. */
void fp_capture_free(fp_capture *c);

/*
 * How many leading words of `argv` launch pytest: 1 for `pytest`,
 * `py.test` (any path, and `pytest-3`), 3 for `python -m pytest` (any
 * python, python3, python3.11, any path; `-m pytest` may follow other
 * interpreter flags, and then counts them too); 0 when it is not pytest.
 */
size_t fp_capture_pytest_prefix(const char *const *argv, size_t argc);

/*
 * The versions in pytest's output: "platform linux -- Python 3.11.2,
 * pytest-7.2.1, ..." (a session header) or "pytest 7.2.1" (--version).
 * Sets *python and *pytest (to free) for what it finds.
 */
void fp_capture_parse_versions(const char *text, char **python, char **pytest);

/*
 * The repository's web address for links, from a git remote URL, to free:
 * https URLs lose any user name or token; ssh:// and git:// ones become
 * https://HOST/PATH (no user, no ssh port); scp-like `git@host:owner/name`
 * becomes https://host/owner/name; a trailing ".git" goes. NULL for others.
 */
char *fp_capture_repo_url(const char *remote);

/* Catches SIGINT, SIGTERM and SIGHUP for the process: a running command is
 * then stopped, and fp_capture_interrupted() says so. */
void fp_capture_catch_signals(void);

/* The signal caught since fp_capture_catch_signals, or 0. */
int fp_capture_interrupted(void);

/*
 * Runs a short helper command (git) in `cwd` (NULL: here) and appends its
 * standard output to `out`; standard error is dropped unless `err` is
 * given. Not stopped by an interrupt: cleanup must run. Returns the exit
 * status (0..255), or FP_EIO when it could not be started (message set).
 */
int fp_capture_output(fp_buf *out, fp_buf *err, const char *const *argv, const char *cwd);

/*
 * The result files of capture directory `dir` (a directory holding
 * provenance.json): paths to free, in the order to read them, and their
 * count, which is 0 when the command wrote no results. Returns 0,
 * FP_ENOTFOUND when `dir` is no capture directory, or FP_EINPUT.
 */
int fp_capture_results(char ***paths, size_t *n, const char *dir);

/*
 * The two newest capture directories under `runs` (by when their
 * provenance.json was written, then name): *older and *newer, to free. Returns 0, or FP_EUSAGE when
 * fewer than two exist (the message says how to make them).
 */
int fp_capture_latest(char **older, char **newer, const char *runs);

#endif
