/*
 * arena.h - a bump allocator: many small allocations, one free. The run
 * model keeps every string and detail of a run in one, so a million tests
 * cost a few large blocks and freeing the run is one walk over them.
 *
 * An arena is not locked: one thread uses it at a time.
 */
#ifndef FIXPROOF_ARENA_H
#define FIXPROOF_ARENA_H

#include <stddef.h>

typedef struct fp_arena_chunk fp_arena_chunk;

/* Zero-initialised ({0}) it is an empty arena. */
typedef struct fp_arena {
	fp_arena_chunk *head;
	size_t total;            /* bytes allocated from the system */
} fp_arena;

/* `n` bytes, 8-byte aligned, owned by the arena until fp_arena_free. Never
 * returns NULL (out of memory ends the process, as in buf.h). */
void *fp_arena_alloc(fp_arena *a, size_t n);

/* A NUL-terminated copy of the `n` bytes at `s`, owned by the arena.
 * Strings are packed unaligned. */
char *fp_arena_strndup(fp_arena *a, const char *s, size_t n);

/* Frees every allocation at once; the arena is left empty and usable. */
void fp_arena_free(fp_arena *a);

#endif
