/* parse_collect.c - placeholder until the collect-only reader lands. */
#include "fixproof/error.h"
#include "fixproof/parse.h"

int fp_collect_parse(fp_run *run, uint32_t input, fp_source *src)
{
	(void)run; (void)input;
	return fp_error_set(FP_EINPUT, "cannot parse '%s': collect-only reader not built yet", src->path);
}
