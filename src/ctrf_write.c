/*
 * ctrf_write.c - a run as a CTRF report; see ctrf.h.
 *
 * CTRF has five statuses where the run model has six outcomes, and no
 * place for the phase, the category or what collect-only output said: the
 * status CTRF cannot tell apart goes to rawStatus, the rest to "extra",
 * which the schema leaves open, so nothing a report needs is lost.
 */
#include <math.h>
#include <string.h>

#include "fixproof/ctrf.h"
#include "fixproof/error.h"
#include "fixproof/json.h"

/* CTRF's summary counts, and the run's duration, from the tests. */
typedef struct ctrf_counts {
	unsigned long long passed, failed, skipped, other, flaky;
	double ms;
} ctrf_counts;

static const char *ctrf_status(fp_status s)
{
	switch (s) {
	case FP_STATUS_PASSED: return "passed";
	case FP_STATUS_SKIPPED: return "skipped";
	case FP_STATUS_FAILED: case FP_STATUS_ERROR: return "failed";
	default: return "other";
	}
}

static unsigned long long millis(double seconds)
{
	return seconds > 0 && isfinite(seconds) ? (unsigned long long)llround(seconds * 1000.0) : 0;
}

static void add_member(fp_buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	fp_buf_printf(b, ",\"%s\":", name);
	fp_json_buf_str(b, value);
}

/* What CTRF has no member for, for fp_ctrf_parse to read back. */
static void add_extra(fp_buf *b, const fp_test *t)
{
	fp_buf_puts(b, ",\"extra\":{\"status\":");
	fp_json_buf_str(b, fp_status_name((fp_status)t->status));
	add_member(b, "nodeid", t->nodeid);
	add_member(b, "classname", t->classname);
	add_member(b, "name", t->name);
	add_member(b, "phase", fp_phase_name((fp_phase)t->phase));
	add_member(b, "category", fp_category_name((fp_category)t->category));
	add_member(b, "cause", fp_test_cause(t));
	add_member(b, "rule", fp_test_rule(t));
	add_member(b, "type", fp_test_type(t));
	fp_buf_printf(b, ",\"collected\":%s,\"result\":%s,\"session\":%s}",
		      t->flags & FP_TEST_COLLECTED ? "true" : "false",
		      t->flags & FP_TEST_RESULT ? "true" : "false",
		      t->flags & FP_TEST_SESSION ? "true" : "false");
}

/* Test `i` of `run`; its reruns are CTRF's retries (one for a flaky test
 * that had no testcase of its own per attempt, like Surefire's flakyFailure). */
static void format_test(fp_buf *b, fp_buf *id, const fp_run *run, size_t i)
{
	const fp_test *t = &run->tests[i];
	uint64_t retries = fp_test_runs(run, i) - 1;

	fp_test_id(id, t);
	fp_buf_puts(b, "{\"name\":");
	fp_json_buf_str(b, id->len ? id->ptr : "(unnamed)");
	fp_buf_printf(b, ",\"status\":\"%s\",\"rawStatus\":\"%s\",\"duration\":%llu",
		      ctrf_status((fp_status)t->status), fp_status_name((fp_status)t->status),
		      millis(t->time));
	if (t->classname && t->classname[0]) {
		fp_buf_puts(b, ",\"suite\":[");
		fp_json_buf_str(b, t->classname);
		fp_buf_putc(b, ']');
	}
	add_member(b, "filePath", t->file);
	if (t->line)
		fp_buf_printf(b, ",\"line\":%lu", (unsigned long)t->line);
	add_member(b, "message", fp_test_message(t));
	add_member(b, "trace", fp_test_trace(t));
	if ((t->flags & FP_TEST_FLAKY) && retries == 0)
		retries = 1;
	if (t->flags & FP_TEST_FLAKY)
		fp_buf_puts(b, ",\"flaky\":true");
	if (retries)
		fp_buf_printf(b, ",\"retries\":%llu", (unsigned long long)retries);
	add_extra(b, t);
	fp_buf_putc(b, '}');
}

static void count_tests(ctrf_counts *c, const fp_run *run)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];

		switch ((fp_status)t->status) {
		case FP_STATUS_PASSED: c->passed++; break;
		case FP_STATUS_SKIPPED: c->skipped++; break;
		case FP_STATUS_FAILED: case FP_STATUS_ERROR: c->failed++; break;
		default: c->other++; break;
		}
		c->flaky += (t->flags & FP_TEST_FLAKY) != 0;
		if (t->time > 0 && isfinite(t->time))
			c->ms += t->time * 1000.0;
	}
}

/* The run's own "extra": the collection figures and the inputs. */
static void write_run_extra(const fp_run *run, FILE *f)
{
	const fp_collection *c = &run->collection;
	size_t i;

	fputs("\"extra\":{\"generator\":\"fixproof " FIXPROOF_VERSION "\"", f);
	if (c->present)
		fprintf(f, ",\"collection\":{\"collected\":%llu,\"errors\":%llu,\"deselected\":%llu,"
			"\"files\":%llu,\"files_with_errors\":%llu,\"interrupted\":%s}",
			(unsigned long long)c->collected, (unsigned long long)c->errors,
			(unsigned long long)c->deselected, (unsigned long long)c->files,
			(unsigned long long)c->files_with_errors, c->interrupted ? "true" : "false");
	fputs(",\"inputs\":[", f);
	for (i = 0; i < run->ninputs; i++) {
		const fp_input *in = &run->inputs[i];

		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		fp_json_str(f, in->path);
		fprintf(f, ",\"kind\":\"%s\",\"sha256\":\"%s\",\"incomplete\":%s}",
			fp_input_kind_name(in->kind), in->sha256, in->incomplete ? "true" : "false");
	}
	fputs("]}", f);
}

int fp_ctrf_write(const fp_run *run, FILE *f)
{
	fp_buf b = FP_BUF_INIT, id = FP_BUF_INIT;
	ctrf_counts c;
	size_t i;

	count_tests(&c, run);
	fputs("{\"reportFormat\":\"CTRF\",\"specVersion\":\"" FP_CTRF_SPEC_VERSION "\","
	      "\"generatedBy\":\"fixproof " FIXPROOF_VERSION "\",\n", f);
	write_run_extra(run, f);
	fprintf(f, ",\n\"results\":{\"tool\":{\"name\":\"fixproof\"},\n\"summary\":{\"tests\":%zu,"
		"\"passed\":%llu,\"failed\":%llu,\"skipped\":%llu,\"pending\":0,\"other\":%llu,"
		"\"flaky\":%llu,\"start\":0,\"stop\":%llu,\"duration\":%llu},\n\"tests\":[",
		run->ntests, c.passed, c.failed, c.skipped, c.other, c.flaky,
		(unsigned long long)llround(c.ms), (unsigned long long)llround(c.ms));
	for (i = 0; i < run->ntests; i++) {
		fp_buf_clear(&b);
		fp_buf_puts(&b, i ? ",\n" : "\n");
		format_test(&b, &id, run, i);
		fwrite(b.ptr, 1, b.len, f);
	}
	fputs("\n]}}\n", f);
	fp_buf_free(&b);
	fp_buf_free(&id);
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the CTRF report: write error");
	return 0;
}
