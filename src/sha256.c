/* sha256.c - SHA-256 per FIPS 180-4; see sha256.h. */
#include "fixproof/sha256.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#define FP_SHA_NI 1
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t st[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = st[0]; b = st[1]; c = st[2]; d = st[3];
	e = st[4]; f = st[5]; g = st[6]; h = st[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
			      ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
	st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

#ifdef FP_SHA_NI
/*
 * The same compression with the x86 SHA extensions, several times faster:
 * hashing every input byte is a good share of `fixproof parse`. The state
 * is kept as the two halves the instructions work on (A B E F and C D G H);
 * each step does four rounds and derives four words of the schedule from
 * the previous sixteen (FIPS 180-4, 6.2.2).
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_sha_ni(uint32_t st[8], const unsigned char *p, size_t blocks)
{
	const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i abef, cdgh, tmp, w[4], k, saved_abef, saved_cdgh;
	int i;

	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&st[0]), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&st[4]), 0x1b);
	abef = _mm_alignr_epi8(tmp, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, tmp, 0xf0);
	for (; blocks > 0; blocks--, p += 64) {
		saved_abef = abef;
		saved_cdgh = cdgh;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
		for (i = 0; i < 16; i++) {
			if (i < 4) {
				w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), swap);
			} else {
				/* w[i & 3] holds the words from four steps back. */
				tmp = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
				tmp = _mm_add_epi32(tmp, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				w[i & 3] = _mm_sha256msg2_epu32(tmp, w[(i + 3) & 3]);
			}
			k = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0e));
		}
		abef = _mm_add_epi32(abef, saved_abef);
		cdgh = _mm_add_epi32(cdgh, saved_cdgh);
	}
	tmp = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	abef = _mm_blend_epi16(tmp, cdgh, 0xf0);
	cdgh = _mm_alignr_epi8(cdgh, tmp, 8);
	_mm_storeu_si128((__m128i *)(void *)&st[0], abef);
	_mm_storeu_si128((__m128i *)(void *)&st[4], cdgh);
}

static int sha_ni;
static pthread_once_t sha_ni_checked = PTHREAD_ONCE_INIT;

static void check_sha_ni(void)
{
	unsigned a, b, c, d;

	sha_ni = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)) &&
		 getenv("FIXPROOF_NO_SHA_NI") == NULL;
}

/* 1 when the CPU has the SHA extensions (CPUID leaf 7, EBX bit 29); asked
 * once, whichever thread hashes first. */
static int have_sha_ni(void)
{
	pthread_once(&sha_ni_checked, check_sha_ni);
	return sha_ni;
}
#endif

/* Compresses `blocks` whole 64-byte blocks. */
static void compress_blocks(uint32_t st[8], const unsigned char *p, size_t blocks)
{
#ifdef FP_SHA_NI
	if (have_sha_ni()) {
		compress_sha_ni(st, p, blocks);
		return;
	}
#endif
	for (; blocks > 0; blocks--, p += 64)
		compress(st, p);
}

void fp_sha256_init(fp_sha256 *ctx)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(ctx->state, iv, sizeof(iv));
	ctx->bytes = 0;
	ctx->fill = 0;
}

void fp_sha256_update(fp_sha256 *ctx, const void *data, size_t n)
{
	const unsigned char *p = data;

	ctx->bytes += n;
	if (ctx->fill) {
		size_t take = 64 - ctx->fill < n ? 64 - ctx->fill : n;

		memcpy(ctx->block + ctx->fill, p, take);
		ctx->fill += take;
		p += take;
		n -= take;
		if (ctx->fill < 64)
			return;
		compress_blocks(ctx->state, ctx->block, 1);
		ctx->fill = 0;
	}
	compress_blocks(ctx->state, p, n / 64);
	p += n / 64 * 64;
	n %= 64;
	memcpy(ctx->block, p, n);
	ctx->fill = n;
}

void fp_sha256_final_hex(fp_sha256 *ctx, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint64_t bits = ctx->bytes * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (ctx->fill < 56 ? 56 : 120) - ctx->fill;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	fp_sha256_update(ctx, pad, padlen + 8);
	for (i = 0; i < 32; i++) {
		unsigned char byte = (unsigned char)(ctx->state[i / 4] >> (24 - 8 * (i % 4)));

		hex[2 * i] = digits[byte >> 4];
		hex[2 * i + 1] = digits[byte & 15];
	}
	hex[64] = '\0';
}
