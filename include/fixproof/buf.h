/*
 * buf.h - the one growable string buffer of fixproof.
 *
 * Invariants, as in git's strbuf: `ptr` is never NULL and always
 * NUL-terminated, `len` bytes are used, `cap` bytes are allocated (0 while
 * `ptr` points at the shared empty string). A buffer made with FP_BUF_INIT
 * needs no other set-up. Allocation failure ends the process with a message:
 * fixproof cannot do anything useful without memory, and checking every
 * append would hide the real error paths.
 */
#ifndef FIXPROOF_BUF_H
#define FIXPROOF_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct fp_buf {
	char *ptr;
	size_t len;
	size_t cap;
} fp_buf;

extern char fp_buf__empty[];
#define FP_BUF_INIT { fp_buf__empty, 0, 0 }

#if defined(__GNUC__)
#define FP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define FP_NORETURN __attribute__((noreturn))
#else
#define FP_PRINTF(fmt, args)
#define FP_NORETURN
#endif

/* Sets up an empty buffer; the same as assigning FP_BUF_INIT. */
void fp_buf_init(fp_buf *b);

/* Makes room for `extra` more bytes plus the terminating NUL. */
void fp_buf_grow(fp_buf *b, size_t extra);

/* Appends `n` bytes from `data` (which may hold NUL bytes). */
void fp_buf_add(fp_buf *b, const void *data, size_t n);

/* Appends a NUL-terminated string. */
void fp_buf_puts(fp_buf *b, const char *s);

/* Appends one byte. */
void fp_buf_putc(fp_buf *b, char c);

/* Appends printf-style formatted text. */
void fp_buf_printf(fp_buf *b, const char *fmt, ...) FP_PRINTF(2, 3);
void fp_buf_vprintf(fp_buf *b, const char *fmt, va_list ap) FP_PRINTF(2, 0);

/* Shortens the buffer to `len` bytes (no-op when already shorter). */
void fp_buf_truncate(fp_buf *b, size_t len);

/* Empties the buffer but keeps its memory for reuse. */
void fp_buf_clear(fp_buf *b);

/*
 * Hands the string over to the caller, who frees it with free(); the buffer
 * is left empty and usable. Never returns NULL.
 */
char *fp_buf_detach(fp_buf *b, size_t *len_out);

/* Releases the memory; the buffer is left empty and usable. */
void fp_buf_free(fp_buf *b);

/* malloc/realloc/strdup that end the process on failure. */
void *fp_xmalloc(size_t n);
void *fp_xcalloc(size_t n, size_t size);
void *fp_xrealloc(void *p, size_t n);
char *fp_xstrdup(const char *s);
char *fp_xstrndup(const char *s, size_t n);

/*
 * The one way an array grows (git's ALLOC_GROW): makes room for `need`
 * elements of `size` bytes in `ptr`, which has room for *cap. When need >
 * *cap, *cap becomes the larger of `need` and twice *cap (at least 8) and
 * the array is reallocated; returns the array. Overflow of the byte count
 * ends the process, as running out of memory does.
 */
void *fp_array_grow(void *ptr, size_t need, size_t *cap, size_t size);

/* Makes room for `need` elements in the array `ptr` whose room is `cap`
 * (both lvalues, `cap` a size_t; evaluated more than once). */
#define FP_ARRAY_GROW(ptr, need, cap) \
	do { \
		if ((need) > (cap)) \
			(ptr) = fp_array_grow((ptr), (need), &(cap), sizeof(*(ptr))); \
	} while (0)

/* Ends the process after printing "fixproof: fatal: MESSAGE". */
FP_NORETURN void fp_die(const char *fmt, ...) FP_PRINTF(1, 2);

#endif
