/*
 * model_json.c - the run model as JSON (schema "fixproof.run/1"), streamed
 * test by test; see model.h and the README's "JSON contracts".
 */
#include "fixproof/model.h"

#include <stdlib.h>
#include <string.h>

#include "fixproof/error.h"
#include "fixproof/json.h"

/* Writes a list of warnings as a JSON array. */
static void write_warnings(FILE *f, const char *const *v, size_t n, size_t dropped)
{
	size_t j;

	putc('[', f);
	for (j = 0; j < n; j++) {
		if (j)
			putc(',', f);
		fp_json_str(f, v[j]);
	}
	if (dropped)
		fprintf(f, "%s\"... and %zu more warnings\"", n ? "," : "", dropped);
	putc(']', f);
}

void fp_run_write_inputs_json(const fp_run *run, FILE *f)
{
	size_t i;

	fputs("\"inputs\":[", f);
	for (i = 0; i < run->ninputs; i++) {
		const fp_input *in = &run->inputs[i];

		fputs(i ? ",\n  {\"path\":" : "\n  {\"path\":", f);
		fp_json_str(f, in->path);
		fprintf(f, ",\"kind\":\"%s\",\"sha256\":\"%s\",\"bytes\":%llu,\"tests\":%zu,"
			"\"complete\":%s,\"empty\":%s,\"warnings\":",
			fp_input_kind_name(in->kind), in->sha256,
			(unsigned long long)in->bytes, in->tests,
			in->incomplete ? "false" : "true", in->empty ? "true" : "false");
		write_warnings(f, in->warnings, in->nwarnings, in->warnings_dropped);
		putc('}', f);
	}
	fputs("],\n\"warnings\":", f);
	write_warnings(f, run->warnings, run->nwarnings, run->warnings_dropped);
	fputs(",\n", f);
}

void fp_summary_write_json(const fp_run *run, FILE *f)
{
	const fp_summary *s = &run->summary;
	const fp_collection *c = &run->collection;

	fprintf(f, "\"summary\":{\"tests\":%llu,\"runs\":%llu,\"passed\":%llu,\"failed\":%llu,"
		"\"errors\":%llu,\"skipped\":%llu,\"not_run\":%llu,\"flaky\":%llu},\n",
		(unsigned long long)s->tests, (unsigned long long)s->runs,
		(unsigned long long)s->passed,
		(unsigned long long)s->failed, (unsigned long long)s->errors,
		(unsigned long long)s->skipped, (unsigned long long)s->not_run,
		(unsigned long long)s->flaky);
	if (c->present)
		fprintf(f, "\"collection\":{\"collected\":%llu,\"errors\":%llu,"
			"\"deselected\":%llu,\"files\":%llu,\"files_with_errors\":%llu,"
			"\"interrupted\":%s},\n",
			(unsigned long long)c->collected, (unsigned long long)c->errors,
			(unsigned long long)c->deselected, (unsigned long long)c->files,
			(unsigned long long)c->files_with_errors,
			c->interrupted ? "true" : "false");
	else
		fputs("\"collection\":null,\n", f);
	fprintf(f, "\"categories\":{\"infrastructure\":%llu,\"business_logic\":%llu}",
		(unsigned long long)run->infrastructure,
		(unsigned long long)run->business_logic);
}

#define ADD_LITERAL(b, s) fp_json_buf_raw((b), (s), sizeof(s) - 1)

/*
 * What formatting tests can reuse from one test to the next: the escaped
 * input paths, and the escaped class and file of the last test, which its
 * neighbours nearly always share (both are interned, so a pointer
 * comparison tells). One per thread.
 */
typedef struct json_memo {
	const char *s;         /* the interned string `json` holds, quoted */
	fp_buf json;
} json_memo;

struct fp_test_json {
	const fp_run *run;
	fp_buf *inputs;        /* escaped and quoted path of each input */
	const char *classname; /* the class `cls` holds, escaped, with "::" */
	fp_buf cls;
	json_memo file, type, cause, rule;
};

typedef struct fp_test_json json_cache;

fp_test_json *fp_test_json_new(const fp_run *run)
{
	json_cache *c = fp_xcalloc(1, sizeof(*c));
	size_t k;

	c->run = run;
	c->inputs = fp_xcalloc(run->ninputs ? run->ninputs : 1, sizeof(*c->inputs));
	for (k = 0; k < run->ninputs; k++)
		fp_json_buf_str(&c->inputs[k], run->inputs[k].path);
	return c;
}

void fp_test_json_free(fp_test_json *c)
{
	size_t k;

	if (!c)
		return;
	for (k = 0; k < c->run->ninputs; k++)
		fp_buf_free(&c->inputs[k]);
	free(c->inputs);
	fp_buf_free(&c->cls);
	fp_buf_free(&c->file.json);
	fp_buf_free(&c->type.json);
	fp_buf_free(&c->cause.json);
	fp_buf_free(&c->rule.json);
	free(c);
}

/* The id (fp_test_id) as a JSON string, escaped piece by piece: the
 * escape of the key is that of its parts. */
void fp_test_json_id(fp_test_json *c, fp_buf *obj, const fp_test *t)
{
	if (t->nodeid) {
		fp_json_buf_str(obj, t->nodeid);
		return;
	}
	ADD_LITERAL(obj, "\"");
	if (t->classname && t->classname[0]) {
		if (c->classname != t->classname) {
			fp_buf_clear(&c->cls);
			fp_json_buf_escape(&c->cls, t->classname, strlen(t->classname));
			fp_buf_add(&c->cls, "::", 2);
			c->classname = t->classname;
		}
		fp_json_buf_raw(obj, c->cls.ptr, c->cls.len);
	}
	if (t->name)
		fp_json_buf_escape(obj, t->name, strlen(t->name));
	ADD_LITERAL(obj, "\"");
}

/* An interned string (file, type, cause, rule) as JSON, escaped once for
 * a run of tests that share it. */
static void add_memo(fp_buf *obj, json_memo *m, const char *s)
{
	if (!s) {
		ADD_LITERAL(obj, "null");
		return;
	}
	if (m->s != s) {
		fp_buf_clear(&m->json);
		fp_json_buf_str(&m->json, s);
		m->s = s;
	}
	fp_json_buf_raw(obj, m->json.ptr, m->json.len);
}

/* The names of fp_status, fp_phase and fp_category as JSON values. */
typedef struct json_name {
	const char *s;
	size_t n;
} json_name;

#define JSON_NAME(s) { s, sizeof(s) - 1 }
static const json_name status_json[] = {
	JSON_NAME("\"not_run\""), JSON_NAME("\"passed\""), JSON_NAME("\"skipped\""),
	JSON_NAME("\"failed\""), JSON_NAME("\"error\"")
};
static const json_name phase_json[] = {
	JSON_NAME("null"), JSON_NAME("\"collection\""), JSON_NAME("\"setup\""),
	JSON_NAME("\"call\""), JSON_NAME("\"teardown\"")
};
static const json_name category_json[] = {
	JSON_NAME("null"), JSON_NAME("\"infrastructure\""), JSON_NAME("\"business_logic\"")
};

static void add_name(fp_buf *obj, const json_name *names, size_t n, unsigned i)
{
	const json_name *name = &names[i < n ? i : 0];

	fp_json_buf_raw(obj, name->s, name->n);
}

/* Appends one test's JSON object to `obj`. Built in memory so that a test
 * costs one fwrite, not twenty stdio calls. */
void fp_test_json_add(fp_test_json *c, fp_buf *obj, const fp_test *t)
{
	ADD_LITERAL(obj, "{\"id\":");
	fp_test_json_id(c, obj, t);
	ADD_LITERAL(obj, ",\"status\":");
	add_name(obj, status_json, sizeof(status_json) / sizeof(*status_json), t->status);
	ADD_LITERAL(obj, ",\"phase\":");
	add_name(obj, phase_json, sizeof(phase_json) / sizeof(*phase_json), t->phase);
	ADD_LITERAL(obj, ",\"category\":");
	add_name(obj, category_json, sizeof(category_json) / sizeof(*category_json), t->category);
	ADD_LITERAL(obj, ",\"cause\":");
	add_memo(obj, &c->cause, fp_test_cause(t));
	ADD_LITERAL(obj, ",\"rule\":");
	add_memo(obj, &c->rule, fp_test_rule(t));
	if (t->flags & FP_TEST_FLAKY)
		ADD_LITERAL(obj, ",\"flaky\":true");
	if (t->flags & FP_TEST_SESSION)
		ADD_LITERAL(obj, ",\"session\":true");
	ADD_LITERAL(obj, ",\"type\":");
	add_memo(obj, &c->type, fp_test_type(t));
	ADD_LITERAL(obj, ",\"message\":");
	fp_json_buf_str(obj, fp_test_message(t));
	ADD_LITERAL(obj, ",\"file\":");
	add_memo(obj, &c->file, t->file);
	ADD_LITERAL(obj, ",\"line\":");
	if (t->line)
		fp_json_buf_num(obj, (double)t->line);
	else
		ADD_LITERAL(obj, "null");
	ADD_LITERAL(obj, ",\"time\":");
	fp_json_buf_num(obj, t->time);
	ADD_LITERAL(obj, ",\"input\":");
	fp_json_buf_raw(obj, c->inputs[t->input].ptr, c->inputs[t->input].len);
	ADD_LITERAL(obj, ",\"trace\":");
	fp_json_buf_str(obj, fp_test_trace(t));
	ADD_LITERAL(obj, "}");
}

static void format_tests(void *ctx, size_t from, size_t to, fp_buf *out)
{
	json_cache *c = ctx;
	size_t i;

	for (i = from; i < to; i++) {
		ADD_LITERAL(out, ",\n  ");
		fp_test_json_add(c, out, &c->run->tests[i]);
	}
}

int fp_run_write_json(const fp_run *run, FILE *f)
{
	void *ctx[2];
	int k;

	for (k = 0; k < 2; k++)
		ctx[k] = fp_test_json_new(run);
	fputs("{\"schema\":\"fixproof.run/1\",\n", f);
	fp_run_write_inputs_json(run, f);
	fp_summary_write_json(run, f);
	fputs(",\n\"tests\":[", f);
	fp_json_write_items(f, run->ntests, format_tests, ctx);
	fputs("\n]}\n", f);
	for (k = 0; k < 2; k++)
		fp_test_json_free(ctx[k]);
	if (fflush(f) != 0 || ferror(f))
		return fp_error_set(FP_EIO, "cannot write the run model: write error");
	return 0;
}
