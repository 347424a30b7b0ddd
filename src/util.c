/* util.c - reading decimal numbers; see util.h. */
#include "fixproof/util.h"

#include "fixproof/error.h"

size_t fp_uint_prefix(uint64_t *out, const char *s, size_t n, uint64_t max)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > max || v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i > 0)
		*out = v;
	return i;
}

int fp_uint_parse(uint64_t *out, const char *s, size_t n, uint64_t min, uint64_t max,
		  const char *what)
{
	uint64_t v = 0;

	if (n > 0 && fp_uint_prefix(&v, s, n, max) == n && v >= min) {
		*out = v;
		return 0;
	}
	if (!what)
		return FP_EINPUT;
	return fp_error_set(FP_EINPUT, "%s '%.*s' is not a whole number from %llu to %llu", what,
			    (int)(n > 200 ? 200 : n), s, (unsigned long long)min, (unsigned long long)max);
}
