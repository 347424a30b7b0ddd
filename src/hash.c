/* hash.c - the piecewise 64-bit hash; see hash.h. */
#include "fixproof/hash.h"

#include <string.h>

#define HASH_K 0x9e3779b97f4a7c15ULL

static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * HASH_K;
	return h << 31 | h >> 33;
}

void fp_hash_init(fp_hash_state *s)
{
	memset(s, 0, sizeof(*s));
}

void fp_hash_add(fp_hash_state *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t w;

	s->len += n;
	if (s->ntail) {
		while (n > 0 && s->ntail < 8) {
			s->tail[s->ntail++] = *p++;
			n--;
		}
		if (s->ntail < 8)
			return;
		memcpy(&w, s->tail, 8);
		s->h = hash_word(s->h, w);
		s->ntail = 0;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		s->h = hash_word(s->h, w);
	}
	memcpy(s->tail, p, n);
	s->ntail = (unsigned)n;
}

/* The last bytes (zero padded) and the length go in, then murmur3's final
 * mix, so that the low bits, which pick a table slot, depend on all. */
uint64_t fp_hash_end(const fp_hash_state *s)
{
	uint64_t h = s->h, w = 0;

	if (s->ntail) {
		unsigned char last[8] = { 0 };

		memcpy(last, s->tail, s->ntail);
		memcpy(&w, last, 8);
		h = hash_word(h, w);
	}
	h = hash_word(h, s->len);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t fp_hash_bytes(const void *p, size_t n)
{
	fp_hash_state s;

	fp_hash_init(&s);
	fp_hash_add(&s, p, n);
	return fp_hash_end(&s);
}
