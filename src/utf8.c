/* utf8.c - UTF-8 checks, cuts and the head-and-tail cap; see utf8.h. */
#include "fixproof/utf8.h"

#include <assert.h>

/* Bytes of `p` that are ASCII and not NUL, from the start, in steps of 8. */
static size_t plain_ascii(const unsigned char *p, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = fp_word_load(p + i);

		if ((w & FP_WORD_HIGHS) || FP_WORD_HAS_ZERO(w))
			break;
	}
	return i;
}

int fp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k;

		i += plain_ascii(p + i, n - i);
		if (i >= n)
			break;
		if (p[i] && p[i] < 0x80) {
			i++;
			continue;
		}
		k = fp_utf8_seq(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

size_t fp_utf8_clean(fp_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, bad = 0;

	while (i < n) {
		size_t k;

		if (p[i] && p[i] < 0x80) {
			i++;
			continue;
		}
		k = fp_utf8_seq(p + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		fp_buf_add(out, s + start, i - start);
		if (p[i])
			fp_buf_puts(out, "\xef\xbf\xbd");
		bad++;
		i++;
		start = i;
	}
	fp_buf_add(out, s + start, n - start);
	return bad;
}

size_t fp_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void fp_text_cap(fp_buf *out, const char *head, size_t headlen, const char *tail, size_t taillen,
		 uint64_t total, size_t cap)
{
	size_t h = FP_TEXT_CAP_HEAD(cap), t = FP_TEXT_CAP_TAIL(cap);

	assert(total > cap && headlen > h && taillen >= t);
	h = fp_utf8_cut(head, headlen, h);
	while (t > 0 && ((unsigned char)tail[taillen - t] & 0xc0) == 0x80)
		t--;
	fp_buf_add(out, head, h);
	fp_buf_printf(out, "\n[... %llu bytes left out by fixproof ...]\n",
		      (unsigned long long)(total - h - t));
	fp_buf_add(out, tail + taillen - t, t);
}
