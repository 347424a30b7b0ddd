/*
 * sha256.h - SHA-256 (FIPS 180-4), so a report can name the exact bytes of
 * every input it was made from.
 *
 * The hashing is nettle's (sha256_init, sha256_update, sha256_digest), which
 * picks the CPU's SHA extensions when it runs on a processor that has them;
 * this header only keeps the names the rest of fixproof calls and adds the
 * hex form. A context lives wherever the caller puts it (no allocation, no
 * cleanup); it may not be shared between threads while it is updated.
 */
#ifndef FIXPROOF_SHA256_H
#define FIXPROOF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

typedef struct fp_sha256 {
	struct sha256_ctx ctx;
} fp_sha256;

static inline void fp_sha256_init(fp_sha256 *ctx)
{
	sha256_init(&ctx->ctx);
}

/* Hashes `n` bytes of `data` (borrowed for the call); any number of calls. */
static inline void fp_sha256_update(fp_sha256 *ctx, const void *data, size_t n)
{
	sha256_update(&ctx->ctx, n, (const uint8_t *)data);
}

/*
 * Writes 64 lowercase hex digits and a NUL to `hex`. The context is then
 * reset (as by fp_sha256_init), as nettle's sha256_digest leaves it.
 */
static inline void fp_sha256_final_hex(fp_sha256 *ctx, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_digest(&ctx->ctx, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * sizeof(d)] = '\0';
}

#endif
