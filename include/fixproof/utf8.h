/*
 * utf8.h - UTF-8 text helpers under every stage: validity, cleaning,
 * cutting at a character boundary, and the one head-and-tail cap of a long
 * text. They depend on buf only.
 */
#ifndef FIXPROOF_UTF8_H
#define FIXPROOF_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fixproof/buf.h"

/*
 * Length of the valid UTF-8 sequence at `s` (at most `n` bytes, n >= 1):
 * 1 to 4, or 0 when it is not valid (overlong forms, surrogates and code
 * points over U+10FFFF are not) or is a NUL byte. Inline: the JSON writer
 * calls it for every non-ASCII byte it escapes.
 */
static inline size_t fp_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Eight bytes at a time, for scanning plain ASCII text: FP_WORD_HAS_ZERO
 * flags a word with a NUL byte, FP_WORD_HIGHS bytes with the high bit set.
 * The tests never miss a byte; a flagged word goes the byte-by-byte way.
 */
#define FP_WORD_ONES 0x0101010101010101ULL
#define FP_WORD_HIGHS 0x8080808080808080ULL
#define FP_WORD_HAS_ZERO(w) (((w) - FP_WORD_ONES) & ~(w) & FP_WORD_HIGHS)

static inline uint64_t fp_word_load(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* True when `s` (of `n` bytes) is valid UTF-8 with no NUL byte. */
int fp_utf8_valid(const char *s, size_t n);

/*
 * Appends `s` to `out` with every invalid UTF-8 sequence replaced by U+FFFD
 * and NUL bytes dropped. Returns the number of replacements made.
 */
size_t fp_utf8_clean(fp_buf *out, const char *s, size_t n);

/*
 * The length of `s` (`len` bytes) cut to at most `max` bytes without
 * splitting a character: `len` when it fits, else `max` moved back over
 * continuation bytes (s[max] is read, so it must exist).
 */
size_t fp_utf8_cut(const char *s, size_t len, size_t max);

/*
 * The head-and-tail cap of a long text: a text over `cap` bytes keeps its
 * first FP_TEXT_CAP_HEAD(cap) and its last FP_TEXT_CAP_TAIL(cap) bytes,
 * both cut at character boundaries, with the line
 * "[... N bytes left out by fixproof ...]" between them. Runners put what
 * matters at one end of a trace, so both ends are kept; the marker's 64
 * bytes are left out of the tail so the result stays within `cap`.
 */
#define FP_TEXT_CAP_HEAD(cap) ((cap) / 4)
#define FP_TEXT_CAP_TAIL(cap) ((cap) - (cap) / 4 - 64)

/*
 * Appends the capped form of a text of `total` bytes (total > cap >= 256)
 * to `out`, from pieces of it: `head` holds its first `headlen` bytes and
 * `tail` its last `taillen` bytes; what lay between may be gone (a reader
 * that streams a text keeps only its ends). `headlen` must exceed
 * FP_TEXT_CAP_HEAD(cap), so the character boundary can be seen, and
 * `taillen` must be at least FP_TEXT_CAP_TAIL(cap). A whole text in memory
 * passes itself as both pieces: fp_text_cap(out, s, n, s, n, n, cap).
 */
void fp_text_cap(fp_buf *out, const char *head, size_t headlen, const char *tail, size_t taillen,
		 uint64_t total, size_t cap);

#endif
