/*
 * util.h - the one reader of decimal numbers, for command-line values,
 * environment variables, HTTP headers and numbers inside input files.
 * Only plain digits are numbers: no sign, space, '+', "0x" or exponent,
 * so "-1" is refused rather than wrapped to a huge value as strtoull does.
 */
#ifndef FIXPROOF_UTIL_H
#define FIXPROOF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads the decimal digits at the start of the `n` bytes at `s`. Sets *out
 * and returns how many bytes the digits took; returns 0, leaving *out
 * alone, when `s` does not start with a digit or the number is over `max`.
 * Reading stops at the first byte that is no digit, so `n` may be SIZE_MAX
 * for a NUL-terminated string.
 */
size_t fp_uint_prefix(uint64_t *out, const char *s, size_t n, uint64_t max);

/*
 * Reads the `n` bytes at `s` as one number from `min` to `max`. Sets *out
 * and returns 0; else returns FP_EINPUT, with the message "WHAT 'S' is not
 * a whole number from MIN to MAX" when `what` is given (the caller's own
 * message otherwise, none set here).
 */
int fp_uint_parse(uint64_t *out, const char *s, size_t n, uint64_t min, uint64_t max,
		  const char *what);

#endif
