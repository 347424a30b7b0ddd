/*
 * fuzz_ctrf.c - libFuzzer target: the input is one CTRF report. It is
 * read, merged and classified with the default rules, then written both
 * as CTRF and as the run model, each of which must be valid JSON in valid
 * UTF-8; the CTRF written must read back with the same number of tests.
 */
#include "fuzz.h"

#include "fixproof/ctrf.h"

static void check_ctrf_round_trip(const fp_run *run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fp_run *again;

	fuzz_check(f != NULL, "open_memstream works");
	fuzz_check(fp_ctrf_write(run, f) == 0, "the CTRF report is written");
	fuzz_check(fclose(f) == 0, "the memory stream closes");
	fuzz_check_json(text, len);
	again = fuzz_read_run((const uint8_t *)text, len, FP_INPUT_CTRF, fp_ctrf_parse);
	fuzz_check(again != NULL, "fixproof reads the CTRF it wrote");
	fuzz_check(again->summary.tests == run->summary.tests, "the round trip keeps every test");
	fp_run_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_run *run = fuzz_read_run(data, size, FP_INPUT_CTRF, fp_ctrf_parse);

	if (run) {
		check_ctrf_round_trip(run);
		fuzz_write_run(run);
	}
	return 0;
}
