/*
 * fuzz.h - what the libFuzzer targets share: the entry point's prototype,
 * the default rules made once, reading one input into a run, and the
 * checks every output must pass. A failed check aborts, which libFuzzer
 * reports as a crash and keeps the input that caused it.
 *
 * Each target runs with -max_len (tests/fuzz/run.sh) and the library's own
 * caps, so one input costs bounded time and memory.
 */
#ifndef FIXPROOF_FUZZ_H
#define FIXPROOF_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixproof/classify.h"
#include "fixproof/error.h"
#include "fixproof/json.h"
#include "fixproof/model.h"
#include "fixproof/parse.h"
#include "fixproof/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with `what` when `ok` is false: libFuzzer keeps the input. */
static inline void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz check failed: %s\n", what);
		abort();
	}
}

/* The built-in rules, compiled once for the whole run: they are never
 * changed, and compiling them for every input would cost most of the time. */
static inline const fp_rules *fuzz_default_rules(void)
{
	static fp_rules *rules;

	if (!rules)
		fuzz_check(fp_rules_default(&rules) == 0, "the default rules load");
	return rules;
}

/* True when `hay` (of `n` bytes) holds `needle`, ignoring ASCII case. */
static inline int fuzz_contains_nocase(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i, j;

	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k; j++) {
			char c = hay[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[j])
				break;
		}
		if (j == k)
			return 1;
	}
	return 0;
}

/* The JSON a writer produced must be valid UTF-8 and parse back. */
static inline void fuzz_check_json(const char *text, size_t len)
{
	cJSON *doc;

	fuzz_check(fp_utf8_valid(text, len), "the JSON output is valid UTF-8 without NUL");
	doc = cJSON_ParseWithLength(text, len);
	fuzz_check(doc != NULL, "the JSON output parses");
	cJSON_Delete(doc);
}

/* The README's run model: every failed or errored test has a category, no other has. */
static inline void fuzz_check_categories(const fp_run *run)
{
	size_t i;

	for (i = 0; i < run->ntests; i++) {
		const fp_test *t = &run->tests[i];
		int failing = t->status == FP_STATUS_FAILED || t->status == FP_STATUS_ERROR;

		fuzz_check(failing == (t->category != FP_CATEGORY_NONE),
			   "a test has a category exactly when it failed");
	}
}

/*
 * Reads `size` bytes as one input of a new run with `parse` (the JUnit or
 * the collect-only reader), then merges and classifies it as the command
 * line does. Returns NULL when the reader refused the input.
 */
static inline fp_run *fuzz_read_run(const uint8_t *data, size_t size, fp_input_kind kind,
				    int (*parse)(fp_run *, uint32_t, fp_source *))
{
	fp_run *run = fp_run_new();
	fp_source src;
	uint32_t input = fp_run_add_input(run, "fuzz-input", kind);
	int err;

	fp_source_memory(&src, "fuzz-input", data, size);
	err = parse(run, input, &src);
	fp_source_close(&src);
	if (err < 0) {
		fuzz_check(err == FP_EINPUT || err == FP_ELIMIT || err == FP_PARSE_FOREIGN,
			   "a refusal is FP_EINPUT, FP_ELIMIT or FP_PARSE_FOREIGN");
		fuzz_check(fp_error_message()[0] != '\0', "a refusal sets a message");
		fp_run_free(run);
		return NULL;
	}
	fp_run_finish(run);
	fp_classify_run(run, fuzz_default_rules());
	fuzz_check_categories(run);
	return run;
}

/* Writes the run model to memory and checks it; then frees the run. */
static inline void fuzz_write_run(fp_run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fuzz_check(f != NULL, "open_memstream works");
	fuzz_check(fp_run_write_json(run, f) == 0, "the run model is written");
	fuzz_check(fclose(f) == 0, "the memory stream closes");
	fuzz_check_json(text, len);
	free(text);
	fp_run_free(run);
}

#endif
