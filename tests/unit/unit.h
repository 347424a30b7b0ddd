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

#include <cmocka.h>

/* The shared folder (corpus, mustache spec): $FIXPROOF_SHARED or ../shared. */
static inline const char *unit_shared_dir(void)
{
	const char *d = getenv("FIXPROOF_SHARED");

	return d && *d ? d : "../shared";
}

#endif
