/*
 * sha256.h - SHA-256 (FIPS 180-4), so a report can name the exact bytes of
 * every input it was made from. Written from the standard; no dependency
 * offers it without pulling in a TLS library's API.
 */
#ifndef FIXPROOF_SHA256_H
#define FIXPROOF_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct fp_sha256 {
	uint32_t state[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
} fp_sha256;

void fp_sha256_init(fp_sha256 *ctx);
void fp_sha256_update(fp_sha256 *ctx, const void *data, size_t n);

/* Writes 64 lowercase hex digits and a NUL to `hex`. */
void fp_sha256_final_hex(fp_sha256 *ctx, char hex[65]);

#endif
