/*
 * fuzz_junit.c - libFuzzer target: the input is one JUnit XML file. It is
 * read, merged, classified with the default rules and written as the run
 * model, which must be valid JSON in valid UTF-8.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_run *run = fuzz_read_run(data, size, FP_INPUT_JUNIT, fp_junit_parse);

	if (run)
		fuzz_write_run(run);
	return 0;
}
