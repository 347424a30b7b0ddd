/* buf.c - growable strings and allocation helpers; see buf.h. */
#include "fixproof/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char fp_buf__empty[1];

void fp_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fixproof: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(70);
}

void *fp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fp_die("out of memory allocating %zu bytes", n);
	return p;
}

void *fp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fp_die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *fp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		fp_die("out of memory allocating %zu bytes", n);
	return q;
}

char *fp_xstrndup(const char *s, size_t n)
{
	char *p = fp_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *fp_xstrdup(const char *s)
{
	return fp_xstrndup(s, strlen(s));
}

void fp_buf_init(fp_buf *b)
{
	b->ptr = fp_buf__empty;
	b->len = 0;
	b->cap = 0;
}

void fp_buf_grow(fp_buf *b, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - b->len - 1)
		fp_die("buffer size overflow");
	want = b->len + extra + 1;
	if (want <= b->cap)
		return;
	if (b->cap == 0) {
		size_t cap = want < 64 ? 64 : want;

		b->ptr = fp_xmalloc(cap);
		b->ptr[0] = '\0';
		b->cap = cap;
		return;
	}
	{
		size_t cap = b->cap + b->cap / 2;

		if (cap < want)
			cap = want;
		b->ptr = fp_xrealloc(b->ptr, cap);
		b->cap = cap;
	}
}

void fp_buf_add(fp_buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	fp_buf_grow(b, n);
	memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void fp_buf_puts(fp_buf *b, const char *s)
{
	fp_buf_add(b, s, strlen(s));
}

void fp_buf_putc(fp_buf *b, char c)
{
	fp_buf_grow(b, 1);
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
}

void fp_buf_vprintf(fp_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		fp_die("bad format string '%s'", fmt);
	if ((size_t)n >= (b->cap ? b->cap - b->len : 0)) {
		fp_buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void fp_buf_printf(fp_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fp_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void fp_buf_truncate(fp_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->ptr[len] = '\0';
}

void fp_buf_clear(fp_buf *b)
{
	fp_buf_truncate(b, 0);
}

char *fp_buf_detach(fp_buf *b, size_t *len_out)
{
	char *s = b->cap ? b->ptr : fp_xstrdup("");

	if (len_out)
		*len_out = b->len;
	fp_buf_init(b);
	return s;
}

void fp_buf_free(fp_buf *b)
{
	if (b->cap)
		free(b->ptr);
	fp_buf_init(b);
}

void *fp_array_grow(void *ptr, size_t need, size_t *cap, size_t size)
{
	size_t n = *cap > SIZE_MAX / 2 ? need : *cap * 2;

	if (need <= *cap)
		return ptr;
	if (n < need)
		n = need;
	if (n < 8)
		n = 8;
	if (size && n > SIZE_MAX / size)
		fp_die("out of memory: an array of %zu elements of %zu bytes", n, size);
	ptr = fp_xrealloc(ptr, n * size);
	*cap = n;
	return ptr;
}
