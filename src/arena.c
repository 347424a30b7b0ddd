/* arena.c - the bump allocator; see arena.h. */
#include "fixproof/arena.h"

#include <stdlib.h>
#include <string.h>

#include "fixproof/buf.h"

struct fp_arena_chunk {
	fp_arena_chunk *next;
	size_t used, size;
	/* data follows, 8-byte aligned */
};

#define ARENA_CHUNK (1u << 20)
#define CHUNK_HEADER ((sizeof(fp_arena_chunk) + 7) & ~(size_t)7)

/* `n` bytes at a multiple of `align` (a power of two, at most 8). */
static void *arena_take(fp_arena *a, size_t n, size_t align)
{
	fp_arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (!c || at > c->size || c->size - at < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		if (c && n > ARENA_CHUNK / 4) {
			/* A big block gets a chunk of its own behind the current
			 * one, so the current chunk's free space is not wasted. */
			fp_arena_chunk *big = fp_xmalloc(CHUNK_HEADER + size);

			big->used = n;
			big->size = size;
			big->next = c->next;
			c->next = big;
			a->total += CHUNK_HEADER + size;
			return (char *)big + CHUNK_HEADER;
		}
		c = fp_xmalloc(CHUNK_HEADER + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
		a->total += CHUNK_HEADER + size;
		at = 0;
	}
	c->used = at + n;
	return (char *)c + CHUNK_HEADER + at;
}

void *fp_arena_alloc(fp_arena *a, size_t n)
{
	return arena_take(a, n, 8);
}

/* Strings are packed byte after byte: aligning each of a million test
 * names to 8 would cost megabytes. */
char *fp_arena_strndup(fp_arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1, 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void fp_arena_free(fp_arena *a)
{
	fp_arena_chunk *c = a->head;

	while (c) {
		fp_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}
