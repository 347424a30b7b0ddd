/*
 * hash.h - a 64-bit hash of bytes given piece by piece, eight at a time:
 * the same bytes give the same hash however they are split, so a join key
 * can be hashed from its parts without being built. For hash tables, not
 * for security. A state belongs to one thread; the functions keep no other
 * state.
 */
#ifndef FIXPROOF_HASH_H
#define FIXPROOF_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct fp_hash_state {
	uint64_t h, len;
	unsigned char tail[8];
	unsigned ntail;
} fp_hash_state;

void fp_hash_init(fp_hash_state *s);
void fp_hash_add(fp_hash_state *s, const void *p, size_t n);
uint64_t fp_hash_end(const fp_hash_state *s);

/* The hash of `n` bytes in one piece. */
uint64_t fp_hash_bytes(const void *p, size_t n);

#endif
