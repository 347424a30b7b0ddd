/*
 * parse_ctrf.c - the reader of CTRF reports (Common Test Report Format,
 * JSON: {"results": {"tool": ..., "summary": ..., "tests": [...]}}); see
 * parse.h.
 *
 * A CTRF test becomes a test of the run like a JUnit testcase does: its
 * name, suite, file and line, status, duration, message and trace. What
 * fixproof itself writes under a test's "extra" (ctrf_write.c: the node
 * id, the JUnit classname, the phase, the status before CTRF's five, the
 * collect-only flag) and the collection figures under the document's
 * "extra" are read back, so a run written as CTRF and read again is the
 * run it was. Retries become reruns: one entry per attempt, which the run
 * model merges into one test of several runs (flaky when they disagree).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixproof/error.h"
#include "fixproof/parse.h"
#include "fixproof/utf8.h"

/* A CTRF file is parsed whole (cJSON builds a tree of it, some ten times
 * its size): past this size it is refused rather than swapped in. */
#define CTRF_MAX_BYTES (256u << 20)
#define READ_CHUNK 65536
#define MAX_RETRIES 1000 /* attempts read from one test's "retries" */

/* Reads the whole source into `out`. */
static int read_all(fp_buf *out, fp_source *src)
{
	for (;;) {
		ssize_t got;

		fp_buf_grow(out, READ_CHUNK);
		got = fp_source_read(src, out->ptr + out->len, READ_CHUNK);
		if (got < 0)
			return src->failed ? src->failed : FP_EINPUT;
		if (got == 0)
			return 0;
		out->len += (size_t)got;
		out->ptr[out->len] = '\0';
		if (out->len > CTRF_MAX_BYTES)
			return fp_error_set(FP_ELIMIT, "cannot parse '%s': a CTRF report over %u MiB",
					    src->path, CTRF_MAX_BYTES >> 20);
	}
}

/* The line of byte `pos` of `text`, for messages. */
static size_t line_of(const char *text, size_t pos)
{
	size_t i, line = 1;

	for (i = 0; i < pos; i++)
		line += text[i] == '\n';
	return line;
}

static const char *str_member(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static int num_member(const cJSON *obj, const char *name, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return 0;
	*out = v->valuedouble;
	return 1;
}

/* A status by its CTRF name, or -1. `raw` (rawStatus) refines "failed"
 * into an error and "other" into a test that never ran: the two statuses
 * JUnit has and CTRF folds. Any other "other" (a timeout, an interruption,
 * "broken") did not run to a verdict: an error. */
static int status_of(const char *name, const char *raw)
{
	if (!name)
		return -1;
	if (strcmp(name, "passed") == 0)
		return FP_STATUS_PASSED;
	if (strcmp(name, "failed") == 0)
		return raw && strcmp(raw, "error") == 0 ? FP_STATUS_ERROR : FP_STATUS_FAILED;
	if (strcmp(name, "skipped") == 0 || strcmp(name, "pending") == 0)
		return FP_STATUS_SKIPPED;
	if (strcmp(name, "other") == 0)
		return raw && strcmp(raw, "not_run") == 0 ? FP_STATUS_NOT_RUN : FP_STATUS_ERROR;
	return -1;
}

static fp_phase phase_of(const char *name, fp_status status)
{
	static const char *const names[] = { "", "collection", "setup", "call", "teardown" };
	size_t i;

	for (i = 1; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (fp_phase)i;
	return status == FP_STATUS_NOT_RUN ? FP_PHASE_NONE : FP_PHASE_CALL;
}

static const char *capped(fp_run *run, const char *s, size_t cap)
{
	return s ? fp_run_strcap(run, s, strlen(s), cap) : NULL;
}

/* The run's one copy of a class or file name, cut at FP_MAX_NAME bytes
 * on a character boundary. */
static const char *interned(fp_run *run, const char *s)
{
	return fp_run_intern(run, s, fp_utf8_cut(s, strlen(s), FP_MAX_NAME));
}

/* The suite as one dotted name: CTRF's array (top level first), or the
 * string older reports have. */
static const char *suite_name(fp_run *run, const cJSON *test)
{
	const cJSON *suite = cJSON_GetObjectItemCaseSensitive(test, "suite"), *part;
	fp_buf b = FP_BUF_INIT;
	const char *out = NULL;

	if (cJSON_IsString(suite) && suite->valuestring[0])
		return capped(run, suite->valuestring, FP_MAX_NAME);
	if (!cJSON_IsArray(suite))
		return NULL;
	cJSON_ArrayForEach(part, suite) {
		if (!cJSON_IsString(part) || !part->valuestring[0])
			continue;
		if (b.len)
			fp_buf_putc(&b, '.');
		fp_buf_puts(&b, part->valuestring);
	}
	if (b.len)
		out = fp_run_strcap(run, b.ptr, b.len, FP_MAX_NAME);
	fp_buf_free(&b);
	return out;
}

/* True for a pytest node id: "path/to/test_x.py::...". */
static int is_nodeid(const char *name)
{
	const char *sep = strstr(name, "::");

	return sep && sep - name > 3 && strncmp(sep - 3, ".py", 3) == 0;
}

/* What one CTRF test says, before it becomes entries of the run. */
typedef struct ctrf_test {
	fp_test t;        /* the fields every entry shares */
	fp_detail det;    /* the final attempt's detail */
	int status;
	unsigned retries; /* attempts before the final one */
	int flaky;
	const cJSON *attempts; /* retryAttempts, when given */
} ctrf_test;

/* Names, file and line: fixproof's own "extra" first, else what a CTRF
 * producer writes (a pytest node id as the name, or a suite and a name). */
static void read_identity(ctrf_test *ct, fp_run *run, const cJSON *test, const cJSON *extra)
{
	const char *name = str_member(test, "name"), *v;
	double line;

	ct->t.name = capped(run, name, FP_MAX_NAME);
	if ((v = str_member(extra, "nodeid")))
		ct->t.nodeid = capped(run, v, FP_MAX_NAME);
	else if (is_nodeid(name))
		ct->t.nodeid = ct->t.name;
	if ((v = str_member(extra, "classname")))
		ct->t.classname = interned(run, v);
	else if (!ct->t.nodeid)
		ct->t.classname = suite_name(run, test);
	if ((v = str_member(extra, "name")))
		ct->t.name = capped(run, v, FP_MAX_NAME);
	else if (ct->t.nodeid) {
		const char *last = strrchr(ct->t.nodeid, ':');

		ct->t.name = last ? last + 1 : ct->t.nodeid;
	}
	if ((v = str_member(test, "filePath")))
		ct->t.file = interned(run, v);
	if (num_member(test, "line", &line) && line >= 1 && line <= UINT32_MAX)
		ct->t.line = (uint32_t)line;
}

/* Status, time, failure text and retries. */
static void read_outcome(ctrf_test *ct, fp_run *run, const cJSON *test, const cJSON *extra)
{
	const char *message = str_member(test, "message"), *trace = str_member(test, "trace");
	const cJSON *flaky = cJSON_GetObjectItemCaseSensitive(test, "flaky"), *result;
	double ms = 0, retries = 0;

	if (num_member(test, "duration", &ms) && ms > 0)
		ct->t.time = ms / 1000.0;
	ct->t.phase = (uint8_t)phase_of(str_member(extra, "phase"), (fp_status)ct->status);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(extra, "collected")))
		ct->t.flags |= FP_TEST_COLLECTED;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(extra, "session")))
		ct->t.flags |= FP_TEST_SESSION;
	result = cJSON_GetObjectItemCaseSensitive(extra, "result");
	if (cJSON_IsBool(result) ? cJSON_IsTrue(result) : ct->status != FP_STATUS_NOT_RUN)
		ct->t.flags |= FP_TEST_RESULT;
	ct->det.type = capped(run, str_member(extra, "type"), FP_MAX_NAME);
	ct->det.trace = capped(run, trace, FP_MAX_TRACE);
	if (message)
		ct->det.message = capped(run, message, FP_MAX_MESSAGE);
	else if (trace)
		ct->det.message = fp_run_strcap(run, trace, strcspn(trace, "\n"), FP_MAX_MESSAGE);
	ct->flaky = cJSON_IsTrue(flaky);
	ct->attempts = cJSON_GetObjectItemCaseSensitive(test, "retryAttempts");
	if (!cJSON_IsArray(ct->attempts))
		ct->attempts = NULL;
	if (num_member(test, "retries", &retries) && retries >= 1)
		ct->retries = retries > MAX_RETRIES ? MAX_RETRIES : (unsigned)retries;
	if (ct->attempts && (unsigned)cJSON_GetArraySize(ct->attempts) > ct->retries)
		ct->retries = (unsigned)cJSON_GetArraySize(ct->attempts);
	if (ct->retries > MAX_RETRIES)
		ct->retries = MAX_RETRIES;
	if (ct->flaky && ct->retries == 0)
		ct->retries = 1;
}

/* The status of attempt `i` before the final one: retryAttempts says it;
 * else a flaky test's earlier attempts went the other way, and a test
 * retried without being flaky got the same result each time. */
static int attempt_status(const ctrf_test *ct, unsigned i)
{
	const cJSON *a = ct->attempts ? cJSON_GetArrayItem(ct->attempts, (int)i) : NULL;
	int s = a ? status_of(str_member(a, "status"), NULL) : -1;

	if (s >= 0)
		return s;
	if (!ct->flaky)
		return ct->status;
	return ct->status == FP_STATUS_PASSED ? FP_STATUS_FAILED : FP_STATUS_PASSED;
}

/* What attempt `i` said, when retryAttempts tells. */
static void attempt_detail(fp_run *run, fp_test *t, const ctrf_test *ct, unsigned i)
{
	const cJSON *a = ct->attempts ? cJSON_GetArrayItem(ct->attempts, (int)i) : NULL;
	const char *message = str_member(a, "message"), *trace = str_member(a, "trace");
	fp_detail *d;

	if (!message && !trace)
		return;
	d = fp_test_detail(run, t);
	d->message = capped(run, message ? message : trace, FP_MAX_MESSAGE);
	d->trace = capped(run, trace, FP_MAX_TRACE);
}

/* Adds the entries of one test: its earlier attempts, then the final one. */
static int add_entries(fp_run *run, uint32_t input, const ctrf_test *ct)
{
	unsigned i;
	int err;

	for (i = 0; i <= ct->retries; i++) {
		fp_test *t;
		int status = i < ct->retries ? attempt_status(ct, i) : ct->status;

		if ((err = fp_run_add_test(&t, run, input)) < 0)
			return err;
		*t = ct->t;
		t->input = input;
		t->status = (uint8_t)status;
		if (status == FP_STATUS_PASSED)
			continue;
		if (i < ct->retries)
			attempt_detail(run, t, ct, i);
		/* The final attempt's words; an earlier attempt that ended the
		 * same way and says nothing itself takes them too, since the run
		 * model keeps the first of equal results. */
		if ((i == ct->retries || (!t->detail && status == ct->status)) &&
		    (ct->det.message || ct->det.trace || ct->det.type))
			*fp_test_detail(run, t) = ct->det;
	}
	return 0;
}

static int read_test(fp_run *run, uint32_t input, const cJSON *test, size_t index)
{
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(test, "extra");
	const char *name = str_member(test, "name"), *raw;
	ctrf_test ct;

	memset(&ct, 0, sizeof(ct));
	if (!cJSON_IsObject(extra))
		extra = NULL;
	/* fixproof's own status name, else the producer's raw status. */
	raw = str_member(extra, "status");
	ct.status = status_of(str_member(test, "status"), raw ? raw : str_member(test, "rawStatus"));
	if (!cJSON_IsObject(test) || !name || ct.status < 0) {
		fp_run_warn(run, input, "'%s': test %zu has no name or no known status; left out",
			    run->inputs[input].path, index + 1);
		run->inputs[input].incomplete = 1;
		return 0;
	}
	read_identity(&ct, run, test, extra);
	read_outcome(&ct, run, test, extra);
	return add_entries(run, input, &ct);
}

/* The collect-only figures fixproof keeps under the document's "extra". */
static void read_collection(fp_run *run, const cJSON *extra)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(extra, "collection");
	fp_collection *col = &run->collection;
	double v;

	if (!cJSON_IsObject(c))
		return;
	col->present = 1;
	if (num_member(c, "collected", &v) && v >= 0)
		col->collected += (uint64_t)v;
	if (num_member(c, "errors", &v) && v >= 0)
		col->errors += (uint64_t)v;
	if (num_member(c, "deselected", &v) && v >= 0)
		col->deselected += (uint64_t)v;
	if (num_member(c, "files", &v) && v >= 0)
		col->files += (uint64_t)v;
	if (num_member(c, "files_with_errors", &v) && v >= 0)
		col->files_with_errors += (uint64_t)v;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "interrupted")))
		col->interrupted = 1;
}

static int read_document(fp_run *run, uint32_t input, const char *path, const cJSON *doc)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(results, "tests"), *test;
	size_t i = 0;
	int err = 0;

	if (!cJSON_IsObject(results) || !cJSON_IsArray(tests))
		return fp_error_set(FP_PARSE_FOREIGN, "'%s': JSON that is not a CTRF report "
				    "(no results.tests)", path);
	cJSON_ArrayForEach(test, tests) {
		if ((err = read_test(run, input, test, i++)) < 0)
			return err;
	}
	read_collection(run, cJSON_GetObjectItemCaseSensitive(doc, "extra"));
	return 0;
}

int fp_ctrf_parse(fp_run *run, uint32_t input, fp_source *src)
{
	fp_buf text = FP_BUF_INIT;
	cJSON *doc = NULL;
	const char *end = NULL;
	int err;

	if ((err = read_all(&text, src)) < 0)
		goto out;
	doc = cJSON_ParseWithLengthOpts(text.ptr, text.len, &end, 0);
	if (!doc) {
		size_t pos = end && end >= text.ptr ? (size_t)(end - text.ptr) : 0, len = text.len;

		/* cJSON stops on the last byte of a text cut short. */
		while (len > 0 && strchr(" \t\r\n", text.ptr[len - 1]))
			len--;

		err = fp_error_set(FP_EINPUT, "cannot parse '%s' line %zu: not valid JSON%s", src->path,
				   line_of(text.ptr, pos < text.len ? pos : text.len),
				   pos + 1 >= len ? " (cut short?)" : "");
		goto out;
	}
	err = read_document(run, input, src->path, doc);
out:
	cJSON_Delete(doc);
	fp_buf_free(&text);
	return err;
}

void fp_ctrf_cjson_version(fp_buf *out)
{
	fp_buf_clear(out);
	fp_buf_puts(out, cJSON_Version());
}
