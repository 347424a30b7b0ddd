/*
 * unit.h - what every cmocka unit test includes. cmocka needs <stdarg.h>,
 * <stddef.h> and <setjmp.h> before its own header.
 */
#ifndef FIXPROOF_UNIT_H
#define FIXPROOF_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixproof/buf.h"

/* The shared folder (corpus, mustache spec): $FIXPROOF_SHARED or ../shared. */
static inline const char *unit_shared_dir(void)
{
	const char *d = getenv("FIXPROOF_SHARED");

	return d && *d ? d : "../shared";
}

/*
 * In a test that needs `path` from the shared folder: when it is absent,
 * the test fails if CI is set (a CI run must not pass by testing less),
 * and is otherwise skipped with a loud SKIPPED line.
 */
#define UNIT_NEED_SHARED(path) \
	do { \
		const char *ci_ = getenv("CI"); \
		if (access((path), F_OK) != 0) { \
			if (ci_ && *ci_) \
				fail_msg("%s is absent (set FIXPROOF_SHARED), and CI is set", (path)); \
			printf("*** SKIPPED: %s is absent (set FIXPROOF_SHARED) ***\n", (path)); \
			skip(); \
		} \
	} while (0)

/*
 * The bytes of tests/data/DIR/NAME (tests run from the repository root),
 * NUL-terminated, for the caller to free; their count in *len.
 */
static inline char *unit_read_data(const char *dir, const char *name, size_t *len)
{
	fp_buf path = FP_BUF_INIT, data = FP_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	fp_buf_printf(&path, "tests/data/%s/%s", dir, name);
	f = fopen(path.ptr, "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fp_buf_add(&data, chunk, n);
	fclose(f);
	fp_buf_free(&path);
	return fp_buf_detach(&data, len);
}

#endif
