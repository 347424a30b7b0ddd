/* parse_junit.c - placeholder until the JUnit reader lands. */
#include "fixproof/error.h"
#include "fixproof/parse.h"

int fp_junit_parse(fp_run *run, uint32_t input, fp_source *src)
{
	(void)run; (void)input;
	return fp_error_set(FP_EINPUT, "cannot parse '%s': JUnit reader not built yet", src->path);
}
