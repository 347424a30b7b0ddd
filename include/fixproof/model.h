/*
 * model.h - the run model: every test of one run (the "before" or the
 * "after" side), what each input contributed, and the collection figures.
 *
 * Memory: a run owns an arena. Every string a test points at, and every
 * test's detail, lives in it (class names, file names and short messages
 * are interned, so a million tests of one class share one copy), so
 * freeing the run frees everything at once and no test string is ever
 * freed on its own. Pointers into `tests` stay valid only until the next
 * fp_run_add_test().
 *
 * The JSON form (schema "fixproof.run/1") is written by fp_run_write_json
 * (model_json.c), streamed test by test, so printing a run costs no second
 * copy of it; the README's "JSON contracts" describes it.
 *
 * Threads: a run is not locked. One thread builds it (the readers, then
 * fp_run_finish and fp_classify_run); after that it is only read, and
 * several threads may read it at once (the JSON writer formats tests on
 * two). The two sides of a diff are two runs, built on two threads.
 */
#ifndef FIXPROOF_MODEL_H
#define FIXPROOF_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "fixproof/arena.h"
#include "fixproof/buf.h"
#include "fixproof/hash.h"
#include "fixproof/intern.h"

/* Limits, stated in the README: longer texts are cut with a marker. */
#define FP_MAX_MESSAGE 4096      /* bytes of a failure message kept */
#define FP_MAX_TRACE 16384       /* bytes of a trace kept (head and tail) */
#define FP_MAX_NAME 4096         /* bytes of a test or class name kept */
#define FP_MAX_TESTS 20000000u   /* tests in one run */
#define FP_MAX_WARNINGS 100      /* warnings kept per input */

/* Ordered by precedence: a test's status is the worst result it has. */
typedef enum {
	FP_STATUS_NOT_RUN = 0, /* collected (collect-only input) but no result */
	FP_STATUS_PASSED,
	FP_STATUS_SKIPPED,
	FP_STATUS_FAILED,
	FP_STATUS_ERROR
} fp_status;

typedef enum {
	FP_PHASE_NONE = 0,
	FP_PHASE_COLLECTION,
	FP_PHASE_SETUP,
	FP_PHASE_CALL,
	FP_PHASE_TEARDOWN
} fp_phase;

typedef enum {
	FP_CATEGORY_NONE = 0,
	FP_CATEGORY_INFRASTRUCTURE,
	FP_CATEGORY_BUSINESS_LOGIC
} fp_category;

typedef enum {
	FP_INPUT_JUNIT = 0,
	FP_INPUT_COLLECT,
	FP_INPUT_CTRF     /* a CTRF report (JSON): results, like JUnit's */
} fp_input_kind;

/* Bits of fp_test.flags. */
enum {
	FP_TEST_FLAKY = 1 << 0,     /* results disagreed, or Surefire flaky* */
	FP_TEST_COLLECTED = 1 << 1, /* seen in collect-only output */
	FP_TEST_RESULT = 1 << 2,    /* has a result from a JUnit file */
	FP_TEST_DUPLICATE = 1 << 3, /* merged from several entries */
	/*
	 * A failure of the whole pytest session: the run never started (a
	 * conftest that does not import, a usage error, INTERNALERROR). The
	 * entry has node id "<session>", status error, phase collection, the
	 * exception the text names as its type (when it names one), the line
	 * that says what happened as its message and the text as its trace;
	 * its category is the classifier's. See fp_collect_parse.
	 */
	FP_TEST_SESSION = 1 << 4
};

/* The node id of the FP_TEST_SESSION entry. */
#define FP_SESSION_NODEID "<session>"

/*
 * What a test said when it did not simply pass: only the tests that say
 * something (failures, errors, skips with a reason) have one, which keeps
 * fp_test small. Lives in the run's arena; read it through the
 * fp_test_type() ... fp_test_rule() accessors below, which give NULL for a
 * test without one.
 */
typedef struct fp_detail {
	const char *type;      /* exception type when known, else NULL */
	const char *message;   /* first failure/error/skip message, capped */
	const char *trace;     /* failure text, capped; NULL when none */
	const char *cause;     /* set by classify; interned */
	const char *rule;      /* set by classify: the rule that matched */
} fp_detail;

/*
 * One test: 64 bytes on a 64-bit machine, so that the two runs of a diff of
 * a million tests each fit in memory side by side.
 */
typedef struct fp_test {
	const char *nodeid;    /* pytest node id when known, else NULL */
	const char *classname; /* JUnit classname (interned), NULL if none */
	const char *name;      /* JUnit name, or last part of the node id */
	const char *file;      /* interned; NULL when unknown */
	fp_detail *detail;     /* NULL when the test said nothing */
	double time;           /* seconds; 0 when absent */
	uint32_t hash;         /* hash of the join key, set by fp_run_finish */
	uint32_t line;         /* 0 when unknown */
	uint32_t input;        /* index into fp_run.inputs */
	uint8_t status;        /* fp_status */
	uint8_t phase;         /* fp_phase */
	uint8_t category;      /* fp_category */
	uint8_t flags;         /* FP_TEST_... bits */
} fp_test;

static inline const char *fp_test_type(const fp_test *t)
{
	return t->detail ? t->detail->type : NULL;
}

static inline const char *fp_test_message(const fp_test *t)
{
	return t->detail ? t->detail->message : NULL;
}

static inline const char *fp_test_trace(const fp_test *t)
{
	return t->detail ? t->detail->trace : NULL;
}

static inline const char *fp_test_cause(const fp_test *t)
{
	return t->detail ? t->detail->cause : NULL;
}

static inline const char *fp_test_rule(const fp_test *t)
{
	return t->detail ? t->detail->rule : NULL;
}

typedef struct fp_input {
	const char *path;      /* as given on the command line; "-" is stdin */
	fp_input_kind kind;    /* for an empty input: junit when its name ends in .xml */
	char sha256[65];       /* lowercase hex of the bytes read */
	uint64_t bytes;
	size_t tests;          /* entries this input contributed */
	size_t folded;         /* testcases the reader folded into another's entry
	                        * (jest-junit's two for a suite that failed to run),
	                        * which summary.runs counts */
	const char **warnings; /* in the arena */
	size_t nwarnings;
	size_t warnings_cap;
	size_t warnings_dropped;
	int incomplete;        /* truncated or damaged: never a clean run */
	int empty;             /* no bytes at all (pytest wrote nothing): no tests,
	                        * and a warning saying so */
} fp_input;

typedef struct fp_collection {
	int present;              /* a collect-only input was given */
	uint64_t collected;       /* tests collected */
	uint64_t errors;          /* collection errors */
	uint64_t deselected;
	uint64_t files;           /* test files seen */
	uint64_t files_with_errors;
	int interrupted;          /* "Interrupted: N errors during collection" */
} fp_collection;

/*
 * The counts of a run, by fp_run_finish. `tests` counts distinct tests,
 * `runs` every testcase read: reruns of one test in one run (Go's
 * --rerun-fails, Gradle's retries, mocha's duplicates) are one test of
 * several runs. A test with no testcase (collect-only entries, a
 * collection error) counts once, and pytest's second testcase for a
 * teardown error after a failed call is the same run, so runs == tests
 * unless some test ran more than once.
 */
typedef struct fp_summary {
	uint64_t tests, runs, passed, failed, errors, skipped, not_run, flaky;
} fp_summary;

typedef struct fp_run {
	fp_input *inputs;
	size_t ninputs, inputs_cap;
	/* Warnings about the run rather than one input: files passed over in
	 * a directory, which are no inputs. In the arena. */
	const char **warnings;
	size_t nwarnings, warnings_cap, warnings_dropped;
	fp_test *tests;
	size_t ntests, tests_cap;
	/* Set by fp_run_finish when some test had reruns (several testcases
	 * with results): reruns[i] is how many more runs test i had; NULL when
	 * none did. See fp_test_runs. */
	uint32_t *reruns;
	fp_collection collection;
	fp_summary summary;       /* set by fp_run_finish */
	uint64_t infrastructure;  /* failed/errored tests per category, */
	uint64_t business_logic;  /* set by fp_run_count_categories */
	/* The span of the JUnit <testsuite timestamp="..."> values read, in
	 * seconds since the epoch (fp_junit_timestamp), when `timestamps`
	 * (their count) is not 0: a report warns when the sides look swapped. */
	uint64_t timestamps;
	double first_timestamp, last_timestamp;
	fp_arena arena;
	fp_strset strings;
} fp_run;

/* How many runs test `i` of a finished run had: 1, or more with reruns. */
static inline uint64_t fp_test_runs(const fp_run *run, size_t i)
{
	return 1 + (run->reruns ? run->reruns[i] : 0);
}

/* A new empty run; free it with fp_run_free. Never fails. */
fp_run *fp_run_new(void);

/* Frees the run and every string it owns. fp_run_free(NULL) does nothing. */
void fp_run_free(fp_run *run);

/*
 * Adds an input record and returns its index. `path` is copied. The sha256,
 * byte count and kind are filled in by the parser.
 */
uint32_t fp_run_add_input(fp_run *run, const char *path, fp_input_kind kind);

/*
 * Takes input `input`, the last one added, out of the run again, with the
 * tests it added (a file a reader found to be no result file after all).
 * Strings it put in the arena stay there until the run is freed.
 */
void fp_run_drop_input(fp_run *run, uint32_t input);

/* The `input` of a warning about the run itself (fp_run_warn). */
#define FP_RUN_ITSELF UINT32_MAX

/*
 * Records a warning for input `input`, such as
 * "'after.xml' line 12: premature end of data", or for the run itself with
 * FP_RUN_ITSELF ("skipped 'results/coverage.xml': ..."). Past
 * FP_MAX_WARNINGS per input (and for the run) only a count is kept.
 */
void fp_run_warn(fp_run *run, uint32_t input, const char *fmt, ...) FP_PRINTF(3, 4);

/*
 * Appends a zeroed test for input `input` and returns it. The pointer is
 * valid until the next call. Fails with FP_ELIMIT past FP_MAX_TESTS.
 */
int fp_run_add_test(fp_test **out, fp_run *run, uint32_t input);

/*
 * The detail of test `t` (a test of `run`), made empty in the run's arena
 * when the test has none yet, for a parser or the classifier to fill in.
 */
fp_detail *fp_test_detail(fp_run *run, fp_test *t);

/* Copies a string into the run's arena; NULL stays NULL. */
const char *fp_run_strdup(fp_run *run, const char *s);
const char *fp_run_strndup(fp_run *run, const char *s, size_t n);

/* Returns the run's single copy of `s` (of length `n`). */
const char *fp_run_intern(fp_run *run, const char *s, size_t n);

/*
 * Copies `text` into the arena, keeping at most `cap` bytes: the head and
 * the tail of a longer text, joined by a line saying how much was left out
 * (traces end with the line that matters). Invalid UTF-8 is kept as is; the
 * writers escape it.
 */
const char *fp_run_strcap(fp_run *run, const char *text, size_t len, size_t cap);

/*
 * Writes the join key of `t` to `out` (cleared first). A pytest node id
 * `tests/a/test_b.py::TestC::test_d[x]` and its JUnit classname
 * `tests.a.test_b.TestC` with name `test_d[x]` give the same key,
 * `tests.a.test_b.TestC::test_d[x]`. A module alone (a collection error)
 * is `tests.a.test_b` either way. A JUnit testcase with an empty classname
 * gets its enclosing testsuites' names, joined by '.', as its classname
 * (fp_junit_parse), so that tests of one name in different suites stay
 * apart.
 */
void fp_test_key(fp_buf *out, const fp_test *t);

/* True when `a` and `b` have the same join key; builds the keys only when
 * their parts alone cannot tell. */
int fp_test_same_key(const fp_test *a, const fp_test *b);

/*
 * Writes the id shown to people: the node id when known, else the key.
 */
void fp_test_id(fp_buf *out, const fp_test *t);

/*
 * Writes a pytest node id for `t`: its own when known, else one rebuilt
 * from the JUnit classname and name (the module is the part named by the
 * `file` attribute, or the dotted parts before the first capitalised one),
 * so a --target written as a node id also finds a JUnit-only test. Used for
 * matching, never shown as fact.
 */
void fp_test_nodeid_guess(fp_buf *out, const fp_test *t);

/* Appends a file path as a dotted module name: '/' -> '.', no ".py". */
void fp_path_dotted(fp_buf *out, const char *path, size_t n);

/* The key of a node id, for matching patterns against it. */
void fp_nodeid_key(fp_buf *out, const char *nodeid);

/*
 * Merges the entries of one test (a collect-only entry with its JUnit
 * result, reruns, shards), sets `hash` on every test, and counts the
 * summary. A merged test has FP_TEST_DUPLICATE and the worst result of
 * its entries; it is FP_TEST_FLAKY only when their results disagree.
 * Call once after every input is parsed.
 */
void fp_run_finish(fp_run *run);

/* Counts failed/errored tests per category (after classification). */
void fp_run_count_categories(fp_run *run);

/* Names used in the JSON documents. */
const char *fp_status_name(fp_status s);
const char *fp_phase_name(fp_phase p);        /* NULL for FP_PHASE_NONE */
const char *fp_category_name(fp_category c);  /* NULL for FP_CATEGORY_NONE */
const char *fp_input_kind_name(fp_input_kind k);

/*
 * Writes the run model as JSON (schema "fixproof.run/1") to `f`, streaming
 * one test at a time. Returns 0, or FP_EIO when writing fails.
 */
int fp_run_write_json(const fp_run *run, FILE *f);

/* Writes the "inputs" member (path, kind, sha256, bytes, tests, whether
 * complete, whether empty, warnings) and the run's own "warnings", each
 * followed by a comma (no braces). */
void fp_run_write_inputs_json(const fp_run *run, FILE *f);

/* Writes the "summary", "collection" and "categories" members (no braces). */
void fp_summary_write_json(const fp_run *run, FILE *f);

/*
 * Formats tests of `run` as JSON objects (the form of the run model's
 * "tests") into buffers, reusing what neighbouring tests share, such as
 * their class. Not shared between threads: one each. Free with
 * fp_test_json_free (NULL is a no-op).
 */
typedef struct fp_test_json fp_test_json;
fp_test_json *fp_test_json_new(const fp_run *run);
void fp_test_json_add(fp_test_json *tj, fp_buf *out, const fp_test *t);
/* Appends the test's id (fp_test_id) as a JSON string. */
void fp_test_json_id(fp_test_json *tj, fp_buf *out, const fp_test *t);
void fp_test_json_free(fp_test_json *tj);

#endif
