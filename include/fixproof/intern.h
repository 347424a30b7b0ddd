/*
 * intern.h - an interning table: one copy of each distinct string, kept in
 * an arena, so that a million tests of one class share one class name and
 * equal interned strings are equal pointers. Hashes are kept beside the
 * slots, so a probe compares strings only when hashes agree.
 *
 * A table is not locked: one thread uses it at a time.
 */
#ifndef FIXPROOF_INTERN_H
#define FIXPROOF_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "fixproof/arena.h"

/* Zero-initialised ({0}) it is an empty table. */
typedef struct fp_strset {
	const char **slots;      /* open addressing; the strings live in an arena */
	uint32_t *hashes;
	size_t cap;
	size_t count;
} fp_strset;

/*
 * The one copy of the `n` bytes at `s` (which need not be NUL-terminated
 * and must hold no NUL byte): the earlier copy when there is one, else a
 * new copy made in `arena`. The copy belongs to `arena`; always give the
 * same arena for the same table.
 */
const char *fp_strset_intern(fp_strset *set, fp_arena *arena, const char *s, size_t n);

/* Frees the table's slots (not the strings, which are the arena's). */
void fp_strset_free(fp_strset *set);

#endif
