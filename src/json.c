/* json.c - streaming JSON writing and UTF-8 checks; see json.h. */
#include "fixproof/json.h"

#include <math.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at `s` (at most `n` bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
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

int fp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k;

		if (p[i] && p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(p + i, n - i);
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
		k = utf8_seq(p + i, n - i);
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

void fp_json_strn(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;

	putc('"', f);
	while (i < n) {
		unsigned char c = p[i];
		size_t k;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_seq(p + i, n - i)) != 0) {
			i += k;
			continue;
		}
		fwrite(s + start, 1, i - start, f);
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20) {
				fputs("\\u00", f);
				putc(hex[c >> 4], f);
				putc(hex[c & 15], f);
			} else {
				fputs("\\ufffd", f);
			}
		}
		i++;
		start = i;
	}
	fwrite(s + start, 1, n - start, f);
	putc('"', f);
}

void fp_json_str(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		fp_json_strn(f, s, strlen(s));
}

void fp_json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

void fp_json_fraction(FILE *f, unsigned long long num, unsigned long long den)
{
	fprintf(f, "{\"numerator\":%llu,\"denominator\":%llu,\"value\":", num, den);
	if (den)
		fp_json_num(f, (double)(long long)((double)num / (double)den * 1000.0 + 0.5) / 1000.0);
	else
		fputs("null", f);
	putc('}', f);
}
