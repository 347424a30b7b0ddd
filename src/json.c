/* json.c - streaming JSON writing; see json.h. */
#include "fixproof/json.h"
#include "fixproof/utf8.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cjson/cJSON.h>

/* The bytes JSON must escape, sixteen at a time with SSE2 (every x86-64
 * has it), eight at a time otherwise: a signed compare against 0x20 flags
 * control bytes and bytes with the high bit set at once. */
static size_t plain_json(const unsigned char *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, space),
					   _mm_or_si128(_mm_cmpeq_epi8(v, quote),
							_mm_cmpeq_epi8(v, backslash)));
		int mask = _mm_movemask_epi8(bad);

		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t w = fp_word_load(p + i);

		if ((w & FP_WORD_HIGHS) || ((w - 0x20 * FP_WORD_ONES) & ~w & FP_WORD_HIGHS) ||
		    FP_WORD_HAS_ZERO(w ^ ('"' * FP_WORD_ONES)) ||
		    FP_WORD_HAS_ZERO(w ^ ('\\' * FP_WORD_ONES)))
			break;
	}
	return i;
}

/* Where escaped output goes: a FILE, or a buffer that the caller writes
 * out at once (a test's whole JSON object costs one fwrite). */
typedef struct sink {
	FILE *f;
	fp_buf *b;
} sink;

/* For a buffer, escape() has made room for the worst case beforehand. */
static inline void sink_add(sink *k, const char *s, size_t n)
{
	if (k->b) {
		memcpy(k->b->ptr + k->b->len, s, n);
		k->b->len += n;
	} else {
		fwrite(s, 1, n, k->f);
	}
}

/* Writes `s` escaped, between quotes when `quotes`. */
static void escape(sink *k, const char *s, size_t n, int quotes)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;

	if (k->b) {
		/* Every byte becomes at most six ("\\u001f"), plus the quotes. */
		if (n > (SIZE_MAX - 3) / 6)
			fp_die("string too long for JSON");
		if (k->b->cap - k->b->len < 6 * n + 3)
			fp_buf_grow(k->b, 6 * n + 2);
	}
	if (quotes)
		sink_add(k, "\"", 1);
	while (i < n) {
		unsigned char c;
		size_t m;

		i += plain_json(p + i, n - i);
		if (i >= n)
			break;
		c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (m = fp_utf8_seq(p + i, n - i)) != 0) {
			i += m;
			continue;
		}
		sink_add(k, s + start, i - start);
		switch (c) {
		case '"': sink_add(k, "\\\"", 2); break;
		case '\\': sink_add(k, "\\\\", 2); break;
		case '\n': sink_add(k, "\\n", 2); break;
		case '\r': sink_add(k, "\\r", 2); break;
		case '\t': sink_add(k, "\\t", 2); break;
		default:
			if (c < 0x20) {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

				sink_add(k, esc, 6);
			} else {
				sink_add(k, "\\ufffd", 6);
			}
		}
		i++;
		start = i;
	}
	sink_add(k, s + start, n - start);
	if (quotes)
		sink_add(k, "\"", 1);
	if (k->b)
		k->b->ptr[k->b->len] = '\0';
}

void fp_json_strn(FILE *f, const char *s, size_t n)
{
	sink k = { f, NULL };

	escape(&k, s, n, 1);
}

void fp_json_str(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		fp_json_strn(f, s, strlen(s));
}

void fp_json_buf_strn(fp_buf *out, const char *s, size_t n)
{
	sink k = { NULL, out };

	escape(&k, s, n, 1);
}

void fp_json_buf_escape(fp_buf *out, const char *s, size_t n)
{
	sink k = { NULL, out };

	escape(&k, s, n, 0);
}

void fp_json_buf_str(fp_buf *out, const char *s)
{
	if (!s)
		fp_json_buf_raw(out, "null", 4);
	else
		fp_json_buf_strn(out, s, strlen(s));
}

/* Appends the digits of `v`, at least `width` of them. */
static void add_digits(fp_buf *out, uint64_t v, int width)
{
	char digits[24];
	int n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < width);
	fp_json_buf_raw(out, digits + sizeof(digits) - n, (size_t)n);
}

/*
 * printf's "%.6g" for the numbers a run holds (test times from 0.0001 s to
 * a day), without printf's cost, which is a good share of writing a
 * million tests: six significant digits, trailing zeros dropped. Returns 0
 * for values outside that range, which printf formats.
 */
static int add_g6(fp_buf *out, double v)
{
	static const double scale[] = { 1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1 };
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
					  10000000, 100000000, 1000000000 };
	int e = -4, decimals;
	uint64_t r, frac;
	double x;

	if (!(v >= 1e-4 && v < 1e5))
		return 0;
	while (e < 4 && v >= (double)pow10[e + 5] / 1e4)
		e++;
	decimals = 5 - e;
	x = v * scale[9 - decimals];
	/* Near a half, the product's own rounding could decide the digit
	 * differently from printf's exact arithmetic: leave it to printf, as
	 * when rounding moves the exponent. */
	if (fabs(x - floor(x) - 0.5) < 1e-6)
		return 0;
	r = (uint64_t)(x + 0.5);
	if (r >= 1000000 || r < 100000)
		return 0;
	add_digits(out, r / pow10[decimals], 1);
	frac = r % pow10[decimals];
	if (frac) {
		while (frac % 10 == 0) {
			frac /= 10;
			decimals--;
		}
		fp_json_buf_raw(out, ".", 1);
		add_digits(out, frac, decimals);
	}
	return 1;
}

void fp_json_buf_num(fp_buf *out, double v)
{
	if (!isfinite(v))
		fp_json_buf_raw(out, "null", 4);
	else if (v == floor(v) && v >= 0 && v < 1e15)
		add_digits(out, (uint64_t)v, 1);
	else if (v == floor(v) && fabs(v) < 1e15)
		fp_buf_printf(out, "%.0f", v);
	else if (!add_g6(out, v))
		fp_buf_printf(out, "%.6g", v);
}

void fp_json_num(FILE *f, double v)
{
	fp_buf b = FP_BUF_INIT;

	fp_json_buf_num(&b, v);
	fwrite(b.ptr, 1, b.len, f);
	fp_buf_free(&b);
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

/* One thread's part of a batch. */
typedef struct batch_half {
	fp_json_format_fn format;
	void *ctx;
	size_t from, to;
	fp_buf out;
} batch_half;

static void *format_half(void *arg)
{
	batch_half *h = arg;

	fp_buf_clear(&h->out);
	h->format(h->ctx, h->from, h->to, &h->out);
	return NULL;
}

#define JSON_BATCH 8192

void fp_json_write_items(FILE *f, size_t n, fp_json_format_fn format, void *ctx[2])
{
	batch_half half[2];
	size_t start, k;
	int first = 1;

	for (k = 0; k < 2; k++) {
		half[k].format = format;
		half[k].ctx = ctx[k];
		fp_buf_init(&half[k].out);
	}
	for (start = 0; start < n; start += JSON_BATCH) {
		size_t end = n - start < JSON_BATCH ? n : start + JSON_BATCH;
		pthread_t worker;
		int threaded;

		half[0].from = start;
		half[0].to = half[1].from = start + (end - start) / 2;
		half[1].to = end;
		threaded = end - start >= 64 && pthread_create(&worker, NULL, format_half, &half[1]) == 0;
		format_half(&half[0]);
		if (threaded)
			pthread_join(worker, NULL);
		else
			format_half(&half[1]);
		for (k = 0; k < 2; k++) {
			const char *p = half[k].out.ptr;
			size_t len = half[k].out.len;

			if (first && len) {
				p++;
				len--;
				first = 0;
			}
			fwrite(p, 1, len, f);
		}
	}
	for (k = 0; k < 2; k++)
		fp_buf_free(&half[k].out);
}

/* ---- cJSON's allocator ---- */

static pthread_once_t cjson_hooked = PTHREAD_ONCE_INIT;

static void hook_cjson(void)
{
	cJSON_Hooks hooks = { fp_xmalloc, free };

	cJSON_InitHooks(&hooks);
}

void fp_json_init_cjson(void)
{
	pthread_once(&cjson_hooked, hook_cjson);
}
