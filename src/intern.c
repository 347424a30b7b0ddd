/* intern.c - the interning table; see intern.h. */
#include "fixproof/intern.h"

#include <stdlib.h>
#include <string.h>

#include "fixproof/buf.h"
#include "fixproof/hash.h"

static void strset_grow(fp_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024, i;
	const char **slots = fp_xcalloc(cap, sizeof(*slots));
	uint32_t *hashes = fp_xmalloc(cap * sizeof(*hashes));

	for (i = 0; i < set->cap; i++) {
		size_t j;

		if (!set->slots[i])
			continue;
		j = set->hashes[i] & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = set->slots[i];
		hashes[j] = set->hashes[i];
	}
	free(set->slots);
	free(set->hashes);
	set->slots = slots;
	set->hashes = hashes;
	set->cap = cap;
}

const char *fp_strset_intern(fp_strset *set, fp_arena *arena, const char *s, size_t n)
{
	uint32_t h;
	size_t j;

	if ((set->count + 1) * 2 > set->cap)
		strset_grow(set);
	h = (uint32_t)fp_hash_bytes(s, n);
	for (j = h & (set->cap - 1); set->slots[j]; j = (j + 1) & (set->cap - 1)) {
		const char *t = set->slots[j];

		if (set->hashes[j] == h && strncmp(t, s, n) == 0 && t[n] == '\0')
			return t;
	}
	set->slots[j] = fp_arena_strndup(arena, s, n);
	set->hashes[j] = h;
	set->count++;
	return set->slots[j];
}

void fp_strset_free(fp_strset *set)
{
	free(set->slots);
	free(set->hashes);
	memset(set, 0, sizeof(*set));
}
